//! Searches of the disk beyond the files the trace shows read: the application tree around a
//! missing path ([`search`]), and the configuration trees where the server side of a unix
//! socket says who may connect to it ([`server_side`]). Both walk text files only (no NUL
//! byte, not empty, at most 4 MiB each) within one [`SearchBudget`] per judgement: 2,000 files,
//! 20,000 entries, 1 s.

use std::time::{Duration, Instant};

use super::{line_of, needles, setting, Found, Given, Needle, Reference, Sets, MAX_FILE};
use crate::analysis::group::Target;
use crate::disk::{Disk, FileKind};
use crate::path::{is_app_tree, join, split};
use crate::text::TraceText;

/// What one judgement may spend searching (all suspects together): files read, entries looked
/// at, time.
const SEARCH_FILES: usize = 2000;
const SEARCH_ENTRIES: usize = 20_000;
const SEARCH_TIME: Duration = Duration::from_secs(1);
/// Directories never searched: dependencies, bytecode caches (and every hidden one).
const SKIPPED_DIRS: &[&[u8]] = &[b"node_modules", b"__pycache__"];
/// Where configuration trees are.
const CONFIG: &[u8] = b"/etc";

/// What is left for searching, shared by every suspect of one judgement.
pub(crate) struct SearchBudget {
    files: usize,
    entries: usize,
    deadline: Option<Instant>,
}

impl Default for SearchBudget {
    fn default() -> Self {
        SearchBudget { files: SEARCH_FILES, entries: SEARCH_ENTRIES, deadline: None }
    }
}

impl SearchBudget {
    fn spent(&mut self) -> bool {
        let deadline = *self.deadline.get_or_insert_with(|| Instant::now() + SEARCH_TIME);
        self.files == 0 || self.entries == 0 || Instant::now() >= deadline
    }

    /// What is left, for a walk of its own (`disk::usage`); `None` once spent.
    pub(crate) fn allowance(&mut self) -> Option<crate::disk::Allowance> {
        if self.spent() {
            return None;
        }
        let until = self.deadline.unwrap_or_else(Instant::now);
        Some(crate::disk::Allowance { entries: self.entries, until })
    }

    /// A walk of its own looked at `entries`.
    pub(crate) fn charge(&mut self, entries: usize) {
        self.entries = self.entries.saturating_sub(entries);
    }

    #[cfg(test)]
    pub(super) fn files(files: usize) -> SearchBudget {
        SearchBudget { files, ..SearchBudget::default() }
    }
}

/// Whether a walk goes on after a file.
#[derive(PartialEq)]
enum Walk {
    On,
    Stop,
}

/// Walks the tree under `root` depth first in name order, skipping `skip` (trees already
/// walked, a path known missing), hidden directories and [`SKIPPED_DIRS`], and hands each text
/// file with its content to `visit` until it says stop or `budget` is spent.
fn walk(
    disk: &dyn Disk,
    root: &[u8],
    skip: &[&[u8]],
    budget: &mut SearchBudget,
    visit: &mut dyn FnMut(&[u8], &[u8]) -> Walk,
) {
    let mut dirs = vec![root.to_vec()];
    while let Some(dir) = dirs.pop() {
        let Some(listing) = disk.list(&dir) else { continue };
        let mut names = listing.names.clone();
        names.sort();
        // depth first, in name order: subdirectories are pushed last-first
        let mut subdirs = Vec::new();
        for name in names {
            let path = join(&dir, &name);
            if skip.contains(&path.as_slice()) {
                continue;
            }
            if budget.spent() {
                return;
            }
            budget.entries -= 1;
            let Some(meta) = disk.lstat(&path) else { continue };
            match meta.kind {
                FileKind::Dir if !name.starts_with(b".") && !SKIPPED_DIRS.contains(&name.as_slice()) => {
                    subdirs.push(path)
                }
                // an empty file names nothing
                FileKind::File if meta.size > 0 && meta.size <= MAX_FILE as u64 => {
                    budget.files -= 1;
                    // found by searching, not read by the process: the rule of unknown ids
                    let Some(content) = disk.read_named(&path, MAX_FILE, None).filter(|c| !c.contains(&0)) else {
                        continue;
                    };
                    if visit(&path, &content) == Walk::Stop {
                        return;
                    }
                }
                _ => {}
            }
        }
        dirs.extend(subdirs.into_iter().rev());
    }
}

/// Where the missing path `target` is named in the application tree around it: the nearest
/// existing ancestor that lies in an application tree ([`is_app_tree`]: `/srv/app` for
/// `/srv/app/templates/x.html` when `templates` is missing), then the directories above it
/// that still do. The needles and comment rules of [`super::find_reference`]; the most
/// specific needle wins, then the nearest directory, then the first file in name order.
pub fn search(target: &Target, given: Given<'_>, disk: &dyn Disk, budget: &mut SearchBudget) -> Option<Reference> {
    search_for(&needles(target, given), target.fs_path()?, disk, budget)
}

/// [`search`] for `needles`, around the missing path `wrong`.
pub(super) fn search_for(
    needles: &[Needle<'_>],
    wrong: &[u8],
    disk: &dyn Disk,
    budget: &mut SearchBudget,
) -> Option<Reference> {
    let mut roots = Vec::new();
    let mut p = wrong;
    while let Some((dir, _)) = split(p) {
        if !is_app_tree(dir) {
            break;
        }
        if disk.lstat(dir).is_some_and(|m| m.kind == FileKind::Dir) {
            roots.push(dir);
        }
        p = dir;
    }
    let mut done: &[u8] = wrong;
    for root in roots {
        let mut best: Option<(usize, Vec<u8>, u64)> = None;
        walk(disk, root, &[done, wrong], budget, &mut |path, content| {
            let limit = best.as_ref().map_or(needles.len(), |b| b.0);
            let found = needles[..limit].iter().enumerate().find_map(|(k, n)| line_of(content, n).map(|l| (k, l)));
            if let Some((k, line)) = found {
                best = Some((k, path.to_vec(), line));
                if k == 0 {
                    return Walk::Stop;
                }
            }
            Walk::On
        });
        if let Some((k, path, line)) = best {
            let found = Found::Searched(TraceText::from(root.to_vec()));
            return Some(Reference::File { path: path.into(), line, found, place: needles[k].place() });
        }
        if budget.spent() {
            return None;
        }
        done = root;
    }
    None
}

/// Where the server side of the unix socket `sock` says who may connect to it: a text file in
/// a configuration tree that names the socket's path and that the failing process did not read
/// (`read`: the client's own configuration names it too, rightly). The trees searched are the
/// ones under `/etc` named like a word of the socket's path (`/etc/php` for
/// `/run/php/php8.2-fpm.sock`, `/etc/redis` for `/run/redis/redis-server.sock`), then the rest
/// of `/etc`. The pointer is the line setting the socket's owner, group or mode
/// ([`setting::socket_access`]); without one, the line where the server listens on it.
pub fn server_side(sock: &[u8], read: &[Vec<u8>], disk: &dyn Disk, budget: &mut SearchBudget) -> Option<Reference> {
    let words = words(sock);
    let mut roots: Vec<Vec<u8>> = match disk.list(CONFIG) {
        Some(listing) => {
            let mut names: Vec<&Vec<u8>> = listing.names.iter().filter(|n| related(n, &words)).collect();
            names.sort();
            names
                .into_iter()
                .map(|n| join(CONFIG, n))
                .filter(|p| disk.lstat(p).is_some_and(|m| m.kind == FileKind::Dir))
                .collect()
        }
        None => return None,
    };
    roots.push(CONFIG.to_vec());
    let mut listener: Option<Reference> = None;
    for (k, root) in roots.iter().enumerate() {
        let searched = Found::Searched(TraceText::from(root.to_vec()));
        let mut found: Option<Reference> = None;
        let skip: Vec<&[u8]> = roots[..k].iter().map(Vec::as_slice).collect();
        walk(disk, root, &skip, budget, &mut |path, content| {
            if read.iter().any(|r| r == path) {
                return Walk::On;
            }
            let Some((named, key)) = setting::naming_line(content, sock) else { return Walk::On };
            let path = TraceText::from(path.to_vec());
            if let Some((line, text)) = setting::socket_access(content, named) {
                found = Some(Reference::Setting {
                    path,
                    line,
                    found: searched.clone(),
                    sets: Sets::SocketAccess,
                    text: text.into(),
                });
                return Walk::Stop;
            }
            if listener.is_none() && setting::is_listener(&key) {
                listener = Some(Reference::File { path, line: named, found: searched.clone(), place: None });
            }
            Walk::On
        });
        if found.is_some() {
            return found;
        }
        if budget.spent() {
            break;
        }
    }
    listener
}

/// The words of a socket's path that may name its server's configuration tree: `php`, `php8`,
/// `fpm` of `/run/php/php8.2-fpm.sock` (at least 3 letters; not `run`, `var`, `tmp`, `sock`).
fn words(sock: &[u8]) -> Vec<Vec<u8>> {
    const NOT: &[&[u8]] = &[b"run", b"var", b"tmp", b"sock", b"socket", b"sockets"];
    let mut out: Vec<Vec<u8>> = sock
        .split(|c| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 3 && !NOT.contains(w))
        .map(<[u8]>::to_ascii_lowercase)
        .collect();
    out.dedup();
    out
}

/// Whether the name of a directory of `/etc` is one of `words`, or one begins with the other
/// (`mysql` for `mysqld`).
fn related(name: &[u8], words: &[Vec<u8>]) -> bool {
    let name = name.to_ascii_lowercase();
    name.len() >= 3 && words.iter().any(|w| name.starts_with(w) || w.starts_with(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::RootDisk;

    fn setup(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (p, content) in files {
            let host = root.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(host.parent().unwrap()).unwrap();
            std::fs::write(host, content).unwrap();
        }
        root
    }

    fn path(p: &str) -> Target {
        Target::Path { path: p.as_bytes().to_vec(), absolute: true }
    }

    #[test]
    fn a_search_of_the_application_tree_finds_what_no_opened_file_named() {
        let root = setup(&[
            ("/srv/app/app.py", b"from settings import TEMPLATE\nprint(open(TEMPLATE).read())\n"),
            (
                "/srv/app/lib/settings.py",
                b"import os\n\n# templates/indx.html was the old name\nTEMPLATE = \"/srv/app/templates/indx.html\"\n",
            ),
            ("/srv/app/lib/__pycache__/settings.cpython-311.pyc", b"\x00/srv/app/templates/indx.html"),
            ("/srv/app/.git/ORIG", b"/srv/app/templates/indx.html"),
            ("/srv/app/templates/index.html", b"<h1>home</h1>\n"),
        ]);
        let disk = RootDisk::new(root.path());
        let t = path("/srv/app/templates/indx.html");
        let mut budget = SearchBudget::default();
        let found = search(&t, Given::default(), &disk, &mut budget);
        let want = Reference::File {
            path: "/srv/app/lib/settings.py".into(),
            line: 4,
            found: Found::Searched("/srv/app".into()),
            place: None,
        };
        assert_eq!(found, Some(want), "templates/ names nothing: the tree above it does");
        // a missing directory: its parent is searched, then the ones above within the tree
        let t = path("/srv/app/templatez/index.html");
        let found = search(&t, Given::default(), &disk, &mut budget);
        assert_eq!(found, None, "nothing names templatez");
        let t = path("/srv/app/lib/missing/indx.html");
        let Some(Reference::File { path: p, found, .. }) = search(&t, Given::default(), &disk, &mut budget) else {
            panic!()
        };
        assert_eq!(
            (p, found),
            ("/srv/app/lib/settings.py".into(), Found::Searched("/srv/app/lib".into())),
            "by its name"
        );
        // outside an application tree, or with no disk: no search
        assert_eq!(search(&path("/tmp/x/indx.html"), Given::default(), &disk, &mut budget), None);
        assert_eq!(
            search(&path("/srv/app/templates/indx.html"), Given::default(), &crate::disk::NoDisk, &mut budget),
            None
        );
        // a spent budget stops it
        let mut spent = SearchBudget::files(0);
        assert_eq!(search(&path("/srv/app/templates/indx.html"), Given::default(), &disk, &mut spent), None);
    }

    const SOCK: &[u8] = b"/run/php/php8.2-fpm.sock";

    #[test]
    fn the_server_side_of_a_socket_says_who_may_connect() {
        let root = setup(&[
            (
                "/etc/nginx/sites-enabled/shop",
                b"location ~ \\.php$ {\n  fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n}\n",
            ),
            (
                "/etc/nginx/sites-available/shop",
                b"location ~ \\.php$ {\n  fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n}\n",
            ),
            ("/etc/php/8.2/fpm/php-fpm.conf", b"include=/etc/php/8.2/fpm/pool.d/*.conf\n"),
            (
                "/etc/php/8.2/fpm/pool.d/www.conf",
                b"[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = root\nlisten.mode = 0600\n",
            ),
        ]);
        let disk = RootDisk::new(root.path());
        let read = vec![b"/etc/nginx/sites-enabled/shop".to_vec()];
        let found = server_side(SOCK, &read, &disk, &mut SearchBudget::default());
        let want = Reference::Setting {
            path: "/etc/php/8.2/fpm/pool.d/www.conf".into(),
            line: 4,
            found: Found::Searched("/etc/php".into()),
            sets: Sets::SocketAccess,
            text: "listen.owner = root".into(),
        };
        assert_eq!(found, Some(want));
        // the pool leaves the defaults: the line where php-fpm listens on it
        std::fs::write(
            root.path().join("etc/php/8.2/fpm/pool.d/www.conf"),
            "[www]\nuser = www-data\n;listen.owner = www-data\nlisten = /run/php/php8.2-fpm.sock\n",
        )
        .unwrap();
        let found = server_side(SOCK, &read, &disk, &mut SearchBudget::default());
        let want = Reference::File {
            path: "/etc/php/8.2/fpm/pool.d/www.conf".into(),
            line: 4,
            found: Found::Searched("/etc/php".into()),
            place: None,
        };
        assert_eq!(found, Some(want), "the client's copies of its own site file are not the server side");
        // within the budget only
        assert_eq!(server_side(SOCK, &read, &disk, &mut SearchBudget::files(1)), None);
    }

    #[test]
    fn a_socket_unit_elsewhere_in_etc_is_found_after_the_named_trees() {
        let root = setup(&[
            ("/etc/app/app.conf", b"socket_dir = /run/app\n"),
            ("/etc/systemd/system/app.socket", b"[Socket]\nListenStream=/run/app/app.sock\nSocketMode=0600\n"),
        ]);
        let disk = RootDisk::new(root.path());
        let Some(Reference::Setting { path, line, found, .. }) =
            server_side(b"/run/app/app.sock", &[], &disk, &mut SearchBudget::default())
        else {
            panic!()
        };
        assert_eq!((path, line, found), ("/etc/systemd/system/app.socket".into(), 3, Found::Searched("/etc".into())));
        assert_eq!(words(SOCK), [b"php".to_vec(), b"php8".to_vec(), b"fpm".to_vec()]);
        assert!(related(b"mysql", &words(b"/run/mysqld/mysqld.sock")) && !related(b"ssl", &words(SOCK)));
    }
}

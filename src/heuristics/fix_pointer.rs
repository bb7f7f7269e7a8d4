//! Fix pointers: where the wrong path or address came from, so the user knows what to edit.
//!
//! Among the text files the process read before the failure (most recent first): the line
//! holding the full wrong path, else the longest suffix of it (`wp-includes/x.phpp`), else its
//! name, else its name without the extension (`require('./lib/utlis')`, never an ordinary
//! word); for an address, its `host:port`, else its port. Matches in comment lines, inside
//! longer names, or in binary files (a NUL byte) do not count. When no file names it, the
//! command line of the process may: an argument that is the path or a directory above it.
//! When neither does (the file was read before the trace began, or only its cached bytecode
//! was), the application tree around the failure is searched on the disk ([`search`]) with
//! the same needles and rules. Reads go through the confined disk, only regular files,
//! bounded in size and count.

use std::time::{Duration, Instant};

use crate::analysis::group::Target;
use crate::analysis::naming::{bounded, is_ordinary_word};
use crate::disk::{Disk, FileKind};
use crate::event::Pid;
use crate::path::{is_app_tree, join, split};
use crate::text::TraceText;

const MAX_FILE: usize = 4 << 20;
const MAX_FILES: usize = 32;
/// What one judgement may spend searching application trees (all suspects together): files
/// read, entries looked at, time.
const SEARCH_FILES: usize = 2000;
const SEARCH_ENTRIES: usize = 20_000;
const SEARCH_TIME: Duration = Duration::from_secs(1);
/// Directories never searched: version control, dependencies, bytecode caches.
const SKIPPED_DIRS: &[&[u8]] = &[b"node_modules", b"__pycache__"];

/// Where a wrong path or address was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A line of a file (1-based): one the process read, or, with `searched`, one found by
    /// searching that directory on the disk.
    File { path: TraceText, line: u64, searched: Option<TraceText> },
    /// An argument of the command line a process of the group was started with.
    CommandLine { pid: Pid, argument: TraceText },
}

/// What to look for, most specific first; `name` needles must stand as whole names.
struct Needle<'a> {
    text: &'a [u8],
    name: bool,
}

fn needles(target: &Target) -> Vec<Needle<'_>> {
    let mut out = Vec::new();
    let whole = |text| Needle { text, name: false };
    let name = |text| Needle { text, name: true };
    if let Some(path) = target.fs_path() {
        out.push(whole(path));
        let starts = path.iter().enumerate().filter(|(_, &c)| c == b'/').map(|(i, _)| i + 1);
        let suffixes: Vec<&[u8]> = starts.map(|k| &path[k..]).filter(|s| s.contains(&b'/')).collect();
        out.extend(suffixes.into_iter().map(name));
        let base = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
        if base.len() >= 3 {
            out.push(name(base));
            let stem = base.iter().position(|&c| c == b'.').filter(|&i| i >= 4).map(|i| &base[..i]);
            out.extend(stem.filter(|s| !is_ordinary_word(s)).map(name));
        }
    }
    if let Target::Address { addr, unix_path: None, .. } = target {
        out.push(name(addr.as_bytes()));
        if let Some((_, port)) = addr.rsplit_once(':') {
            out.push(name(port.as_bytes()));
        }
    }
    out
}

/// The line of `content` where `needle` first stands outside a comment.
fn line_of(content: &[u8], needle: &Needle<'_>) -> Option<u64> {
    let mut from = 0;
    while from < content.len() {
        let rest = &content[from..];
        let hit = if needle.name {
            bounded(rest, needle.text)
        } else {
            memchr::memmem::find(rest, needle.text).map(|i| i..i)
        };
        let at = from + hit?.start;
        let start = memchr::memrchr(b'\n', &content[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &content[at..]).map_or(content.len(), |i| at + i);
        if !is_comment(&content[start..end]) {
            return Some(1 + content[..at].iter().filter(|&&c| c == b'\n').count() as u64);
        }
        from = end + 1;
    }
    None
}

/// A comment line in the usual configuration and source syntaxes.
fn is_comment(line: &[u8]) -> bool {
    let t = line.trim_ascii_start();
    [&b"#"[..], b"//", b";", b"/*", b"*", b"<!--", b"--"].iter().any(|m| t.starts_with(m))
}

/// Where `target` was named: a text file of `opened` (the files the process had read, oldest
/// first), else an argument of `argv` (the command line of `pid`).
pub fn find_reference(
    target: &Target,
    opened: &[Vec<u8>],
    argv: Option<(Pid, &[Vec<u8>])>,
    disk: &dyn Disk,
) -> Option<Reference> {
    let needles = needles(target);
    if needles.is_empty() {
        return None;
    }
    let wrong = target.fs_path();
    let files: Vec<(&Vec<u8>, Vec<u8>)> = opened
        .iter()
        .rev()
        .filter(|p| Some(p.as_slice()) != wrong)
        .take(MAX_FILES)
        .filter_map(|p| disk.read_regular(p, MAX_FILE).map(|c| (p, c)))
        .filter(|(_, c)| !c.contains(&0))
        .collect();
    for needle in &needles {
        for (path, content) in &files {
            if let Some(line) = line_of(content, needle) {
                return Some(Reference::File { path: path.as_slice().into(), line, searched: None });
            }
        }
    }
    let (pid, argv) = argv?;
    let wrong = wrong?;
    argv.iter().skip(1).find(|a| gives(a, wrong)).map(|a| Reference::CommandLine { pid, argument: a.as_slice().into() })
}

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
}

/// Where the missing path `target` is named in the application tree around it: the nearest
/// existing ancestor that lies in an application tree ([`is_app_tree`]: `/srv/app` for
/// `/srv/app/templates/x.html` when `templates` is missing), then the directories above it
/// that still do. Text files only (no NUL byte, not empty), at most 4 MiB each, within `budget`; the
/// needles and comment rules of [`find_reference`]. The most specific needle wins, then the
/// nearest directory, then the first file in name order.
pub fn search(target: &Target, disk: &dyn Disk, budget: &mut SearchBudget) -> Option<Reference> {
    let wrong = target.fs_path()?;
    let needles = needles(target);
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
    let mut done: Option<&[u8]> = None;
    for root in roots {
        let mut best: Option<(usize, Vec<u8>, u64)> = None;
        let mut dirs = vec![root.to_vec()];
        'walk: while let Some(dir) = dirs.pop() {
            let Some(listing) = disk.list(&dir) else { continue };
            let mut names = listing.names.clone();
            names.sort();
            // depth first, in name order: subdirectories are pushed last-first
            let mut subdirs = Vec::new();
            for name in names {
                let path = join(&dir, &name);
                if Some(path.as_slice()) == done || path == wrong {
                    continue;
                }
                if budget.spent() {
                    break 'walk;
                }
                budget.entries -= 1;
                let Some(meta) = disk.lstat(&path) else { continue };
                match meta.kind {
                    FileKind::Dir if !name.starts_with(b".") && !SKIPPED_DIRS.contains(&name.as_slice()) => {
                        subdirs.push(path)
                    }
                    // an empty file names nothing
                    FileKind::File if meta.size > 0 && meta.size <= MAX_FILE as u64 => {
                        if budget.files == 0 {
                            break 'walk;
                        }
                        budget.files -= 1;
                        let Some(content) = disk.read_regular(&path, MAX_FILE).filter(|c| !c.contains(&0)) else {
                            continue;
                        };
                        let limit = best.as_ref().map_or(needles.len(), |b| b.0);
                        if let Some((k, line)) =
                            needles[..limit].iter().enumerate().find_map(|(k, n)| line_of(&content, n).map(|l| (k, l)))
                        {
                            best = Some((k, path, line));
                            if k == 0 {
                                break 'walk;
                            }
                        }
                    }
                    _ => {}
                }
            }
            dirs.extend(subdirs.into_iter().rev());
        }
        if let Some((_, path, line)) = best {
            return Some(Reference::File { path: path.into(), line, searched: Some(root.into()) });
        }
        if budget.spent() {
            return None;
        }
        done = Some(root);
    }
    None
}

/// Whether command-line argument `arg` (or its `--option=` value) is `wrong` or a directory
/// above it.
fn gives(arg: &[u8], wrong: &[u8]) -> bool {
    let value = match arg.iter().position(|&c| c == b'=') {
        Some(i) if arg.starts_with(b"-") => &arg[i + 1..],
        _ => arg,
    };
    let value = value.strip_suffix(b"/").unwrap_or(value);
    value.len() > 1
        && value.starts_with(b"/")
        && wrong.starts_with(value)
        && (wrong.len() == value.len() || wrong[value.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::RootDisk;

    fn path(p: &str) -> Target {
        Target::Path { path: p.as_bytes().to_vec(), absolute: true }
    }

    fn setup(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Vec<Vec<u8>>) {
        let root = tempfile::tempdir().unwrap();
        let mut opened = Vec::new();
        for (p, content) in files {
            let host = root.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(host.parent().unwrap()).unwrap();
            std::fs::write(host, content).unwrap();
            opened.push(p.as_bytes().to_vec());
        }
        (root, opened)
    }

    fn file(path: &str, line: u64) -> Option<Reference> {
        Some(Reference::File { path: path.into(), line, searched: None })
    }

    #[test]
    fn the_line_that_names_the_wrong_path() {
        let (root, opened) = setup(&[(
            "/var/www/html/wp-settings.php",
            b"<?php\n// loads wp-includes\nrequire ABSPATH . WPINC . '/class-wp-locale.phpp';\n",
        )]);
        let disk = RootDisk::new(root.path());
        let t = path("/var/www/html/wp-includes/class-wp-locale.phpp");
        assert_eq!(find_reference(&t, &opened, None, &disk), file("/var/www/html/wp-settings.php", 3));
    }

    #[test]
    fn comments_binaries_and_prose_words_are_no_reference() {
        let (root, opened) = setup(&[
            ("/etc/nsswitch.conf", b"# `info libc \"Name Service Switch\"' for information about this file.\n"),
            ("/usr/lib/x/__pycache__/client.pyc", b"\x00\x01pubilc/index.html\x00"),
            ("/etc/mime.types", b"# see index.html for more\n"),
        ]);
        let disk = RootDisk::new(root.path());
        for wrong in ["/var/www/htlm/about.html", "/srv/uxshop/pubilc/index.html"] {
            assert_eq!(find_reference(&path(wrong), &opened, None, &disk), None, "{wrong}");
        }
    }

    #[test]
    fn the_config_line_that_names_a_port() {
        let (root, opened) = setup(&[("/srv/shop/conf/app.ini", b"; database\ndb_host = 127.0.0.1\ndb_port = 5433\n")]);
        let disk = RootDisk::new(root.path());
        let t = Target::Address { proto: "tcp", addr: "127.0.0.1:5433".into(), unix_path: None };
        assert_eq!(find_reference(&t, &opened, None, &disk), file("/srv/shop/conf/app.ini", 3));
        let t = Target::Address { proto: "tcp", addr: "127.0.0.1:543".into(), unix_path: None };
        assert_eq!(find_reference(&t, &opened, None, &disk), None, "5433 is not port 543");
    }

    #[test]
    fn the_command_line_argument_that_gave_it() {
        let argv: Vec<Vec<u8>> = ["python3", "-m", "http.server", "--directory", "/srv/uxshop/pubilc/"]
            .iter()
            .map(|a| a.as_bytes().to_vec())
            .collect();
        let t = path("/srv/uxshop/pubilc/index.html");
        let r = find_reference(&t, &[], Some((7, &argv)), &crate::disk::NoDisk);
        assert_eq!(r, Some(Reference::CommandLine { pid: 7, argument: "/srv/uxshop/pubilc/".into() }));
        assert!(gives(b"--root=/srv/app", b"/srv/app/x") && !gives(b"/srv/ap", b"/srv/app/x") && !gives(b"/", b"/x"));
    }

    #[test]
    fn a_search_of_the_application_tree_finds_what_no_opened_file_named() {
        let (root, _) = setup(&[
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
        let found = search(&t, &disk, &mut budget);
        let want =
            Reference::File { path: "/srv/app/lib/settings.py".into(), line: 4, searched: Some("/srv/app".into()) };
        assert_eq!(found, Some(want), "templates/ names nothing: the tree above it does");
        // a missing directory: its parent is searched, then the ones above within the tree
        let t = path("/srv/app/templatez/index.html");
        let found = search(&t, &disk, &mut budget);
        assert_eq!(found, None, "nothing names templatez");
        let t = path("/srv/app/lib/missing/indx.html");
        let Some(Reference::File { path: p, searched, .. }) = search(&t, &disk, &mut budget) else { panic!() };
        assert_eq!((p, searched), ("/srv/app/lib/settings.py".into(), Some("/srv/app/lib".into())), "by its name");
        // outside an application tree, or with no disk: no search
        assert_eq!(search(&path("/tmp/x/indx.html"), &disk, &mut budget), None);
        assert_eq!(search(&path("/srv/app/templates/indx.html"), &crate::disk::NoDisk, &mut budget), None);
        // a spent budget stops it
        let mut spent = SearchBudget { files: 0, ..SearchBudget::default() };
        assert_eq!(search(&path("/srv/app/templates/indx.html"), &disk, &mut spent), None);
    }
}

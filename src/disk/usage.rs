//! What fills a filesystem: one bounded walk of a mount, as `du -x` would do it, for a disk-full
//! suspect. One lane per directory below the mount, taken in turn, each listing at most an even
//! share of what is left (a walk cut short has seen some of every directory, not all of the
//! first); never crossing into another filesystem, never following a symlink, every directory
//! reached through the root (see `walk`); it stops when its [`Allowance`] of entries or time is
//! spent, and says so. It reads metadata only (no file
//! is opened), and it suggests, never removes.
//!
//! Found: the largest directories one or two levels below the mount (bytes allocated, as `du`
//! counts them), and the stale files: unchanged for [`STALE_DAYS`] days or more and of a kind
//! nothing reads again once written (rotated or compressed logs, archives, backups, dumps, core
//! files, temporary files).

use std::collections::VecDeque;
use std::time::{Instant, SystemTime};

use rustix::fs::{fstat, openat, statat, AtFlags, FileType, Mode, OFlags};

use super::walk::Root;

/// A file is stale once unchanged this long.
pub const STALE_DAYS: u64 = 7;
/// Entries of one directory listed at least, however many lanes share the allowance.
const MIN_SHARE: usize = 256;
/// Directories and stale files named, largest first.
const LARGEST: usize = 5;
const STALE: usize = 5;

/// What one walk may spend, handed out by the caller's disk budget (which it then charges
/// with [`Usage::walked`]).
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    /// Entries looked at (each costs one `stat`).
    pub entries: usize,
    /// When the walk stops, done or not.
    pub until: Instant,
}

/// A stale file: its path, bytes allocated, and days since it last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Where it is.
    pub path: Vec<u8>,
    /// Bytes it takes on disk.
    pub bytes: u64,
    /// Whole days since it was last modified.
    pub days: u64,
}

/// What the walk of one mount found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    /// The mount point walked.
    pub mount: Vec<u8>,
    /// Directories one or two levels below the mount, with the bytes of the files below them
    /// that the walk saw, largest first.
    pub largest: Vec<(Vec<u8>, u64)>,
    /// Stale files, largest first.
    pub stale: Vec<Stale>,
    /// Entries looked at.
    pub walked: usize,
    /// Every entry of the mount was looked at (else the allowance ran out: the figures are
    /// of what was walked).
    pub complete: bool,
}

/// A directory still to list: its path, and the indexes in the totals of the one- and
/// two-level directories it lies in.
struct Pending {
    path: Vec<u8>,
    depth: usize,
    totals: [Option<usize>; 2],
}

/// Walks the filesystem mounted at `mount` (a path inside `root`) within `allowance`.
pub(super) fn walk(root: &Root, mount: &[u8], allowance: Allowance, now: SystemTime) -> Option<Usage> {
    let start = root.dir(mount)?;
    let device = fstat(&start).ok()?.st_dev;
    drop(start);
    let mut w = Walk {
        root,
        device,
        now,
        allowance,
        totals: Vec::new(),
        stale: Vec::new(),
        walked: 0,
        spent: false,
        cut: false,
    };
    // one lane per directory below the mount, taken in turn, and no directory listed past its
    // lane's share of the allowance: a walk cut short has seen some of every one, not all of
    // the first
    let top = w.list(&Pending { path: mount.to_vec(), depth: 0, totals: [None, None] }, allowance.entries);
    let mut lanes: VecDeque<VecDeque<Pending>> = top.into_iter().map(|p| VecDeque::from([p])).collect();
    while let Some(mut lane) = lanes.pop_front() {
        if w.spent {
            break;
        }
        let Some(dir) = lane.pop_front() else { continue };
        // what is left, split evenly between the directory and the other lanes' next ones
        let share = (allowance.entries.saturating_sub(w.walked) / (lanes.len() + 1)).max(MIN_SHARE);
        lane.extend(w.list(&dir, share));
        if !lane.is_empty() {
            lanes.push_back(lane);
        }
    }
    let Walk { mut totals, mut stale, walked, spent, cut, .. } = w;
    let complete = !spent && !cut;
    totals.retain(|(_, b)| *b > 0);
    // a directory whose one subdirectory holds all of it is named by that subdirectory
    let whole: Vec<bool> = totals
        .iter()
        .map(|(p, b)| {
            totals.iter().any(|(c, cb)| cb == b && c.len() > p.len() + 1 && c.starts_with(p) && c[p.len()] == b'/')
        })
        .collect();
    let mut k = 0;
    totals.retain(|_| {
        k += 1;
        !whole[k - 1]
    });
    totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    totals.truncate(LARGEST);
    stale.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    stale.truncate(STALE);
    Some(Usage { mount: mount.to_vec(), largest: totals, stale, walked, complete })
}

/// One walk's state.
struct Walk<'a> {
    root: &'a Root,
    /// The filesystem walked: entries of another are left out.
    device: u64,
    now: SystemTime,
    allowance: Allowance,
    /// Directories one or two levels below the mount, and the bytes seen below them.
    totals: Vec<(Vec<u8>, u64)>,
    stale: Vec<Stale>,
    walked: usize,
    /// The allowance ran out.
    spent: bool,
    /// Some directory was listed only in part (its share).
    cut: bool,
}

impl Walk<'_> {
    /// Lists `dir`, at most `share` of its entries: its files go to the totals it lies in and
    /// to the stale ones; returns its directories on the same filesystem. Stops when the
    /// allowance runs out.
    fn list(&mut self, dir: &Pending, share: usize) -> Vec<Pending> {
        let mut below = Vec::new();
        let Some(fd) = self.root.dir(&dir.path) else { return below };
        let Ok(listing) = openat(&fd, ".", LIST, Mode::empty()) else { return below };
        let Ok(entries) = rustix::fs::Dir::new(listing) else { return below };
        for (k, entry) in entries.flatten().enumerate() {
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let n = self.walked;
            if n >= self.allowance.entries || (n.is_multiple_of(256) && Instant::now() >= self.allowance.until) {
                self.spent = true;
                return below;
            }
            if k >= share {
                self.cut = true;
                return below;
            }
            self.walked += 1;
            let Ok(st) = statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW) else { continue };
            if st.st_dev != self.device {
                continue;
            }
            let path = crate::path::join(&dir.path, name);
            match FileType::from_raw_mode(st.st_mode) {
                FileType::Directory => {
                    let mut inner = dir.totals;
                    if dir.depth < 2 {
                        inner[dir.depth] = Some(self.totals.len());
                        self.totals.push((path.clone(), 0));
                    }
                    below.push(Pending { path, depth: dir.depth + 1, totals: inner });
                }
                FileType::RegularFile => {
                    let bytes = u64::try_from(st.st_blocks).unwrap_or(0).saturating_mul(512);
                    for t in dir.totals.iter().flatten() {
                        self.totals[*t].1 += bytes;
                    }
                    let modified = u64::try_from(st.st_mtime).unwrap_or(0);
                    let now = self.now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                    let days = now.saturating_sub(modified) / 86_400;
                    if days >= STALE_DAYS && bytes > 0 && disposable(name) {
                        self.stale.push(Stale { path, bytes, days });
                    }
                }
                _ => {}
            }
        }
        below
    }
}

/// Listing a directory: `O_NOFOLLOW` (reached by hand), `O_CLOEXEC`.
const LIST: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// Whether a file named `name` is of a kind nothing reads again once written: a rotated log
/// (`app.log.1`, `syslog.2.gz`), a compressed file or archive, a backup, a dump, a core file, a
/// temporary file.
fn disposable(name: &[u8]) -> bool {
    const ENDINGS: &[&[u8]] = &[
        b".gz", b".xz", b".bz2", b".zst", b".zip", b".tar", b".tgz", b".bak", b".old", b".orig", b".tmp", b".dump",
        b".core", b"~",
    ];
    let lower = name.to_ascii_lowercase();
    if ENDINGS.iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    let numbered = |stem: &[u8]| {
        stem.iter()
            .rposition(|&c| c == b'.')
            .is_some_and(|i| i + 1 < stem.len() && stem[i + 1..].iter().all(u8::is_ascii_digit))
    };
    // logrotate's `name.1`, a core file's `core.PID`
    lower == b"core" || (numbered(&lower) && (lower.starts_with(b"core.") || crate::bytes::contains(&lower, b".log.")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn disposable_kinds() {
        for yes in
            ["app.log.1", "syslog.2.gz", "db-2026-11-24.sql.gz", "site.tar", "conf.bak", "core", "core.4242", "x.tmp"]
        {
            assert!(disposable(yes.as_bytes()), "{yes}");
        }
        for no in ["app.log", "data.db", "index.php", "core.php", "v1.2", "ledger.log.current", "postgresql.conf"] {
            assert!(!disposable(no.as_bytes()), "{no}");
        }
    }

    /// A tree under a temporary root: the largest directories, and the stale files among
    /// the old ones; within a small allowance, a partial walk that says so.
    #[test]
    fn the_largest_directories_and_the_stale_files_of_a_mount() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let file = |p: &str, kib: usize, days: u64| {
            let path = r.join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, vec![7u8; kib * 1024]).unwrap();
            let when = SystemTime::now() - Duration::from_secs(days * 86_400);
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
        };
        file("/data/logs/app.log", 64, 0);
        file("/data/logs/app.log.1", 512, 30);
        file("/data/logs/app.log.2.gz", 128, 40);
        file("/data/exports/export-1.csv.gz", 256, 2);
        file("/data/db/main.db", 32, 90);
        std::os::unix::fs::symlink("/etc", r.join("data/etc")).unwrap();
        let walk_root = Root::open(r).unwrap();
        let all = Allowance { entries: 1000, until: Instant::now() + Duration::from_secs(60) };
        let u = walk(&walk_root, b"/data", all, SystemTime::now()).unwrap();
        assert!(u.complete);
        let names: Vec<(String, u64)> =
            u.largest.iter().map(|(p, b)| (String::from_utf8_lossy(p).into_owned(), b / 1024)).collect();
        assert_eq!(names.first().map(|n| n.0.as_str()), Some("/data/logs"), "{names:?}");
        assert!(names[0].1 >= 704, "{names:?}");
        assert_eq!(names.iter().map(|n| n.0.as_str()).collect::<Vec<_>>(), ["/data/logs", "/data/exports", "/data/db"]);
        // old and disposable: the rotated logs; not the live log, not the recent export, not the
        // database however old
        let stale: Vec<(String, u64)> =
            u.stale.iter().map(|s| (String::from_utf8_lossy(&s.path).into_owned(), s.days)).collect();
        assert_eq!(stale, [("/data/logs/app.log.1".to_string(), 30), ("/data/logs/app.log.2.gz".to_string(), 40)]);
        // the link is not followed out of the tree
        assert_eq!(u.walked, 9);
        let few = Allowance { entries: 3, ..all };
        let part = walk(&walk_root, b"/data", few, SystemTime::now()).unwrap();
        assert!(!part.complete && part.walked == 3);
        assert!(walk(&walk_root, b"/nope", all, SystemTime::now()).is_none());
    }

    /// Cut short by its allowance, the walk has taken every directory below the mount in turn:
    /// a large old file in the second is found though the first alone would spend it all.
    #[test]
    fn a_walk_cut_short_has_seen_every_directory_below_the_mount() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for d in 0..20 {
            for f in 0..10 {
                let dir = r.join(format!("m/a/x{d}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("f{f}")), "x").unwrap();
            }
        }
        std::fs::create_dir_all(r.join("m/b/old")).unwrap();
        let big = r.join("m/b/old/dump.sql.gz");
        std::fs::write(&big, vec![1u8; 1 << 20]).unwrap();
        let when = SystemTime::now() - Duration::from_secs(30 * 86_400);
        std::fs::File::options().write(true).open(&big).unwrap().set_modified(when).unwrap();
        let few = Allowance { entries: 60, until: Instant::now() + Duration::from_secs(60) };
        let u = walk(&Root::open(r).unwrap(), b"/m", few, SystemTime::now()).unwrap();
        assert!(!u.complete && u.walked == 60);
        assert_eq!(u.stale.first().map(|s| s.path.as_slice()), Some(&b"/m/b/old/dump.sql.gz"[..]));
        // /m/b holds nothing but /m/b/old: named by it
        assert_eq!(u.largest.first().map(|d| d.0.as_slice()), Some(&b"/m/b/old"[..]));
    }
}

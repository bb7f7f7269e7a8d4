//! Looking at the filesystem, read-only and confined to `--root`.
//!
//! Every path is resolved inside the root by [`walk`] (relative to directory descriptors, never
//! by a host path): `..` stops at the root, and a symlink met on the way is followed inside the
//! root (an absolute target means ROOT/target), at most [`walk::MAX_LINKS`] times, more being
//! "not found". Only directory listings, existence checks, `lstat`, `readlink` and bounded
//! reads of regular files happen here; nothing is written, and nothing but a directory or a
//! regular file checked first is ever opened for reading. Listings are cached, and a huge
//! directory is listed only up to [`MAX_ENTRIES`]. When the root is `/` the disk is the live
//! host: then (only then) the filesystem holding a path and its free space are told.

mod usage;
mod walk;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rustix::fs::{fstat, fstatvfs, openat, readlinkat, statat, AtFlags, FileType, Mode, OFlags, Stat};

pub use usage::{Allowance, Usage, STALE_DAYS};
use walk::{Located, Root};

const MAX_ENTRIES: usize = 200_000;
const MAX_CACHED_DIRS: usize = 4096;

/// What every read of the disk for one run may spend together (fix pointers, searches,
/// explanations, listings): files read, bytes read, time spent reading (and listing). Past it a
/// read finds nothing (as a missing file: nothing is claimed from it).
const READ_FILES: u64 = 4_000;
const READ_BYTES: u64 = 64 << 20;
const READ_TIME: Duration = Duration::from_secs(2);

/// What the reads spent so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub files: u64,
    pub bytes: u64,
    pub time: Duration,
}

impl Spent {
    fn left(&self) -> Option<u64> {
        (self.files < READ_FILES && self.time < READ_TIME)
            .then(|| READ_BYTES.saturating_sub(self.bytes))
            .filter(|&b| b > 0)
    }
}

/// The names in one directory.
#[derive(Debug, Default)]
pub struct Listing {
    pub names: Vec<Vec<u8>>,
    /// The directory had more than [`MAX_ENTRIES`] entries.
    pub truncated: bool,
}

/// What kind of file a path names (a final symlink not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Socket,
    Other,
}

/// What `lstat` says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: FileKind,
    /// The permission bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
}

/// Whether the ids a process acted with may access a file or directory of this owner, group
/// and mode for `bits` (4 read, 1 search): `None` when the ids known do not tell. Permission
/// bits only, ACLs are not read: a file that only an ACL opens to the process is not read, and
/// one whose bits allow it is read even if an ACL closes it.
pub type Access<'a> = &'a dyn Fn(&Meta, u32) -> Option<bool>;

/// Read permission, and search permission on a directory.
const READ_BIT: u32 = 4;
const SEARCH_BIT: u32 = 1;

/// The filesystem holding a path on the live host, and its space now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub mount_point: Vec<u8>,
    /// Bytes available to unprivileged users, and the size.
    pub free: u64,
    pub total: u64,
}

/// The mount holding a path, as a mount table (`/proc/self/mountinfo`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub mount_point: Vec<u8>,
    /// Mounted read-only: the mount's own options or its filesystem's say `ro`.
    pub read_only: bool,
    pub fstype: Vec<u8>,
    /// What is mounted (a device, or a name for a virtual filesystem).
    pub source: Vec<u8>,
    /// The mount table it came from: the live host's `/proc/self/mountinfo`, or the one saved
    /// under `--root DIR` (`DIR/proc/self/mountinfo`), as a path of this machine.
    pub table: Vec<u8>,
}

/// The mount table, where a capture saves it under a root.
const MOUNTINFO: &[u8] = b"/proc/self/mountinfo";
/// Bytes of a mount table read at most.
const MAX_MOUNTINFO: usize = 1 << 20;

pub trait Disk {
    /// The entries of directory `dir` (absolute, as the traced process saw it), or `None` when
    /// it does not exist or cannot be read.
    fn list(&self, dir: &[u8]) -> Option<Rc<Listing>>;
    fn exists(&self, path: &[u8]) -> bool;
    /// The first `max` bytes of a regular file.
    fn read_regular(&self, path: &[u8], max: usize) -> Option<Vec<u8>>;
    /// [`Disk::read_regular`] of a file only the trace says the process read, so that a trace
    /// cannot make a run as root tell what a root-only file holds: with the ids it read with
    /// (`access`), only a file they could read (its mode and the search permission of the
    /// directories above it say so); without them, or when its mode does not tell, only one
    /// that every user may read or that lies in an application tree.
    fn read_named(&self, path: &[u8], max: usize, _access: Option<Access<'_>>) -> Option<Vec<u8>> {
        self.read_regular(path, max)
    }
    /// What `lstat` says about `path` (symlinks before its last component followed).
    fn lstat(&self, path: &[u8]) -> Option<Meta>;
    /// The target of the symlink `path`, as written in the link.
    fn readlink(&self, path: &[u8]) -> Option<Vec<u8>>;
    /// True when the disk is the live host (`--root /`), not a copy.
    fn is_live_host(&self) -> bool;
    /// The filesystem holding `path` and its free space now: on the live host only.
    fn filesystem(&self, path: &[u8]) -> Option<Filesystem>;
    /// What fills the filesystem mounted at `mount`: a walk within `allowance` (see
    /// `usage`).
    fn usage(&self, mount: &[u8], allowance: Allowance) -> Option<Usage>;
    /// The mount holding `path`: from the live host's mount table, or from the one a capture
    /// saved in the root (`proc/self/mountinfo`); `None` when there is none.
    fn mount(&self, _path: &[u8]) -> Option<Mount> {
        None
    }
}

/// `--no-disk`: nothing is ever looked at.
pub struct NoDisk;

impl Disk for NoDisk {
    fn list(&self, _: &[u8]) -> Option<Rc<Listing>> {
        None
    }
    fn exists(&self, _: &[u8]) -> bool {
        false
    }
    fn read_regular(&self, _: &[u8], _: usize) -> Option<Vec<u8>> {
        None
    }
    fn lstat(&self, _: &[u8]) -> Option<Meta> {
        None
    }
    fn readlink(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
    fn is_live_host(&self) -> bool {
        false
    }
    fn filesystem(&self, _: &[u8]) -> Option<Filesystem> {
        None
    }
    fn usage(&self, _: &[u8], _: Allowance) -> Option<Usage> {
        None
    }
}

/// The real disk seen through a root directory (see [`walk`]: nothing outside it is reached).
pub struct RootDisk {
    /// `None` when the root could not be opened: then nothing exists.
    root: Option<Root>,
    /// The root as given (`--root DIR`), to say where a file of it came from.
    path: std::path::PathBuf,
    /// The mount table and where it came from, read the first time a mount is asked for.
    mounts: std::cell::OnceCell<Option<(Vec<u8>, Vec<u8>)>>,
    live_host: bool,
    cache: RefCell<HashMap<Vec<u8>, Option<Rc<Listing>>>>,
    spent: std::cell::Cell<Spent>,
}

impl RootDisk {
    pub fn new(root: &Path) -> Self {
        let live_host = root.canonicalize().is_ok_and(|r| r == Path::new("/"));
        RootDisk {
            root: Root::open(root),
            path: root.to_path_buf(),
            mounts: std::cell::OnceCell::new(),
            live_host,
            cache: RefCell::new(HashMap::new()),
            spent: Default::default(),
        }
    }

    /// What the reads spent so far (of [`READ_FILES`], [`READ_BYTES`], [`READ_TIME`]).
    #[cfg(test)]
    pub fn spent(&self) -> Spent {
        self.spent.get()
    }

    /// Counts a read of `bytes` (of a file, not a listing: `file`) that took from `start`
    /// until now.
    fn spend(&self, file: bool, bytes: u64, start: Instant) {
        let mut s = self.spent.get();
        s.files += u64::from(file);
        s.bytes += bytes;
        s.time += start.elapsed();
        self.spent.set(s);
    }

    /// Whether `access` allows reading the file `path` whose status is `seen`: its mode, and
    /// search permission on each directory of `path` (as the process named it; those a
    /// symlink on the way leads through are not looked at). `None` when it cannot tell.
    fn may_read(&self, path: &[u8], seen: &Stat, access: Access<'_>) -> Option<bool> {
        let mut unknown = false;
        let mut check = |meta: &Meta, bits: u32| match access(meta, bits) {
            Some(allowed) => allowed,
            None => {
                unknown = true;
                true
            }
        };
        // the root itself is where a copy was put, not what the host had
        let dirs = path.iter().enumerate().filter(|&(i, &c)| c == b'/' && i > 0).map(|(i, _)| &path[..i]);
        for dir in dirs {
            let meta = self.stat(dir, true).map(|st| meta_of(&st))?;
            if !check(&meta, SEARCH_BIT) {
                return Some(false);
            }
        }
        if !check(&meta_of(seen), READ_BIT) {
            return Some(false);
        }
        (!unknown).then_some(true)
    }

    /// The first `max` bytes of a regular file, within the budget of reads; one the trace
    /// names (`named`) as [`Disk::read_named`] says.
    fn read_file(&self, path: &[u8], max: usize, named: Option<Option<Access<'_>>>) -> Option<Vec<u8>> {
        let left = self.spent.get().left()?;
        let start = Instant::now();
        let at = self.locate(path, true)?;
        // checked before opening, so that no device or FIFO is ever opened; the descriptor
        // opened is then checked to be that very file
        let seen = statat(&at.dir, at.name.as_slice(), AtFlags::SYMLINK_NOFOLLOW).ok()?;
        if FileType::from_raw_mode(seen.st_mode) != FileType::RegularFile {
            return None;
        }
        if let Some(access) = named {
            let shared = || seen.st_mode & 0o004 != 0 || crate::path::is_app_tree(path);
            let readable = match access.and_then(|a| self.may_read(path, &seen, a)) {
                Some(allowed) => allowed,
                None => shared(),
            };
            if !readable {
                return None;
            }
        }
        let fd = openat(&at.dir, at.name.as_slice(), READ, Mode::empty()).ok()?;
        let opened = fstat(&fd).ok()?;
        if (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino) {
            return None;
        }
        let mut buf = Vec::new();
        let want = (max as u64).min(left);
        // one byte more tells a file cut by the budget from one that ends there
        let got = std::fs::File::from(fd).take(want.saturating_add(1)).read_to_end(&mut buf);
        self.spend(true, buf.len() as u64, start);
        got.ok()?;
        if buf.len() as u64 > want {
            if want < max as u64 {
                return None; // cut by the budget: nothing is claimed from a part of it
            }
            buf.truncate(max);
        }
        Some(buf)
    }

    /// The same disk resolving paths by hand, as on kernels without `openat2` (tests).
    #[cfg(test)]
    fn by_hand(root: &Path) -> Self {
        RootDisk { root: Root::by_hand(root), ..RootDisk::new(root) }
    }

    fn locate(&self, path: &[u8], follow: bool) -> Option<Located> {
        self.root.as_ref()?.locate(path, follow)
    }

    /// What `stat` (`follow`) or `lstat` says about `path`.
    fn stat(&self, path: &[u8], follow: bool) -> Option<Stat> {
        let at = self.locate(path, follow)?;
        statat(&at.dir, at.name.as_slice(), AtFlags::SYMLINK_NOFOLLOW).ok()
    }

    fn read_dir(&self, dir: &[u8]) -> Option<Listing> {
        let at = self.locate(dir, true)?;
        let fd = openat(&at.dir, at.name.as_slice(), READ | OFlags::DIRECTORY, Mode::empty()).ok()?;
        let mut l = Listing::default();
        for e in rustix::fs::Dir::new(fd).ok()?.flatten() {
            let name = e.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            if l.names.len() >= MAX_ENTRIES {
                l.truncated = true;
                break;
            }
            l.names.push(name.to_vec());
        }
        Some(l)
    }
}

/// Opening for reading: `O_NONBLOCK` so that a FIFO cannot block, `O_NOCTTY` so that a terminal
/// is not taken, `O_NOFOLLOW` since the link was followed by hand.
const READ: OFlags =
    OFlags::RDONLY.union(OFlags::NOFOLLOW).union(OFlags::NONBLOCK).union(OFlags::NOCTTY).union(OFlags::CLOEXEC);

impl Disk for RootDisk {
    fn list(&self, dir: &[u8]) -> Option<Rc<Listing>> {
        if let Some(hit) = self.cache.borrow().get(dir) {
            return hit.clone();
        }
        self.spent.get().left()?;
        let start = Instant::now();
        let listing = self.read_dir(dir).map(Rc::new);
        self.spend(false, 0, start);
        let mut cache = self.cache.borrow_mut();
        if cache.len() < MAX_CACHED_DIRS {
            cache.insert(dir.to_vec(), listing.clone());
        }
        listing
    }

    fn exists(&self, path: &[u8]) -> bool {
        self.stat(path, true).is_some()
    }

    fn read_regular(&self, path: &[u8], max: usize) -> Option<Vec<u8>> {
        self.read_file(path, max, None)
    }

    fn read_named(&self, path: &[u8], max: usize, access: Option<Access<'_>>) -> Option<Vec<u8>> {
        self.read_file(path, max, Some(access))
    }

    fn lstat(&self, path: &[u8]) -> Option<Meta> {
        self.stat(path, false).map(|m| meta_of(&m))
    }

    fn readlink(&self, path: &[u8]) -> Option<Vec<u8>> {
        let at = self.locate(path, false)?;
        readlinkat(&at.dir, at.name.as_slice(), Vec::new()).ok().map(|t| t.into_bytes())
    }

    fn is_live_host(&self) -> bool {
        self.live_host
    }

    fn filesystem(&self, path: &[u8]) -> Option<Filesystem> {
        if !self.live_host {
            return None;
        }
        let mountinfo = std::fs::read("/proc/self/mountinfo").ok()?;
        let mount_point = mount_point_of(&mountinfo, path)?;
        // the space of the nearest directory that exists
        let mut dir = path.to_vec();
        let fd = loop {
            if let Some(fd) = self.root.as_ref()?.dir(&dir) {
                break fd;
            }
            dir = crate::path::split(&dir).map(|(d, _)| d.to_vec())?;
        };
        let st = fstatvfs(&fd).ok()?;
        let unit = st.f_frsize;
        Some(Filesystem {
            mount_point,
            free: st.f_bavail.saturating_mul(unit),
            total: st.f_blocks.saturating_mul(unit),
        })
    }

    fn usage(&self, mount: &[u8], allowance: Allowance) -> Option<Usage> {
        usage::walk(self.root.as_ref()?, mount, allowance, std::time::SystemTime::now())
    }

    fn mount(&self, path: &[u8]) -> Option<Mount> {
        // the live host's /proc/self is straceback's, which is in the traced host's namespace
        // when live; a copy's is the file a capture saved
        let (info, table) = self
            .mounts
            .get_or_init(|| {
                if self.live_host {
                    Some((std::fs::read("/proc/self/mountinfo").ok()?, MOUNTINFO.to_vec()))
                } else {
                    let table = [self.path.as_os_str().as_encoded_bytes(), MOUNTINFO].concat();
                    Some((self.read_regular(MOUNTINFO, MAX_MOUNTINFO)?, table))
                }
            })
            .as_ref()?;
        mount_of(info, path).map(|m| Mount { table: table.clone(), ..m })
    }
}

/// What a status says, as [`Meta`].
fn meta_of(m: &Stat) -> Meta {
    let kind = match FileType::from_raw_mode(m.st_mode) {
        FileType::Symlink => FileKind::Symlink,
        FileType::Directory => FileKind::Dir,
        FileType::RegularFile => FileKind::File,
        FileType::Socket => FileKind::Socket,
        _ => FileKind::Other,
    };
    let size = u64::try_from(m.st_size).unwrap_or(0);
    Meta { kind, mode: m.st_mode & 0o7777, uid: m.st_uid, gid: m.st_gid, size }
}

/// The mount point of `/proc/self/mountinfo` (`mountinfo`) holding `path`: the longest one
/// that is `path` or a directory above it.
fn mount_point_of(mountinfo: &[u8], path: &[u8]) -> Option<Vec<u8>> {
    mount_of(mountinfo, path).map(|m| m.mount_point)
}

/// The mount of `mountinfo` holding `path` (the last of the longest mount points that is
/// `path` or a directory above it: a later mount hides an earlier one there). Its `table` is
/// left empty. A line: `ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE
/// SUPER_OPTIONS`.
fn mount_of(mountinfo: &[u8], path: &[u8]) -> Option<Mount> {
    let ro = |opts: &[u8]| opts.split(|&c| c == b',').any(|o| o == b"ro");
    let holds = |m: &[u8]| m == b"/" || (path.starts_with(m) && (path.len() == m.len() || path[m.len()] == b'/'));
    let mut best: Option<Mount> = None;
    for line in mountinfo.split(|&c| c == b'\n') {
        let fields: Vec<&[u8]> = line.split(|&c| c == b' ').collect();
        let (Some(point), Some(opts)) = (fields.get(4).map(|f| unescape_octal(f)), fields.get(5)) else { continue };
        if !holds(&point) || best.as_ref().is_some_and(|b| b.mount_point.len() > point.len()) {
            continue;
        }
        let after = fields.iter().position(|f| *f == b"-").map_or(&[][..], |k| &fields[k + 1..]);
        let field = |k: usize| after.get(k).map(|f| unescape_octal(f)).unwrap_or_default();
        let read_only = ro(opts) || after.get(2).is_some_and(|o| ro(o));
        best = Some(Mount { mount_point: point, read_only, fstype: field(0), source: field(1), table: Vec::new() });
    }
    best
}

/// `\040` -> a space: how mountinfo writes spaces, tabs, newlines and backslashes.
fn unescape_octal(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut k = 0;
    while k < field.len() {
        let oct = field.get(k + 1..k + 4).filter(|d| field[k] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match oct {
            Some(d) => {
                out.push(d.iter().fold(0u8, |n, c| n.wrapping_mul(8).wrapping_add(c - b'0')));
                k += 4;
            }
            None => {
                out.push(field[k]);
                k += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// The disk of `root` both ways: with `openat2` and walked by hand.
    fn both(root: &Path) -> [RootDisk; 2] {
        [RootDisk::new(root), RootDisk::by_hand(root)]
    }

    #[test]
    fn lookups_stay_inside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("canary"), "secret").unwrap();
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("var/www/html")).unwrap();
        std::fs::write(r.join("var/www/html/index.php"), "<?php").unwrap();
        std::fs::write(r.join("canary"), "inside").unwrap();
        symlink(outside.path(), r.join("var/www/escape")).unwrap();
        symlink("/var/www/html", r.join("srv")).unwrap();
        symlink("../../../../..", r.join("var/www/up")).unwrap();
        for disk in both(r) {
            // an absolute link target means ROOT/target
            assert!(disk.read_regular(b"/var/www/escape/canary", 100).is_none());
            assert!(disk.read_regular(b"/../../../../canary", 100).is_some_and(|c| c == b"inside"));
            assert!(disk.read_regular(b"/var/www/up/canary", 100).is_some_and(|c| c == b"inside"));
            assert_eq!(disk.read_regular(b"/srv/index.php", 100).as_deref(), Some(&b"<?php"[..]));
            assert_eq!(disk.read_regular(b"/srv/../html/index.php", 100).as_deref(), Some(&b"<?php"[..]));
            let l = disk.list(b"/var/www/html").unwrap();
            assert_eq!(l.names, vec![b"index.php".to_vec()]);
            assert!(disk.list(b"/nope").is_none());
            assert!(disk.list(b"/srv/index.php").is_none(), "a file is no directory");
        }
    }

    #[test]
    fn lstat_and_readlink_do_not_follow_the_last_link() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("srv/app/releases/2")).unwrap();
        std::fs::set_permissions(r.join("srv/app/releases"), std::fs::Permissions::from_mode(0o750)).unwrap();
        symlink("releases/1", r.join("srv/app/current")).unwrap();
        symlink("/srv/app", r.join("app")).unwrap();
        for disk in both(r) {
            let link = disk.lstat(b"/srv/app/current").unwrap();
            assert_eq!(link.kind, FileKind::Symlink);
            assert_eq!(
                disk.readlink(b"/app/current").as_deref(),
                Some(&b"releases/1"[..]),
                "earlier links are followed"
            );
            let dir = disk.lstat(b"/app/releases").unwrap();
            assert_eq!((dir.kind, dir.mode), (FileKind::Dir, 0o750));
            assert_eq!(disk.lstat(b"/").map(|m| m.kind), Some(FileKind::Dir));
            assert_eq!(disk.lstat(b"/app/releases/2/..").map(|m| m.mode), Some(0o750));
            assert!(disk.lstat(b"/srv/app/current/x").is_none() && disk.readlink(b"/srv/app/releases").is_none());
            assert!(!disk.is_live_host() && disk.filesystem(b"/srv/app").is_none(), "a copy has no live filesystem");
        }
    }

    #[test]
    fn the_mount_point_holding_a_path() {
        let info = b"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n\
            30 22 0:5 / /var rw - ext4 /dev/sdb1 rw\n\
            31 30 0:6 / /var/lib/my\\040data rw - tmpfs none rw\n\
            32 22 0:7 / /va rw - tmpfs none rw\n";
        let at = |p: &[u8]| mount_point_of(info, p).map(|m| String::from_utf8(m).unwrap());
        assert_eq!(at(b"/var/lib/x").as_deref(), Some("/var"));
        assert_eq!(at(b"/var/lib/my data/x").as_deref(), Some("/var/lib/my data"));
        assert_eq!(at(b"/variable").as_deref(), Some("/"));
        assert_eq!(at(b"/var").as_deref(), Some("/var"));
    }

    /// A mount read-only by its own options or by its filesystem's, its type and source; a
    /// copy's mount table is the one saved in it, and without one nothing is said.
    #[test]
    fn the_mount_holding_a_path_and_whether_it_is_read_only() {
        let info = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n\
            45 27 0:40 / /srv/media ro,relatime - tmpfs media-uploads ro,size=4096k\n\
            46 27 0:41 / /srv/logs rw,relatime shared:7 - ext4 /dev/vdb ro,errors=remount-ro\n";
        let m = mount_of(info.as_bytes(), b"/srv/media/2026/x.png").unwrap();
        assert_eq!((m.mount_point.as_slice(), m.read_only), (&b"/srv/media"[..], true));
        assert_eq!((m.fstype.as_slice(), m.source.as_slice()), (&b"tmpfs"[..], &b"media-uploads"[..]));
        assert!(mount_of(info.as_bytes(), b"/srv/logs/a").unwrap().read_only, "its filesystem is read-only");
        assert!(!mount_of(info.as_bytes(), b"/srv/app/a").unwrap().read_only);
        let root = tempfile::tempdir().unwrap();
        assert_eq!(RootDisk::new(root.path()).mount(b"/srv/media/x"), None, "no table saved");
        std::fs::create_dir_all(root.path().join("proc/self")).unwrap();
        std::fs::write(root.path().join("proc/self/mountinfo"), info).unwrap();
        let m = RootDisk::new(root.path()).mount(b"/srv/media/x").unwrap();
        assert_eq!(m.mount_point, b"/srv/media");
        assert_eq!(m.table, [root.path().as_os_str().as_encoded_bytes(), b"/proc/self/mountinfo"].concat());
    }

    /// issue 16 item 1: a root holding `abs -> /` and a chain of links ending in `-> /`: past
    /// 40 links a path is not found, never the host's file; within 40 it stays in the root.
    #[test]
    fn issue16_root_escape_deep_links_are_not_found() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::write(r.join("etc/only-in-root"), "x").unwrap();
        symlink("/", r.join("abs")).unwrap();
        for i in 1..=41 {
            symlink(if i == 41 { "/".to_string() } else { format!("c{}", i + 1) }, r.join(format!("c{i}"))).unwrap();
        }
        let abs = |n: usize| [b"/abs".repeat(n), b"/etc".to_vec()].concat();
        for disk in both(r) {
            let within = disk.list(&abs(40)).unwrap();
            assert_eq!(within.names, vec![b"only-in-root".to_vec()]);
            assert!(disk.list(&abs(41)).is_none() && disk.list(&abs(400)).is_none());
            assert!(!disk.exists(&[abs(41), b"/passwd".to_vec()].concat()));
            // c2 -> … -> c41 -> /: 40 links; from c1, 41
            assert_eq!(disk.read_regular(b"/c2/etc/only-in-root", 10).as_deref(), Some(&b"x"[..]));
            assert!(disk.read_regular(b"/c1/etc/passwd", 100).is_none() && disk.list(b"/c1/etc").is_none());
            assert!(disk.lstat(b"/c1/etc").is_none() && disk.readlink(b"/c1/etc/x").is_none());
        }
    }

    /// issue 16 item 1: a FIFO (or one swapped in for a file) is never opened for reading: no
    /// lookup blocks on it.
    #[test]
    fn issue16_root_escape_a_fifo_does_not_block() {
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("app.conf");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo(3) with a NUL-terminated path
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        symlink("app.conf", root.path().join("link")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let r = root.path().to_path_buf();
        std::thread::spawn(move || {
            for disk in both(&r) {
                let seen = (disk.read_regular(b"/app.conf", 10), disk.read_regular(b"/link", 10), disk.list(b"/link"));
                let kinds = (disk.lstat(b"/app.conf").map(|m| m.kind), disk.lstat(b"/link").map(|m| m.kind));
                tx.send((seen.0.is_none() && seen.1.is_none() && seen.2.is_none(), kinds)).unwrap();
            }
        });
        for _ in 0..2 {
            let got = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("a lookup blocked on the FIFO");
            assert_eq!(got, (true, (Some(FileKind::Other), Some(FileKind::Symlink))));
        }
    }

    /// `/proc/self` is straceback, magic links mean other namespaces: both unknown, by
    /// `openat2` and by the walk by hand alike; a pid's directory is a directory.
    #[test]
    fn issue22_item9_proc_self_and_magic_links_are_unknown() {
        let tmp = tempfile::tempdir().unwrap();
        symlink("/proc/self/root/etc", tmp.path().join("hostetc")).unwrap();
        symlink("/proc/self", tmp.path().join("me")).unwrap();
        let at = |name: &str| tmp.path().join(name).as_os_str().as_encoded_bytes().to_vec();
        let pid = format!("/proc/{}", std::process::id());
        for disk in both(Path::new("/")) {
            assert!(disk.list(b"/proc/self").is_none() && disk.list(b"/proc/thread-self").is_none());
            assert!(!disk.exists(b"/proc/self/status") && disk.read_regular(b"/proc/self/status", 10).is_none());
            assert!(disk.list(b"/proc/self/root").is_none() && disk.list(b"/proc/1/root/etc").is_none());
            assert!(disk.list(&[at("hostetc"), b"/".to_vec()].concat()).is_none());
            assert!(!disk.exists(&[at("hostetc"), b"/passwd".to_vec()].concat()));
            assert!(disk.list(&at("me")).is_none() && disk.lstat(&at("me")).is_some());
            assert!(disk.list(pid.as_bytes()).is_some_and(|l| l.names.contains(&b"status".to_vec())));
            assert!(disk.list(b"/etc").is_some(), "the rest of the disk is as before");
        }
    }

    #[test]
    fn symlink_loops_end() {
        let root = tempfile::tempdir().unwrap();
        symlink("/a", root.path().join("b")).unwrap();
        symlink("/b", root.path().join("a")).unwrap();
        for disk in both(root.path()) {
            assert!(!disk.exists(b"/a/x") && !disk.exists(b"/a") && disk.lstat(b"/a").is_some());
        }
    }
}

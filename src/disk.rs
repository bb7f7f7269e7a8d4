//! Looking at the filesystem, read-only and confined to `--root`.
//!
//! Every path is walked component by component from the root: `..` stops at the root, and a
//! symlink met on the way is followed inside the root (an absolute target means ROOT/target),
//! at most [`MAX_LINKS`] times. Only directory listings, existence checks, `lstat`, `readlink`
//! and bounded reads of regular files happen here; nothing is written. Listings are cached,
//! and a huge directory is listed only up to [`MAX_ENTRIES`]. When the root is `/` the disk is
//! the live host: then (only then) the filesystem holding a path and its free space are told.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

const MAX_LINKS: usize = 40;
const MAX_ENTRIES: usize = 200_000;
const MAX_CACHED_DIRS: usize = 4096;

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

/// The filesystem holding a path on the live host, and its space now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub mount_point: Vec<u8>,
    /// Bytes available to unprivileged users, and the size.
    pub free: u64,
    pub total: u64,
}

pub trait Disk {
    /// The entries of directory `dir` (absolute, as the traced process saw it), or `None` when
    /// it does not exist or cannot be read.
    fn list(&self, dir: &[u8]) -> Option<Rc<Listing>>;
    fn exists(&self, path: &[u8]) -> bool;
    /// The first `max` bytes of a regular file.
    fn read_regular(&self, path: &[u8], max: usize) -> Option<Vec<u8>>;
    /// What `lstat` says about `path` (symlinks before its last component followed).
    fn lstat(&self, path: &[u8]) -> Option<Meta>;
    /// The target of the symlink `path`, as written in the link.
    fn readlink(&self, path: &[u8]) -> Option<Vec<u8>>;
    /// True when the disk is the live host (`--root /`), not a copy.
    fn is_live_host(&self) -> bool;
    /// The filesystem holding `path` and its free space now: on the live host only.
    fn filesystem(&self, path: &[u8]) -> Option<Filesystem>;
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
}

/// The real disk seen through a root directory.
pub struct RootDisk {
    root: PathBuf,
    live_host: bool,
    cache: RefCell<HashMap<Vec<u8>, Option<Rc<Listing>>>>,
}

impl RootDisk {
    pub fn new(root: &Path) -> Self {
        let live_host = root.canonicalize().is_ok_and(|r| r == Path::new("/"));
        RootDisk { root: root.to_path_buf(), live_host, cache: RefCell::new(HashMap::new()) }
    }

    /// Where `path` is on the host with its last component not followed.
    fn host_path_nofollow(&self, path: &[u8]) -> PathBuf {
        match crate::path::split(path) {
            Some((dir, name)) if !name.is_empty() && name != b"." && name != b".." => {
                self.host_path(dir).join(OsStr::from_bytes(name))
            }
            _ => self.host_path(path),
        }
    }

    /// Where `path` (as the traced process saw it) is on the host, symlinks followed inside the
    /// root. Missing components are appended as they are.
    pub fn host_path(&self, path: &[u8]) -> PathBuf {
        let mut todo: Vec<Vec<u8>> = components(path).rev().map(<[u8]>::to_vec).collect();
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut links = 0;
        while let Some(comp) = todo.pop() {
            if comp == b".." {
                parts.pop();
                continue;
            }
            let candidate = self.join(&parts).join(OsStr::from_bytes(&comp));
            let target = match std::fs::symlink_metadata(&candidate) {
                Ok(m) if m.file_type().is_symlink() && links < MAX_LINKS => std::fs::read_link(&candidate).ok(),
                _ => None,
            };
            match target {
                Some(t) => {
                    links += 1;
                    let t = t.as_os_str().as_bytes().to_vec();
                    if t.starts_with(b"/") {
                        parts.clear();
                    }
                    todo.extend(components(&t).rev().map(<[u8]>::to_vec));
                }
                None => parts.push(comp),
            }
        }
        self.join(&parts)
    }

    fn join(&self, parts: &[Vec<u8>]) -> PathBuf {
        let mut p = self.root.clone();
        for c in parts {
            p.push(OsStr::from_bytes(c));
        }
        p
    }
}

fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&c| c == b'/').filter(|c| !c.is_empty() && *c != b".")
}

impl Disk for RootDisk {
    fn list(&self, dir: &[u8]) -> Option<Rc<Listing>> {
        if let Some(hit) = self.cache.borrow().get(dir) {
            return hit.clone();
        }
        let listing = std::fs::read_dir(self.host_path(dir)).ok().map(|entries| {
            let mut l = Listing::default();
            for e in entries.flatten() {
                if l.names.len() >= MAX_ENTRIES {
                    l.truncated = true;
                    break;
                }
                l.names.push(e.file_name().as_bytes().to_vec());
            }
            Rc::new(l)
        });
        let mut cache = self.cache.borrow_mut();
        if cache.len() < MAX_CACHED_DIRS {
            cache.insert(dir.to_vec(), listing.clone());
        }
        listing
    }

    fn exists(&self, path: &[u8]) -> bool {
        std::fs::symlink_metadata(self.host_path(path)).is_ok()
    }

    fn read_regular(&self, path: &[u8], max: usize) -> Option<Vec<u8>> {
        let host = self.host_path(path);
        let meta = std::fs::metadata(&host).ok()?;
        if !meta.is_file() {
            return None;
        }
        let mut buf = Vec::new();
        std::fs::File::open(&host).ok()?.take(max as u64).read_to_end(&mut buf).ok()?;
        Some(buf)
    }

    fn lstat(&self, path: &[u8]) -> Option<Meta> {
        let m = std::fs::symlink_metadata(self.host_path_nofollow(path)).ok()?;
        let t = m.file_type();
        let kind = if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_dir() {
            FileKind::Dir
        } else if t.is_file() {
            FileKind::File
        } else if t.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Other
        };
        Some(Meta { kind, mode: m.mode() & 0o7777, uid: m.uid(), gid: m.gid(), size: m.size() })
    }

    fn readlink(&self, path: &[u8]) -> Option<Vec<u8>> {
        let target = std::fs::read_link(self.host_path_nofollow(path)).ok()?;
        Some(target.as_os_str().as_bytes().to_vec())
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
        while !self.exists(&dir) {
            dir = crate::path::split(&dir).map(|(d, _)| d.to_vec())?;
        }
        let (free, total) = space(&self.host_path(&dir))?;
        Some(Filesystem { mount_point, free, total })
    }
}

/// The mount point of `/proc/self/mountinfo` (`mountinfo`) holding `path`: the longest one
/// that is `path` or a directory above it.
fn mount_point_of(mountinfo: &[u8], path: &[u8]) -> Option<Vec<u8>> {
    mountinfo
        .split(|&c| c == b'\n')
        .filter_map(|line| line.split(|&c| c == b' ').nth(4).map(unescape_octal))
        .filter(|m| m == b"/" || (path.starts_with(m) && (path.len() == m.len() || path[m.len()] == b'/')))
        .max_by_key(Vec::len)
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

/// (bytes available to unprivileged users, size) of the filesystem holding `host`.
#[allow(clippy::useless_conversion)] // the statvfs fields are u32 on some targets
fn space(host: &Path) -> Option<(u64, u64)> {
    let c = std::ffi::CString::new(host.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs(3) with a NUL-terminated path and a zeroed struct it fills.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let unit = u64::from(st.f_frsize);
    Some((u64::from(st.f_bavail).saturating_mul(unit), u64::from(st.f_blocks).saturating_mul(unit)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn lookups_stay_inside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("canary"), "secret").unwrap();
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("var/www/html")).unwrap();
        std::fs::write(r.join("var/www/html/index.php"), "<?php").unwrap();
        symlink(outside.path(), r.join("var/www/escape")).unwrap();
        symlink("/var/www/html", r.join("srv")).unwrap();
        let disk = RootDisk::new(r);
        // an absolute link target means ROOT/target
        let escaped = disk.host_path(b"/var/www/escape/canary");
        assert!(escaped.starts_with(r), "{escaped:?}");
        assert!(disk.read_regular(b"/var/www/escape/canary", 100).is_none());
        assert!(disk.host_path(b"/../../../../etc/passwd").starts_with(r));
        assert_eq!(disk.read_regular(b"/srv/index.php", 100).as_deref(), Some(&b"<?php"[..]));
        let l = disk.list(b"/var/www/html").unwrap();
        assert_eq!(l.names, vec![b"index.php".to_vec()]);
        assert!(disk.list(b"/nope").is_none());
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
        let disk = RootDisk::new(r);
        let link = disk.lstat(b"/srv/app/current").unwrap();
        assert_eq!(link.kind, FileKind::Symlink);
        assert_eq!(disk.readlink(b"/app/current").as_deref(), Some(&b"releases/1"[..]), "earlier links are followed");
        let dir = disk.lstat(b"/app/releases").unwrap();
        assert_eq!((dir.kind, dir.mode), (FileKind::Dir, 0o750));
        assert_eq!(disk.lstat(b"/").map(|m| m.kind), Some(FileKind::Dir));
        assert!(disk.lstat(b"/srv/app/current/x").is_none() && disk.readlink(b"/srv/app/releases").is_none());
        assert!(!disk.is_live_host() && disk.filesystem(b"/srv/app").is_none(), "a copy has no live filesystem");
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

    #[test]
    fn symlink_loops_end() {
        let root = tempfile::tempdir().unwrap();
        symlink("/a", root.path().join("b")).unwrap();
        symlink("/b", root.path().join("a")).unwrap();
        let disk = RootDisk::new(root.path());
        assert!(!disk.exists(b"/a/x"));
    }
}

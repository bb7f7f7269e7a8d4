//! Looking at the filesystem, read-only and confined to `--root`.
//!
//! Every path is walked component by component from the root: `..` stops at the root, and a
//! symlink met on the way is followed inside the root (an absolute target means ROOT/target),
//! at most [`MAX_LINKS`] times. Only directory listings, existence checks and bounded reads of
//! regular files happen here; nothing is written. Listings are cached, and a huge directory is
//! listed only up to [`MAX_ENTRIES`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
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

pub trait Disk {
    /// The entries of directory `dir` (absolute, as the traced process saw it), or `None` when
    /// it does not exist or cannot be read.
    fn list(&self, dir: &[u8]) -> Option<Rc<Listing>>;
    fn exists(&self, path: &[u8]) -> bool;
    /// The first `max` bytes of a regular file.
    fn read_regular(&self, path: &[u8], max: usize) -> Option<Vec<u8>>;
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
}

/// The real disk seen through a root directory.
pub struct RootDisk {
    root: PathBuf,
    cache: RefCell<HashMap<Vec<u8>, Option<Rc<Listing>>>>,
}

impl RootDisk {
    pub fn new(root: &Path) -> Self {
        RootDisk { root: root.to_path_buf(), cache: RefCell::new(HashMap::new()) }
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
    fn symlink_loops_end() {
        let root = tempfile::tempdir().unwrap();
        symlink("/a", root.path().join("b")).unwrap();
        symlink("/b", root.path().join("a")).unwrap();
        let disk = RootDisk::new(root.path());
        assert!(!disk.exists(b"/a/x"));
    }
}

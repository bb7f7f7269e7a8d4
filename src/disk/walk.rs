//! Resolving a path inside the root without ever leaving it.
//!
//! Every lookup starts at a descriptor of the root opened once, and every component is found
//! relative to the directory descriptor before it: no host path string is ever built, so a
//! symlink (absolute or `..`-laden), a chain too long to follow or a file swapped in meanwhile
//! cannot lead out. Where the kernel has it (Linux ≥ 5.6) `openat2` with `RESOLVE_IN_ROOT`
//! walks the directories in one call; elsewhere [`Root::walk`] does it by hand: one `openat`
//! with `O_NOFOLLOW` per component, links read with `readlinkat` and their targets walked from
//! the root (absolute) or where they are (relative), `..` never above the root. A chain of more
//! than [`MAX_LINKS`] links is not found, as the kernel's own `ELOOP`.

use std::borrow::Cow;
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{
    fstat, fstatfs, openat, openat2, readlinkat, FileType, Mode, OFlags, ResolveFlags, CWD, PROC_SUPER_MAGIC,
};
use rustix::io::Errno;

pub const MAX_LINKS: usize = 40;
/// The kernel refuses longer paths: such a path names nothing the traced process could open.
const PATH_MAX: usize = 4096;

const DIR: OFlags = OFlags::PATH.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);
const IN_ROOT: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

/// The root, and how its paths are resolved.
pub struct Root {
    fd: OwnedFd,
    /// `openat2` with `RESOLVE_IN_ROOT` works here (not too old a kernel, not refused by a
    /// seccomp filter).
    in_root: bool,
}

/// A path resolved up to its last component: the directory holding it and the name there
/// (`.` when the path names a directory through `.`, `..` or nothing).
pub struct Located {
    pub dir: OwnedFd,
    pub name: Vec<u8>,
}

impl Root {
    /// Opens the root directory (the only lookup by host path: the one the user gave).
    pub fn open(root: &Path) -> Option<Root> {
        let fd = openat(CWD, root, DIR, Mode::empty()).ok()?;
        let in_root = openat2(&fd, ".", DIR, Mode::empty(), IN_ROOT).is_ok();
        Some(Root { fd, in_root })
    }

    /// The same root resolved by hand, as on kernels without `openat2` (tests).
    #[cfg(test)]
    pub fn by_hand(root: &Path) -> Option<Root> {
        Root::open(root).map(|r| Root { in_root: false, ..r })
    }

    /// The directory `path` names, every symlink in it followed inside the root.
    pub fn dir(&self, path: &[u8]) -> Option<OwnedFd> {
        if path.len() >= PATH_MAX {
            return None;
        }
        if !self.in_root {
            return self.walk(path);
        }
        let path = if path.is_empty() { b"." } else { path };
        // EAGAIN: a rename or mount raced the lookup and the kernel could not prove it stayed in
        for _ in 0..3 {
            match openat2(&self.fd, path, DIR, Mode::empty(), IN_ROOT) {
                Err(Errno::AGAIN) => continue,
                // openat2 follows `/proc/self` (no magic link): the walk by hand says whether
                // the path went through a link of procfs
                Ok(fd) if on_procfs(&fd) => return self.walk(path),
                r => return r.ok(),
            }
        }
        None
    }

    /// `path` resolved up to its last component; with `follow`, a last component that is a
    /// symlink is followed too (its target walked again from the link's directory).
    pub fn locate(&self, path: &[u8], follow: bool) -> Option<Located> {
        let mut path = Cow::Borrowed(path);
        for _ in 0..=MAX_LINKS {
            let (dir_part, name) = match last_component(&path) {
                Some((d, n)) => (d, n),
                None => return Some(Located { dir: self.dir(&path)?, name: b".".to_vec() }),
            };
            let dir = self.dir(dir_part)?;
            let target = if follow { readlinkat(&dir, name, Vec::new()).ok() } else { None };
            let Some(target) = target else {
                return Some(Located { dir, name: name.to_vec() });
            };
            if on_procfs(&dir) {
                return None;
            }
            let target = target.into_bytes();
            path = Cow::Owned(if target.starts_with(b"/") { target } else { [dir_part, b"/", &target].concat() });
        }
        None
    }

    /// The directory `path` names, walked one component at a time (no `openat2`).
    fn walk(&self, path: &[u8]) -> Option<OwnedFd> {
        let mut walk = Walk::new(self)?;
        walk.follow(path)?;
        walk.into_dir()
    }
}

/// Directories held open while the walk holds their descendants: the last [`HELD_DIRS`] of
/// them and the root.
const HELD_DIRS: usize = 64;

/// A directory of a hand walk: its descriptor (dropped for levels far above the current
/// one) and its identity.
struct Level {
    fd: Option<OwnedFd>,
    dev: u64,
    ino: u64,
}

/// A walk by hand from the root. `..` goes back to the directory the walk came from, held
/// open, never to what `openat(cur, "..")` finds now: a directory moved out of the root
/// while the walk is inside it cannot take the walk along. A level whose descriptor was let
/// go (deep walks) is found by `..` again only if it is still the same directory.
struct Walk {
    /// The root first, then each directory below it, down to the current one.
    levels: Vec<Level>,
    links: usize,
}

impl Walk {
    fn new(root: &Root) -> Option<Self> {
        let fd = root.fd.try_clone().ok()?;
        let st = fstat(&fd).ok()?;
        Some(Walk { levels: vec![Level { fd: Some(fd), dev: st.st_dev, ino: st.st_ino }], links: 0 })
    }

    /// Walks the components of `path` (symlinks among them followed inside the root).
    fn follow(&mut self, path: &[u8]) -> Option<()> {
        let mut todo: Vec<Vec<u8>> = components(path).rev().map(<[u8]>::to_vec).collect();
        while let Some(comp) = todo.pop() {
            if comp == b".." {
                self.up()?;
                continue;
            }
            let next =
                openat(self.cur()?, &comp, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty()).ok()?;
            let st = fstat(&next).ok()?;
            match FileType::from_raw_mode(st.st_mode) {
                FileType::Directory => self.down(next, st.st_dev, st.st_ino),
                FileType::Symlink if on_procfs(&next) => return None,
                FileType::Symlink if self.links < MAX_LINKS => {
                    self.links += 1;
                    let target = readlinkat(&next, "", Vec::new()).ok()?.into_bytes();
                    if target.starts_with(b"/") {
                        self.levels.truncate(1);
                    }
                    todo.extend(components(&target).rev().map(<[u8]>::to_vec));
                }
                _ => return None,
            }
        }
        Some(())
    }

    fn cur(&self) -> Option<&OwnedFd> {
        self.levels.last()?.fd.as_ref()
    }

    fn down(&mut self, fd: OwnedFd, dev: u64, ino: u64) {
        self.levels.push(Level { fd: Some(fd), dev, ino });
        // the root (index 0) is always held
        if let Some(far) = self.levels.len().checked_sub(HELD_DIRS + 1).filter(|&i| i > 0) {
            self.levels[far].fd = None;
        }
    }

    /// `..`: back to the directory above, never above the root.
    fn up(&mut self) -> Option<()> {
        if self.levels.len() == 1 {
            return Some(());
        }
        let left = self.levels.pop()?;
        let parent = self.levels.last_mut()?;
        if parent.fd.is_none() {
            let fd = openat(left.fd.as_ref()?, "..", DIR | OFlags::NOFOLLOW, Mode::empty()).ok()?;
            let st = fstat(&fd).ok()?;
            // moved since the walk went through it: where the walk came from is gone
            if (st.st_dev, st.st_ino) != (parent.dev, parent.ino) {
                return None;
            }
            parent.fd = Some(fd);
        }
        Some(())
    }

    fn into_dir(mut self) -> Option<OwnedFd> {
        self.levels.pop()?.fd
    }
}

/// Whether `fd` is on a procfs mount (whose symlinks are not followed).
fn on_procfs(fd: &OwnedFd) -> bool {
    fstatfs(fd).is_ok_and(|s| s.f_type == PROC_SUPER_MAGIC)
}

/// The non-empty components of `path` other than `.`.
fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&c| c == b'/').filter(|c| !c.is_empty() && *c != b".")
}

/// (everything before the last component, the last component), or `None` when the path ends
/// in `/`, `.` or `..` or has no component: then it names a directory as a whole.
fn last_component(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = path.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    let name = &path[start..];
    (!name.is_empty() && name != b"." && name != b"..").then_some((&path[..start], name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory moved out of the root while the walk is below it: `..` goes back the way
    /// the walk came (held descriptors), not up from where the directory is now.
    #[test]
    fn issue22_item10_the_fallback_walk_cannot_climb_out_by_rename() {
        let tmp = tempfile::tempdir().unwrap();
        let (root, outside) = (tmp.path().join("root"), tmp.path().join("outside"));
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::create_dir_all(outside.join("secret")).unwrap();
        let r = Root::by_hand(&root).unwrap();
        let mut walk = Walk::new(&r).unwrap();
        walk.follow(b"a/b/c").unwrap();
        // mid-walk, `a` leaves the root: `../../..` from `c` would now be `outside`
        std::fs::rename(root.join("a"), outside.join("a")).unwrap();
        assert!(walk.follow(b"../../../secret").is_none(), "the walk left the root");
        let mut walk = Walk::new(&r).unwrap();
        std::fs::rename(outside.join("a"), root.join("a")).unwrap();
        walk.follow(b"a/b/c").unwrap();
        std::fs::create_dir(root.join("inside")).unwrap();
        std::fs::rename(root.join("a"), outside.join("a")).unwrap();
        assert!(walk.follow(b"../../../inside").is_some());
    }

    /// Past the descriptors held, `..` finds a level again only while it is the same one.
    #[test]
    fn issue22_item10_deep_walks_climb_back_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = "d/".repeat(HELD_DIRS + 10);
        std::fs::create_dir_all(tmp.path().join(&deep).join("x")).unwrap();
        let r = Root::by_hand(tmp.path()).unwrap();
        let up = "../".repeat(HELD_DIRS + 10);
        assert!(r.dir(format!("{deep}x/{up}d").as_bytes()).is_some());
        assert!(r.dir(format!("{deep}{up}{up}{deep}x").as_bytes()).is_some());
        assert!(r.dir(format!("{deep}{up}nothing").as_bytes()).is_none());
    }

    #[test]
    fn last_components() {
        assert_eq!(last_component(b"/a/b"), Some((&b"/a/"[..], &b"b"[..])));
        assert_eq!(last_component(b"/a/b/"), None);
        assert_eq!(last_component(b"b"), Some((&b""[..], &b"b"[..])));
        assert_eq!(last_component(b"/a/.."), None);
        assert_eq!(last_component(b"/"), None);
        assert_eq!(last_component(b""), None);
    }
}

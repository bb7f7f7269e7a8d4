//! Who holds each end of a pipe, for the process at the other end of a pipe wait: ends are
//! known by their `-y` inode (`pipe:[812]`) from `pipe2` (first the read end, then the write
//! end), from `dup`s of them, from reads and writes on them, inherited by a fork and let go by
//! `close` or exit.

use rustc_hash::FxHashMap as HashMap;

use super::{Waits, MAX_PROCS};
use crate::event::{Pid, Return, Syscall};
use crate::syscalls::Does;

/// Pipe descriptors kept per process.
const PER_PROCESS: usize = 16;

/// Which end of a pipe a descriptor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Read,
    Write,
}

/// One pipe descriptor of a process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PipeFd {
    fd: i64,
    inode: u64,
    /// `None` until the process read from it or wrote to it, or it came from `pipe2`.
    end: Option<End>,
    /// Closed by the next exec (`pipe2(…, O_CLOEXEC)`; a `dup` of it is not).
    cloexec: bool,
}

/// Pipe descriptors by process.
#[derive(Default)]
pub(crate) struct Pipes {
    held: HashMap<Pid, Vec<PipeFd>>,
    /// Pipes by inode whose read end a process held when it exited: the last such process.
    gone_readers: HashMap<u64, Pid>,
}

/// `pipe:[812]` → 812.
pub(crate) fn inode(decoration: &[u8]) -> Option<u64> {
    let digits = decoration.strip_prefix(b"pipe:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

impl Pipes {
    fn set(&mut self, pid: Pid, fd: i64, inode: u64, end: Option<End>, cloexec: bool) {
        if !self.held.contains_key(&pid) && self.held.len() >= MAX_PROCS {
            return;
        }
        let fds = self.held.entry(pid).or_default();
        let full = fds.len() >= PER_PROCESS;
        match fds.iter_mut().find(|p| p.fd == fd) {
            Some(p) if p.inode == inode => p.end = end.or(p.end),
            Some(p) => *p = PipeFd { fd, inode, end, cloexec },
            None if !full => fds.push(PipeFd { fd, inode, end, cloexec }),
            None => {}
        }
    }

    fn closed(&mut self, pid: Pid, fd: i64) {
        if let Some(fds) = self.held.get_mut(&pid) {
            fds.retain(|p| p.fd != fd);
        }
    }

    fn end_of(&self, pid: Pid, fd: i64) -> Option<End> {
        self.held.get(&pid)?.iter().find(|p| p.fd == fd)?.end
    }

    /// The processes other than `not` holding end `end` of pipe `inode` (or an end not yet
    /// known), the known ones first, in pid order.
    pub(crate) fn holders(&self, inode: u64, end: End, not: Pid) -> Vec<Pid> {
        let mut known = Vec::new();
        let mut maybe = Vec::new();
        for (&pid, fds) in &self.held {
            if pid == not {
                continue;
            }
            for p in fds.iter().filter(|p| p.inode == inode) {
                match p.end {
                    Some(e) if e == end => known.push(pid),
                    None => maybe.push(pid),
                    Some(_) => {}
                }
            }
        }
        known.sort_unstable();
        known.dedup();
        maybe.sort_unstable();
        maybe.dedup();
        maybe.retain(|p| !known.contains(p));
        known.extend(maybe);
        known
    }
}

impl Waits {
    /// Whether `sc` may change who holds a pipe end (a cheap test, made on every call).
    pub fn touches_pipes(&self, pid: Pid, sc: &Syscall, does: Does) -> bool {
        let decorated = sc.fd.as_ref().and_then(|f| f.decoration.as_deref()).is_some_and(|d| d.starts_with(b"pipe:["));
        decorated
            || (does.has(Does::OPEN_ANON) && sc.name.starts_with("pipe"))
            || (does.has(Does::CLOSE.and(Does::EXEC))
                && !self.pipes.held.is_empty()
                && self.pipes.held.contains_key(&pid))
    }

    /// A call of `pid` on a pipe descriptor (see [`Waits::touches_pipes`]).
    pub fn pipe_call(&mut self, pid: Pid, sc: &Syscall, does: Does) {
        if !matches!(sc.ret, Return::Value { .. }) && !matches!(sc.ret, Return::Unfinished) {
            return;
        }
        if does.has(Does::EXEC) {
            if matches!(sc.ret, Return::Value { .. }) {
                self.pipes_exec(pid);
            }
            return;
        }
        if does.has(Does::OPEN_ANON) {
            // pipe2([3<pipe:[812]>, 4<pipe:[812]>], 0): the read end, then the write end
            for (k, fd) in crate::parse::split_args(&sc.args, 2)
                .first()
                .map(|a| ends_listed(a))
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                let end = if k == 0 { End::Read } else { End::Write };
                let cloexec = crate::bytes::contains(&sc.args, b"O_CLOEXEC");
                self.pipes.set(pid, fd.0, fd.1, Some(end), cloexec);
            }
            return;
        }
        let Some(arg) = sc.fd.as_ref() else { return };
        let Some(fd) = arg.num else { return };
        if does.has(Does::CLOSE) {
            self.pipes.closed(pid, fd);
            return;
        }
        let Some(ino) = arg.decoration.as_deref().and_then(inode) else { return };
        let end = if does.has(Does::READ) {
            Some(End::Read)
        } else if does.has(Does::WRITE) {
            Some(End::Write)
        } else {
            None
        };
        self.pipes.set(pid, fd, ino, end, false);
        // dup2(4<pipe:[812]>, 1) = 1<pipe:[812]>: the new descriptor is the same end
        if let (true, Return::Value { value, decoration: Some(d) }) = (does.has(Does::DUP), &sc.ret) {
            if inode(d) == Some(ino) {
                let end = self.pipes.end_of(pid, fd);
                self.pipes.set(pid, *value, ino, end, false);
            }
        }
    }

    /// `child` was forked by `parent`: it holds the parent's pipe ends too.
    pub(super) fn inherit_pipes(&mut self, parent: Pid, child: Pid) {
        let Some(fds) = self.pipes.held.get(&parent).cloned() else { return };
        for p in fds {
            // the child may have shown its descriptors before the fork returned in the parent
            let had = self.pipes.held.get(&child).is_some_and(|c| c.iter().any(|q| q.fd == p.fd));
            if !had {
                self.pipes.set(child, p.fd, p.inode, p.end, p.cloexec);
            }
        }
    }

    /// `pid` ran a new program: its close-on-exec pipe ends are closed.
    fn pipes_exec(&mut self, pid: Pid) {
        if let Some(fds) = self.pipes.held.get_mut(&pid) {
            fds.retain(|p| !p.cloexec);
        }
    }

    /// `pid` exited: it holds no pipe end any more.
    pub(super) fn pipes_freed(&mut self, pid: Pid) {
        if self.pipes.held.is_empty() {
            return;
        }
        for p in self.pipes.held.remove(&pid).unwrap_or_default() {
            if p.end == Some(End::Read) && self.pipes.gone_readers.len() < MAX_PROCS {
                self.pipes.gone_readers.insert(p.inode, pid);
            }
        }
    }

    /// `sc` of `pid` failed with `EPIPE` on a pipe: the process that held its read end last
    /// and exited, when no process holds it any more.
    pub fn reader_gone(&self, pid: Pid, sc: &Syscall) -> Option<Pid> {
        let ino = inode(sc.fd.as_ref()?.decoration.as_deref()?)?;
        let reader = *self.pipes.gone_readers.get(&ino)?;
        self.pipes.holders(ino, End::Read, pid).is_empty().then_some(reader)
    }
}

/// `[3<pipe:[812]>, 4<pipe:[812]>]` → (3, 812), (4, 812).
fn ends_listed(list: &[u8]) -> Vec<(i64, u64)> {
    let Some(inner) = list.strip_prefix(b"[").and_then(|l| l.strip_suffix(b"]")) else { return Vec::new() };
    inner
        .split(|&c| c == b',')
        .filter_map(|item| {
            let item = item.trim_ascii();
            let open = item.iter().position(|&c| c == b'<')?;
            let fd = std::str::from_utf8(&item[..open]).ok()?.parse().ok()?;
            let dec = item[open + 1..].strip_suffix(b">")?;
            Some((fd, inode(dec)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_from_pipe2_and_their_inodes() {
        assert_eq!(ends_listed(b"[3<pipe:[812]>, 4<pipe:[812]>]"), vec![(3, 812), (4, 812)]);
        assert_eq!(ends_listed(b"[3, 4]"), vec![]);
        assert_eq!(inode(b"pipe:[279669]"), Some(279_669));
        assert_eq!(inode(b"/dev/null"), None);
    }

    #[test]
    fn holders_of_an_end_known_first() {
        let mut p = Pipes::default();
        p.set(1, 3, 9, Some(End::Read), false);
        p.set(1, 4, 9, Some(End::Write), true);
        p.set(2, 1, 9, Some(End::Write), false);
        p.set(3, 0, 9, None, false);
        assert_eq!(p.holders(9, End::Write, 1), vec![2, 3]);
        p.closed(2, 1);
        assert_eq!(p.holders(9, End::Write, 1), vec![3]);
        assert_eq!(p.holders(9, End::Read, 3), vec![1]);
    }
}

//! Who holds each end of a pipe, for the process at the other end of a pipe wait: ends are
//! known by their `-y` inode (`pipe:[812]`) from `pipe2` (first the read end, then the write
//! end), from `dup`s of them, from reads and writes on them, inherited by a fork and let go by
//! `close` or exit. Without `-y` a pipe is known by the `pipe2` that made it (`pipe made by 100
//! at line 48`), and its descriptors by number through the same history.

use rustc_hash::FxHashMap as HashMap;

use super::on::On;
use super::{Waits, MAX_PROCS};
use crate::event::{Pid, Return, Syscall};
use crate::syscalls::Does;

/// Pipe descriptors kept per process.
const PER_PROCESS: usize = 16;

/// Which end of a pipe a descriptor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum End {
    Read,
    Write,
}

/// One pipe descriptor of a process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PipeFd {
    fd: i64,
    inode: u64,
    /// Without `-y`: the process and line of the `pipe2` that made it (its name).
    made: Option<(Pid, u64)>,
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
    /// Who `/proc` showed holding an end of a pipe waited on when tracing began (`attach`):
    /// for processes the trace does not show.
    live: HashMap<(u64, End), Vec<Pid>>,
}

/// `pipe:[812]` → 812; `pipe made by 100 at line 48` → the key of that pipe (see [`made`]).
pub(crate) fn inode(decoration: &[u8]) -> Option<u64> {
    if let Some(rest) = decoration.strip_prefix(MADE_BY) {
        let (pid, line) = std::str::from_utf8(rest).ok()?.split_once(AT_LINE)?;
        return Some(made(pid.parse().ok()?, line.parse().ok()?));
    }
    let digits = decoration.strip_prefix(b"pipe:[")?.strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// How a pipe seen without `-y` is named: by the process and the line of its `pipe2`.
const MADE_BY: &[u8] = b"pipe made by ";
const AT_LINE: &str = " at line ";

/// The key of a pipe `pid` made at `line` without `-y`: apart from every inode (those are
/// below 2^32 on Linux).
fn made(pid: Pid, line: u64) -> u64 {
    (1 << 62) | (u64::from(pid) & 0x3f_ffff) << 32 | (line & 0xffff_ffff)
}

/// The name of a pipe known by its key: `pipe:[812]`, or its `pipe2` without `-y`.
fn name_of(key: u64, pid: Pid, line: u64) -> String {
    if key >> 62 == 0 {
        return format!("pipe:[{key}]");
    }
    format!("{}{pid}{AT_LINE}{line}", String::from_utf8_lossy(MADE_BY))
}

impl Pipes {
    fn set(&mut self, pid: Pid, fd: i64, (inode, made): (u64, Option<(Pid, u64)>), end: Option<End>, cloexec: bool) {
        if !self.held.contains_key(&pid) && self.held.len() >= MAX_PROCS {
            return;
        }
        let fds = self.held.entry(pid).or_default();
        let full = fds.len() >= PER_PROCESS;
        match fds.iter_mut().find(|p| p.fd == fd) {
            Some(p) if p.inode == inode => p.end = end.or(p.end),
            Some(p) => *p = PipeFd { fd, inode, made, end, cloexec },
            None if !full => fds.push(PipeFd { fd, inode, made, end, cloexec }),
            None => {}
        }
    }

    /// Descriptor `fd` of `pid` when it is a pipe end.
    fn get(&self, pid: Pid, fd: i64) -> Option<PipeFd> {
        self.held.get(&pid)?.iter().find(|p| p.fd == fd).copied()
    }

    fn closed(&mut self, pid: Pid, fd: i64) {
        if let Some(fds) = self.held.get_mut(&pid) {
            fds.retain(|p| p.fd != fd);
        }
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
        if known.is_empty() && !self.live.is_empty() {
            known = self
                .live
                .get(&(inode, end))
                .map_or_else(Vec::new, |l| l.iter().copied().filter(|&p| p != not).collect());
        }
        known
    }
}

impl Waits {
    /// Whether `sc` may change who holds a pipe end (a cheap test, made on every call).
    pub fn touches_pipes(&self, pid: Pid, sc: &Syscall, does: Does) -> bool {
        let decoration = sc.fd.as_ref().map(|f| f.decoration.as_deref());
        let decorated = decoration.flatten().is_some_and(|d| d.starts_with(b"pipe:["));
        decorated
            || (does.has(Does::OPEN_ANON) && sc.name.starts_with("pipe"))
            || (does.has(Does::CLOSE.and(Does::EXEC))
                && !self.pipes.held.is_empty()
                && self.pipes.held.contains_key(&pid))
            // without -y: a read, write or dup of a descriptor known as a pipe end
            || (decoration == Some(None)
                && does.has(Does::READ.and(Does::WRITE).and(Does::DUP))
                && !self.pipes.held.is_empty()
                && self.bare_pipe(pid, sc.fd.as_ref().and_then(|f| f.num)).is_some())
    }

    /// Descriptor `fd` of `pid`, shown without a decoration, when the trace made it a pipe end.
    pub(super) fn bare_pipe(&self, pid: Pid, fd: Option<i64>) -> Option<On> {
        if self.pipes.held.is_empty() {
            return None;
        }
        let p = self.pipes.get(pid, fd?)?;
        let (by, line) = p.made?;
        Some(On::Pipe(name_of(p.inode, by, line)))
    }

    /// A call of `pid` on a pipe descriptor (see [`Waits::touches_pipes`]).
    pub fn pipe_call(&mut self, pid: Pid, line: u64, sc: &Syscall, does: Does) {
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
            // pipe2([3<pipe:[812]>, 4<pipe:[812]>], 0): the read end, then the write end;
            // pipe2([3, 4], 0) without -y: a pipe known by this call
            let cloexec = crate::bytes::contains(&sc.args, b"O_CLOEXEC");
            let listed = crate::parse::split_args(&sc.args, 2).first().map(|a| ends_listed(a)).unwrap_or_default();
            for (k, (fd, ino)) in listed.into_iter().take(2).enumerate() {
                let end = if k == 0 { End::Read } else { End::Write };
                let key = match ino {
                    Some(ino) => (ino, None),
                    None => (made(pid, line), Some((pid, line))),
                };
                self.pipes.set(pid, fd, key, Some(end), cloexec);
            }
            return;
        }
        let Some(arg) = sc.fd.as_ref() else { return };
        let Some(fd) = arg.num else { return };
        if does.has(Does::CLOSE) {
            self.pipes.closed(pid, fd);
            return;
        }
        let known = match arg.decoration.as_deref() {
            Some(d) => inode(d).map(|ino| (ino, None)),
            None => self.pipes.get(pid, fd).map(|p| (p.inode, p.made)),
        };
        let Some(key) = known else { return };
        let end = if does.has(Does::READ) {
            Some(End::Read)
        } else if does.has(Does::WRITE) {
            Some(End::Write)
        } else {
            None
        };
        self.pipes.set(pid, fd, key, end, false);
        // dup2(4<pipe:[812]>, 1) = 1<pipe:[812]> (dup2(4, 1) = 1 without -y): the new
        // descriptor is the same end
        if let (true, Return::Value { value, decoration }) = (does.has(Does::DUP), &sc.ret) {
            if decoration.as_deref().is_none_or(|d| inode(d) == Some(key.0)) && *value != fd {
                let end = self.pipes.get(pid, fd).and_then(|p| p.end);
                self.pipes.set(pid, *value, key, end, false);
            }
        }
    }

    /// `/proc` showed `holders` holding an end of pipe `inode` when tracing began (see
    /// [`Pipes::live`]), each with the call it was blocked in: the next links of a chain.
    pub fn pipe_end_live(&mut self, inode: u64, write_end: bool, holders: Vec<(Pid, Option<(&str, On)>)>) {
        let end = if write_end { End::Write } else { End::Read };
        if self.pipes.live.len() >= MAX_PROCS {
            return;
        }
        let pids = holders.iter().map(|(p, _)| *p).collect();
        self.pipes.live.insert((inode, end), pids);
        for (pid, doing) in holders {
            if let Some((call, on)) = doing {
                self.doing_live(pid, call, on);
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
                self.pipes.set(child, p.fd, (p.inode, p.made), p.end, p.cloexec);
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

/// `[3<pipe:[812]>, 4<pipe:[812]>]` → (3, 812), (4, 812); `[3, 4]` → (3, none), (4, none).
fn ends_listed(list: &[u8]) -> Vec<(i64, Option<u64>)> {
    let Some(inner) = list.strip_prefix(b"[").and_then(|l| l.strip_suffix(b"]")) else { return Vec::new() };
    inner
        .split(|&c| c == b',')
        .filter_map(|item| {
            let item = item.trim_ascii();
            let Some(open) = item.iter().position(|&c| c == b'<') else {
                return Some((std::str::from_utf8(item).ok()?.parse().ok()?, None));
            };
            let fd = std::str::from_utf8(&item[..open]).ok()?.parse().ok()?;
            let dec = item[open + 1..].strip_suffix(b">")?;
            Some((fd, Some(inode(dec)?)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_from_pipe2_and_their_inodes() {
        assert_eq!(ends_listed(b"[3<pipe:[812]>, 4<pipe:[812]>]"), vec![(3, Some(812)), (4, Some(812))]);
        assert_eq!(ends_listed(b"[3, 4]"), vec![(3, None), (4, None)]);
        assert_eq!(inode(name_of(made(100, 48), 100, 48).as_bytes()), Some(made(100, 48)));
        assert_eq!(name_of(812, 1, 1), "pipe:[812]");
        assert_eq!(inode(b"pipe:[279669]"), Some(279_669));
        assert_eq!(inode(b"/dev/null"), None);
    }

    #[test]
    fn holders_of_an_end_known_first() {
        let mut p = Pipes::default();
        p.set(1, 3, (9, None), Some(End::Read), false);
        p.set(1, 4, (9, None), Some(End::Write), true);
        p.set(2, 1, (9, None), Some(End::Write), false);
        p.set(3, 0, (9, None), None, false);
        assert_eq!(p.holders(9, End::Write, 1), vec![2, 3]);
        p.closed(2, 1);
        assert_eq!(p.holders(9, End::Write, 1), vec![3]);
        assert_eq!(p.holders(9, End::Read, 3), vec![1]);
    }
}

//! Per-process state needed to make paths absolute: the cwd and the descriptor table.
//!
//! Children made by fork/clone inherit a copy of both; threads (CLONE_FILES / CLONE_FS) share
//! them, so tables live in maps keyed by a table id that threads hold in common. `-y`
//! decorations, when present, are the truth and overwrite what was tracked.

use std::borrow::Cow;

use crate::event::{Event, EventKind, Pid, Return, SockAddr, Syscall};
use crate::path::{is_normal, normalize};
use crate::syscalls::{self, Does};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// What a descriptor refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum FdTarget {
    Path(Vec<u8>),
    /// A socket; `stream` is true for SOCK_STREAM; `connecting` holds the address of a
    /// non-blocking connect still in progress.
    Socket {
        stream: bool,
        connecting: Option<SockAddr>,
    },
    Other,
}

#[derive(Debug, Default, Clone, Copy)]
struct Process {
    fds: usize,
    cwd: usize,
}

#[derive(Debug, Default)]
pub struct ProcessTable {
    procs: HashMap<Pid, Process>,
    fd_tables: HashMap<usize, HashMap<i64, FdTarget>>,
    cwds: HashMap<usize, Option<Vec<u8>>>,
    next_id: usize,
}

/// A path made absolute where the process state allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<'p> {
    /// Borrowed from the call when it was already absolute and clean.
    pub path: Cow<'p, [u8]>,
    /// False when the path is relative and the directory it is relative to is unknown.
    pub absolute: bool,
}

impl ProcessTable {
    pub fn new() -> Self {
        Self::default()
    }

    fn process(&mut self, pid: Pid) -> Process {
        if let Some(p) = self.procs.get(&pid) {
            return *p;
        }
        let p = Process { fds: self.new_id(), cwd: self.new_id() };
        self.fd_tables.insert(p.fds, HashMap::default());
        self.cwds.insert(p.cwd, None);
        self.procs.insert(pid, p);
        p
    }

    fn new_id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    #[cfg(test)]
    pub fn cwd(&mut self, pid: Pid) -> Option<Vec<u8>> {
        let id = self.process(pid).cwd;
        self.cwds.get(&id).cloned().flatten()
    }

    fn set_cwd(&mut self, pid: Pid, dir: Vec<u8>) {
        let id = self.process(pid).cwd;
        self.cwds.insert(id, Some(dir));
    }

    pub fn fd(&mut self, pid: Pid, fd: i64) -> Option<&FdTarget> {
        let id = self.process(pid).fds;
        self.fd_tables.get(&id).and_then(|t| t.get(&fd))
    }

    fn fd_table(&mut self, pid: Pid) -> &mut HashMap<i64, FdTarget> {
        let id = self.process(pid).fds;
        self.fd_tables.entry(id).or_default()
    }

    pub fn set_fd(&mut self, pid: Pid, fd: i64, target: FdTarget) {
        self.fd_table(pid).insert(fd, target);
    }

    /// Makes `path` (an argument of `sc`) absolute for `pid`.
    pub fn resolve<'p>(&mut self, pid: Option<Pid>, sc: &Syscall<'_>, path: &'p [u8]) -> Resolved<'p> {
        if path.starts_with(b"/") {
            let path = if is_normal(path) { Cow::Borrowed(path) } else { Cow::Owned(normalize(path)) };
            return Resolved { path, absolute: true };
        }
        let Some(dir) = self.base_dir(pid, sc) else {
            return Resolved { path: Cow::Borrowed(path), absolute: false };
        };
        let mut p = Vec::with_capacity(dir.len() + 1 + path.len());
        p.extend_from_slice(dir);
        if !path.is_empty() {
            p.push(b'/');
            p.extend_from_slice(path);
        }
        if !is_normal(&p) {
            p = normalize(&p);
        }
        Resolved { path: Cow::Owned(p), absolute: true }
    }

    /// The directory a relative path of `sc` is relative to.
    fn base_dir<'s>(&'s mut self, pid: Option<Pid>, sc: &'s Syscall<'_>) -> Option<&'s [u8]> {
        if let Some(d) = &sc.dirfd {
            if let Some(dec) = d.decoration.as_deref().filter(|d| d.starts_with(b"/")) {
                return Some(dec);
            }
            if let (Some(num), Some(pid)) = (d.num, pid) {
                return match self.fd(pid, num) {
                    Some(FdTarget::Path(p)) => Some(p),
                    _ => None,
                };
            }
        }
        let id = self.process(pid?).cwd;
        self.cwds.get(&id)?.as_deref()
    }

    /// Applies what a completed event of `pid` changes: descriptors, cwd, children. (Lines
    /// without a pid prefix belong to one process the caller names, e.g. 0.)
    pub fn apply(&mut self, pid: Pid, ev: &Event) {
        let sc = match &ev.kind {
            EventKind::Syscall(sc) => sc,
            EventKind::Exit { .. } | EventKind::Killed { .. } => {
                self.procs.remove(&pid);
                return;
            }
            _ => return,
        };
        let ids = self.process(pid);
        let closing =
            syscalls::info(sc.name.as_bytes()).does.has(Does::CLOSE) && matches!(sc.ret, Return::Value { .. });
        // the decorations of AT_FDCWD and fds are the truth, whatever the call's outcome
        // (compared first: most calls repeat what is known, and copying costs more)
        if let Some(dir) = sc.dirfd.as_ref().filter(|d| d.is_cwd()).and_then(|d| d.decoration.as_deref()) {
            let cwd = self.cwds.entry(ids.cwd).or_default();
            if dir.starts_with(b"/") && cwd.as_deref() != Some(dir) {
                *cwd = Some(dir.to_vec());
            }
        }
        for fd in [&sc.fd, &sc.dirfd].into_iter().flatten() {
            if let (Some(num), Some(dec), false) = (fd.num, fd.decoration.as_deref(), closing) {
                let table = self.fd_tables.entry(ids.fds).or_default();
                let known = matches!(table.get(&num), Some(FdTarget::Path(p)) if p == dec);
                if dec.starts_with(b"/") && !known {
                    table.insert(num, FdTarget::Path(dec.to_vec()));
                }
            }
        }
        let Return::Value { value, decoration } = &sc.ret else { return };
        let value = *value;
        let arg_fd = sc.fd.as_ref().and_then(|f| f.num);
        let info = syscalls::info(sc.name.as_bytes());
        let does = info.does;
        if does.has(Does::OPEN_FD) {
            let target = match decoration.as_deref() {
                Some(d) if d.starts_with(b"/") => FdTarget::Path(d.to_vec()),
                _ => match &sc.path {
                    Some(p) => FdTarget::Path(self.resolve(Some(pid), sc, p).path.into_owned()),
                    None => FdTarget::Other,
                },
            };
            self.set_fd(pid, value, target);
        } else if does.has(Does::OPEN_SOCKET) {
            // an accepted connection is a stream; `socket` says its type
            let stream = does.has(Does::ACCEPT) || crate::bytes::contains(&sc.args, b"SOCK_STREAM");
            self.set_fd(pid, value, FdTarget::Socket { stream, connecting: None });
        } else if info.dups(&sc.args) {
            if let Some(from) = arg_fd {
                let target = self.fd(pid, from).cloned().unwrap_or(FdTarget::Other);
                self.set_fd(pid, value, target);
            }
        } else if does.has(Does::CLOSE) {
            if let (Some(fd), Some(table)) = (arg_fd, self.fd_tables.get_mut(&ids.fds)) {
                table.remove(&fd);
            }
        } else if does.has(Does::CHDIR) {
            let dir = match &sc.path {
                // chdir: a path, made absolute
                Some(p) if info.shape.path.is_some() => {
                    let r = self.resolve(Some(pid), sc, p);
                    r.absolute.then(|| r.path.into_owned())
                }
                // fchdir: the directory the descriptor refers to
                _ => match arg_fd.and_then(|fd| self.fd(pid, fd)) {
                    Some(FdTarget::Path(p)) => Some(p.clone()),
                    _ => None,
                },
            };
            if let Some(dir) = dir {
                self.set_cwd(pid, dir);
            }
        } else if does.has(Does::GETCWD) {
            if let Some(q) = crate::parse::quoted::decode(&sc.args) {
                self.set_cwd(pid, q.bytes.into_owned());
            }
        } else if does.has(Does::FORK) && value > 0 {
            let child = u32::try_from(value).unwrap_or(0);
            let shares_files = crate::bytes::contains(&sc.args, b"CLONE_FILES");
            let shares_fs = crate::bytes::contains(&sc.args, b"CLONE_FS");
            self.fork(pid, child, shares_files, shares_fs);
        }
    }

    fn fork(&mut self, parent: Pid, child: Pid, shares_files: bool, shares_fs: bool) {
        let (pf, pc) = {
            let p = self.process(parent);
            (p.fds, p.cwd)
        };
        let fds = if shares_files {
            pf
        } else {
            let id = self.new_id();
            let copy = self.fd_tables.get(&pf).cloned().unwrap_or_default();
            self.fd_tables.insert(id, copy);
            id
        };
        let cwd = if shares_fs {
            pc
        } else {
            let id = self.new_id();
            let copy = self.cwds.get(&pc).cloned().flatten();
            self.cwds.insert(id, copy);
            id
        };
        self.procs.insert(child, Process { fds, cwd });
    }

    /// Drops tables no process refers to any more (bounded memory on long traces).
    pub fn collect_garbage(&mut self) {
        let live_fds: HashSet<usize> = self.procs.values().map(|p| p.fds).collect();
        let live_cwd: HashSet<usize> = self.procs.values().map(|p| p.cwd).collect();
        self.fd_tables.retain(|k, _| live_fds.contains(k));
        self.cwds.retain(|k, _| live_cwd.contains(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{build_syscall, parse_line, Record};

    fn ev(pid: Pid, line: &str) -> Event<'_> {
        match parse_line(line.as_bytes()).pop() {
            Some(Record::Event(mut e)) => {
                e.pid = Some(pid);
                e
            }
            other => panic!("not an event: {other:?}"),
        }
    }

    impl ProcessTable {
        fn apply_ev(&mut self, e: &Event) {
            self.apply(e.pid.unwrap_or(0), e);
        }
    }

    #[test]
    fn cwd_from_chdir_and_decorations_and_fork() {
        let mut t = ProcessTable::new();
        t.apply_ev(&ev(1, r#"chdir("/srv/app") = 0"#));
        let sc =
            build_syscall("openat".into(), br#"AT_FDCWD, "etc/x.conf", O_RDONLY"#[..].into(), Return::Unfinished, None);
        assert_eq!(&*t.resolve(Some(1), &sc, b"etc/x.conf").path, b"/srv/app/etc/x.conf");
        t.apply_ev(&ev(1, r#"clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 2"#));
        assert_eq!(&*t.resolve(Some(2), &sc, b"etc/x.conf").path, b"/srv/app/etc/x.conf");
        t.apply_ev(&ev(2, r#"chdir("../other") = 0"#));
        assert_eq!(t.cwd(2).as_deref(), Some(&b"/srv/other"[..]));
        assert_eq!(t.cwd(1).as_deref(), Some(&b"/srv/app"[..]));
        assert!(!t.resolve(Some(9), &sc, b"etc/x.conf").absolute);
    }

    #[test]
    fn dirfd_from_fd_table_and_dup() {
        let mut t = ProcessTable::new();
        t.apply_ev(&ev(1, r#"openat(AT_FDCWD, "/srv/d", O_RDONLY|O_DIRECTORY) = 3"#));
        t.apply_ev(&ev(1, r#"dup2(3, 7) = 7"#));
        t.apply_ev(&ev(1, r#"close(3) = 0"#));
        let sc = build_syscall("openat".into(), br#"7, "rel", O_RDONLY"#[..].into(), Return::Unfinished, None);
        assert_eq!(&*t.resolve(Some(1), &sc, b"rel").path, b"/srv/d/rel");
        let sc = build_syscall("openat".into(), br#"3, "rel", O_RDONLY"#[..].into(), Return::Unfinished, None);
        assert!(!t.resolve(Some(1), &sc, b"rel").absolute);
    }

    #[test]
    fn threads_share_the_fd_table() {
        let mut t = ProcessTable::new();
        t.apply_ev(&ev(1, r#"clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_THREAD, exit_signal=0}, 88) = 2"#));
        t.apply_ev(&ev(2, r#"openat(AT_FDCWD, "/srv/d", O_RDONLY) = 4"#));
        assert_eq!(t.fd(1, 4), Some(&FdTarget::Path(b"/srv/d".to_vec())));
    }
}

//! Per-process state: the cwd and the descriptor table (to make paths absolute, to count the
//! descriptors held), the credentials the process acts with, its descriptor limit, whether its
//! start is in the trace.
//!
//! Children made by fork/clone inherit a copy of all of it; threads (CLONE_FILES / CLONE_FS)
//! share tables, so tables live in maps keyed by a table id that threads hold in common. `-y`
//! decorations, when present, are the truth and overwrite what was tracked.
//!
//! Bounded by [`memory::PROCESSES`]: past it the tables of exited processes go, then the
//! least recently active processes are forgotten ([`ProcessTable::forget_least_recent`]). A
//! forgotten process seen again starts unknown: no cwd, no descriptors, its start not seen.

use std::borrow::Cow;

pub use super::credentials::Credentials;
use super::fds::fd_pair;
use super::fds::FdTable;
pub use super::fds::{proto, FdTarget, Held, SocketRole};
pub use super::limits::{HostNoFile, Limit, Resource, ResourceLimit};
use crate::event::{Event, EventKind, Pid, Return, Syscall};
use crate::memory;
use crate::path::{is_normal, normalize};
use crate::syscalls::Does;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Bytes a cwd holds beyond its entry.
fn cwd_bytes(c: &Option<Vec<u8>>) -> usize {
    c.as_ref().map_or(0, Vec::len)
}

#[derive(Debug, Default, Clone, Copy)]
struct Process {
    fds: usize,
    cwd: usize,
    /// The first event of the process has been applied.
    begun: bool,
    /// The trace shows the process start (a fork, or its first event an execve).
    start_seen: bool,
    /// When its last event was applied (the table's clock): the least recently active are
    /// forgotten first.
    last: u64,
}

#[derive(Debug, Default)]
pub struct ProcessTable {
    procs: HashMap<Pid, Process>,
    fd_tables: HashMap<usize, FdTable>,
    cwds: HashMap<usize, Option<Vec<u8>>>,
    creds: HashMap<Pid, Credentials>,
    limits: HashMap<(Pid, Resource), ResourceLimit>,
    /// Set by the last call when it set a limit: (setter, of, which).
    limit_set_by: Option<(Pid, Pid, Resource)>,
    next_id: usize,
    /// Events applied.
    clock: u64,
    /// Bytes of the descriptor tables, cwds and credentials beyond their entries.
    bytes: usize,
    /// Some process was forgotten: one seen for the first time may be one of them.
    forgot: bool,
    /// Descriptor tables emptied at [`memory::FD_TABLE`] (each counted once).
    pub emptied: u64,
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
        self.new_process(pid)
    }

    /// [`ProcessTable::process`], marked active now.
    fn touch(&mut self, pid: Pid) -> Process {
        self.clock += 1;
        if let Some(p) = self.procs.get_mut(&pid) {
            p.last = self.clock;
            return *p;
        }
        self.new_process(pid)
    }

    fn new_process(&mut self, pid: Pid) -> Process {
        // after forgetting, a process never seen may be one forgotten: its start is unknown
        let p = Process {
            fds: self.new_id(),
            cwd: self.new_id(),
            begun: self.forgot,
            last: self.clock,
            ..Process::default()
        };
        self.fd_tables.insert(p.fds, FdTable::default());
        self.cwds.insert(p.cwd, None);
        self.procs.insert(pid, p);
        p
    }

    /// Bytes held, as estimated (see [`memory`]).
    pub fn size(&self) -> usize {
        let entries = self.procs.len() + self.fd_tables.len() + self.cwds.len() + self.creds.len();
        self.bytes + entries * memory::ENTRY
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
        self.set_cwd_of(id, Some(dir));
    }

    /// Sets the cwd of table `id` (one longer than the kernel takes is unknown).
    fn set_cwd_of(&mut self, id: usize, dir: Option<Vec<u8>>) {
        let dir = dir.filter(|d| d.len() <= memory::PATH_MAX);
        self.bytes += cwd_bytes(&dir);
        if let Some(old) = self.cwds.insert(id, dir) {
            self.bytes -= cwd_bytes(&old);
        }
    }

    pub fn fd(&mut self, pid: Pid, fd: i64) -> Option<&FdTarget> {
        let id = self.process(pid).fds;
        self.fd_tables.get(&id).and_then(|t| t.get(fd))
    }

    /// Changes descriptor table `id` with `change`, keeping the byte count.
    fn change_fds<R>(&mut self, id: usize, change: impl FnOnce(&mut FdTable) -> R) -> R {
        let table = self.fd_tables.entry(id).or_default();
        let before = table.bytes();
        let r = change(table);
        self.bytes = self.bytes + table.bytes() - before;
        r
    }

    pub fn set_fd(&mut self, pid: Pid, fd: i64, target: FdTarget) {
        let id = self.process(pid).fds;
        self.insert_fd(id, fd, target);
    }

    fn insert_fd(&mut self, id: usize, fd: i64, target: FdTarget) {
        if self.change_fds(id, |t| t.insert(fd, target)) {
            self.emptied += 1;
        }
    }

    /// Marks the socket `fd` as connected to a peer or listening (a socket the table did not
    /// know of, e.g. inherited before the trace, becomes known).
    pub fn set_role(&mut self, pid: Pid, fd: i64, role: SocketRole) {
        let target = match self.fd(pid, fd).cloned() {
            Some(FdTarget::Socket { stream, connecting, .. }) => FdTarget::Socket { stream, connecting, role },
            _ => FdTarget::Socket { stream: true, connecting: None, role },
        };
        self.set_fd(pid, fd, target);
    }

    /// The credentials `pid` acts with, as far as the trace shows them.
    pub fn credentials(&self, pid: Pid) -> Credentials {
        self.creds.get(&pid).cloned().unwrap_or_default()
    }

    /// The limit of `resource` of `pid`, as far as the trace shows it.
    pub fn limit(&self, pid: Pid, resource: Resource) -> Option<ResourceLimit> {
        self.limits.get(&(pid, resource)).cloned()
    }

    /// After a call set a limit: (the process that set it, the one it is of, which limit).
    pub fn take_limit_set(&mut self) -> Option<(Pid, Pid, Resource)> {
        self.limit_set_by.take()
    }

    /// The files read before `of`'s limit of `resource` was set (see
    /// [`ResourceLimit::read_before`]).
    pub fn limit_read_before(&mut self, of: Pid, resource: Resource, files: Vec<Vec<u8>>) {
        if let Some(l) = self.limits.get_mut(&(of, resource)) {
            l.read_before = files.into();
        }
    }

    /// The descriptors `pid` holds: those its table knows, or more when a higher number is in
    /// use (descriptors are allocated lowest first, so at EMFILE every lower one is taken).
    /// Complete when the trace shows the process start and its table was never emptied.
    pub fn fds_held(&mut self, pid: Pid) -> Held {
        let p = self.process(pid);
        let table = self.fd_tables.get(&p.fds);
        let (count, above) = table.map_or((0, 0), FdTable::count_and_above);
        let emptied = table.is_some_and(|t| t.emptied);
        Held { count: count.max(above), complete: p.start_seen && !emptied }
    }

    /// Whether `pid` holds a connection it accepted: it was serving a client.
    pub fn serving(&mut self, pid: Pid) -> bool {
        let p = self.process(pid);
        self.fd_tables.get(&p.fds).is_some_and(FdTable::holds_accepted)
    }

    /// strace attached to `pid` (`Process N attached`): unless a fork of it follows, its start
    /// is not in the trace.
    pub fn attached(&mut self, pid: Pid) {
        self.process(pid);
        if let Some(p) = self.procs.get_mut(&pid) {
            p.begun = true;
        }
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
                self.remove(pid);
                return;
            }
            _ => return,
        };
        let ids = self.touch(pid);
        // the row the parser looked up
        let info = sc.info;
        let does = info.does;
        if !ids.begun {
            // a process whose first event is its own exec started in the trace
            let started = matches!(sc.ret, Return::Value { .. }) && does.has(Does::EXEC);
            if let Some(p) = self.procs.get_mut(&pid) {
                (p.begun, p.start_seen) = (true, started);
            }
        }
        let closing = does.has(Does::CLOSE) && matches!(sc.ret, Return::Value { .. });
        // the decorations of AT_FDCWD and fds are the truth, whatever the call's outcome
        // (compared first: most calls repeat what is known, and copying costs more)
        if let Some(dir) = sc.dirfd.as_ref().filter(|d| d.is_cwd()).and_then(|d| d.decoration.as_deref()) {
            let known = self.cwds.get(&ids.cwd).is_some_and(|c| c.as_deref() == Some(dir));
            if dir.starts_with(b"/") && !known {
                self.set_cwd_of(ids.cwd, Some(dir.to_vec()));
            }
        }
        for fd in [&sc.fd, &sc.dirfd].into_iter().flatten() {
            if let (Some(num), Some(dec), false) = (fd.num, fd.decoration.as_deref(), closing) {
                let table = self.fd_tables.get(&ids.fds);
                let known = matches!(table.and_then(|t| t.get(num)), Some(FdTarget::Path(p)) if p == dec);
                if dec.starts_with(b"/") && !known {
                    self.insert_fd(ids.fds, num, FdTarget::Path(dec.to_vec()));
                }
            }
        }
        let Return::Value { value, decoration } = &sc.ret else { return };
        let value = *value;
        let arg_fd = sc.fd.as_ref().and_then(|f| f.num);
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
            let accepted = does.has(Does::ACCEPT);
            let stream = accepted || crate::bytes::contains(&sc.args, b"SOCK_STREAM");
            let role = if accepted { SocketRole::Client } else { SocketRole::Unknown };
            self.set_fd(pid, value, FdTarget::Socket { stream, connecting: None, role });
        } else if does.has(Does::CONNECT.and(Does::LISTEN)) {
            let role = match &sc.addr {
                Some(addr) if does.has(Does::CONNECT) => SocketRole::Peer(addr.clone()),
                _ => SocketRole::Listening,
            };
            if let Some(fd) = arg_fd {
                self.set_role(pid, fd, role);
            }
        } else if info.dups(&sc.args) {
            if let Some(from) = arg_fd {
                let target = self.fd(pid, from).cloned().unwrap_or(FdTarget::Other);
                self.set_fd(pid, value, target);
            }
        } else if does.has(Does::CLOSE) {
            if let Some(fd) = arg_fd {
                self.change_fds(ids.fds, |t| t.remove(fd));
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
        } else if does.has(Does::OPEN_ANON) {
            let args = crate::parse::split_args(&sc.args, 5);
            match args.iter().find(|a| a.starts_with(b"[")).and_then(|a| fd_pair(a)) {
                // pipe2([3, 4], 0), socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4])
                Some((a, b)) => {
                    self.set_fd(pid, a, FdTarget::Other);
                    self.set_fd(pid, b, FdTarget::Other);
                }
                None if value >= 0 && !sc.name.starts_with("pipe") && sc.name != "socketpair" => {
                    self.set_fd(pid, value, FdTarget::Other);
                }
                None => {}
            }
        } else if does.has(Does::CREDENTIALS) {
            let c = self.creds.entry(pid).or_default();
            let before = c.bytes();
            c.apply(&sc.name, &sc.args);
            self.bytes = self.bytes + c.bytes() - before;
        } else if does.has(Does::LIMITS) {
            if let Some((of, limit)) = ResourceLimit::from_call(pid, &sc.name, &sc.args) {
                let key = (of, limit.resource);
                // a limit set stays known as set when it is only read back later
                let known_set = self.limits.get(&key).filter(|l| l.set && !limit.set);
                if known_set.is_none_or(|l| l.soft != limit.soft) {
                    if limit.set {
                        self.limit_set_by = Some((pid, of, limit.resource));
                    }
                    self.limits.insert(key, limit);
                }
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
            self.bytes += copy.bytes();
            self.fd_tables.insert(id, copy);
            id
        };
        let cwd = if shares_fs {
            pc
        } else {
            let id = self.new_id();
            let copy = self.cwds.get(&pc).cloned().flatten();
            self.set_cwd_of(id, copy);
            id
        };
        let last = self.clock;
        self.procs.insert(child, Process { fds, cwd, begun: true, start_seen: true, last });
        for r in Resource::ALL {
            if let Some(limit) = self.limits.get(&(parent, r)).cloned() {
                self.limits.entry((child, r)).or_insert(limit);
            }
        }
        // a child that ran before the clone returned may have set some of its own already
        if let Some(p) = self.creds.get(&parent).cloned() {
            let c = self.creds.entry(child).or_default();
            let before = c.bytes();
            c.uid = c.uid.or(p.uid);
            c.gid = c.gid.or(p.gid);
            c.groups = c.groups.take().or(p.groups);
            self.bytes = self.bytes + c.bytes() - before;
        }
    }

    /// `pid` ended (or is forgotten): its record and credentials go, its tables with the
    /// next [`ProcessTable::collect_garbage`].
    fn remove(&mut self, pid: Pid) {
        self.procs.remove(&pid);
        for r in Resource::ALL {
            self.limits.remove(&(pid, r));
        }
        if let Some(c) = self.creds.remove(&pid) {
            self.bytes -= c.bytes();
        }
    }

    /// Drops tables no process refers to any more (bounded memory on long traces).
    pub fn collect_garbage(&mut self) {
        let live_fds: HashSet<usize> = self.procs.values().map(|p| p.fds).collect();
        let live_cwd: HashSet<usize> = self.procs.values().map(|p| p.cwd).collect();
        let mut freed = 0;
        self.fd_tables.retain(|k, t| {
            let keep = live_fds.contains(k);
            freed += if keep { 0 } else { t.bytes() };
            keep
        });
        self.cwds.retain(|k, c| {
            let keep = live_cwd.contains(k);
            freed += if keep { 0 } else { cwd_bytes(c) };
            keep
        });
        self.bytes -= freed;
    }

    /// Forgets the least recently active half of the processes (at least one); returns them.
    pub fn forget_least_recent(&mut self) -> Vec<Pid> {
        let mut lasts: Vec<u64> = self.procs.values().map(|p| p.last).collect();
        if lasts.is_empty() {
            return Vec::new();
        }
        let mid = lasts.len() / 2;
        let cut = *lasts.select_nth_unstable(mid).1;
        let gone: Vec<Pid> = self.procs.iter().filter(|(_, p)| p.last <= cut).map(|(pid, _)| *pid).collect();
        for &pid in &gone {
            self.remove(pid);
        }
        self.forgot = true;
        self.collect_garbage();
        gone
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

    #[test]
    fn credentials_follow_set_id_calls_and_forks() {
        let mut t = ProcessTable::new();
        t.apply_ev(&ev(1, "setgroups(1, [33]) = 0"));
        t.apply_ev(&ev(1, "setreuid(33, -1) = 0"));
        assert_eq!(t.credentials(1).uid, None, "setreuid(r, -1) keeps the effective uid");
        t.apply_ev(&ev(1, "setresgid(995, 995, 995) = 0"));
        t.apply_ev(&ev(1, "setuid(33) = 0"));
        let want = Credentials { uid: Some(33), gid: Some(995), groups: Some(vec![33]) };
        assert_eq!(t.credentials(1), want);
        t.apply_ev(&ev(1, "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 2"));
        assert_eq!(t.credentials(2), want);
        t.apply_ev(&ev(2, "setresuid32(-1, 0, -1) = 0"));
        t.apply_ev(&ev(2, "setgroups(0, NULL) = 0"));
        assert_eq!((t.credentials(2).uid, t.credentials(2).groups), (Some(0), Some(vec![])));
        assert_eq!(t.credentials(1).uid, Some(33));
        // a child's own calls printed before the clone returned are kept, the rest inherited
        t.apply_ev(&ev(3, "setuid(44) = 0"));
        t.apply_ev(&ev(1, "clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 3"));
        assert_eq!(t.credentials(3), Credentials { uid: Some(44), gid: Some(995), groups: Some(vec![33]) });
        t.apply_ev(&ev(2, "setgroups(3, [1, 2, ...]) = 0"));
        assert_eq!(t.credentials(2).groups, None, "an abbreviated list is unknown");
        t.apply_ev(&ev(2, "setuid(33) = -1 EPERM (Operation not permitted)"));
        assert_eq!(t.credentials(2).uid, Some(0), "a failed call changes nothing");
    }

    #[test]
    fn limits_set_or_read_and_inherited() {
        let files = |t: &ProcessTable, pid| t.limit(pid, Resource::Files);
        let limit = |resource, soft, call: &str, set| ResourceLimit {
            resource,
            soft,
            call: call.into(),
            set,
            read_before: Default::default(),
        };
        let mut t = ProcessTable::new();
        t.apply_ev(&ev(1, "prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=20000, rlim_max=20000}) = 0"));
        assert_eq!(files(&t, 1), Some(limit(Resource::Files, Limit::At(20000), "prlimit64", false)));
        t.apply_ev(&ev(1, "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=32, rlim_max=32}, NULL) = 0"));
        let set = limit(Resource::Files, Limit::At(32), "prlimit64", true);
        assert_eq!(files(&t, 1), Some(set.clone()));
        assert_eq!(t.take_limit_set(), Some((1, 1, Resource::Files)));
        t.apply_ev(&ev(1, "getrlimit(RLIMIT_NOFILE, {rlim_cur=32, rlim_max=32}) = 0"));
        assert_eq!(files(&t, 1), Some(set.clone()), "read back: still the one set");
        t.apply_ev(&ev(1, "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"));
        t.apply_ev(&ev(
            1,
            "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=40, rlim_max=32}, NULL) = -1 EINVAL (Invalid argument)",
        ));
        assert_eq!(files(&t, 1), Some(set.clone()), "other limits and failed calls change nothing");
        // `ulimit -v 65536` and `ulimit -u 48` in a wrapper script
        t.apply_ev(&ev(1, "prlimit64(0, RLIMIT_AS, {rlim_cur=65536*1024, rlim_max=65536*1024}, NULL) = 0"));
        t.apply_ev(&ev(1, "prlimit64(0, RLIMIT_NPROC, {rlim_cur=48, rlim_max=48}, NULL) = 0"));
        assert_eq!(t.take_limit_set(), Some((1, 1, Resource::Processes)));
        assert_eq!(
            t.limit(1, Resource::AddressSpace),
            Some(limit(Resource::AddressSpace, Limit::At(64 << 20), "prlimit64", true))
        );
        assert_eq!(t.limit(1, Resource::Data), None);
        t.apply_ev(&ev(1, "clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 2"));
        assert_eq!(files(&t, 2), Some(set));
        assert_eq!(t.limit(2, Resource::Processes).map(|l| l.soft), Some(Limit::At(48)), "inherited on fork");
        t.apply_ev(&ev(2, "setrlimit(RLIMIT_NOFILE, {rlim_cur=8*1024, rlim_max=RLIM_INFINITY}) = 0"));
        assert_eq!(files(&t, 2), Some(limit(Resource::Files, Limit::At(8192), "setrlimit", true)));
        t.apply_ev(&ev(
            1,
            "prlimit64(7, RLIMIT_NOFILE, {rlim_cur=RLIM64_INFINITY, rlim_max=RLIM64_INFINITY}, NULL) = 0",
        ));
        assert_eq!(files(&t, 7).map(|l| l.soft), Some(Limit::Unlimited), "prlimit of another process sets its limit");
        assert_eq!(files(&t, 1).map(|l| l.soft), Some(Limit::At(32)));
    }

    #[test]
    fn descriptors_held_and_whether_the_start_was_seen() {
        let mut t = ProcessTable::new();
        t.apply_ev(&ev(1, r#"execve("/usr/bin/python3", ["python3"], 0x7ffd /* 3 vars */) = 0"#));
        t.apply_ev(&ev(1, r#"socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"#));
        t.apply_ev(&ev(1, r#"pipe2([4<pipe:[9]>, 5<pipe:[9]>], O_CLOEXEC) = 0"#));
        t.apply_ev(&ev(1, r#"epoll_create1(EPOLL_CLOEXEC) = 6<anon_inode:[eventpoll]>"#));
        assert_eq!(t.fds_held(1), Held { count: 7, complete: true }, "0-2 are below 6: in use");
        t.apply_ev(&ev(1, r#"close(6) = 0"#));
        assert_eq!(t.fds_held(1).count, 6);
        // attached to a running process: its first event is not its start
        t.apply_ev(&ev(7, r#"accept4(3<TCP:[1]>, NULL, NULL, SOCK_CLOEXEC) = 13<TCP:[2]>"#));
        assert_eq!(t.fds_held(7), Held { count: 14, complete: false });
        t.attached(8);
        t.apply_ev(&ev(8, r#"execve("/bin/true", ["true"], 0x7ffd /* 3 vars */) = 0"#));
        assert!(!t.fds_held(8).complete, "strace said it attached");
        t.apply_ev(&ev(1, r#"clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 8"#));
        assert!(t.fds_held(8).complete, "forked in the trace");
    }
}

//! What each thread is blocked in when `attach` begins, read from `/proc` before strace stops
//! it: once strace attached, a call in progress shows only as `restart_syscall` (or not at
//! all until it returns), and the descriptors it waits on are lost. `/proc/PID/task/TID/syscall`
//! gives the call and its arguments, `/proc/PID/fd` and `/proc/net/{tcp,tcp6,udp,udp6,unix}`
//! what a descriptor is connected to, `/proc/PID/mem` a `poll` set, `/proc/PID/fdinfo` an
//! epoll set, `/proc/locks` who holds a lock, and `/proc/*/fd` who holds the other end of a
//! pipe or (its peer named by the kernel's sock_diag) of a unix socket.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::FileExt;

use crate::analysis::waits::calls::blocked_on_named;
use crate::analysis::waits::on::{self, On};
use crate::analysis::waits::InFlight;
use crate::event::{FdArg, Pid};
use crate::host;

/// Descriptors read from one poll or epoll set.
const SET: usize = 16;
/// Threads read per process (a JVM has hundreds; the first are the ones that serve).
const THREADS: usize = 256;

/// One thread blocked in a call when the snapshot was taken.
#[derive(Debug, Clone)]
pub(crate) struct Blocked {
    pub tid: Pid,
    /// The process's name (`/proc/PID/comm`).
    pub comm: String,
    pub call: InFlight,
}

/// What `/proc` showed of the processes about to be traced.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub blocked: Vec<Blocked>,
    /// Processes read, by name: `3 of 3 php-fpm8.2` counts against it.
    pub processes: HashMap<String, usize>,
    /// The holders of the locks waited on, with what each is doing now (`wait4 on child 813`,
    /// `running`): the next link of the chain, traced or not.
    pub holders: Vec<(Pid, String)>,
    /// The processes holding the other end of each pipe waited on (`/proc/*/fd`), with what
    /// each is doing now: the pipe's inode, whether they hold its write end, the holders.
    pub pipe_ends: Vec<PipeEnd>,
    /// The processes holding the other end of each unix socket waited on: the peer socket
    /// from sock_diag ([`host::unix_peer`]), its holders from `/proc/*/fd`.
    pub socket_ends: Vec<SocketEnd>,
}

/// The call a process is blocked in now and on what (none: running or gone).
pub(crate) type Doing = Option<(&'static str, On)>;

/// The other end of a unix socket a thread waits on, as the kernel and `/proc` show it.
#[derive(Debug, Clone)]
pub(crate) struct SocketEnd {
    /// The waiting thread, what it waits on (as [`Blocked`] names it) and its socket's inode.
    pub waiter: Pid,
    pub on: On,
    pub inode: u64,
    /// Each process holding the peer socket: its command line (as the report shows one) and
    /// the call it is blocked in now and on what (none: running or gone).
    pub holders: Vec<(Pid, String, Doing)>,
}

/// The other end of a pipe a thread waits on, as `/proc` shows it.
#[derive(Debug, Clone)]
pub(crate) struct PipeEnd {
    pub inode: u64,
    /// The holders hold the write end (the waiter reads), else the read end.
    pub write_end: bool,
    /// Each holder, with the call it is blocked in now and on what (none: running or gone).
    pub holders: Vec<(Pid, Option<(&'static str, On)>)>,
}

/// How a blocking call names what it waits on: by the argument that holds it.
#[derive(Clone, Copy)]
enum Waits {
    Fd,
    PollSet,
    EpollSet,
    Futex,
    Sleep,
    Child,
    Lock,
    Signal,
    /// A System V IPC object or an aio context, by its id (the first argument).
    Named,
    /// A path (the first argument, or the second after a directory descriptor).
    Path(usize),
    Other,
}

/// The blocking calls of x86_64, by number (other architectures: none are read).
fn call_of(nr: i64) -> Option<(&'static str, Waits)> {
    if !cfg!(target_arch = "x86_64") {
        return None;
    }
    Some(match nr {
        0 => ("read", Waits::Fd),
        1 => ("write", Waits::Fd),
        2 => ("open", Waits::Path(0)),
        7 => ("poll", Waits::PollSet),
        17 => ("pread64", Waits::Fd),
        19 => ("readv", Waits::Fd),
        23 => ("select", Waits::Other),
        34 => ("pause", Waits::Signal),
        35 => ("nanosleep", Waits::Sleep),
        42 => ("connect", Waits::Fd),
        43 => ("accept", Waits::Fd),
        44 => ("sendto", Waits::Fd),
        45 => ("recvfrom", Waits::Fd),
        46 => ("sendmsg", Waits::Fd),
        47 => ("recvmsg", Waits::Fd),
        61 => ("wait4", Waits::Child),
        65 => ("semop", Waits::Named),
        69 => ("msgsnd", Waits::Named),
        70 => ("msgrcv", Waits::Named),
        72 => ("fcntl", Waits::Lock),
        73 => ("flock", Waits::Lock),
        128 => ("rt_sigtimedwait", Waits::Signal),
        130 => ("rt_sigsuspend", Waits::Signal),
        202 => ("futex", Waits::Futex),
        208 => ("io_getevents", Waits::Named),
        220 => ("semtimedop", Waits::Named),
        230 => ("clock_nanosleep", Waits::Sleep),
        232 => ("epoll_wait", Waits::EpollSet),
        242 => ("mq_timedsend", Waits::Fd),
        243 => ("mq_timedreceive", Waits::Fd),
        247 => ("waitid", Waits::Child),
        257 => ("openat", Waits::Path(1)),
        270 => ("pselect6", Waits::Other),
        271 => ("ppoll", Waits::PollSet),
        281 => ("epoll_pwait", Waits::EpollSet),
        288 => ("accept4", Waits::Fd),
        299 => ("recvmmsg", Waits::Fd),
        333 => ("io_pgetevents", Waits::Named),
        426 => ("io_uring_enter", Waits::Fd),
        441 => ("epoll_pwait2", Waits::EpollSet),
        _ => return None,
    })
}

/// The sockets of this host by inode: what each is bound and connected to.
#[derive(Default)]
struct Sockets {
    inet: HashMap<u64, (&'static str, String, Option<String>)>,
    /// Local ports listening (tcp): a connection on one of them was accepted, not made.
    listening: std::collections::HashSet<String>,
    unix: HashMap<u64, (String, bool)>,
}

impl Sockets {
    fn read() -> Sockets {
        let mut s = Sockets::default();
        for (file, proto, v6) in
            [("tcp", "tcp", false), ("tcp6", "tcp", true), ("udp", "udp", false), ("udp6", "udp", true)]
        {
            let Ok(text) = std::fs::read_to_string(format!("/proc/net/{file}")) else { continue };
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                let (Some(local), Some(remote), Some(state), Some(inode)) = (f.get(1), f.get(2), f.get(3), f.get(9))
                else {
                    continue;
                };
                let (Some(local), Some(remote), Ok(inode)) = (address(local, v6), address(remote, v6), inode.parse())
                else {
                    continue;
                };
                // tcp LISTEN is 0A; an unconnected udp socket has a zero peer
                let connected = !(*state == "0A" || remote.ends_with(":0"));
                if proto == "tcp" && *state == "0A" {
                    s.listening.insert(port_of(&local).to_string());
                }
                s.inet.insert(inode, (proto, local, connected.then_some(remote)));
            }
        }
        if let Ok(text) = std::fs::read_to_string("/proc/net/unix") {
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                let (Some(flags), Some(inode)) = (f.get(3), f.get(6)) else { continue };
                let Ok(inode) = inode.parse() else { continue };
                // __SO_ACCEPTCON: a listening socket
                let listening = u32::from_str_radix(flags, 16).is_ok_and(|f| f & 0x10000 != 0);
                s.unix.insert(inode, (f.get(7).map_or_else(String::new, |p| (*p).to_string()), listening));
            }
        }
        s
    }

    /// What socket `inode` is, as a wait target.
    fn target(&self, inode: u64) -> On {
        if let Some((proto, local, remote)) = self.inet.get(&inode) {
            return match remote {
                None => On::Listening { proto, local: local.clone() },
                Some(_) if *proto == "tcp" && self.listening.contains(port_of(local)) => {
                    On::Clients { proto, local: local.clone() }
                }
                Some(remote) => On::Peer { proto, addr: remote.clone() },
            };
        }
        match self.unix.get(&inode) {
            Some((path, true)) => On::Listening { proto: "unix", local: path.clone() },
            Some((path, false)) if !path.is_empty() => On::Peer { proto: "unix", addr: path.clone() },
            _ => On::Peer { proto: "unix", addr: format!("socket:[{inode}]") },
        }
    }
}

fn port_of(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(_, p)| p)
}

/// `0100007F:1539` → `127.0.0.1:5433`; v6: `[::1]:5433`.
fn address(hex: &str, v6: bool) -> Option<String> {
    let (ip, port) = hex.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    if !v6 {
        let ip = u32::from_str_radix(ip, 16).ok()?;
        return Some(format!("{}:{port}", std::net::Ipv4Addr::from(ip.to_le_bytes())));
    }
    let mut bytes = [0u8; 16];
    for (k, word) in bytes.chunks_mut(4).enumerate() {
        let w = u32::from_str_radix(ip.get(k * 8..k * 8 + 8)?, 16).ok()?;
        word.copy_from_slice(&w.to_le_bytes());
    }
    let ip = std::net::Ipv6Addr::from(bytes);
    Some(match ip.to_ipv4_mapped() {
        Some(v4) => format!("{v4}:{port}"),
        None => format!("[{ip}]:{port}"),
    })
}

/// The threads of `pids` blocked in a call now, in pid order.
pub(crate) fn snapshot(pids: &[Pid]) -> Snapshot {
    let sockets = Sockets::read();
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    let mut out = Snapshot::default();
    let mut sockets_waited: Vec<(Pid, Pid, u64, On)> = Vec::new();
    for &pid in pids {
        let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else { continue };
        let comm = comm.trim().to_string();
        *out.processes.entry(comm.clone()).or_default() += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
        let mut tids: Vec<Pid> = tasks.filter_map(|t| t.ok()?.file_name().to_str()?.parse().ok()).collect();
        tids.sort_unstable();
        tids.truncate(THREADS);
        for tid in tids {
            let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")) else { continue };
            let Some((name, args)) = parse_syscall(&text) else { continue };
            let resumed = if name == RESTART_SYSCALL { restarted(pid, tid) } else { None };
            let Some((syscall, waits)) = resumed.or_else(|| call_of(name)) else { continue };
            let on = match (resumed, waits) {
                // the poll set of a restarted call is the kernel's: the process's one connection
                (Some(_), Waits::PollSet) => match connections(pid, &sockets) {
                    fds if fds.is_empty() => On::Other(crate::analysis::waits::UNKNOWN.into()),
                    fds => set(pid, fds, &sockets),
                },
                _ => target(pid, (syscall, waits), &args, &sockets, &locks),
            };
            let idle = is_idle(&on, waits);
            if matches!(on, On::Peer { proto: "unix", .. }) {
                let fds = match (resumed, waits) {
                    (Some(_), Waits::PollSet) => connections(pid, &sockets),
                    _ => waited_fds(pid, waits, &args),
                };
                if let Some(inode) = fds.into_iter().find_map(|fd| unix_inode(pid, fd, &on, &sockets)) {
                    sockets_waited.push((pid, tid, inode, on.clone()));
                }
            }
            out.blocked.push(Blocked {
                tid,
                comm: comm.clone(),
                call: InFlight { syscall: syscall.to_string(), on, idle },
            });
        }
    }
    let mut holders: Vec<Pid> = out.blocked.iter().filter_map(|b| b.call.on.lock_holder()).collect();
    holders.sort_unstable();
    holders.dedup();
    out.holders = holders.into_iter().map(|h| (h, doing(h, &sockets, &locks))).collect();
    let (pipe_ends, socket_ends) = other_ends(&out.blocked, &sockets_waited, &sockets, &locks);
    (out.pipe_ends, out.socket_ends) = (pipe_ends, socket_ends);
    out
}

/// The descriptors a blocked call named by `waits` waits on.
fn waited_fds(pid: Pid, waits: Waits, args: &[u64; 6]) -> Vec<i64> {
    let fd = i64::from(args[0] as i32);
    match waits {
        Waits::Fd => vec![fd],
        Waits::PollSet => poll_fds(pid, args[0], args[1]),
        Waits::EpollSet => epoll_fds(pid, fd),
        _ => Vec::new(),
    }
}

/// The inode of descriptor `fd` of `pid` when it is the unix socket named `on`.
fn unix_inode(pid: Pid, fd: i64, on: &On, sockets: &Sockets) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
    let inode: u64 = link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()?;
    (sockets.unix.contains_key(&inode) && sockets.target(inode) == *on).then_some(inode)
}

/// Unix sockets waited on whose peer is asked of the kernel (one request each).
const PEERS_ASKED: usize = 256;

/// Processes whose descriptors are read for pipe ends, and descriptors per process.
const PROCESSES_READ: usize = 4096;
const FDS_READ: usize = 1024;

/// For each pipe a blocked thread waits on, the other processes holding its other end; for
/// each unix socket one waits on (`sockets_waited`: pid, tid, inode, target), those holding
/// its peer. One walk of `/proc/*/fd` finds both.
fn other_ends(
    blocked: &[Blocked],
    sockets_waited: &[(Pid, Pid, u64, On)],
    sockets: &Sockets,
    locks: &str,
) -> (Vec<PipeEnd>, Vec<SocketEnd>) {
    let mut wanted: Vec<(u64, bool, Pid)> = blocked
        .iter()
        .filter_map(|b| {
            let On::Pipe(name) = &b.call.on else { return None };
            let inode = crate::analysis::waits::pipe_inode(name.as_bytes())?;
            // a writer waits for the reader to make room; everything else waits for data
            Some((inode, !matches!(b.call.syscall.as_str(), "write" | "writev" | "pwrite64"), b.tid))
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup_by_key(|w| (w.0, w.1));
    let sockets_waited = &sockets_waited[..sockets_waited.len().min(PEERS_ASKED)];
    let peers: Vec<(u64, u64, Pid)> =
        sockets_waited.iter().map(|(pid, _, inode, _)| (*inode, host::unix_peer(*inode).unwrap_or(0), *pid)).collect();
    let mut found: Vec<Vec<Pid>> = vec![Vec::new(); wanted.len()];
    let mut peer_found: Vec<Vec<Pid>> = vec![Vec::new(); peers.len()];
    // processes holding both ends of a socketpair (its maker, which never closed the half it
    // handed on): they hold the peer but are not the ones expected to answer
    let mut both: Vec<Vec<Pid>> = vec![Vec::new(); peers.len()];
    let pids: Vec<Pid> = if wanted.is_empty() && peers.iter().all(|p| p.1 == 0) {
        Vec::new()
    } else {
        std::fs::read_dir("/proc")
            .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).take(PROCESSES_READ).collect())
            .unwrap_or_default()
    };
    let mut links = 0;
    'walk: for &pid in &pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { continue };
        for fd in fds.take(FDS_READ).filter_map(|e| e.ok()) {
            links += 1;
            if links > host::MAX_FD_LINKS {
                break 'walk;
            }
            let Ok(link) = std::fs::read_link(fd.path()) else { continue };
            let link = link.as_os_str().as_bytes();
            if let Some(ino) = link.strip_prefix(b"socket:[").and_then(|l| l.strip_suffix(b"]")) {
                let ino: u64 = std::str::from_utf8(ino).ok().and_then(|i| i.parse().ok()).unwrap_or(0);
                for (k, &(mine, peer, waiter)) in peers.iter().enumerate() {
                    if ino != 0 && ino == peer && pid != waiter && !peer_found[k].contains(&pid) {
                        peer_found[k].push(pid);
                    }
                    if ino != 0 && ino == mine && pid != waiter && !both[k].contains(&pid) {
                        both[k].push(pid);
                    }
                }
                continue;
            }
            let Some(ino) = crate::analysis::waits::pipe_inode(link) else { continue };
            for (k, &(inode, write_end, waiter)) in wanted.iter().enumerate() {
                if ino != inode || pid == waiter || found[k].contains(&pid) {
                    continue;
                }
                let name = fd.file_name();
                if opened_for_writing(pid, &name.to_string_lossy()) == Some(write_end) {
                    found[k].push(pid);
                }
            }
        }
    }
    let pipe_ends = wanted
        .into_iter()
        .zip(found)
        .map(|((inode, write_end, _), holders)| PipeEnd {
            inode,
            write_end,
            holders: holders.into_iter().map(|h| (h, doing_call(h, sockets, locks))).collect(),
        })
        .collect();
    let socket_ends = sockets_waited
        .iter()
        .zip(peer_found.into_iter().zip(both))
        .filter(|(_, (holders, _))| !holders.is_empty())
        .map(|((_, tid, inode, on), (mut holders, both))| {
            holders.sort_by_key(|h| both.contains(h));
            let holders = holders
                .into_iter()
                .map(|h| {
                    let argv = host::command_line(h).unwrap_or_default();
                    (h, crate::heuristics::explain::command(&argv).to_string(), doing_call(h, sockets, locks))
                })
                .collect();
            SocketEnd { waiter: *tid, on: on.clone(), inode: *inode, holders }
        })
        .collect();
    (pipe_ends, socket_ends)
}

/// Whether descriptor `fd` of `pid` was opened for writing (`flags:` of its fdinfo).
fn opened_for_writing(pid: Pid, fd: &str) -> Option<bool> {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?.trim();
    let flags = u32::from_str_radix(flags, 8).ok()?;
    Some(flags & 3 == 1)
}

/// What process `pid` is doing now: the call it is blocked in and on what, else `running`.
fn doing(pid: Pid, sockets: &Sockets, locks: &str) -> String {
    if std::fs::metadata(format!("/proc/{pid}")).is_err() {
        return "gone".to_string();
    }
    match doing_call(pid, sockets, locks) {
        Some((name, on)) => format!("{name} on {}", on.label()),
        None => "running".to_string(),
    }
}

/// The call `pid` is blocked in now and what it waits on (none: running, or gone).
fn doing_call(pid: Pid, sockets: &Sockets, locks: &str) -> Option<(&'static str, On)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    let (nr, args) = parse_syscall(&text)?;
    let (name, waits) = call_of(nr)?;
    Some((name, target(pid, (name, waits), &args, sockets, locks)))
}

/// `restart_syscall` on x86_64: a call interrupted by a stop (an earlier strace, a SIGSTOP)
/// goes on; its arguments are gone.
const RESTART_SYSCALL: i64 = 219;

/// The call a thread in `restart_syscall` goes on with, from where it sleeps in the kernel
/// (`/proc/PID/task/TID/wchan`).
fn restarted(pid: Pid, tid: Pid) -> Option<(&'static str, Waits)> {
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/wchan")).ok()?;
    if wchan.contains("poll") || wchan.contains("select") {
        Some(("poll", Waits::PollSet))
    } else if wchan.contains("nanosleep") {
        Some(("nanosleep", Waits::Sleep))
    } else {
        None
    }
}

/// The descriptors of `pid` connected to a peer (tcp, udp, unix).
fn connections(pid: Pid, sockets: &Sockets) -> Vec<i64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    let mut fds: Vec<i64> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    fds.sort_unstable();
    fds.retain(|&fd| matches!(descriptor(pid, fd, sockets), On::Peer { .. }));
    fds.truncate(SET);
    fds
}

/// `7 0x7fd3bf94c750 0x1 0x7530 …`: the call's number and its six arguments (`running` and
/// `-1 …`, a thread outside any call, are none).
fn parse_syscall(text: &str) -> Option<(i64, [u64; 6])> {
    let mut words = text.split_whitespace();
    let nr: i64 = words.next()?.parse().ok()?;
    let mut args = [0u64; 6];
    for a in &mut args {
        *a = u64::from_str_radix(words.next()?.trim_start_matches("0x"), 16).ok()?;
    }
    (nr >= 0).then_some((nr, args))
}

/// Waits owed nothing: a server waiting for clients, a terminal, a child's own waits telling
/// where the time went, a pool thread waiting for work, a sleep (see `analysis::waits`).
fn is_idle(on: &On, waits: Waits) -> bool {
    on.is_idle()
        || matches!(waits, Waits::Child | Waits::Futex | Waits::Sleep | Waits::Signal)
        || matches!(on, On::Pipe(_) | On::Other(_))
}

fn target(pid: Pid, (name, waits): (&str, Waits), args: &[u64; 6], sockets: &Sockets, locks: &str) -> On {
    // descriptors and pids are C ints: the low 32 bits of the register
    let fd = |k: usize| Some(i64::from(args[k] as i32));
    match waits {
        Waits::Fd => fd(0).map_or_else(|| On::Other("a descriptor".into()), |fd| descriptor(pid, fd, sockets)),
        Waits::PollSet => set(pid, poll_fds(pid, args[0], args[1]), sockets),
        Waits::EpollSet => set(pid, fd(0).map(|ep| epoll_fds(pid, ep)).unwrap_or_default(), sockets),
        Waits::Futex => On::Futex(format!("futex {:#x}", args[0])),
        Waits::Sleep => On::Sleep,
        Waits::Child => On::Child(Some(args[0] as i32).filter(|&p| p > 0).map(i32::unsigned_abs)),
        Waits::Lock => lock(pid, fd(0), sockets, locks),
        Waits::Signal => On::Other("a signal".into()),
        // as the trace prints the id: an aio context in hex, an IPC id in decimal
        Waits::Named if name.starts_with("io_") => On::Other(blocked_on_named(name, &format!("{:#x}", args[0]))),
        Waits::Named => On::Other(blocked_on_named(name, &(args[0] as i32).to_string())),
        Waits::Path(k) => match read_path(pid, args[k]) {
            // relative to the working directory (`openat(AT_FDCWD, …)`, most opens) or to the
            // directory descriptor
            Some(p) if p.starts_with(b"/") => On::File(p),
            Some(p) => {
                let base = match k {
                    0 => std::fs::read_link(format!("/proc/{pid}/cwd")).ok(),
                    _ if args[0] as i32 == -100 => std::fs::read_link(format!("/proc/{pid}/cwd")).ok(),
                    _ => std::fs::read_link(format!("/proc/{pid}/fd/{}", args[0] as i32)).ok(),
                };
                match base {
                    Some(b) => On::File(b.join(std::ffi::OsStr::from_bytes(&p)).into_os_string().into_vec()),
                    None => On::File(p),
                }
            }
            None => On::Other(crate::analysis::waits::UNKNOWN.into()),
        },
        Waits::Other => On::Other(crate::analysis::waits::UNKNOWN.into()),
    }
}

/// The path (a C string, at most 4 KiB) at `addr` in `pid`'s memory.
fn read_path(pid: Pid, addr: u64) -> Option<Vec<u8>> {
    const PATH_MAX: usize = 4096;
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).ok()?;
    let mut buf = vec![0u8; PATH_MAX];
    // a page boundary may end the readable memory before PATH_MAX: read up to it first
    let first = PATH_MAX.min(4096 - (addr % 4096) as usize);
    let mut got = mem.read_at(&mut buf[..first], addr).ok()?;
    if !buf[..got].contains(&0) && got == first {
        got += mem.read_at(&mut buf[first..], addr + first as u64).unwrap_or(0);
    }
    let end = buf[..got].iter().position(|&b| b == 0)?;
    buf.truncate(end);
    (!buf.is_empty()).then_some(buf)
}

/// Descriptor `fd` of `pid`, named as a trace's `-yy` decoration would name it.
fn descriptor(pid: Pid, fd: i64, sockets: &Sockets) -> On {
    let Ok(link) = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")) else { return On::Other(format!("fd {fd}")) };
    let link = link.to_string_lossy().into_owned();
    if let Some(inode) = link.strip_prefix("socket:[").and_then(|r| r.strip_suffix(']')).and_then(|i| i.parse().ok()) {
        return sockets.target(inode);
    }
    let arg = FdArg { num: Some(fd), decoration: Some(std::borrow::Cow::Owned(link.into_bytes())) };
    on::descriptor(&arg, None).bounded()
}

/// A wait on several descriptors: the one connection among them (what a client waits on),
/// else the one descriptor, else a count.
fn set(pid: Pid, fds: Vec<i64>, sockets: &Sockets) -> On {
    let ons: Vec<On> = fds.iter().map(|&fd| descriptor(pid, fd, sockets)).collect();
    let mut peers = ons.iter().filter(|o| matches!(o, On::Peer { .. }));
    match (peers.next(), peers.next(), ons.as_slice()) {
        (Some(one), None, _) | (_, _, [one]) => one.clone(),
        (_, _, []) => On::Sleep,
        (_, _, many) => {
            let first = String::from_utf8_lossy(many[0].label().as_bytes()).into_owned();
            On::Other(format!("{} descriptors ({first}, …)", many.len()))
        }
    }
}

/// The descriptors of the `poll` array at `addr` (`struct pollfd`: int fd, short, short).
fn poll_fds(pid: Pid, addr: u64, n: u64) -> Vec<i64> {
    let n = usize::try_from(n).unwrap_or(0).min(SET);
    let Ok(mem) = std::fs::File::open(format!("/proc/{pid}/mem")) else { return Vec::new() };
    let mut buf = vec![0u8; n * 8];
    if mem.read_exact_at(&mut buf, addr).is_err() {
        return Vec::new();
    }
    buf.chunks(8)
        .filter_map(|c| Some(i64::from(i32::from_ne_bytes(c.get(..4)?.try_into().ok()?))))
        .filter(|&fd| fd >= 0)
        .collect()
}

/// The descriptors registered in epoll instance `ep` (`tfd:` lines of its fdinfo).
fn epoll_fds(pid: Pid, ep: i64) -> Vec<i64> {
    let mut text = String::new();
    let read = std::fs::File::open(format!("/proc/{pid}/fdinfo/{ep}")).and_then(|mut f| f.read_to_string(&mut text));
    if read.is_err() {
        return Vec::new();
    }
    text.lines().filter_map(|l| l.strip_prefix("tfd:")?.split_whitespace().next()?.parse().ok()).take(SET).collect()
}

/// A lock wait on `fd`: its file, with the pid holding it (`/proc/locks`, by inode).
fn lock(pid: Pid, fd: Option<i64>, sockets: &Sockets, locks: &str) -> On {
    let Some(fd) = fd else { return On::Lock(b"a file".to_vec()) };
    let path = match descriptor(pid, fd, sockets) {
        On::File(p) => p,
        other => other.label().as_bytes().to_vec(),
    };
    let inode = std::fs::metadata(format!("/proc/{pid}/fd/{fd}")).ok().map(|m| std::os::unix::fs::MetadataExt::ino(&m));
    let holder = inode.and_then(|ino| holder_of(locks, ino, pid));
    match holder {
        Some(h) => On::Lock([&path[..], on::HELD_BY, format!("{h})").as_bytes()].concat()),
        None => On::Lock(path),
    }
}

/// `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF`: the pid holding a lock on inode `ino`
/// (waiters' lines have `->`), other than `waiter`.
fn holder_of(locks: &str, ino: u64, waiter: Pid) -> Option<Pid> {
    locks.lines().filter(|l| !l.contains("->")).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let holder: Pid = f.get(4)?.parse().ok()?;
        let inode: u64 = f.get(5)?.rsplit(':').next()?.parse().ok()?;
        (inode == ino && holder != waiter).then_some(holder)
    })
}

/// The time of day now in seconds, on the clock of strace's `-tt` timestamps (local time).
pub(crate) fn clock_of_day() -> Option<f64> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?;
    let secs = libc::time_t::try_from(now.as_secs()).ok()?;
    // SAFETY: localtime_r(3) writes only into `tm`, which lives on this stack.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return None;
        }
        tm
    };
    Some(f64::from(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + f64::from(now.subsec_micros()) / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_syscall_lines() {
        let (nr, args) =
            parse_syscall("7 0x7fd3bf94c750 0x1 0x7530 0x1 0x0 0x0 0x7ffe844c4c38 0x7fd3bfb1a230\n").unwrap();
        assert_eq!((nr, args[1], args[2]), (7, 1, 30_000));
        assert!(parse_syscall("running\n").is_none());
        assert!(parse_syscall("-1 0x7ffe 0x7f\n").is_none());
    }

    #[test]
    fn proc_net_addresses() {
        assert_eq!(address("0100007F:1539", false).as_deref(), Some("127.0.0.1:5433"));
        assert_eq!(address("00000000000000000000000001000000:0050", true).as_deref(), Some("[::1]:80"));
        assert_eq!(address("0000000000000000FFFF00000100007F:1F90", true).as_deref(), Some("127.0.0.1:8080"));
    }

    #[test]
    fn the_lock_holder_is_the_line_without_an_arrow() {
        let locks =
            "1: FLOCK  ADVISORY  WRITE 4100 08:01:5678 0 EOF\n1: -> FLOCK  ADVISORY  WRITE 4200 08:01:5678 0 EOF\n";
        assert_eq!(holder_of(locks, 5678, 4200), Some(4100));
        assert_eq!(holder_of(locks, 9, 4200), None);
    }
}

//! What this host says about its processes, read from `/proc`: the descendants of a process
//! (for `attach`, and for warning that a piped trace missed some), when a process started,
//! which ids a process acts with, whether a command can be found, which socket is at the
//! other end of a unix socket (the kernel's sock_diag netlink: `/proc` does not say). Only
//! `drive`, `inflight` and `tracer` ask; the analysis never does (drive hands it what to ask).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::event::Pid;

/// A bound on the processes walked below one root (a fork bomb must not stall us).
pub const MAX_DESCENDANTS: usize = 10_000;

/// The live children of every thread of `pid`, as `/proc/PID/task/*/children` lists them.
pub fn children(pid: Pid) -> Vec<Pid> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(text.split_ascii_whitespace().filter_map(|p| p.parse::<Pid>().ok()));
        }
    }
    out
}

/// Every live descendant of `pid` (children, their children, ...), in the order found, without
/// this process and what it started, nor its ancestors (attaching to an ancestor of straceback
/// must not trace straceback itself, nor what draws its output).
pub fn descendants(pid: Pid) -> Vec<Pid> {
    walk(pid, &my_ancestors()).0
}

/// The parent of `pid` (`/proc/PID/stat` field 4), if it has a live one.
fn parent(pid: Pid) -> Option<Pid> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.split_ascii_whitespace().nth(1)?.parse().ok().filter(|&p| p != 0)
}

/// straceback's ancestors, its parent first (a bounded walk: pid namespaces are shallow).
pub fn my_ancestors() -> BTreeSet<Pid> {
    let mut out = BTreeSet::new();
    let mut p = std::process::id();
    while let Some(up) = parent(p).filter(|&up| out.len() < 4096 && out.insert(up)) {
        p = up;
    }
    out
}

/// [`descendants`] of `pid`, and how many of them were left out because they are in `skip`
/// (walked through, never listed: attaching to straceback's terminal multiplexer or login shell
/// would trace the process that draws straceback's own output, a loop without end).
fn walk(pid: Pid, skip: &BTreeSet<Pid>) -> (Vec<Pid>, usize) {
    let me = std::process::id();
    let mut seen = BTreeSet::from([pid]);
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut next = vec![pid];
    while let Some(p) = next.pop() {
        for c in children(p) {
            if c == me || !seen.insert(c) || out.len() >= MAX_DESCENDANTS {
                continue;
            }
            if skip.contains(&c) {
                skipped += 1;
            } else {
                out.push(c);
            }
            next.push(c);
        }
    }
    (out, skipped)
}

/// A process and the live processes below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub root: Pid,
    pub below: Vec<Pid>,
    /// Every one below is a child of `root` (else some are grandchildren).
    pub children_only: bool,
    /// straceback's own ancestors found below `root`, left out (see [`walk`]).
    pub left_out: usize,
}

impl Tree {
    /// `root` and its live descendants but straceback's ancestors.
    pub fn of(root: Pid) -> Tree {
        let (below, left_out) = walk(root, &my_ancestors());
        let direct = children(root);
        let children_only = below.iter().all(|p| direct.contains(p));
        Tree { root, below, children_only, left_out }
    }

    /// Only the processes `keep` accepts (a tree whose root goes keeps the rest).
    pub fn retain(&mut self, mut keep: impl FnMut(Pid) -> bool) {
        self.below.retain(|&p| keep(p));
    }
}

/// The process tracing `pid` (the `TracerPid:` of its status) and its command name, if one
/// does.
pub fn tracer(pid: Pid) -> Option<(Pid, String)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let by: Pid = status.lines().find_map(|l| l.strip_prefix("TracerPid:"))?.trim().parse().ok().filter(|&p| p != 0)?;
    let name =
        std::fs::read_to_string(format!("/proc/{by}/comm")).map(|c| c.trim_end().to_string()).unwrap_or_default();
    Some((by, name))
}

/// A process strace could not attach to (`strace: attach: ptrace(PTRACE_SEIZE, N): WHY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub pid: u32,
    /// strace's reason: `Operation not permitted`, `No such process` (it exited meanwhile).
    pub why: String,
    /// A pid given to `attach` (else one found below one).
    pub asked: bool,
    /// The process that traces it already, and its name, when one does.
    pub traced_by: Option<(u32, String)>,
}

/// Whether `pid` exists (a zombie counts as gone).
pub fn is_alive(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| stat_state(&s).is_some_and(|c| c != 'Z'))
}

/// The state letter of a `/proc/PID/stat` line (after the parenthesised command name).
fn stat_state(stat: &str) -> Option<char> {
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// When `pid` started, to the clock tick (`/proc/PID/stat` field 22 after the boot time).
pub fn started_at(pid: Pid) -> Option<SystemTime> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // fields after the command name start with field 3 (the state); starttime is field 22
    let ticks: u64 = stat.rsplit_once(')')?.1.split_ascii_whitespace().nth(19)?.parse().ok()?;
    let boot: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|b| b.trim().parse().ok())?;
    // SAFETY: sysconf(3) touches no memory.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok().filter(|&h| h > 0)?;
    let since_boot = Duration::from_secs(ticks / hz) + Duration::from_nanos((ticks % hz) * 1_000_000_000 / hz);
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(boot) + since_boot)
}

/// The ids a live process has its files checked against, from `/proc/PID/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The filesystem uid and gid (the effective ones, unless set apart by `setfsuid`).
    pub uid: u32,
    pub gid: u32,
    /// The supplementary groups.
    pub groups: Vec<u32>,
}

/// The ids `pid` acts with now, if it is alive (a zombie has none to act with).
pub fn ids(pid: Pid) -> Option<Ids> {
    is_alive(pid)
        .then(|| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .flatten()
        .and_then(|s| parse_ids(&s))
}

/// `Uid:`/`Gid:` (real, effective, saved, filesystem) and `Groups:` of a status file.
fn parse_ids(status: &str) -> Option<Ids> {
    let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::split_ascii_whitespace);
    let fs_id = |name: &str| field(name)?.nth(3)?.parse().ok();
    let groups = field("Groups:")?.map(str::parse).collect::<Result<Vec<u32>, _>>().ok()?;
    Some(Ids { uid: fs_id("Uid:")?, gid: fs_id("Gid:")?, groups })
}

/// Whether `name` names a command that exists, looked up as strace and a shell do (a name
/// with a `/` as a path, any other in `$PATH`).
pub fn command_exists(name: &str) -> bool {
    if name.contains('/') {
        return Path::new(name).exists();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| !name.is_empty() && dir.join(name).is_file()))
}

/// `/proc/PID/limits` of a live `pid` (its descriptor limits are read from it).
pub fn limits(pid: Pid) -> Option<String> {
    is_alive(pid).then(|| std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()).flatten()
}

/// Descriptor links read looking for a socket's holder: a host with a million open
/// descriptors must not stall the report.
pub(crate) const MAX_FD_LINKS: usize = 200_000;

/// The process holding a socket bound to local `port` (tcp or udp, v4 or v6, in this network
/// namespace), and its command line: the socket's inode from `/proc/net/*`, then the first
/// process (lowest pid) with a descriptor on it. `None` when not found, or when the descriptors
/// of other users' processes cannot be read (not root).
pub fn port_holder(port: u16) -> Option<(Pid, Vec<Vec<u8>>)> {
    let mut inodes = Vec::new();
    for table in ["tcp", "tcp6", "udp", "udp6"] {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/net/{table}")) {
            inodes.extend(socket_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let wanted: BTreeSet<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    let me = std::process::id();
    let mut pids: Vec<Pid> = std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|&p| p != me)
        .collect();
    pids.sort_unstable();
    let mut links = 0;
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { continue };
        for fd in fds.flatten() {
            links += 1;
            if links > MAX_FD_LINKS {
                return None;
            }
            let held = std::fs::read_link(fd.path()).is_ok_and(|t| t.to_str().is_some_and(|t| wanted.contains(t)));
            if held {
                return Some((pid, command_line(pid).unwrap_or_default()));
            }
        }
    }
    None
}

/// The command line of `pid` (`/proc/PID/cmdline`), as the process shows it now: a master
/// process may have rewritten it into one title (`nginx: master process …`).
pub fn command_line(pid: Pid) -> Option<Vec<Vec<u8>>> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(cmdline.split(|&c| c == 0).filter(|a| !a.is_empty()).map(<[u8]>::to_vec).collect())
}

/// The inodes of the sockets bound to local `port` in one `/proc/net/{tcp,udp}[6]` table
/// (`text`), listening ones first; sockets without one (`TIME_WAIT`) left out.
fn socket_inodes(text: &str, port: u16) -> Vec<u64> {
    // a local address is `0100007F:1F90` (v4) or 32 hex digits and the port (v6); state `0A`
    // is a listening tcp socket
    let mut found: Vec<(bool, u64)> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_ascii_whitespace().collect();
            let local_port = u16::from_str_radix(f.get(1)?.rsplit_once(':')?.1, 16).ok()?;
            let inode: u64 = f.get(9)?.parse().ok()?;
            (local_port == port && inode != 0).then_some((*f.get(3)? != "0A", inode))
        })
        .collect();
    found.sort_unstable();
    found.into_iter().map(|(_, inode)| inode).collect()
}

/// sock_diag's message type and the unix family's request and attribute numbers
/// (`linux/sock_diag.h`, `linux/unix_diag.h`).
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const UDIAG_SHOW_PEER: u32 = 0x4;
const UNIX_DIAG_PEER: u16 = 2;
const NLMSG_ERROR: u16 = 2;
/// `struct nlmsghdr` and `struct unix_diag_msg`, in bytes.
const NLMSG_HDR: usize = 16;
const UNIX_DIAG_MSG: usize = 16;

/// The inode of the socket at the other end of unix socket `inode` (the other half of a
/// socketpair, the accepted end of a connection), asked of the kernel's sock_diag netlink
/// interface: `/proc/net/unix` does not say. `None` when the socket is not connected, not a
/// unix socket of this network namespace, or the interface is missing or refused (not Linux,
/// no `unix_diag`), or its reply is not one the request asked for.
pub fn unix_peer(inode: u64) -> Option<u64> {
    let ino = u32::try_from(inode).ok().filter(|&i| i != 0)?;
    let reply = unix_diag(&unix_diag_request(ino))?;
    unix_peer_of(&reply, ino)
}

/// A request for unix socket `ino`, in any state, with its peer: a `nlmsghdr`
/// (`NLM_F_REQUEST`) and a `unix_diag_req` with no cookie to match.
fn unix_diag_request(ino: u32) -> Vec<u8> {
    let mut req = Vec::with_capacity(NLMSG_HDR + 24);
    req.extend_from_slice(&((NLMSG_HDR + 24) as u32).to_ne_bytes());
    req.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    req.extend_from_slice(&1u16.to_ne_bytes()); // NLM_F_REQUEST
    req.extend_from_slice(&1u32.to_ne_bytes()); // sequence
    req.extend_from_slice(&0u32.to_ne_bytes()); // to the kernel
    req.push(1); // AF_UNIX
    req.extend_from_slice(&[0, 0, 0]); // protocol, padding
    req.extend_from_slice(&u32::MAX.to_ne_bytes()); // every state
    req.extend_from_slice(&ino.to_ne_bytes());
    req.extend_from_slice(&UDIAG_SHOW_PEER.to_ne_bytes());
    req.extend_from_slice(&[0xff; 8]); // INET_DIAG_NOCOOKIE twice
    req
}

/// Sends `request` on a sock_diag netlink socket and returns the kernel's reply, waiting at
/// most a second for it.
#[cfg(target_os = "linux")]
fn unix_diag(request: &[u8]) -> Option<Vec<u8>> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    // SAFETY: socket(2) takes no pointers; a descriptor it returns is owned by `sock` alone.
    let raw = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, libc::NETLINK_SOCK_DIAG) };
    if raw < 0 {
        return None;
    }
    // SAFETY: `raw` is a fresh descriptor nothing else holds.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    let timeout = libc::timeval { tv_sec: 1, tv_usec: 0 };
    // SAFETY: the option value is a timeval on this stack, its length given.
    let set = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            std::ptr::from_ref(&timeout).cast(),
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if set != 0 {
        return None;
    }
    // SAFETY: an all-zero sockaddr_nl is valid (pid 0, groups 0: the kernel).
    let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    // SAFETY: `request` and `kernel` outlive the call, their lengths given.
    let sent = unsafe {
        libc::sendto(
            sock.as_raw_fd(),
            request.as_ptr().cast(),
            request.len(),
            0,
            std::ptr::from_ref(&kernel).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    };
    if usize::try_from(sent).ok() != Some(request.len()) {
        return None;
    }
    let mut buf = vec![0u8; 8192];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let got = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    buf.truncate(usize::try_from(got).ok()?);
    Some(buf)
}

#[cfg(not(target_os = "linux"))]
fn unix_diag(_request: &[u8]) -> Option<Vec<u8>> {
    None
}

/// The peer inode in a sock_diag `reply` about unix socket `ino`: the `UNIX_DIAG_PEER`
/// attribute of a `SOCK_DIAG_BY_FAMILY` message for that inode. Every length is checked: a
/// short, truncated or error reply, or one about another socket, gives `None`.
fn unix_peer_of(reply: &[u8], ino: u32) -> Option<u64> {
    let u16_at = |b: &[u8], at: usize| Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |b: &[u8], at: usize| Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?));
    let mut rest = reply;
    while rest.len() >= NLMSG_HDR {
        let len = usize::try_from(u32_at(rest, 0)?).ok()?;
        if len < NLMSG_HDR || len > rest.len() {
            return None;
        }
        let (msg, next) = rest.split_at(len);
        match u16_at(msg, 4)? {
            NLMSG_ERROR => return None,
            SOCK_DIAG_BY_FAMILY => {
                let body = &msg[NLMSG_HDR..];
                // unix_diag_msg: family, type, state, pad, inode, cookie
                if body.len() < UNIX_DIAG_MSG || body[0] != 1 || u32_at(body, 4)? != ino {
                    return None;
                }
                let mut attrs = &body[UNIX_DIAG_MSG..];
                while attrs.len() >= 4 {
                    let nla_len = usize::from(u16_at(attrs, 0)?);
                    if nla_len < 4 || nla_len > attrs.len() {
                        return None;
                    }
                    // the top two bits are flags (nested, byte order)
                    if u16_at(attrs, 2)? & 0x3fff == UNIX_DIAG_PEER && nla_len >= 8 {
                        return u32_at(attrs, 4).filter(|&p| p != 0).map(u64::from);
                    }
                    attrs = attrs.get(nla_len.next_multiple_of(4)..).unwrap_or_default();
                }
                return None;
            }
            _ => {}
        }
        rest = next.get((len.next_multiple_of(4) - len).min(next.len())..).unwrap_or_default();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sock_diag reply as the kernel builds it: a header, a `unix_diag_msg` for `ino`, then
    /// the attributes given (type, payload).
    fn diag_reply(kind: u16, ino: u32, attrs: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = vec![1, 1, 1, 0];
        body.extend_from_slice(&ino.to_ne_bytes());
        body.extend_from_slice(&[0; 8]);
        for (t, payload) in attrs {
            body.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
            body.extend_from_slice(&t.to_ne_bytes());
            body.extend_from_slice(payload);
            body.resize(body.len().next_multiple_of(4), 0);
        }
        let mut msg = ((16 + body.len()) as u32).to_ne_bytes().to_vec();
        msg.extend_from_slice(&kind.to_ne_bytes());
        msg.extend_from_slice(&[0; 10]);
        msg.extend_from_slice(&body);
        msg
    }

    #[test]
    fn the_peer_of_a_unix_socket_from_a_sock_diag_reply() {
        let peer = 4242u32.to_ne_bytes();
        // a name attribute first (odd length, padded), then the peer
        let good = diag_reply(SOCK_DIAG_BY_FAMILY, 77, &[(0, b"/run/x"), (UNIX_DIAG_PEER, &peer)]);
        assert_eq!(unix_peer_of(&good, 77), Some(4242));
        // about another socket, an error, no peer, a peer of 0
        assert_eq!(unix_peer_of(&good, 78), None);
        assert_eq!(unix_peer_of(&diag_reply(NLMSG_ERROR, 77, &[(UNIX_DIAG_PEER, &peer)]), 77), None);
        assert_eq!(unix_peer_of(&diag_reply(SOCK_DIAG_BY_FAMILY, 77, &[(0, b"/run/x")]), 77), None);
        assert_eq!(unix_peer_of(&diag_reply(SOCK_DIAG_BY_FAMILY, 77, &[(UNIX_DIAG_PEER, &[0; 4])]), 77), None);
        // short or truncated anywhere: never read past the bytes
        for cut in 0..good.len() {
            assert_eq!(unix_peer_of(&good[..cut], 77), None, "cut at {cut}");
        }
        // a length field that lies (too long, too short), an attribute longer than its message
        let mut long = good.clone();
        long[..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert_eq!(unix_peer_of(&long, 77), None);
        let mut short = good.clone();
        short[..4].copy_from_slice(&3u32.to_ne_bytes());
        assert_eq!(unix_peer_of(&short, 77), None);
        let mut attr = good.clone();
        attr[32..34].copy_from_slice(&500u16.to_ne_bytes());
        assert_eq!(unix_peer_of(&attr, 77), None);
        assert_eq!(unix_peer_of(&[], 77), None);
    }

    #[test]
    fn the_peer_of_a_socketpair_half_is_the_other_half() {
        use std::os::unix::fs::MetadataExt;
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let ino = |s: &std::os::unix::net::UnixStream| {
            use std::os::fd::AsRawFd;
            std::fs::metadata(format!("/proc/self/fd/{}", s.as_raw_fd())).unwrap().ino()
        };
        // hosts without unix_diag (not Linux, a locked-down container) answer nothing
        if let Some(peer) = unix_peer(ino(&a)) {
            assert_eq!(peer, ino(&b));
            assert_eq!(unix_peer(ino(&b)), Some(ino(&a)));
        }
        assert_eq!(unix_peer(0), None);
        assert_eq!(unix_peer(u64::MAX), None);
    }

    #[test]
    fn the_sockets_bound_to_a_port() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C351 06 00000000:00000000 03:00001234 00000000     0        0 0 3 0
   3: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0
";
        assert_eq!(socket_inodes(tcp, 8080), vec![111, 222], "the listening one first; TIME_WAIT has none");
        assert_eq!(socket_inodes(tcp, 80), vec![333]);
        assert_eq!(socket_inodes(tcp, 443), Vec::<u64>::new());
        let tcp6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0 100 0 0 10 0
";
        assert_eq!(socket_inodes(tcp6, 8080), vec![444]);
        assert_eq!(socket_inodes("garbage\nmore garbage", 8080), Vec::<u64>::new());
    }

    #[test]
    fn the_holder_of_a_port_this_process_bound_is_found_elsewhere_only() {
        // a socket this process holds: the walk skips straceback itself
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(port_holder(port).map(|(p, _)| p), None);
        assert!(limits(std::process::id()).is_some_and(|l| l.contains("Max open files")));
        drop(listener);
        // another process's is found, with its command line
        let code = "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)";
        let mut py = std::process::Command::new("python3")
            .args(["-c", code])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(py.stdout.take().unwrap()), &mut line).unwrap();
        let port: u16 = line.trim().parse().unwrap();
        let found = port_holder(port);
        py.kill().unwrap();
        py.wait().unwrap();
        let (pid, argv) = found.expect("the listener's holder");
        assert_eq!(pid, py.id(), "{argv:?}");
        assert!(
            argv.first().is_some_and(|a| a.ends_with(b"python3")) && argv.last().is_some_and(|a| a == code.as_bytes())
        );
    }

    #[test]
    fn descendants_are_found_with_their_start_time() {
        // the boot time /proc gives is in whole seconds
        let before = SystemTime::now() - Duration::from_secs(1);
        let mut sh = std::process::Command::new("sh").args(["-c", "sleep 600 & wait"]).spawn().unwrap();
        let pid = sh.id();
        assert!(is_alive(pid));
        // waits for the sleep to start: a bound against hanging (as the tests' harness), not a
        // figure; the sleep outlives it
        let limit = std::time::Instant::now() + Duration::from_secs(300);
        let found = loop {
            let d = descendants(pid);
            if !d.is_empty() || std::time::Instant::now() > limit {
                break d;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(children(pid), found);
        let started = started_at(found[0]).unwrap();
        assert!(started >= before && started <= SystemTime::now() + Duration::from_secs(1), "{started:?}");
        // our own subtree is never listed: attaching to an ancestor must not trace straceback
        assert!(!descendants(std::os::unix::process::parent_id()).contains(&std::process::id()));
        for p in found {
            // SAFETY: kill(2) on the sleep this test started.
            unsafe { libc::kill(i32::try_from(p).unwrap(), libc::SIGKILL) };
        }
        sh.kill().unwrap();
        sh.wait().unwrap();
        assert!(!is_alive(pid));
        assert!(command_exists("sh"));
        assert!(!command_exists("/nonexistent/cmd"));
        assert!(!command_exists("no-such-command-anywhere"));
    }

    #[test]
    fn the_ids_a_process_acts_with() {
        let status = "Name:\tnginx\nUid:\t0\t33\t33\t33\nGid:\t0\t33\t33\t34\nGroups:\t33 4 \n";
        assert_eq!(parse_ids(status), Some(Ids { uid: 33, gid: 34, groups: vec![33, 4] }));
        assert_eq!(parse_ids("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n").map(|i| i.groups), Some(vec![]));
        assert_eq!(parse_ids("Uid:\t0\n"), None);
        // this process, as the kernel has it
        // SAFETY: getuid(2) touches no memory.
        assert_eq!(ids(std::process::id()).map(|i| i.uid), Some(unsafe { libc::geteuid() }));
    }

    #[test]
    fn stat_state_survives_odd_command_names() {
        assert_eq!(stat_state("12 (a) b) S 1 2"), Some('S'));
        assert_eq!(stat_state("garbage"), None);
    }
}

//! What a wait was on, named the way an on-call engineer looks for it: a file by its path, a
//! connection by its peer (`tcp 127.0.0.1:5433`, `udp 127.0.0.53:53`, `unix /run/x.sock`), a
//! lock by its file, a futex by its address, a child by its pid. Names come from strace's `-yy`
//! decorations where printed, else from what the trace showed of the descriptor (its `connect`,
//! `accept`, `listen`, the path it was opened with).

use crate::analysis::process::{proto, FdTarget, ProcessTable, SocketRole};
use crate::event::{FdArg, Pid, SockAddr};
use crate::text::TraceText;

/// A waited-on thing. Connections accepted on one listening address are one target (the
/// server waiting for its clients), not one per client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum On {
    File(Vec<u8>),
    /// A socket connected to this peer (`proto` is tcp, udp or unix).
    Peer {
        proto: &'static str,
        addr: String,
    },
    /// Client connections accepted on this local address (or listening socket).
    Clients {
        proto: &'static str,
        local: String,
    },
    /// A listening socket: waiting for a new client.
    Listening {
        proto: &'static str,
        local: String,
    },
    /// A pipe, by its inode (`pipe:[1234]`).
    Pipe(String),
    /// A terminal: waiting for someone to type.
    Terminal(Vec<u8>),
    /// The file of an `flock`/`fcntl(F_SETLKW)` lock.
    Lock(Vec<u8>),
    /// A futex word, by address.
    Futex(String),
    /// A child process (`None`: any child).
    Child(Option<Pid>),
    Sleep,
    /// What the trace does not name further: `anon_inode:[eventfd]`, `fd 7`, an unresolved
    /// poll set.
    Other(String),
}

/// How a lock's name says who holds it: `lock /run/x.lock (held by pid 812)`.
pub(crate) const HELD_BY: &[u8] = b" (held by pid ";

/// Longest name kept (a path is at most `PATH_MAX`; a hostile trace's may be a megabyte).
const MAX_NAME: usize = 4096;

impl On {
    /// The same target with its name cut to [`MAX_NAME`] bytes (memory is bounded by the
    /// number of targets kept, not by the input).
    pub fn bounded(self) -> On {
        let cut = |mut b: Vec<u8>| {
            b.truncate(MAX_NAME);
            b
        };
        let cut_text = |mut t: String| {
            if t.len() > MAX_NAME {
                let mut at = MAX_NAME;
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                t.truncate(at);
            }
            t
        };
        match self {
            On::File(p) => On::File(cut(p)),
            On::Terminal(p) => On::Terminal(cut(p)),
            On::Lock(p) => On::Lock(cut(p)),
            On::Peer { proto, addr } => On::Peer { proto, addr: cut_text(addr) },
            On::Clients { proto, local } => On::Clients { proto, local: cut_text(local) },
            On::Listening { proto, local } => On::Listening { proto, local: cut_text(local) },
            On::Pipe(p) => On::Pipe(cut_text(p)),
            On::Other(p) => On::Other(cut_text(p)),
            On::Futex(p) => On::Futex(cut_text(p)),
            other => other,
        }
    }

    /// The server waiting for clients, or someone waiting at a terminal: nothing to do.
    pub fn is_idle(&self) -> bool {
        matches!(self, On::Clients { .. } | On::Listening { .. } | On::Terminal(_))
    }

    /// Data or a lock the process cannot go on without: the disk owes it, or whoever holds
    /// the lock.
    pub fn is_always_owed(&self) -> bool {
        matches!(self, On::File(_) | On::Lock(_))
    }

    /// A descriptor's other end, which may owe an answer (or may just have nothing to say).
    pub fn is_channel(&self) -> bool {
        matches!(self, On::Peer { .. } | On::Pipe(_) | On::Other(_))
    }

    /// The process holding a lock, as its name says it (`lock /run/x.lock (held by pid 812)`,
    /// written from the trace's `flock`s or from `/proc/locks`).
    pub fn lock_holder(&self) -> Option<Pid> {
        let On::Lock(name) = self else { return None };
        let at = memchr::memmem::rfind(name, HELD_BY)?;
        let digits = name[at + HELD_BY.len()..].strip_suffix(b")")?;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// The name printed for it (paths kept as the bytes they were).
    pub fn label(&self) -> TraceText {
        let prefixed = |word: &str, b: &[u8]| [word.as_bytes(), b].concat();
        TraceText::from(match self {
            On::File(p) => p.clone(),
            On::Peer { proto, addr } => format!("{proto} {addr}").into_bytes(),
            On::Clients { proto, local } => format!("clients of {proto} {local}").into_bytes(),
            On::Listening { proto, local } => format!("new connections on {proto} {local}").into_bytes(),
            On::Pipe(p) | On::Other(p) | On::Futex(p) => p.clone().into_bytes(),
            On::Terminal(p) => prefixed("terminal ", p),
            On::Lock(p) => prefixed("lock ", p),
            On::Child(Some(pid)) => format!("child {pid}").into_bytes(),
            On::Child(None) => b"any child".to_vec(),
            On::Sleep => b"sleep".to_vec(),
        })
    }
}

/// The target of a wait on descriptor `fd`: its `-yy` decoration, else what the process table
/// knows of it (`tracked`).
pub(crate) fn descriptor(fd: &FdArg, tracked: Option<&FdTarget>) -> On {
    let role = match tracked {
        Some(FdTarget::Socket { role, .. }) => Some(role),
        _ => None,
    };
    if let Some(dec) = fd.decoration.as_deref() {
        if let Some(on) = decorated(dec, role) {
            return on;
        }
    }
    let numbered = || fd.num.map_or_else(|| "a descriptor".to_string(), |n| format!("fd {n}"));
    match (tracked, role) {
        (_, Some(SocketRole::Peer(addr))) => peer(addr, fd, tracked),
        (_, Some(SocketRole::Listening)) => On::Listening { proto: "socket", local: numbered() },
        (_, Some(SocketRole::Client)) => On::Clients { proto: "socket", local: numbered() },
        (Some(FdTarget::Path(p)), _) => file(p),
        _ => On::Other(numbered()),
    }
}

fn file(path: &[u8]) -> On {
    if path.starts_with(b"/dev/pts/") || path.starts_with(b"/dev/tty") {
        On::Terminal(path.to_vec())
    } else {
        On::File(path.to_vec())
    }
}

/// A connection to `addr` through `fd` (see [`proto`]).
pub(crate) fn peer(addr: &SockAddr, fd: &FdArg, tracked: Option<&FdTarget>) -> On {
    On::Peer { proto: proto(addr, tracked, fd.decoration.as_deref()), addr: addr.to_string() }
}

/// [`descriptor`] of `pid`'s descriptor `fd`, with what its process table knows of it.
pub(crate) fn of_process(fd: &FdArg, procs: &mut ProcessTable, pid: Pid) -> On {
    descriptor(fd, fd.num.and_then(|n| procs.fd(pid, n)))
}

/// `/srv/x.log`, `TCP:[127.0.0.1:40000->127.0.0.1:5433]`, `UDP:[…]`, `TCPv6:[[::1]:80]`,
/// `UNIX-STREAM:[1->2,"/run/x.sock"]`, `pipe:[12]`, `anon_inode:[eventfd]`; `None` for a
/// `-y` socket (`socket:[12]`), which says nothing of where it goes.
fn decorated(dec: &[u8], role: Option<&SocketRole>) -> Option<On> {
    if dec.starts_with(b"/") {
        return Some(file(dec));
    }
    let text = String::from_utf8_lossy(dec);
    let (kind, inner) = text.split_once(":[")?;
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    // a socket not yet bound or connected when strace printed it (`TCP:[81233]`): its inode
    // says nothing of where it goes
    if kind != "pipe" && inner.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let proto = match kind {
        "TCP" | "TCPv6" => "tcp",
        "UDP" | "UDPv6" => "udp",
        k if k.starts_with("UNIX") => "unix",
        "pipe" => return Some(On::Pipe(format!("pipe:[{inner}]"))),
        "socket" => return None,
        _ => return Some(On::Other(text.into_owned())),
    };
    if proto == "unix" {
        // `1->2,"/run/x.sock"` or `1,"/run/x.sock"`: the path is the socket file's
        let path = inner.split_once(",\"").map(|(_, p)| p.trim_end_matches('"').to_string());
        let local = path.unwrap_or_else(|| format!("socket:[{inner}]"));
        return Some(match role {
            Some(SocketRole::Listening) => On::Listening { proto, local },
            Some(SocketRole::Client) => On::Clients { proto, local },
            Some(SocketRole::Peer(addr)) => On::Peer { proto, addr: addr.to_string() },
            _ => On::Peer { proto, addr: local },
        });
    }
    Some(match (inner.split_once("->"), role) {
        (Some((local, _)), Some(SocketRole::Client)) => On::Clients { proto, local: local.to_string() },
        (Some((_, remote)), _) => On::Peer { proto, addr: remote.to_string() },
        (None, Some(SocketRole::Client)) => On::Clients { proto, local: inner.to_string() },
        (None, _) => On::Listening { proto, local: inner.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn fd(dec: &str) -> FdArg<'static> {
        FdArg { num: Some(3), decoration: Some(Cow::Owned(dec.as_bytes().to_vec())) }
    }

    fn label(dec: &str, tracked: Option<&FdTarget>) -> String {
        descriptor(&fd(dec), tracked).label().to_string()
    }

    #[test]
    fn decorations_name_the_peer_the_file_or_the_pipe() {
        assert_eq!(label("TCP:[127.0.0.1:40000->127.0.0.1:5433]", None), "tcp 127.0.0.1:5433");
        assert_eq!(label("UDP:[127.0.0.1:5353->127.0.0.53:53]", None), "udp 127.0.0.53:53");
        assert_eq!(label("TCPv6:[[::1]:4000->[::1]:80]", None), "tcp [::1]:80");
        assert_eq!(label("/var/lib/app/data.log", None), "/var/lib/app/data.log");
        assert_eq!(label("pipe:[8812]", None), "pipe:[8812]");
        assert_eq!(label("anon_inode:[eventfd]", None), "anon_inode:[eventfd]");
        assert_eq!(label("UNIX-STREAM:[51->52,\"/run/php/fpm.sock\"]", None), "unix /run/php/fpm.sock");
        assert!(descriptor(&fd("/dev/pts/0"), None).is_idle());
        assert_eq!(label("TCP:[81233]", None), "fd 3");
    }

    #[test]
    fn accepted_connections_are_one_idle_target_per_listening_address() {
        let client = FdTarget::Socket { stream: true, connecting: None, role: SocketRole::Client };
        let a = descriptor(&fd("TCP:[127.0.0.1:80->127.0.0.1:51000]"), Some(&client));
        let b = descriptor(&fd("TCP:[127.0.0.1:80->127.0.0.1:51002]"), Some(&client));
        assert_eq!(a, b);
        assert!(a.is_idle());
        assert_eq!(a.label().to_string(), "clients of tcp 127.0.0.1:80");
        assert!(descriptor(&fd("TCP:[0.0.0.0:80]"), None).is_idle());
    }

    #[test]
    fn without_yy_the_connect_names_the_peer() {
        let addr = SockAddr::Inet { ip: "127.0.0.1".into(), port: 5433 };
        let sock = FdTarget::Socket { stream: true, connecting: None, role: SocketRole::Peer(addr) };
        assert_eq!(label("socket:[991]", Some(&sock)), "tcp 127.0.0.1:5433");
        let bare = FdArg { num: Some(7), decoration: None };
        assert_eq!(descriptor(&bare, None).label().to_string(), "fd 7");
    }
}

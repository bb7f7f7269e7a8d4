//! One descriptor table: what each descriptor of a process (or of the threads sharing it)
//! refers to, with the bytes it holds. A table past [`memory::FD_TABLE`] is emptied and
//! marked: its descriptors are unknown from then on (never guessed), and a count of them is a
//! lower bound.

use rustc_hash::FxHashMap as HashMap;

use crate::event::SockAddr;
use crate::memory;

/// What a descriptor refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum FdTarget {
    Path(Vec<u8>),
    /// A socket; `stream` is true for SOCK_STREAM; `connecting` holds the address of a
    /// non-blocking connect still in progress.
    Socket {
        stream: bool,
        connecting: Option<SockAddr>,
        role: SocketRole,
    },
    Other,
}

/// Which end of a connection a socket is, as far as the trace showed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SocketRole {
    #[default]
    Unknown,
    /// `listen` was called on it.
    Listening,
    /// Returned by `accept`: the server's end of a client's connection.
    Client,
    /// Connected (or connecting) to this address.
    Peer(SockAddr),
}

/// The protocol of a connection to `addr` through a descriptor the table knows as `tracked`
/// (else by its `-yy` decoration): `unix` by the address, `tcp` for a stream socket, `udp`.
pub fn proto(addr: &SockAddr, tracked: Option<&FdTarget>, decoration: Option<&[u8]>) -> &'static str {
    let stream = match tracked {
        Some(FdTarget::Socket { stream, .. }) => *stream,
        _ => !decoration.is_some_and(|d| d.starts_with(b"UDP")),
    };
    match addr {
        SockAddr::Unix { .. } => "unix",
        _ if stream => "tcp",
        _ => "udp",
    }
}

impl FdTarget {
    fn bytes(&self) -> usize {
        memory::ENTRY
            + match self {
                FdTarget::Path(p) => p.len(),
                FdTarget::Socket { connecting, role, .. } => {
                    let unix = |a: &SockAddr| match a {
                        SockAddr::Unix { path, .. } => path.len(),
                        _ => 0,
                    };
                    connecting.as_ref().map_or(0, unix) + if let SocketRole::Peer(a) = role { unix(a) } else { 0 }
                }
                _ => 0,
            }
    }
}

#[derive(Debug, Default, Clone)]
pub(super) struct FdTable {
    fds: HashMap<i64, FdTarget>,
    bytes: usize,
    /// The table was emptied at its cap: descriptors opened before are unknown.
    pub emptied: bool,
}

impl FdTable {
    pub fn get(&self, fd: i64) -> Option<&FdTarget> {
        self.fds.get(&fd)
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The descriptors known, and one above the highest known.
    pub fn count_and_above(&self) -> (usize, usize) {
        let above = self.fds.keys().max().map_or(0, |&fd| usize::try_from(fd + 1).unwrap_or(0));
        (self.fds.len(), above)
    }

    /// Records `fd` (a path longer than the kernel takes is left unknown); returns true when
    /// that emptied the table for the first time.
    pub fn insert(&mut self, fd: i64, target: FdTarget) -> bool {
        if matches!(&target, FdTarget::Path(p) if p.len() > memory::PATH_MAX) {
            self.remove(fd);
            return false;
        }
        self.bytes += target.bytes();
        if let Some(old) = self.fds.insert(fd, target) {
            self.bytes -= old.bytes();
        }
        if self.bytes <= memory::FD_TABLE {
            return false;
        }
        // a new map: clearing would keep the allocation
        let first = !self.emptied;
        (self.fds, self.bytes, self.emptied) = (HashMap::default(), 0, true);
        first
    }

    /// Whether a descriptor is a connection `accept` returned.
    pub fn holds_accepted(&self) -> bool {
        self.fds.values().any(|t| matches!(t, FdTarget::Socket { role: SocketRole::Client, .. }))
    }

    pub fn remove(&mut self, fd: i64) {
        if let Some(old) = self.fds.remove(&fd) {
            self.bytes -= old.bytes();
        }
    }
}

/// How many descriptors a process held (see [`ProcessTable::fds_held`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub count: usize,
    /// False when the trace started after the process did: it may have held more.
    pub complete: bool,
}

/// `[3, 4]` -> (3, 4).
pub(super) fn fd_pair(list: &[u8]) -> Option<(i64, i64)> {
    let inner = std::str::from_utf8(list.strip_prefix(b"[")?.strip_suffix(b"]")?).ok()?;
    let (a, b) = inner.split_once(',')?;
    // `-yy` decorates them: `[3<pipe:[123]>, 4<pipe:[123]>]`
    let num = |t: &str| t.trim().split('<').next()?.parse().ok();
    Some((num(a)?, num(b)?))
}

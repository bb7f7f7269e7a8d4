//! What a waiting call waited on ([`On`]), from its arguments, the poll or epoll set it named
//! and what the process table knows of its descriptors.

use super::on::{self, On};
use super::{calls, Waits, MAX_OPEN, REGISTERED_NAME, SET};
use crate::analysis::process::ProcessTable;
use crate::event::{FdArg, Pid, Syscall};
use crate::syscalls::Does;

impl Waits {
    /// What `sc` waits on and through which descriptor, or `None` when it does not wait (a
    /// futex wake, an fcntl that is no lock wait).
    pub(super) fn target(
        &self,
        pid: Pid,
        sc: &Syscall,
        does: Does,
        procs: &mut ProcessTable,
    ) -> Option<(On, Option<i64>)> {
        let fd = sc.fd.as_ref().and_then(|f| f.num);
        if does.has(Does::POLL) {
            let set = match fd {
                Some(ep) => self.epoll.get(&(pid, ep)).cloned().unwrap_or_default(),
                None => calls::fd_set(sc, SET),
            };
            let (on, fd) = match set.as_slice() {
                [one] => (on::descriptor(one, one.num.and_then(|n| procs.fd(pid, n))), one.num),
                // nothing to wait for but the timeout: a sleep
                [] if fd.is_none() => (On::Sleep, None),
                [] => (On::Other(format!("{} set", sc.name)), None),
                many => {
                    // the one descriptor of the set that owes the process an answer
                    let mut owed = many.iter().filter(|f| f.num.is_some_and(|n| self.owed.contains(&(pid, n))));
                    if let (Some(one), None) = (owed.next(), owed.next()) {
                        return Some((on::descriptor(one, one.num.and_then(|n| procs.fd(pid, n))).bounded(), one.num));
                    }
                    let first = on::descriptor(&many[0], many[0].num.and_then(|n| procs.fd(pid, n))).label();
                    let first = String::from_utf8_lossy(first.as_bytes()).into_owned();
                    (On::Other(format!("{} descriptors ({first}, …)", many.len())), None)
                }
            };
            return Some((on.bounded(), fd));
        }
        self.target_of_call(pid, sc, does, procs).map(|on| (on.bounded(), fd))
    }

    fn target_of_call(&self, pid: Pid, sc: &Syscall, does: Does, procs: &mut ProcessTable) -> Option<On> {
        let described =
            |procs: &mut ProcessTable, fd: &FdArg| on::descriptor(fd, fd.num.and_then(|n| procs.fd(pid, n)));
        if does.has(Does::FUTEX) {
            return calls::futex_wait(sc).map(On::Futex);
        }
        if does.has(Does::WAIT_CHILD) {
            return Some(On::Child(calls::child(sc)));
        }
        if does.has(Does::SLEEP) {
            return Some(On::Sleep);
        }
        let fd = sc.fd.as_ref()?;
        if does.has(Does::LOCK.and(Does::LOCK_IF_SETLKW)) {
            return Some(match described(procs, fd) {
                On::File(p) => On::Lock(p),
                other => On::Lock(other.label().as_bytes().to_vec()),
            });
        }
        if does.has(Does::CONNECT) {
            if let Some(addr) = &sc.addr {
                let udp = fd.decoration.as_deref().is_some_and(|d| d.starts_with(b"UDP"));
                let proto = if matches!(addr, crate::event::SockAddr::Unix { .. }) {
                    "unix"
                } else if udp {
                    "udp"
                } else {
                    "tcp"
                };
                return Some(On::Peer { proto, addr: addr.to_string() });
            }
        }
        let on = described(procs, fd);
        if does.has(Does::ACCEPT) {
            // what an accept waits on is a new client of the socket it listens on
            return Some(match on {
                On::Peer { proto, addr: local } | On::Clients { proto, local } | On::Listening { proto, local } => {
                    On::Listening { proto, local }
                }
                other => On::Listening {
                    proto: "tcp",
                    local: String::from_utf8_lossy(other.label().as_bytes()).into_owned(),
                },
            });
        }
        Some(on)
    }

    /// `epoll_ctl(ep, EPOLL_CTL_ADD, fd, …)`: what a later `epoll_wait` on `ep` may wait on.
    pub(super) fn register(&mut self, pid: Pid, sc: &Syscall) {
        let (Some(ep), Some(mut fd)) = (sc.fd.as_ref().and_then(|f| f.num), calls::epoll_added(sc)) else { return };
        // a socket's decoration is short; a longer one is cut to keep sets small
        if let Some(d) = fd.decoration.as_mut().filter(|d| d.len() > REGISTERED_NAME) {
            d.to_mut().truncate(REGISTERED_NAME);
        }
        if !self.epoll.contains_key(&(pid, ep)) && self.epoll.len() >= MAX_OPEN {
            return;
        }
        let set = self.epoll.entry((pid, ep)).or_default();
        set.retain(|f| f.num != fd.num);
        if set.len() < SET {
            set.push(fd);
        }
    }
}

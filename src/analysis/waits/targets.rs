//! What a waiting call waited on ([`On`]), from its arguments, the poll or epoll set it named
//! and what the process table knows of its descriptors.

use super::on::{self, On};
use super::{blocking, calls, Waits, MAX_OPEN, REGISTERED_NAME, SET};
use crate::analysis::process::ProcessTable;
use crate::event::{FdArg, Pid, Syscall};
use crate::syscalls::Does;

impl Waits {
    /// What `sc` waits on and through which descriptor, or `None` when it does not wait (a
    /// futex wake, an fcntl that is no lock wait).
    pub(super) fn target(
        &self,
        pid: Pid,
        line: u64,
        sc: &Syscall,
        does: Does,
        procs: &mut ProcessTable,
    ) -> Option<(On, Option<i64>)> {
        let fd = sc.fd.as_ref().and_then(|f| f.num);
        if does.has(Does::POLL) {
            let listed;
            let set: &[FdArg] = match fd {
                Some(ep) => self.epoll.get(&(pid, ep)).map_or(&[], Vec::as_slice),
                None => {
                    listed = calls::fd_set(sc, SET);
                    &listed
                }
            };
            // the one descriptor of the set that owes the process an answer
            let mut owed = set.iter().filter(|f| f.num.is_some_and(|n| self.owed.contains(&(pid, n))));
            let owed = match (owed.next(), owed.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            };
            let (on, fd) = match (set, owed) {
                ([one], _) | (_, Some(one)) => {
                    match one.decoration.as_ref().map_or_else(|| self.bare_pipe(pid, one.num), |_| None) {
                        Some(pipe) => (pipe, one.num),
                        None => (on::of_process(one, procs, pid), one.num),
                    }
                }
                // nothing to wait for but the timeout: a sleep
                ([], _) if fd.is_none() => (On::Sleep, None),
                ([], _) => (On::Other(format!("{} set", sc.name)), None),
                (many, None) => {
                    let first = on::of_process(&many[0], procs, pid).label();
                    let first = String::from_utf8_lossy(first.as_bytes()).into_owned();
                    (On::Other(format!("{} descriptors ({first}, …)", many.len())), None)
                }
            };
            return Some((on.bounded(), fd));
        }
        let on = self.target_of_call(pid, line, sc, does, procs)?;
        // a pipe end without -y: named by the pipe2 that made it
        if let (On::Other(_), Some(None)) = (&on, sc.fd.as_ref().map(|f| f.decoration.as_deref())) {
            if let Some(pipe) = self.bare_pipe(pid, fd) {
                return Some((pipe, fd));
            }
        }
        Some((on.bounded(), fd))
    }

    fn target_of_call(&self, pid: Pid, line: u64, sc: &Syscall, does: Does, procs: &mut ProcessTable) -> Option<On> {
        if does.has(Does::FUTEX) {
            return calls::futex_wait(sc).map(On::Futex);
        }
        if does.has(Does::WAIT_CHILD) {
            return Some(On::Child(calls::child(sc)));
        }
        if does.has(Does::SLEEP) {
            return Some(On::Sleep);
        }
        if does.has(Does::OPEN_FD.and(Does::LOOKUP)) {
            return blocking::opened(pid, sc, procs);
        }
        if does.has(Does::BLOCKS) {
            return Some(match sc.fd.as_ref() {
                Some(fd) => on::of_process(fd, procs, pid),
                None => On::Other(calls::blocked_on(sc)),
            });
        }
        let fd = sc.fd.as_ref()?;
        if does.has(Does::LOCK.and(Does::LOCK_IF_SETLKW)) {
            let on = match on::of_process(fd, procs, pid) {
                On::File(p) => On::Lock(p),
                other => On::Lock(other.label().as_bytes().to_vec()),
            };
            return Some(self.with_holder(pid, line, on));
        }
        if let (true, Some(addr)) = (does.has(Does::CONNECT), &sc.addr) {
            return Some(on::peer(addr, fd, fd.num.and_then(|n| procs.fd(pid, n))));
        }
        let on = on::of_process(fd, procs, pid);
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

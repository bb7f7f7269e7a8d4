//! Waits that are not one long call on a descriptor: an `open` that blocks (a FIFO nobody
//! opened from the other side, a device), the sleeps of a retry loop (time spent on the target
//! that keeps failing), and who holds a lock a process waits for.

use super::on::On;
use super::{Waits, MAX_OPEN};
use crate::analysis::process::ProcessTable;
use crate::bytes::contains;
use crate::event::{Pid, Return, Syscall};
use crate::syscalls::{Does, Info};

/// An `open` that took this long waited for something (a FIFO's other end, a device), not for
/// the disk to look a name up.
pub(crate) const OPEN_WAIT: f64 = 0.05;

impl Waits {
    /// Whether the open `sc` blocked: it took [`OPEN_WAIT`] or more, or never returned.
    pub fn open_blocked(info: Info, sc: &Syscall) -> bool {
        info.does.has(Does::OPEN_FD.and(Does::LOOKUP))
            && (sc.duration.is_some_and(|d| d >= OPEN_WAIT) || matches!(sc.ret, Return::Unfinished))
    }

    /// A sleep after a failed `connect` of the same process, before its next attempt or a
    /// read that got data, is part of a retry loop: the target it keeps trying.
    pub(super) fn retried(&mut self, pid: Pid, sc: &Syscall, does: Does) -> Option<On> {
        if does.has(Does::SLEEP) {
            return self.retrying.get(&pid).cloned();
        }
        let got_data = does.has(Does::READ) && matches!(sc.ret, Return::Value { value, .. } if value > 0);
        if does.has(Does::CONNECT) || got_data {
            self.retrying.remove(&pid);
        }
        None
    }

    /// A `connect` that failed outright (refused, unreachable, timed out): the sleep that
    /// follows, if any, is spent on `on`.
    /// `t`: when the call was made.
    pub(super) fn note_retry(&mut self, pid: Pid, sc: &Syscall, does: Does, on: &On, t: Option<f64>) {
        let Return::Error { errno, message } = &sc.ret else { return };
        if !does.has(Does::CONNECT) || matches!(&**errno, "EINPROGRESS" | "EAGAIN" | "EALREADY" | "EINTR") {
            return;
        }
        if self.retrying.len() < MAX_OPEN || self.retrying.contains_key(&pid) {
            self.retrying.insert(pid, on.clone());
        }
        if !self.attempts.contains_key(on) && self.attempts.len() >= MAX_OPEN {
            return;
        }
        let end = t.map(|t| t + sc.duration.unwrap_or(0.0));
        let a = self.attempts.entry(on.clone()).or_insert_with(|| Attempts {
            count: 0,
            first: t,
            last: end,
            errno: errno.to_string(),
            message: message.to_string(),
        });
        a.count += 1;
        a.last = end.or(a.last);
        (a.errno, a.message) = (errno.to_string(), message.to_string());
    }

    /// The failed attempts to reach `on`, when the process slept between them (a retry loop).
    pub fn retry_loop(&self, on: &On, syscalls: &[(String, u64)]) -> Option<&Attempts> {
        let slept = syscalls.iter().any(|(name, _)| crate::syscalls::info(name.as_bytes()).does.has(Does::SLEEP));
        self.attempts.get(on).filter(|a| slept && a.count >= 2)
    }

    /// `flock(fd, LOCK_EX|LOCK_SH)` succeeded on `line`: `pid` holds the lock on that file
    /// until it unlocks it or exits.
    pub fn lock_taken(&mut self, pid: Pid, line: u64, sc: &Syscall, procs: &mut ProcessTable) {
        if !matches!(sc.ret, Return::Value { .. }) || sc.name != "flock" {
            return;
        }
        let Some(fd) = sc.fd.as_ref() else { return };
        let On::File(path) = super::on::of_process(fd, procs, pid) else { return };
        if contains(&sc.args, b"LOCK_UN") {
            if let Some(h) = self.holders.get_mut(&path).filter(|h| h.pid == pid) {
                h.freed = Some(line);
            }
        } else if self.holders.len() < MAX_OPEN || self.holders.contains_key(&path) {
            self.holders.insert(path, Holder { pid, taken: line, freed: None });
        }
    }

    /// `pid` exited on `line`: the locks it held are free from there.
    pub(super) fn locks_freed(&mut self, pid: Pid, line: u64) {
        if !self.holders.is_empty() {
            for h in self.holders.values_mut().filter(|h| h.pid == pid && h.freed.is_none()) {
                h.freed = Some(line);
            }
        }
    }

    /// A lock wait's target, with the process that held the lock when the wait began (on
    /// `line`: a wait is seen whole only when it ends, maybe after its holder exited):
    /// `lock /run/x.lock (held by pid 812)`.
    pub(super) fn with_holder(&self, pid: Pid, line: u64, on: On) -> On {
        match on {
            On::Lock(path) => {
                let held = |h: &&Holder| h.pid != pid && h.taken < line && h.freed.is_none_or(|f| f > line);
                match self.holders.get(&path).filter(held) {
                    Some(h) => On::Lock([&path[..], super::on::HELD_BY, format!("{})", h.pid).as_bytes()].concat()),
                    None => On::Lock(path),
                }
            }
            other => other,
        }
    }
}

/// The failed attempts of a retry loop on one target: how many, from the first to the end of
/// the last (or of the sleep after it), and the error of the last.
#[derive(Debug, Clone)]
pub(crate) struct Attempts {
    pub count: u64,
    pub first: Option<f64>,
    pub last: Option<f64>,
    pub errno: String,
    pub message: String,
}

/// Who took a lock, on which line, and where it let it go.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Holder {
    pid: Pid,
    taken: u64,
    freed: Option<u64>,
}

/// The path of a blocking open, as the process named it (resolved against its cwd when it
/// can be).
pub(super) fn opened(pid: Pid, sc: &Syscall, procs: &mut ProcessTable) -> Option<On> {
    let path = sc.path.as_deref()?;
    let resolved = procs.resolve(Some(pid), sc, path);
    Some(On::File(resolved.path.into_owned()))
}

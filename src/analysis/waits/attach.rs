//! Calls in progress when tracing began. strace attached to a process blocked in a call shows
//! it as `restart_syscall(<... resuming interrupted X ...>` (the kernel restarts the call; X is
//! what strace guesses, `read` when it never saw the call begin), as the call itself printed
//! again (an absolute sleep), or as a `<... X resumed>` tail without a head (a capture started
//! mid-call). These waits began before the trace: what they wait on is read from `/proc` when
//! the process is live on this host ([`Waits::in_flight`], from `attach`), else it is unknown.

use super::on::On;
use super::{Pending, Stuck, Waits, MAX_OPEN, MAX_PROCS};
use crate::analysis::process::ProcessTable;
use crate::event::{Event, Pid, Return, Syscall};
use crate::syscalls::Does;

/// The target of a call in progress at the attach that neither the trace nor `/proc` named.
pub(crate) const UNKNOWN: &str = "unknown: in progress when tracing began";

/// What `/proc` showed a thread blocked in when tracing began.
#[derive(Debug, Clone)]
pub(crate) struct InFlight {
    pub syscall: String,
    pub on: On,
    /// Whether the process is owed nothing there (a listening socket, a client, a terminal).
    pub idle: bool,
}

impl Waits {
    /// `/proc` showed `pid` blocked in `call` when tracing began.
    pub fn in_flight(&mut self, pid: Pid, call: InFlight) {
        if self.at_attach.len() < MAX_PROCS {
            self.at_attach.insert(pid, call);
        }
    }

    /// Whether `sc`, the line `ev` of `pid`, continues a call begun before tracing began: a
    /// headless tail; or, as the process's first line, a `restart_syscall`, the call `/proc`
    /// showed, or (a saved trace) a blocking call among the trace's opening lines, where each
    /// attached process shows the call it was in.
    pub(super) fn began_before(&self, pid: Pid, ev: &Event, sc: &Syscall, does: Does) -> bool {
        if sc.headless {
            return true;
        }
        if self.first_lines.get(&pid).is_none_or(|&l| l != ev.line) {
            return false;
        }
        if does.has(Does::RESUME) {
            return true;
        }
        match self.at_attach.get(&pid) {
            Some(c) => c.syscall == sc.name,
            // a child forked in the trace (each of a `-ff` set's files starts at line 1) began
            // its calls in it
            None => self.in_opening(ev.line) && !self.born.contains_key(&pid),
        }
    }

    /// `child` was forked by `parent` in the trace: none of its calls began before it, and
    /// it holds its parent's pipe ends.
    pub fn forked(&mut self, parent: Pid, child: Pid) {
        if self.born.len() < MAX_PROCS {
            self.born.insert(child, parent);
        }
        self.inherit_pipes(parent, child);
    }

    /// Whether the opening lines of the trace may still hold calls begun before it (a cheap
    /// test, made before [`Waits::began_before`] on every wait).
    pub(super) fn in_opening(&self, line: u64) -> bool {
        line <= self.first_lines.len() as u64
    }

    /// A call of `pid` begun before tracing began: stuck while unfinished, else a wait of its
    /// `-T` duration (the part the trace saw), on what `/proc` or its arguments name, else on
    /// the descriptor the process serves next.
    pub(super) fn before(&mut self, pid: Pid, ev: &Event, sc: &Syscall, does: Does, procs: &mut ProcessTable) {
        let (syscall, on, idle) = match self.at_attach.remove(&pid) {
            Some(c) => (c.syscall, Some(c.on), c.idle),
            None => {
                let resumed = sc.headless || does.has(Does::RESUME);
                let name = if does.has(Does::RESUME) { interrupted(&sc.args) } else { sc.name.to_string() };
                let on = if resumed { None } else { self.target(pid, ev.line, sc, does, procs).map(|(on, _)| on) };
                let idle = on.as_ref().is_none_or(|on| !owed_since_before(on));
                (name, on, idle)
            }
        };
        let stamped = ev.time.as_ref().is_some_and(|t| !t.relative);
        self.timing.timestamps |= stamped;
        self.timing.durations |= sc.duration.is_some();
        if matches!(sc.ret, Return::Unfinished | Return::Restart { .. }) {
            if self.open.len() < MAX_OPEN || self.open.contains_key(&pid) {
                let stuck = Stuck {
                    pid,
                    syscall,
                    on: on.unwrap_or_else(|| On::Other(UNKNOWN.to_string())),
                    since: super::super::secs(ev),
                    since_text: ev.time.as_ref().map(|t| t.text().to_string()),
                    line: ev.line,
                    idle,
                    before: true,
                };
                self.open.insert(pid, stuck);
            } else {
                self.stuck_overflow += 1;
            }
            return;
        }
        let Some(secs) = sc.duration.or(sc.span) else { return };
        // a resumed call that returned nothing ready (a sleep, a wait that timed out) served
        // no descriptor next
        let ready = matches!(sc.ret, Return::Value { value, .. } if value > 0);
        match on {
            Some(on) => {
                let added = self.add(pid, on, &syscall, secs, ev.line, idle, super::timed_out(sc, does, Some(secs)));
                self.held(pid, ev, sc, added);
            }
            None if !ready => {
                self.add(pid, On::Other(UNKNOWN.to_string()), &syscall, secs, ev.line, true, false);
            }
            None if self.pending.len() < MAX_OPEN => {
                let pending = Pending {
                    fallback: On::Other(UNKNOWN.to_string()),
                    secs,
                    syscall,
                    line: ev.line,
                    idle_fallback: true,
                    started: None,
                    before: true,
                };
                self.pending.insert(pid, pending);
            }
            None => {}
        }
    }
}

/// Whether a wait begun before the trace on `on` held the process up: whether an answer was
/// owed is not known, so a connection the process made (a peer), a file or a lock is taken as
/// owed, and a pipe, a child, a client or a timer as not.
pub(super) fn owed_since_before(on: &On) -> bool {
    on.is_always_owed() || matches!(on, On::Peer { .. })
}

/// `<... resuming interrupted poll ...>`: the call strace names (it says `read` when it never
/// saw the call begin, so only a name other than that is taken).
fn interrupted(args: &[u8]) -> String {
    let text = String::from_utf8_lossy(args);
    text.split_once("resuming interrupted ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .filter(|name| *name != "read")
        .map_or_else(|| "restart_syscall".to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::interrupted;

    #[test]
    fn the_interrupted_call_is_named_unless_strace_guessed() {
        assert_eq!(interrupted(b"<... resuming interrupted poll ...>"), "poll");
        assert_eq!(interrupted(b"<... resuming interrupted read ...>"), "restart_syscall");
        assert_eq!(interrupted(b""), "restart_syscall");
    }
}

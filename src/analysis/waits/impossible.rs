//! A `-T` duration the process's own next line contradicts. strace stamps a call's line with
//! the time the call began, and a process (a thread: strace names each by its own pid) makes
//! one call at a time, so its next line cannot begin before the call ended (`t + d`); nor can
//! any line printed after it, so a duration that outlasts the whole trace is impossible too.
//! Such a duration (a corrupted line, two captures pasted together, a sum of waits longer than
//! the process's life) is counted when its line comes, as any other; it is taken back when the
//! process's next line (or the trace's end) shows it could not be, and counted as ignored.

use super::*;

/// The timestamp and the duration come from two clocks (wall and monotonic), and stamps are
/// truncated to their step (`resolution`: 1 s with `-t`): a line may seem to begin this much
/// before the call ended.
fn slack(secs: f64, resolution: f64) -> f64 {
    1e-3 + secs * 1e-2 + resolution
}

/// What a wait added to its target, to be taken back if its duration proves impossible.
#[derive(Debug, Clone, Copy)]
pub(super) struct Added {
    pub id: usize,
    pub secs: f64,
    pub line: u64,
    pub idle: bool,
    pub in_request: bool,
    pub timeout: bool,
    /// Its place in the target's syscall counts, when it was counted there.
    pub syscall: Option<usize>,
    /// The target's longest wait and its line before this one.
    pub longest_before: (f64, u64),
    /// The target's shortest and longest timeout before this one.
    pub timeouts_before: (f64, f64),
}

/// A wait added from its `-T` duration, not yet confirmed by its process's next line.
pub(super) struct Timed {
    added: Added,
    /// When the call began (its line's timestamp), and the step of that clock.
    began: f64,
    resolution: f64,
}

impl Timed {
    /// Whether a line stamped `t`, printed after this call's, began before the call could have
    /// ended.
    fn outlasted_by(&self, t: f64) -> bool {
        // `-tt` times count from midnight: a line half a day "earlier" is on the next day
        let t = if t + 43_200.0 < self.began { t + 86_400.0 } else { t };
        t + slack(self.added.secs, self.resolution) < self.began + self.added.secs
    }
}

impl Waits {
    /// Keeps `added`, the wait of `pid`'s call `sc` on line `ev`, until its next line says
    /// whether its `-T` duration could be (a line stamped when the call began: a tail without
    /// its head is stamped when it ended, and a pair's span is its own two stamps).
    pub(super) fn held(&mut self, pid: Pid, ev: &Event, sc: &Syscall, added: Option<Added>) {
        let (Some(added), Some(_), false) = (added, sc.duration, sc.headless) else { return };
        // a wait shorter than the least slack can never outlast a later line (most calls)
        if added.secs <= slack(0.0, 0.0) {
            return;
        }
        let Some(stamp) = ev.time.as_ref().filter(|t| !t.relative) else { return };
        let timed = Timed { added, began: stamp.secs(), resolution: stamp.resolution() };
        // the latest stays out of the map: most lines follow one of the same process
        match self.last_timed.replace((pid, timed)) {
            Some((before, w))
                if before != pid && (self.timed.len() < MAX_PROCS || self.timed.contains_key(&before)) =>
            {
                self.timed.insert(before, w);
            }
            _ => {}
        }
    }

    /// `pid` has a wait whose duration its next line checks.
    pub fn checks_next(&self, pid: Pid) -> bool {
        self.last_timed.as_ref().is_some_and(|(p, _)| *p == pid)
            || (!self.timed.is_empty() && self.timed.contains_key(&pid))
    }

    /// `pid`'s next line began at `t`: its last timed wait, if it had not ended by then, is
    /// taken back.
    pub fn check_next(&mut self, pid: Pid, t: Option<f64>) {
        let Some(t) = t else { return };
        let timed = match self.last_timed.take() {
            Some((p, w)) if p == pid => Some(w),
            other => {
                self.last_timed = other;
                self.timed.remove(&pid)
            }
        };
        if let Some(timed) = timed.filter(|w| w.outlasted_by(t)) {
            self.take_back(pid, timed.added);
        }
    }

    /// The trace ended with a line stamped `end`: a wait still unchecked that began before it
    /// (it was not the last line) and outlasted it is taken back. The last line's own call may
    /// have gone on after it: strace printed it when it ended.
    pub fn check_end(&mut self, end: Option<f64>) {
        let Some(end) = end else { return };
        let timed = std::mem::take(&mut self.timed);
        let mut outlasted: Vec<(Pid, Added)> = timed
            .into_iter()
            .chain(self.last_timed.take())
            .filter(|(_, w)| w.began < end && w.outlasted_by(end))
            .map(|(pid, w)| (pid, w.added))
            .collect();
        // in line order: the same report whatever the map's order
        outlasted.sort_by_key(|(_, a)| a.line);
        for (pid, added) in outlasted {
            self.take_back(pid, added);
        }
    }

    /// Takes a wait's time back from its target (and its process's open requests); the call
    /// itself stays counted where it was (`pids`), without its time.
    fn take_back(&mut self, pid: Pid, a: Added) {
        self.impossible += 1;
        if a.in_request {
            self.requests.stalled(pid, a.id, -a.secs);
        }
        let Some(w) = self.targets.get_mut(a.id) else { return };
        w.total = (w.total - a.secs).max(0.0);
        w.count = w.count.saturating_sub(1);
        if !a.idle {
            w.stalled = (w.stalled - a.secs).max(0.0);
        }
        if a.in_request {
            w.in_requests = (w.in_requests - a.secs).max(0.0);
        }
        if (w.longest, w.longest_line) == (a.secs, a.line) {
            (w.longest, w.longest_line) = a.longest_before;
        }
        if a.timeout {
            w.timeouts = w.timeouts.saturating_sub(1);
            if w.timeout_min == a.secs {
                w.timeout_min = a.timeouts_before.0;
            }
            if w.timeout_secs == a.secs {
                w.timeout_secs = a.timeouts_before.1;
            }
        }
        if let Some(k) = a.syscall {
            if let Some(s) = w.syscalls.get_mut(k) {
                s.1 = s.1.saturating_sub(1);
            }
        }
    }
}

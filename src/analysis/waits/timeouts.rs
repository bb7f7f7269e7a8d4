//! Timeouts the hang itself caused: a wait that ended by its timeout is often followed by what
//! the program makes of it — the call fails with `ETIMEDOUT`, the program writes "timed out",
//! a proxy answers 504. Those are the wait's consequences, not rival causes: each is counted on
//! the wait's target ([`Ended`]) and the failure or text is marked with it.

use rustc_hash::FxHashMap as HashMap;

use super::on::On;
use super::{Waits, MAX_PROCS, MAX_TARGETS};
use crate::event::Pid;
use crate::text::TraceText;

/// What the timeouts of one target's waits were followed by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ended {
    /// Failed calls whose `ETIMEDOUT` was the wait's end (the call that waited).
    pub failures: u64,
    /// Lines of error text telling of a timeout, written after the wait timed out.
    pub errors: u64,
    /// `504` answers written after the wait timed out.
    pub answers: u64,
}

/// The process's latest wait that ended by its timeout, and the wait's line.
#[derive(Default)]
pub(super) struct TimedOut {
    latest: HashMap<Pid, (On, u64)>,
    ended: HashMap<On, Ended>,
}

/// Whether a line of error text tells of a timeout (`timed out`, `timeout`, `Time-out`).
pub(crate) fn tells_timeout(line: &[u8]) -> bool {
    const WORDS: [&[u8]; 4] = [b"timed out", b"timeout", b"time-out", b"time out"];
    let lower = line.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.windows(w.len()).any(|x| x == *w))
}

impl Waits {
    /// A wait of `pid` on line `line` ended: by its timeout (`timeout`, and held something up),
    /// or it waited long enough to be another wait than the one that timed out.
    pub(super) fn note_timeout(&mut self, pid: Pid, on: &On, line: u64, secs: f64, timeout: bool, idle: bool) {
        if timeout && !idle {
            if self.timeouts.latest.len() < MAX_PROCS || self.timeouts.latest.contains_key(&pid) {
                self.timeouts.latest.insert(pid, (on.clone(), line));
            }
        } else if secs >= super::TIMED_OUT_AGAIN && !self.timeouts.latest.is_empty() {
            self.timeouts.latest.remove(&pid);
        }
    }

    /// `pid` exited: what it writes no longer follows its waits.
    pub(super) fn timeouts_freed(&mut self, pid: Pid) {
        if !self.timeouts.latest.is_empty() {
            self.timeouts.latest.remove(&pid);
        }
    }

    /// The call of `pid` on `line` failed with a timeout errno: when that call was a wait that
    /// ended by its timeout, the failure is its end. The wait's target.
    pub fn timeout_failure(&mut self, pid: Pid, line: u64) -> Option<TraceText> {
        let on = self.timeouts.latest.get(&pid).filter(|(_, l)| *l == line).map(|(on, _)| on.clone())?;
        self.count_ended(&on, |e| e.failures += 1);
        Some(on.label())
    }

    /// `pid` wrote error text telling of a timeout (`answer`: it answered 504): after a wait
    /// that timed out, the wait's. Its target.
    pub fn timeout_told(&mut self, pid: Pid, answer: bool) -> Option<TraceText> {
        let on = self.timeouts.latest.get(&pid).map(|(on, _)| on.clone())?;
        self.count_ended(&on, |e| if answer { e.answers += 1 } else { e.errors += 1 });
        Some(on.label())
    }

    fn count_ended(&mut self, on: &On, f: impl FnOnce(&mut Ended)) {
        if let Some(e) = self.timeouts.ended.get_mut(on) {
            f(e);
        } else if self.timeouts.ended.len() < MAX_TARGETS {
            f(self.timeouts.ended.entry(on.clone()).or_default());
        }
    }

    /// What the timeouts of the waits on `on` were followed by, when anything.
    pub(crate) fn ended_in_timeout(&self, on: &On) -> Option<Ended> {
        if self.timeouts.ended.is_empty() {
            return None;
        }
        self.timeouts.ended.get(on).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_telling_a_timeout() {
        assert!(tells_timeout(b"upstream timed out (110: Connection timed out)"));
        assert!(tells_timeout(b"TimeoutError: timed out"));
        assert!(tells_timeout(b"<title>504 Gateway Time-out</title>"));
        assert!(tells_timeout(b"curl: (28) Operation timed out after 2001 milliseconds"));
        assert!(!tells_timeout(b"connection refused"));
        assert!(!tells_timeout(b"time"));
    }
}

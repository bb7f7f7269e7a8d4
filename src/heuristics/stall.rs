//! Whether waiting is the answer: a call stuck when the trace ended (deadlock, hung request), or
//! one non-idle target holding most of the time of the requests or processes that waited on it.
//! Idle waits (a server waiting for clients, or between requests) never make a verdict.

use serde::Serialize;

use crate::event::Pid;
use crate::report::waits::{ShareOf, StuckReport, WaitReport};
use crate::text::TraceText;

/// A stuck call counts once it had waited this long when the trace ended.
const STUCK_SECS: f64 = 1.0;
/// Waits are the answer when one target holds at least this share of the time...
const DOMINANT_SHARE: f64 = 0.5;
/// ...and at least this much time in all (half of 4 ms is nobody's page).
const DOMINANT_SECS: f64 = 1.0;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// Calls still waiting at the end of the trace, longest first; `not_kept` calls began
    /// waiting past the table's cap and were not followed (`calls` is then a lower bound).
    Stuck { calls: Vec<StuckCall>, not_kept: u64 },
    /// One target held most of the time.
    Slow {
        target: TraceText,
        share: f64,
        share_of: ShareOf,
        stalled_s: f64,
        count: u64,
        longest_s: f64,
        /// The calls that waited on it, most frequent first, with their counts.
        syscalls: Vec<(String, u64)>,
        timeouts: u64,
        pids: Vec<Pid>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct StuckCall {
    pub pid: Pid,
    pub syscall: String,
    pub target: TraceText,
    pub waited_s: f64,
}

/// A target is worth a line of its own once it held something up this long...
const NOTABLE_SECS: f64 = 0.1;
/// ...with one wait at least this long: thousands of calls of microseconds each are the cost
/// of tracing every call, not a wait.
const NOTICED_SECS: f64 = 0.01;

/// Whether a target's stall is worth showing when waiting is not the verdict.
pub(crate) fn is_notable(w: &WaitReport) -> bool {
    !w.idle && w.stalled_s >= NOTABLE_SECS && w.longest_s >= NOTICED_SECS
}

pub(crate) fn verdict(waits: &[WaitReport], stuck: &[StuckReport], not_kept: u64) -> Option<Verdict> {
    let mut calls: Vec<StuckCall> = stuck
        .iter()
        .filter(|s| !s.idle)
        .filter_map(|s| {
            let waited = s.waited_s.filter(|&w| w >= STUCK_SECS)?;
            Some(StuckCall { pid: s.pid, syscall: s.syscall.clone(), target: s.target.clone(), waited_s: waited })
        })
        .collect();
    if !calls.is_empty() {
        calls.sort_by(|a, b| b.waited_s.total_cmp(&a.waited_s).then(a.pid.cmp(&b.pid)));
        return Some(Verdict::Stuck { calls, not_kept });
    }
    let top = waits.iter().filter(|w| !w.idle).max_by(|a, b| a.stalled_s.total_cmp(&b.stalled_s))?;
    let (share, share_of) = (top.share?, top.share_of?);
    if share < DOMINANT_SHARE || top.stalled_s < DOMINANT_SECS {
        return None;
    }
    let mut syscalls: Vec<(String, u64)> = top.syscalls.iter().map(|(s, &n)| (s.clone(), n)).collect();
    syscalls.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Some(Verdict::Slow {
        target: top.target.clone(),
        share,
        share_of,
        stalled_s: top.stalled_s,
        count: top.count,
        longest_s: top.longest_s,
        syscalls,
        timeouts: top.timeouts,
        pids: top.pids.clone(),
    })
}

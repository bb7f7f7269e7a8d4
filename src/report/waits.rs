//! The waits part of the report (JSON `waits`, `stuck`, `waiting`; additive to schema 1), how
//! it is built from what the analysis measured, and whether waiting is the answer: a call stuck
//! when the trace ended (deadlock, hung request), or one non-idle target holding most of the time
//! of the requests or processes that waited on it. Idle waits (a server waiting for clients, or
//! between requests) never make a verdict. (The verdict is judged here, on the rows it reads,
//! so that nothing before the report imports the report.)

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::waits::chain::{Chain, Via};
use crate::analysis::waits::on::On;
use crate::analysis::waits::requests::Done;
use crate::analysis::waits::{Stuck, Totals, Waits};
use crate::event::Pid;
use crate::text::TraceText;

/// Targets listed in `waits` (the ones with most stall time, then most time)...
const LISTED: usize = 20;
/// ...that held a process at least this long in all (below it, a call did not wait).
const LISTED_SECS: f64 = 0.001;
/// Slowest requests listed.
const SLOWEST: usize = 5;

/// How waits could be measured, the verdict when they dominate, request latencies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Waiting {
    /// `durations` (`-T`), `timestamps` (time to the next line of the process, or between a
    /// call's two halves), or `none`: then nothing is measured and `-tt -T` is needed.
    pub measured: Measured,
    /// Set when a non-idle wait holds most of the time, or a call was stuck at the end.
    pub verdict: Option<Verdict>,
    /// Requests seen from start (request read or connection accepted) to end (status line
    /// written or connection closed).
    pub requests: Option<RequestTimes>,
    /// Waits not attributed because too many targets were seen.
    pub overflow: u64,
    /// Calls that began waiting while 4,096 others were followed: not kept (`stuck` is then a
    /// lower bound).
    pub stuck_overflow: u64,
    /// Wait chains: a process waiting on a child, a pipe or a lock, followed through the
    /// processes that hold it up to what the last one waits on; or threads stuck on futexes
    /// with no thread left to wake them. A deadlock first, then the longest.
    pub chains: Vec<ChainReport>,
}

/// One wait chain (see [`Waiting::chains`]).
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub links: Vec<ChainLink>,
    /// The chain comes back to a process already in it, or its threads wait on each other's
    /// futexes.
    pub deadlock: bool,
    /// The process of the chain a deadlock comes back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub back_to: Option<Pid>,
}

/// One process of a chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainLink {
    pub pid: Pid,
    /// The call it waits in (none: no wait of it was seen).
    pub syscall: Option<String>,
    pub target: Option<TraceText>,
    /// Still waiting when the trace ended, else its longest wait.
    pub waited_s: Option<f64>,
    pub stuck: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_attach: bool,
    /// Not in the trace: what `/proc` showed it blocked in when tracing began (it holds the
    /// other end of the pipe; `waited_s` unknown) (additive).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_proc: bool,
    /// How the next link's process holds this one up: `child` (the child waited for),
    /// `write_end` / `read_end` (it holds the other end of the pipe), `lock_holder`, `futex`
    /// (a deadlock of futexes: the next thread waits too); none for the last.
    pub next: Option<ChainVia>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainVia {
    Child,
    WriteEnd,
    ReadEnd,
    LockHolder,
    Futex,
    /// The next process holds the other end of the unix socket waited on.
    Peer,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measured {
    Durations,
    Timestamps,
    #[default]
    None,
}

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitKind {
    File,
    Connection,
    Clients,
    Listening,
    Pipe,
    Terminal,
    Lock,
    Futex,
    Child,
    Sleep,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaitReport {
    /// `tcp 127.0.0.1:5433`, `/var/lib/app/data.log`, `lock /run/x.lock`, `futex 0x7f…`.
    pub target: TraceText,
    pub kind: WaitKind,
    /// Waiting for clients, or a server between requests: nothing to do.
    pub idle: bool,
    pub total_s: f64,
    /// Of `total_s`, the time that held something up (not idle).
    pub stalled_s: f64,
    /// Of `stalled_s`, the time inside requests.
    pub in_requests_s: f64,
    pub count: u64,
    pub longest_s: f64,
    pub longest_line: u64,
    pub syscalls: BTreeMap<String, u64>,
    pub pids: Vec<Pid>,
    /// `pids` is at its cap: more processes may have waited on it (present only then).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pids_more: bool,
    /// `stalled_s` over the time of the requests (when requests were timed) or of the
    /// processes involved.
    pub share: Option<f64>,
    pub share_of: Option<ShareOf>,
    pub timeouts: u64,
    /// The shortest and the longest wait that ended by its timeout.
    pub timeout_min_s: Option<f64>,
    pub timeout_s: Option<f64>,
    /// The process kept trying it, sleeping between failed attempts (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// What the waits' timeouts were followed by: consequences of the wait, not rival causes
    /// (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_in_timeout: Option<EndedInTimeout>,
    /// Held something up long enough to be worth a line of its own when waiting is not the
    /// verdict (not in the JSON: `idle`, `stalled_s` and `longest_s` say it).
    #[serde(skip)]
    pub notable: bool,
}

/// A retry loop: failed attempts with sleeps between them.
#[derive(Debug, Clone, Serialize)]
pub struct Retry {
    pub attempts: u64,
    /// From the first attempt to the end of the last.
    pub over_s: Option<f64>,
    /// The error of the last attempt, and strace's message for it.
    pub errno: String,
    pub errmsg: TraceText,
}

/// What a target's waits that ended by their timeout were followed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EndedInTimeout {
    /// Failed calls whose `ETIMEDOUT` was the wait's end (see `failures[].timeout_of`).
    pub failures: u64,
    /// Lines of error text telling of the timeout (see `symptoms.errors[].timeout_of`).
    pub errors: u64,
    /// `504` answers.
    pub answers: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareOf {
    Requests,
    Processes,
}

/// The `since` of a call in progress when tracing began.
pub const BEFORE_ATTACH: &str = "before the attach";

#[derive(Debug, Clone, Serialize)]
pub struct StuckReport {
    pub pid: Pid,
    pub syscall: String,
    pub target: TraceText,
    pub idle: bool,
    /// The timestamp of the call, as printed; `before the attach` for a call in progress when
    /// tracing began.
    pub since: Option<String>,
    /// In progress when tracing began: `waited_s` is the part the trace saw.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_attach: bool,
    /// A call in progress when tracing began: the timestamp of the line that first showed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<String>,
    /// From the call to the last timestamp of the trace.
    pub waited_s: Option<f64>,
    pub line: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestTimes {
    pub count: u64,
    pub total_s: f64,
    pub slowest: Vec<SlowRequest>,
    /// The slowest request answered with a 5xx (a 504 is often quick to be cut off).
    pub slowest_error: Option<SlowRequest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlowRequest {
    pub pid: Pid,
    /// The line the request was read (or its connection accepted) on.
    pub line: u64,
    pub latency_s: f64,
    pub status: Option<u16>,
    /// What it stalled on longest inside, and for how long.
    pub waiting_on: Option<TraceText>,
    pub waiting_s: Option<f64>,
}

/// Seconds to the microsecond, as strace prints them.
pub(crate) fn micros(s: f64) -> f64 {
    (s * 1e6).round() / 1e6
}

fn kind(on: &On) -> WaitKind {
    match on {
        On::File(_) => WaitKind::File,
        On::Peer { .. } => WaitKind::Connection,
        On::Clients { .. } => WaitKind::Clients,
        On::Listening { .. } => WaitKind::Listening,
        On::Pipe(_) => WaitKind::Pipe,
        On::Terminal(_) => WaitKind::Terminal,
        On::Lock(_) => WaitKind::Lock,
        On::Futex(_) => WaitKind::Futex,
        On::Child(_) => WaitKind::Child,
        On::Sleep => WaitKind::Sleep,
        On::Other(_) => WaitKind::Other,
    }
}

/// The waits part, from what was measured; `end` is the trace's last timestamp.
pub(crate) fn build(w: &Waits, end: Option<f64>) -> (Vec<WaitReport>, Vec<StuckReport>, Waiting) {
    let request_time = (w.requests.count > 0).then_some(w.requests.total);
    let mut order: Vec<&Totals> = w.targets.iter().collect();
    order.sort_by(|a, b| b.stalled.total_cmp(&a.stalled).then(b.total.total_cmp(&a.total)));
    let waits: Vec<WaitReport> = order
        .into_iter()
        .filter(|t| t.total >= LISTED_SECS)
        .take(LISTED)
        .map(|t| wait_report(w, t, request_time, end))
        .collect();
    let stuck: Vec<StuckReport> = w.stuck().iter().map(|s| stuck_report(s, end)).collect();
    let measured = match (w.timing.durations, w.timing.timestamps) {
        (true, _) => Measured::Durations,
        (false, true) => Measured::Timestamps,
        _ => Measured::None,
    };
    let requests = (w.requests.count > 0).then(|| RequestTimes {
        count: w.requests.count,
        total_s: micros(w.requests.total),
        slowest: w.requests.slowest.iter().take(SLOWEST).map(|d| slow_request(w, d)).collect(),
        slowest_error: w.requests.slowest_error.as_ref().map(|d| slow_request(w, d)),
    });
    let verdict = verdict(&waits, &stuck, w.stuck_overflow);
    let mut chains: Vec<ChainReport> = futex_deadlock(&stuck).into_iter().collect();
    chains.extend(w.chains(end).iter().map(chain_report));
    // the chains through the processes of the verdict first, the nearer their start the sooner
    let named: Vec<Pid> = match &verdict {
        Some(Verdict::Slow { pids, .. }) => pids.clone(),
        Some(Verdict::Stuck { calls, .. }) => calls.iter().map(|c| c.pid).collect(),
        None => Vec::new(),
    };
    let at = |c: &ChainReport| c.links.iter().position(|l| named.contains(&l.pid)).unwrap_or(usize::MAX);
    chains.sort_by_key(|c| (!c.deadlock, at(c)));
    let stuck_overflow = w.stuck_overflow;
    (waits, stuck, Waiting { measured, verdict, requests, overflow: w.overflow, stuck_overflow, chains })
}

fn chain_report(c: &Chain) -> ChainReport {
    let links = c
        .links
        .iter()
        .map(|l| ChainLink {
            pid: l.pid,
            syscall: l.wait.as_ref().map(|w| w.syscall.clone()),
            target: l.wait.as_ref().map(|w| w.on.label()),
            waited_s: l.wait.as_ref().filter(|w| !w.from_proc).map(|w| micros(w.secs)),
            stuck: l.wait.as_ref().is_some_and(|w| w.stuck),
            before_attach: l.wait.as_ref().is_some_and(|w| w.before),
            from_proc: l.wait.as_ref().is_some_and(|w| w.from_proc),
            next: l.next.map(|(via, _)| match via {
                Via::Child => ChainVia::Child,
                Via::WriteEnd => ChainVia::WriteEnd,
                Via::ReadEnd => ChainVia::ReadEnd,
                Via::Holder => ChainVia::LockHolder,
                Via::Peer => ChainVia::Peer,
            }),
        })
        .collect();
    let back_to = c.links.last().and_then(|l| l.next).map(|(_, p)| p).filter(|_| c.deadlock);
    ChainReport { links, deadlock: c.deadlock, back_to }
}

/// Threads stuck on futexes, two locks or more, and no other call waiting but idle ones: each
/// thread holds a lock another waits for (glibc's mutexes wait in `futex` on the lock word; the
/// holder is not in a call the trace can show). The stuck calls on futexes, the most waited on
/// first.
fn futex_deadlock(stuck: &[StuckReport]) -> Option<ChainReport> {
    let waiting: Vec<&StuckReport> =
        stuck.iter().filter(|s| !s.idle && s.waited_s.is_some_and(|w| w >= STUCK_SECS)).collect();
    let futex = |s: &&StuckReport| s.target.as_bytes().starts_with(b"futex ");
    if waiting.len() < 2 || !waiting.iter().all(futex) {
        return None;
    }
    let mut targets: Vec<&TraceText> = waiting.iter().map(|s| &s.target).collect();
    targets.sort();
    targets.dedup();
    if targets.len() < 2 {
        return None;
    }
    let behind = |t: &TraceText| waiting.iter().filter(|s| &s.target == t).count();
    let mut order = waiting.clone();
    order.sort_by(|a, b| {
        behind(&b.target).cmp(&behind(&a.target)).then(a.target.cmp(&b.target)).then(a.pid.cmp(&b.pid))
    });
    let last = order.len() - 1;
    let links = order
        .iter()
        .enumerate()
        .map(|(k, s)| ChainLink {
            pid: s.pid,
            syscall: Some(s.syscall.clone()),
            target: Some(s.target.clone()),
            waited_s: s.waited_s,
            stuck: true,
            before_attach: s.before_attach,
            from_proc: false,
            next: (k < last).then_some(ChainVia::Futex),
        })
        .collect();
    Some(ChainReport { links, deadlock: true, back_to: None })
}

fn slow_request(w: &Waits, d: &Done) -> SlowRequest {
    SlowRequest {
        pid: d.pid,
        line: d.line,
        latency_s: micros(d.latency),
        status: d.status,
        waiting_on: d.stall.map(|(t, _)| w.targets[t].on.label()),
        waiting_s: d.stall.map(|(_, s)| micros(s)),
    }
}

fn wait_report(w: &Waits, t: &Totals, request_time: Option<f64>, end: Option<f64>) -> WaitReport {
    let (share, share_of) = match request_time {
        Some(all) if t.in_requests > 0.0 && all > 0.0 => (Some(t.in_requests / all), Some(ShareOf::Requests)),
        _ => {
            let walls: Vec<f64> =
                end.map_or_else(Vec::new, |end| t.pids.iter().filter_map(|&p| w.wall(p, end)).collect());
            // processes whose life the trace timed lived at least as long as they waited (a
            // trace of one long call ends where that call began)
            let wall = if walls.is_empty() { 0.0 } else { walls.iter().sum::<f64>().max(t.stalled) };
            if wall > 0.0 && t.stalled > 0.0 {
                (Some(t.stalled / wall), Some(ShareOf::Processes))
            } else {
                (None, None)
            }
        }
    };
    let mut r = WaitReport {
        target: t.on.label(),
        kind: kind(&t.on),
        idle: t.stalled == 0.0,
        total_s: micros(t.total),
        stalled_s: micros(t.stalled),
        in_requests_s: micros(t.in_requests),
        count: t.count,
        longest_s: micros(t.longest),
        longest_line: t.longest_line,
        syscalls: t.syscalls.iter().cloned().collect(),
        pids: t.pids.clone(),
        pids_more: t.pids.len() >= crate::analysis::waits::PIDS,
        share: share.map(|s| (s.min(1.0) * 1000.0).round() / 1000.0),
        share_of,
        timeouts: t.timeouts,
        timeout_min_s: (t.timeouts > 0).then(|| micros(t.timeout_min)),
        timeout_s: (t.timeouts > 0).then(|| micros(t.timeout_secs)),
        retry: w.retry_loop(&t.on, &t.syscalls).map(|a| Retry {
            attempts: a.count,
            over_s: a.first.zip(a.last).map(|(f, l)| micros((l - f).max(0.0))),
            errno: a.errno.clone(),
            errmsg: TraceText::from(a.message.as_bytes().to_vec()),
        }),
        ended_in_timeout: w.ended_in_timeout(&t.on).map(|e| EndedInTimeout {
            failures: e.failures,
            errors: e.errors,
            answers: e.answers,
        }),
        notable: false,
    };
    r.notable = is_notable(&r);
    r
}

fn stuck_report(s: &Stuck, end: Option<f64>) -> StuckReport {
    StuckReport {
        pid: s.pid,
        syscall: s.syscall.clone(),
        target: s.on.label(),
        idle: s.idle,
        since: if s.before { Some(BEFORE_ATTACH.to_string()) } else { s.since_text.clone() },
        before_attach: s.before,
        seen_at: if s.before { s.since_text.clone() } else { None },
        waited_s: s.since.zip(end).map(|(since, end)| micros((end - since).max(0.0))),
        line: s.line,
    }
}

/// A stuck call counts once it had waited this long when the trace ended.
const STUCK_SECS: f64 = 1.0;
/// Waits are the answer when one target holds at least this share of the time...
const DOMINANT_SHARE: f64 = 0.5;
/// ...and at least this much time in all (half of 4 ms is nobody's page).
const DOMINANT_SECS: f64 = 1.0;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// Calls still waiting at the end of the trace, the target most wait behind first;
    /// `not_kept` calls began waiting past the table's cap and were not followed (`calls` is
    /// then a lower bound).
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
        /// As [`WaitReport::pids_more`].
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        pids_more: bool,
        /// The target's retry loop, when the process kept trying it (additive).
        #[serde(skip_serializing_if = "Option::is_none")]
        retry: Option<Retry>,
        /// As [`WaitReport::ended_in_timeout`] (additive).
        #[serde(skip_serializing_if = "Option::is_none")]
        ended_in_timeout: Option<EndedInTimeout>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct StuckCall {
    pub pid: Pid,
    pub syscall: String,
    pub target: TraceText,
    pub waited_s: f64,
    /// In progress when tracing began: `waited_s` is the part the trace saw.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_attach: bool,
}

/// A target is worth a line of its own once it held something up this long...
const NOTABLE_SECS: f64 = 0.1;
/// ...with one wait at least this long: thousands of calls of microseconds each are the cost
/// of tracing every call, not a wait.
const NOTICED_SECS: f64 = 0.01;

/// Whether a target's stall is worth showing when waiting is not the verdict.
fn is_notable(w: &WaitReport) -> bool {
    !w.idle && w.stalled_s >= NOTABLE_SECS && w.longest_s >= NOTICED_SECS
}

fn verdict(waits: &[WaitReport], stuck: &[StuckReport], not_kept: u64) -> Option<Verdict> {
    let mut calls: Vec<StuckCall> = stuck
        .iter()
        .filter(|s| !s.idle)
        .filter_map(|s| {
            let waited = s.waited_s.filter(|&w| w >= STUCK_SECS)?;
            Some(StuckCall {
                pid: s.pid,
                syscall: s.syscall.clone(),
                target: s.target.clone(),
                waited_s: waited,
                before_attach: s.before_attach,
            })
        })
        .collect();
    if !calls.is_empty() {
        // the target most calls wait behind first (a pool hung on one backend), then the
        // longest wait
        let behind = |c: &StuckCall| calls.iter().filter(|o| o.target == c.target).count();
        let mut keyed: Vec<(usize, StuckCall)> = calls.iter().map(|c| (behind(c), c.clone())).collect();
        keyed.sort_by(|(n, a), (m, b)| {
            m.cmp(n).then(b.waited_s.total_cmp(&a.waited_s)).then(a.target.cmp(&b.target)).then(a.pid.cmp(&b.pid))
        });
        calls = keyed.into_iter().map(|(_, c)| c).collect();
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
        pids_more: top.pids_more,
        retry: top.retry.clone(),
        ended_in_timeout: top.ended_in_timeout,
    })
}

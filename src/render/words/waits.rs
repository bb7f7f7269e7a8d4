//! The sentences about waiting: the verdict, a target's line, a stuck call, a slow request, and
//! what to add to strace's flags when nothing could be measured.

use super::screen::number;
use crate::event::Pid;
use crate::report::waits::{ChainLink, ChainReport, ChainVia, StuckCall, Verdict};
use crate::report::waits::{EndedInTimeout, Measured, Retry, ShareOf, SlowRequest, StuckReport, WaitKind, WaitReport};
use crate::text::TraceText;

/// `5.0 s`, `0.42 s`, `12 ms`, `310 µs`.
pub(crate) fn secs(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.001 {
        format!("{:.0} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

fn percent(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

fn share_of(of: ShareOf, pids: &[Pid], more: bool) -> String {
    match (of, pids) {
        (ShareOf::Requests, _) => "of request time".to_string(),
        (ShareOf::Processes, [pid]) => format!("of pid {pid}'s time"),
        // a pool hung on one backend: how many of its processes, and which
        (ShareOf::Processes, many) => {
            let mut sorted = many.to_vec();
            sorted.sort_unstable();
            let shown: Vec<String> = sorted.iter().map(ToString::to_string).collect();
            let more = if more { ", …" } else { "" };
            format!("of the time of {} processes (pids {}{more})", many.len(), shown.join(", "))
        }
    }
}

/// `poll ×6, connect ×3 and 1 more`.
fn calls(syscalls: &[(String, u64)]) -> String {
    let mut parts: Vec<String> = syscalls.iter().take(2).map(|(s, n)| format!("{s} ×{}", number(*n))).collect();
    if syscalls.len() > 2 {
        parts.push(format!("{} more", syscalls.len() - 2));
    }
    parts.join(", ")
}

fn timeouts(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => ", 1 timeout".to_string(),
        n => format!(", {} timeouts", number(n)),
    }
}

/// `, 4 timeouts of 5.00 s` (or `of 2.00–5.00 s`), as a resolver's retry loop reads.
fn timeouts_of(w: &WaitReport) -> String {
    let (Some(min), Some(max)) = (w.timeout_min_s, w.timeout_s) else { return String::new() };
    let of = if max - min <= max * 0.05 { secs(max) } else { format!("{}–{}", secs(min), secs(max)) };
    format!("{} of {of}", timeouts(w.timeouts))
}

/// The threads that waited on a futex, when more than one did: contention.
fn threads(w: &WaitReport) -> String {
    if w.kind != WaitKind::Futex || w.pids.len() < 2 {
        return String::new();
    }
    let pids: Vec<String> = w.pids.iter().map(ToString::to_string).collect();
    format!(", threads {}", pids.join(", "))
}

/// The first line of the report when waiting is the answer.
pub(crate) fn verdict(v: &Verdict) -> String {
    match v {
        Verdict::Slow {
            target,
            share,
            share_of: of,
            stalled_s,
            longest_s,
            syscalls,
            timeouts: t,
            pids,
            pids_more,
            ..
        } => {
            format!(
                "slow: {} {} waiting on {target} ({} in all, longest {}{}: {})",
                percent(*share),
                share_of(*of, pids, *pids_more),
                secs(*stalled_s),
                secs(*longest_s),
                timeouts(*t),
                calls(syscalls),
            )
        }
        Verdict::Stuck { calls, not_kept } => stuck_verdict(calls, *not_kept),
    }
}

/// `tcp 127.0.0.1:5433: 30.1 s in 14 waits (recvfrom, poll), longest 5.0 s, 4 timeouts; 92 % of request time`.
pub(crate) fn wait_line(w: &WaitReport) -> String {
    let mut calls: Vec<(&String, &u64)> = w.syscalls.iter().collect();
    calls.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let names: Vec<&str> = calls.iter().take(3).map(|(n, _)| n.as_str()).collect();
    let waits = if w.count == 1 { "1 wait".to_string() } else { format!("{} waits", number(w.count)) };
    let shown = if w.idle { w.total_s } else { w.stalled_s };
    let mut line = format!(
        "{}: {} in {waits} ({}), longest {}{}{}",
        w.target,
        secs(shown),
        names.join(", "),
        secs(w.longest_s),
        timeouts_of(w),
        threads(w)
    );
    if let (Some(share), Some(of)) = (w.share, w.share_of) {
        line.push_str(&format!("; {} {}", percent(share), share_of(of, &w.pids, w.pids_more)));
    }
    if w.idle {
        line.push_str(" (idle)");
    }
    line
}

/// The stuck verdict, the target most calls wait behind first (the first call's, see
/// `stall::verdict`) with their count and pids: `stuck: 3 calls were still waiting when the
/// trace ended, the longest for 4.02 s; 3 on tcp 127.0.0.1:5433 (pids 7, 8, 9)`; calls in
/// progress at the attach say so first: `stuck: 3 calls on tcp 127.0.0.1:5433 since before the
/// attach (pids 7, 8, 9), the longest for at least 2.01 s`.
fn stuck_verdict(calls: &[StuckCall], not_kept: u64) -> String {
    let longest = calls.iter().map(|c| c.waited_s).fold(0.0, f64::max);
    if not_kept > 0 {
        // the table of waiting calls was full: the count is a floor, never exact
        return format!(
            "stuck: ≥ {} calls were still waiting when the trace ended ({} more not followed: memory cap), the longest for {}",
            number(calls.len() as u64),
            number(not_kept),
            secs(longest),
        );
    }
    let Some(first) = calls.first() else { return "stuck:".to_string() };
    let on: Vec<&StuckCall> = calls.iter().filter(|c| c.target == first.target).collect();
    let mut pids: Vec<Pid> = on.iter().map(|c| c.pid).collect();
    pids.sort_unstable();
    let shown: Vec<String> = pids.iter().take(PIDS_NAMED).map(Pid::to_string).collect();
    let more = if pids.len() > PIDS_NAMED { ", …" } else { "" };
    let pid_word = if pids.len() == 1 { "pid" } else { "pids" };
    let pids = format!("({pid_word} {}{more})", shown.join(", "));
    let of = if on.len() < calls.len() { format!("{} of {}", on.len(), calls.len()) } else { on.len().to_string() };
    let call_word = if calls.len() == 1 { "call" } else { "calls" };
    if on.iter().all(|c| c.before_attach) {
        let longest_on = on.iter().map(|c| c.waited_s).fold(0.0, f64::max);
        let the_longest = if on.len() == 1 { "" } else { "the longest " };
        return format!(
            "stuck: {of} {call_word} on {} since before the attach {pids}, {the_longest}for at least {}",
            first.target,
            secs(longest_on)
        );
    }
    let head = match calls.len() {
        1 => format!("stuck: 1 call was still waiting when the trace ended, for {}", secs(longest)),
        n => format!(
            "stuck: {} calls were still waiting when the trace ended, the longest for {}",
            number(n as u64),
            secs(longest)
        ),
    };
    if calls.len() == 1 {
        return format!("{head}, on {} {pids}", first.target);
    }
    format!("{head}; {} on {} {pids}", on.len(), first.target)
}

/// Pids named in a stuck verdict.
const PIDS_NAMED: usize = 8;

/// `pid 812 futex on futex 0x55d0c0a0: waiting 3.02 s (since 10:15:02.412345)`.
pub(crate) fn stuck_line(s: &StuckReport) -> String {
    let at_least = if s.before_attach { "at least " } else { "" };
    let waited = s.waited_s.map_or_else(|| "still waiting".to_string(), |w| format!("waiting {at_least}{}", secs(w)));
    let since = s.since.as_deref().map_or_else(String::new, |t| format!(" (since {t})"));
    let idle = if s.idle { ", idle" } else { "" };
    format!("pid {} {} on {}: {waited}{since}{idle}", s.pid, s.syscall, s.target)
}

/// `slowest request: 5.01 s (pid 41), answered 200 — 5.00 s of it waiting on tcp 127.0.0.1:5433`.
pub(crate) fn slow_request(r: &SlowRequest) -> String {
    request_line("slowest request", r)
}

/// `slowest 5xx: 2.01 s (pid 41), answered 504 — 2.00 s of it waiting on tcp 127.0.0.1:8081`.
pub(crate) fn slow_error(r: &SlowRequest) -> String {
    request_line("slowest 5xx", r)
}

fn request_line(which: &str, r: &SlowRequest) -> String {
    let answered = r.status.map_or_else(|| "connection closed".to_string(), |c| format!("answered {c}"));
    let inside = match (&r.waiting_on, r.waiting_s) {
        (Some(on), Some(s)) => format!(" — {} of it waiting on {on}", secs(s)),
        _ => String::new(),
    };
    format!("{which}: {} (pid {}), {answered}{inside}", secs(r.latency_s), r.pid)
}

/// What to do when the trace has neither durations nor timestamps.
pub(crate) fn not_measured(m: Measured) -> Option<&'static str> {
    (m == Measured::None)
        .then_some("waits not measured: the trace has no durations or timestamps (trace with strace -tt -T)")
}

/// Idle threads named one by one on the line that counts them, when no more.
const IDLE_NAMED: usize = 3;
/// Unix sockets whose peer's holders are named, and holders named per socket.
const PEERS_NAMED: usize = 4;

/// `attach`, before the trace: what the threads were blocked in. Threads of one program on one
/// target make one line (`3 of 3 php-fpm8.2 blocked on tcp 127.0.0.1:5433 in poll (pids 7, 8,
/// 9), since before the attach`), the most numerous first; one thread is
/// `26061 read on tcp 127.0.0.1:5433 (since before the attach)`; idle ones (waiting for
/// clients, work or a timer) are one count at the end.
pub(crate) fn blocked_lines(snapshot: &crate::report::Snapshot) -> Vec<String> {
    let mut groups: Vec<(&str, TraceText, Vec<&crate::report::Blocked>)> = Vec::new();
    let mut idle: Vec<&crate::report::Blocked> = Vec::new();
    for b in &snapshot.blocked {
        if b.call.idle {
            idle.push(b);
            continue;
        }
        let label = b.call.on.label();
        match groups.iter_mut().find(|(comm, on, _)| *comm == b.comm && *on == label) {
            Some(g) => g.2.push(b),
            None => groups.push((&b.comm, label, vec![b])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.2.len()));
    let mut lines: Vec<String> = groups
        .iter()
        .map(|(comm, on, threads)| match threads.as_slice() {
            [one] => format!("{} {} on {on} (since before the attach)", one.tid, one.call.syscall),
            many => {
                let of = snapshot.processes.get(*comm).copied().unwrap_or(0).max(many.len());
                let mut calls: Vec<&str> = many.iter().map(|b| b.call.syscall.as_str()).collect();
                calls.dedup();
                let pids: Vec<String> = many.iter().take(PIDS_NAMED).map(|b| b.tid.to_string()).collect();
                let more = if many.len() > PIDS_NAMED { ", …" } else { "" };
                format!(
                    "{} of {of} {comm} blocked on {on} in {} (pids {}{more}), since before the attach",
                    many.len(),
                    calls.join(", "),
                    pids.join(", ")
                )
            }
        })
        .collect();
    for (pid, doing) in &snapshot.holders {
        lines.push(format!("lock holder {pid} is in {doing} now (from /proc)"));
    }
    for end in &snapshot.pipe_ends {
        let who = if end.write_end { "writer" } else { "reader" };
        for (pid, doing) in &end.holders {
            let doing = doing
                .as_ref()
                .map_or_else(|| "running".to_string(), |(call, on)| format!("in {call} on {}", on.label()));
            lines.push(format!("pipe:[{}] {who} {pid} is {doing} now (from /proc)", end.inode));
        }
    }
    // a pool's workers each wait on a socket of their own: the first few say who answers
    for end in snapshot.socket_ends.iter().take(PEERS_NAMED) {
        for (pid, cmd, doing) in end.holders.iter().take(PEERS_NAMED) {
            let doing = doing
                .as_ref()
                .map_or_else(|| "running".to_string(), |(call, on)| format!("in {call} on {}", on.label()));
            let cmd = if cmd.is_empty() { String::new() } else { format!(" ({cmd})") };
            lines.push(format!("unix socket:[{}] peer held by pid {pid}{cmd} is {doing} now (from /proc)", end.inode));
        }
        if end.holders.len() > PEERS_NAMED {
            let more = end.holders.len() - PEERS_NAMED;
            lines.push(format!("unix socket:[{}] peer held by {more} more processes", end.inode));
        }
    }
    if snapshot.socket_ends.len() > PEERS_NAMED {
        let more = snapshot.socket_ends.len() - PEERS_NAMED;
        lines.push(format!("{more} more unix sockets waited on have their peer held by another process"));
    }
    if !idle.is_empty() {
        let n = idle.len();
        let threads = if n == 1 { "1 more thread was" } else { &format!("{n} more threads were") };
        // a few are named: a lone process waiting on a semaphore or a queue is found by it
        let named = if n <= IDLE_NAMED {
            let each: Vec<String> =
                idle.iter().map(|b| format!("{} {} on {}", b.tid, b.call.syscall, b.call.on.label())).collect();
            format!(": {}", each.join(", "))
        } else {
            String::new()
        };
        lines.push(format!("{threads} idle at the attach (waiting for clients, work or a timer){named}"));
    }
    lines
}

/// `waits on 195,904 more targets not attributed (4,096 targets kept: memory cap)`.
pub(crate) fn waits_overflow(n: u64) -> String {
    format!("{} waits on more targets not attributed (the first 4,096 targets kept: memory cap)", number(n))
}

/// `… and 4,090 more stuck calls (JSON lists them)`: the tail of a list cut at `shown`;
/// `not_kept` more were not followed at all (memory cap).
pub(crate) fn more_stuck(listed: usize, shown: usize, not_kept: u64) -> Option<String> {
    let more = listed.saturating_sub(shown) as u64;
    match (more, not_kept) {
        (0, 0) => None,
        (m, 0) => Some(format!("… and {} more stuck calls (`--format json` lists them)", number(m))),
        (m, n) => Some(format!(
            "… and {} more stuck calls (`--format json` lists them), and {} waiting calls not followed (memory cap)",
            number(m),
            number(n)
        )),
    }
}

/// A wait chain in one line: `chain: 100 wait4 on child 101 for 3.94 s → 101 write on
/// pipe:[812], still waiting after 2.10 s → read end held by 100 (a deadlock)`; threads stuck
/// on each other's futexes: `deadlock: threads 7, 8 wait on futex 0x55a0 and 9 on futex 0x55c0,
/// none returned (at least 2.60 s): …`.
pub(crate) fn chain_line(c: &ChainReport) -> String {
    if c.links.iter().any(|l| l.next == Some(ChainVia::Futex)) {
        return futex_deadlock(c);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut via: Option<ChainVia> = None;
    for l in &c.links {
        let held = match via {
            Some(ChainVia::WriteEnd) => format!("write end held by {} → ", l.pid),
            Some(ChainVia::ReadEnd) => format!("read end held by {} → ", l.pid),
            Some(ChainVia::Peer) => format!("peer held by {} → ", l.pid),
            _ => String::new(),
        };
        parts.push(format!("{held}{}", link_wait(l)));
        via = l.next;
    }
    let mut line = format!("chain: {}", parts.join(" → "));
    // the last link's next process is one the chain already named
    if let (true, Some(last), Some(back)) = (c.deadlock, c.links.last(), c.back_to) {
        let who = match last.next {
            Some(ChainVia::WriteEnd) => "write end held by ",
            Some(ChainVia::ReadEnd) => "read end held by ",
            Some(ChainVia::Peer) => "peer held by ",
            _ => "",
        };
        line.push_str(&format!(" → {who}{back} (a deadlock)"));
    }
    line
}

/// `101 recvfrom on tcp 127.0.0.1:5433 for 3.84 s`, `7 sleeps in clock_nanosleep for 4.00 s`.
fn link_wait(l: &ChainLink) -> String {
    let (Some(syscall), Some(target)) = (&l.syscall, &l.target) else {
        return format!("{} (no wait of it seen)", l.pid);
    };
    let time = match (l.waited_s, l.stuck, l.before_attach) {
        (Some(w), true, true) => format!(", still waiting after at least {}", secs(w)),
        (Some(w), true, false) => format!(", still waiting after {}", secs(w)),
        (Some(w), false, _) => format!(" for {}", secs(w)),
        (None, ..) if l.from_proc => " at the attach (from /proc)".to_string(),
        (None, ..) => String::new(),
    };
    if target.as_bytes() == b"sleep" {
        return format!("{} sleeps in {syscall}{time}", l.pid);
    }
    format!("{} {syscall} on {target}{time}", l.pid)
}

fn futex_deadlock(c: &ChainReport) -> String {
    let mut groups: Vec<(&TraceText, Vec<Pid>)> = Vec::new();
    for l in &c.links {
        let Some(t) = &l.target else { continue };
        match groups.iter_mut().find(|(g, _)| *g == t) {
            Some((_, pids)) => pids.push(l.pid),
            None => groups.push((t, vec![l.pid])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(k, (t, pids))| {
            let names: Vec<String> = pids.iter().map(Pid::to_string).collect();
            let verb = if pids.len() == 1 { "waits" } else { "wait" };
            let who = if k == 0 && pids.len() > 1 {
                "threads "
            } else if k == 0 {
                "thread "
            } else {
                ""
            };
            if k == 0 {
                format!("{who}{} {verb} on {t}", names.join(", "))
            } else {
                format!("{} on {t}", names.join(", "))
            }
        })
        .collect();
    let least = c.links.iter().filter_map(|l| l.waited_s).fold(f64::MAX, f64::min);
    let at_least = if c.links.iter().any(|l| l.before_attach) { "at least " } else { "" };
    format!(
        "deadlock: {}, none returned in {at_least}{}: each thread likely holds a lock another waits for (a debugger's `thread apply all bt` names which)",
        parts.join(" and "),
        secs(least)
    )
}

/// `retrying tcp 127.0.0.1:6379: 7 attempts over 12.4 s, connection refused`.
pub(crate) fn retry_line(target: &TraceText, r: &Retry) -> String {
    let over = r.over_s.map_or_else(String::new, |s| format!(" over {}", secs(s)));
    format!("retrying {target}: {} attempts{over}, {}", number(r.attempts), super::connection(&r.errno, &r.errmsg))
}

/// `tcp 127.0.0.1:5433 ended in a timeout: 3 calls failed with ETIMEDOUT, 2 lines of error
/// text and 1 answer 504 followed — consequences of this wait, not causes`.
pub(crate) fn ended_line(target: &TraceText, e: &EndedInTimeout) -> String {
    format!("{target} ended in a timeout: {}", ended_parts(e))
}

/// `3 calls failed with ETIMEDOUT, 2 error lines said so — consequences of this wait, not causes`.
fn ended_parts(e: &EndedInTimeout) -> String {
    let count = super::screen::count;
    let mut parts = Vec::new();
    if e.failures > 0 {
        parts.push(format!("{} failed with ETIMEDOUT", count(e.failures, "call", "calls")));
    }
    if e.errors > 0 {
        parts.push(format!("{} said so", count(e.errors, "error line", "error lines")));
    }
    if e.answers > 0 {
        parts.push(format!("{} 504", count(e.answers, "answer was", "answers were")));
    }
    format!("{} — consequences of this wait, not causes", parts.join(", "))
}

/// The timeout line of a verdict (`ended in a timeout: …`), when its waits' timeouts were
/// followed by failures or text.
pub(crate) fn verdict_ended(v: &Verdict) -> Option<String> {
    match v {
        // under the verdict, which names the target
        Verdict::Slow { ended_in_timeout: Some(e), .. } => Some(format!("ended in a timeout: {}", ended_parts(e))),
        _ => None,
    }
}

/// The retry line of a verdict, when its target was retried.
pub(crate) fn verdict_retry(v: &Verdict) -> Option<String> {
    match v {
        Verdict::Slow { target, retry: Some(r), .. } => Some(retry_line(target, r)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_strace_users_think_of_them() {
        assert_eq!(secs(30.1234), "30.1 s");
        assert_eq!(secs(5.0), "5.00 s");
        assert_eq!(secs(0.0123), "12 ms");
        assert_eq!(secs(0.00031), "310 µs");
    }

    #[test]
    fn a_pools_socket_peers_are_named_a_few_at_a_time() {
        use crate::analysis::waits::on::On;
        use crate::inflight::SocketEnd;
        let end = |inode: u64, holders: u32| SocketEnd {
            waiter: 1,
            on: On::Peer { proto: "unix", addr: format!("socket:[{inode}]") },
            inode,
            holders: (0..holders).map(|h| (100 + h, "worker".to_string(), Some(("read", On::Sleep)))).collect(),
        };
        let socket_ends = vec![end(10, 6), end(11, 1), end(12, 1), end(13, 1), end(14, 1), end(15, 0)];
        let snapshot = crate::report::Snapshot { socket_ends, ..Default::default() };
        let lines = blocked_lines(&snapshot);
        assert_eq!(lines[0], "unix socket:[10] peer held by pid 100 (worker) is in read on sleep now (from /proc)");
        assert_eq!(lines[4], "unix socket:[10] peer held by 2 more processes");
        assert_eq!(lines[5], "unix socket:[11] peer held by pid 100 (worker) is in read on sleep now (from /proc)");
        assert_eq!(
            lines.last().map(String::as_str),
            Some("2 more unix sockets waited on have their peer held by another process")
        );
        assert_eq!(lines.len(), 4 + 1 + 3 + 1);
    }
}

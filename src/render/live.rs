//! What is printed while a live source is read: a `suspect:` line the moment a process reacts
//! to a failure (`--live`), and the status line kept on stderr.

use super::words;
use crate::event::Pid;
use crate::report::build::LiveSuspect;
use crate::report::FollowedBy;
use crate::report::{Refusal, Tree};
use crate::text::TraceText;

/// `suspect: /etc/x.conf  ENOENT  openat pid 42  likely typo: /etc/x.cnf exists  → HTTP 500`.
pub(crate) fn suspect_line(s: &LiveSuspect) -> String {
    let pid = s.pid.map(|p| format!(" pid {p}")).unwrap_or_default();
    let mut line = format!("suspect: {}  {}  {}{pid}", s.path, s.errno, s.syscall);
    if let Some(t) = &s.typo {
        line.push_str(&format!("  likely typo: {t} exists"));
    }
    match &s.reaction {
        Some(FollowedBy::Http { code, .. }) => line.push_str(&format!("  → HTTP {code}")),
        Some(FollowedBy::ErrorOutput(t)) => line.push_str(&format!("  → \"{t}\"")),
        Some(f) => line.push_str(&format!("  → {}", words::followed_by(f))),
        None => {}
    }
    line
}

/// The status line's text (the caller draws it over the previous one); `waiting`: the
/// longest non-idle wait in progress, its target and for how long so far.
pub(crate) fn status_line(
    lines: u64,
    failed: u64,
    groups: usize,
    suspects: usize,
    waiting: Option<(&TraceText, f64)>,
    finishing: bool,
) -> String {
    let hint = if finishing { "finishing…" } else { "Ctrl-C for the report" };
    let wait = waiting.map_or_else(String::new, |(on, s)| format!(", waiting {} on {on}", words::secs(s)));
    format!("straceback: {lines} lines, {failed} failed in {groups} groups, {suspects} suspects{wait} — {hint}")
}

/// `run` after the report of a Ctrl-C: the command ignored it and still runs.
pub(crate) fn still_running() -> &'static str {
    words::STILL_RUNNING
}

/// Moves to column 0 and erases the line: drawn before the status line, and before anything
/// else is printed over it.
pub(crate) const ERASE_LINE: &str = "\r\x1b[2K";

/// Pids listed in a sentence before `…`.
const PIDS_LISTED: usize = 8;

fn pid_list(pids: &[Pid]) -> String {
    let mut list: Vec<String> = pids.iter().take(PIDS_LISTED).map(ToString::to_string).collect();
    if pids.len() > PIDS_LISTED {
        list.push("…".into());
    }
    list.join(" ")
}

/// `attached to 3 processes (2341 and its 2 children 2342 2343)`; `trees`: each with whether
/// its root was attached (else only the processes below it were); `refused`: the processes
/// strace could not attach to, named after them.
pub(crate) fn attached(trees: &[(Tree, bool)], refused: &[Refusal]) -> String {
    let total: usize = trees.iter().map(|(t, root)| usize::from(*root) + t.below.len()).sum();
    let mut parts: Vec<String> = trees
        .iter()
        .map(|(t, root)| {
            let n = t.below.len() as u64;
            let what = match (t.children_only, n) {
                (_, 0) => return t.root.to_string(),
                (true, _) => words::count(n, "child", "children"),
                (false, _) => words::count(n, "descendant", "descendants"),
            };
            match root {
                true => format!("{} and its {what} {}", t.root, pid_list(&t.below)),
                false => format!("the {what} of {}: {}", t.root, pid_list(&t.below)),
            }
        })
        .collect();
    parts.extend(refusals(refused));
    let left_out: usize = trees.iter().map(|(t, _)| t.left_out).sum();
    if left_out > 0 {
        parts.push(format!(
            "left out: straceback itself and {} above it",
            words::count(left_out as u64, "process", "processes")
        ));
    }
    format!("attached to {} ({})", words::count(total as u64, "process", "processes"), parts.join("; "))
}

/// Refusals strace reported after the attached line was printed.
pub(crate) fn refused_later(refused: &[Refusal]) -> String {
    format!(
        "strace could not attach to {}: {}",
        words::count(refused.len() as u64, "more process", "more processes"),
        refusals(refused).join("; ")
    )
}

/// `detached from 1,885 processes` (strace says it once per process).
pub(crate) fn detached(n: u64) -> String {
    format!("detached from {}", words::count(n, "process", "processes"))
}

/// Each process asked for by name (`2341 itself: Operation not permitted — already traced by
/// pid 77 (strace)`), the others in one count per reason (`5 exited during the walk`).
fn refusals(refused: &[Refusal]) -> Vec<String> {
    let mut out: Vec<String> = refused
        .iter()
        .filter(|r| r.asked)
        .map(|r| match &r.traced_by {
            Some((by, name)) => format!(
                "{} itself: {} — already traced by pid {by} ({})",
                r.pid,
                TraceText::from(r.why.as_str()),
                TraceText::from(name.as_str())
            ),
            None => format!("{} itself: {}", r.pid, TraceText::from(r.why.as_str())),
        })
        .collect();
    let mut by_reason: std::collections::BTreeMap<&str, Vec<Pid>> = std::collections::BTreeMap::new();
    for r in refused.iter().filter(|r| !r.asked) {
        by_reason.entry(r.why.as_str()).or_default().push(r.pid);
    }
    for (why, pids) in by_reason {
        let n = pids.len() as u64;
        out.push(match why {
            "No such process" => format!("{} exited during the walk", words::count(n, "process", "processes")),
            _ => format!(
                "{} not attached: {} ({})",
                words::count(n, "process", "processes"),
                TraceText::from(why),
                pid_list(&pids)
            ),
        });
    }
    out
}

/// A piped or saved trace that shows `pid` attached, while processes below it, alive on this
/// host since before the trace, never appear in it: `strace -p` follows only the children
/// forked after it attached.
pub(crate) fn untraced(pid: Pid, missing: &[Pid]) -> String {
    let all: Vec<String> = std::iter::once(pid).chain(missing.iter().copied()).map(|p| format!("-p {p}")).collect();
    format!(
        "warning: process {pid} has {} alive on this host that never appear in the trace ({}): strace follows \
         only the children forked after it attached. Trace them all: straceback attach {pid}   or   strace -f {} 2>&1 | straceback",
        words::count(missing.len() as u64, "child process", "child processes"),
        pid_list(missing),
        all.join(" ")
    )
}

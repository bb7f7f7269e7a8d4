//! What is printed while a live source is read: a `suspect:` line the moment a process reacts
//! to a failure (`--live`), and the status line kept on stderr.

use super::escape::terminal as esc;
use super::words;
use crate::report::build::LiveSuspect;
use crate::report::FollowedBy;

/// `suspect: /etc/x.conf  ENOENT  openat pid 42  likely typo: /etc/x.cnf exists  → HTTP 500`.
pub(crate) fn suspect_line(s: &LiveSuspect) -> String {
    let pid = s.pid.map(|p| format!(" pid {p}")).unwrap_or_default();
    let mut line = format!("suspect: {}  {}  {}{pid}", esc(&s.path), s.errno, s.syscall);
    if let Some(t) = &s.typo {
        line.push_str(&format!("  likely typo: {} exists", esc(t)));
    }
    match &s.reaction {
        Some(FollowedBy::Http { code, .. }) => line.push_str(&format!("  → HTTP {code}")),
        Some(FollowedBy::ErrorOutput(t)) => line.push_str(&format!("  → \"{}\"", esc(t))),
        Some(f) => line.push_str(&format!("  → {}", words::followed_by(f))),
        None => {}
    }
    line
}

/// The status line's text (the caller draws it over the previous one).
pub(crate) fn status_line(lines: u64, failed: u64, groups: usize, suspects: usize, finishing: bool) -> String {
    let hint = if finishing { "finishing…" } else { "Ctrl-C for the report" };
    format!("straceback: {lines} lines, {failed} failed in {groups} groups, {suspects} suspects — {hint}")
}

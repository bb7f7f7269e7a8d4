//! The words of the one-screen report: numbers and plurals, the summary and verdict lines, the
//! fix line, reasons in a few words.

use super::*;

/// `12,549`.
pub(crate) fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 process`, `2,023 lines`.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", number(n), if n == 1 { one } else { many })
}

/// `straceback: 2,023 lines, 2 processes, 124 failed syscalls in 44 groups (34 noise), 03:01:27 – 03:01:33`.
pub(crate) fn summary_line(s: &Summary) -> String {
    let span = match (&s.first_time, &s.last_time) {
        (Some(a), Some(b)) => format!(", {a} – {b}"),
        _ => String::new(),
    };
    format!(
        "straceback: {}, {}, {} in {} ({} noise){span}",
        count(s.lines, "line", "lines"),
        processes(s.processes, s.processes_capped),
        count(s.failures, "failed syscall", "failed syscalls"),
        count(s.groups, "group", "groups"),
        number(s.noise_groups),
    )
}

/// The header's note on a trace that shows some syscalls only.
pub(crate) const SOME_SYSCALLS_ONLY: &str =
    "this trace shows some syscalls only (no close or write: strace -e trace=...): what the filter hid is not in it";

/// The header's note on saved files whose reading Ctrl-C stopped.
pub(crate) fn interrupted(cut: &crate::report::ReadCut) -> String {
    format!(
        "interrupted: {} of {} bytes read (Ctrl-C); the report covers those only",
        number(cut.read_bytes),
        number(cut.total_bytes)
    )
}

/// The header's note on a trace of failed calls only.
pub(crate) const FAILURES_ONLY: &str =
    "this trace shows failed calls only (strace -Z): what succeeded after them is not in it";

/// `2 processes`; `≥ 1,000,000 processes` once the count reached its cap.
pub(crate) fn processes(n: u64, capped: bool) -> String {
    let counted = count(n, "process", "processes");
    if capped {
        format!("≥ {counted}")
    } else {
        counted
    }
}

/// The typo lookups stopped at their budget.
pub(crate) const TYPO_BUDGET_SPENT: &str =
    "typo checks stopped at their budget (20,000,000 names compared): some groups were not checked for a typo";

/// Failures past `--max-groups`.
pub(crate) fn overflow(n: u64) -> String {
    format!("{} not grouped: --max-groups reached", count(n, "failure", "failures"))
}

/// Members of a `-ff` set left unread by the inputs' memory cap or the set's listing cap.
pub(crate) fn files_unread(n: u64) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "{} of the -ff set not read: a set is read up to 100,000 files and 128 MiB of memory for all inputs together",
            count(n, "file", "files")
        )
    })
}

/// Which tables reached their memory cap, in a short line (the default screen), when one did.
pub(crate) fn memory_caps_short(c: &crate::report::MemoryCaps) -> Option<String> {
    let tables = [
        (c.unfinished_calls, "unfinished calls"),
        (c.processes, "processes"),
        (c.descriptor_tables, "descriptor tables"),
        (c.failures, "failure groups"),
        (c.evidence, "evidence"),
        (c.known_paths, "known paths"),
        (c.stuck_calls, "stuck calls"),
        (c.wait_targets, "wait targets"),
    ];
    let hit: Vec<&str> = tables.iter().filter(|(n, _)| *n > 0).map(|(_, t)| *t).collect();
    (!hit.is_empty()).then(|| format!("memory caps hit (-v says what was dropped): {}", hit.join(", ")))
}

/// `ignored as impossible: 3 durations, 1 timestamp of another format`.
pub(crate) fn ignored_times(durations: u64, timestamps: u64) -> Option<String> {
    let parts: Vec<String> = [
        (
            durations,
            "duration (negative, not a number, over 116 days, or past the process's next line or the trace's end)",
            "durations (negative, not a number, over 116 days, or past the process's next line or the trace's end)",
        ),
        (timestamps, "timestamp of another format", "timestamps of another format"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| count(n, one, many))
    .collect();
    (!parts.is_empty()).then(|| format!("ignored as impossible, their calls kept: {}", parts.join(", ")))
}

/// What the memory caps dropped, when they dropped anything.
pub(crate) fn memory_caps(c: &crate::report::MemoryCaps) -> Option<String> {
    let parts: Vec<String> = [
        (c.unfinished_calls, "unfinished call given up", "unfinished calls given up"),
        // a process seen again after it was forgotten may be forgotten again: counted per time
        (c.processes, "time a process was forgotten", "times a process was forgotten"),
        (c.descriptor_tables, "descriptor table emptied", "descriptor tables emptied"),
        (c.failures, "failure not grouped", "failures not grouped"),
        (c.evidence, "group without all its evidence", "groups without all their evidence"),
        // a path not remembered is not remembered as seen either: counted per call
        (c.known_paths, "successful path call not remembered", "successful path calls not remembered"),
        (c.stuck_calls, "waiting call not followed", "waiting calls not followed"),
        (c.wait_targets, "wait on a target past the 4,096 kept", "waits on targets past the 4,096 kept"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| count(n, one, many))
    .collect();
    (!parts.is_empty()).then(|| format!("memory caps hit: {}", parts.join(", ")))
}

/// The verdict's heading.
pub(crate) fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Clear => "A clear cause:",
        Confidence::Several => "Several candidates, the likeliest first:",
        Confidence::Unclear => "Nothing stands out; the likeliest failures:",
        Confidence::Independent => "Independent problems, the largest first:",
    }
}

/// A crash that no failure explains; a kill another process sent, with its sender and what
/// followed from it: `killed: pid 14015 by SIGTERM from pid 14013 (trace.txt:872); then 1
/// connection reset, 1 HTTP 5xx response`.
pub(crate) fn unexplained_crash(c: &crate::report::Crash) -> String {
    let Some(by) = &c.sent_by else {
        return format!("crash: pid {} was killed by {}; no failed call explains it", c.pid, c.signal);
    };
    let pids = match c.also.as_slice() {
        [] => format!("pid {}", c.pid),
        more => {
            let all: Vec<String> = std::iter::once(&c.pid).chain(more).map(ToString::to_string).collect();
            format!("pids {}", all.join(", "))
        }
    };
    let mut s = format!("killed: {pids} by {} from pid {} ({})", c.signal, by.pid, line_of(&by.at));
    let mut followed = Vec::new();
    if c.resets > 0 {
        followed.push(count_word(c.resets, "connection reset"));
    }
    if c.http_5xx > 0 {
        followed.push(count_word(c.http_5xx, "HTTP 5xx response"));
    }
    if !followed.is_empty() {
        s.push_str(&format!("; then {}", followed.join(", ")));
    }
    s
}

/// What the sender of a kill wrote about it: `pid 812 wrote "child 14015 … terminating"
/// (trace.txt:876)`.
pub(crate) fn killer_said(c: &crate::report::Crash) -> Option<String> {
    let by = c.sent_by.as_ref()?;
    let said = by.said.as_ref()?;
    Some(format!("pid {} wrote \"{}\" ({})", by.pid, said.text, line_of(&said.at)))
}

/// `trace.txt:872`: the trace file by its name (its directory is the user's own), and the line.
fn line_of(at: &crate::report::At) -> String {
    let path = at.source.as_bytes();
    let name = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    format!("{}:{}", shown(name), at.line)
}

/// The last line of the one-screen report.
/// Under a wait verdict, the failures that explain nothing: counted, not listed.
pub(crate) fn failures_beside_wait(suspects: usize) -> String {
    let them = if suspects == 1 { "1 failure that explains nothing" } else { "failures that explain nothing" };
    let n = if suspects == 1 { String::new() } else { format!("{} ", number(suspects as u64)) };
    format!("No failed call explains the wait; -v lists the {n}{them}, --all every group")
}

/// `-v` under a wait verdict: the failures are listed by path, not as candidates.
pub(crate) const FAILURES_BESIDE_WAIT_LISTED: &str =
    "No failed call explains the wait; the failures below are listed by path, not as causes";

pub(crate) fn see_more(more_suspects: usize) -> String {
    let more = match more_suspects {
        0 => String::new(),
        1 => "1 more suspect; ".to_string(),
        n => format!("{} more suspects; ", number(n as u64)),
    };
    format!("{more}-v for every reason and score, the failures by path and the noise; --all for every group")
}

/// The change to make, when the report knows it: where the wrong name is given and what exists
/// instead, the line that sets what the failure ran into, or the target a dangling link needs.
pub(crate) fn fix(s: &Suspect) -> Option<String> {
    // an address is named without its protocol
    let path = s.path.as_bytes();
    let name = path.strip_prefix(b"tcp ").or_else(|| path.strip_prefix(b"udp ")).unwrap_or(path);
    let name = shown(name.strip_prefix(b"unix ").unwrap_or(name));
    let Some(t) = &s.typo else {
        if s.referenced_from.is_none() {
            return s
                .explanation
                .as_ref()
                .and_then(|e| relink_line(e).or_else(|| file_instead_line(e)).or_else(|| moved_line(e)));
        }
        return s.referenced_from.as_ref().map(|r| match r {
            Reference::File { path, line, found: Found::ErrorText, .. } => {
                format!("{path}:{line} — where the error output says it failed")
            }
            Reference::File { path, line, found, place: None } => {
                format!("{path}:{line} names {name}{}", how_found(found))
            }
            // the line names the directory (or given name) the failing path was made from
            Reference::File { path, line, found, place: Some(place) } => {
                format!("{path}:{line} names {place}{}", how_found(found))
            }
            Reference::CommandLine { pid, argument } => format!("{argument} is given on the command line of pid {pid}"),
            Reference::Setting { path, line, found, sets: what, text } => {
                format!("{path}:{line} sets {}: {text}{}", sets(*what), how_found(found))
            }
        });
    };
    let (wrong, right) = differing_component(s.path.as_bytes(), t.suggestion.as_bytes());
    // a `/` left out: `staticcss` is `static` and `css` below it
    let right = match (t.kind, wrong.strip_prefix(right)) {
        (TypoKind::MissingSlash, Some(rest)) => format!("{}/{}", shown(right), shown(rest)),
        _ => shown(right).to_string(),
    };
    let wrong = shown(wrong);
    let exists = format!("{right} exists ({}, {})", edits(t.distance), evidence(t.evidence));
    Some(match &s.referenced_from {
        // the line names what the wrong path was glued from
        Some(Reference::File { path, line, found, place: Some(place) }) => {
            format!("{path}:{line}{} names {place}, and {wrong} is made from it — {exists}", how_found(found))
        }
        Some(Reference::File { path, line, found: Found::ErrorText, .. }) => {
            format!("{path}:{line} (where the error output says it failed) — {wrong} → {exists}")
        }
        Some(Reference::File { path, line, found, .. }) => {
            format!("{path}:{line}{} names {wrong} — {exists}", how_found(found))
        }
        Some(Reference::CommandLine { pid, argument }) => {
            format!("{argument} on the command line of pid {pid} — {exists}")
        }
        Some(Reference::Setting { path, line, found, sets: what, text }) => {
            format!("{path}:{line} sets {}: {text}{} — {exists}", sets(*what), how_found(found))
        }
        None => format!("{wrong} → {exists}; no file the process read names it"),
    })
}

/// ` (found by searching /srv/app)` for a pointer no file of the trace gave.
fn how_found(found: &Found) -> String {
    super::found(found, &None)
}

/// The first path component where `wrong` and `right` differ (`htlm`, `html`).
pub(crate) fn differing_component<'a>(wrong: &'a [u8], right: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    // a socket is shown with its protocol (`unix /run/app.sock`), its suggestion is a path
    let wrong = match memchr::memchr(b' ', wrong) {
        Some(i) if right.starts_with(b"/") && wrong[i + 1..].starts_with(b"/") => &wrong[i + 1..],
        _ => wrong,
    };
    let pairs = wrong.split(|&c| c == b'/').zip(right.split(|&c| c == b'/'));
    pairs.into_iter().find(|(a, b)| a != b).unwrap_or((wrong, right))
}

/// A reason in a few words for the `why:` line, or `None` for those the headline already says
/// (the errno) or that tell little alone.
pub(crate) fn reason_short(why: &Why) -> Option<String> {
    Some(match why {
        Why::Typo { kind: TypoKind::MissingSlash, .. } => "a / likely left out".into(),
        Why::Typo { suggestion, .. } => {
            format!("a likely typo of {}", shown(suggestion.rsplit(|&c| c == b'/').next().unwrap_or(suggestion)))
        }
        Why::NamedInError => "an error names it".into(),
        Why::StemInError => "an error names it (without extension)".into(),
        Why::ErrorText => "error output followed".into(),
        Why::HttpError { server: true, count } => format!("{} followed", count_word(*count, "HTTP 5xx response")),
        Why::HttpError { server: false, count } => format!("{} followed", count_word(*count, "HTTP 4xx response")),
        Why::Killed { signal } => format!("the process was then killed by {signal}"),
        Why::ExitStatus { code } => format!("the process then exited with status {code}"),
        Why::ClientRequest { count } => {
            format!("{} for a file the client asked for", count_word(*count, "HTTP 4xx response"))
        }
        Why::PathsBelow { paths, .. } => format!("{} below it failed", count_word(*paths as u64, "path")),
        Why::ClientTypo { url } => format!("a client asked for {}", shown(url)),
        Why::ProcessWide { errno } => format!("{errno} affects the whole process"),
        Why::DanglingLink => "a symlink whose target is gone".into(),
        Why::AfterExec { failures } => format!("{} followed the failed exec", count_word(*failures, "failure")),
        Why::ErrnoClass { .. }
        | Why::Resolved
        | Why::NeverResolved
        | Why::RequestSucceeded { .. }
        | Why::ExistenceCheck
        | Why::ActedOnDescriptor
        | Why::NoTarget
        | Why::AppTree
        | Why::SystemTree
        | Why::Unresolved
        | Why::Repeated { .. } => return None,
    })
}

/// `1 HTTP 5xx response`, `3 HTTP 5xx responses`.
fn count_word(n: u64, one: &str) -> String {
    count(n, one, &format!("{one}s"))
}

/// `run`: the report of a Ctrl-C is out, and the command, which ignored it, still runs.
pub(crate) const STILL_RUNNING: &str =
    "the command ignored Ctrl-C and still runs, traced; Ctrl-C again stops it and strace";

//! Every sentence the report says, in one place: score reasons, explanations, what followed a
//! failure, noise reasons and details, typo evidence, failed connections, the symptoms line.
//! Text, markdown, the live lines and the JSON's sentence fields all take their words from here.

use crate::errno::ErrnoClass;
use crate::render::escape::terminal as esc;
use crate::report::Confidence;
use crate::report::Why;
use crate::report::{Denied, Explained, Explanation, Id, Interpreter, Place, Source};
use crate::report::{DiskUsage, FollowedBy, Limit, Origin, Report, Resource, Summary, Suspect};
use crate::report::{Evidence, TypoKind};
use crate::report::{Found, Reference, Sets};
use crate::report::{Noise, NoiseReason};
use crate::text::{shown, TraceText};

mod explain;
mod screen;
mod waits;

pub(crate) use explain::*;
pub(crate) use screen::*;
pub(crate) use waits::*;

/// One part of a score, in words.
pub(crate) fn reason(why: &Why) -> String {
    match why {
        Why::ErrnoClass { class, errno, message } => {
            let msg = if message.is_empty() { String::new() } else { format!(" ({message})") };
            format!("{} error: {errno}{msg}", errno_class(*class))
        }
        Why::Resolved => "the same call succeeded later".into(),
        Why::NeverResolved => "never succeeded later in the trace".into(),
        Why::Typo { kind, suggestion, evidence: ev, distance } => format!(
            "likely typo ({}): {} exists ({}, {})",
            typo_kind(*kind),
            shown(suggestion),
            evidence(*ev),
            edits(*distance)
        ),
        Why::NamedInError => "the process then wrote an error naming it".into(),
        Why::StemInError => "the process then wrote an error naming it without its extension".into(),
        Why::ErrorText => "followed by error output".into(),
        Why::RequestSucceeded { code } => format!("the request still succeeded (HTTP {code})"),
        Why::HttpError { server: true, count } => format!("followed by HTTP 5xx responses ({count})"),
        Why::HttpError { server: false, count } => format!("followed by HTTP 4xx responses ({count})"),
        Why::Killed { signal } => format!("the process was then killed by {signal}"),
        Why::ExitStatus { code } => format!("the process then exited with status {code}"),
        Why::ClientRequest { count } => {
            format!("the client asked for a file that is missing: {count} HTTP 4xx responses (the server working)")
        }
        Why::ExistenceCheck => "only asked whether it exists (an optional file)".into(),
        Why::NoTarget => "no path or address involved".into(),
        Why::ProcessWide { errno } => format!("{errno} affects the whole process, not one path"),
        Why::AppTree => "in an application tree".into(),
        Why::SystemTree => "in a system tree that programs probe routinely".into(),
        Why::Unresolved => "relative path whose directory is unknown".into(),
        Why::ClientTypo { url } => {
            format!("a client asked for {}: the typo is in the request, not on the server", shown(url))
        }
        Why::Repeated { count, processes } => {
            let procs = if *processes > 1 { format!(" in {processes} processes") } else { String::new() };
            format!("repeated {count}×{procs}")
        }
        Why::PathsBelow { paths, failures } => format!(
            "{} below it failed ({})",
            count(*paths as u64, "path", "paths"),
            count(*failures, "failure", "failures")
        ),
        Why::DanglingLink => "a symlink whose target is gone (on disk)".into(),
        Why::ActedOnDescriptor => "failed reading or writing a file the program had opened".into(),
        Why::AfterExec { failures } => {
            format!("{} followed in the same process after the exec failed", count(*failures, "failure", "failures"))
        }
    }
}

fn errno_class(class: ErrnoClass) -> &'static str {
    match class {
        ErrnoClass::Permission => "permission",
        ErrnoClass::Missing => "missing",
        ErrnoClass::Network => "network",
        ErrnoClass::Resource => "resource",
        ErrnoClass::Probe => "probe",
        ErrnoClass::Transient => "transient",
        ErrnoClass::Other => "other",
    }
}

pub(crate) fn typo_kind(kind: TypoKind) -> &'static str {
    match kind {
        TypoKind::Case => "case",
        TypoKind::Edit => "edit",
        TypoKind::Extension => "extension",
        TypoKind::Separator => "separator",
        TypoKind::MissingSlash => "missing_slash",
    }
}

/// Where a typo's existing name was seen.
pub(crate) fn evidence(e: Evidence) -> &'static str {
    match e {
        Evidence::Disk => "on disk",
        Evidence::Trace => "seen in the trace",
    }
}

/// `1 edit`, `2 edits`.
pub(crate) fn edits(n: usize) -> String {
    if n == 1 {
        "1 edit".to_string()
    } else {
        format!("{n} edits")
    }
}

/// What followed a failure, after "followed by".
pub(crate) fn followed_by(f: &FollowedBy) -> String {
    match f {
        FollowedBy::Http { code, count, all } => {
            let of = if all > count { format!(" of {all}") } else { String::new() };
            format!("HTTP {code} responses ({count}{of})")
        }
        FollowedBy::ErrorOutput(t) => format!("error output \"{t}\""),
        FollowedBy::Killed { signal } => format!("killed by {signal}"),
        FollowedBy::Exit { code } => format!("exit status {code}"),
    }
}

/// Where a wrong path was given: `referenced from FILE:LINE`, `given on the command line of
/// pid N: ARG`; where what it ran into is set: `the descriptor limit is set in FILE:LINE: TEXT`.
pub(crate) fn reference(r: &Reference) -> String {
    match r {
        Reference::File { path, line, found: Found::ErrorText, .. } => {
            format!("where the error output says it failed: {path}:{line}")
        }
        Reference::File { path, line, found: how, place } => {
            format!("referenced from {path}:{line}{}", found(how, place))
        }
        Reference::CommandLine { pid, argument } => format!("given on the command line of pid {pid}: {argument}"),
        Reference::Setting { path, line, found: how, sets: what, text } => {
            let how = found(how, &None);
            format!("{} is set in {path}:{line}{how}: {text}", sets(*what))
        }
    }
}

/// What a setting line sets.
pub(crate) fn sets(what: Sets) -> &'static str {
    match what {
        Sets::SocketAccess => "who may connect",
        Sets::Limit(r) => limit_name(r),
        Sets::Interpreter => "the interpreter",
        Sets::ProcessId => "the process id",
    }
}

/// What a resource limit is called in the report.
pub(crate) fn limit_name(r: Resource) -> &'static str {
    match r {
        Resource::Files => "the descriptor limit",
        Resource::AddressSpace => "the address-space limit",
        Resource::Data => "the data-segment limit",
        Resource::Processes => "the process limit",
        Resource::FileSize => "the file-size limit",
    }
}

/// `after the exec failed, the same process failed on 12 paths: /usr/local/sbin/import, …`.
pub(crate) fn after_exec(paths: &[TraceText]) -> String {
    const LISTED: usize = 3;
    let mut list = paths.iter().take(LISTED).map(ToString::to_string).collect::<Vec<_>>().join(", ");
    if paths.len() > LISTED {
        list.push_str(", …");
    }
    format!("after the exec failed, the same process failed on {}: {list}", count(paths.len() as u64, "path", "paths"))
}

/// `also looked for in 2 other directories: /usr/share/php, /usr/lib/php`.
pub(crate) fn also_looked_in(paths: &[TraceText]) -> String {
    let dirs: Vec<String> = paths
        .iter()
        .map(|p| match crate::path::split(p.as_bytes()) {
            Some((d, _)) => shown(d).to_string(),
            None => p.to_string(),
        })
        .collect();
    let n = dirs.len();
    format!("also looked for in {n} other director{}: {}", if n == 1 { "y" } else { "ies" }, dirs.join(", "))
}

/// How a fix pointer was found when no file the process read named the path.
pub(crate) fn searched(dir: &TraceText) -> String {
    format!("found by searching {dir}")
}

/// ` (names /srv/app/var; found by searching /srv/app)`: the place a line names instead of the
/// failing path, and how a file the trace does not show read was found; empty when neither.
pub(crate) fn found(found: &Found, place: &Option<TraceText>) -> String {
    let how = match found {
        Found::Trace => None,
        Found::ErrorText => Some("where the error output says it failed".into()),
        Found::Searched(dir) => Some(searched(dir)),
        Found::Configuration { pid, file } => {
            Some(format!("in the configuration of pid {pid}: {file}, read from the disk"))
        }
    };
    let parts: Vec<String> = place.iter().map(|p| format!("names {p}")).chain(how).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// A noise reason, as a heading of the noise counts.
pub(crate) fn noise_reason(reason: NoiseReason) -> &'static str {
    match reason {
        NoiseReason::KnownBenign => "well-known benign paths (locale, loader, .htaccess, bytecode caches, ...)",
        NoiseReason::SearchPathProbe => {
            "search-path probes resolved later (found in another directory or as another name)"
        }
        NoiseReason::CreatedLater => "existence checks followed by creating the path",
        NoiseReason::CapabilityProbe => "capability probes (ENOTTY, EINVAL, EEXIST, ... provoked on purpose)",
        NoiseReason::SystemProbe => "system search paths, tolerated (no error followed)",
    }
}

/// What a noise judgement rests on.
pub(crate) fn noise_detail(n: &Noise) -> String {
    match n {
        Noise::KnownBenign { why } => why.clone(),
        Noise::SearchPathProbe { found } => format!("found later as {}", shown(found)),
        Noise::CreatedLater => "existence check, then the path was created".into(),
        Noise::CapabilityProbe { errno } => format!("{errno} is how programs probe for support; tolerated"),
        Noise::SystemProbe => "a system search path, tolerated (no error followed)".into(),
    }
}

/// A failed connection: `connection refused`, `no such socket`, else strace's message.
pub(crate) fn connection(errno: &str, message: &TraceText) -> String {
    match errno {
        "ECONNREFUSED" => "connection refused".to_string(),
        "ETIMEDOUT" => "connection timed out".to_string(),
        "ENOENT" => "no such socket".to_string(),
        "EACCES" | "EPERM" => "permission denied".to_string(),
        _ => message.to_string().to_lowercase(),
    }
}

/// One part of the symptoms line, terminal-safe; `failure`: it shows something going wrong (an HTTP 4xx/5xx,
/// a failed exit, a refused connection, a kill), which the text report colours.
pub(crate) struct SymptomPart {
    pub text: String,
    pub failure: bool,
}

/// The symptoms line in parts, grouped by kind (exits, connections, kills); HTTP responses
/// have their own line ([`answered_parts`]).
pub(crate) fn symptom_parts(report: &Report) -> Vec<Vec<SymptomPart>> {
    let sy = &report.symptoms;
    let exits = sy.exits.iter().map(|(c, n)| SymptomPart { text: format!("exit status {c} ×{n}"), failure: true });
    let net = sy.network.iter().take(3).map(|n| SymptomPart {
        text: format!("{}: {} ×{}", connection(&n.errno, &n.message), n.address, n.count),
        failure: true,
    });
    let mut kills: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for k in &sy.killed {
        let core = if k.core_dumped { " (core dumped)" } else { "" };
        *kills.entry(format!("killed by {}{core}", k.signal)).or_default() += 1;
    }
    let kills = kills.iter().map(|(k, n)| SymptomPart { text: format!("{k} ×{n}"), failure: true });
    let groups: Vec<Vec<SymptomPart>> = vec![exits.collect(), net.collect(), kills.collect()];
    groups.into_iter().filter(|g| !g.is_empty()).collect()
}

/// What the service answered, errors first: `4×502 *.php`, `2×200`; with no response to a
/// client in the trace, a backend's answers to its web server (`FastCGI`), uncounted as client
/// responses. Empty when nothing was answered.
pub(crate) fn answered_parts(report: &Report) -> (&'static str, Vec<SymptomPart>) {
    let sy = &report.symptoms;
    if sy.answered.is_empty() && !sy.backend_http.is_empty() {
        let mut codes: Vec<_> = sy.backend_http.iter().collect();
        codes.sort_by_key(|(c, n)| (std::cmp::Reverse(**c / 100 * u16::from(**c >= 400)), std::cmp::Reverse(**n)));
        let parts = codes.iter().map(|(c, n)| SymptomPart { text: format!("{n}×{c}"), failure: **c >= 400 });
        return ("backend answered its web server:", parts.collect());
    }
    let parts = sy.answered.iter().map(|a| {
        let urls = a.urls.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
        SymptomPart { text: format!("{}×{}{urls}", a.count, a.code), failure: a.code >= 400 }
    });
    ("answered:", parts.collect())
}

/// `exit status 1 ×2; killed by SIGSEGV ×1`, each part through
/// `paint`.
pub(crate) fn join_symptoms(parts: &[Vec<SymptomPart>], paint: impl Fn(&SymptomPart) -> String) -> String {
    let groups: Vec<String> = parts.iter().map(|g| g.iter().map(&paint).collect::<Vec<_>>().join(", ")).collect();
    groups.join("; ")
}

/// The symptoms line, uncoloured.
pub(crate) fn symptom_line(report: &Report) -> String {
    join_symptoms(&symptom_parts(report), |p| p.text.clone())
}

/// Said instead of suspects when there are none: nothing failed, or every failure was noise
/// (`noise_shown`: a noise section follows).
pub(crate) fn no_suspects(summary: &Summary, noise_shown: bool) -> String {
    if summary.failures == 0 {
        return format!("No failed syscalls in {}.", count(summary.lines, "line", "lines"));
    }
    let see = if noise_shown { " (see noise below)" } else { "" };
    format!("No suspects: every failure looks like normal probing{see}.")
}

/// Where a line is: `trace.txt:12`; for a stream nobody kept (stdin, strace's pipe without
/// `--save`) no line number, which would point nowhere.
pub(crate) fn location(source: &Origin, line: u64) -> String {
    match source {
        Origin::File(name) => format!("{name}:{line}"),
        Origin::Stdin => "stdin, not saved".into(),
        Origin::Strace => "strace's output, not saved".into(),
    }
}

/// `first seen trace.txt:12 at 10:15:02.412345`, `first seen at 10:15:02.412345 (stdin, not
/// saved: --save FILE keeps it)`.
pub(crate) fn first_seen(source: &Origin, line: u64, time: Option<&str>) -> String {
    let at = time.map(|t| format!(" at {t}")).unwrap_or_default();
    match source {
        Origin::File(_) => format!("first seen {}{at}", location(source, line)),
        _ => format!("first seen{at} ({}: --save FILE keeps it)", location(source, line)),
    }
}

/// An input that held no trace line: nothing at all, or only `lines` of summary tables,
/// blank lines and the like.
pub(crate) fn no_trace(name: &str, piped: bool, lines: u64) -> String {
    if lines > 0 {
        return format!(
            "{}: no trace line in it, only {} of summaries or blanks (strace -c writes no trace: use -C, or leave -c out)",
            name,
            count(lines, "line", "lines")
        );
    }
    if piped {
        "no strace output read: strace writes its trace to stderr, add 2>&1 (strace … 2>&1 | straceback)".into()
    } else {
        format!("{name}: empty, no strace output in it")
    }
}

/// An input none of whose lines strace wrote.
pub(crate) fn not_strace(name: &str, lines: u64, unparsed: u64) -> String {
    format!("{name} does not look like strace output ({unparsed} of {} unparsed)", count(lines, "line", "lines"))
}

/// How a process ended: `exit status 1`, `killed by signal 9`.
pub(crate) fn process_end(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => status.to_string(),
    }
}

/// strace (started by `run`/`attach`) stopped before its first trace line; its own message is
/// already on stderr.
pub(crate) fn not_traced(command: Option<&str>, status: &std::process::ExitStatus, not_found: bool) -> String {
    let end = process_end(status);
    match command {
        Some(cmd) if not_found => {
            format!("{}: command not found (strace could not start it: nothing traced)", esc(cmd))
        }
        Some(_) | None if status.success() => {
            format!("strace wrote no trace line to straceback ({end}): nothing traced, no report")
        }
        Some(cmd) => format!("strace could not run {}, nothing traced ({end}; its reason is above)", esc(cmd)),
        None => format!("strace stopped before tracing anything ({end}; its reason is above)"),
    }
}
/// An error in words: `straceback: NAME: reason`, as main and the drive print it.
impl std::fmt::Display for crate::error::Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::error::Error;
        match self {
            Error::Input { name, source } => write!(f, "{name}: {source}"),
            Error::IsDirectory { name } => {
                write!(f, "{name}: is a directory (give the trace file, or the -ff prefix NAME of NAME.PID files)")
            }
            Error::NoTrace { name, piped, lines } => f.write_str(&no_trace(name, *piped, *lines)),
            Error::NotStrace { name, lines, unparsed } => f.write_str(&not_strace(name, *lines, *unparsed)),
            Error::NotTraced { command, status, not_found } => {
                f.write_str(&not_traced(command.as_deref(), status, *not_found))
            }
            Error::NotAFile { name, kind } => f.write_str(&not_a_file(name, kind)),
            Error::Output(e) => write!(f, "{e}"),
            Error::Usage(s) => f.write_str(s),
        }
    }
}

/// `--save` given with trace files.
pub(crate) const SAVE_FILES: &str =
    "--save keeps the trace read from stdin or from strace (run, attach); a trace file is kept already";

/// An input that is neither a regular file nor a pipe (a device such as /dev/zero: endless).
pub(crate) fn not_a_file(name: &str, kind: &str) -> String {
    format!(
        "{}: not a regular file or a pipe but a {kind}, which may never end; give a saved trace or pipe it",
        esc(name)
    )
}

/// `--strace-args` with a flag that takes the trace away from straceback, or turns it into
/// something else than a trace.
pub(crate) fn strace_arg_refused(flag: &str) -> String {
    format!(
        "--strace-args: {} would take the trace away from straceback (it reads strace's trace \
         through a pipe of its own); drop it, or save the trace with --save FILE",
        esc(flag)
    )
}

/// `--strace-args` holding `--` or a command: strace would trace that instead.
pub(crate) fn strace_arg_not_option(word: &str) -> String {
    format!(
        "--strace-args: {} is not a strace option (strace would take it for the command to trace); \
         give the command after straceback's own `--`",
        esc(word)
    )
}

/// `--strace-args` that cannot be split into words.
pub(crate) fn strace_args_unbalanced(args: &str) -> String {
    format!("--strace-args: unbalanced quote or trailing backslash in {}", esc(args))
}

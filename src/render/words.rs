//! Every sentence the report says, in one place: score reasons, explanations, what followed a
//! failure, noise reasons and details, typo evidence, failed connections, the symptoms line.
//! Text, markdown, the live lines and the JSON's sentence fields all take their words from here.

use crate::errno::ErrnoClass;
use crate::heuristics::explain::{Denied, Explained, Explanation, Id, Interpreter, Place, Source};
use crate::heuristics::fix_pointer::Reference;
use crate::heuristics::noise::{Noise, NoiseReason};
use crate::heuristics::rank::Why;
use crate::heuristics::typo::{Evidence, TypoKind};
use crate::render::escape::terminal as esc;
use crate::report::{FollowedBy, Report};

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
            String::from_utf8_lossy(suggestion),
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
        Why::LastFailure => "the last failure before that reaction".into(),
        Why::ExistenceCheck => "only asked whether it exists (an optional file)".into(),
        Why::NoTarget => "no path or address involved".into(),
        Why::ProcessWide { errno } => format!("{errno} affects the whole process, not one path"),
        Why::AppTree => "in an application tree".into(),
        Why::SystemTree => "in a system tree that programs probe routinely".into(),
        Why::Unresolved => "relative path whose directory is unknown".into(),
        Why::Repeated { count, processes } => {
            let procs = if *processes > 1 { format!(" in {processes} processes") } else { String::new() };
            format!("repeated {count}×{procs}")
        }
        Why::PathsBelow { paths, failures } => format!("{paths} more paths below it failed ({failures} failures)"),
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
/// pid N: ARG`.
pub(crate) fn reference(r: &Reference) -> String {
    match r {
        Reference::File { path, line, searched: None } => format!("referenced from {path}:{line}"),
        Reference::File { path, line, searched: Some(dir) } => {
            format!("referenced from {path}:{line} ({})", searched(dir))
        }
        Reference::CommandLine { pid, argument } => format!("given on the command line of pid {pid}: {argument}"),
    }
}

/// How a fix pointer was found when no file the process read named the path.
pub(crate) fn searched(dir: &str) -> String {
    format!("found by searching {dir}")
}

/// A suspect's explanation: `/var/lib/app is root:root 0700; the process runs as uid 33
/// (www-data)`.
pub(crate) fn explanation(e: &Explanation) -> String {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match &e.what {
        Explained::Permission { denied, user } => permission(denied.as_ref(), user.as_ref()),
        Explained::DiskFull { path, quota, filesystem } => {
            let what = if *quota { "disk quota exceeded" } else { "disk full" };
            let mut s = match path {
                Some(p) => format!("{what} on the filesystem holding {}", lossy(p)),
                None => format!("{what} on the filesystem written to"),
            };
            if let Some(fs) = filesystem {
                s.push_str(&format!(
                    " (mounted at {}; live host now: {} free of {})",
                    lossy(&fs.mount_point),
                    bytes(fs.free),
                    bytes(fs.total)
                ));
            }
            s
        }
        Explained::InotifyLimit => "out of inotify watches: the per-user limit (fs.inotify.max_user_watches)".into(),
        Explained::OutOfDescriptors { held, at_least, syscall, system_wide } => {
            let what =
                if *system_wide { "the system is out of file descriptors (ENFILE)" } else { "out of file descriptors" };
            match (held, at_least) {
                (0, _) => format!("{what} when {syscall} failed"),
                (n, true) => format!("{what}: the process held at least {n} when {syscall} failed"),
                (n, false) => format!("{what}: the process held {n} when {syscall} failed"),
            }
        }
        Explained::PortInUse { port, holder } => match holder {
            Some((pid, cmd)) if !cmd.is_empty() => format!("port {port} is already in use, held by pid {pid} ({cmd})"),
            Some((pid, _)) => format!("port {port} is already in use, held by pid {pid}"),
            None => format!("port {port} is already in use"),
        },
        Explained::SocketFileExists { path } => format!("the socket file {} already exists", lossy(path)),
        Explained::BadInterpreter { program, problem } => {
            let program = lossy(program);
            match problem {
                Interpreter::Missing(i) => format!("{program} starts with #!{}, which does not exist", lossy(i)),
                Interpreter::CarriageReturn(i) => format!(
                    "{program} has CRLF line endings: its #! line names \"{}\\r\", which does not exist",
                    lossy(i)
                ),
                Interpreter::ElfLoader => {
                    format!("{program} exists, but its ELF loader (program interpreter) does not")
                }
                Interpreter::Unread => format!("{program} exists, but its #! interpreter or ELF loader does not"),
            }
        }
        Explained::DanglingLink { link, target, siblings, more } => {
            let link = lossy(link);
            let target = lossy(target);
            let mut s = format!("{link} -> {target}, which is gone");
            if !siblings.is_empty() {
                let dir = match target.rsplit_once('/') {
                    Some((d, _)) => format!("{d}/"),
                    None => link.rsplit_once('/').map_or("/".to_string(), |(d, _)| format!("{d}/")),
                };
                let names: Vec<String> = siblings.iter().map(|n| lossy(n)).collect();
                let others = if *more > 0 { format!(" and {more} more") } else { String::new() };
                s.push_str(&format!("; {dir} has {}{others}", names.join(", ")));
            }
            s
        }
    }
}

fn permission(denied: Option<&Denied>, user: Option<&Id>) -> String {
    let id = |i: &Id| i.name.clone().unwrap_or_else(|| i.id.to_string());
    let runs = user.map(|u| match &u.name {
        Some(name) => format!("the process runs as uid {} ({name})", u.id),
        None => format!("the process runs as uid {}", u.id),
    });
    match (denied, runs) {
        (Some(d), runs) => {
            let is =
                format!("{} is {}:{} {:04o}", String::from_utf8_lossy(&d.path), id(&d.owner), id(&d.group), d.mode);
            match runs {
                Some(runs) => {
                    let group =
                        d.not_in_group.as_ref().map(|g| format!(", not in group {}", id(g))).unwrap_or_default();
                    format!("{is}; {runs}{group}")
                }
                None => format!("{is}, closed to other users; the trace does not show which user the process ran as"),
            }
        }
        (None, Some(runs)) => runs,
        (None, None) => String::new(),
    }
}

/// `1.5 GiB`, `512 KiB`, `0 B`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 || v >= 10.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Where an explanation's facts came from: `trace`, `disk`, `trace and disk`, `trace and live
/// host`.
pub(crate) fn source(s: Source) -> &'static str {
    match (s.trace, s.disk) {
        (true, None) | (false, None) => "trace",
        (true, Some(Place::Root)) => "trace and disk",
        (true, Some(Place::LiveHost)) => "trace and live host",
        (false, Some(Place::Root)) => "disk",
        (false, Some(Place::LiveHost)) => "live host",
    }
}

/// An explanation with its source, as the text and markdown reports print it.
pub(crate) fn explanation_line(e: &Explanation) -> String {
    format!("{} (from {})", explanation(e), source(e.source))
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
        Noise::SearchPathProbe { found } => format!("found later as {}", String::from_utf8_lossy(found)),
        Noise::CreatedLater => "existence check, then the path was created".into(),
        Noise::CapabilityProbe { errno } => format!("{errno} is how programs probe for support; tolerated"),
        Noise::SystemProbe => "a system search path, tolerated (no error followed)".into(),
    }
}

/// A failed connection: `connection refused`, `no such socket`, else strace's message.
pub(crate) fn connection(errno: &str, message: &str) -> String {
    match errno {
        "ECONNREFUSED" => "connection refused".to_string(),
        "ETIMEDOUT" => "connection timed out".to_string(),
        "ENOENT" => "no such socket".to_string(),
        "EACCES" | "EPERM" => "permission denied".to_string(),
        _ => message.to_lowercase(),
    }
}

/// `HTTP 500 ×5, HTTP 200 ×3; exit status 1 ×2; killed by SIGSEGV ×1`.
pub(crate) fn symptom_line(report: &Report) -> String {
    let sy = &report.symptoms;
    let mut parts = Vec::new();
    let mut http: Vec<_> = sy.http.iter().collect();
    http.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let http: Vec<String> = http.iter().map(|(c, n)| format!("HTTP {c} ×{n}")).collect();
    if !http.is_empty() {
        parts.push(http.join(", "));
    }
    let exits: Vec<String> = sy.exits.iter().map(|(c, n)| format!("exit status {c} ×{n}")).collect();
    if !exits.is_empty() {
        parts.push(exits.join(", "));
    }
    let net: Vec<String> = sy
        .network
        .iter()
        .take(3)
        .map(|n| format!("{}: {} ×{}", connection(&n.errno, &n.message), esc(&n.address), n.count))
        .collect();
    if !net.is_empty() {
        parts.push(net.join(", "));
    }
    let mut kills: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for k in &sy.killed {
        let core = if k.core_dumped { " (core dumped)" } else { "" };
        *kills.entry(format!("killed by {}{core}", k.signal)).or_default() += 1;
    }
    let kills: Vec<String> = kills.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    if !kills.is_empty() {
        parts.push(kills.join(", "));
    }
    parts.join("; ")
}

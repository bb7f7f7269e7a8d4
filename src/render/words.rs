//! Every sentence the report says, in one place: score reasons, what followed a failure,
//! noise reasons and details, typo evidence, failed connections, the symptoms line. Text,
//! markdown, the live lines and the JSON's sentence fields all take their words from here.

use crate::errno::ErrnoClass;
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
        Why::AppTree => "in an application tree".into(),
        Why::SystemTree => "in a system tree that programs probe routinely".into(),
        Why::Unresolved => "relative path whose directory is unknown".into(),
        Why::ClientTypo { url } => {
            format!(
                "a client asked for {}: the typo is in the request, not on the server",
                String::from_utf8_lossy(url)
            )
        }
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
        Reference::File { path, line } => format!("referenced from {path}:{line}"),
        Reference::CommandLine { pid, argument } => format!("given on the command line of pid {pid}: {argument}"),
    }
}

/// `also looked for in 2 other directories: /usr/share/php, /usr/lib/php`.
pub(crate) fn also_looked_in(paths: &[String]) -> String {
    let dirs: Vec<&str> = paths
        .iter()
        .map(|p| p.rsplit_once('/').map_or(p.as_str(), |(d, _)| if d.is_empty() { "/" } else { d }))
        .collect();
    let n = dirs.len();
    format!("also looked for in {n} other director{}: {}", if n == 1 { "y" } else { "ies" }, dirs.join(", "))
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

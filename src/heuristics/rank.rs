//! Suspect scores, built from named parts that are printed as reasons.

use super::errno::ErrnoClass;
use super::noise::{is_app_tree, is_system_tree};
use super::typo::{Evidence, Typo};
use crate::aggregate::Failure;

/// One part of a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reason {
    /// Stable name of the rule (`errno_class`, `typo`, `reaction`, ...).
    pub kind: &'static str,
    pub points: i32,
    pub text: String,
}

fn r(kind: &'static str, points: i32, text: impl Into<String>) -> Reason {
    Reason { kind, points, text: text.into() }
}

/// Scores one (non-noise) failure group.
pub fn score(f: &Failure, class: ErrnoClass, typo: Option<&Typo>) -> (i32, Vec<Reason>) {
    let mut reasons = Vec::new();
    let errno = crate::aggregate::Failures::main_errno(f);
    let class_points = match class {
        ErrnoClass::Permission => 30,
        ErrnoClass::Network => 25,
        ErrnoClass::Resource => 25,
        ErrnoClass::Missing => 20,
        ErrnoClass::Other => 10,
        ErrnoClass::Probe | ErrnoClass::Transient => 0,
    };
    let msg = if f.message.is_empty() { String::new() } else { format!(" ({})", f.message) };
    reasons.push(r("errno_class", class_points, format!("{} error: {errno}{msg}", class.name())));
    if f.succeeded_later {
        reasons.push(r("resolved", -15, "the same call succeeded later"));
    } else {
        reasons.push(r("never_resolved", 10, "never succeeded later in the trace"));
    }
    if let Some(t) = typo {
        let points = if t.distance <= 1 { 40 } else { 30 };
        let name = String::from_utf8_lossy(&t.suggestion).into_owned();
        let evidence = match t.evidence {
            Evidence::Disk => "on disk",
            Evidence::Trace => "seen in the trace",
        };
        reasons.push(r(
            "typo",
            points,
            format!(
                "likely typo ({}): {name} exists ({evidence}, {} edit{})",
                t.kind,
                t.distance,
                if t.distance == 1 { "" } else { "s" }
            ),
        ));
    }
    let re = &f.reactions;
    if re.named_in_error.is_some() {
        reasons.push(r("named_in_error", 30, "the process then wrote an error naming it"));
    } else if re.error_text.is_some() {
        reasons.push(r("error_text", 15, "followed by error output"));
    }
    let server_errors: u64 = re.http.iter().filter(|(c, _)| **c >= 500).map(|(_, n)| n).sum();
    let client_errors: u64 = re.http.iter().filter(|(c, _)| (400..500).contains(*c)).map(|(_, n)| n).sum();
    let succeeded: u64 = re.http.iter().filter(|(c, _)| **c < 400).map(|(_, n)| n).sum();
    if server_errors == 0 && client_errors == 0 && succeeded > 0 {
        reasons.push(r(
            "request_succeeded",
            -15,
            format!("the request still succeeded (HTTP {})", re.http.keys().next().copied().unwrap_or(200)),
        ));
    }
    if server_errors > 0 {
        reasons.push(r("http_error", 20, format!("followed by HTTP 5xx responses ({server_errors})")));
    } else if client_errors > 0 {
        reasons.push(r("http_error", 15, format!("followed by HTTP 4xx responses ({client_errors})")));
    }
    if let Some(sig) = &re.killed_by {
        reasons.push(r("killed", 20, format!("the process was then killed by {sig}")));
    } else if let Some(code) = re.exit_code.filter(|c| *c != 0) {
        reasons.push(r("exit_status", 15, format!("the process then exited with status {code}")));
    }
    if re.last_before {
        reasons.push(r("last_failure", 10, "the last failure before that reaction"));
    }
    let checks = f.syscalls.keys().filter(|s| matches!(s.as_str(), "access" | "faccessat" | "faccessat2")).count();
    if checks == f.syscalls.len() {
        reasons.push(r("existence_check", -10, "only asked whether it exists (an optional file)"));
    }
    if matches!(f.target, crate::aggregate::Target::Call { .. }) {
        reasons.push(r("no_target", -10, "no path or address involved"));
    }
    if let Some(path) = f.target.fs_path() {
        if is_app_tree(path) {
            reasons.push(r("app_tree", 10, "in an application tree"));
        } else if is_system_tree(path) {
            reasons.push(r("system_tree", -10, "in a system tree that programs probe routinely"));
        }
    } else if matches!(f.target, crate::aggregate::Target::Path { absolute: false, .. }) {
        reasons.push(r("unresolved", -5, "relative path whose directory is unknown"));
    }
    if f.count > 1 {
        let points = ((f.count as f64).log2() * 3.0).round().min(10.0) as i32;
        let procs = if f.pids.len() > 1 { format!(" in {} processes", f.pids.len()) } else { String::new() };
        reasons.push(r("repeated", points, format!("repeated {}×{procs}", f.count)));
    }
    let total = reasons.iter().map(|r| r.points).sum();
    (total, reasons)
}

//! Suspect scores: a sum of named reasons, each worth the points [`WEIGHTS`] gives it; the
//! order of suspects.

use super::typo::{Evidence, Typo, TypoKind};
use crate::analysis::group::{Failure, Target};
use crate::analysis::naming::Naming;
use crate::errno::{classify, is_unprovoked, ErrnoClass};
use crate::path::{is_app_tree, is_system_tree};
use crate::syscalls::{self, Does};
use crate::text::TraceText;

/// Every scoring weight, in one place.
pub(crate) struct Weights {
    /// By errno class of the group's main errno.
    pub permission: i32,
    pub network: i32,
    pub resource: i32,
    pub missing: i32,
    pub other: i32,
    /// The same call succeeded later / never did.
    pub resolved: i32,
    pub never_resolved: i32,
    /// A typo of an existing name, one edit away / two.
    pub typo_one_edit: i32,
    pub typo_two_edits: i32,
    /// Error text naming the failure / naming it by its stem only / naming no failure.
    pub named_in_error: i32,
    pub stem_in_error: i32,
    pub error_text: i32,
    /// Only successful HTTP responses followed.
    pub request_succeeded: i32,
    pub http_5xx: i32,
    pub http_4xx: i32,
    /// The process was then killed by a crash signal / exited with a bad status.
    pub killed: i32,
    pub exit_status: i32,
    /// The last failure before the process's reaction.
    pub last_failure: i32,
    /// Only existence checks (`access`): an optional file.
    pub existence_check: i32,
    /// No path or address.
    pub no_target: i32,
    /// No path or address, but an errno no healthy program provokes (out of descriptors, disk
    /// full, ...): a condition of the whole process.
    pub process_wide: i32,
    pub app_tree: i32,
    pub system_tree: i32,
    /// A relative path whose directory is unknown.
    pub unresolved: i32,
    /// A typo in the path a client asked for: a wrong link, not the server's fault.
    pub client_typo: i32,
    /// Repetition: this many points per doubling of the count, at most `repeated_max`.
    pub repeated_per_doubling: f64,
    pub repeated_max: i32,
    /// Failing paths below a wrong directory, folded into it.
    pub paths_below: i32,
    /// The disk shows a symlink on the path whose target is gone.
    pub dangling_link: i32,
    /// The process failed on more after this failed exec (folded into it).
    pub after_exec: i32,
}

pub(crate) const WEIGHTS: Weights = Weights {
    permission: 30,
    network: 25,
    resource: 25,
    missing: 20,
    other: 10,
    resolved: -15,
    never_resolved: 10,
    typo_one_edit: 40,
    typo_two_edits: 30,
    named_in_error: 30,
    stem_in_error: 20,
    error_text: 15,
    request_succeeded: -15,
    http_5xx: 20,
    http_4xx: 15,
    killed: 20,
    exit_status: 15,
    last_failure: 10,
    existence_check: -10,
    no_target: -10,
    process_wide: 10,
    app_tree: 10,
    system_tree: -10,
    unresolved: -5,
    client_typo: -25,
    repeated_per_doubling: 3.0,
    repeated_max: 10,
    paths_below: 10,
    dangling_link: 40,
    after_exec: 10,
};

/// What one part of a score rests on ([`crate::render::words`] says it in words).
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    ErrnoClass {
        class: ErrnoClass,
        errno: String,
        message: TraceText,
    },
    Resolved,
    NeverResolved,
    Typo {
        kind: TypoKind,
        suggestion: Vec<u8>,
        evidence: Evidence,
        distance: usize,
    },
    NamedInError,
    /// Named by the file name without its extension (weaker).
    StemInError,
    ErrorText,
    /// Only successful responses followed; `code` is the lowest.
    RequestSucceeded {
        code: u16,
    },
    /// `count` error responses followed: 5xx when `server`, else 4xx.
    HttpError {
        server: bool,
        count: u64,
    },
    Killed {
        signal: TraceText,
    },
    ExitStatus {
        code: i32,
    },
    LastFailure,
    ExistenceCheck,
    NoTarget,
    /// No path, and an errno of [`is_unprovoked`]: the whole process is affected.
    ProcessWide {
        errno: String,
    },
    AppTree,
    SystemTree,
    Unresolved,
    /// The typo is in the part of the path a client asked for (`GET /Oncal.md`).
    ClientTypo {
        url: Vec<u8>,
    },
    Repeated {
        count: u64,
        processes: usize,
    },
    PathsBelow {
        paths: usize,
        failures: u64,
    },
    /// The suspect is a symlink whose target is gone (the failing paths run through it).
    DanglingLink,
    /// `failures` followed in the same process after this failed exec, folded into it.
    AfterExec {
        failures: u64,
    },
}

impl Why {
    /// The rule's stable name (the JSON `kind`).
    pub fn code(&self) -> &'static str {
        match self {
            Why::ErrnoClass { .. } => "errno_class",
            Why::Resolved => "resolved",
            Why::NeverResolved => "never_resolved",
            Why::Typo { .. } => "typo",
            Why::NamedInError => "named_in_error",
            Why::StemInError => "stem_in_error",
            Why::ErrorText => "error_text",
            Why::RequestSucceeded { .. } => "request_succeeded",
            Why::HttpError { .. } => "http_error",
            Why::Killed { .. } => "killed",
            Why::ExitStatus { .. } => "exit_status",
            Why::LastFailure => "last_failure",
            Why::ExistenceCheck => "existence_check",
            Why::NoTarget => "no_target",
            Why::ProcessWide { .. } => "process_wide",
            Why::AppTree => "app_tree",
            Why::SystemTree => "system_tree",
            Why::Unresolved => "unresolved",
            Why::ClientTypo { .. } => "client_typo",
            Why::Repeated { .. } => "repeated",
            Why::PathsBelow { .. } => "paths_below",
            Why::DanglingLink => "dangling_link",
            Why::AfterExec { .. } => "after_exec",
        }
    }
}

/// One part of a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub why: Why,
    pub points: i32,
}

/// Scores one (non-noise) failure group.
pub(crate) fn score(f: &Failure, typo: Option<&Typo>) -> (i32, Vec<Reason>) {
    let w = &WEIGHTS;
    let mut reasons = Vec::new();
    let mut add = |points: i32, why: Why| reasons.push(Reason { why, points });
    let errno = f.main_errno();
    let class = class_of(f, errno);
    let class_points = match class {
        ErrnoClass::Permission => w.permission,
        ErrnoClass::Network => w.network,
        ErrnoClass::Resource => w.resource,
        ErrnoClass::Missing => w.missing,
        ErrnoClass::Other => w.other,
        ErrnoClass::Probe | ErrnoClass::Transient => 0,
    };
    add(class_points, Why::ErrnoClass { class, errno: errno.to_string(), message: f.message().into() });
    if f.succeeded_later {
        add(w.resolved, Why::Resolved);
    } else {
        add(w.never_resolved, Why::NeverResolved);
    }
    if let Some(t) = typo {
        let points = if t.distance <= 1 { w.typo_one_edit } else { w.typo_two_edits };
        let why =
            Why::Typo { kind: t.kind, suggestion: t.suggestion.clone(), evidence: t.evidence, distance: t.distance };
        add(points, why);
    }
    let re = &f.reactions;
    if let Some(named) = &re.named_in_error {
        if named.by == Naming::Stem {
            add(w.stem_in_error, Why::StemInError);
        } else {
            add(w.named_in_error, Why::NamedInError);
        }
    } else if re.error_text.is_some() {
        add(w.error_text, Why::ErrorText);
    }
    let server_errors: u64 = re.http.iter().filter(|(c, _)| **c >= 500).map(|(_, n)| n).sum();
    let client_errors: u64 = re.http.iter().filter(|(c, _)| (400..500).contains(*c)).map(|(_, n)| n).sum();
    let succeeded: u64 = re.http.iter().filter(|(c, _)| **c < 400).map(|(_, n)| n).sum();
    if server_errors == 0 && client_errors == 0 && succeeded > 0 {
        let code = re.http.keys().next().copied().unwrap_or(200);
        add(w.request_succeeded, Why::RequestSucceeded { code });
    }
    if server_errors > 0 {
        add(w.http_5xx, Why::HttpError { server: true, count: server_errors });
    } else if client_errors > 0 {
        add(w.http_4xx, Why::HttpError { server: false, count: client_errors });
    }
    if let Some(sig) = &re.killed_by {
        add(w.killed, Why::Killed { signal: sig.as_str().into() });
    } else if let Some(code) = re.exit_code.filter(|c| *c != 0) {
        add(w.exit_status, Why::ExitStatus { code });
    }
    if re.last_before {
        add(w.last_failure, Why::LastFailure);
    }
    let checks = f.syscalls.keys().filter(|s| syscalls::info(s.as_bytes()).does.has(Does::CHECK)).count();
    if checks == f.syscalls.len() {
        add(w.existence_check, Why::ExistenceCheck);
    }
    if matches!(f.target, Target::Call { .. }) {
        if is_unprovoked(errno) {
            add(w.process_wide, Why::ProcessWide { errno: errno.to_string() });
        } else {
            add(w.no_target, Why::NoTarget);
        }
    }
    if let Some(path) = f.target.fs_path() {
        if is_app_tree(path) {
            add(w.app_tree, Why::AppTree);
        } else if is_system_tree(path) {
            add(w.system_tree, Why::SystemTree);
        }
    } else if matches!(f.target, Target::Path { absolute: false, .. }) {
        add(w.unresolved, Why::Unresolved);
    }
    if let (Some(url), Some(t), Some(path)) = (&f.requested, typo, f.target.fs_path()) {
        // the repair only touches what the client asked for
        let server_part = path.len() - url.len();
        if t.suggestion.get(..server_part) == Some(&path[..server_part]) {
            add(w.client_typo, Why::ClientTypo { url: url.clone() });
        }
    }
    if f.count > 1 {
        let points = ((f.count as f64).log2() * w.repeated_per_doubling).round().min(f64::from(w.repeated_max)) as i32;
        add(points, Why::Repeated { count: f.count, processes: f.pids.len() });
    }
    let total = reasons.iter().map(|r| r.points).sum();
    (total, reasons)
}

/// How clearly one suspect stands out from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// Suspect 1 scores far above the rest.
    Clear,
    /// Others score close to suspect 1.
    Several,
    /// Even suspect 1 scores low: no reaction, no typo, nothing telling.
    Unclear,
}

impl Confidence {
    /// The JSON name.
    pub fn code(self) -> &'static str {
        match self {
            Confidence::Clear => "clear",
            Confidence::Several => "several",
            Confidence::Unclear => "unclear",
        }
    }
}

/// A score below this tells little: an errno, a path, no reaction.
const TELLING: i32 = 50;
/// Suspect 1 is clear when it leads the next by this much.
const CLEAR_GAP: i32 = 25;

/// How clear the cause is, from the scores of the suspects in order.
pub(crate) fn confidence(scores: &[i32]) -> Confidence {
    match scores {
        [] => Confidence::Unclear,
        [top, ..] if *top < TELLING => Confidence::Unclear,
        [_] => Confidence::Clear,
        [top, next, ..] if top - next >= CLEAR_GAP => Confidence::Clear,
        _ => Confidence::Several,
    }
}

/// A scored group: (score, group id, reasons).
pub(crate) type Scored = (i32, usize, Vec<Reason>);

/// Suspect order: higher score first, then the earlier first failure, then the group made
/// first.
pub(crate) fn sort(scored: &mut [Scored], groups: &[Failure]) {
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(groups[a.1].first.line.cmp(&groups[b.1].first.line)).then(a.1.cmp(&b.1)));
}

/// The errno's class, where the target changes it: `EPIPE` on a pipe is its reader gone (a
/// consequence of that process's end), not a network error.
fn class_of(f: &Failure, errno: &str) -> ErrnoClass {
    match &f.target {
        Target::Path { path, .. } if errno == "EPIPE" && path.starts_with(b"pipe:[") => ErrnoClass::Other,
        _ => classify(errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::group::Named;

    fn reasons(f: &Failure, typo: Option<&Typo>) -> Vec<(&'static str, i32)> {
        let (total, reasons) = score(f, typo);
        assert_eq!(total, reasons.iter().map(|r| r.points).sum::<i32>(), "the score is its reasons' sum");
        reasons.iter().map(|r| (r.why.code(), r.points)).collect()
    }

    #[test]
    fn the_weights() {
        let w = &WEIGHTS;
        let by_class = [w.permission, w.network, w.resource, w.missing, w.other];
        assert_eq!(by_class, [30, 25, 25, 20, 10]);
        assert_eq!((w.resolved, w.never_resolved), (-15, 10));
        assert_eq!((w.typo_one_edit, w.typo_two_edits), (40, 30));
        assert_eq!((w.named_in_error, w.stem_in_error, w.error_text, w.request_succeeded), (30, 20, 15, -15));
        assert_eq!((w.http_5xx, w.http_4xx, w.killed, w.exit_status, w.last_failure), (20, 15, 20, 15, 10));
        assert_eq!((w.existence_check, w.no_target, w.app_tree, w.system_tree, w.unresolved), (-10, -10, 10, -10, -5));
        assert_eq!(w.client_typo, -25);
        assert_eq!(w.process_wide, 10);
        assert_eq!((w.repeated_per_doubling, w.repeated_max, w.paths_below), (3.0, 10, 10));
        assert_eq!((w.dangling_link, w.after_exec), (40, 10));
    }

    #[test]
    fn a_bare_failure_scores_its_errno_class_and_place() {
        let f = Failure::path_example("/srv/app/config.yaml", "EACCES");
        assert_eq!(reasons(&f, None), [("errno_class", 30), ("never_resolved", 10), ("app_tree", 10)]);
        let f = Failure::path_example("/usr/lib/x.so", "ENOENT");
        assert_eq!(reasons(&f, None), [("errno_class", 20), ("never_resolved", 10), ("system_tree", -10)]);
        let f = Failure::path_example("/tmp/x", "EIO");
        assert_eq!(reasons(&f, None), [("errno_class", 10), ("never_resolved", 10)]);
    }

    #[test]
    fn epipe_on_a_pipe_is_no_network_error() {
        let pipe = Failure::path_example("pipe:[8812]", "EPIPE");
        let (_, why) = score(&pipe, None);
        assert!(matches!(why[0].why, Why::ErrnoClass { class: ErrnoClass::Other, .. }), "{:?}", why[0].why);
        let socket =
            Failure { target: Target::Address { proto: "tcp", addr: "10.0.0.5:80".into(), unix_path: None }, ..pipe };
        let (_, why) = score(&socket, None);
        assert!(matches!(why[0].why, Why::ErrnoClass { class: ErrnoClass::Network, .. }));
    }

    #[test]
    fn a_typo_counts_by_its_distance() {
        let f = Failure::path_example("/srv/app/config.yml", "ENOENT");
        let mut t = Typo {
            suggestion: b"/srv/app/config.yaml".to_vec(),
            distance: 1,
            evidence: Evidence::Disk,
            kind: TypoKind::Extension,
            in_directory: false,
        };
        assert!(reasons(&f, Some(&t)).contains(&("typo", 40)));
        t.distance = 2;
        assert!(reasons(&f, Some(&t)).contains(&("typo", 30)));
    }

    #[test]
    fn reactions_count_once_each() {
        let mut f = Failure::path_example("/srv/app/x", "ENOENT");
        f.reactions.named_in_error = Some(Named { excerpt: "cannot open /srv/app/x".into(), by: Naming::Path });
        f.reactions.error_text = Some("cannot open /srv/app/x".into());
        f.reactions.http.insert(500, 2);
        f.reactions.http.insert(404, 1);
        f.reactions.killed_by = Some("SIGSEGV".into());
        f.reactions.exit_code = Some(1);
        f.reactions.last_before = true;
        let r = reasons(&f, None);
        for want in [("named_in_error", 30), ("http_error", 20), ("killed", 20), ("last_failure", 10)] {
            assert!(r.contains(&want), "{want:?} in {r:?}");
        }
        for not in ["error_text", "exit_status", "request_succeeded"] {
            assert!(!r.iter().any(|(k, _)| *k == not), "{not} in {r:?}");
        }
        let mut f = Failure::path_example("/srv/app/x", "ENOENT");
        f.reactions.error_text = Some("oops".into());
        f.reactions.http.insert(404, 1);
        f.reactions.exit_code = Some(2);
        let r = reasons(&f, None);
        for want in [("error_text", 15), ("http_error", 15), ("exit_status", 15)] {
            assert!(r.contains(&want), "{want:?} in {r:?}");
        }
        let mut f = Failure::path_example("/srv/app/x", "ENOENT");
        f.reactions.http.insert(200, 3);
        assert!(reasons(&f, None).contains(&("request_succeeded", -15)));
    }

    #[test]
    fn a_stem_names_more_weakly() {
        let mut f = Failure::path_example("/srv/app/confg_loader.py", "ENOENT");
        f.reactions.named_in_error = Some(Named { excerpt: "No module named 'confg_loader'".into(), by: Naming::Stem });
        assert!(reasons(&f, None).contains(&("stem_in_error", 20)));
    }

    #[test]
    fn a_typo_in_what_a_client_asked_for_is_the_clients() {
        let typo = |s: &str| Typo {
            suggestion: s.as_bytes().to_vec(),
            distance: 1,
            evidence: Evidence::Disk,
            kind: TypoKind::Edit,
            in_directory: false,
        };
        let mut f = Failure::path_example("/var/www/docs/Oncal.md", "ENOENT");
        f.requested = Some(b"/Oncal.md".to_vec());
        assert!(reasons(&f, Some(&typo("/var/www/docs/Oncall.md"))).contains(&("client_typo", -25)));
        // the server's document root is wrong: the server's fault, whatever was asked
        let mut f = Failure::path_example("/var/www/htlm/about.html", "ENOENT");
        f.requested = Some(b"/about.html".to_vec());
        assert!(!reasons(&f, Some(&typo("/var/www/html/about.html"))).iter().any(|r| r.0 == "client_typo"));
    }

    #[test]
    fn confidence_from_the_score_gap() {
        assert_eq!(confidence(&[150, 98, 68]), Confidence::Clear);
        assert_eq!(confidence(&[80, 70]), Confidence::Several);
        assert_eq!(confidence(&[80]), Confidence::Clear);
        assert_eq!(confidence(&[45, 10]), Confidence::Unclear);
        assert_eq!(confidence(&[]), Confidence::Unclear);
    }

    #[test]
    fn what_lowers_a_score() {
        let mut f = Failure::path_example("/srv/app/.env", "ENOENT");
        f.succeeded_later = true;
        f.syscalls = [("access".to_string(), 1)].into();
        let r = reasons(&f, None);
        assert!(r.contains(&("resolved", -15)) && r.contains(&("existence_check", -10)), "{r:?}");
        let f = Failure::example(Target::Call { syscall: "mmap".into(), errno: "ENOMEM".into() }, "mmap", "ENOMEM", 1);
        assert!(reasons(&f, None).contains(&("no_target", -10)));
        let f = Failure::example(Target::Path { path: b"x.conf".to_vec(), absolute: false }, "openat", "ENOENT", 1);
        assert!(reasons(&f, None).contains(&("unresolved", -5)));
    }

    #[test]
    fn a_whole_process_condition_needs_no_path() {
        let f = Failure::example(
            Target::Call { syscall: "accept4".into(), errno: "EMFILE".into() },
            "accept4",
            "EMFILE",
            1,
        );
        let r = reasons(&f, None);
        assert!(r.contains(&("process_wide", 10)) && !r.iter().any(|(k, _)| *k == "no_target"), "{r:?}");
        assert_eq!(r.iter().map(|(_, p)| p).sum::<i32>(), 25 + 10 + 10, "as much as a path in an application tree");
    }

    #[test]
    fn repetition_is_worth_three_points_per_doubling_up_to_ten() {
        let target = || Target::Path { path: b"/srv/app/x".to_vec(), absolute: true };
        for (count, points) in [(2, 3), (4, 6), (8, 9), (1000, 10)] {
            let f = Failure::example(target(), "openat", "ENOENT", count);
            assert!(reasons(&f, None).contains(&("repeated", points)), "{count}");
        }
        assert!(!reasons(&Failure::example(target(), "openat", "ENOENT", 1), None).iter().any(|r| r.0 == "repeated"));
    }
}

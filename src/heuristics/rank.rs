//! Suspect scores: a sum of named reasons, each worth the points [`WEIGHTS`] gives it; the
//! order of suspects.

use super::blame::Explains;
use super::typo::{Evidence, Typo, TypoKind};
use crate::analysis::group::{Failure, Target};
use crate::analysis::naming::Naming;
use crate::errno::{is_unprovoked, ErrnoClass};
use crate::path::{is_app_tree, is_system_tree};
use crate::syscalls::{self, Does};
use crate::text::TraceText;

/// Every scoring weight, in one place. Suspects are ordered first by the most severe symptom
/// they explain ([`tier`]: a crash, then a bad exit or a 5xx, then error text, then a 4xx of
/// the application's own), then by this score; each weight says why, from how programs
/// behave. The symptom weights only order suspects that explain alike symptoms.
pub(crate) struct Weights {
    /// By errno class of the group's main errno: a permission refusal is almost never asked
    /// for (30); an unreachable peer or an exhausted resource stops the work that needed it
    /// (25); a missing name is often a probe of an optional file (20); other errnos say little.
    pub permission: i32,
    pub network: i32,
    pub resource: i32,
    pub missing: i32,
    pub other: i32,
    /// The same call succeeded later (the program found what it wanted another way) / never
    /// did (whatever needed it went without).
    pub resolved: i32,
    pub never_resolved: i32,
    /// A name one edit away from one that exists is rarely chance; two edits, less so.
    pub typo_one_edit: i32,
    pub typo_two_edits: i32,
    /// The program's own error text names the failure: the program says it mattered. By the
    /// stem only (`No module named 'x'`): weaker, a stem is a shorter and commoner string.
    pub named_in_error: i32,
    pub stem_in_error: i32,
    /// Error text it explains without naming it (it was the last failure before the text).
    pub error_text: i32,
    /// Only successful HTTP responses followed: the request did not need it.
    pub request_succeeded: i32,
    /// Symptoms it explains: a 5xx is the server's own failure; a 4xx of the application's
    /// own (its front controller, a path every request needs) is a smaller one; a crash and a
    /// bad exit end the work.
    pub http_5xx: i32,
    pub http_4xx: i32,
    pub killed: i32,
    pub exit_status: i32,
    /// A 4xx for a file the client asked for that is missing: the server working as it
    /// should (a client's typo, a scanner, a stale link).
    pub client_request: i32,
    /// Only existence checks (`access`): an optional file.
    pub existence_check: i32,
    /// No path or address: an errno alone says little about where the trouble is.
    pub no_target: i32,
    /// No path or address, but an errno no healthy program provokes (out of descriptors, disk
    /// full, ...): a condition of the whole process.
    pub process_wide: i32,
    /// Where it is: an application's own tree is what deploys change; system trees are what
    /// runtimes and libraries probe.
    pub app_tree: i32,
    pub system_tree: i32,
    /// A relative path whose directory is unknown.
    pub unresolved: i32,
    /// A typo in the path a client asked for: a wrong link, not the server's fault.
    pub client_typo: i32,
    /// Repetition: this many points per doubling of the count, at most `repeated_max` (a
    /// failure every request has is worth more than one, but not without bound).
    pub repeated_per_doubling: f64,
    pub repeated_max: i32,
    /// Failing paths below a wrong directory, folded into it: every request through it fails.
    pub paths_below: i32,
    /// The disk shows a symlink on the path whose target is gone: a deploy left it dangling.
    pub dangling_link: i32,
    /// The process failed on more after this failed exec (folded into it).
    pub after_exec: i32,
    /// A file the program opened and then failed to read or write: it was acting on what it
    /// was given, past the point where a probe stops (a probe asks with a lookup, and an
    /// open that fails is the answer); a `-Z` trace keeps this shape though it drops the open.
    pub acted_on_descriptor: i32,
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
    client_request: 0,
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
    acted_on_descriptor: 15,
};

/// How severe the symptoms a failure explains are: 4 a crash, 3 a bad exit or an HTTP 5xx,
/// 2 error text, 1 an HTTP 4xx of the application's own, 0 none. A file the client asked for
/// that is missing explains its 404 and the server's log line about it: the server working, 0.
/// Suspects are ordered by it before their score: symptoms first, then causes.
pub(crate) fn tier(f: &Failure, e: Option<&Explains>) -> u8 {
    let Some(e) = e else { return 0 };
    if e.killed.is_some() {
        4
    } else if !e.exits.is_empty() || e.server_errors() > 0 {
        3
    } else if f.asked_for {
        0
    } else if e.errors > 0 {
        2
    } else if e.client_errors() > 0 {
        1
    } else {
        0
    }
}

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
    /// `count` 4xx responses for the file the client asked for: the client's, not a cause.
    ClientRequest {
        count: u64,
    },
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
    /// It failed reading or writing a file the program had opened.
    ActedOnDescriptor,
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
            Why::ClientRequest { .. } => "client_request",
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
            Why::ActedOnDescriptor => "acted_on_descriptor",
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
pub(crate) fn score(f: &Failure, typo: Option<&Typo>, explained: Option<&Explains>) -> (i32, Vec<Reason>) {
    let w = &WEIGHTS;
    let mut reasons = Vec::new();
    let mut add = |points: i32, why: Why| reasons.push(Reason { why, points });
    let errno = f.main_errno();
    let class = f.class();
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
    let none = Explains::default();
    let ex = explained.unwrap_or(&none);
    if let Some(named) = &re.named_in_error {
        if named.by == Naming::Stem {
            add(w.stem_in_error, Why::StemInError);
        } else {
            add(w.named_in_error, Why::NamedInError);
        }
    } else if ex.errors > 0 {
        add(w.error_text, Why::ErrorText);
    }
    let succeeded: u64 = re.http.iter().filter(|(c, _)| **c < 400).map(|(_, n)| n).sum();
    if re.http.keys().all(|c| *c < 400) && succeeded > 0 && ex.http.is_empty() {
        let code = re.http.keys().next().copied().unwrap_or(200);
        add(w.request_succeeded, Why::RequestSucceeded { code });
    }
    let (server_errors, client_errors) = (ex.server_errors(), ex.client_errors());
    if server_errors > 0 {
        add(w.http_5xx, Why::HttpError { server: true, count: server_errors });
    } else if client_errors > 0 && f.asked_for {
        add(w.client_request, Why::ClientRequest { count: client_errors });
    } else if client_errors > 0 {
        add(w.http_4xx, Why::HttpError { server: false, count: client_errors });
    }
    if let Some(sig) = &ex.killed {
        add(w.killed, Why::Killed { signal: sig.as_str().into() });
    } else if let Some((&code, _)) = ex.exits.iter().next() {
        add(w.exit_status, Why::ExitStatus { code });
    }
    let data = Does::READ.and(Does::WRITE);
    if matches!(f.target, Target::Path { absolute: true, .. })
        && class != ErrnoClass::Probe
        && f.only_on_descriptors(data)
    {
        add(w.acted_on_descriptor, Why::ActedOnDescriptor);
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
    /// Suspect 1 explains the symptoms and no other suspect explains any of its own.
    Clear,
    /// Others explain symptoms too, in the same processes and requests (or score close).
    Several,
    /// Nothing explains the symptoms, or even suspect 1 scores low.
    Unclear,
    /// Two or more suspects each explain symptoms of their own (other processes or
    /// requests): separate problems, each to fix.
    Independent,
}

impl Confidence {
    /// The JSON name.
    pub fn code(self) -> &'static str {
        match self {
            Confidence::Clear => "clear",
            Confidence::Several => "several",
            Confidence::Unclear => "unclear",
            Confidence::Independent => "independent",
        }
    }
}

/// A score below this tells little: an errno, a path, no reaction.
const TELLING: i32 = 50;

/// How clear the cause is. `ranked`: each suspect's (score, [`tier`]) in order;
/// `independent`: how many suspects explain symptoms of their own; `symptoms`: whether
/// anything went visibly wrong (a crash, a bad exit, an error response or text).
pub(crate) fn confidence(ranked: &[(i32, u8)], independent: usize, symptoms: bool) -> Confidence {
    if independent >= 2 {
        return Confidence::Independent;
    }
    match ranked {
        [] => Confidence::Unclear,
        [(_, tier), rest @ ..] if *tier > 0 => {
            if rest.iter().any(|(_, t)| *t >= 2) {
                Confidence::Several
            } else {
                Confidence::Clear
            }
        }
        // something went wrong and no failure explains it: the failures are footnotes
        _ if symptoms => Confidence::Unclear,
        // nothing went visibly wrong: a failure may be the answer, never a clear one
        [(top, _), ..] if *top < TELLING => Confidence::Unclear,
        _ => Confidence::Several,
    }
}

/// A scored group: (score, group id, reasons).
pub(crate) type Scored = (i32, usize, Vec<Reason>);

/// Evidence order (the order folding takes the best member of a search by): higher score
/// first, then the earlier first failure, then the group made first. The suspects' final
/// order puts the [`tier`] before the score (`heuristics::judge`).
pub(crate) fn sort(scored: &mut [Scored], groups: &[Failure]) {
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(groups[a.1].first.line.cmp(&groups[b.1].first.line)).then(a.1.cmp(&b.1)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::group::Named;

    fn reasons(f: &Failure, typo: Option<&Typo>, e: Option<&Explains>) -> Vec<(&'static str, i32)> {
        let (total, reasons) = score(f, typo, e);
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
        assert_eq!((w.http_5xx, w.http_4xx, w.killed, w.exit_status, w.client_request), (20, 15, 20, 15, 0));
        assert_eq!((w.existence_check, w.no_target, w.app_tree, w.system_tree, w.unresolved), (-10, -10, 10, -10, -5));
        assert_eq!(w.client_typo, -25);
        assert_eq!(w.process_wide, 10);
        assert_eq!((w.repeated_per_doubling, w.repeated_max, w.paths_below), (3.0, 10, 10));
        assert_eq!((w.dangling_link, w.after_exec, w.acted_on_descriptor), (40, 10, 15));
    }

    #[test]
    fn a_bare_failure_scores_its_errno_class_and_place() {
        let f = Failure::path_example("/srv/app/config.yaml", "EACCES");
        assert_eq!(reasons(&f, None, None), [("errno_class", 30), ("never_resolved", 10), ("app_tree", 10)]);
        let f = Failure::path_example("/usr/lib/x.so", "ENOENT");
        assert_eq!(reasons(&f, None, None), [("errno_class", 20), ("never_resolved", 10), ("system_tree", -10)]);
        let f = Failure::path_example("/tmp/x", "EIO");
        assert_eq!(reasons(&f, None, None), [("errno_class", 10), ("never_resolved", 10)]);
    }

    #[test]
    fn epipe_on_a_pipe_is_no_network_error() {
        let pipe = Failure::path_example("pipe:[8812]", "EPIPE");
        let (_, why) = score(&pipe, None, None);
        assert!(matches!(why[0].why, Why::ErrnoClass { class: ErrnoClass::Other, .. }), "{:?}", why[0].why);
        let socket =
            Failure { target: Target::Address { proto: "tcp", addr: "10.0.0.5:80".into(), unix_path: None }, ..pipe };
        let (_, why) = score(&socket, None, None);
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
        assert!(reasons(&f, Some(&t), None).contains(&("typo", 40)));
        t.distance = 2;
        assert!(reasons(&f, Some(&t), None).contains(&("typo", 30)));
    }

    #[test]
    fn only_the_symptoms_it_explains_count_each_once() {
        let mut f = Failure::path_example("/srv/app/x", "ENOENT");
        f.reactions.named_in_error = Some(Named { excerpt: "cannot open /srv/app/x".into(), by: Naming::Path });
        // what followed but chose another cause is no reason
        f.reactions.http.insert(500, 2);
        f.reactions.exit_code = Some(1);
        let r = reasons(&f, None, None);
        assert!(!r.iter().any(|(k, _)| ["http_error", "exit_status", "killed"].contains(k)), "{r:?}");
        let mut e = Explains { killed: Some("SIGSEGV".into()), errors: 2, ..Explains::default() };
        e.http.insert(500, 2);
        e.http.insert(404, 1);
        e.exits.insert(1, 1);
        let r = reasons(&f, None, Some(&e));
        for want in [("named_in_error", 30), ("http_error", 20), ("killed", 20)] {
            assert!(r.contains(&want), "{want:?} in {r:?}");
        }
        for not in ["error_text", "exit_status", "request_succeeded"] {
            assert!(!r.iter().any(|(k, _)| *k == not), "{not} in {r:?}");
        }
        assert_eq!(tier(&f, Some(&e)), 4);
        let f = Failure::path_example("/srv/app/x", "ENOENT");
        let mut e = Explains { errors: 1, ..Explains::default() };
        e.http.insert(404, 1);
        e.exits.insert(2, 1);
        let r = reasons(&f, None, Some(&e));
        for want in [("error_text", 15), ("exit_status", 15)] {
            assert!(r.contains(&want), "{want:?} in {r:?}");
        }
        assert_eq!(tier(&f, Some(&e)), 3);
        let mut f = Failure::path_example("/srv/app/x", "ENOENT");
        f.reactions.http.insert(200, 3);
        assert!(reasons(&f, None, None).contains(&("request_succeeded", -15)));
    }

    #[test]
    fn a_4xx_for_what_the_client_asked_is_the_clients() {
        let mut f = Failure::path_example("/var/www/html/favicon.ico", "ENOENT");
        let mut e = Explains::default();
        e.http.insert(404, 3);
        assert_eq!(tier(&f, Some(&e)), 1, "the application's own file");
        f.asked_for = true;
        assert_eq!(tier(&f, Some(&e)), 0);
        assert!(reasons(&f, None, Some(&e)).contains(&("client_request", 0)));
    }

    #[test]
    fn a_stem_names_more_weakly() {
        let mut f = Failure::path_example("/srv/app/confg_loader.py", "ENOENT");
        f.reactions.named_in_error = Some(Named { excerpt: "No module named 'confg_loader'".into(), by: Naming::Stem });
        assert!(reasons(&f, None, None).contains(&("stem_in_error", 20)));
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
        assert!(reasons(&f, Some(&typo("/var/www/docs/Oncall.md")), None).contains(&("client_typo", -25)));
        // the server's document root is wrong: the server's fault, whatever was asked
        let mut f = Failure::path_example("/var/www/htlm/about.html", "ENOENT");
        f.requested = Some(b"/about.html".to_vec());
        assert!(!reasons(&f, Some(&typo("/var/www/html/about.html")), None).iter().any(|r| r.0 == "client_typo"));
    }

    #[test]
    fn confidence_from_what_the_suspects_explain() {
        // suspect 1 explains a 5xx, no other explains anything
        assert_eq!(confidence(&[(150, 3), (98, 0), (68, 0)], 1, true), Confidence::Clear);
        // another explains error text in the same requests
        assert_eq!(confidence(&[(150, 3), (98, 2)], 1, true), Confidence::Several);
        assert_eq!(confidence(&[(150, 3), (98, 3)], 2, true), Confidence::Independent);
        // symptoms nobody explains: the failures are footnotes
        assert_eq!(confidence(&[(150, 0), (20, 0)], 0, true), Confidence::Unclear);
        // nothing went wrong visibly: never a clear cause
        assert_eq!(confidence(&[(150, 0), (20, 0)], 0, false), Confidence::Several);
        assert_eq!(confidence(&[(45, 0)], 0, false), Confidence::Unclear);
        assert_eq!(confidence(&[], 0, true), Confidence::Unclear);
    }

    #[test]
    fn what_lowers_a_score() {
        let mut f = Failure::path_example("/srv/app/.env", "ENOENT");
        f.succeeded_later = true;
        f.syscalls = [("access".to_string(), 1)].into();
        let r = reasons(&f, None, None);
        assert!(r.contains(&("resolved", -15)) && r.contains(&("existence_check", -10)), "{r:?}");
        let f = Failure::example(Target::Call { syscall: "mmap".into(), errno: "ENOMEM".into() }, "mmap", "ENOMEM", 1);
        assert!(reasons(&f, None, None).contains(&("no_target", -10)));
        let f = Failure::example(Target::Path { path: b"x.conf".to_vec(), absolute: false }, "openat", "ENOENT", 1);
        assert!(reasons(&f, None, None).contains(&("unresolved", -5)));
    }

    #[test]
    fn a_whole_process_condition_needs_no_path() {
        let f = Failure::example(
            Target::Call { syscall: "accept4".into(), errno: "EMFILE".into() },
            "accept4",
            "EMFILE",
            1,
        );
        let r = reasons(&f, None, None);
        assert!(r.contains(&("process_wide", 10)) && !r.iter().any(|(k, _)| *k == "no_target"), "{r:?}");
        assert_eq!(r.iter().map(|(_, p)| p).sum::<i32>(), 25 + 10 + 10, "as much as a path in an application tree");
    }

    #[test]
    fn repetition_is_worth_three_points_per_doubling_up_to_ten() {
        let target = || Target::Path { path: b"/srv/app/x".to_vec(), absolute: true };
        for (count, points) in [(2, 3), (4, 6), (8, 9), (1000, 10)] {
            let f = Failure::example(target(), "openat", "ENOENT", count);
            assert!(reasons(&f, None, None).contains(&("repeated", points)), "{count}");
        }
        assert!(!reasons(&Failure::example(target(), "openat", "ENOENT", 1), None, None)
            .iter()
            .any(|r| r.0 == "repeated"));
    }
}

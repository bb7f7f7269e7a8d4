//! Every format rendered from one hand-built report, pinned whole (insta snapshots in
//! `src/render/snapshots/`; `INSTA_UPDATE=always cargo test --lib render` rewrites them).

use std::collections::BTreeMap;

use crate::analysis::process::{HostNoFile, Limit, Resource, ResourceLimit};
use crate::disk::Filesystem;
use crate::errno::ErrnoClass;
use crate::report::{
    Answered, FailureReport, FollowedBy, NetworkFailure, Report, Summary, Suspect, Symptoms, TargetKind, TypoReport,
};
use crate::report::{Confidence, Reason, Why};
use crate::report::{Denied, Explained, Explanation, Id, Interpreter, Place, Source};
use crate::report::{Evidence, TypoKind};
use crate::report::{Found, Reference, Sets};
use crate::report::{Noise, NoiseReason};

fn suspect() -> Suspect {
    let why = [
        (Why::ErrnoClass { class: ErrnoClass::Missing, errno: "ENOENT".into(), message: "No such file".into() }, 20),
        (Why::NeverResolved, 10),
        (
            Why::Typo {
                kind: TypoKind::Extension,
                suggestion: b"/srv/app/conf.yaml".to_vec(),
                evidence: Evidence::Disk,
                distance: 1,
            },
            40,
        ),
        (Why::NamedInError, 30),
        (Why::HttpError { server: true, count: 3 }, 20),
        (Why::Repeated { count: 3, processes: 2 }, 5),
    ];
    Suspect {
        rank: 1,
        path: "/srv/app/conf.yml".into(),
        path_bytes: None,
        kind: TargetKind::Path,
        errno: "ENOENT".into(),
        errmsg: "No such file or directory".into(),
        errnos: [("ENOENT".to_string(), 3)].into(),
        syscalls: [("openat".to_string(), 3)].into(),
        count: 3,
        pids: vec![41, 42],
        score: 125,
        reasons: why.into_iter().map(|(why, points)| Reason { why, points }).collect(),
        typo: Some(TypoReport {
            suggestion: "/srv/app/conf.yaml".into(),
            distance: 1,
            evidence: Evidence::Disk,
            kind: TypoKind::Extension,
        }),
        suggestion: Some("/srv/app/conf.yaml".into()),
        referenced_from: Some(Reference::File {
            path: "/srv/app/main.py".into(),
            line: 7,
            found: Found::Trace,
            place: None,
        }),
        explanation: None,
        command: None,
        disk_usage: None,
        followed_by: vec![
            FollowedBy::Http { code: 500, count: 3, all: 4 },
            FollowedBy::ErrorOutput("cannot open /srv/app/conf.yml".into()),
        ],
        paths_below: Vec::new(),
        also_looked_in: vec!["/usr/share/php/conf.yml".into()],
        after_exec: Vec::new(),
        source: "trace.txt".into(),
        first_line: 12,
        last_line: 80,
        first_time: Some("10:00:01.000001".into()),
        last_time: Some("10:00:02.000001".into()),
        evidence: r#"openat(AT_FDCWD, "/srv/app/conf.yml", O_RDONLY) = -1 ENOENT (No such file or directory)"#.into(),
    }
}

fn id(id: u32, name: &str) -> Id {
    Id { id, name: Some(name.into()) }
}

/// A permission failure explained by the disk, its fix pointer found by searching.
fn explained_suspect() -> Suspect {
    let mut s = suspect();
    s.rank = 2;
    s.path = "/srv/app/data/config.yml".into();
    s.errno = "EACCES".into();
    s.errmsg = "Permission denied".into();
    s.errnos = [("EACCES".to_string(), 1)].into();
    s.count = 1;
    s.pids = vec![43];
    s.score = 50;
    let class =
        Why::ErrnoClass { class: ErrnoClass::Permission, errno: "EACCES".into(), message: "Permission denied".into() };
    s.reasons = vec![
        Reason { why: class, points: 30 },
        Reason { why: Why::NeverResolved, points: 10 },
        Reason { why: Why::AppTree, points: 10 },
    ];
    s.typo = None;
    s.suggestion = None;
    s.followed_by = Vec::new();
    s.referenced_from = Some(Reference::File {
        path: "/srv/app/lib/settings.py".into(),
        line: 4,
        found: Found::Searched("/srv/app".into()),
        place: None,
    });
    let denied = Denied {
        path: b"/srv/app/data".to_vec(),
        owner: id(0, "root"),
        group: id(0, "root"),
        mode: 0o700,
        not_in_group: None,
        bits: 1,
        class: 'o',
    };
    s.explanation = Some(Explanation {
        what: Explained::Permission { denied: Some(denied), user: Some(id(33, "www-data")) },
        source: Source { trace: true, disk: Some(Place::Root), host: false },
    });
    s.evidence = r#"openat(AT_FDCWD, "/srv/app/data/config.yml", O_RDONLY) = -1 EACCES (Permission denied)"#.into();
    s
}

fn failure(path: &str, count: u64, noise: Option<Noise>) -> FailureReport {
    FailureReport {
        path: path.into(),
        path_bytes: None,
        kind: TargetKind::Path,
        errnos: [("ENOENT".to_string(), count)].into(),
        syscalls: [("openat".to_string(), count)].into(),
        count,
        pids: vec![41],
        source: "trace.txt".into(),
        first_line: 3,
        last_line: 3,
        first_time: None,
        last_time: None,
        noise,
        timeout_of: None,
    }
}

fn report() -> Report {
    let summary = Summary {
        lines: 120,
        bytes: 9000,
        processes: 2,
        syscalls: 100,
        failures: 5,
        interruptions: 1,
        groups: 2,
        noise_groups: 1,
        suspects: 2,
        first_time: Some("10:00:00.000001".into()),
        last_time: Some("10:00:03.000001".into()),
        ..Summary::default()
    };
    let symptoms = Symptoms {
        http: [(500, 4), (200, 2)].into(),
        answered: vec![
            Answered { code: 500, count: 4, urls: Some("*.php".into()) },
            Answered { code: 200, count: 2, urls: None },
        ],
        network: vec![NetworkFailure {
            address: "tcp 127.0.0.1:5432".into(),
            errno: "ECONNREFUSED".into(),
            message: "Connection refused".into(),
            count: 2,
            pids: vec![41],
        }],
        ..Symptoms::default()
    };
    let failures = vec![
        failure("/srv/app/conf.yml", 3, None),
        failure("/usr/share/locale/de/x.mo", 2, Some(Noise::KnownBenign { why: "locale data".into() })),
    ];
    let noise = BTreeMap::from([(NoiseReason::KnownBenign, 2)]);
    Report::new(summary, Confidence::Clear, vec![suspect(), explained_suspect()], failures, noise, symptoms)
}

fn rendered(f: impl Fn(&Report, &mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&report(), &mut out).expect("rendered");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn text() {
    colored::control::set_override(false);
    insta::assert_snapshot!(rendered(|r, out| super::text::render(r, None, out)));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(rendered(|r, out| super::markdown::render(r, None, out)));
}

#[test]
fn json() {
    insta::assert_snapshot!(rendered(|r, out| super::json::render(r, out)));
}

#[test]
fn live_lines() {
    use crate::report::build::LiveSuspect;
    let mut s = LiveSuspect {
        path: "/srv/app/conf.yml".into(),
        errno: "ENOENT".into(),
        syscall: "openat".into(),
        pid: Some(42),
        typo: Some("/srv/app/conf.yaml".into()),
        reaction: Some(FollowedBy::Http { code: 500, count: 1, all: 1 }),
    };
    assert_eq!(
        super::live::suspect_line(&s),
        "suspect: /srv/app/conf.yml  ENOENT  openat pid 42  likely typo: /srv/app/conf.yaml exists  → HTTP 500"
    );
    (s.typo, s.pid, s.reaction) = (None, None, Some(FollowedBy::Exit { code: 3 }));
    assert_eq!(super::live::suspect_line(&s), "suspect: /srv/app/conf.yml  ENOENT  openat  → exit status 3");
    s.reaction = Some(FollowedBy::ErrorOutput("bad\x1b[31m".into()));
    assert_eq!(super::live::suspect_line(&s), "suspect: /srv/app/conf.yml  ENOENT  openat  → \"bad\\x1b[31m\"");
    assert_eq!(
        super::live::status_line(10, 2, 1, 0, None, true),
        "straceback: 10 lines, 2 failed in 1 groups, 0 suspects — finishing…"
    );
    assert_eq!(
        super::live::status_line(10, 0, 0, 0, Some((&"tcp 127.0.0.1:5433".into(), 4.2)), false),
        "straceback: 10 lines, 0 failed in 0 groups, 0 suspects, waiting 4.20 s on tcp 127.0.0.1:5433 — Ctrl-C for the report"
    );
}

#[test]
fn issue22_item4_refusals_are_named_and_exits_during_the_walk_counted() {
    use crate::host::Refusal;
    use crate::host::Tree;
    let refusal = |pid, why: &str, asked, traced_by: Option<(u32, &str)>| Refusal {
        pid,
        why: why.into(),
        asked,
        traced_by: traced_by.map(|(p, n)| (p, n.to_string())),
    };
    // the pid asked for is traced by another strace; its three children were attached
    let children = (Tree { root: 50, below: vec![51, 52, 53], children_only: true, left_out: 0 }, false);
    let refused = [
        refusal(50, "Operation not permitted", true, Some((40, "strace"))),
        refusal(54, "No such process", false, None),
        refusal(55, "No such process", false, None),
    ];
    assert_eq!(
        super::live::attached(&[children], &refused),
        "attached to 3 processes (the 3 children of 50: 51 52 53; 50 itself: Operation not permitted — already \
         traced by pid 40 (strace); 2 processes exited during the walk)"
    );
    let alone = [refusal(1, "Operation not permitted", true, None)];
    assert_eq!(super::live::attached(&[], &alone), "attached to 0 processes (1 itself: Operation not permitted)");
    assert_eq!(
        super::live::refused_later(&[refusal(9, "Operation not permitted", false, None)]),
        "strace could not attach to 1 more process: 1 process not attached: Operation not permitted (9)"
    );
    assert_eq!(super::live::detached(1885), "detached from 1,885 processes");
}

#[test]
fn what_was_attached_and_what_was_missed() {
    use crate::report::Tree;
    let tree =
        |root, below: &[u32], children_only| (Tree { root, below: below.to_vec(), children_only, left_out: 0 }, true);
    assert_eq!(
        super::live::attached(&[tree(2341, &[2342, 2343], true)], &[]),
        "attached to 3 processes (2341 and its 2 children 2342 2343)"
    );
    assert_eq!(
        super::live::attached(&[tree(10, &[11], false), tree(20, &[], true)], &[]),
        "attached to 3 processes (10 and its 1 descendant 11; 20)"
    );
    assert_eq!(super::live::attached(&[tree(7, &[], true)], &[]), "attached to 1 process (7)");
    let many: Vec<u32> = (1..=10).collect();
    assert!(super::live::attached(&[tree(100, &many, true)], &[]).ends_with("7 8 …)"));
    assert_eq!(
        super::live::untraced(2341, &[2342, 2343]),
        "warning: process 2341 has 2 child processes alive on this host that never appear in the trace \
         (2342 2343): strace follows only the children forked after it attached. Trace them all: straceback \
         attach 2341   or   strace -f -p 2341 -p 2342 -p 2343 2>&1 | straceback"
    );
}

#[test]
fn no_suspects_says_whether_anything_failed() {
    let mut s = Summary { lines: 1, ..Summary::default() };
    assert_eq!(super::words::no_suspects(&s, false), "No failed syscalls in 1 line.");
    s.failures = 2;
    assert_eq!(super::words::no_suspects(&s, false), "No suspects: every failure looks like normal probing.");
    assert_eq!(
        super::words::no_suspects(&s, true),
        "No suspects: every failure looks like normal probing (see noise below)."
    );
}

#[test]
fn first_seen_gives_no_line_of_a_stream_nobody_kept() {
    use super::words::first_seen;
    assert_eq!(first_seen(&"raw.txt".into(), 12, Some("10:00:00.1")), "first seen raw.txt:12 at 10:00:00.1");
    assert_eq!(
        first_seen(&"-".into(), 12, Some("10:00:00.1")),
        "first seen at 10:00:00.1 (stdin, not saved: --save FILE keeps it)"
    );
    assert_eq!(first_seen(&"strace".into(), 12, None), "first seen (strace's output, not saved: --save FILE keeps it)");
}

#[test]
fn only_failures_are_marked_in_the_symptoms() {
    let parts = super::words::symptom_parts(&report());
    let marked: Vec<(&str, bool)> = parts.iter().flatten().map(|p| (p.text.as_str(), p.failure)).collect();
    assert_eq!(marked, [("connection refused: tcp 127.0.0.1:5432 ×2", true)]);
    let (heading, answered) = super::words::answered_parts(&report());
    let marked: Vec<(&str, bool)> = answered.iter().map(|p| (p.text.as_str(), p.failure)).collect();
    assert_eq!((heading, marked), ("answered:", vec![("4×500 *.php", true), ("2×200", false)]));
}

#[test]
fn explanation_sentences() {
    use super::words::{explanation, explanation_line};
    let said = |what: Explained, trace: bool, disk: Option<Place>| {
        explanation_line(&Explanation { what, source: Source { trace, disk, host: false } })
    };
    let denied = |not_in_group| Denied {
        path: b"/run/docker.sock".to_vec(),
        owner: id(0, "root"),
        group: id(999, "docker"),
        mode: 0o660,
        not_in_group,
        bits: 2,
        class: 'o',
    };
    let cases = [
        (
            Explained::Permission { denied: Some(denied(Some(id(999, "docker")))), user: Some(id(1000, "alice")) },
            true,
            Some(Place::Root),
            "/run/docker.sock is root:docker 0660; the process runs as uid 1000 (alice), not in group docker (from trace and disk)",
        ),
        (
            Explained::Permission { denied: Some(denied(None)), user: None },
            false,
            Some(Place::LiveHost),
            "/run/docker.sock is root:docker 0660, closed to other users; the trace does not show which user the process ran as (from live host)",
        ),
        (
            Explained::Permission { denied: None, user: Some(Id { id: 33, name: None }) },
            true,
            None,
            "the process runs as uid 33 (from trace)",
        ),
        (
            Explained::DiskFull {
                path: Some(b"/var/lib/x/db".to_vec()),
                quota: false,
                filesystem: Some(Filesystem { mount_point: b"/var".to_vec(), free: 0, total: 20 << 30 }),
            },
            true,
            Some(Place::LiveHost),
            "disk full on the filesystem holding /var/lib/x/db (mounted at /var; live host now: 0 B free of 20 GiB) (from trace and live host)",
        ),
        (Explained::DiskFull { path: None, quota: true, filesystem: None }, true, None, "disk quota exceeded on the filesystem written to (from trace)"),
        (
            Explained::ResourceLimit {
                syscall: "write".into(),
                limit: ResourceLimit {
                    resource: Resource::FileSize,
                    soft: Limit::At(1 << 20),
                    call: "setrlimit".into(),
                    set: true,
                    read_before: Default::default(),
                },
            },
            true,
            None,
            "write was refused while the file-size limit (RLIMIT_FSIZE) was 1.0 MiB (set by setrlimit) (from trace)",
        ),
        (
            Explained::OutOfDescriptors {
                held: 1024,
                at_least: true,
                syscall: "accept4".into(),
                system_wide: false,
                limit: None,
                now: None,
            },
            true,
            None,
            "out of file descriptors: the process held at least 1024 when accept4 failed (from trace)",
        ),
        (
            Explained::OutOfDescriptors {
                held: 1024,
                at_least: false,
                syscall: "accept4".into(),
                system_wide: false,
                limit: Some(ResourceLimit {
                    resource: Resource::Files,
                    soft: Limit::At(1024),
                    call: "getrlimit".into(),
                    set: false,
                    read_before: Default::default(),
                }),
                now: None,
            },
            true,
            None,
            "out of file descriptors: the process held 1024 when accept4 failed; limit 1,024 (read by getrlimit) (from trace)",
        ),
        (
            Explained::OutOfDescriptors {
                held: 64,
                at_least: true,
                syscall: "openat".into(),
                system_wide: false,
                limit: None,
                now: Some(HostNoFile { pid: 4242, soft: Limit::At(64), hard: Limit::Unlimited }),
            },
            true,
            None,
            "out of file descriptors: the process held at least 64 when openat failed; limit 64, hard limit unlimited (/proc/4242/limits at the failure) (from trace)",
        ),
        (
            Explained::PortInUse { port: 3000, holder: Some((812, "node server.js".into())) },
            true,
            None,
            "port 3000 is already in use, held by pid 812 (node server.js) (from trace)",
        ),
        (
            Explained::BadInterpreter { program: b"/srv/app/run.sh".to_vec(), problem: Interpreter::CarriageReturn(b"/bin/sh".to_vec()) },
            false,
            Some(Place::Root),
            "/srv/app/run.sh has CRLF line endings: its #! line names \"/bin/sh\\r\", which does not exist (from disk)",
        ),
        (
            Explained::DanglingLink {
                link: b"/srv/app/current".to_vec(),
                target: b"releases/20261130-1".to_vec(),
                siblings: vec![b"20261201-1".to_vec()],
                more: 0,
                suggested: Some(b"/srv/app/releases/20261201-1".to_vec()),
            },
            false,
            Some(Place::Root),
            "/srv/app/current -> releases/20261130-1, which is gone; releases/ has 20261201-1 (from disk)",
        ),
        (
            Explained::Moved {
                dir: b"/srv/shop/build".to_vec(),
                sibling: b"/srv/shop/dist".to_vec(),
                names: vec![b"index.html".to_vec(), b"assets/app.js".to_vec()],
                more: 3,
                suggested: b"/srv/shop/dist".to_vec(),
            },
            false,
            Some(Place::Root),
            "/srv/shop/build does not exist; /srv/shop/dist holds index.html, assets/app.js and 3 more (from disk)",
        ),
        (
            Explained::ReadOnly {
                mount: crate::disk::Mount {
                    mount_point: b"/srv/media".to_vec(),
                    read_only: true,
                    fstype: b"ext4".to_vec(),
                    source: b"/dev/vdb".to_vec(),
                    table: b"/proc/self/mountinfo".to_vec(),
                },
            },
            true,
            Some(Place::LiveHost),
            "/srv/media is mounted read-only (ext4 /dev/vdb, from /proc/self/mountinfo) (from trace and live host)",
        ),
    ];
    for (what, trace, disk, want) in cases {
        assert_eq!(said(what, trace, disk), want);
    }
    // the ids read from /proc for `run`/`attach`
    let source = |trace, disk| super::words::source(Source { trace, disk, host: true });
    assert_eq!(source(false, None), "live host");
    assert_eq!(source(false, Some(Place::LiveHost)), "live host");
    assert_eq!(source(true, Some(Place::Root)), "trace, disk and live host");
    let e = Explanation { what: Explained::InotifyLimit, source: Source { trace: true, disk: None, host: false } };
    assert!(explanation(&e).contains("fs.inotify.max_user_watches"));
}

#[test]
fn issue16_the_process_count_at_its_cap_is_a_lower_bound() {
    let s = Summary { processes: 1_000_000, processes_capped: true, ..Summary::default() };
    assert!(super::words::summary_line(&s).contains(", ≥ 1,000,000 processes,"), "{}", super::words::summary_line(&s));
    let s = Summary { processes: 999_999, ..Summary::default() };
    assert!(super::words::summary_line(&s).contains(", 999,999 processes,"));
}

#[test]
fn issue16_a_spent_typo_budget_is_said_in_the_verbose_text() {
    let mut r = report();
    r.summary.typo_budget_spent = true;
    let mut out = Vec::new();
    super::text::render(&r, None, &mut out).unwrap();
    assert!(String::from_utf8_lossy(&out).contains(super::words::TYPO_BUDGET_SPENT));
}

#[test]
fn a_line_that_sets_what_the_failure_ran_into_in_every_format() {
    colored::control::set_override(false);
    let mut r = report();
    let s = &mut r.suspects[0];
    s.typo = None;
    s.suggestion = None;
    s.referenced_from = Some(Reference::Setting {
        path: "/etc/php/8.2/fpm/pool.d/www.conf".into(),
        line: 53,
        found: Found::Searched("/etc/php".into()),
        sets: Sets::SocketAccess,
        text: "listen.owner = root".into(),
    });
    assert_eq!(
        super::words::fix(s).as_deref(),
        Some("/etc/php/8.2/fpm/pool.d/www.conf:53 sets who may connect: listen.owner = root (found by searching /etc/php)")
    );
    let json = serde_json::to_value(&r.suspects[0].referenced_from).expect("json");
    let want = serde_json::json!({"path": "/etc/php/8.2/fpm/pool.d/www.conf", "line": 53, "found_by": "search",
        "searched": "/etc/php", "sets": "socket_access", "text": "listen.owner = root"});
    assert_eq!(json, want);
    let mut out = Vec::new();
    super::markdown::render(&r, None, &mut out).expect("markdown");
    let md = String::from_utf8(out).expect("utf-8");
    assert!(
        md.contains(
            "- Change `listen.owner = root` in /etc/php/8.2/fpm/pool.d/www.conf, line 53 (found by searching \
             /etc/php): it sets who may connect\n"
        ),
        "{md}"
    );
    let mut out = Vec::new();
    super::text::render(&r, None, &mut out).expect("text");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains(
        "    who may connect is set in /etc/php/8.2/fpm/pool.d/www.conf:53 (found by searching /etc/php): listen.owner = root\n"
    ));
}

#[test]
fn issue16_memory_caps_are_said_only_when_one_was_reached() {
    let mut r = report();
    let render = |r: &Report| {
        let (mut screen, mut text) = (Vec::new(), Vec::new());
        super::screen::render(r, 120, &mut screen).unwrap();
        super::text::render(r, None, &mut text).unwrap();
        (String::from_utf8_lossy(&screen).into_owned(), String::from_utf8_lossy(&text).into_owned())
    };
    let (screen, text) = render(&r);
    assert!(!screen.contains("memory caps") && !text.contains("memory caps"));
    r.summary.memory_caps =
        crate::report::MemoryCaps { unfinished_calls: 12_345, processes: 1, known_paths: 2, ..Default::default() };
    let want = "memory caps hit: 12,345 unfinished calls given up, 1 time a process was forgotten, \
                2 successful path calls not remembered";
    let (screen, text) = render(&r);
    let short = "memory caps hit (-v says what was dropped): unfinished calls, processes, known paths";
    assert!(screen.lines().any(|l| l == short), "{screen}");
    assert!(text.lines().any(|l| l == want), "{text}");
}

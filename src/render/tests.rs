//! Every format rendered from one hand-built report, pinned whole (insta snapshots in
//! `src/render/snapshots/`; `INSTA_UPDATE=always cargo test --lib render` rewrites them).

use std::collections::BTreeMap;

use crate::errno::ErrnoClass;
use crate::heuristics::fix_pointer::Reference;
use crate::heuristics::noise::{Noise, NoiseReason};
use crate::heuristics::rank::{Confidence, Reason, Why};
use crate::heuristics::typo::{Evidence, TypoKind};
use crate::report::{
    FailureReport, FollowedBy, NetworkFailure, Report, Summary, Suspect, Symptoms, TargetKind, TypoReport,
};

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
        referenced_from: Some(Reference::File { path: "/srv/app/main.py".into(), line: 7 }),
        followed_by: vec![
            FollowedBy::Http { code: 500, count: 3, all: 4 },
            FollowedBy::ErrorOutput("cannot open /srv/app/conf.yml".into()),
        ],
        paths_below: Vec::new(),
        also_looked_in: vec!["/usr/share/php/conf.yml".into()],
        source: "trace.txt".into(),
        first_line: 12,
        last_line: 80,
        first_time: Some("10:00:01.000001".into()),
        last_time: Some("10:00:02.000001".into()),
        evidence: r#"openat(AT_FDCWD, "/srv/app/conf.yml", O_RDONLY) = -1 ENOENT (No such file or directory)"#.into(),
    }
}

fn failure(path: &str, count: u64, noise: Option<Noise>) -> FailureReport {
    FailureReport {
        path: path.into(),
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
        suspects: 1,
        first_time: Some("10:00:00.000001".into()),
        last_time: Some("10:00:03.000001".into()),
        ..Summary::default()
    };
    let symptoms = Symptoms {
        http: [(500, 4), (200, 2)].into(),
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
    Report::new(summary, Confidence::Clear, vec![suspect()], failures, noise, symptoms)
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
        super::live::status_line(10, 2, 1, 0, true),
        "straceback: 10 lines, 2 failed in 1 groups, 0 suspects — finishing…"
    );
}

//! The default text report fits the answer on one screen: for every fixture incident, at most
//! 40 lines of at most 120 columns (COLUMNS=120), suspect 1 (the truth) first, and a `fix:`
//! line wherever the truth knows the change to make.

use serde_json::Value;

use crate::harness::{incident_dirs, incident_traces, straceback};

#[test]
fn every_incident_report_fits_one_screen_with_the_answer_first() {
    let mut seen = 0;
    for dir in incident_dirs() {
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth")).expect("json");
        let trace = dir.join(&incident_traces(&dir)[0]);
        let out = straceback()
            .env("COLUMNS", "120")
            .args(["--color", "never", "--root"])
            .arg(dir.join("root"))
            .arg(&trace)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", trace.display());
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() <= 40, "{}: {} lines\n{text}", trace.display(), lines.len());
        for l in &lines {
            assert!(l.chars().count() <= 120, "{}: a line of {} columns: {l}", trace.display(), l.chars().count());
        }
        // suspect 1 of the report comes first, with a fix line when the report knows the change
        let json = crate::harness::report(&[
            "--root",
            dir.join("root").to_str().expect("utf-8"),
            trace.to_str().expect("utf-8"),
        ]);
        let Some(s1) = json["suspects"].get(0) else { continue };
        // waiting is the answer and no failure explains anything: the failures are counted only
        if json["confidence"] == "unclear"
            && !json["waiting"]["verdict"].is_null()
            && json["unexplained_crash"].is_null()
        {
            assert!(!lines.iter().any(|l| l.starts_with(" 1. ")), "{}\n{text}", trace.display());
            assert!(lines.iter().any(|l| l.starts_with("No failed call explains the wait")), "{text}");
            continue;
        }
        // the terminal sees control bytes escaped
        let path = s1["path"].as_str().expect("path").replace('\r', "\\r");
        let first = lines.iter().find(|l| l.starts_with(" 1. ")).unwrap_or_else(|| panic!("{text}"));
        // a head line too long for the screen is cut with `…`
        let head = format!(" 1. {path}  ");
        let shown = first.strip_suffix('…').unwrap_or(first);
        assert!(first.starts_with(&head) || head.starts_with(shown), "{}: {first}", trace.display());
        let knows_fix = !s1["suggestion"].is_null() || !s1["referenced_from"].is_null();
        assert_eq!(lines.iter().any(|l| l.starts_with("    fix: ")), knows_fix, "{}\n{text}", trace.display());
        // where suspect 1 is the truth, the truth's fix is there (for the incidents whose fix
        // pointer the corpus test does not list as not found yet)
        let rc = &truth["root_cause"];
        let truth_first = rc["path"].as_str().or(rc["address"].as_str()) == Some(path.as_str());
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let known_gap =
            crate::corpus::KNOWN_GAPS.iter().any(|(n, what)| *n == name && matches!(*what, "fix pointer" | "typo"));
        if truth_first && !known_gap && (!truth["suggestion"].is_null() || !truth["referenced_from"].is_null()) {
            assert!(knows_fix, "{}: no fix line\n{text}", trace.display());
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen} incidents checked");
}

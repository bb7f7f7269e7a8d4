//! Command-line behaviour: exit statuses, error messages, escaping of hostile paths.

use crate::harness::{fixtures, run, straceback};

fn fixture(p: &str) -> String {
    fixtures().join(p).to_str().expect("utf-8").to_string()
}

#[test]
fn missing_input_is_reported_and_the_others_still_analysed() {
    let good = fixture("flags/plain.txt");
    let out = run(&["--format", "json", "/nonexistent/trace.txt", &good]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("straceback: /nonexistent/trace.txt: No such file or directory"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report still printed");
    assert!(report["summary"]["lines"].as_u64().unwrap_or(0) > 10);
    assert_eq!(report["schema"], 1);
}

#[test]
fn a_directory_is_not_a_trace() {
    let out = run(&["events", &fixture("flags")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}

#[test]
fn exit_code_flag_reports_suspects() {
    let t = fixture("incidents/crash-after-open/trace.txt");
    assert_eq!(run(&["--no-disk", &t]).status.code(), Some(0));
    assert_eq!(run(&["--no-disk", "--exit-code", &t]).status.code(), Some(1));
}

#[test]
fn stdin_is_read_when_no_file_is_given() {
    let trace = std::fs::read(fixture("incidents/missing-logdir/trace.txt")).expect("trace");
    let out = straceback().args(["--format", "json", "--no-disk"]).write_stdin(trace).output().expect("run");
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["suspects"][0]["path"], "/var/log/ledger/ledger.log");
}

#[test]
fn hostile_file_names_never_reach_the_terminal_raw() {
    let sgr = regex::Regex::new("\x1b\\[[0-9;]*m").expect("re");
    for format in ["text", "markdown"] {
        for file in ["flags/hostile.txt", "flags/hostile-x.txt"] {
            let out = run(&["--all", "--no-disk", "--color", "always", "--format", format, &fixture(file)]);
            assert!(out.status.success());
            let text = String::from_utf8_lossy(&out.stdout);
            // colour codes are ours (ESC[..m); nothing else may be a control character
            let stripped = sgr.replace_all(&text, "");
            let bad: Vec<char> = stripped
                .chars()
                .filter(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c))
                .collect();
            assert!(bad.is_empty(), "{format} {file}: raw control characters {bad:?}");
            assert!(
                text.contains("\\x1b[2J\\x1b[31m") || text.contains("\\x1b\\[2J"),
                "{format} {file}: the ESC name is shown escaped"
            );
        }
    }
}

#[test]
fn output_is_uncoloured_when_not_a_terminal() {
    let out = run(&["--no-disk", &fixture("incidents/seed/trace.txt")]);
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn events_are_ndjson_with_the_contract_fields() {
    let evs = crate::harness::events(&fixtures().join("flags/tt.txt"));
    let keys = [
        "type", "source", "line", "pid", "time", "syscall", "args", "path", "ret", "errno", "errmsg", "duration",
        "signal", "code",
    ];
    for e in &evs {
        for k in keys {
            assert!(e.get(k).is_some(), "{k} missing in {e}");
        }
    }
    let fail = evs.iter().find(|e| e["errno"] == "ENOENT").expect("a failure");
    assert_eq!(fail["ret"], -1);
    assert_eq!(fail["errmsg"], "No such file or directory");
    assert!(fail["time"].as_str().is_some_and(|t| t.len() == 15), "{fail}");
}

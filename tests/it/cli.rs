//! Command-line behaviour: exit statuses, error messages, escaping of hostile paths.

use crate::harness::{fixtures, input_error, run, straceback};

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
    assert_eq!(report["schema"], 2);
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
        for file in ["flags/hostile.txt", "flags/hostile-x.txt", "flags/rare/hostile-stderr.txt"] {
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
            // markdown also escapes the backslash and the brackets
            let shown = if format == "text" { r"\x1b[2J\x1b[31m" } else { r"\\x1b\[2J\\x1b\[31m" };
            assert!(text.contains(shown), "{format} {file}: the ESC name is shown escaped");
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

#[test]
fn top_and_all_bound_the_suspect_list() {
    let t = fixture("incidents/seed/trace.txt");
    let root = fixture("incidents/seed/root");
    let count = |args: &[&str]| {
        let out = run(&[&["-v", "--color", "never", "--root", root.as_str()][..], args, &[t.as_str()][..]].concat());
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let rank = regex::Regex::new(r"^\s*\d+\. ").expect("re");
        text.lines().filter(|l| rank.is_match(l)).count()
    };
    assert_eq!(count(&["--top", "2"]), 2);
    let all = count(&["--all"]);
    assert!(all > 2, "{all}");
    assert_eq!(count(&["--top", "1000"]), all);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let t = fixture("incidents/crash-after-open/trace.txt");
    let coloured = straceback().args(["--color", "always", "--no-disk", &t]).output().expect("run");
    assert!(coloured.stdout.contains(&0x1b));
    let auto = straceback().args(["--color", "auto", "--no-disk", &t]).env("NO_COLOR", "1").output().expect("run");
    assert!(!auto.stdout.contains(&0x1b));
    let json = straceback().args(["--color", "always", "--format", "json", "--no-disk", &t]).output().expect("run");
    assert!(!json.stdout.contains(&0x1b), "JSON is never coloured");
}

#[test]
fn ignore_patterns_add_noise_and_default_ignores_can_be_dropped() {
    let t = fixture("incidents/crash-after-open/trace.txt");
    let first = |args: &[&str]| -> serde_json::Value {
        let out = run(&[&["--format", "json", "--no-disk"][..], args, &[t.as_str()][..]].concat());
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let r = first(&[]);
    assert_eq!(r["suspects"][0]["path"], "/opt/crashy/data/input.dat");
    let r = first(&["--ignore", "^/opt/crashy/data/"]);
    assert_ne!(r["suspects"][0]["path"], "/opt/crashy/data/input.dat");
    let ignored = r["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .find(|f| f["path"] == "/opt/crashy/data/input.dat")
        .expect("still listed");
    assert_eq!(ignored["noise"]["reason"], "known_benign", "noise is shown, never dropped");
    let with = first(&[])["summary"]["noise_groups"].as_u64().unwrap_or(0);
    let without = first(&["--no-default-ignores"])["summary"]["noise_groups"].as_u64().unwrap_or(0);
    assert!(without < with, "{without} < {with}");
    let bad = run(&["--ignore", "(", &t]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn show_unparsed_lists_program_output() {
    let out = run(&["--no-disk", "--color", "never", "--show-unparsed", &fixture("flags/mixed.txt")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Unparsed lines (first 4):"), "{text}");
    assert!(text.contains("mixed.txt:160: second"), "{text}");
}

#[test]
fn an_error_message_holding_escape_bytes_is_quoted_escaped() {
    let out = run(&["-v", "--no-disk", "--color", "never", &fixture("flags/rare/hostile-stderr.txt")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r#"followed by error output "cannot open /srv/sbfix-rare/evil-\x1b[2J\x1b[31mred-\x1b]0;title\x07.conf: No such file or directory""#),
        "{text}"
    );
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("straceback"), "{shell}");
    }
    let man = run(&["man"]);
    assert!(man.status.success());
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(text.starts_with(".ie") || text.contains(".TH straceback"), "{}", &text[..text.len().min(200)]);
    for section in
        [".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS", ".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH ENVIRONMENT"]
    {
        assert!(text.contains(section), "{section}");
    }
    assert_eq!(text.matches(".ie \\n(.g").count(), 1, "one preamble");
    // an option that takes a value shows it in the synopsis
    assert!(text.contains(r"[\fB\-\-format\fR \fI<FORMAT>\fR]"), "{text}");
    assert!(text.contains(r"\fBstraceback run\fR [OPTIONS]"), "{text}");
    for words in ["NO_COLOR", "TERM", "127", "128+S"] {
        assert!(text.contains(words), "{words}");
    }
}

#[test]
fn help_has_examples_for_each_use() {
    let out = run(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for example in [
        "2>&1 | straceback",
        "straceback attach",
        "straceback run --",
        "--format json",
        "--format markdown",
        "straceback events",
    ] {
        assert!(text.contains(example), "{example}");
    }
    assert!(run(&["--version"]).status.success());
}

#[test]
fn a_pipe_without_2_and_1_is_an_input_error_with_the_fix() {
    let err = input_error(&straceback().args(["--no-disk"]).write_stdin("").output().expect("run"));
    assert!(err.contains("no strace output read: strace writes its trace to stderr, add 2>&1"), "{err}");
}

#[test]
fn a_file_that_is_not_strace_output_is_an_input_error() {
    let err = input_error(&run(&["--no-disk", "/etc/passwd"]));
    let said = regex::Regex::new(r"/etc/passwd does not look like strace output \((\d+) of (\d+) lines unparsed\)")
        .expect("re");
    let caps = said.captures(&err).unwrap_or_else(|| panic!("{err}"));
    assert_eq!(caps[1], caps[2], "{err}");
}

#[test]
fn a_missing_file_alone_prints_its_error_and_no_report() {
    for format in ["text", "json", "markdown"] {
        let err = input_error(&run(&["--format", format, "/nonexistent/trace.txt"]));
        assert!(err.contains("/nonexistent/trace.txt: No such file"), "{format}: {err}");
    }
}

#[test]
fn nothing_failed_is_said_as_such() {
    let dir = tempfile::tempdir().expect("tmp");
    let trace = dir.path().join("ok.txt");
    std::fs::write(&trace, "openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = 3\nclose(3) = 0\n+++ exited with 0 +++\n")
        .expect("write");
    let t = trace.to_str().expect("utf-8");
    let text = String::from_utf8_lossy(&run(&["--no-disk", "--color", "never", t]).stdout).into_owned();
    assert!(text.contains("\nNo failed syscalls in 3 lines.\n"), "{text}");
    assert!(!text.contains("see noise below"), "{text}");
    let md = String::from_utf8_lossy(&run(&["--no-disk", "--format", "markdown", t]).stdout).into_owned();
    assert!(md.contains("\nNo failed syscalls in 3 lines.\n"), "{md}");
    // failures that are all noise say so, and point at the noise section printed below
    std::fs::write(&trace, "access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or directory)\n")
        .expect("write");
    let text = String::from_utf8_lossy(&run(&["--no-disk", "--color", "never", t]).stdout).into_owned();
    // nothing to suspect, nothing measured: the flags that would show where the time went
    let hint = "waits not measured: the trace has no durations or timestamps (trace with strace -tt -T)";
    assert!(
        text.contains(&format!("\nNo suspects: every failure looks like normal probing.\n{hint}\n-v for ")),
        "{text}"
    );
    let text = String::from_utf8_lossy(&run(&["-v", "--no-disk", "--color", "never", t]).stdout).into_owned();
    assert!(text.contains("\nNo suspects: every failure looks like normal probing (see noise below).\n"), "{text}");
    assert!(text.contains("\nNoise (1 group, 1 failure), by reason\n"), "{text}");
}

#[test]
fn only_failures_are_red_in_what_the_service_answered() {
    let t = fixture("incidents/seed/trace.txt");
    let out = run(&["--no-disk", "--color", "always", &t]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("answered:")).expect("answered");
    assert!(line.contains("\x1b[31m5×500\x1b[0m"), "{line:?}");
    assert!(line.contains(", 3×200"), "HTTP 200 is no failure: {line:?}");
}

/// Issue 16 (terminal injection): a signal name is trace text like any other. Hand-written:
/// strace prints only real signal names, a forged or corrupted trace need not.
#[test]
fn a_signal_name_holding_escape_bytes_is_printed_escaped() {
    let dir = tempfile::tempdir().expect("tmp");
    let trace = dir.path().join("t.txt");
    std::fs::write(&trace, "42 openat(AT_FDCWD, \"/srv/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n42 +++ killed by SIGSEGV\x1b]0;pwned\x07 +++\n").expect("write");
    for args in [&["--color", "never"][..], &["-v", "--color", "never"][..], &["--format", "markdown"][..]] {
        let out = run(&[args, &["--no-disk", trace.to_str().expect("utf-8")][..]].concat());
        assert!(
            !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        if args[0] != "--format" {
            assert!(String::from_utf8_lossy(&out.stdout).contains("killed by SIGSEGV\\x1b]0;pwned\\x07"), "{args:?}");
        }
    }
}

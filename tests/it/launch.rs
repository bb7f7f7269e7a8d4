//! `run` when strace or the command cannot start, or with `--strace-args` that strace rejects
//! or that take the trace away (issue 16, item 7): a clear error and exit 2 (127 for a command
//! not found, as `env` says it), never an empty report.

use crate::harness::run;

fn says(args: &[&str], code: i32, said: &str) {
    let out = run(args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stdout} {stderr}");
    assert!(stdout.is_empty(), "{args:?}: no report: {stdout}");
    assert!(stderr.contains(said), "{args:?}: {stderr}");
}

#[test]
fn issue16_run_with_strace_args_that_redirect_the_trace_is_an_error() {
    for flags in ["-o /tmp/straceback-x.txt", "-ff", "--output=/tmp/straceback-x.txt", "-c", "-fo /tmp/x"] {
        says(&["run", "--no-disk", "--strace-args", flags, "--", "true"], 2, "would take the trace away");
    }
    says(&["run", "--no-disk", "--strace-args", "-e 'trace=open", "--", "true"], 2, "unbalanced quote");
}

#[test]
fn issue16_run_with_strace_args_strace_rejects_is_an_error() {
    says(&["run", "--no-disk", "--strace-args=--no-such-flag", "--", "true"], 2, "strace could not run true");
    // strace prints its version and no trace
    says(&["run", "--no-disk", "--strace-args=-V", "--", "true"], 2, "no trace line");
}

#[test]
fn issue16_run_of_a_missing_command_is_an_error() {
    says(&["run", "--no-disk", "--", "/nonexistent/straceback-cmd"], 127, "command not found");
}

#[test]
fn issue16_strace_args_are_split_like_a_shell() {
    // one quoted word with a blank: strace gets `-e` and `trace=openat, execve`... as one word
    let out = run(&[
        "run",
        "-v",
        "--no-disk",
        "--color",
        "never",
        "--strace-args",
        "-e 'trace=openat,execve'",
        "--",
        "sh",
        "-c",
        "cat /nonexistent/straceback-quoted 2>/dev/null; exit 0",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("/nonexistent/straceback-quoted"), "{stdout}");
}

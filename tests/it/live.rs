//! Live tracing with the real strace: `run`, and a real `strace -f -p PID 2>&1 | straceback
//! --live` pipeline interrupted with SIGINT like a terminal's Ctrl-C.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::run;

#[test]
fn run_traces_a_command_and_names_what_it_failed_on() {
    let out = run(&["run", "--no-disk", "--color", "never", "--", "sh", "-c", "cat /etc/nonexistent.conf; exit 1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let report = text.split("Suspects (").nth(1).expect("report");
    let first: Vec<&str> = report.lines().skip(1).take_while(|l| !l.starts_with(" 2.")).collect();
    assert!(first[0].starts_with(" 1. /etc/nonexistent.conf   ENOENT"), "{text}");
    assert!(first.iter().any(|l| l.trim() == "followed by exit status 1"), "{text}");
    // --live is the default for run: the suspect was printed before the report
    assert!(text.starts_with("suspect: /etc/nonexistent.conf  ENOENT  openat"), "{text}");
    // the traced program's own stderr stays on stderr
    assert!(String::from_utf8_lossy(&out.stderr).contains("cat: /etc/nonexistent.conf"));
}

#[test]
fn run_without_the_command_is_a_usage_error() {
    assert_eq!(run(&["run"]).status.code(), Some(2));
}

#[test]
fn attach_to_a_missing_pid_explains() {
    let out = run(&["attach", "999999999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("attach 999999999: no such process"));
}

/// Kills a helper process when the test ends, passed or failed.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn ctrl_c_in_a_live_pipeline_prints_the_report() {
    let dir = tempfile::Builder::new().prefix("straceback-live").tempdir_in("/tmp").expect("tmp");
    let missing = dir.path().join("missing.conf");
    let script = format!("while true; do cat {} 2>/dev/null; sleep 0.2; done", missing.display());
    let mut service = KillOnDrop(Command::new("sh").args(["-c", &script]).spawn().expect("service"));

    let (reader, writer) = std::io::pipe().expect("pipe");
    let strace = Command::new("strace")
        .args(["-f", "-p", &service.0.id().to_string()])
        .stdout(writer.try_clone().expect("dup"))
        .stderr(writer)
        .process_group(0)
        .spawn()
        .expect("strace");
    let pgid = strace.id();
    let mut strace = KillOnDrop(strace);
    let mut sb = Command::new(assert_cmd::cargo::cargo_bin("straceback"))
        .args(["--live", "--no-disk", "--color", "never"])
        .stdin(reader)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(i32::try_from(pgid).expect("pid"))
        .spawn()
        .expect("straceback");
    let mut out = BufReader::new(sb.stdout.take().expect("stdout"));

    // a suspect line appears while the traced process still runs
    let start = Instant::now();
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).expect("read") > 0, "straceback ended early");
        if line.starts_with("suspect: ") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no live suspect");
    }
    assert!(line.contains(&missing.display().to_string()), "{line}");
    assert!(service.0.try_wait().expect("wait").is_none(), "the traced process still runs");

    // Ctrl-C: the terminal signals the whole pipeline
    // SAFETY: kill(2) on the process group this test created.
    unsafe {
        libc::kill(-i32::try_from(pgid).expect("pid"), libc::SIGINT);
    }
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("report");
    let status = sb.wait().expect("exit");
    let _ = strace.0.wait();
    assert!(status.success(), "{status:?}");
    assert!(rest.contains("Suspects ("), "{rest}");
    assert!(rest.contains(&format!(" 1. {}", missing.display())), "{rest}");
}

//! Hardening, round 2 (issue 22): timed waits, capped counts, impossible durations, attach's
//! own process, the small edges. Each test is named after the item it checks.

use crate::harness::{report, run};

/// Writes `text` to `name` in `dir`; returns its path.
fn trace(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

fn text(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn issue22_item7_timed_waits_are_not_failures() {
    // a condition variable waited on with a deadline (glibc, JVM and Go parkers) times out
    // twice, a semaphore and a signal wait reach theirs; the one failure is the missing file
    let dir = tempfile::tempdir().expect("tmp");
    let futex = "futex(0x7f3a2c0a1b40, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, {tv_sec=1733560000, tv_nsec=0}, FUTEX_BITSET_MATCH_ANY) = -1 ETIMEDOUT (Connection timed out) <1.000100>";
    let lines = [
        format!("9 10:00:00.000000 {futex}"),
        format!("9 10:00:01.000200 {futex}"),
        "9 10:00:02.000300 semtimedop(3, [{sem_num=0, sem_op=-1, sem_flg=0}], 1, {tv_sec=1, tv_nsec=0}) = -1 ETIMEDOUT (Connection timed out) <1.000100>".into(),
        "9 10:00:03.000500 rt_sigtimedwait([USR1], NULL, {tv_sec=1, tv_nsec=0}, 8) = -1 EAGAIN (Resource temporarily unavailable) <1.000100>".into(),
        "9 10:00:04.000700 poll([{fd=5, events=POLLIN}], 1, 1000) = 0 (Timeout) <1.000100>".into(),
        "9 10:00:05.000800 openat(AT_FDCWD, \"/srv/app/settings.ini\", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>".into(),
    ];
    let f = trace(&dir, "t.txt", &(lines.join("\n") + "\n"));
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["summary"]["failures"], 1, "{}", r["summary"]);
    assert_eq!(r["summary"]["interruptions"], 4, "{}", r["summary"]);
    let suspects = r["suspects"].as_array().expect("suspects");
    assert_eq!(suspects.len(), 1, "{suspects:?}");
    assert_eq!(suspects[0]["path"], "/srv/app/settings.ini");
    assert!(r["failures"].as_array().expect("failures").iter().all(|g| g["errnos"].to_string().find("ETIMEDOUT").is_none()));
    let screen = text(&["--no-disk", "--color", "never", &f]);
    assert!(!screen.contains("ETIMEDOUT") && !screen.contains("network error"), "{screen}");
}

#[test]
fn issue22_item7_a_connection_that_times_out_is_still_a_failure() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = trace(
        &dir,
        "t.txt",
        "9 10:00:00.000000 connect(3, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr(\"10.0.0.5\")}, 16) = -1 ETIMEDOUT (Connection timed out) <2.000100>\n",
    );
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["summary"]["failures"], 1, "{}", r["summary"]);
    assert_eq!(r["suspects"][0]["errno"], "ETIMEDOUT");
}

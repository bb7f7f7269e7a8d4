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
    assert!(r["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .all(|g| g["errnos"].to_string().find("ETIMEDOUT").is_none()));
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
    // the timeout ended the 2 s wait on the peer: the wait is the answer, the failure its end
    // (issue 21), still listed as a failure
    let failure = &r["failures"][0];
    assert_eq!(
        (failure["errnos"]["ETIMEDOUT"].as_u64(), failure["timeout_of"].as_str()),
        (Some(1), Some("tcp 10.0.0.5:5432"))
    );
    assert_eq!(r["waiting"]["verdict"]["target"], "tcp 10.0.0.5:5432");
    assert_eq!(r["waiting"]["verdict"]["ended_in_timeout"]["failures"], 1);
}

#[test]
fn issue22_item5_stuck_calls_past_the_cap_are_not_shown_as_exact() {
    // 5,000 threads blocked in futex when the trace ends, 10 s later: 4,096 are followed
    let dir = tempfile::tempdir().expect("tmp");
    let mut t: String = (1..=5000)
        .map(|p| format!("{p} 10:00:00.{p:06} futex(0x7f{p:010x}, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n"))
        .collect();
    t.push_str("9999 10:00:10.000000 getpid() = 9999\n");
    let f = trace(&dir, "t.txt", &t);
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["stuck"].as_array().expect("stuck").len(), 4096);
    assert_eq!(r["waiting"]["stuck_overflow"], 5000 - 4096, "{}", r["waiting"]);
    assert_eq!(r["summary"]["memory_caps"]["stuck_calls"], 5000 - 4096, "{}", r["summary"]);
    assert_eq!(r["waiting"]["verdict"]["not_kept"], 5000 - 4096);
    let floor = "stuck: ≥ 4,096 calls were still waiting when the trace ended";
    let screen = text(&["--no-disk", "--color", "never", &f]);
    assert!(screen.contains(floor) && screen.contains("(904 more not followed: memory cap)"), "{screen}");
    assert!(screen.contains("memory caps hit (-v says what was dropped): stuck calls"), "{screen}");
    let verbose = text(&["--no-disk", "--color", "never", "-v", &f]);
    assert!(verbose.contains(floor), "{verbose}");
    assert_eq!(verbose.lines().filter(|l| l.starts_with("  stuck: ")).count(), 20, "-v cuts the list");
    assert!(verbose.contains("… and 4,076 more stuck calls"), "{verbose}");
    assert!(verbose.contains("904 waiting calls not followed"), "{verbose}");
    let md = text(&["--no-disk", "--format", "markdown", &f]);
    assert!(md.contains(floor), "{md}");
    assert_eq!(md.lines().filter(|l| l.starts_with("- stuck: ")).count(), 10, "markdown cuts the list");
    assert!(md.contains("… and 4,086 more stuck calls"), "{md}");
}

#[test]
fn issue22_item5_stuck_calls_under_the_cap_are_exact() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut t: String = (1..=30)
        .map(|p| format!("{p} 10:00:00.{p:06} futex(0x7f{p:010x}, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n"))
        .collect();
    t.push_str("9999 10:00:10.000000 getpid() = 9999\n");
    let f = trace(&dir, "t.txt", &t);
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["waiting"]["stuck_overflow"], 0);
    let screen = text(&["--no-disk", "--color", "never", &f]);
    // each began before the trace (its process's first line): said so, and counted exactly
    assert!(screen.contains("stuck: 1 of 30 calls on futex 0x7f0000000001 since before the attach"), "{screen}");
    assert_eq!(r["stuck"].as_array().map(Vec::len), Some(30));
    assert!(!screen.contains("memory caps"), "{screen}");
}

#[test]
fn issue22_item5_waits_on_targets_past_the_cap_are_counted() {
    // 5,000 reads of distinct files, 10 ms each: 4,096 targets are kept
    let dir = tempfile::tempdir().expect("tmp");
    let t: String = (0..5000)
        .map(|i| {
            format!(
                "7 10:00:{:02}.{:06} read(3</srv/data/f{i}.bin>, \"x\", 1) = 1 <0.010000>\n",
                i / 1000,
                (i % 1000) * 1000
            )
        })
        .collect();
    let f = trace(&dir, "t.txt", &t);
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["waiting"]["overflow"], 5000 - 4096, "{}", r["waiting"]);
    assert_eq!(r["summary"]["memory_caps"]["wait_targets"], 5000 - 4096);
    let verbose = text(&["--no-disk", "--color", "never", "-v", &f]);
    assert!(verbose.contains("904 waits on more targets not attributed"), "{verbose}");
    assert!(verbose.contains("904 waits on targets past the 4,096 kept"), "{verbose}");
}

#[test]
fn issue22_item11_verbose_prints_no_empty_waits_header() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = trace(
        &dir,
        "t.txt",
        "7 10:00:00.000000 openat(AT_FDCWD, \"/srv/app/a.conf\", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>\n",
    );
    let verbose = text(&["--no-disk", "--color", "never", "-v", &f]);
    assert!(!verbose.contains("Waits (0 of 0 targets)"), "{verbose}");
}

#[test]
fn issue22_item6_impossible_durations_are_dropped_and_their_calls_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let connect = "connect(3, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ETIMEDOUT (Connection timed out)";
    let t = [
        format!("9 10:00:00.000000 {connect} <99999999999999999999.000000>"),
        format!("9 10:00:01.000000 {connect} <-5.000000>"),
        format!("9 10:00:02.000000 {connect} <nan>"),
        "9 10:00:03.000000 openat(AT_FDCWD, \"/srv/a\", O_RDONLY) = -1 ENOENT (No such file or directory) <1e308>"
            .into(),
        "9 10:00:04.000000 read(4, \"x\", 1) = 1 <inf>".into(),
        "9 10:00:05.000000 read(4, \"x\", 1) = 1 <0.500000>".into(),
    ];
    let f = trace(&dir, "t.txt", &(t.join("\n") + "\n"));
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["summary"]["unparsed"], 0, "{}", r["summary"]);
    assert_eq!(r["summary"]["failures"], 4, "every failure counts: {}", r["summary"]);
    assert_eq!(r["summary"]["ignored_durations"], 5, "{}", r["summary"]);
    let waits = r["waits"].as_array().expect("waits");
    assert!(waits.iter().all(|w| w["longest_s"].as_f64().unwrap_or(0.0) < 10.0), "{waits:?}");
    let screen = text(&["--no-disk", "--color", "never", &f]);
    assert!(!screen.contains("e20") && !screen.contains("100000000"), "{screen}");
    let verbose = text(&["--no-disk", "--color", "never", "-v", &f]);
    assert!(verbose.contains("ignored as impossible, their calls kept: 5 durations"), "{verbose}");
}

#[test]
fn issue22_item6_a_timestamp_of_another_format_is_ignored() {
    // a `-ttt` line inside a `-tt` trace: never a wait of 1.8e19 s, never the trace's end
    let dir = tempfile::tempdir().expect("tmp");
    let t = "9 23:59:59.900000 futex(0x7f00, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>\n\
             8 23:59:59.950000 openat(AT_FDCWD, \"/srv/a\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
             8 18446744073709551615.000000 getpid() = 8\n\
             8 1733560000.000000 getpid() = 8\n";
    let f = trace(&dir, "t.txt", t);
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["summary"]["ignored_timestamps"], 2, "{}", r["summary"]);
    assert_eq!(r["summary"]["last_time"], "23:59:59.950000", "{}", r["summary"]);
    for s in r["stuck"].as_array().expect("stuck") {
        assert!(s["waited_s"].as_f64().unwrap_or(0.0) < 1.0, "{s}");
    }
    let screen = text(&["--no-disk", "--color", "never", &f]);
    assert!(!screen.contains("18446744073709551615") && !screen.contains("e19"), "{screen}");
}

#[test]
fn issue22_item3_attach_refuses_straceback_itself() {
    // bash execs a lone last command: `$$` is straceback's own pid
    let sb = assert_cmd::cargo::cargo_bin("straceback");
    let out = std::process::Command::new("bash")
        .args(["-c", &format!("exec {} attach $$", sb.display())])
        .output()
        .expect("bash");
    let err = crate::harness::input_error(&out);
    assert!(err.contains("that is straceback itself"), "{err}");
}

#[test]
fn issue22_item3_attach_leaves_out_straceback_and_its_ancestors() {
    // the outer shell is given; the shell between it and straceback is straceback's ancestor
    // (tracing what runs, or draws, straceback would feed its own output back to it)
    let sb = assert_cmd::cargo::cargo_bin("straceback");
    let script = format!("A=$$; sh -c \"timeout -s INT 3 {} attach --no-disk $A; echo done\"; true", sb.display());
    let out = std::process::Command::new("sh").args(["-c", &script]).output().expect("sh");
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ptrace") && err.contains("restricted") {
        return; // this host forbids ptrace: nothing to check
    }
    let line = err.lines().find(|l| l.starts_with("straceback: attached to ")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with("straceback: attached to 1 process ("), "{line}");
    assert!(line.contains("left out: straceback itself and "), "{line}");
}

#[test]
fn issue22_item3_attach_refuses_the_process_tracing_straceback() {
    // bash execs strace, so `$$` is the strace that traces straceback
    let sb = assert_cmd::cargo::cargo_bin("straceback");
    let script = format!("exec strace -f -o /dev/null {} attach --no-disk $$", sb.display());
    let out = std::process::Command::new("bash").args(["-c", &script]).output().expect("bash");
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ptrace") && err.contains("restricted") {
        return; // this host forbids ptrace: nothing to check
    }
    let err = crate::harness::input_error(&out);
    assert!(err.contains("that is the process tracing straceback (strace)"), "{err}");
}

/// Waits until `pid`'s status shows a tracer, at most the harness's limit.
fn traced(pid: u32) -> bool {
    let end = std::time::Instant::now() + crate::harness::RUN_LIMIT;
    while std::time::Instant::now() < end {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        if status.lines().any(|l| l.starts_with("TracerPid:") && l.trim_end() != "TracerPid:\t0") {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

#[test]
fn issue22_item3_attach_asks_before_more_than_500_processes() {
    use crate::harness::{children, Group, RUN_LIMIT};
    let script = "i=0; while [ $i -lt 501 ]; do sleep 600 & i=$((i+1)); done; wait";
    let shell = Group::spawn(std::process::Command::new("sh").args(["-c", script]));
    assert_eq!(children(shell.pid(), 501, RUN_LIMIT).len(), 501);
    // stdin is not a terminal: nobody to ask, so refused, saying how many
    let out = run(&["attach", "--no-disk", &shell.pid().to_string()]);
    let err = crate::harness::input_error(&out);
    assert!(err.contains("that is 502 processes (with every live descendant), more than 500"), "{err}");
    assert!(err.contains("Add --yes to attach them all"), "{err}");
}

#[test]
fn issue22_item4_attach_counts_what_strace_attached_and_names_what_it_refused() {
    use crate::harness::{children, Group, RUN_LIMIT};
    // a shell with three children, the shell already traced by another strace
    let shell =
        Group::spawn(std::process::Command::new("sh").args(["-c", "for i in 1 2 3; do sleep 600 & done; wait"]));
    let pid = shell.pid();
    let kids = children(pid, 3, RUN_LIMIT);
    assert_eq!(kids.len(), 3);
    let other = Group::spawn(
        std::process::Command::new("strace")
            .args(["-o", "/dev/null", "-p", &pid.to_string()])
            .stderr(std::process::Stdio::null()),
    );
    assert!(traced(pid), "the other strace attached");
    let out = run(&["attach", "--no-disk", "--color", "never", "--for", "1", &pid.to_string()]);
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ptrace") && err.contains("restricted") {
        return; // this host forbids ptrace: nothing to check
    }
    let line = err.lines().find(|l| l.starts_with("straceback: attached to ")).unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with(&format!("straceback: attached to 3 processes (the 3 children of {pid}: ")), "{line}");
    let refused = format!("{pid} itself: Operation not permitted — already traced by pid {} (strace)", other.pid());
    assert!(line.contains(&refused), "{line}");
    assert!(err.contains("straceback: detached from 3 processes"), "{err}");
    assert!(!err.contains("Process ") && !err.contains("PTRACE_SEIZE"), "strace's own lines are summed up: {err}");
}

#[test]
fn issue22_item11_markdown_quotes_a_line_with_a_byte_not_utf8_escaped() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("t.txt");
    let mut t =
        b"1 03:01:00.000001 openat(AT_FDCWD, \"/etc/\xff.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
            .to_vec();
    t.extend_from_slice(b"1 03:01:00.000002 write(2, \"error: /etc/\\377.conf missing\\n\", 30) = 30\n");
    t.extend_from_slice(b"1 03:01:00.000003 +++ exited with 1 +++\n");
    std::fs::write(&p, t).expect("write");
    let md = text(&["--no-disk", "--format", "markdown", p.to_str().expect("utf-8")]);
    assert!(md.contains(r#"   openat(AT_FDCWD, "/etc/\xff.conf", O_RDONLY) = -1 ENOENT"#), "{md}");
    assert!(!md.contains('\u{fffd}'), "{md}");
}

#[test]
fn issue22_item11_top_applies_to_json() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut t: String = (0..50)
        .map(|i| format!("1 03:01:00.{i:06} openat(AT_FDCWD, \"/srv/app/data/f{i:09}.cfg\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"))
        .collect();
    t.push_str("1 03:01:01.000000 +++ exited with 1 +++\n");
    let f = trace(&dir, "t.txt", &t);
    let shown = |args: &[&str]| {
        let r = report(args);
        (r["suspects"].as_array().map_or(0, Vec::len), r["summary"]["suspects"].as_u64().unwrap_or(0))
    };
    let (listed, all) = shown(&["--no-disk", &f]);
    assert!(all > 10, "the trace has more suspects than the default --top: {all}");
    assert_eq!(listed, 10, "--top 10 by default");
    assert_eq!(shown(&["--no-disk", "--top", "3", &f]), (3, all));
    assert_eq!(shown(&["--no-disk", "--all", &f]), (all as usize, all));
}

/// `rchar` of `/proc/PID/io`: bytes the process read so far.
fn bytes_read(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines().find_map(|l| l.strip_prefix("rchar: "))?.trim().parse().ok()
}

#[test]
fn issue22_item11_ctrl_c_during_a_saved_file_says_how_much_was_read() {
    use crate::harness::{Collected, Group, RUN_LIMIT};
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("big.txt");
    let line = |i: u64| {
        format!(
            "1 03:01:{:02}.{:06} openat(AT_FDCWD, \"/srv/app/data/f{:09}.cfg\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
            (i / 1_000_000) % 60,
            i % 1_000_000,
            i % 5000
        )
    };
    let text: String = (0..500_000).map(line).collect();
    std::fs::write(&p, &text).expect("write");
    let size = text.len() as u64;
    let mut sb = Group::spawn(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("straceback"))
            .args(["--no-disk", "--format", "json", "--threads", "1", p.to_str().expect("utf-8")])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null()),
    );
    let mut out = Collected::new(sb.0.stdout.take().expect("stdout"));
    // stopped once it has read a little of the file, so that the interrupt comes mid-read
    let end = std::time::Instant::now() + RUN_LIMIT;
    while bytes_read(sb.pid()).is_none_or(|n| n < (1 << 20)) && std::time::Instant::now() < end {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    sb.signal(libc::SIGSTOP);
    let read = bytes_read(sb.pid()).expect("still running");
    assert!(read < size, "stopped before the end of the file ({read} of {size} bytes)");
    sb.signal(libc::SIGINT);
    sb.signal(libc::SIGCONT);
    assert!(sb.wait(RUN_LIMIT).is_some_and(|s| s.success()), "the report after Ctrl-C");
    let r: serde_json::Value = serde_json::from_str(&out.read_to_end(RUN_LIMIT)).expect("report JSON");
    let cut = &r["summary"]["interrupted"];
    assert_eq!(cut["total_bytes"], size, "{cut}");
    let read = cut["read_bytes"].as_u64().expect("read_bytes");
    assert!(read > 0 && read < size, "{cut}");
    assert_eq!(r["summary"]["bytes"], read, "{}", r["summary"]);
}

/// Waits until `pid` has no signal pending (`SigPnd` and `ShdPnd` of its status are 0), at
/// most the harness's limit.
fn nothing_pending(pid: u32) -> bool {
    let end = std::time::Instant::now() + crate::harness::RUN_LIMIT;
    while std::time::Instant::now() < end {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let pending = status
            .lines()
            .filter(|l| l.starts_with("SigPnd:") || l.starts_with("ShdPnd:"))
            .any(|l| l.split_whitespace().nth(1).is_some_and(|m| !m.trim_start_matches('0').is_empty()));
        if !pending {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// A library for `LD_PRELOAD` whose `kill` pauses 300 ms after each SIGKILL sent by a thread
/// other than the main one (straceback's Ctrl-C handler, stopping strace and the command):
/// straceback's main thread, woken by strace's end, then ends first, every time. Built with
/// `cc`, which linking the tests needs anyway.
fn slow_kill_library(dir: &std::path::Path) -> std::path::PathBuf {
    let src = dir.join("slow_kill.c");
    std::fs::write(
        &src,
        "#define _GNU_SOURCE\n#include <dlfcn.h>\n#include <signal.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n\
         int kill(pid_t pid, int sig) {\n\
           int (*real)(pid_t, int) = (int (*)(pid_t, int))dlsym(RTLD_NEXT, \"kill\");\n\
           int r = real(pid, sig);\n\
           if (sig == SIGKILL && syscall(SYS_gettid) != getpid()) usleep(300000);\n\
           return r;\n\
         }\n",
    )
    .expect("write");
    let lib = dir.join("slow_kill.so");
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .status()
        .expect("cc");
    assert!(built.success(), "cc {}", src.display());
    lib
}

/// The second Ctrl-C exits 130, not with the status of the command it killed (137): the
/// handler's own exit and the main thread's (woken when strace ends) race; with the handler
/// slowed down after each kill (see [`slow_kill_library`]) the main thread always ends first.
#[test]
fn issue22_item11_a_second_ctrl_c_under_run_exits_130() {
    use crate::harness::{children, Collected, Group, RUN_LIMIT};
    // a command that ignores Ctrl-C; the second one comes while strace is still asked to stop
    let dir = tempfile::Builder::new().prefix("straceback-twice").tempdir_in("/tmp").expect("tmp");
    let missing = dir.path().join("missing.conf");
    let script = format!("trap '' INT; while :; do cat {} 2>/dev/null; sleep 0.1; done", missing.display());
    let slow_kill = slow_kill_library(dir.path());
    for after_report in [false, true] {
        let mut sb = Group::spawn(
            std::process::Command::new(assert_cmd::cargo::cargo_bin("straceback"))
                .env("LD_PRELOAD", &slow_kill)
                .args(["run", "--no-disk", "--color", "never", "--", "sh", "-c", &script])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null()),
        );
        let mut out = Collected::new(sb.0.stdout.take().expect("stdout"));
        let suspect = format!("suspect: {}", missing.display());
        assert!(out.until(RUN_LIMIT, |b| String::from_utf8_lossy(b).contains(&suspect)), "{}", out.text());
        let strace = children(sb.pid(), 1, RUN_LIMIT);
        assert_eq!(children(strace[0], 1, RUN_LIMIT).len(), 1, "the command runs");
        // as a terminal sends it: to the whole process group
        // SAFETY: kill(2) on the process group this test created.
        let ctrl_c = || unsafe { libc::kill(-i32::try_from(sb.pid()).expect("pid"), libc::SIGINT) };
        ctrl_c();
        // two signals pending at once are one: the second is sent once the first was taken
        assert!(nothing_pending(sb.pid()), "the first Ctrl-C was taken");
        if after_report {
            assert!(out.until(RUN_LIMIT, |b| String::from_utf8_lossy(b).contains(" lines, ")), "{}", out.text());
        }
        ctrl_c();
        let status = sb.wait(RUN_LIMIT).expect("straceback ended after the second Ctrl-C");
        assert_eq!(status.code(), Some(130), "not the killed command's 137");
    }
}

#[test]
fn issue22_item6_durations_longer_than_the_process_had_are_ignored() {
    let dir = tempfile::tempdir().expect("tmp");
    let connect = "connect(3, {sa_family=AF_INET, sin_port=htons(5432), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0";
    // an hour-long connect whose process made its next call a second later
    let hour = format!("9 10:00:00.000000 {connect} <3600.000000>\n9 10:00:01.000000 getpid() = 9\n");
    let f = trace(&dir, "hour.txt", &hour);
    let r = report(&["--no-disk", &f]);
    assert_eq!(r["summary"]["ignored_durations"], 1, "{}", r["summary"]);
    assert!(r["waiting"]["verdict"].is_null(), "{}", r["waiting"]);
    let screen = text(&["--no-disk", "--color", "never", &f]);
    assert!(!screen.contains("3600") && !screen.contains("slow:"), "{screen}");
    // 1,000 connects of 0.1 s each, 100 µs apart: together 100 s in a 0.1 s trace
    let many: String = (0..1000).map(|i| format!("7 10:00:00.{:06} {connect} <0.100000>\n", i * 100)).collect();
    let f = trace(&dir, "many.txt", &many);
    let r = report(&["--no-disk", &f]);
    // the last one may have gone on after the trace's last line: strace printed it when it ended
    assert_eq!(r["summary"]["ignored_durations"], 999, "{}", r["summary"]);
    let waits = r["waits"].as_array().expect("waits");
    assert!(waits.iter().all(|w| w["total_s"].as_f64().unwrap_or(0.0) <= 0.1 + 1e-9), "{waits:?}");
    // a call that outlasted the line another process wrote after it
    let past_end = format!("9 10:00:00.000000 {connect} <100.000000>\n8 10:00:02.000000 getpid() = 8\n");
    let r = report(&["--no-disk", &trace(&dir, "end.txt", &past_end)]);
    assert_eq!(r["summary"]["ignored_durations"], 1, "{}", r["summary"]);
    let verbose = text(&["--no-disk", "--color", "never", "-v", &trace(&dir, "end.txt", &past_end)]);
    assert!(verbose.contains("past the process's next line or the trace's end"), "{verbose}");
}

#[test]
fn issue22_item6_durations_the_trace_allows_are_kept() {
    // each read ends before its process's next line (one 1 µs early: the two clocks differ)
    let dir = tempfile::tempdir().expect("tmp");
    let t = "9 10:00:00.000000 read(3</srv/db.sock>, \"x\", 1) = 1 <0.500000>\n\
             9 10:00:00.499999 read(3</srv/db.sock>, \"x\", 1) = 1 <0.500000>\n\
             8 10:00:00.600000 read(4</srv/b.sock>, \"x\", 1) = 1 <2.000000>\n\
             9 23:59:59.900000 read(3</srv/db.sock>, \"x\", 1) = 1 <0.200000>\n\
             9 00:00:00.100001 getpid() = 9\n";
    let r = report(&["--no-disk", &trace(&dir, "t.txt", t)]);
    assert_eq!(r["summary"]["ignored_durations"], 0, "{}", r["summary"]);
    let db = r["waits"].as_array().expect("waits").iter().find(|w| w["target"] == "/srv/db.sock").cloned();
    let total = db.as_ref().and_then(|w| w["total_s"].as_f64()).unwrap_or(0.0);
    assert!((total - 1.2).abs() < 1e-6, "{db:?}");
}

#[test]
fn issue22_item6_whole_second_stamps_allow_their_step() {
    // `-t`: stamps truncated to the second; a 0.5 s call and the next line in the same second
    let dir = tempfile::tempdir().expect("tmp");
    let t = "9 10:00:00 read(3</srv/db.sock>, \"x\", 1) = 1 <0.500000>\n9 10:00:00 getpid() = 9\n\
             9 10:00:00 read(3</srv/db.sock>, \"x\", 1) = 1 <3.000000>\n9 10:00:01 getpid() = 9\n";
    let r = report(&["--no-disk", &trace(&dir, "t.txt", t)]);
    assert_eq!(r["summary"]["ignored_durations"], 1, "only the 3 s read outlasts its next line: {}", r["summary"]);
}

/// A trace of a www-data process (its `setgroups`/`setgid`/`setuid` calls) that names a 0600
/// root file it read last (a claim no real www-data process could make: the trace is
/// hand-written, as a crafted one would be) and a 0640 file of its group: a run as root
/// points at the group's file, and never confirms a word of the root-only one.
#[test]
fn issue22_item8_fix_pointers_read_only_what_the_traced_ids_could() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("tmp");
    let put = |p: &str, text: &str, mode| {
        let host = root.path().join(p);
        std::fs::create_dir_all(host.parent().expect("dir")).expect("mkdir");
        std::fs::write(&host, text).expect("write");
        std::fs::set_permissions(&host, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    put("etc/app.ini", "storage = /srv/app/stor/cache\n", 0o640);
    put("srv/app/secret.ini", "storage = /srv/app/stor/cache\n", 0o600);
    // as root, www-data's group owns app.ini; else the group the tests run with does
    // SAFETY: geteuid(2) and getegid(2) touch no memory.
    let (uid, gid) = if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(root.path().join("etc/app.ini"), Some(0), Some(33)).expect("chown");
        (33, 33)
    } else {
        (65534, unsafe { libc::getegid() })
    };
    let lines = [
        format!("700 10:00:00.000001 setgroups(1, [{gid}]) = 0"),
        format!("700 10:00:00.000002 setgid({gid}) = 0"),
        format!("700 10:00:00.000003 setuid({uid}) = 0"),
        "700 10:00:00.000010 openat(AT_FDCWD, \"/etc/app.ini\", O_RDONLY) = 3".into(),
        "700 10:00:00.000011 read(3, \"storage = /srv/app/stor/cache\\n\", 4096) = 30".into(),
        "700 10:00:00.000012 close(3) = 0".into(),
        "700 10:00:00.000020 openat(AT_FDCWD, \"/srv/app/secret.ini\", O_RDONLY) = 3".into(),
        "700 10:00:00.000021 close(3) = 0".into(),
        "700 10:00:00.000030 openat(AT_FDCWD, \"/srv/app/stor/cache\", O_RDONLY) = -1 ENOENT (No such file or directory)".into(),
        "700 10:00:00.000040 write(2, \"cannot open /srv/app/stor/cache\\n\", 32) = 32".into(),
        "700 10:00:00.000050 exit_group(1) = ?".into(),
        "700 10:00:00.000051 +++ exited with 1 +++".into(),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let f = trace(&dir, "t.txt", &(lines.join("\n") + "\n"));
    let r = report(&["--root", root.path().to_str().expect("utf-8"), &f]);
    let s = &r["suspects"][0];
    assert_eq!(s["path"], "/srv/app/stor/cache", "{s}");
    assert_eq!(s["referenced_from"]["path"], "/etc/app.ini", "{s}");
    assert_eq!(s["referenced_from"]["line"], 1, "{s}");
}

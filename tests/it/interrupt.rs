//! Ctrl-C always gives the report (issue 16, item 4): `run` of a command that ignores SIGINT,
//! a pipe whose writer ignores it and writes long lines, a saved file still being read. Every
//! wait has a timeout: a test fails, it never hangs.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{children, Collected, Group};

/// How long a step may take before the test gives up: a bound against hanging, not a figure
/// (a loaded machine is slow), so the harness's limit.
const WAIT: Duration = crate::harness::RUN_LIMIT;

fn straceback() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("straceback"))
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

/// issue 16 item 4: `run` of a command that traps SIGINT: the first Ctrl-C gives the report
/// while the command goes on; the second stops strace and the command and exits 130.
#[test]
fn issue16_ctrl_c_run_of_a_command_that_traps_sigint_reports() {
    let dir = tempfile::Builder::new().prefix("straceback-trap").tempdir_in("/tmp").expect("tmp");
    let missing = dir.path().join("missing.conf");
    let script = format!("trap '' INT; while :; do cat {} 2>/dev/null; sleep 0.1; done", missing.display());
    let mut sb = Group::spawn(
        straceback()
            .args(["run", "--no-disk", "--color", "never", "--", "sh", "-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut out = Collected::new(sb.0.stdout.take().expect("stdout"));
    let mut err = Collected::new(sb.0.stderr.take().expect("stderr"));
    let suspect = format!("suspect: {}", missing.display());
    assert!(out.until(WAIT, |b| String::from_utf8_lossy(b).contains(&suspect)), "no live suspect: {}", out.text());
    let strace = children(sb.pid(), 1, WAIT);
    assert_eq!(strace.len(), 1, "strace runs: {strace:?}");
    let command = children(strace[0], 1, WAIT);
    assert_eq!(command.len(), 1, "the command runs: {command:?}");

    sb.signal(libc::SIGINT);
    assert!(
        out.until(WAIT, |b| String::from_utf8_lossy(b).contains(" lines, ")),
        "no report after Ctrl-C: {}",
        out.text()
    );
    assert!(err.until(WAIT, |b| String::from_utf8_lossy(b).contains("ignored Ctrl-C")), "{}", err.text());
    assert!(alive(command[0]), "the command runs on after the first Ctrl-C: {}", err.text());

    sb.signal(libc::SIGINT);
    let status = sb.wait(WAIT).expect("straceback ended after the second Ctrl-C");
    assert_eq!(status.code(), Some(130), "{}", err.read_to_end(Duration::from_secs(2)));
    for pid in [strace[0], command[0]] {
        let since = std::time::Instant::now();
        while alive(pid) && since.elapsed() < WAIT {
            std::thread::sleep(Duration::from_millis(20));
        }
        let gone = !alive(pid);
        assert!(gone, "{pid} was stopped");
    }
    let text = err.read_to_end(Duration::from_secs(2));
    assert!(!text.contains("Broken pipe"), "{text}");
}

/// A trace line, then endless lines of 256 KiB, from a writer that ignores SIGINT: the
/// interrupt is looked at by time, not every 1,000 lines (20 s of reading here).
#[test]
fn issue16_ctrl_c_on_a_pipe_whose_writer_ignores_sigint_reports() {
    let writer = "trap '' INT; echo '12 openat(AT_FDCWD, \"/srv/missing.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)'; \
                  s=$(head -c 262144 /dev/zero | tr '\\0' a); while :; do echo \"12 write(1, \\\"$s\\\", 262144) = 262144\" || exit; done";
    let mut producer = Group::spawn(Command::new("sh").args(["-c", writer]).stdout(Stdio::piped()));
    let pipe = producer.0.stdout.take().expect("stdout");
    let mut sb = Group::spawn(
        straceback()
            .args(["-v", "--no-disk", "--color", "never"])
            .stdin(pipe)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut out = Collected::new(sb.0.stdout.take().expect("stdout"));
    std::thread::sleep(Duration::from_millis(500));
    sb.signal(libc::SIGINT);
    // 2 s of grace, then the report (waited for up to the no-hang limit, not timed)
    let status = sb.wait(WAIT).expect("straceback ended after Ctrl-C");
    assert!(status.success(), "{status:?}");
    let text = out.read_to_end(WAIT);
    assert!(text.contains("/srv/missing.conf"), "{text}");
    producer.signal(libc::SIGKILL);
}

/// SIGINT while a saved file is read (a FIFO fed without end here): what was read is reported.
#[test]
fn issue16_ctrl_c_during_a_saved_file_prints_the_partial_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let fifo = dir.path().join("trace.txt");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo(3) on a path in our temporary directory.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let mut sb = Group::spawn(
        straceback()
            .args(["-v", "--no-disk", "--color", "never"])
            .arg(&fifo)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut out = Collected::new(sb.0.stdout.take().expect("stdout"));
    let feeder = std::thread::spawn(move || {
        use std::os::unix::fs::OpenOptionsExt;
        // non-blocking: neither the open (no reader yet) nor a write can hang the test
        let end = std::time::Instant::now() + WAIT;
        let mut f = loop {
            match std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&fifo) {
                Ok(f) => break f,
                Err(_) if std::time::Instant::now() < end => std::thread::sleep(Duration::from_millis(10)),
                Err(_) => return 0u64,
            }
        };
        let line = b"12 openat(AT_FDCWD, \"/srv/missing.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n";
        let mut n = 0u64;
        // until straceback stops reading (EPIPE), WAIT at most
        while std::time::Instant::now() < end {
            match f.write(line) {
                Ok(_) => n += 1,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(1)),
                Err(_) => break,
            }
        }
        n
    });
    std::thread::sleep(Duration::from_millis(1500));
    sb.signal(libc::SIGINT);
    let status = sb.wait(WAIT).expect("straceback ended after Ctrl-C");
    assert!(status.success(), "{status:?}");
    let text = out.read_to_end(WAIT);
    assert!(text.contains("/srv/missing.conf"), "{text}");
    let written = feeder.join().expect("feeder");
    assert!(written > 0);
}

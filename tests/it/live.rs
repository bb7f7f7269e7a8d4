//! Live tracing with the real strace: `run`, and a real `strace -f -p PID 2>&1 | straceback
//! --live` pipeline interrupted with SIGINT like a terminal's Ctrl-C.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{children, run, straceback, Collected, Group};

/// How long a test waits for a live suspect, or for a report after Ctrl-C.
/// How long a step may take before the test gives up: a bound against hanging, not a figure
/// (a loaded machine is slow), so the harness's limit.
const WAIT: Duration = crate::harness::RUN_LIMIT;

#[test]
fn run_traces_a_command_and_names_what_it_failed_on() {
    let out =
        run(&["run", "-v", "--no-disk", "--color", "never", "--", "sh", "-c", "cat /etc/nonexistent.conf; exit 1"]);
    // the command's status, as `time` and `env` report it
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
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
    let strace = KillOnDrop(strace);
    let mut sb = Command::new(assert_cmd::cargo::cargo_bin("straceback"))
        .args(["--live", "-v", "--no-disk", "--color", "never"])
        .stdin(reader)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(i32::try_from(pgid).expect("pid"))
        .spawn()
        .expect("straceback");
    let mut out = Collected::new(sb.stdout.take().expect("stdout"));

    // a suspect line appears while the traced process still runs (the limit only keeps a
    // broken build from hanging the test)
    let suspect_line = |b: &[u8]| String::from_utf8_lossy(b).lines().any(|l| l.starts_with("suspect: "));
    assert!(out.until(crate::harness::RUN_LIMIT, suspect_line), "no live suspect: {}", out.text());
    let text = out.text();
    let line = text.lines().find(|l| l.starts_with("suspect: ")).unwrap_or_default();
    assert!(line.contains(&missing.display().to_string()), "{line}");
    assert!(service.0.try_wait().expect("wait").is_none(), "the traced process still runs");

    // Ctrl-C: the terminal signals the whole pipeline
    // SAFETY: kill(2) on the process group this test created.
    unsafe {
        libc::kill(-i32::try_from(pgid).expect("pid"), libc::SIGINT);
    }
    let rest = out.read_to_end(crate::harness::RUN_LIMIT);
    let status = sb.wait().expect("exit");
    // the report is out; the test's own strace is stopped rather than waited for: strace can
    // hang detaching from a shell caught in vfork with its child stopped
    drop(strace);
    assert!(status.success(), "{status:?}");
    assert!(rest.contains("Suspects ("), "{rest}");
    assert!(rest.contains(&format!(" 1. {}", missing.display())), "{rest}");
}

/// A pre-forked server: a master whose two workers exist before straceback attaches and fail
/// on a missing file; `attach MASTER` traces the workers too.
#[test]
fn attach_traces_the_workers_of_a_preforked_server() {
    let dir = tempfile::Builder::new().prefix("straceback-prefork").tempdir_in("/tmp").expect("tmp");
    let missing = dir.path().join("missing.conf");
    let worker = format!("while true; do cat {}; sleep 0.2; done", missing.display());
    let master = format!("for i in 1 2; do ( {worker} ) & done; wait");
    let server = Group::spawn(Command::new("sh").args(["-c", &master]).stderr(Stdio::null()));
    let workers = children(server.pid(), 2, WAIT);
    assert_eq!(workers.len(), 2, "the workers started");

    let mut sb = Group::spawn(
        Command::new(assert_cmd::cargo::cargo_bin("straceback"))
            .args(["attach", "--no-disk", "--color", "never", &server.pid().to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut out = Collected::new(sb.0.stdout.take().expect("stdout"));
    let mut err = Collected::new(sb.0.stderr.take().expect("stderr"));
    let suspect = format!("suspect: {}", missing.display());
    assert!(out.until(WAIT, |b| String::from_utf8_lossy(b).contains(&suspect)), "no live suspect: {}", out.text());
    sb.signal(libc::SIGINT);
    let text = out.read_to_end(WAIT);
    let status = sb.wait(WAIT).expect("straceback ended after Ctrl-C");
    let err = err.read_to_end(Duration::from_secs(5));
    assert!(status.success(), "{status:?} {err}");
    assert!(text.contains(&format!("\n 1. {}  ENOENT", missing.display())), "{text}");
    // one line says what was attached: the master and its workers
    let attached = err.lines().find(|l| l.starts_with("straceback: attached to ")).unwrap_or_default();
    assert!(attached.contains(&format!("({} and its ", server.pid())), "{err}");
    for w in workers {
        assert!(attached.contains(&format!(" {w}")), "worker {w}: {err}");
    }
    let processes = regex::Regex::new(r"(\d+) processes, ").expect("re");
    let n: u32 = processes.captures(&text).and_then(|c| c[1].parse().ok()).unwrap_or(0);
    assert!(n >= 3, "the summary counts the processes traced: {text}");
}

/// `strace -p N 2>&1 | straceback --live` while N has older children strace will never see:
/// the warning comes while the trace goes on, not only with the report.
#[test]
fn untraced_children_are_warned_about_as_soon_as_strace_attached() {
    let master = Group::spawn(Command::new("sh").args(["-c", "sleep 300 & sleep 300 & wait"]));
    let pid = master.pid();
    assert_eq!(children(pid, 2, WAIT).len(), 2);
    std::thread::sleep(Duration::from_millis(100));
    let bin = env!("CARGO_BIN_EXE_straceback");
    let mut pipeline = Group::spawn(
        Command::new("sh")
            .args(["-c", &format!("strace -f -p {pid} 2>&1 | {bin} --live --no-disk --color never")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let mut err = Collected::new(pipeline.0.stderr.take().expect("stderr"));
    let warning = format!("warning: process {pid} has 2 child processes alive on this host");
    assert!(err.until(WAIT, |b| String::from_utf8_lossy(b).contains(&warning)), "{}", err.text());
    // the trace is still going (strace -p runs until stopped): the warning did not wait for the end
    assert!(pipeline.0.try_wait().expect("wait").is_none(), "{}", err.text());
}

/// A saved trace of `strace -p N` (no workers) while N has an older child that never appears
/// in it: a warning names the child and the command that traces both.
#[test]
fn a_trace_that_missed_older_children_gets_a_warning() {
    let master = Group::spawn(Command::new("sh").args(["-c", "sleep 60 & wait"]));
    let pid = master.pid();
    let kids = children(pid, 1, WAIT);
    assert_eq!(kids.len(), 1);
    let child = kids[0];
    // the trace is written after the child started (start times count in clock ticks)
    std::thread::sleep(Duration::from_millis(100));
    let dir = tempfile::tempdir().expect("tmp");
    let trace = dir.path().join("trace.txt");
    let missed =
        format!("strace: Process {pid} attached\nwait4(-1, 0x7ffd, 0, NULL) = -1 ECHILD (No child processes)\n");
    std::fs::write(&trace, &missed).expect("write");
    let out = run(&["--no-disk", "--color", "never", trace.to_str().expect("utf-8")]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("warning: process {pid} has 1 child process")), "{err}");
    assert!(err.contains(&format!("({child})")), "{err}");
    assert!(err.contains(&format!("straceback attach {pid}")), "{err}");
    assert!(err.contains(&format!("strace -f -p {pid} -p {child} 2>&1 | straceback")), "{err}");

    // a trace that shows the child too gets no warning
    let seen = format!("{missed}[pid {child}] nanosleep({{tv_sec=60, tv_nsec=0}}, NULL) = 0\n");
    std::fs::write(&trace, seen).expect("write");
    let out = run(&["--no-disk", "--color", "never", trace.to_str().expect("utf-8")]);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn run_leaves_stdout_to_one_json_document_or_one_markdown_report() {
    let cmd = ["sh", "-c", "echo hello; cat /nonexistent"];
    let out = run(&[&["run", "--format", "json", "--no-disk", "--"][..], &cmd[..]].concat());
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(report["suspects"][0]["path"], "/nonexistent");
    let err = String::from_utf8_lossy(&out.stderr);
    // the command's stdout and the live lines went to stderr
    assert!(err.contains("hello\n"), "{err}");
    assert!(err.contains("suspect: /nonexistent  ENOENT"), "{err}");
    assert_eq!(out.status.code(), Some(1), "cat failed, so sh exited 1");

    let out = run(&[&["run", "--format", "markdown", "--no-disk", "--"][..], &cmd[..]].concat());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("## strace analysis\n"), "{text}");
    assert!(!text.contains("hello") && !text.contains("suspect:"), "{text}");
}

#[test]
fn run_exits_with_the_commands_status() {
    assert_eq!(run(&["run", "--no-disk", "--", "sh", "-c", "exit 4"]).status.code(), Some(4));
    // killed by SIGTERM: 128 + 15, as a shell reports it
    assert_eq!(run(&["run", "--no-disk", "--", "sh", "-c", "kill -TERM $$"]).status.code(), Some(143));
    // a failing command's status comes before --exit-code's 1
    let out = run(&["run", "--no-disk", "--exit-code", "--", "sh", "-c", "cat /nonexistent; exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    let out = run(&["run", "--no-disk", "--exit-code", "--", "sh", "-c", "cat /nonexistent; exit 0"]);
    assert_eq!(out.status.code(), Some(1), "suspects, and the command succeeded");
}

#[test]
fn run_of_a_command_strace_cannot_start_says_why_and_prints_no_report() {
    let out = run(&["run", "--", "/nonexistent/cmd"]);
    assert_eq!(out.status.code(), Some(127), "as a shell says");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("strace: Can't stat '/nonexistent/cmd'"), "strace's own reason: {err}");
    assert!(err.contains("straceback: /nonexistent/cmd: command not found"), "{err}");
}

/// `run` with `--save`: the report points into the saved file; without it, at no line of a
/// stream nobody kept.
#[test]
fn first_seen_names_the_saved_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let saved = dir.path().join("raw.txt");
    let cmd = ["sh", "-c", "cat /nonexistent"];
    let out = run(&[
        &["run", "-v", "--no-disk", "--color", "never", "--save", saved.to_str().expect("p"), "--"][..],
        &cmd[..],
    ]
    .concat());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.trim_start().starts_with("first seen")).expect("first seen");
    let at = regex::Regex::new(r"first seen (.+):(\d+) at ").expect("re");
    let caps = at.captures(line).unwrap_or_else(|| panic!("{line}"));
    assert_eq!(&caps[1], saved.to_str().expect("p"));
    let n: usize = caps[2].parse().expect("line");
    let raw = std::fs::read_to_string(&saved).expect("saved");
    assert!(raw.lines().nth(n - 1).is_some_and(|l| l.contains("/nonexistent")), "{n}: {raw}");

    let out = run(&[&["run", "-v", "--no-disk", "--color", "never", "--"][..], &cmd[..]].concat());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.trim_start().starts_with("first seen")).expect("first seen");
    assert!(line.contains("(strace's output, not saved: --save FILE keeps it)"), "{line}");
    assert!(!line.contains("strace:"), "no line number into a stream nobody kept: {line}");
}

/// Through a pseudo-terminal (util-linux `script`): in a live pipeline the status line is
/// drawn, and erased (`\r\x1b[2K`) before the first `suspect:` line is printed.
#[test]
fn the_status_line_is_erased_before_a_suspect_line() {
    let dir = tempfile::Builder::new().prefix("straceback-pty").tempdir_in("/tmp").expect("tmp");
    let missing = dir.path().join("missing.conf");
    // the first failure comes a second after the attach: the status line is drawn by then
    let script = format!("sleep 1; while true; do cat {}; sleep 0.2; done", missing.display());
    let service = Group::spawn(Command::new("sh").args(["-c", &script]).stderr(Stdio::null()));
    let sb = assert_cmd::cargo::cargo_bin("straceback");
    let pipeline = format!(
        "timeout -s INT 8 strace -f -p {} 2>&1 | {} --live --no-disk --color never",
        service.pid(),
        sb.display()
    );
    let mut pty = Group::spawn(
        Command::new("script")
            .args(["-qec", &pipeline, "/dev/null"])
            .env("TERM", "xterm")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut out = Collected::new(pty.0.stdout.take().expect("stdout"));
    assert!(out.until(WAIT, |b| b.windows(9).any(|w| w == b"suspect: ")), "no suspect: {:?}", out.text());
    let bytes = out.bytes.clone();
    let at = bytes.windows(9).position(|w| w == b"suspect: ").expect("suspect");
    let before = &bytes[..at];
    assert!(String::from_utf8_lossy(before).contains("Ctrl-C for the report"), "the status line was drawn: {before:?}");
    assert!(before.ends_with(b"\r\x1b[2K"), "erased before the suspect: {:?}", String::from_utf8_lossy(before));
    // the pipeline's end is not checked: how long strace takes to detach from a shell forking
    // in a loop depends on the machine's load (a minute at a load of 20), not on straceback;
    // dropping the group kills it
    drop(pty);
}

#[test]
fn term_dumb_means_no_colour() {
    let trace = crate::harness::fixtures().join("incidents/crash-after-open/trace.txt");
    let sb = assert_cmd::cargo::cargo_bin("straceback");
    let colours = |term: &str| {
        let cmd = format!("{} --no-disk --color auto {}", sb.display(), trace.display());
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("TERM", term)
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .output()
            .expect("script");
        out.stdout.windows(2).any(|w| w == b"\x1b[")
    };
    assert!(colours("xterm"), "a terminal gets colour");
    assert!(!colours("dumb"), "TERM=dumb gets none");
}

#[test]
fn live_lines_go_to_stderr_with_json_and_markdown() {
    let trace = std::fs::read(crate::harness::fixtures().join("incidents/missing-logdir/trace.txt")).expect("trace");
    for format in ["json", "markdown"] {
        let out = straceback()
            .args(["--live", "--no-disk", "--format", format])
            .write_stdin(trace.clone())
            .output()
            .expect("run");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("suspect: "), "{format}: {text}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("suspect: /var/log/ledger"), "{format}");
        if format == "json" {
            serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("one JSON document");
        }
    }
    // text keeps them on stdout, before the report
    let out = straceback().args(["--live", "--no-disk", "--color", "never"]).write_stdin(trace).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("suspect: /var/log/ledger"));
}

/// The JSON report of `straceback run STRACE_ARGS -- sh -c SCRIPT`, and its stderr, in a plain
/// environment (the loader and PATH of the test harness point into /root).
fn run_script(strace_args: &[&str], script: &str) -> (serde_json::Value, String) {
    let args = [&["run", "--format", "json"][..], strace_args, &["--", "sh", "-c", script]].concat();
    let out = straceback().env_clear().env("PATH", "/usr/bin:/bin").args(&args).output().expect("run");
    let r = serde_json::from_slice(&out.stdout).expect("report JSON");
    (r, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn run_reads_who_the_process_runs_as_from_the_live_host() {
    // the trace shows no setuid (strace -u drops to the user before the trace begins, or the
    // command runs as we do): who the process ran as comes from /proc while it still runs
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s\n").expect("write");
    // SAFETY: geteuid(2) touches no memory.
    let me = unsafe { libc::geteuid() };
    let closed = |p: &std::path::Path, mode| {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(mode)).expect("chmod");
    };
    let (strace_args, uid) = if me == 0 {
        closed(dir.path(), 0o700);
        (vec!["--strace-args", "-u nobody"], 65534)
    } else {
        closed(&secret, 0o000);
        (vec![], me)
    };
    // the shell opens the file itself and lives on a moment (a redirection of `:` would end it)
    let script = format!("true < {}; sleep 1", secret.display());
    let (r, stderr) = run_script(&strace_args, &script);
    let first = &r["suspects"][0];
    assert_eq!(first["path"], secret.to_str().expect("utf-8"), "{stderr}");
    let e = &first["explanation"];
    assert_eq!(e["kind"], "permission");
    assert!(e["text"].as_str().is_some_and(|t| t.contains(&format!("the process runs as uid {uid}"))), "{e}");
    assert!(e["source"].as_str().is_some_and(|s| s.contains("live host") && !s.contains("trace")), "{e}");
}

/// The report of `straceback run -- ARGS` as JSON, and its detailed text (`-v`: every suspect's
/// explanation), the command run in a plain environment.
fn run_both(args: &[&str]) -> (serde_json::Value, String) {
    let json = [&["run", "--format", "json", "--"][..], args].concat();
    let out = straceback().env_clear().env("PATH", "/usr/bin:/bin").args(&json).output().expect("run");
    let r = serde_json::from_slice(&out.stdout).expect("report JSON");
    let text = [&["run", "-v", "--color", "never", "--"][..], args].concat();
    let out =
        straceback().env_clear().env("PATH", "/usr/bin:/bin").env("COLUMNS", "200").args(&text).output().expect("run");
    (r, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// issue 23: a port in use whose holder the trace does not show (it started before): `run`
/// names it from the live host's sockets (`/proc/net/tcp` inode, then the process holding it).
#[test]
fn issue23_run_names_the_holder_of_a_port_in_use_from_the_live_host() {
    // a port of this helper's range (18600-18649), held by a server started before the trace
    const PORT: u16 = 18601;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut holder = Command::new("/usr/bin/python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", &PORT.to_string()])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", PORT)).is_err() {
        assert!(started.elapsed() < WAIT, "the server never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let bind = format!("import socket\nsocket.socket().bind(('127.0.0.1', {PORT}))");
    let (r, text) = run_both(&["/usr/bin/python3", "-c", &bind]);
    holder.kill().expect("kill");
    holder.wait().expect("wait");
    let suspects = r["suspects"].as_array().expect("suspects");
    let s = suspects.iter().find(|s| s["errno"] == "EADDRINUSE").unwrap_or_else(|| panic!("{r}"));
    let e = &s["explanation"];
    let held = format!("port {PORT} is already in use, held by pid {} (python3 -m http.server", holder.id());
    assert!(e["text"].as_str().is_some_and(|t| t.starts_with(&held)), "{e}");
    assert_eq!((&e["kind"], &e["source"]), (&"port_in_use".into(), &"trace and live host".into()));
    // the holder is named: no command to find it
    assert!(s["command"].is_null(), "{s}");
    assert!(text.contains(&format!("explain: {held}")), "{text}");
}

/// issue 23: out of descriptors under a limit the trace does not show being set (inherited):
/// `run` reads it from `/proc/PID/limits` at the failure, and suggests where a service's limit
/// is set, since no file the process read sets it.
#[test]
fn issue23_run_reads_the_descriptor_limit_from_the_live_host() {
    let leak = "import time\nkept=[]\ntry:\n while True: kept.append(open('/dev/null'))\nexcept OSError as e:\n print(e)\n time.sleep(0.5)\n raise SystemExit(1)";
    let bin = env!("CARGO_BIN_EXE_straceback");
    let script = r#"ulimit -n 48; exec "$0" run "$@""#;
    let out = |format: &str| {
        let args = [script, bin, "--format", format, "--", "/usr/bin/python3", "-c", leak];
        let out = Command::new("/bin/sh")
            .arg("-c")
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("COLUMNS", "200")
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json = out("json");
    let r: serde_json::Value = serde_json::from_str(&json).expect("report JSON");
    let first = &r["suspects"][0];
    let e = &first["explanation"];
    assert_eq!((&first["errno"], &e["kind"]), (&"EMFILE".into(), &"out_of_descriptors".into()), "{r}");
    let limits = regex::Regex::new(r"; limit 48, hard limit 48 \(/proc/\d+/limits at the failure\)").expect("regex");
    assert!(e["text"].as_str().is_some_and(|t| limits.is_match(t)), "{e}");
    assert_eq!(e["source"], "trace and live host");
    assert!(first["command"].as_str().is_some_and(|c| c.starts_with("grep -rsn -e LimitNOFILE")), "{first}");
    let text = out("text");
    assert!(text.lines().any(|l| l.starts_with("    explain: ") && limits.is_match(l)), "{text}");
    assert!(text.contains("suggested: grep -rsn -e LimitNOFILE -e nofile"), "{text}");
}

/// issue 23: a full filesystem is walked for what fills it only when the disk is the one the
/// trace is about: under `run` (this host, now), or a saved trace given `--root`; the same
/// saved trace read without `--root` may come from another machine, and gets no walk.
#[test]
fn issue23_a_full_disk_is_walked_on_the_live_host_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("raw.txt");
    let saved = saved.to_str().expect("utf-8");
    let out = straceback()
        .args(["run", "--format", "json", "--save", saved, "--", "/bin/sh", "-c", "echo x > /dev/full"])
        .output()
        .expect("run");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    let first = &r["suspects"][0];
    assert_eq!((&first["path"], &first["errno"]), (&"/dev/full".into(), &"ENOSPC".into()), "{r}");
    let usage = &first["disk_usage"];
    assert_eq!((&usage["mount"], &usage["complete"], &usage["stale_days"]), (&"/dev".into(), &true.into(), &7.into()));
    assert!(usage["walked"].as_u64().is_some_and(|n| n > 0), "{usage}");
    let (schemas, index) = crate::schema::compile("report.schema.json");
    crate::schema::check(&schemas, index, &r, "a report with disk_usage");
    let text = |args: &[&str]| {
        let args = [&["--color", "never"][..], args, &[saved]].concat();
        String::from_utf8_lossy(&straceback().env("COLUMNS", "200").args(&args).output().expect("run").stdout)
            .into_owned()
    };
    let without = text(&[]);
    assert!(without.contains("explain: disk full on the filesystem holding /dev/full"), "{without}");
    assert!(!without.contains("largest:"), "{without}");
    let with = text(&["--root", "/"]);
    let walked = regex::Regex::new(
        r"\n    largest: nothing walked takes space below /dev \(all [\d,]+ entries of /dev walked on the live host\)\n",
    )
    .expect("regex");
    assert!(walked.is_match(&with), "{with}");
}

/// issue 20: a service attached to long after it started read its configuration before the
/// trace; the file its command line names (`--config FILE`) is read from the disk and the line
/// naming the refused address is the fix pointer, said to come from that configuration.
#[test]
fn issue20_attach_finds_the_wrong_address_in_the_configuration_the_service_was_started_with() {
    use std::os::unix::fs::PermissionsExt;
    // a port nothing listens on: bound, then let go
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let ini = dir.path().join("app.ini");
    std::fs::write(&ini, format!("[upstream]\n# the orders database\nhost = 127.0.0.1\nport = {port}\n")).expect("ini");
    let service = "import configparser, socket, sys, time\n\
        c = configparser.ConfigParser(); c.read(sys.argv[2])\n\
        addr = (c['upstream']['host'], int(c['upstream']['port']))\n\
        open(sys.argv[2] + '.read', 'w').close()\n\
        while True:\n    try:\n        socket.create_connection(addr).close()\n    except OSError as e:\n\
        \x20       print(f'orders: cannot reach {addr[0]}:{addr[1]}: {e}', file=sys.stderr, flush=True)\n\
        \x20   time.sleep(0.2)\n";
    let script = dir.path().join("orders.py");
    std::fs::write(&script, service).expect("script");
    let ini = ini.to_str().expect("utf-8");
    let mut svc = Command::new("/usr/bin/python3")
        .args([script.to_str().expect("utf-8"), "--config", ini])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("service");
    // its configuration read before the attach: it says so by a file
    let since = std::time::Instant::now();
    while !dir.path().join("app.ini.read").exists() {
        assert!(since.elapsed() < WAIT, "the service never read its configuration");
        std::thread::sleep(Duration::from_millis(20));
    }
    // a refused connect every 0.2 s: several within the window even if strace attaches late
    let out = run(&["attach", "--for", "5s", "--format", "json", &svc.id().to_string()]);
    svc.kill().expect("kill");
    svc.wait().expect("wait");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    let s = &r["suspects"][0];
    assert_eq!(s["path"], format!("tcp 127.0.0.1:{port}"), "{r}");
    let want = serde_json::json!({"path": ini, "line": 4, "found_by": "configuration",
        "configuration": ini, "configuration_of": svc.id()});
    assert_eq!(s["referenced_from"], want, "{r}");
}

/// issue 22 item 8: under `run` the ids the command acted with come from `/proc` (the trace
/// shows no setuid: `strace -u` drops to the user first): a file of its group that not every
/// user may read, outside any application tree, is read for the fix pointer.
#[test]
fn issue22_item8_run_reads_the_files_the_command_could_read_for_fix_pointers() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix("straceback-ids").tempdir_in("/tmp").expect("tmp");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let conf = dir.path().join("app.conf");
    let missing = dir.path().join("data/missing.txt");
    std::fs::write(&conf, format!("{}\n", missing.display())).expect("write");
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    // SAFETY: geteuid(2) touches no memory.
    let strace_args = if unsafe { libc::geteuid() } == 0 {
        // root's group would not do: www-data's group owns it, the command runs as www-data
        std::os::unix::fs::chown(&conf, Some(0), Some(33)).expect("chown");
        vec!["--strace-args", "-u www-data"]
    } else {
        vec![] // the command runs as we do: the file's owner
    };
    // the shell reads the path from the file, fails on it, and lives on a moment
    let script = format!("read p < {}; true < \"$p\"; sleep 1", conf.display());
    let (r, stderr) = run_script(&strace_args, &script);
    let first = &r["suspects"][0];
    assert_eq!(first["path"], missing.to_str().expect("utf-8"), "{stderr}");
    assert_eq!(first["referenced_from"]["path"], conf.to_str().expect("utf-8"), "{first}");
}

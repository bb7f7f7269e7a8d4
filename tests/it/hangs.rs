//! Hangs from the moment of the attach (issue 21): with the real strace, a process already
//! blocked in `poll` with a timeout on a socket to a silent loopback server, and one already
//! asleep, are named in `stuck` "since before the attach" by `attach --for`; the exit status
//! follows `--exit-code`. On the captures: the pool hung on one backend names its 3 workers.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{fixtures, report, run, straceback};

/// Kills a helper process when the test ends, passed or failed.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` and waits until its main thread is blocked in syscall `nr` (x86_64 numbers).
fn blocked_in(cmd: &mut Command, nr: &str) -> KillOnDrop {
    blocked_in_spawned(cmd.stdin(Stdio::null()).stdout(Stdio::null()).spawn().expect("spawn"), nr)
}

/// Waits until `child`'s main thread is blocked in syscall `nr`.
fn blocked_in_spawned(child: Child, nr: &str) -> KillOnDrop {
    let child = KillOnDrop(child);
    wait_blocked(&child, nr);
    child
}

/// Waits until the main thread of `child` is blocked in syscall `nr`.
fn wait_blocked(child: &KillOnDrop, nr: &str) {
    let path = format!("/proc/{}/syscall", child.0.id());
    // a bound against hanging, not a figure: a loaded machine may be slow to start it
    let since = Instant::now();
    while since.elapsed() < crate::harness::RUN_LIMIT {
        let now = std::fs::read_to_string(&path).unwrap_or_default();
        if now.split_whitespace().next() == Some(nr) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("pid {} never blocked in syscall {nr}", child.0.id());
}

fn attach_for(pid: u32, extra: &[&str]) -> Output {
    let pid = pid.to_string();
    let mut args = vec!["attach", "--for", "2s", "--no-disk", "--color", "never"];
    args.extend_from_slice(extra);
    args.push(&pid);
    run(&args)
}

/// The stuck call of `pid` in a JSON report.
fn stuck_of(r: &Value, pid: u32) -> Value {
    r["stuck"].as_array().expect("stuck").iter().find(|s| s["pid"] == pid).cloned().unwrap_or(Value::Null)
}

#[test]
fn a_client_blocked_in_poll_before_the_attach_is_stuck_on_its_peer() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let server = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let client = format!(
        "import select, socket\nc = socket.create_connection(('127.0.0.1', {port}))\nc.sendall(b'SELECT 1')\n\
         p = select.poll()\np.register(c, select.POLLIN)\nwhile True:\n    p.poll(30000)\n"
    );
    // poll is syscall 7: blocked in it with a timeout, as database drivers wait
    let client = blocked_in(Command::new("python3").args(["-c", &client]), "7");
    let (_conn, _) = server.accept().expect("accept");
    let pid = client.0.id();

    let out = attach_for(pid, &["--format", "json", "--exit-code"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a stuck verdict with --exit-code: {err}");
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = stuck_of(&r, pid);
    assert_eq!(s["target"], format!("tcp 127.0.0.1:{port}"), "{r}");
    assert_eq!(
        (s["syscall"].as_str(), s["since"].as_str(), s["idle"].as_bool()),
        (Some("poll"), Some("before the attach"), Some(false))
    );
    assert!(s["waited_s"].as_f64().unwrap() >= 1.5, "{s}");
    assert_eq!(r["waiting"]["verdict"]["kind"], "stuck");
    // said at once on stderr, from /proc, before any trace line
    assert!(err.contains(&format!("{pid} poll on tcp 127.0.0.1:{port} (since before the attach)")), "{err}");

    // the text report says so in its first lines; without --exit-code the status is 0
    let out = attach_for(pid, &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let head: Vec<&str> = text.lines().filter(|l| !l.is_empty()).take(4).collect();
    let verdict = head.iter().find(|l| l.starts_with("stuck:")).unwrap_or_else(|| panic!("{text}"));
    assert!(
        verdict.starts_with(&format!("stuck: 1 call on tcp 127.0.0.1:{port} since before the attach (pid {pid})")),
        "{text}"
    );
}

#[test]
fn a_sleep_in_progress_at_the_attach_is_stuck_since_before_it() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    // sleep(1) sleeps in clock_nanosleep (230); after the attach strace shows restart_syscall
    let sleeper = blocked_in(Command::new("sleep").arg("300"), "230");
    let pid = sleeper.0.id();
    let out = attach_for(pid, &["--format", "json", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = stuck_of(&r, pid);
    assert_eq!((s["target"].as_str(), s["since"].as_str()), (Some("sleep"), Some("before the attach")), "{r}");
    assert_eq!(s["syscall"], "clock_nanosleep");
    // a second sleeper: once strace detached, the first one's sleep goes on as restart_syscall,
    // whose arguments /proc does not show
    let sleeper = blocked_in(Command::new("sleep").arg("300"), "230");
    let pid = sleeper.0.id();
    let text = String::from_utf8_lossy(&attach_for(pid, &[]).stdout).into_owned();
    let verdict = text.lines().find(|l| l.starts_with("stuck:")).unwrap_or_else(|| panic!("{text}"));
    assert!(verdict.starts_with(&format!("stuck: 1 call on sleep since before the attach (pid {pid})")), "{text}");
}

#[test]
fn for_needs_a_duration() {
    let out = run(&["attach", "--for", "soon", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--for soon: not a duration"));
}

#[test]
fn the_pool_hung_on_one_backend_names_every_worker() {
    let dir = fixtures().join("incidents").join("hang-pool-attach");
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let trace = dir.join("trace.txt");
    let trace = trace.to_str().unwrap();
    let r = report(&["--no-disk", trace]);
    let v = &r["waiting"]["verdict"];
    let mut pids: Vec<u64> = v["pids"].as_array().unwrap().iter().map(|p| p.as_u64().unwrap()).collect();
    pids.sort_unstable();
    let workers: Vec<u64> = truth["facts"]["workers"].as_array().unwrap().iter().map(|p| p.as_u64().unwrap()).collect();
    assert_eq!(pids, workers);
    // the first screen says how many wait on what
    let out = run(&["--no-disk", "--color", "never", trace]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().find(|l| !l.is_empty() && !l.starts_with("straceback:")).unwrap();
    assert!(first.starts_with("slow: 100 % of the time of 3 processes (pids "), "{text}");
    assert!(first.contains("waiting on tcp 127.0.0.1:18410"), "{text}");
}

#[test]
fn a_lock_wait_names_its_holder() {
    let trace = fixtures().join("incidents").join("hang-lock-holder").join("trace.txt");
    let r = report(&["--no-disk", trace.to_str().unwrap()]);
    let target = r["waiting"]["verdict"]["target"].as_str().unwrap();
    assert!(target.starts_with("lock /srv/hangs/nightly.lock (held by pid "), "{target}");
}

/// The chain of a capture whose truth names the end of it: the JSON chain through the truth's
/// waiting pid to its target, and the same chain in the first lines of the screen and in the
/// markdown.
fn chain_to_truth(name: &str, first_via: &str) -> Value {
    let dir = fixtures().join("incidents").join(name);
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let end = truth["waits"]["top_target"].as_str().unwrap();
    let trace = dir.join("trace.txt");
    let trace = trace.to_str().unwrap();
    let r = report(&["--no-disk", trace]);
    let chains = r["waiting"]["chains"].as_array().unwrap();
    let chain = chains
        .iter()
        .find(|c| c["links"][0]["next"] == first_via)
        .unwrap_or_else(|| panic!("{name}: no chain through {first_via}: {chains:?}"));
    let links = chain["links"].as_array().unwrap();
    assert!(links.len() >= 2, "{chain}");
    assert!(
        links.iter().any(|l| l["target"] == end && truth["waits"]["pids"].as_array().unwrap().contains(&l["pid"])),
        "{name}: the chain reaches {end}: {chain}"
    );
    let screen = run(&["--no-disk", "--color", "never", trace]);
    let text = String::from_utf8_lossy(&screen.stdout);
    let first_pid = links[0]["pid"].to_string();
    let line = text.lines().take(8).find(|l| l.trim_start().starts_with(&format!("chain: {first_pid} ")));
    assert!(line.is_some_and(|l| l.contains(" → ")), "{name}: the chain is in the first screen lines:\n{text}");
    let md = run(&["--no-disk", "--format", "markdown", trace]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains(&format!("- chain: {first_pid} ")), "{name}: markdown has the chain:\n{md}");
    chain.clone()
}

#[test]
fn a_wait_for_a_child_names_what_the_child_waits_on() {
    let chain = chain_to_truth("hang-chain-child", "child");
    assert_eq!(chain["links"][0]["syscall"], "wait4");
    assert_eq!(chain["links"][1]["target"], "tcp 127.0.0.1:18413");
}

#[test]
fn a_pipe_read_names_the_writer_and_what_it_waits_on() {
    let chain = chain_to_truth("hang-chain-pipe", "write_end");
    assert_eq!(chain["links"][0]["target"], "pipe:[279669]");
    assert_eq!(chain["links"][1]["syscall"], "recvfrom");
    assert_eq!(chain["deadlock"], false);
}

/// The same pipeline traced without -y: the pipe is known by the shell's pipe2, its forks,
/// dup2s and closes, and named by that pipe2.
#[test]
fn a_pipe_without_y_is_followed_through_the_shells_pipe2_and_dup2() {
    let dir = fixtures().join("incidents").join("hang-chain-pipe-noy");
    let text = std::fs::read_to_string(dir.join("trace.txt")).unwrap();
    // read apart from the analysis: the shell's pipe2 line, and the pid that dup2s the pipe's
    // write end (4) onto its stdout
    let (n, pipe2) = text.lines().enumerate().find(|(_, l)| l.contains(" pipe2([3, 4], 0)")).unwrap();
    let shell = pipe2.split_whitespace().next().unwrap();
    let writer: u64 =
        text.lines().find(|l| l.contains(" dup2(4, 1")).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let chain = chain_to_truth("hang-chain-pipe-noy", "write_end");
    assert_eq!(chain["links"][0]["target"], format!("pipe made by {shell} at line {}", n + 1));
    assert_eq!(chain["links"][0]["syscall"], "read");
    assert_eq!(
        (chain["links"][1]["pid"].as_u64(), chain["links"][1]["syscall"].as_str()),
        (Some(writer), Some("recvfrom"))
    );
}

#[test]
fn a_lock_wait_names_what_its_holder_is_doing() {
    let chain = chain_to_truth("hang-lock-holder", "lock_holder");
    // the holder (pid 31206, truth's notes) waits for its child, which sleeps with the lock held
    assert_eq!(chain["links"][1]["pid"], 31206);
    assert_eq!(chain["links"][1]["next"], "child");
    assert_eq!(chain["links"][2]["target"], "sleep");
}

#[test]
fn threads_stuck_on_each_others_futexes_are_one_deadlock() {
    let dir = fixtures().join("incidents").join("deadlock");
    let trace = dir.join("trace.txt");
    let trace = trace.to_str().unwrap();
    let r = report(&["--no-disk", trace]);
    let chain = &r["waiting"]["chains"][0];
    assert_eq!(chain["deadlock"], true, "{r}");
    let mut pids: Vec<u64> = chain["links"].as_array().unwrap().iter().map(|l| l["pid"].as_u64().unwrap()).collect();
    pids.sort_unstable();
    // report, api and ingest (truth.json facts); the main thread only sleeps
    assert_eq!(pids, vec![25063, 25064, 25065]);
    let screen = run(&["--no-disk", "--color", "never", trace]);
    let text = String::from_utf8_lossy(&screen.stdout);
    let line =
        text.lines().take(6).find(|l| l.trim_start().starts_with("deadlock: threads 25064, 25065 wait on futex"));
    assert!(line.is_some_and(|l| l.contains("25063 on futex 0x55a2a09000c0")), "{text}");
    let md = run(&["--no-disk", "--format", "markdown", trace]);
    assert!(String::from_utf8_lossy(&md.stdout).contains("- deadlock: threads 25064, 25065"));
}

#[test]
fn under_a_wait_verdict_failures_that_explain_nothing_are_not_listed() {
    let trace = fixtures().join("incidents").join("hang-chain-child").join("trace.txt");
    let out = run(&["--no-disk", "--color", "never", trace.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\nslow: "), "{text}");
    assert!(!text.contains("likeliest failures"), "{text}");
    assert!(text.contains("No failed call explains the wait; -v lists the 1 failure that explains nothing"), "{text}");
    // markdown and -v say the same: no candidate list, no score
    let md = run(&["--no-disk", "--format", "markdown", trace.to_str().unwrap()]);
    let md = String::from_utf8_lossy(&md.stdout);
    let candidates = &md[md.find("### Root-cause candidates").expect("section")..];
    assert!(candidates.contains("No failed call explains the wait; -v lists the 1 failure"), "{md}");
    assert!(!md.contains("1. **") && !md.contains("(score "), "{md}");
    let verbose = run(&["--no-disk", "-v", "--color", "never", trace.to_str().unwrap()]);
    let verbose = String::from_utf8_lossy(&verbose.stdout);
    assert!(verbose.contains("No failed call explains the wait; the failures below are listed by path"), "{verbose}");
    assert!(!verbose.contains("Suspects (") && !verbose.contains("score "), "{verbose}");
    // the failure itself is still listed, by path
    assert!(verbose.contains("ENOTCONN     getpeername      tcp 127.0.0.1:18413"), "{verbose}");
}

#[test]
fn a_parent_waiting_on_a_child_that_fills_its_pipe_is_a_deadlock() {
    let dir = fixtures().join("incidents").join("hang-pipe-deadlock");
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let (job, seq) = (&truth["facts"]["job"], &truth["facts"]["seq"]);
    let trace = dir.join("trace.txt");
    let trace = trace.to_str().unwrap();
    let r = report(&["--no-disk", trace]);
    let chains = r["waiting"]["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1, "one cycle, told once: {chains:?}");
    let c = &chains[0];
    assert_eq!(c["deadlock"], true);
    assert_eq!(c["back_to"], *job);
    let links = c["links"].as_array().unwrap();
    assert_eq!((&links[0]["pid"], &links[0]["next"]), (job, &Value::from("child")));
    assert_eq!((&links[1]["pid"], &links[1]["next"]), (seq, &Value::from("read_end")));
    assert_eq!(links[1]["target"], truth["waits"]["top_target"]);
    let screen = straceback().env("COLUMNS", "400").args(["--no-disk", "--color", "never", trace]).output().unwrap();
    let text = String::from_utf8_lossy(&screen.stdout);
    let want = format!("chain: {job} wait4 on child {seq} for ");
    let line = text.lines().take(6).find(|l| l.trim_start().starts_with(&want)).unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(&format!("→ read end held by {job} (a deadlock)")), "{line}");
}

#[test]
fn a_retry_loop_says_how_many_attempts_over_how_long() {
    let trace = fixtures().join("incidents").join("hang-retry-loop").join("trace.txt");
    let text = std::fs::read_to_string(&trace).unwrap();
    // counted apart from the analysis: the connects to the backend's port, and the span from
    // the first of them to the end of the last sleep (its start plus its -T duration)
    let attempts = text.lines().filter(|l| l.contains("connect(") && l.contains("htons(18412)")).count();
    let secs = |l: &str| {
        let t = l.split_whitespace().nth(1).unwrap();
        let p: Vec<f64> = t.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2]
    };
    let first = secs(text.lines().find(|l| l.contains("htons(18412)")).unwrap());
    let last = text.lines().rfind(|l| l.contains("clock_nanosleep")).unwrap();
    let dur: f64 = last.rsplit('<').next().unwrap().trim_end_matches('>').parse().unwrap();
    let over = secs(last) + dur - first;
    let trace = trace.to_str().unwrap();
    let r = report(&["--no-disk", trace]);
    let retry = &r["waiting"]["verdict"]["retry"];
    assert_eq!(retry["attempts"].as_u64(), Some(attempts as u64), "{retry}");
    assert!((retry["over_s"].as_f64().unwrap() - over).abs() < 0.001, "{retry} vs {over}");
    assert_eq!(retry["errno"], "ECONNREFUSED");
    let screen = run(&["--no-disk", "--color", "never", trace]);
    let screen = String::from_utf8_lossy(&screen.stdout);
    let want = format!("retrying tcp 127.0.0.1:18412: {attempts} attempts over {over:.2} s, connection refused");
    assert!(screen.lines().take(6).any(|l| l.trim() == want), "{want}\n{screen}");
}

#[test]
fn semaphores_message_queues_and_signals_are_waits() {
    let dir = fixtures().join("incidents").join("hang-ipc-waits");
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let trace = dir.join("trace.txt");
    let text = std::fs::read_to_string(&trace).unwrap();
    // the -T of the resumed line of each call, read apart from the analysis
    let took = |call: &str| -> f64 {
        let l = text.lines().find(|l| l.contains(&format!("<... {call} resumed>"))).unwrap();
        l.rsplit('<').next().unwrap().trim_end_matches('>').parse().unwrap()
    };
    let r = report(&["--no-disk", trace.to_str().unwrap()]);
    let waits = r["waits"].as_array().unwrap();
    let total = |target: &str| {
        waits.iter().find(|w| w["target"] == target).unwrap_or_else(|| panic!("{target}: {waits:?}"))["total_s"]
            .as_f64()
            .unwrap()
    };
    let close = |a: f64, b: f64| (a - b).abs() <= b * 0.05;
    let sem = truth["waits"]["top_target"].as_str().unwrap();
    assert!(close(total(sem), truth["waits"]["top_total_s"].as_f64().unwrap()), "{sem}");
    let queue = sem.replace("semaphore set", "message queue");
    assert!(close(total(&queue), took("msgrcv")), "{queue}");
    assert!(close(total("a signal"), took("pause")));
}

#[test]
fn an_epipe_after_the_reader_exited_is_its_consequence_not_a_rival() {
    // `export-contacts | gzip > DIR/file` with DIR missing: the reader's shell (pid 1252) fails
    // to create the file and exits, then the writer (pid 1251) gets EPIPE (truth.json)
    let trace = fixtures().join("incidents").join("pipe-dump-dir").join("trace.txt");
    let r = report(&["--no-disk", trace.to_str().unwrap()]);
    assert_eq!(r["confidence"], "clear", "{}", r["suspects"]);
    assert!(r["suspects"].as_array().unwrap().iter().all(|s| s["errno"] != "EPIPE"), "{}", r["suspects"]);
    let epipe = r["failures"].as_array().unwrap().iter().find(|f| f["errnos"]["EPIPE"].is_u64()).unwrap();
    assert_eq!(epipe["noise"]["detail"], "the pipe's reader (pid 1252) had exited: a consequence of its end");
}

/// A process already waiting for a lock when `attach` begins: the holder (not traced) is named
/// with what it is doing now, read from /proc.
#[test]
fn attach_names_what_a_lock_holder_is_doing_now() {
    let dir = tempfile::tempdir().expect("tmp");
    let lock = dir.path().join("job.lock");
    let lock = lock.to_str().unwrap();
    // flock(1) takes the lock, then waits for its child, a sleep (61 = wait4); in a process
    // group of its own, so that the sleep goes too when the test ends
    let holder = crate::harness::Group::spawn(
        Command::new("flock").args([lock, "sleep", "300"]).stdin(Stdio::null()).stdout(Stdio::null()),
    );
    let since = Instant::now();
    let state = format!("/proc/{}/syscall", holder.pid());
    while std::fs::read_to_string(&state).unwrap_or_default().split_whitespace().next() != Some("61") {
        assert!(since.elapsed() < crate::harness::RUN_LIMIT, "flock never waited for its child");
        std::thread::sleep(Duration::from_millis(50));
    }
    // 73 = flock
    let waiter = blocked_in(Command::new("flock").args([lock, "true"]), "73");
    let out = attach_for(waiter.0.id(), &["--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("lock holder {} is in wait4 on child ", holder.pid());
    assert!(err.lines().any(|l| l.contains(&want) && l.ends_with(" now (from /proc)")), "{err}");
    assert!(err.contains(&format!("flock on lock {lock} (held by pid {})", holder.pid())), "{err}");
}

/// A connect that times out (the backend's listen queue is full): each ETIMEDOUT is the end of
/// its wait, not a rival cause; the wait's line says it ended in a timeout, and the JSON marks
/// the failure and the error text with the wait's target.
#[test]
fn a_timeout_that_ends_a_wait_is_folded_into_it() {
    let dir = fixtures().join("incidents").join("hang-connect-timeout");
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let target = truth["waits"]["top_target"].as_str().unwrap();
    let trace = dir.join("trace.txt");
    let text = std::fs::read_to_string(&trace).unwrap();
    // counted apart from the analysis: the connects to the backend that timed out
    let timed_out = text.lines().filter(|l| l.contains("htons(18420)") && l.contains("= -1 ETIMEDOUT")).count();
    assert_eq!(timed_out, 3);
    let trace = trace.to_str().unwrap();
    let r = report(&["--no-disk", trace]);
    assert!(r["suspects"].as_array().unwrap().iter().all(|s| s["errno"] != "ETIMEDOUT"), "{}", r["suspects"]);
    let v = &r["waiting"]["verdict"];
    assert_eq!(v["target"], target);
    assert_eq!(v["ended_in_timeout"]["failures"].as_u64(), Some(timed_out as u64), "{v}");
    let failure = r["failures"].as_array().unwrap().iter().find(|f| f["path"] == target).unwrap();
    assert_eq!(failure["timeout_of"], target);
    assert!(failure["noise"].is_object(), "{failure}");
    let errors = r["symptoms"]["errors"].as_array().unwrap();
    let told = errors.iter().filter(|e| e["text"].as_str().unwrap().contains("timed out")).count();
    assert!(told > 0 && errors.iter().all(|e| e["timeout_of"] == target), "{errors:?}");
    let screen = straceback().env("COLUMNS", "400").args(["--no-disk", "--color", "never", trace]).output().unwrap();
    let screen = String::from_utf8_lossy(&screen.stdout);
    // under the verdict line, which names the target
    let want = format!("ended in a timeout: {timed_out} calls failed with ETIMEDOUT, {told} error lines said so");
    assert!(screen.lines().take(6).any(|l| l.trim().starts_with(&want)), "{want}\n{screen}");
    assert!(!screen.contains(" 1. "), "{screen}");
}

/// nginx's proxy_read_timeout: its "upstream timed out" line and the 504 are the upstream
/// wait's consequences.
#[test]
fn a_gateway_timeout_is_the_upstream_waits_consequence() {
    let trace = fixtures().join("incidents").join("slow-upstream").join("trace.txt");
    let text = std::fs::read_to_string(&trace).unwrap();
    let answers = text.lines().filter(|l| l.contains("\"HTTP/1.1 504 ")).count() as u64;
    let r = report(&["--no-disk", trace.to_str().unwrap()]);
    let ended = &r["waiting"]["verdict"]["ended_in_timeout"];
    assert_eq!((ended["answers"].as_u64(), ended["errors"].as_u64()), (Some(answers), Some(1)), "{ended}");
    let md = run(&["--no-disk", "--format", "markdown", trace.to_str().unwrap()]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("- ended in a timeout: 1 error line said so, 1 answer was 504"), "{md}");
    // -v names the target on its own line
    let verbose = run(&["--no-disk", "-v", "--color", "never", trace.to_str().unwrap()]);
    let verbose = String::from_utf8_lossy(&verbose.stdout);
    assert!(verbose.contains("  tcp 127.0.0.1:8081 ended in a timeout: 1 error line said so"), "{verbose}");
}

/// Removes a System V IPC object when the test ends (`ipcrm -s ID` or `-q ID`).
struct IpcRm(&'static str, String);

impl Drop for IpcRm {
    fn drop(&mut self) {
        let _ = Command::new("ipcrm").args([self.0, &self.1]).status();
    }
}

/// Waits until `path` holds a line (the id a helper wrote before it blocked).
fn written(path: &std::path::Path) -> String {
    let since = Instant::now();
    while since.elapsed() < crate::harness::RUN_LIMIT {
        if let Ok(s) = std::fs::read_to_string(path) {
            if s.ends_with('\n') {
                return s.trim().to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never written", path.display());
}

/// Calls in progress at the attach that wait on what they name: a semaphore set, a message
/// queue (by the id the program got), a FIFO's open (by its path), named at once from /proc
/// as the trace names them.
#[test]
fn the_attach_names_semaphores_queues_and_fifos_in_progress() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let (sem_id, msg_id) = (dir.path().join("sem"), dir.path().join("msg"));
    let perl = |get: &str, call: &str, out: &std::path::Path| {
        format!(
            "use IPC::SysV qw(IPC_PRIVATE S_IRWXU IPC_CREAT); my $id = {get}; \
             open(my $f, '>', '{}') or die; print $f \"$id\\n\"; close $f; \
             until ({call}) {{ die $! unless $!{{EINTR}} }}",
            out.display()
        )
    };
    // glibc's semop is the semtimedop syscall (220); msgrcv is 70, openat 257. The object is
    // removed when the test ends, whatever happens
    let sem = perl("semget(IPC_PRIVATE, 1, S_IRWXU|IPC_CREAT)", "semop($id, pack('s!3', 0, -1, 0))", &sem_id);
    let sem = Command::new("perl").args(["-e", &sem]).stdin(Stdio::null()).spawn().expect("perl");
    let _rm_sem = IpcRm("-s", written(&sem_id));
    let sem = blocked_in_spawned(sem, "220");
    let msg = perl("msgget(IPC_PRIVATE, S_IRWXU|IPC_CREAT)", "msgrcv($id, my $m, 64, 0, 0)", &msg_id);
    let msg = Command::new("perl").args(["-e", &msg]).stdin(Stdio::null()).spawn().expect("perl");
    let _rm_msg = IpcRm("-q", written(&msg_id));
    let msg = blocked_in_spawned(msg, "70");
    let fifo = dir.path().join("jobs.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let open = format!("open({:?})", fifo.to_str().unwrap());
    let reader = blocked_in(Command::new("python3").args(["-c", &open]), "257");

    // a wait for a semaphore or a message is idle outside a request (as in a trace): named on
    // the line that counts the idle threads; a blocking open is owed (the FIFO's writer). The
    // attach ends a System V wait with EINTR: the program waits again, in the trace
    for (child, syscall, target, owed) in [
        (&sem, "semtimedop", format!("semaphore set {}", written(&sem_id)), false),
        (&msg, "msgrcv", format!("message queue {}", written(&msg_id)), false),
        (&reader, "openat", fifo.display().to_string(), true),
    ] {
        let pid = child.0.id();
        let out = attach_for(pid, &["--format", "json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        let said = if owed {
            format!("straceback: {pid} {syscall} on {target} (since before the attach)")
        } else {
            format!("idle at the attach (waiting for clients, work or a timer): {pid} {syscall} on {target}")
        };
        assert!(err.contains(&said), "{said}\n{err}");
        assert!(!err.contains("unknown"), "{err}");
        let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let s = stuck_of(&r, pid);
        assert_eq!((s["syscall"].as_str(), s["target"].as_str()), (Some(syscall), Some(target.as_str())), "{r}");
    }
}

/// `writer | reader`, attached to the reader only: the process holding the pipe's write end
/// is found in /proc (by the pipe's inode) with what it is blocked in, and the chain goes on
/// to it.
#[test]
fn attach_names_the_untraced_writer_of_a_pipe_from_proc() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let server = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let fetch = format!(
        "import socket\nc = socket.create_connection(('127.0.0.1', {port}))\nc.sendall(b'q')\nprint(c.recv(10))\n"
    );
    let mut writer = Command::new("python3")
        .args(["-c", &fetch])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("writer");
    let out = writer.stdout.take().expect("pipe");
    let writer = KillOnDrop(writer);
    // recvfrom is syscall 45, read 0
    let reader = blocked_in_spawned(
        Command::new("python3")
            .args(["-c", "import sys; sys.stdin.read()"])
            .stdin(out)
            .stdout(Stdio::null())
            .spawn()
            .expect("reader"),
        "0",
    );
    let (_conn, _) = server.accept().expect("accept");
    wait_blocked(&writer, "45");
    let pipe = std::fs::read_link(format!("/proc/{}/fd/0", reader.0.id())).expect("stdin");
    let pipe = pipe.to_str().unwrap().to_string();
    assert!(pipe.starts_with("pipe:["), "{pipe}");
    let (r, w) = (reader.0.id(), writer.0.id());
    let out = attach_for(r, &["--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let said = format!("{pipe} writer {w} is in recvfrom on tcp 127.0.0.1:{port} now (from /proc)");
    assert!(err.contains(&said), "{said}\n{err}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let chain = &report["waiting"]["chains"][0];
    assert_eq!(
        (chain["links"][0]["pid"].as_u64(), chain["links"][0]["target"].as_str()),
        (Some(u64::from(r)), Some(pipe.as_str())),
        "{chain}"
    );
    assert_eq!(chain["links"][0]["next"], "write_end");
    let end = &chain["links"][1];
    assert_eq!((end["pid"].as_u64(), end["syscall"].as_str()), (Some(u64::from(w)), Some("recvfrom")), "{chain}");
    assert_eq!(
        (end["target"].as_str(), end["from_proc"].as_bool()),
        (Some(format!("tcp 127.0.0.1:{port}").as_str()), Some(true))
    );
    // the screen shows the chain
    let text = String::from_utf8_lossy(&attach_for(r, &[]).stdout).into_owned();
    let want = format!("→ write end held by {w} → {w} recvfrom on tcp 127.0.0.1:{port} at the attach (from /proc)");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with(&format!("chain: {r} read on {pipe}")) && l.ends_with(&want))
            || text.replace("\n      ", " ").contains(&want),
        "{want}\n{text}"
    );
}

/// The descriptor `pid` is blocked on (the first argument of its call), as `/proc` links it.
fn blocked_fd_link(pid: u32) -> String {
    let call = std::fs::read_to_string(format!("/proc/{pid}/syscall")).expect("syscall");
    let fd = call.split_whitespace().nth(1).expect("argument");
    let fd = i64::from_str_radix(fd.trim_start_matches("0x"), 16).expect("fd");
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).expect("link");
    link.to_str().expect("UTF-8").to_string()
}

#[test]
fn attach_names_the_untraced_peer_of_a_unix_socket_from_proc() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    // one socketpair, a half each: the waiter reads its half, the peer (another program,
    // not traced) never writes because it waits on a pipe nobody writes to
    let (mine, theirs) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    // the interpreter itself, not a shim that runs it from a script (its reads would be
    // the ones waited for)
    let found = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3");
    let python3 = String::from_utf8(found.stdout).expect("UTF-8").trim().to_string();
    let python = |code: &str, stdin: std::os::unix::net::UnixStream| {
        Command::new(&python3)
            .args(["-c", code])
            .stdin(std::os::fd::OwnedFd::from(stdin))
            .stdout(Stdio::null())
            .spawn()
            .expect("python3")
    };
    // recvfrom is syscall 45, read 0
    let waiter = blocked_in_spawned(python("import socket; socket.socket(fileno=0).recv(10)", mine), "45");
    let peer = blocked_in_spawned(python("import os; r, w = os.pipe(); os.read(r, 1)", theirs), "0");
    let (a, b) = (waiter.0.id(), peer.0.id());
    let socket = blocked_fd_link(a);
    let pipe = blocked_fd_link(b);
    assert!(socket.starts_with("socket:[") && pipe.starts_with("pipe:["), "{socket} {pipe}");
    let out = attach_for(a, &["--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let (head, tail) =
        (format!("unix {socket} peer held by pid {b} (python3 -c "), format!("is in read on {pipe} now (from /proc)"));
    assert!(err.lines().any(|l| l.contains(&head) && l.ends_with(&tail)), "{head} … {tail}\n{err}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let chain = &report["waiting"]["chains"][0];
    let first = &chain["links"][0];
    assert_eq!(
        (first["pid"].as_u64(), first["target"].as_str(), first["next"].as_str()),
        (Some(u64::from(a)), Some(format!("unix {socket}").as_str()), Some("peer")),
        "{chain}"
    );
    let end = &chain["links"][1];
    assert_eq!(
        (end["pid"].as_u64(), end["syscall"].as_str(), end["target"].as_str(), end["from_proc"].as_bool()),
        (Some(u64::from(b)), Some("read"), Some(pipe.as_str()), Some(true)),
        "{chain}"
    );
    // the screen shows the chain
    let text = String::from_utf8_lossy(&attach_for(a, &[]).stdout).into_owned();
    let want = format!("→ peer held by {b} → {b} read on {pipe} at the attach (from /proc)");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with(&format!("chain: {a} recvfrom on unix {socket}")) && l.ends_with(&want))
            || text.replace("\n      ", " ").contains(&want),
        "{want}\n{text}"
    );
}

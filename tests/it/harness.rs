//! Running the binary and reading fixtures; helper processes that die with the test, and
//! reads from children that cannot hang it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// No run of the binary may hang a test.
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The traces of one incident directory, relative to it and sorted: its `trace*.txt` files,
/// and `ff/trace` when it holds a `strace -ff` set (`ff/trace.PID`).
pub fn incident_traces(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.expect("dir entry").file_name().into_string().expect("utf-8 name"))
        .filter(|n| n.starts_with("trace") && n.ends_with(".txt"))
        .collect();
    names.sort();
    if dir.join("ff").is_dir() {
        names.push("ff/trace".into());
    }
    assert!(!names.is_empty(), "{dir:?}: no trace*.txt and no ff/");
    names
}

/// Every incident directory under fixtures/incidents, sorted.
pub fn incident_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("incidents"))
        .expect("fixtures/incidents")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

pub fn straceback() -> Command {
    let mut c = Command::cargo_bin("straceback").expect("binary");
    c.env_remove("NO_COLOR").timeout(RUN_LIMIT);
    c
}

/// Runs the binary with `args`; returns the output whatever the status.
pub fn run(args: &[&str]) -> Output {
    straceback().args(args).output().expect("run straceback")
}

/// Checks that `out` is an input error (exit 2) that printed no report; returns its stderr.
pub fn input_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "no report: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `straceback events FILE` as parsed JSON objects.
pub fn events(file: &Path) -> Vec<serde_json::Value> {
    let out = run(&["events", file.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "events {file:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad NDJSON line {l}: {e}")))
        .collect()
}

/// `straceback --format json ARGS...` as a JSON value.
pub fn report(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("report JSON")
}

/// A helper process started in a process group of its own; the whole group is killed when the
/// test ends, passed or failed.
pub struct Group(pub std::process::Child);

impl Group {
    /// Starts `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut std::process::Command) -> Group {
        use std::os::unix::process::CommandExt;
        Group(cmd.process_group(0).spawn().expect("spawn"))
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Sends `signal` to the leader alone.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on a process this test started.
        unsafe {
            libc::kill(i32::try_from(self.0.id()).expect("pid"), signal);
        }
    }

    /// Waits for the leader to exit, at most `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Some(s) = self.0.try_wait().expect("wait") {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this test created.
        unsafe {
            libc::kill(-i32::try_from(self.0.id()).unwrap_or(0), libc::SIGKILL);
        }
        let _ = self.0.wait();
    }
}

/// The bytes of a child's pipe, read on a thread so that no read can hang the test.
pub struct Collected {
    rx: Receiver<Vec<u8>>,
    pub bytes: Vec<u8>,
}

impl Collected {
    pub fn new(mut pipe: impl Read + Send + 'static) -> Collected {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        Collected { rx, bytes: Vec::new() }
    }

    /// Reads until `done` holds for what was read, or the pipe ends, or `limit` passes;
    /// returns whether `done` holds.
    pub fn until(&mut self, limit: Duration, done: impl Fn(&[u8]) -> bool) -> bool {
        let end = Instant::now() + limit;
        while !done(&self.bytes) {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.bytes.extend_from_slice(&chunk),
                Err(_) => return done(&self.bytes),
            }
        }
        true
    }

    /// Reads to the end of the pipe, `limit` at most.
    pub fn read_to_end(&mut self, limit: Duration) -> String {
        let end = Instant::now() + limit;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.bytes.extend_from_slice(&chunk),
                Err(_) => return self.text(),
            }
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Waits until `pid` has `n` children (`/proc`), at most `limit`; returns them.
pub fn children(pid: u32, n: usize, limit: Duration) -> Vec<u32> {
    let end = Instant::now() + limit;
    loop {
        let kids: Vec<u32> = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        if kids.len() >= n || Instant::now() > end {
            return kids;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

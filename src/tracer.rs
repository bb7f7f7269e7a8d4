//! `run` and `attach`: straceback starts strace itself with the flags that make the best
//! triage, and reads the trace through a pipe of its own (fd 3 of strace, `-o /dev/fd/3`), so
//! the traced program's own stderr stays on the terminal.
//!
//! stdout is straceback's report alone: strace, and so the command `run` starts, writes its
//! stdout to straceback's stderr. `attach` also attaches every live descendant of the given
//! processes (strace's `-f` follows only the children forked after it attached), and reads
//! what strace says on stderr through a pipe, so that its messages are printed between our
//! lines, never into the status line.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, PipeReader};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{sync_channel, Receiver};

use crate::error::Error;
use crate::host::{self, Tree};
use crate::options::Launch;

/// strace's messages queued before the reader waits for straceback to take them.
const MESSAGES_QUEUED: usize = 64;

/// The flags `run` and `attach` use: follow children, wall-clock µs times, durations, paths of
/// descriptors and sockets, and buffers long enough to read error messages and HTTP status lines.
pub const FLAGS: &[&str] = &["-f", "-tt", "-T", "-yy", "-s", "256"];

pub struct Tracer {
    pub child: Child,
    pub trace: PipeReader,
    /// `attach`: strace's stderr, line by line (`run` leaves it to the command, which shares it).
    pub messages: Option<Receiver<Vec<u8>>>,
    /// `attach`: the processes given with `-p`, by the process they were asked for.
    pub trees: Vec<Tree>,
}

/// Processes `attach` traces without asking: each traced call of each one stops for strace, so
/// a whole host's worth slows every service on it (and `attach 1` in a container is that).
pub const ASK_ABOVE: usize = 500;

/// Starts strace for `launch`, with `extra` flags after the recommended ones; `many`: attach
/// to more than [`ASK_ABOVE`] processes without asking.
pub fn start(launch: &Launch, extra: &[String], many: bool) -> Result<Tracer, Error> {
    let trees = match launch {
        Launch::Attach(pids) => {
            for pid in pids {
                check_not_self(*pid)?;
                check_not_my_tracer(*pid)?;
                check_attachable(*pid)?;
            }
            let trees = trees_of(pids);
            confirm_many(&trees, many)?;
            trees
        }
        Launch::Run(_) => Vec::new(),
    };
    spawn(launch, extra, trees)
}

/// The given processes with their live descendants, each pid once: a pid given is a tree of
/// its own, any other goes under the first tree that holds it.
fn trees_of(pids: &[u32]) -> Vec<Tree> {
    let mut taken: BTreeSet<u32> = pids.iter().copied().collect();
    let mut roots = BTreeSet::new();
    let mut out = Vec::new();
    for &pid in pids {
        if roots.insert(pid) {
            let mut tree = Tree::of(pid);
            tree.retain(|p| taken.insert(p));
            out.push(tree);
        }
    }
    out
}

fn spawn(launch: &Launch, extra: &[String], trees: Vec<Tree>) -> Result<Tracer, Error> {
    let (reader, writer) = std::io::pipe().map_err(|e| Error::Usage(format!("cannot create a pipe: {e}")))?;
    let mut cmd = Command::new("strace");
    cmd.args(FLAGS).args(["-o", "/dev/fd/3"]).args(extra);
    // stdout carries the report alone: strace's (and the command's) stdout goes to our stderr
    let stderr = std::io::stderr().as_fd().try_clone_to_owned();
    cmd.stdout(stderr.map_or_else(|_| Stdio::null(), Stdio::from));
    match launch {
        Launch::Run(argv) => {
            cmd.arg("--").args(argv);
        }
        Launch::Attach(_) => {
            for t in &trees {
                for p in std::iter::once(&t.root).chain(&t.below) {
                    cmd.arg("-p").arg(p.to_string());
                }
            }
            cmd.stderr(Stdio::piped());
        }
    }
    let fd = writer.as_raw_fd();
    // SAFETY: between fork and exec only dup2(2) runs, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Usage(
            "strace is not installed. Install it: apt-get install strace (Debian, Ubuntu), \
             dnf install strace (Fedora, RHEL), apk add strace (Alpine)"
                .into(),
        ),
        _ => Error::Usage(format!("cannot start strace: {e}")),
    })?;
    // our copy of the write end must go, or the pipe never reaches end of file
    drop(writer);
    let messages = child.stderr.take().map(read_messages);
    Ok(Tracer { child, trace: reader, messages, trees })
}

/// Reads strace's stderr on a thread, a line at a time.
fn read_messages(err: std::process::ChildStderr) -> Receiver<Vec<u8>> {
    let (tx, rx) = sync_channel(MESSAGES_QUEUED);
    std::thread::spawn(move || {
        let mut reader = BufReader::new(err);
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    while line.last().is_some_and(|c| matches!(c, b'\n' | b'\r')) {
                        line.pop();
                    }
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// Whether the command `run` was asked to start exists (strace said why it could not start it).
pub fn command_exists(launch: &Launch) -> bool {
    match launch {
        Launch::Run(argv) => argv.first().is_some_and(|c| host::command_exists(c)),
        Launch::Attach(_) => true,
    }
}

/// Refuses straceback's own pid or one of its threads (`exec straceback attach $$` in a
/// wrapper, or `bash -c 'straceback attach $$'`, which execs): strace would trace straceback
/// reading strace's lines about itself, without end.
fn check_not_self(pid: u32) -> Result<(), Error> {
    let own_thread = std::path::Path::new(&format!("/proc/self/task/{pid}")).exists();
    if pid == std::process::id() || own_thread {
        return Err(Error::Usage(format!(
            "attach {pid}: that is straceback itself (a shell that runs `straceback attach $$` as its last command execs it): give the pid of the process to trace"
        )));
    }
    Ok(())
}

/// Refuses the process that traces straceback (`strace -f straceback attach <that strace>`):
/// every line straceback reads would make its tracer report it, and strace report that.
fn check_not_my_tracer(pid: u32) -> Result<(), Error> {
    match host::tracer(std::process::id()) {
        Some((by, name)) if by == pid => Err(Error::Usage(format!(
            "attach {pid}: that is the process tracing straceback ({}): tracing it would trace straceback's own reads without end; give the pid of the process to trace",
            crate::text::TraceText::from(name.as_str())
        ))),
        _ => Ok(()),
    }
}

/// More than [`ASK_ABOVE`] processes: attached when `many`, else asked on a terminal (`y`),
/// else refused, saying how many.
fn confirm_many(trees: &[Tree], many: bool) -> Result<(), Error> {
    use std::io::IsTerminal;
    let n: usize = trees.iter().map(|t| 1 + t.below.len()).sum();
    if n <= ASK_ABOVE || many {
        return Ok(());
    }
    let at_least = if trees.iter().any(|t| t.below.len() >= host::MAX_DESCENDANTS) { "at least " } else { "" };
    let what = format!("{at_least}{} processes", crate::render::words::number(n as u64));
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "attach: that is {what} (with every live descendant), more than {ASK_ABOVE}: each traced call of each one stops for strace. Add --yes to attach them all, or give the pid of one service"
        )));
    }
    eprint!("straceback: attach to {what} (with every live descendant)? Each traced call of each one stops for strace. [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        return Ok(());
    }
    Err(Error::Usage(format!("attach: {what} not attached (not confirmed)")))
}

/// Explains, before strace tries, why attaching to `pid` would be refused.
fn check_attachable(pid: u32) -> Result<(), Error> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|_| Error::Usage(format!("attach {pid}: no such process (check the pid with ps or pgrep)")))?;
    let scope =
        std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope").ok().and_then(|s| s.trim().parse::<u8>().ok());
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let euid = unsafe { libc::geteuid() };
    if scope == Some(3) {
        return Err(Error::Usage(format!(
            "attach {pid}: ptrace is disabled on this machine (kernel.yama.ptrace_scope = 3, only a reboot lifts it)"
        )));
    }
    if euid != 0 {
        let owner = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|u| u.split_whitespace().nth(1))
            .and_then(|u| u.parse::<u32>().ok());
        if owner.is_some_and(|o| o != euid) {
            return Err(Error::Usage(format!(
                "attach {pid}: the process belongs to another user: run straceback as root (sudo)"
            )));
        }
        if scope.is_some_and(|s| s >= 1) {
            return Err(Error::Usage(format!(
                "attach {pid}: ptrace is restricted (kernel.yama.ptrace_scope = {}): run as root, or `sysctl kernel.yama.ptrace_scope=0`",
                scope.unwrap_or(1)
            )));
        }
    }
    Ok(())
}

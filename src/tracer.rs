//! `run` and `attach`: straceback starts strace itself with the flags that make the best
//! triage, and reads the trace through a pipe of its own (fd 3 of strace, `-o /dev/fd/3`), so
//! the traced program's own stderr stays on the terminal.

use std::io::PipeReader;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

use crate::error::Error;
use crate::options::Launch;

/// The flags `run` and `attach` use: follow children, wall-clock µs times, durations, paths of
/// descriptors and sockets, and buffers long enough to read error messages and HTTP status lines.
pub const FLAGS: &[&str] = &["-f", "-tt", "-T", "-yy", "-s", "256"];

pub struct Tracer {
    pub child: Child,
    pub trace: PipeReader,
}

/// Starts strace for `launch`, with `extra` flags after the recommended ones.
pub fn start(launch: &Launch, extra: &[String]) -> Result<Tracer, Error> {
    if let Launch::Attach(pids) = launch {
        for pid in pids {
            check_attachable(*pid)?;
        }
    }
    let (reader, writer) = std::io::pipe().map_err(|e| Error::Usage(format!("cannot create a pipe: {e}")))?;
    let mut cmd = Command::new("strace");
    cmd.args(FLAGS).args(["-o", "/dev/fd/3"]).args(extra);
    match launch {
        Launch::Run(argv) => {
            cmd.arg("--").args(argv);
        }
        Launch::Attach(pids) => {
            for p in pids {
                cmd.arg("-p").arg(p.to_string());
            }
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
    let child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Usage(
            "strace is not installed. Install it: apt-get install strace (Debian, Ubuntu), \
             dnf install strace (Fedora, RHEL), apk add strace (Alpine)"
                .into(),
        ),
        _ => Error::Usage(format!("cannot start strace: {e}")),
    })?;
    // our copy of the write end must go, or the pipe never reaches end of file
    drop(writer);
    Ok(Tracer { child, trace: reader })
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

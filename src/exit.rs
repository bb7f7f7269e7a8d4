//! Exit statuses, in one place, and their precedence.
//!
//! `run` exits with the traced command's status when the command failed (128+N when a signal N
//! killed it), as `time` and `env` do, so `straceback run -- nginx -t && systemctl reload nginx`
//! still works. Otherwise: 2 for a usage or input error, 1 with `--exit-code` when suspects were
//! found, 0. 127: strace could not find the command (as a shell says). 130: a second Ctrl-C.

/// How the process exits; [`ExitStatus::of_run`] picks one by the precedence above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The report was printed.
    Ok,
    /// Suspects were found (only with `--exit-code`).
    Suspects,
    /// A usage or input error (other inputs were still analysed).
    Error,
    /// `run`: the traced command failed with this status (128+N: killed by signal N).
    Command(u8),
    /// `run`: strace could not find the command.
    NotFound,
    /// A second Ctrl-C ended the run at once (128 + SIGINT, as shells report it).
    Interrupted,
}

impl ExitStatus {
    /// The number the process exits with.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Suspects => 1,
            ExitStatus::Error => 2,
            ExitStatus::Command(n) => i32::from(n),
            ExitStatus::NotFound => 127,
            ExitStatus::Interrupted => 130,
        }
    }

    /// The status of a command that ended with `status`, as a shell reports it; `None` when it
    /// succeeded.
    pub fn of_command(status: std::process::ExitStatus) -> Option<ExitStatus> {
        use std::os::unix::process::ExitStatusExt;
        let code = match (status.code(), status.signal()) {
            (Some(0), _) => return None,
            (Some(c), _) => c,
            (None, Some(sig)) => 128 + sig,
            (None, None) => return None,
        };
        Some(ExitStatus::Command(u8::try_from(code & 0xff).unwrap_or(u8::MAX)))
    }

    /// The status of one run: a failing command's status wins, then an error, then suspects
    /// with `--exit-code`.
    pub fn of_run(command: Option<ExitStatus>, error: Option<ExitStatus>, suspects: bool) -> ExitStatus {
        command.or(error).unwrap_or(if suspects { ExitStatus::Suspects } else { ExitStatus::Ok })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_command_status_is_reported_as_a_shell_does() {
        let exited = |c: i32| std::process::ExitStatus::from_raw(c << 8);
        let killed = |s: i32| std::process::ExitStatus::from_raw(s);
        assert_eq!(ExitStatus::of_command(exited(0)), None);
        assert_eq!(ExitStatus::of_command(exited(4)).map(ExitStatus::code), Some(4));
        assert_eq!(ExitStatus::of_command(killed(libc::SIGTERM)).map(ExitStatus::code), Some(143));
    }

    #[test]
    fn a_failing_command_wins_then_errors_then_suspects() {
        let cmd = Some(ExitStatus::Command(4));
        assert_eq!(ExitStatus::of_run(cmd, Some(ExitStatus::Error), true).code(), 4);
        assert_eq!(ExitStatus::of_run(None, Some(ExitStatus::Error), true).code(), 2);
        assert_eq!(ExitStatus::of_run(None, None, true).code(), 1);
        assert_eq!(ExitStatus::of_run(None, None, false).code(), 0);
    }
}

//! The library's errors, as data: each names the input it concerns. Their sentences are in
//! `render::words` (its `Display`), beside every other sentence the tool prints.

use std::io;

/// Why an input, the output or the command line failed; `name` is the input as given.
#[derive(Debug)]
pub enum Error {
    /// An input could not be opened or read.
    Input {
        /// The input as given (`-` for stdin).
        name: String,
        /// What the system said.
        source: io::Error,
    },
    /// An input is a directory.
    IsDirectory {
        /// The input as given.
        name: String,
    },
    /// An input with no trace line: empty, or `lines` of summary tables and blanks (`piped`:
    /// stdin).
    NoTrace {
        /// The input as named in messages (`stdin` for `-`).
        name: String,
        /// It was stdin.
        piped: bool,
        /// Lines it held.
        lines: u64,
    },
    /// An input whose every line is unparsed.
    NotStrace {
        /// The input as named in messages (`stdin` for `-`).
        name: String,
        /// Lines it held.
        lines: u64,
        /// Of them, lines that were not strace's.
        unparsed: u64,
    },
    /// strace (started by `run` or `attach`) ended before writing a trace line;
    /// `not_found`: the command of `run` does not exist.
    NotTraced {
        /// `run`: the command line.
        command: Option<String>,
        /// How strace ended.
        status: std::process::ExitStatus,
        /// The command of `run` does not exist.
        not_found: bool,
    },
    /// An input that is a device, a socket…: it may never end.
    NotAFile {
        /// The input as given.
        name: String,
        /// What it is (`a socket`, `a character device`, ...).
        kind: &'static str,
    },
    /// Writing the report failed (a broken pipe is no error: `run` exits quietly).
    Output(io::Error),
    /// The command line is wrong; the text says how.
    Usage(String),
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Input { source, .. } | Error::Output(source) => Some(source),
            _ => None,
        }
    }
}

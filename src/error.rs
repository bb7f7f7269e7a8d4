//! The library's errors, as data: each names the input it concerns. Their sentences are in
//! `render::words` (its `Display`), beside every other sentence the tool prints.

use std::io;

#[derive(Debug)]
pub enum Error {
    Input {
        name: String,
        source: io::Error,
    },
    IsDirectory {
        name: String,
    },
    /// An input with no trace line: empty, or `lines` of summary tables and blanks (`piped`:
    /// stdin).
    NoTrace {
        name: String,
        piped: bool,
        lines: u64,
    },
    /// An input whose every line is unparsed.
    NotStrace {
        name: String,
        lines: u64,
        unparsed: u64,
    },
    /// strace (started by `run` or `attach`) ended before writing a trace line;
    /// `not_found`: the command of `run` does not exist.
    NotTraced {
        command: Option<String>,
        status: std::process::ExitStatus,
        not_found: bool,
    },
    /// An input that is a device, a socket…: it may never end.
    NotAFile {
        name: String,
        kind: &'static str,
    },
    Output(io::Error),
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

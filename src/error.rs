//! The library's errors. Each names the input it concerns; none is a debug dump. The longer
//! sentences are worded in `render::words`, beside every other sentence the tool prints.

use std::io;

use crate::render::words;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{name}: {source}")]
    Input { name: String, source: io::Error },
    #[error("{name}: is a directory (give the trace file, or the -ff prefix NAME of NAME.PID files)")]
    IsDirectory { name: String },
    /// An input with no trace line: empty, or `lines` of summary tables and blanks (`piped`:
    /// stdin).
    #[error("{}", words::no_trace(name, *piped, *lines))]
    NoTrace { name: String, piped: bool, lines: u64 },
    /// An input whose every line is unparsed.
    #[error("{}", words::not_strace(name, *lines, *unparsed))]
    NotStrace { name: String, lines: u64, unparsed: u64 },
    /// strace (started by `run` or `attach`) ended before writing a trace line;
    /// `not_found`: the command of `run` does not exist.
    #[error("{}", words::not_traced(command.as_deref(), status, *not_found))]
    NotTraced { command: Option<String>, status: std::process::ExitStatus, not_found: bool },
    /// An input that is a device, a socket…: it may never end.
    #[error("{}", words::not_a_file(name, kind))]
    NotAFile { name: String, kind: &'static str },
    #[error("{0}")]
    Output(io::Error),
    #[error("{0}")]
    Usage(String),
}

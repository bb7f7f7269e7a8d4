//! The library's errors. Each names the input it concerns; none is a debug dump.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{name}: {source}")]
    Input { name: String, source: io::Error },
    #[error("{name}: is a directory (give the trace file, or the -ff prefix NAME of NAME.PID files)")]
    IsDirectory { name: String },
    #[error("{0}")]
    Output(io::Error),
    #[error("{0}")]
    Usage(String),
}

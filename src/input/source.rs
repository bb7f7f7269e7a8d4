//! One type for the two ways bytes arrive: a plain reader (a file, gzip) or a live one read on
//! a thread with timeouts (stdin, the strace that `run`/`attach` started).

use std::io::{self, BufRead, Read};

use super::live::LiveReader;

/// Where an event stream's bytes come from.
pub enum Source {
    Plain(Box<dyn BufRead + Send>),
    /// Read on a thread, with timeouts (stdin, strace started by `run`/`attach`).
    Live(LiveReader),
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Live(r) => r.read(buf),
        }
    }
}

impl BufRead for Source {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Source::Plain(r) => r.fill_buf(),
            Source::Live(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            Source::Plain(r) => r.consume(n),
            Source::Live(r) => r.consume(n),
        }
    }
}

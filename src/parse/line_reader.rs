//! Physical lines from any reader, with one reused buffer and a hard cap on line length.
//!
//! A trace made with a large `-s` can hold lines of hundreds of KB, and garbage input can hold
//! a "line" of gigabytes; lines over [`MAX_LINE`] are skipped without being buffered.

use std::io::{self, BufRead};

/// Longest line kept, in bytes (without the newline).
pub const MAX_LINE: usize = 1 << 20;

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line_no: u64,
    /// Lines skipped because they were longer than [`MAX_LINE`].
    pub overlong: u64,
    /// A line is half read (the reader returned an error, e.g. a live source's timeout):
    /// the next call continues it.
    in_line: bool,
    too_long: bool,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader { inner, buf: Vec::with_capacity(4096), line_no: 0, overlong: 0, in_line: false, too_long: false }
    }

    /// The next line (without `\n`) and its 1-based number, or `None` at end of input.
    /// A final line without a newline is returned as is. After an error the same call can
    /// be repeated: the part of the line already read is kept.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        loop {
            if !self.in_line {
                self.buf.clear();
                self.too_long = false;
            }
            loop {
                let chunk = match self.inner.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if chunk.is_empty() {
                    break;
                }
                self.in_line = true;
                let (take, done) = match memchr::memchr(b'\n', chunk) {
                    Some(i) => (i, true),
                    None => (chunk.len(), false),
                };
                if !self.too_long {
                    if self.buf.len() + take > MAX_LINE {
                        self.too_long = true;
                        self.buf = Vec::with_capacity(4096);
                    } else {
                        self.buf.extend_from_slice(&chunk[..take]);
                    }
                }
                let consumed = if done { take + 1 } else { take };
                self.inner.consume(consumed);
                if done {
                    break;
                }
            }
            if !self.in_line {
                return Ok(None);
            }
            self.in_line = false;
            self.line_no += 1;
            if self.too_long {
                self.overlong += 1;
                continue;
            }
            return Ok(Some((self.line_no, &self.buf)));
        }
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> (Vec<(u64, Vec<u8>)>, u64) {
        let mut r = LineReader::new(input);
        let mut out = Vec::new();
        while let Some((n, l)) = r.next_line().unwrap_or(None) {
            out.push((n, l.to_vec()));
        }
        (out, r.overlong)
    }

    #[test]
    fn splits_and_keeps_a_cut_last_line() {
        let (l, _) = lines(b"a\nb\r\n\nc");
        assert_eq!(l, vec![(1, b"a".to_vec()), (2, b"b\r".to_vec()), (3, vec![]), (4, b"c".to_vec())]);
    }

    #[test]
    fn overlong_lines_are_counted_and_skipped() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nok\n");
        let (l, over) = lines(&input);
        assert_eq!(l, vec![(2, b"ok".to_vec())]);
        assert_eq!(over, 1);
    }
}

//! Physical lines from any reader, with one reused buffer and a hard cap on line length.
//!
//! A trace made with a large `-s` can hold lines of hundreds of KB, and garbage input can hold
//! a "line" of gigabytes; lines over [`MAX_LINE`] are skipped without being buffered.

use std::io::{self, Read};

/// Longest line kept, in bytes (without the newline).
pub const MAX_LINE: usize = 1 << 20;
/// Bytes asked for per read: 64–128 KiB reads were the fastest measured here (1 MiB reads
/// cost three times the system time).
const READ: usize = 128 << 10;

/// Lines are handed out as slices of one buffer (no copy), which is refilled in place.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`; no newline in `buf[start..scanned]`.
    start: usize,
    scanned: usize,
    end: usize,
    eof: bool,
    /// Inside a line longer than [`MAX_LINE`]: its bytes are dropped until its newline.
    skipping: bool,
    line_no: u64,
    /// Lines skipped because they were longer than [`MAX_LINE`].
    pub overlong: u64,
    /// The line being read holds an ESC byte (strace `--color`).
    escaped: bool,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: vec![0; 2 * READ],
            start: 0,
            scanned: 0,
            end: 0,
            eof: false,
            skipping: false,
            line_no: 0,
            overlong: 0,
            escaped: false,
        }
    }

    /// The next line (without `\n`) and its 1-based number, or `None` at end of input.
    /// A final line without a newline is returned as is. After an error the same call can
    /// be repeated: the part of the line already read is kept.
    pub fn next_line(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        Ok(self.next_marked_line()?.map(|(n, line, _)| (n, line)))
    }

    /// [`LineReader::next_line`], and whether the line holds an ESC byte (found in the same
    /// pass as its end, so that colour is not looked for in every line again).
    pub fn next_marked_line(&mut self) -> io::Result<Option<(u64, &[u8], bool)>> {
        loop {
            let hay = &self.buf[self.scanned..self.end];
            if let Some(i) = memchr::memchr2(b'\n', 0x1b, hay) {
                if hay[i] == 0x1b {
                    self.escaped = true;
                    self.scanned += i + 1;
                    continue;
                }
                let (from, to) = (self.start, self.scanned + i);
                self.start = to + 1;
                self.scanned = self.start;
                self.line_no += 1;
                let escaped = std::mem::take(&mut self.escaped);
                if std::mem::take(&mut self.skipping) || to - from > MAX_LINE {
                    self.overlong += 1;
                    continue;
                }
                return Ok(Some((self.line_no, &self.buf[from..to], escaped)));
            }
            self.scanned = self.end;
            if self.eof {
                if self.start == self.end && !self.skipping {
                    return Ok(None);
                }
                let from = self.start;
                self.start = self.end;
                self.line_no += 1;
                let escaped = std::mem::take(&mut self.escaped);
                if std::mem::take(&mut self.skipping) || self.end - from > MAX_LINE {
                    self.overlong += 1;
                    return Ok(None);
                }
                return Ok(Some((self.line_no, &self.buf[from..self.end], escaped)));
            }
            self.refill()?;
        }
    }

    /// Makes room after the unread part and reads more.
    fn refill(&mut self) -> io::Result<()> {
        if self.end - self.start > MAX_LINE {
            self.skipping = true;
        }
        if self.skipping {
            self.start = self.end;
            self.scanned = self.end;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < READ {
            self.buf.resize(self.end + READ, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..self.end + READ]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }

    /// Lines read so far (the number of the last one).
    pub fn lines(&self) -> u64 {
        self.line_no
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
    fn lines_with_esc_are_marked() {
        let mut r = LineReader::new(&b"\x1b[31mred\x1b[0m\nplain\nlast\x1b"[..]);
        let mut marks = Vec::new();
        while let Some((_, _, escaped)) = r.next_marked_line().unwrap() {
            marks.push(escaped);
        }
        assert_eq!(marks, [true, false, true]);
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

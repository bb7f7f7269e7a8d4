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

/// A UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a last line without its newline ends inside the errno of a failed call (`= -1 E`,
/// `= -1 ENOE`, `= -1 ENOENT` with its message cut): which errno it was is not known.
fn ends_in_errno(line: &[u8]) -> bool {
    let name = line.iter().rev().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit()).count();
    let (head, errno) = line.split_at(line.len() - name);
    head.ends_with(b"= -1 ") && (errno.is_empty() || errno[0] == b'E')
}

/// What [`LineReader::next_span`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Span {
    /// Line number, start and end in the block, whether it holds an ESC byte.
    Line(u64, usize, usize, bool),
    /// The end of the input.
    End,
    /// The block is full: take it.
    Full,
}

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
    /// Bytes asked for per read.
    read: usize,
    /// The line being read holds an ESC byte (strace `--color`).
    escaped: bool,
    /// Bytes read from `inner` so far.
    pulled: u64,
}

impl<R: Read> LineReader<R> {
    /// Lines of `inner`, read in blocks into one reused buffer.
    pub fn new(inner: R) -> Self {
        Self::with_read_size(inner, READ)
    }

    /// Reads `read` bytes at a time into a buffer that grows only as lines need: the members
    /// of a set of thousands of files each keep a small one.
    pub fn with_read_size(inner: R, read: usize) -> Self {
        let read = read.max(1);
        LineReader {
            inner,
            read,
            // a small reader (a member of a `-ff` set of thousands) starts with room but no zeroes,
            // and zeroes only what it reads into (10,000 members zeroed 80 MB); a large one
            // starts zeroed, which measured cheaper than growing it
            buf: if read < (64 << 10) { Vec::with_capacity(2 * read) } else { vec![0; 2 * read] },
            start: 0,
            scanned: 0,
            end: 0,
            eof: false,
            skipping: false,
            line_no: 0,
            overlong: 0,
            escaped: false,
            pulled: 0,
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
        Ok(match self.next_span(false)? {
            Span::Line(n, from, to, escaped) => Some((n, &self.buf[from..to], escaped)),
            Span::End | Span::Full => None,
        })
    }

    /// The next line as a range of the current block ([`LineReader::block`]) and whether it
    /// holds an ESC byte. With `hold`, lines already handed out stay where they are: when the
    /// block has no room left for them and more input, [`Span::Full`] says to take the block
    /// ([`LineReader::take_block`]) before asking again.
    pub fn next_span(&mut self, hold: bool) -> io::Result<Span> {
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
                let from = from + self.bom(from, to);
                return Ok(Span::Line(self.line_no, from, to, escaped));
            }
            self.scanned = self.end;
            if self.eof {
                if self.start == self.end && !self.skipping {
                    return Ok(Span::End);
                }
                let from = self.start;
                self.start = self.end;
                self.line_no += 1;
                let escaped = std::mem::take(&mut self.escaped);
                if std::mem::take(&mut self.skipping) || self.end - from > MAX_LINE {
                    self.overlong += 1;
                    return Ok(Span::End);
                }
                let from = from + self.bom(from, self.end);
                // cut inside its errno (`= -1 ENOE`): not a failure of a cut errno, a blank
                // a cut errno is dropped with its line: the ESC mark must say what is left
                if ends_in_errno(&self.buf[from..self.end]) {
                    return Ok(Span::Line(self.line_no, from, from, false));
                }
                return Ok(Span::Line(self.line_no, from, self.end, escaped));
            }
            if hold && self.start > 0 && self.buf.len() - self.end < self.read {
                return Ok(Span::Full);
            }
            self.refill(hold)?;
        }
    }

    /// The buffer the ranges of [`LineReader::next_span`] index.
    pub fn block(&self) -> &[u8] {
        &self.buf
    }

    /// Hands out the current block (the lines of [`LineReader::next_span`] so far stand in
    /// it, unmoved: read once, never copied) and goes on in `next`, which takes only the
    /// start of a line not read to its end. `next` is made at least `size` bytes long (its
    /// bytes are overwritten, not zeroed, when it is a block given back).
    pub fn take_block(&mut self, mut next: Vec<u8>, size: usize) -> Vec<u8> {
        let rest = self.end - self.start;
        let want = size.max(rest + self.read);
        if next.len() < want {
            next.resize(want, 0);
        }
        next[..rest].copy_from_slice(&self.buf[self.start..self.end]);
        (self.scanned, self.end) = (self.scanned - self.start, rest);
        self.start = 0;
        std::mem::replace(&mut self.buf, next)
    }

    /// The length of a UTF-8 byte order mark at the start of the first line (an editor's
    /// save), else 0.
    fn bom(&self, from: usize, to: usize) -> usize {
        if self.line_no == 1 && self.buf[from..to].starts_with(BOM) {
            BOM.len()
        } else {
            0
        }
    }

    /// Makes room after the unread part and reads more; with `hold`, lines handed out stay
    /// where they are (see [`LineReader::next_span`]).
    fn refill(&mut self, hold: bool) -> io::Result<()> {
        // lines were handed out from this block: nothing moves (a line being skipped is dropped
        // by moving `start` only, and the block is taken before it runs out of room)
        let holding = hold && self.start > 0;
        if self.end - self.start > MAX_LINE {
            self.skipping = true;
        }
        if self.skipping {
            self.start = self.end;
            self.scanned = self.end;
        }
        if !holding {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.scanned -= self.start;
                self.start = 0;
            }
            self.shrink();
        }
        let read = self.read;
        if self.buf.len() - self.end < read {
            self.buf.resize(self.end + read, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.buf[self.end..self.end + read]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        self.end += n;
        self.pulled += n as u64;
        self.eof = n == 0;
        Ok(())
    }

    /// Gives back a buffer grown for a long line once that line is gone (the caller holds no
    /// line): the members of a large `-ff` set would each keep the longest line they had.
    pub fn shrink(&mut self) {
        let read = self.read;
        if self.buf.len() <= 8 * read || self.end - self.start > read {
            return;
        }
        self.buf.copy_within(self.start..self.end, 0);
        (self.end, self.scanned, self.start) = (self.end - self.start, self.scanned - self.start, 0);
        self.buf.truncate(2 * read);
        self.buf.shrink_to_fit();
    }

    /// The offset in the input of the first byte not yet handed out: where the next line
    /// starts (a member of a large `-ff` set is reopened there, see `flow::stream`).
    pub fn consumed(&self) -> u64 {
        self.pulled - (self.end - self.start) as u64
    }

    /// Lines read so far (the number of the last one).
    pub fn lines(&self) -> u64 {
        self.line_no
    }

    /// The reader underneath (a live source keeps its `--save` write error there).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

#[cfg(test)]
mod tests {

    /// Found by fuzzing: a cut last line holding ESC, dropped for its cut errno, is marked as
    /// what is left (nothing), not as the line it was.
    #[test]
    fn a_dropped_cut_line_carries_no_esc_mark() {
        let mut r = LineReader::new(&b"1 write(2, \"\x1b[31m\", 5) = -1 ENOE"[..]);
        let (_, line, escaped) = r.next_marked_line().unwrap().unwrap();
        assert_eq!((line, escaped), (&b""[..], false));
    }

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
    fn the_buffer_shrinks_back_after_a_long_line() {
        let mut text = vec![b'a'; 1000];
        text.extend_from_slice(b"\nb\nc\n");
        let mut r = LineReader::with_read_size(&text[..], 16);
        assert_eq!(r.next_line().unwrap().map(|(_, l)| l.len()), Some(1000));
        assert!(r.buf.len() > 1000);
        while r.next_line().unwrap().is_some() {}
        assert_eq!(r.buf.len(), 32);
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
    fn issue16_a_bom_before_the_first_line_is_ignored() {
        let (l, _) = lines(b"\xEF\xBB\xBF1 close(3) = 0\n\xEF\xBB\xBFx");
        assert_eq!(l, vec![(1, b"1 close(3) = 0".to_vec()), (2, b"\xEF\xBB\xBFx".to_vec())]);
        let (l, _) = lines(b"\xEF\xBB\xBF1 close(3) = 0");
        assert_eq!(l, vec![(1, b"1 close(3) = 0".to_vec())]);
    }

    #[test]
    fn issue16_a_last_line_cut_inside_its_errno_is_no_failure() {
        for cut in [&b"= -1 ENOE"[..], b"= -1 E", b"= -1 ", b"= -1 ENOENT"] {
            let mut input = b"1 close(3) = 0\n1 openat(AT_FDCWD, \"/x\", O_RDONLY) ".to_vec();
            input.extend_from_slice(cut);
            let (l, _) = lines(&input);
            assert_eq!(l[1], (2, vec![]), "{}", String::from_utf8_lossy(cut));
        }
        // with its newline, or cut after the errno's message, the line is kept
        let (l, _) = lines(b"1 openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOE\n");
        assert_eq!(l[0].1, b"1 openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOE".to_vec());
        let (l, _) = lines(b"1 openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such");
        assert!(!l[0].1.is_empty());
    }

    /// Lines read in blocks that are taken whole (the pipeline's way) are the lines read one
    /// by one, with the same numbers, marks and counts, whatever the read size.
    #[test]
    fn lines_of_taken_blocks_are_the_lines() {
        let mut input = b"\xEF\xBB\xBF1 a\n\x1b[31m2\x1b[0m b\n\n".to_vec();
        for k in 0..300 {
            input.extend_from_slice(format!("{k} close({k}) = 0\r\n").as_bytes());
        }
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        input.extend_from_slice(b"\nok\n");
        input.extend(std::iter::repeat_n(b'y', 3000));
        input.extend_from_slice(b"\nlast = -1 ENOE");
        for read in [1, 7, 64, 4096, READ] {
            let mut one = LineReader::with_read_size(&input[..], read);
            let mut want = Vec::new();
            while let Some((n, l, e)) = one.next_marked_line().unwrap() {
                want.push((n, l.to_vec(), e));
            }
            let mut blocks = LineReader::with_read_size(&input[..], read);
            let (mut got, mut spans, mut spare) = (Vec::new(), Vec::new(), Vec::new());
            loop {
                let span = blocks.next_span(true).unwrap();
                if let Span::Line(n, from, to, e) = span {
                    spans.push((n, from, to, e));
                    continue;
                }
                let block = blocks.take_block(std::mem::take(&mut spare), 100);
                got.extend(spans.drain(..).map(|(n, from, to, e)| (n, block[from..to].to_vec(), e)));
                spare = block;
                if span == Span::End {
                    break;
                }
            }
            assert_eq!(got, want, "read size {read}");
            assert_eq!((blocks.overlong, blocks.lines()), (one.overlong, one.lines()), "read size {read}");
        }
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

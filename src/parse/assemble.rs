//! Physical lines in order to records: the state that spans lines. A call cut by a mid-line
//! strace message or by program output waits here for its continuation, and lines without a
//! pid prefix take the pid of their `-ff` file. [`prepare`] does the stateless part of
//! [`Assembler::push`] ahead, on any thread.

use std::borrow::Cow;

use super::line::{
    is_continuation, mid_line_message, parse_physical, parse_prefixed, routine, scan_prefix, strip_color, NoRecord,
    Piece, Prefix,
};
use super::{ParseStats, Record, MAX_LINE};
use crate::event::{Event, EventKind, Pid, Timestamp};

/// How many physical lines a split call may wait for its continuation.
pub(super) const GLUE_WINDOW: u32 = 16;

/// A copy of a clock or epoch timestamp's text (see [`Prefix::absolute_time`]).
fn absolute_timestamp(text: &[u8]) -> Timestamp<'static> {
    Timestamp { text: Cow::Owned(text.to_vec()), relative: false }
}

/// Turns physical lines into records: glues calls split by mid-line strace messages or program
/// output, separates program text stuck before a pid prefix, and applies the `-ff` pid.
pub struct Assembler {
    /// The pid of lines without a prefix (from a `-ff` file name).
    default_pid: Option<Pid>,
    /// Only count successful calls the analysis does not examine (see [`routine`]).
    fast: bool,
    /// The latest absolute timestamp's text (reused buffer; made a Timestamp in `stats`).
    last_time: Vec<u8>,
    /// The [`crate::event::clock_shape`] of the first absolute timestamp (`stats.first_time`).
    first_shape: Option<bool>,
    /// Start of a call waiting for the rest of its line: (line number, text, lines waited).
    pending: Option<(u64, Vec<u8>, u32)>,
    /// What was read so far.
    pub stats: ParseStats,
}

impl Assembler {
    /// An assembler giving every call as an event (`events`); lines without a pid prefix get
    /// `default_pid`.
    pub fn new(default_pid: Option<Pid>) -> Self {
        Assembler {
            default_pid,
            fast: false,
            last_time: Vec::new(),
            first_shape: None,
            pending: None,
            stats: ParseStats::default(),
        }
    }

    /// An assembler for the analysis: routine successful calls become [`EventKind::Routine`].
    pub fn fast(default_pid: Option<Pid>) -> Self {
        Assembler { fast: true, ..Self::new(default_pid) }
    }

    /// Whether a call waits for the rest of its line (the next line may complete it).
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// The counts so far, with the time span.
    pub fn stats(&self) -> ParseStats {
        let mut s = self.stats.clone();
        if !self.last_time.is_empty() {
            s.last_time = Some(absolute_timestamp(&self.last_time));
        }
        s
    }

    fn note_time(&mut self, text: Option<&[u8]>) {
        if let Some(text) = text {
            let shape = crate::event::clock_shape(text);
            match self.first_shape {
                None => {
                    self.stats.first_time = Some(absolute_timestamp(text));
                    self.first_shape = Some(shape);
                }
                // a `-ttt` stamp in a `-tt` trace (or the reverse) is not a time of this trace
                Some(first) if first != shape => return,
                Some(_) => {}
            }
            self.last_time.clear();
            self.last_time.extend_from_slice(text);
        }
    }

    /// Lines without a pid prefix belong to the `-ff` file's pid (strace's messages to none).
    fn own_pid(&self, record: &mut Record<'_>) {
        match record {
            Record::Event(e) if !matches!(e.kind, EventKind::Strace { .. }) => e.pid = e.pid.or(self.default_pid),
            Record::Event(_) => {}
            Record::Head { pid, .. } | Record::Tail { pid, .. } => *pid = pid.or(self.default_pid),
        }
    }

    /// Feeds a line prepared by [`prepare`] (possibly on another thread); same result as
    /// [`Assembler::push`] on the raw line.
    pub fn push_prepared<'a>(
        &mut self,
        line_no: u64,
        raw: &'a [u8],
        prepared: Prepared<'a>,
        out: &mut Vec<Record<'a>>,
    ) {
        match self.prepared_record(line_no, raw, prepared) {
            Ok(record) => out.extend(record),
            Err(()) => self.push(line_no, raw, out),
        }
    }

    /// [`Assembler::push_prepared`] of a line that gives at most one record, returned instead
    /// of pushed (a record is large: each move through a vector is a copy); `Err` when the line
    /// needs [`Assembler::push`] (a call waits for its continuation, or the line is
    /// [`Prepared::Raw`]), which has not been counted yet.
    pub(crate) fn prepared_record<'a>(
        &mut self,
        line_no: u64,
        raw: &'a [u8],
        prepared: Prepared<'a>,
    ) -> Result<Option<Record<'a>>, ()> {
        if self.pending.is_some() || matches!(prepared, Prepared::Raw) {
            return Err(());
        }
        self.stats.lines += 1;
        self.stats.bytes += raw.len() as u64 + 1;
        let time = |t: Option<(usize, usize)>| t.map(|(a, b)| &raw[a..b]);
        Ok(match prepared {
            Prepared::Routine { pid, time: t } => {
                self.note_time(time(t));
                Some(Record::Event(Event {
                    line: line_no,
                    pid: pid.or(self.default_pid),
                    time: stamp(time(t)),
                    kind: EventKind::Routine,
                }))
            }
            Prepared::Parsed { time: t, mut record } => {
                self.note_time(time(t));
                self.own_pid(&mut record);
                Some(record)
            }
            Prepared::Skip { time: t } => {
                self.note_time(time(t));
                self.stats.skipped += 1;
                None
            }
            Prepared::Raw => None,
        })
    }

    /// [`Assembler::push_marked`] of a line that gives at most one record, returned (see
    /// [`Assembler::prepared_record`]); `Err` when the line needs `push_marked`, not counted yet.
    pub(crate) fn push_one<'a>(
        &mut self,
        line_no: u64,
        raw: &'a [u8],
        escaped: bool,
    ) -> Result<Option<Record<'a>>, ()> {
        if escaped || self.pending.is_some() {
            return Err(());
        }
        let prepared = prepare_plain(line_no, raw, self.fast);
        self.prepared_record(line_no, raw, prepared)
    }

    /// Feeds one physical line (without its newline); records go to `out`.
    pub fn push<'a>(&mut self, line_no: u64, raw: &'a [u8], out: &mut Vec<Record<'a>>) {
        self.push_marked(line_no, raw, memchr::memchr(0x1b, raw).is_some(), out);
    }

    /// [`Assembler::push`] of a line known to hold an ESC byte or not
    /// ([`LineReader::next_marked_line`](super::LineReader::next_marked_line)).
    pub fn push_marked<'a>(&mut self, line_no: u64, raw: &'a [u8], escaped: bool, out: &mut Vec<Record<'a>>) {
        self.stats.lines += 1;
        self.stats.bytes += raw.len() as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if escaped {
            let colorless = strip_color(raw);
            let mut records = Vec::new();
            self.push_line(line_no, &colorless, &mut records);
            out.extend(records.into_iter().map(|r| -> Record<'a> { r.into_owned() }));
        } else {
            self.push_line(line_no, raw, out);
        }
    }

    fn push_line<'a>(&mut self, line_no: u64, line: &'a [u8], out: &mut Vec<Record<'a>>) {
        let prefix = scan_prefix(line);
        self.note_time(prefix.absolute_time());
        if self.fast && self.pending.is_none() && routine(&prefix) {
            out.push(Record::Event(Event {
                line: line_no,
                pid: prefix.pid.or(self.default_pid),
                time: stamp(prefix.absolute_time()),
                kind: EventKind::Routine,
            }));
            return;
        }
        if let Some((start, mut text, waited)) = self.pending.take() {
            // bounded: each glue parses the whole text again
            if is_continuation(line) && waited < GLUE_WINDOW && text.len() + line.len() <= MAX_LINE {
                text.extend_from_slice(line);
                let mut records = Vec::new();
                self.feed(start, &text, waited + 1, &mut records);
                out.extend(records.into_iter().map(|r| -> Record<'a> { r.into_owned() }));
                return;
            }
            let here = parse_physical(line);
            if waited < GLUE_WINDOW {
                // program output or more strace messages between the two halves of a call
                match here.piece {
                    Piece::No(NoRecord::Garbage) => {
                        self.pending = Some((start, text, waited + 1));
                        self.emit_garbage(line_no, line, out);
                        return;
                    }
                    Piece::Kind(kind @ EventKind::Strace { .. }) => {
                        self.pending = Some((start, text, waited + 1));
                        out.push(self.event(line_no, here.pid, here.time, kind));
                        return;
                    }
                    _ => {}
                }
            }
            self.emit_garbage(start, &text, out);
        }
        self.feed_prefixed(line_no, line, prefix, 0, out);
    }

    /// Flushes a call still waiting for its continuation (a cut last line).
    pub fn finish(&mut self, out: &mut Vec<Record<'_>>) {
        if let Some((start, text, _)) = self.pending.take() {
            self.emit_garbage(start, &text, out);
        }
    }

    fn feed<'a>(&mut self, line_no: u64, line: &'a [u8], waited: u32, out: &mut Vec<Record<'a>>) {
        self.feed_prefixed(line_no, line, scan_prefix(line), waited, out);
    }

    fn feed_prefixed<'a>(
        &mut self,
        line_no: u64,
        line: &'a [u8],
        prefix: Prefix<'a>,
        waited: u32,
        out: &mut Vec<Record<'a>>,
    ) {
        let parsed = parse_prefixed(line, prefix).into_record(line_no);
        // a message ends its line, so only a line that does not parse can hold one
        let unparsed = matches!(parsed, Err(NoRecord::Open | NoRecord::Garbage));
        if let Some(pos) = unparsed.then(|| mid_line_message(line)).flatten() {
            out.push(self.event(
                line_no,
                None,
                None,
                EventKind::Strace { message: line[pos..].trim_ascii_end().into() },
            ));
            self.pending = Some((line_no, line[..pos].to_vec(), waited));
            return;
        }
        match parsed {
            Ok(mut record) => {
                self.own_pid(&mut record);
                out.push(record);
            }
            Err(NoRecord::Garbage) => {
                // program text stuck before a pid prefix: `cannot open config[pid 42] openat(...`
                if let Some(pos) = memchr::memmem::find(&line[1.min(line.len())..], b"[pid ").map(|p| p + 1) {
                    let rest = parse_physical(&line[pos..]);
                    if !matches!(rest.piece, Piece::No(NoRecord::Garbage)) {
                        self.emit_garbage(line_no, &line[..pos], out);
                        return self.feed(line_no, &line[pos..], waited, out);
                    }
                }
                self.emit_garbage(line_no, line, out);
            }
            Err(NoRecord::Open) => self.pending = Some((line_no, line.to_vec(), waited)),
            Err(NoRecord::Skip) => self.stats.skipped += 1,
        }
    }

    fn event<'a>(&self, line: u64, pid: Option<Pid>, time: Option<Timestamp<'a>>, kind: EventKind<'a>) -> Record<'a> {
        let mut record = Record::Event(Event { line, pid, time, kind });
        self.own_pid(&mut record);
        record
    }

    fn emit_garbage(&mut self, line_no: u64, text: &[u8], out: &mut Vec<Record<'_>>) {
        if text.trim_ascii_end().is_empty() {
            return;
        }
        self.stats.unparsed += 1;
        out.push(Record::Event(Event {
            line: line_no,
            pid: None,
            time: None,
            kind: EventKind::Unparsed { text: text.into() },
        }));
    }
}

/// What a line gives when parsed on its own, owned so that lines can be prepared in
/// parallel and then fed to the [`Assembler`] in order ([`Assembler::push_prepared`]).
/// `time` is where an absolute timestamp stands in the line.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made and consumed in one batch, never kept
pub enum Prepared<'a> {
    /// A routine successful call (fast path).
    Routine {
        /// The pid prefix, if any.
        pid: Option<Pid>,
        /// Where its timestamp stands.
        time: Option<(usize, usize)>,
    },
    /// A complete event, a head or a tail.
    Parsed {
        /// Where its timestamp stands.
        time: Option<(usize, usize)>,
        /// The line parsed.
        record: Record<'a>,
    },
    /// Blank, frame, dump, table, tip box.
    Skip {
        /// Where its timestamp stands.
        time: Option<(usize, usize)>,
    },
    /// Needs the stateful path: glue, colour, a mid-line message, garbage.
    Raw,
}

/// A routine call's absolute timestamp, borrowed (waits measured to a process's next line
/// need it).
fn stamp(text: Option<&[u8]>) -> Option<Timestamp<'_>> {
    text.map(|t| Timestamp { text: Cow::Borrowed(t), relative: false })
}

/// Prepares one physical line (without its newline) for [`Assembler::push_prepared`].
/// `line_no` goes into the record; `fast` as in [`Assembler::fast`].
pub fn prepare(line_no: u64, raw: &[u8], fast: bool) -> Prepared<'_> {
    if memchr::memchr(0x1b, raw).is_some() {
        return Prepared::Raw;
    }
    prepare_plain(line_no, raw, fast)
}

/// [`prepare`] of a line known to hold an ESC byte or not
/// ([`LineReader::next_span`](super::LineReader::next_span)).
pub fn prepare_marked(line_no: u64, raw: &[u8], escaped: bool, fast: bool) -> Prepared<'_> {
    if escaped {
        return Prepared::Raw;
    }
    prepare_plain(line_no, raw, fast)
}

/// [`prepare`] of a line known to hold no ESC byte.
fn prepare_plain(line_no: u64, raw: &[u8], fast: bool) -> Prepared<'_> {
    let line = raw.strip_suffix(b"\r").unwrap_or(raw);
    let prefix = scan_prefix(line);
    let time = prefix.absolute_time().map(|t| {
        let start = t.as_ptr() as usize - line.as_ptr() as usize;
        (start, start + t.len())
    });
    if fast && routine(&prefix) {
        return Prepared::Routine { pid: prefix.pid, time };
    }
    match parse_prefixed(line, prefix).into_record(line_no) {
        Ok(record) => Prepared::Parsed { time, record },
        Err(NoRecord::Skip) => Prepared::Skip { time },
        Err(NoRecord::Open | NoRecord::Garbage) => Prepared::Raw,
    }
}

//! Events from inputs: line reader (or [`super::pipeline`]) -> assembler -> pairer, pumped to
//! a consumer borrowed from their lines, or pulled one at a time as owned copies.
//!
//! Nothing is retained beyond the calls still waiting for their `resumed` tail, so memory does
//! not grow with the input. The members of a `-ff` set are merged by timestamp, because
//! children inherit cwd and descriptors from their parents (without timestamps they are read
//! one after the other, and the process table is approximate).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io::{self, Read};
use std::time::Instant;

use super::pair::Pairer;
use super::pipeline::{Delivery, Pipeline};
use crate::error::Error;
use crate::event::{Event, EventKind};
use crate::input::live;
use crate::input::{Input, OpenFiles, Source};
use crate::memory;
use crate::parse::{Assembler, LineReader, ParseStats, Record};

/// Lines read between two looks at the clock in [`EventStream::pump_until`].
const CLOCK_STEPS: u32 = 16;

/// How a [`EventStream::pump`] call ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Pumped {
    /// The line budget was used up; more may follow.
    More,
    /// A live source had nothing within its wait.
    Pending,
    End,
}

/// Where lines come from.
enum Feed {
    /// Read and parsed line by line on this thread (boxed: a set's members that hold no reader
    /// keep the enum small).
    Lines(Box<LineReader<Source>>),
    /// Read and prepared on another thread (`--threads` > 1).
    Pipeline(Box<Pipeline>),
    /// A member of a set put aside with no reader (see [`EventStream::park`]): reopened where
    /// its last line began, when its turn comes.
    Parked(Box<Replay>),
    /// A member read to its end (its reader dropped).
    Ended,
}

/// Where a parked member goes on reading; when it is its last line again, its counts after
/// that line (its second reading is not counted twice).
struct Replay {
    offset: u64,
    stats: Option<ParseStats>,
}

/// A member of a set: how to reopen it, and where the line of its last step began (`None`
/// when not known exactly: an overlong line was skipped on the way).
struct Member {
    files: OpenFiles,
    /// Plain text (not gzip): it can be reopened at an offset.
    plain: bool,
    /// The offset of the last line read and the lines before it.
    mark: Option<(u64, u64)>,
    /// The last line read gave one event.
    single: bool,
    /// Bytes, lines and overlong lines read by the readers already dropped.
    offset_before: u64,
    lines_before: u64,
    overlong_before: u64,
}

/// The events of one input stream.
pub struct EventStream {
    feed: Feed,
    asm: Assembler,
    pairer: Pairer,
    /// An allocation reused from line to line (always empty between calls).
    records: Vec<Record<'static>>,
    /// Events handed out one at a time by [`EventStream::next_event`].
    ready: VecDeque<Event<'static>>,
    /// Lines read so far, and those skipped as overlong.
    lines: u64,
    overlong: u64,
    done: bool,
    pub input: Input,
    /// Set for the members of a set read through [`OpenFiles`].
    member: Option<Box<Member>>,
    /// Members of the set not read (on the first member only; see [`MergedStream::open`]).
    unread: u64,
}

/// An empty vector with `v`'s allocation, for items that borrow from another line.
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    // same size and alignment: collected in place, no allocation
    v.into_iter().map(|_| unreachable!()).collect()
}

impl EventStream {
    /// `fast`: routine successful calls are only counted (for the analysis, not `events`);
    /// `threads` > 1: read and parse on another thread (`threads - 1` parsers) while the
    /// events are consumed.
    pub fn open(input: &Input, fast: bool, threads: usize) -> Result<Self, Error> {
        let reader = LineReader::new(Source::Plain(input.open()?));
        let feed = match threads {
            0 | 1 => Feed::Lines(Box::new(reader)),
            n => Feed::Pipeline(Box::new(Pipeline::start(reader, fast, n - 1))),
        };
        Ok(Self::new(input, feed, fast))
    }

    /// Reads `reader` on this thread, as the input named `input`.
    pub fn from_reader(input: &Input, reader: Box<dyn std::io::BufRead + Send>, fast: bool) -> Self {
        Self::new(input, Feed::Lines(Box::new(LineReader::new(Source::Plain(reader)))), fast)
    }

    /// Calls begun and not yet resumed (see [`Pairer::open_calls`]).
    pub fn open_calls(&self) -> Vec<Event<'static>> {
        self.pairer.open_calls()
    }

    /// Reads `source` on a thread (see [`crate::input::live`]); `save` gets a raw copy.
    pub fn live(input: &Input, source: Box<dyn Read + Send>, save: Option<std::fs::File>) -> Self {
        Self::new(input, Feed::Lines(Box::new(LineReader::new(Source::Live(live::spawn(source, save))))), true)
    }

    fn new(input: &Input, feed: Feed, fast: bool) -> Self {
        EventStream {
            feed,
            asm: if fast { Assembler::fast(input.pid) } else { Assembler::new(input.pid) },
            pairer: Pairer::new().routine(fast),
            records: Vec::new(),
            ready: VecDeque::new(),
            lines: 0,
            overlong: 0,
            done: false,
            input: input.clone(),
            member: None,
            unread: 0,
        }
    }

    /// A member of a set, read through `files` and reopened at an offset after
    /// [`EventStream::park`]; its waiting calls take at most `pending` bytes.
    fn member(input: &Input, files: &OpenFiles, fast: bool, pending: usize) -> Result<Self, Error> {
        let (reader, plain) = input.open_shared(files, 0)?;
        let reader = LineReader::with_read_size(Source::Plain(reader), crate::input::SHARED_READ);
        let mut s = Self::new(input, Feed::Lines(Box::new(reader)), fast);
        s.pairer = Pairer::with_budget(pending).routine(fast);
        s.member = Some(Box::new(Member {
            files: files.clone(),
            plain,
            mark: None,
            single: false,
            offset_before: 0,
            lines_before: 0,
            overlong_before: 0,
        }));
        Ok(s)
    }

    /// Drops the reader of a member whose last event was just handed out and left nothing
    /// behind (no other event of its line, no call waiting for a tail or for the rest of its
    /// line): its line is read again, from the file, when [`EventStream::next_event`] is next
    /// called. Returns whether it was parked.
    fn park(&mut self) -> bool {
        let Some(m) = self.member.as_deref_mut() else { return false };
        let Some((offset, lines)) = m.mark else { return false };
        if !m.plain
            || !m.single
            || self.done
            || !self.ready.is_empty()
            || self.asm.is_waiting()
            || !self.pairer.is_empty()
        {
            return false;
        }
        if !matches!(self.feed, Feed::Lines(_)) {
            return false;
        }
        (m.offset_before, m.lines_before, m.overlong_before) = (offset, lines, self.overlong);
        self.feed = Feed::Parked(Box::new(Replay { offset, stats: Some(self.asm.stats.clone()) }));
        // a parked member keeps no allocation it can do without
        (self.ready, self.records) = (VecDeque::new(), Vec::new());
        true
    }

    /// Drops the reader of a member (not its events or calls waiting): it is reopened where
    /// it stopped when [`EventStream::next_event`] needs its next line. Returns whether it was
    /// dropped.
    fn park_reader(&mut self) -> bool {
        let Some(m) = self.member.as_deref_mut() else { return false };
        let Feed::Lines(reader) = &self.feed else { return false };
        if !m.plain || self.done {
            return false;
        }
        let offset = m.offset_before + reader.consumed();
        (m.offset_before, m.lines_before, m.overlong_before, m.mark) = (offset, self.lines, self.overlong, None);
        self.feed = Feed::Parked(Box::new(Replay { offset, stats: None }));
        self.records = Vec::new();
        true
    }

    /// Whether the stream holds a reader (and its buffers).
    fn reading(&self) -> bool {
        matches!(self.feed, Feed::Lines(_) | Feed::Pipeline(_))
    }

    /// A parked member's reader, back where it stopped (at the start of its last line when
    /// that line is read again: its counts after it are returned).
    fn unpark(&mut self) -> Result<Option<ParseStats>, Error> {
        let Feed::Parked(replay) = &mut self.feed else { return Ok(None) };
        let Some(m) = self.member.as_deref() else { return Ok(None) };
        let (reader, _) = self.input.open_shared(&m.files, replay.offset)?;
        let stats = replay.stats.take();
        // most often parked again after one more line: a small first buffer (it grows for long lines)
        self.feed = Feed::Lines(Box::new(LineReader::with_read_size(Source::Plain(reader), REREAD)));
        Ok(stats)
    }

    /// A `--save` write error, once.
    pub fn take_save_error(&mut self) -> Option<io::Error> {
        match &mut self.feed {
            Feed::Lines(r) => match r.get_mut() {
                Source::Live(l) => l.save_error.take(),
                Source::Plain(_) => None,
            },
            Feed::Pipeline(_) | Feed::Parked(_) | Feed::Ended => None,
        }
    }

    /// The next event, or `None` at the end of the input. Each event is copied out of its
    /// line; [`EventStream::pump`] avoids that.
    pub fn next_event(&mut self) -> Result<Option<Event<'static>>, Error> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(Some(e));
            }
            if self.done {
                return Ok(None);
            }
            // a parked member reads its last line again: counted once
            let replayed = self.unpark()?;
            let mut ready = std::mem::take(&mut self.ready);
            let step = self.step(&mut |e| ready.push_back(e.into_owned()));
            self.ready = ready;
            if let Some(stats) = replayed {
                self.asm.stats = stats;
            }
            if let Some(m) = self.member.as_deref_mut() {
                m.single = self.ready.len() == 1;
            }
            match &mut self.feed {
                // an ended member keeps no buffers (a set may have 100,000)
                Feed::Lines(_) if self.done && self.member.is_some() => self.feed = Feed::Ended,
                Feed::Lines(reader) => reader.shrink(), // the events are copies: no line is held
                _ => {}
            }
            step?;
        }
    }

    /// Hands the events of about `budget` more lines to `f`, in order, borrowed from their
    /// lines (nothing is copied).
    pub fn pump(&mut self, budget: u64, f: &mut dyn FnMut(&Event<'_>)) -> Result<Pumped, Error> {
        self.pump_until(budget, None, f)
    }

    /// [`Self::pump`], returning `More` once `deadline` has passed too (a live source is
    /// checked for Ctrl-C by time: its lines may be long, or come slowly).
    pub fn pump_until(
        &mut self,
        budget: u64,
        deadline: Option<Instant>,
        f: &mut dyn FnMut(&Event<'_>),
    ) -> Result<Pumped, Error> {
        while let Some(e) = self.ready.pop_front() {
            f(&e);
        }
        let until = self.lines.saturating_add(budget);
        let mut steps = 0u32;
        while !self.done && self.lines < until {
            steps = steps.wrapping_add(1);
            if steps.is_multiple_of(CLOCK_STEPS) && deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(Pumped::More);
            }
            match self.step(&mut |e| f(&e)) {
                Err(Error::Input { source, .. }) if source.kind() == io::ErrorKind::TimedOut => {
                    return Ok(Pumped::Pending)
                }
                r => r?,
            }
        }
        Ok(if self.done { Pumped::End } else { Pumped::More })
    }

    /// Reads one line (one batch from a pipeline) and hands what it completes to `emit`.
    fn step(&mut self, emit: &mut dyn FnMut(Event<'_>)) -> Result<(), Error> {
        let reader = match &mut self.feed {
            Feed::Lines(reader) => reader,
            // only `next_event` reads members, and it unparks them first
            Feed::Parked(_) => return Ok(()),
            Feed::Ended => {
                self.done = true;
                return Ok(());
            }
            Feed::Pipeline(p) => {
                let Some(d) = p.next() else {
                    // the producer ends after its last delivery: this is a panic there
                    self.done = true;
                    pair_records(&mut self.asm, &mut self.pairer, true, &mut Vec::new(), emit);
                    return Err(self.input.io_error(io::Error::other("the reading thread failed")));
                };
                let Delivery { mut batch, overlong, last, error } = d;
                let (asm, pairer, lines) = (&mut self.asm, &mut self.pairer, &mut self.lines);
                batch.with_dependent_mut(|_, prepared| {
                    let mut records = Vec::new();
                    for (n, raw, p) in prepared.drain(..) {
                        *lines = n;
                        match asm.prepared_record(n, raw, p) {
                            Ok(Some(record)) => pairer.push_with(record, emit),
                            Ok(None) => {}
                            Err(()) => {
                                asm.push(n, raw, &mut records);
                                pair_records(asm, pairer, false, &mut records, emit);
                            }
                        }
                    }
                });
                p.recycle(batch);
                self.overlong = overlong;
                if last {
                    self.done = true;
                    pair_records(&mut self.asm, &mut self.pairer, true, &mut Vec::new(), emit);
                }
                return error.map_or(Ok(()), |e| Err(self.input.io_error(e)));
            }
        };
        let mut records = recycle(std::mem::take(&mut self.records));
        let mut error = None;
        let (offset_before, lines_before, overlong_before) =
            self.member.as_deref().map_or((0, 0, 0), |m| (m.offset_before, m.lines_before, m.overlong_before));
        let at = (reader.consumed(), reader.overlong);
        let mut read = None;
        match reader.next_marked_line() {
            Ok(Some((n, line, escaped))) => {
                read = Some(n);
                match self.asm.push_one(lines_before + n, line, escaped) {
                    // most lines: one record, handed on without a detour through `records`
                    Ok(Some(record)) => self.pairer.push_with(record, emit),
                    Ok(None) => {}
                    Err(()) => self.asm.push_marked(lines_before + n, line, escaped, &mut records),
                }
            }
            Ok(None) => self.done = true,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(self.input.io_error(e)),
            Err(e) => {
                self.done = true;
                error = Some(e);
            }
        }
        pair_records(&mut self.asm, &mut self.pairer, self.done, &mut records, emit);
        self.records = recycle(records);
        (self.lines, self.overlong) = (lines_before + reader.lines(), overlong_before + reader.overlong);
        if let (Some(m), Some(n)) = (self.member.as_deref_mut(), read) {
            // where this line began, unless overlong lines were skipped before it
            m.mark = (reader.overlong == at.1).then_some((offset_before + at.0, lines_before + n - 1));
        }
        error.map_or(Ok(()), |e| Err(self.input.io_error(e)))
    }

    pub fn stats(&self) -> ParseStats {
        let mut s = self.asm.stats();
        s.overlong += self.overlong;
        s.lines += self.overlong;
        s.unfinished_dropped = self.pairer.dropped;
        s.files_unread = self.unread;
        s
    }
}

/// Pairs what the assembler produced and hands the events to `emit`; at the end (`done`),
/// flushes both.
fn pair_records<'a>(
    asm: &mut Assembler,
    pairer: &mut Pairer,
    done: bool,
    records: &mut Vec<Record<'a>>,
    emit: &mut dyn FnMut(Event<'_>),
) {
    if done {
        asm.finish(records);
    }
    for r in records.drain(..) {
        pairer.push_with(r, &mut |e| emit(e));
    }
    if done {
        pairer.finish_with(emit);
    }
}

/// A time as a heap key: ordered by `f64::total_cmp`, ties by stream index (file order).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64, usize);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// A member's next event: held, or read again from its file when its turn comes.
enum Head {
    /// With the bytes counted for it (and for its reader) in [`MergedStream::held`].
    Held(Event<'static>, usize),
    Parked,
}

/// The part of a set's budget for the readers and next events of the members held open
/// (1/8); past it, members are parked. The rest is what every member keeps: past that,
/// members are not read.
const HELD_PART: usize = 8;
/// A member's reader: its line buffer (twice [`crate::input::SHARED_READ`]),
/// a gzip decoder's window and state counted as more.
const READER: usize = 2 * crate::input::SHARED_READ + memory::ENTRY;
/// A next event this small is held while its member's reader is dropped; a larger one is
/// read again from the file.
const SMALL_HEAD: usize = 4 << 10;
/// Bytes a parked member reads at a time once reopened.
const REREAD: usize = 512;
const GZIP_READER: usize = 64 << 10;
/// The least budget of `<unfinished ...>` calls of one member (the set's budget is shared).
const MEMBER_PENDING: usize = 4 << 10;

/// The bytes a member keeps while parked: its stream, its name (here and in the caller's
/// list of names), its head and key.
fn member_bytes(input: &Input) -> usize {
    let name = input.path.as_ref().map_or(0, |p| p.as_os_str().len());
    std::mem::size_of::<EventStream>()
        + std::mem::size_of::<Member>()
        + std::mem::size_of::<Option<Head>>()
        + 2 * name
        + 4 * memory::ENTRY
}

/// An estimate of the bytes an event holds.
fn event_bytes(e: &Event<'_>) -> usize {
    let time = e.time.as_ref().map_or(0, |t| t.text.len());
    let inner = match &e.kind {
        // the path and descriptor decorations are taken from the arguments: at most as long
        EventKind::Syscall(sc) => std::mem::size_of_val(&**sc) + sc.name.len() + 3 * sc.args.len(),
        EventKind::Signal { signal, info } => signal.len() + info.len(),
        EventKind::Killed { signal, .. } => signal.len(),
        EventKind::Strace { message } => message.len(),
        EventKind::Unparsed { text } => text.len(),
        EventKind::Exit { .. } | EventKind::Routine => 0,
    };
    std::mem::size_of::<Event<'static>>() + time + inner + 2 * memory::ENTRY
}

/// Merges the streams of one `-ff` set by timestamp (stable: ties keep file order), through a
/// heap of each stream's next event keyed by its parsed time: log(files) per event. Without
/// absolute timestamps in every first event, the streams are read one after the other.
///
/// One budget ([`memory::INPUTS`]) covers the whole set: what each member keeps, and the
/// readers and next events of those held open. Past it a member is parked (its reader and
/// next event dropped, its next line read again from its file when its turn comes), and
/// members past what the set may keep are not read at all (counted, said in the report).
pub struct MergedStream {
    streams: Vec<EventStream>,
    heads: Vec<Option<Head>>,
    /// The streams with a head, by the time of their head (timed sets).
    heap: BinaryHeap<Reverse<Key>>,
    /// A stream whose head comes before every head in the heap (a process's next line came
    /// before any other's): taken next without going through the heap.
    current: Option<usize>,
    /// The last time seen per stream: an event without one sorts right after it.
    last: Vec<f64>,
    timed: bool,
    /// Untimed sets: the stream being read.
    cursor: usize,
    /// Bytes of the held heads and their readers, and their budget.
    held: usize,
    held_max: usize,
    /// Heads parked so far.
    parked: u64,
    pending_error: Option<Error>,
}

impl MergedStream {
    /// Opens the inputs of one group (read line by line; a set may have thousands of files,
    /// which share a bounded number of open descriptors) and reads each one's first event;
    /// inputs that cannot be opened or read go to `errors`.
    pub fn open(group: &[&Input], fast: bool, errors: &mut Vec<Error>) -> Self {
        Self::open_within(group, fast, errors, memory::INPUTS)
    }

    /// [`MergedStream::open`] within `budget` bytes.
    fn open_within(group: &[&Input], fast: bool, errors: &mut Vec<Error>, budget: usize) -> Self {
        let held_max = budget / HELD_PART;
        let files = OpenFiles::new();
        let pending = (memory::PENDING / group.len().max(1)).max(MEMBER_PENDING);
        let mut m = MergedStream {
            streams: Vec::new(),
            heads: Vec::new(),
            heap: BinaryHeap::new(),
            current: None,
            last: Vec::new(),
            timed: true,
            cursor: 0,
            held: 0,
            held_max,
            parked: 0,
            pending_error: None,
        };
        let (mut kept, mut unread) = (0, group.iter().map(|i| i.unlisted).sum::<u64>());
        for input in group {
            let bytes = member_bytes(input);
            if kept + bytes > budget - held_max {
                unread += 1;
                continue;
            }
            let stream = match EventStream::member(input, &files, fast, pending) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            // a gzip member keeps its decoder to its end
            let bytes = if stream.member.as_deref().is_some_and(|m| m.plain) { bytes } else { bytes + GZIP_READER };
            if kept + bytes > budget - held_max {
                unread += 1;
                continue;
            }
            kept += bytes;
            let i = m.streams.len();
            m.streams.push(stream);
            m.heads.push(None);
            m.last.push(f64::NEG_INFINITY);
            match m.streams[i].next_event() {
                Ok(Some(e)) => {
                    m.timed &= e.time.as_ref().is_some_and(|t| !t.relative);
                    m.set_head(i, e);
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if m.timed {
            for i in 0..m.streams.len() {
                if m.heads[i].is_some() {
                    m.heap.push(Reverse(Key(m.last[i], i)));
                }
            }
        }
        if let Some(first) = m.streams.first_mut() {
            first.unread = unread;
        }
        m
    }

    /// The display name of each stream, by index.
    pub fn names(&self) -> Vec<String> {
        self.streams.iter().map(|s| s.input.name()).collect()
    }

    /// Makes `e` stream `i`'s head: held, or parked when the held ones are at their budget.
    fn set_head(&mut self, i: usize, e: Event<'static>) {
        if let Some(t) = e.time.as_ref().filter(|t| !t.relative) {
            self.last[i] = t.secs();
        }
        let s = &mut self.streams[i];
        // a gzip member's decoder is counted in what it keeps
        let reader = if s.reading() && s.member.as_deref().is_some_and(|m| m.plain) { READER } else { 0 };
        let event = event_bytes(&e);
        let room = self.held_max.saturating_sub(self.held);
        // an untimed set reads its members one after the other: the one being read keeps its reader
        let current = !self.timed && i == self.cursor;
        let bytes = if event + reader <= room || current {
            event + reader
        } else if event <= room.min(SMALL_HEAD) && s.park_reader() {
            // a small event is kept, its reader reopened where it stopped
            event
        } else if s.park() {
            self.parked += 1;
            self.heads[i] = Some(Head::Parked);
            return;
        } else {
            event + reader
        };
        self.held += bytes;
        self.heads[i] = Some(Head::Held(e, bytes));
    }

    /// Stream `i`'s head, read again if it was parked.
    fn take_head(&mut self, i: usize) -> Result<Option<Event<'static>>, Error> {
        match self.heads[i].take() {
            None => Ok(None),
            Some(Head::Held(e, bytes)) => {
                self.held -= bytes;
                Ok(Some(e))
            }
            Some(Head::Parked) => self.streams[i].next_event(),
        }
    }

    /// The next event and the index of the stream it came from. Errors name their input; the
    /// failing stream is then treated as ended.
    pub fn next_event(&mut self) -> Result<Option<(usize, Event<'static>)>, Error> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        let pick = if self.timed {
            self.current.take().or_else(|| self.heap.pop().map(|Reverse(Key(_, i))| i))
        } else {
            while self.cursor < self.heads.len() && self.heads[self.cursor].is_none() {
                self.cursor += 1;
            }
            (self.cursor < self.heads.len()).then_some(self.cursor)
        };
        let Some(i) = pick else { return Ok(None) };
        // a parked head that cannot be read again ends its stream
        let Some(event) = self.take_head(i)? else {
            // the file was cut since its line was read: the stream has ended
            return self.next_event();
        };
        match self.streams[i].next_event() {
            Ok(Some(next)) => {
                self.set_head(i, next);
                if self.timed {
                    // what the heap would give next anyway: pushed and popped for nothing
                    let key = Key(self.last[i], i);
                    if self.heap.peek().is_none_or(|Reverse(top)| key < *top) {
                        self.current = Some(i);
                    } else {
                        self.heap.push(Reverse(key));
                    }
                }
            }
            Ok(None) => {}
            Err(e) => {
                // hand out the event we have; the error follows on the next call
                self.pending_error = Some(e);
            }
        }
        Ok(Some((i, event)))
    }

    pub fn streams(&self) -> &[EventStream] {
        &self.streams
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of `m`, each as (stream, pid, line, time, kind), checking after each that
    /// the held heads stay within their budget.
    fn drain(m: &mut MergedStream) -> Vec<String> {
        let mut out = Vec::new();
        while let Some((i, e)) = m.next_event().unwrap() {
            // the member an untimed set is reading may hold its reader past the budget
            let current = if m.timed { 0 } else { READER + SMALL_HEAD };
            assert!(m.held <= m.held_max + current, "{} bytes held, {} allowed", m.held, m.held_max);
            out.push(format!("{i} {:?} {} {:?} {:?}", e.pid, e.line, e.time, e.kind));
        }
        out
    }

    #[test]
    fn issue22_item2_one_budget_for_all_members_of_a_set() {
        let dir = tempfile::tempdir().unwrap();
        let data = "x".repeat(20_000);
        for pid in 1..=40 {
            let text = format!(
                "10:00:00.{pid:06} write(1, \"{data}\", 20000) = 20000\n\n\
                 10:00:01.{pid:06} openat(AT_FDCWD, \"/srv/{pid}\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
                 10:00:02.{pid:06} +++ exited with 0 +++\n"
            );
            std::fs::write(dir.path().join(format!("t.{pid}")), text).unwrap();
        }
        let inputs = crate::input::expand(&[dir.path().join("t").display().to_string()]);
        let group: Vec<&Input> = inputs.iter().collect();
        // room for 30 members: their heads of 20 KB are parked past a few KB
        let kept: usize = group[..30].iter().map(|i| member_bytes(i)).sum();
        let budget = kept * HELD_PART / (HELD_PART - 1) + HELD_PART;
        let mut errors = Vec::new();
        let mut small = MergedStream::open_within(&group, true, &mut errors, budget);
        let got = drain(&mut small);
        let mut whole = MergedStream::open_within(&group[..30], true, &mut errors, usize::MAX / 2);
        let want = drain(&mut whole);
        assert!(errors.is_empty());
        assert_eq!((small.streams.len(), small.streams[0].stats().files_unread), (30, 10));
        assert_eq!(whole.parked, 0);
        // every 20 KB head was parked (larger than what may be held) and read again; the
        // small ones were held while their readers were dropped
        assert!(small.parked >= 30, "{} parked", small.parked);
        assert_eq!(got, want);
        assert_eq!(got.len(), 30 * 3);
        // the lines read again are counted once
        let stats = |m: &MergedStream| {
            m.streams.iter().map(|s| ParseStats { files_unread: 0, ..s.stats() }).collect::<Vec<_>>()
        };
        assert_eq!(stats(&small), stats(&whole));
    }

    /// Untimed sets are read one member after the other (the one being read keeps its
    /// reader); a gzip member counts its decoder in what the set keeps.
    #[test]
    fn issue22_item2_untimed_and_gzip_members_within_the_budget() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        for pid in 1..=6 {
            let text: String =
                (0..50).map(|k| format!("openat(AT_FDCWD, \"/srv/{pid}/{k}\", O_RDONLY) = 3\n")).collect();
            std::fs::write(dir.path().join(format!("t.{pid}")), text).unwrap();
        }
        let inputs = crate::input::expand(&[dir.path().join("t").display().to_string()]);
        let group: Vec<&Input> = inputs.iter().collect();
        let kept: usize = group.iter().map(|i| member_bytes(i)).sum();
        let mut errors = Vec::new();
        let mut small = MergedStream::open_within(&group, true, &mut errors, kept * HELD_PART / (HELD_PART - 1) + 64);
        let mut whole = MergedStream::open_within(&group, true, &mut errors, usize::MAX / 2);
        assert!(!small.timed && small.streams[0].stats().files_unread == 0);
        assert_eq!(drain(&mut small), drain(&mut whole));
        // each member was parked at most once, at its first event, while another was read
        assert!(small.parked <= 6, "{}", small.parked);

        let gz = tempfile::tempdir().unwrap();
        for pid in 1..=3 {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(format!("10:00:0{pid}.000000 getpid() = {pid}\n").as_bytes()).unwrap();
            std::fs::write(gz.path().join(format!("t.{pid}")), e.finish().unwrap()).unwrap();
        }
        let inputs = crate::input::expand(&[gz.path().join("t").display().to_string()]);
        let group: Vec<&Input> = inputs.iter().collect();
        let two = member_bytes(group[0]) + member_bytes(group[1]) + 2 * GZIP_READER;
        let mut m = MergedStream::open_within(&group, true, &mut errors, two * HELD_PART / (HELD_PART - 1) + 64);
        assert_eq!((m.streams.len(), m.streams[0].stats().files_unread), (2, 1));
        assert_eq!(drain(&mut m).len(), 2);
        assert!(errors.is_empty());
    }

    /// issue 22 item 2: the members a set's listing left out are counted as unread.
    #[test]
    fn issue22_item2_members_left_out_of_the_listing_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        for pid in 1..=5 {
            std::fs::write(dir.path().join(format!("t.{pid}")), format!("10:00:0{pid}.000000 getpid() = {pid}\n"))
                .unwrap();
        }
        let inputs = crate::input::expand_within(&[dir.path().join("t").display().to_string()], 3);
        let group: Vec<&Input> = inputs.iter().collect();
        let mut errors = Vec::new();
        let mut m = MergedStream::open(&group, true, &mut errors);
        assert_eq!((m.streams.len(), m.streams[0].stats().files_unread), (3, 2));
        assert_eq!(drain(&mut m).len(), 3);
    }
}

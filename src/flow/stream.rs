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
use crate::event::Event;
use crate::input::live;
use crate::input::{Input, OpenFiles, Source};
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
    /// Read and parsed line by line on this thread.
    Lines(LineReader<Source>),
    /// Read and prepared on another thread (`--threads` > 1).
    Pipeline(Pipeline),
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
            0 | 1 => Feed::Lines(reader),
            n => Feed::Pipeline(Pipeline::start(reader, fast, n - 1)),
        };
        Ok(Self::new(input, feed, fast))
    }

    /// Reads `reader` on this thread, as the input named `input`.
    pub fn from_reader(input: &Input, reader: Box<dyn std::io::BufRead + Send>, fast: bool) -> Self {
        Self::new(input, Feed::Lines(LineReader::new(Source::Plain(reader))), fast)
    }

    /// Calls begun and not yet resumed (see [`Pairer::open_calls`]).
    pub fn open_calls(&self) -> Vec<Event<'static>> {
        self.pairer.open_calls()
    }

    /// Reads `source` on a thread (see [`crate::input::live`]); `save` gets a raw copy.
    pub fn live(input: &Input, source: Box<dyn Read + Send>, save: Option<std::fs::File>) -> Self {
        Self::new(input, Feed::Lines(LineReader::new(Source::Live(live::spawn(source, save)))), true)
    }

    fn new(input: &Input, feed: Feed, fast: bool) -> Self {
        EventStream {
            feed,
            asm: if fast { Assembler::fast(input.pid) } else { Assembler::new(input.pid) },
            pairer: Pairer::new(),
            records: Vec::new(),
            ready: VecDeque::new(),
            lines: 0,
            overlong: 0,
            done: false,
            input: input.clone(),
        }
    }

    /// A `--save` write error, once.
    pub fn take_save_error(&mut self) -> Option<io::Error> {
        match &mut self.feed {
            Feed::Lines(r) => match r.get_mut() {
                Source::Live(l) => l.save_error.take(),
                Source::Plain(_) => None,
            },
            Feed::Pipeline(_) => None,
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
            let mut ready = std::mem::take(&mut self.ready);
            let step = self.step(&mut |e| ready.push_back(e.into_owned()));
            self.ready = ready;
            if let Feed::Lines(reader) = &mut self.feed {
                reader.shrink(); // the events are copies: no line is held
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
                        asm.push_prepared(n, raw, p, &mut records);
                        pair_records(asm, pairer, false, &mut records, emit);
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
        match reader.next_marked_line() {
            Ok(Some((n, line, escaped))) => self.asm.push_marked(n, line, escaped, &mut records),
            Ok(None) => self.done = true,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(self.input.io_error(e)),
            Err(e) => {
                self.done = true;
                error = Some(e);
            }
        }
        pair_records(&mut self.asm, &mut self.pairer, self.done, &mut records, emit);
        self.records = recycle(records);
        (self.lines, self.overlong) = (reader.lines(), reader.overlong);
        error.map_or(Ok(()), |e| Err(self.input.io_error(e)))
    }

    pub fn stats(&self) -> ParseStats {
        let mut s = self.asm.stats();
        s.overlong += self.overlong;
        s.lines += self.overlong;
        s.unfinished_dropped = self.pairer.dropped;
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

/// Merges the streams of one `-ff` set by timestamp (stable: ties keep file order), through a
/// heap of each stream's next event keyed by its parsed time: log(files) per event. Without
/// absolute timestamps in every first event, the streams are read one after the other.
pub struct MergedStream {
    streams: Vec<EventStream>,
    heads: Vec<Option<Event<'static>>>,
    /// The streams with a head, by the time of their head (timed sets).
    heap: BinaryHeap<Reverse<Key>>,
    /// The last time seen per stream: an event without one sorts right after it.
    last: Vec<f64>,
    timed: bool,
    /// Untimed sets: the stream being read.
    cursor: usize,
    primed: bool,
    pending_error: Option<Error>,
}

impl MergedStream {
    /// Opens the inputs of one group (read line by line; a set may have thousands of files,
    /// which share a bounded number of open descriptors); inputs that cannot be opened go to
    /// `errors`.
    pub fn open(group: &[&Input], fast: bool, errors: &mut Vec<Error>) -> Self {
        let files = OpenFiles::new();
        let mut streams = Vec::new();
        for input in group {
            match input.open_shared(&files) {
                Ok(r) => {
                    let reader = LineReader::with_read_size(Source::Plain(r), crate::input::SHARED_READ);
                    streams.push(EventStream::new(input, Feed::Lines(reader), fast));
                }
                Err(e) => errors.push(e),
            }
        }
        Self::new(streams)
    }

    /// The display name of each stream, by index.
    pub fn names(&self) -> Vec<String> {
        self.streams.iter().map(|s| s.input.name()).collect()
    }

    fn new(streams: Vec<EventStream>) -> Self {
        let n = streams.len();
        MergedStream {
            streams,
            heads: (0..n).map(|_| None).collect(),
            heap: BinaryHeap::with_capacity(n),
            last: vec![f64::NEG_INFINITY; n],
            timed: false,
            cursor: 0,
            primed: false,
            pending_error: None,
        }
    }

    /// The heap key of stream `i`'s head, if it has one.
    fn key(&mut self, i: usize) -> Option<Key> {
        let e = self.heads[i].as_ref()?;
        if let Some(t) = e.time.as_ref().filter(|t| !t.relative) {
            self.last[i] = t.secs();
        }
        Some(Key(self.last[i], i))
    }

    /// The next event and the index of the stream it came from. Errors name their input; the
    /// failing stream is then treated as ended.
    pub fn next_event(&mut self) -> Result<Option<(usize, Event<'static>)>, Error> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        if !self.primed {
            self.primed = true;
            for i in 0..self.streams.len() {
                match self.streams[i].next_event() {
                    Ok(e) => self.heads[i] = e,
                    Err(e) => self.pending_error = Some(e),
                }
            }
            self.timed = self.heads.iter().flatten().all(|e| e.time.as_ref().is_some_and(|t| !t.relative));
            if self.timed {
                for i in 0..self.streams.len() {
                    if let Some(k) = self.key(i) {
                        self.heap.push(Reverse(k));
                    }
                }
            }
            if let Some(e) = self.pending_error.take() {
                return Err(e);
            }
        }
        let pick = if self.timed {
            self.heap.pop().map(|Reverse(Key(_, i))| i)
        } else {
            while self.cursor < self.heads.len() && self.heads[self.cursor].is_none() {
                self.cursor += 1;
            }
            (self.cursor < self.heads.len()).then_some(self.cursor)
        };
        let Some(i) = pick else { return Ok(None) };
        let event = self.heads[i].take();
        let refill = self.streams[i].next_event();
        match refill {
            Ok(next) => {
                self.heads[i] = next;
                if self.timed {
                    if let Some(k) = self.key(i) {
                        self.heap.push(Reverse(k));
                    }
                }
            }
            Err(e) => {
                self.heads[i] = None;
                if let Some(ev) = event {
                    // hand out the event we have; the error follows on the next call
                    self.pending_error = Some(e);
                    return Ok(Some((i, ev)));
                }
                return Err(e);
            }
        }
        Ok(event.map(|e| (i, e)))
    }

    pub fn streams(&self) -> &[EventStream] {
        &self.streams
    }
}

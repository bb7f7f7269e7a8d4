//! Events from inputs, one at a time: line reader -> assembler -> pairer, pulled on demand.
//!
//! Nothing is retained beyond the calls still waiting for their `resumed` tail, so memory does
//! not grow with the input. The members of a `-ff` set are merged by timestamp, because
//! children inherit cwd and descriptors from their parents (without timestamps they are read
//! one after the other, and the process table is approximate).

use std::collections::VecDeque;
use std::io::BufRead;

use crate::error::Error;
use crate::event::Event;
use crate::input::Input;
use crate::pair::Pairer;
use crate::parse::{Assembler, LineReader, ParseStats, Record};

/// The events of one input stream.
pub struct EventStream {
    reader: LineReader<Box<dyn BufRead + Send>>,
    asm: Assembler,
    pairer: Pairer,
    records: Vec<Record>,
    ready: VecDeque<Event>,
    done: bool,
    pub input: Input,
}

impl EventStream {
    pub fn open(input: &Input) -> Result<Self, Error> {
        let reader = LineReader::new(input.open()?);
        Ok(EventStream {
            reader,
            asm: Assembler::new(input.pid),
            pairer: Pairer::new(),
            records: Vec::new(),
            ready: VecDeque::new(),
            done: false,
            input: input.clone(),
        })
    }

    /// The next event, or `None` at the end of the input.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(Some(e));
            }
            if self.done {
                return Ok(None);
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> Result<(), Error> {
        let mut out = Vec::new();
        match self.reader.next_line() {
            Ok(Some((n, line))) => self.asm.push(n, line, &mut self.records),
            Ok(None) => {
                self.asm.finish(&mut self.records);
                self.done = true;
            }
            Err(e) => {
                self.asm.finish(&mut self.records);
                self.done = true;
                for r in self.records.drain(..) {
                    self.pairer.push(r, &mut out);
                }
                self.pairer.finish(&mut out);
                self.ready.extend(out);
                return Err(self.input.io_error(e));
            }
        }
        for r in self.records.drain(..) {
            self.pairer.push(r, &mut out);
        }
        if self.done {
            self.pairer.finish(&mut out);
        }
        self.ready.extend(out);
        Ok(())
    }

    pub fn stats(&self) -> ParseStats {
        let mut s = self.asm.stats.clone();
        s.overlong += self.reader.overlong;
        s.lines += self.reader.overlong;
        s
    }
}

/// Merges the streams of one `-ff` set by timestamp (stable: ties keep file order).
pub struct MergedStream {
    streams: Vec<EventStream>,
    heads: Vec<Option<Event>>,
    primed: bool,
    pending_error: Option<Error>,
}

impl MergedStream {
    pub fn new(streams: Vec<EventStream>) -> Self {
        let n = streams.len();
        MergedStream { streams, heads: (0..n).map(|_| None).collect(), primed: false, pending_error: None }
    }

    /// The next event and the index of the stream it came from. Errors name their input; the
    /// failing stream is then treated as ended.
    pub fn next_event(&mut self) -> Result<Option<(usize, Event)>, Error> {
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
            if let Some(e) = self.pending_error.take() {
                return Err(e);
            }
        }
        let timed = self.heads.iter().flatten().all(|e| e.time.as_ref().is_some_and(|t| !t.relative));
        let pick = if timed {
            let mut best: Option<(usize, f64)> = None;
            for (i, h) in self.heads.iter().enumerate() {
                if let Some(t) = h.as_ref().and_then(|e| e.time.as_ref()) {
                    if best.is_none_or(|(_, b)| t.secs < b) {
                        best = Some((i, t.secs));
                    }
                }
            }
            best.map(|(i, _)| i)
        } else {
            self.heads.iter().position(Option::is_some)
        };
        let Some(i) = pick else { return Ok(None) };
        let event = self.heads[i].take();
        let refill = self.streams[i].next_event();
        match refill {
            Ok(next) => self.heads[i] = next,
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

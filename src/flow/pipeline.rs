//! Reading and parsing on a second thread while the analysis runs on the first.
//!
//! The producer thread owns the line reader: it fills a batch buffer with lines and prepares
//! them ([`crate::parse::prepare`]: prefix, call, arguments), with `--threads` > 2 on a rayon
//! pool. The prepared records borrow the batch's bytes, so a batch travels as one
//! self-referential value. The consumer feeds them, in order, to the assembler, the pairer
//! and the analysis, then hands the buffer back. Two batches in flight bound the memory.

use std::io;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::input::Source;
use crate::parse::{prepare_marked, LineReader, Prepared, Span};

/// Lines per batch: large enough that hand-offs are rare, small enough for memory.
const BATCH_LINES: usize = 4 * 1024;
const BATCH_BYTES: usize = 512 << 10;
/// A batch's block: its lines and the reads that found their ends.
const BLOCK_BYTES: usize = BATCH_BYTES + (128 << 10);
/// Batches read ahead of the analysis.
const AHEAD: usize = 2;

/// One prepared line: its number, its text, what it parsed to.
pub type PreparedLines<'a> = Vec<(u64, &'a [u8], Prepared<'a>)>;

self_cell::self_cell!(
    /// A batch of lines and the records prepared from them (which borrow the lines).
    pub struct Batch {
        owner: Vec<u8>,
        #[covariant]
        dependent: PreparedLines,
    }
);

/// What the producer sends.
pub struct Delivery {
    pub batch: Batch,
    /// Lines skipped as overlong so far.
    pub overlong: u64,
    /// The input ended after this batch (or failed with `error`).
    pub last: bool,
    pub error: Option<io::Error>,
}

pub struct Pipeline {
    full: Receiver<Delivery>,
    free: Sender<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl Pipeline {
    /// Starts reading `reader` on a thread; `parsers` > 1 prepares each batch on a pool.
    pub fn start(mut reader: LineReader<Source>, fast: bool, parsers: usize) -> Pipeline {
        let (full_tx, full) = mpsc::sync_channel(AHEAD);
        let (free, free_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("straceback-read".into())
            .spawn(move || {
                let pool =
                    (parsers > 1).then(|| rayon::ThreadPoolBuilder::new().num_threads(parsers).build().ok()).flatten();
                produce(&mut reader, fast, pool.as_ref(), &full_tx, &free_rx);
            })
            .ok();
        Pipeline { full, free, thread }
    }

    /// The next batch; `None` once the producer is gone.
    pub fn next(&self) -> Option<Delivery> {
        self.full.recv().ok()
    }

    /// Gives a consumed batch's buffer back for reuse.
    pub fn recycle(&self, batch: Batch) {
        let _ = self.free.send(batch.into_owner());
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // unblock a producer waiting to send, then wait for it
        let (_, dead) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.full, dead));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn produce(
    reader: &mut LineReader<Source>,
    fast: bool,
    pool: Option<&rayon::ThreadPool>,
    full: &SyncSender<Delivery>,
    free: &Receiver<Vec<u8>>,
) {
    let mut spans: Vec<(u64, usize, usize, bool)> = Vec::with_capacity(BATCH_LINES);
    loop {
        spans.clear();
        let (mut last, mut error) = (false, None);
        // the lines stay in the reader's block, which becomes the batch's: read once, not copied
        while spans.len() < BATCH_LINES {
            match reader.next_span(true) {
                Ok(Span::Line(n, from, to, escaped)) => {
                    spans.push((n, from, to, escaped));
                    if to >= BATCH_BYTES {
                        break;
                    }
                }
                Ok(Span::Full) => break,
                Ok(Span::End) => {
                    last = true;
                    break;
                }
                Err(e) => {
                    (last, error) = (true, Some(e));
                    break;
                }
            }
        }
        let data = reader.take_block(free.try_recv().unwrap_or_default(), BLOCK_BYTES);
        let batch = Batch::new(data, |data| {
            let one = |&(n, a, b, escaped): &(u64, usize, usize, bool)| {
                (n, &data[a..b], prepare_marked(n, &data[a..b], escaped, fast))
            };
            match pool {
                Some(pool) => pool.install(|| spans.par_iter().map(one).collect()),
                None => spans.iter().map(one).collect(),
            }
        });
        let delivery = Delivery { batch, overlong: reader.overlong, last, error };
        if full.send(delivery).is_err() || last {
            return;
        }
    }
}

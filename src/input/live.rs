//! Reading a live source (a pipe from strace) on its own thread, so the analysis can wake up
//! on a timer: to redraw the status line and to notice Ctrl-C while strace is still writing.
//!
//! Chunks go through a bounded channel (memory stays bounded whatever the producer does), and
//! are tee'd to the `--save` file as they arrive.

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::time::Duration;

const CHUNK: usize = 64 * 1024;
const QUEUE: usize = 16;

enum Msg {
    Data(Vec<u8>),
    Error(io::Error),
    /// Writing the --save copy failed (the analysis goes on without it).
    SaveError(io::Error),
}

/// The consuming end: a `BufRead` whose reads time out with `ErrorKind::TimedOut`.
pub struct LiveReader {
    rx: Receiver<Msg>,
    chunk: Vec<u8>,
    pos: usize,
    eof: bool,
    pub wait: Duration,
    /// A --save write error, reported once.
    pub save_error: Option<io::Error>,
}

/// Starts reading `source` on a thread; `save` receives a copy of every byte.
pub fn spawn(mut source: Box<dyn Read + Send>, mut save: Option<File>) -> LiveReader {
    let (tx, rx) = sync_channel(QUEUE);
    std::thread::spawn(move || loop {
        let mut buf = vec![0u8; CHUNK];
        match source.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                if let Some(f) = save.as_mut() {
                    if let Err(e) = f.write_all(&buf) {
                        save = None;
                        if tx.send(Msg::SaveError(e)).is_err() {
                            return;
                        }
                    }
                }
                if tx.send(Msg::Data(buf)).is_err() {
                    // the report is out while strace still writes (a command that ignored
                    // Ctrl-C): keep its pipe open and drained, or it fails on every write
                    drain(&mut source);
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send(Msg::Error(e));
                return;
            }
        }
    });
    LiveReader { rx, chunk: Vec::new(), pos: 0, eof: false, wait: Duration::from_millis(100), save_error: None }
}

/// Reads `source` to its end, discarding the bytes.
fn drain(source: &mut dyn Read) {
    let _ = io::copy(source, &mut io::sink());
}

impl Read for LiveReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(out.len());
            out[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for LiveReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.chunk.len() && !self.eof {
            match self.rx.recv_timeout(self.wait) {
                Ok(Msg::Data(d)) => {
                    self.chunk = d;
                    self.pos = 0;
                }
                Ok(Msg::Error(e)) => {
                    self.eof = true;
                    return Err(e);
                }
                Ok(Msg::SaveError(e)) => self.save_error = Some(e),
                Err(RecvTimeoutError::Timeout) => return Err(io::ErrorKind::TimedOut.into()),
                Err(RecvTimeoutError::Disconnected) => self.eof = true,
            }
        }
        Ok(&self.chunk[self.pos.min(self.chunk.len())..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_out_then_delivers() {
        let (r, mut w) = std::io::pipe().unwrap();
        let mut live = spawn(Box::new(r), None);
        live.wait = Duration::from_millis(20);
        assert_eq!(live.fill_buf().unwrap_err().kind(), io::ErrorKind::TimedOut);
        w.write_all(b"abc\n").unwrap();
        drop(w);
        let mut s = String::new();
        live.wait = Duration::from_secs(5);
        live.read_to_string(&mut s).unwrap();
        assert_eq!(s, "abc\n");
    }
}

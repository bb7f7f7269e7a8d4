//! Where trace text comes from: stdin, plain files, gzip files (found by their magic bytes), and
//! `strace -ff -o NAME` sets whose files are `NAME.PID`.

mod ff;
pub(crate) mod live;
mod source;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use ff::expand;
pub(crate) use source::Source;

use crate::error::Error;
use crate::event::Pid;

/// The name of stdin in messages and in the `source` of its events.
pub const STDIN_NAME: &str = "-";
/// The name of the trace read from the strace that `run`/`attach` started, unless `--save`
/// keeps it in a file (whose name it then takes).
pub const STRACE_NAME: &str = "strace";

/// Whether the input named `name` can be read again (a file), so that its line numbers mean
/// something; stdin and strace's pipe are gone once read.
pub fn is_kept(name: &str) -> bool {
    name != STDIN_NAME && name != STRACE_NAME
}

/// 128 KiB reads: measured fastest here for large files (1 MiB reads cost more system time).
const READ_BUF: usize = 128 * 1024;
/// Reads of a member of a set read through [`OpenFiles`]: thousands of them are read at once.
pub const SHARED_READ: usize = 4 * 1024;

/// One stream of trace text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// `None` for stdin.
    pub path: Option<PathBuf>,
    /// The pid of unprefixed lines, from a `-ff` file suffix.
    pub pid: Option<Pid>,
    /// Inputs with the same `set` number came from one `-ff` set and are merged by time.
    pub set: Option<usize>,
}

impl Input {
    pub fn stdin() -> Self {
        Input { path: None, pid: None, set: None }
    }

    /// The name shown in messages and in the `source` field of events.
    pub fn name(&self) -> String {
        match &self.path {
            None => STDIN_NAME.to_string(),
            Some(p) => p.display().to_string(),
        }
    }

    pub fn is_stdin(&self) -> bool {
        self.path.is_none()
    }

    /// Opens the stream, decompressing gzip transparently.
    pub fn open(&self) -> Result<Box<dyn BufRead + Send>, Error> {
        let raw: Box<dyn Read + Send> = match &self.path {
            None => Box::new(io::stdin()),
            Some(p) => Box::new(open_file(p)?),
        };
        let reader = BufReader::with_capacity(READ_BUF, raw);
        Ok(gzip(reader, READ_BUF).map_err(|e| self.io_error(e))?.unwrap_or_else(|plain| plain))
    }

    /// [`Input::open`] for one member of a large set, from `offset` on: the file is held
    /// open only while `files` has room, else opened, sought and closed around each read (a
    /// `-ff` set of 10,000 files under `ulimit -n 1024`). Also says whether the file is plain
    /// text (gzip is decompressed from its start: only a plain file is reopened at an offset).
    pub fn open_shared(&self, files: &OpenFiles, offset: u64) -> Result<(Box<dyn BufRead + Send>, bool), Error> {
        let Some(p) = &self.path else { return Ok((self.open()?, false)) };
        drop(open_file(p)?);
        let raw = Reopening { path: p.clone(), file: None, offset, files: files.clone() };
        let reader = BufReader::with_capacity(SHARED_READ, raw);
        if offset > 0 {
            return Ok((Box::new(reader), true));
        }
        match gzip(reader, SHARED_READ).map_err(|e| self.io_error(e))? {
            Ok(gz) => Ok((gz, false)),
            Err(plain) => Ok((plain, true)),
        }
    }

    pub fn io_error(&self, source: io::Error) -> Error {
        Error::Input { name: self.name(), source }
    }
}

/// `reader` decompressed (`Ok`) when it starts with gzip's magic bytes, else as it is (`Err`).
fn gzip<R: BufRead + Send + 'static>(
    mut reader: R,
    size: usize,
) -> io::Result<Result<Box<dyn BufRead + Send>, Box<dyn BufRead + Send>>> {
    if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(reader);
        return Ok(Ok(Box::new(BufReader::with_capacity(size, gz))));
    }
    Ok(Err(Box::new(reader)))
}

/// How many files the members of a set may hold open at once, shared by them: a quarter of
/// the soft RLIMIT_NOFILE, at most 256.
#[derive(Debug, Clone)]
pub struct OpenFiles {
    open: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    max: usize,
}

impl OpenFiles {
    pub fn new() -> Self {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit(2) fills the struct we own.
        let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 { lim.rlim_cur } else { 1024 };
        let max = usize::try_from(soft / 4).unwrap_or(MAX_HELD).clamp(1, MAX_HELD);
        OpenFiles { open: std::sync::Arc::default(), max }
    }

    /// Takes a slot if one is free.
    fn take(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.open.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.max).then_some(n + 1)).is_ok()
    }

    fn give_back(&self) {
        self.open.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Default for OpenFiles {
    fn default() -> Self {
        Self::new()
    }
}

/// Files held open at most by the members of one set.
const MAX_HELD: usize = 256;

/// A file read from its last offset, held open while [`OpenFiles`] has room, else reopened
/// and sought for each read.
struct Reopening {
    path: PathBuf,
    /// Open and counted in `files`.
    file: Option<File>,
    offset: u64,
    files: OpenFiles,
}

impl Read for Reopening {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::io::{Seek, SeekFrom};
        if let Some(f) = &mut self.file {
            let n = f.read(buf)?;
            self.offset += n as u64;
            if n == 0 {
                // at its end: the slot goes to another member
                self.file = None;
                self.files.give_back();
            }
            return Ok(n);
        }
        let mut f = File::open(&self.path)?;
        f.seek(SeekFrom::Start(self.offset))?;
        let n = f.read(buf)?;
        self.offset += n as u64;
        if n > 0 && self.files.take() {
            self.file = Some(f);
        }
        Ok(n)
    }
}

impl Drop for Reopening {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            self.files.give_back();
        }
    }
}

/// Consecutive inputs of one `-ff` set form a group; every other input is a group of its own.
pub fn group_sets(inputs: &[Input]) -> Vec<Vec<&Input>> {
    let mut groups: Vec<Vec<&Input>> = Vec::new();
    for input in inputs {
        match groups.last_mut() {
            Some(g) if input.set.is_some() && g[0].set == input.set => g.push(input),
            _ => groups.push(vec![input]),
        }
    }
    groups
}

/// What a file that is neither regular nor a pipe is (read to its end, a device like
/// /dev/zero never ends); `None` for a regular file or a pipe.
fn endless_kind(t: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_char_device() {
        Some("character device")
    } else if t.is_block_device() {
        Some("block device")
    } else if t.is_socket() {
        Some("socket")
    } else {
        None
    }
}

fn open_file(p: &Path) -> Result<File, Error> {
    let err = |source| Error::Input { name: p.display().to_string(), source };
    let meta = std::fs::metadata(p).map_err(err)?;
    if meta.is_dir() {
        return Err(Error::IsDirectory { name: p.display().to_string() });
    }
    if let Some(kind) = endless_kind(&meta.file_type()) {
        return Err(Error::NotAFile { name: p.display().to_string(), kind });
    }
    File::open(p).map_err(err)
}

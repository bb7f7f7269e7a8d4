//! Where trace text comes from: stdin, plain files, gzip files (found by their magic bytes), and
//! `strace -ff -o NAME` sets whose files are `NAME.PID`.

mod ff;
pub(crate) mod live;
mod source;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

pub use ff::expand;
#[cfg(test)]
pub(crate) use ff::expand_within;
pub(crate) use source::Source;

use crate::error::Error;
use crate::event::Pid;

/// The name of stdin in messages and in the `source` of its events.
pub const STDIN_NAME: &str = "-";
/// The name of the trace read from the strace that `run`/`attach` started, unless `--save`
/// keeps it in a file (whose name it then takes).
pub const STRACE_NAME: &str = "strace";

/// How an input is named in a message: `stdin` for `-`.
pub fn shown_name(name: &str) -> &str {
    if name == STDIN_NAME {
        "stdin"
    } else {
        name
    }
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
    /// On the first input of a set: its members left out of the listing (past
    /// [`crate::memory::SET_FILES`]), counted with those the set's budget leaves unread.
    pub unlisted: u64,
}

impl Input {
    pub fn stdin() -> Self {
        Input { path: None, pid: None, set: None, unlisted: 0 }
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
        use std::io::{Seek, SeekFrom};
        let Some(p) = &self.path else { return Ok((self.open()?, false)) };
        let mut f = open_file(p)?;
        let err = |e| self.io_error(e);
        if offset == 0 && is_gzip(&mut f).map_err(err)? {
            f.seek(SeekFrom::Start(0)).map_err(err)?;
            let raw = Reopening::new(p, f, 0, files);
            let gz = flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(SHARED_READ, raw));
            return Ok((Box::new(BufReader::with_capacity(SHARED_READ, gz)), false));
        }
        f.seek(SeekFrom::Start(offset)).map_err(err)?;
        // the caller's line reader is the only buffer: a parked member drops it all
        Ok((Box::new(BufReader::with_capacity(0, Reopening::new(p, f, offset, files))), true))
    }

    pub fn io_error(&self, source: io::Error) -> Error {
        Error::Input { name: self.name(), source }
    }
}

/// Whether `f` starts with gzip's magic bytes (read from where it is).
fn is_gzip(f: &mut File) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < magic.len() {
        match f.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got == magic.len() && magic == [0x1f, 0x8b])
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
    /// Open at `offset`: counted in `files` (`held`), or just opened, for one read.
    file: Option<File>,
    held: bool,
    offset: u64,
    files: OpenFiles,
}

impl Reopening {
    /// `file` is open at `offset`: kept for its first read, and after it if `files` has room.
    fn new(path: &Path, file: File, offset: u64, files: &OpenFiles) -> Self {
        Reopening { path: path.to_path_buf(), file: Some(file), held: files.take(), offset, files: files.clone() }
    }

    /// Closes the file, giving its slot back.
    fn close(&mut self) {
        if self.file.take().is_some() && std::mem::take(&mut self.held) {
            self.files.give_back();
        }
    }
}

impl Read for Reopening {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::io::{Seek, SeekFrom};
        let f = match &mut self.file {
            Some(f) => f,
            None => {
                let mut f = File::open(&self.path)?;
                f.seek(SeekFrom::Start(self.offset))?;
                self.held = self.files.take();
                self.file.insert(f)
            }
        };
        let n = f.read(buf)?;
        self.offset += n as u64;
        // at its end the slot goes to another member; without a slot, the file is closed
        if n == 0 || !self.held {
            self.close();
        }
        Ok(n)
    }
}

impl Drop for Reopening {
    fn drop(&mut self) {
        self.close();
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

//! Which failures may explain each symptom, recorded as the symptoms happen: the symptom (a
//! crash, a bad exit, an HTTP status, a line of error text), where it happened (process and
//! request window), and its candidate causes, latest first. Which candidate is the cause is
//! decided at the end, once noise is known (`heuristics::blame`).
//!
//! A candidate is a failure of the same process (or of a child whose failed exit it saw),
//! before the symptom, that the process did not recover from, and after which the process
//! changed course soon: programs that cannot do without what failed format and write the
//! error, answer or exit within [`COURSE`] calls; one that made more calls went on with its
//! normal work, and the failure does not explain what came much later.
//!
//! Alike symptoms with the same candidates are one record with a count; the records are
//! bounded ([`MAX_RECORDS`]) and what did not fit is counted.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use smallvec::SmallVec;

use crate::event::Pid;

/// Calls of the same process after a failure within which a symptom can follow from it. A
/// Python traceback reads each frame's source file (about ten calls a frame) before it is
/// written; a web server writes its log line and its answer within a few calls.
pub const COURSE: u64 = 300;
/// A crash a failure explains comes at once: the program used what it did not get (a NULL
/// from `fopen`) within a few calls, with no error handling in between.
pub const CRASH_COURSE: u64 = 8;
/// The latest failures considered for one symptom.
pub const CANDIDATES: usize = 3;
/// Distinct records kept (and processes remembered as succeeded, and parents).
const MAX_RECORDS: usize = 4096;
/// Distinct request paths kept per record (the count goes on), and bytes of each.
const MAX_URLS: usize = 8;
const URL: usize = 256;

/// What the process did that shows something went wrong, most severe first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymptomKind {
    /// Killed by a crash signal (SIGSEGV, SIGABRT, ...).
    Killed(String),
    Exit(i32),
    Http(u16),
    /// A line of error text (to stderr or a log).
    ErrorText,
}

/// Candidate causes, latest first (group ids).
pub type Candidates = SmallVec<[usize; CANDIDATES]>;

/// Symptoms alike, with their candidate causes.
#[derive(Debug, Clone)]
pub struct Blame {
    pub symptom: SymptomKind,
    pub candidates: Candidates,
    /// Where: the process and its request window (a new connection or request starts one).
    pub pid: Pid,
    pub window: u64,
    /// The request paths being served (for the report's status line), at most [`MAX_URLS`].
    pub urls: Vec<Vec<u8>>,
    pub count: u64,
}

#[derive(Debug, Default)]
pub struct Blames {
    pub records: Vec<Blame>,
    index: HashMap<(SymptomKind, Candidates, Pid, u64), usize>,
    /// Symptoms not recorded because the records were full.
    pub overflow: u64,
    /// Processes that exited 0: they reported success, so the text they wrote was no error
    /// and a child's bad exit they went on from was handled (`grep -q`, `test`, a retry).
    pub succeeded: HashSet<Pid>,
    /// The parent of each process whose bad exit was recorded.
    pub parents: HashMap<Pid, Pid>,
}

impl Blames {
    /// `pid` (forked by `parent`) exited with `code`.
    pub fn exited(&mut self, pid: Pid, parent: Option<Pid>, code: i32) {
        if code == 0 && self.succeeded.len() < MAX_RECORDS {
            self.succeeded.insert(pid);
        }
        if let (true, Some(parent)) = (code != 0 && self.parents.len() < MAX_RECORDS, parent) {
            self.parents.insert(pid, parent);
        }
    }

    /// Whether the record is no symptom after all: text of a process that then exited 0, or a
    /// bad exit its parent went on from to exit 0.
    pub fn handled(&self, b: &Blame) -> bool {
        match b.symptom {
            SymptomKind::ErrorText => self.succeeded.contains(&b.pid),
            SymptomKind::Exit(_) => self.parents.get(&b.pid).is_some_and(|p| self.succeeded.contains(p)),
            _ => false,
        }
    }

    /// Records one symptom of `pid` in request window `window`.
    pub fn add(&mut self, symptom: SymptomKind, candidates: Candidates, pid: Pid, window: u64, url: Option<&[u8]>) {
        let key = (symptom, candidates, pid, window);
        let id = match self.index.get(&key) {
            Some(&id) => id,
            None if self.records.len() < MAX_RECORDS => {
                let (symptom, candidates, pid, window) = key.clone();
                self.records.push(Blame { symptom, candidates, pid, window, urls: Vec::new(), count: 0 });
                self.index.insert(key, self.records.len() - 1);
                self.records.len() - 1
            }
            None => {
                self.overflow += 1;
                return;
            }
        };
        let b = &mut self.records[id];
        b.count += 1;
        if let Some(url) = url {
            let url = &url[..url.len().min(URL)];
            if b.urls.len() < MAX_URLS && !b.urls.iter().any(|u| u == url) {
                b.urls.push(url.to_vec());
            }
        }
    }
}

//! Failures grouped by what failed: a resolved path, a socket address, or else syscall+errno.
//!
//! Memory is bounded by the number of distinct groups (capped by `--max-groups`, with an
//! overflow count) and by their bytes ([`memory::GROUPS`], counted apart), never by the
//! number of events. A group's target is kept once: the index holds its hash.

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::BuildHasher;

use crate::errno::{classify, decisiveness, ErrnoClass};
use crate::event::{Pid, Return, Syscall};
use crate::memory;
use crate::text::TraceText;

/// Pids listed per group (the count goes on).
const MAX_PIDS: usize = 64;
/// Distinct errnos, syscalls and HTTP codes counted per group (a real group has a few; the
/// total count goes on).
const MAX_KINDS: usize = 16;
/// Longest errno message kept (strace prints strerror's, some 50 bytes).
const MESSAGE: usize = 256;
/// A group's fixed size as counted: the record, its maps' first nodes, its pid list.
const GROUP: usize = 32 * memory::ENTRY;

/// What a failure group is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// An absolute path, or a relative one whose base was unknown (`absolute == false`).
    Path { path: Vec<u8>, absolute: bool },
    /// `tcp 127.0.0.1:3306`, `unix /run/php/php-fpm.sock`.
    Address { proto: &'static str, addr: String, unix_path: Option<Vec<u8>> },
    /// No path or address: the syscall and errno alone (`ioctl ENOTTY`).
    Call { syscall: String, errno: String },
}

impl Target {
    pub fn display(&self) -> String {
        match self {
            Target::Path { path, .. } => String::from_utf8_lossy(path).into_owned(),
            Target::Address { proto, addr, .. } => format!("{proto} {addr}"),
            Target::Call { syscall, errno } => format!("{syscall} {errno}"),
        }
    }

    /// [`Target::display`] for the report, a path's bytes kept as they are.
    pub fn text(&self) -> TraceText {
        match self {
            Target::Path { path, .. } => path.as_slice().into(),
            _ => self.display().into(),
        }
    }

    /// The filesystem path the group is about (a unix socket's path included).
    pub fn fs_path(&self) -> Option<&[u8]> {
        match self {
            Target::Path { path, absolute: true } => Some(path),
            Target::Address { unix_path: Some(p), .. } => Some(p),
            _ => None,
        }
    }

    /// Bytes it holds.
    fn bytes(&self) -> usize {
        match self {
            Target::Path { path, .. } => path.len(),
            Target::Address { addr, unix_path, .. } => addr.len() + unix_path.as_ref().map_or(0, Vec::len),
            Target::Call { syscall, errno } => syscall.len() + errno.len(),
        }
    }

    /// Its key in the index: an absolute path's is the hash of its bytes alone, so that a
    /// path is looked up without building a target.
    fn key(&self) -> u64 {
        match self {
            Target::Path { path, absolute: true } => path_key(path),
            other => FxBuildHasher.hash_one(other),
        }
    }
}

fn path_key(path: &[u8]) -> u64 {
    FxBuildHasher.hash_one(path)
}

/// Where in the input an event came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub source: String,
    pub line: u64,
    pub time: Option<String>,
}

impl Location {
    fn new(at: &At<'_>) -> Self {
        Location { source: at.source.to_string(), line: at.line, time: at.time.map(str::to_string) }
    }

    /// Moves to `at`, reusing the strings (a group's last place changes with every failure).
    fn set(&mut self, at: &At<'_>) {
        if self.source != at.source {
            self.source = at.source.to_string();
        }
        self.line = at.line;
        match (&mut self.time, at.time) {
            (Some(t), Some(new)) => {
                t.clear();
                t.push_str(new);
            }
            (t, new) => *t = new.map(str::to_string),
        }
    }
}

/// A [`Location`] borrowed from the event it describes.
pub struct At<'a> {
    pub source: &'a str,
    pub line: u64,
    pub time: Option<&'a str>,
}

/// One failure group.
#[derive(Debug, Clone)]
pub struct Failure {
    pub target: Target,
    pub errnos: BTreeMap<String, u64>,
    pub syscalls: BTreeMap<String, u64>,
    pub pids: BTreeSet<Pid>,
    pub count: u64,
    pub first: Location,
    pub last: Location,
    /// The first failing call, rebuilt as `name(args) = -1 ERRNO (message)`.
    pub sample: String,
    /// Each errno's message as strace printed it.
    pub messages: BTreeMap<String, String>,
    /// Set when a creating call, or a success on the same path or basename, came later.
    pub created_later: bool,
    pub succeeded_later: bool,
    pub found_elsewhere: Option<Vec<u8>>,
    /// The path of the HTTP request being served when it first failed, when the failing path
    /// ends with it (a client asked for this file).
    pub requested: Option<Vec<u8>>,
    /// The client's request names this file: the path ends with the request's path, or its
    /// name is the request's last segment (`GET /items/C999` -> `items/C999.json`).
    pub asked_for: bool,
    /// Reactions of the process after this failure (filled by [`super::reactions`]).
    pub reactions: Reactions,
    /// An `EPIPE` on a pipe whose every reader had exited: this process (the last to hold the
    /// read end) ended first, and the failure is a consequence of that.
    pub after_reader: Option<crate::event::Pid>,
    /// Resets and broken pipes on connections whose peer had just been killed by a signal
    /// (`analysis::kills`): the first such kill, and how many of the group's failures followed
    /// one.
    pub after_kill: Option<AfterKill>,
    pub after_kill_count: u64,
    /// A timeout (`ETIMEDOUT`) that ended a wait on this target (`analysis::waits::timeouts`):
    /// a consequence of the wait.
    pub timeout_of: Option<crate::text::TraceText>,
    /// The ignore pattern its path matches, remembered for the ignore set that asked (its id):
    /// reactions ask whether a group is routine many times, a pattern set costs a search.
    pub(crate) ignored: std::cell::Cell<Option<(u32, Option<u32>)>>,
}

/// The kill a reset followed from: its index in `Collected::kills`, the process killed and the
/// signal.
#[derive(Debug, Clone, PartialEq)]
pub struct AfterKill {
    pub kill: usize,
    pub pid: crate::event::Pid,
    pub signal: String,
}

impl Failure {
    /// strace's message for the headline errno.
    pub fn message(&self) -> &str {
        self.messages.get(self.main_errno()).map_or("", String::as_str)
    }

    /// Whether a call of the group replaces the program (`execve`, `execveat`, ...).
    pub fn execs(&self) -> bool {
        self.syscalls.keys().any(|s| crate::syscalls::info(s.as_bytes()).does.has(crate::syscalls::Does::EXEC))
    }

    /// What kind of trouble its headline errno means here: as [`classify`] says, except that a
    /// fork refused with EAGAIN (elsewhere "try again") means the process limit was reached,
    /// and EPIPE on a pipe is its reader gone (a consequence of that process's end), not a
    /// network error.
    pub fn class(&self) -> ErrnoClass {
        use crate::syscalls::{info, Does};
        let errno = self.main_errno();
        let forks = || self.syscalls.keys().any(|s| info(s.as_bytes()).does.has(Does::FORK));
        match &self.target {
            _ if errno == "EAGAIN" && forks() => ErrnoClass::Resource,
            Target::Path { path, .. } if errno == "EPIPE" && path.starts_with(b"pipe:[") => ErrnoClass::Other,
            // reading a descriptor it opened as a file, the program was told a directory where a
            // file belongs: the mirror of ENOTDIR, a wrong path (a program asking whether a path
            // is a directory stats it or opens it with flags, it does not read it)
            Target::Path { .. } if errno == "EISDIR" && self.only_on_descriptors(Does::READ) => ErrnoClass::Missing,
            _ => classify(errno),
        }
    }

    /// Whether every call of the group is a data call of kind `does` (`read`, `write`, ...) on a
    /// descriptor the process already held.
    pub fn only_on_descriptors(&self, does: crate::syscalls::Does) -> bool {
        use crate::syscalls::{info, Does};
        self.syscalls.keys().all(|s| {
            let d = info(s.as_bytes()).does;
            d.has(does) && !d.has(Does::LOOKUP)
        })
    }

    /// The group's headline errno: the most decisive one (see [`decisiveness`]), then the
    /// most frequent.
    pub fn main_errno(&self) -> &str {
        self.errnos.iter().max_by_key(|(e, n)| (decisiveness(e), **n)).map_or("", |(e, _)| e)
    }
}

/// How a text names a failure's target, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Naming {
    /// The file name without its extension, where that is not an ordinary word
    /// (`No module named 'confg_loader'`).
    Stem,
    /// The file name (`wp-login.php`).
    Name,
    /// The path, a suffix of it of two components or more, or the address (`unix:PATH`,
    /// `host:port`).
    Path,
}

/// Error text that names a failure: the line that does (an excerpt), and how it names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub excerpt: String,
    pub by: Naming,
}

/// What a process did right after a failure.
#[derive(Debug, Clone, Default)]
pub struct Reactions {
    /// Error text written to stderr or a log that names this failure's file or address.
    pub named_in_error: Option<Named>,
    /// Error text written to stderr or a log right after the failure, naming no failure the
    /// process had just had.
    pub error_text: Option<String>,
    /// Where that error text says it happened (`in /var/www/index.php on line 5`): a file and
    /// a line (see [`super::naming::location`]).
    pub said_at: Option<(Vec<u8>, u64)>,
    /// HTTP status codes written to a socket right after, with counts.
    pub http: BTreeMap<u16, u64>,
    pub exit_code: Option<i32>,
    pub killed_by: Option<String>,
}

impl Reactions {
    /// An error response, a bad exit, a crash or an error naming it: what makes a failure
    /// matter (and a live suspect).
    pub fn is_failure_reaction(&self) -> bool {
        self.http.keys().any(|c| *c >= 400)
            || self.exit_code.is_some_and(|c| c != 0)
            || self.killed_by.is_some()
            || self.named_in_error.is_some()
    }

    /// The process answered or ended visibly after it: any HTTP response, error text, a bad
    /// exit or a crash.
    pub fn any(&self) -> bool {
        self.is_failure_reaction() || self.error_text.is_some() || !self.http.is_empty()
    }

    /// Counts one HTTP response with `code` (a new code past [`MAX_KINDS`] is not listed).
    pub fn add_http(&mut self, code: u16) {
        let listed = self.http.len();
        match self.http.get_mut(&code) {
            Some(n) => *n += 1,
            None if listed < MAX_KINDS => {
                self.http.insert(code, 1);
            }
            None => {}
        }
    }
}

#[derive(Debug, Default)]
pub struct Failures {
    pub groups: Vec<Failure>,
    /// Groups by [`Target::key`]; a group whose key another group has is in `collided`.
    index: HashMap<u64, usize>,
    collided: HashMap<Target, usize>,
    max_groups: usize,
    /// Failures not kept because `--max-groups` was reached.
    pub overflow: u64,
    /// Failures not kept because the groups were at [`memory::GROUPS`].
    pub over_budget: u64,
    /// Bytes the groups hold, as estimated (see [`memory`]).
    bytes: usize,
}

impl Failures {
    pub fn new(max_groups: usize) -> Self {
        Failures { max_groups, ..Self::default() }
    }

    pub fn find(&self, target: &Target) -> Option<usize> {
        match self.index.get(&target.key()) {
            Some(&id) if self.groups[id].target == *target => Some(id),
            _ if self.collided.is_empty() => None,
            _ => self.collided.get(target).copied(),
        }
    }

    /// The group of an absolute path.
    pub fn find_path(&self, path: &[u8]) -> Option<usize> {
        match self.index.get(&path_key(path)) {
            Some(&id) if matches!(&self.groups[id].target, Target::Path { path: p, absolute: true } if p == path) => {
                Some(id)
            }
            _ if self.collided.is_empty() => None,
            _ => self.collided.get(&Target::Path { path: path.to_vec(), absolute: true }).copied(),
        }
    }

    /// A new group for `target` (not yet counted: see [`Failures::count`]); `None` past
    /// `--max-groups` or the memory cap, each counted.
    pub fn create(&mut self, target: Target, at: &At<'_>, sample: String) -> Option<usize> {
        if self.groups.len() >= self.max_groups {
            self.overflow += 1;
            return None;
        }
        // the target may be quoted by two excerpts too
        let bytes = GROUP + 3 * target.bytes() + sample.len() + 2 * (at.source.len() + at.time.map_or(0, str::len));
        if self.bytes + bytes > memory::GROUPS {
            self.over_budget += 1;
            return None;
        }
        self.bytes += bytes;
        let id = self.groups.len();
        let key = target.key();
        match self.index.entry(key) {
            Entry::Occupied(_) => {
                self.bytes += memory::ENTRY + target.bytes();
                self.collided.insert(target.clone(), id);
            }
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
        }
        self.groups.push(Failure {
            target,
            errnos: BTreeMap::new(),
            syscalls: BTreeMap::new(),
            pids: BTreeSet::new(),
            count: 0,
            first: Location::new(at),
            last: Location::new(at),
            sample,
            messages: BTreeMap::new(),
            created_later: false,
            succeeded_later: false,
            found_elsewhere: None,
            asked_for: false,
            after_reader: None,
            after_kill: None,
            after_kill_count: 0,
            timeout_of: None,
            ignored: std::cell::Cell::new(None),
            requested: None,
            reactions: Reactions::default(),
        });
        Some(id)
    }

    /// Counts one failure of group `id`.
    pub fn count(&mut self, id: usize, syscall: &str, errno: &str, message: &str, pid: Option<Pid>, at: &At<'_>) {
        let g = &mut self.groups[id];
        if count_in(&mut g.errnos, errno) {
            let message = memory::cut(message, MESSAGE);
            self.bytes += 2 * memory::ENTRY + errno.len() + message.len();
            g.messages.insert(errno.to_string(), message);
        }
        if count_in(&mut g.syscalls, syscall) {
            self.bytes += memory::ENTRY + syscall.len();
        }
        if let Some(p) = pid {
            if g.pids.len() < MAX_PIDS {
                g.pids.insert(p);
            }
        }
        g.count += 1;
        g.last.set(at);
    }
}

/// Adds one to `key`'s count, allocating the key only the first time; true that time. A new
/// key past [`MAX_KINDS`] is not counted.
fn count_in(counts: &mut BTreeMap<String, u64>, key: &str) -> bool {
    let listed = counts.len();
    match counts.get_mut(key) {
        Some(n) => {
            *n += 1;
            false
        }
        None if listed < MAX_KINDS => {
            counts.insert(key.to_string(), 1);
            true
        }
        None => false,
    }
}

/// Longest evidence line kept (the call as strace printed it, rebuilt).
const SAMPLE: usize = 600;

/// The call rebuilt as one line, for evidence.
pub(super) fn sample_line(sc: &Syscall) -> String {
    // bytes that are not UTF-8 written `\xNN`, as in every other field (never `�`)
    let args = crate::text::json(&sc.args);
    let ret = match &sc.ret {
        Return::Error { errno, message } if message.is_empty() => format!("-1 {errno}"),
        Return::Error { errno, message } => format!("-1 {errno} ({message})"),
        Return::Value { value, .. } => value.to_string(),
        _ => "?".to_string(),
    };
    let mut s = format!("{}({args}) = {ret}", sc.name);
    if s.len() > SAMPLE {
        let mut cut = SAMPLE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

#[cfg(test)]
impl Failure {
    /// A group of `count` failures of `syscall` on `target` with `errno`, by pid 1, nothing
    /// else known: for the judgement rules' tests.
    pub fn example(target: Target, syscall: &str, errno: &str, count: u64) -> Failure {
        let at = At { source: "t", line: 1, time: None };
        let mut f = Failures::new(1);
        let id = f.create(target, &at, String::new()).unwrap_or_default();
        for _ in 0..count {
            f.count(id, syscall, errno, "", Some(1), &at);
        }
        f.groups.remove(id)
    }

    pub fn path_example(path: &str, errno: &str) -> Failure {
        Failure::example(Target::Path { path: path.as_bytes().to_vec(), absolute: true }, "openat", errno, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_lists_a_bounded_number_of_errnos_and_cuts_long_messages() {
        let at = At { source: "t", line: 1, time: None };
        let mut f = Failures::new(10);
        let id = f.create(Target::Path { path: b"/srv/x".to_vec(), absolute: true }, &at, String::new()).unwrap();
        for i in 0..20 {
            f.count(id, "openat", &format!("E{i}"), &"m".repeat(1000), Some(1), &at);
        }
        let g = &f.groups[id];
        assert_eq!((g.count, g.errnos.len(), g.messages.len()), (20, MAX_KINDS, MAX_KINDS));
        assert!(g.messages.values().all(|m| m == &format!("{}…", "m".repeat(MESSAGE))));
    }

    #[test]
    fn groups_are_found_by_their_whole_target() {
        let at = At { source: "t", line: 1, time: None };
        let mut f = Failures::new(10);
        let path = |p: &str, absolute| Target::Path { path: p.as_bytes().to_vec(), absolute };
        let unix =
            Target::Address { proto: "unix", addr: "/run/x.sock".into(), unix_path: Some(b"/run/x.sock".to_vec()) };
        let a = f.create(path("/run/x.sock", true), &at, String::new());
        let b = f.create(path("/run/x.sock", false), &at, String::new());
        let c = f.create(unix.clone(), &at, String::new());
        assert_eq!([a, b, c], [Some(0), Some(1), Some(2)]);
        assert_eq!(f.find(&path("/run/x.sock", false)), Some(1));
        assert_eq!(f.find(&unix), Some(2));
        assert_eq!(f.find_path(b"/run/x.sock"), Some(0));
        assert_eq!(f.find_path(b"/run/y.sock"), None);
    }
}

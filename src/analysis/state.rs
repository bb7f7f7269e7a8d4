//! Per-process memory of the recent past: the failures a reaction may answer, the files read
//! (where a wrong path may be written), error text still being written. Bounded per process,
//! and in bytes: the analysis forgets processes past [`memory::HISTORY`].

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use super::blame::{Candidates, CANDIDATES};
use crate::event::Pid;
use crate::memory;

/// How many recent failures of a process a reaction is attributed to.
const RECENT: usize = 64;
/// The latest failures of the whole trace kept, for error text that another process (or a
/// thread the trace does not show as one) writes about them.
const LATELY: usize = 32;
/// A reaction more than this many events of the same process after a failure is unrelated.
const REACTION_WINDOW: u64 = 5000;
/// Error text gathered per process before a line is complete.
const ERR_LINE: usize = 4096;
/// A call that blocked this long (seconds) is a wait the process went on to, past its
/// failures before it: a timeout that follows is the wait's, not theirs.
pub const LONG_WAIT: f64 = 1.0;
/// Regular files remembered per process for fix pointers.
const OPENED: usize = 64;

#[derive(Default)]
struct ProcState {
    /// Recent failure groups, with the process's event number when they happened.
    recent: VecDeque<(usize, u64)>,
    seq: u64,
    /// Regular files this process opened, most recent last.
    opened: VecDeque<Vec<u8>>,
    /// The last path it created (an `O_CREAT` open, `mkdir`, ...): a file it made itself.
    created: Vec<u8>,
    /// The command line it runs (from its execve, or its parent's).
    argv: Vec<Vec<u8>>,
    /// The path of the HTTP request it is serving.
    request: Option<Vec<u8>>,
    /// Its request window: a new connection or request starts the next.
    window: u64,
    /// The candidate causes of its last error text, and its event number then: what it
    /// answers or how it exits next follows from the same failures.
    blamed: Option<(Candidates, u64, bool)>,
    /// The process that forked it.
    parent: Option<Pid>,
    /// It is a thread (`CLONE_THREAD`): it ends with its process, whose exit is the symptom.
    thread: bool,
    /// Its event number at its last long wait: failures before it do not explain what
    /// follows (the wait does).
    waited: u64,
    /// Error text written so far without a newline, and the descriptor it was written to.
    err_line: Vec<u8>,
    err_fd: Option<i64>,
    /// What it holds, as counted by [`ProcState::size`].
    bytes: usize,
}

impl ProcState {
    /// Bytes held, as estimated (see [`memory`]): the record, then what its lists hold.
    fn size(&self) -> usize {
        let list = |l: &mut dyn Iterator<Item = &Vec<u8>>| l.map(|p| p.len() + memory::ENTRY / 2).sum::<usize>();
        4 * memory::ENTRY
            + self.recent.len() * 16
            + list(&mut self.opened.iter())
            + self.created.capacity()
            + list(&mut self.argv.iter())
            + self.request.as_ref().map_or(0, Vec::len)
            + self.blamed.as_ref().map_or(0, |_| 32)
            + self.err_line.capacity()
    }
}

#[derive(Default)]
pub(super) struct Processes {
    procs: HashMap<Pid, ProcState>,
    /// The latest failures of every process, latest last: (pid, group).
    lately: VecDeque<(Pid, usize)>,
    /// The sum of their [`ProcState::size`].
    bytes: usize,
}

impl Processes {
    /// One more event of `pid`.
    pub fn tick(&mut self, pid: Pid) {
        match self.procs.get_mut(&pid) {
            Some(st) => st.seq += 1,
            None => {
                self.entry(pid).seq += 1;
            }
        }
    }

    /// The state of `pid`, made (and counted) if new; [`Processes::resize`] counts a change.
    fn entry(&mut self, pid: Pid) -> &mut ProcState {
        let bytes = &mut self.bytes;
        self.procs.entry(pid).or_insert_with(|| {
            let mut st = ProcState::default();
            st.bytes = st.size();
            *bytes += st.bytes;
            st
        })
    }

    /// Counts what the state of `pid` holds now.
    fn resize(&mut self, pid: Pid) {
        if let Some(st) = self.procs.get_mut(&pid) {
            let new = st.size();
            self.bytes = self.bytes + new - st.bytes;
            st.bytes = new;
        }
    }

    /// Bytes held, as estimated.
    pub fn size(&self) -> usize {
        self.bytes
    }

    /// One more event of `pid`, if it is remembered (a routine call starts no memory).
    pub fn tick_known(&mut self, pid: Pid) {
        if let Some(st) = self.procs.get_mut(&pid) {
            st.seq += 1;
        }
    }

    pub fn remove(&mut self, pid: Pid) {
        if let Some(st) = self.procs.remove(&pid) {
            self.bytes -= st.bytes;
        }
    }

    /// Forgets every process; returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.procs.len();
        (self.procs, self.bytes) = Default::default();
        n
    }

    /// `pid` failed in group `id` now. A thread's failure is its process's main thread's too:
    /// an event loop reports what its pool threads ran into (node's libuv, Go, a JVM), so
    /// what the main thread answers or writes next may follow from it.
    pub fn failed(&mut self, pid: Pid, id: usize) {
        self.lately.retain(|&(_, g)| g != id);
        self.lately.push_back((pid, id));
        if self.lately.len() > LATELY {
            self.lately.pop_front();
        }
        self.push_recent(pid, id);
        if let Some(main) = self.main_thread(pid) {
            self.push_recent(main, id);
        }
    }

    fn push_recent(&mut self, pid: Pid, id: usize) {
        let st = self.entry(pid);
        let seq = st.seq;
        st.recent.retain(|(g, _)| *g != id);
        st.recent.push_back((id, seq));
        if st.recent.len() > RECENT {
            st.recent.pop_front();
        }
        self.resize(pid);
    }

    /// The thread that made the thread `pid`, and so on up to the one that is no thread (the
    /// process's main thread, as far as the trace shows); `None` when `pid` is no thread.
    fn main_thread(&self, pid: Pid) -> Option<Pid> {
        /// Threads made by threads, followed at most this far.
        const DEPTH: usize = 16;
        let mut at = pid;
        for _ in 0..DEPTH {
            let st = self.procs.get(&at)?;
            if !st.thread {
                return (at != pid).then_some(at);
            }
            at = st.parent?;
        }
        None
    }

    /// The groups other processes than `pid` failed in lately, latest first.
    pub fn failed_elsewhere(&self, pid: Pid) -> impl Iterator<Item = usize> + '_ {
        self.lately.iter().rev().filter(move |&&(p, _)| p != pid).map(|&(_, g)| g)
    }

    /// The groups `pid` failed in lately, oldest first.
    pub fn recent(&self, pid: Pid) -> Vec<usize> {
        self.procs.get(&pid).map(|st| st.recent.iter().map(|(g, _)| *g).collect()).unwrap_or_default()
    }

    /// The groups a reaction of `pid` now answers (within [`REACTION_WINDOW`]), oldest first;
    /// `None` for a process not remembered.
    pub fn reacting_to(&self, pid: Pid) -> Option<Vec<usize>> {
        let st = self.procs.get(&pid)?;
        let now = st.seq;
        Some(st.recent.iter().filter(|(_, seq)| now.saturating_sub(*seq) <= REACTION_WINDOW).map(|(g, _)| *g).collect())
    }

    /// A new connection: earlier failures and requests do not explain what follows.
    pub fn clear_recent(&mut self, pid: Pid) {
        if let Some(st) = self.procs.get_mut(&pid) {
            st.recent.clear();
            st.request = None;
            st.window += 1;
            st.blamed = None;
            self.resize(pid);
        }
    }

    /// `pid` read an HTTP request for `path`: a new request window (on a kept-alive
    /// connection too), which the failures of the one before do not explain.
    pub fn request(&mut self, pid: Pid, path: Vec<u8>) {
        self.clear_recent(pid);
        self.entry(pid).request = Some(path);
        self.resize(pid);
    }

    /// The process that forked `pid`, if the trace showed it.
    pub fn parent(&self, pid: Pid) -> Option<Pid> {
        self.procs.get(&pid)?.parent
    }

    /// The request window `pid` is in.
    pub fn window(&self, pid: Pid) -> u64 {
        self.procs.get(&pid).map_or(0, |st| st.window)
    }

    /// The failures that may explain a symptom of `pid` now (see [`super::blame`]): the
    /// candidates its last error text had, if that was within `course` calls, else its
    /// latest failures within `course` calls that are not `routine`, latest first.
    /// `named_only`: the last error text's candidates count only if it named them (a crash
    /// after a message that names nothing comes from what failed just before it, if anything).
    pub fn candidates(&self, pid: Pid, course: u64, named_only: bool, routine: impl Fn(usize) -> bool) -> Candidates {
        let Some(st) = self.procs.get(&pid) else { return Candidates::new() };
        if let Some((blamed, at, named)) = &st.blamed {
            if st.seq.saturating_sub(*at) <= course && (*named || !named_only) {
                return blamed.clone();
            }
        }
        st.recent
            .iter()
            .rev()
            .take_while(|(_, seq)| st.seq.saturating_sub(*seq) <= course && *seq >= st.waited)
            .map(|(g, _)| *g)
            .filter(|&g| !routine(g))
            .take(CANDIDATES)
            .collect()
    }

    /// `pid` waited long (a call that blocked for [`LONG_WAIT`] or more): it went on with its
    /// work after its failures before, and what it does next follows from the wait.
    pub fn waited(&mut self, pid: Pid) {
        if let Some(st) = self.procs.get_mut(&pid) {
            st.waited = st.seq;
            st.blamed = None;
        }
    }

    /// `pid` wrote error text that `candidates` explain (`named`: the text names them).
    pub fn blame_text(&mut self, pid: Pid, candidates: Candidates, named: bool) {
        if let Some(st) = self.procs.get_mut(&pid) {
            st.blamed = Some((candidates, st.seq, named));
        }
    }

    /// `pid` ended badly because of `candidates`: its parent saw it (a shell runs the next
    /// command or exits with its status), so they become the parent's latest failures.
    pub fn blame_parent(&mut self, pid: Pid, candidates: &Candidates) {
        // a child that ended badly for no failure of its own tells the parent nothing new
        if candidates.is_empty() {
            return;
        }
        let Some(parent) = self.procs.get(&pid).and_then(|st| st.parent) else { return };
        if let Some(st) = self.procs.get_mut(&parent) {
            let seq = st.seq;
            for &id in candidates.iter().rev() {
                st.recent.retain(|(g, _)| *g != id);
                st.recent.push_back((id, seq));
            }
            while st.recent.len() > RECENT {
                st.recent.pop_front();
            }
            st.blamed = None;
            self.resize(parent);
        }
    }

    /// The path of the HTTP request `pid` is serving.
    pub fn requested(&self, pid: Pid) -> Option<&[u8]> {
        self.procs.get(&pid)?.request.as_deref()
    }

    /// The path of the HTTP request `pid` works for: its own, else, for a thread, its main
    /// thread's (an event loop reads the request, a pool thread looks up the file).
    pub fn request_of(&self, pid: Pid) -> Option<&[u8]> {
        self.requested(pid).or_else(|| self.requested(self.main_thread(pid)?))
    }

    /// The regular files `pid` has opened, oldest first.
    pub fn opened(&self, pid: Pid) -> Vec<Vec<u8>> {
        self.procs.get(&pid).map(|st| st.opened.iter().cloned().collect()).unwrap_or_default()
    }

    /// `pid` created `path` (the latest such path is kept).
    pub fn note_created(&mut self, pid: Pid, path: &[u8]) {
        if path.len() > memory::PATH_MAX {
            return;
        }
        let st = self.entry(pid);
        if st.created != path {
            st.created.clear();
            st.created.extend_from_slice(path);
            self.resize(pid);
        }
    }

    /// Whether the last path `pid` created is `path`.
    pub fn created_last(&self, pid: Pid, path: &[u8]) -> bool {
        self.procs.get(&pid).is_some_and(|st| !st.created.is_empty() && st.created == path)
    }

    /// `pid` opened the regular file `path` (one longer than the kernel takes is not kept).
    pub fn note_opened(&mut self, pid: Pid, path: &[u8]) {
        if path.len() > memory::PATH_MAX {
            return;
        }
        let st = self.entry(pid);
        if !st.opened.iter().any(|p| p == path) {
            st.opened.push_back(path.to_vec());
            if st.opened.len() > OPENED {
                st.opened.pop_front();
            }
            self.resize(pid);
        }
    }

    /// A child starts with what its parent had read (nginx workers, apache children) and with
    /// its command line; `thread`: it is a thread of its parent's process.
    pub fn inherit(&mut self, parent: Pid, child: Pid, thread: bool) {
        if let Some((opened, argv)) = self.procs.get(&parent).map(|p| (p.opened.clone(), p.argv.clone())) {
            let c = self.entry(child);
            (c.opened, c.argv) = (opened, argv);
            self.resize(child);
        }
        let c = self.entry(child);
        (c.parent, c.thread) = (Some(parent), thread);
    }

    /// Whether `pid` is a thread of another process.
    pub fn is_thread(&self, pid: Pid) -> bool {
        self.procs.get(&pid).is_some_and(|st| st.thread)
    }

    /// `pid` now runs the command line `argv`.
    pub fn exec(&mut self, pid: Pid, argv: Vec<Vec<u8>>) {
        self.entry(pid).argv = argv;
        self.resize(pid);
    }

    pub fn argv(&self, pid: Pid) -> Vec<Vec<u8>> {
        self.procs.get(&pid).map(|st| st.argv.clone()).unwrap_or_default()
    }

    /// Adds error text written to `fd`; returns what is complete: the text of another
    /// descriptor still waiting (pieces written to different descriptors are never joined),
    /// and this text once its line is complete, `cut` by strace (the rest is not in the
    /// trace), or too long to wait.
    pub fn error_text(&mut self, pid: Pid, fd: Option<i64>, text: &[u8], cut: bool) -> Vec<Vec<u8>> {
        // programs write one message in pieces (`cat: `, the path, `: No such ...`)
        let st = self.entry(pid);
        let mut done = Vec::new();
        if st.err_fd != fd && !st.err_line.is_empty() {
            done.push(std::mem::take(&mut st.err_line));
        }
        st.err_fd = fd;
        st.err_line.extend_from_slice(text);
        if cut || text.ends_with(b"\n") || st.err_line.len() >= ERR_LINE {
            done.push(std::mem::take(&mut st.err_line));
        }
        self.resize(pid);
        done
    }

    /// Error text of `pid` still waiting for its newline (the process ends).
    pub fn take_error_text(&mut self, pid: Pid) -> Option<Vec<u8>> {
        let line = self.procs.get_mut(&pid).map(|st| std::mem::take(&mut st.err_line));
        self.resize(pid);
        line.filter(|l| !l.is_empty())
    }
}

//! Merging `<unfinished ...>` heads with their `<... resumed>` tails into one event per call.
//!
//! A thread has at most one call in progress, so heads wait in a map keyed by pid. A tail's
//! pid prefix may be missing where its head had one (strace prints prefixes only while more than
//! one process is traced), so an unprefixed tail takes the only waiting head of that name.
//!
//! Waiting heads are owned copies: past `memory::PENDING` bytes the oldest is given up and
//! handed on as a call that never finished (its tail, if it comes, stands alone, as when the
//! capture started mid-call). Once one was given up, a tail takes only its own pid's head:
//! the only head of its name might not be its own any more.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::event::{Event, EventKind, Pid, Return, Timestamp};
use crate::memory;
use crate::parse::{build_syscall, Record};
use rustc_hash::FxHashMap as HashMap;

/// Entries of [`Pairer::names`] kept when no head of their name waits (syscall names are few;
/// a hostile trace inventing names gets its emptied entries dropped past this many).
const MAX_IDLE_NAMES: usize = 1024;

/// Spare head buffers kept for reuse, and the largest capacity kept: in steady state a pair
/// costs no allocation for its head.
const SPARE_BUFFERS: usize = 64;
const SPARE_CAPACITY: usize = 4096;
/// Room left after a head's argument text for a short tail (`) = 0`, a fd's count), so that
/// joining them does not reallocate. Not counted in [`Head::bytes`]: it is at most this many
/// bytes beside the two index entries each head is charged.
const TAIL_ROOM: usize = 64;

/// A head waiting for its tail: owned, it outlives its line. Its timestamp, name and argument
/// text share one buffer (reused from pair to pair).
struct Head {
    /// Arrival number: the oldest is given up first.
    seq: u64,
    line: u64,
    /// `time ++ name ++ args`.
    buf: Vec<u8>,
    /// The timestamp's length and whether it is relative (`-r`).
    time: Option<(usize, bool)>,
    name_len: usize,
}

impl Head {
    fn time_len(&self) -> usize {
        self.time.map_or(0, |(n, _)| n)
    }

    fn name(&self) -> &[u8] {
        let t = self.time_len();
        &self.buf[t..t + self.name_len]
    }

    fn args(&self) -> &[u8] {
        &self.buf[self.time_len() + self.name_len..]
    }

    fn timestamp(&self) -> Option<Timestamp<'_>> {
        self.time.map(|(n, relative)| Timestamp { text: Cow::Borrowed(&self.buf[..n]), relative })
    }

    fn bytes(&self) -> usize {
        // a head is a large record, in three indexes
        2 * memory::ENTRY + self.buf.len()
    }
}

/// `Option<Pid>` as one number, to XOR keys together.
fn key_bits(k: Option<Pid>) -> u64 {
    k.map_or(u64::MAX, u64::from)
}

fn key_of(bits: u64) -> Option<Pid> {
    Pid::try_from(bits).ok()
}

/// Joins each `<unfinished ...>` head with its `<... resumed>` tail (same pid and syscall) into
/// one call, within a memory budget.
pub struct Pairer {
    open: HashMap<Option<Pid>, Head>,
    /// Per name of a waiting head: how many wait, and their keys XORed together (the key
    /// itself when one waits), so that a tail finds the only head of its name at once.
    names: HashMap<Box<[u8]>, (u32, u64)>,
    /// (seq, key) of the heads in arrival order; entries whose head left are skipped.
    order: VecDeque<(u64, Option<Pid>)>,
    seq: u64,
    bytes: usize,
    budget: usize,
    /// Buffers of heads that left, for the next heads.
    spare: Vec<Vec<u8>>,
    /// Heads given up to stay within `memory::PENDING`.
    pub dropped: u64,
    /// Joined calls the analysis only counts become [`EventKind::Routine`] (see
    /// [`Pairer::routine`]).
    fast: bool,
}

impl Default for Pairer {
    fn default() -> Self {
        Self::with_budget(memory::PENDING)
    }
}

impl Pairer {
    /// A pairer with the default budget (`memory::PENDING` bytes of waiting heads).
    pub fn new() -> Self {
        Self::default()
    }

    /// A pairer keeping at most `budget` bytes of waiting heads.
    pub fn with_budget(budget: usize) -> Self {
        Pairer {
            open: HashMap::default(),
            names: HashMap::default(),
            order: VecDeque::new(),
            seq: 0,
            bytes: 0,
            budget,
            spare: Vec::new(),
            dropped: 0,
            fast: false,
        }
    }

    /// This pairer for the analysis: a joined call that succeeded and that the syscall table
    /// gives no meaning to is handed on as [`EventKind::Routine`], as the parser's fast path
    /// hands on such a call printed on one line, without decoding its arguments.
    pub fn routine(self, fast: bool) -> Self {
        Pairer { fast, ..self }
    }

    /// Feeds one record; completed events are appended to `out` (as copies: an event of a
    /// pair borrows the pairer's buffers only while it is handed on).
    pub fn push<'a>(&mut self, rec: Record<'a>, out: &mut Vec<Event<'a>>) {
        self.push_with(rec, &mut |e| out.push(e.into_owned()));
    }

    /// Feeds one record; completed events go to `emit`, borrowed from their lines or, for a
    /// pair, from the pairer (copy what is kept).
    pub fn push_with(&mut self, rec: Record<'_>, emit: &mut dyn FnMut(Event<'_>)) {
        match rec {
            Record::Event(e) => {
                // a process that exits or is killed ends its pending call
                if matches!(e.kind, EventKind::Exit { .. } | EventKind::Killed { .. }) {
                    if let Some(head) = self.take(e.pid) {
                        self.flush_head(e.pid, head, emit);
                    }
                }
                emit(e);
            }
            Record::Head { line, pid, time, name, args } => {
                self.seq += 1;
                let mut buf = self.spare.pop().unwrap_or_default();
                let time_len = time.as_ref().map_or(0, |t| t.text.len());
                buf.reserve(time_len + name.len() + args.len() + if args.is_empty() { 0 } else { TAIL_ROOM });
                if let Some(t) = &time {
                    buf.extend_from_slice(&t.text);
                }
                buf.extend_from_slice(name.as_bytes());
                buf.extend_from_slice(&args);
                let head =
                    Head { seq: self.seq, line, buf, time: time.map(|t| (time_len, t.relative)), name_len: name.len() };
                if let Some(old) = self.take(pid) {
                    self.flush_head(pid, old, emit);
                }
                self.put(pid, head, emit);
            }
            Record::Tail { line, pid, time, name, args, ret, duration } => {
                let key = self.find_head(pid, &name);
                match key.and_then(|k| self.take(k).map(|h| (k, h))) {
                    Some((key, mut head)) => {
                        // the head was trimmed before ` <unfinished ...>`
                        if head.args().ends_with(b",") && !args.is_empty() {
                            head.buf.push(b' ');
                        }
                        head.buf.extend_from_slice(&args);
                        if self.fast && only_counted(&name, head.args(), &ret) {
                            emit(Event {
                                line: head.line,
                                pid: key.or(pid),
                                time: head.timestamp().or(time),
                                kind: EventKind::Routine,
                            });
                        } else {
                            // the tail's name is the head's (found by it)
                            let mut sc = build_syscall(name, Cow::Borrowed(head.args()), ret, duration);
                            let head_time = head.timestamp();
                            if duration.is_none() {
                                sc.span = span(head_time.as_ref(), time.as_ref());
                            }
                            emit(Event {
                                line: head.line,
                                pid: key.or(pid), // the event stands on the head's line: its pid, else the tail's
                                time: head_time.or(time),
                                kind: EventKind::Syscall(sc),
                            });
                        }
                        self.recycle(head.buf);
                    }
                    None => {
                        // a tail without its head: the capture started mid-call
                        let mut sc = build_syscall(name, args, ret, duration);
                        sc.headless = self.dropped == 0;
                        emit(Event { line, pid, time, kind: EventKind::Syscall(sc) });
                    }
                }
            }
        }
    }

    /// Keeps a head's buffer for a later head, unless enough are kept or it grew large.
    fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < SPARE_BUFFERS && buf.capacity() <= SPARE_CAPACITY {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// Makes `head` wait under `key`, giving up the oldest heads past the budget.
    fn put(&mut self, key: Option<Pid>, head: Head, emit: &mut dyn FnMut(Event<'_>)) {
        self.bytes += head.bytes();
        match self.names.get_mut(head.name()) {
            Some(n) => *n = (n.0 + 1, n.1 ^ key_bits(key)),
            None => {
                self.names.insert(head.name().into(), (1, key_bits(key)));
            }
        }
        self.order.push_back((head.seq, key));
        self.open.insert(key, head);
        while self.bytes > self.budget {
            let Some((seq, k)) = self.order.pop_front() else { break };
            if self.open.get(&k).is_some_and(|h| h.seq == seq) {
                if let Some(old) = self.take(k) {
                    self.dropped += 1;
                    self.flush_head(k, old, emit);
                }
            }
        }
        // entries of heads that left keep the queue from shrinking: drop them now and then
        if self.order.len() > 2 * self.open.len() + 64 {
            let open = &self.open;
            self.order.retain(|(seq, k)| open.get(k).is_some_and(|h| h.seq == *seq));
        }
    }

    /// Takes the head waiting under `key` out of every index.
    fn take(&mut self, key: Option<Pid>) -> Option<Head> {
        let head = self.open.remove(&key)?;
        self.bytes -= head.bytes();
        if let Some(n) = self.names.get_mut(head.name()) {
            *n = (n.0 - 1, n.1 ^ key_bits(key));
            // an emptied entry (0, 0) is kept for the next head of that name (one waits at a
            // time in most traces: no key copy per call), unless names pile up
            if n.0 == 0 && self.names.len() > MAX_IDLE_NAMES {
                self.names.remove(head.name());
            }
        }
        Some(head)
    }

    fn find_head(&self, pid: Option<Pid>, name: &str) -> Option<Option<Pid>> {
        let name = name.as_bytes();
        if self.open.get(&pid).is_some_and(|h| h.name() == name) {
            return Some(pid);
        }
        if self.dropped > 0 {
            return None;
        }
        // prefixes may differ between head and tail, and an execve by a thread resumes under
        // the leader's pid: match by name when unambiguous
        let any_pid = crate::syscalls::info(name).does.has(crate::syscalls::Does::EXEC);
        if pid.is_some() && !any_pid {
            // only an unprefixed head (there is at most one) may be this prefixed tail's
            return self.open.get(&None).filter(|h| h.name() == name).map(|_| None);
        }
        match self.names.get(name) {
            Some(&(1, bits)) => Some(key_of(bits)),
            _ => None,
        }
    }

    /// Whether no call waits for its tail.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The calls begun and not yet resumed, as unfinished events (what a live trace is
    /// waiting on now).
    pub fn open_calls(&self) -> Vec<Event<'static>> {
        let mut v: Vec<Event<'static>> = self.open.iter().map(|(pid, h)| unfinished(*pid, h).into_owned()).collect();
        v.sort_by_key(|e| e.line);
        v
    }

    /// Emits the heads still waiting at the end of the input, in line order.
    pub fn finish<'a>(&mut self, out: &mut Vec<Event<'a>>) {
        self.finish_with(&mut |e| out.push(e.into_owned()));
    }

    /// [`Pairer::finish`], the events going to `emit`.
    pub fn finish_with(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        let mut heads: Vec<_> = self.open.drain().collect();
        (self.names, self.order, self.bytes) = Default::default();
        heads.sort_by_key(|(_, h)| h.line);
        for (pid, head) in heads {
            self.flush_head(pid, head, emit);
        }
    }

    /// A head that will not get its tail: a call that never finished.
    fn flush_head(&mut self, pid: Option<Pid>, head: Head, emit: &mut dyn FnMut(Event<'_>)) {
        emit(unfinished(pid, &head));
        self.recycle(head.buf);
    }
}

/// Whether a joined call is one the analysis only counts: it succeeded, the syscall table gives
/// it no meaning and it cannot wait (a wait is measured by the time between head and tail).
/// Those of the parser's fast path for one line (`parse::line::routine`), less the brief waits.
fn only_counted(name: &str, args: &[u8], ret: &Return<'_>) -> bool {
    let info = crate::syscalls::info(name.as_bytes());
    // waits first: reads and writes wait, and `examined` looks for an HTTP request in a read
    matches!(ret, Return::Value { value, .. } if *value >= 0) && !info.waits(args) && !info.examined(args)
}

/// A head as a call that never finished, borrowed from it.
fn unfinished(pid: Option<Pid>, head: &Head) -> Event<'_> {
    let name = String::from_utf8_lossy(head.name());
    let sc = build_syscall(name, Cow::Borrowed(head.args()), Return::Unfinished, None);
    Event { line: head.line, pid, time: head.timestamp(), kind: EventKind::Syscall(sc) }
}

/// Without `-T`, a paired call's wait is the time from its head to its tail (absolute
/// timestamps only; `-t`/`-tt` wrap at midnight).
fn span(head: Option<&Timestamp>, tail: Option<&Timestamp>) -> Option<f64> {
    let (head, tail) = (head?, tail?);
    if head.relative || tail.relative {
        return None;
    }
    let d = tail.secs() - head.secs();
    Some(if d < 0.0 && head.text().contains(':') { d + 86_400.0 } else { d }).filter(|d| *d >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Assembler;

    fn run(text: &str) -> Vec<Event<'_>> {
        run_with(text, Pairer::new())
    }

    fn run_with(text: &str, mut pairer: Pairer) -> Vec<Event<'_>> {
        let mut asm = Assembler::new(None);
        let mut recs = Vec::new();
        for (i, l) in text.lines().enumerate() {
            asm.push(i as u64 + 1, l.as_bytes(), &mut recs);
        }
        asm.finish(&mut recs);
        let mut out = Vec::new();
        for r in recs {
            pairer.push(r, &mut out);
        }
        pairer.finish(&mut out);
        out
    }

    /// For the analysis, a joined call that succeeded and means nothing to it is only counted,
    /// on its head's line; one that failed, waits or is examined stays a call.
    #[test]
    fn joined_calls_the_analysis_only_counts_are_routine() {
        let text = concat!(
            "[pid 7] sched_yield( <unfinished ...>\n",
            "[pid 8] close(3 <unfinished ...>\n",
            "[pid 7] <... sched_yield resumed>) = 0\n",
            "[pid 8] <... close resumed>) = 0\n",
            "[pid 7] gettid( <unfinished ...>\n",
            "[pid 7] <... gettid resumed>) = -1 ENOSYS (Function not implemented)\n",
            "[pid 7] read(5,  <unfinished ...>\n",
            "[pid 7] <... read resumed>\"x\", 1) = 1\n",
        );
        let kinds = |ev: Vec<Event<'_>>| -> Vec<(u64, bool)> {
            ev.iter().map(|e| (e.line, matches!(e.kind, EventKind::Routine))).collect()
        };
        assert_eq!(kinds(run_with(text, Pairer::new().routine(true))), [(1, true), (2, false), (5, false), (7, false)]);
        assert_eq!(kinds(run_with(text, Pairer::new())), [(1, false), (2, false), (5, false), (7, false)]);
    }

    #[test]
    fn interleaved_pairs_merge_per_pid() {
        let ev = run(concat!(
            "[pid 10151] openat(AT_FDCWD, \"/srv/a\", O_RDONLY <unfinished ...>\n",
            "[pid 10152] read(3,  <unfinished ...>\n",
            "[pid 10146] write(4, \"go\", 2)           = 2\n",
            "[pid 10152] <... read resumed>\"go\", 8)  = 2\n",
            "[pid 10151] <... openat resumed>)       = -1 ENOENT (No such file or directory)\n",
        ));
        assert_eq!(ev.len(), 3);
        let open = ev.iter().find(|e| e.syscall().is_some_and(|s| &*s.name == "openat")).unwrap();
        let sc = open.syscall().unwrap();
        assert_eq!((open.line, open.pid), (1, Some(10151)));
        assert_eq!(sc.path.as_deref(), Some(&b"/srv/a"[..]));
        assert_eq!(sc.ret.errno(), Some("ENOENT"));
        let read = ev.iter().find(|e| e.syscall().is_some_and(|s| &*s.name == "read")).unwrap();
        assert_eq!(&*read.syscall().unwrap().args, &b"3, \"go\", 8"[..]);
        assert_eq!(read.line, 2);
    }

    #[test]
    fn tail_without_prefix_finds_its_head() {
        let ev = run("[pid 7] wait4(8,  <unfinished ...>\n<... wait4 resumed>NULL, 0, NULL) = 8\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].pid, Some(7));
        assert_eq!(ev[0].syscall().unwrap().ret, Return::Value { value: 8, decoration: None });
    }

    #[test]
    fn never_resumed_and_orphans() {
        let ev = run(concat!(
            "[pid  7002] read(3,  <unfinished ...>\n",
            "[pid  7001] exit_group(0)               = ?\n",
            "[pid  7002] <... read resumed> <unfinished ...>) = ?\n",
            "[pid  7002] +++ exited with 0 +++\n",
            "[pid  9] <... poll resumed>)  = 1\n",
            "[pid  10] futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>\n",
        ));
        let read = ev.iter().find(|e| e.pid == Some(7002) && e.syscall().is_some()).unwrap();
        assert_eq!(read.syscall().unwrap().ret, Return::Unfinished);
        assert_eq!(read.line, 1);
        assert!(ev.iter().any(|e| e.pid == Some(9)));
        let futex = ev.last().unwrap();
        assert_eq!((futex.pid, &futex.syscall().unwrap().ret), (Some(10), &Return::Unfinished));
    }

    /// (line, pid, return) of each syscall event, in the order emitted.
    fn calls<'a>(ev: &'a [Event<'a>]) -> Vec<(u64, Option<Pid>, &'a Return<'a>)> {
        ev.iter().filter_map(|e| Some((e.line, e.pid, &e.syscall()?.ret))).collect()
    }

    #[test]
    fn a_tail_without_prefix_takes_the_only_head_of_its_name_and_no_other() {
        let ev = run(concat!(
            "[pid 7] read(3,  <unfinished ...>\n",
            "[pid 8] read(4,  <unfinished ...>\n",
            "<... read resumed>\"x\", 1) = 1\n", // two reads wait: whose is unknown
            "[pid 8] <... read resumed>\"y\", 1) = 1\n",
            "<... read resumed>\"z\", 1) = 1\n", // only pid 7's waits now
        ));
        let v = Return::Value { value: 1, decoration: None };
        assert_eq!(calls(&ev), vec![(3, None, &v), (2, Some(8), &v), (1, Some(7), &v)]);
        assert_eq!(&*ev[2].syscall().unwrap().args, &b"3, \"z\", 1"[..]);
    }

    #[test]
    fn past_the_budget_the_oldest_heads_are_given_up_as_unfinished() {
        let head = |pid: u32| format!("[pid {pid}] read(3,  <unfinished ...>\n");
        let one = 2 * memory::ENTRY + "read".len() + "3, ".len();
        let mut text: String = (1..=5).map(head).collect();
        text.push_str("[pid 1] <... read resumed>\"a\", 1) = 1\n"); // its head was given up
        text.push_str("[pid 5] <... read resumed>\"b\", 1) = 1\n");
        let ev = run_with(&text, Pairer::with_budget(3 * one));
        let v = Return::Value { value: 1, decoration: None };
        let u = Return::Unfinished;
        let want = [
            (1, Some(1), &u),
            (2, Some(2), &u),
            (6, Some(1), &v),
            (5, Some(5), &v),
            (3, Some(3), &u),
            (4, Some(4), &u),
        ];
        assert_eq!(calls(&ev), want);
        assert_eq!(&*ev[2].syscall().unwrap().args, &b"\"a\", 1"[..], "the tail stands alone");
    }

    #[test]
    fn once_a_head_was_given_up_a_tail_takes_only_its_own_pids_head() {
        let mut pairer = Pairer::with_budget(2 * (2 * memory::ENTRY + "read".len() + "3, ".len()));
        let mut out = Vec::new();
        let mut asm = Assembler::new(None);
        let mut recs = Vec::new();
        let text = concat!(
            "[pid 1] read(3,  <unfinished ...>\n",
            "[pid 2] poll(3,  <unfinished ...>\n",
            "[pid 3] read(3,  <unfinished ...>\n", // pid 1's read is given up
            "<... read resumed>\"x\", 1) = 1\n",   // pid 1's or pid 3's: not known any more
        );
        for (i, l) in text.lines().enumerate() {
            asm.push(i as u64 + 1, l.as_bytes(), &mut recs);
        }
        for r in recs {
            pairer.push(r, &mut out);
        }
        assert_eq!(pairer.dropped, 1);
        let v = Return::Value { value: 1, decoration: None };
        assert_eq!(calls(&out), vec![(1, Some(1), &Return::Unfinished), (4, None, &v)]);
    }
}

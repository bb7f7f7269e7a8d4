//! Merging `<unfinished ...>` heads with their `<... resumed>` tails into one event per call.
//!
//! A thread has at most one call in progress, so heads wait in a map keyed by pid. A tail's
//! pid prefix may be missing where its head had one (strace prints prefixes only while more than
//! one process is traced), so an unprefixed tail takes the only waiting head of that name.

use std::borrow::Cow;

use crate::event::{Event, EventKind, Pid, Return, Timestamp};
use crate::parse::{build_syscall, Record};
use rustc_hash::FxHashMap as HashMap;

/// A head waiting for its tail: owned, it outlives its line.
struct Head {
    line: u64,
    time: Option<Timestamp<'static>>,
    name: String,
    args: Vec<u8>,
}

#[derive(Default)]
pub struct Pairer {
    open: HashMap<Option<Pid>, Head>,
}

impl Pairer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one record; completed events are appended to `out`.
    pub fn push<'a>(&mut self, rec: Record<'a>, out: &mut Vec<Event<'a>>) {
        self.push_with(rec, &mut |e| out.push(e));
    }

    /// Feeds one record; completed events go to `emit`.
    pub fn push_with<'a>(&mut self, rec: Record<'a>, emit: &mut dyn FnMut(Event<'a>)) {
        match rec {
            Record::Event(e) => {
                // a process that exits or is killed ends its pending call
                if matches!(e.kind, EventKind::Exit { .. } | EventKind::Killed { .. }) {
                    if let Some(head) = self.open.remove(&e.pid) {
                        self.flush_head(e.pid, head, emit);
                    }
                }
                emit(e);
            }
            Record::Head { line, pid, time, name, args } => {
                let head = Head {
                    line,
                    time: time.map(Timestamp::into_owned),
                    name: name.into_owned(),
                    args: args.into_owned(),
                };
                if let Some(old) = self.open.insert(pid, head) {
                    self.flush_head(pid, old, emit);
                }
            }
            Record::Tail { line, pid, time, name, args, ret, duration } => {
                let key = self.find_head(pid, &name);
                match key.and_then(|k| self.open.remove(&k).map(|h| (k, h))) {
                    Some((key, head)) => {
                        let mut all = head.args;
                        // the head was trimmed before ` <unfinished ...>`
                        if all.ends_with(b",") && !args.is_empty() {
                            all.push(b' ');
                        }
                        all.extend_from_slice(&args);
                        let mut sc = build_syscall(name, Cow::Owned(all), ret, duration);
                        if duration.is_none() {
                            sc.span = span(head.time.as_ref(), time.as_ref());
                        }
                        emit(Event {
                            line: head.line,
                            pid: key.or(pid), // the event stands on the head's line: its pid, else the tail's
                            time: head.time.or(time),
                            kind: EventKind::Syscall(sc),
                        });
                    }
                    None => {
                        // a tail without its head: the capture started mid-call
                        let sc = build_syscall(name, args, ret, duration);
                        emit(Event { line, pid, time, kind: EventKind::Syscall(sc) });
                    }
                }
            }
        }
    }

    fn find_head(&self, pid: Option<Pid>, name: &str) -> Option<Option<Pid>> {
        if self.open.get(&pid).is_some_and(|h| &*h.name == name) {
            return Some(pid);
        }
        // prefixes may differ between head and tail, and an execve by a thread resumes under
        // the leader's pid: match by name when unambiguous
        let any_pid = crate::syscalls::info(name.as_bytes()).does.has(crate::syscalls::Does::EXEC);
        let mut same = self.open.iter().filter(|(k, h)| &*h.name == name && (any_pid || pid.is_none() || k.is_none()));
        let first = same.next().map(|(k, _)| *k);
        if same.next().is_some() {
            return None;
        }
        first
    }

    fn flush_head<'a>(&mut self, pid: Option<Pid>, head: Head, emit: &mut dyn FnMut(Event<'a>)) {
        let sc = build_syscall(Cow::Owned(head.name), Cow::Owned(head.args), Return::Unfinished, None);
        emit(Event { line: head.line, pid, time: head.time, kind: EventKind::Syscall(sc) });
    }

    /// The calls begun and not yet resumed, as unfinished events (what a live trace is
    /// waiting on now).
    pub fn open_calls(&self) -> Vec<Event<'static>> {
        let mut v: Vec<Event<'static>> = self
            .open
            .iter()
            .map(|(pid, h)| {
                let sc =
                    build_syscall(Cow::Owned(h.name.clone()), Cow::Owned(h.args.clone()), Return::Unfinished, None);
                Event { line: h.line, pid: *pid, time: h.time.clone(), kind: EventKind::Syscall(sc) }
            })
            .collect();
        v.sort_by_key(|e| e.line);
        v
    }

    /// Emits the heads still waiting at the end of the input, in line order.
    pub fn finish<'a>(&mut self, out: &mut Vec<Event<'a>>) {
        self.finish_with(&mut |e| out.push(e));
    }

    /// [`Pairer::finish`], the events going to `emit`.
    pub fn finish_with<'a>(&mut self, emit: &mut dyn FnMut(Event<'a>)) {
        let mut heads: Vec<_> = self.open.drain().collect();
        heads.sort_by_key(|(_, h)| h.line);
        for (pid, head) in heads {
            self.flush_head(pid, head, emit);
        }
    }
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
        let mut asm = Assembler::new(None);
        let mut pairer = Pairer::new();
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
}

//! Reading strace output: physical lines in, records out.
//!
//! Accepted line shapes (strace 4.x–6.x, docs/strace-output-format.md):
//!
//! ```text
//! line      := [prefix] body [trailer]
//! prefix    := ["[pid N]" | "[pid N<comm>]" | bare "N "]  [timestamp]  ["[ NNN]" (-n)]  ["[ip]" (-i)]
//! timestamp := HH:MM:SS[.frac] | SECS.frac (-ttt, unix,ns) | "   SECS.frac" (-r)
//! body      := NAME "(" args ")" " = " return            complete call
//!            | NAME "(" args "<unfinished ...>"           head of a pair
//!            | NAME "(" args "<unfinished ...>) = ?"      -e status=unfinished
//!            | NAME "(" args "<detached ...>"             strace detached mid-call
//!            | "<... NAME resumed>" args ")" " = " return tail of a pair
//!            | "<... NAME resumed> <unfinished ...>) = ?" tail of a call that never returned
//!            | "--- SIGNAME {siginfo} ---" | "--- stopped by SIGNAME ---"
//!            | "+++ exited with N +++" | "+++ killed by SIG [(core dumped)] +++"
//!            | "+++ superseded by execve in pid N +++" | "[ Process PID=N runs in 64 bit mode. ]"
//!            | "strace: ..." (also in the middle of a call: the call continues on the next line)
//! return    := N[<decoration>][ (comment)] | 0xHEX | -1 ENAME (msg) | -1 (errno N)
//!            | ? [ERESTART* (msg)] | ? <unavailable>
//! trailer   := [" (INJECTED)" | " (DELAYED)"] [" <SECS.frac>" (-T)]
//! skipped   := blank | " > frame" (-k) | " | hexdump" | -c/-C summary table | --tips box
//! ```
//!
//! Anything else is program output mixed in by `2>&1` and becomes an `Unparsed` event; a call
//! split by program output or by a mid-line strace message is glued back together. ANSI colour
//! (strace 7 `--color`) is stripped first. Lines longer than [`MAX_LINE`] are counted and
//! skipped by the [`LineReader`].
//!
//! A line is parsed on its own in `line`, which keeps no state so that [`prepare`] can run it on
//! any thread; the [`Assembler`] in `assemble` keeps what spans lines (a call waiting for its
//! continuation, the `-ff` pid, the counts). Below them, leaves that know nothing of records:
//! `grammar` (prefix, name, argument scan), `returns` (what follows the closing parenthesis),
//! `args` (the arguments the analysis decodes), [`quoted`] (strace's C strings) and `text`.

mod args;
mod assemble;
mod grammar;
mod line;
mod line_reader;
pub mod quoted;
mod returns;
mod text;

pub use args::{parse_fd, split_args};
pub use assemble::{prepare, prepare_marked, Assembler, Prepared};
pub(crate) use grammar::angle_end;
pub use line::{attach_message, attached_pid, build_syscall, AttachMessage};
pub use line_reader::{LineReader, Span, MAX_LINE};

use std::borrow::Cow;

use crate::event::{Bytes, Event, Pid, Return, Text, Timestamp};

/// One physical line (or a glued group of them) before pairing; borrows the line.
#[derive(Debug, Clone, PartialEq)]
pub enum Record<'a> {
    /// A complete line: nothing to pair.
    Event(Event<'a>),
    /// `name(args <unfinished ...>`: waits for its tail.
    Head {
        /// Its line number.
        line: u64,
        /// As [`Event::pid`].
        pid: Option<Pid>,
        /// Its timestamp, if printed.
        time: Option<Timestamp<'a>>,
        /// The syscall's name.
        name: Text<'a>,
        /// The arguments printed before `<unfinished ...>`.
        args: Bytes<'a>,
    },
    /// `<... name resumed>args) = ret`.
    Tail {
        /// Its line number.
        line: u64,
        /// As [`Event::pid`].
        pid: Option<Pid>,
        /// Its timestamp, if printed.
        time: Option<Timestamp<'a>>,
        /// The syscall's name.
        name: Text<'a>,
        /// The arguments printed after `resumed>`.
        args: Bytes<'a>,
        /// What it returned.
        ret: Return<'a>,
        /// `-T` duration in seconds.
        duration: Option<f64>,
    },
}

impl Record<'_> {
    /// The record detached from the text it was read from.
    pub fn into_owned(self) -> Record<'static> {
        let own = |t: Option<Timestamp<'_>>| t.map(Timestamp::into_owned);
        match self {
            Record::Event(e) => Record::Event(e.into_owned()),
            Record::Head { line, pid, time, name, args } => Record::Head {
                line,
                pid,
                time: own(time),
                name: Cow::Owned(name.into_owned()),
                args: Cow::Owned(args.into_owned()),
            },
            Record::Tail { line, pid, time, name, args, ret, duration } => Record::Tail {
                line,
                pid,
                time: own(time),
                name: Cow::Owned(name.into_owned()),
                args: Cow::Owned(args.into_owned()),
                ret: ret.into_owned(),
                duration,
            },
        }
    }
}

/// Counts the parser keeps about its input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseStats {
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Lines that were no strace line (program output mixed in, garbage).
    pub unparsed: u64,
    /// Blank lines, `-k` frames, data dumps, summary tables, tip boxes.
    pub skipped: u64,
    /// Lines longer than [`MAX_LINE`].
    pub overlong: u64,
    /// `<unfinished ...>` calls given up before their tail came (the pairer's memory cap).
    pub unfinished_dropped: u64,
    /// Members of a `-ff` set not read (the inputs' memory cap).
    pub files_unread: u64,
    /// The earliest and latest absolute timestamps seen.
    pub first_time: Option<Timestamp<'static>>,
    /// See `first_time`.
    pub last_time: Option<Timestamp<'static>>,
}

impl ParseStats {
    /// Adds the counts of another input (of an `-ff` set) to these.
    pub fn merge(&mut self, o: &ParseStats) {
        self.lines += o.lines;
        self.bytes += o.bytes;
        self.unparsed += o.unparsed;
        self.skipped += o.skipped;
        self.overlong += o.overlong;
        self.unfinished_dropped += o.unfinished_dropped;
        self.files_unread += o.files_unread;
        if let Some(t) = &o.first_time {
            if self.first_time.as_ref().is_none_or(|f| t.secs() < f.secs()) {
                self.first_time = Some(t.clone());
            }
        }
        if let Some(t) = &o.last_time {
            if self.last_time.as_ref().is_none_or(|l| t.secs() > l.secs()) {
                self.last_time = Some(t.clone());
            }
        }
    }
}

/// Parses one line on its own (no gluing, no pairing): handy for tests, fuzzing and benches.
pub fn parse_line(line: &[u8]) -> Vec<Record<'_>> {
    let mut asm = Assembler::new(None);
    let mut out = Vec::new();
    asm.push(1, line, &mut out);
    asm.finish(&mut out);
    out
}

#[cfg(test)]
mod tests;

//! Reading strace output: physical lines in, records out.
//!
//! Accepted line shapes (strace 4.x–6.x, shared/docs/strace-output-format.md):
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

mod args;
mod grammar;
mod line_reader;
pub mod quoted;
mod text;

pub use args::split_args;
pub use line_reader::{LineReader, MAX_LINE};

use std::borrow::Cow;

use crate::event::{Bytes, Event, EventKind, Pid, Return, Syscall, Text, Timestamp};
use grammar::ArgsEnd;
use text::lossy;

/// One physical line (or a glued group of them) before pairing; borrows the line.
#[derive(Debug, Clone, PartialEq)]
pub enum Record<'a> {
    Event(Event<'a>),
    /// `name(args <unfinished ...>`: waits for its tail.
    Head {
        line: u64,
        pid: Option<Pid>,
        time: Option<Timestamp<'a>>,
        name: Text<'a>,
        args: Bytes<'a>,
    },
    /// `<... name resumed>args) = ret`.
    Tail {
        line: u64,
        pid: Option<Pid>,
        time: Option<Timestamp<'a>>,
        name: Text<'a>,
        args: Bytes<'a>,
        ret: Return<'a>,
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
    pub lines: u64,
    pub bytes: u64,
    pub unparsed: u64,
    /// Blank lines, `-k` frames, data dumps, summary tables, tip boxes.
    pub skipped: u64,
    /// Lines longer than [`MAX_LINE`].
    pub overlong: u64,
    /// The earliest and latest absolute timestamps seen.
    pub first_time: Option<Timestamp<'static>>,
    pub last_time: Option<Timestamp<'static>>,
}

impl ParseStats {
    pub fn merge(&mut self, o: &ParseStats) {
        self.lines += o.lines;
        self.bytes += o.bytes;
        self.unparsed += o.unparsed;
        self.skipped += o.skipped;
        self.overlong += o.overlong;
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

/// What a single line is, without any context.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Kind(EventKind<'a>),
    Head {
        name: &'a [u8],
        args: &'a [u8],
    },
    Tail {
        name: &'a [u8],
        args: &'a [u8],
        ret: Return<'a>,
        duration: Option<f64>,
    },
    /// A call whose line ended inside the arguments or before its return.
    Open,
    Skip,
    Garbage,
}

struct Parsed<'a> {
    pid: Option<Pid>,
    time: Option<Timestamp<'a>>,
    piece: Piece<'a>,
}

fn parse_physical(line: &[u8]) -> Parsed<'_> {
    parse_prefixed(line, scan_prefix(line))
}

/// [`parse_physical`] with the prefix already scanned.
fn parse_prefixed<'a>(line: &'a [u8], prefix: Prefix<'a>) -> Parsed<'a> {
    // a call right after the prefix is none of the skipped shapes
    if prefix.call.is_none() && is_skippable(line) {
        return Parsed { pid: None, time: None, piece: Piece::Skip };
    }
    let time = prefix.time.map(|(text, relative)| Timestamp { text: Cow::Borrowed(text), relative });
    let piece = match prefix.call {
        Some((name, args)) => parse_call(name, args),
        None => parse_body(prefix.body),
    };
    Parsed { pid: prefix.pid, time, piece }
}

/// `name(`: the name and the text after the parenthesis.
fn call_start(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (rest, name) = grammar::parse_name(body).ok()?;
    Some((name, rest.strip_prefix(b"(")?))
}

impl<'a> Parsed<'a> {
    /// The record of an event, head or tail; what else the line was otherwise.
    fn into_record(self, line: u64) -> Result<Record<'a>, NoRecord> {
        let Parsed { pid, time, piece } = self;
        Ok(match piece {
            Piece::Kind(kind) => Record::Event(Event { line, pid, time, kind }),
            Piece::Head { name, args } => Record::Head { line, pid, time, name: lossy(name), args: args.into() },
            Piece::Tail { name, args, ret, duration } => {
                Record::Tail { line, pid, time, name: lossy(name), args: args.into(), ret, duration }
            }
            Piece::Open => return Err(NoRecord::Open),
            Piece::Skip => return Err(NoRecord::Skip),
            Piece::Garbage => return Err(NoRecord::Garbage),
        })
    }
}

/// A line that makes no record by itself.
enum NoRecord {
    /// A call cut before its end (see [`Piece::Open`]).
    Open,
    Skip,
    Garbage,
}

/// A body that is not a call (`name(` is looked for by [`scan_prefix`]).
fn parse_body(body: &[u8]) -> Piece<'_> {
    if let Some(rest) = body.strip_prefix(b"--- ") {
        return parse_signal(rest).unwrap_or(Piece::Garbage);
    }
    if let Some(rest) = body.strip_prefix(b"+++ ") {
        return parse_exit(rest).unwrap_or(Piece::Garbage);
    }
    if body.starts_with(b"strace: ")
        || body.starts_with(b"[ Process PID=")
        || is_argv0_message(body)
        || is_old_attach(body)
    {
        return Piece::Kind(EventKind::Strace { message: body.trim_ascii_end().into() });
    }
    if let Some(rest) = body.strip_prefix(b"<... ") {
        return parse_tail(rest).unwrap_or(Piece::Garbage);
    }
    Piece::Garbage
}

/// `name(args...` with `args` the text after the parenthesis.
fn parse_call<'a>(name: &'a [u8], args: &'a [u8]) -> Piece<'a> {
    let mut commas = grammar::Commas::new();
    match grammar::scan_args_split(args, &mut commas) {
        ArgsEnd::Closed(end) => match grammar::parse_return_part(&args[end + 1..]) {
            Ok((b"", (ret, duration))) => {
                Piece::Kind(EventKind::Syscall(build_borrowed(lossy(name), &args[..end], Some(&commas), ret, duration)))
            }
            Ok(_) => Piece::Garbage,
            Err(_) if args[end + 1..].trim_ascii_end().is_empty() => Piece::Open,
            Err(_) => Piece::Garbage,
        },
        ArgsEnd::Unfinished(end) => {
            let after = &args[end + b"<unfinished ...>".len()..];
            let head_args = args[..end].trim_ascii_end();
            if after.is_empty() || after.trim_ascii_end().is_empty() {
                Piece::Head { name, args: head_args }
            } else {
                // `-e status=unfinished`: `read(3,  <unfinished ...>) = ?`
                Piece::Kind(EventKind::Syscall(build_syscall(lossy(name), head_args.into(), Return::Unfinished, None)))
            }
        }
        ArgsEnd::Detached(end) => {
            let args = args[..end].trim_ascii_end().into();
            Piece::Kind(EventKind::Syscall(build_syscall(lossy(name), args, Return::Unfinished, None)))
        }
        ArgsEnd::Open => Piece::Open,
    }
}

/// `read resumed>"go", 8) = 2` (after `<... `).
fn parse_tail(rest: &[u8]) -> Option<Piece<'_>> {
    let (rest, name) = grammar::parse_name(rest).ok()?;
    let args = rest.strip_prefix(b" resumed>")?;
    match grammar::scan_args(args) {
        ArgsEnd::Closed(end) => {
            let (tail, (ret, duration)) = grammar::parse_return_part(&args[end + 1..]).ok()?;
            if !tail.is_empty() {
                return None;
            }
            Some(Piece::Tail { name, args: &args[..end], ret, duration })
        }
        // `<... read resumed> <unfinished ...>) = ?`: the call never completed
        ArgsEnd::Unfinished(_) if args.trim_ascii_end().ends_with(b"= ?") => {
            Some(Piece::Tail { name, args: &args[..0], ret: Return::Unfinished, duration: None })
        }
        ArgsEnd::Open => Some(Piece::Open),
        _ => None,
    }
}

fn parse_signal(rest: &[u8]) -> Option<Piece<'_>> {
    let body = rest.trim_ascii_end().strip_suffix(b" ---")?;
    if let Some(sig) = body.strip_prefix(b"stopped by ") {
        return Some(Piece::Kind(EventKind::Signal { signal: lossy(sig).into(), info: Box::default() }));
    }
    let (name, info) = match body.iter().position(|&c| c == b' ') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &b""[..]),
    };
    if !name.starts_with(b"SIG") {
        return None;
    }
    Some(Piece::Kind(EventKind::Signal { signal: lossy(name).into(), info: info.into() }))
}

fn parse_exit(rest: &[u8]) -> Option<Piece<'_>> {
    let body = rest.trim_ascii_end().strip_suffix(b" +++")?;
    if let Some(code) = body.strip_prefix(b"exited with ") {
        let code = std::str::from_utf8(code).ok()?.trim().parse().ok()?;
        return Some(Piece::Kind(EventKind::Exit { code }));
    }
    if let Some(sig) = body.strip_prefix(b"killed by ") {
        let (sig, core_dumped) = match sig.strip_suffix(b" (core dumped)") {
            Some(s) => (s, true),
            None => (sig, false),
        };
        return Some(Piece::Kind(EventKind::Killed { signal: lossy(sig).into(), core_dumped }));
    }
    // `superseded by execve in pid N` and any future `+++ ... +++` notice
    Some(Piece::Kind(EventKind::Strace { message: rest.trim_ascii_end().into() }))
}

/// Builds a call from its name, full argument text and outcome; decodes the arguments the
/// analysis needs (borrowed from `args` when it is borrowed).
pub fn build_syscall<'a>(name: Text<'a>, args: Bytes<'a>, ret: Return<'a>, duration: Option<f64>) -> Box<Syscall<'a>> {
    match args {
        Cow::Borrowed(a) => build_borrowed(name, a, None, ret, duration),
        Cow::Owned(a) => {
            let mut sc = Box::new(Syscall { name, ret, duration, ..Syscall::default() });
            // decoded from the owned text, then detached from it
            let mut tmp = Syscall { name: Cow::Borrowed(&*sc.name), ..Syscall::default() };
            args::decode_into(&mut tmp, &a, None);
            let tmp = tmp.into_owned();
            (sc.path, sc.path2, sc.dirfd, sc.fd, sc.addr) = (tmp.path, tmp.path2, tmp.dirfd, tmp.fd, tmp.addr);
            sc.path_truncated = tmp.path_truncated;
            sc.args = Cow::Owned(a);
            sc
        }
    }
}

/// [`build_syscall`] from borrowed argument text; `commas` as in [`args::decode_into`].
fn build_borrowed<'a>(
    name: Text<'a>,
    args: &'a [u8],
    commas: Option<&[usize]>,
    ret: Return<'a>,
    duration: Option<f64>,
) -> Box<Syscall<'a>> {
    // filled in place: a 280-byte call built on the stack would be copied into its box
    let mut sc: Box<Syscall> = Box::default();
    (sc.name, sc.ret, sc.duration) = (name, ret, duration);
    args::decode_into(&mut sc, args, commas);
    sc.args = Cow::Borrowed(args);
    sc
}

/// A copy of a clock or epoch timestamp's text (see [`Prefix::absolute_time`]).
fn absolute_timestamp(text: &[u8]) -> Timestamp<'static> {
    Timestamp { text: Cow::Owned(text.to_vec()), relative: false }
}

/// Lines that carry no event and are not garbage either.
fn is_skippable(line: &[u8]) -> bool {
    let t = line.trim_ascii_end();
    let Some(first) = t.iter().position(|c| !c.is_ascii_whitespace()) else { return true };
    let body = &t[first..];
    // -k frames (` > `), data dumps (` | `), --tips boxes and their ASCII art
    if first > 0 && body[0].is_ascii_punctuation() && !matches!(body[0], b'<' | b'=' | b',' | b')') {
        return true;
    }
    if body.starts_with(b"% time") || body.starts_with(b"------") {
        return true;
    }
    is_summary_row(body)
}

/// A `-c` table row: numbers and one syscall name (`-U` may put the name first), or its header.
fn is_summary_row(body: &[u8]) -> bool {
    if body.contains(&b'(') || body.contains(&b'=') {
        return false;
    }
    let words: Vec<&[u8]> = body.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
    if words.len() < 2 {
        return false;
    }
    let is_num = |w: &[u8]| w.iter().all(|c| c.is_ascii_digit() || *c == b'.' || *c == b'%');
    let is_name = |w: &[u8]| w.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') && !is_num(w);
    let header = words.iter().any(|w| *w == b"calls") && words.iter().any(|w| *w == b"syscall");
    let names = words.iter().filter(|w| is_name(w)).count();
    header
        || (names == 1
            && (is_name(words[0]) || is_name(words[words.len() - 1]))
            && words.iter().filter(|w| is_num(w)).count() == words.len() - 1)
}

/// Strips ANSI SGR sequences (`ESC[...m`) that strace 7 `--color` writes around tokens.
fn strip_color(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut k = 0;
    while k < line.len() {
        if line[k] == 0x1b && line.get(k + 1) == Some(&b'[') {
            let n = line[k + 2..].iter().take_while(|c| c.is_ascii_digit() || **c == b';').count();
            if line.get(k + 2 + n) == Some(&b'm') {
                k += n + 3;
                continue;
            }
        }
        out.push(line[k]);
        k += 1;
    }
    out
}

/// Where the last ` = ` starts: the `=` is searched from the end, where the return value is.
fn last_return_sep(body: &[u8]) -> Option<usize> {
    let mut end = body.len();
    while let Some(eq) = memchr::memrchr(b'=', &body[..end]) {
        if eq >= 1 && body[eq - 1] == b' ' && body.get(eq + 1) == Some(&b' ') {
            return Some(eq - 1);
        }
        end = eq;
    }
    None
}

// a searcher built once: building one per line costs as much as the search
static PROCESS_MSG: std::sync::LazyLock<memchr::memmem::FinderRev<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::FinderRev::new(b"strace: Process "));

/// How many physical lines a split call may wait for its continuation.
const GLUE_WINDOW: u32 = 16;

/// Turns physical lines into records: glues calls split by mid-line strace messages or program
/// output, separates program text stuck before a pid prefix, and applies the `-ff` pid.
pub struct Assembler {
    /// The pid of lines without a prefix (from a `-ff` file name).
    default_pid: Option<Pid>,
    /// Only count successful calls the analysis does not examine (see [`args::examined`]).
    fast: bool,
    /// The latest absolute timestamp's text (reused buffer; made a Timestamp in `stats`).
    last_time: Vec<u8>,
    /// Start of a call waiting for the rest of its line: (line number, text, lines waited).
    pending: Option<(u64, Vec<u8>, u32)>,
    pub stats: ParseStats,
}

impl Assembler {
    pub fn new(default_pid: Option<Pid>) -> Self {
        Assembler { default_pid, fast: false, last_time: Vec::new(), pending: None, stats: ParseStats::default() }
    }

    /// An assembler for the analysis: routine successful calls become [`EventKind::Routine`].
    pub fn fast(default_pid: Option<Pid>) -> Self {
        Assembler { fast: true, ..Self::new(default_pid) }
    }

    /// The counts so far, with the time span.
    pub fn stats(&self) -> ParseStats {
        let mut s = self.stats.clone();
        if !self.last_time.is_empty() {
            s.last_time = Some(absolute_timestamp(&self.last_time));
        }
        s
    }

    fn note_time(&mut self, text: Option<&[u8]>) {
        if let Some(text) = text {
            if self.stats.first_time.is_none() {
                self.stats.first_time = Some(absolute_timestamp(text));
            }
            self.last_time.clear();
            self.last_time.extend_from_slice(text);
        }
    }

    /// Lines without a pid prefix belong to the `-ff` file's pid (strace's messages to none).
    fn own_pid(&self, record: &mut Record<'_>) {
        match record {
            Record::Event(e) if !matches!(e.kind, EventKind::Strace { .. }) => e.pid = e.pid.or(self.default_pid),
            Record::Event(_) => {}
            Record::Head { pid, .. } | Record::Tail { pid, .. } => *pid = pid.or(self.default_pid),
        }
    }

    /// Feeds a line prepared by [`prepare`] (possibly on another thread); same result as
    /// [`Assembler::push`] on the raw line.
    pub fn push_prepared<'a>(
        &mut self,
        line_no: u64,
        raw: &'a [u8],
        prepared: Prepared<'a>,
        out: &mut Vec<Record<'a>>,
    ) {
        if self.pending.is_some() || matches!(prepared, Prepared::Raw) {
            return self.push(line_no, raw, out);
        }
        self.stats.lines += 1;
        self.stats.bytes += raw.len() as u64 + 1;
        let time = |t: Option<(usize, usize)>| t.map(|(a, b)| &raw[a..b]);
        match prepared {
            Prepared::Routine { pid, time: t } => {
                self.note_time(time(t));
                out.push(Record::Event(Event {
                    line: line_no,
                    pid: pid.or(self.default_pid),
                    time: None,
                    kind: EventKind::Routine,
                }));
            }
            Prepared::Parsed { time: t, mut record } => {
                self.note_time(time(t));
                self.own_pid(&mut record);
                out.push(record);
            }
            Prepared::Skip { time: t } => {
                self.note_time(time(t));
                self.stats.skipped += 1;
            }
            Prepared::Raw => {}
        }
    }

    /// The fast path: a complete call that succeeded and that the analysis does not examine.
    fn routine(prefix: &Prefix<'_>) -> bool {
        let Some((name, args)) = prefix.call else { return false };
        if args::examined(name, args) {
            return false;
        }
        let body = prefix.body;
        // the last ` = ` separates the return value (strings come before it); a digit after
        // it is a success, anything else (-1, ?, a cut line) takes the full parse
        match last_return_sep(body) {
            Some(i) => body.get(i + 3).is_some_and(u8::is_ascii_digit) && body[..i].trim_ascii_end().ends_with(b")"),
            None => false,
        }
    }

    /// Feeds one physical line (without its newline); records go to `out`.
    pub fn push<'a>(&mut self, line_no: u64, raw: &'a [u8], out: &mut Vec<Record<'a>>) {
        self.push_marked(line_no, raw, memchr::memchr(0x1b, raw).is_some(), out);
    }

    /// [`Assembler::push`] of a line known to hold an ESC byte or not
    /// ([`LineReader::next_marked_line`]).
    pub fn push_marked<'a>(&mut self, line_no: u64, raw: &'a [u8], escaped: bool, out: &mut Vec<Record<'a>>) {
        self.stats.lines += 1;
        self.stats.bytes += raw.len() as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if escaped {
            let colorless = strip_color(raw);
            let mut records = Vec::new();
            self.push_line(line_no, &colorless, &mut records);
            out.extend(records.into_iter().map(|r| -> Record<'a> { r.into_owned() }));
        } else {
            self.push_line(line_no, raw, out);
        }
    }

    fn push_line<'a>(&mut self, line_no: u64, line: &'a [u8], out: &mut Vec<Record<'a>>) {
        let prefix = scan_prefix(line);
        self.note_time(prefix.absolute_time());
        if self.fast && self.pending.is_none() && Self::routine(&prefix) {
            out.push(Record::Event(Event {
                line: line_no,
                pid: prefix.pid.or(self.default_pid),
                time: None,
                kind: EventKind::Routine,
            }));
            return;
        }
        if let Some((start, mut text, waited)) = self.pending.take() {
            // bounded: each glue parses the whole text again
            if is_continuation(line) && waited < GLUE_WINDOW && text.len() + line.len() <= MAX_LINE {
                text.extend_from_slice(line);
                let mut records = Vec::new();
                self.feed(start, &text, waited + 1, &mut records);
                out.extend(records.into_iter().map(|r| -> Record<'a> { r.into_owned() }));
                return;
            }
            let here = parse_physical(line);
            if waited < GLUE_WINDOW {
                // program output or more strace messages between the two halves of a call
                match here.piece {
                    Piece::Garbage => {
                        self.pending = Some((start, text, waited + 1));
                        self.emit_garbage(line_no, line, out);
                        return;
                    }
                    Piece::Kind(kind @ EventKind::Strace { .. }) => {
                        self.pending = Some((start, text, waited + 1));
                        out.push(self.event(line_no, here.pid, here.time, kind));
                        return;
                    }
                    _ => {}
                }
            }
            self.emit_garbage(start, &text, out);
        }
        self.feed_prefixed(line_no, line, prefix, 0, out);
    }

    /// Flushes a call still waiting for its continuation (a cut last line).
    pub fn finish(&mut self, out: &mut Vec<Record<'_>>) {
        if let Some((start, text, _)) = self.pending.take() {
            self.emit_garbage(start, &text, out);
        }
    }

    fn feed<'a>(&mut self, line_no: u64, line: &'a [u8], waited: u32, out: &mut Vec<Record<'a>>) {
        self.feed_prefixed(line_no, line, scan_prefix(line), waited, out);
    }

    fn feed_prefixed<'a>(
        &mut self,
        line_no: u64,
        line: &'a [u8],
        prefix: Prefix<'a>,
        waited: u32,
        out: &mut Vec<Record<'a>>,
    ) {
        let parsed = parse_prefixed(line, prefix).into_record(line_no);
        // a message ends its line, so only a line that does not parse can hold one
        let unparsed = matches!(parsed, Err(NoRecord::Open | NoRecord::Garbage));
        if let Some(pos) = unparsed.then(|| mid_line_message(line)).flatten() {
            out.push(self.event(
                line_no,
                None,
                None,
                EventKind::Strace { message: line[pos..].trim_ascii_end().into() },
            ));
            self.pending = Some((line_no, line[..pos].to_vec(), waited));
            return;
        }
        match parsed {
            Ok(mut record) => {
                self.own_pid(&mut record);
                out.push(record);
            }
            Err(NoRecord::Garbage) => {
                // program text stuck before a pid prefix: `cannot open config[pid 42] openat(...`
                if let Some(pos) = memchr::memmem::find(&line[1.min(line.len())..], b"[pid ").map(|p| p + 1) {
                    let rest = parse_physical(&line[pos..]);
                    if !matches!(rest.piece, Piece::Garbage) {
                        self.emit_garbage(line_no, &line[..pos], out);
                        return self.feed(line_no, &line[pos..], waited, out);
                    }
                }
                self.emit_garbage(line_no, line, out);
            }
            Err(NoRecord::Open) => self.pending = Some((line_no, line.to_vec(), waited)),
            Err(NoRecord::Skip) => self.stats.skipped += 1,
        }
    }

    fn event<'a>(&self, line: u64, pid: Option<Pid>, time: Option<Timestamp<'a>>, kind: EventKind<'a>) -> Record<'a> {
        let mut record = Record::Event(Event { line, pid, time, kind });
        self.own_pid(&mut record);
        record
    }

    fn emit_garbage(&mut self, line_no: u64, text: &[u8], out: &mut Vec<Record<'_>>) {
        if text.trim_ascii_end().is_empty() {
            return;
        }
        self.stats.unparsed += 1;
        out.push(Record::Event(Event {
            line: line_no,
            pid: None,
            time: None,
            kind: EventKind::Unparsed { text: text.into() },
        }));
    }
}

/// The second half of a call split by a strace message or by program output.
fn is_continuation(line: &[u8]) -> bool {
    line.starts_with(b", ")
        || line.starts_with(b" => ")
        || line.starts_with(b" <unfinished ...>")
        || line.starts_with(b" <detached ...>")
        || line.starts_with(b")")
        || line.starts_with(b"}")
        || line.starts_with(b"]")
}

/// strace 4.6 and older: `Process 4711 attached - interrupt to quit`.
fn is_old_attach(body: &[u8]) -> bool {
    body.starts_with(b"Process ")
        && (memchr::memmem::find(body, b" attached").is_some() || memchr::memmem::find(body, b" detached").is_some())
}

/// strace names itself as it was started: `/usr/bin/strace: Process 42 attached`.
fn is_argv0_message(body: &[u8]) -> bool {
    body.starts_with(b"/") && memchr::memmem::find(body, b"strace: ").is_some_and(|p| !body[..p].contains(&b' '))
}

/// Position of `strace: Process N attached|detached` written into the middle of a call
/// (including the `/usr/bin/` of an `argv[0]` that strace prefixes its messages with).
fn mid_line_message(line: &[u8]) -> Option<usize> {
    let mut pos = PROCESS_MSG.rfind(line)?;
    let run = line[..pos].iter().rposition(|c| matches!(c, b' ' | b',' | b'(' | b'{' | b'|')).map_or(0, |i| i + 1);
    if let Some(slash) = line[run..pos].iter().position(|&c| c == b'/') {
        pos = run + slash;
    }
    if pos == 0 {
        return None;
    }
    let rest = &line[pos..];
    let rest = &rest[memchr::memmem::find(rest, b"strace: Process ")? + 16..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let tail = &rest[digits..];
    let known = tail.starts_with(b" attached") || tail.starts_with(b" detached");
    // only when the text before it is an unfinished call, not a finished line plus output
    let before = parse_physical(&line[..pos]);
    (digits > 0 && known && matches!(before.piece, Piece::Open | Piece::Head { .. })).then_some(pos)
}

/// What a line gives when parsed on its own, owned so that lines can be prepared in
/// parallel and then fed to the [`Assembler`] in order ([`Assembler::push_prepared`]).
/// `time` is where an absolute timestamp stands in the line.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made and consumed in one batch, never kept
pub enum Prepared<'a> {
    /// A routine successful call (fast path).
    Routine { pid: Option<Pid>, time: Option<(usize, usize)> },
    /// A complete event, a head or a tail.
    Parsed { time: Option<(usize, usize)>, record: Record<'a> },
    /// Blank, frame, dump, table, tip box.
    Skip { time: Option<(usize, usize)> },
    /// Needs the stateful path: glue, colour, a mid-line message, garbage.
    Raw,
}

/// Prepares one physical line (without its newline) for [`Assembler::push_prepared`].
/// `line_no` goes into the record; `fast` as in [`Assembler::fast`].
pub fn prepare(line_no: u64, raw: &[u8], fast: bool) -> Prepared<'_> {
    let line = raw.strip_suffix(b"\r").unwrap_or(raw);
    if memchr::memchr(0x1b, line).is_some() {
        return Prepared::Raw;
    }
    let prefix = scan_prefix(line);
    let time = prefix.absolute_time().map(|t| {
        let start = t.as_ptr() as usize - line.as_ptr() as usize;
        (start, start + t.len())
    });
    if fast && Assembler::routine(&prefix) {
        return Prepared::Routine { pid: prefix.pid, time };
    }
    match parse_prefixed(line, prefix).into_record(line_no) {
        Ok(record) => Prepared::Parsed { time, record },
        Err(NoRecord::Skip) => Prepared::Skip { time },
        Err(NoRecord::Open | NoRecord::Garbage) => Prepared::Raw,
    }
}

/// The prefixes of a line (pid, timestamp, `-n`, `-i`) and the body after them.
#[derive(Clone, Copy)]
struct Prefix<'a> {
    pid: Option<Pid>,
    /// The timestamp's text and whether it is relative (`-r`).
    time: Option<(&'a [u8], bool)>,
    body: &'a [u8],
    /// When the body is a call: its name and the text after `name(`.
    call: Option<(&'a [u8], &'a [u8])>,
}

impl<'a> Prefix<'a> {
    /// The timestamp's text when it is a clock or epoch time (not `-r`).
    fn absolute_time(&self) -> Option<&'a [u8]> {
        self.time.filter(|(_, relative)| !relative).map(|(text, _)| text)
    }
}

fn scan_prefix(line: &[u8]) -> Prefix<'_> {
    let mut rest = line;
    let mut pid = None;
    if let Some((end, p)) = grammar::pid_prefix(rest) {
        pid = Some(p);
        rest = &rest[end..];
    }
    let mut time = None;
    if let Some(t) = grammar::timestamp_prefix(rest) {
        time = Some((&rest[t.text], t.relative));
        rest = &rest[t.end..];
    }
    // `-n` and `-i`
    if rest.first() == Some(&b'[') {
        if let Ok((r, ())) = grammar::parse_syscall_number(rest) {
            rest = r;
        }
        if let Ok((r, ())) = grammar::parse_instruction_pointer(rest) {
            rest = r;
        }
    }
    Prefix { pid, time, body: rest, call: call_start(rest) }
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

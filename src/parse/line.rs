//! One physical line on its own: what it is, without the lines around it. It keeps no state, so
//! that lines can be parsed on any thread ([`prepare`](super::prepare)); gluing split calls and
//! the `-ff` pid are the [`Assembler`](super::Assembler)'s.

use std::borrow::Cow;

use super::grammar::{self, ArgsEnd};
use super::text::lossy;
use super::{args, returns, Record};
use crate::event::{Bytes, Event, EventKind, Pid, Return, Syscall, Text, Timestamp};

/// The prefixes of a line (pid, timestamp, `-n`, `-i`) and the body after them.
#[derive(Clone, Copy)]
pub(super) struct Prefix<'a> {
    pub(super) pid: Option<Pid>,
    /// The timestamp's text and whether it is relative (`-r`).
    time: Option<(&'a [u8], bool)>,
    body: &'a [u8],
    /// When the body is a call: its name and the text after `name(`.
    call: Option<(&'a [u8], &'a [u8])>,
}

impl<'a> Prefix<'a> {
    /// The timestamp's text when it is a clock or epoch time (not `-r`).
    pub(super) fn absolute_time(&self) -> Option<&'a [u8]> {
        self.time.filter(|(_, relative)| !relative).map(|(text, _)| text)
    }
}

pub(super) fn scan_prefix(line: &[u8]) -> Prefix<'_> {
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

/// `name(`: the name and the text after the parenthesis.
fn call_start(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (rest, name) = grammar::parse_name(body).ok()?;
    Some((name, rest.strip_prefix(b"(")?))
}

/// The fast path: a complete call that succeeded and that the analysis does not examine.
pub(super) fn routine(prefix: &Prefix<'_>) -> bool {
    let Some((name, args)) = prefix.call else { return false };
    let info = crate::syscalls::info(name);
    let body = prefix.body;
    // a call that can wait is measured when the line says how long it took (`-T`, or a
    // timestamp to the process's next line), unless it was brief and leaves nothing behind
    if info.examined(args) {
        return false;
    }
    if info.waits(args) && (prefix.time.is_some() || body.ends_with(b">")) {
        let brief = || super::returns::trailing_duration(body).is_some_and(|d| d < crate::syscalls::BRIEF_WAIT);
        if !(info.brief_is_nothing() && brief()) {
            return false;
        }
    }
    // the last ` = ` separates the return value (strings come before it); a digit after
    // it is a success, anything else (-1, ?, a cut line) takes the full parse
    match last_return_sep(body) {
        Some(i) => body.get(i + 3).is_some_and(u8::is_ascii_digit) && body[..i].trim_ascii_end().ends_with(b")"),
        None => false,
    }
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

/// What a single line is, without any context.
#[derive(Debug, PartialEq)]
pub(super) enum Piece<'a> {
    Kind(EventKind<'a>),
    Head { name: &'a [u8], args: &'a [u8] },
    Tail { name: &'a [u8], args: &'a [u8], ret: Return<'a>, duration: Option<f64> },
    No(NoRecord),
}

pub(super) struct Parsed<'a> {
    pub(super) pid: Option<Pid>,
    pub(super) time: Option<Timestamp<'a>>,
    pub(super) piece: Piece<'a>,
}

pub(super) fn parse_physical(line: &[u8]) -> Parsed<'_> {
    parse_prefixed(line, scan_prefix(line))
}

/// [`parse_physical`] with the prefix already scanned.
pub(super) fn parse_prefixed<'a>(line: &'a [u8], prefix: Prefix<'a>) -> Parsed<'a> {
    // a call right after the prefix is none of the skipped shapes
    if prefix.call.is_none() && is_skippable(line) {
        return Parsed { pid: None, time: None, piece: Piece::No(NoRecord::Skip) };
    }
    let time = prefix.time.map(|(text, relative)| Timestamp { text: Cow::Borrowed(text), relative });
    let piece = match prefix.call {
        Some((name, args)) => parse_call(name, args),
        None => parse_body(prefix.body),
    };
    Parsed { pid: prefix.pid, time, piece }
}

impl<'a> Parsed<'a> {
    /// The record of an event, head or tail; what else the line was otherwise.
    pub(super) fn into_record(self, line: u64) -> Result<Record<'a>, NoRecord> {
        let Parsed { pid, time, piece } = self;
        Ok(match piece {
            Piece::Kind(kind) => Record::Event(Event { line, pid, time, kind }),
            Piece::Head { name, args } => Record::Head { line, pid, time, name: lossy(name), args: args.into() },
            Piece::Tail { name, args, ret, duration } => {
                Record::Tail { line, pid, time, name: lossy(name), args: args.into(), ret, duration }
            }
            Piece::No(no) => return Err(no),
        })
    }
}

/// A line that makes no record by itself.
#[derive(Debug, PartialEq)]
pub(super) enum NoRecord {
    /// A call whose line ended inside the arguments or before its return.
    Open,
    Skip,
    Garbage,
}

/// A body that is not a call (`name(` is looked for by [`scan_prefix`]).
fn parse_body(body: &[u8]) -> Piece<'_> {
    if let Some(rest) = body.strip_prefix(b"--- ") {
        return parse_signal(rest).unwrap_or(Piece::No(NoRecord::Garbage));
    }
    if let Some(rest) = body.strip_prefix(b"+++ ") {
        return parse_exit(rest).unwrap_or(Piece::No(NoRecord::Garbage));
    }
    if body.starts_with(b"strace: ")
        || body.starts_with(b"[ Process PID=")
        || is_argv0_message(body)
        || is_old_attach(body)
    {
        return Piece::Kind(EventKind::Strace { message: body.trim_ascii_end().into() });
    }
    if let Some(rest) = body.strip_prefix(b"<... ") {
        return parse_tail(rest).unwrap_or(Piece::No(NoRecord::Garbage));
    }
    Piece::No(NoRecord::Garbage)
}

/// `name(args...` with `args` the text after the parenthesis.
fn parse_call<'a>(name: &'a [u8], args: &'a [u8]) -> Piece<'a> {
    let mut commas = grammar::Commas::new();
    match grammar::scan_args_split(args, &mut commas) {
        ArgsEnd::Closed(end) => match returns::parse_return_part(&args[end + 1..]) {
            Ok((b"", (ret, duration))) => {
                Piece::Kind(EventKind::Syscall(build_borrowed(lossy(name), &args[..end], Some(&commas), ret, duration)))
            }
            Ok(_) => Piece::No(NoRecord::Garbage),
            Err(_) if args[end + 1..].trim_ascii_end().is_empty() => Piece::No(NoRecord::Open),
            Err(_) => Piece::No(NoRecord::Garbage),
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
        ArgsEnd::Open => Piece::No(NoRecord::Open),
    }
}

/// `read resumed>"go", 8) = 2` (after `<... `).
fn parse_tail(rest: &[u8]) -> Option<Piece<'_>> {
    let (rest, name) = grammar::parse_name(rest).ok()?;
    let args = rest.strip_prefix(b" resumed>")?;
    match grammar::scan_args(args) {
        ArgsEnd::Closed(end) => {
            let (tail, (ret, duration)) = returns::parse_return_part(&args[end + 1..]).ok()?;
            if !tail.is_empty() {
                return None;
            }
            Some(Piece::Tail { name, args: &args[..end], ret, duration })
        }
        // `<... read resumed> <unfinished ...>) = ?`: the call never completed
        ArgsEnd::Unfinished(_) if args.trim_ascii_end().ends_with(b"= ?") => {
            Some(Piece::Tail { name, args: &args[..0], ret: Return::Unfinished, duration: None })
        }
        ArgsEnd::Open => Some(Piece::No(NoRecord::Open)),
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
            (sc.path_truncated, sc.info) = (tmp.path_truncated, tmp.info);
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
    // one pass for both (a resumed tail without `(` comes here, and scans its whole line)
    if memchr::memchr2(b'(', b'=', body).is_some() {
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
pub(super) fn strip_color(line: &[u8]) -> Vec<u8> {
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

/// The second half of a call split by a strace message or by program output.
pub(super) fn is_continuation(line: &[u8]) -> bool {
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

/// The pid of strace's `Process N attached` message (`strace: Process N attached`, `... attached
/// with M threads`, `/usr/bin/strace: ...`, strace 4.6's `Process N attached - interrupt to
/// quit`), as the `message` of an `EventKind::Strace` holds it.
pub fn attached_pid(message: &[u8]) -> Option<crate::event::Pid> {
    let at = memchr::memmem::find(message, b"Process ")?;
    let before = &message[..at];
    if !(before.is_empty() || before.ends_with(b"strace: ")) {
        return None;
    }
    let rest = &message[at + 8..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || !rest[digits..].starts_with(b" attached") {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// What strace said on stderr about one process while attaching and detaching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachMessage {
    /// `strace: Process N attached`.
    Attached(crate::event::Pid),
    /// `strace: attach: ptrace(PTRACE_SEIZE, N): Operation not permitted`, with strace's reason.
    Refused(crate::event::Pid, String),
    /// `strace: Process N detached`.
    Detached(crate::event::Pid),
}

/// strace's message about attaching to or detaching from one process, if `message` is one.
pub fn attach_message(message: &[u8]) -> Option<AttachMessage> {
    if let Some(pid) = attached_pid(message) {
        return Some(AttachMessage::Attached(pid));
    }
    let body = &message[memchr::memmem::find(message, b"strace: ")? + 8..];
    if let Some(rest) = body.strip_prefix(b"Process ") {
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if rest[digits..] == *b" detached" {
            return Some(AttachMessage::Detached(std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?));
        }
        return None;
    }
    let rest = body.strip_prefix(b"attach: ptrace(")?;
    let comma = memchr::memchr(b',', rest)?;
    let rest = &rest[comma + 1..];
    let close = memchr::memmem::find(rest, b"): ")?;
    let pid = std::str::from_utf8(&rest[..close]).ok()?.trim().parse().ok()?;
    Some(AttachMessage::Refused(pid, String::from_utf8_lossy(&rest[close + 3..]).into_owned()))
}

/// strace names itself as it was started: `/usr/bin/strace: Process 42 attached`.
fn is_argv0_message(body: &[u8]) -> bool {
    body.starts_with(b"/") && memchr::memmem::find(body, b"strace: ").is_some_and(|p| !body[..p].contains(&b' '))
}

/// Position of `strace: Process N attached|detached` written into the middle of a call
/// (including the `/usr/bin/` of an `argv[0]` that strace prefixes its messages with).
pub(super) fn mid_line_message(line: &[u8]) -> Option<usize> {
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
    (digits > 0 && known && matches!(before.piece, Piece::No(NoRecord::Open) | Piece::Head { .. })).then_some(pos)
}

// a searcher built once: building one per line costs as much as the search
static PROCESS_MSG: std::sync::LazyLock<memchr::memmem::FinderRev<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::FinderRev::new(b"strace: Process "));

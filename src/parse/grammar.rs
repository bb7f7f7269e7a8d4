//! nom combinators for one physical strace line. Private to the parse module. The pieces every
//! line goes through (pid, timestamp, name, a plain return value, the `-T` duration) are
//! written out by hand with the same grammar: as combinators they were about a tenth of the
//! time in profiles.
//!
//! Grammar pieces, in line order: prefix (pid, timestamp, `-n` number, `-i` pointer), body
//! (syscall call, resumed tail, signal, exit/kill, strace message: the last three in `line.rs`),
//! return, trailer (markers, `-T` duration: both in `returns.rs`). Arguments are scanned, not
//! parsed into a tree: strings are skipped with escape awareness and brackets are counted, and
//! only the arguments the analysis needs are decoded (see `args.rs`).

use nom::bytes::complete::take_while_m_n;
use nom::character::complete::{char, digit1, space0, space1};
use nom::sequence::{delimited, pair};
use nom::IResult;

use super::quoted;
use crate::event::Pid;

pub type In<'a> = &'a [u8];

// ---------------------------------------------------------------- prefix

/// `[pid  4711] `, `[pid 4711<comm>] ` (`-Y`), or the bare `4711  ` of `-f -o` files: the pid
/// and the length of the prefix with the blanks after it.
/// (`"[pid" space1 u32 [angle] "]" space1 | u32 [angle] space1`)
#[inline]
pub fn pid_prefix(i: In) -> Option<(usize, Pid)> {
    let bracketed = i.starts_with(b"[pid");
    let mut k = 0;
    if bracketed {
        k = match blanks(&i[4..]) {
            0 => return None,
            n => 4 + n,
        };
    }
    // one to ten digits that fit a u32 (iterators: no bounds check per digit)
    let digits = i[k..].iter().take(10).take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let v = i[k..k + digits].iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'));
    k += digits;
    let pid = u32::try_from(v).ok()?;
    if i.get(k) == Some(&b'<') {
        let (rest, _) = parse_angle(&i[k..]).ok()?;
        k = i.len() - rest.len();
    }
    if bracketed {
        if i.get(k) != Some(&b']') {
            return None;
        }
        k += 1;
    }
    match blanks(&i[k..]) {
        0 => None,
        n => Some((k + n, pid)),
    }
}

/// How many spaces and tabs `i` starts with.
pub fn blanks(i: In) -> usize {
    i.iter().take_while(|c| matches!(c, b' ' | b'\t')).count()
}

/// How many digits `t` has from `from` on (0 past its end).
pub fn digits_at(t: In, from: usize) -> usize {
    t.get(from..).map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// Where a timestamp prefix's text is, where the prefix ends (after its blanks), and whether
/// it is a `-r` time.
pub struct TimePrefix {
    pub text: std::ops::Range<usize>,
    pub end: usize,
    pub relative: bool,
}

/// `space0 (clock | digit1 "." digit1) space1`, clock = `DD:DD:DD["." digit1]`.
#[inline]
pub fn timestamp_prefix(i: In) -> Option<TimePrefix> {
    let lead = blanks(i);
    let t = &i[lead..];
    let digit = |k: usize| t.get(k).is_some_and(u8::is_ascii_digit);
    // (length, and whether it is short enough for `-r`: `-r` right-aligns its value, so only
    // it has leading spaces, and it is the only clock-less number with fewer than 9 integer
    // digits — epoch seconds have 10)
    let (len, short) = if t.get(2) == Some(&b':') {
        // exactly two digits per field, then an optional fraction
        let fields = digit(0) && digit(1) && digit(3) && digit(4) && t.get(5) == Some(&b':') && digit(6) && digit(7);
        if !fields || digit(8) {
            return None;
        }
        match (t.get(8), digits_at(t, 9)) {
            (Some(b'.'), n) if n > 0 => (9 + n, false),
            _ => (8, false),
        }
    } else {
        let int = digits_at(t, 0);
        let frac = digits_at(t, int + 1);
        if int == 0 || t.get(int) != Some(&b'.') || frac == 0 {
            return None;
        }
        (int + 1 + frac, int < 9)
    };
    let n = blanks(&t[len..]);
    if n == 0 {
        return None;
    }
    Some(TimePrefix { text: lead..lead + len, end: lead + len + n, relative: lead > 0 || short })
}

/// `-n`: `[ 257] `.
pub fn parse_syscall_number(i: In) -> IResult<In, ()> {
    let (i, _) = delimited(pair(char('['), space0), digit1, char(']'))(i)?;
    let (i, _) = space1(i)?;
    Ok((i, ()))
}

/// `-i`: `[00007f3a1c2b4d11] ` or `[????????????????] `.
pub fn parse_instruction_pointer(i: In) -> IResult<In, ()> {
    let (i, _) = delimited(char('['), take_while_m_n(8, 16, |c: u8| c.is_ascii_hexdigit() || c == b'?'), char(']'))(i)?;
    let (i, _) = space1(i)?;
    Ok((i, ()))
}

/// `[-]digits` as i64; `None` when it is not that or does not fit.
pub fn decimal_int(t: &[u8]) -> Option<i64> {
    let (neg, digits) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(c - b'0'))?;
    }
    // accumulated negative: i64::MIN fits
    if neg {
        Some(v)
    } else {
        v.checked_neg()
    }
}

/// A `<...>` group with nesting (`<char 1:3>` inside a `-y` path) and escapes; returns the
/// text between the outer brackets.
pub fn parse_angle(i: In) -> IResult<In, In> {
    match angle_end(i) {
        Some(end) => Ok((&i[end + 1..], &i[1..end])),
        None => Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char))),
    }
}

/// Index of the `>` closing a plain decoration (without `<` or `\\`, and a path or without
/// `[`) that starts at `i[0]`: most are, and they need neither nesting rules nor decoding.
/// (Only socket decorations hold bracketed text to skip: `TCP:[a->b]`; a path's `[` is
/// literal, so it is not looked for in paths.)
pub fn plain_angle_end(i: In) -> Option<usize> {
    let k = 1 + memchr::memchr3(b'>', b'<', b'\\', i.get(1..)?)?;
    let plain = i[k] == b'>' && i[k - 1] != b'-';
    (plain && (i[1] == b'/' || memchr::memchr(b'[', &i[1..k]).is_none())).then_some(k)
}

/// Index of the `>` closing a socket decoration `<KIND:[text]>` whose text holds no bracket,
/// quote or backslash (`<TCP:[127.0.0.1:80->127.0.0.1:5000]>`: most of a `-yy` server's), found
/// by searching; what [`angle_end`]'s walk would find, `None` for any other shape.
fn socket_angle_end(i: In) -> Option<usize> {
    let kind = 1 + i.get(1..)?.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
    if kind == 1 || i.get(kind..kind + 2) != Some(&b":["[..]) {
        return None;
    }
    let text = kind + 2;
    let close = text + memchr::memchr3(b']', b'[', b'"', &i[text..])?;
    let plain = i[close] == b']' && i.get(close + 1) == Some(&b'>') && memchr::memchr(b'\\', &i[text..close]).is_none();
    plain.then_some(close + 1)
}

/// Index of the `>` closing the `<` at `i[0]`.
pub fn angle_end(i: In) -> Option<usize> {
    if i.first() != Some(&b'<') {
        return None;
    }
    if let Some(close) = plain_angle_end(i) {
        return Some(close);
    }
    if let Some(close) = socket_angle_end(i) {
        return Some(close);
    }
    walk_angle_end(i)
}

/// [`angle_end`] byte by byte: nesting, escapes, bracketed socket text.
fn walk_angle_end(i: In) -> Option<usize> {
    let mut depth = 0usize;
    let mut brackets = 0usize;
    let mut k = 0;
    while k < i.len() {
        match i[k] {
            b'\\' => k += 1,
            // socket decorations: `UNIX-STREAM:[30704->32723,"/run/x.sock"]`, `TCP:[a->b]`
            b'[' if i[k - 1] == b':' => brackets += 1,
            b']' if brackets > 0 => brackets -= 1,
            b'"' if brackets > 0 => k += quoted::closing_quote(&i[k..])?,
            b'<' if brackets == 0 => depth += 1,
            b'>' if brackets == 0 && i[k - 1] != b'-' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
        k += 1;
    }
    None
}

// ---------------------------------------------------------------- call

/// `[A-Za-z0-9_]`, as a table: one load per byte instead of three range tests.
static NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    t
};

/// A syscall name: `[A-Za-z_][A-Za-z0-9_]*` (by hand: it runs several times per line).
pub fn parse_name(i: In) -> IResult<In, In> {
    if !i.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Alpha)));
    }
    let mut n = 1;
    while n < i.len() && NAME_BYTE[usize::from(i[n])] {
        n += 1;
    }
    Ok((&i[n..], &i[..n]))
}

/// How the argument text of a call ends.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgsEnd {
    /// `)` at depth 0 at this index.
    Closed(usize),
    /// ` <unfinished ...>` starts at this index.
    Unfinished(usize),
    /// ` <detached ...>` starts at this index.
    Detached(usize),
    /// The line ended inside the arguments (cut line, or program output broke it).
    Open,
}

/// Top-level comma positions of an argument text, as many as a call's decoder reads.
pub type Commas = smallvec::SmallVec<[usize; 6]>;

/// Bytes at which [`scan_args`] has something to do; the others are skipped in a tight loop.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let s = b"\"()[]{}<,";
    while k < s.len() {
        t[s[k] as usize] = true;
        k += 1;
    }
    t
};

/// Scans argument text right after `name(` to where it ends.
pub fn scan_args(i: In) -> ArgsEnd {
    scan_args_split(i, &mut Commas::new())
}

/// [`scan_args`] that also records the top-level commas (up to the inline capacity of
/// [`Commas`]), so that arguments are split without a second scan.
pub fn scan_args_split(i: In, commas: &mut Commas) -> ArgsEnd {
    let mut depth = 0usize;
    let mut k = 0;
    while k < i.len() {
        if !SPECIAL[usize::from(i[k])] {
            k += 1;
            continue;
        }
        match i[k] {
            b'"' => match quoted::closing_quote(&i[k..]) {
                Some(end) => k += end,
                None => return ArgsEnd::Open,
            },
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return if i[k] == b')' { ArgsEnd::Closed(k) } else { ArgsEnd::Open };
                }
                depth -= 1;
            }
            b',' => {
                if depth == 0 && commas.len() < commas.inline_size() {
                    commas.push(k);
                }
            }
            _ => {
                let rest = &i[k..];
                if rest.starts_with(b"<unfinished ...>") {
                    return ArgsEnd::Unfinished(k);
                }
                if rest.starts_with(b"<detached ...>") {
                    return ArgsEnd::Detached(k);
                }
                if decorates(i, k) {
                    match angle_end(rest) {
                        Some(end) => k += end,
                        None => return ArgsEnd::Open,
                    }
                }
            }
        }
        k += 1;
    }
    ArgsEnd::Open
}

/// Whether the `<` at `i[k]` opens a `-y` decoration right after an fd: its path may hold `"`,
/// `)` or `[` (`1<<CAP_CHOWN` is a shift, not a decoration).
pub fn decorates(i: In, k: usize) -> bool {
    k > 0 && (i[k - 1].is_ascii_alphanumeric() || i[k - 1] == b'_') && i.get(k + 1) != Some(&b'<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids() {
        assert_eq!(pid_prefix(b"[pid  4711] x"), Some((12, 4711)));
        assert_eq!(pid_prefix(b"[pid 10151<g2>] x").unwrap().1, 10151);
        assert_eq!(pid_prefix(b"4510  exit_group(0)"), Some((6, 4510)));
        assert_eq!(pid_prefix(b"1795711850.219217 x"), None);
        assert_eq!(pid_prefix(b"     0.000048 x"), None);
        assert_eq!(pid_prefix(b"4294967296 x"), None);
        assert_eq!(pid_prefix(b"[pid 7]x"), None);
    }

    #[test]
    fn timestamps() {
        // (text, relative, what follows)
        let t = |s: &'static [u8]| timestamp_prefix(s).map(|t| (&s[t.text], t.relative, &s[t.end..]));
        assert_eq!(t(b"10:15:02.412345 close(3)"), Some((&b"10:15:02.412345"[..], false, &b"close(3)"[..])));
        assert_eq!(t(b"     0.000048 access("), Some((&b"0.000048"[..], true, &b"access("[..])));
        assert_eq!(t(b"1795711850.219217734 x"), Some((&b"1795711850.219217734"[..], false, &b"x"[..])));
    }

    #[test]
    fn a_searched_socket_decoration_ends_where_the_walk_ends() {
        let found = |d: &[u8]| socket_angle_end(d);
        for d in [
            &b"<TCP:[127.0.0.1:80->127.0.0.1:5000]>, 5"[..],
            b"<UDP:[10.0.0.1:53]> x",
            b"<UNIX-STREAM:[30704->32723]>",
            b"<pipe:[12]>",
        ] {
            assert!(found(d).is_some(), "{}", String::from_utf8_lossy(d));
            assert_eq!(found(d), walk_angle_end(d), "{}", String::from_utf8_lossy(d));
        }
        // shapes left to the walk
        for d in [
            &b"<UNIX-STREAM:[30704->32723,\"/run/x.sock\"]>"[..],
            b"<TCPv6:[[::1]:80->[::1]:5000]>",
            b"<TCPv6:[::1]:80]>",
            b"<TCP:[a\\]b]>",
            b"<TCP:[1]x>",
            b"</srv/a:[b]>",
            b"<:[1]>",
        ] {
            assert_eq!(found(d), None, "{}", String::from_utf8_lossy(d));
        }
    }

    #[test]
    fn args_scanning() {
        assert_eq!(scan_args(br#"AT_FDCWD, "a)b", O_RDONLY) = 3"#), ArgsEnd::Closed(25));
        assert_eq!(scan_args(br#"3,  <unfinished ...>"#), ArgsEnd::Unfinished(4));
        assert_eq!(scan_args(br#"{a=[1, (2)]}, "x"#), ArgsEnd::Open);
        assert_eq!(scan_args(br#"3</srv/par) = 0>) = 0"#), ArgsEnd::Closed(16));
        assert_eq!(scan_args(br#"{effective=1<<CAP_CHOWN|1<<CAP_KILL}) = 0"#), ArgsEnd::Closed(36));
        assert_eq!(scan_args(br#"5<UNIX-STREAM:[1->2,"/run/x.sock"]>, "a") = 1"#), ArgsEnd::Closed(40));
        assert_eq!(scan_args(br#"3</srv/esc\33[2J>) = 0"#), ArgsEnd::Closed(17));
        assert_eq!(scan_args(br#"3</srv/q\"d>, "x") = 0"#), ArgsEnd::Closed(17));
        // a path's brackets are literal, even after a colon
        assert_eq!(scan_args(br#"3</srv/a:[b>) = 0"#), ArgsEnd::Closed(12));
    }
}

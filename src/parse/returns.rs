//! What follows a call's closing parenthesis: ` = ` and the return value, the `(INJECTED)` and
//! `(DELAYED)` markers, the `-T` duration. Complete calls and resumed tails both end in it; the
//! common `= N` is read by hand, the rarer shapes (errors, restarts, hex values, comments) by nom.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{opt, recognize};
use nom::sequence::{delimited, pair, preceded, tuple};
use nom::IResult;

use super::grammar::{angle_end, blanks, decimal_int, parse_angle, scan_args, ArgsEnd, In};
use super::text::lossy;
use crate::event::Return;

/// What follows the closing parenthesis: ` = RET [markers] [<duration>]`.
pub fn parse_return_part(i: In<'_>) -> IResult<In<'_>, (Return<'_>, Option<f64>)> {
    // ` = ` by hand: every call line has it
    let lead = blanks(i);
    let fail = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char));
    let after = i[lead..].strip_prefix(b"=").ok_or_else(fail)?;
    let i = match blanks(after) {
        0 => return Err(fail()),
        n => &after[n..],
    };
    if let Some(common) = plain_value_return(i) {
        return Ok((&i[i.len()..], common));
    }
    let (i, ret) = parse_return(i)?;
    let (i, _) = nom::multi::many0(preceded(space1, alt((tag("(INJECTED)"), tag("(DELAYED)")))))(i)?;
    let (i, duration) = opt(preceded(space1, parse_duration))(i)?;
    let (i, _) = space0(i)?;
    // `<-5.000000>`, `<nan>`, `<1e308>`: not a duration strace prints; the call stands, its
    // duration marked impossible (infinite) for the analysis to drop and count
    if duration.is_none() && i.first() == Some(&b'<') && i.last() == Some(&b'>') && !i[1..i.len() - 1].contains(&b'<') {
        return Ok((&i[i.len()..], (ret, Some(f64::INFINITY))));
    }
    Ok((i, (ret, duration)))
}

/// The common case without nom: `N[<decoration>][ <duration>]` to the end of the line.
fn plain_value_return(i: In<'_>) -> Option<(Return<'_>, Option<f64>)> {
    let digits = i.iter().position(|c| !c.is_ascii_digit()).unwrap_or(i.len());
    let value = decimal_int(&i[..digits])?;
    let mut rest = &i[digits..];
    let mut decoration = None;
    if rest.first() == Some(&b'<') {
        let end = angle_end(rest)?;
        decoration = Some(Cow::Borrowed(&rest[1..end]));
        rest = &rest[end + 1..];
    }
    let end = rest.iter().rposition(|c| !matches!(c, b' ' | b'\t')).map_or(0, |e| e + 1);
    let duration = match &rest[..end] {
        [] => None,
        [b' ', d @ ..] => match parse_duration(d) {
            Ok((b"", d)) => Some(d),
            // not a duration strace prints (`<-5.0>`, `<nan>`): marked impossible, as above
            _ if d.first() == Some(&b'<') && d.last() == Some(&b'>') && !d[1..d.len() - 1].contains(&b'<') => {
                Some(f64::INFINITY)
            }
            _ => return None,
        },
        _ => return None,
    };
    Some((Return::Value { value, decoration }, duration))
}

/// The `-T` duration that ends `line`, if it ends with one.
pub(super) fn trailing_duration(line: &[u8]) -> Option<f64> {
    let at = memchr::memrchr(b'<', line)?;
    match parse_duration(&line[at..]) {
        Ok((b"", d)) => Some(d),
        _ => None,
    }
}

/// `<SECS.frac>` (by hand: it ends every `-T` line).
fn parse_duration(i: In) -> IResult<In, f64> {
    let fail = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Digit));
    let t = i.strip_prefix(b"<").ok_or_else(fail)?;
    // the digits are read as they are counted (one pass; `decimal` for long ones)
    let (int, whole) = digits_value(t);
    let (frac, part) = t.get(int + 1..).map_or((0, 0), digits_value);
    if int == 0 || t.get(int) != Some(&b'.') || frac == 0 || t.get(int + 1 + frac) != Some(&b'>') {
        return Err(fail());
    }
    let secs = if int + frac > 15 {
        decimal(&t[..int], &t[int + 1..int + 1 + frac])
    } else {
        const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
        // both parts as one exact integer (at most 15 digits), as `decimal` does
        (whole * POW10_U64[frac] + part) as f64 / POW10[frac]
    };
    Ok((&t[int + frac + 2..], secs))
}

const POW10_U64: [u64; 16] = {
    let mut t = [1u64; 16];
    let mut k = 1;
    while k < 16 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// How many digits `t` starts with and their value (wrapping past 19 digits: callers use the
/// value only for 15 digits or fewer).
fn digits_value(t: &[u8]) -> (usize, u64) {
    let mut v = 0u64;
    let mut n = 0;
    for &c in t {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        n += 1;
    }
    (n, v)
}

/// `int.frac` as the nearest f64, like `str::parse` but without it: both parts as one exact
/// integer, divided by an exact power of ten (IEEE division rounds correctly).
fn decimal(int: &[u8], frac: &[u8]) -> f64 {
    if int.len() + frac.len() > 15 {
        let s = [int, b".", frac].concat();
        return std::str::from_utf8(&s).ok().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    }
    const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let mut n = 0u64;
    for &c in int {
        n = n * 10 + u64::from(c - b'0');
    }
    for &c in frac {
        n = n * 10 + u64::from(c - b'0');
    }
    n as f64 / POW10[frac.len()]
}

pub fn parse_return(i: In<'_>) -> IResult<In<'_>, Return<'_>> {
    alt((parse_error_return, parse_question_return, parse_value_return))(i)
}

/// `-1 ENOENT (No such file or directory)` or `-1 (errno 524)`.
fn parse_error_return(i: In<'_>) -> IResult<In<'_>, Return<'_>> {
    let (i, _) = pair(tag("-1"), space1)(i)?;
    if let Ok((rest, digits)) =
        delimited(pair(tag("(errno"), space1), digit1::<In, nom::error::Error<In>>, char(')'))(i)
    {
        return Ok((rest, Return::Error { errno: lossy(digits), message: Cow::Borrowed("") }));
    }
    let (i, errno) = take_while1(|c: u8| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')(i)?;
    let (i, message) = opt(preceded(space1, parse_parens))(i)?;
    Ok((i, Return::Error { errno: lossy(errno), message: message.map(lossy).unwrap_or_default() }))
}

/// `?`, `? ERESTARTSYS (To be restarted ...)`, `? <unavailable>`.
fn parse_question_return(i: In<'_>) -> IResult<In<'_>, Return<'_>> {
    let (i, _) = char('?')(i)?;
    let code = preceded(
        space1,
        pair(
            take_while1(|c: u8| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'),
            opt(preceded(space1, parse_parens)),
        ),
    );
    let (i, restart) = opt(code)(i)?;
    let (i, _) = opt(preceded(space1, tag("<unavailable>")))(i)?;
    Ok((
        i,
        match restart {
            Some((code, msg)) => Return::Restart { code: lossy(code), message: msg.map(lossy).unwrap_or_default() },
            None => Return::NoReturn,
        },
    ))
}

/// A decimal or hex value, an optional `<decoration>`, and optional ` (comment)`s.
fn parse_value_return(i: In<'_>) -> IResult<In<'_>, Return<'_>> {
    let (i, text) = alt((
        recognize(pair(tag("0x"), take_while1(|c: u8| c.is_ascii_hexdigit()))),
        recognize(pair(opt(char('-')), digit1)),
    ))(i)?;
    let (i, decoration) = opt(parse_angle)(i)?;
    let (i, _) = nom::multi::many0(preceded(space1, parse_comment))(i)?;
    // hex results are addresses (mmap, brk) or flag words: kept as printed
    let ret = match decimal_int(text) {
        Some(value) => Return::Value { value, decoration: decoration.map(Cow::Borrowed) },
        None => Return::Other { text: lossy(text) },
    };
    Ok((i, ret))
}

/// A decoded-result comment after a value: `(flags O_RDONLY)`, `([{fd=4, revents=POLLIN}])`,
/// `/* 4 vars */`. Not the `(INJECTED)`/`(DELAYED)` markers, which the caller handles.
fn parse_comment(i: In) -> IResult<In, In> {
    if i.starts_with(b"(INJECTED)") || i.starts_with(b"(DELAYED)") {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag)));
    }
    alt((parse_parens, recognize(tuple((tag("/*"), nom::bytes::complete::take_until("*/"), tag("*/"))))))(i)
}

/// A balanced `( ... )` group (strings inside skipped); returns the text inside.
fn parse_parens(i: In) -> IResult<In, In> {
    if i.first() != Some(&b'(') {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char)));
    }
    match scan_args(&i[1..]) {
        ArgsEnd::Closed(end) => Ok((&i[end + 2..], &i[1..end + 1])),
        _ => Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns() {
        let r = |s: &'static [u8]| parse_return_part(s).unwrap().1;
        assert_eq!(r(b" = 3").0, Return::Value { value: 3, decoration: None });
        assert_eq!(
            r(b"= 3</srv/a b> <0.000010>"),
            (Return::Value { value: 3, decoration: Some(b"/srv/a b"[..].into()) }, Some(0.00001))
        );
        assert_eq!(
            r(b" = -1 ENOENT (No such file or directory) <0.000013>"),
            (Return::Error { errno: "ENOENT".into(), message: "No such file or directory".into() }, Some(0.000013))
        );
        assert_eq!(r(b" = -1 (errno 524)").0, Return::Error { errno: "524".into(), message: "".into() });
        assert_eq!(
            r(b" = ? ERESTARTSYS (To be restarted if SA_RESTART is set)").0,
            Return::Restart { code: "ERESTARTSYS".into(), message: "To be restarted if SA_RESTART is set".into() }
        );
        assert_eq!(r(b" = ?").0, Return::NoReturn);
        assert_eq!(r(b" = 0x7f2ed5dee000").0, Return::Other { text: "0x7f2ed5dee000".into() });
        assert_eq!(r(b" = 1 ([{fd=4, revents=POLLIN}]) <0.1>").1, Some(0.1));
        assert_eq!(r(b" = -1 EROFS (Read-only file system) (INJECTED)").0.errno(), Some("EROFS"));
        assert_eq!(r(b" = 42 (INJECTED)").0, Return::Value { value: 42, decoration: None });
        assert_eq!(r(b" = 0xffffffffffffffff").0, Return::Other { text: "0xffffffffffffffff".into() });
    }

    #[test]
    fn durations_round_like_parse() {
        for d in ["0.000012", "1.5", "0.100000", "123456.123456", "0.1234567890123456789"] {
            let (int, frac) = d.split_once('.').unwrap();
            assert_eq!(decimal(int.as_bytes(), frac.as_bytes()), d.parse::<f64>().unwrap(), "{d}");
        }
    }
}

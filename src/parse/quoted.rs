//! strace's C-escaped strings: `"a\"b\\c\n\303\251\x41"` and the `...` that marks truncation.
//!
//! strace escapes `"` and `\`, writes `\n \t \r \v \f` by name, other control and non-ASCII bytes
//! in the shortest octal form (`\33`, `\033` before a digit), and with `-x`/`-xx` as `\xNN`.
//! Decoding gives the original bytes, which need not be UTF-8.

/// A decoded quoted string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted<'a> {
    /// Borrowed from the input when nothing was escaped.
    pub bytes: std::borrow::Cow<'a, [u8]>,
    /// strace cut the string (`"..."...`).
    pub truncated: bool,
    /// The input after the closing quote (and after `...` if truncated).
    pub rest: &'a [u8],
}

/// Decodes the quoted string at the start of `input` (which must begin with `"`).
/// Returns `None` when there is no closing quote.
pub fn decode(input: &[u8]) -> Option<Quoted<'_>> {
    let end = closing_quote(input)?;
    let body = &input[1..end];
    let after = &input[end + 1..];
    let truncated = after.starts_with(b"...");
    let rest = if truncated { &after[3..] } else { after };
    if memchr::memchr(b'\\', body).is_none() {
        return Some(Quoted { bytes: body.into(), truncated, rest });
    }
    let mut bytes = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'\\' {
            // the text up to the next escape in one copy (written text has long runs)
            let run = memchr::memchr(b'\\', &body[i..]).unwrap_or(body.len() - i);
            bytes.extend_from_slice(&body[i..i + run]);
            i += run;
            continue;
        }
        if i + 1 >= body.len() {
            bytes.push(b);
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        match e {
            b'n' => bytes.push(b'\n'),
            b't' => bytes.push(b'\t'),
            b'r' => bytes.push(b'\r'),
            b'v' => bytes.push(0x0b),
            b'f' => bytes.push(0x0c),
            b'a' => bytes.push(0x07),
            b'b' => bytes.push(0x08),
            b'e' => bytes.push(0x1b),
            b'x' => {
                let digits = body[i..].iter().take(2).take_while(|c| c.is_ascii_hexdigit()).count();
                if digits == 0 {
                    bytes.extend_from_slice(b"\\x");
                } else {
                    let v =
                        body[i..i + digits].iter().fold(0u8, |acc, &c| acc.wrapping_mul(16).wrapping_add(hex_value(c)));
                    bytes.push(v);
                    i += digits;
                }
            }
            b'0'..=b'7' => {
                let mut v: u32 = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                    v = v * 8 + u32::from(body[i] - b'0');
                    i += 1;
                    n += 1;
                }
                bytes.push((v & 0xff) as u8);
            }
            other => bytes.push(other),
        }
    }
    Some(Quoted { bytes: bytes.into(), truncated, rest })
}

/// Index of the closing quote of the string starting at `input[0] == b'"'`.
pub fn closing_quote(input: &[u8]) -> Option<usize> {
    if input.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    loop {
        // a few bytes by hand before each vector search: in binary buffers (`"\177ELF\2\1..."`)
        // escapes are a few bytes apart, closer than a search takes to start
        let near = input.len().min(i + 8);
        while i < near {
            match input[i] {
                b'"' => return Some(i),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        if i >= input.len() {
            return None;
        }
        let at = i + memchr::memchr2(b'"', b'\\', &input[i..])?;
        if input[at] == b'"' {
            return Some(at);
        }
        i = at + 2;
    }
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &[u8]) -> Vec<u8> {
        decode(s).map(|q| q.bytes.into_owned()).unwrap_or_default()
    }

    #[test]
    fn named_and_octal_escapes() {
        assert_eq!(dec(br#""a\"b\\c\n\t\r\v\f""#), b"a\"b\\c\n\t\r\x0b\x0c");
        assert_eq!(dec(br#""\303\251""#), "é".as_bytes());
        assert_eq!(dec(br#""\33[31mred""#), b"\x1b[31mred");
        assert_eq!(dec(br#""\0331""#), b"\x1b1");
        assert_eq!(dec(br#""\0\7""#), b"\0\x07");
    }

    #[test]
    fn hex_escapes_from_x_and_xx() {
        assert_eq!(dec(br#""\x2f\x65\x74\x63""#), b"/etc");
        assert_eq!(dec(br#""\xff""#), b"\xff");
    }

    #[test]
    fn truncation_and_rest() {
        let q = decode(br#""\177ELF\2\1"..., 832) = 832"#).unwrap();
        assert_eq!(&*q.bytes, b"\x7fELF\x02\x01");
        assert!(q.truncated);
        assert_eq!(q.rest, b", 832) = 832");
        let q = decode(b"\"\"...").unwrap();
        assert!(q.bytes.is_empty() && q.truncated);
    }

    #[test]
    fn unterminated_is_none() {
        assert!(decode(br#""abc"#).is_none());
        assert!(decode(br#""abc\""#).is_none());
        assert!(decode(b"abc").is_none());
    }
}

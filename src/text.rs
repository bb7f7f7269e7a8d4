//! Text taken from the trace, or from the disk it names (paths, names, excerpts, signal names,
//! arguments, addresses): kept as the bytes it was, and printable only escaped.
//!
//! [`TraceText`] has no `&str` view: its `Display` writes it terminal-safe (control bytes,
//! escape sequences, bidi and line-separator characters and bytes that are not UTF-8 written as
//! `\xNN` / `\u{N}`), and its `Serialize` writes the JSON form docs/json.md documents (the text
//! as it was when it is UTF-8, each byte that is not written `\xNN`). A renderer cannot print
//! it raw by mistake: [`TraceText::as_bytes`] is for comparing, and bytes do not `Display`.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// Bytes from the trace or the disk, printed only escaped (see the module).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TraceText(Vec<u8>);

impl TraceText {
    /// The bytes, for comparing (never for printing).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// No bytes at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Trace bytes for JSON: the same text when they are UTF-8; else each byte that is not part of
/// UTF-8 written `\xNN` (the exact bytes of a path then go beside it, as `path_bytes`).
pub fn json(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            out.into()
        }
    }
}

impl From<Vec<u8>> for TraceText {
    fn from(b: Vec<u8>) -> Self {
        TraceText(b)
    }
}

impl From<&[u8]> for TraceText {
    fn from(b: &[u8]) -> Self {
        TraceText(b.to_vec())
    }
}

impl From<String> for TraceText {
    fn from(s: String) -> Self {
        TraceText(s.into_bytes())
    }
}

impl From<&str> for TraceText {
    fn from(s: &str) -> Self {
        TraceText(s.as_bytes().to_vec())
    }
}

/// Terminal-safe (see [`escape`]).
impl fmt::Display for TraceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape(&self.0, f)
    }
}

impl serde::Serialize for TraceText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&json(&self.0))
    }
}

/// Bytes from the trace held elsewhere (a path in a judgement), displayed as a [`TraceText`].
pub fn shown(bytes: &[u8]) -> impl fmt::Display + '_ {
    struct Shown<'a>(&'a [u8]);
    impl fmt::Display for Shown<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            escape(self.0, f)
        }
    }
    Shown(bytes)
}

/// Writes `bytes` terminal-safe: C0/C1 controls and DEL as `\t` `\n` `\r` `\xNN`, bidi,
/// zero-width and line/paragraph separator characters as `\u{N}`, a byte that is not part of
/// UTF-8 as `\xNN` (so that two paths differing in such a byte print differently).
pub fn escape(bytes: &[u8], out: &mut impl Write) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => out.write_str("\\t")?,
                '\n' => out.write_str("\\n")?,
                '\r' => out.write_str("\\r")?,
                c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(out, "\\x{:02x}", c as u32)?,
                c if is_dangerous(c) => write!(out, "\\u{{{:x}}}", c as u32)?,
                c => out.write_char(c)?,
            }
        }
        for b in chunk.invalid() {
            write!(out, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

/// C1 controls, zero-width and bidi formatting characters, the line and paragraph separators
/// (U+2028/U+2029: a line break to some terminals and viewers), the byte order mark.
fn is_dangerous(c: char) -> bool {
    matches!(c as u32, 0x80..=0x9f | 0x200b..=0x200f | 0x2028..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_for_the_terminal_and_exact_in_json() {
        let t = TraceText::from(&b"/srv/\x1b[2J\xe2\x80\xa8\xe2\x80\xae\xff\xfe.conf"[..]);
        assert_eq!(t.to_string(), "/srv/\\x1b[2J\\u{2028}\\u{202e}\\xff\\xfe.conf");
        // JSON is data: every character kept (JSON escapes the controls), the bytes not UTF-8 as `\xNN`
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"/srv/\\u001b[2J\u{2028}\u{202e}\\\\xff\\\\xfe.conf\"");
        let other = TraceText::from(&b"/srv/\x1b[2J\xe2\x80\xa8\xe2\x80\xae\xff\xfd.conf"[..]);
        assert_ne!(t.to_string(), other.to_string());
        assert_ne!(serde_json::to_string(&t).unwrap(), serde_json::to_string(&other).unwrap());
        assert_eq!(TraceText::from("/plain/path").to_string(), "/plain/path");
        assert_eq!(serde_json::to_string(&TraceText::from("C:\\x")).unwrap(), r#""C:\\x""#, "UTF-8 is kept as it is");
    }
}

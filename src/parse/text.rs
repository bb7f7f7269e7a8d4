//! Bytes to text for the names, errnos and paths a line holds. A leaf of its own so that the
//! grammar and the line parser share it without either importing the other.

use std::borrow::Cow;

use crate::event::Text;

/// Text that is almost always UTF-8 (names, errnos, paths): borrowed when it is.
/// (`str::from_utf8` checks ASCII a word at a time; `String::from_utf8_lossy` alone walks it
/// byte by byte.)
pub fn lossy(b: &[u8]) -> Text<'_> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

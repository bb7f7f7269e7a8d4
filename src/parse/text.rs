//! Bytes to text for the names, errnos and paths a line holds. The return grammar and the line
//! parser both need it, so it sits in a leaf below both rather than in either.

use std::borrow::Cow;

use crate::event::Text;

/// Text that is almost always UTF-8 (names, errnos, paths): borrowed when it is.
/// (`String::from_utf8_lossy` alone borrows too, but its walk by chunks measured slower than
/// `str::from_utf8`.)
// inline: it runs on every call's name, and from its own module the compiler stopped inlining it
#[inline]
pub fn lossy(b: &[u8]) -> Text<'_> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

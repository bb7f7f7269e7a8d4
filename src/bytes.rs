//! Byte-string search in the short texts of one call (arguments, a path, a written buffer).

/// Whether `needle` occurs in `hay`. `memchr::memmem::find` prepares a searcher on every call,
/// which costs more than the search itself in texts this short.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else { return true };
    let mut k = 0;
    while let Some(i) = memchr::memchr(first, &hay[k..]) {
        k += i + 1;
        if hay[k..].starts_with(rest) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn finds_anywhere_and_only_whole_needles() {
        assert!(contains(b"O_RDONLY|O_CREAT|O_CLOEXEC", b"O_CREAT"));
        assert!(contains(b"F_DUPFD", b"F_DUPFD"));
        assert!(!contains(b"O_CREA", b"O_CREAT"));
        assert!(contains(b"x", b""));
        assert!(!contains(b"", b"x"));
    }
}

//! Fix pointers: which file named the wrong path, and on which line.
//!
//! Among the regular files the process opened before the failure (most recent first), the one
//! containing the full wrong path, else a path suffix of it (`wp-includes/x.phpp`), else its
//! basename. Reads go through the confined disk, only regular files, bounded in size and count.

use crate::disk::Disk;

const MAX_FILE: usize = 4 << 20;
const MAX_FILES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reference {
    pub path: String,
    pub line: u64,
}

pub fn find_reference(wrong: &[u8], opened: &[Vec<u8>], disk: &dyn Disk) -> Option<Reference> {
    let base = wrong.rsplit(|&c| c == b'/').next().filter(|b| b.len() >= 3)?;
    let files: Vec<(&Vec<u8>, Vec<u8>)> = opened
        .iter()
        .rev()
        .filter(|p| p.as_slice() != wrong)
        .take(MAX_FILES)
        .filter_map(|p| disk.read_regular(p, MAX_FILE).map(|c| (p, c)))
        .collect();
    // the longest suffix of the wrong path that a file contains wins: it is the most specific
    // then the stem, as module loaders name files without extension (`require('./lib/utlis')`)
    let stem = base.iter().position(|&c| c == b'.').filter(|&i| i >= 4).map(|i| &base[..i]);
    let suffixes: Vec<&[u8]> = wrong
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == b'/')
        .map(|(i, _)| &wrong[i..])
        .chain([base])
        .chain(stem)
        .collect();
    for needle in suffixes {
        let needle = needle.strip_prefix(b"/").filter(|n| n.len() >= base.len() && *n != base).unwrap_or(needle);
        for (path, content) in &files {
            if let Some(pos) = memchr::memmem::find(content, needle) {
                let line = 1 + content[..pos].iter().filter(|&&c| c == b'\n').count() as u64;
                return Some(Reference { path: String::from_utf8_lossy(path).into_owned(), line });
            }
        }
    }
    None
}

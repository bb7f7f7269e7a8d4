//! The C-string decoder and the argument splitter on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use straceback::parse::{quoted, split_args};

fuzz_target!(|data: &[u8]| {
    let mut s = Vec::with_capacity(data.len() + 1);
    s.push(b'"');
    s.extend_from_slice(data);
    if let Some(q) = quoted::decode(&s) {
        assert!(q.bytes.len() <= data.len());
    }
    let _ = quoted::decode(data);
    let _ = split_args(data, usize::MAX);
});

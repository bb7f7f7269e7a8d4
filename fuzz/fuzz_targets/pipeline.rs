//! Bytes in, every report format out: parse, pair, analyse (no disk, live lines on), render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use straceback::cli::Format;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let Ok(report) = straceback::analyze_reader(Box::new(std::io::Cursor::new(data.to_vec())), true, 64, &mut out)
    else {
        return;
    };
    for format in [Format::Text, Format::Markdown, Format::Json] {
        let _ = straceback::render_report(&report, format, None, &mut out);
    }
});

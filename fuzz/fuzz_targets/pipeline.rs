//! Bytes in, every report format out: parse, pair, analyse (no disk), render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use straceback::analyze::Analyzer;
use straceback::disk::NoDisk;
use straceback::heuristics::noise::Ignores;
use straceback::pair::Pairer;
use straceback::parse::{Assembler, LineReader};

fuzz_target!(|data: &[u8]| {
    let Ok(ignores) = Ignores::new(true, &[]) else { return };
    let mut analyzer = Analyzer::new(64, ignores);
    analyzer.watch_live();
    let mut reader = LineReader::new(data);
    let mut asm = Assembler::fast(None);
    let mut pairer = Pairer::new();
    while let Ok(Some((n, line, escaped))) = reader.next_marked_line() {
        // records borrow the line: fresh vectors per line
        let (mut recs, mut events) = (Vec::new(), Vec::new());
        asm.push_marked(n, line, escaped, &mut recs);
        for r in recs.drain(..) {
            pairer.push(r, &mut events);
        }
        for e in events.drain(..) {
            analyzer.push("fuzz", &e);
        }
        let _ = analyzer.take_fresh();
    }
    let (mut recs, mut events) = (Vec::new(), Vec::new());
    asm.finish(&mut recs);
    for r in recs.drain(..) {
        pairer.push(r, &mut events);
    }
    pairer.finish(&mut events);
    for e in events.drain(..) {
        analyzer.push("fuzz", &e);
    }
    let report = analyzer.finish(&NoDisk, &asm.stats());
    let mut out = Vec::new();
    let _ = straceback::render::text::render(&report, None, &mut out);
    let _ = straceback::render::markdown::render(&report, None, &mut out);
    let _ = straceback::render::json::render(&report, &mut out);
});

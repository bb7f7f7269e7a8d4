//! Any bytes, split into lines, through the full (non-fast) assembler and the pairer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use straceback::pair::Pairer;
use straceback::parse::{Assembler, LineReader};

fuzz_target!(|data: &[u8]| {
    for fast in [false, true] {
        let mut reader = LineReader::new(data);
        let mut asm = if fast { Assembler::fast(Some(1)) } else { Assembler::new(None) };
        let mut pairer = Pairer::new();
        while let Ok(Some((n, line, escaped))) = reader.next_marked_line() {
            assert_eq!(escaped, line.contains(&0x1b));
            // records borrow the line: fresh vectors per line
            let (mut recs, mut events) = (Vec::new(), Vec::new());
            asm.push(n, line, &mut recs);
            for r in recs.drain(..) {
                pairer.push(r, &mut events);
            }
            let mut out = Vec::new();
            for e in events.drain(..) {
                let _ = straceback::write_event(&e, "fuzz", &mut out);
            }
        }
        let (mut recs, mut events) = (Vec::new(), Vec::new());
        asm.finish(&mut recs);
        for r in recs.drain(..) {
            pairer.push(r, &mut events);
        }
        pairer.finish(&mut events);
    }
});

//! Parser throughput over the real fixture lines (every flag family and incident), single
//! core, reported by criterion as bytes/s, for both assembler modes. Run:
//! `cargo bench --bench parser`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use straceback::pair::Pairer;
use straceback::parse::Assembler;

fn fixture_lines() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    for dir in ["flags", "flags/ff"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            files.extend(
                rd.flatten().map(|e| e.path()).filter(|p| p.is_file() && p.extension().is_none_or(|e| e == "txt")),
            );
        }
    }
    if let Ok(rd) = std::fs::read_dir(root.join("incidents")) {
        for e in rd.flatten() {
            files.extend(["trace.txt", "trace-bare.txt"].iter().map(|t| e.path().join(t)).filter(|p| p.exists()));
        }
    }
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        if let Ok(text) = std::fs::read(&f) {
            lines.extend(text.split(|&c| c == b'\n').map(<[u8]>::to_vec));
        }
    }
    lines
}

fn parse(c: &mut Criterion) {
    let lines = fixture_lines();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group("parser");
    g.throughput(Throughput::Bytes(bytes as u64));
    // `events` parses everything; the analysis (fast) only counts routine successful calls
    for (name, fast) in
        [("assemble+pair fixture lines (events)", false), ("assemble+pair fixture lines (analysis)", true)]
    {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut asm = if fast { Assembler::fast(None) } else { Assembler::new(None) };
                let mut pairer = Pairer::new();
                let mut n = 0usize;
                for (i, l) in lines.iter().enumerate() {
                    let mut recs = Vec::new();
                    asm.push(i as u64 + 1, l, &mut recs);
                    for r in recs {
                        pairer.push_with(r, &mut |_| n += 1);
                    }
                }
                n
            })
        });
    }
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);

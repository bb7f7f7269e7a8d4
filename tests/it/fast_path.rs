//! The parser's fast path (successful calls the syscall table gives no meaning to are only
//! counted) must not change a report: every fixture analysed both ways gives the same JSON.

use std::io::Cursor;

use crate::harness::fixtures;

fn report(text: &[u8], fast: bool) -> String {
    let mut live = Vec::new();
    let report =
        straceback::analyze_reader(Box::new(Cursor::new(text.to_vec())), fast, 100_000, &mut live).expect("analysed");
    serde_json::to_string_pretty(&report).expect("json")
}

pub fn traces() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![fixtures()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
            let p = entry.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if p.is_dir() && name != "root" && name != "capture" {
                dirs.push(p);
            } else if (name.ends_with(".txt") && name != "stderr.txt") || name.starts_with("trace.1") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn fast_path_and_full_parse_give_the_same_report_on_every_fixture() {
    let files = traces();
    assert!(files.len() > 60, "{} fixture traces", files.len());
    for f in files {
        let text = std::fs::read(&f).expect("read");
        let (fast, full) = (report(&text, true), report(&text, false));
        assert!(fast == full, "{}: the fast path changes the report", f.display());
    }
}

//! The parser on real captures of every strace flag family (fixtures/flags, made by
//! fixtures/capture/flags.sh): exact fields from fixtures/flags/expected.tsv, and no unparsed
//! line anywhere but in the fixture that mixes program output in on purpose.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{events, fixtures};

struct Row {
    file: String,
    line: u64,
    kind: String,
    pid: String,
    syscall: String,
    path: String,
    ret: String,
    errno: String,
}

fn expected() -> Vec<Row> {
    let mut rows = expected_in("flags", "");
    rows.extend(expected_in("flags/rare", "rare/"));
    rows
}

/// Rows of DIR/expected.tsv, their file names prefixed with `prefix` (relative to flags/).
fn expected_in(dir: &str, prefix: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(fixtures().join(dir).join("expected.tsv")).expect("expected.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 8, "bad row {l}");
            // the path column is the inside of a JSON string
            let path: String = serde_json::from_str(&format!("\"{}\"", f[5])).expect("path column");
            Row {
                file: format!("{prefix}{}", f[0]),
                line: f[1].parse().expect("line"),
                kind: f[2].into(),
                pid: f[3].into(),
                syscall: f[4].into(),
                path,
                ret: f[6].into(),
                errno: f[7].into(),
            }
        })
        .collect()
}

fn field(e: &Value, k: &str) -> String {
    match &e[k] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn matches(e: &Value, r: &Row) -> bool {
    let name = if r.kind == "syscall" { field(e, "syscall") } else { field(e, "signal") };
    field(e, "type") == r.kind
        && field(e, "pid") == r.pid
        && (r.kind == "exit" || name == r.syscall)
        && field(e, "path") == r.path
        && (r.kind != "syscall" || field(e, "ret") == r.ret)
        && field(e, "errno") == r.errno
}

#[test]
fn every_expected_row_is_parsed_exactly() {
    let rows = expected();
    assert!(rows.len() > 300, "expected.tsv lost rows");
    let mut by_file: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        by_file.entry(&r.file).or_default().push(r);
    }
    let mut failures = Vec::new();
    for (file, rows) in by_file {
        let evs = events(&fixtures().join("flags").join(file));
        for r in rows {
            let at_line: Vec<&Value> = evs.iter().filter(|e| e["line"] == r.line).collect();
            if !at_line.iter().any(|e| matches(e, r)) {
                failures.push(format!(
                    "{file}:{} want {} {} {} {:?} {} {} got {:?}",
                    r.line, r.kind, r.pid, r.syscall, r.path, r.ret, r.errno, at_line
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn no_unparsed_lines_in_any_capture_but_mixed_output() {
    let mut files = Vec::new();
    for dir in ["flags", "flags/ff", "flags/rare"] {
        for e in std::fs::read_dir(fixtures().join(dir)).expect("fixtures dir").flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            if p.is_file() && (name.ends_with(".txt") || dir.ends_with("ff")) && name != "expected.tsv" {
                files.push(p);
            }
        }
    }
    for e in std::fs::read_dir(fixtures().join("incidents")).expect("incidents").flatten() {
        for t in ["trace.txt", "trace-bare.txt"] {
            if e.path().join(t).exists() {
                files.push(e.path().join(t));
            }
        }
    }
    assert!(files.len() > 40);
    for f in files {
        let unparsed: Vec<String> =
            events(&f).iter().filter(|e| e["type"] == "unparsed").map(|e| field(e, "args")).collect();
        if f.ends_with("hostile-stderr.txt") {
            // the program's raw error message with its escape bytes, interleaved by 2>&1
            assert!(unparsed.len() <= 2, "{f:?}: {unparsed:?}");
        } else if f.ends_with("mixed.txt") {
            // the program's own output, interleaved by 2>&1
            assert_eq!(unparsed, ["second", "child: cannot open", "child: cannot open", "child: cannot open"], "{f:?}");
        } else {
            assert!(unparsed.is_empty(), "{f:?}: {unparsed:?}");
        }
    }
}

#[test]
fn split_calls_are_glued_back() {
    let evs = events(&fixtures().join("flags/mixed.txt"));
    // `write(1, "first\nsecond\n", 13first` / `second` / `) = 13`
    let w = evs.iter().find(|e| e["syscall"] == "write" && e["ret"] == 13).expect("glued write");
    assert_eq!(w["line"], 159);
    // `clone(...SIGCHLD/usr/bin/strace: Process N attached` + `, child_tidptr=...) = N`
    let evs = events(&fixtures().join("flags/f-argv0.txt"));
    let clone = evs.iter().find(|e| e["syscall"] == "clone").expect("clone");
    assert!(clone["args"].as_str().unwrap_or("").contains("SIGCHLD, child_tidptr="), "{clone}");
    assert!(evs
        .iter()
        .any(|e| e["type"] == "strace" && e["args"].as_str().unwrap_or("").contains("Process 15009 attached")));
}

#[test]
fn unfinished_and_resumed_merge_across_interleaved_threads() {
    let evs = events(&fixtures().join("flags/threads.txt"));
    let text = std::fs::read_to_string(fixtures().join("flags/threads.txt")).expect("threads");
    let heads = text.lines().filter(|l| l.ends_with("<unfinished ...>")).count();
    let resumed = text.lines().filter(|l| l.contains("resumed>")).count();
    assert!(heads >= 10 && resumed >= 10, "fixture lost its pairs");
    // every merged call carries its head's line and no call is left half
    let syscalls: Vec<&Value> = evs.iter().filter(|e| e["type"] == "syscall").collect();
    let lines_with_calls = text
        .lines()
        .filter(|l| l.contains('(') && !l.contains("resumed>") && !l.contains("+++") && !l.contains("---"))
        .count();
    assert_eq!(syscalls.len(), lines_with_calls);
    for e in &syscalls {
        let line = text.lines().nth(e["line"].as_u64().unwrap_or(0) as usize - 1).unwrap_or("");
        assert!(!line.contains("resumed>"), "event placed on a tail line: {e}");
    }
}

#[test]
fn ff_sets_take_the_pid_from_the_file_name() {
    let dir = fixtures().join("flags/ff");
    let prefix = dir.join("trace");
    let out = crate::harness::run(&["events", prefix.to_str().unwrap_or("")]);
    assert!(out.status.success());
    let evs: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let pids: std::collections::BTreeSet<String> = evs.iter().map(|e| field(e, "pid")).collect();
    let mut want: Vec<String> = std::fs::read_dir(&dir)
        .expect("ff")
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("trace.")).map(String::from))
        .collect();
    want.sort();
    assert_eq!(pids.into_iter().collect::<Vec<_>>(), want);
}

#[test]
fn gzip_input_gives_the_same_events() {
    use std::io::Write;
    let plain = fixtures().join("flags/tt.txt");
    let tmp = tempfile::tempdir().expect("tmp");
    let gz_path = tmp.path().join("tt.txt.gz");
    let mut gz =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz_path).expect("create"), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&plain).expect("read")).expect("write");
    gz.finish().expect("finish");
    let strip = |v: Vec<Value>| -> Vec<Value> {
        v.into_iter()
            .map(|mut e| {
                e["source"] = Value::Null;
                e
            })
            .collect()
    };
    assert_eq!(strip(events(&plain)), strip(events(&gz_path)));
}

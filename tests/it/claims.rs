//! A claims audit over every fixture: what a report says about a suspect must be checkable
//! against the trace and the disk. An error "naming" a suspect quotes a line that names it;
//! no quoted line is attached to a suspect it does not name; every fix pointer is a text file
//! whose line holds the wrong name.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{fixtures, run};

/// Every trace, with the `--root` it was recorded with (if any).
fn traces() -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out = Vec::new();
    let incidents = fixtures().join("incidents");
    for entry in std::fs::read_dir(&incidents).expect("incidents").flatten() {
        let dir = entry.path();
        for t in crate::harness::incident_traces(&dir).into_iter().map(|t| dir.join(t)) {
            out.push((t.clone(), Some(dir.join("root"))));
            out.push((t, None));
        }
    }
    for dir in ["flags", "flags/rare", "flags/explain"] {
        for t in std::fs::read_dir(fixtures().join(dir)).expect("flags").flatten().map(|e| e.path()) {
            if t.extension().is_some_and(|e| e == "txt") {
                out.push((t, None));
            }
        }
    }
    out.sort();
    out
}

/// What a suspect can be named by: its path or address, its file name, and (for an error that
/// named it by stem only) its file name without extension.
fn names(suspect: &Value, by_stem: bool) -> Vec<String> {
    let mut path = suspect["path"].as_str().unwrap_or_default();
    if suspect["kind"] == "address" {
        match path.split_once(' ') {
            Some(("unix", p)) => path = p,
            _ => return vec![path.split_once(' ').map_or(path, |(_, a)| a).to_string()],
        }
    }
    let base = path.rsplit('/').next().unwrap_or(path).to_string();
    let mut out = vec![path.to_string(), base.clone()];
    if by_stem {
        out.push(base.split('.').next().unwrap_or_default().to_string());
    }
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn every_claim_in_every_fixture_report_is_checkable() {
    let mut checked = (0, 0, 0, 0);
    for (trace, root) in traces() {
        let out = match &root {
            Some(root) => run(&["--format", "json", "--all", "--root", s(root), s(&trace)]),
            None => run(&["--format", "json", "--all", "--no-disk", s(&trace)]),
        };
        if out.status.code() == Some(2) {
            continue; // not a trace (a `strace -c` summary): an input error, no report
        }
        let r: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
        let what = format!("{} (root {root:?})", trace.display());
        for sus in r["suspects"].as_array().expect("suspects") {
            let kinds: Vec<&str> =
                sus["reasons"].as_array().expect("reasons").iter().filter_map(|r| r["kind"].as_str()).collect();
            let by_stem = kinds.contains(&"stem_in_error");
            let named = by_stem || kinds.contains(&"named_in_error");
            let quoted: Vec<&str> = sus["followed_by"]
                .as_array()
                .expect("followed_by")
                .iter()
                .filter_map(|f| f.as_str()?.strip_prefix("error output \""))
                .collect();
            // a sentence quotes trace text escaped as the text report shows it
            let naming: Vec<String> =
                names(sus, by_stem).iter().map(|n| straceback::text::TraceText::from(n.as_str()).to_string()).collect();
            let names_it = |q: &str| naming.iter().any(|n| !n.is_empty() && q.contains(n.as_str()));
            assert_eq!(named, !quoted.is_empty(), "{what}: {} says named {named} but quotes {quoted:?}", sus["path"]);
            for q in &quoted {
                assert!(names_it(q), "{what}: {} is shown {q:?}, which does not name it", sus["path"]);
                checked.0 += 1;
            }
            if let Some(e) = sus["explanation"].as_object() {
                check_explanation(e, &trace, root.is_some(), &what);
                checked.3 += 1;
            }
            let Some(reference) = sus["referenced_from"].as_object() else { continue };
            if let Some(arg) = reference.get("argument").and_then(Value::as_str) {
                let path = sus["path"].as_str().unwrap_or_default();
                // `--directory DIR`, or `-Dapp.config=FILE`: the value after `=`; a shell command
                // (`sh -c 'job > /srv/dumps/x.gz'`): one of its words
                let given = arg.rsplit_once('=').map_or(arg, |(_, v)| v);
                let word = |g: &str| g.len() > 1 && g.starts_with('/') && path.starts_with(g.trim_end_matches('/'));
                let mut words = arg.split(|c: char| c.is_whitespace() || "'\"<>|;&()=`".contains(c));
                assert!(
                    path.starts_with(given.trim_end_matches('/')) || (arg.contains(' ') && words.any(word)),
                    "{what}: argument {arg} does not give {path}"
                );
                checked.2 += 1;
                continue;
            }
            let (file, line) = (reference["path"].as_str().expect("path"), reference["line"].as_u64().expect("line"));
            if reference["found_by"] == "error_text" {
                // the process's own error output names the file and the line
                let text = std::fs::read_to_string(&trace).expect("trace");
                let said = text.lines().any(|l| l.contains(file) && l.contains(&line.to_string()));
                assert!(said, "{what}: no error output says {file}:{line}");
                checked.2 += 1;
                continue;
            }
            let root = root.as_ref().expect("a file reference needs a disk");
            let content = std::fs::read(root.join(file.trim_start_matches('/'))).expect("referenced file");
            assert!(!content.contains(&0), "{what}: {file} is binary");
            let text = String::from_utf8_lossy(&content);
            let at = text.lines().nth(usize::try_from(line).expect("line") - 1).unwrap_or_default();
            // a line that sets what the failure ran into is quoted as it is
            if let Some(set) = reference.get("text").and_then(Value::as_str) {
                let same = match set.trim().strip_suffix('…') {
                    Some(cut) => at.trim().starts_with(cut),
                    None => at.trim() == set.trim(),
                };
                assert!(same, "{what}: {file}:{line} ({at:?}) is not {set:?}");
                assert!(
                    !at.trim_start().starts_with('#') || at.starts_with("#!"),
                    "{what}: {file}:{line} is a comment"
                );
                checked.1 += 1;
                continue;
            }
            let path = sus["path"].as_str().unwrap_or_default();
            // a line naming the place the path was made from: the directory or name it gives
            if let Some(place) = reference.get("names").and_then(Value::as_str) {
                assert!(path.starts_with(place), "{what}: {path} is not made from {place}");
                assert!(at.contains(place), "{what}: {file}:{line} ({at:?}) does not name {place}");
                assert!(!at.trim_start().starts_with('#'), "{what}: {file}:{line} is a comment");
                checked.1 += 1;
                continue;
            }
            let mut wanted = names(sus, true);
            if path.starts_with("tcp ") || path.starts_with("udp ") {
                wanted.push(path.rsplit(':').next().unwrap_or_default().to_string());
            }
            assert!(
                wanted.iter().any(|n| !n.is_empty() && at.contains(n.as_str())),
                "{what}: {file}:{line} ({at:?}) does not hold {wanted:?}"
            );
            assert!(!at.trim_start().starts_with('#') || at.starts_with("#!"), "{what}: {file}:{line} is a comment");
            checked.1 += 1;
        }
    }
    assert!(checked.0 >= 5 && checked.1 >= 5 && checked.3 >= 5, "too little checked: {checked:?}");
}

/// An explanation says where its facts came from, uses the disk only when there is one, and a
/// uid it names is one the trace set.
fn check_explanation(e: &serde_json::Map<String, Value>, trace: &Path, with_root: bool, what: &str) {
    let (text, source) = (e["text"].as_str().unwrap_or_default(), e["source"].as_str().unwrap_or_default());
    assert!(!text.is_empty(), "{what}: an empty explanation");
    assert!(
        ["trace", "disk", "trace and disk"].contains(&source),
        "{what}: source {source:?} (never the live host here)"
    );
    assert!(with_root || !source.contains("disk"), "{what}: {text:?} claims disk facts under --no-disk");
    // a pid no process had: the trace shows the call that named it failing ESRCH
    if let Some(rest) = text.strip_prefix("no process has pid ") {
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let lines = std::fs::read_to_string(trace).expect("trace");
        let named = lines.lines().any(|l| l.contains("ESRCH") && l.contains(&format!("({pid},")));
        assert!(named, "{what}: no call of the trace failed ESRCH naming pid {pid}");
    }
    if let Some(rest) = text.split("runs as uid ").nth(1) {
        let uid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let lines = std::fs::read_to_string(trace).expect("trace");
        let set = lines.lines().any(|l| l.contains("setuid(") || l.contains("setresuid(") || l.contains("setreuid("))
            && lines.lines().any(|l| l.contains("id(") && l.contains(&uid));
        assert!(set, "{what}: uid {uid} is not set in the trace");
    }
}

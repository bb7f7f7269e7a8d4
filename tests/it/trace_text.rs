//! issue 16 item 2: every string taken from the trace is printed escaped, by type. A path
//! holding ESC, U+2028 (line separator), U+202E (right-to-left override) and a byte that is not
//! UTF-8, and a second path differing from it only in that byte. Hand-written: strace writes
//! such bytes as octal escapes, which is what these lines hold.

use crate::harness::{events, run};

const ODD: &str = r"/srv/app/\33[31m\342\200\250\342\200\256\377x.conf";
const ODD2: &str = r"/srv/app/\33[31m\342\200\250\342\200\256\376x.conf";

fn trace() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let t = dir.path().join("t.txt");
    let text = format!(
        "42 openat(AT_FDCWD, \"{ODD}\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         42 openat(AT_FDCWD, \"{ODD2}\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         42 write(2, \"cannot open config\\n\", 19) = 19\n\
         42 exit_group(1) = ?\n\
         42 +++ exited with 1 +++\n"
    );
    std::fs::write(&t, text).expect("write");
    let name = t.to_str().expect("utf-8").to_string();
    (dir, name)
}

/// Nothing that drives a terminal or reorders text reaches it raw.
fn assert_terminal_safe(what: &str, out: &[u8]) {
    let text = String::from_utf8(out.to_vec()).unwrap_or_else(|_| panic!("{what}: not UTF-8"));
    let raw = text.chars().find(|&c| c == '\x1b' || c == '\u{2028}' || c == '\u{202e}' || c == '\u{fffd}');
    assert!(raw.is_none(), "{what}: {raw:?} printed raw:\n{text}");
}

#[test]
fn issue16_trace_text_is_escaped_and_distinct_in_every_format() {
    let (_dir, t) = trace();
    let shown = r"\x1b[31m\u{2028}\u{202e}";
    for args in [&["--color", "never"][..], &["-v", "--all", "--color", "never"][..]] {
        let out = run(&[args, &["--no-disk", &t][..]].concat());
        assert_terminal_safe(&format!("{args:?}"), &out.stdout);
        let text = String::from_utf8_lossy(&out.stdout);
        for byte in [r"\xff", r"\xfe"] {
            let path = format!("/srv/app/{shown}{byte}x.conf");
            assert!(text.contains(&path), "{args:?}: {path} missing:\n{text}");
        }
    }
    let md = run(&["--format", "markdown", "--no-disk", &t]);
    assert_terminal_safe("markdown", &md.stdout);
    let text = String::from_utf8_lossy(&md.stdout);
    // markdown doubles the backslashes of the escapes, so that they show
    for byte in [r"\\xff", r"\\xfe"] {
        let path = format!(r"/srv/app/\\x1b\[31m\\u{{2028}}\\u{{202e}}{byte}x.conf");
        assert!(text.contains(&path), "markdown: {path} missing:\n{text}");
    }

    // JSON is data: the characters as they were, the bytes that are not UTF-8 written `\xNN`
    // and given exactly in `path_bytes`
    let json = run(&["--format", "json", "--no-disk", &t]);
    let r: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let want = |b: u8| {
        let mut bytes = b"/srv/app/\x1b[31m\xe2\x80\xa8\xe2\x80\xae".to_vec();
        bytes.extend_from_slice(&[b, b'x', b'.', b'c', b'o', b'n', b'f']);
        let text = format!("/srv/app/\u{1b}[31m\u{2028}\u{202e}\\x{b:02x}x.conf");
        (text, serde_json::json!(bytes))
    };
    let failures = r["failures"].as_array().expect("failures");
    let suspects = r["suspects"].as_array().expect("suspects");
    for b in [0xff, 0xfe] {
        let (text, bytes) = want(b);
        for list in [failures, suspects] {
            let f = list.iter().find(|f| f["path"] == text.as_str()).unwrap_or_else(|| panic!("{text:?}: {r:#}"));
            assert_eq!(f["path_bytes"], bytes);
        }
    }
    assert!(failures.iter().all(|f| f.get("path_bytes").is_some() == f["path"].as_str().unwrap().contains("\\x")));

    let ev = events(std::path::Path::new(&t));
    let opens: Vec<&serde_json::Value> = ev.iter().filter(|e| e["syscall"] == "openat").collect();
    assert_eq!(opens.len(), 2);
    for (e, b) in opens.iter().zip([0xff, 0xfe]) {
        let (text, bytes) = want(b);
        assert_eq!((&e["path"], &e["path_bytes"]), (&serde_json::json!(text), &bytes));
    }
    assert!(
        ev.iter().filter(|e| e["syscall"] == "write").all(|e| e.get("path_bytes").is_none()),
        "only when not UTF-8"
    );
}

//! Property tests: lines printed the way strace prints them parse back to what was printed,
//! and the C-string decoder inverts strace's encoder.

use proptest::prelude::*;
use straceback::event::{EventKind, Return};
use straceback::parse::{parse_line, quoted, Record};

/// strace's quoting (docs/strace-output-format.md §5.1): named escapes, shortest octal (three
/// digits before a digit), or `\xNN` for every byte with `-xx`.
fn encode(bytes: &[u8], hex: bool) -> String {
    let mut s = String::from("\"");
    for (i, &b) in bytes.iter().enumerate() {
        let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        match b {
            _ if hex => s.push_str(&format!("\\x{b:02x}")),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x0b => s.push_str("\\v"),
            0x0c => s.push_str("\\f"),
            0x20..=0x7e => s.push(b as char),
            _ if next_is_digit => s.push_str(&format!("\\{b:03o}")),
            _ => s.push_str(&format!("\\{b:o}")),
        }
    }
    s.push('"');
    s
}

#[derive(Debug, Clone)]
struct Line {
    pid: Option<(u32, u8)>,
    time: u8,
    nr: bool,
    ip: bool,
    path: Vec<u8>,
    hex: bool,
    decorate: bool,
    ret: Result<u32, &'static str>,
    injected: bool,
    duration: Option<u32>,
}

fn line() -> impl Strategy<Value = Line> {
    (
        proptest::option::of((1u32..4_000_000, 0u8..3)),
        0u8..6,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 1..40),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![
            (0u32..100_000).prop_map(Ok),
            prop::sample::select(vec!["ENOENT", "EACCES", "ENOTDIR"]).prop_map(Err)
        ],
        any::<bool>(),
        proptest::option::of(0u32..1_000_000),
    )
        .prop_map(|(pid, time, nr, ip, path, hex, decorate, ret, injected, duration)| Line {
            pid,
            time,
            nr,
            ip,
            path,
            hex,
            decorate,
            ret,
            injected,
            duration,
        })
}

fn print(l: &Line) -> String {
    let mut s = String::new();
    match l.pid {
        Some((p, 0)) => s.push_str(&format!("[pid {p:>5}] ")),
        Some((p, 1)) => s.push_str(&format!("{p:<5} ")),
        Some((p, _)) => s.push_str(&format!("[pid {p}<comm>] ")),
        None => {}
    }
    s.push_str(match l.time {
        1 => "10:15:02 ",
        2 => "10:15:02.412345 ",
        3 => "1795711850.219217 ",
        4 => "1795711850.219217734 ",
        5 => "     0.000048 ",
        _ => "",
    });
    if l.nr {
        s.push_str("[ 257] ");
    }
    if l.ip {
        s.push_str("[00007fcd6f503011] ");
    }
    let dirfd = if l.decorate { "AT_FDCWD</srv/app>" } else { "AT_FDCWD" };
    s.push_str(&format!("openat({dirfd}, {}, O_RDONLY)", encode(&l.path, l.hex)));
    match l.ret {
        Ok(fd) if l.decorate => s.push_str(&format!(" = {fd}</srv/app/x>")),
        Ok(fd) => s.push_str(&format!(" = {fd}")),
        Err(e) => s.push_str(&format!(" = -1 {e} (Some message)")),
    }
    if l.injected {
        s.push_str(" (INJECTED)");
    }
    if let Some(d) = l.duration {
        s.push_str(&format!(" <0.{d:06}>"));
    }
    s
}

proptest! {
    #[test]
    fn printed_lines_parse_back(l in line()) {
        let text = print(&l);
        let recs = parse_line(text.as_bytes());
        prop_assert_eq!(recs.len(), 1, "{}", text);
        let Record::Event(e) = &recs[0] else { return Err(TestCaseError::fail(format!("not an event: {text}"))) };
        let EventKind::Syscall(sc) = &e.kind else { return Err(TestCaseError::fail(format!("not a call: {text}"))) };
        prop_assert_eq!(e.pid, l.pid.map(|p| p.0));
        prop_assert_eq!(&*sc.name, "openat");
        prop_assert_eq!(sc.path.as_deref(), Some(&l.path[..]), "{}", text);
        match l.ret {
            Ok(fd) => prop_assert!(matches!(sc.ret, Return::Value { value, .. } if value == i64::from(fd)), "{}", text),
            Err(errno) => prop_assert_eq!(sc.ret.errno(), Some(errno)),
        }
        prop_assert_eq!(sc.duration.is_some(), l.duration.is_some());
        prop_assert_eq!(e.time.is_some(), l.time != 0);
    }

    #[test]
    fn decoder_inverts_the_encoder(bytes in proptest::collection::vec(any::<u8>(), 0..200), hex in any::<bool>()) {
        let enc = encode(&bytes, hex);
        let q = quoted::decode(enc.as_bytes()).expect("closed string");
        prop_assert_eq!(q.bytes, bytes);
        prop_assert!(q.rest.is_empty());
        let truncated = format!("{enc}...");
        prop_assert!(quoted::decode(truncated.as_bytes()).expect("closed").truncated);
    }
}

/// Lines of every kind the captures hold, to mix at random.
fn capture_lines() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flags");
    let mut lines = Vec::new();
    for f in [
        "threads.txt",
        "mixed.txt",
        "hostile.txt",
        "f-argv0.txt",
        "all.txt",
        "rare/attach-threads.txt",
        "rare/superseded.txt",
    ] {
        let text = std::fs::read(dir.join(f)).unwrap_or_default();
        lines.extend(text.split(|&c| c == b'\n').map(<[u8]>::to_vec));
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// The parallel path (prepare anywhere, assemble in order) equals the sequential one on
    /// random mixtures of real lines, whatever splits and interleavings they make.
    #[test]
    fn parallel_preparation_equals_sequential(picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..400), fast in any::<bool>()) {
        use straceback::parse::{prepare, Assembler};
        let all = capture_lines();
        let mk = || if fast { Assembler::fast(None) } else { Assembler::new(None) };
        let (mut a, mut b, mut ra, mut rb) = (mk(), mk(), Vec::new(), Vec::new());
        for (i, p) in picks.iter().enumerate() {
            let line = &all[p.index(all.len())];
            let n = i as u64 + 1;
            a.push(n, line, &mut ra);
            b.push_prepared(n, line, prepare(n, line, fast), &mut rb);
        }
        a.finish(&mut ra);
        b.finish(&mut rb);
        prop_assert_eq!(ra, rb);
        prop_assert_eq!(a.stats(), b.stats());
    }
}

//! One row per line shape: a line as strace prints it and the fields it must give. Lines are
//! taken from the real captures in fixtures/ unless marked HAND-WRITTEN (shapes strace 6.1
//! cannot produce: older or newer releases, per docs/strace-output-format.md §12).

use super::assemble::GLUE_WINDOW;
use super::*;
use crate::event::{Event, EventKind, Return};

/// (pid, name, path, ret value or errno) of the one syscall event a line gives.
fn call(line: &str) -> (Option<Pid>, String, Option<String>, String) {
    let recs = parse_line(line.as_bytes());
    let [Record::Event(Event { pid, kind: EventKind::Syscall(sc), .. })] = recs.as_slice() else {
        panic!("not one syscall: {line}\n{recs:?}");
    };
    let ret = match &sc.ret {
        Return::Value { value, .. } => value.to_string(),
        Return::Other { text } => text.to_string(),
        Return::Error { errno, .. } | Return::Restart { code: errno, .. } => errno.to_string(),
        Return::NoReturn => "?".into(),
        Return::Unfinished => "unfinished".into(),
    };
    (*pid, sc.name.to_string(), sc.path.as_ref().map(|p| String::from_utf8_lossy(p).into_owned()), ret)
}

fn kind(line: &str) -> EventKind<'_> {
    match parse_line(line.as_bytes()).as_slice() {
        [Record::Event(e)] => e.kind.clone(),
        other => panic!("not one event: {line}\n{other:?}"),
    }
}

#[test]
fn syscall_lines_with_every_prefix_and_suffix() {
    let p = |s: &str| Some(s.to_string());
    type Want<'a> = (Option<Pid>, &'a str, Option<String>, &'a str);
    let rows: &[(&str, Want)] = &[
        // no flags
        (r#"openat(AT_FDCWD, "/srv/sbfix/missing.conf", O_RDONLY) = -1 ENOENT (No such file or directory)"#, (None, "openat", p("/srv/sbfix/missing.conf"), "ENOENT")),
        // -f on stderr, and -f -o (bare pid)
        (r#"[pid 15019] chdir("/srv/sbfix/sub") = 0"#, (Some(15019), "chdir", p("/srv/sbfix/sub"), "0")),
        (r#"14989 exit_group(3)                      = ?"#, (Some(14989), "exit_group", None, "?")),
        // -Y
        (r#"[pid 15004<forker>] wait4(15005, NULL, 0, NULL) = 15005<true>"#, (Some(15004), "wait4", None, "15005")),
        // -t, -tt, -ttt, --timestamps=unix,ns, -r
        (r#"03:00:41 openat(AT_FDCWD, "/srv/sbfix/missing.conf", O_RDONLY) = -1 ENOENT (No such file or directory)"#, (None, "openat", p("/srv/sbfix/missing.conf"), "ENOENT")),
        (r#"[pid  4711] 10:15:02.412345 close(3) = 0"#, (Some(4711), "close", None, "0")),
        (r#"1795711850.219217 getppid() = 812"#, (None, "getppid", None, "812")),
        (r#"1795711850.219217734 getppid() = 812"#, (None, "getppid", None, "812")),
        (r#"     0.000048 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)"#, (None, "access", p("/etc/ld.so.preload"), "ENOENT")),
        // -n and -i, all prefixes together
        (r#"14989 03:00:41.944997 [ 257] [00007fcd6f503011] openat(AT_FDCWD</srv/sbfix>, "/srv/sbfix/missing.conf", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000011>"#, (Some(14989), "openat", p("/srv/sbfix/missing.conf"), "ENOENT")),
        // -T, -y returns
        (r#"openat(AT_FDCWD</tmp/gd>, "/srv/shop/etc/ok.yaml", O_RDONLY) = 3</srv/shop/etc/ok.yaml> <0.000010>"#, (None, "openat", p("/srv/shop/etc/ok.yaml"), "3")),
        // -yy sockets and devices
        (r#"connect(6<UNIX-STREAM:[88112]>, {sa_family=AF_UNIX, sun_path="/run/shop.sock"}, 110) = 0"#, (None, "connect", p("/run/shop.sock"), "0")),
        (r#"newfstatat(1</dev/null<char 1:3>>, "", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_EMPTY_PATH) = 0"#, (None, "newfstatat", p("/dev/null"), "0")),
        // -x / -xx strings
        (r#"openat(AT_FDCWD, "\x2f\x73\x72\x76\x2f\x78", O_RDONLY) = -1 ENOENT (No such file or directory)"#, (None, "openat", p("/srv/x"), "ENOENT")),
        // -X verbose
        (r#"openat(-100 /* AT_FDCWD */, "/srv/sbfix/missing.conf", 0 /* O_RDONLY */) = -1 ENOENT (No such file or directory)"#, (None, "openat", p("/srv/sbfix/missing.conf"), "ENOENT")),
        // hex results, comments, restarts, unknown errno, injection
        (r#"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f2ed5dee000"#, (None, "mmap", None, "0x7f2ed5dee000")),
        (r#"fcntl(3, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)"#, (None, "fcntl", None, "0x8000")),
        (r#"poll([{fd=4, events=POLLIN}], 1, 100) = 1 ([{fd=4, revents=POLLIN}])"#, (None, "poll", None, "1")),
        (r#"read(0, 0x7ffd, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"#, (None, "read", None, "ERESTARTSYS")),
        (r#"syscall_0x1f5(0x7, 0, 0, 0, 0x7f0d2c1e06d0, 0x7ffd4b3a1a28) = -1 ENOSYS (Function not implemented)"#, (None, "syscall_0x1f5", None, "ENOSYS")),
        (r#"openat(AT_FDCWD, "/x", O_RDONLY) = -1 (errno 1234) (INJECTED)"#, (None, "openat", p("/x"), "1234")),
        (r#"unlinkat(AT_FDCWD, "/srv/shop/tmp/x", 0) = -1 EROFS (Read-only file system) (INJECTED)"#, (None, "unlinkat", p("/srv/shop/tmp/x"), "EROFS")),
        (r#"getppid()                               = 812 (DELAYED)"#, (None, "getppid", None, "812")),
        // strings holding ` = `, `)` and quotes; the -s truncation marker
        (r#"openat(AT_FDCWD, "/srv/a) = 0 \"b\"", O_RDONLY) = 3"#, (None, "openat", p(r#"/srv/a) = 0 "b""#), "3")),
        (r#"read(3, "\177ELF\2\1\1\3\0\0"..., 832) = 832"#, (None, "read", None, "832")),
        // both paths of rename
        (r#"rename("/srv/sbfix/nope-a", "/srv/sbfix/nope-b") = -1 ENOENT (No such file or directory)"#, (None, "rename", p("/srv/sbfix/nope-a"), "ENOENT")),
        // -e status=unfinished single line, and detach
        (r#"[pid  7002] read(3,  <unfinished ...>)  = ?"#, (Some(7002), "read", None, "unfinished")),
        (r#"15062 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=100000000},  <detached ...>"#, (Some(15062), "clock_nanosleep", None, "unfinished")),
        (r#"15062 restart_syscall(<... resuming interrupted read ...>) = 0"#, (Some(15062), "restart_syscall", None, "0")),
        // HAND-WRITTEN: strace 6.16+ `-N` argument names
        (r#"openat(dirfd=AT_FDCWD, pathname="/srv/shop/etc/app.yaml", flags=O_RDONLY) = 3"#, (None, "openat", p("/srv/shop/etc/app.yaml"), "3")),
        // HAND-WRITTEN: strace 7.0+ `--color` SGR sequences around tokens
        ("\x1b[33mopenat\x1b[0m(AT_FDCWD, \"/srv/c\", O_RDONLY) = \x1b[31m-1 ENOENT\x1b[0m (No such file or directory)", (None, "openat", p("/srv/c"), "ENOENT")),
        // CRLF
        ("close(3) = 0\r", (None, "close", None, "0")),
    ];
    for (line, (pid, name, path, ret)) in rows {
        let got = call(line);
        assert_eq!(got, (*pid, name.to_string(), path.clone(), ret.to_string()), "{line}");
    }
}

#[test]
fn signals_exits_kills_and_messages() {
    assert_eq!(
        kind("--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---"),
        EventKind::Signal {
            signal: "SIGSEGV".into(),
            info: b"{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}"[..].into()
        }
    );
    assert_eq!(
        kind("--- stopped by SIGTSTP ---"),
        EventKind::Signal { signal: "SIGTSTP".into(), info: Box::default() }
    );
    assert_eq!(kind("[pid 10157] +++ exited with 5 +++"), EventKind::Exit { code: 5 });
    assert_eq!(
        kind("+++ killed by SIGABRT (core dumped) +++"),
        EventKind::Killed { signal: "SIGABRT".into(), core_dumped: true }
    );
    assert_eq!(
        kind("[????????????????] +++ killed by SIGSEGV +++"),
        EventKind::Killed { signal: "SIGSEGV".into(), core_dumped: false }
    );
    for msg in [
        "strace: Process 4711 attached with 3 threads",
        "+++ superseded by execve in pid 7001 +++",
        "[ Process PID=4711 runs in 32 bit mode. ]",
        "/usr/bin/strace: Process 15009 detached",
        // HAND-WRITTEN: strace 4.6 and older
        "Process 4711 attached - interrupt to quit",
    ] {
        let k = kind(msg);
        assert!(matches!(k, EventKind::Strace { .. }), "{msg}: {k:?}");
    }
}

#[test]
fn the_pid_of_an_attach_message() {
    let pid = |msg: &str| match kind(msg) {
        EventKind::Strace { message } => crate::parse::attached_pid(&message),
        k => panic!("{msg}: {k:?}"),
    };
    assert_eq!(pid("strace: Process 4711 attached"), Some(4711));
    assert_eq!(pid("strace: Process 4711 attached with 3 threads"), Some(4711));
    assert_eq!(pid("/usr/bin/strace: Process 15009 attached"), Some(15009));
    // HAND-WRITTEN: strace 4.6 and older
    assert_eq!(pid("Process 4711 attached - interrupt to quit"), Some(4711));
    assert_eq!(pid("/usr/bin/strace: Process 15009 detached"), None);
    assert_eq!(pid("[ Process PID=4711 runs in 32 bit mode. ]"), None);
    assert_eq!(crate::parse::attached_pid(b"strace: Process attached"), None);
}

#[test]
fn issue22_item4_what_strace_says_about_attaching_and_detaching() {
    use crate::parse::{attach_message, AttachMessage};
    // strace 6.1's own words (captured: attach to a process another strace traces already)
    let refused = attach_message(b"strace: attach: ptrace(PTRACE_SEIZE, 31973): Operation not permitted");
    assert_eq!(refused, Some(AttachMessage::Refused(31973, "Operation not permitted".into())));
    let gone = attach_message(b"strace: attach: ptrace(PTRACE_SEIZE, 999999): No such process");
    assert_eq!(gone, Some(AttachMessage::Refused(999999, "No such process".into())));
    assert_eq!(attach_message(b"strace: Process 31978 detached"), Some(AttachMessage::Detached(31978)));
    assert_eq!(attach_message(b"/usr/bin/strace: Process 31978 attached"), Some(AttachMessage::Attached(31978)));
    assert_eq!(attach_message(b"strace: Process 31978 detached twice"), None);
    assert_eq!(attach_message(b"strace: attach: ptrace(PTRACE_SEIZE, x): No such process"), None);
    assert_eq!(attach_message(b"strace: exec: No such file or directory"), None);
}

#[test]
fn clock_times_count_seconds_since_midnight() {
    let recs = parse_line(b"10:15:02.412345 close(3) = 0");
    let [Record::Event(Event { time: Some(t), .. })] = recs.as_slice() else { panic!("{recs:?}") };
    assert_eq!(t.text(), "10:15:02.412345");
    assert!(!t.relative);
    assert!((t.secs() - 36902.412345).abs() < 1e-6);
}

#[test]
fn lines_that_are_not_events_are_skipped_not_garbage() {
    for line in [
        "",
        " > /usr/lib/x86_64-linux-gnu/libc.so.6(__open64+0x6b) [0xf802b]",
        " | 00000  50 49 4e 47 0d 0a                                 PING..           |",
        "% time     seconds  usecs/call     calls    errors syscall",
        "------ ----------- ----------- --------- --------- ----------------",
        "  0.00    0.000000           0         4         2 openat",
        "100.00    0.000000           0         8         2 total",
        "syscall            calls    errors",
        "openat                 4         2",
        "  ______________________________________________",
        " / strace has a tip for you                      \\",
    ] {
        assert!(parse_line(line.as_bytes()).is_empty(), "{line:?}");
    }
    assert!(matches!(
        &parse_line(b"hello from the program")[..],
        [Record::Event(Event { kind: EventKind::Unparsed { .. }, .. })]
    ));
}

#[test]
fn heads_tails_and_glued_lines() {
    assert!(matches!(
        &parse_line(br#"[pid 10151] read(3,  <unfinished ...>"#)[..],
        [Record::Head { pid: Some(10151), name, args, .. }] if &**name == "read" && &**args == b"3,"
    ));
    assert!(matches!(
        &parse_line(br#"[pid 10151] <... read resumed>"go", 8)  = 2 <0.000010>"#)[..],
        [Record::Tail { pid: Some(10151), ret: Return::Value { value: 2, .. }, duration: Some(_), .. }]
    ));
    // a strace message in the middle of a call, the call continuing on the next line
    let mut asm = Assembler::new(None);
    let mut out = Vec::new();
    asm.push(1, b"[pid  4711] openat(AT_FDCWD, \"/srv/shop/q/1\", O_RDONLYstrace: Process 4715 attached", &mut out);
    asm.push(2, b") = -1 ENOENT (No such file or directory)", &mut out);
    asm.push(3, b"cannot open config[pid  4712] openat(AT_FDCWD, \"/srv/shop/l.mo\", O_RDONLY) = -1 ENOENT (No such file or directory)", &mut out);
    asm.finish(&mut out);
    let kinds: Vec<String> = out
        .iter()
        .map(|r| match r {
            Record::Event(e) => match &e.kind {
                EventKind::Syscall(sc) => {
                    format!("{}:{:?}:{}", e.line, e.pid, String::from_utf8_lossy(sc.path.as_deref().unwrap_or(b"")))
                }
                EventKind::Strace { .. } => format!("{}:strace", e.line),
                EventKind::Unparsed { text } => format!("{}:unparsed:{}", e.line, String::from_utf8_lossy(text)),
                k => format!("{k:?}"),
            },
            r => format!("{r:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        ["1:strace", "1:Some(4711):/srv/shop/q/1", "3:unparsed:cannot open config", "3:Some(4712):/srv/shop/l.mo"]
    );
}

#[test]
fn a_cut_last_line_and_garbage_never_panic() {
    for line in [
        &b"openat(AT_FDCWD, \"/srv/x"[..],
        b"[pid",
        b"[pid 1",
        b"--- SIG",
        b"+++ exited with",
        b"<... read resumed>",
        b"\xff\xfe\x00\x01",
        b"x(\"\\",
        b"= -1",
        b"a() = ",
        b"1.5 ",
    ] {
        let _ = parse_line(line);
    }
}

/// A call cut open and followed by endless continuation-like lines is glued at most
/// `GLUE_WINDOW` times (each glue parses the whole text again: unbounded, that was quadratic),
/// then everything is unparsed text.
#[test]
fn gluing_continuations_is_bounded() {
    let mut asm = Assembler::new(None);
    let mut unparsed = 0;
    let lines = 50_000;
    for n in 0..=lines {
        let line: &[u8] = if n == 0 { b"openat(AT_FDCWD, \"/srv/x\"" } else { b", 1" };
        let mut out = Vec::new();
        asm.push(n + 1, line, &mut out);
        for r in out {
            match r {
                Record::Event(Event { kind: EventKind::Unparsed { .. }, .. }) => unparsed += 1,
                other => panic!("{other:?}"),
            }
        }
    }
    let mut out = Vec::new();
    asm.finish(&mut out);
    unparsed += out.len();
    // the glued head (with GLUE_WINDOW continuations), then every other line on its own
    assert_eq!(unparsed as u64, 1 + lines - u64::from(GLUE_WINDOW));
}

/// The parallel path (`prepare` on any thread, then `push_prepared` in order) gives the same
/// records and counts as `push`, on every line of every capture.
#[test]
fn prepared_lines_assemble_exactly_like_raw_lines() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() && !p.ends_with("root") {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "txt") || p.parent().is_some_and(|d| d.ends_with("ff")) {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 50);
    for f in files {
        let text = std::fs::read(&f).unwrap_or_default();
        for fast in [false, true] {
            let (mut a, mut b) = (
                if fast { Assembler::fast(None) } else { Assembler::new(None) },
                if fast { Assembler::fast(None) } else { Assembler::new(None) },
            );
            let (mut ra, mut rb) = (Vec::new(), Vec::new());
            for (i, line) in text.split(|&c| c == b'\n').enumerate() {
                let n = i as u64 + 1;
                a.push(n, line, &mut ra);
                b.push_prepared(n, line, prepare(n, line, fast), &mut rb);
            }
            a.finish(&mut ra);
            b.finish(&mut rb);
            assert_eq!(ra, rb, "{f:?} fast={fast}");
            assert_eq!(a.stats(), b.stats(), "{f:?} fast={fast}");
        }
    }
}

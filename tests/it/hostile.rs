//! Hostile and broken input: nothing panics, hangs or grows without bound; errors name the
//! input and the other inputs are still analysed.

use std::io::Write;
use std::process::Stdio;

use crate::harness::{fixtures, input_error, run, straceback};

fn fixture(p: &str) -> String {
    fixtures().join(p).to_str().expect("utf-8").to_string()
}

#[test]
fn empty_input_is_an_input_error_not_an_empty_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    let err = input_error(&run(&["--format", "json", empty.to_str().expect("p")]));
    assert!(err.contains("empty.txt: empty, no strace output in it"), "{err}");
}

#[test]
fn crlf_invalid_utf8_and_a_cut_last_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("odd.txt");
    let mut text = Vec::new();
    text.extend_from_slice(
        b"openat(AT_FDCWD, \"/srv/app/conf.yml\", O_RDONLY) = -1 ENOENT (No such file or directory)\r\n",
    );
    text.extend_from_slice(b"\xff\xfe garbage \x00 bytes\r\n");
    text.extend_from_slice(b"openat(AT_FDCWD, \"/srv/app/\\377bad\", O_RDONLY) = -1 EACCES (Permission denied)\r\n");
    text.extend_from_slice(b"openat(AT_FDCWD, \"/srv/app/cut");
    std::fs::write(&f, &text).expect("write");
    let out = run(&["--format", "json", "--no-disk", f.to_str().expect("p")]);
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["summary"]["lines"], 4);
    assert_eq!(r["summary"]["unparsed"], 2, "the garbage line and the cut last line");
    let paths: Vec<&str> = r["failures"].as_array().expect("f").iter().filter_map(|f| f["path"].as_str()).collect();
    assert!(paths.contains(&"/srv/app/conf.yml"), "{paths:?}");
    // a byte that is not UTF-8 is written `\xff`, its exact bytes beside it (issue 16 item 2)
    assert!(paths.contains(&"/srv/app/\\xffbad"), "{paths:?}");
    let odd = r["failures"].as_array().expect("f").iter().find(|f| f["path"] == "/srv/app/\\xffbad").expect("odd");
    assert_eq!(odd["path_bytes"], serde_json::json!(b"/srv/app/\xffbad"));
}

#[test]
fn unreadable_and_corrupt_inputs_are_errors_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().expect("tmp");
    let gz = dir.path().join("cut.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(fixture("flags/tt.txt")).expect("read")).expect("gz");
    let bytes = enc.finish().expect("gz");
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).expect("write");
    let good = fixture("incidents/crash-after-open/trace.txt");
    // /proc/self/mem cannot be read from offset 0, even by root
    let out = run(&["--format", "json", "--no-disk", gz.to_str().expect("p"), "/proc/self/mem", &good]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("straceback: {}: ", gz.display())), "{err}");
    assert!(err.contains("straceback: /proc/self/mem: "), "{err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(r["suspects"][0]["path"], "/opt/crashy/data/input.dat");
}

#[test]
fn a_closed_stdout_exits_quietly() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("straceback"))
        .args(["events", &fixture("incidents/php-db-down/trace.txt")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // read one line, then close the pipe like `| head -1`
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    let _ = std::io::Read::read(&mut stdout, &mut first);
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_full_disk_for_save_is_reported_and_the_analysis_goes_on() {
    let trace = std::fs::read(fixture("incidents/missing-logdir/trace.txt")).expect("trace");
    let out = straceback()
        .args(["--format", "json", "--no-disk", "--save", "/dev/full"])
        .write_stdin(trace)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("straceback: /dev/full: No space left on device"), "{err}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(r["suspects"][0]["path"], "/var/log/ledger/ledger.log");
}

#[test]
fn max_groups_caps_memory_with_a_visible_overflow() {
    let r = crate::harness::report(&["--no-disk", "--max-groups", "5", &fixture("incidents/wrong-soname/trace.txt")]);
    assert_eq!(r["summary"]["groups"], 5);
    assert!(r["summary"]["overflow_failures"].as_u64().unwrap_or(0) > 100);
    let out =
        run(&["--no-disk", "--color", "never", "--max-groups", "5", &fixture("incidents/wrong-soname/trace.txt")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("failures not grouped: --max-groups reached"));
}

#[test]
fn random_bytes_and_a_giant_line_stay_small() {
    let dir = tempfile::tempdir().expect("tmp");
    let noise = dir.path().join("urandom.bin");
    let mut f = std::fs::File::create(&noise).expect("create");
    let mut src = std::fs::File::open("/dev/urandom").expect("urandom");
    std::io::copy(&mut std::io::Read::take(&mut src, 200 << 20), &mut f).expect("copy");
    drop(f);
    let line = dir.path().join("line.txt");
    let mut f = std::fs::File::create(&line).expect("create");
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..200 {
        f.write_all(&chunk).expect("write");
    }
    f.write_all(b"\nclose(3) = 0\n").expect("write");
    drop(f);
    for (file, what) in [(&noise, "urandom"), (&line, "line")] {
        let out = run(&["--format", "json", "--no-disk", file.to_str().expect("p")]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert!(r["summary"]["lines"].as_u64().unwrap_or(0) >= 2, "{what}");
        if what == "line" {
            assert_eq!(r["summary"]["overlong"], 1);
            assert_eq!(r["summary"]["syscalls"], 1);
        }
    }
}

#[test]
fn disk_lookups_never_leave_the_root() {
    // a canary outside the root, reachable only by escaping: an absolute symlink, `..`
    let outside = tempfile::Builder::new().prefix("sb-outside").tempdir_in("/tmp").expect("tmp");
    let canary = outside.path().join("canary.txt");
    std::fs::write(&canary, "app.conf\n").expect("canary");
    let root = tempfile::tempdir().expect("root");
    std::fs::create_dir_all(root.path().join("app")).expect("app");
    std::os::unix::fs::symlink(outside.path(), root.path().join("app/link")).expect("link");
    std::os::unix::fs::symlink("../../../..", root.path().join("app/up")).expect("up");
    let o = outside.path().display().to_string();
    let trace = format!(
        "openat(AT_FDCWD, \"/app/link/canary.txt\", O_RDONLY) = 3\n\
         read(3, \"app.conf\\n\", 4096) = 9\n\
         openat(AT_FDCWD, \"/app/up{o}/canary.txt\", O_RDONLY) = 4\n\
         openat(AT_FDCWD, \"/app/../../..{o}/canary.txt\", O_RDONLY) = 5\n\
         openat(AT_FDCWD, \"/app/link/canary.tx\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         openat(AT_FDCWD, \"{o}/canary.txx\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         openat(AT_FDCWD, \"/app/app.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         write(2, \"cannot open /app/app.conf\\n\", 26) = 26\n\
         exit_group(1) = ?\n+++ exited with 1 +++\n"
    );
    let t = root.path().join("trace.txt");
    std::fs::write(&t, trace).expect("trace");
    let log = root.path().join("self.strace");
    let status = std::process::Command::new("strace")
        .args(["-f", "-qq", "-y", "-e", "trace=%file,openat2,read", "-o", log.to_str().expect("p")])
        .arg(assert_cmd::cargo::cargo_bin("straceback"))
        .args(["--format", "json", "--root", root.path().to_str().expect("p"), t.to_str().expect("p")])
        .stdout(Stdio::null())
        .status()
        .expect("strace");
    assert!(status.success());
    let seen = std::fs::read_to_string(&log).expect("log");
    assert!(seen.contains(root.path().to_str().expect("p")), "the root was looked at");
    // `-y`: every descriptor a call starts from or returns is shown by its real path
    let escaped: Vec<&str> = seen.lines().filter(|l| l.contains(&format!("<{o}"))).collect();
    assert!(escaped.is_empty(), "looked outside the root:\n{}", escaped.join("\n"));
    assert!(!seen.contains("O_WRONLY") && !seen.contains("O_RDWR") && !seen.contains("O_CREAT"), "wrote something");
}

#[test]
fn a_directory_of_100k_entries_is_listed_once() {
    let root = tempfile::tempdir().expect("root");
    let dir = root.path().join("srv/cache");
    std::fs::create_dir_all(&dir).expect("dir");
    for i in 0..100_000 {
        std::fs::File::create(dir.join(format!("entry-{i:06}.dat"))).expect("create");
    }
    let mut trace = String::new();
    for i in 0..200 {
        trace.push_str(&format!(
            "[pid {}] openat(AT_FDCWD, \"/srv/cache/entry-{:06}.dta\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
            100 + i,
            i * 7
        ));
    }
    let t = root.path().join("trace.txt");
    std::fs::write(&t, trace).expect("trace");
    let log = root.path().join("self.strace");
    let status = std::process::Command::new("strace")
        .args(["-f", "-qq", "-y", "-e", "trace=openat,openat2,getdents64", "-o", log.to_str().expect("p")])
        .arg(assert_cmd::cargo::cargo_bin("straceback"))
        .args(["--format", "json", "--all", "--root", root.path().to_str().expect("p"), t.to_str().expect("p")])
        .stdout(Stdio::piped())
        .output()
        .expect("strace");
    assert!(status.status.success());
    let r: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(r["suspects"][0]["typo"]["kind"], "extension");
    let opens = std::fs::read_to_string(&log)
        .expect("log")
        .lines()
        .filter(|l| l.contains("O_DIRECTORY") && !l.contains("O_PATH") && l.contains("srv/cache>"))
        .count();
    assert_eq!(opens, 1, "the listing is cached");
}

/// issue 16 item 3: a 500 KB `/a/a/…` failing path and `/a`×2000 directories, with and
/// without the disk: the typo lookups stay within their bounds (the budget is not even
/// reached: the work is linear in the path length) and every failure is reported.
#[test]
fn issue16_deep_paths_keep_the_typo_check_linear() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("a/a/a")).expect("root");
    let huge = "/a".repeat(250_000);
    let deep = "/a".repeat(2000);
    let mut text = format!("1 openat(AT_FDCWD, \"{huge}/x\", O_RDONLY) = -1 ENOENT (No such file or directory)\n");
    for i in 0..20 {
        text.push_str(&format!("1 newfstatat(AT_FDCWD, \"{deep}/ok{i}\", {{st_mode=S_IFREG|0644}}, 0) = 0\n"));
        text.push_str(&format!(
            "1 openat(AT_FDCWD, \"{deep}/d{i}/f\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"
        ));
    }
    let trace = dir.path().join("trace.txt");
    std::fs::write(&trace, text).expect("write");
    let t = trace.to_str().expect("utf-8");
    for args in
        [vec!["--format", "json", "--no-disk", t], vec!["--format", "json", "--root", root.to_str().expect("p"), t]]
    {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(r["summary"]["failures"], 21, "{args:?}");
        assert_eq!(r["summary"]["typo_budget_spent"], false, "{args:?}");
    }
}

/// issue 16 item 6: a `-ff` set of 3,000 files under `ulimit -n 64` is analysed whole, given
/// by its prefix or by a glob (the files share a bounded number of descriptors; the merge
/// keeps time order across files).
#[test]
fn issue16_many_ff_files_under_a_low_descriptor_limit() {
    use std::os::unix::process::CommandExt;
    const FILES: u32 = 3000;
    let dir = tempfile::tempdir().expect("tmp");
    let mut names = Vec::new();
    for pid in 1..=FILES {
        // pid N fails at second N % 60 and again after every other file: the merge interleaves
        let text = format!(
            "10:00:{:02}.{pid:06} openat(AT_FDCWD, \"/srv/app/missing-{pid}.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
             10:01:{:02}.{pid:06} exit_group(0) = ?\n10:01:{:02}.{pid:06} +++ exited with 0 +++\n",
            pid % 60,
            pid % 60,
            pid % 60
        );
        let p = dir.path().join(format!("trace.{pid}"));
        std::fs::write(&p, text).expect("write");
        names.push(p.to_str().expect("utf-8").to_string());
    }
    let prefix = dir.path().join("trace").to_str().expect("utf-8").to_string();
    for inputs in [vec![prefix], names] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("straceback"));
        cmd.args(["--format", "json", "--no-disk"]).args(&inputs);
        // SAFETY: setrlimit(2) between fork and exec, on the child's own limit.
        unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit { rlim_cur: 64, rlim_max: 64 };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let out = cmd.output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(r["summary"]["processes"], u64::from(FILES), "{}", r["summary"]);
        assert_eq!(r["summary"]["failures"], u64::from(FILES));
        assert_eq!(r["summary"]["first_time"], "10:00:00.000060");
        assert_eq!(r["summary"]["last_time"], "10:01:59.002999");
    }
}

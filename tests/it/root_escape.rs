//! issue 16 item 1: `--root` cannot be escaped. A root holding `abs -> /`, a chain of 41 links
//! ending in `-> /` and a FIFO where the process read a config file; the trace (outside the
//! root) fails on paths that reach the host's `/etc` only by escaping.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::harness::{report, run};

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    trace: PathBuf,
}

impl Setup {
    fn root(&self) -> &str {
        self.root.to_str().expect("utf-8")
    }
    fn trace(&self) -> &str {
        self.trace.to_str().expect("utf-8")
    }
}

fn hostile_root() -> Setup {
    let dir = tempfile::Builder::new().prefix("sb-escape").tempdir_in("/tmp").expect("tmp");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).expect("etc");
    std::fs::create_dir_all(root.join("srv/app")).expect("app");
    std::fs::write(root.join("etc/hostname"), "copy\n").expect("hostname");
    std::os::unix::fs::symlink("/", root.join("abs")).expect("abs");
    // /c1 -> c2 -> … -> c41 -> /: 41 links, one more than a lookup follows
    for i in 1..=41 {
        let target = if i == 41 { "/".to_string() } else { format!("c{}", i + 1) };
        std::os::unix::fs::symlink(target, root.join(format!("c{i}"))).expect("chain");
    }
    let fifo = std::ffi::CString::new(root.join("srv/app/app.conf").as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: mkfifo(3) with a NUL-terminated path
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let deep = "/abs".repeat(41);
    let trace = dir.path().join("trace.txt");
    let text = format!(
        "1 openat(AT_FDCWD, \"/c1/etc/passwd\", O_RDONLY) = 3\n\
         1 read(3, \"root:x:0:0:root:/root:/bin/bash\\n\", 4096) = 32\n\
         1 openat(AT_FDCWD, \"/srv/app/app.conf\", O_RDONLY) = 4\n\
         1 read(4, \"listen 80\\n\", 4096) = 10\n\
         1 openat(AT_FDCWD, \"/usr/sbin/nologin\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         1 openat(AT_FDCWD, \"/srv/app/include.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         1 openat(AT_FDCWD, \"{deep}/etc/passwdd\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         1 openat(AT_FDCWD, \"/c1/etc/shadoww\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         1 exit_group(1) = ?\n\
         1 +++ exited with 1 +++\n"
    );
    std::fs::write(&trace, text).expect("trace");
    Setup { _dir: dir, root, trace }
}

/// (a) and (b): no suggestion taken from the host's /etc listing, no fix pointer read from the
/// host's /etc/passwd (it names /usr/sbin/nologin), every format, and no hang on the FIFO.
#[test]
fn issue16_root_escape_the_host_etc_is_never_seen() {
    let s = hostile_root();
    let r = report(&["--all", "--root", s.root(), s.trace()]);
    let suspects = r["suspects"].as_array().expect("suspects");
    assert_eq!(suspects.len(), 4, "{r:#}");
    for x in suspects {
        assert!(x["typo"].is_null() && x["referenced_from"].is_null(), "{x:#}");
    }
    let text = run(&["-v", "--all", "--color", "never", "--root", s.root(), s.trace()]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    // the failing names themselves, and nothing of the host's /etc (passwd, shadow, group…)
    assert_eq!(text.matches("passwd").count(), text.matches("passwdd").count(), "{text}");
    assert_eq!(text.matches("shadow").count(), text.matches("shadoww").count(), "{text}");
    assert!(!text.contains("typo") && !text.contains("referenced from"), "{text}");
}

/// (c): under the real strace, every descriptor straceback holds after opening the root (the
/// kernel's own `-y` decoration of it, for directories and files alike) lies inside the
/// root, save the trace file it was given; no path is looked up from the working directory
/// but the trace file. Before the root is opened comes the start-up that is not straceback's
/// analysis (the loader, the allocator's settings, the standard library's CPU count from
/// /proc/self and the cgroup, the root canonicalized): it is not judged.
#[test]
fn issue16_root_escape_no_lookup_leaves_the_root_under_strace() {
    let s = hostile_root();
    let log = s.root.parent().expect("dir").join("self.strace");
    let status = std::process::Command::new("timeout")
        .args(["60", "strace", "-f", "-qq", "-y", "-e", "trace=%file,openat2,read,getdents64", "-o"])
        .arg(&log)
        .arg(assert_cmd::cargo::cargo_bin("straceback"))
        .args(["--format", "json", "--all", "--root", s.root(), s.trace()])
        .stdout(Stdio::null())
        .status()
        .expect("strace");
    assert!(status.success(), "{status}");
    let seen = std::fs::read_to_string(&log).expect("log");
    let root_opened =
        |l: &&str| l.contains("AT_FDCWD") && l.contains(&format!("\"{}\"", s.root())) && l.contains("O_PATH");
    let after: Vec<&str> = seen.lines().skip_while(|l| !root_opened(l)).skip(1).collect();
    assert!(after.len() > 20, "the root was opened and looked in:\n{seen}");
    let outside: Vec<&&str> = after.iter().filter(|l| !l.contains(s.trace()) && !inside(l, &s.root)).collect();
    assert!(
        outside.is_empty(),
        "looked outside the root:\n{}",
        outside.iter().map(|l| **l).collect::<Vec<_>>().join("\n")
    );
    assert!(after.iter().any(|l| l.contains("ELOOP")), "the deep links were refused by the kernel");
    assert!(!seen.contains("O_WRONLY") && !seen.contains("O_RDWR") && !seen.contains("O_CREAT"), "wrote something");
}

/// Whether a strace `-y` line works only inside `root`: its call starts from a descriptor of
/// it (not from the working directory) and every descriptor it names or returns is in it.
fn inside(line: &str, root: &Path) -> bool {
    let root = root.to_str().expect("utf-8");
    let call = line.split_once(' ').map_or(line, |(_, c)| c).trim_start();
    if call.starts_with("<...") {
        return true; // the rest of a call whose start was judged
    }
    let starts_inside = call
        .split_once('(')
        .is_some_and(|(_, args)| args.split_once('<').is_some_and(|(fd, _)| fd.bytes().all(|b| b.is_ascii_digit())));
    let fds = line.split('<').skip(1).filter_map(|d| d.split_once('>').map(|(p, _)| p));
    starts_inside && fds.clone().count() > 0 && fds.into_iter().all(|p| p == root || p.starts_with(&format!("{root}/")))
}

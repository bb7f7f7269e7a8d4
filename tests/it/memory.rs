//! issue 16 item 5: every table that grows with the input stops at its byte budget, says what
//! it dropped (`summary.memory_caps`, a line on the default screen), and what it dropped
//! becomes unknown, never wrong. Each test fills one table with far more than its budget and
//! checks the count of what was dropped and the report built from what was kept. Peak RSS is
//! measured by `benches/hostile.sh` (figures in the README), never asserted here: it depends
//! on the machine's load and allocator.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::harness::run;

/// Writes the lines `line(0..n)` to `name` in `dir`.
fn trace(dir: &Path, name: &str, n: usize, line: impl Fn(usize) -> String) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for i in 0..n {
        writeln!(f, "{}", line(i)).expect("write");
    }
    f.flush().expect("flush");
    path
}

/// The JSON report of `file` (`--no-disk`).
fn measured(file: &Path) -> serde_json::Value {
    let out = run(&["--format", "json", "--no-disk", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The text report of `file`: the default screen, or with `-v`.
fn text(file: &Path, verbose: bool) -> String {
    let mut args = vec!["--no-disk", "--color", "never", file.to_str().expect("utf-8")];
    if verbose {
        args.push("-v");
    }
    String::from_utf8_lossy(&run(&args).stdout).into_owned()
}

/// The count the `memory caps hit: …` line of `-v` gives for `what` (`12,345 what`).
fn said(verbose: &str, what: &str) -> Option<u64> {
    let line = verbose.lines().find_map(|l| l.strip_prefix("memory caps hit: "))?;
    let n = line.split(", ").find_map(|part| part.strip_suffix(what)?.strip_suffix(' '))?;
    n.replace(',', "").parse().ok()
}

fn caps(r: &serde_json::Value, what: &str) -> u64 {
    r["summary"]["memory_caps"][what].as_u64().unwrap_or_else(|| panic!("memory_caps.{what}: {}", r["summary"]))
}

#[test]
fn issue16_never_resumed_calls_are_given_up_oldest_first() {
    // 300,000 threads each left in a call (a trace cut while a server's threads wait), then
    // one call that does finish, and fails
    let dir = tempfile::tempdir().expect("tmp");
    let f = trace(dir.path(), "unfinished.txt", 300_002, |i| match i {
        300_000 => "[pid 400000] openat(AT_FDCWD, \"/srv/app/settings.ini\", O_RDONLY <unfinished ...>".into(),
        300_001 => "[pid 400000] <... openat resumed>) = -1 ENOENT (No such file or directory)".into(),
        _ => format!("[pid {}] futex(0x7f3a2c0a1b{i:08}, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>", i + 1),
    });
    let r = measured(&f);
    let given_up = caps(&r, "unfinished_calls");
    // each waiting call counts some 200 bytes against a 16 MiB budget: most of them go
    assert!((200_000..300_000).contains(&given_up), "{given_up}");
    assert_eq!(r["suspects"][0]["path"], "/srv/app/settings.ini", "a call after the cap still pairs");
    assert_eq!(r["suspects"][0]["first_line"], 300_001);
    let verbose = text(&f, true);
    assert_eq!(said(&verbose, "unfinished calls given up"), Some(given_up), "{verbose}");
    let screen = text(&f, false);
    // the waiting calls kept past the pairer are more than the 4,096 stuck calls followed
    let short = "memory caps hit (-v says what was dropped): unfinished calls, processes, stuck calls";
    assert!(screen.lines().any(|l| l == short), "{screen}");
}

#[test]
fn issue16_many_processes_are_forgotten_least_recently_active_first() {
    // pids 1 and 2 start in the trace and open files; 300,000 other processes come and do not
    // exit; then pid 1 execs again, opens one more and runs out of descriptors, and pid 2 runs
    // out at once. Both were forgotten meanwhile: pid 1's exec is not its start, so what it
    // held is a lower bound (its highest descriptor); of pid 2 nothing is known. Never a count
    // from a table that lost its beginning.
    let mut early = vec![
        "[pid 1] execve(\"/usr/bin/app\", [\"app\"], 0x7ffd /* 3 vars */) = 0".to_string(),
        "[pid 2] execve(\"/usr/bin/app\", [\"app\"], 0x7ffd /* 3 vars */) = 0".to_string(),
    ];
    for fd in 3..=40 {
        early.push(format!("[pid 1] openat(AT_FDCWD, \"/srv/app/data/{fd}.db\", O_RDONLY) = {fd}"));
        early.push(format!("[pid 2] openat(AT_FDCWD, \"/srv/app/data/{fd}.db\", O_RDONLY) = {fd}"));
    }
    let late = [
        "[pid 1] execve(\"/usr/bin/app\", [\"app\", \"--reload\"], 0x7ffd /* 3 vars */) = 0",
        "[pid 1] openat(AT_FDCWD, \"/srv/app/data/41.db\", O_RDONLY) = 41",
        "[pid 1] openat(AT_FDCWD, \"/srv/app/data/42.db\", O_RDONLY) = -1 EMFILE (Too many open files)",
        // another call: out of descriptors is one group per call, whatever the path
        "[pid 2] open(\"/srv/app/cache.db\", O_RDONLY) = -1 EMFILE (Too many open files)",
    ];
    let others = 300_000;
    let dir = tempfile::tempdir().expect("tmp");
    let f = trace(dir.path(), "pids.txt", early.len() + others + late.len(), |i| match i {
        i if i < early.len() => early[i].clone(),
        i if i < early.len() + others => format!("[pid {}] chdir(\"/srv/app/releases/{i}\") = 0", i + 100),
        i => late[i - early.len() - others].to_string(),
    });
    let r = measured(&f);
    assert!(caps(&r, "processes") > 0, "{}", r["summary"]);
    assert_eq!(r["summary"]["processes"], 300_002, "every process is still counted");
    let suspect = |path: &str| -> serde_json::Value {
        let all = r["suspects"].as_array().expect("suspects");
        all.iter().find(|s| s["path"] == path).cloned().unwrap_or_else(|| panic!("{path}: {all:?}"))
    };
    assert_eq!(
        suspect("openat EMFILE")["explanation"]["text"],
        "out of file descriptors: the process held at least 42 when openat failed"
    );
    assert_eq!(
        suspect("open EMFILE")["explanation"]["text"],
        "out of file descriptors when open failed",
        "nothing is known of what it held"
    );
    assert_eq!(said(&text(&f, true), "times a process was forgotten"), Some(caps(&r, "processes")));
}

#[test]
fn issue16_a_process_holding_too_many_descriptors_has_its_table_emptied() {
    // one process opens 150,000 files and keeps them: its table passes its 8 MiB cap once
    let dir = tempfile::tempdir().expect("tmp");
    let f = trace(dir.path(), "fds.txt", 150_002, |i| match i {
        0 => "execve(\"/usr/bin/indexer\", [\"indexer\"], 0x7ffd /* 3 vars */) = 0".into(),
        150_001 => "openat(AT_FDCWD, \"/srv/index/next.seg\", O_RDONLY) = -1 EMFILE (Too many open files)".into(),
        _ => format!("openat(AT_FDCWD, \"/srv/index/segments/part-{i:07}.seg\", O_RDONLY) = {}", i + 2),
    });
    let r = measured(&f);
    assert_eq!(caps(&r, "descriptor_tables"), 1);
    // the highest descriptor is still seen (150,002): every lower one is taken, but what the
    // table held before it was emptied is unknown, so the count is a lower bound
    let explanation = r["suspects"][0]["explanation"]["text"].as_str().unwrap_or_default();
    assert_eq!(explanation, "out of file descriptors: the process held at least 150003 when openat failed");
}

#[test]
fn issue16_failure_groups_stop_at_their_byte_budget() {
    // 10,000 failing paths of 4 KB: the groups' budget holds a few thousand of them
    let dir = tempfile::tempdir().expect("tmp");
    let long = "d".repeat(4000);
    let f = trace(dir.path(), "groups.txt", 10_000, |i| {
        format!("openat(AT_FDCWD, \"/srv/{long}/{i}\", O_RDONLY) = -1 EACCES (Permission denied)")
    });
    let r = measured(&f);
    let dropped = caps(&r, "failures");
    let groups = r["summary"]["groups"].as_u64().unwrap_or(0);
    assert!(groups > 1000 && groups + dropped == 10_000, "{}", r["summary"]);
    assert_eq!(r["summary"]["failures"], 10_000, "every failure is still counted");
    assert_eq!(r["summary"]["overflow_failures"], 0, "--max-groups was not reached");
    let verbose = text(&f, true);
    assert_eq!(said(&verbose, "failures not grouped"), Some(dropped), "{verbose}");
}

#[test]
fn issue16_evidence_and_known_paths_stop_at_their_byte_budget() {
    // a process reads 20,000 files of 4 KB paths, failing on another file after each: what it
    // read before each failure and the paths seen existing pass their budgets
    let dir = tempfile::tempdir().expect("tmp");
    let long = "d".repeat(4000);
    let f = trace(dir.path(), "evidence.txt", 40_000, |i| match i % 2 {
        0 => format!("openat(AT_FDCWD, \"/srv/{long}/{i}/app.conf\", O_RDONLY) = 3"),
        _ => {
            format!("openat(AT_FDCWD, \"/srv/app/missing-{i}.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)")
        }
    });
    let r = measured(&f);
    assert!(caps(&r, "evidence") > 0, "{}", r["summary"]);
    assert!(caps(&r, "known_paths") > 0, "{}", r["summary"]);
    assert_eq!(r["summary"]["failures"], 20_000);
}

#[test]
fn issue16_ff_members_give_back_buffers_grown_for_a_long_line() {
    // a -ff set of 1,000 files, each starting with a 64 KiB write: every member's next event
    // is held for the merge, but not its reading buffer too
    let dir = tempfile::tempdir().expect("tmp");
    let data = "x".repeat(65536);
    for pid in 1..=1000 {
        trace(dir.path(), &format!("trace.{pid}"), 2, |i| {
            match i {
            0 => format!("10:00:{:02}.{pid:06} write(1, \"{data}\", 65536) = 65536", pid % 60),
            _ => format!(
                "10:00:{:02}.{pid:06} openat(AT_FDCWD, \"/srv/x/{pid}\", O_RDONLY) = -1 ENOENT (No such file or directory)",
                pid % 60
            ),
        }
        });
    }
    let r = measured(&dir.path().join("trace"));
    assert_eq!(r["summary"]["failures"], 1000);
}

#[test]
fn unparsed_lines_kept_for_show_unparsed_are_cut() {
    // 100 lines of 1 MB that are not trace lines, then one that is
    let dir = tempfile::tempdir().expect("tmp");
    let garbage = "g".repeat(1_000_000);
    let f = trace(dir.path(), "garbage.txt", 101, |i| match i {
        100 => "close(3) = 0".into(),
        _ => garbage.clone(),
    });
    let f = f.to_str().expect("utf-8");
    let out = run(&["--show-unparsed", "--no-disk", "--color", "never", f]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let listed: Vec<&str> = text.lines().filter(|l| l.contains(": ggg")).collect();
    assert_eq!(listed.len(), 100);
    assert!(listed.iter().all(|l| l.ends_with(&format!("{}…", "g".repeat(100)))), "{}", &listed[0][..200]);
    assert!(listed.iter().all(|l| l.len() < 4200));
}

#[test]
fn nothing_is_said_about_memory_when_no_cap_was_reached() {
    let f = crate::harness::fixtures().join("incidents/seed/trace.txt");
    let r = measured(&f);
    for what in [
        "unfinished_calls",
        "processes",
        "descriptor_tables",
        "failures",
        "evidence",
        "known_paths",
        "stuck_calls",
        "wait_targets",
    ] {
        assert_eq!(caps(&r, what), 0, "{what}");
    }
    assert!(!text(&f, false).contains("memory caps") && !text(&f, true).contains("memory caps"));
}

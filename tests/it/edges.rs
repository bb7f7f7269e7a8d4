//! Small edges of the inputs and flags (issue 16, item 8): `--threads` capped, a UTF-8 BOM, a
//! last line cut inside its errno, `--save` with files, an input that never ends.

use crate::harness::{input_error, report, run};

const LINE: &str = "12 openat(AT_FDCWD, \"/srv/app/missing.conf\", O_RDONLY) = -1 ENOENT (No such file or directory)\n";

fn trace(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

#[test]
fn issue16_threads_are_capped() {
    let dir = tempfile::tempdir().expect("tmp");
    let t = trace(&dir, "t.txt", LINE.as_bytes());
    // a hundred thousand threads would not start: the flag is capped at two per core
    let r = report(&["--no-disk", "--threads", "100000", &t]);
    assert_eq!(r["summary"]["failures"], 1);
}

#[test]
fn issue16_a_bom_before_the_first_line_is_ignored() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend_from_slice(LINE.as_bytes());
    let t = trace(&dir, "t.txt", &text);
    let r = report(&["--no-disk", &t]);
    assert_eq!(r["summary"]["unparsed"], 0, "{r}");
    assert_eq!(r["failures"][0]["path"], "/srv/app/missing.conf");
}

#[test]
fn issue16_a_last_line_cut_inside_its_errno_is_no_failure() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = format!("{LINE}12 openat(AT_FDCWD, \"/srv/app/other.conf\", O_RDONLY) = -1 ENOE");
    let t = trace(&dir, "t.txt", text.as_bytes());
    let r = report(&["--no-disk", &t]);
    assert_eq!(r["summary"]["failures"], 1, "{r}");
    assert!(!r.to_string().contains("ENOE\""), "{r}");
}

#[test]
fn issue16_save_with_trace_files_is_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let t = trace(&dir, "t.txt", LINE.as_bytes());
    let save = dir.path().join("saved.txt");
    let err = input_error(&run(&["--no-disk", "--save", save.to_str().expect("utf-8"), &t]));
    assert!(err.contains("--save keeps the trace read from stdin"), "{err}");
}

#[test]
fn issue16_an_endless_input_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let zero = dir.path().join("trace.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let err = input_error(&run(&["--no-disk", zero.to_str().expect("utf-8")]));
    assert!(err.contains("not a regular file or a pipe but a character device"), "{err}");
}

#[test]
fn issue20_which_path_of_a_two_path_call_its_failure_is_about() {
    // lines in strace 6.1's shape, one per rule
    let dir = tempfile::tempdir().expect("tmp");
    let paths = |text: &str| -> Vec<String> {
        let t = trace(&dir, "t.txt", text.as_bytes());
        let r = report(&["--no-disk", "--all", &t]);
        r["failures"]
            .as_array()
            .expect("failures")
            .iter()
            .filter_map(|f| f["path"].as_str().map(String::from))
            .collect()
    };
    // a symlink's first argument is only the text it will hold; only the destination can exist
    assert_eq!(
        paths("7 symlink(\"releases/2\", \"/srv/app/current\") = -1 EEXIST (File exists)\n"),
        ["/srv/app/current"]
    );
    assert_eq!(paths("7 link(\"/srv/a\", \"/srv/b\") = -1 EEXIST (File exists)\n"), ["/srv/b"]);
    // the source is a file this process just created and wrote: the destination refuses
    let made = "7 openat(AT_FDCWD, \"/srv/app/state.new\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3\n\
                7 write(3, \"x\", 1) = 1\n7 close(3) = 0\n";
    let relative = format!("{made}7 renameat(AT_FDCWD, \"/srv/app/state.new\", AT_FDCWD, \"/srv/app/state\") = -1 EACCES (Permission denied)\n");
    assert_eq!(paths(&relative), ["/srv/app/state"]);
    // a file opened to append may carry the append-only attribute: not known fresh
    let appended = "7 openat(AT_FDCWD, \"/srv/app/log\", O_WRONLY|O_CREAT|O_APPEND, 0644) = 3\n\
                    7 rename(\"/srv/app/log\", \"/srv/app/log.1\") = -1 EPERM (Operation not permitted)\n";
    assert_eq!(paths(appended), ["/srv/app/log"]);
    // across filesystems neither path is wrong: the source stays (its group)
    let across =
        format!("{made}7 rename(\"/srv/app/state.new\", \"/mnt/state\") = -1 EXDEV (Invalid cross-device link)\n");
    assert_eq!(paths(&across), ["/srv/app/state.new"]);
}

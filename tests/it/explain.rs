//! Explanations on real captures (`fixtures/flags/explain/`, made by
//! `fixtures/capture/explain.sh`): each trace is analysed with `--root` pointing at a temporary
//! tree rebuilt the way the traced process saw /srv/app (modes, links, a script's `#!` line),
//! with an etc/passwd and etc/group naming www-data and the test's own user as `owner`.

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::PathBuf;

use serde_json::Value;

use crate::harness::{fixtures, report, run};

fn trace(name: &str) -> String {
    fixtures().join("flags/explain").join(name).to_str().expect("utf-8 path").to_string()
}

/// A temporary root; `owner` is the test's own uid and gid.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn new() -> Root {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let m = std::fs::metadata(dir.path()).expect("metadata");
        let root = Root { dir };
        root.file(
            "etc/passwd",
            &format!("owner:x:{}:{}::/:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n", m.uid(), m.gid()),
        );
        root.file("etc/group", &format!("owner:x:{}:\nwww-data:x:33:\n", m.gid()));
        root
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn dir(&self, p: &str, mode: u32) {
        std::fs::create_dir_all(self.path(p)).expect("mkdir");
        std::fs::set_permissions(self.path(p), std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    fn file(&self, p: &str, content: &str) {
        std::fs::create_dir_all(self.path(p).parent().expect("parent")).expect("mkdir");
        std::fs::write(self.path(p), content).expect("write");
    }

    fn arg(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 path")
    }
}

/// The text report of `trace` under `root` (`None`: `--no-disk`).
fn text(trace: &str, root: Option<&Root>) -> String {
    let mut args = vec!["-v", "--color", "never"];
    match root {
        Some(r) => args.extend(["--root", r.arg()]),
        None => args.push("--no-disk"),
    }
    args.push(trace);
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json(trace: &str, root: Option<&Root>) -> Value {
    match root {
        Some(r) => report(&["--root", r.arg(), trace]),
        None => report(&["--no-disk", trace]),
    }
}

/// The JSON report of corpus incident `name` (`fixtures/incidents/NAME/trace.txt`), with its
/// `root/` as the disk or with none.
fn incident(name: &str, disk: bool) -> Value {
    let dir = fixtures().join("incidents").join(name);
    let trace = dir.join("trace.txt");
    let root = dir.join("root");
    match disk {
        true => report(&["--root", root.to_str().expect("utf-8"), trace.to_str().expect("utf-8")]),
        false => report(&["--no-disk", trace.to_str().expect("utf-8")]),
    }
}

fn first_suspect(report: &Value) -> &Value {
    &report["suspects"][0]
}

/// The `explain:` line of the suspect for `path`.
fn explain_line<'t>(text: &'t str, path: &str) -> Option<&'t str> {
    let mut lines = text.lines().skip_while(|l| !(l.contains(". ") && l.contains(&format!(" {path} "))));
    lines.next()?;
    lines.take_while(|l| l.starts_with("    ")).find_map(|l| l.trim().strip_prefix("explain: "))
}

#[test]
fn perm_dir_0700_names_the_directory_and_the_user() {
    let root = Root::new();
    root.dir("srv/app/data", 0o700);
    root.file("srv/app/data/config.yml", "port: 3000\n");
    let t = trace("perm-dir-0700.txt");
    let out = text(&t, Some(&root));
    assert_eq!(
        explain_line(&out, "/srv/app/data/config.yml"),
        Some("/srv/app/data is owner:owner 0700; the process runs as uid 33 (www-data) (from trace and disk)"),
        "{out}"
    );
    let r = json(&t, Some(&root));
    let e = &first_suspect(&r)["explanation"];
    assert_eq!((e["kind"].as_str(), e["source"].as_str()), (Some("permission"), Some("trace and disk")));
    // the directory on the way only needs its search bit opened to others
    assert_eq!(first_suspect(&r)["command"], "chmod o+x /srv/app/data");
    assert!(out.contains("suggested: chmod o+x /srv/app/data  (a suggestion: not run)"), "{out}");
    // without the disk: only what the trace shows (no name: etc/passwd is not read)
    let r = json(&t, None);
    assert_eq!(first_suspect(&r)["explanation"]["text"], "the process runs as uid 33");
    assert_eq!(first_suspect(&r)["explanation"]["source"], "trace");
}

#[test]
fn socket_perm_says_the_process_is_not_in_the_group() {
    let root = Root::new();
    root.dir("srv/app/run", 0o755);
    let _listener = std::os::unix::net::UnixListener::bind(root.path("srv/app/run/app.sock")).expect("bind");
    std::fs::set_permissions(root.path("srv/app/run/app.sock"), std::fs::Permissions::from_mode(0o660)).expect("chmod");
    let out = text(&trace("socket-perm.txt"), Some(&root));
    assert_eq!(
        explain_line(&out, "/srv/app/run/app.sock"),
        Some(
            "/srv/app/run/app.sock is owner:owner 0660; the process runs as uid 33 (www-data), not in group owner \
             (from trace and disk)"
        ),
        "{out}"
    );
    // the group's bits would allow it: membership is the change
    assert!(out.contains("suggested: usermod -aG owner www-data  (a suggestion: not run)"), "{out}");
}

/// The command suggested for suspect 1 of each incident, from what its explanation found (and
/// none where nothing safe can be said: as root, or no denying component on the disk).
#[test]
fn incidents_suggest_the_command_that_fixes_them_and_never_run_it() {
    let cases = [
        ("create-eacces", Some("chown 33 /srv/shop/var/log")),
        ("socket-perm", Some("chown www-data /run/php/php8.2-fpm.sock")),
        ("port-in-use", Some("ss -ltunp 'sport = :8099'")),
        // a recorded root: no mount to measure, so the command that names it
        ("enospc", Some("df -h /srv/meter/data")),
        // the recorded roots do not hold the denying directory or config file
        ("perm-dir-0700", None),
        ("config-eacces", None),
        // the setting that limits descriptors is the fix: line already
        ("fd-exhausted", None),
    ];
    for (incident, want) in cases {
        let dir = fixtures().join("incidents").join(incident);
        let (root, t) = (dir.join("root"), dir.join("trace.txt"));
        let r = report(&["--root", root.to_str().expect("utf-8"), t.to_str().expect("utf-8")]);
        assert_eq!(first_suspect(&r)["command"].as_str(), want, "{incident}");
    }
}

/// Copies the tree `from` to `to`, symlinks as symlinks.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let kind = e.file_type().expect("file type");
        if kind.is_symlink() {
            symlink(std::fs::read_link(&src).expect("readlink"), &dst).expect("symlink");
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

#[test]
fn socket_perm_incident_names_the_socket_mode_and_the_pool_line_that_set_it() {
    // the socket-perm incident's tree with the socket php-fpm made: 0600, not the workers'
    let root = Root::new();
    let etc = fixtures().join("incidents/socket-perm/root/etc");
    copy_tree(&etc.join("nginx"), &root.path("etc/nginx"));
    copy_tree(&etc.join("php"), &root.path("etc/php"));
    root.dir("run/php", 0o755);
    let _listener = std::os::unix::net::UnixListener::bind(root.path("run/php/php8.2-fpm.sock")).expect("bind");
    std::fs::set_permissions(root.path("run/php/php8.2-fpm.sock"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let t = fixtures().join("incidents/socket-perm/trace.txt");
    let out = text(t.to_str().expect("utf-8"), Some(&root));
    assert_eq!(
        explain_line(&out, "unix /run/php/php8.2-fpm.sock"),
        Some(
            "/run/php/php8.2-fpm.sock is owner:owner 0600; the process runs as uid 33 (www-data) (from trace and disk)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "    who may connect is set in /etc/php/8.2/fpm/pool.d/www.conf:53 (found by searching /etc/php): \
             listen.owner = root\n"
        ),
        "{out}"
    );
    // the pool's settings commented out: the line where php-fpm listens on the socket
    let pool = root.path("etc/php/8.2/fpm/pool.d/www.conf");
    let commented = std::fs::read_to_string(&pool).expect("pool").replace("\nlisten.", "\n;listen.");
    std::fs::write(&pool, commented).expect("write");
    let out = text(t.to_str().expect("utf-8"), Some(&root));
    assert!(
        out.contains("    referenced from /etc/php/8.2/fpm/pool.d/www.conf:41 (found by searching /etc/php)\n"),
        "{out}"
    );
}

#[test]
fn fd_exhausted_counts_the_descriptors_held() {
    let r = json(&trace("fd-exhausted.txt"), None);
    let s = first_suspect(&r);
    assert_eq!(s["path"], "accept4 EMFILE", "a whole-process condition ranks first without a path");
    assert_eq!(s["explanation"]["kind"], "out_of_descriptors");
    assert_eq!(
        s["explanation"]["text"],
        "out of file descriptors: the process held 16 when accept4 failed; limit 16 (set by prlimit64)"
    );
    let kinds: Vec<&str> =
        s["reasons"].as_array().expect("reasons").iter().filter_map(|r| r["kind"].as_str()).collect();
    assert!(kinds.contains(&"process_wide") && !kinds.contains(&"no_target"), "{kinds:?}");
    // traced from after start-up (strace -p): it may have held more, and its limit is unknown
    let r = json(&trace("fd-exhausted-attached.txt"), None);
    assert_eq!(
        first_suspect(&r)["explanation"]["text"],
        "out of file descriptors: the process held at least 16 when accept4 failed"
    );
}

#[test]
fn port_in_use_names_the_process_holding_it() {
    let out = text(&trace("port-in-use.txt"), None);
    assert_eq!(
        explain_line(&out, "0.0.0.0:3000"),
        Some("port 3000 is already in use, held by pid 29411 (python3 -S listen.py) (from trace)"),
        "{out}"
    );
}

#[test]
fn missing_interpreter_and_crlf_are_read_from_the_script() {
    let root = Root::new();
    root.dir("usr/bin", 0o755);
    root.file("bin/sh", "");
    root.file("srv/app/bin/run.sh", "#!/usr/bin/python2\nprint(1)\n");
    root.file("srv/app/bin/deploy.sh", "#!/bin/sh\r\necho deployed\r\n");
    let out = text(&trace("missing-interpreter.txt"), Some(&root));
    assert_eq!(
        explain_line(&out, "/srv/app/bin/run.sh"),
        Some("/srv/app/bin/run.sh starts with #!/usr/bin/python2, which does not exist (from disk)"),
        "{out}"
    );
    let out = text(&trace("crlf-interpreter.txt"), Some(&root));
    assert_eq!(
        explain_line(&out, "/srv/app/bin/deploy.sh"),
        Some(
            r#"/srv/app/bin/deploy.sh has CRLF line endings: its #! line names "/bin/sh\r", which does not exist (from disk)"#
        ),
        "{out}"
    );
    // the trace alone does not show the script exists: nothing is said
    assert_eq!(first_suspect(&json(&trace("missing-interpreter.txt"), None))["explanation"], Value::Null);
}

#[test]
fn dangling_symlink_names_the_link_and_what_is_there_now() {
    let root = Root::new();
    root.file("srv/app/releases/20261201-1/config.yml", "port: 3000\n");
    symlink("releases/20261130-1", root.path("srv/app/current")).expect("symlink");
    let out = text(&trace("dangling-symlink.txt"), Some(&root));
    // the link is the suspect; the path that failed below it is folded in
    assert_eq!(
        explain_line(&out, "/srv/app/current"),
        Some("/srv/app/current -> releases/20261130-1, which is gone; releases/ has 20261201-1 (from disk)"),
        "{out}"
    );
    assert!(
        out.contains("    suggested: point /srv/app/current at releases/20261201-1: ln -sfn releases/20261201-1 /srv/app/current\n"),
        "{out}"
    );
    let r = json(&trace("dangling-symlink.txt"), Some(&root));
    assert_eq!(first_suspect(&r)["paths_below"], serde_json::json!(["/srv/app/current/config.yml"]));
    assert_eq!(first_suspect(&r)["suggestion"], "/srv/app/releases/20261201-1");
    // a release without the file asked for is no suggestion
    std::fs::remove_file(root.path("srv/app/releases/20261201-1/config.yml")).expect("rm");
    assert_eq!(first_suspect(&json(&trace("dangling-symlink.txt"), Some(&root)))["suggestion"], Value::Null);
}

#[test]
fn disk_full_names_the_filesystem_of_the_file() {
    let r = json(&trace("disk-full.txt"), None);
    let e = &first_suspect(&r)["explanation"];
    assert_eq!(e["kind"], "disk_full");
    assert_eq!(e["text"], "disk full on the filesystem holding /srv/app/data/blob");
    assert_eq!(e["source"], "trace", "a copied root is not the live host: no mount point, no free space");
}

#[test]
fn include_not_opened_is_found_by_searching_the_tree() {
    let root = Root::new();
    root.file("srv/app/app.py", "import sys\nsys.path.insert(0, \"/srv/app/lib\")\nfrom settings import TEMPLATE\nprint(open(TEMPLATE).read())\n");
    root.file(
        "srv/app/lib/settings.py",
        "import os\n\n# where pages come from\nTEMPLATE = \"/srv/app/templates/indx.html\"\n",
    );
    std::fs::create_dir_all(root.path("srv/app/lib/__pycache__")).expect("mkdir");
    std::fs::write(
        root.path("srv/app/lib/__pycache__/settings.cpython-311.pyc"),
        b"\xa7\r\r\n\0\0\0\0/srv/app/templates/indx.html",
    )
    .expect("write");
    root.file("srv/app/templates/index.html", "<h1>home</h1>\n");
    let t = trace("include-not-opened.txt");
    let r = json(&t, Some(&root));
    let s = first_suspect(&r);
    assert_eq!(s["path"], "/srv/app/templates/indx.html");
    let want = serde_json::json!({"path": "/srv/app/lib/settings.py", "line": 4, "found_by": "search", "searched": "/srv/app"});
    assert_eq!(s["referenced_from"], want);
    let out = text(&t, Some(&root));
    assert!(out.contains("referenced from /srv/app/lib/settings.py:4 (found by searching /srv/app)"), "{out}");
    // no disk, no search
    assert_eq!(first_suspect(&json(&t, None))["referenced_from"], Value::Null);
}

/// Limits a wrapper script set before it ran the program (real captures in the corpus): the
/// refused call is explained by the limit the trace shows set, and the fix is the script's
/// `ulimit` line, read before the `prlimit64` that set it.
#[test]
fn a_limit_set_by_a_wrapper_explains_enomem_and_eagain() {
    let cases = [
        (
            "python-ulimit-v-enomem",
            "mmap ENOMEM",
            "mmap was refused while the address-space limit (RLIMIT_AS) was 64 MiB (set by prlimit64)",
            ("/srv/dedup/bin/run-dedup.sh", 3, "address_space_limit", "ulimit -v 65536"),
        ),
        (
            "java-heap-vlimit",
            "mmap ENOMEM",
            "mmap was refused while the address-space limit (RLIMIT_AS) was 1.5 GiB (set by prlimit64)",
            ("/opt/indexer/bin/indexer", 3, "address_space_limit", "ulimit -v 1572864"),
        ),
        (
            "java-thread-limit",
            "clone3 EAGAIN",
            "clone3 was refused while the process limit (RLIMIT_NPROC) was 48 processes of its user (set by prlimit64)",
            ("/opt/reportgen/bin/reportgen", 3, "process_limit", "ulimit -u 48"),
        ),
    ];
    for (name, path, explained, (file, line, sets, text)) in cases {
        let r = incident(name, true);
        let s = first_suspect(&r);
        assert_eq!(s["path"], path, "{name}");
        assert_eq!(s["explanation"]["kind"], "resource_limit", "{name}");
        assert_eq!(s["explanation"]["text"], explained, "{name}");
        assert_eq!(s["explanation"]["source"], "trace", "{name}");
        let p = &s["referenced_from"];
        assert_eq!(
            (&p["path"], &p["line"], &p["sets"], &p["text"]),
            (&file.into(), &line.into(), &sets.into(), &text.into()),
            "{name}"
        );
    }
}

/// A pid file left behind (real capture in the corpus, `-e trace=%process,%file`): `kill` of the
/// pid it holds fails ESRCH; the pid file's line is the fix.
#[test]
fn a_stale_pid_file_explains_a_kill_that_found_no_process() {
    let r = incident("rotate-stale-pid", true);
    let s = first_suspect(&r);
    assert_eq!(s["path"], "kill ESRCH");
    assert_eq!(s["explanation"]["kind"], "no_such_process");
    assert_eq!(
        s["explanation"]["text"],
        "no process has pid 61234 (kill failed); /srv/queue/run/worker.pid:1 holds it: a stale pid file"
    );
    assert_eq!(s["explanation"]["source"], "trace and disk");
    let p = &s["referenced_from"];
    assert_eq!(
        (&p["path"], &p["line"], &p["sets"]),
        (&"/srv/queue/run/worker.pid".into(), &1.into(), &"process_id".into())
    );
    // without the disk: the pid only
    let r = incident("rotate-stale-pid", false);
    assert_eq!(first_suspect(&r)["explanation"]["text"], "no process has pid 61234 (kill failed)");
    assert!(first_suspect(&r)["referenced_from"].is_null());
}

/// `#!/usr/bin/env python` where only python3 is installed, run by cron from the script's
/// directory (real capture in the corpus): env's PATH search fails; the script's `#!` line is
/// the fix, found from the process's command line (`bin/refresh-feeds`, relative) and the path
/// the trace shows it at.
#[test]
fn env_finding_no_interpreter_points_at_the_scripts_shebang() {
    let r = incident("cron-env-python", true);
    let s = first_suspect(&r);
    assert_eq!(s["path"], "/bin/python");
    assert_eq!(s["explanation"]["kind"], "bad_interpreter");
    assert_eq!(
        s["explanation"]["text"],
        "/srv/feeds/bin/refresh-feeds runs env python (its #! line), and env found no python along its PATH"
    );
    let p = &s["referenced_from"];
    assert_eq!(
        (&p["path"], &p["line"], &p["sets"], &p["text"]),
        (&"/srv/feeds/bin/refresh-feeds".into(), &1.into(), &"interpreter".into(), &"#!/usr/bin/env python".into())
    );
    // the script is read from the disk: without it nothing is said
    let r = incident("cron-env-python", false);
    assert!(first_suspect(&r)["explanation"].is_null());
}

//! Real incidents (fixtures/incidents, reproduced with Debian's servers and traced with the
//! real strace; each has a truth.json and a capture script). The true root cause must be
//! suspect 1, with the right typo suggestion (or none) and fix pointer.

use std::path::Path;

use serde_json::Value;

use crate::harness::{fixtures, report, run};

fn truth(name: &str) -> Value {
    let p = fixtures().join("incidents").join(name).join("truth.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("truth.json")).expect("truth JSON")
}

fn analyse(name: &str, trace: &str) -> Value {
    let dir = fixtures().join("incidents").join(name);
    report(&["--root", s(&dir.join("root")), s(&dir.join(trace))])
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Rank 1 is the truth; the suggestion and the fix pointer are the truth's.
fn assert_solved(name: &str, trace: &str) {
    let t = truth(name);
    let r = analyse(name, trace);
    let rc = &t["root_cause"];
    // a failure with neither path nor address is a call group, named "<syscall> <errno>"
    let want = match rc["kind"].as_str() {
        Some("path") => rc["path"].clone(),
        Some("call") => {
            format!("{} {}", rc["syscall"].as_str().unwrap_or(""), rc["errno"].as_str().unwrap_or("")).into()
        }
        _ => rc["address"].clone(),
    };
    let first = &r["suspects"][0];
    assert_eq!(first["path"], want, "{name}/{trace}: suspect 1 is {}", first["path"]);
    assert_eq!(first["rank"], 1);
    assert_eq!(first["errno"], rc["errno"], "{name}");
    assert_eq!(&first["suggestion"], &t["suggestion"], "{name}: suggestion");
    if !first["typo"].is_null() {
        assert_eq!(first["typo"]["suggestion"], first["suggestion"], "{name}: a typo's repair is the suggestion");
    }
    let want = &t["referenced_from"];
    if !want["argument"].is_null() {
        assert_eq!(first["referenced_from"]["argument"], want["argument"], "{name}: command-line pointer");
    } else if !want.is_null() {
        assert_eq!(first["referenced_from"]["path"], want["path"], "{name}: fix pointer");
        assert_eq!(first["referenced_from"]["line"], want["line"], "{name}: fix pointer line");
    }
    // every part of the score is printed as a reason
    let parts: i64 =
        first["reasons"].as_array().map_or(0, |a| a.iter().map(|r| r["points"].as_i64().unwrap_or(0)).sum());
    assert_eq!(Some(parts), first["score"].as_i64());
}

#[test]
fn seed_wordpress_typo_is_suspect_one_in_the_full_capture() {
    assert_solved("seed", "trace.txt");
}

#[test]
fn seed_wordpress_typo_is_suspect_one_in_the_bare_capture() {
    assert_solved("seed", "trace-bare.txt");
}

#[test]
fn seed_text_report_opens_with_the_answer() {
    let dir = fixtures().join("incidents/seed");
    for trace in ["trace.txt", "trace-bare.txt"] {
        let out = run(&["--color", "never", "--root", s(&dir.join("root")), s(&dir.join(trace))]);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("answered: 5×500"), "{trace}: answered line {}", lines[1]);
        assert_eq!(lines[3], "A clear cause:", "{trace}");
        assert!(
            lines[4].starts_with(" 1. /var/www/html/wp-includes/class-wp-locale.phpp  ENOENT ×"),
            "{trace}: {}",
            lines[4]
        );
        assert_eq!(
            lines[5],
            "    fix: /var/www/html/wp-settings.php:112 names class-wp-locale.phpp — class-wp-locale.php exists (1 edit, on disk)",
            "{trace}"
        );
        assert!(lines[6].starts_with("    why: a likely typo of class-wp-locale.php; "), "{trace}: {}", lines[6]);
    }
}

#[test]
fn seed_without_disk_still_ranks_first_and_reads_nothing() {
    // --no-disk: no listing, no fix pointer; the process's reactions still rank it first
    let dir = fixtures().join("incidents/seed");
    let r = report(&["--no-disk", s(&dir.join("trace.txt"))]);
    let first = &r["suspects"][0];
    assert_eq!(first["path"], "/var/www/html/wp-includes/class-wp-locale.phpp");
    assert!(first["referenced_from"].is_null(), "nothing may be read with --no-disk");
}

#[test]
fn nginx_root_directive_typo_names_the_wrong_directory() {
    assert_solved("nginx-root-typo", "trace.txt");
    let r = analyse("nginx-root-typo", "trace.txt");
    let below: Vec<&str> =
        r["suspects"][0]["paths_below"].as_array().expect("paths_below").iter().filter_map(Value::as_str).collect();
    assert!(below.contains(&"/var/www/htlm/index.html"), "{below:?}");
    // favicon.ico is missing under the right root too: it follows from the wrong directory (one
    // suspect, not a rival) and no suggestion may be invented for it
    assert!(below.contains(&"/var/www/htlm/favicon.ico"), "{below:?}");
    let suspects = r["suspects"].as_array().expect("suspects");
    assert!(!suspects.iter().any(|s| s["path"] == "/var/www/htlm/favicon.ico"), "favicon is not a rival suspect");
}

#[test]
fn config_file_not_readable_by_the_service_user() {
    assert_solved("config-eacces", "trace.txt");
}

#[test]
fn missing_log_directory_without_a_typo() {
    assert_solved("missing-logdir", "trace.txt");
}

#[test]
fn wrong_soname_amid_loader_search_noise() {
    assert_solved("wrong-soname", "trace.txt");
    let r = analyse("wrong-soname", "trace.txt");
    let noise = r["summary"]["noise_groups"].as_u64().unwrap_or(0);
    assert!(noise >= 10, "the loader's search path should be explained as noise ({noise})");
}

#[test]
fn node_module_typo_amid_module_resolution() {
    assert_solved("node-typo", "trace.txt");
}

#[test]
fn python_plugin_typo_amid_sys_path_probes() {
    assert_solved("python-plugin-typo", "trace.txt");
}

#[test]
fn python_import_typo_has_no_failing_syscall_and_gets_no_invented_suspect() {
    // Python 3.11 looks modules up in cached directory listings: the only trace of the
    // typo is the traceback it writes to stderr, which must be surfaced as a symptom.
    let r = analyse("python-typo", "trace.txt");
    let errors = r["symptoms"]["errors"].to_string();
    assert!(errors.contains("import confg_loader"), "{errors}");
    assert!(r["suspects"].as_array().expect("suspects").iter().all(|s| s["typo"].is_null()));
}

#[test]
fn crash_after_a_failed_open() {
    assert_solved("crash-after-open", "trace.txt");
    let r = analyse("crash-after-open", "trace.txt");
    let followed = r["suspects"][0]["followed_by"].to_string();
    assert!(followed.contains("killed by SIGSEGV"), "{followed}");
}

#[test]
fn php_database_down_seen_through_so_error() {
    assert_solved("php-db-down", "trace.txt");
    let r = analyse("php-db-down", "trace.txt");
    assert_eq!(r["suspects"][0]["kind"], "address");
    assert!(r["suspects"][0]["followed_by"].to_string().contains("HTTP 500"));
}

#[test]
fn nginx_to_php_fpm_wrong_socket() {
    assert_solved("php-fpm-socket", "trace.txt");
}

#[test]
fn a_directory_typo_given_on_the_command_line() {
    assert_solved("python-httpdir-typo", "trace.txt");
}

#[test]
fn directory_0700_denies_the_service_user() {
    // passes today; the reason (root:root 0700 against uid 33) is not in the report yet (issue 14)
    assert_solved("perm-dir-0700", "trace.txt");
}

#[test]
fn unix_socket_not_connectable_by_the_worker_user() {
    // the pointer is the pool's listen.owner line, in a file nginx never opens: found by
    // searching the configuration trees (the nginx site names the right address)
    assert_solved("socket-perm", "trace.txt");
    let first = &analyse("socket-perm", "trace.txt")["suspects"][0];
    let want = serde_json::json!({
        "path": "/etc/php/8.2/fpm/pool.d/www.conf", "line": 53, "found_by": "search", "searched": "/etc/php",
        "sets": "socket_access", "text": "listen.owner = root"
    });
    assert_eq!(first["referenced_from"], want);
}

#[test]
fn accept_out_of_file_descriptors() {
    // the wrapper's ulimit line, read by sh before it exec'd python3, set the limit it ran out of
    assert_solved("fd-exhausted", "trace.txt");
    let first = &analyse("fd-exhausted", "trace.txt")["suspects"][0];
    assert_eq!(first["referenced_from"]["text"], "ulimit -n 32");
    assert_eq!(
        first["explanation"]["text"],
        "out of file descriptors: the process held 32 when accept4 failed; limit 32 (set by prlimit64)"
    );
}

#[test]
fn port_held_by_a_stale_process() {
    // passes today; the stale holder cannot be named from a saved trace (issue 14: live mode)
    assert_solved("port-in-use", "trace.txt");
}

#[test]
fn script_whose_interpreter_was_deleted() {
    assert_solved("missing-interpreter", "trace.txt");
}

#[test]
fn a_header_above_the_shebang_and_what_sh_did_after_the_failed_exec() {
    // execve ENOEXEC (#! on line 2), then sh runs the Python file as a shell script in the same
    // process: its PATH lookups of `import` and `from` fold into the exec failure, no rivals
    assert_solved("shebang-not-first", "trace.txt");
    let r = analyse("shebang-not-first", "trace.txt");
    let suspects = r["suspects"].as_array().expect("suspects");
    assert_eq!(suspects.len(), 1, "{:?}", suspects.iter().map(|s| &s["path"]).collect::<Vec<_>>());
    let after: Vec<&str> =
        suspects[0]["after_exec"].as_array().expect("after_exec").iter().filter_map(Value::as_str).collect();
    assert_eq!(after.len(), 12, "{after:?}");
    assert!(after.contains(&"/usr/local/sbin/import") && after.contains(&"/bin/from"), "{after:?}");
    assert_eq!(
        suspects[0]["explanation"]["text"],
        "/srv/payroll/bin/export-ledger: its #! is on line 2, not line 1, where the kernel looks for it"
    );
    // without the disk nothing shows the file was meant to be run by its #!: a file without one
    // is a shell script by design, so its lookups stay suspects of their own (the failed exec
    // still explains the exit)
    let dir = fixtures().join("incidents/shebang-not-first");
    let r = report(&["--no-disk", s(&dir.join("trace.txt"))]);
    let paths: Vec<&Value> = r["suspects"].as_array().expect("suspects").iter().map(|s| &s["path"]).collect();
    assert!(paths.contains(&&Value::from("/usr/local/sbin/import")), "{paths:?}");
}

#[test]
fn crlf_shebang_line() {
    assert_solved("crlf-shebang", "trace.txt");
}

#[test]
fn deploy_symlink_to_a_deleted_release() {
    // the symlink is the suspect, every failing path below it folded in, and the release that
    // holds what was asked for is the suggested target
    assert_solved("dangling-symlink", "trace.txt");
    let r = analyse("dangling-symlink", "trace.txt");
    let first = &r["suspects"][0];
    let below: Vec<&str> = first["paths_below"].as_array().expect("below").iter().filter_map(Value::as_str).collect();
    assert_eq!(below[0], "/srv/storefront/current/public");
    assert_eq!(below.len(), 4, "{below:?}");
    assert_eq!(r["suspects"].as_array().map(Vec::len), Some(1), "no rival below the link");
    assert_eq!(
        first["explanation"]["text"],
        "/srv/storefront/current -> releases/20261130-1, which is gone; releases/ has 20261201-1"
    );
    let dir = fixtures().join("incidents/dangling-symlink");
    let out = run(&["--color", "never", "--root", s(&dir.join("root")), s(&dir.join("trace.txt"))]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "    fix: point /srv/storefront/current at releases/20261201-1: ln -sfn releases/20261201-1 \
             /srv/storefront/current\n"
        ),
        "{text}"
    );
}

#[test]
fn typo_in_a_config_read_before_strace_attached() {
    assert_solved("include-not-opened", "trace.txt");
}

#[test]
fn markdown_report_has_the_fix() {
    let dir = fixtures().join("incidents/seed");
    let out = run(&["--format", "markdown", "--root", s(&dir.join("root")), s(&dir.join("trace.txt"))]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("1. **/var/www/html/wp-includes/class-wp-locale.phpp** — ENOENT ×30"), "{md}");
    assert!(
        md.contains(
            "### Fix\n\n- Change `class-wp-locale.phpp` to `class-wp-locale.php` in /var/www/html/wp-settings.php, line 112\n"
        ),
        "{md}"
    );
}

#[test]
fn parallel_and_sequential_reports_are_byte_identical() {
    let mut traces = Vec::new();
    for e in std::fs::read_dir(fixtures().join("incidents")).expect("incidents").flatten() {
        for t in ["trace.txt", "trace-bare.txt"] {
            if e.path().join(t).exists() {
                traces.push((e.path().join(t), Some(e.path().join("root"))));
            }
        }
    }
    for dir in ["flags", "flags/rare"] {
        for e in std::fs::read_dir(fixtures().join(dir)).expect("flags").flatten() {
            if e.path().extension().is_some_and(|x| x == "txt") {
                traces.push((e.path(), None));
            }
        }
    }
    assert!(traces.len() > 50);
    for (trace, root) in traces {
        let mut args: Vec<String> = vec!["--format".into(), "json".into(), "--all".into()];
        match &root {
            Some(r) => args.extend(["--root".into(), r.display().to_string()]),
            None => args.push("--no-disk".into()),
        }
        args.push(trace.display().to_string());
        let with = |threads: &str| {
            let mut a = vec!["--threads".to_string(), threads.to_string()];
            a.extend(args.iter().cloned());
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            run(&a)
        };
        let out = with("1");
        let seq = out.stdout;
        if seq.is_empty() {
            // a file with no trace line (a strace -c summary) is an input error, never a report
            assert_eq!(out.status.code(), Some(2), "{trace:?}");
            assert!(String::from_utf8_lossy(&out.stderr).contains("no trace line"), "{trace:?}");
            assert!(with("2").stdout.is_empty(), "{trace:?}");
            continue;
        }
        let with = |threads: &str| with(threads).stdout;
        assert!(seq == with("2") && seq == with("3"), "{trace:?}: --threads 1 and N differ");
    }
}

#[test]
fn log_file_that_cannot_be_created_in_a_root_owned_directory() {
    // file_exists() fails ENOENT first; the decisive errno is the EACCES of the O_CREAT open after it
    assert_solved("create-eacces", "trace.txt");
}

#[test]
fn write_fails_on_a_full_filesystem_after_a_successful_create() {
    // the export was created in this run: its ENOSPC is no "created later" noise
    assert_solved("enospc", "trace.txt");
}

#[test]
fn a_refused_rename_blames_the_destination_not_the_file_the_process_just_wrote() {
    // issue 20: rename(upstreams.conf.new, upstreams.conf) EPERM after the job created and wrote
    // the .new file itself; the target carries the immutable attribute
    assert_solved("immutable-config", "trace.txt");
    let r = analyse("immutable-config", "trace.txt");
    let first = &r["suspects"][0];
    assert_eq!(first["syscalls"], serde_json::json!({"rename": 1}));
    // EPERM (not EACCES) on an existing file in a directory that is not sticky: an attribute
    assert_eq!(first["explanation"]["kind"], "file_attribute");
    let text = first["explanation"]["text"].as_str().unwrap_or("");
    assert!(text.contains("/opt/edge/etc is not sticky") && text.contains("immutable or append-only"), "{text}");
    assert_eq!(first["command"], "lsattr /opt/edge/etc/upstreams.conf");
    // the .new file is no suspect at all
    let suspects = r["suspects"].as_array().expect("suspects");
    assert!(suspects.iter().all(|s| s["path"] != "/opt/edge/etc/upstreams.conf.new"), "{suspects:?}");
}

#[test]
fn eisdir_from_read_in_a_failures_only_trace_outranks_scanner_probes() {
    // issue 20: -Z shows neither the open nor the 500s; read(12</srv/billing/config>) EISDIR
    // is a wrong path the program acted on, never a probe
    let r = analyse("apache-settings-eisdir", "trace.txt");
    let first = &r["suspects"][0];
    assert_eq!(first["path"], "/srv/billing/config");
    assert_eq!(first["errno"], "EISDIR");
    let kinds: Vec<&str> =
        first["reasons"].as_array().expect("reasons").iter().filter_map(|x| x["kind"].as_str()).collect();
    assert!(kinds.contains(&"acted_on_descriptor"), "{kinds:?}");
    assert!(r["suspects"][1]["score"].as_i64() < first["score"].as_i64(), "the scanner's directory probes rank below");
    // the disk shows a directory holding one file that is no template: what the path may name
    assert_eq!(first["explanation"]["kind"], "directory_for_file");
    assert_eq!(first["suggestion"], "/srv/billing/config/settings.json");
}

#[test]
fn connection_resets_after_a_supervisor_killed_the_peer_are_the_kills_consequence() {
    // issue 20: php-fpm's master SIGTERMs a worker past request_terminate_timeout; nginx's
    // recvfrom on the FastCGI socket fails ECONNRESET and it answers 502
    let r = analyse("php-fpm-terminate-timeout", "trace.txt");
    let c = &r["unexplained_crash"];
    assert_eq!(c["signal"], "SIGTERM");
    assert_eq!((c["pid"].as_i64(), c["also"][0].as_i64()), (Some(14015), Some(14014)));
    assert_eq!(c["at"]["line"], 892, "+++ killed by SIGTERM +++");
    assert_eq!(c["sent_by"]["pid"], 14013);
    assert_eq!(c["sent_by"]["at"]["line"], 872, "the master's kill(14015, SIGTERM)");
    assert_eq!(c["sent_by"]["said"]["at"]["line"], 876);
    assert!(c["sent_by"]["said"]["text"].as_str().unwrap_or("").contains("child 14015"), "{c}");
    assert_eq!((c["resets"].as_i64(), c["http_5xx"].as_i64()), (Some(2), Some(2)));
    // the reset is no rival: noise naming the kill, and no suspect
    let suspects = r["suspects"].as_array().expect("suspects");
    assert!(suspects.iter().all(|s| s["errno"] != "ECONNRESET"), "{suspects:?}");
    let reset = r["failures"].as_array().expect("failures").iter().find(|f| f["errnos"]["ECONNRESET"].is_number());
    let detail = reset.and_then(|f| f["noise"]["detail"].as_str()).unwrap_or("");
    assert!(detail.contains("pid 14015") && detail.contains("killed by SIGTERM"), "{detail}");
    assert_ne!(r["confidence"], "clear");
    // on the screen: who killed whom, where, and what followed
    let dir = fixtures().join("incidents/php-fpm-terminate-timeout");
    let out = run(&["--color", "never", "--root", s(&dir.join("root")), s(&dir.join("trace.txt"))]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("killed: pids 14015, 14014 by SIGTERM from pid 14013 (")
            && text.contains("trace.txt:872); then 2 connection resets, 2 HTTP 5xx responses"),
        "{text}"
    );
}

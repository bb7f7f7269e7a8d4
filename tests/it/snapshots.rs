//! Whole-report snapshots: every incident trace (`fixtures/incidents/*/trace*.txt`) is analysed
//! four ways (JSON with `--no-disk`, JSON with `--root`, text with `--color never --root`,
//! markdown with `--root`) and the exact stdout is compared byte for byte with the committed
//! `tests/it/snapshots/INCIDENT__TRACE__VARIANT.snap` (insta), so any change to a report shows up.
//! (insta ignores trailing whitespace and `\r\n`; the test asserts those separately.)
//!
//! When a report changes on purpose, regenerate and review the snapshots:
//!
//! ```sh
//! INSTA_UPDATE=always cargo test --test it snapshots
//! git diff tests/it/snapshots
//! ```
//!
//! (`cargo insta review` works too, if cargo-insta is installed.) Without `INSTA_UPDATE` a
//! mismatch fails the test and leaves a `.snap.new` beside the snapshot; with `CI=true` insta
//! writes nothing. The binary runs in the crate root with relative paths, so the `source` fields
//! are the same on every checkout.

use std::collections::BTreeSet;
use std::path::Path;

use crate::harness::straceback;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (variant, arguments before the trace); `{root}` stands for the incident's recorded root.
const VARIANTS: [(&str, &[&str]); 4] = [
    ("json_no_disk", &["--format", "json", "--no-disk"]),
    ("json_root", &["--format", "json", "--root", "{root}"]),
    ("text_root", &["--color", "never", "--root", "{root}"]),
    ("markdown_root", &["--format", "markdown", "--root", "{root}"]),
];

/// The incident's trace files (`trace*.txt`), sorted, as names within its directory.
fn traces(incident: &str) -> Vec<String> {
    let dir = Path::new(ROOT).join("fixtures/incidents").join(incident);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .map(|e| e.expect("dir entry").file_name().into_string().expect("utf-8 name"))
        .filter(|n| n.starts_with("trace") && n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "{incident}: no trace*.txt");
    names
}

fn snapshot_name(incident: &str, trace: &str, variant: &str) -> String {
    format!("{incident}__{}__{variant}", trace.trim_end_matches(".txt"))
}

/// Snapshots every report of every trace of `incident`.
fn check(incident: &str) {
    let root = format!("fixtures/incidents/{incident}/root");
    for trace in traces(incident) {
        let file = format!("fixtures/incidents/{incident}/{trace}");
        for (variant, args) in VARIANTS {
            let mut all: Vec<&str> = args.iter().map(|a| if *a == "{root}" { root.as_str() } else { a }).collect();
            all.push(&file);
            let command = format!("straceback {}", all.join(" "));
            let out = straceback().current_dir(ROOT).args(&all).output().expect("run straceback");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{command}: {}\n{stderr}", out.status);
            assert!(stderr.is_empty(), "{command}: unexpected stderr:\n{stderr}");
            let report = String::from_utf8(out.stdout).expect("utf-8 report");
            assert!(!report.contains(ROOT), "{command}: the report names the checkout path {ROOT}");
            // insta ignores trailing whitespace and CRLF; pin those bytes here
            let one_newline = report.ends_with('\n') && report.trim_end().len() + 1 == report.len();
            assert!(one_newline, "{command}: the report does not end in exactly one newline");
            assert!(!report.contains('\r'), "{command}: carriage return in the report");
            let name = snapshot_name(incident, &trace, variant);
            insta::with_settings!({
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => command,
            }, {
                insta::assert_snapshot!(name, report);
            });
        }
    }
}

macro_rules! incidents {
    ($($test:ident => $incident:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check($incident);
            }
        )*
        const INCIDENTS: &[&str] = &[$($incident),*];
    };
}

incidents! {
    config_eacces => "config-eacces",
    crash_after_open => "crash-after-open",
    create_eacces => "create-eacces",
    enospc => "enospc",
    crlf_shebang => "crlf-shebang",
    dangling_symlink => "dangling-symlink",
    db_no_answer => "db-no-answer",
    deadlock => "deadlock",
    fsync_per_record => "fsync-per-record",
    healthy_busy => "healthy-busy",
    lock_held => "lock-held",
    resolver_timeout => "resolver-timeout",
    slow_upstream => "slow-upstream",
    fd_exhausted => "fd-exhausted",
    include_not_opened => "include-not-opened",
    missing_interpreter => "missing-interpreter",
    missing_logdir => "missing-logdir",
    nginx_root_typo => "nginx-root-typo",
    node_typo => "node-typo",
    perm_dir_0700 => "perm-dir-0700",
    php_db_down => "php-db-down",
    php_fpm_socket => "php-fpm-socket",
    port_in_use => "port-in-use",
    python_plugin_typo => "python-plugin-typo",
    python_httpdir_typo => "python-httpdir-typo",
    python_typo => "python-typo",
    seed => "seed",
    shebang_not_first => "shebang-not-first",
    socket_perm => "socket-perm",
    wrong_soname => "wrong-soname",
    hang_chain_child => "hang-chain-child",
    hang_chain_pipe => "hang-chain-pipe",
    hang_client_attach => "hang-client-attach",
    hang_fifo_open => "hang-fifo-open",
    hang_lock_attach => "hang-lock-attach",
    hang_lock_holder => "hang-lock-holder",
    hang_pool_attach => "hang-pool-attach",
    hang_retry_loop => "hang-retry-loop",
}

/// A new incident directory needs a line in `incidents!` above.
#[test]
fn every_incident_is_snapshotted() {
    let found: BTreeSet<String> = std::fs::read_dir(Path::new(ROOT).join("fixtures/incidents"))
        .expect("fixtures/incidents")
        .map(|e| e.expect("dir entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().expect("utf-8 name"))
        .collect();
    let listed: BTreeSet<String> = INCIDENTS.iter().map(|s| s.to_string()).collect();
    assert_eq!(found, listed, "fixtures/incidents/* and the incidents! list differ");
}

/// Every committed snapshot belongs to an existing trace and variant (no stale files), and none
/// holds an absolute checkout path.
#[test]
fn committed_snapshots_are_current_and_relative() {
    let expected: BTreeSet<String> = INCIDENTS
        .iter()
        .flat_map(|i| {
            traces(i).into_iter().flat_map(move |t| VARIANTS.map(|(v, _)| format!("{}.snap", snapshot_name(i, &t, v))))
        })
        .collect();
    let dir = Path::new(ROOT).join("tests/it/snapshots");
    let mut committed = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("tests/it/snapshots") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8 name").to_string();
        if !name.ends_with(".snap") {
            continue; // a pending `.snap.new` is reported by the failing snapshot test itself
        }
        let text = std::fs::read_to_string(&path).expect("snapshot");
        assert!(!text.contains(ROOT) && !text.contains("/work/"), "{name} holds an absolute path");
        committed.insert(name);
    }
    let stale: Vec<_> = committed.difference(&expected).collect();
    assert!(stale.is_empty(), "snapshots without a trace or variant (delete them): {stale:?}");
}

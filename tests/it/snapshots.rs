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

/// The incident's traces (`trace*.txt`, `ff/trace`), sorted, as names within its directory.
fn traces(incident: &str) -> Vec<String> {
    crate::harness::incident_traces(&Path::new(ROOT).join("fixtures/incidents").join(incident))
}

fn snapshot_name(incident: &str, trace: &str, variant: &str) -> String {
    format!("{incident}__{}__{variant}", trace.trim_end_matches(".txt").replace('/', "_"))
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
    apache_auto_prepend_typo => "apache-auto-prepend-typo",
    apache_cgi_crlf => "apache-cgi-crlf",
    apache_customlog_dir_graceful => "apache-customlog-dir-graceful",
    apache_docroot_dangling => "apache-docroot-dangling",
    apache_fpm_cache_eacces => "apache-fpm-cache-eacces",
    apache_front_controller_missing => "apache-front-controller-missing",
    apache_healthy_fpm => "apache-healthy-fpm",
    apache_healthy_modphp => "apache-healthy-modphp",
    apache_htpasswd_eacces => "apache-htpasswd-eacces",
    apache_proxy_uds_typo => "apache-proxy-uds-typo",
    apache_settings_eisdir => "apache-settings-eisdir",
    apache_shop_include_admin_0600 => "apache-shop-include-admin-0600",
    apache_symlink_loop => "apache-symlink-loop",
    apache_tls_cert_ext => "apache-tls-cert-ext",
    apache_upload_enospc => "apache-upload-enospc",
    bind_old_ip => "bind-old-ip",
    c_assert_abort => "c-assert-abort",
    c_logfile_is_dir => "c-logfile-is-dir",
    c_runpath_lib => "c-runpath-lib",
    config_eacces => "config-eacces",
    config_symlink_loop => "config-symlink-loop",
    crash_after_open => "crash-after-open",
    create_eacces => "create-eacces",
    crlf_shebang => "crlf-shebang",
    cron_env_python => "cron-env-python",
    cron_relative_config => "cron-relative-config",
    dangling_symlink => "dangling-symlink",
    db_no_answer => "db-no-answer",
    deadlock => "deadlock",
    deploy_etxtbsy => "deploy-etxtbsy",
    enospc => "enospc",
    fd_exhausted => "fd-exhausted",
    fsync_per_record => "fsync-per-record",
    go_bind_privileged => "go-bind-privileged",
    go_dns_nxdomain => "go-dns-nxdomain",
    go_peer_gone => "go-peer-gone",
    go_wrong_arch => "go-wrong-arch",
    healthy_busy => "healthy-busy",
    healthy_perl_daemon_attach => "healthy-perl-daemon-attach",
    healthy_python_probes => "healthy-python-probes",
    healthy_shell_backup => "healthy-shell-backup",
    hook_not_executable => "hook-not-executable",
    immutable_config => "immutable-config",
    include_not_opened => "include-not-opened",
    java_config_moved => "java-config-moved",
    java_conn_refused => "java-conn-refused",
    java_healthy_catalog => "java-healthy-catalog",
    java_heap_vlimit => "java-heap-vlimit",
    java_thread_limit => "java-thread-limit",
    lock_held => "lock-held",
    missing_interpreter => "missing-interpreter",
    missing_logdir => "missing-logdir",
    nginx_alias_slash => "nginx-alias-slash",
    nginx_body_temp_enospc => "nginx-body-temp-enospc",
    nginx_cert_lineage_0001 => "nginx-cert-lineage-0001",
    nginx_disable_symlinks => "nginx-disable-symlinks",
    nginx_docroot_dangling_after_cleanup => "nginx-docroot-dangling-after-cleanup",
    nginx_front_controller_missing => "nginx-front-controller-missing",
    nginx_htpasswd_and_pool_socket => "nginx-htpasswd-and-pool-socket",
    nginx_php_healthy => "nginx-php-healthy",
    nginx_php_healthy_exdev => "nginx-php-healthy-exdev",
    nginx_reload_port_taken => "nginx-reload-port-taken",
    nginx_root_typo => "nginx-root-typo",
    nginx_upload_dir_and_api_port => "nginx-upload-dir-and-api-port",
    nginx_upstream_down => "nginx-upstream-down",
    nginx_worker_nofile => "nginx-worker-nofile",
    nightly_two_faults => "nightly-two-faults",
    node_cart_two_faults => "node-cart-two-faults",
    node_eaddrinuse => "node-eaddrinuse",
    node_healthy_attach => "node-healthy-attach",
    node_require_misspelled => "node-require-misspelled",
    node_typo => "node-typo",
    node_uploads_erofs => "node-uploads-erofs",
    perl_crlf_config => "perl-crlf-config",
    perl_erofs => "perl-erofs",
    perl_inodes_full => "perl-inodes-full",
    perl_logfile_eisdir => "perl-logfile-eisdir",
    perl_use_typo => "perl-use-typo",
    perm_dir_0700 => "perm-dir-0700",
    php_audit_log_enospc => "php-audit-log-enospc",
    php_cache_erofs => "php-cache-erofs",
    php_config_eisdir => "php-config-eisdir",
    php_db_down => "php-db-down",
    php_extensions_enotdir => "php-extensions-enotdir",
    php_fpm_listen_dir_gone => "php-fpm-listen-dir-gone",
    php_fpm_socket => "php-fpm-socket",
    php_fpm_terminate_timeout => "php-fpm-terminate-timeout",
    php_open_basedir => "php-open-basedir",
    php_page_cache_nametoolong => "php-page-cache-nametoolong",
    php_pgsql_old_port => "php-pgsql-old-port",
    php_redis_stale_socket => "php-redis-stale-socket",
    php_session_inodes_enospc => "php-session-inodes-enospc",
    php_session_save_path_perm => "php-session-save-path-perm",
    php_vendor_not_installed => "php-vendor-not-installed",
    php_view_cache_touch_eperm => "php-view-cache-touch-eperm",
    pipe_dump_dir => "pipe-dump-dir",
    port_in_use => "port-in-use",
    python_config_typo_z => "python-config-typo-z",
    python_conn_reset => "python-conn-reset",
    python_dns_nxdomain => "python-dns-nxdomain",
    python_double_free => "python-double-free",
    python_emfile_leak => "python-emfile-leak",
    python_exdev => "python-exdev",
    python_httpdir_typo => "python-httpdir-typo",
    python_plugin_typo => "python-plugin-typo",
    python_segfault => "python-segfault",
    python_typo => "python-typo",
    python_ulimit_v_enomem => "python-ulimit-v-enomem",
    python_upload_enotdir => "python-upload-enotdir",
    redis_down_attach => "redis-down-attach",
    relayd_etxtbsy => "relayd-etxtbsy",
    resolver_timeout => "resolver-timeout",
    rotate_stale_pid => "rotate-stale-pid",
    seed => "seed",
    shebang_not_first => "shebang-not-first",
    shell_cd_release_typo => "shell-cd-release-typo",
    slow_upstream => "slow-upstream",
    socket_perm => "socket-perm",
    sqlite_journal_dir => "sqlite-journal-dir",
    stale_lockfile => "stale-lockfile",
    wrong_soname => "wrong-soname",
    hang_chain_child => "hang-chain-child",
    hang_chain_pipe => "hang-chain-pipe",
    hang_chain_pipe_noy => "hang-chain-pipe-noy",
    hang_client_attach => "hang-client-attach",
    hang_connect_timeout => "hang-connect-timeout",
    hang_fifo_open => "hang-fifo-open",
    hang_lock_attach => "hang-lock-attach",
    hang_lock_holder => "hang-lock-holder",
    hang_ipc_waits => "hang-ipc-waits",
    hang_pipe_deadlock => "hang-pipe-deadlock",
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

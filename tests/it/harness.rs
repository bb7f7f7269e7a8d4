//! Running the binary and reading fixtures.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn straceback() -> Command {
    let mut c = Command::cargo_bin("straceback").expect("binary");
    c.env_remove("NO_COLOR");
    c
}

/// Runs the binary with `args`; returns the output whatever the status.
pub fn run(args: &[&str]) -> Output {
    straceback().args(args).output().expect("run straceback")
}

/// `straceback events FILE` as parsed JSON objects.
pub fn events(file: &Path) -> Vec<serde_json::Value> {
    let out = run(&["events", file.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "events {file:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad NDJSON line {l}: {e}")))
        .collect()
}

/// `straceback --format json ARGS...` as a JSON value.
pub fn report(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("report JSON")
}

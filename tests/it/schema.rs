//! The published JSON schemas (docs/report.schema.json, docs/events.schema.json) hold for what
//! the binary writes: every JSON snapshot, every fixture's report, every fixture's events. A
//! field added, removed or retyped without the schema fails here (the schemas allow no field
//! they do not name); CHANGELOG.md says when `schema` is bumped.

use std::path::Path;

use crate::fast_path::traces;
use crate::harness::{fixtures, straceback};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub(crate) fn compile(name: &str) -> (boon::Schemas, boon::SchemaIndex) {
    let path = Path::new(ROOT).join("docs").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    let (mut schemas, mut compiler) = (boon::Schemas::new(), boon::Compiler::new());
    let url = format!("file://{}", path.display());
    compiler.add_resource(&url, json).expect("schema added");
    let index = compiler.compile(&url, &mut schemas).unwrap_or_else(|e| panic!("{name}: {e}"));
    (schemas, index)
}

pub(crate) fn check(schemas: &boon::Schemas, index: boon::SchemaIndex, json: &serde_json::Value, what: &str) {
    if let Err(e) = schemas.validate(json, index) {
        panic!("{what} does not match its schema: {e:#}");
    }
}

#[test]
fn every_json_snapshot_matches_the_report_schema() {
    let (schemas, index) = compile("report.schema.json");
    let dir = Path::new(ROOT).join("tests/it/snapshots");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("snapshots").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.contains("__json_") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read");
        // insta's header: `---`, its fields, `---`
        let body = text.strip_prefix("---\n").and_then(|t| t.split_once("\n---\n")).map(|(_, b)| b);
        let body = body.unwrap_or_else(|| panic!("{name}: no insta header"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        check(&schemas, index, &json, &name);
        seen += 1;
    }
    assert!(seen >= 60, "{seen} JSON snapshots");
}

#[test]
fn every_fixture_report_and_events_match_their_schemas() {
    let (report, report_index) = compile("report.schema.json");
    let (events, events_index) = compile("events.schema.json");
    let files = traces();
    assert!(files.len() > 60, "{} fixture traces", files.len());
    let mut refused = 0;
    for f in &files {
        let what = f.strip_prefix(fixtures()).unwrap_or(f).display().to_string();
        let out = straceback().args(["--format", "json", "--no-disk"]).arg(f).output().expect("run");
        // an input with no trace line in it (`strace -c` output) is refused with no report
        if out.status.code() == Some(2) && out.stdout.is_empty() {
            refused += 1;
        } else {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: {e}"));
            check(&report, report_index, &json, &what);
        }
        let out = straceback().arg("events").arg(f).output().expect("run");
        for (n, line) in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
            let json: serde_json::Value = serde_json::from_slice(line).unwrap_or_else(|e| panic!("{what}: {e}"));
            check(&events, events_index, &json, &format!("{what}, event {}", n + 1));
        }
    }
    assert!(refused < 5, "{refused} of {} fixtures gave no report", files.len());
}

#[test]
fn the_schema_rejects_a_field_it_does_not_name() {
    let (schemas, index) = compile("report.schema.json");
    let out = straceback()
        .args(["--format", "json", "--no-disk"])
        .arg(fixtures().join("incidents/seed/trace.txt"))
        .output()
        .expect("run");
    let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(schemas.validate(&json, index).is_ok());
    json["suspects"][0]["unnamed"] = serde_json::Value::Bool(true);
    assert!(schemas.validate(&json, index).is_err(), "an unnamed field passed");
}

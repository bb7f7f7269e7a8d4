//! The stages of `src/` import only earlier ones: a file of one stage that names a later stage
//! (`crate::render` from `heuristics/`, `crate::report` from `analysis/`) fails here, as the
//! fast-path test guards the syscall table; a renderer names only the report and the plain types.
//! Comments and `#[cfg(test)]` code are not imports.

use std::path::{Path, PathBuf};

/// The stages, earliest first; a module may import its own stage and those before it.
const STAGES: [&[&str]; 10] = [
    // the tables of what errnos and syscalls mean are plain data (a call carries its row)
    &["event", "text", "path", "errno", "syscalls", "exit", "memory", "bytes", "error", "cli"],
    &["input", "disk", "host"],
    &["parse", "interrupt"],
    &["flow", "analysis"],
    &["heuristics", "inflight"],
    &["report"],
    &["render"],
    &["options"],
    &["tracer"],
    &["drive"],
];

fn stage(module: &str) -> Option<usize> {
    STAGES.iter().position(|s| s.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let p = entry.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules `code` names as `crate::NAME`, outside comments and test code.
fn imports(code: &str) -> Vec<String> {
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    for line in code.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
        for (i, _) in line.match_indices("crate::") {
            let name: String = line[i + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn no_stage_imports_a_later_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src").to_string_lossy().into_owned();
        let top = rel.split('/').next().unwrap_or_default().trim_end_matches(".rs");
        if matches!(top, "lib" | "main") || rel.ends_with("tests.rs") {
            continue;
        }
        let own = stage(top).unwrap_or_else(|| panic!("{rel}: module {top} has no stage in STAGES"));
        let code = std::fs::read_to_string(f).expect("read");
        for name in imports(&code) {
            if stage(&name).is_some_and(|s| s > own) {
                wrong.push(format!("{rel} imports crate::{name}"));
            }
        }
    }
    assert!(files.len() > 50, "{} files", files.len());
    assert!(wrong.is_empty(), "imports from a later stage:\n{}", wrong.join("\n"));
}

/// Renderers only format: they read the report and the plain types, never a stage that
/// judges or reads input (an input sentinel, a cap, a heuristic is decided in the report).
#[test]
fn renderers_read_only_the_report() {
    let render = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render");
    let mut files = Vec::new();
    sources(&render, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for f in &files {
        if f.ends_with("tests.rs") {
            continue;
        }
        let code = std::fs::read_to_string(f).expect("read");
        for name in imports(&code) {
            if !(STAGES[0].contains(&name.as_str()) || name == "report" || name == "render") {
                wrong.push(format!("{} imports crate::{name}", f.display()));
            }
        }
    }
    assert!(files.len() > 10, "{} files", files.len());
    assert!(wrong.is_empty(), "renderers reading more than the report:\n{}", wrong.join("\n"));
}

#[test]
fn imports_are_read_outside_comments_and_tests() {
    let code = "use crate::report::Report;\n// crate::render\n/// [`crate::drive`]\nfn f() { crate::text::x() }\n#[cfg(test)]\nuse crate::render;\n";
    assert_eq!(imports(code), ["report", "text"]);
}

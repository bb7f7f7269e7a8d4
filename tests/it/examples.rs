//! Every example output in README.md and docs/*.md is the binary's real output: a fenced block
//! whose first line is `$ straceback ARGS` (optionally `| head -n N`) is run in the crate root,
//! 120 columns wide, and the rest of the block must be exactly what it printed.

use std::path::Path;

use crate::harness::straceback;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The examples of `text`: (command line, the lines shown below it).
fn examples(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let fence = line.len() - line.trim_start_matches('`').len();
        if fence < 3 || line.trim_start_matches('`').trim().contains('`') {
            continue;
        }
        let close = "`".repeat(fence);
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim_end() != close).collect();
        if let Some(command) = block.first().and_then(|l| l.strip_prefix("$ straceback ")) {
            out.push((command.to_string(), block[1..].iter().map(|l| l.to_string()).collect()));
        }
    }
    out
}

/// Runs `straceback COMMAND` as a shell would for the one pipe the examples use.
fn output(command: &str) -> Vec<String> {
    let (args, head) = match command.split_once(" | head -n ") {
        Some((args, n)) => (args, Some(n.trim().parse::<usize>().expect("head -n N"))),
        None => (command, None),
    };
    assert!(!args.contains(['|', '\'', '"', '\\']), "{command}: only `| head -n N` is understood");
    let out = straceback().current_dir(ROOT).env("COLUMNS", "120").args(args.split_whitespace()).output().expect("run");
    assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    text.lines().take(head.unwrap_or(usize::MAX)).map(str::to_string).collect()
}

#[test]
fn every_example_in_the_readme_and_docs_is_real_output() {
    let mut files = vec![Path::new(ROOT).join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (command, shown) in examples(&text) {
            let real = output(&command);
            assert!(shown == real, "{}: `straceback {command}` prints\n{}\n", file.display(), real.join("\n"));
            seen += 1;
        }
    }
    assert!(seen >= 3, "{seen} examples");
}

#[test]
fn an_example_is_found_inside_any_fence() {
    let text = "x\n````\n$ straceback a.txt\none\n```text\ntwo\n```\n````\n```\nnot one\n```\n";
    let found = examples(text);
    assert_eq!(found, [("a.txt".to_string(), vec!["one".into(), "```text".into(), "two".into(), "```".into()])]);
}

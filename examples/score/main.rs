//! The scoring command: runs the default report on every incident of the corpus
//! (`fixtures/incidents/*`) and prints how often suspect 1 is the truth, per kind of incident.
//!
//! ```sh
//! cargo run --release --example score                        # the figures, per kind
//! cargo run --release --example score -- --list              # and one line per incident
//! cargo run --release --example score -- --holdout-by program
//! cargo run --release --example score -- --corpus DIR      # another checkout's incidents
//! cargo run --release --example score -- --gaps            # the corpus test's KNOWN_GAPS
//! ```
//!
//! `--holdout-by program` (or `condition`, `flavour`) answers "does the ranking generalise?":
//! the suspects' reasons are re-weighted by a pairwise ranker (one multiplier per reason kind,
//! fitted by logistic loss with a pull towards the table's weights) trained without one group's
//! incidents, then judged on them. A rule that only its own incident needs shows up as a drop.

mod truth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::Value;

struct Case {
    name: String,
    trace: String,
    truth: Value,
    report: Value,
    judged: truth::Judged,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let list = args.iter().any(|a| a == "--list");
    if args.iter().any(|a| a == "--gaps") {
        // the corpus test's list (tests/it/corpus.rs, KNOWN_GAPS)
        for c in load(&corpus_dir(&args)) {
            for what in c.judged.gaps() {
                println!("    (\"{}\", \"{what}\"),", c.name);
            }
        }
        return;
    }
    let holdout = args.iter().position(|a| a == "--holdout-by").and_then(|k| args.get(k + 1)).cloned();
    let corpus = corpus_dir(&args);
    let cases = load(&corpus);
    let failures: Vec<&Case> = cases.iter().filter(|c| truth::kind(&c.truth) == truth::Kind::Failure).collect();
    let healthy: Vec<&Case> = cases.iter().filter(|c| truth::kind(&c.truth) == truth::Kind::Healthy).collect();
    if list {
        for c in &cases {
            let j = &c.judged;
            let mark = if j.first { "ok  " } else { "MISS" };
            println!("{mark} {:<28} {:<12} {:<14} {}", label(c), program(c)[0], condition(c), j.said);
        }
        println!();
    }
    println!("{} failure incidents ({} traces), {} healthy runs", distinct(&failures), failures.len(), healthy.len());
    print_rates("all", &failures);
    let false_alarms = healthy.iter().filter(|c| c.judged.false_clear).count();
    println!("healthy runs given \"a clear cause\": {false_alarms} of {}", healthy.len());
    for (title, key) in
        [("program", program as fn(&Case) -> Vec<String>), ("condition", conditions), ("flavour", flavours)]
    {
        println!("\nby {title}:");
        let mut by: BTreeMap<String, Vec<&Case>> = BTreeMap::new();
        for c in &failures {
            for k in key(c) {
                by.entry(k).or_default().push(c);
            }
        }
        for (k, group) in by {
            print_rates(&k, &group);
        }
    }
    if let Some(by) = holdout {
        holdout_by(&by, &failures);
    }
}

fn corpus_dir(args: &[String]) -> PathBuf {
    args.iter()
        .position(|a| a == "--corpus")
        .and_then(|k| args.get(k + 1))
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/incidents"), PathBuf::from)
}

fn program(c: &Case) -> Vec<String> {
    vec![c.truth["program"].as_str().unwrap_or("?").to_string()]
}

fn condition(c: &Case) -> String {
    let rc = &c.truth["root_cause"];
    let s = |v: &Value| v.as_str().map(str::to_string);
    s(&c.truth["condition"]).or(s(&rc["errno"])).or(s(&rc["kind"])).unwrap_or_else(|| "?".into())
}

fn conditions(c: &Case) -> Vec<String> {
    vec![condition(c)]
}

fn flavours(c: &Case) -> Vec<String> {
    let mut v: Vec<String> = c.truth["flavour"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if truth::causes(&c.truth).len() > 1 {
        v.push("two faults".into());
    }
    v
}

fn label(c: &Case) -> String {
    if c.trace == "trace.txt" {
        c.name.clone()
    } else {
        format!("{}/{}", c.name, c.trace)
    }
}

fn distinct(cases: &[&Case]) -> usize {
    cases.iter().map(|c| &c.name).collect::<std::collections::BTreeSet<_>>().len()
}

fn print_rates(what: &str, cases: &[&Case]) {
    let n = cases.len();
    let count = |f: &dyn Fn(&truth::Judged) -> bool| cases.iter().filter(|c| f(&c.judged)).count();
    let some = |f: &dyn Fn(&truth::Judged) -> Option<bool>| {
        let judged: Vec<bool> = cases.iter().filter_map(|c| f(&c.judged)).collect();
        format!("{}/{}", judged.iter().filter(|b| **b).count(), judged.len())
    };
    println!(
        "  {what:<22} n={n:<3} suspect 1 {:>3} ({:>3.0} %)  top 3 {:>3}  typo {:>5}  fix pointer {:>5}  independent {:>3}  false clear {}",
        count(&|j| j.first),
        100.0 * count(&|j| j.first) as f64 / n.max(1) as f64,
        count(&|j| j.top3),
        some(&|j| j.typo),
        some(&|j| j.pointer),
        some(&|j| j.independent),
        count(&|j| j.false_clear),
    );
}

/// Every incident's traces (`trace*.txt`, and an `-ff` set under `ff/`), analysed as the
/// default report does, with the recorded root.
fn load(corpus: &Path) -> Vec<Case> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(corpus).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let Ok(text) = std::fs::read_to_string(dir.join("truth.json")) else { continue };
        let Ok(truth) = serde_json::from_str::<Value>(&text) else {
            eprintln!("{}: truth.json is not JSON", dir.display());
            continue;
        };
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut traces: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        traces.retain(|t| t.starts_with("trace") && t.ends_with(".txt"));
        traces.sort();
        if dir.join("ff").is_dir() {
            traces.push("ff/trace".into());
        }
        for trace in traces {
            let report = analyse(&dir.join("root"), &dir.join(&trace));
            let judged = truth::judge(&truth, &report);
            cases.push(Case { name: name.clone(), trace, truth: truth.clone(), report, judged });
        }
    }
    cases
}

/// The JSON report of `trace`, disk lookups inside `root`.
fn analyse(root: &Path, trace: &Path) -> Value {
    let mut argv = vec!["straceback".to_string(), "--format".into(), "json".into()];
    if root.is_dir() {
        argv.extend(["--root".into(), root.display().to_string()]);
    } else {
        argv.push("--no-disk".into());
    }
    argv.push(trace.display().to_string());
    let run = || -> Option<Value> {
        let options = straceback::options::Options::from_cli(straceback::cli::Cli::try_parse_from(&argv).ok()?).ok()?;
        let mut out = Vec::new();
        let mut errors = Vec::new();
        straceback::analyze_and_render(&options, &mut out, &mut errors).ok()?;
        serde_json::from_slice(&out).ok()
    };
    run().unwrap_or_else(|| {
        eprintln!("{}: no report", trace.display());
        Value::Null
    })
}

/// One reason kind's points in a suspect.
fn features(s: &Value) -> BTreeMap<String, f64> {
    let mut f = BTreeMap::new();
    for r in s["reasons"].as_array().into_iter().flatten() {
        *f.entry(r["kind"].as_str().unwrap_or("?").to_string()).or_default() += r["points"].as_f64().unwrap_or(0.0);
    }
    f
}

/// A case the ranker can learn from: the suspects' features and which one is the truth.
struct Ranking<'a> {
    case: &'a Case,
    suspects: Vec<BTreeMap<String, f64>>,
    truth: Option<usize>,
}

fn rankings<'a>(cases: &[&'a Case]) -> Vec<Ranking<'a>> {
    cases
        .iter()
        .map(|c| {
            let list = c.report["suspects"].as_array().cloned().unwrap_or_default();
            let rc = &truth::causes(&c.truth)[0]["root_cause"];
            let truth = list.iter().position(|s| truth::names(s, rc));
            Ranking { case: c, suspects: list.iter().map(features).collect(), truth }
        })
        .collect()
}

type Multipliers = BTreeMap<String, f64>;

fn scored(f: &BTreeMap<String, f64>, m: &Multipliers) -> f64 {
    f.iter().map(|(k, v)| v * m.get(k).copied().unwrap_or(1.0)).sum()
}

/// Pairwise logistic ranker: one multiplier per reason kind, pulled towards 1 (the table).
fn fit(train: &[Ranking<'_>]) -> Multipliers {
    const SCALE: f64 = 10.0; // points per unit of the logistic
    const PULL: f64 = 0.5;
    const RATE: f64 = 0.02;
    let mut m = Multipliers::new();
    for r in train {
        for s in &r.suspects {
            for k in s.keys() {
                m.entry(k.clone()).or_insert(1.0);
            }
        }
    }
    for _ in 0..400 {
        let mut grad: Multipliers = m.iter().map(|(k, w)| (k.clone(), 2.0 * PULL * (w - 1.0))).collect();
        for r in train {
            let Some(t) = r.truth else { continue };
            let st = scored(&r.suspects[t], &m);
            for (_, other) in r.suspects.iter().enumerate().filter(|(o, _)| *o != t).take(10) {
                let margin = (st - scored(other, &m)) / SCALE;
                let g = -1.0 / (1.0 + margin.exp()) / SCALE;
                for (k, v) in &r.suspects[t] {
                    *grad.entry(k.clone()).or_default() += g * v;
                }
                for (k, v) in other {
                    *grad.entry(k.clone()).or_default() -= g * v;
                }
            }
        }
        for (k, w) in m.iter_mut() {
            *w -= RATE * grad.get(k).copied().unwrap_or(0.0);
        }
    }
    m
}

/// Whether suspect 1 is the truth when the suspects are ordered by `m`.
fn first_with(r: &Ranking<'_>, m: &Multipliers) -> bool {
    let Some(t) = r.truth else { return r.case.judged.first };
    let best = (0..r.suspects.len())
        .max_by(|a, b| scored(&r.suspects[*a], m).total_cmp(&scored(&r.suspects[*b], m)).then(b.cmp(a)));
    best == Some(t)
}

fn holdout_by(by: &str, cases: &[&Case]) {
    let key = |c: &Case| match by {
        "condition" => conditions(c),
        "flavour" => flavours(c),
        _ => program(c),
    };
    let all = rankings(cases);
    let table = Multipliers::new();
    let whole = fit(&all);
    println!("\nheld out by {by} (suspect 1: table weights / fitted on all / fitted without the group):");
    let mut groups: Vec<String> = cases.iter().flat_map(|c| key(c)).collect();
    groups.sort();
    groups.dedup();
    let (mut t_sum, mut w_sum, mut h_sum, mut n_sum) = (0, 0, 0, 0);
    for g in groups {
        let (inside, outside): (Vec<&Ranking<'_>>, Vec<&Ranking<'_>>) =
            all.iter().partition(|r| key(r.case).contains(&g));
        let train: Vec<Ranking<'_>> =
            outside.iter().map(|r| Ranking { case: r.case, suspects: r.suspects.clone(), truth: r.truth }).collect();
        let held = fit(&train);
        let t = inside.iter().filter(|r| first_with(r, &table)).count();
        let w = inside.iter().filter(|r| first_with(r, &whole)).count();
        let h = inside.iter().filter(|r| first_with(r, &held)).count();
        println!("  {g:<22} n={:<3} {t:>3} / {w:>3} / {h:>3}", inside.len());
        (t_sum, w_sum, h_sum, n_sum) = (t_sum + t, w_sum + w, h_sum + h, n_sum + inside.len());
    }
    println!("  {:<22} n={n_sum:<3} {t_sum:>3} / {w_sum:>3} / {h_sum:>3}", "all (summed)");
    println!("\nmultipliers fitted on all (1 = the table's weight):");
    for (k, w) in whole {
        println!("  {k:<20} {w:.2}");
    }
}

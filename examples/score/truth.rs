//! Whether a report meets an incident's truth (`fixtures/incidents/*/truth.json`), shared by the
//! scoring command (`examples/score`) and the corpus test (`tests/it/corpus.rs`), so that both
//! judge a report the same way. The truth format is described in `fixtures/README.md`.

use serde_json::Value;

/// What a truth file says the incident is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One or more failures caused it (`root_cause`, and `causes` when there are several).
    Failure,
    /// Nothing is wrong (`healthy: true`).
    Healthy,
    /// A wait is the answer (`waits`, no root cause): judged by the waits tests, not here.
    Waits,
}

pub fn kind(truth: &Value) -> Kind {
    if truth["healthy"].as_bool() == Some(true) {
        Kind::Healthy
    } else if truth["root_cause"].is_null() {
        if truth["waits"].is_null() {
            Kind::Healthy
        } else {
            Kind::Waits
        }
    } else {
        Kind::Failure
    }
}

/// The causes, most important first (`causes`, else the one `root_cause`), each with its
/// suggestion and pointer.
pub fn causes(truth: &Value) -> Vec<Value> {
    match truth["causes"].as_array() {
        Some(list) if !list.is_empty() => list.clone(),
        _ => vec![serde_json::json!({
            "root_cause": truth["root_cause"],
            "suggestion": truth["suggestion"],
            "referenced_from": truth["referenced_from"],
        })],
    }
}

/// Whether suspect `s` names the root cause `rc`: its path; for one name looked up along a
/// search path, the same name in another directory of the search (the suspect holds it in
/// `also_looked_in`); or a directory above it that the suspect names, holding it below.
pub fn names(s: &Value, rc: &Value) -> bool {
    let trim = |p: &str| p.trim_end_matches('/').to_string();
    let want = match rc["kind"].as_str() {
        Some("path") => rc["path"].as_str().map(trim),
        Some("address") => rc["address"].as_str().map(str::to_string),
        Some("call") => {
            Some(format!("{} {}", rc["syscall"].as_str().unwrap_or(""), rc["errno"].as_str().unwrap_or("")))
        }
        Some("host") => Some(format!("host {}", rc["host"].as_str().unwrap_or(""))),
        _ => None,
    };
    let Some(want) = want else { return false };
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let searched = s["also_looked_in"].as_array().is_some_and(|a| {
        a.iter().filter_map(Value::as_str).any(|p| p == want) && s["path"].as_str().map(base) == Some(base(&want))
    });
    // the report names a missing directory on the way, the path among those below it
    let below = s["paths_below"].as_array().is_some_and(|a| {
        a.iter().filter_map(Value::as_str).any(|p| p == want)
            && s["path"].as_str().is_some_and(|d| want.starts_with(&format!("{}/", d.trim_end_matches('/'))))
    });
    s["path"].as_str().map(trim) == Some(want) || searched || below
}

/// Whether the report says what `rc` says when no failed call is the cause: a crash no failure
/// explains, or error text that names a cause the trace never shows as a failed call.
fn says_uncaused(report: &Value, rc: &Value) -> bool {
    let no_clear = report["confidence"] != "clear";
    match rc["kind"].as_str() {
        Some("crash") => report["unexplained_crash"]["signal"] == rc["signal"],
        Some("path") if rc["errno"].is_null() => no_clear,
        _ => false,
    }
}

/// How one report fares against one incident's truth.
#[derive(Debug, Default, Clone)]
pub struct Judged {
    /// Suspect 1 is the (first) cause; for a healthy run: no cause was claimed.
    pub first: bool,
    /// The (first) cause is among the first three suspects.
    pub top3: bool,
    /// Suspect 1's suggestion is the truth's (when either has one).
    pub typo: Option<bool>,
    /// Suspect 1's fix pointer is the truth's (when the truth has one).
    pub pointer: Option<bool>,
    /// "A clear cause" (or "independent problems") was said and suspect 1 is wrong, or a clear
    /// cause was said where there are several; for a healthy run: either was said at all.
    pub false_clear: bool,
    /// With several independent causes: each is a suspect, reported as independent.
    pub independent: Option<bool>,
    /// What suspect 1 was, for the listing.
    pub said: String,
}

/// How large a cause's harm is, from its symptoms: crashes, then bad exits and 5xx, then 4xx.
fn impact(cause: &Value) -> (u64, u64, u64) {
    let sy = &cause["symptoms"];
    let http = |lo: u16, hi: u16| -> u64 {
        sy["http"].as_object().map_or(0, |m| {
            m.iter()
                .filter(|(c, _)| c.parse::<u16>().is_ok_and(|c| (lo..hi).contains(&c)))
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
    };
    let exit = u64::from(sy["exit_status"].as_i64().is_some_and(|c| c != 0));
    (u64::from(!sy["killed_by"].is_null()), http(500, 600) + exit, http(400, 500))
}

impl Judged {
    /// What the report got wrong, as the corpus test lists it: `suspect 1`, `typo`,
    /// `fix pointer`, `independent`.
    pub fn gaps(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.first {
            out.push("suspect 1");
        }
        for (what, ok) in [("typo", self.typo), ("fix pointer", self.pointer), ("independent", self.independent)] {
            if ok == Some(false) {
                out.push(what);
            }
        }
        out
    }
}

pub fn judge(truth: &Value, report: &Value) -> Judged {
    let empty = Vec::new();
    let suspects = report["suspects"].as_array().unwrap_or(&empty);
    let clear = report["confidence"] == "clear";
    // "a clear cause" or "independent problems": the report says what is wrong
    let claims = clear || report["confidence"] == "independent";
    let said = suspects.first().and_then(|s| s["path"].as_str()).unwrap_or("(none)").to_string();
    // a wait is the answer: a cause may be claimed only if it is what the processes waited on
    let waited_on = suspects.first().is_some_and(|s| s["path"] == truth["waits"]["top_target"]);
    match kind(truth) {
        Kind::Healthy => {
            return Judged { first: !claims, top3: !claims, false_clear: claims, said, ..Judged::default() }
        }
        Kind::Waits => {
            let ok = !claims || waited_on;
            return Judged { first: ok, top3: ok, false_clear: !ok, said, ..Judged::default() };
        }
        Kind::Failure => {}
    }
    let causes = causes(truth);
    let main = &causes[0];
    let rc = &main["root_cause"];
    let uncaused = says_uncaused(report, rc);
    // with several causes, one as large as the first may lead (the truth orders by impact)
    let leads = |c: &Value| impact(c) == impact(main) && suspects.first().is_some_and(|s| names(s, &c["root_cause"]));
    let first = uncaused || causes.iter().any(leads);
    let top3 = uncaused || suspects.iter().take(3).any(|s| names(s, rc));
    let s0 = suspects.first();
    let typo =
        (first && !uncaused && (!main["suggestion"].is_null() || s0.is_some_and(|s| !s["suggestion"].is_null())))
            .then(|| s0.is_some_and(|s| s["suggestion"] == main["suggestion"]));
    let want = &main["referenced_from"];
    let pointer = (!want.is_null() && !uncaused).then(|| {
        let got = s0.map_or(&Value::Null, |s| &s["referenced_from"]);
        first
            && if want["argument"].is_null() {
                got["path"] == want["path"] && got["line"] == want["line"]
            } else {
                got["argument"] == want["argument"]
            }
    });
    let independent = (causes.len() > 1).then(|| {
        let listed = report["independent"].as_array().cloned().unwrap_or_default();
        causes.iter().all(|c| {
            let rc = &c["root_cause"];
            suspects.iter().any(|s| names(s, rc) && listed.contains(&s["rank"]))
        })
    });
    let false_clear = (claims && !first) || (clear && causes.len() > 1);
    Judged { first, top3, typo, pointer, false_clear, independent, said }
}

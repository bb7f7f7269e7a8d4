//! The report: serde types whose field names are the JSON contract (`"schema": 1`,
//! DESIGN.md §5). Renderers read only these.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::{Failure, Failures, Target};
use crate::event::Pid;
use crate::fixptr::Reference;
use crate::heuristics::rank::Reason;
use crate::heuristics::typo::{Evidence, Typo};

pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: u32,
    pub summary: Summary,
    pub suspects: Vec<Suspect>,
    pub failures: Vec<FailureReport>,
    /// Failures classified as noise, counted by reason.
    pub noise: BTreeMap<String, u64>,
    pub symptoms: Symptoms,
}

impl Report {
    pub fn new(
        summary: Summary,
        suspects: Vec<Suspect>,
        failures: Vec<FailureReport>,
        noise: BTreeMap<String, u64>,
        symptoms: Symptoms,
    ) -> Report {
        Report { schema: SCHEMA, summary, suspects, failures, noise, symptoms }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub lines: u64,
    pub bytes: u64,
    pub processes: u64,
    pub syscalls: u64,
    /// Failed syscalls (interruptions excluded).
    pub failures: u64,
    /// EINTR, EAGAIN, EINPROGRESS, ERESTART*: counted, not failures.
    pub interruptions: u64,
    pub groups: u64,
    pub noise_groups: u64,
    pub suspects: u64,
    /// Failures not grouped because `--max-groups` was reached.
    pub overflow_failures: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    pub unparsed: u64,
    pub skipped: u64,
    pub overlong: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypoReport {
    pub suggestion: String,
    pub distance: usize,
    pub evidence: Evidence,
    pub kind: &'static str,
}

impl From<&Typo> for TypoReport {
    fn from(t: &Typo) -> Self {
        TypoReport {
            suggestion: String::from_utf8_lossy(&t.suggestion).into_owned(),
            distance: t.distance,
            evidence: t.evidence,
            kind: t.kind,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Suspect {
    pub rank: usize,
    /// The path, `tcp 127.0.0.1:3306` / `unix /run/x.sock`, or `syscall ERRNO`.
    pub path: String,
    /// `path`, `address` or `call`.
    pub kind: &'static str,
    pub errno: String,
    pub errmsg: String,
    pub errnos: BTreeMap<String, u64>,
    pub syscalls: BTreeMap<String, u64>,
    pub count: u64,
    pub pids: Vec<Pid>,
    pub score: i32,
    pub reasons: Vec<Reason>,
    pub typo: Option<TypoReport>,
    pub referenced_from: Option<Reference>,
    /// What followed the failure in the same process.
    pub followed_by: Vec<String>,
    /// Failing paths below a wrong directory, folded into this suspect.
    pub paths_below: Vec<String>,
    pub source: String,
    pub first_line: u64,
    pub last_line: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    /// The first failing call as a line.
    pub evidence: String,
}

impl Suspect {
    pub fn new(
        rank: usize,
        g: &Failure,
        score: i32,
        reasons: Vec<Reason>,
        typo: Option<TypoReport>,
        referenced_from: Option<Reference>,
        http_totals: &BTreeMap<u16, u64>,
    ) -> Suspect {
        let re = &g.reactions;
        let mut followed_by = Vec::new();
        for (code, n) in re.http.iter().filter(|(c, _)| **c >= 400) {
            let all = http_totals.get(code).copied().unwrap_or(*n);
            let of = if all > *n { format!(" of {all}") } else { String::new() };
            followed_by.push(format!("HTTP {code} responses ({n}{of})"));
        }
        if let Some(t) = re.named_in_error.as_ref().or(re.error_text.as_ref()) {
            followed_by.push(format!("error output \"{t}\""));
        }
        if let Some(s) = &re.killed_by {
            followed_by.push(format!("killed by {s}"));
        } else if let Some(c) = re.exit_code.filter(|c| *c != 0) {
            followed_by.push(format!("exit status {c}"));
        }
        Suspect {
            rank,
            path: g.target.display(),
            kind: kind(&g.target),
            errno: Failures::main_errno(g).to_string(),
            errmsg: g.message.clone(),
            errnos: g.errnos.clone(),
            syscalls: g.syscalls.clone(),
            count: g.count,
            pids: g.pids.iter().copied().collect(),
            score,
            reasons,
            typo,
            referenced_from,
            followed_by,
            paths_below: Vec::new(),
            source: g.first.source.clone(),
            first_line: g.first.line,
            last_line: g.last.line,
            first_time: g.first.time.clone(),
            last_time: g.last.time.clone(),
            evidence: g.sample.clone(),
        }
    }
}

fn kind(t: &Target) -> &'static str {
    match t {
        Target::Path { .. } => "path",
        Target::Address { .. } => "address",
        Target::Call { .. } => "call",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Noise {
    /// `known_benign`, `search_path_probe`, `created_later`, `capability_probe`, `system_probe`.
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureReport {
    pub path: String,
    pub kind: &'static str,
    pub errnos: BTreeMap<String, u64>,
    pub syscalls: BTreeMap<String, u64>,
    pub count: u64,
    pub pids: Vec<Pid>,
    pub source: String,
    pub first_line: u64,
    pub last_line: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    pub noise: Option<Noise>,
}

impl FailureReport {
    pub fn new(g: &Failure, noise: Option<Noise>) -> FailureReport {
        FailureReport {
            path: g.target.display(),
            kind: kind(&g.target),
            errnos: g.errnos.clone(),
            syscalls: g.syscalls.clone(),
            count: g.count,
            pids: g.pids.iter().copied().collect(),
            source: g.first.source.clone(),
            first_line: g.first.line,
            last_line: g.last.line,
            first_time: g.first.time.clone(),
            last_time: g.last.time.clone(),
            noise,
        }
    }
}

/// What the failures caused, for the whole trace.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Symptoms {
    /// HTTP responses written, by status code.
    pub http: BTreeMap<u16, u64>,
    pub http_by_pid: BTreeMap<Pid, BTreeMap<u16, u64>>,
    /// Non-zero exit statuses, by status.
    pub exits: BTreeMap<i32, u64>,
    pub exit_pids: Vec<Pid>,
    pub killed: Vec<Killed>,
    /// First lines of error text written to stderr or logs (distinct, bounded).
    pub errors: Vec<ErrorText>,
    /// Failed connections, by address.
    pub network: Vec<NetworkFailure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkFailure {
    /// `tcp 127.0.0.1:3306`, `unix /run/php/php-fpm.sock`.
    pub address: String,
    pub errno: String,
    /// `connection refused`, `no such socket`, ...
    pub what: String,
    pub count: u64,
    pub pids: Vec<Pid>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Killed {
    pub pid: Pid,
    pub signal: String,
    pub core_dumped: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorText {
    pub pid: Pid,
    pub text: String,
    pub count: u64,
}

const MAX_LISTED: usize = 20;

impl Symptoms {
    pub fn add_http(&mut self, pid: Pid, code: u16) {
        *self.http.entry(code).or_default() += 1;
        if self.http_by_pid.len() < 1000 || self.http_by_pid.contains_key(&pid) {
            *self.http_by_pid.entry(pid).or_default().entry(code).or_default() += 1;
        }
    }

    pub fn add_exit(&mut self, pid: Pid, code: i32) {
        *self.exits.entry(code).or_default() += 1;
        if self.exit_pids.len() < MAX_LISTED {
            self.exit_pids.push(pid);
        }
    }

    pub fn add_kill(&mut self, pid: Pid, signal: &str, core_dumped: bool) {
        if self.killed.len() < MAX_LISTED {
            self.killed.push(Killed { pid, signal: signal.to_string(), core_dumped });
        }
    }

    pub fn add_error_text(&mut self, pid: Pid, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(e) = self.errors.iter_mut().find(|e| e.text == text) {
            e.count += 1;
        } else if self.errors.len() < MAX_LISTED {
            self.errors.push(ErrorText { pid, text: text.to_string(), count: 1 });
        }
    }
}

//! Builds the report from what the analysis collected and what the heuristics judged.

use std::collections::BTreeMap;

use super::{
    Answered, FailureReport, FollowedBy, MemoryCaps, NetworkFailure, Report, Summary, Suspect, Symptoms, TargetKind,
    TypoReport,
};
use crate::analysis::answers::Answers;
use crate::analysis::group::{Failure, Target};
use crate::analysis::Collected;
use crate::event::Pid;
use crate::heuristics::explain::{self, Explained};
use crate::heuristics::noise::Noise;
use crate::heuristics::typo::Typo;
use crate::heuristics::Judgement;
use crate::parse::ParseStats;
use crate::text::TraceText;

/// Failed connections listed in the symptoms.
const NETWORK_LISTED: usize = 20;

pub(crate) fn report(c: Collected, judged: Judgement, stats: &ParseStats) -> Report {
    let failures_only = c.failures_only();
    let some_syscalls_only = c.some_syscalls_only();
    let Collected {
        failures,
        symptoms: seen,
        mut waits,
        processes,
        syscalls,
        failed,
        interruptions,
        dropped,
        ignored_durations,
        ignored_times,
        ..
    } = c;
    let Judgement { typo_budget_spent, noise, confidence, suspects, independent, unexplained_crashes } = judged;
    let groups = &failures.groups;
    let suspects: Vec<Suspect> = suspects
        .into_iter()
        .enumerate()
        .map(|(k, r)| {
            let g = &groups[r.group];
            let suggestion =
                r.typo.as_ref().map(|t| &t.suggestion).or(r.explanation.as_ref().and_then(|e| match &e.what {
                    Explained::DanglingLink { suggested, .. } => suggested.as_ref(),
                    Explained::DirectoryForFile { file, .. } => file.as_ref(),
                    Explained::Moved { suggested, .. } => Some(suggested),
                    _ => None,
                }));
            let command =
                r.explanation.as_ref().and_then(|e| explain::suggested_command(e, r.referenced_from.as_ref()));
            Suspect {
                rank: k + 1,
                // a suspect about a dangling link is named by the link, not the path through it
                path: r.path.as_deref().map_or_else(|| g.target.text(), TraceText::from),
                path_bytes: match r.path.as_deref() {
                    Some(p) => std::str::from_utf8(p).is_err().then(|| p.to_vec()),
                    None => bytes_unless_utf8(&g.target),
                },
                kind: kind(&g.target),
                errno: g.main_errno().to_string(),
                errmsg: g.message().into(),
                errnos: g.errnos.clone(),
                syscalls: g.syscalls.clone(),
                count: g.count,
                pids: g.pids.iter().copied().collect(),
                score: r.score,
                reasons: r.reasons,
                typo: r.typo.as_ref().map(TypoReport::from),
                suggestion: suggestion.map(|s| TraceText::from(s.as_slice())),
                referenced_from: r.referenced_from,
                command,
                disk_usage: r.usage.as_ref().map(Into::into),
                explanation: r.explanation,
                followed_by: followed_by(g, &seen.http),
                paths_below: r.folded.below.iter().map(|&c| groups[c].target.text()).collect(),
                also_looked_in: r.folded.elsewhere.iter().map(|&c| groups[c].target.text()).collect(),
                after_exec: r.folded.after_exec.iter().map(|&c| groups[c].target.text()).collect(),
                source: g.first.source.as_str().into(),
                first_line: g.first.line,
                last_line: g.last.line,
                first_time: g.first.time.clone(),
                last_time: g.last.time.clone(),
                evidence: g.sample.as_str().into(),
            }
        })
        .collect();
    let failure_reports: Vec<FailureReport> = {
        let mut idx: Vec<usize> = (0..groups.len()).collect();
        idx.sort_by(|&a, &b| groups[b].count.cmp(&groups[a].count).then(a.cmp(&b)));
        idx.into_iter().map(|i| failure_report(&groups[i], noise[i].clone())).collect()
    };
    let symptoms = Symptoms {
        network: network_failures(groups, &noise),
        answered: answered(&seen.answers),
        http: seen.http,
        http_by_pid: seen.http_by_pid,
        backend_http: seen.backend_http,
        exits: seen.exits,
        exit_pids: seen.exit_pids,
        killed: seen.killed,
        errors: seen.errors,
    };
    let mut noise_counts = BTreeMap::new();
    for (g, n) in groups.iter().zip(&noise) {
        if let Some(n) = n {
            *noise_counts.entry(n.reason()).or_default() += g.count;
        }
    }
    let end = stats.last_time.as_ref().filter(|t| !t.relative).map(|t| t.secs());
    // a wait that outlasted the trace's last line is impossible (that line was printed after it)
    waits.check_end(end);
    // a live trace went on after its last line, until strace stopped
    let end = match (end, waits.traced_until) {
        (Some(e), Some(u)) if u > e && u - e < 86_400.0 => Some(u),
        _ => end,
    };
    let summary = Summary {
        lines: stats.lines,
        bytes: stats.bytes,
        processes,
        processes_capped: processes >= crate::analysis::MAX_PIDS as u64,
        syscalls,
        failures: failed,
        interruptions,
        groups: groups.len() as u64,
        noise_groups: noise.iter().filter(|n| n.is_some()).count() as u64,
        suspects: suspects.len() as u64,
        overflow_failures: failures.overflow,
        typo_budget_spent,
        memory_caps: MemoryCaps {
            unfinished_calls: stats.unfinished_dropped,
            files: stats.files_unread,
            stuck_calls: waits.stuck_overflow,
            wait_targets: waits.overflow,
            ..dropped
        },
        first_time: stats.first_time.as_ref().map(|t| t.text().to_string()),
        last_time: stats.last_time.as_ref().map(|t| t.text().to_string()),
        unparsed: stats.unparsed,
        skipped: stats.skipped,
        overlong: stats.overlong,
        ignored_durations: ignored_durations + waits.impossible,
        ignored_timestamps: ignored_times,
        failures_only,
        some_syscalls_only,
        interrupted: None,
    };
    let mut report = Report::new(summary, confidence, suspects, failure_reports, noise_counts, symptoms);
    report.independent = independent.into_iter().map(|k| k + 1).collect();
    report.unexplained_crash = unexplained_crashes.into_iter().next().map(crash);
    (report.waits, report.stuck, report.waiting) = super::waits::build(&waits, end);
    report
}

/// A crash as the report says it: where the trace shows it, who sent the signal and what
/// followed from it.
fn crash(c: crate::heuristics::Crash) -> super::Crash {
    use super::{At, Said, SentBy};
    let at = |source: &str, line: u64| At { source: source.into(), line };
    let kill = c.kill.as_ref();
    super::Crash {
        pid: c.pid,
        signal: c.signal.into(),
        at: kill.map(|k| at(&k.source, k.line)),
        sent_by: kill.and_then(|k| k.by.as_ref()).map(|s| SentBy {
            pid: s.pid,
            at: at(&s.source, s.line),
            said: s.said.as_ref().map(|(line, text)| Said { text: text.as_str().into(), at: at(&s.source, *line) }),
        }),
        also: c.others,
        resets: c.resets,
        http_5xx: c.explains.server_errors(),
        errors: c.explains.errors,
    }
}

/// The path's bytes when they are not UTF-8: the JSON's `path_bytes`.
fn bytes_unless_utf8(t: &Target) -> Option<Vec<u8>> {
    match t {
        Target::Path { path, .. } if std::str::from_utf8(path).is_err() => Some(path.clone()),
        _ => None,
    }
}

fn kind(t: &Target) -> TargetKind {
    match t {
        Target::Path { .. } => TargetKind::Path,
        Target::Address { .. } => TargetKind::Address,
        Target::Call { .. } => TargetKind::Call,
    }
}

/// What followed group `g` in its processes: error responses (with `http_totals`, the counts
/// of the whole trace), error text, a crash or a bad exit.
fn followed_by(g: &Failure, http_totals: &BTreeMap<u16, u64>) -> Vec<FollowedBy> {
    let re = &g.reactions;
    let mut out = Vec::new();
    for (&code, &count) in re.http.iter().filter(|(c, _)| **c >= 400) {
        let all = http_totals.get(&code).copied().unwrap_or(count);
        out.push(FollowedBy::Http { code, count, all });
    }
    // only the line that names it: another failure's error is not this one's evidence
    if let Some(named) = &re.named_in_error {
        out.push(FollowedBy::ErrorOutput(named.excerpt.as_str().into()));
    }
    if let Some(signal) = &re.killed_by {
        out.push(FollowedBy::Killed { signal: signal.as_str().into() });
    } else if let Some(code) = re.exit_code.filter(|c| *c != 0) {
        out.push(FollowedBy::Exit { code });
    }
    out
}

fn failure_report(g: &Failure, noise: Option<Noise>) -> FailureReport {
    FailureReport {
        path: g.target.text(),
        path_bytes: bytes_unless_utf8(&g.target),
        kind: kind(&g.target),
        errnos: g.errnos.clone(),
        syscalls: g.syscalls.clone(),
        count: g.count,
        pids: g.pids.iter().copied().collect(),
        source: g.first.source.as_str().into(),
        first_line: g.first.line,
        last_line: g.last.line,
        first_time: g.first.time.clone(),
        last_time: g.last.time.clone(),
        noise,
        timeout_of: g.timeout_of.clone(),
    }
}

/// Connections that failed, most frequent first (not those explained as noise).
/// The responses by status, errors first (5xx, then 4xx), then the most frequent.
fn answered(answers: &Answers) -> Vec<Answered> {
    let mut out: Vec<Answered> = answers
        .by_code
        .iter()
        .map(|(&code, urls)| Answered {
            code,
            count: urls.known + urls.unknown,
            urls: urls.pattern().map(TraceText::from),
        })
        .collect();
    out.sort_by_key(|a| {
        (std::cmp::Reverse(a.code / 100 * u16::from(a.code >= 400)), std::cmp::Reverse(a.count), a.code)
    });
    out
}

fn network_failures(groups: &[Failure], noise: &[Option<Noise>]) -> Vec<NetworkFailure> {
    let mut out: Vec<NetworkFailure> = groups
        .iter()
        .zip(noise)
        .filter(|(g, n)| n.is_none() && matches!(g.target, Target::Address { .. }))
        .map(|(g, _)| NetworkFailure {
            address: g.target.text(),
            errno: g.main_errno().to_string(),
            message: g.message().into(),
            count: g.count,
            pids: g.pids.iter().copied().collect(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.address.cmp(&b.address)));
    out.truncate(NETWORK_LISTED);
    out
}

/// A suspect the moment its process reacted to it (`--live`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiveSuspect {
    pub path: TraceText,
    pub errno: String,
    pub syscall: String,
    pub pid: Option<Pid>,
    pub typo: Option<TraceText>,
    pub reaction: Option<FollowedBy>,
}

pub(crate) fn live_suspect(g: &Failure, typo: Option<&Typo>) -> LiveSuspect {
    let re = &g.reactions;
    // the reaction that made it a suspect, the most telling first
    let reaction = if let Some(&code) = re.http.keys().rev().find(|c| **c >= 400) {
        Some(FollowedBy::Http { code, count: re.http[&code], all: re.http[&code] })
    } else if let Some(signal) = &re.killed_by {
        Some(FollowedBy::Killed { signal: signal.as_str().into() })
    } else if let Some(code) = re.exit_code.filter(|c| *c != 0) {
        Some(FollowedBy::Exit { code })
    } else {
        re.named_in_error.as_ref().map(|n| FollowedBy::ErrorOutput(n.excerpt.as_str().into()))
    };
    LiveSuspect {
        path: g.target.text(),
        errno: g.main_errno().to_string(),
        syscall: g.syscalls.keys().next().cloned().unwrap_or_default(),
        pid: g.pids.iter().next().copied(),
        typo: typo.map(|t| t.suggestion.as_slice().into()),
        reaction,
    }
}

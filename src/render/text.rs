//! The detailed text report (`--verbose`): summary, ranked suspects with every reason and its
//! points, failures by path (noise only with `--all`), noise by reason, parse statistics.

use std::io::{self, Write};

use colored::Colorize;

use super::escape::terminal as esc;
use super::words;
use crate::report::Reference;
use crate::report::{FailureReport, Report, Suspect};
use crate::text::shown;

/// Pids listed on a suspect's line.
const PIDS_SHOWN: usize = 8;
/// Failure groups listed even when `--top` is smaller.
const MIN_FAILURES_SHOWN: usize = 10;

pub fn render(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    summary(report, out)?;
    writeln!(out)?;
    if let Some(c) = &report.unexplained_crash {
        writeln!(out, "{}", esc(&words::unexplained_crash(c)).red().bold())?;
        if let Some(said) = words::killer_said(c) {
            writeln!(out, "    {}", esc(&said))?;
        }
    }
    if report.suspects.is_empty() {
        writeln!(out, "{}", words::no_suspects(&report.summary, !report.noise.is_empty()).green())?;
    } else if report.waiting_is_the_answer() {
        writeln!(out, "{}", words::FAILURES_BESIDE_WAIT_LISTED.dimmed())?;
    } else {
        let shown = top.unwrap_or(usize::MAX).min(report.suspects.len());
        writeln!(out, "{}", format!("Suspects ({shown} of {})", report.suspects.len()).bold())?;
        for s in report.suspects.iter().take(shown) {
            suspect(s, out)?;
        }
    }
    waits(report, top, out)?;
    failures(report, top, out)?;
    noise(report, out)?;
    let s = &report.summary;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        format!(
            "parsed {} lines: {} unparsed (--show-unparsed lists them), {} skipped, {} over {} MiB",
            s.lines,
            s.unparsed,
            s.skipped,
            s.overlong,
            crate::report::MAX_LINE >> 20
        )
        .dimmed()
    )
}

/// Stuck calls listed by `-v` (JSON has them all).
const STUCK_LISTED: usize = 20;

/// Where the time went, every target (idle ones marked), the calls stuck at the end, the
/// slowest requests.
fn waits(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let w = &report.waiting;
    writeln!(out)?;
    if let Some(hint) = words::not_measured(w.measured) {
        return writeln!(out, "{}", hint.dimmed());
    }
    if let Some(v) = &w.verdict {
        writeln!(out, "{}", esc(&words::verdict(v)).red().bold())?;
    }
    for x in report.waits.iter().filter_map(|x| Some(words::retry_line(&x.target, x.retry.as_ref()?))) {
        writeln!(out, "  {}", esc(&x))?;
    }
    for x in report.waits.iter().filter_map(|x| Some(words::ended_line(&x.target, x.ended_in_timeout.as_ref()?))) {
        writeln!(out, "  {}", esc(&x))?;
    }
    for c in &w.chains {
        writeln!(out, "  {}", esc(&words::chain_line(c)))?;
    }
    let shown = top.unwrap_or(usize::MAX).min(report.waits.len());
    // no target, no stuck call, no request: a header over nothing says nothing
    if shown > 0 || !report.stuck.is_empty() || w.requests.is_some() || w.overflow > 0 {
        writeln!(out, "{}", format!("Waits ({shown} of {} targets)", report.waits.len()).bold())?;
    }
    for x in report.waits.iter().take(shown) {
        writeln!(out, "  {}  (longest at line {})", esc(&words::wait_line(x)), x.longest_line)?;
    }
    if w.overflow > 0 {
        writeln!(out, "  {}", words::waits_overflow(w.overflow).yellow())?;
    }
    for s in report.stuck.iter().take(STUCK_LISTED) {
        writeln!(out, "  stuck: {}  (line {})", esc(&words::stuck_line(s)), s.line)?;
    }
    if let Some(more) = words::more_stuck(report.stuck.len(), STUCK_LISTED, w.stuck_overflow) {
        writeln!(out, "  {}", more.yellow())?;
    }
    if let Some(r) = &w.requests {
        writeln!(out, "  requests: {} timed, {} in all", words::number(r.count), words::secs(r.total_s))?;
        for slow in &r.slowest {
            writeln!(out, "    {}  (line {})", esc(&words::slow_request(slow)), slow.line)?;
        }
        if let Some(e) = &r.slowest_error {
            writeln!(out, "    {}  (line {})", esc(&words::slow_error(e)), e.line)?;
        }
    }
    Ok(())
}

fn summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    let span = match (&s.first_time, &s.last_time) {
        (Some(a), Some(b)) => format!(", {a} – {b}"),
        _ => String::new(),
    };
    writeln!(
        out,
        "{} {}, {}, {}, {} failed in {} ({} noise), {} interrupted{span}",
        "straceback:".bold(),
        words::count(s.lines, "line", "lines"),
        words::processes(s.processes, s.processes_capped),
        words::count(s.syscalls, "syscall", "syscalls"),
        words::number(s.failures),
        words::count(s.groups, "group", "groups"),
        words::number(s.noise_groups),
        words::number(s.interruptions)
    )?;
    if let Some(cut) = &s.interrupted {
        writeln!(out, "{}", words::interrupted(cut).yellow())?;
    }
    if s.failures_only {
        writeln!(out, "{}", words::FAILURES_ONLY.yellow())?;
    }
    if s.some_syscalls_only {
        writeln!(out, "{}", words::SOME_SYSCALLS_ONLY.yellow())?;
    }
    if s.overflow_failures > 0 {
        writeln!(out, "{}", words::overflow(s.overflow_failures).yellow())?;
    }
    if let Some(files) = words::files_unread(s.memory_caps.files) {
        writeln!(out, "{}", files.yellow())?;
    }
    if let Some(caps) = words::memory_caps(&s.memory_caps) {
        writeln!(out, "{}", caps.yellow())?;
    }
    if s.typo_budget_spent {
        writeln!(out, "{}", words::TYPO_BUDGET_SPENT.yellow())?;
    }
    if let Some(ignored) = words::ignored_times(s.ignored_durations, s.ignored_timestamps) {
        writeln!(out, "{}", ignored.yellow())?;
    }
    let paint = |p: &words::SymptomPart| if p.failure { p.text.red().to_string() } else { p.text.clone() };
    let parts = words::symptom_parts(report);
    if !parts.is_empty() {
        writeln!(out, "{} {}", "symptoms:".bold(), words::join_symptoms(&parts, paint))?;
    }
    let (heading, answered) = words::answered_parts(report);
    if !answered.is_empty() {
        writeln!(out, "{} {}", heading.bold(), words::join_symptoms(&[answered], paint))?;
    }
    Ok(())
}

fn suspect(s: &Suspect, out: &mut dyn Write) -> io::Result<()> {
    let syscalls: Vec<&str> = s.syscalls.keys().map(String::as_str).collect();
    let pids: Vec<String> = s.pids.iter().take(PIDS_SHOWN).map(ToString::to_string).collect();
    let more = if s.pids.len() > PIDS_SHOWN { ",…" } else { "" };
    let pids = if pids.is_empty() { String::new() } else { format!("  pids {}{more}", pids.join(",")) };
    writeln!(
        out,
        "{:>2}. {}   {} ×{}  {}{pids}",
        s.rank,
        s.path.to_string().bold(),
        s.errno.red(),
        s.count,
        syscalls.join(",")
    )?;
    if let Some(t) = &s.typo {
        let (dir, name) = dir_and_name(t.suggestion.as_bytes());
        let same_dir = dir_and_name(s.path.as_bytes()).0 == dir;
        let edits = words::edits(t.distance);
        let evidence = words::evidence(t.evidence);
        let what = if same_dir {
            format!("{} exists in the same directory", shown(name))
        } else {
            format!("{} exists", t.suggestion)
        };
        writeln!(out, "    {} {what} ({edits}, {evidence})", "likely typo:".yellow().bold())?;
    }
    match &s.referenced_from {
        Some(Reference::File { path, line, found, place }) => {
            let how = esc(&words::found(found, place));
            writeln!(out, "    referenced from {}:{line}{how}", path.to_string().cyan())?;
        }
        Some(r @ (Reference::CommandLine { .. } | Reference::Setting { .. })) => {
            writeln!(out, "    {}", esc(&words::reference(r)))?
        }
        None => {}
    }
    if let Some(e) = &s.explanation {
        writeln!(out, "    {} {}", "explain:".yellow().bold(), esc(&words::explanation_line(e)))?;
        if let Some(relink) = words::relink_line(e) {
            writeln!(out, "    {} {}", "suggested:".yellow().bold(), esc(&relink))?;
        }
    }
    if let Some(c) = &s.command {
        writeln!(out, "    {} {}", "suggested:".yellow().bold(), esc(&words::command(c)))?;
    }
    if let Some(u) = &s.disk_usage {
        let (largest, stale) = words::disk_usage(u);
        writeln!(out, "    {} {}", "largest:".yellow().bold(), esc(&largest))?;
        if let Some(stale) = stale {
            writeln!(out, "    {} {}", "stale:".yellow().bold(), esc(&stale))?;
        }
    }
    if !s.also_looked_in.is_empty() {
        writeln!(out, "    {}", esc(&words::also_looked_in(&s.also_looked_in)))?;
    }
    if !s.after_exec.is_empty() {
        writeln!(out, "    {}", esc(&words::after_exec(&s.after_exec)))?;
    }
    for f in &s.followed_by {
        writeln!(out, "    followed by {}", esc(&words::followed_by(f)))?;
    }
    let reasons: Vec<String> =
        s.reasons.iter().map(|r| format!("{} ({:+})", esc(&words::reason(&r.why)), r.points)).collect();
    writeln!(out, "    {}", format!("score {}: {}", s.score, reasons.join("; ")).dimmed())?;
    let seen = words::first_seen(&s.source, s.first_line, s.first_time.as_deref());
    writeln!(out, "    {}", esc(&seen).dimmed())?;
    Ok(())
}

/// (everything before the last `/`, what follows it).
fn dir_and_name(path: &[u8]) -> (&[u8], &[u8]) {
    path.iter().rposition(|&c| c == b'/').map_or((&path[..0], path), |i| (&path[..i], &path[i + 1..]))
}

/// The failure groups by count; noise only with `--all` (`top` is `None`).
fn failures(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let listed: Vec<&FailureReport> = report.failures.iter().filter(|f| top.is_none() || f.noise.is_none()).collect();
    if listed.is_empty() {
        return Ok(());
    }
    let limit = top.map_or(usize::MAX, |t| t.max(MIN_FAILURES_SHOWN));
    let shown = limit.min(listed.len());
    let of = if top.is_some() { "groups that are not noise" } else { "groups" };
    writeln!(out)?;
    writeln!(out, "{}", format!("Failures by path ({shown} of {} {of}; --all for every one)", listed.len()).bold())?;
    for f in listed.into_iter().take(shown) {
        let errnos: Vec<&str> = f.errnos.keys().map(String::as_str).collect();
        let syscalls: Vec<&str> = f.syscalls.keys().map(String::as_str).collect();
        let note = match &f.noise {
            Some(n) => format!("  noise: {}", n.reason().code()).dimmed().to_string(),
            None => String::new(),
        };
        writeln!(
            out,
            "  {:>6}  {:<12} {:<16} {}{note}",
            format!("×{}", f.count),
            errnos.join(","),
            syscalls.join(","),
            f.path
        )?;
    }
    Ok(())
}

fn noise(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.noise.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let total: u64 = report.noise.values().sum();
    let groups = words::count(report.summary.noise_groups, "group", "groups");
    writeln!(out, "{}", format!("Noise ({groups}, {}), by reason", words::count(total, "failure", "failures")).bold())?;
    for (reason, n) in &report.noise {
        writeln!(out, "  {:>6}  {}", format!("×{n}"), words::noise_reason(*reason))?;
    }
    Ok(())
}

/// `--show-unparsed`: the lines that are not trace lines, as (source, line number, text).
pub fn unparsed(lines: &[(String, u64, String)], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nUnparsed lines (first {}):", lines.len())?;
    for (source, line, text) in lines {
        writeln!(out, "  {}:{line}: {}", esc(source), esc(text))?;
    }
    Ok(())
}

//! The detailed text report (`--verbose`): summary, ranked suspects with every reason and its
//! points, failures by path (noise only with `--all`), noise by reason, parse statistics.

use std::io::{self, Write};

use colored::Colorize;

use super::escape::terminal as esc;
use super::words;
use crate::heuristics::fix_pointer::Reference;
use crate::report::{FailureReport, Report, Suspect};

/// Pids listed on a suspect's line.
const PIDS_SHOWN: usize = 8;
/// Failure groups listed even when `--top` is smaller.
const MIN_FAILURES_SHOWN: usize = 10;

pub fn render(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    summary(report, out)?;
    writeln!(out)?;
    if report.suspects.is_empty() {
        writeln!(out, "{}", words::no_suspects(&report.summary, !report.noise.is_empty()).green())?;
    } else {
        let shown = top.unwrap_or(usize::MAX).min(report.suspects.len());
        writeln!(out, "{}", format!("Suspects ({shown} of {})", report.suspects.len()).bold())?;
        for s in report.suspects.iter().take(shown) {
            suspect(s, out)?;
        }
    }
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
            crate::parse::MAX_LINE >> 20
        )
        .dimmed()
    )
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
        words::processes(s.processes),
        words::count(s.syscalls, "syscall", "syscalls"),
        words::number(s.failures),
        words::count(s.groups, "group", "groups"),
        words::number(s.noise_groups),
        words::number(s.interruptions)
    )?;
    if s.overflow_failures > 0 {
        writeln!(out, "{}", words::overflow(s.overflow_failures).yellow())?;
    }
    if let Some(caps) = words::memory_caps(&s.memory_caps) {
        writeln!(out, "{}", caps.yellow())?;
    }
    if s.typo_budget_spent {
        writeln!(out, "{}", words::TYPO_BUDGET_SPENT.yellow())?;
    }
    let parts = words::symptom_parts(report);
    if !parts.is_empty() {
        // only what went wrong is red: `HTTP 200 ×3` is not a failure
        let symptoms =
            words::join_symptoms(&parts, |p| if p.failure { p.text.red().to_string() } else { p.text.clone() });
        writeln!(out, "{} {symptoms}", "symptoms:".bold())?;
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
        esc(&s.path).bold(),
        s.errno.red(),
        s.count,
        syscalls.join(",")
    )?;
    if let Some(t) = &s.typo {
        let (dir, name) = t.suggestion.rsplit_once('/').unwrap_or(("", &t.suggestion));
        let same_dir = s.path.rsplit_once('/').is_some_and(|(d, _)| d == dir);
        let edits = words::edits(t.distance);
        let evidence = words::evidence(t.evidence);
        let what = if same_dir {
            format!("{} exists in the same directory", esc(name))
        } else {
            format!("{} exists", esc(&t.suggestion))
        };
        writeln!(out, "    {} {what} ({edits}, {evidence})", "likely typo:".yellow().bold())?;
    }
    match &s.referenced_from {
        Some(Reference::File { path, line, searched }) => {
            let how = searched.as_deref().map(|d| format!(" ({})", esc(&words::searched(d)))).unwrap_or_default();
            writeln!(out, "    referenced from {}:{line}{how}", esc(path).cyan())?;
        }
        Some(r @ Reference::CommandLine { .. }) => writeln!(out, "    {}", esc(&words::reference(r)))?,
        None => {}
    }
    if let Some(e) = &s.explanation {
        writeln!(out, "    {} {}", "explain:".yellow().bold(), esc(&words::explanation_line(e)))?;
    }
    if !s.also_looked_in.is_empty() {
        writeln!(out, "    {}", esc(&words::also_looked_in(&s.also_looked_in)))?;
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
            esc(&f.path)
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

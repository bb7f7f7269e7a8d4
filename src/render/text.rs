//! The default report for a terminal: summary, ranked suspects with reasons, failures by path,
//! noise by reason, parse statistics.

use std::io::{self, Write};

use colored::Colorize;

use super::escape::terminal as esc;
use super::words;
use crate::heuristics::fix_pointer::Reference;
use crate::report::{Report, Suspect};

/// Pids listed on a suspect's line.
const PIDS_SHOWN: usize = 8;
/// Failure groups listed even when `--top` is smaller.
const MIN_FAILURES_SHOWN: usize = 10;

pub fn render(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    summary(report, out)?;
    writeln!(out)?;
    if report.suspects.is_empty() {
        writeln!(out, "{}", "No suspects: every failure looks like normal probing (see noise below).".green())?;
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
        "{} {} lines, {} processes, {} syscalls, {} failed in {} groups ({} noise), {} interrupted{span}",
        "straceback:".bold(),
        s.lines,
        s.processes,
        s.syscalls,
        s.failures,
        s.groups,
        s.noise_groups,
        s.interruptions
    )?;
    if s.overflow_failures > 0 {
        writeln!(out, "{}", format!("{} failures not grouped: --max-groups reached", s.overflow_failures).yellow())?;
    }
    let symptoms = words::symptom_line(report);
    if !symptoms.is_empty() {
        writeln!(out, "{} {}", "symptoms:".bold(), symptoms.red())?;
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
    for f in &s.followed_by {
        writeln!(out, "    followed by {}", esc(&words::followed_by(f)))?;
    }
    let reasons: Vec<String> =
        s.reasons.iter().map(|r| format!("{} ({:+})", esc(&words::reason(&r.why)), r.points)).collect();
    writeln!(out, "    {}", format!("score {}: {}", s.score, reasons.join("; ")).dimmed())?;
    let at = s.first_time.as_deref().map(|t| format!(" at {t}")).unwrap_or_default();
    writeln!(out, "    {}", format!("first seen {}:{}{at}", esc(&s.source), s.first_line).dimmed())?;
    Ok(())
}

fn failures(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    if report.failures.is_empty() {
        return Ok(());
    }
    let limit = top.map_or(usize::MAX, |t| t.max(MIN_FAILURES_SHOWN));
    let shown = limit.min(report.failures.len());
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        format!("Failures by path ({shown} of {} groups; --all for every one)", report.failures.len()).bold()
    )?;
    for f in report.failures.iter().take(shown) {
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
    writeln!(out, "{}", format!("Noise ({} groups, {total} failures), by reason", report.summary.noise_groups).bold())?;
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

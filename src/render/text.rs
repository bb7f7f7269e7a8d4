//! The default report for a terminal: summary, ranked suspects with reasons, failures by path,
//! noise by reason, parse statistics.

use std::io::{self, Write};

use colored::Colorize;

use super::escape::terminal as esc;
use crate::report::{Report, Suspect};

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
            "parsed {} lines: {} unparsed (--show-unparsed lists them), {} skipped, {} over 1 MiB",
            s.lines, s.unparsed, s.skipped, s.overlong
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
    let symptoms = symptom_line(report);
    if !symptoms.is_empty() {
        writeln!(out, "{} {}", "symptoms:".bold(), symptoms.red())?;
    }
    Ok(())
}

/// `HTTP 500 ×5, HTTP 200 ×3; exit status 1 ×2; killed by SIGSEGV ×1`.
pub fn symptom_line(report: &Report) -> String {
    let sy = &report.symptoms;
    let mut parts = Vec::new();
    let mut http: Vec<_> = sy.http.iter().collect();
    http.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let http: Vec<String> = http.iter().map(|(c, n)| format!("HTTP {c} ×{n}")).collect();
    if !http.is_empty() {
        parts.push(http.join(", "));
    }
    let exits: Vec<String> = sy.exits.iter().map(|(c, n)| format!("exit status {c} ×{n}")).collect();
    if !exits.is_empty() {
        parts.push(exits.join(", "));
    }
    let net: Vec<String> =
        sy.network.iter().take(3).map(|n| format!("{}: {} ×{}", n.what, esc(&n.address), n.count)).collect();
    if !net.is_empty() {
        parts.push(net.join(", "));
    }
    let mut kills: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for k in &sy.killed {
        let core = if k.core_dumped { " (core dumped)" } else { "" };
        *kills.entry(format!("killed by {}{core}", k.signal)).or_default() += 1;
    }
    let kills: Vec<String> = kills.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    if !kills.is_empty() {
        parts.push(kills.join(", "));
    }
    parts.join("; ")
}

fn suspect(s: &Suspect, out: &mut dyn Write) -> io::Result<()> {
    let syscalls: Vec<&str> = s.syscalls.keys().map(String::as_str).collect();
    let pids: Vec<String> = s.pids.iter().take(8).map(ToString::to_string).collect();
    let more = if s.pids.len() > 8 { ",…" } else { "" };
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
        let edits = if t.distance == 1 { "1 edit".to_string() } else { format!("{} edits", t.distance) };
        let evidence = match t.evidence {
            crate::heuristics::typo::Evidence::Disk => "on disk",
            crate::heuristics::typo::Evidence::Trace => "seen in the trace",
        };
        let what = if same_dir {
            format!("{} exists in the same directory", esc(name))
        } else {
            format!("{} exists", esc(&t.suggestion))
        };
        writeln!(out, "    {} {what} ({edits}, {evidence})", "likely typo:".yellow().bold())?;
    }
    if let Some(r) = &s.referenced_from {
        writeln!(out, "    referenced from {}:{}", esc(&r.path).cyan(), r.line)?;
    }
    for f in &s.followed_by {
        writeln!(out, "    followed by {}", esc(f))?;
    }
    let reasons: Vec<String> = s.reasons.iter().map(|r| format!("{} ({:+})", esc(&r.text), r.points)).collect();
    writeln!(out, "    {}", format!("score {}: {}", s.score, reasons.join("; ")).dimmed())?;
    let at = s.first_time.as_deref().map(|t| format!(" at {t}")).unwrap_or_default();
    writeln!(out, "    {}", format!("first seen {}:{}{at}", esc(&s.source), s.first_line).dimmed())?;
    Ok(())
}

fn failures(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    if report.failures.is_empty() {
        return Ok(());
    }
    let limit = top.map_or(usize::MAX, |t| t.max(10));
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
            Some(n) => format!("  noise: {}", n.reason).dimmed().to_string(),
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
        writeln!(out, "  {:>6}  {}", format!("×{n}"), describe(reason))?;
    }
    Ok(())
}

/// Words for a noise reason code.
pub fn describe(reason: &str) -> &'static str {
    match reason {
        "known_benign" => "well-known benign paths (locale, loader, .htaccess, bytecode caches, ...)",
        "search_path_probe" => "search-path probes resolved later (found in another directory or as another name)",
        "created_later" => "existence checks followed by creating the path",
        "capability_probe" => "capability probes (ENOTTY, EINVAL, EEXIST, ... provoked on purpose)",
        "system_probe" => "system search paths, tolerated (no error followed)",
        _ => "other",
    }
}

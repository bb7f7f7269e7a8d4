//! The default text report: the answer on one screen. The verdict first (summary, symptoms,
//! how clear the cause is), suspect 1 with the change to make and why, at most two more
//! suspects in a line each, and how to see more. `--verbose` prints the detail instead
//! ([`super::text`]). Every line fits the width it is given: `fix:`, `explain:`, stuck and slow lines continue on
//! indented lines (at most 3), other long ones are cut with `…`.

use std::io::{self, Write};

use colored::Colorize;

use super::escape::terminal as esc;
use super::words;
use crate::report::waits::Verdict;
use crate::report::{FollowedBy, Report, Suspect};

/// Suspects shown after the first, a line each.
const MORE_SUSPECTS: usize = 2;
/// Reasons named on a `why:` line.
const WHY_REASONS: usize = 3;
/// Wait targets and stuck calls shown, each.
const WAIT_LINES: usize = 3;
/// Wait chains shown.
const CHAIN_LINES: usize = 2;

/// A line of symptoms after `heading`, only what went wrong in red (a line too long for the
/// screen is cut and loses its colours); nothing when `parts` are empty.
fn symptom_line(out: &mut dyn Write, heading: &str, parts: &[Vec<words::SymptomPart>], w: usize) -> io::Result<()> {
    if parts.iter().all(Vec::is_empty) {
        return Ok(());
    }
    let room = w.saturating_sub(heading.chars().count() + 1).max(10);
    let plain = words::join_symptoms(parts, |p| p.text.clone());
    let line = if plain.chars().count() <= room {
        words::join_symptoms(parts, |p| if p.failure { p.text.red().to_string() } else { p.text.clone() })
    } else {
        fit(&plain, room)
    };
    writeln!(out, "{} {line}", heading.bold())
}

pub fn render(report: &Report, width: usize, out: &mut dyn Write) -> io::Result<()> {
    let w = width.max(40);
    writeln!(out, "{}", fit(&words::summary_line(&report.summary), w).bold())?;
    if let Some(cut) = &report.summary.interrupted {
        writeln!(out, "{}", fit(&words::interrupted(cut), w).yellow())?;
    }
    if report.summary.failures_only {
        writeln!(out, "{}", fit(words::FAILURES_ONLY, w).yellow())?;
    }
    if report.summary.some_syscalls_only {
        writeln!(out, "{}", fit(words::SOME_SYSCALLS_ONLY, w).yellow())?;
    }
    if report.summary.overflow_failures > 0 {
        writeln!(out, "{}", fit(&words::overflow(report.summary.overflow_failures), w).yellow())?;
    }
    if let Some(files) = words::files_unread(report.summary.memory_caps.files) {
        writeln!(out, "{}", fit(&files, w).yellow())?;
    }
    if let Some(caps) = words::memory_caps_short(&report.summary.memory_caps) {
        writeln!(out, "{}", fit(&caps, w).yellow())?;
    }
    symptom_line(out, "symptoms:", &words::symptom_parts(report), w)?;
    let (heading, answered) = words::answered_parts(report);
    symptom_line(out, heading, &[answered], w)?;
    writeln!(out)?;
    if let Some(v) = &report.waiting.verdict {
        verdict(report, v, w, out)?;
    }
    let Some(first) = report.suspects.first() else {
        writeln!(out, "{}", fit(&words::no_suspects(&report.summary, false), w).green())?;
        waiting(report, w, out)?;
        if report.summary.failures > 0 {
            writeln!(out, "{}", fit(&words::see_more(0), w).dimmed())?;
        }
        return Ok(());
    };
    // waiting is the answer and no failure explains anything: a list of them would read as
    // rivals of the wait
    if report.waiting_is_the_answer() {
        return writeln!(out, "{}", fit(&words::failures_beside_wait(report.suspects.len()), w).dimmed());
    }
    if let Some(c) = &report.unexplained_crash {
        writeln!(out, "{}", fit(&esc(&words::unexplained_crash(c)), w).red().bold())?;
        if let Some(said) = words::killer_said(c) {
            writeln!(out, "    {}", fit(&esc(&said), w - 4))?;
        }
    }
    writeln!(out, "{}", words::confidence(report.confidence).bold())?;
    suspect_block(first, w, out)?;
    let more: Vec<&Suspect> = report.suspects.iter().skip(1).collect();
    let (problems, others): (Vec<&Suspect>, Vec<&Suspect>) =
        more.into_iter().partition(|s| report.independent.contains(&s.rank));
    for s in &problems {
        suspect_block(s, w, out)?;
    }
    for s in others.iter().take(MORE_SUSPECTS.saturating_sub(problems.len().saturating_sub(1))) {
        let reasons = why(s, 2);
        let tail = if reasons.is_empty() { String::new() } else { format!(" — {reasons}") };
        let line = format!("{:>2}. {}  {}{tail}", s.rank, s.path, headline_errno(s));
        writeln!(out, "{}", fit(&line, w))?;
    }
    waiting(report, w, out)?;
    writeln!(out)?;
    let shown = 1 + problems.len() + others.len().min(MORE_SUSPECTS);
    writeln!(out, "{}", fit(&words::see_more(report.suspects.len().saturating_sub(shown)), w).dimmed())
}

/// A suspect in full: its head line, the change to make, the explanation, why, the error
/// text, what was folded into it.
fn suspect_block(first: &Suspect, w: usize, out: &mut dyn Write) -> io::Result<()> {
    suspect_head(first, w, out)?;
    if let Some(fix) = words::fix(first) {
        labelled(out, "fix:".green().bold(), 4, &esc(&fix), w)?;
    }
    if let Some(e) = &first.explanation {
        labelled(out, "explain:".yellow().bold(), 8, &esc(&words::explanation_line(e)), w)?;
    }
    if let Some(c) = &first.command {
        labelled(out, "suggested:".yellow().bold(), 10, &esc(&words::command(c)), w)?;
    }
    if let Some(u) = &first.disk_usage {
        let (largest, stale) = words::disk_usage(u);
        labelled(out, "largest:".yellow().bold(), 8, &esc(&largest), w)?;
        if let Some(stale) = stale {
            labelled(out, "stale:".yellow().bold(), 6, &esc(&stale), w)?;
        }
    }
    let because = why(first, WHY_REASONS);
    if !because.is_empty() {
        writeln!(out, "    {} {}", "why:".bold(), fit(&esc(&because), w - 9))?;
    }
    if let Some(FollowedBy::ErrorOutput(text)) =
        first.followed_by.iter().find(|f| matches!(f, FollowedBy::ErrorOutput(_)))
    {
        writeln!(out, "    {} {}", "error:".bold(), fit_middle(&esc(&format!("\"{text}\"")), w - 11))?;
    }
    if !first.also_looked_in.is_empty() {
        writeln!(out, "    {}", fit(&esc(&words::also_looked_in(&first.also_looked_in)), w - 4))?;
    }
    if !first.after_exec.is_empty() {
        writeln!(out, "    {}", fit(&esc(&words::after_exec(&first.after_exec)), w - 4))?;
    }
    Ok(())
}

/// Waiting as the answer: the verdict, the calls stuck or the slowest request behind it.
fn verdict(report: &Report, v: &Verdict, w: usize, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", fit(&esc(&words::verdict(v)), w).red().bold())?;
    if let Some(retry) = words::verdict_retry(v) {
        indented(out, &esc(&retry), w)?;
    }
    if let Some(ended) = words::verdict_ended(v) {
        indented(out, &esc(&ended), w)?;
    }
    chains(report, w, out)?;
    match v {
        Verdict::Stuck { .. } => {
            for s in report.stuck.iter().filter(|s| !s.idle).take(WAIT_LINES) {
                indented(out, &esc(&words::stuck_line(s)), w)?;
            }
        }
        Verdict::Slow { .. } => {
            if let Some(r) = &report.waiting.requests {
                if let Some(slow) = r.slowest.first() {
                    indented(out, &esc(&words::slow_request(slow)), w)?;
                }
                // the server errors may not be the slowest requests: what they waited on
                if let Some(e) = r.slowest_error.as_ref().filter(|e| r.slowest.first().is_none_or(|s| s.line != e.line))
                {
                    indented(out, &esc(&words::slow_error(e)), w)?;
                }
            }
        }
    }
    writeln!(out)
}

/// Where the time went when waiting is not the verdict: the non-idle targets that held
/// something up, calls stuck at the end; or what to add to strace's flags.
fn waiting(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    if report.waiting.verdict.is_some() {
        return Ok(());
    }
    if let Some(hint) = words::not_measured(report.waiting.measured).filter(|_| report.suspects.is_empty()) {
        return writeln!(out, "{}", fit(hint, w).dimmed());
    }
    let targets: Vec<_> = report.waits.iter().filter(|x| x.notable).take(WAIT_LINES).collect();
    let stuck: Vec<_> = report.stuck.iter().filter(|s| !s.idle).take(WAIT_LINES).collect();
    if targets.is_empty() && stuck.is_empty() && report.waiting.chains.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", "Waiting:".bold())?;
    for t in targets {
        writeln!(out, "    {}", fit(&esc(&words::wait_line(t)), w - 4))?;
        if let Some(e) = &t.ended_in_timeout {
            indented(out, &esc(&words::ended_line(&t.target, e)), w)?;
        }
    }
    for s in stuck {
        indented(out, &esc(&words::stuck_line(s)), w)?;
    }
    chains(report, w, out)
}

/// The wait chains, right under what is waited on: who holds up whom, to the end.
fn chains(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    for c in report.waiting.chains.iter().take(CHAIN_LINES) {
        indented(out, &esc(&words::chain_line(c)), w)?;
    }
    Ok(())
}

/// ` 1. /srv/app/x.conf  EACCES ×1 (+2 ENOENT)  openat,stat  pid 41`.
fn suspect_head(s: &Suspect, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let syscalls: Vec<&str> = s.syscalls.keys().map(String::as_str).collect();
    let pids = match s.pids.as_slice() {
        [] => String::new(),
        [p] => format!("  pid {p}"),
        few @ [_, _] | few @ [_, _, _] => {
            format!("  pids {}", few.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
        }
        [p, rest @ ..] => format!("  pids {p} and {} more", rest.len()),
    };
    let line = format!("{:>2}. {}  {}  {}{pids}", s.rank, s.path, headline_errno(s), syscalls.join(","));
    writeln!(out, "{}", fit(&line, w).bold())
}

/// `ENOENT ×30`, or `EACCES ×1 (+2 ENOENT)` when other errnos share the path.
fn headline_errno(s: &Suspect) -> String {
    let main = s.errnos.get(&s.errno).copied().unwrap_or(s.count);
    let others: Vec<String> =
        s.errnos.iter().filter(|(e, _)| **e != s.errno).map(|(e, n)| format!("+{n} {e}")).collect();
    let others = if others.is_empty() { String::new() } else { format!(" ({})", others.join(", ")) };
    format!("{} ×{main}{others}", esc(&s.errno))
}

/// The strongest reasons, in words, without numbers.
fn why(s: &Suspect, n: usize) -> String {
    let mut parts: Vec<(i32, String)> =
        s.reasons.iter().filter_map(|r| Some((r.points, words::reason_short(&r.why)?))).collect();
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    let parts: Vec<String> = parts.into_iter().take(n).map(|(_, t)| t).collect();
    parts.join("; ")
}

/// Continuation lines a long `fix:`, `explain:`, stuck or slow line may take: their tail (the
/// free space now, the file and line) is often the part that matters, and the screen still fits.
const MORE_LINES: usize = 3;

/// `    fix: TEXT`, TEXT wrapped onto lines indented under its start.
fn labelled(
    out: &mut dyn Write,
    label: colored::ColoredString,
    label_len: usize,
    text: &str,
    w: usize,
) -> io::Result<()> {
    let indent = 4 + label_len + 1;
    let mut lines = wrap(text, w - indent).into_iter();
    writeln!(out, "    {label} {}", lines.next().unwrap_or_default())?;
    for l in lines {
        writeln!(out, "{:indent$}{l}", "")?;
    }
    Ok(())
}

/// `    TEXT`, continued on lines indented two more.
fn indented(out: &mut dyn Write, text: &str, w: usize) -> io::Result<()> {
    let mut lines = wrap(text, w - 6).into_iter();
    writeln!(out, "    {}", lines.next().unwrap_or_default())?;
    for l in lines {
        writeln!(out, "      {l}")?;
    }
    Ok(())
}

/// `text` in lines of at most `width` characters, broken at spaces where there is one (a long path
/// is broken inside), at most 1 + [`MORE_LINES`] of them; what is left is cut with `…`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > width && lines.len() < MORE_LINES {
        // the last space that keeps the line within the width, unless it would leave it nearly empty
        let at = rest[..=width].iter().rposition(|&c| c == ' ').filter(|&i| i > width / 2).unwrap_or(width);
        lines.push(rest[..at].iter().collect::<String>().trim_end().to_string());
        let skip = if rest.get(at) == Some(&' ') { at + 1 } else { at };
        rest.drain(..skip);
    }
    lines.push(fit(&rest.iter().collect::<String>(), width));
    lines
}

/// `line` cut at the end to `width` characters.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `line` cut in the middle to `width` characters: its start and its end (a `file:line`) stay.
fn fit_middle(line: &str, width: usize) -> String {
    let n = line.chars().count();
    if n <= width {
        return line.to_string();
    }
    let head = width.saturating_sub(1) / 2;
    let tail = width.saturating_sub(1) - head;
    let start: String = line.chars().take(head).collect();
    let end: String = line.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_to_the_width() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit_middle("0123456789", 5), "01…89");
        assert_eq!(fit_middle("héllo wörld", 7), "hél…rld");
    }

    #[test]
    fn long_lines_wrap_at_spaces_onto_at_most_three_more() {
        assert_eq!(wrap("short", 20), ["short"]);
        assert_eq!(wrap("0123456789 abcdefghij klmno", 12), ["0123456789", "abcdefghij", "klmno"]);
        // no space in the second half: broken inside the word
        assert_eq!(wrap("/srv/app/var/uploads/x", 10), ["/srv/app/v", "ar/uploads", "/x"]);
        let long = "word ".repeat(40);
        let lines = wrap(&long, 12);
        assert_eq!(lines.len(), 1 + MORE_LINES);
        assert!(lines[MORE_LINES].ends_with('…') && lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
    }
}

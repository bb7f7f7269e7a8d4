//! `--format markdown`: a section to paste into an incident ticket or postmortem.

use std::io::{self, Write};

use super::escape::{code_block, code_span, markdown as md};
use super::words;
use crate::report::{FollowedBy, Report, Suspect};
use crate::report::{Found, Reference};
use crate::text::shown;

pub fn render(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    // sections end in a blank line: the document ends in exactly one newline
    let mut doc = Vec::new();
    sections(report, top, &mut doc)?;
    let end = doc.iter().rposition(|&b| b != b'\n').map_or(0, |i| i + 1);
    out.write_all(&doc[..end])?;
    out.write_all(b"\n")
}

fn sections(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## strace analysis\n")?;
    writeln!(out, "### Summary\n")?;
    let (lines, processes) =
        (words::count(s.lines, "line", "lines"), words::count(s.processes, "process", "processes"));
    writeln!(out, "- {lines}, {processes}, {}", words::count(s.syscalls, "syscall", "syscalls"))?;
    let failed = words::count(s.failures, "failed syscall", "failed syscalls");
    writeln!(
        out,
        "- {failed} in {}, {} of them normal noise",
        words::count(s.groups, "group", "groups"),
        words::number(s.noise_groups)
    )?;
    if let (Some(a), Some(b)) = (&s.first_time, &s.last_time) {
        writeln!(out, "- time span: {} – {}", md(a), md(b))?;
    }
    if let Some(cut) = &s.interrupted {
        writeln!(out, "- {}", words::interrupted(cut))?;
    }
    if s.failures_only {
        writeln!(out, "- {}", words::FAILURES_ONLY)?;
    }
    if s.some_syscalls_only {
        writeln!(out, "- {}", words::SOME_SYSCALLS_ONLY)?;
    }
    if let Some(files) = words::files_unread(s.memory_caps.files) {
        writeln!(out, "- {files}")?;
    }
    let symptoms = words::symptom_line(report);
    if !symptoms.is_empty() {
        writeln!(out, "- symptoms: {}", md(&symptoms))?;
    }
    let (heading, answered) = words::answered_parts(report);
    if !answered.is_empty() {
        writeln!(out, "- {heading} {}", md(&words::join_symptoms(&[answered], |p| p.text.clone())))?;
    }
    if let Some(c) = &report.unexplained_crash {
        writeln!(out, "- {}", md(&words::unexplained_crash(c)))?;
        if let Some(said) = words::killer_said(c) {
            writeln!(out, "- {}", md(&said))?;
        }
    }
    waits(report, out)?;
    writeln!(out, "\n### Root-cause candidates\n")?;
    if report.suspects.is_empty() {
        writeln!(out, "{}\n", md(&words::no_suspects(s, !report.noise.is_empty())))?;
    }
    let shown = if report.waiting_is_the_answer() && !report.suspects.is_empty() {
        writeln!(out, "{}\n", md(&words::failures_beside_wait(report.suspects.len())))?;
        0
    } else {
        top.unwrap_or(usize::MAX).min(report.suspects.len())
    };
    for sus in report.suspects.iter().take(shown) {
        writeln!(out, "{}. **{}** — {} ×{} (score {})", sus.rank, md(&sus.path), md(&sus.errno), sus.count, sus.score)?;
        for r in &sus.reasons {
            writeln!(out, "   - {} ({:+})", md(&words::reason(&r.why)), r.points)?;
        }
        if !sus.also_looked_in.is_empty() {
            writeln!(out, "   - {}", md(&words::also_looked_in(&sus.also_looked_in)))?;
        }
        if !sus.after_exec.is_empty() {
            writeln!(out, "   - {}", md(&words::after_exec(&sus.after_exec)))?;
        }
        for f in &sus.followed_by {
            match f {
                // quoted log text as it was written, in a code span
                FollowedBy::ErrorOutput(text) => writeln!(out, "   - followed by error output {}", code_span(text))?,
                f => writeln!(out, "   - followed by {}", md(&words::followed_by(f)))?,
            }
        }
        if let Some(e) = &sus.explanation {
            writeln!(out, "   - explanation: {}", md(&words::explanation_line(e)))?;
        }
        writeln!(out, "\n   Evidence ({}):\n", md(&words::location(&sus.source, sus.first_line)))?;
        writeln!(out, "   ```text\n   {}\n   ```\n", code_block(&sus.evidence))?;
    }
    let fixes: Vec<String> = report
        .suspects
        .iter()
        .take(shown)
        .flat_map(|s| {
            let command = s.command.as_ref().map(|c| format!("- Suggested, not run: {}", code_span(c)));
            let usage = s.disk_usage.as_ref().map(words::disk_usage);
            let (largest, stale) = match usage {
                Some((largest, stale)) => {
                    (Some(format!("- Largest: {}", md(&largest))), stale.map(|s| format!("- Stale: {}", md(&s))))
                }
                None => (None, None),
            };
            fix(s).into_iter().chain(command).chain(largest).chain(stale)
        })
        .collect();
    if !fixes.is_empty() {
        writeln!(out, "### Fix\n")?;
        for f in fixes {
            writeln!(out, "{f}")?;
        }
        writeln!(out)?;
    }
    if !report.noise.is_empty() {
        writeln!(out, "### Classified as noise\n")?;
        for (reason, n) in &report.noise {
            writeln!(out, "- {} ×{n}", words::noise_reason(*reason))?;
        }
    }
    Ok(())
}

/// The verdict when waiting is the answer, then where the time went and what was stuck.
fn waits(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let w = &report.waiting;
    let shown: Vec<_> = report.waits.iter().filter(|x| x.notable).take(WAITS_LISTED).collect();
    let stuck: Vec<_> = report.stuck.iter().filter(|s| !s.idle).collect();
    let hint = words::not_measured(w.measured).filter(|_| report.suspects.is_empty());
    if w.verdict.is_none() && shown.is_empty() && stuck.is_empty() && hint.is_none() && w.chains.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### Waits\n")?;
    if let Some(hint) = hint {
        writeln!(out, "{}", md(hint))?;
    }
    if let Some(v) = &w.verdict {
        writeln!(out, "**{}**\n", md(&words::verdict(v)))?;
        if let Some(retry) = words::verdict_retry(v) {
            writeln!(out, "- {}", md(&retry))?;
        }
        if let Some(ended) = words::verdict_ended(v) {
            writeln!(out, "- {}", md(&ended))?;
        }
    }
    for c in &w.chains {
        writeln!(out, "- {}", md(&words::chain_line(c)))?;
    }
    for x in shown {
        writeln!(out, "- {}", md(&words::wait_line(x)))?;
    }
    for s in stuck.iter().take(STUCK_LISTED) {
        writeln!(out, "- stuck: {}", md(&words::stuck_line(s)))?;
    }
    if let Some(more) = words::more_stuck(stuck.len(), STUCK_LISTED, w.stuck_overflow) {
        writeln!(out, "- {}", md(&more))?;
    }
    if let Some(r) = &w.requests {
        if let Some(slow) = r.slowest.first() {
            writeln!(out, "- {}", md(&words::slow_request(slow)))?;
        }
        if let Some(e) = r.slowest_error.as_ref().filter(|e| r.slowest.first().is_none_or(|s| s.line != e.line)) {
            writeln!(out, "- {}", md(&words::slow_error(e)))?;
        }
    }
    Ok(())
}

/// Wait targets listed in the Waits section.
const WAITS_LISTED: usize = 5;
/// Stuck calls listed in the Waits section (JSON has them all).
const STUCK_LISTED: usize = 10;

/// `- Change `x.phpp` to `x.php` in /srv/app/settings.php, line 112`; `- Change
/// `ulimit -n 32` in /srv/app/run, line 3: it sets the descriptor limit`; `- Point
/// /srv/app/current at `releases/2`: `ln -sfn releases/2 /srv/app/current``.
fn fix(s: &Suspect) -> Option<String> {
    let how = |found: &Found| md(&words::found(found, &None));
    if let Some(Reference::Setting { path, line, found, sets, text }) = &s.referenced_from {
        let what = words::sets(*sets);
        return Some(format!(
            "- Change {} in {}, line {line}{}: it sets {what}",
            code_span(text),
            md(path),
            how(found)
        ));
    }
    let Some(t) = &s.typo else {
        if let Some((link, new)) = s.explanation.as_ref().and_then(words::relink) {
            return Some(format!(
                "- Point {} at {}: {}",
                md(&link),
                code_span(&new),
                code_span(&format!("ln -sfn {new} {link}"))
            ));
        }
        // every other change the text report names (a file or command line that names the path)
        return words::fix(s).map(|f| format!("- {}", md(&f)));
    };
    let (wrong, right) = words::differing_component(s.path.as_bytes(), t.suggestion.as_bytes());
    let change = format!("- Change {} to {}", code_span(&shown(wrong)), code_span(&shown(right)));
    Some(match &s.referenced_from {
        Some(Reference::File { path, line, found, .. }) => {
            format!("{change} in {}, line {line}{}", md(path), how(found))
        }
        Some(Reference::CommandLine { pid, argument }) => {
            format!("{change} on the command line of pid {pid} ({})", code_span(argument))
        }
        Some(Reference::Setting { .. }) => return None,
        None => format!("{change} where it is named (no file the process read names it)"),
    })
}

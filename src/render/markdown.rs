//! `--format markdown`: a section to paste into an incident ticket or postmortem.

use std::io::{self, Write};

use super::escape::{code_block, code_span, markdown as md};
use super::words;
use crate::heuristics::fix_pointer::Reference;
use crate::report::{FollowedBy, Report, Suspect};

pub fn render(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
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
    let symptoms = words::symptom_line(report);
    if !symptoms.is_empty() {
        writeln!(out, "- symptoms: {}", md(&symptoms))?;
    }
    writeln!(out, "\n### Root-cause candidates\n")?;
    if report.suspects.is_empty() {
        writeln!(out, "{}\n", md(&words::no_suspects(s, !report.noise.is_empty())))?;
    }
    let shown = top.unwrap_or(usize::MAX).min(report.suspects.len());
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
    let fixes: Vec<String> = report.suspects.iter().take(shown).filter_map(fix).collect();
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

/// `- Change `x.phpp` to `x.php` in /srv/app/settings.php, line 112`; `- Change
/// `ulimit -n 32` in /srv/app/run, line 3: it sets the descriptor limit`; `- Point
/// /srv/app/current at `releases/2`: `ln -sfn releases/2 /srv/app/current``.
fn fix(s: &Suspect) -> Option<String> {
    let how = |searched: &Option<String>| {
        searched.as_deref().map(|d| format!(" ({})", md(&words::searched(d)))).unwrap_or_default()
    };
    if let Some(Reference::Setting { path, line, searched, sets, text }) = &s.referenced_from {
        let what = words::sets(*sets);
        return Some(format!(
            "- Change {} in {}, line {line}{}: it sets {what}",
            code_span(text),
            md(path),
            how(searched)
        ));
    }
    let Some(t) = &s.typo else {
        let (link, new) = s.explanation.as_ref().and_then(words::relink)?;
        return Some(format!(
            "- Point {} at {}: {}",
            md(&link),
            code_span(&new),
            code_span(&format!("ln -sfn {new} {link}"))
        ));
    };
    let (wrong, right) = words::differing_component(&s.path, &t.suggestion);
    let change = format!("- Change {} to {}", code_span(wrong), code_span(right));
    Some(match &s.referenced_from {
        Some(Reference::File { path, line, searched }) => {
            format!("{change} in {}, line {line}{}", md(path), how(searched))
        }
        Some(Reference::CommandLine { pid, argument }) => {
            format!("{change} on the command line of pid {pid} ({})", code_span(argument))
        }
        Some(Reference::Setting { .. }) => return None,
        None => format!("{change} where it is named (no file the process read names it)"),
    })
}

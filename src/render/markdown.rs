//! `--format markdown`: a section to paste into an incident ticket or postmortem.

use std::io::{self, Write};

use super::escape::{code_block, markdown as md};
use super::words;
use crate::heuristics::fix_pointer::Reference;
use crate::report::Report;

pub fn render(report: &Report, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## strace analysis\n")?;
    writeln!(out, "### Summary\n")?;
    writeln!(out, "- {} lines, {} processes, {} syscalls", s.lines, s.processes, s.syscalls)?;
    writeln!(out, "- {} failed syscalls in {} groups, {} of them normal noise", s.failures, s.groups, s.noise_groups)?;
    if let (Some(a), Some(b)) = (&s.first_time, &s.last_time) {
        writeln!(out, "- time span: {} – {}", md(a), md(b))?;
    }
    let symptoms = words::symptom_line(report);
    if !symptoms.is_empty() {
        writeln!(out, "- symptoms: {}", md(&symptoms))?;
    }
    writeln!(out, "\n### Root-cause candidates\n")?;
    if report.suspects.is_empty() {
        writeln!(out, "None: every failure looks like normal probing.")?;
    }
    let shown = top.unwrap_or(usize::MAX).min(report.suspects.len());
    for sus in report.suspects.iter().take(shown) {
        writeln!(out, "{}. **{}** — {} ×{} (score {})", sus.rank, md(&sus.path), md(&sus.errno), sus.count, sus.score)?;
        for r in &sus.reasons {
            writeln!(out, "   - {} ({:+})", md(&words::reason(&r.why)), r.points)?;
        }
        for f in &sus.followed_by {
            writeln!(out, "   - followed by {}", md(&words::followed_by(f)))?;
        }
        if let Some(e) = &sus.explanation {
            writeln!(out, "   - explanation: {}", md(&words::explanation_line(e)))?;
        }
        writeln!(out, "\n   Evidence ({}:{}):\n", md(&sus.source), sus.first_line)?;
        writeln!(out, "   ```text\n   {}\n   ```\n", code_block(&sus.evidence))?;
    }
    let fixes: Vec<String> = report
        .suspects
        .iter()
        .take(shown)
        .filter_map(|sus| {
            let t = sus.typo.as_ref()?;
            let mut line = format!("- Rename the reference to **{}** into **{}**", md(&sus.path), md(&t.suggestion));
            match &sus.referenced_from {
                Some(Reference::File { path, line: n, searched }) => {
                    line.push_str(&format!(" in {}, line {n}", md(path)));
                    if let Some(dir) = searched {
                        line.push_str(&format!(" ({})", md(&words::searched(dir))));
                    }
                }
                Some(r) => line.push_str(&format!(", {}", md(&words::reference(r)))),
                None => {}
            }
            Some(line)
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

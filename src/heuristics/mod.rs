//! The judgement calls, made once everything is collected: which failures are normal (noise),
//! which names are typos, how suspects are scored and ordered, which file named a wrong path,
//! what explains a suspect (who the process ran as, which directory denied it, ...).
//! Rules come from how programs behave, never from particular paths of a known incident.

pub(crate) mod blame;
pub(crate) mod explain;
pub(crate) mod fix_pointer;
pub(crate) mod fold;
pub(crate) mod noise;
pub(crate) mod rank;
pub(crate) mod typo;

use rustc_hash::FxHashMap as HashMap;

use crate::analysis::evidence::KnownPaths;
use crate::analysis::group::Failure;
use crate::analysis::Collected;
use crate::disk::{Disk, Usage};
use crate::errno::ErrnoClass;
use crate::event::Pid;
use blame::Explains;
use explain::Explanation;
use fix_pointer::Reference;
use noise::{Ignores, Noise};
use rank::Reason;
use typo::Typo;

/// Typo lookups are done for at most this many groups (the most promising ones).
const TYPO_LOOKUPS: usize = 500;
/// Fix pointers and explanations are looked for for this many top suspects.
const FIX_POINTERS: usize = 10;

/// A suspect: a group that is not noise, scored.
pub(crate) struct Ranked {
    pub group: usize,
    /// What the suspect is about when it is not its group's own path: a dangling symlink the
    /// group's path runs through.
    pub path: Option<Vec<u8>>,
    pub score: i32,
    pub reasons: Vec<Reason>,
    pub typo: Option<Typo>,
    pub referenced_from: Option<Reference>,
    /// Failures that follow from this one, folded into it.
    pub folded: fold::Folded,
    pub explanation: Option<Explanation>,
    /// What fills the full filesystem of a disk-full suspect, walked on the live host.
    pub usage: Option<Usage>,
}

pub(crate) struct Judgement {
    /// The typo lookups stopped at their budget: some groups were not looked up.
    pub typo_budget_spent: bool,
    /// By group: why it is normal, if it is.
    pub noise: Vec<Option<Noise>>,
    pub confidence: rank::Confidence,
    /// The other groups, most likely cause first.
    pub suspects: Vec<Ranked>,
    /// Suspects (indexes) that each explain symptoms of their own: separate problems.
    pub independent: Vec<usize>,
    /// Crashes no failure explains, crash signals first.
    pub unexplained_crashes: Vec<Crash>,
}

/// A process killed with no failed call behind it: by a crash signal, or by a signal another
/// process sent, when connection resets of its peers followed (a supervisor's timeout that
/// broke requests; a routine stop breaks none).
pub(crate) struct Crash {
    pub pid: Pid,
    pub signal: String,
    /// The trace's record of the kill, with its sender.
    pub kill: Option<crate::analysis::kills::Kill>,
    /// The symptoms that followed from it (through the resets).
    pub explains: Explains,
    /// Other processes the same sender killed with the same signal, whose peers' resets
    /// followed too, and those resets with the first kill's.
    pub others: Vec<Pid>,
    pub resets: u64,
}

/// The crashes to report: crash signals no failure explains, then kills whose peers' resets
/// followed, the one that explains the most first.
fn crashes(c: &Collected, blamed: &mut blame::Blamed) -> Vec<Crash> {
    let kill_of = |pid: Pid, signal: &str| c.kills.iter().rev().find(|k| k.pid == pid && k.signal == signal).cloned();
    let mut out: Vec<Crash> = std::mem::take(&mut blamed.unexplained_crashes)
        .into_iter()
        .map(|(pid, signal)| Crash {
            kill: kill_of(pid, &signal),
            pid,
            signal,
            explains: Explains::default(),
            others: Vec::new(),
            resets: 0,
        })
        .collect();
    // one sender's kills with one signal are one decision (a supervisor's timeout)
    let mut kills: Vec<Crash> = Vec::new();
    for (i, k) in c.kills.iter().enumerate().filter(|(_, k)| k.resets > 0) {
        let explains = blamed.by_kill.remove(&i).unwrap_or_default();
        let sender = k.by.as_ref().map(|s| s.pid);
        let same = |o: &&mut Crash| {
            o.signal == k.signal
                && sender.is_some()
                && o.kill.as_ref().and_then(|o| o.by.as_ref()).map(|s| s.pid) == sender
        };
        match kills.iter_mut().find(|o| same(o)) {
            Some(o) => {
                o.others.push(k.pid);
                o.resets += k.resets;
                o.explains.merge(&explains);
            }
            None => kills.push(Crash {
                pid: k.pid,
                signal: k.signal.clone(),
                kill: Some(k.clone()),
                explains,
                others: Vec::new(),
                resets: k.resets,
            }),
        }
    }
    kills.sort_by_key(|k| std::cmp::Reverse((k.explains.server_errors(), k.explains.errors)));
    out.extend(kills);
    out
}

/// Judges what the analysis collected; `disk` is where typos and fix pointers are looked up;
/// with `walk_disk` (the disk is the one the trace is about) a full filesystem is walked for
/// what fills it.
pub(crate) fn judge(c: &Collected, ignores: &Ignores, disk: &dyn Disk, walk_disk: bool) -> Judgement {
    let groups = &c.failures.groups;
    // noise first, then which failure explains each symptom, then typos for the most
    // promising of the rest, then scores
    let mut noise: Vec<Option<Noise>> = groups.iter().map(|g| noise::judge(g, ignores)).collect();
    let mut blamed = blame::resolve(&c.blames, groups, &noise);
    let unexplained_crashes = crashes(c, &mut blamed);
    for &i in blamed.by_group.keys() {
        // a provoked errno the program did not recover from (see `blame::resolve`)
        noise[i] = None;
    }
    let explains = |i: usize| blamed.by_group.get(&i);
    let mut order: Vec<usize> = (0..groups.len()).filter(|&i| noise[i].is_none()).collect();
    order.sort_by_cached_key(|&i| {
        std::cmp::Reverse((rank::tier(&groups[i], explains(i)), rank::score(&groups[i], None, explains(i)).0))
    });
    let mut budget = typo::Budget::default();
    let mut typos: HashMap<usize, Typo> = HashMap::default();
    for &i in order.iter().take(TYPO_LOOKUPS) {
        if let Some(t) = typo_of(&groups[i], &c.evidence.known, disk, &mut budget) {
            typos.insert(i, t);
        }
    }
    let failures_only = c.failures_only();
    let score_of = |i: usize, e: Option<&Explains>| {
        let (mut score, mut reasons) = rank::score(&groups[i], typos.get(&i), e);
        if failures_only {
            // a success would not have been printed: "never succeeded later" says nothing
            reasons.retain(|r| r.why != rank::Why::NeverResolved);
            score = reasons.iter().map(|r| r.points).sum();
        }
        (score, i, reasons)
    };
    let mut scored: Vec<rank::Scored> = order.iter().map(|&i| score_of(i, explains(i))).collect();
    // the member of a search that leads it takes the others (and what they explain)
    rank::sort(&mut scored, groups);
    let (mut scored, mut folded) = fold::fold(scored, groups);
    for (score, i, reasons) in &mut scored {
        let Some(f) = folded.get(i).filter(|f| !f.elsewhere.is_empty()) else { continue };
        let mut e = explains(*i).cloned().unwrap_or_default();
        f.elsewhere.iter().filter_map(|&m| explains(m)).for_each(|m| e.merge(m));
        let below: Vec<rank::Reason> =
            reasons.drain(..).filter(|r| matches!(r.why, rank::Why::PathsBelow { .. })).collect();
        let (new, _, mut again) = score_of(*i, Some(&e));
        *score = new + below.iter().map(|r| r.points).sum::<i32>();
        again.extend(below);
        *reasons = again;
    }
    rank::sort(&mut scored, groups);
    let names = explain::Names::read(disk);
    let cx = explain::Context { evidence: &c.evidence, disk, names: &names };
    let mut search = fix_pointer::SearchBudget::default();
    let configs = fix_pointer::Configurations::new(&c.command_lines);
    let mut walked: Vec<Vec<u8>> = Vec::new();
    let suspects = scored
        .into_iter()
        .enumerate()
        .map(|(k, (score, i, reasons))| {
            let g = &groups[i];
            let top = k < FIX_POINTERS;
            let explanation = top.then(|| explain::explain(g, i, &cx)).flatten();
            let typo = typos.remove(&i);
            let referenced_from = top
                .then(|| {
                    let read = fix_pointer::Read { opened: c.evidence.opened_before(i), reader: c.evidence.reader(i) };
                    fix_pointer::locate(
                        g,
                        explanation.as_ref(),
                        typo.as_ref().and_then(|t| t.glued(g.target.fs_path()?)),
                        read,
                        c.evidence.argv_before(i),
                        &configs,
                        disk,
                        &mut search,
                    )
                })
                .flatten();
            let usage =
                explanation.as_ref().filter(|_| walk_disk).and_then(|e| what_fills(e, disk, &mut walked, &mut search));
            Ranked {
                group: i,
                path: None,
                score,
                reasons,
                typo,
                referenced_from,
                folded: folded.remove(&i).unwrap_or_default(),
                explanation,
                usage,
            }
        })
        .collect();
    let mut suspects = fold::into_links(fold::after_failed_exec(suspects, groups), groups);
    // the file in the way of an ENOTDIR, as the disk shows it
    for r in &mut suspects {
        if r.path.is_none() && groups[r.group].main_errno() == "ENOTDIR" {
            r.path = groups[r.group].target.fs_path().and_then(|p| not_a_directory(p, disk));
            if r.path.is_some() {
                // the line that named the path names no file in the way
                r.referenced_from = None;
            }
        }
    }
    // symptoms first: a suspect explains what was folded into it too; stable, so equal keys
    // keep the evidence order
    let mut suspects = fold::into_filesystems(fold::into_directories(suspects, groups, disk), groups, disk);
    for r in suspects.iter_mut().filter(|r| r.typo.is_none() && r.explanation.is_none() && !r.folded.below.is_empty()) {
        let g = &groups[r.group];
        let Some(dir) = r.path.as_deref().or_else(|| g.target.fs_path()).filter(|_| g.main_errno() == "ENOENT") else {
            continue;
        };
        let below: Vec<&[u8]> = r.folded.below.iter().filter_map(|&c| groups[c].target.fs_path()).collect();
        r.explanation = explain::moved(dir, &below, !r.folded.elsewhere.is_empty(), &cx);
    }
    // a directory a fold made the suspect: the line naming it (or a path below it); a
    // dangling link was named rightly (see `fold::into_links`)
    let dangling =
        |r: &Ranked| r.explanation.as_ref().is_some_and(|e| matches!(e.what, explain::Explained::DanglingLink { .. }));
    for r in suspects
        .iter_mut()
        .take(FIX_POINTERS)
        .filter(|r| r.referenced_from.is_none() && !r.folded.below.is_empty() && !dangling(r))
    {
        let g = &groups[r.group];
        let Some(dir) = r.path.as_deref().or_else(|| g.target.fs_path()).filter(|_| g.class() == ErrnoClass::Missing)
        else {
            continue;
        };
        let below: Vec<&[u8]> = r.folded.below.iter().filter_map(|&c| groups[c].target.fs_path()).collect();
        let read = fix_pointer::Read { opened: c.evidence.opened_before(r.group), reader: c.evidence.reader(r.group) };
        let argv = c.evidence.argv_before(r.group);
        r.referenced_from = fix_pointer::locate_directory(dir, &below, read, argv, &configs, disk, &mut search);
    }
    let mut by_tier: Vec<(Ranked, Explains, u8)> = suspects
        .into_iter()
        .map(|r| {
            let e = merged_explains(&r, &blamed.by_group);
            let tier = rank::tier(&groups[r.group], Some(&e));
            (r, e, tier)
        })
        .collect();
    by_tier.sort_by_key(|(r, _, tier)| (std::cmp::Reverse(*tier), std::cmp::Reverse(r.score)));
    let ranked: Vec<(i32, u8)> = by_tier.iter().map(|(r, _, tier)| (r.score, *tier)).collect();
    let independent = independent(&by_tier.iter().map(|(_, e, tier)| (e, *tier)).collect::<Vec<_>>());
    let suspects: Vec<Ranked> = by_tier.into_iter().map(|(r, ..)| r).collect();
    // a crash nothing explains is the answer; the failures are footnotes to it
    let crash = !unexplained_crashes.is_empty() && ranked.first().map(|r| r.1) != Some(4);
    let confidence = if crash {
        rank::Confidence::Unclear
    } else {
        rank::confidence(&ranked, independent.len(), !c.blames.records.is_empty())
    };
    Judgement { typo_budget_spent: budget.hit(), noise, confidence, suspects, independent, unexplained_crashes }
}

/// What fills the full filesystem a disk-full explanation found on the live host (its mount
/// known): walked once per mount (`walked`), within what is left of the judgement's disk
/// `budget`, which it is charged to.
fn what_fills(
    e: &Explanation,
    disk: &dyn Disk,
    walked: &mut Vec<Vec<u8>>,
    budget: &mut fix_pointer::SearchBudget,
) -> Option<Usage> {
    let explain::Explained::DiskFull { filesystem: Some(fs), quota: false, .. } = &e.what else { return None };
    if walked.contains(&fs.mount_point) {
        return None;
    }
    walked.push(fs.mount_point.clone());
    let usage = disk.usage(&fs.mount_point, budget.allowance()?)?;
    budget.charge(usage.walked);
    Some(usage)
}

/// The component of `path` that is a file where a directory was needed (ENOTDIR), as the disk
/// shows it.
fn not_a_directory(path: &[u8], disk: &dyn Disk) -> Option<Vec<u8>> {
    let mut end = 1;
    while let Some(i) = path[end..].iter().position(|&c| c == b'/').map(|i| end + i) {
        let prefix = &path[..i];
        match disk.lstat(prefix).map(|m| m.kind) {
            Some(crate::disk::FileKind::Dir) => end = i + 1,
            Some(_) => return Some(prefix.to_vec()),
            None => return None,
        }
    }
    None
}

/// What suspect `r` explains: its own group's symptoms and those of the groups folded into it.
fn merged_explains(r: &Ranked, by_group: &HashMap<usize, Explains>) -> Explains {
    let f = &r.folded;
    let mut out = Explains::default();
    for id in std::iter::once(r.group)
        .chain(f.below.iter().copied())
        .chain(f.elsewhere.iter().copied())
        .chain(f.after_exec.iter().copied())
    {
        if let Some(e) = by_group.get(&id) {
            out.merge(e);
        }
    }
    out
}

/// Suspects (by position) that explain symptoms in processes and requests no suspect before
/// them does: independent problems. A 4xx for a file the client asked for is no problem.
fn independent(suspects: &[(&Explains, u8)]) -> Vec<usize> {
    /// Problems listed side by side at most.
    const MAX: usize = 3;
    let mut seen: std::collections::BTreeSet<(Pid, u64)> = Default::default();
    let mut out = Vec::new();
    for (k, (e, tier)) in suspects.iter().enumerate() {
        if *tier == 0 || e.places.is_empty() {
            continue;
        }
        if e.places.iter().all(|p| !seen.contains(p)) {
            out.push(k);
            if out.len() == MAX {
                break;
            }
        }
        seen.extend(e.places.iter().copied());
    }
    out
}

/// A typo suggestion for group `g`: a missing path close to one that exists on `disk` or in
/// the trace (`known`).
pub(crate) fn typo_of(g: &Failure, known: &KnownPaths, disk: &dyn Disk, budget: &mut typo::Budget) -> Option<Typo> {
    let missing = g.errnos.keys().any(|e| e == "ENOENT" || e == "ENOTDIR");
    g.target.fs_path().filter(|_| missing).and_then(|p| typo::find(p, disk, known, budget))
}

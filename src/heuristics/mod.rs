//! The judgement calls, made once everything is collected: which failures are normal (noise),
//! which names are typos, how suspects are scored and ordered, which file named a wrong path,
//! what explains a suspect (who the process ran as, which directory denied it, ...).
//! Rules come from how programs behave, never from particular paths of a known incident.

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
use crate::disk::Disk;
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
}

pub(crate) struct Judgement {
    /// The typo lookups stopped at their budget: some groups were not looked up.
    pub typo_budget_spent: bool,
    /// By group: why it is normal, if it is.
    pub noise: Vec<Option<Noise>>,
    pub confidence: rank::Confidence,
    /// The other groups, most likely cause first.
    pub suspects: Vec<Ranked>,
}

/// Judges what the analysis collected; `disk` is where typos and fix pointers are looked up.
pub(crate) fn judge(c: &Collected, ignores: &Ignores, disk: &dyn Disk) -> Judgement {
    let groups = &c.failures.groups;
    // noise first, then typos for the most promising of the rest, then scores
    let noise: Vec<Option<Noise>> = groups.iter().map(|g| noise::judge(g, ignores)).collect();
    let mut order: Vec<usize> = (0..groups.len()).filter(|&i| noise[i].is_none()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(rank::score(&groups[i], None).0));
    let mut budget = typo::Budget::default();
    let mut typos: HashMap<usize, Typo> = HashMap::default();
    for &i in order.iter().take(TYPO_LOOKUPS) {
        if let Some(t) = typo_of(&groups[i], &c.evidence.known, disk, &mut budget) {
            typos.insert(i, t);
        }
    }
    let mut scored: Vec<rank::Scored> = order
        .iter()
        .map(|&i| {
            let (score, reasons) = rank::score(&groups[i], typos.get(&i));
            (score, i, reasons)
        })
        .collect();
    rank::sort(&mut scored, groups);
    let (scored, mut folded) = fold::fold(scored, groups);
    let names = explain::Names::read(disk);
    let cx = explain::Context { evidence: &c.evidence, disk, names: &names };
    let mut search = fix_pointer::SearchBudget::default();
    let suspects = scored
        .into_iter()
        .enumerate()
        .map(|(k, (score, i, reasons))| {
            let g = &groups[i];
            let top = k < FIX_POINTERS;
            let explanation = top.then(|| explain::explain(g, i, &cx)).flatten();
            let referenced_from = top
                .then(|| {
                    let (opened, argv) = (c.evidence.opened_before(i), c.evidence.argv_before(i));
                    fix_pointer::locate(g, explanation.as_ref(), opened, argv, disk, &mut search)
                })
                .flatten();
            Ranked {
                group: i,
                path: None,
                score,
                reasons,
                typo: typos.remove(&i),
                referenced_from,
                folded: folded.remove(&i).unwrap_or_default(),
                explanation,
            }
        })
        .collect();
    let suspects = fold::into_links(fold::after_failed_exec(suspects, groups), groups);
    let confidence = rank::confidence(&suspects.iter().map(|s| s.score).collect::<Vec<_>>());
    Judgement { typo_budget_spent: budget.hit(), noise, confidence, suspects }
}

/// A typo suggestion for group `g`: a missing path close to one that exists on `disk` or in
/// the trace (`known`).
pub(crate) fn typo_of(g: &Failure, known: &KnownPaths, disk: &dyn Disk, budget: &mut typo::Budget) -> Option<Typo> {
    let missing = g.errnos.keys().any(|e| e == "ENOENT" || e == "ENOTDIR");
    g.target.fs_path().filter(|_| missing).and_then(|p| typo::find(p, disk, known, budget))
}

//! Which failure explains each symptom, once noise is known: of a symptom's candidates
//! (`analysis::blame`, latest first) the first that is not noise. A failure explains the
//! symptoms that chose it, and only those; this is what ranks suspects (symptoms first, then
//! the evidence about the failure) and what tells independent problems apart.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use super::noise::Noise;
use crate::analysis::blame::{Blame, Blames, SymptomKind};
use crate::analysis::group::Failure;
use crate::errno::may_be_the_cause;
use crate::event::Pid;

/// Places (process, request window) kept per failure, for telling problems apart.
const PLACES: usize = 256;

/// The symptoms one failure explains.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explains {
    /// The crash signal of a process it killed.
    pub killed: Option<String>,
    /// Bad exit statuses, with counts.
    pub exits: BTreeMap<i32, u64>,
    /// Error responses, with counts.
    pub http: BTreeMap<u16, u64>,
    /// Lines of error text.
    pub errors: u64,
    /// Where the symptoms happened.
    pub places: BTreeSet<(Pid, u64)>,
}

impl Explains {
    fn add(&mut self, b: &Blame) {
        match &b.symptom {
            SymptomKind::Killed(signal) => self.killed = Some(signal.clone()),
            SymptomKind::Exit(code) => *self.exits.entry(*code).or_default() += b.count,
            SymptomKind::Http(code) => *self.http.entry(*code).or_default() += b.count,
            SymptomKind::ErrorText => self.errors += b.count,
        }
        if self.places.len() < PLACES {
            self.places.insert((b.pid, b.window));
        }
    }

    /// Adds what `other` explains.
    pub fn merge(&mut self, other: &Explains) {
        self.killed = self.killed.take().or_else(|| other.killed.clone());
        for (code, n) in &other.exits {
            *self.exits.entry(*code).or_default() += n;
        }
        for (code, n) in &other.http {
            *self.http.entry(*code).or_default() += n;
        }
        self.errors += other.errors;
        for p in other.places.iter().take(PLACES.saturating_sub(self.places.len())) {
            self.places.insert(*p);
        }
    }

    /// Error responses of the server's own making (5xx).
    pub fn server_errors(&self) -> u64 {
        self.http.iter().filter(|(c, _)| **c >= 500).map(|(_, n)| n).sum()
    }

    /// Error responses to the client (4xx).
    pub fn client_errors(&self) -> u64 {
        self.http.iter().filter(|(c, _)| (400..500).contains(*c)).map(|(_, n)| n).sum()
    }
}

/// What the symptoms chose.
#[derive(Debug, Default)]
pub(crate) struct Blamed {
    /// By failure group.
    pub by_group: HashMap<usize, Explains>,
    /// Crashes no failure explains: (pid, signal).
    pub unexplained_crashes: Vec<(Pid, String)>,
    /// By kill (index in `Collected::kills`): the symptoms of the resets that followed it.
    pub by_kill: BTreeMap<usize, Explains>,
}

/// Gives each symptom to its cause: the latest candidate that is not noise, or that is noise
/// only because programs provoke its errno on purpose while this one is among those a program
/// does not recover from by itself (see [`may_be_the_cause`]). A reset that followed the kill
/// of its peer gives the symptom to that kill: what the program answered after it was about
/// the connection the kill broke, not about any failure before.
pub(crate) fn resolve(blames: &Blames, groups: &[Failure], noise: &[Option<Noise>]) -> Blamed {
    let mut out = Blamed::default();
    for b in blames.records.iter().filter(|b| !blames.handled(b)) {
        let cause = b.candidates.iter().copied().find(|&id| match &noise[id] {
            None => true,
            Some(Noise::CapabilityProbe { .. }) => may_be_the_cause(groups[id].main_errno()),
            Some(_) => groups[id].after_kill.is_some(),
        });
        if let Some(k) = cause.and_then(|id| groups[id].after_kill.as_ref().filter(|_| noise[id].is_some())) {
            out.by_kill.entry(k.kill).or_default().add(b);
            continue;
        }
        match (cause, &b.symptom) {
            (Some(id), _) => out.by_group.entry(id).or_default().add(b),
            (None, SymptomKind::Killed(signal)) => out.unexplained_crashes.push((b.pid, signal.clone())),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::blame::Candidates;

    fn blames(list: &[(SymptomKind, &[usize])]) -> Blames {
        let mut b = Blames::default();
        for (k, (symptom, candidates)) in list.iter().enumerate() {
            b.add(symptom.clone(), candidates.iter().copied().collect::<Candidates>(), 100, k as u64, None);
        }
        b
    }

    #[test]
    fn the_latest_candidate_that_is_not_noise_explains() {
        let groups = vec![
            Failure::path_example("/srv/app/config.ini", "ENOENT"),
            Failure::path_example("/usr/lib/python3/x.py", "ENOENT"),
        ];
        let noise = vec![None, Some(Noise::SearchPathProbe { found: b"/usr/lib/python3.11/x.py".to_vec() })];
        let b = blames(&[(SymptomKind::Exit(1), &[1, 0]), (SymptomKind::Http(502), &[0])]);
        let r = resolve(&b, &groups, &noise);
        let e = &r.by_group[&0];
        assert_eq!((e.exits.get(&1), e.server_errors()), (Some(&1), 1));
        assert!(!r.by_group.contains_key(&1));
        assert_eq!(e.places.len(), 2);
    }

    #[test]
    fn a_provoked_errno_explains_when_the_program_did_not_recover() {
        let groups = vec![Failure::path_example("/run/app.pid", "EEXIST"), Failure::path_example("/dev/tty", "ENOTTY")];
        let noise = vec![
            Some(Noise::CapabilityProbe { errno: "EEXIST".into() }),
            Some(Noise::CapabilityProbe { errno: "ENOTTY".into() }),
        ];
        let r = resolve(&blames(&[(SymptomKind::Exit(1), &[0])]), &groups, &noise);
        assert!(r.by_group.contains_key(&0));
        let r = resolve(&blames(&[(SymptomKind::Exit(1), &[1])]), &groups, &noise);
        assert!(r.by_group.is_empty());
    }

    #[test]
    fn a_crash_with_no_cause_is_kept() {
        let r = resolve(&blames(&[(SymptomKind::Killed("SIGSEGV".into()), &[])]), &[], &[]);
        assert_eq!(r.unexplained_crashes, vec![(100, "SIGSEGV".to_string())]);
    }
}

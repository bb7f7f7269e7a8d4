//! Likely typos: a missing name compared with what does exist next to it.
//!
//! Evidence comes from the disk (directory listings under `--root`) or from the trace itself
//! (paths it shows existing), so typos are found even on another machine. When the directory
//! itself is missing, the deepest existing ancestor's entries are compared with the first
//! missing component, and the repaired path must exist.

use crate::analysis::evidence::KnownPaths;
use crate::disk::Disk;
use crate::path::{join, split, PATH_MAX};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Disk,
    Trace,
}

/// What the repair changes.
// declared in alphabetical order: candidates of equal distance are tried in this order
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypoKind {
    /// Letter case only (`Config.php` for `config.php`).
    Case,
    /// Any other edit of one or two letters (`utlis.js` for `utils.js`).
    Edit,
    /// The extension only (`.phpp` for `.php`, `.yml` for `.yaml`).
    Extension,
    /// `-`, `_` and `.` swapped (`my_app.conf` for `my-app.conf`).
    Separator,
    /// A `/` left out: a directory and the name below it joined into one (`staticcss` for
    /// `static/css`), as a path made by gluing a prefix without its trailing `/` comes out
    /// (nginx's `alias /srv/app/static;` under `location /static/`, `$dir . $file` in code).
    MissingSlash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typo {
    pub suggestion: Vec<u8>,
    /// Edits between the wrong component and its repair.
    pub distance: usize,
    pub evidence: Evidence,
    pub kind: TypoKind,
    /// True when a directory component, not the file name, was repaired.
    pub in_directory: bool,
}

/// How close a wrong name is to an existing one: (edits, kind), or `None` when not close.
/// Works on bytes without allocating: it runs against every entry of directories that can
/// hold 100k names.
pub fn closeness(wrong: &[u8], good: &[u8]) -> Option<(usize, TypoKind)> {
    if wrong == good || good.is_empty() || wrong.len().abs_diff(good.len()) > 2 {
        return None;
    }
    if wrong.len() == good.len() {
        let unicode_case = || !wrong.is_ascii() && lower(wrong) == lower(good);
        if wrong.eq_ignore_ascii_case(good) || unicode_case() {
            return Some((1, TypoKind::Case));
        }
        let sep = |c: u8| matches!(c, b'-' | b'_' | b'.');
        if wrong.iter().zip(good).all(|(a, b)| a == b || (sep(*a) && sep(*b))) {
            return Some((1, TypoKind::Separator));
        }
    }
    if let (Some((ws, we)), Some((gs, ge))) = (split_ext(wrong), split_ext(good)) {
        const PAIRS: &[(&[u8], &[u8])] = &[(b"yml", b"yaml"), (b"htm", b"html"), (b"jpg", b"jpeg"), (b"tif", b"tiff")];
        if ws == gs && !ws.is_empty() {
            let pair = PAIRS.iter().any(|(x, y)| (we == *x && ge == *y) || (we == *y && ge == *x));
            let d = osa_distance(we, ge);
            if pair || (d <= 2 && d < we.len().max(ge.len())) {
                return Some((d.max(1), TypoKind::Extension));
            }
        }
    }
    let limit = match wrong.len().min(good.len()) {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    if wrong.len().abs_diff(good.len()) > limit || histogram_bound(wrong, good) > limit {
        return None;
    }
    let d = osa_distance(wrong, good);
    (d > 0 && d <= limit).then_some((d, TypoKind::Edit))
}

fn lower(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_lowercase()
}

/// `name.ext` -> (`name`, `ext`) at the last dot.
fn split_ext(n: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = n.iter().rposition(|&c| c == b'.')?;
    Some((&n[..i], &n[i + 1..]))
}

/// A lower bound of the edit distance: each edit changes the byte histogram by at most 2
/// (a transposition by 0).
fn histogram_bound(a: &[u8], b: &[u8]) -> usize {
    let mut h = [0i16; 256];
    for &c in a {
        h[usize::from(c)] += 1;
    }
    for &c in b {
        h[usize::from(c)] -= 1;
    }
    let mut l1 = 0usize;
    for &c in a.iter().chain(b) {
        l1 += usize::from(h[usize::from(c)].unsigned_abs());
        h[usize::from(c)] = 0;
    }
    l1.div_ceil(2)
}

/// Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions) on
/// bytes.
pub fn osa_distance(a: &[u8], b: &[u8]) -> usize {
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n]
}

/// Name comparisons allowed per run: typo lookups stop here, whatever the directories hold
/// (the most promising groups are looked up first).
pub const COMPARISON_BUDGET: u64 = 20_000_000;

/// What is left of [`COMPARISON_BUDGET`] for one run's lookups. A disk lookup counts as one
/// comparison, a name compared as one.
#[derive(Debug, Default)]
pub struct Budget {
    used: u64,
    /// A lookup was refused: some typos were not looked for.
    hit: bool,
}

impl Budget {
    /// Charges `n` comparisons; false once the budget is spent.
    fn charge(&mut self, n: usize) -> bool {
        let used = self.used;
        self.used = used.saturating_add(n as u64);
        let ok = used < COMPARISON_BUDGET;
        self.hit |= !ok;
        ok
    }

    /// A budget of `limit` comparisons instead of [`COMPARISON_BUDGET`] (tests).
    #[cfg(test)]
    fn spent_but(limit: u64) -> Budget {
        Budget { used: COMPARISON_BUDGET.saturating_sub(limit), hit: false }
    }

    /// Whether the budget ran out (some groups were not looked up).
    pub fn hit(&self) -> bool {
        self.hit
    }
}

/// The closest name in `names` (ties: the one keeping the extension, then the first).
fn best<'a>(wrong: &[u8], names: impl Iterator<Item = &'a Vec<u8>>) -> Option<(Vec<u8>, usize, TypoKind)> {
    let mut best: Option<(Vec<u8>, usize, TypoKind)> = None;
    for n in names {
        if let Some((d, kind)) = closeness(wrong, n) {
            let better = match &best {
                None => true,
                Some((b, bd, _)) => d < *bd || (d == *bd && n < b),
            };
            if better {
                best = Some((n.clone(), d, kind));
            }
        }
    }
    best
}

impl Typo {
    /// For a [`TypoKind::MissingSlash`] of `wrong`: the prefix it was glued from, the part of
    /// the suggestion before the `/` that `wrong` lacks (`/srv/app/static` for
    /// `/srv/app/staticcss/x.css`).
    pub fn glued<'a>(&'a self, wrong: &[u8]) -> Option<&'a [u8]> {
        if self.kind != TypoKind::MissingSlash {
            return None;
        }
        let same = self.suggestion.iter().zip(wrong).take_while(|(a, b)| a == b).count();
        (self.suggestion.get(same) == Some(&b'/')).then(|| &self.suggestion[..same])
    }
}

/// Looks for the existing path `path` was probably meant to be.
pub fn find(path: &[u8], disk: &dyn Disk, known: &KnownPaths, budget: &mut Budget) -> Option<Typo> {
    let (dir, name) = split(path)?;
    if name.is_empty() || !budget.charge(1) {
        return None;
    }
    // a directory name the kernel would refuse is not looked up on disk
    let listing = if dir.len() < PATH_MAX { disk.list(dir) } else { None };
    if let Some(listing) = listing {
        if listing.names.iter().any(|n| n == name) {
            return None; // it exists now: not a typo
        }
        if !budget.charge(listing.names.len()) {
            return None;
        }
        if let Some((n, distance, kind)) = best(name, listing.names.iter()) {
            return Some(Typo {
                suggestion: join(dir, &n),
                distance,
                evidence: Evidence::Disk,
                kind,
                in_directory: false,
            });
        }
    } else if let Some(t) = repair_directory(path, disk, budget) {
        return Some(t);
    }
    if let Some(names) = known.names(dir) {
        if !names.contains(name) && budget.charge(names.len()) {
            if let Some((n, distance, kind)) = best(name, names.iter()) {
                return Some(Typo {
                    suggestion: join(dir, &n),
                    distance,
                    evidence: Evidence::Trace,
                    kind,
                    in_directory: false,
                });
            }
        }
    }
    None
}

/// `/var/www/htlm/index.html` -> `/var/www/html/index.html` when that exists.
///
/// Linear in the length of `path`: the deepest existing ancestor is found by a binary search
/// over the ancestors short enough for the kernel (existence is monotone: an ancestor of an
/// existing path exists), each named by a slice of one normal copy of the path.
fn repair_directory(path: &[u8], disk: &dyn Disk, budget: &mut Budget) -> Option<Typo> {
    let path = crate::path::normalize(path);
    // ends[d]: where the ancestor of depth d + 1 ends (`/a` for d = 0, `/a/b` for d = 1, …)
    let ends: Vec<usize> = (1..path.len()).filter(|&i| path[i] == b'/').chain([path.len()]).collect();
    if ends.len() < 2 {
        return None; // a name right under the root: no directory to repair
    }
    let ancestor = |depth: usize| if depth == 0 { &b"/"[..] } else { &path[..ends[depth - 1]] };
    // candidate depths: 0 (the root) ..= deepest, the directory of the file name excluded
    let deepest = ends.len().saturating_sub(2);
    let deepest = (0..=deepest).rev().find(|&d| ancestor(d).len() < PATH_MAX)?;
    // the deepest depth in 0..=deepest whose ancestor exists (the root always does)
    let (mut lo, mut hi) = (0usize, deepest);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if !budget.charge(1) {
            return None;
        }
        if disk.exists(ancestor(mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let depth = lo;
    let listing = disk.list(ancestor(depth))?;
    let start = if depth == 0 { 1 } else { ends[depth - 1] + 1 };
    let missing = &path[start..ends[depth]];
    if listing.names.iter().any(|n| n == missing) {
        return None; // exists but unreadable, or a file: nothing to repair here
    }
    if !budget.charge(listing.names.len()) {
        return None;
    }
    let mut candidates: Vec<(usize, TypoKind, &Vec<u8>)> =
        listing.names.iter().filter_map(|n| closeness(missing, n).map(|(d, k)| (d, k, n))).collect();
    candidates.sort();
    // a `/` left out: an entry the missing name starts with, the rest of the name below it
    let glued = listing.names.iter().filter(|n| n.len() < missing.len() && missing.starts_with(n));
    candidates.extend(glued.map(|n| (1, TypoKind::MissingSlash, n)));
    for (distance, kind, n) in candidates {
        if !budget.charge(1) {
            return None;
        }
        let mut suggestion = Vec::with_capacity(path.len() + n.len() + 1);
        suggestion.extend_from_slice(&path[..start]);
        suggestion.extend_from_slice(n);
        if kind == TypoKind::MissingSlash {
            suggestion.push(b'/');
            suggestion.extend_from_slice(&missing[n.len()..]);
        }
        suggestion.extend_from_slice(&path[ends[depth]..]);
        if disk.exists(&suggestion) {
            return Some(Typo { suggestion, distance, evidence: Evidence::Disk, kind, in_directory: true });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::{NoDisk, RootDisk};

    #[test]
    fn closeness_kinds() {
        assert_eq!(closeness(b"class-wp-locale.phpp", b"class-wp-locale.php"), Some((1, TypoKind::Extension)));
        assert_eq!(closeness(b"app.yml", b"app.yaml"), Some((1, TypoKind::Extension)));
        assert_eq!(closeness(b"Config.php", b"config.php"), Some((1, TypoKind::Case)));
        assert_eq!(closeness(b"my_app.conf", b"my-app.conf"), Some((1, TypoKind::Separator)));
        assert_eq!(closeness(b"utlis.js", b"utils.js"), Some((1, TypoKind::Edit)));
        assert_eq!(closeness(b"lib64", b"lib"), None);
        assert_eq!(closeness(b"ab", b"ac"), None);
        assert_eq!(closeness(b"ledger", b"apt"), None);
        assert_eq!(closeness("Café.txt".as_bytes(), "café.txt".as_bytes()), Some((1, TypoKind::Case)));
        assert_eq!(osa_distance(b"utlis", b"utils"), 1);
        assert_eq!(osa_distance(b"abc", b""), 3);
        assert_eq!(osa_distance(b"kitten", b"sitting"), 3);
    }

    #[test]
    fn sibling_on_disk_and_repaired_directory() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("var/www/html/wp-includes")).unwrap();
        std::fs::write(r.join("var/www/html/wp-includes/class-wp-locale.php"), "").unwrap();
        std::fs::write(r.join("var/www/html/index.html"), "").unwrap();
        let disk = RootDisk::new(r);
        let known = KnownPaths::default();
        let t = find(b"/var/www/html/wp-includes/class-wp-locale.phpp", &disk, &known, &mut Budget::default()).unwrap();
        assert_eq!(t.suggestion, b"/var/www/html/wp-includes/class-wp-locale.php");
        assert_eq!((t.distance, t.evidence), (1, Evidence::Disk));
        let t = find(b"/var/www/htlm/index.html", &disk, &known, &mut Budget::default()).unwrap();
        assert_eq!(t.suggestion, b"/var/www/html/index.html");
        assert!(t.in_directory);
        assert!(find(b"/var/www/htlm/other.html", &disk, &known, &mut Budget::default()).is_none());
        assert!(find(b"/var/www/html/wp-includes/class-wp-locale.php", &disk, &known, &mut Budget::default()).is_none());
        // a `/` left out between a directory and the name below it
        std::fs::create_dir_all(r.join("srv/app/static/css")).unwrap();
        std::fs::write(r.join("srv/app/static/css/main.css"), "").unwrap();
        let wrong = b"/srv/app/staticcss/main.css";
        let t = find(wrong, &disk, &known, &mut Budget::default()).unwrap();
        assert_eq!(t.suggestion, b"/srv/app/static/css/main.css");
        assert_eq!((t.kind, t.distance, t.in_directory), (TypoKind::MissingSlash, 1, true));
        assert_eq!(t.glued(wrong), Some(&b"/srv/app/static"[..]));
        assert!(find(b"/srv/app/staticjs/main.js", &disk, &known, &mut Budget::default()).is_none(), "no js below");
        assert_eq!(Typo { kind: TypoKind::Edit, ..t }.glued(wrong), None);
    }

    /// A disk that counts what it is asked.
    struct Counting<'a>(&'a dyn Disk, std::cell::Cell<u64>);

    impl Disk for Counting<'_> {
        fn list(&self, dir: &[u8]) -> Option<std::rc::Rc<crate::disk::Listing>> {
            self.1.set(self.1.get() + 1);
            assert!(dir.len() < PATH_MAX);
            self.0.list(dir)
        }
        fn exists(&self, path: &[u8]) -> bool {
            self.1.set(self.1.get() + 1);
            self.0.exists(path)
        }
        fn read_regular(&self, path: &[u8], max: usize) -> Option<Vec<u8>> {
            self.0.read_regular(path, max)
        }
        fn lstat(&self, path: &[u8]) -> Option<crate::disk::Meta> {
            self.0.lstat(path)
        }
        fn readlink(&self, path: &[u8]) -> Option<Vec<u8>> {
            self.0.readlink(path)
        }
        fn is_live_host(&self) -> bool {
            self.0.is_live_host()
        }
        fn filesystem(&self, path: &[u8]) -> Option<crate::disk::Filesystem> {
            self.0.filesystem(path)
        }
        fn usage(&self, mount: &[u8], allowance: crate::disk::Allowance) -> Option<crate::disk::Usage> {
            self.0.usage(mount, allowance)
        }
    }

    /// issue 16 item 3: a 500 KB `/a/a/…` path costs a few lookups, not one per component.
    #[test]
    fn issue16_a_deep_failing_path_costs_few_lookups() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("a/a/a")).unwrap();
        let real = RootDisk::new(root.path());
        let deep = b"/a".repeat(250_000);
        for disk in [&real as &dyn Disk, &NoDisk] {
            let counting = Counting(disk, std::cell::Cell::new(0));
            let mut budget = Budget::default();
            assert!(find(&deep, &counting, &KnownPaths::default(), &mut budget).is_none());
            // a binary search over the ancestors shorter than PATH_MAX, then one listing
            assert!(counting.1.get() <= 16, "{} disk lookups", counting.1.get());
            assert!(budget.used <= 16, "{} charged", budget.used);
        }
        // a deep path known to exist is recorded with its nearest ancestors only
        let mut known = KnownPaths::default();
        known.insert(&deep);
        assert!(known.names(&deep[..deep.len() - 2]).is_some());
        assert!(known.names(b"/").is_none());
    }

    /// issue 16 item 3: once the budget is spent, lookups stop and say so.
    #[test]
    fn issue16_the_typo_budget_stops_lookups_and_says_so() {
        let mut known = KnownPaths::default();
        known.insert(b"/srv/app/config.yaml");
        let mut budget = Budget::spent_but(1);
        assert!(find(b"/srv/app/config.yml", &NoDisk, &known, &mut budget).is_none());
        assert!(budget.hit());
        let mut budget = Budget::default();
        assert!(find(b"/srv/app/config.yml", &NoDisk, &known, &mut budget).is_some());
        assert!(!budget.hit());
    }

    #[test]
    fn trace_evidence_without_disk() {
        let mut known = KnownPaths::default();
        known.insert(b"/srv/app/config.yaml");
        let t = find(b"/srv/app/config.yml", &NoDisk, &known, &mut Budget::default()).unwrap();
        assert_eq!((t.suggestion.as_slice(), t.evidence), (&b"/srv/app/config.yaml"[..], Evidence::Trace));
        assert!(known.names(b"/srv").is_some_and(|n| n.contains(&b"app"[..])));
    }
}

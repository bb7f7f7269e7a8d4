//! Failures that follow from another one are shown with it, not as its rivals: the paths below
//! a directory that is missing, the same name looked for in other directories along a search
//! path (PHP's include_path, Python's sys.path, PATH, the loader) or with other suffixes (a
//! runtime's module lookup), what a process failed on
//! after its exec of a program failed, and the paths that run through one dangling symlink
//! (which becomes the suspect).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::explain::Explained;
use super::fix_pointer::Reference;
use super::rank::{Reason, Scored, Why, WEIGHTS};
use super::Ranked;
use crate::analysis::group::Failure;
use crate::disk::{Disk, FileKind};
use crate::errno::{classify, ErrnoClass};
use crate::event::Pid;
use crate::path::{is_system_tree, split};
use crate::syscalls::{self, Does};

/// Search-path probes of one name are this close in the trace (lines).
const PROBE_SPAN: u64 = 200;

/// What was folded into a suspect.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Folded {
    /// Groups of paths below it (it is a missing directory).
    pub below: Vec<usize>,
    /// Groups of the same name in other directories of a search path.
    pub elsewhere: Vec<usize>,
    /// Groups the same process failed after this failed exec (a shell's fallback).
    pub after_exec: Vec<usize>,
}

fn missing(g: &Failure) -> bool {
    classify(g.main_errno()) == ErrnoClass::Missing
}

/// Folds consequences into their cause; returns the suspects left (to be sorted again: a
/// suspect explains what was folded into it too), and what each holds. A suspect with paths below it gains [`WEIGHTS`]`.paths_below`.
pub(crate) fn fold(scored: Vec<Scored>, groups: &[Failure]) -> (Vec<Scored>, HashMap<usize, Folded>) {
    let by_path: HashMap<&[u8], usize> =
        scored.iter().filter_map(|(_, i, _)| Some((groups[*i].target.fs_path()?, *i))).collect();
    let mut folded: HashMap<usize, Folded> = HashMap::default();
    let mut gone: HashSet<usize> = HashSet::default();
    // only an ancestor as long as some failing path can be one: a deep path (`/a/a/…`) is
    // walked in one pass, without hashing each of its ancestors
    let lengths: HashSet<usize> = by_path.keys().map(|p| p.len()).collect();
    // below a missing directory: the deepest failing ancestor takes it
    let mut holder: HashMap<usize, usize> = HashMap::default();
    for (_, i, _) in &scored {
        let Some(path) = groups[*i].target.fs_path() else { continue };
        let mut dir = path;
        while let Some((parent, _)) = split(dir).filter(|(p, _)| p.len() > 1) {
            dir = parent;
            if !lengths.contains(&dir.len()) {
                continue;
            }
            if let Some(&a) = by_path.get(dir).filter(|&&a| missing(&groups[a])) {
                folded.entry(a).or_default().below.push(*i);
                gone.insert(*i);
                holder.insert(*i, a);
                break;
            }
        }
    }
    let order = search_order(&scored, groups);
    // one name along a search path; then one stem tried with several suffixes (`utlis`,
    // `utlis.js`, `utlis.json`, `utlis.node`; `x.cpython-311.so`, `x.abi3.so`, `x.py`;
    // `Hires.pmc`, `Hires.pm`), in one directory or along a search path: one lookup
    let name = |p: &[u8]| -> Option<Vec<u8>> { split(p).map(|(_, n)| n.to_vec()) };
    let stem = |p: &[u8]| -> Option<Vec<u8>> {
        let (_, n) = split(p)?;
        Some(n[..n.iter().position(|&c| c == b'.').unwrap_or(n.len())].to_vec()).filter(|s| !s.is_empty())
    };
    for key in [&name as &dyn Fn(&[u8]) -> Option<Vec<u8>>, &stem] {
        let mut first_of: HashMap<Vec<u8>, usize> = HashMap::default();
        for &(i, configured) in &order {
            let g = &groups[i];
            let Some(k) = g.target.fs_path().and_then(key) else { continue };
            if !missing(g) {
                continue;
            }
            // a probe below a missing directory the program was configured with may lead its
            // search (through the directory), never follow another member
            let below = configured && holder.contains_key(&i);
            if gone.contains(&i) && !below {
                continue;
            }
            match first_of.get(&k) {
                // a configured directory gone leads only the system's directories after it
                Some(&a) if !below && configured && holder.contains_key(&a) => {}
                Some(&a) if !below && probes_of_one_name(&groups[a], g) => {
                    let into = holder.get(&a).copied().unwrap_or(a);
                    folded.entry(into).or_default().elsewhere.push(i);
                    gone.insert(i);
                }
                Some(_) => {}
                None => {
                    first_of.insert(k, i);
                }
            }
        }
    }
    let mut out: Vec<Scored> = scored.into_iter().filter(|(_, i, _)| !gone.contains(i)).collect();
    for (score, i, reasons) in &mut out {
        let Some(children) = folded.get(i).map(|f| &f.below).filter(|b| !b.is_empty()) else { continue };
        let failures: u64 = children.iter().map(|&c| groups[c].count).sum();
        *score += WEIGHTS.paths_below;
        reasons.push(Reason { why: Why::PathsBelow { paths: children.len(), failures }, points: WEIGHTS.paths_below });
    }
    (out, folded)
}

/// After a failed exec the process still runs the old program: a shell's child says "not found"
/// and exits, or, given a file that is no program (ENOEXEC), runs it as a shell script and looks
/// its lines up as commands along PATH. What the same process fails on after that follows from
/// it: each such suspect folds, with what it holds, into the earliest failed exec before it in
/// its process (all its pids the exec's, in the same input), which gains
/// [`WEIGHTS`]`.after_exec`. A file without `#!` run by sh is a shell script by design, so an
/// ENOEXEC takes its consequences only when its explanation shows a misplaced `#!` line.
pub(crate) fn after_failed_exec(mut suspects: Vec<Ranked>, groups: &[Failure]) -> Vec<Ranked> {
    let ends_program = |r: &Ranked| {
        let g = &groups[r.group];
        let meant = g.main_errno() != "ENOEXEC"
            || r.explanation.as_ref().is_some_and(|e| matches!(e.what, Explained::BadInterpreter { .. }));
        g.execs() && meant
    };
    let line = |k: usize| groups[suspects[k].group].first.line;
    let mut order: Vec<usize> = (0..suspects.len()).collect();
    order.sort_by_key(|&k| line(k));
    // the failed execs of each process, earliest first (a trace without pids has one process)
    let mut causes: HashMap<Option<Pid>, Vec<usize>> = HashMap::default();
    for &k in order.iter().filter(|&&k| ends_program(&suspects[k])) {
        let pids = &groups[suspects[k].group].pids;
        if pids.is_empty() {
            causes.entry(None).or_default().push(k);
        }
        for &p in pids {
            causes.entry(Some(p)).or_default().push(k);
        }
    }
    if causes.is_empty() {
        return suspects;
    }
    let mut gone = vec![false; suspects.len()];
    for k in order {
        let f = &groups[suspects[k].group];
        let Some(of_process) = causes.get(&f.pids.first().copied()) else { continue };
        let cause = of_process.iter().copied().find(|&c| {
            let g = &groups[suspects[c].group];
            c != k
                && !gone[c]
                && g.first.source == f.first.source
                && g.first.line < f.first.line
                && f.pids.iter().all(|p| g.pids.contains(p))
        });
        let Some(c) = cause else { continue };
        gone[k] = true;
        let held = std::mem::take(&mut suspects[k].folded);
        let group = suspects[k].group;
        let to = &mut suspects[c].folded.after_exec;
        to.push(group);
        to.extend(held.below.into_iter().chain(held.elsewhere).chain(held.after_exec));
    }
    let mut out: Vec<Ranked> = suspects.into_iter().zip(gone).filter(|(_, g)| !g).map(|(r, _)| r).collect();
    for r in out.iter_mut().filter(|r| !r.folded.after_exec.is_empty()) {
        let failures = r.folded.after_exec.iter().map(|&c| groups[c].count).sum();
        r.score += WEIGHTS.after_exec;
        r.reasons.push(Reason { why: Why::AfterExec { failures }, points: WEIGHTS.after_exec });
    }
    // stable: equal scores keep the order [`rank::sort`] gave them
    out.sort_by_key(|r| std::cmp::Reverse(r.score));
    out
}

/// Suspects whose paths run through one dangling symlink (their explanation, made on the disk)
/// are one suspect about the link: the best ranked takes the others, its own failing path
/// heads the paths below the link, it gains [`WEIGHTS`]`.dangling_link`, and it has no fix
/// pointer (the path was named rightly; the link needs a target).
pub(crate) fn into_links(suspects: Vec<Ranked>, groups: &[Failure]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = Vec::with_capacity(suspects.len());
    let mut by_link: HashMap<Vec<u8>, usize> = HashMap::default();
    for mut r in suspects {
        let Some(Explained::DanglingLink { link, .. }) = r.explanation.as_ref().map(|e| &e.what) else {
            out.push(r);
            continue;
        };
        match by_link.get(link) {
            Some(&k) => {
                let to = &mut out[k].folded;
                to.below.push(r.group);
                to.below.append(&mut r.folded.below);
                to.elsewhere.append(&mut r.folded.elsewhere);
            }
            None => {
                by_link.insert(link.clone(), out.len());
                r.path = Some(link.clone());
                // the path was named rightly: the line naming it is no fix, the link is
                r.referenced_from = None;
                r.folded.below.insert(0, r.group);
                r.score += WEIGHTS.dangling_link;
                r.reasons.push(Reason { why: Why::DanglingLink, points: WEIGHTS.dangling_link });
                out.push(r);
            }
        }
    }
    for r in out.iter_mut().filter(|r| r.path.is_some()) {
        count_paths_below(r, groups);
    }
    // stable: equal scores keep the order [`rank::sort`] gave them
    out.sort_by_key(|r| std::cmp::Reverse(r.score));
    out
}

/// Sets suspect `r`'s `paths_below` reason to what is folded below it now, giving
/// [`WEIGHTS`]`.paths_below` the first time.
fn count_paths_below(r: &mut Ranked, groups: &[Failure]) {
    let failures: u64 = r.folded.below.iter().map(|&c| groups[c].count).sum();
    let why = Why::PathsBelow { paths: r.folded.below.len(), failures };
    match r.reasons.iter_mut().find(|x| matches!(x.why, Why::PathsBelow { .. })) {
        Some(reason) => reason.why = why,
        None => {
            r.score += WEIGHTS.paths_below;
            r.reasons.push(Reason { why, points: WEIGHTS.paths_below });
        }
    }
}

/// Whether the directory holding `g`'s path refuses it as it refuses any name: its filesystem is
/// read-only, full or over quota, or it denies creating a file in it.
fn refused_by_directory(g: &Failure) -> bool {
    // refused a file that was not there: a create
    let creates = || {
        crate::bytes::contains(g.sample.as_bytes(), b"O_CREAT")
            || g.errnos.contains_key("ENOENT")
            || g.syscalls.keys().any(|s| syscalls::info(s.as_bytes()).does.has(Does::CREATE))
    };
    match g.main_errno() {
        "EROFS" | "ENOSPC" | "EDQUOT" => true,
        "EACCES" | "EPERM" => creates(),
        _ => false,
    }
}

/// Suspects shown by the same path, refused alike by one directory (two names or more of it,
/// see [`refused_by_directory`]), or missing below one missing directory of `disk` (see
/// [`missing_directory`]), are one suspect about it: the best ranked takes the others, its own
/// failing path heads the paths below, and it is named by the directory.
pub(crate) fn into_directories(suspects: Vec<Ranked>, groups: &[Failure], disk: &dyn Disk) -> Vec<Ranked> {
    let dir_of = |r: &Ranked| -> Option<Vec<u8>> {
        if let Some(p) = &r.path {
            return Some(p.clone());
        }
        let g = &groups[r.group];
        if let Some((dir, _)) = g.target.fs_path().filter(|_| refused_by_directory(g)).and_then(split) {
            return Some(dir.to_vec());
        }
        missing_directory(g, disk)
    };
    let mut members: HashMap<Vec<u8>, usize> = HashMap::default();
    for r in &suspects {
        if let Some(d) = dir_of(r) {
            *members.entry(d).or_default() += 1;
        }
    }
    let mut out: Vec<Ranked> = Vec::with_capacity(suspects.len());
    let mut by_dir: HashMap<Vec<u8>, usize> = HashMap::default();
    for mut r in suspects {
        let Some(dir) = dir_of(&r).filter(|d| members.get(d).is_some_and(|&n| n >= 2)) else {
            out.push(r);
            continue;
        };
        match by_dir.get(&dir) {
            Some(&k) => {
                let to = &mut out[k].folded;
                to.below.push(r.group);
                to.below.append(&mut r.folded.below);
                to.elsewhere.append(&mut r.folded.elsewhere);
            }
            None => {
                by_dir.insert(dir.clone(), out.len());
                if r.path.is_none() {
                    r.folded.below.insert(0, r.group);
                    // a line naming one file of it is no fix for the directory
                    keep_if_place_above(&mut r.referenced_from, &dir);
                }
                r.path = Some(dir);
                out.push(r);
            }
        }
    }
    for r in out.iter_mut().filter(|r| r.path.is_some() && r.folded.below.len() > 1) {
        count_paths_below(r, groups);
    }
    out
}

/// Suspects that their filesystem refused alike (read-only, full, over quota: `EROFS`, `ENOSPC`,
/// `EDQUOT`) are one suspect about the place the filesystem is mounted at, when a mount table
/// shows it (see [`Disk::mount`]; not `/`, which holds everything): a filesystem is full or
/// read-only as a whole, not directory by directory. Without a mount table, those in several
/// directories below one directory are one suspect about that directory (nginx's body buffers
/// in `client_body_temp/2/00`, `3/00`, ...), not above a directory of two components
/// (`/srv/app`): `/var` or `/` may hold several filesystems.
pub(crate) fn into_filesystems(suspects: Vec<Ranked>, groups: &[Failure], disk: &dyn Disk) -> Vec<Ranked> {
    let errno = |r: &Ranked| Some(groups[r.group].main_errno()).filter(|e| matches!(*e, "EROFS" | "ENOSPC" | "EDQUOT"));
    let place = |r: &Ranked| -> Option<Vec<u8>> {
        r.path.clone().or_else(|| Some(split(groups[r.group].target.fs_path()?)?.0.to_vec()))
    };
    let mounted: Vec<Option<Vec<u8>>> = suspects
        .iter()
        .map(|r| {
            let path = groups[r.group].target.fs_path().filter(|_| errno(r).is_some())?;
            // a device (`/dev/full`) or a kernel file refuses on its own, not its filesystem
            let kernel = [&b"/dev/"[..], b"/proc/", b"/sys/"].iter().any(|p| path.starts_with(p));
            let file = |k: FileKind| matches!(k, FileKind::File | FileKind::Dir | FileKind::Symlink);
            if kernel || disk.lstat(path).is_some_and(|m| !file(m.kind)) {
                return None;
            }
            disk.mount(path).map(|m| m.mount_point).filter(|m| m.as_slice() != b"/")
        })
        .collect();
    let mut common: HashMap<String, (Vec<u8>, usize)> = HashMap::default();
    for (r, _) in suspects.iter().zip(&mounted).filter(|(_, m)| m.is_none()) {
        if let (Some(e), Some(p)) = (errno(r), place(r)) {
            let c = common.entry(e.to_string()).or_insert_with(|| (p.clone(), 0));
            c.0 = common_dir(&c.0, &p);
            c.1 += 1;
        }
    }
    common.retain(|_, (dir, n)| *n >= 2 && dir.split(|&c| c == b'/').filter(|s| !s.is_empty()).count() >= 2);
    let mut out: Vec<Ranked> = Vec::with_capacity(suspects.len());
    let mut head: HashMap<(String, Vec<u8>), usize> = HashMap::default();
    for (mut r, mount) in suspects.into_iter().zip(mounted) {
        let dir = match (errno(&r), mount) {
            (Some(e), Some(m)) => Some((e.to_string(), m)),
            (Some(e), None) => common.get(e).map(|c| (e.to_string(), c.0.clone())),
            (None, _) => None,
        };
        let Some(key) = dir else {
            out.push(r);
            continue;
        };
        match head.get(&key) {
            Some(&k) => {
                let to = &mut out[k].folded;
                if r.path.is_none() {
                    to.below.push(r.group);
                }
                to.below.append(&mut r.folded.below);
                to.elsewhere.append(&mut r.folded.elsewhere);
            }
            None => {
                let dir = key.1.clone();
                head.insert(key, out.len());
                if r.path.is_none() {
                    r.folded.below.insert(0, r.group);
                    keep_if_place_above(&mut r.referenced_from, &dir);
                }
                r.path = Some(dir);
                out.push(r);
            }
        }
    }
    for &k in head.values() {
        count_paths_below(&mut out[k], groups);
    }
    out
}

/// The order in which members of a search may lead it: a member whose name is one edit from
/// what exists first (the name is what is wrong), then members in directories the program was
/// configured with (RUNPATH, `LD_LIBRARY_PATH`, `PYTHONPATH`, an include path: not a system
/// tree) before those in the system's default directories, which every search ends with (the
/// loader's `/lib` and `/usr/lib`, Python's own library, PATH's `/usr/bin`): the search is
/// judged on the name its configuration gave. Else the evidence order. Each member with
/// whether it is in a configured directory.
fn search_order(scored: &[Scored], groups: &[Failure]) -> Vec<(usize, bool)> {
    let fallback =
        |i: usize| groups[i].target.fs_path().and_then(split).is_none_or(|(dir, _)| searched_by_default(dir));
    let typo = |reasons: &[Reason]| reasons.iter().any(|r| matches!(r.why, Why::Typo { .. }));
    let mut order: Vec<(bool, bool, usize)> = scored.iter().map(|(_, i, r)| (!typo(r), fallback(*i), *i)).collect();
    order.sort_by_key(|&(t, f, _)| (t, f));
    order.into_iter().map(|(_, f, i)| (i, !f)).collect()
}

/// Directories a search looks in whatever it was configured with: the system trees, and
/// `/usr/local`'s (the loader's `/usr/local/lib` from ld.so.conf, Perl's `site_perl`, PATH's
/// `/usr/local/bin`, Python's `dist-packages`).
fn searched_by_default(dir: &[u8]) -> bool {
    const LOCAL: &[&[u8]] = &[b"/usr/local/lib", b"/usr/local/share/", b"/usr/local/bin", b"/usr/local/sbin"];
    // the trees are prefixes of paths below them (`/usr/bin/`)
    let dir = [dir, b"/"].concat();
    is_system_tree(&dir) || LOCAL.iter().any(|p| dir.starts_with(p))
}

/// The deepest directory holding both `a` and `b` (directories themselves).
fn common_dir(a: &[u8], b: &[u8]) -> Vec<u8> {
    let (a, b) = (a.strip_suffix(b"/").unwrap_or(a), b.strip_suffix(b"/").unwrap_or(b));
    if a == b {
        return a.to_vec();
    }
    let n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    // whole components only: `/srv/a` and `/srv/ab` share `/srv`
    let whole = |k: usize| k == a.len() && b.get(k) == Some(&b'/') || k == b.len() && a.get(k) == Some(&b'/');
    let end = if whole(n) { n } else { a[..n].iter().rposition(|&c| c == b'/').unwrap_or(0) };
    if end == 0 {
        b"/".to_vec()
    } else {
        a[..end].to_vec()
    }
}

/// Two failures of one name in different directories, by one process (a trace without pids
/// has one), close together.
fn probes_of_one_name(a: &Failure, b: &Failure) -> bool {
    let one_process = a.pids.iter().any(|p| b.pids.contains(p)) || (a.pids.is_empty() && b.pids.is_empty());
    one_process && a.first.line.abs_diff(b.first.line) <= PROBE_SPAN
}

/// The directory a missing path lies below that is missing itself while its parent exists on
/// the disk (`/srv/app/build` for `/srv/app/build/index.html`): every path through it fails,
/// so the directory, not one of its files, is what is wrong. Only for a failure the process
/// answered with an error (a search's probes of directories that may not exist are not) and
/// not below a system tree.
fn missing_directory(g: &Failure, disk: &dyn Disk) -> Option<Vec<u8>> {
    let path = g.target.fs_path().filter(|_| g.main_errno() == "ENOENT" && g.reactions.is_failure_reaction())?;
    if is_system_tree(path) {
        return None;
    }
    let mut dir = split(path)?.0;
    let mut missing = None;
    while dir.len() > 1 && !disk.exists(dir) {
        missing = Some(dir);
        dir = split(dir)?.0;
    }
    // the parent must be seen to exist: a disk that shows nothing (--no-disk) proves nothing
    missing.filter(|_| dir.len() > 1 && disk.exists(dir)).map(<[u8]>::to_vec)
}

/// Keeps a pointer to a line that names `dir` or a directory above it (the place the files
/// were made in); a line naming one file below it is no fix for the directory.
fn keep_if_place_above(reference: &mut Option<Reference>, dir: &[u8]) {
    let above = |p: &[u8]| dir.starts_with(p) && (dir.len() == p.len() || dir[p.len()] == b'/');
    if !matches!(reference, Some(Reference::File { place: Some(p), .. }) if above(p.as_bytes())) {
        *reference = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_two_directories_share() {
        let c = |a: &str, b: &str| String::from_utf8(common_dir(a.as_bytes(), b.as_bytes())).unwrap();
        assert_eq!(c("/srv/nginx-body/2/00", "/srv/nginx-body/3/00"), "/srv/nginx-body");
        assert_eq!(c("/srv/a", "/srv/ab"), "/srv");
        assert_eq!(c("/srv/a", "/srv/a/b"), "/srv/a");
        assert_eq!(c("/srv/a/b", "/srv/a"), "/srv/a");
        assert_eq!(c("/var/x", "/srv/y"), "/");
    }
    use crate::heuristics::rank;

    fn scored(groups: &[Failure]) -> Vec<Scored> {
        let mut s: Vec<Scored> =
            (0..groups.len()).map(|i| (rank::score(&groups[i], None, None).0, i, Vec::new())).collect();
        rank::sort(&mut s, groups);
        s
    }

    #[test]
    fn paths_below_a_missing_directory_fold_into_it() {
        let groups = vec![
            Failure::path_example("/var/www/htlm", "ENOENT"),
            Failure::path_example("/var/www/htlm/index.html", "ENOENT"),
            Failure::path_example("/var/www/htlm/css/a.css", "ENOENT"),
            Failure::path_example("/var/www/html/b.css", "ENOENT"),
        ];
        let (out, folded) = fold(scored(&groups), &groups);
        assert_eq!(out.iter().map(|s| s.1).collect::<Vec<_>>(), [0, 3]);
        assert_eq!(out[0].2, [Reason { why: Why::PathsBelow { paths: 2, failures: 2 }, points: 10 }]);
        assert_eq!(folded[&0].below, [1, 2]);
    }

    #[test]
    fn a_denied_directory_is_not_a_missing_one() {
        let groups =
            vec![Failure::path_example("/srv/app/data", "EACCES"), Failure::path_example("/srv/app/data/x", "ENOENT")];
        let (out, _) = fold(scored(&groups), &groups);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn one_name_along_a_search_path_is_one_suspect() {
        let mut groups = vec![
            Failure::path_example("/var/www/html/wp-includes/x.phpp", "ENOENT"),
            Failure::path_example("/usr/share/php/wp-includes/x.phpp", "ENOENT"),
            Failure::path_example("/srv/other/x.phpp", "ENOENT"),
        ];
        groups[0].first.line = 100;
        groups[1].first.line = 101;
        groups[2].first.line = 9000;
        let (out, folded) = fold(scored(&groups), &groups);
        assert_eq!(out.iter().map(|s| s.1).collect::<Vec<_>>(), [0, 2], "far apart: another failure");
        assert_eq!(folded[&0].elsewhere, [1]);
    }

    /// The loader looks for a library in the binary's RUNPATH, then in the system's
    /// directories: the RUNPATH directory being gone is the search's cause, and the system's
    /// directories it ends with fold into it, however the scores order them.
    #[test]
    fn a_configured_search_directory_gone_leads_the_search() {
        let mut groups = vec![
            Failure::path_example("/usr/lib/libpricing.so.3", "ENOENT"),
            Failure::path_example("/opt/pricer/lib", "ENOENT"),
            Failure::path_example("/opt/pricer/lib/libpricing.so.3", "ENOENT"),
            Failure::path_example("/lib/libpricing.so.3", "ENOENT"),
            Failure::path_example("/srv/other/lib/libpricing.so.3", "ENOENT"),
        ];
        for (k, g) in groups.iter_mut().enumerate() {
            g.first.line = [188, 40, 39, 151, 60][k];
        }
        let mut s = scored(&groups);
        // the last failure before the exit scores highest
        s.iter_mut().find(|x| x.1 == 0).unwrap().0 += 100;
        rank::sort(&mut s, &groups);
        let (out, folded) = fold(s, &groups);
        assert_eq!(folded[&1].below, [2]);
        assert_eq!(folded[&1].elsewhere, [0, 3], "the system's directories, not another configured one");
        assert_eq!(out.iter().map(|s| s.1).collect::<Vec<_>>(), [1, 4]);
    }

    /// PHP's include_path `.:/usr/share/php`: the application's directory leads the search
    /// even when the system directory's probe came last before the error (and scored more);
    /// a name one edit from what exists leads whatever its directory.
    #[test]
    fn the_configured_directory_leads_unless_another_member_is_a_typo() {
        let groups = vec![
            Failure::path_example("/usr/share/php/lib/x.php", "ENOENT"),
            Failure::path_example("/var/www/html/lib/x.php", "ENOENT"),
        ];
        let mut s = scored(&groups);
        s.iter_mut().find(|x| x.1 == 0).unwrap().0 += 100;
        rank::sort(&mut s, &groups);
        let (out, folded) = fold(s.clone(), &groups);
        assert_eq!((out.len(), folded[&1].elsewhere.as_slice()), (1, &[0][..]));
        let typo = Why::Typo {
            kind: crate::heuristics::typo::TypoKind::Edit,
            suggestion: b"/usr/share/php/lib/y.php".to_vec(),
            evidence: crate::heuristics::typo::Evidence::Disk,
            distance: 1,
        };
        s.iter_mut().find(|x| x.1 == 0).unwrap().2.push(Reason { why: typo, points: 40 });
        let (_, folded) = fold(s, &groups);
        assert_eq!(folded[&0].elsewhere, [1]);
    }
}

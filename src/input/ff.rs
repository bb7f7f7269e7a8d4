//! Spotting `strace -ff -o NAME` sets: files named `NAME.PID` hold the lines of one pid each,
//! without a pid prefix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Input;
use crate::event::Pid;
use crate::memory;

/// Turns command-line names into inputs. `-` is stdin. `NAME` that does not exist but has
/// `NAME.PID` files beside it becomes that set; files named `X.PID` given together (a shell glob)
/// or lying beside other `X.PID` files get their pid from the suffix. A set keeps the names of
/// its [`memory::SET_FILES`] lowest pids; the others are counted, never named (a directory of
/// a million files costs no more than one the set can read).
pub fn expand(names: &[String]) -> Vec<Input> {
    expand_within(names, memory::SET_FILES)
}

/// [`expand`], keeping at most `most` names of a set found by its prefix.
pub(crate) fn expand_within(names: &[String], most: usize) -> Vec<Input> {
    let mut out = Vec::new();
    let mut next_set = 0;
    // a set checked once per prefix: a glob of 10,000 `X.PID` files reads their directory
    // once, not once per file
    let mut is_set: std::collections::HashMap<PathBuf, bool> = std::collections::HashMap::new();
    for name in names {
        if name == "-" {
            out.push(Input::stdin());
            continue;
        }
        // a file named like strace's pipe keeps a name of its own (see `report::Origin`)
        let path = if name == super::STRACE_NAME { Path::new(".").join(name) } else { PathBuf::from(name) };
        if !path.exists() {
            let (members, unlisted) = set_members(&path, most);
            if !members.is_empty() {
                let first = out.len();
                for (pid, p) in members {
                    out.push(Input { path: Some(p), pid: Some(pid), set: Some(next_set), unlisted: 0 });
                }
                out[first].unlisted = unlisted;
                next_set += 1;
                continue;
            }
        }
        let pid = split_pid(&path)
            .filter(|(prefix, _)| *is_set.entry(prefix.clone()).or_insert_with(|| has_members(prefix, 2)));
        let set = pid.as_ref().map(|(prefix, _)| prefix.clone());
        out.push(Input { path: Some(path), pid: pid.map(|(_, p)| p), set: set.map(|_| usize::MAX), unlisted: 0 });
    }
    number_glob_sets(&mut out, next_set);
    out
}

/// Gives members of the same `X.PID` set given one by one a common set number.
fn number_glob_sets(inputs: &mut [Input], mut next_set: usize) {
    let mut by_prefix: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for input in inputs.iter_mut().filter(|i| i.set == Some(usize::MAX)) {
        let prefix = input.path.as_deref().and_then(split_pid).map(|(p, _)| p).unwrap_or_default();
        let id = *by_prefix.entry(prefix).or_insert_with(|| {
            next_set += 1;
            next_set - 1
        });
        input.set = Some(id);
    }
}

/// `dir/trace.1234` -> (`dir/trace`, 1234).
fn split_pid(path: &Path) -> Option<(PathBuf, Pid)> {
    let name = path.file_name()?.to_str()?;
    let (prefix, suffix) = name.rsplit_once('.')?;
    if prefix.is_empty() || suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid = suffix.parse().ok()?;
    Some((path.with_file_name(prefix), pid))
}

/// Calls `found` with each `PREFIX.PID` file beside `prefix` (in directory order) until it
/// says stop.
fn each_member(prefix: &Path, found: &mut dyn FnMut(Pid, PathBuf) -> bool) {
    let Some(stem) = prefix.file_name().and_then(|s| s.to_str()) else { return };
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let p = prefix.with_file_name(entry.file_name());
        if let Some((pre, pid)) = split_pid(&p) {
            if pre.file_name().and_then(|s| s.to_str()) == Some(stem) && p.is_file() && !found(pid, p) {
                return;
            }
        }
    }
}

/// The `PREFIX.PID` files beside `prefix` with the `most` lowest pids (the processes a trace
/// started first, its root among them), by pid, and how many others there are.
fn set_members(prefix: &Path, most: usize) -> (BTreeMap<Pid, PathBuf>, u64) {
    let mut out = BTreeMap::new();
    let mut others = 0u64;
    each_member(prefix, &mut |pid, p| {
        out.insert(pid, p);
        if out.len() > most {
            out.pop_last();
            others += 1;
        }
        true
    });
    (out, others)
}

/// Whether `prefix` has at least `n` `PREFIX.PID` files beside it (the listing stops there).
fn has_members(prefix: &Path, n: usize) -> bool {
    let mut seen = 0;
    each_member(prefix, &mut |_, _| {
        seen += 1;
        seen < n
    });
    seen >= n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_from_prefix_and_from_glob() {
        let dir = tempfile::tempdir().unwrap();
        for pid in [12, 9, 100] {
            std::fs::write(dir.path().join(format!("t.{pid}")), "x\n").unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), "x\n").unwrap();
        let prefix = dir.path().join("t").display().to_string();
        let got = expand(&[prefix]);
        assert_eq!(got.iter().map(|i| i.pid).collect::<Vec<_>>(), vec![Some(9), Some(12), Some(100)]);
        assert!(got.iter().all(|i| i.set == Some(0)));

        let glob: Vec<String> =
            [12, 9].iter().map(|p| dir.path().join(format!("t.{p}")).display().to_string()).collect();
        let got = expand(&glob);
        assert_eq!(got.iter().map(|i| i.pid).collect::<Vec<_>>(), vec![Some(12), Some(9)]);
        assert_eq!(got[0].set, got[1].set);

        let plain = expand(&[dir.path().join("other.txt").display().to_string(), "-".into()]);
        assert_eq!(plain[0].pid, None);
        assert_eq!(plain[1], Input::stdin());
    }

    /// issue 22 item 2: a set of 100,000 files listed within a cap of 10,000 names keeps the
    /// 10,000 lowest pids and counts the 90,000 others, on its first input; under the
    /// default cap (100,000) all are listed. A glob's membership check reads two names.
    #[test]
    fn issue22_item2_the_listing_of_a_set_stops_at_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        for pid in 1..=100_000 {
            std::fs::write(dir.path().join(format!("t.{pid}")), "").unwrap();
        }
        let prefix = dir.path().join("t").display().to_string();
        let got = expand_within(std::slice::from_ref(&prefix), 10_000);
        assert_eq!(got.len(), 10_000);
        assert_eq!((got[0].pid, got[9_999].pid), (Some(1), Some(10_000)));
        assert_eq!(got.iter().map(|i| i.unlisted).collect::<Vec<_>>()[..2], [90_000, 0]);
        let all = expand(&[prefix]);
        assert_eq!((all.len(), all[0].unlisted), (100_000, 0));
        assert!(has_members(&dir.path().join("t"), 2) && !has_members(&dir.path().join("u"), 1));
    }
}

//! Spotting `strace -ff -o NAME` sets: files named `NAME.PID` hold the lines of one pid each,
//! without a pid prefix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Input;
use crate::event::Pid;

/// Turns command-line names into inputs. `-` is stdin. `NAME` that does not exist but has
/// `NAME.PID` files beside it becomes that set; files named `X.PID` given together (a shell glob)
/// or lying beside other `X.PID` files get their pid from the suffix.
pub fn expand(names: &[String]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut next_set = 0;
    // members counted once per prefix: a glob of 10,000 `X.PID` files lists their directory
    // once, not once per file
    let mut counted: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for name in names {
        if name == "-" {
            out.push(Input::stdin());
            continue;
        }
        // a file named like strace's pipe keeps a name of its own (see `report::Origin`)
        let path = if name == super::STRACE_NAME { Path::new(".").join(name) } else { PathBuf::from(name) };
        if !path.exists() {
            let members = set_members(&path);
            if !members.is_empty() {
                for (pid, p) in members {
                    out.push(Input { path: Some(p), pid: Some(pid), set: Some(next_set) });
                }
                next_set += 1;
                continue;
            }
        }
        let pid = split_pid(&path)
            .filter(|(prefix, _)| *counted.entry(prefix.clone()).or_insert_with(|| set_members(prefix).len()) >= 2);
        let set = pid.as_ref().map(|(prefix, _)| prefix.clone());
        out.push(Input { path: Some(path), pid: pid.map(|(_, p)| p), set: set.map(|_| usize::MAX) });
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

/// The `PREFIX.PID` files beside `prefix`, by pid.
fn set_members(prefix: &Path) -> BTreeMap<Pid, PathBuf> {
    let mut out = BTreeMap::new();
    let Some(stem) = prefix.file_name().and_then(|s| s.to_str()) else { return out };
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else { return out };
    for entry in entries.flatten() {
        let p = prefix.with_file_name(entry.file_name());
        if let Some((pre, pid)) = split_pid(&p) {
            if pre.file_name().and_then(|s| s.to_str()) == Some(stem) && p.is_file() {
                out.insert(pid, p);
            }
        }
    }
    out
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
}

//! Evidence from successful path calls: which paths exist (for typos), which failed paths
//! were created later, found in another directory or under another name (for noise), and
//! which files a process read before a failure (for fix pointers). Also what the process was
//! when a group failed (its credentials, descriptors held, who held the port it wanted), and
//! which ports the traced processes bound (for explanations).
//!
//! What is kept per group is bounded by [`memory::EVIDENCE`] (the groups made past it are
//! counted), the paths seen existing by [`memory::KNOWN_PATHS`].

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::group::{Failures, Target};
use super::process::{Credentials, Held, HostNoFile, Resource, ResourceLimit};
use super::state::Processes;
use crate::errno::{classify, ErrnoClass};
use crate::event::{Pid, SockAddr, Syscall};
use crate::memory;
use crate::path::{is_system_tree, join, split};

/// The errnos for which the process at a group's failure is remembered.
const ERRNOS_EXPLAINED: usize = 4;
/// Ports remembered as bound.
const MAX_BINDS: usize = 4096;
/// Longest argument text kept of a failing call.
const ARGS: usize = 600;

/// The process at the first failure of a group with one errno: what a suspect's explanation
/// rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct AtFailure {
    pub errno: String,
    pub pid: Pid,
    /// The failing call: its name and argument text (cut at [`ARGS`] bytes).
    pub syscall: String,
    pub args: Vec<u8>,
    pub credentials: Credentials,
    /// The credentials were read from the live host's `/proc` at the failure (the trace did
    /// not show them).
    pub ids_from_host: bool,
    /// The descriptors it held (recorded for EMFILE and ENFILE).
    pub held: Option<Held>,
    /// The limit it may have run into, as the trace shows it (see [`Resource::behind`]).
    pub limit: Option<ResourceLimit>,
    /// EMFILE under `run`/`attach`: its descriptor limits, read from the live host at the
    /// failure.
    pub limit_now: Option<HostNoFile>,
    /// The process that holds the port (recorded for EADDRINUSE): its pid and command line;
    /// another process of the trace that had bound it, else (`holder_from_host`) the one the
    /// live host shows holding it at the failure.
    pub port_holder: Option<(Pid, Vec<Vec<u8>>)>,
    /// `port_holder` was read from the live host.
    pub holder_from_host: bool,
}

/// The ids a process acted with when a group first failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub ids: Credentials,
    /// Read from the live host's `/proc` (`run`/`attach`), not claimed by the trace's
    /// `set*id` calls.
    pub from_host: bool,
}

/// Whether the process at a failure with `errno` is worth remembering: a permission or
/// resource error, a port in use.
pub(super) fn is_explained(errno: &str) -> bool {
    matches!(classify(errno), ErrnoClass::Permission | ErrnoClass::Resource) || matches!(errno, "EADDRINUSE" | "ESRCH")
}

/// Paths the trace shows existing, by directory. Bounded.
#[derive(Debug, Default)]
pub struct KnownPaths {
    dirs: HashMap<Vec<u8>, HashSet<Vec<u8>>>,
    total: usize,
    bytes: usize,
    /// Paths not recorded because the table was full.
    pub dropped: u64,
}

const MAX_KNOWN: usize = 200_000;
/// Ancestors recorded per path, from its directory up: each costs a hash of its whole name,
/// so a deep path (`/a/a/…`, 500 KB) costs a bounded multiple of its length, never its square.
const MAX_ANCESTORS: usize = 32;

impl KnownPaths {
    /// Records `path` and its nearest [`MAX_ANCESTORS`] ancestors as existing.
    pub fn insert(&mut self, path: &[u8]) {
        let mut p = path;
        for _ in 0..MAX_ANCESTORS {
            let Some((dir, name)) = split(p) else { return };
            if name.is_empty() {
                return;
            }
            // called for every successful path call: allocate only for what is new
            let known = self.dirs.get(dir);
            if known.is_some_and(|set| set.contains(name)) {
                return; // ancestors already recorded
            }
            let bytes = memory::ENTRY / 2 + name.len() + known.map_or(memory::ENTRY + dir.len(), |_| 0);
            if self.total >= MAX_KNOWN || self.bytes + bytes > memory::KNOWN_PATHS {
                self.dropped += 1;
                return;
            }
            match self.dirs.get_mut(dir) {
                Some(set) => {
                    set.insert(name.to_vec());
                }
                None => {
                    self.dirs.insert(dir.to_vec(), HashSet::from_iter([name.to_vec()]));
                }
            }
            self.total += 1;
            self.bytes += bytes;
            p = dir;
        }
    }

    pub fn names(&self, dir: &[u8]) -> Option<&HashSet<Vec<u8>>> {
        self.dirs.get(dir)
    }

    /// The known paths that end with `suffix` (`.pid`, `/bin/run-job`) and are longer, in no
    /// particular order.
    pub fn ending_with<'a>(&'a self, suffix: &'a [u8]) -> impl Iterator<Item = Vec<u8>> + 'a {
        let last = suffix.rsplit(|&c| c == b'/').next().unwrap_or(suffix);
        self.dirs.iter().flat_map(move |(dir, names)| {
            names
                .iter()
                .filter(move |n| n.ends_with(last))
                .map(move |n| join(dir, n))
                .filter(move |p| p.ends_with(suffix) && p.len() > suffix.len())
        })
    }
}

/// What a successful path call did (from [`crate::syscalls`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct PathCall {
    pub creating: bool,
    /// Success shows the path exists.
    pub lookup: bool,
    /// A regular file was opened for reading (see [`crate::syscalls::Info::opens_file`]).
    pub opened: bool,
}

#[derive(Default)]
pub(crate) struct PathEvidence {
    /// Paths the trace shows existing.
    pub known: KnownPaths,
    /// Failing path groups by basename and by directory, for "found elsewhere" and
    /// "alternative found".
    by_basename: HashMap<Vec<u8>, Vec<usize>>,
    by_dir: HashMap<Vec<u8>, Vec<usize>>,
    /// Files opened by the process before each group's first failure, and its command line
    /// then (fix pointers).
    opened_before: HashMap<usize, Vec<Vec<u8>>>,
    argv_before: HashMap<usize, (Pid, Vec<Vec<u8>>)>,
    /// The process at the first failure of each group, per errno ([`is_explained`] ones).
    at_failure: HashMap<usize, Vec<AtFailure>>,
    /// The ids the process of each group's first failure acted with, when known: whom the
    /// files it had read are read for (fix pointers).
    reader: HashMap<usize, Reader>,
    /// Bytes of the above (from `by_basename` on), as estimated (see [`memory`]).
    bytes: usize,
    /// Groups some evidence of which was not kept ([`memory::EVIDENCE`]).
    incomplete: HashSet<usize>,
    /// Ports bound by a process still running, with its pid and the descriptor.
    bound: HashMap<u16, (Pid, Option<i64>)>,
    /// The last successful path call looked at. A process often stats, opens and stats the
    /// same file in a row; a repeat changes nothing as long as no failure or process change
    /// came between (those clear it).
    last: Option<(Pid, PathCall)>,
    last_path: Vec<u8>,
}

impl PathEvidence {
    /// The files the process had opened when group `id` first failed.
    pub fn opened_before(&self, id: usize) -> &[Vec<u8>] {
        self.opened_before.get(&id).map_or(&[][..], Vec::as_slice)
    }

    /// The command line of the process when group `id` first failed.
    pub fn argv_before(&self, id: usize) -> Option<(Pid, &[Vec<u8>])> {
        self.argv_before.get(&id).map(|(pid, argv)| (*pid, argv.as_slice()))
    }

    /// The process at group `id`'s first failure with `errno`, if remembered.
    pub fn at_failure(&self, id: usize, errno: &str) -> Option<&AtFailure> {
        self.at_failure.get(&id)?.iter().find(|a| a.errno == errno)
    }

    /// The ids the process of group `id`'s first failure acted with, if known.
    pub fn reader(&self, id: usize) -> Option<&Reader> {
        self.reader.get(&id)
    }

    /// Remembers `reader` for group `id` (see [`PathEvidence::reader`]).
    pub(super) fn add_reader(&mut self, id: usize, reader: Reader) {
        if reader.ids.uid.is_some() && self.take_budget(id, memory::ENTRY + reader.ids.bytes()) {
            self.reader.insert(id, reader);
        }
    }

    /// Groups some evidence of which was not kept.
    pub fn dropped(&self) -> u64 {
        self.incomplete.len() as u64
    }

    /// Takes `bytes` more of the budget for group `id`; false (and `id` counted) past it.
    fn take_budget(&mut self, id: usize, bytes: usize) -> bool {
        if self.bytes + bytes > memory::EVIDENCE {
            self.incomplete.insert(id);
            return false;
        }
        self.bytes += bytes;
        true
    }

    /// Whether group `id` needs an [`AtFailure`] for `errno` from `syscall`.
    pub(super) fn wants_at_failure(&self, id: usize, errno: &str, syscall: &str) -> bool {
        (is_explained(errno) || !Resource::behind(errno, syscall).is_empty())
            && self
                .at_failure
                .get(&id)
                .is_none_or(|list| list.len() < ERRNOS_EXPLAINED && !list.iter().any(|a| a.errno == errno))
    }

    /// Remembers the process at group `id`'s failure (see [`PathEvidence::wants_at_failure`]).
    pub(super) fn add_at_failure(&mut self, id: usize, mut at: AtFailure) {
        at.args.truncate(ARGS);
        let holder = at.port_holder.as_ref().map_or(0, |(_, argv)| list_bytes(argv));
        let groups = at.credentials.groups.as_ref().map_or(0, |g| g.len() * 4);
        let bytes = 2 * memory::ENTRY + at.errno.len() + at.syscall.len() + at.args.len() + holder + groups;
        if self.take_budget(id, bytes) {
            self.at_failure.entry(id).or_default().push(at);
        }
    }

    /// `pid` bound `port` with descriptor `fd`.
    pub(super) fn bound(&mut self, port: u16, pid: Pid, fd: Option<i64>) {
        if port != 0 && (self.bound.len() < MAX_BINDS || self.bound.contains_key(&port)) {
            self.bound.insert(port, (pid, fd));
        }
    }

    /// The process that bound `port` and has not closed it or ended since.
    pub(super) fn port_holder(&self, port: u16) -> Option<Pid> {
        self.bound.get(&port).map(|(pid, _)| *pid)
    }

    /// `pid` closed `fd`: a port bound with it is free.
    pub(super) fn closed(&mut self, pid: Pid, fd: i64) {
        if !self.bound.is_empty() {
            self.bound.retain(|_, b| *b != (pid, Some(fd)));
        }
    }

    /// `pid` ended: the ports it bound are free.
    pub(super) fn ended(&mut self, pid: Pid) {
        if !self.bound.is_empty() {
            self.bound.retain(|_, b| b.0 != pid);
        }
    }

    /// Something other than a successful call happened: the next success is looked at anew.
    pub(super) fn forget_last_success(&mut self) {
        self.last = None;
    }

    /// A new group `id` (about `path`, if a path) that `pid` first failed with `errno`.
    pub(super) fn new_group(&mut self, id: usize, path: Option<&[u8]>, errno: &str, pid: Pid, state: &Processes) {
        if let (Some((dir, name)), ErrnoClass::Missing) = (path.and_then(split), classify(errno)) {
            let new_key = |map: &HashMap<Vec<u8>, Vec<usize>>, k: &[u8]| {
                if map.contains_key(k) {
                    8
                } else {
                    memory::ENTRY + k.len()
                }
            };
            let bytes = new_key(&self.by_basename, name) + new_key(&self.by_dir, dir);
            if self.take_budget(id, bytes) {
                self.by_basename.entry(name.to_vec()).or_default().push(id);
                self.by_dir.entry(dir.to_vec()).or_default().push(id);
            }
        }
        let (opened, argv) = (state.opened(pid), state.argv(pid));
        if self.take_budget(id, 2 * memory::ENTRY + list_bytes(&opened) + list_bytes(&argv)) {
            self.opened_before.insert(id, opened);
            self.argv_before.insert(id, (pid, argv));
        }
    }

    /// Whether `path` repeats the last successful path call (and remembers it if not).
    fn repeats_last_success(&mut self, pid: Pid, call: PathCall, path: &[u8]) -> bool {
        if self.last == Some((pid, call)) && self.last_path == path {
            return true;
        }
        self.last = Some((pid, call));
        self.last_path.clear();
        self.last_path.extend_from_slice(path);
        false
    }

    /// A successful call of `pid` that looked up or created the absolute `path`: existence
    /// evidence, and noise marks on earlier failures of the same path or name.
    pub(super) fn success_on_path(
        &mut self,
        pid: Pid,
        sc: &Syscall,
        path: &[u8],
        call: PathCall,
        failures: &mut Failures,
        state: &mut Processes,
    ) {
        if sc.addr.is_none() && self.repeats_last_success(pid, call, path) {
            return;
        }
        self.known.insert(path);
        // the file naming a wrong path is the application's, not a library the runtime loads
        if call.opened && !is_system_tree(path) {
            state.note_opened(pid, path);
        }
        let group = match &sc.addr {
            // a server binding the socket a connect found missing (fpm's own startup probe)
            Some(addr @ SockAddr::Unix { abstract_ns: false, .. }) => failures.find(&Target::Address {
                proto: "unix",
                addr: addr.to_string(),
                unix_path: Some(path.to_vec()),
            }),
            _ => failures.find_path(path),
        };
        if let Some(id) = group {
            let g = &mut failures.groups[id];
            if call.creating {
                g.created_later = true;
            } else {
                g.succeeded_later = true;
            }
        }
        let Some((dir, name)) = split(path) else { return };
        // a path longer than the kernel takes is not kept as where a name was found
        if !call.lookup || path.len() > memory::PATH_MAX {
            return;
        }
        if let Some(ids) = self.by_basename.get(name) {
            for &id in ids {
                let g = &mut failures.groups[id];
                let other_dir = g.target.fs_path().and_then(split).is_some_and(|(d, _)| d != dir);
                if other_dir && g.pids.contains(&pid) && g.found_elsewhere.is_none() {
                    g.found_elsewhere = Some(path.to_vec());
                }
            }
        }
        // another name for the same thing, found while handling the same request
        if let Some(ids) = self.by_dir.get(dir) {
            let recent = state.recent(pid);
            for &id in ids.iter().filter(|id| recent.contains(id)) {
                let g = &mut failures.groups[id];
                let Some((_, wrong)) = g.target.fs_path().and_then(split) else { continue };
                if g.found_elsewhere.is_none() && is_alternative(wrong, name) {
                    g.found_elsewhere = Some(path.to_vec());
                }
            }
        }
    }
}

/// Bytes a list of byte strings holds, as estimated (see [`memory`]).
fn list_bytes(list: &[Vec<u8>]) -> usize {
    list.iter().map(|p| p.len() + memory::ENTRY / 2).sum()
}

/// `wrong` was one of several names tried for the same thing and `found` is another: an
/// extension appended (`clock` -> `clock.js`) or another extension of the same stem
/// (`index.pl` -> `index.php`, `x.so` -> `x.py`).
fn is_alternative(wrong: &[u8], found: &[u8]) -> bool {
    if wrong == found {
        return false; // the same file: it exists, the failure was something else
    }
    if found.len() > wrong.len() && found.starts_with(wrong) && found[wrong.len()] == b'.' {
        return true;
    }
    let stem = |n: &[u8]| n.iter().position(|&c| c == b'.').filter(|&i| i > 0).map(|i| n[..i].to_vec());
    matches!((stem(wrong), stem(found)), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternatives_are_other_extensions_of_one_name() {
        assert!(is_alternative(b"clock", b"clock.js"));
        assert!(is_alternative(b"index.pl", b"index.php"));
        assert!(!is_alternative(b"index.pl", b"main.pl"));
        assert!(!is_alternative(b".env", b".envrc"));
        assert!(!is_alternative(b"post-deploy.sh", b"post-deploy.sh"));
    }
}

#[cfg(test)]
mod known_tests {
    use super::KnownPaths;

    #[test]
    fn a_known_path_makes_its_ancestors_known() {
        let mut known = KnownPaths::default();
        known.insert(b"/srv/app/config.yaml");
        assert!(known.names(b"/srv").is_some_and(|n| n.contains(&b"app"[..])));
        assert!(known.names(b"/srv/app").is_some_and(|n| n.contains(&b"config.yaml"[..])));
    }
}

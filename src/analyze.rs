//! The stateful analysis: events in order -> process table, failure groups, reactions and
//! symptoms -> a ranked [`Report`].
//!
//! Each event is looked at once; what is kept is bounded by the number of failure groups and
//! live processes (recent-failure rings and opened-file lists have fixed sizes).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::{BTreeMap, VecDeque};

use crate::aggregate::{At, Failure, Failures, Target};
use crate::disk::Disk;
use crate::event::{Event, EventKind, Pid, Return, SockAddr, Syscall, Timestamp};
use crate::heuristics::errno::{classify, ErrnoClass};
use crate::heuristics::noise::{is_system_tree, Ignores};
use crate::heuristics::rank;
use crate::heuristics::typo::{self, KnownPaths};
use crate::parse::ParseStats;
use crate::process::{FdTarget, ProcessTable};
use crate::report::{FailureReport, NetworkFailure, Noise, Report, Summary, Suspect, Symptoms, TypoReport};
use crate::symptom::{self, Sink};

/// How many recent failures of a process a reaction is attributed to.
const RECENT: usize = 64;
/// A reaction more than this many events of the same process after a failure is unrelated.
const REACTION_WINDOW: u64 = 5000;
/// Error text gathered per process before a line is complete.
const ERR_LINE: usize = 4096;
/// Regular files remembered per process for fix pointers.
const OPENED: usize = 64;
/// Typo lookups are done for at most this many groups (the most promising ones).
const TYPO_LOOKUPS: usize = 500;
/// Groups for which the files opened before them are remembered (fix pointers).
const MAX_FIX_CANDIDATES: usize = 4096;
/// Fix pointers are looked for for this many top suspects.
const FIX_POINTERS: usize = 10;

/// The group a failure goes to.
enum Group {
    Known(usize),
    /// Looked up, or created.
    Of(Target),
}

#[derive(Default)]
struct LiveQueue {
    seen: HashSet<usize>,
    fresh: Vec<usize>,
    shown: usize,
}

#[derive(Default)]
struct ProcState {
    /// Recent failure groups, with the process's event number when they happened.
    recent: VecDeque<(usize, u64)>,
    seq: u64,
    /// Regular files this process opened, most recent last.
    opened: VecDeque<Vec<u8>>,
    /// Error text written so far without a newline.
    err_line: Vec<u8>,
}

pub struct Analyzer {
    ignores: Ignores,
    procs: ProcessTable,
    state: HashMap<Pid, ProcState>,
    failures: Failures,
    known: KnownPaths,
    /// Failing path groups by basename and by directory, for "found elsewhere" and
    /// "alternative found" noise.
    by_basename: HashMap<Vec<u8>, Vec<usize>>,
    by_dir: HashMap<Vec<u8>, Vec<usize>>,
    /// Files opened by the process before each group's first failure (fix pointers).
    opened_before: HashMap<usize, Vec<Vec<u8>>>,
    symptoms: Symptoms,
    pids: HashSet<Pid>,
    /// The pid of the previous event (consecutive events mostly share one).
    last_pid: Option<Pid>,
    /// The last successful path call looked at: (pid, kind of call, path). A process often
    /// stats, opens and stats the same file in a row; a repeat changes nothing as long as no
    /// failure or process change came between (those clear it).
    last_success: (Option<(Pid, u8)>, Vec<u8>),
    syscalls: u64,
    failed: u64,
    interruptions: u64,
    exits: u64,
    live: Option<LiveQueue>,
}

impl Analyzer {
    pub fn new(max_groups: usize, ignores: Ignores) -> Self {
        Analyzer {
            ignores,
            procs: ProcessTable::new(),
            state: HashMap::default(),
            failures: Failures::new(max_groups),
            known: KnownPaths::default(),
            by_basename: HashMap::default(),
            by_dir: HashMap::default(),
            opened_before: HashMap::default(),
            symptoms: Symptoms::default(),
            pids: HashSet::default(),
            last_pid: None,
            last_success: (None, Vec::new()),
            syscalls: 0,
            failed: 0,
            interruptions: 0,
            exits: 0,
            live: None,
        }
    }

    /// Takes one event (in input order) read from `source`.
    pub fn push(&mut self, source: &str, ev: &Event) {
        // lines without a pid prefix come from one process strace did not name
        let pid = ev.pid.unwrap_or(0);
        let counted = !matches!(ev.kind, EventKind::Strace { .. } | EventKind::Unparsed { .. });
        if counted && self.last_pid != Some(pid) && self.pids.len() < 1_000_000 {
            self.pids.insert(pid);
            self.last_pid = Some(pid);
        }
        if !matches!(ev.kind, EventKind::Syscall(_) | EventKind::Routine) {
            self.last_success.0 = None;
        }
        match &ev.kind {
            EventKind::Syscall(sc) => self.syscall(source, ev, pid, sc),
            EventKind::Exit { code } => {
                self.flush_error_text(pid);
                if *code != 0 {
                    self.symptoms.add_exit(pid, *code);
                }
                self.react(pid, |r| r.exit_code = Some(*code), *code != 0, None);
                self.state.remove(&pid);
                self.procs.apply(pid, ev);
            }
            EventKind::Killed { signal, core_dumped } => {
                self.flush_error_text(pid);
                self.symptoms.add_kill(pid, signal, *core_dumped);
                // SIGTERM and friends are someone stopping the process, not a reaction
                if symptom::is_crash_signal(signal) {
                    self.react(pid, |r| r.killed_by = Some(signal.to_string()), true, None);
                }
                self.state.remove(&pid);
                self.procs.apply(pid, ev);
            }
            EventKind::Routine => {
                self.syscalls += 1;
                if let Some(st) = self.state.get_mut(&pid) {
                    st.seq += 1;
                }
            }
            EventKind::Signal { .. } | EventKind::Strace { .. } | EventKind::Unparsed { .. } => {}
        }
        if self.state.len() > 100_000 {
            self.state.clear();
            self.last_success.0 = None;
        }
        // tables of exited processes go in bulk (a stream may run millions of processes)
        if matches!(ev.kind, EventKind::Exit { .. } | EventKind::Killed { .. }) {
            self.exits += 1;
            if self.exits.is_multiple_of(4096) {
                self.procs.collect_garbage();
            }
        }
    }

    fn syscall(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall) {
        self.syscalls += 1;
        self.state.entry(pid).or_default().seq += 1;
        let resolve = |procs: &mut ProcessTable| sc.path.as_deref().map(|p| procs.resolve(Some(pid), sc, p));
        match &sc.ret {
            Return::Error { errno, message } => {
                let class = classify(errno);
                if class == ErrnoClass::Transient {
                    self.interruptions += 1;
                    if &**errno == "EINPROGRESS" && &*sc.name == "connect" {
                        self.mark_connecting(pid, sc);
                    }
                } else {
                    self.failed += 1;
                    let resolved = resolve(&mut self.procs);
                    // most failures repeat a path: its group is found without building a target
                    let known = match &resolved {
                        Some(r) if sc.addr.is_none() && r.absolute && !r.path.is_empty() => {
                            self.failures.find_path(&r.path)
                        }
                        _ => None,
                    };
                    let group = match known {
                        Some(id) => Group::Known(id),
                        None => Group::Of(self.target(pid, sc, errno, resolved.as_ref())),
                    };
                    self.fail(source, ev, pid, sc, group, errno, message);
                }
            }
            Return::Restart { .. } => self.interruptions += 1,
            Return::Value { .. } => {
                let (creating, lookup) = (is_creating(sc), is_lookup(&sc.name));
                if creating || lookup {
                    if let Some(r) = resolve(&mut self.procs).filter(|r| r.absolute) {
                        let opened = lookup && is_regular_open(sc);
                        let kind = u8::from(creating) | u8::from(lookup) << 1 | u8::from(opened) << 2;
                        if sc.addr.is_some() || !self.repeats_last_success(pid, kind, &r.path) {
                            self.success_on_path(pid, sc, &r.path, creating, lookup, opened);
                        }
                    }
                }
                self.success(source, ev, pid, sc);
            }
            _ => {}
        }
        self.procs.apply(pid, ev);
    }

    fn target(&mut self, pid: Pid, sc: &Syscall, errno: &str, resolved: Option<&crate::process::Resolved>) -> Target {
        if let Some(addr) = &sc.addr {
            return self.address_target(pid, sc, addr);
        }
        match resolved {
            Some(r) if !r.path.is_empty() => Target::Path { path: r.path.to_vec(), absolute: r.absolute },
            _ => Target::Call { syscall: sc.name.to_string(), errno: errno.to_string() },
        }
    }

    fn address_target(&mut self, pid: Pid, sc: &Syscall, addr: &SockAddr) -> Target {
        let stream = match sc.fd.as_ref().and_then(|f| f.num).and_then(|fd| self.procs.fd(pid, fd)) {
            Some(FdTarget::Socket { stream, .. }) => *stream,
            _ => !sc.fd.as_ref().and_then(|f| f.decoration.as_deref()).is_some_and(|d| d.starts_with(b"UDP")),
        };
        match addr {
            SockAddr::Unix { path, abstract_ns } => Target::Address {
                proto: "unix",
                addr: addr.to_string(),
                unix_path: (!abstract_ns).then(|| path.to_vec()),
            },
            _ => Target::Address { proto: if stream { "tcp" } else { "udp" }, addr: addr.to_string(), unix_path: None },
        }
    }

    fn mark_connecting(&mut self, pid: Pid, sc: &Syscall) {
        if let (Some(fd), Some(addr)) = (sc.fd.as_ref().and_then(|f| f.num), sc.addr.clone()) {
            let stream = !matches!(self.procs.fd(pid, fd), Some(FdTarget::Socket { stream: false, .. }));
            self.procs.set_fd(pid, fd, FdTarget::Socket { stream, connecting: Some(addr) });
        }
    }

    /// Whether `path` repeats the last successful path call (and remembers it if not).
    fn repeats_last_success(&mut self, pid: Pid, kind: u8, path: &[u8]) -> bool {
        let (key, last) = &mut self.last_success;
        if *key == Some((pid, kind)) && last == path {
            return true;
        }
        *key = Some((pid, kind));
        last.clear();
        last.extend_from_slice(path);
        false
    }

    #[allow(clippy::too_many_arguments)]
    fn fail(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall, group: Group, errno: &str, message: &str) {
        self.last_success.0 = None;
        let at = At { source, line: ev.line, time: ev.time.as_ref().map(Timestamp::text) };
        let (id, is_new) = match group {
            Group::Known(id) => (id, false),
            Group::Of(target) => match self.failures.find(&target) {
                Some(id) => (id, false),
                None => match self.failures.create(target, message, &at, sample_line(sc)) {
                    Some(id) => (id, true),
                    None => return,
                },
            },
        };
        self.failures.count(id, &sc.name, errno, ev.pid, &at);
        let st = self.state.entry(pid).or_default();
        let seq = st.seq;
        st.recent.retain(|(g, _)| *g != id);
        st.recent.push_back((id, seq));
        if st.recent.len() > RECENT {
            st.recent.pop_front();
        }
        if is_new {
            let opened: Vec<Vec<u8>> = st.opened.iter().cloned().collect();
            if let Some(path) = self.failures.groups[id].target.fs_path().map(<[u8]>::to_vec) {
                if matches!(classify(errno), ErrnoClass::Missing) {
                    if let Some((dir, name)) = typo::split(&path) {
                        self.by_basename.entry(name.to_vec()).or_default().push(id);
                        self.by_dir.entry(dir.to_vec()).or_default().push(id);
                    }
                }
                if self.opened_before.len() < MAX_FIX_CANDIDATES {
                    self.opened_before.insert(id, opened);
                }
            }
        }
    }

    /// A successful call on an absolute path: existence evidence, and noise marks on earlier
    /// failures of the same path or name.
    /// `opened`: a regular file was opened (see [`is_regular_open`]).
    fn success_on_path(&mut self, pid: Pid, sc: &Syscall, path: &[u8], creating: bool, lookup: bool, opened: bool) {
        self.known.insert(path);
        // the file naming a wrong path is the application's, not a library the runtime loads
        if opened && !is_system_tree(path) {
            let st = self.state.entry(pid).or_default();
            if !st.opened.iter().any(|p| p == path) {
                st.opened.push_back(path.to_vec());
                if st.opened.len() > OPENED {
                    st.opened.pop_front();
                }
            }
        }
        let group = match &sc.addr {
            // a server binding the socket a connect found missing (fpm's own startup probe)
            Some(addr @ SockAddr::Unix { abstract_ns: false, .. }) => self.failures.find(&Target::Address {
                proto: "unix",
                addr: addr.to_string(),
                unix_path: Some(path.to_vec()),
            }),
            _ => self.failures.find_path(path),
        };
        if let Some(id) = group {
            let g = &mut self.failures.groups[id];
            if creating {
                g.created_later = true;
            } else {
                g.succeeded_later = true;
            }
        }
        let Some((dir, name)) = typo::split(path) else { return };
        if lookup {
            if let Some(ids) = self.by_basename.get(name) {
                for &id in ids {
                    let g = &mut self.failures.groups[id];
                    let other_dir = g.target.fs_path().and_then(typo::split).is_some_and(|(d, _)| d != dir);
                    if other_dir && g.pids.contains(&pid) && g.found_elsewhere.is_none() {
                        g.found_elsewhere = Some(path.to_vec());
                    }
                }
            }
            // another name for the same thing, found while handling the same request
            if let Some(ids) = self.by_dir.get(dir) {
                let recent: Vec<usize> =
                    self.state.get(&pid).map(|st| st.recent.iter().map(|(g, _)| *g).collect()).unwrap_or_default();
                for &id in ids.iter().filter(|id| recent.contains(id)) {
                    let g = &mut self.failures.groups[id];
                    let Some((_, wrong)) = g.target.fs_path().and_then(typo::split) else { continue };
                    if g.found_elsewhere.is_none() && is_alternative(wrong, name) {
                        g.found_elsewhere = Some(path.to_vec());
                    }
                }
            }
        }
    }

    fn success(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall) {
        match &*sc.name {
            "accept" | "accept4" => {
                // a new request: earlier failures do not explain what follows
                if let Some(st) = self.state.get_mut(&pid) {
                    st.recent.clear();
                }
            }
            "getsockopt" => self.connect_result(source, ev, pid, sc),
            "clone" | "clone3" | "fork" | "vfork" => {
                // a child starts with what its parent had read (nginx workers, apache children)
                if let (Return::Value { value, .. }, Some(parent)) = (&sc.ret, self.state.get(&pid)) {
                    let opened = parent.opened.clone();
                    if let Ok(child) = u32::try_from(*value) {
                        self.state.entry(child).or_default().opened = opened;
                    }
                }
            }
            _ => {}
        }
        if let Some(sink) = self.sink(pid, sc) {
            let text = symptom::written_text(sc);
            if text.is_empty() {
                return;
            }
            match sink {
                Sink::Socket => {
                    if let Some(code) = symptom::http_status(&text) {
                        self.symptoms.add_http(pid, code);
                        self.react(pid, |r| *r.http.entry(code).or_default() += 1, code >= 400, None);
                    }
                }
                Sink::ErrorLog => {
                    // programs write one message in pieces (`cat: `, the path, `: No such ...`)
                    let st = self.state.entry(pid).or_default();
                    st.err_line.extend_from_slice(&text);
                    if !text.ends_with(b"\n") && st.err_line.len() < ERR_LINE {
                        return;
                    }
                    let line = std::mem::take(&mut st.err_line);
                    self.error_text(pid, &line);
                }
            }
        }
    }

    fn flush_error_text(&mut self, pid: Pid) {
        if let Some(line) =
            self.state.get_mut(&pid).map(|st| std::mem::take(&mut st.err_line)).filter(|l| !l.is_empty())
        {
            self.error_text(pid, &line);
        }
    }

    fn error_text(&mut self, pid: Pid, text: &[u8]) {
        if !symptom::is_text(text) {
            return;
        }
        let excerpt = symptom::excerpt(text);
        self.symptoms.add_error_text(pid, &excerpt);
        self.react(pid, |r| r.error_text = r.error_text.clone().or(Some(excerpt.clone())), true, Some(text));
    }

    /// `getsockopt(fd, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0`: the outcome of a
    /// non-blocking connect.
    fn connect_result(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall) {
        if !crate::bytes::contains(&sc.args, b"SO_ERROR") {
            return;
        }
        let args = crate::parse::split_args(&sc.args, 5);
        let Some(errno) = args.get(3).and_then(|a| a.strip_prefix(b"[")).and_then(|a| a.strip_suffix(b"]")) else {
            return;
        };
        if !errno.starts_with(b"E") {
            return;
        }
        let errno = String::from_utf8_lossy(errno).into_owned();
        let Some(fd) = sc.fd.as_ref().and_then(|f| f.num) else { return };
        if let Some(FdTarget::Socket { connecting: Some(addr), .. }) = self.procs.fd(pid, fd).cloned() {
            self.failed += 1;
            let mut as_connect = sc.clone();
            as_connect.addr = Some(addr.clone());
            let target = self.address_target(pid, &as_connect, &addr);
            let message = symptom::errno_message(&errno);
            // it is the connect that failed; the evidence line stays the getsockopt
            let mut failed_connect = sc.clone();
            failed_connect.name = "connect".into();
            self.fail(source, ev, pid, &failed_connect, Group::Of(target), &errno, message);
        }
    }

    fn sink(&mut self, pid: Pid, sc: &Syscall) -> Option<Sink> {
        if !symptom::is_write(&sc.name) {
            return None;
        }
        let fd = sc.fd.as_ref()?;
        let decorated = fd.decoration.as_deref();
        let tracked = fd.num.and_then(|n| self.procs.fd(pid, n)).cloned();
        symptom::classify_sink(fd.num, decorated, tracked.as_ref())
    }

    /// Attributes a reaction to the recent failures of `pid`; `text` is error output that may
    /// name a failure's file.
    /// `bad`: an error response, error text, a bad exit or a crash (not a 200 or exit 0).
    fn react(
        &mut self,
        pid: Pid,
        mut set: impl FnMut(&mut crate::aggregate::Reactions),
        bad: bool,
        text: Option<&[u8]>,
    ) {
        let Some(st) = self.state.get(&pid) else { return };
        let now = st.seq;
        let recent: Vec<usize> =
            st.recent.iter().filter(|(_, seq)| now.saturating_sub(*seq) <= REACTION_WINDOW).map(|(g, _)| *g).collect();
        // the failure the process reacts to is its last one that is not routine probing
        let last = recent.iter().rev().copied().find(|&id| !self.is_routine(id));
        for id in recent {
            let g = &mut self.failures.groups[id];
            set(&mut g.reactions);
            let mut telling = bad && Some(id) == last && g.reactions.is_failure_reaction();
            if bad && Some(id) == last {
                g.reactions.last_before = true;
            }
            if let Some(text) = text.filter(|t| symptom::names(t, &g.target)) {
                let new = symptom::excerpt(text);
                let old = g.reactions.named_in_error.as_deref().map_or(0, |t| symptom::severity(t) + 1);
                if symptom::severity(&new) + 1 > old {
                    g.reactions.named_in_error = Some(new);
                }
                telling = true;
            }
            if let (true, Some(live)) = (telling, self.live.as_mut()) {
                if live.seen.insert(id) {
                    live.fresh.push(id);
                }
            }
        }
    }

    /// A failure every healthy process has: a benign path or a provoked errno.
    pub fn is_routine(&self, id: usize) -> bool {
        let g = &self.failures.groups[id];
        matches!(classify(Failures::main_errno(g)), ErrnoClass::Probe | ErrnoClass::Transient)
            || g.target.fs_path().is_some_and(|p| self.ignores.matches(p).is_some())
    }

    /// Groups that became suspects since the last call (only with [`Analyzer::watch_live`]):
    /// the process reacted to them (error text naming them, an error response, a bad exit).
    pub fn take_fresh(&mut self) -> Vec<usize> {
        self.live.as_mut().map(|l| std::mem::take(&mut l.fresh)).unwrap_or_default()
    }

    /// Starts collecting groups for [`Analyzer::take_fresh`].
    pub fn watch_live(&mut self) {
        self.live = Some(LiveQueue::default());
    }

    pub fn group(&self, id: usize) -> &Failure {
        &self.failures.groups[id]
    }

    /// A typo suggestion for a group, from the disk or the trace so far.
    pub fn typo_for(&self, id: usize, disk: &dyn Disk) -> Option<typo::Typo> {
        let g = &self.failures.groups[id];
        let missing = g.errnos.keys().any(|e| e == "ENOENT" || e == "ENOTDIR");
        g.target.fs_path().filter(|_| missing).and_then(|p| typo::find(p, disk, &self.known))
    }

    /// Running counts for a status line: (failed syscalls, failure groups, live suspects).
    pub fn counts(&self) -> (u64, usize, usize) {
        (self.failed, self.failures.groups.len(), self.live.as_ref().map_or(0, |l| l.shown))
    }

    /// Records that the live output showed one more suspect.
    pub fn mark_shown(&mut self) {
        if let Some(l) = self.live.as_mut() {
            l.shown += 1;
        }
    }
}

impl Analyzer {
    /// Classifies, scores and ranks what was gathered.
    pub fn finish(self, disk: &dyn Disk, stats: &ParseStats) -> Report {
        let Analyzer {
            ignores,
            failures,
            known,
            opened_before,
            mut symptoms,
            pids,
            syscalls,
            failed,
            interruptions,
            ..
        } = self;
        let overflow = failures.overflow;
        let groups = failures.groups;

        // noise first, then typos for the most promising of the rest, then scores
        let noise: Vec<Option<Noise>> = groups.iter().map(|g| noise_of(g, &ignores)).collect();
        let mut order: Vec<usize> = (0..groups.len()).filter(|&i| noise[i].is_none()).collect();
        let prescore = |g: &Failure| rank::score(g, classify(Failures::main_errno(g)), None).0;
        order.sort_by_key(|&i| std::cmp::Reverse(prescore(&groups[i])));
        let mut typos: HashMap<usize, typo::Typo> = HashMap::default();
        for &i in order.iter().take(TYPO_LOOKUPS) {
            let g = &groups[i];
            let missing = g.errnos.keys().any(|e| e == "ENOENT" || e == "ENOTDIR");
            if let (true, Some(path)) = (missing, g.target.fs_path()) {
                if let Some(t) = typo::find(path, disk, &known) {
                    typos.insert(i, t);
                }
            }
        }
        let mut scored: Vec<(i32, usize, Vec<rank::Reason>)> = order
            .iter()
            .map(|&i| {
                let (score, reasons) =
                    rank::score(&groups[i], classify(Failures::main_errno(&groups[i])), typos.get(&i));
                (score, i, reasons)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0).then(groups[a.1].first.line.cmp(&groups[b.1].first.line)).then(a.1.cmp(&b.1))
        });

        let (scored, below) = fold_into_wrong_directories(scored, &groups, &typos);
        let suspects: Vec<Suspect> = scored
            .into_iter()
            .enumerate()
            .map(|(k, (score, i, reasons))| {
                let g = &groups[i];
                let typo = typos.get(&i);
                let referenced_from = if k < FIX_POINTERS {
                    let opened = opened_before.get(&i).map_or(&[][..], Vec::as_slice);
                    g.target.fs_path().and_then(|p| crate::fixptr::find_reference(p, opened, disk))
                } else {
                    None
                };
                let mut s =
                    Suspect::new(k + 1, g, score, reasons, typo.map(TypoReport::from), referenced_from, &symptoms.http);
                s.paths_below = below
                    .get(&i)
                    .map(|ids| ids.iter().map(|&c| groups[c].target.display()).collect())
                    .unwrap_or_default();
                s
            })
            .collect();
        let failures: Vec<FailureReport> = {
            let mut idx: Vec<usize> = (0..groups.len()).collect();
            idx.sort_by(|&a, &b| groups[b].count.cmp(&groups[a].count).then(a.cmp(&b)));
            idx.into_iter().map(|i| FailureReport::new(&groups[i], noise[i].clone())).collect()
        };
        symptoms.network = network_failures(&groups, &noise);
        let noise_groups = noise.iter().filter(|n| n.is_some()).count();
        let mut noise_counts: BTreeMap<String, u64> = BTreeMap::new();
        for (g, n) in groups.iter().zip(&noise) {
            if let Some(n) = n {
                *noise_counts.entry(n.reason.clone()).or_default() += g.count;
            }
        }
        let summary = Summary {
            lines: stats.lines,
            bytes: stats.bytes,
            processes: pids.len() as u64,
            syscalls,
            failures: failed,
            interruptions,
            groups: groups.len() as u64,
            noise_groups: noise_groups as u64,
            suspects: suspects.len() as u64,
            overflow_failures: overflow,
            first_time: stats.first_time.as_ref().map(|t| t.text().to_string()),
            last_time: stats.last_time.as_ref().map(|t| t.text().to_string()),
            unparsed: stats.unparsed,
            skipped: stats.skipped,
            overlong: stats.overlong,
        };
        Report::new(summary, suspects, failures, noise_counts, symptoms)
    }
}

type Scored = (i32, usize, Vec<rank::Reason>);

/// Connections that failed, in words, most frequent first (not those explained as noise).
fn network_failures(groups: &[Failure], noise: &[Option<Noise>]) -> Vec<NetworkFailure> {
    let mut out: Vec<NetworkFailure> = groups
        .iter()
        .zip(noise)
        .filter(|(g, n)| n.is_none() && matches!(g.target, Target::Address { .. }))
        .map(|(g, _)| {
            let errno = Failures::main_errno(g).to_string();
            let what = match errno.as_str() {
                "ECONNREFUSED" => "connection refused".to_string(),
                "ETIMEDOUT" => "connection timed out".to_string(),
                "ENOENT" => "no such socket".to_string(),
                "EACCES" | "EPERM" => "permission denied".to_string(),
                _ => g.message.to_lowercase(),
            };
            NetworkFailure {
                address: g.target.display(),
                errno,
                what,
                count: g.count,
                pids: g.pids.iter().copied().collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.address.cmp(&b.address)));
    out.truncate(20);
    out
}

/// A typo in a directory component makes every path below it fail: those failures are folded
/// into the suspect for the wrong directory itself, when the trace shows it failing too.
fn fold_into_wrong_directories(
    scored: Vec<Scored>,
    groups: &[Failure],
    typos: &HashMap<usize, typo::Typo>,
) -> (Vec<Scored>, HashMap<usize, Vec<usize>>) {
    let by_path: HashMap<&[u8], usize> =
        scored.iter().filter_map(|(_, i, _)| Some((groups[*i].target.fs_path()?, *i))).collect();
    let mut below: HashMap<usize, Vec<usize>> = HashMap::default();
    for (_, i, _) in &scored {
        let (Some(t), Some(path)) = (typos.get(i), groups[*i].target.fs_path()) else { continue };
        if !t.in_directory {
            continue;
        }
        let Some(wrong_dir) = typo::wrong_component(path, &t.suggestion) else { continue };
        if let Some(&dir_group) = by_path.get(wrong_dir).filter(|&&g| g != *i) {
            below.entry(dir_group).or_default().push(*i);
        }
    }
    let folded: HashSet<usize> = below.values().flatten().copied().collect();
    let mut out: Vec<Scored> = scored.into_iter().filter(|(_, i, _)| !folded.contains(i)).collect();
    for (score, i, reasons) in &mut out {
        if let Some(children) = below.get(i) {
            let failures: u64 = children.iter().map(|&c| groups[c].count).sum();
            let points = 10;
            *score += points;
            reasons.push(rank::Reason {
                kind: "paths_below",
                points,
                text: format!("{} more paths below it failed ({failures} failures)", children.len()),
            });
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then(groups[a.1].first.line.cmp(&groups[b.1].first.line)).then(a.1.cmp(&b.1)));
    (out, below)
}

/// Why a group is normal, if it is.
fn noise_of(g: &Failure, ignores: &Ignores) -> Option<Noise> {
    let errno = Failures::main_errno(g);
    let n = |reason: &str, detail: String| Some(Noise { reason: reason.to_string(), detail });
    if let Some(path) = g.target.fs_path() {
        if let Some(why) = ignores.matches(path) {
            return n("known_benign", why.to_string());
        }
    }
    if let Some(found) = &g.found_elsewhere {
        return n("search_path_probe", format!("found later as {}", String::from_utf8_lossy(found)));
    }
    if g.created_later {
        return n("created_later", "existence check, then the path was created".to_string());
    }
    if classify(errno) == ErrnoClass::Probe {
        return n("capability_probe", format!("{errno} is how programs probe for support; tolerated"));
    }
    let reacted = g.reactions.named_in_error.is_some()
        || g.reactions.error_text.is_some()
        || !g.reactions.http.is_empty()
        || g.reactions.killed_by.is_some()
        || g.reactions.exit_code.is_some_and(|c| c != 0);
    if let Some(path) = g.target.fs_path() {
        if is_system_tree(path) && !reacted && classify(errno) == ErrnoClass::Missing {
            return n("system_probe", "a system search path, tolerated (no error followed)".to_string());
        }
    }
    None
}

/// The call rebuilt as one line, for evidence.
fn sample_line(sc: &Syscall) -> String {
    let args = String::from_utf8_lossy(&sc.args);
    let ret = match &sc.ret {
        Return::Error { errno, message } if message.is_empty() => format!("-1 {errno}"),
        Return::Error { errno, message } => format!("-1 {errno} ({message})"),
        Return::Value { value, .. } => value.to_string(),
        _ => "?".to_string(),
    };
    let mut s = format!("{}({args}) = {ret}", sc.name);
    if s.len() > 600 {
        let mut cut = 600;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Calls whose success shows the path exists.
fn is_lookup(name: &str) -> bool {
    matches!(
        name,
        "open"
            | "openat"
            | "openat2"
            | "stat"
            | "lstat"
            | "stat64"
            | "lstat64"
            | "newfstatat"
            | "fstatat64"
            | "statx"
            | "access"
            | "faccessat"
            | "faccessat2"
            | "execve"
            | "execveat"
            | "readlink"
            | "readlinkat"
            | "chdir"
            | "statfs"
            | "getxattr"
            | "lgetxattr"
            | "inotify_add_watch"
    )
}

/// Calls that create their path.
fn is_creating(sc: &Syscall) -> bool {
    match &*sc.name {
        "mkdir" | "mkdirat" | "creat" | "mknod" | "mknodat" | "bind" => true,
        "open" | "openat" | "openat2" => crate::bytes::contains(&sc.args, b"O_CREAT"),
        _ => false,
    }
}

fn is_regular_open(sc: &Syscall) -> bool {
    matches!(&*sc.name, "open" | "openat" | "openat2") && !crate::bytes::contains(&sc.args, b"O_DIRECTORY")
}

/// `wrong` was one of several names tried for the same thing and `found` is another: an
/// extension appended (`clock` -> `clock.js`) or another extension of the same stem
/// (`index.pl` -> `index.php`, `x.so` -> `x.py`).
fn is_alternative(wrong: &[u8], found: &[u8]) -> bool {
    if found.len() > wrong.len() && found.starts_with(wrong) && found[wrong.len()] == b'.' {
        return true;
    }
    let stem = |n: &[u8]| n.iter().position(|&c| c == b'.').filter(|&i| i > 0).map(|i| n[..i].to_vec());
    matches!((stem(wrong), stem(found)), (Some(a), Some(b)) if a == b)
}

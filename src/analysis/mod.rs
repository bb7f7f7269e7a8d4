//! What is collected while the events stream by: the process table, failure groups, evidence
//! that a path exists or was created, and what each process did after its failures. Nothing
//! here judges or words anything: [`Analyzer::finish`] hands the facts to `heuristics`, which
//! decides, and [`crate::report`], which builds the report. The one judgement needed while
//! collecting (which failures are routine) is handed in.
//!
//! Each event is looked at once; what is kept is bounded in bytes, table by table (the
//! budgets are in [`crate::memory`]), and what a table dropped is counted for the report.

pub(crate) mod answers;
pub(crate) mod blame;
mod clock;
mod coverage;
mod credentials;
mod dns;
pub(crate) mod evidence;
mod fds;
pub(crate) mod group;
pub(crate) mod kills;
pub(crate) mod limits;
pub(crate) mod naming;
pub(crate) mod process;
pub(crate) mod reactions;
mod state;
pub(crate) mod symptom;
pub(crate) mod waits;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::errno::{classify, ErrnoClass};
use crate::event::{Event, EventKind, Pid, Return, SockAddr, Syscall, Timestamp};
use crate::memory::{self, Dropped};
use crate::syscalls::{self, Does};
use blame::{Blames, Candidates, SymptomKind};
use evidence::{AtFailure, PathEvidence};
use fds::SocketRole;
use group::{At, Failure, Failures, Target};
use process::{FdTarget, ProcessTable, Resolved, Resource};
use reactions::Symptoms;
use state::Processes;
use waits::Waits;

/// Distinct pids counted for the summary.
pub(crate) const MAX_PIDS: usize = 1_000_000;
/// Files kept, the newest, of those read before a resource limit was set.
const LIMIT_READ: usize = 4;
/// Tables of exited processes are dropped every this many exits.
const GC_EXITS: u64 = 4096;
/// Processes whose first ids are remembered at once ([`Analyzer::note_first_ids`]), and the
/// most supplementary groups kept for one (more are not remembered: 4 MiB in all at most).
const MAX_FIRST_IDS: usize = 4096;
const MAX_FIRST_GROUPS: usize = 256;

/// The group a failure goes to.
enum Group {
    /// A group that exists.
    Known(usize),
    /// The group of this target, made if it does not exist yet.
    ByTarget(Target),
}

/// Groups whose process reacted to them since the live output last looked.
#[derive(Default)]
struct LiveQueue {
    seen: HashSet<usize>,
    fresh: Vec<usize>,
    shown: usize,
}

/// What the analysis collected, for judging and reporting.
pub(crate) struct Collected {
    pub failures: Failures,
    pub evidence: PathEvidence,
    pub symptoms: Symptoms,
    pub waits: Waits,
    /// Each symptom with the failures that may explain it.
    pub blames: Blames,
    pub processes: u64,
    pub syscalls: u64,
    pub failed: u64,
    pub interruptions: u64,
    /// Which calls the trace shows at all.
    pub coverage: coverage::Coverage,
    /// Durations and timestamps dropped as impossible (see [`clock`]).
    pub ignored_durations: u64,
    pub ignored_times: u64,
    /// What the memory caps dropped (the pairer's count aside).
    pub dropped: Dropped,
    /// Command lines of the traced programs (execve, or the host's for a process attached to),
    /// distinct, the first [`COMMAND_LINES`]: where their configuration is named.
    pub command_lines: Vec<(Pid, Vec<Vec<u8>>)>,
    /// Processes killed by a signal, with who sent it and the resets that followed.
    pub kills: Vec<kills::Kill>,
}

/// Command lines kept for finding the configuration of the traced programs.
const COMMAND_LINES: usize = 16;

/// Whether a failure group is routine: one every healthy process has, whatever follows it (a
/// process's reaction is never attributed to one).
pub(crate) type IsRoutine = Box<dyn Fn(&Failure) -> bool>;

/// What the live host says about a traced process at its failure, for `run` and `attach`:
/// their pids are this host's, and a process is still there while it reports the error.
/// `drive` reads `/proc` for it; the analysis never reads the host itself.
pub(crate) trait LiveHost {
    /// The ids `pid` acts with now.
    fn ids(&self, pid: Pid) -> Option<process::Credentials>;
    /// `pid`'s descriptor limits now.
    fn nofile(&self, pid: Pid) -> Option<process::HostNoFile>;
    /// The process holding a socket bound to `port` (tcp or udp, v4 or v6).
    fn port_holder(&self, port: u16) -> Option<PortHolder>;
}

/// A process holding a port: its pid and command line.
pub(crate) type PortHolder = (Pid, Vec<Vec<u8>>);

pub struct Analyzer {
    is_routine: IsRoutine,
    live_host: Option<Box<dyn LiveHost>>,
    /// Under `run`/`attach`: the ids each process acted with when first seen, read from
    /// `/proc` while it was there (else its parent's), for when it is gone by its failure.
    first_ids: HashMap<Pid, process::Credentials>,
    procs: ProcessTable,
    state: Processes,
    failures: Failures,
    evidence: PathEvidence,
    symptoms: Symptoms,
    waits: Waits,
    blames: Blames,
    pids: HashSet<Pid>,
    /// Processes strace said it attached to that have made no call yet.
    announced: HashSet<Pid>,
    /// The pid of the previous event (consecutive events mostly share one).
    last_pid: Option<Pid>,
    syscalls: u64,
    failed: u64,
    interruptions: u64,
    exits: u64,
    /// Times a process was forgotten to stay within the memory caps.
    forgotten: u64,
    live: Option<LiveQueue>,
    clock: clock::Clock,
    coverage: coverage::Coverage,
    command_lines: Vec<(Pid, Vec<Vec<u8>>)>,
    kills: kills::Kills,
    /// The line of the event being looked at.
    line: u64,
}

impl Analyzer {
    pub(crate) fn new(max_groups: usize, is_routine: IsRoutine) -> Self {
        Analyzer {
            is_routine,
            live_host: None,
            first_ids: HashMap::default(),
            procs: ProcessTable::new(),
            state: Processes::default(),
            failures: Failures::new(max_groups),
            evidence: PathEvidence::default(),
            symptoms: Symptoms::default(),
            waits: Waits::default(),
            blames: Blames::default(),
            pids: HashSet::default(),
            announced: HashSet::default(),
            last_pid: None,
            coverage: coverage::Coverage::default(),
            syscalls: 0,
            failed: 0,
            interruptions: 0,
            exits: 0,
            forgotten: 0,
            live: None,
            clock: clock::Clock::default(),
            command_lines: Vec::new(),
            kills: kills::Kills::default(),
            line: 0,
        }
    }

    /// Takes one event (in input order) read from `source`.
    pub fn push(&mut self, source: &str, ev: &Event) {
        let sane = self.clock.sane(ev);
        let ev = sane.as_ref().unwrap_or(ev);
        self.line = ev.line;
        // lines without a pid prefix come from one process strace did not name
        let pid = ev.pid.unwrap_or(0);
        let counted = !matches!(ev.kind, EventKind::Strace { .. } | EventKind::Unparsed { .. });
        if counted && self.last_pid != Some(pid) && self.pids.len() < MAX_PIDS {
            // a process strace announced is begun by its first event
            if self.pids.insert(pid) || (!self.announced.is_empty() && self.announced.remove(&pid)) {
                self.waits.begun(pid, ev.line, secs(ev));
                self.note_first_ids(pid);
            }
            self.last_pid = Some(pid);
        }
        if self.waits.wants_next(pid) {
            self.waits.next_line(pid, secs(ev));
        }
        if self.waits.checks_next(pid) {
            self.waits.check_next(pid, secs(ev));
        }
        if !matches!(ev.kind, EventKind::Syscall(_) | EventKind::Routine) {
            self.evidence.forget_last_success();
        }
        match &ev.kind {
            EventKind::Syscall(sc) => self.syscall(source, ev, pid, sc),
            EventKind::Exit { code } => {
                self.flush_error_text(pid);
                // a thread ends with its process: the process's exit is the symptom, and the
                // thread's failures go to the thread that made it
                let thread = self.state.is_thread(pid);
                if *code != 0 && !thread {
                    self.symptoms.add_exit(pid, *code);
                }
                self.react(pid, |r| r.exit_code = Some(*code), *code != 0, None);
                if !thread {
                    self.blames.exited(pid, self.state.parent(pid), *code);
                }
                if *code != 0 {
                    let causes = if thread {
                        self.candidates(pid, false)
                    } else {
                        self.blame(pid, SymptomKind::Exit(*code), Candidates::new())
                    };
                    self.state.blame_parent(pid, &causes);
                }
                self.waits.ended(pid, ev.line, secs(ev), false);
                self.first_ids.remove(&pid);
                self.state.remove(pid);
                self.evidence.ended(pid);
                self.procs.apply(pid, ev);
            }
            EventKind::Killed { signal, core_dumped } => {
                self.flush_error_text(pid);
                let serving = self.procs.serving(pid);
                self.kills.killed(pid, signal, source, ev.line, secs(ev), serving);
                self.symptoms.add_kill(pid, signal, *core_dumped);
                // SIGTERM and friends are someone stopping the process, not a reaction
                if symptom::is_crash_signal(signal) {
                    self.react(pid, |r| r.killed_by = Some(signal.to_string()), true, None);
                    let causes = self.blame(pid, SymptomKind::Killed(signal.to_string()), Candidates::new());
                    self.state.blame_parent(pid, &causes);
                }
                self.waits.ended(pid, ev.line, secs(ev), true);
                self.first_ids.remove(&pid);
                self.state.remove(pid);
                self.evidence.ended(pid);
                self.procs.apply(pid, ev);
            }
            EventKind::Strace { message } => {
                if let Some(attached) = crate::parse::attached_pid(message) {
                    self.procs.attached(attached);
                }
            }
            EventKind::Routine => {
                self.syscalls += 1;
                self.state.tick_known(pid);
                self.waits.went_on(pid);
            }
            EventKind::Signal { .. } | EventKind::Unparsed { .. } => {}
        }
        self.keep_within_memory();
        // tables of exited processes go in bulk (a stream may run millions of processes)
        if matches!(ev.kind, EventKind::Exit { .. } | EventKind::Killed { .. }) {
            self.exits += 1;
            if self.exits.is_multiple_of(GC_EXITS) {
                self.procs.collect_garbage();
            }
        }
    }

    fn syscall(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall) {
        self.syscalls += 1;
        self.state.tick(pid);
        let info = sc.info;
        self.coverage.call(info);
        self.waits.went_on(pid);
        // the same calls the parser's fast path skips (`syscalls::BRIEF_WAIT`)
        // (a lock taken at once is no wait either, though the lock's holder is kept)
        let brief = (info.brief_is_nothing() || info.does.has(Does::LOCK))
            && sc.duration.is_some_and(|d| d < syscalls::BRIEF_WAIT);
        if (info.waits(&sc.args) && !brief) || Waits::open_blocked(info, sc) {
            self.waits.call(pid, ev, sc, info, &mut self.procs);
            if sc.duration.is_some_and(|d| d >= state::LONG_WAIT) {
                self.state.waited(pid);
            }
        }
        if info.does.has(Does::LOCK) {
            self.waits.lock_taken(pid, ev.line, sc, &mut self.procs);
        }
        if self.waits.touches_pipes(pid, sc, info.does) {
            self.waits.pipe_call(pid, ev.line, sc, info.does);
        }
        if let (true, Return::Value { value, .. }) = (info.does.has(Does::FORK), &sc.ret) {
            if let Ok(child) = Pid::try_from(*value) {
                self.waits.forked(pid, child);
            }
        }
        let resolve = |procs: &mut ProcessTable| sc.path.as_deref().map(|p| procs.resolve(Some(pid), sc, p));
        match &sc.ret {
            Return::Error { errno, message } => {
                // a fork refused with EAGAIN hit the process limit: a failure, not a retry
                let limit = &**errno == "EAGAIN" && info.does.has(Does::FORK);
                if (classify(errno) == ErrnoClass::Transient && !limit)
                    || syscalls::timed_wait_expired(sc.name.as_bytes(), errno)
                {
                    self.interruptions += 1;
                    if &**errno == "EINPROGRESS" && info.does.has(Does::CONNECT) {
                        self.mark_connecting(pid, sc);
                        self.note_connection_end(pid, sc, info.does);
                    }
                } else {
                    self.failed += 1;
                    let resolved = match self.second_path_blamed(pid, sc, errno) {
                        Some(p) => Some(self.procs.resolve(Some(pid), sc, p)),
                        None => resolve(&mut self.procs),
                    };
                    // most failures repeat a path: its group is found without building a target
                    let known = match &resolved {
                        _ if process_wide(errno) || limit => None,
                        Some(r) if sc.addr.is_none() && r.absolute && !r.path.is_empty() => {
                            self.failures.find_path(&r.path)
                        }
                        _ => None,
                    };
                    let group = match known {
                        Some(id) => Group::Known(id),
                        None => Group::ByTarget(self.target(pid, sc, errno, resolved.as_ref())),
                    };
                    self.fail(source, ev, pid, sc, group, errno, message);
                }
            }
            Return::Restart { .. } => self.interruptions += 1,
            Return::Value { .. } => {
                let creating = info.creates(&sc.args);
                let call = evidence::PathCall {
                    creating,
                    lookup: info.does.has(Does::LOOKUP),
                    // what a process writes (a log, a temporary or cache file) is not what it
                    // was told: only files opened to be read may name a wrong path (for the
                    // open family `creating` is its O_CREAT, searched once)
                    opened: info.opens_file(&sc.args) && !creating && !crate::bytes::contains(&sc.args, b"O_WRONLY"),
                };
                if call.creating || call.lookup {
                    if let Some(r) = resolve(&mut self.procs).filter(|r| r.absolute) {
                        if call.creating && fresh_file(info, &sc.args) {
                            self.state.note_created(pid, &r.path);
                        }
                        self.evidence.success_on_path(pid, sc, &r.path, call, &mut self.failures, &mut self.state);
                    }
                }
                let fd = sc.fd.as_ref().and_then(|f| f.num);
                if info.does.has(Does::BIND) {
                    if let Some(SockAddr::Inet { port, .. } | SockAddr::Inet6 { port, .. }) = &sc.addr {
                        self.evidence.bound(*port, pid, fd);
                    }
                } else if let (true, Some(fd)) = (info.does.has(Does::CLOSE), fd) {
                    self.evidence.closed(pid, fd);
                    self.waits.closed(pid, fd, ev);
                }
                if info.does.has(Does::SIGNALS) {
                    self.kills.signalled(pid, &sc.name, &sc.args, source, ev.line);
                }
                self.note_connection_end(pid, sc, info.does);
                self.success(source, ev, pid, sc, info.does);
            }
            _ => {}
        }
        self.procs.apply(pid, ev);
        if let Some((setter, of, resource)) = self.procs.take_limit_set() {
            let mut read = self.state.opened(setter);
            read.drain(..read.len().saturating_sub(LIMIT_READ));
            self.procs.limit_read_before(of, resource, read);
        }
    }

    /// Past the budget of the process table or of the per-process history: the tables of
    /// exited processes go, then the least recently active processes are forgotten in both.
    fn keep_within_memory(&mut self) {
        if self.procs.size() <= memory::PROCESSES && self.state.size() <= memory::HISTORY {
            return;
        }
        self.procs.collect_garbage();
        while self.procs.size() > memory::low_water(memory::PROCESSES)
            || self.state.size() > memory::low_water(memory::HISTORY)
        {
            let gone = self.procs.forget_least_recent();
            if gone.is_empty() {
                // history of processes the table no longer has
                self.forgotten += self.state.clear() as u64;
                break;
            }
            self.forgotten += gone.len() as u64;
            for pid in gone {
                self.state.remove(pid);
            }
        }
        self.evidence.forget_last_success();
    }

    fn target(&mut self, pid: Pid, sc: &Syscall, errno: &str, resolved: Option<&Resolved>) -> Target {
        if let Some(addr) = &sc.addr {
            return self.address_target(pid, sc, addr);
        }
        if process_wide(errno) || errno == "EAGAIN" {
            return Target::Call { syscall: sc.name.to_string(), errno: errno.to_string() };
        }
        // a send or receive on a connection that failed: the connection's peer failed
        if classify(errno) == ErrnoClass::Network {
            let fd = sc.fd.as_ref().and_then(|f| f.num);
            if let Some(FdTarget::Socket { role: SocketRole::Peer(addr), .. }) =
                fd.and_then(|n| self.procs.fd(pid, n)).cloned()
            {
                return self.address_target(pid, sc, &addr);
            }
        }
        match resolved {
            Some(r) if !r.path.is_empty() => Target::Path { path: r.path.to_vec(), absolute: r.absolute },
            _ => {
                // a write or sync on a descriptor: the file it was opened on (without -y)
                let fd = sc.fd.as_ref().and_then(|f| f.num);
                match fd.and_then(|n| self.procs.fd(pid, n)) {
                    Some(FdTarget::Path(p)) if p.starts_with(b"/") => Target::Path { path: p.clone(), absolute: true },
                    _ => Target::Call { syscall: sc.name.to_string(), errno: errno.to_string() },
                }
            }
        }
    }

    /// The path of a two-path call (rename, link, symlink and their `*at` forms) that its
    /// failure is about, when it is the second one: a symlink's first argument is only the
    /// text the link will hold; only the destination can exist in the way (EEXIST, ENOTEMPTY,
    /// EISDIR); and a file the process itself just created and wrote (a temporary file to be
    /// renamed into place) carries no attributes nor another owner that would refuse the call,
    /// so the destination does. Not for EXDEV, where neither path is wrong but the pair.
    fn second_path_blamed<'s>(&self, pid: Pid, sc: &'s Syscall, errno: &str) -> Option<&'s [u8]> {
        let second = sc.path2.as_deref()?;
        let name = sc.name.as_bytes();
        // the calls that make a directory entry from two paths (not `mount`, whose second path
        // is a source)
        if !syscalls::info(name).does.has(Does::ENTRY) || second.is_empty() || errno == "EXDEV" {
            return None;
        }
        // a relative second path of an `*at` call is relative to its own directory descriptor:
        // resolved only when that is the first one's
        if !second.starts_with(b"/") && !same_directories(sc) {
            return None;
        }
        if name.starts_with(b"symlink") || matches!(errno, "EEXIST" | "ENOTEMPTY" | "EISDIR") {
            return Some(second);
        }
        let first = sc.path.as_deref()?;
        let made_here = if first.starts_with(b"/") {
            self.state.created_last(pid, first)
        } else {
            let base = sc.dirfd.as_ref().and_then(|d| d.decoration.as_deref()).filter(|d| d.starts_with(b"/"));
            base.is_some_and(|b| {
                let mut p = b.to_vec();
                p.push(b'/');
                p.extend_from_slice(first);
                self.state.created_last(pid, &p)
            })
        };
        made_here.then_some(second)
    }

    /// The connection end `pid` holds, from `accept`'s result or `connect`'s descriptor under
    /// `-yy`: whose death a reset on the other end follows from.
    fn note_connection_end(&mut self, pid: Pid, sc: &Syscall, does: Does) {
        let dec = if does.has(Does::ACCEPT) {
            match &sc.ret {
                Return::Value { decoration: Some(d), .. } => d,
                _ => return,
            }
        } else if does.has(Does::CONNECT) {
            match sc.fd.as_ref().and_then(|f| f.decoration.as_ref()) {
                Some(d) => d,
                None => return,
            }
        } else {
            return;
        };
        self.kills.holds(pid, dec);
    }

    fn address_target(&mut self, pid: Pid, sc: &Syscall, addr: &SockAddr) -> Target {
        // an IPv4 peer reached through an IPv6 socket (`[::ffff:127.0.0.1]:5432`, Java's
        // default) is that IPv4 address
        let mapped = match addr {
            SockAddr::Inet6 { ip, port } => ip
                .strip_prefix("::ffff:")
                .filter(|v4| v4.parse::<std::net::Ipv4Addr>().is_ok())
                .map(|v4| SockAddr::Inet { ip: v4.into(), port: *port }),
            _ => None,
        };
        let addr = mapped.as_ref().unwrap_or(addr);
        let tracked = sc.fd.as_ref().and_then(|f| f.num).and_then(|fd| self.procs.fd(pid, fd));
        let proto = process::proto(addr, tracked, sc.fd.as_ref().and_then(|f| f.decoration.as_deref()));
        let unix_path = match addr {
            SockAddr::Unix { path, abstract_ns: false } => Some(path.to_vec()),
            _ => None,
        };
        Target::Address { proto, addr: addr.to_string(), unix_path }
    }

    /// Counts one failure into its group (made when new) and remembers it as the process's
    /// latest.
    #[allow(clippy::too_many_arguments)] // one failure's facts, from two call sites
    fn fail(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall, group: Group, errno: &str, message: &str) {
        self.evidence.forget_last_success();
        let at = At { source, line: ev.line, time: ev.time.as_ref().map(Timestamp::text) };
        let (id, is_new) = match group {
            Group::Known(id) => (id, false),
            Group::ByTarget(target) => match self.failures.find(&target) {
                Some(id) => (id, false),
                None => match self.failures.create(target, &at, group::sample_line(sc)) {
                    Some(id) => (id, true),
                    None => return,
                },
            },
        };
        self.failures.count(id, &sc.name, errno, message, ev.pid, &at);
        if errno == "EPIPE" && self.failures.groups[id].after_reader.is_none() {
            self.failures.groups[id].after_reader = self.waits.reader_gone(pid, sc);
        }
        if matches!(errno, "ECONNRESET" | "EPIPE") {
            let dec = sc.fd.as_ref().and_then(|f| f.decoration.as_deref());
            // a connection, by its decoration or the descriptor table (a pipe's reader is
            // `after_reader`)
            let fd = sc.fd.as_ref().and_then(|f| f.num);
            let socket = dec.map_or_else(
                || matches!(fd.and_then(|n| self.procs.fd(pid, n)), Some(FdTarget::Socket { .. })),
                kills::is_connection,
            );
            if let Some(k) = socket.then(|| self.kills.reset_by(dec, secs(ev))).flatten() {
                let kill = &self.kills.kills[k];
                let g = &mut self.failures.groups[id];
                g.after_kill.get_or_insert_with(|| group::AfterKill {
                    kill: k,
                    pid: kill.pid,
                    signal: kill.signal.clone(),
                });
                g.after_kill_count += 1;
            }
        }
        if errno == "ETIMEDOUT" {
            if let Some(on) = self.waits.timeout_failure(pid, ev.line) {
                self.failures.groups[id].timeout_of.get_or_insert(on);
            }
        }
        self.state.failed(pid, id);
        if self.evidence.wants_at_failure(id, errno, &sc.name) {
            let at = self.at_failure(pid, sc, errno);
            self.evidence.add_at_failure(id, at);
        }
        if is_new {
            let g = &mut self.failures.groups[id];
            let url = self.state.request_of(pid);
            g.requested =
                url.filter(|u| u.len() > 1 && g.target.fs_path().is_some_and(|p| p.ends_with(u))).map(<[u8]>::to_vec);
            g.asked_for = g.requested.is_some() || url.zip(g.target.fs_path()).is_some_and(|(u, p)| names_file(u, p));
            self.evidence.new_group(id, g.target.fs_path(), errno, pid, &self.state);
            let reader = self.reader(pid);
            self.evidence.add_reader(id, reader);
        }
    }

    /// Under `run`/`attach`, remembers the ids `pid` acts with, first seen now.
    fn note_first_ids(&mut self, pid: Pid) {
        let Some(host) = &self.live_host else { return };
        if self.first_ids.len() >= MAX_FIRST_IDS {
            return;
        }
        let inherited = || self.state.parent(pid).and_then(|p| self.first_ids.get(&p).cloned());
        let ids = host.ids(pid).or_else(inherited);
        if let Some(ids) = ids.filter(|i| i.groups.as_ref().is_none_or(|g| g.len() <= MAX_FIRST_GROUPS)) {
            self.first_ids.insert(pid, ids);
        }
    }

    /// The ids `pid` acts with now: from the trace's `set*id` calls, else, under `run` and
    /// `attach`, from `/proc` (now, or when the process was first seen).
    fn reader(&self, pid: Pid) -> evidence::Reader {
        let ids = self.procs.credentials(pid);
        let host = match &self.live_host {
            Some(host) if ids.uid.is_none() => host.ids(pid).or_else(|| self.first_ids.get(&pid).cloned()),
            _ => None,
        };
        match host {
            Some(ids) => evidence::Reader { ids, from_host: true },
            None => evidence::Reader { ids, from_host: false },
        }
    }

    /// The process `pid` as it failed `sc` with `errno`.
    fn at_failure(&mut self, pid: Pid, sc: &Syscall, errno: &str) -> AtFailure {
        let descriptors = matches!(errno, "EMFILE" | "ENFILE");
        let held = descriptors.then(|| self.procs.fds_held(pid));
        let limit = Resource::behind(errno, &sc.name).iter().find_map(|&r| self.procs.limit(pid, r));
        let limit_now = match &self.live_host {
            Some(host) if errno == "EMFILE" => host.nofile(pid),
            _ => None,
        };
        let port = match &sc.addr {
            Some(SockAddr::Inet { port, .. } | SockAddr::Inet6 { port, .. }) if errno == "EADDRINUSE" => Some(*port),
            _ => None,
        };
        let traced_holder = port
            .and_then(|p| self.evidence.port_holder(p))
            .filter(|&holder| holder != pid)
            .map(|holder| (holder, self.state.argv(holder)));
        // a holder the trace does not show (started before it, or not traced): the host knows
        let host_holder = match (&traced_holder, port, &self.live_host) {
            (None, Some(p), Some(host)) => host.port_holder(p).filter(|(holder, _)| *holder != pid),
            _ => None,
        };
        let holder_from_host = host_holder.is_some();
        let port_holder = traced_holder.or(host_holder);
        let mut credentials = self.procs.credentials(pid);
        // read at the failure: the process is still there (it is reporting the error)
        let from_host = match &self.live_host {
            Some(host) if credentials.uid.is_none() && classify(errno) == ErrnoClass::Permission => host.ids(pid),
            _ => None,
        };
        let ids_from_host = from_host.is_some();
        if let Some(c) = from_host {
            credentials = c;
        }
        AtFailure {
            errno: errno.to_string(),
            pid,
            syscall: sc.name.to_string(),
            args: sc.args.to_vec(),
            credentials,
            ids_from_host,
            held,
            limit,
            limit_now,
            port_holder,
            holder_from_host,
        }
    }

    fn is_routine(&self, id: usize) -> bool {
        (self.is_routine)(&self.failures.groups[id])
    }

    /// Groups the process reacted to since the last call (only with [`Analyzer::watch_live`]):
    /// error text naming them, an error response, a bad exit, a crash.
    pub(crate) fn take_fresh(&mut self) -> Vec<usize> {
        self.live.as_mut().map(|l| std::mem::take(&mut l.fresh)).unwrap_or_default()
    }

    /// Asks `host`, at a failure, for what the trace does not show: the ids of a process that
    /// failed on a permission (no `set*id` call of its own or its parents'), the descriptor
    /// limits of one out of descriptors, the holder of a port in use.
    pub(crate) fn ask_live_host(&mut self, host: Box<dyn LiveHost>) {
        self.live_host = Some(host);
    }

    /// Starts collecting groups for [`Analyzer::take_fresh`].
    pub(crate) fn watch_live(&mut self) {
        self.live = Some(LiveQueue::default());
    }

    pub(crate) fn group(&self, id: usize) -> &Failure {
        &self.failures.groups[id]
    }

    pub(crate) fn evidence(&self) -> &PathEvidence {
        &self.evidence
    }

    /// Running counts for a status line: (failed syscalls, failure groups, live suspects).
    pub(crate) fn counts(&self) -> (u64, usize, usize) {
        (self.failed, self.failures.groups.len(), self.live.as_ref().map_or(0, |l| l.shown))
    }

    /// Counts `pid` as traced even if it makes no call (strace said it attached to it).
    pub(crate) fn add_process(&mut self, pid: Pid) {
        if self.pids.len() < MAX_PIDS && self.pids.insert(pid) {
            self.announced.insert(pid);
        }
    }

    /// A live trace stopped at `t` (time of day, the clock of `-tt`).
    pub(crate) fn traced_until(&mut self, t: f64) {
        self.waits.traced_until = Some(t);
    }

    /// `/proc` showed the processes holding the other end of pipe `inode` (its write end when
    /// `write_end`) when tracing began, with the call each was blocked in.
    pub(crate) fn pipe_end_live(
        &mut self,
        inode: u64,
        write_end: bool,
        holders: Vec<(Pid, Option<(&str, waits::on::On)>)>,
    ) {
        self.waits.pipe_end_live(inode, write_end, holders);
    }

    /// `/proc` showed `holders` holding the peer of the unix socket `inode` that `waiter` was
    /// blocked on (`on`) when tracing began, with the call each was blocked in.
    pub(crate) fn socket_end_live(
        &mut self,
        waiter: Pid,
        (on, inode): (waits::on::On, u64),
        holders: Vec<(Pid, Option<(&str, waits::on::On)>)>,
    ) {
        self.waits.socket_end_live(waiter, (on, inode), holders);
    }

    /// `/proc` showed `pid` blocked in a call when tracing began.
    pub(crate) fn in_flight(&mut self, pid: Pid, call: waits::InFlight) {
        self.waits.in_flight(pid, call);
    }

    /// Whether an event of `pid` was seen (or it was added as traced).
    pub(crate) fn has_process(&self, pid: Pid) -> bool {
        self.pids.contains(&pid)
    }

    /// Of `calls` still in progress, the non-idle wait that began first: its target and start.
    pub(crate) fn longest_wait(&mut self, calls: &[Event]) -> Option<(crate::text::TraceText, f64)> {
        self.waits.longest_open(calls, &mut self.procs)
    }

    /// Records that the live output showed one more suspect.
    pub(crate) fn mark_shown(&mut self) {
        if let Some(l) = self.live.as_mut() {
            l.shown += 1;
        }
    }

    /// What was collected, to be judged.
    pub(crate) fn finish(self) -> Collected {
        let dropped = Dropped {
            processes: self.forgotten,
            descriptor_tables: self.procs.emptied,
            failures: self.failures.over_budget,
            evidence: self.evidence.dropped(),
            known_paths: self.evidence.known.dropped,
            ..Dropped::default()
        };
        Collected {
            failures: self.failures,
            evidence: self.evidence,
            symptoms: self.symptoms,
            coverage: self.coverage,
            waits: self.waits,
            blames: self.blames,
            processes: self.pids.len() as u64,
            syscalls: self.syscalls,
            failed: self.failed,
            interruptions: self.interruptions,
            ignored_durations: self.clock.ignored_durations,
            ignored_times: self.clock.ignored_times,
            dropped,
            command_lines: self.command_lines,
            kills: self.kills.kills,
        }
    }

    /// `pid` runs the command line `argv` (from its execve, or from the host for a process
    /// started before the trace): kept when new, up to [`COMMAND_LINES`], each argument cut to
    /// a path's length.
    pub(crate) fn note_command_line(&mut self, pid: Pid, argv: &[Vec<u8>]) {
        if argv.is_empty() || self.command_lines.len() >= COMMAND_LINES {
            return;
        }
        let argv: Vec<Vec<u8>> = argv.iter().take(64).map(|a| a[..a.len().min(memory::PATH_MAX)].to_vec()).collect();
        if !self.command_lines.iter().any(|(_, a)| *a == argv) {
            self.command_lines.push((pid, argv));
        }
    }
}

/// Whether request path `url` names file `path`: by its last segment (the same name, or the
/// same without an extension: `/items/C999` and `/srv/shop/items/C999.json`), or as a
/// directory on the way to what was asked (`/.git/config` and `/var/www/site/.git`).
/// A successful creating call that leaves a file of the process's own making, open to it for
/// writing: `mkdir`, `mknod`, `creat`, or an `O_CREAT` open for writing that does not append
/// (an append-only file takes only `O_APPEND` opens, and an immutable one no write open at
/// all, so such an open shows the file has neither attribute).
fn fresh_file(info: syscalls::Info, args: &[u8]) -> bool {
    let has = |flag: &[u8]| crate::bytes::contains(args, flag);
    !info.does.has(Does::OPEN_FD) || (has(b"O_CREAT") && (has(b"O_WRONLY") || has(b"O_RDWR")) && !has(b"O_APPEND"))
}

/// Whether a two-path `*at` call names the same directory descriptor for both paths (or is a
/// call without descriptors, whose paths are both relative to the working directory).
fn same_directories(sc: &Syscall) -> bool {
    let shape = syscalls::info(sc.name.as_bytes()).shape;
    let (Some((d1, _)), Some((d2, _))) = (shape.path, shape.path2) else { return false };
    let args = crate::parse::split_args(&sc.args, d1.max(d2).map_or(1, |d| usize::from(d) + 1));
    // no descriptor argument: the working directory, as AT_FDCWD
    let dir = |d: Option<u8>| match d {
        None => Some(&b"AT_FDCWD"[..]),
        Some(i) => args.get(usize::from(i)).and_then(|a| a.split(|&c| c == b'<').next()),
    };
    dir(d1).is_some() && dir(d1) == dir(d2)
}

fn names_file(url: &[u8], path: &[u8]) -> bool {
    let last = |p: &[u8]| p.rsplit(|&c| c == b'/').next().unwrap_or(p).to_vec();
    let stem = |n: &[u8]| n[..n.iter().position(|&c| c == b'.').unwrap_or(n.len())].to_vec();
    let url = url.strip_suffix(b"/").unwrap_or(url);
    let (u, p) = (last(url), last(path));
    let by_name = u.len() >= 2 && (u == p || stem(&u) == stem(&p));
    let on_the_way = path.iter().enumerate().filter(|(_, &c)| c == b'/').any(|(i, _)| {
        let tail = &path[i..];
        tail.len() > 1 && url.starts_with(tail) && url.get(tail.len()).is_some_and(|&c| c == b'/')
    });
    by_name || on_the_way
}

/// Out of descriptors: a condition of the whole process, whatever path it was opening when
/// it hit the limit, so such failures are one group by call.
fn process_wide(errno: &str) -> bool {
    matches!(errno, "EMFILE" | "ENFILE")
}

impl Collected {
    /// The trace shows failed calls only (`strace -Z`, `--failed-only`): of a number of calls
    /// enough to tell, none succeeded. What succeeded — the lookups that found a file, the
    /// answers and writes — is not in it.
    pub(crate) fn failures_only(&self) -> bool {
        /// Fewer calls than this tell nothing (a short trace of one failing command).
        const ENOUGH: u64 = 20;
        self.syscalls >= ENOUGH && self.syscalls <= self.failed + self.interruptions
    }

    /// Whether the trace shows some syscalls only (`strace -e trace=...`, see [`coverage`]).
    pub(crate) fn some_syscalls_only(&self) -> bool {
        !self.failures_only() && self.coverage.some_syscalls_only(self.syscalls)
    }
}

/// The event's absolute timestamp in seconds (`-r` deltas are none).
pub(crate) fn secs(ev: &Event) -> Option<f64> {
    ev.time.as_ref().filter(|t| !t.relative).map(Timestamp::secs)
}

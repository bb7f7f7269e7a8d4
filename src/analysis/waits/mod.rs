//! Where the time went: every call that can wait (see `syscalls::Info::waits`), with how long it
//! took (`-T`, else a paired call's two timestamps, else the time to the process's next line),
//! attributed to what it waited on ([`On`]). A `poll`/`epoll_wait` over several descriptors is
//! attributed to the descriptor the process served next (what became ready); calls still
//! unfinished when the trace ended are kept as stuck.
//!
//! Each wait is a stall or idle, by what the process was owed. Inside a request
//! ([`requests`]) every wait but one for a client is a stall. Elsewhere: waiting for a client
//! (a listening socket, an accepted connection) or a terminal is idle; the disk and a lock are
//! always owed (a stall); on a connection, pipe or other descriptor the process is owed an
//! answer only after it wrote to it (or connected) and before it read from it again — a
//! worker reading its master's channel, a master's event loop, a parent reading its child's
//! output owe nothing and are idle. Sleeps, futexes and waits for a child are idle outside
//! requests (a timer loop, a thread pool waiting for work, a parent whose child's own waits
//! tell where the time went), except that futexes still waiting at the end are a hang when
//! nothing else was waiting for input.

mod attach;
mod blocking;
pub(crate) mod calls;
pub(crate) mod chain;
mod impossible;
pub(crate) mod on;
mod pipes;
pub(crate) mod requests;
mod targets;
pub(crate) mod timeouts;

use rustc_hash::FxHashMap as HashMap;

use crate::event::{Event, FdArg, Pid, Return, Syscall};
use crate::syscalls::{Does, Info};
use crate::text::TraceText;
pub(crate) use attach::{InFlight, UNKNOWN};
use on::On;
pub(crate) use pipes::inode as pipe_inode;
use requests::Requests;

use super::process::ProcessTable;

/// Targets kept; waits on more are counted in [`Waits::overflow`].
const MAX_TARGETS: usize = 4096;
/// Processes whose start and end, or owed descriptors, are kept at once.
const MAX_PROCS: usize = 100_000;
/// Calls in progress, pending polls and epoll sets kept at once (each holds a name of up to
/// 4 KiB).
const MAX_OPEN: usize = 4096;
/// Pids and syscall names kept per target.
pub(crate) const PIDS: usize = 8;
const SYSCALLS: usize = 6;
/// Descriptors read from a poll set or remembered per epoll set, and the bytes of each
/// registered descriptor's decoration kept.
const SET: usize = 16;
const REGISTERED_NAME: usize = 256;
/// A wait that returned with EAGAIN after this long hit a receive timeout (`SO_RCVTIMEO`).
const TIMED_OUT_AGAIN: f64 = 0.1;

/// One target's waits.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    pub on: On,
    pub total: f64,
    /// Of `total`, the time that was a stall (not idle).
    pub stalled: f64,
    /// Of `stalled`, the time inside requests.
    pub in_requests: f64,
    pub count: u64,
    pub longest: f64,
    pub longest_line: u64,
    pub syscalls: Vec<(String, u64)>,
    pub pids: Vec<Pid>,
    /// Waits that ended by their timeout, and the shortest and longest of them.
    pub timeouts: u64,
    pub timeout_min: f64,
    pub timeout_secs: f64,
}

/// A call still waiting when the trace ended.
#[derive(Debug, Clone)]
pub(crate) struct Stuck {
    pub pid: Pid,
    pub syscall: String,
    pub on: On,
    pub since: Option<f64>,
    pub since_text: Option<String>,
    pub line: u64,
    pub idle: bool,
    /// Begun before tracing began (`since` is when the trace first showed it).
    pub before: bool,
}

/// A wait whose target is told by what the process does next.
struct Pending {
    fallback: On,
    secs: f64,
    syscall: String,
    line: u64,
    idle_fallback: bool,
    /// Without a duration: when it started (ended by the process's next line).
    started: Option<f64>,
    /// Begun before the trace (see [`attach`]): whether an answer was owed is not known.
    before: bool,
}

/// How the trace lets waits be measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timing {
    pub durations: bool,
    pub timestamps: bool,
}

#[derive(Default)]
pub(crate) struct Waits {
    index: HashMap<On, usize>,
    pub targets: Vec<Totals>,
    pub overflow: u64,
    /// Calls that began waiting while [`MAX_OPEN`] others were followed: not kept, so whether
    /// they were still waiting at the end is unknown.
    pub stuck_overflow: u64,
    pending: HashMap<Pid, Pending>,
    open: HashMap<Pid, Stuck>,
    epoll: HashMap<(Pid, i64), Vec<FdArg<'static>>>,
    /// Descriptors a process wrote to (or connected) and has not read an answer from since.
    owed: rustc_hash::FxHashSet<(Pid, i64)>,
    /// When each process was first and last seen (its exit), for the share of its wall time.
    starts: HashMap<Pid, f64>,
    ends: HashMap<Pid, f64>,
    pub requests: Requests,
    pub timing: Timing,
    /// A live trace: when strace stopped, on the clock of the trace's timestamps (its calls
    /// still in progress waited until then, not only until the last line).
    pub traced_until: Option<f64>,
    /// What `/proc` showed each thread blocked in when tracing began (see [`attach`]).
    at_attach: HashMap<Pid, InFlight>,
    /// Processes whose last wait was a failed `connect`, and its target (see [`blocking`]).
    retrying: HashMap<Pid, On>,
    /// Failed connects by target, for retry loops.
    attempts: HashMap<On, blocking::Attempts>,
    /// Locked files (`flock`), by the process holding each.
    holders: HashMap<Vec<u8>, blocking::Holder>,
    /// Processes forked in the trace, with their parents.
    born: HashMap<Pid, Pid>,
    /// Who holds each pipe end, and each process's longest wait: for wait chains.
    pipes: pipes::Pipes,
    longest: chain::Longest,
    /// Of pipe waits begun and not yet ended, who held the other end when each began.
    pipe_heads: HashMap<Pid, (chain::Via, Pid)>,
    /// The line of each process's first event: a `restart_syscall` there resumes a call the
    /// trace never saw begin.
    first_lines: HashMap<Pid, u64>,
    /// Each process's last wait timed by `-T`, until its next line confirms the duration
    /// (see [`impossible`]).
    timed: HashMap<Pid, impossible::Timed>,
    /// The latest of them, kept out of `timed` (see [`Waits::held`]).
    last_timed: Option<(Pid, impossible::Timed)>,
    /// `-T` durations taken back: the process's next line, or the trace's end, came before
    /// the call could have ended.
    pub impossible: u64,
    /// Each process's latest wait that timed out, and what each target's timeouts caused.
    timeouts: timeouts::TimedOut,
}

impl Waits {
    /// A process seen for the first time, on `line` at `t`.
    pub fn begun(&mut self, pid: Pid, line: u64, t: Option<f64>) {
        if self.first_lines.len() < MAX_PROCS {
            self.first_lines.insert(pid, line);
        }
        if let Some(t) = t.filter(|_| self.starts.len() < MAX_PROCS) {
            self.starts.entry(pid).or_insert(t);
        }
    }

    /// The process made another call: the one a signal interrupted was not its last.
    pub fn went_on(&mut self, pid: Pid) {
        if !self.open.is_empty() {
            self.open.remove(&pid);
        }
    }

    /// The process ended at `t` (`killed`: by a signal, which leaves the call it interrupted
    /// stuck to the end): an unfinished call did not outlive an exit.
    pub fn ended(&mut self, pid: Pid, line: u64, t: Option<f64>, killed: bool) {
        if !killed {
            self.open.remove(&pid);
        }
        self.locks_freed(pid, line);
        self.pipes_freed(pid);
        self.timeouts_freed(pid);
        if !self.retrying.is_empty() {
            self.retrying.remove(&pid);
        }
        self.requests.ended(pid);
        if let Some(t) = t.filter(|_| self.ends.len() < MAX_PROCS) {
            self.ends.insert(pid, t);
        }
        self.settle(pid, t, None);
    }

    /// Whether a wait of `pid` waits for the process's next line to be measured.
    pub fn wants_next(&self, pid: Pid) -> bool {
        !self.pending.is_empty() && self.pending.get(&pid).is_some_and(|p| p.started.is_some())
    }

    /// The process's next line came at `t`: a wait measured by it ends.
    pub fn next_line(&mut self, pid: Pid, t: Option<f64>) {
        self.settle(pid, t, None);
    }

    /// The wall time of `pid` up to `end` (the trace's last timestamp).
    pub fn wall(&self, pid: Pid, end: f64) -> Option<f64> {
        let start = *self.starts.get(&pid)?;
        Some((self.ends.get(&pid).copied().unwrap_or(end) - start).max(0.0))
    }

    /// Calls still waiting at the end of the trace, in line order.
    pub fn stuck(&self) -> Vec<Stuck> {
        let mut v: Vec<Stuck> = self.open.values().cloned().collect();
        v.sort_by_key(|s| s.line);
        // threads waiting on futexes, locks or timers, none on a descriptor: a deadlock or a
        // hang, not a pool waiting for work beside a thread waiting for input
        let hung = v.iter().all(|s| matches!(s.on, On::Futex(_) | On::Lock(_) | On::Sleep | On::Child(_)));
        // a sleep that began before the trace and outlasted it is the process doing nothing
        // else the whole time
        for s in v.iter_mut().filter(|s| hung && (matches!(s.on, On::Futex(_)) || (s.before && s.on == On::Sleep))) {
            s.idle = false;
        }
        v
    }

    /// Of calls still in progress, the non-idle one waiting longest: its target and the
    /// time it began.
    pub fn longest_open(&self, calls: &[Event], procs: &mut ProcessTable) -> Option<(TraceText, f64)> {
        let mut best: Option<(TraceText, f64)> = None;
        for ev in calls {
            let (Some(sc), Some(t)) = (ev.syscall(), ev.time.as_ref().filter(|t| !t.relative)) else { continue };
            let pid = ev.pid.unwrap_or(0);
            let info = crate::syscalls::info(sc.name.as_bytes());
            if !info.waits(&sc.args) || info.does.has(Does::EPOLL_CTL) {
                continue;
            }
            let Some((on, fd)) = self.target(pid, ev.line, sc, info.does, procs) else { continue };
            let since = t.secs();
            if !self.is_idle(pid, &on, fd, info.does) && best.as_ref().is_none_or(|b| since < b.1) {
                best = Some((on.label(), since));
            }
        }
        best
    }

    /// A waiting call of `pid` (`info` is its row): measured, attributed, counted.
    pub fn call(&mut self, pid: Pid, ev: &Event, sc: &Syscall, info: Info, procs: &mut ProcessTable) {
        let resumed = sc.headless || info.does.has(Does::RESUME);
        if (resumed || !self.at_attach.is_empty() || self.in_opening(ev.line))
            && self.began_before(pid, ev, sc, info.does)
        {
            self.before(pid, ev, sc, info.does, procs);
            return;
        }
        if info.does.has(Does::RESUME) {
            // a call the trace saw begin, resumed after a stop: its wait goes on
            return;
        }
        if !self.retrying.is_empty() {
            if let Some(on) = self.retried(pid, sc, info.does) {
                if let Some(secs) = sc.duration.or(sc.span) {
                    // the loop's time runs to the end of its last sleep
                    if let (Some(a), Some(t)) = (self.attempts.get_mut(&on), super::secs(ev)) {
                        a.last = Some(t + secs);
                    }
                    self.add_timed(pid, ev, sc, on, secs, false, false);
                }
                return;
            }
        }
        self.measure(pid, ev, sc, info.does, procs);
        if info.does.has(Does::CONNECT) && matches!(sc.ret, Return::Error { .. }) {
            if let Some((on, _)) = self.target(pid, ev.line, sc, info.does, procs) {
                self.note_retry(pid, sc, info.does, &on, super::secs(ev));
            }
        }
        // after the wait is judged: the read that waited for an answer was owed it
        self.note_owed(pid, sc.fd.as_ref().and_then(|f| f.num), sc, info.does);
    }

    fn measure(&mut self, pid: Pid, ev: &Event, sc: &Syscall, does: Does, procs: &mut ProcessTable) {
        // parsed only where needed: most waits come with their `-T` duration
        let stamped = ev.time.as_ref().is_some_and(|t| !t.relative);
        let time = || super::secs(ev);
        if does.has(Does::EPOLL_CTL) {
            self.register(pid, sc);
            return;
        }
        // the descriptor a process serves after a poll is the one that became ready
        if !self.pending.is_empty() && self.pending.contains_key(&pid) {
            let next = sc.fd.as_ref().filter(|_| !does.has(Does::POLL));
            let on = next.map(|fd| (on::of_process(fd, procs, pid), fd.num));
            let untimed = self.pending.get(&pid).is_some_and(|p| p.started.is_some());
            self.settle(pid, if untimed { time() } else { None }, on);
        }
        let Some((on, fd)) = self.target(pid, ev.line, sc, does, procs) else { return };
        let secs = sc.duration.or(sc.span);
        self.timing.durations |= sc.duration.is_some();
        self.timing.timestamps |= stamped;
        // interrupted (`? ERESTARTSYS`): stuck if the signal then ends the process
        let interrupted = matches!(sc.ret, Return::Restart { .. });
        if interrupted || matches!(sc.ret, Return::Unfinished) {
            self.note_head(pid, &on, &sc.name);
            if self.open.len() < MAX_OPEN || self.open.contains_key(&pid) {
                let idle = self.is_idle(pid, &on, fd, does);
                let since_text = ev.time.as_ref().map(|t| t.text().to_string());
                let stuck = Stuck {
                    pid,
                    syscall: sc.name.to_string(),
                    on: on.clone(),
                    since: time(),
                    since_text,
                    line: ev.line,
                    idle,
                    before: false,
                };
                self.open.insert(pid, stuck);
            } else {
                self.stuck_overflow += 1;
            }
            if !interrupted {
                return;
            }
        }
        let timeout = timed_out(sc, does, secs);
        // a poll that returned ready over several descriptors: the next call says which
        let several = does.has(Does::POLL) && !timeout && matches!(on, On::Other(_));
        if several || (secs.is_none() && stamped) {
            let idle_fallback = self.is_idle(pid, &on, fd, does);
            if self.pending.len() < MAX_OPEN {
                let started = if secs.is_none() { time() } else { None };
                let pending = Pending {
                    fallback: on,
                    secs: secs.unwrap_or(0.0),
                    syscall: sc.name.to_string(),
                    line: ev.line,
                    idle_fallback,
                    started,
                    before: false,
                };
                self.pending.insert(pid, pending);
            }
            return;
        }
        let Some(secs) = secs else { return };
        let idle = self.is_idle(pid, &on, fd, does);
        self.add_timed(pid, ev, sc, on, secs, idle, timeout);
    }

    /// [`Waits::add`] for the call `sc` of line `ev`, its `-T` duration held until the
    /// process's next line confirms it.
    #[allow(clippy::too_many_arguments)]
    fn add_timed(&mut self, pid: Pid, ev: &Event, sc: &Syscall, on: On, secs: f64, idle: bool, timeout: bool) {
        let added = self.add(pid, on, &sc.name, secs, ev.line, idle, timeout);
        self.held(pid, ev, sc, added);
    }

    /// Ends `pid`'s pending wait: attributed to `next` when the process served a descriptor
    /// next, else to what it was known to wait on; timed by `t` when it had no duration.
    fn settle(&mut self, pid: Pid, t: Option<f64>, next: Option<(On, Option<i64>)>) {
        let Some(p) = self.pending.remove(&pid) else { return };
        let secs = match p.started {
            Some(start) => match t {
                Some(t) => (t - start).max(0.0),
                None => return,
            },
            None => p.secs,
        };
        let (on, idle) = match next {
            Some((on, fd)) => {
                let idle =
                    if p.before { !attach::owed_since_before(&on) } else { self.is_idle(pid, &on, fd, Does::NOTHING) };
                (on, idle)
            }
            None => (p.fallback, p.idle_fallback),
        };
        self.add(pid, on, &p.syscall, secs, p.line, idle, false);
    }

    /// Whether a wait of `pid` on `on` (descriptor `fd`, in a call that `does`) held nothing
    /// up (see the module's notes).
    fn is_idle(&self, pid: Pid, on: &On, fd: Option<i64>, does: Does) -> bool {
        if on.is_idle() || does.has(Does::WAIT_CHILD) {
            return true;
        }
        if self.requests.in_request(pid) || on.is_always_owed() || does.has(Does::WRITE.and(Does::CONNECT)) {
            return false;
        }
        !(on.is_channel() && fd.is_some_and(|fd| self.owed.contains(&(pid, fd))))
    }

    /// Writing to a descriptor (or connecting it) makes its other end owe an answer; data
    /// read from it pays it.
    fn note_owed(&mut self, pid: Pid, fd: Option<i64>, sc: &Syscall, does: Does) {
        let Some(fd) = fd else { return };
        let ok = match &sc.ret {
            Return::Value { value, .. } => *value > 0 || does.has(Does::CONNECT),
            Return::Error { errno, .. } => &**errno == "EINPROGRESS",
            _ => false,
        };
        if !ok {
            return;
        }
        if does.has(Does::WRITE.and(Does::CONNECT)) {
            if self.owed.len() < MAX_PROCS {
                self.owed.insert((pid, fd));
            }
        } else if does.has(Does::READ) {
            self.owed.remove(&(pid, fd));
        }
    }

    /// `pid` closed `fd`: nothing is owed on it any more.
    pub fn closed(&mut self, pid: Pid, fd: i64, ev: &Event) {
        self.owed.remove(&(pid, fd));
        if self.requests.has_open(pid) {
            if let Some(t) = super::secs(ev) {
                self.requests.closed(pid, fd, t);
            }
        }
    }

    #[allow(clippy::too_many_arguments)] // one wait's facts
    fn add(
        &mut self,
        pid: Pid,
        on: On,
        syscall: &str,
        secs: f64,
        line: u64,
        idle: bool,
        timeout: bool,
    ) -> Option<impossible::Added> {
        self.note_longest(pid, &on, syscall, secs, idle);
        self.note_timeout(pid, &on, line, secs, timeout, idle);
        let id = match self.index.get(&on) {
            Some(&id) => id,
            None if self.targets.len() < MAX_TARGETS => {
                let id = self.targets.len();
                self.index.insert(on.clone(), id);
                self.targets.push(Totals {
                    on,
                    total: 0.0,
                    stalled: 0.0,
                    in_requests: 0.0,
                    count: 0,
                    longest: 0.0,
                    longest_line: line,
                    syscalls: Vec::new(),
                    pids: Vec::new(),
                    timeouts: 0,
                    timeout_min: f64::MAX,
                    timeout_secs: 0.0,
                });
                id
            }
            None => {
                self.overflow += 1;
                return None;
            }
        };
        let in_request = !idle && self.requests.in_request(pid);
        if in_request {
            self.requests.stalled(pid, id, secs);
        }
        let w = &mut self.targets[id];
        let (longest_before, timeouts_before) = ((w.longest, w.longest_line), (w.timeout_min, w.timeout_secs));
        w.total += secs;
        w.count += 1;
        if !idle {
            w.stalled += secs;
        }
        if in_request {
            w.in_requests += secs;
        }
        if secs > w.longest {
            (w.longest, w.longest_line) = (secs, line);
        }
        if timeout {
            w.timeouts += 1;
            w.timeout_secs = w.timeout_secs.max(secs);
            w.timeout_min = w.timeout_min.min(secs);
        }
        let counted = match w.syscalls.iter().position(|(n, _)| n == syscall) {
            Some(k) => {
                w.syscalls[k].1 += 1;
                Some(k)
            }
            None if w.syscalls.len() < SYSCALLS => {
                w.syscalls.push((syscall.to_string(), 1));
                Some(w.syscalls.len() - 1)
            }
            None => None,
        };
        if !w.pids.contains(&pid) && w.pids.len() < PIDS {
            w.pids.push(pid);
        }
        Some(impossible::Added {
            id,
            secs,
            line,
            idle,
            in_request,
            timeout,
            syscall: counted,
            longest_before,
            timeouts_before,
        })
    }
}

/// Whether a wait of `secs` ended by its timeout: a poll that found nothing ready, `ETIMEDOUT`,
/// or `EAGAIN` after a receive timeout.
fn timed_out(sc: &Syscall, does: Does, secs: Option<f64>) -> bool {
    match &sc.ret {
        Return::Value { value: 0, .. } => does.has(Does::POLL),
        Return::Error { errno, .. } => {
            &**errno == "ETIMEDOUT" || (&**errno == "EAGAIN" && secs.is_some_and(|s| s >= TIMED_OUT_AGAIN))
        }
        _ => false,
    }
}

//! What a process did after its failures: HTTP responses and error text it wrote, how it
//! ended, the outcome of its non-blocking connects. Each reaction is attributed to the
//! process's recent failures ([`super::state`]).

use std::collections::BTreeMap;

use super::answers::Answers;
use super::blame::{Candidates, SymptomKind, CANDIDATES, COURSE, CRASH_COURSE};
use super::dns;
use super::group::Target;
use super::group::{Failure, Named, Naming, Reactions};
use super::naming;
use super::process::{FdTarget, SocketRole};
use super::symptom::{self, Sink};
use super::waits::timeouts;
use super::{Analyzer, Group};
use crate::event::{Event, Pid, Return, SockAddr, Syscall};
use crate::syscalls::Does;
use crate::text::TraceText;

impl Analyzer {
    /// A successful call that `does` what the syscall table says: a new request, a connect's
    /// outcome, a fork, output.
    pub(super) fn success(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall, does: Does) {
        let t = || super::secs(ev);
        if does.has(Does::ACCEPT) {
            // a new request: earlier failures do not explain what follows
            self.state.clear_recent(pid);
            if let Return::Value { value, .. } = &sc.ret {
                self.symptoms.answers.accepted(pid, *value);
                if let Some(t) = t() {
                    self.waits.requests.accepted(pid, *value, t, ev.line);
                }
            }
        } else if does.has(Does::SOCKET_ERROR) {
            self.connect_result(source, ev, pid, sc);
        } else if does.has(Does::FORK) {
            if let Return::Value { value, .. } = &sc.ret {
                if let Ok(child) = u32::try_from(*value) {
                    self.state.inherit(pid, child, crate::bytes::contains(&sc.args, b"CLONE_THREAD"));
                }
            }
        } else if does.has(Does::EXEC) {
            let argv = symptom::command_line(sc);
            self.note_command_line(pid, &argv);
            self.state.exec(pid, argv);
        } else if does.has(Does::READ) && self.sink(pid, sc) == Some(Sink::Socket) {
            let read = symptom::written_text(sc).bytes;
            if let Some(path) = symptom::http_request(&read) {
                let fd = sc.fd.as_ref().and_then(|f| f.num);
                if let Some(fd) = fd {
                    self.symptoms.answers.request(pid, fd, &path);
                }
                self.state.request(pid, path);
                if let (Some(t), Some(fd)) = (t(), fd) {
                    self.waits.requests.request(pid, fd, t, ev.line);
                }
            } else if self.reads_nameserver(pid, sc) {
                if let Some(answer) = dns::answer(&read) {
                    self.name_answer(source, ev, pid, sc, answer);
                }
            }
        }
        if !does.has(Does::WRITE) {
            return;
        }
        let Some(sink) = self.sink(pid, sc) else { return };
        let written = symptom::written_text(sc);
        let text = written.bytes;
        if text.is_empty() {
            return;
        }
        match sink {
            Sink::Socket => {
                // a FastCGI backend writes its error text and its response to the socket
                let (response, errors) = symptom::fastcgi(&text).unwrap_or((text, Vec::new()));
                if !errors.is_empty() {
                    self.error_text(pid, &errors);
                }
                if let Some(code) = symptom::http_status(&response) {
                    let fd = sc.fd.as_ref().and_then(|f| f.num);
                    if let (Some(t), Some(fd)) = (t(), fd) {
                        self.waits.requests.answered(pid, fd, t, code);
                    }
                    // a backend's `Status:` goes to its web server, which answers the client
                    // itself (counted there when traced)
                    if response.starts_with(b"HTTP/") {
                        self.symptoms.add_http(pid, code);
                        self.symptoms.answers.answered(pid, fd, code);
                    } else {
                        *self.symptoms.backend_http.entry(code).or_default() += 1;
                    }
                    self.react(pid, |r| r.add_http(code), code >= 400, None);
                    if code == 504 {
                        self.waits.timeout_told(pid, true);
                    }
                    if code >= 400 {
                        self.blame(pid, SymptomKind::Http(code), Candidates::new());
                    }
                }
            }
            Sink::ErrorLog => {
                let fd = sc.fd.as_ref().and_then(|f| f.num);
                for line in self.state.error_text(pid, fd, &text, written.cut) {
                    self.error_text(pid, &line);
                }
            }
        }
    }

    /// Whether `sc` reads from a name server: its socket's peer is port 53.
    fn reads_nameserver(&mut self, pid: Pid, sc: &Syscall) -> bool {
        let port53 = |a: &SockAddr| matches!(a, SockAddr::Inet { port: 53, .. } | SockAddr::Inet6 { port: 53, .. });
        let fd = sc.fd.as_ref();
        if sc.addr.as_ref().is_some_and(port53)
            || fd.and_then(|f| f.decoration.as_deref()).is_some_and(|d| d.ends_with(b":53]"))
        {
            return true;
        }
        let tracked = fd.and_then(|f| f.num).and_then(|n| self.procs.fd(pid, n));
        matches!(tracked, Some(FdTarget::Socket { role: SocketRole::Peer(a), .. }) if port53(a))
    }

    /// A name server's answer: a name that does not resolve is a failure of that host; one
    /// that resolves later was found.
    fn name_answer(&mut self, source: &str, ev: &Event, pid: Pid, sc: &Syscall, answer: dns::Answer) {
        let target = Target::Address { proto: "host", addr: answer.name, unix_path: None };
        match answer.error {
            Some(errno) => {
                self.failed += 1;
                let message = if errno == "NXDOMAIN" { "the name does not exist" } else { "the name server failed" };
                self.fail(source, ev, pid, sc, Group::ByTarget(target), errno, message);
            }
            None if answer.answers > 0 => {
                if let Some(id) = self.failures.find(&target) {
                    self.failures.groups[id].succeeded_later = true;
                }
            }
            None => {}
        }
    }

    /// Where the bytes of a write-like call go (or come from, for a read).
    fn sink(&mut self, pid: Pid, sc: &Syscall) -> Option<Sink> {
        let fd = sc.fd.as_ref()?;
        let decorated = fd.decoration.as_deref();
        let tracked = fd.num.and_then(|n| self.procs.fd(pid, n)).cloned();
        symptom::classify_sink(fd.num, decorated, tracked.as_ref())
    }

    /// The process ends: error text it had not finished is complete.
    pub(super) fn flush_error_text(&mut self, pid: Pid) {
        if let Some(line) = self.state.take_error_text(pid) {
            self.error_text(pid, &line);
        }
    }

    /// Text written to stderr or a log: each error-level line is a reaction.
    fn error_text(&mut self, pid: Pid, text: &[u8]) {
        if !symptom::is_text(text) {
            return;
        }
        for line in text.split(|&c| c == b'\n').filter(|l| !l.trim_ascii().is_empty()) {
            if naming::is_error_level(line) {
                let timeout_of = if timeouts::tells_timeout(line) { self.waits.timeout_told(pid, false) } else { None };
                let excerpt = naming::excerpt(line, None);
                self.kills.said(pid, &excerpt, self.line);
                self.symptoms.add_error_text(pid, &excerpt, timeout_of);
                let mut named = self.react(pid, |_| {}, true, Some(line));
                if named.is_empty() {
                    named = self.named_elsewhere(pid, line);
                }
                self.blame(pid, SymptomKind::ErrorText, named);
            }
        }
    }

    /// `connect(...) = -1 EINPROGRESS`: the socket remembers where it is connecting.
    pub(super) fn mark_connecting(&mut self, pid: Pid, sc: &Syscall) {
        if let (Some(fd), Some(addr)) = (sc.fd.as_ref().and_then(|f| f.num), sc.addr.clone()) {
            let stream = !matches!(self.procs.fd(pid, fd), Some(FdTarget::Socket { stream: false, .. }));
            let role = SocketRole::Peer(addr.clone());
            self.procs.set_fd(pid, fd, FdTarget::Socket { stream, connecting: Some(addr), role });
        }
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
            self.fail(source, ev, pid, &failed_connect, Group::ByTarget(target), &errno, message);
        }
    }

    /// Records a symptom of `pid` with the failures that may explain it (see
    /// [`super::blame`]): those its text `named`, else the process's candidates. Returns them.
    pub(super) fn blame(&mut self, pid: Pid, symptom: SymptomKind, named: Candidates) -> Candidates {
        let by_name = !named.is_empty();
        let candidates = if by_name { named } else { self.candidates(pid, matches!(symptom, SymptomKind::Killed(_))) };
        if matches!(symptom, SymptomKind::ErrorText) {
            self.state.blame_text(pid, candidates.clone(), by_name);
        }
        let window = self.state.window(pid);
        self.blames.add(symptom, candidates.clone(), pid, window, self.state.requested(pid));
        candidates
    }

    /// The latest failures of other processes that error `text` of `pid` names by their
    /// whole path or address: a thread the trace does not show as one (attached to a running
    /// process) or a logger reports what another ran into. Each is marked as named.
    fn named_elsewhere(&mut self, pid: Pid, text: &[u8]) -> Candidates {
        let ids: Vec<usize> = self.state.failed_elsewhere(pid).collect();
        let mut named = Candidates::new();
        for id in ids {
            let g = &mut self.failures.groups[id];
            let Some((Naming::Path, at)) = naming::naming(text, &g.target) else { continue };
            if (self.is_routine)(g) {
                continue;
            }
            g.reactions
                .named_in_error
                .get_or_insert(Named { excerpt: naming::excerpt(text, Some(at)), by: Naming::Path });
            named.push(id);
            if named.len() == CANDIDATES {
                break;
            }
        }
        named
    }

    /// The failures that may explain what `pid` does now (`crash`: it was killed), latest
    /// first (see [`super::blame`]).
    pub(super) fn candidates(&self, pid: Pid, crash: bool) -> Candidates {
        let (groups, routine) = (&self.failures.groups, &self.is_routine);
        let course = if crash { CRASH_COURSE } else { COURSE };
        self.state.candidates(pid, course, crash, |id| routine(&groups[id]))
    }

    /// Attributes a reaction to the recent failures of `pid`; `text` is a line of error output:
    /// it goes to the failures it names, or, when it names none of them, to all as error text.
    /// `bad`: an error response, error text, a bad exit or a crash (not a 200 or exit 0).
    /// Returns the failures the text names, latest first.
    pub(super) fn react(
        &mut self,
        pid: Pid,
        mut set: impl FnMut(&mut Reactions),
        bad: bool,
        text: Option<&[u8]>,
    ) -> Candidates {
        let mut named_ids = Candidates::new();
        let Some(recent) = self.state.reacting_to(pid) else { return named_ids };
        // the failure the process reacts to is its last one that is not routine probing
        let last = recent.iter().rev().copied().find(|&id| !self.is_routine(id));
        let named: Vec<Option<Named>> = recent
            .iter()
            .map(|&id| {
                let (text, (by, at)) =
                    text.zip(text.and_then(|t| naming::naming(t, &self.failures.groups[id].target)))?;
                Some(Named { excerpt: naming::excerpt(text, Some(at)), by })
            })
            .collect();
        let anonymous = text.filter(|_| named.iter().all(Option::is_none)).map(|t| naming::excerpt(t, None));
        let said_at = text.and_then(naming::location);
        // anonymous text is about a failure when it says its error (`Operation not permitted`)
        let lower = said_at.as_ref().and(text).map(<[u8]>::to_ascii_lowercase);
        let says = |g: &Failure| {
            let lower = lower.as_deref().unwrap_or_default();
            g.messages
                .values()
                .any(|m| !m.is_empty() && crate::bytes::contains(lower, m.to_ascii_lowercase().as_bytes()))
        };
        for (id, named) in recent.into_iter().zip(named) {
            let routine = (self.is_routine)(&self.failures.groups[id]);
            let g = &mut self.failures.groups[id];
            set(&mut g.reactions);
            if let Some(t) = &anonymous {
                g.reactions.error_text.get_or_insert_with(|| t.clone());
            }
            // the text is about this failure: where it says it happened
            if let Some(at) = said_at.as_ref().filter(|_| named.is_some() || (anonymous.is_some() && says(g))) {
                g.reactions.said_at.get_or_insert_with(|| at.clone());
            }
            let mut telling = bad && Some(id) == last && g.reactions.is_failure_reaction();
            if let Some(new) = named {
                // the latest named failures, latest first: a routine probe only when the text
                // names it by its name or path (a program says which name it could not find),
                // not by a stem alone
                if !routine || new.by >= Naming::Name {
                    named_ids.insert(0, id);
                    named_ids.truncate(CANDIDATES);
                }
                // the strongest naming, then the most severe text
                let rank = |n: &Named| (n.by, naming::severity(&n.excerpt));
                if g.reactions.named_in_error.as_ref().is_none_or(|old| rank(&new) > rank(old)) {
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
        named_ids
    }
}

/// What the failures caused in the whole trace, as counted while reading (the report adds the
/// failed connections).
#[derive(Debug, Clone, Default)]
pub(crate) struct Symptoms {
    /// Responses to clients (`HTTP/1.1 500 ...`), by status.
    pub http: BTreeMap<u16, u64>,
    /// A backend's answers to its web server (FastCGI or CGI `Status: 500`), by status.
    pub backend_http: BTreeMap<u16, u64>,
    /// The responses to clients with their URLs.
    pub answers: Answers,
    pub http_by_pid: BTreeMap<Pid, BTreeMap<u16, u64>>,
    pub exits: BTreeMap<i32, u64>,
    pub exit_pids: Vec<Pid>,
    pub killed: Vec<Killed>,
    pub errors: Vec<ErrorText>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Killed {
    pub pid: Pid,
    pub signal: TraceText,
    pub core_dumped: bool,
}

/// A first line of error text written to stderr or a log, with how often it was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ErrorText {
    pub pid: Pid,
    pub text: TraceText,
    pub count: u64,
    /// The text tells of a timeout that ended a wait on this target (the first time it was
    /// written): a consequence of the wait (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_of: Option<TraceText>,
}

/// Exits, kills and error texts listed (the counts go on).
const MAX_LISTED: usize = 20;
/// Processes whose HTTP responses are counted one by one.
const MAX_HTTP_PIDS: usize = 1000;

impl Symptoms {
    pub(crate) fn add_http(&mut self, pid: Pid, code: u16) {
        *self.http.entry(code).or_default() += 1;
        if self.http_by_pid.len() < MAX_HTTP_PIDS || self.http_by_pid.contains_key(&pid) {
            *self.http_by_pid.entry(pid).or_default().entry(code).or_default() += 1;
        }
    }

    pub(crate) fn add_exit(&mut self, pid: Pid, code: i32) {
        *self.exits.entry(code).or_default() += 1;
        if self.exit_pids.len() < MAX_LISTED {
            self.exit_pids.push(pid);
        }
    }

    pub(crate) fn add_kill(&mut self, pid: Pid, signal: &str, core_dumped: bool) {
        // a signal's name is a few letters; a longer one is not kept whole
        const SIGNAL: usize = 32;
        if self.killed.len() < MAX_LISTED {
            self.killed.push(Killed { pid, signal: crate::memory::cut(signal, SIGNAL).into(), core_dumped });
        }
    }

    pub(crate) fn add_error_text(&mut self, pid: Pid, text: &str, timeout_of: Option<TraceText>) {
        if text.is_empty() {
            return;
        }
        if let Some(e) = self.errors.iter_mut().find(|e| e.text.as_bytes() == text.as_bytes()) {
            e.count += 1;
        } else if self.errors.len() < MAX_LISTED {
            self.errors.push(ErrorText { pid, text: text.into(), count: 1, timeout_of });
        }
    }
}

//! Live sources: strace started by `run`/`attach` or a pipe on stdin, read as the events come,
//! with the status line, strace's own messages relayed between our lines, `--live` suspect
//! lines, and Ctrl-C; and stopping the strace we started.

use super::*;
use crate::analysis::process::{Credentials, HostNoFile};
use crate::analysis::{LiveHost, PortHolder};
use crate::parse::AttachMessage;

/// Ends the strace we started: on SIGINT it detaches (attach) or lets the command finish its
/// exit (run). One still there after `patience` (a tracee stuck in a stop) is killed, so that
/// it never outlives us and we never hang waiting for it.
pub(super) fn stop(
    child: &mut std::process::Child,
    patience: Option<Duration>,
) -> std::io::Result<std::process::ExitStatus> {
    let pid = i32::try_from(child.id()).unwrap_or(0);
    let asked = Instant::now();
    let mut signal = Some(libc::SIGINT);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if let Some(sig) = signal.take() {
            // SAFETY: kill(2) on the strace we started.
            unsafe {
                libc::kill(pid, sig);
            }
        }
        if patience.is_some_and(|p| asked.elapsed() > p) {
            let _ = child.kill();
            return child.wait();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Session<'_> {
    /// `run` and `attach`: strace started here, its trace read through a pipe; returns the
    /// status of the command `run` started when it failed.
    pub(super) fn launched(
        &mut self,
        launch: &Launch,
        out: &mut dyn Write,
        errors: &mut Vec<Error>,
    ) -> Result<(Option<ExitStatus>, Option<Lingering>), Error> {
        interrupt::install();
        self.note_blocked(launch);
        self.note_command_lines(launch);
        let tracer::Tracer { mut child, trace, messages, trees } =
            tracer::start(launch, &self.options.strace_args, self.options.attach_many)?;
        // the traced pids are this host's: who a process runs as is in /proc when the trace
        // does not say
        self.analyzer.ask_live_host(Box::new(ProcHost::default()));
        let run = matches!(launch, Launch::Run(_));
        interrupt::forward_to(child.id(), run);
        let input = Input { path: Some(input::STRACE_NAME.into()), ..Input::stdin() };
        let save = open_save(self.options, errors);
        let name = source_name(input.name(), save.is_some(), self.options);
        let mut stream = EventStream::live(&input, Box::new(trace), save);
        self.trace_start = SystemTime::now();
        let mut messages = messages.map(|rx| StraceMessages::new(rx, trees));
        // "attached to …" comes first, before any suspect
        if let Some(m) = messages.as_mut() {
            m.relay(self, Wait::Attached);
        }
        let ended = self.watch(&mut stream, &name, out, errors, messages.as_mut())?;
        if run && !ended && interrupt::count() > 0 && trace_lines(&stream.stats()) > 0 {
            // Ctrl-C, and the command ignored it: the report now, the command after
            self.traced += 1;
            return Ok((None, Some(Lingering { child })));
        }
        // a traced command keeps its terminal until it ends; an attached one is let go
        let patience = matches!(launch, Launch::Attach(_)).then_some(DETACH);
        let ended = stop(&mut child, patience);
        self.note_stopped();
        if let Some(m) = messages.as_mut() {
            m.relay(self, Wait::End);
        }
        match ended {
            // strace stopped before its first line (it said why on stderr), or wrote its
            // trace elsewhere: an error, never an empty report
            Ok(status) if trace_lines(&stream.stats()) == 0 => {
                let command = match launch {
                    Launch::Run(argv) => argv.first().cloned(),
                    Launch::Attach(_) => None,
                };
                errors.push(Error::NotTraced { command, status, not_found: !tracer::command_exists(launch) });
                Ok((None, None))
            }
            Ok(status) => {
                self.traced += 1;
                Ok((run.then(|| ExitStatus::of_command(status)).flatten(), None))
            }
            Err(e) => {
                self.traced += 1;
                errors.push(Error::Input { name: input::STRACE_NAME.into(), source: e });
                Ok((None, None))
            }
        }
    }

    /// Warns about each process strace said it attached to that has children, alive on this
    /// host and older than the trace, which never appear in it.
    pub(super) fn warn_untraced(&mut self) {
        let mut warned = BTreeSet::new();
        for &(pid, since) in &self.attached[self.untraced_checked..] {
            if !warned.insert(pid) || !host::is_alive(pid) {
                continue;
            }
            let missing: Vec<Pid> = host::descendants(pid)
                .into_iter()
                .filter(|&c| !self.analyzer.has_process(c))
                .filter(|&c| host::started_at(c).is_some_and(|t| t < since))
                .collect();
            if !missing.is_empty() {
                self.status.clear();
                eprintln!("straceback: {}", render::live::untraced(pid, &missing));
            }
        }
    }

    /// A live source: once strace's `Process N attached` lines have stopped coming (none for
    /// [`ATTACHED_SETTLE`]), the processes they named are checked for untraced children at
    /// once, not only at the end.
    fn warn_untraced_early(&mut self) {
        let settled = self.last_attached.is_some_and(|at| at.elapsed() >= ATTACHED_SETTLE);
        if settled && self.untraced_checked < self.attached.len() {
            self.warn_untraced();
            self.untraced_checked = self.attached.len();
            self.last_attached = None;
        }
    }

    /// A live source: events as they arrive, a status line, Ctrl-C gives the report;
    /// `messages`: what strace says on stderr (`attach`), printed as it comes. Returns whether
    /// the source ended (else Ctrl-C's grace period did).
    pub(super) fn watch(
        &mut self,
        stream: &mut EventStream,
        source: &str,
        out: &mut dyn Write,
        errors: &mut Vec<Error>,
        mut messages: Option<&mut StraceMessages>,
    ) -> Result<bool, Error> {
        let mut last_draw = Instant::now() - REDRAW;
        let mut interrupted_at: Option<Instant> = None;
        let mut last_lines = (0u64, Instant::now());
        let stop_at = self.options.stop_after.map(|d| Instant::now() + d);
        loop {
            if stop_at.is_some_and(|at| Instant::now() >= at) {
                interrupt::request();
            }
            if let Some(m) = messages.as_deref_mut() {
                m.relay(self, Wait::No);
            }
            self.warn_untraced_early();
            let end = match self.pump(stream, source, LIVE_LINES, Some(Instant::now() + LIVE_TICK), out)? {
                Ok(Pumped::End) => true,
                Ok(Pumped::More | Pumped::Pending) => false,
                Err(e) => {
                    errors.push(e);
                    true
                }
            };
            if let Some(e) = stream.take_save_error() {
                let name = self.options.save.as_ref().map_or_else(String::new, |p| p.display().to_string());
                errors.push(Error::Input { name, source: e });
            }
            if end {
                self.status.clear();
                self.stats.merge(&stream.stats());
                return Ok(true);
            }
            if interrupt::count() > 0 {
                let at = *interrupted_at.get_or_insert_with(Instant::now);
                if at.elapsed() > GRACE {
                    break;
                }
            }
            if self.status.enabled && last_draw.elapsed() >= REDRAW {
                last_draw = Instant::now();
                let stats = stream.stats();
                if stats.lines != last_lines.0 {
                    last_lines = (stats.lines, Instant::now());
                }
                let (failed, groups, suspects) = self.analyzer.counts();
                // the trace's clock at its last line, plus the time no line has come since
                let now = stats.last_time.as_ref().filter(|t| !t.relative).map(|t| t.secs());
                let waiting = now.and_then(|now| {
                    let (on, since) = self.analyzer.longest_wait(&stream.open_calls())?;
                    Some((on, now - since + last_lines.1.elapsed().as_secs_f64()))
                });
                let waiting = waiting.as_ref().map(|(on, s)| (on, *s));
                let finishing = interrupt::count() > 0;
                self.status.draw(&render::live::status_line(stats.lines, failed, groups, suspects, waiting, finishing));
            }
        }
        self.status.clear();
        self.stats.merge(&stream.stats());
        Ok(false)
    }

    /// `--live`: one line per group the moment the process's reaction makes it a suspect.
    pub(super) fn print_fresh(&mut self, out: &mut dyn Write) -> Result<(), Error> {
        let lines = fresh_lines(&mut self.analyzer, &self.ignores, self.disk, &mut self.budget);
        if lines.is_empty() {
            return Ok(());
        }
        self.status.clear();
        for line in lines {
            writeln!(out, "{line}").map_err(Error::Output)?;
        }
        out.flush().map_err(Error::Output)
    }
}

/// The one-line status kept on stderr while a live source is read (on a terminal).
pub(super) struct StatusLine {
    enabled: bool,
    /// Drawn and not erased yet: the cursor is at its end.
    shown: bool,
}

impl StatusLine {
    pub(super) fn new(enabled: bool) -> Self {
        StatusLine { enabled, shown: false }
    }

    pub(super) fn draw(&mut self, text: &str) {
        if self.enabled {
            eprint!("{ERASE_LINE}{text}");
            self.shown = true;
        }
    }

    /// Erases it, before anything else is printed: nothing is ever glued to it.
    pub(super) fn clear(&mut self) {
        if self.shown {
            eprint!("{ERASE_LINE}");
            self.shown = false;
        }
    }
}

/// `attach`: what strace says on stderr. Its `Process N attached` lines become one line that
/// says what was attached (once every process is attached or refused, or after
/// [`ATTACH_WAIT`]), before the trace is read, with the processes it could not attach named
/// in the same line; its `Process N detached` lines become one count at the end; the rest is
/// printed as strace wrote it.
pub(super) struct StraceMessages {
    rx: Receiver<Vec<u8>>,
    trees: Vec<Tree>,
    confirmed: BTreeSet<Pid>,
    /// Processes strace could not attach to, with its reason ([`REFUSALS_KEPT`] at most).
    refused: Vec<(Pid, String)>,
    /// Of `refused`, those the attached line already told.
    refused_told: usize,
    /// Processes of the trees strace has not said it attached or refused yet.
    unanswered: BTreeSet<Pid>,
    detached: u64,
    said: bool,
    since: Instant,
}

/// Refusals kept to be named (a walk of thousands of short-lived children can see each exit).
const REFUSALS_KEPT: usize = 10_000;

impl StraceMessages {
    pub(super) fn new(rx: Receiver<Vec<u8>>, trees: Vec<Tree>) -> Self {
        let unanswered = trees.iter().flat_map(|t| std::iter::once(t.root).chain(t.below.iter().copied())).collect();
        StraceMessages {
            rx,
            trees,
            unanswered,
            confirmed: BTreeSet::new(),
            refused: Vec::new(),
            refused_told: 0,
            detached: 0,
            said: false,
            since: Instant::now(),
        }
    }

    /// Prints what strace said since the last call, waiting for more as `wait` says.
    pub(super) fn relay(&mut self, session: &mut Session<'_>, wait: Wait) {
        loop {
            let timeout = match wait {
                Wait::No => Duration::ZERO,
                Wait::Attached if self.all_answered() => Duration::ZERO,
                Wait::Attached => ATTACH_WAIT.saturating_sub(self.since.elapsed()),
                Wait::End => MESSAGES_WAIT,
            };
            let Ok(line) = self.rx.recv_timeout(timeout) else { break };
            if !self.take(session, &line) {
                session.status.clear();
                eprintln!("{}", String::from_utf8_lossy(&line));
            }
        }
        let due = self.all_answered() || wait == Wait::End || self.since.elapsed() >= ATTACH_WAIT;
        if !self.said && (!self.confirmed.is_empty() || !self.refused.is_empty()) && due {
            self.said = true;
            self.refused_told = self.refused.len();
            let line = render::live::attached(&self.attached_trees(), &self.refusals(0));
            session.status.clear();
            eprintln!("straceback: {line}");
        }
        if wait == Wait::End {
            self.tell_end(session);
        }
    }

    /// Takes a message about attaching or detaching (said later in one line); false for any
    /// other, printed as it is.
    fn take(&mut self, session: &mut Session<'_>, line: &[u8]) -> bool {
        match parse::attach_message(line) {
            Some(AttachMessage::Attached(pid)) => {
                self.unanswered.remove(&pid);
                self.confirmed.insert(pid);
                session.analyzer.add_process(pid);
                session.note_attached(pid);
            }
            Some(AttachMessage::Refused(pid, why)) => {
                self.unanswered.remove(&pid);
                if self.refused.len() < REFUSALS_KEPT {
                    self.refused.push((pid, why));
                }
            }
            Some(AttachMessage::Detached(_)) => self.detached += 1,
            None => return false,
        }
        true
    }

    /// strace ended: refusals that came after the attached line, and how many processes it
    /// let go, each in one line.
    fn tell_end(&mut self, session: &mut Session<'_>) {
        if self.said && self.refused.len() > self.refused_told {
            let line = render::live::refused_later(&self.refusals(self.refused_told));
            self.refused_told = self.refused.len();
            session.status.clear();
            eprintln!("straceback: {line}");
        }
        if self.detached > 0 {
            session.status.clear();
            eprintln!("straceback: {}", render::live::detached(self.detached));
            self.detached = 0;
        }
    }

    /// The trees as strace attached them: each with whether its root was attached and the
    /// processes below it that were.
    fn attached_trees(&self) -> Vec<(Tree, bool)> {
        self.trees
            .iter()
            .map(|t| {
                let mut t = t.clone();
                t.retain(|p| self.confirmed.contains(&p));
                let root = self.confirmed.contains(&t.root);
                (t, root)
            })
            .filter(|(t, root)| *root || !t.below.is_empty())
            .collect()
    }

    /// The refusals from the `from`th on, each said whether it was a process asked for, and
    /// what traces it already when strace was not allowed to.
    fn refusals(&self, from: usize) -> Vec<host::Refusal> {
        let roots: BTreeSet<Pid> = self.trees.iter().map(|t| t.root).collect();
        self.refused
            .iter()
            .skip(from)
            .map(|(pid, why)| {
                let root = roots.contains(pid);
                let by = if root && why == "Operation not permitted" { host::tracer(*pid) } else { None };
                host::Refusal { pid: *pid, why: why.clone(), asked: root, traced_by: by }
            })
            .collect()
    }

    /// Every process of the trees was attached or refused.
    pub(super) fn all_answered(&self) -> bool {
        self.unanswered.is_empty()
    }
}

/// How long [`StraceMessages::relay`] waits for strace's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wait {
    /// Only what has come.
    No,
    /// Until strace confirmed every process, [`ATTACH_WAIT`] at most.
    Attached,
    /// strace has ended: its last lines, [`MESSAGES_WAIT`] at most after each.
    End,
}

/// The `--live` line of each group the process reacted to since the last call, unless a
/// noise rule explains it (the same rules as the final report's, applied to what is known so
/// far).
pub(super) fn fresh_lines(
    analyzer: &mut Analyzer,
    ignores: &Ignores,
    disk: &dyn Disk,
    budget: &mut typo::Budget,
) -> Vec<String> {
    let mut lines = Vec::new();
    for id in analyzer.take_fresh() {
        let g = analyzer.group(id);
        if noise::judge(g, ignores).is_some() {
            continue;
        }
        let typo = heuristics::typo_of(g, &analyzer.evidence().known, disk, budget);
        lines.push(render::live::suspect_line(&report::build::live_suspect(g, typo.as_ref())));
        analyzer.mark_shown();
    }
    lines
}

impl Session<'_> {
    /// The command lines of the processes attached to, from `/proc`: a service started long
    /// before the trace names its configuration there (`nginx -c …`), and no trace line does.
    fn note_command_lines(&mut self, launch: &Launch) {
        let Launch::Attach(given) = launch else { return };
        for &pid in given {
            if let Some(argv) = host::command_line(pid) {
                self.analyzer.note_command_line(pid, &argv);
            }
        }
    }
}

/// Ports whose holder is looked for in `/proc` (each look reads every process's descriptors).
const PORT_LOOKUPS: usize = 16;

/// The live host as `/proc` shows it, for `run` and `attach` (their pids are this host's).
#[derive(Default)]
struct ProcHost {
    /// Ports looked up so far, with what was found.
    ports: std::cell::RefCell<Vec<(u16, Option<PortHolder>)>>,
}

impl LiveHost for ProcHost {
    fn ids(&self, pid: Pid) -> Option<Credentials> {
        host::ids(pid).map(|i| Credentials { uid: Some(i.uid), gid: Some(i.gid), groups: Some(i.groups) })
    }

    fn nofile(&self, pid: Pid) -> Option<HostNoFile> {
        HostNoFile::from_proc(pid, &host::limits(pid)?)
    }

    fn port_holder(&self, port: u16) -> Option<PortHolder> {
        let mut ports = self.ports.borrow_mut();
        if let Some((_, found)) = ports.iter().find(|(p, _)| *p == port) {
            return found.clone();
        }
        if ports.len() >= PORT_LOOKUPS {
            return None;
        }
        let found = host::port_holder(port);
        ports.push((port, found.clone()));
        found
    }
}

//! The loops that wire the stages: inputs -> events -> analysis -> judgement -> report, for
//! saved files (with a progress bar on a terminal), live sources (stdin from a pipe, strace
//! started by `run`/`attach`) with a status line, Ctrl-C handling and `--live` suspect lines;
//! and inputs -> events -> NDJSON for `straceback events`. Nothing here judges or words.
//!
//! Honesty checks live here too, beside the inputs they are about: an input that held no
//! strace line is an error (never an empty all-clear), strace that stopped before tracing
//! anything is one, and a trace that shows `Process N attached` while N has older children,
//! alive on this host, that never appear in it gets a warning (`host` reads `/proc`).
//!
//! The status line is drawn on stderr when it is a terminal, except for `run`: the command
//! shares that terminal, and its stderr would be written into the middle of the status line.
//! It is erased before anything else is printed.

use std::collections::BTreeSet;
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant, SystemTime};

use crate::analysis::Analyzer;
use crate::disk::{Disk, NoDisk, RootDisk};
use crate::error::Error;
use crate::event::{Event, EventKind, Pid};
use crate::exit::ExitStatus;
use crate::flow::stream::{EventStream, MergedStream, Pumped};
use crate::heuristics::noise::{self, Ignores};
use crate::heuristics::{self, typo};
use crate::host::{self, Tree};
use crate::input::{self, Input};
use crate::options::{Launch, Options};
use crate::parse::{self, ParseStats};
use crate::render::live::ERASE_LINE;
use crate::report::{self, Report};
use crate::{interrupt, render, tracer};

/// How long reading goes on after the first Ctrl-C, waiting for strace to close the pipe.
const GRACE: Duration = Duration::from_secs(2);
/// How long strace may take to detach and exit once asked to.
const DETACH: Duration = Duration::from_secs(3);
/// Status line redraws at most this often.
const REDRAW: Duration = Duration::from_millis(250);
/// Files larger than this get a progress bar when stderr is a terminal.
const PROGRESS_MIN: u64 = 64 << 20;
/// Lines read between progress updates.
const PUMP_LINES: u64 = 10_000;
/// Lines read from a live source between status checks (Ctrl-C, the status line).
const LIVE_LINES: u64 = 1_000;
/// Longest time between two status checks of a live source, however long its lines.
const LIVE_TICK: Duration = Duration::from_millis(100);
/// Most unparsed lines kept for `--show-unparsed`.
const UNPARSED_SHOWN: usize = 100;
/// `attach`: how long to wait for strace to confirm every process before saying what it
/// attached to so far.
const ATTACH_WAIT: Duration = Duration::from_secs(1);
/// How long strace's last messages are waited for once it ended.
const MESSAGES_WAIT: Duration = Duration::from_secs(1);

/// An unparsed line: source, line number, text.
pub type Unparsed = (String, u64, String);

/// What [`analyze`] hands back.
pub struct Analysis {
    /// `None` when no input held a strace line (each one said why in the errors).
    pub report: Option<Report>,
    pub unparsed: Vec<Unparsed>,
    /// `run`: the status of the command when it failed.
    pub command: Option<ExitStatus>,
    /// `run` after Ctrl-C: a command that ignored it, still traced; waited for after the report.
    pub lingering: Option<Lingering>,
}

/// `run`: strace and a command that ignored Ctrl-C, still running when the report is due.
/// The report comes first; then they are waited for (the trace pipe is drained meanwhile, so
/// strace never fails to write), and a second Ctrl-C stops both (`interrupt`).
#[derive(Debug)]
pub struct Lingering {
    child: std::process::Child,
}

impl Lingering {
    /// Says that the command still runs, waits for strace to end, and returns the status of
    /// the command when it failed.
    pub fn wait(mut self) -> Option<ExitStatus> {
        eprintln!("straceback: {}", render::live::still_running());
        self.child.wait().ok().and_then(ExitStatus::of_command)
    }
}

/// Analyses every input of `options`; `out` receives `--live` lines as they happen.
pub fn analyze(options: &Options, out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<Analysis, Error> {
    let disk: Box<dyn Disk> = match &options.root {
        Some(root) => Box::new(RootDisk::new(root)),
        None => Box::new(NoDisk),
    };
    let ignores = Rc::new(Ignores::new(options.default_ignores, &options.ignore).map_err(bad_ignore)?);
    let mut run = Session {
        options,
        analyzer: analyzer(options.max_groups, &ignores),
        ignores: Rc::clone(&ignores),
        stats: ParseStats::default(),
        unparsed: Vec::new(),
        disk: disk.as_ref(),
        budget: typo::Budget::default(),
        status: StatusLine::new(options.stderr_tty && !matches!(options.launch, Some(Launch::Run(_)))),
        attached: Vec::new(),
        trace_start: SystemTime::now(),
        traced: 0,
    };
    if options.live {
        run.analyzer.watch_live();
    }
    let mut command = None;
    let mut lingering = None;
    if let Some(launch) = &options.launch {
        (command, lingering) = run.launched(launch, out, errors)?;
    } else {
        for group in input::group_sets(&options.inputs) {
            if group.len() == 1 && group[0].is_stdin() {
                interrupt::install();
                let source = group[0].open()?;
                let save = open_save(options, errors);
                let name = source_name(group[0].name(), save.is_some(), options);
                let mut stream = EventStream::live(group[0], Box::new(source), save);
                run.trace_start = SystemTime::now();
                run.watch(&mut stream, &name, out, errors, None)?;
                run.check_read(&group[0].name(), &stream.stats(), true, errors);
            } else {
                run.files(&group, out, errors)?;
            }
        }
    }
    run.warn_untraced();
    let Session { analyzer, stats, unparsed, traced, .. } = run;
    if traced == 0 {
        return Ok(Analysis { report: None, unparsed, command, lingering });
    }
    let collected = analyzer.finish();
    let judged = heuristics::judge(&collected, &ignores, disk.as_ref());
    Ok(Analysis { report: Some(report::build::report(collected, judged, &stats)), unparsed, command, lingering })
}

/// The lines of a stream that strace wrote as its trace (not unparsed, skipped or overlong).
fn trace_lines(stats: &ParseStats) -> u64 {
    stats.lines.saturating_sub(stats.unparsed + stats.skipped + stats.overlong)
}

/// The `source` of the events of a stream read once (stdin, strace's pipe): the `--save` file
/// when it is kept there, so that line numbers point into it.
fn source_name(name: String, saved: bool, options: &Options) -> String {
    match &options.save {
        Some(path) if saved => path.display().to_string(),
        _ => name,
    }
}

/// `straceback events`: writes the events of every input; input errors are collected and
/// the rest still written.
pub fn events(inputs: &[Input], out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<(), Error> {
    for group in input::group_sets(inputs) {
        let mut merged = MergedStream::open(&group, false, errors);
        let names = merged.names();
        loop {
            match merged.next_event() {
                Ok(Some((i, event))) => render::events::write(&event, &names[i], out).map_err(Error::Output)?,
                Ok(None) => break,
                Err(e) => errors.push(e),
            }
        }
    }
    Ok(())
}

/// Ends the strace we started: on SIGINT it detaches (attach) or lets the command finish its
/// exit (run). One still there after `patience` (a tracee stuck in a stop) is killed, so that
/// it never outlives us and we never hang waiting for it.
fn stop(child: &mut std::process::Child, patience: Option<Duration>) -> std::io::Result<std::process::ExitStatus> {
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

/// An analyzer told which failures are routine by the noise rules.
fn analyzer(max_groups: usize, ignores: &Rc<Ignores>) -> Analyzer {
    let ignores = Rc::clone(ignores);
    Analyzer::new(max_groups, Box::new(move |g| noise::is_routine(g, &ignores)))
}

fn bad_ignore(e: regex::Error) -> Error {
    Error::Usage(format!("--ignore: {e}"))
}

fn open_save(options: &Options, errors: &mut Vec<Error>) -> Option<std::fs::File> {
    let path = options.save.as_ref()?;
    match std::fs::File::create(path) {
        Ok(f) => Some(f),
        Err(source) => {
            errors.push(Error::Input { name: path.display().to_string(), source });
            None
        }
    }
}

struct Session<'a> {
    options: &'a Options,
    analyzer: Analyzer,
    ignores: Rc<Ignores>,
    stats: ParseStats,
    unparsed: Vec<Unparsed>,
    disk: &'a dyn Disk,
    /// Typo comparisons left for the `--live` lines.
    budget: typo::Budget,
    status: StatusLine,
    /// Processes strace said it attached to, with the start of the trace that said so.
    attached: Vec<(Pid, SystemTime)>,
    /// When the input being read began to be traced (its children older than that were
    /// running before strace attached).
    trace_start: SystemTime,
    /// Inputs that held a strace line.
    traced: usize,
}

impl Session<'_> {
    fn push(&mut self, source: &str, event: &Event<'_>, out: &mut dyn Write) -> Result<(), Error> {
        match &event.kind {
            EventKind::Unparsed { text } if self.unparsed.len() < UNPARSED_SHOWN => {
                self.unparsed.push((source.to_string(), event.line, String::from_utf8_lossy(text).into_owned()));
            }
            EventKind::Strace { message } => {
                if let Some(pid) = parse::attached_pid(message) {
                    self.attached.push((pid, self.trace_start));
                }
            }
            _ => {}
        }
        self.analyzer.push(source, event);
        if self.options.live {
            self.print_fresh(out)?;
        }
        Ok(())
    }

    /// Analyses the events of about `budget` lines of `stream`; the outer error is an output
    /// error (fatal), the inner one the stream's.
    fn pump(
        &mut self,
        stream: &mut EventStream,
        source: &str,
        budget: u64,
        deadline: Option<Instant>,
        out: &mut dyn Write,
    ) -> Result<Result<Pumped, Error>, Error> {
        let mut failed = None;
        let pumped = stream.pump_until(budget, deadline, &mut |e| {
            if failed.is_none() {
                failed = self.push(source, e, out).err();
            }
        });
        failed.map_or(Ok(pumped), Err)
    }

    /// Saved files: a `-ff` set merged by time, or one file.
    fn files(&mut self, group: &[&Input], out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<(), Error> {
        // Ctrl-C stops the reading: what was read is reported
        interrupt::install();
        let progress = self.progress_bar(group);
        // a saved trace ended when its file was last written: children older than that, never
        // in it, were not followed
        self.trace_start = group
            .iter()
            .filter_map(|i| i.path.as_ref())
            .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .max()
            .unwrap_or_else(SystemTime::now);
        if let [input] = group {
            // one file: events straight from their lines, nothing copied
            let mut stream = match EventStream::open(input, true, self.options.threads) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(e);
                    return Ok(());
                }
            };
            let name = input.name();
            loop {
                let pumped = self.pump(&mut stream, &name, PUMP_LINES, None, out)?;
                if let Some(p) = &progress {
                    p.set_position(stream.stats().bytes);
                }
                match pumped {
                    Ok(Pumped::More) if interrupt::count() > 0 => break,
                    Ok(Pumped::More) => {}
                    Ok(_) => break,
                    Err(e) => {
                        errors.push(e);
                        break;
                    }
                }
            }
            self.stats.merge(&stream.stats());
            self.check_read(&name, &stream.stats(), false, errors);
        } else {
            let mut merged = MergedStream::open(group, true, errors);
            let names = merged.names();
            let mut lines = 0u64;
            loop {
                match merged.next_event() {
                    Ok(Some(_)) if interrupt::count() > 0 => break,
                    Ok(Some((i, event))) => {
                        if let Some(p) = &progress {
                            if event.line > lines + PUMP_LINES {
                                lines = event.line;
                                p.set_position(merged.streams().iter().map(|s| s.stats().bytes).sum());
                            }
                        }
                        self.push(&names[i], &event, out)?;
                    }
                    Ok(None) => break,
                    Err(e) => errors.push(e),
                }
            }
            for s in merged.streams() {
                self.stats.merge(&s.stats());
                self.check_read(&s.input.name(), &s.stats(), false, errors);
            }
        }
        if let Some(p) = progress {
            p.finish_and_clear();
        }
        Ok(())
    }

    /// Counts an input that held a strace line; one that held none is an error, never an
    /// empty report (`piped`: stdin, where the usual cause is a missing `2>&1`).
    fn check_read(&mut self, name: &str, stats: &ParseStats, piped: bool, errors: &mut Vec<Error>) {
        if trace_lines(stats) > 0 {
            self.traced += 1;
        } else if stats.unparsed > 0 {
            errors.push(Error::NotStrace { name: name.to_string(), lines: stats.lines, unparsed: stats.unparsed });
        } else {
            errors.push(Error::NoTrace { name: name.to_string(), piped, lines: stats.lines });
        }
    }

    /// `run` and `attach`: strace started here, its trace read through a pipe; returns the
    /// status of the command `run` started when it failed.
    fn launched(
        &mut self,
        launch: &Launch,
        out: &mut dyn Write,
        errors: &mut Vec<Error>,
    ) -> Result<(Option<ExitStatus>, Option<Lingering>), Error> {
        interrupt::install();
        let tracer::Tracer { mut child, trace, messages, trees } = tracer::start(launch, &self.options.strace_args)?;
        let run = matches!(launch, Launch::Run(_));
        interrupt::forward_to(child.id(), run);
        let input = Input { path: Some(input::STRACE_NAME.into()), pid: None, set: None };
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
    fn warn_untraced(&mut self) {
        let mut warned = BTreeSet::new();
        for &(pid, since) in &self.attached {
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

    fn progress_bar(&self, group: &[&Input]) -> Option<indicatif::ProgressBar> {
        if !self.options.stderr_tty {
            return None;
        }
        let total: u64 = group
            .iter()
            .filter_map(|i| i.path.as_ref())
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        if total < PROGRESS_MIN {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        let style = indicatif::ProgressStyle::with_template(
            "straceback: {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        );
        if let Ok(style) = style {
            bar.set_style(style);
        }
        Some(bar)
    }

    /// A live source: events as they arrive, a status line, Ctrl-C gives the report;
    /// `messages`: what strace says on stderr (`attach`), printed as it comes. Returns whether
    /// the source ended (else Ctrl-C's grace period did).
    fn watch(
        &mut self,
        stream: &mut EventStream,
        source: &str,
        out: &mut dyn Write,
        errors: &mut Vec<Error>,
        mut messages: Option<&mut StraceMessages>,
    ) -> Result<bool, Error> {
        let mut last_draw = Instant::now() - REDRAW;
        let mut interrupted_at: Option<Instant> = None;
        loop {
            if let Some(m) = messages.as_deref_mut() {
                m.relay(self, Wait::No);
            }
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
                let lines = stream.stats().lines;
                let (failed, groups, suspects) = self.analyzer.counts();
                self.status.draw(&render::live::status_line(lines, failed, groups, suspects, interrupt::count() > 0));
            }
        }
        self.status.clear();
        self.stats.merge(&stream.stats());
        Ok(false)
    }

    /// `--live`: one line per group the moment the process's reaction makes it a suspect.
    fn print_fresh(&mut self, out: &mut dyn Write) -> Result<(), Error> {
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
struct StatusLine {
    enabled: bool,
    /// Drawn and not erased yet: the cursor is at its end.
    shown: bool,
}

impl StatusLine {
    fn new(enabled: bool) -> Self {
        StatusLine { enabled, shown: false }
    }

    fn draw(&mut self, text: &str) {
        if self.enabled {
            eprint!("{ERASE_LINE}{text}");
            self.shown = true;
        }
    }

    /// Erases it, before anything else is printed: nothing is ever glued to it.
    fn clear(&mut self) {
        if self.shown {
            eprint!("{ERASE_LINE}");
            self.shown = false;
        }
    }
}

/// `attach`: what strace says on stderr. Its `Process N attached` lines become one line that
/// says what was attached (once every process is, or after [`ATTACH_WAIT`]), before the trace
/// is read; the rest is printed as strace wrote it.
struct StraceMessages {
    rx: Receiver<Vec<u8>>,
    trees: Vec<Tree>,
    confirmed: BTreeSet<Pid>,
    said: bool,
    since: Instant,
}

impl StraceMessages {
    fn new(rx: Receiver<Vec<u8>>, trees: Vec<Tree>) -> Self {
        StraceMessages { rx, trees, confirmed: BTreeSet::new(), said: false, since: Instant::now() }
    }

    /// Prints what strace said since the last call, waiting for more as `wait` says.
    fn relay(&mut self, session: &mut Session<'_>, wait: Wait) {
        loop {
            let timeout = match wait {
                Wait::No => Duration::ZERO,
                Wait::Attached if self.all_confirmed() => Duration::ZERO,
                Wait::Attached => ATTACH_WAIT.saturating_sub(self.since.elapsed()),
                Wait::End => MESSAGES_WAIT,
            };
            let Ok(line) = self.rx.recv_timeout(timeout) else { break };
            if let Some(pid) = parse::attached_pid(&line) {
                self.confirmed.insert(pid);
                session.analyzer.add_process(pid);
                session.attached.push((pid, session.trace_start));
                continue;
            }
            session.status.clear();
            eprintln!("{}", String::from_utf8_lossy(&line));
        }
        let due = self.all_confirmed() || wait == Wait::End || self.since.elapsed() >= ATTACH_WAIT;
        if !self.said && !self.confirmed.is_empty() && due {
            self.said = true;
            let mut trees: Vec<Tree> =
                self.trees.iter().filter(|t| self.confirmed.contains(&t.root)).cloned().collect();
            for t in &mut trees {
                t.retain(|p| self.confirmed.contains(&p));
            }
            session.status.clear();
            eprintln!("straceback: {}", render::live::attached(&trees));
        }
    }

    fn all_confirmed(&self) -> bool {
        self.trees.iter().all(|t| std::iter::once(&t.root).chain(&t.below).all(|p| self.confirmed.contains(p)))
    }
}

/// How long [`StraceMessages::relay`] waits for strace's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
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
fn fresh_lines(analyzer: &mut Analyzer, ignores: &Ignores, disk: &dyn Disk, budget: &mut typo::Budget) -> Vec<String> {
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

/// Analyses the trace text of `reader` as the binary analyses a file with `--no-disk`, the
/// built-in noise list and `--max-groups max_groups`, writing the `--live` lines to `live` on
/// the way; `fast`: the parser's fast path (the binary's choice; the report is the same).
/// For fuzzing, tests and embedders.
pub fn analyze_reader(
    reader: Box<dyn std::io::BufRead + Send>,
    fast: bool,
    max_groups: usize,
    live: &mut dyn Write,
) -> Result<Report, Error> {
    let ignores = Rc::new(Ignores::new(true, &[]).map_err(bad_ignore)?);
    let mut analyzer = analyzer(max_groups, &ignores);
    analyzer.watch_live();
    let mut stream = EventStream::from_reader(&Input::stdin(), reader, fast);
    let mut budget = typo::Budget::default();
    loop {
        let pumped = stream.pump(LIVE_LINES, &mut |e| analyzer.push(input::STDIN_NAME, e))?;
        for line in fresh_lines(&mut analyzer, &ignores, &NoDisk, &mut budget) {
            writeln!(live, "{line}").map_err(Error::Output)?;
        }
        live.flush().map_err(Error::Output)?;
        if pumped == Pumped::End {
            break;
        }
    }
    let collected = analyzer.finish();
    let judged = heuristics::judge(&collected, &ignores, &NoDisk);
    Ok(report::build::report(collected, judged, &stream.stats()))
}

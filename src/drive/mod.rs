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

mod blocked;
mod live;

use live::{fresh_lines, StatusLine};

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
/// Most unparsed lines kept for `--show-unparsed`, and bytes kept of each.
const UNPARSED_SHOWN: usize = 100;
const UNPARSED_TEXT: usize = 4096;
/// Processes strace said it attached to that are checked for untraced children (each check
/// reads /proc).
const ATTACHED_CHECKED: usize = 1024;
/// How long after strace's last `Process N attached` line its processes are checked for
/// untraced children (the lines of one start come together).
const ATTACHED_SETTLE: Duration = Duration::from_millis(300);
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
        untraced_checked: 0,
        last_attached: None,
        trace_start: SystemTime::now(),
        traced: 0,
        cut: None,
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
    let Session { analyzer, stats, unparsed, traced, cut, .. } = run;
    if traced == 0 {
        return Ok(Analysis { report: None, unparsed, command, lingering });
    }
    let collected = analyzer.finish();
    let judged = heuristics::judge(&collected, &ignores, disk.as_ref(), options.walk_disk);
    let mut report = report::build::report(collected, judged, &stats);
    report.summary.interrupted = cut;
    Ok(Analysis { report: Some(report), unparsed, command, lingering })
}

/// The sizes of the files of `group` on disk.
fn size_on_disk(group: &[&Input]) -> u64 {
    group.iter().filter_map(|i| i.path.as_ref()).filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
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
    /// Processes strace said it attached to, with the start of the trace that said so; how
    /// many of them were checked for untraced children, and when the last was said.
    attached: Vec<(Pid, SystemTime)>,
    untraced_checked: usize,
    last_attached: Option<Instant>,
    /// When the input being read began to be traced (its children older than that were
    /// running before strace attached).
    trace_start: SystemTime,
    /// Inputs that held a strace line.
    traced: usize,
    /// Ctrl-C stopped the reading of saved files: bytes read, and the files' sizes.
    cut: Option<report::ReadCut>,
}

impl Session<'_> {
    fn push(&mut self, source: &str, event: &Event<'_>, out: &mut dyn Write) -> Result<(), Error> {
        match &event.kind {
            EventKind::Unparsed { text } if self.unparsed.len() < UNPARSED_SHOWN => {
                let text = String::from_utf8_lossy(&text[..text.len().min(UNPARSED_TEXT + 4)]);
                self.unparsed.push((source.to_string(), event.line, crate::memory::cut(&text, UNPARSED_TEXT)));
            }
            EventKind::Strace { message } => {
                if let Some(pid) = parse::attached_pid(message) {
                    self.note_attached(pid);
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

    /// strace said it attached to `pid` (the first [`ATTACHED_CHECKED`] are remembered).
    fn note_attached(&mut self, pid: Pid) {
        if self.attached.len() < ATTACHED_CHECKED {
            self.attached.push((pid, self.trace_start));
            self.last_attached = Some(Instant::now());
        }
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
                    Ok(Pumped::More) if interrupt::count() > 0 => {
                        self.note_cut(group, stream.stats().bytes);
                        break;
                    }
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
                    Ok(Some(_)) if interrupt::count() > 0 => {
                        self.note_cut(group, merged.streams().iter().map(|s| s.stats().bytes).sum());
                        break;
                    }
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

    /// Ctrl-C stopped the reading of `group` after `read` bytes: said in the report, which
    /// would otherwise read as the whole of a shorter trace.
    fn note_cut(&mut self, group: &[&Input], read: u64) {
        let total = size_on_disk(group);
        let cut = self.cut.get_or_insert(report::ReadCut { read_bytes: 0, total_bytes: 0 });
        cut.read_bytes += read;
        cut.total_bytes += total.max(read);
    }

    /// Counts an input that held a strace line; one that held none is an error, never an
    /// empty report (`piped`: stdin, where the usual cause is a missing `2>&1`).
    fn check_read(&mut self, name: &str, stats: &ParseStats, piped: bool, errors: &mut Vec<Error>) {
        if trace_lines(stats) > 0 {
            self.traced += 1;
        } else if stats.unparsed > 0 {
            errors.push(Error::NotStrace {
                name: input::shown_name(name).to_string(),
                lines: stats.lines,
                unparsed: stats.unparsed,
            });
        } else {
            errors.push(Error::NoTrace { name: input::shown_name(name).to_string(), piped, lines: stats.lines });
        }
    }

    fn progress_bar(&self, group: &[&Input]) -> Option<indicatif::ProgressBar> {
        if !self.options.stderr_tty {
            return None;
        }
        let total = size_on_disk(group);
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
    let judged = heuristics::judge(&collected, &ignores, &NoDisk, false);
    Ok(report::build::report(collected, judged, &stream.stats()))
}

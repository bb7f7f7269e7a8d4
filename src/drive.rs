//! The loops that wire the stages: inputs -> events -> analysis -> judgement -> report, for
//! saved files (with a progress bar on a terminal), live sources (stdin from a pipe, strace
//! started by `run`/`attach`) with a status line, Ctrl-C handling and `--live` suspect lines;
//! and inputs -> events -> NDJSON for `straceback events`. Nothing here judges or words.

use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::analysis::Analyzer;
use crate::disk::{Disk, NoDisk, RootDisk};
use crate::error::Error;
use crate::event::{Event, EventKind};
use crate::flow::stream::{EventStream, MergedStream, Pumped};
use crate::heuristics::noise::{self, Ignores};
use crate::heuristics::{self, typo};
use crate::input::{self, Input};
use crate::options::Options;
use crate::parse::ParseStats;
use crate::report::{self, Report};
use crate::{interrupt, render, tracer};

/// How long reading goes on after the first Ctrl-C, waiting for strace to close the pipe.
const GRACE: Duration = Duration::from_secs(2);
/// Status line redraws at most this often.
const REDRAW: Duration = Duration::from_millis(250);
/// Files larger than this get a progress bar when stderr is a terminal.
const PROGRESS_MIN: u64 = 64 << 20;
/// Lines read between progress updates.
const PUMP_LINES: u64 = 10_000;
/// Lines read from a live source between status checks (Ctrl-C, the status line).
const LIVE_LINES: u64 = 1_000;
/// Most unparsed lines kept for `--show-unparsed`.
const UNPARSED_SHOWN: usize = 100;

/// An unparsed line: source, line number, text.
pub type Unparsed = (String, u64, String);

/// Analyses every input of `options`; `out` receives `--live` lines as they happen.
pub fn analyze(
    options: &Options,
    out: &mut dyn Write,
    errors: &mut Vec<Error>,
) -> Result<(Report, Vec<Unparsed>), Error> {
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
    };
    if options.live {
        run.analyzer.watch_live();
    }
    if let Some(launch) = &options.launch {
        interrupt::install();
        let mut tracer = tracer::start(launch, &options.strace_args)?;
        interrupt::forward_to(tracer.child.id());
        let input = Input { path: Some("strace".into()), pid: None, set: None };
        let save = open_save(options, errors);
        let mut stream = EventStream::live(&input, Box::new(tracer.trace), save);
        run.watch(&mut stream, out, errors)?;
        // detach (attach) or let the command finish its exit; strace must not outlive us
        if tracer.child.try_wait().ok().flatten().is_none() {
            // SAFETY: kill(2) on the strace we started.
            unsafe {
                libc::kill(i32::try_from(tracer.child.id()).unwrap_or(0), libc::SIGINT);
            }
        }
        let _ = tracer.child.wait();
    } else {
        for group in input::group_sets(&options.inputs) {
            if group.len() == 1 && group[0].is_stdin() {
                interrupt::install();
                let source = group[0].open()?;
                let save = open_save(options, errors);
                let mut stream = EventStream::live(group[0], Box::new(source), save);
                run.watch(&mut stream, out, errors)?;
            } else {
                run.files(&group, out, errors)?;
            }
        }
    }
    let Session { analyzer, stats, unparsed, .. } = run;
    let collected = analyzer.finish();
    let judged = heuristics::judge(&collected, &ignores, disk.as_ref());
    Ok((report::build::report(collected, judged, &stats), unparsed))
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
}

impl Session<'_> {
    fn push(&mut self, source: &str, event: &Event<'_>, out: &mut dyn Write) -> Result<(), Error> {
        if let EventKind::Unparsed { text } = &event.kind {
            if self.unparsed.len() < UNPARSED_SHOWN {
                self.unparsed.push((source.to_string(), event.line, String::from_utf8_lossy(text).into_owned()));
            }
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
        out: &mut dyn Write,
    ) -> Result<Result<Pumped, Error>, Error> {
        let mut failed = None;
        let pumped = stream.pump(budget, &mut |e| {
            if failed.is_none() {
                failed = self.push(source, e, out).err();
            }
        });
        failed.map_or(Ok(pumped), Err)
    }

    /// Saved files: a `-ff` set merged by time, or one file.
    fn files(&mut self, group: &[&Input], out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<(), Error> {
        let progress = self.progress_bar(group);
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
                let pumped = self.pump(&mut stream, &name, PUMP_LINES, out)?;
                if let Some(p) = &progress {
                    p.set_position(stream.stats().bytes);
                }
                match pumped {
                    Ok(Pumped::More) => {}
                    Ok(_) => break,
                    Err(e) => {
                        errors.push(e);
                        break;
                    }
                }
            }
            self.stats.merge(&stream.stats());
        } else {
            let mut merged = MergedStream::open(group, true, errors);
            let names = merged.names();
            let mut lines = 0u64;
            loop {
                match merged.next_event() {
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
            }
        }
        if let Some(p) = progress {
            p.finish_and_clear();
        }
        Ok(())
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

    /// A live source: events as they arrive, a status line, Ctrl-C gives the report.
    fn watch(&mut self, stream: &mut EventStream, out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<(), Error> {
        let status = self.options.stderr_tty && std::io::stderr().is_terminal();
        let source = stream.input.name();
        let mut last_draw = Instant::now() - REDRAW;
        let mut interrupted_at: Option<Instant> = None;
        loop {
            let end = match self.pump(stream, &source, LIVE_LINES, out)? {
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
                break;
            }
            if interrupt::count() > 0 {
                let at = *interrupted_at.get_or_insert_with(Instant::now);
                if at.elapsed() > GRACE {
                    break;
                }
            }
            if status && last_draw.elapsed() >= REDRAW {
                last_draw = Instant::now();
                let lines = stream.stats().lines;
                let (failed, groups, suspects) = self.analyzer.counts();
                let line = render::live::status_line(lines, failed, groups, suspects, interrupt::count() > 0);
                eprint!("\r\x1b[2K{line}");
            }
        }
        if status {
            eprint!("\r\x1b[2K");
        }
        self.stats.merge(&stream.stats());
        Ok(())
    }

    /// `--live`: one line per group the moment the process's reaction makes it a suspect.
    fn print_fresh(&mut self, out: &mut dyn Write) -> Result<(), Error> {
        print_fresh(&mut self.analyzer, &self.ignores, self.disk, &mut self.budget, out)
    }
}

/// Prints a `--live` line for each group the process reacted to since the last call, unless a
/// noise rule explains it (the same rules as the final report's, applied to what is known so
/// far).
fn print_fresh(
    analyzer: &mut Analyzer,
    ignores: &Ignores,
    disk: &dyn Disk,
    budget: &mut typo::Budget,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let fresh = analyzer.take_fresh();
    if fresh.is_empty() {
        return Ok(());
    }
    for id in fresh {
        let g = analyzer.group(id);
        if noise::judge(g, ignores).is_some() {
            continue;
        }
        let typo = heuristics::typo_of(g, &analyzer.evidence().known, disk, budget);
        let line = render::live::suspect_line(&report::build::live_suspect(g, typo.as_ref()));
        analyzer.mark_shown();
        writeln!(out, "{line}").map_err(Error::Output)?;
    }
    out.flush().map_err(Error::Output)
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
        let pumped = stream.pump(LIVE_LINES, &mut |e| analyzer.push("-", e))?;
        print_fresh(&mut analyzer, &ignores, &NoDisk, &mut budget, live)?;
        if pumped == Pumped::End {
            break;
        }
    }
    let collected = analyzer.finish();
    let judged = heuristics::judge(&collected, &ignores, &NoDisk);
    Ok(report::build::report(collected, judged, &stream.stats()))
}

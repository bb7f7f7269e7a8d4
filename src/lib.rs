//! straceback: reads strace output and ranks what the traced processes are failing on, and
//! what they are waiting on.
//!
//! The stages, each importing only the ones before it (`tests/it/layers.rs` checks it): the
//! plain types and tables (`event`, `text`, `error`, `cli`, `errno`, `syscalls` (what each call
//! means: a call carries its row), ...); what is read: `input` (files, stdin, gzip, -ff sets),
//! `disk` (confined to `--root`), `host` (`/proc`); [`parse`] (lines -> records, by that table); `flow` (records paired into events, one
//! input or a merged `-ff` set) and `analysis` (process state, failure groups, evidence,
//! reactions, waits); `heuristics` (noise, typos, scores, explanations, fix pointers, suggested
//! commands); `report` (plain data: every decision made, nothing left to judge); `render`
//! (every sentence, every format: it only formats); `options`, `tracer` (strace started by
//! `run`/`attach`) and `drive`, which wires them.
//!
//! The public API is what the binary, the tests, the benches and the fuzz targets use: [`run`]
//! with [`options::Options`] (from [`cli::Cli`]), [`analyze_reader`] for a whole [`Report`]
//! from a reader and [`render_report`] to write it, the parser ([`parse`], [`event`], [`pair`],
//! [`write_event`]), [`error::Error`] and [`exit::ExitStatus`].

// every public item says what it is and why (CI turns warnings into errors)
#![warn(missing_docs)]

mod analysis;
mod bytes;
pub mod cli;
mod disk;
mod drive;
mod errno;
pub mod error;
pub mod event;
pub mod exit;
mod flow;
mod heuristics;
mod host;
mod inflight;
mod input;
mod interrupt;
mod memory;
pub mod options;
pub mod parse;
mod path;
mod render;
mod report;
mod syscalls;
pub mod text;
mod tracer;

use std::io::{self, Write};

pub use drive::analyze_reader;
use error::Error;
use exit::ExitStatus;
pub use flow::pair;
use options::{Mode, Options};
pub use report::Report;

/// Runs one invocation; prints to stdout and stderr; returns the exit status (precedence in
/// [`exit`]).
pub fn run(options: &Options) -> ExitStatus {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut errors = Vec::new();
    let mut ran = Ran::default();
    let result = match options.mode {
        Mode::Events => drive::events(&options.inputs, &mut out, &mut errors),
        Mode::Analyze => analyze_and_render(options, &mut out, &mut errors).map(|r| ran = r),
        Mode::Completions(_) | Mode::Man => generate(&options.mode, &mut out),
    };
    let result = result.and_then(|()| out.flush().map_err(Error::Output));
    let mut error = None;
    for e in &errors {
        eprintln!("straceback: {e}");
        let status = match e {
            Error::NotTraced { not_found: true, .. } => ExitStatus::NotFound,
            _ => ExitStatus::Error,
        };
        error = error.or(Some(status));
    }
    if !ran.reported && matches!(options.mode, Mode::Analyze) {
        // nothing was read: no report, and never a success
        error = error.or(Some(ExitStatus::Error));
    }
    if interrupt::count() >= 2 {
        // the handler exits 130 too, but the command it killed may end first: its 137 is not
        // ours to report
        return ExitStatus::Interrupted;
    }
    let status = ExitStatus::of_run(ran.command, error, options.exit_code && ran.suspects > 0);
    match result {
        Ok(()) => status,
        // `straceback x | head`: the reader went away; that is not an error
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => status,
        Err(e) => {
            eprintln!("straceback: {e}");
            ExitStatus::of_run(ran.command, Some(ExitStatus::Error), false)
        }
    }
}

/// What one analysis ended with.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ran {
    /// A report was printed (some input held a strace line).
    pub reported: bool,
    /// Suspects found, plus one for a slow or stuck verdict (`--exit-code` exits 1 then).
    pub suspects: usize,
    /// `run`: the status of the command when it failed.
    pub command: Option<ExitStatus>,
}

/// Reads every input, analyses it and renders the report in the chosen format. stdout gets
/// the report alone: with `--format json|markdown` the `--live` lines go to stderr.
pub fn analyze_and_render(options: &Options, out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<Ran, Error> {
    let text = options.format == cli::Format::Text;
    let analysis =
        if text { drive::analyze(options, out, errors)? } else { drive::analyze(options, &mut io::stderr(), errors)? };
    let drive::Analysis { report, unparsed, command, lingering } = analysis;
    let Some(report) = report else {
        let command = lingering.and_then(drive::Lingering::wait).or(command);
        return Ok(Ran { reported: false, suspects: 0, command });
    };
    colored::control::set_override(options.colored);
    if options.live && text && !report.suspects.is_empty() {
        writeln!(out).map_err(Error::Output)?;
    }
    let mut report = report;
    if let (cli::Format::Json, Some(top)) = (options.format, options.top) {
        // as in every format: summary.suspects still counts them all
        report.suspects.truncate(top);
    }
    let rendered = match options.format {
        cli::Format::Text if !options.verbose => render::screen::render(&report, terminal_width(), out),
        format => render_report(&report, format, options.top, out),
    };
    rendered.map_err(Error::Output)?;
    if options.show_unparsed && !unparsed.is_empty() {
        render::text::unparsed(&unparsed, out).map_err(Error::Output)?;
    }
    let command = match lingering {
        // the report first, then the command that ignored Ctrl-C
        Some(l) => {
            out.flush().map_err(Error::Output)?;
            l.wait().or(command)
        }
        None => command,
    };
    // a slow or stuck verdict is a finding as much as a suspect
    let suspects = report.suspects.len() + usize::from(report.waiting.verdict.is_some());
    Ok(Ran { reported: true, suspects, command })
}

/// Columns of the terminal on stdout (`COLUMNS` first), else 120.
fn terminal_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).filter(|&n| n > 0) {
        return n;
    }
    // SAFETY: TIOCGWINSZ fills the winsize we own; a failure leaves it zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col > 0 {
        usize::from(ws.ws_col)
    } else {
        120
    }
}

/// Writes `event` (read from `source`) as one line of the `events` NDJSON.
pub fn write_event(event: &event::Event<'_>, source: &str, out: &mut dyn Write) -> io::Result<()> {
    render::events::write(event, source, out)
}

/// Writes `report` in `format`, with at most `top` suspects (the detailed text, and markdown).
pub fn render_report(report: &Report, format: cli::Format, top: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        cli::Format::Text => render::text::render(report, top, out),
        cli::Format::Json => render::json::render(report, out),
        cli::Format::Markdown => render::markdown::render(report, top, out),
    }
}

/// `completions SHELL` and `man`: generated from the clap definition.
fn generate(mode: &Mode, out: &mut dyn Write) -> Result<(), Error> {
    use clap::CommandFactory;
    let mut cmd = cli::Cli::command();
    match mode {
        Mode::Completions(shell) => {
            clap_complete::generate(*shell, &mut cmd, "straceback", out);
            Ok(())
        }
        _ => render::man::render(cmd, out).map_err(Error::Output),
    }
}

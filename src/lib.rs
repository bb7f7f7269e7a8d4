//! straceback: reads strace output and ranks what the traced processes are failing on.
//!
//! The stages, each importing only the ones before it: [`input`] (files, stdin, gzip, -ff
//! sets) -> [`parse`] (lines -> records, by the `syscalls` table) -> `flow`
//! (records paired into events, one input or a merged `-ff` set) -> `analysis` (collects process state, failure
//! groups, evidence, reactions) -> `heuristics` (judges noise, typos, scores) -> [`report`]
//! (plain data) -> `render` (every sentence, every format). `drive` wires them.
//!
//! The public API is what the binary, the tests, the benches and the fuzz targets use: [`run`]
//! with [`options::Options`], the parser ([`parse`], [`event`], [`pair`]), and
//! [`analyze_lines`] for a whole report from a reader.

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
mod input;
mod interrupt;
pub mod options;
pub mod parse;
mod path;
mod render;
pub mod report;
mod syscalls;
mod tracer;

use std::io::{self, Write};

pub use drive::analyze_reader;
use error::Error;
use exit::ExitStatus;
pub use flow::pair;
use options::{Mode, Options};

/// Runs one invocation; prints to stdout and stderr; returns the exit status.
pub fn run(options: &Options) -> ExitStatus {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut errors = Vec::new();
    let mut suspects = 0;
    let result = match options.mode {
        Mode::Events => drive::events(&options.inputs, &mut out, &mut errors),
        Mode::Analyze => analyze_and_render(options, &mut out, &mut errors).map(|n| suspects = n),
        Mode::Completions(_) | Mode::Man => generate(&options.mode, &mut out),
    };
    let result = result.and_then(|()| out.flush().map_err(Error::Output));
    let mut status = if options.exit_code && suspects > 0 { ExitStatus::Suspects } else { ExitStatus::Ok };
    for e in &errors {
        eprintln!("straceback: {e}");
        status = ExitStatus::Error;
    }
    match result {
        Ok(()) => status,
        // `straceback x | head`: the reader went away; that is not an error
        Err(Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => status,
        Err(e) => {
            eprintln!("straceback: {e}");
            ExitStatus::Error
        }
    }
}

/// Reads every input, analyses it and renders the report in the chosen format; returns the
/// number of suspects.
pub fn analyze_and_render(options: &Options, out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<usize, Error> {
    let (report, unparsed) = drive::analyze(options, out, errors)?;
    colored::control::set_override(options.colored);
    if options.live && options.format == cli::Format::Text && !report.suspects.is_empty() {
        writeln!(out).map_err(Error::Output)?;
    }
    render_report(&report, options.format, options.top, out).map_err(Error::Output)?;
    if options.show_unparsed && !unparsed.is_empty() {
        render::text::unparsed(&unparsed, out).map_err(Error::Output)?;
    }
    Ok(report.suspects.len())
}

/// Writes `report` in `format`, with at most `top` suspects (text and markdown).
pub fn render_report(
    report: &report::Report,
    format: cli::Format,
    top: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
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
        _ => clap_mangen::Man::new(cmd).render(out).map_err(Error::Output),
    }
}

//! straceback: reads strace output and ranks what the traced processes are failing on.
//!
//! Pipeline: [`input`] (files, stdin, gzip, -ff sets) -> [`parse`] (lines -> records) ->
//! [`pair`] (unfinished/resumed merged) -> events -> analysis -> [`render`].

pub mod aggregate;
pub mod analyze;
pub mod cli;
pub mod disk;
pub mod error;
pub mod event;
pub mod exit;
pub mod fixptr;
pub mod heuristics;
pub mod input;
pub mod options;
pub mod pair;
pub mod parse;
pub mod process;
pub mod render;
pub mod report;
pub mod stream;
pub mod symptom;

use std::io::{self, Write};

use error::Error;
use exit::ExitStatus;
use options::{Mode, Options};

/// Runs one invocation; prints to stdout and stderr; returns the exit status.
pub fn run(options: &Options) -> ExitStatus {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut errors = Vec::new();
    let mut suspects = 0;
    let result = match options.mode {
        Mode::Events => render::events::write_events(&options.inputs, &mut out, &mut errors),
        Mode::Analyze => analyze_and_render(options, &mut out, &mut errors).map(|n| suspects = n),
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

/// An unparsed line: source, line number, text.
pub type Unparsed = (String, u64, String);

/// Most unparsed lines kept for `--show-unparsed`.
const UNPARSED_SHOWN: usize = 100;

/// Reads every input, analyses it and renders the report in the chosen format; returns the
/// number of suspects.
pub fn analyze_and_render(options: &Options, out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<usize, Error> {
    let (report, unparsed) = analyze_inputs(options, errors)?;
    let top = options.top;
    colored::control::set_override(options.colored);
    let rendered = match options.format {
        cli::Format::Text => render::text::render(&report, top, out),
        cli::Format::Json => render::json::render(&report, out),
        cli::Format::Markdown => render::markdown::render(&report, top, out),
    };
    rendered.map_err(Error::Output)?;
    if options.show_unparsed && !unparsed.is_empty() {
        writeln!(out, "\nUnparsed lines (first {}):", unparsed.len()).map_err(Error::Output)?;
        for (source, line, text) in &unparsed {
            writeln!(out, "  {}:{line}: {}", render::escape::terminal(source), render::escape::terminal(text))
                .map_err(Error::Output)?;
        }
    }
    Ok(report.suspects.len())
}

/// The report for `options.inputs`, and the first unparsed lines (source, line, text).
pub fn analyze_inputs(options: &Options, errors: &mut Vec<Error>) -> Result<(report::Report, Vec<Unparsed>), Error> {
    let ignores = heuristics::noise::Ignores::new(options.default_ignores, &options.ignore)
        .map_err(|e| Error::Usage(format!("--ignore: {e}")))?;
    let settings = analyze::Settings { ignores, top: options.top };
    let mut analyzer = analyze::Analyzer::new(options.max_groups);
    let mut stats = parse::ParseStats::default();
    let mut unparsed = Vec::new();
    for group in render::events::group_sets(&options.inputs) {
        let mut streams = Vec::new();
        for input in group {
            match stream::EventStream::open(input) {
                Ok(s) => streams.push(s),
                Err(e) => errors.push(e),
            }
        }
        let names: Vec<String> = streams.iter().map(|s| s.input.name()).collect();
        let mut merged = stream::MergedStream::new(streams);
        loop {
            match merged.next_event() {
                Ok(Some((i, event))) => {
                    if let event::EventKind::Unparsed { text } = &event.kind {
                        if unparsed.len() < UNPARSED_SHOWN {
                            unparsed.push((names[i].clone(), event.line, String::from_utf8_lossy(text).into_owned()));
                        }
                    }
                    analyzer.push(&names[i], &event);
                }
                Ok(None) => break,
                Err(e) => errors.push(e),
            }
        }
        for s in merged.streams() {
            stats.merge(&s.stats());
        }
    }
    let disk: Box<dyn disk::Disk> = match &options.root {
        Some(root) => Box::new(disk::RootDisk::new(root)),
        None => Box::new(disk::NoDisk),
    };
    Ok((analyzer.finish(&settings, disk.as_ref(), &stats), unparsed))
}

//! Validated settings for one run, made once from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Cli, ColorChoice, Command, Format, ReportArgs};
use crate::error::Error;
use crate::input::{expand, Input};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Analyze,
    Events,
    Completions(clap_complete::Shell),
    Man,
}

/// strace started by straceback itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    Run(Vec<String>),
    Attach(Vec<u32>),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub inputs: Vec<Input>,
    pub launch: Option<Launch>,
    pub strace_args: Vec<String>,
    pub format: Format,
    /// `None`: show everything.
    pub top: Option<usize>,
    /// The detailed text report instead of the one-screen answer.
    pub verbose: bool,
    pub colored: bool,
    /// Filesystem root for disk lookups; `None` with `--no-disk`.
    pub root: Option<PathBuf>,
    pub ignore: Vec<String>,
    pub default_ignores: bool,
    pub show_unparsed: bool,
    pub max_groups: usize,
    pub exit_code: bool,
    pub live: bool,
    pub save: Option<PathBuf>,
    /// Threads for a single trace file (1: sequential; see `flow::pipeline`).
    pub threads: usize,
    /// stderr is a terminal that takes control sequences (not `TERM=dumb`): status line and
    /// progress bars go there.
    pub stderr_tty: bool,
}

impl Options {
    pub fn from_cli(cli: Cli) -> Result<Options, Error> {
        // with a subcommand, clap leaves the analysis flags at their defaults
        let mut launch = None;
        let mut strace_args = None;
        let (mode, files, r) = match cli.command {
            Some(Command::Events(e)) => (Mode::Events, e.files, cli.analyze.report),
            Some(Command::Completions { shell }) => (Mode::Completions(shell), vec![], cli.analyze.report),
            Some(Command::Man) => (Mode::Man, vec![], cli.analyze.report),
            Some(Command::Run(run)) => {
                launch = Some(Launch::Run(run.cmd));
                strace_args = run.strace_args;
                (Mode::Analyze, vec![], run.report)
            }
            Some(Command::Attach(a)) => {
                launch = Some(Launch::Attach(a.pids));
                strace_args = a.strace_args;
                (Mode::Analyze, vec![], a.report)
            }
            None => (Mode::Analyze, cli.analyze.files, cli.analyze.report),
        };
        let reads_stdin = files.is_empty() && launch.is_none() && matches!(mode, Mode::Analyze | Mode::Events);
        if reads_stdin && std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "no trace given and stdin is a terminal.\n\
                 Pipe strace into it:   strace -f -p PID 2>&1 | straceback\n\
                 or let it run strace:  straceback attach PID   /   straceback run -- CMD\n\
                 or give a saved trace: straceback trace.txt   (see --help)"
                    .into(),
            ));
        }
        let inputs = if files.is_empty() { vec![Input::stdin()] } else { expand(&files) };
        Self::validated(mode, inputs, launch, strace_args, r)
    }

    fn validated(
        mode: Mode,
        inputs: Vec<Input>,
        launch: Option<Launch>,
        strace_args: Option<String>,
        r: ReportArgs,
    ) -> Result<Options, Error> {
        for re in &r.ignore {
            regex::bytes::Regex::new(re).map_err(|e| Error::Usage(format!("--ignore {re}: {e}")))?;
        }
        // a dumb terminal takes neither colour nor the status line's control sequences
        let smart = std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        let colored = match r.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && smart && std::io::stdout().is_terminal()
            }
        };
        let root = if r.no_disk { None } else { Some(r.root.clone().unwrap_or_else(|| PathBuf::from("/"))) };
        if let Some(root) = &root {
            if !root.is_dir() {
                return Err(Error::Usage(format!("--root {}: not a directory", root.display())));
            }
        }
        let live = r.live || launch.is_some();
        Ok(Options {
            mode,
            inputs,
            launch,
            strace_args: strace_args.map(|s| s.split_whitespace().map(String::from).collect()).unwrap_or_default(),
            format: r.format,
            top: if r.all { None } else { Some(r.top) },
            verbose: r.verbose || r.all,
            colored: colored && r.format == Format::Text,
            root,
            ignore: r.ignore,
            default_ignores: !r.no_default_ignores,
            show_unparsed: r.show_unparsed,
            max_groups: r.max_groups.max(1),
            exit_code: r.exit_code,
            live,
            save: r.save,
            threads: r.threads.unwrap_or_else(default_threads).max(1),
            stderr_tty: smart && std::io::stderr().is_terminal(),
        })
    }
}

/// A parser per core (at most 4) beside the analysis thread: the parsers then fill the time
/// the analysis thread waits (measured faster than one thread per core on 2 cores).
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) + 1
}

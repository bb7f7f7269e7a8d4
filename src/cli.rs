//! The command line, as clap sees it. Nothing below this module uses clap types:
//! `Options::from_cli` validates once.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  strace -f -p 2341 2>&1 | straceback        live: attach to a running service, Ctrl-C to stop
  straceback trace.txt                       a saved trace (trace.txt.PID files from -ff are found)
  straceback --format json trace.txt | jq .suspects[0]
  straceback --format markdown trace.txt     paste into the incident ticket
  straceback --root /srv/rootfs trace.txt    typo lookups inside a container's root filesystem
  straceback events trace.txt                strace -> NDJSON, one event per line";

#[derive(Debug, Parser)]
#[command(name = "straceback", version, about = "Reads strace output and tells you what the process is failing on, and what to change to fix it.", after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub analyze: AnalyzeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every event as one NDJSON object per line (the parser's view of the trace).
    Events(EventsArgs),
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Trace files (`-` for stdin; gzip is detected; NAME finds the NAME.PID files of -ff).
    pub files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Trace files (`-` or none for stdin; gzip is detected; NAME finds the NAME.PID files of -ff).
    pub files: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// How many suspects to show.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Show every suspect and every failure group.
    #[arg(long)]
    pub all: bool,
    /// Colour in the text report (NO_COLOR is respected by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Directory used as the filesystem root for typo and fix lookups (a container rootfs, a
    /// copied tree).
    #[arg(long, value_name = "DIR", conflicts_with = "no_disk")]
    pub root: Option<PathBuf>,
    /// Never look at the disk: typos come only from paths the trace shows existing.
    #[arg(long)]
    pub no_disk: bool,
    /// Treat failures on paths matching REGEX as noise (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub ignore: Vec<String>,
    /// Drop the built-in list of well-known benign paths.
    #[arg(long)]
    pub no_default_ignores: bool,
    /// List the lines that could not be parsed.
    #[arg(long)]
    pub show_unparsed: bool,
    /// At most this many failure groups are kept; the rest are counted as overflow.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_groups: usize,
    /// Exit with status 1 when suspects were found.
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

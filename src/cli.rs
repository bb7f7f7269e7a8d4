//! The command line, as clap sees it. `Options::from_cli` validates it once; below that only
//! the plain value enums (`Format`, the completion `Shell`) travel on, never the clap structs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

// these texts start at the quote: a `\` ending the line would eat the first line's indent

/// The examples of `--help` and of the man page.
pub const EXAMPLES: &str =
    "  straceback attach 2341                       a service and all its workers, Ctrl-C for the report
  strace -f -p 2341 2>&1 | straceback --live   through a pipe (misses the workers already running)
  straceback run -- php-cgi index.php          trace a command from its start
  straceback trace.txt                         a saved trace (trace.txt.PID files from -ff are found)
  straceback --format json trace.txt | jq '.suspects[0]'
  straceback --format markdown trace.txt       paste into the incident ticket
  straceback --root /srv/rootfs trace.txt      typo lookups inside a container's root filesystem
  straceback events trace.txt                  strace -> NDJSON, one event per line";

/// The exit statuses, for `--help`, the man page and the README (`src/exit.rs` has them).
pub const EXIT_STATUS: &str = "  0    the report was printed
  1    suspects were found, or waiting was the answer (a slow: or stuck: verdict); only
       with --exit-code
  2    usage or input error: a missing file, an input with no strace line (other inputs are
       still analysed); no report when no input could be read
  N    run: the command failed with status N (128+S when killed by signal S), as time and env
       report it; it comes before 2 and 1
  127  run: strace could not find the command
  130  a second Ctrl-C";

/// The environment variables read, for `--help` and the man page.
pub const ENVIRONMENT: &str = "  NO_COLOR   set and not empty: no colour (--color auto)
  TERM       dumb: no colour (--color auto), no status line and no progress bar";

/// What `--help` prints after the options.
fn after_help() -> String {
    format!("Examples:\n{EXAMPLES}\n\nExit status:\n{EXIT_STATUS}\n\nEnvironment:\n{ENVIRONMENT}")
}

/// The whole command line: a subcommand, or the analysis of trace files.
#[derive(Debug, Parser)]
#[command(name = "straceback", version, about = "Reads strace output and tells you what the process is failing on, and what to change to fix it.", after_help = after_help(), args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) analyze: AnalyzeArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print every event as one NDJSON object per line (the parser's view of the trace).
    Events(EventsArgs),
    /// Run a command under strace (with the recommended flags) and analyse it live; exit
    /// with its status when it fails. Its stdout goes to stderr: stdout holds the report alone.
    #[command(
        after_help = "Example:\n  straceback run -- sh -c 'cat /etc/app.conf'\n  straceback run --save raw.txt -- ./server --port 8080\n  straceback run --format json -- ./check.sh | jq '.suspects[0]'"
    )]
    Run(RunArgs),
    /// Attach strace to running processes and all their live descendants, and analyse them
    /// live; Ctrl-C for the report.
    #[command(after_help = "Example:\n  straceback attach $(pgrep -o nginx)     the master and every worker")]
    Attach(AttachArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  straceback completions bash > /etc/bash_completion.d/straceback")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  straceback man > /usr/local/share/man/man1/straceback.1")]
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// Trace files (`-` for stdin; gzip is detected; NAME finds the NAME.PID files of -ff).
    pub(crate) files: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Trace files (`-` or none for stdin; gzip is detected; NAME finds the NAME.PID files of -ff).
    pub(crate) files: Vec<String>,
    #[command(flatten)]
    pub(crate) report: ReportArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) report: ReportArgs,
    /// Extra strace flags, split into words as a shell would (quotes, backslashes), e.g.
    /// "-e trace=%file"; -o, -ff and -c are refused (straceback reads the trace itself).
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub(crate) strace_args: Option<String>,
    /// Stop by itself after DURATION (`20s`, `2m`, `500ms`; a bare number is seconds) and
    /// print the report, as Ctrl-C would.
    #[arg(long = "for", value_name = "DURATION")]
    pub(crate) for_duration: Option<String>,
    /// The command to trace.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub(crate) cmd: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AttachArgs {
    #[command(flatten)]
    pub(crate) report: ReportArgs,
    /// Extra strace flags, split into words as a shell would (quotes, backslashes), e.g.
    /// "-e trace=%file"; -o, -ff and -c are refused (straceback reads the trace itself).
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub(crate) strace_args: Option<String>,
    /// Detach by itself after DURATION (`20s`, `2m`, `500ms`; a bare number is seconds) and
    /// print the report, as Ctrl-C would.
    #[arg(long = "for", value_name = "DURATION")]
    pub(crate) for_duration: Option<String>,
    /// Attach even when that is more than 500 processes (without it, straceback asks on a
    /// terminal and refuses otherwise: every traced call of each one stops for strace).
    #[arg(long)]
    pub(crate) yes: bool,
    /// Processes to attach to, with their threads and every live descendant (children forked
    /// later are followed too).
    #[arg(required = true, value_name = "PID")]
    pub(crate) pids: Vec<u32>,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Report format. With json and markdown, stdout holds the report alone (--live lines go to
    /// stderr).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// How many suspects to show.
    #[arg(long, default_value_t = 10)]
    pub(crate) top: usize,
    /// Show every suspect and every failure group, noise included (implies --verbose).
    #[arg(long)]
    pub(crate) all: bool,
    /// The detailed text report: every reason with its points, the failures by path, the
    /// noise by reason (the default fits the answer on one screen).
    #[arg(short, long)]
    pub(crate) verbose: bool,
    /// Colour in the text report (`auto`: on a terminal, unless NO_COLOR is set or TERM=dumb).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Directory used as the filesystem root for typo and fix lookups (a container rootfs, a
    /// copied tree).
    #[arg(long, value_name = "DIR", conflicts_with = "no_disk")]
    pub(crate) root: Option<PathBuf>,
    /// Never look at the disk: typos come only from paths the trace shows existing.
    #[arg(long)]
    pub(crate) no_disk: bool,
    /// Treat failures on paths matching REGEX as noise (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub(crate) ignore: Vec<String>,
    /// Drop the built-in list of well-known benign paths.
    #[arg(long)]
    pub(crate) no_default_ignores: bool,
    /// List the lines that could not be parsed.
    #[arg(long)]
    pub(crate) show_unparsed: bool,
    /// At most this many failure groups are kept; the rest are counted as overflow.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub(crate) max_groups: usize,
    /// Exit with status 1 when suspects were found or waiting was the answer (a slow: or
    /// stuck: verdict; for run, a failing command's status comes first).
    #[arg(long)]
    pub(crate) exit_code: bool,
    /// Print each new suspect the moment it appears (default for run and attach), then the report.
    #[arg(long)]
    pub(crate) live: bool,
    /// Threads for a trace file (default: one parser per core, at most 4, plus the analysis).
    /// 1: read, parse and analyse one line after the other; N: batches of lines are read and
    /// parsed (N-1 parsers) while one thread analyses them. Same report either way.
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// Also write the raw trace read from stdin or strace to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) save: Option<PathBuf>,
}

/// How the report is written (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The answer on one screen (`-v`: every reason, failure and noise).
    Text,
    /// The report as data (docs/json.md, docs/report.schema.json).
    Json,
    /// For an incident ticket.
    Markdown,
}

// by hand, not derived: a derive would print the variants' docs in `--help`, turning its short
// option list into the long form
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Text, Format::Json, Format::Markdown]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

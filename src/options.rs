//! Validated settings for one run, made once from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Cli, ColorChoice, Command, Format};
use crate::error::Error;
use crate::input::{expand, Input};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Analyze,
    Events,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub inputs: Vec<Input>,
    pub format: Format,
    /// `None`: show everything.
    pub top: Option<usize>,
    pub colored: bool,
    /// Filesystem root for disk lookups; `None` with `--no-disk`.
    pub root: Option<PathBuf>,
    pub ignore: Vec<String>,
    pub default_ignores: bool,
    pub show_unparsed: bool,
    pub max_groups: usize,
    pub exit_code: bool,
}

impl Options {
    pub fn from_cli(cli: Cli) -> Result<Options, Error> {
        // with a subcommand, clap leaves the analysis flags at their defaults
        let a = cli.analyze;
        let (mode, files) = match cli.command {
            Some(Command::Events(e)) => (Mode::Events, e.files),
            None => (Mode::Analyze, a.files.clone()),
        };
        if files.is_empty() && std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "no trace given and stdin is a terminal.\n\
                 Pipe strace into it:   strace -f -p PID 2>&1 | straceback\n\
                 or give a saved trace: straceback trace.txt   (see --help)"
                    .into(),
            ));
        }
        let inputs = if files.is_empty() { vec![Input::stdin()] } else { expand(&files) };
        for re in &a.ignore {
            regex::bytes::Regex::new(re).map_err(|e| Error::Usage(format!("--ignore {re}: {e}")))?;
        }
        let colored = match a.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
            }
        };
        let root = if a.no_disk { None } else { Some(a.root.clone().unwrap_or_else(|| PathBuf::from("/"))) };
        if let Some(r) = &root {
            if !r.is_dir() {
                return Err(Error::Usage(format!("--root {}: not a directory", r.display())));
            }
        }
        Ok(Options {
            mode,
            inputs,
            format: a.format,
            top: if a.all { None } else { Some(a.top) },
            colored: colored && a.format == Format::Text,
            root,
            ignore: a.ignore,
            default_ignores: !a.no_default_ignores,
            show_unparsed: a.show_unparsed,
            max_groups: a.max_groups.max(1),
            exit_code: a.exit_code,
        })
    }
}

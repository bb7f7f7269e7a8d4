//! Validated settings for one run, made once from the command line.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Cli, ColorChoice, Command, Format, ReportArgs};
use crate::error::Error;
use crate::input::{expand, Input};
use crate::render::words;

/// What one invocation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    Analyze,
    Events,
    Completions(clap_complete::Shell),
    Man,
}

/// strace started by straceback itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Launch {
    Run(Vec<String>),
    Attach(Vec<u32>),
}

/// One run's settings, validated from the command line by [`Options::from_cli`].
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) mode: Mode,
    pub(crate) inputs: Vec<Input>,
    pub(crate) launch: Option<Launch>,
    pub(crate) strace_args: Vec<String>,
    /// `run`/`attach --for`: stop tracing by itself after this long.
    pub(crate) stop_after: Option<std::time::Duration>,
    /// `attach --yes`: attach to more than 500 processes (with their descendants) unasked.
    pub(crate) attach_many: bool,
    pub(crate) format: Format,
    /// `None`: show everything.
    pub(crate) top: Option<usize>,
    /// The detailed text report instead of the one-screen answer.
    pub(crate) verbose: bool,
    pub(crate) colored: bool,
    /// Filesystem root for disk lookups; `None` with `--no-disk`.
    pub(crate) root: Option<PathBuf>,
    /// The disk may be walked to say what fills a full filesystem: the trace is this host's
    /// (`run`, `attach`), or `--root` says which disk it is about (a saved trace may come from
    /// another machine).
    pub(crate) walk_disk: bool,
    pub(crate) ignore: Vec<String>,
    pub(crate) default_ignores: bool,
    pub(crate) show_unparsed: bool,
    pub(crate) max_groups: usize,
    pub(crate) exit_code: bool,
    pub(crate) live: bool,
    pub(crate) save: Option<PathBuf>,
    /// Threads for a single trace file (1: sequential; see `flow::pipeline`).
    pub(crate) threads: usize,
    /// stderr is a terminal that takes control sequences (not `TERM=dumb`): status line and
    /// progress bars go there.
    pub(crate) stderr_tty: bool,
}

impl Options {
    /// Validates the command line once: inputs expanded (`-ff` sets), the root checked, colour
    /// and width decided; a usage error names what is wrong.
    pub fn from_cli(cli: Cli) -> Result<Options, Error> {
        // with a subcommand, clap leaves the analysis flags at their defaults
        let mut launch = None;
        let mut strace_args = None;
        let mut stop_after = None;
        let mut attach_many = false;
        let (mode, files, r) = match cli.command {
            Some(Command::Events(e)) => (Mode::Events, e.files, cli.analyze.report),
            Some(Command::Completions { shell }) => (Mode::Completions(shell), vec![], cli.analyze.report),
            Some(Command::Man) => (Mode::Man, vec![], cli.analyze.report),
            Some(Command::Run(run)) => {
                launch = Some(Launch::Run(run.cmd));
                strace_args = run.strace_args;
                stop_after = run.for_duration;
                (Mode::Analyze, vec![], run.report)
            }
            Some(Command::Attach(a)) => {
                launch = Some(Launch::Attach(a.pids));
                strace_args = a.strace_args;
                stop_after = a.for_duration;
                attach_many = a.yes;
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
        let mut options = Self::validated(mode, inputs, launch, strace_args, r)?;
        options.stop_after = stop_after.as_deref().map(duration).transpose()?;
        options.attach_many = attach_many;
        Ok(options)
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
        let walk_disk = root.is_some() && (launch.is_some() || r.root.is_some());
        // --save keeps a stream read once; a file is kept already
        if r.save.is_some() && launch.is_none() && !inputs.iter().all(Input::is_stdin) {
            return Err(Error::Usage(words::SAVE_FILES.into()));
        }
        let strace_args = match strace_args {
            Some(text) => strace_words(&text)?,
            None => Vec::new(),
        };
        Ok(Options {
            mode,
            inputs,
            launch,
            strace_args,
            stop_after: None,
            attach_many: false,
            format: r.format,
            top: if r.all { None } else { Some(r.top) },
            verbose: r.verbose || r.all,
            colored: colored && r.format == Format::Text,
            walk_disk,
            root,
            ignore: r.ignore,
            default_ignores: !r.no_default_ignores,
            show_unparsed: r.show_unparsed,
            max_groups: r.max_groups.max(1),
            exit_code: r.exit_code,
            live,
            save: r.save,
            threads: r.threads.unwrap_or_else(default_threads).clamp(1, max_threads()),
            stderr_tty: smart && std::io::stderr().is_terminal(),
        })
    }
}

/// `--strace-args`, split into words, without the flags that would take the trace away from
/// straceback (`-o`, `-ff`, `-c` and their long forms).
fn strace_words(text: &str) -> Result<Vec<String>, Error> {
    let words = shell_words(text).ok_or_else(|| Error::Usage(words::strace_args_unbalanced(text)))?;
    match refused_flag(&words) {
        // strace takes `--` or a word that is no option's value for the command to trace
        Some(word) if word == "--" || !word.starts_with('-') => Err(Error::Usage(words::strace_arg_not_option(&word))),
        Some(flag) => Err(Error::Usage(words::strace_arg_refused(&flag))),
        None => Ok(words),
    }
}

/// `--for`: `20s`, `2m`, `500ms`, `1h`, or a bare number of seconds.
fn duration(text: &str) -> Result<std::time::Duration, Error> {
    let t = text.trim();
    let (number, unit) = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).map_or((t, ""), |k| t.split_at(k));
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        _ => -1.0,
    };
    number
        .parse::<f64>()
        .ok()
        .map(|n| n * scale)
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| Error::Usage(format!("--for {text}: not a duration (examples: 20s, 2m, 500ms)")))
}

/// Splits `text` into words as a POSIX shell does (blanks, '…', "…" with \\ \" \$ \` escapes,
/// a backslash outside quotes), with no expansion and without running a shell; `None` for an
/// unbalanced quote or a trailing backslash.
fn shell_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('\\' | '"' | '$' | '`') => w.push(c),
                            '\n' => {}
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => match chars.next()? {
                '\n' => {}
                c => word.get_or_insert_with(String::new).push(c),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// strace's short options that take a value (the rest of the word, or the next word).
const STRACE_VALUED: &str = "abeEIoOpPsSuUX";

/// The first flag of `words` that redirects strace's trace (`-o FILE`, `--output`, `-ff`,
/// `--output-separately`) or replaces it with a summary (`-c`, `--summary-only`), or the first
/// word that is not an option (`--`, a command).
fn refused_flag(words: &[String]) -> Option<String> {
    let mut value_next = false;
    // after a long option without `=`: a word that is not an option is its value
    let mut long_value = false;
    for w in words {
        if std::mem::take(&mut value_next) {
            continue;
        }
        let may_be_value = std::mem::take(&mut long_value);
        if w == "--" || (!w.starts_with('-') && !may_be_value) {
            return Some(w.clone());
        }
        if !w.starts_with('-') {
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or_default();
            if matches!(name, "output" | "output-separately" | "summary-only") {
                return Some(w.clone());
            }
            // `--trace file`: a long option may take the next word as its value
            long_value = !long.contains('=');
            continue;
        }
        let Some(short) = w.strip_prefix('-') else { continue };
        let mut fs = 0;
        for (i, c) in short.char_indices() {
            match c {
                'o' | 'c' => return Some(w.clone()),
                'f' => {
                    fs += 1;
                    if fs >= 2 {
                        return Some(w.clone());
                    }
                }
                c if STRACE_VALUED.contains(c) => {
                    value_next = i + c.len_utf8() == short.len();
                    break;
                }
                _ => {}
            }
        }
    }
    None
}

/// The most threads `--threads` gets: two per core (more only thrash; a typo such as
/// `--threads 100000` must not start a hundred thousand threads).
fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get) * 2
}

/// A parser per core (at most 4) beside the analysis thread: the parsers then fill the time
/// the analysis thread waits (measured faster than one thread per core on 2 cores).
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        shell_words(text).unwrap()
    }

    #[test]
    fn issue21_for_takes_a_duration() {
        let secs = |t: &str| duration(t).map(|d| d.as_secs_f64()).ok();
        assert_eq!(secs("20s"), Some(20.0));
        assert_eq!(secs("2m"), Some(120.0));
        assert_eq!(secs("500ms"), Some(0.5));
        assert_eq!(secs("3"), Some(3.0));
        assert_eq!(secs("1.5s"), Some(1.5));
        for bad in ["", "0", "-2s", "2x", "s", "2 weeks"] {
            assert_eq!(secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn issue16_strace_args_are_split_like_a_shell() {
        assert_eq!(words("-e trace=%file  -s 512"), ["-e", "trace=%file", "-s", "512"]);
        assert_eq!(
            words(r#"-e 'trace=open, openat' -P "/srv/my app/x""#),
            ["-e", "trace=open, openat", "-P", "/srv/my app/x"]
        );
        assert_eq!(words(r#"-P a\ b "q\"x" ''"#), ["-P", "a b", "q\"x", ""]);
        assert_eq!(words("   "), Vec::<String>::new());
        assert!(shell_words("-e 'trace=open").is_none());
        assert!(shell_words("-P a\\").is_none());
    }

    #[test]
    fn issue16_strace_args_that_redirect_the_trace_are_refused() {
        for refused in [
            "-o /tmp/t",
            "-o/tmp/t",
            "-fo /tmp/t",
            "-ff",
            "-f -ff",
            "-c",
            "--output=/tmp/t",
            "--output-separately",
            "--summary-only",
            "-e trace=open -c",
            "--seccomp-bpf -o /tmp/t",
        ] {
            assert!(strace_words(refused).is_err(), "{refused}");
        }
        for kept in
            ["-e trace=%file", "-f", "-s 512", "-e o", "-P /tmp/-o", "-e trace=open -C", "-X verbose", "--trace file"]
        {
            assert!(strace_words(kept).is_ok(), "{kept}");
        }
    }

    #[test]
    fn issue22_item11_strace_args_holding_a_command_are_refused() {
        for stray in ["--", "-f -- true", "-e trace=%file ls", "true"] {
            let e = strace_words(stray).map_err(|e| e.to_string());
            assert!(e.as_ref().is_err_and(|e| e.contains("is not a strace option")), "{stray}: {e:?}");
        }
    }
}

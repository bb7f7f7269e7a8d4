//! `straceback man`: one page, generated from the clap definition. clap_mangen renders the
//! title, name, description, options and version; the synopsis (every form, each option with
//! its value: `[--format <FORMAT>]`), the commands with their own arguments, the examples (as
//! written, not reflowed), EXIT STATUS and ENVIRONMENT are rendered here.

use std::io::{self, Write};

use clap::{Arg, ArgAction, Command};
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use clap_mangen::Man;

use crate::cli::{ENVIRONMENT, EXAMPLES, EXIT_STATUS};

pub fn render(mut cmd: Command, out: &mut dyn Write) -> io::Result<()> {
    cmd.build();
    let man = Man::new(cmd.clone());
    man.render_title(out)?;
    section(out, |w| man.render_name_section(w))?;

    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]);
    roff.text(synopsis(&cmd, &[]));
    for sub in visible(&cmd) {
        roff.control("br", []);
        roff.text(synopsis(sub, &shared(&cmd, sub)));
    }
    out.write_all(roff.to_roff().as_bytes())?;

    section(out, |w| man.render_description_section(w))?;
    section(out, |w| man.render_options_section(w))?;

    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in visible(&cmd) {
        roff.control("TP", []);
        roff.text(synopsis(sub, &shared(&cmd, sub)));
        if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
            roff.text([roman(about.to_string())]);
        }
        let own: Vec<&Arg> = arguments(sub).filter(|a| !shared(&cmd, sub).contains(&a.get_id().as_str())).collect();
        if !own.is_empty() {
            roff.control("RS", []);
            for a in own {
                roff.control("TP", []);
                roff.text(arg_form(a, false));
                if let Some(help) = a.get_long_help().or_else(|| a.get_help()) {
                    roff.text([roman(help.to_string())]);
                }
            }
            roff.control("RE", []);
        }
    }
    preformatted(&mut roff, "EXAMPLES", EXAMPLES);
    preformatted(&mut roff, "EXIT STATUS", EXIT_STATUS);
    preformatted(&mut roff, "ENVIRONMENT", ENVIRONMENT);
    out.write_all(roff.to_roff().as_bytes())?;
    section(out, |w| man.render_version_section(w))
}

/// Writes a section clap_mangen renders, without the preamble it starts each one with (the
/// title has it).
fn section(out: &mut dyn Write, render: impl Fn(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let preamble = Roff::new().render();
    let mut buf = Vec::new();
    render(&mut buf)?;
    out.write_all(buf.strip_prefix(preamble.as_bytes()).unwrap_or(&buf))
}

/// The subcommands a user can type (not clap's `help`).
fn visible(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// The arguments of `cmd` a user types (not `--help` and `--version`).
fn arguments(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(|a| !a.is_hide_set() && !matches!(a.get_action(), ArgAction::Help | ArgAction::Version))
}

/// The ids of the options `sub` shares with the top-level command (the report options), which
/// its synopsis shows as `[OPTIONS]`.
fn shared<'a>(cmd: &'a Command, sub: &Command) -> Vec<&'a str> {
    arguments(cmd)
        .filter(|a| !a.is_positional() && arguments(sub).any(|b| b.get_id() == a.get_id()))
        .map(|a| a.get_id().as_str())
        .collect()
}

/// `straceback run [OPTIONS] [--strace-args <FLAGS>] -- <CMD>...`: every option with its value.
fn synopsis(cmd: &Command, shared: &[&str]) -> Vec<Inline> {
    let mut line = Vec::new();
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    line.push(bold(name));
    if !shared.is_empty() {
        line.push(roman(" [OPTIONS]"));
    }
    let (positional, options): (Vec<&Arg>, Vec<&Arg>) =
        arguments(cmd).filter(|a| !shared.contains(&a.get_id().as_str())).partition(|a| a.is_positional());
    for a in options.into_iter().chain(positional) {
        line.push(roman(" "));
        line.extend(arg_form(a, true));
    }
    line
}

/// `[--format <FORMAT>]`, `--no-disk`, `<PID>...`, `-- <CMD>...`; `brackets`: optional ones in
/// square brackets (the synopsis).
fn arg_form(a: &Arg, brackets: bool) -> Vec<Inline> {
    let value = a
        .get_value_names()
        .and_then(|v| v.first())
        .map_or_else(|| a.get_id().as_str().to_uppercase(), ToString::to_string);
    let many = matches!(a.get_action(), ArgAction::Append) || a.get_num_args().is_some_and(|n| n.max_values() > 1);
    let dots = if many { "..." } else { "" };
    let mut form = Vec::new();
    if a.is_positional() {
        if a.is_last_set() {
            form.push(bold("-- "));
        }
        form.push(italic(format!("<{value}>")));
    } else {
        let long = a.get_long().map(|l| format!("--{l}")).unwrap_or_default();
        let flag = match a.get_short() {
            Some(s) if long.is_empty() => format!("-{s}"),
            Some(s) => format!("-{s}|{long}"),
            None => long,
        };
        form.push(bold(flag));
        if a.get_action().takes_values() {
            form.push(roman(" "));
            form.push(italic(format!("<{value}>")));
        }
    }
    if brackets && !a.is_required_set() {
        form.insert(0, roman("["));
        form.push(roman("]"));
    }
    form.push(roman(dots));
    form
}

/// A section whose text is kept line for line (`.nf`), without the indent `--help` gives it.
fn preformatted(roff: &mut Roff, title: &str, text: &str) {
    roff.control("SH", [title]);
    roff.control("nf", []);
    for line in text.lines() {
        roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    roff.control("fi", []);
}

//! straceback: reads strace output and ranks what the traced processes are failing on.
//!
//! Pipeline: [`input`] (files, stdin, gzip, -ff sets) -> [`parse`] (lines -> records) ->
//! [`pair`] (unfinished/resumed merged) -> events -> analysis -> [`render`].

pub mod cli;
pub mod error;
pub mod event;
pub mod exit;
pub mod input;
pub mod options;
pub mod pair;
pub mod parse;
pub mod render;
pub mod stream;

use std::io::{self, Write};

use error::Error;
use exit::ExitStatus;
use options::{Mode, Options};

/// Runs one invocation; prints to stdout and stderr; returns the exit status.
pub fn run(options: &Options) -> ExitStatus {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut errors = Vec::new();
    let result = match options.mode {
        Mode::Events => render::events::write_events(&options.inputs, &mut out, &mut errors),
        Mode::Analyze => Err(Error::Usage("analysis is not built yet".into())),
    };
    let result = result.and_then(|()| out.flush().map_err(Error::Output));
    let mut status = ExitStatus::Ok;
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

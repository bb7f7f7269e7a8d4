//! `straceback events`: one NDJSON object per event, in input order.

use std::io::Write;

use crate::error::Error;
use crate::input::Input;
use crate::stream::MergedStream;

/// Writes the events of every input; input errors are collected and the rest still written.
pub fn write_events(inputs: &[Input], out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<(), Error> {
    for group in group_sets(inputs) {
        let mut merged = MergedStream::open(&group, false, None, errors);
        let names = merged.names();
        loop {
            match merged.next_event() {
                Ok(Some((i, event))) => {
                    serde_json::to_writer(&mut *out, &event.to_json(&names[i])).map_err(|e| Error::Output(e.into()))?;
                    out.write_all(b"\n").map_err(Error::Output)?;
                }
                Ok(None) => break,
                Err(e) => errors.push(e),
            }
        }
    }
    Ok(())
}

/// Consecutive inputs of one `-ff` set form a group; every other input is a group of its own.
pub fn group_sets(inputs: &[Input]) -> Vec<Vec<&Input>> {
    let mut groups: Vec<Vec<&Input>> = Vec::new();
    for input in inputs {
        match groups.last_mut() {
            Some(g) if input.set.is_some() && g[0].set == input.set => g.push(input),
            _ => groups.push(vec![input]),
        }
    }
    groups
}

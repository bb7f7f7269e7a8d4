//! `straceback events`: one NDJSON object per event, in input order.

use std::io::Write;

use crate::error::Error;
use crate::input::Input;
use crate::stream::MergedStream;

/// Writes the events of every input; input errors are collected and the rest still written.
pub fn write_events(inputs: &[Input], out: &mut dyn Write, errors: &mut Vec<Error>) -> Result<(), Error> {
    for group in crate::input::group_sets(inputs) {
        let mut merged = MergedStream::open(&group, false, errors);
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

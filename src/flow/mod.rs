//! From bytes to events, in input order: a line reader (on this thread, or with
//! [`pipeline`] on a reading thread that prepares batches in parallel) feeds the parser's
//! assembler, whose records [`pair`] merges into one event per call; [`stream`] runs that loop
//! for one input, or merges the inputs of a `-ff` set by time.

pub mod pair;
pub(crate) mod pipeline;
pub(crate) mod stream;

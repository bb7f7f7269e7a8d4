#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests: one binary, a module per area. They run the real `straceback` binary on
//! the committed fixtures (real strace captures) and assert what users see.

mod claims;
mod cli;
mod corpus;
mod edges;
mod examples;
mod explain;
mod fast_path;
mod flags;
mod hangs;
mod harden;
mod harness;
mod hostile;
mod incidents;
mod interrupt;
mod launch;
mod layers;
mod live;
mod memory;
mod props;
mod root_escape;
mod schema;
mod screen;
mod snapshots;
mod trace_text;
mod waits;

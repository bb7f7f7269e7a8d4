//! Exit statuses, in one place.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// The report was printed.
    Ok = 0,
    /// Suspects were found (only with `--exit-code`).
    Suspects = 1,
    /// A usage or input error (other inputs were still analysed).
    Error = 2,
    /// A second Ctrl-C ended the run at once (128 + SIGINT, as shells report it).
    Interrupted = 130,
}

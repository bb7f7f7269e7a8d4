//! Which calls a trace shows at all. `strace -e trace=%file` (or `open,openat,execve`) prints
//! the calls it was told to and nothing else: a process that opens files but never closes or
//! writes one in the whole trace is such a filtered trace, not a program that behaves so
//! (every program closes descriptors and writes its output). The report says so, since what
//! the filter hid (a retry through another call, the error text written) is not in it.

use crate::syscalls::{Does, Info};

/// Calls and opens below which a trace is too short to tell.
const CALLS: u64 = 50;
const OPENS: u64 = 5;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Coverage {
    /// Calls that open or name a path or an address (failed ones too).
    opens: u64,
    /// Calls that close a descriptor or write to one.
    closes_or_writes: u64,
}

impl Coverage {
    pub fn call(&mut self, info: Info) {
        if info.does.has(Does::CLOSE) || info.does.has(Does::WRITE) {
            self.closes_or_writes += 1;
        } else if info.shape.path.is_some() || info.shape.sockaddr.is_some() {
            self.opens += 1;
        }
    }

    /// Whether the trace shows some syscalls only: of `calls` calls, enough opened or named a
    /// path and none closed or wrote.
    pub fn some_syscalls_only(&self, calls: u64) -> bool {
        calls >= CALLS && self.opens >= OPENS && self.closes_or_writes == 0
    }
}

//! Ctrl-C while piping: the terminal sends SIGINT to strace and straceback together. The first
//! SIGINT (or SIGTERM) asks for the report: reading goes on until strace closes the pipe, for
//! a short grace period at most. A second one exits at once.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Once;

static COUNT: AtomicUsize = AtomicUsize::new(0);
/// strace started by `run`/`attach`, to pass the signal on to (0: none).
static CHILD: AtomicI32 = AtomicI32::new(0);
static INSTALL: Once = Once::new();

/// Installs the handler (once).
pub fn install() {
    INSTALL.call_once(|| {
        // if a handler cannot be installed, Ctrl-C keeps its default meaning
        let _ = ctrlc::set_handler(|| {
            let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= 2 {
                std::process::exit(crate::exit::ExitStatus::Interrupted.code());
            }
            let child = CHILD.load(Ordering::SeqCst);
            if child > 0 {
                // SAFETY: kill(2) with a pid we spawned; no memory is involved.
                unsafe {
                    libc::kill(child, libc::SIGINT);
                }
            }
        });
    });
}

/// How many interrupts arrived.
pub fn count() -> usize {
    COUNT.load(Ordering::SeqCst)
}

/// Passes later interrupts on to `pid` (strace).
pub fn forward_to(pid: u32) {
    CHILD.store(i32::try_from(pid).unwrap_or(0), Ordering::SeqCst);
}

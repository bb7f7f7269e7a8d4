//! Ctrl-C: the terminal sends SIGINT to strace and straceback together. The first SIGINT (or
//! SIGTERM) asks for the report: a live source is read until strace closes the pipe, for a
//! short grace period at most; a saved file stops being read and what was read is reported.
//! A second one stops what straceback started (strace, and for `run` the command strace
//! started, which may ignore SIGINT) and exits at once.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::Once;

static COUNT: AtomicUsize = AtomicUsize::new(0);
/// strace started by `run`/`attach`, to pass the signal on to (0: none).
static CHILD: AtomicI32 = AtomicI32::new(0);
/// `run`: the processes below strace are ours too, and stopped with it on a second Ctrl-C
/// (`attach`: they are the service, left running; killing strace detaches them).
static OWN_TREE: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the handler (once).
pub fn install() {
    INSTALL.call_once(|| {
        // if a handler cannot be installed, Ctrl-C keeps its default meaning
        let _ = ctrlc::set_handler(|| {
            let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
            let child = CHILD.load(Ordering::SeqCst);
            if n >= 2 {
                if child > 0 {
                    stop_now(child, OWN_TREE.load(Ordering::SeqCst));
                }
                std::process::exit(crate::exit::ExitStatus::Interrupted.code());
            }
            if child > 0 {
                // SAFETY: kill(2) with a pid we spawned; no memory is involved.
                unsafe {
                    libc::kill(child, libc::SIGINT);
                }
            }
        });
    });
}

/// Kills strace and, when `tree`, every process below it first (while strace still holds
/// them: once it is gone they would be detached and run on). The handler runs on a thread of
/// its own, so reading `/proc` here is fine.
fn stop_now(strace: i32, tree: bool) {
    if tree {
        let below = u32::try_from(strace).map(crate::host::descendants).unwrap_or_default();
        for pid in below {
            if let Ok(pid) = i32::try_from(pid) {
                // SAFETY: kill(2) on a process below the strace we started.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }
    // SAFETY: kill(2) on the strace we started.
    unsafe {
        libc::kill(strace, libc::SIGKILL);
    }
}

/// `--for` ran out: the same as a first Ctrl-C (strace asked to stop, the report follows).
pub fn request() {
    if COUNT.fetch_add(1, Ordering::SeqCst) == 0 {
        let child = CHILD.load(Ordering::SeqCst);
        if child > 0 {
            // SAFETY: kill(2) with a pid we spawned; no memory is involved.
            unsafe {
                libc::kill(child, libc::SIGINT);
            }
        }
    }
}

/// How many interrupts arrived.
pub fn count() -> usize {
    COUNT.load(Ordering::SeqCst)
}

/// Passes later interrupts on to `pid` (strace); `own_tree`: the processes below it were
/// started for us (`run`) and are stopped with it on a second Ctrl-C.
pub fn forward_to(pid: u32, own_tree: bool) {
    OWN_TREE.store(own_tree, Ordering::SeqCst);
    CHILD.store(i32::try_from(pid).unwrap_or(0), Ordering::SeqCst);
}

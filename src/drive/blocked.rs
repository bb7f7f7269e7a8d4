//! `attach`: what each thread is blocked in when tracing begins, read from `/proc` before
//! strace stops the threads (after that a call in progress shows only as `restart_syscall`),
//! printed at once and handed to the analysis; and when tracing stopped, so that those calls
//! are measured to the end of the trace, not to its last line.

use super::Session;
use crate::event::Pid;
use crate::options::Launch;
use crate::{host, inflight, render};

impl Session<'_> {
    /// Before strace attaches: the calls the processes of `launch` are blocked in.
    pub(super) fn note_blocked(&mut self, launch: &Launch) {
        let Launch::Attach(given) = launch else { return };
        // a pid that is gone makes the attach fail: nothing to say before that
        if !given.iter().all(|&p| host::is_alive(p)) {
            return;
        }
        let mut pids: Vec<Pid> = Vec::new();
        for &pid in given {
            for p in std::iter::once(pid).chain(host::descendants(pid)) {
                if !pids.contains(&p) {
                    pids.push(p);
                }
            }
        }
        let snapshot = inflight::snapshot(&pids);
        for line in render::words::blocked_lines(&snapshot) {
            self.status.clear();
            eprintln!("straceback: {line}");
        }
        for b in snapshot.blocked {
            self.analyzer.in_flight(b.tid, b.call);
        }
        for end in snapshot.pipe_ends {
            self.analyzer.pipe_end_live(end.inode, end.write_end, end.holders);
        }
        for end in snapshot.socket_ends {
            let holders = end.holders.into_iter().map(|(pid, _, doing)| (pid, doing)).collect();
            self.analyzer.socket_end_live(end.waiter, (end.on, end.inode), holders);
        }
    }

    /// strace stopped now: calls still in progress waited until now.
    pub(super) fn note_stopped(&mut self) {
        if let Some(t) = inflight::clock_of_day() {
            self.analyzer.traced_until(t);
        }
    }
}

//! Who stopped whom, and what broke because of it: a process killed by a signal another
//! process sent (`kill(pid, SIGTERM)`: a supervisor's timeout, a watchdog), and the connection
//! resets its peers met right after. When a process dies, the kernel closes its sockets: a
//! peer still waiting on the connection gets ECONNRESET (unread data was dropped) or EPIPE.
//! Such a reset is the kill's consequence, not a cause of its own.
//!
//! The other end of a connection is found by `-yy` decorations: a unix socket's inode pair
//! (`UNIX-STREAM:[144795->144769]`, the peer's inode second) or a TCP connection's address
//! pair, matched against the ends the killed process got from `accept` or used in `connect`.
//! Without them (no `-yy`, or a connection made before the trace began), by the request window:
//! a process killed while it held a connection it had accepted, at most [`WINDOW`] before the
//! reset, when no other process was killed between.

use rustc_hash::FxHashMap as HashMap;

use crate::event::Pid;

/// Connection ends remembered (a table past it is emptied: ends are then unknown, never
/// guessed).
const ENDS: usize = 4096;
/// Signals sent and not yet followed by the target's death, remembered at most.
const SENT: usize = 4096;
/// Kills remembered (the first ones: a trace of mass kills is a shutdown, not an incident).
const KILLS: usize = 64;
/// A reset more than this long (seconds) after the peer's death is not about it.
const AFTER_DEATH: f64 = 5.0;
/// Without the connection's ends: the reset comes this soon (seconds) after the death of a
/// process serving a connection (the kernel resets its connections as it dies; the peer,
/// waiting on it, wakes at once).
const WINDOW: f64 = 0.1;

/// A signal one process sent another.
#[derive(Debug, Clone, PartialEq)]
pub struct Sender {
    pub pid: Pid,
    /// The file and line of the `kill`/`tgkill` call.
    pub source: String,
    pub line: u64,
    /// The sender's own words about the target: an error-level line naming its pid.
    pub said: Option<(u64, String)>,
}

/// A process killed by a signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Kill {
    pub pid: Pid,
    pub signal: String,
    /// The file and line of `+++ killed by SIG +++`.
    pub source: String,
    pub line: u64,
    time: Option<f64>,
    /// It held a connection it had accepted when it died.
    serving: bool,
    /// Who sent the signal, when the trace shows the call.
    pub by: Option<Sender>,
    /// Failures of its peers that followed from it.
    pub resets: u64,
}

#[derive(Default)]
pub(crate) struct Kills {
    /// Socket end (`unix:INODE`, `tcp:LOCAL->REMOTE`) -> the process that holds it.
    ends: HashMap<Vec<u8>, Pid>,
    /// Target -> the last signal another process sent it, and which.
    sent: HashMap<Pid, (String, Sender)>,
    pub kills: Vec<Kill>,
}

impl Kills {
    /// `pid` holds the connection end its `-yy` decoration `dec` shows (from `accept`'s result
    /// or `connect`'s descriptor).
    pub fn holds(&mut self, pid: Pid, dec: &[u8]) {
        if let Some(end) = own_end(dec) {
            if self.ends.len() >= ENDS {
                self.ends = HashMap::default();
            }
            self.ends.insert(end, pid);
        }
    }

    /// `pid` sent a signal (`kill`/`tkill`/`tgkill` with argument text `args`) at `line`.
    pub fn signalled(&mut self, pid: Pid, name: &str, args: &[u8], source: &str, line: u64) {
        let Some((target, signal)) = target_and_signal(name, args) else { return };
        // 0 and negative targets (process groups) name no one process
        if target == pid || target == 0 {
            return;
        }
        if self.sent.len() >= SENT {
            self.sent = HashMap::default();
        }
        self.sent.insert(target, (signal, Sender { pid, source: source.to_string(), line, said: None }));
    }

    /// `pid` wrote the error-level `text` at `line`: words about a process it signalled.
    pub fn said(&mut self, pid: Pid, text: &str, line: u64) {
        let unsaid = self
            .sent
            .iter_mut()
            .map(|(t, (_, s))| (*t, s))
            .chain(self.kills.iter_mut().filter_map(|k| Some((k.pid, k.by.as_mut()?))));
        for (target, sender) in unsaid {
            if sender.pid == pid && sender.said.is_none() && line >= sender.line && names_pid(text, target) {
                sender.said = Some((line, text.to_string()));
            }
        }
    }

    /// `pid` was killed by `signal` at `line`.
    pub fn killed(&mut self, pid: Pid, signal: &str, source: &str, line: u64, time: Option<f64>, serving: bool) {
        let by = self.sent.remove(&pid).filter(|(s, _)| s == signal).map(|(_, s)| s);
        if self.kills.len() < KILLS {
            let source = source.to_string();
            self.kills.push(Kill { pid, signal: signal.to_string(), source, line, time, serving, by, resets: 0 });
        }
    }

    /// The kill a reset or broken pipe on the connection decorated `dec` (if it is) at `time`
    /// follows from: its peer's holder died by a signal before it; when the holder is not
    /// known, the process last killed, serving a connection, just before. Counted on the kill.
    pub fn reset_by(&mut self, dec: Option<&[u8]>, time: Option<f64>) -> Option<usize> {
        let before = |k: &Kill, within: f64| match (k.time, time) {
            (Some(died), Some(now)) => now >= died && now - died <= within,
            _ => false,
        };
        let k = match dec.and_then(peer_end).and_then(|end| self.ends.get(&end).copied()) {
            Some(holder) => self.kills.iter().rposition(|k| k.pid == holder && before(k, AFTER_DEATH))?,
            None => {
                let last = self.kills.len().checked_sub(1)?;
                let k = &self.kills[last];
                (k.serving && before(k, WINDOW)).then_some(last)?
            }
        };
        self.kills[k].resets += 1;
        Some(k)
    }
}

/// `UNIX-STREAM:[A->B,"/path"]` or `UNIX-STREAM:[A]` -> `unix:A`; `TCP:[L->R]` -> `tcp:L->R`.
fn own_end(dec: &[u8]) -> Option<Vec<u8>> {
    let (proto, inner) = split_decoration(dec)?;
    match proto {
        Proto::Unix => {
            let local = inner.split(|&c| c == b'-' || c == b',').next()?;
            Some([&b"unix:"[..], local].concat())
        }
        Proto::Tcp => inner.windows(2).any(|w| w == b"->").then(|| [&b"tcp:"[..], inner].concat()),
    }
}

/// The end at the other side of the connection decorated `dec`: `unix:B` of `[A->B]`,
/// `tcp:R->L` of `[L->R]`.
fn peer_end(dec: &[u8]) -> Option<Vec<u8>> {
    let (proto, inner) = split_decoration(dec)?;
    let arrow = inner.windows(2).position(|w| w == b"->")?;
    let (local, remote) = (&inner[..arrow], &inner[arrow + 2..]);
    match proto {
        Proto::Unix => {
            let peer = remote.split(|&c| c == b',').next()?;
            (!peer.is_empty()).then(|| [&b"unix:"[..], peer].concat())
        }
        Proto::Tcp => Some([&b"tcp:"[..], remote, b"->", local].concat()),
    }
}

enum Proto {
    Unix,
    Tcp,
}

/// Whether a `-yy` decoration is a unix or TCP connection's.
pub fn is_connection(dec: &[u8]) -> bool {
    split_decoration(dec).is_some()
}

/// The protocol and the bracketed part of a socket decoration.
fn split_decoration(dec: &[u8]) -> Option<(Proto, &[u8])> {
    let open = dec.iter().position(|&c| c == b'[')?;
    let proto = match &dec[..open] {
        b"UNIX-STREAM:" | b"UNIX-SEQPACKET:" | b"UNIX:" => Proto::Unix,
        b"TCP:" | b"TCPv6:" => Proto::Tcp,
        _ => return None,
    };
    let inner = dec[open + 1..].strip_suffix(b"]")?;
    Some((proto, inner))
}

/// The target and the signal of `kill(pid, SIG)`, `tkill(tid, SIG)`, `tgkill(tgid, tid, SIG)`.
fn target_and_signal(name: &str, args: &[u8]) -> Option<(Pid, String)> {
    let text = std::str::from_utf8(args).ok()?;
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let (target, signal) = match (name, parts.as_slice()) {
        ("kill" | "tkill", [t, s]) => (t, s),
        ("tgkill", [_, t, s]) => (t, s),
        _ => return None,
    };
    signal.starts_with("SIG").then(|| Some((target.parse().ok()?, signal.to_string()))).flatten()
}

/// Whether `text` names the number `pid` as a word of its own (`child 14015,`).
fn names_pid(text: &str, pid: Pid) -> bool {
    let want = pid.to_string();
    text.split(|c: char| !c.is_ascii_digit()).any(|w| w == want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_of_a_unix_or_tcp_connection() {
        assert_eq!(
            own_end(b"UNIX-STREAM:[144769->144795,\"/run/php/php8.2-fpm.sock\"]"),
            Some(b"unix:144769".to_vec())
        );
        assert_eq!(own_end(b"UNIX-STREAM:[144795]"), Some(b"unix:144795".to_vec()));
        assert_eq!(peer_end(b"UNIX-STREAM:[144795->144769]"), Some(b"unix:144769".to_vec()));
        assert_eq!(
            own_end(b"TCP:[127.0.0.1:80->127.0.0.1:41276]"),
            Some(b"tcp:127.0.0.1:80->127.0.0.1:41276".to_vec())
        );
        assert_eq!(
            peer_end(b"TCP:[127.0.0.1:41276->127.0.0.1:80]"),
            Some(b"tcp:127.0.0.1:80->127.0.0.1:41276".to_vec())
        );
        assert_eq!(own_end(b"TCP:[0.0.0.0:80]"), None);
        assert_eq!(peer_end(b"/var/log/x"), None);
    }

    #[test]
    fn a_reset_after_its_peer_was_killed_follows_from_the_kill() {
        let mut k = Kills::default();
        k.holds(20, b"UNIX-STREAM:[5->6,\"/run/app.sock\"]");
        k.holds(30, b"UNIX-STREAM:[7->8,\"/run/app.sock\"]");
        k.signalled(10, "kill", b"20, SIGTERM", "t", 100);
        k.said(10, "WARNING: child 20, script '/x.php' execution timed out, terminating", 101);
        k.said(10, "child 200 exited", 102);
        // the worker re-raises the signal to itself: not another sender
        k.signalled(20, "kill", b"20, SIGTERM", "t", 103);
        k.killed(20, "SIGTERM", "t", 104, Some(1.0), true);
        assert_eq!(k.reset_by(Some(b"UNIX-STREAM:[6->5]"), Some(1.001)), Some(0));
        assert_eq!(k.reset_by(Some(b"UNIX-STREAM:[8->7]"), Some(1.001)), None, "a live process's connection");
        // without the ends: the request window, only just after the death of a serving process
        assert_eq!(k.reset_by(None, Some(1.05)), Some(0));
        assert_eq!(k.reset_by(None, Some(1.5)), None, "too late");
        assert_eq!(k.reset_by(Some(b"UNIX-STREAM:[6->5]"), Some(0.9)), None, "before the death");
        let kill = &k.kills[0];
        let by = kill.by.as_ref().expect("sender");
        assert_eq!((by.pid, by.line, kill.resets), (10, 100, 2));
        assert_eq!(by.said.as_ref().map(|s| s.0), Some(101));
    }

    #[test]
    fn signals_by_call() {
        assert_eq!(target_and_signal("kill", b"14015, SIGTERM"), Some((14015, "SIGTERM".into())));
        assert_eq!(target_and_signal("tgkill", b"5, 7, SIGABRT"), Some((7, "SIGABRT".into())));
        assert_eq!(target_and_signal("kill", b"14015, 0"), None);
        assert!(names_pid("child 14015, script", 14015) && !names_pid("child 140150", 14015));
    }
}

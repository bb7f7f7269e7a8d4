//! Request windows: from an HTTP request read (or a connection accepted, when the protocol is
//! not HTTP, e.g. FastCGI) to the response's status line written (or the connection closed).
//! A wait inside a window is a stall; a server's wait outside every window is idle.

use rustc_hash::FxHashMap as HashMap;

use crate::event::Pid;

/// Connections followed per process (a server juggling more is not followed further).
const CONNS: usize = 64;
/// Processes followed at once.
const PROCS: usize = 4096;
/// Slowest requests kept.
const SLOWEST: usize = 5;
/// Stall targets remembered per request.
const STALLS: usize = 4;

struct Conn {
    fd: i64,
    since: f64,
    line: u64,
    /// An HTTP request was read on it: its status line ends the request.
    http: bool,
    answered: bool,
    /// Stall time inside the request, by wait target.
    stalls: Vec<(usize, f64)>,
}

/// One request that ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Done {
    pub pid: Pid,
    pub line: u64,
    pub latency: f64,
    pub status: Option<u16>,
    /// The target it stalled on longest, and for how long.
    pub stall: Option<(usize, f64)>,
}

#[derive(Default)]
pub(crate) struct Requests {
    open: HashMap<Pid, Vec<Conn>>,
    pub count: u64,
    pub total: f64,
    pub slowest: Vec<Done>,
    /// The slowest request answered with a server error (5xx), fast or not: what a 504 waited on.
    pub slowest_error: Option<Done>,
}

impl Requests {
    /// `pid` accepted connection `fd` at `t`.
    pub fn accepted(&mut self, pid: Pid, fd: i64, t: f64, line: u64) {
        self.start(pid, fd, t, line, false);
    }

    /// `pid` read an HTTP request on `fd` at `t`.
    pub fn request(&mut self, pid: Pid, fd: i64, t: f64, line: u64) {
        self.start(pid, fd, t, line, true);
    }

    fn start(&mut self, pid: Pid, fd: i64, since: f64, line: u64, http: bool) {
        if !self.open.contains_key(&pid) && self.open.len() >= PROCS {
            return;
        }
        let conns = self.open.entry(pid).or_default();
        match conns.iter().position(|c| c.fd == fd) {
            // the next request on a kept-alive connection, or the request on a new one
            Some(k) if http && (conns[k].answered || !conns[k].http) => {
                let c = &mut conns[k];
                // stalls between the accept and the request belong to it
                let stalls = if c.http { Vec::new() } else { std::mem::take(&mut c.stalls) };
                *c = Conn { fd, since, line, http, answered: false, stalls };
            }
            Some(_) => {}
            None if conns.len() < CONNS => {
                conns.push(Conn { fd, since, line, http, answered: false, stalls: Vec::new() })
            }
            None => {}
        }
    }

    /// `pid` wrote a response with `status` on `fd` at `t`.
    pub fn answered(&mut self, pid: Pid, fd: i64, t: f64, status: u16) {
        let Some(c) = self.open.get_mut(&pid).and_then(|cs| cs.iter_mut().find(|c| c.fd == fd && !c.answered)) else {
            return;
        };
        c.answered = true;
        let done = finished(pid, c, t, Some(status));
        self.add(done);
    }

    /// `pid` closed `fd` at `t`: a request still open on it ended without a status line seen.
    pub fn closed(&mut self, pid: Pid, fd: i64, t: f64) {
        let Some(conns) = self.open.get_mut(&pid) else { return };
        let Some(k) = conns.iter().position(|c| c.fd == fd) else { return };
        let c = conns.swap_remove(k);
        if !c.answered {
            let done = finished(pid, &c, t, None);
            self.add(done);
        }
    }

    /// The process ended: what it had open ended with it.
    pub fn ended(&mut self, pid: Pid) {
        self.open.remove(&pid);
    }

    fn add(&mut self, done: Done) {
        self.count += 1;
        self.total += done.latency;
        if done.status.is_some_and(|c| c >= 500) && self.slowest_error.as_ref().is_none_or(|e| e.latency < done.latency)
        {
            self.slowest_error = Some(done.clone());
        }
        let at = self.slowest.iter().position(|d| d.latency < done.latency).unwrap_or(self.slowest.len());
        if at < SLOWEST {
            self.slowest.insert(at, done);
            self.slowest.truncate(SLOWEST);
        }
    }

    /// Whether `pid` has a connection open (a close may end a request).
    pub fn has_open(&self, pid: Pid) -> bool {
        !self.open.is_empty() && self.open.contains_key(&pid)
    }

    /// Whether `pid` is inside a request now.
    pub fn in_request(&self, pid: Pid) -> bool {
        !self.open.is_empty() && self.open.get(&pid).is_some_and(|cs| cs.iter().any(|c| !c.answered))
    }

    /// Counts `secs` of stall on `target` into every request `pid` has open.
    pub fn stalled(&mut self, pid: Pid, target: usize, secs: f64) {
        for c in self.open.get_mut(&pid).into_iter().flatten().filter(|c| !c.answered) {
            match c.stalls.iter().position(|(t, _)| *t == target) {
                Some(k) => c.stalls[k].1 += secs,
                None if c.stalls.len() < STALLS => c.stalls.push((target, secs)),
                None => {}
            }
        }
    }
}

fn finished(pid: Pid, c: &Conn, t: f64, status: Option<u16>) -> Done {
    let stall = c.stalls.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
    Done { pid, line: c.line, latency: (t - c.since).max(0.0), status, stall }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lasts_from_its_read_to_its_status_line() {
        let mut r = Requests::default();
        r.accepted(7, 5, 10.0, 1);
        r.request(7, 5, 10.5, 2);
        assert!(r.in_request(7));
        r.stalled(7, 3, 2.0);
        r.answered(7, 5, 13.0, 504);
        assert!(!r.in_request(7));
        assert_eq!(r.slowest, vec![Done { pid: 7, line: 2, latency: 2.5, status: Some(504), stall: Some((3, 2.0)) }]);
        assert_eq!(r.slowest_error, Some(r.slowest[0].clone()));
        // the next request on the kept-alive connection starts afresh
        r.request(7, 5, 20.0, 9);
        r.closed(7, 5, 20.25);
        assert_eq!((r.count, r.total), (2, 2.75));
    }

    #[test]
    fn without_http_a_connection_is_the_request() {
        let mut r = Requests::default();
        r.accepted(3, 4, 1.0, 1);
        r.stalled(3, 0, 5.0);
        r.closed(3, 4, 6.0);
        assert_eq!(r.slowest[0].latency, 5.0);
        assert_eq!(r.slowest[0].stall, Some((0, 5.0)));
    }
}

//! Wait chains: a process waiting on a child, on a pipe or on a lock waits on another
//! process, and that process on something else. Followed to the end, the chain names what the
//! first one really waits on (`pid 100 waits on child 101 → 101 recvfrom on tcp 10.0.0.5:5432`),
//! or comes back to a process already in it (a deadlock). Each process's wait is the one it is
//! still in when the trace ended, else the longest it finished.

use rustc_hash::FxHashMap as HashMap;

use super::on::On;
use super::pipes::{self, End};
use super::{Stuck, Waits, MAX_PROCS};
use crate::event::Pid;
use crate::syscalls::{self, Does};

/// A wait is kept for chains from this long (shorter ones pass nothing on worth naming).
const LINK_SECS: f64 = 0.1;
/// A chain starts at a wait at least this long (as a stuck call or a slow verdict counts).
const CHAIN_SECS: f64 = 1.0;
/// Processes followed in one chain, and chains kept.
const LINKS: usize = 8;
const CHAINS: usize = 5;

/// A wait a chain passes through.
#[derive(Debug, Clone)]
pub(crate) struct Wait {
    pub on: On,
    pub syscall: String,
    pub secs: f64,
    /// Still waiting when the trace ended (`secs` is up to the end).
    pub stuck: bool,
    /// Begun before tracing began: `secs` is the part the trace saw.
    pub before: bool,
    /// Owed nothing (see the module notes of `waits`).
    pub idle: bool,
    /// The process at the other end of a pipe when the wait was measured.
    pipe_peer: Option<(Via, Pid)>,
    /// Read from `/proc` when tracing began, of a process the trace does not show: what it
    /// was blocked in then, for how long unknown.
    pub from_proc: bool,
}

/// How the next process of a chain holds up the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// It is the child waited for.
    Child,
    /// It holds the write end of the pipe read from (the read end of the pipe written to).
    WriteEnd,
    ReadEnd,
    /// It holds the lock waited for.
    Holder,
    /// It holds the other end of the unix socket waited on.
    Peer,
}

/// One process of a chain: what it waits in (`None`: no wait of it was seen), and through what
/// the next process holds it up.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub pid: Pid,
    pub wait: Option<Wait>,
    pub next: Option<(Via, Pid)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Chain {
    pub links: Vec<Link>,
    /// The last link's next process is already in the chain: each waits on the next.
    pub deadlock: bool,
}

/// The longest wait of each process, for chains.
#[derive(Default)]
pub(crate) struct Longest {
    by_pid: HashMap<Pid, Wait>,
    /// What `/proc` showed processes holding a pipe end or a socket's peer doing when tracing
    /// began.
    live: HashMap<Pid, Wait>,
    /// The unix socket each thread was blocked on when tracing began (its target and inode),
    /// with the processes `/proc` showed holding its peer.
    peers: HashMap<Pid, (On, u64, Vec<Pid>)>,
}

impl Waits {
    /// A wait of `pid` was measured: kept when it is the process's longest.
    pub(super) fn note_longest(&mut self, pid: Pid, on: &On, syscall: &str, secs: f64, idle: bool) {
        let head = if self.pipe_heads.is_empty() { None } else { self.pipe_heads.remove(&pid) };
        if secs < LINK_SECS || self.longest.by_pid.get(&pid).is_some_and(|w| w.secs >= secs) {
            return;
        }
        if !self.longest.by_pid.contains_key(&pid) && self.longest.by_pid.len() >= MAX_PROCS {
            return;
        }
        // who held the other end when the wait began: it may have let go since (exited)
        let pipe_peer = head.or_else(|| self.pipe_peer(pid, on, syscall));
        let syscall = syscall.to_string();
        let wait =
            Wait { on: on.clone(), syscall, secs, stuck: false, before: false, idle, pipe_peer, from_proc: false };
        self.longest.by_pid.insert(pid, wait);
    }

    /// A wait of `pid` on `on` began and did not return at once: who holds the other end of
    /// its pipe now is kept for when it ends.
    pub(super) fn note_head(&mut self, pid: Pid, on: &On, syscall: &str) {
        if !matches!(on, On::Pipe(_)) || (self.pipe_heads.len() >= MAX_PROCS && !self.pipe_heads.contains_key(&pid)) {
            return;
        }
        match self.pipe_peer(pid, on, syscall) {
            Some(peer) => self.pipe_heads.insert(pid, peer),
            None => self.pipe_heads.remove(&pid),
        };
    }

    /// The process at the other end of a pipe `pid` waits on in `syscall`, as the trace last
    /// showed the pipe's ends.
    fn pipe_peer(&self, pid: Pid, on: &On, syscall: &str) -> Option<(Via, Pid)> {
        let On::Pipe(name) = on else { return None };
        let inode = pipes::inode(name.as_bytes())?;
        // a writer waits for the reader to make room; everything else waits for data
        let writes = syscalls::info(syscall.as_bytes()).does.has(Does::WRITE);
        let (end, via) = if writes { (End::Read, Via::ReadEnd) } else { (End::Write, Via::WriteEnd) };
        self.pipes.holders(inode, end, pid).first().map(|&p| (via, p))
    }

    /// What `pid` waits in: the call still in progress at the end, else its longest wait.
    fn current(&self, pid: Pid, end: Option<f64>) -> Option<Wait> {
        if let Some(s) = self.open.get(&pid) {
            return Some(stuck_wait(s, end));
        }
        self.longest.by_pid.get(&pid).or_else(|| self.longest.live.get(&pid)).cloned()
    }

    /// `/proc` showed `pid` (holding a pipe end) blocked in `call` on `on` when tracing began.
    pub(super) fn doing_live(&mut self, pid: Pid, call: &str, on: On) {
        if self.longest.live.len() < MAX_PROCS {
            let idle = on.is_idle();
            let wait = Wait {
                on,
                syscall: call.to_string(),
                secs: 0.0,
                stuck: true,
                before: true,
                idle,
                pipe_peer: None,
                from_proc: true,
            };
            self.longest.live.insert(pid, wait);
        }
    }

    /// `/proc` showed `holders` holding the peer of unix socket `inode`, which `waiter` was
    /// blocked on (`on`) when tracing began, each with the call it was blocked in.
    pub fn socket_end_live(&mut self, waiter: Pid, (on, inode): (On, u64), holders: Vec<(Pid, Option<(&str, On)>)>) {
        if self.longest.peers.len() >= MAX_PROCS {
            return;
        }
        let pids = holders.iter().map(|(p, _)| *p).collect();
        self.longest.peers.insert(waiter, (on, inode, pids));
        for (pid, doing) in holders {
            if let Some((call, on)) = doing {
                self.doing_live(pid, call, on);
            }
        }
    }

    /// The process holding the peer of the unix socket `pid` was blocked on when tracing
    /// began, while `wait` is still that wait: named as `/proc` named it, or as the trace's
    /// `-yy` does (`UNIX-STREAM:[812->813]`, the waiter's inode first).
    fn socket_peer(&self, pid: Pid, wait: &Wait) -> Option<(Via, Pid)> {
        let (on, inode, holders) = self.longest.peers.get(&pid)?;
        let same = *on == wait.on
            || matches!(&wait.on, On::Peer { proto: "unix", addr }
                if addr.strip_prefix("socket:[").is_some_and(|a| a.starts_with(&format!("{inode}-")) || a == format!("{inode}]")));
        if !wait.stuck || !same {
            return None;
        }
        holders.first().map(|&h| (Via::Peer, h))
    }

    /// The process holding up `pid` in `wait`.
    fn next(&self, pid: Pid, wait: &Wait, end: Option<f64>) -> Option<(Via, Pid)> {
        match &wait.on {
            On::Child(Some(c)) => Some((Via::Child, *c)),
            // any child: the one still running that waits longest
            On::Child(None) if wait.stuck => self
                .born
                .iter()
                .filter(|(&c, &parent)| parent == pid && !self.ends.contains_key(&c))
                .filter_map(|(&c, _)| Some((self.current(c, end)?.secs, c)))
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
                .map(|(_, c)| (Via::Child, c)),
            // an interrupted call is measured (with its peer) and stays stuck
            On::Pipe(_) if wait.stuck => self
                .pipe_heads
                .get(&pid)
                .copied()
                .or_else(|| self.longest.by_pid.get(&pid).filter(|l| l.on == wait.on).and_then(|l| l.pipe_peer))
                .or_else(|| self.pipe_peer(pid, &wait.on, &wait.syscall)),
            On::Pipe(_) => wait.pipe_peer,
            On::Lock(_) => wait.on.lock_holder().map(|h| (Via::Holder, h)),
            On::Peer { proto: "unix", .. } if !self.longest.peers.is_empty() => self.socket_peer(pid, wait),
            _ => None,
        }
    }

    /// The wait chains of the trace (`end`: its last timestamp) that hold a stall or a
    /// deadlock, the longest first.
    pub fn chains(&self, end: Option<f64>) -> Vec<Chain> {
        let mut starts: Vec<Pid> = self.open.keys().chain(self.longest.by_pid.keys()).copied().collect();
        starts.sort_unstable();
        starts.dedup();
        let mut chains: Vec<Chain> = Vec::new();
        for pid in starts {
            let Some(first) = self.current(pid, end).filter(|w| w.secs >= CHAIN_SECS) else { continue };
            if self.next(pid, &first, end).is_none() {
                continue;
            }
            let chain = self.follow(pid, first, end);
            // a chain of idle waits (workers reading their master's pipe while it sleeps) is
            // a service at rest, not a hang
            if chain.deadlock || chain.links.iter().any(|l| l.wait.as_ref().is_some_and(|w| !w.idle)) {
                chains.push(chain);
            }
        }
        // one cycle is one deadlock, told from the parent waiting on its child where there is one
        let pids = |c: &Chain| {
            let mut p: Vec<Pid> = c.links.iter().map(|l| l.pid).collect();
            p.sort_unstable();
            p
        };
        let from_parent = |c: &Chain| c.links.first().is_some_and(|l| matches!(l.next, Some((Via::Child, _))));
        chains.sort_by_key(|c| !from_parent(c));
        let mut cycles: Vec<Vec<Pid>> = Vec::new();
        chains.retain(|c| {
            if !c.deadlock || c.links.last().is_none_or(|l| l.next.map(|(_, p)| p) != Some(c.links[0].pid)) {
                return true;
            }
            let set = pids(c);
            let seen = cycles.contains(&set);
            cycles.push(set);
            !seen
        });
        // a chain that is the tail of another says nothing more
        let tails: Vec<bool> = chains
            .iter()
            .map(|c| chains.iter().any(|o| o.links.len() > c.links.len() && is_tail(&o.links, &c.links)))
            .collect();
        let mut kept: Vec<Chain> = chains.into_iter().zip(tails).filter(|(_, t)| !t).map(|(c, _)| c).collect();
        let secs = |c: &Chain| c.links.first().and_then(|l| l.wait.as_ref()).map_or(0.0, |w| w.secs);
        kept.sort_by(|a, b| {
            b.deadlock.cmp(&a.deadlock).then(b.links.len().cmp(&a.links.len())).then(secs(b).total_cmp(&secs(a)))
        });
        kept.truncate(CHAINS);
        kept
    }

    fn follow(&self, pid: Pid, first: Wait, end: Option<f64>) -> Chain {
        let mut links: Vec<Link> = Vec::new();
        let (mut pid, mut wait) = (pid, Some(first));
        loop {
            let next = wait.as_ref().and_then(|w| self.next(pid, w, end));
            links.push(Link { pid, wait, next });
            let Some((_, n)) = next else { return Chain { links, deadlock: false } };
            if links.iter().any(|l| l.pid == n) {
                return Chain { links, deadlock: true };
            }
            if links.len() >= LINKS {
                return Chain { links, deadlock: false };
            }
            (pid, wait) = (n, self.current(n, end));
        }
    }
}

fn stuck_wait(s: &Stuck, end: Option<f64>) -> Wait {
    Wait {
        on: s.on.clone(),
        syscall: s.syscall.clone(),
        secs: s.since.zip(end).map_or(0.0, |(since, end)| (end - since).max(0.0)),
        stuck: true,
        before: s.before,
        idle: s.idle,
        pipe_peer: None,
        from_proc: false,
    }
}

/// Whether the pids of chain `of` end with those of `tail`.
fn is_tail(of: &[Link], tail: &[Link]) -> bool {
    of.len() >= tail.len() && of[of.len() - tail.len()..].iter().zip(tail).all(|(a, b)| a.pid == b.pid)
}

//! The descriptor limit a process runs with, as far as the trace shows it.

use crate::event::Pid;

/// A process's descriptor limit (the soft `RLIMIT_NOFILE`) as the trace shows it: set by a
/// `prlimit64`/`setrlimit` call, or read by one (`getrlimit`, the old value `prlimit64`
/// returns). Kept across exec, inherited on fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFile {
    /// The soft limit: the one `EMFILE` is about.
    pub soft: Limit,
    /// The call that set it, or (`set` false) only read it.
    pub call: String,
    /// The call set the limit (else it only read it).
    pub set: bool,
    /// The files the setting process had read when it set the limit, newest last (a script's
    /// `ulimit -n`, a server's configuration): kept with the limit, since a process out of
    /// descriptors goes on to open many more.
    pub read_before: std::rc::Rc<[Vec<u8>]>,
}

/// A resource limit's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At most this many.
    At(u64),
    /// `RLIM_INFINITY` (`unlimited` in `/proc/PID/limits`).
    Unlimited,
}

impl Limit {
    /// The number, unless unlimited.
    pub fn value(self) -> Option<u64> {
        match self {
            Limit::At(n) => Some(n),
            Limit::Unlimited => None,
        }
    }
}

/// The descriptor limits of a live process, from its `/proc/PID/limits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostNoFile {
    /// The process they are of.
    pub pid: Pid,
    /// The soft limit (what `EMFILE` is about) and the hard one (how far the process itself
    /// may raise it).
    pub soft: Limit,
    /// See `soft`.
    pub hard: Limit,
}

impl HostNoFile {
    /// The `Max open files` line of `/proc/PID/limits` (`limits`), the limits of `pid`.
    pub(crate) fn from_proc(pid: Pid, limits: &str) -> Option<HostNoFile> {
        let rest = limits.lines().find_map(|l| l.strip_prefix("Max open files"))?;
        let mut words = rest.split_ascii_whitespace();
        let value = |w: Option<&str>| match w? {
            "unlimited" => Some(Limit::Unlimited),
            n => n.parse().ok().map(Limit::At),
        };
        Some(HostNoFile { pid, soft: value(words.next())?, hard: value(words.next())? })
    }
}

impl NoFile {
    /// The process `pid` a successful `name(args)` of a [`Does::LIMITS`] row says the limit
    /// of, and the limit: `prlimit64(0, RLIMIT_NOFILE, {rlim_cur=32, ...}, NULL)` sets the
    /// caller's (or that pid's), `prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=1024, ...})` and
    /// `getrlimit(RLIMIT_NOFILE, {...})` read it.
    pub(super) fn from_call(pid: Pid, name: &str, args: &[u8]) -> Option<(Pid, NoFile)> {
        let parts = crate::parse::split_args(args, 4);
        let (of, rest) = match name {
            "prlimit64" => {
                let of: Pid = std::str::from_utf8(parts.first()?).ok()?.trim().parse().ok()?;
                (if of == 0 { pid } else { of }, parts.get(1..)?)
            }
            _ => (pid, &parts[..]),
        };
        if rest.first().copied() != Some(&b"RLIMIT_NOFILE"[..]) {
            return None;
        }
        let (new, old) = (rest.get(1)?, rest.get(2));
        let (set, limit) = match (name, old) {
            ("setrlimit", _) => (true, *new),
            ("prlimit64", _) if *new != b"NULL" => (true, *new),
            ("prlimit64", Some(old)) => (false, *old),
            (_, _) => (false, *new),
        };
        Some((of, NoFile { soft: rlim_cur(limit)?, call: name.to_string(), set, read_before: std::rc::Rc::new([]) }))
    }
}

/// `{rlim_cur=32, rlim_max=32}` -> 32; `8192*1024` as strace writes some values;
/// `RLIM64_INFINITY` unlimited.
fn rlim_cur(text: &[u8]) -> Option<Limit> {
    let text = std::str::from_utf8(text).ok()?;
    let value = text.strip_prefix("{rlim_cur=")?.split([',', '}']).next()?.trim();
    if value.ends_with("INFINITY") {
        return Some(Limit::Unlimited);
    }
    value.split('*').try_fold(1u64, |n, f| n.checked_mul(f.trim().parse().ok()?)).map(Limit::At)
}

//! The resource limits a process runs with, as far as the trace shows them: the ones whose
//! failures name no file (out of descriptors, of address space, of processes, a file too large).

use crate::event::Pid;

/// A limit a process can run out of, each with the failures it causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `RLIMIT_NOFILE`: descriptors (EMFILE).
    Files,
    /// `RLIMIT_AS`: address space, in bytes (ENOMEM from mmap, brk, mremap, execve).
    AddressSpace,
    /// `RLIMIT_DATA`: data segment and private mappings, in bytes (ENOMEM likewise).
    Data,
    /// `RLIMIT_NPROC`: processes and threads of the real user (EAGAIN from fork and clone).
    Processes,
    /// `RLIMIT_FSIZE`: the largest file the process may write, in bytes (EFBIG).
    FileSize,
}

impl Resource {
    pub const ALL: [Resource; 5] =
        [Resource::Files, Resource::AddressSpace, Resource::Data, Resource::Processes, Resource::FileSize];

    /// Its name in the calls that set and read it.
    pub fn rlimit(self) -> &'static str {
        match self {
            Resource::Files => "RLIMIT_NOFILE",
            Resource::AddressSpace => "RLIMIT_AS",
            Resource::Data => "RLIMIT_DATA",
            Resource::Processes => "RLIMIT_NPROC",
            Resource::FileSize => "RLIMIT_FSIZE",
        }
    }

    /// Whether its values are bytes (else a count).
    pub fn in_bytes(self) -> bool {
        matches!(self, Resource::AddressSpace | Resource::Data | Resource::FileSize)
    }

    /// The limit that a call `syscall` failing with `errno` ran into, when one can be: out of
    /// descriptors; memory refused to a mapping call (the address-space limit, else the data
    /// limit, whichever the trace shows); a fork refused (processes); a write past the size limit.
    pub fn behind(errno: &str, syscall: &str) -> &'static [Resource] {
        match (errno, syscall) {
            ("EMFILE", _) => &[Resource::Files],
            ("ENOMEM", "mmap" | "mmap2" | "mremap" | "brk" | "execve" | "execveat") => {
                &[Resource::AddressSpace, Resource::Data]
            }
            ("EAGAIN", "fork" | "vfork" | "clone" | "clone3") => &[Resource::Processes],
            ("EFBIG", _) => &[Resource::FileSize],
            _ => &[],
        }
    }
}

/// A process's limit of a [`Resource`] (the soft one: the one calls fail on) as the trace shows
/// it: set by a `prlimit64`/`setrlimit` call, or read by one (`getrlimit`, the old value
/// `prlimit64` returns). Kept across exec, inherited on fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceLimit {
    pub resource: Resource,
    /// The soft limit.
    pub soft: Limit,
    /// The call that set it, or (`set` false) only read it.
    pub call: String,
    /// The call set the limit (else it only read it).
    pub set: bool,
    /// The files the setting process had read when it set the limit, newest last (a script's
    /// `ulimit -n`, a server's configuration): kept with the limit, since a process that runs
    /// out of it has usually gone on to open many more files.
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

impl ResourceLimit {
    /// The process `pid` a successful `name(args)` of a [`Does::LIMITS`] row says a limit of,
    /// and the limit: `prlimit64(0, RLIMIT_NOFILE, {rlim_cur=32, ...}, NULL)` sets the
    /// caller's (or that pid's), `prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=1024, ...})` and
    /// `getrlimit(RLIMIT_NOFILE, {...})` read it.
    ///
    /// [`Does::LIMITS`]: crate::syscalls::Does::LIMITS
    pub(super) fn from_call(pid: Pid, name: &str, args: &[u8]) -> Option<(Pid, ResourceLimit)> {
        let parts = crate::parse::split_args(args, 4);
        let (of, rest) = match name {
            "prlimit64" => {
                let of: Pid = std::str::from_utf8(parts.first()?).ok()?.trim().parse().ok()?;
                (if of == 0 { pid } else { of }, parts.get(1..)?)
            }
            _ => (pid, &parts[..]),
        };
        let resource = *Resource::ALL.iter().find(|r| rest.first().copied() == Some(r.rlimit().as_bytes()))?;
        let (new, old) = (rest.get(1)?, rest.get(2));
        let (set, limit) = match (name, old) {
            ("setrlimit", _) => (true, *new),
            ("prlimit64", _) if *new != b"NULL" => (true, *new),
            ("prlimit64", Some(old)) => (false, *old),
            (_, _) => (false, *new),
        };
        let soft = rlim_cur(limit)?;
        Some((of, ResourceLimit { resource, soft, call: name.to_string(), set, read_before: std::rc::Rc::new([]) }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calls_of_every_limit_kept_reach_the_analysis() {
        let kept: Vec<&[u8]> = Resource::ALL.iter().map(|r| r.rlimit().as_bytes()).collect();
        assert_eq!(kept, crate::syscalls::LIMITS_KEPT);
    }
}

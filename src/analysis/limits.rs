//! The descriptor limit a process runs with, as far as the trace shows it.

use crate::event::Pid;

/// A process's descriptor limit (the soft `RLIMIT_NOFILE`) as the trace shows it: set by a
/// `prlimit64`/`setrlimit` call, or read by one (`getrlimit`, the old value `prlimit64`
/// returns). Kept across exec, inherited on fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFile {
    /// `u64::MAX` for unlimited.
    pub soft: u64,
    /// The call that set it, or (`set` false) only read it.
    pub call: String,
    pub set: bool,
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
        Some((of, NoFile { soft: rlim_cur(limit)?, call: name.to_string(), set }))
    }
}

/// `{rlim_cur=32, rlim_max=32}` -> 32; `8192*1024` as strace writes some values; the
/// infinities as `u64::MAX`.
fn rlim_cur(text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    let value = text.strip_prefix("{rlim_cur=")?.split([',', '}']).next()?.trim();
    if value.ends_with("INFINITY") {
        return Some(u64::MAX);
    }
    value.split('*').try_fold(1u64, |n, f| n.checked_mul(f.trim().parse().ok()?))
}

//! The ids a process acts with (file access is checked against them), from the `set*id` and
//! `setgroups` calls of the trace.

/// The ids a process acts with, as far as the trace shows them: `set*id` and `setgroups`
/// calls, inherited on fork. `None`: the trace does not show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The effective user id (file access is checked against it).
    pub uid: Option<u32>,
    /// The effective group id.
    pub gid: Option<u32>,
    /// The supplementary groups.
    pub groups: Option<Vec<u32>>,
}

impl Credentials {
    /// Bytes they hold beyond their entry.
    pub(super) fn bytes(&self) -> usize {
        self.groups.as_ref().map_or(0, |g| g.len() * 4)
    }

    /// Applies the successful call `name(args)` of a [`Does::CREDENTIALS`] row: `setuid(x)` ->
    /// x; `setreuid(r, e)` and `setresuid(r, e, s)` -> e unless -1; the gid calls alike;
    /// `setgroups(n, [g, ...])` -> the list (unknown when strace abbreviated it).
    pub(super) fn apply(&mut self, name: &str, args: &[u8]) {
        let name = name.strip_suffix("32").unwrap_or(name);
        let parts = crate::parse::split_args(args, 4);
        let id = |i: usize| -> Option<u32> {
            let v: i64 = std::str::from_utf8(parts.get(i)?).ok()?.trim().parse().ok()?;
            u32::try_from(v).ok().filter(|&v| v != u32::MAX)
        };
        match name {
            "setuid" => self.uid = id(0).or(self.uid),
            "setreuid" | "setresuid" => self.uid = id(1).or(self.uid),
            "setgid" => self.gid = id(0).or(self.gid),
            "setregid" | "setresgid" => self.gid = id(1).or(self.gid),
            "setgroups" => self.groups = parts.get(1).and_then(|l| id_list(l)),
            _ => {}
        }
    }
}

/// `[33, 44]` -> the ids; `NULL` (with a count of 0) -> none; an abbreviated `[1, 2, ...]`
/// or one longer than the kernel takes (NGROUPS_MAX) -> unknown.
fn id_list(list: &[u8]) -> Option<Vec<u32>> {
    const NGROUPS_MAX: usize = 65536;
    if list == b"NULL" {
        return Some(Vec::new());
    }
    let inner = list.strip_prefix(b"[")?.strip_suffix(b"]")?;
    let text = std::str::from_utf8(inner).ok()?;
    let ids: Vec<u32> =
        text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| t.parse().ok()).collect::<Option<_>>()?;
    (ids.len() <= NGROUPS_MAX).then_some(ids)
}

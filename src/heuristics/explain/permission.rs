//! Permission explanations: which path component denies the access a failing call needed, to
//! the ids the process ran with.

use super::*;

/// The access a failing call needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// These bits (`r` 4, `w` 2, `x` 1) on the path itself.
    Bits(u32),
    /// `w` on the parent directory: creating, removing or renaming an entry (`O_CREAT` of a
    /// missing file, `bind` of a unix socket, `mkdir`, `unlink`, ...).
    InParent,
    /// Only the search (`x`) of the directories on the way (`stat`, `readlink`, ...).
    Search,
    /// Ownership (`chmod`, `chown`, `utime`).
    Owner,
}

pub(super) const R: u32 = 4;
pub(super) const W: u32 = 2;
pub(super) const X: u32 = 1;

/// What `syscall(args)` needed of its path; `exists`: whether the path exists.
pub(super) fn need_of(syscall: &str, args: &[u8], exists: bool) -> Need {
    let has = |flag: &[u8]| crate::bytes::contains(args, flag);
    let info = syscalls::info(syscall.as_bytes());
    if info.does.has(Does::EXEC) {
        return Need::Bits(X);
    }
    if info.does.has(Does::CONNECT) {
        return Need::Bits(W);
    }
    if info.creates(args) && !exists {
        return Need::InParent;
    }
    if info.does.has(Does::OPEN_FD) {
        return Need::Bits(if has(b"O_RDWR") {
            R | W
        } else if has(b"O_WRONLY") || syscall == "creat" {
            W
        } else {
            R
        });
    }
    if info.does.has(Does::CHECK) {
        let bits = [(&b"R_OK"[..], R), (b"W_OK", W), (b"X_OK", X)];
        let want = bits.iter().filter(|(f, _)| has(f)).fold(0, |n, (_, b)| n | b);
        return if want == 0 { Need::Search } else { Need::Bits(want) };
    }
    if info.does.has(Does::CHDIR) {
        return Need::Bits(X);
    }
    if info.does.has(Does::TRUNCATE) {
        Need::Bits(W)
    } else if info.does.has(Does::ENTRY) {
        Need::InParent
    } else if info.does.has(Does::OWNER_ONLY) {
        Need::Owner
    } else {
        Need::Search
    }
}

/// How a path resolved on the disk, component by component from `/`.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// Each component met (symlinks resolved), `/` first.
    pub(super) steps: Vec<(Vec<u8>, Meta)>,
    pub(super) end: End,
}

#[derive(Debug, Default, PartialEq)]
pub(super) enum End {
    /// Every component exists: the last step is the path itself.
    Reached,
    /// A component is missing (`last`: it is the path's last one).
    Missing { last: bool },
    /// A symlink on the way points at nothing; `rest` is what the path asked for below it
    /// (`/public` of `current/public`, empty when the link is the path's last component).
    Dangling { link: Vec<u8>, target: Vec<u8>, resolved: Vec<u8>, rest: Vec<u8> },
    /// The disk could not say (unreadable, not a directory, a link loop).
    #[default]
    Unknown,
}

/// Resolves `path` on `disk` as the kernel would, following symlinks (inside the root).
pub(super) fn walk(path: &[u8], disk: &dyn Disk) -> Walk {
    let mut w = Walk::default();
    let Some(root) = disk.lstat(b"/") else { return w };
    w.steps.push((b"/".to_vec(), root));
    let comps = |p: &[u8]| -> Vec<Vec<u8>> {
        p.split(|&c| c == b'/').filter(|c| !c.is_empty() && *c != b".").rev().map(<[u8]>::to_vec).collect()
    };
    let mut todo = comps(path);
    let mut cur = b"/".to_vec();
    let mut links = 0;
    while let Some(comp) = todo.pop() {
        if comp == b".." {
            cur = split(&cur).map_or(b"/".to_vec(), |(d, _)| d.to_vec());
            continue;
        }
        let candidate = join(&cur, &comp);
        let Some(meta) = disk.lstat(&candidate) else {
            w.end = End::Missing { last: todo.is_empty() };
            return w;
        };
        if meta.kind == FileKind::Symlink {
            links += 1;
            let Some(target) = disk.readlink(&candidate).filter(|_| links <= MAX_LINKS) else { return w };
            let resolved = normalize(&if target.starts_with(b"/") { target.clone() } else { join(&cur, &target) });
            // a link to a link is followed link by link: the one whose target is gone is named
            if disk.lstat(&resolved).is_none() {
                let rest = todo.iter().rev().flat_map(|c| std::iter::once(&b'/').chain(c)).copied().collect();
                w.end = End::Dangling { link: candidate, target, resolved, rest };
                return w;
            }
            if target.starts_with(b"/") {
                cur = b"/".to_vec();
            }
            todo.extend(comps(&target));
            continue;
        }
        w.steps.push((candidate.clone(), meta));
        if !todo.is_empty() && meta.kind != FileKind::Dir {
            return w;
        }
        cur = candidate;
    }
    w.end = End::Reached;
    w
}

/// The permission bits that apply to `creds` on `meta` for `bits`: whether they allow it;
/// `None` when the trace does not show enough of the process's groups to tell.
pub(in crate::heuristics) fn allows(meta: &Meta, creds: &Credentials, bits: u32) -> Option<bool> {
    let uid = creds.uid?;
    let ok = |class: u32| class & bits == bits;
    if meta.uid == uid {
        return Some(ok(meta.mode >> 6 & 7));
    }
    let (group, other) = (ok(meta.mode >> 3 & 7), ok(meta.mode & 7));
    match member(meta.gid, creds) {
        Some(true) => Some(group),
        Some(false) => Some(other),
        None => (group == other).then_some(other),
    }
}

/// Whether the process is in group `gid` (its gid or a supplementary group); `None` when the
/// trace does not show enough.
pub(super) fn member(gid: u32, creds: &Credentials) -> Option<bool> {
    match (creds.gid, &creds.groups) {
        (Some(g), _) if g == gid => Some(true),
        (_, Some(gs)) if gs.contains(&gid) => Some(true),
        (Some(_), Some(_)) => Some(false),
        _ => None,
    }
}

/// The first step of `w` that denies `need` to `creds`: its index and the bits it denies;
/// `None` when every step allows it or one cannot be told.
pub(super) fn first_denial(w: &Walk, need: Need, creds: &Credentials) -> Option<(usize, u32)> {
    let n = w.steps.len();
    let reached = w.end == End::Reached;
    // the directories searched on the way: all steps but the path itself
    let dirs = if reached { n.saturating_sub(1) } else { n };
    let check = |i: usize, bits: u32| -> Result<(), Option<(usize, u32)>> {
        // the root itself is where a copy was put, not what the host had
        if i == 0 {
            return Ok(());
        }
        match allows(&w.steps[i].1, creds, bits) {
            Some(true) => Ok(()),
            Some(false) => Err(Some((i, bits))),
            None => Err(None),
        }
    };
    let verdict = (|| {
        for i in 0..dirs {
            check(i, X)?;
        }
        match (need, &w.end) {
            (Need::Bits(bits), End::Reached) => check(n - 1, bits),
            (Need::InParent, End::Reached) if n >= 2 => check(n - 2, W | X),
            (Need::InParent, End::Missing { last: true }) => check(n - 1, W | X),
            (Need::Owner, End::Reached) => match creds.uid {
                Some(uid) if w.steps[n - 1].1.uid != uid => Err(Some((n - 1, 0))),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    })();
    verdict.err().flatten()
}

/// **Permission** (EACCES/EPERM on a path or a unix socket file): the ids the process ran
/// with, from its `set*id`/`setgroups` calls in the trace (for `run`/`attach` without them,
/// from the live host's `/proc` at the failure), and, walking the path from `/` on
/// the disk, the first component whose mode denies the access the failing call needed
/// (search on directories; on the last one read/write by the open flags, write on a socket for
/// `connect`, execute for `execve`, write on the parent for a create). Names from the root's
/// `etc/passwd` and `etc/group`. As root (uid 0) nothing is said about modes; without the
/// uid only a component closed to every other user is named.
pub(super) fn permission(g: &Failure, at: &AtFailure, cx: &Context<'_>) -> Option<Explanation> {
    let path = g.target.fs_path()?;
    let creds = &at.credentials;
    let user = creds.uid.map(|uid| cx.names.user(uid));
    let named = user.as_ref().is_some_and(|u| u.name.is_some());
    let from_trace = creds.uid.is_some() && !at.ids_from_host;
    let mut source = Source { trace: from_trace, disk: named.then(|| cx.place()), host: at.ids_from_host };
    if let Some(what) = attribute(path, at, cx) {
        return Some(Explanation { what, source: Source { trace: false, disk: Some(cx.place()), host: false } });
    }
    if creds.uid == Some(0) {
        return Some(Explanation { what: Explained::Permission { denied: None, user }, source });
    }
    let w = walk(path, cx.disk);
    let exists = w.end == End::Reached;
    let need = need_of(&at.syscall, &at.args, exists);
    // without the uid, only a component that denies every user but its owner and group
    let nobody = Credentials { uid: Some(u32::MAX), gid: Some(u32::MAX), groups: Some(Vec::new()) };
    let judged_as = if creds.uid.is_some() { creds } else { &nobody };
    let denied = first_denial(&w, need, judged_as).map(|(i, bits)| {
        let (p, meta) = &w.steps[i];
        let group_would = bits != 0 && meta.mode >> 3 & bits == bits;
        let not_in_group = (creds.uid.is_some() && group_would && member(meta.gid, creds) == Some(false))
            .then(|| cx.names.group(meta.gid));
        let class = match judged_as.uid {
            Some(uid) if uid == meta.uid => 'u',
            _ if member(meta.gid, judged_as) == Some(true) => 'g',
            _ => 'o',
        };
        Denied {
            path: p.clone(),
            owner: cx.names.user(meta.uid),
            group: cx.names.group(meta.gid),
            mode: meta.mode,
            not_in_group,
            bits,
            class,
        }
    });
    if denied.is_some() {
        source.disk = Some(cx.place());
    }
    if denied.is_none() && user.is_none() {
        return None;
    }
    Some(Explanation { what: Explained::Permission { denied, user }, source })
}

/// **An attribute** (EPERM): a call that replaces, removes, links or writes an existing file
/// is refused with EPERM, not EACCES, when the refusal is not the mode bits': in a sticky
/// directory by ownership, else by the file's immutable or append-only attribute (which git
/// and `--root` copies do not keep, so it is named as the likely one, never as read). Said only
/// when the disk shows the file, a regular file or symlink, in a directory that is not sticky,
/// and the call is one the attributes refuse (not `chmod`/`chown`-like calls, where EPERM is
/// ownership).
fn attribute(path: &[u8], at: &AtFailure, cx: &Context<'_>) -> Option<Explained> {
    let info = syscalls::info(at.syscall.as_bytes());
    let writes = info.does.has(Does::OPEN_FD)
        && (crate::bytes::contains(&at.args, b"O_WRONLY") || crate::bytes::contains(&at.args, b"O_RDWR"));
    if at.errno != "EPERM" || info.does.has(Does::OWNER_ONLY) || !(info.does.has(Does::ENTRY) || writes) {
        return None;
    }
    let w = walk(path, cx.disk);
    let n = w.steps.len();
    if w.end != End::Reached || n < 2 {
        return None;
    }
    let (file, meta) = &w.steps[n - 1];
    let (dir, dmeta) = &w.steps[n - 2];
    let sticky = dmeta.mode & 0o1000 != 0;
    (!sticky && meta.kind != FileKind::Dir).then(|| Explained::Attribute { path: file.clone(), dir: dir.clone() })
}

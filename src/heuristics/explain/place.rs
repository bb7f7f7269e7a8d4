//! Place explanations: a missing directory whose contents a sibling holds now (moved by a
//! release or a package), and the read-only mount a write was refused by.

use super::*;

/// Paths below a missing directory checked in a sibling.
const MOVED_CHECKED: usize = 8;
/// Names said in the explanation.
const MOVED_SHOWN: usize = 2;

/// **Moved** (a missing directory the failing paths ran through, `dir`): the one sibling of it
/// that holds every path looked for below it (`/opt/pricer/lib64` holds `libpricing.so.3` for
/// the missing `/opt/pricer/lib`): a release or a package moved what was there. `search`: the
/// directory was one of a search path's, which looked for one name in it: the suggestion is
/// that name in the sibling; else the sibling itself (the directory a setting names), when
/// it holds two paths looked for at least.
pub(crate) fn moved(dir: &[u8], below: &[&[u8]], search: bool, cx: &Context<'_>) -> Option<Explanation> {
    let (parent, missing) = split(dir)?;
    let rests: Vec<&[u8]> = below
        .iter()
        .filter_map(|p| p.strip_prefix(dir)?.strip_prefix(b"/"))
        .filter(|r| !r.is_empty())
        .take(MOVED_CHECKED)
        .collect();
    // one file of a content directory (`index.php`) is in many directories: two show that the
    // sibling holds the same contents; a search looked for its one name there
    let enough = if search { 1 } else { 2 };
    if rests.len() < enough || cx.disk.exists(dir) || crate::path::is_system_tree(dir) {
        return None;
    }
    let listing = cx.disk.list(parent)?;
    let mut holding = listing.names.iter().take(CANDIDATES * 4).filter(|n| n.as_slice() != missing).filter(|n| {
        let sibling = join(parent, n);
        cx.disk.lstat(&sibling).is_some_and(|m| m.kind == FileKind::Dir)
            && rests.iter().all(|r| cx.disk.exists(&join(&sibling, r)))
    });
    let sibling = join(parent, holding.next()?);
    if holding.next().is_some() {
        return None; // two siblings hold it: which one is meant is not known
    }
    let suggested = if search { join(&sibling, rests[0]) } else { sibling.clone() };
    let names = rests.iter().take(MOVED_SHOWN).map(|r| r.to_vec()).collect();
    let what = Explained::Moved {
        dir: dir.to_vec(),
        sibling,
        names,
        more: rests.len().saturating_sub(MOVED_SHOWN),
        suggested,
    };
    Some(Explanation { what, source: Source { trace: false, disk: Some(cx.place()), host: false } })
}

/// **Read-only filesystem** (EROFS): the mount holding the path, when a mount table (the live
/// host's, or the one a capture saved under the root) shows it read-only; without one, or
/// when it shows the mount writable (remounted since), nothing is said.
pub(super) fn read_only(g: &Failure, cx: &Context<'_>) -> Option<Explanation> {
    let mount = cx.disk.mount(g.target.fs_path()?).filter(|m| m.read_only)?;
    let what = Explained::ReadOnly { mount };
    Some(Explanation { what, source: Source { trace: true, disk: Some(cx.place()), host: false } })
}

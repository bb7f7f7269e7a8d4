//! Program explanations: an executable whose `#!` interpreter (or ELF loader) is missing, and a
//! path that runs through a symlink whose target is gone.

use super::*;

/// **Bad interpreter** (ENOENT from execve of a file that exists on the disk or in the trace):
/// its `#!` line, read through the disk (the first 256 bytes), names an interpreter that does
/// not exist, or ends in a carriage return (CRLF line endings). An ELF program: its loader is
/// missing. Unreadable: the interpreter or loader is missing, as execve's ENOENT says.
pub(super) fn interpreter(g: &Failure, known: &KnownPaths, cx: &Context<'_>) -> Option<Explanation> {
    if !g.syscalls.keys().any(|s| syscalls::info(s.as_bytes()).does.has(Does::EXEC)) {
        return None;
    }
    let program = g.target.fs_path()?;
    let head = cx.disk.read_regular(program, SHEBANG);
    let in_trace = split(program).is_some_and(|(d, n)| known.names(d).is_some_and(|s| s.contains(n)));
    if head.is_none() && !in_trace {
        return None;
    }
    let problem = match &head {
        None => Interpreter::Unread,
        Some(h) if h.starts_with(b"\x7fELF") => Interpreter::ElfLoader,
        Some(h) => {
            let line = h.strip_prefix(b"#!")?;
            let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
            let name: Vec<u8> =
                line.trim_ascii_start().iter().take_while(|&&c| c != b' ' && c != b'\t').copied().collect();
            if name.ends_with(b"\r") {
                Interpreter::CarriageReturn(name[..name.len() - 1].to_vec())
            } else if !name.is_empty() && !cx.disk.exists(&name) {
                Interpreter::Missing(name)
            } else {
                return None;
            }
        }
    };
    let disk = head.is_some().then(|| cx.place());
    let what = Explained::BadInterpreter { program: program.to_vec(), problem };
    Some(Explanation { what, source: Source { trace: in_trace, disk } })
}

/// **Dangling symlink** (ENOENT through a link whose target is gone): walking the path on the
/// disk, the link, its target as written, and the entries now beside the target (`releases/`
/// has `20261201-1`); the newest of them under which the rest of the failing path exists
/// (`public` of `current/public`) is what the link may point at instead.
pub(super) fn dangling_link(g: &Failure, cx: &Context<'_>) -> Option<Explanation> {
    let path = g.target.fs_path()?;
    let End::Dangling { link, target, resolved, rest } = walk(path, cx.disk).end else { return None };
    let dir = split(&resolved).map(|(d, _)| d.to_vec())?;
    let mut siblings: Vec<Vec<u8>> = cx.disk.list(&dir).map(|l| l.names.clone()).unwrap_or_default();
    siblings.sort();
    // newest-looking first: release names sort by date or version
    siblings.reverse();
    // below the link is what shows a sibling is what the link meant: with nothing below, none is
    let candidates = if rest.is_empty() { 0 } else { CANDIDATES };
    let suggested = siblings.iter().take(candidates).map(|n| join(&dir, n)).find(|s| {
        let mut wanted = s.clone();
        wanted.extend_from_slice(&rest);
        cx.disk.lstat(s).is_some_and(|m| m.kind == FileKind::Dir) && cx.disk.exists(&wanted)
    });
    let more = siblings.len().saturating_sub(SIBLINGS);
    siblings.truncate(SIBLINGS);
    let what = Explained::DanglingLink { link, target, siblings, more, suggested };
    Some(Explanation { what, source: Source { trace: false, disk: Some(cx.place()) } })
}

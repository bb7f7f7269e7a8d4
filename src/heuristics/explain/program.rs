//! Program explanations: an executable whose `#!` interpreter (or ELF loader) is missing or
//! whose `#!` is not at its start, and a path that runs through a symlink whose target is gone.

use super::*;

/// **Bad interpreter** (ENOENT from execve of a file that exists on the disk or in the trace):
/// its `#!` line, read through the disk (the first 256 bytes), names an interpreter that does
/// not exist, or ends in a carriage return (CRLF line endings). An ELF program: its loader is
/// missing. Unreadable: the interpreter or loader is missing, as execve's ENOENT says.
pub(super) fn interpreter(g: &Failure, known: &KnownPaths, cx: &Context<'_>) -> Option<Explanation> {
    if !g.execs() {
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
    Some(Explanation { what, source: Source { trace: in_trace, disk, host: false } })
}

/// **`#!/usr/bin/env NAME` and no NAME** (ENOENT from the execve calls by which `env` looks
/// for NAME along `PATH`): the script the process runs (its command line's first word: the
/// path as given, or the one path of the trace ending so) starts with a `#!` line that runs
/// `env` with the failing name, read through the disk. The script is where to change it.
pub(super) fn env_interpreter(g: &Failure, id: usize, cx: &Context<'_>) -> Option<Explanation> {
    if !g.execs() {
        return None;
    }
    let (_, name) = split(g.target.fs_path()?)?;
    let (_, argv) = cx.evidence.argv_before(id)?;
    let given = argv.first()?;
    let script = if given.starts_with(b"/") {
        given.clone()
    } else {
        // a relative path run from another directory: the one path the trace shows ending so
        let tail = [&b"/"[..], given].concat();
        let mut found = cx.evidence.known.ending_with(&tail);
        let first = found.next()?;
        found.next().is_none().then_some(first)?
    };
    let head = cx.disk.read_regular(&script, SHEBANG)?;
    let line = head.strip_prefix(b"#!")?;
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let mut words = line.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty());
    let runs_env = words.next().is_some_and(|w| w.ends_with(b"/env"));
    // `env -S`'s options and `VAR=value` settings come before the name
    let named = words.find(|w| !w.starts_with(b"-") && !w.contains(&b'='));
    if !runs_env || named != Some(name) {
        return None;
    }
    let what = Explained::BadInterpreter { program: script, problem: Interpreter::NotOnPath(name.to_vec()) };
    Some(Explanation { what, source: Source { trace: true, disk: Some(cx.place()), host: false } })
}

/// **Not a program** (ENOEXEC from execve of a file on the disk): the kernel runs a script
/// only by a `#!` at its very start; read through the disk (the first 4 KiB), the file has one
/// after a UTF-8 byte order mark, or on a later line below only comments and blank lines (a
/// header put above it). A file with no `#!` at all is a shell script by design: nothing said.
pub(super) fn misplaced_shebang(g: &Failure, cx: &Context<'_>) -> Option<Explanation> {
    if !g.execs() {
        return None;
    }
    let program = g.target.fs_path()?;
    let head = cx.disk.read_regular(program, HEAD)?;
    let problem = if head.starts_with(b"\xef\xbb\xbf#!") {
        Interpreter::ByteOrderMark
    } else {
        let at = memchr::memmem::find(&head, b"\n#!")?;
        let above_is_comment = |l: &[u8]| l.trim_ascii().is_empty() || l.trim_ascii_start().starts_with(b"#");
        if !head[..at].split(|&c| c == b'\n').all(above_is_comment) {
            return None;
        }
        Interpreter::NotOnLine1 { line: 2 + head[..at].iter().filter(|&&c| c == b'\n').count() as u64 }
    };
    let what = Explained::BadInterpreter { program: program.to_vec(), problem };
    Some(Explanation { what, source: Source { trace: false, disk: Some(cx.place()), host: false } })
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
    Some(Explanation { what, source: Source { trace: false, disk: Some(cx.place()), host: false } })
}

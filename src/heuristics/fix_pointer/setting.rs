//! Lines that set what a failure ran into, rather than name a wrong path: who may connect to a
//! unix socket (the server's `listen.owner = root`, `SocketMode=0600`, `chmod-socket = 600`)
//! and resource limits (`ulimit -n 32`, `LimitNOFILE=`, `worker_rlimit_nofile`, `ulimit -v`).
//! Configuration syntax is read loosely: a line's key is its text up to `=`, `:` or blank.

use super::{is_comment, line_of, Bound, Needle};
use crate::analysis::naming::bounded;
use crate::analysis::process::Resource;

/// Longest text of a line kept for the report.
const LINE_TEXT: usize = 120;

/// Words of a key that set ownership or permissions.
const ACCESS: &[&str] = &["owner", "group", "mode", "perm", "chmod", "chown", "user", "acl"];
/// Words of a key that make it about a socket.
const SOCKET: &[&str] = &["socket", "listen", "unix"];

/// The lines of `content`, 1-based, comments included.
fn lines(content: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    content.split(|&c| c == b'\n').enumerate().map(|(i, l)| (i as u64 + 1, l))
}

/// A line's key, lowercased and without quotes: `listen.owner` of `listen.owner = root`,
/// `listenstream` of `ListenStream=/run/x.sock`, `fastcgi_pass` of `fastcgi_pass unix:/x;`.
fn key(line: &[u8]) -> String {
    let t = line.trim_ascii_start();
    let end = t.iter().position(|&c| matches!(c, b' ' | b'\t' | b'=' | b':')).unwrap_or(t.len());
    String::from_utf8_lossy(&t[..end]).trim_matches(['"', '\'']).to_ascii_lowercase()
}

/// The text of a line as the report shows it: trimmed, and [`cut`].
fn text(line: &[u8]) -> String {
    cut(&String::from_utf8_lossy(line.trim_ascii()))
}

/// `text`, cut to [`LINE_TEXT`] characters with `…`.
pub(super) fn cut(text: &str) -> String {
    if text.chars().count() > LINE_TEXT {
        text.chars().take(LINE_TEXT - 1).collect::<String>() + "…"
    } else {
        text.to_string()
    }
}

/// A section header (`[www]`, `[Socket]`): settings after it belong to another part.
fn is_section(line: &[u8]) -> bool {
    line.trim_ascii_start().starts_with(b"[")
}

/// Whether the key of the line naming a socket says the server listens on it (`listen`,
/// `ListenStream`, `bind`, `socket`, `unixsocket`), rather than that a client goes there
/// (`fastcgi_pass`, `proxy_pass`).
pub(super) fn is_listener(key_of_naming: &str) -> bool {
    key_of_naming.contains("listen") || key_of_naming.contains("bind") || key_of_naming.ends_with("socket")
}

/// In `content`, which names a socket at line `named` (1-based): the setting of who may connect
/// to it — a key with an ownership or permission word (`owner`, `group`, `mode`, `perm`,
/// `chmod`, `chown`, `user`, `acl`) that is about the socket: it starts like the naming key
/// (`listen.owner` after `listen =`) or says `socket`, `listen` or `unix` (`SocketMode=`,
/// `chmod-socket`). The first one after the naming line in its section, else the nearest one
/// before it. Returns its line number and text.
pub(super) fn socket_access(content: &[u8], named: u64) -> Option<(u64, String)> {
    let all: Vec<(u64, &[u8])> = lines(content).collect();
    let at = usize::try_from(named).ok()?.checked_sub(1).filter(|&i| i < all.len())?;
    let naming = key(all[at].1);
    let stem = naming.split(['.', '_', '-']).next().unwrap_or(&naming).to_string();
    let sets_access = |line: &[u8]| {
        let k = key(line);
        !is_comment(line)
            && ACCESS.iter().any(|w| k.contains(w))
            && ((!stem.is_empty() && k.starts_with(&stem) && k != naming) || SOCKET.iter().any(|w| k.contains(w)))
    };
    let after = all[at + 1..].iter().take_while(|(_, l)| !is_section(l)).find(|(_, l)| sets_access(l));
    let before = || all[..at].iter().rev().take_while(|(_, l)| !is_section(l)).find(|(_, l)| sets_access(l));
    after.or_else(before).map(|(n, l)| (*n, text(l)))
}

/// The line of `content` naming the socket `sock` (outside comments), with its key.
pub(super) fn naming_line(content: &[u8], sock: &[u8]) -> Option<(u64, String)> {
    let n = line_of(content, &Needle { text: sock, bound: Bound::Name })?;
    let line = lines(content).nth(usize::try_from(n - 1).ok()?)?.1;
    Some((n, key(line)))
}

/// The line of `content` that sets the limit of `resource`: a `ulimit` with its option (`-n`
/// descriptors, `-v` address space, `-d` data, `-u` processes, `-f` file size; `-Sn`, `-Hv`
/// too), a key or word naming it (`LimitNOFILE=`, `worker_rlimit_nofile`, `LimitAS=`,
/// `RLIMIT_NPROC` in code), or a limits.conf item (`* hard nproc 48`); with `value`, only one
/// holding that number as such files write it (see [`written`]).
pub(super) fn limit_line(content: &[u8], resource: Resource, value: Option<u64>) -> Option<(u64, String)> {
    let (option, words, item) = match resource {
        Resource::Files => (b'n', &["nofile"][..], "nofile"),
        Resource::AddressSpace => (b'v', &["limitas", "rlimit_as"][..], "as"),
        Resource::Data => (b'd', &["limitdata", "rlimit_data"][..], "data"),
        Resource::Processes => (b'u', &["nproc"][..], "nproc"),
        Resource::FileSize => (b'f', &["fsize"][..], "fsize"),
    };
    let numbers = value.map(|v| written(resource, v));
    lines(content)
        .find(|(_, l)| {
            let lower = l.to_ascii_lowercase();
            // limits.conf: domain (`*` for everyone: no comment), type, item, value
            let fields: Vec<&[u8]> = lower.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()).collect();
            let conf = matches!(fields[..], [d, b"soft" | b"hard" | b"-", i, _] if i == item.as_bytes() && !d.starts_with(b"#"));
            let ulimit = bounded(&lower, b"ulimit").is_some_and(|r| {
                lower[r.end..].split(u8::is_ascii_whitespace).any(|w| w.starts_with(b"-") && w.contains(&option))
            });
            let named = words.iter().any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some());
            (conf || ((ulimit || named) && !is_comment(l)))
                && numbers.as_ref().is_none_or(|ns| ns.iter().any(|n| bounded(&lower, n.as_bytes()).is_some()))
        })
        .map(|(n, l)| (n, text(l)))
}

/// How a limit of `value` (bytes, or a count) may be written, lowercased: as is; in KiB, as
/// `ulimit -v`/`-d` and limits.conf take sizes; in the 512- or 1024-byte blocks of `ulimit -f`
/// (POSIX shells and bash); with systemd's `K`, `M`, `G` suffixes.
fn written(resource: Resource, value: u64) -> Vec<String> {
    let mut out = vec![value.to_string()];
    if resource.in_bytes() {
        for (unit, suffix) in [(1 << 10, "k"), (1 << 20, "m"), (1 << 30, "g")] {
            if value.is_multiple_of(unit) && value > 0 {
                out.push(format!("{}{suffix}", value / unit));
            }
        }
        let blocks: &[u64] = if resource == Resource::FileSize { &[512, 1024] } else { &[1024] };
        out.extend(blocks.iter().filter(|&&b| value.is_multiple_of(b) && value > 0).map(|b| (value / b).to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &[u8] =
        b"[www]\nuser = www-data\ngroup = www-data\n; listen.owner = www-data\nlisten = /run/php/fpm.sock\n\n\
listen.owner = root\nlisten.group = root\nlisten.mode = 0600\n[other]\nlisten.owner = nobody\n";

    #[test]
    fn who_may_connect_is_set_beside_the_listen_line() {
        assert_eq!(naming_line(POOL, b"/run/php/fpm.sock"), Some((5, "listen".to_string())));
        assert_eq!(
            socket_access(POOL, 5),
            Some((7, "listen.owner = root".into())),
            "not the pool's user, not a comment"
        );
        // a systemd socket unit: other words, the same idea
        let unit = b"[Socket]\nSocketMode=0600\nListenStream=/run/app.sock\nSocketUser=root\n";
        assert_eq!(socket_access(unit, 3), Some((4, "SocketUser=root".into())));
        let unit = b"[Socket]\nSocketMode=0600\nListenStream=/run/app.sock\n[Install]\nUser=x\n";
        assert_eq!(socket_access(unit, 3), Some((2, "SocketMode=0600".into())), "before it, in its section");
        // nothing sets it: the defaults apply
        assert_eq!(socket_access(b"[www]\nuser = www-data\nlisten = /run/php/fpm.sock\n", 3), None);
        assert!(is_listener("listen") && is_listener("listenstream") && is_listener("unixsocket"));
        assert!(!is_listener("fastcgi_pass") && !is_listener("proxy_pass"));
    }

    #[test]
    fn the_line_that_sets_the_descriptor_limit() {
        let files = |content: &[u8], value| limit_line(content, Resource::Files, value);
        let wrapper = b"#!/bin/sh\n# ulimit -n 4096 was here\nulimit -c 0\nulimit -n 32\nexec python3 server.py\n";
        assert_eq!(files(wrapper, Some(32)), Some((4, "ulimit -n 32".into())));
        assert_eq!(files(wrapper, Some(1024)), None, "another limit is not the one set");
        assert_eq!(files(wrapper, None), Some((4, "ulimit -n 32".into())));
        assert_eq!(files(b"ulimit -Sn 64\n", Some(64)), Some((1, "ulimit -Sn 64".into())));
        let nginx = b"user www-data;\nworker_rlimit_nofile 1024;\n";
        assert_eq!(files(nginx, Some(1024)), Some((2, "worker_rlimit_nofile 1024;".into())));
        assert_eq!(files(b"[Service]\nLimitNOFILE=32\n", Some(32)), Some((2, "LimitNOFILE=32".into())));
        assert_eq!(files(b"echo 32 files; ulimitless -n 32\n", Some(32)), None);
    }

    #[test]
    fn the_lines_that_set_other_limits_in_their_units() {
        // `ulimit -v` takes KiB: 64 MiB is 65536
        let wrapper = b"#!/bin/sh\nulimit -n 65536\nulimit -v 65536\nexec /srv/app/bin/job\n";
        assert_eq!(limit_line(wrapper, Resource::AddressSpace, Some(64 << 20)), Some((3, "ulimit -v 65536".into())));
        assert_eq!(limit_line(wrapper, Resource::Data, Some(64 << 20)), None, "another limit");
        assert_eq!(limit_line(b"ulimit -u 48\n", Resource::Processes, Some(48)), Some((1, "ulimit -u 48".into())));
        assert_eq!(limit_line(b"ulimit -u 48\n", Resource::Processes, Some(64)), None);
        let conf = b"#* hard nproc 48\n*  hard  nproc  48\nbatch soft as 1048576\n";
        assert_eq!(limit_line(conf, Resource::Processes, Some(48)), Some((2, "*  hard  nproc  48".into())));
        assert_eq!(limit_line(conf, Resource::AddressSpace, Some(1 << 30)), Some((3, "batch soft as 1048576".into())));
        let unit = b"[Service]\nLimitAS=64M\nLimitFSIZE=1G\n";
        assert_eq!(limit_line(unit, Resource::AddressSpace, Some(64 << 20)), Some((2, "LimitAS=64M".into())));
        // dash's `ulimit -f` counts 512-byte blocks
        assert_eq!(limit_line(unit, Resource::FileSize, Some(1 << 30)), Some((3, "LimitFSIZE=1G".into())));
        assert_eq!(
            limit_line(b"ulimit -f 2048\n", Resource::FileSize, Some(1 << 20)),
            Some((1, "ulimit -f 2048".into()))
        );
        assert_eq!(limit_line(b"run as 65536 users\n", Resource::AddressSpace, Some(64 << 20)), None, "prose");
    }
}

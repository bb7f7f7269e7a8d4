//! What failures cause, as the trace shows it: HTTP responses written to sockets, error text
//! written to stderr or a log, and how processes end.

use super::group::Target;
use super::process::FdTarget;
use crate::event::Syscall;

/// Where written bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// A socket: responses to clients.
    Socket,
    /// fd 2 or a file that looks like a log.
    ErrorLog,
}

/// Longest excerpt kept from written text.
pub const EXCERPT: usize = 160;
/// Most text decoded from one write.
const MAX_TEXT: usize = 8192;

pub fn classify_sink(fd: Option<i64>, decoration: Option<&[u8]>, tracked: Option<&FdTarget>) -> Option<Sink> {
    const SOCKETS: &[&[u8]] = &[b"TCP", b"UDP", b"UNIX", b"socket:", b"NETLINK"];
    if let Some(d) = decoration {
        if SOCKETS.iter().any(|s| d.starts_with(s)) {
            return Some(Sink::Socket);
        }
        if d.starts_with(b"/") {
            return (fd == Some(2) || is_log_path(d)).then_some(Sink::ErrorLog);
        }
    }
    match tracked {
        Some(FdTarget::Socket { .. }) => Some(Sink::Socket),
        Some(FdTarget::Path(p)) if is_log_path(p) => Some(Sink::ErrorLog),
        _ if fd == Some(2) => Some(Sink::ErrorLog),
        _ => None,
    }
}

/// A log file, but not an access log (it records every request, failed or not).
fn is_log_path(p: &[u8]) -> bool {
    let has = |s: &[u8]| crate::bytes::contains(p, s);
    let logish = p.ends_with(b".log") || has(b"/log/") || has(b"/logs/") || has(b"error_log") || has(b"error.log");
    logish && !has(b"access")
}

/// The bytes a write-like call carried (every quoted string in its arguments, in order:
/// writev's iovecs, sendmsg's msg_iov), bounded.
pub fn written_text(sc: &Syscall) -> Vec<u8> {
    let mut out = Vec::new();
    let a = &sc.args;
    let mut k = 0;
    while k < a.len() && out.len() < MAX_TEXT {
        match memchr::memchr(b'"', &a[k..]) {
            None => break,
            Some(off) => {
                let start = k + off;
                match crate::parse::quoted::decode(&a[start..]) {
                    Some(q) => {
                        out.extend_from_slice(&q.bytes);
                        k = a.len() - q.rest.len();
                    }
                    None => break,
                }
            }
        }
    }
    out.truncate(MAX_TEXT);
    out
}

/// `HTTP/1.1 500 Internal Server Error` (also cut by `-s 32`), or a FastCGI/CGI
/// `Status: 502` header near the start.
pub fn http_status(text: &[u8]) -> Option<u16> {
    let code = |t: &[u8]| -> Option<u16> {
        let d = t.get(..3)?;
        if !d.iter().all(u8::is_ascii_digit) || t.get(3).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(d).ok()?.parse().ok().filter(|c| (100..600).contains(c))
    };
    if text.starts_with(b"HTTP/") {
        let sp = memchr::memchr(b' ', &text[..text.len().min(16)])?;
        return code(&text[sp + 1..]);
    }
    let head = &text[..text.len().min(64)];
    let pos = memchr::memmem::find(head, b"Status: ")?;
    code(&text[pos + 8..])
}

/// The first non-empty line of `text` without a log line's `[date] [module] [pid]` prefix,
/// bounded (still raw: renderers escape).
pub fn excerpt(text: &[u8]) -> String {
    let mut line = text.split(|&c| c == b'\n').map(<[u8]>::trim_ascii).find(|l| !l.is_empty()).unwrap_or(b"");
    while line.starts_with(b"[") {
        match memchr::memchr(b']', line) {
            Some(end) => line = line[end + 1..].trim_ascii(),
            None => break,
        }
    }
    let s = String::from_utf8_lossy(line);
    if s.chars().count() <= EXCERPT {
        return s.into_owned();
    }
    let mut cut: String = s.chars().take(EXCERPT).collect();
    cut.push('…');
    cut
}

/// True when error text names the failure's file or address.
pub fn names(text: &[u8], target: &Target) -> bool {
    let has = |s: &[u8]| s.len() >= 3 && memchr::memmem::find(text, s).is_some();
    match target {
        Target::Path { path, .. } => {
            let base = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
            let stem = base.iter().position(|&c| c == b'.').map_or(base, |i| &base[..i]);
            // strace cuts buffers at `-s` (32 by default): a text ending in the start of the
            // path names it too
            let cut = (6..path.len()).rev().any(|n| path[0] == b'/' && text.ends_with(&path[..n]));
            // ... or in the middle, when the message was written in pieces that were cut
            let long_prefix = path.len() > 16 && path[0] == b'/' && has(&path[..16]);
            has(base) || (stem.len() >= 4 && has(stem)) || cut || long_prefix
        }
        Target::Address { addr, unix_path, .. } => has(addr.as_bytes()) || unix_path.as_deref().is_some_and(has),
        Target::Call { .. } => false,
    }
}

/// strerror text for errnos met outside a `-1 ERRNO (message)` return (SO_ERROR results).
pub fn errno_message(errno: &str) -> &'static str {
    match errno {
        "ECONNREFUSED" => "Connection refused",
        "ETIMEDOUT" => "Connection timed out",
        "EHOSTUNREACH" => "No route to host",
        "ENETUNREACH" => "Network is unreachable",
        "ECONNRESET" => "Connection reset by peer",
        "EACCES" => "Permission denied",
        "ENOENT" => "No such file or directory",
        _ => "",
    }
}

/// Signals that mean the process crashed (as opposed to being told to stop).
pub fn is_crash_signal(sig: &str) -> bool {
    matches!(sig, "SIGSEGV" | "SIGABRT" | "SIGBUS" | "SIGFPE" | "SIGILL" | "SIGSYS" | "SIGTRAP" | "SIGXCPU" | "SIGXFSZ")
}

/// Mostly printable text with some letters (not a binary record written to a log fd).
pub fn is_text(b: &[u8]) -> bool {
    let printable = b.iter().filter(|c| c.is_ascii_graphic() || **c == b' ' || **c >= 0x80).count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    letters >= 3 && printable * 10 >= b.len() * 8
}

/// Fatal messages outrank warnings when choosing which error text to quote.
pub fn severity(text: &str) -> u8 {
    let t = text.to_ascii_lowercase();
    if t.contains("fatal") || t.contains("panic") || t.contains("uncaught") {
        2
    } else if t.contains("error") || t.contains("cannot") || t.contains("failed") {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Return;
    use crate::parse::build_syscall;

    #[test]
    fn http_status_even_when_cut() {
        assert_eq!(http_status(b"HTTP/1.1 500 Internal Server Err"), Some(500));
        assert_eq!(http_status(b"HTTP/1.0 404 Not Found\r\n"), Some(404));
        assert_eq!(http_status(b"HTTP/1.1 50"), None);
        assert_eq!(http_status(b"\x01\x06\x00\x01\x00\x2a\x06\x00Status: 502 Bad Gateway\r\n"), Some(502));
        assert_eq!(http_status(b"hello"), None);
    }

    #[test]
    fn writev_iovecs_are_joined() {
        let sc = build_syscall(
            "writev".into(),
            br#"9<TCP:[1]>, [{iov_base="HTTP/1.1 500 Internal", iov_len=21}, {iov_base=" Server Error\r\n", iov_len=15}], 2"#[..].into(),
            Return::Value { value: 36, decoration: None },
            None,
        );
        assert_eq!(written_text(&sc), b"HTTP/1.1 500 Internal Server Error\r\n");
        assert_eq!(classify_sink(Some(9), Some(b"TCP:[1]"), None), Some(Sink::Socket));
    }

    #[test]
    fn error_text_names_a_path_by_basename_or_stem() {
        let t = Target::Path { path: b"/srv/app/confg_loader.py".to_vec(), absolute: true };
        assert!(names(b"ModuleNotFoundError: No module named 'confg_loader'", &t));
        assert!(!names(b"all good", &t));
        assert!(names(b"svcd: cannot read /srv/app/con", &t));
    }
}

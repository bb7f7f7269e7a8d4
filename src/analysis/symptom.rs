//! What failures cause, as the trace shows it: HTTP responses written to sockets, error text
//! written to stderr or a log, and how processes end.

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
    // every shape below holds `log`: most paths are ruled out by one search
    if !has(b"log") {
        return false;
    }
    let logish = p.ends_with(b".log") || has(b"/log/") || has(b"/logs/") || has(b"error_log") || has(b"error.log");
    logish && !has(b"access")
}

/// The bytes a write-like call carried (every quoted string in its arguments, in order:
/// writev's iovecs, sendmsg's msg_iov), bounded.
pub fn written_text(sc: &Syscall) -> Written {
    let mut out = Written::default();
    let a = &sc.args;
    let mut k = 0;
    while k < a.len() && out.bytes.len() < MAX_TEXT {
        let Some(start) = memchr::memchr(b'"', &a[k..]).map(|off| k + off) else { break };
        let Some(q) = crate::parse::quoted::decode(&a[start..]) else { break };
        out.bytes.extend_from_slice(&q.bytes);
        out.cut |= q.truncated;
        k = a.len() - q.rest.len();
    }
    out.bytes.truncate(MAX_TEXT);
    out
}

/// The bytes a write carried, as far as strace printed them.
#[derive(Debug, Default, PartialEq)]
pub struct Written {
    pub bytes: Vec<u8>,
    /// strace cut the buffer (`-s`): the rest of the message is not in the trace.
    pub cut: bool,
}

/// The path a client asked for in an HTTP request (`GET /Oncal.md?x=1 HTTP/1.1` -> `/Oncal.md`).
pub fn http_request(text: &[u8]) -> Option<Vec<u8>> {
    let method = text.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let rest = text.get(method..)?.strip_prefix(b" ").filter(|_| (3..=7).contains(&method))?;
    let target = &rest[..rest.iter().position(|&c| c == b' ')?];
    if !rest[target.len()..].starts_with(b" HTTP/") || !target.starts_with(b"/") {
        return None;
    }
    let path = &target[..target.iter().position(|&c| c == b'?' || c == b'#').unwrap_or(target.len())];
    Some(path.to_vec())
}

/// The STDOUT and STDERR streams of FastCGI records (a web server's PHP backend answering:
/// `\x01\x07` error text, then `\x01\x06` `Status: 500 ...`), as far as strace printed them;
/// `None` when `text` is not FastCGI.
pub fn fastcgi(text: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    const STDOUT: u8 = 6;
    const STDERR: u8 = 7;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut rest = text;
    while rest.len() >= 8 {
        let (version, kind) = (rest[0], rest[1]);
        if version != 1 || !(1..=11).contains(&kind) {
            break;
        }
        let len = usize::from(u16::from_be_bytes([rest[4], rest[5]]));
        let padding = usize::from(rest[6]);
        let content = &rest[8..rest.len().min(8 + len)];
        match kind {
            STDOUT => out.extend_from_slice(content),
            STDERR => err.extend_from_slice(content),
            _ => {}
        }
        rest = &rest[rest.len().min(8 + len + padding)..];
    }
    (rest.len() < text.len()).then_some((out, err))
}

/// Arguments kept of a command line, and bytes of each.
const ARGV: usize = 64;
const ARG: usize = 1024;

/// The arguments of an `execve(path, [arg0, arg1, ...], envp)`, bounded.
pub fn command_line(sc: &Syscall) -> Vec<Vec<u8>> {
    let args = crate::parse::split_args(&sc.args, 3);
    let Some(list) = args.get(1).and_then(|a| a.strip_prefix(b"[")) else { return Vec::new() };
    let mut out = Vec::new();
    let mut rest = list;
    while out.len() < ARGV {
        let Some(start) = memchr::memchr(b'"', rest) else { break };
        let Some(q) = crate::parse::quoted::decode(&rest[start..]) else { break };
        let mut arg = q.bytes.into_owned();
        arg.truncate(ARG);
        out.push(arg);
        rest = q.rest;
    }
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
    fn a_command_line_from_execve() {
        let sc = build_syscall(
            "execve".into(),
            br#""/usr/bin/python3", ["python3", "-m", "http.server", "--directory", "/srv/a b"], 0x7ffd /* 20 vars */"#
                [..]
                .into(),
            Return::Value { value: 0, decoration: None },
            None,
        );
        let argv: Vec<&[u8]> = vec![b"python3", b"-m", b"http.server", b"--directory", b"/srv/a b"];
        assert_eq!(command_line(&sc), argv);
    }

    #[test]
    fn the_path_a_client_asked_for() {
        assert_eq!(http_request(b"GET /Oncal.md?x=1 HTTP/1.1\r\nHost: a\r\n"), Some(b"/Oncal.md".to_vec()));
        assert_eq!(http_request(b"POST /api/orders HTTP/1.0\r\n"), Some(b"/api/orders".to_vec()));
        assert_eq!(http_request(b"HTTP/1.1 200 OK\r\n"), None);
        assert_eq!(http_request(b"get / HTTP/1.1"), None);
    }

    #[test]
    fn fastcgi_records_carry_a_status_and_error_text() {
        let w = b"\x01\x07\x00\x01\x00\x05\x01\x00oops\n\x00\x01\x06\x00\x01\x00\x10\x00\x00Status: 500 Inte";
        let (out, err) = fastcgi(w).unwrap();
        assert_eq!((out.as_slice(), err.as_slice()), (&b"Status: 500 Inte"[..], &b"oops\n"[..]));
        assert_eq!(http_status(&out), Some(500));
        assert_eq!(fastcgi(b"HTTP/1.1 200 OK\r\n"), None);
    }

    #[test]
    fn writev_iovecs_are_joined() {
        let sc = build_syscall(
            "writev".into(),
            br#"9<TCP:[1]>, [{iov_base="HTTP/1.1 500 Internal", iov_len=21}, {iov_base=" Server Error\r\n", iov_len=15}], 2"#[..].into(),
            Return::Value { value: 36, decoration: None },
            None,
        );
        assert_eq!(written_text(&sc).bytes, b"HTTP/1.1 500 Internal Server Error\r\n");
        assert_eq!(classify_sink(Some(9), Some(b"TCP:[1]"), None), Some(Sink::Socket));
    }
}

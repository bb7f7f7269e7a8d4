//! Decoding the arguments the analysis needs: path arguments by syscall, directory and file
//! descriptors with their `-y` decorations, and socket addresses.
//!
//! Which argument holds what comes from the syscall table ([`crate::syscalls`]). Everything
//! else stays raw text in `Syscall::args`.

use super::grammar::{angle_end, decorates, plain_angle_end};
use super::quoted;
use std::borrow::Cow;

use crate::event::{Bytes, FdArg, SockAddr, Syscall};

/// Decodes the path, dirfd, fd and address arguments of `sc` from its argument text `args`
/// (filled in place: the fields are large, and moving them cost more than decoding).
/// `commas`: the top-level commas of `args` when the scan that delimited them recorded them.
/// Also keeps the name's row of the syscall table in `sc.info`.
pub fn decode_into<'a>(sc: &mut Syscall<'a>, args: &'a [u8], commas: Option<&[usize]>) {
    sc.info = crate::syscalls::info(sc.name.as_bytes());
    let shape = sc.info.shape;
    if shape.is_empty() {
        return;
    }
    let max = shape.args_read();
    let args = match commas {
        Some(commas) => split_at(args, commas, max),
        None => split_args(args, max),
    };
    let arg = |i: u8| args.get(usize::from(i)).map(|a| strip_arg_name(a));
    if let Some((dirfd, idx)) = shape.path {
        if let Some(q) = arg(idx).and_then(quoted::decode) {
            sc.path = Some(q.bytes);
            sc.path_truncated = q.truncated;
        }
        sc.dirfd = dirfd.and_then(arg).and_then(parse_fd);
    }
    if let Some((_, idx)) = shape.path2 {
        sc.path2 = arg(idx).and_then(quoted::decode).map(|q| q.bytes);
    }
    if let Some(idx) = shape.fd {
        sc.fd = arg(idx).and_then(parse_fd);
    }
    if let Some(idx) = shape.sockaddr {
        sc.addr = arg(idx).and_then(parse_sockaddr);
        if let Some(SockAddr::Unix { path, .. }) = &sc.addr {
            sc.path = Some(Cow::Owned(path.to_vec()));
        }
    }
    // `newfstatat(3</x>, "", ..., AT_EMPTY_PATH)` and fd-only calls: the object is the fd.
    let empty = sc.path.as_deref().is_none_or(<[u8]>::is_empty);
    if empty && sc.addr.is_none() {
        let decorated = sc.fd.as_ref().or(sc.dirfd.as_ref()).and_then(|f| f.decoration.clone());
        if let Some(dec) = decorated.filter(|d| d.starts_with(b"/")) {
            sc.path = Some(dec);
        }
    }
}

/// Splits argument text at top-level commas (strings and brackets respected), up to `max`
/// arguments (the last one then runs to the end).
pub fn split_args(args: &[u8], max: usize) -> smallvec::SmallVec<[&[u8]; 6]> {
    let mut out = smallvec::SmallVec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut k = 0;
    while k < args.len() {
        match args[k] {
            b'"' => match quoted::closing_quote(&args[k..]) {
                Some(end) => k += end,
                None => break,
            },
            b'<' if decorates(args, k) => {
                if let Some(end) = angle_end(&args[k..]) {
                    k += end;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                if out.len() + 1 >= max {
                    out.push(args[start..].trim_ascii());
                    return out;
                }
                out.push(args[start..k].trim_ascii());
                start = k + 1;
            }
            _ => {}
        }
        k += 1;
    }
    let last = args[start.min(args.len())..].trim_ascii();
    if !last.is_empty() || !out.is_empty() {
        out.push(last);
    }
    out
}

/// [`split_args`] at commas already found (as many as `max` arguments need).
fn split_at<'a>(args: &'a [u8], commas: &[usize], max: usize) -> smallvec::SmallVec<[&'a [u8]; 6]> {
    let mut out = smallvec::SmallVec::new();
    let mut start = 0;
    for &c in commas {
        if out.len() + 1 >= max {
            break;
        }
        out.push(args[start..c].trim_ascii());
        start = c + 1;
    }
    let last = args[start..].trim_ascii();
    if !last.is_empty() || !out.is_empty() {
        out.push(last);
    }
    out
}

/// strace 6.16+ `-N` prints `pathname="..."`; drop the `name=` so the value remains.
fn strip_arg_name(a: &[u8]) -> &[u8] {
    let n = a.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    if n > 0 && a.get(n) == Some(&b'=') && a[0].is_ascii_alphabetic() {
        let v = &a[n + 1..];
        if v.starts_with(b"\"")
            || v.starts_with(b"@\"")
            || v.first().is_some_and(u8::is_ascii_digit)
            || v.starts_with(b"AT_")
            || v.starts_with(b"{")
        {
            return v;
        }
    }
    a
}

/// `AT_FDCWD`, `AT_FDCWD</dir>`, `-100 /* AT_FDCWD */` (`-X verbose`), `3`, `3</path>`,
/// `3<TCP:[...]>`, `1</dev/null<char 1:3>>`.
pub fn parse_fd(a: &[u8]) -> Option<FdArg<'_>> {
    let (num, rest) = if let Some(rest) = a.strip_prefix(b"AT_FDCWD") {
        (None, rest)
    } else {
        let neg = a.first() == Some(&b'-');
        let end = usize::from(neg) + a[usize::from(neg)..].iter().take_while(|c| c.is_ascii_digit()).count();
        let v = super::grammar::decimal_int(&a[..end])?;
        (if v == -100 { None } else { Some(v) }, &a[end..])
    };
    let decoration = match plain_angle_end(rest) {
        Some(end) => Some(Cow::Borrowed(&rest[1..end])),
        None if rest.first() == Some(&b'<') => angle_end(rest).map(|end| decode_decoration(&rest[1..end])),
        None => None,
    };
    Some(FdArg { num, decoration })
}

/// A `-y` decoration's text: escapes decoded, a trailing device `<char 1:3>` dropped.
pub fn decode_decoration(d: &[u8]) -> Bytes<'_> {
    let inner = match d.iter().position(|&c| c == b'<') {
        Some(i) if d.last() == Some(&b'>') => &d[..i],
        _ => d,
    };
    if !inner.contains(&b'\\') {
        return Cow::Borrowed(inner);
    }
    let mut quoted = Vec::with_capacity(inner.len() + 2);
    quoted.push(b'"');
    for (k, &c) in inner.iter().enumerate() {
        // a lone `"` is literal in a decoration but would end the string here
        if c == b'"' && (k == 0 || inner[k - 1] != b'\\') {
            quoted.push(b'\\');
        }
        quoted.push(c);
    }
    quoted.push(b'"');
    Cow::Owned(quoted::decode(&quoted).map_or_else(|| inner.to_vec(), |q| q.bytes.into_owned()))
}

/// `{sa_family=AF_UNIX, sun_path="/run/x.sock"}`, `sun_path=@"abstract"`,
/// `{sa_family=AF_INET, sin_port=htons(3306), sin_addr=inet_addr("127.0.0.1")}`,
/// `{sa_family=AF_INET6, sin6_port=htons(80), ..., inet_pton(AF_INET6, "::1", &sin6_addr), ...}`.
/// For sendmsg/recvmsg the address is inside `msg_name=`.
pub fn parse_sockaddr(a: &[u8]) -> Option<SockAddr> {
    if let Some(pos) = memchr::memmem::find(a, b"sun_path=") {
        let v = &a[pos + 9..];
        let (abstract_ns, v) = match v.strip_prefix(b"@") {
            Some(rest) => (true, rest),
            None => (false, v),
        };
        let q = quoted::decode(v)?;
        return Some(SockAddr::Unix { path: q.bytes.into_owned().into(), abstract_ns });
    }
    let port = |key: &[u8]| -> Option<u16> {
        let pos = memchr::memmem::find(a, key)? + key.len();
        let digits: Vec<u8> = a[pos..].iter().take_while(|c| c.is_ascii_digit()).copied().collect();
        std::str::from_utf8(&digits).ok()?.parse().ok()
    };
    if memchr::memmem::find(a, b"AF_INET6").is_some() {
        let pos = memchr::memmem::find(a, b"inet_pton(AF_INET6, ")? + 20;
        let ip = quoted::decode(&a[pos..])?.bytes;
        return Some(SockAddr::Inet6 { ip: String::from_utf8_lossy(&ip).into(), port: port(b"sin6_port=htons(")? });
    }
    if memchr::memmem::find(a, b"AF_INET").is_some() {
        let pos = memchr::memmem::find(a, b"inet_addr(")? + 10;
        let ip = quoted::decode(&a[pos..])?.bytes;
        return Some(SockAddr::Inet { ip: String::from_utf8_lossy(&ip).into(), port: port(b"sin_port=htons(")? });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc<'a>(name: &'a str, args: &'a [u8]) -> crate::event::Syscall<'a> {
        *crate::parse::build_syscall(name.into(), args.into(), crate::event::Return::Unfinished, None)
    }

    #[test]
    fn split_respects_strings_and_brackets() {
        let a = split_args(br#"AT_FDCWD</a,b>, "x,\"y", {st_mode=S_IFREG, st_size=1}, [1, 2]"#, 9);
        assert_eq!(a.len(), 4);
        assert_eq!(a[1], br#""x,\"y""#);
        assert!(split_args(b"", 9).is_empty());
        assert_eq!(split_args(b"a, b, c", 2).as_slice(), [&b"a"[..], &b"b, c"[..]]);
    }

    #[test]
    fn openat_path_and_dirfd() {
        let s = sc("openat", br#"AT_FDCWD</srv/app>, "etc/app.yaml", O_RDONLY"#);
        assert_eq!(s.path.as_deref(), Some(&b"etc/app.yaml"[..]));
        let d = s.dirfd.unwrap();
        assert!(d.is_cwd());
        assert_eq!(d.decoration.as_deref(), Some(&b"/srv/app"[..]));
        let s = sc("openat", br#"3</srv/app>, "x", O_RDONLY"#);
        assert_eq!(s.dirfd.unwrap().num, Some(3));
    }

    #[test]
    fn verbose_and_arg_names() {
        let s = sc("openat", br#"-100 /* AT_FDCWD */, "/x", 0 /* O_RDONLY */"#);
        assert!(s.dirfd.unwrap().is_cwd());
        assert_eq!(s.path.as_deref(), Some(&b"/x"[..]));
        let s = sc("openat", br#"dirfd=AT_FDCWD, pathname="/y", flags=O_RDONLY"#);
        assert_eq!(s.path.as_deref(), Some(&b"/y"[..]));
    }

    #[test]
    fn both_paths_of_rename_and_symlinkat() {
        let s = sc("renameat2", br#"AT_FDCWD, "/a", AT_FDCWD, "/b", RENAME_NOREPLACE"#);
        assert_eq!((s.path.as_deref(), s.path2.as_deref()), (Some(&b"/a"[..]), Some(&b"/b"[..])));
        let s = sc("symlinkat", br#""target", AT_FDCWD, "/link""#);
        assert_eq!((s.path.as_deref(), s.path2.as_deref()), (Some(&b"target"[..]), Some(&b"/link"[..])));
    }

    #[test]
    fn fd_decorations() {
        let s = sc("fstat", br#"1</dev/null<char 1:3>>, {st_mode=S_IFCHR|0666, ...}"#);
        assert_eq!(s.path.as_deref(), Some(&b"/dev/null"[..]));
        let s = sc("read", br#"3</srv/a\40b>, "x", 4096"#);
        assert_eq!(s.path.as_deref(), Some(&b"/srv/a b"[..]));
        let s = sc("newfstatat", br#"3</etc/x>, "", {st_mode=S_IFREG}, AT_EMPTY_PATH"#);
        assert_eq!(s.path.as_deref(), Some(&b"/etc/x"[..]));
        let s = sc("write", br#"5<TCP:[10.0.0.2:51544->10.0.0.9:5432]>, "Q", 1"#);
        assert_eq!(s.path, None);
        assert_eq!(s.fd.unwrap().num, Some(5));
    }

    #[test]
    fn socket_addresses() {
        let s = sc("connect", br#"3, {sa_family=AF_UNIX, sun_path="/run/php/x.sock"}, 110"#);
        assert_eq!(s.path.as_deref(), Some(&b"/run/php/x.sock"[..]));
        let s = sc(
            "connect",
            br#"4<TCP:[1]>, {sa_family=AF_INET, sin_port=htons(3306), sin_addr=inet_addr("127.0.0.1")}, 16"#,
        );
        assert_eq!(s.addr.unwrap().to_string(), "127.0.0.1:3306");
        let s = sc("connect", br#"4, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28"#);
        assert_eq!(s.addr.unwrap().to_string(), "[::1]:9");
        let s = sc("connect", br#"3, {sa_family=AF_UNIX, sun_path=@"ctl"}, 6"#);
        assert_eq!(s.addr.unwrap().to_string(), "@ctl");
    }
}

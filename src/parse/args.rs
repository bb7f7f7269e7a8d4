//! Decoding the arguments the analysis needs: path arguments by syscall, directory and file
//! descriptors with their `-y` decorations, and socket addresses.
//!
//! Which argument holds a path is a fixed table per syscall (DESIGN.md §3). Everything else
//! stays raw text in `Syscall::args`.

use super::grammar::{angle_end, decorates, plain_angle_end};
use super::quoted;
use std::borrow::Cow;

use crate::event::{Bytes, FdArg, SockAddr, Syscall};

/// Where a syscall's paths and descriptors are.
#[derive(Clone, Copy, Default)]
struct Shape {
    /// (dirfd argument, path argument) for the first and second path.
    path: Option<(Option<usize>, usize)>,
    path2: Option<(Option<usize>, usize)>,
    /// Index of a descriptor argument (0 for most fd calls).
    fd: Option<usize>,
    sockaddr: Option<usize>,
}

impl Shape {
    /// How many leading arguments hold what the shape names.
    fn args_read(&self) -> usize {
        let pair = |x: Option<(Option<usize>, usize)>| x.map_or(0, |(f, p)| f.unwrap_or(0).max(p) + 1);
        let one = |x: Option<usize>| x.map_or(0, |i| i + 1);
        pair(self.path).max(pair(self.path2)).max(one(self.fd)).max(one(self.sockaddr))
    }
}

const fn p(i: usize) -> Option<(Option<usize>, usize)> {
    Some((None, i))
}
const fn at(d: usize, i: usize) -> Option<(Option<usize>, usize)> {
    Some((Some(d), i))
}

fn shape(name: &[u8]) -> Shape {
    let none = Shape::default();
    let path = |x| Shape { path: x, ..none };
    match name {
        b"open" | b"creat" | b"stat" | b"lstat" | b"stat64" | b"lstat64" | b"oldstat" | b"oldlstat" | b"access"
        | b"readlink" | b"execve" | b"chdir" | b"mkdir" | b"rmdir" | b"unlink" | b"truncate" | b"truncate64"
        | b"statfs" | b"statfs64" | b"chmod" | b"chown" | b"chown32" | b"lchown" | b"lchown32" | b"utime"
        | b"utimes" | b"mknod" | b"chroot" | b"acct" | b"swapon" | b"swapoff" | b"uselib" | b"setxattr"
        | b"lsetxattr" | b"getxattr" | b"lgetxattr" | b"listxattr" | b"llistxattr" | b"removexattr"
        | b"lremovexattr" | b"umount" | b"umount2" | b"pivot_root" => path(p(0)),
        b"openat" | b"openat2" | b"newfstatat" | b"fstatat64" | b"statx" | b"faccessat" | b"faccessat2"
        | b"readlinkat" | b"execveat" | b"mkdirat" | b"unlinkat" | b"fchmodat" | b"fchmodat2" | b"fchownat"
        | b"futimesat" | b"utimensat" | b"utimensat_time64" | b"mknodat" | b"name_to_handle_at" | b"open_tree"
        | b"mount_setattr" | b"fspick" => path(at(0, 1)),
        b"inotify_add_watch" => Shape { path: p(1), fd: Some(0), ..none },
        b"fanotify_mark" => Shape { path: at(3, 4), fd: Some(0), ..none },
        b"rename" | b"link" | b"symlink" => Shape { path: p(0), path2: p(1), ..none },
        b"renameat" | b"renameat2" | b"linkat" => Shape { path: at(0, 1), path2: at(2, 3), ..none },
        b"symlinkat" => Shape { path: p(0), path2: at(1, 2), ..none },
        b"mount" => Shape { path: p(1), path2: p(0), ..none },
        b"move_mount" => Shape { path: at(0, 1), path2: at(2, 3), ..none },
        b"connect" | b"bind" => Shape { fd: Some(0), sockaddr: Some(1), ..none },
        b"sendto" | b"recvfrom" => Shape { fd: Some(0), sockaddr: Some(4), ..none },
        b"sendmsg" | b"recvmsg" => Shape { fd: Some(0), sockaddr: Some(1), ..none },
        b"read" | b"write" | b"pread64" | b"pwrite64" | b"readv" | b"writev" | b"preadv" | b"pwritev" | b"preadv2"
        | b"pwritev2" | b"close" | b"fstat" | b"fstat64" | b"fstatfs" | b"fstatfs64" | b"fchdir" | b"fchmod"
        | b"fchown" | b"fchown32" | b"ftruncate" | b"ftruncate64" | b"fsync" | b"fdatasync" | b"getdents"
        | b"getdents64" | b"lseek" | b"_llseek" | b"ioctl" | b"fcntl" | b"fcntl64" | b"flock" | b"dup" | b"dup2"
        | b"dup3" | b"accept" | b"accept4" | b"listen" | b"getsockopt" | b"setsockopt" | b"getsockname"
        | b"getpeername" | b"shutdown" | b"sendfile" | b"sendfile64" | b"fadvise64" | b"fallocate" | b"fgetxattr"
        | b"fsetxattr" | b"flistxattr" | b"fremovexattr" | b"sync_file_range" | b"readahead" | b"fexecve"
        | b"splice" | b"tee" | b"vmsplice" | b"copy_file_range" | b"close_range" | b"inotify_rm_watch" | b"syncfs"
        | b"recvmmsg" | b"sendmmsg" | b"epoll_wait" | b"epoll_pwait" => Shape { fd: Some(0), ..none },
        _ => none,
    }
}

/// Whether a successful call `name(args...` matters to the analysis: it names a path or an
/// address, changes descriptors, cwd or processes, or writes (symptoms). Other successful
/// calls are only counted (the fast path).
pub fn examined(name: &[u8], call: &[u8]) -> bool {
    let s = shape(name);
    match name {
        // only duplication changes the descriptor table
        b"fcntl" | b"fcntl64" => crate::bytes::contains(call, b"F_DUPFD"),
        b"write" | b"writev" | b"pwrite64" | b"pwritev" | b"pwritev2" | b"send" | b"sendmmsg" | b"close"
        | b"fchdir" | b"getcwd" | b"dup" | b"dup2" | b"dup3" | b"socket" | b"accept" | b"accept4" | b"getsockopt"
        | b"clone" | b"clone3" | b"fork" | b"vfork" | b"exit" | b"exit_group" => true,
        _ => s.path.is_some() || s.sockaddr.is_some(),
    }
}

/// Decodes the path, dirfd, fd and address arguments of `sc` from its argument text `args`
/// (filled in place: the fields are large, and moving them cost more than decoding).
/// `commas`: the top-level commas of `args` when the scan that delimited them recorded them.
pub fn decode_into<'a>(sc: &mut Syscall<'a>, args: &'a [u8], commas: Option<&[usize]>) {
    let shape = shape(sc.name.as_bytes());
    if shape.path.is_none() && shape.fd.is_none() && shape.sockaddr.is_none() {
        return;
    }
    let max = shape.args_read();
    let args = match commas {
        Some(commas) => split_at(args, commas, max),
        None => split_args(args, max),
    };
    let arg = |i: usize| args.get(i).map(|a| strip_arg_name(a));
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

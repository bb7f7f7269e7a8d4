//! What a path is, lexically: its directory and name, its normal form, and which kind of tree
//! it lies in (where the system keeps its files, where applications keep theirs).

/// The longest path the kernel takes (`PATH_MAX`, with its NUL): a longer one is refused with
/// ENAMETOOLONG, so no directory is looked up on disk by a longer name.
pub const PATH_MAX: usize = 4096;

/// `/a/b/c` -> (`/a/b`, `c`); `/c` -> (`/`, `c`).
pub fn split(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = path.iter().rposition(|&c| c == b'/')?;
    let dir = if i == 0 { &path[..1] } else { &path[..i] };
    if path.len() <= 1 {
        return None;
    }
    Some((dir, &path[i + 1..]))
}

pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// An absolute path [`normalize`] would leave as it is.
pub fn is_normal(path: &[u8]) -> bool {
    if path == b"/" {
        return true;
    }
    if !path.starts_with(b"/") || path.ends_with(b"/") {
        return false;
    }
    // what follows each `/` must not make an empty, `.` or `..` component
    let ends = |k: usize| path.get(k).is_none_or(|&c| c == b'/');
    !path.iter().enumerate().any(|(k, &c)| {
        c == b'/' && (ends(k + 1) || (path[k + 1] == b'.' && (ends(k + 2) || (path[k + 2] == b'.' && ends(k + 3)))))
    })
}

/// Lexical clean-up: `//` and `/./` collapse, `..` removes the previous component.
pub fn normalize(path: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for comp in path.split(|&c| c == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::with_capacity(path.len());
    for c in parts {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Application trees: where deployed code and its config live (as opposed to system probe
/// trees the loader and runtimes search).
pub fn is_app_tree(path: &[u8]) -> bool {
    const APP: &[&[u8]] = &[
        b"/var/www/",
        b"/srv/",
        b"/opt/",
        b"/home/",
        b"/app/",
        b"/var/lib/",
        b"/var/log/",
        b"/usr/local/",
        b"/run/",
        b"/var/run/",
    ];
    if APP.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    // /etc/APP/...: a service's own config directory (not the shared files directly in /etc)
    path.starts_with(b"/etc/") && path[5..].contains(&b'/') && !is_system_tree(path)
}

/// Trees that the loader, libc and language runtimes search as a matter of course.
pub fn is_system_tree(path: &[u8]) -> bool {
    const SYS: &[&[u8]] = &[
        b"/usr/lib",
        b"/usr/share/",
        b"/lib",
        b"/usr/lib64",
        b"/proc/",
        b"/sys/",
        b"/dev/",
        b"/etc/ld.so",
        b"/etc/alternatives/",
        b"/usr/include/",
        b"/usr/bin/",
        b"/usr/sbin/",
        b"/bin/",
        b"/sbin/",
        b"/usr/libexec/",
    ];
    SYS.iter().any(|p| path.starts_with(p)) && !path.starts_with(b"/usr/local/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        for p in [&b"/"[..], b"/a", b"/a/b.c/d", b"/a/.b/..c"] {
            assert!(is_normal(p) && normalize(p) == p, "{}", String::from_utf8_lossy(p));
        }
        for p in [&b"/a/"[..], b"//a", b"/a/./b", b"/a/..", b"/.", b"a/b"] {
            assert!(!is_normal(p), "{}", String::from_utf8_lossy(p));
        }
        assert_eq!(normalize(b"/a//b/./c/../d"), b"/a/b/d");
        assert_eq!(normalize(b"/../x"), b"/x");
    }

    #[test]
    fn splits_and_joins() {
        assert_eq!(split(b"/a/b/c"), Some((&b"/a/b"[..], &b"c"[..])));
        assert_eq!(split(b"/c"), Some((&b"/"[..], &b"c"[..])));
        assert_eq!(split(b"/"), None);
        assert_eq!(join(b"/", b"x"), b"/x");
        assert_eq!(join(b"/a", b"x"), b"/a/x");
    }

    #[test]
    fn trees() {
        assert!(is_app_tree(b"/etc/nginx/sites-enabled/default") && !is_system_tree(b"/etc/nginx/x"));
        assert!(!is_app_tree(b"/etc/passwd"));
        assert!(is_system_tree(b"/usr/lib/x") && !is_system_tree(b"/usr/local/lib/x"));
    }
}

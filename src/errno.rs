//! Errno classes: what kind of trouble an error number means (a table the analysis and the
//! heuristics both read).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrnoClass {
    Permission,
    Missing,
    Network,
    Resource,
    /// Errors programs provoke on purpose to learn what is supported (ENOTTY from isatty, ...).
    Probe,
    /// Interrupted or would-block: counted, but not failures.
    Transient,
    Other,
}

pub fn classify(errno: &str) -> ErrnoClass {
    use ErrnoClass::*;
    match errno {
        "EACCES" | "EPERM" | "EROFS" => Permission,
        "ENOENT" | "ENOTDIR" | "ENODEV" | "ENXIO" | "ELOOP" | "ENAMETOOLONG" => Missing,
        "ECONNREFUSED" | "ECONNRESET" | "ETIMEDOUT" | "EHOSTUNREACH" | "ENETUNREACH" | "EADDRINUSE"
        | "EADDRNOTAVAIL" | "ECONNABORTED" | "EPIPE" | "ENOTCONN" | "EHOSTDOWN" | "ENETDOWN" => Network,
        // a name server's answer (`analysis::dns`): the host cannot be reached by its name
        "NXDOMAIN" | "SERVFAIL" => Network,
        "ENOSPC" | "EMFILE" | "ENFILE" | "ENOMEM" | "EDQUOT" | "EFBIG" | "E2BIG" | "EBUSY" | "ETXTBSY"
        | "EOVERFLOW" | "EMLINK" => Resource,
        "ENOTTY" | "EINVAL" | "ENOSYS" | "EOPNOTSUPP" | "ENOTSUP" | "ENODATA" | "ERANGE" | "EAFNOSUPPORT"
        | "EPROTONOSUPPORT" | "ENOPROTOOPT" | "ESPIPE" | "ENOTSOCK" | "ECHILD" | "EEXIST" | "ESRCH" | "ENOTEMPTY"
        | "EBADF" | "EISDIR" | "EXDEV" | "EIDRM" | "ENOMSG" | "ENOKEY" => Probe,
        "EINTR"
        | "EAGAIN"
        | "EWOULDBLOCK"
        | "EINPROGRESS"
        | "EALREADY"
        | "ERESTARTSYS"
        | "ERESTARTNOINTR"
        | "ERESTARTNOHAND"
        | "ERESTART_RESTARTBLOCK" => Transient,
        _ => Other,
    }
}

/// Errnos a healthy program never provokes on purpose: the disk is full or read-only, the
/// hardware failed, a limit was hit. A group holding one is never routine probing.
pub fn is_unprovoked(errno: &str) -> bool {
    matches!(
        errno,
        "ENOSPC"
            | "EDQUOT"
            | "EROFS"
            | "EIO"
            | "EMFILE"
            | "ENFILE"
            | "ETXTBSY"
            | "EFBIG"
            | "ENOBUFS"
            | "ESTALE"
            | "EUCLEAN"
    )
}

/// Errnos programs provoke on purpose ([`ErrnoClass::Probe`]) but only where they have a
/// recovery ready: `rename` across file systems (EXDEV: copy instead), an exclusive create
/// (EEXIST: another name, or the existing file), a directory where a file was expected
/// (EISDIR), removing a directory that is not empty (ENOTEMPTY), signalling a process that
/// is gone (ESRCH: a stale pid file, started anew). When the process does not
/// take that recovery but fails right after, the errno is the cause.
pub fn may_be_the_cause(errno: &str) -> bool {
    matches!(errno, "EXDEV" | "EEXIST" | "EISDIR" | "ENOTEMPTY" | "ESRCH")
}

/// How much an errno says about what went wrong, when one path fails in several ways: the
/// failed create (EACCES) over the existence check before it (ENOENT), a full disk over both.
pub fn decisiveness(errno: &str) -> u8 {
    if is_unprovoked(errno) {
        return 4;
    }
    match classify(errno) {
        ErrnoClass::Permission => 3,
        ErrnoClass::Network | ErrnoClass::Resource | ErrnoClass::Other => 2,
        ErrnoClass::Missing => 1,
        ErrnoClass::Probe | ErrnoClass::Transient => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failed_create_outweighs_the_existence_check() {
        assert!(decisiveness("EACCES") > decisiveness("ENOENT"));
        assert!(decisiveness("ENOSPC") > decisiveness("EACCES"));
        assert!(decisiveness("ENOENT") > decisiveness("EEXIST"));
        assert!(is_unprovoked("ENOSPC") && !is_unprovoked("ENOMEM") && !is_unprovoked("ENOENT"));
    }
}

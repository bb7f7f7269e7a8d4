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

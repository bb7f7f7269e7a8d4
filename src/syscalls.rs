//! The one table of what each system call means to straceback: where its path, descriptor and
//! socket-address arguments are, and what a call does (looks a path up, creates it, changes an
//! entry of its directory, opens or closes a descriptor, writes data, forks, ...).
//!
//! The parser decodes arguments by it, its fast path skips the successful calls nothing here
//! gives a meaning to, the process table tracks descriptors and cwd by it, the analysis reads
//! existence, creation and output from it, and a permission explanation the access a failing
//! call needed. A call missing from the table is only counted.

/// Where a call's arguments are: `(dirfd argument, path argument)` for each path, the index of
/// a descriptor argument, the index of a socket address. (Indexes are bytes: a row is copied
/// out of the table on every lookup, and a small one costs less to copy.)
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    pub path: Option<(Option<u8>, u8)>,
    /// The second path of rename/link/symlink/mount.
    pub path2: Option<(Option<u8>, u8)>,
    pub fd: Option<u8>,
    pub sockaddr: Option<u8>,
}

impl Shape {
    /// How many leading arguments hold what the shape names.
    pub fn args_read(&self) -> usize {
        let pair = |x: Option<(Option<u8>, u8)>| x.map_or(0, |(f, p)| usize::from(f.unwrap_or(0).max(p)) + 1);
        let one = |x: Option<u8>| x.map_or(0, |i| usize::from(i) + 1);
        pair(self.path).max(pair(self.path2)).max(one(self.fd)).max(one(self.sockaddr))
    }

    pub fn is_empty(&self) -> bool {
        self.path.is_none() && self.fd.is_none() && self.sockaddr.is_none()
    }
}

/// What a successful call does, as a set of [`Does`] bits.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Does(u64);

impl Does {
    pub const NOTHING: Does = Does(0);
    /// Success shows the path exists (open, stat, access, exec, readlink, chdir, ...).
    pub const LOOKUP: Does = Does(1);
    /// Only asks whether the path exists or is accessible (an optional file).
    pub const CHECK: Does = Does(1 << 1);
    /// Creates its path (mkdir, mknod, bind of a unix socket, creat).
    pub const CREATE: Does = Does(1 << 2);
    /// Creates its path when the flags hold `O_CREAT` (the open family).
    pub const CREATE_IF_O_CREAT: Does = Does(1 << 3);
    /// Returns a descriptor for its path.
    pub const OPEN_FD: Does = Does(1 << 4);
    /// Returns a socket descriptor (`socket`, `accept`).
    pub const OPEN_SOCKET: Does = Does(1 << 5);
    /// Returns a new connection: a new request begins.
    pub const ACCEPT: Does = Does(1 << 6);
    pub const CLOSE: Does = Does(1 << 7);
    /// Duplicates its descriptor argument into the returned one.
    pub const DUP: Does = Does(1 << 8);
    /// Duplicates only with `F_DUPFD` (fcntl).
    pub const DUP_IF_F_DUPFD: Does = Does(1 << 9);
    /// Writes data to its descriptor (output, responses, logs).
    pub const WRITE: Does = Does(1 << 10);
    /// Reads data from its descriptor.
    pub const READ: Does = Does(1 << 11);
    /// Starts a process or thread; returns its id.
    pub const FORK: Does = Does(1 << 12);
    /// Replaces the program (a thread's exec resumes under the leader's pid).
    pub const EXEC: Does = Does(1 << 13);
    /// Changes the working directory to its path or descriptor.
    pub const CHDIR: Does = Does(1 << 14);
    /// Reports the working directory (`getcwd`).
    pub const GETCWD: Does = Does(1 << 15);
    /// Connects a socket to its address (non-blocking: EINPROGRESS, then SO_ERROR).
    pub const CONNECT: Does = Does(1 << 16);
    pub const BIND: Does = Does(1 << 17);
    /// `getsockopt(SO_ERROR)`: the outcome of a non-blocking connect.
    pub const SOCKET_ERROR: Does = Does(1 << 18);
    /// Waits for a child process.
    pub const WAIT_CHILD: Does = Does(1 << 19);
    /// Takes or waits for a file lock.
    pub const LOCK: Does = Does(1 << 20);
    /// Waits for descriptors to become ready (poll, select, epoll).
    pub const POLL: Does = Does(1 << 21);
    /// Sleeps for a time.
    pub const SLEEP: Does = Does(1 << 22);
    /// Sets the user or group ids the process acts with (`setuid`, `setresgid`, `setgroups`, ...).
    pub const CREDENTIALS: Does = Does(1 << 23);
    /// Returns a descriptor of no path (eventfd, epoll, timerfd, memfd, ...), or puts two in
    /// its array argument (`pipe2([3, 4], 0)`, `socketpair(..., [3, 4])`).
    pub const OPEN_ANON: Does = Does(1 << 24);
    /// Waits on a futex word (a lock or condition shared by threads).
    pub const FUTEX: Does = Does(1 << 25);
    /// Waits for its descriptor's data to reach the disk (`fsync`, `fdatasync`, ...).
    pub const SYNC: Does = Does(1 << 26);
    /// Registers a descriptor with an epoll set (`epoll_ctl`).
    pub const EPOLL_CTL: Does = Does(1 << 27);
    /// Makes its socket a listening one (`listen`): what is accepted on it is a client.
    pub const LISTEN: Does = Does(1 << 28);
    /// Waits for a record lock when its arguments hold `F_SETLKW` (fcntl).
    pub const LOCK_IF_SETLKW: Does = Does(1 << 29);
    /// Sets or reads a resource limit (`prlimit64`, `setrlimit`, `getrlimit`): the descriptor
    /// limit (`RLIMIT_NOFILE`) is kept.
    pub const LIMITS: Does = Does(1 << 30);
    /// Adds, removes or renames an entry of its path's directory: needs write on that directory
    /// (unlink, rmdir, rename, link, symlink, and the calls that create their path).
    pub const ENTRY: Does = Does(1 << 31);
    /// Writes its path's content without opening it (truncate): needs write on it.
    pub const TRUNCATE: Does = Does(1 << 32);
    /// Changes its path's mode, owner or times: only its owner (or root) may.
    pub const OWNER_ONLY: Does = Does(1 << 33);
    /// `restart_syscall`: a call interrupted by a stop (strace attaching, a signal) goes on
    /// waiting.
    pub const RESUME: Does = Does(1 << 34);
    /// Blocks on what the call itself names: a System V semaphore set or message queue, a
    /// POSIX message queue, a signal, asynchronous I/O.
    pub const BLOCKS: Does = Does(1 << 35);
    /// Sends a signal to a process or thread (`kill`, `tkill`, `tgkill`): who stopped whom.
    pub const SIGNALS: Does = Does(1 << 36);

    pub const fn and(self, o: Does) -> Does {
        Does(self.0 | o.0)
    }

    pub fn has(self, o: Does) -> bool {
        self.0 & o.0 != 0
    }
}

/// One row of the table.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Info {
    pub shape: Shape,
    pub does: Does,
}

const fn p(i: u8) -> Option<(Option<u8>, u8)> {
    Some((None, i))
}
const fn at(d: u8, i: u8) -> Option<(Option<u8>, u8)> {
    Some((Some(d), i))
}
const NONE: Shape = Shape { path: None, path2: None, fd: None, sockaddr: None };
const PATH: Shape = Shape { path: p(0), ..NONE };
const AT_PATH: Shape = Shape { path: at(0, 1), ..NONE };
const FD: Shape = Shape { fd: Some(0), ..NONE };
const FD_ADDR: Shape = Shape { fd: Some(0), sockaddr: Some(1), ..NONE };
const FD_ADDR4: Shape = Shape { fd: Some(0), sockaddr: Some(4), ..NONE };
const TWO_PATHS: Shape = Shape { path: p(0), path2: p(1), ..NONE };
const TWO_AT_PATHS: Shape = Shape { path: at(0, 1), path2: at(2, 3), ..NONE };

const fn row(shape: Shape, does: Does) -> Info {
    Info { shape, does }
}

/// The table: a syscall's name -> its [`Info`].
pub(crate) fn info(name: &[u8]) -> Info {
    use Does as D;
    match name {
        b"open" => row(PATH, D::LOOKUP.and(D::OPEN_FD).and(D::CREATE_IF_O_CREAT)),
        b"openat" | b"openat2" => row(AT_PATH, D::LOOKUP.and(D::OPEN_FD).and(D::CREATE_IF_O_CREAT)),
        b"creat" => row(PATH, D::CREATE.and(D::OPEN_FD)),
        b"stat" | b"lstat" | b"stat64" | b"lstat64" | b"readlink" | b"statfs" | b"getxattr" | b"lgetxattr" => {
            row(PATH, D::LOOKUP)
        }
        b"newfstatat" | b"fstatat64" | b"statx" | b"readlinkat" => row(AT_PATH, D::LOOKUP),
        b"access" => row(PATH, D::LOOKUP.and(D::CHECK)),
        b"faccessat" | b"faccessat2" => row(AT_PATH, D::LOOKUP.and(D::CHECK)),
        b"execve" => row(PATH, D::LOOKUP.and(D::EXEC)),
        b"execveat" => row(AT_PATH, D::LOOKUP.and(D::EXEC)),
        b"fexecve" => row(FD, D::EXEC),
        b"chdir" => row(PATH, D::LOOKUP.and(D::CHDIR)),
        b"fchdir" => row(FD, D::CHDIR),
        b"getcwd" => row(NONE, D::GETCWD),
        b"mkdir" | b"mknod" => row(PATH, D::CREATE.and(D::ENTRY)),
        b"mkdirat" | b"mknodat" => row(AT_PATH, D::CREATE.and(D::ENTRY)),
        b"inotify_add_watch" => row(Shape { path: p(1), fd: Some(0), ..NONE }, D::LOOKUP),
        // a path and nothing the analysis needs beyond it
        b"oldstat" | b"oldlstat" | b"statfs64" | b"chroot" | b"acct" | b"swapon" | b"swapoff" | b"uselib"
        | b"setxattr" | b"lsetxattr" | b"listxattr" | b"llistxattr" | b"removexattr" | b"lremovexattr" | b"umount"
        | b"umount2" | b"pivot_root" => row(PATH, D::NOTHING),
        b"rmdir" | b"unlink" => row(PATH, D::ENTRY),
        b"truncate" | b"truncate64" => row(PATH, D::TRUNCATE),
        b"chmod" | b"chown" | b"chown32" | b"lchown" | b"lchown32" | b"utime" | b"utimes" => row(PATH, D::OWNER_ONLY),
        b"unlinkat" => row(AT_PATH, D::ENTRY),
        b"fchmodat" | b"fchmodat2" | b"fchownat" | b"futimesat" | b"utimensat" | b"utimensat_time64" => {
            row(AT_PATH, D::OWNER_ONLY)
        }
        b"name_to_handle_at" | b"open_tree" | b"mount_setattr" | b"fspick" => row(AT_PATH, D::NOTHING),
        b"fanotify_mark" => row(Shape { path: at(3, 4), fd: Some(0), ..NONE }, D::NOTHING),
        b"rename" | b"link" | b"symlink" => row(TWO_PATHS, D::ENTRY),
        b"renameat" | b"renameat2" | b"linkat" => row(TWO_AT_PATHS, D::ENTRY),
        b"move_mount" => row(TWO_AT_PATHS, D::NOTHING),
        b"symlinkat" => row(Shape { path: p(0), path2: at(1, 2), ..NONE }, D::ENTRY),
        b"mount" => row(Shape { path: p(1), path2: p(0), ..NONE }, D::NOTHING),
        // sockets
        b"socket" => row(NONE, D::OPEN_SOCKET),
        b"connect" => row(FD_ADDR, D::CONNECT),
        // binding a unix socket creates its file
        b"bind" => row(FD_ADDR, D::BIND.and(D::CREATE).and(D::ENTRY)),
        b"accept" | b"accept4" => row(FD, D::ACCEPT.and(D::OPEN_SOCKET)),
        b"getsockopt" => row(FD, D::SOCKET_ERROR),
        b"sendto" => row(FD_ADDR4, D::WRITE),
        b"recvfrom" => row(FD_ADDR4, D::READ),
        b"sendmsg" => row(FD_ADDR, D::WRITE),
        b"recvmsg" => row(FD_ADDR, D::READ),
        // strace prints send's descriptor, but it is not decoded: its output is not read as a symptom
        b"send" => row(NONE, D::WRITE),
        b"sendmmsg" => row(FD, D::WRITE),
        b"recvmmsg" => row(FD, D::READ),
        // data on a descriptor
        b"write" | b"pwrite64" | b"writev" | b"pwritev" | b"pwritev2" => row(FD, D::WRITE),
        b"read" | b"pread64" | b"readv" | b"preadv" | b"preadv2" => row(FD, D::READ),
        b"close" => row(FD, D::CLOSE),
        b"dup" | b"dup2" | b"dup3" => row(FD, D::DUP),
        b"fcntl" | b"fcntl64" => row(FD, D::DUP_IF_F_DUPFD.and(D::LOCK_IF_SETLKW)),
        b"flock" => row(FD, D::LOCK),
        b"epoll_wait" | b"epoll_pwait" => row(FD, D::POLL),
        b"epoll_pwait2" | b"poll" | b"ppoll" | b"select" | b"pselect6" | b"_newselect" => row(NONE, D::POLL),
        // a descriptor and nothing the analysis needs beyond it
        b"fstat" | b"fstat64" | b"fstatfs" | b"fstatfs64" | b"fchmod" | b"fchown" | b"fchown32" | b"ftruncate"
        | b"ftruncate64" | b"getdents" | b"getdents64" | b"lseek" | b"_llseek" | b"ioctl" | b"setsockopt"
        | b"getsockname" | b"getpeername" | b"shutdown" | b"sendfile" | b"sendfile64" | b"fadvise64" | b"fallocate"
        | b"fgetxattr" | b"fsetxattr" | b"flistxattr" | b"fremovexattr" | b"readahead" | b"splice" | b"tee"
        | b"vmsplice" | b"copy_file_range" | b"close_range" | b"inotify_rm_watch" => row(FD, D::NOTHING),
        b"fsync" | b"fdatasync" | b"sync_file_range" | b"syncfs" => row(FD, D::SYNC),
        b"epoll_ctl" => row(FD, D::EPOLL_CTL),
        b"listen" => row(FD, D::LISTEN),
        b"futex" | b"futex_time64" | b"futex_waitv" => row(NONE, D::FUTEX),
        // processes
        b"clone" | b"clone3" | b"fork" | b"vfork" => row(NONE, D::FORK),
        b"wait4" | b"waitid" | b"waitpid" => row(NONE, D::WAIT_CHILD),
        b"nanosleep" | b"clock_nanosleep" | b"clock_nanosleep_time64" => row(NONE, D::SLEEP),
        b"restart_syscall" => row(NONE, D::RESUME),
        b"semop"
        | b"semtimedop"
        | b"semtimedop_time64"
        | b"msgrcv"
        | b"msgsnd"
        | b"pause"
        | b"sigsuspend"
        | b"rt_sigsuspend"
        | b"rt_sigtimedwait"
        | b"rt_sigtimedwait_time64"
        | b"io_getevents"
        | b"io_pgetevents"
        | b"io_pgetevents_time64" => row(NONE, D::BLOCKS),
        b"mq_timedreceive"
        | b"mq_timedreceive_time64"
        | b"mq_timedsend"
        | b"mq_timedsend_time64"
        | b"io_uring_enter" => row(FD, D::BLOCKS),
        // descriptors of no path (counted: a process out of descriptors says how many it held)
        b"pipe" | b"pipe2" | b"socketpair" | b"eventfd" | b"eventfd2" | b"epoll_create" | b"epoll_create1"
        | b"timerfd_create" | b"signalfd" | b"signalfd4" | b"inotify_init" | b"inotify_init1" | b"memfd_create"
        | b"pidfd_open" | b"fanotify_init" | b"userfaultfd" | b"io_uring_setup" | b"perf_event_open" => {
            row(NONE, D::OPEN_ANON)
        }
        // credentials (which ids: `analysis::process::Credentials`)
        b"setuid" | b"setuid32" | b"setreuid" | b"setreuid32" | b"setresuid" | b"setresuid32" | b"setgid"
        | b"setgid32" | b"setregid" | b"setregid32" | b"setresgid" | b"setresgid32" | b"setgroups" | b"setgroups32" => {
            row(NONE, D::CREDENTIALS)
        }
        // resource limits (which: `analysis::limits::NoFile`)
        b"prlimit64" | b"setrlimit" | b"getrlimit" | b"ugetrlimit" => row(NONE, D::LIMITS),
        // who signalled whom (`analysis::kills`)
        b"kill" | b"tkill" | b"tgkill" => row(NONE, D::SIGNALS),
        _ => Info::default(),
    }
}

/// Whether `errno` from call `name` is the end of a timed wait rather than a failure: a futex
/// wait with a timeout (condition variables, JVM and Go parkers), a semaphore, message queue or
/// signal wait that gave up at its deadline, as the program asked. Connections time out
/// with ETIMEDOUT too, and those are failures: only waits on no peer are listed here.
pub fn timed_wait_expired(name: &[u8], errno: &str) -> bool {
    errno == "ETIMEDOUT"
        && matches!(
            name,
            b"futex"
                | b"futex_time64"
                | b"futex_waitv"
                | b"semtimedop"
                | b"semtimedop_time64"
                | b"mq_timedreceive"
                | b"mq_timedreceive_time64"
                | b"mq_timedsend"
                | b"mq_timedsend_time64"
                | b"rt_sigtimedwait"
                | b"rt_sigtimedwait_time64"
        )
}

/// What a successful call changes that the analysis keeps: process, descriptor and cwd state,
/// credentials, descriptors held, output, locks taken (the holder of a later lock wait), signals
/// sent (who stopped a process) (and, by [`Info::examined`], the descriptor limit). Successful calls without any of these (and without a path or address) are only
/// counted: the parser's fast path never decodes them.
const EXAMINED: Does = Does::WRITE
    .and(Does::CLOSE)
    .and(Does::DUP)
    .and(Does::CHDIR)
    .and(Does::GETCWD)
    .and(Does::OPEN_SOCKET)
    .and(Does::SOCKET_ERROR)
    .and(Does::FORK)
    .and(Does::OPEN_ANON)
    .and(Does::CREDENTIALS)
    .and(Does::LISTEN)
    .and(Does::LOCK)
    .and(Does::SIGNALS);

/// What a call may block on: with `-T` or timestamps, these calls' durations are waits (see
/// `analysis::waits`), so the fast path leaves them to the full parse.
const WAITS: Does = Does::READ
    .and(Does::WRITE)
    .and(Does::ACCEPT)
    .and(Does::CONNECT)
    .and(Does::POLL)
    .and(Does::LOCK)
    .and(Does::WAIT_CHILD)
    .and(Does::SLEEP)
    .and(Does::FUTEX)
    .and(Does::SYNC)
    .and(Does::EPOLL_CTL)
    .and(Does::RESUME)
    .and(Does::BLOCKS);

/// Waits that leave no state behind (no answer owed on a descriptor, no poll resolved by
/// them): one shorter than [`BRIEF_WAIT`] is not a wait, and the fast path skips it.
const STATELESS_WAITS: Does =
    Does::FUTEX.and(Does::SLEEP).and(Does::WAIT_CHILD).and(Does::LOCK).and(Does::SYNC).and(Does::BLOCKS);
/// Seconds under which a stateless wait did not wait (a futex taken uncontended, a lock free).
pub(crate) const BRIEF_WAIT: f64 = 0.0001;

/// The resource limits the analysis keeps (`analysis::limits::Resource`): a call that only
/// sets or reads another (`RLIMIT_STACK`, at every start) changes nothing.
pub const LIMITS_KEPT: [&[u8]; 5] = [b"RLIMIT_NOFILE", b"RLIMIT_AS", b"RLIMIT_DATA", b"RLIMIT_NPROC", b"RLIMIT_FSIZE"];

impl Info {
    /// Whether a wait of this call shorter than [`BRIEF_WAIT`] means nothing to the analysis.
    pub fn brief_is_nothing(&self) -> bool {
        self.does.has(STATELESS_WAITS) && !self.does.has(EXAMINED)
    }

    /// Whether the call, with argument text `args`, can wait (or, for `epoll_ctl`, says what
    /// a wait is on): an `fcntl` only when it waits for a lock.
    pub fn waits(&self, args: &[u8]) -> bool {
        self.does.has(WAITS) || (self.does.has(Does::LOCK_IF_SETLKW) && crate::bytes::contains(args, b"SETLKW"))
    }

    /// Whether a successful call `name(call...` with this row matters to the analysis (see
    /// [`EXAMINED`]); `call` is its argument text (fcntl duplicates only with `F_DUPFD`).
    pub fn examined(&self, call: &[u8]) -> bool {
        self.shape.path.is_some()
            || self.shape.sockaddr.is_some()
            || self.does.has(EXAMINED)
            || (self.does.has(Does::DUP_IF_F_DUPFD) && crate::bytes::contains(call, b"F_DUPFD"))
            || (self.does.has(Does::LIMITS) && LIMITS_KEPT.iter().any(|l| crate::bytes::contains(call, l)))
            // an HTTP request read: the path a client asked for
            || (self.does.has(Does::READ) && http_finder().find(call).is_some())
    }

    /// Whether this call, with argument text `args`, creates its path.
    pub fn creates(&self, args: &[u8]) -> bool {
        self.does.has(Does::CREATE)
            || (self.does.has(Does::CREATE_IF_O_CREAT) && crate::bytes::contains(args, b"O_CREAT"))
    }

    /// Whether this call, with argument text `args`, duplicates its descriptor argument.
    pub fn dups(&self, args: &[u8]) -> bool {
        self.does.has(Does::DUP) || (self.does.has(Does::DUP_IF_F_DUPFD) && crate::bytes::contains(args, b"F_DUPFD"))
    }

    /// A lookup that returns a descriptor of a regular file (not `O_DIRECTORY`): a file the
    /// process read, where a wrong path may be written.
    pub fn opens_file(&self, args: &[u8]) -> bool {
        self.does.has(Does::LOOKUP) && self.does.has(Does::OPEN_FD) && !crate::bytes::contains(args, b"O_DIRECTORY")
    }
}

/// ` HTTP/1.` looked for in every successful read's buffer: a searcher built once (its first
/// byte, a space, is too common for a byte-then-compare search on file contents).
fn http_finder() -> &'static memchr::memmem::Finder<'static> {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new(b" HTTP/1."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_where_the_arguments_are() {
        assert_eq!(info(b"openat").shape, AT_PATH);
        assert_eq!(info(b"renameat2").shape.path2, at(2, 3));
        assert_eq!(info(b"sendto").shape.sockaddr, Some(4));
        assert_eq!(info(b"inotify_add_watch").shape.args_read(), 2);
        assert!(info(b"getpid").shape.is_empty());
    }

    #[test]
    fn rows_say_what_a_call_does() {
        let open = info(b"openat");
        assert!(open.creates(b"AT_FDCWD, \"/x\", O_WRONLY|O_CREAT, 0644") && !open.creates(b"AT_FDCWD, \"/x\", 0"));
        assert!(open.opens_file(b"O_RDONLY") && !open.opens_file(b"O_RDONLY|O_DIRECTORY"));
        assert!(!info(b"creat").opens_file(b"") && info(b"creat").creates(b""));
        assert!(info(b"bind").creates(b""));
        assert!(info(b"fcntl").dups(b"3, F_DUPFD_CLOEXEC, 0") && !info(b"fcntl").dups(b"3, F_GETFL"));
        assert!(info(b"access").does.has(Does::CHECK) && info(b"access").does.has(Does::LOOKUP));
        assert!(info(b"execveat").does.has(Does::EXEC));
        assert!(info(b"fcntl").waits(b"3, F_SETLKW, {l_type=F_WRLCK}") && !info(b"fcntl").waits(b"3, F_GETFL"));
        assert!(info(b"futex").waits(b"") && !info(b"getpid").waits(b""));
        for name in [&b"poll"[..], b"epoll_wait", b"select"] {
            assert!(info(name).does.has(Does::POLL), "{}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn the_fast_path_skips_only_calls_without_meaning() {
        for (name, args, examined) in [
            (&b"read"[..], &b"3, \"x\", 1"[..], false),
            (b"fstat", b"3, {}", false),
            (b"mmap", b"NULL, 8192", false),
            (b"fcntl", b"3, F_GETFL", false),
            (b"fcntl", b"3, F_DUPFD, 10", true),
            (b"write", b"2, \"x\", 1", true),
            (b"send", b"4, \"x\", 1, 0", true),
            (b"close", b"3", true),
            (b"getcwd", b"\"/\", 4096", true),
            (b"clone3", b"{flags=0}, 88", true),
            (b"setresuid", b"999, 999, 999", true),
            (b"setgroups32", b"1, [33]", true),
            (b"getuid", b"", false),
            (b"prlimit64", b"0, RLIMIT_NOFILE, {rlim_cur=32, rlim_max=32}, NULL", true),
            (b"prlimit64", b"0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}", false),
            (b"pipe2", b"[3, 4], O_CLOEXEC", true),
            (b"newfstatat", b"AT_FDCWD, \"/x\", {}, 0", true),
            (b"connect", b"3, {sa_family=AF_INET}, 16", true),
        ] {
            assert_eq!(info(name).examined(args), examined, "{}", String::from_utf8_lossy(name));
        }
    }
}

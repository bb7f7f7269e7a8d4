//! What one strace line (or one merged unfinished/resumed pair) means, as plain data.
//!
//! The parser produces these; every later stage (pairing, the process table, aggregation, the
//! `events` NDJSON output) reads them. Byte strings stay bytes: paths decoded from strace's C
//! escapes need not be UTF-8.

use std::borrow::Cow;
use std::fmt;

/// Bytes borrowed from the line being read, or owned once an event outlives its line (a
/// paired call, a queued event).
pub type Bytes<'a> = Cow<'a, [u8]>;
/// Text the grammar checked (names, errnos, numbers), borrowed or owned as [`Bytes`].
pub type Text<'a> = Cow<'a, str>;

/// A process or thread id as strace prints it.
pub type Pid = u32;

/// A timestamp prefix, kept as printed (exact); [`Timestamp::secs`] orders them.
#[derive(Debug, Clone, PartialEq)]
pub struct Timestamp<'a> {
    /// The text strace printed, e.g. `10:15:02.412345` or `1795711850.219217734` (ASCII: the
    /// parser accepts only digits, `:` and `.`; kept as bytes so that no line pays a UTF-8 check).
    pub text: Bytes<'a>,
    /// `-r`: seconds since the previous line, not a time of day.
    pub relative: bool,
}

/// The shape of a timestamp's text: `HH:MM:SS[.frac]` (seconds since midnight) or
/// `SECS.frac` (since the epoch). Two shapes in one trace cannot be compared. (The parser
/// admits a clock only as two digits and a `:`, and no `:` in the other shape: one byte tells,
/// and every line asks.)
pub fn clock_shape(text: &[u8]) -> bool {
    text.get(2) == Some(&b':')
}

impl Timestamp<'_> {
    /// The text as printed (empty if it were not ASCII, which the parser never lets through).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// Seconds since midnight (`-t`, `-tt`), since the epoch (`-ttt`, `--timestamps=unix`), or
    /// since the previous line (`-r`). Computed on demand (the waits of every call need it, so
    /// it reads the digits itself: no UTF-8 check, no float parse).
    pub fn secs(&self) -> f64 {
        let (mut whole, mut field, mut frac, mut scale) = (0u64, 0u64, 0u64, 1u64);
        let mut in_frac = false;
        for &c in self.text.iter() {
            match c {
                b'0'..=b'9' if in_frac => {
                    // nanoseconds at most; further digits cannot change an f64 of this size
                    if scale < 1_000_000_000 {
                        frac = frac * 10 + u64::from(c - b'0');
                        scale *= 10;
                    }
                }
                b'0'..=b'9' => field = field.saturating_mul(10).saturating_add(u64::from(c - b'0')),
                b':' if !in_frac => (whole, field) = (whole.saturating_add(field).saturating_mul(60), 0),
                b'.' if !in_frac => in_frac = true,
                _ => return 0.0,
            }
        }
        whole.saturating_add(field) as f64 + frac as f64 / scale as f64
    }

    /// The step of the printed clock: 1 s for `-t`, 1 µs for `-tt` (each stamp is truncated
    /// to it).
    pub fn resolution(&self) -> f64 {
        let digits = self.text.iter().position(|&c| c == b'.').map_or(0, |dot| self.text.len() - dot - 1);
        10f64.powi(-i32::try_from(digits.min(9)).unwrap_or(9))
    }

    /// The timestamp detached from its line.
    pub fn into_owned(self) -> Timestamp<'static> {
        Timestamp { text: Cow::Owned(self.text.into_owned()), relative: self.relative }
    }
}

/// A parsed line, or a merged unfinished/resumed pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// 1-based physical line number where the event starts (the head line of a merged pair).
    pub line: u64,
    /// The pid the line shows, else the `-ff` file suffix, else none.
    pub pid: Option<Pid>,
    /// The timestamp prefix, when strace printed one (`-t`, `-tt`, `-ttt`, `-r`).
    pub time: Option<Timestamp<'a>>,
    /// What the line says.
    pub kind: EventKind<'a>,
}

/// The kinds of line strace writes.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind<'a> {
    /// Boxed: events move through the parser, the pairer and the analysis, and a small event
    /// moves cheaply.
    Syscall(Box<Syscall<'a>>),
    /// `--- SIGNAME {siginfo} ---` or `--- stopped by SIGNAME ---`.
    Signal {
        /// `SIGCHLD`, `SIGSEGV`, ...
        signal: Box<str>,
        /// The siginfo braces as printed (empty for `stopped by`).
        info: Box<[u8]>,
    },
    /// `+++ exited with N +++`.
    Exit {
        /// The exit status.
        code: i32,
    },
    /// `+++ killed by SIGNAME [(core dumped)] +++`.
    Killed {
        /// The signal's name.
        signal: Box<str>,
        /// strace said `(core dumped)`.
        core_dumped: bool,
    },
    /// strace's own messages (`strace: Process N attached`, `+++ superseded ... +++`,
    /// `[ Process PID=N runs in 32 bit mode. ]`).
    Strace {
        /// The message without its brackets or `strace: ` prefix.
        message: Box<[u8]>,
    },
    /// A line that is not a trace line (program output mixed in, garbage).
    Unparsed {
        /// The line as read.
        text: Box<[u8]>,
    },
    /// A call that succeeded and that the analysis does not look into, only counted (the
    /// parser's fast path; never produced for `events`).
    Routine,
}

/// One system call with its arguments and outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Syscall<'a> {
    /// The syscall's name as printed (`openat`, `read`).
    pub name: Text<'a>,
    /// The raw argument text between the parentheses (head and tail joined for a pair).
    pub args: Bytes<'a>,
    /// First path argument, decoded from C escapes (`sun_path` for AF_UNIX; the `-y`
    /// decoration for calls that take only an fd).
    pub path: Option<Bytes<'a>>,
    /// Second path argument of rename/link/symlink and their `at` forms.
    pub path2: Option<Bytes<'a>>,
    /// The directory fd a relative `path` is resolved against (`*at` calls).
    pub dirfd: Option<FdArg<'a>>,
    /// The first fd argument of calls that operate on a descriptor.
    pub fd: Option<FdArg<'a>>,
    /// Socket address of connect/bind/sendto/recvfrom/sendmsg.
    pub addr: Option<SockAddr>,
    /// What it returned.
    pub ret: Return<'a>,
    /// `-T` duration in seconds.
    pub duration: Option<f64>,
    /// Without `-T`: the seconds from a merged pair's head timestamp to its tail's.
    pub span: Option<f64>,
    /// True when strace's printed path was cut (`"..."...`).
    pub path_truncated: bool,
    /// A `<... X resumed>` tail whose head the trace never showed: the call was in progress
    /// when tracing began.
    pub headless: bool,
    /// The name's row of the syscall table, looked up once where the call is decoded (the
    /// parser's thread), not again by each stage of the analysis.
    pub(crate) info: crate::syscalls::Info,
}

/// A descriptor argument: its number (or `AT_FDCWD`) and the `-y` decoration if printed.
#[derive(Debug, Clone, PartialEq)]
pub struct FdArg<'a> {
    /// `None` for `AT_FDCWD` (or `-100` under `-X raw`).
    pub num: Option<i64>,
    /// What `-y`/`-yy` printed in `<...>` after it: a path, `TCP:[a->b]`, `pipe:[ino]`.
    pub decoration: Option<Bytes<'a>>,
}

impl FdArg<'_> {
    /// It is `AT_FDCWD`: a relative path is resolved against the cwd.
    pub fn is_cwd(&self) -> bool {
        self.num.is_none()
    }

    /// The argument detached from its line.
    pub fn into_owned(self) -> FdArg<'static> {
        FdArg { num: self.num, decoration: self.decoration.map(own) }
    }
}

fn own(b: Bytes<'_>) -> Bytes<'static> {
    Cow::Owned(b.into_owned())
}

fn own_text(t: Text<'_>) -> Text<'static> {
    Cow::Owned(t.into_owned())
}

/// A socket address decoded from `sa_family=...` arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SockAddr {
    /// `AF_UNIX`.
    Unix {
        /// `sun_path`, decoded (without the leading NUL of an abstract name).
        path: Box<[u8]>,
        /// An abstract name (`@name`), not a file.
        abstract_ns: bool,
    },
    /// `AF_INET`.
    Inet {
        /// Dotted quad as printed.
        ip: Box<str>,
        /// The port.
        port: u16,
    },
    /// `AF_INET6`.
    Inet6 {
        /// The address as printed.
        ip: Box<str>,
        /// The port.
        port: u16,
    },
}

impl fmt::Display for SockAddr {
    /// `ip:port`, `[ip6]:port`, the unix path (abstract ones with a leading `@`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockAddr::Unix { path, abstract_ns } => {
                let at = if *abstract_ns { "@" } else { "" };
                write!(f, "{at}{}", String::from_utf8_lossy(path))
            }
            SockAddr::Inet { ip, port } => write!(f, "{ip}:{port}"),
            SockAddr::Inet6 { ip, port } => write!(f, "[{ip}]:{port}"),
        }
    }
}

/// What came after ` = `.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Return<'a> {
    /// A number (decimal or hex) with its `-y`/`-Y` decoration if any.
    Value {
        /// The number.
        value: i64,
        /// What `-y` printed after a returned descriptor (`<path>`).
        decoration: Option<Bytes<'a>>,
    },
    /// A hex value (an address or flag word) or one that does not fit i64, as printed.
    Other {
        /// As printed.
        text: Text<'a>,
    },
    /// `-1 ENAME (message)` or `-1 (errno N)` (then `errno` holds the digits).
    Error {
        /// `ENOENT`, ... (or the digits of `errno N`).
        errno: Text<'a>,
        /// strace's text for it (`No such file or directory`).
        message: Text<'a>,
    },
    /// `? ERESTARTSYS (message)` and its siblings: interrupted, to be restarted.
    Restart {
        /// `ERESTARTSYS`, `ERESTARTNOHAND`, ...
        code: Text<'a>,
        /// strace's text for it.
        message: Text<'a>,
    },
    /// `= ?`: the call did not return (exit, exec, kill).
    NoReturn,
    /// The call never completed in the trace (head without tail, `<detached ...>`).
    #[default]
    Unfinished,
}

impl Return<'_> {
    /// The errno (or restart code) name, when the call failed or was interrupted.
    pub fn errno(&self) -> Option<&str> {
        match self {
            Return::Error { errno, .. } => Some(errno),
            Return::Restart { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The return detached from its line.
    pub fn into_owned(self) -> Return<'static> {
        match self {
            Return::Value { value, decoration } => Return::Value { value, decoration: decoration.map(own) },
            Return::Other { text } => Return::Other { text: own_text(text) },
            Return::Error { errno, message } => Return::Error { errno: own_text(errno), message: own_text(message) },
            Return::Restart { code, message } => Return::Restart { code: own_text(code), message: own_text(message) },
            Return::NoReturn => Return::NoReturn,
            Return::Unfinished => Return::Unfinished,
        }
    }
}

impl Syscall<'_> {
    /// The call detached from its line.
    pub fn into_owned(self) -> Syscall<'static> {
        Syscall {
            name: own_text(self.name),
            args: own(self.args),
            path: self.path.map(own),
            path2: self.path2.map(own),
            dirfd: self.dirfd.map(FdArg::into_owned),
            fd: self.fd.map(FdArg::into_owned),
            addr: self.addr,
            ret: self.ret.into_owned(),
            duration: self.duration,
            span: self.span,
            path_truncated: self.path_truncated,
            headless: self.headless,
            info: self.info,
        }
    }
}

impl<'a> Event<'a> {
    /// The call, when the event is one.
    pub fn syscall(&self) -> Option<&Syscall<'a>> {
        match &self.kind {
            EventKind::Syscall(s) => Some(s),
            _ => None,
        }
    }

    /// The event detached from the line it was read from (to be queued or kept).
    pub fn into_owned(self) -> Event<'static> {
        let kind = match self.kind {
            EventKind::Syscall(sc) => EventKind::Syscall(Box::new(sc.into_owned())),
            EventKind::Signal { signal, info } => EventKind::Signal { signal, info },
            EventKind::Exit { code } => EventKind::Exit { code },
            EventKind::Killed { signal, core_dumped } => EventKind::Killed { signal, core_dumped },
            EventKind::Strace { message } => EventKind::Strace { message },
            EventKind::Unparsed { text } => EventKind::Unparsed { text },
            EventKind::Routine => EventKind::Routine,
        };
        Event { line: self.line, pid: self.pid, time: self.time.map(Timestamp::into_owned), kind }
    }
}

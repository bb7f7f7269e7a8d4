//! Explanations: for a suspect, the facts that replace the next commands an on-call engineer
//! would type (`ls -ld` on every directory, `id`, `df`, `ls /proc/PID/fd | wc -l`, `ss -ltnp`,
//! `head -1` of a script, `readlink`), found at judgement time in what the analysis recorded
//! at the failure and on the disk under `--root`.
//!
//! One function per family, each with the errnos it answers. Every explanation says where its
//! facts came from ([`Source`]: the trace, the disk under `--root`, the live host when the root
//! is `/`), and says less when unsure: a fact that cannot be read is left out, never guessed.
//! [`crate::render::words`] words them.

use rustc_hash::FxHashMap as HashMap;

use crate::analysis::evidence::{AtFailure, KnownPaths, PathEvidence};
use crate::analysis::group::{Failure, Target};
use crate::analysis::process::{Credentials, HostNoFile, ResourceLimit};
use crate::disk::{Disk, FileKind, Filesystem, Meta, Mount};
use crate::event::Pid;
use crate::path::{join, normalize, split};
use crate::syscalls::{self, Does};
use crate::text::TraceText;

mod permission;
mod place;
mod program;
mod suggest;

pub(in crate::heuristics) use permission::allows;
use permission::*;
pub(crate) use place::moved;
use place::read_only;
use program::*;
pub use suggest::suggested_command;

/// Symlinks followed in one walk.
const MAX_LINKS: usize = 40;
/// Bytes of a program read for its `#!` line.
const SHEBANG: usize = 256;
/// Bytes of a file that is no program read for a `#!` line below its first.
const HEAD: usize = 4096;
/// Entries named beside a gone link target.
const SIBLINGS: usize = 3;
/// Entries beside a gone link target looked into for the rest of the failing path.
const CANDIDATES: usize = 32;
/// `*.pid` files of the trace read for the pid a call found no process for.
const PID_FILES: usize = 16;
/// Largest passwd or group file read.
const MAX_ID_FILE: usize = 4 << 20;

/// A suspect's explanation: what was found, and where the facts came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub what: Explained,
    pub source: Source,
}

/// Where an explanation's facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Source {
    /// What the trace recorded (credentials, descriptors, binds, the failing call).
    pub trace: bool,
    /// The disk looked at, if any.
    pub disk: Option<Place>,
    /// The live host's `/proc`: the ids a process of `run`/`attach` acted with.
    pub host: bool,
}

/// Which disk: a tree under `--root`, or the live host (`--root /`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Root,
    LiveHost,
}

/// A user or group id, with its name when `etc/passwd` or `etc/group` under the root has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id {
    pub id: u32,
    pub name: Option<TraceText>,
}

/// The component of a path whose mode denies the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub path: Vec<u8>,
    pub owner: Id,
    pub group: Id,
    /// The permission bits (`0o7777`).
    pub mode: u32,
    /// The group whose bits would allow the access, when the trace shows the process is not in it.
    pub not_in_group: Option<Id>,
    /// The bits denied (`r` 4, `w` 2, `x` 1); 0 when ownership was needed.
    pub bits: u32,
    /// Which class of the mode applied to the process: `u`, `g` or `o`.
    pub class: char,
}

/// What is wrong with a program's `#!` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interpreter {
    /// The interpreter it names does not exist.
    Missing(Vec<u8>),
    /// The line ends in a carriage return (CRLF line endings): the kernel looks for `name\r`.
    CarriageReturn(Vec<u8>),
    /// An ELF program: its loader (PT_INTERP) is missing.
    ElfLoader,
    /// The program could not be read: its `#!` interpreter or ELF loader is missing.
    Unread,
    /// (ENOEXEC) The `#!` line is not line 1 but this one, below comments or blank lines.
    NotOnLine1 { line: u64 },
    /// (ENOEXEC) A UTF-8 byte order mark comes before the `#!`.
    ByteOrderMark,
    /// `#!/usr/bin/env NAME`: `env` found no NAME along `PATH`.
    NotOnPath(Vec<u8>),
}

/// What an explanation found.
#[derive(Debug, Clone, PartialEq)]
pub enum Explained {
    /// EACCES/EPERM on a path or a unix socket file: the first component whose mode denies
    /// the access (when the disk shows one), and the user the process ran as (when the trace
    /// shows it).
    Permission { denied: Option<Denied>, user: Option<Id> },
    /// EPERM on an existing file that mode bits would refuse with EACCES instead, in a
    /// directory that is not sticky: an attribute of the file (immutable or append-only), which
    /// the disk under `--root` cannot show, is the likely refusal.
    Attribute { path: Vec<u8>, dir: Vec<u8> },
    /// EISDIR reading a descriptor: the path the program opened as a file is a directory (on
    /// the disk); `file` is the one file in it that is not a template or a backup, when there
    /// is exactly one (what the path may name instead).
    DirectoryForFile { dir: Vec<u8>, file: Option<Vec<u8>> },
    /// ENOSPC/EDQUOT on a file: the filesystem holding `path` is full (`quota`: the user's
    /// quota is); on the live host, its mount point and space now.
    DiskFull { path: Option<Vec<u8>>, quota: bool, filesystem: Option<Filesystem> },
    /// ENOSPC from inotify: the per-user watch limit.
    InotifyLimit,
    /// EMFILE/ENFILE: the descriptors the process held when `syscall` failed (`at_least`: the
    /// trace began after the process did), and its descriptor limit when the trace shows it
    /// (EMFILE) and (`now`) as the live host showed it at the failure; `system_wide` for ENFILE.
    OutOfDescriptors {
        held: usize,
        at_least: bool,
        syscall: String,
        system_wide: bool,
        limit: Option<ResourceLimit>,
        now: Option<HostNoFile>,
    },
    /// ENOMEM from a mapping call, EAGAIN from a fork, EFBIG from a write: the limit of the
    /// process that the trace shows set (or read) for what the call was refused, and finite.
    ResourceLimit { syscall: String, limit: ResourceLimit },
    /// ESRCH from a call that names a process (`kill(61234, SIGUSR1)`): no process has that
    /// pid; `pid_file` is a `*.pid` file the trace shows that holds it, and its line.
    NoSuchProcess { syscall: String, pid: u32, pid_file: Option<(Vec<u8>, u64)> },
    /// EADDRINUSE on an inet bind, with the process that holds the port: a traced one that had
    /// bound it, else the one the live host showed holding it (`run`/`attach`).
    PortInUse { port: u16, holder: Option<(Pid, TraceText)> },
    /// EADDRINUSE binding a unix socket: its file exists already.
    SocketFileExists { path: Vec<u8> },
    /// ENOENT (or ENOEXEC) from execve of a file that exists: its `#!` line.
    BadInterpreter { program: Vec<u8>, problem: Interpreter },
    /// ENOENT through a symlink whose target is gone; `siblings` are the entries of the
    /// target's directory (`more`: how many others), `suggested` the newest of them that holds
    /// the rest of the failing path (what the link may point at instead).
    DanglingLink { link: Vec<u8>, target: Vec<u8>, siblings: Vec<Vec<u8>>, more: usize, suggested: Option<Vec<u8>> },
    /// EROFS: the mount holding the path is read-only, as a mount table says (`mount.table`).
    ReadOnly { mount: Mount },
    /// ENOENT below a missing directory `dir`: its sibling `sibling` holds what was looked for
    /// below it (`names`, the first of them; `more`: how many others), `suggested` the path
    /// to use instead.
    Moved { dir: Vec<u8>, sibling: Vec<u8>, names: Vec<Vec<u8>>, more: usize, suggested: Vec<u8> },
}

impl Explained {
    /// The stable name of what was found (the JSON `kind`).
    pub fn code(&self) -> &'static str {
        match self {
            Explained::Permission { .. } => "permission",
            Explained::Attribute { .. } => "file_attribute",
            Explained::DirectoryForFile { .. } => "directory_for_file",
            Explained::DiskFull { .. } => "disk_full",
            Explained::InotifyLimit => "inotify_limit",
            Explained::OutOfDescriptors { .. } => "out_of_descriptors",
            Explained::ResourceLimit { .. } => "resource_limit",
            Explained::NoSuchProcess { .. } => "no_such_process",
            Explained::PortInUse { .. } => "port_in_use",
            Explained::SocketFileExists { .. } => "socket_file_exists",
            Explained::BadInterpreter { .. } => "bad_interpreter",
            Explained::DanglingLink { .. } => "dangling_symlink",
            Explained::Moved { .. } => "moved",
            Explained::ReadOnly { .. } => "read_only",
        }
    }
}

/// User and group names from `etc/passwd` and `etc/group` under the root.
#[derive(Debug, Default)]
pub(crate) struct Names {
    users: HashMap<u32, TraceText>,
    groups: HashMap<u32, TraceText>,
}

impl Names {
    pub fn read(disk: &dyn Disk) -> Names {
        let table = |path: &[u8]| -> HashMap<u32, TraceText> {
            let Some(text) = disk.read_regular(path, MAX_ID_FILE) else { return HashMap::default() };
            let mut out = HashMap::default();
            for line in String::from_utf8_lossy(&text).lines().filter(|l| !l.starts_with('#')) {
                let mut fields = line.split(':');
                let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else { continue };
                if let Ok(id) = id.parse() {
                    out.entry(id).or_insert_with(|| name.into());
                }
            }
            out
        };
        Names { users: table(b"/etc/passwd"), groups: table(b"/etc/group") }
    }

    fn user(&self, uid: u32) -> Id {
        Id { id: uid, name: self.users.get(&uid).cloned() }
    }

    fn group(&self, gid: u32) -> Id {
        Id { id: gid, name: self.groups.get(&gid).cloned() }
    }
}

/// What the judgement hands every explanation.
pub(crate) struct Context<'a> {
    pub evidence: &'a PathEvidence,
    pub disk: &'a dyn Disk,
    pub names: &'a Names,
}

impl Context<'_> {
    fn place(&self) -> Place {
        if self.disk.is_live_host() {
            Place::LiveHost
        } else {
            Place::Root
        }
    }
}

/// The explanation of group `id` (`g`), by its headline errno, if one is found.
pub(crate) fn explain(g: &Failure, id: usize, cx: &Context<'_>) -> Option<Explanation> {
    let errno = g.main_errno();
    let at = cx.evidence.at_failure(id, errno);
    match errno {
        "EACCES" | "EPERM" => permission(g, at?, cx),
        "ENOSPC" | "EDQUOT" => disk_full(g, errno, cx),
        "EROFS" => read_only(g, cx),
        "EMFILE" | "ENFILE" => descriptors(errno, at?),
        "ENOMEM" | "EAGAIN" | "EFBIG" => resource_limit(at?),
        "ESRCH" => no_such_process(at?, cx),
        "EADDRINUSE" => address_in_use(g, at),
        "ENOENT" => interpreter(g, &cx.evidence.known, cx)
            .or_else(|| env_interpreter(g, id, cx))
            .or_else(|| dangling_link(g, cx)),
        "ENOEXEC" => misplaced_shebang(g, cx),
        "EISDIR" if g.only_on_descriptors(Does::READ) => directory_for_file(g, cx),
        _ => None,
    }
}

/// Name endings of a configuration file's templates and backups: not the file a program reads.
const NOT_THE_FILE: &[&[u8]] =
    &[b".dist", b".example", b".sample", b".default", b".template", b".tmpl", b".in", b".bak", b".orig", b".old", b"~"];

/// **A directory where a file belongs** (EISDIR from `read`): the disk shows the path is a
/// directory; the file it holds, when it holds exactly one regular file that is not a template
/// or a backup (`settings.json` beside `settings.json.dist`), is what the path may name.
fn directory_for_file(g: &Failure, cx: &Context<'_>) -> Option<Explanation> {
    let dir = g.target.fs_path()?;
    if cx.disk.lstat(dir)?.kind != FileKind::Dir {
        return None;
    }
    let listing = cx.disk.list(dir)?;
    let mut files = listing.names.iter().filter(|n| {
        !n.starts_with(b".")
            && !NOT_THE_FILE.iter().any(|end| n.ends_with(end))
            && cx.disk.lstat(&join(dir, n)).is_some_and(|m| m.kind == FileKind::File)
    });
    let file = match (files.next(), files.next(), listing.truncated) {
        (Some(one), None, false) => Some(join(dir, one)),
        _ => None,
    };
    let what = Explained::DirectoryForFile { dir: dir.to_vec(), file };
    Some(Explanation { what, source: Source { trace: false, disk: Some(cx.place()), host: false } })
}

/// **Disk full** (ENOSPC/EDQUOT): the filesystem holding the failing path is full (or the
/// user's quota on it); on the live host (`--root /`) its mount point from
/// `/proc/self/mountinfo` and its space now (statvfs). ENOSPC from inotify is its watch limit.
fn disk_full(g: &Failure, errno: &str, cx: &Context<'_>) -> Option<Explanation> {
    if g.syscalls.keys().all(|s| s.starts_with("inotify_") || s == "fanotify_mark") {
        return Some(Explanation {
            what: Explained::InotifyLimit,
            source: Source { trace: true, disk: None, host: false },
        });
    }
    let path = g.target.fs_path();
    let filesystem = path.and_then(|p| cx.disk.filesystem(p));
    let disk = filesystem.is_some().then_some(Place::LiveHost);
    let what = Explained::DiskFull { path: path.map(<[u8]>::to_vec), quota: errno == "EDQUOT", filesystem };
    Some(Explanation { what, source: Source { trace: true, disk, host: false } })
}

/// **Out of descriptors** (EMFILE/ENFILE): how many descriptors the process held when the
/// call failed, from the process table at the failure; "at least" when the trace began after
/// the process did (strace attached, or its first event is not its start). For EMFILE, its
/// limit when a call of the trace set or read it (ENFILE is the whole system's table).
fn descriptors(errno: &str, at: &AtFailure) -> Option<Explanation> {
    let held = at.held?;
    let system_wide = errno == "ENFILE";
    let what = Explained::OutOfDescriptors {
        held: held.count,
        at_least: !held.complete,
        syscall: at.syscall.clone(),
        system_wide,
        limit: at.limit.clone().filter(|_| !system_wide),
        now: at.limit_now.clone(),
    };
    let host = at.limit_now.is_some();
    Some(Explanation { what, source: Source { trace: true, disk: None, host } })
}

/// **A resource limit** (ENOMEM from mmap/brk/mremap/execve, EAGAIN from fork/clone, EFBIG):
/// the limit of the failing process that the call can have run into (address space or data,
/// processes, file size), when a call of the trace set or read it and it is not unlimited. It
/// states the limit, not that the call reached it: the trace shows the refusal and the limit,
/// not the usage.
fn resource_limit(at: &AtFailure) -> Option<Explanation> {
    let limit = at.limit.clone().filter(|l| l.soft.value().is_some())?;
    let what = Explained::ResourceLimit { syscall: at.syscall.clone(), limit };
    Some(Explanation { what, source: Source { trace: true, disk: None, host: false } })
}

/// **No such process** (ESRCH from `kill`, `tkill`, `tgkill`, `pidfd_open`): the pid it named,
/// and a `*.pid` file the trace shows (one of the first [`PID_FILES`]) that holds that number as
/// a line of its own: a pid file left behind by a process that died.
fn no_such_process(at: &AtFailure, cx: &Context<'_>) -> Option<Explanation> {
    let args = crate::parse::split_args(&at.args, 3);
    let pid_arg = match at.syscall.as_str() {
        "kill" | "tkill" | "pidfd_open" => args.first(),
        "tgkill" => args.get(1),
        _ => None,
    }?;
    let pid: u32 = std::str::from_utf8(pid_arg).ok()?.trim().parse().ok().filter(|&p| p > 0)?;
    let digits = pid.to_string();
    let pid_file = cx.evidence.known.ending_with(b".pid").take(PID_FILES).find_map(|path| {
        let content = cx.disk.read_regular(&path, 64)?;
        let line = content.split(|&c| c == b'\n').position(|l| l.trim_ascii() == digits.as_bytes())?;
        Some((path, line as u64 + 1))
    });
    let disk = pid_file.as_ref().map(|_| cx.place());
    let what = Explained::NoSuchProcess { syscall: at.syscall.clone(), pid, pid_file };
    Some(Explanation { what, source: Source { trace: true, disk, host: false } })
}

/// **Address in use** (EADDRINUSE on bind): the port, and the traced process that had bound it
/// and not closed it; for a unix socket, its file exists already.
fn address_in_use(g: &Failure, at: Option<&AtFailure>) -> Option<Explanation> {
    if !g.syscalls.contains_key("bind") {
        return None;
    }
    let host = at.is_some_and(|a| a.holder_from_host);
    let what = match &g.target {
        Target::Address { unix_path: Some(p), .. } => Explained::SocketFileExists { path: p.clone() },
        Target::Address { addr, unix_path: None, .. } => {
            let port = addr.rsplit_once(':')?.1.parse().ok().filter(|&p| p != 0)?;
            let holder = at.and_then(|a| a.port_holder.as_ref()).map(|(pid, argv)| (*pid, command(argv)));
            Explained::PortInUse { port, holder }
        }
        _ => return None,
    };
    Some(Explanation { what, source: Source { trace: true, disk: None, host } })
}

/// A command line in short: the program's name and its arguments, at most 60 characters.
pub(crate) fn command(argv: &[Vec<u8>]) -> TraceText {
    let mut words = argv.iter().map(|a| String::from_utf8_lossy(a).into_owned());
    let Some(first) = words.next() else { return TraceText::default() };
    let name = first.rsplit('/').next().unwrap_or(&first).to_string();
    let mut out = std::iter::once(name).chain(words).collect::<Vec<_>>().join(" ");
    if out.chars().count() > 60 {
        out = out.chars().take(59).collect::<String>() + "…";
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

    use super::*;
    use crate::analysis::process::{Held, Limit, Resource};
    use crate::disk::{NoDisk, RootDisk};

    /// A temporary root: directories with modes, files with contents, links, and an
    /// etc/passwd and etc/group naming the test's own uid and gid `owner`.
    struct Root {
        dir: tempfile::TempDir,
    }

    impl Root {
        fn new() -> Root {
            let dir = tempfile::tempdir().unwrap();
            let (uid, gid) = {
                let m = std::fs::metadata(dir.path()).unwrap();
                (m.uid(), m.gid())
            };
            let root = Root { dir };
            // a temporary directory is 0700; the root of a tree is 0755 (its mode is never judged)
            root.chmod("", 0o755);
            root.file(
                "etc/passwd",
                &format!("owner:x:{uid}:{gid}::/:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"),
            );
            root.file("etc/group", &format!("owner:x:{gid}:\nwww-data:x:33:\ndocker:x:999:alice\n"));
            root
        }

        fn path(&self, p: &str) -> std::path::PathBuf {
            self.dir.path().join(p)
        }

        fn mkdir(&self, p: &str, mode: u32) {
            std::fs::create_dir_all(self.path(p)).unwrap();
            std::fs::set_permissions(self.path(p), std::fs::Permissions::from_mode(mode)).unwrap();
        }

        fn file(&self, p: &str, content: &str) {
            std::fs::create_dir_all(self.path(p).parent().unwrap()).unwrap();
            std::fs::write(self.path(p), content).unwrap();
        }

        fn chmod(&self, p: &str, mode: u32) {
            std::fs::set_permissions(self.path(p), std::fs::Permissions::from_mode(mode)).unwrap();
        }

        fn disk(&self) -> RootDisk {
            RootDisk::new(self.dir.path())
        }
    }

    fn creds(uid: u32, gid: u32, groups: &[u32]) -> Credentials {
        Credentials { uid: Some(uid), gid: Some(gid), groups: Some(groups.to_vec()) }
    }

    fn at(errno: &str, syscall: &str, args: &str, credentials: Credentials) -> AtFailure {
        AtFailure {
            errno: errno.into(),
            pid: 1,
            syscall: syscall.into(),
            args: args.as_bytes().to_vec(),
            credentials,
            ids_from_host: false,
            held: None,
            limit: None,
            limit_now: None,
            port_holder: None,
            holder_from_host: false,
        }
    }

    fn explained(g: &Failure, at: &AtFailure, disk: &dyn Disk) -> Option<Explanation> {
        let names = Names::read(disk);
        let evidence = PathEvidence::default();
        let cx = Context { evidence: &evidence, disk, names: &names };
        permission(g, at, &cx)
    }

    fn id(n: u32, name: &str) -> Id {
        Id { id: n, name: Some(name.into()) }
    }

    #[test]
    fn eperm_on_an_existing_file_in_a_plain_directory_is_an_attribute() {
        let root = Root::new();
        root.file("opt/edge/etc/upstreams.conf", "x\n");
        root.chmod("opt/edge/etc", 0o755);
        root.mkdir("tmp", 0o1777);
        root.file("tmp/lock", "x\n");
        let rename = r#""/opt/edge/etc/upstreams.conf.new", "/opt/edge/etc/upstreams.conf""#;
        let g = Failure::path_example("/opt/edge/etc/upstreams.conf", "EPERM");
        let unknown = Credentials::default();
        let e = explained(&g, &at("EPERM", "rename", rename, unknown.clone()), &root.disk()).unwrap();
        let want =
            Explained::Attribute { path: b"/opt/edge/etc/upstreams.conf".to_vec(), dir: b"/opt/edge/etc".to_vec() };
        assert_eq!(e.what, want);
        assert_eq!(e.source, Source { trace: false, disk: Some(Place::Root), host: false });
        // as root too: an attribute refuses root
        assert!(explained(&g, &at("EPERM", "rename", rename, creds(0, 0, &[])), &root.disk())
            .is_some_and(|e| matches!(e.what, Explained::Attribute { .. })));
        // EACCES is the mode bits; in a sticky directory EPERM is ownership; chmod's EPERM is
        // ownership; a missing file has no attribute
        assert!(!matches!(
            explained(&g, &at("EACCES", "rename", rename, unknown.clone()), &root.disk()).map(|e| e.what),
            Some(Explained::Attribute { .. })
        ));
        let sticky = Failure::path_example("/tmp/lock", "EPERM");
        let none = |g: &Failure, call: &str| {
            !matches!(
                explained(g, &at("EPERM", call, r#""/x""#, unknown.clone()), &root.disk()).map(|e| e.what),
                Some(Explained::Attribute { .. })
            )
        };
        assert!(none(&sticky, "unlink") && none(&g, "chmod"));
        assert!(none(&Failure::path_example("/opt/edge/etc/gone", "EPERM"), "unlink"));
    }

    #[test]
    fn permission_names_the_directory_that_denies_search() {
        let root = Root::new();
        root.mkdir("srv/app/data", 0o700);
        root.file("srv/app/data/config.yml", "port: 3000\n");
        let g = Failure::path_example("/srv/app/data/config.yml", "EACCES");
        let at = at("EACCES", "openat", r#"AT_FDCWD, "/srv/app/data/config.yml", O_RDONLY"#, creds(33, 33, &[33]));
        let e = explained(&g, &at, &root.disk()).unwrap();
        let Explained::Permission { denied: Some(d), user } = &e.what else { panic!("{e:?}") };
        assert_eq!(d.path, b"/srv/app/data");
        assert_eq!((d.mode, d.owner.name.as_ref(), d.not_in_group.as_ref()), (0o700, Some(&"owner".into()), None));
        assert_eq!(user, &Some(id(33, "www-data")));
        assert_eq!(e.source, Source { trace: true, disk: Some(Place::Root), host: false });
    }

    #[test]
    fn permission_checks_the_last_component_by_the_call() {
        let root = Root::new();
        root.mkdir("srv/app/run", 0o755);
        root.file("srv/app/run/app.sock", "");
        root.chmod("srv/app/run/app.sock", 0o664);
        let www = creds(33, 33, &[33]);
        let g = Failure::path_example("/srv/app/run/app.sock", "EACCES");
        // connect needs write on the socket file; reading it would be allowed
        let connect =
            at("EACCES", "connect", r#"3, {sa_family=AF_UNIX, sun_path="/srv/app/run/app.sock"}, 24"#, www.clone());
        let e = explained(&g, &connect, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: Some(d), .. } if d.path == b"/srv/app/run/app.sock"));
        let read = at("EACCES", "openat", r#"AT_FDCWD, "/srv/app/run/app.sock", O_RDONLY"#, www.clone());
        let e = explained(&g, &read, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: None, .. }), "{e:?}");
        // creating a missing file needs write on its directory
        let g = Failure::path_example("/srv/app/run/new.pid", "EACCES");
        let create = at("EACCES", "openat", r#"AT_FDCWD, "/srv/app/run/new.pid", O_WRONLY|O_CREAT|O_TRUNC, 0644"#, www);
        let e = explained(&g, &create, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: Some(d), .. } if d.path == b"/srv/app/run"));
    }

    #[test]
    fn permission_says_which_group_the_process_is_not_in() {
        let root = Root::new();
        root.mkdir("run", 0o755);
        root.file("run/docker.sock", "");
        root.chmod("run/docker.sock", 0o660);
        let gid = std::fs::metadata(root.path("run")).unwrap().gid();
        let g = Failure::path_example("/run/docker.sock", "EACCES");
        let connect =
            at("EACCES", "connect", r#"3, {sa_family=AF_UNIX, sun_path="/run/docker.sock"}, 21"#, creds(33, 33, &[33]));
        let e = explained(&g, &connect, &root.disk()).unwrap();
        let Explained::Permission { denied: Some(d), .. } = &e.what else { panic!("{e:?}") };
        assert_eq!(d.not_in_group, Some(id(gid, "owner")));
        // in the group by a supplementary id: allowed, so only the user is said
        let member = at("EACCES", "connect", "3, {}, 21", creds(33, 33, &[33, gid]));
        let e = explained(&g, &member, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: None, user: Some(_) }));
        // groups not in the trace and the group bits differ from the others': unsure
        let unknown = at("EACCES", "connect", "3, {}, 21", Credentials { uid: Some(33), gid: None, groups: None });
        let e = explained(&g, &unknown, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: None, .. }));
    }

    #[test]
    fn permission_without_disk_or_uid_says_less() {
        let g = Failure::path_example("/srv/app/data/config.yml", "EACCES");
        let www = at("EACCES", "openat", r#"AT_FDCWD, "/srv/app/data/config.yml", O_RDONLY"#, creds(33, 33, &[33]));
        // no disk: the uid alone, without a name
        let e = explained(&g, &www, &NoDisk).unwrap();
        assert_eq!(e.what, Explained::Permission { denied: None, user: Some(Id { id: 33, name: None }) });
        assert_eq!(e.source, Source { trace: true, disk: None, host: false });
        // root: nothing about modes
        let root = Root::new();
        root.mkdir("srv/app/data", 0o700);
        let as_root = at("EACCES", "openat", "", creds(0, 0, &[]));
        let e = explained(&g, &as_root, &root.disk()).unwrap();
        assert!(matches!(e.what, Explained::Permission { denied: None, user: Some(Id { id: 0, .. }) }));
        // no uid in the trace: only a directory closed to every other user
        let unknown =
            at("EACCES", "openat", r#"AT_FDCWD, "/srv/app/data/config.yml", O_RDONLY"#, Credentials::default());
        let e = explained(&g, &unknown, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: Some(d), user: None } if d.path == b"/srv/app/data"));
        assert_eq!(e.source, Source { trace: false, disk: Some(Place::Root), host: false });
        assert_eq!(explained(&g, &unknown, &NoDisk), None);
    }

    #[test]
    fn permission_with_ids_from_the_live_host_says_so() {
        let root = Root::new();
        root.mkdir("srv/app/data", 0o700);
        let g = Failure::path_example("/srv/app/data/config.yml", "EACCES");
        let mut www = at("EACCES", "openat", r#"AT_FDCWD, "/srv/app/data/config.yml", O_RDONLY"#, creds(33, 33, &[33]));
        www.ids_from_host = true;
        let e = explained(&g, &www, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: Some(_), user: Some(u) } if u.id == 33));
        assert_eq!(e.source, Source { trace: false, disk: Some(Place::Root), host: true });
        assert_eq!(explained(&g, &www, &NoDisk).unwrap().source, Source { trace: false, disk: None, host: true });
    }

    #[test]
    fn permission_follows_symlinks_and_checks_ownership() {
        let root = Root::new();
        root.mkdir("srv/releases/1", 0o755);
        root.mkdir("srv/releases/1/secret", 0o750);
        symlink("releases/1", root.path("srv/current")).unwrap();
        let g = Failure::path_example("/srv/current/secret/key", "EACCES");
        let www = at("EACCES", "openat", r#"AT_FDCWD, "/srv/current/secret/key", O_RDONLY"#, creds(33, 33, &[33]));
        let e = explained(&g, &www, &root.disk()).unwrap();
        assert!(
            matches!(&e.what, Explained::Permission { denied: Some(d), .. } if d.path == b"/srv/releases/1/secret")
        );
        let g = Failure::path_example("/srv/releases/1", "EPERM");
        let chmod = at("EPERM", "chmod", r#""/srv/releases/1", 0777"#, creds(33, 33, &[33]));
        let e = explained(&g, &chmod, &root.disk()).unwrap();
        assert!(matches!(&e.what, Explained::Permission { denied: Some(d), .. } if d.path == b"/srv/releases/1"));
    }

    #[test]
    fn what_each_call_needs() {
        assert_eq!(need_of("openat", b"AT_FDCWD, \"/x\", O_RDONLY", true), Need::Bits(R));
        assert_eq!(need_of("openat", b"AT_FDCWD, \"/x\", O_RDWR|O_CREAT, 0644", true), Need::Bits(R | W));
        assert_eq!(need_of("openat", b"AT_FDCWD, \"/x\", O_WRONLY|O_CREAT, 0644", false), Need::InParent);
        assert_eq!(need_of("execve", b"\"/x\", [\"x\"], 0x0", true), Need::Bits(X));
        assert_eq!(need_of("connect", b"3, {}, 3", true), Need::Bits(W));
        assert_eq!(need_of("bind", b"3, {}, 3", false), Need::InParent);
        assert_eq!(need_of("access", b"\"/x\", R_OK|W_OK", true), Need::Bits(R | W));
        assert_eq!(need_of("access", b"\"/x\", F_OK", true), Need::Search);
        assert_eq!(need_of("newfstatat", b"AT_FDCWD, \"/x\", {}, 0", true), Need::Search);
        assert_eq!(need_of("unlink", b"\"/x\"", true), Need::InParent);
        assert_eq!(need_of("chown32", b"\"/x\", 0, 0", true), Need::Owner);
        assert_eq!(need_of("renameat2", b"AT_FDCWD, \"/x\", AT_FDCWD, \"/y\", 0", true), Need::InParent);
        assert_eq!(need_of("mkdir", b"\"/x\", 0755", true), Need::InParent);
        assert_eq!(need_of("truncate", b"\"/x\", 0", true), Need::Bits(W));
    }

    fn judged(g: &Failure, id: usize, evidence: &PathEvidence, disk: &dyn Disk) -> Option<Explanation> {
        let names = Names::read(disk);
        explain(g, id, &Context { evidence, disk, names: &names })
    }

    #[test]
    fn disk_full_names_the_filesystem_of_the_path() {
        let g = Failure::path_example("/srv/app/data/blob", "ENOSPC");
        let e = judged(&g, 0, &PathEvidence::default(), &NoDisk).unwrap();
        let want = Explained::DiskFull { path: Some(b"/srv/app/data/blob".to_vec()), quota: false, filesystem: None };
        assert_eq!(e, Explanation { what: want, source: Source { trace: true, disk: None, host: false } });
        let g = Failure::path_example("/home/alice/x", "EDQUOT");
        let e = judged(&g, 0, &PathEvidence::default(), &NoDisk).unwrap();
        assert!(matches!(e.what, Explained::DiskFull { quota: true, .. }));
        let target = Target::Path { path: b"/srv/app".to_vec(), absolute: true };
        let g = Failure::example(target, "inotify_add_watch", "ENOSPC", 3);
        assert_eq!(judged(&g, 0, &PathEvidence::default(), &NoDisk).unwrap().what, Explained::InotifyLimit);
    }

    #[test]
    fn descriptors_held_at_the_failure() {
        let mut at = at("EMFILE", "accept4", "3, NULL, NULL, SOCK_CLOEXEC", Credentials::default());
        at.held = Some(Held { count: 16, complete: true });
        let e = descriptors("EMFILE", &at).unwrap();
        let want = Explained::OutOfDescriptors {
            held: 16,
            at_least: false,
            syscall: "accept4".into(),
            system_wide: false,
            limit: None,
            now: None,
        };
        assert_eq!(e.what, want);
        assert!(!e.source.host);
        let limit = ResourceLimit {
            resource: Resource::Files,
            soft: Limit::At(16),
            call: "setrlimit".into(),
            set: true,
            read_before: Default::default(),
        };
        at.limit = Some(limit.clone());
        assert!(
            matches!(descriptors("EMFILE", &at).unwrap().what, Explained::OutOfDescriptors { limit: Some(l), .. } if l == limit)
        );
        at.held = Some(Held { count: 13, complete: false });
        assert!(matches!(
            descriptors("ENFILE", &at).unwrap().what,
            Explained::OutOfDescriptors { held: 13, at_least: true, system_wide: true, limit: None, .. }
        ));
        // the limits the live host showed at the failure, said to come from it
        let now = HostNoFile { pid: 1, soft: Limit::At(16), hard: Limit::Unlimited };
        at.limit_now = Some(now.clone());
        let e = descriptors("EMFILE", &at).unwrap();
        assert!(matches!(&e.what, Explained::OutOfDescriptors { now: Some(n), .. } if *n == now));
        assert!(e.source.host && e.source.trace);
        at.held = None;
        assert_eq!(descriptors("EMFILE", &at), None);
    }

    #[test]
    fn a_limit_the_trace_shows_set_for_what_was_refused() {
        let mut at = at("ENOMEM", "mmap", "NULL, 134217728, PROT_NONE", Credentials::default());
        assert_eq!(resource_limit(&at), None, "no limit in the trace: nothing said");
        let limit = |soft| ResourceLimit {
            resource: Resource::AddressSpace,
            soft,
            call: "prlimit64".into(),
            set: true,
            read_before: Default::default(),
        };
        at.limit = Some(limit(Limit::Unlimited));
        assert_eq!(resource_limit(&at), None, "unlimited explains nothing");
        at.limit = Some(limit(Limit::At(64 << 20)));
        let e = resource_limit(&at).unwrap();
        assert_eq!(e.what, Explained::ResourceLimit { syscall: "mmap".into(), limit: limit(Limit::At(64 << 20)) });
        assert_eq!((e.source.trace, e.source.disk, e.source.host), (true, None, false));
    }

    #[test]
    fn address_in_use_names_the_port_and_its_holder() {
        let target = Target::Address { proto: "tcp", addr: "0.0.0.0:3000".into(), unix_path: None };
        let g = Failure::example(target, "bind", "EADDRINUSE", 1);
        let mut at = at("EADDRINUSE", "bind", "", Credentials::default());
        at.port_holder = Some((812, vec![b"/usr/bin/python3".to_vec(), b"-S".to_vec(), b"listen.py".to_vec()]));
        let e = address_in_use(&g, Some(&at)).unwrap();
        assert_eq!(e.what, Explained::PortInUse { port: 3000, holder: Some((812, "python3 -S listen.py".into())) });
        assert!(!e.source.host);
        // a holder the live host showed: said so
        at.holder_from_host = true;
        assert!(address_in_use(&g, Some(&at)).unwrap().source.host);
        assert_eq!(address_in_use(&g, None).unwrap().what, Explained::PortInUse { port: 3000, holder: None });
        let target =
            Target::Address { proto: "unix", addr: "/run/a.sock".into(), unix_path: Some(b"/run/a.sock".to_vec()) };
        let g = Failure::example(target, "bind", "EADDRINUSE", 1);
        assert_eq!(
            address_in_use(&g, None).unwrap().what,
            Explained::SocketFileExists { path: b"/run/a.sock".to_vec() }
        );
        let target = Target::Address { proto: "tcp", addr: "10.0.0.1:80".into(), unix_path: None };
        assert_eq!(address_in_use(&Failure::example(target, "connect", "EADDRINUSE", 1), None), None);
    }

    fn exec_failure(path: &str) -> Failure {
        Failure::example(Target::Path { path: path.as_bytes().to_vec(), absolute: true }, "execve", "ENOENT", 1)
    }

    #[test]
    fn a_missing_interpreter_or_a_carriage_return() {
        let root = Root::new();
        root.mkdir("usr/bin", 0o755);
        root.file("usr/bin/sh", "");
        root.file("srv/app/bin/run.sh", "#!/usr/bin/python2\nprint(1)\n");
        root.file("srv/app/bin/deploy.sh", "#!/usr/bin/sh\r\necho deployed\r\n");
        root.file("srv/app/bin/ok.sh", "#! /usr/bin/sh -e\necho ok\n");
        let disk = root.disk();
        let evidence = PathEvidence::default();
        let e = judged(&exec_failure("/srv/app/bin/run.sh"), 0, &evidence, &disk).unwrap();
        let program = b"/srv/app/bin/run.sh".to_vec();
        let want = Explained::BadInterpreter { program, problem: Interpreter::Missing(b"/usr/bin/python2".to_vec()) };
        assert_eq!(
            e,
            Explanation { what: want, source: Source { trace: false, disk: Some(Place::Root), host: false } }
        );
        let e = judged(&exec_failure("/srv/app/bin/deploy.sh"), 0, &evidence, &disk).unwrap();
        assert!(
            matches!(e.what, Explained::BadInterpreter { problem: Interpreter::CarriageReturn(ref i), .. } if i == b"/usr/bin/sh")
        );
        assert_eq!(judged(&exec_failure("/srv/app/bin/ok.sh"), 0, &evidence, &disk), None, "its interpreter exists");
        assert_eq!(judged(&exec_failure("/srv/app/bin/gone.sh"), 0, &evidence, &disk), None, "not there: plain ENOENT");
        // shown existing by the trace only: the interpreter or the loader is missing
        let mut known = PathEvidence::default();
        known.known.insert(b"/srv/app/bin/run.sh");
        let e = judged(&exec_failure("/srv/app/bin/run.sh"), 0, &known, &NoDisk).unwrap();
        assert!(matches!(e.what, Explained::BadInterpreter { problem: Interpreter::Unread, .. }));
        assert_eq!(e.source, Source { trace: true, disk: None, host: false });
    }

    #[test]
    fn a_shebang_below_a_header_or_after_a_byte_order_mark() {
        let root = Root::new();
        root.file("srv/app/bin/export", "# Copyright 2026\n\n#!/usr/bin/python3\nimport sys\n");
        root.file("srv/app/bin/bom", "\u{feff}#!/bin/sh\necho hi\n");
        root.file("srv/app/bin/legacy", "echo no shebang\n#!/bin/sh is only text here\n");
        root.file("srv/app/bin/sh-script", "# a shell script without #!\necho hi\n");
        let disk = root.disk();
        let enoexec =
            |p: &str| Failure::example(Target::Path { path: p.into(), absolute: true }, "execve", "ENOEXEC", 1);
        let evidence = PathEvidence::default();
        let problem = |p: &str| match judged(&enoexec(p), 0, &evidence, &disk).map(|e| e.what) {
            Some(Explained::BadInterpreter { problem, .. }) => Some(problem),
            _ => None,
        };
        assert_eq!(problem("/srv/app/bin/export"), Some(Interpreter::NotOnLine1 { line: 3 }));
        assert_eq!(problem("/srv/app/bin/bom"), Some(Interpreter::ByteOrderMark));
        assert_eq!(problem("/srv/app/bin/legacy"), None, "a #! below a command is text");
        assert_eq!(problem("/srv/app/bin/sh-script"), None, "no #!: a shell script by design");
        assert_eq!(judged(&enoexec("/srv/app/bin/export"), 0, &evidence, &NoDisk), None);
    }

    #[test]
    fn a_symlink_whose_target_is_gone() {
        let root = Root::new();
        for r in ["20261120-1", "20261201-1", "20261202-1", "20261203-1"] {
            root.mkdir(&format!("srv/app/releases/{r}"), 0o755);
        }
        // the newest release is half-made: the one before it holds what was asked for
        for r in ["20261201-1", "20261202-1"] {
            root.file(&format!("srv/app/releases/{r}/config.yml"), "port: 3000\n");
        }
        symlink("releases/20261130-1", root.path("srv/app/current")).unwrap();
        symlink("/srv/app/current", root.path("srv/current")).unwrap();
        let disk = root.disk();
        let g = Failure::path_example("/srv/current/config.yml", "ENOENT");
        let e = judged(&g, 0, &PathEvidence::default(), &disk).unwrap();
        let want = Explained::DanglingLink {
            link: b"/srv/app/current".to_vec(),
            target: b"releases/20261130-1".to_vec(),
            siblings: vec![b"20261203-1".to_vec(), b"20261202-1".to_vec(), b"20261201-1".to_vec()],
            more: 1,
            suggested: Some(b"/srv/app/releases/20261202-1".to_vec()),
        };
        assert_eq!(
            e,
            Explanation { what: want, source: Source { trace: false, disk: Some(Place::Root), host: false } }
        );
        let g = Failure::path_example("/srv/app/releases/20261201-1/config.yml", "ENOENT");
        assert_eq!(judged(&g, 0, &PathEvidence::default(), &disk), None, "a plain missing file");
        assert_eq!(
            judged(&Failure::path_example("/srv/current/x", "ENOENT"), 0, &PathEvidence::default(), &NoDisk),
            None
        );
    }

    #[test]
    fn names_come_from_the_roots_passwd_and_group() {
        let root = Root::new();
        let names = Names::read(&root.disk());
        assert_eq!(names.user(33), id(33, "www-data"));
        assert_eq!(names.group(999), id(999, "docker"));
        assert_eq!(names.user(4242), Id { id: 4242, name: None });
        assert_eq!(Names::read(&NoDisk).user(33).name, None);
    }
}

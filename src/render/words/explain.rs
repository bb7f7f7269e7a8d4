//! Explanations in words: what was found and where the facts came from.

use super::*;

/// A suspect's explanation: `/var/lib/app is root:root 0700; the process runs as uid 33
/// (www-data)`.
pub(crate) fn explanation(e: &Explanation) -> String {
    let lossy = |b: &[u8]| shown(b).to_string();
    match &e.what {
        Explained::Permission { denied, user } => permission(denied.as_ref(), user.as_ref()),
        Explained::DirectoryForFile { dir, file } => match file {
            Some(f) => format!("{} is a directory, read as a file; the file in it is {}", lossy(dir), lossy(f)),
            None => format!("{} is a directory, read as a file", lossy(dir)),
        },
        Explained::Attribute { path, dir } => format!(
            "EPERM, not EACCES: mode bits do not refuse this, and {} is not sticky; an attribute of {} \
             (immutable or append-only, shown by lsattr) is the likely refusal",
            lossy(dir),
            lossy(path)
        ),
        Explained::DiskFull { path, quota, filesystem } => {
            let what = if *quota { "disk quota exceeded" } else { "disk full" };
            let mut s = match path {
                Some(p) => format!("{what} on the filesystem holding {}", lossy(p)),
                None => format!("{what} on the filesystem written to"),
            };
            if let Some(fs) = filesystem {
                s.push_str(&format!(
                    " (mounted at {}; live host now: {} free of {})",
                    lossy(&fs.mount_point),
                    bytes(fs.free),
                    bytes(fs.total)
                ));
            }
            s
        }
        Explained::InotifyLimit => "out of inotify watches: the per-user limit (fs.inotify.max_user_watches)".into(),
        Explained::OutOfDescriptors { held, at_least, syscall, system_wide, limit, now } => {
            let what =
                if *system_wide { "the system is out of file descriptors (ENFILE)" } else { "out of file descriptors" };
            let mut s = match (held, at_least) {
                (0, _) => format!("{what} when {syscall} failed"),
                (n, true) => format!("{what}: the process held at least {n} when {syscall} failed"),
                (n, false) => format!("{what}: the process held {n} when {syscall} failed"),
            };
            if let Some(l) = limit {
                let how = if l.set { "set" } else { "read" };
                s.push_str(&format!("; limit {} ({how} by {})", limit_value(l.soft), l.call));
            }
            if let Some(n) = now {
                s.push_str(&format!(
                    "; limit {}, hard limit {} (/proc/{}/limits at the failure)",
                    limit_value(n.soft),
                    limit_value(n.hard),
                    n.pid
                ));
            }
            s
        }
        Explained::ResourceLimit { syscall, limit } => {
            let value = match limit.soft {
                Limit::At(n) if limit.resource.in_bytes() => bytes(n),
                Limit::At(n) if limit.resource == Resource::Processes => format!("{} processes of its user", number(n)),
                l => limit_value(l),
            };
            let how = if limit.set { "set" } else { "read" };
            format!(
                "{syscall} was refused while {} ({}) was {value} ({how} by {})",
                limit_name(limit.resource),
                limit.resource.rlimit(),
                limit.call
            )
        }
        Explained::NoSuchProcess { syscall, pid, pid_file } => match pid_file {
            Some((path, line)) => format!(
                "no process has pid {pid} ({syscall} failed); {}:{line} holds it: a stale pid file",
                lossy(path)
            ),
            None => format!("no process has pid {pid} ({syscall} failed)"),
        },
        Explained::PortInUse { port, holder } => match holder {
            Some((pid, cmd)) if !cmd.is_empty() => format!("port {port} is already in use, held by pid {pid} ({cmd})"),
            Some((pid, _)) => format!("port {port} is already in use, held by pid {pid}"),
            None => format!("port {port} is already in use"),
        },
        Explained::SocketFileExists { path } => format!("the socket file {} already exists", lossy(path)),
        Explained::BadInterpreter { program, problem } => {
            let program = lossy(program);
            match problem {
                Interpreter::Missing(i) => format!("{program} starts with #!{}, which does not exist", lossy(i)),
                Interpreter::CarriageReturn(i) => format!(
                    "{program} has CRLF line endings: its #! line names \"{}\\r\", which does not exist",
                    lossy(i)
                ),
                Interpreter::ElfLoader => {
                    format!("{program} exists, but its ELF loader (program interpreter) does not")
                }
                Interpreter::Unread => format!("{program} exists, but its #! interpreter or ELF loader does not"),
                Interpreter::NotOnLine1 { line } => {
                    format!("{program}: its #! is on line {line}, not line 1, where the kernel looks for it")
                }
                Interpreter::NotOnPath(name) => {
                    let name = lossy(name);
                    format!("{program} runs env {name} (its #! line), and env found no {name} along its PATH")
                }
                Interpreter::ByteOrderMark => {
                    format!("{program}: a UTF-8 byte order mark comes before its #!, which the kernel looks for first")
                }
            }
        }
        Explained::ReadOnly { mount } => format!(
            "{} is mounted read-only ({} {}, from {})",
            lossy(&mount.mount_point),
            lossy(&mount.fstype),
            lossy(&mount.source),
            lossy(&mount.table)
        ),
        Explained::Moved { dir, sibling, names, more, .. } => {
            let names: Vec<String> = names.iter().map(|n| lossy(n)).collect();
            let others = if *more > 0 { format!(" and {more} more") } else { String::new() };
            format!("{} does not exist; {} holds {}{others}", lossy(dir), lossy(sibling), names.join(", "))
        }
        Explained::DanglingLink { link, target, siblings, more, .. } => {
            let link = lossy(link);
            let target = lossy(target);
            let mut s = format!("{link} -> {target}, which is gone");
            if !siblings.is_empty() {
                let dir = match target.rsplit_once('/') {
                    Some((d, _)) => format!("{d}/"),
                    None => link.rsplit_once('/').map_or("/".to_string(), |(d, _)| format!("{d}/")),
                };
                let names: Vec<String> = siblings.iter().map(|n| lossy(n)).collect();
                let others = if *more > 0 { format!(" and {more} more") } else { String::new() };
                s.push_str(&format!("; {dir} has {}{others}", names.join(", ")));
            }
            s
        }
    }
}

/// The change a dangling link needs, when an existing sibling of its target holds what was
/// asked for: the link and its new target, written as the old one was (relative or absolute).
pub(crate) fn relink(e: &Explanation) -> Option<(TraceText, TraceText)> {
    let Explained::DanglingLink { link, target, suggested: Some(s), .. } = &e.what else { return None };
    let name = s.rsplit(|&c| c == b'/').next()?;
    let mut new = match target.iter().rposition(|&c| c == b'/') {
        Some(i) => target[..=i].to_vec(),
        None => Vec::new(),
    };
    new.extend_from_slice(name);
    Some((link.as_slice().into(), new.into()))
}

/// `/opt/pricer/lib → /opt/pricer/lib64/libpricing.so.3 exists (on disk); no file the process
/// read names it`: what a missing directory's sibling holds, when no line names the directory.
pub(crate) fn moved_line(e: &Explanation) -> Option<String> {
    let Explained::Moved { dir, suggested, .. } = &e.what else { return None };
    Some(format!("{} → {} exists (on disk); no file the process read names it", shown(dir), shown(suggested)))
}

/// `point /srv/app/current at releases/20261201-1: ln -sfn releases/20261201-1 /srv/app/current`.
pub(crate) fn relink_line(e: &Explanation) -> Option<String> {
    let (link, new) = relink(e)?;
    Some(format!("point {link} at {new}: ln -sfn {new} {link}"))
}

/// The fix a directory read as a file points at, when no file the process read names it:
/// `/srv/app/config → /srv/app/config/settings.json, the file in it; no file the process read
/// names it`.
pub(crate) fn file_instead_line(e: &Explanation) -> Option<String> {
    let Explained::DirectoryForFile { dir, file: Some(f) } = &e.what else { return None };
    Some(format!("{} → {}, the file in it; no file the process read names it", shown(dir), shown(f)))
}

/// `chown www-data /srv/app/uploads  (a suggestion: not run)`.
pub(crate) fn command(c: &TraceText) -> String {
    format!("{c}  (a suggestion: not run)")
}

/// What fills a full filesystem: `/srv/m/logs 812 MiB, /srv/m/cache 150 MiB (largest
/// directories; all 12,345 entries of /srv/m walked on the live host)`, then when stale files
/// were found `/srv/m/logs/app.log.1 (300 MiB, unchanged 40 days), … — unchanged 7 days or
/// more: remove or move what is no longer needed (a suggestion: nothing removed)`.
pub(crate) fn disk_usage(u: &DiskUsage) -> (String, Option<String>) {
    let walked = if u.complete {
        format!("all {} of {} walked on the live host", count(u.walked, "entry", "entries"), u.mount)
    } else {
        format!(
            "{} of {} walked on the live host, not all: the walk is bounded",
            count(u.walked, "entry", "entries"),
            u.mount
        )
    };
    let largest = if u.largest.is_empty() {
        format!("nothing walked takes space below {} ({walked})", u.mount)
    } else {
        let dirs: Vec<String> = u.largest.iter().map(|d| format!("{} {}", d.path, bytes(d.bytes))).collect();
        format!("{} (largest directories; {walked})", dirs.join(", "))
    };
    let stale = (!u.stale.is_empty()).then(|| {
        let files: Vec<String> =
            u.stale.iter().map(|f| format!("{} ({}, unchanged {} days)", f.path, bytes(f.bytes), f.days)).collect();
        format!(
            "{}: old logs, archives, backups or dumps unchanged {} days or more: remove or move what is no longer needed (a suggestion: nothing removed)",
            files.join(", "),
            u.stale_days
        )
    });
    (largest, stale)
}

fn permission(denied: Option<&Denied>, user: Option<&Id>) -> String {
    let id = |i: &Id| i.name.as_ref().map_or_else(|| i.id.to_string(), ToString::to_string);
    let runs = user.map(|u| match &u.name {
        Some(name) => format!("the process runs as uid {} ({name})", u.id),
        None => format!("the process runs as uid {}", u.id),
    });
    match (denied, runs) {
        (Some(d), runs) => {
            let is = format!("{} is {}:{} {:04o}", shown(&d.path), id(&d.owner), id(&d.group), d.mode);
            match runs {
                Some(runs) => {
                    let group =
                        d.not_in_group.as_ref().map(|g| format!(", not in group {}", id(g))).unwrap_or_default();
                    format!("{is}; {runs}{group}")
                }
                None => format!("{is}, closed to other users; the trace does not show which user the process ran as"),
            }
        }
        (None, Some(runs)) => runs,
        (None, None) => String::new(),
    }
}

/// `1.5 GiB`, `512 KiB`, `0 B`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 || v >= 10.0 {
        format!("{v:.0} {}", UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Where an explanation's facts came from: `trace`, `disk`, `trace and disk`, `trace and live
/// host`, `trace, disk and live host` (the disk under `--root`; the live host: the disk at
/// `--root /` or a process's ids in `/proc`).
pub(crate) fn source(s: Source) -> String {
    let live = s.host || s.disk == Some(Place::LiveHost);
    let disk = s.disk == Some(Place::Root);
    let parts: Vec<&str> = [(s.trace, "trace"), (disk, "disk"), (live, "live host")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    match parts.as_slice() {
        [] => "trace".into(),
        [one] => (*one).into(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// An explanation with its source, as the text and markdown reports print it.
pub(crate) fn explanation_line(e: &Explanation) -> String {
    format!("{} (from {})", explanation(e), source(e.source))
}

/// `1,024`, `unlimited`.
fn limit_value(l: Limit) -> String {
    match l {
        Limit::At(n) => number(n),
        Limit::Unlimited => "unlimited".into(),
    }
}

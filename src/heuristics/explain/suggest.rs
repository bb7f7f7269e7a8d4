//! The command that would fix an explained cause, when one is safe to suggest: it changes only
//! what the explanation found wrong, for the user the process ran as. Suggested, never run.

use super::{Denied, Explained, Explanation, Id};
use crate::heuristics::fix_pointer::{Reference, Sets};
use crate::text::TraceText;

/// Where a service's descriptor limit is set when no file the process read sets it: its
/// systemd unit (`LimitNOFILE=`) or PAM's limits (`nofile`). Read-only.
const WHERE_NOFILE_IS_SET: &str = "grep -rsn -e LimitNOFILE -e nofile /etc/systemd /lib/systemd/system /etc/security";
/// The whole system's descriptor table: in use, and its size.
const SYSTEM_FILES: &str = "sysctl fs.file-nr fs.file-max";

/// A command for `e`: `chmod o+x /var/lib/app` for a directory the process may not search,
/// `chown www-data /srv/app/var/uploads` for a file or directory it may not read or write,
/// `usermod -aG docker alice` when the group's bits would allow it; `ss -ltunp 'sport = :8080'`
/// to see who holds a port the trace does not show bound; `du` over the mount of a full
/// filesystem for its largest directories (`df` for which mount it is, when not on the live host);
/// `lsattr` of a file an attribute likely refuses;
/// for a descriptor limit no file the process read sets (`pointer`), the search of where a
/// service's is set, and for the system's table, its size.
pub fn suggested_command(e: &Explanation, pointer: Option<&Reference>) -> Option<TraceText> {
    let line = match &e.what {
        Explained::OutOfDescriptors { system_wide: true, .. } => SYSTEM_FILES.to_string(),
        Explained::OutOfDescriptors { .. } => match pointer {
            Some(Reference::Setting { sets: Sets::Limit(_), .. }) => return None,
            _ => WHERE_NOFILE_IS_SET.to_string(),
        },
        Explained::Permission { denied: Some(d), user } => permission(d, user.as_ref())?,
        Explained::Attribute { path, .. } => format!("lsattr {}", quoted(std::str::from_utf8(path).ok()?)),
        Explained::PortInUse { port, holder: None } => format!("ss -ltunp 'sport = :{port}'"),
        Explained::DiskFull { filesystem: Some(fs), quota: false, .. } => {
            let mount = quoted(std::str::from_utf8(&fs.mount_point).ok()?);
            format!("du -xh --max-depth=2 {mount} | sort -h | tail -n 10")
        }
        Explained::DiskFull { path: Some(p), filesystem: None, quota: false } => {
            let dir = p.iter().rposition(|&c| c == b'/').map_or(&p[..], |i| &p[..i.max(1)]);
            format!("df -h {}", quoted(std::str::from_utf8(dir).ok()?))
        }
        _ => return None,
    };
    Some(line.into())
}

fn permission(d: &Denied, user: Option<&Id>) -> Option<String> {
    let path = quoted(std::str::from_utf8(&d.path).ok()?);
    let user = user?;
    let name = |i: &Id| i.name.as_ref().map_or_else(|| i.id.to_string(), ToString::to_string);
    if let Some(g) = &d.not_in_group {
        // the group already allows it: membership is the smallest change
        return Some(format!("usermod -aG {} {}", name(g), name(user)));
    }
    let letters: String =
        [(4, 'r'), (2, 'w'), (1, 'x')].iter().filter(|(b, _)| d.bits & b != 0).map(|(_, c)| c).collect();
    match (d.bits, d.class) {
        // ownership was needed (chmod, chown, utime): only its owner or root may
        (0, _) => None,
        // search or execute: opening it to the class that applies gives nothing else away
        (1, class) => Some(format!("chmod {class}+x {path}")),
        // read or write for everyone else would give it to every user: give it to this one
        (_, 'o') => Some(format!("chown {} {path}", name(user))),
        (_, class) => Some(format!("chmod {class}+{letters} {path}")),
    }
}

/// `path` as one shell word.
fn quoted(path: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@,%=".contains(c);
    if !path.is_empty() && path.chars().all(plain) {
        return path.to_string();
    }
    format!("'{}'", path.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::process::Resource;
    use crate::heuristics::explain::Source;

    fn id(n: u32, name: &str) -> Id {
        Id { id: n, name: Some(name.into()) }
    }

    fn perm(path: &str, bits: u32, class: char, not_in_group: Option<Id>, user: Option<Id>) -> Option<String> {
        let denied = Denied {
            path: path.into(),
            owner: id(0, "root"),
            group: id(0, "root"),
            mode: 0o700,
            not_in_group,
            bits,
            class,
        };
        let e = Explanation { what: Explained::Permission { denied: Some(denied), user }, source: Source::default() };
        suggested_command(&e, None).map(|c| c.to_string())
    }

    #[test]
    fn the_smallest_change_for_the_user_the_process_ran_as() {
        let www = || Some(id(33, "www-data"));
        assert_eq!(perm("/var/lib/app", 1, 'o', None, www()).as_deref(), Some("chmod o+x /var/lib/app"));
        assert_eq!(perm("/srv/app/uploads", 3, 'o', None, www()).as_deref(), Some("chown www-data /srv/app/uploads"));
        assert_eq!(perm("/srv/app/x.log", 2, 'g', None, www()).as_deref(), Some("chmod g+w /srv/app/x.log"));
        let docker = Some(id(999, "docker"));
        assert_eq!(
            perm("/run/docker.sock", 2, 'o', docker, Some(id(1000, "alice"))).as_deref(),
            Some("usermod -aG docker alice")
        );
        assert_eq!(perm("/srv/my app", 1, 'o', None, www()).as_deref(), Some("chmod o+x '/srv/my app'"));
        // an unnamed user by its uid; nothing without the user, nor for ownership
        assert_eq!(perm("/srv/a", 4, 'o', None, Some(Id { id: 999, name: None })).as_deref(), Some("chown 999 /srv/a"));
        assert_eq!(perm("/srv/a", 4, 'o', None, None), None);
        assert_eq!(perm("/srv/a", 0, 'o', None, www()), None);
    }

    #[test]
    fn a_full_disk_gets_the_command_that_finds_what_fills_it() {
        let full = |path: &str, mount: Option<&str>| {
            let filesystem = mount.map(|m| crate::disk::Filesystem { mount_point: m.into(), free: 0, total: 1 << 20 });
            let what = Explained::DiskFull { path: Some(path.into()), quota: false, filesystem };
            suggested_command(&Explanation { what, source: Source::default() }, None).map(|c| c.to_string())
        };
        assert_eq!(
            full("/srv/m/data/x.csv", Some("/srv/m")).as_deref(),
            Some("du -xh --max-depth=2 /srv/m | sort -h | tail -n 10")
        );
        assert_eq!(full("/srv/m/data/x.csv", None).as_deref(), Some("df -h /srv/m/data"));
        assert_eq!(full("/x.csv", None).as_deref(), Some("df -h /"));
    }

    #[test]
    fn a_descriptor_limit_no_file_read_sets_is_looked_for_where_services_set_it() {
        let what = |system_wide| Explained::OutOfDescriptors {
            held: 64,
            at_least: false,
            syscall: "openat".into(),
            system_wide,
            limit: None,
            now: None,
        };
        let e = Explanation { what: what(false), source: Source::default() };
        assert_eq!(suggested_command(&e, None).map(|c| c.to_string()).as_deref(), Some(WHERE_NOFILE_IS_SET));
        let set = Reference::Setting {
            path: "/srv/app/run.sh".into(),
            line: 3,
            found: crate::heuristics::fix_pointer::Found::Trace,
            sets: Sets::Limit(Resource::Files),
            text: "ulimit -n 64".into(),
        };
        assert_eq!(suggested_command(&e, Some(&set)), None, "the file that sets it is the fix");
        let e = Explanation { what: what(true), source: Source::default() };
        assert_eq!(suggested_command(&e, None).map(|c| c.to_string()).as_deref(), Some(SYSTEM_FILES));
    }
}

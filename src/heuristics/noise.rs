//! Failures that are normal, each with a named reason: every noise rule lives here, and
//! [`judge`] applies them in order (the final report and the `--live` lines alike).
//!
//! The built-in list below names paths that libc, the loader and common runtimes probe on
//! every start; `--ignore` adds patterns, `--no-default-ignores` drops the list. The other
//! rules come from how programs behave: a search-path probe found elsewhere, a check followed
//! by creation, an errno programs provoke on purpose, a system path nobody minded missing.

use regex::bytes::RegexSet;

use crate::analysis::group::Failure;
use crate::errno::{is_unprovoked, may_be_the_cause, ErrnoClass};
use crate::path::is_system_tree;

/// Why a failure group is normal. Declared in the alphabetical order of the codes, the order
/// the report counts them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoiseReason {
    CapabilityProbe,
    CreatedLater,
    KnownBenign,
    SearchPathProbe,
    SystemProbe,
}

impl NoiseReason {
    /// The rule's stable name (the JSON's).
    pub fn code(self) -> &'static str {
        match self {
            NoiseReason::CapabilityProbe => "capability_probe",
            NoiseReason::CreatedLater => "created_later",
            NoiseReason::KnownBenign => "known_benign",
            NoiseReason::SearchPathProbe => "search_path_probe",
            NoiseReason::SystemProbe => "system_probe",
        }
    }
}

/// A noise judgement with what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub enum Noise {
    /// The path matches a built-in or `--ignore` pattern; `why` is the pattern's reason.
    KnownBenign { why: String },
    /// The same name was then found in another directory, or another name for it was.
    SearchPathProbe { found: Vec<u8> },
    /// An existence check, then the path was created.
    CreatedLater,
    /// An errno programs provoke on purpose to learn what is supported.
    CapabilityProbe { errno: String },
    /// A missing path in a system tree, and nothing visible followed.
    SystemProbe,
}

impl Noise {
    pub fn reason(&self) -> NoiseReason {
        match self {
            Noise::KnownBenign { .. } => NoiseReason::KnownBenign,
            Noise::SearchPathProbe { .. } => NoiseReason::SearchPathProbe,
            Noise::CreatedLater => NoiseReason::CreatedLater,
            Noise::CapabilityProbe { .. } => NoiseReason::CapabilityProbe,
            Noise::SystemProbe => NoiseReason::SystemProbe,
        }
    }
}

/// Why group `g` is normal, if it is: the first rule that applies. A group holding an errno
/// no healthy program provokes (a full disk, an I/O error) is never normal.
pub fn judge(g: &Failure, ignores: &Ignores) -> Option<Noise> {
    if g.errnos.keys().any(|e| is_unprovoked(e)) {
        return None;
    }
    let errno = g.main_errno();
    if let Some(reader) = g.after_reader {
        return Some(Noise::KnownBenign { why: consequence_of_reader(reader) });
    }
    if let (Some(k), true) = (&g.after_kill, g.after_kill_count == g.count) {
        return Some(Noise::KnownBenign {
            why: format!(
                "its peer (pid {}) had just been killed by {}: a consequence of the kill, not a cause",
                k.pid, k.signal
            ),
        });
    }
    if let Some(on) = &g.timeout_of {
        return Some(Noise::KnownBenign {
            why: format!("the wait on {on} ended by its timeout: a consequence of the wait"),
        });
    }
    if let Some(why) = ignores.matches_group(g) {
        return Some(Noise::KnownBenign { why: why.to_string() });
    }
    // a search looks for a name that may not be there; a refusal is no probe
    if let (Some(found), ErrnoClass::Missing) = (&g.found_elsewhere, g.class()) {
        return Some(Noise::SearchPathProbe { found: found.clone() });
    }
    if g.created_later && g.class() == ErrnoClass::Missing {
        return Some(Noise::CreatedLater);
    }
    if g.class() == ErrnoClass::Probe || asks_only(g) {
        return Some(Noise::CapabilityProbe { errno: errno.to_string() });
    }
    let system = g.target.fs_path().is_some_and(is_system_tree);
    if system && !g.reactions.any() && g.class() == ErrnoClass::Missing {
        return Some(Noise::SystemProbe);
    }
    None
}

/// A failure every healthy process has, whatever follows it: a benign path or a provoked
/// errno. A process's reaction is never attributed to one.
/// An errno of [`may_be_the_cause`] is not: whether it was routine shows in what followed.
pub fn is_routine(g: &Failure, ignores: &Ignores) -> bool {
    let errno = g.main_errno();
    let provoked = match g.class() {
        ErrnoClass::Transient => true,
        ErrnoClass::Probe => !may_be_the_cause(errno),
        _ => false,
    };
    provoked || asks_only(g) || g.after_reader.is_some() || g.timeout_of.is_some() || ignores.matches_group(g).is_some()
}

/// An `EPIPE` after the pipe's reader ended: the reader's end is the cause, this its echo.
fn consequence_of_reader(reader: crate::event::Pid) -> String {
    format!("the pipe's reader (pid {reader}) had exited: a consequence of its end")
}

/// Calls whose every failure is an answer to a question the program asked: an event loop
/// registering or removing a descriptor (`epoll_ctl`: EPERM for a regular file, ENOENT for one
/// not registered, EEXIST for one registered twice) goes on either way.
fn asks_only(g: &Failure) -> bool {
    g.syscalls.keys().all(|s| s == "epoll_ctl")
}

/// What a path matching an ignore pattern must also be to be ignored.
pub type Guard = fn(&[u8]) -> bool;

/// Built-in benign paths: (reason, pattern, and what a matching path must also be). Each is
/// something every healthy process of its kind looks for and tolerates missing. The patterns
/// stay plain: the set is built on every run, and a richer one costs more than the search.
pub const DEFAULT_IGNORES: &[(&str, &str, Option<Guard>)] = &[
    (
        "locale data (gettext/glibc look up every language variant)",
        r"^/usr/(share|lib)/locale/|^/usr/lib/locale/|/locale/[^/]+/LC_MESSAGES/",
        None,
    ),
    ("glibc charset converters", r"/gconv/", None),
    ("dynamic loader configuration probes", r"^/etc/ld\.so\.(preload|nohwcap|hwcap)$", None),
    (
        "dynamic loader hardware-capability directories",
        r"/(glibc-hwcaps|tls|haswell|avx512_1|x86_64|i686|sse2|x86-64-v[234])(/|$)",
        Some(in_a_library_directory),
    ),
    ("Apache per-directory .htaccess lookup", r"/\.htaccess$", None),
    ("PHP per-directory .user.ini lookup (php-fpm, CGI)", r"/\.user\.ini$", None),
    (
        PYTHON,
        r"/__pycache__(/|$)|\.pyc$|/pyvenv\.cfg$|/python3\d*\.zip$|\.pth$|/sitecustomize\.py$|/usercustomize\.py$|/\.local/lib/python3[^/]*/site-packages$",
        Some(not_a_model_checkpoint),
    ),
    ("terminal capability database", r"/terminfo/", None),
    ("SELinux probes", r"^/(etc|sys/fs)/selinux", None),
    ("name service cache daemon socket", r"^/(var/)?run/nscd/", None),
    (
        "systemd user database lookups by glibc NSS",
        r"^(/usr(/local)?/lib|/etc|/run(/systemd)?)/userdb(/|$)|^/run/host(/|$)",
        None,
    ),
    ("controlling terminal probe", r"^/dev/tty$", None),
    ("glibc tunables and debug switches", r"^/etc/suid-debug$|^/etc/malloc\.conf$", None),
    ("kernel feature probes under /proc and /sys", r"^/proc/sys/|^/sys/(kernel|fs|devices/system)/", None),
];

/// The loader tries its hardware-capability subdirectories of a library directory (`/lib`,
/// `/usr/lib64`, `LD_LIBRARY_PATH`'s) for each library: a `tls` or `x86_64` directory
/// elsewhere (`/srv/tls/site/fullchain.pem`) is an application's own.
fn in_a_library_directory(path: &[u8]) -> bool {
    let library = |c: &[u8]| matches!(c, b"lib" | b"lib32" | b"lib64" | b"libx32");
    let name = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    path.split(|&c| c == b'/').any(library) || name.ends_with(b".so") || crate::bytes::contains(name, b".so.")
}

/// What Python's start-up looks for next to its executable (`python3.11._pth`, a build
/// directory's files): names no other program uses, told by their end without a pattern (each
/// pattern more in the set costs every run more to build than these checks).
const PYTHON_STARTUP: &[&[u8]] = &[b"._pth", b"/pybuilddir.txt", b"/Modules/Setup.local"];
/// The reason [`PYTHON_STARTUP`] names give.
const PYTHON: &str = "Python bytecode caches and optional startup files";

/// Python's `.pth` files are in its `site-packages` (and `dist-packages`); elsewhere a `.pth`
/// is a model checkpoint (PyTorch), not a probe.
fn not_a_model_checkpoint(path: &[u8]) -> bool {
    !path.ends_with(b".pth")
        || crate::bytes::contains(path, b"/site-packages/")
        || crate::bytes::contains(path, b"/dist-packages/")
}

pub struct Ignores {
    reasons: Vec<String>,
    set: RegexSet,
    /// By pattern: what a matching path must also be.
    guards: Vec<Option<Guard>>,
    /// Tells this set's answers remembered in a group from another set's (tests make several).
    id: u32,
}

static IGNORE_SETS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Ignores {
    pub fn new(default: bool, user: &[String]) -> Result<Ignores, regex::Error> {
        let mut reasons = Vec::new();
        let mut patterns = Vec::new();
        let mut guards = Vec::new();
        if default {
            for (reason, pat, guard) in DEFAULT_IGNORES {
                reasons.push((*reason).to_string());
                patterns.push((*pat).to_string());
                guards.push(*guard);
            }
        }
        for pat in user {
            reasons.push(format!("matches --ignore {pat}"));
            patterns.push(pat.clone());
            guards.push(None);
        }
        let id = IGNORE_SETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Ignores { reasons, set: RegexSet::new(&patterns)?, guards, id })
    }

    /// [`Ignores::matches`] for the path of group `g`, asked once per group and set.
    fn matches_group(&self, g: &Failure) -> Option<&str> {
        let first = match g.ignored.get() {
            Some((id, first)) if id == self.id => first,
            _ => {
                let first = g.target.fs_path().and_then(|p| self.first(p)).and_then(|i| u32::try_from(i).ok());
                g.ignored.set(Some((self.id, first)));
                first
            }
        };
        first.map(|i| self.reasons[i as usize].as_str())
    }

    fn first(&self, path: &[u8]) -> Option<usize> {
        if PYTHON_STARTUP.iter().any(|end| path.ends_with(end)) {
            if let Some(i) = self.reasons.iter().position(|r| r == PYTHON) {
                return Some(i);
            }
        }
        // most paths match nothing: a plain search says so faster than the overlapping one
        if !self.set.is_match(path) {
            return None;
        }
        self.set.matches(path).iter().find(|&i| self.guards[i].is_none_or(|only| only(path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::group::Target;

    fn ignores() -> Ignores {
        Ignores::new(true, &["^/srv/cache/".to_string()]).unwrap()
    }

    #[test]
    fn known_benign_paths_from_the_list_and_from_ignore() {
        let g = Failure::path_example("/usr/share/locale/de/LC_MESSAGES/x.mo", "ENOENT");
        assert!(matches!(judge(&g, &ignores()), Some(Noise::KnownBenign { why }) if why.starts_with("locale data")));
        let g = Failure::path_example("/srv/cache/a", "ENOENT");
        assert_eq!(judge(&g, &ignores()), Some(Noise::KnownBenign { why: "matches --ignore ^/srv/cache/".into() }));
        assert!(judge(&g, &Ignores::new(false, &[]).unwrap()).is_none());
    }

    #[test]
    fn built_in_benign_paths_are_only_what_runtimes_probe() {
        // the loader's probes below library directories; Python's start-up looks for these
        // next to its executable (a system tree: known benign, not merely a system probe)
        for p in [
            "/lib/x86_64-linux-gnu/tls/x86_64/libc.so.6",
            "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1",
            "/opt/app/vendor/glibc-hwcaps/x86-64-v2/libfoo.so",
            "/usr/lib64/tls",
            "/usr/bin/python3._pth",
            "/usr/bin/pybuilddir.txt",
            "/usr/bin/Modules/Setup.local",
            "/usr/lib/python3/dist-packages/x.pth",
        ] {
            let noise = judge(&Failure::path_example(p, "ENOENT"), &ignores());
            assert!(matches!(noise, Some(Noise::KnownBenign { .. })), "{p}: {noise:?}");
        }
        // an application's own tls directory, a model checkpoint
        for p in [
            "/srv/ml/models/resnet50.pth",
            "/srv/tls/shop.example.internal/fullchain.pem",
            "/etc/nginx/tls/site.key",
            "/srv/build/x86_64/app",
        ] {
            assert_eq!(judge(&Failure::path_example(p, "ENOENT"), &ignores()), None, "{p}");
        }
    }

    #[test]
    fn a_search_path_probe_found_elsewhere() {
        let mut g = Failure::path_example("/usr/local/lib/python3/x.py", "ENOENT");
        g.found_elsewhere = Some(b"/usr/lib/python3/x.py".to_vec());
        assert_eq!(judge(&g, &ignores()), Some(Noise::SearchPathProbe { found: b"/usr/lib/python3/x.py".to_vec() }));
    }

    #[test]
    fn an_existence_check_then_creation() {
        let mut g = Failure::path_example("/var/lib/app/lock", "ENOENT");
        g.created_later = true;
        assert_eq!(judge(&g, &ignores()), Some(Noise::CreatedLater));
    }

    #[test]
    fn capability_probes_by_errno() {
        let g =
            Failure::example(Target::Call { syscall: "ioctl".into(), errno: "ENOTTY".into() }, "ioctl", "ENOTTY", 3);
        assert_eq!(judge(&g, &ignores()), Some(Noise::CapabilityProbe { errno: "ENOTTY".into() }));
        assert!(is_routine(&g, &ignores()));
    }

    #[test]
    fn system_paths_are_noise_only_when_nothing_followed() {
        let mut g = Failure::path_example("/usr/lib/x86_64-linux-gnu/libfoo.so.1", "ENOENT");
        assert_eq!(judge(&g, &ignores()), Some(Noise::SystemProbe));
        assert!(!is_routine(&g, &ignores()), "a reaction may still be attributed to it");
        g.reactions.exit_code = Some(127);
        assert_eq!(judge(&g, &ignores()), None);
        let g = Failure::path_example("/usr/lib/x86_64-linux-gnu/libfoo.so.1", "EACCES");
        assert_eq!(judge(&g, &ignores()), None, "a permission failure is never a probe");
    }

    #[test]
    fn a_full_disk_is_never_noise() {
        let mut g = Failure::path_example("/srv/app/data/db.sqlite", "ENOSPC");
        g.created_later = true;
        g.errnos.insert("ENOENT".into(), 1);
        assert_eq!(judge(&g, &ignores()), None);
        assert_eq!(g.main_errno(), "ENOSPC");
        let mut g = Failure::path_example("/usr/share/locale/de/x.mo", "EIO");
        g.created_later = true;
        assert_eq!(judge(&g, &ignores()), None);
    }

    #[test]
    fn application_failures_are_not_noise() {
        let g = Failure::path_example("/var/www/html/wp-includes/class-wp-locale.phpp", "ENOENT");
        assert_eq!(judge(&g, &ignores()), None);
        assert!(!is_routine(&g, &ignores()));
    }
}

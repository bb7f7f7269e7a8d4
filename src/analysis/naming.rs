//! Which failure a line of error text names, and how strongly; whether a line is an error at
//! all; the excerpt of it to quote. A claim that an error names a failure must be checkable in
//! the quoted text, so only whole names count.

use std::ops::Range;

pub use super::group::Naming;
use super::group::Target;

/// Longest excerpt kept from written text (characters, about).
pub const EXCERPT: usize = 160;

/// Where error `text` says it happened, as programs write it: PHP's `in /x.php on line 5` and
/// `in /x.php:5`, a shell's `/x.sh: 8: ` (dash) and `/x.sh: line 8: ` (bash), Python's
/// `File "/x.py", line 12`, Perl's `at /x.pl line 3.`, a stack frame's `(/x.js:12:5)`: the
/// first absolute path followed by a line number.
pub fn location(text: &[u8]) -> Option<(Vec<u8>, u64)> {
    let starts = text
        .iter()
        .enumerate()
        .filter(|&(i, &c)| c == b'/' && (i == 0 || matches!(text[i - 1], b' ' | b'(' | b'"' | b'\'' | b'\t' | b'@')));
    starts.map(|(i, _)| i).find_map(|i| {
        let len = text[i..].iter().position(|&c| matches!(c, b' ' | b'"' | b'\'' | b':' | b')' | b',' | b'\t' | b'\n'));
        let (path, rest) = text[i..].split_at(len.unwrap_or(text.len() - i));
        let number = [&b":"[..], b": ", b": line ", b" on line ", b"\", line ", b" line "]
            .iter()
            .filter_map(|p| rest.strip_prefix(*p))
            .find_map(|r| {
                let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
                std::str::from_utf8(&r[..digits]).ok()?.parse::<u64>().ok().filter(|&n| n > 0)
            })?;
        (path.len() > 1 && path.len() <= crate::memory::PATH_MAX).then(|| (path.to_vec(), number))
    })
}

/// Where and how strongly error `text` names `target`: (strength, byte range of the match).
pub fn naming(text: &[u8], target: &Target) -> Option<(Naming, Range<usize>)> {
    match target {
        // `/` (or a path of slashes) names nothing: every path holds it
        Target::Path { path, .. } if path.iter().all(|&c| c == b'/') => None,
        Target::Path { path, .. } => {
            // the path itself, not a directory of a longer path the text names
            let whole = find_all(text, path).find(|r| text.get(r.end) != Some(&b'/')).map(|r| (Naming::Path, r));
            // `wp-includes/x.phpp`: the suffixes of two components and more, longest first
            let suffix = || {
                let mut starts: Vec<usize> =
                    path.iter().enumerate().filter(|(_, &c)| c == b'/').map(|(i, _)| i + 1).collect();
                starts.pop(); // the last one leaves the bare name
                starts.into_iter().find_map(|k| bounded(text, &path[k..]).map(|r| (Naming::Path, r)))
            };
            let base = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
            // a bare word before a colon is a label or the writer's own name (`node:internal`,
            // `nginx: [emerg]`), not the file: a name with an extension still names it
            let label = |r: &Range<usize>| !base.contains(&b'.') && text.get(r.end) == Some(&b':');
            let name = || {
                (base.len() >= 3).then(|| bounded_where(text, base, |r| !label(r))).flatten().map(|r| (Naming::Name, r))
            };
            let stem = || {
                let stem = base.iter().position(|&c| c == b'.').filter(|&i| i >= 4).map(|i| &base[..i])?;
                (!is_ordinary_word(stem)).then(|| bounded(text, stem)).flatten().map(|r| (Naming::Stem, r))
            };
            whole.or_else(suffix).or_else(name).or_else(stem)
        }
        Target::Address { addr, unix_path, .. } => {
            let by_addr = (addr.len() >= 3).then(|| bounded(text, addr.as_bytes())).flatten();
            by_addr.or_else(|| unix_path.as_deref().and_then(|p| find(text, p))).map(|r| (Naming::Path, r))
        }
        Target::Call { .. } => None,
    }
}

fn find_all<'a>(text: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = Range<usize>> + 'a {
    memchr::memmem::find_iter(text, needle).map(move |i| i..i + needle.len())
}

fn find(text: &[u8], needle: &[u8]) -> Option<Range<usize>> {
    memchr::memmem::find(text, needle).map(|i| i..i + needle.len())
}

/// `needle` where it stands as a whole name: not inside a longer one (`db.php` in `wp-db.php`,
/// `5432` in `15432`).
pub fn bounded(text: &[u8], needle: &[u8]) -> Option<Range<usize>> {
    bounded_where(text, needle, |_| true)
}

/// The first place where `needle` stands as a whole name (as [`bounded`]) and `keep` accepts.
pub(crate) fn bounded_where(text: &[u8], needle: &[u8], keep: impl Fn(&Range<usize>) -> bool) -> Option<Range<usize>> {
    let is_name = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&text[from..], needle).map(|i| i + from) {
        let end = i + needle.len();
        let before = i == 0 || !is_name(text[i - 1]);
        // a full stop after a name still ends it
        let after = end == text.len()
            || !is_name(text[end])
            || (text[end] == b'.' && !text.get(end + 1).is_some_and(|&c| is_name(c)));
        if before && after && keep(&(i..end)) {
            return Some(i..end);
        }
        from = i + 1;
    }
    None
}

/// Words of prose and of everyday file names: a stem like these names nothing by itself.
pub fn is_ordinary_word(w: &[u8]) -> bool {
    const WORDS: &[&str] = &[
        "about",
        "access",
        "action",
        "admin",
        "alert",
        "application",
        "archive",
        "assets",
        "auth",
        "backup",
        "base",
        "build",
        "cache",
        "check",
        "class",
        "client",
        "common",
        "config",
        "configuration",
        "connect",
        "connection",
        "contact",
        "content",
        "control",
        "core",
        "data",
        "database",
        "debug",
        "default",
        "delete",
        "error",
        "errors",
        "event",
        "events",
        "example",
        "export",
        "false",
        "file",
        "files",
        "filter",
        "form",
        "format",
        "function",
        "functions",
        "global",
        "group",
        "handler",
        "header",
        "help",
        "home",
        "host",
        "hosts",
        "image",
        "images",
        "import",
        "include",
        "includes",
        "index",
        "info",
        "information",
        "init",
        "input",
        "install",
        "item",
        "items",
        "json",
        "layout",
        "library",
        "link",
        "list",
        "load",
        "loader",
        "local",
        "lock",
        "login",
        "logout",
        "main",
        "manager",
        "message",
        "messages",
        "model",
        "models",
        "module",
        "modules",
        "name",
        "names",
        "network",
        "news",
        "none",
        "null",
        "object",
        "open",
        "option",
        "options",
        "order",
        "orders",
        "output",
        "package",
        "page",
        "pages",
        "password",
        "path",
        "plugin",
        "plugins",
        "policy",
        "post",
        "posts",
        "private",
        "process",
        "profile",
        "public",
        "query",
        "read",
        "readme",
        "record",
        "request",
        "response",
        "result",
        "root",
        "route",
        "routes",
        "rules",
        "save",
        "schema",
        "script",
        "search",
        "secret",
        "security",
        "server",
        "service",
        "services",
        "session",
        "settings",
        "setup",
        "shared",
        "site",
        "source",
        "start",
        "state",
        "static",
        "status",
        "store",
        "style",
        "styles",
        "system",
        "table",
        "template",
        "templates",
        "test",
        "tests",
        "text",
        "theme",
        "themes",
        "this",
        "time",
        "token",
        "true",
        "types",
        "update",
        "upload",
        "uploads",
        "user",
        "users",
        "util",
        "utils",
        "value",
        "values",
        "version",
        "view",
        "views",
        "where",
        "which",
        "with",
        "word",
        "work",
        "write",
    ];
    let lower = w.to_ascii_lowercase();
    WORDS.iter().any(|x| x.as_bytes() == lower.as_slice())
}

/// Words that make a line of written text an error (lower case).
const ERROR_WORDS: &[&str] = &[
    "error",
    "fatal",
    "fail",
    "cannot",
    "can't",
    "could not",
    "unable",
    "denied",
    "not found",
    "no such",
    "invalid",
    "refused",
    "warn",
    "crit",
    "alert",
    "emerg",
    "panic",
    "exception",
    "traceback",
    "abort",
    "segmentation",
    "timed out",
    "timeout",
    "missing",
    "not permitted",
    "no space",
    "read-only",
    "too many",
];
/// Log level tags of lines that report, not complain.
const CALM_TAGS: &[&str] =
    &[":notice]", "[notice]", ":info]", "[info]", ":debug]", "[debug]", "notice:", "info:", "debug:"];

/// Error-level text: it complains (an error word), or it carries no calm log level tag. A
/// notice (`[mpm_prefork:notice] ... resuming normal operations`) is not error output.
pub fn is_error_level(text: &[u8]) -> bool {
    let t = String::from_utf8_lossy(text).to_ascii_lowercase();
    ERROR_WORDS.iter().any(|w| t.contains(w)) || !CALM_TAGS.iter().any(|tag| t.contains(tag))
}

/// The line of `text` that holds `at` (else the first non-empty line), without a log line's
/// `[date] [module] [pid]` prefix, bounded by cutting the middle out: the start, the match and
/// the end (where `file:line` usually stands) are kept. Still raw: renderers escape.
pub fn excerpt(text: &[u8], at: Option<Range<usize>>) -> String {
    let (start, line) = match &at {
        Some(r) => {
            let s = memchr::memrchr(b'\n', &text[..r.start]).map_or(0, |i| i + 1);
            let e = memchr::memchr(b'\n', &text[r.end..]).map_or(text.len(), |i| r.end + i);
            (s, &text[s..e])
        }
        None => {
            let line = text.split(|&c| c == b'\n').map(<[u8]>::trim_ascii).find(|l| !l.is_empty()).unwrap_or(b"");
            (line.as_ptr() as usize - text.as_ptr() as usize, line)
        }
    };
    let mut from = line.len() - line.trim_ascii_start().len();
    let end = line.trim_ascii_end().len().max(from);
    // log prefixes go, unless the match is inside one
    while line[from..end].starts_with(b"[") {
        match memchr::memchr(b']', &line[from..end]) {
            Some(close) if at.as_ref().is_none_or(|r| start + from + close < r.start) => {
                from += close + 1;
                from += line[from..end].len() - line[from..end].trim_ascii_start().len();
            }
            _ => break,
        }
    }
    let kept = &line[from..end];
    let local = |i: usize| i.saturating_sub(start + from).min(kept.len());
    let at = at.map(|r| local(r.start)..local(r.end).max(local(r.start)));
    cut_middle(kept, at)
}

/// `line` as text of about [`EXCERPT`] characters at most: its start, `keep`, its end.
fn cut_middle(line: &[u8], keep: Option<Range<usize>>) -> String {
    // bytes that are not UTF-8 written `\xNN`, as everywhere (never `�`)
    let text = crate::text::json(line).into_owned();
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let chars = bounds.len() - 1;
    if chars <= EXCERPT {
        return text;
    }
    // in characters: the start, the match with a little context, the end
    let char_of = |b: usize| bounds.iter().position(|&i| i >= b).unwrap_or(chars);
    let mut parts = vec![(0, EXCERPT / 3)];
    if let Some(r) = keep {
        let (a, b) = (char_of(r.start), char_of(r.end).max(char_of(r.start)));
        parts.push((a.saturating_sub(12), (b + 12).min(chars)));
    }
    parts.push((chars - EXCERPT / 3, chars));
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in parts {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let pieces: Vec<&str> = merged.iter().map(|&(a, b)| &text[bounds[a]..bounds[b]]).collect();
    pieces.join("…")
}

/// Fatal messages outrank warnings when choosing which error text to quote.
pub fn severity(text: &str) -> u8 {
    let t = text.to_ascii_lowercase();
    if t.contains("fatal") || t.contains("panic") || t.contains("uncaught") {
        2
    } else if t.contains("error") || t.contains("cannot") || t.contains("failed") {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Target {
        Target::Path { path: p.as_bytes().to_vec(), absolute: true }
    }

    fn named(text: &str, t: &Target) -> Option<Naming> {
        naming(text.as_bytes(), t).map(|(by, _)| by)
    }

    #[test]
    fn error_text_names_a_path_by_its_path_a_suffix_its_name_or_stem() {
        let t = path("/var/www/html/wp-includes/class-wp-locale.phpp");
        let fatal = "PHP Fatal error:  Uncaught Error: Failed opening required 'wp-includes/class-wp-locale.phpp'";
        assert_eq!(named(fatal, &t), Some(Naming::Path));
        assert_eq!(named("cannot open /var/www/html/wp-includes/class-wp-locale.phpp", &t), Some(Naming::Path));
        assert_eq!(named("class-wp-locale.phpp: missing", &t), Some(Naming::Name));
        let t = path("/srv/app/confg_loader.py");
        assert_eq!(named("ModuleNotFoundError: No module named 'confg_loader'", &t), Some(Naming::Stem));
        assert_eq!(named("all good", &t), None);
    }

    #[test]
    fn a_shared_prefix_a_longer_name_or_an_ordinary_word_names_nothing() {
        // the seed: every file under /var/www/html/wp... shares 16 bytes with the others
        let t = path("/var/www/html/wp-content/db.php");
        assert_eq!(named("PHP Fatal error: Failed opening required 'wp-includes/class-wp-locale.phpp' (include_path='.:/usr/share/php') in /var/www/html/wp-settings.php:112", &t), None);
        assert_eq!(named("require wp-db.php failed", &t), None);
        // a cut write names nothing it does not show
        assert_eq!(named("svcd: cannot read /srv/app/con", &path("/srv/app/config.yaml")), None);
        assert_eq!(named("see the index of the manual", &path("/var/www/index.html")), None);
        assert_eq!(named("GET /about/ 404", &path("/var/www/htlm/about.html")), None);
        // a bare word before a colon is a label or the writer's name, not the file
        assert_eq!(named("node:internal/modules/cjs/loader:1210", &path("/usr/lib/node")), None);
        assert_eq!(named("nginx: [emerg] open() failed", &path("/etc/nginx")), None);
        assert_eq!(named("cannot load node: missing", &path("/usr/lib/node")), None);
        assert_eq!(named("no such directory: node", &path("/usr/lib/node")), Some(Naming::Name));
        assert_eq!(named("Unable to write in the cache directory (/srv/crm/tpl).", &path("/")), None);
    }

    #[test]
    fn error_text_names_an_address() {
        let sock = Target::Address {
            proto: "unix",
            addr: "/tmp/ux/fpm/uxshop.sock".into(),
            unix_path: Some(b"/tmp/ux/fpm/uxshop.sock".to_vec()),
        };
        let crit = "[crit] 9037#9037: *40 connect() to unix:/tmp/ux/fpm/uxshop.sock failed (13: Permission denied)";
        assert_eq!(named(crit, &sock), Some(Naming::Path));
        let db = Target::Address { proto: "tcp", addr: "127.0.0.1:5433".into(), unix_path: None };
        assert_eq!(named("cannot reach database shop at 127.0.0.1:5433: Connection refused", &db), Some(Naming::Path));
        assert_eq!(named("listening on 127.0.0.1:54330", &db), None);
    }

    #[test]
    fn notices_are_not_error_output() {
        let notice = b"[Mon Dec 01 03:01:27.4 2026] [mpm_prefork:notice] [pid 16050] AH00163: Apache/2.4.62 (Debian) configured -- resuming normal operations";
        assert!(!is_error_level(notice));
        assert!(is_error_level(b"NOTICE: PHP message: PHP Warning:  file_put_contents(/srv/x/orders.log): Failed to open stream: Permission denied"));
        assert!(is_error_level(b"cat: /etc/x.conf: No such file or directory"));
        assert!(!is_error_level(b"2026/12/01 06:20:01 [notice] 9035#9035: signal process started"));
    }

    proptest::proptest! {
        /// Any text, any match inside it (even one starting with blanks or a `]`): no panic, and
        /// the excerpt stays bounded.
        #[test]
        fn an_excerpt_of_anything_is_bounded(text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600), a in 0usize..600, n in 0usize..80) {
            let start = a.min(text.len());
            let end = (start + n).min(text.len());
            for at in [None, Some(start..end)] {
                let e = excerpt(&text, at);
                proptest::prop_assert!(e.chars().count() <= EXCERPT + 100);
            }
        }
    }

    #[test]
    fn where_error_text_says_it_happened() {
        let at = |t: &str| location(t.as_bytes()).map(|(p, n)| (String::from_utf8(p).unwrap(), n));
        let want = |p: &str, n| Some((p.to_string(), n));
        assert_eq!(
            at("PHP Warning:  require_once(/x/a.php): Failed in /var/www/index.php on line 5"),
            want("/var/www/index.php", 5)
        );
        assert_eq!(at("Uncaught Error: Failed opening '/x' in /var/www/index.php:5"), want("/var/www/index.php", 5));
        assert_eq!(at("/srv/backup/bin/run.sh: 8: /srv/h.sh: Permission denied"), want("/srv/backup/bin/run.sh", 8));
        assert_eq!(at("/srv/app/run.sh: line 12: /srv/x: No such file"), want("/srv/app/run.sh", 12));
        assert_eq!(at("  File \"/srv/app/main.py\", line 7, in <module>"), want("/srv/app/main.py", 7));
        assert_eq!(at("cannot open /srv/x.conf at /opt/job/run.pl line 3."), want("/opt/job/run.pl", 3));
        assert_eq!(at("    at Object.<anonymous> (/srv/app/server.js:12:5)"), want("/srv/app/server.js", 12));
        assert_eq!(at("open /srv/app/data.json: no such file or directory"), None, "no line number");
        assert_eq!(at("error 404 at line 3"), None, "no path");
    }

    #[test]
    fn excerpts_keep_the_match_and_the_end() {
        let text = format!(
            "[Mon Dec 01] [php:error] [pid 1] PHP Fatal error: {} in /tmp/ux/nginx/conf.d/uxshop.conf:12",
            "x".repeat(300)
        );
        let e = excerpt(text.as_bytes(), None);
        assert!(e.starts_with("PHP Fatal error: "), "{e}");
        assert!(e.ends_with("uxshop.conf:12"), "{e}");
        assert!(e.chars().count() <= EXCERPT + 2, "{}", e.chars().count());
        let text = format!("{} open() \"/srv/a/htpasswd\" failed {}", "a".repeat(200), "b".repeat(200));
        let at = memchr::memmem::find(text.as_bytes(), b"/srv/a/htpasswd").unwrap();
        let e = excerpt(text.as_bytes(), Some(at..at + 15));
        assert!(e.contains("/srv/a/htpasswd") && e.matches('…').count() == 2, "{e}");
        // the named line, not the first
        let two = b"first line\nsecond names /srv/a/x here\n";
        assert_eq!(excerpt(two, Some(25..32)), "second names /srv/a/x here");
    }
}

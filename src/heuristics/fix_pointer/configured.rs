//! The configuration behind a service ([`read`]): the files its command line names (`-c`,
//! `-f`, `-y`, `--config`, a `*.conf` argument; a master process's rewritten title such as
//! `nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf` or `php-fpm: master
//! process (/etc/php/8.2/fpm/php-fpm.conf)`), else the file the program reads by default (its
//! name in [`DEFAULTS`]), and what they include. A service attached to was started long
//! before the trace: its configuration is in no line of it, yet it is what names the wrong
//! path or address. Read from the disk (the confined one), within the disk's budget.

use super::{line_of, Needle, MAX_FILE};
use crate::disk::Disk;
use crate::event::Pid;
use crate::path::{join, split};

/// Configuration files read for one judgement, includes too.
const MAX_CONFIG_FILES: usize = 128;
/// Includes followed from a named file (nginx.conf → sites-enabled/* → snippets/*).
const MAX_DEPTH: usize = 4;

/// Options whose value is a configuration file (`-c FILE`, `--config=FILE`).
const OPTIONS: &[&[u8]] = &[
    b"-c",
    b"-f",
    b"-y",
    b"--config",
    b"--conf",
    b"--config-file",
    b"--conf-file",
    b"--fpm-config",
    b"--defaults-file",
];
/// What a file argument ends with to be taken for a configuration (`redis-server redis.conf`).
const EXTENSIONS: &[&[u8]] = &[b".conf", b".cnf", b".cfg", b".ini", b".toml", b".yaml", b".yml"];
/// Programs that read a configuration file by default when their command line names none.
const DEFAULTS: &[(&[u8], &[u8])] = &[
    (b"nginx", b"/etc/nginx/nginx.conf"),
    (b"apache2", b"/etc/apache2/apache2.conf"),
    (b"httpd", b"/etc/httpd/conf/httpd.conf"),
    (b"haproxy", b"/etc/haproxy/haproxy.cfg"),
    (b"mysqld", b"/etc/mysql/my.cnf"),
    (b"mariadbd", b"/etc/mysql/my.cnf"),
];

/// The configuration of one process: the file its command line names (or its default), and
/// every file read from it, that one first, with their contents.
pub(crate) struct Configuration {
    pub pid: Pid,
    pub main: Vec<u8>,
    pub files: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Configuration {
    /// The first file and line where `needles` (most specific first) stand, as [`super::line_of`].
    pub(super) fn find(&self, needles: &[Needle<'_>]) -> Option<(usize, &[u8], u64)> {
        needles.iter().enumerate().find_map(|(k, n)| {
            self.files.iter().find_map(|(path, content)| line_of(content, n).map(|l| (k, path.as_slice(), l)))
        })
    }
}

/// The configurations of a trace's command lines, read from the disk the first time a
/// pointer needs them (most reports find theirs in the files the trace shows read).
pub(crate) struct Configurations<'a> {
    command_lines: &'a [(Pid, Vec<Vec<u8>>)],
    read: std::cell::OnceCell<Vec<Configuration>>,
}

impl<'a> Configurations<'a> {
    pub(crate) fn new(command_lines: &'a [(Pid, Vec<Vec<u8>>)]) -> Self {
        Configurations { command_lines, read: std::cell::OnceCell::new() }
    }

    pub(super) fn get(&self, disk: &dyn Disk) -> &[Configuration] {
        self.read.get_or_init(|| read(self.command_lines, disk))
    }
}

/// The configurations of `command_lines` (pid and argv), each file read once.
fn read(command_lines: &[(Pid, Vec<Vec<u8>>)], disk: &dyn Disk) -> Vec<Configuration> {
    let mut out: Vec<Configuration> = Vec::new();
    let mut budget = MAX_CONFIG_FILES;
    for (pid, argv) in command_lines {
        for main in named(argv) {
            if budget == 0 || out.iter().any(|c| c.files.iter().any(|(p, _)| *p == main)) {
                continue;
            }
            let files = with_includes(&main, disk, &mut budget);
            if !files.is_empty() {
                out.push(Configuration { pid: *pid, main, files });
            }
        }
    }
    out
}

/// The configuration files `argv` names, else its program's default.
fn named(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let words = words(argv);
    let mut out = Vec::new();
    let mut it = words.iter().skip(1);
    while let Some(w) = it.next() {
        let value = match w.iter().position(|&c| c == b'=') {
            Some(i) if OPTIONS.contains(&&w[..i]) => Some(w[i + 1..].to_vec()),
            _ if OPTIONS.contains(&w.as_slice()) => it.next().cloned(),
            _ if !w.starts_with(b"-") && EXTENSIONS.iter().any(|e| w.ends_with(e)) => Some(w.clone()),
            _ => None,
        };
        out.extend(value.filter(|v| v.starts_with(b"/")));
    }
    if out.is_empty() {
        let program = words.first().map(|w| split(w).map_or(w.as_slice(), |(_, n)| n)).unwrap_or_default();
        out.extend(DEFAULTS.iter().filter(|(p, _)| *p == program).map(|(_, f)| f.to_vec()));
        // php-fpm8.2 reads /etc/php/8.2/fpm/php-fpm.conf
        if let Some(version) = program.strip_prefix(b"php-fpm").filter(|v| !v.is_empty()) {
            out.push([&b"/etc/php/"[..], version, b"/fpm/php-fpm.conf"].concat());
        }
    }
    out
}

/// `argv` as words: a master process rewrites its title into one argument (`nginx: master
/// process /usr/sbin/nginx -c /etc/nginx/nginx.conf`); what follows `master process` is its
/// command line again, and a `(/path)` there the file it was started with (php-fpm's title).
fn words(argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let [title] = argv else { return argv.to_vec() };
    let Some(i) = memchr::memmem::find(title, b": ") else { return argv.to_vec() };
    let program = title[..i].to_vec();
    let rest = &title[i + 2..];
    let rest = rest.strip_prefix(b"master process ").unwrap_or(rest);
    if let Some(inner) = rest.strip_prefix(b"(").and_then(|r| r.strip_suffix(b")")) {
        return vec![program, b"-c".to_vec(), inner.to_vec()];
    }
    let mut words: Vec<Vec<u8>> =
        rest.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty()).map(<[u8]>::to_vec).collect();
    match words.first() {
        // the original argv[0] (`/usr/sbin/nginx`)
        Some(w) if w.starts_with(b"/") => words,
        _ => {
            words.insert(0, program);
            words
        }
    }
}

/// `main` and what it includes (depth first, in order), with their contents.
fn with_includes(main: &[u8], disk: &dyn Disk, budget: &mut usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    // relative includes are taken from the main file's directory (nginx's prefix, apache's
    // ServerRoot on Debian, php-fpm's /etc/php/X/fpm)
    let base = split(main).map_or(&b"/"[..], |(d, _)| d).to_vec();
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut next: Vec<(Vec<u8>, usize)> = vec![(main.to_vec(), 0)];
    while let Some((path, depth)) = next.pop() {
        if *budget == 0 {
            break;
        }
        if out.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let Some(content) = disk.read_named(&path, MAX_FILE, None).filter(|c| !c.contains(&0)) else { continue };
        *budget -= 1;
        if depth < MAX_DEPTH {
            let mut found: Vec<Vec<u8>> = includes(&content)
                .into_iter()
                .flat_map(|p| expand(&if p.starts_with(b"/") { p } else { join(&base, &p) }, disk))
                .collect();
            found.reverse();
            next.extend(found.into_iter().map(|p| (p, depth + 1)));
        }
        out.push((path, content));
    }
    out
}

/// The files a configuration includes, as written: `include sites-enabled/*;` (nginx),
/// `Include`/`IncludeOptional` (apache), `include=/etc/php/8.2/fpm/pool.d/*.conf` (php-fpm),
/// `!include`/`!includedir` (mysql).
fn includes(content: &[u8]) -> Vec<Vec<u8>> {
    const KEYS: &[&[u8]] = &[b"include", b"includeoptional", b"!include", b"!includedir"];
    content
        .split(|&c| c == b'\n')
        .filter_map(|line| {
            let line = line.trim_ascii();
            let key_end = line.iter().position(|&c| c.is_ascii_whitespace() || c == b'=').unwrap_or(line.len());
            let key = line[..key_end].to_ascii_lowercase();
            if !KEYS.contains(&key.as_slice()) {
                return None;
            }
            let value = line[key_end..].trim_ascii_start();
            let value = value.strip_prefix(b"=").unwrap_or(value).trim_ascii();
            let value = value.strip_suffix(b";").unwrap_or(value).trim_ascii();
            let value = value.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")).unwrap_or(value);
            (!value.is_empty() && !value.contains(&b' ')).then(|| value.to_vec())
        })
        .collect()
}

/// The files `pattern` names: itself, the files of a directory, or those matching a `*`/`?`
/// pattern in its last component, in name order.
fn expand(pattern: &[u8], disk: &dyn Disk) -> Vec<Vec<u8>> {
    let Some((dir, name)) = split(pattern) else { return Vec::new() };
    let wild = name.contains(&b'*') || name.contains(&b'?');
    let is_dir = !wild && disk.list(pattern).is_some();
    if !wild && !is_dir {
        return vec![pattern.to_vec()];
    }
    let (dir, name) = if is_dir { (pattern, &b"*"[..]) } else { (dir, name) };
    let Some(listing) = disk.list(dir) else { return Vec::new() };
    let mut names: Vec<&Vec<u8>> = listing.names.iter().filter(|n| !n.starts_with(b".") && matches(name, n)).collect();
    names.sort();
    names.into_iter().map(|n| join(dir, n)).collect()
}

/// Whether `name` matches the shell pattern `pattern` (`*` and `?` only).
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| matches(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && matches(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && matches(rest, &name[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::RootDisk;

    fn argv(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_files_a_command_line_names() {
        let named = |w: &[&str]| named(&argv(w)).into_iter().map(|p| String::from_utf8(p).unwrap()).collect::<Vec<_>>();
        assert_eq!(named(&["nginx: master process /usr/sbin/nginx -c /srv/edge/nginx.conf"]), ["/srv/edge/nginx.conf"]);
        assert_eq!(named(&["nginx: worker process"]), ["/etc/nginx/nginx.conf"]);
        assert_eq!(
            named(&["php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)"]),
            ["/etc/php/8.2/fpm/php-fpm.conf"]
        );
        assert_eq!(named(&["/usr/sbin/php-fpm8.2", "--nodaemonize"]), ["/etc/php/8.2/fpm/php-fpm.conf"]);
        assert_eq!(named(&["/usr/sbin/apache2", "-k", "start"]), ["/etc/apache2/apache2.conf"]);
        assert_eq!(named(&["python3", "/opt/app/run.py", "--config=/opt/app/etc/app.ini"]), ["/opt/app/etc/app.ini"]);
        assert_eq!(named(&["redis-server", "/etc/redis/redis.conf"]), ["/etc/redis/redis.conf"]);
        // a relative name is the process's working directory's, which the report does not know
        assert!(named(&["python3", "app.py", "-c", "app.ini"]).is_empty());
        assert!(named(&["python3", "/opt/app/run.py"]).is_empty());
    }

    #[test]
    fn includes_are_followed_with_their_patterns() {
        let root = tempfile::tempdir().unwrap();
        let files: &[(&str, &str)] = &[
            (
                "etc/nginx/nginx.conf",
                "events {}\nhttp {\n\tinclude /etc/nginx/conf.d/*.conf;\n\tinclude sites-enabled/*;\n}\n",
            ),
            ("etc/nginx/conf.d/gzip.conf", "gzip on;\n"),
            ("etc/nginx/conf.d/notes.txt", "upstream 127.0.0.1:9\n"),
            ("etc/nginx/sites-enabled/app", "server {\n\tlocation / { proxy_pass http://127.0.0.1:18520; }\n}\n"),
        ];
        for (p, c) in files {
            let host = root.path().join(p);
            std::fs::create_dir_all(host.parent().unwrap()).unwrap();
            std::fs::write(host, c).unwrap();
        }
        let disk = RootDisk::new(root.path());
        let configs = read(&[(812, argv(&["nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf"]))], &disk);
        let [c] = &configs[..] else { panic!("one configuration") };
        let paths: Vec<&[u8]> = c.files.iter().map(|(p, _)| p.as_slice()).collect();
        assert_eq!(
            paths,
            [&b"/etc/nginx/nginx.conf"[..], b"/etc/nginx/conf.d/gzip.conf", b"/etc/nginx/sites-enabled/app"]
        );
        let needle = Needle { text: b"127.0.0.1:18520", bound: super::super::Bound::Name };
        assert_eq!(c.find(&[needle]), Some((0, &b"/etc/nginx/sites-enabled/app"[..], 2)));
        assert!(matches(b"*.conf", b"a.conf") && !matches(b"*.conf", b"a.confx") && matches(b"w?w", b"www"));
    }
}

//! What a server answered its clients: each HTTP status with the shape of the URLs it was
//! written for (`*.php`, `/admin/`), so the user sees at once which requests fail and which
//! still work. A response's URL is the request last read on the same connection (process and
//! descriptor); a response with no request seen on its connection (the request came before
//! the trace, or was not HTTP) makes the status's URLs unknown rather than guessed.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use crate::event::Pid;

/// Connections whose request is remembered until its response; past it, new requests are not
/// remembered (their responses' URLs are unknown).
const CONNECTIONS: usize = 4096;
/// A longer URL is not remembered (its response's URL is unknown).
const URL: usize = 512;

/// Requests waiting for their response, and the responses by status.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answers {
    pending: HashMap<(Pid, i64), Vec<u8>>,
    pub by_code: BTreeMap<u16, Urls>,
}

impl Answers {
    /// A new connection on descriptor `fd`: what an earlier connection on it asked is over.
    pub fn accepted(&mut self, pid: Pid, fd: i64) {
        self.pending.remove(&(pid, fd));
    }

    /// `pid` read a request for `url` on `fd`.
    pub fn request(&mut self, pid: Pid, fd: i64, url: &[u8]) {
        let key = (pid, fd);
        if url.len() > URL || (self.pending.len() >= CONNECTIONS && !self.pending.contains_key(&key)) {
            self.pending.remove(&key);
            return;
        }
        self.pending.insert(key, url.to_vec());
    }

    /// `pid` wrote a response with status `code` on `fd` (`None`: the descriptor is unknown).
    pub fn answered(&mut self, pid: Pid, fd: Option<i64>, code: u16) {
        let url = fd.and_then(|fd| self.pending.remove(&(pid, fd)));
        self.by_code.entry(code).or_default().add(url.as_deref());
    }
}

/// The URLs one status was written for, as much as a pattern needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Urls {
    /// Responses whose URL is known, and not.
    pub known: u64,
    pub unknown: u64,
    first: Vec<u8>,
    /// Every known URL is `first`.
    same: bool,
    /// The extension every known URL ends with (`.php`), or `None` when they differ or have none.
    ext: Option<Vec<u8>>,
    /// The longest directory every known URL lies in (`/admin/`).
    dir: Vec<u8>,
}

impl Urls {
    fn add(&mut self, url: Option<&[u8]>) {
        let Some(url) = url else {
            self.unknown += 1;
            return;
        };
        if self.known == 0 {
            self.first = url.to_vec();
            self.same = true;
            self.ext = extension(url).map(<[u8]>::to_vec);
            self.dir = directory(url).to_vec();
        } else {
            self.same &= self.first == url;
            if self.ext.as_deref() != extension(url) {
                self.ext = None;
            }
            let common = self.dir.iter().zip(directory(url)).take_while(|(a, b)| a == b).count();
            // back to the last whole directory
            let keep = self.dir[..common].iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
            self.dir.truncate(keep);
        }
        self.known += 1;
    }

    /// What the URLs have in common: the one URL, `/dir/*.ext`, `*.ext` or `/dir/`; `None` when
    /// some URL is unknown or they share nothing.
    pub fn pattern(&self) -> Option<Vec<u8>> {
        if self.unknown > 0 || self.known == 0 {
            return None;
        }
        if self.same {
            return Some(self.first.clone());
        }
        let dir = (self.dir.len() > 1).then_some(self.dir.as_slice());
        match (&self.ext, dir) {
            (Some(ext), dir) => Some([dir.unwrap_or(b""), b"*", ext].concat()),
            (None, Some(dir)) => Some(dir.to_vec()),
            (None, None) => None,
        }
    }
}

/// The directory part of `url`, up to and with its last `/`.
fn directory(url: &[u8]) -> &[u8] {
    url.iter().rposition(|&c| c == b'/').map_or(b"/" as &[u8], |i| &url[..=i])
}

/// The extension of `url`'s last segment, with its dot.
fn extension(url: &[u8]) -> Option<&[u8]> {
    let name = &url[directory(url).len()..];
    let dot = name.iter().rposition(|&c| c == b'.').filter(|&i| i > 0)?;
    Some(&name[dot..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(urls: &[&str]) -> Option<String> {
        let mut u = Urls::default();
        for url in urls {
            u.add(Some(url.as_bytes()));
        }
        u.pattern().map(|p| String::from_utf8(p).unwrap())
    }

    #[test]
    fn urls_in_common() {
        assert_eq!(pattern(&["/index.php", "/index.php"]).as_deref(), Some("/index.php"));
        assert_eq!(pattern(&["/index.php", "/cart/add.php"]).as_deref(), Some("*.php"));
        assert_eq!(pattern(&["/admin/a.php", "/admin/b.php"]).as_deref(), Some("/admin/*.php"));
        assert_eq!(pattern(&["/admin/users", "/admin/x/y.css"]).as_deref(), Some("/admin/"));
        assert_eq!(pattern(&["/a/b/c.css", "/a/bc/d.js"]).as_deref(), Some("/a/"), "whole directories only");
        assert_eq!(pattern(&["/favicon.ico", "/robots.txt"]), None);
        assert_eq!(pattern(&["/", "/about"]), None);
    }

    #[test]
    fn a_response_takes_the_request_of_its_connection() {
        let mut a = Answers::default();
        a.request(10, 5, b"/admin/");
        a.request(10, 6, b"/index.php");
        a.answered(10, Some(6), 502);
        a.answered(10, Some(5), 403);
        // keep-alive: a second response without a new request has no known URL
        a.answered(10, Some(5), 403);
        assert_eq!(a.by_code[&502].pattern(), Some(b"/index.php".to_vec()));
        assert_eq!((a.by_code[&403].known, a.by_code[&403].unknown), (1, 1));
        assert_eq!(a.by_code[&403].pattern(), None, "one unknown URL: no pattern claimed");
        // a new connection on the same descriptor forgets the old request
        a.request(10, 7, b"/x");
        a.accepted(10, 7);
        a.answered(10, Some(7), 200);
        assert_eq!(a.by_code[&200].unknown, 1);
    }
}

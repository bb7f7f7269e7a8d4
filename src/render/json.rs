//! `--format json`: the report object, schema 1. The typed kinds the JSON carries as
//! sentences are serialized here, with the words of [`super::words`].

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::words;
use crate::report::Explanation;
use crate::report::{Confidence, Reason};
use crate::report::{FollowedBy, NetworkFailure, Report};
use crate::report::{Found, Reference};
use crate::report::{Noise, NoiseReason};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// `{"kind": "typo", "points": 40, "text": "likely typo ..."}`.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = s.serialize_struct("Reason", 3)?;
        r.serialize_field("kind", self.why.code())?;
        r.serialize_field("points", &self.points)?;
        r.serialize_field("text", &words::reason(&self.why))?;
        r.end()
    }
}

/// `{"kind": "permission", "text": "/var/lib/app is root:root 0700; ...", "source": "trace and disk"}`.
impl Serialize for Explanation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut e = s.serialize_struct("Explanation", 3)?;
        e.serialize_field("kind", self.what.code())?;
        e.serialize_field("text", &words::explanation(self))?;
        e.serialize_field("source", &words::source(self.source))?;
        e.end()
    }
}

/// `"HTTP 500 responses (5)"`.
impl Serialize for FollowedBy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&words::followed_by(self))
    }
}

/// `{"reason": "search_path_probe", "detail": "found later as /usr/lib/x"}`.
impl Serialize for Noise {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut n = s.serialize_struct("Noise", 2)?;
        n.serialize_field("reason", &self.reason())?;
        n.serialize_field("detail", &words::noise_detail(self))?;
        n.end()
    }
}

/// `what` in words: `"connection refused"`.
impl Serialize for NetworkFailure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut n = s.serialize_struct("NetworkFailure", 5)?;
        n.serialize_field("address", &self.address)?;
        n.serialize_field("errno", &self.errno)?;
        n.serialize_field("what", &words::connection(&self.errno, &self.message))?;
        n.serialize_field("count", &self.count)?;
        n.serialize_field("pids", &self.pids)?;
        n.end()
    }
}

/// `"known_benign"` (also as a key of the noise counts).
impl Serialize for NoiseReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// `{"path": "/etc/nginx/sites-enabled/default", "line": 17, "found_by": "trace"}` (a file the
/// process read; `"found_by": "search", "searched": "/srv/app"` when found by searching the
/// tree; `"found_by": "configuration", "configuration": "/etc/nginx/nginx.conf",
/// "configuration_of": 812` when found in the configuration a process was started with; `"names": "/srv/app/var"` when the line names the place the failing path was made
/// from), with `"sets": "descriptor_limit", "text": "ulimit -n 32"` for a line that sets what
/// the failure ran into, or for a command line `{"pid": 42, "argument": "/srv/app/pubilc"}`.
impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = s.serialize_struct("Reference", 7)?;
        match self {
            Reference::File { path, line, found, .. } | Reference::Setting { path, line, found, .. } => {
                r.serialize_field("path", path)?;
                r.serialize_field("line", line)?;
                match found {
                    Found::Trace => r.serialize_field("found_by", "trace")?,
                    Found::Searched(dir) => {
                        r.serialize_field("found_by", "search")?;
                        r.serialize_field("searched", dir)?;
                    }
                    Found::ErrorText => r.serialize_field("found_by", "error_text")?,
                    Found::Configuration { pid, file } => {
                        r.serialize_field("found_by", "configuration")?;
                        r.serialize_field("configuration", file)?;
                        r.serialize_field("configuration_of", pid)?;
                    }
                }
                if let Reference::File { place: Some(place), .. } = self {
                    r.serialize_field("names", place)?;
                }
                if let Reference::Setting { sets, text, .. } = self {
                    r.serialize_field("sets", sets.code())?;
                    r.serialize_field("text", text)?;
                }
            }
            Reference::CommandLine { pid, argument } => {
                r.serialize_field("pid", pid)?;
                r.serialize_field("argument", argument)?;
            }
        }
        r.end()
    }
}

/// `"clear"`, `"several"`, `"unclear"`.
impl Serialize for Confidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

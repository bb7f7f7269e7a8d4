//! `straceback events`: one NDJSON object per event, in input order.

use std::io::{self, Write};

use crate::event::{Event, EventKind, Pid, Return, Timestamp};

/// Writes `event` as one line of NDJSON.
pub(crate) fn write(event: &Event<'_>, source: &str, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &to_json(event, source))?;
    out.write_all(b"\n")
}

/// The `events` NDJSON object (docs/events.schema.json): every field present, null where absent.
#[derive(Debug, serde::Serialize)]
struct EventJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    source: &'a str,
    line: u64,
    pid: Option<Pid>,
    time: Option<&'a str>,
    syscall: Option<&'a str>,
    args: Option<String>,
    path: Option<String>,
    /// The exact bytes of `path` when they are not UTF-8 (`path` writes those bytes `\xNN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<&'a [u8]>,
    /// Second path of rename/link/symlink.
    path2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path2_bytes: Option<&'a [u8]>,
    /// Socket address of connect/bind/sendto (`ip:port`, `[ip6]:port`, unix path).
    address: Option<String>,
    ret: Option<serde_json::Value>,
    errno: Option<&'a str>,
    errmsg: Option<&'a str>,
    duration: Option<f64>,
    signal: Option<&'a str>,
    code: Option<i32>,
}

/// Trace bytes as the JSON writes them ([`crate::text::json`]).
fn text(b: &[u8]) -> String {
    crate::text::json(b).into_owned()
}

/// `b` when it is not UTF-8: its exact bytes beside the `\xNN` text.
fn unless_utf8(b: &[u8]) -> Option<&[u8]> {
    std::str::from_utf8(b).is_err().then_some(b)
}

/// The `events` view of `event`, read from `source`.
fn to_json<'a>(event: &'a Event<'_>, source: &'a str) -> EventJson<'a> {
    let mut j = EventJson {
        kind: "syscall",
        source,
        line: event.line,
        pid: event.pid,
        time: event.time.as_ref().map(Timestamp::text),
        syscall: None,
        args: None,
        path: None,
        path_bytes: None,
        path2: None,
        path2_bytes: None,
        address: None,
        ret: None,
        errno: None,
        errmsg: None,
        duration: None,
        signal: None,
        code: None,
    };
    match &event.kind {
        EventKind::Syscall(s) => {
            j.syscall = Some(&s.name);
            j.args = Some(text(&s.args));
            j.path = s.path.as_deref().map(text);
            j.path_bytes = s.path.as_deref().and_then(unless_utf8);
            j.path2 = s.path2.as_deref().map(text);
            j.path2_bytes = s.path2.as_deref().and_then(unless_utf8);
            j.address = s.addr.as_ref().map(ToString::to_string);
            j.duration = s.duration;
            match &s.ret {
                Return::Value { value, .. } => j.ret = Some((*value).into()),
                Return::Other { text } => j.ret = Some(text.to_string().into()),
                Return::Error { errno, message } => {
                    j.ret = Some((-1).into());
                    j.errno = Some(errno);
                    j.errmsg = Some(message).filter(|m| !m.is_empty()).map(|m| &**m);
                }
                Return::Restart { code, message } => {
                    j.errno = Some(code);
                    j.errmsg = Some(message);
                }
                Return::NoReturn | Return::Unfinished => {}
            }
        }
        EventKind::Signal { signal, info } => {
            j.kind = "signal";
            j.signal = Some(signal);
            j.args = Some(text(info));
        }
        EventKind::Exit { code } => {
            j.kind = "exit";
            j.code = Some(*code);
        }
        EventKind::Killed { signal, core_dumped } => {
            j.kind = "killed";
            j.signal = Some(signal);
            j.args = core_dumped.then(|| "core dumped".to_string());
        }
        EventKind::Strace { message } => {
            j.kind = "strace";
            j.args = Some(text(message));
        }
        EventKind::Unparsed { text: t } => {
            j.kind = "unparsed";
            j.args = Some(text(t));
        }
        EventKind::Routine => {}
    }
    j
}

//! The report as plain data: serde types whose field names are the JSON contract
//! (`"schema": 2`, documented in docs/json.md and docs/report.schema.json). `build` makes it;
//! renderers read only it.
//! Kinds are enums; the ones the JSON carries as sentences (reasons, explanations, what
//! followed, noise details, network failures) are serialized with the words of
//! `render::words`. Every text taken from the trace or the disk is a [`TraceText`]
//! (printed only escaped); errno and syscall names and timestamps are tokens the grammar
//! checked (letters, digits, `_`; digits, `:`, `.`).

pub(crate) mod build;
pub mod waits;

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::analysis::reactions::{ErrorText, Killed};
use crate::event::Pid;
use crate::heuristics::typo::Typo;
// The judgements' kinds the report holds, re-exported: a renderer imports the report and the
// plain types only, never an analysis or heuristics module (tests/it/layers.rs holds it to it).
pub(crate) use crate::analysis::process::{Limit, Resource};
pub(crate) use crate::heuristics::explain::{Denied, Explained, Explanation, Id, Interpreter, Place, Source};
pub(crate) use crate::heuristics::fix_pointer::{Found, Reference, Sets};
pub(crate) use crate::heuristics::noise::{Noise, NoiseReason};
pub(crate) use crate::heuristics::rank::{Confidence, Reason, Why};
pub(crate) use crate::heuristics::typo::{Evidence, TypoKind};
/// What the live status line shows: the processes attached to, the calls in progress.
pub(crate) use crate::host::{Refusal, Tree};
pub(crate) use crate::inflight::{Blocked, Snapshot};
/// What the memory caps dropped: `unfinished_calls` (calls given up before their tail came,
/// reported as never finished), `processes` (times a process was forgotten: cwd,
/// descriptors, credentials, recent failures), `descriptor_tables` (emptied: one process held
/// too many), `failures` (not grouped: the groups were at their budget), `evidence` (groups
/// some of whose evidence was not kept), `known_paths` (successful path calls whose path was
/// not remembered as existing).
pub use crate::memory::Dropped as MemoryCaps;
/// Lines longer than this are counted (`summary.overlong`), not parsed.
pub(crate) use crate::parse::MAX_LINE;
pub use crate::text::TraceText;

/// Which input a line was read from, and whether it can be read again (its line numbers then
/// point somewhere). Serialized as the name: a file's as given, `-` for stdin, `strace` for
/// the pipe from strace that `run`/`attach` read without `--save`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file, kept: its name as given (or `--save`'s).
    File(String),
    /// stdin, gone once read.
    Stdin,
    /// strace's pipe, gone once read.
    Strace,
}

impl From<&str> for Origin {
    fn from(name: &str) -> Origin {
        match name {
            crate::input::STDIN_NAME => Origin::Stdin,
            crate::input::STRACE_NAME => Origin::Strace,
            file => Origin::File(file.to_string()),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Origin::File(name) => name,
            Origin::Stdin => crate::input::STDIN_NAME,
            Origin::Strace => crate::input::STRACE_NAME,
        })
    }
}

pub const SCHEMA: u32 = 2;

/// One analysis: what failed, what it caused, what was waited on, and the suspects in order.
/// Its JSON form is the contract (docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub(crate) schema: u32,
    pub(crate) summary: Summary,
    /// How clearly suspect 1 stands out: `clear`, `several` (candidates), `unclear`.
    pub(crate) confidence: Confidence,
    pub(crate) suspects: Vec<Suspect>,
    pub(crate) failures: Vec<FailureReport>,
    /// Failures classified as noise, counted by reason.
    pub(crate) noise: BTreeMap<NoiseReason, u64>,
    pub(crate) symptoms: Symptoms,
    /// Where the time went, by target (most stall time first).
    pub(crate) waits: Vec<waits::WaitReport>,
    /// Calls still waiting when the trace ended.
    pub(crate) stuck: Vec<waits::StuckReport>,
    pub(crate) waiting: waits::Waiting,
    /// Ranks of the suspects that each explain symptoms of their own (other processes or
    /// requests): independent problems, the largest first (`confidence` is `independent`).
    pub(crate) independent: Vec<usize>,
    /// A crash that no failure explains, if any.
    pub(crate) unexplained_crash: Option<Crash>,
}

/// A process killed by a crash signal, or by a signal another process sent, that no failed
/// call explains.
#[derive(Debug, Clone, Serialize)]
pub struct Crash {
    pub pid: Pid,
    pub signal: TraceText,
    /// Where the trace shows it killed (`+++ killed by SIG +++`), when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
    /// The process that sent the signal, when the trace shows the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<SentBy>,
    /// Other processes the same sender killed with the same signal, whose peers reset too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Pid>,
    /// Connection resets and broken pipes of their peers that followed (consequences, noise).
    #[serde(skip_serializing_if = "is_zero")]
    pub resets: u64,
    /// Error responses (5xx) and error lines that followed those resets.
    #[serde(skip_serializing_if = "is_zero")]
    pub http_5xx: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub errors: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A line of a trace file.
#[derive(Debug, Clone, Serialize)]
pub struct At {
    pub source: TraceText,
    pub line: u64,
}

/// Who sent a signal: its pid, its `kill` call, and the error-level line it wrote naming the
/// process it signalled.
#[derive(Debug, Clone, Serialize)]
pub struct SentBy {
    pub pid: Pid,
    pub at: At,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub said: Option<Said>,
}

/// A line a process wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Said {
    pub text: TraceText,
    pub at: At,
}

impl Report {
    pub(crate) fn new(
        summary: Summary,
        confidence: Confidence,
        suspects: Vec<Suspect>,
        failures: Vec<FailureReport>,
        noise: BTreeMap<NoiseReason, u64>,
        symptoms: Symptoms,
    ) -> Report {
        Report {
            schema: SCHEMA,
            summary,
            confidence,
            suspects,
            failures,
            noise,
            symptoms,
            waits: Vec::new(),
            stuck: Vec::new(),
            waiting: waits::Waiting::default(),
            independent: Vec::new(),
            unexplained_crash: None,
        }
    }

    /// Waiting is the answer (a `slow:`/`stuck:` verdict) and no failure explains anything:
    /// a list of failures would read as rivals of the wait, so no renderer lists them as
    /// candidates.
    pub(crate) fn waiting_is_the_answer(&self) -> bool {
        self.waiting.verdict.is_some() && self.confidence == Confidence::Unclear && self.unexplained_crash.is_none()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub lines: u64,
    pub bytes: u64,
    pub processes: u64,
    /// `processes` reached the count's cap (`analysis::MAX_PIDS`): there were at least as many.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub processes_capped: bool,
    pub syscalls: u64,
    /// Failed syscalls (interruptions excluded).
    pub failures: u64,
    /// EINTR, EAGAIN, EINPROGRESS, ERESTART*, and timed waits that reached their deadline
    /// (`syscalls::timed_wait_expired`): counted, not failures.
    pub interruptions: u64,
    pub groups: u64,
    pub noise_groups: u64,
    pub suspects: u64,
    /// Failures not grouped because `--max-groups` was reached.
    pub overflow_failures: u64,
    /// The typo lookups of the run stopped at their budget (`COMPARISON_BUDGET` names compared
    /// or directories looked up): some groups were not checked for a typo.
    pub typo_budget_spent: bool,
    /// What the memory caps dropped; all zero when no cap was reached.
    pub memory_caps: MemoryCaps,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    pub unparsed: u64,
    pub skipped: u64,
    pub overlong: u64,
    /// The trace shows failed calls only (`strace -Z`): "never succeeded" is not claimed.
    pub failures_only: bool,
    /// The trace shows some syscalls only (`strace -e trace=%file` and the like: calls that
    /// open paths, none that close or write).
    pub some_syscalls_only: bool,
    /// `-T` durations dropped as impossible (negative, not a number, over 116 days): their
    /// calls counted without them.
    pub ignored_durations: u64,
    /// Timestamps of another shape than the trace's first (`-ttt` in a `-tt` trace): their
    /// lines counted as untimed.
    pub ignored_timestamps: u64,
    /// Ctrl-C stopped the reading of saved files: the report covers what was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<ReadCut>,
}

/// How much of the saved files was read when Ctrl-C stopped the reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadCut {
    /// Bytes of trace text read (after gzip).
    pub read_bytes: u64,
    /// The files' sizes on disk.
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypoReport {
    pub suggestion: TraceText,
    pub distance: usize,
    pub evidence: Evidence,
    pub kind: TypoKind,
}

impl From<&Typo> for TypoReport {
    fn from(t: &Typo) -> Self {
        TypoReport {
            suggestion: t.suggestion.as_slice().into(),
            distance: t.distance,
            evidence: t.evidence,
            kind: t.kind,
        }
    }
}

/// What a group is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Path,
    Address,
    Call,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suspect {
    pub rank: usize,
    /// The path, `tcp 127.0.0.1:3306` / `unix /run/x.sock`, or `syscall ERRNO`.
    pub path: TraceText,
    /// The exact bytes of `path` when they are not UTF-8 (`path` writes those bytes `\xNN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
    pub kind: TargetKind,
    pub errno: String,
    pub errmsg: TraceText,
    pub errnos: BTreeMap<String, u64>,
    pub syscalls: BTreeMap<String, u64>,
    pub count: u64,
    pub pids: Vec<Pid>,
    pub score: i32,
    pub reasons: Vec<Reason>,
    pub typo: Option<TypoReport>,
    /// What to use instead of the failing path: a typo's repair, or the existing sibling of a
    /// dangling symlink's gone target that holds what was asked for.
    pub suggestion: Option<TraceText>,
    pub referenced_from: Option<Reference>,
    /// What the trace and the disk say about the cause (who the process ran as, which
    /// directory denied it, how many descriptors it held, ...): kind, words, source.
    pub explanation: Option<Explanation>,
    /// A command that would fix what the explanation found (`chown www-data /srv/app/uploads`),
    /// or find what it could not (`ss -ltunp 'sport = :8080'`): a suggestion, never run.
    pub command: Option<TraceText>,
    /// Disk full, on the live host: what fills the filesystem (present only then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_usage: Option<DiskUsage>,
    /// What followed the failure in the same process.
    pub followed_by: Vec<FollowedBy>,
    /// Failing paths below this missing directory, folded into this suspect.
    pub paths_below: Vec<TraceText>,
    /// The same name looked for in other directories (a search path), folded into this suspect.
    pub also_looked_in: Vec<TraceText>,
    /// What the same process failed on after this failed exec, folded into this suspect.
    pub after_exec: Vec<TraceText>,
    pub source: Origin,
    pub first_line: u64,
    pub last_line: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    /// The first failing call as a line.
    pub evidence: TraceText,
}

/// What fills a full filesystem: a bounded walk of its mount on the live host (`run`/`attach`,
/// or a disk `--root` names), metadata only; a suggestion of where to make room, nothing
/// removed.
#[derive(Debug, Clone, Serialize)]
pub struct DiskUsage {
    /// The mount point walked.
    pub mount: TraceText,
    /// Entries looked at.
    pub walked: u64,
    /// Every entry was looked at; else the walk stopped at its budget and the figures are of
    /// what it saw.
    pub complete: bool,
    /// Directories one or two levels below the mount, largest first (bytes allocated).
    pub largest: Vec<DirUsage>,
    /// Files unchanged for `stale_days` or more, of a kind nothing reads again (rotated or
    /// compressed logs, archives, backups, dumps, core and temporary files), largest first.
    pub stale: Vec<StaleFile>,
    /// How long unchanged makes a file stale.
    pub stale_days: u64,
}

/// A directory and the bytes of the files below it that the walk saw.
#[derive(Debug, Clone, Serialize)]
pub struct DirUsage {
    /// The directory.
    pub path: TraceText,
    /// Bytes allocated below it.
    pub bytes: u64,
}

/// A stale file.
#[derive(Debug, Clone, Serialize)]
pub struct StaleFile {
    /// The file.
    pub path: TraceText,
    /// Bytes allocated.
    pub bytes: u64,
    /// Whole days since it last changed.
    pub days: u64,
}

impl From<&crate::disk::Usage> for DiskUsage {
    fn from(u: &crate::disk::Usage) -> Self {
        DiskUsage {
            mount: u.mount.as_slice().into(),
            walked: u.walked as u64,
            complete: u.complete,
            largest: u.largest.iter().map(|(p, b)| DirUsage { path: p.as_slice().into(), bytes: *b }).collect(),
            stale: u
                .stale
                .iter()
                .map(|s| StaleFile { path: s.path.as_slice().into(), bytes: s.bytes, days: s.days })
                .collect(),
            stale_days: crate::disk::STALE_DAYS,
        }
    }
}

/// What followed a failure in the same process.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowedBy {
    /// `count` responses with `code`, of `all` in the whole trace.
    Http {
        code: u16,
        count: u64,
        all: u64,
    },
    /// Error text (the one naming the failure when there is one).
    ErrorOutput(TraceText),
    Killed {
        signal: TraceText,
    },
    Exit {
        code: i32,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct FailureReport {
    pub path: TraceText,
    /// As a suspect's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
    pub kind: TargetKind,
    pub errnos: BTreeMap<String, u64>,
    pub syscalls: BTreeMap<String, u64>,
    pub count: u64,
    pub pids: Vec<Pid>,
    pub source: Origin,
    pub first_line: u64,
    pub last_line: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    pub noise: Option<Noise>,
    /// The wait target whose timeout this failure was (`ETIMEDOUT` ending the wait): a
    /// consequence of that wait, counted in its `ended_in_timeout` (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_of: Option<TraceText>,
}

/// What the failures caused, for the whole trace.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Symptoms {
    /// HTTP responses written to clients, by status code.
    pub http: BTreeMap<u16, u64>,
    pub http_by_pid: BTreeMap<Pid, BTreeMap<u16, u64>>,
    /// What the service answered its clients: each status with what its URLs have in common,
    /// errors first (5xx, then 4xx), then by count.
    pub answered: Vec<Answered>,
    /// A backend's answers to its web server (FastCGI or CGI `Status:`), by status code.
    pub backend_http: BTreeMap<u16, u64>,
    /// Non-zero exit statuses, by status.
    pub exits: BTreeMap<i32, u64>,
    pub exit_pids: Vec<Pid>,
    pub killed: Vec<Killed>,
    /// First lines of error text written to stderr or logs (distinct, bounded).
    pub errors: Vec<ErrorText>,
    /// Failed connections, by address.
    pub network: Vec<NetworkFailure>,
}

/// Responses with one status code.
#[derive(Debug, Clone, Serialize)]
pub struct Answered {
    pub code: u16,
    pub count: u64,
    /// What their URLs have in common (`/index.php`, `*.php`, `/admin/`, `/admin/*.php`);
    /// `None` when they share nothing or some response's request was not in the trace.
    pub urls: Option<TraceText>,
}

/// A failed connection; serialized with `what` in words (`connection refused`, ...).
#[derive(Debug, Clone)]
pub struct NetworkFailure {
    /// `tcp 127.0.0.1:3306`, `unix /run/php/php-fpm.sock`.
    pub address: TraceText,
    pub errno: String,
    /// The errno's message as strace printed it.
    pub message: TraceText,
    pub count: u64,
    pub pids: Vec<Pid>,
}

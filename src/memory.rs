//! Memory caps: the byte budget of every table that grows with the input, in one place.
//!
//! Sizes are estimates: the bytes an entry holds plus [`ENTRY`] for the allocations and hash
//! slots around it. A table at its budget drops what the analysis can best do without (the
//! oldest waiting call, the least recently active process, a new group), counts it, and the
//! report says so (`summary.memory_caps`). Dropping never makes a fact wrong, only unknown.
//! The figures these budgets give are in docs/memory.md.

/// Overhead counted per entry of a table: its hash slot, its allocation headers.
pub const ENTRY: usize = 64;

/// `<unfinished ...>` calls waiting for their `resumed` tail (one input).
pub const PENDING: usize = 16 << 20;

/// The members of one `-ff` set read together: what each keeps, and the readers and next
/// events of those held open (`flow::stream::MergedStream`).
pub const INPUTS: usize = 128 << 20;
/// The most members of one `-ff` set listed by name, hence read (the others are counted):
/// fewer than [`INPUTS`] alone would let a set of short names keep (some 120,000 of about
/// 1 KB as counted there), since a member's real cost is about twice that (allocator and
/// reader slack): 100,000 members peak near 240 MB, 120,000 near 300 MB.
pub const SET_FILES: usize = 100_000;

/// The process table: per-process records, descriptor tables, cwds, credentials.
pub const PROCESSES: usize = 32 << 20;
/// One descriptor table (a process holding this much is emptied, its descriptors unknown).
pub const FD_TABLE: usize = 8 << 20;

/// Per-process recent history: failures, files read, command line, pending error text.
pub const HISTORY: usize = 16 << 20;

/// Failure groups (their target, counts, evidence line, reactions) and their index.
pub const GROUPS: usize = 64 << 20;

/// What is kept per group for explanations and fix pointers: the files read and the
/// command line before it, the process at its failure, its name and directory index.
pub const EVIDENCE: usize = 16 << 20;

/// Paths seen existing (typo suggestions).
pub const KNOWN_PATHS: usize = 16 << 20;

/// Longest path kept in a descriptor table or as a cwd: the kernel takes no longer one
/// (PATH_MAX), so a longer one is left unknown.
pub const PATH_MAX: usize = 4096;

/// A table at its budget sheds entries until it is down to this part of it (3/4), so that
/// shedding, which walks the table, happens rarely.
pub fn low_water(budget: usize) -> usize {
    budget / 4 * 3
}

/// `text` kept whole up to `max` bytes, else cut there (on a character boundary) with `…`:
/// for strings the trace sets and that are short in every real trace (a signal's name, an
/// errno's message).
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the caps dropped, counted while reading (the report's `summary.memory_caps`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Dropped {
    /// Waiting calls given up before their tail came (reported as never finished).
    pub unfinished_calls: u64,
    /// Times a process's state (cwd, descriptors, credentials, recent failures) was
    /// forgotten (one seen again may be forgotten again).
    pub processes: u64,
    /// Descriptor tables emptied because one process held too many.
    pub descriptor_tables: u64,
    /// Failures not grouped because the groups were at their budget.
    pub failures: u64,
    /// Groups some of whose evidence (files read before, command line, the process at the
    /// failure, the name and directory index) was not kept.
    pub evidence: u64,
    /// Successful path calls whose path was not remembered as existing.
    pub known_paths: u64,
    /// Calls that began waiting while 4,096 others were followed (`stuck` is a lower bound).
    pub stuck_calls: u64,
    /// Waits on more targets than the 4,096 kept (not attributed to any).
    pub wait_targets: u64,
    /// Members of a `-ff` set not read: what they would keep passes `INPUTS`, or they were
    /// past the [`SET_FILES`] listed (absent when 0: only a set of some 100,000 files
    /// reaches it).
    #[serde(skip_serializing_if = "is_zero")]
    pub files: u64,
}

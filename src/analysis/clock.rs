//! Times a trace cannot hold: a `-T` duration strace never prints (negative, `nan`, `<1e308>`,
//! longer than [`LONGEST`]) or a timestamp of another shape than the trace's first (a `-ttt`
//! line in a `-tt` trace). The call stays (its failure counts); only the impossible time goes,
//! and is counted, so that no wait, span or verdict is computed from it.

use crate::event::{clock_shape, Event, EventKind};

/// The longest wait believed (about 116 days): past it, a duration is a corrupted line, not a
/// process that waited.
pub(crate) const LONGEST: f64 = 1e7;

#[derive(Default)]
pub(crate) struct Clock {
    /// The shape of the first absolute timestamp (see [`clock_shape`]).
    shape: Option<bool>,
    pub ignored_durations: u64,
    pub ignored_times: u64,
}

fn believable(d: Option<f64>) -> bool {
    d.is_none_or(|d| (0.0..=LONGEST).contains(&d))
}

impl Clock {
    /// `ev` without its impossible times, when it has one (else `None`: most events are
    /// passed on as they are, uncopied).
    pub(crate) fn sane<'a>(&mut self, ev: &Event<'a>) -> Option<Event<'a>> {
        let foreign = ev.time.as_ref().filter(|t| !t.relative).is_some_and(|t| {
            let shape = clock_shape(&t.text);
            *self.shape.get_or_insert(shape) != shape
        });
        let timing = match &ev.kind {
            EventKind::Syscall(sc) => !believable(sc.duration) || !believable(sc.span),
            _ => false,
        };
        if !foreign && !timing {
            return None;
        }
        let mut e = ev.clone();
        if foreign {
            e.time = None;
            self.ignored_times += 1;
        }
        if let (true, EventKind::Syscall(sc)) = (timing, &mut e.kind) {
            sc.duration = sc.duration.filter(|&d| believable(Some(d)));
            sc.span = sc.span.filter(|&d| believable(Some(d)));
            self.ignored_durations += 1;
        }
        Some(e)
    }
}

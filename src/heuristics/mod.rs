//! The judgement calls: which failures are normal (noise), which names are typos, and how
//! suspects are scored. Rules come from how programs behave, never from particular paths of
//! a known incident.

pub mod errno;
pub mod noise;
pub mod rank;
pub mod typo;

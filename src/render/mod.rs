//! Output formats. Renderers take a finished report (or events) and a writer; nothing else
//! prints.

pub mod escape;
pub mod events;
pub mod json;
pub mod markdown;
pub mod text;

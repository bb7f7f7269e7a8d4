//! Output formats. Renderers take what the analysis produced and a writer; nothing else prints.

pub mod events;

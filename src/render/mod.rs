//! Output: every sentence and every format. Renderers take the finished report (or an event,
//! or a live suspect) and a writer; the words they share are in [`words`].

pub(crate) mod escape;
pub(crate) mod events;
pub(crate) mod json;
pub(crate) mod live;
pub(crate) mod man;
pub(crate) mod markdown;
pub(crate) mod screen;
pub(crate) mod text;
pub(crate) mod words;

#[cfg(test)]
mod tests;

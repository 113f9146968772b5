//! The built-in guide, embedded in the binary by `build.rs`: the entry files of `kb/`, their
//! fingerprint, and a search index built from them at compile time, so that a first run has
//! nothing to index and an installed pyguide needs no files beside it.

/// An entry's front matter, read at compile time, so finding and showing a built-in entry
/// needs no YAML parsing at run time.
#[derive(Debug)]
pub struct Meta {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub category: &'static str,
    pub aliases: &'static [&'static str],
    pub related: &'static [&'static str],
    /// Index into `FILES`.
    pub file: usize,
}

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

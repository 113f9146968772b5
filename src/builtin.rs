//! The built-in guide, embedded in the binary by `build.rs`: the entry files of `kb/`, their
//! fingerprint, and a search index built from them at compile time, so that a first run has
//! nothing to index and an installed pyguide needs no files beside it.

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

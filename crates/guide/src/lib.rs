//! pyguide's guide as data: what the build script and the binary share. An entry file becomes
//! an [`entry::Entry`] (`entry`, read by `walk`), its body is read by the one Markdown parse
//! (`markdown`), its words by the code-aware analyzer (`text`, `vocab`), its examples by
//! `examples`, and entries become the search index (`index`, the only user of tantivy). Code
//! colours are `runs` (the only user of syntect). Nothing here knows about the command line,
//! the terminal or the cache folder.

pub mod entry;
pub mod examples;
pub mod index;
pub mod markdown;
pub mod runs;
pub mod standard;
pub mod text;
pub mod vocab;
pub mod walk;

//! The built-in guide, built into the binary by `build.rs`: the entry files of `kb/`, a search
//! index made from them at compile time, the colour runs of their code, their bodies as plain
//! text for snippets, and a fingerprint of it all. An installed pyguide needs no files beside
//! it, and a first run has nothing to index.

use anyhow::Result;
use guide::index::GuideIndex;
use guide::markdown::{Plain, Span};
use guide::runs::{self, Run, Theme};

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The text of a built-in entry file, by its path under `kb/`.
pub fn text(rel: &str) -> Option<&'static str> {
    file(rel).map(|(text, _)| text)
}

/// The text of a built-in entry file and its front matter as `build.rs` parsed it (JSON, for
/// `Entry::with_front`).
pub fn file(rel: &str) -> Option<(&'static str, &'static str)> {
    FILES
        .binary_search_by(|(r, _, _)| (*r).cmp(rel))
        .ok()
        .map(|i| (FILES[i].1, FILES[i].2))
}

/// The plain text of a built-in entry's body, as `build.rs` computed it with
/// [`markdown::plain`](guide::markdown::plain).
pub fn plain(rel: &str) -> Option<Plain> {
    let at = FILES.binary_search_by(|(r, _, _)| (*r).cmp(rel)).ok()?;
    let (text, spans) = PLAINS[at];
    let field = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let spans = spans
        .chunks_exact(20)
        .map(|s| Span {
            plain: field(&s[0..])..field(&s[4..]),
            source: field(&s[8..])..field(&s[12..]),
            code: field(&s[16..]) == 1,
        })
        .collect();
    Some(Plain {
        text: text.to_string(),
        spans,
    })
}

/// The built-in index, read where it lies in the binary.
pub fn index() -> Result<GuideIndex> {
    GuideIndex::open_static(INDEX_FILES)
}

/// A writable copy of the built-in index, in memory: the start of a guide with user entries.
pub fn index_copy() -> Result<GuideIndex> {
    GuideIndex::copy_static(INDEX_FILES)
}

/// The colour runs `build.rs` computed for a built-in code block (by [`runs::key`]).
pub fn runs(theme: Theme, key: u64) -> Option<Vec<Run>> {
    let table = match theme {
        Theme::Dark => RUNS_DARK,
        Theme::Light => RUNS_LIGHT,
    };
    runs::lookup(table, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guide::entry::{Entry, Origin};
    use guide::markdown::{self, Block};

    /// Every entry parses, and the entry read back from its saved front matter is the one its
    /// text parses to (`show` reads it that way).
    #[test]
    fn files_are_sorted_and_every_entry_parses() {
        assert!(FILES.windows(2).all(|w| w[0].0 < w[1].0));
        for (rel, body, front) in FILES {
            assert_eq!(text(rel), Some(*body));
            let origin = Origin::Builtin(rel.to_string());
            let parsed = Entry::parse(origin.clone(), body).unwrap();
            assert_eq!(Entry::with_front(origin, body, front), Some(parsed));
        }
        assert_eq!(index().unwrap().entry_count() as usize, FILES.len());
    }

    /// The plain text computed at build time is what parsing the entry now gives.
    #[test]
    fn the_plain_text_of_the_guide_is_precomputed_exactly() {
        assert_eq!(PLAINS.len(), FILES.len());
        for (rel, text, _) in FILES {
            let plain = super::plain(rel).unwrap();
            let body = markdown::body_of(text);
            assert_eq!(plain, markdown::plain(body), "{rel}");
            assert!(!plain.spans.is_empty(), "{rel}");
            // A snippet of a section is cut from its part of the whole body's text.
            for s in markdown::sections(body) {
                let alone = markdown::plain(&body[s.range.clone()]);
                let part = plain.section(s.range);
                assert_eq!(part.text, alone.text, "{rel}#{}", s.anchor);
                assert_eq!(part.parts(false), alone.parts(false), "{rel}#{}", s.anchor);
                assert_eq!(part.parts(true), alone.parts(true), "{rel}#{}", s.anchor);
            }
        }
        assert_eq!(super::plain("nope.md"), None);
    }

    #[test]
    fn the_colours_of_the_guide_are_precomputed_exactly() {
        let h = runs::Highlighter::new(Theme::Dark);
        let (_, text, _) = FILES
            .iter()
            .find(|(r, _, _)| r.ends_with("decorators.md"))
            .unwrap();
        let mut blocks = 0;
        for block in markdown::blocks(markdown::body_of(text)) {
            if let Block::Code(c) = block {
                assert_eq!(
                    runs(Theme::Dark, runs::key(c.lang, &c.text)),
                    h.runs(c.lang, &c.text)
                );
                assert!(runs(Theme::Light, runs::key(c.lang, &c.text)).is_some());
                blocks += 1;
            }
        }
        assert!(blocks >= 3);
    }
}

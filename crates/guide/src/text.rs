//! How pyguide reads words: the code-aware word splitter behind both the index and the query.
//!
//! Python text mixes prose with identifiers, so one identifier yields several words at once:
//! `HTTPAdapter` gives `http`, `adapter` (its parts, at consecutive positions, so the phrase
//! "http adapter" matches), `httpadapter` (the compound, so "HTTPAdapter" and "httpadapter"
//! match), and for names with `_` or `.`, the exact form (`post_save`, `__enter__`,
//! `functools.wraps`), which rewards a query that names the identifier exactly.
//! Nothing here knows about tantivy or Markdown; `index.rs` adapts it and adds stemming.
//! Text is compared in Unicode NFC: entries and queries are normalized once on the way in
//! ([`nfc`]), so a precomposed `é` and `e` + U+0301 are the same word.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

/// Longest word kept, in bytes. Longer runs are noise (hashes, base64) and would bloat the
/// term dictionary; a pasted 10,000-character query word is dropped the same way.
pub const MAX_WORD_LEN: usize = 40;

/// One word produced by [`split_words`]; its text is only valid during the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// Lowercased text.
    pub text: &'a str,
    /// Byte range in the input.
    pub from: usize,
    pub to: usize,
    /// Position for phrase matching; alternative forms share their first part's position.
    pub position: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The length of the identifier character at byte `at` of `text` (a character boundary), if
/// one is there.
#[inline]
fn ident_at(text: &str, at: usize) -> Option<usize> {
    let &b = text.as_bytes().get(at)?;
    if b.is_ascii() {
        return (b.is_ascii_alphanumeric() || b == b'_').then_some(1);
    }
    let c = text[at..].chars().next()?;
    is_ident_char(c).then(|| c.len_utf8())
}

/// The length of the UTF-8 character whose first byte is `b`.
fn char_width(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Calls `sink` for every word of `text`, in order. This runs over every entry at index time
/// and over every hit for snippets, so it reuses its buffers and borrows where it can.
pub fn split_words(text: &str, mut sink: impl FnMut(&Word<'_>)) {
    let mut scratch = Scratch::default();
    let mut position = 0;
    // Byte by byte, decoding a character only where one starts above ASCII: this runs over
    // every hit's text for its snippet, which is almost all ASCII.
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let Some(len) = ident_at(text, at) else {
            at += char_width(bytes[at]);
            continue;
        };
        // A run is identifier characters, joined by single dots between identifier characters.
        let start = at;
        let mut end = at + len;
        loop {
            if let Some(len) = ident_at(text, end) {
                end += len;
            } else if bytes.get(end) == Some(&b'.')
                && let Some(len) = ident_at(text, end + 1)
            {
                end += 1 + len;
            } else {
                break;
            }
        }
        at = end;
        let run = &text[start..end];
        // Most prose is plain lowercase words: one part, nothing to copy.
        if run
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            if run.len() <= MAX_WORD_LEN {
                sink(&Word {
                    text: run,
                    from: start,
                    to: end,
                    position,
                });
            }
            position += 1;
            continue;
        }
        scratch.emit_run(run, start, &mut position, &mut sink);
    }
}

/// Buffers reused from one identifier run to the next.
#[derive(Default)]
struct Scratch {
    parts: Vec<(usize, usize)>,
    word: String,
    compound: String,
    exact: String,
}

fn push_lowercase(buf: &mut String, s: &str) {
    if s.is_ascii() {
        buf.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        buf.extend(s.chars().flat_map(char::to_lowercase));
    }
}

impl Scratch {
    /// Emits the parts of one run, then its compound and exact forms where they add something.
    fn emit_run(
        &mut self,
        run: &str,
        start: usize,
        position: &mut usize,
        sink: &mut impl FnMut(&Word<'_>),
    ) {
        run_parts(run, &mut self.parts);
        if self.parts.is_empty() {
            return;
        }
        let first = *position;
        for &(from, to) in &self.parts {
            self.word.clear();
            push_lowercase(&mut self.word, &run[from..to]);
            if self.word.len() <= MAX_WORD_LEN {
                sink(&Word {
                    text: &self.word,
                    from: start + from,
                    to: start + to,
                    position: *position,
                });
            }
            *position += 1;
        }
        if self.parts.len() == 1 && self.parts[0] == (0, run.len()) {
            return;
        }
        self.compound.clear();
        for c in run.chars().filter(|c| c.is_alphanumeric()) {
            self.compound.extend(c.to_lowercase());
        }
        self.exact.clear();
        push_lowercase(&mut self.exact, run);
        let end = start + run.len();
        let single = (self.parts.len() == 1).then(|| &run[self.parts[0].0..self.parts[0].1]);
        for (k, form) in [&self.compound, &self.exact].into_iter().enumerate() {
            let repeats_compound = k == 1 && self.exact == self.compound;
            let repeats_part = single.is_some_and(|p| p.eq_ignore_ascii_case(form));
            if form.len() <= MAX_WORD_LEN && !form.is_empty() && !repeats_part && !repeats_compound
            {
                sink(&Word {
                    text: form,
                    from: start,
                    to: end,
                    position: first,
                });
            }
        }
    }
}

/// Byte ranges of the parts of an identifier run: split at `_` and `.`, and at case changes
/// (`QuerySet` -> Query|Set, `HTTPAdapter` -> HTTP|Adapter). Digits stay with what precedes
/// them (`urllib3`, `utf8`).
fn run_parts(run: &str, parts: &mut Vec<(usize, usize)>) {
    parts.clear();
    let mut part_start: Option<usize> = None;
    let mut prev: Option<char> = None;
    let mut iter = run.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if c == '_' || c == '.' {
            if let Some(s) = part_start.take() {
                parts.push((s, i));
            }
            prev = Some(c);
            continue;
        }
        match (part_start, prev) {
            (Some(s), Some(p)) => {
                let next = iter.peek().map(|&(_, c)| c);
                let lower_to_upper = p.is_lowercase() && c.is_uppercase();
                let acronym_end =
                    p.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase);
                if lower_to_upper || acronym_end {
                    parts.push((s, i));
                    part_start = Some(i);
                }
            }
            _ => part_start = Some(i),
        }
        prev = Some(c);
    }
    if let Some(s) = part_start {
        parts.push((s, run.len()));
    }
}

/// Where tokenizers leave the words they saw, with how often, when they are done: an index
/// build collects its vocabulary this way instead of reading every entry a second time.
pub type WordSink = Arc<Mutex<FxHashMap<String, u64>>>;

/// English stems (querysets -> queryset, decorated -> decor), remembered: a guide repeats the
/// same few thousand words, and the Snowball stemmer was a quarter of indexing time.
#[derive(Clone)]
pub struct Stems {
    stemmer: frostem::Stemmer,
    /// Word -> (stem, times seen).
    cache: FxHashMap<String, (String, u32)>,
    sink: Option<WordSink>,
}

impl Default for Stems {
    fn default() -> Stems {
        Stems {
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            cache: FxHashMap::default(),
            sink: None,
        }
    }
}

impl Drop for Stems {
    fn drop(&mut self) {
        if let Some(sink) = &self.sink
            && let Ok(mut words) = sink.lock()
        {
            for (word, (_, seen)) in self.cache.drain() {
                *words.entry(word).or_default() += u64::from(seen);
            }
        }
    }
}

impl Stems {
    /// Words remembered at most; beyond this, stems are computed each time. With a sink, every
    /// word is kept, since the sink wants them all.
    const CAPACITY: usize = 200_000;

    /// Stems that hand every word they saw to `sink` when dropped.
    pub fn with_sink(sink: WordSink) -> Stems {
        Stems {
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            cache: FxHashMap::default(),
            sink: Some(sink),
        }
    }

    /// Writes the stem of `word` into `out`.
    pub fn stem_into(&mut self, word: &str, out: &mut String) {
        out.clear();
        if let Some((stem, seen)) = self.cache.get_mut(word) {
            out.push_str(stem);
            *seen = seen.saturating_add(1);
            return;
        }
        let spelled = american(word);
        let stem = self.stemmer.stem(spelled.as_deref().unwrap_or(word));
        out.push_str(&stem);
        if self.cache.len() < Self::CAPACITY || self.sink.is_some() {
            self.cache.insert(word.to_string(), (stem.into_owned(), 1));
        }
    }

    pub fn stem(&mut self, word: &str) -> String {
        let mut out = String::new();
        self.stem_into(word, &mut out);
        out
    }
}

/// A British spelling as the American one, so that either finds both: `colour` is `color`,
/// `behaviour` `behavior`, `initialise` `initialize` (a few word families, in any inflection;
/// not `analyse`, whose noun is `analysis` in both).
fn american(word: &str) -> Option<Cow<'_, str>> {
    const OUR: &[&str] = &[
        "behaviour",
        "colour",
        "favour",
        "flavour",
        "honour",
        "neighbour",
    ];
    const ISE: &[&str] = &[
        "authoris",
        "categoris",
        "customis",
        "finalis",
        "initialis",
        "materialis",
        "normalis",
        "optimis",
        "organis",
        "parametris",
        "prioritis",
        "recognis",
        "serialis",
        "summaris",
        "synchronis",
        "tokenis",
        "utilis",
        "visualis",
    ];
    if let Some(stem) = OUR.iter().find(|s| word.starts_with(**s)) {
        let rest = &word[stem.len()..];
        return Some(Cow::Owned(format!("{}or{rest}", &stem[..stem.len() - 3])));
    }
    let stem = ISE.iter().find(|s| word.starts_with(**s))?;
    let rest = &word[stem.len()..];
    // initialise, initialised, initialises, initialising, initialisation, initialiser(s).
    ["e", "ed", "es", "ing", "ation", "ations", "er", "ers"]
        .contains(&rest)
        .then(|| Cow::Owned(format!("{}z{rest}", &stem[..stem.len() - 1])))
}

/// The key used to find an entry by a loosely typed name: lowercase, without spaces, hyphens
/// and underscores ("Context Managers", "context_managers" -> "contextmanagers").
pub fn loose_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Bytes as text: borrowed when they are valid UTF-8 (checked a word at a time, unlike
/// `String::from_utf8_lossy`), else with the bad bytes replaced.
pub fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed)
}

/// The text in Unicode NFC (composed) form; borrowed when it already is (all ASCII is).
pub fn nfc(s: &str) -> Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        split_words(s, |w| out.push(w.text.to_string()));
        out
    }

    fn positions(s: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        split_words(s, |w| out.push((w.text.to_string(), w.position)));
        out
    }

    /// The snippet finder relies on this to stem only words that could match a term.
    #[test]
    fn stems_keep_their_first_character() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "md") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb"),
            &mut files,
        );
        assert!(files.len() > 50, "the guide's files are found");
        let mut stems = Stems::default();
        let mut words = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            split_words(&text, |w| {
                let first = w.text.chars().next().unwrap();
                if first.is_ascii_alphanumeric() {
                    words += 1;
                    let stem = stems.stem(w.text);
                    assert_eq!(stem.chars().next(), Some(first), "{} -> {stem}", w.text);
                }
            });
        }
        assert!(words > 100_000, "{words} words");
        for word in [
            "skies", "dying", "lying", "only", "early", "ugly", "yes", "y", "1st",
        ] {
            assert_eq!(stems.stem(word)[..1], word[..1], "{word}");
        }
    }

    #[test]
    fn plain_words_are_lowercased() {
        assert_eq!(texts("Lazy QUERY"), ["lazy", "query"]);
    }

    #[test]
    fn camel_case_gives_parts_and_compound() {
        assert_eq!(texts("QuerySet"), ["query", "set", "queryset"]);
        assert_eq!(texts("HTTPAdapter"), ["http", "adapter", "httpadapter"]);
        assert_eq!(texts("urllib3"), ["urllib3"]);
    }

    #[test]
    fn snake_case_and_dunder_keep_exact_form() {
        assert_eq!(
            texts("post_save"),
            ["post", "save", "postsave", "post_save"]
        );
        assert_eq!(texts("__enter__"), ["enter", "__enter__"]);
    }

    #[test]
    fn dotted_names_match_whole_and_by_part() {
        assert_eq!(
            texts("functools.wraps()"),
            ["functools", "wraps", "functoolswraps", "functools.wraps"]
        );
        assert_eq!(texts("end. Next"), ["end", "next"]);
    }

    #[test]
    fn alternative_forms_share_the_first_position() {
        assert_eq!(
            positions("a QuerySet b"),
            [
                ("a".into(), 0),
                ("query".into(), 1),
                ("set".into(), 2),
                ("queryset".into(), 1),
                ("b".into(), 3)
            ]
        );
    }

    #[test]
    fn punctuation_only_gives_nothing() {
        assert!(texts("*, () @ \"'").is_empty());
        assert_eq!(texts("*args"), ["args"]);
        assert_eq!(texts("Depends()"), ["depends"]);
    }

    #[test]
    fn overlong_words_are_dropped() {
        let long = "x".repeat(10_000);
        assert!(texts(&long).is_empty());
    }

    #[test]
    fn unicode_is_split_without_panicking() {
        assert_eq!(texts("café naïve"), ["café", "naïve"]);
        assert_eq!(texts("e\u{301}t\u{e9}"), ["e", "té"]);
        assert!(texts("🐍🐍 \u{202e}").is_empty());
    }

    #[test]
    fn stems_are_english_and_remembered() {
        let mut stems = Stems::default();
        assert_eq!(stems.stem("querysets"), "queryset");
        assert_eq!(stems.stem("decorators"), "decor");
        assert_eq!(stems.stem("decorated"), "decor");
        assert_eq!(stems.stem("querysets"), "queryset");
        assert_eq!(stems.cache.len(), 3);
        let sink = WordSink::default();
        let mut stems = Stems::with_sink(sink.clone());
        stems.stem("Querysets");
        stems.stem("lazy");
        stems.stem("lazy");
        drop(stems);
        let mut words: Vec<(String, u64)> = sink
            .lock()
            .unwrap()
            .iter()
            .map(|(w, n)| (w.clone(), *n))
            .collect();
        words.sort();
        assert_eq!(
            words,
            [("Querysets".to_string(), 1), ("lazy".to_string(), 2)]
        );
    }

    #[test]
    fn british_spellings_stem_as_american_ones() {
        let mut stems = Stems::default();
        for (british, american) in [
            ("colour", "color"),
            ("coloured", "colored"),
            ("behaviours", "behaviors"),
            ("initialise", "initialize"),
            ("serialisation", "serialization"),
            ("normalised", "normalized"),
        ] {
            assert_eq!(stems.stem(british), stems.stem(american), "{british}");
        }
        assert_eq!(american("analyse"), None);
        assert_eq!(american("utility"), None);
        assert_eq!(american("organism"), None);
    }

    #[test]
    fn loose_key_ignores_case_spaces_hyphens_underscores() {
        assert_eq!(loose_key("Context Managers"), "contextmanagers");
        assert_eq!(loose_key("context_managers"), "contextmanagers");
        assert_eq!(loose_key("context-managers"), "contextmanagers");
    }

    #[test]
    fn nfc_composes_and_borrows_what_is_already_composed() {
        assert!(matches!(nfc("plain ascii"), Cow::Borrowed(_)));
        assert!(matches!(nfc("caf\u{e9}"), Cow::Borrowed(_)));
        assert_eq!(nfc("cafe\u{301}"), "caf\u{e9}");
    }
}

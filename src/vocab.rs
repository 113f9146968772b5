//! The guide's vocabulary: every distinct word (unstemmed, lowercase) with the number of entries
//! that use it. Typo repair reads it to find real words close to an unknown one, so "did you
//! mean" offers `decorator`, not the stem `decor`.
//!
//! It is a sorted text file beside the index (`word<TAB>count` a line), built with it and read
//! only when a query has an unknown word. Keeping it out of tantivy halves the term
//! dictionaries an index build has to write.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::kb::Entry;
use crate::text;

/// Words shorter than this are never offered as corrections.
const MIN_LEN: usize = 3;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Vocab {
    /// Sorted by word.
    words: Vec<(String, u32)>,
}

impl Vocab {
    /// The distinct words of the entries' ids, titles, summaries, aliases, tags and bodies.
    pub fn from_entries(entries: &[Entry]) -> Vocab {
        let mut counts: FxHashMap<String, u32> = FxHashMap::default();
        let mut in_entry: FxHashSet<String> = FxHashSet::default();
        for e in entries {
            in_entry.clear();
            let plain = text::plain_text(&e.body);
            let fields = [&e.id, &e.title, &e.summary, &plain];
            for value in fields.into_iter().chain(&e.aliases).chain(&e.tags) {
                text::split_words(value, |w| {
                    if w.text.chars().count() >= MIN_LEN && !in_entry.contains(w.text) {
                        in_entry.insert(w.text.to_string());
                    }
                });
            }
            for word in in_entry.drain() {
                *counts.entry(word).or_default() += 1;
            }
        }
        let mut words: Vec<(String, u32)> = counts.into_iter().collect();
        words.sort_unstable();
        Vocab { words }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let mut out = String::with_capacity(self.words.len() * 12);
        for (word, count) in &self.words {
            let _ = writeln!(out, "{word}\t{count}");
        }
        fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Reads a saved vocabulary.
    pub fn load(path: &Path) -> Result<Vocab> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Vocab::parse(&text))
    }

    /// Parses the saved form; malformed lines are skipped (it only feeds suggestions).
    pub fn parse(text: &str) -> Vocab {
        let words = text
            .lines()
            .filter_map(|l| {
                let (w, c) = l.split_once('\t')?;
                Some((w.to_string(), c.parse().ok()?))
            })
            .collect();
        Vocab { words }
    }

    /// Adds another vocabulary's words and counts.
    pub fn merge(&mut self, other: Vocab) {
        let mut counts: FxHashMap<String, u32> = self.words.drain(..).collect();
        for (word, count) in other.words {
            *counts.entry(word).or_default() += count;
        }
        self.words = counts.into_iter().collect();
        self.words.sort_unstable();
    }

    /// Words within `max_distance` edits of `word` (not `word` itself): closest first, then
    /// the most used, with their distance.
    pub fn closest(&self, word: &str, max_distance: usize, limit: usize) -> Vec<(String, usize)> {
        let len = word.chars().count();
        let mut found: Vec<(usize, u32, &str)> = self
            .words
            .iter()
            .filter(|(w, _)| w != word && w.len().abs_diff(word.len()) <= max_distance * 4)
            .filter(|(w, _)| w.chars().count().abs_diff(len) <= max_distance)
            .filter_map(|(w, count)| {
                let d = edit_distance(word, w);
                (d <= max_distance).then_some((d, *count, w.as_str()))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        found
            .into_iter()
            .take(limit)
            .map(|(d, _, w)| (w.to_string(), d))
            .collect()
    }
}

/// Damerau-Levenshtein distance (adjacent transpositions count as one edit), by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Origin;

    fn entry(id: &str, body: &str) -> Entry {
        let text = format!("---\nid: {id}\ntitle: T\nsummary: S\ncategory: c\n---\n{body}\n");
        Entry::parse(Origin::Builtin("c/x.md"), &text).unwrap()
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("decoratr", "decorator"), 1);
        assert_eq!(edit_distance("pydnatic", "pydantic"), 1);
        assert_eq!(edit_distance("midleware", "middleware"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn counts_entries_not_occurrences_and_ranks_closest_then_commonest() {
        let v = Vocab::from_entries(&[
            entry("a", "decorator decorator decorated"),
            entry("b", "decorator decorates"),
        ]);
        assert!(v.words.contains(&("decorator".into(), 2)));
        assert!(v.words.contains(&("decorated".into(), 1)));
        assert_eq!(
            v.closest("decoratr", 2, 3),
            [
                ("decorator".to_string(), 1),
                ("decorated".to_string(), 2),
                ("decorates".to_string(), 2)
            ]
        );
        assert!(v.closest("zzzzzz", 2, 3).is_empty());
    }

    #[test]
    fn saves_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vocab::from_entries(&[entry("a", "middleware chain")]);
        v.save(&dir.path().join("vocab.txt")).unwrap();
        assert_eq!(Vocab::load(&dir.path().join("vocab.txt")).unwrap(), v);
    }
}

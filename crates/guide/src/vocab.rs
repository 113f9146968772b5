//! The guide's vocabulary: every distinct word (unstemmed, lowercase) of the indexed text.
//! Typo repair reads it to find real words close to an unknown one, so "did you mean" offers
//! `decorator`, not the stem `decor`.
//!
//! The tokenizers of an index build collect it as they go (see `text::WordSink`); it is kept
//! as a sorted text file beside the index, a word a line, and read only when a query has an
//! unknown word. Keeping it out of tantivy halves the term dictionaries a build writes.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// Words shorter than this are never offered as corrections.
const MIN_LEN: usize = 3;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Vocab {
    /// The saved form, kept as it is: a line per distinct word, sorted, `word\tcount`. A
    /// query scans it once for close words, so it is never split into strings (the built-in
    /// guide's is borrowed from the binary).
    text: Cow<'static, str>,
}

impl Vocab {
    pub fn from_counts(counts: impl IntoIterator<Item = (String, u64)>) -> Vocab {
        let mut words: Vec<(String, u64)> = counts
            .into_iter()
            .filter(|(w, _)| w.chars().count() >= MIN_LEN && !w.contains(['\n', '\r', '\t']))
            .collect();
        words.sort_unstable();
        // Add up repeats (from merging).
        let mut merged: Vec<(String, u64)> = Vec::with_capacity(words.len());
        for (word, n) in words {
            match merged.last_mut() {
                Some((last, total)) if *last == word => *total += n,
                _ => merged.push((word, n)),
            }
        }
        let mut text = String::with_capacity(merged.len() * 12);
        for (word, n) in &merged {
            let _ = writeln!(text, "{word}\t{n}");
        }
        Vocab {
            text: Cow::Owned(text),
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        fs::write(path, self.text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Reads a saved vocabulary.
    pub fn load(path: &Path) -> Result<Vocab> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Vocab {
            text: Cow::Owned(text),
        })
    }

    /// The saved form, as it is; malformed lines are skipped when read (it only feeds
    /// suggestions).
    pub fn parse(text: Cow<'static, str>) -> Vocab {
        Vocab { text }
    }

    /// The words with their counts, in the saved order.
    fn words(&self) -> impl Iterator<Item = (&str, u64)> {
        lines(&self.text).filter_map(|(w, n)| Some((w, n.parse().ok()?)))
    }

    /// Adds another vocabulary's words and counts. Both are sorted, so the other's words are
    /// spliced in (an update at 100,000 entries spent a quarter of its time sorting the whole
    /// vocabulary again for the words of one file); if the other is out of order, the whole
    /// is sorted instead.
    pub fn merge(&mut self, other: Vocab) {
        let merged = merge_sorted(self, &other);
        *self = match merged {
            Some(text) => Vocab {
                text: Cow::Owned(text),
            },
            None => Vocab::from_counts(
                self.words()
                    .chain(other.words())
                    .map(|(w, n)| (w.to_string(), n))
                    .collect::<Vec<_>>(),
            ),
        };
    }

    /// Whether every word of `other` is here already (a binary search each; the counts are
    /// not compared).
    pub fn holds_all(&self, other: &Vocab) -> bool {
        other.words().all(|(word, _)| {
            let at = first_line_from(&self.text, word);
            lines(&self.text[at..])
                .next()
                .is_some_and(|(w, _)| w == word)
        })
    }

    /// Words within `max_distance` edits of `word` (not `word` itself) with their distance:
    /// closest first, then the most used. With `same_first`, only words that begin with the
    /// same character (typing rarely gets the first letter wrong).
    pub fn closest(
        &self,
        word: &str,
        max_distance: usize,
        same_first: bool,
    ) -> Vec<(String, usize)> {
        let wanted: Vec<char> = word.chars().collect();
        let first = wanted.first().copied();
        // The words are sorted, so those with the same first letter are one run of lines.
        let text = match first {
            Some(c) if same_first => self.starting_with(c),
            _ => &self.text,
        };
        let mut rows = Rows::default();
        let mut found: Vec<(usize, u64, &str)> = Vec::new();
        // The count is parsed only for the few words that are close enough.
        for (w, n) in lines(text) {
            if w == word
                || w.len().abs_diff(word.len()) > max_distance * 4
                || w.chars().count() < MIN_LEN
                || (same_first && w.chars().next() != first)
            {
                continue;
            }
            if let Some(d) = rows.within(&wanted, w, max_distance)
                && let Ok(n) = n.parse()
            {
                found.push((d, n, w));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        found
            .into_iter()
            .map(|(d, _, w)| (w.to_string(), d))
            .collect()
    }

    /// The lines of the words that begin with `c`.
    fn starting_with(&self, c: char) -> &str {
        let from = first_line_from(&self.text, c.encode_utf8(&mut [0; 4]));
        let to = match char::from_u32(c as u32 + 1) {
            Some(next) => first_line_from(&self.text, next.encode_utf8(&mut [0; 4])),
            None => self.text.len(),
        };
        self.text.get(from..to.max(from)).unwrap_or_default()
    }
}

/// `b`'s words and counts spliced into `a`, counts of a word in both added up; `None` if `b`
/// is out of order. `b` is small (one update's words) and `a` is pyguide's own sorted form
/// (the seal checks that it is as written; out of order, it would only give poorer
/// suggestions): each word of `b` is found by a binary search and the lines between are
/// copied as they are, so an update at 100,000 entries does not parse and write again
/// 200,000 lines for a few hundred words.
fn merge_sorted(a: &Vocab, b: &Vocab) -> Option<String> {
    let all: &str = &a.text;
    let mut text = String::with_capacity(all.len() + b.text.len());
    // `all[..copied]` is in `text`, up to a line's end.
    let mut copied = 0;
    let mut last: Option<&str> = None;
    for (word, n) in b.words() {
        if last.is_some_and(|before| before >= word) {
            return None;
        }
        last = Some(word);
        let at = copied + first_line_from(&all[copied..], word);
        text.push_str(&all[copied..at]);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        let end = all[at..].find('\n').map_or(all.len(), |p| at + p);
        match all[at..end].split_once('\t') {
            Some((w, count)) if w == word => {
                let count: u64 = count.parse().ok()?;
                let _ = writeln!(text, "{word}\t{}", count.saturating_add(n));
                copied = (end + 1).min(all.len());
            }
            _ => {
                let _ = writeln!(text, "{word}\t{n}");
                copied = at;
            }
        }
    }
    text.push_str(&all[copied..]);
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    Some(text)
}

/// The saved form's lines as (word, count as written); malformed lines are skipped.
fn lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|l| l.split_once('\t'))
}

/// Where the first line that sorts at or after `key` starts in sorted `text` (its length if
/// none does): a binary search over bytes, each probe moved to the start of a line.
fn first_line_from(text: &str, key: &str) -> usize {
    let b = text.as_bytes();
    // Where the line holding byte `i` ends (its newline, or the end of the text).
    let line_end = |i: usize| {
        b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| i + p)
    };
    // Where the first line starting at byte `i` or later starts.
    let line_at = |i: usize| match i {
        0 => 0,
        _ => (line_end(i - 1) + 1).min(b.len()),
    };
    // Lines starting before `lo` sort before `key`; lines starting at `hi` or later do not.
    let (mut lo, mut hi) = (0, b.len());
    while lo < hi {
        let mut mid = line_at(lo + (hi - lo) / 2);
        if mid >= hi {
            mid = lo;
        }
        let end = line_end(mid);
        if &b[mid..end] < key.as_bytes() {
            lo = (end + 1).min(b.len());
        } else {
            hi = mid;
        }
    }
    lo
}

/// Reused buffers for `edit_distance` within a bound, over a whole vocabulary.
#[derive(Default)]
struct Rows {
    other: Vec<char>,
    before: Vec<usize>,
    last: Vec<usize>,
    this: Vec<usize>,
}

impl Rows {
    /// `edit_distance(a, b)` when it is at most `max`; `None` as soon as it must be more.
    fn within(&mut self, a: &[char], b: &str, max: usize) -> Option<usize> {
        self.other.clear();
        self.other.extend(b.chars());
        let b = &self.other;
        if a.len().abs_diff(b.len()) > max {
            return None;
        }
        let n = b.len();
        self.before.clear();
        self.before.resize(n + 1, usize::MAX / 2);
        self.last.clear();
        self.last.extend(0..=n);
        self.this.clear();
        self.this.resize(n + 1, 0);
        for i in 1..=a.len() {
            self.this[0] = i;
            let mut least = i;
            for j in 1..=n {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut d = (self.last[j] + 1)
                    .min(self.this[j - 1] + 1)
                    .min(self.last[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d = d.min(self.before[j - 2] + 1);
                }
                self.this[j] = d;
                least = least.min(d);
            }
            // The next rows build on this one (+0 or more) and on the last (+1, by a
            // transposition): once both are past the bound, so is the answer.
            let last_least = self.last.iter().copied().min().unwrap_or(0);
            if least > max && last_least >= max {
                return None;
            }
            std::mem::swap(&mut self.before, &mut self.last);
            std::mem::swap(&mut self.last, &mut self.this);
        }
        let d = self.last[n];
        (d <= max).then_some(d)
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

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("decoratr", "decorator"), 1);
        assert_eq!(edit_distance("pydnatic", "pydantic"), 1);
        assert_eq!(edit_distance("midleware", "middleware"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    /// Property: the bounded distance is the distance whenever that is within the bound,
    /// and nothing otherwise.
    #[test]
    fn the_bounded_distance_agrees_with_the_full_one() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        let mut runner = TestRunner::new(Config {
            cases: 2000,
            failure_persistence: None,
            ..Config::default()
        });
        let word = "[abcé]{0,9}";
        runner
            .run(&(word, word, 0usize..4), |(a, b, max)| {
                let full = edit_distance(&a, &b);
                let chars: Vec<char> = a.chars().collect();
                let bounded = Rows::default().within(&chars, &b, max);
                prop_assert_eq!(bounded, (full <= max).then_some(full), "{} {}", a, b);
                Ok(())
            })
            .unwrap();
    }

    fn vocab(words: &[(&str, u64)]) -> Vocab {
        Vocab::from_counts(words.iter().map(|(w, n)| (w.to_string(), *n)))
    }

    #[test]
    fn closest_words_come_first_then_the_commonest_and_short_words_are_left_out() {
        let v = vocab(&[
            ("decorate", 1),
            ("decorator", 9),
            ("decorated", 2),
            ("decorates", 3),
            ("ab", 5),
        ]);
        assert_eq!(
            v.closest("decoratr", 2, false),
            [
                ("decorator".to_string(), 1),
                ("decorate".to_string(), 1),
                ("decorates".to_string(), 2),
                ("decorated".to_string(), 2)
            ]
        );
        assert!(v.closest("ab", 1, false).is_empty());
        assert_eq!(
            v.closest("eecorator", 1, false),
            [("decorator".to_string(), 1)]
        );
        assert!(v.closest("eecorator", 1, true).is_empty());
    }

    #[test]
    fn the_words_with_a_first_letter_are_found_in_the_sorted_lines() {
        let v = vocab(&[
            ("apple", 1),
            ("banana", 2),
            ("band", 3),
            ("cherry", 4),
            ("élan", 5),
        ]);
        assert_eq!(v.starting_with('a'), "apple\t1\n");
        assert_eq!(v.starting_with('b'), "banana\t2\nband\t3\n");
        assert_eq!(v.starting_with('c'), "cherry\t4\n");
        assert_eq!(v.starting_with('é'), "élan\t5\n");
        assert_eq!(v.starting_with('d'), "");
        assert_eq!(v.starting_with('z'), "");
        assert_eq!(Vocab::default().starting_with('a'), "");
        // Every word is found by the search from its own first letter.
        let many: Vec<(String, u64)> = (0..500u64)
            .map(|n| (format!("{}{n:03}x", (b'a' + (n % 26) as u8) as char), n))
            .collect();
        let v = Vocab::from_counts(many.clone());
        for (word, n) in many {
            let first = word.chars().next().unwrap();
            assert!(
                v.starting_with(first).contains(&format!("{word}\t{n}\n")),
                "{word}"
            );
        }
    }

    #[test]
    fn holds_all_finds_every_word_or_says_one_is_missing() {
        let v = vocab(&[("apple", 1), ("banana", 2), ("cherry", 3)]);
        assert!(v.holds_all(&vocab(&[("apple", 5), ("cherry", 1)])));
        assert!(v.holds_all(&Vocab::default()));
        assert!(!v.holds_all(&vocab(&[("apple", 1), ("apricot", 1)])));
        assert!(!v.holds_all(&vocab(&[("banan", 1)])));
        assert!(!v.holds_all(&vocab(&[("zucchini", 1)])));
        assert!(!Vocab::default().holds_all(&vocab(&[("apple", 1)])));
    }

    #[test]
    fn saves_loads_and_merges() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vocab(&[("middleware", 2), ("chain", 1)]);
        v.save(&dir.path().join("vocab.txt")).unwrap();
        assert_eq!(Vocab::load(&dir.path().join("vocab.txt")).unwrap(), v);
        v.merge(vocab(&[("chain", 1), ("onion", 4)]));
        assert_eq!(v, vocab(&[("chain", 2), ("middleware", 2), ("onion", 4)]));
        // Words out of order: all sorted as a whole.
        v.merge(Vocab::parse(Cow::Borrowed("zebra\t1\napple\t2\n")));
        assert_eq!(
            v,
            vocab(&[
                ("apple", 2),
                ("chain", 2),
                ("middleware", 2),
                ("onion", 4),
                ("zebra", 1)
            ])
        );
    }

    /// `a` merged with `b`, against sorting all their words and counts as a whole.
    fn assert_merge_sorts(a: &Vocab, b: &Vocab, case: &str) {
        let mut merged = a.clone();
        merged.merge(b.clone());
        let everything: Vec<(String, u64)> = a
            .words()
            .chain(b.words())
            .map(|(w, n)| (w.to_string(), n))
            .collect();
        assert_eq!(merged, Vocab::from_counts(everything), "{case}");
    }

    #[test]
    fn merging_in_one_pass_equals_sorting_everything() {
        let a = vocab(&[("alpha", 1), ("beta", 2), ("delta", 5), ("omega", 1)]);
        let b = vocab(&[("beta", 3), ("gamma", 1), ("zeta", 2)]);
        assert_merge_sorts(&a, &b, "small");
        // Words at the start, between and at the end, and a vocabulary with no last newline.
        let a = Vocab::parse(Cow::Borrowed("bbb\t1\nddd\t2"));
        let b = vocab(&[("aaa", 1), ("bbb", 1), ("ccc", 1), ("zzz", 1)]);
        assert_eq!(
            merge_sorted(&a, &b).as_deref(),
            Some("aaa\t1\nbbb\t2\nccc\t1\nddd\t2\nzzz\t1\n")
        );
        assert_eq!(
            merge_sorted(&a, &Vocab::default()).as_deref(),
            Some("bbb\t1\nddd\t2\n")
        );
        assert_eq!(
            merge_sorted(&a, &Vocab::parse(Cow::Borrowed("b\t1\na\t1\n"))),
            None
        );
        // Many words, some in both.
        let words = |step: u64, count: u64| -> Vec<(String, u64)> {
            (0..count)
                .map(|i| (format!("w{:04}", (i * step) % 997), i + 1))
                .collect()
        };
        for (step, count) in [(3, 300), (7, 20), (1, 997), (11, 1)] {
            let (a, b) = (
                Vocab::from_counts(words(2, 400)),
                Vocab::from_counts(words(step, count)),
            );
            assert_merge_sorts(&a, &b, &format!("step {step}"));
        }
    }
}

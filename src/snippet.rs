//! The best passage of an entry (or of the section that matched) for a query, as plain text
//! with the matched words' ranges.
//!
//! The text is the Markdown read as plain text by the one parser (no `**` or backticks
//! left; a built-in entry's was read when the binary was built), in pieces that are either
//! prose or code, and a passage never runs from one into the other. The passage is the
//! window of about `width` characters holding the most distinct query words, prose before
//! code. Everything here is linear in the text's size: one pass of the word splitter over the
//! prose (over the first 256 KB), over the code only when no prose matched, and one sliding
//! window.

use rustc_hash::{FxHashMap, FxHashSet};
use std::ops::Range;

use guide::markdown::Plain;
use guide::text::{self, Stems};

/// The passage and the byte ranges of the matched words in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

/// How much of the plain text is searched for the query's words: all of any real entry, and
/// a bounded time for a megabyte-long one (a log or one huge identifier).
const SCAN: usize = 256 * 1024;

/// A matched word in the plain text: its byte range and which of the terms it is.
type Match = (Range<usize>, usize);

/// The best passage of at most about `width` characters of `plain` (an entry's body or the
/// section that answers, as [`guide::markdown::plain`] reads it) for the stemmed `terms`.
pub fn best(plain: &Plain, terms: &FxHashSet<String>, stems: &mut Stems, width: usize) -> Snippet {
    let text = &plain.text;
    let which: FxHashMap<&str, usize> = terms
        .iter()
        .enumerate()
        .map(|(k, t)| (t.as_str(), k))
        .collect();
    let mut scan = text.len().min(SCAN);
    while !text.is_char_boundary(scan) {
        scan -= 1;
    }
    // A word is stemmed only when it could stem to a term: a stem keeps its word's first
    // character (the stemmer changes endings; `stems_keep_their_first_character` checks this
    // over the guide's words), so most words are passed over unstemmed.
    let firsts: Vec<char> = terms.iter().filter_map(|t| t.chars().next()).collect();
    let mut stem = String::new();
    // The matched words of some pieces, in text order.
    let mut find = |parts: &[Range<usize>]| {
        let mut matches: Vec<Match> = Vec::new();
        if terms.is_empty() {
            return matches;
        }
        for part in parts.iter().take_while(|p| p.start < scan) {
            let at = part.start;
            text::split_words(&text[at..part.end.min(scan)], |w| {
                if w.text
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() && !firsts.contains(&c))
                {
                    return;
                }
                stems.stem_into(w.text, &mut stem);
                if let Some(&k) = which.get(stem.as_str()) {
                    matches.push((at + w.from..at + w.to, k));
                }
            });
        }
        matches.sort_by_key(|m| (m.0.start, m.0.end));
        matches
    };
    // The best window in one piece: prose first, and code, read only when no prose matched.
    let mut best: Option<(usize, usize, Range<usize>, Range<usize>)> = None;
    let mut matches = Vec::new();
    for code in [false, true] {
        let parts = plain.parts(code);
        matches = find(&parts);
        for part in parts {
            let first = matches.partition_point(|m| m.0.start < part.start);
            let inside: Vec<&Match> = matches[first..]
                .iter()
                .take_while(|m| m.0.start < part.end)
                .filter(|m| m.0.end <= part.end)
                .collect();
            if inside.is_empty() {
                continue;
            }
            let (distinct, count, at) = window(&inside, terms.len(), width);
            if best
                .as_ref()
                .is_none_or(|(d, c, ..)| (distinct, count) > (*d, *c))
            {
                best = Some((
                    distinct,
                    count,
                    part.clone(),
                    around(text, part.clone(), at, width),
                ));
            }
        }
        if best.is_some() {
            break;
        }
    }
    let (part, range) = match best {
        Some((_, _, part, range)) => (part, range),
        // Nothing matched: the beginning of the first prose.
        None => {
            let part = plain
                .parts(false)
                .into_iter()
                .next()
                .unwrap_or(0..text.len());
            (part.clone(), around(text, part.clone(), part.start, width))
        }
    };
    cut(text, part, range, &matches)
}

/// The window of at most `width` bytes holding the most distinct terms (of `terms` in all),
/// then the most matches: (distinct, count, start of its first match). Two pointers: linear.
fn window(matches: &[&Match], terms: usize, width: usize) -> (usize, usize, usize) {
    let mut counts = vec![0usize; terms];
    let mut distinct = 0;
    let mut best = (0, 0, matches[0].0.start);
    let mut lo = 0;
    for hi in 0..matches.len() {
        counts[matches[hi].1] += 1;
        if counts[matches[hi].1] == 1 {
            distinct += 1;
        }
        while matches[hi].0.end > matches[lo].0.start + width {
            counts[matches[lo].1] -= 1;
            if counts[matches[lo].1] == 0 {
                distinct -= 1;
            }
            lo += 1;
        }
        let here = (distinct, hi - lo + 1);
        if here > (best.0, best.1) {
            best = (here.0, here.1, matches[lo].0.start);
        }
    }
    best
}

/// About `width` characters of `part` starting a little before `anchor`, at a word boundary.
fn around(text: &str, part: Range<usize>, anchor: usize, width: usize) -> Range<usize> {
    // Near the start of its piece, the passage starts with it.
    let lead = if anchor - part.start <= width / 2 {
        anchor - part.start
    } else {
        width / 5
    };
    let mut start = anchor.saturating_sub(lead).max(part.start);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    if start > part.start
        && let Some(space) = text[start..anchor].find(' ')
    {
        start += space + 1;
    }
    let mut end = start;
    for (n, (i, c)) in text[start..part.end].char_indices().enumerate() {
        if n == width {
            break;
        }
        end = start + i + c.len_utf8();
    }
    if end < part.end
        && let Some(space) = text[start..end].rfind(' ').filter(|&s| s > 0)
    {
        end = start + space;
    }
    start..end.max(start)
}

/// The passage at `range` of a piece, with an ellipsis where the piece was cut, and its
/// matches' ranges.
fn cut(text: &str, part: Range<usize>, range: Range<usize>, matches: &[Match]) -> Snippet {
    let mut out = String::new();
    if range.start > part.start && !text[..range.start].ends_with(". ") {
        out.push('…');
    }
    let shift = out.len();
    out.push_str(&text[range.clone()]);
    let cut_end = range.end < part.end;
    let first = matches.partition_point(|m| m.0.start < range.start);
    let mut highlights: Vec<Range<usize>> = matches[first..]
        .iter()
        .take_while(|m| m.0.start < range.end)
        .filter(|m| m.0.end <= range.end)
        .map(|m| (m.0.start - range.start + shift)..(m.0.end - range.start + shift))
        .collect();
    if cut_end {
        out.push('…');
    }
    highlights.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in highlights {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Snippet {
        text: out,
        highlights: merged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guide::markdown;

    fn terms(t: &[&str]) -> FxHashSet<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    fn marked(s: &Snippet) -> Vec<&str> {
        s.highlights.iter().map(|r| &s.text[r.clone()]).collect()
    }

    #[test]
    fn prefers_the_window_with_most_distinct_words() {
        let mut stems = Stems::default();
        let body = format!(
            "{} lazy here.\n\n{} a lazy QuerySet together.\n",
            "x ".repeat(200),
            "y ".repeat(200)
        );
        let s = best(
            &markdown::plain(&body),
            &terms(&["lazi", "queryset"]),
            &mut stems,
            80,
        );
        assert!(s.text.contains("lazy QuerySet together"), "{}", s.text);
        assert_eq!(marked(&s), ["lazy", "QuerySet"]);
    }

    #[test]
    fn prose_comes_before_code_and_markup_is_gone() {
        let mut stems = Stems::default();
        let body =
            "```python\nx = post_save\n```\n\n## Signals\n\nThe **`post_save`** signal fires.\n";
        let s = best(
            &markdown::plain(body),
            &terms(&["post_sav"]),
            &mut stems,
            80,
        );
        assert_eq!(s.text, "Signals The post_save signal fires.");
        assert_eq!(marked(&s), ["post_save"]);
    }

    #[test]
    fn code_is_used_when_prose_has_no_match_and_never_runs_into_prose() {
        let mut stems = Stems::default();
        let body =
            "Intro text.\n\n```python\nfrom functools import wraps\nimport sys\n```\n\nAfter.\n";
        let s = best(&markdown::plain(body), &terms(&["wrap"]), &mut stems, 80);
        assert_eq!(s.text, "from functools import wraps import sys");
        assert_eq!(marked(&s), ["wraps"]);
    }

    #[test]
    fn no_match_gives_the_beginning() {
        let mut stems = Stems::default();
        let s = best(
            &markdown::plain("alpha beta gamma\n"),
            &FxHashSet::default(),
            &mut stems,
            80,
        );
        assert_eq!(s.text, "alpha beta gamma");
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn long_text_is_cut_at_a_word_with_an_ellipsis() {
        let mut stems = Stems::default();
        let body = "word ".repeat(100);
        let s = best(&markdown::plain(&body), &terms(&["word"]), &mut stems, 30);
        assert!(s.text.ends_with('…'));
        assert!(s.text.chars().count() <= 31);
    }

    #[test]
    fn multibyte_text_never_splits_a_character() {
        let mut stems = Stems::default();
        let body = "é".repeat(300) + " lazy " + &"ü".repeat(300);
        let s = best(&markdown::plain(&body), &terms(&["lazi"]), &mut stems, 40);
        assert!(s.text.contains("lazy"));
    }

    #[test]
    fn a_megabyte_body_or_one_huge_identifier_is_linear() {
        let mut stems = Stems::default();
        let ident = "zq_".repeat(60_000);
        let started = std::time::Instant::now();
        let s = best(&markdown::plain(&ident), &terms(&["zq"]), &mut stems, 160);
        assert!(!s.text.is_empty());
        let body = "lazy words and more words here. ".repeat(32_000);
        let s = best(
            &markdown::plain(&body),
            &terms(&["lazi", "word"]),
            &mut stems,
            160,
        );
        assert!(s.text.contains("lazy"));
        // Generous for a debug build: the point is seconds before, milliseconds now.
        assert!(
            started.elapsed().as_millis() < 2_000,
            "{:?}",
            started.elapsed()
        );
        // Only the first 256 KB are searched: a word past them gives the beginning.
        let late = format!("{}quokka here.", "filler words. ".repeat(30_000));
        let s = best(&markdown::plain(&late), &terms(&["quokka"]), &mut stems, 80);
        assert!(s.text.starts_with("filler words."), "{}", s.text);
        assert!(s.highlights.is_empty());
        let early = format!("quokka here. {}", "filler words. ".repeat(30_000));
        let s = best(
            &markdown::plain(&early),
            &terms(&["quokka"]),
            &mut stems,
            80,
        );
        assert_eq!(marked(&s), ["quokka"]);
    }
}

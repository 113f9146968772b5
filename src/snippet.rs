//! The best passage of an entry for a query, with the matched words' ranges.
//!
//! This runs for every hit of every search, so it avoids reading the whole entry the way the
//! indexer does: it looks for the query terms' prefixes in the Markdown (a stem keeps all but
//! at most the last letter of a word: lazy -> lazi, querysets -> queryset), splits and stems
//! only the identifiers found there, picks the window with the most distinct terms (prose
//! before code), and flattens only that window into plain text.

use std::collections::HashSet;
use std::ops::Range;

use crate::text::{self, Stems};

/// The passage and the byte ranges of the matched words in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

/// A matched word in the body: its byte range and its stem.
type Match = (Range<usize>, String);

/// The best passage of at most about `width` characters of `body` (Markdown) for the stemmed
/// `terms`.
pub fn best(body: &str, terms: &HashSet<String>, stems: &mut Stems, width: usize) -> Snippet {
    let prefixes: Vec<String> = terms.iter().map(|t| prefix(t)).collect();
    let lower = body.to_ascii_lowercase();
    let mut matches = find(body, &lower, &prefixes, terms, stems, false);
    if matches.is_empty() {
        matches = find(body, &lower, &prefixes, terms, stems, true);
    }
    let window = window(body, &matches, width + width / 4);
    let plain = text::plain_text(&body[window]);
    highlight(&plain, terms, stems, width)
}

/// What a query term's words all start with: the stem without its last character (at least
/// two characters, or the whole term).
fn prefix(term: &str) -> String {
    let chars: Vec<char> = term.chars().collect();
    let keep = if chars.len() > 2 {
        chars.len() - 1
    } else {
        chars.len()
    };
    chars[..keep]
        .iter()
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Matched words in the body: prose only, or code blocks too.
fn find(
    body: &str,
    lower: &str,
    prefixes: &[String],
    terms: &HashSet<String>,
    stems: &mut Stems,
    with_code: bool,
) -> Vec<Match> {
    let bytes = body.as_bytes();
    // Code blocks as byte ranges, to skip hits inside them when only prose is wanted.
    let mut code: Vec<Range<usize>> = Vec::new();
    if !with_code {
        let mut open: Option<usize> = None;
        let mut offset = 0;
        for line in body.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                match open.take() {
                    Some(start) => code.push(start..offset + line.len()),
                    None => open = Some(offset),
                }
            }
            offset += line.len();
        }
        if let Some(start) = open {
            code.push(start..body.len());
        }
    }
    let in_code = |at: usize| code.iter().any(|r| r.contains(&at));
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut seen: HashSet<usize> = HashSet::new();
    for p in prefixes.iter().filter(|p| !p.is_empty()) {
        for (at, _) in lower.match_indices(p.as_str()) {
            // A word (or a compound) only starts where a word can: short prefixes such as
            // `se` are inside thousands of words, and splitting each one's run costs.
            if !word_may_start(bytes, at) || in_code(at) {
                continue;
            }
            // The identifier run around the hit (words, `_`, and dots between words).
            let mut rs = at;
            while rs > 0 && (is_ident(bytes[rs - 1]) || dot_inside(bytes, rs - 1)) {
                rs -= 1;
            }
            let mut re = at;
            while re < bytes.len() && (is_ident(bytes[re]) || dot_inside(bytes, re)) {
                re += 1;
            }
            while !body.is_char_boundary(rs) {
                rs += 1;
            }
            while !body.is_char_boundary(re) {
                re -= 1;
            }
            if rs < re && seen.insert(rs) {
                runs.push(rs..re);
            }
        }
    }
    let mut matches = Vec::new();
    for run in runs {
        text::split_words(&body[run.clone()], |w| {
            let stem = stems.stem(w.text);
            if terms.contains(&stem) {
                matches.push(((run.start + w.from)..(run.start + w.to), stem));
            }
        });
    }
    matches.sort_by_key(|m| (m.0.start, m.0.end));
    matches.dedup_by(|a, b| a.0 == b.0);
    matches
}

/// Whether a word of `text::split_words` may start at `at`: the start of an identifier, after
/// `_`, `.` or a digit, or where the case changes (`QuerySet`, `HTTPAdapter`). A superset of
/// the real starts, so no match is lost.
fn word_may_start(bytes: &[u8], at: usize) -> bool {
    let Some(&prev) = at.checked_sub(1).and_then(|i| bytes.get(i)) else {
        return true;
    };
    let cur = bytes[at];
    !prev.is_ascii_alphanumeric()
        || prev.is_ascii_digit() != cur.is_ascii_digit()
        || (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
        || (prev.is_ascii_uppercase() && cur.is_ascii_uppercase())
}

/// A dot joining two identifier characters (`functools.wraps`).
fn dot_inside(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'.'
        && i > 0
        && i + 1 < bytes.len()
        && is_ident(bytes[i - 1])
        && is_ident(bytes[i + 1])
}

/// The byte range of about `width` bytes holding the most distinct matched terms (then the
/// most matches), starting a little before its first match at a line or word boundary.
fn window(body: &str, matches: &[Match], width: usize) -> Range<usize> {
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, first match)
    for i in 0..matches.len() {
        let start = matches[i].0.start;
        let mut distinct = HashSet::new();
        let mut count = 0;
        for m in &matches[i..] {
            if m.0.end > start + width {
                break;
            }
            distinct.insert(&m.1);
            count += 1;
        }
        if (distinct.len(), count) > (best.0, best.1) {
            best = (distinct.len(), count, i);
        }
    }
    let anchor = matches.get(best.2).map_or(0, |m| m.0.start);
    let mut start = anchor.saturating_sub(width / 4);
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        // Begin at the line or word the window cuts into.
        let before = &body[start..anchor];
        start += before
            .rfind('\n')
            .map(|n| n + 1)
            .or_else(|| before.find(' ').map(|n| n + 1))
            .unwrap_or(0);
    }
    let mut end = (start + width).min(body.len());
    while !body.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Trims the flattened window to `width` characters at word boundaries, marks elisions, and
/// finds the matched words in it.
fn highlight(plain: &str, terms: &HashSet<String>, stems: &mut Stems, width: usize) -> Snippet {
    let mut end = plain.len();
    if plain.chars().count() > width {
        end = plain
            .char_indices()
            .nth(width)
            .map_or(plain.len(), |(i, _)| i);
        end = plain[..end].rfind(' ').filter(|&e| e > 0).unwrap_or(end);
    }
    let mut text = plain[..end].to_string();
    if end < plain.len() {
        text.push('…');
    }
    let mut highlights: Vec<Range<usize>> = Vec::new();
    text::split_words(&plain[..end], |w| {
        if terms.contains(&stems.stem(w.text)) {
            highlights.push(w.from..w.to);
        }
    });
    highlights.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in highlights {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Snippet {
        text,
        highlights: merged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> HashSet<String> {
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
        let s = best(&body, &terms(&["lazi", "queryset"]), &mut stems, 80);
        assert!(s.text.contains("lazy QuerySet together"), "{}", s.text);
        assert_eq!(marked(&s), ["lazy", "QuerySet"]);
    }

    #[test]
    fn prose_comes_before_code_and_markup_is_flattened() {
        let mut stems = Stems::default();
        let body = "```python\nx = post_save\n```\n\n## Signals\n\nThe `post_save` signal fires.\n";
        let s = best(body, &terms(&["post_sav"]), &mut stems, 80);
        assert_eq!(s.text, "The post_save signal fires.");
        assert_eq!(marked(&s), ["post_save"]);
    }

    #[test]
    fn code_is_used_when_prose_has_no_match() {
        let mut stems = Stems::default();
        let body = "Intro.\n\n```python\nfrom functools import wraps\n```\n";
        let s = best(body, &terms(&["wrap"]), &mut stems, 80);
        assert!(s.text.contains("from functools import wraps"), "{}", s.text);
        assert_eq!(marked(&s), ["wraps"]);
    }

    #[test]
    fn no_match_gives_the_beginning() {
        let mut stems = Stems::default();
        let s = best("alpha beta gamma\n", &HashSet::new(), &mut stems, 80);
        assert_eq!(s.text, "alpha beta gamma");
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn long_windows_are_cut_at_a_word_with_an_ellipsis() {
        let mut stems = Stems::default();
        let body = "word ".repeat(100);
        let s = best(&body, &terms(&["word"]), &mut stems, 30);
        assert!(s.text.ends_with('…'));
        assert!(s.text.chars().count() <= 31);
    }

    #[test]
    fn multibyte_text_never_splits_a_character() {
        let mut stems = Stems::default();
        let body = "é".repeat(300) + " lazy " + &"ü".repeat(300);
        let s = best(&body, &terms(&["lazi"]), &mut stems, 40);
        assert!(s.text.contains("lazy"));
    }
}

//! From what the user typed to ranked hits with snippets.
//!
//! Any text is a valid query: it is never parsed as query syntax, only split into words by the
//! same code-aware analyzer as the index. Each whitespace-separated unit of the query must
//! match in some field (id, title, aliases, summary, tags, category, body; weighted in that
//! order); adjacent units that form a known compound ("query set" -> queryset, "post save" ->
//! post_save) match it too. Ranking runs in stages, each only when the one before found too
//! little: entries with every word, then entries with most of them, then typo corrections
//! ranked by edit distance (tantivy's fuzzy queries give every match the same score).
//!
//! Together with `index.rs`, the only user of tantivy.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use anyhow::Result;
use tantivy::query::{
    BooleanQuery, BoostQuery, EnableScoring, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

use crate::index::{Guide, Stored, stemmed_analyzer};
use crate::kb::Entry;
use crate::text;

/// Words that carry little meaning in a question ("how does the …"). They still score, but an
/// entry need not contain them.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "do", "does", "did", "how", "what",
    "when", "why", "where", "which", "who", "i", "you", "my", "me", "we", "to", "of", "in", "on",
    "at", "by", "it", "its", "this", "that", "and", "or", "vs", "for", "with", "from", "about",
    "into", "not", "can", "should", "there", "than", "then", "so", "if", "as",
];

/// Weight of a query that is exactly an entry's id or alias (compared loosely).
const NAMED_BOOST: f32 = 3.0;

/// Most hits a query can ask for (`--limit` is capped here, not rejected).
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Clone)]
pub struct Options {
    pub limit: usize,
    pub category: Option<String>,
}

/// The best passage of an entry's text, with the matched words' byte ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub entry: Stored,
    pub score: f32,
    pub snippet: Snippet,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    /// The query with its unknown words corrected, when corrections were searched.
    pub corrected: Option<String>,
    /// Close words and titles, for "did you mean" when little or nothing matched.
    pub suggestions: Vec<String>,
}

/// One unit of the query: what the user typed between spaces, analyzed.
#[derive(Debug, Clone)]
struct Unit {
    /// As typed (for messages).
    typed: String,
    /// Stemmed parts, matched as a phrase when there are several.
    parts: Vec<String>,
    /// Stemmed whole forms (compound, exact identifier), matched as single terms.
    alts: Vec<String>,
    /// Extra terms from typo correction, with their weight (closer is heavier).
    fuzzy: Vec<(String, f32)>,
    stop: bool,
}

/// Field weights: where a word appears says how much the entry is about it.
fn weighted_fields(guide: &Guide) -> [(Field, f32); 6] {
    let f = guide.fields;
    [
        (f.meta, 2.5),
        (f.title, 3.0),
        (f.aliases, 3.0),
        (f.summary, 1.5),
        (f.tags, 1.5),
        (f.body, 1.0),
    ]
}

pub struct Searcher2<'g> {
    guide: &'g Guide,
    searcher: Searcher,
    analyzer: TextAnalyzer,
}

/// Runs a query against the guide.
pub fn search(guide: &Guide, query: &str, opts: &Options) -> Result<Outcome> {
    let mut s = Searcher2 {
        guide,
        searcher: guide.searcher(),
        analyzer: stemmed_analyzer(),
    };
    let limit = opts.limit.clamp(1, MAX_LIMIT);
    let units = s.units(query);
    if units.is_empty() {
        return Ok(Outcome::default());
    }
    let units = s.merge_compounds(units);
    let mut ranked = s.ranked(&units, opts.category.as_deref(), limit)?;
    let mut outcome = Outcome::default();

    let unknown: Vec<usize> = (0..units.len())
        .filter(|&i| !units[i].stop && s.unit_is_rare(&units[i]))
        .collect();
    if !unknown.is_empty() {
        let mut corrected_units = units.clone();
        let mut changed = false;
        for &i in &unknown {
            let fixes = s.corrections(&units[i].typed);
            if !fixes.is_empty() {
                changed = true;
                corrected_units[i].fuzzy = fixes;
            }
        }
        if changed {
            let fuzzy_ranked = s.ranked(&corrected_units, opts.category.as_deref(), limit)?;
            // The corrected query only replaces the exact one when it finds more.
            if fuzzy_ranked.len() > ranked.len() || ranked.is_empty() {
                outcome.corrected = Some(
                    corrected_units
                        .iter()
                        .map(|u| u.fuzzy.first().map_or(u.typed.as_str(), |(w, _)| w))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                ranked = fuzzy_ranked;
            }
        }
    }

    let terms = s.highlight_terms(&units);
    for (score, stored) in ranked.into_iter().take(limit) {
        let snippet = snippet_for(&stored, &terms, &mut s.analyzer);
        outcome.hits.push(Hit {
            entry: stored,
            score,
            snippet,
        });
    }
    if outcome.hits.is_empty() {
        outcome.suggestions = s.suggestions(query);
    }
    Ok(outcome)
}

impl Searcher2<'_> {
    /// Analyzes one piece of text into (stemmed parts, stemmed whole forms).
    fn analyze(&mut self, piece: &str) -> (Vec<String>, Vec<String>) {
        let mut parts = Vec::new();
        let mut alts = Vec::new();
        let mut last_pos: Option<usize> = None;
        let mut stream = self.analyzer.token_stream(piece);
        while let Some(tok) = stream.next() {
            if last_pos.is_some_and(|p| tok.position <= p) {
                if !alts.contains(&tok.text) && !parts.contains(&tok.text) {
                    alts.push(tok.text.clone());
                }
            } else {
                parts.push(tok.text.clone());
                last_pos = Some(tok.position);
            }
        }
        (parts, alts)
    }

    fn units(&mut self, query: &str) -> Vec<Unit> {
        let mut units: Vec<Unit> = query
            .split_whitespace()
            .filter_map(|typed| {
                let (parts, alts) = self.analyze(typed);
                if parts.is_empty() {
                    return None;
                }
                let stop = parts.len() == 1 && STOP_WORDS.contains(&typed.to_lowercase().as_str());
                Some(Unit {
                    typed: typed.to_string(),
                    parts,
                    alts,
                    fuzzy: Vec::new(),
                    stop,
                })
            })
            .collect();
        // A query of nothing but common words still has to match something.
        if units.iter().all(|u| u.stop) {
            for u in &mut units {
                u.stop = false;
            }
        }
        units
    }

    fn doc_freq_anywhere(&self, term: &str) -> u64 {
        weighted_fields(self.guide)
            .iter()
            .map(|&(field, _)| {
                self.searcher
                    .doc_freq(&Term::from_field_text(field, term))
                    .unwrap_or(0)
            })
            .sum()
    }

    /// Joins adjacent single words into one unit when their compound is a word of the guide:
    /// "query set" also matches `QuerySet`, "post save" matches `post_save`.
    fn merge_compounds(&mut self, units: Vec<Unit>) -> Vec<Unit> {
        let mut out: Vec<Unit> = Vec::with_capacity(units.len());
        for unit in units {
            if let Some(prev) = out.last_mut() {
                let single = |u: &Unit| u.parts.len() == 1 && u.alts.is_empty() && !u.stop;
                if single(prev) && single(&unit) {
                    let joined = format!("{}{}", prev.typed, unit.typed);
                    let (compound, _) = self.analyze(&joined.to_lowercase());
                    if compound.len() == 1 && self.doc_freq_anywhere(&compound[0]) > 0 {
                        prev.typed = format!("{} {}", prev.typed, unit.typed);
                        prev.parts.push(unit.parts[0].clone());
                        prev.alts.push(compound[0].clone());
                        continue;
                    }
                }
            }
            out.push(unit);
        }
        out
    }

    /// True when the unit matches no entry, or barely any while a close word is common: a typo.
    fn unit_is_rare(&self, unit: &Unit) -> bool {
        let df = unit
            .parts
            .iter()
            .chain(&unit.alts)
            .map(|t| self.doc_freq_anywhere(t))
            .max()
            .unwrap_or(0);
        df == 0
    }

    /// Index words within edit distance 1 (2 for longer words) of `typed`, closest and most
    /// common first, weighted by closeness.
    fn corrections(&self, typed: &str) -> Vec<(String, f32)> {
        let word: String = typed
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .flat_map(char::to_lowercase)
            .collect();
        let len = word.chars().count();
        if !(3..=text::MAX_WORD_LEN).contains(&len) {
            return Vec::new();
        }
        let max_distance: u8 = if len >= 6 { 2 } else { 1 };
        let vocab = self.guide.fields.vocab;
        let query = FuzzyTermQuery::new(Term::from_field_text(vocab, &word), max_distance, true);
        let Ok(automaton) = query.automaton() else {
            return Vec::new();
        };
        let mut found: HashMap<String, u64> = HashMap::new();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(vocab) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(w) = std::str::from_utf8(stream.key()) {
                    *found.entry(w.to_string()).or_default() += u64::from(stream.value().doc_freq);
                }
            }
        }
        let mut ranked: Vec<(usize, u64, String)> = found
            .into_iter()
            .filter(|(w, _)| *w != word)
            .map(|(w, df)| (edit_distance(&word, &w), df, w))
            .collect();
        ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked.truncate(4);
        ranked
            .into_iter()
            .map(|(d, _, w)| (w, 1.0 / (1.0 + d as f32)))
            .collect()
    }

    /// The query for one unit in one field.
    fn unit_in_field(&mut self, unit: &Unit, field: Field) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |t: &str| Term::from_field_text(field, t);
        if unit.parts.len() == 1 {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    term(&unit.parts[0]),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        } else {
            let terms = unit.parts.iter().map(|p| term(p)).collect();
            clauses.push((Occur::Should, Box::new(PhraseQuery::new(terms))));
        }
        for alt in &unit.alts {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(term(alt), IndexRecordOption::WithFreqs)),
            ));
        }
        for (word, weight) in &unit.fuzzy {
            let (parts, _) = self.analyze(word);
            for p in parts {
                let q = TermQuery::new(term(&p), IndexRecordOption::WithFreqs);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), *weight)),
                ));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The query for one unit in any field, weighted by field.
    fn unit_query(&mut self, unit: &Unit) -> Box<dyn Query> {
        let clauses = weighted_fields(self.guide)
            .into_iter()
            .map(|(field, boost)| {
                let q: Box<dyn Query> =
                    Box::new(BoostQuery::new(self.unit_in_field(unit, field), boost));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// Extra score for query words that stand together: the whole query as a phrase in the
    /// title, and each adjacent pair near each other (slop 2) in title, summary and body.
    fn proximity(&self, units: &[Unit]) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.guide.fields;
        let words: Vec<&String> = units
            .iter()
            .filter(|u| !u.stop)
            .flat_map(|u| &u.parts)
            .collect();
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if words.len() < 2 {
            return out;
        }
        for (field, boost) in [(f.title, 2.0), (f.summary, 1.0), (f.body, 1.0)] {
            for pair in words.windows(2) {
                let terms = vec![
                    (0, Term::from_field_text(field, pair[0])),
                    (1, Term::from_field_text(field, pair[1])),
                ];
                let q = PhraseQuery::new_with_offset_and_slop(terms, 2);
                out.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        out
    }

    /// Entries with every (non-stop) unit first, by score; then, if there is room, entries
    /// with most units, by how many they have and then by score.
    fn ranked(
        &mut self,
        units: &[Unit],
        category: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(f32, Stored)>> {
        let unit_queries: Vec<Box<dyn Query>> = units.iter().map(|u| self.unit_query(u)).collect();
        let proximity = self.proximity(units);
        let category_clause = || -> Option<(Occur, Box<dyn Query>)> {
            category.map(|c| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.guide.fields.category, c),
                    IndexRecordOption::Basic,
                ));
                (Occur::Must, q)
            })
        };

        // The whole query naming an entry (its id or an alias, loosely) lifts that entry.
        let typed: String = units
            .iter()
            .map(|u| u.typed.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let named: Box<dyn Query> = Box::new(BoostQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(
                    self.guide.fields.key,
                    &format!("l:{}", text::loose_key(&typed)),
                ),
                IndexRecordOption::Basic,
            )),
            NAMED_BOOST,
        ));
        let mut all: Vec<(Occur, Box<dyn Query>)> = units
            .iter()
            .zip(&unit_queries)
            .map(|(u, q)| {
                (
                    if u.stop { Occur::Should } else { Occur::Must },
                    q.box_clone(),
                )
            })
            .collect();
        all.extend(proximity.iter().map(|(o, q)| (*o, q.box_clone())));
        all.push((Occur::Should, named.box_clone()));
        all.extend(category_clause());
        let strict = BooleanQuery::new(all);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (score, addr) in self.guide.top(&self.searcher, &strict, limit)? {
            seen.insert(addr);
            out.push((score, self.guide.stored(&self.searcher, addr)?));
        }
        let required: Vec<usize> = (0..units.len()).filter(|&i| !units[i].stop).collect();
        if out.len() >= limit || required.len() < 2 {
            return Ok(out);
        }

        // Some entries have most of the words: rank them by how many, then by score.
        let mut any: Vec<(Occur, Box<dyn Query>)> = unit_queries
            .iter()
            .map(|q| (Occur::Should, q.box_clone()))
            .collect();
        any.extend(proximity.iter().map(|(o, q)| (*o, q.box_clone())));
        any.push((Occur::Should, named));
        if let Some(c) = category_clause() {
            any.push(c);
        }
        let loose = BooleanQuery::new(any);
        let candidates = self
            .guide
            .top(&self.searcher, &loose, (limit * 3).max(30))?;
        let mut scored = Vec::new();
        for (score, addr) in candidates {
            if seen.contains(&addr) {
                continue;
            }
            let covered = required
                .iter()
                .filter(|&&i| self.matches(&*unit_queries[i], addr))
                .count();
            scored.push((covered, score, addr));
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        for (_, score, addr) in scored.into_iter().take(limit - out.len()) {
            out.push((score, self.guide.stored(&self.searcher, addr)?));
        }
        Ok(out)
    }

    /// Whether one document matches a query.
    fn matches(&self, query: &dyn Query, addr: DocAddress) -> bool {
        let Ok(weight) = query.weight(EnableScoring::disabled_from_searcher(&self.searcher)) else {
            return false;
        };
        let reader = self.searcher.segment_reader(addr.segment_ord);
        let Ok(mut scorer) = weight.scorer(reader, 1.0) else {
            return false;
        };
        let doc: DocId = addr.doc_id;
        // A scorer starts on its first document and may only seek forward.
        match scorer.doc() {
            TERMINATED => false,
            first if first >= doc => first == doc,
            _ => scorer.seek(doc) == doc,
        }
    }

    /// The stemmed words a snippet highlights.
    fn highlight_terms(&mut self, units: &[Unit]) -> HashSet<String> {
        let mut out = HashSet::new();
        for unit in units.iter().filter(|u| !u.stop) {
            out.extend(unit.parts.iter().cloned());
            out.extend(unit.alts.iter().cloned());
            for (w, _) in &unit.fuzzy {
                let (parts, _) = self.analyze(w);
                out.extend(parts);
            }
        }
        out
    }

    /// Titles and index words close to the query, for "did you mean".
    fn suggestions(&self, query: &str) -> Vec<String> {
        let mut out = Vec::new();
        for typed in query.split_whitespace() {
            if let Some((w, _)) = self.corrections(typed).first()
                && !out.contains(w)
            {
                out.push(w.clone());
            }
        }
        // Entries whose id is close to the whole query ("decoratr" -> decorators).
        let key = text::loose_key(query);
        if let Ok(all) = self.guide.all() {
            let mut close: Vec<(usize, String)> = all
                .into_iter()
                .map(|s| (edit_distance(&key, &text::loose_key(&s.id)), s.id))
                .filter(|(d, id)| *d <= 2.max(id.len() / 4))
                .collect();
            close.sort();
            for (_, id) in close.into_iter().take(3) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }
}

/// The best passage of the entry's text: the window holding the most distinct query words.
fn snippet_for(stored: &Stored, terms: &HashSet<String>, analyzer: &mut TextAnalyzer) -> Snippet {
    let Ok(text) = stored.origin.read() else {
        return Snippet::default();
    };
    let Ok(entry) = Entry::parse(stored.origin.clone(), &text) else {
        return Snippet::default();
    };
    let prose = best_passage(&text::prose_text(&entry.body), terms, analyzer, 160);
    if prose.highlights.is_empty() {
        let with_code = best_passage(&text::plain_text(&entry.body), terms, analyzer, 160);
        if !with_code.highlights.is_empty() {
            return with_code;
        }
    }
    prose
}

fn best_passage(
    plain: &str,
    terms: &HashSet<String>,
    analyzer: &mut TextAnalyzer,
    width: usize,
) -> Snippet {
    let mut matches: Vec<(Range<usize>, String)> = Vec::new();
    let mut stream = analyzer.token_stream(plain);
    while let Some(tok) = stream.next() {
        if terms.contains(&tok.text) {
            matches.push((tok.offset_from..tok.offset_to, tok.text.clone()));
        }
    }
    // Slide a window over the matches; keep the one with the most distinct words, then most.
    let mut best = (0usize, 0usize, 0usize); // (distinct, count, first match index)
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
    let anchor = if matches.is_empty() {
        0
    } else {
        matches[best.2].0.start
    };
    // Start a little before the first match, at a word boundary.
    let mut start = anchor.saturating_sub(width / 4);
    while start > 0 && !plain.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        start = plain[start..]
            .find(' ')
            .map_or(start, |n| start + n + 1)
            .min(anchor);
    }
    let mut end = (start + width).min(plain.len());
    while end < plain.len() && !plain.is_char_boundary(end) {
        end += 1;
    }
    if end < plain.len() {
        end = plain[..end]
            .rfind(' ')
            .filter(|&e| e > start)
            .unwrap_or(end);
    }
    let mut text = String::new();
    let mut offset = 0;
    if start > 0 {
        text.push('…');
        offset = '…'.len_utf8();
    }
    text.push_str(&plain[start..end]);
    if end < plain.len() {
        text.push('…');
    }
    let mut highlights: Vec<Range<usize>> = matches
        .iter()
        .filter(|m| m.0.start >= start && m.0.end <= end)
        .map(|m| (m.0.start - start + offset)..(m.0.end - start + offset))
        .collect();
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

    #[test]
    fn best_passage_prefers_the_window_with_most_distinct_words() {
        let mut analyzer = stemmed_analyzer();
        let plain = format!(
            "{} lazy here. {} lazy queryset together.",
            "x ".repeat(200),
            "y ".repeat(200)
        );
        let terms: HashSet<String> = ["lazi".to_string(), "queryset".to_string()].into();
        let s = best_passage(&plain, &terms, &mut analyzer, 80);
        assert!(s.text.contains("lazy queryset together"), "{}", s.text);
        let marked: Vec<&str> = s.highlights.iter().map(|r| &s.text[r.clone()]).collect();
        assert!(
            marked.contains(&"lazy") && marked.contains(&"queryset"),
            "{marked:?}"
        );
    }

    #[test]
    fn best_passage_without_matches_starts_at_the_beginning() {
        let mut analyzer = stemmed_analyzer();
        let s = best_passage("alpha beta gamma", &HashSet::new(), &mut analyzer, 80);
        assert_eq!(s.text, "alpha beta gamma");
        assert!(s.highlights.is_empty());
    }
}

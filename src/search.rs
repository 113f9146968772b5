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

use std::collections::HashSet;

use anyhow::Result;
use tantivy::query::{
    BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

use crate::index::{Guide, Stored, stemmed_analyzer};
use crate::kb;
use crate::snippet::{self, Snippet};
use crate::text;

/// Words that carry little meaning in a question ("how does the … work"): they are left out
/// of the query, unless the query has nothing else.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "actually",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "behind",
    "between",
    "by",
    "can",
    "difference",
    "did",
    "do",
    "does",
    "exactly",
    "example",
    "examples",
    "explain",
    "explained",
    "for",
    "from",
    "happen",
    "happens",
    "how",
    "i",
    "if",
    "in",
    "inside",
    "into",
    "is",
    "it",
    "its",
    "me",
    "mean",
    "means",
    "my",
    "not",
    "of",
    "on",
    "or",
    "python",
    "really",
    "should",
    "so",
    "than",
    "that",
    "the",
    "then",
    "there",
    "this",
    "to",
    "under",
    "use",
    "used",
    "using",
    "versus",
    "vs",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "with",
    "work",
    "works",
    "you",
];

/// Words programmers use for the same thing; a query word also matches these, weighted lower.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("argument", &["parameter"]),
    ("arguments", &["parameters"]),
    ("build", &["create"]),
    ("built", &["created"]),
    ("cleanup", &["teardown", "close"]),
    ("create", &["build", "construct"]),
    ("created", &["built", "constructed"]),
    ("delete", &["remove"]),
    ("error", &["exception"]),
    ("errors", &["exceptions"]),
    ("exception", &["error"]),
    ("execute", &["run"]),
    ("executed", &["run"]),
    ("fast", &["performance", "speed"]),
    ("lazy", &["lazily", "evaluate"]),
    ("parameter", &["argument"]),
    ("parameters", &["arguments"]),
    ("remove", &["delete"]),
    ("run", &["execute", "evaluate"]),
    ("runs", &["executes", "evaluates"]),
    ("slow", &["performance", "blocking"]),
    ("speed", &["performance", "fast"]),
    ("teardown", &["cleanup"]),
];

/// Weight of a synonym relative to the word typed.
const SYNONYM_WEIGHT: f32 = 0.5;

/// Weight of a query that is exactly an entry's id or alias (compared loosely), and of a single
/// query unit that is.
const NAMED_BOOST: f32 = 3.0;
const UNIT_NAMED_BOOST: f32 = 1.0;

/// Most hits a query can ask for (`--limit` is capped here, not rejected).
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Clone)]
pub struct Options {
    pub limit: usize,
    pub category: Option<String>,
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
    /// The query as searched, when unknown words were replaced by close ones.
    pub corrected: Option<String>,
    /// Close words and entry ids, for "did you mean" when nothing matched.
    pub suggestions: Vec<String>,
}

/// One way a query unit can match: stemmed words in a row (a phrase when several).
#[derive(Debug, Clone, PartialEq)]
struct Form {
    words: Vec<String>,
    weight: f32,
}

/// One unit of the query: what the user typed between spaces, analyzed.
#[derive(Debug, Clone)]
struct Unit {
    /// As typed (for messages), or the correction that replaced it.
    typed: String,
    /// The ways it matches; the first is what was typed.
    forms: Vec<Form>,
    /// The loose key, when it names an entry (its id or an alias).
    named: Option<String>,
    stop: bool,
}

impl Unit {
    fn primary(&self) -> &[String] {
        self.forms.first().map_or(&[], |f| &f.words)
    }
}

/// Field weights: where a word appears says how much the entry is about it.
fn weighted_fields(guide: &Guide) -> [(Field, f32); 6] {
    let f = guide.fields;
    [
        (f.meta, 2.5),
        (f.title, 3.0),
        (f.aliases, 3.0),
        (f.summary, 2.0),
        (f.tags, 1.5),
        (f.body, 1.0),
    ]
}

struct Run<'g> {
    guide: &'g Guide,
    searcher: Searcher,
    analyzer: TextAnalyzer,
}

/// Runs a query against the guide.
pub fn search(guide: &Guide, query: &str, opts: &Options) -> Result<Outcome> {
    let mut run = Run {
        guide,
        searcher: guide.searcher(),
        analyzer: stemmed_analyzer(),
    };
    let limit = opts.limit.clamp(1, MAX_LIMIT);
    let mut outcome = Outcome::default();
    let mut units = run.units(query);
    if units.is_empty() {
        return Ok(outcome);
    }

    // Words no entry has are typos until shown otherwise: search for the closest real words.
    let mut corrected = false;
    for unit in units.iter_mut().filter(|u| !u.stop && u.named.is_none()) {
        if run.unit_df(unit) > 0 {
            continue;
        }
        let fixes = run.corrections(&unit.typed);
        if let Some((best, _)) = fixes.first() {
            unit.typed = best.clone();
            let loose = text::loose_key(best);
            unit.named = run.names_an_entry(&loose).then_some(loose);
            unit.forms.clear();
            for (word, weight) in &fixes {
                let (parts, _) = run.analyze(word);
                if !parts.is_empty() {
                    unit.forms.push(Form {
                        words: parts,
                        weight: *weight,
                    });
                }
            }
            corrected = true;
        }
    }
    if corrected {
        outcome.corrected = Some(
            units
                .iter()
                .map(|u| u.typed.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
    }

    let searched: Vec<&str> = units.iter().map(|u| u.typed.as_str()).collect();
    let ranked = run.ranked(&searched.join(" "), &units, opts.category.as_deref(), limit)?;
    let terms = highlight_terms(&units);
    let mut stems = text::Stems::default();
    let mut above = f32::INFINITY;
    for (score, stored) in ranked.into_iter().take(limit) {
        // Entries with fewer of the words rank below those with more whatever their own
        // score: the score shown never exceeds the one above it, so it reads in rank order.
        let score = score.min(above);
        above = score;
        let snippet = snippet_for(&stored, &terms, &mut stems);
        outcome.hits.push(Hit {
            entry: stored,
            score,
            snippet,
        });
    }
    if outcome.hits.is_empty() {
        outcome.suggestions = run.suggestions(query);
    }
    Ok(outcome)
}

/// The stemmed words a snippet highlights.
fn highlight_terms(units: &[Unit]) -> HashSet<String> {
    units
        .iter()
        .filter(|u| !u.stop)
        .flat_map(|u| &u.forms)
        .flat_map(|f| f.words.iter().cloned())
        .collect()
}

impl Run<'_> {
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

    /// Whether some entry has this id or alias (compared loosely).
    fn names_an_entry(&self, loose: &str) -> bool {
        !loose.is_empty()
            && self
                .searcher
                .doc_freq(&Term::from_field_text(
                    self.guide.fields.key,
                    &format!("l:{loose}"),
                ))
                .unwrap_or(0)
                > 0
    }

    fn units(&mut self, query: &str) -> Vec<Unit> {
        let mut units: Vec<Unit> = Vec::new();
        for typed in query.split_whitespace() {
            let (parts, alts) = self.analyze(typed);
            let loose = text::loose_key(typed);
            let named = self.names_an_entry(&loose).then_some(loose);
            if parts.is_empty() && named.is_none() {
                continue; // punctuation that names nothing
            }
            let lower = typed.to_lowercase();
            let stop = parts.len() == 1 && named.is_none() && STOP_WORDS.contains(&lower.as_str());
            let mut forms = Vec::new();
            if !parts.is_empty() {
                forms.push(Form {
                    words: parts,
                    weight: 1.0,
                });
            }
            forms.extend(alts.into_iter().map(|a| Form {
                words: vec![a],
                weight: 1.0,
            }));
            if let Some((_, synonyms)) = SYNONYMS.iter().find(|(w, _)| *w == lower) {
                for synonym in *synonyms {
                    let (words, _) = self.analyze(synonym);
                    forms.push(Form {
                        words,
                        weight: SYNONYM_WEIGHT,
                    });
                }
            }
            units.push(Unit {
                typed: typed.to_string(),
                forms,
                named,
                stop,
            });
        }
        // A query of nothing but common words still has to match something.
        if units.iter().all(|u| u.stop) {
            for u in &mut units {
                u.stop = false;
            }
        }
        self.merge_compounds(units)
    }

    fn df_anywhere(&self, term: &str) -> u64 {
        weighted_fields(self.guide)
            .iter()
            .map(|&(field, _)| {
                self.searcher
                    .doc_freq(&Term::from_field_text(field, term))
                    .unwrap_or(0)
            })
            .sum()
    }

    /// How many documents the unit's typed form could match (0: no entry has the word).
    fn unit_df(&self, unit: &Unit) -> u64 {
        unit.forms
            .iter()
            .filter(|f| f.weight >= 1.0)
            .flat_map(|f| &f.words)
            .map(|w| self.df_anywhere(w))
            .min()
            .unwrap_or(0)
    }

    /// Joins adjacent units when their run-together spelling is a word of the guide: "query
    /// set" also matches `QuerySet`, "post save" `post_save`, "StopIteration value"
    /// `StopIteration.value`.
    fn merge_compounds(&mut self, units: Vec<Unit>) -> Vec<Unit> {
        let mut out: Vec<Unit> = Vec::with_capacity(units.len());
        for unit in units {
            if let Some(prev) = out.last_mut()
                && !prev.stop
                && !unit.stop
                && !prev.primary().is_empty()
                && !unit.primary().is_empty()
            {
                let joined: String = format!("{}{}", prev.typed, unit.typed)
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect();
                let (compound, _) = self.analyze(&joined);
                if compound.len() == 1 && self.df_anywhere(&compound[0]) > 0 {
                    let mut words = prev.primary().to_vec();
                    words.extend(unit.primary().iter().cloned());
                    prev.typed = format!("{} {}", prev.typed, unit.typed);
                    prev.forms = vec![
                        Form { words, weight: 1.0 },
                        Form {
                            words: compound,
                            weight: 1.0,
                        },
                    ];
                    prev.named = None;
                    continue;
                }
            }
            out.push(unit);
        }
        out
    }

    /// Guide words within edit distance 1 (2 for words of 6 letters or more) of `typed`,
    /// closest and most common first, weighted by closeness.
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
        let max_distance = if len >= 6 { 2 } else { 1 };
        // Closest first, then the commonest; only words an entry still has.
        let mut stems = text::Stems::default();
        let found: Vec<(usize, String)> = self
            .guide
            .vocab()
            .closest(&word, max_distance)
            .into_iter()
            .filter(|(w, _)| self.df_anywhere(&stems.stem(w)) > 0)
            .take(4)
            .map(|(w, d)| (d, w))
            .collect();
        found
            .into_iter()
            .map(|(d, w)| (w, 1.0 / (1.0 + d as f32)))
            .collect()
    }

    /// The query for one unit in one field: any of its forms.
    fn unit_in_field(&self, unit: &Unit, field: Field) -> Box<dyn Query> {
        // In the body of a big guide, an identifier's parts as a phrase ("post save") cost more
        // than all the rest of a query; when its whole form (post_save, postsave) is a word of
        // the guide, that form alone finds it there.
        let whole_form_known = || {
            unit.forms
                .iter()
                .any(|f| f.words.len() == 1 && f.weight >= 1.0 && self.df_anywhere(&f.words[0]) > 0)
        };
        let skip_phrases = field == self.guide.fields.body && whole_form_known();
        let clauses = unit
            .forms
            .iter()
            .filter(|form| !(skip_phrases && form.words.len() > 1))
            .map(|form| {
                let q: Box<dyn Query> = if form.words.len() == 1 {
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &form.words[0]),
                        IndexRecordOption::WithFreqs,
                    ))
                } else {
                    let terms = form
                        .words
                        .iter()
                        .map(|w| Term::from_field_text(field, w))
                        .collect();
                    Box::new(PhraseQuery::new(terms))
                };
                let q: Box<dyn Query> = Box::new(BoostQuery::new(q, form.weight));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// The query for one unit in any field, weighted by field, plus its name if it names an
    /// entry.
    fn unit_query(&self, unit: &Unit) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !unit.forms.is_empty() {
            for (field, boost) in weighted_fields(self.guide) {
                let q: Box<dyn Query> =
                    Box::new(BoostQuery::new(self.unit_in_field(unit, field), boost));
                clauses.push((Occur::Should, q));
            }
        }
        if let Some(named) = &unit.named {
            clauses.push((Occur::Should, self.named_query(named, UNIT_NAMED_BOOST)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn named_query(&self, loose: &str, boost: f32) -> Box<dyn Query> {
        Box::new(BoostQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(self.guide.fields.key, &format!("l:{loose}")),
                IndexRecordOption::Basic,
            )),
            boost,
        ))
    }

    /// Extra score for query words that stand together: each adjacent pair near each other
    /// (slop 2) in title, summary and body.
    fn proximity(&self, units: &[Unit]) -> Vec<Box<dyn Query>> {
        let f = self.guide.fields;
        let words: Vec<&String> = units
            .iter()
            .filter(|u| !u.stop)
            .flat_map(|u| u.primary())
            .collect();
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        for (field, boost) in [(f.title, 2.0), (f.summary, 1.0), (f.body, 1.0)] {
            for pair in words.windows(2) {
                let terms = vec![
                    (0, Term::from_field_text(field, pair[0])),
                    (1, Term::from_field_text(field, pair[1])),
                ];
                let q = PhraseQuery::new_with_offset_and_slop(terms, 2);
                out.push(Box::new(BoostQuery::new(Box::new(q), boost)));
            }
        }
        out
    }

    /// Entries with every (non-stop) unit first, by score; then, if there is room, entries
    /// with most units, by how many they have and then by score. Words standing together
    /// (proximity) re-score the best candidates rather than every match: phrase positions
    /// are the dearest thing to evaluate, and only the top of the list needs them.
    fn ranked(
        &self,
        query: &str,
        units: &[Unit],
        category: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(f32, Stored)>> {
        let unit_queries: Vec<Box<dyn Query>> = units.iter().map(|u| self.unit_query(u)).collect();
        let proximity = self.proximity(units);
        let pool = (limit * 3).max(30);
        // The whole query naming an entry (its id or an alias, loosely) lifts that entry.
        let mut extras = vec![(
            Occur::Should,
            self.named_query(&text::loose_key(query), NAMED_BOOST),
        )];
        if let Some(c) = category {
            let q: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(self.guide.fields.category, c),
                IndexRecordOption::Basic,
            ));
            extras.push((Occur::Must, q));
        }
        let with_extras = |mut clauses: Vec<(Occur, Box<dyn Query>)>| {
            clauses.extend(extras.iter().map(|(o, q)| (*o, q.box_clone())));
            BooleanQuery::new(clauses)
        };

        // Common words ("how", "the") take no part: every entry has them, so they cannot
        // rank, and a scorer over all their postings is the dearest part of a big guide's
        // query. (Words that name an entry, like "with", are not counted as common.)
        let strict = with_extras(
            units
                .iter()
                .zip(&unit_queries)
                .filter(|(u, _)| !u.stop)
                .map(|(_, q)| (Occur::Must, q.box_clone()))
                .collect(),
        );
        let mut strict_hits = self.guide.top(&self.searcher, &strict, pool)?;
        self.add_proximity(&mut strict_hits, &proximity);
        let seen: HashSet<DocAddress> = strict_hits.iter().map(|(_, a)| *a).collect();
        let mut out = Vec::new();
        for (score, addr) in strict_hits.into_iter().take(limit) {
            out.push((score, self.guide.stored(&self.searcher, addr)?));
        }
        let required: Vec<usize> = (0..units.len()).filter(|&i| !units[i].stop).collect();
        if out.len() >= limit || required.len() < 2 {
            return Ok(out);
        }

        // Some entries have most of the words: rank them by how many, then by score.
        let mut any: Vec<(Occur, Box<dyn Query>)> = units
            .iter()
            .zip(&unit_queries)
            .filter(|(u, _)| !u.stop)
            .map(|(_, q)| (Occur::Should, q.box_clone()))
            .collect();
        if category.is_some() {
            // With only the category clause required, at least one unit must still match.
            any = vec![(
                Occur::Must,
                Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
            )];
        }
        let loose = with_extras(any);
        let mut candidates: Vec<(f32, DocAddress)> = self
            .guide
            .top(&self.searcher, &loose, pool)?
            .into_iter()
            .filter(|(_, addr)| !seen.contains(addr))
            .collect();
        self.add_proximity(&mut candidates, &proximity);
        let mut covered = vec![0usize; candidates.len()];
        for &i in &required {
            let scores = self.scores_at(&*unit_queries[i], &candidates, false);
            for (k, hit) in scores.into_iter().enumerate() {
                covered[k] += usize::from(hit.is_some());
            }
        }
        let mut scored: Vec<(usize, f32, DocAddress)> = candidates
            .iter()
            .zip(covered)
            .map(|(&(score, addr), n)| (n, score, addr))
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        for (_, score, addr) in scored.into_iter().take(limit - out.len()) {
            out.push((score, self.guide.stored(&self.searcher, addr)?));
        }
        Ok(out)
    }

    /// Adds each candidate's proximity score and re-sorts them, best first.
    fn add_proximity(&self, hits: &mut [(f32, DocAddress)], proximity: &[Box<dyn Query>]) {
        for q in proximity {
            for (k, score) in self.scores_at(&**q, hits, true).into_iter().enumerate() {
                hits[k].0 += score.unwrap_or(0.0);
            }
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    }

    /// For each candidate, the query's score there (`None` if it does not match): one weight,
    /// one scorer per segment, seeking forward through the candidates in document order.
    fn scores_at(
        &self,
        query: &dyn Query,
        candidates: &[(f32, DocAddress)],
        scoring: bool,
    ) -> Vec<Option<f32>> {
        let mut out = vec![None; candidates.len()];
        let enable = if scoring {
            EnableScoring::enabled_from_searcher(&self.searcher)
        } else {
            EnableScoring::disabled_from_searcher(&self.searcher)
        };
        let Ok(weight) = query.weight(enable) else {
            return out;
        };
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&k| candidates[k].1);
        let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
        for k in order {
            let addr = candidates[k].1;
            if current
                .as_ref()
                .is_none_or(|(seg, _)| *seg != addr.segment_ord)
            {
                let reader = self.searcher.segment_reader(addr.segment_ord);
                current = weight
                    .scorer(reader, 1.0)
                    .ok()
                    .map(|s| (addr.segment_ord, s));
            }
            let Some((_, scorer)) = current.as_mut() else {
                continue;
            };
            let doc: DocId = addr.doc_id;
            // A scorer may only move forward; candidates come in document order.
            if scorer.doc() < doc && scorer.doc() != TERMINATED {
                scorer.seek(doc);
            }
            if scorer.doc() == doc {
                out[k] = Some(scorer.score());
            }
        }
        out
    }

    /// Index words and entry ids close to the query, for "did you mean".
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
                .map(|s| {
                    (
                        crate::vocab::edit_distance(&key, &text::loose_key(&s.id)),
                        s.id,
                    )
                })
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

/// The entry's best passage for the query, read from its file (or the binary).
fn snippet_for(stored: &Stored, terms: &HashSet<String>, stems: &mut text::Stems) -> Snippet {
    match stored.origin.read() {
        Ok(text) => snippet::best(kb::body_of(&text), terms, stems, 160),
        Err(_) => Snippet::default(),
    }
}

/// Property tests: any text at all is a query. Bounded (a few hundred cases) so CI stays fast.
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    fn queries() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            Just("lazy".to_string()),
            Just("QuerySet".to_string()),
            Just("post_save".to_string()),
            Just("__enter__".to_string()),
            Just("functools.wraps".to_string()),
            Just("Depends()".to_string()),
            "[a-z]{1,12}",
            "[!-/:-@\\[-`{-~]{1,4}",
            any::<char>().prop_map(String::from),
        ];
        prop_oneof![
            any::<String>(),
            "[ -~]{0,60}",
            prop::collection::vec(word, 0..8).prop_map(|w| w.join(" ")),
            "\\PC{0,300}",
        ]
    }

    #[test]
    fn any_text_is_answered_in_rank_order_without_error() {
        let guide = Guide::builtin().unwrap();
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&(queries(), 1usize..12), |(query, limit)| {
                let opts = Options {
                    limit,
                    category: None,
                };
                let outcome = search(&guide, &query, &opts)
                    .map_err(|e| TestCaseError::fail(format!("{query:?}: {e:#}")))?;
                prop_assert!(outcome.hits.len() <= limit);
                prop_assert!(
                    outcome.hits.windows(2).all(|w| w[0].score >= w[1].score),
                    "{query:?}: not in rank order"
                );
                for hit in &outcome.hits {
                    let text = &hit.snippet.text;
                    for r in &hit.snippet.highlights {
                        prop_assert!(r.start < r.end && r.end <= text.len());
                        prop_assert!(
                            text.is_char_boundary(r.start) && text.is_char_boundary(r.end)
                        );
                    }
                }
                Ok(())
            })
            .unwrap();
    }
}

//! From what the user typed to ranked hits: entries, the section that answers, a snippet, and
//! whether the best hit is a confident answer at all.
//!
//! Any text is a query: a few words, a question typed as a sentence, or an error line pasted
//! from a traceback. It is never parsed as query syntax, only read by the same code-aware
//! analyzer as the index (`QuerySet`, `post_save`, `django.core.exceptions` match whole and by
//! part). Question words and filler are left out; traceback frames and file paths are
//! dropped, keeping the error line.
//!
//! Ranking is BM25 over weighted fields (an entry's questions, title and aliases count most;
//! its body least), plus the best-matching `##` section, plus words standing together. That
//! score is then scaled by *coverage*: the share of the query's weight the entry matches,
//! where a word weighs by how rare it is in the guide, or, if more, by how rare it is among
//! the entries' titles and aliases (`exception` is in every body and one title). A word that
//! names a topic thus outweighs the common words of a sentence ("manually raising an
//! exception"), and matching more of the query is a soft factor, not a tier. "X vs Y" needs
//! both.
//!
//! A hit is *confident* when the words it matches in its title, aliases, questions, summary,
//! tags or section headings carry most of the query's weight, by rarity in the guide; by the
//! ranking's weights too, unless a word no entry has is in the query. Unknown words weigh the most,
//! so `pygame` or `rebase` in a query the guide cannot answer leaves every hit unconfident,
//! and `show` says "no entry" instead of printing an unrelated one. A word the guide lacks is
//! corrected only when nothing answers confidently as typed, a guide word with the same first
//! letter is one or two edits away (by its length), and the corrected query answers: with
//! the corrected word itself, when that word is rare (`conda` is not answered by an entry
//! about environment variables that has no `cond`).

use memchr::memmem;
use rustc_hash::{FxHashMap, FxHashSet};
use std::ops::Range;
use std::rc::Rc;

use anyhow::Result;
use guide::entry::{Meta, Origin};
use guide::index::{DocRef, Field, GuideIndex, Key, Kind, Query};
use guide::markdown::Plain;
use guide::text::{self, Stems};

use crate::packages;
use crate::snippet::{self, Snippet};

/// Words that carry no topic in a question ("how does the ... work in python"): left out of
/// the query, unless it has nothing else.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "accomplish",
    "achieve",
    "actually",
    "after",
    "again",
    "all",
    "alot",
    "already",
    "also",
    "although",
    "always",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anymore",
    "anyone",
    "anything",
    "anyway",
    "apparently",
    "are",
    "arent",
    "as",
    "at",
    "basically",
    "be",
    "because",
    "been",
    "before",
    "behind",
    "being",
    "best",
    "better",
    "between",
    "but",
    "by",
    "calculate",
    "calculating",
    "can",
    "cannot",
    "cant",
    "certain",
    "cleanest",
    "completely",
    "correct",
    "correctly",
    "could",
    "couldnt",
    "deal",
    "definitely",
    "determine",
    "did",
    "didnt",
    "difference",
    "differences",
    "do",
    "does",
    "doesn",
    "doesnt",
    "doing",
    "dont",
    "each",
    "easiest",
    "easily",
    "easy",
    "efficient",
    "efficiently",
    "elegant",
    "else",
    "even",
    "ever",
    "every",
    "everything",
    "exactly",
    "example",
    "examples",
    "explain",
    "explained",
    "explanation",
    "for",
    "from",
    "get",
    "gets",
    "getting",
    "give",
    "go",
    "going",
    "got",
    "guys",
    "had",
    "happen",
    "happening",
    "happens",
    "has",
    "hasnt",
    "have",
    "havent",
    "having",
    "hello",
    "help",
    "here",
    "hey",
    "hi",
    "how",
    "i",
    "idea",
    "if",
    "im",
    "in",
    "inside",
    "instead",
    "into",
    "is",
    "isn",
    "isnt",
    "it",
    "its",
    "ive",
    "just",
    "keep",
    "keeps",
    "kinda",
    "know",
    "like",
    "literally",
    "made",
    "make",
    "makes",
    "making",
    "manually",
    "many",
    "maybe",
    "me",
    "mean",
    "meaning",
    "means",
    "more",
    "most",
    "much",
    "my",
    "need",
    "needs",
    "never",
    "nicely",
    "nicest",
    "no",
    "not",
    "now",
    "obviously",
    "of",
    "off",
    "ok",
    "on",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "particular",
    "perhaps",
    "please",
    "pls",
    "plz",
    "possible",
    "practice",
    "probably",
    "programmatically",
    "proper",
    "properly",
    "python",
    "python3",
    "pythonic",
    "quickest",
    "quickly",
    "quite",
    "really",
    "recommended",
    "represent",
    "right",
    "safest",
    "same",
    "seem",
    "seems",
    "should",
    "shouldnt",
    "simplest",
    "simply",
    "so",
    "some",
    "somebody",
    "somehow",
    "someone",
    "something",
    "still",
    "strange",
    "stuck",
    "such",
    "suddenly",
    "sure",
    "than",
    "thank",
    "thanks",
    "that",
    "thats",
    "the",
    "their",
    "them",
    "then",
    "there",
    "theres",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "though",
    "through",
    "to",
    "too",
    "totally",
    "tried",
    "trying",
    "under",
    "understand",
    "understanding",
    "up",
    "use",
    "used",
    "uses",
    "using",
    "versus",
    "very",
    "vs",
    "want",
    "wanted",
    "was",
    "wasnt",
    "way",
    "ways",
    "we",
    "weird",
    "well",
    "were",
    "werent",
    "what",
    "whats",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "without",
    "wondering",
    "wont",
    "work",
    "working",
    "works",
    "would",
    "wouldnt",
    "yet",
    "you",
    "your",
    "youre",
];

/// [`STOP_WORDS`] as the index stems them, sorted: a question's own words are the others
/// (`stop_stems_are_the_stop_words_stemmed` checks the list).
#[rustfmt::skip]
const STOP_STEMS: &[&str] = &[
    "a", "about", "accomplish", "achiev", "actual", "after", "again", "all", "alot", "alreadi",
    "also", "although", "alway", "am", "an", "and", "ani", "anybodi", "anymor", "anyon", "anyth",
    "anyway", "appar", "are", "arent", "as", "at", "basic", "be", "becaus", "been", "befor",
    "behind", "best", "better", "between", "but", "by", "calcul", "can", "cannot", "cant",
    "certain", "cleanest", "complet", "correct", "could", "couldnt", "deal", "definit", "determin",
    "did", "didnt", "differ", "do", "doe", "doesn", "doesnt", "dont", "each", "easi", "easiest",
    "easili", "effici", "eleg", "els", "even", "ever", "everi", "everyth", "exact", "exampl",
    "explain", "explan", "for", "from", "get", "give", "go", "got", "guy", "had", "happen", "has",
    "hasnt", "have", "havent", "hello", "help", "here", "hey", "hi", "how", "i", "idea", "if", "im",
    "in", "insid", "instead", "into", "is", "isn", "isnt", "it", "ive", "just", "keep", "kinda",
    "know", "like", "liter", "made", "make", "mani", "manual", "mayb", "me", "mean", "more", "most",
    "much", "my", "need", "never", "nice", "nicest", "no", "not", "now", "obvious", "of", "off",
    "ok", "on", "one", "onli", "or", "other", "our", "out", "over", "particular", "perhap", "pleas",
    "pls", "plz", "possibl", "practic", "probabl", "programmat", "proper", "python", "python3",
    "quick", "quickest", "quit", "realli", "recommend", "repres", "right", "safest", "same", "seem",
    "should", "shouldnt", "simplest", "simpli", "so", "some", "somebodi", "somehow", "someon",
    "someth", "still", "strang", "stuck", "such", "sudden", "sure", "than", "thank", "that", "the",
    "their", "them", "then", "there", "these", "they", "thing", "this", "those", "though",
    "through", "to", "too", "total", "tri", "under", "understand", "up", "use", "veri", "versus",
    "vs", "want", "was", "wasnt", "way", "we", "weird", "well", "were", "werent", "what", "when",
    "where", "whether", "whi", "which", "while", "who", "will", "with", "without", "wonder", "wont",
    "work", "would", "wouldnt", "yet", "you", "your",
];

/// A word of the query or filler, as [`QuestionMatch`] looks it up.
#[derive(Default)]
struct AskedWord {
    filler: bool,
    in_query: bool,
    /// The word's places among the words of the units' forms.
    slots: Vec<usize>,
}

/// The query as candidates' questions are compared with it. This runs for every word of every
/// question of every candidate (ten thousand words a query), so each word is looked up once.
struct QuestionMatch<'a> {
    words: FxHashMap<&'a [u8], AskedWord>,
    /// Each unit's forms, as ranges of slots, with the unit's weight and rarity, and whether
    /// its words count only together.
    units: Vec<(Vec<Range<usize>>, f32, f32, bool)>,
    /// A searcher for each word of the forms.
    finders: Vec<memmem::Finder<'a>>,
    /// Where the questions that hold a word of the forms start, for the one being compared.
    lines: Vec<usize>,
    /// The number of the last question that had each slot's word.
    seen: Vec<u32>,
    asked_no: u32,
    total: f32,
    total_rarity: f32,
}

impl<'a> QuestionMatch<'a> {
    /// `forms` holds each unit's forms as [`Run::ranked`] compares them with questions.
    fn new(
        live: &[&'a Unit],
        forms: &[(Vec<&'a [String]>, f32, f32, bool)],
        total: f32,
        total_rarity: f32,
    ) -> Self {
        let mut words: FxHashMap<&'a [u8], AskedWord> = STOP_STEMS
            .iter()
            .map(|w| {
                let word = AskedWord {
                    filler: true,
                    ..AskedWord::default()
                };
                (w.as_bytes(), word)
            })
            .collect();
        for word in live
            .iter()
            .flat_map(|u| u.forms.iter().flat_map(|f| &f.words))
        {
            words.entry(word.as_bytes()).or_default().in_query = true;
        }
        let mut slots = 0;
        let units = forms
            .iter()
            .map(|(forms, weight, rarity, whole)| {
                let ranges = forms
                    .iter()
                    .map(|form| {
                        let start = slots;
                        for word in form.iter() {
                            words.entry(word.as_bytes()).or_default().slots.push(slots);
                            slots += 1;
                        }
                        start..slots
                    })
                    .collect();
                (ranges, *weight, *rarity, *whole)
            })
            .collect();
        let finders = words
            .iter()
            .filter(|(w, word)| !w.is_empty() && !word.slots.is_empty())
            .map(|(w, _)| memmem::Finder::new(*w))
            .collect();
        QuestionMatch {
            words,
            units,
            finders,
            lines: Vec::new(),
            seen: vec![0; slots],
            asked_no: 0,
            total,
            total_rarity,
        }
    }

    fn in_query(&self, word: &str) -> bool {
        self.words
            .get(word.as_bytes())
            .is_some_and(|word| word.in_query)
    }

    /// How close the closest of `questions` (stemmed words joined by spaces, one question a
    /// line) is to the query: the share of the query's weight it holds, the same by rarity,
    /// and that share times the share of the question's own (not filler) words the query has.
    fn closeness(&mut self, questions: &str) -> (f32, f32, f32) {
        let text = questions.as_bytes();
        // Only a question with a word of a form holds any of the query's weight: those are
        // found by searching for the forms' words, and only they are read word by word.
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        for finder in &self.finders {
            let len = finder.needle().len();
            for at in finder.find_iter(text) {
                let end = at + len;
                let starts = at == 0 || matches!(text[at - 1], b' ' | b'\n');
                let ends = end == text.len() || matches!(text[end], b' ' | b'\n');
                if starts && ends {
                    lines.push(memchr::memrchr(b'\n', &text[..at]).map_or(0, |n| n + 1));
                }
            }
        }
        lines.sort_unstable();
        lines.dedup();
        let (mut alike, mut alike_rare, mut exact) = (0.0f32, 0.0f32, 0.0f32);
        for &start in &lines {
            let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |n| start + n);
            let question = &text[start..end];
            self.asked_no += 1;
            // The question's own words (not filler), and how many of them the query has.
            let (mut own, mut had) = (0usize, 0usize);
            for w in question.split(|&b| b == b' ') {
                match self.words.get(w) {
                    Some(word) => {
                        for &slot in &word.slots {
                            self.seen[slot] = self.asked_no;
                        }
                        if !word.filler {
                            own += 1;
                            had += usize::from(word.in_query);
                        }
                    }
                    None => own += 1,
                }
            }
            let (held, held_rare) = self.held();
            alike = alike.max(held / self.total);
            alike_rare = alike_rare.max(held_rare / self.total_rarity);
            if own > 0 {
                exact = exact.max(held / self.total * had as f32 / own as f32);
            }
        }
        self.lines = lines;
        (alike, alike_rare, exact)
    }

    /// The query's weight and rarity the last question holds: each unit as far as its
    /// closest form is in it.
    fn held(&self) -> (f32, f32) {
        let (mut held, mut held_rare) = (0.0f32, 0.0f32);
        for (forms, weight, rarity, whole) in &self.units {
            let share = forms
                .iter()
                .map(|form| {
                    let n = form
                        .clone()
                        .filter(|&s| self.seen[s] == self.asked_no)
                        .count();
                    if *whole && form.len() > 1 && n < form.len() {
                        return 0.0;
                    }
                    n as f32 / form.len().max(1) as f32
                })
                .fold(0.0f32, f32::max);
            held += share * weight;
            held_rare += share * rarity;
        }
        (held, held_rare)
    }
}

/// Words programmers use for the same thing; a query word also matches these, weighted lower.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("argument", &["parameter"]),
    ("arguments", &["parameters"]),
    ("bool", &["boolean"]),
    ("boolean", &["bool"]),
    ("character", &["char"]),
    ("characters", &["chars"]),
    ("cleanup", &["teardown", "close"]),
    // Stemmed apart: `debugger` -> "debugg", `debugging` -> "debug".
    ("debugger", &["debugging", "pdb"]),
    ("combine", &["merge"]),
    ("concatenate", &["join"]),
    ("delay", &["sleep", "pause"]),
    ("delete", &["remove"]),
    ("dict", &["dictionary"]),
    ("dictionaries", &["dicts"]),
    ("dictionary", &["dict"]),
    ("dicts", &["dictionaries"]),
    ("directory", &["folder"]),
    ("error", &["exception"]),
    ("errors", &["exceptions"]),
    ("exception", &["error"]),
    ("execute", &["run"]),
    ("fast", &["performance", "speed"]),
    ("faster", &["performance", "speed"]),
    ("flat", &["flatten"]),
    ("folder", &["directory"]),
    ("int", &["integer"]),
    ("integer", &["int"]),
    ("integers", &["int"]),
    ("iterate", &["loop"]),
    ("join", &["concatenate"]),
    ("lazy", &["lazily", "evaluate"]),
    ("longer", &["timeout"]),
    ("loop", &["iterate"]),
    ("lowercase", &["lower"]),
    ("merge", &["combine"]),
    ("os", &["operating system"]),
    ("parameter", &["argument"]),
    ("parameters", &["arguments"]),
    ("pause", &["sleep"]),
    ("ram", &["memory"]),
    ("remove", &["delete"]),
    ("run", &["execute"]),
    ("slow", &["performance", "blocking"]),
    ("speed", &["performance", "fast"]),
    ("str", &["string"]),
    ("string", &["str"]),
    ("strings", &["str"]),
    ("teardown", &["cleanup"]),
    ("terminate", &["exit", "stop"]),
    ("uppercase", &["upper"]),
    ("wait", &["sleep"]),
];

/// Operators typed alone, as the words the guide explains them with ("is vs ==", "what does
/// ** mean", "-> in a def").
const OPERATORS: &[(&str, &str)] = &[
    ("!=", "identity equality"),
    ("*", "args unpacking"),
    ("**", "kwargs power"),
    ("+=", "augmented assignment __iadd__"),
    ("->", "return annotation"),
    ("==", "identity equality"),
    ("%", "modulo formatting"),
    ("^", "xor"),
    ("|", "union"),
];

/// Python's keywords: quoted in a sentence (`"is" vs "=="`) they are what is asked about,
/// not a line of code.
const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "None",
    "True", "False",
];

/// Two keywords that together are a construct (`if else`, `for else`, `try except`): side
/// by side in a query they are what is asked about, though each alone is filler. (`async
/// for`, `async with` and `async def` are aliases of entries, which keeps them.)
const CONSTRUCTS: &[(&str, &str)] = &[
    ("else", "finally"),
    ("except", "else"),
    ("for", "else"),
    ("if", "else"),
    ("raise", "from"),
    ("try", "except"),
    ("try", "finally"),
    ("while", "else"),
    ("yield", "from"),
];

/// English phrases that say one programming word: "run two coroutines at the same time" asks
/// about running them concurrently, not about `time`. The phrase's own words match too, as a
/// phrase.
const IDIOMS: &[(&[&str], &str)] = &[
    (&["at", "the", "same", "time"], "concurrently"),
    (&["simultaneously"], "concurrently"),
];

/// Weight of a synonym relative to the word typed.
const SYNONYM_WEIGHT: f32 = 0.5;

/// Python's short names for English words, which the guide uses as often as the words: a
/// question about a "dictionary" is one about a `dict`.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("bool", "boolean"),
    ("char", "character"),
    ("chars", "characters"),
    ("dict", "dictionary"),
    ("dicts", "dictionaries"),
    ("int", "integer"),
    ("str", "string"),
];

/// Where a word appears says how much the entry is about it.
const ENTRY_FIELDS: [(Field, f32); 7] = [
    (Field::Questions, 3.0),
    (Field::Title, 3.0),
    (Field::Aliases, 3.0),
    (Field::Names, 2.5),
    (Field::Summary, 2.0),
    (Field::Tags, 1.5),
    (Field::Body, 1.0),
];

/// A section's heading counts like an entry's title; its text like a body.
const SECTION_FIELDS: [(Field, f32); 2] = [(Field::Heading, 4.0), (Field::SectionText, 1.0)];

/// The fields that say what an entry is about (everything but the body).
const STRONG: [Field; 7] = [
    Field::Questions,
    Field::Title,
    Field::Aliases,
    Field::Names,
    Field::Summary,
    Field::Tags,
    Field::Heading,
];

/// At most how many of an entry's sections are weighed to find the one that answers.
const SECTIONS_READ: usize = 64;

/// How much of its section's score an entry gets.
const SECTION_SHARE: f32 = 0.5;

/// Words standing together (each adjacent pair, within two positions), by field.
const PROXIMITY: [(Field, f32); 4] = [
    (Field::Questions, 3.0),
    (Field::Title, 2.0),
    (Field::Summary, 1.0),
    (Field::Body, 1.0),
];

/// The weight of the whole query in a row among an entry's questions or in its title.
const ASKED: f32 = 2.0;

/// How sharply the share of the query an entry matches scales its score.
const COVERAGE_POWER: f32 = 1.5;

/// A query (or one of its words) that is an entry's id or alias, compared loosely.
const NAMED_BOOST: f32 = 4.0;
const UNIT_NAMED_BOOST: f32 = 1.5;

/// The share of the query's weight a hit must match in its strong fields (or as a rare word
/// of its body) to be confident.
const CONFIDENT: f32 = 0.45;

/// A word in at most this many entries is specific enough that finding it in an entry's body
/// alone counts toward confidence (a user's note about `quokka`).
const RARE: u64 = 3;

/// What such a word counts for in a query of several words, against one in the strong fields:
/// a little, since a passing mention (`ctypes` in an example, `bash` in a sentence) looks the
/// same as a topic. Alone, it counts fully.
const RARE_BODY: f32 = 0.3;

/// A rare word an entry has only in one of its questions (not its title, aliases, names,
/// summary, tags or headings) counts as in its body, unless that question holds this share of
/// the query's rarity: "conda" in a pasted error that says "use pip or conda" does not make
/// the entry about conda.
const ASIDE_ALIKE: f32 = 0.5;

/// The query's heaviest word, when at most this many entries have it, names the topic: a hit
/// without it is not confident.
const TOPIC: u64 = 1;

/// A hit holding this share of the query's rarity in its strong fields is confident without
/// the topic word: a word in one entry's body is as often plain English ("seems",
/// "confirmation") as a topic.
const TOPIC_OUTWEIGHED: f32 = 0.6;

/// A hit that has this share of the query's weight somewhere, and [`HOLDS_STRONG`] of its
/// rarity in its strong fields, answers it: a long question spreads its rarity over many
/// words, so no field holds a large share, and one of them missing is often plain English.
/// Not when a word is unknown or was corrected: that word may be the real topic.
const HOLDS_MOST: f32 = 0.7;

/// A question of this many words may leave out its one rare word and still be answered by
/// an entry that holds most of it (`reopen` in a sqlite symptom is plain English); a shorter
/// one asks about that word ("send a message to a slack channel").
const LONG_QUESTION: usize = 5;
const HOLDS_STRONG: f32 = 0.3;

/// How much an entry's closest question (by the share of the query it holds) lifts it: fully
/// alike doubles its score.
const ALIKE: f32 = 1.0;

/// A question of the entry holding this share of the query answers it.
const ALIKE_ANSWERS: f32 = 0.7;

/// How much a question that matches the query both ways (see `exact`) lifts its entry.
const EXACT: f32 = 1.0;

/// A word corrected to one in at most this many entries must be in the entry that answers.
const CORRECTED_RARE: u64 = 4;

/// The share of the query's rarity a hit's strong fields must hold for it to be suggested
/// when nothing answers: an entry matching only "model" and "two" of a question about
/// training a PyTorch model is no suggestion.
const NEAR: f32 = 0.15;

/// How much more a word the guide lacks weighs than one word of the guide.
const UNKNOWN: f32 = 1.5;

/// How far ahead of the next an entry matching nearly all the query must be to answer it.
const DOMINANT: f32 = 1.5;

/// The share of the query's rarity such an entry must hold in its strong fields: one that has
/// every word only in its text (an example about stock prices in the caching entry) is a
/// coincidence, however far ahead.
const DOMINANT_STRONG: f32 = 0.2;

/// What an entry of a library's family scores when the query does not name the library: a
/// question about `async def` is asked of asyncio before Django's or FastAPI's async entries.
const OFF_FAMILY: f32 = 0.6;

/// The built-in categories of the language and its standard library (as the index stems
/// them): their entries are no library's family.
const CORE_CATEGORIES: [&str; 2] = ["stdlib", "syntax"];

/// A word in at most this share of the entries can name a family of them.
const FAMILY_SHARE: f32 = 0.25;

/// Most entries that may mention a package (in their text, not as their topic) for a query
/// that names it to be about a topic the guide lacks: `narwhals` said in passing in one.
const UNCOVERED_DF: u64 = 2;

/// The same for a language or tool other than Python (see [`packages::is_other`]): the
/// guide says `git` and `div` in passing in a few entries.
const OTHER_DF: u64 = 6;

/// How closely (see `exact`) a question of an entry that names a package no entry is about
/// must match the query for the entry to answer it.
const PACKAGE_EXACT: f32 = 0.3;

/// Most hits a query can ask for.
pub const MAX_LIMIT: usize = 1000;

/// Longest query read, in bytes (a pasted traceback is cut to its end, where the error is).
const MAX_QUERY: usize = 4096;

/// Most words of a query that are searched.
const MAX_UNITS: usize = 32;

#[derive(Debug, Clone)]
pub struct Options {
    pub limit: usize,
    pub category: Option<String>,
    /// When nothing answers: try close words for unknown ones, and suggest. Off as the user
    /// types in the picker, where the last word is usually half a word.
    pub correct: bool,
}

/// The section of an entry that matched best.
pub use guide::index::SectionAt;

#[derive(Debug, Clone)]
pub struct Hit {
    pub meta: Meta,
    pub origin: Origin,
    pub score: f32,
    /// The section that answers, when one stands out (not the short answer).
    pub section: Option<SectionAt>,
    pub snippet: Snippet,
    /// Whether this hit answers the query (see the module header).
    pub confident: bool,
    /// It matches nearly every word of the query (and some in its strong fields).
    pub clear: bool,
    /// Its strong fields hold enough of the query for it to be offered as "did you mean".
    pub near: bool,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    /// The query as searched, when unknown words were replaced by close ones.
    pub corrected: Option<String>,
    /// Close words and entry ids, for "did you mean" when nothing answers.
    pub suggestions: Vec<String>,
    /// When nothing answers: a Python package (or another language or tool) the query names
    /// that no entry is about.
    pub lacks: Option<String>,
}

impl Outcome {
    /// Whether the best hit answers the query.
    pub fn confident(&self) -> bool {
        self.hits.first().is_some_and(|h| h.confident)
    }
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
    /// How much it counts in the ranking: its rarity, or more when it is in the titles of a
    /// few entries (it names their topic).
    weight: f32,
    /// How much it says about what is meant: rarer is more (inverse document frequency). What
    /// makes an answer confident is judged by this alone.
    rarity: f32,
    /// Replaced by a close guide word: it counts half toward confidence.
    corrected: bool,
    /// A common word searched only because the query has nothing else ("how to"): nothing
    /// answers it for sure, unless it is one of Python's keywords ("with", "else").
    common: bool,
}

impl Unit {
    fn primary(&self) -> &[String] {
        self.forms.first().map_or(&[], |f| &f.words)
    }
}

/// The plain text snippets are cut from: of the section that answers when there is one, else
/// of the entry's body (see [`crate::library::plain_of`]).
pub type Texts<'a> = &'a dyn Fn(&Origin, Option<&SectionAt>) -> Option<Plain>;

/// Runs a query against the guide.
pub fn search(index: &GuideIndex, query: &str, opts: &Options, texts: Texts) -> Result<Outcome> {
    let mut run = Run::new(index);
    let limit = opts.limit.clamp(1, MAX_LIMIT);
    let query = clean_query(query);
    let mut units = run.units(&query);
    if units.is_empty() {
        return Ok(Outcome::default());
    }
    let mut outcome = Outcome::default();
    let (mut ranked, mut lacks) = run.ranked(&query, &units, opts.category.as_deref(), limit)?;

    // Words no entry has, when nothing answers as typed: try the closest real words, and keep
    // the correction only if it answers (`center` -> `centre` does not answer "center a div").
    let confident = ranked.first().is_some_and(|h| h.confident);
    if !confident && opts.correct {
        let typed = units.clone();
        let mut corrected = false;
        for unit in units.iter_mut() {
            if !run.may_be_typo(unit) {
                continue;
            }
            if let Some(best) = run.correction(&unit.typed) {
                let loose = text::loose_key(&best);
                unit.named = run.names_an_entry(&loose).then_some(loose);
                let (parts, _) = run.analyze(&best);
                unit.typed = best;
                unit.forms = vec![Form {
                    words: parts,
                    weight: 1.0,
                }];
                (unit.weight, unit.rarity) = run.weight(unit);
                unit.corrected = true;
                corrected = true;
            }
        }
        if corrected {
            let searched: Vec<&str> = units.iter().map(|u| u.typed.as_str()).collect();
            let searched = searched.join(" ");
            let (again, again_lacks) =
                run.ranked(&searched, &units, opts.category.as_deref(), limit)?;
            // A correction to a rare word answers only if the answer has that word: `conda`
            // -> `cond` trades an unknown word's weight for a rare one's, and the rest of the
            // query can then look confident in an entry that never says `cond`.
            let rare: Vec<Unit> = units
                .iter()
                .filter(|u| u.corrected && run.unit_df(u) <= CORRECTED_RARE)
                .cloned()
                .collect();
            let answers = match again.first() {
                Some(top) if top.confident => run.holds(&top.meta.id, &rare)?,
                _ => false,
            };
            if answers {
                outcome.corrected = Some(searched);
                ranked = again;
                lacks = again_lacks;
            } else {
                units = typed;
            }
        }
    }

    let terms = highlight_terms(&units);
    let mut above = f32::INFINITY;
    for mut hit in ranked.into_iter().take(limit) {
        // The score shown never exceeds the one above it, so it reads in rank order.
        hit.score = hit.score.min(above);
        above = hit.score;
        if let Some(plain) = texts(&hit.origin, hit.section.as_ref()) {
            hit.snippet = snippet::best(&plain, &terms, &mut run.stems, 160);
        }
        outcome.hits.push(hit);
    }
    if !outcome.confident() {
        outcome.lacks = lacks;
        if opts.correct {
            outcome.suggestions = run.suggestions(&units);
        }
    }
    Ok(outcome)
}

/// The query as searched: NFC, at most [`MAX_QUERY`] bytes, and a pasted traceback reduced
/// to its error line (frames, paths and source lines are the user's, not the guide's).
fn clean_query(query: &str) -> String {
    let query = text::nfc(query);
    let mut query: &str = &query;
    if query.len() > MAX_QUERY {
        // The end holds the error of a traceback; start at a character boundary.
        let mut start = query.len() - MAX_QUERY;
        while !query.is_char_boundary(start) {
            start += 1;
        }
        query = &query[start..];
    }
    let lines: Vec<&str> = query
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let kept: Vec<&str> = if lines.len() > 1 {
        let frames = |l: &&str| {
            l.starts_with("Traceback (most recent call last)")
                || l.starts_with("File \"")
                || l.starts_with("During handling of")
                || l.starts_with("The above exception")
                || l.chars().all(|c| matches!(c, '^' | '~' | ' '))
        };
        let error_lines: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| looks_like_error(l))
            .collect();
        if !error_lines.is_empty() {
            error_lines
        } else {
            lines.into_iter().filter(|l| !frames(l)).collect()
        }
    } else {
        lines
    };
    let words: Vec<&str> = kept
        .iter()
        .map(|l| strip_frame(l))
        .flat_map(|l| l.split_whitespace())
        .collect();
    words
        .iter()
        .enumerate()
        // Paths (`/home/ann/app.py`, `C:\x`) name the user's files; `//` is an operator.
        // So does the address in a Django error page's title, `NoReverseMatch at /`.
        .filter(|&(at, w)| {
            let path = w.matches('/').count() >= 2
                && w.chars().any(char::is_alphanumeric)
                && date_shape(w).is_none();
            let address = w.starts_with('/') && at > 0 && words[at - 1] == "at";
            // The shell that printed the error (`zsh: command not found: pip`).
            let shell = at == 0 && ["bash:", "-bash:", "fish:", "sh:", "zsh:"].contains(w);
            !(path || address || shell || w.contains('\\'))
        })
        .map(|(_, w)| *w)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A traceback pasted as one line (`File "app.py", line 3, in f ValueError: ...`) from its
/// error on; any other line as it is.
fn strip_frame(line: &str) -> &str {
    let framed = line.contains("File \"") || line.contains("Traceback (most recent");
    if !framed {
        return line;
    }
    let mut at = 0;
    for word in line.split(' ') {
        if word.ends_with(':') && looks_like_error(word) {
            return &line[at..];
        }
        at += word.len() + 1;
    }
    line
}

/// `ValueError: ...`, `django.core.exceptions.AppRegistryNotReady: ...`, `SettingWithCopyWarning: ...`.
fn looks_like_error(line: &str) -> bool {
    let head = line.split(':').next().unwrap_or("");
    head.len() < line.len() && !head.is_empty() && !head.contains(' ') && names_exception(head)
}

/// Whether a (dotted) name reads as an exception class: `KeyError`, `SystemExit`,
/// `django.core.exceptions.ImproperlyConfigured`, `TemplateDoesNotExist`.
fn names_exception(name: &str) -> bool {
    let name = name.rsplit('.').next().unwrap_or(name);
    [
        "Error",
        "Exception",
        "Warning",
        "Exit",
        "Interrupt",
        "Iteration",
        "NotReady",
        "Configured",
        "Operation",
        "Found",
        "DoesNotExist",
    ]
    .iter()
    .any(|s| name.ends_with(s))
}

/// Whether a word of a query looks like a name or a value of the user's rather than a topic:
/// in quotes, a path, a file name, an address (`0x7f3a`), a number with a unit (`10MB`), or
/// an identifier with `_` that is called (`get_data()`) or is in an error message. A dotted
/// name (`java.lang.NullPointerException`), a code (`E501`) and a bare identifier a question
/// asks about (`hybrid_property`) are topics.
fn is_data(word: &str, quoted: bool, code: bool) -> bool {
    quoted
        || word.starts_with(|c: char| c.is_ascii_digit())
        || word.contains(['/', '='])
        || (word.contains('_') && code)
        || is_file_name(word)
        || (word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_lowercase())
            && !is_product_name(word))
}

/// Whether a word is a memory address as a repr prints it (`<map object at 0x7f3a2b1c9d60>`,
/// or cut short, `0x7f...`): the user's value, even when an example of the guide happens to
/// print one that starts the same. A short hex literal (`0xff`) is not.
fn is_address(word: &str) -> bool {
    let Some(rest) = word.strip_prefix("0x") else {
        return false;
    };
    let digits = rest.trim_end_matches(['.', '\u{2026}', '>', ',', ')']);
    let cut = digits.len() < rest.len() && rest[digits.len()..].starts_with(['.', '\u{2026}']);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_hexdigit())
        && (digits.len() >= 6 || cut)
}

/// A method named on a string literal, `'a.txt'.strip` or `", ".join`: the literal with its
/// quotes and the method's name.
fn literal_method(word: &str) -> Option<(&str, &str)> {
    let at = word.rfind(['\'', '"'])?;
    let method = word[at + 1..].strip_prefix('.')?;
    let name = !method.is_empty()
        && method
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && word.starts_with(['\'', '"'])
        && at > 0;
    name.then(|| (&word[..=at], method))
}

/// The guide's word for a date written out or a date format, which no entry holds as typed:
/// `2024-03-01`, `2024-03-01T10:00:00Z` and `20240301` are ISO dates (`isoformat`);
/// `YYYY-MM-DD`, `dd/mm/yyyy` and `%Y-%m-%d` are formats (`strftime`).
fn date_shape(word: &str) -> Option<&'static str> {
    // Bytes, not string slices: a word may be any text.
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    let bytes = word.as_bytes();
    let iso = bytes.len() >= 10
        && digits(&bytes[..4])
        && bytes[4] == b'-'
        && digits(&bytes[5..7])
        && bytes[7] == b'-'
        && digits(&bytes[8..10])
        && (bytes.len() == 10 || matches!(bytes[10], b'T' | b't' | b' ' | b'Z'));
    let compact = bytes.len() == 8 && digits(bytes) && matches!(&bytes[..2], b"19" | b"20");
    if iso || compact {
        return Some("isoformat");
    }
    let lower = word.to_ascii_lowercase();
    let pattern = (lower.contains("yyyy") || (lower.contains("yy") && lower.contains("mm")))
        && lower
            .chars()
            .all(|c| "ymdhs".contains(c) || "-/.:_ ".contains(c));
    let directives = word.matches('%').count() >= 2
        && ["%Y", "%m", "%d", "%H", "%M", "%S", "%y", "%b"]
            .iter()
            .any(|d| word.contains(d));
    (pattern || directives).then_some("strftime")
}

/// Whether `word` gives a parameter an empty list or dict for its default: `bucket=[]`,
/// `cache={}):`.
fn mutable_default(word: &str) -> bool {
    ["=[]", "={}"].iter().any(|shape| {
        word.find(shape).is_some_and(|at| {
            at > 0
                && word[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

/// An operator as typed in a sentence, without the quotes or the question mark around it:
/// `"=="?` is `==`.
fn bare_operator(word: &str) -> &str {
    word.trim_end_matches(['?', '!', ',', ';'])
        .trim_matches(['\'', '"', '`'])
}

/// The words of a word written as alternatives, `star/asterisk`, `insert/update`: two or
/// three words of letters joined by `/` (not a path, not `I/O`). Empty otherwise.
fn alternatives(word: &str) -> Vec<&str> {
    let pieces: Vec<&str> = word.split('/').collect();
    let words = pieces.len() >= 2
        && pieces.len() <= 3
        && pieces
            .iter()
            .all(|p| p.chars().count() >= 2 && p.chars().all(char::is_alphabetic));
    if words { pieces } else { Vec::new() }
}

/// Whether a query holds an error message: a word naming an exception (`KeyError`,
/// `django.core.exceptions.FieldError:`), where the other names are the user's.
fn holds_error(query: &str) -> bool {
    query.split_whitespace().any(|w| {
        let name = w.trim_end_matches([':', ',', '.']);
        // A class name, not the bare word (`Error: pg_config executable not found`).
        let class = name.rsplit('.').next().unwrap_or(name);
        class.len() > "Error".len()
            && class.chars().next().is_some_and(char::is_uppercase)
            && names_exception(class)
    })
}

/// The class of a pasted error, `X` in `X: message` with no space in X, whatever it is
/// called (`subprocess.TimeoutExpired`, `sqlalchemy.exc.IntegrityError`).
fn pasted_class(query: &str) -> Option<&str> {
    query
        .split_once(": ")
        .map(|(head, _)| head)
        .filter(|head| !head.is_empty() && !head.contains(char::is_whitespace))
}

/// The packages and tools (see [`packages`]) a query names, as typed, not corrected. In a
/// pasted error only the exception's dotted name counts: its message holds the user's own
/// names (`Command '['git', 'status']'`, `'ffmpeg -i in.mp4'`).
fn named_packages(query: &str, live: &[&Unit]) -> Vec<String> {
    match pasted_class(query) {
        Some(head) => head.split('.').filter_map(packages::named).collect(),
        None => live
            .iter()
            .filter(|u| !u.corrected)
            .filter_map(|u| packages::named(&u.typed))
            .collect(),
    }
}

/// Whether a word with digits reads as the name of a library or tool (`PyQt5`, `boto3`,
/// `cv2`, `log4j`) rather than a value (`0x7f3a`, `e3b0c442`): it starts with a letter and
/// has two letters or more and one short run of digits.
fn is_product_name(word: &str) -> bool {
    let runs = word
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .collect::<Vec<_>>();
    word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word.chars().all(|c| c.is_ascii_alphanumeric())
        && word.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2
        && runs.len() == 1
        && runs[0].len() <= 2
}

/// What a library is called after its name ("the requests library"): filler there.
const KINDS: &[&str] = &[
    "framework",
    "lib",
    "libraries",
    "library",
    "module",
    "package",
];

/// Verbs that are filler before "out" ("figure out which user", "find out why").
const PHRASAL_VERBS: &[&str] = &["figure", "figured", "figuring", "find", "found", "work"];

/// Whether a word the guide lacks is a stop word mistyped (`pyhton`, `whithout`,
/// `effeciently`): one edit away (two from 8 letters), with the same first letter. Filler
/// typed wrong would otherwise weigh as an unknown topic and leave every answer unsure.
fn is_misspelt_filler(word: &str) -> bool {
    let len = word.chars().count();
    let max = if len >= 8 { 2 } else { 1 };
    len >= 4
        && word.chars().all(|c| c.is_alphabetic())
        && STOP_WORDS.iter().any(|stop| {
            stop.chars().next() == word.chars().next()
                && stop.len() >= 3
                && guide::vocab::edit_distance(stop, word) <= max
        })
}

/// Whether two words of the same length differ in exactly one letter, neither a vowel for
/// a vowel (a spelling slip: `arithmatic`) nor a key next to the other's on a QWERTY
/// keyboard (a finger's slip: `qyery`): `prime` and `price` are two words.
fn far_keys_swapped(typed: &str, candidate: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (typed.chars().collect(), candidate.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let mut differ = a.iter().zip(&b).filter(|(x, y)| x != y);
    let (Some((x, y)), None) = (differ.next(), differ.next()) else {
        return false;
    };
    let vowel = |c: &char| "aeiouy".contains(*c);
    if vowel(x) && vowel(y) {
        return false;
    }
    match (key_position(*x), key_position(*y)) {
        (Some((rx, cx)), Some((ry, cy))) => rx.abs_diff(ry) > 1 || (cx - cy).abs() > 1.0,
        _ => false,
    }
}

/// A letter's row and horizontal place on a QWERTY keyboard (rows are staggered).
fn key_position(c: char) -> Option<(usize, f32)> {
    const ROWS: [(&str, f32); 3] = [("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75)];
    ROWS.iter().enumerate().find_map(|(row, (keys, offset))| {
        keys.find(c.to_ascii_lowercase())
            .map(|col| (row, col as f32 + offset))
    })
}

/// Whether a word looks like a file name: `in.mp4`, `settings.py`.
fn is_file_name(word: &str) -> bool {
    word.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=4).contains(&ext.len())
            && ext
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// The other of a word and Python's short name for it (`dictionary` and `dict`).
fn short_name(word: &str) -> Option<&'static str> {
    SHORT_NAMES.iter().find_map(|&(short, long)| {
        if word == short {
            Some(long)
        } else if word == long {
            Some(short)
        } else {
            None
        }
    })
}

/// A compact JSON value pasted whole (an API's error body, `{"detail":[{"type":"missing",...`)
/// read as its keys and values, as in the pretty-printed form: when a word has a quote next
/// to a colon or a comma, quotes, brackets, braces and separators become spaces. `None`
/// when no word is like that.
fn spread_json(query: &str) -> Option<String> {
    query
        .split_whitespace()
        .any(|w| w.contains("\":") || w.contains("\","))
        .then(|| query.replace(['{', '}', '[', ']', '"', ':', ','], " "))
}

/// A word without the quotes, brackets and punctuation around it.
fn unquoted(word: &str) -> &str {
    word.trim_matches(|c: char| "'\"`,;:()[]{}<>?!".contains(c))
}

/// Whether a word is a file name with a common file type's extension (`home.html`,
/// `config.yaml`; not `sqlalchemy.orm`).
fn names_a_file(word: &str) -> bool {
    const TYPES: &[&str] = &[
        "cfg", "csv", "db", "env", "gif", "gz", "html", "ini", "jpeg", "jpg", "js", "json", "log",
        "md", "mp3", "mp4", "pdf", "pkl", "png", "py", "sh", "sqlite", "tar", "toml", "txt", "wav",
        "xls", "xlsx", "xml", "yaml", "yml", "zip",
    ];
    is_file_name(word)
        && word
            .rsplit_once('.')
            .is_some_and(|(_, ext)| TYPES.contains(&ext))
}

/// The stemmed words a snippet highlights.
fn highlight_terms(units: &[Unit]) -> FxHashSet<String> {
    units
        .iter()
        .filter(|u| !u.stop)
        .flat_map(|u| &u.forms)
        .flat_map(|f| f.words.iter().cloned())
        .collect()
}

/// Words of a broad question that do not say what it is about ("how does X actually work").
const BROAD_FILLER: [&str; 12] = [
    "work", "works", "actually", "mean", "means", "do", "does", "use", "used", "need", "python",
    "exactly",
];

/// The least a section must score (each query word's score there times how much the word
/// tells the entry's sections apart) to be where `show` opens. Below it the words are spread
/// over the sections ("why does my default list keep growing" scored 0.71 in a section on
/// dataclasses, 0.56 in the short answer), and the entry as a whole answers. On the judged
/// sets nothing changed from 0.5 to 1.0; 11 of 2,430 questions of questions.tsv moved to the
/// top of their entry, from sections such as "Pitfalls" or "Key-sharing dicts" for "Getting
/// key with maximum value in dictionary?".
const MIN_SECTION_SCORE: f32 = 1.0;

/// Whether a query asks what something is or how it works, as a whole ("what is a
/// metaclass", "how does django middleware work"), rather than about a detail or an error.
fn broad_question(query: &str) -> bool {
    const OPENINGS: [&str; 10] = [
        "what is ",
        "what are ",
        "what's ",
        "whats ",
        "what does ",
        "what do ",
        "how does ",
        "how do ",
        "explain ",
        "what happens when ",
    ];
    let q = query.trim().to_lowercase();
    OPENINGS.iter().any(|o| q.starts_with(o)) && !holds_error(query)
}

/// Whether a section is the short answer every entry opens with (never the one that
/// answers: `show --short` prints it).
fn is_short_answer(section: &SectionAt) -> bool {
    section
        .title
        .eq_ignore_ascii_case(guide::standard::SHORT_ANSWER)
}

/// The documents of a query's best, in order.
fn docs_of(top: &[(f32, DocRef)]) -> Vec<DocRef> {
    top.iter().map(|&(_, doc)| doc).collect()
}

struct Run<'g> {
    index: &'g GuideIndex,
    stems: Stems,
    entries: f32,
    df_cache: FxHashMap<String, u64>,
    /// `family` by id prefix.
    families: FxHashMap<String, Option<String>>,
    /// Each word's correction, once worked out (the vocabulary is scanned for it).
    corrections: FxHashMap<String, Option<String>>,
}

impl<'g> Run<'g> {
    fn new(index: &'g GuideIndex) -> Run<'g> {
        Run {
            index,
            stems: Stems::default(),
            entries: index.entry_count().max(1) as f32,
            df_cache: FxHashMap::default(),
            families: FxHashMap::default(),
            corrections: FxHashMap::default(),
        }
    }
}

/// A candidate entry while ranking.
struct Candidate {
    doc: Option<DocRef>,
    id: String,
    score: f32,
    /// Its best section's score (0 when none matched). Ranking reads no stored document.
    section: f32,
}

impl Run<'_> {
    /// Analyzes one piece of text into (stemmed parts, stemmed alternative whole forms).
    fn analyze(&mut self, piece: &str) -> (Vec<String>, Vec<String>) {
        let mut parts: Vec<String> = Vec::new();
        let mut alts: Vec<String> = Vec::new();
        let mut last: Option<usize> = None;
        for (word, position) in guide::index::analyze(piece, &mut self.stems) {
            if last.is_some_and(|p| position <= p) {
                if !alts.contains(&word) && !parts.contains(&word) {
                    alts.push(word);
                }
            } else {
                parts.push(word);
                last = Some(position);
            }
        }
        (parts, alts)
    }

    /// Whether some entry has this id or alias (compared loosely).
    fn names_an_entry(&self, loose: &str) -> bool {
        !loose.is_empty() && self.index.has(&Key::Loose(loose.to_string()))
    }

    /// In how many entries a stemmed word appears, in any field (at most all of them).
    fn df(&mut self, word: &str) -> u64 {
        if let Some(&n) = self.df_cache.get(word) {
            return n;
        }
        let n = ENTRY_FIELDS
            .iter()
            .map(|&(f, _)| self.index.df(f, word))
            .max()
            .unwrap_or(0)
            .min(self.entries as u64);
        self.df_cache.insert(word.to_string(), n);
        n
    }

    /// The library an entry's id names, stemmed, when the id starts with it and another
    /// entry's id does too (`django-forms`, `django-admin`; not `everyday-errors` and
    /// `pandas-everyday`): a family of entries about one library. A word in many entries
    /// (`data-model`, `data-classes-compared`) is not a library's name.
    fn family(&mut self, id: &str) -> Option<String> {
        let (prefix, _) = id.split_once('-')?;
        if let Some(known) = self.families.get(prefix) {
            return known.clone();
        }
        let (parts, _) = self.analyze(prefix);
        let family = match parts.as_slice() {
            [stem]
                if self.index.ids_starting(&format!("{prefix}-"), 2)
                    && self.df(stem) as f32 <= self.entries * FAMILY_SHARE =>
            {
                Some(stem.clone())
            }
            _ => None,
        };
        self.families.insert(prefix.to_string(), family.clone());
        family
    }

    /// How many entries the unit's typed form could match (0: no entry has it).
    fn unit_df(&mut self, unit: &Unit) -> u64 {
        let words: Vec<String> = unit
            .forms
            .iter()
            .filter(|f| f.weight >= 1.0)
            .flat_map(|f| f.words.clone())
            .collect();
        if words.is_empty() {
            return self.named_df(unit);
        }
        words.iter().map(|w| self.df(w)).min().unwrap_or(0)
    }

    /// In how many entries a unit without words (`/`, `:=`) is an alias: it is no unknown
    /// word, since an entry names it.
    fn named_df(&self, unit: &Unit) -> u64 {
        unit.named
            .as_ref()
            .map_or(0, |key| self.index.holders(&Key::Loose(key.clone())))
    }
    /// A unit's weight in the ranking and its rarity: the inverse document frequency of its
    /// rarest typed word (a word no entry has weighs the most; a name of several words is as
    /// rare as its rarest, so no entry has `python-telegram-bot` when none has `telegram`).
    /// A word in the titles of a few entries weighs as much as that makes it rare among
    /// titles: `exception` is in every entry's body, but "raising an exception" is asked of
    /// the entry it names.
    fn weight(&mut self, unit: &Unit) -> (f32, f32) {
        if unit.stop {
            return (0.0, 0.0);
        }
        let best = unit
            .forms
            .iter()
            .filter(|f| f.weight >= 1.0)
            .map(|f| f.words.iter().map(|w| self.df(w)).min().unwrap_or(0))
            .min()
            .unwrap_or_else(|| self.named_df(unit));
        let idf = (1.0 + self.entries / (best as f32 + 0.5)).ln();
        // A word the guide does not have at all weighs more than its rarest word: a query
        // about `PyQt5` is not answered by an entry that mentions a button.
        if best == 0 {
            return (idf * UNKNOWN, idf * UNKNOWN);
        }
        let titled = unit
            .forms
            .iter()
            .filter(|f| f.weight >= 1.0)
            .map(|f| f.words.iter().map(|w| self.title_df(w)).min().unwrap_or(0))
            .max()
            .unwrap_or(0);
        if titled == 0 {
            return (idf, idf);
        }
        let named = (1.0 + self.entries / (titled as f32 + 0.5)).ln();
        (idf.max(named), idf)
    }

    /// For each entry (its id, and where its text lives), the `##` section that answers the
    /// query, judged within the entry: each word counts by the index's score for it in the
    /// section (heading above text), times how few of the entry's sections have it. A word
    /// every section has (`dict` in the dict entry) says nothing about which one answers; a
    /// word in one section (`merge`) says most. `None` when no word is in some sections but
    /// not all, or the short answer, which the entry opens with, has them most.
    fn answering(
        &self,
        units: &[Query],
        entries: &[(&str, &Origin)],
        explain: bool,
    ) -> Result<Vec<Option<SectionAt>>> {
        let mut out = vec![None; entries.len()];
        if units.is_empty() || entries.is_empty() {
            return Ok(out);
        }
        let of = Query::OfKind(
            Box::new(Query::Any(
                entries
                    .iter()
                    .map(|&(_, o)| Query::Key(Key::Origin(o.clone())))
                    .collect(),
            )),
            Kind::Section,
        );
        let docs = docs_of(&self.index.top(&of, SECTIONS_READ * entries.len())?);
        let ids = self.index.ids_of(&docs)?;
        // Each word's score in each section document, `None` where it is not there.
        let scores: Vec<Vec<Option<f32>>> = units
            .iter()
            .map(|u| self.index.scores_at(u, &docs, true))
            .collect();
        for (k, &(id, _)) in entries.iter().enumerate() {
            let mine: Vec<usize> = (0..docs.len()).filter(|&d| ids[d] == id).collect();
            // How much each word tells this entry's sections apart: ln(sections / sections
            // with it). An entry of one section: that section holds the word, its intro not.
            let telling: Vec<f32> = scores
                .iter()
                .map(|word| {
                    let df = mine.iter().filter(|&&d| word[d].is_some()).count();
                    match (mine.len(), df) {
                        (_, 0) => 0.0,
                        (1, _) => 1.0,
                        (n, df) => (n as f32 / df as f32).ln(),
                    }
                })
                .collect();
            let mut ranked: Vec<(f32, usize)> = mine
                .iter()
                .map(|&d| {
                    let score = scores
                        .iter()
                        .zip(&telling)
                        .filter_map(|(word, t)| word[d].map(|here| here * t))
                        .sum::<f32>();
                    (score, d)
                })
                .filter(|&(score, _)| score > 0.0)
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(docs[a.1].cmp(&docs[b.1])));
            if explain {
                for &(score, d) in &ranked {
                    if let Some(section) = self.index.found(docs[d])?.section {
                        eprintln!("explain: {id}#{:<40} {score:7.2}", section.anchor);
                    }
                }
            }
            // Too little to tell the sections apart: the entry as a whole answers.
            if ranked
                .first()
                .is_some_and(|&(best, _)| best < MIN_SECTION_SCORE)
            {
                continue;
            }
            // The short answer first: the entry opens with it, so the entry as a whole answers.
            if let Some(&(_, d)) = ranked.first() {
                out[k] = self
                    .index
                    .found(docs[d])?
                    .section
                    .filter(|s| !is_short_answer(s));
            }
        }
        Ok(out)
    }

    /// In how many entries' titles or aliases a stemmed word appears: how many entries it
    /// names.
    fn title_df(&mut self, word: &str) -> u64 {
        [Field::Title, Field::Aliases]
            .iter()
            .map(|&f| self.index.df(f, word))
            .max()
            .unwrap_or(0)
    }

    fn units(&mut self, query: &str) -> Vec<Unit> {
        let spread = spread_json(query);
        let query = spread.as_deref().unwrap_or(query);
        let mut units: Vec<Unit> = Vec::new();
        // In a line of code (`if __name__ == '__main__'`) an operator is part of the code.
        // A parenthesis is code only as a call (`f(x)`), not around words ("(double star)"),
        // and a quoted operator or keyword (`"=="`, `'is'`) is the one asked about.
        let code_line = query.split_whitespace().any(|w| {
            let call = w
                .find('(')
                .is_some_and(|at| w[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
            let bare = bare_operator(w);
            // An apostrophe inside a word is English (`what's`, `Django's`), not a quote.
            let contraction = |at: usize| {
                w[..at].ends_with(char::is_alphabetic)
                    && w[at + 1..].starts_with(char::is_alphabetic)
            };
            let quoted = w
                .char_indices()
                .any(|(at, c)| matches!(c, '"' | '`') || (c == '\'' && !contraction(at)));
            (quoted || w.contains(['_', '[', '=']) || call)
                && !OPERATORS.iter().any(|(op, _)| *op == bare)
                && !KEYWORDS.contains(&bare)
        });
        // An operator with a number beside it (`assert 1 == 2`) is code too.
        let raw_words: Vec<&str> = query.split_whitespace().collect();
        // A numeral, not `nan` or `inf` ("why is nan == nan false" asks about `==`).
        let is_number =
            |w: &str| w.starts_with(|c: char| c.is_ascii_digit()) && w.parse::<f64>().is_ok();
        let code_line = code_line
            || raw_words.windows(2).any(|pair| {
                let op = |w: &str| OPERATORS.iter().any(|(o, _)| *o == w);
                (op(pair[0]) && is_number(pair[1])) || (is_number(pair[0]) && op(pair[1]))
            });
        let message = holds_error(query);
        // Per word: as typed, whether it is quoted, and whether it is called (`get_data()`).
        let mut words: Vec<(String, bool, bool)> = query
            .split_whitespace()
            // A call is its name and its arguments: `OpenCV(4.8.0)`, `print('hi')`.
            .flat_map(|raw| {
                raw.split_inclusive('(')
                    .map(|piece| match piece.strip_suffix('(') {
                        Some(name) if !name.is_empty() => (name, true),
                        _ => (piece, false),
                    })
            })
            // A method called on a literal (`'a.txt'.strip(`, `", ".join(`): the literal is
            // the user's value, the method a name to look up.
            .flat_map(|(raw, called)| match literal_method(raw) {
                Some((literal, method)) if called => vec![(literal, false), (method, true)],
                _ => vec![(raw, called)],
            })
            .flat_map(|(raw, called)| {
                // An operator the guide lists as an alias (`:=`, `//`) is kept whole; another
                // is read as the words the guide uses for it.
                if !raw.chars().any(char::is_alphanumeric) {
                    // As typed (`*,` is an alias), or without the quotes around it.
                    let bare = bare_operator(raw);
                    if let Some(op) = [raw, bare]
                        .into_iter()
                        .find(|op| self.names_an_entry(&text::loose_key(op)))
                    {
                        return vec![(op.to_string(), false, false)];
                    }
                    if let Some((_, words)) = OPERATORS.iter().find(|(op, _)| *op == bare)
                        && !code_line
                    {
                        return words
                            .split(' ')
                            .map(|w| (w.to_string(), false, false))
                            .collect();
                    }
                }
                // Quotes and brackets around code in a message: `'list'`, `(expected 2)`.
                let mut typed = unquoted(raw);
                // A quoted value that ends a sentence: `'Thread-1'.`
                if let Some(inner) = typed.strip_suffix('.')
                    && inner.ends_with(['\'', '"', '`'])
                {
                    typed = unquoted(inner);
                }
                // A parameter whose default is a new list or dict (`bucket=[]`) is asked
                // about by what it is.
                if mutable_default(raw) {
                    return ["mutable", "default"]
                        .map(|w| (w.to_string(), false, false))
                        .to_vec();
                }
                // A date or a date format is asked about by its shape, not its digits.
                if let Some(word) = date_shape(typed) {
                    return vec![(word.to_string(), false, false)];
                }
                // A library called like a file (`discord.py`) is the library.
                if let Some(stem) = typed.strip_suffix(".py")
                    && packages::named(stem).is_some_and(|n| n.len() == stem.len())
                {
                    return vec![(stem.to_string(), false, false)];
                }
                let quoted = raw.starts_with(['\'', '"', '`']) || raw.ends_with(['\'', '"', '`']);
                let typed = typed.strip_suffix('.').unwrap_or(typed);
                // "a variable's type", "Django's ORM": the word, not a word and an `s`.
                let typed = ["'s", "\u{2019}s"]
                    .iter()
                    .find_map(|s| typed.strip_suffix(s))
                    .filter(|w| w.chars().all(char::is_alphabetic))
                    .unwrap_or(typed);
                vec![(typed.to_string(), quoted, called)]
            })
            .collect();
        // A slash between two words that say something ("Series / DataFrame", "loop /
        // lambda") separates them, as "or" would; asked about ("what does / mean"), it stands
        // by filler.
        let said = |w: &(String, bool, bool)| {
            w.0.chars().any(char::is_alphabetic)
                && !STOP_WORDS.contains(&w.0.to_lowercase().as_str())
        };
        let separators: Vec<usize> = (1..words.len().saturating_sub(1))
            .filter(|&k| words[k].0 == "/" && said(&words[k - 1]) && said(&words[k + 1]))
            .collect();
        for k in separators.into_iter().rev() {
            words.remove(k);
        }
        // An idiom said in plain words (not quoted, not called) is one unit.
        let mut at = 0;
        while at < words.len() {
            let idiom = IDIOMS.iter().find(|(phrase, _)| {
                words.get(at..at + phrase.len()).is_some_and(|said| {
                    said.iter()
                        .zip(phrase.iter())
                        .all(|((w, quoted, called), p)| {
                            !quoted && !called && w.eq_ignore_ascii_case(p)
                        })
                })
            });
            if let Some((phrase, _)) = idiom {
                words.splice(at..at + phrase.len(), [(phrase.join(" "), false, false)]);
            }
            at += 1;
        }
        let mut next = 0;
        while next < words.len() {
            let (typed, quoted, called) = words[next].clone();
            let typed = typed.as_str();
            next += 1;
            if typed.is_empty() {
                continue;
            }
            if let Some((phrase, meaning)) = IDIOMS.iter().find(|(p, _)| p.join(" ") == typed) {
                units.push(self.idiom(phrase, meaning));
                continue;
            }
            let loose = text::loose_key(typed);
            let named = self.names_an_entry(&loose).then_some(loose);
            // "star/asterisk", "insert/update": either word, not both as one name.
            let either: Vec<&str> = match named {
                None => alternatives(typed),
                Some(_) => Vec::new(),
            };
            let (parts, alts) = match either.as_slice() {
                [] => self.analyze(typed),
                [first, rest @ ..] => {
                    let (parts, mut alts) = self.analyze(first);
                    for other in rest {
                        alts.extend(self.analyze(other).0);
                    }
                    (parts, alts)
                }
            };
            if parts.is_empty() && named.is_none() {
                continue; // punctuation that names nothing
            }
            let lower = typed.to_lowercase();
            // "figure out", "find out": the verb is English, not matplotlib's `figure`.
            let phrasal = PHRASAL_VERBS.contains(&lower.as_str())
                && words
                    .get(next)
                    .is_some_and(|(w, _, _)| w.eq_ignore_ascii_case("out"));
            // "the requests library", "pandas package": the kind of thing a name is, said
            // after it, is filler ("load a shared library" is not).
            let kind_of_named = KINDS.contains(&lower.as_str())
                && units.last().is_some_and(|u: &Unit| {
                    let name = u.typed.to_lowercase();
                    !u.stop
                        && (packages::named(&name).is_some_and(|n| n == name)
                            || u.named.is_some()
                            || self.index.ids_starting(&format!("{name}-"), 1))
                });
            let construct = |other: Option<&(String, bool, bool)>, first: bool| {
                other.is_some_and(|(w, _, _)| {
                    let w = w.to_lowercase();
                    let pair = if first {
                        (lower.as_str(), w.as_str())
                    } else {
                        (w.as_str(), lower.as_str())
                    };
                    CONSTRUCTS.contains(&pair)
                })
            };
            let in_construct = construct(words.get(next), true)
                || construct(next.checked_sub(2).and_then(|k| words.get(k)), false);
            let stop = parts.len() == 1
                && !in_construct
                && ((named.is_none()
                    && (STOP_WORDS.contains(&lower.as_str())
                        || parts[0].chars().all(|c| c.is_ascii_digit())
                        || is_address(&lower)
                        || (self.df(&parts[0]) == 0 && is_misspelt_filler(&lower))))
                    || ((phrasal || kind_of_named) && !quoted && !called));
            if units.iter().any(|u| u.typed.eq_ignore_ascii_case(typed)) {
                continue; // a word said twice counts once
            }
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
            // A hyphen the guide leaves out: `SHA-256` is also `sha256`, `e-mail` `email`.
            if typed.contains('-') {
                let (joined, _) = self.analyze(&typed.replace('-', ""));
                if let [word] = joined.as_slice()
                    && self.df(word) > 0
                    && !forms.iter().any(|f| f.words == joined)
                {
                    forms.push(Form {
                        words: joined,
                        weight: 1.0,
                    });
                }
            }
            if let Some((_, synonyms)) = SYNONYMS.iter().find(|(w, _)| *w == lower) {
                for synonym in *synonyms {
                    let (words, _) = self.analyze(synonym);
                    forms.push(Form {
                        words,
                        weight: SYNONYM_WEIGHT,
                    });
                }
            }
            let mut unit = Unit {
                typed: typed.to_string(),
                forms,
                named,
                stop,
                weight: 0.0,
                rarity: 0.0,
                corrected: false,
                common: false,
            };
            // A name or value the guide does not have (`'blog_post'`, `get_data()`,
            // `in.mp4`) is the user's own, not a topic: it neither helps nor hurts.
            // A dotted name the guide lacks whole that starts with a library it has
            // (`sqlalchemy.exc.IntegrityError`) is read by its parts too, below.
            if !unit.stop
                && unit.named.is_none()
                && self.unit_df(&unit) == 0
                && (is_data(typed, quoted, true) || self.starts_with_known_library(typed))
            {
                // A dotted name the guide lacks whole (`ForeignKey.__init__`) is read part
                // by part: a part the guide knows is still a topic. Not a quoted value, a file
                // name or a name with digits (`admin.0001_initial`): those are the user's.
                let parts: Vec<(String, bool, bool)> = typed
                    .split('.')
                    .filter(|p| !p.is_empty())
                    .map(|p| (p.to_string(), quoted, called))
                    .collect();
                if parts.len() > 1
                    && !quoted
                    && !is_file_name(typed)
                    && parts.iter().all(|(p, _, _)| {
                        !p.chars().any(|c| c.is_ascii_digit()) || is_product_name(p)
                    })
                {
                    words.splice(next..next, parts);
                    continue;
                }
                unit.stop = is_data(typed, quoted, called || message);
            }
            // A file in an error message is the user's (`TemplateDoesNotExist: home.html`),
            // even when one example of the guide happens to use the same name.
            if message
                && !unit.stop
                && unit.named.is_none()
                && names_a_file(typed)
                && self.unit_df(&unit) <= 1
            {
                unit.stop = true;
            }
            units.push(unit);
            if units.len() >= MAX_UNITS {
                break;
            }
        }
        // A query of nothing but common words still has to match something.
        if units.iter().all(|u| u.stop) {
            for u in &mut units {
                u.stop = false;
                u.common = !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&u.typed));
            }
        }
        let mut units = self.merge_compounds(units);
        // A word said twice ("on the same device, but found two devices") is one thing asked
        // about: counted twice, its weight would make an entry that has it look like the
        // answer.
        for k in 1..units.len() {
            let (before, rest) = units.split_at_mut(k);
            let unit = &mut rest[0];
            if !unit.stop
                && !unit.primary().is_empty()
                && before
                    .iter()
                    .any(|u| !u.stop && u.primary() == unit.primary())
            {
                unit.stop = true;
            }
        }
        for unit in &mut units {
            (unit.weight, unit.rarity) = self.weight(unit);
        }
        units
    }

    /// An idiom's unit: its words as a phrase (an entry's question may say "at the same
    /// time"), or the word it means.
    fn idiom(&mut self, phrase: &[&str], meaning: &str) -> Unit {
        let (said, _) = self.analyze(&phrase.join(" "));
        let (meant, _) = self.analyze(meaning);
        Unit {
            typed: phrase.join(" "),
            forms: [said, meant]
                .into_iter()
                .filter(|words| !words.is_empty())
                .map(|words| Form { words, weight: 1.0 })
                .collect(),
            named: None,
            stop: false,
            weight: 0.0,
            rarity: 0.0,
            corrected: false,
            common: false,
        }
    }

    /// Whether a dotted name starts with a package or module the guide has a word for
    /// (`sqlalchemy.exc.IntegrityError`; not `java.lang.NullPointerException`'s `java` when
    /// no entry says it).
    fn starts_with_known_library(&mut self, typed: &str) -> bool {
        let Some(head) = typed
            .split_once('.')
            .and_then(|(head, _)| packages::named(head))
        else {
            return false;
        };
        let (words, _) = self.analyze(&head);
        !words.is_empty() && words.iter().all(|w| self.df(w) > 0)
    }

    /// Joins adjacent units when their run-together spelling is a word of the guide: "query
    /// set" also matches `QuerySet`, "post save" `post_save`.
    fn merge_compounds(&mut self, units: Vec<Unit>) -> Vec<Unit> {
        let mut out: Vec<Unit> = Vec::with_capacity(units.len());
        for unit in units {
            // Two or three words that together are an entry's alias, even when all but one are
            // filler alone (`async for`, `for else`, an error's `was never closed`).
            if self.merge_alias(&mut out, &unit) {
                continue;
            }
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
                if compound.len() == 1 && self.is_a_name(&compound[0]) {
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

    /// Merges `unit` into the last one or two units of `out` when, with them, it spells an
    /// entry's alias and one of them is filler alone. The words that are not filler alone (the
    /// last word when all are) also match alone. Three words are tried before two.
    fn merge_alias(&mut self, out: &mut Vec<Unit>, unit: &Unit) -> bool {
        for n in [2, 1] {
            let Some(start) = out.len().checked_sub(n) else {
                continue;
            };
            let run: Vec<&Unit> = out[start..].iter().chain([unit]).collect();
            if !run.iter().any(|u| u.stop) || run.iter().any(|u| u.primary().is_empty()) {
                continue;
            }
            let typed = run
                .iter()
                .map(|u| u.typed.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let loose = text::loose_key(&typed);
            if !self.names_an_entry(&loose) {
                continue;
            }
            let words: Vec<String> = run.iter().flat_map(|u| u.primary()).cloned().collect();
            let mut alone: Vec<String> = run
                .iter()
                .filter(|u| !u.stop)
                .flat_map(|u| u.primary())
                .cloned()
                .collect();
            if alone.is_empty() {
                alone = unit.primary().to_vec();
            }
            out.truncate(start + 1);
            let first = &mut out[start];
            first.typed = typed;
            first.forms = vec![
                Form { words, weight: 1.0 },
                Form {
                    words: alone,
                    weight: 1.0,
                },
            ];
            first.named = Some(loose);
            first.stop = false;
            return true;
        }
        false
    }

    /// Whether a word run together from two typed words is a name the guide uses: one that
    /// an entry is about (in a strong field) or that two entries use. A helper that one
    /// example defines (`request_with`) is not: "request with" stays two words.
    fn is_a_name(&mut self, word: &str) -> bool {
        self.df(word) >= 2 || STRONG.iter().any(|&f| self.index.df(f, word) > 0)
    }

    /// Whether entry `id` has each of `units` somewhere.
    fn holds(&self, id: &str, units: &[Unit]) -> Result<bool> {
        for unit in units {
            let q = Query::All(vec![
                Query::Key(Key::Id(id.to_string())),
                self.unit_query(unit, &ENTRY_FIELDS),
            ]);
            if self
                .index
                .top(&Query::OfKind(Box::new(q), Kind::Entry), 1)?
                .is_empty()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A guide word one edit away from `typed` (two for words of 8 letters or more), the
    /// closest and most common first; `None` for short words or when nothing is that close.
    fn correction(&mut self, typed: &str) -> Option<String> {
        if let Some(known) = self.corrections.get(typed) {
            return known.clone();
        }
        let best = self.find_correction(typed);
        self.corrections.insert(typed.to_string(), best.clone());
        best
    }

    fn find_correction(&mut self, typed: &str) -> Option<String> {
        let word: String = typed
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .flat_map(char::to_lowercase)
            .collect();
        let len = word.chars().count();
        if !(4..=text::MAX_WORD_LEN).contains(&len) {
            return None;
        }
        let max_distance = if len >= 8 { 2 } else { 1 };
        // Typing rarely gets the first letter wrong: a word that differs there (center ->
        // enter) is another word, not a typo.
        let candidates = self.index.vocab().closest(&word, max_distance, true);
        for (candidate, _) in candidates.into_iter().take(8) {
            // One letter for another is a slip of the finger only between neighbouring keys:
            // `prime` is not `price` mistyped.
            if far_keys_swapped(&word, &candidate) {
                continue;
            }
            let stem = self.stems.stem(&candidate);
            if self.df(&stem) > 0 {
                return Some(candidate);
            }
        }
        self.split_compound(&word)
    }

    /// Two guide words typed as one (`virtualenvironment`, `lambdafunction`), read apart: each
    /// half has three letters or more, and the guide writes the two side by side somewhere, so
    /// a name it lacks (`tensorflow`) is not taken apart into words it happens to have.
    fn split_compound(&mut self, word: &str) -> Option<String> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 6 || !chars.iter().all(|c| c.is_alphabetic()) {
            return None;
        }
        for i in 3..=chars.len() - 3 {
            let left: String = chars[..i].iter().collect();
            let right: String = chars[i..].iter().collect();
            let words = vec![self.stems.stem(&left), self.stems.stem(&right)];
            if words.iter().any(|w| self.df(w) == 0) {
                continue;
            }
            let together = Query::Any(
                PROXIMITY
                    .iter()
                    .map(|&(field, _)| Query::Phrase(field, words.clone(), 0))
                    .collect(),
            );
            if self
                .index
                .top(&together, 1)
                .is_ok_and(|found| !found.is_empty())
            {
                return Some(format!("{left} {right}"));
            }
        }
        None
    }

    /// Whether some fields hold a unit: as `unit_query` matches it, or word by word for a
    /// name of several words (`shutil.rmtree` is held by an entry whose aliases list `shutil`
    /// and `rmtree`).
    fn held_query(&self, unit: &Unit, fields: &[(Field, f32)]) -> Query {
        let mut any = vec![self.unit_query(unit, fields)];
        for form in unit
            .forms
            .iter()
            .filter(|f| f.weight >= 1.0 && f.words.len() > 1)
        {
            let each = form
                .words
                .iter()
                .map(|w| {
                    Query::Any(
                        fields
                            .iter()
                            .map(|&(f, _)| Query::Term(f, w.clone()))
                            .collect(),
                    )
                })
                .collect();
            any.push(Query::All(each));
        }
        Query::Any(any)
    }

    /// The query for one unit over some weighted fields.
    fn unit_query(&self, unit: &Unit, fields: &[(Field, f32)]) -> Query {
        let mut clauses = Vec::new();
        for &(field, boost) in fields {
            let forms: Vec<Query> = unit
                .forms
                .iter()
                .map(|form| {
                    let q = if form.words.len() == 1 {
                        Query::Term(field, form.words[0].clone())
                    } else {
                        Query::Phrase(field, form.words.clone(), 0)
                    };
                    Query::Boost(Box::new(q), form.weight)
                })
                .collect();
            clauses.push(Query::Boost(Box::new(Query::Any(forms)), boost));
        }
        if let Some(named) = &unit.named
            && fields.iter().any(|(f, _)| *f == Field::Title)
        {
            // An operator (`/`, `:=`) has no words to match: naming the entry is all it does.
            let boost = if unit.forms.is_empty() {
                NAMED_BOOST
            } else {
                UNIT_NAMED_BOOST
            };
            clauses.push(Query::Boost(
                Box::new(Query::Key(Key::Loose(named.clone()))),
                boost,
            ));
        }
        Query::Any(clauses)
    }

    /// Extra score for query words that stand together: each adjacent pair of words near each
    /// other (slop 2) in the questions, title, summary and body.
    fn proximity(&self, units: &[Unit], fields: &[(Field, f32)]) -> Vec<Query> {
        let words: Vec<&String> = units
            .iter()
            .filter(|u| !u.stop)
            .flat_map(|u| u.primary())
            .collect();
        let mut out = Vec::new();
        for &(field, boost) in fields {
            for pair in words.windows(2) {
                out.push(Query::Boost(
                    Box::new(Query::Phrase(
                        field,
                        vec![pair[0].clone(), pair[1].clone()],
                        2,
                    )),
                    boost,
                ));
            }
        }
        out
    }

    /// All the query's (non-stop) words in their order, up to three positions apart, in the
    /// questions or the title; `None` for fewer than two words.
    fn phrase(&self, units: &[Unit]) -> Option<Query> {
        let words: Vec<String> = units
            .iter()
            .filter(|u| !u.stop)
            .flat_map(|u| u.primary().iter().cloned())
            .collect();
        if words.len() < 2 {
            return None;
        }
        let slop = 3 * (words.len() as u32 - 1);
        Some(Query::Any(vec![
            Query::Phrase(Field::Questions, words.clone(), slop),
            Query::Phrase(Field::Title, words, slop),
        ]))
    }

    /// The ranked entries for the units, with their best sections and confidence; and the
    /// package the query names that no entry is about, if any (see `uncovered_package`).
    fn ranked(
        &mut self,
        query: &str,
        units: &[Unit],
        category: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Hit>, Option<String>)> {
        let live: Vec<&Unit> = units
            .iter()
            .filter(|u| !u.stop && (!u.forms.is_empty() || u.named.is_some()))
            .collect();
        if live.is_empty() {
            return Ok((Vec::new(), None));
        }
        let in_category = |q: Query| match category {
            Some(c) => Query::InCategory(Box::new(q), c.to_string()),
            None => q,
        };
        let pool = (limit * 3).max(40);
        // Entries: any unit, weighted by field; the whole query naming an entry lifts it.
        // Each word counts by how rare it is in the guide, not only in the field it is found
        // in: `list` is in few titles but most bodies, and must not outweigh `unhashable`.
        let mean = live.iter().map(|u| u.weight).sum::<f32>() / live.len() as f32;
        // Shared: each is part of several queries below.
        let by_weight = |u: &Unit, q: Query| {
            Query::Shared(Rc::new(Query::Boost(
                Box::new(q),
                u.weight / mean.max(f32::EPSILON),
            )))
        };
        let entry_units: Vec<Query> = live
            .iter()
            .map(|u| by_weight(u, self.unit_query(u, &ENTRY_FIELDS)))
            .collect();
        let mut entry_query = entry_units.clone();
        entry_query.push(Query::Boost(
            Box::new(Query::Key(Key::Loose(text::loose_key(query)))),
            NAMED_BOOST,
        ));
        // Two words in a row that together are an entry's id or alias, singular or plural
        // ("regular expressions", "numpy array"), name it as one word would.
        for pair in live.windows(2) {
            let loose = text::loose_key(&format!("{} {}", pair[0].typed, pair[1].typed));
            let singular = loose.strip_suffix('s').unwrap_or(&loose);
            let plural = format!("{loose}s");
            if let Some(key) = [loose.as_str(), singular, &plural]
                .into_iter()
                .find(|k| self.names_an_entry(k))
            {
                entry_query.push(Query::Boost(
                    Box::new(Query::Key(Key::Loose(key.to_string()))),
                    NAMED_BOOST,
                ));
            }
        }
        let entry_query = in_category(Query::OfKind(
            Box::new(Query::Any(entry_query)),
            Kind::Entry,
        ));
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut by_id: FxHashMap<String, usize> = FxHashMap::default();
        let top = self.index.top(&entry_query, pool)?;
        let ids = self.index.ids_of(&docs_of(&top))?;
        for ((score, doc), id) in top.into_iter().zip(ids) {
            by_id.insert(id.clone(), candidates.len());
            candidates.push(Candidate {
                doc: Some(doc),
                id,
                score,
                section: 0.0,
            });
        }
        // Sections: the same units over headings and section text.
        let section_units: Vec<Query> = live
            .iter()
            .map(|u| by_weight(u, self.unit_query(u, &SECTION_FIELDS)))
            .collect();
        let mut section_query = section_units.clone();
        section_query
            .extend(self.proximity(units, &[(Field::Heading, 1.0), (Field::SectionText, 0.5)]));
        let section_query = in_category(Query::OfKind(
            Box::new(Query::Any(section_query)),
            Kind::Section,
        ));
        let top = self.index.top(&section_query, pool * 2)?;
        let ids = self.index.ids_of(&docs_of(&top))?;
        for ((score, _), id) in top.into_iter().zip(ids) {
            let k = match by_id.get(&id) {
                Some(&k) => k,
                None => {
                    by_id.insert(id.clone(), candidates.len());
                    candidates.push(Candidate {
                        doc: None,
                        id,
                        score: 0.0,
                        section: 0.0,
                    });
                    candidates.len() - 1
                }
            };
            let c = &mut candidates[k];
            if score > c.section {
                c.section = score;
            }
        }
        // Entries found only through a section get their entry document's score too: their
        // entry documents, found by id in one query, then scored in one pass.
        let missing: Vec<Query> = candidates
            .iter()
            .filter(|c| c.doc.is_none())
            .map(|c| Query::Key(Key::Id(c.id.clone())))
            .collect();
        if !missing.is_empty() {
            let n = missing.len();
            let by_key = Query::OfKind(Box::new(Query::Any(missing)), Kind::Entry);
            let docs = docs_of(&self.index.top(&by_key, n)?);
            let ids = self.index.ids_of(&docs)?;
            let scores = self
                .index
                .scores_at(&Query::Any(entry_units.clone()), &docs, true);
            for ((doc, id), score) in docs.into_iter().zip(ids).zip(scores) {
                if let (Some(score), Some(&k)) = (score, by_id.get(&id)) {
                    let c = &mut candidates[k];
                    c.doc = Some(doc);
                    c.score = score;
                }
            }
        }
        candidates.retain(|c| c.doc.is_some());
        let docs: Vec<DocRef> = candidates.iter().filter_map(|c| c.doc).collect();

        // Words standing together, on the candidates only (positions are dear to read).
        let mut near = vec![0.0f32; docs.len()];
        for q in self.proximity(units, &PROXIMITY) {
            for (k, s) in self
                .index
                .scores_at(&q, &docs, true)
                .into_iter()
                .enumerate()
            {
                near[k] += s.unwrap_or(0.0);
            }
        }
        // The query's words in a row, as one of an entry's questions or its title puts them:
        // a pasted error line that an entry lists, or a question asked as it is.
        let phrase = self.phrase(units);
        let mut asked = vec![0.0f32; docs.len()];
        if let Some(q) = &phrase {
            for (k, s) in self.index.scores_at(q, &docs, true).into_iter().enumerate() {
                asked[k] = s.unwrap_or(0.0);
            }
        }
        // Coverage: the share of the query's weight each candidate matches, anywhere and in
        // its strong fields.
        let total: f32 = live.iter().map(|u| u.weight).sum::<f32>().max(f32::EPSILON);
        let total_rarity: f32 = live.iter().map(|u| u.rarity).sum::<f32>().max(f32::EPSILON);
        let strong_fields: Vec<(Field, f32)> = ENTRY_FIELDS
            .iter()
            .copied()
            .filter(|(f, _)| STRONG.contains(f))
            .collect();
        let mut anywhere = vec![0.0f32; docs.len()];
        // By rarity, for confidence.
        let mut anywhere_rare = vec![0.0f32; docs.len()];
        let mut strong = vec![0.0f32; docs.len()];
        let mut strong_rare = vec![0.0f32; docs.len()];
        // A rare word an entry has among its strong fields only in a question: (candidate,
        // weight, rarity) of each, to count as a passing mention unless that question is
        // close to the query (`conda` in a pasted error that says "use pip or conda").
        let mut asides: Vec<(usize, f32, f32)> = Vec::new();
        let topic_fields: Vec<(Field, f32)> = ENTRY_FIELDS
            .iter()
            .copied()
            .filter(|(f, _)| STRONG.contains(f) && *f != Field::Questions)
            .collect();
        // A word no entry has (`openpyxl`) is what the query is about; then only the words'
        // rarity can make an answer confident, not the titles that name other topics.
        let mut unknown = false;
        // A word replaced by a close one (`black` -> `back`) may be a name the guide lacks.
        let guessed = live.iter().any(|u| u.corrected);
        // The query's heaviest word, when the guide has it in only a few entries, names the
        // topic: an entry without it is not confident (`narwhals` is in one entry's body, so
        // "narwhals filter rows" is not answered by an entry that filters rows). A word no
        // entry has is left out: pasted errors are full of the user's own names.
        let explain = std::env::var_os("PYGUIDE_EXPLAIN").is_some();
        let heaviest = live.iter().map(|u| u.rarity).fold(0.0f32, f32::max);
        let mut lacks_topic = vec![false; docs.len()];
        // The topic word only in passing (see below): not an answer however much else matches.
        let mut mentions_topic = vec![false; docs.len()];
        // Entries of the language and its standard library are asked about without naming a
        // module (`concurrent-futures`, `datetime-arithmetic`): only a library's are a family.
        // (The category is among the entry's names, with its id's words.)
        let core = Query::Any(
            CORE_CATEGORIES
                .iter()
                .map(|cat| Query::Term(Field::Names, cat.to_string()))
                .collect(),
        );
        let families: Vec<Option<String>> = candidates
            .iter()
            .zip(self.index.scores_at(&core, &docs, false))
            .map(|(c, core)| core.is_none().then(|| self.family(&c.id)).flatten())
            .collect();
        // A query that starts with a word no entry has names a topic the guide lacks
        // ("tortoise orm prefetch related", "selenium.common.exceptions...: Unable to locate
        // element"): the rest of it may match an entry well, but about something else.
        // A dotted name counts by its first part: `sqlalchemy.exc.SomeError` is about a
        // library the guide has, whatever the error's own name.
        // Only common words ("how to", "the"): the closest are listed, none for sure.
        let chatter = live.iter().all(|u| u.common);
        let leads_unknown = live.len() >= 3
            && !live[0].corrected
            && live[0]
                .primary()
                .first()
                .is_some_and(|first| self.df(first) == 0);
        if leads_unknown && explain {
            eprintln!("explain: the first word `{}` is in no entry", live[0].typed);
        }
        // A word that names a Python package or module no entry is about (`tkinter`,
        // `dask`, `selenium`): the query asks about it, however well its other words match
        // an entry. In a pasted error only the exception's dotted name counts: its message
        // holds the user's own names ("Command 'ffmpeg -i in.mp4' timed out").
        // An entry that lists it in a question ("tqdm in a jupyter notebook") may answer.
        let mut lacks_package = vec![false; docs.len()];
        let mut asks_package = vec![false; docs.len()];
        let uncovered = self.uncovered_package(query, &live);
        if let Some((name, parts)) = &uncovered {
            if explain {
                eprintln!("explain: `{name}` names a package no entry is about");
            }
            let asks = Query::All(
                parts
                    .iter()
                    .map(|w| Query::Term(Field::Questions, w.clone()))
                    .collect(),
            );
            for (k, s) in self
                .index
                .scores_at(&asks, &docs, false)
                .into_iter()
                .enumerate()
            {
                lacks_package[k] = true;
                asks_package[k] = s.is_some();
            }
        }
        // A language or tool other than Python (`javascript`, `java`, `git`) that some
        // entries do cover in passing (a JavaScript section on CSRF tokens): only an entry that
        // has it in its strong fields, or says it more than once, answers ("regex in
        // javascript" is not answered by the entry on Python's `re`).
        let other = named_packages(query, &live)
            .into_iter()
            .find(|name| packages::is_other(name));
        if let Some(name) = other
            && uncovered.is_none()
        {
            let (parts, _) = self.analyze(&name);
            // Every word of the name in one of `fields`.
            let in_fields = |fields: &[Field]| {
                Query::All(
                    parts
                        .iter()
                        .map(|w| {
                            Query::Any(fields.iter().map(|&f| Query::Term(f, w.clone())).collect())
                        })
                        .collect(),
                )
            };
            let held = self.index.scores_at(&in_fields(&STRONG), &docs, false);
            // Named in one of an entry's questions only ("tqdm in a jupyter notebook"): it
            // answers a question close to that one, not every question about the tool.
            let topical: Vec<Field> = STRONG
                .into_iter()
                .filter(|&f| f != Field::Questions)
                .collect();
            let held_topical = self.index.scores_at(&in_fields(&topical), &docs, false);
            for k in 0..docs.len() {
                let often = || {
                    parts
                        .iter()
                        .all(|w| self.index.term_freq(Field::Body, w, docs[k]) >= 2)
                };
                if held_topical[k].is_some() || often() {
                    continue;
                }
                lacks_package[k] = true;
                if held[k].is_some() {
                    asks_package[k] = true;
                } else if explain {
                    eprintln!("explain: {} is not about `{name}`", candidates[k].id);
                }
            }
        }
        // For each unit, the candidates that have it.
        let mut holders: Vec<Vec<bool>> = Vec::with_capacity(live.len());
        for unit in &live {
            let any = self.held_query(unit, &ENTRY_FIELDS);
            let df = self.unit_df(unit);
            if explain {
                eprintln!(
                    "explain: word `{}` {:?} weight {:.2}, rarity {:.2} (in {df} documents)",
                    unit.typed,
                    unit.primary(),
                    unit.weight,
                    unit.rarity
                );
            }
            // As typed: `Pretty-print` is not made a topic word by the one entry that has
            // `PrettyPrinter`, its hyphen left out.
            let typed_df = match unit.primary() {
                words if unit.typed.contains('-') && !words.is_empty() => {
                    words.iter().map(|w| self.df(w)).min().unwrap_or(df)
                }
                _ => df,
            };
            let topic = unit.rarity >= heaviest && (1..=TOPIC).contains(&typed_df.max(df));
            unknown |= df == 0;
            if topic && explain {
                eprintln!("explain: topic word `{}` (in {df} documents)", unit.typed);
            }
            let mut found_any = vec![false; docs.len()];
            for (k, s) in self
                .index
                .scores_at(&any, &docs, false)
                .into_iter()
                .enumerate()
            {
                if s.is_some() {
                    anywhere[k] += unit.weight;
                    anywhere_rare[k] += unit.rarity;
                    found_any[k] = true;
                } else if topic {
                    lacks_topic[k] = true;
                }
            }
            holders.push(found_any.clone());
            let counts = if unit.corrected { 0.5 } else { 1.0 };
            let st = self.held_query(unit, &strong_fields);
            let held: Vec<bool> = self
                .index
                .scores_at(&st, &docs, false)
                .into_iter()
                .map(|s| s.is_some())
                .collect();
            // The topic word said once in an entry's body, and nowhere else in it, is a passing
            // mention ("a Python without tkinter" in the matplotlib entry), not its topic.
            if let (true, [word]) = (topic, unit.primary()) {
                for k in 0..docs.len() {
                    if found_any[k]
                        && !held[k]
                        && self.index.term_freq(Field::Body, word, docs[k]) <= 1
                    {
                        lacks_topic[k] = true;
                        mentions_topic[k] = true;
                    }
                }
            }
            // A rare word found only in an entry's body counts for less: it is the topic of a
            // user's note about `quokka`, or a passing mention (`ctypes` in an example).
            let rare = df <= RARE;
            // A query of that one word looks it up: every entry that has it answers.
            let body_share = if live.len() == 1 { 1.0 } else { RARE_BODY };
            if rare && live.len() > 1 && held.iter().any(|h| *h) {
                let topical = self.held_query(unit, &topic_fields);
                for (k, s) in self
                    .index
                    .scores_at(&topical, &docs, false)
                    .into_iter()
                    .enumerate()
                {
                    if held[k] && s.is_none() {
                        asides.push((k, unit.weight * counts, unit.rarity * counts));
                    }
                }
            }
            for k in 0..docs.len() {
                let share = if held[k] {
                    counts
                } else if rare && found_any[k] {
                    counts * body_share
                } else {
                    0.0
                };
                strong[k] += unit.weight * share;
                strong_rare[k] += unit.rarity * share;
            }
        }
        // The question of an entry closest to the query: the share of the query's weight it
        // holds (its title and summary count as questions too). People ask alike.
        // A unit is in a question as far as its closest form is: `NullPointerException` is
        // not wholly in a question that says "exception".
        // A word and Python's short name for it are one word in a question (`dictionary`,
        // `dict`), though not in how rare the word is.
        let short_names: Vec<Vec<String>> = live
            .iter()
            .map(|u| match short_name(&u.typed.to_lowercase()) {
                Some(other) => self.analyze(other).0,
                None => Vec::new(),
            })
            .collect();
        let unit_forms: Vec<(Vec<&[String]>, f32, f32, bool)> = live
            .iter()
            .zip(&short_names)
            .map(|(u, short)| {
                let mut forms: Vec<&[String]> = u
                    .forms
                    .iter()
                    .filter(|f| f.weight >= 1.0)
                    .map(|f| f.words.as_slice())
                    .collect();
                if !short.is_empty() {
                    forms.push(short.as_slice());
                }
                // Words that are an alias together count only together.
                let whole = u.named.is_some() && u.typed.contains(' ');
                (forms, u.weight, u.rarity, whole)
            })
            .collect();
        let mut alike = vec![0.0f32; docs.len()];
        let mut alike_rare = vec![0.0f32; docs.len()];
        // How wholly a question and the query match each other: its share of the query's
        // weight times the share of its own words the query has. Of two entries that both
        // list "how to check if a file exists", the one whose question says no more wins.
        let mut exact = vec![0.0f32; docs.len()];
        let mut matcher = QuestionMatch::new(&live, &unit_forms, total, total_rarity);
        // A candidate's score before its questions and family are weighed in. Close questions
        // raise it at most (1 + ALIKE)(1 + EXACT) times, and a library's entry off the query's
        // family loses at most OFF_FAMILY of it: a candidate that could not reach the last
        // shown place even so is not compared question by question.
        let base: Vec<f32> = candidates
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let relevance = c.score + SECTION_SHARE * c.section + near[k] + ASKED * asked[k];
                relevance * (anywhere[k] / total).powf(COVERAGE_POWER)
            })
            .collect();
        let shown = limit.max(2);
        let mut floors: Vec<f32> = base.iter().map(|b| b * OFF_FAMILY.min(1.0)).collect();
        floors.sort_by(|a, b| b.total_cmp(a));
        let last_place = floors.get(shown - 1).copied().unwrap_or(0.0);
        let compared: Vec<usize> = (0..docs.len())
            .filter(|&k| base[k] * (1.0 + ALIKE) * (1.0 + EXACT) >= last_place)
            .collect();
        let wanted: Vec<DocRef> = compared.iter().map(|&k| docs[k]).collect();
        for (&k, questions) in compared.iter().zip(self.index.asked_of(&wanted)?) {
            (alike[k], alike_rare[k], exact[k]) = matcher.closeness(&questions);
        }
        // Only a question close to the query both ways, not a pasted error that says "use
        // pip or conda" asked with one word, `conda`.
        for k in 0..docs.len() {
            if asks_package[k] && exact[k] >= PACKAGE_EXACT {
                lacks_package[k] = false;
            }
        }
        for &(k, weight, rarity) in &asides {
            if alike_rare[k] < ASIDE_ALIKE {
                strong[k] -= weight * (1.0 - RARE_BODY);
                strong_rare[k] -= rarity * (1.0 - RARE_BODY);
            }
        }
        // Scored first; only the hits that can be shown get their metadata read.
        let mut scored: Vec<(usize, f32, bool, bool, bool)> = Vec::with_capacity(candidates.len());
        // Entries of a library's family come after the others when the query neither names
        // the library nor has a word that only its entries have (`bulk_create`).
        let owned: FxHashSet<&str> = holders
            .iter()
            .filter_map(|held| {
                let mut of = held
                    .iter()
                    .zip(&families)
                    .filter(|(h, _)| **h)
                    .map(|(_, f)| f.as_deref());
                let first = of.next()??;
                of.all(|f| f == Some(first)).then_some(first)
            })
            .collect();
        // A query that names a library whose entries make a family (`pandas`) asks about
        // that library: another library's own entry (polars, which compares itself with
        // pandas throughout) comes after the family's too, unless the query names it as well.
        let names_family = families.iter().flatten().any(|stem| matcher.in_query(stem));
        let mut rival = vec![false; docs.len()];
        if names_family {
            let (category, _) = self.analyze("packages");
            let in_packages = match category.as_slice() {
                [word] => {
                    self.index
                        .scores_at(&Query::Term(Field::Names, word.clone()), &docs, false)
                }
                _ => vec![None; docs.len()],
            };
            for (k, c) in candidates.iter().enumerate() {
                if families[k].is_some()
                    || in_packages[k].is_none()
                    || packages::named(&c.id).is_none_or(|name| name != c.id)
                {
                    continue;
                }
                let (stems, _) = self.analyze(&c.id);
                rival[k] = !stems.iter().any(|s| matcher.in_query(s));
            }
        }
        let off_family: Vec<bool> = families
            .iter()
            .zip(&rival)
            .map(|(f, &rival)| {
                rival
                    || f.as_deref()
                        .is_some_and(|stem| !matcher.in_query(stem) && !owned.contains(stem))
            })
            .collect();
        // An error raised by one library (`sqlalchemy.exc.IntegrityError: ...`) is not
        // answered for sure by another library's entry, however well its words match
        // (Django's get_or_create has the same UNIQUE constraint error). Not a library the
        // message only names (`No module named 'numpy'`).
        let raised_by = pasted_class(query)
            .and_then(|class| class.split_once('.'))
            .map(|(library, _)| self.analyze(library).0);
        let names_a_family = raised_by.is_some_and(|words| {
            families
                .iter()
                .flatten()
                .any(|f| words.iter().any(|w| w == f))
        });
        for (k, c) in candidates.iter().enumerate() {
            let coverage = anywhere[k] / total;
            let score = base[k]
                * (1.0 + ALIKE * alike[k] * alike[k])
                * (1.0 + EXACT * exact[k] * exact[k])
                * if off_family[k] { OFF_FAMILY } else { 1.0 };
            let strength = strong_rare[k] / total_rarity;
            let covered = anywhere_rare[k] / total_rarity;
            let answers = |strength: f32, covered: f32, alike: f32| {
                strength >= CONFIDENT
                    || (asked[k] > 0.0 && covered >= 0.8)
                    || alike >= ALIKE_ANSWERS
            };
            let topical = !lacks_topic[k] || strength >= TOPIC_OUTWEIGHED;
            let answered = answers(strength, covered, alike_rare[k])
                || (!unknown && answers(strong[k] / total, coverage, alike[k]));
            let holds_most = (topical || live.len() >= LONG_QUESTION)
                && !unknown
                && !guessed
                && !mentions_topic[k]
                && coverage >= HOLDS_MOST
                && strength >= HOLDS_STRONG;
            let confident = ((topical && answered) || holds_most)
                && !chatter
                && !leads_unknown
                && !lacks_package[k]
                && !(off_family[k] && names_a_family);
            if explain {
                eprintln!(
                    "explain: {:<26} score {score:7.2} = (entry {:6.2} + section {:6.2} + near {:6.2} + asked {:6.2}) x coverage {coverage:.2}^{COVERAGE_POWER} x alike {:.2} x exact {:.2}; strong {:.2}{}",
                    c.id,
                    c.score,
                    SECTION_SHARE * c.section,
                    near[k],
                    ASKED * asked[k],
                    alike[k],
                    exact[k],
                    strength,
                    if confident { " confident" } else { "" }
                );
            }
            // A package the entry only mentions is not its topic either (`narwhals` in plotly).
            let clear = covered >= 0.9
                && strength >= DOMINANT_STRONG
                && !mentions_topic[k]
                && !lacks_package[k];
            scored.push((k, score, confident, clear, strength >= NEAR));
        }
        scored.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| candidates[a.0].id.cmp(&candidates[b.0].id))
        });
        // The caller shows `limit`; the second is compared with the first below.
        scored.truncate(limit.max(2));
        let mut hits = Vec::with_capacity(scored.len());
        let mut found = Vec::with_capacity(scored.len());
        for &(k, ..) in &scored {
            found.push(self.index.found(docs[k])?);
        }
        let entries: Vec<(&str, &Origin)> = found
            .iter()
            .map(|f| (f.meta.as_ref().map_or("", |m| m.id.as_str()), &f.origin))
            .collect();
        let mut answering = self.answering(&section_units, &entries, explain)?;
        // A broad question about what an entry is named for ("what is a closure", "how do
        // pytest fixtures work") is answered by the entry's top, not by a detail that happens
        // to repeat the words: every word that says something is in the entry's id.
        if broad_question(query) {
            for (section, f) in answering.iter_mut().zip(&found) {
                let Some(meta) = &f.meta else { continue };
                let (id_words, _) = self.analyze(&meta.id.replace('-', " "));
                let said: Vec<&&Unit> = live
                    .iter()
                    .filter(|u| !u.stop && !BROAD_FILLER.contains(&u.typed.to_lowercase().as_str()))
                    .collect();
                let named = !said.is_empty()
                    && said.iter().all(|u| {
                        !u.primary().is_empty() && u.primary().iter().all(|w| id_words.contains(w))
                    });
                if named && section.is_some() {
                    if explain {
                        eprintln!("explain: {}: asked about as a whole: its top", meta.id);
                    }
                    *section = None;
                }
            }
        }
        let mut answering = answering.into_iter();
        for ((_, score, confident, clear, near), found) in scored.into_iter().zip(found) {
            // None when no word tells the entry's sections apart (`decorator` in the
            // decorators entry): the entry as a whole answers, and `show` opens at its top.
            let section = answering.next().flatten();
            let Some(meta) = found.meta else {
                continue;
            };
            hits.push(Hit {
                meta,
                origin: found.origin,
                score,
                section,
                snippet: Snippet::default(),
                confident,
                clear,
                near,
            });
        }
        // An entry that matches (almost) every word and far outscores the next answers too.
        let next = hits.get(1).map_or(0.0, |h| h.score);
        if let Some(top) = hits.first_mut()
            && top.clear
            && top.score >= DOMINANT * next
        {
            top.confident = true;
        }
        Ok((hits, uncovered.map(|(name, _)| name)))
    }

    /// Whether a word may be a typo: not filler, not a name, and found nowhere in the guide
    /// (`install` is never "corrected" to `installs`).
    fn may_be_typo(&mut self, unit: &Unit) -> bool {
        !unit.stop
            && unit.named.is_none()
            && self.unit_df(unit) == 0
            && packages::named(&unit.typed).is_none()
    }

    /// The first package or module the query names (see [`packages`]) that no entry has in
    /// its id, title or aliases, and at most [`UNCOVERED_DF`] entries mention; with its
    /// stemmed words.
    fn uncovered_package(&mut self, query: &str, live: &[&Unit]) -> Option<(String, Vec<String>)> {
        named_packages(query, live).into_iter().find_map(|name| {
            let (parts, _) = self.analyze(&name);
            let uncovered = !parts.is_empty()
                && parts.iter().all(|w| {
                    self.df(w)
                        <= if packages::is_other(&name) {
                            OTHER_DF
                        } else {
                            UNCOVERED_DF
                        }
                        && STRONG
                            .iter()
                            .filter(|&&f| f != Field::Questions)
                            .all(|&f| self.index.df(f, w) == 0)
                });
            uncovered.then_some((name, parts))
        })
    }

    /// Close guide words and entry ids, for "did you mean".
    fn suggestions(&mut self, units: &[Unit]) -> Vec<String> {
        let mut out = Vec::new();
        for unit in units {
            if !self.may_be_typo(unit) {
                continue;
            }
            if let Some(w) = self.correction(&unit.typed)
                && !out.contains(&w)
            {
                out.push(w);
            }
        }
        // Entries whose id is close to the whole query ("decoratr" -> decorators).
        let key = text::loose_key(
            &units
                .iter()
                .filter(|u| !u.stop)
                .map(|u| u.typed.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let chars = key.chars().count();
        // Longer ids may be further off, but never by more than half the letters typed, nor by
        // more than four: a bound the walk of the ids can leave branches by.
        let most = 2.max(chars / 2).min(4);
        if let Ok(ids) = self.index.ids_near(&key, most) {
            let bound = |id: &str| 2.max(id.len() / 4).min(most);
            // The distance is at least the difference in length: most ids need no more.
            let mut close: Vec<(usize, String)> = ids
                .into_iter()
                .map(|id| (text::loose_key(&id), id))
                .filter(|(loose, id)| loose.chars().count().abs_diff(chars) <= bound(id))
                .map(|(loose, id)| (guide::vocab::edit_distance(&key, &loose), id))
                .filter(|(d, id)| *d <= bound(id))
                .collect();
            close.sort();
            let live = close
                .into_iter()
                .filter(|(_, id)| self.index.has(&Key::Id(id.clone())));
            for (_, id) in live.take(3) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broad_question_about_an_entry_opens_at_its_top_a_detail_at_its_section() {
        let top = |query: &str| {
            let outcome = ask(query);
            let hit = outcome.hits.first().expect(query);
            (
                hit.meta.id.clone(),
                hit.section.as_ref().map(|s| s.anchor.clone()),
            )
        };
        assert_eq!(top("what is a metaclass"), ("metaclasses".into(), None));
        // Words spread over every section tell none apart.
        assert_eq!(
            top("why does my default list keep growing"),
            ("mutable-defaults".into(), None)
        );
        assert_eq!(
            top("how do pytest fixtures work"),
            ("pytest-fixtures".into(), None)
        );
        // A part the entry has a section for is asked about as that part.
        let (id, section) = top("what does functools.partial do");
        assert_eq!(id, "functools");
        assert!(section.is_some_and(|a| a.starts_with("partial")));
        assert!(broad_question("What is the GIL?"));
        assert!(!broad_question("what is KeyError: 'x' telling me"));
        assert!(!broad_question("metaclass"));
    }

    #[test]
    fn a_compact_json_body_is_read_as_its_keys_and_values() {
        let body =
            r#"{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required"}]}"#;
        let spread = spread_json(body).unwrap();
        let words: Vec<&str> = spread.split_whitespace().collect();
        assert_eq!(
            words,
            [
                "detail", "type", "missing", "loc", "body", "email", "msg", "Field", "required"
            ]
        );
        assert_eq!(spread_json(r#"KeyError: d["key"]"#), None);
        assert_eq!(spread_json("why is my list empty"), None);
        let outcome = ask(body);
        assert_eq!(
            outcome.hits.first().map(|h| h.meta.id.as_str()),
            Some("fastapi-validation")
        );
    }

    /// `ask`, asserting that no hit answers for sure.
    fn ask_unsure(query: &str) -> Outcome {
        let outcome = ask(query);
        assert!(
            !outcome.confident(),
            "{query}: {:?}",
            outcome.hits.first().map(|h| &h.meta.id)
        );
        outcome
    }

    /// A search of the built-in guide, as `search` runs it (five hits, typos corrected).
    fn ask(query: &str) -> Outcome {
        let index = crate::builtin::index().unwrap();
        let opts = Options {
            limit: 5,
            category: None,
            correct: true,
        };
        search(&index, query, &opts, &|_, _| None).unwrap()
    }

    /// An alias is matched by its loose key (`and_` is `and`), and a word that names an
    /// entry is never filler: an alias whose loose key is an English filler word makes that
    /// word name its entry in every query ("does finally run after return" was asked of
    /// tkinter for its alias `after`). These few are what the word means in Python.
    #[test]
    fn no_alias_turns_a_filler_word_into_a_name() {
        const MEANT: [&str; 6] = ["with", "any", "all", "difference", "only", "__get__"];
        let index = crate::builtin::index().unwrap();
        for found in index.all().unwrap() {
            let meta = found.meta.unwrap();
            for alias in &meta.aliases {
                let loose = text::loose_key(alias);
                assert!(
                    !STOP_WORDS.contains(&loose.as_str()) || MEANT.contains(&alias.as_str()),
                    "{}: alias `{alias}` is the filler word `{loose}`",
                    meta.id
                );
            }
        }
    }

    /// A query of nothing but common words is answered by nothing for sure, though the
    /// closest are listed; a keyword alone is asked about.
    #[test]
    fn only_common_words_answer_nothing_for_sure() {
        for query in ["how to", "the", "how do I do it"] {
            let outcome = ask_unsure(query);
            assert!(!outcome.hits.is_empty(), "{query}");
        }
        assert!(ask("with").confident());
        assert!(ask("else").confident());
    }

    /// Two keywords side by side that make a construct are the question, though each alone
    /// is filler: "if else in one line" was asked of `line` alone.
    #[test]
    fn keywords_that_make_a_construct_are_what_is_asked() {
        for (query, want) in [
            ("if else in one line python", "expressions"),
            ("one line if else statement", "expressions"),
            ("try except else finally", "exceptions"),
        ] {
            let outcome = ask(query);
            assert_eq!(outcome.hits[0].meta.id, want, "{query}");
        }
        // Apart, or not a construct: English.
        let units = units_of("what else can I do if it fails");
        assert!(units.contains(&("else".to_string(), true)), "{units:?}");
        assert!(units.contains(&("if".to_string(), true)), "{units:?}");
    }

    /// The section is judged within its entry: a word in one section's heading decides, not
    /// one every section has (`dict`, `date`); a query only about the entry gets none.
    #[test]
    fn the_section_that_answers_is_judged_within_the_entry() {
        for (query, want) in [
            (
                "merge two dicts python",
                "dict-internals#merging-a-b-update",
            ),
            (
                "difference between two dates in days",
                "datetime-arithmetic#differences-what-a-timedelta-holds",
            ),
            (
                "re.findall returns tuples instead of the whole match",
                "regex#groups-findall-finditer-and-split",
            ),
        ] {
            let hit = &ask(query).hits[0];
            let anchor = hit.section.as_ref().map_or("", |s| s.anchor.as_str());
            assert_eq!(format!("{}#{anchor}", hit.meta.id), want, "{query}");
        }
        for query in ["decorators", "TypeError: unhashable type: 'list'"] {
            let hit = &ask(query).hits[0];
            assert!(hit.section.is_none(), "{query}: {:?}", hit.section);
        }
    }

    #[test]
    fn a_pasted_traceback_is_read_as_its_error_line() {
        let q = "Traceback (most recent call last):\n  File \"/home/ann/app/models.py\", line 3, in <module>\n    d[[1]] = 2\nTypeError: unhashable type: 'list'\n";
        assert_eq!(clean_query(q), "TypeError: unhashable type: 'list'");
        assert_eq!(
            clean_query("why does  /usr/lib/x.py break"),
            "why does break"
        );
        assert!(clean_query(&"x ".repeat(10_000)).len() <= MAX_QUERY);
        assert!(looks_like_error(
            "django.core.exceptions.AppRegistryNotReady: Apps aren't loaded yet."
        ));
        assert!(!looks_like_error("how do I: do this"));
    }

    /// Two words that together are an entry's alias (`producer consumer`) name it, as one
    /// word would: the entry on threads, which says both words often, comes second.
    #[test]
    fn two_words_that_are_an_alias_together_name_the_entry() {
        let outcome = ask("a simple producer consumer setup with threads");
        assert_eq!(outcome.hits[0].meta.id, "queues");
        assert!(outcome.confident());
    }

    /// A query that names pandas asks about pandas, not about polars, whose entry compares
    /// itself with pandas throughout; a query that names polars still finds polars.
    #[test]
    fn a_library_named_in_the_query_outranks_another_librarys_entry() {
        let pandas = ask("Delete a column from a Pandas DataFrame");
        assert!(pandas.hits[0].meta.id.starts_with("pandas"));
        let polars = ask("delete a column from a polars dataframe");
        assert_eq!(polars.hits[0].meta.id, "polars");
    }

    /// Three words that are an alias together are one unit though two are filler alone: an
    /// error's words typed without the rest of the line find the entry that names them.
    #[test]
    fn three_words_that_are_an_alias_together_are_one_unit() {
        assert_eq!(
            units_of("was never closed"),
            [("was never closed".to_string(), false)]
        );
        assert_eq!(ask("was never closed").hits[0].meta.id, "syntax-errors");
        // Not when the three words are not an alias.
        assert_eq!(units_of("was never opened").len(), 3);
    }

    /// Another language named in a question is its topic: the entry on Python's regexes does
    /// not answer for JavaScript, the one with a section on sending the CSRF token from
    /// JavaScript does.
    #[test]
    fn another_language_is_answered_only_by_an_entry_about_it() {
        let outcome = ask("how to use regex in javascript");
        assert!(
            !outcome.confident(),
            "{:?}",
            outcome.hits.first().map(|h| &h.meta.id)
        );
        assert!(!ask("java string to int").confident());
        // A language written with symbols: `C++` is not the letter `c`.
        assert!(!ask("how do I reverse a std::string in C++ without using a loop").confident());
        let outcome = ask("django csrf token in a javascript fetch call");
        assert_eq!(outcome.hits[0].meta.id, "django-csrf");
        assert!(outcome.confident());
        // In a pasted error the tool is the user's command, not the topic.
        let outcome = ask(
            "subprocess.CalledProcessError: Command '['git', 'status']' returned non-zero exit status 128.",
        );
        assert_eq!(outcome.hits[0].meta.id, "subprocess");
        assert!(outcome.confident());
        // Google's services are not Python's; its docstring style is, in an entry's aliases.
        assert!(!ask("how do I upload a blob to google cloud storage from python").confident());
        let outcome = ask("google style docstrings");
        assert_eq!(outcome.hits[0].meta.id, "docstrings");
        assert!(outcome.confident());
    }

    /// An entry that has every word of a question only in its text does not answer it
    /// because it is far ahead of the rest: the caching entry's example about stock prices.
    #[test]
    fn every_word_in_passing_is_not_an_answer() {
        let outcome = ask("how to get stock prices in python");
        assert!(
            !outcome.confident(),
            "{:?}",
            outcome.hits.first().map(|h| &h.meta.id)
        );
    }

    /// A word said twice is one thing asked about, whatever its form: the second
    /// (`devices` after `device`) is not counted again.
    #[test]
    fn a_word_said_twice_counts_once() {
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        let units = run.units("same device two devices");
        let live: Vec<&str> = units
            .iter()
            .filter(|u| !u.stop)
            .map(|u| u.typed.as_str())
            .collect();
        assert_eq!(live, ["device", "two"]);
        // Two operators with no words of their own are two things.
        let units = run.units("/ vs //");
        assert_eq!(units.iter().filter(|u| !u.stop).count(), 2);
    }

    /// A memory address in a repr, whole or cut short, is the user's value; a hex literal
    /// is not an address.
    #[test]
    fn a_memory_address_is_the_users_value() {
        assert!(is_address("0x7f3a2b1c9d60"));
        assert!(is_address("0x7f3a2b1c9d60>"));
        assert!(is_address("0x7f..."));
        assert!(is_address("0x7f\u{2026}"));
        assert!(!is_address("0xff"));
        assert!(!is_address("0x"));
        assert!(!is_address("0xzz..."));
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        let units = run.units("map() gives <map object at 0x7f...> instead of a list");
        assert!(units.iter().any(|u| u.typed.starts_with("0x7f") && u.stop));
    }

    /// "At the same time" is one unit meaning "concurrently", not a question about `time`;
    /// as a phrase it still matches an entry's question that says it.
    #[test]
    fn an_idiom_is_what_it_means() {
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        let units = run.units("run two coroutines At The Same Time");
        let idiom = units.last().unwrap();
        assert_eq!(idiom.typed, "at the same time");
        assert!(!idiom.stop);
        assert!(idiom.forms.iter().any(|f| f.words == ["concurr"]));
        assert!(!units.iter().any(|u| u.primary() == ["time"]));
        let outcome = ask("how do I run two coroutines at the same time and wait for both");
        assert_eq!(outcome.hits[0].meta.id, "asyncio");
        let outcome = ask("iterate over two lists at the same time");
        assert_eq!(outcome.hits[0].meta.id, "loops");
        // Quoted, the words are the user's text.
        let units = run.units("'at the same time'");
        assert!(units.iter().all(|u| u.typed != "at the same time"));
    }

    /// A slash between two words separates them; asked about, it names the entry on
    /// positional-only parameters.
    #[test]
    fn a_slash_between_words_separates_them_and_alone_names_its_entry() {
        let outcome = ask("Pretty-print an entire Pandas Series / DataFrame");
        assert_eq!(outcome.hits[0].meta.id, "pandas");
        assert!(outcome.confident());
        let outcome = ask("what does / mean in a function signature");
        assert_eq!(outcome.hits[0].meta.id, "keyword-only-arguments");
        assert!(outcome.confident());
    }

    /// An entry's question holds a word of the query only as far as it holds the word's
    /// forms: `NullPointerException` is not in every question that says "exception", and a
    /// Java error is not answered by the entry on Python's exceptions.
    #[test]
    fn a_question_holds_a_compound_word_only_in_part_for_a_part_of_it() {
        let java = "Exception in thread \"main\" java.lang.NullPointerException";
        let outcome = ask(java);
        assert!(
            !outcome.confident(),
            "{:?}",
            outcome.hits.first().map(|h| &h.meta.id)
        );
        let python = "RuntimeError: dictionary changed size during iteration";
        let outcome = ask(python);
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "dict-internals");
    }

    /// A query that opens with a name no entry has asks about that name: the closest entry
    /// comes first, not for sure.
    #[test]
    fn a_query_led_by_a_name_the_guide_lacks_is_not_answered_for_sure() {
        let outcome = ask("tortoise orm prefetch related foreign key");
        assert!(!outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "django-select-related");
        let outcome = ask("django orm prefetch related foreign key");
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "django-select-related");
        let selenium = "selenium.common.exceptions.NoSuchElementException: Message: no such element: Unable to locate element";
        assert!(!ask(selenium).confident());
    }

    #[test]
    fn a_date_or_a_date_format_is_read_by_its_shape() {
        for (word, shape) in [
            ("2024-03-01", Some("isoformat")),
            ("2024-03-01T10:00:00Z", Some("isoformat")),
            ("20240301", Some("isoformat")),
            ("YYYY-MM-DD", Some("strftime")),
            ("dd/mm/yyyy", Some("strftime")),
            ("%Y-%m-%d", Some("strftime")),
            ("%d.%m.%Y %H:%M", Some("strftime")),
            ("12345678", None),
            ("2024", None),
            ("2024-03", None),
            ("yummy", None),
            ("100%", None),
            ("E501", None),
            // Any text: no panic where a byte is inside a character.
            ("日本語日本語", None),
            ("2024日本語-01-01", None),
            ("20日本語", None),
        ] {
            assert_eq!(date_shape(word), shape, "{word}");
        }
        // A format with slashes is not a path.
        let outcome = ask("how to format today's date as dd/mm/yyyy");
        assert!(outcome.confident());
        assert!(outcome.hits[0].meta.id.starts_with("datetime-"));
        let outcome = ask("how do I parse a date string like 2024-03-01T10:00:00Z");
        assert!(outcome.confident());
        assert!(outcome.hits[0].meta.id.starts_with("datetime-"));
    }

    #[test]
    fn a_list_or_dict_default_is_a_mutable_default() {
        for word in ["bucket=[]", "add(item,bucket=[])", "cache={}):"] {
            assert!(mutable_default(word), "{word}");
        }
        for word in ["x==[]", "=[]", "[]", "x=[1]", "d={'a':", "x=list(y)"] {
            assert!(!mutable_default(word), "{word}");
        }
    }

    /// A package no entry is about, anywhere in the query, is what it asks about; a name in
    /// a pasted error's message is the user's (`ffmpeg` in a command that timed out).
    #[test]
    fn a_query_about_a_package_the_guide_lacks_is_not_answered_for_sure() {
        for query in [
            "how to make a button in PyQt5",
            "How do I create a window with a button and a text box using wxPython?",
            "dask group by and aggregate multiple columns",
            "narwhals",
        ] {
            let outcome = ask_unsure(query);
            assert!(!outcome.hits.is_empty(), "{query}: the closest still come");
        }
        let outcome = ask("pandas group by and aggregate multiple columns");
        assert!(outcome.confident());
        let pasted = "subprocess.TimeoutExpired: Command 'ffmpeg -i in.mp4 out.avi' timed out after 30 seconds";
        let outcome = ask(pasted);
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "subprocess");
    }

    /// A typo is corrected when the corrected query answers. A correction to a rare word
    /// also needs that word in the answer: `conda` is one edit from `cond`, a name in some
    /// example, and without the unknown word the rest of the query found an entry that has
    /// no `cond` at all.
    #[test]
    fn a_correction_to_a_rare_word_answers_only_with_that_word() {
        let conda = "conda create environment from environment.yml";
        let outcome = ask(conda);
        assert!(
            !outcome.confident(),
            "{:?} {:?}",
            outcome.corrected,
            outcome.hits.first().map(|h| &h.meta.id)
        );
        for (typo, id) in [
            ("what is a frozenst for", "sets"),
            ("why is my dictionery ordered", "dict-internals"),
        ] {
            let outcome = ask(typo);
            assert!(outcome.corrected.is_some(), "{typo}");
            assert!(outcome.confident(), "{typo}");
            assert_eq!(outcome.hits[0].meta.id, id, "{typo}");
        }
    }

    #[test]
    fn only_a_neighbouring_key_or_a_vowel_is_a_slip_for_one_letter() {
        assert!(far_keys_swapped("prime", "price"));
        assert!(far_keys_swapped("walrus", "walkus"));
        // A neighbouring key, a vowel for a vowel, and other kinds of typo are slips.
        assert!(!far_keys_swapped("qyery", "query"));
        assert!(!far_keys_swapped("arithmatic", "arithmetic"));
        assert!(!far_keys_swapped("asyncoi", "asyncio"));
        assert!(!far_keys_swapped("funtion", "function"));
        // "What's the fastest way to check whether a large number is prime?" is no
        // question about prices.
        assert!(
            !ask("What's the fastest way to check whether a large number is prime?")
                .hits
                .first()
                .is_some_and(|h| h.confident)
        );
    }

    #[test]
    fn a_mistyped_filler_word_is_filler_and_a_name_the_guide_lacks_is_not() {
        for word in ["pyhton", "whithout", "effeciently", "becuase"] {
            assert!(is_misspelt_filler(word), "{word}");
        }
        for word in ["pygame", "tkinter", "conda", "rust", "teh"] {
            assert!(!is_misspelt_filler(word), "{word}");
        }
        assert!(ask("how to read a file line by line effeciently").confident());
    }

    /// Everyday English that one entry happens to use (`anymore`, `already`) is no topic:
    /// in "reduce ... not a builtin anymore" it was the rarest word.
    #[test]
    fn chatty_words_are_filler() {
        let units = units_of("how to use reduce in python 3, its not a builtin anymore");
        assert!(units.contains(&("anymore".to_string(), true)), "{units:?}");
        assert!(units.contains(&("reduce".to_string(), false)), "{units:?}");
        let units = units_of("django custom user model after project already started");
        assert!(units.contains(&("already".to_string(), true)), "{units:?}");
        let units = units_of("how does django figure out the user when making a request");
        assert!(units.contains(&("figure".to_string(), true)), "{units:?}");
        assert!(units.contains(&("making".to_string(), true)), "{units:?}");
        let units = units_of("how to calculate the median of a list");
        assert!(
            units.contains(&("calculate".to_string(), true)),
            "{units:?}"
        );
        let units = units_of("change the figure size");
        assert!(units.contains(&("figure".to_string(), false)), "{units:?}");
    }

    /// Two words typed as one are read apart only when the guide writes them side by side.
    #[test]
    fn two_words_typed_as_one_are_read_apart_when_the_guide_has_them_together() {
        let outcome = ask("how to create a virtualenvironment");
        assert_eq!(
            outcome.corrected.as_deref(),
            Some("how to create a virtual environment")
        );
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "venv-and-sys-path");
        let outcome = ask("tensorflow not detecting my gpu");
        assert!(!outcome.confident(), "{:?}", outcome.corrected);
    }

    /// A word that names the query's topic must be in the answer: `narwhals` is mentioned in
    /// passing by one entry, which does not make that entry
    /// (or others that match the rest of the words) an answer. A dotted name whose parts an
    /// entry lists as aliases is that entry's, even where other entries mention it too.
    #[test]
    fn a_topic_word_mentioned_in_passing_answers_nothing() {
        for query in [
            "how do I filter rows in narwhals",
            // `narwhals` is said once in plotly's body, which plots data frames: not its
            // topic, however much of the rest matches.
            "narwhals dataframe plot",
        ] {
            ask_unsure(query);
        }
        // The entry about it answers.
        assert_eq!(
            ask("how do I make a tkinter button").hits[0].meta.id,
            "tkinter"
        );
        let outcome = ask("shutil.rmtree");
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "filesystem");
        // `seems` is in one entry's body, but the rest of the question names its entry.
        let outcome = ask("sys.exit seems caught by except SystemExit");
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "exiting");
        // A long symptom whose entry holds most of it answers, though no field holds much.
        let outcome =
            ask("sqlite insert works with no error but the rows are gone when i reopen the db");
        assert!(outcome.confident());
        assert_eq!(outcome.hits[0].meta.id, "sqlite3");
        // Not when the query names a tool the guide lacks (`dask`), though pandas's entries
        // hold every other word. (This asked about `black` until the guide had an entry on it.)
        assert!(!ask("dask dataframe groupby").confident());
        // A short question without its rare word (`slack`, in one entry's body) is about that
        // word, however many of its others an entry holds.
        assert!(!ask("send a message to a slack channel from python").confident());
    }

    #[test]
    fn a_library_family_answers_only_when_the_query_names_it_or_its_words() {
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        assert_eq!(run.family("django-forms").as_deref(), Some("django"));
        assert_eq!(run.family("fastapi-async").as_deref(), Some("fastapi"));
        // Two ids start with `data`, but most entries have the word: not a library.
        assert_eq!(run.family("data-model"), None);
        assert_eq!(run.family("asyncio"), None);
        // A word later in another id is no family: `everyday-errors` and `pandas-everyday`.
        assert_eq!(run.family("everyday-errors"), None);
        // The standard library's entries are asked about without naming their module.
        let out = ask("how do I use a ThreadPoolExecutor");
        assert_eq!(out.hits[0].meta.id, "concurrent-futures");
        // A question about async code, not about a framework, is asked of asyncio (or of the
        // entry comparing it with threads and processes, which explains the blocking call).
        let out = ask("my async code runs one after another instead of concurrently");
        assert!(
            ["asyncio", "concurrency-choice"].contains(&out.hits[0].meta.id.as_str()),
            "{}",
            out.hits[0].meta.id
        );
        // An error another library raised is not answered for sure by Django's entry.
        let out = ask("sqlalchemy.exc.IntegrityError: UNIQUE constraint failed: users.email");
        assert!(
            out.hits
                .iter()
                .all(|h| !(h.confident && h.meta.id.starts_with("django-"))),
            "{:?}",
            out.hits.iter().map(|h| &h.meta.id).collect::<Vec<_>>()
        );
        // A word only the family's entries have keeps them first.
        let out = ask("signals not sent by bulk_create");
        assert_eq!(out.hits[0].meta.id, "django-signals");
    }

    #[test]
    fn an_operator_alone_is_read_as_the_words_for_it_but_not_inside_code() {
        for (query, id) in [
            ("difference between is and ==", "names-and-objects"),
            ("what does ** mean", "args-kwargs"),
            ("what is the -> in a function definition", "type-hints"),
            ("what does if __name__ == '__main__' do", "name-main"),
        ] {
            let out = ask(query);
            assert_eq!(out.hits[0].meta.id, id, "{query}");
        }
        let units = units_of("if __name__ == '__main__'");
        assert!(!units.iter().any(|(w, _)| w == "identity"), "{units:?}");
    }

    #[test]
    fn a_quoted_operator_or_words_in_parentheses_are_prose_not_code() {
        // Quoting `is` and `==` names them; it does not make the sentence a line of code.
        let units = units_of(r#"What is the difference between "is" and "=="?"#);
        assert!(units.iter().any(|(w, _)| w == "identity"), "{units:?}");
        // Words in parentheses are a remark, not a call: `**` and `*` are still operators.
        let units = units_of("what do ** (double star) and * (star) do for parameters?");
        assert!(units.iter().any(|(w, _)| w == "kwargs"), "{units:?}");
        assert!(units.iter().any(|(w, _)| w == "args"), "{units:?}");
        // A call is code: `f(x) == 2` compares values.
        let units = units_of("f(x) == 2");
        assert!(!units.iter().any(|(w, _)| w == "identity"), "{units:?}");
    }

    #[test]
    fn a_rare_word_in_one_question_of_an_entry_is_a_passing_mention() {
        // excel-openpyxl lists the pasted error "... Use pip or conda to install openpyxl.": that
        // does not make it the answer to a question about conda.
        let out = ask(r#"conda install stuck on "Solving environment" forever"#);
        assert!(!out.confident(), "{:?}", out.hits[0].meta.id);
        // The question itself still finds it.
        let out = ask("Missing optional dependency 'openpyxl'. Use pip or conda to install");
        assert_eq!(out.hits[0].meta.id, "excel-openpyxl");
        assert!(out.confident());
    }

    #[test]
    fn a_possessive_is_its_word_and_a_slash_joins_alternatives() {
        let units = units_of("how to determine a variable's type");
        assert!(units.iter().any(|(w, _)| w == "variable"), "{units:?}");
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        let units = run.units("star/asterisk");
        let forms: Vec<&Vec<String>> = units[0].forms.iter().map(|f| &f.words).collect();
        assert_eq!(
            forms,
            [&vec!["star".to_string()], &vec!["asterisk".to_string()]]
        );
        // A path is not a choice of words.
        assert!(alternatives("/usr/lib").is_empty() && alternatives("a/b").is_empty());
    }

    #[test]
    fn a_method_called_on_a_literal_is_looked_up_by_its_name() {
        assert_eq!(literal_method("'a.txt'.strip"), Some(("'a.txt'", "strip")));
        assert_eq!(literal_method("\", \".join"), Some(("\", \"", "join")));
        assert_eq!(literal_method("os.path.join"), None);
        let units = units_of("'test.txt'.strip('.txt') returns 'es'");
        assert!(units.contains(&("strip".to_string(), false)), "{units:?}");
    }

    #[test]
    fn two_words_that_are_an_alias_together_count_together() {
        // `for` is filler alone; "async for" is an alias of async-iterators.
        let units = units_of("async for loop");
        assert!(
            units.contains(&("async for".to_string(), false)),
            "{units:?}"
        );
        assert_eq!(ask("async for loop").hits[0].meta.id, "async-iterators");
    }

    /// The units a query is read as, on the built-in guide: (as typed, left out).
    #[test]
    fn an_operator_an_entry_names_is_no_unknown_word() {
        // `/` has no words, but the positional-only marker is an alias: it weighs as the
        // rare word it is, not as a word the guide lacks (which would make it the topic of
        // "python / venv" and every other hit unconfident).
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        let units = run.units("the wrong python / venv");
        let slash = units
            .iter()
            .find(|u| u.typed == "/")
            .expect("`/` is a unit");
        assert!(slash.named.is_some());
        assert_eq!(run.unit_df(slash), 1);
        let unknown = (1.0 + run.entries / 0.5).ln() * UNKNOWN;
        assert!(
            slash.rarity > 0.0 && slash.rarity < unknown,
            "{}",
            slash.rarity
        );
    }

    fn units_of(query: &str) -> Vec<(String, bool)> {
        let index = crate::builtin::index().unwrap();
        let mut run = Run::new(&index);
        run.units(query)
            .into_iter()
            .map(|u| (u.typed, u.stop))
            .collect()
    }

    /// "query set" is `QuerySet`, but "request with" is not the helper one example defines
    /// (`request_with`): two words run together are one only when the guide names it.
    #[test]
    fn two_words_are_one_only_when_the_guide_names_the_compound() {
        let typed: Vec<String> = units_of("make a POST request with headers")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert!(typed.contains(&"request".to_string()), "{typed:?}");
        assert!(!typed.iter().any(|t| t == "request with"), "{typed:?}");
        let typed: Vec<String> = units_of("filter a query set")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert!(typed.contains(&"query set".to_string()), "{typed:?}");
        assert_eq!(
            ask("How to make a POST request with the requests library").hits[0]
                .meta
                .id,
            "requests-usage"
        );
    }

    /// "the requests library", "the pandas package": the word after the name is filler; a
    /// shared library is the topic.
    #[test]
    fn the_kind_of_thing_a_name_is_is_filler_after_it() {
        let units = units_of("post json with the requests library");
        assert!(units.contains(&("library".to_string(), true)), "{units:?}");
        let units = units_of("merge two frames with the pandas package");
        assert!(units.contains(&("package".to_string(), true)), "{units:?}");
        let units = units_of("load a shared library");
        assert!(units.contains(&("library".to_string(), false)), "{units:?}");
    }

    /// A tool around Python the guide has no entry on (conda, an IDE's notebook) or another
    /// language is the question's topic: an entry that mentions it once does not answer.
    #[test]
    fn a_tool_or_language_the_guide_does_not_cover_is_not_answered_for_sure() {
        for q in [
            "conda environment not activating in VS Code",
            "How to parse command line arguments in Rust",
            "How do I export a Jupyter notebook to PDF?",
            "How do I send a photo with python-telegram-bot?",
            "what is the best python ide",
            "how to use python with excel vba macros",
        ] {
            ask_unsure(q);
        }
        assert!(ask("what is pydantic-core and why is it written in Rust").confident());
        // An entry that names the tool in one question answers questions close to it only.
        assert!(!ask("jupyter notebook kernel keeps dying").confident());
        let outcome = ask("tqdm in jupyter notebook");
        assert_eq!(outcome.hits[0].meta.id, "tqdm");
        assert!(outcome.confident());
        assert!(!ask("how do I write a chrome extension").confident());
    }

    /// The user's own things in a pasted error are not its topic: the shell that printed it,
    /// a file an example of the guide happens to use too, and the numbers an operator
    /// compares; a quoted name that ends the sentence is read without its quotes.
    #[test]
    fn the_shell_a_quoted_name_a_file_and_compared_numbers_in_an_error_are_the_users() {
        assert_eq!(
            clean_query("zsh: command not found: pip"),
            "command not found: pip"
        );
        let units = units_of("RuntimeError: There is no current event loop in thread 'Thread-1'.");
        assert!(units.iter().any(|(u, _)| u == "Thread-1"), "{units:?}");
        let units = units_of("django.template.exceptions.TemplateDoesNotExist: home.html");
        assert!(
            units.contains(&("home.html".to_string(), true)),
            "{units:?}"
        );
        let units = units_of("AssertionError: assert 1 == 2");
        assert!(
            !units
                .iter()
                .any(|(u, _)| u == "equality" || u == "identity"),
            "{units:?}"
        );
        let units = units_of("is vs ==");
        assert!(units.iter().any(|(u, _)| u == "equality"), "{units:?}");
        let units = units_of("what's the difference between is and ==");
        assert!(units.iter().any(|(u, _)| u == "equality"), "{units:?}");
        let units = units_of("why is nan == nan false");
        assert!(units.iter().any(|(u, _)| u == "equality"), "{units:?}");
    }

    /// "dictionary" in a question is `dict` in the entry that lists "how to sort a dict by
    /// value", and still as rare as "dictionary" is.
    #[test]
    fn a_word_and_pythons_short_name_for_it_ask_the_same_question() {
        for q in [
            "how to sort a dictionary by value",
            "sort list of dicts by key",
        ] {
            assert_eq!(ask(q).hits[0].meta.id, "lists-and-sorting", "{q}");
        }
        assert_eq!(short_name("dictionary"), Some("dict"));
        assert_eq!(short_name("str"), Some("string"));
        assert_eq!(short_name("list"), None);
    }

    #[test]
    fn stop_stems_are_the_stop_words_stemmed() {
        let mut stems = guide::text::Stems::default();
        let mut stemmed: Vec<String> = STOP_WORDS
            .iter()
            .flat_map(|w| guide::index::analyze(w, &mut stems))
            .map(|(w, _)| w)
            .collect();
        stemmed.sort();
        stemmed.dedup();
        assert_eq!(stemmed, STOP_STEMS);
    }

    #[test]
    fn a_library_name_with_digits_is_a_topic_and_an_address_or_hash_is_data() {
        // `PyQt5` is what the question is about: the guide lacks it, so nothing answers.
        for query in ["PyQt5 signal slot", "PySide6 window"] {
            let units = units_of(query);
            assert!(!units[0].1, "{query}: {units:?}");
            assert!(!ask(query).confident(), "{query}");
        }
        for query in [
            "0x7f3a9c object",
            "e3b0c442 object",
            "abc123def456 object",
            "10MB upload",
            "5s timeout",
        ] {
            let units = units_of(query);
            assert!(units[0].1, "{query}: {units:?}");
        }
    }

    #[test]
    fn a_hyphenated_word_also_matches_the_word_written_without_it() {
        let outcome = ask("compute the SHA-256 of a huge file without loading it into memory");
        assert_eq!(outcome.hits[0].meta.id, "hashlib");
    }

    #[test]
    fn a_name_with_underscores_is_the_users_when_called_or_in_an_error() {
        // Asked about bare, an API the guide lacks is the topic: nothing answers for sure.
        let units = units_of("sqlalchemy hybrid_property in filter");
        assert!(
            units.contains(&("hybrid_property".to_string(), false)),
            "{units:?}"
        );
        assert!(!ask("sqlalchemy hybrid_property in filter").confident());
        // Called, quoted or in an error message, it is the user's own and left out.
        for query in [
            "why does load_rows() return None",
            "KeyError when reading customer_ref from the session",
            "NameError: name 'my_list' is not defined",
        ] {
            let units = units_of(query);
            let name = units.iter().find(|(typed, _)| typed.contains('_'));
            assert!(
                name.is_some_and(|(_, left_out)| *left_out),
                "{query}: {units:?}"
            );
        }
    }

    #[test]
    fn a_dotted_name_the_guide_lacks_is_read_by_its_parts_unless_it_is_data() {
        let units = units_of("ForeignKey.__init__() missing");
        assert!(
            units.contains(&("ForeignKey".to_string(), false)),
            "{units:?}"
        );
        // A library name with digits is a part like any other; a call is its name and its
        // arguments.
        let units = units_of("h5py.error: HDF5(1.14.0) failed");
        for word in ["h5py", "HDF5"] {
            assert!(units.contains(&(word.to_string(), false)), "{units:?}");
        }
        // So is an exception's dotted name that starts with a library the guide has.
        let units = units_of("sqlalchemy.exc.SomeNewError: x");
        assert!(
            units.contains(&("SomeNewError".to_string(), false)),
            "{units:?}"
        );
        assert!(units[0].0.starts_with("sqlalchemy "), "{units:?}");
        // A quoted value, a file name and a name with digits stay whole, and left out.
        for query in [
            "'tasks.send_email' x",
            "invoices.py x",
            "shop.0007_orders x",
        ] {
            let units = units_of(query);
            assert_eq!(units.len(), 2, "{query}: {units:?}");
            assert!(units[0].1, "{query}: {units:?}");
        }
    }

    #[test]
    fn an_operator_the_guide_lists_as_an_alias_is_a_word_of_the_query() {
        assert!(units_of("what does := do").contains(&(":=".to_string(), false)));
        assert!(units_of("a // b").contains(&("//".to_string(), false)));
        // Still a path when it has letters between the slashes.
        assert_eq!(clean_query("open /usr/lib/x.py // 2"), "open // 2");
        // The address in a Django error page's title is the user's, not an operator.
        assert_eq!(clean_query("NoReverseMatch at /"), "NoReverseMatch at");
        assert_eq!(clean_query("Page not found at /admin"), "Page not found at");
        assert_eq!(
            clean_query("what does / mean in def f(a, /)"),
            "what does / mean in def f(a, /)"
        );
        for (query, id) in [
            ("what does := do", "expressions"),
            ("what does // do", "numbers"),
        ] {
            let top = ask(query);
            assert_eq!(top.hits[0].meta.id, id, "{query}");
            assert!(top.confident(), "{query}");
        }
    }
}

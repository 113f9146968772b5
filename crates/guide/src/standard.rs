//! The built-in guide's standard, beyond what any entry must meet: what `check` holds the
//! built-in guide to, and a user's entries with `check --strict`.
//!
//! - a short answer first: a `## In short` section of 3 to 8 lines of prose (at 80 columns)
//!   and exactly one example that runs;
//! - 8 to 20 `questions`, a `verified` list and `related` entries;
//! - 600 to 1,500 words, at least three runnable examples, a Pitfalls section;
//! - every example checks what it shows: a python block asserts or raises, a pycon block
//!   shows output for doctest to compare.

use std::collections::HashMap;

use crate::entry::{Entry, Problem};
use crate::examples::{self, Lang};
use crate::markdown;

/// The title of the section that holds an entry's short answer.
pub const SHORT_ANSWER: &str = "In short";

/// Lines of prose a short answer may fill at 80 columns.
pub const SHORT_LINES: std::ops::RangeInclusive<usize> = 3..=8;

pub fn problems(entry: &Entry) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut say =
        |line: usize, message: String| out.push(Problem::new(&entry.origin, line, message));
    let n = entry.questions.len();
    if !(8..=20).contains(&n) {
        say(
            entry.line_of("questions"),
            format!(
                "`questions` holds {n}; the guide's entries list 8 to 20, asked as a developer would ask them"
            ),
        );
    }
    if entry.meta.verified.is_empty() {
        say(
            entry.line_of("verified"),
            "no `verified` list: name the Python versions whose `check --exec` it passes, like verified: [\"3.12\", \"3.13\"]".into(),
        );
    }
    if entry.meta.related.is_empty() {
        say(entry.line_of("related"), "no `related` entries".into());
    }
    let words = entry.body.split_whitespace().count();
    if !(600..=1500).contains(&words) {
        say(
            entry.body_line,
            format!("the body has {words} words; the guide's entries have 600 to 1,500"),
        );
    }
    let (examples, _) = examples::examples(entry);
    let runnable = examples.iter().filter(|e| e.skip.is_none()).count();
    if runnable < 3 {
        say(
            entry.body_line,
            format!("{runnable} runnable examples; the guide's entries have at least 3"),
        );
    }
    let sections = markdown::sections(&entry.body);
    if !sections
        .iter()
        .any(|s| s.level == 2 && s.title.to_lowercase().contains("pitfall"))
    {
        say(entry.body_line, "no `## Pitfalls` section".into());
    }
    match short_answer(&entry.body) {
        Some(section) => {
            let start = entry.body_line + section.line;
            let end = entry.body_line + entry.body[..section.range.end].lines().count();
            let inside: Vec<_> = examples
                .iter()
                .filter(|e| (start..end).contains(&e.fence_line))
                .collect();
            if inside.len() != 1 || inside[0].skip.is_some() {
                say(
                    start,
                    format!(
                        "`## {SHORT_ANSWER}` has {} runnable examples; it has exactly one minimal example",
                        inside.iter().filter(|e| e.skip.is_none()).count()
                    ),
                );
            }
            let lines = prose_lines(&entry.body[section.range.clone()], 80);
            if !SHORT_LINES.contains(&lines) {
                say(
                    start,
                    format!(
                        "`## {SHORT_ANSWER}` has {lines} lines of prose at 80 columns; write 3 to 8"
                    ),
                );
            }
        }
        None => say(
            entry.body_line,
            format!(
                "the body does not open with `## {SHORT_ANSWER}`: 3 to 8 lines that answer the entry's question, and one minimal example"
            ),
        ),
    }
    for ex in examples.iter().filter(|e| e.skip.is_none()) {
        let lines = || ex.code.lines().map(str::trim_start);
        match ex.lang {
            Lang::Python
                if !lines().any(|l| l.starts_with("assert ") || l.starts_with("raise ")) =>
            {
                say(
                    ex.fence_line,
                    "this python example checks nothing: assert what it shows".into(),
                )
            }
            Lang::Pycon
                if !lines()
                    .any(|l| !l.is_empty() && !l.starts_with(">>>") && !l.starts_with("...")) =>
            {
                say(
                    ex.fence_line,
                    "this pycon example shows no output, so doctest checks nothing".into(),
                )
            }
            _ => {}
        }
    }
    out
}

/// The `## In short` section, when the body opens with it.
pub fn short_answer(body: &str) -> Option<markdown::Section> {
    markdown::sections(body)
        .into_iter()
        .next()
        .filter(|s| s.level == 2 && s.title.eq_ignore_ascii_case(SHORT_ANSWER))
}

/// How many lines the prose of some Markdown fills at `width` columns: each paragraph and
/// list item wrapped on its own; code blocks and headings left out.
fn prose_lines(md: &str, width: usize) -> usize {
    fn lines(text: &str, width: usize) -> usize {
        let mut n = 0;
        let mut col = 0;
        for word in text.split_whitespace() {
            let w = word.chars().count();
            if col == 0 || col + 1 + w > width {
                n += 1;
                col = w;
            } else {
                col += 1 + w;
            }
        }
        n
    }
    fn count(nodes: &[markdown::Node], width: usize) -> usize {
        nodes
            .iter()
            .map(|node| match node {
                markdown::Node::Paragraph(inlines) => lines(&markdown::inline_text(inlines), width),
                markdown::Node::List { items, .. } => items
                    .iter()
                    .map(|item| count(item, width.saturating_sub(2)))
                    .sum(),
                markdown::Node::Quote(inner) => count(inner, width.saturating_sub(2)),
                _ => 0,
            })
            .sum()
    }
    count(&markdown::document(md), width)
}

/// Questions that two entries both list: each is asked of one entry, or the two tie in search
/// and the wrong one can come first. Compared by their words, ignoring case and punctuation;
/// the later entry is told which one asks it already.
pub fn shared_questions(entries: &[Entry]) -> Vec<Problem> {
    let mut asked: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::new();
    for entry in entries {
        for q in &entry.questions {
            let words: Vec<String> = q
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            let first = *asked.entry(words.join(" ")).or_insert(entry.id());
            if first != entry.id() {
                out.push(entry.problem(
                    "questions",
                    format!("the question {q:?} is asked by `{first}` too: keep it in the entry that answers it best"),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Origin;

    #[test]
    fn a_short_answer_is_found_and_measured() {
        let body = "## In short\n\nA first sentence that runs on for a while to fill some of a line here. And another one that fills more of it, and then more again to spill.\nA third.\n\n```python\nassert True\n```\n\n## Next\n";
        let s = short_answer(body).unwrap();
        assert_eq!(s.anchor, "in-short");
        assert_eq!(
            prose_lines(&body[s.range], 80),
            2,
            "one paragraph of 150 columns"
        );
        assert!(short_answer("## Other\n## In short\n").is_none());
    }

    #[test]
    fn a_question_two_entries_ask_is_reported_once_at_the_second() {
        let entry = |id: &str, questions: &str| {
            let text = format!(
                "---\nid: {id}\ntitle: t\nsummary: s\ncategory: c\nquestions: {questions}\n---\nbody\n"
            );
            Entry::parse(Origin::User(format!("{id}.md").into()), &text).unwrap()
        };
        let entries = [
            entry(
                "a",
                r#"["TypeError: unhashable type: 'list'", "how do dicts work"]"#,
            ),
            entry(
                "b",
                r#"["typeerror unhashable type list", "how do sets work"]"#,
            ),
            entry("c", r#"["how do lists work"]"#),
        ];
        let found = shared_questions(&entries);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].to_string().starts_with("b.md:"), "{}", found[0]);
        assert!(
            found[0].message.contains("asked by `a` too"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn an_entry_below_the_standard_gets_every_problem() {
        let text = "---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n## Body\n\n```python\nprint(1)\n```\n\n```pycon\n>>> x = 1\n```\n";
        let e = Entry::parse(Origin::User("x.md".into()), text).unwrap();
        let messages: Vec<String> = problems(&e).into_iter().map(|p| p.message).collect();
        for want in [
            "`questions` holds 0",
            "no `verified` list",
            "no `related` entries",
            "words",
            "2 runnable examples",
            "no `## Pitfalls` section",
            "does not open with `## In short`",
            "checks nothing",
            "shows no output",
        ] {
            assert!(
                messages.iter().any(|m| m.contains(want)),
                "{want}: {messages:?}"
            );
        }
    }
}

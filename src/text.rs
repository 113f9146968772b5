//! How pyguide reads words: the code-aware word splitter behind both the index and the query,
//! and the Markdown-to-plain-text step behind snippets.
//!
//! Python text mixes prose with identifiers, so one identifier yields several words at once:
//! `HTTPAdapter` gives `http`, `adapter` (its parts, at consecutive positions, so the phrase
//! "http adapter" matches), `httpadapter` (the compound, so "HTTPAdapter" and "httpadapter"
//! match), and for names with `_` or `.`, the exact form (`post_save`, `__enter__`,
//! `functools.wraps`), which rewards a query that names the identifier exactly.
//! Nothing here knows about tantivy; `index.rs` adapts it and adds stemming.

/// Longest word kept, in bytes. Longer runs are noise (hashes, base64) and would bloat the
/// term dictionary; a pasted 10,000-character query word is dropped the same way.
pub const MAX_WORD_LEN: usize = 40;

/// One word produced by [`split_words`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lowercased text.
    pub text: String,
    /// Byte range in the input.
    pub from: usize,
    pub to: usize,
    /// Position for phrase matching; alternative forms share their first part's position.
    pub position: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Calls `sink` for every word of `text`, in order.
pub fn split_words(text: &str, mut sink: impl FnMut(Word)) {
    let mut position = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        if !is_ident_char(c) {
            continue;
        }
        // A run is identifier characters, joined by single dots between identifier characters.
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = iter.peek() {
            if is_ident_char(c) {
                end = i + c.len_utf8();
                iter.next();
            } else if c == '.' && text[i + 1..].chars().next().is_some_and(is_ident_char) {
                iter.next();
            } else {
                break;
            }
        }
        emit_run(text, start, end, &mut position, &mut sink);
    }
}

/// Emits the parts of one run, then its compound and exact forms where they add something.
fn emit_run(
    text: &str,
    start: usize,
    end: usize,
    position: &mut usize,
    sink: &mut impl FnMut(Word),
) {
    let run = &text[start..end];
    let parts = run_parts(run);
    if parts.is_empty() {
        return;
    }
    let first = *position;
    for &(from, to) in &parts {
        let word = run[from..to].to_lowercase();
        if word.len() <= MAX_WORD_LEN {
            sink(Word {
                text: word,
                from: start + from,
                to: start + to,
                position: *position,
            });
        }
        *position += 1;
    }
    let compound: String = run
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let exact = run.to_lowercase();
    let single_part = parts.len() == 1 && run[parts[0].0..parts[0].1].len() == run.len();
    if single_part {
        return;
    }
    let exact = (exact != compound).then_some(exact);
    for form in std::iter::once(compound).chain(exact) {
        let is_part = parts.len() == 1 && run[parts[0].0..parts[0].1].eq_ignore_ascii_case(&form);
        if form.len() <= MAX_WORD_LEN && !form.is_empty() && !is_part {
            sink(Word {
                text: form,
                from: start,
                to: end,
                position: first,
            });
        }
    }
}

/// Byte ranges of the parts of an identifier run: split at `_` and `.`, and at case changes
/// (`QuerySet` -> Query|Set, `HTTPAdapter` -> HTTP|Adapter). Digits stay with what precedes
/// them (`urllib3`, `utf8`).
fn run_parts(run: &str) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut part_start: Option<usize> = None;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c == '_' || c == '.' {
            if let Some(s) = part_start.take() {
                parts.push((s, i));
            }
            continue;
        }
        if let Some(s) = part_start {
            let prev = chars[k - 1].1;
            let next = chars.get(k + 1).map(|&(_, c)| c);
            let lower_to_upper = prev.is_lowercase() && c.is_uppercase();
            let acronym_end =
                prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase);
            if lower_to_upper || acronym_end {
                parts.push((s, i));
                part_start = Some(i);
            }
        } else {
            part_start = Some(i);
        }
    }
    if let Some(s) = part_start {
        parts.push((s, run.len()));
    }
    parts
}

/// The key used to find an entry by a loosely typed name: lowercase, without spaces, hyphens
/// and underscores ("Context Managers", "context_managers" -> "contextmanagers").
pub fn loose_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Markdown body -> one line of plain prose for search and snippets: fences, heading marks,
/// backticks, emphasis markers and link targets go; whitespace collapses to single spaces.
pub fn plain_text(markdown: &str) -> String {
    flatten(markdown, true)
}

/// Like [`plain_text`] without the fenced code: the prose a snippet should prefer.
pub fn prose_text(markdown: &str) -> String {
    flatten(markdown, false)
}

fn flatten(markdown: &str, with_code: bool) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_code = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_code = !in_code;
            continue;
        }
        if in_code && !with_code {
            continue;
        }
        let line = trimmed.trim_start_matches('#').trim_start_matches("> ");
        let mut rest = line;
        while !rest.is_empty() {
            // [label](target) keeps only the label.
            if let Some(open) = rest.find("](")
                && let Some(close) = rest[open..].find(')')
            {
                push_clean(&mut out, &rest[..open]);
                rest = &rest[open + close + 1..];
                continue;
            }
            push_clean(&mut out, rest);
            break;
        }
        out.push(' ');
    }
    let mut collapsed = String::with_capacity(out.len());
    for word in out.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

fn push_clean(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '`' | '[' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        split_words(s, |w| out.push(w.text));
        out
    }

    fn positions(s: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        split_words(s, |w| out.push((w.text, w.position)));
        out
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
    fn loose_key_ignores_case_spaces_hyphens_underscores() {
        assert_eq!(loose_key("Context Managers"), "contextmanagers");
        assert_eq!(loose_key("context_managers"), "contextmanagers");
        assert_eq!(loose_key("context-managers"), "contextmanagers");
    }

    #[test]
    fn plain_text_drops_markup() {
        let md = "## Heading\n\nUse `yield` and [the docs](http://x).\n\n```python\nx = 1\n```\n";
        assert_eq!(plain_text(md), "Heading Use yield and the docs. x = 1");
        assert_eq!(prose_text(md), "Heading Use yield and the docs.");
    }
}

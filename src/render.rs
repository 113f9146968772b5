//! Entries, hits and lists -> `String`, at a given width and style. Pure: nothing here looks at
//! the terminal or writes anywhere (term.rs does), so every output is unit-testable.
//! The only user of termimad.
//!
//! Piped output (no colour) is line-oriented: `search` and `list` print one tab-separated
//! record a line, for grep and cut; `show` prints the entry as plain wrapped text.

use std::fmt::Write as _;

use serde::Serialize;
use termimad::crossterm::style::{Attribute, Color};
use termimad::{Alignment, MadSkin};

use crate::cli::Theme;
use crate::highlight::{self, Run, Segment};
use crate::index::Stored;
use crate::kb::Entry;
use crate::search::Hit;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
    /// Writing to a pipe or file (and colour not forced): entries as their Markdown source,
    /// results and lists as tab-separated lines.
    pub piped: bool,
    /// Colours for a dark or a light background.
    pub theme: Theme,
    /// The terminal takes 24-bit colour (COLORTERM), not only the 256-colour palette.
    pub truecolor: bool,
}

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The escape sequences for bold, dim and reset, or nothing without colour.
fn sgr(style: Style) -> (&'static str, &'static str, &'static str) {
    if style.color {
        (BOLD, DIM, RESET)
    } else {
        ("", "", "")
    }
}

/// Replaces control characters (escape sequences above all) so an entry's text cannot drive
/// the terminal. Newlines and tabs stay.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// One line: control characters and newlines become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn skin(style: Style) -> MadSkin {
    if !style.color {
        let mut skin = MadSkin::no_style();
        skin.limit_to_ascii();
        skin.bullet.set_char('-');
        // Without colour, indentation is what sets code apart from prose.
        skin.code_block.left_margin = 4;
        return skin;
    }
    let mut skin = MadSkin::default();
    for h in &mut skin.headers {
        h.align = Alignment::Left;
    }
    // The dark theme's bright colours wash out on a light background: darker ones there.
    let (heading, subheading, bold, code) = match style.theme {
        Theme::Dark => (Color::Yellow, Color::Cyan, Color::Yellow, Color::Green),
        Theme::Light => (
            Color::DarkBlue,
            Color::DarkCyan,
            Color::DarkMagenta,
            Color::DarkGreen,
        ),
    };
    skin.headers[0].set_fg(heading);
    for h in &mut skin.headers[1..] {
        h.set_fg(subheading);
    }
    skin.bold.set_fg(bold);
    skin.italic.add_attr(Attribute::Italic);
    skin.inline_code.set_fg(code);
    skin.inline_code.set_bg(Color::Reset);
    skin.code_block.set_fg(code);
    skin.code_block.set_bg(Color::Reset);
    skin.code_block.left_margin = 2;
    skin
}

/// `[label](target)` -> `label (see target)` for entry ids, `label <target>` for URLs, since
/// a terminal cannot follow the link.
fn rewrite_links(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find("](") else { break };
        let label = &after[..close];
        let target_start = &after[close + 2..];
        let Some(end) = target_start.find(')') else {
            break;
        };
        let target = &target_start[..end];
        if label.contains('\n') || target.contains(char::is_whitespace) {
            out.push_str(&rest[..open + 1]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..open]);
        out.push_str(label);
        if crate::kb::is_slug(target) {
            if !label.trim_matches('`').eq_ignore_ascii_case(target) {
                let _ = write!(out, " (see {target})");
            }
        } else {
            let _ = write!(out, " <{target}>");
        }
        rest = &target_start[end + 1..];
    }
    out.push_str(rest);
    out
}

fn is_list_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    ["- ", "* ", "+ "].iter().any(|m| line.starts_with(m))
        || (digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
}

/// Joins the soft-wrapped lines of each paragraph and list item into one line: termimad shows
/// every source line as a line of its own, and wraps long lines itself at the width.
fn reflow(md: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<String> = None;
    let mut joinable = false;
    for line in md.lines() {
        let t = line.trim_start();
        if let Some(f) = &fence {
            if t.starts_with(f.as_str()) {
                fence = None;
            }
            out.push(line.to_string());
            continue;
        }
        let fence_len = t.chars().take_while(|&c| c == '`' || c == '~').count();
        if fence_len >= 3 {
            fence = Some(t[..fence_len].to_string());
            out.push(line.to_string());
            joinable = false;
            continue;
        }
        if t.is_empty() {
            out.push(String::new());
            joinable = false;
            continue;
        }
        let block =
            t.starts_with('#') || t.starts_with('|') || t.starts_with('>') || t.starts_with("---");
        match out.last_mut() {
            Some(last) if joinable && !block && !is_list_item(t) => {
                last.push(' ');
                last.push_str(t.trim_end());
            }
            _ => {
                out.push(line.trim_end().to_string());
                joinable = !block;
            }
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// The full text of `pyguide show`: title, summary, category, body, and related entries.
/// Prose goes through termimad; fenced code is coloured by syntax when colour is on.
/// `colors` gives a code block's colour runs (by language and text), when it has them.
pub fn entry(
    entry: &Entry,
    related: &[Stored],
    style: Style,
    colors: &mut dyn FnMut(&str, &str) -> Option<Vec<Run>>,
) -> String {
    if style.piped {
        return entry_markdown(entry, related);
    }
    let mut head = String::new();
    let _ = writeln!(head, "# {}\n", one_line(&entry.title));
    let _ = writeln!(head, "*{}*\n", one_line(&entry.summary));
    let mut about = format!("{} · {}", entry.category, entry.id);
    if !entry.origin.is_builtin() {
        let _ = write!(about, " · {}", entry.origin);
    }
    let _ = writeln!(head, "{}\n", one_line(&about));
    let mut tail = String::new();
    if !related.is_empty() {
        tail.push_str("\n## See also\n\n");
        for r in related {
            let _ = writeln!(tail, "* **{}** — {}", one_line(&r.id), one_line(&r.summary));
        }
    }

    let width = style.width.min(100);
    let skin = skin(style);
    let mut out = String::with_capacity(entry.body.len() * 2);
    let prose = |md: &str, out: &mut String| {
        let md = reflow(&rewrite_links(&sanitize(md)));
        // termimad pads lines to the width; trailing blanks only get in the way.
        for line in skin.text(&md, Some(width)).to_string().lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    };
    prose(&head, &mut out);
    for segment in highlight::segments(&entry.body) {
        match segment {
            Segment::Prose(md) => prose(md, &mut out),
            Segment::Code { lang, code } => {
                let code = sanitize(code);
                let runs = if style.color {
                    colors(lang, &code)
                } else {
                    None
                };
                match runs {
                    Some(runs) => {
                        out.push_str(&highlight::paint(
                            &code,
                            &runs,
                            "  ",
                            width,
                            style.truecolor,
                        ));
                    }
                    None => {
                        let fence = if code.contains("```") { "~~~~" } else { "```" };
                        prose(&format!("{fence}\n{code}\n{fence}\n"), &mut out);
                    }
                }
            }
        }
    }
    if !tail.is_empty() {
        prose(&tail, &mut out);
    }
    out
}

/// The entry as Markdown, for a pipe or a file: the guide's own text, unwrapped, after a
/// title, summary and category header, with related entries at the end.
fn entry_markdown(entry: &Entry, related: &[Stored]) -> String {
    let mut out = String::with_capacity(entry.body.len() + 512);
    let _ = writeln!(out, "# {}\n", one_line(&entry.title));
    let _ = writeln!(out, "{}\n", one_line(&entry.summary));
    let _ = write!(
        out,
        "{} · {}",
        one_line(&entry.category),
        one_line(&entry.id)
    );
    if !entry.origin.is_builtin() {
        let _ = write!(out, " · {}", one_line(&entry.origin.to_string()));
    }
    out.push_str("\n\n");
    out.push_str(sanitize(&entry.body).trim_end());
    out.push('\n');
    if !related.is_empty() {
        out.push_str("\n## See also\n\n");
        for r in related {
            let _ = writeln!(out, "- {} — {}", one_line(&r.id), one_line(&r.summary));
        }
    }
    out
}

/// Search results. Terminal: numbered blocks with a bold snippet. Piped: one tab-separated
/// line a hit: id, category, title, summary, snippet.
pub fn hits(hits: &[Hit], style: Style) -> String {
    let mut out = String::new();
    if style.piped {
        for h in hits {
            let e = &h.entry;
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                e.id,
                e.category,
                tsv(&e.title),
                tsv(&e.summary),
                tsv(&h.snippet.text)
            );
        }
        return out;
    }
    let (b, d, r) = sgr(style);
    let id_width = hits
        .iter()
        .map(|h| h.entry.id.chars().count())
        .max()
        .unwrap_or(0);
    for (rank, h) in hits.iter().enumerate() {
        let e = &h.entry;
        // The title gets what the rank, id and category leave of the width.
        let category = one_line(&e.category);
        let room = style
            .width
            .saturating_sub(4 + id_width + 2 + 2 + category.chars().count() + 2);
        let _ = writeln!(
            out,
            "{b}{:>2}. {:<id_width$}{r}  {}  {d}[{category}]{r}",
            rank + 1,
            e.id,
            truncate(&one_line(&e.title), room.max(8)),
        );
        let indent = " ".repeat(4);
        let _ = writeln!(
            out,
            "{indent}{}",
            truncate(&one_line(&e.summary), style.width.saturating_sub(4))
        );
        for line in wrap(&h.snippet.text, style.width.saturating_sub(4).max(16)) {
            let ranges: Vec<std::ops::Range<usize>> = h
                .snippet
                .highlights
                .iter()
                .filter(|r| r.start >= line.start && r.end <= line.end)
                .map(|r| (r.start - line.start)..(r.end - line.start))
                .collect();
            let text = &h.snippet.text[line];
            let _ = writeln!(out, "{indent}{d}{}{r}", highlighted(text, &ranges, style));
        }
        out.push('\n');
    }
    let count = hits.len();
    let _ = writeln!(
        out,
        "{d}{count} result{}{r}",
        if count == 1 { "" } else { "s" }
    );
    out
}

/// Only the ids, one a line, in rank order: for fzf, xargs and scripts.
pub fn ids(hits: &[Hit]) -> String {
    let mut out = String::new();
    for h in hits {
        out.push_str(&h.entry.id);
        out.push('\n');
    }
    out
}

/// Byte ranges of `text` split at spaces into lines of at most `width` characters (a longer
/// word gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<std::ops::Range<usize>> {
    let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
    let mut line_chars = 0;
    let mut offset = 0;
    for word in text.split(' ') {
        let range = offset..offset + word.len();
        offset = range.end + 1;
        let chars = word.chars().count();
        match lines.last_mut() {
            Some(line) if line_chars + 1 + chars <= width => {
                line.end = range.end;
                line_chars += 1 + chars;
            }
            _ if word.is_empty() => {}
            _ => {
                lines.push(range);
                line_chars = chars;
            }
        }
    }
    lines
}

fn tsv(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\t' || c.is_control() { ' ' } else { c })
        .collect()
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width || width < 2 {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width - 1).collect();
    t.push('…');
    t
}

/// The snippet with its matched words in bold (within the dim snippet line).
fn highlighted(text: &str, ranges: &[std::ops::Range<usize>], style: Style) -> String {
    let (bold, dim, reset) = sgr(style);
    let mut out = String::new();
    let mut at = 0;
    for range in ranges {
        if range.start < at
            || range.end > text.len()
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            continue;
        }
        out.push_str(&one_line(&text[at..range.start]));
        let word = one_line(&text[range.clone()]);
        let _ = write!(out, "{reset}{bold}{word}{reset}{dim}");
        at = range.end;
    }
    out.push_str(&one_line(&text[at..]));
    out
}

#[derive(Serialize)]
struct JsonHit<'a> {
    rank: usize,
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    category: &'a str,
    score: f32,
    path: String,
    snippet: &'a str,
    /// Byte ranges [start, end) of the matched words in `snippet`.
    highlights: Vec<[usize; 2]>,
}

pub fn hits_json(hits: &[Hit]) -> String {
    let rows: Vec<JsonHit> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| JsonHit {
            rank: i + 1,
            id: &h.entry.id,
            title: &h.entry.title,
            summary: &h.entry.summary,
            category: &h.entry.category,
            score: h.score,
            path: h.entry.origin.to_string(),
            snippet: &h.snippet.text,
            highlights: h
                .snippet
                .highlights
                .iter()
                .map(|r| [r.start, r.end])
                .collect(),
        })
        .collect();
    let mut s = serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    category: &'a str,
    path: String,
}

pub fn list_json(entries: &[Stored]) -> String {
    let rows: Vec<JsonEntry> = entries
        .iter()
        .map(|e| JsonEntry {
            id: &e.id,
            title: &e.title,
            summary: &e.summary,
            category: &e.category,
            path: e.origin.to_string(),
        })
        .collect();
    let mut s = serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// The table of contents. Terminal: a heading per category, then id, title and summary.
/// Piped: id, category, title, summary, tab-separated.
pub fn list(entries: &[Stored], style: Style) -> String {
    let mut out = String::new();
    if style.piped {
        for e in entries {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}",
                e.id,
                e.category,
                tsv(&e.title),
                tsv(&e.summary)
            );
        }
        return out;
    }
    let (b, d, r) = sgr(style);
    let id_width = entries
        .iter()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(0);
    let mut category = None;
    for e in entries {
        if category != Some(&e.category) {
            if category.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{b}{}{r}", e.category);
            category = Some(&e.category);
        }
        let room = style.width.saturating_sub(id_width + 4);
        let _ = writeln!(
            out,
            "  {b}{:<id_width$}{r}  {}",
            e.id,
            truncate(&one_line(&e.title), room)
        );
        let _ = writeln!(
            out,
            "  {:<id_width$}  {d}{}{r}",
            "",
            truncate(&one_line(&e.summary), room)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Origin;

    fn style(color: bool, width: usize, piped: bool) -> Style {
        Style {
            color,
            width,
            piped,
            theme: Theme::Dark,
            truecolor: false,
        }
    }

    fn stored(id: &str) -> Stored {
        Stored {
            id: id.into(),
            title: format!("{id} title"),
            summary: format!("{id} summary"),
            category: "syntax".into(),
            origin: Origin::User(format!("/kb/{id}.md").into()),
        }
    }

    #[test]
    fn links_become_readable_text() {
        assert_eq!(
            rewrite_links("see [generators](generators)."),
            "see generators."
        );
        assert_eq!(
            rewrite_links("[the frame](generators)"),
            "the frame (see generators)"
        );
        assert_eq!(
            rewrite_links("[PEP 479](https://peps.python.org/pep-0479/)"),
            "PEP 479 <https://peps.python.org/pep-0479/>"
        );
        assert_eq!(rewrite_links("a[0] and b[1](x y)"), "a[0] and b[1](x y)");
    }

    #[test]
    fn reflow_joins_soft_wrapped_paragraphs_and_list_items_only() {
        let md = "A long\nparagraph.\n\n- item one\n  continued\n- item two\n\n## Head\nText\n```python\na = 1\nb = 2\n```\n| a | b |\n|---|---|\n";
        assert_eq!(
            reflow(md),
            "A long paragraph.\n\n- item one continued\n- item two\n\n## Head\nText\n```python\na = 1\nb = 2\n```\n| a | b |\n|---|---|\n"
        );
    }

    #[test]
    fn sanitize_neutralises_escape_sequences() {
        assert_eq!(
            sanitize("a\x1b[31mred\x07\nb"),
            "a\u{fffd}[31mred\u{fffd}\nb"
        );
    }

    #[test]
    fn piped_list_is_tab_separated() {
        let out = list(&[stored("a"), stored("b")], style(false, 80, true));
        assert_eq!(
            out,
            "a\tsyntax\ta title\ta summary\nb\tsyntax\tb title\tb summary\n"
        );
    }

    #[test]
    fn plain_entry_has_no_escapes_and_fits_the_width() {
        let text = "---\nid: x\ntitle: The X\nsummary: What x is\ncategory: syntax\n---\n## Part\n\nSome `code` and **bold** words that go on and on until they must wrap at the width.\n\n```python\nprint(1)\n```\n";
        let e = Entry::parse(Origin::Builtin("syntax/x.md"), text).unwrap();
        let out = entry(&e, &[stored("y")], style(false, 40, false), &mut |_, _| {
            panic!("no colours without colour")
        });
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 40), "{out}");
        assert!(out.contains("The X"));
        assert!(out.contains("print(1)"));
        assert!(out.contains("y — y summary"), "{out}");
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let text = "aaa bbb ccc dddddddddd e";
        let lines: Vec<&str> = wrap(text, 7).into_iter().map(|r| &text[r]).collect();
        assert_eq!(lines, ["aaa bbb", "ccc", "dddddddddd", "e"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn piped_entry_is_its_markdown_with_a_header_and_see_also() {
        let text = "---\nid: x\ntitle: The X\nsummary: What x is\ncategory: syntax\n---\n## Part\n\nSome `code`.\n";
        let e = Entry::parse(Origin::Builtin("syntax/x.md"), text).unwrap();
        let style = style(false, 80, true);
        assert_eq!(
            entry(&e, &[stored("y")], style, &mut |_, _| None),
            "# The X\n\nWhat x is\n\nsyntax · x\n\n## Part\n\nSome `code`.\n\n## See also\n\n- y — y summary\n"
        );
    }

    #[test]
    fn highlighted_marks_ranges_in_bold() {
        let style = style(true, 80, false);
        let s = highlighted("a lazy b", &[std::ops::Range { start: 2, end: 6 }], style);
        assert_eq!(s, format!("a {RESET}{BOLD}lazy{RESET}{DIM} b"));
    }
}

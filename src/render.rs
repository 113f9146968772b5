//! Entries, hits and lists -> `String`, at a given width and style. Pure: nothing here looks
//! at the terminal or writes anywhere (term.rs does), so every output is unit-testable.
//! The only user of termimad, which renders prose; code blocks are painted here (paint.rs),
//! and titles, summaries and "See also" lines are plain text, never read as Markdown.
//!
//! Each output has a form for a terminal (blocks, wrapped and coloured when colour is on)
//! and a form for pipes and files: `show` prints the entry's Markdown, `search` and `list`
//! one tab-separated record a line, and `--json` one array.

use std::fmt::Write as _;
use std::ops::Range;

use guide::entry::{Entry, Meta, Origin};
use guide::examples::{Op, Requirement};
use guide::markdown::{self, Inline, Node, Section};
use guide::runs::{Run, Theme};
use guide::standard;
use serde::Serialize;
use termimad::crossterm::style::{Attribute, Color};
use termimad::{Alignment, MadSkin};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::paint;
use crate::search::Hit;
use crate::term::{one_line, sanitize};

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
    /// Colours for a dark or a light background.
    pub theme: Theme,
    /// The terminal takes 24-bit colour (COLORTERM), not only the 256-colour palette.
    pub truecolor: bool,
}

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const ITALIC: &str = "\x1b[3m";
const RESET: &str = "\x1b[0m";

/// The escape sequences for bold, dim and reset, or nothing without colour.
fn sgr(style: Style) -> (&'static str, &'static str, &'static str) {
    if style.color {
        (BOLD, DIM, RESET)
    } else {
        ("", "", "")
    }
}

/// Widest a rendered entry gets, for reading.
const READING_WIDTH: usize = 100;

/// Display columns of a string (CJK and emoji take two).
pub fn columns(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The string cut to `width` columns, with `…` where it was cut.
pub fn truncate(s: &str, width: usize) -> String {
    if columns(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Byte ranges of `text` split at spaces into lines of at most `width` columns (a word
/// wider than that is cut into lines of its own).
fn wrap(text: &str, width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut line_cols = 0;
    let mut offset = 0;
    for word in text.split(' ') {
        let range = offset..offset + word.len();
        offset = range.end + 1;
        let cols = columns(word);
        match lines.last_mut() {
            Some(line) if line_cols + 1 + cols <= width => {
                line.end = range.end;
                line_cols += 1 + cols;
            }
            _ if word.is_empty() => {}
            _ if cols <= width => {
                lines.push(range);
                line_cols = cols;
            }
            _ => {
                // Cut at the last character that fits, each piece a line.
                let mut start = range.start;
                let mut used = 0;
                for (i, c) in word.char_indices() {
                    let w = c.width().unwrap_or(0);
                    if used + w > width && used > 0 {
                        lines.push(start..range.start + i);
                        start = range.start + i;
                        used = 0;
                    }
                    used += w;
                }
                lines.push(start..range.end);
                line_cols = used;
            }
        }
    }
    lines
}

fn skin(style: Style) -> MadSkin {
    // crossterm (under termimad) reads NO_COLOR itself and would drop colours asked for with
    // `--color always`; the style's choice is the one rule for prose and code alike.
    termimad::crossterm::style::force_color_output(style.color);
    if !style.color {
        return MadSkin::no_style();
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
    skin.headers[1].set_fg(heading);
    skin.headers[1].add_attr(Attribute::Bold);
    skin.headers[1].add_attr(Attribute::Underlined);
    for h in &mut skin.headers[2..] {
        h.set_fg(subheading);
        h.add_attr(Attribute::Italic);
    }
    skin.bold.set_fg(bold);
    skin.italic.add_attr(Attribute::Italic);
    skin.inline_code.set_fg(code);
    skin.inline_code.set_bg(Color::Reset);
    skin.code_block.set_fg(code);
    skin.code_block.set_bg(Color::Reset);
    skin
}

/// A block's version scope in words: `Python 3.12 and later`.
fn scope_label(scope: &[Requirement]) -> String {
    let words: Vec<String> = scope
        .iter()
        .map(|r| {
            let name = if r.name == "python" {
                "Python".to_string()
            } else {
                r.name.clone()
            };
            let v: Vec<String> = r.version.iter().map(u64::to_string).collect();
            let v = v.join(".");
            match r.op {
                Op::Ge => format!("{name} {v} and later"),
                Op::Gt => format!("{name} after {v}"),
                Op::Lt => format!("{name} before {v}"),
                Op::Le => format!("{name} {v} and earlier"),
                Op::Eq => format!("{name} {v} only"),
                Op::Ne => format!("{name} other than {v}"),
            }
        })
        .collect();
    words.join(", ")
}

/// The versions an entry was verified on: `3.10–3.13`, or a list when there are gaps.
fn versions(verified: &[String]) -> String {
    let mut v: Vec<(u32, u32)> = verified
        .iter()
        .filter_map(|s| {
            let (a, b) = s.split_once('.')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect();
    v.sort();
    v.dedup();
    let consecutive = v
        .windows(2)
        .all(|w| w[0].0 == w[1].0 && w[1].1 == w[0].1 + 1);
    match v.as_slice() {
        [] => String::new(),
        [(a, b)] => format!("{a}.{b}"),
        [first, .., last] if consecutive => {
            format!("{}.{}–{}.{}", first.0, first.1, last.0, last.1)
        }
        _ => v
            .iter()
            .map(|(a, b)| format!("{a}.{b}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// What of an entry to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The whole entry; in a pager, opening at this section.
    Full(Option<String>),
    /// The short answer and a pointer to the rest.
    Short,
    /// One section alone (by anchor).
    Section(String),
}

/// The part of an entry's body a view shows, and a line to say what else there is.
fn part<'e>(entry: &'e Entry, view: &View) -> (&'e str, Option<String>) {
    let body = entry.body.as_str();
    match view {
        View::Full(_) => (body, None),
        View::Section(anchor) => {
            let s = markdown::sections(body)
                .into_iter()
                .find(|s| &s.anchor == anchor);
            (s.map_or(body, |s| &body[s.range]), None)
        }
        View::Short => {
            let sections = markdown::sections(body);
            let others: Vec<&Section> = sections
                .iter()
                .filter(|s| s.level == 2 && !s.title.eq_ignore_ascii_case(standard::SHORT_ANSWER))
                .collect();
            let names: Vec<&str> = others.iter().map(|s| s.title.as_str()).collect();
            let pointer = format!(
                "The whole entry: pyguide show {}{}",
                entry.id(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({} sections: {})", names.len(), names.join(" · "))
                }
            );
            let short = match standard::short_answer(body) {
                Some(s) => &body[s.range.start..s.range.end],
                // A user's entry without a short answer: its first section or paragraph.
                None => match sections.get(1).or(sections.first()) {
                    Some(s) if s.range.start > 0 => &body[..s.range.start],
                    Some(s) => &body[s.range.clone()],
                    None => body,
                },
            };
            (short, Some(pointer))
        }
    }
}

/// The full text of `pyguide show` for a terminal: title, summary, category and versions,
/// then the body rendered (see [`Prose`]), then related entries. The second value is the line
/// a pager should open at (the section asked for).
pub fn entry(
    entry: &Entry,
    related: &[Meta],
    view: &View,
    style: Style,
    colors: &mut dyn FnMut(&str, &str) -> Option<Vec<Run>>,
) -> (String, Option<usize>) {
    let width = style.width.min(READING_WIDTH);
    let (b, d, r) = sgr(style);
    let i = if style.color { ITALIC } else { "" };
    let mut out = String::with_capacity(entry.body.len() * 2);
    let m = &entry.meta;
    for line in wrap(&one_line(&m.title), width) {
        let _ = writeln!(out, "{b}{}{r}", &one_line(&m.title)[line]);
    }
    out.push('\n');
    for line in wrap(&one_line(&m.summary), width) {
        let _ = writeln!(out, "{i}{}{r}", &one_line(&m.summary)[line]);
    }
    out.push('\n');
    let mut about = format!("{} · {}", m.category, m.id);
    if let Origin::User(path) = &entry.origin {
        let _ = write!(about, " · {}", path.display());
    }
    if !m.verified.is_empty() {
        let _ = write!(about, " · verified on Python {}", versions(&m.verified));
    }
    for line in wrap(&one_line(&about), width) {
        let _ = writeln!(out, "{d}{}{r}", &one_line(&about)[line]);
    }
    out.push('\n');

    let (body, pointer) = part(entry, view);
    let start = match view {
        View::Full(anchor) => anchor.clone(),
        _ => None,
    };
    let mut prose = Prose {
        out,
        style,
        width,
        skin: skin(style),
        start,
        start_line: None,
        colors,
    };
    prose.blocks(&markdown::document(body), "", "");
    let (mut out, start_line) = (prose.out, prose.start_line);
    if let Some(pointer) = pointer {
        for line in wrap(&one_line(&pointer), width) {
            let _ = writeln!(out, "{d}{}{r}", &one_line(&pointer)[line]);
        }
    }
    if !related.is_empty() && matches!(view, View::Full(_)) {
        let _ = writeln!(out, "{b}See also{r}\n");
        for m in related {
            see_also(&mut out, m, width, style);
        }
    }
    (out, start_line)
}

/// The body's blocks as a terminal shows them: headings that say their level (`##` bold and
/// underlined, `###` bold in another colour; without colour, underlined with `═` and `─`),
/// paragraphs wrapped at the width, only at spaces (punctuation stays with its word), lists
/// indented by level, quotes behind a bar, tables in a box, code painted with its version
/// label. termimad styles the inline text (bold, italic, code); the layout is done here.
struct Prose<'c> {
    out: String,
    style: Style,
    width: usize,
    skin: MadSkin,
    /// The anchor the pager should open at, and the line where it was written.
    start: Option<String>,
    start_line: Option<usize>,
    colors: &'c mut dyn FnMut(&str, &str) -> Option<Vec<Run>>,
}

impl Prose<'_> {
    /// Renders blocks: the first line of the first block after `first`, every other line
    /// after `rest` (a list item's marker, then its indentation).
    fn blocks(&mut self, nodes: &[Node], first: &str, rest: &str) {
        for (k, node) in nodes.iter().enumerate() {
            let lead = if k == 0 { first } else { rest };
            match node {
                Node::Heading {
                    level,
                    text,
                    anchor,
                } => {
                    if self.start.is_some() && anchor == &self.start {
                        self.start_line = Some(self.out.lines().count());
                    }
                    let title = one_line(&markdown::inline_text(text));
                    self.heading(*level, &title, lead);
                }
                Node::Paragraph(inlines) => {
                    let styled = self.inline(inlines);
                    for line in wrap_styled(&styled, self.width, lead, rest, self.style.color) {
                        self.out.push_str(&line);
                        self.out.push('\n');
                    }
                }
                Node::List { start, items } => {
                    for (n, item) in items.iter().enumerate() {
                        let marker = match start {
                            Some(s) => format!("{}. ", s + n as u64),
                            None if self.style.color => "• ".to_string(),
                            None => "- ".to_string(),
                        };
                        let item_first = format!("{}{marker}", if n == 0 { lead } else { rest });
                        let item_rest = format!("{rest}{}", " ".repeat(columns(&marker)));
                        self.blocks(item, &item_first, &item_rest);
                        // Items are not separated; the blank line each item's last block
                        // left is taken back.
                        if self.out.ends_with("\n\n") {
                            self.out.pop();
                        }
                    }
                }
                Node::Quote(inner) => {
                    let (_, d, r) = sgr(self.style);
                    let bar_first = format!("{lead}{d}│{r} ");
                    let bar_rest = format!("{rest}{d}│{r} ");
                    self.blocks(inner, &bar_first, &bar_rest);
                    if self.out.ends_with("\n\n") {
                        self.out.pop();
                    }
                }
                Node::Code(code) => self.code(code, lead, rest),
                Node::Table(rows) => {
                    let cells: Vec<Vec<String>> = rows
                        .iter()
                        .map(|row| {
                            row.iter()
                                .map(|c| one_line(&markdown::inline_text(c)))
                                .collect()
                        })
                        .collect();
                    let room = self.width.saturating_sub(columns(rest));
                    for (k, line) in table(&cells, room, self.style).into_iter().enumerate() {
                        self.out.push_str(if k == 0 { lead } else { rest });
                        self.out.push_str(&line);
                        self.out.push('\n');
                    }
                }
                Node::Rule => {
                    let (_, d, r) = sgr(self.style);
                    let _ = writeln!(
                        self.out,
                        "{lead}{d}{}{r}",
                        "─".repeat(self.width.saturating_sub(columns(rest)).min(40))
                    );
                }
            }
            self.out.push('\n');
        }
    }

    fn heading(&mut self, level: u8, title: &str, lead: &str) {
        let (b, _, r) = sgr(self.style);
        let room = self.width.saturating_sub(columns(lead)).max(10);
        let lines: Vec<String> = wrap(title, room)
            .into_iter()
            .map(|l| title[l].to_string())
            .collect();
        let rule = if level <= 2 { '═' } else { '─' };
        for line in &lines {
            if self.style.color {
                let style = &self.skin.headers[(level as usize).clamp(1, 3) - 1];
                let _ = writeln!(
                    self.out,
                    "{lead}{b}{}{r}",
                    style.compound_style.apply_to(line)
                );
            } else {
                let _ = writeln!(self.out, "{lead}{line}");
            }
        }
        if !self.style.color {
            let widest = lines.iter().map(|l| columns(l)).max().unwrap_or(0);
            let _ = writeln!(self.out, "{lead}{}", rule.to_string().repeat(widest));
        }
    }

    fn code(&mut self, code: &markdown::Code, lead: &str, rest: &str) {
        let (_, d, r) = sgr(self.style);
        let text = sanitize(&code.text);
        let words: Vec<&str> = code.info.split_whitespace().skip(1).collect();
        let scope: Vec<Requirement> = words
            .iter()
            .take_while(|w| !w.starts_with("skip:"))
            .filter_map(|w| Requirement::parse(w))
            .collect();
        let mut lead = lead.to_string();
        if !scope.is_empty() {
            let label = format!("({})", scope_label(&scope));
            let room = self.width.saturating_sub(columns(&lead) + 2).max(8);
            for line in wrap(&label, room) {
                let _ = writeln!(self.out, "{lead}  {d}{}{r}", &label[line]);
                lead = rest.to_string();
            }
        }
        let runs = if self.style.color {
            (self.colors)(code.lang, &text)
        } else {
            None
        };
        let indent = format!("{rest}  ");
        let painted = match runs {
            Some(runs) => paint::paint(&text, &runs, &indent, self.width, self.style.truecolor),
            None => paint::plain(&text, &indent, self.width),
        };
        // The first line may follow a list marker instead of the indentation.
        if lead != rest && painted.starts_with(&indent) {
            self.out.push_str(&lead);
            self.out.push_str("  ");
            self.out.push_str(&painted[indent.len()..]);
        } else {
            self.out.push_str(&painted);
        }
    }

    /// Inline content, styled by termimad (bold, italic, inline code; links as their label
    /// and target) on one line.
    fn inline(&self, inlines: &[Inline]) -> String {
        // Control characters went in `minimad_source`; the escapes now are termimad's own.
        let md = minimad_source(inlines);
        self.skin.inline(&md).to_string().replace('\n', " ")
    }
}

/// Inline content as the Markdown termimad reads, with its marker characters escaped in text.
fn minimad_source(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) => out.push_str(&escape_minimad(&one_line(t))),
            Inline::Code(c) => {
                for (k, piece) in one_line(c).split('`').enumerate() {
                    if k > 0 {
                        out.push_str("\\`");
                    }
                    if !piece.is_empty() {
                        let _ = write!(out, "`{piece}`");
                    }
                }
            }
            Inline::Emphasis(c) => {
                let _ = write!(out, "*{}*", minimad_source(c));
            }
            Inline::Strong(c) => {
                let _ = write!(out, "**{}**", minimad_source(c));
            }
            Inline::Strike(c) => {
                let _ = write!(out, "~~{}~~", minimad_source(c));
            }
            Inline::Link { label, target } => {
                out.push_str(&minimad_source(label));
                let (id, anchor) = target.split_once('#').unwrap_or((target, ""));
                if guide::entry::is_slug(id) {
                    let label = markdown::inline_text(label);
                    if !label.trim_matches('`').eq_ignore_ascii_case(id) || !anchor.is_empty() {
                        let _ = write!(out, " (see {})", escape_minimad(&one_line(target)));
                    }
                } else if !target.is_empty() {
                    let _ = write!(out, " <{}>", escape_minimad(&one_line(target)));
                }
            }
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
        }
    }
    out
}

fn escape_minimad(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '~' | '|' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Styled text (escape sequences) wrapped at `width` columns, breaking only at spaces (a
/// word wider than a line is cut), each line after its prefix, the style carried over.
fn wrap_styled(text: &str, width: usize, first: &str, rest: &str, color: bool) -> Vec<String> {
    // Words: (text with its escapes, columns), split at visible spaces.
    let mut words: Vec<(String, usize)> = vec![(String::new(), 0)];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            let word = words.last_mut().expect("one word at least");
            word.0.push(c);
            for c in chars.by_ref() {
                word.0.push(c);
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else if c == ' ' {
            if words.last().is_some_and(|w| w.1 > 0) {
                words.push((String::new(), 0));
            }
        } else {
            let word = words.last_mut().expect("one word at least");
            word.0.push(c);
            word.1 += c.width().unwrap_or(0);
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = first.to_string();
    let mut used = 0;
    let mut active = String::new();
    let room = |prefix: &str| width.saturating_sub(columns(prefix)).max(8);
    let mut cap = room(first);
    let reset = if color { RESET } else { "" };
    for (word, cols) in words {
        if cols == 0 {
            line.push_str(&word);
            track(&mut active, &word);
            continue;
        }
        if used > 0 && used + 1 + cols > cap {
            line.push_str(reset);
            lines.push(std::mem::take(&mut line));
            line = format!("{rest}{active}");
            used = 0;
            cap = room(rest);
        } else if used > 0 {
            line.push(' ');
            used += 1;
        }
        // A word wider than a whole line is cut where the line ends.
        let mut piece = String::new();
        let mut piece_cols = 0;
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                let mut esc = String::from(c);
                for c in chars.by_ref() {
                    esc.push(c);
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
                track(&mut active, &esc);
                piece.push_str(&esc);
                continue;
            }
            let w = c.width().unwrap_or(0);
            if used + piece_cols + w > cap && used + piece_cols > 0 {
                line.push_str(&piece);
                line.push_str(reset);
                lines.push(std::mem::take(&mut line));
                line = format!("{rest}{active}");
                piece.clear();
                used = 0;
                piece_cols = 0;
                cap = room(rest);
            }
            piece.push(c);
            piece_cols += w;
        }
        line.push_str(&piece);
        used += piece_cols;
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Keeps the escape sequences in effect: a reset clears them.
fn track(active: &mut String, escapes: &str) {
    let mut rest = escapes;
    while let Some(at) = rest.find('\x1b') {
        let seq_end = rest[at..]
            .char_indices()
            .find(|(_, c)| c.is_ascii_alphabetic())
            .map_or(rest.len(), |(k, c)| at + k + c.len_utf8());
        let seq = &rest[at..seq_end];
        if seq == "\x1b[0m" || seq == "\x1b[m" {
            active.clear();
        } else {
            active.push_str(seq);
        }
        rest = &rest[seq_end..];
    }
}

/// A column narrower than this, or than its longest word if that is shorter, cuts words.
const TABLE_WORD: usize = 10;

/// A table in a box, its columns shrunk to fit `width` (cells wrap inside them); when that
/// would cut words apart (many columns, a narrow terminal), one record per row instead.
fn table(rows: &[Vec<String>], width: usize, style: Style) -> Vec<String> {
    let (b, d, r) = sgr(style);
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    // The narrowest each column can be without cutting a word (up to TABLE_WORD).
    let least: usize = (0..n)
        .map(|k| {
            rows.iter()
                .filter_map(|row| row.get(k))
                .flat_map(|c| c.split(' '))
                .map(columns)
                .max()
                .unwrap_or(1)
                .clamp(1, TABLE_WORD)
        })
        .sum();
    if least + 3 * n + 1 > width && rows.len() > 1 {
        return records(rows, width, style);
    }
    let mut widths: Vec<usize> = (0..n)
        .map(|k| {
            rows.iter()
                .map(|row| row.get(k).map_or(0, |c| columns(c)))
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    // Borders and padding: 3 columns a cell, and one.
    let room = width.saturating_sub(3 * n + 1).max(n * 4);
    while widths.iter().sum::<usize>() > room {
        let widest = (0..n).max_by_key(|&k| widths[k]).unwrap_or(0);
        if widths[widest] <= 4 {
            break;
        }
        widths[widest] -= 1;
    }
    let rule = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{d}{left}{}{right}{r}", parts.join(mid))
    };
    let mut out = vec![rule("┌", "┬", "┐")];
    for (k, row) in rows.iter().enumerate() {
        let cells: Vec<Vec<String>> = (0..n)
            .map(|c| {
                let text = row.get(c).map_or("", String::as_str);
                let lines: Vec<String> = wrap(text, widths[c])
                    .into_iter()
                    .map(|l| truncate(&text[l], widths[c]))
                    .collect();
                if lines.is_empty() {
                    vec![String::new()]
                } else {
                    lines
                }
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut s = format!("{d}│{r}");
            for (c, cell) in cells.iter().enumerate() {
                let text = cell.get(line).map_or("", String::as_str);
                let pad = " ".repeat(widths[c].saturating_sub(columns(text)));
                if k == 0 {
                    let _ = write!(s, " {b}{text}{r}{pad} {d}│{r}");
                } else {
                    let _ = write!(s, " {text}{pad} {d}│{r}");
                }
            }
            out.push(s);
        }
        if k == 0 {
            out.push(rule("├", "┼", "┤"));
        }
    }
    out.push(rule("└", "┴", "┘"));
    out
}

/// A table too wide for the terminal, row by row: the first cell as a heading, then each
/// other cell after its column's name, wrapped and indented.
fn records(rows: &[Vec<String>], width: usize, style: Style) -> Vec<String> {
    let (b, _, r) = sgr(style);
    let header = &rows[0];
    let mut out = Vec::new();
    for (k, row) in rows[1..].iter().enumerate() {
        if k > 0 {
            out.push(String::new());
        }
        let first = row.first().map_or("", String::as_str);
        for line in wrap(first, width) {
            out.push(format!("{b}{}{r}", &first[line]));
        }
        for (c, cell) in row.iter().enumerate().skip(1) {
            if cell.trim().is_empty() {
                continue;
            }
            let label = header.get(c).map_or("", String::as_str);
            let text = if label.is_empty() {
                cell.clone()
            } else {
                format!("{label}: {cell}")
            };
            let bold = if label.is_empty() { 0 } else { label.len() + 1 };
            for (i, line) in wrap(&text, width.saturating_sub(4).max(12))
                .into_iter()
                .enumerate()
            {
                let indent = if i == 0 { "  " } else { "    " };
                if i == 0 && line.start == 0 && line.end >= bold && bold > 0 {
                    out.push(format!(
                        "{indent}{b}{}{r}{}",
                        &text[..bold],
                        &text[bold..line.end]
                    ));
                } else {
                    out.push(format!("{indent}{}", &text[line]));
                }
            }
        }
    }
    out
}

/// One "See also" item: the id, then its summary wrapped under it when it does not fit.
fn see_also(out: &mut String, m: &Meta, width: usize, style: Style) {
    let (b, _, r) = sgr(style);
    let bullet = if style.color { "•" } else { "-" };
    let head = format!("{bullet} {}", one_line(&m.id));
    let summary = one_line(&m.summary);
    let room = width.saturating_sub(columns(&head) + 3);
    if columns(&summary) <= room {
        let _ = writeln!(out, "{b}{head}{r} — {summary}");
        return;
    }
    let _ = writeln!(out, "{b}{head}{r}");
    for line in wrap(&summary, width.saturating_sub(4).max(16)) {
        let _ = writeln!(out, "    {}", &summary[line]);
    }
}

/// The entry as Markdown, for a pipe or a file: the guide's own text, unwrapped, after a
/// title, summary and category header, with related entries at the end.
pub fn entry_markdown(entry: &Entry, related: &[Meta], view: &View) -> String {
    let m = &entry.meta;
    let (body, pointer) = part(entry, view);
    let mut out = String::with_capacity(body.len() + 512);
    let _ = writeln!(out, "# {}\n", one_line(&m.title));
    let _ = writeln!(out, "{}\n", one_line(&m.summary));
    let _ = write!(out, "{} · {}", one_line(&m.category), one_line(&m.id));
    if let Origin::User(path) = &entry.origin {
        let _ = write!(out, " · {}", one_line(&path.display().to_string()));
    }
    if !m.verified.is_empty() {
        let _ = write!(out, " · verified on Python {}", versions(&m.verified));
    }
    out.push_str("\n\n");
    out.push_str(sanitize(body).trim_end());
    out.push('\n');
    if let Some(pointer) = pointer {
        let _ = writeln!(out, "\n{}", one_line(&pointer));
    }
    if !related.is_empty() && matches!(view, View::Full(_)) {
        out.push_str("\n## See also\n\n");
        for r in related {
            let _ = writeln!(out, "- {} — {}", one_line(&r.id), one_line(&r.summary));
        }
    }
    out
}

/// The sections of an entry with their anchors (`show --toc`).
pub fn toc(entry: &Entry, style: Style) -> String {
    let (b, d, r) = sgr(style);
    let mut out = String::new();
    for s in markdown::sections(&entry.body) {
        let indent = if s.level == 2 { "" } else { "  " };
        let target = format!("{}#{}", entry.id(), s.anchor);
        if style.color {
            let _ = writeln!(out, "{indent}{b}{}{r}  {d}{target}{r}", one_line(&s.title));
        } else {
            let _ = writeln!(out, "{indent}{}\t{target}", one_line(&s.title));
        }
    }
    out
}

/// Search results in a terminal: numbered blocks (id, title, category; the section that
/// answers; the summary; the snippet with the matched words in bold), laid out to the width,
/// and a count.
pub fn hits(hits: &[Hit], style: Style) -> String {
    let (b, d, r) = sgr(style);
    let width = style.width;
    let mut out = String::new();
    // Ids in a column when the widest id, a title and the category fit beside each other.
    let id_width = hits
        .iter()
        .map(|h| columns(&one_line(&h.meta.id)))
        .max()
        .unwrap_or(0);
    let cat_width = hits
        .iter()
        .map(|h| columns(&one_line(&h.meta.category)) + 2)
        .max()
        .unwrap_or(0);
    let aligned = width >= 4 + id_width + 2 + 12 + 2 + cat_width;
    for (rank, h) in hits.iter().enumerate() {
        let m = &h.meta;
        let id = one_line(&m.id);
        let category = format!("[{}]", one_line(&m.category));
        let title = one_line(&m.title);
        let pad = if aligned {
            " ".repeat(id_width - columns(&id))
        } else {
            String::new()
        };
        let head = format!("{:>2}. {id}{pad}", rank + 1);
        // Title on the first line when at least 12 columns of it fit there.
        let room = width.saturating_sub(columns(&head) + 2 + 2 + columns(&category));
        if room >= 12 {
            let _ = writeln!(
                out,
                "{b}{head}{r}  {}  {d}{category}{r}",
                truncate(&title, room)
            );
        } else if columns(&head) + 2 + columns(&category) <= width {
            // Narrow: the id and category on a line, the title under them.
            let _ = writeln!(out, "{b}{}{r}  {d}{category}{r}", head.trim_end());
            let _ = writeln!(out, "    {}", truncate(&title, width.saturating_sub(4)));
        } else {
            let _ = writeln!(out, "{b}{}{r}", truncate(head.trim_end(), width));
            let room = width.saturating_sub(4 + columns(&category) + 1);
            let _ = writeln!(out, "    {d}{category}{r} {}", truncate(&title, room));
        }
        if let Some(section) = &h.section {
            let _ = writeln!(
                out,
                "    {b}§ {}{r}",
                truncate(&one_line(&section.title), width.saturating_sub(6))
            );
        }
        let _ = writeln!(
            out,
            "    {d}{}{r}",
            truncate(&one_line(&m.summary), width.saturating_sub(4))
        );
        for line in wrap(&h.snippet.text, width.saturating_sub(4).max(16)) {
            let ranges: Vec<Range<usize>> = h
                .snippet
                .highlights
                .iter()
                .filter(|x| x.start >= line.start && x.end <= line.end)
                .map(|x| (x.start - line.start)..(x.end - line.start))
                .collect();
            let text = &h.snippet.text[line];
            let _ = writeln!(out, "    {d}{}{r}", highlighted(text, &ranges, style));
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

/// Search results for a pipe: one tab-separated line a hit: id, category, title, summary,
/// snippet, and the section that answers as `id#anchor` (empty when none stands out).
pub fn hits_tsv(hits: &[Hit]) -> String {
    let mut out = String::new();
    for h in hits {
        let m = &h.meta;
        let _ = write!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            tsv(&m.id),
            tsv(&m.category),
            tsv(&m.title),
            tsv(&m.summary),
            tsv(&h.snippet.text)
        );
        out.push('\t');
        if let Some(s) = &h.section {
            let _ = write!(out, "{}#{}", tsv(&m.id), tsv(&s.anchor));
        }
        out.push('\n');
    }
    out
}

/// Only the ids, one a line, in rank order: for fzf, xargs and scripts.
pub fn ids(hits: &[Hit]) -> String {
    hits.iter()
        .map(|h| format!("{}\n", tsv(&h.meta.id)))
        .collect()
}

fn tsv(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\t' || c.is_control() { ' ' } else { c })
        .collect()
}

/// The snippet with its matched words in bold (within the dim snippet line).
fn highlighted(text: &str, ranges: &[Range<usize>], style: Style) -> String {
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

/// An origin as JSON: a user's file path, or none for a built-in entry (which has no file
/// outside the binary).
fn json_path(origin: &Origin) -> Option<String> {
    origin.path().map(|p| sanitize(&p.display().to_string()))
}

#[derive(Serialize)]
struct JsonSection {
    title: String,
    anchor: String,
}

#[derive(Serialize)]
struct JsonHit {
    rank: usize,
    id: String,
    title: String,
    summary: String,
    category: String,
    score: f32,
    /// Whether this hit answers the query (see search.rs).
    confident: bool,
    section: Option<JsonSection>,
    /// The user's file; null for a built-in entry.
    path: Option<String>,
    builtin: bool,
    snippet: String,
    /// Byte ranges [start, end) of the matched words in `snippet`.
    highlights: Vec<[usize; 2]>,
}

/// Search results as one JSON array. Every string is sanitized: no control character of an
/// entry reaches a `jq -r`.
pub fn hits_json(hits: &[Hit]) -> String {
    let rows: Vec<JsonHit> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| JsonHit {
            rank: i + 1,
            id: sanitize(&h.meta.id),
            title: one_line(&h.meta.title),
            summary: one_line(&h.meta.summary),
            category: sanitize(&h.meta.category),
            score: h.score,
            confident: h.confident,
            section: h.section.as_ref().map(|s| JsonSection {
                title: one_line(&s.title),
                anchor: sanitize(&s.anchor),
            }),
            path: json_path(&h.origin),
            builtin: h.origin.is_builtin(),
            snippet: one_line(&h.snippet.text),
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
struct JsonEntry {
    id: String,
    title: String,
    summary: String,
    category: String,
    path: Option<String>,
    builtin: bool,
}

pub fn list_json(entries: &[(Meta, Origin)]) -> String {
    let rows: Vec<JsonEntry> = entries
        .iter()
        .map(|(m, o)| JsonEntry {
            id: sanitize(&m.id),
            title: one_line(&m.title),
            summary: one_line(&m.summary),
            category: sanitize(&m.category),
            path: json_path(o),
            builtin: o.is_builtin(),
        })
        .collect();
    let mut s = serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// The table of contents for a pipe: id, category, title, summary, tab-separated.
pub fn list_tsv(entries: &[(Meta, Origin)]) -> String {
    let mut out = String::new();
    for (m, _) in entries {
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}",
            tsv(&m.id),
            tsv(&m.category),
            tsv(&m.title),
            tsv(&m.summary)
        );
    }
    out
}

/// The table of contents in a terminal: a heading per category, then each id with its
/// title and summary; at widths where a column would not fit, the title and summary go under
/// the id.
pub fn list(entries: &[(Meta, Origin)], style: Style) -> String {
    let (b, d, r) = sgr(style);
    let width = style.width;
    let id_width = entries
        .iter()
        .map(|(m, _)| columns(&m.id))
        .max()
        .unwrap_or(0);
    let beside = width >= id_width + 4 + 20;
    let mut out = String::new();
    let mut category: Option<&str> = None;
    for (m, _) in entries {
        if category != Some(m.category.as_str()) {
            if category.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{b}{}{r}", truncate(&one_line(&m.category), width));
            category = Some(&m.category);
        }
        let id = one_line(&m.id);
        let title = one_line(&m.title);
        let summary = one_line(&m.summary);
        if beside {
            let room = width - id_width - 4;
            let pad = " ".repeat(id_width - columns(&id));
            let _ = writeln!(out, "  {b}{id}{r}{pad}  {}", truncate(&title, room));
            let _ = writeln!(
                out,
                "  {}  {d}{}{r}",
                " ".repeat(id_width),
                truncate(&summary, room)
            );
        } else {
            let room = width.saturating_sub(4);
            let _ = writeln!(out, "  {b}{}{r}", truncate(&id, width.saturating_sub(2)));
            let _ = writeln!(out, "    {}", truncate(&title, room));
            let _ = writeln!(out, "    {d}{}{r}", truncate(&summary, room));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(color: bool, width: usize) -> Style {
        Style {
            color,
            width,
            theme: Theme::Dark,
            truecolor: false,
        }
    }

    fn meta(id: &str) -> Meta {
        Meta {
            id: id.into(),
            title: format!("{id} title"),
            summary: format!("{id} summary"),
            category: "syntax".into(),
            aliases: Vec::new(),
            tags: Vec::new(),
            related: Vec::new(),
            verified: Vec::new(),
        }
    }

    fn parse(text: &str) -> Entry {
        Entry::parse(Origin::Builtin("syntax/x.md".into()), text).unwrap()
    }

    #[test]
    fn titles_and_summaries_are_plain_text_never_markdown() {
        let e = parse(
            "---\nid: x\ntitle: \"*args & **kwargs — except* too\"\nsummary: \"_private_ and `code`\"\ncategory: syntax\n---\n## Part\n\nText.\n",
        );
        let (out, _) = entry(&e, &[], &View::Full(None), style(false, 80), &mut |_, _| {
            None
        });
        assert!(
            out.starts_with("*args & **kwargs — except* too\n\n_private_ and `code`\n"),
            "{out}"
        );
    }

    #[test]
    fn plain_entry_has_no_escapes_and_fits_the_width() {
        let text = "---\nid: x\ntitle: The X\nsummary: What x is\ncategory: syntax\nverified: [\"3.10\", \"3.11\", \"3.12\"]\n---\n## Part\n\nSome `code` and **bold** words that go on and on until they must wrap at the width.\n\n```python\nprint(1)\n```\n";
        let e = parse(text);
        let (out, _) = entry(
            &e,
            &[meta("y")],
            &View::Full(None),
            style(false, 40),
            &mut |_, _| panic!("no colours without colour"),
        );
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.lines().all(|l| columns(l) <= 40), "{out}");
        assert!(out.contains("3.10–3.12"), "{out}");
        assert!(out.contains("  print(1)"));
        assert!(out.contains("- y — y summary"), "{out}");
    }

    #[test]
    fn scoped_blocks_are_labelled_with_their_versions() {
        let e = parse(
            "---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n```pycon python>=3.12\n>>> 1\n1\n```\n```python python<3.12 sqlalchemy>=2.1\nx\n```\n",
        );
        let (out, _) = entry(&e, &[], &View::Full(None), style(false, 80), &mut |_, _| {
            None
        });
        assert!(out.contains("(Python 3.12 and later)"), "{out}");
        assert!(
            out.contains("(Python before 3.12, sqlalchemy 2.1 and later)"),
            "{out}"
        );
    }

    #[test]
    fn the_short_view_is_the_short_answer_and_a_pointer() {
        let e = parse(
            "---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n## In short\n\nThe answer.\n\n```python\nassert 1\n```\n\n## Mechanism\n\nLong.\n\n## Pitfalls\n\n- p\n",
        );
        let md = entry_markdown(&e, &[meta("y")], &View::Short);
        assert!(md.contains("The answer."), "{md}");
        assert!(!md.contains("Long."), "{md}");
        assert!(
            md.contains("The whole entry: pyguide show x (2 sections: Mechanism · Pitfalls)"),
            "{md}"
        );
        assert!(!md.contains("See also"), "{md}");
        let section = entry_markdown(&e, &[], &View::Section("mechanism".into()));
        assert!(section.contains("## Mechanism\n\nLong."), "{section}");
        assert!(!section.contains("The answer."), "{section}");
    }

    #[test]
    fn a_pager_opens_at_the_section_asked_for() {
        let e = parse(
            "---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n## In short\n\nA.\n\n## Second part\n\nB.\n",
        );
        let (out, start) = entry(
            &e,
            &[],
            &View::Full(Some("second-part".into())),
            style(false, 80),
            &mut |_, _| None,
        );
        let start = start.unwrap();
        assert!(
            out.lines().nth(start).unwrap().contains("Second part"),
            "{out}\n{start}"
        );
    }

    #[test]
    fn search_blocks_fit_forty_columns_with_long_ids() {
        let mut m = meta("a-rather-long-entry-identifier");
        m.category = "packages".into();
        let hit = Hit {
            meta: m,
            origin: Origin::Builtin("x.md".into()),
            score: 1.0,
            section: None,
            snippet: crate::snippet::Snippet::default(),
            confident: true,
            clear: true,
            near: true,
        };
        let out = hits(&[hit], style(false, 40));
        assert!(out.lines().all(|l| columns(l) <= 40), "{out}");
        assert!(out.contains("[packages]"), "{out}");
    }

    #[test]
    fn lists_and_truncation_measure_display_columns() {
        let mut wide = meta("cjk");
        wide.title = "漢字".repeat(30);
        let out = list(&[(wide, Origin::Builtin("x".into()))], style(false, 20));
        assert!(out.lines().all(|l| columns(l) <= 20), "{out}");
        assert_eq!(truncate("漢字漢字", 5), "漢字…");
    }

    #[test]
    fn wrap_cuts_a_word_wider_than_the_line() {
        let text = "a filter().exclude().order_by() b";
        let lines: Vec<&str> = wrap(text, 10).into_iter().map(|r| &text[r]).collect();
        assert_eq!(lines, ["a", "filter().e", "xclude().o", "rder_by()", "b"]);
    }

    #[test]
    fn see_also_wraps_the_summary_not_after_the_id() {
        let mut m = meta("descriptors");
        m.summary = "The protocol behind methods, property and ORM fields, at code level".into();
        let mut out = String::new();
        see_also(&mut out, &m, 40, style(false, 40));
        assert!(out.starts_with("- descriptors\n    The protocol"), "{out}");
        assert!(out.lines().all(|l| columns(l) <= 40), "{out}");
    }

    #[test]
    fn json_has_no_control_characters_and_no_path_for_builtin_entries() {
        let mut m = meta("x");
        m.title = "evil \x1b]52;c;payload\x07 title".into();
        let rows = list_json(&[(m, Origin::Builtin("x.md".into()))]);
        assert!(
            !rows.contains("\\u001b") && !rows.contains("\\u0007"),
            "{rows}"
        );
        assert!(rows.contains("\"path\":null,\"builtin\":true"), "{rows}");
    }

    #[test]
    fn a_table_that_fits_is_boxed_and_one_that_would_cut_words_is_read_row_by_row() {
        let rows: Vec<Vec<String>> = [
            ["Version", "Syntax", "Library and runtime", "Removed"],
            [
                "3.12",
                "type X = int (PEP 695)",
                "itertools.batched",
                "distutils, imp",
            ],
            ["3.13", "none", "copy.replace, the new REPL", ""],
        ]
        .iter()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect();
        let wide = table(&rows, 100, style(false, 100));
        assert!(wide[0].starts_with('┌'), "{wide:?}");
        let narrow = table(&rows, 40, style(false, 40));
        assert_eq!(narrow[0], "3.12", "{narrow:?}");
        assert!(narrow.contains(&"  Syntax: type X = int (PEP 695)".to_string()));
        assert!(narrow.contains(&"  Removed: distutils, imp".to_string()));
        // An empty cell says nothing; rows are apart.
        assert!(!narrow.iter().any(|l| l.trim() == "Removed:"), "{narrow:?}");
        assert!(narrow.contains(&String::new()), "{narrow:?}");
        assert!(narrow.iter().all(|l| columns(l) <= 40), "{narrow:?}");
        let bold = table(&rows, 40, style(true, 40));
        assert!(
            bold.iter()
                .any(|l| l.starts_with("  \x1b[1mSyntax:\x1b[0m type"))
        );
    }

    #[test]
    fn versions_compress_consecutive_minor_releases() {
        let v = |s: &[&str]| versions(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(v(&["3.13", "3.10", "3.11", "3.12"]), "3.10–3.13");
        assert_eq!(v(&["3.10", "3.12"]), "3.10, 3.12");
        assert_eq!(v(&["3.12"]), "3.12");
    }
}

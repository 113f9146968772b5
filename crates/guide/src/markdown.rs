//! The one Markdown parse behind everything that reads an entry: the front matter split, the
//! body's blocks (prose, and code with its info string and line), its sections (headings with
//! stable anchors), and its plain text with the source range of every piece (for the index
//! and snippets). Code blocks follow CommonMark exactly (pulldown-cmark): a fence inside a
//! list item loses the item's indentation, a longer fence can show a shorter one, `~~~` is a
//! fence, and a closing line never carries an info string. `check`, `--exec`, `show` and the
//! snippets all see the same blocks.
//!
//! The only user of pulldown-cmark.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Inline content: what a paragraph, a heading or a table cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Emphasis(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link {
        label: Vec<Inline>,
        target: String,
    },
    /// A line break in the source that is not a paragraph break (a space when reflowed).
    SoftBreak,
    HardBreak,
}

/// A block of an entry's body, as a terminal shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    /// `anchor` is the section's (for `##` and `###`), as [`sections`] gives it.
    Heading {
        level: u8,
        text: Vec<Inline>,
        anchor: Option<String>,
    },
    Paragraph(Vec<Inline>),
    /// `start` is the first number of an ordered list.
    List {
        start: Option<u64>,
        items: Vec<Vec<Node<'a>>>,
    },
    Quote(Vec<Node<'a>>),
    Code(Code<'a>),
    /// Rows of cells; the first row is the header.
    Table(Vec<Vec<Vec<Inline>>>),
    Rule,
}

/// The plain text of some inline content (links as their labels).
pub fn inline_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Emphasis(c) | Inline::Strong(c) | Inline::Strike(c) => {
                out.push_str(&inline_text(c))
            }
            Inline::Link { label, .. } => out.push_str(&inline_text(label)),
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
        }
    }
    out
}

/// What is being built while the events of a document are read.
enum Open {
    /// The body, a quote or a list item: blocks.
    Blocks(Vec<Node<'static>>),
    /// A list: its items.
    List(Option<u64>, Vec<Vec<Node<'static>>>),
    /// A table: its rows, and the row being read.
    Table(Vec<Vec<Vec<Inline>>>, Vec<Vec<Inline>>),
    /// A paragraph, heading (level), table cell, emphasis, strong, strike or link: inlines.
    Inlines(InlineKind, Vec<Inline>),
}

#[derive(Clone)]
enum InlineKind {
    Paragraph,
    Heading(u8),
    Cell,
    Emphasis,
    Strong,
    Strike,
    Link(String),
}

/// The body as a tree of blocks: everything a terminal rendering needs, from the one parse.
pub fn document(md: &str) -> Vec<Node<'_>> {
    let codes: Vec<Code<'_>> = blocks(md)
        .into_iter()
        .filter_map(|b| match b {
            Block::Code(c) => Some(c),
            Block::Prose(_) => None,
        })
        .collect();
    let mut codes = codes.into_iter();
    let mut anchors = sections(md).into_iter().map(|s| s.anchor);
    let mut stack: Vec<Open> = vec![Open::Blocks(Vec::new())];
    // Nodes are built without the body's lifetime, then code blocks (which borrow it) are
    // put in place by position: `Node::Code` placeholders hold the index.
    let mut code_slots: Vec<Code<'_>> = Vec::new();
    let mut in_code = false;
    let push_block = |stack: &mut Vec<Open>, node: Node<'static>| match stack.last_mut() {
        Some(Open::Blocks(nodes)) => nodes.push(node),
        Some(Open::Inlines(_, _)) | Some(Open::Table(..)) | Some(Open::List(..)) | None => {}
    };
    let push_inline = |stack: &mut Vec<Open>, inline: Inline| {
        match stack.last_mut() {
            Some(Open::Inlines(_, items)) => items.push(inline),
            // Text straight in a list item (a tight list) or a quote: a paragraph of its own.
            Some(Open::Blocks(nodes)) => match nodes.last_mut() {
                Some(Node::Paragraph(items)) => items.push(inline),
                _ => nodes.push(Node::Paragraph(vec![inline])),
            },
            _ => {}
        }
    };
    // Whether each quote, list, item, emphasis and link now open was given a level of its
    // own: deeper than `MAX_NESTING`, what it holds joins the level around it.
    let mut nested: Vec<bool> = Vec::new();
    for event in Parser::new_ext(md, options()) {
        if let Event::Start(tag) = &event
            && nests(tag)
        {
            // An item has a level when its list has one, or its text would be lost.
            let own = if matches!(tag, Tag::Item) {
                nested.last().copied().unwrap_or(true)
            } else {
                nested.iter().filter(|&&own| own).count() < MAX_NESTING
            };
            nested.push(own);
            if !own {
                continue;
            }
        }
        if let Event::End(end) = &event
            && nests_end(end)
            && !nested.pop().unwrap_or(true)
        {
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => stack.push(Open::Inlines(InlineKind::Paragraph, Vec::new())),
                Tag::Heading { level, .. } => {
                    stack.push(Open::Inlines(InlineKind::Heading(level as u8), Vec::new()))
                }
                Tag::BlockQuote(_) | Tag::Item => stack.push(Open::Blocks(Vec::new())),
                Tag::List(start) => stack.push(Open::List(start, Vec::new())),
                Tag::Table(_) => stack.push(Open::Table(Vec::new(), Vec::new())),
                Tag::TableHead | Tag::TableRow => {}
                Tag::TableCell => stack.push(Open::Inlines(InlineKind::Cell, Vec::new())),
                Tag::Emphasis => stack.push(Open::Inlines(InlineKind::Emphasis, Vec::new())),
                Tag::Strong => stack.push(Open::Inlines(InlineKind::Strong, Vec::new())),
                Tag::Strikethrough => stack.push(Open::Inlines(InlineKind::Strike, Vec::new())),
                Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => stack.push(
                    Open::Inlines(InlineKind::Link(dest_url.to_string()), Vec::new()),
                ),
                Tag::CodeBlock(_) => {
                    in_code = true;
                    if let Some(code) = codes.next() {
                        code_slots.push(code);
                        let slot = code_slots.len() - 1;
                        push_block(&mut stack, Node::Code(placeholder(slot)));
                    }
                }
                _ => {}
            },
            Event::End(end) => match end {
                TagEnd::CodeBlock => in_code = false,
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::TableCell
                | TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image => {
                    let Some(Open::Inlines(kind, items)) = stack.pop() else {
                        continue;
                    };
                    match kind {
                        InlineKind::Paragraph => push_block(&mut stack, Node::Paragraph(items)),
                        InlineKind::Heading(level) => {
                            let anchor = if matches!(level, 2 | 3) {
                                anchors.next()
                            } else {
                                None
                            };
                            push_block(
                                &mut stack,
                                Node::Heading {
                                    level,
                                    text: items,
                                    anchor,
                                },
                            );
                        }
                        InlineKind::Cell => {
                            if let Some(Open::Table(_, row)) = stack.last_mut() {
                                row.push(items);
                            }
                        }
                        InlineKind::Emphasis => push_inline(&mut stack, Inline::Emphasis(items)),
                        InlineKind::Strong => push_inline(&mut stack, Inline::Strong(items)),
                        InlineKind::Strike => push_inline(&mut stack, Inline::Strike(items)),
                        InlineKind::Link(target) => push_inline(
                            &mut stack,
                            Inline::Link {
                                label: items,
                                target,
                            },
                        ),
                    }
                }
                TagEnd::TableHead | TagEnd::TableRow => {
                    if let Some(Open::Table(rows, row)) = stack.last_mut() {
                        rows.push(std::mem::take(row));
                    }
                }
                TagEnd::Table => {
                    if let Some(Open::Table(rows, _)) = stack.pop() {
                        push_block(&mut stack, Node::Table(rows));
                    }
                }
                TagEnd::Item => {
                    if let Some(Open::Blocks(nodes)) = stack.pop()
                        && let Some(Open::List(_, items)) = stack.last_mut()
                    {
                        items.push(nodes);
                    }
                }
                TagEnd::List(_) => {
                    if let Some(Open::List(start, items)) = stack.pop() {
                        push_block(&mut stack, Node::List { start, items });
                    }
                }
                TagEnd::BlockQuote(_) => {
                    if let Some(Open::Blocks(nodes)) = stack.pop() {
                        push_block(&mut stack, Node::Quote(nodes));
                    }
                }
                _ => {}
            },
            // A code block's text is already in its `Code`.
            Event::Text(_) if in_code => {}
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push_inline(&mut stack, Inline::Text(t.to_string()))
            }
            Event::Code(t) => push_inline(&mut stack, Inline::Code(t.to_string())),
            Event::SoftBreak => push_inline(&mut stack, Inline::SoftBreak),
            Event::HardBreak => push_inline(&mut stack, Inline::HardBreak),
            Event::Rule => push_block(&mut stack, Node::Rule),
            _ => {}
        }
    }
    let root = match stack.into_iter().next() {
        Some(Open::Blocks(nodes)) => nodes,
        _ => Vec::new(),
    };
    fill(root, &mut code_slots.into_iter().map(Some).collect())
}

/// Levels of quotes, lists and inline styles nested in one another that the tree keeps;
/// deeper ones are read as part of the level around them. The tree is walked by recursion (to
/// draw it, and to drop it), and a file of a few kilobytes of `>` would otherwise nest
/// thousands deep and overflow the stack.
const MAX_NESTING: usize = 16;

/// Tags that nest in one another without bound.
fn nests(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn nests_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// A stand-in for the code block in slot `k` while the tree is built.
fn placeholder(k: usize) -> Code<'static> {
    Code {
        info: "",
        lang: "",
        text: String::new(),
        line: k,
        range: usize::MAX..usize::MAX,
        closed: true,
    }
}

/// Puts the code blocks in place of their stand-ins.
fn fill<'a>(nodes: Vec<Node<'static>>, codes: &mut Vec<Option<Code<'a>>>) -> Vec<Node<'a>> {
    nodes
        .into_iter()
        .filter_map(|node| {
            Some(match node {
                Node::Code(c) if c.range.start == usize::MAX => {
                    Node::Code(codes.get_mut(c.line)?.take()?)
                }
                Node::Code(c) => Node::Code(c),
                Node::Heading {
                    level,
                    text,
                    anchor,
                } => Node::Heading {
                    level,
                    text,
                    anchor,
                },
                Node::Paragraph(p) => Node::Paragraph(p),
                Node::List { start, items } => Node::List {
                    start,
                    items: items.into_iter().map(|i| fill(i, codes)).collect(),
                },
                Node::Quote(q) => Node::Quote(fill(q, codes)),
                Node::Table(t) => Node::Table(t),
                Node::Rule => Node::Rule,
            })
        })
        .collect()
}

/// An entry file split at its front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter<'a> {
    pub yaml: &'a str,
    pub body: &'a str,
    /// The file line (1-based) of the closing `---`.
    pub closing_line: usize,
}

/// Why a text has no usable front matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Empty,
    NoOpening,
    Unclosed,
}

/// Splits `---` front matter from the body. The text is expected with `\n` line endings.
pub fn split_front_matter(text: &str) -> Result<FrontMatter<'_>, Split> {
    if text.trim().is_empty() {
        return Err(Split::Empty);
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(Split::NoOpening);
    }
    let yaml_start = first.len();
    let mut at = yaml_start;
    for (k, line) in lines.enumerate() {
        if matches!(line.trim_end(), "---" | "...") {
            return Ok(FrontMatter {
                yaml: &text[yaml_start..at],
                body: &text[at + line.len()..],
                closing_line: k + 2,
            });
        }
        at += line.len();
    }
    Err(Split::Unclosed)
}

/// The body of an entry file's text, without parsing the front matter (a text without
/// front matter is all body).
pub fn body_of(text: &str) -> &str {
    split_front_matter(text).map_or(text, |f| f.body)
}

/// A fenced (or indented) code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code<'a> {
    /// The info string after the fence, trimmed (`pycon python>=3.12`).
    pub info: &'a str,
    /// Its first word: the language (empty for none).
    pub lang: &'a str,
    /// The code as CommonMark reads it: without the fences and the container's indentation.
    pub text: String,
    /// The line (0-based, in the Markdown given) of the opening fence.
    pub line: usize,
    /// The whole block in the Markdown, fences included.
    pub range: Range<usize>,
    /// False for a fence that runs to the end of its container without a closing line.
    pub closed: bool,
}

/// A piece of an entry's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block<'a> {
    /// Markdown that holds no code block.
    Prose(Range<usize>),
    Code(Code<'a>),
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Byte offsets where each line starts.
fn line_starts(md: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(md.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).saturating_sub(1)
}

/// The body as prose and code blocks, in order; every byte is in exactly one block, except
/// the blank lines between them.
pub fn blocks(md: &str) -> Vec<Block<'_>> {
    let starts = line_starts(md);
    let mut out = Vec::new();
    let mut prose_from = 0;
    let mut open: Option<Code> = None;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                // The block starts at its line (a list item's fence keeps its marker before).
                let line = line_of(&starts, range.start);
                if prose_from < range.start {
                    out.push(Block::Prose(prose_from..range.start));
                }
                let info = match &kind {
                    CodeBlockKind::Fenced(_) => fence_info(&md[range.clone()]),
                    CodeBlockKind::Indented => "",
                };
                let fenced = matches!(kind, CodeBlockKind::Fenced(_));
                open = Some(Code {
                    info,
                    lang: info.split_whitespace().next().unwrap_or(""),
                    text: String::new(),
                    line,
                    range: range.clone(),
                    closed: !fenced || is_closed(&md[range]),
                });
            }
            Event::Text(text) if open.is_some() => {
                if let Some(code) = open.as_mut() {
                    code.text.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(code) = open.take() {
                    prose_from = code.range.end;
                    out.push(Block::Code(code));
                }
            }
            _ => {}
        }
    }
    if prose_from < md.len() && !md[prose_from..].trim().is_empty() {
        out.push(Block::Prose(prose_from..md.len()));
    }
    out
}

/// The info string of a fenced block's source: what follows the opening fence.
fn fence_info(src: &str) -> &str {
    let first = src.lines().next().unwrap_or("").trim_start();
    let fence = first
        .chars()
        .take_while(|&c| c == '`' || c == '~')
        .map(char::len_utf8)
        .sum::<usize>();
    first[fence..].trim()
}

/// Whether a fenced block's source ends with a closing fence (CommonMark §4.5: the same
/// character, at least as long, nothing after it but spaces).
fn is_closed(src: &str) -> bool {
    let mut lines = src.lines();
    let first = lines.next().unwrap_or("").trim_start();
    let ch = first.chars().next().unwrap_or('`');
    let len = first.chars().take_while(|&c| c == ch).count();
    let Some(last) = src.trim_end_matches('\n').lines().last() else {
        return false;
    };
    if src.lines().count() < 2 {
        return false;
    }
    let last = last.trim();
    let run = last.chars().take_while(|&c| c == ch).count();
    run >= len && last.len() == run * ch.len_utf8()
}

/// A heading and the text under it, up to the next heading of the same level or above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 2 for `##`, 3 for `###`.
    pub level: u8,
    /// The heading as plain text (`property, classmethod, staticmethod`).
    pub title: String,
    /// Its stable slug, unique in the entry (`property-classmethod-staticmethod`).
    pub anchor: String,
    /// The line (0-based, in the Markdown given) of the heading.
    pub line: usize,
    /// The heading and its text in the Markdown.
    pub range: Range<usize>,
}

/// The `##` and `###` sections of a body, in order. A `###` section's range ends at the next
/// `##` or `###`; a `##` section's at the next `##`.
pub fn sections(md: &str) -> Vec<Section> {
    let starts = line_starts(md);
    let mut found: Vec<(u8, String, Range<usize>)> = Vec::new();
    let mut heading: Option<(u8, String, usize)> = None;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => continue,
                };
                heading = Some((level, String::new(), range.start));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title, _)) = heading.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title, start)) = heading.take() {
                    found.push((level, title.trim().to_string(), start..md.len()));
                }
            }
            _ => {}
        }
    }
    // Each section runs to the next heading of its level or above.
    let mut out: Vec<Section> = Vec::with_capacity(found.len());
    // Anchors taken, and per title the last number tried: a note of 5,000 `## Fixed`
    // headings is linear work, not a scan of every anchor for each.
    let mut used: HashSet<String> = HashSet::with_capacity(found.len());
    let mut tried: HashMap<String, usize> = HashMap::new();
    for k in 0..found.len() {
        let (level, title, range) = &found[k];
        let end = found[k + 1..]
            .iter()
            .find(|(l, _, _)| l <= level)
            .map_or(md.len(), |(_, _, r)| r.start);
        let base = slug(title);
        let mut n = tried.get(&base).copied().unwrap_or(1);
        let mut anchor = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        while used.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        tried.insert(base, n);
        used.insert(anchor.clone());
        out.push(Section {
            level: *level,
            title: title.clone(),
            anchor,
            line: line_of(&starts, range.start),
            range: range.start..end,
        });
    }
    out
}

/// A heading's anchor: lowercase letters and digits, runs of anything else as one `-`
/// (`` `__init__` vs `__new__` `` -> `init-vs-new`).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// A piece of plain text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Its bytes in [`Plain::text`].
    pub plain: Range<usize>,
    /// Its bytes in the Markdown (for a code block, the whole block).
    pub source: Range<usize>,
    /// Part of a code block (not prose, not inline code).
    pub code: bool,
}

/// Markdown as plain text: no markup, link targets or fences; paragraphs, list items,
/// headings and code blocks each one piece, joined by a space.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plain {
    pub text: String,
    pub spans: Vec<Span>,
}

impl Plain {
    /// The pieces of one kind (prose or code), as ranges of `text`, merged where adjacent
    /// within one block.
    pub fn parts(&self, code: bool) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        for s in self.spans.iter().filter(|s| s.code == code) {
            match out.last_mut() {
                Some(last) if last.end + 1 >= s.plain.start && !code => last.end = s.plain.end,
                _ => out.push(s.plain.clone()),
            }
        }
        out
    }

    /// The text of the Markdown bytes `source` (a section's range): what `plain` of that slice
    /// gives, without parsing it again.
    pub fn within(&self, source: Range<usize>) -> &str {
        let spans = self.spans_within(source);
        &self.text[self.text_of(&spans)]
    }

    /// The plain text of the Markdown bytes `source` (a section's range), spans and all: what
    /// `plain` of that slice gives, copied out instead of parsed again.
    pub fn section(&self, source: Range<usize>) -> Plain {
        let spans = self.spans_within(source);
        let text = self.text_of(&spans);
        Plain {
            text: self.text[text.clone()].to_string(),
            spans: self.spans[spans]
                .iter()
                .map(|s| Span {
                    plain: s.plain.start - text.start..s.plain.end - text.start,
                    source: s.source.clone(),
                    code: s.code,
                })
                .collect(),
        }
    }

    /// The spans whose Markdown starts inside `source`.
    fn spans_within(&self, source: Range<usize>) -> Range<usize> {
        let first = self
            .spans
            .partition_point(|s| s.source.start < source.start);
        let end = self.spans.partition_point(|s| s.source.start < source.end);
        first..end.max(first)
    }

    /// The bytes of `text` that the spans `spans` cover, from the first to the last.
    fn text_of(&self, spans: &Range<usize>) -> Range<usize> {
        match (self.spans.get(spans.start), spans.end.checked_sub(1)) {
            (Some(a), Some(last)) if spans.start < spans.end => {
                a.plain.start..self.spans[last].plain.end
            }
            _ => 0..0,
        }
    }
}

/// The plain text of some Markdown (see [`Plain`]).
pub fn plain(md: &str) -> Plain {
    let mut out = Plain::default();
    let mut in_code = false;
    let mut block_break = false;
    // Whether the text before ended in a space (then the next piece is a new word).
    let mut spaced = true;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                block_break = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                block_break = true;
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => block_break = true,
            Event::Text(t) | Event::Code(t) => {
                let code = in_code;
                let text: &str = &t;
                // Code keeps its lines apart; prose flows into one line.
                let mut pieces: Box<dyn Iterator<Item = &str>> = if code {
                    Box::new(
                        text.split('\n')
                            .map(str::trim_end)
                            .filter(|l| !l.is_empty()),
                    )
                } else {
                    Box::new(text.split_whitespace())
                };
                let Some(first) = pieces.next() else {
                    // Only spaces, as between `*throws*` and `` `CancelledError` ``: they
                    // still part the words around them.
                    spaced |= !text.is_empty();
                    continue;
                };
                let joins_word = !block_break && !spaced && !text.starts_with(char::is_whitespace);
                spaced = text.ends_with(char::is_whitespace);
                if !out.text.is_empty() && !joins_word {
                    out.text.push(' ');
                }
                block_break = false;
                let start = out.text.len();
                push_clean(&mut out.text, first);
                for piece in pieces {
                    out.text.push(' ');
                    push_clean(&mut out.text, piece);
                }
                out.spans.push(Span {
                    plain: start..out.text.len(),
                    source: range,
                    code,
                });
            }
            Event::SoftBreak | Event::HardBreak => spaced = true,
            _ => {}
        }
    }
    out
}

/// Appends `s` with its control characters as spaces (plain text feeds one-line snippets and
/// the index). Most text is printable ASCII, copied whole.
fn push_clean(out: &mut String, s: &str) {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.push_str(s);
    } else {
        out.extend(s.chars().map(|c| if c.is_control() { ' ' } else { c }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(md: &str) -> Vec<Code<'_>> {
        blocks(md)
            .into_iter()
            .filter_map(|b| match b {
                Block::Code(c) => Some(c),
                Block::Prose(_) => None,
            })
            .collect()
    }

    #[test]
    fn front_matter_splits_and_says_why_not() {
        let f = split_front_matter("---\nid: x\n---\n## Body\n").unwrap();
        assert_eq!(
            (f.yaml, f.body, f.closing_line),
            ("id: x\n", "## Body\n", 3)
        );
        assert_eq!(split_front_matter("  \n"), Err(Split::Empty));
        assert_eq!(split_front_matter("# x\n"), Err(Split::NoOpening));
        assert_eq!(split_front_matter("---\nid: x\n"), Err(Split::Unclosed));
        assert_eq!(body_of("no front matter"), "no front matter");
    }

    #[test]
    fn fences_follow_commonmark() {
        // A fence in a list item loses the item's indentation.
        let md = "1. Step:\n\n   ```python\n   if x:\n       y()\n   ```\n";
        let c = &codes(md)[0];
        assert_eq!(
            (c.lang, c.text.as_str(), c.line),
            ("python", "if x:\n    y()\n", 2)
        );
        assert!(c.closed);
        // A longer fence shows a shorter one, whole.
        let md = "````text\n```python\nx = 1\n```\n````\n";
        let c = &codes(md)[0];
        assert_eq!(c.text, "```python\nx = 1\n```\n");
        // A closing line with an info string is content, not a close: the block runs on.
        let md = "```python\nx = 1\n```python\ny = 2\n";
        let c = &codes(md)[0];
        assert_eq!(c.text, "x = 1\n```python\ny = 2\n");
        assert!(!c.closed);
        // Tildes fence, and may hold backticks.
        let md = "~~~\n```\n~~~\nafter\n";
        let c = &codes(md)[0];
        assert_eq!((c.text.as_str(), c.closed), ("```\n", true));
        assert_eq!(blocks(md).len(), 2);
    }

    #[test]
    fn info_strings_and_prose_between_blocks() {
        let md = "Intro.\n\n```pycon python>=3.12\n>>> 1\n1\n```\nAfter.\n";
        let b = blocks(md);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0], Block::Prose(0..8));
        let Block::Code(c) = &b[1] else { panic!() };
        assert_eq!((c.info, c.lang, c.line), ("pycon python>=3.12", "pycon", 2));
        assert_eq!(&md[c.range.clone()], "```pycon python>=3.12\n>>> 1\n1\n```");
        assert_eq!(b[2], Block::Prose(c.range.end..md.len()));
    }

    #[test]
    fn sections_have_unique_stable_anchors_and_nest() {
        let md = "## In short\nA.\n## `property`, `classmethod`, staticmethod\nB.\n### Detail\nC.\n## In short\nD.\n";
        let s = sections(md);
        let anchors: Vec<&str> = s.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "in-short",
                "property-classmethod-staticmethod",
                "detail",
                "in-short-2"
            ]
        );
        assert_eq!(s[1].title, "property, classmethod, staticmethod");
        assert_eq!(
            &md[s[1].range.clone()],
            "## `property`, `classmethod`, staticmethod\nB.\n### Detail\nC.\n"
        );
        assert_eq!(&md[s[2].range.clone()], "### Detail\nC.\n");
        assert_eq!((s[1].level, s[1].line, s[2].level), (2, 2, 3));
        assert_eq!(slug("`__init__` vs `__new__`"), "init-vs-new");
    }

    #[test]
    fn repeated_headings_number_their_anchors_past_ones_taken() {
        let md = "## h\n## h-2\n## h\n## H\n## Fixed\n## h\n## Fixed\n";
        let anchors: Vec<String> = sections(md).into_iter().map(|s| s.anchor).collect();
        assert_eq!(
            anchors,
            ["h", "h-2", "h-3", "h-4", "fixed", "h-5", "fixed-2"]
        );
        // A changelog of many alike headings: every anchor distinct, in order.
        let md = "### Fixed\nx\n".repeat(3000);
        let s = sections(&md);
        assert_eq!(s.len(), 3000);
        assert_eq!(s[2999].anchor, "fixed-3000");
    }

    #[test]
    fn plain_text_has_no_markup_and_keeps_code_apart() {
        let md = "## Heading\n\nUse `yield` and **[the docs](http://x)**.\n\n```python\nimport sys\nsquares = [1]\n```\nAfter *it*.\n";
        let p = plain(md);
        assert_eq!(
            p.text,
            "Heading Use yield and the docs. import sys squares = [1] After it."
        );
        let prose: Vec<&str> = p.parts(false).into_iter().map(|r| &p.text[r]).collect();
        assert_eq!(prose, ["Heading Use yield and the docs.", "After it."]);
        let code: Vec<&str> = p.parts(true).into_iter().map(|r| &p.text[r]).collect();
        assert_eq!(code, ["import sys squares = [1]"]);
        for s in &p.spans {
            let first = p.text[s.plain.clone()].split(' ').next().unwrap();
            assert!(md[s.source.clone()].contains(first), "{s:?}");
        }
    }

    #[test]
    fn a_section_of_the_plain_text_is_the_plain_text_of_the_section() {
        let md = "Intro *x*.\n\n## One\n\nA `b` c.\n\n```python\nx = 1\n\ny = 2\n```\n\n## Two\n\n- item\n- `code`\n\n## Empty\n";
        let p = plain(md);
        for s in sections(md) {
            let alone = plain(&md[s.range.clone()]);
            assert_eq!(p.within(s.range.clone()), alone.text, "{}", s.title);
            let section = p.section(s.range.clone());
            assert_eq!(section.text, alone.text, "{}", s.title);
            for code in [false, true] {
                assert_eq!(section.parts(code), alone.parts(code), "{}", s.title);
            }
        }
        assert_eq!(p.within(0..md.len()), p.text);
        assert_eq!(p.section(0..md.len()), p);
        assert_eq!(p.section(md.len()..md.len()), Plain::default());
    }

    /// Quotes, lists and styles nested thousands deep keep sixteen levels; the text of the
    /// deeper ones is kept in the deepest.
    #[test]
    fn nesting_deeper_than_the_tree_keeps_joins_the_level_around_it() {
        fn depth(nodes: &[Node]) -> usize {
            nodes
                .iter()
                .map(|n| match n {
                    Node::Quote(q) => 1 + depth(q),
                    Node::List { items, .. } => {
                        2 + items.iter().map(|i| depth(i)).max().unwrap_or(0)
                    }
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        fn words(nodes: &[Node], out: &mut String) {
            for n in nodes {
                match n {
                    Node::Paragraph(p) => out.push_str(&inline_text(p)),
                    Node::Quote(q) => words(q, out),
                    Node::List { items, .. } => items.iter().for_each(|i| words(i, out)),
                    _ => {}
                }
            }
        }
        for md in [
            format!("{} deep", ">".repeat(12_000)),
            format!("{}deep", "- ".repeat(20_000)),
            format!("{}deep", "> - ".repeat(5_000)),
            format!("{}deep{}", "*_".repeat(3_000), "_*".repeat(3_000)),
        ] {
            let doc = document(&md);
            assert!(depth(&doc) <= MAX_NESTING, "{}", &md[..8]);
            let mut text = String::new();
            words(&doc, &mut text);
            assert!(text.contains("deep"), "{}: {text:?}", &md[..8]);
        }
        // Nesting the tree can keep is kept as it is.
        let doc = document("> > > - a\n> > >   - b\n");
        assert_eq!(depth(&doc), 7, "{doc:#?}");
    }

    #[test]
    fn a_space_between_two_styled_words_still_parts_them() {
        assert_eq!(
            plain("the step *throws* `CancelledError` into **it** `x`y").text,
            "the step throws CancelledError into it xy"
        );
    }

    #[test]
    fn a_document_is_a_tree_of_blocks_with_inline_styles() {
        let md = "## Head `x`\n\nSome *em* and **strong `c`** [link](target).\n\n- one\n  - two\n    - three\n\n1. first\n\n   ```python\n   x = 1\n   ```\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n";
        let doc = document(md);
        assert_eq!(doc.len(), 7, "{doc:#?}");
        let Node::Heading {
            level: 2,
            text,
            anchor,
        } = &doc[0]
        else {
            panic!("{doc:?}")
        };
        assert_eq!(
            (inline_text(text).as_str(), anchor.as_deref()),
            ("Head x", Some("head-x"))
        );
        let Node::Paragraph(p) = &doc[1] else {
            panic!()
        };
        assert!(matches!(p[1], Inline::Emphasis(_)));
        assert!(matches!(&p[3], Inline::Strong(c) if matches!(c[1], Inline::Code(_))));
        assert!(matches!(&p[5], Inline::Link { target, .. } if target == "target"));
        let Node::List { start: None, items } = &doc[2] else {
            panic!()
        };
        let Node::List { items: inner, .. } = &items[0][1] else {
            panic!("{items:?}")
        };
        assert!(matches!(&inner[0][1], Node::List { .. }), "three levels");
        let Node::List {
            start: Some(1),
            items,
        } = &doc[3]
        else {
            panic!()
        };
        assert!(matches!(&items[0][1], Node::Code(c) if c.text == "x = 1\n"));
        assert!(matches!(&doc[4], Node::Quote(q) if matches!(q[0], Node::Paragraph(_))));
        assert!(matches!(&doc[5], Node::Table(rows) if rows.len() == 2 && rows[0].len() == 2));
    }

    /// The fenced-code examples of the CommonMark spec (0.31, §4.5), each with the code text
    /// CommonMark gives for it.
    #[test]
    fn commonmark_fenced_code_examples() {
        let cases: &[(&str, &[&str])] = &[
            ("```\n<\n >\n```\n", &["<\n >\n"]),
            ("~~~\n<\n >\n~~~\n", &["<\n >\n"]),
            ("``\nfoo\n``\n", &[]),
            ("```\naaa\n~~~\n```\n", &["aaa\n~~~\n"]),
            ("~~~\naaa\n```\n~~~\n", &["aaa\n```\n"]),
            ("````\naaa\n```\n``````\n", &["aaa\n```\n"]),
            ("~~~~\naaa\n~~~\n~~~~\n", &["aaa\n~~~\n"]),
            ("```\n", &[""]),
            ("`````\n\n```\naaa\n", &["\n```\naaa\n"]),
            ("> ```\n> aaa\n\nbbb\n", &["aaa\n"]),
            ("```\n\n  \n```\n", &["\n  \n"]),
            ("```\n```\n", &[""]),
            (" ```\n aaa\naaa\n```\n", &["aaa\naaa\n"]),
            ("  ```\naaa\n  aaa\naaa\n  ```\n", &["aaa\naaa\naaa\n"]),
            (
                "   ```\n   aaa\n    aaa\n  aaa\n   ```\n",
                &["aaa\n aaa\naaa\n"],
            ),
            ("    ```\n    aaa\n    ```\n", &["```\naaa\n```\n"]),
            ("```\naaa\n  ```\n", &["aaa\n"]),
            ("   ```\naaa\n  ```\n", &["aaa\n"]),
            ("```\naaa\n    ```\n", &["aaa\n    ```\n"]),
            ("``` ```\naaa\n", &[]),
            ("~~~~~~\naaa\n~~~ ~~\n", &["aaa\n~~~ ~~\n"]),
            ("foo\n```\nbar\n```\nbaz\n", &["bar\n"]),
            (
                "```ruby\ndef foo(x)\n  return 3\nend\n```\n",
                &["def foo(x)\n  return 3\nend\n"],
            ),
            ("```;\n```\n", &[""]),
            ("```\n``` aaa\n```\n", &["``` aaa\n"]),
        ];
        for (md, want) in cases {
            let got: Vec<String> = codes(md).into_iter().map(|c| c.text).collect();
            assert_eq!(got, *want, "{md:?}");
        }
    }
}

//! Colours for fenced code in a terminal, by syntect with bat's syntaxes and themes (the
//! two-face crate): every language bat knows, TOML included.
//!
//! Highlighting is split in two: [`Highlighter::runs`] turns code into colour runs (the
//! expensive part: compiling the syntax's regexes and parsing every line, 10-30 ms for an
//! entry of the guide), and [`paint`] turns runs into escape sequences at a width. `build.rs`
//! computes the runs of every built-in code block for both themes, so showing a built-in entry
//! only paints; a user's own code is highlighted when shown.
//!
//! `pycon` blocks are highlighted line by line: the code after `>>> ` and `... ` as Python,
//! the prompt dim, the output plain.

use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use syntect::easy::HighlightLines;
use syntect::highlighting::Theme as SyntectTheme;
use syntect::parsing::{SyntaxReference, SyntaxSet};

use crate::cli::Theme;

/// Part of a block: `len` bytes in one colour. `color` is `0xRRGGBB`, or [`PLAIN`] or [`DIM`].
/// Runs never span a newline: each `\n` is a run of its own with colour [`NEWLINE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub color: u32,
    pub len: u32,
}

pub const PLAIN: u32 = 1 << 24;
pub const DIM: u32 = (1 << 24) + 1;
pub const NEWLINE: u32 = (1 << 24) + 2;

/// A fenced code block of Markdown: the first word of its info string and its text.
#[derive(Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    Prose(&'a str),
    Code { lang: &'a str, code: &'a str },
}

/// Markdown split into prose and fenced code blocks, so code can be coloured by syntax and
/// prose rendered by termimad. An unclosed fence runs to the end, as in CommonMark.
pub fn segments(md: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut prose_start = 0;
    let mut at = 0;
    let mut open: Option<(&str, &str, usize)> = None; // (fence, lang, code start)
    for line in md.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let t = line.trim();
        let fence_len = t.chars().take_while(|&c| c == '`' || c == '~').count();
        match open {
            Some((fence, lang, code_start))
                if t.starts_with(fence) && t[fence_len..].trim().is_empty() =>
            {
                out.push(Segment::Code {
                    lang,
                    code: &md[code_start..start],
                });
                open = None;
                prose_start = at;
            }
            Some(_) => {}
            None if fence_len >= 3 => {
                if prose_start < start {
                    out.push(Segment::Prose(&md[prose_start..start]));
                }
                let lang = t[fence_len..].split_whitespace().next().unwrap_or("");
                open = Some((&t[..fence_len], lang, at));
            }
            None => {}
        }
    }
    match open {
        Some((_, lang, code_start)) => out.push(Segment::Code {
            lang,
            code: &md[code_start..],
        }),
        None if prose_start < md.len() => out.push(Segment::Prose(&md[prose_start..])),
        None => {}
    }
    out
}

/// The key of a block in the precomputed tables.
pub fn key(lang: &str, code: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    lang.hash(&mut h);
    code.hash(&mut h);
    h.finish()
}

/// The runs of blocks, as `build.rs` stores them: a count, then (key u64, first run u32,
/// run count u32) sorted by key, then the runs as (colour u32, length u32); little-endian.
pub fn table(blocks: &mut [(u64, Vec<Run>)]) -> Vec<u8> {
    blocks.sort_by_key(|(k, _)| *k);
    let mut head = Vec::new();
    let mut body = Vec::new();
    head.extend_from_slice(&(blocks.len() as u32).to_le_bytes());
    let mut first = 0u32;
    for (k, runs) in blocks.iter() {
        head.extend_from_slice(&k.to_le_bytes());
        head.extend_from_slice(&first.to_le_bytes());
        head.extend_from_slice(&(runs.len() as u32).to_le_bytes());
        first += runs.len() as u32;
        for r in runs {
            body.extend_from_slice(&r.color.to_le_bytes());
            body.extend_from_slice(&r.len.to_le_bytes());
        }
    }
    head.extend_from_slice(&body);
    head
}

/// The runs of the block with this [`key`] in a table made by [`table`]; `None` if it is not
/// there (or the table is damaged).
fn lookup(table: &[u8], wanted: u64) -> Option<Vec<Run>> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(table.get(at..at + 4)?.try_into().ok()?))
    };
    let count = u32_at(0)? as usize;
    let (mut lo, mut hi) = (0, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let at = 4 + mid * 16;
        let k = u64::from_le_bytes(table.get(at..at + 8)?.try_into().ok()?);
        match k.cmp(&wanted) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => {
                let first = u32_at(at + 8)? as usize;
                let n = u32_at(at + 12)? as usize;
                let base = 4 + count * 16 + first * 8;
                return (0..n)
                    .map(|i| {
                        Some(Run {
                            color: u32_at(base + i * 8)?,
                            len: u32_at(base + i * 8 + 4)?,
                        })
                    })
                    .collect();
            }
        }
    }
    None
}

/// Where a block's colours come from, cheapest first: the table `build.rs` made for the
/// built-in guide, then runs saved in the cache folder by an earlier `show`, then syntect
/// (whose result is saved for next time). Saving is best effort: a cache that cannot be
/// written only costs time.
pub struct Colors {
    theme: Theme,
    dir: Option<PathBuf>,
    highlighter: Option<Highlighter>,
}

/// More saved blocks than this and the folder is emptied (edits leave old blocks behind).
const MAX_SAVED: usize = 4_000;

impl Colors {
    /// `cache_dir`: the index's folder; the runs go in a folder of their own inside it, named
    /// for this build of pyguide (another build may colour differently).
    pub fn new(theme: Theme, cache_dir: Option<&Path>) -> Colors {
        let dir = cache_dir.map(|d| d.join(format!("colors-{:x}", crate::builtin::FINGERPRINT)));
        Colors {
            theme,
            dir,
            highlighter: None,
        }
    }

    pub fn runs(&mut self, lang: &str, code: &str) -> Option<Vec<Run>> {
        let key = key(lang, code);
        if let Some(runs) = precomputed(self.theme, key) {
            return Some(runs);
        }
        let file = self.dir.as_ref().map(|d| {
            let theme = match self.theme {
                Theme::Dark => "dark",
                Theme::Light => "light",
            };
            d.join(format!("{key:016x}-{theme}"))
        });
        if let Some(saved) = file.as_ref().and_then(|f| fs::read(f).ok())
            && let Some(runs) = lookup(&saved, key)
            && runs.iter().map(|r| r.len as usize).sum::<usize>() == code.len()
        {
            return Some(runs);
        }
        let theme = self.theme;
        let runs = self
            .highlighter
            .get_or_insert_with(|| Highlighter::new(theme))
            .runs(lang, code)?;
        if let (Some(dir), Some(file)) = (&self.dir, &file) {
            save(dir, file, &table(&mut [(key, runs.clone())]));
        }
        Some(runs)
    }
}

/// Writes a file whole or not at all (a temporary file renamed into place).
fn save(dir: &Path, file: &Path, bytes: &[u8]) {
    if fs::read_dir(dir).is_ok_and(|d| d.count() > MAX_SAVED) {
        let _ = fs::remove_dir_all(dir);
    }
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".tmp-{}", std::process::id()));
    if fs::write(&tmp, bytes).is_ok() && fs::rename(&tmp, file).is_err() {
        let _ = fs::remove_file(&tmp);
    }
}

/// The runs `build.rs` computed for the block of the built-in guide with this [`key`].
fn precomputed(theme: Theme, key: u64) -> Option<Vec<Run>> {
    let table = match theme {
        Theme::Dark => crate::builtin::RUNS_DARK,
        Theme::Light => crate::builtin::RUNS_LIGHT,
    };
    lookup(table, key)
}

pub struct Highlighter {
    syntaxes: SyntaxSet,
    theme: SyntectTheme,
}

impl Highlighter {
    pub fn new(theme: Theme) -> Highlighter {
        let name = match theme {
            Theme::Dark => two_face::theme::EmbeddedThemeName::OneHalfDark,
            Theme::Light => two_face::theme::EmbeddedThemeName::OneHalfLight,
        };
        Highlighter {
            syntaxes: two_face::syntax::extra_newlines(),
            theme: two_face::theme::extra().get(name).clone(),
        }
    }

    fn syntax(&self, lang: &str) -> Option<&SyntaxReference> {
        let name = match lang.to_ascii_lowercase().as_str() {
            "python" | "py" | "python3" | "pycon" => "Python",
            "bash" | "sh" | "shell" | "console" | "zsh" => "Bourne Again Shell (bash)",
            "text" | "txt" | "plain" | "" => return None,
            other => return self.syntaxes.find_syntax_by_token(other),
        };
        self.syntaxes.find_syntax_by_name(name)
    }

    /// The colour runs of `code`, covering every byte; `None` for a language it does not know
    /// (and for plain text).
    pub fn runs(&self, lang: &str, code: &str) -> Option<Vec<Run>> {
        let syntax = self.syntax(lang)?;
        let pycon = lang.eq_ignore_ascii_case("pycon");
        let mut lines = HighlightLines::new(syntax, &self.theme);
        let mut runs = Vec::new();
        for line in code.split_inclusive('\n') {
            let body = line.strip_suffix('\n').unwrap_or(line);
            if pycon {
                let prompt = [">>> ", "... ", ">>>", "..."]
                    .into_iter()
                    .find(|p| body.starts_with(p) && (p.len() == 4 || body.len() == 3));
                match prompt {
                    Some(p) => {
                        push(&mut runs, DIM, p.len());
                        // The newline goes to syntect too: Python's rules expect it.
                        self.parse(&mut lines, &line[p.len()..], &mut runs);
                    }
                    None => {
                        // Output: plain, and the Python state carries on untouched.
                        push(&mut runs, PLAIN, body.len());
                    }
                }
            } else {
                self.parse(&mut lines, line, &mut runs);
            }
            if line.len() > body.len() {
                push(&mut runs, NEWLINE, 1);
            }
        }
        Some(runs)
    }

    fn parse(&self, lines: &mut HighlightLines, line: &str, runs: &mut Vec<Run>) {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let Ok(ranges) = lines.highlight_line(line, &self.syntaxes) else {
            push(runs, PLAIN, body.len());
            return;
        };
        let mut left = body.len();
        for (style, text) in ranges {
            let len = text.len().min(left);
            let c = style.foreground;
            push(
                runs,
                u32::from(c.r) << 16 | u32::from(c.g) << 8 | u32::from(c.b),
                len,
            );
            left -= len;
        }
        push(runs, PLAIN, left);
    }
}

fn push(runs: &mut Vec<Run>, color: u32, len: usize) {
    if len == 0 {
        return;
    }
    match runs.last_mut() {
        Some(last) if last.color == color && color != NEWLINE => last.len += len as u32,
        _ => runs.push(Run {
            color,
            len: len as u32,
        }),
    }
}

/// The code with colour escapes, each line indented by `indent` and broken at `width`
/// columns (a broken line goes on under the same indent, in the same colour). 24-bit colour
/// when `truecolor`, else the nearest of the 256-colour palette. Runs that do not fit the
/// code (a stale table) leave the rest plain.
pub fn paint(code: &str, runs: &[Run], indent: &str, width: usize, truecolor: bool) -> String {
    let mut out = Painter {
        out: String::with_capacity(code.len() * 3),
        indent,
        room: width.saturating_sub(indent.chars().count()).max(8),
        col: 0,
        color: String::new(),
        fresh: true,
    };
    let mut at = 0;
    for run in runs {
        let end = at + run.len as usize;
        let Some(text) = code.get(at..end) else { break };
        at = end;
        match run.color {
            NEWLINE => {
                out.end_line();
                continue;
            }
            PLAIN => out.color = "\x1b[0m".into(),
            DIM => out.color = "\x1b[0;2m".into(),
            rgb => {
                let (r, g, b) = ((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8);
                out.color.clear();
                if truecolor {
                    let _ = write!(out.color, "\x1b[0;38;2;{r};{g};{b}m");
                } else {
                    let _ = write!(out.color, "\x1b[0;38;5;{}m", ansi256(r, g, b));
                }
            }
        }
        out.put(text);
    }
    // Whatever the runs did not cover, plain.
    if let Some(rest) = code.get(at..) {
        out.color = "\x1b[0m".into();
        for (i, line) in rest.split('\n').enumerate() {
            if i > 0 {
                out.end_line();
            }
            out.put(line);
        }
    }
    if !out.fresh {
        out.end_line();
    }
    out.out
}

struct Painter<'a> {
    out: String,
    indent: &'a str,
    room: usize,
    col: usize,
    color: String,
    /// At the start of a line, its indent not written yet.
    fresh: bool,
}

impl Painter<'_> {
    fn end_line(&mut self) {
        self.out.push_str("\x1b[0m\n");
        self.fresh = true;
    }

    fn put(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.fresh {
            self.out.push_str(self.indent);
            self.col = 0;
            self.fresh = false;
        }
        self.out.push_str(&self.color);
        for c in text.chars() {
            if self.col == self.room {
                self.out.push_str("\x1b[0m\n");
                self.out.push_str(self.indent);
                self.out.push_str(&self.color);
                self.col = 0;
            }
            self.out.push(c);
            self.col += 1;
        }
    }
}

/// The nearest colour of the xterm 256-colour cube or grey ramp.
fn ansi256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        match v {
            0..=47 => 0,
            48..=114 => 1,
            _ => (v - 35) / 40,
        }
    };
    let (lr, lg, lb) = (level(r), level(g), level(b));
    let cube = 16 + 36 * lr + 6 * lg + lb;
    let step = |l: u8| if l == 0 { 0 } else { 55 + 40 * i32::from(l) };
    let cube_err = [(r, lr), (g, lg), (b, lb)]
        .iter()
        .map(|&(v, l)| (i32::from(v) - step(l)).pow(2))
        .sum::<i32>();
    let avg = (i32::from(r) + i32::from(g) + i32::from(b)) / 3;
    let grey = if avg > 238 {
        23
    } else {
        ((avg - 3).max(0) / 10) as u8
    };
    let grey_value = 8 + 10 * i32::from(grey);
    let grey_err = [r, g, b]
        .iter()
        .map(|&v| (i32::from(v) - grey_value).pow(2))
        .sum::<i32>();
    if grey_err < cube_err {
        232 + grey
    } else {
        cube
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn runs_cover_the_code_and_paint_back_to_it() {
        let h = Highlighter::new(Theme::Dark);
        for (lang, code) in [
            ("python", "def f():\n    return 1\n"),
            ("pycon", ">>> 1 + 1\n2\n...\n>>> x\n"),
            ("bash", "pip install x\n"),
            ("json", "{\"a\": 1}"),
            ("toml", "[a]\nb = 1\n"),
            ("yaml", "a: [1, 2]\n"),
        ] {
            let runs = h.runs(lang, code).unwrap();
            let total: u32 = runs.iter().map(|r| r.len).sum();
            assert_eq!(total as usize, code.len(), "{lang}");
            let painted = paint(code, &runs, "  ", 80, false);
            assert!(painted.contains("\x1b[0;38;5;"), "{lang}: {painted:?}");
            let expected: String = code.lines().map(|l| format!("  {l}\n")).collect();
            assert_eq!(strip(&painted), expected, "{lang}");
        }
        assert!(h.runs("cobol-85", "x").is_none());
        assert!(h.runs("text", "x").is_none());
    }

    #[test]
    fn pycon_prompts_are_dim_and_output_plain() {
        let h = Highlighter::new(Theme::Light);
        let runs = h.runs("pycon", ">>> 1 + 1\n2\n").unwrap();
        assert_eq!(runs[0], Run { color: DIM, len: 4 });
        let output = runs.iter().rev().nth(1).unwrap();
        assert_eq!(
            *output,
            Run {
                color: PLAIN,
                len: 1
            }
        );
    }

    #[test]
    fn long_lines_wrap_under_the_indent_in_both_colour_modes() {
        let h = Highlighter::new(Theme::Dark);
        let code = "x = 'abcdefghijklmnopqrstuvwxyz'\n";
        let runs = h.runs("python", code).unwrap();
        for truecolor in [false, true] {
            let out = paint(code, &runs, "  ", 20, truecolor);
            let visible: Vec<String> = out.lines().map(strip).collect();
            assert_eq!(visible, ["  x = 'abcdefghijklm", "  nopqrstuvwxyz'"]);
        }
    }

    #[test]
    fn tables_find_what_they_hold_and_only_that() {
        let runs = vec![
            Run {
                color: PLAIN,
                len: 3,
            },
            Run {
                color: NEWLINE,
                len: 1,
            },
        ];
        let mut blocks = vec![
            (key("python", "abc\n"), runs.clone()),
            (key("bash", "ls"), vec![Run { color: DIM, len: 2 }]),
        ];
        let t = table(&mut blocks);
        assert_eq!(lookup(&t, key("python", "abc\n")), Some(runs));
        assert_eq!(lookup(&t, key("bash", "ls")).unwrap().len(), 1);
        assert_eq!(lookup(&t, key("python", "abd\n")), None);
        assert_eq!(lookup(&t[..10], key("python", "abc\n")), None);
        assert_eq!(lookup(&[], key("python", "abc\n")), None);
    }

    #[test]
    fn the_built_in_guide_is_precomputed_exactly() {
        let h = Highlighter::new(Theme::Dark);
        let entry = crate::builtin::FILES
            .iter()
            .find(|(path, _)| path.ends_with("decorators.md"))
            .unwrap()
            .1;
        let mut blocks = 0;
        for segment in segments(entry) {
            if let Segment::Code { lang, code } = segment {
                assert_eq!(
                    precomputed(Theme::Dark, key(lang, code)),
                    h.runs(lang, code)
                );
                assert!(precomputed(Theme::Light, key(lang, code)).is_some());
                blocks += 1;
            }
        }
        assert!(blocks >= 3);
    }

    #[test]
    fn stale_runs_never_lose_text() {
        let code = "abc\ndef\n";
        let runs = [Run {
            color: 0xff0000,
            len: 99,
        }];
        assert_eq!(strip(&paint(code, &runs, "", 80, true)), "abc\ndef\n");
    }

    #[test]
    fn segments_split_fences_from_prose() {
        let md = "Intro\n\n```python title\nx = 1\n```\nAfter\n~~~\nopen";
        assert_eq!(
            segments(md),
            [
                Segment::Prose("Intro\n\n"),
                Segment::Code {
                    lang: "python",
                    code: "x = 1\n"
                },
                Segment::Prose("After\n"),
                Segment::Code {
                    lang: "",
                    code: "open"
                },
            ]
        );
    }

    #[test]
    fn ansi256_maps_primaries_and_greys() {
        assert_eq!(ansi256(0, 0, 0), 16);
        assert_eq!(ansi256(255, 0, 0), 196);
        assert_eq!(ansi256(128, 128, 128), 244);
    }
}

//! Colour runs for code, by syntect with bat's syntaxes and themes (the two-face crate):
//! every language bat knows, TOML included. Turning code into runs is the expensive part of
//! highlighting (compiling a syntax's regexes and parsing every line, 10-30 ms an entry), so
//! `build.rs` computes the runs of every built-in block for both themes and stores them in a
//! [`table`]; a user's blocks are highlighted when first shown. Painting runs as escape
//! sequences is the binary's job.
//!
//! `pycon` blocks are highlighted line by line: the code after `>>> ` and `... ` as Python,
//! the prompt dim, the output plain.
//!
//! The only user of syntect.

use std::hash::{Hash, Hasher};

use serde::Deserialize;
use syntect::easy::HighlightLines;
use syntect::highlighting::Theme as SyntectTheme;
use syntect::parsing::{SyntaxReference, SyntaxSet};

/// The colours of rendered entries: for a dark or a light terminal background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Dark,
    Light,
}

impl Theme {
    pub const ALL: [Theme; 2] = [Theme::Dark, Theme::Light];

    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }
}

impl std::str::FromStr for Theme {
    type Err = String;

    fn from_str(s: &str) -> Result<Theme, String> {
        match s {
            "dark" => Ok(Theme::Dark),
            "light" => Ok(Theme::Light),
            other => Err(format!(
                "`{other}` is not a theme: use \"dark\" or \"light\""
            )),
        }
    }
}

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
pub fn lookup(table: &[u8], wanted: u64) -> Option<Vec<Run>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(runs.iter().any(|r| r.color < PLAIN), "{lang}: no colour");
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
}

//! Colour runs -> escape sequences at a width: code blocks as a terminal shows them.
//! 24-bit colour when the terminal takes it, else the nearest of the 256-colour palette.
//! A line wider than the room wraps under the same indent, its continuation marked with a
//! dim `↪` in the gutter (as bat keeps a gutter), so it cannot be read as a new line of code.

use std::fmt::Write as _;

use guide::runs::{DIM, NEWLINE, PLAIN, Run};
use unicode_width::UnicodeWidthChar;

/// The code with colour escapes, each line indented by `indent` and broken at `width`
/// columns (a broken line goes on under the same indent, in the same colour). 24-bit colour
/// when `truecolor`, else the nearest of the 256-colour palette. Runs that do not fit the
/// code (a stale table) leave the rest plain.
pub fn paint(code: &str, runs: &[Run], indent: &str, width: usize, truecolor: bool) -> String {
    paint_with(code, runs, indent, width, Some(truecolor))
}

/// Code without colour (NO_COLOR, `--color never`): laid out exactly like painted code,
/// with no escape sequences at all.
pub fn plain(code: &str, indent: &str, width: usize) -> String {
    let mut runs = Vec::new();
    for line in code.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if !body.is_empty() {
            runs.push(Run {
                color: PLAIN,
                len: body.len() as u32,
            });
        }
        if body.len() < line.len() {
            runs.push(Run {
                color: NEWLINE,
                len: 1,
            });
        }
    }
    paint_with(code, &runs, indent, width, None)
}

/// `color`: `None` for no escape sequences, else whether to use 24-bit colour.
fn paint_with(code: &str, runs: &[Run], indent: &str, width: usize, color: Option<bool>) -> String {
    let truecolor = color.unwrap_or(false);
    let mut out = Painter {
        out: String::with_capacity(code.len() * 3),
        indent,
        room: width.saturating_sub(indent.chars().count()).max(8),
        mark: continuation(indent, color.is_some()),
        escapes: color.is_some(),
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
    /// What starts a continuation line: `↪` and spaces, as wide as the indent.
    mark: String,
    /// Whether to write escape sequences at all.
    escapes: bool,
    room: usize,
    col: usize,
    color: String,
    /// At the start of a line, its indent not written yet.
    fresh: bool,
}

impl Painter<'_> {
    fn end_line(&mut self) {
        if self.escapes {
            self.out.push_str("\x1b[0m");
        }
        self.out.push('\n');
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
        if self.escapes {
            self.out.push_str(&self.color);
        }
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if self.col + w > self.room {
                if self.escapes {
                    self.out.push_str("\x1b[0m");
                }
                self.out.push('\n');
                self.out.push_str(&self.mark);
                if self.escapes {
                    self.out.push_str(&self.color);
                }
                self.col = 0;
            }
            self.out.push(c);
            self.col += w;
        }
    }
}

/// The gutter of a continuation line: a dim `↪` in place of the indent (a space after it
/// when the indent is wider).
fn continuation(indent: &str, escapes: bool) -> String {
    let width = indent.chars().count();
    if width == 0 {
        return String::new();
    }
    let pad = " ".repeat(width - 1);
    if escapes {
        format!("\x1b[0;2m↪\x1b[0m{pad}")
    } else {
        format!("↪{pad}")
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
    use guide::runs::{Highlighter, Theme};

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
    fn runs_paint_back_to_the_code() {
        let h = Highlighter::new(Theme::Dark);
        for (lang, code) in [
            ("python", "def f():\n    return 1\n"),
            ("pycon", ">>> 1 + 1\n2\n"),
            ("toml", "[a]\nb = 1\n"),
        ] {
            let runs = h.runs(lang, code).unwrap();
            let painted = paint(code, &runs, "  ", 80, false);
            assert!(painted.contains("\x1b[0;38;5;"), "{lang}: {painted:?}");
            let expected: String = code.lines().map(|l| format!("  {l}\n")).collect();
            assert_eq!(strip(&painted), expected, "{lang}");
        }
    }

    #[test]
    fn long_lines_wrap_under_the_indent_with_a_continuation_mark() {
        let h = Highlighter::new(Theme::Dark);
        let code = "x = 'abcdefghijklmnopqrstuvwxyz'\n";
        let runs = h.runs("python", code).unwrap();
        for truecolor in [false, true] {
            let out = paint(code, &runs, "  ", 20, truecolor);
            let visible: Vec<String> = out.lines().map(strip).collect();
            assert_eq!(visible, ["  x = 'abcdefghijklm", "↪ nopqrstuvwxyz'"]);
        }
    }

    #[test]
    fn plain_code_is_laid_out_like_painted_code() {
        let out = plain("a = 1\nbb = 'abcdefghijklmnop'\n", "  ", 16);
        assert_eq!(out, "  a = 1\n  bb = 'abcdefgh\n↪ ijklmnop'\n");
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        let code = "s = '漢字漢字漢字漢字漢字'\n";
        let out = plain(code, "  ", 14);
        for line in out.lines().map(strip) {
            let w: usize = line.chars().map(|c| c.width().unwrap_or(0)).sum();
            assert!(w <= 14, "{line:?} is {w} columns");
        }
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
    fn ansi256_maps_primaries_and_greys() {
        assert_eq!(ansi256(0, 0, 0), 16);
        assert_eq!(ansi256(255, 0, 0), 196);
        assert_eq!(ansi256(128, 128, 128), 244);
    }
}

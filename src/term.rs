//! The only code that looks at the terminal: whether stdout is one, its size, what the
//! environment says about colour (NO_COLOR, TERM, COLORTERM), the pager, `man`, and writing
//! the final text. Looked at once ([`Terminal::detect`]), then passed down as plain values,
//! so everything above renders to strings and tests without a terminal.

use std::env;
use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

/// Width used when stdout is not a terminal and COLUMNS does not say.
const PIPE_WIDTH: usize = 80;

/// What the terminal and the environment say, before any setting is applied.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub is_tty: bool,
    /// Columns: COLUMNS, else the terminal's, else 80; at least 20.
    pub width: usize,
    pub height: Option<usize>,
    /// NO_COLOR is set and not empty.
    pub no_color: bool,
    /// TERM=dumb: no colour, no pager, no full-screen picker.
    pub dumb: bool,
    /// COLORTERM says the terminal takes 24-bit colour.
    pub truecolor: bool,
}

impl Terminal {
    pub fn detect() -> Terminal {
        let is_tty = io::stdout().is_terminal();
        let size = if is_tty {
            rustix::termios::tcgetwinsize(io::stdout())
                .ok()
                .map(|w| (w.ws_col, w.ws_row))
        } else {
            None
        };
        let columns = env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&c| c > 0);
        let width = columns
            .or(size.map(|(w, _)| usize::from(w)).filter(|&w| w > 0))
            .unwrap_or(PIPE_WIDTH)
            .clamp(20, 1000);
        Terminal {
            is_tty,
            width,
            height: size.map(|(_, h)| usize::from(h)).filter(|&h| h > 0),
            no_color: env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            dumb: env::var("TERM").is_ok_and(|t| t == "dumb"),
            truecolor: env::var("COLORTERM").is_ok_and(|c| c == "truecolor" || c == "24bit"),
        }
    }
}

/// Where the final text goes: stdout, through a pager when it would not fit on the screen.
#[derive(Debug, Clone)]
pub struct Output {
    pub height: Option<usize>,
    /// The pager command, when output may be paged.
    pub pager: Option<Vec<String>>,
}

impl Output {
    /// The pager is `PYGUIDE_PAGER`, then the config file's `pager`, then PAGER, else
    /// `less`; only on a terminal (not TERM=dumb), and an empty value means none.
    pub fn new(terminal: &Terminal, no_pager: bool, configured: Option<&str>) -> Output {
        let pager = (terminal.is_tty && !terminal.dumb && !no_pager)
            .then(|| pager_command(configured))
            .flatten();
        Output {
            height: terminal.height,
            pager,
        }
    }

    /// Writes the text, paged when it is taller than the screen. `start` is the line the
    /// pager opens at (less only); the text above it stays in the scrollback.
    pub fn emit(&self, text: &str, start: Option<usize>) -> io::Result<()> {
        let lines = text.lines().count();
        if let (Some(pager), Some(height)) = (&self.pager, self.height)
            && lines >= height
        {
            match page(pager, text, start) {
                Ok(true) => return Ok(()),
                Ok(false) => warn(&format!(
                    "the pager `{}` failed; printing directly",
                    pager.join(" ")
                )),
                Err(e) => warn(&format!(
                    "cannot start the pager `{}` ({e}); printing directly",
                    pager.join(" ")
                )),
            }
        }
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

/// The pager's words; `None` for an empty setting (no pager).
fn pager_command(configured: Option<&str>) -> Option<Vec<String>> {
    let configured = env::var("PYGUIDE_PAGER")
        .ok()
        .or_else(|| configured.map(String::from))
        .or_else(|| env::var("PAGER").ok());
    let words: Vec<String> = match configured {
        Some(cmd) => cmd.split_whitespace().map(String::from).collect(),
        None => vec!["less".to_string()],
    };
    (!words.is_empty()).then_some(words)
}

/// Whether a pager command runs `less`.
fn is_less(pager: &[String]) -> bool {
    std::path::Path::new(&pager[0])
        .file_name()
        .is_some_and(|n| n == "less")
}

/// Runs the pager with the text on its stdin: `Ok(false)` when it exited with a failure,
/// an error when it cannot start.
fn page(pager: &[String], text: &str, start: Option<usize>) -> io::Result<bool> {
    let mut command = Command::new(&pager[0]);
    command.args(&pager[1..]);
    if is_less(pager) {
        // As git and bat do: colours shown (-R), one screen not paged (-F), the screen
        // not cleared (-X); only when the user has not said how less should behave.
        if env::var_os("LESS").is_none() {
            command.env("LESS", "FRX");
        }
        if let Some(line) = start {
            command.arg(format!("+{}", line + 1));
        }
    }
    command.env(
        "LESSCHARSET",
        env::var("LESSCHARSET").unwrap_or_else(|_| "utf-8".into()),
    );
    let mut child = command.stdin(Stdio::piped()).spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The reader quitting early (q in less) closes the pipe: that is not a failure.
        match stdin.write_all(text.as_bytes()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    // A pager that failed (`PAGER=false`, a missing program behind a wrapper) showed
    // nothing: the caller prints the text instead.
    Ok(child.wait()?.success())
}

/// Shows a manual page (roff) with `man -l -`; false when man cannot run it.
pub fn show_manual(roff: &[u8]) -> bool {
    let Ok(mut child) = Command::new("man")
        .args(["-l", "-"])
        .stdin(Stdio::piped())
        .spawn()
    else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(roff);
    }
    child.wait().is_ok_and(|s| s.success())
}

/// A message on stderr, `pyguide: ...`. What the user typed may be in it: control characters
/// are neutralised like an entry's text.
pub fn warn(message: &str) {
    let _ = writeln!(io::stderr(), "pyguide: {}", sanitize(message));
}

/// Replaces control characters (C0, DEL and C1: escape sequences above all) so that no text
/// from an entry, a query or a file name can drive the terminal. Newlines and tabs stay.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// One line of text: control characters, newlines included, become spaces.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_neutralises_c0_c1_and_escape_sequences() {
        assert_eq!(
            sanitize("a\x1b[31mred\x07\u{9b}2J\nb"),
            "a\u{fffd}[31mred\u{fffd}\u{fffd}2J\nb"
        );
        assert_eq!(one_line("a\nb\x1b"), "a b ");
    }
}

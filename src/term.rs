//! The only code that looks at the terminal: whether stdout is one, colour, width, height, the
//! pager, and writing the final text. Decided once in [`Term::detect`], then passed down as
//! plain values, so everything above it renders to strings and tests without a terminal.

use std::env;
use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

use crate::cli::ColorChoice;

/// Width used when stdout is not a terminal and COLUMNS does not say.
const PIPE_WIDTH: usize = 80;

#[derive(Debug, Clone)]
pub struct Term {
    pub is_tty: bool,
    pub color: bool,
    /// COLORTERM says the terminal takes 24-bit colour.
    pub truecolor: bool,
    pub width: usize,
    pub height: Option<usize>,
    /// The pager command, when output may be paged.
    pub pager: Option<Vec<String>>,
}

impl Term {
    pub fn detect(choice: ColorChoice, no_pager: bool, configured_pager: Option<&str>) -> Term {
        let is_tty = io::stdout().is_terminal();
        let no_color = env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_tty && !no_color,
        };
        let size = if is_tty {
            termimad::crossterm::terminal::size().ok()
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
        let height = size.map(|(_, h)| usize::from(h)).filter(|&h| h > 0);
        let pager = (is_tty && !no_pager)
            .then(|| pager_command(configured_pager))
            .flatten();
        let truecolor = env::var("COLORTERM").is_ok_and(|c| c == "truecolor" || c == "24bit");
        Term {
            is_tty,
            color,
            truecolor,
            width,
            height,
            pager,
        }
    }

    /// Writes the text to stdout, through the pager when it would not fit on the screen.
    pub fn emit(&self, text: &str) -> io::Result<()> {
        let lines = text.lines().count();
        if let (Some(pager), Some(height)) = (&self.pager, self.height)
            && lines >= height
            && page(pager, text).is_ok()
        {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

/// PYGUIDE_PAGER, then the config file's `pager`, then PAGER, else `less -R -F -X`. An empty
/// value means no pager.
fn pager_command(configured: Option<&str>) -> Option<Vec<String>> {
    let configured = env::var("PYGUIDE_PAGER")
        .ok()
        .or_else(|| configured.map(String::from))
        .or_else(|| env::var("PAGER").ok());
    let words: Vec<String> = match configured {
        Some(cmd) => cmd.split_whitespace().map(String::from).collect(),
        None => ["less", "-R", "-F", "-X"].map(String::from).to_vec(),
    };
    (!words.is_empty()).then_some(words)
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

/// Runs the pager with the text on its stdin. Fails when the pager cannot start, so the
/// caller prints directly instead.
fn page(pager: &[String], text: &str) -> io::Result<()> {
    let mut child = Command::new(&pager[0])
        .args(&pager[1..])
        .env(
            "LESSCHARSET",
            env::var("LESSCHARSET").unwrap_or_else(|_| "utf-8".into()),
        )
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The reader quitting early (q in less) closes the pipe: that is not an error.
        match stdin.write_all(text.as_bytes()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    child.wait()?;
    Ok(())
}

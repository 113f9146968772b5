//! The command line, the config file, the environment and the terminal, settled once into
//! plain values before any work starts (ripgrep's low args -> high args). Nothing below asks
//! for a setting again.

use std::env;
use std::path::PathBuf;

use anyhow::Result;
use guide::runs::Theme;

use crate::cli::{Cli, ColorWhen};
use crate::config::Config;
use crate::library::Sources;
use crate::paths::Paths;
use crate::render::Style;
use crate::term::{Output, Terminal};

/// How results and entries are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a person at a terminal: blocks, wrapped, coloured when colour is on.
    Blocks,
    /// For a pipe or a file: tab-separated records, an entry's Markdown.
    Plain,
    Json,
    Ids,
}

pub struct Settings {
    pub paths: Paths,
    /// Why the config file could not be used (every command but `paths` stops on it).
    pub config_error: Option<anyhow::Error>,
    pub terminal: Terminal,
    pub style: Style,
    /// Blocks on a terminal, plain in a pipe: decided by where stdout goes, not by colour.
    pub format: Format,
    /// Entries (`show`, `random`) rendered for a terminal: on a terminal, or when colour is
    /// asked for (`--color always`, as an fzf preview does); an entry has no tabular form
    /// for the choice of colour to upset.
    pub render_entries: bool,
    pub output: Output,
    pub limit: usize,
    /// `show` prints the short answer unless --full (the config file's `short`).
    pub short: bool,
    /// PYGUIDE_RESCAN_SECONDS.
    pub rescan: Option<u64>,
    /// VISUAL, else EDITOR, else vi.
    pub editor: String,
    /// PYGUIDE_TIMINGS: report the freshness check's time.
    pub timings: bool,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Result<Settings> {
        let (config, config_error, paths) = folders(&cli.kb)?;
        let terminal = Terminal::detect();
        let color = match cli.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => terminal.is_tty && !terminal.no_color && !terminal.dumb,
        };
        let theme = match cli.theme.as_deref() {
            Some(name) => name.parse().map_err(anyhow::Error::msg)?,
            None => config.theme.unwrap_or(Theme::Dark),
        };
        let style = Style {
            color,
            width: terminal.width,
            theme,
            truecolor: terminal.truecolor,
        };
        let format = if terminal.is_tty {
            Format::Blocks
        } else {
            Format::Plain
        };
        let render_entries = terminal.is_tty || cli.color == ColorWhen::Always;
        let output = Output::new(&terminal, cli.no_pager, config.pager.as_deref());
        // An editor named in bytes that are not UTF-8 is still the one asked for: it fails to
        // start with a message naming it, rather than vi opening in its place.
        let editor = ["VISUAL", "EDITOR"]
            .iter()
            .find_map(|k| match env::var(k) {
                Ok(e) => Some(e).filter(|e| !e.trim().is_empty()),
                Err(env::VarError::NotUnicode(e)) => Some(e.to_string_lossy().into_owned()),
                Err(env::VarError::NotPresent) => None,
            })
            .unwrap_or_else(|| "vi".to_string());
        Ok(Settings {
            paths,
            config_error,
            terminal,
            style,
            format,
            render_entries,
            output,
            limit: config.limit.unwrap_or(10),
            short: config.short.unwrap_or(false),
            rescan: rescan(),
            editor,
            timings: env::var_os("PYGUIDE_TIMINGS").is_some(),
        })
    }

    /// What the guide is made of.
    pub fn sources(&self) -> Sources {
        sources(&self.paths, self.rescan)
    }

    /// The folder new entries go in.
    pub fn user_kb_dir(&self) -> PathBuf {
        self.paths.user_kb_dir().to_path_buf()
    }
}

/// What the guide is made of for shell completion, which has no command line to read: the
/// config file's and the environment's folders, settled as for every command (a broken
/// config file counts as an empty one).
pub fn completion_sources() -> Option<Sources> {
    let (_, _, paths) = folders(&[]).ok()?;
    Some(sources(&paths, rescan()))
}

/// The config file (or why it cannot be used) and the folders it and `--kb` name.
fn folders(kb: &[PathBuf]) -> Result<(Config, Option<anyhow::Error>, Paths)> {
    let config_file = crate::paths::config_file()?;
    let (config, config_error) = match Config::load(&config_file) {
        Ok(config) => (config, None),
        Err(e) => (Config::default(), Some(e)),
    };
    let paths = Paths::resolve(kb, &config.kb)?;
    Ok((config, config_error, paths))
}

/// PYGUIDE_RESCAN_SECONDS.
fn rescan() -> Option<u64> {
    let value = env::var_os("PYGUIDE_RESCAN_SECONDS")?;
    let seconds = value.to_str().and_then(|v| v.trim().parse().ok());
    if seconds.is_none() {
        crate::term::warn(&format!(
            "warning: PYGUIDE_RESCAN_SECONDS={} is not a number of seconds; ignored",
            value.to_string_lossy()
        ));
    }
    seconds
}

fn sources(paths: &Paths, rescan: Option<u64>) -> Sources {
    Sources {
        roots: paths.existing_kb_dirs(),
        cache_dir: paths.cache_dir.clone(),
        rescan,
        touched: Vec::new(),
    }
}

//! The config file (`<config dir>/config.toml`), read into plain values before any work.
//! Unknown keys and bad values are errors that name the file and line and say what to write.
//!
//! ```toml
//! theme = "dark"          # or "light": the colours of rendered entries
//! pager = "less -R"       # used before PAGER (PYGUIDE_PAGER still wins)
//! kb = ["~/notes/kb"]     # more KB folders, after --kb and PYGUIDE_KB_PATH; a relative
//!                         # one is beside this file
//! limit = 10              # search results shown by default
//! short = true            # `show` prints the short answer unless --full
//! ```
//!
//! The file is read without blocking and only if it is a regular file of at most 1 MB: a
//! named pipe or a folder in its place is an error at once, never a hang.

use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use guide::runs::Theme;
use serde::Deserialize;

/// The largest config file read.
const MAX_BYTES: u64 = 1 << 20;

/// The settings as written; any other key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    theme: Option<Theme>,
    pager: Option<String>,
    #[serde(default)]
    kb: Vec<String>,
    limit: Option<usize>,
    short: Option<bool>,
}

/// The settings, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub theme: Option<Theme>,
    pub pager: Option<String>,
    pub kb: Vec<PathBuf>,
    pub limit: Option<usize>,
    pub short: Option<bool>,
}

/// What each key holds, for messages: said the way it is written.
const KEYS: [(&str, &str); 5] = [
    (
        "theme",
        "theme is \"dark\" or \"light\", like theme = \"light\"",
    ),
    (
        "pager",
        "pager is a command in quotes, like pager = \"less -R\"",
    ),
    ("kb", "kb is a list of folders, like kb = [\"~/notes\"]"),
    (
        "limit",
        "limit is a whole number of results from 1 to 1000, like limit = 5",
    ),
    ("short", "short is true or false, like short = true"),
];

impl Config {
    /// Reads the config file; a missing file is the default config.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match read(path) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(Config::default()),
            Err(e) => return Err(anyhow!("{}: {e}", path.display())),
        };
        Config::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start.min(text.len()));
            let line = text[..at].matches('\n').count() + 1;
            let key = text
                .lines()
                .nth(line - 1)
                .and_then(|l| l.split('=').next())
                .map(str::trim)
                .unwrap_or("");
            let said = e.message().trim();
            let message = match KEYS.iter().find(|(k, _)| *k == key) {
                // Set on an earlier line too: the value may be right, the second line is not.
                Some(_) if said.starts_with("duplicate key") => {
                    format!("{key} is set twice (first on line {})", line_of(text, key))
                }
                Some((_, what)) if !said.starts_with("unknown field") => what.to_string(),
                _ => said.to_string(),
            };
            anyhow!("{}:{line}: {message}", path.display())
        })?;
        if raw.limit.is_some_and(|n| !(1..=1000).contains(&n)) {
            let line = line_of(text, "limit");
            return Err(anyhow!("{}:{line}: {}", path.display(), KEYS[3].1));
        }
        if raw.kb.iter().any(|dir| dir.trim().is_empty()) {
            let line = line_of(text, "kb");
            return Err(anyhow!(
                "{}:{line}: kb holds an empty folder name",
                path.display()
            ));
        }
        // `~` and `~/...` are the home folder, as in a shell; any other relative folder is
        // the config file's neighbour, whatever the working folder of the command.
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let beside = path.parent().unwrap_or(Path::new(""));
        let kb = raw
            .kb
            .iter()
            .map(|dir| match (dir.strip_prefix('~'), &home) {
                (Some(""), Some(home)) => home.clone(),
                (Some(rest), Some(home)) if rest.starts_with('/') => {
                    home.join(rest.trim_start_matches('/'))
                }
                _ => beside.join(dir),
            })
            .collect();
        Ok(Config {
            theme: raw.theme,
            pager: raw.pager,
            kb,
            limit: raw.limit,
            short: raw.short,
        })
    }
}

/// The file's text; `None` when there is no file.
fn read(path: &Path) -> std::io::Result<Option<String>> {
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a folder, a pipe or a device): the config is a TOML file",
        ));
    }
    if meta.len() > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "the file is {} bytes; a config file is at most 1 MB",
            meta.len()
        )));
    }
    let mut text = String::new();
    file.take(MAX_BYTES).read_to_string(&mut text)?;
    Ok(Some(text))
}

/// The line where `key` is set (1 if it cannot be found).
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(Path::new("/c/config.toml"), text)
    }

    #[test]
    fn reads_every_setting() {
        let c = parse(
            "theme = \"light\"\npager = \"less -R\"\nkb = [\"/notes\"]\nlimit = 5\nshort = true\n",
        )
        .unwrap();
        assert_eq!(
            c,
            Config {
                theme: Some(Theme::Light),
                pager: Some("less -R".into()),
                kb: vec![PathBuf::from("/notes")],
                limit: Some(5),
                short: Some(true),
            }
        );
        assert_eq!(parse("").unwrap(), Config::default());
        // `~` alone and `~/...` are the home folder, as in a shell; `~user` is left alone.
        let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set for the tests"));
        // Any other relative folder is beside the config file, not in the working folder.
        let c = parse("kb = [\"~\", \"~/n\", \"~x/n\", \"notes\", \"../kb\"]\n").unwrap();
        assert_eq!(
            c.kb,
            [
                home.clone(),
                home.join("n"),
                PathBuf::from("/c/~x/n"),
                PathBuf::from("/c/notes"),
                PathBuf::from("/c/../kb"),
            ]
        );
    }

    #[test]
    fn errors_name_the_file_and_line_and_say_what_to_write() {
        let e = parse("theme = \"dark\"\ncolour = \"red\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/c/config.toml:2: unknown field `colour`"),
            "{e}"
        );
        for (text, line, want) in [
            (
                "\n\ntheme = \"blue\"\n",
                3,
                "theme is \"dark\" or \"light\"",
            ),
            ("limit = \"5\"\n", 1, "like limit = 5"),
            ("kb = \"~/notes\"\n", 1, "kb = [\"~/notes\"]"),
            ("limit = 0\n", 1, "from 1 to 1000"),
            ("short = true\nlimit = 5000\n", 2, "from 1 to 1000"),
            (
                "theme = \"dark\"\n\ntheme = \"light\"\n",
                3,
                "theme is set twice (first on line 1)",
            ),
            ("short = \"yes\"\n", 1, "short = true"),
            ("limit = 3\nkb = [\"/a\", \"\"]\n", 2, "empty folder name"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with(&format!("/c/config.toml:{line}: ")), "{e}");
            assert!(e.contains(want), "{e}");
            assert!(!e.contains("usize") && !e.contains("sequence"), "{e}");
        }
    }

    #[test]
    fn a_missing_file_is_the_default_and_a_folder_or_pipe_an_error_at_once() {
        let c = Config::load(Path::new("/definitely/not/here/config.toml")).unwrap();
        assert_eq!(c, Config::default());
        let dir = tempfile::tempdir().unwrap();
        let e = Config::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let fifo = dir.path().join("config.toml");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let e = Config::load(&fifo).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}

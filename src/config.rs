//! The config file (`<config dir>/config.toml`): settled into plain values before any work.
//! Unknown keys and bad values are errors that name the file and line, like entry problems.
//!
//! ```toml
//! theme = "dark"          # or "light": the colours of rendered entries
//! pager = "less -R"       # used before PAGER (PYGUIDE_PAGER still wins)
//! kb = ["~/notes/kb"]     # more KB folders, after --kb and PYGUIDE_KB_PATH
//! limit = 10              # search results shown by default
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use serde::Deserialize;

use crate::cli::Theme;

/// The settings as written; any other key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    theme: Option<Theme>,
    pager: Option<String>,
    #[serde(default)]
    kb: Vec<String>,
    limit: Option<usize>,
}

/// The settings, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub theme: Option<Theme>,
    pub pager: Option<String>,
    pub kb: Vec<PathBuf>,
    pub limit: Option<usize>,
}

impl Config {
    /// Reads the config file; a missing file is the default config.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(anyhow!("{}: cannot read: {e}", path.display())),
        };
        Config::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |span| {
                text[..span.start.min(text.len())].lines().count().max(1)
            });
            let line = if e.span().is_some_and(|s| text[..s.start].ends_with('\n')) {
                line + 1
            } else {
                line
            };
            anyhow!("{}:{line}: {}", path.display(), e.message())
        })?;
        if raw.limit == Some(0) {
            let line = line_of(text, "limit");
            return Err(anyhow!(
                "{}:{line}: `limit` must be at least 1",
                path.display()
            ));
        }
        if raw.pager.as_deref().is_some_and(|p| p.trim().is_empty()) {
            // An empty pager means "no pager", which is allowed.
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let kb = raw
            .kb
            .iter()
            .map(|dir| match (dir.strip_prefix("~/"), &home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => PathBuf::from(dir),
            })
            .collect();
        Ok(Config {
            theme: raw.theme,
            pager: raw.pager,
            kb,
            limit: raw.limit,
        })
    }
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
        let c = parse("theme = \"light\"\npager = \"less -R\"\nkb = [\"/notes\"]\nlimit = 5\n")
            .unwrap();
        assert_eq!(
            c,
            Config {
                theme: Some(Theme::Light),
                pager: Some("less -R".into()),
                kb: vec![PathBuf::from("/notes")],
                limit: Some(5),
            }
        );
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_file_and_line() {
        let e = parse("theme = \"dark\"\ncolour = \"red\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/c/config.toml:2: unknown field `colour`"),
            "{e}"
        );
        let e = parse("\n\ntheme = \"blue\"\n").unwrap_err().to_string();
        assert!(
            e.starts_with("/c/config.toml:3: unknown variant `blue`"),
            "{e}"
        );
        let e = parse("limit = \"ten\"\n").unwrap_err().to_string();
        assert!(e.starts_with("/c/config.toml:1: invalid type"), "{e}");
        let e = parse("limit = 0\n").unwrap_err().to_string();
        assert_eq!(e, "/c/config.toml:1: `limit` must be at least 1");
        let e = parse("theme = \n").unwrap_err().to_string();
        assert!(e.starts_with("/c/config.toml:1:"), "{e}");
    }

    #[test]
    fn a_missing_file_is_the_default() {
        let c = Config::load(Path::new("/definitely/not/here/config.toml")).unwrap();
        assert_eq!(c, Config::default());
    }
}

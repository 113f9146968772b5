//! Where things live. Environment overrides come first, then the platform folders from
//! `directories` (which honours XDG_CACHE_HOME, XDG_DATA_HOME and XDG_CONFIG_HOME on Linux).
//! The only user of `directories`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use directories::ProjectDirs;

/// Why a KB folder is searched; shown by `pyguide paths`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbSource {
    Flag,
    EnvVar,
    Config,
    Default,
}

impl KbSource {
    /// How the user named it: `--kb`, `PYGUIDE_KB_PATH`, `config`, `default`.
    pub fn name(self) -> &'static str {
        match self {
            KbSource::Flag => "--kb",
            KbSource::EnvVar => "PYGUIDE_KB_PATH",
            KbSource::Config => "config",
            KbSource::Default => "default",
        }
    }
}

#[derive(Debug, Clone)]
pub struct KbDir {
    /// Absolute and without symlinks when the folder exists, so that the same folder named
    /// two ways (`--kb notes`, `--kb ./notes/`) is one folder to the index.
    pub path: PathBuf,
    pub source: KbSource,
    pub exists: bool,
}

/// The folders pyguide reads and writes, settled once before any work starts.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The user's KB folders in precedence order (the first to define an id wins).
    pub kb_dirs: Vec<KbDir>,
    /// The default KB folder, where `new` and `edit` write, however else it is named.
    pub default_kb: PathBuf,
    /// The cache folder, which pyguide owns (see `store.rs`).
    pub cache_dir: PathBuf,
    pub config_file: PathBuf,
}

impl Paths {
    /// `flag_dirs` are the `--kb` arguments, `config_dirs` the config file's `kb`.
    pub fn resolve(flag_dirs: &[PathBuf], config_dirs: &[PathBuf]) -> Result<Paths> {
        let dirs = ProjectDirs::from("", "", "pyguide");
        let mut kb_dirs = Vec::new();
        // A folder named twice is listed once, under the first name: the default folder
        // named by `--kb` too is still the default (`default_kb`).
        let mut add = |path: &Path, source: KbSource| -> PathBuf {
            let (path, exists) = match path.canonicalize() {
                Ok(real) if real.is_dir() || real.is_file() => (real, true),
                _ => (
                    std::path::absolute(path).unwrap_or(path.to_path_buf()),
                    false,
                ),
            };
            if !kb_dirs.iter().any(|d: &KbDir| d.path == path) {
                kb_dirs.push(KbDir {
                    path: path.clone(),
                    source,
                    exists,
                });
            }
            path
        };
        for dir in flag_dirs {
            add(dir, KbSource::Flag);
        }
        if let Some(list) = env::var_os("PYGUIDE_KB_PATH") {
            for dir in env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()) {
                add(&dir, KbSource::EnvVar);
            }
        }
        for dir in config_dirs {
            add(dir, KbSource::Config);
        }
        let data_dir = match &dirs {
            Some(d) => d.data_dir().to_path_buf(),
            None => home()?.join(".local/share/pyguide"),
        };
        let default_kb = add(&data_dir.join("kb"), KbSource::Default);

        let cache_dir = match env::var_os("PYGUIDE_CACHE_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => std::path::absolute(PathBuf::from(dir))
                .context("cannot resolve PYGUIDE_CACHE_DIR")?,
            None => match &dirs {
                Some(d) => d.cache_dir().to_path_buf(),
                None => home()?.join(".cache/pyguide"),
            },
        };
        Ok(Paths {
            kb_dirs,
            default_kb,
            cache_dir,
            config_file: config_file()?,
        })
    }

    /// The user's KB folders that exist, in precedence order.
    pub fn existing_kb_dirs(&self) -> Vec<PathBuf> {
        self.kb_dirs
            .iter()
            .filter(|d| d.exists)
            .map(|d| d.path.clone())
            .collect()
    }

    /// Folders the user named that do not exist (the default folder not yet made is normal).
    pub fn missing(&self) -> impl Iterator<Item = &KbDir> {
        self.kb_dirs
            .iter()
            .filter(|d| !d.exists && d.path != self.default_kb)
    }

    /// The folder new entries go in: the default KB folder.
    pub fn user_kb_dir(&self) -> &Path {
        &self.default_kb
    }
}

/// The link on the way to `path` (the path itself or a folder above it) that leads nowhere,
/// said as "LINK is a link to TARGET, which does not exist": what makes a folder that
/// "exists" impossible to create or read, and what "File exists" or "No such file" from the
/// system would not say.
pub fn broken_link(path: &Path) -> Option<String> {
    path.ancestors().find_map(|p| {
        let is_link = fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
        let leads_nowhere =
            || matches!(fs::metadata(p), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
        if !is_link || !leads_nowhere() {
            return None;
        }
        let target = fs::read_link(p).ok()?;
        Some(format!(
            "{} is a link to {}, which does not exist",
            p.display(),
            target.display()
        ))
    })
}

fn home() -> Result<PathBuf> {
    env::var_os("HOME")
        .map(PathBuf::from)
        .context("cannot find a home folder: set HOME")
}

/// The config file: `<config dir>/config.toml` (XDG_CONFIG_HOME on Linux).
pub fn config_file() -> Result<PathBuf> {
    match ProjectDirs::from("", "", "pyguide") {
        Some(d) => Ok(d.config_dir().join("config.toml")),
        None => Ok(home()?.join(".config/pyguide/config.toml")),
    }
}

//! Where things live. Environment overrides come first, then the platform folders from
//! `directories` (which honours XDG_CACHE_HOME, XDG_DATA_HOME and XDG_CONFIG_HOME on Linux).
//! The only user of `directories`.

use std::env;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use directories::ProjectDirs;

/// Why a KB folder is searched; shown by `pyguide paths`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbSource {
    Flag,
    EnvVar,
    Config,
    Default,
}

#[derive(Debug, Clone)]
pub struct KbDir {
    pub path: PathBuf,
    pub source: KbSource,
}

/// The folders pyguide reads and writes, settled once before any work starts.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The user's KB folders in precedence order (the first to define an id wins).
    pub kb_dirs: Vec<KbDir>,
    /// Folders named in PYGUIDE_KB_PATH that do not exist (reported as warnings).
    pub missing_env_dirs: Vec<PathBuf>,
    /// The folder for the index (a build output; safe to delete).
    pub cache_dir: PathBuf,
    /// The config file (read by later versions; shown by `paths`).
    pub config_file: PathBuf,
}

impl Paths {
    /// `flag_dirs` are the `--kb` arguments, `config_dirs` the config file's `kb`. A `--kb`
    /// folder that does not exist is an error, because the user named it just now; a missing
    /// default folder is normal.
    pub fn resolve(flag_dirs: &[PathBuf], config_dirs: &[PathBuf]) -> Result<Paths> {
        let dirs = ProjectDirs::from("", "", "pyguide");
        let home_fallback = || -> Result<PathBuf> {
            env::var_os("HOME")
                .map(PathBuf::from)
                .context("cannot find a home folder: set HOME or PYGUIDE_CACHE_DIR")
        };

        let mut kb_dirs = Vec::new();
        for dir in flag_dirs {
            if !dir.exists() {
                bail!("--kb {}: no such file or folder", dir.display());
            }
            kb_dirs.push(KbDir {
                path: dir.clone(),
                source: KbSource::Flag,
            });
        }
        let mut missing_env_dirs = Vec::new();
        if let Some(list) = env::var_os("PYGUIDE_KB_PATH") {
            for dir in env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()) {
                if dir.exists() {
                    kb_dirs.push(KbDir {
                        path: dir,
                        source: KbSource::EnvVar,
                    });
                } else {
                    missing_env_dirs.push(dir);
                }
            }
        }
        for dir in config_dirs {
            kb_dirs.push(KbDir {
                path: dir.clone(),
                source: KbSource::Config,
            });
        }
        let data_dir = match &dirs {
            Some(d) => d.data_dir().to_path_buf(),
            None => home_fallback()?.join(".local/share/pyguide"),
        };
        kb_dirs.push(KbDir {
            path: data_dir.join("kb"),
            source: KbSource::Default,
        });

        let cache_dir = match env::var_os("PYGUIDE_CACHE_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match &dirs {
                Some(d) => d.cache_dir().to_path_buf(),
                None => home_fallback()?.join(".cache/pyguide"),
            },
        };
        let config_file = config_file()?;
        Ok(Paths {
            kb_dirs,
            missing_env_dirs,
            cache_dir,
            config_file,
        })
    }

    /// The user's KB folders that exist, in precedence order.
    pub fn existing_kb_dirs(&self) -> Vec<PathBuf> {
        self.kb_dirs
            .iter()
            .filter(|d| d.path.exists())
            .map(|d| d.path.clone())
            .collect()
    }

    /// The folder new entries go in: the default KB folder.
    pub fn user_kb_dir(&self) -> &PathBuf {
        &self
            .kb_dirs
            .last()
            .expect("the default KB folder is always listed")
            .path
    }
}

/// The config file: `<config dir>/config.toml` (XDG_CONFIG_HOME on Linux).
pub fn config_file() -> Result<PathBuf> {
    match ProjectDirs::from("", "", "pyguide") {
        Some(d) => Ok(d.config_dir().join("config.toml")),
        None => env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".config/pyguide/config.toml"))
            .context("cannot find a home folder: set HOME"),
    }
}

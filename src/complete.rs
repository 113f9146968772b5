//! Shell completion candidates for topics and categories. The shell asks the real binary
//! (clap_complete's dynamic completion, enabled with `source <(COMPLETE=bash pyguide)`), so
//! the user's own entries complete too, and shells that show descriptions show titles.

use std::collections::BTreeMap;
use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;

use crate::builtin;
use crate::config::Config;
use crate::index::{self, Guide, Stored};
use crate::paths::{self, Paths};

/// Every entry as (id, title, category): the built-in ones, or the whole index when the user
/// has KB folders. Completion must never fail or print, so errors give the built-in list.
fn entries() -> Vec<(String, String, String)> {
    let builtin = || {
        builtin::META
            .iter()
            .map(|m| {
                (
                    m.id.to_string(),
                    m.title.to_string(),
                    m.category.to_string(),
                )
            })
            .collect()
    };
    // The KB folders the commands would read: PYGUIDE_KB_PATH, the config file's, the default.
    // (The command line being completed is not parsed: its --kb is not seen.)
    let config = paths::config_file()
        .and_then(|f| Config::load(&f))
        .unwrap_or_default();
    let Ok(paths) = Paths::resolve(&[], &config.kb) else {
        return builtin();
    };
    let roots = paths.existing_kb_dirs();
    if roots.is_empty() {
        return builtin();
    }
    let fingerprint = index::fingerprint(builtin::FINGERPRINT);
    match Guide::open(&paths.cache_dir, &fingerprint, &roots).and_then(|o| o.guide.all()) {
        Ok(all) => all
            .into_iter()
            .map(
                |Stored {
                     id,
                     title,
                     category,
                     ..
                 }| (id, title, category),
            )
            .collect(),
        Err(_) => builtin(),
    }
}

/// Entry ids starting with what was typed, with their titles.
pub fn topics(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    entries()
        .into_iter()
        .filter(|(id, _, _)| id.starts_with(typed.as_ref()))
        .map(|(id, title, _)| CompletionCandidate::new(id).help(Some(title.into())))
        .collect()
}

/// Categories starting with what was typed, with how many entries each has.
pub fn categories(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, _, category) in entries() {
        *counts.entry(category).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(c, _)| c.starts_with(typed.as_ref()))
        .map(|(c, n)| CompletionCandidate::new(c).help(Some(format!("{n} entries").into())))
        .collect()
}

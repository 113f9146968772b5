//! Shell completion candidates: topics (by id, alias or a word of the title; `ID#` then the
//! entry's section anchors) and categories. The shell asks the real binary (clap_complete's
//! dynamic completion: `source <(COMPLETE=bash pyguide)`), so the user's own entries
//! complete too, and shells that show descriptions show titles. The guide is opened the way
//! every command opens it (`library.rs`), from the folders `settings.rs` settles for every
//! command: the environment's and the config file's (the command line being completed is
//! not parsed). Completion never fails
//! or prints: on any error there are just fewer candidates.

use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;
use guide::markdown;

use crate::library::{self, Library};
use crate::term::one_line;

fn library() -> Option<Library> {
    Library::open(crate::settings::completion_sources()?).ok()
}

/// Topics that what was typed starts: ids first, then entries with an alias or a title word
/// that starts so; after `ID#`, that entry's sections.
pub fn topics(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy().to_lowercase();
    let Some(mut lib) = library() else {
        return Vec::new();
    };
    if let Some((id, prefix)) = typed.split_once('#') {
        let Ok(Some(found)) = lib.find(id) else {
            return Vec::new();
        };
        let Ok(entry) = library::read_entry(&found.origin) else {
            return Vec::new();
        };
        return markdown::sections(&entry.body)
            .into_iter()
            .filter(|s| s.anchor.starts_with(prefix))
            .map(|s| {
                CompletionCandidate::new(format!("{}#{}", found.id, s.anchor))
                    .help(Some(one_line(&s.title).into()))
            })
            .collect();
    }
    let Ok(all) = lib.all() else {
        return Vec::new();
    };
    let mut by_id = Vec::new();
    let mut by_words = Vec::new();
    for found in all {
        let Some(meta) = found.meta else { continue };
        let candidate =
            || CompletionCandidate::new(meta.id.clone()).help(Some(one_line(&meta.title).into()));
        if meta.id.starts_with(&typed) {
            by_id.push(candidate());
        } else if !typed.is_empty()
            && (meta
                .aliases
                .iter()
                .any(|a| a.to_lowercase().starts_with(&typed))
                || meta
                    .title
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w.to_lowercase().starts_with(&typed)))
        {
            by_words.push(candidate());
        }
    }
    by_id.extend(by_words);
    by_id
}

/// Categories starting with what was typed, with how many entries each has.
pub fn categories(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let Some(mut lib) = library() else {
        return Vec::new();
    };
    lib.categories()
        .unwrap_or_default()
        .into_iter()
        .filter(|(c, _)| c.starts_with(typed.as_ref()))
        .map(|(c, n)| CompletionCandidate::new(c).help(Some(format!("{n} entries").into())))
        .collect()
}

//! Where a code block's colour runs come from, cheapest first: the table `build.rs` made for
//! the built-in guide, then runs an earlier `show` saved in the cache folder, then syntect
//! (whose result is saved for next time). Saving is best effort: a cache that cannot be
//! written only costs time. Files go through the store, so nothing is written outside it.

use std::fs;
use std::path::PathBuf;

use guide::runs::{self, Highlighter, Run, Theme};

use crate::builtin;
use crate::store::{self, Store};

/// More saved blocks than this and the folder is emptied (edits leave old blocks behind).
const MAX_SAVED: usize = 4_000;

pub struct Colors<'s> {
    theme: Theme,
    store: Option<&'s Store>,
    dir: Option<PathBuf>,
    highlighter: Option<Highlighter>,
}

impl<'s> Colors<'s> {
    /// `store`: the cache folder, for a user's code (none for the built-in guide's).
    pub fn new(theme: Theme, store: Option<&'s Store>) -> Colors<'s> {
        Colors {
            theme,
            store,
            dir: None,
            highlighter: None,
        }
    }

    pub fn runs(&mut self, lang: &str, code: &str) -> Option<Vec<Run>> {
        let key = runs::key(lang, code);
        if let Some(runs) = builtin::runs(self.theme, key) {
            return Some(runs);
        }
        let name = format!("{key:016x}-{}", self.theme.name());
        if self.dir.is_none() {
            self.dir = self.store.and_then(Store::colors_dir);
        }
        if let Some(saved) = self.dir.as_ref().and_then(|d| fs::read(d.join(&name)).ok())
            && let Some(runs) = runs::lookup(&saved, key)
            && runs.iter().map(|r| r.len as usize).sum::<usize>() == code.len()
        {
            return Some(runs);
        }
        let theme = self.theme;
        let runs = self
            .highlighter
            .get_or_insert_with(|| Highlighter::new(theme))
            .runs(lang, code)?;
        if let (Some(store), Some(dir)) = (self.store, &self.dir) {
            if fs::read_dir(dir).is_ok_and(|d| d.count() > MAX_SAVED) {
                store.clear_colors();
                self.dir = store.colors_dir();
            }
            if let Some(dir) = &self.dir {
                let _ = store::write_atomic(dir, &name, &runs::table(&mut [(key, runs.clone())]));
            }
        }
        Some(runs)
    }
}

//! The guide as every command sees it: the built-in entries and the user's, in one index that
//! is kept fresh, and the one way to find, list and read an entry. `app` and `complete` both
//! open the guide here.
//!
//! Without KB folders of the user's, the index is the one built into the binary, read in
//! place: nothing is written. Otherwise the cache folder (`store.rs`) holds an index of both,
//! checked against the folders at the cost of a few `stat` calls (`fresh.rs`), updated in
//! place when files changed, and rebuilt whole when an id moved between a user's file and a
//! built-in entry (a user's entry with a built-in id replaces the built-in one). If the cache
//! folder cannot be written (permissions, a full disk), the index is built in memory for the
//! command, with a one-line warning. A saved index whose files changed behind pyguide's back,
//! or that fails or panics while read, is rebuilt and the command answered from the new one.

use std::ffi::{OsStr, OsString};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow};
use guide::entry::{self, Entry, Origin, Problem};
use guide::index::{Found, GuideIndex, Key, SectionAt};
use guide::markdown::{self, Plain};
use guide::text;
use guide::walk;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::builtin;
use crate::fresh::{self, Manifest, SavedDirs};
use crate::store::{Lock, Refusal, Sealed, Store};

/// What the guide is made of.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The user's KB folders that exist, in precedence order.
    pub roots: Vec<PathBuf>,
    pub cache_dir: PathBuf,
    /// PYGUIDE_RESCAN_SECONDS.
    pub rescan: Option<u64>,
    /// Files this command wrote (`new`, `edit`): their folders are read again.
    pub touched: Vec<PathBuf>,
}

/// The open guide.
pub struct Library {
    index: GuideIndex,
    sources: Sources,
    /// The cache folder, when the index lives there.
    store: Option<Store>,
    /// The generation folder of the live index, when it is saved.
    generation: Option<PathBuf>,
    /// Problems in the user's files found while (re)indexing them: reported once, then.
    pub problems: Vec<Problem>,
    /// One-line warnings for this command (a saved index that was damaged and rebuilt).
    pub warnings: Vec<String>,
    /// Why the index could not be saved, when this command's lives only in memory: `open`'s
    /// callers say they search it there, `pyguide index` only that it was not saved.
    pub unsaved: Option<String>,
    /// How many entries the index holds, when it was built whole just now.
    pub built: Option<u64>,
    /// How long the freshness check took (reported with PYGUIDE_TIMINGS).
    pub check_took: Duration,
}

/// A state of the saved index: the guide it was built from, and the manifest recording which
/// files it holds. Kept in the index's commit payload, so both change in one atomic step.
struct Payload {
    fingerprint: String,
    manifest: String,
}

impl Payload {
    fn parse(text: &str) -> Option<Payload> {
        let (fingerprint, manifest) = text.split_once(':')?;
        Some(Payload {
            fingerprint: fingerprint.to_string(),
            manifest: manifest.to_string(),
        })
    }

    fn new() -> Payload {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Payload {
            fingerprint: builtin::FINGERPRINT.to_string(),
            manifest: format!("{nanos:x}{:x}", std::process::id()),
        }
    }

    fn text(&self) -> String {
        format!("{}:{}", self.fingerprint, self.manifest)
    }
}

/// The cache folder, unless it is one of the KB folders, inside one, or holds one: pyguide
/// writes nothing among the user's entries (a cache tag there would also make backup tools
/// skip the notes), and would see its own writes as edits. Then the index stays in memory.
fn open_store(sources: &Sources) -> Result<Store, Refusal> {
    // The folder may not exist yet: its nearest existing parent without links, and the rest.
    let mut cache = sources.cache_dir.clone();
    let mut rest = Vec::new();
    let cache = loop {
        if let Ok(real) = cache.canonicalize() {
            break rest.iter().rev().fold(real, |path, name| path.join(name));
        }
        match (cache.parent(), cache.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cache = parent.to_path_buf();
            }
            _ => break sources.cache_dir.clone(),
        }
    };
    let shared = sources
        .roots
        .iter()
        .find(|root| cache.starts_with(root) || root.starts_with(&cache));
    if let Some(root) = shared {
        return Err(Refusal::Unusable(anyhow!(
            "the cache folder {} overlaps the KB folder {}; pyguide keeps its index apart from your entries: set PYGUIDE_CACHE_DIR (or XDG_CACHE_HOME) to another folder",
            sources.cache_dir.display(),
            root.display()
        )));
    }
    Store::open(&sources.cache_dir)
}

impl Library {
    /// The guide, fresh.
    pub fn open(sources: Sources) -> Result<Library> {
        if sources.roots.is_empty() {
            return Library::builtin(sources);
        }
        let store = match open_store(&sources) {
            Ok(store) => store,
            Err(Refusal::NotOurs(e)) => return Err(e),
            Err(Refusal::Unusable(e)) => return Library::in_memory(sources, e),
        };
        let started = Instant::now();
        let live = Saved::open(&store);
        let first = live.as_ref().map(|s| s.check(&sources));
        let check_took = started.elapsed();
        // The index opened for the check is the one used: opening the folder a second time
        // could find it gone, removed by an `index` that swapped in a new generation
        // meanwhile. A generation that goes while it is being opened makes `Saved::open`
        // fail, and the locked path below opens the new one.
        if let (Some(saved), Some(fresh::Check::Fresh)) = (live, first) {
            if store.has_leftovers()
                && let Some(lock) = store.try_lock()
            {
                store.collect(&lock);
            }
            let mut lib = Library::from_saved(sources, store, saved.generation, saved.index);
            lib.check_took = check_took;
            return Ok(lib);
        }
        let mut lib = Library::bring_up_to_date(sources, store)?;
        lib.check_took = check_took;
        Ok(lib)
    }

    /// Builds the index anew, whatever the state of the saved one (`pyguide index`).
    pub fn rebuild(sources: Sources) -> Result<Library> {
        if sources.roots.is_empty() {
            return Library::builtin(sources);
        }
        match open_store(&sources) {
            Ok(store) => match store.lock() {
                Ok(lock) => Library::rebuild_locked(sources, store, &lock),
                Err(e) => Library::in_memory(sources, e),
            },
            Err(Refusal::NotOurs(e)) => Err(e),
            Err(Refusal::Unusable(e)) => Library::in_memory(sources, e),
        }
    }

    fn builtin(sources: Sources) -> Result<Library> {
        Ok(Library {
            index: builtin::index()?,
            sources,
            store: None,
            generation: None,
            problems: Vec::new(),
            warnings: Vec::new(),
            unsaved: None,
            built: None,
            check_took: Duration::ZERO,
        })
    }

    fn from_saved(
        sources: Sources,
        store: Store,
        generation: PathBuf,
        index: GuideIndex,
    ) -> Library {
        Library {
            index,
            sources,
            store: Some(store),
            generation: Some(generation),
            problems: Vec::new(),
            warnings: Vec::new(),
            unsaved: None,
            built: None,
            check_took: Duration::ZERO,
        }
    }

    /// The built-in index plus the user's entries, in memory, because the cache folder cannot
    /// be used (`why`).
    fn in_memory(sources: Sources, why: anyhow::Error) -> Result<Library> {
        let (manifest, mut problems) = fresh::scan(&sources.roots);
        let (index, _) = build(&manifest, &Payload::new(), &mut problems)?;
        let built = index.entry_count();
        Ok(Library {
            index,
            sources,
            store: None,
            generation: None,
            problems,
            warnings: Vec::new(),
            unsaved: Some(format!("{why:#}")),
            built: Some(built),
            check_took: Duration::ZERO,
        })
    }

    /// Under the build lock: the saved index updated in place if only some files changed,
    /// otherwise rebuilt.
    fn bring_up_to_date(sources: Sources, store: Store) -> Result<Library> {
        let lock = match store.lock() {
            Ok(lock) => lock,
            Err(e) => return Library::in_memory(sources, e),
        };
        // Another process may have brought it up to date while this one waited.
        let saved = match Saved::open_or_damage(&store) {
            Ok(saved) => saved,
            Err(damage) => {
                let mut lib = Library::rebuild_locked(sources, store, &lock)?;
                lib.warnings.insert(
                    0,
                    format!("the saved index was damaged ({damage}); rebuilt it"),
                );
                return Ok(lib);
            }
        };
        if let Some(saved) = saved {
            match saved.check(&sources) {
                fresh::Check::Fresh => {
                    return Ok(Library::from_saved(
                        sources,
                        store,
                        saved.generation,
                        saved.index,
                    ));
                }
                check => {
                    if let Some(lib) = saved.update(&sources, &store, check)? {
                        return Ok(lib);
                    }
                }
            }
        }
        Library::rebuild_locked(sources, store, &lock)
    }

    /// Scans every file, builds a new generation and makes it the live one.
    fn rebuild_locked(sources: Sources, store: Store, lock: &Lock) -> Result<Library> {
        let (manifest, mut problems) = fresh::scan(&sources.roots);
        let payload = Payload::new();
        let (mut index, manifest) = build(&manifest, &payload, &mut problems)?;
        // Several indexing threads leave several segments: merged into one, a query reads
        // each word's postings once (at 100,000 entries 9.9 ms instead of 14.7, 33 MB resident
        // instead of 62, for 6 s more of `pyguide index`). A failed merge leaves the index
        // whole, only slower.
        if manifest.file_count() >= guide::index::MANY_DOCS {
            let _ = index.compact();
        }
        let built = Some(index.entry_count());
        let saved = (|| -> Result<PathBuf> {
            let generation = store.new_generation(lock)?;
            let written = (|| {
                index.export(&generation)?;
                manifest.save(&generation, &payload.manifest)?;
                crate::store::seal(&generation)?;
                store.publish(lock, &generation)
            })();
            if written.is_err() {
                store.discard(&generation);
            }
            written.map(|()| generation)
        })();
        let mut lib = Library {
            index,
            sources,
            store: Some(store),
            generation: None,
            problems,
            warnings: Vec::new(),
            unsaved: None,
            built,
            check_took: Duration::ZERO,
        };
        match saved {
            Ok(generation) => lib.generation = Some(generation),
            Err(e) => lib.unsaved = Some(format!("{e:#}")),
        }
        Ok(lib)
    }

    pub fn index(&self) -> &GuideIndex {
        &self.index
    }

    /// The cache folder, when the guide uses one.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// Runs a read of the index. If it fails or panics on a saved index, the index is taken
    /// for damaged: rebuilt, with a warning, and the read runs again on the new one.
    pub fn guarded<T>(&mut self, op: impl Fn(&Library) -> Result<T>) -> Result<T> {
        let first = quietly(|| op(self));
        let damage = match first {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) if self.generation.is_none() => return Err(e),
            Ok(Err(e)) => format!("{e:#}"),
            Err(panic) if self.generation.is_none() => panic::resume_unwind(panic),
            Err(_) => "reading it failed".to_string(),
        };
        self.recover(&damage)?;
        op(self)
    }

    /// Replaces a damaged saved index by a new build.
    fn recover(&mut self, damage: &str) -> Result<()> {
        let sources = self.sources.clone();
        let mut fresh = Library::rebuild(sources)?;
        fresh.warnings.insert(
            0,
            format!("the saved index was damaged ({damage}); rebuilt it"),
        );
        fresh.problems.extend(std::mem::take(&mut self.problems));
        *self = fresh;
        Ok(())
    }

    /// The entry a topic names: by id, then alias, then the name ignoring case, spaces,
    /// hyphens and underscores. `None` unless exactly one entry matches.
    pub fn find(&mut self, topic: &str) -> Result<Option<Found>> {
        let topic = text::nfc(topic.trim()).into_owned();
        self.guarded(|lib| {
            let index = lib.index();
            if let Some(found) = index.lookup(&Key::Id(topic.clone()))?.into_iter().next() {
                return Ok(Some(found));
            }
            for key in [
                Key::Alias(topic.clone()),
                Key::Loose(text::loose_key(&topic)),
            ] {
                let found = index.lookup(&key)?;
                if found.len() == 1 {
                    return Ok(found.into_iter().next());
                }
            }
            Ok(None)
        })
    }

    /// Entries by id (those that exist), in the order given.
    pub fn by_ids(&mut self, ids: &[String]) -> Result<Vec<Found>> {
        self.guarded(|lib| {
            let mut out = Vec::new();
            for id in ids {
                out.extend(lib.index().lookup(&Key::Id(id.clone()))?);
            }
            Ok(out)
        })
    }

    /// Every entry, by category then id.
    pub fn all(&mut self) -> Result<Vec<Found>> {
        self.guarded(|lib| lib.index().all())
    }

    /// The categories, with how many entries each has.
    pub fn categories(&mut self) -> Result<Vec<(String, usize)>> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for f in self.all()? {
            let category = f.meta.map(|m| m.category).unwrap_or_default();
            match out.iter_mut().find(|(c, _)| *c == category) {
                Some((_, n)) => *n += 1,
                None => out.push((category, 1)),
            }
        }
        Ok(out)
    }

    /// An entry, read from where it lives (the binary or the user's file) and parsed.
    pub fn read(&self, origin: &Origin) -> Result<Entry> {
        read_entry(origin)
    }
}

/// The plain text snippets are cut from: of `section` when one answers, else of the whole
/// body. A built-in entry's was computed when the binary was built; a user's file is read
/// and parsed now.
pub fn plain_of(origin: &Origin, section: Option<&SectionAt>) -> Option<Plain> {
    match origin {
        Origin::Builtin(rel) => {
            let plain = builtin::plain(rel)?;
            Some(match section {
                Some(s) => plain.section(s.range.clone()),
                None => plain,
            })
        }
        Origin::User(path) => {
            let text = walk::read_text(path).ok()?;
            let body = markdown::body_of(&text);
            // Where the index saw the section, if the body still has a heading there; else
            // the body is parsed again to find it.
            let part = section.and_then(|s| {
                body.get(s.range.clone())
                    .filter(|part| part.starts_with("##"))
                    .or_else(|| {
                        markdown::sections(body)
                            .into_iter()
                            .find(|x| x.anchor == s.anchor)
                            .map(|x| &body[x.range])
                    })
            });
            Some(markdown::plain(part.unwrap_or(body)))
        }
    }
}

/// An entry's text, read and parsed: the one way from a place to an [`Entry`].
///
/// A built-in entry was parsed and validated when the binary was built: its front matter is
/// read back from what that parse saved.
pub fn read_entry(origin: &Origin) -> Result<Entry> {
    let text = match origin {
        Origin::Builtin(rel) => {
            let (text, front) = builtin::file(rel)
                .ok_or_else(|| anyhow!("this pyguide has no built-in entry {rel}"))?;
            if let Some(entry) = Entry::with_front(origin.clone(), text, front) {
                return Ok(entry);
            }
            text.to_string()
        }
        Origin::User(path) => walk::read_text(path).map_err(|p| anyhow!("{p}"))?,
    };
    Entry::parse(origin.clone(), &text).map_err(|p| anyhow!("{p}"))
}

/// The built-in entries, parsed. A problem here is a bug in the release; it is reported.
pub fn builtin_entries() -> (Vec<Entry>, Vec<Problem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (rel, text, _) in builtin::FILES {
        match Entry::parse(Origin::Builtin(rel.to_string()), text) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    (entries, problems)
}

/// Runs `op`, catching a panic without printing it.
fn quietly<T>(op: impl FnOnce() -> T) -> std::thread::Result<T> {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(op));
    panic::set_hook(hook);
    result
}

/// The saved index, as the cache folder's pointer names it, if it opens, was built by this
/// pyguide, and its files are as they were written.
struct Saved {
    generation: PathBuf,
    index: GuideIndex,
    dirs: SavedDirs,
}

/// A saved index of at most this many bytes has every byte checked against its checksums
/// when opened (about a millisecond for 8 MiB; a guide of a few thousand notes); a larger one
/// is checked by its files' sizes and times only.
const VERIFY_UP_TO: u64 = 8 << 20;

impl Saved {
    /// The live generation, if it can be used.
    fn open(store: &Store) -> Option<Saved> {
        Saved::open_or_damage(store).ok().flatten()
    }

    /// The live generation; `Ok(None)` when there is none or it was made by another build
    /// of pyguide (nothing wrong: it is rebuilt), `Err` with what is wrong when it is
    /// damaged. Only under the lock is a failure damage: without it, an `index` may be
    /// swapping the generation out while it is read.
    fn open_or_damage(store: &Store) -> Result<Option<Saved>, String> {
        let Some(generation) = store.current() else {
            return Ok(None);
        };
        let changed = match crate::store::sealed(&generation) {
            Sealed::Intact => false,
            Sealed::Changed => true,
            Sealed::Damaged(what) => return Err(what),
        };
        let index = match quietly(|| GuideIndex::open_folder_checked(&generation, VERIFY_UP_TO)) {
            Ok(Ok(index)) => index,
            Ok(Err(e)) => return Err(format!("{e:#}")),
            Err(_) => return Err("opening it failed".into()),
        };
        // An update cut short (or one under way, without the lock): rebuilt, nothing said.
        if changed {
            return Ok(None);
        }
        Ok(Saved::from_index(generation, index))
    }

    fn from_index(generation: PathBuf, index: GuideIndex) -> Option<Saved> {
        let payload = Payload::parse(&index.payload()?)?;
        if payload.fingerprint != builtin::FINGERPRINT {
            return None;
        }
        let dirs = SavedDirs::load(&generation, &payload.manifest).ok()?;
        Some(Saved {
            generation,
            index,
            dirs,
        })
    }

    fn check(&self, sources: &Sources) -> fresh::Check {
        fresh::check(&self.dirs, &sources.roots, sources.rescan, &sources.touched)
    }

    /// Applies file changes to this index in place (tantivy commits atomically: readers see
    /// the old state or the new). `None` when only a full rebuild is right: an id that
    /// shadows or shadowed a built-in entry, or that another file also has.
    fn update(
        self,
        sources: &Sources,
        store: &Store,
        check: fresh::Check,
    ) -> Result<Option<Library>> {
        // Only the records of the folders to rescan are read; a full scan compares them all.
        let only = match &check {
            fresh::Check::Folders(changed) => Some(changed.as_slice()),
            _ => None,
        };
        let Ok(mut old) = Manifest::load(&self.generation, &self.dirs, only) else {
            return Ok(None);
        };
        let (mut manifest, mut problems, within) = match &check {
            fresh::Check::Folders(changed) => fresh::rescan(&old, changed),
            _ => {
                let (manifest, problems) = fresh::scan(&sources.roots);
                (manifest, problems, None)
            }
        };
        if within.is_none() && !old.kept.is_empty() {
            // The rescan found a link and scanned everything: compare everything.
            let Ok(all) = Manifest::load(&self.generation, &self.dirs, None) else {
                return Ok(None);
            };
            old = all;
        }
        // An update goes ahead only if no duplicated id is involved (below), so the
        // duplicates stay as they were.
        manifest.dups = old.dups.clone();
        let changes = fresh::diff(&old, &manifest, within.as_deref());
        // Keyed by the paths' bytes with a fast hash: hashing a `Path` walks its components,
        // and a guide of 100,000 files makes that most of an update's time.
        let old_ids: FxHashMap<&OsStr, &str> = old
            .files
            .iter()
            .map(|s| (s.path.as_os_str(), s.id.as_str()))
            .collect();
        let touched: FxHashSet<&OsStr> = changes
            .added
            .iter()
            .map(|p| p.as_os_str())
            .chain(changes.modified.iter().map(|s| s.path.as_os_str()))
            .chain(changes.removed.iter().map(|s| s.path.as_os_str()))
            .collect();
        let dups: FxHashSet<&str> = old.dups.iter().map(String::as_str).collect();
        let changed: Vec<PathBuf> = changes
            .added
            .iter()
            .cloned()
            .chain(changes.modified.iter().map(|s| s.path.clone()))
            .collect();
        let (entries, parse_problems) = walk::parse_files(&changed);
        // A file not touched that holds the id: the index has its entry, or the id is one
        // of the duplicates (whose later holders are not indexed).
        let held_elsewhere = |id: &str| -> Result<bool> {
            Ok(dups.contains(id)
                || self
                    .index
                    .lookup(&Key::Id(id.to_string()))?
                    .iter()
                    .any(|found| {
                        found
                            .origin
                            .path()
                            .is_none_or(|p| !touched.contains(p.as_os_str()))
                    }))
        };
        let mut new_ids: FxHashSet<&str> = FxHashSet::default();
        for e in &entries {
            if is_builtin(e.id()) || !new_ids.insert(e.id()) || held_elsewhere(e.id())? {
                return Ok(None);
            }
        }
        for stamp in changes.modified.iter().chain(&changes.removed) {
            let id = old_ids.get(stamp.path.as_os_str()).copied().unwrap_or("");
            if !id.is_empty() && (is_builtin(id) || dups.contains(id)) {
                return Ok(None);
            }
        }
        problems.extend(parse_problems);
        // Carry the ids over from the old manifest, then set the changed files' ones.
        let parsed: FxHashMap<&OsStr, &str> = entries
            .iter()
            .filter_map(|e| e.origin.path().map(|p| (p.as_os_str(), e.id())))
            .collect();
        for stamp in &mut manifest.files {
            let path = stamp.path.as_os_str();
            let id = match parsed.get(path) {
                Some(id) => id,
                None if touched.contains(path) => "",
                None => old_ids.get(path).copied().unwrap_or(""),
            };
            if stamp.id != id {
                stamp.id = id.to_string();
            }
        }
        // Every touched file's documents go first, added ones too: replaying an update that
        // was interrupted after its commit deletes what it added before adding it again.
        let deletes: Vec<Origin> = touched
            .iter()
            .map(|p| Origin::User(PathBuf::from(p)))
            .collect();
        let Saved {
            generation,
            mut index,
            ..
        } = self;
        let payload = Payload::new();
        let written = (|| -> Result<()> {
            // The new manifest is written first under its own name; the commit then names it.
            manifest.save(&generation, &payload.manifest)?;
            if !changes.is_empty() {
                index.apply(&deletes, &entries, &payload.text())?;
                // Fault injection for the test that an update interrupted right after its
                // commit leaves a consistent guide (tests/faults.rs).
                if std::env::var_os("PYGUIDE_TEST_DIE_AFTER_COMMIT").is_some() {
                    std::process::abort();
                }
                index.save_vocab()?;
            } else {
                index.apply(&[], &[], &payload.text())?;
            }
            Manifest::remove_others(&generation, &payload.manifest);
            crate::store::seal(&generation)
        })();
        if let Err(e) = written {
            // A full disk, say: answer from memory this time, and say why.
            let mut lib =
                Library::in_memory(sources.clone(), e.context("cannot update the saved index"))?;
            lib.problems.extend(problems);
            return Ok(Some(lib));
        }
        Ok(Some(Library {
            index,
            sources: sources.clone(),
            store: Some(store.clone()),
            generation: Some(generation),
            problems,
            warnings: Vec::new(),
            unsaved: None,
            built: None,
            check_took: Duration::ZERO,
        }))
    }
}

/// Whether a built-in entry has this id (one term lookup; reading every built-in entry's id
/// was a twentieth of an update).
fn is_builtin(id: &str) -> bool {
    builtin::index().is_ok_and(|index| index.has(&Key::Id(id.to_string())))
}

/// The built-in index plus the entries of the scanned files, in memory: a user entry with a
/// built-in id replaces that entry, and of two user entries with one id the first (in folder
/// precedence) wins. Returns the manifest with each file's id.
fn build(
    manifest: &Manifest,
    payload: &Payload,
    problems: &mut Vec<Problem>,
) -> Result<(GuideIndex, Manifest)> {
    let paths: Vec<PathBuf> = manifest.files.iter().map(|s| s.path.clone()).collect();
    let (parsed, parse_problems) = walk::parse_files(&paths);
    problems.extend(parse_problems);
    // Every file's id, a duplicate's too: an update that touches a duplicated id rebuilds.
    // Keyed by the paths' bytes (hashing a `Path` walks its components).
    let ids: FxHashMap<OsString, String> = parsed
        .iter()
        .filter_map(|e| {
            let path = e.origin.path()?;
            Some((path.as_os_str().to_owned(), e.id().to_string()))
        })
        .collect();
    let (user, merge_problems) = entry::merge(parsed);
    problems.extend(merge_problems);
    let mut index = builtin::index_copy()?;
    let mut overridden = Vec::new();
    for e in &user {
        for found in index.lookup(&Key::Id(e.id().to_string()))? {
            if found.origin.is_builtin() {
                overridden.push(found.origin);
            }
        }
    }
    index
        .apply(&overridden, &user, &payload.text())
        .context("cannot index the entries")?;
    let mut manifest = manifest.clone();
    let mut holders: FxHashMap<&str, usize> = FxHashMap::default();
    for stamp in &mut manifest.files {
        stamp.id = ids.get(stamp.path.as_os_str()).cloned().unwrap_or_default();
    }
    for stamp in &manifest.files {
        if !stamp.id.is_empty() {
            *holders.entry(stamp.id.as_str()).or_default() += 1;
        }
    }
    let mut dups: Vec<String> = holders
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(id, _)| id.to_string())
        .collect();
    dups.sort_unstable();
    manifest.dups = dups;
    Ok((index, manifest))
}

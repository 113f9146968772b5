//! The Tantivy index: schema, build, open, and the freshness check that decides between them.
//!
//! The index is a build output kept in the cache folder. Each build goes into a fresh
//! `gen-*` folder; the file `current` names the live one and is replaced atomically (write,
//! then rename), so a reader sees the old index or the new one, never half of either. Builders
//! take `build.lock`, and re-check after taking it, so concurrent first runs build once. The
//! guide's fingerprint is kept as the commit payload inside tantivy's own `meta.json`, so it is
//! written atomically with the data it describes. An index that fails to open or read is
//! rebuilt; a cache folder that cannot be written falls back to an index in memory.
//!
//! Together with `search.rs`, the only user of tantivy.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, RamDirectory, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::builtin;
use crate::fresh::{self, Manifest, SavedDirs};
use crate::kb::{self, Entry, Origin, Problem};
use crate::text;
use crate::vocab::Vocab;

/// Bump when the schema or the analysis changes: old indexes are then rebuilt.
const SCHEMA_VERSION: u32 = 4;

/// The vocabulary file in each index folder (see `vocab.rs`).
const VOCAB_FILE: &str = "vocab.txt";

/// The analyzer for searchable text: code-aware words, English stems.
pub const STEMMED: &str = "pyguide";

/// The fields of the schema.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    /// Lookup keys: `a:<alias>` as written and `l:<loose key>` of the id and aliases (for
    /// `show`), `o:<origin>` (to replace a changed file's document).
    pub key: Field,
    pub title: Field,
    pub aliases: Field,
    pub summary: Field,
    pub tags: Field,
    pub category: Field,
    /// The words of the id and the category, searchable.
    pub meta: Field,
    pub body: Field,
    pub origin: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(record),
        )
    };
    let searchable = text(STEMMED, IndexRecordOption::WithFreqsAndPositions);
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        key: b.add_text_field("key", STRING),
        title: b.add_text_field("title", searchable.clone() | STORED),
        aliases: b.add_text_field("aliases", searchable.clone() | STORED),
        summary: b.add_text_field("summary", searchable.clone() | STORED),
        tags: b.add_text_field("tags", searchable.clone() | STORED),
        category: b.add_text_field("category", STRING | STORED),
        meta: b.add_text_field("meta", searchable.clone()),
        body: b.add_text_field("body", searchable),
        origin: b.add_text_field("origin", STORED),
    };
    (b.build(), fields)
}

/// The word splitter of `text.rs` as a tantivy tokenizer, stemming when asked.
#[derive(Clone, Default)]
pub struct CodeTokenizer {
    tokens: Vec<Token>,
    stems: Option<text::Stems>,
}

impl CodeTokenizer {
    pub fn stemming() -> CodeTokenizer {
        CodeTokenizer {
            tokens: Vec::new(),
            stems: Some(text::Stems::default()),
        }
    }

    /// Stems, and leaves every word it saw in `sink` when dropped.
    pub fn collecting(sink: text::WordSink) -> CodeTokenizer {
        CodeTokenizer {
            tokens: Vec::new(),
            stems: Some(text::Stems::with_sink(sink)),
        }
    }
}

pub struct CodeTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        // Tokens (and their strings) are reused from one document to the next.
        let mut len = 0;
        let tokens = &mut self.tokens;
        let stems = &mut self.stems;
        text::split_words(text, |w| {
            if len == tokens.len() {
                tokens.push(Token::default());
            }
            let token = &mut tokens[len];
            token.offset_from = w.from;
            token.offset_to = w.to;
            token.position = w.position;
            token.position_length = 1;
            match stems {
                Some(stems) => stems.stem_into(w.text, &mut token.text),
                None => {
                    token.text.clear();
                    token.text.push_str(w.text);
                }
            }
            len += 1;
        });
        CodeTokenStream {
            tokens: &mut self.tokens[..len],
            next: 0,
        }
    }
}

impl TokenStream for CodeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(CodeTokenizer::stemming())
}

fn register_analyzers(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
}

/// What the index keeps of an entry for listing and result lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub origin: Origin,
}

impl Stored {
    /// The stored form of a built-in entry, from its compile-time metadata.
    pub fn builtin(meta: &builtin::Meta) -> Stored {
        Stored {
            id: meta.id.to_string(),
            title: meta.title.to_string(),
            summary: meta.summary.to_string(),
            category: meta.category.to_string(),
            origin: Origin::Builtin(builtin::FILES[meta.file].0),
        }
    }
}

/// An open index, ready to search.
pub struct Guide {
    /// The guide's words for typo repair, read on first use.
    vocab: OnceLock<Vocab>,
    /// Kept alive with the reader (it owns the directory and the analyzers).
    _index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// Where it lives (None: in memory).
    pub dir: Option<PathBuf>,
}

/// What `ensure` did, for `pyguide index` and for warnings.
#[derive(Debug, Default)]
pub struct Built {
    pub entries: usize,
}

/// An index ready to search, and how it came to be.
pub struct Opened {
    pub guide: Guide,
    /// Set when it was built or updated just now.
    pub built: Option<Built>,
    /// Why a freshly built index could not be kept in the cache folder.
    pub unsaved: Option<anyhow::Error>,
    /// Problems in the user's files found while (re)indexing them; reported once, then.
    pub problems: Vec<Problem>,
    /// How long the freshness check took (reported with PYGUIDE_TIMINGS).
    pub check_took: Duration,
}

/// A stamp of what every index depends on besides the user's files: the schema, the analyzer
/// and the built-in guide. Kept as the commit payload; a mismatch means a full rebuild.
pub fn fingerprint(builtin: u64) -> String {
    let mut h = DefaultHasher::new();
    SCHEMA_VERSION.hash(&mut h);
    builtin.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    format!("{:016x}", h.finish())
}

impl Opened {
    fn unchanged(guide: Guide) -> Opened {
        Opened {
            guide,
            built: None,
            unsaved: None,
            problems: Vec::new(),
            check_took: Duration::ZERO,
        }
    }
}

impl Guide {
    /// The index of the built-in guide and the user's KB folders (`roots`), fresh: the live
    /// one if no folder changed; updated in place if only some files changed (and no id moved
    /// between files or shadows a built-in one); otherwise rebuilt into a new generation.
    pub fn open(cache_dir: &Path, fingerprint: &str, roots: &[PathBuf]) -> Result<Opened> {
        let check = || -> Option<fresh::Check> {
            Some(fresh::check(
                &SavedDirs::load(&current_dir(cache_dir)?).ok()?,
                roots,
            ))
        };
        let started = Instant::now();
        let first = check();
        let check_took = started.elapsed();
        let mut opened = Guide::bring_up_to_date(cache_dir, fingerprint, roots, first, check)?;
        opened.check_took = check_took;
        Ok(opened)
    }

    /// The rest of [`Guide::open`], once the folders were checked (`first`).
    fn bring_up_to_date(
        cache_dir: &Path,
        fingerprint: &str,
        roots: &[PathBuf],
        first: Option<fresh::Check>,
        check: impl Fn() -> Option<fresh::Check>,
    ) -> Result<Opened> {
        if first == Some(fresh::Check::Fresh)
            && let Some(guide) = Guide::open_current(cache_dir, fingerprint)
        {
            return Ok(Opened::unchanged(guide));
        }
        let lock = match lock_cache(cache_dir) {
            Ok(lock) => lock,
            Err(err) => {
                let (manifest, mut problems) = fresh::scan(roots);
                let (guide, built, _) =
                    Guide::with_user_files(&manifest, fingerprint, &mut problems)?;
                return Ok(Opened {
                    guide,
                    built: Some(built),
                    unsaved: Some(err),
                    problems,
                    check_took: Duration::ZERO,
                });
            }
        };
        // Another process may have brought it up to date while this one waited.
        let check = check();
        let live = Guide::open_current(cache_dir, fingerprint);
        if check == Some(fresh::Check::Fresh)
            && let Some(guide) = live
        {
            return Ok(Opened::unchanged(guide));
        }
        if let Some(mut guide) = live
            && let Some(dir) = guide.dir.clone()
            && let Ok(old) = Manifest::load(&dir)
        {
            let (mut manifest, mut problems) = match &check {
                Some(fresh::Check::Folders(changed)) => fresh::rescan(&old, changed),
                _ => fresh::scan(roots),
            };
            let changes = fresh::diff(&old, &manifest);
            if let Some(built) = guide.update(&old, &mut manifest, &changes, &mut problems)? {
                let unsaved = manifest.save(&dir).err();
                drop(lock);
                return Ok(Opened {
                    guide,
                    built: (!changes.is_empty()).then_some(built),
                    unsaved,
                    problems,
                    check_took: Duration::ZERO,
                });
            }
        }
        Guide::rebuild_locked(cache_dir, fingerprint, roots, lock)
    }

    /// Builds a fresh index now, whatever the state of the live one.
    pub fn rebuild(cache_dir: &Path, fingerprint: &str, roots: &[PathBuf]) -> Result<Opened> {
        let lock = lock_cache(cache_dir)?;
        Guide::rebuild_locked(cache_dir, fingerprint, roots, lock)
    }

    /// Scans every file and builds a new generation; `lock` is the cache's, held till then.
    fn rebuild_locked(
        cache_dir: &Path,
        fingerprint: &str,
        roots: &[PathBuf],
        lock: File,
    ) -> Result<Opened> {
        let (manifest, mut problems) = fresh::scan(roots);
        let (mut guide, built, manifest) =
            Guide::with_user_files(&manifest, fingerprint, &mut problems)?;
        let unsaved = guide.save(cache_dir, fingerprint, &manifest).err();
        drop(lock);
        Ok(Opened {
            guide,
            built: Some(built),
            unsaved,
            problems,
            check_took: Duration::ZERO,
        })
    }

    /// Applies file changes to this (saved) index in place; tantivy commits atomically, so
    /// readers see the old state or the new. `None` when only a full rebuild is right: an id
    /// that shadows or shadowed a built-in entry, or that another file also has.
    fn update(
        &mut self,
        old: &Manifest,
        manifest: &mut Manifest,
        changes: &fresh::Changes,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<Built>> {
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
        // Ids held by files that did not change.
        let mut ids_elsewhere: FxHashMap<&str, usize> = FxHashMap::default();
        for s in &old.files {
            if !touched.contains(s.path.as_os_str()) && !s.id.is_empty() {
                *ids_elsewhere.entry(s.id.as_str()).or_default() += 1;
            }
        }
        let builtin = |id: &str| builtin::META.iter().any(|m| m.id == id);
        let changed: Vec<PathBuf> = changes
            .added
            .iter()
            .cloned()
            .chain(changes.modified.iter().map(|s| s.path.clone()))
            .collect();
        let (entries, parse_problems) = kb::parse_files(&changed);
        let mut new_ids: FxHashSet<&str> = FxHashSet::default();
        for e in &entries {
            if builtin(&e.id) || ids_elsewhere.contains_key(e.id.as_str()) || !new_ids.insert(&e.id)
            {
                return Ok(None);
            }
        }
        for stamp in changes.modified.iter().chain(&changes.removed) {
            let id = old_ids.get(stamp.path.as_os_str()).copied().unwrap_or("");
            if !id.is_empty() && (builtin(id) || ids_elsewhere.contains_key(id)) {
                return Ok(None);
            }
        }
        problems.extend(parse_problems);
        // Carry the ids over from the old manifest, then set the changed files' ones.
        let parsed: FxHashMap<&OsStr, &str> = entries
            .iter()
            .filter_map(|e| match &e.origin {
                Origin::User(p) => Some((p.as_os_str(), e.id.as_str())),
                Origin::Builtin(_) => None,
            })
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
        if !changes.is_empty() {
            let f = self.fields;
            let deletes: Vec<Term> = changes
                .modified
                .iter()
                .chain(&changes.removed)
                .map(|stamp| {
                    let key = Origin::User(stamp.path.clone()).to_key();
                    Term::from_field_text(f.key, &format!("o:{key}"))
                })
                .collect();
            let payload = self.payload().unwrap_or_default();
            let words = write_docs(&self._index, f, &deletes, &entries, &payload)?;
            self.reader.reload().context("cannot reopen the index")?;
            if !entries.is_empty() {
                let mut vocab = self.vocab().clone();
                vocab.merge(words);
                if let Some(dir) = &self.dir {
                    vocab.save(&dir.join(VOCAB_FILE))?;
                }
                self.vocab = OnceLock::from(vocab);
            }
        }
        Ok(Some(Built {
            entries: entries.len(),
        }))
    }

    /// The built-in index plus the entries of the scanned files, in memory: a user entry
    /// with a built-in id replaces that entry, and of two user entries with one id the first
    /// (in folder precedence) wins. Returns the manifest with each file's id.
    fn with_user_files(
        manifest: &Manifest,
        fingerprint: &str,
        problems: &mut Vec<Problem>,
    ) -> Result<(Guide, Built, Manifest)> {
        let paths: Vec<PathBuf> = manifest.files.iter().map(|s| s.path.clone()).collect();
        let (parsed, parse_problems) = kb::parse_files(&paths);
        problems.extend(parse_problems);
        let (user, merge_problems) = kb::merge(parsed, Vec::new());
        problems.extend(merge_problems);
        let (guide, built) = Guide::with_user_entries(&user, fingerprint)?;
        let ids: FxHashMap<&OsStr, &str> = user
            .iter()
            .filter_map(|e| match &e.origin {
                Origin::User(p) => Some((p.as_os_str(), e.id.as_str())),
                Origin::Builtin(_) => None,
            })
            .collect();
        let mut manifest = manifest.clone();
        for stamp in &mut manifest.files {
            stamp.id = ids
                .get(stamp.path.as_os_str())
                .copied()
                .unwrap_or("")
                .to_string();
        }
        Ok((guide, built, manifest))
    }

    /// The built-in index searched where it lies in the binary: no copy, no files, no cache.
    /// Used when the user has no entries of their own.
    pub fn builtin() -> Result<Guide> {
        let index = Index::open(Embedded).context("the built-in index does not open")?;
        register_analyzers(&index);
        let (_, fields) = schema();
        Guide::from_index(index, fields, None)
    }

    /// The index of the built-in guide that `build.rs` made at compile time, in memory and
    /// writable, to add the user's entries to.
    pub fn embedded() -> Result<Guide> {
        let ram = RamDirectory::create();
        let mut vocab = None;
        for (name, bytes) in builtin::INDEX_FILES {
            if *name == VOCAB_FILE {
                vocab = Some(Vocab::parse(&String::from_utf8_lossy(bytes)));
            } else {
                ram.atomic_write(Path::new(name), bytes)
                    .context("cannot load the built-in index")?;
            }
        }
        let index = Index::open(ram).context("the built-in index does not open")?;
        register_analyzers(&index);
        let (_, fields) = schema();
        let guide = Guide::from_index(index, fields, None)?;
        if let Some(vocab) = vocab {
            let _ = guide.vocab.set(vocab);
        }
        Ok(guide)
    }

    /// The built-in index plus the user's entries: a user entry with a built-in id replaces
    /// that entry. Only the user's entries are indexed; the rest was indexed at compile time.
    fn with_user_entries(user: &[Entry], fingerprint: &str) -> Result<(Guide, Built)> {
        let mut guide = Guide::embedded()?;
        let builtin_count = guide.searcher().num_docs() as usize;
        let mut overridden = 0;
        if !user.is_empty() || guide.payload().as_deref() != Some(fingerprint) {
            let searcher = guide.searcher();
            let f = guide.fields;
            let mut deletes = Vec::new();
            for e in user {
                let term = Term::from_field_text(f.id, &e.id);
                if searcher.doc_freq(&term).unwrap_or(0) > 0 {
                    deletes.push(term);
                    overridden += 1;
                }
            }
            let words = write_docs(&guide._index, f, &deletes, user, fingerprint)?;
            guide.reader.reload().context("cannot reopen the index")?;
            let mut vocab = guide.vocab().clone();
            vocab.merge(words);
            guide.vocab = OnceLock::from(vocab);
        }
        let built = Built {
            entries: builtin_count - overridden + user.len(),
        };
        Ok((guide, built))
    }

    /// An index of these entries, in memory, with its vocabulary.
    /// `build.rs` uses it for the built-in guide (the binary itself starts from that index).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn from_entries(entries: &[Entry], fingerprint: &str) -> Result<Guide> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register_analyzers(&index);
        let vocab = write_docs(&index, fields, &[], entries, fingerprint)?;
        let guide = Guide::from_index(index, fields, None)?;
        let _ = guide.vocab.set(vocab);
        Ok(guide)
    }

    /// The fingerprint the index was committed with.
    fn payload(&self) -> Option<String> {
        self._index.load_metas().ok()?.payload
    }

    /// Writes the index files and the vocabulary into `dir` (which exists).
    pub fn export(&self, dir: &Path) -> Result<()> {
        let directory = self._index.directory();
        let mut files = directory.list_managed_files();
        files.insert(PathBuf::from("meta.json"));
        files.insert(PathBuf::from(".managed.json"));
        for file in files {
            let bytes = directory
                .atomic_read(&file)
                .with_context(|| format!("cannot read {} of the new index", file.display()))?;
            let path = dir.join(&file);
            fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        }
        self.vocab().save(&dir.join(VOCAB_FILE))
    }

    /// Copies the in-memory index into a new generation folder and makes it the live one.
    /// Plain writes, no fsync: the index is a cache, and a torn copy fails to open and is
    /// rebuilt.
    fn save(&mut self, cache_dir: &Path, fingerprint: &str, manifest: &Manifest) -> Result<()> {
        let gen_name = format!(
            "gen-{fingerprint}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let gen_dir = cache_dir.join(&gen_name);
        let written = (|| -> Result<()> {
            fs::create_dir(&gen_dir)
                .with_context(|| format!("cannot create {}", gen_dir.display()))?;
            self.export(&gen_dir)?;
            manifest.save(&gen_dir)?;
            let pointer_tmp = cache_dir.join(format!("current.tmp-{}", std::process::id()));
            fs::write(&pointer_tmp, &gen_name)
                .and_then(|()| fs::rename(&pointer_tmp, cache_dir.join("current")))
                .with_context(|| format!("cannot update {}", cache_dir.join("current").display()))
        })();
        if let Err(err) = written {
            let _ = fs::remove_dir_all(&gen_dir);
            return Err(err);
        }
        remove_old_generations(cache_dir, &gen_name);
        self.dir = Some(gen_dir);
        Ok(())
    }

    /// The live index, if there is one, it opens, and it was built from this fingerprint.
    fn open_current(cache_dir: &Path, fingerprint: &str) -> Option<Guide> {
        let dir = current_dir(cache_dir)?;
        let directory = MmapDirectory::open(&dir).ok()?;
        let index = Index::open(directory).ok()?;
        let payload = index.load_metas().ok()?.payload;
        if payload.as_deref() != Some(fingerprint) {
            return None;
        }
        let (_, fields) = schema();
        if index.schema() != schema().0 {
            return None;
        }
        register_analyzers(&index);
        Guide::from_index(index, fields, Some(dir)).ok()
    }

    fn from_index(index: Index, fields: Fields, dir: Option<PathBuf>) -> Result<Guide> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("cannot open the index for reading")?;
        Ok(Guide {
            vocab: OnceLock::new(),
            _index: index,
            reader,
            fields,
            dir,
        })
    }

    /// The vocabulary kept with the index (empty if it cannot be read: it only feeds
    /// suggestions). An index without a folder is the built-in one.
    pub fn vocab(&self) -> &Vocab {
        self.vocab.get_or_init(|| match &self.dir {
            Some(dir) => Vocab::load(&dir.join(VOCAB_FILE)).unwrap_or_default(),
            None => embedded_file(Path::new(VOCAB_FILE))
                .map(|bytes| Vocab::parse(&String::from_utf8_lossy(bytes)))
                .unwrap_or_default(),
        })
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The stored fields of one document.
    pub fn stored(&self, searcher: &Searcher, addr: DocAddress) -> Result<Stored> {
        let doc: TantivyDocument = searcher.doc(addr).context("cannot read the index")?;
        let f = self.fields;
        let get = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let origin = Origin::from_key(&get(f.origin))
            .context("the index names an entry this version does not have")?;
        Ok(Stored {
            id: get(f.id),
            title: get(f.title),
            summary: get(f.summary),
            category: get(f.category),
            origin,
        })
    }

    /// Entries whose `field` holds exactly `value` (an untokenized field: id, key, category).
    pub fn exact(&self, field: Field, value: &str) -> Result<Vec<Stored>> {
        let searcher = self.searcher();
        let query = TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        );
        let mut addrs: Vec<DocAddress> = searcher
            .search(&query, &DocSetCollector)
            .context("cannot search the index")?
            .into_iter()
            .collect();
        addrs.sort();
        addrs
            .into_iter()
            .map(|a| self.stored(&searcher, a))
            .collect()
    }

    /// Every entry, sorted by category then id.
    pub fn all(&self) -> Result<Vec<Stored>> {
        let searcher = self.searcher();
        let addrs = searcher
            .search(&AllQuery, &DocSetCollector)
            .context("cannot read the index")?;
        let mut out = addrs
            .into_iter()
            .map(|a| self.stored(&searcher, a))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));
        Ok(out)
    }

    /// Top documents for a query, best first.
    pub fn top(
        &self,
        searcher: &Searcher,
        query: &dyn tantivy::query::Query,
        limit: usize,
    ) -> Result<Vec<(f32, DocAddress)>> {
        searcher
            .search(query, &TopDocs::with_limit(limit.max(1)).order_by_score())
            .context("cannot search the index")
    }
}

/// The live generation folder named by `current`.
fn current_dir(cache_dir: &Path) -> Option<PathBuf> {
    let name = fs::read_to_string(cache_dir.join("current")).ok()?;
    let name = name.trim();
    if !name.starts_with("gen-") || name.contains(['/', '\\']) {
        return None;
    }
    Some(cache_dir.join(name))
}

fn embedded_file(path: &Path) -> Option<&'static [u8]> {
    builtin::INDEX_FILES
        .iter()
        .find(|(name, _)| Path::new(name) == path)
        .map(|(_, bytes)| *bytes)
}

/// The built-in index files as a read-only tantivy directory over the binary's own bytes.
#[derive(Debug, Clone)]
struct Embedded;

fn read_only() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "the built-in index is read-only",
    )
}

impl Directory for Embedded {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        embedded_file(path)
            .map(|bytes| Arc::new(bytes) as Arc<dyn FileHandle>)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(read_only()),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(embedded_file(path).is_some())
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(
            read_only(),
            path.to_path_buf(),
        ))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        embedded_file(path)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))
    }

    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// Nothing can change, so there is nothing to lock.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

/// Creates the cache folder and takes its build lock (released when dropped). Locks held by
/// a process that died are released by the system, so a stale lock file is harmless.
fn lock_cache(cache_dir: &Path) -> Result<File> {
    fs::create_dir_all(cache_dir)
        .with_context(|| format!("cannot create the cache folder {}", cache_dir.display()))?;
    let path = cache_dir.join("build.lock");
    let lock = File::create(&path)
        .with_context(|| format!("cannot write to the cache folder {}", cache_dir.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(lock)
}

/// Deletes the documents holding `deletes`, then adds `entries`, and commits with `payload`.
/// The tokenizers collect the words they see, so the vocabulary comes without a second pass.
fn write_docs(
    index: &Index,
    f: Fields,
    deletes: &[Term],
    entries: &[Entry],
    payload: &str,
) -> Result<Vocab> {
    let sink = text::WordSink::default();
    index.tokenizers().register(
        STEMMED,
        TextAnalyzer::from(CodeTokenizer::collecting(sink.clone())),
    );
    let written = (|| {
        let writer = writer_for(index, entries.len())?;
        // Deletes first: they apply to documents added before them, not to these.
        for term in deletes {
            writer.delete_term(term.clone());
        }
        for e in entries {
            writer
                .add_document(document(f, e))
                .context("cannot add to the index")?;
        }
        commit(writer, payload)
    })();
    // Replacing the registered analyzer drops the last tokenizer that holds the sink.
    register_analyzers(index);
    written?;
    let words = std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Vocab::from_counts(words))
}

/// A writer sized for the job: small batches index faster on one thread than starting more
/// would save.
fn writer_for(index: &Index, docs: usize) -> Result<IndexWriter> {
    let threads = if docs >= 1_000 {
        thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    // An update of a few files needs little memory, and every byte of the arena is paged in.
    let budget = if docs >= 1_000 {
        threads * 40_000_000
    } else {
        15_000_000 // tantivy's minimum
    };
    index
        .writer_with_num_threads::<TantivyDocument>(threads, budget)
        .context("cannot start writing the index")
}

/// Commits with the fingerprint as payload (kept atomically in meta.json) and waits for
/// merges, so the files are final.
fn commit(mut writer: IndexWriter, fingerprint: &str) -> Result<()> {
    let mut prepared = writer.prepare_commit().context("cannot write the index")?;
    prepared.set_payload(fingerprint);
    prepared.commit().context("cannot commit the index")?;
    writer
        .wait_merging_threads()
        .context("cannot finish writing the index")
}

fn document(f: Fields, e: &Entry) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &e.id);
    doc.add_text(f.key, format!("l:{}", text::loose_key(&e.id)));
    for alias in &e.aliases {
        doc.add_text(f.key, format!("a:{alias}"));
        doc.add_text(f.key, format!("l:{}", text::loose_key(alias)));
        doc.add_text(f.aliases, alias);
    }
    doc.add_text(f.title, &e.title);
    doc.add_text(f.summary, &e.summary);
    for tag in &e.tags {
        doc.add_text(f.tags, tag);
    }
    doc.add_text(f.category, &e.category);
    doc.add_text(f.meta, format!("{} {}", e.id, e.category));
    let plain = text::plain_text(&e.body);
    doc.add_text(f.body, plain);
    doc.add_text(f.key, format!("o:{}", e.origin.to_key()));
    doc.add_text(f.origin, e.origin.to_key());
    doc
}

/// Removes every generation but `keep`. Builders hold the lock, so nothing else is being built;
/// a reader that still has an old one open keeps its files (they are mapped) until it exits.
fn remove_old_generations(cache_dir: &Path, keep: &str) {
    let Ok(read) = fs::read_dir(cache_dir) else {
        return;
    };
    for item in read.flatten() {
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("gen-") && name != keep {
            let _ = fs::remove_dir_all(item.path());
        } else if name.starts_with("current.tmp-") {
            let _ = fs::remove_file(item.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_index_is_the_builtin_guide_indexed_now() {
        let embedded = Guide::embedded().unwrap();
        let builtin = Guide::builtin().unwrap();
        assert_eq!(builtin.all().unwrap(), embedded.all().unwrap());
        assert_eq!(builtin.vocab(), embedded.vocab());
        let (entries, problems) = crate::kb::builtin_entries();
        assert!(problems.is_empty());
        assert_eq!(embedded.payload(), Some(fingerprint(builtin::FINGERPRINT)));
        let fresh = Guide::from_entries(&entries, "now").unwrap();
        assert_eq!(fresh.searcher().num_docs(), embedded.searcher().num_docs());
        assert_eq!(fresh.vocab(), embedded.vocab());
        assert_eq!(fresh.all().unwrap(), embedded.all().unwrap());
    }

    #[test]
    fn code_tokenizer_stems_parts_and_keeps_identifier_forms() {
        let mut analyzer = stemmed_analyzer();
        let mut stream = analyzer.token_stream("Lazy QuerySets post_save");
        let mut words = Vec::new();
        while let Some(t) = stream.next() {
            words.push((t.text.clone(), t.position));
        }
        let expect = [
            ("lazi", 0),
            ("queri", 1),
            ("set", 2),
            ("queryset", 1),
            ("post", 3),
            ("save", 4),
            ("postsav", 3),
            ("post_sav", 3),
        ];
        let expect: Vec<(String, usize)> =
            expect.iter().map(|(w, p)| (w.to_string(), *p)).collect();
        assert_eq!(words, expect);
    }
}

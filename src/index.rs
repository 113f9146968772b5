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

use std::fs::{self, File};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::kb::{BUILTIN_FINGERPRINT, Entry, Origin};
use crate::text;

/// Bump when the schema or the analysis changes: old indexes are then rebuilt.
const SCHEMA_VERSION: u32 = 1;

/// The analyzer for searchable text: code-aware words, English stems.
pub const STEMMED: &str = "pyguide";
/// The same words unstemmed, for "did you mean" suggestions built from real words.
pub const RAW: &str = "pyguide_raw";

/// The fields of the schema.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    /// Lookup keys for `show`: `a:<alias>` as written, `l:<loose key>` of the id and aliases.
    pub key: Field,
    pub title: Field,
    pub aliases: Field,
    pub summary: Field,
    pub tags: Field,
    pub category: Field,
    /// The words of the id and the category, searchable.
    pub meta: Field,
    pub body: Field,
    pub vocab: Field,
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
        vocab: b.add_text_field("vocab", text(RAW, IndexRecordOption::WithFreqs)),
        origin: b.add_text_field("origin", STORED),
    };
    (b.build(), fields)
}

/// The word splitter of `text.rs` as a tantivy tokenizer.
#[derive(Clone, Default)]
pub struct CodeTokenizer {
    tokens: Vec<Token>,
}

pub struct CodeTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = CodeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CodeTokenStream<'a> {
        self.tokens.clear();
        text::split_words(text, |w| {
            self.tokens.push(Token {
                offset_from: w.from,
                offset_to: w.to,
                position: w.position,
                text: w.text,
                position_length: 1,
            })
        });
        CodeTokenStream {
            tokens: &mut self.tokens,
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
    TextAnalyzer::builder(CodeTokenizer::default())
        .filter(Stemmer::default())
        .build()
}

fn register_analyzers(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index
        .tokenizers()
        .register(RAW, TextAnalyzer::from(CodeTokenizer::default()));
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

/// An open index, ready to search.
pub struct Guide {
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

/// A stamp of everything the index depends on: the schema, the built-in guide, and each user
/// file's path, size and modification time.
pub fn fingerprint(user_files: &[PathBuf]) -> String {
    let mut h = DefaultHasher::new();
    SCHEMA_VERSION.hash(&mut h);
    BUILTIN_FINGERPRINT.hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    for path in user_files {
        path.hash(&mut h);
        if let Ok(meta) = fs::metadata(path) {
            meta.len().hash(&mut h);
            meta.modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .hash(&mut h);
        }
    }
    format!("{:016x}", h.finish())
}

impl Guide {
    /// Opens the live index if its fingerprint matches; otherwise builds one (with `entries`,
    /// called only then) and swaps it in. Returns what was built, if anything.
    pub fn ensure<F>(
        cache_dir: &Path,
        fingerprint: &str,
        entries: F,
    ) -> Result<(Guide, Option<Built>)>
    where
        F: FnOnce() -> Vec<Entry>,
    {
        if let Some(guide) = Guide::open_current(cache_dir, fingerprint) {
            return Ok((guide, None));
        }
        Guide::build_locked(cache_dir, fingerprint, entries, false)
    }

    /// Builds a fresh index now, whatever the fingerprint of the live one.
    pub fn rebuild<F>(cache_dir: &Path, fingerprint: &str, entries: F) -> Result<(Guide, Built)>
    where
        F: FnOnce() -> Vec<Entry>,
    {
        let (guide, built) = Guide::build_locked(cache_dir, fingerprint, entries, true)?;
        Ok((guide, built.unwrap_or_default()))
    }

    /// An index in memory, for when the cache folder cannot be written.
    pub fn in_memory(entries: &[Entry]) -> Result<Guide> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register_analyzers(&index);
        write_entries(&index, fields, entries, "")?;
        Guide::from_index(index, fields, None)
    }

    fn build_locked<F>(
        cache_dir: &Path,
        fingerprint: &str,
        entries: F,
        force: bool,
    ) -> Result<(Guide, Option<Built>)>
    where
        F: FnOnce() -> Vec<Entry>,
    {
        fs::create_dir_all(cache_dir)
            .with_context(|| format!("cannot create the cache folder {}", cache_dir.display()))?;
        let lock = File::create(cache_dir.join("build.lock"))
            .with_context(|| format!("cannot write to the cache folder {}", cache_dir.display()))?;
        lock.lock()
            .with_context(|| format!("cannot lock {}", cache_dir.join("build.lock").display()))?;
        // Another process may have built it while this one waited for the lock.
        if !force && let Some(guide) = Guide::open_current(cache_dir, fingerprint) {
            return Ok((guide, None));
        }
        let entries = entries();
        let gen_name = format!(
            "gen-{fingerprint}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let gen_dir = cache_dir.join(&gen_name);
        let result = build_in(&gen_dir, &entries, fingerprint);
        let guide = match result {
            Ok(guide) => guide,
            Err(err) => {
                let _ = fs::remove_dir_all(&gen_dir);
                return Err(err);
            }
        };
        let pointer_tmp = cache_dir.join(format!("current.tmp-{}", std::process::id()));
        fs::write(&pointer_tmp, &gen_name)
            .and_then(|()| fs::rename(&pointer_tmp, cache_dir.join("current")))
            .with_context(|| format!("cannot update {}", cache_dir.join("current").display()))?;
        remove_old_generations(cache_dir, &gen_name);
        drop(lock);
        Ok((
            guide,
            Some(Built {
                entries: entries.len(),
            }),
        ))
    }

    /// The live index, if there is one, it opens, and it was built from this fingerprint.
    fn open_current(cache_dir: &Path, fingerprint: &str) -> Option<Guide> {
        let name = fs::read_to_string(cache_dir.join("current")).ok()?;
        let name = name.trim();
        if !name.starts_with("gen-") || name.contains(['/', '\\']) {
            return None;
        }
        let dir = cache_dir.join(name);
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
            _index: index,
            reader,
            fields,
            dir,
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

/// Builds a complete index in `dir` (which must not exist yet).
fn build_in(dir: &Path, entries: &[Entry], fingerprint: &str) -> Result<Guide> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(dir, schema)
        .with_context(|| format!("cannot create an index in {}", dir.display()))?;
    register_analyzers(&index);
    write_entries(&index, fields, entries, fingerprint)?;
    Guide::from_index(index, fields, Some(dir.to_path_buf()))
}

fn write_entries(index: &Index, f: Fields, entries: &[Entry], fingerprint: &str) -> Result<()> {
    let threads = if entries.len() > 5_000 {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    let mut writer = index
        .writer_with_num_threads::<TantivyDocument>(threads, threads * 40_000_000)
        .context("cannot start writing the index")?;
    for entry in entries {
        writer
            .add_document(document(f, entry))
            .context("cannot add to the index")?;
    }
    let mut commit = writer.prepare_commit().context("cannot write the index")?;
    commit.set_payload(fingerprint);
    commit.commit().context("cannot commit the index")?;
    writer
        .wait_merging_threads()
        .context("cannot finish writing the index")?;
    Ok(())
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
    for value in [&e.id, &e.title, &e.summary, &plain] {
        doc.add_text(f.vocab, value);
    }
    for value in e.aliases.iter().chain(&e.tags) {
        doc.add_text(f.vocab, value);
    }
    doc.add_text(f.body, plain);
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

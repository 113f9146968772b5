//! The search index: its schema, how entries become documents, building and opening it, the
//! typed lookups, and a small query language that the ranking code builds and this module
//! runs. The only user of tantivy.
//!
//! Each entry is one *entry document* (id, title, aliases, questions, summary, tags, the id and
//! category as words, the whole body as plain text) and one *section document* per `##`
//! section (its heading and its text), so a query can tell where in an entry the answer is.
//! Exact lookups go through one `key` field whose terms are written only here ([`Key`]). Each
//! document carries its origin's key, so a file's documents are replaced by deleting its
//! origin before adding it again: replaying an update that was interrupted never duplicates.

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::thread;

use anyhow::{Context, Result};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Advice, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, RamDirectory, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::postings::Postings;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Occur, PhraseQuery,
    Query as TantivyQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field as TField, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::store::Compressor;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy,
    Searcher, TERMINATED, TantivyDocument, Term,
};

use crate::entry::{Entry, Meta, Origin};
use crate::markdown;
use crate::text;
use crate::vocab::Vocab;

/// Bump when the schema or the analysis changes: saved indexes are then rebuilt.
pub const SCHEMA_VERSION: u32 = 11;

/// The vocabulary file kept beside the index files (see `vocab.rs`).
pub const VOCAB_FILE: &str = "vocab.txt";

/// The doc store's block size in the built-in index (tantivy's default is 16 KiB).
const BINARY_STORE_BLOCK: usize = 2048;

/// The file in which tantivy keeps an index's segments and settings.
const META_FILE: &str = "meta.json";

/// The analyzer for searchable text: code-aware words, English stems.
const STEMMED: &str = "pyguide";

/// A searchable text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Aliases,
    Questions,
    Summary,
    Tags,
    /// The words of the id and the category.
    Names,
    /// An entry document's whole body.
    Body,
    /// A section document's heading.
    Heading,
    /// A section document's text. Apart from `Body`, so that how many entries have a word is
    /// not swollen by their sections.
    SectionText,
}

impl Field {
    /// The kind of document that has this field.
    fn kind(self) -> Kind {
        match self {
            Field::Heading | Field::SectionText => Kind::Section,
            _ => Kind::Entry,
        }
    }

    pub const ALL: [Field; 9] = [
        Field::Title,
        Field::Aliases,
        Field::Questions,
        Field::Summary,
        Field::Tags,
        Field::Names,
        Field::Body,
        Field::Heading,
        Field::SectionText,
    ];
}

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Entry,
    Section,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Entry => "e",
            Kind::Section => "s",
        }
    }
}

/// An exact lookup term. The only place the `key` field's encoding exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// An entry's id.
    Id(String),
    /// An alias, as written.
    Alias(String),
    /// The loose form (`text::loose_key`) of an id or an alias.
    Loose(String),
    /// Where an entry's text lives (on its entry and section documents).
    Origin(Origin),
}

impl Key {
    fn term(&self) -> String {
        match self {
            Key::Id(id) => format!("i:{id}"),
            Key::Alias(a) => format!("a:{a}"),
            Key::Loose(l) => format!("l:{l}"),
            Key::Origin(o) => format!("o:{}", o.to_key()),
        }
    }
}

/// A query, built by the ranking code and run here.
#[derive(Debug, Clone)]
pub enum Query {
    /// A stemmed word in a field.
    Term(Field, String),
    /// Stemmed words in a row in a field, up to `slop` positions apart.
    Phrase(Field, Vec<String>, u32),
    /// Documents matching any; scores add up.
    Any(Vec<Query>),
    /// Documents matching all; scores add up.
    All(Vec<Query>),
    /// Documents matching the first (its score), and the second where it matches (added).
    With(Box<Query>, Vec<Query>),
    Boost(Box<Query>, f32),
    /// Documents with this exact key (score 1 before boosting).
    Key(Key),
    /// The first, restricted to a category.
    InCategory(Box<Query>, String),
    /// The first, restricted to one kind of document.
    OfKind(Box<Query>, Kind),
    /// A query used in several others, built once: cloning it clones a pointer.
    Shared(Rc<Query>),
}

/// A matched document.
pub type DocRef = DocAddress;

/// A document's stored fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    pub kind: Kind,
    pub origin: Origin,
    /// An entry document's metadata.
    pub meta: Option<Meta>,
    /// A section document's heading, anchor and place in the body.
    pub section: Option<SectionAt>,
}

/// Where a section document's text is: its heading, its anchor, and its byte range in the
/// entry's body as the index saw it. The range is a hint for snippets: the body read later may
/// have changed, so check it before use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionAt {
    pub title: String,
    pub anchor: String,
    pub range: Range<usize>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: TField,
    kind: TField,
    key: TField,
    category: TField,
    title: TField,
    aliases: TField,
    questions: TField,
    summary: TField,
    tags: TField,
    names: TField,
    body: TField,
    heading: TField,
    section_text: TField,
    meta: TField,
    origin: TField,
    anchor: TField,
    span: TField,
    asked: TField,
    sum: TField,
}

impl Fields {
    fn text(&self, field: Field) -> TField {
        match field {
            Field::Title => self.title,
            Field::Aliases => self.aliases,
            Field::Questions => self.questions,
            Field::Summary => self.summary,
            Field::Tags => self.tags,
            Field::Names => self.names,
            Field::Body => self.body,
            Field::Heading => self.heading,
            Field::SectionText => self.section_text,
        }
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let searchable = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(STEMMED)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        // A column too: ranking reads the ids of a hundred candidates, and a column reads one
        // without decompressing and decoding a stored document.
        id: b.add_text_field("id", STRING | STORED | FAST),
        kind: b.add_text_field("kind", STRING | STORED),
        key: b.add_text_field("key", STRING),
        category: b.add_text_field("category", STRING),
        title: b.add_text_field("title", searchable.clone()),
        aliases: b.add_text_field("aliases", searchable.clone()),
        questions: b.add_text_field("questions", searchable.clone()),
        summary: b.add_text_field("summary", searchable.clone()),
        tags: b.add_text_field("tags", searchable.clone()),
        names: b.add_text_field("names", searchable.clone()),
        body: b.add_text_field("body", searchable.clone()),
        heading: b.add_text_field("heading", searchable.clone() | STORED),
        section_text: b.add_text_field("section_text", searchable),
        meta: b.add_text_field("meta", STORED),
        origin: b.add_text_field("origin", STORED),
        anchor: b.add_text_field("anchor", STORED),
        span: b.add_text_field("span", STORED),
        sum: b.add_text_field("sum", STORED),
        // Read by ranking only, so a column and not stored: like the postings, it is covered
        // by the files' checksums, not by the stored text's.
        asked: b.add_text_field("asked", FAST),
    };
    (b.build(), fields)
}

/// The word splitter of `text.rs` as a tantivy tokenizer, stemming.
#[derive(Clone)]
pub struct CodeTokenizer {
    tokens: Vec<Token>,
    stems: text::Stems,
}

impl CodeTokenizer {
    pub fn new() -> CodeTokenizer {
        CodeTokenizer {
            tokens: Vec::new(),
            stems: text::Stems::default(),
        }
    }

    /// Leaves every word it saw in `sink` when dropped (an index build's vocabulary).
    fn collecting(sink: text::WordSink) -> CodeTokenizer {
        CodeTokenizer {
            tokens: Vec::new(),
            stems: text::Stems::with_sink(sink),
        }
    }
}

impl Default for CodeTokenizer {
    fn default() -> Self {
        CodeTokenizer::new()
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
            stems.stem_into(w.text, &mut token.text);
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

/// A piece of text as the index sees it: (stemmed word, position, is an alternative form of
/// the word before). What the ranking code uses to analyze a query the same way.
pub fn analyze(text: &str, stems: &mut text::Stems) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    text::split_words(text, |w| out.push((stems.stem(w.text), w.position)));
    out
}

/// Whether a saved index's files match the checksums tantivy wrote in their footers, or the
/// folder is larger than `limit` bytes and taken on trust (see
/// [`GuideIndex::checksums_match`]).
fn checksums_ok(index: &Index, dir: &Path, limit: u64) -> bool {
    folder_size(dir) > limit || matches!(index.validate_checksum(), Ok(bad) if bad.is_empty())
}

/// The bytes of the files directly in a folder.
fn folder_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|items| {
            items
                .flatten()
                .filter_map(|item| item.metadata().ok())
                .map(|meta| meta.len())
                .sum()
        })
        .unwrap_or(0)
}

fn register(index: &Index) {
    index
        .tokenizers()
        .register(STEMMED, TextAnalyzer::from(CodeTokenizer::new()));
}

/// Where a guide's index lives.
enum Place {
    /// Built into the binary, read in place.
    Static(&'static [(&'static str, &'static [u8])]),
    /// A folder of the cache.
    Folder(PathBuf),
    /// In memory only.
    Memory,
}

/// An open index.
pub struct GuideIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    place: Place,
    /// The guide's words for typo repair, read on first use.
    vocab: OnceLock<Vocab>,
    /// Whether `apply` added words that the saved vocabulary lacks.
    vocab_changed: bool,
}

impl GuideIndex {
    fn from_index(index: Index, place: Place) -> Result<GuideIndex> {
        let (expected, fields) = schema();
        if index.schema() != expected {
            anyhow::bail!("the index was written with another schema");
        }
        register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("cannot open the index for reading")?;
        Ok(GuideIndex {
            index,
            reader,
            fields,
            place,
            vocab: OnceLock::new(),
            vocab_changed: false,
        })
    }

    /// A new, empty index in memory.
    pub fn in_memory() -> Result<GuideIndex> {
        let index = Index::create_in_ram(schema().0);
        GuideIndex::from_index(index, Place::Memory)
    }

    /// A new, empty index in memory to build into the binary. Its stored fields are kept
    /// uncompressed in small blocks: `show` reads a dozen entries' metadata (the entry and
    /// its See also line) from a dozen blocks, and a copy costs far less than decompressing
    /// 16 KiB each time. The binary grows by what LZ4 saved, a few hundred KiB.
    pub fn in_memory_for_binary() -> Result<GuideIndex> {
        let settings = IndexSettings {
            docstore_compression: Compressor::None,
            docstore_blocksize: BINARY_STORE_BLOCK,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema().0)
            .settings(settings)
            .create_in_ram()
            .context("cannot create the index")?;
        GuideIndex::from_index(index, Place::Memory)
    }

    /// The index whose files are these bytes (built into the binary), read where they lie.
    pub fn open_static(files: &'static [(&'static str, &'static [u8])]) -> Result<GuideIndex> {
        let index = Index::open(StaticDir(files)).context("the built-in index does not open")?;
        GuideIndex::from_index(index, Place::Static(files))
    }

    /// A writable copy in memory of the index in these bytes (to add a user's entries to).
    pub fn copy_static(files: &'static [(&'static str, &'static [u8])]) -> Result<GuideIndex> {
        let ram = RamDirectory::create();
        for (name, bytes) in files {
            if *name == META_FILE {
                ram.atomic_write(Path::new(name), &with_default_settings(bytes)?)
                    .context("cannot load the built-in index")?;
            } else if *name != VOCAB_FILE {
                ram.atomic_write(Path::new(name), bytes)
                    .context("cannot load the built-in index")?;
            }
        }
        let index = Index::open(ram).context("the built-in index does not open")?;
        let guide = GuideIndex::from_index(index, Place::Memory)?;
        if let Some((_, bytes)) = files.iter().find(|(n, _)| *n == VOCAB_FILE) {
            let _ = guide.vocab.set(Vocab::parse(text::utf8(bytes)));
        }
        Ok(guide)
    }

    /// The index saved in a folder.
    pub fn open_folder(dir: &Path) -> Result<GuideIndex> {
        Self::open_folder_checked(dir, 0)
    }

    /// The index saved in a folder, its files' bytes first checked against their checksums
    /// when the folder holds at most `limit` bytes (see [`GuideIndex::checksums_match`]).
    /// The check comes before any segment is opened: a damaged doc store footer read as
    /// lengths can ask for hundreds of gigabytes, which aborts the process.
    pub fn open_folder_checked(dir: &Path, limit: u64) -> Result<GuideIndex> {
        // Random access: a search reads a few blocks of each file, so the kernel should not
        // read ahead (and map) the pages around each one.
        let directory = MmapDirectory::open_with_madvice(dir, Advice::Random)
            .with_context(|| format!("cannot open the index in {}", dir.display()))?;
        let index = Index::open(directory)
            .with_context(|| format!("cannot open the index in {}", dir.display()))?;
        if !checksums_ok(&index, dir, limit) {
            anyhow::bail!(
                "the index in {} does not match its checksums",
                dir.display()
            );
        }
        GuideIndex::from_index(index, Place::Folder(dir.to_path_buf()))
    }

    /// Whether the bytes of every file of a saved index match the checksum tantivy wrote in
    /// its footer. Damage that keeps a file's size and time (bit rot, a stray write put back
    /// by a backup tool) is otherwise seen only where a read fails: a damaged term dictionary
    /// can instead quietly miss a word. Reading every byte costs time in proportion to the
    /// index, so a folder larger than `limit` bytes is taken on trust (`true`), as are
    /// indexes that are not in a folder.
    pub fn checksums_match(&self, limit: u64) -> bool {
        let Place::Folder(dir) = &self.place else {
            return true;
        };
        checksums_ok(&self.index, dir, limit)
    }

    /// The string the last commit was made with (the caller's fingerprint and state).
    pub fn payload(&self) -> Option<String> {
        self.index.load_metas().ok()?.payload
    }

    /// Deletes every document of `deletes`, then adds `adds` (deletes apply only to what was
    /// there before), and commits with `payload`, atomically. The vocabulary takes the new
    /// words.
    pub fn apply(&mut self, deletes: &[Origin], adds: &[Entry], payload: &str) -> Result<()> {
        let sink = text::WordSink::default();
        self.index.tokenizers().register(
            STEMMED,
            TextAnalyzer::from(CodeTokenizer::collecting(sink.clone())),
        );
        let written = (|| {
            let mut writer = writer_for(&self.index, adds.len())?;
            let schema = self.index.schema();
            for origin in deletes {
                writer.delete_term(Term::from_field_text(
                    self.fields.key,
                    &Key::Origin(origin.clone()).term(),
                ));
            }
            for entry in adds {
                for doc in documents(&schema, self.fields, entry) {
                    writer
                        .add_document(doc)
                        .context("cannot add to the index")?;
                }
            }
            let mut prepared = writer.prepare_commit().context("cannot write the index")?;
            prepared.set_payload(payload);
            prepared.commit().context("cannot commit the index")?;
            writer
                .wait_merging_threads()
                .context("cannot finish writing the index")
        })();
        // Replacing the registered analyzer drops the last tokenizer that holds the sink.
        register(&self.index);
        written?;
        self.reader.reload().context("cannot reopen the index")?;
        let words = std::mem::take(&mut *sink.lock().unwrap_or_else(|e| e.into_inner()));
        // Words the vocabulary has already keep their counts (the counts only order
        // suggestions, and deleted entries never lowered them either): an edit that brings
        // no new word leaves the vocabulary, 2.6 MB at 100,000 entries, as it is.
        let words = Vocab::from_counts(words);
        if !self.vocab().holds_all(&words) {
            let mut vocab = self.vocab().clone();
            vocab.merge(words);
            self.vocab = OnceLock::from(vocab);
            self.vocab_changed = true;
        }
        Ok(())
    }

    /// Merges the index into one segment: a query then looks each word up and builds each
    /// scorer once, not once per segment. For an index written whole and then read (the
    /// built-in guide, a user's guide rebuilt); the payload is kept.
    pub fn compact(&mut self) -> Result<()> {
        let ids = self
            .index
            .searchable_segment_ids()
            .context("cannot list the index's segments")?;
        if ids.len() > 1 {
            let mut writer = writer_for(&self.index, 0)?;
            writer
                .merge(&ids)
                .wait()
                .context("cannot merge the index")?;
            writer
                .wait_merging_threads()
                .context("cannot finish merging the index")?;
            self.reader.reload().context("cannot reopen the index")?;
        }
        Ok(())
    }

    /// Writes the index files and the vocabulary into `dir` (which exists and is empty).
    pub fn export(&self, dir: &Path) -> Result<()> {
        let directory = self.index.directory();
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

    /// The vocabulary kept with the index (empty if it cannot be read: it only feeds
    /// suggestions).
    pub fn vocab(&self) -> &Vocab {
        self.vocab.get_or_init(|| match &self.place {
            Place::Folder(dir) => Vocab::load(&dir.join(VOCAB_FILE)).unwrap_or_default(),
            Place::Static(files) => files
                .iter()
                .find(|(n, _)| *n == VOCAB_FILE)
                .map(|(_, b)| Vocab::parse(text::utf8(b)))
                .unwrap_or_default(),
            Place::Memory => Vocab::default(),
        })
    }

    /// Saves the vocabulary beside a folder index, if an update added words to it.
    pub fn save_vocab(&self) -> Result<()> {
        match &self.place {
            Place::Folder(dir) if self.vocab_changed => self.vocab().save(&dir.join(VOCAB_FILE)),
            _ => Ok(()),
        }
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// How many entries (not sections) the index holds.
    pub fn entry_count(&self) -> u64 {
        self.count(Kind::Entry)
    }

    /// How many live documents hold a term (deleted ones are not counted, unlike in a
    /// term's document frequency).
    fn live(&self, term: Term) -> u64 {
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        self.searcher().search(&query, &Count).unwrap_or(0) as u64
    }

    /// In how many documents a stemmed word appears in a field (counting documents deleted
    /// since the last merge: a statistic, not an exact count).
    pub fn df(&self, field: Field, word: &str) -> u64 {
        self.searcher()
            .doc_freq(&Term::from_field_text(self.fields.text(field), word))
            .unwrap_or(0)
    }

    /// How many times a stemmed word occurs in a field of one document (0 where it does not).
    pub fn term_freq(&self, field: Field, word: &str, addr: DocRef) -> u32 {
        let searcher = self.searcher();
        let reader = searcher.segment_reader(addr.segment_ord);
        let term = Term::from_field_text(self.fields.text(field), word);
        let Ok(inverted) = reader.inverted_index(self.fields.text(field)) else {
            return 0;
        };
        let Ok(Some(mut postings)) = inverted.read_postings(&term, IndexRecordOption::WithFreqs)
        else {
            return 0;
        };
        // A posting list starts at its first document; `seek` only moves forward.
        let at = if postings.doc() < addr.doc_id {
            postings.seek(addr.doc_id)
        } else {
            postings.doc()
        };
        if at == addr.doc_id {
            postings.term_freq()
        } else {
            0
        }
    }

    /// How many documents of a kind there are.
    pub fn count(&self, kind: Kind) -> u64 {
        self.live(Term::from_field_text(self.fields.kind, kind.code()))
    }

    /// Whether some document has this key.
    pub fn has(&self, key: &Key) -> bool {
        self.holders(key) > 0
    }

    /// How many live documents hold a key.
    pub fn holders(&self, key: &Key) -> u64 {
        self.live(Term::from_field_text(self.fields.key, &key.term()))
    }

    /// Every id in the index's keys, sorted, without reading a stored document. An entry
    /// deleted since the last merge may still be listed. What `ids_near` is checked against.
    #[cfg(test)]
    fn ids(&self) -> Result<Vec<String>> {
        self.ids_matching(tantivy_fst::automaton::AlwaysMatch)
    }

    /// The ids whose loose form (`text::loose_key`) may be within `most` edits of `key`,
    /// sorted, found by walking the keys' dictionary with an automaton that leaves a branch
    /// as soon as every id under it is too far: a few hundred keys are read, not every id of
    /// a large guide. The walk may keep ids that are further (it counts any two characters
    /// outside ASCII as equal), never drops one that is within `most`: check the distance.
    /// An id deleted since the last merge may be listed: check `has` before showing one.
    pub fn ids_near(&self, key: &str, most: usize) -> Result<Vec<String>> {
        self.ids_matching(Near::new(key, most))
    }

    /// The ids in the keys' dictionary that `automaton` accepts (with their `i:`), sorted.
    fn ids_matching<A>(&self, automaton: A) -> Result<Vec<String>>
    where
        A: tantivy_fst::Automaton + Clone,
        A::State: Clone,
    {
        let mut ids = Vec::new();
        for segment in self.searcher().segment_readers() {
            let inverted = segment.inverted_index(self.fields.key)?;
            let mut terms = inverted
                .terms()
                .search(automaton.clone())
                .ge("i:")
                .lt("i;")
                .into_stream()?;
            while terms.advance() {
                if let Some(id) = std::str::from_utf8(terms.key())
                    .ok()
                    .and_then(|k| k.strip_prefix("i:"))
                {
                    ids.push(id.to_string());
                }
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Whether at least `n` ids start with `prefix` (ids deleted since the last merge may be
    /// counted: a statistic), from the keys' dictionary alone.
    pub fn ids_starting(&self, prefix: &str, n: usize) -> bool {
        let from = format!("i:{prefix}");
        let mut to = from.clone().into_bytes();
        to.push(0xff);
        let mut seen: Vec<Vec<u8>> = Vec::new();
        for segment in self.searcher().segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.key) else {
                continue;
            };
            let Ok(mut terms) = inverted.terms().range().ge(&from).lt(&to).into_stream() else {
                continue;
            };
            while terms.advance() {
                if !seen.iter().any(|k| k == terms.key()) {
                    seen.push(terms.key().to_vec());
                    if seen.len() >= n {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// The entry documents with this key, in index order.
    pub fn lookup(&self, key: &Key) -> Result<Vec<Found>> {
        let query = self.compile(&Query::OfKind(
            Box::new(Query::Key(key.clone())),
            Kind::Entry,
        ));
        self.collect(&*query)
    }

    /// Every entry document, by category then id.
    pub fn all(&self) -> Result<Vec<Found>> {
        let query = self.compile(&Query::OfKind(
            Box::new(Query::All(Vec::new())),
            Kind::Entry,
        ));
        let mut out = self.collect(&*query)?;
        out.sort_by(|a, b| {
            let key = |f: &Found| (f.meta.as_ref().map(|m| m.category.clone()), f.id.clone());
            key(a).cmp(&key(b))
        });
        Ok(out)
    }

    fn collect(&self, query: &dyn TantivyQuery) -> Result<Vec<Found>> {
        let searcher = self.searcher();
        let mut addrs: Vec<DocAddress> = searcher
            .search(query, &DocSetCollector)
            .context("cannot search the index")?
            .into_iter()
            .collect();
        addrs.sort();
        addrs.into_iter().map(|a| self.found(a)).collect()
    }

    /// The best documents for a query, best first.
    pub fn top(&self, query: &Query, limit: usize) -> Result<Vec<(f32, DocRef)>> {
        let query = self.compile(query);
        self.searcher()
            .search(&*query, &TopDocs::with_limit(limit.max(1)).order_by_score())
            .context("cannot search the index")
    }

    /// For each document, the query's score there (`None` where it does not match): one
    /// weight, one scorer per segment, seeking forward in document order.
    pub fn scores_at(&self, query: &Query, docs: &[DocRef], scoring: bool) -> Vec<Option<f32>> {
        let mut out = vec![None; docs.len()];
        let searcher = self.searcher();
        let enable = if scoring {
            EnableScoring::enabled_from_searcher(&searcher)
        } else {
            EnableScoring::disabled_from_searcher(&searcher)
        };
        let Ok(weight) = self.compile(query).weight(enable) else {
            return out;
        };
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by_key(|&k| docs[k]);
        let mut current: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
        for k in order {
            let addr = docs[k];
            if current
                .as_ref()
                .is_none_or(|(seg, _)| *seg != addr.segment_ord)
            {
                let reader = searcher.segment_reader(addr.segment_ord);
                current = weight
                    .scorer(reader, 1.0)
                    .ok()
                    .map(|s| (addr.segment_ord, s));
            }
            let Some((_, scorer)) = current.as_mut() else {
                continue;
            };
            let doc: DocId = addr.doc_id;
            // A scorer may only move forward; documents come in order.
            if scorer.doc() < doc && scorer.doc() != TERMINATED {
                scorer.seek(doc);
            }
            if scorer.doc() == doc {
                out[k] = Some(scorer.score());
            }
        }
        out
    }

    /// The entry id of each document, from the `id` column: no stored document is read (for
    /// ranking many candidates, of which only the best are shown).
    pub fn ids_of(&self, docs: &[DocRef]) -> Result<Vec<String>> {
        let mut ids = vec![None; docs.len()];
        self.column("id", docs, |k, id| ids[k] = Some(id.to_string()))?;
        ids.into_iter()
            .map(|id| id.context("the index holds a document without an id"))
            .collect()
    }

    /// Each entry document's questions, title and summary, a line each, each line its analyzed
    /// words joined by spaces (computed when the index is written, so that a query is
    /// compared with them without analyzing them again), from the `asked` column; empty for a
    /// section document.
    pub fn asked_of(&self, docs: &[DocRef]) -> Result<Vec<String>> {
        let mut asked = vec![String::new(); docs.len()];
        self.column("asked", docs, |k, a| asked[k] = a.to_string())?;
        Ok(asked)
    }

    /// Hands each value of a text column in each document to `each` (with the document's
    /// place in `docs`).
    fn column(&self, name: &str, docs: &[DocRef], mut each: impl FnMut(usize, &str)) -> Result<()> {
        let searcher = self.searcher();
        for (seg, reader) in searcher.segment_readers().iter().enumerate() {
            let mut mine = docs
                .iter()
                .enumerate()
                .filter(|(_, addr)| addr.segment_ord as usize == seg)
                .peekable();
            if mine.peek().is_none() {
                continue;
            }
            // A segment none of whose documents has the field has no column.
            let Some(column) = reader
                .fast_fields()
                .str(name)
                .context("cannot read the index")?
            else {
                continue;
            };
            // The values' numbers in the column's dictionary, in order, so that each block of
            // the dictionary is read once: looked up one at a time, every value costs a block
            // copied and half of it decoded, more than the stored document it replaces.
            let mut wanted: Vec<(u64, usize)> = mine
                .flat_map(|(k, addr)| column.term_ords(addr.doc_id).map(move |ord| (ord, k)))
                .collect();
            wanted.sort_unstable();
            let ords: Vec<u64> = wanted.iter().map(|&(ord, _)| ord).collect();
            let mut to = wanted.iter().map(|&(_, k)| k);
            let complete = column
                .dictionary()
                .sorted_ords_to_term_cb(&ords, |bytes| {
                    if let Some(k) = to.next() {
                        each(k, &text::utf8(bytes));
                    }
                })
                .context("cannot read the index")?;
            if !complete {
                anyhow::bail!("the index holds a column without its dictionary");
            }
        }
        Ok(())
    }

    /// A document's stored fields.
    pub fn found(&self, addr: DocRef) -> Result<Found> {
        let doc: TantivyDocument = self.searcher().doc(addr).context("cannot read the index")?;
        let f = self.fields;
        // Files on disk can rot; the built-in index is part of the binary, and one in memory
        // was just built.
        let on_disk = matches!(self.place, Place::Folder(_));
        let sum = doc.get_first(f.sum).and_then(|v| v.as_str());
        if on_disk && sum != Some(stored_sum(&self.index.schema(), f.sum, &doc).as_str()) {
            anyhow::bail!(
                "the index holds a document whose stored text does not match its checksum"
            );
        }
        let get = |field: TField| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let origin = Origin::from_key(&get(f.origin))
            .context("the index holds a document without an origin")?;
        let kind = if get(f.kind) == Kind::Section.code() {
            Kind::Section
        } else {
            Kind::Entry
        };
        let meta = match kind {
            Kind::Entry => Some(
                serde_json::from_str(&get(f.meta))
                    .context("the index holds unreadable metadata")?,
            ),
            Kind::Section => None,
        };
        let section = match kind {
            Kind::Section => {
                let span = get(f.span);
                let range = span
                    .split_once(' ')
                    .and_then(|(from, to)| Some(from.parse().ok()?..to.parse().ok()?))
                    .filter(|r: &Range<usize>| r.start <= r.end)
                    .context("the index holds a section without its place")?;
                Some(SectionAt {
                    title: get(f.heading),
                    anchor: get(f.anchor),
                    range,
                })
            }
            Kind::Entry => None,
        };
        Ok(Found {
            id: get(f.id),
            kind,
            origin,
            meta,
            section,
        })
    }

    fn compile(&self, query: &Query) -> Box<dyn TantivyQuery> {
        let f = self.fields;
        let term = |field: TField, word: &str| Term::from_field_text(field, word);
        match query {
            Query::Term(field, word) => Box::new(TermQuery::new(
                term(f.text(*field), word),
                IndexRecordOption::WithFreqs,
            )),
            Query::Phrase(field, words, slop) => {
                if words.len() == 1 {
                    return self.compile(&Query::Term(*field, words[0].clone()));
                }
                let terms = words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (i, term(f.text(*field), w)))
                    .collect();
                Box::new(PhraseQuery::new_with_offset_and_slop(terms, *slop))
            }
            Query::Any(qs) => {
                // One union of every leaf: a union scorer buffers thousands of documents, so a
                // tree of nested ones costs far more to build than it saves. Scores add up and
                // boosts multiply, so the flat union scores the same.
                let mut leaves = Vec::new();
                flatten(qs, 1.0, &mut leaves);
                Box::new(BooleanQuery::new(
                    leaves
                        .into_iter()
                        .map(|(q, by)| {
                            let q = self.compile(q);
                            let q: Box<dyn TantivyQuery> = if by == 1.0 {
                                q
                            } else {
                                Box::new(BoostQuery::new(q, by))
                            };
                            (Occur::Should, q)
                        })
                        .collect(),
                ))
            }
            Query::All(qs) if qs.is_empty() => Box::new(AllQuery),
            Query::All(qs) => Box::new(BooleanQuery::new(
                qs.iter().map(|q| (Occur::Must, self.compile(q))).collect(),
            )),
            Query::With(first, extra) => {
                let mut clauses = vec![(Occur::Must, self.compile(first))];
                clauses.extend(extra.iter().map(|q| (Occur::Should, self.compile(q))));
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Boost(q, by) => Box::new(BoostQuery::new(self.compile(q), *by)),
            Query::Key(key) => Box::new(TermQuery::new(
                term(f.key, &key.term()),
                IndexRecordOption::Basic,
            )),
            Query::InCategory(q, category) => filtered(self.compile(q), term(f.category, category)),
            // A query that only documents of that kind can match needs no filter, which
            // would seek the query's union to every document of the kind: at 100,000 entries
            // that was most of a search.
            Query::OfKind(q, kind) if only_of(q, *kind) => self.compile(q),
            Query::OfKind(q, kind) => filtered(self.compile(q), term(f.kind, kind.code())),
            Query::Shared(q) => self.compile(q),
        }
    }
}

/// The leaves of a union of unions, each with the product of the boosts above it.
fn flatten<'q>(qs: &'q [Query], by: f32, out: &mut Vec<(&'q Query, f32)>) {
    for q in qs {
        let mut q = q;
        let mut by = by;
        loop {
            match q {
                Query::Boost(inner, b) => {
                    q = inner;
                    by *= b;
                }
                Query::Shared(inner) => q = inner,
                _ => break,
            }
        }
        match q {
            Query::Any(inner) => flatten(inner, by, out),
            _ => out.push((q, by)),
        }
    }
}

/// Whether every document `query` matches is of `kind`, by the fields and keys it reads.
fn only_of(query: &Query, kind: Kind) -> bool {
    match query {
        Query::Term(field, _) | Query::Phrase(field, _, _) => field.kind() == kind,
        Query::Any(qs) => qs.iter().all(|q| only_of(q, kind)),
        Query::All(qs) => qs.iter().any(|q| only_of(q, kind)),
        Query::With(first, _) => only_of(first, kind),
        Query::Boost(q, _) | Query::InCategory(q, _) => only_of(q, kind),
        Query::Shared(q) => only_of(q, kind),
        Query::OfKind(_, of) => *of == kind,
        Query::Key(Key::Origin(_)) => false,
        Query::Key(_) => kind == Kind::Entry,
    }
}

/// `query`, restricted to documents holding `term` (which adds nothing to the score).
fn filtered(query: Box<dyn TantivyQuery>, term: Term) -> Box<dyn TantivyQuery> {
    let filter = TermQuery::new(term, IndexRecordOption::Basic);
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, query),
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(filter), 0.0)),
        ),
    ]))
}

/// An automaton over the keys' dictionary that accepts `i:` and an id whose loose form is
/// within `most` edits of a key, an edit being an insertion, a deletion, a substitution or two
/// neighbours swapped (as `vocab::edit_distance` counts them). It reads an id byte by byte:
/// the hyphens, underscores and spaces `loose_key` drops are skipped, ASCII is lowercased, and
/// a character outside ASCII is read as one symbol equal to any other (its continuation bytes
/// are skipped). Equal more often than in truth, the distance it counts is never more than
/// the true one, so it keeps every id within `most`.
#[derive(Clone)]
struct Near {
    /// The key's characters; `None` outside ASCII.
    key: Vec<Option<u8>>,
    most: u32,
}

#[derive(Clone)]
enum NearState {
    /// This many bytes of `i:` read.
    Prefix(u8),
    /// The rows of the distance table for the id read so far and for the id without its
    /// last symbol (for swaps), and that last symbol.
    Rows {
        row: Vec<u32>,
        before: Option<(Vec<u32>, Option<u8>)>,
    },
    Dead,
}

impl Near {
    fn new(key: &str, most: usize) -> Near {
        Near {
            key: key
                .chars()
                .map(|c| c.is_ascii().then(|| c.to_ascii_lowercase() as u8))
                .collect(),
            most: u32::try_from(most).unwrap_or(u32::MAX),
        }
    }
}

/// Two symbols of `Near`: a character outside ASCII matches any.
fn same(a: Option<u8>, b: Option<u8>) -> bool {
    a.is_none() || b.is_none() || a == b
}

impl tantivy_fst::Automaton for Near {
    type State = NearState;

    fn start(&self) -> NearState {
        NearState::Prefix(0)
    }

    fn is_match(&self, state: &NearState) -> bool {
        matches!(state, NearState::Rows { row, .. } if row.last().is_some_and(|&d| d <= self.most))
    }

    fn can_match(&self, state: &NearState) -> bool {
        match state {
            NearState::Prefix(_) => true,
            NearState::Dead => false,
            // A later row's cells come from this row's, or from the row before by a swap
            // (one more edit).
            NearState::Rows { row, before } => {
                row.iter().min().is_some_and(|&d| d <= self.most)
                    || before.as_ref().is_some_and(|(b, _)| {
                        b.iter()
                            .min()
                            .is_some_and(|&d| d.saturating_add(1) <= self.most)
                    })
            }
        }
    }

    fn accept(&self, state: &NearState, byte: u8) -> NearState {
        match state {
            NearState::Dead => NearState::Dead,
            NearState::Prefix(n) => match (n, byte) {
                (0, b'i') => NearState::Prefix(1),
                (1, b':') => NearState::Rows {
                    row: (0..=u32::try_from(self.key.len()).unwrap_or(u32::MAX)).collect(),
                    before: None,
                },
                _ => NearState::Dead,
            },
            NearState::Rows { row, before } => {
                // What `loose_key` drops, and the continuation bytes of a character.
                if matches!(byte, b'-' | b'_')
                    || byte.is_ascii_whitespace()
                    || (0x80..0xc0).contains(&byte)
                {
                    return state.clone();
                }
                let symbol = byte.is_ascii().then(|| byte.to_ascii_lowercase());
                let mut next = Vec::with_capacity(row.len());
                next.push(row[0] + 1);
                for (j, &k) in self.key.iter().enumerate() {
                    let mut d = (row[j + 1] + 1)
                        .min(next[j] + 1)
                        .min(row[j] + u32::from(!same(symbol, k)));
                    if let Some((two_back, last)) = before
                        && j >= 1
                        && same(symbol, self.key[j - 1])
                        && same(*last, k)
                    {
                        d = d.min(two_back[j - 1] + 1);
                    }
                    next.push(d);
                }
                NearState::Rows {
                    row: next,
                    before: Some((row.clone(), symbol)),
                }
            }
        }
    }
}

/// From this many entries a batch is indexed by several threads, into several segments.
pub const MANY_DOCS: usize = 1_000;

/// A writer sized for the job: small batches index faster on one thread than starting more
/// would save.
fn writer_for(index: &Index, docs: usize) -> Result<IndexWriter> {
    let threads = if docs >= MANY_DOCS {
        thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    // An update of a few files needs little memory, and every byte of the arena is paged in.
    let budget = if docs >= MANY_DOCS {
        threads * 40_000_000
    } else {
        15_000_000 // tantivy's minimum
    };
    index
        .writer_with_num_threads::<TantivyDocument>(threads, budget)
        .context("cannot start writing the index")
}

/// An index's `meta.json` with tantivy's default settings. The built-in index keeps its doc
/// store uncompressed (see [`GuideIndex::in_memory_for_binary`]); a copy that a user's entries
/// are added to, and that is saved to disk, stores them compressed like any other index.
fn with_default_settings(meta: &[u8]) -> Result<Vec<u8>> {
    let mut value: serde_json::Value =
        serde_json::from_slice(meta).context("the built-in index's metadata does not read")?;
    value["index_settings"] = serde_json::to_value(IndexSettings::default())?;
    Ok(serde_json::to_vec(&value)?)
}

/// A checksum of what a document stores: every stored field but the sum itself, in the order
/// the doc store keeps them. The doc store's compression has no checksum of its own: a flipped
/// bit there can decode into other, valid-looking text, which this catches.
fn stored_sum(schema: &Schema, sum: TField, doc: &TantivyDocument) -> String {
    // FNV-1a, 64 bits: stable across builds and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (field, value) in doc.field_values() {
        if field == sum || !schema.get_field_entry(field).is_stored() {
            continue;
        }
        let text = value.as_str().unwrap_or_default();
        eat(&field.field_id().to_le_bytes());
        eat(&(text.len() as u64).to_le_bytes());
        eat(text.as_bytes());
    }
    format!("{h:016x}")
}

/// An entry's documents: the entry document, then one per `##` section.
fn documents(schema: &Schema, f: Fields, e: &Entry) -> Vec<TantivyDocument> {
    let m = &e.meta;
    let origin_key = Key::Origin(e.origin.clone()).term();
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &m.id);
    doc.add_text(f.kind, Kind::Entry.code());
    doc.add_text(f.key, Key::Id(m.id.clone()).term());
    doc.add_text(f.key, Key::Loose(text::loose_key(&m.id)).term());
    for alias in &m.aliases {
        doc.add_text(f.key, Key::Alias(alias.clone()).term());
        doc.add_text(f.key, Key::Loose(text::loose_key(alias)).term());
        doc.add_text(f.aliases, alias);
    }
    doc.add_text(f.key, &origin_key);
    doc.add_text(f.category, &m.category);
    doc.add_text(f.title, &m.title);
    doc.add_text(f.summary, &m.summary);
    for q in &e.questions {
        doc.add_text(f.questions, q);
    }
    // One value, not one per question: ranking reads this for a hundred candidates, and
    // each value costs a lookup in the column's dictionary.
    let mut stems = text::Stems::default();
    let asked: Vec<String> = e
        .questions
        .iter()
        .chain([&m.title, &m.summary])
        .map(|asked| {
            let words: Vec<String> = analyze(asked, &mut stems)
                .into_iter()
                .map(|(w, _)| w)
                .collect();
            words.join(" ")
        })
        .collect();
    doc.add_text(f.asked, asked.join("\n"));
    for tag in &m.tags {
        doc.add_text(f.tags, tag);
    }
    doc.add_text(f.names, format!("{} {}", m.id, m.category));
    let plain = markdown::plain(&e.body);
    doc.add_text(f.body, &plain.text);
    doc.add_text(
        f.meta,
        serde_json::to_string(m).expect("metadata serializes"),
    );
    doc.add_text(f.origin, e.origin.to_key());
    doc.add_text(f.sum, stored_sum(schema, f.sum, &doc));
    let mut docs = vec![doc];
    for section in markdown::sections(&e.body)
        .into_iter()
        .filter(|s| s.level == 2)
    {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &m.id);
        doc.add_text(f.kind, Kind::Section.code());
        doc.add_text(f.key, &origin_key);
        doc.add_text(f.category, &m.category);
        doc.add_text(f.heading, &section.title);
        doc.add_text(f.anchor, &section.anchor);
        doc.add_text(
            f.span,
            format!("{} {}", section.range.start, section.range.end),
        );
        doc.add_text(f.section_text, plain.within(section.range));
        doc.add_text(f.origin, e.origin.to_key());
        doc.add_text(f.sum, stored_sum(schema, f.sum, &doc));
        docs.push(doc);
    }
    docs
}

/// Index files built into the binary, as a read-only tantivy directory over its bytes.
#[derive(Debug, Clone)]
struct StaticDir(&'static [(&'static str, &'static [u8])]);

impl StaticDir {
    fn file(&self, path: &Path) -> Option<&'static [u8]> {
        self.0
            .iter()
            .find(|(name, _)| Path::new(name) == path)
            .map(|(_, bytes)| *bytes)
    }
}

fn read_only() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "the built-in index is read-only",
    )
}

impl Directory for StaticDir {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.file(path)
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
        Ok(self.file(path).is_some())
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(
            read_only(),
            path.to_path_buf(),
        ))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.file(path)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind filter is left out only where the fields and keys a query reads exist on
    /// that kind of document alone; a query that reads both kinds keeps it.
    #[test]
    fn a_kind_filter_is_left_out_only_where_it_changes_nothing() {
        let w = || "lazi".to_string();
        assert!(only_of(&Query::Term(Field::Body, w()), Kind::Entry));
        assert!(!only_of(&Query::Term(Field::Body, w()), Kind::Section));
        assert!(only_of(&Query::Term(Field::Heading, w()), Kind::Section));
        assert!(only_of(&Query::Key(Key::Id("a".into())), Kind::Entry));
        assert!(!only_of(
            &Query::Key(Key::Origin(Origin::Builtin("a.md".into()))),
            Kind::Entry
        ));
        let mixed = Query::Any(vec![
            Query::Term(Field::Body, w()),
            Query::Term(Field::SectionText, w()),
        ]);
        assert!(!only_of(&mixed, Kind::Entry) && !only_of(&mixed, Kind::Section));
        let both = Query::All(vec![mixed.clone(), Query::Term(Field::Title, w())]);
        assert!(only_of(&both, Kind::Entry));

        let mut idx = GuideIndex::in_memory().unwrap();
        idx.apply(&[], &[entry("alpha", "## Lazy\nLazy words.\n")], "p")
            .unwrap();
        let mut stems = text::Stems::default();
        let lazy = analyze("lazy", &mut stems)[0].0.clone();
        let mixed = Query::Any(vec![
            Query::Term(Field::Body, lazy.clone()),
            Query::Term(Field::SectionText, lazy.clone()),
        ]);
        // Unfiltered, the word is in the entry and in its section; filtered, in each kind once.
        assert_eq!(idx.top(&mixed, 10).unwrap().len(), 2);
        for kind in [Kind::Entry, Kind::Section] {
            let hits = idx.top(&Query::OfKind(Box::new(mixed.clone()), kind), 10);
            assert_eq!(hits.unwrap().len(), 1, "{kind:?}");
        }
        let body = Query::Term(Field::Body, lazy);
        let filtered = Query::OfKind(Box::new(body.clone()), Kind::Entry);
        assert_eq!(idx.top(&filtered, 10).unwrap(), idx.top(&body, 10).unwrap());
    }

    fn entry(id: &str, body: &str) -> Entry {
        let text = format!(
            "---\nid: {id}\ntitle: \"{id} title\"\nsummary: s\ncategory: syntax\naliases: [\"{id}-alias\"]\nquestions: [\"why does {id} happen\"]\n---\n{body}"
        );
        Entry::parse(Origin::User(format!("/kb/{id}.md").into()), &text).unwrap()
    }

    /// The walk of the ids with an automaton keeps every id within the distance that the
    /// full scan of `ids` with `vocab::edit_distance` finds, and leaves most others unread.
    #[test]
    fn ids_near_finds_every_id_the_full_scan_finds() {
        let parts = [
            "django", "query", "sets", "hold", "thread", "a", "async", "io", "re", "x1", "ab",
        ];
        let mut seed: u64 = 7;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            usize::try_from(seed >> 33).unwrap() % n
        };
        let mut ids: Vec<String> = (0..300)
            .map(|i| {
                let words: Vec<&str> = (0..1 + next(3)).map(|_| parts[next(parts.len())]).collect();
                format!("{}-{i}", words.join("-"))
            })
            .collect();
        ids.extend(["decorators", "context-managers", "ab", "ba"].map(String::from));
        let entries: Vec<Entry> = ids.iter().map(|id| entry(id, "## A\nText.\n")).collect();
        let mut idx = GuideIndex::in_memory().unwrap();
        idx.apply(&[], &entries, "p").unwrap();
        let all = idx.ids().unwrap();
        let mut keys: Vec<String> = [
            "decoratr",
            "ocntextmanagers",
            "ab",
            "b",
            "",
            "zzzz",
            "djangoquery12",
            "héld",
            "Async IO-3",
            "thraedhold",
        ]
        .map(String::from)
        .to_vec();
        // Typed slips of real ids: a letter dropped, doubled, changed, two swapped.
        for _ in 0..200 {
            let id = text::loose_key(&ids[next(ids.len())]);
            let mut chars: Vec<char> = id.chars().collect();
            let at = next(chars.len());
            match next(4) {
                0 => drop(chars.remove(at)),
                1 => chars.insert(at, chars[at]),
                2 => chars[at] = 'é',
                _ if at + 1 < chars.len() => chars.swap(at, at + 1),
                _ => {}
            }
            keys.push(chars.into_iter().collect());
        }
        let mut pruned = 0;
        for key in &keys {
            let loose = text::loose_key(key);
            for most in 0..=4 {
                let near = idx.ids_near(&loose, most).unwrap();
                let want: Vec<&String> = all
                    .iter()
                    .filter(|id| crate::vocab::edit_distance(&loose, &text::loose_key(id)) <= most)
                    .collect();
                for id in &want {
                    assert!(near.contains(id), "{key:?} within {most}: {id} missed");
                }
                if most == 2 && near.len() < all.len() / 4 {
                    pruned += 1;
                }
            }
        }
        assert!(
            pruned > keys.len() * 3 / 4,
            "the walk left few ids unread: {pruned}"
        );
    }

    /// The built-in index's doc store is uncompressed; a copy that takes a user's entries
    /// goes back to tantivy's defaults, so the guides saved to disk stay compressed.
    #[test]
    fn a_copy_of_the_built_in_index_stores_new_entries_compressed() {
        let mut built = GuideIndex::in_memory_for_binary().unwrap();
        built
            .apply(&[], &[entry("alpha", "## A\nText.\n")], "p1")
            .unwrap();
        assert_eq!(
            built.index.settings().docstore_compression,
            Compressor::None
        );
        let dir = tempfile::tempdir().unwrap();
        built.export(dir.path()).unwrap();
        let files: Vec<(&'static str, &'static [u8])> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name: &'static str = e.file_name().to_string_lossy().into_owned().leak();
                let bytes: &'static [u8] = fs::read(e.path()).unwrap().leak();
                (name, bytes)
            })
            .collect();
        let copy = GuideIndex::copy_static(files.leak()).unwrap();
        assert_eq!(copy.index.settings(), &IndexSettings::default());
        assert!(copy.has(&Key::Id("alpha".into())));
    }

    #[test]
    fn entries_and_sections_are_documents_found_by_key() {
        let mut idx = GuideIndex::in_memory().unwrap();
        let a = entry(
            "alpha",
            "## In short\nLazy words.\n## The staticmethod part\nStatic text.\n",
        );
        idx.apply(&[], &[a.clone(), entry("beta", "## B\nOther.\n")], "p1")
            .unwrap();
        assert_eq!(idx.payload().as_deref(), Some("p1"));
        assert_eq!(idx.entry_count(), 2);
        assert_eq!(idx.count(Kind::Section), 3);
        let found = idx.lookup(&Key::Loose("alphaalias".into())).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].meta.as_ref().unwrap().title, "alpha title");
        assert!(idx.has(&Key::Id("beta".into())));
        // A section answers a query on its own words.
        let mut stems = text::Stems::default();
        let word = analyze("staticmethod", &mut stems)[0].0.clone();
        let hits = idx
            .top(
                &Query::OfKind(
                    Box::new(Query::Term(Field::SectionText, word)),
                    Kind::Section,
                ),
                5,
            )
            .unwrap();
        let f = idx.found(hits[0].1).unwrap();
        let section = f.section.unwrap();
        assert_eq!(
            (section.title.as_str(), section.anchor.as_str()),
            ("The staticmethod part", "the-staticmethod-part")
        );
        assert!(a.body[section.range].starts_with("## The staticmethod part"));
        // Ranking reads ids and questions from columns, document by document as asked.
        let beta = idx.top(&Query::Key(Key::Id("beta".into())), 1).unwrap()[0].1;
        let docs = [beta, hits[0].1, beta];
        assert_eq!(idx.ids_of(&docs).unwrap(), ["beta", "alpha", "beta"]);
        let asked = idx.asked_of(&docs).unwrap();
        let expect: Vec<String> = ["why does beta happen", "beta title", "s"]
            .iter()
            .map(|q| {
                let words: Vec<String> =
                    analyze(q, &mut stems).into_iter().map(|(w, _)| w).collect();
                words.join(" ")
            })
            .collect();
        assert_eq!(asked, [expect.join("\n"), String::new(), expect.join("\n")]);
        assert!(
            idx.vocab()
                .closest("staticmetod", 1, true)
                .iter()
                .any(|(w, _)| w == "staticmethod")
        );
        // Replacing a file's documents by origin, twice (a replay), leaves one copy.
        for _ in 0..2 {
            idx.apply(
                std::slice::from_ref(&a.origin),
                std::slice::from_ref(&a),
                "p2",
            )
            .unwrap();
        }
        assert_eq!(idx.entry_count(), 2);
        assert_eq!(idx.count(Kind::Section), 3);
        let all: Vec<String> = idx.all().unwrap().into_iter().map(|f| f.id).collect();
        assert_eq!(all, ["alpha", "beta"]);
    }

    #[test]
    fn an_index_saved_before_the_columns_existed_does_not_open() {
        // The same fields, none of them a column, as before `id` and `asked` were: a cache an
        // older pyguide wrote is refused, and so rebuilt, rather than read without columns.
        let mut fields = serde_json::to_value(schema().0).unwrap();
        for field in fields.as_array_mut().unwrap() {
            field["options"].as_object_mut().unwrap().remove("fast");
        }
        let old: Schema = serde_json::from_value(fields).unwrap();
        assert_ne!(old, schema().0);
        let dir = tempfile::tempdir().unwrap();
        Index::create_in_dir(dir.path(), old).unwrap();
        let err = GuideIndex::open_folder(dir.path()).err().unwrap();
        assert!(format!("{err:#}").contains("another schema"), "{err:#}");
    }

    #[test]
    fn a_saved_index_whose_bytes_changed_in_place_fails_its_checksums() {
        let mut idx = GuideIndex::in_memory().unwrap();
        idx.apply(&[], &[entry("alpha", "## A\nQuixotic words.\n")], "p")
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        idx.export(dir.path()).unwrap();
        assert!(
            GuideIndex::open_folder(dir.path())
                .unwrap()
                .checksums_match(u64::MAX)
        );
        let term = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "term"))
            .unwrap();
        let mut bytes = fs::read(&term).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        fs::write(&term, &bytes).unwrap();
        let saved = GuideIndex::open_folder(dir.path()).unwrap();
        assert!(!saved.checksums_match(u64::MAX));
        // Past the size limit the files are taken on trust.
        assert!(saved.checksums_match(0));
        // Checked on opening, the damage is refused before any segment is read.
        assert!(GuideIndex::open_folder_checked(dir.path(), u64::MAX).is_err());
        assert!(GuideIndex::open_folder_checked(dir.path(), 0).is_ok());
    }

    #[test]
    fn the_tokenizer_stems_parts_and_keeps_identifier_forms() {
        let mut stems = text::Stems::default();
        let words = analyze("Lazy QuerySets post_save", &mut stems);
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

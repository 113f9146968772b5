//! Builds the built-in guide into the binary: reads `kb/` with the guide library (the same
//! walker, parser and validation as a user's entries), indexes it now rather than on the
//! user's machine, colours every code block for both themes and reads each body as plain text
//! for snippets. Generates `builtin.rs` with the entry files, the index files, the colour
//! tables, the plain texts and a fingerprint of it all. A broken built-in entry fails the build
//! with its path and line.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::{env, fs};

use guide::entry::{Entry, Origin};
use guide::index::{self, GuideIndex};
use guide::markdown::{self, Block};
use guide::runs::{self, Highlighter, Theme};
use guide::walk;

fn main() {
    // A position-dependent executable: the loader has no relocations to apply at start-up
    // (14,000 of them, a third of a `show`'s instructions, and the pages they dirty).
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    // The manifest folder of this build, read when the script runs: `env!` would keep the
    // folder the script was compiled in, and a target folder shared with another checkout
    // then builds that checkout's guide (or, once it is gone, an empty one).
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("kb");
    let (files, problems) = walk::entry_files(&root);
    if let Some(problem) = problems.first() {
        panic!("reading the built-in guide: {problem}");
    }
    if files.is_empty() {
        panic!("the built-in guide has no entries in {}", root.display());
    }
    watch(&root);

    let mut hasher = DefaultHasher::new();
    index::SCHEMA_VERSION.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    // Each file's path, its text and its front matter as parsed (see `Entry::with_front`).
    let mut table = String::from("pub static FILES: &[(&str, &str, &str)] = &[\n");
    let mut entries = Vec::new();
    let mut texts = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = walk::read_text(path).unwrap_or_else(|p| panic!("{p}"));
        rel.hash(&mut hasher);
        text.hash(&mut hasher);
        let entry = match Entry::parse(Origin::Builtin(rel.clone()), &text) {
            Ok(entry) => entry,
            Err(problem) => panic!("the built-in guide has a broken entry: {problem}"),
        };
        let _ = writeln!(
            table,
            "    ({rel:?}, include_str!({:?}), {:?}),",
            path.display().to_string(),
            entry.front_json()
        );
        entries.push(entry);
        texts.push(text);
    }
    table.push_str("];\n");
    let fingerprint = format!("{:016x}", hasher.finish());
    let _ = writeln!(table, "pub const FINGERPRINT: &str = {fingerprint:?};");

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let index_dir = out.join("index");
    let _ = fs::remove_dir_all(&index_dir);
    fs::create_dir_all(&index_dir).unwrap();
    let mut guide = GuideIndex::in_memory_for_binary().unwrap();
    guide
        .apply(&[], &entries, &fingerprint)
        .unwrap_or_else(|e| panic!("indexing the built-in guide: {e:#}"));
    guide
        .compact()
        .unwrap_or_else(|e| panic!("merging the built-in index: {e:#}"));
    guide
        .export(&index_dir)
        .unwrap_or_else(|e| panic!("writing the built-in index: {e:#}"));
    let mut index_files: Vec<PathBuf> = fs::read_dir(&index_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    index_files.sort();
    table.push_str("pub static INDEX_FILES: &[(&str, &[u8])] = &[\n");
    for path in index_files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let _ = writeln!(
            table,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        );
    }
    table.push_str("];\n");
    let plain_dir = out.join("plain");
    let _ = fs::remove_dir_all(&plain_dir);
    fs::create_dir_all(&plain_dir).unwrap();
    table.push_str("pub static PLAINS: &[(&str, &[u8])] = &[\n");
    for (n, text) in texts.iter().enumerate() {
        let (text_file, spans_file) = plain_text(&plain_dir, n, text);
        let _ = writeln!(
            table,
            "    (include_str!({:?}), include_bytes!({:?})),",
            text_file.display().to_string(),
            spans_file.display().to_string()
        );
    }
    table.push_str("];\n");
    for theme in Theme::ALL {
        let name = theme.name().to_uppercase();
        let file = out.join(format!("runs-{name}.bin"));
        fs::write(&file, code_colors(&entries, theme)).unwrap();
        let _ = writeln!(
            table,
            "pub static RUNS_{name}: &[u8] = include_bytes!({:?});",
            file.display().to_string()
        );
    }
    fs::write(out.join("builtin.rs"), table).unwrap();
}

/// The plain text of an entry's body, which a search cuts snippets from, written to two files
/// of `dir`: the text, and its spans as little-endian u32s (plain start, plain end, source
/// start, source end, 1 for code), which `builtin::plain` reads back. Parsing the Markdown of
/// every hit was an eighth of a search's instructions.
fn plain_text(dir: &Path, n: usize, text: &str) -> (PathBuf, PathBuf) {
    let plain = markdown::plain(markdown::body_of(text));
    let mut spans = Vec::with_capacity(plain.spans.len() * 20);
    for s in &plain.spans {
        let fields = [
            s.plain.start,
            s.plain.end,
            s.source.start,
            s.source.end,
            usize::from(s.code),
        ];
        for f in fields {
            let f = u32::try_from(f).expect("a built-in entry is under 4 GB");
            spans.extend_from_slice(&f.to_le_bytes());
        }
    }
    let text_file = dir.join(format!("{n}.txt"));
    let spans_file = dir.join(format!("{n}.spans"));
    fs::write(&text_file, &plain.text).unwrap();
    fs::write(&spans_file, spans).unwrap();
    (text_file, spans_file)
}

/// Asks cargo to run this again when anything under `kb/` changes: each folder (for files
/// added or removed) and each file.
fn watch(dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(read) = fs::read_dir(dir) else { return };
    for item in read.flatten() {
        let path = item.path();
        if path.is_dir() {
            watch(&path);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// The colour runs of every code block of the guide, in one theme: highlighting them here
/// takes 10-30 ms an entry that `pyguide show` would otherwise spend on every run.
fn code_colors(entries: &[Entry], theme: Theme) -> Vec<u8> {
    let highlighter = Highlighter::new(theme);
    let mut blocks = Vec::new();
    for entry in entries {
        for block in markdown::blocks(&entry.body) {
            if let Block::Code(code) = block
                && let Some(runs) = highlighter.runs(code.lang, &code.text)
            {
                blocks.push((runs::key(code.lang, &code.text), runs));
            }
        }
    }
    blocks.sort_by_key(|(k, _)| *k);
    blocks.dedup_by_key(|(k, _)| *k);
    runs::table(&mut blocks)
}

//! Embeds the built-in guide (`kb/**/*.md`) in the binary, and indexes it now rather than on
//! the user's machine: generates `builtin.rs` with the entry files, their fingerprint, and the
//! files of a tantivy index built from them with pyguide's own schema and analyzer (the
//! modules below are the crate's own sources). A broken built-in entry fails the build with
//! its path and line.

#[allow(dead_code)]
#[path = "src/text.rs"]
mod text;

#[allow(dead_code)]
#[path = "src/kb.rs"]
mod kb;

#[allow(dead_code)]
#[path = "src/vocab.rs"]
mod vocab;

#[allow(dead_code)]
#[path = "src/fresh.rs"]
mod fresh;

#[allow(dead_code)]
#[path = "src/index.rs"]
mod index;

#[allow(dead_code)]
#[path = "src/highlight.rs"]
mod highlight;

/// The one type `highlight.rs` takes from the command line.
#[allow(dead_code)]
mod cli {
    #[derive(Clone, Copy)]
    pub enum Theme {
        Dark,
        Light,
    }
}

/// What `kb.rs`, `index.rs` and `highlight.rs` read from the generated module; empty while
/// building it.
#[allow(dead_code)]
mod builtin {
    pub struct Meta {
        pub id: &'static str,
        pub title: &'static str,
        pub summary: &'static str,
        pub category: &'static str,
        pub aliases: &'static [&'static str],
        pub related: &'static [&'static str],
        pub file: usize,
    }
    pub static FILES: &[(&str, &str)] = &[];
    pub static INDEX_FILES: &[(&str, &[u8])] = &[];
    pub static META: &[Meta] = &[];
    pub const FINGERPRINT: u64 = 0;
    pub static RUNS_DARK: &[u8] = &[];
    pub static RUNS_LIGHT: &[u8] = &[];
}

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    // A position-dependent executable: the loader has no relocations to apply at start-up
    // (14,000 of them, a third of a `show`'s instructions, and the pages they dirty).
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    println!("cargo:rerun-if-changed={}", root.display());
    for source in [
        "text.rs",
        "kb.rs",
        "vocab.rs",
        "fresh.rs",
        "index.rs",
        "highlight.rs",
    ] {
        println!("cargo:rerun-if-changed=src/{source}");
    }
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();

    let mut hasher = DefaultHasher::new();
    let mut table = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    let mut entries = Vec::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text =
            fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        rel.hash(&mut hasher);
        text.as_bytes().hash(&mut hasher);
        let _ = writeln!(
            table,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        );
        let rel: &'static str = Box::leak(rel.into_boxed_str());
        match kb::Entry::parse(kb::Origin::Builtin(rel), &text) {
            Ok(entry) => entries.push(entry),
            Err(problem) => panic!("the built-in guide has a broken entry: {problem}"),
        }
    }
    table.push_str("];\n");
    let builtin_fingerprint = hasher.finish();
    let _ = writeln!(
        table,
        "pub const FINGERPRINT: u64 = {builtin_fingerprint:#x};"
    );

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let index_dir = out.join("index");
    let _ = fs::remove_dir_all(&index_dir);
    fs::create_dir_all(&index_dir).unwrap();
    let fingerprint = index::fingerprint(builtin_fingerprint);
    let guide = index::Guide::from_entries(&entries, &fingerprint)
        .unwrap_or_else(|e| panic!("indexing the built-in guide: {e:#}"));
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
    table.push_str("pub static META: &[Meta] = &[\n");
    for (file, e) in entries.iter().enumerate() {
        let _ = writeln!(
            table,
            "    Meta {{ id: {:?}, title: {:?}, summary: {:?}, category: {:?}, aliases: &{:?}, related: &{:?}, file: {file} }},",
            e.id, e.title, e.summary, e.category, e.aliases, e.related
        );
    }
    table.push_str("];\n");
    for (theme, name) in [(cli::Theme::Dark, "DARK"), (cli::Theme::Light, "LIGHT")] {
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

/// The colour runs of every fenced block of the guide, in one theme: highlighting them here
/// takes 10-30 ms an entry that `pyguide show` would otherwise spend on every run.
fn code_colors(entries: &[kb::Entry], theme: cli::Theme) -> Vec<u8> {
    let highlighter = highlight::Highlighter::new(theme);
    let mut blocks = Vec::new();
    for entry in entries {
        for segment in highlight::segments(&entry.body) {
            if let highlight::Segment::Code { lang, code } = segment
                && let Some(runs) = highlighter.runs(lang, code)
            {
                blocks.push((highlight::key(lang, code), runs));
            }
        }
    }
    blocks.sort_by_key(|(k, _)| *k);
    blocks.dedup_by_key(|(k, _)| *k);
    highlight::table(&mut blocks)
}

/// Every `.md` file under `dir`, descending into folders (each of which is watched for new files).
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
}

//! Embeds the built-in guide (`kb/**/*.md`) in the binary, so an installed pyguide needs no
//! files beside it. Generates `builtin.rs`: a sorted table of (path relative to kb/, text) and a
//! fingerprint of the whole guide, which the index keeps to know when it is stale.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();

    let mut hasher = DefaultHasher::new();
    let mut table = String::from("pub static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        rel.hash(&mut hasher);
        text.hash(&mut hasher);
        table.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    table.push_str("];\n");
    table.push_str(&format!(
        "pub const BUILTIN_FINGERPRINT: u64 = {:#x};\n",
        hasher.finish()
    ));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("builtin.rs");
    fs::write(out, table).unwrap();
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

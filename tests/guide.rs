//! The built-in guide meets its own standard: every entry is 600 to 1500 words, has at least
//! three runnable examples (at most one marked skip), a Pitfalls section and related links.
//! Whether the examples run and show the truth is `pyguide check --exec kb/`, run by CI.

use std::fs;
use std::path::{Path, PathBuf};

fn entries(dir: &Path, out: &mut Vec<PathBuf>) {
    for item in fs::read_dir(dir).unwrap().flatten() {
        let path = item.path();
        if path.is_dir() {
            entries(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

fn body(text: &str) -> &str {
    let after_open = text.strip_prefix("---\n").expect("front matter");
    let close = after_open.find("\n---\n").expect("closed front matter");
    &after_open[close + 5..]
}

#[test]
fn every_builtin_entry_meets_the_guide_standard() {
    let mut files = Vec::new();
    entries(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/kb")),
        &mut files,
    );
    assert!(files.len() >= 14);
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let body = body(&text);
        let words = body.split_whitespace().count();
        let fences: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with("```python") || l.starts_with("```pycon"))
            .collect();
        let skipped = fences.iter().filter(|l| l.contains(" skip:")).count();
        let runnable = fences.len() - skipped;
        let name = path.display();
        if !(600..=1500).contains(&words) {
            failures.push(format!("{name}: {words} words, not 600 to 1500"));
        }
        if runnable < 3 {
            failures.push(format!(
                "{name}: {runnable} runnable examples, fewer than 3"
            ));
        }
        if skipped > 1 {
            failures.push(format!("{name}: {skipped} skipped examples, more than 1"));
        }
        if !body
            .lines()
            .any(|l| l.starts_with("## ") && l.to_lowercase().contains("pitfall"))
        {
            failures.push(format!("{name}: no Pitfalls section"));
        }
        if !text
            .lines()
            .any(|l| l.starts_with("related: [") && l.len() > "related: []".len())
        {
            failures.push(format!("{name}: no related entries"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Entry files -> `Vec<Entry>`: split the front matter, deserialize it strictly, validate it.
//!
//! `Entry::parse` is the only way to make an [`Entry`], so everything downstream trusts one.
//! Problems in a user's files are values ([`Problem`], always `path:line`), never early
//! returns: `check` lists all of them in one run, and the other commands skip the broken file
//! and keep working. Nothing here writes to a KB folder.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::builtin::{FILES as BUILTIN_FILES, META, Meta};

/// Where an entry's text lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Embedded in the binary; the path is relative to the repository's `kb/`.
    Builtin(&'static str),
    /// A file in one of the user's KB folders.
    User(PathBuf),
}

impl Origin {
    /// A stable string form, kept in the index to find the text again.
    pub fn to_key(&self) -> String {
        match self {
            Origin::Builtin(rel) => format!("builtin:{rel}"),
            Origin::User(path) => format!("file:{}", path.display()),
        }
    }

    pub fn from_key(key: &str) -> Option<Origin> {
        if let Some(rel) = key.strip_prefix("builtin:") {
            BUILTIN_FILES
                .iter()
                .find(|(r, _)| *r == rel)
                .map(|(r, _)| Origin::Builtin(r))
        } else {
            key.strip_prefix("file:")
                .map(|p| Origin::User(PathBuf::from(p)))
        }
    }

    /// Reads the entry's text again (built-in: from the binary).
    pub fn read(&self) -> Result<String, Problem> {
        match self {
            Origin::Builtin(rel) => Ok(builtin_text(rel).unwrap_or_default().to_string()),
            Origin::User(path) => read_text(path),
        }
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self, Origin::Builtin(_))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(rel) => write!(f, "kb/{rel}"),
            Origin::User(path) => write!(f, "{}", path.display()),
        }
    }
}

fn builtin_text(rel: &str) -> Option<&'static str> {
    BUILTIN_FILES
        .iter()
        .find(|(r, _)| *r == rel)
        .map(|(_, text)| *text)
}

/// The Markdown body of an entry file's text, found without parsing the front matter (for
/// snippets; a text without front matter is all body).
pub fn body_of(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return text;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if matches!(line.trim_end(), "---" | "...") {
            return &rest[offset..];
        }
    }
    text
}

/// A problem in an entry file, always tied to a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub line: usize,
    pub message: String,
}

impl Problem {
    fn new(origin: &Origin, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            origin: origin.clone(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.origin, self.line, self.message)
    }
}

/// One guide entry, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    pub related: Vec<String>,
    /// The questions the entry answers, in the words people ask them (searched, never shown).
    pub questions: Vec<String>,
    /// The CPython versions (`3.12`) whose `check --exec` the entry passed.
    pub verified: Vec<String>,
    /// The Markdown after the front matter.
    pub body: String,
    /// The file line (1-based) where `body` starts.
    pub body_line: usize,
    /// The file line of each front-matter key, for problems found later (`related`).
    key_lines: HashMap<&'static str, usize>,
    pub origin: Origin,
}

/// The front matter exactly as written; unknown keys are errors, so `tittle:` cannot pass.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    id: String,
    title: String,
    summary: String,
    category: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    verified: Vec<String>,
}

const KEYS: [&str; 9] = [
    "id",
    "title",
    "summary",
    "category",
    "aliases",
    "tags",
    "related",
    "questions",
    "verified",
];

const FORMAT_HINT: &str = "an entry starts with a `---` line, then YAML fields (id, title, summary, category; optional aliases, tags, related, questions, verified), then a closing `---` line and the Markdown body";

/// `3.12`: a major and a minor version, nothing else.
pub fn is_minor_version(s: &str) -> bool {
    s.split_once('.').is_some_and(|(major, minor)| {
        [major, minor]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A lowercase slug: letters and digits in groups joined by single hyphens.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

impl Entry {
    /// Parses and validates one entry file's text.
    pub fn parse(origin: Origin, text: &str) -> Result<Entry, Problem> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split_inclusive('\n');
        let first = lines.next().unwrap_or("");
        if text.trim().is_empty() {
            return Err(Problem::new(
                &origin,
                1,
                format!("the file is empty: {FORMAT_HINT}"),
            ));
        }
        if first.trim_end() != "---" {
            return Err(Problem::new(
                &origin,
                1,
                format!("no front matter: did you forget the opening `---`? {FORMAT_HINT}"),
            ));
        }
        let mut yaml_len = 0;
        let mut closing_line = None;
        for (k, line) in lines.enumerate() {
            if matches!(line.trim_end(), "---" | "...") {
                closing_line = Some(k + 2);
                break;
            }
            yaml_len += line.len();
        }
        let Some(closing_line) = closing_line else {
            return Err(Problem::new(
                &origin,
                1,
                "the front matter opened here is never closed: add a `---` line after the last field",
            ));
        };
        let yaml_start = first.len();
        let yaml = &text[yaml_start..yaml_start + yaml_len];
        let body_start = text[yaml_start + yaml_len..]
            .find('\n')
            .map_or(text.len(), |n| yaml_start + yaml_len + n + 1);
        let body = &text[body_start..];

        let raw: RawFrontMatter = match serde_yaml::from_str(yaml) {
            Ok(raw) => raw,
            Err(err) => return Err(yaml_problem(&origin, yaml, &err)),
        };
        let key_lines = key_lines(yaml);
        let entry = Entry {
            id: raw.id.trim().to_string(),
            title: raw.title.trim().to_string(),
            summary: raw.summary.trim().to_string(),
            category: raw.category.trim().to_string(),
            aliases: raw.aliases,
            tags: raw.tags,
            related: raw.related,
            questions: raw.questions,
            verified: raw.verified,
            body: body.to_string(),
            body_line: closing_line + 1,
            key_lines,
            origin,
        };
        entry.validate()?;
        Ok(entry)
    }

    /// The file line of a front-matter key (the opening `---` if it is not written).
    pub fn line_of(&self, key: &str) -> usize {
        self.key_lines.get(key).copied().unwrap_or(1)
    }

    fn problem(&self, key: &str, message: impl Into<String>) -> Problem {
        Problem::new(&self.origin, self.line_of(key), message)
    }

    fn validate(&self) -> Result<(), Problem> {
        if !is_slug(&self.id) {
            return Err(self.problem(
                "id",
                format!(
                    "id `{}` is not a lowercase slug: use letters, digits and single hyphens, like `context-managers`",
                    self.id
                ),
            ));
        }
        for (key, value) in [("title", &self.title), ("summary", &self.summary)] {
            if value.is_empty() {
                return Err(self.problem(key, format!("`{key}` is empty")));
            }
            if value.contains('\n') {
                return Err(self.problem(key, format!("`{key}` must be one line")));
            }
        }
        if !is_slug(&self.category) {
            return Err(self.problem(
                "category",
                format!(
                    "category `{}` is not a lowercase slug, like `syntax` or `django`",
                    self.category
                ),
            ));
        }
        for (key, list) in [
            ("aliases", &self.aliases),
            ("tags", &self.tags),
            ("questions", &self.questions),
        ] {
            if list.iter().any(|s| s.trim().is_empty() || s.contains('\n')) {
                return Err(self.problem(key, format!("`{key}` holds an empty or multi-line item")));
            }
        }
        if let Some(bad) = self.related.iter().find(|r| !is_slug(r)) {
            return Err(self.problem(
                "related",
                format!("`related` holds `{bad}`, which is not an entry id (a lowercase slug)"),
            ));
        }
        if let Some(bad) = self.verified.iter().find(|v| !is_minor_version(v)) {
            return Err(self.problem(
                "verified",
                format!("`verified` holds `{bad}`, which is not a Python version like \"3.12\" (quote it: YAML reads 3.10 as 3.1)"),
            ));
        }
        if self.body.trim().is_empty() {
            return Err(Problem::new(
                &self.origin,
                self.body_line.saturating_sub(1),
                "the body is empty: write the explanation below the closing `---`",
            ));
        }
        Ok(())
    }
}

/// Where each top-level key is written, as file lines (the YAML starts on line 2).
fn key_lines(yaml: &str) -> HashMap<&'static str, usize> {
    let mut out = HashMap::new();
    for (k, line) in yaml.lines().enumerate() {
        for key in KEYS {
            if line
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
            {
                out.entry(key).or_insert(k + 2);
            }
        }
    }
    out
}

/// A YAML error as a problem on the file line it points at, with a hint for the usual causes.
fn yaml_problem(origin: &Origin, yaml: &str, err: &serde_yaml::Error) -> Problem {
    let yaml_line = err.location().map_or(1, |loc| loc.line());
    let mut message = err.to_string();
    // serde_yaml appends " at line L column C": the line is already in the prefix.
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    if message.starts_with("unknown field") {
        message.push_str(" (check the spelling)");
    }
    let text_line = yaml.lines().nth(yaml_line.saturating_sub(1)).unwrap_or("");
    if let Some((key, value)) = text_line.split_once(':') {
        let value = value.trim_start();
        match value.chars().next() {
            Some('*') => message = "YAML reads a value that starts with `*` as an alias".into(),
            Some('&') => message = "YAML reads a value that starts with `&` as an anchor".into(),
            Some('@' | '`') => {
                message = format!(
                    "YAML does not allow a plain value to start with `{}`",
                    &value[..1]
                )
            }
            _ => {}
        }
        let quoted = value.starts_with(['\'', '"']);
        if message.starts_with("unknown field") {
            // The key is wrong, not the value.
        } else if (!quoted && value.starts_with(['*', '&', '!', '%', '@', '`', '|', '>', '{', '[']))
            || value.contains(": ")
            || value.contains(" #")
        {
            let key = key.trim();
            if !matches!(key, "aliases" | "tags" | "related") || !value.starts_with('[') {
                message.push_str(&format!(
                    "; hint: quote the value, for example {key}: \"{}\"",
                    value.replace('"', "\\\"")
                ));
            }
        }
    }
    Problem::new(origin, yaml_line + 1, message)
}

/// The largest entry file read: the longest entry of the guide is about 12 KB, so anything
/// near this is a mistake (a log or a dump saved as `.md`), not worth memory and index space.
pub const MAX_ENTRY_BYTES: u64 = 1024 * 1024;

/// Reads a file as UTF-8, turning failures into problems on line 1.
fn read_text(path: &Path) -> Result<String, Problem> {
    use std::io::Read;
    let origin = Origin::User(path.to_path_buf());
    let cannot_read = |e: std::io::Error| Problem::new(&origin, 1, format!("cannot read: {e}"));
    let file = fs::File::open(path).map_err(cannot_read)?;
    let mut bytes = Vec::new();
    // At most one byte over the limit, even if the file grows while it is read.
    file.take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        let size = fs::metadata(path).map_or(0, |m| m.len());
        return Err(Problem::new(
            &origin,
            1,
            format!(
                "the file is {:.1} MB; an entry can be at most {} MB: split it, or move it out of the KB folder",
                size as f64 / 1e6,
                MAX_ENTRY_BYTES / (1024 * 1024)
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        Problem::new(
            &origin,
            line,
            "the file is not valid UTF-8: save it as UTF-8",
        )
    })
}

/// A built-in entry from the front matter read at compile time: no parsing, for `show`.
pub fn builtin_entry(meta: &'static Meta) -> Entry {
    let (rel, text) = BUILTIN_FILES[meta.file];
    let body = body_of(text);
    let body_line = text[..text.len() - body.len()].lines().count() + 1;
    let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
    Entry {
        id: meta.id.to_string(),
        title: meta.title.to_string(),
        summary: meta.summary.to_string(),
        category: meta.category.to_string(),
        aliases: list(meta.aliases),
        tags: Vec::new(),
        related: list(meta.related),
        questions: Vec::new(),
        verified: Vec::new(),
        body: body.to_string(),
        body_line,
        key_lines: HashMap::new(),
        origin: Origin::Builtin(rel),
    }
}

/// The built-in entry a topic names, found as `show` finds one: by id, then alias, then the
/// name ignoring case, spaces, hyphens and underscores. `None` unless exactly one matches.
pub fn find_builtin(topic: &str) -> Option<&'static Meta> {
    if let Some(meta) = META.iter().find(|m| m.id == topic) {
        return Some(meta);
    }
    let by_alias: Vec<&Meta> = META.iter().filter(|m| m.aliases.contains(&topic)).collect();
    if let [meta] = by_alias[..] {
        return Some(meta);
    }
    let key = crate::text::loose_key(topic);
    let loose: Vec<&Meta> = META
        .iter()
        .filter(|m| {
            crate::text::loose_key(m.id) == key
                || m.aliases.iter().any(|a| crate::text::loose_key(a) == key)
        })
        .collect();
    match loose[..] {
        [meta] => Some(meta),
        _ => None,
    }
}

/// A built-in entry's metadata by id.
pub fn builtin_meta(id: &str) -> Option<&'static Meta> {
    META.iter().find(|m| m.id == id)
}

/// The built-in guide, parsed. A problem here is a bug in the release; it is reported, not fatal.
pub fn builtin_entries() -> (Vec<Entry>, Vec<Problem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (rel, text) in BUILTIN_FILES {
        match Entry::parse(Origin::Builtin(rel), text) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    (entries, problems)
}

/// Every `.md` file under `root` (or `root` itself if it is a file), sorted; hidden files and
/// folders are skipped, and each folder is visited once even through symlink loops.
pub fn entry_files(root: &Path) -> (Vec<PathBuf>, Vec<Problem>) {
    let (files, _, problems) = entry_files_and_dirs(root);
    (files.into_iter().map(|(path, _)| path).collect(), problems)
}

/// Like [`entry_files`], with each file's metadata and every folder visited.
#[allow(clippy::type_complexity)]
pub fn entry_files_and_dirs(
    root: &Path,
) -> (
    Vec<(PathBuf, fs::Metadata)>,
    Vec<(PathBuf, fs::Metadata)>,
    Vec<Problem>,
) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut problems = Vec::new();
    if let Ok(meta) = fs::metadata(root)
        && meta.is_file()
    {
        files.push((root.to_path_buf(), meta));
        return (files, dirs, problems);
    }
    let mut seen = HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(canonical) = fs::canonicalize(&dir) else {
            continue;
        };
        if !seen.insert(canonical) {
            continue;
        }
        // The folder's mtime is taken before reading it, so a file created meanwhile makes
        // the recorded time stale rather than going unnoticed.
        let Ok(dir_meta) = fs::metadata(&dir) else {
            continue;
        };
        match list_folder(&dir) {
            Ok(listing) => {
                files.extend(listing.files);
                stack.extend(listing.folders);
            }
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        }
        dirs.push((dir, dir_meta));
    }
    // By bytes: comparing Paths component by component is several times slower.
    files.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    (files, dirs, problems)
}

/// What one folder holds that matters to a guide.
pub struct Listing {
    /// Its `.md` files, with their metadata.
    pub files: Vec<(PathBuf, fs::Metadata)>,
    pub folders: Vec<PathBuf>,
}

/// One folder's entry files and subfolders: hidden names are skipped, symlinks followed
/// (a dangling one is skipped like a missing file), and anything else that is not a regular
/// file (a named pipe, say) ignored.
pub fn list_folder(dir: &Path) -> Result<Listing, Problem> {
    let read = fs::read_dir(dir).map_err(|e| {
        Problem::new(
            &Origin::User(dir.to_path_buf()),
            1,
            format!("cannot read this folder: {e}"),
        )
    })?;
    let mut listing = Listing {
        files: Vec::new(),
        folders: Vec::new(),
    };
    for item in read.flatten() {
        if item.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = item.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            listing.folders.push(path);
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "md") {
            listing.files.push((path, meta));
        }
    }
    Ok(listing)
}

/// The entries of the given files, with a problem for each file that could not be used.
pub fn parse_files(files: &[PathBuf]) -> (Vec<Entry>, Vec<Problem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let parsed =
            read_text(path).and_then(|text| Entry::parse(Origin::User(path.clone()), &text));
        match parsed {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    (entries, problems)
}

/// The guide as the user sees it: user entries in precedence order (first wins, a later
/// duplicate is a problem), then built-in entries whose ids no user entry took.
pub fn merge(user: Vec<Entry>, builtin: Vec<Entry>) -> (Vec<Entry>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut taken: HashMap<String, Origin> = HashMap::new();
    let mut out = Vec::new();
    for entry in user {
        if let Some(first) = taken.get(&entry.id) {
            problems.push(entry.problem(
                "id",
                format!(
                    "duplicate id `{}`: {first} defines it too and wins; rename one of them",
                    entry.id
                ),
            ));
            continue;
        }
        taken.insert(entry.id.clone(), entry.origin.clone());
        out.push(entry);
    }
    for entry in builtin {
        if !taken.contains_key(&entry.id) {
            taken.insert(entry.id.clone(), entry.origin.clone());
            out.push(entry);
        }
    }
    (out, problems)
}

/// Problems that need the whole guide: `related` ids that name no entry, an entry related to
/// itself, and a file name that differs from the id (`kb/<category>/<id>.md`).
pub fn lint(checked: &[Entry], known_ids: &HashSet<&str>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for entry in checked {
        for rel in &entry.related {
            if rel == &entry.id {
                problems.push(entry.problem(
                    "related",
                    format!("`related` lists the entry itself (`{rel}`)"),
                ));
            } else if !known_ids.contains(rel.as_str()) {
                problems.push(entry.problem(
                    "related",
                    format!("`related` points to `{rel}`, which is not an entry id"),
                ));
            }
        }
        let stem = match &entry.origin {
            Origin::Builtin(rel) => Path::new(rel)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned()),
            Origin::User(path) => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
        };
        if stem.as_deref().is_some_and(|s| s != entry.id) {
            problems.push(entry.problem(
                "id",
                format!(
                    "id `{}` differs from the file name `{}.md`: name the file after the id",
                    entry.id,
                    stem.unwrap_or_default()
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {

    /// Property: any text, and any damage to a valid entry, gives an entry or a problem on
    /// a line of the file; never a panic.
    #[test]
    fn any_text_parses_to_an_entry_or_a_problem_on_a_real_line() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        const VALID: &str = "---\nid: x-y\ntitle: \"X: a title\"\nsummary: s\ncategory: c\naliases: [a, b]\ntags: [t]\nrelated: [z]\n---\n## Body\nText `code`.\n";
        let damaged = (0..VALID.len(), 0usize..20, any::<String>(), any::<bool>()).prop_map(
            |(at, cut, insert, cut_first)| {
                let mut text = VALID.to_string();
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                if cut_first {
                    let end = (at + cut).min(text.len());
                    let end = (end..=text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap();
                    text.replace_range(at..end, "");
                }
                text.insert_str(at.min(text.len()), &insert);
                text
            },
        );
        let texts = prop_oneof![
            any::<String>(),
            "(---\n)?([a-z]{1,8}: [ -~]{0,20}\n){0,8}(---\n)?\\PC{0,40}",
            damaged,
        ];
        let mut runner = TestRunner::new(Config {
            cases: 500,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&texts, |text| {
                match Entry::parse(Origin::User("p.md".into()), &text) {
                    Ok(e) => {
                        prop_assert!(is_slug(&e.id), "{text:?}");
                        prop_assert!(!e.body.trim().is_empty(), "{text:?}");
                    }
                    Err(p) => {
                        let lines = text.lines().count().max(1);
                        prop_assert!(p.line >= 1 && p.line <= lines + 1, "{text:?}: {p}");
                        prop_assert!(!p.message.is_empty());
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    use super::*;

    fn origin() -> Origin {
        Origin::User(PathBuf::from("kb/syntax/x.md"))
    }

    fn parse(text: &str) -> Result<Entry, Problem> {
        Entry::parse(origin(), text)
    }

    const GOOD: &str = "---\nid: x\ntitle: \"X — a title\"\nsummary: One line\ncategory: syntax\naliases: [ex]\nrelated: [y]\n---\n## Body\nText.\n";

    #[test]
    fn parses_a_valid_entry() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.id, "x");
        assert_eq!(e.title, "X — a title");
        assert_eq!(e.aliases, ["ex"]);
        assert!(e.tags.is_empty());
        assert_eq!(e.body, "## Body\nText.\n");
        assert_eq!(e.body_line, 9);
        assert_eq!(e.line_of("related"), 7);
    }

    #[test]
    fn unknown_field_is_reported_on_its_line() {
        let p = parse("---\nid: x\ntittle: X\nsummary: s\ncategory: c\n---\nbody\n").unwrap_err();
        assert_eq!(p.line, 3);
        assert!(
            p.message.starts_with("unknown field `tittle`"),
            "{}",
            p.message
        );
    }

    #[test]
    fn unquoted_star_title_gets_a_quoting_hint() {
        let p = parse("---\nid: x\ntitle: *args explained\nsummary: s\ncategory: c\n---\nb\n")
            .unwrap_err();
        assert_eq!(p.line, 3);
        assert!(p.message.contains("hint: quote the value"), "{}", p.message);
        assert!(
            p.message.contains("title: \"*args explained\""),
            "{}",
            p.message
        );
    }

    #[test]
    fn missing_or_unclosed_front_matter() {
        let p = parse("# Just markdown\n").unwrap_err();
        assert_eq!(p.line, 1);
        assert!(p.message.contains("opening `---`"));
        let p = parse("---\nid: x\ntitle: t\n").unwrap_err();
        assert!(p.message.contains("never closed"));
        let p = parse("").unwrap_err();
        assert!(p.message.contains("empty"));
    }

    #[test]
    fn missing_field_and_wrong_type() {
        let p = parse("---\nid: x\ntitle: t\ncategory: c\n---\nb\n").unwrap_err();
        assert!(
            p.message.contains("missing field `summary`"),
            "{}",
            p.message
        );
        let p =
            parse("---\nid: x\ntitle: t\nsummary: s\ncategory: c\ntags: 3\n---\nb\n").unwrap_err();
        assert_eq!(p.line, 6);
        assert!(p.message.contains("invalid type"), "{}", p.message);
    }

    #[test]
    fn bad_id_and_empty_body() {
        let p = parse("---\nid: Bad_Id\ntitle: t\nsummary: s\ncategory: c\n---\nb\n").unwrap_err();
        assert_eq!(p.line, 2);
        assert!(p.message.contains("slug"));
        let p = parse("---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n\n  \n").unwrap_err();
        assert!(p.message.contains("body is empty"));
    }

    #[test]
    fn merge_lets_users_override_builtins_and_reports_user_duplicates() {
        let mk = |id: &str, path: &str| {
            let mut e = parse(GOOD).unwrap();
            e.id = id.into();
            e.origin = Origin::User(path.into());
            e
        };
        let mut builtin = mk("a", "b/a.md");
        builtin.origin = Origin::Builtin("syntax/a.md");
        let (entries, problems) =
            merge(vec![mk("a", "u1/a.md"), mk("a", "u2/a.md")], vec![builtin]);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].origin, Origin::User("u1/a.md".into()));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .starts_with("u2/a.md:2: duplicate id `a`")
        );
    }

    #[test]
    fn lint_finds_dangling_related_and_file_name_mismatch() {
        let e = parse(GOOD).unwrap();
        let known: HashSet<&str> = ["x"].into();
        let problems = lint(&[e], &known);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            ["kb/syntax/x.md:7: `related` points to `y`, which is not an entry id"]
        );
    }

    #[test]
    fn body_of_skips_the_front_matter_without_parsing_it() {
        assert_eq!(body_of(GOOD), "## Body\nText.\n");
        assert_eq!(body_of("no front matter"), "no front matter");
        assert_eq!(body_of("---\nunclosed\n"), "---\nunclosed\n");
    }

    #[test]
    fn slugs() {
        assert!(is_slug("context-managers"));
        assert!(is_slug("a1"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug("A"));
        assert!(!is_slug(""));
    }

    #[test]
    fn builtin_entries_from_compile_time_metadata_equal_parsed_ones() {
        let (parsed, _) = builtin_entries();
        for (meta, entry) in META.iter().zip(&parsed) {
            let fast = builtin_entry(meta);
            assert_eq!(
                (
                    &fast.id,
                    &fast.title,
                    &fast.summary,
                    &fast.related,
                    &fast.body,
                    fast.body_line
                ),
                (
                    &entry.id,
                    &entry.title,
                    &entry.summary,
                    &entry.related,
                    &entry.body,
                    entry.body_line
                )
            );
        }
        assert_eq!(find_builtin("decorators").map(|m| m.id), Some("decorators"));
        assert_eq!(find_builtin("yield").map(|m| m.id), Some("generators"));
        assert_eq!(
            find_builtin("Context Managers").map(|m| m.id),
            Some("context-managers")
        );
        assert!(find_builtin("lazy queryset thing").is_none());
    }

    #[test]
    fn the_builtin_guide_parses() {
        let (entries, problems) = builtin_entries();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(entries.len(), BUILTIN_FILES.len());
    }
}

//! Entry files -> [`Entry`]: split the front matter, deserialize it strictly, validate it.
//!
//! [`Entry::parse`] is the only way to make an `Entry`, for a user's file and a built-in one
//! alike, so everything downstream trusts one. [`Meta`] is the one shape of an entry's
//! metadata: what the index stores, what lists and results show, and what `build.rs` embeds.
//! Problems are values ([`Problem`], always `path:line`), never early returns: `check` lists
//! all of them in one run, and the other commands skip the broken file and keep working.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::markdown::{self, Split};

/// Where an entry's text lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// Built into the binary; the path is relative to the repository's `kb/`.
    Builtin(String),
    /// A file in one of the user's KB folders.
    User(PathBuf),
}

impl Origin {
    /// A stable, exact string form, kept in the index to find the text again. A user's path
    /// is written byte for byte: `%`, control characters and bytes that are not UTF-8 are
    /// escaped as `%XX`, so a name holding a tab, a newline or a stray byte round-trips.
    pub fn to_key(&self) -> String {
        match self {
            Origin::Builtin(rel) => format!("builtin:{rel}"),
            Origin::User(path) => format!("file:{}", escape_path(path)),
        }
    }

    pub fn from_key(key: &str) -> Option<Origin> {
        if let Some(rel) = key.strip_prefix("builtin:") {
            Some(Origin::Builtin(rel.to_string()))
        } else {
            key.strip_prefix("file:")
                .and_then(unescape_path)
                .map(Origin::User)
        }
    }

    pub fn is_builtin(&self) -> bool {
        matches!(self, Origin::Builtin(_))
    }

    /// The user's file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::User(path) => Some(path),
            Origin::Builtin(_) => None,
        }
    }

    /// The file name without `.md`: what the id must be.
    fn stem(&self) -> Option<String> {
        let name = match self {
            Origin::Builtin(rel) => Path::new(rel).file_stem(),
            Origin::User(path) => path.file_stem(),
        };
        name.map(|s| s.to_string_lossy().into_owned())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(rel) => write!(f, "builtin:{rel}"),
            Origin::User(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A path's bytes as text: `%`, control characters and non-UTF-8 bytes become `%XX`.
pub fn escape_path(path: &Path) -> String {
    let bytes = path.as_os_str().as_bytes();
    // Most paths are printable ASCII without `%`: nothing to escape.
    if bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'%')
        && let Some(plain) = path.to_str()
    {
        return plain.to_string();
    }
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' || c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path an [`escape_path`] text names.
pub fn unescape_path(text: &str) -> Option<PathBuf> {
    if !text.contains('%') {
        return Some(PathBuf::from(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(OsStr::from_bytes(&out)))
}

/// A problem in an entry file, always tied to a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub line: usize,
    pub message: String,
}

impl Problem {
    pub fn new(origin: &Origin, line: usize, message: impl Into<String>) -> Problem {
        Problem {
            origin: origin.clone(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// One line, `path:line: message`: a newline or a tab in the file's name is written `\n`
    /// or `\t`, so that a problem is never read as two.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = self.origin.to_string();
        let origin = if origin.contains(['\n', '\t']) {
            origin.replace('\n', "\\n").replace('\t', "\\t")
        } else {
            origin
        };
        write!(f, "{origin}:{}: {}", self.line, self.message)
    }
}

/// An entry's metadata: the front matter that is shown and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// The CPython versions (`3.12`) whose `check --exec` the entry passed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verified: Vec<String>,
}

/// One guide entry, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub meta: Meta,
    /// The questions the entry answers, in the words people ask them: searched, never shown.
    pub questions: Vec<String>,
    /// The Markdown after the front matter.
    pub body: String,
    /// The file line (1-based) where `body` starts.
    pub body_line: usize,
    pub origin: Origin,
    /// The file line of each front-matter key, for problems found later (`related`).
    key_lines: BTreeMap<&'static str, usize>,
}

/// An entry's front matter as parsed and validated, saved as JSON: `build.rs` saves the
/// built-in entries', so that showing one parses no YAML (a fifth of a `show`'s instructions).
#[derive(Serialize, Deserialize)]
struct SavedFront {
    meta: Meta,
    questions: Vec<String>,
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

/// The front matter's keys, in the order the format lists them.
pub const KEYS: [&str; 9] = [
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

/// Deepest nesting of `[` and `{` the front matter may have. Its fields are one line or a
/// list; YAML's parser takes time quadratic in the depth, so a pathological file is refused
/// before it is parsed.
const MAX_NESTING: usize = 8;

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

/// `3.12`: a major and a minor version, nothing else.
pub fn is_minor_version(s: &str) -> bool {
    s.split_once('.').is_some_and(|(major, minor)| {
        [major, minor]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// An entry's text as pyguide reads it: without a byte-order mark, with `\n` line endings
/// (CRLF and CR-only files alike), in Unicode NFC.
pub fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    };
    match crate::text::nfc(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(s) => s,
    }
}

impl Entry {
    /// Parses and validates one entry file's text.
    pub fn parse(origin: Origin, text: &str) -> Result<Entry, Problem> {
        let text = normalize(text);
        let front = match markdown::split_front_matter(&text) {
            Ok(front) => front,
            Err(Split::Empty) => {
                return Err(Problem::new(
                    &origin,
                    1,
                    format!("the file is empty: {FORMAT_HINT}"),
                ));
            }
            Err(Split::NoOpening) => {
                return Err(Problem::new(
                    &origin,
                    1,
                    format!("no front matter: did you forget the opening `---`? {FORMAT_HINT}"),
                ));
            }
            Err(Split::Unclosed) => {
                return Err(Problem::new(
                    &origin,
                    1,
                    "the front matter opened here is never closed: add a `---` line after the last field",
                ));
            }
        };
        if let Some((line, depth)) = too_deep(front.yaml) {
            return Err(Problem::new(
                &origin,
                line + 1,
                format!(
                    "the front matter nests {depth} levels deep; its fields are one line or a list of lines"
                ),
            ));
        }
        let raw: RawFrontMatter = match serde_yaml::from_str(front.yaml) {
            Ok(raw) => raw,
            Err(err) => return Err(yaml_problem(&origin, front.yaml, &err)),
        };
        let entry = Entry {
            meta: Meta {
                id: raw.id.trim().to_string(),
                title: raw.title.trim().to_string(),
                summary: raw.summary.trim().to_string(),
                category: raw.category.trim().to_string(),
                aliases: raw.aliases,
                tags: raw.tags,
                related: raw.related,
                verified: raw.verified,
            },
            questions: raw.questions,
            body: front.body.to_string(),
            body_line: front.closing_line + 1,
            key_lines: key_lines(front.yaml),
            origin,
        };
        entry.validate()?;
        Ok(entry)
    }

    /// The parsed front matter as JSON, for [`Entry::with_front`].
    pub fn front_json(&self) -> String {
        let saved = SavedFront {
            meta: self.meta.clone(),
            questions: self.questions.clone(),
        };
        serde_json::to_string(&saved).expect("plain strings serialize")
    }

    /// The entry in `text`, whose front matter [`Entry::parse`] parsed and validated before as
    /// `json` (see [`Entry::front_json`]): the same entry, without parsing the YAML again.
    /// `None` when the text has no front matter or the JSON does not read.
    pub fn with_front(origin: Origin, text: &str, json: &str) -> Option<Entry> {
        let saved: SavedFront = serde_json::from_str(json).ok()?;
        let text = normalize(text);
        let front = markdown::split_front_matter(&text).ok()?;
        Some(Entry {
            meta: saved.meta,
            questions: saved.questions,
            body: front.body.to_string(),
            body_line: front.closing_line + 1,
            key_lines: key_lines(front.yaml),
            origin,
        })
    }

    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// The file line of a front-matter key (the opening `---` if it is not written).
    pub fn line_of(&self, key: &str) -> usize {
        self.key_lines.get(key).copied().unwrap_or(1)
    }

    pub fn problem(&self, key: &str, message: impl Into<String>) -> Problem {
        Problem::new(&self.origin, self.line_of(key), message)
    }

    fn validate(&self) -> Result<(), Problem> {
        let m = &self.meta;
        if !is_slug(&m.id) {
            return Err(self.problem(
                "id",
                format!(
                    "id `{}` is not a lowercase slug: use letters, digits and single hyphens, like `context-managers`",
                    m.id
                ),
            ));
        }
        for (key, value) in [("title", &m.title), ("summary", &m.summary)] {
            if value.is_empty() {
                return Err(self.problem(key, format!("`{key}` is empty")));
            }
            if value.contains('\n') {
                return Err(self.problem(key, format!("`{key}` must be one line")));
            }
        }
        if !is_slug(&m.category) {
            return Err(self.problem(
                "category",
                format!(
                    "category `{}` is not a lowercase slug, like `syntax` or `django`",
                    m.category
                ),
            ));
        }
        for (key, list) in [
            ("aliases", &m.aliases),
            ("tags", &m.tags),
            ("questions", &self.questions),
        ] {
            if list.iter().any(|s| s.trim().is_empty() || s.contains('\n')) {
                return Err(self.problem(key, format!("`{key}` holds an empty or multi-line item")));
            }
        }
        if let Some(bad) = m.related.iter().find(|r| !is_slug(r)) {
            return Err(self.problem(
                "related",
                format!("`related` holds `{bad}`, which is not an entry id (a lowercase slug)"),
            ));
        }
        if let Some(bad) = m.verified.iter().find(|v| !is_minor_version(v)) {
            return Err(self.problem(
                "verified",
                format!("`verified` holds `{bad}`, which is not a Python version like \"3.12\""),
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

/// The first line where `[`/`{` nesting (outside quotes) passes [`MAX_NESTING`], and the depth
/// reached there.
fn too_deep(yaml: &str) -> Option<(usize, usize)> {
    for (n, line) in yaml.lines().enumerate() {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some((n + 1, depth));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                (None, '#') => break,
                _ => {}
            }
        }
        // Block-style nesting: `- - - - x` or deep indentation.
        let dashes = line
            .trim_start()
            .split("- ")
            .take_while(|p| p.trim().is_empty())
            .count();
        let indent = line.len() - line.trim_start().len();
        if dashes > MAX_NESTING || indent > 4 * MAX_NESTING {
            return Some((n + 1, dashes.max(indent / 2)));
        }
    }
    None
}

/// Where each top-level key is written, as file lines (the YAML starts on line 2).
fn key_lines(yaml: &str) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
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
            if !matches!(
                key,
                "aliases" | "tags" | "related" | "questions" | "verified"
            ) || !value.starts_with('[')
            {
                message.push_str(&format!(
                    "; hint: quote the value, for example {key}: \"{}\"",
                    value.replace('"', "\\\"")
                ));
            }
        }
    }
    Problem::new(origin, yaml_line + 1, message)
}

/// The guide as the user sees it: entries in precedence order (first wins, a later
/// duplicate is a problem).
pub fn merge(entries: Vec<Entry>) -> (Vec<Entry>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut taken: HashMap<String, Origin> = HashMap::new();
    let mut out = Vec::new();
    for entry in entries {
        if let Some(first) = taken.get(entry.id()) {
            problems.push(entry.problem(
                "id",
                format!(
                    "duplicate id `{}`: {first} defines it too and wins; rename one of them",
                    entry.id()
                ),
            ));
            continue;
        }
        taken.insert(entry.id().to_string(), entry.origin.clone());
        out.push(entry);
    }
    (out, problems)
}

/// Problems that need the whole guide: `related` ids that name no entry, name the entry
/// itself or repeat, and a file name that differs from the id (`kb/<category>/<id>.md`).
pub fn lint(checked: &[Entry], known_ids: &HashSet<&str>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for entry in checked {
        let mut seen = HashSet::new();
        for rel in &entry.meta.related {
            if !seen.insert(rel.as_str()) {
                problems.push(entry.problem("related", format!("`related` lists `{rel}` twice")));
            } else if rel == entry.id() {
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
        let stem = entry.origin.stem();
        if stem.as_deref().is_some_and(|s| s != entry.id()) {
            problems.push(entry.problem(
                "id",
                format!(
                    "id `{}` differs from the file name `{}.md`: name the file after the id",
                    entry.id(),
                    stem.unwrap_or_default()
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::User(PathBuf::from("kb/syntax/x.md"))
    }

    #[test]
    fn a_problem_is_one_line_whatever_its_file_is_called() {
        let problem = Problem::new(
            &Origin::User(PathBuf::from("/kb/new\nline\tand tab.md")),
            3,
            "bad",
        );
        assert_eq!(problem.to_string(), "/kb/new\\nline\\tand tab.md:3: bad");
    }

    #[test]
    fn paths_are_escaped_exactly_and_read_back() {
        use std::os::unix::ffi::OsStrExt;
        let cases: [(&[u8], &str); 5] = [
            (b"/home/me/kb/plain name.md", "/home/me/kb/plain name.md"),
            (b"/kb/100%.md", "/kb/100%25.md"),
            (b"/kb/tab\there\n.md", "/kb/tab%09here%0A.md"),
            ("/kb/caf\u{e9}.md".as_bytes(), "/kb/caf\u{e9}.md"),
            (b"/kb/\xff.md", "/kb/%FF.md"),
        ];
        for (raw, escaped) in cases {
            let path = Path::new(OsStr::from_bytes(raw));
            assert_eq!(escape_path(path), escaped);
            assert_eq!(unescape_path(escaped).as_deref(), Some(path));
        }
    }

    fn parse(text: &str) -> Result<Entry, Problem> {
        Entry::parse(origin(), text)
    }

    const GOOD: &str = "---\nid: x\ntitle: \"X — a title\"\nsummary: One line\ncategory: syntax\naliases: [ex]\nrelated: [y]\nquestions: [\"why x\"]\nverified: [\"3.12\"]\n---\n## Body\nText.\n";

    /// Property: any text, and any damage to a valid entry, gives an entry or a problem on
    /// a line of the file; never a panic.
    #[test]
    fn any_text_parses_to_an_entry_or_a_problem_on_a_real_line() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};

        let damaged = (0..GOOD.len(), 0usize..20, any::<String>(), any::<bool>()).prop_map(
            |(at, cut, insert, cut_first)| {
                let mut text = GOOD.to_string();
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
            "(---\r)?([a-z]{1,8}: [ -~\\[\\]{}]{0,20}\r){0,8}(---\r)?\\PC{0,40}",
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
                        prop_assert!(is_slug(e.id()), "{text:?}");
                        prop_assert!(!e.body.trim().is_empty(), "{text:?}");
                    }
                    Err(p) => {
                        let lines = normalize(&text).lines().count().max(1);
                        prop_assert!(p.line >= 1 && p.line <= lines + 1, "{text:?}: {p}");
                        prop_assert!(!p.message.is_empty());
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn parses_a_valid_entry() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.id(), "x");
        assert_eq!(e.meta.title, "X — a title");
        assert_eq!(e.meta.aliases, ["ex"]);
        assert_eq!(e.questions, ["why x"]);
        assert_eq!(e.meta.verified, ["3.12"]);
        assert!(e.meta.tags.is_empty());
        assert_eq!(e.body, "## Body\nText.\n");
        assert_eq!(e.body_line, 11);
        assert_eq!(e.line_of("related"), 7);
    }

    #[test]
    fn crlf_and_cr_only_files_read_like_lf_ones() {
        let lf = parse(GOOD).unwrap();
        assert_eq!(parse(&GOOD.replace('\n', "\r\n")).unwrap(), lf);
        assert_eq!(parse(&GOOD.replace('\n', "\r")).unwrap(), lf);
        assert_eq!(parse(&format!("\u{feff}{GOOD}")).unwrap(), lf);
    }

    #[test]
    fn decomposed_accents_are_composed() {
        let e = parse(&GOOD.replace("One line", "Cafe\u{301}")).unwrap();
        assert_eq!(e.meta.summary, "Caf\u{e9}");
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
    fn unquoted_star_title_gets_a_hint_and_versions_read_as_written() {
        let p = parse("---\nid: x\ntitle: *args explained\nsummary: s\ncategory: c\n---\nb\n")
            .unwrap_err();
        assert_eq!(p.line, 3);
        assert!(
            p.message.contains("title: \"*args explained\""),
            "{}",
            p.message
        );
        // YAML keeps the text of a number read as a string: 3.10 stays "3.10".
        let e = parse("---\nid: x\ntitle: t\nsummary: s\ncategory: c\nverified: [3.10]\n---\nb\n")
            .unwrap();
        assert_eq!(e.meta.verified, ["3.10"]);
    }

    #[test]
    fn deep_nesting_is_refused_at_once() {
        let deep = format!(
            "---\nid: x\ntitle: t\nsummary: s\ncategory: c\ntags: {}{}\n---\nb\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let started = std::time::Instant::now();
        let p = parse(&deep).unwrap_err();
        assert!(
            started.elapsed().as_millis() < 100,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(p.line, 6);
        assert!(p.message.contains("nests"), "{}", p.message);
        let dashes = format!(
            "---\nid: x\ntitle: t\nsummary: s\ncategory: c\ntags:\n{}x\n---\nb\n",
            "- ".repeat(50_000)
        );
        assert!(parse(&dashes).unwrap_err().message.contains("nests"));
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
    fn missing_field_wrong_type_bad_id_and_empty_body() {
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
        let p = parse("---\nid: Bad_Id\ntitle: t\nsummary: s\ncategory: c\n---\nb\n").unwrap_err();
        assert_eq!(p.line, 2);
        assert!(p.message.contains("slug"));
        let p = parse("---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n\n  \n").unwrap_err();
        assert!(p.message.contains("body is empty"));
    }

    #[test]
    fn merge_keeps_the_first_and_reports_later_duplicates() {
        let mk = |path: &str| {
            let mut e = parse(GOOD).unwrap();
            e.origin = Origin::User(path.into());
            e
        };
        let (entries, problems) = merge(vec![mk("u1/x.md"), mk("u2/x.md")]);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].origin, Origin::User("u1/x.md".into()));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .starts_with("u2/x.md:2: duplicate id `x`")
        );
    }

    #[test]
    fn lint_finds_dangling_repeated_and_self_related_and_name_mismatch() {
        let e = parse(&GOOD.replace("related: [y]", "related: [y, z, z, x]")).unwrap();
        let known: HashSet<&str> = ["x", "z"].into();
        let text: Vec<String> = lint(&[e], &known).iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            [
                "kb/syntax/x.md:7: `related` points to `y`, which is not an entry id",
                "kb/syntax/x.md:7: `related` lists `z` twice",
                "kb/syntax/x.md:7: `related` lists the entry itself (`x`)",
            ]
        );
    }

    #[test]
    fn origin_keys_round_trip_any_path_bytes() {
        for raw in [
            &b"/kb/plain.md"[..],
            b"/kb/tab\there.md",
            b"/kb/new\nline.md",
            b"/kb/100%.md",
            b"/kb/bad\xffbyte.md",
        ] {
            let path = PathBuf::from(OsStr::from_bytes(raw));
            let origin = Origin::User(path.clone());
            let key = origin.to_key();
            assert!(!key.contains(['\t', '\n']), "{key}");
            assert_eq!(Origin::from_key(&key), Some(origin));
        }
        assert_eq!(
            Origin::from_key("builtin:syntax/x.md"),
            Some(Origin::Builtin("syntax/x.md".into()))
        );
        assert_eq!(Origin::from_key("file:%zz"), None);
    }

    #[test]
    fn slugs_and_versions() {
        assert!(is_slug("context-managers"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug("A"));
        assert!(!is_slug(""));
        assert!(is_minor_version("3.12"));
        assert!(!is_minor_version("3.12.1"));
        assert!(!is_minor_version("3"));
    }
}

//! `check --exec`: runs every example of the given entries, so what the guide shows is true.
//!
//! A ```` ```python ```` block runs as a script and must exit 0; a ```` ```pycon ```` block is
//! a `>>>` session checked by Python's own doctest (ELLIPSIS on), so its shown output must be
//! the real output. Each block runs alone, in a fresh temporary folder, with a timeout, on
//! every interpreter given (the version matrix). The info string may scope a block to
//! versions (```` ```pycon python>=3.12 ````, ```` ```python sqlalchemy<2.1 ````): the
//! interpreter is asked its version and its packages' versions, never assumed, and a block
//! runs only where its scope holds. A fence written ```` ```python skip: reason ```` is not
//! run (and the reason is required). Failures are problems on the file line of the failing
//! statement, naming the interpreter.
//!
//! What runs is contained: each example is its own process group, killed whole on timeout
//! (grandchildren included); its output is kept up to [`OUTPUT_CAP`]; Ctrl-C kills the
//! running examples and removes their folders before pyguide exits.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use std::{fs, thread};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::kb::{Entry, Problem};

const HARNESS: &str = include_str!("doctest_harness.py");

/// Most bytes of an example's stdout or stderr that are kept; the rest is counted and dropped.
pub const OUTPUT_CAP: usize = 1 << 20;

/// How long output readers are waited for once an example's process group is gone: a
/// process that left the group (a daemon) may hold the pipe open for ever.
const READER_GRACE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Pycon,
}

/// A comparison in a version scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Op {
    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// One condition of a block's scope: `python>=3.12`, `sqlalchemy<2.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// `python`, or a distribution name as pip knows it (lowercase).
    pub name: String,
    pub op: Op,
    pub version: Vec<u64>,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<String> = self.version.iter().map(u64::to_string).collect();
        write!(f, "{}{}{}", self.name, self.op.as_str(), v.join("."))
    }
}

impl Requirement {
    /// `name<op>version`, or `None` if the word is not one.
    pub fn parse(word: &str) -> Option<Requirement> {
        let at = word.find(['<', '>', '=', '!'])?;
        let (name, rest) = word.split_at(at);
        let (op, version) = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (op, v)))?;
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let version = parse_version(version)?;
        name_ok.then(|| Requirement {
            name: name.to_ascii_lowercase().replace('_', "-"),
            op,
            version,
        })
    }

    /// Whether an interpreter satisfies it (a package it does not have satisfies nothing).
    pub fn holds(&self, python: &Interpreter) -> bool {
        let have = if self.name == "python" {
            Some(&python.version)
        } else {
            python.packages.get(&self.name).and_then(Option::as_ref)
        };
        have.is_some_and(|v| self.op.holds(compare(v, &self.version)))
    }
}

/// `3.12.1` -> [3, 12, 1]; the release part of a PEP 440 version (`2.1.0rc1` -> [2, 1, 0]).
fn parse_version(s: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for part in s.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        out.push(digits.parse().ok()?);
        if digits.len() < part.len() {
            break;
        }
    }
    (!out.is_empty() && out.len() <= 4).then_some(out)
}

/// Compares versions, padding the shorter one with zeros (3.12 == 3.12.0).
fn compare(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// One fenced example of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub lang: Lang,
    pub code: String,
    /// File line of the fence that opens the block.
    pub fence_line: usize,
    /// The versions it is meant for (all must hold); empty: every interpreter.
    pub scope: Vec<Requirement>,
    /// `Some(reason)` for a block marked `skip: reason`.
    pub skip: Option<String>,
}

/// The python and pycon examples of an entry's body, with their file lines; a malformed
/// marker or scope, or an unclosed fence, is a problem.
pub fn examples(entry: &Entry) -> (Vec<Example>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let lines: Vec<&str> = entry.body.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let fence_len = line.chars().take_while(|&c| c == '`' || c == '~').count();
        if fence_len < 3 {
            i += 1;
            continue;
        }
        let fence = &line[..fence_len];
        let info = line[fence_len..].trim();
        let fence_line = entry.body_line + i;
        let close = (i + 1..lines.len()).find(|&k| lines[k].trim_start().starts_with(fence));
        let Some(close) = close else {
            problems.push(problem(
                entry,
                fence_line,
                "this code block is never closed",
            ));
            break;
        };
        let code: String = lines[i + 1..close]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        i = close + 1;
        let (lang_word, rest) = info.split_once(char::is_whitespace).unwrap_or((info, ""));
        let lang = match lang_word {
            "python" | "py" | "python3" => Lang::Python,
            "pycon" => Lang::Pycon,
            _ => continue,
        };
        match parse_marks(rest) {
            Ok((scope, skip)) => out.push(Example {
                lang,
                code,
                fence_line,
                scope,
                skip,
            }),
            Err(message) => problems.push(problem(
                entry,
                fence_line,
                format!("{message}: write `{lang_word} python>=3.12`, `{lang_word} skip: <why it cannot run>`, or nothing after the language"),
            )),
        }
    }
    if let Some(second) = out.iter().filter(|e| e.skip.is_some()).nth(1) {
        problems.push(problem(
            entry,
            second.fence_line,
            "a second skipped example: an entry may skip at most one (make this one runnable)",
        ));
    }
    (out, problems)
}

/// The words after the language: version requirements, then an optional `skip: reason`.
#[allow(clippy::type_complexity)]
fn parse_marks(rest: &str) -> Result<(Vec<Requirement>, Option<String>), String> {
    let mut scope = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        if let Some(reason) = rest.strip_prefix("skip:") {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err("`skip:` needs a reason".into());
            }
            return Ok((scope, Some(reason.to_string())));
        }
        let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        match Requirement::parse(word) {
            Some(req) => scope.push(req),
            None => return Err(format!("unknown code block marker `{word}`")),
        }
        rest = after.trim_start();
    }
    Ok((scope, None))
}

fn problem(entry: &Entry, line: usize, message: impl Into<String>) -> Problem {
    Problem {
        origin: entry.origin.clone(),
        line,
        message: message.into(),
    }
}

/// The built-in guide's standard, beyond what any entry must meet (`check --strict`): a
/// short answer first (`## In short`: 3 to 8 lines of prose and one runnable example),
/// 8 to 20 `questions`, a `verified` list, 600 to 1,500 words, at least three runnable
/// examples, a Pitfalls section, related entries; and every example checks what it shows
/// (a python block asserts or raises, a pycon block shows output).
pub fn standard_problems(entry: &Entry) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut say = |line: usize, message: String| out.push(problem(entry, line, message));
    let n = entry.questions.len();
    if !(8..=20).contains(&n) {
        say(
            entry.line_of("questions"),
            format!(
                "`questions` holds {n}; the guide's entries list 8 to 20, asked as a developer would ask them"
            ),
        );
    }
    if entry.verified.is_empty() {
        say(
            entry.line_of("verified"),
            "no `verified` list: name the Python versions whose `check --exec` it passes, like verified: [\"3.12\", \"3.13\"]".into(),
        );
    }
    if entry.related.is_empty() {
        say(entry.line_of("related"), "no `related` entries".into());
    }
    let words = entry.body.split_whitespace().count();
    if !(600..=1500).contains(&words) {
        say(
            entry.body_line,
            format!("the body has {words} words; the guide's entries have 600 to 1,500"),
        );
    }
    let (examples, _) = examples(entry);
    let runnable = examples.iter().filter(|e| e.skip.is_none()).count();
    if runnable < 3 {
        say(
            entry.body_line,
            format!("{runnable} runnable examples; the guide's entries have at least 3"),
        );
    }
    let headings: Vec<(usize, &str)> = entry
        .body
        .lines()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("## ").map(|h| (i, h.trim())))
        .collect();
    if !headings
        .iter()
        .any(|(_, h)| h.to_lowercase().contains("pitfall"))
    {
        say(entry.body_line, "no `## Pitfalls` section".into());
    }
    match headings.first() {
        Some((i, h)) if h.eq_ignore_ascii_case("in short") => {
            let start = entry.body_line + i;
            let end = headings.get(1).map_or(usize::MAX, |(k, _)| entry.body_line + k);
            let inside: Vec<&Example> = examples
                .iter()
                .filter(|e| (start..end).contains(&e.fence_line))
                .collect();
            if inside.len() != 1 || inside[0].skip.is_some() {
                say(start, format!("`## In short` has {} examples; it has one minimal example that runs", inside.len()));
            }
            let section: String = entry
                .body
                .lines()
                .skip(i + 1)
                .take(end.saturating_sub(start + 1))
                .collect::<Vec<_>>()
                .join("\n");
            let lines = prose_lines(&section, 80);
            if !(3..=8).contains(&lines) {
                say(start, format!("`## In short` has {lines} lines of prose at 80 columns; write 3 to 8"));
            }
        }
        _ => say(
            entry.body_line,
            "the body does not open with `## In short`: 3 to 8 lines that answer the entry's question, and one minimal example".into(),
        ),
    }
    for ex in examples.iter().filter(|e| e.skip.is_none()) {
        match ex.lang {
            Lang::Python
                if !ex.code.lines().any(|l| {
                    l.trim_start().starts_with("assert ") || l.trim_start().starts_with("raise ")
                }) =>
            {
                say(
                    ex.fence_line,
                    "this python example checks nothing: assert what it shows".into(),
                )
            }
            Lang::Pycon
                if !ex.code.lines().any(|l| {
                    let t = l.trim_start();
                    !t.is_empty() && !t.starts_with(">>>") && !t.starts_with("...")
                }) =>
            {
                say(
                    ex.fence_line,
                    "this pycon example shows no output, so doctest checks nothing".into(),
                )
            }
            _ => {}
        }
    }
    out
}

/// How many lines the prose of a Markdown section fills at `width` columns (code blocks,
/// blank lines and headings left out).
fn prose_lines(md: &str, width: usize) -> usize {
    let mut lines = 0;
    let mut in_code = false;
    let mut paragraph = String::new();
    let flush = |p: &mut String, lines: &mut usize| {
        let mut col = 0;
        let mut n = 0;
        for word in p.split_whitespace() {
            let w = word.chars().count();
            if col == 0 || col + 1 + w > width {
                n += 1;
                col = w;
            } else {
                col += 1 + w;
            }
        }
        *lines += n;
        p.clear();
    };
    for line in md.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_code = !in_code;
            flush(&mut paragraph, &mut lines);
            continue;
        }
        if in_code {
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            flush(&mut paragraph, &mut lines);
            continue;
        }
        if t.starts_with("- ") || t.starts_with("* ") {
            flush(&mut paragraph, &mut lines);
        }
        paragraph.push(' ');
        paragraph.push_str(t);
    }
    flush(&mut paragraph, &mut lines);
    lines
}

/// Problems in the code blocks themselves (unclosed fence, unknown marker, a second skip),
/// found without running anything.
pub fn block_problems(entries: &[Entry]) -> Vec<Problem> {
    entries.iter().flat_map(|e| examples(e).1).collect()
}

/// An interpreter of the matrix, as it says it is.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub path: PathBuf,
    /// `CPython`, `PyPy`, ...
    pub implementation: String,
    pub version: Vec<u64>,
    /// The installed version of each package a scope names (`None`: not installed).
    pub packages: BTreeMap<String, Option<Vec<u64>>>,
}

impl Interpreter {
    /// `3.12.1`.
    pub fn version_string(&self) -> String {
        let v: Vec<String> = self.version.iter().map(u64::to_string).collect();
        v.join(".")
    }

    /// `3.12`: what an entry's `verified` field names.
    pub fn minor(&self) -> String {
        self.version
            .iter()
            .take(2)
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// `CPython 3.12.1`.
    pub fn label(&self) -> String {
        format!("{} {}", self.implementation, self.version_string())
    }
}

/// Asks an interpreter its version and the versions of `packages`. An interpreter that
/// cannot run this is an error naming it.
pub fn probe(python: &Path, packages: &BTreeSet<String>) -> Result<Interpreter> {
    const PROBE: &str = r#"
import json, platform, sys
try:
    from importlib import metadata
except ImportError:
    metadata = None
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = metadata.version(name) if metadata else None
    except Exception:
        found[name] = None
print(json.dumps({"implementation": platform.python_implementation(),
                  "version": list(sys.version_info[:3]), "packages": found}))
"#;
    let out = Command::new(python)
        .args(["-c", PROBE])
        .args(packages)
        .stdin(Stdio::null())
        .output()
        .with_context(|| {
            format!(
                "cannot run {}; pass the interpreter with --python PATH",
                python.display()
            )
        })?;
    if !out.status.success() {
        bail!(
            "{} does not work as a Python interpreter ({})",
            python.display(),
            out.status
        );
    }
    #[derive(Deserialize)]
    struct Probed {
        implementation: String,
        version: Vec<u64>,
        packages: BTreeMap<String, Option<String>>,
    }
    let probed: Probed = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("{} did not say its version", python.display()))?;
    if probed.version.first() != Some(&3) {
        bail!(
            "{} is Python {}; the examples need Python 3",
            python.display(),
            probed
                .version
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        );
    }
    Ok(Interpreter {
        path: python.to_path_buf(),
        implementation: probed.implementation,
        version: probed.version,
        packages: probed
            .packages
            .into_iter()
            .map(|(name, v)| (name, v.and_then(|v| parse_version(&v))))
            .collect(),
    })
}

/// Every CPython of 3.10 or later this machine has: pyenv's versions, then `python3.N` on
/// PATH; one per minor version (pyenv's first), oldest first.
pub fn find_interpreters() -> Vec<PathBuf> {
    let mut found: BTreeMap<(u64, u64), PathBuf> = BTreeMap::new();
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(root) = pyenv_root
        && let Ok(read) = fs::read_dir(root.join("versions"))
    {
        let mut versions: Vec<(Vec<u64>, PathBuf)> = read
            .flatten()
            .filter_map(|d| {
                let name = d.file_name().to_string_lossy().into_owned();
                // Plain CPython releases only: `3.12.1`, not `pypy3.10-7.3` or `3.13t`.
                if !name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    return None;
                }
                let python = d.path().join("bin/python3");
                python.exists().then(|| (parse_version(&name), python))
            })
            .filter_map(|(v, p)| v.map(|v| (v, p)))
            .collect();
        // The newest patch release of each minor version.
        versions.sort();
        for (v, python) in versions {
            if v.len() >= 2 {
                found.insert((v[0], v[1]), python);
            }
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for minor in 10..=20 {
                let python = dir.join(format!("python3.{minor}"));
                if python.is_file() {
                    found.entry((3, minor)).or_insert(python);
                }
            }
        }
    }
    found
        .into_iter()
        .filter(|((major, minor), _)| *major == 3 && *minor >= 10)
        .map(|(_, p)| p)
        .collect()
}

#[derive(Debug, Default)]
pub struct Report {
    /// The interpreters, in the order given.
    pub interpreters: Vec<Interpreter>,
    /// Examples run on at least one interpreter.
    pub run: usize,
    /// Runs in all (an example on three interpreters is three).
    pub runs: usize,
    pub skipped: usize,
    /// Examples whose scope no interpreter met, with the scope.
    pub not_run: Vec<(Problem, String)>,
    /// Per example: where it is and the interpreters (indexes) it ran on.
    pub ran_on: Vec<(Problem, Vec<usize>)>,
    pub problems: Vec<Problem>,
}

/// Runs every example of `entries` on each interpreter its scope allows, several at a time.
/// With `strict`, an entry's `verified` field must name only versions it passed on here.
pub fn run_all(
    entries: &[Entry],
    pythons: &[PathBuf],
    timeout: Duration,
    strict: bool,
) -> Result<Report> {
    let mut per_entry = Vec::new();
    let mut packages = BTreeSet::new();
    for entry in entries {
        // Malformed blocks are `check`'s static problems (see `block_problems`), found anyway.
        let (examples, _) = examples(entry);
        for ex in &examples {
            packages.extend(
                ex.scope
                    .iter()
                    .filter(|r| r.name != "python")
                    .map(|r| r.name.clone()),
            );
        }
        per_entry.push((entry, examples));
    }
    let mut report = Report::default();
    for python in pythons {
        // Examples run in their own folders: a relative interpreter path must not move.
        let python = if python.components().count() > 1 {
            std::path::absolute(python)
                .with_context(|| format!("cannot resolve {}", python.display()))?
        } else {
            python.clone()
        };
        report.interpreters.push(probe(&python, &packages)?);
    }
    let interpreters = &report.interpreters;

    let mut jobs = Vec::new();
    for (entry, examples) in &per_entry {
        for ex in examples {
            let at = problem(entry, ex.fence_line, "");
            if ex.skip.is_some() {
                report.skipped += 1;
                continue;
            }
            let on: Vec<usize> = (0..interpreters.len())
                .filter(|&k| ex.scope.iter().all(|r| r.holds(&interpreters[k])))
                .collect();
            if on.is_empty() {
                let scope: Vec<String> = ex.scope.iter().map(|r| r.to_string()).collect();
                report.not_run.push((at, scope.join(" ")));
                continue;
            }
            report.run += 1;
            for &k in &on {
                jobs.push((*entry, ex.clone(), k));
            }
            report.ran_on.push((at, on));
        }
    }
    report.runs = jobs.len();

    let flag = Arc::new(AtomicBool::new(false));
    let hooks: Vec<_> = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM]
        .into_iter()
        .filter_map(|sig| signal_hook::flag::register(sig, Arc::clone(&flag)).ok())
        .collect();
    let queue = Mutex::new(jobs.into_iter().enumerate());
    let results = Mutex::new(Vec::new());
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                    let Some((n, (entry, ex, k))) = next else {
                        break;
                    };
                    let found = run_one(entry, &ex, &interpreters[k], timeout, &flag);
                    if let Ok(mut r) = results.lock() {
                        r.push((n, k, entry.id.clone(), found));
                    }
                }
            });
        }
    });
    for hook in hooks {
        signal_hook::low_level::unregister(hook);
    }
    if flag.load(Ordering::SeqCst) {
        bail!("interrupted: the examples' processes were stopped and their folders removed");
    }
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(n, ..)| *n);
    // The versions on which each entry had a failure.
    let mut failed: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (_, k, id, found) in results {
        if !found.is_empty() {
            failed.entry(id).or_default().insert(k);
        }
        report.problems.extend(found);
    }
    report
        .problems
        .extend(verified_problems(&per_entry, interpreters, &failed, strict));
    Ok(report)
}

/// `verified` must not claim a version an entry failed on here; with `strict`, nor one that
/// did not run it at all.
fn verified_problems(
    per_entry: &[(&Entry, Vec<Example>)],
    interpreters: &[Interpreter],
    failed: &BTreeMap<String, BTreeSet<usize>>,
    strict: bool,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for (entry, examples) in per_entry {
        for claimed in &entry.verified {
            let ran: Vec<usize> = (0..interpreters.len())
                .filter(|&k| &interpreters[k].minor() == claimed)
                .filter(|&k| {
                    examples.iter().any(|ex| {
                        ex.skip.is_none() && ex.scope.iter().all(|r| r.holds(&interpreters[k]))
                    })
                })
                .collect();
            let failed_here = failed.get(&entry.id);
            let message = if ran.is_empty() {
                strict.then(|| {
                    format!("`verified` claims Python {claimed}, but no Python {claimed} ran its examples here (give one with --python)")
                })
            } else if ran
                .iter()
                .any(|k| failed_here.is_some_and(|f| f.contains(k)))
            {
                Some(format!(
                    "`verified` claims Python {claimed}, but an example failed on it (above)"
                ))
            } else {
                None
            };
            if let Some(message) = message {
                out.push(Problem {
                    origin: entry.origin.clone(),
                    line: entry.line_of("verified"),
                    message,
                });
            }
        }
    }
    out
}

#[derive(Deserialize)]
struct DoctestFailure {
    line: usize,
    source: String,
    want: String,
    got: String,
}

/// One pipe drained on a thread: the first [`OUTPUT_CAP`] bytes kept, the rest counted.
struct Captured {
    text: String,
    dropped: u64,
}

fn drain(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Captured> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut dropped = 0u64;
        let mut buf = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP.saturating_sub(kept.len()).min(n);
                    kept.extend_from_slice(&buf[..room]);
                    dropped += (n - room) as u64;
                }
            }
        }
        let _ = tx.send(Captured {
            text: String::from_utf8_lossy(&kept).into_owned(),
            dropped,
        });
    });
    rx
}

/// Kills the example's whole process group (it leads it: see `process_group(0)`).
fn kill_group(child: &mut Child) {
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs one example on one interpreter in a fresh temporary folder; the problems it found.
fn run_one(
    entry: &Entry,
    ex: &Example,
    python: &Interpreter,
    timeout: Duration,
    interrupted: &AtomicBool,
) -> Vec<Problem> {
    let on = python.label();
    let result = (|| -> Result<Vec<Problem>> {
        let dir = tempfile::Builder::new()
            .prefix("pyguide-example-")
            .tempdir()
            .context("cannot create a temporary folder")?;
        let first_code_line = ex.fence_line + 1;
        let args: Vec<PathBuf> = match ex.lang {
            Lang::Python => {
                let path = dir.path().join("example.py");
                fs::write(&path, &ex.code)?;
                vec![path]
            }
            Lang::Pycon => {
                let harness = dir.path().join("pyguide_doctest.py");
                fs::write(&harness, HARNESS)?;
                let path = dir.path().join("example.pycon");
                fs::write(&path, &ex.code)?;
                vec![harness, path]
            }
        };
        let mut child = Command::new(&python.path)
            .args(&args)
            .current_dir(dir.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONHASHSEED", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout or Ctrl-C can stop everything it started.
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot run {}", python.path.display()))?;
        let stdout = drain(child.stdout.take().context("no stdout")?);
        let stderr = drain(child.stderr.take().context("no stderr")?);
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if start.elapsed() > timeout || interrupted.load(Ordering::SeqCst) {
                break None;
            }
            thread::sleep(Duration::from_millis(5));
        };
        // Whatever the example left behind (a background child) goes with its group.
        kill_group(&mut child);
        let collect = |rx: mpsc::Receiver<Captured>| {
            rx.recv_timeout(READER_GRACE).unwrap_or(Captured {
                text: String::new(),
                dropped: 0,
            })
        };
        let out = collect(stdout);
        let err = collect(stderr);
        drop(dir);
        let Some(status) = status else {
            return Ok(vec![problem(
                entry,
                ex.fence_line,
                format!(
                    "[{on}] example did not finish within {} s; it was stopped with everything it started",
                    timeout.as_secs()
                ),
            )]);
        };
        let truncated = |c: &Captured, name: &str| {
            (c.dropped > 0).then(|| {
                format!(
                    "\n    ({name} cut at {} MB; {} more bytes were dropped)",
                    OUTPUT_CAP >> 20,
                    c.dropped
                )
            })
        };
        let note: String = [truncated(&out, "stdout"), truncated(&err, "stderr")]
            .into_iter()
            .flatten()
            .collect();
        match ex.lang {
            Lang::Python if status.success() => Ok(Vec::new()),
            Lang::Python => {
                let line = traceback_line(&err.text, "example.py")
                    .map_or(ex.fence_line, |n| first_code_line + n - 1);
                Ok(vec![problem(
                    entry,
                    line,
                    format!(
                        "[{on}] python example failed ({status}):\n{}{note}",
                        indent(err.text.trim_end())
                    ),
                )])
            }
            Lang::Pycon => {
                if !status.success() {
                    return Ok(vec![problem(
                        entry,
                        ex.fence_line,
                        format!(
                            "[{on}] pycon example could not run ({status}):\n{}{note}",
                            indent(err.text.trim_end())
                        ),
                    )]);
                }
                let failures: Vec<DoctestFailure> = serde_json::from_str(&out.text)
                    .with_context(|| format!("unexpected doctest output{note}"))?;
                Ok(failures
                    .into_iter()
                    .map(|f| {
                        problem(
                            entry,
                            first_code_line + f.line,
                            format!(
                                "[{on}] pycon output differs:\n{}\n    expected:\n{}\n    got:\n{}",
                                indent(&prompted(&f.source)),
                                indent_more(&f.want),
                                indent_more(&f.got)
                            ),
                        )
                    })
                    .collect())
            }
        }
    })();
    result.unwrap_or_else(|err| {
        vec![problem(
            entry,
            ex.fence_line,
            format!("[{on}] cannot run the example: {err:#}"),
        )]
    })
}

/// The line (1-based, within the script) of the last traceback frame in `file`.
fn traceback_line(stderr: &str, file: &str) -> Option<usize> {
    stderr
        .lines()
        .rev()
        .filter(|l| l.trim_start().starts_with("File \"") && l.contains(file))
        .filter_map(|l| l.split(", line ").nth(1))
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .next()
}

fn prompted(source: &str) -> String {
    source
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{} {l}", if i == 0 { ">>>" } else { "..." }))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent_more(s: &str) -> String {
    if s.is_empty() {
        return "        (nothing)".into();
    }
    s.trim_end_matches('\n')
        .lines()
        .map(|l| format!("        {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::Origin;

    fn entry(body: &str) -> Entry {
        let text = format!("---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n{body}");
        Entry::parse(Origin::Builtin("c/x.md"), &text).unwrap()
    }

    #[test]
    fn finds_python_and_pycon_blocks_with_their_lines() {
        let e =
            entry("intro\n```python\nprint(1)\n```\n\n```pycon\n>>> 1\n1\n```\n```bash\nls\n```\n");
        let (ex, problems) = examples(&e);
        assert!(problems.is_empty());
        assert_eq!(ex.len(), 2);
        assert_eq!(
            (ex[0].lang, ex[0].fence_line, ex[0].code.as_str()),
            (Lang::Python, 8, "print(1)\n")
        );
        assert_eq!((ex[1].lang, ex[1].fence_line), (Lang::Pycon, 12));
    }

    #[test]
    fn skip_needs_a_reason_and_unknown_markers_are_problems() {
        let e = entry(
            "```python skip: needs a server\nx\n```\n```python nope\nx\n```\n```python skip:\nx\n```\n",
        );
        let (ex, problems) = examples(&e);
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].skip.as_deref(), Some("needs a server"));
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .message
                .contains("unknown code block marker `nope`")
        );
    }

    #[test]
    fn scopes_are_read_from_the_info_string() {
        let e = entry(
            "```pycon python>=3.12\n>>> 1\n1\n```\n```python python<3.12 sqlalchemy>=2.1 skip: no db\nx\n```\n```python python=>3\nx\n```\n",
        );
        let (ex, problems) = examples(&e);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].scope[0].to_string(), "python>=3.12");
        assert_eq!(
            ex[1]
                .scope
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>(),
            ["python<3.12", "sqlalchemy>=2.1"]
        );
        assert_eq!(ex[1].skip.as_deref(), Some("no db"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("`python=>3`"));
    }

    #[test]
    fn requirements_compare_versions_numerically() {
        let python = Interpreter {
            path: "python3".into(),
            implementation: "CPython".into(),
            version: vec![3, 12, 1],
            packages: [("sqlalchemy".to_string(), Some(vec![2, 0, 58]))].into(),
        };
        let holds = |s: &str| Requirement::parse(s).unwrap().holds(&python);
        assert!(holds("python>=3.12"));
        assert!(holds("python<3.13"));
        assert!(!holds("python<3.12"));
        assert!(holds("python==3.12.1"));
        assert!(holds("python!=3.11"));
        assert!(holds("python>3.9"), "3.12 is newer than 3.9, not older");
        assert!(holds("SQLAlchemy<2.1"));
        assert!(!holds("sqlalchemy>=2.1"));
        assert!(!holds("pandas>=1"), "a package it lacks meets nothing");
        assert_eq!(parse_version("2.1.0rc1"), Some(vec![2, 1, 0]));
        assert_eq!(parse_version("x"), None);
        assert_eq!(python.minor(), "3.12");
    }

    #[test]
    fn unclosed_fence_is_a_problem() {
        let e = entry("```python\nprint(1)\n");
        let (_, problems) = examples(&e);
        assert_eq!(problems[0].line, 7);
    }

    #[test]
    fn traceback_line_takes_the_last_frame_in_the_script() {
        let err = "Traceback (most recent call last):\n  File \"/tmp/x/example.py\", line 3, in <module>\n    f()\n  File \"/tmp/x/example.py\", line 2, in f\n  File \"/usr/lib/python3/x.py\", line 9\nValueError";
        assert_eq!(traceback_line(err, "example.py"), Some(2));
    }
}

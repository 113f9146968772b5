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

use guide::entry::{Entry, Problem};
use guide::examples::{self, Example, Lang, parse_version};

const HARNESS: &str = include_str!("doctest_harness.py");

/// Most bytes of an example's stdout or stderr that are kept; the rest is counted and dropped.
pub const OUTPUT_CAP: usize = 1 << 20;

/// How long output readers are waited for once an example's process group is gone: a
/// process that left the group (a daemon) may hold the pipe open for ever.
const READER_GRACE: Duration = Duration::from_millis(500);

fn problem(entry: &Entry, line: usize, message: impl Into<String>) -> Problem {
    Problem::new(&entry.origin, line, message)
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

    /// Whether an example's scope allows this interpreter.
    pub fn meets(&self, ex: &Example) -> bool {
        ex.scope
            .iter()
            .all(|r| r.holds(&self.version, &self.packages))
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
        let (examples, _) = examples::examples(entry);
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
                .filter(|&k| interpreters[k].meets(ex))
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
                        r.push((n, k, entry.id().to_string(), found));
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
    // An interpreter without the packages: one line a missing module, not one a failing
    // line of every example that imports it; the entries it stopped are left at that.
    let mut missing: BTreeMap<(usize, String), BTreeSet<String>> = BTreeMap::new();
    for (_, k, id, found) in &results {
        for p in found {
            if let Some(module) = missing_module(&p.message) {
                missing.entry((*k, module)).or_default().insert(id.clone());
            }
        }
    }
    let stopped: BTreeSet<(usize, &String)> = missing
        .iter()
        .flat_map(|((k, _), ids)| ids.iter().map(move |id| (*k, id)))
        .collect();
    // The versions on which each entry had a failure.
    let mut failed: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (_, k, id, found) in &results {
        if !found.is_empty() {
            failed.entry(id.clone()).or_default().insert(*k);
        }
        if !stopped.contains(&(*k, id)) {
            report.problems.extend(found.iter().cloned());
        }
    }
    for ((k, module), ids) in &missing {
        let python = &interpreters[*k];
        let first = per_entry
            .iter()
            .find(|(e, _)| ids.contains(e.id()))
            .map(|(e, _)| e);
        let Some(first) = first else { continue };
        report.problems.push(Problem::new(
            &first.origin,
            first.body_line,
            format!(
                "[{}] cannot import `{module}`, needed by `{}`{}: install the packages the guide is verified against into this Python with `{} -m pip install -r kb/requirements.txt` (from pyguide's repository; kb/requirements-3.10.txt for Python 3.10); those entries' other examples were not checked",
                python.label(),
                first.id(),
                match ids.len() {
                    1 => String::new(),
                    n => format!(" and {} more entries", n - 1),
                },
                python.path.display()
            ),
        ));
    }
    // An entry stopped by a missing package already has its line.
    let failed: BTreeMap<String, BTreeSet<usize>> = failed
        .into_iter()
        .map(|(id, ks)| {
            let ks = ks
                .into_iter()
                .filter(|k| !stopped.contains(&(*k, &id)))
                .collect();
            (id, ks)
        })
        .collect();
    let unverifiable: BTreeSet<(usize, String)> =
        stopped.iter().map(|(k, id)| (*k, (*id).clone())).collect();
    report.problems.extend(
        verified_problems(&per_entry, interpreters, &failed, strict)
            .into_iter()
            .filter(|p| {
                !per_entry.iter().any(|(e, _)| {
                    e.origin == p.origin
                        && (0..interpreters.len())
                            .any(|k| unverifiable.contains(&(k, e.id().to_string())))
                })
            }),
    );
    Ok(report)
}

/// The module a failure could not import (`ModuleNotFoundError: No module named 'django'`),
/// by its top-level package.
fn missing_module(message: &str) -> Option<String> {
    let at = message.find("No module named ")?;
    let rest = message[at + "No module named ".len()..].trim_start_matches('\'');
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let name = rest[..end].split('.').next()?;
    (!name.is_empty()).then(|| name.to_string())
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
        for claimed in &entry.meta.verified {
            let ran: Vec<usize> = (0..interpreters.len())
                .filter(|&k| &interpreters[k].minor() == claimed)
                .filter(|&k| {
                    examples
                        .iter()
                        .any(|ex| ex.skip.is_none() && interpreters[k].meets(ex))
                })
                .collect();
            let failed_here = failed.get(entry.id());
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

    #[test]
    fn traceback_line_takes_the_last_frame_in_the_script() {
        let err = "Traceback (most recent call last):\n  File \"/tmp/x/example.py\", line 3, in <module>\n    f()\n  File \"/tmp/x/example.py\", line 2, in f\n  File \"/usr/lib/python3/x.py\", line 9\nValueError";
        assert_eq!(traceback_line(err, "example.py"), Some(2));
    }
}

//! `check --exec`: runs every example of the given entries, so what the guide shows is true.
//!
//! A ```` ```python ```` block runs as a script and must exit 0; a ```` ```pycon ```` block is
//! a `>>>` session checked by Python's own doctest (ELLIPSIS on), so its shown output must be
//! the real output. Each block runs alone, in a fresh temporary folder, with a timeout. A
//! fence written ```` ```python skip: reason ```` is not run (and the reason is required).
//! Failures are problems on the file line of the failing statement.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use std::{fs, thread};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::kb::{Entry, Problem};

const HARNESS: &str = include_str!("doctest_harness.py");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Pycon,
}

/// One fenced example of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub lang: Lang,
    pub code: String,
    /// File line of the fence that opens the block.
    pub fence_line: usize,
    /// `Some(reason)` for a block marked `skip: reason`.
    pub skip: Option<String>,
}

/// The python and pycon examples of an entry's body, with their file lines; a malformed skip
/// marker or an unclosed fence is a problem.
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
        let rest = rest.trim();
        let skip = if rest.is_empty() {
            None
        } else if let Some(reason) = rest
            .strip_prefix("skip:")
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(reason.to_string())
        } else {
            problems.push(problem(
                entry,
                fence_line,
                format!("unknown code block marker `{rest}`: write `{lang_word} skip: <why it cannot run>` or nothing"),
            ));
            continue;
        };
        out.push(Example {
            lang,
            code,
            fence_line,
            skip,
        });
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

fn problem(entry: &Entry, line: usize, message: impl Into<String>) -> Problem {
    Problem {
        origin: entry.origin.clone(),
        line,
        message: message.into(),
    }
}

/// Problems in the code blocks themselves (unclosed fence, unknown marker, a second skip),
/// found without running anything.
pub fn block_problems(entries: &[Entry]) -> Vec<Problem> {
    entries.iter().flat_map(|e| examples(e).1).collect()
}

#[derive(Debug, Default)]
pub struct Report {
    pub run: usize,
    pub skipped: usize,
    pub problems: Vec<Problem>,
}

/// Runs every example of `entries` with `python`, several at a time.
pub fn run_all(entries: &[Entry], python: &Path, timeout: Duration) -> Result<Report> {
    // Examples run in their own folders: a relative interpreter path must not move with them.
    let absolute;
    let python = if python.components().count() > 1 {
        absolute = std::path::absolute(python)
            .with_context(|| format!("cannot resolve {}", python.display()))?;
        absolute.as_path()
    } else {
        python
    };
    check_python(python)?;
    let mut report = Report::default();
    let mut jobs = Vec::new();
    for entry in entries {
        // Malformed blocks are `check`'s static problems (see `block_problems`), found anyway.
        let (examples, _) = examples(entry);
        for ex in examples {
            if ex.skip.is_some() {
                report.skipped += 1;
            } else {
                jobs.push((entry, ex));
            }
        }
    }
    report.run = jobs.len();
    let queue = Mutex::new(jobs.into_iter().enumerate());
    let results = Mutex::new(Vec::new());
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                    let Some((k, (entry, ex))) = next else { break };
                    let found = run_one(entry, &ex, python, timeout);
                    if let Ok(mut r) = results.lock() {
                        r.push((k, found));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(k, _)| *k);
    for (_, found) in results {
        report.problems.extend(found);
    }
    Ok(report)
}

fn check_python(python: &Path) -> Result<()> {
    let status = Command::new(python)
        .args(["-c", "import doctest"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!(
            "{} does not work as a Python interpreter ({s})",
            python.display()
        ),
        Err(e) => bail!(
            "cannot run {}: {e}; pass the interpreter with --python PATH",
            python.display()
        ),
    }
}

#[derive(Deserialize)]
struct DoctestFailure {
    line: usize,
    source: String,
    want: String,
    got: String,
}

/// Runs one example in a fresh temporary folder; the problems it found.
fn run_one(entry: &Entry, ex: &Example, python: &Path, timeout: Duration) -> Vec<Problem> {
    let result = (|| -> Result<Vec<Problem>> {
        let dir = tempfile::Builder::new()
            .prefix("pyguide-example-")
            .tempdir()
            .context("cannot create a temporary folder")?;
        let first_code_line = ex.fence_line + 1;
        let (script, args): (PathBuf, Vec<PathBuf>) = match ex.lang {
            Lang::Python => {
                let path = dir.path().join("example.py");
                fs::write(&path, &ex.code)?;
                (path.clone(), vec![path])
            }
            Lang::Pycon => {
                let harness = dir.path().join("pyguide_doctest.py");
                fs::write(&harness, HARNESS)?;
                let path = dir.path().join("example.pycon");
                fs::write(&path, &ex.code)?;
                (path.clone(), vec![harness, path])
            }
        };
        let _ = script;
        let mut child = Command::new(python)
            .args(&args)
            .current_dir(dir.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONHASHSEED", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {}", python.display()))?;
        // Read both pipes on threads so a chatty example cannot fill one and stall.
        let mut stdout = child.stdout.take().context("no stdout")?;
        let mut stderr = child.stderr.take().context("no stderr")?;
        let out_thread = thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err_thread = thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if start.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(5));
        };
        let out = out_thread.join().unwrap_or_default();
        let err = err_thread.join().unwrap_or_default();
        let Some(status) = status else {
            return Ok(vec![problem(
                entry,
                ex.fence_line,
                format!("example did not finish within {} s", timeout.as_secs()),
            )]);
        };
        match ex.lang {
            Lang::Python if status.success() => Ok(Vec::new()),
            Lang::Python => {
                let line = traceback_line(&err, "example.py")
                    .map_or(ex.fence_line, |n| first_code_line + n - 1);
                Ok(vec![problem(
                    entry,
                    line,
                    format!(
                        "python example failed ({status}):\n{}",
                        indent(err.trim_end())
                    ),
                )])
            }
            Lang::Pycon => {
                if !status.success() {
                    return Ok(vec![problem(
                        entry,
                        ex.fence_line,
                        format!(
                            "pycon example could not run ({status}):\n{}",
                            indent(err.trim_end())
                        ),
                    )]);
                }
                let failures: Vec<DoctestFailure> = serde_json::from_str(&out)
                    .with_context(|| format!("unexpected doctest output: {out}"))?;
                Ok(failures
                    .into_iter()
                    .map(|f| {
                        problem(
                            entry,
                            first_code_line + f.line,
                            format!(
                                "pycon output differs:\n{}\n    expected:\n{}\n    got:\n{}",
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
            format!("cannot run the example: {err:#}"),
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

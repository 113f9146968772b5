//! pyguide: a fast, offline guide to how Python really works.
//!
//! Data flows one way: `Paths -> kb (entries) -> index (build/open) -> search (hits) -> render
//! (strings) -> term (stdout)`. `main` parses, runs, reports the error once and picks the exit
//! code: 0 found, 1 nothing found or problems found, 2 usage or runtime error.

mod builtin;
mod cli;
mod exec;
mod fresh;
mod index;
mod kb;
mod paths;
mod render;
mod search;
mod snippet;
mod term;
mod text;
mod vocab;

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{Cli, Command};
use index::{Guide, Stored};
use kb::{Entry, Problem};
use paths::Paths;
use render::Style;
use term::Term;

fn main() -> ExitCode {
    let cli = Cli::parse_from(cli::with_default_subcommand(std::env::args_os().collect()));
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr(), "pyguide: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A reader that went away (`pyguide list | head -1`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Runs one command; `Ok(false)` means nothing found or problems found.
fn run(cli: Cli) -> Result<bool> {
    let paths = Paths::resolve(&cli.kb)?;
    let term = Term::detect(cli.color, cli.no_pager);
    let style = Style {
        color: term.color,
        width: term.width,
        piped: !term.is_tty && !term.color,
    };
    match cli.command {
        Command::Search {
            query,
            limit,
            category,
            json,
        } => {
            let guide = open_guide(&paths)?;
            let query = query.join(" ");
            let opts = search::Options { limit, category };
            let outcome = search::search(&guide, &query, &opts)?;
            if let Some(corrected) = &outcome.corrected {
                warn(&format!(
                    "no entry has `{query}`; showing results for `{corrected}`"
                ));
            }
            if outcome.hits.is_empty() {
                if json {
                    term.emit("[]\n")?;
                }
                not_found(&format!("no entry matches `{query}`"), &outcome.suggestions);
                return Ok(false);
            }
            let text = if json {
                render::hits_json(&outcome.hits)
            } else {
                render::hits(&outcome.hits, style)
            };
            term.emit(&text)?;
            Ok(true)
        }
        Command::Show { topic } => {
            let words = topic.join(" ");
            // Without entries of the user's own, a named built-in entry needs no index.
            if user_roots(&paths).is_empty()
                && let Some(meta) = kb::find_builtin(&words)
            {
                let entry = kb::builtin_entry(meta);
                let related: Vec<Stored> = meta
                    .related
                    .iter()
                    .filter_map(|id| kb::builtin_meta(id))
                    .map(Stored::builtin)
                    .collect();
                term.emit(&render::entry(&entry, &related, style))?;
                return Ok(true);
            }
            let guide = open_guide(&paths)?;
            let Some(found) = resolve(&guide, &words)? else {
                let outcome = search::search(
                    &guide,
                    &words,
                    &search::Options {
                        limit: 1,
                        category: None,
                    },
                )?;
                not_found(&format!("no entry for `{words}`"), &outcome.suggestions);
                return Ok(false);
            };
            let entry = read_entry(&found)?;
            let mut related = Vec::new();
            for id in &entry.related {
                related.extend(guide.exact(guide.fields.id, id)?);
            }
            term.emit(&render::entry(&entry, &related, style))?;
            Ok(true)
        }
        Command::List { category, json } => {
            let guide = open_guide(&paths)?;
            let mut entries = guide.all()?;
            if let Some(c) = &category {
                entries.retain(|e| &e.category == c);
                if entries.is_empty() {
                    let mut known: Vec<String> =
                        guide.all()?.into_iter().map(|e| e.category).collect();
                    known.dedup();
                    not_found(&format!("no category `{c}`"), &known);
                    return Ok(false);
                }
            }
            let text = if json {
                render::list_json(&entries)
            } else {
                render::list(&entries, style)
            };
            term.emit(&text)?;
            Ok(true)
        }
        Command::Index => {
            let roots = user_roots(&paths);
            let mut out = io::stdout().lock();
            if roots.is_empty() {
                let count = Guide::builtin()?.all()?.len();
                writeln!(
                    out,
                    "{count} built-in entries, indexed when pyguide was built; no entries of your own to index (see `pyguide paths`)"
                )?;
                return Ok(true);
            }
            let fingerprint = index::fingerprint(builtin::FINGERPRINT);
            let opened = Guide::rebuild(&paths.cache_dir, &fingerprint, &roots)?;
            for p in &opened.problems {
                warn(&format!("warning: skipped {p}"));
            }
            if let Some(err) = opened.unsaved {
                return Err(err.context("the index was built but could not be saved"));
            }
            let count = opened.built.map_or(0, |b| b.entries);
            writeln!(
                out,
                "indexed {count} entries into {}",
                paths.cache_dir.display()
            )?;
            Ok(true)
        }
        Command::Check {
            dirs,
            exec,
            python,
            timeout,
        } => check(
            &paths,
            &dirs,
            exec.then(|| (python, Duration::from_secs(timeout))),
        ),
        Command::Paths => {
            let mut out = io::stdout().lock();
            for dir in &paths.kb_dirs {
                let why = match dir.source {
                    paths::KbSource::Flag => "--kb",
                    paths::KbSource::EnvVar => "PYGUIDE_KB_PATH",
                    paths::KbSource::Default => "default",
                };
                let state = if dir.path.exists() {
                    ""
                } else {
                    " (does not exist yet)"
                };
                writeln!(out, "kb ({why}):\t{}{state}", dir.path.display())?;
            }
            writeln!(out, "index:\t{}", paths.cache_dir.display())?;
            writeln!(out, "config:\t{}", paths.config_file.display())?;
            Ok(true)
        }
    }
}

fn warn(message: &str) {
    let _ = writeln!(io::stderr(), "pyguide: {message}");
}

/// Reports that nothing was found, with suggestions, on stderr.
fn not_found(message: &str, suggestions: &[String]) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "pyguide: {message}");
    if !suggestions.is_empty() {
        let _ = writeln!(err, "did you mean: {}?", suggestions.join(", "));
    }
}

/// Every file of the user's KB folders, in precedence order.
fn user_files(paths: &Paths) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for dir in &paths.kb_dirs {
        let (f, p) = kb::entry_files(&dir.path);
        files.extend(f);
        problems.extend(p);
    }
    (files, problems)
}

/// The index, fresh. Without KB folders of the user's it is the built-in index in the binary;
/// otherwise the cache folder's, kept up to date (in memory if the cache folder cannot be
/// written). Problems in the user's files are reported when they are (re)indexed.
fn open_guide(paths: &Paths) -> Result<Guide> {
    for dir in &paths.missing_env_dirs {
        warn(&format!(
            "warning: PYGUIDE_KB_PATH names {}, which does not exist",
            dir.display()
        ));
    }
    let roots = user_roots(paths);
    if roots.is_empty() {
        return Guide::builtin();
    }
    let fingerprint = index::fingerprint(builtin::FINGERPRINT);
    let opened = Guide::open(&paths.cache_dir, &fingerprint, &roots)?;
    report(&opened);
    Ok(opened.guide)
}

/// The user's KB folders that exist, in precedence order.
fn user_roots(paths: &Paths) -> Vec<PathBuf> {
    paths
        .kb_dirs
        .iter()
        .filter(|d| d.path.exists())
        .map(|d| d.path.clone())
        .collect()
}

fn report(opened: &index::Opened) {
    for p in &opened.problems {
        warn(&format!("warning: skipped {p}"));
    }
    if let Some(err) = &opened.unsaved {
        warn(&format!(
            "warning: {err:#}; searching without a saved index"
        ));
    }
}

/// `show`'s lookup: id, then alias, then the loose name, then the best search hit.
fn resolve(guide: &Guide, words: &str) -> Result<Option<Stored>> {
    let f = guide.fields;
    if let Some(found) = guide.exact(f.id, words)?.into_iter().next() {
        return Ok(Some(found));
    }
    for key in [
        format!("a:{words}"),
        format!("l:{}", text::loose_key(words)),
    ] {
        let found = guide.exact(f.key, &key)?;
        if found.len() == 1 {
            return Ok(found.into_iter().next());
        }
    }
    let outcome = search::search(
        guide,
        words,
        &search::Options {
            limit: 1,
            category: None,
        },
    )?;
    Ok(outcome.hits.into_iter().next().map(|h| h.entry))
}

fn read_entry(stored: &Stored) -> Result<Entry> {
    let text = stored
        .origin
        .read()
        .map_err(|p| anyhow::anyhow!("{p}"))
        .with_context(|| format!("cannot read the entry `{}`", stored.id))?;
    Entry::parse(stored.origin.clone(), &text).map_err(|p| anyhow::anyhow!("{p}"))
}

/// `check`: every problem as path:line on stdout, a summary on stderr.
fn check(
    paths: &Paths,
    dirs: &[PathBuf],
    exec: Option<(Option<PathBuf>, Duration)>,
) -> Result<bool> {
    let (builtin, mut problems) = kb::builtin_entries();
    let mut checked = Vec::new();
    let mut files = 0;
    if dirs.is_empty() {
        let (user_paths, scan_problems) = user_files(paths);
        problems.extend(scan_problems);
        files += user_paths.len() + builtin.len();
        let (user, parse_problems) = kb::parse_files(&user_paths);
        problems.extend(parse_problems);
        let (user, dup) = kb::merge(user, Vec::new());
        problems.extend(dup);
        let (builtin_checked, dup) = kb::merge(builtin.clone(), Vec::new());
        problems.extend(dup);
        checked.extend(user);
        checked.extend(builtin_checked);
    } else {
        for dir in dirs {
            if !dir.exists() {
                anyhow::bail!("{}: no such file or folder", dir.display());
            }
        }
        let mut all_files = Vec::new();
        for dir in dirs {
            let (f, p) = kb::entry_files(dir);
            all_files.extend(f);
            problems.extend(p);
        }
        files += all_files.len();
        let (entries, parse_problems) = kb::parse_files(&all_files);
        problems.extend(parse_problems);
        let (entries, dup) = kb::merge(entries, Vec::new());
        problems.extend(dup);
        checked = entries;
    }
    let known: HashSet<&str> = checked
        .iter()
        .chain(&builtin)
        .map(|e| e.id.as_str())
        .collect();
    problems.extend(kb::lint(&checked, &known));
    problems.extend(exec::block_problems(&checked));

    let mut summary = format!(
        "{} in {}",
        count(checked.len(), "entry", "entries"),
        count(files, "file", "files")
    );
    if let Some((python, timeout)) = exec {
        let python = python.unwrap_or_else(|| PathBuf::from("python3"));
        let report = exec::run_all(&checked, &python, timeout)?;
        summary.push_str(&format!(
            "; {} run, {} skipped",
            count(report.run, "example", "examples"),
            report.skipped
        ));
        problems.extend(report.problems);
    }
    let mut out = io::stdout().lock();
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    let verdict = match problems.len() {
        0 => "no problems".to_string(),
        n => count(n, "problem", "problems"),
    };
    warn(&format!("checked {summary}: {verdict}"));
    Ok(problems.is_empty())
}

/// "1 entry", "3 entries".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

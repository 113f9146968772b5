//! Running commands: `run` settles the configuration, then is a `match` on the command; each
//! arm makes a few calls down the chain (paths -> kb -> index -> search -> render -> term).

use std::collections::HashSet;
use std::env;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::CommandFactory;

use crate::builtin;
use crate::cli::{Cli, Command, Theme};
use crate::config::Config;
use crate::exec;
use crate::highlight;
use crate::index::{self, Guide, Stored};
use crate::kb::{self, Entry, Problem};
use crate::paths::{self, Paths};
use crate::render::{self, Style};
use crate::search;
use crate::term::{self, Term};
use crate::text;

/// Runs one command; `Ok(false)` means nothing found or problems found.
pub fn run(cli: Cli) -> Result<bool> {
    let config = Config::load(&paths::config_file()?)?;
    let paths = Paths::resolve(&cli.kb, &config.kb)?;
    let term = Term::detect(cli.color, cli.no_pager, config.pager.as_deref());
    let style = Style {
        color: term.color,
        width: term.width,
        piped: !term.is_tty && !term.color,
        theme: cli.theme.or(config.theme).unwrap_or(Theme::Dark),
        truecolor: term.truecolor,
    };
    match cli.command {
        Command::Search {
            query,
            limit,
            category,
            json,
            ids,
        } => {
            let query = query.join(" ");
            if query.trim().is_empty() {
                bail!("the query is empty: give some words, like `pyguide search lazy queryset`");
            }
            let guide = open_guide(&paths)?;
            let limit = limit.or(config.limit).unwrap_or(10);
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
            } else if ids {
                render::ids(&outcome.hits)
            } else {
                render::hits(&outcome.hits, style)
            };
            term.emit(&text)?;
            Ok(true)
        }
        Command::Show { topic } => {
            let words = topic.join(" ");
            if words.trim().is_empty() {
                bail!(
                    "the topic is empty: give an id or some words, like `pyguide show decorators`"
                );
            }
            // Without entries of the user's own, a named built-in entry needs no index.
            if paths.existing_kb_dirs().is_empty()
                && let Some(meta) = kb::find_builtin(&words)
            {
                let entry = kb::builtin_entry(meta);
                let related: Vec<Stored> = meta
                    .related
                    .iter()
                    .filter_map(|id| kb::builtin_meta(id))
                    .map(Stored::builtin)
                    .collect();
                let mut colors = highlight::Colors::new(style.theme, None);
                let text = render::entry(&entry, &related, style, &mut |lang, code| {
                    colors.runs(lang, code)
                });
                term.emit(&text)?;
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
            show_stored(&guide, &found, &term, style, &paths)
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
            let roots = paths.existing_kb_dirs();
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
            all_pythons,
            strict,
            verbose,
            timeout,
        } => {
            let exec = exec.then(|| Exec {
                pythons: if all_pythons {
                    exec::find_interpreters()
                } else if python.is_empty() {
                    vec![PathBuf::from("python3")]
                } else {
                    python
                },
                all_pythons,
                verbose,
                timeout: Duration::from_secs(timeout),
            });
            check(&paths, &dirs, exec, strict)
        }
        Command::Paths => {
            let mut out = io::stdout().lock();
            for dir in &paths.kb_dirs {
                let why = match dir.source {
                    paths::KbSource::Flag => "--kb",
                    paths::KbSource::EnvVar => "PYGUIDE_KB_PATH",
                    paths::KbSource::Config => "config",
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
            let state = if paths.config_file.exists() {
                ""
            } else {
                " (does not exist yet)"
            };
            writeln!(out, "config:\t{}{state}", paths.config_file.display())?;
            Ok(true)
        }
        Command::New { id, category } => new_entry(&paths, &id, &category),
        Command::Edit { topic } => edit_entry(&paths, &topic.join(" ")),
        Command::Random { category } => {
            let guide = open_guide(&paths)?;
            let mut all = guide.all()?;
            if let Some(c) = &category {
                all.retain(|e| &e.category == c);
            }
            if all.is_empty() {
                not_found("no entries to choose from", &[]);
                return Ok(false);
            }
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos() as usize);
            let pick = &all[nanos % all.len()];
            show_stored(&guide, pick, &term, style, &paths)
        }
        Command::Man => {
            let mut roff = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut roff)
                .context("cannot render the manual page")?;
            // In a terminal, let man(1) typeset it; piped (or without man), the roff source,
            // for `pyguide man > pyguide.1`.
            if !(term.is_tty && term::show_manual(&roff)) {
                term.emit(&String::from_utf8_lossy(&roff))?;
            }
            Ok(true)
        }
    }
}

/// Renders one entry with its related entries' summaries.
fn show_stored(
    guide: &Guide,
    found: &Stored,
    term: &Term,
    style: Style,
    paths: &Paths,
) -> Result<bool> {
    let entry = read_entry(found)?;
    let mut related = Vec::new();
    for id in &entry.related {
        related.extend(guide.exact(guide.fields.id, id)?);
    }
    // A user's code is highlighted once, then its colours are read from the cache.
    let cache = (!found.origin.is_builtin()).then_some(paths.cache_dir.as_path());
    let mut colors = highlight::Colors::new(style.theme, cache);
    let text = render::entry(&entry, &related, style, &mut |lang, code| {
        colors.runs(lang, code)
    });
    term.emit(&text)?;
    Ok(true)
}

/// A message on stderr. What the user typed may be in it: control characters are neutralised
/// like an entry's text.
pub fn warn(message: &str) {
    let _ = writeln!(io::stderr(), "pyguide: {}", render::sanitize(message));
}

/// Reports that nothing was found, with suggestions, on stderr.
fn not_found(message: &str, suggestions: &[String]) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "pyguide: {}", render::sanitize(message));
    if !suggestions.is_empty() {
        let _ = writeln!(
            err,
            "did you mean: {}?",
            render::sanitize(&suggestions.join(", "))
        );
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
    let roots = paths.existing_kb_dirs();
    if roots.is_empty() {
        return Guide::builtin();
    }
    let fingerprint = index::fingerprint(builtin::FINGERPRINT);
    let opened = Guide::open(&paths.cache_dir, &fingerprint, &roots)?;
    report(&opened);
    if env::var_os("PYGUIDE_TIMINGS").is_some() {
        warn(&format!(
            "timing: freshness check {} µs",
            opened.check_took.as_micros()
        ));
    }
    Ok(opened.guide)
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

/// How `check --exec` runs examples.
struct Exec {
    pythons: Vec<PathBuf>,
    all_pythons: bool,
    verbose: bool,
    timeout: Duration,
}

/// `check`: every problem as path:line on stdout, a summary on stderr. Without folders, the
/// built-in guide (held to its standard) and the user's KB folders are checked, and only the
/// built-in guide's examples run: a user's code runs only when its folder is named.
fn check(paths: &Paths, dirs: &[PathBuf], exec: Option<Exec>, strict: bool) -> Result<bool> {
    let (builtin, mut problems) = kb::builtin_entries();
    let mut checked = Vec::new();
    let mut files = 0;
    let run: Vec<Entry>;
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
        if strict {
            problems.extend(user.iter().flat_map(exec::standard_problems));
            problems.extend(builtin_checked.iter().flat_map(exec::standard_problems));
        }
        run = builtin_checked.clone();
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
        if strict {
            problems.extend(entries.iter().flat_map(exec::standard_problems));
        }
        run = entries.clone();
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
    if let Some(exec) = exec {
        if exec.pythons.is_empty() {
            bail!(
                "--all-pythons found no CPython 3.10 or later (looked in ~/.pyenv/versions and for python3.N on PATH)"
            );
        }
        let report = exec::run_all(&run, &exec.pythons, exec.timeout, strict)?;
        let on: Vec<String> = report.interpreters.iter().map(|p| p.label()).collect();
        if exec.all_pythons || exec.verbose {
            for p in &report.interpreters {
                warn(&format!("{}: {}", p.label(), p.path.display()));
            }
        }
        summary.push_str(&format!(
            "; {} run on {} ({} runs), {} skipped",
            count(report.run, "example", "examples"),
            on.join(", "),
            report.runs,
            report.skipped
        ));
        if !report.not_run.is_empty() {
            summary.push_str(&format!(
                ", {} for versions not given",
                report.not_run.len()
            ));
        }
        if exec.verbose {
            let mut out = io::stdout().lock();
            for (at, on) in &report.ran_on {
                let versions: Vec<String> = on
                    .iter()
                    .map(|&k| report.interpreters[k].version_string())
                    .collect();
                writeln!(
                    out,
                    "{}:{}: ran on {}",
                    at.origin,
                    at.line,
                    versions.join(" ")
                )?;
            }
            for (at, scope) in &report.not_run {
                writeln!(out, "{}:{}: not run: needs {scope}", at.origin, at.line)?;
            }
        }
        problems.extend(report.problems);
    }
    let mut out = io::stdout().lock();
    for p in &problems {
        writeln!(out, "{}", render::sanitize(&p.to_string()))?;
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

/// `pyguide new`: writes a valid entry into the user's KB folder (never over an existing
/// file), opens the editor, then checks what was saved.
fn new_entry(paths: &Paths, id: &str, category: &str) -> Result<bool> {
    if !kb::is_slug(id) {
        bail!(
            "`{id}` is not an id: use lowercase letters, digits and single hyphens, like `my-notes`"
        );
    }
    if !kb::is_slug(category) {
        bail!("`{category}` is not a category: use lowercase letters, digits and hyphens");
    }
    let guide = open_guide(paths)?;
    if let Some(existing) = guide.exact(guide.fields.id, id)?.into_iter().next() {
        bail!(
            "`{id}` already exists ({}); `pyguide edit {id}` opens it",
            existing.origin
        );
    }
    let path = paths.user_kb_dir().join(category).join(format!("{id}.md"));
    let title = id.replace('-', " ");
    let text = format!(
        "---\nid: {id}\ntitle: \"{title}\"\nsummary: \"One line on what this explains\"\ncategory: {category}\naliases: []\ntags: []\nrelated: []\n---\n## How it works\n\nExplain the mechanism here.\n\n```python\nprint(\"an example that runs\")\n```\n"
    );
    create_new(&path, &text)?;
    warn(&format!("created {}", path.display()));
    edit_and_check(&path)
}

/// `pyguide edit`: opens the user's own entry; a built-in one is first copied to the user's
/// KB folder, where it replaces the built-in entry.
fn edit_entry(paths: &Paths, topic: &str) -> Result<bool> {
    let guide = open_guide(paths)?;
    let Some(found) = resolve(&guide, topic)? else {
        // A file of the user's that is broken is not in the index, and is just what needs
        // editing: found by its file name.
        if let Some(path) = user_file(paths, topic) {
            return edit_and_check(&path);
        }
        not_found(&format!("no entry for `{topic}`"), &[]);
        return Ok(false);
    };
    let path = match &found.origin {
        kb::Origin::User(path) => path.clone(),
        kb::Origin::Builtin(rel) => {
            let path = paths.user_kb_dir().join(rel);
            if !path.exists() {
                let text = found.origin.read().map_err(|p| anyhow::anyhow!("{p}"))?;
                create_new(&path, &text)?;
                warn(&format!(
                    "copied the built-in `{}` to {}; your copy now replaces it",
                    found.id,
                    path.display()
                ));
            }
            path
        }
    };
    edit_and_check(&path)
}

/// `<id>.md` in the user's KB folders, at any depth.
fn user_file(paths: &Paths, id: &str) -> Option<PathBuf> {
    let name = format!("{id}.md");
    user_files(paths)
        .0
        .into_iter()
        .find(|path| path.file_name().is_some_and(|n| n == name.as_str()))
}

/// Creates a file that must not exist yet (and its folders).
fn create_new(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Runs $VISUAL, then $EDITOR, else vi on the file; then checks the entry and reports each
/// problem as path:line (the file is left as the user saved it).
fn edit_and_check(path: &Path) -> Result<bool> {
    let editor = env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| env::var("EDITOR").ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = Process::new(program)
        .args(words)
        .arg(path)
        .status()
        .with_context(|| format!("cannot start the editor `{editor}` (set VISUAL or EDITOR)"))?;
    if !status.success() {
        bail!(
            "the editor `{editor}` exited with {status}; {} is kept as it is",
            path.display()
        );
    }
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match Entry::parse(kb::Origin::User(path.to_path_buf()), &text) {
        Ok(entry) => {
            let problems = exec::block_problems(std::slice::from_ref(&entry));
            for p in &problems {
                let _ = writeln!(io::stdout(), "{}", render::sanitize(&p.to_string()));
            }
            if problems.is_empty() {
                warn(&format!(
                    "`{}` is valid and indexed on the next search",
                    entry.id
                ));
            }
            Ok(problems.is_empty())
        }
        Err(problem) => {
            let _ = writeln!(io::stdout(), "{}", render::sanitize(&problem.to_string()));
            warn("the entry is saved as you left it; fix it and it will be indexed");
            Ok(false)
        }
    }
}

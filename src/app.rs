//! Running commands: settle the settings, then one small function per subcommand, each a
//! few calls down the chain (library -> search -> render -> term).

use std::collections::HashSet;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use guide::entry::{self, Entry, Meta, Origin};
use guide::{examples, markdown, standard, walk};

use crate::cli::{Cli, Command};
use crate::colors::Colors;
use crate::exec;
use crate::library::{self, Library};
use crate::packages;
use crate::render::{self, View};
use crate::search::{self, Hit, Outcome};
use crate::settings::{Format, Settings};
use crate::term::{self, one_line, warn};

/// Runs one command; `Ok(false)` means nothing found or problems found.
pub fn run(cli: Cli) -> Result<bool> {
    let s = Settings::resolve(&cli)?;
    let Some(command) = cli.command else {
        // In a terminal, the picker; piped (or TERM=dumb), the help.
        if s.terminal.is_tty && !s.terminal.dumb && io::stdin().is_terminal() {
            if let Some(err) = &s.config_error {
                bail!("{err:#}");
            }
            return crate::picker::run(&s, open(&s)?, "", &mut |lib, origin, section| {
                page_entry(&s, lib, origin, section)
            });
        }
        return no_command();
    };
    if let (Some(err), false) = (&s.config_error, matches!(command, Command::Paths)) {
        bail!("{err:#}");
    }
    for dir in s.paths.missing() {
        let what = if dir.path.exists() {
            "which is not a folder or a file".to_string()
        } else {
            match crate::paths::broken_link(&dir.path) {
                Some(link) => format!("where {link}"),
                None => "which does not exist".to_string(),
            }
        };
        warn(&format!(
            "warning: {} names {}, {what}",
            dir.source.name(),
            dir.path.display()
        ));
    }
    match command {
        Command::Search {
            query,
            limit,
            category,
            json,
            ids,
        } => {
            let format = if json {
                Format::Json
            } else if ids {
                Format::Ids
            } else {
                s.format
            };
            let limit = limit.map_or(s.limit, |n| n as usize);
            search(&s, &query.join(" "), limit, category, format)
        }
        Command::Show {
            topic,
            short,
            full,
            toc,
            section,
        } => {
            let how = if toc {
                How::Toc
            } else if short || (s.short && !full) {
                How::Short
            } else {
                How::Full
            };
            show(&s, &topic.join(" "), how, section.as_deref())
        }
        Command::List { category, json } => list(&s, category.as_deref(), json),
        Command::Index => index(&s),
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
            check(&s, &dirs, exec, strict)
        }
        Command::Paths => paths(&s),
        Command::New { id, category } => new_entry(&s, &id, &category),
        Command::Edit { topic } => edit_entry(&s, &topic.join(" ")),
        Command::Random { category, full } => random(&s, category.as_deref(), full),
        Command::Man { command } => man(&s, command.as_deref()),
        Command::Browse { query, bench_keys } => {
            let lib = open(&s)?;
            if let Some(keys) = bench_keys {
                return crate::picker::bench(&s, lib, &keys, (80, 24));
            }
            if !(s.terminal.is_tty && !s.terminal.dumb && io::stdin().is_terminal()) {
                bail!(
                    "browse needs a terminal (stdin and stdout, and TERM not dumb); use `pyguide search` in a pipe"
                );
            }
            crate::picker::run(&s, lib, &query.join(" "), &mut |lib, origin, section| {
                page_entry(&s, lib, origin, section)
            })
        }
    }
}

/// `pyguide` alone: the help, on stderr, as a usage error.
fn no_command() -> Result<bool> {
    let mut err = io::stderr().lock();
    write!(err, "{}", Cli::command().render_help())?;
    std::process::exit(2);
}

/// The guide, fresh, with what opening it found reported once.
fn open(s: &Settings) -> Result<Library> {
    let lib = Library::open(s.sources())?;
    report(&lib);
    if s.timings {
        warn(&format!(
            "timing: freshness check {} µs",
            lib.check_took.as_micros()
        ));
    }
    Ok(lib)
}

fn report(lib: &Library) {
    for p in &lib.problems {
        warn(&format!("warning: skipped {p}"));
    }
    for w in &lib.warnings {
        warn(&format!("warning: {w}"));
    }
    if let Some(why) = &lib.unsaved {
        warn(&format!(
            "warning: {why}; searching an index built in memory"
        ));
    }
}

/// Reports that nothing was found, with suggestions, on stderr.
fn not_found(message: &str, suggestions: &[String]) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "pyguide: {}", term::sanitize(message));
    if !suggestions.is_empty() {
        let _ = writeln!(
            err,
            "did you mean: {}?",
            term::sanitize(&suggestions.join(", "))
        );
    }
}

/// Whether a category exists; if not, says which do (as `list` does).
fn known_category(lib: &mut Library, category: &str) -> Result<bool> {
    let categories: Vec<String> = lib.categories()?.into_iter().map(|(c, _)| c).collect();
    if categories.iter().any(|c| c == category) {
        return Ok(true);
    }
    not_found(
        &format!(
            "no category `{category}`; the categories are: {}",
            categories.join(", ")
        ),
        &[],
    );
    Ok(false)
}

/// What the user typed, as a message quotes it: at most 80 characters.
fn quoted(words: &str) -> String {
    crate::render::truncate(&one_line(words), 80)
}

/// Runs a search; with `snippets`, each hit gets one (they are made from the entry's text,
/// which costs a read and a parse: only output that shows them asks).
fn run_search(
    lib: &mut Library,
    query: &str,
    limit: usize,
    category: Option<&str>,
    snippets: bool,
) -> Result<Outcome> {
    let opts = search::Options {
        limit,
        category: category.map(str::to_string),
        correct: true,
    };
    let none = |_: &Origin, _: Option<&search::SectionAt>| None;
    let texts: search::Texts = if snippets { &library::plain_of } else { &none };
    lib.guarded(|lib| search::search(lib.index(), query, &opts, texts))
}

fn search(
    s: &Settings,
    query: &str,
    limit: usize,
    category: Option<String>,
    format: Format,
) -> Result<bool> {
    if query.trim().is_empty() {
        bail!("the query is empty: give some words, like `pyguide search lazy queryset`");
    }
    let mut lib = open(s)?;
    if let Some(c) = &category
        && !known_category(&mut lib, c)?
    {
        return Ok(false);
    }
    let snippets = format != Format::Ids;
    let outcome = run_search(&mut lib, query, limit, category.as_deref(), snippets)?;
    let mut head = String::new();
    if let Some(corrected) = &outcome.corrected {
        let notice = format!(
            "pyguide: no entry has `{}`; showing results for `{}`",
            quoted(query),
            quoted(corrected)
        );
        // In a terminal the notice goes where the eye is: above the results (a pager would
        // hide stderr); piped, on stderr.
        if format == Format::Blocks {
            head = format!("{}\n\n", term::sanitize(&notice));
        } else {
            warn(notice.trim_start_matches("pyguide: "));
        }
    }
    if outcome.hits.is_empty() {
        if format == Format::Json {
            s.output.emit("[]\n", None)?;
        }
        not_found(
            &format!(
                "no entry matches `{}`{}",
                quoted(query),
                lacking(query, outcome.lacks.as_deref())
            ),
            &outcome.suggestions,
        );
        return Ok(false);
    }
    let confident = outcome.confident();
    if !confident {
        let message = format!(
            "no entry answers `{}` for sure{}; the closest:",
            quoted(query),
            lacking(query, outcome.lacks.as_deref())
        );
        if format == Format::Blocks {
            head.push_str(&format!("pyguide: {}\n\n", term::sanitize(&message)));
        } else {
            warn(&message);
        }
    }
    let body = match format {
        Format::Blocks => render::hits(&outcome.hits, s.style),
        Format::Plain => render::hits_tsv(&outcome.hits),
        Format::Json => render::hits_json(&outcome.hits),
        Format::Ids => render::ids(&outcome.hits),
    };
    s.output.emit(&(head + &body), None)?;
    Ok(confident)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Full,
    Short,
    Toc,
}

/// An entry as a topic resolves: the entry, the section asked for (`ID#anchor`, --section) or
/// matched (through search), and whether it came through search.
struct Resolved {
    origin: Origin,
    /// A section named explicitly: shown alone.
    section: Option<String>,
    /// The section a search matched: where the pager opens.
    matched: Option<search::SectionAt>,
}

/// `show`'s lookup: `ID#anchor`, then id, alias, loose name; then a confident search hit.
/// `None` (after saying so, with suggestions) when nothing answers the topic.
fn resolve(lib: &mut Library, words: &str, section: Option<&str>) -> Result<Option<Resolved>> {
    let (name, anchor) = match words.split_once('#') {
        Some((name, anchor)) => (name.trim(), Some(anchor.trim().to_lowercase())),
        None => (words.trim(), None),
    };
    if let Some(found) = lib.find(name)?
        && found.meta.is_some()
    {
        let entry = lib.read(&found.origin)?;
        let section = match (anchor, section) {
            (Some(anchor), _) => Some(section_by_anchor(&entry, &anchor)?),
            (None, Some(words)) => Some(section_by_words(&entry, words)?),
            (None, None) => None,
        };
        // A name for something inside the entry (an alias like `ExitStack`) that a section's
        // heading holds: the pager opens there.
        let matched = (found.id != name)
            .then(|| heading_naming(&entry, name))
            .flatten();
        return Ok(Some(Resolved {
            origin: found.origin,
            section,
            matched,
        }));
    }
    if anchor.is_some() {
        not_found(&format!("no entry `{name}`"), &[]);
        return Ok(None);
    }
    let outcome = run_search(lib, words, 3, None, false)?;
    let lacks = outcome.lacks;
    let mut hits = outcome.hits.into_iter();
    match hits.next() {
        Some(hit) if hit.confident => {
            let Hit {
                meta,
                origin,
                section: matched,
                ..
            } = hit;
            let how = match &matched {
                Some(s) => format!("`{}` § {}", meta.id, s.title),
                None => format!("`{}`", meta.id),
            };
            warn(&format!("showing {how} for `{}`", quoted(words)));
            let section = match section {
                Some(words) => Some(section_by_words(&lib.read(&origin)?, words)?),
                None => None,
            };
            Ok(Some(Resolved {
                origin,
                section,
                matched,
            }))
        }
        first => {
            // The closest entries (a sentence's answer is often among them), then typo fixes.
            let mut suggestions: Vec<String> = Vec::new();
            for id in first
                .into_iter()
                .chain(hits)
                .filter(|h| h.near)
                .map(|h| h.meta.id)
                .chain(outcome.suggestions)
            {
                if !suggestions.contains(&id) {
                    suggestions.push(id);
                }
            }
            not_found(
                &format!(
                    "no entry for `{}`{}",
                    quoted(words),
                    lacking(words, lacks.as_deref())
                ),
                &suggestions,
            );
            Ok(None)
        }
    }
}

/// `: the guide does not cover `pyqt5``, when the query names a package the guide lacks
/// (and is more than that name).
fn lacking(query: &str, lacks: Option<&str>) -> String {
    match lacks {
        Some(name) if !query.trim().eq_ignore_ascii_case(name) => {
            format!(": the guide does not cover `{}`", packages::shown(name))
        }
        _ => String::new(),
    }
}

fn section_by_anchor(entry: &Entry, anchor: &str) -> Result<String> {
    let sections = markdown::sections(&entry.body);
    if sections.iter().any(|s| s.anchor == anchor) {
        return Ok(anchor.to_string());
    }
    let known: Vec<String> = sections.into_iter().map(|s| s.anchor).collect();
    bail!(
        "`{}` has no section `{anchor}`; its sections: {}",
        entry.id(),
        known.join(", ")
    )
}

/// The section (not the short answer) whose heading holds the name, compared loosely.
fn heading_naming(entry: &Entry, name: &str) -> Option<search::SectionAt> {
    let key = guide::text::loose_key(name);
    markdown::sections(&entry.body)
        .into_iter()
        .filter(|s| !s.title.eq_ignore_ascii_case(standard::SHORT_ANSWER))
        .find(|s| guide::text::loose_key(&s.title).contains(&key))
        .map(|s| search::SectionAt {
            title: s.title,
            anchor: s.anchor,
            range: s.range,
        })
}

/// The section whose heading shares the most words with `words`.
fn section_by_words(entry: &Entry, words: &str) -> Result<String> {
    let wanted: HashSet<String> = words
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let best = markdown::sections(&entry.body)
        .into_iter()
        .map(|s| {
            let have: HashSet<String> = s
                .title
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .map(str::to_lowercase)
                .collect();
            (wanted.intersection(&have).count(), s.anchor)
        })
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n);
    match best {
        Some((_, anchor)) => Ok(anchor),
        None => bail!(
            "no section of `{}` is about `{words}` (`pyguide show --toc {}` lists them)",
            entry.id(),
            entry.id()
        ),
    }
}

fn show(s: &Settings, words: &str, how: How, section: Option<&str>) -> Result<bool> {
    if words.trim().is_empty() {
        bail!("the topic is empty: give an id or some words, like `pyguide show decorators`");
    }
    let mut lib = open(s)?;
    let Some(resolved) = resolve(&mut lib, words, section)? else {
        return Ok(false);
    };
    let entry = lib.read(&resolved.origin)?;
    if how == How::Toc {
        s.output.emit(&render::toc(&entry, s.style), None)?;
        return Ok(true);
    }
    let view = match (&resolved.section, how) {
        (Some(anchor), _) => View::Section(anchor.clone()),
        (None, How::Short) => View::Short,
        // Piped, the whole entry as it is; in a terminal, opening at the matched section.
        (None, _) if s.render_entries => {
            View::Full(resolved.matched.as_ref().map(|m| m.anchor.clone()))
        }
        (None, _) => View::Full(None),
    };
    let related = related(&mut lib, &entry)?;
    emit_entry(s, &lib, &entry, &related, &view)
}

/// The entries an entry links to, for its "See also" line.
fn related(lib: &mut Library, entry: &Entry) -> Result<Vec<Meta>> {
    Ok(lib
        .by_ids(&entry.meta.related)?
        .into_iter()
        .filter_map(|f| f.meta)
        .collect())
}

/// Shows a picked entry through the pager, opening at its matched section.
fn page_entry(
    s: &Settings,
    lib: &mut Library,
    origin: &Origin,
    section: Option<&search::SectionAt>,
) -> Result<bool> {
    let entry = lib.read(origin)?;
    let related = related(lib, &entry)?;
    let view = View::Full(section.map(|m| m.anchor.clone()));
    emit_entry(s, lib, &entry, &related, &view)
}

fn emit_entry(
    s: &Settings,
    lib: &Library,
    entry: &Entry,
    related: &[Meta],
    view: &View,
) -> Result<bool> {
    match s.render_entries {
        true => {
            let store = (!entry.origin.is_builtin()).then(|| lib.store()).flatten();
            let mut colors = Colors::new(s.style.theme, store);
            let (text, start) = render::entry(entry, related, view, s.style, &mut |lang, code| {
                colors.runs(lang, code)
            });
            s.output.emit(&text, start)?;
        }
        false => s
            .output
            .emit(&render::entry_markdown(entry, related, view), None)?,
    }
    Ok(true)
}

fn list(s: &Settings, category: Option<&str>, json: bool) -> Result<bool> {
    let mut lib = open(s)?;
    if let Some(c) = category
        && !known_category(&mut lib, c)?
    {
        return Ok(false);
    }
    let entries: Vec<(Meta, Origin)> = lib
        .all()?
        .into_iter()
        .filter_map(|f| f.meta.map(|m| (m, f.origin)))
        .filter(|(m, _)| category.is_none_or(|c| m.category == c))
        .collect();
    let text = if json {
        render::list_json(&entries)
    } else if s.format == Format::Blocks {
        render::list(&entries, s.style)
    } else {
        render::list_tsv(&entries)
    };
    s.output.emit(&text, None)?;
    Ok(true)
}

fn index(s: &Settings) -> Result<bool> {
    let mut out = io::stdout().lock();
    let sources = s.sources();
    if sources.roots.is_empty() {
        let count = crate::builtin::index()?.entry_count();
        writeln!(
            out,
            "{count} built-in entries, indexed when pyguide was built; no entries of your own to index (see `pyguide paths`)"
        )?;
        return Ok(true);
    }
    let lib = Library::rebuild(sources)?;
    for p in &lib.problems {
        warn(&format!("warning: skipped {p}"));
    }
    // `index` searches nothing: only that the index was not saved is news.
    if let Some(why) = &lib.unsaved {
        bail!("the index was built but could not be saved: {why}");
    }
    let count = lib.built.unwrap_or(0);
    writeln!(
        out,
        "indexed {count} entries into {}",
        term::sanitize(&s.paths.cache_dir.display().to_string())
    )?;
    Ok(true)
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
fn check(s: &Settings, dirs: &[PathBuf], exec: Option<Exec>, strict: bool) -> Result<bool> {
    let (builtin, mut problems) = library::builtin_entries();
    let mut checked = Vec::new();
    let mut files = 0;
    let run: Vec<Entry>;
    if dirs.is_empty() {
        let (user_paths, p) = walk::entry_files_of(&s.paths.existing_kb_dirs());
        problems.extend(p);
        files += user_paths.len() + builtin.len();
        let (user, parse_problems) = walk::parse_files(&user_paths);
        problems.extend(parse_problems);
        let (user, dup) = entry::merge(user);
        problems.extend(dup);
        let (builtin_checked, dup) = entry::merge(builtin.clone());
        problems.extend(dup);
        if strict {
            problems.extend(user.iter().flat_map(standard::problems));
            problems.extend(standard::shared_questions(&user));
        }
        problems.extend(builtin_checked.iter().flat_map(standard::problems));
        problems.extend(standard::shared_questions(&builtin_checked));
        run = builtin_checked.clone();
        checked.extend(user);
        checked.extend(builtin_checked);
    } else {
        for dir in dirs {
            if !dir.exists() {
                bail!("{}: no such file or folder", dir.display());
            }
        }
        let (all_files, p) = walk::entry_files_of(dirs);
        problems.extend(p);
        files += all_files.len();
        let (entries, parse_problems) = walk::parse_files(&all_files);
        problems.extend(parse_problems);
        let (entries, dup) = entry::merge(entries);
        problems.extend(dup);
        if strict {
            problems.extend(entries.iter().flat_map(standard::problems));
            problems.extend(standard::shared_questions(&entries));
        }
        run = entries.clone();
        checked = entries;
    }
    let known: HashSet<&str> = checked.iter().chain(&builtin).map(|e| e.id()).collect();
    problems.extend(entry::lint(&checked, &known));
    problems.extend(checked.iter().flat_map(|e| examples::examples(e).1));

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
        writeln!(out, "{}", term::sanitize(&p.to_string()))?;
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

fn paths(s: &Settings) -> Result<bool> {
    let mut out = io::stdout().lock();
    let shown = |p: &Path| term::sanitize(&p.display().to_string());
    for dir in &s.paths.kb_dirs {
        let state = match (dir.exists, dir.source, crate::paths::broken_link(&dir.path)) {
            (true, _, _) => String::new(),
            (false, _, Some(link)) => format!(" ({link})"),
            (false, crate::paths::KbSource::Default, None) => " (does not exist yet)".into(),
            (false, _, None) => " (does not exist)".into(),
        };
        writeln!(
            out,
            "kb ({}):\t{}{state}",
            dir.source.name(),
            shown(&dir.path)
        )?;
    }
    writeln!(out, "index:\t{}", shown(&s.paths.cache_dir))?;
    let state = match &s.config_error {
        Some(e) => format!(" (error: {})", one_line(&format!("{e:#}"))),
        None if s.paths.config_file.exists() => String::new(),
        None => " (does not exist yet)".to_string(),
    };
    writeln!(
        out,
        "config:\t{}{}",
        shown(&s.paths.config_file),
        term::sanitize(&state)
    )?;
    Ok(s.config_error.is_none())
}

fn random(s: &Settings, category: Option<&str>, full: bool) -> Result<bool> {
    let mut lib = open(s)?;
    if let Some(c) = category
        && !known_category(&mut lib, c)?
    {
        return Ok(false);
    }
    let all: Vec<_> = lib
        .all()?
        .into_iter()
        .filter(|f| category.is_none_or(|c| f.meta.as_ref().is_some_and(|m| m.category == c)))
        .collect();
    if all.is_empty() {
        not_found("no entries to choose from", &[]);
        return Ok(false);
    }
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(32);
    // A multiplicative hash spreads consecutive clock readings over the guide.
    let pick = &all[(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 33) as usize % all.len()];
    let entry = lib.read(&pick.origin)?;
    let related = related(&mut lib, &entry)?;
    let view = if full { View::Full(None) } else { View::Short };
    emit_entry(s, &lib, &entry, &related, &view)
}

/// `pyguide man [COMMAND]`: the manual page, shown by man(1) in a terminal, roff when piped.
fn man(s: &Settings, command: Option<&str>) -> Result<bool> {
    let roff = crate::manual::page(command)?;
    if !(s.terminal.is_tty && term::show_manual(&roff)) {
        s.output.emit(&String::from_utf8_lossy(&roff), None)?;
    }
    Ok(true)
}

/// The skeleton `new` writes.
fn skeleton(id: &str, category: &str) -> String {
    let title = id.replace('-', " ");
    format!(
        "---\nid: {id}\ntitle: \"{title}\"\nsummary: \"One line on what this explains\"\ncategory: {category}\naliases: []\ntags: []\nrelated: []\n---\n## In short\n\nExplain the mechanism here.\n\n```python\nprint(\"an example that runs\")\n```\n"
    )
}

/// `pyguide new`: writes a valid entry into the user's KB folder (never over an existing
/// file), opens the editor, then checks what was saved. A file the editor did not change
/// (or an editor that failed) is removed again: only that file, which `new` created.
fn new_entry(s: &Settings, id: &str, category: &str) -> Result<bool> {
    if !entry::is_slug(id) {
        bail!(
            "`{id}` is not an id: use lowercase letters, digits and single hyphens, like `my-notes`"
        );
    }
    if !entry::is_slug(category) {
        bail!("`{category}` is not a category: use lowercase letters, digits and hyphens");
    }
    let mut lib = open(s)?;
    if let Some(existing) = lib.find(id)?.filter(|f| f.id == id) {
        bail!(
            "`{id}` already exists ({}); `pyguide edit {id}` opens it",
            existing.origin
        );
    }
    let path = s.user_kb_dir().join(category).join(format!("{id}.md"));
    let text = skeleton(id, category);
    let folders = create_new(&path, &text)?;
    warn(&format!("created {}", path.display()));
    edit_and_check(s, &path, Some((&text, &folders)))
}

/// `pyguide edit`: opens the user's own entry; a built-in one is first copied to the user's
/// KB folder, where it replaces the built-in entry (and is removed again if left unchanged).
fn edit_entry(s: &Settings, topic: &str) -> Result<bool> {
    let mut lib = open(s)?;
    let found = match lib.find(topic)? {
        Some(found) => Some(found.origin),
        None => {
            // A file of the user's that is broken is not in the index, and is just what
            // needs editing: found by its file name.
            if let Some(path) = user_file(s, topic) {
                return edit_and_check(s, &path, None);
            }
            let outcome = run_search(&mut lib, topic, 1, None, false)?;
            match outcome.hits.into_iter().next() {
                Some(hit) if hit.confident => {
                    warn(&format!(
                        "editing `{}` for `{}`",
                        hit.meta.id,
                        quoted(topic)
                    ));
                    Some(hit.origin)
                }
                other => {
                    let suggestions: Vec<String> = other
                        .filter(|h| h.near)
                        .map(|h| h.meta.id)
                        .into_iter()
                        .collect();
                    not_found(&format!("no entry for `{}`", quoted(topic)), &suggestions);
                    return Ok(false);
                }
            }
        }
    };
    match found {
        Some(Origin::User(path)) => edit_and_check(s, &path, None),
        Some(Origin::Builtin(rel)) => {
            let path = s.user_kb_dir().join(&rel);
            if path.exists() {
                return edit_and_check(s, &path, None);
            }
            let text = crate::builtin::text(&rel).context("the built-in entry is missing")?;
            let folders = create_new(&path, text)?;
            warn(&format!(
                "copied the built-in entry to {}; your copy replaces it (delete the file to drop it)",
                path.display()
            ));
            edit_and_check(s, &path, Some((text, &folders)))
        }
        None => Ok(false),
    }
}

/// `<id>.md` in the user's KB folders, at any depth.
fn user_file(s: &Settings, id: &str) -> Option<PathBuf> {
    let name = format!("{id}.md");
    s.paths
        .existing_kb_dirs()
        .iter()
        .flat_map(|dir| walk::entry_files(dir).0)
        .find(|path| path.file_name().is_some_and(|n| n == name.as_str()))
}

/// Creates a file that must not exist yet (and its folders). Returns the folders this call
/// made for it, outermost first: only they are pyguide's to remove again.
fn create_new(path: &Path, text: &str) -> Result<Vec<PathBuf>> {
    let made = match path.parent() {
        Some(dir) => create_folders(dir)?,
        None => Vec::new(),
    };
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        // A file it could not fill (a full disk) is pyguide's half-made one: not left behind
        // to pass for the user's.
        if let Err(e) = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
        {
            drop(file);
            let _ = fs::remove_file(path);
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
        Ok(())
    })();
    if written.is_err() {
        remove_empty(&made);
    }
    written.map(|()| made)
}

/// Makes `dir` and the missing folders above it one by one, so that it is known which this
/// call made (a folder another process makes meanwhile is not among them).
fn create_folders(dir: &Path) -> Result<Vec<PathBuf>> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|p| fs::symlink_metadata(p).is_err())
        .collect();
    let mut made = Vec::new();
    for folder in missing.into_iter().rev() {
        match fs::create_dir(folder) {
            Ok(()) => made.push(folder.to_path_buf()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && folder.is_dir() => {}
            Err(e) => {
                remove_empty(&made);
                return Err(match crate::paths::broken_link(dir) {
                    Some(link) => anyhow::anyhow!("cannot create {}: {link}", dir.display()),
                    None => {
                        anyhow::Error::new(e).context(format!("cannot create {}", dir.display()))
                    }
                });
            }
        }
    }
    Ok(made)
}

/// Removes the folders pyguide made (outermost first in `made`), innermost first, each only
/// while it is empty: a folder that holds anything is left, and so is everything above it.
fn remove_empty(made: &[PathBuf]) {
    for folder in made.iter().rev() {
        if fs::remove_dir(folder).is_err() {
            break;
        }
    }
}

/// The editor's command, read as git reads it: a single plain word is the program; a value
/// with spaces, quotes or other shell syntax (`code --wait`, `"/opt/My Editor/ed"`,
/// `sh -c '...'`) is run by `sh`, which receives the file as `"$@"`. Whether `sh` runs it.
fn editor_command(editor: &str) -> (Process, bool) {
    const SHELL_SYNTAX: &[char] = &[
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', ' ', '\t', '\n', '*', '?',
        '[', '#', '~', '=', '%',
    ];
    if !editor.contains(SHELL_SYNTAX) {
        return (Process::new(editor), false);
    }
    let mut command = Process::new("sh");
    command
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(editor);
    (command, true)
}

/// Brings the index up to date with a file just edited, so that the next command finds
/// what was saved even where the editor wrote in place and its folder looks unchanged.
/// Problems in other files found on the way are reported as any command reports them (the
/// edited file's own are reported by the caller).
fn reindex(s: &Settings, path: &Path) -> Result<(), String> {
    let mut sources = s.sources();
    sources.touched.push(path.to_path_buf());
    let mut lib =
        Library::open(sources).map_err(|e| format!("the index was not updated: {e:#}"))?;
    lib.problems
        .retain(|p| p.origin.path().is_none_or(|other| other != path));
    // An index that cannot be saved is built again by every command: nothing to say here.
    lib.unsaved = None;
    report(&lib);
    Ok(())
}

/// Runs the editor on the file, then checks the entry and reports each problem as path:line
/// (the file is left as the user saved it). `created`: the text pyguide just wrote there and
/// the folders it made for it; a file still holding exactly that text (or an editor that
/// failed) is removed, since it is only pyguide's own copy, and so are those folders if
/// nothing else is in them.
fn edit_and_check(s: &Settings, path: &Path, created: Option<(&str, &[PathBuf])>) -> Result<bool> {
    let editor = &s.editor;
    let (mut command, by_shell) = editor_command(editor);
    // Closing the terminal (SIGHUP), Ctrl-C or SIGTERM while the editor runs must not leave
    // pyguide's own copy behind: caught until the editor is done, then the rule below runs.
    let caught = Arc::new(AtomicBool::new(false));
    let hooks: Vec<_> = [
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ]
    .into_iter()
    .filter_map(|sig| signal_hook::flag::register(sig, Arc::clone(&caught)).ok())
    .collect();
    let status = command.arg(path).status();
    for hook in hooks {
        signal_hook::low_level::unregister(hook);
    }
    let unchanged =
        || created.is_some_and(|(t, _)| fs::read_to_string(path).is_ok_and(|now| now == t));
    let failed = match &status {
        Err(e) => Some(format!(
            "cannot start the editor `{editor}` ({e}); set VISUAL or EDITOR"
        )),
        // The shell's codes for a command it could not find (127) or run (126).
        Ok(st) if by_shell && matches!(st.code(), Some(126 | 127)) => Some(format!(
            "cannot start the editor `{editor}` (the shell could not run it); set VISUAL or EDITOR"
        )),
        Ok(st) if !st.success() => Some(format!("the editor `{editor}` exited with {st}")),
        Ok(_) if caught.load(Ordering::SeqCst) => Some("interrupted while the editor ran".into()),
        Ok(_) => None,
    };
    if let Some((_, folders)) = created
        && unchanged()
    {
        fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
        remove_empty(folders);
        let removed = format!("removed {}, which pyguide had just created", path.display());
        if let Some(why) = failed {
            bail!("{why}; {removed}");
        }
        warn(&format!("the file was left unchanged; {removed}"));
        return Ok(false);
    }
    if let Some(why) = failed {
        bail!("{why}; {} is kept as it is", path.display());
    }
    let text = walk::read_text(path).map_err(|p| anyhow::anyhow!("{p}"))?;
    let parsed = Entry::parse(Origin::User(path.to_path_buf()), &text);
    let indexed = reindex(s, path);
    match parsed {
        Ok(entry) => {
            let problems = examples::examples(&entry).1;
            for p in &problems {
                let _ = writeln!(io::stdout(), "{}", term::sanitize(&p.to_string()));
            }
            if problems.is_empty() {
                warn(&match indexed {
                    Ok(()) => format!("`{}` is valid and indexed", entry.id()),
                    Err(why) => format!("`{}` is valid; {why}", entry.id()),
                });
            }
            Ok(problems.is_empty())
        }
        Err(problem) => {
            let _ = writeln!(io::stdout(), "{}", term::sanitize(&problem.to_string()));
            warn("the entry is saved as you left it; fix it and it will be indexed");
            Ok(false)
        }
    }
}

//! End-to-end tests of the real binary, each in its own hermetic environment.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Env, entry, make_executable, visible};

#[test]
fn search_ranks_the_meant_entry_first_and_prints_tab_separated_lines() {
    let env = Env::new();
    let run = env.run(&["search", "lazy", "queryset"]);
    run.assert_ok();
    assert_eq!(run.ids()[0], "django-querysets");
    let first: Vec<&str> = run.stdout.lines().next().unwrap().split('\t').collect();
    assert_eq!(
        first.len(),
        6,
        "id, category, title, summary, snippet, section"
    );
    assert_eq!(first[1], "django");
    assert_eq!(first[2], "Django ORM Internals — Why QuerySets Are Lazy");
    assert!(!run.stdout.contains('\x1b'), "piped output has escapes");
}

#[test]
fn search_json_is_an_array_in_rank_order() {
    let env = Env::new();
    let run = env.run(&["search", "--json", "--limit", "3", "context", "manager"]);
    run.assert_ok();
    let hits: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits[0]["id"], "context-managers");
    for h in hits {
        for key in [
            "id",
            "title",
            "summary",
            "category",
            "score",
            "snippet",
            "highlights",
        ] {
            assert!(h.get(key).is_some(), "missing {key}: {h}");
        }
        // A built-in entry has no file outside the binary.
        assert_eq!(h["builtin"], true, "{h}");
        assert!(h["path"].is_null(), "{h}");
    }
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // The highlighted ranges point at the matched words.
    let snippet = hits[0]["snippet"].as_str().unwrap();
    for r in hits[0]["highlights"].as_array().unwrap() {
        let (a, b) = (
            r[0].as_u64().unwrap() as usize,
            r[1].as_u64().unwrap() as usize,
        );
        let word = snippet[a..b].to_lowercase();
        assert!(word.contains("context") || word.contains("manag"), "{word}");
    }
}

#[test]
fn search_limit_and_category() {
    let env = Env::new();
    let run = env.run(&["search", "--limit", "2", "decorator"]);
    run.assert_ok();
    assert_eq!(run.stdout.lines().count(), 2);
    let run = env.run(&["search", "--category", "django", "transaction"]);
    run.assert_ok();
    assert!(
        run.stdout
            .lines()
            .all(|l| l.split('\t').nth(1) == Some("django")),
        "{}",
        run.stdout
    );
}

#[test]
fn search_with_nothing_found_exits_1_with_suggestions() {
    let env = Env::new();
    let run = env.run(&["search", "xylophonequartz"]);
    run.assert_status(1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("no entry matches `xylophonequartz`"),
        "{}",
        run.stderr
    );

    // Words that exist, but not in the asked category.
    let run = env.run(&["search", "--category", "django", "SchemaValidator"]);
    run.assert_status(1);
}

#[test]
fn search_typo_falls_back_and_says_what_it_searched() {
    let env = Env::new();
    let run = env.run(&["search", "decoratr"]);
    run.assert_ok();
    assert_eq!(run.ids()[0], "decorators");
    assert!(
        run.stderr.contains("showing results for `decorator`"),
        "{}",
        run.stderr
    );
}

#[test]
fn any_text_is_a_valid_query() {
    let env = Env::new();
    for q in [
        "\"unbalanced",
        "Depends()",
        "*args",
        "AND OR",
        "title:",
        "(",
        ")",
        "-",
        "\"",
        "[",
        "~",
        "^2",
        "a:b:c",
        "é",
        "🐍",
    ] {
        let run = env.run(&["search", q]);
        run.assert_no_panic();
        assert!(
            matches!(run.status, Some(0 | 1)),
            "{q}: {:?} {}",
            run.status,
            run.stderr
        );
        assert!(!run.stderr.contains("error"), "{q}: {}", run.stderr);
    }
    let run = env.run(&["search", "Depends()"]);
    assert_eq!(run.ids()[0], "fastapi-depends");
    let run = env.run(&["search", "*args"]);
    run.assert_ok();
}

#[test]
fn show_resolves_id_alias_loose_name_and_words() {
    let env = Env::new();
    for (topic, id_line) in [
        (vec!["decorators"], "syntax · decorators"),
        (vec!["yield"], "syntax · generators"),
        (vec!["Context Managers"], "syntax · context-managers"),
        (vec!["context_managers"], "syntax · context-managers"),
        (vec!["lazy", "queryset"], "django · django-querysets"),
    ] {
        let mut args = vec!["show"];
        args.extend(topic.iter().copied());
        let run = env.run(&args);
        run.assert_ok();
        assert!(run.stdout.contains(id_line), "{topic:?}:\n{}", run.stdout);
        assert!(!run.stdout.contains('\x1b'));
    }
}

#[test]
fn show_piped_is_the_entry_as_markdown_with_related() {
    let env = Env::new();
    let run = env.run(&["show", "decorators"]);
    run.assert_ok();
    let out = &run.stdout;
    assert!(out.starts_with("# Decorator Internals — What @ Actually Does\n\nA function that takes a function and returns a function — that's all\n\nsyntax · decorators · verified on Python 3.10–3.13\n\n## In short\n\n"), "{out}");
    assert!(out.contains("\n```python\n"), "code blocks stay fenced");
    assert!(out.contains("\n## See also\n\n- "), "{out}");
    assert!(!out.contains('\x1b'));
}

#[test]
fn show_rendered_for_a_terminal_fits_columns() {
    let env = Env::new();
    for width in [40, 80] {
        let run = env.run_with(
            &["--color", "always", "show", "generators"],
            &[("COLUMNS", &width.to_string())],
        );
        run.assert_ok();
        let text = visible(&run.stdout);
        assert!(text.starts_with("Generators & yield"), "{text}");
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= width, "{width}: a line of {widest}");
    }
}

/// A question about a Python package the guide has no entry on says which one; the name
/// asked alone is not said twice.
#[test]
fn a_package_the_guide_does_not_cover_is_named() {
    let env = Env::new();
    let run = env.run(&["show", "paramiko run a command over ssh"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains(
            "no entry for `paramiko run a command over ssh`: the guide does not cover `paramiko`"
        ),
        "{}",
        run.stderr
    );
    let run = env.run(&["search", "--ids", "how do I make a PyQt5 button"]);
    run.assert_status(1);
    assert!(!run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("for sure: the guide does not cover `pyqt5`; the closest:"),
        "{}",
        run.stderr
    );
    let run = env.run(&["show", "dask"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains("no entry for `dask`\n"),
        "{}",
        run.stderr
    );
    // A library written like a file is the library, not a file of the user's.
    let run = env.run(&["search", "discord.py bot not responding"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains("does not cover `discord`"),
        "{}",
        run.stderr
    );
    // A package an entry is about is answered.
    env.run(&["search", "--ids", "how do I make a pygame window"])
        .assert_ok();
}

#[test]
fn show_unknown_topic_exits_1_with_suggestions() {
    let env = Env::new();
    let run = env.run(&["show", "qwertyuiop"]);
    run.assert_status(1);
    assert!(
        run.stderr.contains("no entry for `qwertyuiop`"),
        "{}",
        run.stderr
    );
    let run = env.run(&["show", "decoratrs"]);
    run.assert_ok();
    assert!(run.stdout.contains("syntax · decorators"));

    // A sentence that answers nothing for sure is offered the closest entries, and its words
    // that the guide has are not "corrected" (`install` -> `installs`).
    let run = env.run(&["show", "how to install tensorflow on my m1 mac"]);
    run.assert_status(1);
    assert!(!run.stderr.contains("installs"), "{}", run.stderr);
    let run = env.run(&["show", "how do I make my logger write json lines to loki"]);
    run.assert_status(1);
    let offered = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("did you mean: "))
        .unwrap_or_else(|| panic!("no suggestions: {}", run.stderr));
    assert!(offered.split(", ").count() >= 2, "{offered}");
    assert!(offered.contains("logging"), "{offered}");

    // Entries that share only common words with it ("model", "two") are not offered.
    let run = env.run(&["show", "how do i train a pytorch model on two gpus"]);
    run.assert_status(1);
    for id in ["httpx", "dict-internals", "django-migrations"] {
        assert!(!run.stderr.contains(id), "{}", run.stderr);
    }
}

#[test]
fn bare_topic_works_as_show_without_shadowing_subcommands() {
    let env = Env::new();
    let bare = env.run(&["decorators"]);
    bare.assert_ok();
    assert_eq!(bare.stdout, env.run(&["show", "decorators"]).stdout);
    let list = env.run(&["list"]);
    list.assert_ok();
    assert_eq!(list.stdout.lines().count(), common::builtin_count());
    // Global options before the subcommand do not turn it into a topic.
    let list = env.run(&["--color", "never", "--no-pager", "list"]);
    assert_eq!(list.stdout.lines().count(), common::builtin_count());
    let bare = env.run(&["--color", "never", "yield"]);
    assert!(
        bare.stdout.starts_with("# Generators & yield"),
        "{}",
        bare.stdout
    );
}

#[test]
fn list_is_the_table_of_contents() {
    let env = Env::new();
    let run = env.run(&["list"]);
    run.assert_ok();
    let categories: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    let mut sorted = categories.clone();
    sorted.sort();
    assert_eq!(categories, sorted, "grouped by category");
    for c in ["syntax", "fastapi", "django", "packages"] {
        assert!(categories.contains(&c));
    }
    let run = env.run(&["list", "--category", "fastapi"]);
    let mut files: Vec<String> = std::fs::read_dir(common::repo_kb().join("fastapi"))
        .unwrap()
        .flatten()
        .map(|e| e.path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(run.ids(), files);
    let run = env.run(&["list", "--json"]);
    let all: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), common::builtin_count());
    let run = env.run(&["list", "--category", "nope"]);
    run.assert_status(1);
    assert!(
        run.stderr.starts_with(
            "pyguide: no category `nope`; the categories are: django, fastapi, packages,"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn list_in_color_has_headings_and_escapes_and_piped_stays_tab_separated() {
    let env = Env::new();
    let run = env.run_tty(&["list"], &[("COLUMNS", "80")]);
    run.assert_ok();
    assert!(
        run.stdout.contains("\x1b[1msyntax\x1b[0m"),
        "{}",
        run.stdout
    );
    // Colour asked for in a pipe: the format is still the one for pipes.
    let run = env.run(&["--color", "always", "list"]);
    run.assert_ok();
    assert!(!run.stdout.contains('\x1b'));
    assert!(
        run.stdout.lines().all(|l| l.split('\t').count() == 4),
        "{}",
        run.stdout
    );
}

#[test]
fn index_rebuilds_and_says_what_and_where() {
    let env = Env::new();
    // Nothing of the user's: the built-in guide was indexed at build time.
    let run = env.run(&["index"]);
    run.assert_ok();
    assert!(
        run.stdout.starts_with(&format!(
            "{} built-in entries, indexed when pyguide was built",
            common::builtin_count()
        )),
        "{}",
        run.stdout
    );
    assert!(
        !env.cache_dir().exists(),
        "no cache is written for the built-in guide alone"
    );

    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "my own text"),
    );
    let run = env.run(&["index"]);
    run.assert_ok();
    let expected = format!(
        "indexed {} entries into {}\n",
        common::builtin_count() + 1,
        env.cache_dir().display()
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "");
}

#[test]
fn paths_shows_the_xdg_folders() {
    let env = Env::new();
    let run = env.run(&["paths"]);
    run.assert_ok();
    let out = &run.stdout;
    assert!(
        out.contains(&format!(
            "kb (default):\t{} (does not exist yet)",
            env.user_kb().display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("index:\t{}", env.cache_dir().display())),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "config:\t{}",
            env.path("config/pyguide/config.toml").display()
        )),
        "{out}"
    );
}

#[test]
fn a_user_entry_overrides_the_builtin_one_and_is_found() {
    let env = Env::new();
    let run = env.run(&["show", "generators"]);
    assert!(!run.stdout.contains("My own notes"));
    env.write(
        "data/pyguide/kb/generators.md",
        &entry(
            "generators",
            "syntax",
            "My own generators",
            "My own notes about zanzibarite.",
        ),
    );
    let run = env.run(&["show", "generators"]);
    run.assert_ok();
    assert!(
        run.stdout.contains("My own notes about zanzibarite."),
        "{}",
        run.stdout
    );
    assert_eq!(
        env.run(&["list"]).stdout.lines().count(),
        common::builtin_count()
    );
    let run = env.run(&["search", "zanzibarite"]);
    assert_eq!(run.ids(), ["generators"]);
}

#[test]
fn user_folders_from_flag_and_env_are_indexed_in_precedence_order() {
    let env = Env::new();
    let a = env.write("a/mine.md", &entry("mine", "notes", "From A", "alpha body"));
    env.write("b/mine.md", &entry("mine", "notes", "From B", "beta body"));
    env.write(
        "b/other.md",
        &entry("other", "notes", "Other", "gamma body"),
    );
    let b = env.path("b");
    let run = env.run_with(
        &[
            "--kb",
            a.parent().unwrap().to_str().unwrap(),
            "show",
            "mine",
        ],
        &[("PYGUIDE_KB_PATH", b.to_str().unwrap())],
    );
    run.assert_ok();
    assert!(run.stdout.contains("alpha body"));
    assert!(run.stderr.contains("duplicate id `mine`"), "{}", run.stderr);
    let run = env.run_with(
        &["show", "other"],
        &[("PYGUIDE_KB_PATH", b.to_str().unwrap())],
    );
    run.assert_ok();
    assert!(run.stdout.contains("gamma body"));
}

#[test]
fn a_broken_user_file_is_reported_once_and_skipped() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/good.md",
        &entry("good", "notes", "Good one", "quokka facts"),
    );
    env.write(
        "data/pyguide/kb/bad.md",
        "---\nid: bad\ntittle: Oops\nsummary: s\ncategory: notes\n---\nbody\n",
    );
    let run = env.run(&["search", "quokka"]);
    run.assert_ok();
    assert_eq!(run.ids(), ["good"]);
    let bad = env.user_kb().join("bad.md");
    assert!(
        run.stderr
            .contains(&format!("{}:3: unknown field `tittle`", bad.display())),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("tittle").count(), 1);
    // Reported when the guide is indexed, not again on every command.
    let again = env.run(&["search", "quokka"]);
    again.assert_ok();
    assert_eq!(again.stderr, "");
    // The user's file is untouched.
    assert!(fs::read_to_string(&bad).unwrap().contains("tittle: Oops"));
}

/// Saves a file the way most editors do: write a new file, rename it over the old one.
fn safe_save(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("md.tmp~");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}

#[test]
fn added_edited_and_deleted_user_files_are_picked_up_without_an_index_command() {
    let env = Env::new();
    let path = env.write(
        "data/pyguide/kb/note.md",
        &entry("note", "notes", "Note", "first marsupial"),
    );
    assert_eq!(env.run(&["search", "marsupial"]).ids(), ["note"]);
    safe_save(
        &path,
        &entry("note", "notes", "Note", "now about platypus and more text"),
    );
    let run = env.run(&["search", "platypus"]);
    run.assert_ok();
    assert_eq!(run.ids(), ["note"]);
    env.run(&["search", "marsupial"]).assert_status(1);
    env.write(
        "data/pyguide/kb/sub/other.md",
        &entry("other", "notes", "Other", "wombat facts"),
    );
    assert_eq!(env.run(&["search", "wombat"]).ids(), ["other"]);
    fs::remove_file(&path).unwrap();
    env.run(&["search", "platypus"]).assert_status(1);
    assert_eq!(env.run(&["search", "wombat"]).ids(), ["other"]);
}

#[test]
fn an_edit_written_in_place_is_picked_up_by_the_next_command() {
    let env = Env::new();
    let path = env.write(
        "data/pyguide/kb/note.md",
        &entry("note", "notes", "Note", "first marsupial"),
    );
    assert_eq!(env.run(&["search", "marsupial"]).ids(), ["note"]);
    // Written in place, the folder's mtime does not change; in a small guide every file's
    // stamp is compared.
    fs::write(&path, entry("note", "notes", "Note", "now about echidna")).unwrap();
    assert_eq!(env.run(&["search", "echidna"]).ids(), ["note"]);
    env.run(&["search", "marsupial"]).assert_status(1);
    // `show` reads the file itself, so it is never stale.
    let run = env.run(&["show", "note"]);
    assert!(run.stdout.contains("now about echidna"), "{}", run.stdout);
    // `pyguide index` rescans too.
    fs::write(&path, entry("note", "notes", "Note", "now about quoll")).unwrap();
    env.run(&["index"]).assert_ok();
    assert_eq!(env.run(&["search", "quoll"]).ids(), ["note"]);
}

/// Sets a file's modification time to `days` ago.
fn age(path: &std::path::Path, days: u64) {
    let file = fs::File::options().write(true).open(path).unwrap();
    let then = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
    file.set_modified(then).unwrap();
}

#[test]
fn a_big_guide_notices_in_place_edits_of_recent_files_and_of_edit() {
    let env = Env::new();
    // No periodic full scan (a guide this size gets one every 30 s) during the test.
    let quiet = ("PYGUIDE_RESCAN_SECONDS", "1000000");
    let run = |args: &[&str]| env.run_with(args, &[quiet]);
    // More files than every command stats: the old ones are not watched.
    for i in 0..520 {
        let path = env.write(
            &format!("data/pyguide/kb/old/n{i}.md"),
            &entry(&format!("n{i}"), "notes", "Old note", &format!("word{i}")),
        );
        age(&path, 30);
    }
    let recent = env.write(
        "data/pyguide/kb/new/draft.md",
        &entry("draft", "notes", "Draft", "first marsupial"),
    );
    assert_eq!(run(&["search", "marsupial"]).ids(), ["draft"]);
    // The note being worked on is edited again in place (VS Code, nano).
    fs::write(&recent, entry("draft", "notes", "Draft", "now echidna")).unwrap();
    assert_eq!(run(&["search", "echidna"]).ids(), ["draft"]);
    // An old note opened with `pyguide edit` in an editor that writes in place (its copy
    // goes elsewhere: the folder is left as it was).
    let editor = env.write(
        "inplace.sh",
        "#!/bin/sh\nt=$(mktemp)\nsed 's/word7$/platypus/' \"$1\" > \"$t\"\ncat \"$t\" > \"$1\"\nrm \"$t\"\n",
    );
    make_executable(&editor);
    let old = env.user_kb().join("old/n7.md");
    let inode = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&old).unwrap());
    let edited = env.run_with(
        &["edit", "n7"],
        &[("EDITOR", &editor.display().to_string()), quiet],
    );
    edited.assert_ok();
    assert!(
        edited.stderr.contains("`n7` is valid and indexed"),
        "{}",
        edited.stderr
    );
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(&old).unwrap()),
        inode,
        "written in place"
    );
    assert_eq!(run(&["search", "platypus"]).ids(), ["n7"]);
    // An old note edited in place outside pyguide waits for `pyguide index` (the README
    // says so).
    let other = env.user_kb().join("old/n9.md");
    fs::write(&other, entry("n9", "notes", "Old note", "wombat")).unwrap();
    run(&["search", "wombat"]).assert_status(1);
    run(&["index"]).assert_ok();
    assert_eq!(run(&["search", "wombat"]).ids(), ["n9"]);
}

#[test]
fn an_id_moving_between_user_and_builtin_entries_rebuilds_correctly() {
    let env = Env::new();
    let path = env.write(
        "data/pyguide/kb/gen.md",
        &entry("my-notes", "notes", "Mine", "kookaburra"),
    );
    assert_eq!(env.run(&["search", "kookaburra"]).ids(), ["my-notes"]);
    // The file now overrides a built-in entry; then stops overriding it.
    safe_save(
        &path,
        &entry("generators", "syntax", "My generators", "kookaburra"),
    );
    let run = env.run(&["show", "generators"]);
    assert!(run.stdout.contains("kookaburra"), "{}", run.stdout);
    safe_save(&path, &entry("my-notes", "notes", "Mine", "kookaburra"));
    let run = env.run(&["show", "generators"]);
    assert!(
        run.stdout.contains("gi_frame"),
        "the built-in entry is back: {}",
        run.stdout
    );
    assert_eq!(
        env.run(&["list"]).stdout.lines().count(),
        common::builtin_count() + 1
    );
}

#[test]
fn a_duplicate_id_comes_back_when_the_file_that_won_it_changes() {
    let env = Env::new();
    let first = env.write(
        "data/pyguide/kb/a/dup.md",
        &entry("twin", "notes", "First twin", "quokka"),
    );
    env.write(
        "data/pyguide/kb/b/dup.md",
        &entry("twin", "notes", "Second twin", "quokka"),
    );
    let run = env.run(&["search", "quokka"]);
    assert_eq!(run.ids(), ["twin"]);
    assert!(run.stderr.contains("duplicate id `twin`"), "{}", run.stderr);
    // The first file takes another id: the second one's entry is the `twin` now.
    safe_save(&first, &entry("single", "notes", "First twin", "quokka"));
    let run = env.run(&["search", "quokka"]);
    let mut ids = run.ids();
    ids.sort();
    assert_eq!(ids, ["single", "twin"]);
    let run = env.run(&["show", "twin"]);
    assert!(run.stdout.contains("Second twin"), "{}", run.stdout);
}

#[test]
fn edits_in_one_folder_then_another_keep_every_entry() {
    let env = Env::new();
    let mut paths = Vec::new();
    for folder in 0..6 {
        for n in 0..3 {
            let id = format!("f{folder}n{n}");
            let body = format!("animal{folder}x{n}");
            paths.push(env.write(
                &format!("data/pyguide/kb/f{folder}/{id}.md"),
                &entry(&id, "notes", "Note", &body),
            ));
        }
    }
    assert_eq!(env.run(&["search", "animal0x0"]).ids(), ["f0n0"]);
    // Each edit rescans one folder; the stamps of the others are kept as they were.
    safe_save(&paths[0], &entry("f0n0", "notes", "Note", "dingo"));
    assert_eq!(env.run(&["search", "dingo"]).ids(), ["f0n0"]);
    safe_save(&paths[16], &entry("f5n1", "notes", "Note", "wallaby"));
    assert_eq!(env.run(&["search", "wallaby"]).ids(), ["f5n1"]);
    fs::remove_file(&paths[8]).unwrap();
    env.run(&["search", "animal2x2"]).assert_status(1);
    assert_eq!(env.run(&["search", "dingo"]).ids(), ["f0n0"]);
    assert_eq!(
        env.run(&["list"]).stdout.lines().count(),
        common::builtin_count() + 17
    );
    // A full rebuild finds the same.
    env.run(&["index"]).assert_ok();
    assert_eq!(env.run(&["search", "wallaby"]).ids(), ["f5n1"]);
    assert_eq!(
        env.run(&["list"]).stdout.lines().count(),
        common::builtin_count() + 17
    );
}

#[test]
fn check_passes_on_the_shipped_guide() {
    let env = Env::new();
    let run = env.run(&["check", common::repo_kb().to_str().unwrap()]);
    run.assert_ok();
    assert!(
        run.stderr
            .contains(&format!("checked {} entries", common::builtin_count())),
        "{}",
        run.stderr
    );
    env.run(&["check"]).assert_ok();
}

#[test]
fn check_lists_every_problem_as_path_line() {
    let env = Env::new();
    let dir = env.path("kb");
    env.write("kb/ok.md", &entry("ok", "notes", "Ok", "fine"));
    env.write(
        "kb/star.md",
        "---\nid: star\ntitle: *args explained\nsummary: s\ncategory: notes\n---\nbody\n",
    );
    env.write("kb/nofm.md", "# no front matter\n");
    env.write(
        "kb/empty-body.md",
        "---\nid: empty-body\ntitle: t\nsummary: s\ncategory: notes\n---\n\n",
    );
    env.write("kb/dangling.md", "---\nid: dangling\ntitle: t\nsummary: s\ncategory: notes\nrelated: [ok, nowhere]\n---\nbody\n");
    env.write("kb/sub/ok.md", &entry("ok", "notes", "Ok again", "dup"));
    let run = env.run(&["check", dir.to_str().unwrap()]);
    run.assert_status(1);
    let d = dir.display();
    let expected = [
        format!("{d}/dangling.md:6: `related` points to `nowhere`, which is not an entry id"),
        format!("{d}/empty-body.md:6: the body is empty"),
        format!("{d}/nofm.md:1: no front matter"),
        format!("{d}/star.md:3: "),
        format!("{d}/sub/ok.md:2: duplicate id `ok`"),
    ];
    for e in &expected {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(e.as_str())),
            "missing {e}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("hint: quote the value, for example title: \"*args explained\""),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.lines().count(), expected.len(), "{}", run.stdout);
    assert!(run.stderr.contains("5 problems"), "{}", run.stderr);
}

#[test]
fn usage_and_runtime_errors_exit_2() {
    let env = Env::new();
    let run = env.run(&["search", "--bogus", "x"]);
    run.assert_status(2);
    // A folder that does not exist is a warning naming where it was named, like the
    // config file's and PYGUIDE_KB_PATH's.
    let run = env.run(&["--kb", "/definitely/not/here", "list"]);
    run.assert_ok();
    assert_eq!(
        run.stderr,
        "pyguide: warning: --kb names /definitely/not/here, which does not exist\n"
    );
    let run = env.run_with(&["list"], &[("PYGUIDE_KB_PATH", "/not/here/either")]);
    run.assert_ok();
    assert_eq!(
        run.stderr,
        "pyguide: warning: PYGUIDE_KB_PATH names /not/here/either, which does not exist\n"
    );
    env.write("config/pyguide/config.toml", "kb = [\"/nor/here\"]\n");
    let run = env.run(&["list"]);
    run.assert_ok();
    assert_eq!(
        run.stderr,
        "pyguide: warning: config names /nor/here, which does not exist\n"
    );
    std::fs::remove_file(env.path("config/pyguide/config.toml")).unwrap();
    // Something that is there but neither a folder nor a file is named as such.
    let run = env.run(&["--kb", "/dev/null", "list"]);
    run.assert_ok();
    assert_eq!(
        run.stderr,
        "pyguide: warning: --kb names /dev/null, which is not a folder or a file\n"
    );
    // A setting that is not a number is said to be ignored, not silently dropped.
    let run = env.run_with(&["list"], &[("PYGUIDE_RESCAN_SECONDS", "soon")]);
    run.assert_ok();
    assert!(
        run.stderr
            .contains("PYGUIDE_RESCAN_SECONDS=soon is not a number of seconds"),
        "{}",
        run.stderr
    );
    let run = env.run(&["check", "/definitely/not/here"]);
    run.assert_status(2);
    let run = env.run(&["search"]);
    run.assert_status(2);
    // No arguments at all: the help, on stderr, as a usage error.
    let run = env.run(&[]);
    run.assert_status(2);
    assert!(run.stderr.contains("Usage:"), "{}", run.stderr);
}

#[test]
fn help_has_examples() {
    let env = Env::new();
    let run = env.run(&["--help"]);
    run.assert_ok();
    assert!(run.stdout.contains("Examples:"));
    assert!(run.stdout.contains("pyguide search lazy queryset"));
    // The fzf line renders the preview in colour even though fzf pipes it.
    assert!(
        run.stdout
            .contains("fzf --preview 'pyguide --color always show {}'"),
        "{}",
        run.stdout
    );
    let run = env.run(&["search", "--help"]);
    assert!(run.stdout.contains("--json"));
}

#[test]
fn eight_concurrent_first_runs_all_succeed() {
    let env = Env::new();
    // An entry of the user's own, so the index is built into the cache folder.
    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "my own text"),
    );
    let children: Vec<_> = (0..8)
        .map(|_| {
            env.command(&["search", "post_save"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("django-signals\t"), "{stdout}");
    }
    // One live index remains.
    let gens: Vec<_> = fs::read_dir(env.cache_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("gen-"))
        .collect();
    assert_eq!(gens.len(), 1);
}

#[test]
fn a_corrupted_index_is_rebuilt() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "my own text"),
    );
    env.run(&["index"]).assert_ok();
    let current = fs::read_to_string(env.cache_dir().join("current")).unwrap();
    let gen_dir = env.cache_dir().join(current.trim());
    for file in fs::read_dir(&gen_dir).unwrap().flatten() {
        let path = file.path();
        if path.is_file() {
            let len = fs::metadata(&path).unwrap().len();
            fs::write(&path, vec![0xA5u8; (len / 2) as usize]).unwrap();
        }
    }
    let run = env.run(&["search", "HTTPAdapter"]);
    run.assert_ok().assert_no_panic();
    assert_eq!(run.ids()[0], "requests-internals");

    // A `current` pointing nowhere, or garbage in it, is rebuilt too.
    fs::write(env.cache_dir().join("current"), "gen-nothing-here").unwrap();
    env.run(&["search", "HTTPAdapter"]).assert_ok();
    fs::write(env.cache_dir().join("current"), "../../etc").unwrap();
    env.run(&["search", "HTTPAdapter"]).assert_ok();
}

#[test]
fn an_index_an_older_pyguide_saved_is_rebuilt_not_misread() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "my own text"),
    );
    env.run(&["index"]).assert_ok();
    let meta_of_current = || {
        let current = fs::read_to_string(env.cache_dir().join("current")).unwrap();
        env.cache_dir().join(current.trim()).join("meta.json")
    };
    // The schema of an index saved before some fields were columns: the same files, of the
    // same sizes and times (so the generation's seal holds), but no column in its schema.
    let meta = meta_of_current();
    let text = fs::read_to_string(&meta).unwrap();
    assert!(text.contains("\"fast\": true"), "{text}");
    let modified = fs::metadata(&meta).unwrap().modified().unwrap();
    fs::write(&meta, text.replace("\"fast\": true", "\"fast\":false")).unwrap();
    fs::File::options()
        .write(true)
        .open(&meta)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let run = env.run(&["search", "HTTPAdapter"]);
    run.assert_ok().assert_no_panic();
    assert_eq!(run.ids()[0], "requests-internals");
    let rebuilt = fs::read_to_string(meta_of_current()).unwrap();
    assert!(rebuilt.contains("\"fast\": true"), "{rebuilt}");
}

#[test]
fn an_unwritable_cache_falls_back_to_memory() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "my own text"),
    );
    // A file where the cache folder should be cannot be written into.
    env.write("cache/pyguide", "not a folder");
    let run = env.run(&["search", "HTTPAdapter"]);
    run.assert_ok();
    assert_eq!(run.ids()[0], "requests-internals");
    assert!(
        run.stderr.contains("searching an index built in memory"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn index_with_an_unwritable_cache_says_only_that_it_was_not_saved() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "my own text"),
    );
    env.write("cache/pyguide", "not a folder");
    let run = env.run(&["index"]);
    run.assert_status(2).assert_no_panic();
    assert_eq!(run.stdout, "");
    // `index` searches nothing: no word of an index in memory.
    assert!(
        run.stderr
            .starts_with("pyguide: error: the index was built but could not be saved: "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("in memory"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::new();
    // Enough entries that the output outgrows the pipe buffer.
    for i in 0..1500 {
        env.write(
            &format!("data/pyguide/kb/n{i}.md"),
            &entry(
                &format!("note-{i}"),
                "notes",
                &format!("Note number {i} with a long title to fill the pipe"),
                "text",
            ),
        );
    }
    let mut child = env
        .command(&["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn no_color_term_dumb_and_color_never_mean_no_escapes_in_a_terminal() {
    let env = Env::new();
    let plain = [("COLUMNS", "80"), ("PYGUIDE_PAGER", "")];
    for args in [&["list"][..], &["show", "decorators"], &["search", "yield"]] {
        let run = env.run_tty(args, &plain);
        assert!(
            run.stdout.contains('\x1b'),
            "{args:?} has no colour in a terminal"
        );
        let run = env.run_tty(
            args,
            &[("COLUMNS", "80"), ("PYGUIDE_PAGER", ""), ("NO_COLOR", "1")],
        );
        assert!(
            !run.stdout.contains('\x1b'),
            "{args:?} with NO_COLOR: {}",
            run.stdout
        );
        let run = env.run_tty(
            args,
            &[("COLUMNS", "80"), ("PYGUIDE_PAGER", ""), ("TERM", "dumb")],
        );
        assert!(!run.stdout.contains('\x1b'), "{args:?} with TERM=dumb");
        let mut never = vec!["--color", "never"];
        never.extend_from_slice(args);
        let run = env.run_tty(&never, &plain);
        assert!(!run.stdout.contains('\x1b'), "{args:?} with --color never");
    }
    // --color always wins over NO_COLOR, for prose and code alike.
    let run = env.run_tty(
        &["--color", "always", "show", "decorators"],
        &[("COLUMNS", "80"), ("PYGUIDE_PAGER", ""), ("NO_COLOR", "1")],
    );
    assert!(run.stdout.contains("\x1b[1m"), "prose is not styled");
    assert!(run.stdout.contains("\x1b[0;38;5;"), "code is not coloured");
    // Piped, --color always renders an entry for a preview (fzf), in colour.
    let run = env.run(&["--color", "always", "show", "decorators"]);
    assert!(run.stdout.contains('\x1b'));
    let run = env.run(&["show", "decorators"]);
    assert!(!run.stdout.contains('\x1b'));
}

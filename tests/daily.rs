//! Daily use: the config file, writing entries (new, edit), random, man, --ids, completion,
//! highlighted code and themes, and snapshots of the rendered text.

mod common;

use std::fs;

use common::{Env, entry, make_executable, snapshot, visible};

const SNAP_ENTRY: &str = "---
id: snap-entry
title: \"Snapshot: a Fixed Entry\"
summary: \"Prose, a list, three kinds of code and a link, rendered the same way every time\"
category: notes
related: [decorators]
---
A paragraph with `inline code`, **bold** words and a link to [the decorators entry](decorators)
that is long enough to be wrapped at forty columns.

## Steps

- first, a list item
- second, one that also runs on past the width of a narrow terminal window

```python
def greet(name: str) -> str:
    return f\"hello {name}\"  # a comment that makes this line longer than forty columns
```

```pycon
>>> greet(\"x\")
'hello x'
```

```toml
[tool.pyguide]
theme = \"light\"
```
";

fn snap_env() -> Env {
    let env = Env::new();
    env.write("data/pyguide/kb/notes/snap-entry.md", SNAP_ENTRY);
    env
}

#[test]
fn snapshots_of_a_rendered_entry_at_three_widths_and_piped() {
    let env = snap_env();
    for width in [40, 80, 200] {
        let run = env.run_with(
            &["--color", "always", "show", "snap-entry"],
            &[("COLUMNS", &width.to_string())],
        );
        run.assert_ok();
        let text = visible(&run.stdout);
        // The path of the temporary folder differs from run to run.
        let text = text.replace(&env.user_kb().display().to_string(), "<kb>");
        assert!(text.lines().all(|l| l.chars().count() <= width), "{text}");
        snapshot(&format!("show-{width}.txt"), &text);
    }
    let piped = env.run(&["show", "snap-entry"]);
    piped.assert_ok();
    snapshot(
        "show-piped.md",
        &piped
            .stdout
            .replace(&env.user_kb().display().to_string(), "<kb>"),
    );
}

#[test]
fn snapshots_of_a_short_answer_at_40_and_80_columns() {
    let env = Env::new();
    for width in [40, 80] {
        let run = env.run_with(
            &["--color", "always", "show", "--short", "decorators"],
            &[("COLUMNS", &width.to_string())],
        );
        run.assert_ok();
        let text = visible(&run.stdout);
        assert!(text.lines().all(|l| l.chars().count() <= width), "{text}");
        // The title, the short answer and its example, then the pointer to the whole entry.
        assert!(text.contains("In short"), "{text}");
        assert!(text.contains("pyguide show decorators"), "{text}");
        snapshot(&format!("short-{width}.txt"), &text);
    }
}

#[test]
fn headings_tables_nested_lists_and_plain_fences_each_look_their_part() {
    let env = Env::new();
    let body = "## Second level\n\n### Third level\n\n| name | value |\n|------|-------|\n| a    | 1     |\n\n- one\n  - two\n    - three\n\n```\nplain fence line\n```\n\n```python\nlabelled = 1\n```\n";
    env.write(
        "kb/notes/shapes.md",
        &entry("shapes", "notes", "Shapes", body),
    );
    let kb = env.path("kb");
    let run = env.run_with(
        &[
            "--kb",
            kb.to_str().unwrap(),
            "--color",
            "always",
            "show",
            "shapes",
        ],
        &[("COLUMNS", "80")],
    );
    run.assert_ok();
    let styled_line = |text: &str| {
        run.stdout
            .lines()
            .find(|l| visible(l).trim() == text)
            .unwrap_or_else(|| panic!("no line {text:?}:\n{}", run.stdout))
            .to_string()
    };
    // Level 2 and level 3 headings are styled differently.
    assert_ne!(styled_line("Second level"), styled_line("Third level"));
    let text = visible(&run.stdout);
    // The table has its borders.
    assert!(
        text.contains('┌') && text.contains('┘') && text.contains("│ a"),
        "{text}"
    );
    // Each list level is indented further.
    let indent = |item: &str| {
        text.lines()
            .find(|l| l.trim_start() == format!("• {item}"))
            .map(|l| l.len() - l.trim_start().len())
            .unwrap_or_else(|| panic!("no item {item}:\n{text}"))
    };
    assert!(
        indent("one") < indent("two") && indent("two") < indent("three"),
        "{text}"
    );
    // A fence without a language is indented like one with a language.
    let at = |code: &str| {
        text.lines()
            .find(|l| l.trim_start() == code)
            .map(|l| l.len() - l.trim_start().len())
            .unwrap_or_else(|| panic!("no code {code:?}:\n{text}"))
    };
    assert_eq!(at("plain fence line"), at("labelled = 1"), "{text}");
}

#[test]
fn snapshot_of_search_results_in_a_terminal() {
    let env = snap_env();
    let run = env.run_tty(
        &["search", "--limit", "3", "greet", "snapshot"],
        &[("COLUMNS", "80"), ("PYGUIDE_PAGER", "")],
    );
    run.assert_ok();
    let text = visible(&run.stdout);
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    snapshot("search-80.txt", &text);
}

#[test]
fn code_is_coloured_by_syntax_and_the_themes_differ() {
    let env = snap_env();
    let dark = env.run(&["--color", "always", "show", "snap-entry"]);
    let light = env.run(&[
        "--color",
        "always",
        "--theme",
        "light",
        "show",
        "snap-entry",
    ]);
    dark.assert_ok();
    light.assert_ok();
    // 256-colour foregrounds on the code lines, and not the same ones in both themes.
    let code_line = |s: &str| {
        s.lines()
            .find(|l| visible(l).contains("def greet"))
            .unwrap()
            .to_string()
    };
    assert!(code_line(&dark.stdout).contains("38;5;"), "{}", dark.stdout);
    assert_ne!(code_line(&dark.stdout), code_line(&light.stdout));
    // 24-bit colour when the terminal says it takes it.
    let truecolor = env.run_with(
        &["--color", "always", "show", "snap-entry"],
        &[("COLORTERM", "truecolor")],
    );
    assert!(code_line(&truecolor.stdout).contains("38;2;"));
    // A built-in entry (colours computed at build time) is coloured too.
    let builtin = env.run(&["--color", "always", "show", "generators"]);
    assert!(builtin.stdout.contains("38;5;"));
    // The theme from the config file; the flag wins over it.
    env.write("config/pyguide/config.toml", "theme = \"light\"\n");
    let configured = env.run(&["--color", "always", "show", "snap-entry"]);
    assert_eq!(code_line(&configured.stdout), code_line(&light.stdout));
    let flag = env.run(&["--color", "always", "--theme", "dark", "show", "snap-entry"]);
    assert_eq!(code_line(&flag.stdout), code_line(&dark.stdout));
    // No colour at all when piped or with NO_COLOR.
    for run in [
        env.run(&["show", "snap-entry"]),
        env.run_with(&["show", "snap-entry"], &[("NO_COLOR", "1")]),
        env.run(&["--color", "never", "--theme", "light", "show", "generators"]),
    ] {
        run.assert_ok();
        assert!(!run.stdout.contains('\x1b'));
    }
}

#[test]
fn escape_sequences_in_a_users_code_block_are_neutralised() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/notes/evil.md",
        &entry(
            "evil",
            "notes",
            "Evil",
            "Text.\n\n```python\nprint('\x1b]0;owned\x07\x1b[2J')\n```\n",
        ),
    );
    let run = env.run(&["--color", "always", "show", "evil"]);
    run.assert_ok();
    assert!(!run.stdout.contains("\x1b]0;"), "{:?}", run.stdout);
    assert!(!run.stdout.contains("\x1b[2J"), "{:?}", run.stdout);
    assert!(run.stdout.contains('\u{fffd}'));
}

#[test]
fn config_sets_limit_and_kb_folders_and_paths_shows_it() {
    let env = Env::new();
    let notes = env.write(
        "elsewhere/kb/my-config-note.md",
        &entry(
            "my-config-note",
            "notes",
            "Zanzibar Config Note",
            "zanzibar words",
        ),
    );
    env.write(
        "config/pyguide/config.toml",
        &format!(
            "# comments are fine\nlimit = 2\nkb = [\"{}\"]\n",
            notes.parent().unwrap().display()
        ),
    );
    let run = env.run(&["search", "function"]);
    run.assert_ok();
    assert_eq!(run.stdout.lines().count(), 2);
    // --limit still wins.
    let run = env.run(&["search", "--limit", "4", "function"]);
    assert_eq!(run.stdout.lines().count(), 4);
    let run = env.run(&["search", "zanzibar"]);
    run.assert_ok();
    assert_eq!(run.ids()[0], "my-config-note");
    let paths = env.run(&["paths"]);
    paths.assert_ok();
    assert!(
        paths.stdout.contains(&format!(
            "config:\t{}",
            env.path("config/pyguide/config.toml").display()
        )),
        "{}",
        paths.stdout
    );
    assert!(paths.stdout.contains("elsewhere/kb"), "{}", paths.stdout);
}

#[test]
fn a_relative_kb_in_the_config_is_beside_the_config_file() {
    let env = Env::new();
    env.write("config/pyguide/config.toml", "kb = [\"notes\"]\n");
    env.write(
        "config/pyguide/notes/beside.md",
        &entry("beside", "notes", "Beside the config", "text"),
    );
    // A `notes` folder in the working folder (the home folder here) is not the one meant.
    env.write(
        "home/notes/in-cwd.md",
        &entry("in-cwd", "notes", "In the working folder", "text"),
    );
    let run = env.run(&["list"]);
    run.assert_ok();
    assert_eq!(run.stderr, "");
    assert!(run.ids().contains(&"beside"), "{}", run.stdout);
    assert!(!run.ids().contains(&"in-cwd"), "{}", run.stdout);
    let paths = env.run(&["paths"]);
    assert!(
        paths.stdout.contains(&format!(
            "kb (config):\t{}\n",
            env.path("config/pyguide/notes").display()
        )),
        "{}",
        paths.stdout
    );
}

#[test]
fn config_errors_name_the_file_and_line() {
    let env = Env::new();
    let file = env.path("config/pyguide/config.toml");
    for (text, line, words) in [
        ("theme = \"dark\"\nlimt = 3\n", 2, "unknown field `limt`"),
        ("theme = \"blue\"\n", 1, "theme is \"dark\" or \"light\""),
        ("limit = \"ten\"\n", 1, "like limit = 5"),
        ("limit = 0\n", 1, "from 1 to 1000"),
        (
            "theme = \"dark\"\ntheme = \"light\"\n",
            2,
            "theme is set twice (first on line 1)",
        ),
        ("kb = \"~/notes\"\n", 1, "kb = [\"~/notes\"]"),
        ("pager = [\n", 1, ""),
    ] {
        env.write("config/pyguide/config.toml", text);
        let run = env.run(&["search", "generators"]);
        run.assert_status(2).assert_no_panic();
        let prefix = format!("pyguide: error: {}:{line}:", file.display());
        assert!(run.stderr.starts_with(&prefix), "{text:?}: {}", run.stderr);
        assert!(run.stderr.contains(words), "{text:?}: {}", run.stderr);
    }
}

/// An editor that adds a line to the entry, as a user who wrote something would.
fn writing_editor(env: &Env) -> String {
    let editor = env.write(
        "write.sh",
        "#!/bin/sh\nprintf '\\nMy own words about this.\\n' >> \"$1\"\n",
    );
    make_executable(&editor);
    editor.display().to_string()
}

#[test]
fn new_creates_a_valid_entry_and_opens_the_editor() {
    let env = Env::new();
    // Nothing written in the editor: the skeleton is removed again, and says so.
    let run = env.run_with(&["new", "my-tip"], &[("EDITOR", "true")]);
    run.assert_status(1);
    let file = env.user_kb().join("notes/my-tip.md");
    assert!(!file.exists());
    assert!(
        run.stderr.contains("the file was left unchanged; removed"),
        "{}",
        run.stderr
    );
    let run = env.run_with(&["new", "my-tip"], &[("EDITOR", &writing_editor(&env))]);
    run.assert_ok();
    let file = env.user_kb().join("notes/my-tip.md");
    assert!(file.exists(), "{}", run.stderr);
    assert!(run.stderr.contains("created"), "{}", run.stderr);
    let check = env.run(&["check", &env.user_kb().display().to_string()]);
    check.assert_ok();
    // It is found at once.
    let list = env.run(&["list", "--category", "notes"]);
    assert_eq!(list.ids(), ["my-tip"]);
    // The editor gets the file: VISUAL before EDITOR, with its arguments.
    let log = env.path("editor.log");
    let editor = env.write(
        "editor.sh",
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", log.display()),
    );
    make_executable(&editor);
    let run = env.run_with(
        &["new", "--category", "django", "second-tip"],
        &[
            ("VISUAL", &format!("{} --flag", editor.display())),
            ("EDITOR", "false"),
        ],
    );
    run.assert_status(1);
    let logged = fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains(&format!(
            "--flag {}",
            env.user_kb().join("django/second-tip.md").display()
        )),
        "{logged}"
    );
    // That editor saved nothing: only the file `new` made is gone.
    assert!(!env.user_kb().join("django/second-tip.md").exists());
    assert!(file.exists());
}

/// An editor value is read as git reads it: shell syntax and quotes are the shell's, so a
/// command with a quoted argument, or a program in a folder with a space, runs as written.
#[test]
fn an_editor_with_quotes_or_spaces_runs_as_the_shell_reads_it() {
    let env = Env::new();
    let quoted = r#"sh -c 'printf "\nMy own words.\n" >> "$0"'"#;
    let run = env.run_with(&["new", "quoted"], &[("EDITOR", quoted)]);
    run.assert_ok();
    let file = env.user_kb().join("notes/quoted.md");
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .ends_with("\nMy own words.\n"),
        "{}",
        run.stderr
    );
    let log = env.path("editor.log");
    let editor = env.write(
        "My Editors/ed.sh",
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", log.display()),
    );
    make_executable(&editor);
    let run = env.run_with(
        &["new", "spaced"],
        &[("VISUAL", &format!("\"{}\" --flag", editor.display()))],
    );
    // The editor changed nothing: the skeleton is removed, as for any editor.
    run.assert_status(1);
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!(
            "--flag {}\n",
            env.user_kb().join("notes/spaced.md").display()
        )
    );
    // A quoted program that does not exist cannot be started, as a plain word cannot.
    let run = env.run_with(&["new", "nowhere"], &[("EDITOR", "'/no/such editor'")]);
    run.assert_status(2).assert_no_panic();
    assert!(
        run.stderr
            .contains("cannot start the editor `'/no/such editor'`"),
        "{}",
        run.stderr
    );
    assert!(!env.user_kb().join("notes/nowhere.md").exists());
    let run = env.run_with(&["new", "nowhere"], &[("EDITOR", "no-such-editor-xyz")]);
    run.assert_status(2);
    assert!(
        run.stderr
            .contains("cannot start the editor `no-such-editor-xyz`"),
        "{}",
        run.stderr
    );
    // An editor named in bytes that are not UTF-8 is the one asked for, not vi.
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = env.command(&["new", "nowhere"]);
    cmd.env("EDITOR", std::ffi::OsStr::from_bytes(b"\xffedit"));
    let (output, _) = common::bounded(cmd, std::time::Duration::from_secs(20), "new");
    let run = common::Run::from(output);
    run.assert_status(2);
    assert!(
        run.stderr
            .contains("cannot start the editor `\u{fffd}edit`"),
        "{}",
        run.stderr
    );
    assert!(!env.user_kb().join("notes/nowhere.md").exists());
}

#[test]
fn new_refuses_bad_ids_and_existing_ones_without_touching_files() {
    let env = Env::new();
    for bad in ["Bad ID", "x--y", "a/b", "UPPER"] {
        let run = env.run_with(&["new", bad], &[("EDITOR", "true")]);
        run.assert_status(2).assert_no_panic();
        assert!(run.stderr.contains("is not an id"), "{}", run.stderr);
    }
    let run = env.run_with(&["new", "decorators"], &[("EDITOR", "true")]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("pyguide edit decorators"),
        "{}",
        run.stderr
    );
    let mine = env.write(
        "data/pyguide/kb/notes/mine.md",
        &entry("mine", "notes", "Mine", "my words"),
    );
    let before = fs::read(&mine).unwrap();
    let run = env.run_with(&["new", "mine"], &[("EDITOR", "true")]);
    run.assert_status(2);
    assert_eq!(fs::read(&mine).unwrap(), before);
}

#[test]
fn an_editor_that_breaks_the_entry_gets_the_problem_and_the_file_is_kept() {
    let env = Env::new();
    let editor = env.write(
        "break.sh",
        "#!/bin/sh\nsed 's/^title:/tittle:/' \"$1\" > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\n",
    );
    make_executable(&editor);
    let run = env.run_with(
        &["new", "broken-tip"],
        &[("EDITOR", &editor.display().to_string())],
    );
    run.assert_status(1);
    let file = env.user_kb().join("notes/broken-tip.md");
    assert!(
        run.stdout
            .contains(&format!("{}:3: unknown field `tittle`", file.display())),
        "{}",
        run.stdout
    );
    assert!(fs::read_to_string(&file).unwrap().contains("tittle:"));
    // An editor that fails: the file stays, exit 2.
    let run = env.run_with(&["edit", "broken-tip"], &[("EDITOR", "false")]);
    run.assert_status(2);
    assert!(file.exists());
    // An editor that does not exist: the skeleton `new` made is removed, exit 2.
    let run = env.run_with(&["new", "other-tip"], &[("EDITOR", "no-such-editor-xyz")]);
    run.assert_status(2).assert_no_panic();
    assert!(run.stderr.contains("no-such-editor-xyz"), "{}", run.stderr);
    assert!(!env.user_kb().join("notes/other-tip.md").exists());
}

#[test]
fn edit_copies_a_builtin_entry_as_an_override() {
    let env = Env::new();
    let copy = env.user_kb().join("syntax/decorators.md");
    let original = fs::read_to_string(common::repo_kb().join("syntax/decorators.md")).unwrap();
    // Left unchanged, the copy is removed: it would hide a newer built-in version.
    let run = env.run_with(&["edit", "decorators"], &[("EDITOR", "true")]);
    run.assert_status(1);
    assert!(!copy.exists(), "{}", run.stderr);
    let run = env.run_with(
        &["edit", "decorators"],
        &[("EDITOR", &writing_editor(&env))],
    );
    run.assert_ok();
    assert_eq!(
        fs::read_to_string(&copy).unwrap(),
        format!("{original}\nMy own words about this.\n")
    );
    let show = env.run(&["show", "decorators"]);
    assert!(show.stdout.contains(&copy.display().to_string()));
    // A second edit opens the copy, and never overwrites it.
    fs::write(&copy, original.replace("title:", "title: ").as_bytes()).unwrap();
    let edited = fs::read(&copy).unwrap();
    let run = env.run_with(&["edit", "decorators"], &[("EDITOR", "true")]);
    run.assert_ok();
    assert_eq!(fs::read(&copy).unwrap(), edited);
    // Unknown topics, and words that only loosely match an entry: exit 1, nothing written.
    for topic in ["qwertyuiop", "how do I change my wallpaper"] {
        let run = env.run_with(&["edit", topic], &[("EDITOR", "true")]);
        run.assert_status(1);
        assert!(
            run.stderr.contains(&format!("no entry for `{topic}`")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        fs::read_dir(env.user_kb()).unwrap().count(),
        1,
        "only syntax/"
    );
}

#[test]
fn random_is_a_short_tip_within_the_category_and_varies() {
    let env = Env::new();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let run = env.run(&["random", "--category", "django"]);
        run.assert_ok();
        assert!(run.stdout.contains("\ndjango · django-"), "{}", run.stdout);
        assert!(
            run.stdout.contains("The whole entry: pyguide show django-"),
            "{}",
            run.stdout
        );
        seen.insert(run.stdout.lines().next().unwrap().to_string());
    }
    assert!(seen.len() >= 2, "12 picks, always {seen:?}");
    let run = env.run(&["random", "--category", "no-such-category"]);
    run.assert_status(1);
    assert!(
        run.stderr
            .contains("no category `no-such-category`; the categories are:"),
        "{}",
        run.stderr
    );
}

#[test]
fn man_prints_roff_when_piped() {
    let env = Env::new();
    let run = env.run(&["man"]);
    run.assert_ok();
    assert!(run.stdout.contains(".TH pyguide 1"), "{}", run.stdout);
    for word in [
        "search",
        "show",
        "new",
        "edit",
        "random",
        "ENVIRONMENT",
        "EXIT STATUS",
    ] {
        assert!(run.stdout.contains(word), "{word}");
    }
    let run = env.run(&["man", "search"]);
    run.assert_ok();
    assert!(
        run.stdout.contains(".TH pyguide-search 1"),
        "{}",
        run.stdout
    );
    env.run(&["man", "nope"]).assert_status(2);
}

#[test]
fn ids_prints_only_ids_in_rank_order() {
    let env = Env::new();
    let ids = env.run(&["search", "--ids", "lazy", "queryset"]);
    ids.assert_ok();
    let full = env.run(&["search", "lazy", "queryset"]);
    assert_eq!(ids.stdout.lines().collect::<Vec<_>>(), full.ids());
    assert!(ids.stdout.lines().all(|l| !l.contains(['\t', ' '])));
    let run = env.run(&["search", "--ids", "--json", "x"]);
    run.assert_status(2);
}

#[test]
fn search_in_a_terminal_ends_with_a_count() {
    let env = Env::new();
    let run = env.run_tty(
        &["search", "--limit", "3", "decorator"],
        &[("COLUMNS", "80"), ("PYGUIDE_PAGER", "")],
    );
    run.assert_ok();
    assert_eq!(visible(&run.stdout).lines().last(), Some("3 results"));
}

/// Asks the binary for completions the way the registered shell function does.
fn complete(env: &Env, shell: &str, words: &[&str]) -> String {
    let index = (words.len() - 1).to_string();
    let mut args = vec!["--", "pyguide"];
    args.extend_from_slice(&words[1..]);
    let run = env.run_with(
        &args,
        &[
            ("COMPLETE", shell),
            ("_CLAP_COMPLETE_INDEX", &index),
            ("_CLAP_COMPLETE_COMP_TYPE", "9"),
            ("_CLAP_COMPLETE_SPACE", "true"),
            ("_CLAP_IFS", "\n"),
        ],
    );
    run.assert_ok();
    run.stdout
}

#[test]
fn completion_registers_and_completes_commands_topics_and_categories() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = env.run_with(&[], &[("COMPLETE", shell)]);
        run.assert_ok();
        assert!(run.stdout.contains("pyguide"), "{shell}: {}", run.stdout);
    }
    let out = complete(&env, "bash", &["pyguide", "se"]);
    assert!(out.lines().any(|l| l == "search"), "{out}");
    // Ids first, then entries with an alias or a title word that starts so.
    let out = complete(&env, "bash", &["pyguide", "show", "deco"]);
    assert_eq!(out.lines().next(), Some("decorators"), "{out}");
    let out = complete(&env, "bash", &["pyguide", "show", "yie"]);
    assert!(out.lines().any(|l| l == "generators"), "{out}");
    // A bare topic (the `pyguide decorators` habit) completes too, and `ID#` its sections.
    let out = complete(&env, "bash", &["pyguide", "decor"]);
    assert_eq!(out.lines().next(), Some("decorators"), "{out}");
    let out = complete(&env, "bash", &["pyguide", "show", "context-managers#supp"]);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["context-managers#suppress-and-exitstack"]
    );
    let out = complete(&env, "bash", &["pyguide", "list", "--category", "dj"]);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["django"]);
    // fish shows the title beside the id.
    let out = complete(&env, "fish", &["pyguide", "show", "deco"]);
    assert!(out.contains("decorators\tDecorator Internals"), "{out:?}");
    // The user's own entries complete too.
    env.write(
        "data/pyguide/kb/notes/deco-notes.md",
        &entry("deco-notes", "notes", "My Deco Notes", "words"),
    );
    let out = complete(&env, "bash", &["pyguide", "show", "deco"]);
    assert_eq!(
        out.lines().take(2).collect::<Vec<_>>(),
        ["deco-notes", "decorators"]
    );
    let out = complete(&env, "bash", &["pyguide", "search", "--category", "no"]);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["notes"]);
}

#[test]
fn a_users_code_colours_are_kept_in_the_cache_and_survive_damage() {
    let env = snap_env();
    let first = env.run(&["--color", "always", "show", "snap-entry"]);
    first.assert_ok();
    let saved: Vec<std::path::PathBuf> = fs::read_dir(env.cache_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("colors-"))
        .flat_map(|e| fs::read_dir(e.path()).unwrap().flatten().map(|f| f.path()))
        .filter(|p| !p.ends_with("pyguide-made"))
        .collect();
    assert_eq!(saved.len(), 3, "one file a code block: {saved:?}");
    let second = env.run(&["--color", "always", "show", "snap-entry"]);
    assert_eq!(second.stdout, first.stdout);
    // Garbage or a truncated file in place of saved colours: highlighted afresh, same text.
    fs::write(&saved[0], b"garbage").unwrap();
    fs::write(&saved[1], b"").unwrap();
    let third = env.run(&["--color", "always", "show", "snap-entry"]);
    assert_eq!(third.stdout, first.stdout);
    // Built-in entries need no saved colours.
    let env = Env::new();
    env.run(&["--color", "always", "show", "generators"])
        .assert_ok();
    assert!(!env.cache_dir().exists());
}

//! Nothing a user types or keeps on disk makes pyguide crash, hang, lie or lose data. Each
//! case here is a row of the README's "When things go wrong" table.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, entry, tree, visible};

/// Runs with a deadline: a hang is a failure, not a stuck test run.
#[track_caller]
fn run_within(env: &Env, args: &[&str], limit: Duration) -> common::Run {
    let (output, _) = common::bounded(env.command(args), limit, &format!("pyguide {args:?}"));
    common::Run::from(output)
}

/// (file name, bytes, the line reported, words of the message)
fn bad_files() -> Vec<(&'static str, Vec<u8>, usize, &'static str)> {
    vec![
        (
            "no-front-matter.md",
            b"Just some text.\n".to_vec(),
            1,
            "front matter",
        ),
        (
            "unclosed.md",
            b"---\nid: unclosed\ntitle: T\nsummary: s\ncategory: c\nbody\n".to_vec(),
            1,
            "never closed",
        ),
        (
            "star.md",
            b"---\nid: star\ntitle: *args explained\nsummary: s\ncategory: c\n---\nb\n".to_vec(),
            3,
            "quote the value",
        ),
        (
            "types.md",
            b"---\nid: types\ntitle: T\nsummary: s\ncategory: c\naliases: 5\n---\nb\n".to_vec(),
            6,
            "aliases",
        ),
        (
            "unknown.md",
            b"---\nid: unknown\ntittle: T\nsummary: s\ncategory: c\n---\nb\n".to_vec(),
            3,
            "unknown field `tittle`",
        ),
        ("empty.md", Vec::new(), 1, "empty"),
        (
            "latin1.md",
            b"---\nid: latin1\ntitle: Caf\xe9\nsummary: s\ncategory: c\n---\nb\n".to_vec(),
            3,
            "UTF-8",
        ),
        (
            "huge.md",
            {
                let mut text =
                    b"---\nid: huge\ntitle: Huge\nsummary: s\ncategory: c\n---\n".to_vec();
                text.resize(50 * 1024 * 1024, b'a');
                text
            },
            1,
            "MB",
        ),
        (
            "bad-id.md",
            b"---\nid: Not An Id\ntitle: T\nsummary: s\ncategory: c\n---\nb\n".to_vec(),
            2,
            "id",
        ),
        (
            "no-body.md",
            b"---\nid: no-body\ntitle: T\nsummary: s\ncategory: c\n---\n".to_vec(),
            6,
            "body",
        ),
    ]
}

#[test]
fn bad_entry_files_are_each_reported_once_with_path_and_line_and_the_rest_works() {
    let env = Env::new();
    let kb = env.user_kb().join("bad");
    fs::create_dir_all(&kb).unwrap();
    for (name, bytes, _, _) in bad_files() {
        fs::write(kb.join(name), bytes).unwrap();
    }
    env.write(
        "data/pyguide/kb/good/good-one.md",
        &entry("good-one", "notes", "Good One", "zanzibar words here"),
    );
    let before = tree(&env.user_kb());

    // check: every problem, as path:line, exit 1.
    let check = run_within(
        &env,
        &["check", &env.user_kb().display().to_string()],
        Duration::from_secs(30),
    );
    check.assert_status(1).assert_no_panic();
    for (name, _, line, words) in bad_files() {
        let prefix = format!("{}:{line}: ", kb.join(name).display());
        let found: Vec<&str> = check
            .stdout
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .collect();
        assert_eq!(found.len(), 1, "{name}: {}", check.stdout);
        assert!(found[0].contains(words), "{name}: {}", found[0]);
    }

    // search: the first run reports each broken file once, on stderr, and answers.
    let run = run_within(&env, &["search", "zanzibar"], Duration::from_secs(30));
    run.assert_ok().assert_no_panic();
    assert_eq!(run.ids(), ["good-one"]);
    for (name, _, line, _) in bad_files() {
        let needle = format!("{}:{line}:", kb.join(name).display());
        assert_eq!(
            run.stderr.matches(&needle).count(),
            1,
            "{name}: {}",
            run.stderr
        );
    }
    // ...and not again until a file changes.
    let again = env.run(&["search", "zanzibar"]);
    again.assert_ok();
    assert_eq!(again.stderr, "");
    // The built-in guide is all there.
    let list = env.run(&["list"]);
    assert_eq!(list.ids().len(), common::builtin_count() + 1);

    for args in [
        &["show", "good-one"][..],
        &["show", "decorators"],
        &["index"],
        &["list", "--json"],
    ] {
        run_within(&env, args, Duration::from_secs(30))
            .assert_ok()
            .assert_no_panic();
    }
    assert!(tree(&env.user_kb()) == before, "a user file was changed");
}

#[test]
fn duplicate_ids_in_one_folder_and_across_folders() {
    let env = Env::new();
    let a = env.write(
        "data/pyguide/kb/a/twin.md",
        &entry("twin", "notes", "Twin A", "first copy"),
    );
    let b = env.write(
        "data/pyguide/kb/b/twin.md",
        &entry("twin", "notes", "Twin B", "second copy"),
    );
    let other = env.write(
        "other/twin.md",
        &entry("twin", "notes", "Twin Other", "third copy"),
    );
    let check = env.run(&["check", &env.user_kb().display().to_string()]);
    check.assert_status(1);
    assert!(
        check.stdout.contains("duplicate id `twin`"),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains(&a.display().to_string()));
    assert!(check.stdout.contains(&b.display().to_string()));
    // Across folders: the --kb folder comes first and wins; the others are reported.
    let run = env.run(&[
        "--kb",
        &other.parent().unwrap().display().to_string(),
        "show",
        "twin",
    ]);
    run.assert_ok();
    assert!(run.stdout.starts_with("# Twin Other"), "{}", run.stdout);
    assert!(run.stderr.contains("twin"), "{}", run.stderr);
}

#[test]
fn related_cycles_and_dangling_links() {
    let env = Env::new();
    let text = |id: &str, related: &str| {
        format!(
            "---\nid: {id}\ntitle: \"{id}\"\nsummary: s\ncategory: notes\nrelated: [{related}]\n---\nbody\n"
        )
    };
    env.write("data/pyguide/kb/ring-a.md", &text("ring-a", "ring-b"));
    env.write(
        "data/pyguide/kb/ring-b.md",
        &text("ring-b", "ring-a, ring-a"),
    );
    let dangling = env.write("data/pyguide/kb/dangling.md", &text("dangling", "nowhere"));
    let run = env.run(&["show", "ring-a"]);
    run.assert_ok();
    assert!(run.stdout.contains("- ring-b — s"), "{}", run.stdout);
    let run = env.run(&["show", "dangling"]);
    run.assert_ok();
    let check = env.run(&["check", &env.user_kb().display().to_string()]);
    check.assert_status(1);
    assert!(
        check.stdout.contains(&format!(
            "{}:6: `related` points to `nowhere`",
            dangling.display()
        )),
        "{}",
        check.stdout
    );
}

#[test]
fn a_symlink_loop_and_odd_files_in_a_kb_folder_do_not_hang() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/deep/looped.md",
        &entry("looped", "notes", "Looped", "ouroboros"),
    );
    let kb = env.user_kb();
    std::os::unix::fs::symlink(&kb, kb.join("deep/loop")).unwrap();
    std::os::unix::fs::symlink(kb.join("deep"), kb.join("deep/again")).unwrap();
    std::os::unix::fs::symlink(kb.join("missing.md"), kb.join("dangling.md")).unwrap();
    // A named pipe: reading it would block forever.
    let fifo = kb.join("pipe.md");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for args in [
        &["search", "ouroboros"][..],
        &["check", &kb.display().to_string()],
        &["index"],
    ] {
        let run = run_within(&env, args, Duration::from_secs(20));
        run.assert_no_panic();
        assert!(
            run.status.is_some_and(|s| s <= 1),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = env.run(&["search", "ouroboros"]);
    assert_eq!(run.ids(), ["looped"]);
}

#[test]
fn an_unreadable_file_is_reported_and_skipped() {
    let env = Env::new();
    let secret = env.write(
        "data/pyguide/kb/secret.md",
        &entry("secret", "notes", "Secret", "zorblaxian"),
    );
    env.write(
        "data/pyguide/kb/open.md",
        &entry("open-one", "notes", "Open", "zorblaxian too"),
    );
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    // root reads anything: then run pyguide as an unprivileged user.
    let run = common::Run::from(
        unprivileged(&env, env.command(&["search", "zorblaxian"]))
            .output()
            .unwrap(),
    );
    run.assert_ok().assert_no_panic();
    assert_eq!(run.ids(), ["open-one"]);
    assert!(
        run.stderr
            .contains(&format!("{}:1: cannot read", secret.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn a_folder_that_can_be_listed_but_not_entered_is_reported() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/locked/gamma.md",
        &entry("gamma", "notes", "Gamma", "zorblaxian"),
    );
    env.write(
        "data/pyguide/kb/open.md",
        &entry("open-one", "notes", "Open", "zorblaxian too"),
    );
    let locked = env.user_kb().join("locked");
    use std::os::unix::fs::PermissionsExt;
    let mut cmd = unprivileged(&env, env.command(&["search", "zorblaxian"]));
    // After `unprivileged`, which opens every folder up.
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o600)).unwrap();
    let run = common::Run::from(cmd.output().unwrap());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_ok().assert_no_panic();
    assert_eq!(run.ids(), ["open-one"]);
    assert!(
        run.stderr
            .contains(&format!("{}:1: cannot read", locked.display())),
        "{}",
        run.stderr
    );
}

/// Quotes and lists nested thousands deep in a few kilobytes: the terminal rendering keeps
/// sixteen levels instead of overflowing its stack. (The words are short: past the levels'
/// bars, a line has little room left.)
#[test]
fn markdown_nested_thousands_deep_is_shown() {
    let env = Env::new();
    let deep = format!("{} qbottom", ">".repeat(12_000));
    let listed = format!("{}lbottom", "- ".repeat(20_000));
    env.write(
        "data/pyguide/kb/deep.md",
        &entry(
            "deep-one",
            "notes",
            "Deep",
            &format!("{deep}\n\n{listed}\n"),
        ),
    );
    let run = run_within(
        &env,
        &["--color", "always", "show", "deep-one"],
        Duration::from_secs(20),
    );
    run.assert_ok().assert_no_panic();
    let text = visible(&run.stdout);
    assert!(text.contains("qbottom"), "{text}");
    assert!(text.contains("lbottom"), "{text}");
}

/// The command as it is when run by an ordinary user; as root (who reads anything), run as
/// `nobody`, with every folder of the test opened up to it.
fn unprivileged(env: &Env, cmd: Command) -> Command {
    if !unsafe_is_root() {
        return cmd;
    }
    common::require("setpriv");
    open_up(env.root.path());
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(env.path("home"))
        .stdin(Stdio::null());
    wrapped
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Lets another user into every folder of the test (the binary's own folder is readable).
fn open_up(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let _ = fs::set_permissions(&d, fs::Permissions::from_mode(0o777));
        for e in fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
}

/// Every ASCII punctuation character alone and beside the others, Unicode of several kinds,
/// control characters, a 10,000-character query and an empty one.
fn hostile_queries() -> Vec<String> {
    let punctuation: Vec<char> = (0x21u8..0x7f)
        .map(char::from)
        .filter(char::is_ascii_punctuation)
        .collect();
    let mut queries: Vec<String> = punctuation.iter().map(|c| c.to_string()).collect();
    let all: String = punctuation.iter().collect();
    queries.push(all.clone());
    queries.push(all.chars().rev().collect());
    for pair in punctuation.chunks(2) {
        queries.push(format!("{}{}x{}", pair[0], pair[pair.len() - 1], pair[0]));
    }
    queries.extend(
        [
            "e\u{301}\u{302}\u{303} combining",
            "\u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{202e}reversed\u{202c}",
            "🐍🐍 python 🐍",
            // Words of ten bytes and more whose bytes 4 to 10 fall inside characters.
            "日本語日本語 python",
            "🐍🐍🐍 x",
            "a日本語日本語.py",
            "👩‍👩‍👧 family",
            // (NUL cannot be passed in an argument at all.)
            "\u{1}\u{7}\u{1b}[31mred\u{1b}[0m\u{7f}",
            "\u{feff}bom",
            "\u{fffd}",
            "",
            " ",
            "\t\n",
            "title:",
            "id:decorators",
            "+-&&||!(){}[]^\"~*?:\\/",
            "a AND OR NOT b",
        ]
        .map(String::from),
    );
    queries.push("lazy ".repeat(2_000));
    queries.push("x".repeat(10_000));
    queries
}

#[test]
fn hostile_queries_and_topics_never_panic() {
    let env = Env::new();
    for q in hostile_queries() {
        for args in [
            vec!["search", q.as_str()],
            vec!["search", "--json", q.as_str()],
            vec!["show", q.as_str()],
            vec![q.as_str()],
            vec!["search", "--category", q.as_str(), "x"],
        ] {
            let run = run_within(&env, &args, Duration::from_secs(20));
            run.assert_no_panic();
            let status = run.status.expect("killed by a signal");
            assert!(status <= 2, "{args:?} exited {status}");
            if status != 0 {
                assert!(
                    run.stderr.starts_with("pyguide: ") || run.stderr.starts_with("error: "),
                    "{args:?}: no message: {:?}",
                    run.stderr
                );
            }
            assert!(!run.stdout.contains('\x1b'), "{args:?}: escapes in a pipe");
            if q.trim().is_empty() && args.len() == 2 {
                assert_eq!(status, 2, "{args:?}: an empty query is a usage error");
            }
            assert!(!run.stderr.contains("\x1b[31m"), "{args:?}: escapes echoed");
        }
    }
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let env = Env::new();
    for args in [
        &["search", "--limit", "-1", "x"][..],
        &["search", "--limit", "many", "x"],
        &["search", "--limit", "99999999999999999999999", "x"],
        &["--color", "purple", "list"],
        &["--theme", "blue", "list"],
        &["search"],
        &["show"],
        &["--kb"],
        &["new"],
        &["search", "--limit", "0", "x"],
    ] {
        let run = env.run(args);
        run.assert_status(2).assert_no_panic();
        // One prefix for every error, clap's usage errors included.
        assert!(
            run.stderr.starts_with("pyguide: error: "),
            "{args:?}: {}",
            run.stderr
        );
    }
    // --limit and `limit` in the config follow one rule: from 1 to 1000.
    let run = env.run(&["search", "--limit", "0", "x"]);
    assert!(run.stderr.contains("1..=1000"), "{}", run.stderr);
    for limit in ["0", "5000"] {
        env.write("config/pyguide/config.toml", &format!("limit = {limit}\n"));
        let run = env.run(&["search", "x"]);
        run.assert_status(2);
        assert!(run.stderr.contains("from 1 to 1000"), "{}", run.stderr);
    }
    fs::remove_file(env.path("config/pyguide/config.toml")).unwrap();
    // A shell that completion does not know: the same prefix, on a line of its own.
    let run = common::Run::from(
        env.command(&[])
            .env("COMPLETE", "nonsense")
            .output()
            .unwrap(),
    );
    run.assert_status(2).assert_no_panic();
    assert!(
        run.stderr.starts_with("pyguide: error: unknown shell") && run.stderr.ends_with('\n'),
        "{}",
        run.stderr
    );
    // A --kb folder that does not exist: a warning that names it, and the guide answers.
    let run = env.run(&["--kb", "/no/such/folder", "search", "decorator"]);
    run.assert_ok();
    assert_eq!(
        run.stderr,
        "pyguide: warning: --kb names /no/such/folder, which does not exist\n"
    );
}

#[test]
fn escape_sequences_in_a_users_entry_never_reach_the_terminal() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/evil.md",
        "---\nid: evil\ntitle: \"Evil \\e]0;pwned\\a title\"\nsummary: \"sum \\e[2J mary\"\n\
         category: notes\ntags: [\"\\e[5mblink\"]\n---\nBody \x1b[31mred\x1b[0m and \x1b]8;;http://x\x07link\x1b]8;;\x07 \x07bell\n\n\
         ```python\nprint('\x1b[2J')\n```\n",
    );
    for args in [
        &["--color", "always", "show", "evil"][..],
        &["show", "evil"],
        &["--color", "always", "search", "blink"],
        &["search", "blink"],
        &["search", "--json", "evil"],
        &["--color", "always", "list"],
        &["list"],
    ] {
        let run = env.run(args);
        run.assert_ok();
        for bad in ["\x1b]", "\x1b[2J", "\x1b[31m", "\x1b[5m", "\x07"] {
            assert!(!run.stdout.contains(bad), "{args:?} lets {bad:?} through");
        }
    }
}

#[test]
fn narrow_and_odd_terminal_widths() {
    let env = Env::new();
    for columns in ["20", "0", "-5", "huge", "1", "100000"] {
        for args in [
            &["--color", "always", "show", "generators"][..],
            &["--color", "always", "search", "lazy", "queryset"],
            &["--color", "always", "list"],
        ] {
            let run = env.run_with(args, &[("COLUMNS", columns)]);
            run.assert_ok().assert_no_panic();
        }
    }
    let run = env.run_with(
        &["--color", "always", "show", "generators"],
        &[("COLUMNS", "20")],
    );
    let widest = run
        .stdout
        .lines()
        .map(|l| visible(l).chars().count())
        .max()
        .unwrap();
    assert!(widest <= 20, "a line of {widest} at width 20");
}

/// A user guide big enough for an index build to take a while.
fn big_guide(env: &Env, n: usize) {
    for i in 0..n {
        env.write(
            &format!("data/pyguide/kb/bulk/entry-{i}.md"),
            &entry(
                &format!("entry-{i}"),
                "bulk",
                &format!("Entry {i}"),
                &format!(
                    "word{i} {}",
                    "filler text about python generators ".repeat(40)
                ),
            ),
        );
    }
    env.write(
        "data/pyguide/kb/marker.md",
        &entry("marker", "notes", "Marker", "quixotic marker"),
    );
}

fn index_files(env: &Env) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![env.cache_dir()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files
}

#[test]
fn damaged_index_files_are_rebuilt_not_fatal() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/marker.md",
        &entry("marker", "notes", "Marker", "quixotic marker"),
    );
    env.run(&["index"]).assert_ok();
    let files = index_files(&env);
    assert!(files.len() > 3, "{files:?}");
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 5] = [
        ("truncated", |p| {
            let len = fs::metadata(p).unwrap().len();
            let f = fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_len(len / 2).unwrap();
        }),
        ("flipped bytes", |p| {
            let mut bytes = fs::read(p).unwrap();
            for i in (0..bytes.len()).step_by(7) {
                bytes[i] ^= 0xff;
            }
            fs::write(p, bytes).unwrap();
        }),
        ("garbage", |p| {
            fs::write(p, b"\x00garbage{{{not json").unwrap()
        }),
        ("emptied", |p| fs::write(p, b"").unwrap()),
        // Bit rot: one byte, with the file's size and time as they were.
        ("one byte flipped, time kept", |p| {
            let mut bytes = fs::read(p).unwrap();
            if bytes.is_empty() {
                return;
            }
            let modified = fs::metadata(p).unwrap().modified().unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xff;
            fs::write(p, bytes).unwrap();
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }),
    ];
    let segment_file = |name: &str| {
        name.split_once('.').is_some_and(|(stem, _)| {
            stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    // `index` makes a new generation, with new segment names: the k-th file is taken anew
    // after each, in an order of kinds (by extension) that does not depend on the names.
    let count = index_files(&env).len();
    let kth = |k: usize| {
        let mut files = index_files(&env);
        files.sort_by_key(|f| {
            (
                f.extension().map(|e| e.to_os_string()),
                f.file_name().map(|n| n.len()),
            )
        });
        files.get(k).cloned()
    };
    let mut warned = 0;
    for (what, damage) in damages {
        for k in 0..count {
            env.run(&["index"]).assert_ok();
            let Some(file) = kth(k) else {
                continue;
            };
            let before = fs::read(&file).unwrap();
            damage(&file);
            let changed = fs::read(&file).unwrap() != before;
            let run = run_within(&env, &["search", "quixotic"], Duration::from_secs(30));
            run.assert_no_panic();
            assert_eq!(
                run.ids(),
                ["marker"],
                "{what} {}: {}",
                file.display(),
                run.stderr
            );
            // Damage that pyguide can see is said, in one line. Its files in a generation are
            // sealed by size and time; a flip that keeps both is seen in tantivy's files, which
            // carry checksums (the vocabulary and the records do not). The vocabulary is
            // written again by an update, like meta.json, so a change to it is not told from
            // an update cut short (meta.json's damage shows when tantivy reads it).
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let in_generation = file
                .parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d.to_string_lossy().starts_with("gen-"))
                && !name.starts_with('.')
                && name != "vocab.txt";
            let seen = if what.ends_with("time kept") {
                segment_file(&name)
            } else {
                in_generation
            };
            if changed && seen {
                warned += 1;
                assert!(
                    run.stderr
                        .starts_with("pyguide: warning: the saved index was damaged ("),
                    "{what} {}: {}",
                    file.display(),
                    run.stderr
                );
            }
            let run = env.run(&["search", "lazy", "queryset"]);
            assert_eq!(
                run.ids()[0],
                "django-querysets",
                "{what} {}",
                file.display()
            );
        }
    }
    assert!(warned >= 5 * 7, "only {warned} damages were said");
    // The whole index folder deleted.
    fs::remove_dir_all(env.cache_dir()).unwrap();
    assert_eq!(env.run(&["search", "quixotic"]).ids(), ["marker"]);
}

#[test]
fn a_stale_lock_file_does_not_block() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/marker.md",
        &entry("marker", "notes", "Marker", "quixotic marker"),
    );
    env.run(&["index"]).assert_ok();
    let lock = env.cache_dir().join("build.lock");
    assert!(lock.exists(), "{:?}", index_files(&env));
    // A lock left by a process that died (its contents are whatever it wrote), and a change
    // that needs a rebuild.
    fs::write(&lock, b"12345\n").unwrap();
    env.write(
        "data/pyguide/kb/second.md",
        &entry("second", "notes", "Second", "quixotic second"),
    );
    let run = run_within(&env, &["search", "quixotic"], Duration::from_secs(20));
    run.assert_ok();
    assert_eq!(run.ids().len(), 2);
}

#[test]
fn a_missing_or_unwritable_cache_folder_answers_from_memory_with_one_warning() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/marker.md",
        &entry("marker", "notes", "Marker", "quixotic marker"),
    );
    // The cache folder's parent is a file: it can never be created.
    let blocker = env.write("blocker", "a file");
    let run = env.run_with(
        &["search", "quixotic"],
        &[("XDG_CACHE_HOME", &blocker.display().to_string())],
    );
    run.assert_ok();
    assert_eq!(run.ids(), ["marker"]);
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].starts_with("pyguide: warning:"),
        "{}",
        run.stderr
    );
}

#[test]
#[ignore = "needs root, to mount a small tmpfs: cargo test -- --ignored (.ci/run does)"]
fn a_full_disk_leaves_search_answering() {
    let env = Env::new();
    let mount = env.path("small");
    fs::create_dir_all(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(mounted, "cannot mount a 64 KB tmpfs: run this test as root");
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mount.clone());
    big_guide(&env, 50);
    let run = env.run_with(
        &["search", "quixotic"],
        &[("XDG_CACHE_HOME", &mount.display().to_string())],
    );
    run.assert_ok().assert_no_panic();
    assert_eq!(run.ids(), ["marker"]);
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
    // Nothing half-written is left to be mistaken for an index.
    let again = env.run_with(
        &["search", "word7"],
        &[("XDG_CACHE_HOME", &mount.display().to_string())],
    );
    again.assert_ok();
    assert_eq!(again.ids()[0], "entry-7");
}

#[test]
fn sixteen_processes_at_once_on_an_empty_cache() {
    let env = Env::new();
    big_guide(&env, 300);
    let children: Vec<Child> = (0..16)
        .map(|i| {
            let args: Vec<String> = if i % 2 == 0 {
                vec!["search".into(), "quixotic".into()]
            } else {
                vec!["search".into(), format!("word{}", i * 7)]
            };
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            env.command(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let run = common::Run::from(child.wait_with_output().unwrap());
        run.assert_ok().assert_no_panic();
        let want = if i % 2 == 0 {
            "marker".to_string()
        } else {
            format!("entry-{}", i * 7)
        };
        assert_eq!(run.ids()[0], want, "process {i}: {}", run.stderr);
    }
}

#[test]
fn searches_during_a_rebuild_all_answer() {
    let env = Env::new();
    big_guide(&env, 1_500);
    env.run(&["index"]).assert_ok();
    let mut rebuild = env
        .command(&["index"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut answered = 0;
    while rebuild.try_wait().unwrap().is_none() || answered < 5 {
        let run = env.run(&["search", "quixotic"]);
        run.assert_ok().assert_no_panic();
        assert_eq!(run.ids(), ["marker"], "{}", run.stderr);
        answered += 1;
    }
    assert!(rebuild.wait().unwrap().success());
}

#[test]
fn ctrl_c_during_index_leaves_the_previous_index_usable() {
    let env = Env::new();
    big_guide(&env, 3_000);
    env.run(&["index"]).assert_ok();
    for delay in [50, 150, 400] {
        let child = env
            .command(&["index"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let _ = child.wait_with_output();
        let start = Instant::now();
        let run = env.run(&["search", "quixotic"]);
        run.assert_ok().assert_no_panic();
        assert_eq!(run.ids(), ["marker"]);
        // It answered from the existing index: no rebuild of 3,000 entries.
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn stdin_and_stdout_oddities() {
    let env = Env::new();
    // stdout closed at once, and stdout a full device.
    let mut child = env
        .command(&["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    // A closed pipe is the reader's choice, not an error: exit 0, nothing said.
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // Help and the version are written by pyguide too, not left to clap, which ignores a
    // failed write.
    for args in [&["show", "generators"][..], &["--help"], &["--version"]] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("this test needs /dev/full");
        let out = env.command(args).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("pyguide: error:"), "{args:?}: {stderr}");
    }
}

/// Runs pyguide as another user (setpriv), in the test's environment.
fn run_as(env: &Env, uid: u32, args: &[&str], vars: &[(&str, &str)]) -> common::Run {
    let cmd = env.command(args);
    let mut wrapped = Command::new("setpriv");
    wrapped
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={uid}"))
        .args(["--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir("/")
        .stdin(Stdio::null());
    for (k, v) in vars {
        wrapped.env(k, v);
    }
    common::Run::from(wrapped.output().unwrap())
}

#[test]
#[ignore = "needs root, to act as two users with setpriv: cargo test -- --ignored (.ci/run does)"]
fn another_user_cannot_make_pyguide_follow_a_link_in_a_shared_cache() {
    use std::os::unix::fs::{PermissionsExt, chown, symlink};
    assert!(unsafe_is_root(), "run this test as root");
    common::require("setpriv");
    let env = Env::new();
    let (victim, attacker) = (65533, 65534);
    env.write(
        "data/pyguide/kb/mine.md",
        &entry("mine", "notes", "Mine", "quokka facts"),
    );
    open_up(env.root.path());
    // The victim's precious file, and a shared folder anyone can write (a cache in /tmp).
    let precious = env.write("home/precious.txt", "the victim's work");
    chown(&precious, Some(victim), Some(victim)).unwrap();
    let shared = env.path("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    // The attacker plants links where pyguide writes.
    for name in ["build.lock", "current", "CACHEDIR.TAG"] {
        symlink(&precious, shared.join(name)).unwrap();
    }
    chown(&shared, Some(attacker), Some(attacker)).unwrap();
    let cache = shared.display().to_string();
    let run = run_as(
        &env,
        victim,
        &["search", "quokka"],
        &[("PYGUIDE_CACHE_DIR", &cache)],
    );
    run.assert_status(2);
    assert!(
        run.stderr.contains("belongs to another user"),
        "{}",
        run.stderr
    );
    // Owned by the victim but writable by everyone: refused just the same.
    chown(&shared, Some(victim), Some(victim)).unwrap();
    let run = run_as(
        &env,
        victim,
        &["search", "quokka"],
        &[("PYGUIDE_CACHE_DIR", &cache)],
    );
    run.assert_status(2);
    assert!(
        run.stderr.contains("writable by other users"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read_to_string(&precious).unwrap(), "the victim's work");
    assert_eq!(fs::symlink_metadata(&precious).unwrap().len(), 17);
    // A cache of the victim's own, closed to others: the link the attacker could not plant
    // is not there, and everything works.
    let own = env.path("own");
    fs::create_dir(&own).unwrap();
    chown(&own, Some(victim), Some(victim)).unwrap();
    fs::set_permissions(&own, fs::Permissions::from_mode(0o700)).unwrap();
    let run = run_as(
        &env,
        victim,
        &["search", "quokka"],
        &[("PYGUIDE_CACHE_DIR", &own.display().to_string())],
    );
    run.assert_ok();
    assert_eq!(run.ids(), ["mine"]);
}

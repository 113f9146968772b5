//! Faults that could lose a user's data or leave pyguide lying, hanging or drawing garbage:
//! the items of the issue on data loss and faults, one test each, run against the real
//! binary in the hermetic environment of `common`.
//!
//! Every test that touches the user's files proves they did not change (bytes before and
//! after). Tests that need root are `#[ignore]` and assert what they need instead of
//! skipping; everything else must pass as it is.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use common::{Env, Run, bounded, entry, make_executable, require, tree, visible};

// ---------------------------------------------------------------------------------------------
// Helpers

#[track_caller]
fn assert_unchanged(before: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path, what: &str) {
    let after = tree(dir);
    if &after == before {
        return;
    }
    let added: Vec<&PathBuf> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let removed: Vec<&PathBuf> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let changed: Vec<&PathBuf> = before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k)
        .collect();
    panic!(
        "{what}: the user's files changed\n added: {added:?}\n removed: {removed:?}\n changed: {changed:?}"
    );
}

/// pyguide with `args` and extra environment variables, as a command to adjust further.
fn pyguide(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut cmd = env.command(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// Runs pyguide within `limit` (a hang fails the test).
#[track_caller]
fn run_bounded(env: &Env, args: &[&str], vars: &[(&str, &str)], limit: Duration) -> Run {
    let (out, _) = bounded(
        pyguide(env, args, vars),
        limit,
        &format!("pyguide {args:?}"),
    );
    Run::from(out)
}

/// Held by the tests that time commands and by the heaviest ones, so that a time bound is
/// never measured while this binary itself loads both cores.
static TIMING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn timing_lock() -> std::sync::MutexGuard<'static, ()> {
    TIMING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The test's default bound for one command: generous, only a hang exceeds it.
const HANG: Duration = Duration::from_secs(60);

#[track_caller]
fn run(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Run {
    run_bounded(env, args, vars, HANG)
}

/// How many times `id` is the first field of a line of stdout.
fn count_id(run: &Run, id: &str) -> usize {
    run.ids().iter().filter(|i| **i == id).count()
}

/// Search results: exit 0, or exit 1 with the hits listed and the one-line notice that none
/// of them answers for sure (equal hits).
#[track_caller]
fn assert_found(r: &Run) {
    r.assert_no_panic();
    match r.status {
        Some(0) => {}
        Some(1) if !r.stdout.is_empty() => {
            assert!(
                r.stderr.contains("for sure") && r.stderr.contains("; the closest:"),
                "{}",
                r.stderr
            )
        }
        _ => panic!("status {:?}:\n{}\n{}", r.status, r.stdout, r.stderr),
    }
}

/// The lines of stderr.
fn stderr_lines(run: &Run) -> Vec<&str> {
    run.stderr.lines().collect()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Sets a file's or a folder's modification time.
fn set_mtime(path: &Path, when: SystemTime) {
    let f = fs::File::open(path).unwrap();
    f.set_modified(when).unwrap();
}

/// A folder of the user's in which pyguide must not write: documents, and names pyguide's
/// own cache uses (`current`, `build.lock`, `current.tmp-1`, a `gen-` folder).
fn fill_with_users_files(dir: &Path) {
    fs::create_dir_all(dir.join("gen-ai/drafts")).unwrap();
    set_mode(dir, 0o755);
    fs::write(dir.join("gen-ai/notes.md"), "my notes on generative AI\n").unwrap();
    fs::write(
        dir.join("gen-ai/drafts/essay.txt"),
        "an essay, not backed up\n",
    )
    .unwrap();
    fs::write(dir.join("current"), "my current draft\n").unwrap();
    fs::write(dir.join("build.lock"), "the lock of my own build tool\n").unwrap();
    fs::write(dir.join("current.tmp-1"), "a temporary file of mine\n").unwrap();
    fs::write(dir.join("report.pdf"), b"%PDF-1.4 not really\x00\xff").unwrap();
}

fn user_entry(env: &Env) -> PathBuf {
    env.write(
        "data/pyguide/kb/notes/marker.md",
        &entry("marker", "notes", "Marker", "quixotic marker words"),
    )
}

// ---------------------------------------------------------------------------------------------
// 1. A cache folder that already holds other files is refused and nothing is lost.

#[track_caller]
fn assert_refused_and_untouched(env: &Env, vars: &[(&str, &str)], cache: &Path, watched: &Path) {
    let before = tree(watched);
    let want = format!(
        "pyguide: error: the cache folder {} holds files pyguide did not create (",
        cache.display()
    );
    for args in [
        &["search", "quixotic"][..],
        &["list"],
        &["show", "marker"],
        &["index"],
        &["random"],
    ] {
        let r = run(env, args, vars);
        r.assert_status(2).assert_no_panic();
        assert_eq!(r.stdout, "", "{args:?}");
        let lines = stderr_lines(&r);
        assert_eq!(lines.len(), 1, "{args:?}: {}", r.stderr);
        assert!(lines[0].starts_with(&want), "{args:?}: {}", r.stderr);
        assert!(lines[0].contains("`gen-ai`"), "{args:?}: {}", r.stderr);
        assert!(
            lines[0].contains("PYGUIDE_CACHE_DIR"),
            "{args:?}: {}",
            r.stderr
        );
        assert_unchanged(&before, watched, &format!("{args:?}"));
    }
    // Completion opens the guide too: fewer candidates, never a write.
    let mut vars_c: Vec<(&str, &str)> = vars.to_vec();
    vars_c.extend([
        ("COMPLETE", "bash"),
        ("_CLAP_COMPLETE_INDEX", "2"),
        ("_CLAP_COMPLETE_COMP_TYPE", "9"),
        ("_CLAP_COMPLETE_SPACE", "true"),
        ("_CLAP_IFS", "\n"),
    ]);
    let r = run(env, &["--", "pyguide", "show", "mar"], &vars_c);
    r.assert_ok().assert_no_panic();
    assert_unchanged(&before, watched, "completion");
}

#[test]
fn a_cache_folder_holding_a_users_files_is_refused_and_nothing_is_lost() {
    let env = Env::new();
    user_entry(&env);
    // PYGUIDE_CACHE_DIR pointing at a folder of documents.
    let docs = env.path("home/Documents");
    fill_with_users_files(&docs);
    let docs_s = docs.display().to_string();
    assert_refused_and_untouched(&env, &[("PYGUIDE_CACHE_DIR", &docs_s)], &docs, &docs);

    // XDG_CACHE_HOME whose `pyguide` subfolder is somebody's folder.
    let xdg = env.path("home/xdg-cache");
    let theirs = xdg.join("pyguide");
    fill_with_users_files(&theirs);
    fs::create_dir_all(xdg.join("other-app")).unwrap();
    fs::write(xdg.join("other-app/state.bin"), b"\x01\x02").unwrap();
    let xdg_s = xdg.display().to_string();
    assert_refused_and_untouched(&env, &[("XDG_CACHE_HOME", &xdg_s)], &theirs, &xdg);

    // The same commands with a fresh cache work: the refusal was about the folder.
    let r = run(&env, &["search", "quixotic"], &[]);
    r.assert_ok();
    assert_eq!(r.ids(), ["marker"]);
}

#[test]
fn a_folder_holding_only_files_with_pyguides_names_is_not_taken_over() {
    let env = Env::new();
    user_entry(&env);
    let docs = env.path("home/Documents");
    fs::create_dir_all(&docs).unwrap();
    set_mode(&docs, 0o700);
    fs::write(docs.join("current"), "my current draft\n").unwrap();
    fs::write(docs.join("build.lock"), "the lock of my own build tool\n").unwrap();
    fs::write(docs.join("current.tmp-1"), "a temporary file of mine\n").unwrap();
    let before = tree(&docs);
    let r = run(
        &env,
        &["search", "quixotic"],
        &[("PYGUIDE_CACHE_DIR", &docs.display().to_string())],
    );
    r.assert_no_panic();
    // pyguide's pointer is named `current`: the only way to keep the user's file is to refuse
    // the folder (exit 2, naming it), as with any other foreign file.
    assert_unchanged(&before, &docs, "search");
    r.assert_status(2);
    assert!(
        r.stderr.contains(&docs.display().to_string()),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 2. An update interrupted right after its commit.

#[derive(Debug, Clone, Copy)]
enum Change {
    Added,
    Modified,
    Removed,
}

fn interrupted_update(change: Change) {
    let env = Env::new();
    let kb = "data/pyguide/kb/notes";
    env.write(
        &format!("{kb}/alpha-one.md"),
        &entry("alpha-one", "notes", "Alpha One", "quixotic alpha"),
    );
    let beta = env.write(
        &format!("{kb}/beta-two.md"),
        &entry("beta-two", "notes", "Beta Two", "quixotic beta"),
    );
    let first = run(&env, &["search", "quixotic"], &[]);
    assert_found(&first);
    let mut want = vec!["alpha-one", "beta-two"];
    // In-place edits leave the folder alone: a full scan (PYGUIDE_RESCAN_SECONDS=0) sees them.
    let mut vars = vec![("PYGUIDE_TEST_DIE_AFTER_COMMIT", "1")];
    match change {
        Change::Added => {
            env.write(
                &format!("{kb}/gamma-three.md"),
                &entry(
                    "gamma-three",
                    "notes",
                    "Gamma Three",
                    "quixotic gamma zeppelin",
                ),
            );
            want.push("gamma-three");
        }
        Change::Modified => {
            let mut f = fs::OpenOptions::new().write(true).open(&beta).unwrap();
            f.set_len(0).unwrap();
            f.write_all(
                entry(
                    "beta-two",
                    "notes",
                    "Beta Two",
                    "quixotic beta revised zeppelin",
                )
                .as_bytes(),
            )
            .unwrap();
            vars.push(("PYGUIDE_RESCAN_SECONDS", "0"));
        }
        Change::Removed => {
            fs::remove_file(&beta).unwrap();
            want.retain(|id| *id != "beta-two");
        }
    }
    let before = tree(&env.user_kb());
    let (out, _) = bounded(pyguide(&env, &["list"], &vars), HANG, "dying list");
    assert_eq!(
        out.status.signal(),
        Some(6),
        "{change:?}: the update must reach the fault point (SIGABRT just after the commit); status {:?}, stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // Then, without the fault, every command answers each id once; an update cut short is
    // not damage, and nothing is said about it.
    for _ in 0..2 {
        let list = run(&env, &["list"], &[]);
        list.assert_ok().assert_no_panic();
        assert!(
            !list.stderr.contains("damaged"),
            "{change:?}: {}",
            list.stderr
        );
        for id in ["alpha-one", "beta-two", "gamma-three"] {
            let n = usize::from(want.contains(&id));
            assert_eq!(
                count_id(&list, id),
                n,
                "{change:?}: `{id}` in list:\n{}",
                list.stdout
            );
        }
        let search = run(&env, &["search", "quixotic"], &[]);
        assert_found(&search);
        let mut ids = search.ids();
        ids.sort();
        assert_eq!(ids, want, "{change:?}: {}", search.stderr);
        let zeppelin = run(&env, &["search", "--ids", "zeppelin"], &[]);
        match change {
            Change::Added => assert_eq!(zeppelin.ids(), ["gamma-three"]),
            Change::Modified => assert_eq!(zeppelin.ids(), ["beta-two"]),
            Change::Removed => assert!(!zeppelin.stdout.contains("beta-two")),
        }
        if let Change::Modified = change {
            let show = run(&env, &["show", "beta-two"], &[]);
            show.assert_ok();
            assert!(show.stdout.contains("revised zeppelin"), "{}", show.stdout);
        }
    }
    assert_unchanged(&before, &env.user_kb(), &format!("{change:?}"));
}

#[test]
fn an_update_killed_after_its_commit_adding_a_file_leaves_each_id_once() {
    interrupted_update(Change::Added);
}

#[test]
fn an_update_killed_after_its_commit_modifying_a_file_leaves_each_id_once() {
    interrupted_update(Change::Modified);
}

#[test]
fn an_update_killed_after_its_commit_removing_a_file_leaves_each_id_once() {
    interrupted_update(Change::Removed);
}

// ---------------------------------------------------------------------------------------------
// 3. Unusual file names.

#[test]
fn entries_in_files_with_a_tab_a_newline_or_a_non_utf8_byte_in_their_names() {
    let env = Env::new();
    let kb = env.user_kb().join("odd");
    fs::create_dir_all(&kb).unwrap();
    let odd: [(&[u8], &str); 3] = [
        (b"tab\there.md", "tab-name"),
        (b"new\nline.md", "newline-name"),
        (b"bad\xffbyte.md", "badbyte-name"),
    ];
    let mut paths = Vec::new();
    for (name, id) in odd {
        let path = kb.join(OsStr::from_bytes(name));
        fs::write(
            &path,
            entry(id, "notes", id, &format!("quixotic words of {id} only")),
        )
        .unwrap();
        paths.push((path, id));
    }
    let plain = kb.join("plain-name.md");
    fs::write(
        &plain,
        entry("plain-name", "notes", "Plain", "quixotic plain words"),
    )
    .unwrap();
    let ids = ["tab-name", "newline-name", "badbyte-name", "plain-name"];

    let assert_each_once = |when: &str| {
        let list = run(&env, &["list"], &[]);
        list.assert_ok().assert_no_panic();
        for id in ids {
            assert_eq!(count_id(&list, id), 1, "{when}: `{id}`:\n{}", list.stdout);
        }
        // Four equal hits: found (exit 0), or found without a clear first (exit 1, said so).
        let search = run(&env, &["search", "--limit", "20", "quixotic"], &[]);
        assert_found(&search);
        let mut found = search.ids();
        found.sort();
        let mut want = ids.to_vec();
        want.sort();
        assert_eq!(found, want, "{when}: {}", search.stderr);
    };
    assert_found(&run(&env, &["search", "quixotic"], &[]));
    assert_each_once("first build");
    run(&env, &["index"], &[]).assert_ok();
    assert_each_once("after index");
    // An in-place edit of another file, picked up by a full scan: the update reads the saved
    // record of every file, the odd names included.
    thread::sleep(Duration::from_millis(20));
    let mut f = fs::OpenOptions::new().append(true).open(&plain).unwrap();
    f.write_all(b"\nzeppelin appended in place\n").unwrap();
    drop(f);
    let r = run(
        &env,
        &["search", "--ids", "zeppelin"],
        &[("PYGUIDE_RESCAN_SECONDS", "0")],
    );
    r.assert_ok();
    assert_eq!(r.ids(), ["plain-name"], "{}", r.stderr);
    assert_each_once("after an in-place edit");
    // A new file in the folder: an update by folder.
    env.write(
        "data/pyguide/kb/odd/later.md",
        &entry("later", "notes", "Later", "later words"),
    );
    run(&env, &["search", "later"], &[]).assert_ok();
    assert_each_once("after a new file");

    // show: the file's own text.
    for (_, id) in &paths {
        let show = run(&env, &["show", id], &[]);
        show.assert_ok();
        assert!(
            show.stdout
                .contains(&format!("quixotic words of {id} only")),
            "{id}: {}",
            show.stdout
        );
    }

    // edit: the editor gets the real file.
    let editor = env.write(
        "home/append-editor",
        "#!/bin/sh\nprintf '\\nappended by the editor\\n' >> \"$1\"\n",
    );
    make_executable(&editor);
    let names_before: Vec<Vec<u8>> = {
        let mut v: Vec<Vec<u8>> = fs::read_dir(&kb)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().as_bytes().to_vec())
            .collect();
        v.sort();
        v
    };
    for (path, id) in &paths {
        let before = fs::read(path).unwrap();
        let r = run(&env, &["edit", id], &[("EDITOR", editor.to_str().unwrap())]);
        r.assert_ok().assert_no_panic();
        let after = fs::read(path).unwrap();
        let mut want = before.clone();
        want.extend_from_slice(b"\nappended by the editor\n");
        assert_eq!(
            String::from_utf8_lossy(&after),
            String::from_utf8_lossy(&want),
            "{id}: the editor did not edit the real file"
        );
    }
    let mut names_after: Vec<Vec<u8>> = fs::read_dir(&kb)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().as_bytes().to_vec())
        .collect();
    names_after.sort();
    assert_eq!(names_after, names_before, "a file appeared or went");
    let replacement = "\u{fffd}".as_bytes();
    for path in tree(&env.user_kb()).keys() {
        let bytes = path.as_os_str().as_bytes();
        assert!(
            !bytes.windows(3).any(|w| w == replacement),
            "a file with U+FFFD in its name: {}",
            path.display()
        );
    }
    assert_each_once("after the edits");
}

// ---------------------------------------------------------------------------------------------
// 4. Relative --kb paths.

#[test]
fn kb_folders_named_alike_in_two_working_folders_are_two_folders() {
    let env = Env::new();
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for (work, id, title) in [
        ("w1", "alpha-one", "Alpha One"),
        ("w2", "omega-two", "Omega Two"),
    ] {
        let file = env.write(
            &format!("{work}/kb/notes/entry.md"),
            &entry(id, "notes", title, "quixotic shared words"),
        );
        set_mtime(&file, when);
        set_mtime(&env.path(&format!("{work}/kb/notes")), when);
        set_mtime(&env.path(&format!("{work}/kb")), when);
    }
    // Identical names, sizes and times: only the folder tells them apart.
    let m1 = fs::metadata(env.path("w1/kb/notes/entry.md")).unwrap();
    let m2 = fs::metadata(env.path("w2/kb/notes/entry.md")).unwrap();
    assert_eq!(m1.len(), m2.len());
    assert_eq!(m1.modified().unwrap(), m2.modified().unwrap());
    let before = tree(&env.path("w1"));
    let before2 = tree(&env.path("w2"));
    for round in 0..2 {
        for (work, id, other) in [
            ("w1", "alpha-one", "omega-two"),
            ("w2", "omega-two", "alpha-one"),
        ] {
            let mut cmd = pyguide(&env, &["--kb", "kb", "search", "quixotic"], &[]);
            cmd.current_dir(env.path(work));
            let r = Run::from(bounded(cmd, HANG, "search").0);
            r.assert_ok();
            assert_eq!(r.ids(), [id], "round {round}, from {work}: {}", r.stderr);
            let mut cmd = pyguide(&env, &["--kb", "kb", "list", "--category", "notes"], &[]);
            cmd.current_dir(env.path(work));
            let r = Run::from(bounded(cmd, HANG, "list").0);
            r.assert_ok();
            assert_eq!(r.ids(), [id], "round {round}, from {work}");
            assert_eq!(count_id(&r, other), 0);
            let mut cmd = pyguide(&env, &["--kb", "kb", "show", id], &[]);
            cmd.current_dir(env.path(work));
            let r = Run::from(bounded(cmd, HANG, "show").0);
            r.assert_ok();
            assert!(
                r.stdout.contains(
                    &env.path(work)
                        .join("kb/notes/entry.md")
                        .display()
                        .to_string()
                ),
                "{}",
                r.stdout
            );
        }
    }
    assert_unchanged(&before, &env.path("w1"), "w1");
    assert_unchanged(&before2, &env.path("w2"), "w2");
}

// ---------------------------------------------------------------------------------------------
// 5. Killed index runs.

fn live_generation(env: &Env) -> PathBuf {
    let name = fs::read_to_string(env.cache_dir().join("current")).unwrap();
    let dir = env.cache_dir().join(name.trim());
    assert!(dir.join("pyguide-made").is_file(), "{}", dir.display());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cp -a {} {}", from.display(), to.display());
}

#[test]
fn a_killed_builds_generation_is_removed_and_a_foreign_folder_never_is() {
    let env = Env::new();
    user_entry(&env);
    run(&env, &["search", "quixotic"], &[]).assert_ok();
    let live = live_generation(&env);
    // What a build killed before it published leaves: a whole marked generation, and a
    // temporary file.
    let left = env.cache_dir().join("gen-18f0c0ffee1234abcd");
    copy_dir(&live, &left);
    assert!(left.join("pyguide-made").is_file());
    // tantivy's own temporary, from a write of meta.json cut short.
    fs::write(left.join(".tmpAbC123"), b"{\"segments\":").unwrap();
    fs::write(
        env.cache_dir().join(".tmp-pyguide-Xy12ab"),
        b"half a pointer",
    )
    .unwrap();
    let r = run(&env, &["search", "quixotic"], &[]);
    r.assert_ok();
    assert_eq!(r.ids(), ["marker"]);
    assert_eq!(r.stderr, "");
    assert!(!left.exists(), "the leftover generation is still there");
    assert!(!env.cache_dir().join(".tmp-pyguide-Xy12ab").exists());
    assert_eq!(live_generation(&env), live, "the live generation changed");

    // A folder pyguide did not mark: refused, never removed, whatever its name.
    let foreign = env.cache_dir().join("gen-foreign");
    fs::create_dir_all(foreign.join("sub")).unwrap();
    fs::write(foreign.join("notes.md"), "mine").unwrap();
    fs::write(foreign.join("sub/more.txt"), "mine too").unwrap();
    let unmarked = env.cache_dir().join("gen-18f0c0ffee5678");
    copy_dir(&live, &unmarked);
    fs::remove_file(unmarked.join("pyguide-made")).unwrap();
    let watched = [tree(&foreign), tree(&unmarked)];
    for args in [&["search", "quixotic"][..], &["list"], &["index"]] {
        let r = run(&env, args, &[]);
        r.assert_status(2);
        assert_eq!(r.stdout, "");
        let want = format!(
            "pyguide: error: the cache folder {} holds files pyguide did not create (`gen-18f0c0ffee5678`, `gen-foreign`)",
            env.cache_dir().display()
        );
        assert!(r.stderr.starts_with(&want), "{args:?}: {}", r.stderr);
        assert_eq!(stderr_lines(&r).len(), 1, "{}", r.stderr);
        assert_unchanged(&watched[0], &foreign, "gen-foreign");
        assert_unchanged(&watched[1], &unmarked, "the unmarked copy");
    }
    // Once the user moves them away, everything works again.
    fs::remove_dir_all(&foreign).unwrap();
    fs::remove_dir_all(&unmarked).unwrap();
    let r = run(&env, &["search", "quixotic"], &[]);
    r.assert_ok();
    assert_eq!(r.ids(), ["marker"]);
}

#[test]
fn a_users_file_put_inside_a_generation_is_never_removed() {
    let env = Env::new();
    user_entry(&env);
    run(&env, &["search", "quixotic"], &[]).assert_ok();
    let live = live_generation(&env);
    fs::write(live.join("my-notes.txt"), "mine").unwrap();
    fs::create_dir_all(live.join("drafts")).unwrap();
    fs::write(live.join("drafts/a.md"), "mine too").unwrap();
    let watched = tree(&live);
    // `index` swaps in a new generation and removes the old ones, except this one.
    let r = run(&env, &["index"], &[]);
    r.assert_ok();
    assert_ne!(live_generation(&env), live, "index made no new generation");
    assert_eq!(
        fs::read_to_string(live.join("my-notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        fs::read_to_string(live.join("drafts/a.md")).unwrap(),
        "mine too"
    );
    // Later commands still answer, and leave it alone.
    for _ in 0..2 {
        let r = run(&env, &["search", "quixotic"], &[]);
        r.assert_ok();
        assert_eq!(r.ids(), ["marker"]);
    }
    assert_unchanged(
        &watched,
        &live,
        "the retired generation holding the user's files",
    );
}

// ---------------------------------------------------------------------------------------------
// 6. A damaged index is rebuilt and answers on the same command.

type Damage = Box<dyn Fn(&Path)>;

/// Zeroed 16 bytes, flipped bits and truncation, at the start, middle and end of a file.
fn damages(len: u64) -> Vec<(String, Damage, bool)> {
    let offsets = [0, len / 2, len.saturating_sub(16)];
    let mut out: Vec<(String, Damage, bool)> = Vec::new();
    for at in offsets {
        out.push((
            format!("16 zero bytes at {at}"),
            Box::new(move |p: &Path| overwrite(p, at, |_| 0)),
            true,
        ));
        out.push((
            format!("16 bytes with bits flipped at {at}"),
            Box::new(move |p: &Path| overwrite(p, at, |b| b ^ 0xff)),
            true,
        ));
    }
    for to in [0, len / 2, len.saturating_sub(1)] {
        out.push((
            format!("truncated to {to} bytes"),
            Box::new(move |p: &Path| {
                fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .unwrap()
                    .set_len(to)
                    .unwrap()
            }),
            false,
        ));
    }
    out
}

fn overwrite(path: &Path, at: u64, f: impl Fn(u8) -> u8) {
    overwrite_n(path, at, 16, f)
}

/// Replaces the `width` bytes at `at` (fewer at the end of the file) with `f` of each.
fn overwrite_n(path: &Path, at: u64, width: u64, f: impl Fn(u8) -> u8) {
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut buf = vec![0u8; width as usize];
    file.seek(SeekFrom::Start(at)).unwrap();
    let n = file.read(&mut buf).unwrap();
    let new: Vec<u8> = buf[..n].iter().map(|&b| f(b)).collect();
    file.seek(SeekFrom::Start(at)).unwrap();
    file.write_all(&new).unwrap();
}

/// A built index with a user's entry, a pristine copy of its cache, and the answers of the
/// intact index to three commands.
struct Damaged {
    env: Env,
    pristine: PathBuf,
    files: Vec<PathBuf>,
    commands: [&'static [&'static str]; 3],
    good: Vec<Run>,
}

impl Damaged {
    fn new() -> Damaged {
        let env = Env::new();
        user_entry(&env);
        run(&env, &["index"], &[]).assert_ok();
        let commands: [&[&str]; 3] = [&["search", "quixotic"], &["list"], &["show", "marker"]];
        let good: Vec<Run> = commands.iter().map(|a| run(&env, a, &[])).collect();
        for (args, r) in commands.iter().zip(&good) {
            r.assert_ok();
            assert_eq!(r.stderr, "", "{args:?}");
        }
        assert_eq!(good[0].ids(), ["marker"]);
        assert!(good[2].stdout.contains("quixotic marker words"));
        let pristine = env.path("pristine-cache");
        copy_dir(&env.cache_dir(), &pristine);
        let mut files: Vec<PathBuf> = fs::read_dir(live_generation(&env))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(files.len() > 5, "{files:?}");
        Damaged {
            env,
            pristine,
            files,
            commands,
            good,
        }
    }

    fn len_of(&self, file: &Path) -> u64 {
        let rel = file.strip_prefix(self.env.cache_dir()).unwrap();
        fs::metadata(self.pristine.join(rel)).unwrap().len()
    }

    /// Restores the pristine cache, damages `file`, runs command `which` and says what went
    /// wrong, if anything. With `silent`, the file's modification time is put back after the
    /// damage (bit rot, which no size or time shows).
    fn try_one(
        &self,
        file: &Path,
        damage: &dyn Fn(&Path),
        which: usize,
        silent: bool,
    ) -> Option<String> {
        fs::remove_dir_all(self.env.cache_dir()).unwrap();
        copy_dir(&self.pristine, &self.env.cache_dir());
        let mtime = fs::metadata(file).unwrap().modified().unwrap();
        damage(file);
        if silent {
            set_mtime(file, mtime);
        }
        let r = run(&self.env, self.commands[which], &[]);
        let lines = stderr_lines(&r);
        let wrong = if r.status == Some(101) || r.stderr.contains("panicked") {
            "panicked".to_string()
        } else if r.status != Some(0) {
            format!("exit {:?}", r.status)
        } else if r.stdout != self.good[which].stdout {
            "a different answer".to_string()
        } else if lines.len() > 1 || !lines.iter().all(|l| l.starts_with("pyguide: warning: ")) {
            "more than a one-line warning".to_string()
        } else {
            return None;
        };
        Some(format!(
            "{}, {:?}: {wrong}; stderr: {}",
            file.file_name().unwrap().to_string_lossy(),
            self.commands[which],
            r.stderr.trim_end()
        ))
    }
}

/// Damages each file of the live generation every way, before each of three commands, and
/// checks the answers against those of the intact index.
fn damaged_index_answers(silent: bool) {
    let _timing = timing_lock();
    let d = Damaged::new();
    let mut tried = 0;
    let mut failures: Vec<String> = Vec::new();
    for file in &d.files {
        let len = d.len_of(file);
        if len == 0 {
            continue;
        }
        for (what, damage, keeps_size) in damages(len) {
            if silent && !keeps_size {
                continue;
            }
            for which in 0..d.commands.len() {
                tried += 1;
                if let Some(wrong) = d.try_one(file, &damage, which, silent) {
                    failures.push(format!("{what}: {wrong}"));
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} damaged runs");
    assert!(
        failures.is_empty(),
        "{} of {tried} damaged runs went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Property: any damage (a run of bytes zeroed, bits flipped, garbage written, or the file
/// cut) at any offset of any file of the index leaves every command answering as the intact
/// index did. The cases are random on every run (`PROPTEST_RNG_SEED` repeats a run); a
/// failure prints the smallest damage found.
#[test]
fn random_damage_anywhere_in_the_index_is_repaired_on_the_same_command() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    let _timing = timing_lock();
    let d = Damaged::new();
    let damage = (
        0..d.files.len(),
        0.0..1.0f64,
        0u8..4,
        1usize..64,
        any::<u8>(),
        0..d.commands.len(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        max_shrink_iters: 16,
        ..Config::default()
    });
    let result = runner.run(&damage, |(file, at, kind, width, byte, which, silent)| {
        let file = &d.files[file];
        let len = d.len_of(file);
        let at = (len as f64 * at) as u64;
        let width = width as u64;
        let damage: Box<dyn Fn(&Path)> = match kind {
            0 => Box::new(move |p: &Path| overwrite_n(p, at, width, |_| 0)),
            1 => Box::new(move |p: &Path| overwrite_n(p, at, width, |b| b ^ byte.max(1))),
            2 => Box::new(move |p: &Path| overwrite_n(p, at, width, |_| byte)),
            _ => Box::new(move |p: &Path| {
                fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .unwrap()
                    .set_len(at)
                    .unwrap()
            }),
        };
        let silent = silent && kind != 3;
        match d.try_one(file, &damage, which, silent) {
            None => Ok(()),
            Some(wrong) => Err(TestCaseError::fail(format!(
                "damage kind {kind}, {width} bytes at {at} of {len}, silent {silent}: {wrong}"
            ))),
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A flipped bit inside the stored text of an entry (bit rot in the doc store, whose
/// compression has no checksum) decodes into other valid text; each stored document's own
/// checksum catches it, and the answer is the intact one.
#[test]
fn a_flipped_bit_in_an_entrys_stored_text_is_caught() {
    let _timing = timing_lock();
    let d = Damaged::new();
    // The user's entry is in one segment's store; its category is a literal run there.
    let needle = b"notes\"}";
    let (store, at) = d
        .files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "store"))
        .find_map(|p| {
            let bytes = fs::read(p).unwrap();
            let at = bytes.windows(needle.len()).position(|w| w == needle)?;
            Some((p, at as u64))
        })
        .expect("a doc store holds the category as a literal run");
    for which in 0..d.commands.len() {
        let flip = |p: &Path| overwrite_n(p, at + 1, 1, |b| b ^ 1);
        if let Some(wrong) = d.try_one(store, &flip, which, true) {
            panic!("{wrong}");
        }
    }
}

#[test]
fn a_damaged_index_is_rebuilt_and_answers_on_the_same_command() {
    damaged_index_answers(false);
}

#[test]
fn an_index_damaged_without_a_trace_in_size_or_time_still_answers_right() {
    damaged_index_answers(true);
}

// ---------------------------------------------------------------------------------------------
// 7. Full disk with an index present.

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

#[test]
#[ignore = "needs root: mounts a small tmpfs (cargo test --test faults -- --ignored)"]
fn a_full_disk_with_an_index_present_leaves_every_command_answering() {
    assert!(is_root(), "run this test as root: it mounts a tmpfs");
    let env = Env::new();
    let mount = env.path("small");
    fs::create_dir_all(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    assert!(mounted, "cannot mount a tmpfs on {}", mount.display());
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mount.clone());
    let marker = user_entry(&env);
    let cache = mount.display().to_string();
    let vars = [("XDG_CACHE_HOME", cache.as_str())];
    let r = run(&env, &["search", "quixotic"], &vars);
    r.assert_ok();
    assert_eq!(r.stderr, "");
    assert!(
        mount.join("pyguide/current").is_file(),
        "the index is in the tmpfs"
    );
    // Fill the tmpfs to the last byte.
    {
        let mut filler = fs::File::create(mount.join("filler")).unwrap();
        let chunk = vec![7u8; 64 * 1024];
        loop {
            if filler.write_all(&chunk).is_err() {
                break;
            }
        }
        let small = [7u8; 1];
        while filler.write_all(&small).is_ok() {}
    }
    assert!(
        fs::write(mount.join("probe"), b"x").is_err(),
        "the tmpfs is not full"
    );
    // One KB file changes.
    fs::write(
        &marker,
        entry(
            "marker",
            "notes",
            "Marker",
            "quixotic marker words zeppelin",
        ),
    )
    .unwrap();
    let before = tree(&env.user_kb());
    let vars = [
        ("XDG_CACHE_HOME", cache.as_str()),
        ("PYGUIDE_RESCAN_SECONDS", "0"),
    ];
    for (args, check) in [
        (&["search", "zeppelin"][..], "marker\tnotes"),
        (&["list"], "marker\tnotes\tMarker"),
        (&["show", "decorators"], "Decorator"),
        (&["show", "marker"], "zeppelin"),
    ] {
        let r = run(&env, args, &vars);
        r.assert_ok().assert_no_panic();
        assert!(r.stdout.contains(check), "{args:?}: {}", r.stdout);
        let lines = stderr_lines(&r);
        assert_eq!(lines.len(), 1, "{args:?}: {}", r.stderr);
        assert!(lines[0].starts_with("pyguide: warning: "), "{}", r.stderr);
    }
    // Room again: nothing half-written was left to be taken for an index.
    fs::remove_file(mount.join("filler")).unwrap();
    let r = run(&env, &["search", "--ids", "zeppelin"], &vars);
    r.assert_ok();
    assert_eq!(r.ids(), ["marker"]);
    assert_eq!(r.stderr, "");
    let r = run(&env, &["list"], &vars);
    r.assert_ok();
    assert_eq!(count_id(&r, "marker"), 1);
    assert_eq!(r.stderr, "");
    assert_unchanged(&before, &env.user_kb(), "full disk");
}

// ---------------------------------------------------------------------------------------------
// 8. Bounded work.

const QUICK: Duration = Duration::from_secs(5);

#[test]
fn front_matter_nested_100000_levels_is_reported_and_the_rest_works_quickly() {
    let _timing = timing_lock();
    let env = Env::new();
    let n = 100_000;
    let deep = [
        (
            "brackets",
            format!("tags: {}{}", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "braces",
            format!("tags: {}{}", "{a: ".repeat(n), "}".repeat(n)),
        ),
        ("dashes", format!("tags:\n{}x", "- ".repeat(n))),
    ];
    let mut paths = Vec::new();
    for (id, yaml) in &deep {
        paths.push(env.write(
            &format!("data/pyguide/kb/deep/{id}.md"),
            &format!("---\nid: {id}\ntitle: T\nsummary: s\ncategory: notes\n{yaml}\n---\nbody\n"),
        ));
    }
    env.write(
        "data/pyguide/kb/good-one.md",
        &entry("good-one", "notes", "Good", "quixotic good words"),
    );
    let before = tree(&env.user_kb());
    let r = run_bounded(&env, &["search", "quixotic"], &[], QUICK);
    r.assert_ok().assert_no_panic();
    assert_eq!(r.ids(), ["good-one"]);
    for p in &paths {
        let prefix = format!("pyguide: warning: skipped {}:", p.display());
        let line = r.stderr.lines().find(|l| l.starts_with(&prefix));
        assert!(
            line.is_some_and(|l| l.contains("nests")),
            "{}: {}",
            p.display(),
            r.stderr
        );
    }
    let r = run_bounded(
        &env,
        &["check", &env.user_kb().display().to_string()],
        &[],
        QUICK,
    );
    r.assert_status(1).assert_no_panic();
    for p in &paths {
        assert!(
            r.stdout.contains(&format!("{}:", p.display())),
            "{}",
            r.stdout
        );
    }
    for args in [&["list"][..], &["show", "good-one"], &["index"]] {
        run_bounded(&env, args, &[], QUICK).assert_ok();
    }
    assert_unchanged(&before, &env.user_kb(), "deep front matter");
}

#[test]
fn a_one_megabyte_identifier_is_indexed_and_found_quickly() {
    let _timing = timing_lock();
    let env = Env::new();
    let mut body = "zq_".repeat(333_000);
    body.push_str("zq");
    let text = entry("long-ident", "notes", "Long Identifier", &body);
    assert!(
        text.len() < 1024 * 1024 && text.len() > 990_000,
        "{}",
        text.len()
    );
    env.write("data/pyguide/kb/long-ident.md", &text);
    let r = run_bounded(&env, &["search", "zq"], &[], QUICK);
    assert_found(&r);
    assert_eq!(r.ids().first(), Some(&"long-ident"), "{}", r.stderr);
    // Again, from the saved index; and the other views of it.
    let r = run_bounded(&env, &["search", "zq"], &[], QUICK);
    assert_found(&r);
    assert_eq!(r.ids().first(), Some(&"long-ident"));
    let r = run_bounded(&env, &["search", "--json", "zq_zq"], &[], QUICK);
    assert_found(&r);
    assert!(r.stdout.contains("\"long-ident\""), "{}", r.stderr);
    run_bounded(&env, &["show", "long-ident"], &[], QUICK).assert_ok();
}

#[test]
fn a_90_kb_query_answers_quickly() {
    let _timing = timing_lock();
    let env = Env::new();
    user_entry(&env);
    let words = "lazy queryset ".repeat(90_000 / 14);
    let one_word = "x".repeat(90_000);
    let mixed: String = (0..14_500).map(|i| format!("w{i} ")).collect();
    for q in [&words, &one_word, &mixed] {
        assert!(q.len() >= 89_000, "{}", q.len());
        for args in [
            vec!["search", q.as_str()],
            vec!["search", "--json", q.as_str()],
        ] {
            let r = run_bounded(&env, &args, &[], QUICK);
            r.assert_no_panic();
            assert!(
                matches!(r.status, Some(0 | 1)),
                "{:?}: {}",
                r.status,
                &r.stderr[..r.stderr.len().min(300)]
            );
        }
    }
    let r = run_bounded(&env, &["search", &words], &[], QUICK);
    assert_found(&r);
    assert_eq!(r.ids().first(), Some(&"django-querysets"));
}

/// Asks the binary for completion candidates the way the registered shell function does.
fn complete_within(env: &Env, shell: &str, words: &[&str], vars: &[(&str, &str)]) -> Run {
    let index = (words.len() - 1).to_string();
    let mut args = vec!["--", "pyguide"];
    args.extend_from_slice(&words[1..]);
    let mut all: Vec<(&str, &str)> = vec![
        ("COMPLETE", shell),
        ("_CLAP_COMPLETE_INDEX", &index),
        ("_CLAP_COMPLETE_COMP_TYPE", "9"),
        ("_CLAP_COMPLETE_SPACE", "true"),
        ("_CLAP_IFS", "\n"),
    ];
    all.extend_from_slice(vars);
    run_bounded(env, &args, &all, QUICK)
}

#[test]
fn a_config_file_that_is_a_pipe_a_device_a_folder_or_huge_is_an_error_at_once() {
    let _timing = timing_lock();
    let config = |env: &Env| env.path("config/pyguide/config.toml");
    type Make = fn(&Path);
    let kinds: [(&str, Make); 4] = [
        ("a device (a link to /dev/zero)", |p| {
            std::os::unix::fs::symlink("/dev/zero", p).unwrap()
        }),
        ("a named pipe", |p| {
            let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
            assert!(ok, "mkfifo");
        }),
        ("a folder", |p| fs::create_dir(p).unwrap()),
        ("a 100 MB file", |p| {
            fs::File::create(p)
                .unwrap()
                .set_len(100 * 1024 * 1024)
                .unwrap()
        }),
    ];
    for (what, make) in kinds {
        let env = Env::new();
        user_entry(&env);
        let path = config(&env);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        make(&path);
        let named = format!("pyguide: error: {}: ", path.display());
        for args in [
            &["search", "decorators"][..],
            &["list"],
            &["show", "marker"],
            &["index"],
        ] {
            let r = run_bounded(&env, args, &[], QUICK);
            r.assert_status(2).assert_no_panic();
            assert_eq!(r.stdout, "", "{what} {args:?}");
            assert!(
                r.stderr.starts_with(&named),
                "{what} {args:?}: {}",
                r.stderr
            );
            assert_eq!(stderr_lines(&r).len(), 1, "{what}: {}", r.stderr);
        }
        // `paths` still works: it shows where everything is, and the config's error (exit 1,
        // as `paths` exits when the config is broken).
        let r = run_bounded(&env, &["paths"], &[], QUICK);
        r.assert_status(1).assert_no_panic();
        let config_line = r
            .stdout
            .lines()
            .find(|l| l.starts_with("config:\t"))
            .unwrap_or_else(|| panic!("{what}: {}", r.stdout));
        assert!(
            config_line.starts_with(&format!("config:\t{} (error: ", path.display())),
            "{what}: {config_line}"
        );
        assert!(r.stdout.contains("index:\t"), "{}", r.stdout);
        assert!(
            r.stdout
                .contains(&format!("kb (default):\t{}", env.user_kb().display())),
            "{}",
            r.stdout
        );
        // Completion does not hang, and still completes.
        let r = complete_within(&env, "bash", &["pyguide", "show", "deco"], &[]);
        r.assert_ok();
        assert!(
            r.stdout.lines().any(|l| l == "decorators"),
            "{what}: {}",
            r.stdout
        );
        let r = complete_within(&env, "bash", &["pyguide", "show", "mark"], &[]);
        r.assert_ok();
        assert!(
            r.stdout.lines().any(|l| l == "marker"),
            "{what}: {}",
            r.stdout
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 9. check --exec and Ctrl-C.

fn alive(pid: u32) -> bool {
    // A zombie (state Z) has finished; only its parent's bookkeeping is left.
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        !state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X'))
    })
}

fn example_folders(tmp: &Path) -> Vec<String> {
    fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pyguide-example-"))
        .collect()
}

#[test]
fn ctrl_c_during_check_exec_stops_the_examples_and_removes_their_folders() {
    require("python3");
    let env = Env::new();
    let tmp = env.path("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let pids = env.path("pids");
    let body = format!(
        "```python\nimport os, subprocess, time\nchild = subprocess.Popen(['sleep', '30'])\nwith open({pids:?}, 'w') as f:\n    f.write(f'{{os.getpid()}} {{child.pid}}\\n')\ntime.sleep(30)\n```\n",
        pids = pids.display().to_string()
    );
    env.write("kb/notes/slow.md", &entry("slow", "notes", "Slow", &body));
    let mut child = pyguide(
        &env,
        &["check", "--exec", env.path("kb").to_str().unwrap()],
        &[("TMPDIR", tmp.to_str().unwrap())],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Wait for the example to be running.
    let start = Instant::now();
    let (python, sleeper) = loop {
        if let Ok(text) = fs::read_to_string(&pids)
            && text.ends_with('\n')
        {
            let mut it = text.split_whitespace().map(|p| p.parse::<u32>().unwrap());
            break (it.next().unwrap(), it.next().unwrap());
        }
        if start.elapsed() > Duration::from_secs(30) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the example never started: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(alive(python) && alive(sleeper));
    assert_eq!(
        example_folders(&tmp).len(),
        1,
        "the example's folder is made in TMPDIR"
    );
    thread::sleep(Duration::from_secs(1));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let signalled = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("pyguide was still running 5 s after Ctrl-C");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The example and what it started are gone (signals take a moment to land).
    let gone = Instant::now();
    while (alive(python) || alive(sleeper)) && gone.elapsed() < Duration::from_secs(2) {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(python), "the example's python is still running");
    assert!(
        !alive(sleeper),
        "the process the example started is still running"
    );
    assert_eq!(example_folders(&tmp), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// 10. Terminal safety.

#[track_caller]
fn assert_no_controls(r: &Run, what: &str) {
    for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        for bad in ['\x1b', '\x07', '\u{9b}'] {
            assert!(
                !text.contains(bad),
                "{what}: {stream} holds {bad:?}:\n{text:?}"
            );
        }
    }
}

#[test]
fn escape_sequences_in_entries_and_folder_names_never_reach_the_output() {
    let env = Env::new();
    let seq = r#"\e]52;c;SGVsbG8=\a \e[2J \x9b2J"#;
    let kb_name = "kb \x1b]52;c;SGk=\x07 \x1b[2J \u{9b}2J";
    let kb = env.path(kb_name);
    let cat = kb.join("notes \x1b[2J\u{9b}31m");
    fs::create_dir_all(&cat).unwrap();
    fs::write(
        cat.join("evil-entry.md"),
        format!(
            "---\nid: evil-entry\ntitle: \"Evil {seq} title\"\nsummary: \"Evil {seq} summary\"\ncategory: notes\naliases: [\"evilalias {seq}\"]\ntags: [\"{seq}\"]\n---\n## Heading \x1b[2J \u{9b}2J\n\nquixotic body \x1b]52;c;SGVsbG8=\x07 and \u{9b}31m red\n"
        ),
    )
    .unwrap();
    // An id and a category with escapes are not slugs: reported, and the report is safe too.
    fs::write(
        cat.join("bad-id.md"),
        format!(
            "---\nid: \"bad{seq}\"\ntitle: T\nsummary: s\ncategory: \"cat{seq}\"\n---\nquixotic\n"
        ),
    )
    .unwrap();
    let cache = env.path("cache \x1b[2J \u{9b}2J \x07");
    let kb_s = kb.to_str().unwrap().to_string();
    let cache_s = cache.to_str().unwrap().to_string();
    let vars = [("PYGUIDE_CACHE_DIR", cache_s.as_str())];
    let before = tree(&kb);
    let flagged = |args: &[&str]| -> Vec<String> {
        let mut v = vec!["--kb".to_string(), kb_s.clone()];
        v.extend(args.iter().map(|s| s.to_string()));
        v
    };
    for args in [
        &["search", "--json", "quixotic"][..],
        &["search", "quixotic"],
        &["list", "--json"],
        &["list"],
        &["paths"],
        &["index"],
        &["check", &kb_s],
    ] {
        let owned = flagged(args);
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        let r = run(&env, &args, &vars);
        r.assert_no_panic();
        assert!(matches!(r.status, Some(0 | 1)), "{args:?}: {}", r.stderr);
        assert_no_controls(&r, &format!("{args:?}"));
        if args.contains(&"--json") {
            assert!(r.stdout.contains("\"evil-entry\""), "{}", r.stdout);
            assert_one_json_array(&r.stdout);
        }
    }
    let r = run(&env, &["--kb", &kb_s, "index"], &vars);
    r.assert_ok();
    assert!(r.stdout.starts_with("indexed "), "{}", r.stdout);
    let r = run(&env, &["--kb", &kb_s, "paths"], &vars);
    r.assert_ok();
    assert!(r.stdout.contains("kb (--kb):\t"), "{}", r.stdout);
    // Completion candidates, with titles (zsh shows them): the folder from PYGUIDE_KB_PATH.
    for (typed, want) in [
        ("evil", "evil-entry:"),
        ("evilal", "evil-entry:"),
        ("", "evil-entry:"),
    ] {
        let r = complete_within(
            &env,
            "zsh",
            &["pyguide", "show", typed],
            &[("PYGUIDE_KB_PATH", &kb_s), ("PYGUIDE_CACHE_DIR", &cache_s)],
        );
        r.assert_ok();
        assert!(
            r.stdout.lines().any(|l| l.starts_with(want)),
            "{typed:?}: {}",
            r.stdout
        );
        assert_no_controls(&r, &format!("completion of {typed:?}"));
    }
    assert_unchanged(&before, &kb, "escapes");
}

/// JSON output is one array (checked without a JSON library: balanced and bracketed).
fn assert_one_json_array(text: &str) {
    let t = text.trim_end();
    assert!(t.starts_with('[') && t.ends_with(']'), "{t}");
    assert_eq!(text.lines().count(), 1, "one line of JSON");
}

// ---------------------------------------------------------------------------------------------
// 11. Width.

/// Display columns of a character under a simple rule: CJK ideographs (and the other East
/// Asian wide blocks) and emoji take two.
fn columns(c: char) -> usize {
    let u = c as u32;
    let wide = matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

fn display_width(line: &str) -> usize {
    visible(line)
        .chars()
        .filter(|&c| c != '\r')
        .map(columns)
        .sum()
}

#[test]
fn cjk_and_emoji_fit_a_terminal_20_columns_wide() {
    let env = Env::new();
    env.write(
        "data/pyguide/kb/notes/cjk-wide.md",
        "---\nid: cjk-wide\ntitle: \"漢字のタイトル 🐍🐍🐍 非常に長い見出し文字列です 🎉🎉🎉🎉\"\n\
         summary: \"概要テキスト 🚀🚀 これは幅の広い文字だけで書かれた長い要約です\"\ncategory: notes\n---\n\
         ## 見出し 🐍 とても長い見出しがここにあります\n\n\
         本文は漢字と絵文字で書かれています。🐍🐍🐍🐍🐍🐍🐍🐍🐍🐍🐍🐍🐍 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 widewords\n\n\
         - 項目一 🐍🐍🐍🐍🐍🐍🐍🐍🐍🐍 漢字漢字漢字漢字漢字漢字\n\n\
         ```python\nprint(\"漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字 🐍🐍🐍🐍🐍🐍🐍🐍🐍🐍\")\n\
         x = \"🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉\"  # 注釈注釈注釈注釈注釈\n```\n",
    );
    let vars = [("COLUMNS", "20"), ("PYGUIDE_PAGER", "")];
    for (args, must) in [
        (&["show", "cjk-wide"][..], "漢字"),
        (&["search", "widewords"], "cjk-wide"),
        (&["list", "--category", "notes"], "cjk-wide"),
        (&["list"], "cjk-wide"),
    ] {
        let r = env.run_tty(args, &vars);
        r.assert_ok();
        assert!(r.stdout.contains(must), "{args:?}: {}", r.stdout);
        for line in r.stdout.lines() {
            let w = display_width(line);
            assert!(
                w <= 20,
                "{args:?}: a line {w} columns wide at COLUMNS=20: {:?}",
                visible(line)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 12. A pager that fails.

/// Runs pyguide on a terminal of `rows` x `cols` (util-linux `script` gives it a terminal;
/// `stty` sets its size, which is how pyguide learns the height).
fn run_tty_sized(env: &Env, rows: u16, cols: u16, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let cmd = env.tty_command(Some((rows, cols)), args, vars);
    let (out, _) = bounded(cmd, HANG, &format!("pyguide {args:?} in a terminal"));
    Run::from_tty(out)
}

#[test]
fn a_failing_pager_still_shows_the_text_and_dumb_terminals_get_no_colour() {
    let env = Env::new();
    let called = env.path("pager-called");
    let pager = env.write(
        "home/recording-pager",
        &format!(
            "#!/bin/sh\necho called >> {}\ncat > /dev/null\n",
            called.display()
        ),
    );
    make_executable(&pager);
    let pager_s = pager.to_str().unwrap();
    for args in [&["show", "generators"][..], &["list"]] {
        // The text is taller than this terminal: the pager is used (checked with one that
        // records being called), so the cases below really fail in it.
        let direct = run_tty_sized(&env, 10, 60, &[&["--no-pager"][..], args].concat(), &[]);
        direct.assert_ok();
        assert!(direct.stdout.lines().count() > 20, "{}", direct.stdout);
        let _ = fs::remove_file(&called);
        let paged = run_tty_sized(&env, 10, 60, args, &[("PYGUIDE_PAGER", pager_s)]);
        paged.assert_ok();
        assert!(called.exists(), "{args:?}: the pager was not used");
        assert!(paged.stdout.trim().is_empty(), "{}", paged.stdout);
        for (vars, name) in [
            (vec![("PYGUIDE_PAGER", "false")], "false"),
            (vec![("PAGER", "false")], "false"),
            (
                vec![("PAGER", "false"), ("PYGUIDE_PAGER", "/no/such/pager")],
                "/no/such/pager",
            ),
        ] {
            let r = run_tty_sized(&env, 10, 60, args, &vars);
            r.assert_ok().assert_no_panic();
            let (notes, text): (Vec<&str>, Vec<&str>) =
                r.stdout.lines().partition(|l| l.starts_with("pyguide: "));
            assert_eq!(notes.len(), 1, "{args:?} {vars:?}: {}", r.stdout);
            assert!(
                notes[0].contains(&format!("the pager `{name}`"))
                    && notes[0].ends_with("printing directly"),
                "{}",
                notes[0]
            );
            assert_eq!(
                text.join("\n"),
                direct.stdout.trim_end_matches('\n'),
                "{args:?} {vars:?}: the text differs from the direct output"
            );
        }
        // TERM=dumb: no colour, and no pager.
        let colour = run_tty_sized(&env, 10, 60, args, &[("PYGUIDE_PAGER", "")]);
        assert!(
            colour.stdout.contains('\x1b'),
            "a colour terminal gets colour"
        );
        let _ = fs::remove_file(&called);
        let dumb = run_tty_sized(
            &env,
            10,
            60,
            args,
            &[("TERM", "dumb"), ("PYGUIDE_PAGER", pager_s)],
        );
        dumb.assert_ok();
        assert!(
            !dumb.stdout.contains('\x1b'),
            "{args:?}: colour on TERM=dumb"
        );
        assert!(!called.exists(), "{args:?}: a pager on TERM=dumb");
        assert!(
            dumb.stdout.contains(if args[0] == "show" {
                "Generators & yield"
            } else {
                "generators"
            }),
            "{}",
            dumb.stdout
        );
    }
    let r = run_tty_sized(
        &env,
        10,
        60,
        &["search", "lazy", "queryset"],
        &[("TERM", "dumb")],
    );
    assert!(matches!(r.status, Some(0 | 1)), "{}", r.stdout);
    assert!(r.stdout.contains("django-querysets"), "{}", r.stdout);
    assert!(!r.stdout.contains('\x1b'));
}

// ---------------------------------------------------------------------------------------------
// 13. Unicode and line endings.

#[test]
fn decomposed_and_precomposed_accents_cr_line_endings_and_a_doubled_related() {
    let env = Env::new();
    let kb = env.user_kb().join("notes");
    // "jalapeño" written decomposed, "naïveté" precomposed (words no built-in entry has).
    env.write(
        "data/pyguide/kb/notes/accent-decomposed.md",
        &entry(
            "accent-decomposed",
            "notes",
            "Decomposed",
            "the jalapen\u{303}o of a function",
        ),
    );
    env.write(
        "data/pyguide/kb/notes/accent-precomposed.md",
        &entry(
            "accent-precomposed",
            "notes",
            "Precomposed",
            "the na\u{ef}vet\u{e9} of a closure",
        ),
    );
    let cr = entry(
        "cr-only",
        "notes",
        "CR Only",
        "## Old Mac\n\ncrlines are line ends\n",
    )
    .replace('\n', "\r");
    assert!(!cr.contains('\n'));
    fs::write(kb.join("cr-only.md"), &cr).unwrap();
    let before = tree(&env.user_kb());
    for (query, id) in [
        ("jalape\u{f1}o", "accent-decomposed"),
        ("jalapen\u{303}o", "accent-decomposed"),
        ("nai\u{308}vete\u{301}", "accent-precomposed"),
        ("na\u{ef}vet\u{e9}", "accent-precomposed"),
        ("crlines", "cr-only"),
    ] {
        let r = run(&env, &["search", "--ids", query], &[]);
        r.assert_ok();
        assert_eq!(r.ids(), [id], "{query:?}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{query:?}");
    }
    let r = run(&env, &["show", "cr-only"], &[]);
    r.assert_ok();
    assert!(r.stdout.contains("crlines are line ends"), "{}", r.stdout);
    assert!(!r.stdout.contains('\r'), "{:?}", r.stdout);
    // The CR file reads like an LF one: no problems.
    let r = run(&env, &["check", kb.to_str().unwrap()], &[]);
    r.assert_ok();
    assert_eq!(r.stdout, "");
    // `related` naming one id twice is a problem `check` reports, on the `related` line.
    let twice = env.write(
        "data/pyguide/kb/notes/twice.md",
        "---\nid: twice\ntitle: Twice\nsummary: s\ncategory: notes\nrelated: [cr-only, decorators, cr-only]\n---\nbody\n",
    );
    let r = run(&env, &["check", kb.to_str().unwrap()], &[]);
    r.assert_status(1);
    assert_eq!(
        r.stdout,
        format!("{}:6: `related` lists `cr-only` twice\n", twice.display())
    );
    fs::remove_file(&twice).unwrap();
    assert_unchanged(&before, &env.user_kb(), "unicode");
}

// ---------------------------------------------------------------------------------------------
// Found by a fault hunt (2026-12-03): where `new` and `edit` write, pyguide's own half-made
// files, and a cache folder among the user's entries.

/// The default KB folder also named by PYGUIDE_KB_PATH or `--kb` is still where `new` and
/// `edit` write: before, it lost its role and they wrote into the working folder.
#[test]
fn new_and_edit_write_in_the_default_kb_folder_however_else_it_is_named() {
    let env = Env::new();
    fs::create_dir_all(env.user_kb()).unwrap();
    let editor = env.write("editor.sh", "#!/bin/sh\necho '<!-- mine -->' >> \"$1\"\n");
    make_executable(&editor);
    let editor = editor.display().to_string();
    let kb = env.user_kb().display().to_string();
    let home = env.path("home");
    let before = tree(&home);
    let r = run(
        &env,
        &["new", "my-tip"],
        &[("PYGUIDE_KB_PATH", &kb), ("EDITOR", &editor)],
    );
    r.assert_no_panic();
    assert!(
        env.user_kb().join("notes/my-tip.md").exists(),
        "{}",
        r.stderr
    );
    let r = run(
        &env,
        &["--kb", &kb, "edit", "decorators"],
        &[("EDITOR", &editor)],
    );
    r.assert_no_panic();
    assert!(
        env.user_kb().join("syntax/decorators.md").exists(),
        "{}",
        r.stderr
    );
    // Nothing appeared in the working folder.
    assert_unchanged(&before, &home, "new and edit");
}

/// Closing the terminal (SIGHUP) while the editor runs: the copy pyguide made and nobody
/// changed is removed, as when the editor quits unchanged.
#[test]
fn a_hangup_while_the_editor_runs_leaves_no_copy_behind() {
    let env = Env::new();
    let editor = env.write("hangup.sh", "#!/bin/sh\nkill -HUP $PPID\nsleep 0.3\n");
    make_executable(&editor);
    let editor = editor.display().to_string();
    for args in [&["edit", "decorators"][..], &["new", "my-note"]] {
        let r = run_bounded(&env, args, &[("EDITOR", &editor)], Duration::from_secs(30));
        r.assert_no_panic();
        assert_ne!(
            r.status, None,
            "{args:?}: killed by the signal: {}",
            r.stderr
        );
        assert!(r.stderr.contains("removed"), "{args:?}: {}", r.stderr);
    }
    assert!(!env.user_kb().join("syntax/decorators.md").exists());
    assert!(!env.user_kb().join("notes/my-note.md").exists());
}

/// A cache folder that is a KB folder, or inside one: nothing is written there (no cache tag
/// that would make backups skip the notes), the index stays in memory, and it answers.
#[test]
fn a_cache_folder_among_the_users_entries_is_never_written() {
    let env = Env::new();
    user_entry(&env);
    let kb = env.user_kb();
    let before = tree(&kb);
    for (name, value) in [
        ("PYGUIDE_CACHE_DIR", kb.display().to_string()),
        ("XDG_CACHE_HOME", kb.display().to_string()),
        (
            "PYGUIDE_CACHE_DIR",
            kb.join("notes/.index").display().to_string(),
        ),
    ] {
        let r = run(&env, &["search", "--ids", "quixotic"], &[(name, &value)]);
        r.assert_ok().assert_no_panic();
        assert_eq!(r.ids(), ["marker"], "{name}={value}: {}", r.stderr);
        assert!(r.stderr.contains("overlaps the KB folder"), "{}", r.stderr);
        assert_unchanged(&before, &kb, &format!("{name}={value}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Unclear or misleading messages found by the same hunt (its section 8).

/// A dangling link where the default KB folder or the cache folder goes is named, with where
/// it points: before, `new` said "File exists" and the cache "No such file or directory".
#[test]
fn a_dangling_link_where_a_folder_goes_is_named_with_its_target() {
    let env = Env::new();
    fs::create_dir_all(env.path("data/pyguide")).unwrap();
    let gone = env.path("data/gone");
    std::os::unix::fs::symlink(&gone, env.user_kb()).unwrap();
    let r = run(&env, &["new", "my-tip"], &[("EDITOR", "true")]);
    r.assert_status(2).assert_no_panic();
    assert_eq!(
        r.stderr,
        format!(
            "pyguide: error: cannot create {kb}/notes: {kb} is a link to {}, which does not exist\n",
            gone.display(),
            kb = env.user_kb().display()
        )
    );
    assert!(!gone.exists(), "nothing is made where the link points");
    let r = run(&env, &["paths"], &[]);
    r.assert_ok();
    assert!(
        r.stdout.contains(&format!(
            "kb (default):\t{kb} ({kb} is a link to {}, which does not exist)\n",
            gone.display(),
            kb = env.user_kb().display()
        )),
        "{}",
        r.stdout
    );

    // The cache folder: the index is built in memory, and the warning says why.
    let notes = env.path("notes");
    env.write("notes/mine.md", &entry("mine", "notes", "Mine", "quixotic"));
    let missing = env.path("cache/missing");
    std::os::unix::fs::symlink(&missing, env.cache_dir()).unwrap();
    let notes = notes.display().to_string();
    let r = run(&env, &["--kb", &notes, "search", "--ids", "quixotic"], &[]);
    r.assert_ok().assert_no_panic();
    assert_eq!(r.ids(), ["mine"]);
    assert_eq!(
        r.stderr,
        format!(
            "pyguide: warning: the cache folder {cache} cannot be made: {cache} is a link to {}, which does not exist; searching an index built in memory\n",
            missing.display(),
            cache = env.cache_dir().display()
        )
    );
    assert!(!missing.exists());
}

/// pyguide under a file size limit of 0 (`ulimit -f 0`, SIGXFSZ ignored): every write of a
/// file fails with EFBIG, as on a full disk, while folders can still be made.
fn run_unable_to_write(env: &Env, args: &[&str]) -> Run {
    let base = pyguide(env, args, &[("EDITOR", "true")]);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0 && exec \"$@\"")
        .arg("sh")
        .arg(base.get_program())
        .args(base.get_args())
        .env_clear()
        .current_dir(base.get_current_dir().unwrap())
        .stdin(Stdio::null());
    for (k, v) in base.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let (out, _) = bounded(cmd, HANG, &format!("pyguide {args:?} under ulimit -f 0"));
    Run::from(out)
}

/// `new` and `edit` that cannot write their file (a full disk; here a file size limit) or
/// whose file the editor leaves unchanged remove the folders they made for it, if empty;
/// before, the empty category folder stayed. A folder that was there before stays.
#[test]
fn a_failed_new_or_edit_leaves_no_folder_it_made() {
    let env = Env::new();
    let kb = env.user_kb();
    env.write("data/pyguide/kb/notes/mine.txt", "my own file\n");
    fs::create_dir_all(kb.join("empty-before")).unwrap();
    let before = tree(&env.path("data"));
    for args in [
        &["new", "fresh-tip", "--category", "brand-new"][..],
        &["new", "fresh-tip", "--category", "empty-before"],
        &["new", "fresh-tip"],
        &["edit", "decorators"],
    ] {
        let r = run_unable_to_write(&env, args);
        r.assert_status(2).assert_no_panic();
        assert!(
            r.stderr.contains("pyguide: error: cannot write ")
                && r.stderr.contains("File too large"),
            "{args:?}: {}",
            r.stderr
        );
        assert_unchanged(
            &before,
            &env.path("data"),
            &format!("{args:?} unable to write"),
        );
        // The editor leaves the file unchanged: the file and the folders made for it go.
        let r = run(&env, args, &[("EDITOR", "true")]);
        r.assert_status(1).assert_no_panic();
        assert!(r.stderr.contains("removed"), "{args:?}: {}", r.stderr);
        assert_unchanged(&before, &env.path("data"), &format!("{args:?} unchanged"));
    }
    // With no KB folder at all, the folders up to it were made by `new`, and go too.
    let env = Env::new();
    let r = run_unable_to_write(&env, &["new", "first-tip"]);
    r.assert_status(2);
    assert!(!env.path("data/pyguide").exists(), "{}", r.stderr);
    let r = run(&env, &["new", "first-tip"], &[("EDITOR", "true")]);
    r.assert_status(1);
    assert!(!env.path("data/pyguide").exists(), "{}", r.stderr);
}

/// One file reached by two names (a link beside its target, a KB folder inside another
/// listed one) is one entry: before, it was reported as a duplicate id of itself, "rename
/// one of them". Two different files with one id still are reported.
#[test]
fn the_same_file_reached_twice_is_one_entry_not_a_duplicate() {
    let env = Env::new();
    let good = env.write(
        "data/pyguide/kb/notes/good.md",
        &entry("good", "notes", "Good", "quixotic words"),
    );
    let data = env.path("data/pyguide").display().to_string();
    let check_once = |args: &[&str], what: &str| {
        let r = run(&env, args, &[]);
        r.assert_ok().assert_no_panic();
        assert!(!r.stdout.contains("duplicate"), "{what}: {}", r.stdout);
        assert!(r.stderr.contains(": no problems"), "{what}: {}", r.stderr);
    };
    let list_once = |args: &[&str], what: &str| {
        let r = run(&env, args, &[]);
        r.assert_ok().assert_no_panic();
        assert_eq!(count_id(&r, "good"), 1, "{what}: {}", r.stdout);
        assert_eq!(r.stderr, "", "{what}");
    };
    // A KB folder inside another one that is listed too.
    check_once(&["--kb", &data, "check"], "nested check");
    list_once(&["--kb", &data, "list"], "nested list");
    // A link beside its target, added after the index was built (the update) and then
    // indexed from scratch.
    list_once(&["list"], "before the link");
    std::os::unix::fs::symlink("good.md", good.with_file_name("alias.md")).unwrap();
    list_once(&["list"], "link added");
    list_once(&["list"], "link added, again");
    let r = run(&env, &["index"], &[]);
    r.assert_ok();
    assert_eq!(r.stderr, "");
    list_once(&["list"], "after index");
    check_once(&["check"], "link check");
    check_once(&["--kb", &data, "check"], "link and nested check");
    // Two files with one id are still two.
    env.write(
        "data/pyguide/kb/notes/copy.md",
        &entry("good", "notes", "Good", "quixotic words"),
    );
    let r = run(&env, &["check"], &[]);
    r.assert_status(1);
    assert!(r.stdout.contains("duplicate id `good`"), "{}", r.stdout);
}

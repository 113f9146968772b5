//! `check --exec` runs the examples of entries and fails when one does not show the truth.
//! These tests need `python3` on PATH (CI has it); they use only the standard library.

mod common;

use common::{Env, entry};

/// How `check --exec` names python3 on PATH: `CPython 3.11.7`.
fn python3_label() -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import platform; print(platform.python_implementation(), platform.python_version())",
        ])
        .output()
        .expect("these tests need python3 on PATH");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn wrong_output_and_a_raising_script_are_reported_with_expected_and_actual() {
    let env = Env::new();
    let body = "Intro.\n\n```pycon\n>>> 1 + 1\n2\n>>> sorted({3, 1, 2})\n[3, 2, 1]\n```\n\n```python\nx = 1\nraise ValueError(\"boom\")\n```\n";
    let path = env.write("kb/notes/wrong.md", &entry("wrong", "notes", "Wrong", body));
    let run = env.run(&["check", "--exec", env.path("kb").to_str().unwrap()]);
    run.assert_status(1);
    let p = path.display();
    let on = python3_label();
    // Line 12 holds `>>> sorted(...)`; line 18 the `raise`.
    let expected = format!(
        "{p}:12: [{on}] pycon output differs:\n    >>> sorted({{3, 1, 2}})\n    expected:\n        [3, 2, 1]\n    got:\n        [1, 2, 3]\n"
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "{p}:18: [{on}] python example failed (exit status: 1):"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ValueError: boom"), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!(
            "2 examples run on {on} (2 runs), 0 skipped: 2 problems"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn passing_and_skipped_examples_exit_0() {
    let env = Env::new();
    let body = "```pycon\n>>> def f(): pass\n>>> f\n<function f at 0x...>\n>>> 1/0\nTraceback (most recent call last):\n  ...\nZeroDivisionError: division by zero\n```\n\n```python\nimport sys\nassert sys.version_info >= (3, 8)\nprint('fine')\n```\n\n```python skip: needs a running server\nimport nothing_here\n```\n";
    env.write("kb/notes/right.md", &entry("right", "notes", "Right", body));
    let run = env.run(&["check", "--exec", env.path("kb").to_str().unwrap()]);
    run.assert_ok();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(&format!(
            "2 examples run on {} (2 runs), 1 skipped: no problems",
            python3_label()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hanging_example_times_out() {
    let env = Env::new();
    let body = "```python\nimport time\ntime.sleep(30)\n```\n";
    let path = env.write("kb/notes/slow.md", &entry("slow", "notes", "Slow", body));
    let run = env.run(&[
        "check",
        "--exec",
        "--timeout",
        "1",
        env.path("kb").to_str().unwrap(),
    ]);
    run.assert_status(1);
    assert!(
        run.stdout.contains(&format!(
            "{}:7: [{}] example did not finish within 1 s",
            path.display(),
            python3_label()
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_interpreter_is_an_error_naming_it() {
    let env = Env::new();
    env.write(
        "kb/notes/x.md",
        &entry("x", "notes", "X", "```python\nprint(1)\n```\n"),
    );
    let run = env.run(&[
        "check",
        "--exec",
        "--python",
        "/no/such/python",
        env.path("kb").to_str().unwrap(),
    ]);
    run.assert_status(2);
    assert!(
        run.stderr
            .starts_with("pyguide: error: cannot run /no/such/python"),
        "{}",
        run.stderr
    );
}

#[test]
fn more_than_one_skipped_block_is_a_problem() {
    let env = Env::new();
    let body = "```python skip: a\nx\n```\n```python skip: b\nx\n```\n";
    let path = env.write("kb/notes/skips.md", &entry("skips", "notes", "Skips", body));
    let run = env.run(&["check", env.path("kb").to_str().unwrap()]);
    run.assert_status(1);
    assert!(
        run.stdout
            .contains(&format!("{}:10: a second skipped example", path.display())),
        "{}",
        run.stdout
    );
}

#[test]
fn a_relative_interpreter_path_is_resolved_before_examples_change_folder() {
    let env = Env::new();
    env.write(
        "kb/notes/x.md",
        &entry("x", "notes", "X", "```python\nprint(1)\n```\n"),
    );
    let python = String::from_utf8(
        std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::os::unix::fs::symlink(python.trim(), env.path("py")).unwrap();
    // Run from the temporary root, naming the interpreter relative to it.
    let run = env
        .command(&["check", "--exec", "--python", "./py", "kb"])
        .current_dir(env.path(""))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn scoped_blocks_run_only_where_their_scope_holds_and_verbose_says_where() {
    let env = Env::new();
    let body = "```python python>=3\nassert True\n```\n\n```python python>=99\nraise SystemExit(1)\n```\n\n```python python<3\nraise SystemExit(1)\n```\n\n```python nosuchpackage>=1\nraise SystemExit(1)\n```\n";
    let path = env.write(
        "kb/notes/scoped.md",
        &entry("scoped", "notes", "Scoped", body),
    );
    let run = env.run(&["check", "--exec", "-v", env.path("kb").to_str().unwrap()]);
    run.assert_ok();
    let p = path.display();
    let version = python3_label().split(' ').nth(1).unwrap().to_string();
    assert_eq!(
        run.stdout,
        format!(
            "{p}:7: ran on {version}\n{p}:11: not run: needs python>=99\n{p}:15: not run: needs python<3\n{p}:19: not run: needs nosuchpackage>=1\n"
        )
    );
    assert!(
        run.stderr.contains("1 example run on") && run.stderr.contains("3 for versions not given"),
        "{}",
        run.stderr
    );
}

#[test]
fn verified_may_not_claim_a_version_that_failed_or_under_strict_did_not_run() {
    let env = Env::new();
    let version = python3_label().split(' ').nth(1).unwrap().to_string();
    let minor: Vec<&str> = version.split('.').take(2).collect();
    let minor = minor.join(".");
    let text = format!(
        "---\nid: claims\ntitle: Claims\nsummary: s\ncategory: notes\nverified: [\"{minor}\", \"3.99\"]\n---\n```python\nraise SystemExit(1)\n```\n"
    );
    let path = env.write("kb/notes/claims.md", &text);
    let kb = env.path("kb");
    let run = env.run(&["check", "--exec", kb.to_str().unwrap()]);
    run.assert_status(1);
    let p = path.display();
    assert!(
        run.stdout.contains(&format!(
            "{p}:6: `verified` claims Python {minor}, but an example failed on it"
        )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("3.99"), "{}", run.stdout);
    let run = env.run(&["check", "--exec", "--strict", kb.to_str().unwrap()]);
    assert!(
        run.stdout.contains(&format!(
            "{p}:6: `verified` claims Python 3.99, but no Python 3.99 ran its examples here"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_timeout_stops_the_whole_process_group_even_with_stdout_held_open() {
    let env = Env::new();
    let pids = env.path("pids");
    // 20 grandchildren that sleep with the example's stdout open, then the example hangs.
    let body = format!(
        "```python\nimport subprocess, sys, time\nps = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']) for _ in range(20)]\nopen({:?}, 'w').write(' '.join(str(p.pid) for p in ps))\ntime.sleep(60)\n```\n",
        pids.display().to_string()
    );
    env.write(
        "kb/notes/daemon.md",
        &entry("daemon", "notes", "Daemon", &body),
    );
    let started = std::time::Instant::now();
    let run = env.run(&[
        "check",
        "--exec",
        "--timeout",
        "2",
        env.path("kb").to_str().unwrap(),
    ]);
    let took = started.elapsed();
    run.assert_status(1);
    assert!(took.as_secs() < 15, "took {took:?}");
    assert!(
        run.stdout.contains("did not finish within 2 s"),
        "{}",
        run.stdout
    );
    let pids = std::fs::read_to_string(&pids).expect("the example wrote its children's pids");
    std::thread::sleep(std::time::Duration::from_millis(200));
    for pid in pids.split_whitespace() {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        assert!(
            status.is_empty() || status.contains("State:\tZ"),
            "grandchild {pid} outlived the timeout"
        );
    }
}

#[test]
fn output_is_capped_and_the_cut_is_reported() {
    let env = Env::new();
    let body =
        "```python\nimport sys\nsys.stderr.write('x' * (3 << 20))\nraise SystemExit(1)\n```\n";
    env.write("kb/notes/loud.md", &entry("loud", "notes", "Loud", body));
    let run = env.run(&["check", "--exec", env.path("kb").to_str().unwrap()]);
    run.assert_status(1);
    assert!(
        run.stdout
            .contains("(stderr cut at 1 MB; 2097152 more bytes were dropped)"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(300)..]
    );
    assert!(run.stdout.len() < (1 << 20) + 10_000);
}

#[test]
fn a_python_without_the_packages_gets_one_line_a_module_not_one_a_failure() {
    let env = Env::new();
    let body = "Intro.\n\n```python\nimport pyguide_no_such_module_a\nassert True\n```\n\n```python\nimport pyguide_no_such_module_a\nassert 1\n```\n";
    env.write("kb/notes/one.md", &entry("one", "notes", "One", body));
    env.write("kb/notes/two.md", &entry("two", "notes", "Two", body));
    let run = env.run(&["check", "--exec", env.path("kb").to_str().unwrap()]);
    run.assert_status(1);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("pyguide_no_such_module_a"))
        .collect();
    // Two entries, four failing examples: one line, naming the module, the entries and
    // what to install.
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(lines[0].contains("and 1 more entries"), "{}", lines[0]);
    assert!(
        lines[0].contains("-m pip install -r kb/requirements.txt"),
        "{}",
        lines[0]
    );
    assert!(
        !run.stdout.contains("python example failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_exec_without_a_folder_runs_the_built_in_guide_and_never_the_users_entries() {
    let env = Env::new();
    // The user's entry, in a KB folder pyguide reads: checked, but its example is not run.
    let body = "Intro.\n\n```python\nprint('USER-EXAMPLE-MARKER')\n```\n";
    env.write("kb/notes/mine.md", &entry("mine", "notes", "Mine", body));
    // An interpreter that answers pyguide's probe for real and only records the examples.
    let log = env.path("ran.log");
    let fake = env.write(
        "fakepy",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = -c ]; then exec python3 \"$@\"; fi\ncat \"$@\" >> '{}'\n",
            log.display()
        ),
    );
    common::make_executable(&fake);
    let kb = env.path("kb");
    let vars = [("PYGUIDE_KB_PATH", kb.to_str().unwrap())];
    let run = env.run_with(
        &["check", "--exec", "--python", fake.to_str().unwrap()],
        &vars,
    );
    run.assert_no_panic();
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    // decorators' short example ran; the user's did not.
    assert!(ran.contains("def twice(func):"), "{}", run.stdout);
    assert!(!ran.contains("USER-EXAMPLE-MARKER"), "the user's entry ran");
    // Given the folder, it is the user's entry that runs, alone.
    std::fs::remove_file(&log).unwrap();
    let run = env.run(&[
        "check",
        "--exec",
        "--python",
        fake.to_str().unwrap(),
        kb.to_str().unwrap(),
    ]);
    run.assert_ok();
    let ran = std::fs::read_to_string(&log).unwrap();
    assert!(ran.contains("USER-EXAMPLE-MARKER"), "{ran}");
    assert!(!ran.contains("def twice(func):"), "{ran}");
}

//! `check --exec` runs the examples of entries and fails when one does not show the truth.
//! These tests need `python3` on PATH (CI has it); they use only the standard library.

mod common;

use common::{Env, entry};

#[test]
fn wrong_output_and_a_raising_script_are_reported_with_expected_and_actual() {
    let env = Env::new();
    let body = "Intro.\n\n```pycon\n>>> 1 + 1\n2\n>>> sorted({3, 1, 2})\n[3, 2, 1]\n```\n\n```python\nx = 1\nraise ValueError(\"boom\")\n```\n";
    let path = env.write("kb/notes/wrong.md", &entry("wrong", "notes", "Wrong", body));
    let run = env.run(&["check", "--exec", env.path("kb").to_str().unwrap()]);
    run.assert_status(1);
    let p = path.display();
    // Line 12 holds `>>> sorted(...)`; line 18 the `raise`.
    let expected = format!(
        "{p}:12: pycon output differs:\n    >>> sorted({{3, 1, 2}})\n    expected:\n        [3, 2, 1]\n    got:\n        [1, 2, 3]\n"
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("{p}:18: python example failed (exit status: 1):")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ValueError: boom"), "{}", run.stdout);
    assert!(
        run.stderr.contains("2 examples run, 0 skipped: 2 problems"),
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
        run.stderr
            .contains("2 examples run, 1 skipped: no problems"),
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
            "{}:7: example did not finish within 1 s",
            path.display()
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

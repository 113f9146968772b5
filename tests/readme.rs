//! The README is tested: every ```` ```console ```` block runs against the real binary, in a
//! hermetic environment whose home folder is shown as `/home/you`, and must print what the
//! block shows (stderr, then stdout, as a terminal would interleave them here). In the
//! expected text, a line `...` stands for any number of lines, and `[..]` for any text
//! within a line. A command that ends badly shows its exit status on a line `$ echo $?`.

mod common;

use std::process::Command;

use common::Env;

/// The words of a command line: spaces separate, single and double quotes group.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, ' ') => {
                if any || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether `actual` lines match `expected` lines with `...` and `[..]` wildcards.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|k| matches(rest, &actual[k..])),
        Some((line, rest)) => actual
            .split_first()
            .is_some_and(|(a, arest)| line_matches(line, a) && matches(rest, arest)),
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let mut pieces = expected.split("[..]");
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    for (k, piece) in pieces.iter().enumerate() {
        if k + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[test]
fn the_readme_console_blocks_show_what_pyguide_prints() {
    let readme = include_str!("../README.md");
    let env = Env::new();
    let home = env.path("home").display().to_string();
    let mut blocks = 0;
    let mut failures = Vec::new();
    let mut in_block = false;
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    for line in readme.lines() {
        if line == "```console" {
            in_block = true;
            commands.clear();
            continue;
        }
        if in_block && line == "```" {
            in_block = false;
            blocks += 1;
            let mut status = 0;
            for (command, expected) in &commands {
                let args = words(command);
                if args == ["echo", "$?"] {
                    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
                    if expected != [status.to_string().as_str()] {
                        failures.push(format!("`{command}` after the last one: {status}"));
                    }
                    continue;
                }
                assert_eq!(
                    args[0], "pyguide",
                    "a README console line runs pyguide: {command}"
                );
                let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
                let mut cmd: Command = env.command(&args);
                cmd.env("XDG_CACHE_HOME", format!("{home}/.cache"))
                    .env("XDG_DATA_HOME", format!("{home}/.local/share"))
                    .env("XDG_CONFIG_HOME", format!("{home}/.config"));
                let out = cmd.output().unwrap();
                status = out.status.code().unwrap_or(-1);
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stderr),
                    String::from_utf8_lossy(&out.stdout)
                )
                .replace(&home, "/home/you");
                let actual: Vec<&str> = text.lines().collect();
                let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
                if !matches(&expected, &actual) {
                    failures.push(format!(
                        "`{command}` printed:\n{text}\n--- the README shows:\n{}",
                        expected.join("\n")
                    ));
                }
            }
            continue;
        }
        if in_block {
            if let Some(command) = line.strip_prefix("$ ") {
                commands.push((command.to_string(), Vec::new()));
            } else if let Some((_, expected)) = commands.last_mut() {
                expected.push(line.to_string());
            }
        }
    }
    assert!(blocks >= 8, "only {blocks} console blocks");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_wildcards_match_what_they_say() {
    assert!(line_matches("a [..] c", "a bb c"));
    assert!(!line_matches("a [..] c", "a bb d"));
    assert!(line_matches("exact", "exact"));
    assert!(matches(&["x", "...", "z"], &["x", "1", "2", "z"]));
    assert!(matches(&["x", "..."], &["x"]));
    assert!(!matches(&["x"], &["x", "y"]));
    assert_eq!(
        words("pyguide search 'a b' \"c\" d"),
        ["pyguide", "search", "a b", "c", "d"]
    );
}

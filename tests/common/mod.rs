//! A hermetic environment for running the real `pyguide` binary: a temporary HOME with its own
//! XDG folders, and none of the caller's NO_COLOR, PAGER, COLUMNS or PYGUIDE_* settings.

#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Env {
    pub root: tempfile::TempDir,
}

pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The first tab-separated field of each stdout line (ids, for search and list).
    /// What a terminal showed, through `script`: its CRLF line ends read as LF.
    pub fn from_tty(out: Output) -> Run {
        let mut run = Run::from(out);
        run.stdout = run.stdout.replace("\r\n", "\n");
        run
    }

    pub fn ids(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter_map(|l| l.split('\t').next())
            .collect()
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Run {
        assert_eq!(
            self.status,
            Some(0),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn assert_status(&self, code: i32) -> &Run {
        assert_eq!(
            self.status,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn assert_no_panic(&self) -> &Run {
        assert!(
            !self.stderr.contains("panicked"),
            "pyguide panicked:\n{}",
            self.stderr
        );
        self
    }
}

impl Env {
    pub fn new() -> Env {
        let root = tempfile::tempdir().expect("temp dir");
        for dir in ["home", "cache", "data", "config"] {
            fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        Env { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// The index folder (`$XDG_CACHE_HOME/pyguide`).
    pub fn cache_dir(&self) -> PathBuf {
        self.path("cache/pyguide")
    }

    /// The default user KB folder (`$XDG_DATA_HOME/pyguide/kb`).
    pub fn user_kb(&self) -> PathBuf {
        self.path("data/pyguide/kb")
    }

    /// Writes a file under the temporary root, creating folders.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pyguide"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .current_dir(self.path("home"))
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run pyguide"))
    }

    pub fn run_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run pyguide"))
    }
}

/// A valid entry file's text.
pub fn entry(id: &str, category: &str, title: &str, body: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: \"{title}\"\nsummary: \"About {id}\"\ncategory: {category}\n---\n{body}\n"
    )
}

pub fn repo_kb() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/kb"))
}

/// The text without ANSI escape sequences: what a person sees.
pub fn visible(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Whether a program is on PATH. Tests that need one fail when it is missing (never pass
/// silently): `.ci/run` installs them, and the README lists them.
pub fn require(program: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    assert!(
        found,
        "this test needs `{program}` on PATH (apt-get install {program}); .ci/run installs it"
    );
}

/// A shell word for `text` (single-quoted).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

impl Env {
    /// Runs pyguide with its stdout on a terminal (util-linux `script` gives it one), with
    /// the given environment; what the terminal showed comes back as stdout.
    pub fn run_tty(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let out = self.tty_command(None, args, vars).output();
        Run::from_tty(out.expect("run script"))
    }

    /// The command `run_tty` runs; with `size` (rows, columns), the terminal is set to it.
    pub fn tty_command(
        &self,
        size: Option<(u16, u16)>,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> Command {
        require("script");
        let mut line = String::new();
        if let Some((rows, cols)) = size {
            require("stty");
            line = format!("stty rows {rows} cols {cols} && exec ");
        }
        line.push_str(&shell_quote(env!("CARGO_BIN_EXE_pyguide")));
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("TERM", "xterm-256color")
            .current_dir(self.path("home"))
            .stdin(Stdio::null());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Every file and folder under `dir`, with the bytes of each file: proof that nothing was
/// written, added, moved or deleted. Links are recorded by their target, not followed.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let kind = e.file_type().unwrap();
            let path = e.path();
            if kind.is_dir() {
                out.insert(path.clone(), b"<folder>".to_vec());
                stack.push(path);
            } else if kind.is_file() {
                out.insert(path.clone(), fs::read(&path).unwrap());
            } else if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                let mut v = b"<link>".to_vec();
                v.extend_from_slice(target.as_os_str().as_bytes());
                out.insert(path, v);
            } else {
                out.insert(path, b"<special>".to_vec());
            }
        }
    }
    out
}

/// How many entries the built-in guide has (the `.md` files of the repository's `kb/`).
pub fn builtin_count() -> usize {
    fn count(dir: &Path) -> usize {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() {
                    count(&p)
                } else {
                    usize::from(p.extension().is_some_and(|x| x == "md"))
                }
            })
            .sum()
    }
    count(repo_kb())
}

/// Compares with `tests/snapshots/NAME`; `PYGUIDE_UPDATE_SNAPSHOTS=1` writes it instead.
#[track_caller]
pub fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("PYGUIDE_UPDATE_SNAPSHOTS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with PYGUIDE_UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .collect();
        panic!(
            "{name} differs from the snapshot ({} vs {} lines)\n{}\nactual:\n{actual}",
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// Runs a command, killing it and failing when it takes longer than `limit`. The output is
/// read while it runs, so a chatty process is never mistaken for a hung one.
#[track_caller]
pub fn bounded(mut cmd: Command, limit: Duration, what: &str) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the command");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = start.elapsed();
    let output = Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    (output, took)
}

//! pyguide in a real terminal: tmux sessions at widths 40, 80 and 200, driven with send-keys
//! and read with capture-pane. They need tmux and less, and fail without them (`.ci/run`
//! installs both).

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{Env, make_executable, snapshot};

static NEXT: AtomicUsize = AtomicUsize::new(0);

struct Tmux {
    socket: String,
}

impl Tmux {
    /// A tmux server of its own running `command` in a `width` x `height` window, in the
    /// hermetic environment of `env` (with a 256-colour TERM).
    fn start(env: &Env, width: u16, height: u16, command: &str) -> Tmux {
        common::require("tmux");
        common::require("less");
        let socket = format!(
            "pyguide-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let bin = env!("CARGO_BIN_EXE_pyguide");
        let vars = format!(
            "env -i PATH={path} HOME={home} XDG_CACHE_HOME={cache} XDG_DATA_HOME={data} \
             XDG_CONFIG_HOME={config} TERM=xterm-256color LANG=C.UTF-8",
            path = std::env::var("PATH").unwrap_or_default(),
            home = env.path("home").display(),
            cache = env.path("cache").display(),
            data = env.path("data").display(),
            config = env.path("config").display(),
        );
        let script = format!(
            "cd {home} && {vars} {command}; echo \"[exit $?]\"; sleep 60",
            home = env.path("home").display(),
            command = command.replace("pyguide", bin),
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args(["sh", "-c", &script])
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    /// The screen's text; with `escapes`, its colours as SGR sequences too.
    fn capture(&self, escapes: bool) -> String {
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &self.socket, "capture-pane", "-p", "-J"]);
        if escapes {
            cmd.arg("-e");
        }
        String::from_utf8_lossy(&cmd.output().expect("capture-pane").stdout).into_owned()
    }

    /// Waits (up to 10 s) until the screen shows `text`, and returns the screen.
    #[track_caller]
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture(false);
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the screen never showed {text:?}:\n{screen}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn resize(&self, width: u16, height: u16) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "resize-window"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .status()
            .expect("resize-window");
        assert!(status.success());
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys"])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn widest(screen: &str) -> usize {
    screen
        .lines()
        .map(|l| l.trim_end().chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn a_long_entry_opens_in_the_pager_in_colour_and_q_quits() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 80, 24, "pyguide show generators");
    let screen = tmux.wait_for("Generators & yield");
    assert!(!screen.contains("[exit"), "no pager:\n{screen}");
    assert!(widest(&screen) <= 80, "{screen}");
    let colours = tmux.capture(true);
    assert!(colours.contains("\x1b["), "no colour in a terminal");
    // Down a page in less, then quit: pyguide exits 0.
    tmux.keys(&["Space"]);
    tmux.keys(&["q"]);
    tmux.wait_for("[exit 0]");
}

#[test]
fn code_is_highlighted_on_screen() {
    let env = Env::new();
    let tmux = Tmux::start(
        &env,
        100,
        60,
        "pyguide --no-pager show keyword-only-arguments | tail -n 40",
    );
    tmux.wait_for("[exit 0]");
    // Piped through tail: plain Markdown, no colours.
    assert!(!tmux.capture(true).contains("38;5;"));
    drop(tmux);

    let tmux = Tmux::start(&env, 100, 200, "pyguide --no-pager show decorators");
    let screen = tmux.wait_for("[exit 0]");
    assert!(screen.contains(">>> "), "{screen}");
    let colours = tmux.capture(true);
    assert!(
        colours.contains("38;5;"),
        "code is not coloured:\n{colours}"
    );
}

#[test]
fn entries_and_results_fit_widths_40_80_and_200() {
    let env = Env::new();
    for width in [40u16, 80, 200] {
        let tmux = Tmux::start(&env, width, 300, "pyguide --no-pager show decorators");
        let screen = tmux.wait_for("[exit 0]");
        assert!(screen.contains("See also"), "{width}: {screen}");
        // Prose is wrapped at the width, at most 100 columns wide for reading.
        let most = usize::from(width).min(100);
        assert!(widest(&screen) <= most, "{width}: {}", widest(&screen));
        drop(tmux);

        let tmux = Tmux::start(&env, width, 60, "pyguide search --limit 3 decorator");
        let screen = tmux.wait_for("[exit 0]");
        assert!(screen.contains(" 1. decorators"), "{width}: {screen}");
        assert!(screen.contains("3 results"), "{width}: {screen}");
        assert!(widest(&screen) <= usize::from(width), "{width}:\n{screen}");
    }
}

#[test]
fn the_pager_from_the_config_file_is_used() {
    let env = Env::new();
    let log = env.path("paged.txt");
    let pager = env.write("pager.sh", &format!("#!/bin/sh\ncat > {}\n", log.display()));
    make_executable(&pager);
    env.write(
        "config/pyguide/config.toml",
        &format!("pager = \"{}\"\n", pager.display()),
    );
    let tmux = Tmux::start(&env, 80, 24, "pyguide show generators");
    tmux.wait_for("[exit 0]");
    let paged = std::fs::read_to_string(&log).unwrap();
    assert!(paged.contains("Generators & yield"), "{paged}");
}

#[test]
fn a_short_answer_is_printed_without_a_pager() {
    let env = Env::new();
    // `less -F` would quit by itself; with a pager that never quits, fitting output must not
    // be sent to it at all.
    let tmux = Tmux::start(
        &env,
        80,
        50,
        "PYGUIDE_PAGER='sleep 30' pyguide search --limit 2 post_save",
    );
    let screen = tmux.wait_for("[exit 0]");
    assert!(screen.contains("django-signals"), "{screen}");
}

#[test]
fn pager_less_from_the_environment_shows_colours_not_escape_codes() {
    let env = Env::new();
    // PAGER=less with LESS unset: pyguide sets LESS=FRX as git and bat do, so colours are
    // drawn, not shown as `ESC[1m` text.
    let tmux = Tmux::start(&env, 80, 24, "PAGER=less pyguide show generators");
    let screen = tmux.wait_for("Generators & yield");
    assert!(!screen.contains("ESC["), "raw escapes:\n{screen}");
    assert!(!screen.contains("[1m"), "raw escapes:\n{screen}");
    assert!(tmux.capture(true).contains("\x1b["), "no colour");
    tmux.keys(&["q"]);
    tmux.wait_for("[exit 0]");
}

#[test]
fn a_topic_found_in_a_section_opens_the_pager_at_that_section() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 80, 24, "PAGER=less pyguide show ExitStack");
    // The first screen is the section, not the entry's title.
    let screen = tmux.wait_for("ExitStack");
    let first = screen.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(first.contains("suppress and ExitStack"), "{screen}");
    assert!(!screen.contains("Context Managers — "), "{screen}");
    // The title and the short answer are above, in the scrollback: one page up shows them.
    tmux.keys(&["g"]);
    tmux.wait_for("Context Managers");
    tmux.keys(&["q"]);
    tmux.wait_for("[exit 0]");
}

#[test]
fn search_results_fit_forty_columns_with_long_ids() {
    let env = Env::new();
    let tmux = Tmux::start(
        &env,
        40,
        60,
        "pyguide --no-pager search --limit 4 django select_related prefetch_related background tasks",
    );
    let screen = tmux.wait_for("[exit ");
    assert!(widest(&screen) <= 40, "{screen}");
    assert!(
        screen.contains("[django]") || screen.contains("[fastapi]"),
        "{screen}"
    );
}

#[test]
fn a_pager_that_fails_still_shows_the_text() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 80, 24, "PAGER=false pyguide show generators");
    // The whole entry was printed: its end (the See also list) is on the screen.
    let screen = tmux.wait_for("[exit 0]");
    assert!(
        screen.lines().filter(|l| l.starts_with("• ")).count() >= 3,
        "{screen}"
    );
}

/// The line of the picker's hit list that carries the selection mark.
fn selected_line(screen: &str) -> Option<(usize, &str)> {
    screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("▸ "))
}

/// What a shell prints after pyguide left: `icanon` when the terminal was put back in its
/// normal (cooked) mode, `-icanon` when it was left raw.
const AFTER: &str = "; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon";

#[test]
fn the_picker_types_chooses_opens_the_pager_and_leaves_the_terminal_as_it_was() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 80, 24, &format!("PAGER=less pyguide{AFTER}"));
    // No arguments in a terminal: the picker, every entry listed, the first one previewed.
    let screen = tmux.wait_for("Esc leave");
    assert!(screen.starts_with("> "), "{screen}");
    assert!(widest(&screen) <= 80, "{screen}");
    snapshot("picker-80x24.txt", &screen);

    // Typing narrows the hits on every keystroke, sections included.
    tmux.keys(&["-l", "lazy queryset"]);
    let screen = tmux.wait_for("> lazy queryset");
    let screen = if screen.contains("django-querysets") {
        screen
    } else {
        tmux.wait_for("django-querysets")
    };
    let (first, line) = selected_line(&screen).expect("a selected hit");
    assert!(line.contains("django-querysets"), "{screen}");
    assert!(screen.contains(" § "), "no section in the hits:\n{screen}");

    // An arrow moves the selection, and the preview follows it.
    tmux.keys(&["Down"]);
    let start = Instant::now();
    loop {
        let screen = tmux.capture(false);
        if selected_line(&screen).is_some_and(|(k, _)| k == first + 1) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "Down did not move:\n{screen}"
        );
        thread::sleep(Duration::from_millis(50));
    }
    tmux.keys(&["Up"]);

    // Enter reads the entry in the pager, at the section that matched; q comes back to the
    // picker, query kept.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Everything that needs the rows goes through _fetch_all()");
    let screen = tmux.capture(false);
    assert!(
        !screen.contains("Esc leave"),
        "the pager is not on screen:\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("> lazy queryset");

    // Esc leaves: exit 0, the terminal back in cooked mode, the picker gone from the screen.
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("[exit 0]");
    assert!(screen.lines().any(|l| l == "icanon"), "{screen}");
    assert!(!screen.contains("Esc leave"), "{screen}");
}

#[test]
fn the_picker_filters_a_category_toggles_the_whole_entry_and_finds_in_the_preview() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 100, 30, "pyguide browse c:fastapi");
    let screen = tmux.wait_for("Esc leave");
    let ids: Vec<&str> = screen
        .lines()
        .skip(1)
        .filter_map(|l| l.trim_start_matches("▸ ").split_whitespace().next())
        .filter(|w| w.starts_with("fastapi") || w.starts_with("django"))
        .collect();
    assert!(!ids.is_empty(), "{screen}");
    assert!(ids.iter().all(|id| id.starts_with("fastapi")), "{screen}");
    assert!(screen.contains("Tab short answer"), "{screen}");
    assert!(screen.contains("In short"), "{screen}");

    // Tab: the whole entry.
    tmux.keys(&["Tab"]);
    tmux.wait_for("Tab whole entry");

    // `/` finds text in the preview and scrolls to it.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "pitfalls"]);
    tmux.wait_for("/pitfalls");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Esc leave");
    assert!(
        screen
            .lines()
            .skip(1)
            .any(|l| l.to_lowercase().contains("pitfalls")),
        "{screen}"
    );

    // An unknown category says so.
    tmux.keys(&["C-u"]);
    tmux.keys(&["-l", "c:nosuchthing"]);
    tmux.wait_for("no category `nosuchthing`");
    tmux.keys(&["C-c"]);
    tmux.wait_for("[exit 0]");
}

#[test]
fn the_picker_follows_a_resize_from_200_to_40_columns() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 200, 30, "NO_COLOR=1 pyguide browse decorators");
    let screen = tmux.wait_for("Esc leave");
    // Wide: the hits and the preview side by side, on the same line.
    let line = selected_line(&screen).expect("a selected hit").1;
    assert!(line.contains("decorators"), "{screen}");
    assert!(line.contains('│'), "not side by side:\n{screen}");
    let colours = tmux.capture(true);
    // Reverse video marks the selection; no colour is set (39 is the default colour).
    let coloured = colours.replace("\x1b[39m", "");
    assert!(
        !coloured.contains("\x1b[3") && !coloured.contains(";3"),
        "NO_COLOR, but colours:\n{colours}"
    );

    tmux.resize(40, 30);
    let start = Instant::now();
    let screen = loop {
        let screen = tmux.capture(false);
        if widest(&screen) <= 40 && screen.contains("Esc") {
            break screen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no redraw at 40:\n{screen}"
        );
        thread::sleep(Duration::from_millis(50));
    };
    // Narrow: the hits above the preview.
    let (k, _) = selected_line(&screen).expect("a selected hit");
    assert!(k < 12, "{screen}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("[exit 0]");
}

#[test]
fn sigterm_leaves_the_picker_with_the_terminal_restored() {
    let env = Env::new();
    let pid = env.path("home/picker.pid");
    let command = format!(
        "sh -c 'echo $$ > {}; exec pyguide browse'{AFTER}",
        pid.display()
    );
    let tmux = Tmux::start(&env, 80, 24, &command);
    tmux.wait_for("Esc leave");
    let pid = std::fs::read_to_string(&pid).expect("the pid");
    let status = Command::new("kill")
        .args(["-TERM", pid.trim()])
        .status()
        .expect("kill");
    assert!(status.success());
    let screen = tmux.wait_for("[exit ");
    assert!(screen.lines().any(|l| l == "icanon"), "{screen}");
    assert!(!screen.contains("Esc leave"), "{screen}");
}

#[test]
fn a_crash_in_the_picker_leaves_the_terminal_restored() {
    let env = Env::new();
    let tmux = Tmux::start(
        &env,
        80,
        24,
        &format!("PYGUIDE_TEST_PANIC_IN_PICKER=1 pyguide browse{AFTER}"),
    );
    let screen = tmux.wait_for("[exit ");
    assert!(
        screen.contains("[exit 0]"),
        "the shell after stty: {screen}"
    );
    assert!(screen.lines().any(|l| l == "icanon"), "{screen}");
    assert!(
        screen.contains("a test asked the picker to crash"),
        "the panic message is shown on the main screen: {screen}"
    );
    assert!(!screen.contains("Esc leave"), "{screen}");
}

#[test]
fn piped_or_on_a_dumb_terminal_no_arguments_prints_the_help() {
    let env = Env::new();
    let tmux = Tmux::start(&env, 80, 100, "TERM=dumb pyguide");
    // The help, as clap prints it for a missing command: on stderr, exit 2.
    let screen = tmux.wait_for("[exit 2]");
    assert!(screen.contains("Usage:"), "{screen}");
    let run = env.run(&[]);
    run.assert_status(2);
    assert!(run.stderr.contains("Usage:"), "{}", run.stderr);
}

//! The command line, as clap derive types. The `///` lines are the help text. No I/O and
//! nothing from the rest of the crate: `settings.rs` turns these into settled values, and
//! `main.rs` attaches the shell completers.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// Global options that take a value, so the value is not mistaken for a topic.
const VALUE_OPTIONS: [&str; 3] = ["--color", "--kb", "--theme"];

/// `pyguide TOPIC...` means `pyguide show TOPIC...` (the tldr habit): inserts `show` before
/// the first argument that is neither an option nor a subcommand name. Subcommands always win,
/// wherever the global options stand.
pub fn with_default_subcommand(args: Vec<OsString>) -> Vec<OsString> {
    let command = Cli::command();
    let is_subcommand = |name: &str| {
        name == "help"
            || command
                .get_subcommands()
                .any(|c| c.get_name() == name || c.get_all_aliases().any(|a| a == name))
    };
    let mut i = 1;
    while i < args.len() {
        let arg = args[i].to_string_lossy();
        if arg == "--" {
            break;
        }
        if VALUE_OPTIONS.contains(&arg.as_ref()) {
            i += 2;
            continue;
        }
        if arg.starts_with('-') {
            i += 1;
            continue;
        }
        if is_subcommand(&arg) {
            return args;
        }
        let mut out = args;
        out.insert(i, OsString::from("show"));
        return out;
    }
    args
}

const EXAMPLES: &str = "\
Examples:
  pyguide search lazy queryset        rank entries for some words
  pyguide search \"TypeError: unhashable type: 'list'\"   paste an error line
  pyguide show decorators             read one entry
  pyguide decorators                  the same: a bare topic means `show`
  pyguide show --short staticmethod   the short answer, and where the rest is
  pyguide show descriptors#property-classmethod-staticmethod   one section
  pyguide list --category django      the table of contents
  pyguide search --json post_save     results for scripts
  pyguide check ~/notes/kb            validate your own entries
  pyguide new my-notes                write an entry of your own
  pyguide search --ids async | fzf --preview 'pyguide --color always show {}'

Shell completion (topics too): source <(COMPLETE=bash pyguide)   (or zsh, fish)

Your own entries: Markdown files with YAML front matter in `pyguide paths`'s KB folder,
in PYGUIDE_KB_PATH (colon-separated) or in --kb DIR. `pyguide man` has the format.";

/// A fast, offline guide to how Python really works: syntax, the standard library,
/// frameworks and packages, explained at code level.
#[derive(Debug, Parser)]
#[command(name = "pyguide", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// When to use colour: auto (only when writing to a terminal, NO_COLOR is unset or empty,
    /// and TERM is not dumb), always, never.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Also read entries from this folder (repeatable; first wins on duplicate ids).
    #[arg(long = "kb", global = true, value_name = "DIR")]
    pub kb: Vec<PathBuf>,

    /// Print directly, never through a pager.
    #[arg(long, global = true)]
    pub no_pager: bool,

    /// Colours for rendered entries: dark or light terminal background.
    #[arg(long, global = true, value_name = "THEME", value_parser = ["dark", "light"])]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rank the guide's entries for some words, a question or a pasted error line.
    #[command(
        after_help = "Examples:\n  pyguide search lazy queryset\n  pyguide search why does my default list argument keep growing\n  pyguide search \"RuntimeError: dictionary changed size during iteration\"\n  pyguide search --category fastapi Depends\n  pyguide search --json --limit 3 \"__enter__\"\n\nExit status: 0 when an entry answers, 1 when none does (the closest are still listed)."
    )]
    Search {
        /// Words, identifiers, a question or an error line; no query syntax to get wrong.
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Show at most this many results [default: 10, or `limit` in the config file].
        #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
        limit: Option<u64>,
        /// Only entries of this category (syntax, stdlib, fastapi, django, packages, or yours).
        #[arg(short, long, value_name = "C")]
        category: Option<String>,
        /// Print a JSON array: rank, id, title, summary, category, score, confident, section,
        /// path, snippet, highlights.
        #[arg(long, conflicts_with = "ids")]
        json: bool,
        /// Print only the ids, one a line (for fzf and scripts).
        #[arg(long)]
        ids: bool,
    },
    /// Show one entry, by id, alias, loose name, or the best match for the words.
    #[command(
        after_help = "TOPIC#ANCHOR shows one section (anchors: `pyguide show --toc TOPIC`).\n\nExamples:\n  pyguide show decorators\n  pyguide show --short staticmethod\n  pyguide show \"Context Managers\"\n  pyguide show descriptors#property-classmethod-staticmethod\n  pyguide show --section on_commit django-transactions\n\nExit status: 0 when shown, 1 when no entry answers the topic."
    )]
    Show {
        #[arg(required = true, value_name = "TOPIC")]
        topic: Vec<String>,
        /// Only the short answer, and a pointer to the full entry and its sections.
        #[arg(short, long, conflicts_with_all = ["full", "toc"])]
        short: bool,
        /// The whole entry, even when `short = true` is set in the config file.
        #[arg(long)]
        full: bool,
        /// List the entry's sections and their anchors.
        #[arg(long, conflicts_with = "section")]
        toc: bool,
        /// Only the section whose heading matches these words best.
        #[arg(long, value_name = "WORDS")]
        section: Option<String>,
    },
    /// The table of contents, by category.
    List {
        /// Only this category.
        #[arg(short, long, value_name = "C")]
        category: Option<String>,
        /// Print a JSON array of id, title, summary, category, path.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index now (it is also kept up to date by itself).
    Index,
    /// Validate entry files and list every problem as path:line.
    #[command(
        after_help = "Without DIR, checks the built-in guide and your KB folders; --exec then runs only the built-in guide's examples (name a folder to run your own code).\n\nExamples:\n  pyguide check ~/notes/kb\n  pyguide check --exec --python .venv/bin/python ~/notes/kb\n  pyguide check --exec --all-pythons ~/notes/kb\n  pyguide check --strict --exec --python py310/bin/python --python py313/bin/python kb/\n\nExit status: 0 when all is well, 1 when problems were found."
    )]
    Check {
        /// Folders or files to check.
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Also run every example: ```python blocks as scripts, ```pycon blocks with doctest.
        #[arg(long)]
        exec: bool,
        /// An interpreter that runs the examples (repeatable: each example runs on each one
        /// its scope allows) [default: python3 on PATH].
        #[arg(long, value_name = "PATH", requires = "exec")]
        python: Vec<PathBuf>,
        /// Run the examples on every CPython 3.10+ found (pyenv's versions, python3.N on PATH).
        #[arg(long, requires = "exec", conflicts_with = "python")]
        all_pythons: bool,
        /// Apply the built-in guide's standard: a short answer, 8-20 questions, `verified`
        /// versions that all ran, 600-1,500 words, examples that check what they show.
        #[arg(long)]
        strict: bool,
        /// List every example with the interpreters it ran on.
        #[arg(short, long, requires = "exec")]
        verbose: bool,
        /// Seconds each example may run.
        #[arg(long, default_value_t = 60, value_name = "SECS", requires = "exec")]
        timeout: u64,
    },
    /// Where the KB folders, the index and the config live.
    Paths,
    /// Write a new entry of your own: creates it in your KB folder and opens your editor.
    #[command(
        after_help = "The editor is $VISUAL, then $EDITOR, else vi. When it closes, the entry is checked; an entry left as the skeleton (or an editor that failed) is removed again.\n\nExamples:\n  pyguide new my-notes\n  pyguide new --category django orm-tricks"
    )]
    New {
        /// The id: lowercase letters, digits and hyphens.
        #[arg(value_name = "ID")]
        id: String,
        /// The category, also the folder it goes in.
        #[arg(short, long, default_value = "notes", value_name = "C")]
        category: String,
    },
    /// Edit an entry: yours in place; a built-in one as your own copy, which then replaces it.
    #[command(
        after_help = "A copy of a built-in entry left unchanged is removed again, so it never hides a newer built-in version. To drop an override, delete your copy (`pyguide show ID` names its file)."
    )]
    Edit {
        #[arg(required = true, value_name = "TOPIC")]
        topic: Vec<String>,
    },
    /// A random entry's short answer: a tip of the day.
    Random {
        /// Only from this category.
        #[arg(short, long, value_name = "C")]
        category: Option<String>,
        /// The whole entry, not only its short answer.
        #[arg(long)]
        full: bool,
    },
    /// Browse and search as you type: a full-screen picker with a preview (also `pyguide`
    /// alone, in a terminal).
    #[command(
        after_help = "Keys: type to search (c:CATEGORY keeps one category), Up/Down to choose, Enter to read in the pager, Tab for the whole entry or its short answer, / to find in the preview, Esc or Ctrl-C to leave."
    )]
    Browse {
        /// Words to start with.
        #[arg(value_name = "QUERY")]
        query: Vec<String>,
        /// Type QUERY one key at a time off-screen and print how long each keystroke took.
        #[arg(long, hide = true, value_name = "QUERY")]
        bench_keys: Option<String>,
    },
    /// The manual page (roff): shown by man in a terminal; `pyguide man search` for a
    /// subcommand's.
    Man {
        /// A subcommand: search, show, list, ...
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Cli {
        let args = args.iter().map(OsString::from).collect();
        Cli::try_parse_from(with_default_subcommand(args)).unwrap()
    }

    #[test]
    fn a_bare_topic_means_show_and_subcommands_win_after_global_options() {
        let shown = |cli: Cli| match cli.command {
            Some(Command::Show { topic, .. }) => topic,
            other => panic!("{other:?}"),
        };
        assert_eq!(shown(parse(&["pyguide", "decorators"])), ["decorators"]);
        assert_eq!(
            shown(parse(&["pyguide", "--kb", "x", "lazy", "queryset"])),
            ["lazy", "queryset"]
        );
        assert_eq!(
            shown(parse(&["pyguide", "--color", "always", "yield"])),
            ["yield"]
        );
        assert!(matches!(
            parse(&["pyguide", "list"]).command,
            Some(Command::List { .. })
        ));
        assert!(matches!(
            parse(&["pyguide", "--color", "always", "--no-pager", "list"]).command,
            Some(Command::List { .. })
        ));
        assert!(matches!(
            parse(&["pyguide", "--color=never", "show", "x"]).command,
            Some(Command::Show { .. })
        ));
        assert!(parse(&["pyguide"]).command.is_none());
    }

    #[test]
    fn a_limit_of_zero_is_refused_like_in_the_config_file() {
        let args = ["pyguide", "search", "--limit", "0", "x"].map(OsString::from);
        assert!(Cli::try_parse_from(args).is_err());
    }
}

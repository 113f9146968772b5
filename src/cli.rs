//! The command line, as clap derive types. The `///` lines are the help text; no I/O here.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  pyguide search lazy queryset        rank entries for some words
  pyguide show decorators             read one entry
  pyguide decorators                  the same: a bare topic means `show`
  pyguide show lazy queryset          show the best match for the words
  pyguide list --category django      the table of contents
  pyguide search --json post_save     results for scripts
  pyguide check ~/notes/kb            validate your own entries
  pyguide check --exec                run every example of the guide

Your own entries: Markdown files with YAML front matter in `pyguide paths`'s KB folder,
in PYGUIDE_KB_PATH (colon-separated) or in --kb DIR. See the README for the format.";

/// A fast, offline guide to how Python really works: syntax, frameworks and packages,
/// explained at code level.
#[derive(Debug, Parser)]
#[command(name = "pyguide", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A topic to show, as with `pyguide show TOPIC`.
    #[arg(value_name = "TOPIC")]
    pub topic: Vec<String>,

    /// When to use colour: auto (only when writing to a terminal and NO_COLOR is unset or empty).
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Also read entries from this folder (repeatable; first wins on duplicate ids).
    #[arg(long = "kb", global = true, value_name = "DIR")]
    pub kb: Vec<PathBuf>,

    /// Print directly, never through a pager.
    #[arg(long, global = true)]
    pub no_pager: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rank the guide's entries for some words.
    #[command(
        after_help = "Examples:\n  pyguide search lazy queryset\n  pyguide search --category fastapi Depends\n  pyguide search --json --limit 3 \"__enter__\"\n\nExit status: 0 when something matched, 1 when nothing did."
    )]
    Search {
        /// Words, identifiers or a question; no query syntax to get wrong.
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Show at most this many results.
        #[arg(short = 'n', long, default_value_t = 10, value_name = "N")]
        limit: usize,
        /// Only entries of this category (syntax, fastapi, django, packages, or your own).
        #[arg(short, long, value_name = "C")]
        category: Option<String>,
        /// Print a JSON array: id, title, summary, category, score, snippet, highlights.
        #[arg(long)]
        json: bool,
    },
    /// Show one entry, by id, alias, loose name, or the best match for the words.
    #[command(
        after_help = "Examples:\n  pyguide show decorators\n  pyguide show \"Context Managers\"\n  pyguide show lazy queryset"
    )]
    Show {
        #[arg(required = true, value_name = "TOPIC")]
        topic: Vec<String>,
    },
    /// The table of contents, by category.
    List {
        /// Only this category.
        #[arg(short, long, value_name = "C")]
        category: Option<String>,
        /// Print a JSON array of id, title, summary, category.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index now (it is also rebuilt by itself when entries change).
    Index,
    /// Validate entry files and list every problem as path:line.
    #[command(
        after_help = "Without DIR, checks the built-in guide and your KB folders.\n\nExamples:\n  pyguide check ~/notes/kb\n  pyguide check --exec --python .venv/bin/python kb/\n\nExit status: 0 when all is well, 1 when problems were found."
    )]
    Check {
        /// Folders or files to check.
        #[arg(value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Also run every example: ```python blocks as scripts, ```pycon blocks with doctest.
        #[arg(long)]
        exec: bool,
        /// The Python that runs the examples (default: python3 on PATH).
        #[arg(long, value_name = "PATH", requires = "exec")]
        python: Option<PathBuf>,
        /// Seconds each example may run.
        #[arg(long, default_value_t = 60, value_name = "SECS", requires = "exec")]
        timeout: u64,
    },
    /// Where the KB folders, the index and the config live.
    Paths,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_topic_parses_as_topic_and_subcommands_win() {
        let cli = Cli::try_parse_from(["pyguide", "decorators"]).unwrap();
        assert_eq!(cli.topic, ["decorators"]);
        assert!(cli.command.is_none());
        let cli = Cli::try_parse_from(["pyguide", "list"]).unwrap();
        assert!(matches!(cli.command, Some(Command::List { .. })));
        let cli = Cli::try_parse_from(["pyguide", "--kb", "x", "lazy", "queryset"]).unwrap();
        assert_eq!(cli.topic, ["lazy", "queryset"]);
    }
}

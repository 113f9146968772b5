//! pyguide: a fast, offline guide to how Python really works.
//!
//! `main` attaches the shell completers, parses, settles the settings, runs the command,
//! reports an error once and picks the exit code: 0 found, 1 nothing found or problems
//! found, 2 usage or runtime error. Data flows one way:
//! `settings -> library (store, index) -> search -> render -> term`.

mod app;
mod builtin;
mod cli;
mod colors;
mod complete;
mod config;
mod exec;
mod fresh;
mod library;
mod manual;
mod packages;
mod paint;
mod paths;
mod picker;
mod render;
mod search;
mod settings;
mod snippet;
mod store;
mod term;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use clap_complete::engine::ArgValueCompleter;

/// The command line as the shell completes it: topics where a topic goes (a bare topic too,
/// which parsing turns into `show TOPIC`), categories where a category goes.
fn completion() -> clap::Command {
    let topics = || ArgValueCompleter::new(complete::topics);
    let categories = || ArgValueCompleter::new(complete::categories);
    let bare = clap::Arg::new("topic")
        .value_name("TOPIC")
        .num_args(0..)
        .hide(true)
        .add(topics());
    let mut command = cli::Cli::command()
        .arg(bare)
        .args_conflicts_with_subcommands(true);
    for name in ["show", "edit"] {
        command = command.mut_subcommand(name, |c| c.mut_arg("topic", |a| a.add(topics())));
    }
    for name in ["search", "list", "random"] {
        command = command.mut_subcommand(name, |c| c.mut_arg("category", |a| a.add(categories())));
    }
    command
}

fn main() -> ExitCode {
    // Shell completion: the shell runs `COMPLETE=bash pyguide -- …` and reads candidates.
    let here = std::env::current_dir().ok();
    match clap_complete::CompleteEnv::with_factory(completion)
        .try_complete(std::env::args_os(), here.as_deref())
    {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        // An unknown shell in COMPLETE, or candidates that could not be written.
        Err(err) => return usage_error(err),
    }
    let args = cli::with_default_subcommand(std::env::args_os().collect());
    let parsed = cli::Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    match app::run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let message = term::sanitize(&format!("{err:#}"));
            let _ = writeln!(io::stderr(), "pyguide: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// clap's own output for help and version; its errors with the one prefix every error has.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        // Styled for a terminal, as clap would, unless NO_COLOR is set.
        let styled =
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let text = err.render();
        let text = if styled {
            text.ansi().to_string()
        } else {
            text.to_string()
        };
        // Written here, not by clap (which ignores a failed write): a full device is an
        // error, a reader that went away is not.
        let mut out = io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                let _ = writeln!(io::stderr(), "pyguide: error: cannot write: {e}");
                ExitCode::from(2)
            }
            _ => ExitCode::SUCCESS,
        };
    }
    let text = err.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let end = if text.ends_with('\n') { "" } else { "\n" };
    let _ = write!(
        io::stderr(),
        "pyguide: error: {}{end}",
        term::sanitize(text)
    );
    ExitCode::from(2)
}

/// A reader that went away (`pyguide list | head -1`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

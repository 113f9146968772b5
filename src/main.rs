//! pyguide: a fast, offline guide to how Python really works.
//!
//! Data flows one way: `paths -> kb (entries) -> index (build/open) -> search (hits) -> render
//! (strings) -> term (stdout)`. `main` parses, runs, reports the error once and picks the exit
//! code: 0 found, 1 nothing found or problems found, 2 usage or runtime error.

mod app;
mod builtin;
mod cli;
mod complete;
mod config;
mod exec;
mod fresh;
mod highlight;
mod index;
mod kb;
mod paths;
mod render;
mod search;
mod snippet;
mod term;
mod text;
mod vocab;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    // Shell completion: the shell runs `COMPLETE=bash pyguide -- …` and reads candidates.
    clap_complete::CompleteEnv::with_factory(cli::Cli::command).complete();
    let args = cli::with_default_subcommand(std::env::args_os().collect());
    match app::run(cli::Cli::parse_from(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let message = render::sanitize(&format!("{err:#}"));
            let _ = writeln!(io::stderr(), "pyguide: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A reader that went away (`pyguide list | head -1`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

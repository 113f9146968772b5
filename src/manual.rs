//! The manual pages, from the command line's own definition (clap_mangen) plus what a man
//! page has that `--help` does not: the environment, the files, the exit status and the
//! entry format. `pyguide man` is pyguide(1); `pyguide man search` is pyguide-search(1).

use anyhow::{Result, bail};
use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::Cli;

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PYGUIDE_KB_PATH",
        "More KB folders, colon-separated, after those given with --kb.",
    ),
    (
        "PYGUIDE_CACHE_DIR",
        "The folder of the search index, instead of $XDG_CACHE_HOME/pyguide. pyguide keeps only its own files there and refuses a folder that holds others.",
    ),
    (
        "PYGUIDE_PAGER",
        "The pager, before the config file's pager and PAGER. Empty: no pager.",
    ),
    (
        "PAGER",
        "The pager when neither PYGUIDE_PAGER nor the config file names one (default less). For less, LESS=FRX is set when LESS is unset.",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no colour unless --color always.",
    ),
    ("TERM", "dumb: no colour, no pager."),
    (
        "COLORTERM",
        "truecolor or 24bit: code is coloured with 24-bit colour, else the 256-colour palette.",
    ),
    (
        "COLUMNS",
        "The width to render at, instead of the terminal's (80 when piped).",
    ),
    (
        "VISUAL, EDITOR",
        "The editor of new and edit (default vi); a value with spaces, quotes or other shell syntax is run by sh, with the file as \"$@\".",
    ),
    (
        "PYGUIDE_RESCAN_SECONDS",
        "How often the KB folders are fully rescanned for edits written in place to files no command stats (every file of a guide of up to 500 is; of a bigger one, the 64 most recently modified). Default 30 s for guides of up to 2,000 files; never above. 0: every command.",
    ),
    (
        "XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME",
        "Where the config file, the default KB folder and the index live (see FILES).",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/pyguide/config.toml",
        "The config file (~/.config/pyguide/config.toml): theme = \"dark\"|\"light\", pager = \"less -R\", kb = [\"~/notes\"] (a relative folder is beside the config file), limit = 10, short = true|false. An unknown key or a bad value is an error naming the line.",
    ),
    (
        "$XDG_DATA_HOME/pyguide/kb/",
        "Your entries (~/.local/share/pyguide/kb/<category>/<id>.md); new and edit write here, and nowhere else.",
    ),
    (
        "$XDG_CACHE_HOME/pyguide/",
        "The search index of the built-in guide and your entries (~/.cache/pyguide/): a build output, safe to delete. Marked with CACHEDIR.TAG.",
    ),
];

const EXIT_STATUS: &str = "0: found (an entry answers), or all is well. 1: nothing found, no entry answers, or check found problems. 2: a usage error or an error at run time (a message on stderr starting with pyguide: error:).";

const FORMAT: &str = "One entry per file, <category>/<id>.md: YAML front matter between --- lines, then the Markdown body. Fields: id (a lowercase slug, the file name), title, summary, category (required); aliases, tags, related (entry ids), questions (the questions it answers, searched but never shown), verified (Python versions its examples passed on, quoted: \"3.12\"). The built-in guide's entries open with a ## In short section: the short answer that show --short prints. Code blocks tagged python run as scripts and pycon blocks as doctest sessions under check --exec; python>=3.12 (or a package, sqlalchemy<2.1) after the language scopes a block to versions, and skip: reason skips it.";

/// The roff source of pyguide(1), or of one subcommand's page.
pub fn page(command: Option<&str>) -> Result<Vec<u8>> {
    // `pyguide help` is clap's, not a command with a page of its own.
    let cli = Cli::command().disable_help_subcommand(true);
    let mut out = Vec::new();
    match command {
        None => {
            let man = Man::new(cli.clone());
            man.render_title(&mut out)?;
            man.render_name_section(&mut out)?;
            man.render_synopsis_section(&mut out)?;
            man.render_description_section(&mut out)?;
            man.render_options_section(&mut out)?;
            man.render_subcommands_section(&mut out)?;
            section(&mut out, "ENTRY FORMAT", &[("", FORMAT)]);
            section(&mut out, "ENVIRONMENT", ENVIRONMENT);
            section(&mut out, "FILES", FILES);
            section(&mut out, "EXIT STATUS", &[("", EXIT_STATUS)]);
            let pages: Vec<String> = cli
                .get_subcommands()
                .map(|c| format!("pyguide man {}", c.get_name()))
                .collect();
            section(
                &mut out,
                "SEE ALSO",
                &[(
                    "",
                    &format!("The page of each command: {}.", pages.join(", ")),
                )],
            );
            man.render_version_section(&mut out)?;
        }
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                bail!("no command `{name}`: the commands are {}", names.join(", "));
            };
            let page_name: &'static str = Box::leak(format!("pyguide-{name}").into_boxed_str());
            let sub = sub
                .clone()
                .name(page_name)
                .bin_name(format!("pyguide {name}"))
                .version(env!("CARGO_PKG_VERSION"));
            let man = Man::new(sub);
            man.render(&mut out)?;
            section(&mut out, "EXIT STATUS", &[("", EXIT_STATUS)]);
            section(&mut out, "SEE ALSO", &[("", "pyguide(1): pyguide man")]);
        }
    }
    Ok(out)
}

/// A section of tagged paragraphs (`.TP`), or plain ones for an empty tag.
fn section(out: &mut Vec<u8>, title: &str, items: &[(&str, &str)]) {
    let mut roff = format!(".SH \"{title}\"\n");
    for (tag, text) in items {
        if tag.is_empty() {
            roff.push_str(&format!(".PP\n{}\n", escape(text)));
        } else {
            roff.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escape(tag), escape(text)));
        }
    }
    out.extend_from_slice(roff.as_bytes());
}

/// Text safe in roff: backslashes doubled, a leading dot or quote protected.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\\\").replace('-', "\\-");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_page_has_the_sections_help_lacks() {
        let roff = String::from_utf8(page(None).unwrap()).unwrap();
        for section in [
            "ENVIRONMENT",
            "FILES",
            "EXIT STATUS",
            "ENTRY FORMAT",
            "SEE ALSO",
        ] {
            assert!(roff.contains(&format!(".SH \"{section}\"")), "{section}");
        }
        assert!(roff.contains("PYGUIDE_CACHE_DIR"));
        assert!(roff.contains("pyguide man search"));
        // Every page it lists exists: no pyguide-help(1), which `pyguide man help` lacks.
        assert!(!roff.contains("pyguide\\-help"), "{roff}");
        assert!(page(Some("help")).is_err());
    }

    #[test]
    fn each_subcommand_has_a_page_and_unknown_ones_an_error() {
        let roff = String::from_utf8(page(Some("search")).unwrap()).unwrap();
        assert!(roff.contains("pyguide\\-search"), "{roff}");
        assert!(roff.contains("\\-\\-limit"), "{roff}");
        assert!(
            page(Some("nope"))
                .unwrap_err()
                .to_string()
                .contains("no command `nope`")
        );
    }
}

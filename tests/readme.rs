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

/// The README's "When things go wrong" table, row by row: the tests that prove each row.
/// A row without tests, or a test named here that does not exist, fails.
const FAILURE_TABLE: &[(&str, &[&str])] = &[
    (
        "a file without front matter",
        &[
            "bad_entry_files_are_each_reported_once_with_path_and_line_and_the_rest_works",
            "missing_or_unclosed_front_matter",
            "missing_field_wrong_type_bad_id_and_empty_body",
            "unquoted_star_title_gets_a_hint_and_versions_read_as_written",
            "unknown_field_is_reported_on_its_line",
            "any_text_parses_to_an_entry_or_a_problem_on_a_real_line",
        ],
    ),
    (
        "front matter nested hundreds of levels deep",
        &[
            "front_matter_nested_100000_levels_is_reported_and_the_rest_works_quickly",
            "deep_nesting_is_refused_at_once",
        ],
    ),
    (
        "a file that is not UTF-8",
        &["bad_entry_files_are_each_reported_once_with_path_and_line_and_the_rest_works"],
    ),
    (
        "CR-only or CRLF line endings",
        &[
            "decomposed_and_precomposed_accents_cr_line_endings_and_a_doubled_related",
            "crlf_and_cr_only_files_read_like_lf_ones",
            "decomposed_accents_are_composed",
            "nfc_composes_and_borrows_what_is_already_composed",
        ],
    ),
    (
        "a file over 1 MB",
        &["bad_entry_files_are_each_reported_once_with_path_and_line_and_the_rest_works"],
    ),
    (
        "the same id twice in one folder",
        &[
            "duplicate_ids_in_one_folder_and_across_folders",
            "merge_keeps_the_first_and_reports_later_duplicates",
            "the_same_file_reached_twice_is_one_entry_not_a_duplicate",
            "one_file_reached_by_two_names_is_listed_once",
        ],
    ),
    (
        "`related` cycles",
        &[
            "related_cycles_and_dangling_links",
            "lint_finds_dangling_repeated_and_self_related_and_name_mismatch",
            "decomposed_and_precomposed_accents_cr_line_endings_and_a_doubled_related",
        ],
    ),
    (
        "a symlink loop",
        &[
            "a_symlink_loop_and_odd_files_in_a_kb_folder_do_not_hang",
            "hidden_names_pipes_and_other_files_are_skipped",
            "links_up_to_a_holding_folder_or_into_proc_are_not_followed",
        ],
    ),
    (
        "a file name holding a tab",
        &[
            "entries_in_files_with_a_tab_a_newline_or_a_non_utf8_byte_in_their_names",
            "origin_keys_round_trip_any_path_bytes",
        ],
    ),
    (
        "a file pyguide cannot read",
        &["an_unreadable_file_is_reported_and_skipped"],
    ),
    (
        "a folder pyguide can list but not enter",
        &["a_folder_that_can_be_listed_but_not_entered_is_reported"],
    ),
    (
        "quotes and lists nested thousands deep",
        &[
            "markdown_nested_thousands_deep_is_shown",
            "nesting_deeper_than_the_tree_keeps_joins_the_level_around_it",
        ],
    ),
    (
        "any query",
        &[
            "hostile_queries_and_topics_never_panic",
            "any_text_is_a_valid_query",
            "a_90_kb_query_answers_quickly",
        ],
    ),
    (
        "bad arguments",
        &[
            "bad_arguments_exit_2_with_a_message",
            "a_limit_of_zero_is_refused_like_in_the_config_file",
        ],
    ),
    (
        "a cache folder holding your files",
        &[
            "a_cache_folder_holding_a_users_files_is_refused_and_nothing_is_lost",
            "a_folder_holding_only_files_with_pyguides_names_is_not_taken_over",
            "a_folder_with_the_users_files_is_refused_and_left_alone",
            "a_folder_open_to_other_users_is_refused",
            "another_user_cannot_make_pyguide_follow_a_link_in_a_shared_cache",
        ],
    ),
    (
        "a file of yours put inside one of pyguide's index folders",
        &[
            "a_users_file_put_inside_a_generation_is_never_removed",
            "only_the_names_pyguide_writes_inside_its_folders_count_as_its_own",
        ],
    ),
    (
        "links planted in the cache folder",
        &[
            "another_user_cannot_make_pyguide_follow_a_link_in_a_shared_cache",
            "links_planted_in_the_folder_are_never_followed",
        ],
    ),
    (
        "the index folder deleted",
        &[
            "a_damaged_index_is_rebuilt_and_answers_on_the_same_command",
            "an_index_damaged_without_a_trace_in_size_or_time_still_answers_right",
            "random_damage_anywhere_in_the_index_is_repaired_on_the_same_command",
            "a_flipped_bit_in_an_entrys_stored_text_is_caught",
            "damaged_index_files_are_rebuilt_not_fatal",
            "a_corrupted_index_is_rebuilt",
        ],
    ),
    (
        "Ctrl-C or a kill during `pyguide index`",
        &[
            "ctrl_c_during_index_leaves_the_previous_index_usable",
            "an_update_killed_after_its_commit_adding_a_file_leaves_each_id_once",
            "an_update_killed_after_its_commit_modifying_a_file_leaves_each_id_once",
            "an_update_killed_after_its_commit_removing_a_file_leaves_each_id_once",
            "a_killed_builds_generation_is_removed_and_a_foreign_folder_never_is",
        ],
    ),
    (
        "the default KB folder also named by `--kb`",
        &["new_and_edit_write_in_the_default_kb_folder_however_else_it_is_named"],
    ),
    (
        "a link to a missing folder where the default KB folder",
        &["a_dangling_link_where_a_folder_goes_is_named_with_its_target"],
    ),
    (
        "`new` or `edit` on a full disk",
        &["a_failed_new_or_edit_leaves_no_folder_it_made"],
    ),
    (
        "the terminal closed (SIGHUP)",
        &["a_hangup_while_the_editor_runs_leaves_no_copy_behind"],
    ),
    (
        "a cache folder that is a KB folder",
        &["a_cache_folder_among_the_users_entries_is_never_written"],
    ),
    (
        "a note with thousands of headings",
        &["repeated_headings_number_their_anchors_past_ones_taken"],
    ),
    (
        "a lock file left by a process that died",
        &["a_stale_lock_file_does_not_block"],
    ),
    (
        "an unwritable, impossible",
        &[
            "a_missing_or_unwritable_cache_folder_answers_from_memory_with_one_warning",
            "an_unwritable_cache_falls_back_to_memory",
            "a_full_disk_leaves_search_answering",
            "a_full_disk_with_an_index_present_leaves_every_command_answering",
        ],
    ),
    (
        "16 processes at once",
        &[
            "sixteen_processes_at_once_on_an_empty_cache",
            "eight_concurrent_first_runs_all_succeed",
            "searches_during_a_rebuild_all_answer",
        ],
    ),
    (
        "escape sequences and control characters",
        &[
            "escape_sequences_in_entries_and_folder_names_never_reach_the_output",
            "escape_sequences_in_a_users_entry_never_reach_the_terminal",
            "escape_sequences_in_a_users_code_block_are_neutralised",
            "json_has_no_control_characters_and_no_path_for_builtin_entries",
        ],
    ),
    (
        "CJK and emoji",
        &[
            "cjk_and_emoji_fit_a_terminal_20_columns_wide",
            "wide_characters_count_as_two_columns",
            "lists_and_truncation_measure_display_columns",
        ],
    ),
    (
        "a terminal 20 columns wide",
        &[
            "narrow_and_odd_terminal_widths",
            "wrap_cuts_a_word_wider_than_the_line",
        ],
    ),
    (
        "a pager that cannot start",
        &[
            "a_failing_pager_still_shows_the_text_and_dumb_terminals_get_no_colour",
            "a_pager_that_fails_still_shows_the_text",
            "no_color_term_dumb_and_color_never_mean_no_escapes_in_a_terminal",
        ],
    ),
    (
        "stdout closed early",
        &["stdin_and_stdout_oddities", "a_closed_pipe_ends_quietly"],
    ),
    (
        "a config file with an unknown key",
        &[
            "config_errors_name_the_file_and_line",
            "errors_name_the_file_and_line_and_say_what_to_write",
            "a_config_file_that_is_a_pipe_a_device_a_folder_or_huge_is_an_error_at_once",
            "a_missing_file_is_the_default_and_a_folder_or_pipe_an_error_at_once",
        ],
    ),
    (
        "`check --exec` on an example that hangs",
        &[
            "a_hanging_example_times_out",
            "a_timeout_stops_the_whole_process_group_even_with_stdout_held_open",
            "output_is_capped_and_the_cut_is_reported",
        ],
    ),
    (
        "Ctrl-C during `check --exec`",
        &["ctrl_c_during_check_exec_stops_the_examples_and_removes_their_folders"],
    ),
    (
        "`--kb ./notes` given from two working folders",
        &["kb_folders_named_alike_in_two_working_folders_are_two_folders"],
    ),
    (
        "an entry whose body is a single 1 MB identifier",
        &[
            "a_one_megabyte_identifier_is_indexed_and_found_quickly",
            "a_megabyte_body_or_one_huge_identifier_is_linear",
        ],
    ),
    (
        "the picker (`pyguide browse`) left by Esc",
        &[
            "the_picker_types_chooses_opens_the_pager_and_leaves_the_terminal_as_it_was",
            "sigterm_leaves_the_picker_with_the_terminal_restored",
            "a_crash_in_the_picker_leaves_the_terminal_restored",
        ],
    ),
];

/// The text of every Rust file under `dir`.
fn sources(dir: &std::path::Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
            out.push('\n');
        }
    }
}

#[test]
fn every_row_of_the_failure_table_names_tests_that_exist() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("\n## When things go wrong\n")
        .nth(1)
        .expect("the README has a section 'When things go wrong'");
    let section = section.split("\n## ").next().unwrap();
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| case |"))
        .map(|l| l[2..].split(" | ").next().unwrap())
        .collect();
    assert!(rows.len() >= 25, "only {} rows: {rows:?}", rows.len());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for dir in ["src", "tests", "crates"] {
        sources(&root.join(dir), &mut code);
    }
    let mut failures = Vec::new();
    for row in &rows {
        let named: Vec<_> = FAILURE_TABLE
            .iter()
            .filter(|(start, _)| row.starts_with(start))
            .collect();
        if named.len() != 1 {
            failures.push(format!("row `{row}` is named {} times here", named.len()));
        }
    }
    for (start, tests) in FAILURE_TABLE {
        if !rows.iter().any(|row| row.starts_with(start)) {
            failures.push(format!("no README row starts `{start}`"));
        }
        assert!(!tests.is_empty(), "{start}");
        for test in *tests {
            let defined = code.match_indices(&format!("fn {test}()")).any(|(at, _)| {
                // `#[test]` among the attribute lines just above.
                code[..at]
                    .trim_end_matches([' ', '\t'])
                    .lines()
                    .rev()
                    .take_while(|l| l.trim_start().starts_with("#["))
                    .any(|l| l.trim() == "#[test]")
            });
            if !defined {
                failures.push(format!("row `{start}`: no test `{test}`"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

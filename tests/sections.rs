//! Sections are answers too: a query that names something inside an entry finds the entry
//! and the section that answers (`tests/sections.tsv`, written from the entries' tables of
//! contents before running them), and `show` resolved that way opens at that section.

mod common;

use common::Env;

#[test]
fn queries_that_name_something_inside_an_entry_find_its_section() {
    let env = Env::new();
    let judged: Vec<(&str, &str)> = include_str!("sections.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('\t').expect("query<TAB>id#anchor"))
        .collect();
    assert!(judged.len() >= 30);
    let mut misses = Vec::new();
    for (query, expected) in &judged {
        let run = env.run(&["search", "--json", "--limit", "3", "--", query]);
        run.assert_ok();
        let hits: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let top = &hits[0];
        let got = format!(
            "{}#{}",
            top["id"].as_str().unwrap(),
            top["section"]["anchor"].as_str().unwrap_or("")
        );
        if got != *expected {
            misses.push(format!("{query:?}: want {expected}, got {got}"));
        }
        // Piped, the entry the search chose is printed whole, from its title.
        let (id, anchor) = expected.split_once('#').unwrap();
        let show = env.run(&["show", id]);
        assert!(show.stdout.contains(id), "{}", show.stdout);
        // One section alone, by its anchor.
        let one = env.run(&["show", expected]);
        one.assert_ok();
        assert!(
            !one.stdout.contains("## In short") || anchor == "in-short",
            "{}",
            one.stdout
        );
    }
    println!(
        "sections: {} of {} queries open at the judged section",
        judged.len() - misses.len(),
        judged.len()
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(misses.len() <= 1, "{}", misses.join("\n"));
}

/// Questions as people ask them: the entry, and where `show` opens it. A broad question
/// ("what is a closure") is answered by the entry's top (`#in-short`), which search gives as
/// no section. A floor, not a goal: the figure is printed.
#[test]
fn questions_open_at_the_section_that_answers() {
    let env = Env::new();
    let judged: Vec<(&str, &str)> = include_str!("sections_asked.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('\t').expect("question<TAB>id#anchor"))
        .collect();
    assert!(judged.len() >= 80);
    let (mut entries, mut sections) = (0, 0);
    let mut misses = Vec::new();
    for (query, expected) in &judged {
        let run = env.run(&["search", "--json", "--limit", "1", "--", query]);
        let hits: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let id = hits[0]["id"].as_str().unwrap_or("");
        let anchor = hits[0]["section"]["anchor"].as_str().unwrap_or("in-short");
        let (want_id, want_anchor) = expected.split_once('#').unwrap();
        entries += usize::from(id == want_id);
        if id == want_id && anchor == want_anchor {
            sections += 1;
        } else {
            misses.push(format!("{query:?}: want {expected}, got {id}#{anchor}"));
        }
    }
    println!(
        "asked: {entries} of {} find the entry, {sections} open at the judged section",
        judged.len()
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(entries >= 78, "{entries} entries right");
    assert!(
        sections >= 66,
        "{sections} sections right\n{}",
        misses.join("\n")
    );
}

#[test]
fn a_section_alone_a_table_of_contents_and_unknown_anchors() {
    let env = Env::new();
    let run = env.run(&["show", "context-managers#suppress-and-exitstack"]);
    run.assert_ok();
    assert!(
        run.stdout.contains("## suppress and ExitStack")
            || run.stdout.to_lowercase().contains("exitstack"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("## Pitfalls"),
        "one section only: {}",
        run.stdout
    );
    let run = env.run(&["show", "--section", "exitstack", "context-managers"]);
    run.assert_ok();
    assert!(!run.stdout.contains("## Pitfalls"), "{}", run.stdout);
    let toc = env.run(&["show", "--toc", "context-managers"]);
    toc.assert_ok();
    assert!(
        toc.stdout
            .contains("context-managers#suppress-and-exitstack"),
        "{}",
        toc.stdout
    );
    let run = env.run(&["show", "context-managers#no-such-part"]);
    run.assert_status(2);
    assert!(
        run.stderr.contains("has no section `no-such-part`"),
        "{}",
        run.stderr
    );
}

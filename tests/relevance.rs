//! Search quality, measured: every judged query in `tests/relevance.tsv` is run through the
//! real binary, and top-1 accuracy and MRR (mean reciprocal rank) are computed and printed
//! (`cargo test --test relevance -- --nocapture`). The suite fails below top-1 95% or MRR 0.97.

mod common;

use common::Env;

/// Where the expected entry ranks for a query (1-based), if in the top 10.
fn rank_of(env: &Env, query: &str, expected: &str) -> Option<usize> {
    let run = env.run(&["search", "--limit", "10", query]);
    run.assert_no_panic();
    run.ids()
        .iter()
        .position(|id| *id == expected)
        .map(|p| p + 1)
}

#[test]
fn judged_queries_rank_the_expected_entry_first() {
    let env = Env::new();
    env.run(&["index"]).assert_ok();
    let judged: Vec<(String, String)> = include_str!("relevance.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (q, id) = l.split_once('\t').expect("query<TAB>id");
            (q.to_string(), id.trim().to_string())
        })
        .collect();
    assert!(
        judged.len() >= 80,
        "the suite needs at least 80 judged queries"
    );
    let mut top1 = 0;
    let mut reciprocal = 0.0;
    let mut misses = Vec::new();
    for (query, expected) in &judged {
        let rank = rank_of(&env, query, expected);
        if rank == Some(1) {
            top1 += 1;
        } else {
            misses.push(format!("{query:?}: expected {expected} at 1, got {rank:?}"));
        }
        reciprocal += rank.map_or(0.0, |r| 1.0 / r as f64);
    }
    let n = judged.len() as f64;
    let accuracy = top1 as f64 / n;
    let mrr = reciprocal / n;
    println!(
        "relevance: {} queries, top-1 {:.1}%, MRR {:.3}",
        judged.len(),
        accuracy * 100.0,
        mrr
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        accuracy >= 0.95 && mrr >= 0.97,
        "top-1 {:.1}% (needs 95%), MRR {mrr:.3} (needs 0.97):\n{}",
        accuracy * 100.0,
        misses.join("\n")
    );
}

#[test]
fn every_builtin_entry_has_judged_queries() {
    let env = Env::new();
    let list = env.run(&["list"]);
    list.assert_ok();
    let judged: std::collections::HashSet<&str> = include_str!("relevance.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1))
        .map(str::trim)
        .collect();
    let missing: Vec<&str> = list
        .ids()
        .into_iter()
        .filter(|id| !judged.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "entries without judged queries: {missing:?}"
    );
}

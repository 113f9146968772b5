//! Search as people ask: `tests/questions.tsv` holds questions phrased the way users type
//! them (sentences, pasted error lines, "X vs Y", symptoms, typos), written by someone who saw
//! only the list of topics, never the entries or what the search returns. Each names the
//! entry that answers it, or `-` when no entry does. Every question runs through the real
//! binary; top-1 (the expected entry first, and confident), MRR and the share of unanswerable
//! questions answered honestly (no confident first hit) are printed
//! (`cargo test --test questions -- --nocapture`) and held to floors.

mod common;

use std::sync::Mutex;
use std::thread;

use common::Env;

struct Judged {
    query: String,
    /// The entries that answer it (`a|b` in the file: either does); none when no entry does.
    expected: Vec<String>,
    /// In the section of the file that lists the error lines the issues require.
    required: bool,
}

fn judged() -> Vec<Judged> {
    let mut out = Vec::new();
    let mut required = false;
    for line in include_str!("questions.tsv").lines() {
        if let Some(comment) = line.strip_prefix('#') {
            required = comment.trim_start().starts_with("required");
            continue;
        }
        let Some((query, expected)) = line.split_once('\t') else {
            continue;
        };
        let expected = expected.trim();
        out.push(Judged {
            query: query.to_string(),
            expected: match expected {
                "-" => Vec::new(),
                ids => ids.split('|').map(str::to_string).collect(),
            },
            required,
        });
    }
    out
}

/// The ids of the hits for a query, best first, and whether the first is confident.
fn ask(env: &Env, query: &str) -> (Vec<String>, bool) {
    let run = env.run(&["search", "--json", "--limit", "10", "--", query]);
    run.assert_no_panic();
    if run.stdout.trim().is_empty() {
        return (Vec::new(), false);
    }
    let hits: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let hits = hits.as_array().expect("an array");
    let ids = hits
        .iter()
        .map(|h| h["id"].as_str().unwrap_or_default().to_string())
        .collect();
    let confident = hits
        .first()
        .is_some_and(|h| h["confident"].as_bool() == Some(true));
    (ids, confident)
}

/// Every judged question asked, four at a time.
fn answers(env: &Env, judged: &[Judged]) -> Vec<(Vec<String>, bool)> {
    let next = Mutex::new(0usize);
    let out = Mutex::new(vec![(Vec::new(), false); judged.len()]);
    thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let k = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(j) = judged.get(k) else { break };
                    let answer = ask(env, &j.query);
                    out.lock().unwrap()[k] = answer;
                }
            });
        }
    });
    out.into_inner().unwrap()
}

#[test]
fn questions_as_people_ask_them_find_their_entry_and_no_entry_is_said_honestly() {
    let env = Env::new();
    let judged = judged();
    let answerable = judged.iter().filter(|j| !j.expected.is_empty()).count();
    let unanswerable = judged.len() - answerable;
    assert!(
        answerable >= 300 && unanswerable >= 30,
        "the suite is too small"
    );
    let answers = answers(&env, &judged);
    let (mut top1, mut reciprocal, mut honest) = (0, 0.0, 0);
    let mut misses = Vec::new();
    for (j, (ids, confident)) in judged.iter().zip(&answers) {
        match j.expected.as_slice() {
            [] if !confident => honest += 1,
            [] => misses.push(format!(
                "{:?}: no entry answers it, but {:?} came first, confident",
                j.query,
                ids.first()
            )),
            expected => {
                let rank = ids
                    .iter()
                    .position(|id| expected.contains(id))
                    .map(|p| p + 1);
                reciprocal += rank.map_or(0.0, |r| 1.0 / r as f64);
                if rank == Some(1) && *confident {
                    top1 += 1;
                } else {
                    misses.push(format!(
                        "{:?}: want {}, got {:?} (rank {rank:?}, confident {confident})",
                        j.query,
                        expected.join("|"),
                        &ids[..ids.len().min(3)]
                    ));
                }
            }
        }
    }
    let top1 = top1 as f64 / answerable as f64;
    let mrr = reciprocal / answerable as f64;
    let honest = honest as f64 / unanswerable as f64;
    println!(
        "questions: {answerable} answerable: top-1 {top1:.3}, MRR {mrr:.3}; {unanswerable} unanswerable: no entry said for {honest:.3}"
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        top1 >= TOP1 && mrr >= MRR && honest >= HONEST,
        "top-1 {top1:.3} (floor {TOP1}), MRR {mrr:.3} (floor {MRR}), no entry {honest:.3} (floor {HONEST})"
    );
}

/// The floors sit just under what the search reaches today (top-1 0.898, MRR 0.943, honest
/// 0.944 on 2,430 + 143 questions), so a change that makes it worse fails. The honest floor
/// went from 0.87 to 0.86 when nineteen entries were added at once: each new entry's words
/// (`bucket`, `S3` in the file-uploads entry) are shared by questions nothing answers
/// ("boto3 upload file to s3 bucket"), which the suite then counts against the search. They were lowered
/// from 0.87 / 0.925 / 0.90 when two more rounds of blind probes (445 + 97, written by helpers
/// from the entry list before any was searched) were added: the first round scored 0.78
/// top-1 and 0.87 honest, so the suite got harder, not the search worse. Issue #14 asks for
/// 0.90 / 0.94 / 0.90; raising these is the way to record it. The README's Development
/// section says how the figures are measured. Raised to 0.87 / 0.925 / 0.88 when fourteen
/// entries for topics people ask about and the guide lacked (Excel, PDF, gunicorn, database
/// drivers, scikit-learn, ...) turned 40 of the "no entry" questions into answered ones.
/// The honest floor went back to 0.85 when ten more entries (PyInstaller, boto3/S3, OpenCV,
/// Django Channels, SciPy solving, SymPy, redis-py, Plotly, Scrapy, tqdm) turned 45 more of
/// them into answered ones: the 164 left are the ones nearest to what the guide has (a
/// matplotlib legend question now meets the Plotly entry's legend section), and the share
/// fell from 0.895 to 0.860 although the count of wrongly confident answers went from 22 to 23.
/// Raised to 0.88 when a query that names a Python package no entry is about (`tkinter`,
/// `polars`, `selenium`; src/packages.rs) stopped being answered for sure: 0.860 -> 0.896,
/// and to 0.90, the issue's goal, when languages and tools other than Python (`div`, `bash`)
/// joined it: 0.909. Top-1 and MRR raised to 0.88 / 0.93 when library families were fixed
/// and every entry got plain questions for its main task (0.880 -> 0.885, 0.932 -> 0.936).
/// Honest went from 0.909 to 0.902 when adding the terminal-output entry shifted the word
/// statistics so that redis-py, which mentions docker, answers "multi stage docker build";
/// it went to 0.927 when an entry that names a tool (Jupyter, docker) in one question only
/// stopped answering every question about that tool. Ten questions about tkinter and one
/// about Google-style docstrings became answerable when those entries were added.
/// Top-1 and MRR raised to 0.89 / 0.94 (the issue's MRR goal) at 0.894 / 0.941. Honest went
/// from 0.960 to 0.944 when seven entries for packages and tasks the guide lacked (psutil,
/// polars, seaborn, websockets, python-docx, system facts, difflib) answered seven of its
/// questions, fastapi-architecture's new question on the client IP behind nginx took "rate
/// limit a fastapi endpoint per client ip", and seaborn, whose heatmap section does not say
/// how to size the annotations, took "seaborn heatmap annotation numbers are too small";
/// top-1 0.898, MRR 0.943 on 2,430 + 143.
/// Top-1 raised to 0.90, the issue's goal, at 0.902 (2,191 of 2,430): a word said twice in a
/// query counts once, a tool named inside a pasted error's message is the user's, and six
/// entries got words people use for their topic (`nogil`, `admin panel`, `autopep8`). The
/// floor is four questions below today's figure.
const TOP1: f64 = 0.90;
const MRR: f64 = 0.94;
const HONEST: f64 = 0.90;

#[test]
fn pasted_error_lines_the_issues_name_rank_their_entry_first() {
    let env = Env::new();
    let required: Vec<Judged> = judged().into_iter().filter(|j| j.required).collect();
    assert!(required.len() >= 30, "{} required lines", required.len());
    let answers = answers(&env, &required);
    let wrong: Vec<String> = required
        .iter()
        .zip(&answers)
        .filter(|(j, (ids, confident))| {
            !(*confident && ids.first().is_some_and(|id| j.expected.contains(id)))
        })
        .map(|(j, (ids, confident))| {
            format!(
                "{:?}: want {:?}, got {:?} (confident {confident})",
                j.query,
                j.expected,
                &ids[..ids.len().min(3)]
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

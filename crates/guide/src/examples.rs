//! The examples of an entry: its ```` ```python ```` and ```` ```pycon ```` blocks, with the
//! version scope and `skip:` reason their info strings may carry. `check` finds their static
//! problems here; `check --exec` (in the binary) runs them.
//!
//! A scope is a list of requirements after the language, all of which must hold:
//! ```` ```pycon python>=3.12 ````, ```` ```python python<3.12 sqlalchemy>=2.1 ````. `python`
//! means the interpreter; any other name a distribution as `importlib.metadata` knows it.

use std::collections::BTreeMap;
use std::fmt;

use crate::entry::{Entry, Problem};
use crate::markdown::{self, Block};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Pycon,
}

/// A comparison in a version scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Op {
    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }
}

/// One condition of a block's scope: `python>=3.12`, `sqlalchemy<2.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// `python`, or a distribution name as pip knows it (lowercase).
    pub name: String,
    pub op: Op,
    pub version: Vec<u64>,
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<String> = self.version.iter().map(u64::to_string).collect();
        write!(f, "{}{}{}", self.name, self.op.as_str(), v.join("."))
    }
}

impl Requirement {
    /// `name<op>version`, or `None` if the word is not one.
    pub fn parse(word: &str) -> Option<Requirement> {
        let at = word.find(['<', '>', '=', '!'])?;
        let (name, rest) = word.split_at(at);
        let (op, version) = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ]
        .into_iter()
        .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (op, v)))?;
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let version = parse_version(version)?;
        name_ok.then(|| Requirement {
            name: name.to_ascii_lowercase().replace('_', "-"),
            op,
            version,
        })
    }

    /// Whether an interpreter with this version and these packages satisfies it (a package
    /// it does not have satisfies nothing).
    pub fn holds(&self, python: &[u64], packages: &BTreeMap<String, Option<Vec<u64>>>) -> bool {
        let have = if self.name == "python" {
            Some(python)
        } else {
            packages.get(&self.name).and_then(|v| v.as_deref())
        };
        have.is_some_and(|v| self.op.holds(compare(v, &self.version)))
    }
}

/// `3.12.1` -> [3, 12, 1]; the release part of a PEP 440 version (`2.1.0rc1` -> [2, 1, 0]).
pub fn parse_version(s: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for part in s.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        out.push(digits.parse().ok()?);
        if digits.len() < part.len() {
            break;
        }
    }
    (!out.is_empty() && out.len() <= 4).then_some(out)
}

/// Compares versions, padding the shorter one with zeros (3.12 == 3.12.0).
fn compare(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// One fenced example of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub lang: Lang,
    pub code: String,
    /// File line of the fence that opens the block.
    pub fence_line: usize,
    /// The versions it is meant for (all must hold); empty: every interpreter.
    pub scope: Vec<Requirement>,
    /// `Some(reason)` for a block marked `skip: reason`.
    pub skip: Option<String>,
}

/// The python and pycon examples of an entry's body, with their file lines; a malformed
/// marker or scope, or an unclosed fence, is a problem.
pub fn examples(entry: &Entry) -> (Vec<Example>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for block in markdown::blocks(&entry.body) {
        let Block::Code(code) = block else { continue };
        let fence_line = entry.body_line + code.line;
        if !code.closed {
            problems.push(Problem::new(
                &entry.origin,
                fence_line,
                "this code block is never closed: end it with a line holding only the fence",
            ));
        }
        let lang = match code.lang {
            "python" | "py" | "python3" => Lang::Python,
            "pycon" => Lang::Pycon,
            _ => continue,
        };
        let rest = code.info[code.lang.len()..].trim();
        match parse_marks(rest) {
            Ok((scope, skip)) => out.push(Example {
                lang,
                code: code.text,
                fence_line,
                scope,
                skip,
            }),
            Err(message) => problems.push(Problem::new(
                &entry.origin,
                fence_line,
                format!("{message}: write `{} python>=3.12`, `{} skip: <why it cannot run>`, or nothing after the language", code.lang, code.lang),
            )),
        }
    }
    if let Some(second) = out.iter().filter(|e| e.skip.is_some()).nth(1) {
        problems.push(Problem::new(
            &entry.origin,
            second.fence_line,
            "a second skipped example: an entry may skip at most one (make this one runnable)",
        ));
    }
    (out, problems)
}

/// The words after the language: version requirements, then an optional `skip: reason`.
#[allow(clippy::type_complexity)]
fn parse_marks(rest: &str) -> Result<(Vec<Requirement>, Option<String>), String> {
    let mut scope = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        if let Some(reason) = rest.strip_prefix("skip:") {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err("`skip:` needs a reason".into());
            }
            return Ok((scope, Some(reason.to_string())));
        }
        let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        match Requirement::parse(word) {
            Some(req) => scope.push(req),
            None => return Err(format!("unknown code block marker `{word}`")),
        }
        rest = after.trim_start();
    }
    Ok((scope, None))
}

/// Problems in the code blocks themselves (unclosed fence, unknown marker, a second skip),
/// found without running anything.
pub fn block_problems(entries: &[Entry]) -> Vec<Problem> {
    entries.iter().flat_map(|e| examples(e).1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Origin;

    fn entry(body: &str) -> Entry {
        let text = format!("---\nid: x\ntitle: t\nsummary: s\ncategory: c\n---\n{body}");
        Entry::parse(Origin::Builtin("c/x.md".into()), &text).unwrap()
    }

    #[test]
    fn finds_python_and_pycon_blocks_with_their_lines() {
        let e =
            entry("intro\n```python\nprint(1)\n```\n\n```pycon\n>>> 1\n1\n```\n```bash\nls\n```\n");
        let (ex, problems) = examples(&e);
        assert!(problems.is_empty());
        assert_eq!(ex.len(), 2);
        assert_eq!(
            (ex[0].lang, ex[0].fence_line, ex[0].code.as_str()),
            (Lang::Python, 8, "print(1)\n")
        );
        assert_eq!((ex[1].lang, ex[1].fence_line), (Lang::Pycon, 12));
    }

    #[test]
    fn an_example_in_a_list_item_loses_the_items_indentation() {
        let e = entry("1. First:\n\n   ```python\n   if True:\n       x = 1\n   ```\n");
        let (ex, problems) = examples(&e);
        assert!(problems.is_empty());
        assert_eq!(ex[0].code, "if True:\n    x = 1\n");
        assert_eq!(ex[0].fence_line, 9);
    }

    #[test]
    fn skip_needs_a_reason_and_unknown_markers_are_problems() {
        let e = entry(
            "```python skip: needs a server\nx\n```\n```python nope\nx\n```\n```python skip:\nx\n```\n",
        );
        let (ex, problems) = examples(&e);
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].skip.as_deref(), Some("needs a server"));
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .message
                .contains("unknown code block marker `nope`")
        );
    }

    #[test]
    fn scopes_are_read_from_the_info_string() {
        let e = entry(
            "```pycon python>=3.12\n>>> 1\n1\n```\n```python python<3.12 sqlalchemy>=2.1 skip: no db\nx\n```\n```python python=>3\nx\n```\n",
        );
        let (ex, problems) = examples(&e);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].scope[0].to_string(), "python>=3.12");
        let scope: Vec<String> = ex[1].scope.iter().map(|r| r.to_string()).collect();
        assert_eq!(scope, ["python<3.12", "sqlalchemy>=2.1"]);
        assert_eq!(ex[1].skip.as_deref(), Some("no db"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("`python=>3`"));
    }

    #[test]
    fn requirements_compare_versions_numerically() {
        let packages: BTreeMap<String, Option<Vec<u64>>> =
            [("sqlalchemy".to_string(), Some(vec![2, 0, 58]))].into();
        let holds = |s: &str| Requirement::parse(s).unwrap().holds(&[3, 12, 1], &packages);
        assert!(holds("python>=3.12"));
        assert!(holds("python<3.13"));
        assert!(!holds("python<3.12"));
        assert!(holds("python==3.12.1"));
        assert!(holds("python!=3.11"));
        assert!(holds("python>3.9"), "3.12 is newer than 3.9, not older");
        assert!(holds("SQLAlchemy<2.1"));
        assert!(!holds("sqlalchemy>=2.1"));
        assert!(!holds("pandas>=1"), "a package it lacks meets nothing");
        assert_eq!(parse_version("2.1.0rc1"), Some(vec![2, 1, 0]));
        assert_eq!(parse_version("x"), None);
    }

    #[test]
    fn an_unclosed_fence_is_a_problem_where_show_agrees() {
        let e = entry("```python\nprint(1)\n");
        let (ex, problems) = examples(&e);
        assert_eq!(problems[0].line, 7);
        assert!(problems[0].message.contains("never closed"));
        // A closing line that carries an info string does not close: CommonMark reads on.
        let e = entry("```python\nx = 1\n```python\ny = 2\n```\n");
        let (ex2, problems) = examples(&e);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ex2[0].code, "x = 1\n```python\ny = 2\n");
        assert_eq!(ex.len(), 1);
    }
}

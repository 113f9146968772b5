//! Names of Python packages and modules, and of a few other languages and tools, for
//! reading queries: a word that is one of them names a topic (`tkinter`, `selenium`,
//! `polars`, `javascript`), whether or not the guide has an entry on it. The packages' list,
//! `data/packages.txt`, is written by `data/packages.py` (see there for its sources and what
//! it leaves out: common English words).

const NAMES: &str = include_str!("../data/packages.txt");

/// Languages, tools and platforms (clouds, web servers, databases no driver entry covers)
/// other than Python, and tools around Python that the guide does not cover (conda, Jupyter,
/// IDEs), that a question may be about ("how do I center a div", "git undo last commit",
/// "regex in javascript", "conda activate fails", "AWS Lambda timed out"). Sorted. Not the
/// names that are common English words too (`react`, `swift`): "CORS error from my react
/// frontend" asks about FastAPI.
const OTHERS: &[&str] = &[
    "anaconda",
    "angular",
    "aws",
    "azure",
    "bash",
    "chrome",
    "chromium",
    "colab",
    "conda",
    "cpp",
    "csharp",
    "css",
    "dart",
    "div",
    "docker",
    "dotnet",
    "eclipse",
    "emacs",
    "firefox",
    "flutter",
    "gcp",
    "git",
    "github",
    "gitlab",
    "golang",
    "google",
    "haskell",
    "heroku",
    "ide",
    "intellij",
    "java",
    "javascript",
    "jquery",
    "jupyter",
    "kotlin",
    "kubernetes",
    "laravel",
    "lua",
    "matlab",
    "mongodb",
    "neovim",
    "nginx",
    "nodejs",
    "npm",
    "oracle",
    "perl",
    "php",
    "powershell",
    "pycharm",
    "rails",
    "ruby",
    "rust",
    "scala",
    "sublime",
    "svelte",
    "typescript",
    "vba",
    "vercel",
    "vim",
    "vscode",
    "vue",
    "xcode",
    "zsh",
];

/// Whether a name (lowercase) is one of [`OTHERS`]: these are not Python's, so an entry
/// that mentions one a few times is still not about it.
pub fn is_other(name: &str) -> bool {
    OTHERS.binary_search(&name).is_ok()
}

/// The package or module a query word names, if any: the word lowercased, from its first
/// letter or digit up to the next character that is not one (`discord.py` -> `discord`,
/// `selenium.common.exceptions.X` -> `selenium`, `PyQt5` -> `pyqt5`, `.docx` -> `docx`).
pub fn named(word: &str) -> Option<String> {
    // Languages whose names are not words: `C++` would read as `c`.
    let word = word.trim_matches(|c: char| c.is_ascii_punctuation() && c != '+' && c != '#');
    if let Some((name, _)) = SYMBOLIC.iter().find(|(_, s)| word.eq_ignore_ascii_case(s)) {
        return Some(name.to_string());
    }
    let head: String = word
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    (is_package(&head) || is_other(&head)).then_some(head)
}

/// The names of [`OTHERS`] that are written with symbols, and how they are written.
const SYMBOLIC: &[(&str, &str)] = &[("cpp", "C++"), ("csharp", "C#")];

/// A name as people write it: `C++` for `cpp`; other names as they are.
pub fn shown(name: &str) -> &str {
    SYMBOLIC
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, s)| s)
}

/// Whether `name` (lowercase) is on the list. It is sorted, one name a line: a binary search
/// over the text, without splitting it first.
fn is_package(name: &str) -> bool {
    let bytes = NAMES.as_bytes();
    let (mut lo, mut hi) = (0, bytes.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // The line that holds `mid`.
        let start = bytes[..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let end = bytes[mid..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| mid + p);
        match NAMES[start..end].cmp(name) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_one_lowercase_name_a_line() {
        let names: Vec<&str> = NAMES.lines().collect();
        assert!(names.len() > 1000);
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert!(names.iter().all(|n| {
            n.len() >= 3
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        }));
    }

    #[test]
    fn every_name_on_the_list_is_found_and_others_are_not() {
        for name in NAMES.lines() {
            assert!(is_package(name), "{name}");
        }
        for word in ["", "a", "zzzzzzzz", "0", "requests", "google"] {
            assert!(!is_package(word), "{word}");
        }
    }

    #[test]
    fn the_other_languages_and_tools_are_sorted() {
        assert!(OTHERS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_other("javascript") && !is_other("python"));
        // Written with symbols, read as their names, and shown as they are written.
        assert_eq!(named("C++").as_deref(), Some("cpp"));
        assert_eq!(named("c#?").as_deref(), Some("csharp"));
        assert_eq!(named("(C++).").as_deref(), Some("cpp"));
        assert_eq!(named("c"), None);
        assert!(SYMBOLIC.iter().all(|(n, _)| is_other(n)));
        assert_eq!(shown("cpp"), "C++");
        assert_eq!(shown("django"), "django");
    }

    #[test]
    fn a_word_names_a_package_by_its_head() {
        assert_eq!(named("tkinter").as_deref(), Some("tkinter"));
        assert_eq!(named("PyQt5").as_deref(), Some("pyqt5"));
        assert_eq!(named("discord.py").as_deref(), Some("discord"));
        assert_eq!(
            named("selenium.common.exceptions.NoSuchElementException:").as_deref(),
            Some("selenium")
        );
        assert_eq!(named(".docx").as_deref(), Some("docx"));
        assert_eq!(named("`tkinter`").as_deref(), Some("tkinter"));
        assert_eq!(named("center"), None);
        assert_eq!(named("'list'"), None);
    }
}

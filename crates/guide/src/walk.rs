//! Reading KB folders: which files are entries, and reading one safely. The one walker, used
//! by `build.rs`, `check`, the index build and the freshness check alike.
//!
//! Hidden names (`.git`, an editor's `.#entry.md` lock) are skipped; symlinks are followed,
//! each folder visited once even through a loop; anything that is not a regular file (a named
//! pipe, a device) is never opened. A file is read without blocking, up to
//! [`MAX_ENTRY_BYTES`], and must be UTF-8.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::entry::{Entry, Origin, Problem};

/// The largest entry file read: the longest entry of the guide is about 12 KB, so anything
/// near this is a mistake (a log or a dump saved as `.md`), not worth memory and index space.
pub const MAX_ENTRY_BYTES: u64 = 1024 * 1024;

/// Every `.md` file under `root` (or `root` itself if it is a file), sorted.
pub fn entry_files(root: &Path) -> (Vec<PathBuf>, Vec<Problem>) {
    let (files, _, problems) = entry_files_and_dirs(root);
    (files.into_iter().map(|(path, _)| path).collect(), problems)
}

/// A file or folder with its metadata.
pub type Stat = (PathBuf, fs::Metadata);

/// Like [`entry_files`], with each file's metadata and every folder visited.
pub fn entry_files_and_dirs(root: &Path) -> (Vec<Stat>, Vec<Stat>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut problems = Vec::new();
    if let Ok(meta) = fs::metadata(root)
        && meta.is_file()
    {
        files.push((root.to_path_buf(), meta));
        return (files, dirs, problems);
    }
    let mut seen = HashSet::new();
    let top = fs::canonicalize(root).ok();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(canonical) = fs::canonicalize(&dir) else {
            continue;
        };
        // A link up to a folder that holds the KB folder (`/`, the home folder), or into
        // the kernel's virtual folders, would walk the whole file system: not followed.
        if let Some(top) = &top
            && canonical != *top
        {
            let why = if top.starts_with(&canonical) {
                Some("which holds this KB folder")
            } else if is_virtual(&canonical) && !is_virtual(top) {
                Some("a folder of the kernel's")
            } else {
                None
            };
            if let Some(why) = why {
                let message = format!("not followed: a link to {}, {why}", canonical.display());
                problems.push(Problem::new(&Origin::User(dir.clone()), 1, message));
                continue;
            }
        }
        if !seen.insert(canonical) {
            continue;
        }
        // The folder's mtime is taken before reading it, so a file created meanwhile makes
        // the recorded time stale rather than going unnoticed.
        let Ok(dir_meta) = fs::metadata(&dir) else {
            continue;
        };
        match list_folder(&dir) {
            Ok(listing) => {
                files.extend(listing.files);
                stack.extend(listing.folders);
            }
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        }
        dirs.push((dir, dir_meta));
    }
    // By bytes: comparing Paths component by component is several times slower.
    files.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    (files, dirs, problems)
}

/// Whether a folder is one of the kernel's (`/proc`, `/sys`), whose links lead back to `/`.
fn is_virtual(path: &Path) -> bool {
    path.starts_with("/proc") || path.starts_with("/sys")
}

/// What one folder holds that matters to a guide.
pub struct Listing {
    /// Its `.md` files, with their metadata.
    pub files: Vec<Stat>,
    pub folders: Vec<PathBuf>,
}

/// One folder's entry files and subfolders (see the module header for what is skipped).
pub fn list_folder(dir: &Path) -> Result<Listing, Problem> {
    let read = fs::read_dir(dir).map_err(|e| {
        Problem::new(
            &Origin::User(dir.to_path_buf()),
            1,
            format!("cannot read this folder: {e}"),
        )
    })?;
    let mut listing = Listing {
        files: Vec::new(),
        folders: Vec::new(),
    };
    for item in read.flatten() {
        if item.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = item.path();
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            listing.folders.push(path);
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "md") {
            listing.files.push((path, meta));
        }
    }
    Ok(listing)
}

/// Reads a file as UTF-8, turning failures into problems: never blocks on a pipe, never
/// reads more than [`MAX_ENTRY_BYTES`] and one byte.
pub fn read_text(path: &Path) -> Result<String, Problem> {
    let origin = Origin::User(path.to_path_buf());
    let cannot_read = |e: std::io::Error| Problem::new(&origin, 1, format!("cannot read: {e}"));
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(cannot_read)?;
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(Problem::new(
            &origin,
            1,
            "not a regular file (a pipe, a device or a folder): entries are .md files",
        ));
    }
    let mut bytes = Vec::new();
    // At most one byte over the limit, even if the file grows while it is read.
    file.take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return Err(Problem::new(
            &origin,
            1,
            format!(
                "the file is {:.1} MB; an entry can be at most {} MB: split it, or move it out of the KB folder",
                meta.len() as f64 / 1e6,
                MAX_ENTRY_BYTES / (1024 * 1024)
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        Problem::new(
            &origin,
            line,
            "the file is not valid UTF-8: save it as UTF-8",
        )
    })
}

/// The entries of the given files, with a problem for each file that could not be used.
pub fn parse_files(files: &[PathBuf]) -> (Vec<Entry>, Vec<Problem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let parsed =
            read_text(path).and_then(|text| Entry::parse(Origin::User(path.clone()), &text));
        match parsed {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    (entries, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_names_pipes_and_other_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path();
        fs::create_dir_all(kb.join("syntax/.git")).unwrap();
        fs::write(kb.join("syntax/a.md"), "a").unwrap();
        fs::write(kb.join("syntax/.#a.md"), "lock").unwrap();
        fs::write(kb.join("syntax/.git/b.md"), "b").unwrap();
        fs::write(kb.join("syntax/notes.txt"), "c").unwrap();
        std::os::unix::fs::symlink(kb, kb.join("syntax/loop")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            kb.join("syntax/pipe.md"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let (files, problems) = entry_files(kb);
        assert!(problems.is_empty());
        assert_eq!(files, [kb.join("syntax/a.md")]);
        // Named directly, a pipe is refused at once rather than read.
        let p = read_text(&kb.join("syntax/pipe.md")).unwrap_err();
        assert!(p.message.contains("not a regular file"), "{}", p.message);
    }

    #[test]
    fn links_up_to_a_holding_folder_or_into_proc_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        fs::create_dir_all(kb.join("notes")).unwrap();
        fs::write(kb.join("notes/a.md"), "a").unwrap();
        fs::write(dir.path().join("outside.md"), "not in the KB folder").unwrap();
        let links = [
            ("up", dir.path()),
            ("root", Path::new("/")),
            ("proc", Path::new("/proc")),
        ];
        for (name, to) in links {
            std::os::unix::fs::symlink(to, kb.join("notes").join(name)).unwrap();
        }
        let (files, problems) = entry_files(&kb);
        assert_eq!(files, [kb.join("notes/a.md")]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|p| p.message.starts_with("not followed: a link to")),
            "{problems:?}"
        );
    }
}

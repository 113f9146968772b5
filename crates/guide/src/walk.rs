//! Reading KB folders: which files are entries, and reading one safely. The one walker, used
//! by `build.rs`, `check`, the index build and the freshness check alike.
//!
//! Hidden names (`.git`, an editor's `.#entry.md` lock) are skipped; symlinks are followed,
//! each folder visited once even through a loop; anything that is not a regular file (a named
//! pipe, a device) is never opened. A file is read without blocking, up to
//! [`MAX_ENTRY_BYTES`], and must be UTF-8.
//!
//! One file reached by two names (a symlink `alias.md -> good.md`, a hard link, a KB folder
//! inside another one that is also listed) is one file: listed once, under the name reached
//! without a link when there is one, so it is never its own duplicate.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::entry::{Entry, Origin, Problem};

/// The largest entry file read: the longest entry of the guide is about 12 KB, so anything
/// near this is a mistake (a log or a dump saved as `.md`), not worth memory and index space.
pub const MAX_ENTRY_BYTES: u64 = 1024 * 1024;

/// Every `.md` file under `root` (or `root` itself if it is a file), sorted.
pub fn entry_files(root: &Path) -> (Vec<PathBuf>, Vec<Problem>) {
    entry_files_of(&[root.to_path_buf()])
}

/// Every `.md` file under the roots, each file once however many roots or links reach it:
/// the first root to reach it lists it.
pub fn entry_files_of(roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut walker = Walker::default();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for root in roots {
        let (f, _, p) = walker.walk(root);
        files.extend(f.into_iter().map(|(path, _)| path));
        problems.extend(p);
    }
    (files, problems)
}

/// A file or folder with its metadata.
pub type Stat = (PathBuf, fs::Metadata);

/// Walks KB folders one after another, remembering what it saw: a folder or a file already
/// reached from an earlier folder (one KB folder inside another, a link between them) is not
/// listed again.
#[derive(Default)]
pub struct Walker {
    /// Folders visited, by their canonical path.
    folders: HashSet<PathBuf>,
    /// Files listed, by device and inode.
    files: HashSet<(u64, u64)>,
    /// Whether a folder visited held a link or a file with other names: what reaches the
    /// same file twice (see [`Listing::aliased`]).
    pub aliased: bool,
}

impl Walker {
    /// Every `.md` file under `root` (or `root` itself if it is a file) not listed before,
    /// sorted, with the folders visited.
    pub fn walk(&mut self, root: &Path) -> (Vec<Stat>, Vec<Stat>, Vec<Problem>) {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let mut problems = Vec::new();
        if let Ok(meta) = fs::metadata(root)
            && meta.is_file()
        {
            if self.files.insert(file_id(&meta)) {
                files.push((root.to_path_buf(), meta));
            }
            return (files, dirs, problems);
        }
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
            if !self.folders.insert(canonical) {
                continue;
            }
            // The folder's mtime is taken before reading it, so a file created meanwhile
            // makes the recorded time stale rather than going unnoticed.
            let Ok(dir_meta) = fs::metadata(&dir) else {
                continue;
            };
            match list_folder(&dir) {
                Ok(listing) => {
                    self.aliased |= listing.aliased;
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
        let mut files = self.once(files);
        // By bytes: comparing Paths component by component is several times slower.
        files.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
        (files, dirs, problems)
    }

    /// The files not listed before, each under one name: of two names for one file (a link
    /// beside its target, a hard link), the one reached without a link, else the first.
    fn once(&mut self, files: Vec<Stat>) -> Vec<Stat> {
        let mut chosen: HashMap<(u64, u64), usize> = HashMap::new();
        for (k, (path, meta)) in files.iter().enumerate() {
            let id = file_id(meta);
            if self.files.contains(&id) {
                continue;
            }
            match chosen.get(&id) {
                None => {
                    chosen.insert(id, k);
                }
                Some(&other) => {
                    let key = |p: &Path| (!reached_directly(p), p.as_os_str().to_owned());
                    if key(path) < key(&files[other].0) {
                        chosen.insert(id, k);
                    }
                }
            }
        }
        self.files.extend(chosen.keys().copied());
        files
            .into_iter()
            .enumerate()
            .filter(|(k, (_, meta))| chosen.get(&file_id(meta)) == Some(k))
            .map(|(_, stat)| stat)
            .collect()
    }
}

/// A file's identity: its device and inode.
fn file_id(meta: &fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

/// Whether the path names its file without going through a link.
fn reached_directly(path: &Path) -> bool {
    fs::canonicalize(path).is_ok_and(|real| real == path)
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
    /// Whether a file or folder here is a link, or a file has other (hard) links: then
    /// something else may reach the same file, which only a walk of every folder can tell.
    pub aliased: bool,
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
        aliased: false,
    };
    // Names, and whether each is a link, from the folder itself (no stat); a regular file
    // whose name does not end in `.md` is left at that.
    let mut names: Vec<(PathBuf, bool)> = Vec::new();
    for item in read.flatten() {
        if item.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let kind = item.file_type().ok();
        let path = item.path();
        if kind.is_some_and(|t| t.is_file()) && path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        names.push((path, kind.is_some_and(|t| t.is_symlink())));
    }
    let metas = metadata_of(&names);
    for ((path, link), meta) in names.into_iter().zip(metas) {
        let meta = match meta {
            Ok(meta) => meta,
            // A folder that can be listed but not entered (mode r--): no file in it can be
            // read, which is this folder's problem, not something to pass over in silence.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(Problem::new(
                    &Origin::User(dir.to_path_buf()),
                    1,
                    format!("cannot read this folder's files: {e}"),
                ));
            }
            // A dangling link, a loop of links: nothing to read.
            Err(_) => continue,
        };
        if meta.is_dir() {
            listing.aliased |= link;
            listing.folders.push(path);
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "md") {
            listing.aliased |= link || meta.nlink() > 1;
            listing.files.push((path, meta));
        }
    }
    Ok(listing)
}

/// Folders holding more names than this are stat'ed by several threads: a stat costs 2 to 4
/// µs here, so a folder of 12,000 notes took 30 ms on one core.
const PARALLEL_FROM: usize = 2_000;

/// Each path's metadata (links followed), in order.
fn metadata_of(paths: &[(PathBuf, bool)]) -> Vec<io::Result<fs::Metadata>> {
    let stat = |chunk: &[(PathBuf, bool)]| -> Vec<io::Result<fs::Metadata>> {
        chunk.iter().map(|(p, _)| fs::metadata(p)).collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if paths.len() < PARALLEL_FROM || threads < 2 {
        return stat(paths);
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = paths
            .chunks(chunk)
            .skip(1)
            .map(|part| scope.spawn(move || stat(part)))
            .collect();
        let mut all = stat(&paths[..chunk.min(paths.len())]);
        for part in parts {
            // A thread that panicked stat'ed nothing: its files are read again here.
            match part.join() {
                Ok(metas) => all.extend(metas),
                Err(_) => all.extend(stat(
                    &paths[all.len()..(all.len() + chunk).min(paths.len())],
                )),
            }
        }
        all
    })
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
    fn one_file_reached_by_two_names_is_listed_once() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        fs::create_dir_all(kb.join("notes")).unwrap();
        fs::write(kb.join("notes/good.md"), "good").unwrap();
        fs::write(kb.join("notes/other.md"), "other").unwrap();
        // Sorted before its target, a link does not take its place.
        std::os::unix::fs::symlink("good.md", kb.join("notes/alias.md")).unwrap();
        fs::hard_link(kb.join("notes/other.md"), kb.join("notes/zz-hard.md")).unwrap();
        let (files, problems) = entry_files(&kb);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(files, [kb.join("notes/good.md"), kb.join("notes/other.md")]);
        // A KB folder inside another listed one: its files once, under the first.
        let (files, _) = entry_files_of(&[dir.path().to_path_buf(), kb.join("notes")]);
        assert_eq!(files, [kb.join("notes/good.md"), kb.join("notes/other.md")]);
        let (files, _) = entry_files_of(&[kb.join("notes"), kb.clone()]);
        assert_eq!(files, [kb.join("notes/good.md"), kb.join("notes/other.md")]);
        // Two files that are not one: both listed.
        fs::write(kb.join("notes/copy.md"), "good").unwrap();
        assert_eq!(entry_files(&kb).0.len(), 3);
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

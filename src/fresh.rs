//! Whether the saved index still matches the user's KB folders, at the cost of a few `stat`
//! calls rather than a walk of every file.
//!
//! A full scan records every folder's and file's modification time (the manifest, kept beside
//! the index). Creating, deleting or renaming a file changes its folder's mtime, and so does an
//! editor's safe save (vim, JetBrains, `sed -i`: write a new file, rename it over the old). So
//! each command only stats the recorded folders. An edit written in place (VS Code, nano) leaves
//! folders untouched, so each command also stats some files: all of them in guides of up to
//! [`WATCH_ALL`] files, the [`RECENT`] most recently modified in bigger ones (a note being
//! worked on is edited again), and any file the command itself had edited. Beyond those, in
//! guides of up to [`SMALL_GUIDE`] files a full scan at most every [`FULL_SCAN_EVERY`] picks
//! edits up; in bigger ones `pyguide index` does. `show` always reads the file itself. At
//! 10,000 files a folder check is a few hundred stats; a full scan ten thousand.
//!
//! The files' stamps are saved in up to [`RECORDS`] record files, each holding whole folders,
//! and the small folder list names each folder's record: an update reads and rewrites only
//! the records of the folders it rescans, not a line per file of the whole guide.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rustc_hash::{FxHashMap, FxHashSet};

use guide::entry::{Problem, escape_path, unescape_path};
use guide::walk;

/// The longest time the folder check is trusted before a full scan, for guides of at most
/// [`SMALL_GUIDE`] files. PYGUIDE_RESCAN_SECONDS sets it for any size (0: scan every time).
pub const FULL_SCAN_EVERY: Duration = Duration::from_secs(30);

/// Above this many files a full scan costs more than a command should (a stat is 2 to 3 µs
/// here), so big guides rely on the folder check and `pyguide index`.
pub const SMALL_GUIDE: usize = 2_000;

/// Guides of up to this many files have every file's stamp compared by every command: at 2
/// to 3 µs a stat, about a millisecond at most.
pub const WATCH_ALL: usize = 500;

/// In bigger guides, how many of the most recently modified files every command stats.
pub const RECENT: usize = 64;

/// How old the last full scan may be, in seconds (`None`: no limit); `setting` is
/// PYGUIDE_RESCAN_SECONDS.
fn full_scan_every(files: usize, setting: Option<u64>) -> Option<u64> {
    setting.or_else(|| (files <= SMALL_GUIDE).then_some(FULL_SCAN_EVERY.as_secs()))
}

/// The recorded "mtime" of a folder that does not exist.
const MISSING: i128 = -1;

/// How many record files the stamps are spread over, a folder's record chosen by a hash of
/// its path.
pub const RECORDS: u64 = 32;

/// The first line of a folder list in the current format (an older one means a rebuild).
const FORMAT: &str = "format\t2";

/// The folder list of the state named `id`, in a generation folder: the index's commit
/// payload names the id, so the index and the record of what it holds change in one atomic
/// step (files of another id are leftovers of an interrupted update).
fn dirs_file(id: &str) -> String {
    format!("dirs-{id}.tsv")
}

/// A record of stamps: `record` is the id of the state that wrote it and a bucket number.
/// A record is never rewritten; a later state that changes one of its folders writes a new
/// record and its folder list stops naming the old one.
fn record_file(record: &str) -> String {
    format!("files-{record}.tsv")
}

/// The record bucket of a folder (FNV-1a of its path's bytes).
fn bucket(folder: &Path) -> u64 {
    folder
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
        % RECORDS
}

/// One file as last seen: its size and modification time, and the id it held (empty if the
/// file could not be used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub path: PathBuf,
    pub size: u64,
    pub mtime: i128,
    pub id: String,
}

/// What a full scan saw, or the part of it an update needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The KB folders, in precedence order, as configured when scanned.
    pub roots: Vec<PathBuf>,
    /// Every folder under them, with its modification time.
    pub dirs: Vec<(PathBuf, i128)>,
    pub files: Vec<Stamp>,
    /// When the scan ran (seconds since the epoch).
    pub scanned_at: u64,
    /// Ids that more than one file holds (the first in precedence is indexed).
    pub dups: Vec<String>,
    /// Folders whose stamps were not loaded, with the record holding them, saved as they
    /// are; how many files they hold, and the watched ones among them.
    pub kept: FxHashMap<PathBuf, String>,
    pub kept_files: usize,
    pub kept_watched: Vec<(PathBuf, u64, i128)>,
}

/// Files added, removed or changed between two scans.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<PathBuf>,
    pub removed: Vec<Stamp>,
    pub modified: Vec<Stamp>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.modified.is_empty()
    }
}

fn mtime_of(meta: &fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Walks the KB folders: every folder's and every entry file's stamp (ids left empty).
pub fn scan(roots: &[PathBuf]) -> (Manifest, Vec<Problem>) {
    let mut manifest = Manifest {
        roots: roots.to_vec(),
        scanned_at: now(),
        ..Manifest::default()
    };
    let mut problems = Vec::new();
    // One walker for all the folders: a file reached from two of them is listed once.
    let mut walker = walk::Walker::default();
    for root in roots {
        if fs::metadata(root).is_err() {
            // Watched too: creating it must be noticed.
            manifest.dirs.push((root.clone(), MISSING));
            continue;
        }
        let (files, dirs, p) = walker.walk(root);
        problems.extend(p);
        for (dir, meta) in dirs {
            manifest.dirs.push((dir, mtime_of(&meta)));
        }
        for (path, meta) in files {
            manifest.files.push(stamp(path, &meta));
        }
    }
    (manifest, problems)
}

/// What the folder check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// No folder changed, and the last full scan is recent.
    Fresh,
    /// These folders changed (files created, deleted or renamed in them).
    Folders(Vec<PathBuf>),
    /// Other folders are configured, or the last full scan is too old: scan everything.
    Full,
}

/// Compares the recorded folders and watched files with the disk: one stat each. `rescan`
/// is the PYGUIDE_RESCAN_SECONDS setting; `touched` are files this command wrote (their
/// folders are read again whatever their stamps say).
pub fn check(
    saved: &SavedDirs,
    roots: &[PathBuf],
    rescan: Option<u64>,
    touched: &[PathBuf],
) -> Check {
    let too_old = full_scan_every(saved.files, rescan)
        .is_some_and(|limit| now().saturating_sub(saved.scanned_at) >= limit);
    if saved.roots != roots || too_old {
        return Check::Full;
    }
    let mut changed: Vec<PathBuf> = saved
        .dirs
        .iter()
        .filter(|(dir, mtime, _)| fs::metadata(dir).map_or(MISSING, |m| mtime_of(&m)) != *mtime)
        .map(|(dir, ..)| dir.clone())
        .collect();
    // A file edited in place: its folder is read again, which finds the new stamp. Only a
    // recorded folder is: one that is not is new, and its parent's change covers it.
    let edited = saved
        .watched
        .iter()
        .filter(|(path, size, mtime)| {
            fs::metadata(path).map_or(true, |m| m.len() != *size || mtime_of(&m) != *mtime)
        })
        .map(|(path, ..)| path)
        .chain(touched);
    for path in edited {
        if let Some(folder) = path.parent()
            && !changed.iter().any(|d| d == folder)
            && saved.dirs.iter().any(|(d, ..)| d == folder)
        {
            changed.push(folder.to_path_buf());
        }
    }
    if changed.is_empty() {
        Check::Fresh
    } else {
        Check::Folders(changed)
    }
}

/// The manifest after re-reading only the changed folders: their files are listed again,
/// folders that appeared are walked, folders that went are dropped with all they held. The
/// full-scan clock is not reset. A changed folder holding a link or a hard-linked file is
/// the exception: whether that file is reached twice takes a full scan, which is done.
/// Returns too where files can differ from `old`: under `changed`, or anywhere (`None`)
/// after a full scan.
pub fn rescan(
    old: &Manifest,
    changed: &[PathBuf],
) -> (Manifest, Vec<Problem>, Option<Vec<PathBuf>>) {
    let mut m = old.clone();
    let mut problems = Vec::new();
    for dir in changed {
        let Ok(meta) = fs::metadata(dir) else {
            // Gone: everything under it goes; a configured root stays watched.
            m.files.retain(|f| !f.path.starts_with(dir));
            m.dirs.retain(|(d, _)| !d.starts_with(dir));
            if m.roots.contains(dir) {
                m.dirs.push((dir.clone(), MISSING));
            }
            continue;
        };
        m.files.retain(|f| f.path.parent() != Some(dir.as_path()));
        m.dirs.retain(|(d, _)| d != dir);
        m.dirs.push((dir.clone(), mtime_of(&meta)));
        let listing = match walk::list_folder(dir) {
            Ok(listing) => listing,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if listing.aliased {
            return full(&old.roots);
        }
        m.files.extend(
            listing
                .files
                .into_iter()
                .map(|(path, meta)| stamp(path, &meta)),
        );
        for path in &listing.folders {
            if !m.dirs.iter().any(|(d, _)| d == path) {
                let mut walker = walk::Walker::default();
                let (files, dirs, p) = walker.walk(path);
                if walker.aliased {
                    return full(&old.roots);
                }
                problems.extend(p);
                m.dirs
                    .extend(dirs.into_iter().map(|(d, meta)| (d, mtime_of(&meta))));
                m.files
                    .extend(files.into_iter().map(|(path, meta)| stamp(path, &meta)));
            }
        }
        let present = listing.folders;
        // Subfolders that went since the last scan.
        let gone: Vec<PathBuf> = m
            .dirs
            .iter()
            .filter(|(d, _)| d.parent() == Some(dir.as_path()) && !present.contains(d))
            .map(|(d, _)| d.clone())
            .collect();
        for g in gone {
            m.files.retain(|f| !f.path.starts_with(&g));
            m.dirs.retain(|(d, _)| !d.starts_with(&g));
        }
    }
    (m, problems, Some(changed.to_vec()))
}

fn full(roots: &[PathBuf]) -> (Manifest, Vec<Problem>, Option<Vec<PathBuf>>) {
    let (manifest, problems) = scan(roots);
    (manifest, problems, None)
}

fn stamp(path: PathBuf, meta: &fs::Metadata) -> Stamp {
    Stamp {
        path,
        size: meta.len(),
        mtime: mtime_of(meta),
        id: String::new(),
    }
}

/// Whether `path` is `dir` or inside it, compared as bytes (a `Path` comparison walks both
/// paths' components).
fn is_under(path: &Path, dir: &Path) -> bool {
    let (path, dir) = (path.as_os_str().as_bytes(), dir.as_os_str().as_bytes());
    path.starts_with(dir)
        && (path.len() == dir.len() || dir.ends_with(b"/") || path[dir.len()] == b'/')
}

/// What changed from `old` to `new` (matched by path), looking only at files under `within`
/// when given: a rescan of some folders leaves the rest as it was, and a guide of 100,000
/// files need not be hashed whole for one edit.
pub fn diff(old: &Manifest, new: &Manifest, within: Option<&[PathBuf]>) -> Changes {
    let mut changes = Changes::default();
    let inside = |s: &&Stamp| within.is_none_or(|dirs| dirs.iter().any(|d| is_under(&s.path, d)));
    let (old_files, new_files): (Vec<&Stamp>, Vec<&Stamp>) = (
        old.files.iter().filter(inside).collect(),
        new.files.iter().filter(inside).collect(),
    );
    // Keyed by the raw path bytes: hashing a Path walks its components, ten times slower.
    let old_by_path: FxHashMap<&OsStr, &Stamp> =
        old_files.iter().map(|s| (s.path.as_os_str(), *s)).collect();
    let new_paths: FxHashSet<&OsStr> = new_files.iter().map(|s| s.path.as_os_str()).collect();
    for stamp in new_files.iter().copied() {
        match old_by_path.get(stamp.path.as_os_str()) {
            None => changes.added.push(stamp.path.clone()),
            Some(old) if old.size != stamp.size || old.mtime != stamp.mtime => {
                changes.modified.push((*old).clone())
            }
            Some(_) => {}
        }
    }
    for stamp in old_files {
        if !new_paths.contains(stamp.path.as_os_str()) {
            changes.removed.push(stamp.clone());
        }
    }
    changes
}

/// The part of a manifest read by every command: folders, the scan time, the file count and
/// the watched files' stamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDirs {
    pub roots: Vec<PathBuf>,
    /// Each folder, its mtime and the record holding its files' stamps (empty: no files).
    pub dirs: Vec<(PathBuf, i128, String)>,
    pub scanned_at: u64,
    pub files: usize,
    /// Path, size and mtime of the files every command stats.
    pub watched: Vec<(PathBuf, u64, i128)>,
    pub dups: Vec<String>,
}

/// The files every command stats, from `candidates` when the guide holds `total` files: all
/// of a small guide's, else the most recently modified. The candidates are every file, or
/// after an update that read only some records, the watched files of the others and the
/// files of those read (the most recent of the unread ones were watched).
fn watched<'a>(
    candidates: impl Iterator<Item = (&'a Path, u64, i128)>,
    total: usize,
) -> Vec<(&'a Path, u64, i128)> {
    let mut chosen: Vec<(&Path, u64, i128)> = candidates.collect();
    if total > WATCH_ALL && chosen.len() > RECENT {
        chosen.select_nth_unstable_by(RECENT - 1, |a, b| b.2.cmp(&a.2));
        chosen.truncate(RECENT);
    }
    chosen
}

// The manifest files: tab-separated lines, paths written with `escape_path` (exact for any
// name: a tab, a newline or a byte that is not UTF-8 is escaped).

impl Manifest {
    /// All the files, counting those of the folders whose stamps were not loaded.
    pub fn file_count(&self) -> usize {
        self.kept_files + self.files.len()
    }

    /// Writes the folder list for state `id` into `dir`, and a record for each bucket of
    /// folders whose stamps are loaded, each file whole or not at all. Records are written
    /// first: the folder list names them.
    pub fn save(&self, dir: &Path, id: &str) -> Result<()> {
        let mut records: std::collections::BTreeMap<u64, String> = Default::default();
        // Keyed by the folders' bytes: hashing a `Path` walks its components.
        let mut filled: FxHashMap<&OsStr, String> = FxHashMap::default();
        for s in &self.files {
            let folder = s.path.parent().unwrap_or(Path::new(""));
            let b = bucket(folder);
            filled
                .entry(folder.as_os_str())
                .or_insert_with(|| format!("{id}-{b}"));
            let _ = writeln!(
                records.entry(b).or_default(),
                "{}\t{}\t{}\t{}",
                s.size,
                s.mtime,
                s.id,
                escape_path(&s.path)
            );
        }
        // A bucket holds one record: the stamps of kept folders in a bucket being written are
        // copied into the new record as they are (never parsed), so the records stay at most
        // RECORDS however many updates write them.
        let mut moved: FxHashMap<&str, String> = FxHashMap::default();
        let mut kept: Vec<&str> = self.kept.values().map(String::as_str).collect();
        kept.sort_unstable();
        kept.dedup();
        for (b, text) in &mut records {
            let name = format!("{id}-{b}");
            for &old in &kept {
                if old
                    .rsplit_once('-')
                    .is_some_and(|(_, ob)| ob.parse() == Ok(*b))
                {
                    let path = dir.join(record_file(old));
                    let lines = fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    text.push_str(&lines);
                    moved.insert(old, name.clone());
                }
            }
            crate::store::write_atomic(dir, &record_file(&name), text.as_bytes())?;
        }
        let mut dirs = format!(
            "{FORMAT}\nscanned\t{}\nfiles\t{}\n",
            self.scanned_at,
            self.file_count()
        );
        for root in &self.roots {
            let _ = writeln!(dirs, "root\t{}", escape_path(root));
        }
        for (d, mtime) in &self.dirs {
            let record = match self.kept.get(d) {
                Some(kept) => moved.get(kept.as_str()).unwrap_or(kept).as_str(),
                None => filled.get(d.as_os_str()).map_or("", String::as_str),
            };
            let _ = writeln!(dirs, "dir\t{mtime}\t{record}\t{}", escape_path(d));
        }
        // Chosen by reference: only the few watched paths are written.
        let candidates = self
            .kept_watched
            .iter()
            .map(|(p, size, mtime)| (p.as_path(), *size, *mtime))
            .chain(
                self.files
                    .iter()
                    .map(|s| (s.path.as_path(), s.size, s.mtime)),
            );
        for (path, size, mtime) in watched(candidates, self.file_count()) {
            let _ = writeln!(dirs, "file\t{size}\t{mtime}\t{}", escape_path(path));
        }
        for id in &self.dups {
            let _ = writeln!(dirs, "dup\t{id}");
        }
        crate::store::write_atomic(dir, &dirs_file(id), dirs.as_bytes())
    }

    /// Reads the saved stamps whose folder list is `saved`, in generation folder `dir`: all
    /// of them, or with `only`, the records holding a folder inside one of those folders (all
    /// an update that rescans them compares), the other folders kept as they are.
    pub fn load(dir: &Path, saved: &SavedDirs, only: Option<&[PathBuf]>) -> Result<Manifest> {
        let wanted =
            |folder: &Path| only.is_none_or(|within| within.iter().any(|d| is_under(folder, d)));
        let mut read: Vec<&str> = saved
            .dirs
            .iter()
            .filter(|(d, _, record)| !record.is_empty() && wanted(d))
            .map(|(.., record)| record.as_str())
            .collect();
        read.sort_unstable();
        read.dedup();
        let mut m = Manifest {
            roots: saved.roots.clone(),
            dirs: saved.dirs.iter().map(|(d, t, _)| (d.clone(), *t)).collect(),
            scanned_at: saved.scanned_at,
            dups: saved.dups.clone(),
            ..Manifest::default()
        };
        for (d, _, record) in &saved.dirs {
            if !record.is_empty() && read.binary_search(&record.as_str()).is_err() {
                m.kept.insert(d.clone(), record.clone());
            }
        }
        for record in read {
            let path = dir.join(record_file(record));
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for line in text.lines() {
                let mut parts = line.splitn(4, '\t');
                let (Some(size), Some(mtime), Some(id), Some(p)) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    anyhow::bail!("{}: malformed line", path.display());
                };
                m.files.push(Stamp {
                    path: unescape_path(p).context("malformed path")?,
                    size: size.parse().context("malformed size")?,
                    mtime: mtime.parse().context("malformed mtime")?,
                    id: id.to_string(),
                });
            }
        }
        m.kept_files = saved
            .files
            .checked_sub(m.files.len())
            .context("the saved file count is less than the stamps")?;
        m.kept_watched = saved
            .watched
            .iter()
            .filter(|(p, ..)| p.parent().is_some_and(|f| m.kept.contains_key(f)))
            .cloned()
            .collect();
        Ok(m)
    }

    /// Removes manifest files that the folder list of state `id` does not name (left by
    /// earlier states and interrupted updates).
    pub fn remove_others(dir: &Path, id: &str) {
        let Ok(saved) = SavedDirs::load(dir, id) else {
            return;
        };
        let mut keep: FxHashSet<String> = saved
            .dirs
            .iter()
            .filter(|(.., record)| !record.is_empty())
            .map(|(.., record)| record_file(record))
            .collect();
        keep.insert(dirs_file(id));
        let Ok(read) = fs::read_dir(dir) else { return };
        for item in read.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            let ours =
                (name.starts_with("files-") || name.starts_with("dirs-")) && name.ends_with(".tsv");
            if ours && !keep.contains(&name) {
                let _ = fs::remove_file(item.path());
            }
        }
    }
}

impl SavedDirs {
    pub fn load(dir: &Path, id: &str) -> Result<SavedDirs> {
        let path = dir.join(dirs_file(id));
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut saved = SavedDirs {
            roots: Vec::new(),
            dirs: Vec::new(),
            scanned_at: 0,
            files: 0,
            watched: Vec::new(),
            dups: Vec::new(),
        };
        let mut lines = text.lines();
        if lines.next() != Some(FORMAT) {
            anyhow::bail!("{}: written by another version", path.display());
        }
        for line in lines {
            match line.split_once('\t') {
                Some(("scanned", t)) => saved.scanned_at = t.parse().context("malformed time")?,
                Some(("files", n)) => saved.files = n.parse().context("malformed count")?,
                Some(("root", p)) => saved
                    .roots
                    .push(unescape_path(p).context("malformed path")?),
                Some(("dir", rest)) => {
                    let mut parts = rest.splitn(3, '\t');
                    let (Some(mtime), Some(record), Some(p)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        anyhow::bail!("{}: malformed folder line", path.display());
                    };
                    saved.dirs.push((
                        unescape_path(p).context("malformed path")?,
                        mtime.parse().context("malformed mtime")?,
                        record.to_string(),
                    ));
                }
                Some(("file", rest)) => {
                    let mut parts = rest.splitn(3, '\t');
                    let (Some(size), Some(mtime), Some(p)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        anyhow::bail!("{}: malformed file line", path.display());
                    };
                    saved.watched.push((
                        unescape_path(p).context("malformed path")?,
                        size.parse().context("malformed size")?,
                        mtime.parse().context("malformed mtime")?,
                    ));
                }
                Some(("dup", id)) => saved.dups.push(id.to_string()),
                _ => anyhow::bail!("{}: malformed line", path.display()),
            }
        }
        Ok(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(path: &str, size: u64, mtime: i128) -> Stamp {
        Stamp {
            path: path.into(),
            size,
            mtime,
            id: String::new(),
        }
    }

    #[test]
    fn under_a_folder_means_inside_it_not_beside_it() {
        assert!(is_under(Path::new("/kb/a/x.md"), Path::new("/kb/a")));
        assert!(is_under(Path::new("/kb/a/b/x.md"), Path::new("/kb/a")));
        assert!(is_under(Path::new("/kb/a"), Path::new("/kb/a")));
        assert!(is_under(Path::new("/kb/x.md"), Path::new("/")));
        assert!(!is_under(Path::new("/kb/ab/x.md"), Path::new("/kb/a")));
        assert!(!is_under(Path::new("/kb/x.md"), Path::new("/kb/a")));
    }

    #[test]
    fn diff_finds_added_removed_and_modified_files() {
        let old = Manifest {
            files: vec![stamp("a", 1, 1), stamp("b", 1, 1), stamp("c", 1, 1)],
            ..Manifest::default()
        };
        let new = Manifest {
            files: vec![stamp("a", 1, 1), stamp("b", 2, 1), stamp("d", 1, 1)],
            ..Manifest::default()
        };
        let changes = diff(&old, &new, None);
        assert_eq!(changes.added, [PathBuf::from("d")]);
        assert_eq!(changes.modified, [stamp("b", 1, 1)]);
        assert_eq!(changes.removed, [stamp("c", 1, 1)]);
        assert!(diff(&new, &new, None).is_empty());
    }

    #[test]
    fn rescanning_changed_folders_equals_a_full_scan() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        for sub in ["a", "b", "b/old"] {
            fs::create_dir_all(kb.join(sub)).unwrap();
        }
        fs::write(kb.join("a/1.md"), "1").unwrap();
        fs::write(kb.join("b/2.md"), "2").unwrap();
        fs::write(kb.join("b/old/3.md"), "3").unwrap();
        let roots = vec![kb.clone(), dir.path().join("later")];
        let (before, _) = scan(&roots);
        std::thread::sleep(Duration::from_millis(20));
        fs::remove_dir_all(kb.join("b/old")).unwrap();
        fs::create_dir_all(kb.join("b/new/deep")).unwrap();
        fs::write(kb.join("b/new/deep/4.md"), "4").unwrap();
        fs::write(kb.join("b/5.md"), "5").unwrap();
        fs::create_dir_all(dir.path().join("later")).unwrap();
        fs::write(dir.path().join("later/6.md"), "6").unwrap();
        let saved = SavedDirs {
            roots: before.roots.clone(),
            dirs: before
                .dirs
                .iter()
                .map(|(d, t)| (d.clone(), *t, String::new()))
                .collect(),
            scanned_at: before.scanned_at,
            files: before.files.len(),
            watched: Vec::new(),
            dups: Vec::new(),
        };
        let Check::Folders(changed) = check(&saved, &roots, None, &[]) else {
            panic!("folders changed")
        };
        let (mut partial, problems, within) = rescan(&before, &changed);
        assert!(problems.is_empty());
        assert_eq!(
            diff(&before, &partial, within.as_deref()),
            diff(&before, &partial, None),
            "the files outside the changed folders are as they were"
        );
        let (mut full, _) = scan(&roots);
        for m in [&mut partial, &mut full] {
            m.files.sort_by(|a, b| a.path.cmp(&b.path));
            m.dirs.sort();
        }
        assert_eq!(partial.files, full.files);
        assert_eq!(partial.dirs, full.dirs);
    }

    #[test]
    fn a_link_added_to_a_folder_is_rescanned_like_a_full_scan() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        fs::create_dir_all(kb.join("notes")).unwrap();
        fs::write(kb.join("notes/good.md"), "good").unwrap();
        let roots = vec![kb.clone()];
        let (before, _) = scan(&roots);
        std::thread::sleep(Duration::from_millis(20));
        std::os::unix::fs::symlink("good.md", kb.join("notes/alias.md")).unwrap();
        let (after, problems, within) = rescan(&before, &[kb.join("notes")]);
        assert_eq!(within, None, "a full scan");
        assert!(problems.is_empty());
        assert_eq!(after.files, scan(&roots).0.files);
        assert_eq!(after.files.len(), 1);
    }

    fn saved_after_scan(dir: &Path, roots: &[PathBuf]) -> SavedDirs {
        let (manifest, _) = scan(roots);
        let at = dir.join("index");
        fs::create_dir_all(&at).unwrap();
        manifest.save(&at, "1").unwrap();
        SavedDirs::load(&at, "1").unwrap()
    }

    fn set_mtime(path: &Path, ago: Duration) {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - ago).unwrap();
    }

    #[test]
    fn an_edit_in_place_is_seen_in_every_file_of_a_small_guide() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        fs::create_dir_all(kb.join("sub")).unwrap();
        fs::write(kb.join("sub/x.md"), "x").unwrap();
        fs::write(kb.join("y.md"), "y").unwrap();
        set_mtime(&kb.join("sub/x.md"), Duration::from_secs(86_400));
        let roots = vec![kb.clone()];
        let saved = saved_after_scan(dir.path(), &roots);
        assert_eq!(saved.watched.len(), 2);
        assert_eq!(check(&saved, &roots, None, &[]), Check::Fresh);
        let before = fs::metadata(kb.join("sub")).unwrap().modified().unwrap();
        // Written in place: same file, same folder mtime, another stamp.
        fs::write(kb.join("sub/x.md"), "xx").unwrap();
        assert_eq!(
            fs::metadata(kb.join("sub")).unwrap().modified().unwrap(),
            before
        );
        assert_eq!(
            check(&saved, &roots, None, &[]),
            Check::Folders(vec![kb.join("sub")])
        );
    }

    #[test]
    fn a_big_guide_watches_its_recent_files_and_the_ones_a_command_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        fs::create_dir_all(kb.join("old")).unwrap();
        fs::create_dir_all(kb.join("new")).unwrap();
        for i in 0..WATCH_ALL {
            let path = kb.join(format!("old/{i}.md"));
            fs::write(&path, "old").unwrap();
            set_mtime(&path, Duration::from_secs(86_400));
        }
        for i in 0..RECENT {
            fs::write(kb.join(format!("new/{i}.md")), "new").unwrap();
        }
        let roots = vec![kb.clone()];
        let saved = saved_after_scan(dir.path(), &roots);
        assert_eq!(saved.files, WATCH_ALL + RECENT);
        assert_eq!(saved.watched.len(), RECENT);
        assert!(
            saved
                .watched
                .iter()
                .all(|(p, ..)| p.starts_with(kb.join("new")))
        );
        fs::write(kb.join("new/3.md"), "edited").unwrap();
        fs::write(kb.join("old/3.md"), "edited").unwrap();
        assert_eq!(
            check(&saved, &roots, None, &[]),
            Check::Folders(vec![kb.join("new")]),
            "an old file edited in place is not watched"
        );
        assert_eq!(
            check(&saved, &roots, None, &[kb.join("old/3.md")]),
            Check::Folders(vec![kb.join("new"), kb.join("old")]),
            "unless this command wrote it"
        );
        // A file in a folder not recorded is left to the folder check.
        assert_eq!(
            check(&saved, &roots, None, &[kb.join("elsewhere/3.md")]),
            Check::Folders(vec![kb.join("new")])
        );
    }

    #[test]
    fn scan_save_load_and_the_folder_check() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        fs::create_dir_all(kb.join("sub")).unwrap();
        fs::write(kb.join("sub/x.md"), "x").unwrap();
        let roots = vec![kb.clone()];
        let (mut manifest, problems) = scan(&roots);
        assert!(problems.is_empty());
        assert_eq!(manifest.files.len(), 1);
        assert_eq!(manifest.dirs.len(), 2);
        manifest.files[0].id = "x".into();
        let saved_at = dir.path().join("index");
        fs::create_dir(&saved_at).unwrap();
        manifest.dups = vec!["x".into()];
        manifest.save(&saved_at, "1").unwrap();
        let saved = SavedDirs::load(&saved_at, "1").unwrap();
        assert_eq!(Manifest::load(&saved_at, &saved, None).unwrap(), manifest);

        assert_eq!(check(&saved, &roots, None, &[]), Check::Fresh);
        assert_eq!(
            check(&saved, &[kb.join("sub")], None, &[]),
            Check::Full,
            "other folders configured"
        );
        // A new file changes its folder's mtime.
        std::thread::sleep(Duration::from_millis(20));
        fs::write(kb.join("sub/y.md"), "y").unwrap();
        assert_eq!(
            check(&saved, &roots, None, &[]),
            Check::Folders(vec![kb.join("sub")])
        );
        let old = SavedDirs {
            scanned_at: 0,
            ..SavedDirs::load(&saved_at, "1").unwrap()
        };
        assert_eq!(
            check(&old, &roots, None, &[]),
            Check::Full,
            "an old scan is not trusted"
        );
    }

    #[test]
    fn an_update_reads_and_writes_only_the_records_of_the_folders_it_rescans() {
        let dir = tempfile::tempdir().unwrap();
        let kb = dir.path().join("kb");
        // Enough folders that some land in different records.
        let folders: Vec<PathBuf> = (0..12).map(|i| kb.join(format!("f{i}"))).collect();
        for (i, f) in folders.iter().enumerate() {
            fs::create_dir_all(f).unwrap();
            for j in 0..3 {
                fs::write(f.join(format!("{j}.md")), format!("{i}{j}")).unwrap();
            }
        }
        let roots = vec![kb.clone()];
        let (mut whole, _) = scan(&roots);
        for s in &mut whole.files {
            s.id = s.path.file_stem().unwrap().to_string_lossy().into_owned();
        }
        whole.dups = vec!["0".into(), "1".into(), "2".into()];
        let at = dir.path().join("index");
        fs::create_dir(&at).unwrap();
        whole.save(&at, "1").unwrap();
        let saved = SavedDirs::load(&at, "1").unwrap();
        let records = |saved: &SavedDirs| -> FxHashSet<String> {
            saved.dirs.iter().map(|(.., r)| r.clone()).collect()
        };
        assert!(records(&saved).len() > 2, "{:?}", records(&saved));

        // Loaded for a change in f3: its record's folders only, the others kept.
        let changed = [folders[3].clone()];
        let part = Manifest::load(&at, &saved, Some(&changed)).unwrap();
        assert!(part.files.iter().any(|s| s.path.starts_with(&folders[3])));
        assert!(part.files.len() < whole.files.len());
        assert_eq!(part.file_count(), whole.files.len());
        assert!(!part.kept.contains_key(&folders[3]));
        assert_eq!(part.dups, whole.dups);

        // Saved as state 2 and cleaned up: the kept records stay, and reading everything
        // back gives the whole manifest.
        part.save(&at, "2").unwrap();
        Manifest::remove_others(&at, "2");
        let saved2 = SavedDirs::load(&at, "2").unwrap();
        assert!(
            SavedDirs::load(&at, "1").is_err(),
            "state 1's folder list went"
        );
        for record in records(&saved2).iter().filter(|r| !r.is_empty()) {
            assert!(at.join(record_file(record)).exists(), "{record}");
        }
        assert!(records(&saved2).iter().any(|r| r.starts_with("1-")));
        assert!(records(&saved2).iter().any(|r| r.starts_with("2-")));
        let mut again = Manifest::load(&at, &saved2, None).unwrap();
        for m in [&mut again, &mut whole] {
            m.files.sort_by(|a, b| a.path.cmp(&b.path));
        }
        assert_eq!(again.files, whole.files);
        assert_eq!(again.dirs, whole.dirs);
        assert_eq!(saved2.files, whole.files.len());
        assert_eq!(
            saved2.watched.len(),
            whole.files.len(),
            "a small guide watches all"
        );

        // New folders whose buckets hold kept records: one record a bucket all the same.
        let mut part = Manifest::load(&at, &saved2, Some(&changed)).unwrap();
        for i in 0..20 {
            let folder = kb.join(format!("new{i}"));
            part.dirs.push((folder.clone(), 1));
            part.files
                .push(stamp(&folder.join("n.md").to_string_lossy(), 1, 1));
        }
        part.save(&at, "3").unwrap();
        Manifest::remove_others(&at, "3");
        let saved3 = SavedDirs::load(&at, "3").unwrap();
        let buckets: Vec<String> = records(&saved3)
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| r.rsplit_once('-').unwrap().1.to_string())
            .collect();
        let unique: FxHashSet<&String> = buckets.iter().collect();
        assert_eq!(unique.len(), buckets.len(), "{:?}", records(&saved3));
        let again = Manifest::load(&at, &saved3, None).unwrap();
        assert_eq!(again.files.len(), whole.files.len() + 20);
        assert_eq!(saved3.files, whole.files.len() + 20);
        let on_disk = fs::read_dir(&at).unwrap().count();
        assert_eq!(on_disk, unique.len() + 1, "the records and the folder list");
    }

    #[test]
    fn a_folder_list_of_another_format_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(dirs_file("1")),
            "scanned\t1\nfiles\t0\ndir\t5\t/kb\n",
        )
        .unwrap();
        assert!(SavedDirs::load(dir.path(), "1").is_err());
    }
}

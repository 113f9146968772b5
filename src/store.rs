//! The cache folder, which pyguide owns, and nothing else: generations of the index, the
//! pointer to the live one, the build lock, saved colour runs.
//!
//! pyguide writes, replaces or deletes only paths it created. The folder is marked as
//! pyguide's with a `CACHEDIR.TAG` (the cache directory tagging convention, so backup tools
//! skip it too); a folder that holds anything else is refused, never cleaned: pointing
//! `PYGUIDE_CACHE_DIR` at `~/Documents` is an error that names the folder, not a loss. Each
//! generation and colour folder carries a marker file, and only marked folders are ever
//! removed. A folder owned by another user, or writable by other users, is refused too.
//!
//! No symlink is followed inside the folder: the lock is opened without following links or
//! truncating, new folders are made with `mkdir` (which fails on anything in the way),
//! files are written to a fresh temporary name (`O_EXCL`) and renamed into place (a rename
//! replaces a link, it does not follow it), and the pointer is read without following links.
//!
//! A reader sees the old index or the new one, never half of either: a generation is written
//! whole, then `current` is replaced atomically. Builders take `build.lock` (an OS lock,
//! released when its process ends, so a stale file blocks nothing).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};

/// The tag that marks the folder as pyguide's (bford.info/cachedir).
const TAG_FILE: &str = "CACHEDIR.TAG";
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by pyguide: the folder holds its search index.\n# It is a build output and safe to delete; pyguide writes nothing else here.\n";
const LOCK_FILE: &str = "build.lock";
const POINTER: &str = "current";
/// The marker inside every generation and colour folder pyguide made.
const MARKER: &str = "pyguide-made";
/// The prefix of pyguide's temporary files.
const TMP: &str = ".tmp-pyguide-";

/// Why the cache folder cannot be used.
#[derive(Debug)]
pub enum Refusal {
    /// It is not pyguide's to write in (foreign files, another owner, open to other users):
    /// an error for the user to act on.
    NotOurs(anyhow::Error),
    /// It cannot be made or written (permissions, a file in the way, a full disk): pyguide
    /// works from memory instead.
    Unusable(anyhow::Error),
}

/// The cache folder, checked: pyguide's own.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// The build lock, held until dropped.
pub struct Lock(#[allow(dead_code)] File);

impl Store {
    /// Opens (creating and marking it if it is new or empty) the cache folder.
    pub fn open(dir: &Path) -> Result<Store, Refusal> {
        let unusable = |e: io::Error, what: &str| {
            Refusal::Unusable(anyhow!(
                "cannot {what} the cache folder {}: {e}",
                dir.display()
            ))
        };
        match fs::metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Not "No such file" when it is a link (or under one) to a missing folder.
                if let Some(link) = crate::paths::broken_link(dir) {
                    return Err(Refusal::Unusable(anyhow!(
                        "the cache folder {} cannot be made: {link}",
                        dir.display()
                    )));
                }
                if let Some(parent) = dir.parent() {
                    fs::create_dir_all(parent).map_err(|e| unusable(e, "create"))?;
                }
                match fs::DirBuilder::new().mode(0o700).create(dir) {
                    Ok(()) => {}
                    // Another process made it meanwhile: check it like any existing folder.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(unusable(e, "create")),
                }
            }
            Err(e) => return Err(unusable(e, "read")),
            Ok(meta) if !meta.is_dir() => {
                return Err(Refusal::Unusable(anyhow!(
                    "the cache folder {} is not a folder",
                    dir.display()
                )));
            }
            Ok(_) => {}
        }
        let store = Store {
            dir: dir.to_path_buf(),
        };
        store.check_owner()?;
        store.check_contents()?;
        Ok(store)
    }

    fn not_ours(&self, why: String) -> Refusal {
        Refusal::NotOurs(anyhow!(
            "the cache folder {} {why}; pyguide keeps its index only in a folder of its own: set PYGUIDE_CACHE_DIR to a new or empty folder",
            self.dir.display()
        ))
    }

    /// Owned by this user and writable by nobody else: then nobody else can plant a link.
    fn check_owner(&self) -> Result<(), Refusal> {
        let meta = fs::metadata(&self.dir)
            .map_err(|e| Refusal::Unusable(anyhow!("cannot read {}: {e}", self.dir.display())))?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me && me != 0 {
            return Err(self.not_ours(format!("belongs to another user (uid {})", meta.uid())));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(self.not_ours(
                "is writable by other users (remove their write permission: chmod go-w)".into(),
            ));
        }
        Ok(())
    }

    /// Marks a new or empty folder (and one holding only an older pyguide's layout); refuses
    /// one that holds anything else.
    fn check_contents(&self) -> Result<(), Refusal> {
        let read = fs::read_dir(&self.dir)
            .map_err(|e| Refusal::Unusable(anyhow!("cannot read {}: {e}", self.dir.display())))?;
        let mut tagged = false;
        let mut damaged_tag = false;
        let mut ours = false;
        let mut foreign = Vec::new();
        for item in read.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            let path = item.path();
            let kind = item.file_type().ok();
            let is_dir = kind.is_some_and(|k| k.is_dir());
            let is_file = kind.is_some_and(|k| k.is_file());
            match name.as_str() {
                TAG_FILE if is_file && is_our_tag(&path) => tagged = true,
                TAG_FILE if is_file => damaged_tag = true,
                LOCK_FILE | POINTER if is_file => {}
                // Pyguide's temporary files, and folders made or removed under a temporary
                // name (a generation is never seen half made or half removed).
                n if n.starts_with(TMP) && (is_file || is_dir) => {}
                n if (n.starts_with("gen-") || n.starts_with("colors-"))
                    && is_dir
                    && path.join(MARKER).is_file() =>
                {
                    ours = true
                }
                n if is_legacy(n, is_dir, is_file) => {}
                _ => foreign.push(name),
            }
        }
        // A tag that is not pyguide's is another tool's, unless folders pyguide marked say
        // the folder is pyguide's and the tag was damaged (then it is written again).
        if damaged_tag && !ours {
            foreign.push(TAG_FILE.to_string());
        }
        if !foreign.is_empty() {
            foreign.sort();
            let shown: Vec<String> = foreign.iter().take(3).map(|n| format!("`{n}`")).collect();
            let more = if foreign.len() > 3 { ", ..." } else { "" };
            return Err(self.not_ours(format!(
                "holds files pyguide did not create ({}{more})",
                shown.join(", ")
            )));
        }
        if !tagged {
            // New, empty, an earlier pyguide's cache or a damaged tag: pyguide's from now on.
            // An earlier pyguide's cache is recognised by its index, not by file names alone:
            // a user's file that happens to be called `current` is not a cache.
            // Listed before the tag is looked at again: pyguide writes its tag before anything
            // else, so whatever another pyguide added to the listing comes with the tag.
            let entries = self.has_entries();
            if is_our_tag(&self.dir.join(TAG_FILE)) {
                return Ok(()); // another pyguide marked it a moment ago
            }
            if !ours && !self.is_legacy_cache() && entries {
                return Err(self.not_ours("holds files pyguide did not create".to_string()));
            }
            self.write(TAG_FILE, TAG.as_bytes())
                .map_err(Refusal::Unusable)?;
            self.adopt_legacy();
        }
        Ok(())
    }

    /// Whether the folder holds anything but pyguide's temporary files (another pyguide may
    /// be writing the tag right now).
    fn has_entries(&self) -> bool {
        fs::read_dir(&self.dir).is_ok_and(|read| {
            read.flatten()
                .any(|e| !e.file_name().to_string_lossy().starts_with(TMP))
        })
    }

    /// An earlier pyguide's cache: a `gen-*` folder holding an index, named by `current` when
    /// there is one.
    fn is_legacy_cache(&self) -> bool {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return false;
        };
        let generations: Vec<String> = read
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|k| k.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_legacy(n, true, false) && n.starts_with("gen-"))
            .filter(|n| self.dir.join(n).join("meta.json").is_file())
            .collect();
        if generations.is_empty() {
            return false;
        }
        match fs::read_to_string(self.dir.join(POINTER)) {
            Ok(name) => generations.iter().any(|g| g == name.trim()),
            Err(_) => true,
        }
    }

    /// Marks the folders an earlier pyguide (which wrote no markers) left, so they can go.
    fn adopt_legacy(&self) {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return;
        };
        for item in read.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if item.file_type().is_ok_and(|k| k.is_dir()) && is_legacy(&name, true, false) {
                let _ = create_new(&item.path().join(MARKER), b"");
            }
        }
    }

    /// Takes the build lock, waiting for another builder to finish.
    pub fn lock(&self) -> Result<Lock> {
        let path = self.dir.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            bail!("{} is not a regular file", path.display());
        }
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(Lock(file))
    }

    /// Takes the build lock if nobody holds it.
    pub fn try_lock(&self) -> Option<Lock> {
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(self.dir.join(LOCK_FILE))
            .ok()?;
        file.try_lock().ok().map(|()| Lock(file))
    }

    /// The live generation folder, if there is one and it is pyguide's.
    pub fn current(&self) -> Option<PathBuf> {
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(self.dir.join(POINTER))
            .ok()?;
        let mut name = String::new();
        file.take(256).read_to_string(&mut name).ok()?;
        let name = name.trim();
        if !name.starts_with("gen-") || !name[4..].bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let dir = self.dir.join(name);
        dir.join(MARKER).is_file().then_some(dir)
    }

    /// A new, empty, marked generation folder to build into.
    pub fn new_generation(&self, _lock: &Lock) -> Result<PathBuf> {
        let name = unique("gen-");
        self.make_marked(&name)
            .with_context(|| format!("cannot create {}", self.dir.join(&name).display()))
    }

    /// Makes the marked folder `name` in one step, as another process sees it: made and
    /// marked under a temporary name, then renamed.
    fn make_marked(&self, name: &str) -> io::Result<PathBuf> {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{TMP}new-"))
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir_in(&self.dir)?;
        create_new(&tmp.path().join(MARKER), b"")?;
        let target = self.dir.join(name);
        fs::rename(tmp.path(), &target)?;
        // Renamed away: nothing is left under the temporary name to remove.
        let _ = tmp.keep();
        Ok(target)
    }

    /// Removes a marked folder in one step, as another process sees it: renamed to a
    /// temporary name, then emptied. A folder holding a file pyguide did not write (put there
    /// by hand) is kept whole.
    fn remove_marked(&self, dir: &Path) {
        if !dir.join(MARKER).is_file() || holds_foreign(dir) {
            return;
        }
        let gone = self.dir.join(unique(&format!("{TMP}gone-")));
        if fs::rename(dir, &gone).is_ok() {
            let _ = fs::remove_dir_all(&gone);
        }
    }

    /// Makes a generation the live one, then removes every other generation.
    pub fn publish(&self, lock: &Lock, generation: &Path) -> Result<()> {
        let name = generation
            .file_name()
            .context("a generation folder has a name")?
            .to_string_lossy()
            .into_owned();
        self.write(POINTER, name.as_bytes())?;
        self.collect(lock);
        Ok(())
    }

    /// Removes a generation that will not be used (a build that failed).
    pub fn discard(&self, generation: &Path) {
        self.remove_marked(generation);
    }

    /// Removes what killed builds and older versions left: marked generations that are not
    /// live, colour folders of other builds, temporary files. Only under the lock, so
    /// nothing being built is touched; a reader with an old generation open keeps its files
    /// (they are mapped) until it exits.
    pub fn collect(&self, _lock: &Lock) {
        let live = self.current();
        let colors = format!("colors-{}", crate::builtin::FINGERPRINT);
        let Ok(read) = fs::read_dir(&self.dir) else {
            return;
        };
        for item in read.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            let path = item.path();
            let kind = item.file_type().ok();
            let is_dir = kind.is_some_and(|k| k.is_dir());
            let marked = is_dir && path.join(MARKER).is_file();
            let stale_gen = name.starts_with("gen-") && Some(&path) != live.as_ref();
            let stale_colors = name.starts_with("colors-") && name != colors;
            if marked && (stale_gen || stale_colors) {
                self.remove_marked(&path);
            } else if name.starts_with(TMP) && is_dir {
                // Left by a killed process: a removal (renamed while it was pyguide's, its mark
                // maybe gone already), or a folder made under a temporary name (marked, or
                // empty; a process marking one right now tries again on its next run).
                if (marked || name.starts_with(&format!("{TMP}gone-"))) && !holds_foreign(&path) {
                    let _ = fs::remove_dir_all(&path);
                } else {
                    let _ = fs::remove_dir(&path);
                }
            } else if name.starts_with(TMP) && kind.is_some_and(|k| k.is_file()) {
                let _ = fs::remove_file(&path);
            }
        }
    }

    /// Whether marked folders other than the live generation are lying around.
    pub fn has_leftovers(&self) -> bool {
        let live = self.current();
        fs::read_dir(&self.dir).is_ok_and(|read| {
            read.flatten().any(|item| {
                let name = item.file_name();
                let name = name.to_string_lossy();
                (name.starts_with("gen-") && Some(item.path()) != live) || name.starts_with(TMP)
            })
        })
    }

    /// The folder of this build's saved colour runs (made and marked on first use).
    pub fn colors_dir(&self) -> Option<PathBuf> {
        let dir = self
            .dir
            .join(format!("colors-{}", crate::builtin::FINGERPRINT));
        if dir.join(MARKER).is_file() {
            return Some(dir);
        }
        // Another process may make it at the same moment: then its folder is used.
        match self.make_marked(&format!("colors-{}", crate::builtin::FINGERPRINT)) {
            Ok(dir) => Some(dir),
            Err(_) => dir.join(MARKER).is_file().then_some(dir),
        }
    }

    /// Empties this build's colour folder (it only grows as entries are edited).
    pub fn clear_colors(&self) {
        if let Some(dir) = self.colors_dir() {
            self.remove_marked(&dir);
        }
    }

    /// Writes a file of the folder whole or not at all.
    fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.dir, name, bytes)
    }
}

/// The record of a generation's files as pyguide left them (name, size, modification time).
const SEAL: &str = "seal.tsv";

/// Records what a generation folder holds, once it is complete.
pub fn seal(generation: &Path) -> Result<()> {
    let files = listing(generation)?;
    // The count first: a record cut short at the end of a line still says how long it was.
    let mut text = format!("files\t{}\n", files.len());
    for (name, size, mtime) in files {
        text.push_str(&format!("{size}\t{mtime}\t{name}\n"));
    }
    write_atomic(generation, SEAL, text.as_bytes())
}

/// How a generation's files compare with what [`seal`] recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum Sealed {
    /// As recorded.
    Intact,
    /// Files added or gone, `meta.json` or the vocabulary written again: what an update cut
    /// short leaves (tantivy writes new segments and replaces `meta.json`; records are
    /// written under new names). Not to be used, but nothing is wrong.
    Changed,
    /// A file that is never written again (a segment, a record, the marker) has another size
    /// or time, or the record itself is missing: written, truncated or replaced behind
    /// pyguide's back.
    Damaged(String),
}

/// Compares a generation's files with what [`seal`] recorded.
pub fn sealed(generation: &Path) -> Sealed {
    let Ok(recorded) = fs::read_to_string(generation.join(SEAL)) else {
        return Sealed::Damaged(format!("its {SEAL} cannot be read"));
    };
    let Ok(now) = listing(generation) else {
        return Sealed::Damaged("its folder cannot be read".into());
    };
    let mut lines = recorded.lines().peekable();
    // A seal from before the count was written has none.
    let count = lines
        .next_if(|l| l.starts_with("files\t"))
        .map(|l| l["files\t".len()..].parse::<usize>());
    if !recorded.ends_with('\n')
        || matches!(count, Some(Err(_)))
        || count
            .as_ref()
            .is_some_and(|n| n.as_ref().ok() != Some(&lines.clone().count()))
    {
        return Sealed::Damaged(format!("its {SEAL} is cut short"));
    }
    let mut changed = false;
    let mut seen = 0;
    for line in lines {
        let mut fields = line.splitn(3, '\t');
        let (Some(size), Some(mtime), Some(name)) = (fields.next(), fields.next(), fields.next())
        else {
            return Sealed::Damaged(format!("its {SEAL} does not read"));
        };
        let Some((_, now_size, now_mtime)) = now.iter().find(|(n, ..)| n == name) else {
            changed = true; // removed: a segment merged away, a record replaced
            continue;
        };
        seen += 1;
        if size != now_size.to_string() || mtime != now_mtime.to_string() {
            if name == "meta.json" || name == guide::index::VOCAB_FILE {
                changed = true;
            } else {
                return Sealed::Damaged(format!("{name} changed size or time"));
            }
        }
    }
    if changed || seen != now.len() {
        Sealed::Changed
    } else {
        Sealed::Intact
    }
}

/// A generation's files (not the seal, not hidden lock files), sorted by name.
fn listing(generation: &Path) -> Result<Vec<(String, u64, i64)>> {
    let mut out = Vec::new();
    for item in fs::read_dir(generation)
        .with_context(|| format!("cannot read {}", generation.display()))?
        .flatten()
    {
        let name = item.file_name().to_string_lossy().into_owned();
        if name == SEAL || name.starts_with('.') {
            continue;
        }
        let meta = item.metadata()?;
        out.push((
            name,
            meta.len(),
            meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        ));
    }
    out.sort();
    Ok(out)
}

/// Writes `dir/name` whole or not at all: a fresh temporary file (created exclusively, so it
/// follows no link), then a rename over the name (which replaces a link, never follows it).
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let target = dir.join(name);
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", target.display()))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// Creates a file that must not exist (no link followed).
fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

fn is_our_tag(path: &Path) -> bool {
    let Ok(file) = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
    else {
        return false;
    };
    let mut head = String::new();
    file.take(200).read_to_string(&mut head).is_ok()
        && head.starts_with("Signature: 8a477f597d28d172789f06886806bc55")
        && head.contains("pyguide")
}

/// Whether a folder pyguide made holds anything it did not write there: a subfolder, or a
/// file not named as the index (tantivy's segments, `meta.json`, `.managed.json`, its locks),
/// the freshness records, the vocabulary, the seal, a saved colour table, or a temporary
/// file. An unreadable folder counts as holding something.
fn holds_foreign(dir: &Path) -> bool {
    let Ok(read) = fs::read_dir(dir) else {
        return true;
    };
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read.into_iter().any(|item| {
        let Ok(item) = item else {
            return true;
        };
        let is_file = item.file_type().is_ok_and(|k| k.is_file());
        !(is_file && made_inside(&folder, &item.file_name().to_string_lossy()))
    })
}

/// Whether a file name inside a folder of the cache is one pyguide (or tantivy, for it)
/// writes there: a generation folder (`gen-*`) holds an index, a colour folder (`colors-*`)
/// colour tables; a folder under a temporary name (being made or removed) may be either.
fn made_inside(folder: &str, name: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    // A colour table: `<16 hex>-<theme>`.
    let colour_table = |n: &str| {
        n.split_once('-').is_some_and(|(key, theme)| {
            hex(key, 16) && !theme.is_empty() && theme.bytes().all(|b| b.is_ascii_lowercase())
        })
    };
    if name == MARKER || name.starts_with(TMP) {
        return true;
    }
    if folder.starts_with("colors-") {
        colour_table(name)
    } else if folder.starts_with("gen-") {
        index_file(name)
    } else {
        colour_table(name) || index_file(name)
    }
}

/// Whether a file name is one of a generation folder's: tantivy's index and what pyguide
/// keeps beside it.
fn index_file(name: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let lower_alnum = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.')
    };
    match name {
        SEAL | guide::index::VOCAB_FILE | "meta.json" | ".managed.json" => true,
        n if n.starts_with(".tantivy-") => true,
        // tantivy's atomic write of meta.json goes through tempfile: `.tmp` and six
        // letters or digits, left behind when the process is killed.
        n if n.len() == 10
            && n.starts_with(".tmp")
            && n[4..].bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            true
        }
        n if (n.starts_with("files-") || n.starts_with("dirs-")) && n.ends_with(".tsv") => true,
        // A segment file, `<32 hex>.<ext>` (`.del` files carry an opstamp too).
        n => n
            .split_once('.')
            .is_some_and(|(id, ext)| hex(id, 32) && lower_alnum(ext)),
    }
}

/// A name no other process uses at the same moment: `prefix`, the time and the process id.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}{nanos:x}{:x}", std::process::id())
}

/// What pyguide 0.1's cache held, exactly: `gen-<16 hex>-<pid>-<nanos>` and
/// `colors-<hex>` folders, `current`, `current.tmp-<pid>`, `build.lock`.
fn is_legacy(name: &str, is_dir: bool, is_file: bool) -> bool {
    let hex = |s: &str, n: Option<usize>| {
        !s.is_empty() && n.is_none_or(|n| s.len() == n) && s.bytes().all(|b| b.is_ascii_hexdigit())
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if is_dir {
        if let Some(rest) = name.strip_prefix("gen-") {
            let parts: Vec<&str> = rest.split('-').collect();
            return parts.len() == 3
                && hex(parts[0], Some(16))
                && digits(parts[1])
                && digits(parts[2]);
        }
        return name.strip_prefix("colors-").is_some_and(|h| hex(h, None));
    }
    is_file
        && (name == "current"
            || name == "build.lock"
            || name.strip_prefix("current.tmp-").is_some_and(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(dir: &Path) -> String {
        match Store::open(dir) {
            Err(Refusal::NotOurs(e)) => e.to_string(),
            Err(Refusal::Unusable(e)) => panic!("unusable, not refused: {e}"),
            Ok(_) => panic!("{} was accepted", dir.display()),
        }
    }

    #[test]
    fn only_the_names_pyguide_writes_inside_its_folders_count_as_its_own() {
        let generation = "gen-18eda25ba985f821";
        let colours = "colors-beef";
        let passing = format!("{TMP}gone-1f2e");
        for name in [
            "pyguide-made",
            "meta.json",
            ".managed.json",
            ".tantivy-writer.lock",
            "seal.tsv",
            "vocab.txt",
            "files-18eda25ba985f8216952.tsv",
            "e0e3d044510f4c749778a0641cd49034.term",
            "e0e3d044510f4c749778a0641cd49034.12.del",
            ".tmp-pyguide-Xy12ab",
            ".tmpAbC123",
        ] {
            assert!(made_inside(generation, name), "{name}");
            assert!(made_inside(&passing, name), "{name}");
        }
        for name in [
            "pyguide-made",
            "00ff00ff00ff00ff-dark",
            ".tmp-pyguide-Xy12ab",
        ] {
            assert!(made_inside(colours, name), "{name}");
            assert!(made_inside(&passing, name), "{name}");
        }
        // An index's files in a colour folder, a colour table in an index: put there by
        // someone else.
        assert!(!made_inside(colours, "meta.json"));
        assert!(!made_inside(
            colours,
            "e0e3d044510f4c749778a0641cd49034.term"
        ));
        assert!(!made_inside(generation, "00ff00ff00ff00ff-dark"));
        for name in [
            "notes.md",
            "meta.json.bak",
            "e0e3d044510f4c749778a0641cd49034.Term",
            "00ff00ff00ff00ff-",
            "vocab.txt~",
            "é0e3d044510f4c749778a0641cd4903.x",
            ".tmpnotes.md",
            ".tmp",
        ] {
            for folder in [generation, colours, &passing] {
                assert!(!made_inside(folder, name), "{folder}/{name}");
            }
        }
    }

    #[test]
    fn a_folder_with_the_users_files_is_refused_and_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let docs = root.path().join("Documents");
        fs::create_dir_all(docs.join("gen-ai")).unwrap();
        fs::write(docs.join("gen-ai/notes.md"), "mine").unwrap();
        fs::write(docs.join("current"), "my file called current").unwrap();
        let message = refused(&docs);
        assert!(
            message.contains("holds files pyguide did not create (`gen-ai`)"),
            "{message}"
        );
        assert_eq!(
            fs::read_to_string(docs.join("gen-ai/notes.md")).unwrap(),
            "mine"
        );
        assert!(!docs.join(TAG_FILE).exists());
    }

    #[test]
    fn a_new_folder_is_made_marked_and_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache/pyguide");
        let store = Store::open(&dir).unwrap();
        assert!(is_our_tag(&dir.join(TAG_FILE)));
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        let lock = store.lock().unwrap();
        let g1 = store.new_generation(&lock).unwrap();
        store.publish(&lock, &g1).unwrap();
        assert_eq!(store.current(), Some(g1.clone()));
        let g2 = store.new_generation(&lock).unwrap();
        store.publish(&lock, &g2).unwrap();
        assert!(!g1.exists(), "the old generation is collected");
        assert_eq!(store.current(), Some(g2));
        // Opening it again accepts what pyguide wrote.
        Store::open(&dir).unwrap();
    }

    /// A reader never sees a generation half made or half removed: it appears marked and
    /// disappears whole (a search during `pyguide index` was refused when it saw one).
    #[test]
    fn generations_appear_marked_and_disappear_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("pyguide");
        let store = Store::open(&dir).unwrap();
        let lock = store.lock().unwrap();
        let names = |dir: &Path| -> Vec<String> {
            let mut v: Vec<String> = fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let g = store.new_generation(&lock).unwrap();
        assert!(g.join(MARKER).is_file());
        assert_eq!(
            names(&dir),
            [
                TAG_FILE,
                LOCK_FILE,
                g.file_name().unwrap().to_str().unwrap()
            ]
        );
        store.discard(&g);
        assert_eq!(names(&dir), [TAG_FILE, LOCK_FILE]);
        // What killed processes leave under temporary names is accepted, then collected.
        fs::create_dir(dir.join(format!("{TMP}new-k1"))).unwrap();
        fs::create_dir(dir.join(format!("{TMP}gone-k2"))).unwrap();
        fs::write(dir.join(format!("{TMP}gone-k2/meta.json")), "{}").unwrap();
        Store::open(&dir).unwrap();
        store.collect(&lock);
        assert_eq!(names(&dir), [TAG_FILE, LOCK_FILE]);
    }

    #[test]
    fn an_older_pyguides_cache_is_adopted() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("pyguide");
        fs::create_dir_all(dir.join("gen-0123456789abcdef-42-17")).unwrap();
        fs::write(dir.join("gen-0123456789abcdef-42-17/meta.json"), "{}").unwrap();
        fs::create_dir_all(dir.join("colors-beef")).unwrap();
        fs::write(dir.join("current"), "gen-0123456789abcdef-42-17").unwrap();
        fs::write(dir.join("build.lock"), "").unwrap();
        let store = Store::open(&dir).unwrap();
        let lock = store.lock().unwrap();
        store.collect(&lock);
        assert!(!dir.join("gen-0123456789abcdef-42-17").exists());
        assert!(!dir.join("colors-beef").exists());
    }

    /// What an update cut short leaves (a new file, meta.json written again, a file gone) is
    /// a change; a file that is never written again with another size is damage.
    #[test]
    fn a_sealed_generation_tells_an_update_cut_short_from_damage() {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path();
        for name in ["meta.json", "aa.idx", "bb.store", MARKER] {
            fs::write(g.join(name), name).unwrap();
        }
        seal(g).unwrap();
        assert_eq!(sealed(g), Sealed::Intact);
        // Later times than the seal's, whatever the clock's resolution.
        let later = |p: &Path| {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(SystemTime::now() + std::time::Duration::from_secs(5))
                .unwrap();
        };
        fs::write(g.join("cc.idx"), "new segment").unwrap();
        fs::write(g.join("meta.json"), "{\"segments\": 2}").unwrap();
        later(&g.join("meta.json"));
        fs::remove_file(g.join("aa.idx")).unwrap();
        assert_eq!(sealed(g), Sealed::Changed);
        seal(g).unwrap();
        fs::write(g.join("bb.store"), "bb.sto").unwrap();
        assert!(matches!(sealed(g), Sealed::Damaged(w) if w.contains("bb.store")));
        // The record itself cut short, at the end of a line too, or emptied.
        seal(g).unwrap();
        let text = fs::read_to_string(g.join(SEAL)).unwrap();
        let cut = text.trim_end().rfind('\n').unwrap() + 1;
        for short in [&text[..cut], &text[..cut - 3], ""] {
            fs::write(g.join(SEAL), short).unwrap();
            assert!(matches!(sealed(g), Sealed::Damaged(_)), "{short:?}");
        }
        fs::remove_file(g.join(SEAL)).unwrap();
        assert!(matches!(sealed(g), Sealed::Damaged(_)));
    }

    /// A file named like an index's, put in an older pyguide's colour folder, is not
    /// pyguide's: the folder is kept with it.
    #[test]
    fn a_users_file_in_an_adopted_colour_folder_is_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("pyguide");
        fs::create_dir_all(dir.join("gen-0123456789abcdef-1-2")).unwrap();
        fs::write(dir.join("gen-0123456789abcdef-1-2/meta.json"), "{}").unwrap();
        fs::create_dir_all(dir.join("colors-abc")).unwrap();
        fs::write(dir.join("colors-abc/meta.json"), "mine").unwrap();
        let store = Store::open(&dir).unwrap();
        let lock = store.lock().unwrap();
        store.collect(&lock);
        assert_eq!(
            fs::read_to_string(dir.join("colors-abc/meta.json")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn files_that_only_have_pyguides_names_are_not_a_cache() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("Documents");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("current"), "my current draft").unwrap();
        fs::write(dir.join("build.lock"), "notes").unwrap();
        assert!(refused(&dir).contains("holds files pyguide did not create"));
        assert_eq!(
            fs::read_to_string(dir.join("current")).unwrap(),
            "my current draft"
        );
    }

    #[test]
    fn a_folder_open_to_other_users_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("shared");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        assert!(refused(&dir).contains("writable by other users"));
    }

    #[test]
    fn links_planted_in_the_folder_are_never_followed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("pyguide");
        let store = Store::open(&dir).unwrap();
        let victim = root.path().join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(LOCK_FILE)).unwrap();
        assert!(store.lock().is_err(), "a linked lock file is not opened");
        fs::remove_file(dir.join(LOCK_FILE)).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(POINTER)).unwrap();
        assert_eq!(store.current(), None);
        let lock = store.lock().unwrap();
        let g = store.new_generation(&lock).unwrap();
        store.publish(&lock, &g).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(fs::symlink_metadata(dir.join(POINTER)).unwrap().is_file());
    }
}

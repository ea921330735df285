//! Walking a tree and hashing its files: one walk (walkdir, symlinks not
//! followed unless asked), include/exclude globs, files hashed in parallel
//! (rayon), progress reported on the caller's thread.

use std::ffi::OsStr;
use std::fs::Metadata;
use std::io::{Read, Seek};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::manifest::{Algorithm, Entry, EntryKind, Filters, encode_hex};
use super::meta::{Extended, Names, read_extended};
use crate::error::{Error, Result};

/// Progress of a long call: files and bytes done, of the totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Progress {
    /// Files hashed so far.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_done: u64,
    /// Files to hash.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_total: u64,
    /// Bytes hashed so far.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_done: u64,
    /// Bytes to hash.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_total: u64,
}

/// A progress callback, called on the caller's thread (about ten times a
/// second, and once at the end).
pub type ProgressFn<'a> = &'a mut dyn FnMut(Progress);

/// Compiled include/exclude globs, matched against relative `/` paths.
pub(crate) struct Filter {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

fn globset(globs: &[String], what: &str) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| {
            Error::invalid(format!(
                "invalid {what} glob {g:?}: {e}; use globs such as \"*.log\" or \"cache/**\""
            ))
        })?;
        b.add(glob);
    }
    b.build()
        .map_err(|e| Error::invalid(format!("invalid {what} globs: {e}")))
}

impl Filter {
    pub(crate) fn new(filters: &Filters) -> Result<Self> {
        Ok(Filter {
            include: if filters.include.is_empty() {
                None
            } else {
                Some(globset(&filters.include, "include")?)
            },
            exclude: globset(&filters.exclude, "exclude")?,
        })
    }

    /// Is this relative path left out? (A directory left out takes its contents.)
    fn excluded(&self, rel: &Path) -> bool {
        self.exclude.is_match(rel)
    }

    /// Does a file at this relative path pass the include globs?
    fn included(&self, rel: &Path) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(rel))
    }
}

/// One thing found by the walk, before hashing.
pub(crate) struct Found {
    pub rel: PathBuf,
    pub abs: PathBuf,
    pub kind: EntryKind,
    pub meta: Metadata,
    pub target: Option<PathBuf>,
    pub ext: Extended,
}

/// A path the walk could not read.
pub(crate) struct WalkProblem {
    pub rel: PathBuf,
    pub reason: String,
}

fn kind_of(ft: std::fs::FileType) -> EntryKind {
    if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_fifo() {
        EntryKind::Fifo
    } else if ft.is_socket() {
        EntryKind::Socket
    } else if ft.is_block_device() {
        EntryKind::BlockDevice
    } else if ft.is_char_device() {
        EntryKind::CharDevice
    } else {
        EntryKind::File
    }
}

/// Stat one path of the tree (following a symlink only when asked) and
/// read its link target, extended attributes and ACLs.
pub(crate) fn found_at(
    rel: PathBuf,
    abs: PathBuf,
    follow_symlinks: bool,
) -> std::result::Result<Found, WalkProblem> {
    let problem = |reason: String| WalkProblem {
        rel: rel.clone(),
        reason,
    };
    let meta = if follow_symlinks {
        std::fs::metadata(&abs)
    } else {
        std::fs::symlink_metadata(&abs)
    };
    let meta = meta.map_err(|e| problem(e.to_string()))?;
    let kind = kind_of(meta.file_type());
    let target = if kind == EntryKind::Symlink {
        Some(std::fs::read_link(&abs).map_err(|e| problem(e.to_string()))?)
    } else {
        None
    };
    let ext = read_extended(&abs, follow_symlinks).map_err(problem)?;
    Ok(Found {
        rel,
        abs,
        kind,
        meta,
        target,
        ext,
    })
}

/// Walk `root`: every entry below it (not the root itself), sorted by path
/// bytes, with the paths it could not read.
pub(crate) fn walk(
    root: &Path,
    filter: &Filter,
    follow_symlinks: bool,
) -> Result<(Vec<Found>, Vec<WalkProblem>)> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, "read the tree at", e))?;
    if !meta.is_dir() {
        return Err(Error::invalid(format!(
            "{} is not a folder: give the folder of the tree (the folder to describe, or the backup or restore to check)",
            root.display()
        )));
    }
    // The walk itself reads directories only (file types come with the
    // entries); the per-entry `lstat`s, the bulk of the system calls on a
    // tree of small files, then run on every core.
    let mut listed: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut problems = Vec::new();
    let mut it = walkdir::WalkDir::new(root)
        .follow_links(follow_symlinks)
        .min_depth(1)
        .into_iter();
    while let Some(item) = it.next() {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                let rel = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let reason = match (e.loop_ancestor(), e.io_error()) {
                    (Some(a), _) => format!("symlink loop back to {}", a.display()),
                    (_, Some(io)) => io.to_string(),
                    _ => e.to_string(),
                };
                if !rel.as_os_str().is_empty() {
                    problems.push(WalkProblem { rel, reason });
                }
                continue;
            }
        };
        let abs = item.path().to_path_buf();
        let rel = abs.strip_prefix(root).unwrap_or(&abs).to_path_buf();
        let is_dir = item.file_type().is_dir();
        if filter.excluded(&rel) {
            if is_dir {
                it.skip_current_dir();
            }
            continue;
        }
        if !is_dir && !filter.included(&rel) {
            continue;
        }
        if listed.len() >= super::manifest::MAX_MANIFEST_ENTRIES {
            return Err(Error::invalid(format!(
                "{} holds more than {} entries, the most one manifest describes: split the backup, or exclude parts of it",
                root.display(),
                super::manifest::MAX_MANIFEST_ENTRIES
            )));
        }
        listed.push((rel, abs));
    }
    let stated: Vec<std::result::Result<Found, WalkProblem>> = listed
        .into_par_iter()
        .with_min_len(256)
        .map(|(rel, abs)| found_at(rel, abs, follow_symlinks))
        .collect();
    let mut found = Vec::with_capacity(stated.len());
    for r in stated {
        match r {
            Ok(f) => found.push(f),
            Err(p) => problems.push(p),
        }
    }
    found.sort_by(|a, b| {
        a.rel
            .as_os_str()
            .as_bytes()
            .cmp(b.rel.as_os_str().as_bytes())
    });
    Ok((found, problems))
}

/// The digests of one file, by algorithm.
#[derive(Clone, Debug, Default)]
pub(crate) struct Digests {
    pub blake3: Option<String>,
    pub sha256: Option<String>,
}

/// The extents of a file of `size` bytes, in order: `(start, end, data)`,
/// where `data` is false for a hole (zeros not stored on disk). Big files
/// only, and only where the file system answers `SEEK_DATA`/`SEEK_HOLE`;
/// otherwise one data extent.
fn extents(file: &std::fs::File, size: u64) -> Vec<(u64, u64, bool)> {
    use rustix::fs::{SeekFrom, seek};
    if size < BIG {
        return vec![(0, size, true)];
    }
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < size {
        let data = match seek(file, SeekFrom::Data(pos)) {
            Ok(d) => d.min(size),
            Err(rustix::io::Errno::NXIO) => size,
            Err(_) => return vec![(0, size, true)],
        };
        if data > pos {
            out.push((pos, data, false));
        }
        if data >= size {
            break;
        }
        let hole = match seek(file, SeekFrom::Hole(data)) {
            Ok(h) => h.min(size),
            Err(_) => return vec![(0, size, true)],
        };
        out.push((data, hole, true));
        pos = hole;
    }
    out
}

/// Why a file is skipped when it changes under the hasher.
pub(crate) const CHANGED: &str = "changed while it was hashed; back it up when it is quiet";

/// The same file, unchanged: inode, size and mtime as the walk saw them.
fn same_version(a: &Metadata, b: &Metadata) -> bool {
    a.ino() == b.ino()
        && a.dev() == b.dev()
        && a.len() == b.len()
        && a.mtime() == b.mtime()
        && a.mtime_nsec() == b.mtime_nsec()
}

/// Read size for small files, and for big ones (whose BLAKE3 then runs on
/// every core, chunk by chunk).
const CHUNK: usize = 256 << 10;
const BIG: u64 = 16 << 20;
const BIG_CHUNK: usize = 8 << 20;

/// Hash the regular file at `path` (opened with `O_NOFOLLOW`, so a symlink
/// swapped in is never followed), adding the bytes read to `done` as it
/// goes. The file is streamed, never read whole.
pub(crate) fn hash_file(
    path: &Path,
    algorithms: &[Algorithm],
    seen: &Metadata,
    done: &AtomicU64,
) -> std::io::Result<Digests> {
    let size_hint = seen.len();
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    // One fstat of the open file after reading it tells whether anything
    // changed since the walk (inode, size, mtime), before or while it was read.
    let changed = || std::io::Error::other(CHANGED);
    let mut b3 = algorithms
        .contains(&Algorithm::Blake3)
        .then(blake3::Hasher::new);
    let mut sha = algorithms
        .contains(&Algorithm::Sha256)
        .then(<sha2::Sha256 as sha2::Digest>::new);
    // BLAKE3 wants big chunks to spread over the cores; SHA-256 alone is
    // sequential and fastest when a chunk stays in the CPU's cache.
    let size = if size_hint >= BIG && b3.is_some() {
        BIG_CHUNK
    } else {
        CHUNK.min(size_hint.max(4096) as usize)
    };
    let mut buf = vec![0u8; size];
    let mut feed = |chunk: &[u8]| {
        if let Some(h) = &mut b3 {
            if chunk.len() >= 256 * 1024 {
                h.update_rayon(chunk);
            } else {
                h.update(chunk);
            }
        }
        if let Some(h) = &mut sha {
            sha2::Digest::update(h, chunk);
        }
        done.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    };
    let mut short = false;
    for (start, end, data) in extents(&file, size_hint) {
        if !data {
            // A hole reads as zeros: hash them without reading (a sparse
            // disk image of 10 GiB costs its data, not its size).
            buf[..size.min((end - start) as usize)].fill(0);
            let mut left = end - start;
            while left > 0 {
                let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                feed(&buf[..n]);
                left -= n as u64;
            }
            continue;
        }
        if size_hint >= BIG {
            // SEEK_DATA/SEEK_HOLE moved the file position.
            file.seek(std::io::SeekFrom::Start(start))?;
        }
        // Read exactly the size the walk saw (no extra read for end-of-file);
        // a file that grew or shrank fails the fstat below.
        let mut left = end - start;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = match file.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            feed(&buf[..n]);
            left -= n as u64;
        }
        short |= left > 0;
    }
    let after = file.metadata()?;
    if !after.is_file() || !same_version(seen, &after) || short {
        return Err(changed());
    }
    Ok(Digests {
        blake3: b3.map(|h| encode_hex(h.finalize().as_bytes())),
        sha256: sha.map(|h| encode_hex(&sha2::Digest::finalize(h))),
    })
}

/// How many files one parallel job takes at most: small, so one big file
/// never holds a batch of others behind it on the same thread.
pub(crate) const FILES_PER_JOB: usize = 4;

/// Order work biggest first (longest job first keeps both cores busy to the
/// end), by the size `size` gives each item.
pub(crate) fn largest_first<T>(items: &mut [T], size: impl Fn(&T) -> u64) {
    items.sort_by_key(|t| std::cmp::Reverse(size(t)));
}

/// Run `work` on a helper thread while the caller's thread reports progress
/// from `counters` about ten times a second; returns `work`'s result.
pub(crate) fn with_progress<T: Send>(
    counters: &Counters,
    progress: Option<ProgressFn<'_>>,
    work: impl FnOnce() -> T + Send,
) -> T {
    let Some(report) = progress else {
        return work();
    };
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
        let handle = s.spawn(|| {
            let out = work();
            finished.store(true, Ordering::Release);
            out
        });
        while !finished.load(Ordering::Acquire) {
            report(counters.snapshot());
            std::thread::park_timeout(Duration::from_millis(100));
        }
        let out = handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        report(counters.snapshot());
        out
    })
}

/// Shared progress counters.
#[derive(Default)]
pub(crate) struct Counters {
    pub files_done: AtomicU64,
    pub files_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub bytes_total: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Progress {
        Progress {
            files_done: self.files_done.load(Ordering::Relaxed),
            files_total: self.files_total.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
        }
    }
}

/// The relative path as manifest strings: `path` and, when not UTF-8, `path_bytes`.
pub(crate) fn path_fields(rel: &OsStr) -> (String, Option<String>) {
    let raw = rel.as_bytes();
    match std::str::from_utf8(raw) {
        Ok(s) => (s.to_string(), None),
        Err(_) => (
            String::from_utf8_lossy(raw).into_owned(),
            Some(encode_hex(raw)),
        ),
    }
}

/// The manifest entry for a found item (digests and link group filled in
/// by the caller), with its owner's names looked up in `names`.
pub(crate) fn entry_of(f: &Found, names: &Names) -> Entry {
    let (path, path_bytes) = path_fields(f.rel.as_os_str());
    let (target, target_bytes) = match &f.target {
        Some(t) => {
            let (a, b) = path_fields(t.as_os_str());
            (Some(a), b)
        }
        None => (None, None),
    };
    let size = match f.kind {
        EntryKind::File => Some(f.meta.len()),
        EntryKind::Symlink => f.target.as_ref().map(|t| t.as_os_str().len() as u64),
        _ => None,
    };
    Entry {
        path,
        path_bytes,
        kind: f.kind,
        size,
        mode: format!("{:04o}", f.meta.mode() & 0o7777),
        mtime: crate::time::format_rfc3339_nanos(
            f.meta.mtime(),
            f.meta.mtime_nsec().clamp(0, 999_999_999) as u32,
        ),
        blake3: None,
        sha256: None,
        target,
        target_bytes,
        uid: Some(f.meta.uid()),
        gid: Some(f.meta.gid()),
        user: names.user(f.meta.uid()),
        group: names.group(f.meta.gid()),
        xattrs: f.ext.xattrs.clone(),
        acl: f.ext.acl.clone(),
        default_acl: f.ext.default_acl.clone(),
        link_group: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_changed_after_the_walk_is_not_hashed() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("db.sql");
        std::fs::write(&p, b"version 1").unwrap();
        let seen = std::fs::symlink_metadata(&p).unwrap();
        let done = AtomicU64::new(0);
        assert!(hash_file(&p, &[Algorithm::Blake3], &seen, &done).is_ok());
        std::fs::write(&p, b"version two").unwrap();
        let e = hash_file(&p, &[Algorithm::Blake3], &seen, &done).unwrap_err();
        assert_eq!(e.to_string(), CHANGED);
        // Replaced by a symlink: never followed.
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", &p).unwrap();
        assert!(hash_file(&p, &[Algorithm::Sha256], &seen, &done).is_err());
    }
}

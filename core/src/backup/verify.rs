//! Verifying a tree (a backup, or a restored copy) against a manifest, and
//! diffing two manifests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::manifest::{Algorithm, Entry, EntryKind, Manifest};
use super::walk::{
    Counters, FILES_PER_JOB, Filter, ProgressFn, entry_of, hash_file, largest_first, walk,
    with_progress,
};
use crate::error::{Error, Result};

/// How thoroughly to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum VerifyMode {
    /// Rehash every file (the default).
    #[default]
    Full,
    /// Trust a file whose size and mtime match the manifest; hash the rest.
    Fast,
}

/// Options of [`verify_tree`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct VerifyOptions {
    /// Full (default) or fast.
    pub mode: VerifyMode,
    /// Stop at the first difference in content or presence.
    pub stop_at_first: bool,
    /// Follow symlinks in the tree (default false, as when building).
    pub follow_symlinks: bool,
    /// Report mode and mtime differences (default true). They never break an
    /// exact match; restore tools that do not keep them make them noise.
    pub check_metadata: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            mode: VerifyMode::Full,
            stop_at_first: false,
            follow_symlinks: false,
            check_metadata: true,
        }
    }
}

/// What is wrong with one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// In the manifest, not in the tree.
    Missing,
    /// In the tree, not in the manifest.
    Extra,
    /// A file of another size.
    Size,
    /// A file of the same size with other content.
    Content,
    /// A symlink pointing elsewhere.
    Target,
    /// A file where a folder was, or the like.
    TypeChanged,
    /// Could not be read.
    Unreadable,
    /// Other permission bits (metadata: does not break an exact match).
    Mode,
    /// Another modification time (metadata: does not break an exact match).
    Mtime,
}

impl Problem {
    /// Metadata-only problems do not make a tree differ.
    pub fn is_metadata(self) -> bool {
        matches!(self, Problem::Mode | Problem::Mtime)
    }
}

/// One difference between the manifest and the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Difference {
    /// The relative path (lossy when the name is not UTF-8).
    pub path: String,
    /// The exact path bytes as lowercase hex, only when the name is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// What differs.
    pub problem: Problem,
    /// What the manifest says (size, digest, kind, target, mode or mtime).
    pub expected: Option<String>,
    /// What the tree has.
    pub found: Option<String>,
    /// A symlink target's exact bytes in the manifest, as hex, only when
    /// not UTF-8 (so two targets that print alike can be told apart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_bytes: Option<String>,
    /// The tree's symlink target's exact bytes, as hex, only when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_bytes: Option<String>,
}

/// A name as a text report shows it, from its lossy form and exact bytes.
fn shown(text: &str, hex: Option<&String>) -> String {
    let raw = hex.and_then(|h| super::manifest::decode_hex(h));
    crate::text::quote_bytes(raw.as_deref().unwrap_or(text.as_bytes())).into_owned()
}

impl Difference {
    /// The path as a text report shows it: control characters and bytes
    /// that are not UTF-8 escaped ([`crate::text::quote_bytes`]).
    pub fn shown_path(&self) -> String {
        shown(&self.path, self.path_bytes.as_ref())
    }

    /// What the manifest says, as a text report shows it (escaped).
    pub fn shown_expected(&self) -> Option<String> {
        self.expected
            .as_deref()
            .map(|e| shown(e, self.expected_bytes.as_ref()))
    }

    /// What the tree has, as a text report shows it (escaped).
    pub fn shown_found(&self) -> Option<String> {
        self.found
            .as_deref()
            .map(|f| shown(f, self.found_bytes.as_ref()))
    }
}

/// The result of [`verify_tree`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct VerifyReport {
    /// The tree holds exactly what the manifest lists, byte for byte
    /// (metadata differences aside).
    pub exact: bool,
    /// The mode used.
    pub mode: VerifyMode,
    /// Every difference, sorted by path.
    pub differences: Vec<Difference>,
    /// Counts by problem.
    pub counts: BTreeMap<String, u64>,
    /// Files compared with the manifest.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_checked: u64,
    /// Files rehashed (all of them in full mode).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_hashed: u64,
    /// Bytes of the files compared.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_checked: u64,
    /// Bytes read and hashed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_hashed: u64,
    /// Wall time of the check.
    pub elapsed_seconds: f64,
    /// Bytes hashed per second.
    pub bytes_per_second: f64,
    /// Stopped at the first difference (`stop_at_first`).
    pub stopped_early: bool,
    /// What to look at first when the result suggests a mix-up: most of the
    /// manifest's entries are missing and it was made of a folder of
    /// another name (the wrong tree, or the wrong manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn preferred(algs: &[Algorithm]) -> Algorithm {
    if algs.contains(&Algorithm::Blake3) {
        Algorithm::Blake3
    } else {
        Algorithm::Sha256
    }
}

fn diff(
    (path, path_bytes): (&str, Option<&String>),
    problem: Problem,
    expected: Option<String>,
    found: Option<String>,
) -> Difference {
    Difference {
        path: path.to_string(),
        path_bytes: path_bytes.cloned(),
        problem,
        expected,
        found,
        expected_bytes: None,
        found_bytes: None,
    }
}

/// An entry's path and exact bytes, for [`diff`].
fn at(e: &Entry) -> (&str, Option<&String>) {
    (&e.path, e.path_bytes.as_ref())
}

/// Check the tree at `root` against `manifest`: missing, extra, changed
/// (size or content), type changed, symlink target changed, unreadable, and
/// metadata (mode, mtime) differences. Paths come from walking `root`, never
/// from the manifest, so a hostile manifest cannot make this read outside
/// the tree. `progress` is called on this thread while files are hashed.
pub fn verify_tree(
    root: &Path,
    manifest: &Manifest,
    options: &VerifyOptions,
    progress: Option<ProgressFn<'_>>,
) -> Result<VerifyReport> {
    manifest.validate()?;
    let started = Instant::now();
    let filter = Filter::new(&manifest.filters)?;
    let (found, problems) = walk(root, &filter, options.follow_symlinks)?;
    let expected: HashMap<Vec<u8>, &Entry> =
        manifest.entries.iter().map(|e| (e.raw_path(), e)).collect();
    let skipped: HashSet<&str> = manifest.skipped.iter().map(|s| s.path.as_str()).collect();
    let alg = preferred(&manifest.algorithms);

    let mut differences = Vec::new();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut to_hash = Vec::new();
    let mut files_checked = 0u64;
    let mut bytes_checked = 0u64;
    let stop = AtomicBool::new(false);
    let first_hit = |d: &Vec<Difference>| {
        options.stop_at_first && d.iter().any(|x: &Difference| !x.problem.is_metadata())
    };

    for p in &problems {
        let (path, path_bytes) = super::walk::path_fields(p.rel.as_os_str());
        seen.insert(p.rel.as_os_str().as_bytes().to_vec());
        differences.push(diff(
            (&path, path_bytes.as_ref()),
            Problem::Unreadable,
            None,
            Some(p.reason.clone()),
        ));
    }
    for f in &found {
        if first_hit(&differences) {
            break;
        }
        let raw = f.rel.as_os_str().as_bytes().to_vec();
        let now = entry_of(f);
        let Some(want) = expected.get(&raw) else {
            if !skipped.contains(now.path.as_str()) {
                differences.push(diff(
                    at(&now),
                    Problem::Extra,
                    None,
                    Some(now.kind.as_str().into()),
                ));
            }
            continue;
        };
        seen.insert(raw);
        if want.kind != now.kind {
            differences.push(diff(
                at(&now),
                Problem::TypeChanged,
                Some(want.kind.as_str().into()),
                Some(now.kind.as_str().into()),
            ));
            continue;
        }
        if options.check_metadata && want.mode != now.mode {
            differences.push(diff(
                at(&now),
                Problem::Mode,
                Some(want.mode.clone()),
                Some(now.mode.clone()),
            ));
        }
        match now.kind {
            EntryKind::File => {
                files_checked += 1;
                bytes_checked += now.size.unwrap_or(0);
                if want.size != now.size {
                    differences.push(diff(
                        at(&now),
                        Problem::Size,
                        want.size.map(|s| s.to_string()),
                        now.size.map(|s| s.to_string()),
                    ));
                    continue;
                }
                if want.mtime != now.mtime {
                    if options.check_metadata {
                        differences.push(diff(
                            at(&now),
                            Problem::Mtime,
                            Some(want.mtime.clone()),
                            Some(now.mtime.clone()),
                        ));
                    }
                } else if options.mode == VerifyMode::Fast {
                    continue;
                }
                to_hash.push((f, *want));
            }
            EntryKind::Symlink => {
                let (a, b) = (
                    want.target_bytes.as_ref().or(want.target.as_ref()),
                    now.target_bytes.as_ref().or(now.target.as_ref()),
                );
                if a != b {
                    let mut d = diff(
                        at(&now),
                        Problem::Target,
                        want.target.clone(),
                        now.target.clone(),
                    );
                    d.expected_bytes = want.target_bytes.clone();
                    d.found_bytes = now.target_bytes.clone();
                    differences.push(d);
                }
            }
            _ => {}
        }
    }
    // Folders the walk could not read: what the manifest lists under them
    // may well be there, so it is unreadable, not missing.
    let unreadable_dirs: Vec<(Vec<u8>, &str)> = problems
        .iter()
        .map(|p| {
            let mut dir = p.rel.as_os_str().as_bytes().to_vec();
            dir.push(b'/');
            (dir, p.reason.as_str())
        })
        .collect();
    if !first_hit(&differences) {
        for e in &manifest.entries {
            let raw = e.raw_path();
            if !seen.contains(&raw) {
                let hidden = unreadable_dirs.iter().find(|(dir, _)| raw.starts_with(dir));
                differences.push(match hidden {
                    Some((dir, why)) => diff(
                        at(e),
                        Problem::Unreadable,
                        Some(e.kind.as_str().into()),
                        Some(format!(
                            "inside {}, which cannot be read ({why})",
                            crate::text::quote(&String::from_utf8_lossy(&dir[..dir.len() - 1]))
                        )),
                    ),
                    None => diff(at(e), Problem::Missing, Some(e.kind.as_str().into()), None),
                });
                if options.stop_at_first {
                    break;
                }
            }
        }
    }
    let mut stopped_early = first_hit(&differences);
    if stopped_early {
        stop.store(true, Ordering::Relaxed);
    }

    largest_first(&mut to_hash, |(f, _)| f.meta.len());
    let counters = Counters::default();
    counters
        .files_total
        .store(to_hash.len() as u64, Ordering::Relaxed);
    counters.bytes_total.store(
        to_hash.iter().map(|(f, _)| f.meta.len()).sum(),
        Ordering::Relaxed,
    );
    let hashed: Vec<Difference> = with_progress(&counters, progress, || {
        to_hash
            .par_iter()
            .with_max_len(FILES_PER_JOB)
            .filter_map(|(f, want)| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let path = at(want);
                let out = match hash_file(&f.abs, &[alg], &f.meta, &counters.bytes_done) {
                    Ok(d) => {
                        let got = match alg {
                            Algorithm::Blake3 => d.blake3,
                            Algorithm::Sha256 => d.sha256,
                        };
                        (got.as_deref() != want.digest(alg)).then(|| {
                            diff(
                                path,
                                Problem::Content,
                                want.digest(alg).map(str::to_string),
                                got,
                            )
                        })
                    }
                    Err(e) => Some(diff(path, Problem::Unreadable, None, Some(e.to_string()))),
                };
                counters.files_done.fetch_add(1, Ordering::Relaxed);
                if out.is_some() && options.stop_at_first {
                    stop.store(true, Ordering::Relaxed);
                }
                out
            })
            .collect()
    });
    differences.extend(hashed);
    stopped_early |= stop.load(Ordering::Relaxed) && options.stop_at_first;
    differences.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then((a.problem as u8).cmp(&(b.problem as u8)))
    });

    let mut counts = BTreeMap::new();
    for d in &differences {
        let name = serde_json::to_value(d.problem)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *counts.entry(name).or_insert(0) += 1;
    }
    let snap = counters.snapshot();
    let elapsed = started.elapsed().as_secs_f64();
    let hint = mix_up_hint(root, manifest, &counts);
    Ok(VerifyReport {
        exact: differences.iter().all(|d| d.problem.is_metadata()) && !stopped_early,
        mode: options.mode,
        differences,
        counts,
        files_checked,
        files_hashed: snap.files_done,
        bytes_checked,
        bytes_hashed: snap.bytes_done,
        elapsed_seconds: elapsed,
        bytes_per_second: if elapsed > 0.0 {
            snap.bytes_done as f64 / elapsed
        } else {
            0.0
        },
        stopped_early,
        hint,
    })
}

/// A hint when the tree looks like another one than the manifest's: more
/// than half its entries missing, and the manifest's root label is not the
/// folder's name.
fn mix_up_hint(root: &Path, manifest: &Manifest, counts: &BTreeMap<String, u64>) -> Option<String> {
    let missing = counts.get("missing").copied().unwrap_or(0);
    let total = manifest.entries.len() as u64;
    let name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))?;
    (total > 0 && missing * 2 > total && manifest.root != name).then(|| {
        format!(
            "{missing} of the manifest's {total} entries are missing, and the manifest describes {}, not {}: is this the right tree (or the right manifest)?",
            crate::text::quote(&manifest.root),
            crate::text::quote(&name)
        )
    })
}

/// A path in a manifest diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct DiffItem {
    /// The relative path (lossy when the name is not UTF-8).
    pub path: String,
    /// The exact path bytes as lowercase hex, only when the name is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// Its kind (in the newer manifest, or the older one for removals).
    pub kind: EntryKind,
    /// The size in the newer manifest (files).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub size: Option<u64>,
    /// The size in the older manifest (files).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub old_size: Option<u64>,
}

/// A file that moved: same content, new path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Renamed {
    /// The old path (lossy when the name is not UTF-8).
    pub from: String,
    /// The new path (lossy when the name is not UTF-8).
    pub to: String,
    /// The old path's exact bytes as hex, only when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_bytes: Option<String>,
    /// The new path's exact bytes as hex, only when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_bytes: Option<String>,
    /// Its size.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// What changed from one manifest to the next.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct ManifestDiff {
    /// Nothing differs (metadata-only changes aside).
    pub identical: bool,
    /// The algorithm the contents were compared with.
    pub algorithm: Option<Algorithm>,
    /// New paths.
    pub added: Vec<DiffItem>,
    /// Paths gone.
    pub removed: Vec<DiffItem>,
    /// Files whose size or content changed (or symlinks whose target did).
    pub modified: Vec<DiffItem>,
    /// Files that moved (same content, new path).
    pub renamed: Vec<Renamed>,
    /// Paths whose kind changed.
    pub type_changed: Vec<DiffItem>,
    /// Content that changed while size and mtime did not: silent corruption
    /// (restic's diff calls it bitrot). Also listed in `modified`.
    pub suspicious: Vec<DiffItem>,
    /// Paths whose mode or mtime alone changed.
    pub metadata_changed: Vec<DiffItem>,
    /// Bytes of added files.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_added: u64,
    /// Bytes of removed files.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_removed: u64,
    /// Bytes of modified files (their new size).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes_modified: u64,
}

impl DiffItem {
    /// The path as a text report shows it (escaped, exact bytes).
    pub fn shown_path(&self) -> String {
        shown(&self.path, self.path_bytes.as_ref())
    }
}

impl Renamed {
    /// The old and new paths as a text report shows them (escaped).
    pub fn shown_paths(&self) -> (String, String) {
        (
            shown(&self.from, self.from_bytes.as_ref()),
            shown(&self.to, self.to_bytes.as_ref()),
        )
    }
}

fn item(e: &Entry, old: Option<&Entry>) -> DiffItem {
    DiffItem {
        path: e.path.clone(),
        path_bytes: e.path_bytes.clone(),
        kind: e.kind,
        size: e.size.filter(|_| e.kind == EntryKind::File),
        old_size: old.and_then(|o| o.size.filter(|_| o.kind == EntryKind::File)),
    }
}

/// Diff manifest `old` against `new`: added, removed, modified, renamed
/// (same content at a new path), type changes, metadata-only changes, and
/// suspicious changes (content differs though size and mtime match). The two
/// must share a hash algorithm.
pub fn diff_manifests(old: &Manifest, new: &Manifest) -> Result<ManifestDiff> {
    old.validate()?;
    new.validate()?;
    let alg = [Algorithm::Blake3, Algorithm::Sha256]
        .into_iter()
        .find(|a| old.algorithms.contains(a) && new.algorithms.contains(a));
    let Some(alg) = alg else {
        return Err(Error::invalid(format!(
            "the manifests share no hash algorithm ({:?} vs {:?}): build both with the same one",
            old.algorithms, new.algorithms
        )));
    };
    let a: BTreeMap<Vec<u8>, &Entry> = old.entries.iter().map(|e| (e.raw_path(), e)).collect();
    let b: BTreeMap<Vec<u8>, &Entry> = new.entries.iter().map(|e| (e.raw_path(), e)).collect();
    let mut out = ManifestDiff {
        algorithm: Some(alg),
        ..Default::default()
    };
    let mut removed: Vec<&Entry> = Vec::new();
    let mut added: Vec<&Entry> = Vec::new();
    for (k, o) in &a {
        match b.get(k) {
            None => removed.push(o),
            Some(n) if n.kind != o.kind => out.type_changed.push(item(n, Some(o))),
            Some(n) => {
                let content = match n.kind {
                    EntryKind::File => n.size != o.size || n.digest(alg) != o.digest(alg),
                    EntryKind::Symlink => {
                        (n.target.as_ref(), n.target_bytes.as_ref())
                            != (o.target.as_ref(), o.target_bytes.as_ref())
                    }
                    _ => false,
                };
                if content {
                    out.modified.push(item(n, Some(o)));
                    out.bytes_modified += n.size.filter(|_| n.kind == EntryKind::File).unwrap_or(0);
                    if n.kind == EntryKind::File && n.size == o.size && n.mtime == o.mtime {
                        out.suspicious.push(item(n, Some(o)));
                    }
                } else if n.mode != o.mode || (n.mtime != o.mtime && n.kind != EntryKind::Dir) {
                    out.metadata_changed.push(item(n, Some(o)));
                }
            }
        }
    }
    for (k, n) in &b {
        if !a.contains_key(k) {
            added.push(n);
        }
    }
    // Renames: a removed file whose content reappears at an added path.
    let mut by_content: HashMap<(u64, &str), Vec<&Entry>> = HashMap::new();
    for r in removed.iter().filter(|e| e.kind == EntryKind::File) {
        if let (Some(s), Some(d)) = (r.size, r.digest(alg)) {
            by_content.entry((s, d)).or_default().push(r);
        }
    }
    for list in by_content.values_mut() {
        list.reverse(); // pop() takes them in path order
    }
    let mut moved_from: HashSet<&str> = HashSet::new();
    let mut still_added = Vec::new();
    for n in added {
        let key = (n.size.unwrap_or(0), n.digest(alg).unwrap_or(""));
        match (n.kind, by_content.get_mut(&key).and_then(|l| l.pop())) {
            (EntryKind::File, Some(from)) => {
                moved_from.insert(from.path.as_str());
                out.renamed.push(Renamed {
                    from: from.path.clone(),
                    to: n.path.clone(),
                    from_bytes: from.path_bytes.clone(),
                    to_bytes: n.path_bytes.clone(),
                    size: n.size.unwrap_or(0),
                });
            }
            _ => still_added.push(n),
        }
    }
    for n in still_added {
        out.bytes_added += n.size.filter(|_| n.kind == EntryKind::File).unwrap_or(0);
        out.added.push(item(n, None));
    }
    for r in removed {
        if moved_from.contains(r.path.as_str()) {
            continue;
        }
        out.bytes_removed += r.size.filter(|_| r.kind == EntryKind::File).unwrap_or(0);
        out.removed.push(DiffItem {
            path: r.path.clone(),
            path_bytes: r.path_bytes.clone(),
            kind: r.kind,
            size: None,
            old_size: r.size.filter(|_| r.kind == EntryKind::File),
        });
    }
    out.identical = out.added.is_empty()
        && out.removed.is_empty()
        && out.modified.is_empty()
        && out.renamed.is_empty()
        && out.type_changed.is_empty();
    Ok(out)
}

//! Building a manifest of a tree.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::manifest::{
    Algorithm, EntryKind, Filters, MANIFEST_FORMAT, MANIFEST_VERSION, Manifest, Skipped, Totals,
    unsafe_path,
};
use super::meta::{Names, link_leaders};
use super::walk::{
    Counters, FILES_PER_JOB, Filter, Found, ProgressFn, entry_of, found_at, hash_file,
    largest_first, path_fields, walk, with_progress,
};
use crate::error::{Error, Result};

/// Options of [`build_manifest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct ManifestOptions {
    /// Content hashes to record (default `["blake3"]`; `["sha256"]` or both).
    pub algorithms: Vec<Algorithm>,
    /// Only paths matching one of these globs (relative, `/`-separated).
    pub include: Vec<String>,
    /// Leave out paths matching these globs (a folder takes its contents).
    pub exclude: Vec<String>,
    /// Describe only these relative paths instead of walking the tree.
    pub files: Option<Vec<String>>,
    /// Follow symlinks (default false: a symlink is recorded with its target).
    pub follow_symlinks: bool,
    /// The `root` label (default: the folder's name).
    pub root: Option<String>,
    /// Free-form labels: database, job, encryption algorithm, key id. Never a key.
    pub labels: BTreeMap<String, String>,
    /// The `blake3:<hex>` chain hash of the previous manifest.
    pub previous: Option<String>,
    /// The `created` time, RFC 3339. Default: `SOURCE_DATE_EPOCH` when it
    /// is set (the reproducible-builds convention, in every front), else
    /// now. Fix it to get byte-identical manifests of an unchanged tree.
    pub created: Option<String>,
}

impl Default for ManifestOptions {
    fn default() -> Self {
        ManifestOptions {
            algorithms: vec![Algorithm::Blake3],
            include: Vec::new(),
            exclude: Vec::new(),
            files: None,
            follow_symlinks: false,
            root: None,
            labels: BTreeMap::new(),
            previous: None,
            created: None,
        }
    }
}

/// Label names that would mean a secret is being stored.
const SECRET_WORDS: [&str; 5] = ["password", "passphrase", "secret", "private_key", "token"];

fn validate_options(o: &ManifestOptions) -> Result<Vec<Algorithm>> {
    let mut algs = o.algorithms.clone();
    algs.sort();
    algs.dedup();
    if algs.is_empty() {
        return Err(Error::invalid(
            "no hash algorithm: give blake3, sha256 or both",
        ));
    }
    for (k, v) in &o.labels {
        if k.trim().is_empty() || k.chars().any(char::is_control) || v.chars().any(|c| c == '\0') {
            return Err(Error::invalid(format!(
                "label {k:?} must be a non-empty name without control characters"
            )));
        }
        let lower = k.to_ascii_lowercase();
        if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
            return Err(Error::invalid(format!(
                "label {k:?} looks like a secret; manifests record key ids and algorithms, never keys"
            )));
        }
    }
    if let Some(c) = &o.created
        && crate::time::parse_rfc3339(c).is_none()
    {
        return Err(Error::invalid(format!(
            "created {c:?} is not an RFC 3339 time such as 2026-12-02T03:00:00Z"
        )));
    }
    Ok(algs)
}

/// A manifest's `created` time when none is given: `SOURCE_DATE_EPOCH`
/// (whole seconds since the epoch, as reproducible builds set it) when it
/// is set and valid, else now.
fn default_created() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|s| time::OffsetDateTime::from_unix_timestamp(*s).is_ok())
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
    crate::time::format_rfc3339_nanos(secs, 0).replace(".000000000Z", "Z")
}

/// Items named by a file list, checked to be safe relative paths.
fn listed(root: &Path, files: &[String]) -> Result<(Vec<Found>, Vec<Skipped>)> {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for f in files {
        let rel = f.trim_start_matches("./");
        if let Some(why) = unsafe_path(rel.as_bytes()) {
            return Err(Error::invalid(format!(
                "listed file {f:?} {why}: list paths relative to the root"
            )));
        }
        let abs = root.join(rel);
        match found_at(PathBuf::from(rel), abs, false) {
            Ok(f) => found.push(f),
            Err(p) => skipped.push(Skipped {
                path: rel.to_string(),
                reason: p.reason,
            }),
        }
    }
    found.sort_by(|a, b| {
        a.rel
            .as_os_str()
            .as_bytes()
            .cmp(b.rel.as_os_str().as_bytes())
    });
    found.dedup_by(|a, b| a.rel == b.rel);
    Ok((found, skipped))
}

/// Build the manifest of the tree at `root`: every entry below it, files
/// hashed in parallel and streamed, symlinks recorded (not followed unless
/// asked), FIFOs, sockets and devices recorded by kind and never read.
/// Files that cannot be read, or that change while hashed, are listed in
/// `skipped` with the reason; they do not fail the call. `progress`, when
/// given, is called on this thread about ten times a second.
pub fn build_manifest(
    root: &Path,
    options: &ManifestOptions,
    progress: Option<ProgressFn<'_>>,
) -> Result<Manifest> {
    let algorithms = validate_options(options)?;
    let filters = Filters {
        include: options.include.clone(),
        exclude: options.exclude.clone(),
    };
    let filter = Filter::new(&filters)?;
    let (found, mut skipped) = match &options.files {
        Some(list) => {
            let meta =
                std::fs::metadata(root).map_err(|e| Error::io(root, "read the tree at", e))?;
            if !meta.is_dir() {
                return Err(Error::invalid(format!(
                    "{} is not a folder",
                    root.display()
                )));
            }
            listed(root, list)?
        }
        None => {
            let (found, problems) = walk(root, &filter, options.follow_symlinks)?;
            let skipped = problems
                .into_iter()
                .map(|p| Skipped {
                    path: path_fields(p.rel.as_os_str()).0,
                    reason: p.reason,
                })
                .collect();
            (found, skipped)
        }
    };

    let counters = Counters::default();
    let mut files: Vec<usize> = (0..found.len())
        .filter(|&i| found[i].kind == EntryKind::File)
        .collect();
    largest_first(&mut files, |&i| found[i].meta.len());
    counters
        .files_total
        .store(files.len() as u64, Ordering::Relaxed);
    counters.bytes_total.store(
        files.iter().map(|&i| found[i].meta.len()).sum(),
        Ordering::Relaxed,
    );
    let hashed: Vec<(usize, std::result::Result<super::walk::Digests, String>)> =
        with_progress(&counters, progress, || {
            files
                .par_iter()
                .with_max_len(FILES_PER_JOB)
                .map(|&i| {
                    let f = &found[i];
                    let r = hash_file(&f.abs, &algorithms, &f.meta, &counters.bytes_done)
                        .map_err(|e| e.to_string());
                    counters.files_done.fetch_add(1, Ordering::Relaxed);
                    (i, r)
                })
                .collect()
        });
    let mut digests: Vec<Option<std::result::Result<super::walk::Digests, String>>> =
        (0..found.len()).map(|_| None).collect();
    for (i, r) in hashed {
        digests[i] = Some(r);
    }

    let mut entries = Vec::with_capacity(found.len());
    let mut kept = Vec::with_capacity(found.len());
    let mut totals = Totals::default();
    let names = Names::default();
    for (f, d) in found.iter().zip(digests) {
        let mut e = entry_of(f, &names);
        match (f.kind, d) {
            (EntryKind::File, Some(Ok(d))) => {
                e.blake3 = d.blake3;
                e.sha256 = d.sha256;
                totals.files += 1;
                totals.bytes += e.size.unwrap_or(0);
            }
            (EntryKind::File, other) => {
                let reason = match other {
                    Some(Err(r)) => r,
                    _ => "not hashed".to_string(),
                };
                skipped.push(Skipped {
                    path: e.path,
                    reason,
                });
                continue;
            }
            (EntryKind::Dir, _) => totals.dirs += 1,
            (EntryKind::Symlink, _) => totals.symlinks += 1,
            _ => totals.other += 1,
        }
        entries.push(e);
        kept.push(f);
    }
    // Hard-link groups among the entries kept, numbered in path order.
    let mut number: HashMap<usize, u64> = HashMap::new();
    for (e, leader) in entries
        .iter_mut()
        .zip(link_leaders(kept.iter().map(|f| (f.kind, &f.meta))))
    {
        if let Some(l) = leader {
            let next = number.len() as u64 + 1;
            e.link_group = Some(*number.entry(l).or_insert(next));
        }
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let root_label = match &options.root {
        Some(r) => r.clone(),
        None => root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| root.display().to_string()),
    };
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_string(),
        version: MANIFEST_VERSION,
        created: options.created.clone().unwrap_or_else(default_created),
        root: root_label,
        algorithms,
        labels: options.labels.clone(),
        previous: options.previous.clone(),
        filters,
        totals,
        entries,
        skipped,
    };
    manifest.validate()?;
    Ok(manifest)
}

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
use super::meta::{Action, CAPABILITY, KINDS, MetadataPolicy, Names, link_leaders};
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
    /// What each kind of metadata difference does: `ignore`, `warn` or
    /// `fail` for mode, special bits, owner, mtime, xattrs, ACLs and links.
    /// The defaults pass a faithful restore and fail a security-relevant change.
    /// An object of the kinds to change, or the CLI's `kind=action,…` text.
    #[cfg_attr(feature = "ts", ts(type = "Partial<MetadataPolicy> | string"))]
    pub metadata: MetadataPolicy,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            mode: VerifyMode::Full,
            stop_at_first: false,
            follow_symlinks: false,
            metadata: MetadataPolicy::default(),
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
    /// Other permission bits (metadata: the policy decides).
    Mode,
    /// Another modification time (metadata: the policy decides).
    Mtime,
    /// setuid, setgid or sticky bits, or file capabilities, changed.
    Special,
    /// Another owner or group.
    Owner,
    /// Extended attributes added, removed or changed.
    Xattrs,
    /// Another POSIX ACL.
    Acl,
    /// Hard links made or broken.
    Links,
}

impl Problem {
    /// Metadata problems leave the content exact; the policy decides
    /// whether they fail the check.
    pub fn is_metadata(self) -> bool {
        self.policy_kind().is_some()
    }

    /// The [`MetadataPolicy`] kind that decides this problem, for metadata.
    pub fn policy_kind(self) -> Option<&'static str> {
        Some(match self {
            Problem::Mode => "mode",
            Problem::Mtime => "mtime",
            Problem::Special => "special",
            Problem::Owner => "owner",
            Problem::Xattrs => "xattrs",
            Problem::Acl => "acl",
            Problem::Links => "links",
            _ => return None,
        })
    }

    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::Extra => "extra",
            Problem::Size => "size",
            Problem::Content => "content",
            Problem::Target => "target",
            Problem::TypeChanged => "type_changed",
            Problem::Unreadable => "unreadable",
            kind => kind.policy_kind().unwrap_or_default(),
        }
    }

    /// What this problem does under `policy`: a difference in content or
    /// presence always fails.
    pub fn action(self, policy: &MetadataPolicy) -> Action {
        self.policy_kind()
            .and_then(|k| policy.get(k))
            .unwrap_or(Action::Fail)
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

/// One kind of metadata difference, summed up: what a text report prints
/// instead of one line per entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct MetadataFinding {
    /// The kind (`mode`, `special`, `owner`, `mtime`, `xattrs`, `acl`, `links`).
    pub kind: String,
    /// What the policy does with it.
    pub action: Action,
    /// Entries with this difference.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    /// One line: the kind, the count, the action and the first few entries
    /// with what was expected and found, escaped for a terminal.
    pub summary: String,
}

/// Entries a metadata summary line names.
const EXAMPLES: usize = 3;

fn findings(differences: &[Difference], policy: &MetadataPolicy) -> Vec<MetadataFinding> {
    KINDS
        .iter()
        .filter_map(|&kind| {
            let of_kind: Vec<&Difference> = differences
                .iter()
                .filter(|d| d.problem.policy_kind() == Some(kind))
                .collect();
            let action = policy.get(kind)?;
            let first = of_kind.first()?;
            let count = of_kind.len() as u64;
            let mut named: Vec<String> = of_kind
                .iter()
                .take(EXAMPLES)
                .map(|d| d.shown_path())
                .collect();
            if let (Some(e), Some(f)) = (first.shown_expected(), first.shown_found()) {
                named[0] = format!("{} (expected {e}, found {f})", named[0]);
            }
            let more = count.saturating_sub(EXAMPLES as u64);
            Some(MetadataFinding {
                kind: kind.to_string(),
                action,
                count,
                summary: format!(
                    "{kind}: {count} entr{} differ{} ({}{}): {}{}",
                    if count == 1 { "y" } else { "ies" },
                    if count == 1 { "s" } else { "" },
                    action.as_str(),
                    match action {
                        Action::Fail =>
                            format!("; pass --metadata {kind}=warn if this restore cannot keep it"),
                        _ => String::new(),
                    },
                    named.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    },
                ),
            })
        })
        .collect()
}

/// The result of [`verify_tree`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct VerifyReport {
    /// The check passed: the content is exact and no metadata difference
    /// the policy fails was found.
    pub passed: bool,
    /// The tree holds exactly what the manifest lists, byte for byte
    /// (metadata differences aside).
    pub exact: bool,
    /// The metadata policy applied.
    pub policy: MetadataPolicy,
    /// One finding per kind of metadata difference seen (policy order).
    pub metadata: Vec<MetadataFinding>,
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
    let policy = &options.metadata;
    let fails = |d: &Difference| d.problem.action(policy) == Action::Fail;
    let first_hit = |d: &Vec<Difference>| options.stop_at_first && d.iter().any(fails);
    // Format 1 recorded no owner, xattrs, ACLs or links: those go unchecked.
    let v2 = manifest.version >= 2;
    let names = Names::default();
    let mut present: Vec<(&super::walk::Found, &Entry)> = Vec::new();

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
        let now = entry_of(f, &names);
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
        present.push((f, want));
        metadata_differences(want, &now, policy, v2, &mut differences);
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
                if want.mtime == now.mtime && options.mode == VerifyMode::Fast {
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
    if v2 && policy.links != Action::Ignore {
        link_differences(&present, &mut differences);
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
        *counts.entry(d.problem.as_str().to_string()).or_insert(0) += 1;
    }
    let exact = !differences.iter().any(|d| !d.problem.is_metadata()) && !stopped_early;
    let snap = counters.snapshot();
    let elapsed = started.elapsed().as_secs_f64();
    let hint = mix_up_hint(root, manifest, &counts);
    Ok(VerifyReport {
        passed: exact && !differences.iter().any(fails),
        exact,
        policy: *policy,
        metadata: findings(&differences, policy),
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

/// The owner as reports show it: `uid:gid (user:group)`.
fn owner_text(e: &Entry) -> String {
    let num = |n: Option<u32>| n.map_or("?".to_string(), |n| n.to_string());
    let mut s = format!("{}:{}", num(e.uid), num(e.gid));
    if e.user.is_some() || e.group.is_some() {
        s += &format!(
            " ({}:{})",
            e.user.as_deref().unwrap_or("?"),
            e.group.as_deref().unwrap_or("?")
        );
    }
    s
}

/// The same owner: the same number, or (restored on another host, as tar
/// and rsync map them) the same resolvable name.
fn same_id<T: PartialEq>(a: (Option<u32>, &Option<T>), b: (Option<u32>, &Option<T>)) -> bool {
    a.0 == b.0 || (a.1.is_some() && a.1 == b.1)
}

/// What changed in a set of extended attributes, by name.
fn xattr_change(want: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Option<String> {
    let mut changes = Vec::new();
    for (k, v) in want.iter().filter(|(k, _)| *k != CAPABILITY) {
        match now.get(k) {
            None => changes.push(format!("{k} removed")),
            Some(n) if n != v => changes.push(format!("{k} changed")),
            _ => {}
        }
    }
    for k in now
        .keys()
        .filter(|k| *k != CAPABILITY && !want.contains_key(*k))
    {
        changes.push(format!("{k} added"));
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

/// Compare the metadata of one entry present in both, by `policy`: mode,
/// special bits, times of folders and symlinks (a file's is compared where
/// it decides hashing), and, for format 2, owner, xattrs, capabilities, ACLs.
fn metadata_differences(
    want: &Entry,
    now: &Entry,
    policy: &MetadataPolicy,
    v2: bool,
    out: &mut Vec<Difference>,
) {
    let mut push = |problem: Problem, expected: String, found: String| {
        if problem.action(policy) != Action::Ignore {
            out.push(diff(at(now), problem, Some(expected), Some(found)));
        }
    };
    let bits = |m: &str| u32::from_str_radix(m, 8).unwrap_or(0);
    let (a, b) = (bits(&want.mode), bits(&now.mode));
    if a & 0o777 != b & 0o777 {
        push(Problem::Mode, want.mode.clone(), now.mode.clone());
    }
    if a & 0o7000 != b & 0o7000 {
        push(Problem::Special, want.mode.clone(), now.mode.clone());
    }
    if want.mtime != now.mtime {
        push(Problem::Mtime, want.mtime.clone(), now.mtime.clone());
    }
    if !v2 {
        return;
    }
    if !same_id((want.uid, &want.user), (now.uid, &now.user))
        || !same_id((want.gid, &want.group), (now.gid, &now.group))
    {
        push(Problem::Owner, owner_text(want), owner_text(now));
    }
    let cap = |e: &Entry| {
        e.xattrs
            .get(CAPABILITY)
            .map_or("no file capabilities".to_string(), |v| {
                format!("file capabilities {v}")
            })
    };
    if want.xattrs.get(CAPABILITY) != now.xattrs.get(CAPABILITY) {
        push(Problem::Special, cap(want), cap(now));
    }
    if let Some(change) = xattr_change(&want.xattrs, &now.xattrs) {
        let names: Vec<&str> = want.xattrs.keys().map(String::as_str).collect();
        push(
            Problem::Xattrs,
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
            change,
        );
    }
    let acl = |e: &Entry| match (&e.acl, &e.default_acl) {
        (None, None) => "none (the mode alone)".to_string(),
        (a, None) => a.clone().unwrap_or_default(),
        (a, Some(d)) => format!("{} default:{d}", a.as_deref().unwrap_or(""))
            .trim()
            .to_string(),
    };
    if (&want.acl, &want.default_acl) != (&now.acl, &now.default_acl) {
        push(Problem::Acl, acl(want), acl(now));
    }
}

/// Hard links made or broken: among the entries present in both (in path
/// order), those whose group in the manifest differs from their group in
/// the tree, each compared by the group's first path.
fn link_differences(present: &[(&super::walk::Found, &Entry)], out: &mut Vec<Difference>) {
    let tree = link_leaders(present.iter().map(|(f, _)| (f.kind, &f.meta)));
    let mut first: HashMap<u64, usize> = HashMap::new();
    let mut size: HashMap<u64, usize> = HashMap::new();
    for (i, (_, e)) in present.iter().enumerate() {
        if let Some(g) = e.link_group {
            first.entry(g).or_insert(i);
            *size.entry(g).or_default() += 1;
        }
    }
    let listed: Vec<Option<usize>> = present
        .iter()
        .map(|(_, e)| e.link_group.filter(|g| size[g] > 1).map(|g| first[&g]))
        .collect();
    // Another member of i's group, to name: the leader, or for the leader
    // the group's second member.
    let second = |leaders: &[Option<usize>]| {
        let mut second: HashMap<usize, usize> = HashMap::new();
        for (j, l) in leaders.iter().enumerate() {
            if let Some(l) = *l
                && l != j
            {
                second.entry(l).or_insert(j);
            }
        }
        second
    };
    let (second_listed, second_tree) = (second(&listed), second(&tree));
    let partner =
        |leaders: &[Option<usize>], seconds: &HashMap<usize, usize>, i: usize| match leaders[i] {
            None => "not linked".to_string(),
            Some(l) => {
                let other = if l == i {
                    seconds.get(&l).copied().unwrap_or(l)
                } else {
                    l
                };
                format!("linked with {}", crate::text::quote(&present[other].1.path))
            }
        };
    for i in 0..present.len() {
        if listed[i] != tree[i] {
            out.push(diff(
                at(present[i].1),
                Problem::Links,
                Some(partner(&listed, &second_listed, i)),
                Some(partner(&tree, &second_tree, i)),
            ));
        }
    }
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
    /// Paths whose metadata alone changed: mode, mtime, and (format 2)
    /// owner, extended attributes or ACLs.
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

/// Mode, mtime (not a folder's: it moves with every change inside),
/// and, when both manifests record them (format 2), owner, xattrs and ACLs.
fn metadata_changed(o: &Entry, n: &Entry) -> bool {
    let both_v2 = o.uid.is_some() && n.uid.is_some();
    n.mode != o.mode
        || (n.mtime != o.mtime && n.kind != EntryKind::Dir)
        || (both_v2
            && ((o.uid, o.gid) != (n.uid, n.gid)
                || o.xattrs != n.xattrs
                || (&o.acl, &o.default_acl) != (&n.acl, &n.default_acl)))
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
                } else if metadata_changed(o, n) {
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

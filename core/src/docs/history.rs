//! Last changes from git, for every wanted path in one walk of the history
//! (newest first, each commit diffed against its first parent), not one
//! `git log` per file: pages' last changes for freshness, and the commits
//! that changed linked code for code-coupled staleness.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One commit that changed a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Change {
    /// Commit time, seconds since the Unix epoch.
    pub time: i64,
    /// The short commit id.
    pub id: String,
    /// The commit's subject line.
    pub summary: String,
}

/// What the walk found, by path relative to the work tree.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// The newest commits that changed each wanted path (at most `keep`),
    /// newest first. A folder is changed by any change inside it.
    pub(crate) changes: HashMap<String, Vec<Change>>,
}

impl History {
    /// The last change of `path`, if git knows one.
    pub(crate) fn last(&self, path: &str) -> Option<&Change> {
        self.changes.get(path).and_then(|c| c.first())
    }
}

/// What the walk looks for, by path relative to the work tree.
pub(crate) struct Wanted {
    /// Pages: their last change.
    pub(crate) pages: HashSet<String>,
    /// Linked code paths (files or folders), with the pages that link
    /// them: their changes newer than the oldest last change of those
    /// pages, at most `keep`.
    pub(crate) code: HashMap<String, Vec<String>>,
    pub(crate) keep: usize,
}

impl Wanted {
    fn keep_of(&self, path: &str) -> usize {
        if self.code.contains_key(path) {
            self.keep
        } else {
            1
        }
    }

    /// Has the walk, now at commits of time `now`, found all it needs?
    fn done(&self, h: &History, now: i64) -> bool {
        let last = |p: &str| h.last(p).map(|c| c.time);
        self.pages.iter().all(|p| last(p).is_some())
            && self.code.iter().all(|(c, pages)| {
                h.changes.get(c).is_some_and(|l| l.len() >= self.keep)
                    || pages
                        .iter()
                        .filter_map(|p| last(p))
                        .min()
                        .is_some_and(|oldest| now < oldest)
            })
    }

    fn contains(&self, p: &str) -> bool {
        self.pages.contains(p) || self.code.contains_key(p)
    }
}

/// Walk the history of the repository at `top` once, newest first, until
/// every page has its last change and every linked code path its changes
/// newer than the pages that link it; `ignore_revs` (full commit ids) are
/// skipped, as `.git-blame-ignore-revs` does for mass reformatting.
pub(crate) fn walk(top: &Path, wanted: &Wanted, ignore_revs: &HashSet<String>) -> Result<History> {
    let mut history = History::default();
    if wanted.pages.is_empty() && wanted.code.is_empty() {
        return Ok(history);
    }
    let repo = git2::Repository::open(top)
        .map_err(|e| Error::new(crate::ErrorKind::Git, format!("{}: {e}", top.display())))?;
    let git = |e: git2::Error| Error::new(crate::ErrorKind::Git, e.message().to_string());
    let head = match repo.head() {
        Ok(h) => h,
        // An empty repository: no history yet.
        Err(_) => return Ok(history),
    };
    let mut walk = repo.revwalk().map_err(git)?;
    walk.set_sorting(git2::Sort::TIME).map_err(git)?;
    walk.push(head.peel_to_commit().map_err(git)?.id())
        .map_err(git)?;
    let mut options = git2::DiffOptions::new();
    let mut walked = 0usize;
    options.skip_binary_check(true);
    for oid in walk {
        let oid = oid.map_err(git)?;
        if ignore_revs.contains(&oid.to_string()) {
            continue;
        }
        let commit = repo.find_commit(oid).map_err(git)?;
        let tree = commit.tree().map_err(git)?;
        let parent_tree = match commit.parent(0) {
            Ok(p) => Some(p.tree().map_err(git)?),
            Err(_) => None,
        };
        let diff = repo
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut options))
            .map_err(git)?;
        let mut touched: HashSet<String> = HashSet::new();
        for delta in diff.deltas() {
            for file in [delta.new_file(), delta.old_file()] {
                let Some(p) = file.path().and_then(|p| p.to_str()) else {
                    continue;
                };
                // The path and every folder above it.
                let mut at = p;
                loop {
                    if wanted.contains(at) {
                        touched.insert(at.to_string());
                    }
                    match at.rfind('/') {
                        Some(i) => at = &at[..i],
                        None => break,
                    }
                }
            }
        }
        walked += 1;
        // Check now and then whether everything is found.
        if walked.is_multiple_of(32) && wanted.done(&history, commit.time().seconds()) {
            break;
        }
        if touched.is_empty() {
            continue;
        }
        let change = Change {
            time: commit.time().seconds(),
            id: oid.to_string()[..8].to_string(),
            summary: String::from_utf8_lossy(commit.message_bytes())
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        };
        for p in touched {
            let keep = wanted.keep_of(&p);
            let list = history.changes.entry(p).or_default();
            if list.len() < keep {
                list.push(change.clone());
            }
        }
    }
    Ok(history)
}

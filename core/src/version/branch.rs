//! Branch policy: which branch names are allowed, and whether promoting one
//! branch into another (staging → production) is a fast-forward.

use std::path::Path;

use globset::GlobMatcher;
use serde::{Deserialize, Serialize};

use super::git::{CommitEntry, open_repo, resolve_commit};
use crate::error::{Error, Result};

/// Allowed branch names, as globs (`*` does not cross `/`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct BranchPolicy {
    /// Globs a branch name must match one of.
    pub allowed: Vec<String>,
}

impl Default for BranchPolicy {
    fn default() -> Self {
        BranchPolicy {
            allowed: [
                "main",
                "production",
                "staging",
                "feature/*",
                "fix/*",
                "hotfix/*",
                "release/*",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// The verdict on one branch name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct BranchCheck {
    /// The name checked.
    pub name: String,
    /// Whether it is allowed.
    pub valid: bool,
    /// The glob it matched.
    pub matched: Option<String>,
    /// Why it is not allowed.
    pub reason: Option<String>,
}

fn compile(policy: &BranchPolicy) -> Result<Vec<(String, GlobMatcher)>> {
    if policy.allowed.is_empty() {
        return Err(Error::invalid(
            "branch policy allows no names: give at least one glob, e.g. \"main\" or \"feature/*\"",
        ));
    }
    policy
        .allowed
        .iter()
        .map(|g| {
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    Error::invalid(format!("invalid branch glob {g:?} in policy: {e}"))
                        .with_source(e)
                })?;
            Ok((g.clone(), glob.compile_matcher()))
        })
        .collect()
}

/// Check `name` (without `refs/heads/`) against `policy`: it must be a valid
/// git branch name and match one of the allowed globs. A failed check is a
/// result, not an error; only a bad policy is an error.
pub fn check_branch(name: &str, policy: &BranchPolicy) -> Result<BranchCheck> {
    let globs = compile(policy)?;
    let verdict = |valid, matched, reason: Option<String>| BranchCheck {
        name: name.to_string(),
        valid,
        matched,
        reason,
    };
    if !git2::Reference::is_valid_name(&format!("refs/heads/{name}")) || name.is_empty() {
        return Ok(verdict(
            false,
            None,
            Some(format!("{name:?} is not a valid git branch name")),
        ));
    }
    match globs.iter().find(|(_, m)| m.is_match(name)) {
        Some((g, _)) => Ok(verdict(true, Some(g.clone()), None)),
        None => Ok(verdict(
            false,
            None,
            Some(format!(
                "{name:?} matches none of the allowed patterns: {}",
                policy.allowed.join(", ")
            )),
        )),
    }
}

/// The result of [`promote_check`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Promotion {
    /// The source branch (e.g. `staging`).
    pub from: String,
    /// The target branch (e.g. `production`).
    pub to: String,
    /// Its commit.
    pub from_commit: String,
    /// Its commit.
    pub to_commit: String,
    /// Whether the target can fast-forward to the source.
    pub fast_forward: bool,
    /// Commits the source has that the target lacks.
    pub ahead: usize,
    /// Commits the target has that the source lacks.
    pub behind: usize,
    /// Those commits of the target, newest first: they block a fast-forward.
    pub target_only: Vec<CommitEntry>,
}

/// Can `to` be fast-forwarded to `from` (e.g. staging → production)? Counts
/// commits ahead and behind and lists the target's commits the source lacks.
pub fn promote_check(path: &Path, from: &str, to: &str) -> Result<Promotion> {
    let repo = open_repo(path)?;
    let a = resolve_commit(&repo, from)?.id();
    let b = resolve_commit(&repo, to)?.id();
    let err = |e| Error::git(format!("cannot compare {from} with {to}"), e);
    let (ahead, behind) = repo.graph_ahead_behind(a, b).map_err(err)?;
    let mut target_only = Vec::new();
    if behind > 0 {
        let mut walk = repo.revwalk().map_err(err)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
            .map_err(err)?;
        walk.push(b).map_err(err)?;
        walk.hide(a).map_err(err)?;
        for oid in walk {
            let oid = oid.map_err(err)?;
            let c = repo.find_commit(oid).map_err(err)?;
            target_only.push(CommitEntry::from_commit(&c));
        }
    }
    Ok(Promotion {
        from: from.to_string(),
        to: to.to_string(),
        from_commit: a.to_string(),
        to_commit: b.to_string(),
        fast_forward: behind == 0,
        ahead,
        behind,
        target_only,
    })
}

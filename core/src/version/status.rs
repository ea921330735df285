//! The versioning state of a repository in one call, for reports.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::branch::{BranchCheck, BranchPolicy, check_branch};
use super::git::{Release, open_repo, repo_name};
use super::next::{NextOptions, NextVersion, next_version_and_base};
use crate::error::Result;

/// The versioning state of a repository: where HEAD is, whether its branch
/// name follows the policy, the current release and the next version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct VersionStatus {
    /// The work tree (or the git dir of a bare repository).
    pub repository: String,
    /// The checked-out branch; `None` on a detached HEAD or an unborn branch.
    pub branch: Option<String>,
    /// HEAD points at a commit, not a branch.
    pub detached: bool,
    /// The branch name checked against the policy.
    pub branch_check: Option<BranchCheck>,
    /// The current release reachable from HEAD.
    pub current: Option<Release>,
    /// The next version; `None` when the repository has no commits yet.
    pub next: Option<NextVersion>,
}

/// Describe the repository at `path` with `options` (rev, tag pattern,
/// preset) and the branch `policy`.
pub fn status(path: &Path, options: &NextOptions, policy: &BranchPolicy) -> Result<VersionStatus> {
    let repo = open_repo(path)?;
    let detached = repo.head_detached().unwrap_or(false);
    let branch = if detached {
        None
    } else {
        repo.find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string))
            .and_then(|t| t.strip_prefix("refs/heads/").map(str::to_string))
    };
    let branch_check = match &branch {
        Some(b) => Some(check_branch(b, policy)?),
        None => None,
    };
    let unborn = repo.head().is_err();
    let (current, next) = if unborn {
        (None, None)
    } else {
        // One pass: the next version starts from the current release.
        let (next, base) = next_version_and_base(path, options)?;
        (base, Some(next))
    };
    Ok(VersionStatus {
        repository: repo_name(&repo).display().to_string(),
        branch,
        detached,
        branch_check,
        current,
        next,
    })
}

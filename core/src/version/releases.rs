//! Release tags as rollback points: list them, find the latest, the current
//! one (nearest reachable from a revision) and the one to roll back to.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::git::{
    DEFAULT_TAG_PATTERN, Release, TagPattern, TaggedRelease, base_release, open_repo,
    reachable_set, resolve_commit, tagged_releases,
};
use crate::error::{Error, Result};

fn default_pattern() -> String {
    DEFAULT_TAG_PATTERN.to_string()
}

fn default_rev() -> String {
    "HEAD".to_string()
}

/// Which release tags to list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct ReleaseOptions {
    /// Tag pattern with `{version}`: `v{version}` (default), `{version}`, `api-v{version}`.
    pub tag_pattern: String,
    /// List pre-releases too (default true).
    pub include_prereleases: bool,
    /// Only tags reachable from this revision (like `git tag --merged <rev>`).
    pub merged_into: Option<String>,
}

impl Default for ReleaseOptions {
    fn default() -> Self {
        ReleaseOptions {
            tag_pattern: default_pattern(),
            include_prereleases: true,
            merged_into: None,
        }
    }
}

/// How to find a rollback target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct RollbackOptions {
    /// Tag pattern with `{version}` (default `v{version}`).
    pub tag_pattern: String,
    /// Consider pre-releases as rollback targets (default false).
    pub include_prereleases: bool,
    /// Only releases reachable from this revision.
    pub merged_into: Option<String>,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        RollbackOptions {
            tag_pattern: default_pattern(),
            include_prereleases: false,
            merged_into: None,
        }
    }
}

/// How to find the current release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct CurrentOptions {
    /// The revision to look from (default `HEAD`).
    pub rev: String,
    /// Tag pattern with `{version}` (default `v{version}`).
    pub tag_pattern: String,
}

impl Default for CurrentOptions {
    fn default() -> Self {
        CurrentOptions {
            rev: default_rev(),
            tag_pattern: default_pattern(),
        }
    }
}

fn filtered(
    path: &Path,
    pattern: &str,
    include_prereleases: bool,
    merged_into: Option<&str>,
) -> Result<Vec<TaggedRelease>> {
    let pattern = TagPattern::new(pattern)?;
    let repo = open_repo(path)?;
    let mut all = tagged_releases(&repo, &pattern)?;
    if !include_prereleases {
        all.retain(|r| !r.release.prerelease);
    }
    if let Some(rev) = merged_into {
        let head = resolve_commit(&repo, rev)?.id();
        let reachable = reachable_set(&repo, head)?;
        all.retain(|r| reachable.contains(&r.oid));
    }
    Ok(all)
}

/// Every release tag matching the pattern, sorted by SemVer precedence
/// (oldest version first). Tags that don't parse as SemVer, or that point
/// at trees or blobs, are ignored.
pub fn releases(path: &Path, options: &ReleaseOptions) -> Result<Vec<Release>> {
    Ok(filtered(
        path,
        &options.tag_pattern,
        options.include_prereleases,
        options.merged_into.as_deref(),
    )?
    .into_iter()
    .map(|r| r.release)
    .collect())
}

/// The release with the highest version, if any.
pub fn latest_release(path: &Path, options: &ReleaseOptions) -> Result<Option<Release>> {
    Ok(releases(path, options)?.pop())
}

/// The current release: the highest version among the release tags nearest
/// to `rev` (each history path from `rev` stops at its first tagged commit),
/// so a newer tag on another branch is never taken.
pub fn current_release(path: &Path, options: &CurrentOptions) -> Result<Option<Release>> {
    let pattern = TagPattern::new(&options.tag_pattern)?;
    let repo = open_repo(path)?;
    let head = resolve_commit(&repo, &options.rev)?.id();
    let all = tagged_releases(&repo, &pattern)?;
    Ok(base_release(&repo, head, &all)?.map(|r| r.release.clone()))
}

/// The release to roll back to from `of` (a version such as `1.4.0` or a
/// tag such as `v1.4.0`; the latest release when `None`): the release just
/// below it in SemVer order. Pre-releases are skipped unless asked for.
/// `Ok(None)` when `of` is the first release.
pub fn rollback_target(
    path: &Path,
    of: Option<&str>,
    options: &RollbackOptions,
) -> Result<Option<Release>> {
    // `of` itself may be a pre-release, so list them all, then filter.
    let all = filtered(
        path,
        &options.tag_pattern,
        true,
        options.merged_into.as_deref(),
    )?;
    let position = match of {
        None => match all
            .iter()
            .rposition(|r| options.include_prereleases || !r.release.prerelease)
        {
            Some(p) => p,
            None => return Ok(None),
        },
        Some(of) => {
            let wanted = ::semver::Version::parse(of).ok();
            all.iter()
                .position(|r| {
                    r.release.tag == of
                        || wanted
                            .as_ref()
                            .is_some_and(|w| w.cmp_precedence(&r.release.version).is_eq())
                })
                .ok_or_else(|| {
                    Error::not_found(format!(
                        "release {of:?} not found among tags matching {}: give a version or tag listed by `opskit version releases`",
                        options.tag_pattern
                    ))
                })?
        }
    };
    let current = &all[position].release.version;
    Ok(all[..position]
        .iter()
        .rev()
        .find(|r| {
            (options.include_prereleases || !r.release.prerelease)
                && r.release.version.cmp_precedence(current).is_lt()
        })
        .map(|r| r.release.clone()))
}

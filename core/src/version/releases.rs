//! Release tags as rollback points: list them, find the latest, the current
//! one (nearest reachable from a revision) and the one to roll back to.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::git::{
    DEFAULT_TAG_PATTERN, Line, Release, TagPattern, TaggedRelease, base_release, open_repo,
    reachable_set, resolve_commit, resolve_pattern, tagged_releases,
};
use super::scheme::{AnyVersion, Scheme};
use super::semver::validate_channel;
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
    /// The version scheme of the tags (default `auto`, as in [`super::NextOptions`]).
    pub scheme: Scheme,
    /// List pre-releases too (default true).
    pub include_prereleases: bool,
    /// Only this channel's pre-releases (`beta`: `1.0.0-beta.2`, not `1.0.0-alpha.1`).
    pub channel: Option<String>,
    /// Only tags reachable from this revision (like `git tag --merged <rev>`).
    pub merged_into: Option<String>,
}

impl Default for ReleaseOptions {
    fn default() -> Self {
        ReleaseOptions {
            tag_pattern: default_pattern(),
            scheme: Scheme::Auto,
            include_prereleases: true,
            channel: None,
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
    /// The version scheme of the tags (default `auto`, as in [`super::NextOptions`]).
    pub scheme: Scheme,
    /// Consider pre-releases as rollback targets (default false).
    pub include_prereleases: bool,
    /// With `include_prereleases`, only this channel's pre-releases are targets
    /// (rolling back `2.0.0-alpha.6` lands on `alpha.5`, not on a beta).
    pub channel: Option<String>,
    /// Only releases reachable from this revision.
    pub merged_into: Option<String>,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        RollbackOptions {
            tag_pattern: default_pattern(),
            scheme: Scheme::Auto,
            include_prereleases: false,
            channel: None,
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
    /// The version scheme of the tags (default `auto`, as in [`super::NextOptions`]).
    pub scheme: Scheme,
    /// Pre-release channel: the current release may be one of its
    /// pre-releases. Without it, the current release is the last stable one.
    pub channel: Option<String>,
}

impl Default for CurrentOptions {
    fn default() -> Self {
        CurrentOptions {
            rev: default_rev(),
            tag_pattern: default_pattern(),
            scheme: Scheme::Auto,
            channel: None,
        }
    }
}

fn filtered(
    path: &Path,
    pattern: &str,
    scheme: Scheme,
    line: Line<'_>,
    merged_into: Option<&str>,
) -> Result<(Vec<TaggedRelease>, Scheme)> {
    let pattern = TagPattern::new(pattern)?;
    let repo = open_repo(path)?;
    let (pattern, _) = resolve_pattern(&repo, pattern, scheme)?;
    let mut all = tagged_releases(&repo, &pattern)?;
    all.retain(|r| line.contains(&r.release.version));
    if let Some(rev) = merged_into {
        let head = resolve_commit(&repo, rev)?.id();
        let reachable = reachable_set(&repo, head)?;
        all.retain(|r| reachable.contains(&r.oid));
    }
    Ok((all, pattern.scheme()))
}

/// Every release tag matching the pattern, sorted by precedence (oldest
/// version first). Tags that are no version of the scheme, or that point
/// at trees or blobs, are ignored.
pub fn releases(path: &Path, options: &ReleaseOptions) -> Result<Vec<Release>> {
    let line = Line::listing(options.include_prereleases, options.channel.as_deref())?;
    Ok(filtered(
        path,
        &options.tag_pattern,
        options.scheme,
        line,
        options.merged_into.as_deref(),
    )?
    .0
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
/// so a newer tag on another branch is never taken. Only stable releases
/// count, plus the pre-releases of `channel` when one is given: it is the
/// base that [`next_version`](super::next_version) starts from.
pub fn current_release(path: &Path, options: &CurrentOptions) -> Result<Option<Release>> {
    let pattern = TagPattern::new(&options.tag_pattern)?;
    if let Some(ch) = &options.channel {
        validate_channel(ch)?;
    }
    let repo = open_repo(path)?;
    let (pattern, _) = resolve_pattern(&repo, pattern, options.scheme)?;
    let head = resolve_commit(&repo, &options.rev)?.id();
    let all = tagged_releases(&repo, &pattern)?;
    let line = Line::of(options.channel.as_deref());
    Ok(base_release(&repo, head, &all, line)?.map(|r| r.release.clone()))
}

/// The release to roll back to from `of` (a version such as `1.4.0` or a
/// tag such as `v1.4.0`; the latest release when `None`): the release just
/// below it in its scheme's order. Pre-releases are skipped unless asked for.
/// `Ok(None)` when `of` is the first release.
pub fn rollback_target(
    path: &Path,
    of: Option<&str>,
    options: &RollbackOptions,
) -> Result<Option<Release>> {
    // `of` itself may be a pre-release, so list them all, then filter.
    let line = Line::listing(options.include_prereleases, options.channel.as_deref())?;
    let (all, scheme) = filtered(
        path,
        &options.tag_pattern,
        options.scheme,
        Line::All,
        options.merged_into.as_deref(),
    )?;
    let position = match of {
        None => match all.iter().rposition(|r| line.contains(&r.release.version)) {
            Some(p) => p,
            None => return Ok(None),
        },
        Some(of) => {
            let wanted = AnyVersion::parse(of, scheme).ok();
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
            line.contains(&r.release.version) && r.release.version.cmp_precedence(current).is_lt()
        })
        .map(|r| r.release.clone()))
}

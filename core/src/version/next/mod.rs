//! The next version from git history: the bump policy as data, named presets
//! that reproduce other tools (`policy`), which commits count (`classify`),
//! the commits of one component (`components`), and the computation itself.

use std::collections::HashSet;
use std::path::Path;

use git2::{Oid, Repository, Sort};
use serde::{Deserialize, Serialize};

use super::commit::Leniency;
use super::git::{
    CommitEntry, DEFAULT_TAG_PATTERN, Line, Reachability, TagPattern, TaggedRelease, base_release,
    normalize_paths, open_repo, reachable_set, resolve_commit, resolve_pattern, tagged_releases,
    touches,
};
use super::scheme::{AnyVersion, Scheme};
use super::semver::{BumpLevel, validate_channel};
use crate::error::{Error, Result};

mod classify;
mod components;
mod policy;

pub use self::classify::IgnoreReason;
pub(crate) use self::classify::{cancelled_pairs, classify};
pub(crate) use self::components::ComponentFilter;
pub use self::components::ComponentMatch;
pub use self::policy::{BumpPolicy, Impact, Preset, PresetRule};

/// Options of [`next_version`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct NextOptions {
    /// The revision to release (default `HEAD`).
    pub rev: String,
    /// Tag pattern with `{version}` (default `v{version}`).
    pub tag_pattern: String,
    /// The version scheme of the tags (default `auto`: see [`Scheme::Auto`]).
    pub scheme: Scheme,
    /// Only commits touching these paths count (one component of a monorepo).
    pub paths: Vec<String>,
    /// Only commits whose Conventional Commits scope names one of these
    /// count (`feat(api,web): x` counts for `api` and for `web`).
    pub scopes: Vec<String>,
    /// How `paths` and `scopes` combine; default: whichever is given, or
    /// either of them when both are.
    pub component_match: Option<ComponentMatch>,
    /// Pre-release channel (`rc`, `beta`): enter or continue a pre-release.
    /// Its base is the highest of the stable releases and this channel's
    /// pre-releases. Without it, the base is the last stable release.
    pub channel: Option<String>,
    /// A named preset; `policy` fields override it when given.
    pub preset: Preset,
    /// The bump rules; `None` uses the preset's.
    pub policy: Option<BumpPolicy>,
    /// release-please's `bump-minor-pre-major`, for any preset: before
    /// 1.0.0 a breaking change bumps the minor (default false).
    pub bump_minor_pre_major: bool,
    /// release-please's `bump-patch-for-minor-pre-major`, for any preset:
    /// before 1.0.0 a feature bumps the patch (default false).
    pub bump_patch_for_minor_pre_major: bool,
    /// Answer as of `rev`: only the tags reachable from it exist, so the
    /// next version is the one a release there would have got (a replay of
    /// history needs no tag deletion). Default false: the proposal is kept
    /// ahead of every tag, reachable or not.
    pub as_of: bool,
}

impl Default for NextOptions {
    fn default() -> Self {
        NextOptions {
            rev: "HEAD".into(),
            tag_pattern: DEFAULT_TAG_PATTERN.into(),
            scheme: Scheme::Auto,
            paths: Vec::new(),
            scopes: Vec::new(),
            component_match: None,
            channel: None,
            preset: Preset::Opskit,
            policy: None,
            bump_minor_pre_major: false,
            bump_patch_for_minor_pre_major: false,
            as_of: false,
        }
    }
}

impl NextOptions {
    /// The effective policy: `policy` if set, else the preset's, with the
    /// pre-1.0 options applied.
    pub fn effective_policy(&self) -> BumpPolicy {
        let mut policy = self
            .policy
            .clone()
            .unwrap_or_else(|| BumpPolicy::preset(self.preset));
        if self.bump_minor_pre_major {
            policy.zero_major_breaking = BumpLevel::Minor;
            policy.zero_zero_breaking = BumpLevel::Minor;
        }
        if self.bump_patch_for_minor_pre_major {
            policy.zero_major_feature = BumpLevel::Patch;
        }
        policy
    }
}

/// A commit that counted toward the next version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct DecidingCommit {
    /// The commit.
    #[serde(flatten)]
    pub commit: CommitEntry,
    /// The level it calls for at the current version, after the 0.x rules
    /// (`None` before the first release).
    #[serde(default)]
    pub bump: Option<BumpLevel>,
    /// What it means before the 0.x rules.
    ///
    /// @deprecated Read `bump`; `impact` goes in the next minor release.
    pub impact: Impact,
}

/// A commit that did not count, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct IgnoredCommit {
    /// The commit.
    #[serde(flatten)]
    pub commit: CommitEntry,
    /// Why it was ignored.
    pub reason: IgnoreReason,
}

/// The result of [`next_version`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct NextVersion {
    /// The current version: the highest release nearest to the revision.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub current: Option<AnyVersion>,
    /// Its tag.
    pub current_tag: Option<String>,
    /// The next version; `None` when nothing since the current release calls for one.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub next: Option<AnyVersion>,
    /// The tag the next release would get.
    pub next_tag: Option<String>,
    /// The level applied to the current version (after the 0.x rules).
    pub bump: Option<BumpLevel>,
    /// The strongest impact among the deciding commits, before the 0.x rules.
    ///
    /// @deprecated Read `bump`: it names the same decision as a level;
    /// `impact` goes in the next minor release.
    pub impact: Option<Impact>,
    /// The pre-release channel used, if any.
    pub channel: Option<String>,
    /// The version scheme the tags were read under (`auto` resolved).
    pub scheme: Scheme,
    /// Commits that counted, newest first.
    pub commits: Vec<DecidingCommit>,
    /// Commits that did not count, newest first, each with its reason.
    pub ignored: Vec<IgnoredCommit>,
    /// The repository is a shallow clone: history (and tags) may be missing.
    pub shallow: bool,
    /// Why the next version differs from a plain bump of the current one
    /// (raised above a release already reachable, or past an existing tag).
    pub notes: Vec<String>,
}

/// The commits reachable from `head` but not from `base`, newest first,
/// only those the component filter selects.
pub(crate) fn commits_since(
    repo: &Repository,
    head: Oid,
    base: Option<Oid>,
    filter: &ComponentFilter,
) -> Result<Vec<CommitEntry>> {
    let err = |e| Error::git("cannot walk history", e);
    let mut walk = repo.revwalk().map_err(err)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
        .map_err(err)?;
    walk.push(head).map_err(err)?;
    if let Some(b) = base {
        walk.hide(b).map_err(err)?;
    }
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid.map_err(err)?;
        let c = repo
            .find_commit(oid)
            .map_err(|e| Error::git(format!("cannot read commit {oid}"), e))?;
        let entry = CommitEntry::from_commit(&c);
        if filter.selects(&c, &entry)? {
            out.push(entry);
        }
    }
    Ok(out)
}

/// Compute the next version of the repository at `path`.
///
/// The base is the highest release among the nearest release tags of the
/// line reachable from `options.rev` (stable releases, plus the channel's
/// pre-releases when a channel is given; never the newest tag by date), the
/// commits are those reachable from the rev but not from the base, and the
/// policy decides the level. The result is then kept ahead of every
/// reachable release and never names an existing tag (see `notes`).
pub fn next_version(path: &Path, options: &NextOptions) -> Result<NextVersion> {
    next_version_and_base(path, options).map(|(next, _)| next)
}

/// [`next_version`] and the base release it started from, in one pass.
pub(crate) fn next_version_and_base(
    path: &Path,
    options: &NextOptions,
) -> Result<(NextVersion, Option<super::git::Release>)> {
    let policy = options.effective_policy();
    policy.validate()?;
    if let Some(ch) = &options.channel {
        validate_channel(ch)?;
    }
    let pattern = TagPattern::new(&options.tag_pattern)?;
    let filter = ComponentFilter::new(&options.paths, &options.scopes, options.component_match)?;
    let repo = open_repo(path)?;
    let (pattern, unread) = resolve_pattern(&repo, pattern, options.scheme)?;
    if let (Scheme::Pep440, Some(ch)) = (pattern.scheme(), &options.channel) {
        super::pep440::Pep440Phase::parse(ch)?;
    }
    let head = resolve_commit(&repo, &options.rev)?.id();
    let mut releases = tagged_releases(&repo, &pattern)?;
    if options.as_of {
        let reachable = reachable_set(&repo, head)?;
        releases.retain(|r| reachable.contains(&r.oid));
    }
    let channel = options.channel.as_deref();
    let base = base_release(&repo, head, &releases, Line::of(channel))?;
    let entries = commits_since(&repo, head, base.map(|b| b.oid), &filter)?;
    let mut next = decide(
        entries,
        base.map(|b| &b.release),
        &pattern,
        &policy,
        channel,
        repo.is_shallow(),
    )?;
    if let Some(note) = unread_note(&unread, pattern.scheme()) {
        next.notes.push(note);
    }
    if let (Some(v), Some(impact)) = (next.next.clone(), next.impact) {
        let mut reach = Reachability::new(&repo, head);
        let v = keep_ahead(
            v,
            impact,
            &policy,
            channel,
            &releases,
            &mut reach,
            &mut next.notes,
        )?;
        next.next_tag = Some(pattern.format(&v));
        next.next = Some(v);
    }
    Ok((next, base.map(|b| b.release.clone())))
}

/// Keep a proposed version `next` ahead of history: above every reachable
/// release of its line, at least the target of every reachable pre-release
/// of another channel (a stable proposal promotes it), and never the version
/// of an existing tag (a pre-release continues after the highest number of
/// its channel). Every change is explained in `notes`.
fn keep_ahead(
    mut next: AnyVersion,
    impact: Impact,
    policy: &BumpPolicy,
    channel: Option<&str>,
    releases: &[TaggedRelease],
    reach: &mut Reachability<'_>,
    notes: &mut Vec<String>,
) -> Result<AnyVersion> {
    // Each round only raises `next`, and a release can raise it at most once.
    for _ in 0..=releases.len() {
        let mut floor: Option<&TaggedRelease> = None;
        for r in releases.iter().rev() {
            let v = &r.release.version;
            let relevant = match channel {
                // A stable proposal must pass every reachable release.
                None => v.cmp_precedence(&next).is_ge(),
                // A pre-release must pass its line, and reach the target of
                // other channels' pre-releases.
                Some(ch) => {
                    if Line::Channel(ch).contains(v) {
                        v.cmp_precedence(&next).is_ge()
                    } else {
                        v.core().cmp_precedence(&next.core()).is_gt()
                    }
                }
            };
            if relevant && reach.reaches(r.oid)? {
                floor = Some(r);
                break;
            }
        }
        let Some(f) = floor else { break };
        let fv = &f.release.version;
        let raised = match channel {
            None if fv.is_prerelease() => fv.core(),
            None => fv.bump(policy.level(fv, impact), None)?,
            Some(ch) if Line::Channel(ch).contains(fv) => {
                fv.bump_on_channel(policy.level(fv, impact), ch)?
            }
            Some(ch) => fv.first_on_channel(ch)?,
        };
        notes.push(format!(
            "{} is reachable and not below {next}: raised to {raised}",
            f.release.tag
        ));
        next = raised;
    }
    // Never the version of an existing tag, reachable or not.
    for _ in 0..=releases.len() {
        let taken = releases.iter().rev().find(|r| {
            let v = &r.release.version;
            match channel {
                Some(ch) if next.is_prerelease() => {
                    v.core().cmp_precedence(&next.core()).is_eq()
                        && Line::Channel(ch).contains(v)
                        && v.is_prerelease()
                        && v.cmp_precedence(&next).is_ge()
                }
                _ => v.cmp_precedence(&next).is_eq(),
            }
        });
        let Some(t) = taken else { break };
        let tv = &t.release.version;
        let moved = if next.is_prerelease() {
            tv.bump(BumpLevel::Prerelease, channel)?
        } else {
            tv.bump(policy.level(tv, impact), None)?
        };
        notes.push(format!(
            "tag {} already exists (not reachable from here): moved on to {moved}",
            t.release.tag
        ));
        next = moved;
    }
    Ok(next)
}

/// A note naming the tags the scheme in use cannot read although the other
/// scheme can (`v1.0.0b1` is no SemVer release), with the option to read them.
pub(crate) fn unread_note(unread: &[String], scheme: Scheme) -> Option<String> {
    let first = unread.first()?;
    let (other, flag) = match scheme {
        Scheme::Pep440 => ("SemVer", "semver"),
        _ => ("PEP 440", "pep440"),
    };
    Some(format!(
        "{} tag(s) such as {first} are {other} versions, not {scheme}: they are not read as releases; to read them, use the scheme {flag}",
        unread.len()
    ))
}

fn decide(
    entries: Vec<CommitEntry>,
    base: Option<&super::git::Release>,
    pattern: &TagPattern,
    policy: &BumpPolicy,
    channel: Option<&str>,
    shallow: bool,
) -> Result<NextVersion> {
    let cancelled = if policy.pair_reverts {
        cancelled_pairs(&entries, policy.pair_reverts_by_header)
    } else {
        HashSet::new()
    };
    let mut commits = Vec::new();
    let mut ignored = Vec::new();
    for e in entries {
        match classify(&e, policy, &cancelled) {
            Ok(impact) => commits.push(DecidingCommit {
                commit: e,
                bump: None,
                impact,
            }),
            Err(reason) => ignored.push(IgnoredCommit { commit: e, reason }),
        }
    }
    let impact = commits.iter().map(|c| c.impact).max();
    let current = base.map(|b| b.version.clone());
    if let Some(cur) = &current {
        for c in &mut commits {
            c.bump = Some(policy.level(cur, c.impact));
        }
    }
    let (next, bump_level) = match (&current, impact) {
        (_, None) => (None, None),
        (None, Some(_)) => {
            let initial = AnyVersion::from_semver(&policy.initial_version, pattern.scheme())?;
            let v = match channel {
                Some(ch) => initial.first_on_channel(ch)?,
                None => initial,
            };
            (Some(v), None)
        }
        (Some(cur), Some(impact)) => {
            let level = policy.level(cur, impact);
            let v = match channel {
                Some(ch) => cur.bump_on_channel(level, ch)?,
                None => cur.bump(level, None)?,
            };
            (Some(v), Some(level))
        }
    };
    Ok(NextVersion {
        current_tag: base.map(|b| b.tag.clone()),
        current,
        next_tag: next.as_ref().map(|v| pattern.format(v)),
        next,
        bump: bump_level,
        impact,
        channel: channel.map(str::to_string),
        scheme: pattern.scheme(),
        commits,
        ignored,
        shallow,
        notes: Vec::new(),
    })
}

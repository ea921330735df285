//! The next version from git history: the bump policy as data, named presets
//! that reproduce other tools, and the computation itself.

use std::collections::HashSet;
use std::path::Path;

use ::semver::Version;
use git2::{Oid, Repository, Sort};
use serde::{Deserialize, Serialize};

use super::commit::Leniency;
use super::git::{
    CommitEntry, DEFAULT_TAG_PATTERN, Line, Reachability, TagPattern, TaggedRelease, base_release,
    normalize_paths, open_repo, resolve_commit, tagged_releases, touches,
};
use super::semver::{BumpLevel, bump, bump_on_channel, validate_channel};
use crate::error::{Error, Result};

/// What a commit means for the version, before the 0.x rules map it to a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// A bug fix or other patch-level change.
    Fix,
    /// A new feature.
    Feature,
    /// A breaking change.
    Breaking,
}

/// Named bump policies that reproduce other tools' defaults (see the README's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// opskit's own: Cargo's 0.x rules, other types and non-conventional commits don't release.
    #[default]
    Opskit,
    /// semantic-release with the conventionalcommits preset.
    SemanticRelease,
    /// git-cliff 2.14 with its default configuration.
    GitCliff,
    /// release-plz (the `next_version` crate).
    ReleasePlz,
    /// commitizen (`cz bump`, semver scheme).
    Commitizen,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 5] = [
        Preset::Opskit,
        Preset::SemanticRelease,
        Preset::GitCliff,
        Preset::ReleasePlz,
        Preset::Commitizen,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Opskit => "opskit",
            Preset::SemanticRelease => "semantic-release",
            Preset::GitCliff => "git-cliff",
            Preset::ReleasePlz => "release-plz",
            Preset::Commitizen => "commitizen",
        }
    }
}

impl Impact {
    /// The lowercase name (`"fix"`, `"feature"`, `"breaking"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Fix => "fix",
            Impact::Feature => "feature",
            Impact::Breaking => "breaking",
        }
    }
}

impl std::fmt::Display for Impact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown preset {s:?}; use one of opskit, semantic-release, git-cliff, release-plz, commitizen"
                ))
            })
    }
}

/// The bump rules, as data. [`BumpPolicy::default`] is the `opskit` preset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct BumpPolicy {
    /// Conventional types that are features (default `feat`).
    pub minor_types: Vec<String>,
    /// Conventional types that are fixes (default `fix`, `perf`).
    pub patch_types: Vec<String>,
    /// Types that never release, even when `other_types` would (e.g. `chore`, `ci`, `docs`).
    pub no_bump_types: Vec<String>,
    /// What any other conventional type does (default: no release).
    pub other_types: Option<Impact>,
    /// What a non-conventional commit does (default: ignored, but reported).
    pub non_conventional: Option<Impact>,
    /// What a revert does when the commit it reverts is not in range (default: fix).
    pub revert: Option<Impact>,
    /// A revert and the commit it reverts, both in range, cancel out (default true).
    pub pair_reverts: bool,
    /// Read `type!(scope):` as a breaking `type(scope)!:` (default true, as
    /// release-please does); when false such a commit is non-conventional.
    pub lenient_bang_before_scope: bool,
    /// A `BREAKING CHANGE:` footer makes a commit breaking even under a
    /// subject that is not conventional (default true, as semantic-release
    /// and commitizen read it).
    pub lenient_breaking_footer: bool,
    /// Pair a revert only when the header it quotes also equals the reverted
    /// commit's subject, not just the id (semantic-release's rule: a squash
    /// merge's `Revert "x" (#12)` of `x (#11)` does not pair). Default false.
    pub pair_reverts_by_header: bool,
    /// Skip merge commits (default true).
    pub skip_merges: bool,
    /// Skip `fixup!`, `squash!` and `amend!` commits (default true).
    pub skip_fixups: bool,
    /// Level of a breaking change at `0.y.z`, y > 0 (default minor).
    pub zero_major_breaking: BumpLevel,
    /// Level of a feature at `0.y.z` (default patch).
    pub zero_major_feature: BumpLevel,
    /// Level of a breaking change at `0.0.z` (default patch).
    pub zero_zero_breaking: BumpLevel,
    /// The version of the first release when no release tag exists (default `0.1.0`).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub initial_version: Version,
}

fn types(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for BumpPolicy {
    fn default() -> Self {
        BumpPolicy::preset(Preset::Opskit)
    }
}

impl BumpPolicy {
    /// The policy of a named preset.
    pub fn preset(preset: Preset) -> Self {
        let base = BumpPolicy {
            minor_types: types(&["feat"]),
            patch_types: types(&["fix", "perf"]),
            no_bump_types: Vec::new(),
            other_types: None,
            non_conventional: None,
            revert: Some(Impact::Fix),
            pair_reverts: true,
            lenient_bang_before_scope: true,
            lenient_breaking_footer: true,
            pair_reverts_by_header: false,
            skip_merges: true,
            skip_fixups: true,
            zero_major_breaking: BumpLevel::Minor,
            zero_major_feature: BumpLevel::Patch,
            zero_zero_breaking: BumpLevel::Patch,
            initial_version: Version::new(0, 1, 0),
        };
        match preset {
            Preset::Opskit => base,
            Preset::SemanticRelease => BumpPolicy {
                pair_reverts_by_header: true,
                lenient_bang_before_scope: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                initial_version: Version::new(1, 0, 0),
                ..base
            },
            Preset::GitCliff => BumpPolicy {
                lenient_bang_before_scope: false,
                lenient_breaking_footer: false,
                patch_types: Vec::new(),
                other_types: Some(Impact::Fix),
                revert: None,
                pair_reverts: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                ..base
            },
            Preset::ReleasePlz => BumpPolicy {
                lenient_bang_before_scope: false,
                lenient_breaking_footer: false,
                patch_types: Vec::new(),
                other_types: Some(Impact::Fix),
                non_conventional: Some(Impact::Fix),
                revert: None,
                pair_reverts: false,
                skip_merges: false,
                skip_fixups: false,
                ..base
            },
            Preset::Commitizen => BumpPolicy {
                lenient_bang_before_scope: false,
                patch_types: types(&["fix", "refactor", "perf"]),
                revert: None,
                pair_reverts: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                ..base
            },
        }
    }

    fn validate(&self) -> Result<()> {
        for (name, level) in [
            ("zero_major_breaking", self.zero_major_breaking),
            ("zero_major_feature", self.zero_major_feature),
            ("zero_zero_breaking", self.zero_zero_breaking),
        ] {
            if !matches!(
                level,
                BumpLevel::Major | BumpLevel::Minor | BumpLevel::Patch
            ) {
                return Err(Error::invalid(format!(
                    "bump policy {name} is {level}; use major, minor or patch"
                )));
            }
        }
        if !self.initial_version.build.is_empty() {
            return Err(Error::invalid(
                "bump policy initial_version must not carry build metadata",
            ));
        }
        Ok(())
    }

    /// The version level of `impact` at version `current`, with the 0.x rules.
    pub fn level(&self, current: &Version, impact: Impact) -> BumpLevel {
        match (current.major, current.minor, impact) {
            (0, 0, Impact::Breaking) => self.zero_zero_breaking,
            (0, _, Impact::Breaking) => self.zero_major_breaking,
            (0, _, Impact::Feature) => self.zero_major_feature,
            (_, _, Impact::Breaking) => BumpLevel::Major,
            (_, _, Impact::Feature) => BumpLevel::Minor,
            (_, _, Impact::Fix) => BumpLevel::Patch,
        }
    }

    /// Does the policy read `e` as a Conventional Commit? (A `type!(scope):`
    /// subject is one only with `lenient_bang_before_scope`.)
    pub(crate) fn reads_as_conventional(&self, e: &CommitEntry) -> bool {
        self.lenient_bang_before_scope || !e.lenient.contains(&Leniency::BangBeforeScope)
    }

    /// Does the policy read `e` as a breaking change?
    pub(crate) fn reads_as_breaking(&self, e: &CommitEntry) -> bool {
        e.breaking
            && self.reads_as_conventional(e)
            && (e.conventional || self.lenient_breaking_footer)
    }

    fn type_impact(&self, kind: &str) -> std::result::Result<Impact, IgnoreReason> {
        let has = |list: &[String]| list.iter().any(|t| t.eq_ignore_ascii_case(kind));
        if has(&self.no_bump_types) {
            Err(IgnoreReason::NoReleaseType)
        } else if has(&self.minor_types) {
            Ok(Impact::Feature)
        } else if has(&self.patch_types) {
            Ok(Impact::Fix)
        } else {
            self.other_types.ok_or(IgnoreReason::NoReleaseType)
        }
    }
}

/// Why a commit did not count toward the next version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// A merge commit.
    Merge,
    /// A `fixup!`/`squash!`/`amend!` commit.
    Fixup,
    /// Reverted by a later commit in the same range.
    Reverted,
    /// A revert whose target is in the same range: the pair cancels out.
    RevertPair,
    /// Not a Conventional Commit.
    NonConventional,
    /// A conventional type that does not trigger a release (`chore`, `docs`, ...).
    NoReleaseType,
}

impl IgnoreReason {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreReason::Merge => "merge",
            IgnoreReason::Fixup => "fixup",
            IgnoreReason::Reverted => "reverted",
            IgnoreReason::RevertPair => "revert_pair",
            IgnoreReason::NonConventional => "non_conventional",
            IgnoreReason::NoReleaseType => "no_release_type",
        }
    }
}

impl std::fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classify one commit under `policy`; `reverted` holds the ids reverted
/// inside the range, `paired` the reverts whose target is in range.
pub(crate) fn classify(
    e: &CommitEntry,
    policy: &BumpPolicy,
    cancelled: &HashSet<String>,
) -> std::result::Result<Impact, IgnoreReason> {
    if e.merge && policy.skip_merges {
        return Err(IgnoreReason::Merge);
    }
    if e.fixup && policy.skip_fixups {
        return Err(IgnoreReason::Fixup);
    }
    if policy.pair_reverts && cancelled.contains(&e.id) {
        return Err(if e.revert {
            IgnoreReason::RevertPair
        } else {
            IgnoreReason::Reverted
        });
    }
    if !policy.reads_as_conventional(e) {
        return policy.non_conventional.ok_or(IgnoreReason::NonConventional);
    }
    if policy.reads_as_breaking(e) {
        return Ok(Impact::Breaking);
    }
    if let (true, Some(i)) = (e.revert, policy.revert) {
        return Ok(i);
    }
    match &e.kind {
        Some(kind) => policy.type_impact(kind),
        None => policy.non_conventional.ok_or(IgnoreReason::NonConventional),
    }
}

/// The header a revert quotes: `Revert "x"` → `x`, `revert: x` → `x`
/// (one pair of surrounding quotes dropped). `None` for other commits.
fn reverted_header(e: &CommitEntry) -> Option<&str> {
    let quoted = if e.kind.as_deref() == Some("revert") {
        e.description.trim()
    } else {
        e.subject
            .strip_prefix("Revert ")
            .or_else(|| e.subject.strip_prefix("revert "))?
            .trim()
    };
    let inner = quoted.strip_prefix('"').unwrap_or(quoted);
    Some(if inner.len() < quoted.len() {
        inner.strip_suffix('"').unwrap_or(inner)
    } else {
        quoted
    })
}

/// The ids of commits that cancel out: each revert whose target is in the
/// range, and that target. Matching is by id prefix (`This reverts commit
/// df012f3`), and also by the quoted header when `by_header` is set.
pub(crate) fn cancelled_pairs(entries: &[CommitEntry], by_header: bool) -> HashSet<String> {
    let mut out = HashSet::new();
    for r in entries.iter().filter(|e| e.revert) {
        let Some(target) = &r.reverts else { continue };
        let header = reverted_header(r);
        if let Some(t) = entries.iter().find(|e| {
            e.id != r.id
                && e.id.starts_with(target.as_str())
                && !out.contains(&e.id)
                && (!by_header || header.is_some_and(|h| h.trim() == e.subject.trim()))
        }) {
            out.insert(t.id.clone());
            out.insert(r.id.clone());
        }
    }
    out
}

/// How a monorepo component picks its commits (see [`NextOptions::paths`]
/// and [`NextOptions::scopes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ComponentMatch {
    /// Commits that change a file under one of the paths.
    Paths,
    /// Commits whose Conventional Commits scope names the component
    /// (`feat(api,web): x` names `api` and `web`).
    Scopes,
    /// Commits selected by the paths or by the scopes.
    Either,
    /// Commits selected by the paths and by the scopes.
    Both,
}

/// The commits of one component: by paths, by scopes or by both.
pub(crate) struct ComponentFilter {
    paths: Vec<std::path::PathBuf>,
    scopes: Vec<String>,
    mode: Option<ComponentMatch>,
}

impl ComponentFilter {
    /// Validate and resolve the options: without an explicit mode, the one
    /// kind of filter given, or `Either` when both are.
    pub(crate) fn new(
        paths: &[String],
        scopes: &[String],
        mode: Option<ComponentMatch>,
    ) -> Result<Self> {
        let paths = normalize_paths(paths)?;
        if let Some(s) = scopes
            .iter()
            .find(|s| s.trim().is_empty() || s.contains(','))
        {
            return Err(Error::invalid(format!(
                "component scope {s:?} must be one non-empty name without commas, e.g. \"api\""
            )));
        }
        let scopes: Vec<String> = scopes.iter().map(|s| s.trim().to_string()).collect();
        let mode = match (mode, paths.is_empty(), scopes.is_empty()) {
            (Some(m), no_paths, no_scopes) => {
                let needs_paths = matches!(
                    m,
                    ComponentMatch::Paths | ComponentMatch::Either | ComponentMatch::Both
                );
                let needs_scopes = matches!(
                    m,
                    ComponentMatch::Scopes | ComponentMatch::Either | ComponentMatch::Both
                );
                if (needs_paths && no_paths && m != ComponentMatch::Either)
                    || (needs_scopes && no_scopes && m != ComponentMatch::Either)
                    || (m == ComponentMatch::Either && no_paths && no_scopes)
                {
                    return Err(Error::invalid(format!(
                        "component_match {m:?} needs {}: give the component's paths and/or scopes",
                        match m {
                            ComponentMatch::Paths => "paths",
                            ComponentMatch::Scopes => "scopes",
                            _ => "paths and scopes",
                        }
                    )));
                }
                Some(m)
            }
            (None, true, true) => None,
            (None, false, true) => Some(ComponentMatch::Paths),
            (None, true, false) => Some(ComponentMatch::Scopes),
            (None, false, false) => Some(ComponentMatch::Either),
        };
        Ok(ComponentFilter {
            paths,
            scopes,
            mode,
        })
    }

    fn scoped(&self, e: &CommitEntry) -> bool {
        e.scope.as_deref().is_some_and(|s| {
            s.split(',').any(|one| {
                self.scopes
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(one.trim()))
            })
        })
    }

    /// Does the component take commit `c` (parsed as `e`)?
    pub(crate) fn selects(&self, c: &git2::Commit<'_>, e: &CommitEntry) -> Result<bool> {
        Ok(match self.mode {
            None => true,
            Some(ComponentMatch::Paths) => touches(c, &self.paths)?,
            Some(ComponentMatch::Scopes) => self.scoped(e),
            Some(ComponentMatch::Either) => {
                self.scoped(e) || (!self.paths.is_empty() && touches(c, &self.paths)?)
            }
            Some(ComponentMatch::Both) => self.scoped(e) && touches(c, &self.paths)?,
        })
    }
}

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
}

impl Default for NextOptions {
    fn default() -> Self {
        NextOptions {
            rev: "HEAD".into(),
            tag_pattern: DEFAULT_TAG_PATTERN.into(),
            paths: Vec::new(),
            scopes: Vec::new(),
            component_match: None,
            channel: None,
            preset: Preset::Opskit,
            policy: None,
        }
    }
}

impl NextOptions {
    /// The effective policy: `policy` if set, else the preset's.
    pub fn effective_policy(&self) -> BumpPolicy {
        self.policy
            .clone()
            .unwrap_or_else(|| BumpPolicy::preset(self.preset))
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
    /// What it means for the version.
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
    pub current: Option<Version>,
    /// Its tag.
    pub current_tag: Option<String>,
    /// The next version; `None` when nothing since the current release calls for one.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub next: Option<Version>,
    /// The tag the next release would get.
    pub next_tag: Option<String>,
    /// The level applied to the current version (after the 0.x rules).
    pub bump: Option<BumpLevel>,
    /// The strongest impact among the deciding commits.
    pub impact: Option<Impact>,
    /// The pre-release channel used, if any.
    pub channel: Option<String>,
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
    let head = resolve_commit(&repo, &options.rev)?.id();
    let releases = tagged_releases(&repo, &pattern)?;
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

fn core_of(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

/// The first pre-release of `v`'s `major.minor.patch` on `channel` (`ch.1`).
fn first_on_channel(v: &Version, channel: &str) -> Result<Version> {
    let mut out = core_of(v);
    out.pre = ::semver::Prerelease::new(&format!("{channel}.1"))
        .map_err(|e| Error::invalid(format!("invalid channel {channel:?}: {e}")))?;
    Ok(out)
}

/// Keep a proposed version `next` ahead of history: above every reachable
/// release of its line, at least the target of every reachable pre-release
/// of another channel (a stable proposal promotes it), and never the version
/// of an existing tag (a pre-release continues after the highest number of
/// its channel). Every change is explained in `notes`.
fn keep_ahead(
    mut next: Version,
    impact: Impact,
    policy: &BumpPolicy,
    channel: Option<&str>,
    releases: &[TaggedRelease],
    reach: &mut Reachability<'_>,
    notes: &mut Vec<String>,
) -> Result<Version> {
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
                        core_of(v) > core_of(&next)
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
            None if !fv.pre.is_empty() => core_of(fv),
            None => bump(fv, policy.level(fv, impact), None)?,
            Some(ch) if Line::Channel(ch).contains(fv) => {
                bump_on_channel(fv, policy.level(fv, impact), ch)?
            }
            Some(ch) => first_on_channel(fv, ch)?,
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
                Some(ch) if !next.pre.is_empty() => {
                    core_of(v) == core_of(&next)
                        && Line::Channel(ch).contains(v)
                        && !v.pre.is_empty()
                        && v.cmp_precedence(&next).is_ge()
                }
                _ => v.cmp_precedence(&next).is_eq(),
            }
        });
        let Some(t) = taken else { break };
        let tv = &t.release.version;
        let moved = if next.pre.is_empty() {
            bump(tv, policy.level(tv, impact), None)?
        } else {
            bump(tv, BumpLevel::Prerelease, channel)?
        };
        notes.push(format!(
            "tag {} already exists (not reachable from here): moved on to {moved}",
            t.release.tag
        ));
        next = moved;
    }
    Ok(next)
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
            Ok(impact) => commits.push(DecidingCommit { commit: e, impact }),
            Err(reason) => ignored.push(IgnoredCommit { commit: e, reason }),
        }
    }
    let impact = commits.iter().map(|c| c.impact).max();
    let current = base.map(|b| b.version.clone());
    let (next, bump_level) = match (&current, impact) {
        (_, None) => (None, None),
        (None, Some(_)) => {
            let v = match channel {
                Some(ch) => first_on_channel(&policy.initial_version, ch)?,
                None => policy.initial_version.clone(),
            };
            (Some(v), None)
        }
        (Some(cur), Some(impact)) => {
            let level = policy.level(cur, impact);
            let v = match channel {
                Some(ch) => bump_on_channel(cur, level, ch)?,
                None => bump(cur, level, None)?,
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
        commits,
        ignored,
        shallow,
        notes: Vec::new(),
    })
}

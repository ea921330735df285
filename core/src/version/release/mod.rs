//! Carry out a release, as `cz bump` or release-plz do: the next version
//! from the commits, its section prepended to CHANGELOG.md, the version
//! bumped in the files a policy names, one commit and an annotated tag.
//!
//! Everything is computed in memory first; files are written atomically,
//! and the commit and tag are made only after every file is written. A dry
//! run reports the same plan and touches nothing.

use std::path::{Path, PathBuf};

use ::semver::Version;

use super::scheme::{AnyVersion, Scheme};
use serde::{Deserialize, Serialize};

use super::branch::{BranchPolicy, check_branch};
use super::changelog::{
    ChangelogOptions, ChangelogRange, GroupRule, changelog, default_groups, render_release,
};
use super::git::{DEFAULT_TAG_PATTERN, open_repo};
use super::next::{BumpPolicy, ComponentMatch, NextOptions, Preset, next_version};
use crate::error::{Error, Result};

mod commit;
mod files;

#[cfg(fuzzing)]
pub use self::files::fuzzing;

use self::commit::{commit_and_tag, current_branch, identities, refuse_dirty};
use self::files::{plan_changelog, plan_version_file};

/// How a version file is read and edited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum VersionFileKind {
    /// By file name: `Cargo.toml`, `package.json`, `pyproject.toml`.
    #[default]
    Auto,
    /// `package.version`, else `workspace.package.version`; the `Cargo.lock`
    /// beside it follows (its path packages at the old version).
    Cargo,
    /// The top-level `version`; the `package-lock.json` beside it follows
    /// (its root `version` and `packages[""].version`).
    Npm,
    /// `project.version` (PEP 621), else `tool.poetry.version`.
    Pyproject,
    /// Every match of `pattern`; its group named `version` (or group 1) is the version.
    Regex,
}

/// A file that holds the project's version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(deny_unknown_fields)]
pub struct VersionFile {
    /// Relative to the repository's work tree.
    pub path: String,
    /// How to read and edit it (default: by its name).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<VersionFileKind>", optional))]
    pub kind: VersionFileKind,
    /// For `regex`: e.g. `VERSION = "(?P<version>[^"]+)"`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub pattern: Option<String>,
}

/// Options of [`cut_release`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct CutReleaseOptions {
    /// Report every change and write nothing.
    pub dry_run: bool,
    /// Tag pattern with `{version}` (default `v{version}`; `api-v{version}`
    /// for one component of a monorepo).
    pub tag_pattern: String,
    /// The version scheme (default `auto`, as in [`NextOptions`]).
    pub scheme: Scheme,
    /// Only commits touching these paths count (one component).
    pub paths: Vec<String>,
    /// Only commits whose Conventional Commits scope names one of these count.
    pub scopes: Vec<String>,
    /// How `paths` and `scopes` combine (as in [`NextOptions`]).
    pub component_match: Option<ComponentMatch>,
    /// Pre-release channel (`rc`, `beta`).
    pub channel: Option<String>,
    /// Bump rules by name; `policy` overrides.
    pub preset: Preset,
    /// The bump rules; `None` uses the preset's.
    pub policy: Option<BumpPolicy>,
    /// The changelog to prepend to, relative to the work tree (default
    /// `CHANGELOG.md`; `None` leaves changelogs alone).
    pub changelog_file: Option<String>,
    /// The changelog's sections.
    pub groups: Vec<GroupRule>,
    /// Files whose version field is bumped.
    pub files: Vec<VersionFile>,
    /// When `files` is empty, find the version files at the work tree's
    /// root (`Cargo.toml` with a package or workspace version,
    /// `package.json` and its lockfile, `pyproject.toml` with a static
    /// `project` or `tool.poetry` version) and bump those whose version is
    /// the current release; the others are reported in `skipped_files`.
    /// Default true; false bumps no version file unless `files` names it.
    pub detect_files: bool,
    /// Branches a release may be made from.
    pub branches: BranchPolicy,
    /// The release commit's message; `{version}` and `{tag}` are replaced.
    pub commit_message: String,
    /// The release date `YYYY-MM-DD` in the changelog (default today, UTC).
    pub date: Option<String>,
}

impl Default for CutReleaseOptions {
    fn default() -> Self {
        CutReleaseOptions {
            dry_run: false,
            tag_pattern: DEFAULT_TAG_PATTERN.into(),
            scheme: Scheme::Auto,
            paths: Vec::new(),
            scopes: Vec::new(),
            component_match: None,
            channel: None,
            preset: Preset::Opskit,
            policy: None,
            changelog_file: Some("CHANGELOG.md".into()),
            groups: default_groups(),
            files: Vec::new(),
            detect_files: true,
            branches: BranchPolicy {
                allowed: ["main", "master", "release/*", "hotfix/*"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            commit_message: "chore(release): {version}".into(),
            date: None,
        }
    }
}

impl CutReleaseOptions {
    /// Read a release policy (TOML, the option names as keys, `[[files]]`
    /// tables for version files; unknown keys are errors naming them).
    pub fn from_toml(text: &str) -> Result<CutReleaseOptions> {
        crate::limits::check_policy("the release policy", text)?;
        toml::from_str(text).map_err(|e| Error::toml("release policy", text, &e))
    }

    /// Read a release policy file.
    pub fn read(path: &Path) -> Result<CutReleaseOptions> {
        let text = crate::fsutil::read_text_capped(
            path,
            crate::limits::MAX_POLICY_BYTES as u64,
            "release policy",
        )?;
        CutReleaseOptions::from_toml(&text)
            .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
    }

    /// The options of the next version this release computes (from HEAD).
    fn next_options(&self) -> NextOptions {
        NextOptions {
            rev: "HEAD".into(),
            tag_pattern: self.tag_pattern.clone(),
            scheme: self.scheme,
            paths: self.paths.clone(),
            scopes: self.scopes.clone(),
            component_match: self.component_match,
            channel: self.channel.clone(),
            preset: self.preset,
            policy: self.policy.clone(),
            ..NextOptions::default()
        }
    }

    /// The options of its changelog section: the unreleased commits of the
    /// same component and channel, grouped by the same policy.
    fn changelog_options(&self) -> ChangelogOptions {
        ChangelogOptions {
            rev: "HEAD".into(),
            tag_pattern: self.tag_pattern.clone(),
            scheme: self.scheme,
            paths: self.paths.clone(),
            scopes: self.scopes.clone(),
            component_match: self.component_match,
            range: ChangelogRange::Unreleased,
            channel: self.channel.clone(),
            groups: self.groups.clone(),
            policy: self.next_options().effective_policy(),
            ..ChangelogOptions::default()
        }
    }

    /// The policy of the repository at `path`: its `release.toml` at the
    /// work tree's root when there is one (and that file's path), else the
    /// defaults.
    pub fn for_repository(path: &Path) -> Result<(CutReleaseOptions, Option<PathBuf>)> {
        let repo = open_repo(path)?;
        let file = repo.workdir().map(|w| w.join("release.toml"));
        match file.filter(|f| f.is_file()) {
            Some(f) => Ok((CutReleaseOptions::read(&f)?, Some(f))),
            None => Ok((CutReleaseOptions::default(), None)),
        }
    }
}

/// One file a release writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct FileChange {
    /// Relative to the work tree.
    pub path: String,
    /// `changelog`, `cargo`, `cargo-lock`, `npm`, `npm-lock`, `pyproject` or `regex`.
    pub kind: String,
    /// The file did not exist and is created.
    pub created: bool,
    /// The version it held (none for a changelog).
    pub old_version: Option<String>,
    /// The version it gets (none for a changelog).
    pub new_version: Option<String>,
}

/// A version file a release found and did not bump.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct SkippedFile {
    /// Relative to the work tree.
    pub path: String,
    /// The version it says, when it says one.
    pub version: Option<String>,
    /// Why it was left alone, and how to have it bumped.
    pub reason: String,
}

/// What [`cut_release`] did, or would do on a dry run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct CutRelease {
    /// The new version.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub version: AnyVersion,
    /// Its tag.
    pub tag: String,
    /// The release before it.
    pub previous_tag: Option<String>,
    /// The branch released from.
    pub branch: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// The changelog section (Keep a Changelog markdown).
    pub section: String,
    /// How many commits the release holds.
    pub commits: usize,
    /// The files written (or that would be).
    pub files: Vec<FileChange>,
    /// Version files found at the root but left alone, and why (a version
    /// other than the current release's, none, or no release yet).
    #[serde(default)]
    pub skipped_files: Vec<SkippedFile>,
    /// The release commit; `None` on a dry run.
    pub commit: Option<String>,
}

/// A file's new text, planned before anything is written.
pub(super) struct Planned {
    change: FileChange,
    abs: PathBuf,
    text: String,
}

/// Release the repository at `path` (see the module documentation).
///
/// Refuses, with nothing written, on a bare repository, a detached HEAD, a
/// branch outside `branches`, uncommitted changes to tracked files, no
/// commits since the last release that call for one, an existing tag, or a
/// version file that disagrees with the current release.
pub fn cut_release(path: &Path, options: &CutReleaseOptions) -> Result<CutRelease> {
    let repo = open_repo(path)?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| {
            Error::invalid(format!(
                "{} is a bare repository: release from a clone with a work tree",
                path.display()
            ))
        })?
        .to_path_buf();
    let branch = current_branch(&repo)?;
    let check = check_branch(&branch, &options.branches)?;
    if !check.valid {
        return Err(Error::invalid(format!(
            "branch {branch:?} may not be released from ({}): check out one of {:?}, or add it to the release's branches",
            check.reason.unwrap_or_default(),
            options.branches.allowed
        )));
    }
    refuse_dirty(&repo)?;
    // Who commits and tags: checked before anything is written (and in a
    // dry run), so a missing identity never leaves a half-made release.
    let (author, committer) = identities(&repo)?;

    let next = next_version(path, &options.next_options())?;
    let (Some(version), Some(tag)) = (next.next.clone(), next.next_tag.clone()) else {
        return Err(Error::invalid(match &next.current_tag {
            Some(t) => format!(
                "nothing to release: no commit since {t} calls for a new version (feat, fix or a breaking change): commit one first"
            ),
            None => "nothing to release: no commit calls for a version yet".into(),
        }));
    };
    if repo.refname_to_id(&format!("refs/tags/{tag}")).is_ok() {
        return Err(Error::invalid(format!(
            "tag {tag} already exists: delete it (git tag -d {tag}) if it is wrong, or release from a commit after it"
        )));
    }

    let log = changelog(path, &options.changelog_options())?;
    let mut section_release = log.releases.into_iter().next().ok_or_else(|| {
        Error::invalid("nothing to release: the changelog of the unreleased commits is empty")
    })?;
    section_release.version = Some(version.clone());
    section_release.tag = Some(tag.clone());
    section_release.date = Some(release_date(options.date.as_deref())?);
    let mut section = String::new();
    render_release(&mut section, &section_release);

    let current = next.current.as_ref();
    let mut plan = Vec::new();
    if let Some(file) = options.changelog_file.as_deref() {
        plan.push(plan_changelog(&workdir, file, &version, &section)?);
    }
    for f in &options.files {
        plan.extend(plan_version_file(&workdir, f, current, &version)?);
    }
    let mut skipped_files = Vec::new();
    if options.files.is_empty() && options.detect_files {
        let (found, skipped) = detect_version_files(&workdir, current, &version)?;
        plan.extend(found);
        skipped_files = skipped;
    }
    let files: Vec<FileChange> = plan.iter().map(|p| p.change.clone()).collect();
    let mut result = CutRelease {
        version: version.clone(),
        tag: tag.clone(),
        previous_tag: next.current_tag.clone(),
        branch,
        dry_run: options.dry_run,
        section: section.clone(),
        commits: next.commits.len(),
        files,
        skipped_files,
        commit: None,
    };
    if options.dry_run {
        return Ok(result);
    }
    for p in &plan {
        crate::fsutil::write_atomic(&p.abs, p.text.as_bytes())?;
    }
    let message = options
        .commit_message
        .replace("{version}", &version.to_string())
        .replace("{tag}", &tag);
    let commit = commit_and_tag(
        &repo,
        &plan,
        (&author, &committer),
        &message,
        &tag,
        &section,
    )?;
    result.commit = Some(commit);
    Ok(result)
}

/// The version files at the root of the work tree a release bumps without
/// being told: those whose version is the current release. A file that
/// says another version, or none, is left alone and reported; before the
/// first release nothing is bumped (there is no version to agree with).
fn detect_version_files(
    workdir: &Path,
    current: Option<&AnyVersion>,
    new: &AnyVersion,
) -> Result<(Vec<Planned>, Vec<SkippedFile>)> {
    let (mut found, mut skipped) = (Vec::new(), Vec::new());
    for name in ["Cargo.toml", "package.json", "pyproject.toml"] {
        if !workdir.join(name).is_file() {
            continue;
        }
        let file = VersionFile {
            path: name.into(),
            kind: VersionFileKind::Auto,
            pattern: None,
        };
        let semver_only = name != "pyproject.toml";
        if semver_only && new.as_semver().is_none() && new.to_string().parse::<Version>().is_err() {
            skipped.push(SkippedFile {
                path: name.into(),
                version: None,
                reason: format!(
                    "{new} is a PEP 440 version SemVer cannot read, and {name} holds SemVer: release with the semver scheme to have it bumped"
                ),
            });
            continue;
        }
        let planned = match plan_version_file(workdir, &file, None, new) {
            Ok(p) => p,
            Err(e) => {
                skipped.push(SkippedFile {
                    path: name.into(),
                    version: None,
                    reason: format!(
                        "no version to bump ({}); name it in the release's files to have it bumped",
                        e.message()
                    ),
                });
                continue;
            }
        };
        let says = planned
            .first()
            .and_then(|p| p.change.old_version.clone())
            .unwrap_or_default();
        let agrees = current.is_some_and(|c| files::holds_current(&says, c, new));
        if agrees {
            found.extend(planned);
            continue;
        }
        skipped.push(SkippedFile {
            path: name.into(),
            version: Some(says.clone()),
            reason: match current {
                Some(c) => format!(
                    "says {says}, not the current release {c}: set it to {c} to have it bumped, or name it in the release's files"
                ),
                None => format!(
                    "says {says} and there is no release tag yet to agree with: name it in the release's files to have it bumped"
                ),
            },
        });
    }
    Ok((found, skipped))
}

fn release_date(given: Option<&str>) -> Result<String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match given {
        Some(d) => time::Date::parse(d, &fmt)
            .map(|_| d.to_string())
            .map_err(|e| {
                Error::invalid(format!("release date {d:?} is not YYYY-MM-DD: {e}")).with_source(e)
            }),
        None => Ok(crate::time::format_date(crate::time::today())),
    }
}

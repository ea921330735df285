//! Carry out a release, as `cz bump` or release-plz do: the next version
//! from the commits, its section prepended to CHANGELOG.md, the version
//! bumped in the files a policy names, one commit and an annotated tag.
//!
//! Everything is computed in memory first; files are written atomically,
//! and the commit and tag are made only after every file is written. A dry
//! run reports the same plan and touches nothing.

use std::ops::Range;
use std::path::{Path, PathBuf};

use ::semver::Version;
use serde::{Deserialize, Serialize};

use super::branch::{BranchPolicy, check_branch};
use super::changelog::{
    ChangelogOptions, ChangelogRange, GroupRule, HEADER, changelog, default_groups, render_release,
};
use super::git::{DEFAULT_TAG_PATTERN, open_repo};
use super::next::{BumpPolicy, ComponentMatch, NextOptions, Preset, next_version};
use crate::error::{Error, Result};

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

/// Options of [`release`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct NewReleaseOptions {
    /// Report every change and write nothing.
    pub dry_run: bool,
    /// Tag pattern with `{version}` (default `v{version}`; `api-v{version}`
    /// for one component of a monorepo).
    pub tag_pattern: String,
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
    /// Branches a release may be made from.
    pub branches: BranchPolicy,
    /// The release commit's message; `{version}` and `{tag}` are replaced.
    pub commit_message: String,
    /// The release date `YYYY-MM-DD` in the changelog (default today, UTC).
    pub date: Option<String>,
}

impl Default for NewReleaseOptions {
    fn default() -> Self {
        NewReleaseOptions {
            dry_run: false,
            tag_pattern: DEFAULT_TAG_PATTERN.into(),
            paths: Vec::new(),
            scopes: Vec::new(),
            component_match: None,
            channel: None,
            preset: Preset::Opskit,
            policy: None,
            changelog_file: Some("CHANGELOG.md".into()),
            groups: default_groups(),
            files: Vec::new(),
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

impl NewReleaseOptions {
    /// Read a release policy (TOML, the option names as keys, `[[files]]`
    /// tables for version files; unknown keys are errors naming them).
    pub fn from_toml(text: &str) -> Result<NewReleaseOptions> {
        crate::limits::check_policy("the release policy", text)?;
        toml::from_str(text).map_err(|e| Error::toml("release policy", text, &e))
    }

    /// Read a release policy file.
    pub fn read(path: &Path) -> Result<NewReleaseOptions> {
        let text = crate::fsutil::read_text_capped(
            path,
            crate::limits::MAX_POLICY_BYTES as u64,
            "release policy",
        )?;
        NewReleaseOptions::from_toml(&text)
            .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
    }

    /// The options of the next version this release computes (from HEAD).
    fn next_options(&self) -> NextOptions {
        NextOptions {
            rev: "HEAD".into(),
            tag_pattern: self.tag_pattern.clone(),
            paths: self.paths.clone(),
            scopes: self.scopes.clone(),
            component_match: self.component_match,
            channel: self.channel.clone(),
            preset: self.preset,
            policy: self.policy.clone(),
        }
    }

    /// The options of its changelog section: the unreleased commits of the
    /// same component and channel, grouped by the same policy.
    fn changelog_options(&self) -> ChangelogOptions {
        ChangelogOptions {
            rev: "HEAD".into(),
            tag_pattern: self.tag_pattern.clone(),
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
    pub fn for_repository(path: &Path) -> Result<(NewReleaseOptions, Option<PathBuf>)> {
        let repo = open_repo(path)?;
        let file = repo.workdir().map(|w| w.join("release.toml"));
        match file.filter(|f| f.is_file()) {
            Some(f) => Ok((NewReleaseOptions::read(&f)?, Some(f))),
            None => Ok((NewReleaseOptions::default(), None)),
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

/// What [`release`] did, or would do on a dry run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct NewRelease {
    /// The new version.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub version: Version,
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
    /// The release commit; `None` on a dry run.
    pub commit: Option<String>,
}

/// A file's new text, planned before anything is written.
struct Planned {
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
pub fn release(path: &Path, options: &NewReleaseOptions) -> Result<NewRelease> {
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
    let files: Vec<FileChange> = plan.iter().map(|p| p.change.clone()).collect();
    let mut result = NewRelease {
        version: version.clone(),
        tag: tag.clone(),
        previous_tag: next.current_tag.clone(),
        branch,
        dry_run: options.dry_run,
        section: section.clone(),
        commits: next.commits.len(),
        files,
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

fn current_branch(repo: &git2::Repository) -> Result<String> {
    if repo.head_detached().unwrap_or(false) {
        return Err(Error::invalid(
            "HEAD is detached: check out the branch to release from (e.g. git switch main)",
        ));
    }
    let head = repo.head().map_err(|e| {
        Error::invalid("the repository has no commits yet: commit something to release")
            .with_source(e)
    })?;
    head.shorthand()
        .map(str::to_string)
        .map_err(|_| Error::invalid("HEAD's branch name is not UTF-8: rename the branch"))
}

fn refuse_dirty(repo: &git2::Repository) -> Result<()> {
    let mut so = git2::StatusOptions::new();
    so.include_untracked(false).include_ignored(false);
    let statuses = repo
        .statuses(Some(&mut so))
        .map_err(|e| Error::git("cannot read the work tree's status", e))?;
    let dirty: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT)
        .filter_map(|s| s.path().ok().map(str::to_string))
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    let shown = dirty.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    Err(Error::invalid(format!(
        "the work tree has uncommitted changes ({shown}{}): commit or stash them, then release",
        if dirty.len() > 5 { ", …" } else { "" }
    )))
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

fn read_text(abs: &Path, rel: &str) -> Result<Option<String>> {
    let max = crate::limits::MAX_RELEASE_FILE_BYTES;
    match std::fs::symlink_metadata(abs) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let b = crate::fsutil::read_capped(abs, max, &format!("{rel}, a file a release rewrites,"))?;
    String::from_utf8(b).map(Some).map_err(|_| {
        Error::invalid(format!(
            "{rel} is not UTF-8 text: convert it, or leave it out of the release"
        ))
    })
}

/// A path inside the work tree, never outside it.
fn inside(workdir: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty()
        || p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(Error::invalid(format!(
            "release file {rel:?} must be a relative path inside the repository, without `..`"
        )));
    }
    Ok(workdir.join(p))
}

/// The new CHANGELOG.md: created in Keep a Changelog form, or the section
/// inserted above the newest release (below the title and any
/// `## [Unreleased]` notes), every other byte kept. A file that already has
/// this version's section is left alone.
fn plan_changelog(workdir: &Path, rel: &str, version: &Version, section: &str) -> Result<Planned> {
    let abs = inside(workdir, rel)?;
    let change = |created| FileChange {
        path: rel.to_string(),
        kind: "changelog".into(),
        created,
        old_version: None,
        new_version: None,
    };
    let Some(old) = read_text(&abs, rel)? else {
        return Ok(Planned {
            change: change(true),
            abs,
            text: format!("{HEADER}\n{section}"),
        });
    };
    let text = insert_section(&old, version, section)
        .map_err(|why| Error::invalid(format!("{rel} is not in Keep a Changelog form: {why}; start it with `# Changelog` and release headings like `## [1.2.0] - 2026-01-31`, or move it away and let the release create one")))?;
    Ok(Planned {
        change: change(false),
        abs,
        text,
    })
}

/// Where a section goes in a Keep a Changelog text (see [`plan_changelog`]).
pub(crate) fn insert_section(
    old: &str,
    version: &Version,
    section: &str,
) -> std::result::Result<String, String> {
    let mut offset = 0;
    let mut title = false;
    let mut insert_at = None;
    let mut in_fence = false;
    for line in old.split_inclusive('\n') {
        let t = line.trim_end();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if !title && !t.trim().is_empty() {
                if !t.starts_with("# ") {
                    return Err(format!("its first line is {t:?}, not a `# ` title"));
                }
                title = true;
            } else if let Some(h) = t.strip_prefix("## ") {
                let Some(name) = h.strip_prefix('[').and_then(|r| r.split_once(']')) else {
                    return Err(format!("the heading {t:?} has no [version]"));
                };
                if !name.0.eq_ignore_ascii_case("unreleased") {
                    match Version::parse(name.0) {
                        Ok(v) if v == *version => return Ok(old.to_string()),
                        Ok(_) => {
                            insert_at.get_or_insert(offset);
                        }
                        Err(_) => return Err(format!("the heading {t:?} names no SemVer version")),
                    }
                }
            }
        }
        offset += line.len();
    }
    if !title {
        return Err("it is empty".into());
    }
    // A file written with CRLF line ends keeps them.
    let crlf;
    let section = if old.contains("\r\n") {
        crlf = section.replace('\n', "\r\n");
        crlf.as_str()
    } else {
        section
    };
    let nl = if old.contains("\r\n") { "\r\n" } else { "\n" };
    Ok(match insert_at {
        Some(at) => format!("{}{section}{nl}{}", &old[..at], &old[at..]),
        None if old.ends_with(&format!("{nl}{nl}")) => format!("{old}{section}"),
        None if old.ends_with('\n') => format!("{old}{nl}{section}"),
        None => format!("{old}{nl}{nl}{section}"),
    })
}

fn plan_version_file(
    workdir: &Path,
    f: &VersionFile,
    current: Option<&Version>,
    new: &Version,
) -> Result<Vec<Planned>> {
    let abs = inside(workdir, &f.path)?;
    let name = abs.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = match f.kind {
        VersionFileKind::Auto => match name {
            "Cargo.toml" => VersionFileKind::Cargo,
            "package.json" => VersionFileKind::Npm,
            "pyproject.toml" => VersionFileKind::Pyproject,
            _ if f.pattern.is_some() => VersionFileKind::Regex,
            _ => {
                return Err(Error::invalid(format!(
                    "cannot tell how {} holds its version: give its kind (cargo, npm, pyproject) or a regex pattern",
                    f.path
                )));
            }
        },
        k => k,
    };
    let text = read_text(&abs, &f.path)?.ok_or_else(|| {
        Error::not_found(format!(
            "version file {} does not exist: fix the path in the release's files",
            f.path
        ))
    })?;
    let new_s = new.to_string();
    let (old, edited, kind_name) = match kind {
        VersionFileKind::Cargo => {
            let (old, t) = edit_toml(
                &text,
                &f.path,
                &[
                    &["package", "version"],
                    &["workspace", "package", "version"],
                ],
                &new_s,
            )?;
            (old, t, "cargo")
        }
        VersionFileKind::Pyproject => {
            let (old, t) = edit_toml(
                &text,
                &f.path,
                &[&["project", "version"], &["tool", "poetry", "version"]],
                &new_s,
            )?;
            (old, t, "pyproject")
        }
        VersionFileKind::Npm => {
            let (old, t) = edit_json(&text, &f.path, &[&["version"]], &new_s, true)?;
            (old, t, "npm")
        }
        // `Auto` was resolved above; were it not, it needs a pattern like `Regex`.
        VersionFileKind::Regex | VersionFileKind::Auto => {
            let pattern = f.pattern.as_deref().ok_or_else(|| {
                Error::invalid(format!("version file {} needs a regex pattern", f.path))
            })?;
            let (old, t) = edit_regex(&text, &f.path, pattern, &new_s)?;
            (old, t, "regex")
        }
    };
    if let Some(cur) = current
        && Version::parse(&old).ok().as_ref() != Some(cur)
    {
        return Err(Error::invalid(format!(
            "{} says version {old} but the current release is {cur}: set it to {cur} (or tag the release it matches) before releasing",
            f.path
        )));
    }
    let mut out = vec![Planned {
        change: FileChange {
            path: f.path.clone(),
            kind: kind_name.into(),
            created: false,
            old_version: Some(old.clone()),
            new_version: Some(new_s.clone()),
        },
        abs: abs.clone(),
        text: edited,
    }];
    // The lockfile beside the manifest follows it.
    let lock = match kind {
        VersionFileKind::Cargo => Some(("Cargo.lock", "cargo-lock")),
        VersionFileKind::Npm => Some(("package-lock.json", "npm-lock")),
        _ => None,
    };
    if let Some((lock_name, lock_kind)) = lock {
        let lock_abs = abs.with_file_name(lock_name);
        let lock_rel = Path::new(&f.path)
            .with_file_name(lock_name)
            .to_string_lossy()
            .into_owned();
        if let Some(lock_text) = read_text(&lock_abs, &lock_rel)? {
            let edited = if kind == VersionFileKind::Cargo {
                edit_cargo_lock(&lock_text, &lock_rel, &old, &new_s)?
            } else {
                edit_json(
                    &lock_text,
                    &lock_rel,
                    &[&["version"], &["packages", "", "version"]],
                    &new_s,
                    false,
                )
                .map(|(_, t)| t)?
            };
            if edited != lock_text {
                out.push(Planned {
                    change: FileChange {
                        path: lock_rel,
                        kind: lock_kind.into(),
                        created: false,
                        old_version: Some(old),
                        new_version: Some(new_s),
                    },
                    abs: lock_abs,
                    text: edited,
                });
            }
        }
    }
    Ok(out)
}

/// The first of `paths` that holds a version string, replaced in the text
/// itself: every other byte, and the value's own quoting, kept.
fn edit_toml(text: &str, rel: &str, paths: &[&[&str]], new: &str) -> Result<(String, String)> {
    let doc = parse_toml(text, rel, "fix it, then release")?;
    for path in paths {
        let Some(v) = toml_get(&doc, path).and_then(|i| i.as_value()) else {
            continue;
        };
        // `version.workspace = true` is a table: the workspace's holds it.
        if let (Some(old), Some(span)) = (v.as_str(), v.span()) {
            return Ok((old.to_string(), splice(text, span, old, new)));
        }
    }
    let dynamic = doc
        .get("project")
        .and_then(|p| p.get("dynamic"))
        .and_then(|d| d.as_array())
        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("version")));
    Err(Error::invalid(if dynamic {
        format!(
            "{rel} has no version field: its version is dynamic (set by the build backend, e.g. maturin from Cargo.toml): list the file that holds it instead"
        )
    } else {
        format!(
            "{rel} has no version field ({}): add one, or leave the file out of the release",
            paths
                .iter()
                .map(|p| p.join("."))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }))
}

/// The item at `path` (keys from the top), if every key is there.
fn toml_get<'d>(doc: &'d toml_edit::Document<&str>, path: &[&str]) -> Option<&'d toml_edit::Item> {
    path.iter()
        .try_fold(doc.as_item(), |item, key| item.get(*key))
}

fn parse_toml<'t>(text: &'t str, rel: &str, fix: &str) -> Result<toml_edit::Document<&'t str>> {
    toml_edit::Document::parse(text)
        .map_err(|e| Error::invalid(format!("{rel} is not valid TOML: {e}: {fix}")))
}

/// `text` with the raw value at `span` holding `new` where it held `old`.
fn splice(text: &str, span: Range<usize>, old: &str, new: &str) -> String {
    let raw = &text[span.clone()];
    format!(
        "{}{}{}",
        &text[..span.start],
        raw.replacen(old, new, 1),
        &text[span.end..]
    )
}

/// Cargo.lock's path packages (no `source`) at the old version move to the new one.
fn edit_cargo_lock(text: &str, rel: &str, old: &str, new: &str) -> Result<String> {
    let doc = parse_toml(text, rel, "regenerate it with cargo")?;
    let mut spans: Vec<Range<usize>> = doc
        .get("package")
        .and_then(|p| p.as_array_of_tables())
        .into_iter()
        .flat_map(|a| a.iter())
        .filter(|t| !t.contains_key("source"))
        .filter_map(|t| t.get("version").and_then(|v| v.as_value()))
        .filter(|v| v.as_str() == Some(old))
        .filter_map(|v| v.span())
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for s in spans {
        out = splice(&out, s, old, new);
    }
    Ok(out)
}

/// Replace string values at `paths` in JSON text, in place (every other byte
/// kept). With `required`, the first path must exist; the old value of the
/// first path found is returned.
fn edit_json(
    text: &str,
    rel: &str,
    paths: &[&[&str]],
    new: &str,
    required: bool,
) -> Result<(String, String)> {
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
        Error::invalid(format!(
            "{rel} is not valid JSON: {e}: fix it, then release"
        ))
    })?;
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut old = None;
    for path in paths {
        if let Some(span) = json_string_at(text, path) {
            let value: String =
                serde_json::from_str(&format!("\"{}\"", &text[span.clone()])).unwrap_or_default();
            old.get_or_insert(value);
            spans.push(span);
        }
    }
    let Some(old) = old else {
        if required {
            return Err(Error::invalid(format!(
                "{rel} has no top-level \"version\" string: add one, or leave the file out of the release"
            )));
        }
        return Ok((String::new(), text.to_string()));
    };
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for s in spans {
        out.replace_range(s, new);
    }
    Ok((old, out))
}

/// The byte range inside the quotes of the string at `path` (object keys
/// from the top), if there is one. `text` is valid JSON (serde_json checked
/// it, and its depth limit bounds the recursion here).
fn json_string_at(text: &str, path: &[&str]) -> Option<Range<usize>> {
    struct Walk<'a> {
        t: &'a str,
        i: usize,
    }
    impl Walk<'_> {
        fn ws(&mut self) {
            let b = self.t.as_bytes();
            while self.i < b.len() && b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn peek(&self) -> u8 {
            self.t.as_bytes().get(self.i).copied().unwrap_or(0)
        }
        /// At a `"`: the range inside the quotes; moves past the closing one.
        fn string(&mut self) -> Range<usize> {
            let b = self.t.as_bytes();
            let start = self.i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            self.i = j + 1;
            start..j.min(b.len())
        }
        /// Walk one value; `rest` is what is left of the wanted path when
        /// this value lies on it.
        fn value(&mut self, rest: Option<&[&str]>) -> Option<Range<usize>> {
            self.ws();
            match self.peek() {
                b'"' => {
                    let r = self.string();
                    (rest == Some(&[])).then_some(r)
                }
                open @ (b'{' | b'[') => {
                    let close = if open == b'{' { b'}' } else { b']' };
                    self.i += 1;
                    loop {
                        self.ws();
                        match self.peek() {
                            0 => return None,
                            c if c == close => {
                                self.i += 1;
                                return None;
                            }
                            b',' => self.i += 1,
                            _ if open == b'[' => {
                                if let Some(found) = self.value(None) {
                                    return Some(found);
                                }
                            }
                            _ => {
                                let k = self.string();
                                let key: String =
                                    serde_json::from_str(&format!("\"{}\"", &self.t[k]))
                                        .unwrap_or_default();
                                self.ws();
                                self.i += 1; // ':'
                                let child = match rest {
                                    Some([first, tail @ ..]) if *first == key => Some(tail),
                                    _ => None,
                                };
                                if let Some(found) = self.value(child) {
                                    return Some(found);
                                }
                            }
                        }
                    }
                }
                _ => {
                    let b = self.t.as_bytes();
                    while self.i < b.len()
                        && !matches!(b[self.i], b',' | b'}' | b']')
                        && !b[self.i].is_ascii_whitespace()
                    {
                        self.i += 1;
                    }
                    None
                }
            }
        }
    }
    Walk { t: text, i: 0 }.value(Some(path))
}

/// Every match of `pattern`: its `version` group (or group 1) must hold
/// the same version in each; all are replaced.
fn edit_regex(text: &str, rel: &str, pattern: &str, new: &str) -> Result<(String, String)> {
    let re = regex::Regex::new(pattern).map_err(|e| {
        Error::invalid(format!(
            "version pattern {pattern:?} for {rel} is not a valid regex: {e}"
        ))
    })?;
    let group = if re.capture_names().any(|n| n == Some("version")) {
        re.capture_names()
            .position(|n| n == Some("version"))
            .unwrap_or(1)
    } else if re.captures_len() > 1 {
        1
    } else {
        return Err(Error::invalid(format!(
            "version pattern {pattern:?} for {rel} has no group: put the version in (?P<version>…)"
        )));
    };
    let mut spans = Vec::new();
    let mut old: Option<String> = None;
    for c in re.captures_iter(text) {
        let Some(m) = c.get(group) else { continue };
        if let Some(o) = &old
            && o != m.as_str()
        {
            return Err(Error::invalid(format!(
                "{rel} holds two versions ({o} and {}) where {pattern:?} matches: make them agree",
                m.as_str()
            )));
        }
        old = Some(m.as_str().to_string());
        spans.push(m.range());
    }
    let old = old.ok_or_else(|| {
        Error::invalid(format!(
            "{rel} has no match for the version pattern {pattern:?}: fix the pattern or the file"
        ))
    })?;
    let mut out = text.to_string();
    for s in spans.into_iter().rev() {
        out.replace_range(s, new);
    }
    Ok((old, out))
}

/// The author and committer of the release commit, as git picks them:
/// `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` (`GIT_COMMITTER_*` for the
/// committer) first, then `author.*`/`committer.*`, then `user.name` and
/// `user.email` from git's config, then `EMAIL` for the address. A missing
/// part is an error that says which and how to set it.
fn identities(
    repo: &git2::Repository,
) -> Result<(git2::Signature<'static>, git2::Signature<'static>)> {
    let config = repo
        .config()
        .map_err(|e| Error::git("cannot read git's config", e))?;
    let get = |key: &str| config.get_string(key).ok().filter(|v| !v.trim().is_empty());
    let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    let one = |role: &str| -> Result<git2::Signature<'static>> {
        let upper = role.to_ascii_uppercase();
        let name = var(&format!("GIT_{upper}_NAME"))
            .or_else(|| get(&format!("{role}.name")))
            .or_else(|| get("user.name"));
        let email = var(&format!("GIT_{upper}_EMAIL"))
            .or_else(|| get(&format!("{role}.email")))
            .or_else(|| get("user.email"))
            .or_else(|| var("EMAIL"));
        let missing: Vec<&str> = [
            name.is_none().then_some("user.name"),
            email.is_none().then_some("user.email"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match (name, email) {
            (Some(n), Some(e)) => git2::Signature::now(&n, &e).map_err(|e| {
                Error::invalid(format!(
                    "git's {role} identity is not usable: {}",
                    e.message()
                ))
            }),
            _ => Err(Error::invalid(format!(
                "git has no {role} for the release commit (no {}): set it with git config {} (or GIT_{upper}_NAME and GIT_{upper}_EMAIL); nothing was written",
                missing.join(" and "),
                missing
                    .iter()
                    .map(|k| format!("{k} \"…\""))
                    .collect::<Vec<_>>()
                    .join(" and git config "),
            ))),
        }
    };
    Ok((one("author")?, one("committer")?))
}

/// Stage the planned files, commit them on HEAD's branch and tag the commit
/// (annotated, its message the changelog section).
fn commit_and_tag(
    repo: &git2::Repository,
    plan: &[Planned],
    (author, committer): (&git2::Signature<'_>, &git2::Signature<'_>),
    message: &str,
    tag: &str,
    section: &str,
) -> Result<String> {
    let git = |what: &str| {
        let what = what.to_string();
        move |e| Error::git(what.clone(), e)
    };
    let workdir = repo.workdir().expect("checked: not bare");
    let mut index = repo.index().map_err(git("cannot open the index"))?;
    for p in plan {
        let rel = p.abs.strip_prefix(workdir).unwrap_or(&p.abs);
        index
            .add_path(rel)
            .map_err(git(&format!("cannot stage {}", rel.display())))?;
    }
    index.write().map_err(git("cannot write the index"))?;
    let tree_id = index.write_tree().map_err(git("cannot write the tree"))?;
    let tree = repo
        .find_tree(tree_id)
        .map_err(git("cannot read the tree"))?;
    let parent = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(git("cannot read HEAD"))?;
    let oid = repo
        .commit(Some("HEAD"), author, committer, message, &tree, &[&parent])
        .map_err(git("cannot commit the release"))?;
    let object = repo
        .find_object(oid, None)
        .map_err(git("cannot read the release commit"))?;
    // git tags as the committer.
    repo.tag(
        tag,
        &object,
        committer,
        &format!("{tag}\n\n{section}"),
        false,
    )
    .map_err(git(&format!("cannot create tag {tag}")))?;
    Ok(oid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_found_by_path_and_nowhere_else() {
        let t = r#"{
  "name": "x", "nested": {"version": "9.9.9"}, "list": [{"version": "8"}, "version"],
  "version"  :  "1.2.3",
  "packages": {"": {"name": "x", "version": "1.2.3"}, "node_modules/a": {"version": "1.2.3"}}
}"#;
        let at = |p: &[&str]| json_string_at(t, p).map(|r| &t[r]);
        assert_eq!(at(&["version"]), Some("1.2.3"));
        assert_eq!(at(&["nested", "version"]), Some("9.9.9"));
        assert_eq!(at(&["packages", "", "version"]), Some("1.2.3"));
        assert_eq!(at(&["name"]), Some("x"));
        assert_eq!(at(&["missing"]), None);
        let (old, out) = edit_json(
            t,
            "package-lock.json",
            &[&["version"], &["packages", "", "version"]],
            "2.0.0",
            true,
        )
        .unwrap();
        assert_eq!(old, "1.2.3");
        assert_eq!(out.matches("2.0.0").count(), 2);
        assert_eq!(
            out.matches("\"1.2.3\"").count(),
            1,
            "node_modules/a keeps its own"
        );
        assert_eq!(out.replace("2.0.0", "1.2.3"), t);
    }

    #[test]
    fn sections_go_above_the_newest_release() {
        let v = Version::new(1, 1, 0);
        let s = "## [1.1.0] - 2026-02-01\n\n### Features\n\n- b (bbbbbbb)\n";
        let old = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- hand note\n\n## [1.0.0] - 2026-01-01\n\n- a\n";
        let new = insert_section(old, &v, s).unwrap();
        assert_eq!(
            new,
            format!(
                "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- hand note\n\n{s}\n## [1.0.0] - 2026-01-01\n\n- a\n"
            )
        );
        assert_eq!(insert_section(&new, &v, s).unwrap(), new, "idempotent");
        assert!(
            insert_section("Changes\n", &v, s)
                .unwrap_err()
                .contains("title")
        );
        assert!(
            insert_section("# Changelog\n\n## 1.0.0\n", &v, s)
                .unwrap_err()
                .contains("[version]")
        );
        assert_eq!(
            insert_section("# Changelog\n", &v, s).unwrap(),
            format!("# Changelog\n\n{s}")
        );
        let dos = "# Changelog\r\n\r\n## [1.0.0] - 2026-01-01\r\n\r\n- a\r\n";
        let got = insert_section(dos, &v, s).unwrap();
        assert_eq!(
            got.matches('\n').count(),
            got.matches("\r\n").count(),
            "{got:?}"
        );
        assert!(got.ends_with("## [1.0.0] - 2026-01-01\r\n\r\n- a\r\n"));
    }
}

/// The hand-written editors, for the fuzz targets only (`cargo fuzz` builds
/// with `--cfg fuzzing`): not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// Edit `text` as a package.json, a Cargo.toml, a Cargo.lock and a
    /// CHANGELOG.md; panic if an edit that succeeded broke its file.
    pub fn edit_all(text: &str) {
        let new = "9.8.7";
        if let Ok((old, out)) = edit_json(text, "package.json", &[&["version"]], new, false) {
            if !old.is_empty() {
                let v: serde_json::Value = serde_json::from_str(&out).expect("edited JSON parses");
                assert_eq!(v["version"], new, "the version was set");
            }
        }
        if let Ok((_, out)) = edit_toml(text, "Cargo.toml", &[&["package", "version"]], new) {
            let doc: toml_edit::DocumentMut = out.parse().expect("edited TOML parses");
            assert_eq!(doc["package"]["version"].as_str(), Some(new));
        }
        if let Ok(out) = edit_cargo_lock(text, "Cargo.lock", "0.1.0", new) {
            out.parse::<toml_edit::DocumentMut>()
                .expect("edited lock parses");
        }
        let v = Version::new(9, 8, 7);
        if let Ok(out) = insert_section(text, &v, "## [9.8.7] - 2026-01-01\n\n- x\n") {
            // The new section, or the one already there (a release is idempotent).
            assert!(out.contains("## [9.8.7]"), "a 9.8.7 section is in");
            assert!(out.len() >= text.len(), "nothing was removed");
        }
    }
}

//! Reading git: opening repositories, resolving revisions, matching release
//! tags with a tag pattern, and turning commits into changelog entries.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::scheme::{AnyVersion, Scheme};
use git2::{ObjectType, Oid, Repository};
use serde::{Deserialize, Serialize};

use super::commit::{CommitMessage, Leniency, parse_commit_message};
use crate::error::{Error, Result};

/// How many hex digits a short commit id has.
pub const SHORT_ID_LEN: usize = 7;

/// Open the repository that contains `path` (any folder inside a work tree,
/// or a bare repository).
pub fn open_repo(path: &Path) -> Result<Repository> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::io(path, "open repository at", e));
    }
    Repository::discover(path).map_err(|e| {
        Error::not_found(format!(
            "no git repository at or above {}: run inside a git work tree or pass the path of one",
            path.display()
        ))
        .with_source(e)
    })
}

/// A printable name for a repository in messages.
pub(crate) fn repo_name(repo: &Repository) -> PathBuf {
    repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf()
}

/// Resolve `rev` (a branch, tag, commit id or `HEAD~2`-style expression) to a commit.
pub fn resolve_commit<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>> {
    if rev == "HEAD" {
        match repo.head() {
            Ok(h) => {
                return h.peel_to_commit().map_err(|e| {
                    Error::git(
                        format!("cannot read HEAD of {}", repo_name(repo).display()),
                        e,
                    )
                });
            }
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                return Err(Error::not_found(format!(
                    "repository {} has no commits yet: make a first commit",
                    repo_name(repo).display()
                ))
                .with_source(e));
            }
            Err(e) => return Err(Error::git("cannot read HEAD", e)),
        }
    }
    let obj = repo.revparse_single(rev).map_err(|e| {
        Error::not_found(format!(
            "revision {rev:?} not found in {}: use a branch, tag or commit id that exists",
            repo_name(repo).display()
        ))
        .with_source(e)
    })?;
    obj.peel_to_commit().map_err(|e| {
        Error::invalid(format!("revision {rev:?} does not point to a commit")).with_source(e)
    })
}

/// A release tag pattern such as `v{version}`, `{version}`, `api-v{version}`
/// or `web-portal@{version}`: a literal prefix and suffix around a version
/// of its scheme (SemVer unless [`TagPattern::with_scheme`] says otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagPattern {
    prefix: String,
    suffix: String,
    scheme: Scheme,
}

/// The default tag pattern, `v{version}`.
pub const DEFAULT_TAG_PATTERN: &str = "v{version}";

impl TagPattern {
    /// Parse a pattern; it must contain `{version}` exactly once.
    pub fn new(pattern: &str) -> Result<Self> {
        let mut parts = pattern.split("{version}");
        let (Some(prefix), Some(suffix), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::invalid(format!(
                "tag pattern {pattern:?} must contain \"{{version}}\" exactly once, e.g. \"v{{version}}\" or \"api-v{{version}}\""
            )));
        };
        if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(format!(
                "tag pattern {pattern:?} contains whitespace, which git tag names cannot"
            )));
        }
        Ok(TagPattern {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
            scheme: Scheme::Semver,
        })
    }

    /// The same pattern reading versions of `scheme` (`Auto` reads SemVer,
    /// then PEP 440).
    pub fn with_scheme(self, scheme: Scheme) -> Self {
        TagPattern { scheme, ..self }
    }

    /// The scheme its versions are read under.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The middle of `tag`, if the tag matches the pattern's prefix and suffix.
    fn middle<'t>(&self, tag: &'t str) -> Option<&'t str> {
        tag.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)
    }

    /// The version in `tag`, if the tag matches the pattern and its middle
    /// is a version of the pattern's scheme.
    pub fn parse_tag(&self, tag: &str) -> Option<AnyVersion> {
        super::scheme::parse_tag_version(self.middle(tag)?, self.scheme)
    }

    /// The tag name for `version`.
    pub fn format(&self, version: &AnyVersion) -> String {
        format!("{}{version}{}", self.prefix, self.suffix)
    }
}

impl std::fmt::Display for TagPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{{version}}{}", self.prefix, self.suffix)
    }
}

/// A release: a tag matching the pattern whose name parses as a version of
/// its scheme and which points (directly or through an annotated tag) at a commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Release {
    /// The tag name, e.g. `v1.4.0`.
    pub tag: String,
    /// The version the tag names.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub version: AnyVersion,
    /// The full id of the tagged commit.
    pub commit: String,
    /// The release date: the tagger date of an annotated tag, else the commit
    /// date, in RFC 3339 with its recorded UTC offset.
    pub date: String,
    /// The same instant as seconds since the Unix epoch.
    pub timestamp: i64,
    /// Annotated (a tag object) or lightweight (a bare ref).
    pub annotated: bool,
    /// The annotated tag's message, if any.
    pub message: Option<String>,
    /// Whether the version has a pre-release part.
    pub prerelease: bool,
}

/// `pattern` reading versions of `scheme`, with `Auto`
/// resolved from the repository's tags and root (see [`Scheme::Auto`]),
/// and the tags the chosen scheme cannot read although the other can (for
/// a note: `v1.0.0b1` under SemVer is no release).
pub(crate) fn resolve_pattern(
    repo: &Repository,
    pattern: TagPattern,
    scheme: Scheme,
) -> Result<(TagPattern, Vec<String>)> {
    let names = repo
        .tag_names(None)
        .map_err(|e| Error::git("cannot list tags", e))?;
    let middles: Vec<(&str, &str)> = names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|n| Some((n, pattern.middle(n)?)))
        .collect();
    let scheme = match scheme {
        Scheme::Auto => {
            let (mut pep, mut sem) = (0, 0);
            for (_, m) in &middles {
                match super::scheme::tag_evidence(m) {
                    Some(Scheme::Pep440) => pep += 1,
                    Some(_) => sem += 1,
                    None => {}
                }
            }
            super::scheme::resolve_auto(pep, sem, !middles.is_empty(), repo.workdir())
        }
        k => k,
    };
    let other = match scheme {
        Scheme::Pep440 => Scheme::Semver,
        _ => Scheme::Pep440,
    };
    let unread = middles
        .iter()
        .filter(|(_, m)| {
            super::scheme::parse_tag_version(m, scheme).is_none()
                && super::scheme::parse_tag_version(m, other).is_some()
        })
        .map(|(n, _)| n.to_string())
        .collect();
    Ok((pattern.with_scheme(scheme), unread))
}

/// A release with its commit id as an [`Oid`], for graph work.
#[derive(Clone, Debug)]
pub(crate) struct TaggedRelease {
    pub release: Release,
    pub oid: Oid,
}

/// All release tags of `repo` matching `pattern`, sorted by SemVer precedence
/// (lowest first; equal precedence by tag name). Tags that don't parse, and
/// tags that point at trees or blobs, are ignored.
pub(crate) fn tagged_releases(
    repo: &Repository,
    pattern: &TagPattern,
) -> Result<Vec<TaggedRelease>> {
    let mut out = Vec::new();
    let refs = repo
        .references_glob("refs/tags/*")
        .map_err(|e| Error::git("cannot list tags", e))?;
    for r in refs {
        let r = r.map_err(|e| Error::git("cannot read a tag", e))?;
        let Some(name) = r.name().ok().and_then(|n| n.strip_prefix("refs/tags/")) else {
            continue;
        };
        let Some(version) = pattern.parse_tag(name) else {
            continue;
        };
        let Some(target) = r.target() else { continue };
        let (oid, annotated, message, when) = match repo.find_tag(target) {
            Ok(tag) => {
                let Ok(obj) = tag.target() else { continue };
                let Ok(commit) = obj.peel(ObjectType::Commit) else {
                    continue; // a tag of a tree or blob is not a release
                };
                let when = tag.tagger().map(|s| s.when()).unwrap_or_else(|| {
                    commit
                        .as_commit()
                        .map(|c| c.time())
                        .unwrap_or(git2::Time::new(0, 0))
                });
                let msg = tag
                    .message_bytes()
                    .map(|m| String::from_utf8_lossy(m).trim().to_string())
                    .filter(|m| !m.is_empty());
                (commit.id(), true, msg, when)
            }
            Err(_) => match repo.find_commit(target) {
                Ok(c) => (c.id(), false, None, c.time()),
                Err(_) => continue,
            },
        };
        out.push(TaggedRelease {
            release: Release {
                tag: name.to_string(),
                prerelease: version.is_prerelease(),
                version,
                commit: oid.to_string(),
                date: crate::time::format_rfc3339_at(when.seconds(), when.offset_minutes()),
                timestamp: when.seconds(),
                annotated,
                message,
            },
            oid,
        });
    }
    out.sort_by(|a, b| {
        a.release
            .version
            .cmp_precedence(&b.release.version)
            .then_with(|| a.release.tag.cmp(&b.release.tag))
    });
    Ok(out)
}

/// Every commit reachable from `from`, as a set.
pub(crate) fn reachable_set(repo: &Repository, from: Oid) -> Result<HashSet<Oid>> {
    let mut walk = repo
        .revwalk()
        .map_err(|e| Error::git("cannot walk history", e))?;
    walk.push(from)
        .map_err(|e| Error::git("cannot walk history", e))?;
    walk.map(|r| r.map_err(|e| Error::git("cannot walk history", e)))
        .collect()
}

/// One commit, classified, as it appears in a next-version result or a changelog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct CommitEntry {
    /// The full commit id.
    pub id: String,
    /// The first seven hex digits of the id.
    pub short_id: String,
    /// The first line of the message.
    pub subject: String,
    /// The conventional type (lowercase), if conventional.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The conventional scope, if any.
    pub scope: Option<String>,
    /// The description (the subject when not conventional).
    pub description: String,
    /// A breaking change (`!` or a breaking-change footer).
    pub breaking: bool,
    /// The breaking-change footer text, if any.
    pub breaking_description: Option<String>,
    /// Whether the subject follows Conventional Commits.
    pub conventional: bool,
    /// A merge commit (more than one parent, or a merge subject).
    pub merge: bool,
    /// A revert commit.
    pub revert: bool,
    /// The id a revert names in `This reverts commit <id>`.
    pub reverts: Option<String>,
    /// A `fixup!`/`squash!`/`amend!` commit.
    pub fixup: bool,
    /// What the parser read leniently (see [`Leniency`]).
    pub lenient: Vec<Leniency>,
    /// Author name.
    pub author: String,
    /// Commit date, RFC 3339.
    pub date: String,
}

impl CommitEntry {
    pub(crate) fn from_commit(c: &git2::Commit<'_>) -> Self {
        let raw = c.message_bytes();
        let text = String::from_utf8_lossy(raw);
        let m: CommitMessage = parse_commit_message(&text);
        let id = c.id().to_string();
        CommitEntry {
            short_id: id[..SHORT_ID_LEN].to_string(),
            id,
            subject: m.subject,
            kind: m.kind,
            scope: m.scope,
            description: m.description,
            breaking: m.breaking,
            breaking_description: m.breaking_description,
            conventional: m.conventional,
            merge: m.merge || c.parent_count() > 1,
            revert: m.revert,
            reverts: m.reverts,
            fixup: m.fixup,
            lenient: m.lenient,
            author: String::from_utf8_lossy(c.author().name_bytes()).into_owned(),
            date: crate::time::format_rfc3339_at(c.time().seconds(), c.time().offset_minutes()),
        }
    }
}

/// Normalise monorepo path filters: relative, `/`-separated, no `..`.
pub(crate) fn normalize_paths(paths: &[String]) -> Result<Vec<PathBuf>> {
    paths
        .iter()
        .map(|p| {
            let trimmed = p.trim().trim_start_matches("./").trim_end_matches('/');
            let path = PathBuf::from(trimmed);
            if path.is_absolute() || path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                return Err(Error::invalid(format!(
                    "path filter {p:?} must be relative to the repository root, without \"..\", e.g. \"services/api\""
                )));
            }
            Ok(path)
        })
        .collect()
}

/// Does commit `c` change anything under one of `paths` (compared with its
/// first parent; a root commit touches every path it contains)?
pub(crate) fn touches(c: &git2::Commit<'_>, paths: &[PathBuf]) -> Result<bool> {
    if paths.is_empty() {
        return Ok(true);
    }
    let err = |e| Error::git(format!("cannot read the tree of commit {}", c.id()), e);
    let tree = c.tree().map_err(err)?;
    let parent = match c.parent(0) {
        Ok(p) => Some(p.tree().map_err(err)?),
        Err(_) => None,
    };
    let id_at = |t: &git2::Tree<'_>, p: &Path| -> Option<Oid> {
        if p.as_os_str().is_empty() {
            Some(t.id())
        } else {
            t.get_path(p).ok().map(|e| e.id())
        }
    };
    Ok(paths.iter().any(|p| {
        let now = id_at(&tree, p);
        let before = parent.as_ref().and_then(|t| id_at(t, p));
        now != before
    }))
}

/// Which releases a computation stands on: stable releases only, stable
/// releases plus the pre-releases of one channel, or every release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// Stable releases only: the base of the next stable version.
    Stable,
    /// Stable releases and the pre-releases of this channel (`beta` holds
    /// `1.0.0-beta.3` but not `1.0.0-alpha.1`).
    Channel(&'a str),
    /// Every release, pre-releases of any channel included.
    All,
}

impl Line<'_> {
    /// The line of a computation on `channel` (stable without one).
    pub(crate) fn of(channel: Option<&str>) -> Line<'_> {
        channel.map_or(Line::Stable, Line::Channel)
    }

    /// The line of a listing: stable releases, plus one channel's
    /// pre-releases or every pre-release when `include_prereleases`.
    pub(crate) fn listing(include_prereleases: bool, channel: Option<&str>) -> Result<Line<'_>> {
        if let Some(ch) = channel {
            super::semver::validate_channel(ch)?;
        }
        Ok(match (include_prereleases, channel) {
            (false, _) => Line::Stable,
            (true, Some(ch)) => Line::Channel(ch),
            (true, None) => Line::All,
        })
    }

    /// Does `version` belong to this line?
    pub(crate) fn contains(self, version: &AnyVersion) -> bool {
        !version.is_prerelease()
            || match self {
                Line::Stable => false,
                Line::Channel(ch) => version.on_channel(ch),
                Line::All => true,
            }
    }
}

/// Index from commit id to the releases tagged on it.
pub(crate) fn releases_by_commit<'a>(
    releases: impl Iterator<Item = (usize, &'a TaggedRelease)>,
) -> HashMap<Oid, Vec<usize>> {
    let mut map: HashMap<Oid, Vec<usize>> = HashMap::new();
    for (i, r) in releases {
        map.entry(r.oid).or_default().push(i);
    }
    map
}

/// The releases nearest to `from`: walking parents from `from`, each path
/// stops at the first commit that carries a release tag. Returns the indexes
/// of the releases found (into `releases`).
pub(crate) fn nearest_releases(
    repo: &Repository,
    from: Oid,
    by_commit: &HashMap<Oid, Vec<usize>>,
) -> Result<Vec<usize>> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(oid) = stack.pop() {
        if !seen.insert(oid) {
            continue;
        }
        if let Some(idx) = by_commit.get(&oid) {
            found.extend_from_slice(idx);
            continue;
        }
        match repo.find_commit(oid) {
            Ok(c) => stack.extend(c.parent_ids()),
            // A shallow clone's history ends at its boundary: documented, not fatal.
            Err(e) if e.code() == git2::ErrorCode::NotFound && repo.is_shallow() => {}
            Err(e) => return Err(Error::git(format!("cannot read commit {oid}"), e)),
        }
    }
    Ok(found)
}

/// The base release for `head` on `line`: the highest version among the
/// nearest release tags of that line reachable from it. Releases outside the
/// line (other channels' pre-releases) neither count nor stop the walk.
pub(crate) fn base_release<'a>(
    repo: &Repository,
    head: Oid,
    releases: &'a [TaggedRelease],
    line: Line<'_>,
) -> Result<Option<&'a TaggedRelease>> {
    let by_commit = releases_by_commit(
        releases
            .iter()
            .enumerate()
            .filter(|(_, r)| line.contains(&r.release.version)),
    );
    let nearest = nearest_releases(repo, head, &by_commit)?;
    Ok(nearest.into_iter().max().map(|i| &releases[i]))
}

/// Answers "is this commit reachable from `head`?". The first few questions
/// are answered by merge-base walks, which stop where the histories meet (a
/// side branch's tags cost the commits since it forked); past that, one walk
/// of the whole history answers the rest.
pub(crate) struct Reachability<'r> {
    repo: &'r Repository,
    head: Oid,
    asked: usize,
    set: Option<HashSet<Oid>>,
}

/// How many merge-base walks before walking the whole history once.
const MERGE_BASE_QUERIES: usize = 8;

impl<'r> Reachability<'r> {
    /// An oracle for `head` in `repo`.
    pub(crate) fn new(repo: &'r Repository, head: Oid) -> Self {
        Reachability {
            repo,
            head,
            asked: 0,
            set: None,
        }
    }

    /// Is `oid` `head` or one of its ancestors?
    pub(crate) fn reaches(&mut self, oid: Oid) -> Result<bool> {
        if oid == self.head {
            return Ok(true);
        }
        if let Some(set) = &self.set {
            return Ok(set.contains(&oid));
        }
        self.asked += 1;
        if self.asked <= MERGE_BASE_QUERIES {
            match self.repo.graph_descendant_of(self.head, oid) {
                Ok(yes) => return Ok(yes),
                // A shallow boundary can hide the answer: walk what is there.
                Err(_) if self.repo.is_shallow() => {}
                Err(e) => return Err(Error::git(format!("cannot compare {oid} with HEAD"), e)),
            }
        }
        let set = reachable_set(self.repo, self.head)?;
        let yes = set.contains(&oid);
        self.set = Some(set);
        Ok(yes)
    }
}

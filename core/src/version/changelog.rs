//! Changelogs from git history: Keep a Changelog markdown and the same data
//! as JSON, for the unreleased commits, one release, or the whole history.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use ::semver::Version;
use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};

use super::git::base_release;
use super::git::{
    CommitEntry, DEFAULT_TAG_PATTERN, Release, TagPattern, TaggedRelease, normalize_paths,
    open_repo, resolve_commit, tagged_releases, touches,
};
use super::next::{BumpPolicy, cancelled_pairs, commits_since};
use crate::error::{Error, Result};

/// Which part of the history a changelog covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
/// In JSON: `"unreleased"`, `"all"` or `{"release": "1.4.0"}`.
#[serde(rename_all = "snake_case")]
pub enum ChangelogRange {
    /// Commits since the nearest release reachable from the revision.
    #[default]
    Unreleased,
    /// One release, by version (`1.4.0`) or tag (`v1.4.0`).
    Release(String),
    /// Every release reachable from the revision, plus the unreleased commits.
    All,
}

/// A changelog section: a title and the commit types it collects.
///
/// In `types`, `"!"` stands for breaking changes and `"*"` for every commit
/// no earlier group took (other types and non-conventional commits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct GroupRule {
    /// Section heading, e.g. `Features`.
    pub title: String,
    /// Conventional types (case-insensitive), `"!"` or `"*"`.
    pub types: Vec<String>,
}

/// The default sections: Breaking Changes, Features, Bug Fixes, Performance, Reverts, Other.
pub fn default_groups() -> Vec<GroupRule> {
    let g = |title: &str, types: &[&str]| GroupRule {
        title: title.to_string(),
        types: types.iter().map(|t| t.to_string()).collect(),
    };
    vec![
        g("Breaking Changes", &["!"]),
        g("Features", &["feat"]),
        g("Bug Fixes", &["fix"]),
        g("Performance", &["perf"]),
        g("Reverts", &["revert"]),
        g("Other", &["*"]),
    ]
}

/// Options of [`changelog`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct ChangelogOptions {
    /// The revision to describe (default `HEAD`).
    pub rev: String,
    /// Tag pattern with `{version}` (default `v{version}`).
    pub tag_pattern: String,
    /// Only commits touching these paths (one component of a monorepo).
    pub paths: Vec<String>,
    /// Which part of the history.
    pub range: ChangelogRange,
    /// Keep commits that fit no named group, in the `"*"` group (default true).
    pub include_other: bool,
    /// Pre-release tags are release sections of their own (default true);
    /// when false their commits fold into the next stable release.
    pub include_prereleases: bool,
    /// The sections, in order.
    pub groups: Vec<GroupRule>,
    /// Skip merges and fixups, drop revert pairs: the same rules as the bump policy.
    pub policy: BumpPolicy,
}

impl Default for ChangelogOptions {
    fn default() -> Self {
        ChangelogOptions {
            rev: "HEAD".into(),
            tag_pattern: DEFAULT_TAG_PATTERN.into(),
            paths: Vec::new(),
            range: ChangelogRange::Unreleased,
            include_other: true,
            include_prereleases: true,
            groups: default_groups(),
            policy: BumpPolicy::default(),
        }
    }
}

/// One section of a release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct ChangelogGroup {
    /// The section heading.
    pub title: String,
    /// Its commits, newest first.
    pub commits: Vec<CommitEntry>,
}

/// One release (or the unreleased commits) in a changelog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct ChangelogRelease {
    /// The version; `None` for the unreleased commits.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub version: Option<Version>,
    /// The tag; `None` for the unreleased commits.
    pub tag: Option<String>,
    /// Release date `YYYY-MM-DD` (the tag's own offset); `None` when unreleased.
    pub date: Option<String>,
    /// The tagged commit (or the revision, when unreleased).
    pub commit: String,
    /// The release before this one, if any.
    pub previous_tag: Option<String>,
    /// Non-empty sections, in the configured order.
    pub groups: Vec<ChangelogGroup>,
}

/// A changelog: releases newest first, the unreleased section on top.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Changelog {
    /// The releases, newest first.
    pub releases: Vec<ChangelogRelease>,
}

impl Changelog {
    /// Render as Keep a Changelog markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "# Changelog\n\nAll notable changes to this project are documented in this file.\n\
             The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
             and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n",
        );
        for r in &self.releases {
            out.push('\n');
            match (&r.version, &r.date) {
                (Some(v), Some(d)) => {
                    let _ = writeln!(out, "## [{v}] - {d}");
                }
                (Some(v), None) => {
                    let _ = writeln!(out, "## [{v}]");
                }
                _ => out.push_str("## [Unreleased]\n"),
            }
            if r.groups.is_empty() {
                out.push_str("\nNo notable changes.\n");
            }
            for g in &r.groups {
                let _ = write!(out, "\n### {}\n\n", g.title);
                for c in &g.commits {
                    out.push_str("- ");
                    if let Some(s) = &c.scope {
                        let _ = write!(out, "**{s}:** ");
                    }
                    let _ = writeln!(out, "{} ({})", c.description, c.short_id);
                    if let Some(b) = &c.breaking_description {
                        for (i, line) in b.lines().enumerate() {
                            let lead = if i == 0 { "  - BREAKING: " } else { "    " };
                            let _ = writeln!(out, "{lead}{line}");
                        }
                    }
                }
            }
        }
        out
    }
}

fn group_of(e: &CommitEntry, groups: &[GroupRule], include_other: bool) -> Option<usize> {
    let has = |g: &GroupRule, t: &str| g.types.iter().any(|x| x.eq_ignore_ascii_case(t));
    let breaking = (e.breaking && e.conventional)
        .then(|| groups.iter().position(|g| has(g, "!")))
        .flatten();
    let kind = e.kind.as_deref().or(e.revert.then_some("revert"));
    let typed = kind.and_then(|k| groups.iter().position(|g| has(g, k)));
    let other = || {
        include_other
            .then(|| groups.iter().position(|g| has(g, "*")))
            .flatten()
    };
    breaking.or(typed).or_else(other)
}

fn build_groups(entries: Vec<CommitEntry>, options: &ChangelogOptions) -> Vec<ChangelogGroup> {
    let p = &options.policy;
    let cancelled = if p.pair_reverts {
        cancelled_pairs(&entries)
    } else {
        HashSet::new()
    };
    let mut buckets: Vec<Vec<CommitEntry>> = vec![Vec::new(); options.groups.len()];
    for e in entries {
        if (e.merge && p.skip_merges) || (e.fixup && p.skip_fixups) || cancelled.contains(&e.id) {
            continue;
        }
        if let Some(i) = group_of(&e, &options.groups, options.include_other) {
            buckets[i].push(e);
        }
    }
    options
        .groups
        .iter()
        .zip(buckets)
        .filter(|(_, c)| !c.is_empty())
        .map(|(g, commits)| ChangelogGroup {
            title: g.title.clone(),
            commits,
        })
        .collect()
}

fn release_date(r: &Release) -> String {
    r.date.get(..10).unwrap_or(&r.date).to_string()
}

fn validate(options: &ChangelogOptions) -> Result<()> {
    if options.groups.is_empty() {
        return Err(Error::invalid(
            "changelog groups are empty: give at least one group, e.g. {\"title\": \"Changes\", \"types\": [\"*\"]}",
        ));
    }
    if let Some(g) = options.groups.iter().find(|g| g.title.trim().is_empty()) {
        return Err(Error::invalid(format!(
            "changelog group with types {:?} has an empty title",
            g.types
        )));
    }
    Ok(())
}

/// A loaded history: every commit reachable from a revision.
struct Graph {
    entries: Vec<CommitEntry>,
    /// Parent indexes per commit (only parents inside the graph).
    parents: Vec<Vec<usize>>,
    index: HashMap<Oid, usize>,
    /// Commit time, for ordering.
    time: Vec<i64>,
    /// Whether the commit touches the path filters (all true without filters).
    touched: Vec<bool>,
}

fn load_graph(repo: &Repository, head: Oid, paths: &[std::path::PathBuf]) -> Result<Graph> {
    let mut g = Graph {
        entries: Vec::new(),
        parents: Vec::new(),
        index: HashMap::new(),
        time: Vec::new(),
        touched: Vec::new(),
    };
    let mut parent_oids: Vec<Vec<Oid>> = Vec::new();
    let mut stack = vec![head];
    while let Some(oid) = stack.pop() {
        if g.index.contains_key(&oid) {
            continue;
        }
        let c = match repo.find_commit(oid) {
            Ok(c) => c,
            Err(e) if e.code() == git2::ErrorCode::NotFound && repo.is_shallow() => continue,
            Err(e) => return Err(Error::git(format!("cannot read commit {oid}"), e)),
        };
        g.index.insert(oid, g.entries.len());
        g.entries.push(CommitEntry::from_commit(&c));
        g.time.push(c.time().seconds());
        g.touched.push(touches(&c, paths)?);
        let ps: Vec<Oid> = c.parent_ids().collect();
        stack.extend(ps.iter().rev());
        parent_oids.push(ps);
    }
    g.parents = parent_oids
        .into_iter()
        .map(|ps| ps.iter().filter_map(|p| g.index.get(p).copied()).collect())
        .collect();
    Ok(g)
}

/// Assign every commit of the graph to the lowest release (by version) whose
/// tag reaches it; `None` for unreleased commits.
fn assign(graph: &Graph, releases: &[&TaggedRelease]) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; graph.entries.len()];
    for (ri, r) in releases.iter().enumerate() {
        let Some(&start) = graph.index.get(&r.oid) else {
            continue;
        };
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if owner[i].is_some() {
                continue;
            }
            owner[i] = Some(ri);
            stack.extend(
                graph.parents[i]
                    .iter()
                    .copied()
                    .filter(|&p| owner[p].is_none()),
            );
        }
    }
    owner
}

/// Build a changelog of the repository at `path`.
pub fn changelog(path: &Path, options: &ChangelogOptions) -> Result<Changelog> {
    validate(options)?;
    let pattern = TagPattern::new(&options.tag_pattern)?;
    let paths = normalize_paths(&options.paths)?;
    let repo = open_repo(path)?;
    let head = resolve_commit(&repo, &options.rev)?.id();
    let mut all = tagged_releases(&repo, &pattern)?;
    if !options.include_prereleases {
        all.retain(|r| !r.release.prerelease);
    }

    if options.range == ChangelogRange::Unreleased {
        let base = base_release(&repo, head, &all)?;
        let entries = commits_since(&repo, head, base.map(|b| b.oid), &paths)?;
        return Ok(Changelog {
            releases: vec![ChangelogRelease {
                version: None,
                tag: None,
                date: None,
                commit: head.to_string(),
                previous_tag: base.map(|b| b.release.tag.clone()),
                groups: build_groups(entries, options),
            }],
        });
    }

    // One release: describe history from its tag; all: from the revision.
    let (root, only) = match &options.range {
        ChangelogRange::Release(which) => {
            let wanted = Version::parse(which).ok();
            let r = all
                .iter()
                .find(|r| {
                    r.release.tag == *which
                        || wanted.as_ref().is_some_and(|w| *w == r.release.version)
                })
                .ok_or_else(|| {
                    Error::not_found(format!(
                        "release {which:?} not found among tags matching {pattern}: give a version or tag listed by `opskit version releases`"
                    ))
                })?;
            (r.oid, Some(r.release.tag.clone()))
        }
        _ => (head, None),
    };
    let graph = load_graph(&repo, root, &paths)?;
    let reachable: Vec<&TaggedRelease> = all
        .iter()
        .filter(|r| graph.index.contains_key(&r.oid))
        .collect();
    let owner = assign(&graph, &reachable);

    // Newest first: by commit time, then by discovery order (parents after children).
    let mut order: Vec<usize> = (0..graph.entries.len()).collect();
    order.sort_by(|&a, &b| graph.time[b].cmp(&graph.time[a]).then(a.cmp(&b)));
    let mut buckets: Vec<Vec<CommitEntry>> = vec![Vec::new(); reachable.len() + 1];
    for i in order {
        if graph.touched[i] {
            buckets[owner[i].unwrap_or(reachable.len())].push(graph.entries[i].clone());
        }
    }

    let mut releases = Vec::new();
    let unreleased = buckets.pop().unwrap_or_default();
    if only.is_none() && !unreleased.is_empty() {
        releases.push(ChangelogRelease {
            version: None,
            tag: None,
            date: None,
            commit: head.to_string(),
            previous_tag: reachable.last().map(|r| r.release.tag.clone()),
            groups: build_groups(unreleased, options),
        });
    }
    for (ri, commits) in buckets.into_iter().enumerate().rev() {
        let r = &reachable[ri].release;
        if only.as_ref().is_some_and(|t| *t != r.tag) {
            continue;
        }
        releases.push(ChangelogRelease {
            version: Some(r.version.clone()),
            tag: Some(r.tag.clone()),
            date: Some(release_date(r)),
            commit: r.commit.clone(),
            previous_tag: ri.checked_sub(1).map(|p| reachable[p].release.tag.clone()),
            groups: build_groups(commits, options),
        });
    }
    Ok(Changelog { releases })
}

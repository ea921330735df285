//! Changelogs from git history: Keep a Changelog markdown and the same data
//! as JSON, for the unreleased commits, one release, or the whole history.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};

use super::git::{
    CommitEntry, DEFAULT_TAG_PATTERN, Line, TagPattern, TaggedRelease, base_release, open_repo,
    resolve_commit, resolve_pattern, tagged_releases,
};
use super::next::{BumpPolicy, ComponentFilter, ComponentMatch, cancelled_pairs, commits_since};
use super::scheme::{AnyVersion, Scheme};
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
    /// The version scheme of the tags (default `auto`, as in [`super::NextOptions`]).
    pub scheme: Scheme,
    /// Only commits touching these paths (one component of a monorepo).
    pub paths: Vec<String>,
    /// Only commits whose Conventional Commits scope names one of these.
    pub scopes: Vec<String>,
    /// How `paths` and `scopes` combine (as in [`super::NextOptions`]).
    pub component_match: Option<ComponentMatch>,
    /// Which part of the history.
    pub range: ChangelogRange,
    /// Keep commits that fit no named group, in the `"*"` group (default true).
    pub include_other: bool,
    /// Pre-release tags are release sections of their own (default true);
    /// when false their commits fold into the next stable release.
    pub include_prereleases: bool,
    /// With `include_prereleases`, only this channel's pre-releases are
    /// sections; other channels' fold into the next release of the line.
    pub channel: Option<String>,
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
            scheme: Scheme::Auto,
            paths: Vec::new(),
            scopes: Vec::new(),
            component_match: None,
            range: ChangelogRange::Unreleased,
            include_other: true,
            include_prereleases: true,
            channel: None,
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
    pub version: Option<AnyVersion>,
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

/// The top of a Keep a Changelog file, before the first release section.
pub(crate) const HEADER: &str = "# Changelog\n\nAll notable changes to this project are documented in this file.\n\
     The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
     and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n";

impl Changelog {
    /// Render as Keep a Changelog markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(HEADER);
        for r in &self.releases {
            out.push('\n');
            render_release(&mut out, r);
        }
        out
    }
}

/// One release as a Keep a Changelog section: `## [version] - date`, then
/// its groups (what `to_markdown` writes per release, and what a release
/// prepends to CHANGELOG.md).
pub(crate) fn render_release(out: &mut String, r: &ChangelogRelease) {
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

fn group_of(e: &CommitEntry, options: &ChangelogOptions) -> Option<usize> {
    let (groups, p) = (&options.groups, &options.policy);
    let has = |g: &GroupRule, t: &str| g.types.iter().any(|x| x.eq_ignore_ascii_case(t));
    let breaking = p
        .reads_as_breaking(e)
        .then(|| groups.iter().position(|g| has(g, "!")))
        .flatten();
    let kind = if p.reads_as_conventional(e) {
        e.kind.as_deref()
    } else {
        None
    };
    let kind = kind.or(e.revert.then_some("revert"));
    let typed = kind.and_then(|k| groups.iter().position(|g| has(g, k)));
    let other = || {
        options
            .include_other
            .then(|| groups.iter().position(|g| has(g, "*")))
            .flatten()
    };
    breaking.or(typed).or_else(other)
}

fn build_groups(entries: Vec<CommitEntry>, options: &ChangelogOptions) -> Vec<ChangelogGroup> {
    let p = &options.policy;
    let cancelled = if p.pair_reverts {
        cancelled_pairs(&entries, p.pair_reverts_by_header)
    } else {
        HashSet::new()
    };
    let mut buckets: Vec<Vec<CommitEntry>> = vec![Vec::new(); options.groups.len()];
    for e in entries {
        if (e.merge && p.skip_merges) || (e.fixup && p.skip_fixups) || cancelled.contains(&e.id) {
            continue;
        }
        if let Some(i) = group_of(&e, options) {
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

fn load_graph(repo: &Repository, head: Oid, filter: &ComponentFilter) -> Result<Graph> {
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
        let entry = CommitEntry::from_commit(&c);
        g.touched.push(filter.selects(&c, &entry)?);
        g.entries.push(entry);
        g.time.push(c.time().seconds());
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

/// The commits of the graph, parents before children.
fn parents_first(graph: &Graph) -> Vec<usize> {
    let n = graph.entries.len();
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if done[start] {
            continue;
        }
        stack.push((start, 0));
        while let Some((node, next)) = stack.pop() {
            if done[node] {
                continue;
            }
            match graph.parents[node].get(next) {
                Some(&p) => {
                    stack.push((node, next + 1));
                    if !done[p] {
                        stack.push((p, 0));
                    }
                }
                None => {
                    done[node] = true;
                    order.push(node);
                }
            }
        }
    }
    order
}

/// The order in which releases claim commits: a release comes after every
/// release whose tagged commit is its ancestor (so a commit goes to the
/// release that first shipped it, whatever the channels' names), and
/// releases on parallel branches come in version order. `releases` is
/// sorted by version.
fn shipping_order(graph: &Graph, releases: &[&TaggedRelease]) -> Vec<usize> {
    let words = releases.len().div_ceil(64);
    let mut tagged: HashMap<usize, Vec<usize>> = HashMap::new();
    for (ri, r) in releases.iter().enumerate() {
        if let Some(&c) = graph.index.get(&r.oid) {
            tagged.entry(c).or_default().push(ri);
        }
    }
    // below[c]: the releases tagged on strict ancestors of commit c.
    let mut below: Vec<Vec<u64>> = vec![Vec::new(); graph.entries.len()];
    let mut ancestors: Vec<Vec<u64>> = vec![vec![0; words]; releases.len()];
    for c in parents_first(graph) {
        let mut bits = vec![0u64; words];
        for &p in &graph.parents[c] {
            for (w, x) in bits.iter_mut().zip(&below[p]) {
                *w |= x;
            }
            for &ri in tagged.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
                bits[ri / 64] |= 1 << (ri % 64);
            }
        }
        for &ri in tagged.get(&c).map(Vec::as_slice).unwrap_or(&[]) {
            ancestors[ri].clone_from(&bits);
        }
        below[c] = bits;
    }
    drop(below);
    let mut waiting: Vec<u32> = ancestors
        .iter()
        .map(|a| a.iter().map(|w| w.count_ones()).sum())
        .collect();
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..releases.len())
        .filter(|&r| waiting[r] == 0)
        .map(std::cmp::Reverse)
        .collect();
    let mut order = Vec::with_capacity(releases.len());
    while let Some(std::cmp::Reverse(r)) = ready.pop() {
        order.push(r);
        for (s, a) in ancestors.iter().enumerate() {
            if a[r / 64] & (1 << (r % 64)) != 0 {
                waiting[s] -= 1;
                if waiting[s] == 0 {
                    ready.push(std::cmp::Reverse(s));
                }
            }
        }
    }
    order
}

/// Assign every commit of the graph to the release that first shipped it
/// (see [`shipping_order`]); `None` for unreleased commits.
fn assign(graph: &Graph, releases: &[&TaggedRelease]) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; graph.entries.len()];
    for ri in shipping_order(graph, releases) {
        let r = releases[ri];
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
    let line = Line::listing(options.include_prereleases, options.channel.as_deref())?;
    let filter = ComponentFilter::new(&options.paths, &options.scopes, options.component_match)?;
    let repo = open_repo(path)?;
    let (pattern, _) = resolve_pattern(&repo, pattern, options.scheme)?;
    let head = resolve_commit(&repo, &options.rev)?.id();
    let mut all = tagged_releases(&repo, &pattern)?;
    all.retain(|r| line.contains(&r.release.version));

    if options.range == ChangelogRange::Unreleased {
        let base = base_release(&repo, head, &all, Line::All)?;
        let entries = commits_since(&repo, head, base.map(|b| b.oid), &filter)?;
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
            let wanted = AnyVersion::parse(which, pattern.scheme()).ok();
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
    let graph = load_graph(&repo, root, &filter)?;
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
            date: Some(crate::time::rfc3339_date(&r.date).to_string()),
            commit: r.commit.clone(),
            previous_tag: ri.checked_sub(1).map(|p| reachable[p].release.tag.clone()),
            groups: build_groups(commits, options),
        });
    }
    Ok(Changelog { releases })
}

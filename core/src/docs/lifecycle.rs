//! Ownership, review freshness, code-coupled staleness and orphans: the
//! findings about pages rather than links. Dates come from front matter or
//! a g3doc comment, owners also from CODEOWNERS; without a review date a
//! page's age is its last commit, found for every page (and every linked
//! code path) in one walk of the git history.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::Value;
use time::{Date, Duration, OffsetDateTime};

use super::audit::{AuditOptions, Finding, finding, is_markdown, show};
use super::history::{self, History};
use super::meta::{CodeOwners, parse_date, parse_interval};
use super::scan::Page;
use crate::error::{Error, Result};

/// Files a page may link to that are not code (they do not make it stale).
const NOT_CODE: &[&str] = &[
    "md", "markdown", "png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "html", "htm", "txt",
];

/// Commits kept per linked code path (the message names at most these).
const COMMITS_SHOWN: usize = 5;

pub(crate) struct Context<'a> {
    pub(crate) top: &'a Path,
    pub(crate) root_in_top: &'a Path,
    pub(crate) options: &'a AuditOptions,
    pub(crate) pages: &'a HashMap<String, Page>,
    /// Each page's local link targets that exist, relative to the work tree.
    pub(crate) edges: &'a HashMap<String, Vec<PathBuf>>,
    pub(crate) in_git: bool,
}

/// A string value of the first of `keys` in the page's front matter or
/// g3doc freshness block.
fn meta<'p>(page: &'p Page, front: &[&str], g3doc: &str) -> Option<(&'p str, String)> {
    for k in front {
        match page.front_matter.as_ref().and_then(|f| f.get(*k)) {
            Some(Value::String(s)) => return Some((s.as_str(), format!("front matter {k}"))),
            Some(Value::Array(a)) => {
                if let Some(Value::String(s)) = a.first() {
                    return Some((s.as_str(), format!("front matter {k}")));
                }
            }
            _ => {}
        }
    }
    page.g3doc
        .as_ref()
        .and_then(|g| g.get("freshness"))
        .and_then(|f| f.get(g3doc))
        .and_then(Value::as_str)
        .map(|s| (s, format!("g3doc freshness {g3doc}")))
}

fn date_of(seconds: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

/// The findings about pages: missing metadata, stale pages, code changed
/// after the page, orphans.
pub(crate) fn findings(cx: &Context<'_>) -> Result<Vec<Finding>> {
    let o = cx.options;
    let as_of = match &o.as_of {
        Some(d) => parse_date(d).map_err(|e| Error::invalid(format!("as_of: {e}")))?,
        None => OffsetDateTime::now_utc().date(),
    };
    let in_top = |page: &str| show(&cx.root_in_top.join(page));
    let code_targets: HashSet<String> = cx
        .edges
        .values()
        .flatten()
        .filter(|t| {
            !t.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| NOT_CODE.contains(&e.to_ascii_lowercase().as_str()))
        })
        .map(|t| show(t))
        .filter(|t| !t.is_empty())
        .collect();
    let history = if cx.in_git && o.git_history {
        let mut wanted: HashMap<String, usize> = cx.pages.keys().map(|p| (in_top(p), 1)).collect();
        for t in &code_targets {
            wanted.insert(t.clone(), COMMITS_SHOWN);
        }
        let ignore: HashSet<String> =
            std::fs::read_to_string(cx.top.join(".git-blame-ignore-revs"))
                .unwrap_or_default()
                .lines()
                .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                .filter(|l| l.len() == 40)
                .collect();
        history::walk(cx.top, &wanted, &ignore)?
    } else {
        History::default()
    };
    let owners = CodeOwners::find(cx.top);
    let mut out = Vec::new();
    let mut paths: Vec<&String> = cx.pages.keys().collect();
    paths.sort();
    for path in paths {
        let page = &cx.pages[path];
        if let Some((line, why)) = &page.g3doc_error {
            out.push(finding("invalid-metadata", path, *line, 1, why.clone()));
        }
        // Owner.
        let owner = meta(page, &["owner", "owners"], "owner").map(|(o, _)| o.to_string());
        let owned = owner.is_some()
            || owners
                .as_ref()
                .is_some_and(|c| !c.owners(&in_top(path)).is_empty());
        if o.required_metadata.iter().any(|m| m == "owner") && !owned {
            out.push(finding(
                "missing-metadata",
                path,
                1,
                1,
                "no owner: add `owner:` to the front matter, a g3doc freshness comment, or a CODEOWNERS rule".into(),
            ));
        }
        // Review date and interval.
        let reviewed = meta(page, &["last_reviewed", "reviewed", "ms.date"], "reviewed");
        let interval = match meta(
            page,
            &["review_interval", "review_cadence"],
            "review_interval",
        ) {
            Some((s, from)) => match parse_interval(s) {
                Ok(d) => d,
                Err(e) => {
                    out.push(finding(
                        "invalid-metadata",
                        path,
                        1,
                        1,
                        format!("{from}: {e}"),
                    ));
                    o.max_age_days
                }
            },
            None => o.max_age_days,
        }
        .min(o.max_age_days);
        let last = match reviewed {
            Some((s, from)) => match parse_date(s) {
                Ok(d) => Some((d, format!("last reviewed {d} ({from})"))),
                Err(e) => {
                    out.push(finding(
                        "invalid-metadata",
                        path,
                        1,
                        1,
                        format!("{from}: {e}"),
                    ));
                    None
                }
            },
            None => {
                for m in &o.required_metadata {
                    if m == "owner"
                        || (m != "last_reviewed" && meta(page, &[m.as_str()], m).is_some())
                    {
                        continue;
                    }
                    let what = if m == "last_reviewed" {
                        "no review date: add `last_reviewed: YYYY-MM-DD` to the front matter or `reviewed` to a g3doc freshness comment".to_string()
                    } else {
                        format!("no `{m}` in the front matter")
                    };
                    out.push(finding("missing-metadata", path, 1, 1, what));
                }
                history.last(&in_top(path)).map(|c| {
                    let d = date_of(c.time);
                    (
                        d,
                        format!(
                            "no review date; last changed {d} in git ({} {})",
                            c.id, c.summary
                        ),
                    )
                })
            }
        };
        if let Some((date, why)) = last {
            let due = date + Duration::days(i64::from(interval));
            if due < as_of {
                out.push(finding(
                    "stale-page",
                    path,
                    1,
                    1,
                    format!("{why}; a review was due {due} ({interval} days): review it and update the date"),
                ));
            }
        }
        // Code that changed after the page.
        if let Some(page_change) = history.last(&in_top(path)) {
            let mut seen = HashSet::new();
            for target in cx.edges.get(path).into_iter().flatten() {
                let t = show(target);
                if !code_targets.contains(&t) || !seen.insert(t.clone()) {
                    continue;
                }
                let newer: Vec<_> = history
                    .changes
                    .get(&t)
                    .into_iter()
                    .flatten()
                    .filter(|c| c.time > page_change.time)
                    .collect();
                if newer.is_empty() {
                    continue;
                }
                let more = if newer.len() == COMMITS_SHOWN {
                    " and maybe more"
                } else {
                    ""
                };
                let list = newer
                    .iter()
                    .map(|c| format!("{} {}", c.id, c.summary))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut f = finding(
                    "code-changed",
                    path,
                    1,
                    1,
                    format!(
                        "{t} changed after this page last did ({}, {}): {list}{more}; check the page still describes it",
                        date_of(page_change.time),
                        page_change.id
                    ),
                );
                f.target = Some(t.clone());
                out.push(f);
            }
        }
    }
    out.extend(orphans(cx));
    Ok(out)
}

/// Pages no chain of links reaches from an entry point (none when the
/// audit has no entry point); `orphan: true` in the front matter opts out.
fn orphans(cx: &Context<'_>) -> Vec<Finding> {
    let to_page = |t: &PathBuf| -> Option<String> {
        let rel = t.strip_prefix(cx.root_in_top).ok()?;
        let key = show(rel);
        if cx.pages.contains_key(&key) {
            return Some(key);
        }
        // A folder link reaches its index page.
        cx.options
            .index_files
            .iter()
            .map(|i| show(&rel.join(i)))
            .find(|k| cx.pages.contains_key(k))
    };
    let mut queue: VecDeque<String> = cx
        .options
        .entry_points
        .iter()
        .filter(|e| cx.pages.contains_key(*e))
        .cloned()
        .collect();
    if queue.is_empty() {
        return Vec::new();
    }
    let mut reached: HashSet<String> = queue.iter().cloned().collect();
    while let Some(p) = queue.pop_front() {
        for t in cx.edges.get(&p).into_iter().flatten() {
            if let Some(next) = to_page(t)
                && reached.insert(next.clone())
            {
                queue.push_back(next);
            }
        }
    }
    let mut out: Vec<Finding> = cx
        .pages
        .iter()
        .filter(|(p, page)| {
            !reached.contains(*p)
                && is_markdown(Path::new(p))
                && page.front_matter.as_ref().and_then(|f| f.get("orphan"))
                    != Some(&Value::Bool(true))
        })
        .map(|(p, _)| {
            finding(
                "orphan-page",
                p,
                1,
                1,
                format!(
                    "no page links here from {}: link it from an index, or set `orphan: true`",
                    cx.options.entry_points.join(" or ")
                ),
            )
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

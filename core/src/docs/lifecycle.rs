//! Ownership, review freshness, code-coupled staleness and orphans: the
//! findings about pages rather than links. Dates come from front matter or
//! a g3doc comment, owners also from CODEOWNERS; without a review date a
//! page's age is its last commit, found for every page (and every linked
//! code path) in one walk of the git history.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::Value;
use time::Duration;

use super::finding::{Finding, finding};
use super::history::{self, History};
use super::meta::CodeOwners;
use super::options::AuditOptions;
use super::pages::{is_page, show};
use super::scan::Page;
use crate::error::{Error, Result};
use crate::time::{date_of, parse_date, parse_interval};

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
    pub(crate) pages: &'a super::Map<String, Page>,
    /// Each page's local link targets that exist, relative to the work tree.
    pub(crate) edges: &'a super::Map<String, Vec<PathBuf>>,
    pub(crate) in_git: bool,
    /// Each rule's level as the options set it (`None`: off, not run).
    pub(crate) levels: &'a HashMap<&'static str, Option<super::finding::Severity>>,
}

impl Context<'_> {
    /// Is the rule run at all (not turned off)?
    fn runs(&self, rule: &str) -> bool {
        !matches!(self.levels.get(rule), Some(None))
    }
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

/// A review date in the forms its key's convention documents: `ms.date`
/// is Microsoft Learn's `MM/DD/YYYY` (ISO dates are read there too); the
/// others `YYYY-MM-DD`.
fn review_date(text: &str, from: &str) -> std::result::Result<time::Date, String> {
    if from.ends_with("ms.date") {
        return crate::time::parse_month_day_year(text)
            .or_else(|_| parse_date(text))
            .map_err(|_| {
                format!("{text:?} is not a date: write MM/DD/YYYY (ms.date's form) or YYYY-MM-DD")
            });
    }
    parse_date(text)
}

/// The findings about pages: missing metadata, stale pages, code changed
/// after the page, orphans.
pub(crate) fn findings(cx: &Context<'_>) -> Result<Vec<Finding>> {
    let o = cx.options;
    let as_of = match &o.as_of {
        Some(d) => parse_date(d).map_err(|e| Error::invalid(format!("as_of: {e}")))?,
        None => crate::time::today(),
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
    // The history walk serves stale pages and changed code only.
    let history =
        if cx.in_git && o.git_history && (cx.runs("stale-page") || cx.runs("code-changed")) {
            let mut code: HashMap<String, Vec<String>> = HashMap::new();
            for (page, targets) in cx.edges {
                for t in targets {
                    let t = show(t);
                    if code_targets.contains(&t) {
                        code.entry(t).or_default().push(in_top(page));
                    }
                }
            }
            let wanted = history::Wanted {
                pages: cx.pages.keys().map(|p| in_top(p)).collect(),
                code,
                keep: COMMITS_SHOWN,
            };
            let ignore: HashSet<String> = crate::fsutil::read_text_capped(
                &cx.top.join(".git-blame-ignore-revs"),
                crate::limits::MAX_POLICY_BYTES as u64,
                ".git-blame-ignore-revs",
            )
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
            Some((s, from)) => match review_date(s, &from) {
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
    if cx.runs("orphan-page") {
        out.extend(orphans(cx));
    }
    out.extend(requirements(cx)?);
    if o.secrets {
        for (path, page) in cx.pages {
            for s in &page.secrets {
                out.push(finding(
                    "secret",
                    path,
                    s.line,
                    s.column,
                    format!(
                        "this looks like a secret ({}: {}): remove it and rotate it; mark a documented example with `opskit:allow` on its line, or list it in the policy's `secrets_allow`",
                        s.kind, s.masked
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn glob(g: &str, what: &str) -> Result<globset::GlobMatcher> {
    globset::GlobBuilder::new(g)
        .literal_separator(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::invalid(format!("{what} glob {g:?}: {e}")))
}

/// Does the page have a heading starting with `wanted` (case ignored)?
fn has_heading(page: &Page, wanted: &str) -> bool {
    let w = wanted.trim().to_lowercase();
    page.headings.iter().any(|h| {
        let t = h.text.trim().to_lowercase();
        t == w || t.starts_with(&format!("{w} ")) || t.starts_with(&format!("{w}:"))
    })
}

/// Required documents and the sections pages must have.
fn requirements(cx: &Context<'_>) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let mut sorted: Vec<(&String, &Page)> = cx.pages.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let missing_sections = |page: &Page, path: &str, headings: &[String], why: &str| {
        headings
            .iter()
            .filter(|h| !has_heading(page, h))
            .map(|h| {
                finding(
                    "missing-section",
                    path,
                    1,
                    1,
                    format!("no \"{h}\" heading, which {why} must have: add the section"),
                )
            })
            .collect::<Vec<_>>()
    };
    for req in &cx.options.required {
        if req.path.is_none() && req.title.is_none() {
            return Err(Error::invalid(format!(
                "required document {:?} has neither path nor title: give one to find it by",
                req.name
            )));
        }
        let by_path = req
            .path
            .as_deref()
            .map(|g| glob(g, "required document"))
            .transpose()?;
        let title = req.title.as_deref().map(str::to_lowercase);
        let found: Vec<&(&String, &Page)> = sorted
            .iter()
            .filter(|(path, page)| {
                by_path.as_ref().is_some_and(|g| g.is_match(path.as_str()))
                    || title.as_ref().is_some_and(|t| {
                        page.title
                            .as_deref()
                            .is_some_and(|pt| pt.to_lowercase().contains(t))
                    })
            })
            .collect();
        if found.is_empty() {
            let looked = [
                req.path.as_ref().map(|p| format!("page at {p}")),
                req.title.as_ref().map(|t| format!("page titled \"{t}\"")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" or ");
            let at = req.path.clone().unwrap_or_else(|| {
                cx.options
                    .entry_points
                    .iter()
                    .find(|e| cx.pages.contains_key(*e))
                    .cloned()
                    .unwrap_or_else(|| ".".into())
            });
            out.push(finding(
                "missing-document",
                &at,
                1,
                1,
                format!(
                    "the required {} is missing: no {looked}; write it",
                    req.name
                ),
            ));
        }
        for (path, page) in found {
            out.extend(missing_sections(
                page,
                path,
                &req.sections,
                &format!("the {}", req.name),
            ));
        }
    }
    for rule in &cx.options.required_sections {
        let g = glob(&rule.path, "required_sections")?;
        for (path, page) in &sorted {
            if g.is_match(path.as_str()) {
                out.extend(missing_sections(
                    page,
                    path,
                    &rule.headings,
                    &format!("every page at {}", rule.path),
                ));
            }
        }
    }
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
                && is_page(Path::new(p))
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

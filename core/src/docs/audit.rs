//! The audit: walk a docs tree (respecting `.gitignore` and include/exclude
//! globs), scan its pages in parallel, and check every local link and
//! `#fragment` the way GitHub resolves them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::finding::{Finding, Severity, finding, fingerprint, rule_levels};
use super::options::AuditOptions;
use super::pages::{pages_of, read_page};
use super::resolve::{Outcome, Resolver, normalize};
use super::scan::Page;
use super::{external, lifecycle};
use crate::error::{Error, Result};

/// What an audit found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase", rename = "DocsAudit"))]
pub struct Audit {
    /// The audited folder.
    pub root: String,
    /// Pages scanned.
    pub pages: usize,
    /// Links and images seen.
    pub links: usize,
    /// Local links and fragments checked.
    pub checked: usize,
    /// External links (`http(s)`, `mailto`, …) by target, with their count.
    pub external_links: BTreeMap<String, usize>,
    /// Distinct `http(s)` URLs checked over the network or answered from
    /// the cache (0 unless `check_external`).
    #[serde(default)]
    pub external_checked: usize,
    /// Findings, by path, line and column.
    pub findings: Vec<Finding>,
    /// Findings per rule name.
    pub counts: BTreeMap<String, usize>,
    /// Findings a suppression comment silenced.
    pub suppressed: usize,
    /// Findings a baseline hid ([`apply_baseline`](super::apply_baseline)).
    #[serde(default)]
    pub baselined: usize,
}

impl Audit {
    /// Findings at or above `severity`.
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= severity)
            .count()
    }
}

/// The git repository holding `dir`, if any, and its work tree.
fn work_tree(dir: &Path) -> Option<(git2::Repository, PathBuf)> {
    let repo = git2::Repository::discover(dir).ok()?;
    let top = repo.workdir()?.canonicalize().ok()?;
    Some((repo, top))
}

/// `f` over every item, in order: on rayon's pool when this process may
/// use more than one CPU, else on this thread (no pool to start or hand
/// work to).
fn map_all<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    static ONE_CPU: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let one = *ONE_CPU.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0);
        pool.unwrap_or(cpus) == 1
    });
    if one {
        items.iter().map(f).collect()
    } else {
        items.par_iter().map(f).collect()
    }
}

/// Audit the docs under `root`.
pub fn audit(root: &Path, options: &AuditOptions) -> Result<Audit> {
    let root = root
        .canonicalize()
        .map_err(|e| Error::io(root, "audit", e))?;
    if !root.is_dir() {
        return Err(Error::invalid(format!(
            "{} is not a folder: give the folder of the docs",
            root.display()
        )));
    }
    let walked = pages_of(&root, options)?;
    let files = walked.pages;
    // Severity overrides, checked before the work; a rule turned off costs nothing.
    let levels = rule_levels(&options.severity, &options.rules, &options.skip_rules)?;
    let allow = super::secrets::allow_list(&options.secrets_allow)?;
    let secrets = (options.secrets && !matches!(levels.get("secret"), Some(None)))
        .then_some(allow.as_slice());
    let scanned = map_all(&files, |p| read_page(&root, &p.path, p.regular, secrets));
    let mut findings = Vec::new();
    let mut pages = super::Map::default();
    for s in scanned {
        match s {
            Ok(p) => {
                if let Some((line, why)) = &p.front_matter_error {
                    findings.push(finding(
                        "invalid-front-matter",
                        &p.path,
                        *line,
                        1,
                        why.clone(),
                    ));
                }
                pages.insert(p.path.clone(), p);
            }
            Err(f) => findings.push(*f),
        }
    }
    // Links may reach anything in the repository (GitHub resolves `/path`
    // against its root); outside git, the audit root is the boundary.
    let (repo, top) = match work_tree(&root) {
        Some((repo, top)) => (Some(repo), top),
        None => (None, root.clone()),
    };
    let in_git = repo.is_some();
    let root_in_top = root
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let site_in_top = match &options.site_root {
        Some(s) => normalize(&root_in_top.join(s)).ok_or_else(|| {
            Error::invalid(format!(
                "site_root {s:?} leaves the repository: give a folder inside it, relative to the audit root"
            ))
        })?,
        None => PathBuf::new(),
    };
    let listings = walked
        .listings
        .into_iter()
        .map(|(folder, l)| (root_in_top.join(folder), l))
        .collect();
    let resolver = Resolver {
        top: &top,
        root_in_top,
        site_in_top,
        options,
        pages: &pages,
        others: Mutex::new(super::Map::default()),
        repo: Mutex::new(repo),
        pinned: Mutex::new(super::Map::default()),
        kinds: Mutex::new(super::Map::default()),
        listings: Mutex::new(listings),
    };
    let mut ordered: Vec<&Page> = pages.values().collect();
    ordered.sort_by(|a, b| a.path.cmp(&b.path));
    type PageResult = (usize, usize, Vec<String>, Vec<Finding>, Vec<PathBuf>);
    let results: Vec<PageResult> = map_all(&ordered, |page| {
        let (mut checked, mut external, mut found, mut targets) =
            (0, Vec::new(), Vec::new(), Vec::new());
        for link in &page.links {
            match resolver.check(page, link) {
                Outcome::External => external.push(link.target.trim().to_string()),
                Outcome::Local { finding, target } => {
                    checked += 1;
                    found.extend(finding);
                    targets.extend(target);
                }
            }
        }
        (page.links.len(), checked, external, found, targets)
    });
    let mut audit = Audit {
        root: root.display().to_string(),
        pages: pages.len(),
        links: 0,
        checked: 0,
        external_links: BTreeMap::new(),
        external_checked: 0,
        findings,
        counts: BTreeMap::new(),
        suppressed: 0,
        baselined: 0,
    };
    let mut edges = super::Map::default();
    for (page, (links, checked, external, found, targets)) in ordered.iter().zip(results) {
        audit.links += links;
        audit.checked += checked;
        for e in external {
            *audit.external_links.entry(e).or_default() += 1;
        }
        audit.findings.extend(found);
        edges.insert(page.path.clone(), targets);
    }
    if options.check_external {
        let urls: Vec<String> = audit
            .external_links
            .keys()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .map(|u| u.split('#').next().unwrap_or(u).to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let answers = external::check(&urls, &options.external)?;
        audit.external_checked = urls.len();
        for page in &ordered {
            for link in &page.links {
                let url = link.target.trim();
                let Some(why) = answers
                    .get(url.split('#').next().unwrap_or(url))
                    .and_then(|a| a.error.as_ref())
                else {
                    continue;
                };
                let mut f = finding(
                    "broken-external-link",
                    &page.path,
                    link.line,
                    link.column,
                    format!("{url} {why}"),
                );
                f.target = Some(link.target.clone());
                audit.findings.push(f);
            }
        }
    }
    audit
        .findings
        .extend(lifecycle::findings(&lifecycle::Context {
            top: &top,
            root_in_top: &resolver.root_in_top,
            options,
            pages: &pages,
            edges: &edges,
            in_git,
            levels: &levels,
        })?);
    // Suppression comments, then severity overrides.
    let before = audit.findings.len();
    audit.findings.retain(|f| {
        !pages.get(&f.path).is_some_and(|p| {
            p.suppressions.iter().any(|s| {
                s.line.is_none_or(|l| l == f.line)
                    && (s.rules.is_empty()
                        || s.rules.iter().any(|r| *r == f.rule || *r == f.rule_id))
            })
        })
    });
    audit.suppressed = before - audit.findings.len();
    audit
        .findings
        .retain_mut(|f| match levels.get(f.rule.as_str()) {
            Some(None) => false,
            Some(Some(l)) => {
                f.severity = *l;
                true
            }
            None => true,
        });
    if let Some(min) = options.min_severity {
        audit.findings.retain(|f| f.severity >= min);
    }
    for f in &mut audit.findings {
        f.fingerprint = fingerprint(f);
        *audit.counts.entry(f.rule.clone()).or_default() += 1;
    }
    audit.findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id).cmp(&(&b.path, b.line, b.column, &b.rule_id))
    });
    Ok(audit)
}

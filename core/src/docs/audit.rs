//! The audit: walk a docs tree (respecting `.gitignore` and include/exclude
//! globs), scan its pages in parallel, and check every local link and
//! `#fragment` the way GitHub resolves them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::scan::{Link, Page, scan_html_parsed, scan_markdown};
use crate::error::{Error, Result};
pub use crate::limits::MAX_PAGE_BYTES;

/// What the audit reads and how it resolves links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct AuditOptions {
    /// Globs of the pages to audit, relative to the root (default: every
    /// `.md`, `.markdown`, `.html` and `.htm` file).
    pub include: Vec<String>,
    /// Globs left out (e.g. `archive/**`).
    pub exclude: Vec<String>,
    /// Where `/path` links resolve (default: the audit root, as GitHub
    /// resolves them against the repository root).
    pub site_root: Option<String>,
    /// The repository's web address, e.g. `https://github.com/org/repo`:
    /// links to its `/blob/<ref>/…` and `/tree/<ref>/…` pages are checked
    /// as local files (offline checkers take them for remote ones).
    pub repo_url: Option<String>,
    /// The files a folder link shows (default `README.md`, `index.md`).
    pub index_files: Vec<String>,
    /// Report a fragment that matches an anchor only when case is ignored
    /// (GitHub's anchors are lowercase) as a warning (default true).
    pub anchor_case_warning: bool,
    /// Metadata every page must carry (default `owner`, `last_reviewed`):
    /// `owner` from the front matter, a g3doc comment or CODEOWNERS;
    /// `last_reviewed` (or `reviewed`, `ms.date`) a `YYYY-MM-DD` date; any
    /// other name a front-matter key.
    pub required_metadata: Vec<String>,
    /// The longest a page may go unreviewed, in days (default 90, a
    /// quarterly review); a page's own `review_interval` may be shorter.
    pub max_age_days: u32,
    /// The day the audit judges freshness on, `YYYY-MM-DD` (default today, UTC).
    pub as_of: Option<String>,
    /// Read git history (one walk): a page without a review date is as old
    /// as its last commit, and linked code changed after it is reported
    /// (default true).
    pub git_history: bool,
    /// Where readers start (default `README.md`, `index.md`): a page no
    /// chain of links reaches from one is an orphan.
    pub entry_points: Vec<String>,
    /// Documents that must exist (`[[required]]` tables).
    pub required: Vec<RequiredDoc>,
    /// Headings every page matching a glob must have (`[[required_sections]]`).
    pub required_sections: Vec<SectionRule>,
    /// Look for leaked secrets (default true).
    pub secrets: bool,
    /// Check external `http(s)` links over the network (default false: the
    /// audit is offline).
    pub check_external: bool,
    /// How external links are checked.
    pub external: super::external::ExternalOptions,
    /// Each rule's severity, by rule name or id: `error`, `warning`,
    /// `note` or `off` (default: the rule's own).
    pub severity: BTreeMap<String, String>,
}

/// A document the knowledge base must hold, found by path glob or by
/// title, e.g. one SOP for database migrations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RequiredDoc {
    /// What it is, e.g. `database migration SOP`.
    pub name: String,
    /// A glob of its path relative to the audit root, e.g. `sops/db-migration*.md`.
    #[serde(default)]
    pub path: Option<String>,
    /// Words its title contains (case ignored), e.g. `database migration`.
    #[serde(default)]
    pub title: Option<String>,
    /// Headings it must have, e.g. `Rollback`.
    #[serde(default)]
    pub sections: Vec<String>,
}

/// Headings every page matching `path` must have (a runbook's `Rollback`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SectionRule {
    /// A glob of page paths, e.g. `runbooks/**`.
    pub path: String,
    /// The headings (case ignored; a heading may continue, `Rollback plan` has `Rollback`).
    pub headings: Vec<String>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            include: vec![
                "**/*.md".into(),
                "**/*.markdown".into(),
                "**/*.html".into(),
                "**/*.htm".into(),
            ],
            exclude: Vec::new(),
            site_root: None,
            repo_url: None,
            index_files: vec!["README.md".into(), "index.md".into()],
            anchor_case_warning: true,
            required_metadata: vec!["owner".into(), "last_reviewed".into()],
            max_age_days: 90,
            as_of: None,
            git_history: true,
            entry_points: vec!["README.md".into(), "index.md".into()],
            required: Vec::new(),
            required_sections: Vec::new(),
            secrets: true,
            check_external: false,
            external: super::external::ExternalOptions::default(),
            severity: BTreeMap::new(),
        }
    }
}

impl AuditOptions {
    /// Read a docs policy (TOML, the option names as keys; unknown keys
    /// are errors naming them).
    pub fn from_toml(text: &str) -> Result<AuditOptions> {
        crate::limits::check_policy("the docs policy", text)?;
        toml::from_str(text).map_err(|e| Error::toml("docs policy", text, &e))
    }

    /// Read a docs policy file.
    pub fn read(path: &Path) -> Result<AuditOptions> {
        let text = crate::fsutil::read_text_capped(
            path,
            crate::limits::MAX_POLICY_BYTES as u64,
            "docs policy",
        )?;
        AuditOptions::from_toml(&text)
            .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
    }
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Note,
    /// Likely wrong.
    Warning,
    /// Wrong.
    Error,
}

impl Severity {
    /// `note`, `warning` or `error` (SARIF's levels).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule of the audit: a stable id (for SARIF and baselines), a name and
/// what it checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleInfo {
    /// Stable id, e.g. `DOCS001`.
    pub id: &'static str,
    /// Short name, e.g. `broken-link`.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line on what it finds.
    pub description: &'static str,
}

/// What a finding under a name that is not in [`RULES`] says: a bug in the
/// audit, never a panic in the caller.
const UNKNOWN_RULE: RuleInfo = RuleInfo {
    id: "DOCS000",
    name: "internal-error",
    severity: Severity::Error,
    description: "The audit named a rule that is not in its catalogue: a bug to report",
};

/// Every rule, in id order.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "DOCS001",
        name: "broken-link",
        severity: Severity::Error,
        description: "A relative link's target file or folder does not exist",
    },
    RuleInfo {
        id: "DOCS002",
        name: "broken-anchor",
        severity: Severity::Error,
        description: "A #fragment matches no heading anchor, HTML id or line anchor of its target",
    },
    RuleInfo {
        id: "DOCS003",
        name: "anchor-case",
        severity: Severity::Warning,
        description: "A #fragment matches an anchor only when case is ignored",
    },
    RuleInfo {
        id: "DOCS004",
        name: "empty-link",
        severity: Severity::Warning,
        description: "A link has no target",
    },
    RuleInfo {
        id: "DOCS005",
        name: "unreadable-page",
        severity: Severity::Warning,
        description: "A page is not UTF-8, too large or cannot be read",
    },
    RuleInfo {
        id: "DOCS006",
        name: "invalid-front-matter",
        severity: Severity::Warning,
        description: "A page's YAML or TOML front matter does not parse",
    },
    RuleInfo {
        id: "DOCS007",
        name: "invalid-metadata",
        severity: Severity::Warning,
        description: "A review date, review interval or g3doc comment does not parse",
    },
    RuleInfo {
        id: "DOCS010",
        name: "missing-metadata",
        severity: Severity::Warning,
        description: "A page lacks required metadata (an owner, a review date)",
    },
    RuleInfo {
        id: "DOCS011",
        name: "stale-page",
        severity: Severity::Warning,
        description: "A page is older than its review interval or the policy's maximum age",
    },
    RuleInfo {
        id: "DOCS012",
        name: "code-changed",
        severity: Severity::Warning,
        description: "Code a page links to changed in git after the page last did",
    },
    RuleInfo {
        id: "DOCS013",
        name: "orphan-page",
        severity: Severity::Note,
        description: "No chain of links reaches the page from an entry point",
    },
    RuleInfo {
        id: "DOCS014",
        name: "missing-document",
        severity: Severity::Error,
        description: "A document the policy requires is missing",
    },
    RuleInfo {
        id: "DOCS015",
        name: "missing-section",
        severity: Severity::Warning,
        description: "A page lacks a heading the policy requires",
    },
    RuleInfo {
        id: "DOCS016",
        name: "secret",
        severity: Severity::Error,
        description: "A page holds something that looks like a secret (shown masked)",
    },
    RuleInfo {
        id: "DOCS017",
        name: "broken-external-link",
        severity: Severity::Warning,
        description: "An external link answered an HTTP error or did not answer (checked on request)",
    },
];

/// The rule named `name`, if the catalogue has one.
pub fn rule(name: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.name == name)
}

/// One thing the audit found, where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Finding {
    /// The rule's stable id, e.g. `DOCS001`.
    pub rule_id: String,
    /// The rule's name, e.g. `broken-link`.
    pub rule: String,
    /// How much it matters.
    pub severity: Severity,
    /// The page, relative to the audit root, with `/`.
    pub path: String,
    /// 1-based line (1 for findings about a whole page).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The link as written, for link findings.
    pub target: Option<String>,
    /// Stable across edits elsewhere in the page (rule, page, target):
    /// what SARIF's `partialFingerprints` and baselines match on.
    pub fingerprint: String,
}

/// What an audit found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
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

pub(crate) fn finding(
    rule_name: &str,
    page: &str,
    line: u32,
    column: u32,
    message: String,
) -> Finding {
    // The scanners name only rules of the catalogue (a test walks them
    // all); an unknown name would be a bug, and is reported as one, not a panic.
    let r = rule(rule_name).unwrap_or(&UNKNOWN_RULE);
    Finding {
        rule_id: r.id.into(),
        rule: r.name.into(),
        severity: r.severity,
        path: page.into(),
        line,
        column,
        message,
        target: None,
        fingerprint: String::new(),
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The pages under `root` the options select, sorted.
fn pages_of(root: &Path, options: &AuditOptions) -> Result<Vec<PathBuf>> {
    let globs = |list: &[String], what: &str| -> Result<globset::GlobSet> {
        let mut b = globset::GlobSetBuilder::new();
        for g in list {
            b.add(
                globset::GlobBuilder::new(g)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| Error::invalid(format!("{what} glob {g:?}: {e}")))?,
            );
        }
        b.build()
            .map_err(|e| Error::invalid(format!("{what} globs: {e}")))
    };
    let include = globs(&options.include, "include")?;
    let exclude = globs(&options.exclude, "exclude")?;
    let mut out = Vec::new();
    // The repository's .gitignore files, not the user's global excludes: an
    // audit gives the same answer on every machine.
    for entry in ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_global(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
    {
        let entry =
            entry.map_err(|e| Error::invalid(format!("walking {}: {e}", root.display())))?;
        // Everything but folders: files, symlinks (read through; a dangling
        // one is a finding), and FIFOs, sockets or devices named like pages
        // (reported as unreadable, never opened).
        if entry.file_type().is_none_or(|t| t.is_dir()) {
            continue;
        }
        let r = rel(root, entry.path());
        if include.is_match(&r) && !exclude.is_match(&r) {
            out.push(entry.into_path());
        }
    }
    out.sort();
    Ok(out)
}

/// `a/b/../c` → `a/c`, lexically; `None` when `..` climbs above the start.
fn normalize(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::Normal(s) => {
                out.push(s);
                depth += 1;
            }
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Some(out)
}

/// Does the target have a URL scheme (`https:`, `mailto:`, …)?
fn has_scheme(t: &str) -> bool {
    let Some(colon) = t.find(':') else {
        return false;
    };
    let scheme = &t[..colon];
    !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
}

/// GitHub's line anchors on code files: `L20`, `L19C5-L21C11`.
fn line_anchor(f: &str) -> bool {
    let part = |s: &str| {
        let Some(rest) = s.strip_prefix('L') else {
            return false;
        };
        let (line, col) = rest.split_once('C').unwrap_or((rest, "1"));
        !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !col.is_empty()
            && col.bytes().all(|b| b.is_ascii_digit())
    };
    match f.split_once('-') {
        Some((a, b)) => part(a) && part(b),
        None => part(f),
    }
}

pub(crate) fn is_markdown(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

fn is_html(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// A page the audit reads: Markdown or HTML.
pub(crate) fn is_page(p: &Path) -> bool {
    is_markdown(p) || is_html(p)
}

/// Read and scan one page, or say why not.
fn read_page(root: &Path, path: &Path) -> std::result::Result<Page, Box<Finding>> {
    let r = rel(root, path);
    let unreadable = |why: String| Box::new(finding("unreadable-page", &r, 1, 1, why));
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(unreadable(format!(
            "{r} is {}, not a regular file: not audited (remove it, or exclude it)",
            crate::fsutil::kind_name(meta.file_type())
        )));
    }
    let file = crate::fsutil::open_regular(path, "page")
        .map_err(|e| unreadable(format!("cannot read {r}: {}", e.message())))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_PAGE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| unreadable(format!("cannot read {r}: {e}")))?;
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        return Err(unreadable(format!(
            "{r} is over the {MAX_PAGE_BYTES}-byte limit: not audited (exclude it, or split it)"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "{r} is not UTF-8 (invalid byte at offset {}): convert it to UTF-8 to audit it",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(if is_html(path) {
        let depth = super::scan::html_depth(&text);
        if depth > super::scan::MAX_HTML_DEPTH {
            return Err(unreadable(format!(
                "{r} nests elements {depth} deep, over the {}-level limit: not audited (close its tags)",
                super::scan::MAX_HTML_DEPTH
            )));
        }
        // Within the limit: nothing to flatten, so the depth is not measured again.
        scan_html_parsed(&r, &text, &text)
    } else {
        scan_markdown(&r, &text)
    })
}

struct Resolver<'a> {
    /// The repository's work tree (or the audit root outside git): links
    /// may reach anything under it.
    top: &'a Path,
    /// The audit root, relative to `top`.
    root_in_top: PathBuf,
    /// Where `/path` links resolve, relative to `top`.
    site_in_top: PathBuf,
    options: &'a AuditOptions,
    /// Audited pages by their path relative to the audit root.
    pages: &'a HashMap<String, Page>,
    /// Pages outside the audit (or excluded) that fragments land on, read once.
    others: Mutex<HashMap<PathBuf, Option<Arc<Page>>>>,
}

/// The page a fragment lands on.
enum Landing<'a> {
    Audited(&'a Page),
    Other(Arc<Page>),
}

impl std::ops::Deref for Landing<'_> {
    type Target = Page;
    fn deref(&self) -> &Page {
        match self {
            Landing::Audited(p) => p,
            Landing::Other(p) => p,
        }
    }
}

/// What checking a link gave.
enum Outcome {
    /// `https:`, `mailto:` and the like: listed, not checked.
    External,
    /// A local link: a finding when it is broken, and the path it reaches
    /// (relative to the work tree) when it exists.
    Local {
        finding: Option<Finding>,
        target: Option<PathBuf>,
    },
}

pub(crate) fn show(p: &Path) -> String {
    rel(Path::new(""), p)
}

impl Resolver<'_> {
    /// A link to the repository's own web pages, as a path from the work tree.
    fn own_url<'t>(&self, target: &'t str) -> Option<&'t str> {
        let base = self.options.repo_url.as_deref()?.trim_end_matches('/');
        let rest = target.strip_prefix(base)?;
        let rest = rest
            .strip_prefix("/blob/")
            .or_else(|| rest.strip_prefix("/tree/"))?;
        // After the ref (a branch, tag or commit: one segment here).
        Some(rest.split_once('/').map_or("", |(_, p)| p))
    }

    /// The page at `landing` (relative to the work tree): an audited one
    /// (borrowed, not copied: this runs for every fragment), or one read now
    /// (and kept) for its anchors.
    fn page_at(&self, landing: &Path) -> Option<Landing<'_>> {
        if let Ok(in_root) = landing.strip_prefix(&self.root_in_top)
            && let Some(p) = self.pages.get(&show(in_root))
        {
            return Some(Landing::Audited(p));
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        others
            .entry(landing.to_path_buf())
            .or_insert_with(|| {
                read_page(self.top, &self.top.join(landing))
                    .ok()
                    .map(Arc::new)
            })
            .clone()
            .map(Landing::Other)
    }

    fn check(&self, page: &Page, link: &Link) -> Outcome {
        let t = link.target.trim();
        let local = |rule_name: &str, message: String| {
            let mut f = finding(rule_name, &page.path, link.line, link.column, message);
            f.target = Some(link.target.clone());
            Outcome::Local {
                finding: Some(f),
                target: None,
            }
        };
        if t.is_empty() {
            return local(
                "empty-link",
                "the link has no target: give a path, a #fragment or a URL".into(),
            );
        }
        let (path_part, from_site_root) = match self.own_url(t) {
            Some(p) => (p, true),
            None if has_scheme(t) || t.starts_with("//") => return Outcome::External,
            None => match t.strip_prefix('/') {
                Some(p) => (p, true),
                None => (t, false),
            },
        };
        let (path_part, fragment) = match path_part.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (path_part, None),
        };
        let path_part = path_part.split('?').next().unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(path_part).decode_utf8_lossy();
        let page_in_top = self.root_in_top.join(&page.path);
        // The target, relative to the work tree (None: it leaves it).
        let target = if decoded.is_empty() && !from_site_root {
            Some(page_in_top.clone())
        } else if from_site_root {
            normalize(&self.site_in_top.join(decoded.as_ref()))
        } else {
            normalize(
                &page_in_top
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(decoded.as_ref()),
            )
        };
        let Some(target) = target else {
            return local(
                "broken-link",
                format!("{t} leaves the repository (or the audited folder outside git)"),
            );
        };
        let full = self.top.join(&target);
        let Ok(meta) = std::fs::metadata(&full) else {
            let mut why = format!("links to {}, which does not exist", show(&target));
            if looks_like_a_host(path_part) {
                why.push_str(" (it looks like a URL without a scheme: add https://)");
            }
            return local("broken-link", why);
        };
        let reached = |finding: Option<Finding>| Outcome::Local {
            finding,
            target: Some(target.clone()),
        };
        let Some(fragment) = fragment else {
            return reached(None);
        };
        let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        if fragment.is_empty() || fragment.eq_ignore_ascii_case("top") {
            return reached(None);
        }
        let at = |rule_name: &str, message: String| {
            let mut f = finding(rule_name, &page.path, link.line, link.column, message);
            f.target = Some(link.target.clone());
            reached(Some(f))
        };
        // The page the fragment lands on: the file, or a folder's index file.
        let landing = if meta.is_dir() {
            self.options
                .index_files
                .iter()
                .map(|i| target.join(i))
                .find(|p| self.top.join(p).is_file())
        } else {
            Some(target.clone())
        };
        let Some(landing) = landing else {
            return at(
                "broken-anchor",
                format!(
                    "#{fragment}: {} is a folder without {}, so there is no page for the fragment",
                    show(&target),
                    self.options.index_files.join(" or ")
                ),
            );
        };
        if !is_page(&landing) {
            // Code files: GitHub's line anchors; other fragments are not checked.
            return reached(None);
        }
        let Some(target_page) = self.page_at(&landing) else {
            return reached(None);
        };
        let landing = show(&landing);
        let fragment = fragment.strip_prefix("user-content-").unwrap_or(&fragment);
        if target_page.anchors().any(|a| a == fragment) || line_anchor(fragment) {
            return reached(None);
        }
        if let Some(a) = target_page
            .anchors()
            .find(|a| a.to_lowercase() == fragment.to_lowercase())
        {
            return if self.options.anchor_case_warning {
                at(
                    "anchor-case",
                    format!(
                        "#{fragment} matches #{a} of {landing} only when case is ignored: write #{a}"
                    ),
                )
            } else {
                reached(None)
            };
        }
        let near = nearest(fragment, target_page.anchors());
        at(
            "broken-anchor",
            format!(
                "#{fragment} is not an anchor of {landing}{}",
                near.map(|n| format!(" (did you mean #{n}?)"))
                    .unwrap_or_default()
            ),
        )
    }
}

/// `www.example.com/x`, `k8s.devstats.cncf.io/`: a host, not a file.
fn looks_like_a_host(p: &str) -> bool {
    let first = p.split('/').next().unwrap_or("");
    first.starts_with("www.")
        || (first.contains('.')
            && !first.starts_with('.')
            && p.contains('/')
            && first
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase())))
            && !Path::new(first).extension().is_some_and(|e| {
                ["md", "markdown", "html", "txt"].contains(&e.to_str().unwrap_or(""))
            })
}

/// The anchor closest to `f` by edit distance, when close enough to suggest.
fn nearest<'a>(f: &str, anchors: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for j in 0..b.len() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != b[j]))
                    .min(row[j] + 1)
                    .min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    };
    anchors
        .map(|a| (distance(f, a), a))
        .filter(|(d, a)| *d <= 2.max(a.chars().count() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// The work tree of the git repository holding `dir`, if any.
fn work_tree(dir: &Path) -> Option<PathBuf> {
    let repo = git2::Repository::discover(dir).ok()?;
    repo.workdir()?.canonicalize().ok()
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
    let files = pages_of(&root, options)?;
    let scanned: Vec<std::result::Result<Page, Box<Finding>>> =
        files.par_iter().map(|p| read_page(&root, p)).collect();
    let mut findings = Vec::new();
    let mut pages = HashMap::new();
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
    let work = work_tree(&root);
    let in_git = work.is_some();
    let top = work.unwrap_or_else(|| root.clone());
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
    let resolver = Resolver {
        top: &top,
        root_in_top,
        site_in_top,
        options,
        pages: &pages,
        others: Mutex::new(HashMap::new()),
    };
    let mut ordered: Vec<&Page> = pages.values().collect();
    ordered.sort_by(|a, b| a.path.cmp(&b.path));
    type PageResult = (usize, usize, Vec<String>, Vec<Finding>, Vec<PathBuf>);
    let results: Vec<PageResult> = ordered
        .par_iter()
        .map(|page| {
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
        })
        .collect();
    // Severity overrides, checked before the work.
    let mut levels: HashMap<&'static str, Option<Severity>> = HashMap::new();
    for (rule_name, level) in &options.severity {
        let r = RULES
            .iter()
            .find(|r| r.name == rule_name || r.id == rule_name)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "severity: no rule {rule_name:?}; the rules are {}",
                    RULES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
                ))
            })?;
        let l = match level.as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            "off" => None,
            other => {
                return Err(Error::invalid(format!(
                    "severity of {rule_name}: {other:?} is not error, warning, note or off"
                )));
            }
        };
        levels.insert(r.name, l);
    }
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
    };
    let mut edges = HashMap::new();
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
        let answers = super::external::check(&urls, &options.external)?;
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
        .extend(super::lifecycle::findings(&super::lifecycle::Context {
            top: &top,
            root_in_top: &resolver.root_in_top,
            options,
            pages: &pages,
            edges: &edges,
            in_git,
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
    for f in &mut audit.findings {
        f.fingerprint = super::report::fingerprint(f);
        *audit.counts.entry(f.rule.clone()).or_default() += 1;
    }
    audit.findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id).cmp(&(&b.path, b.line, b.column, &b.rule_id))
    });
    Ok(audit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_anchors_schemes_and_normalising() {
        for ok in ["L20", "L19C5-L21C11", "L1-L2"] {
            assert!(line_anchor(ok), "{ok}");
        }
        for bad in ["L", "L2x", "l20", "L1-", "top"] {
            assert!(!line_anchor(bad), "{bad}");
        }
        assert!(has_scheme("https://x") && has_scheme("mailto:a@b") && !has_scheme("a/b:c.md"));
        assert_eq!(
            normalize(Path::new("a/./b/../c.md")),
            Some(PathBuf::from("a/c.md"))
        );
        assert_eq!(normalize(Path::new("a/../../c.md")), None);
        assert!(looks_like_a_host("k8s.devstats.cncf.io/"));
        assert!(looks_like_a_host("www.example.com"));
        assert!(!looks_like_a_host("guide/setup.md"));
        assert!(!looks_like_a_host("v1.2/notes.md"));
    }
}

//! The audit's options: what it reads, how it resolves links, what the
//! knowledge base must hold; read from a TOML policy.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::external::ExternalOptions;
use super::finding::Severity;
use crate::error::{Error, Result};

/// What the audit reads and how it resolves links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct AuditOptions {
    /// Globs of the pages to audit, relative to the root (default, when
    /// empty: every page GitHub renders, Markdown by its extensions `.md`,
    /// `.markdown`, `.mdown`, `.mkdn`, `.mkd`, `.mdwn`, `.mkdown` in any
    /// letter case, and `.html`/`.htm`).
    pub include: Vec<String>,
    /// Left out, as `.gitignore` reads its lines: a pattern without `/`
    /// (`archive`, `*.tmp`) matches a file or folder of that name at any
    /// depth; one with `/` the path from the root (`docs/archive`,
    /// `drafts/**`); a folder left out takes its contents.
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
    pub external: ExternalOptions,
    /// Each rule's severity, by rule name or id: `error`, `warning`,
    /// `note` or `off` (default: the rule's own).
    pub severity: BTreeMap<String, String>,
    /// Only these rules, by name or id (default, when empty: every rule);
    /// the others are not run at all.
    pub rules: Vec<String>,
    /// Rules not to run, by name or id (as `severity = "off"`).
    pub skip_rules: Vec<String>,
    /// Leave out findings below this severity (`error`, `warning`, `note`;
    /// default: none left out).
    pub min_severity: Option<Severity>,
    /// Secrets that are not secrets here: regular expressions matched
    /// against each candidate's value and against its whole line (a
    /// published test key, a documented example).
    pub secrets_allow: Vec<String>,
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
            include: Vec::new(),
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
            external: ExternalOptions::default(),
            severity: BTreeMap::new(),
            rules: Vec::new(),
            skip_rules: Vec::new(),
            min_severity: None,
            secrets_allow: Vec::new(),
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

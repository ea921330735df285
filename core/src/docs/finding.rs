//! What an audit reports: the rule catalogue, severities, findings and
//! their fingerprints.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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

impl std::str::FromStr for Severity {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "note" => Ok(Severity::Note),
            other => Err(Error::invalid(format!(
                "{other:?} is not a severity: use error, warning or note"
            ))),
        }
    }
}

/// A rule of the audit: a stable id (for SARIF and baselines), a name and
/// what it checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DocsRule"))]
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
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase", rename = "DocsFinding"))]
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

/// A finding's fingerprint: its rule, page, link target (or message) — not
/// its line, so it survives edits above it. The SARIF
/// `partialFingerprints` and baselines use it.
pub fn fingerprint(f: &Finding) -> String {
    let what = f.target.as_deref().unwrap_or(&f.message);
    let h = blake3::hash(format!("{}\0{}\0{}", f.rule_id, f.path, what).as_bytes());
    h.to_hex()[..32].to_string()
}

/// The catalogue's rule named `name` (by name or id), or an error that
/// lists the rules, saying where the name came from.
fn known_rule(name: &str, from: &str) -> Result<&'static RuleInfo> {
    RULES
        .iter()
        .find(|r| r.name == name || r.id == name)
        .ok_or_else(|| {
            Error::invalid(format!(
                "{from}: no rule {name:?}; the rules are {}",
                RULES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
            ))
        })
}

/// Each rule's severity as the options set it, checked against the
/// catalogue: the `severity` table, then `rules` (every rule not listed
/// is off) and `skip_rules` (off). `None` is off: the rule is not run.
pub(crate) fn rule_levels(
    severity: &std::collections::BTreeMap<String, String>,
    rules: &[String],
    skip_rules: &[String],
) -> Result<HashMap<&'static str, Option<Severity>>> {
    let mut levels = HashMap::new();
    for (rule_name, level) in severity {
        let r = known_rule(rule_name, "severity")?;
        let l = match level.as_str() {
            "off" => None,
            other => Some(other.parse().map_err(|_| {
                Error::invalid(format!(
                    "severity of {rule_name}: {other:?} is not error, warning, note or off"
                ))
            })?),
        };
        levels.insert(r.name, l);
    }
    if !rules.is_empty() {
        let only = rules
            .iter()
            .map(|n| known_rule(n, "rules").map(|r| r.name))
            .collect::<Result<Vec<_>>>()?;
        for r in RULES.iter().filter(|r| !only.contains(&r.name)) {
            levels.insert(r.name, None);
        }
    }
    for n in skip_rules {
        levels.insert(known_rule(n, "skip_rules")?.name, None);
    }
    Ok(levels)
}

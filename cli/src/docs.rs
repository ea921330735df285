//! `opskit docs audit`: links and anchors of a Markdown knowledge base, as
//! text, JSON or SARIF.

use std::path::PathBuf;

use clap::Subcommand;
use opskit::docs::{self as d, AuditOptions, Severity};

use crate::{Outcome, print_json};

#[derive(Subcommand)]
pub(crate) enum DocsCmd {
    /// Audit the docs under DIR (default: this folder); exit 1 on findings at or above --fail-on.
    Audit {
        /// The docs folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// A docs policy (TOML), with the keys include, exclude, site_root, repo_url,
        /// index_files, anchor_case_warning, required_metadata, max_age_days, as_of,
        /// git_history, entry_points, required, required_sections, secrets, secrets_allow,
        /// check_external, external, severity, rules, skip_rules, min_severity
        /// (docs/docs-audits.md describes each).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Run only this rule, by name or id (repeatable; the others are not run).
        #[arg(long = "rule", value_name = "RULE")]
        rules: Vec<String>,
        /// Do not run this rule, by name or id (repeatable).
        #[arg(long = "skip-rule", value_name = "RULE")]
        skip_rules: Vec<String>,
        /// Leave out findings below this severity: `error`, `warning` or `note`.
        #[arg(long, value_parser = ["error", "warning", "note"])]
        min_severity: Option<String>,
        /// `text`, `json` or `sarif` (SARIF 2.1.0, for code-scanning UIs).
        #[arg(long, default_value = "text", value_parser = ["text", "json", "sarif"])]
        format: String,
        /// The lowest severity that fails the run: `error`, `warning`, `note` or `none`.
        #[arg(long, default_value = "error", value_parser = ["error", "warning", "note", "none"])]
        fail_on: String,
        /// An earlier JSON report (or a JSON list of fingerprints): its findings are left out.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Leave out pages matching this glob (repeatable; added to the policy's).
        #[arg(long)]
        exclude: Vec<String>,
        /// The repository's web address: links to its /blob/ and /tree/ pages are checked locally.
        #[arg(long)]
        repo_url: Option<String>,
        /// Also check external http(s) links over the network (a policy's [external] table tunes it).
        #[arg(long)]
        check_external: bool,
    },
}

pub(crate) fn run(cmd: DocsCmd) -> opskit::Result<Outcome> {
    let DocsCmd::Audit {
        dir,
        policy,
        rules,
        skip_rules,
        min_severity,
        format,
        fail_on,
        baseline,
        exclude,
        repo_url,
        check_external,
    } = cmd;
    let mut options = match &policy {
        Some(p) => AuditOptions::read(p)?,
        None => AuditOptions::default(),
    };
    options.exclude.extend(exclude);
    options.rules.extend(rules);
    options.skip_rules.extend(skip_rules);
    if let Some(m) = min_severity {
        options.min_severity = Some(m.parse()?);
    }
    if repo_url.is_some() {
        options.repo_url = repo_url;
    }
    options.check_external |= check_external;
    let mut report = d::audit(&dir, &options)?;
    if let Some(b) = &baseline {
        let text = opskit::fsutil::read_text_capped(b, opskit::limits::MAX_DATA_BYTES, "baseline")?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            opskit::Error::invalid(format!(
                "{}: not JSON ({e}): give an earlier `--format json` report",
                b.display()
            ))
        })?;
        d::apply_baseline(&mut report, &v)
            .map_err(|e| opskit::Error::invalid(format!("{}: {}", b.display(), e.message())))?;
    }
    match format.as_str() {
        "json" => print_json(&report)?,
        "sarif" => print_json(&d::to_sarif(&report))?,
        _ => print!("{}", d::to_text(&report)),
    }
    let threshold = match fail_on.as_str() {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "note" => Some(Severity::Note),
        _ => None,
    };
    Ok(match threshold {
        Some(t) if report.count_at_least(t) > 0 => Outcome::CheckFailed,
        _ => Outcome::Ok,
    })
}

//! `opskit report`: the state of this machine and repository, one section per
//! family: health (default rules, or `--policy`), versioning, and backups
//! when given a manifest (docs join when it lands).

use std::path::Path;

use opskit::ErrorKind;
use opskit::version::{self, BranchPolicy, NextOptions};
use serde_json::json;

use crate::{Outcome, print_json};

pub(crate) fn run(
    path: &Path,
    tag_pattern: &str,
    channel: Option<String>,
    backup: Option<(std::path::PathBuf, std::path::PathBuf)>,
    policy: Option<std::path::PathBuf>,
    (docs, docs_policy): (Option<std::path::PathBuf>, Option<std::path::PathBuf>),
    json: bool,
) -> opskit::Result<Outcome> {
    let policy = match policy {
        Some(p) => opskit::health::Policy::read(&p)?,
        None => opskit::health::Policy::default(),
    };
    let snapshot = crate::health::sample(&policy)?;
    let checks = crate::health::checks(&policy, &snapshot)?;
    let draining = policy.maintenance.draining();
    let (health_doc, _) = opskit::health::health_json(&snapshot, &checks, draining);
    let health_status = opskit::health::overall(&checks, draining);
    if !json {
        println!(
            "== health: {} ({})",
            snapshot.host.hostname,
            health_status.as_str()
        );
        let problems: Vec<_> = checks
            .iter()
            .filter(|c| c.status != opskit::health::Status::Pass)
            .collect();
        if problems.is_empty() {
            println!("all {} checks pass", checks.len());
        }
        crate::health::print_checks(problems.into_iter());
    }
    let backup = match backup {
        Some((manifest, tree)) => {
            let m = opskit::backup::Manifest::read(&manifest)?;
            let opts = opskit::backup::VerifyOptions {
                mode: opskit::backup::VerifyMode::Fast,
                ..Default::default()
            };
            Some((
                manifest,
                opskit::backup::verify_tree(&tree, &m, &opts, None)?,
            ))
        }
        None => None,
    };
    // The docs: the folder given, else docs/, else the repository.
    let docs_dir = docs.unwrap_or_else(|| {
        let d = path.join("docs");
        if d.is_dir() { d } else { path.to_path_buf() }
    });
    let docs_options = match &docs_policy {
        Some(p) => opskit::docs::AuditOptions::read(p)?,
        None => opskit::docs::AuditOptions::default(),
    };
    let docs_audit = opskit::docs::audit(&docs_dir, &docs_options)?;
    let outcome = version_section(
        path,
        tag_pattern,
        channel,
        json,
        backup.as_ref(),
        &health_doc,
        &docs_audit,
    )?;
    let docs_errors = docs_audit.count_at_least(opskit::docs::Severity::Error);
    if !json {
        let warnings = docs_audit.count_at_least(opskit::docs::Severity::Warning) - docs_errors;
        println!(
            "== docs: {} ({} page(s), {} error(s), {} warning(s))",
            crate::shown(&docs_dir),
            docs_audit.pages,
            docs_errors,
            warnings
        );
        let shown: Vec<_> = docs_audit
            .findings
            .iter()
            .filter(|f| f.severity >= opskit::docs::Severity::Warning)
            .collect();
        for f in shown.iter().take(20) {
            println!("{}", opskit::docs::finding_line(f));
        }
        if shown.len() > 20 {
            println!(
                "... and {} more (opskit docs audit {} lists them all)",
                shown.len() - 20,
                crate::shown(&docs_dir)
            );
        }
    }
    if let Some((manifest, r)) = &backup {
        if !json {
            println!("== backup: {} (fast verify)", crate::shown(manifest));
            crate::backup::print_verify(r);
        }
        if !r.passed {
            return Ok(Outcome::CheckFailed);
        }
    }
    if health_status == opskit::health::Status::Fail || docs_errors > 0 {
        return Ok(Outcome::CheckFailed);
    }
    Ok(outcome)
}

fn version_section(
    path: &Path,
    tag_pattern: &str,
    channel: Option<String>,
    json: bool,
    backup: Option<&(std::path::PathBuf, opskit::backup::VerifyReport)>,
    health: &serde_json::Value,
    docs: &opskit::docs::Audit,
) -> opskit::Result<Outcome> {
    let backup_json =
        backup.map(|(m, r)| json!({ "manifest": m.display().to_string(), "verify": r }));
    let options = NextOptions {
        tag_pattern: tag_pattern.to_string(),
        channel,
        ..Default::default()
    };
    let status = version::status(path, &options, &BranchPolicy::default());
    match status {
        Ok(s) => {
            if json {
                print_json(
                    &json!({ "health": health, "version": s, "backup": backup_json, "docs": docs }),
                )?;
            } else {
                println!("== versioning: {}", s.repository);
                match (&s.branch, s.detached) {
                    (Some(b), _) => {
                        let verdict = match &s.branch_check {
                            Some(c) if c.valid => "follows the branch policy".to_string(),
                            Some(c) => c.reason.clone().unwrap_or_default(),
                            None => String::new(),
                        };
                        println!("branch:  {b} ({verdict})");
                    }
                    (None, true) => println!("branch:  detached HEAD"),
                    (None, false) => println!("branch:  none"),
                }
                match &s.next {
                    Some(n) => crate::version::print_next(n),
                    None => println!("no commits yet"),
                }
            }
            Ok(Outcome::Ok)
        }
        // Outside a git repository the report still runs and says so.
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if json {
                print_json(
                    &json!({ "health": health, "version": { "error": e.to_string() }, "backup": backup_json, "docs": docs }),
                )?;
            } else {
                println!("== versioning: skipped: {e}");
            }
            Ok(Outcome::Ok)
        }
        Err(e) => Err(e),
    }
}

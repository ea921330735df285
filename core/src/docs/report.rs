//! An audit as SARIF 2.1.0 (for code-scanning UIs), as a human summary,
//! and baselines: findings already accepted are left out by fingerprint.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::audit::Audit;
use super::finding::{Finding, RULES, Severity, fingerprint};
use crate::error::{Error, Result};

/// Percent-encode a relative path for a SARIF `uri` (spaces, `%`, `#`, `?`
/// and non-ASCII).
fn uri_of(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'`')
        .add(b'{')
        .add(b'}');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

/// The audit as a SARIF 2.1.0 log: every rule in the driver, one result per
/// finding with its location (`%SRCROOT%`-relative), level and fingerprint.
pub fn to_sarif(audit: &Audit) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.description},
                "defaultConfiguration": {"level": r.severity.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = audit
        .findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.id == f.rule_id).unwrap_or(0);
            json!({
                "ruleId": f.rule_id,
                "ruleIndex": index,
                "level": f.severity.as_str(),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri_of(&f.path), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }],
                "partialFingerprints": {"opskitFinding/v1": fingerprint(f)},
            })
        })
        .collect();
    let root_uri = format!("file://{}/", uri_of(audit.root.trim_end_matches('/')));
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "opskit-docs-audit",
                "version": crate::VERSION,
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A finding as one line: `path:line:column: level[rule] message`.
pub fn finding_line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {}[{}] {}",
        f.path,
        f.line,
        f.column,
        f.severity.as_str(),
        f.rule,
        f.message
    )
}

/// The report as people read it: the summary first (totals, then one line
/// per rule with its severity and count, the most severe and most frequent
/// first, and what a baseline or suppression comments hid), then the
/// findings grouped by file (a file's name, then `  line:column
/// level[rule] message` lines), and the totals again at the end.
pub fn to_text(audit: &Audit) -> String {
    let mut out = String::new();
    let errors = audit.count_at_least(Severity::Error);
    let warnings = audit.count_at_least(Severity::Warning) - errors;
    let notes = audit.findings.len() - errors - warnings;
    let external = audit.external_links.values().sum::<usize>();
    let external = match audit.external_checked {
        0 => format!("{external} external not checked"),
        n => format!("{external} external, {n} URL(s) checked"),
    };
    let totals = format!(
        "{} page(s), {} link(s) ({} checked, {external}): {} error(s), {} warning(s), {} note(s)",
        audit.pages, audit.links, audit.checked, errors, warnings, notes
    );
    let _ = writeln!(out, "{totals}");
    let mut per_rule: Vec<(Severity, usize, &str)> = Vec::new();
    for f in &audit.findings {
        match per_rule
            .iter_mut()
            .find(|(s, _, r)| *r == f.rule && *s == f.severity)
        {
            Some(row) => row.1 += 1,
            None => per_rule.push((f.severity, 1, &f.rule)),
        }
    }
    per_rule.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    for (severity, n, rule) in &per_rule {
        let _ = writeln!(out, "  {:<8} {n:>6}  {rule}", severity.as_str());
    }
    if audit.baselined + audit.suppressed > 0 {
        let _ = writeln!(
            out,
            "  hidden: {} by the baseline, {} by suppression comments",
            audit.baselined, audit.suppressed
        );
    }
    if audit.findings.is_empty() {
        return out;
    }
    let _ = writeln!(out);
    let mut file: Option<&str> = None;
    for f in &audit.findings {
        if file != Some(f.path.as_str()) {
            let _ = writeln!(out, "{}", crate::text::quote(&f.path));
            file = Some(&f.path);
        }
        let _ = writeln!(
            out,
            "  {}:{} {}[{}] {}",
            f.line,
            f.column,
            f.severity.as_str(),
            f.rule,
            crate::text::escape_controls(&f.message)
        );
    }
    let _ = writeln!(out, "{totals}");
    out
}

/// The fingerprints a baseline holds: a list of fingerprints, or an
/// earlier `--format json` report. Anything else (a SARIF log, other JSON)
/// is refused, naming what it is: a baseline that hid nothing by mistake
/// would pass a run it should fail.
fn baseline_fingerprints(baseline: &Value) -> Result<HashSet<String>> {
    let fingerprint = |v: &Value, at: &str| -> Result<String> {
        v.as_str()
            .filter(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(String::from)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "baseline {at} is not a finding fingerprint (32 hex digits): give an earlier `--format json` report or a list of fingerprints"
                ))
            })
    };
    match baseline {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| fingerprint(v, &format!("item {i}")))
            .collect(),
        Value::Object(o) if o.contains_key("runs") || o.contains_key("$schema") => {
            Err(Error::invalid(
                "the baseline is a SARIF log, which opskit does not read back: give an earlier `--format json` report",
            ))
        }
        Value::Object(o) => match (o.get("findings"), o.get("pages")) {
            (Some(Value::Array(fs)), Some(_)) => fs
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    fingerprint(
                        f.get("fingerprint").unwrap_or(&Value::Null),
                        &format!("finding {i}"),
                    )
                })
                .collect(),
            _ => Err(Error::invalid(
                "the baseline is not an opskit docs report (no `findings` and `pages`): give an earlier `--format json` report or a list of fingerprints",
            )),
        },
        _ => Err(Error::invalid(
            "a baseline is an earlier `--format json` report or a list of fingerprints",
        )),
    }
}

/// Leave out the findings whose fingerprint a baseline (an earlier JSON
/// report, or a list of fingerprints) holds, counting them in `baselined`;
/// returns how many were left out. A baseline of another shape is refused.
pub fn apply_baseline(audit: &mut Audit, baseline: &Value) -> Result<usize> {
    let known = baseline_fingerprints(baseline)?;
    let before = audit.findings.len();
    audit.findings.retain(|f| !known.contains(&f.fingerprint));
    audit.counts.clear();
    for f in &audit.findings {
        *audit.counts.entry(f.rule.clone()).or_default() += 1;
    }
    let hidden = before - audit.findings.len();
    audit.baselined += hidden;
    Ok(hidden)
}

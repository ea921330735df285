//! An audit as SARIF 2.1.0 (for code-scanning UIs), as a human summary,
//! and baselines: findings already accepted are left out by fingerprint.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::audit::Audit;
use super::finding::{Finding, RULES, Severity, fingerprint};

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
                "informationUri": "https://example.invalid/opskit",
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

/// The findings grouped by file (a file's name, then `  line:column
/// level[rule] message` lines), findings per rule, and a summary line.
pub fn to_text(audit: &Audit) -> String {
    let mut out = String::new();
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
    if !audit.counts.is_empty() {
        let per_rule: Vec<String> = audit
            .counts
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        let _ = writeln!(out, "by rule: {}", per_rule.join(", "));
    }
    let errors = audit.count_at_least(Severity::Error);
    let warnings = audit.count_at_least(Severity::Warning) - errors;
    let external = audit.external_links.values().sum::<usize>();
    let external = match audit.external_checked {
        0 => format!("{external} external not checked"),
        n => format!("{external} external, {n} URL(s) checked"),
    };
    let _ = writeln!(
        out,
        "{} page(s), {} link(s) ({} checked, {external}): {} error(s), {} warning(s)",
        audit.pages, audit.links, audit.checked, errors, warnings
    );
    out
}

/// Leave out the findings whose fingerprint a baseline (an earlier JSON
/// report, or a list of fingerprints) holds; returns how many were left out.
pub fn apply_baseline(audit: &mut Audit, baseline: &Value) -> usize {
    let known: HashSet<String> = match baseline {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        v => v
            .get("findings")
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| f.get("fingerprint")?.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let before = audit.findings.len();
    audit.findings.retain(|f| !known.contains(&f.fingerprint));
    audit.counts.clear();
    for f in &audit.findings {
        *audit.counts.entry(f.rule.clone()).or_default() += 1;
    }
    before - audit.findings.len()
}

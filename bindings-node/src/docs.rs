//! The docs-audit family for Node, under the `docs` namespace. `audit`
//! reads files: a Promise computed on the libuv pool, with `auditSync`;
//! the rest is pure and synchronous.

use std::path::PathBuf;

use napi_derive::napi;
use opskit::docs as d;
use serde_json::Value;

use crate::convert::{from_js, from_js_value, to_js};
use crate::error::{Code, sync};
use crate::task::promise_and_sync;

promise_and_sync! {
    #[doc = "Audit the docs under `root`: links, anchors, unreadable pages, front matter."]
    #[napi(namespace = "docs", args = "root: string, options?: Partial<AuditOptions> | null", returns = "DocsAudit", promise = "Promise<DocsAudit>")]
    fn audit / audit_sync(root: String, options: Option<Value>) {
        let o: d::AuditOptions = from_js(options, "audit options")?;
        to_js(&d::audit(&PathBuf::from(root), &o)?)
    }
}

/// Parse a docs policy (TOML) into audit options.
#[napi(namespace = "docs", ts_return_type = "AuditOptions")]
pub fn parse_policy(text: String) -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&d::AuditOptions::from_toml(&text)?))
}

/// The anchors GitHub gives these headings of one page, in order.
#[napi(namespace = "docs")]
pub fn slugs(headings: Vec<String>) -> Vec<String> {
    d::github_slugs(&headings)
}

/// What one page holds: headings and anchors, links with positions, front matter.
#[napi(namespace = "docs", ts_return_type = "DocsPage")]
pub fn scan_markdown(path: String, text: String) -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&d::scan_markdown(&path, &text)))
}

/// What one HTML page (a wiki export) holds: title, headings, every `id`
/// and `<a name>` as an anchor, `<a href>`/`<img src>` links with positions.
#[napi(namespace = "docs", ts_return_type = "DocsPage")]
pub fn scan_html(path: String, text: String) -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&d::scan_html(&path, &text)))
}

/// An audit as a SARIF 2.1.0 log (SARIF's own camelCase keys).
#[napi(
    namespace = "docs",
    ts_args_type = "audit: DocsAudit",
    ts_return_type = "Record<string, unknown>"
)]
pub fn to_sarif(audit: Value) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let a: d::Audit = from_js_value(audit, "audit")?;
        Ok(d::to_sarif(&a))
    })
}

/// An audit as text: a line per finding and a summary.
#[napi(namespace = "docs", ts_args_type = "audit: DocsAudit")]
pub fn to_text(audit: Value) -> Result<String, napi::Error<Code>> {
    sync(|| {
        let a: d::Audit = from_js_value(audit, "audit")?;
        Ok(d::to_text(&a))
    })
}

/// The audit without the findings a baseline (an earlier audit, or a list
/// of fingerprints) holds.
#[napi(
    namespace = "docs",
    ts_args_type = "audit: DocsAudit, baseline: DocsAudit | string[]",
    ts_return_type = "DocsAudit"
)]
pub fn apply_baseline(audit: Value, baseline: Value) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let mut a: d::Audit = from_js_value(audit, "audit")?;
        let baseline: Value = from_js_value(baseline, "baseline")?;
        d::apply_baseline(&mut a, &baseline)?;
        to_js(&a)
    })
}

/// The rules: id, name, default severity, description.
#[napi(namespace = "docs", ts_return_type = "DocsRule[]")]
pub fn rules() -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&d::RULES))
}

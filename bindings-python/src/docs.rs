//! `opskit.docs`: the docs-audit family for Python. The audit walks and
//! reads files without the GIL.

use opskit::docs as d;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{from_py, opts, out};
use crate::error::{Res, detached};

/// Audit the docs under `root` (options as keywords: include, exclude,
/// site_root, repo_url, index_files, anchor_case_warning), without the GIL.
#[pyfunction]
#[pyo3(signature = (root, **options))]
fn audit<'py>(
    py: Python<'py>,
    root: std::path::PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: d::AuditOptions = opts(options)?;
    out(py, &detached(py, || d::audit(&root, &o))?)
}

/// Parse a docs policy (TOML) into audit options.
#[pyfunction]
fn parse_policy<'py>(py: Python<'py>, text: &str) -> Res<Bound<'py, PyAny>> {
    out(py, &d::AuditOptions::from_toml(text)?)
}

/// The anchors GitHub gives these headings of one page, in order
/// (duplicates numbered `-1`, `-2`, …).
#[pyfunction]
fn slugs(headings: Vec<String>) -> Vec<String> {
    d::github_slugs(&headings)
}

/// What one page holds: headings and anchors, links with positions, front matter.
#[pyfunction]
fn scan_markdown<'py>(py: Python<'py>, path: &str, text: &str) -> Res<Bound<'py, PyAny>> {
    out(py, &d::scan_markdown(path, text))
}

/// What one HTML page (a wiki export) holds: title, headings, every `id`
/// and `<a name>` as an anchor, `<a href>`/`<img src>` links with positions.
#[pyfunction]
fn scan_html<'py>(py: Python<'py>, path: &str, text: &str) -> Res<Bound<'py, PyAny>> {
    out(py, &d::scan_html(path, text))
}

/// An audit (as `audit` returns it) as a SARIF 2.1.0 log.
#[pyfunction]
fn to_sarif<'py>(py: Python<'py>, report: &Bound<'py, PyAny>) -> Res<Bound<'py, PyAny>> {
    let a: d::Audit = from_py("audit", report)?;
    out(py, &d::to_sarif(&a))
}

/// An audit as text: a line per finding and a summary.
#[pyfunction]
fn to_text(report: &Bound<'_, PyAny>) -> Res<String> {
    let a: d::Audit = from_py("audit", report)?;
    Ok(d::to_text(&a))
}

/// The audit without the findings a baseline (an earlier audit, or a list
/// of fingerprints) holds.
#[pyfunction]
fn apply_baseline<'py>(
    py: Python<'py>,
    report: &Bound<'py, PyAny>,
    baseline: &Bound<'py, PyAny>,
) -> Res<Bound<'py, PyAny>> {
    let mut a: d::Audit = from_py("audit", report)?;
    let b: serde_json::Value = from_py("baseline", baseline)?;
    d::apply_baseline(&mut a, &b)?;
    out(py, &a)
}

/// The rules: id, name, default severity, description.
#[pyfunction]
fn rules(py: Python<'_>) -> Res<Bound<'_, PyAny>> {
    out(py, &d::RULES)
}

/// The functions of `opskit._native.docs`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> Res<()> {
    m.add_function(wrap_pyfunction!(audit, m)?)?;
    m.add_function(wrap_pyfunction!(parse_policy, m)?)?;
    m.add_function(wrap_pyfunction!(slugs, m)?)?;
    m.add_function(wrap_pyfunction!(scan_markdown, m)?)?;
    m.add_function(wrap_pyfunction!(scan_html, m)?)?;
    m.add_function(wrap_pyfunction!(to_sarif, m)?)?;
    m.add_function(wrap_pyfunction!(to_text, m)?)?;
    m.add_function(wrap_pyfunction!(apply_baseline, m)?)?;
    m.add_function(wrap_pyfunction!(rules, m)?)?;
    Ok(())
}

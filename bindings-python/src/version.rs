//! `opskit.version`: the versioning family for Python.

use std::path::PathBuf;

use opskit::version as v;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{opts, out};
use crate::error::{Res, detached};

/// A `scheme` argument read by core (`None`: SemVer).
fn scheme_arg(scheme: Option<&str>) -> opskit::Result<Option<v::Scheme>> {
    scheme.map(str::parse).transpose()
}

/// Parse a version into its parts: SemVer 2.0.0, or PEP 440 with `scheme`.
#[pyfunction]
#[pyo3(signature = (version, scheme=None))]
fn parse_version<'py>(
    py: Python<'py>,
    version: &str,
    scheme: Option<&str>,
) -> Res<Bound<'py, PyAny>> {
    let parsed = v::parse_version_in(version, scheme_arg(scheme)?)?;
    out(py, &v::VersionParts::from(&parsed))
}

/// Compare by precedence (SemVer, or PEP 440 with `scheme`): -1, 0 or 1.
#[pyfunction]
#[pyo3(signature = (a, b, scheme=None))]
fn compare(a: &str, b: &str, scheme: Option<&str>) -> Res<i32> {
    Ok(v::compare_in(a, b, scheme_arg(scheme)?).map(|o| o as i32)?)
}

/// Sort versions by precedence, lowest first.
#[pyfunction]
#[pyo3(signature = (versions, scheme=None))]
fn sort_versions(versions: Vec<String>, scheme: Option<&str>) -> Res<Vec<String>> {
    Ok(v::sort_versions_in(&versions, scheme_arg(scheme)?)?
        .iter()
        .map(|x| x.to_string())
        .collect())
}

/// Bump a version by level, with a pre-release channel for the pre* levels
/// (under PEP 440 a phase: a, b or rc).
#[pyfunction]
#[pyo3(signature = (version, level, channel=None, scheme=None))]
fn bump(version: &str, level: &str, channel: Option<&str>, scheme: Option<&str>) -> Res<String> {
    let run = || -> opskit::Result<String> {
        Ok(v::bump_in(version, level.parse()?, channel, scheme_arg(scheme)?)?.to_string())
    };
    Ok(run()?)
}

/// Apply a stable level (major, minor, patch) on a pre-release channel:
/// enter, continue or escalate a pre-release.
#[pyfunction]
#[pyo3(signature = (version, level, channel, scheme=None))]
fn bump_on_channel(version: &str, level: &str, channel: &str, scheme: Option<&str>) -> Res<String> {
    let run = || -> opskit::Result<String> {
        Ok(
            v::bump_on_channel_in(version, level.parse()?, channel, scheme_arg(scheme)?)?
                .to_string(),
        )
    };
    Ok(run()?)
}

/// Does the version satisfy the range?
#[pyfunction]
fn satisfies(version: &str, range: &str) -> Res<bool> {
    Ok(v::satisfies(version, range)?)
}

/// Parse a commit message (Conventional Commits 1.0.0).
#[pyfunction]
fn parse_commit_message<'py>(py: Python<'py>, message: &str) -> Res<Bound<'py, PyAny>> {
    out(py, &v::parse_commit_message(message))
}

/// Release tags sorted by SemVer.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn releases<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::ReleaseOptions = opts(options)?;
    out(py, &detached(py, || v::releases(&path, &o))?)
}

/// The highest release, or None.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn latest_release<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::ReleaseOptions = opts(options)?;
    out(py, &detached(py, || v::latest_release(&path, &o))?)
}

/// The current release: the highest nearest to `rev`, or None.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn current_release<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::CurrentOptions = opts(options)?;
    out(py, &detached(py, || v::current_release(&path, &o))?)
}

/// The release to roll back to from `of` (default: the latest), or None.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), of=None, **options))]
fn rollback_target<'py>(
    py: Python<'py>,
    path: PathBuf,
    of: Option<String>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::RollbackOptions = opts(options)?;
    out(
        py,
        &detached(py, || v::rollback_target(&path, of.as_deref(), &o))?,
    )
}

/// The next version from git history.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn next_version<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::NextOptions = opts(options)?;
    out(py, &detached(py, || v::next_version(&path, &o))?)
}

/// Release: the next version's CHANGELOG.md section, version files bumped,
/// one commit and an annotated tag (`dry_run=True` writes nothing).
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn cut_release<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::CutReleaseOptions = opts(options)?;
    out(py, &detached(py, || v::cut_release(&path, &o))?)
}

/// A changelog as data.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn changelog<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::ChangelogOptions = opts(options)?;
    out(py, &detached(py, || v::changelog(&path, &o))?)
}

/// A changelog as Keep a Changelog markdown.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), **options))]
fn changelog_markdown(
    py: Python<'_>,
    path: PathBuf,
    options: Option<&Bound<'_, PyDict>>,
) -> Res<String> {
    let o: v::ChangelogOptions = opts(options)?;
    detached(py, || v::changelog(&path, &o).map(|c| c.to_markdown()))
}

/// The default changelog sections.
#[pyfunction]
fn default_groups(py: Python<'_>) -> Res<Bound<'_, PyAny>> {
    out(py, &v::default_groups())
}

/// The versioning state of a repository: branch, policy check, current and next version.
#[pyfunction]
#[pyo3(signature = (path=PathBuf::from("."), policy=None, **options))]
fn status<'py>(
    py: Python<'py>,
    path: PathBuf,
    policy: Option<&Bound<'py, PyDict>>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: v::NextOptions = opts(options)?;
    let p: v::BranchPolicy = opts(policy)?;
    out(py, &detached(py, || v::status(&path, &o, &p))?)
}

/// Check a branch name against a policy (`allowed` globs; default policy when omitted).
#[pyfunction]
#[pyo3(signature = (name, **policy))]
fn check_branch<'py>(
    py: Python<'py>,
    name: &str,
    policy: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let p: v::BranchPolicy = opts(policy)?;
    out(py, &v::check_branch(name, &p)?)
}

/// Can `to` fast-forward to `from_`?
#[pyfunction]
#[pyo3(signature = (from_, to, path=PathBuf::from(".")))]
fn promote_check<'py>(
    py: Python<'py>,
    from_: String,
    to: String,
    path: PathBuf,
) -> Res<Bound<'py, PyAny>> {
    out(py, &detached(py, || v::promote_check(&path, &from_, &to))?)
}

/// The functions and classes of `opskit._native.version`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> Res<()> {
    m.add_function(wrap_pyfunction!(parse_version, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sort_versions, m)?)?;
    m.add_function(wrap_pyfunction!(bump, m)?)?;
    m.add_function(wrap_pyfunction!(bump_on_channel, m)?)?;
    m.add_function(wrap_pyfunction!(default_groups, m)?)?;
    m.add_function(wrap_pyfunction!(status, m)?)?;
    m.add_function(wrap_pyfunction!(satisfies, m)?)?;
    m.add_function(wrap_pyfunction!(parse_commit_message, m)?)?;
    m.add_function(wrap_pyfunction!(releases, m)?)?;
    m.add_function(wrap_pyfunction!(latest_release, m)?)?;
    m.add_function(wrap_pyfunction!(current_release, m)?)?;
    m.add_function(wrap_pyfunction!(rollback_target, m)?)?;
    m.add_function(wrap_pyfunction!(next_version, m)?)?;
    m.add_function(wrap_pyfunction!(changelog, m)?)?;
    m.add_function(wrap_pyfunction!(cut_release, m)?)?;
    m.add_function(wrap_pyfunction!(changelog_markdown, m)?)?;
    m.add_function(wrap_pyfunction!(check_branch, m)?)?;
    m.add_function(wrap_pyfunction!(promote_check, m)?)?;
    Ok(())
}

//! `opskit.backup`: the backup-manifest family for Python. Hashing, walking
//! and checking run without the GIL; a progress callback, when given, is
//! called on the calling thread (re-taking the GIL for each call).

use std::path::PathBuf;

use opskit::backup as b;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::convert::{from_py, opts, out};
use crate::error::{Failure, Res, detached, invalid};

/// A manifest given as a dict (as returned by `build_manifest`) or as the
/// path of a manifest file.
/// A manifest argument: a dict, or a path (str or path-like, which is
/// converted to the path it names; core reads either shape).
fn manifest_arg(py: Python<'_>, v: &Bound<'_, PyAny>) -> Res<b::Manifest> {
    let value: serde_json::Value = if v.is_instance_of::<PyDict>() {
        from_py("manifest", v)?
    } else {
        let path: PathBuf = v
            .extract()
            .map_err(|_| invalid("manifest", "give a manifest dict or a path"))?;
        match path.into_os_string().into_string() {
            Ok(p) => serde_json::Value::String(p),
            // A path that is not UTF-8 cannot cross as JSON text: read it here.
            Err(raw) => return detached(py, || b::Manifest::read(std::path::Path::new(&raw))),
        }
    };
    detached(py, || b::Manifest::from_value(value))
}

/// Run `work` without the GIL, passing it a progress callback that calls the
/// Python `callback` (if any) with a dict; an exception raised by the
/// callback is raised after the work ends.
fn with_progress<T: Send>(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    work: impl FnOnce(Option<b::ProgressFn<'_>>) -> opskit::Result<T> + Send,
) -> Res<T> {
    let Some(cb) = callback else {
        return detached(py, || work(None));
    };
    let mut failure: Option<Failure> = None;
    let result = py.detach(|| {
        let mut report = |p: b::Progress| {
            if failure.is_some() {
                return;
            }
            Python::attach(|py| {
                let call = pythonize::pythonize(py, &p)
                    .map_err(|e| invalid("progress", e))
                    .and_then(|d| Ok(cb.call1(py, (d,))?));
                if let Err(e) = call {
                    failure = Some(e);
                }
            });
        };
        work(Some(&mut report))
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(result?)
}

/// Describe the tree at `path`: every entry with size, mode, mtime and hash.
#[pyfunction]
#[pyo3(signature = (path, *, progress=None, **options))]
fn build_manifest<'py>(
    py: Python<'py>,
    path: PathBuf,
    progress: Option<Py<PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: b::ManifestOptions = opts(options)?;
    let m = with_progress(py, progress, |p| b::build_manifest(&path, &o, p))?;
    out(py, &m)
}

/// Read and validate a manifest file.
#[pyfunction]
fn read_manifest(py: Python<'_>, path: PathBuf) -> Res<Bound<'_, PyAny>> {
    out(py, &detached(py, || b::Manifest::read(&path))?)
}

/// Write a manifest (dict) to `path` atomically, in canonical form.
#[pyfunction]
fn write_manifest(py: Python<'_>, manifest: &Bound<'_, PyAny>, path: PathBuf) -> Res<()> {
    let m = manifest_arg(py, manifest)?;
    detached(py, || m.write(&path))
}

/// The canonical text of a manifest.
#[pyfunction]
fn manifest_to_json(py: Python<'_>, manifest: &Bound<'_, PyAny>) -> Res<String> {
    let m = manifest_arg(py, manifest)?;
    Ok(m.to_canonical_string()?)
}

/// Parse and validate manifest text.
#[pyfunction]
fn manifest_from_json<'py>(py: Python<'py>, text: &str) -> Res<Bound<'py, PyAny>> {
    out(py, &b::Manifest::from_json(text)?)
}

/// `blake3:<hex>` of the manifest: what the next manifest names as `previous`.
#[pyfunction]
fn chain_hash(py: Python<'_>, manifest: &Bound<'_, PyAny>) -> Res<String> {
    let m = manifest_arg(py, manifest)?;
    Ok(m.chain_hash()?)
}

/// Check the tree at `path` against a manifest (dict or file path).
#[pyfunction]
#[pyo3(signature = (path, manifest, *, progress=None, **options))]
fn verify_tree<'py>(
    py: Python<'py>,
    path: PathBuf,
    manifest: &Bound<'py, PyAny>,
    progress: Option<Py<PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let m = manifest_arg(py, manifest)?;
    let o: b::VerifyOptions = opts(options)?;
    let r = with_progress(py, progress, |p| b::verify_tree(&path, &m, &o, p))?;
    out(py, &r)
}

/// What changed between two manifests (dicts or file paths).
#[pyfunction]
fn diff_manifests<'py>(
    py: Python<'py>,
    old: &Bound<'py, PyAny>,
    new: &Bound<'py, PyAny>,
) -> Res<Bound<'py, PyAny>> {
    let (a, c) = (manifest_arg(py, old)?, manifest_arg(py, new)?);
    out(py, &detached(py, || b::diff_manifests(&a, &c))?)
}

/// Which snapshots to keep (restic forget's rules). `snapshots` is a list of
/// `{id, time, tags}` dicts or JSON text (`restic snapshots --json` as it is).
#[pyfunction]
#[pyo3(signature = (snapshots, policy, *, now=None))]
fn plan_retention<'py>(
    py: Python<'py>,
    snapshots: &Bound<'py, PyAny>,
    policy: &Bound<'py, PyAny>,
    now: Option<String>,
) -> Res<Bound<'py, PyAny>> {
    let value: serde_json::Value = from_py("snapshots", snapshots)?;
    let list = b::snapshots_from_value(value)?;
    let p: b::RetentionPolicy = from_py("retention policy", policy)?;
    out(py, &b::plan_retention(&list, &p, now.as_deref())?)
}

fn key_bytes(key: &Bound<'_, PyAny>) -> Res<Vec<u8>> {
    if let Ok(b) = key.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = key.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    Err(invalid("key", "give the key as bytes or str"))
}

/// Sign a manifest: HMAC-SHA-256 (`key` = the secret) or Ed25519 (`key` =
/// PKCS#8 PEM private key). Returns the signature document as a dict.
#[pyfunction]
#[pyo3(signature = (manifest, key, *, key_id, algorithm=None))]
fn sign_manifest<'py>(
    py: Python<'py>,
    manifest: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    key_id: &str,
    algorithm: Option<&str>,
) -> Res<Bound<'py, PyAny>> {
    let m = manifest_arg(py, manifest)?;
    let alg: b::SignatureAlgorithm = match algorithm {
        Some(name) => name.parse()?,
        None => b::SignatureAlgorithm::default(),
    };
    let k = key_bytes(key)?;
    out(py, &b::sign_manifest(&m, alg, &k, key_id)?)
}

/// Check a signature (dict) over a manifest; raises `IntegrityError` when it
/// does not match. For Ed25519 the public key is enough.
#[pyfunction]
fn check_signature(
    py: Python<'_>,
    manifest: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
) -> Res<()> {
    let m = manifest_arg(py, manifest)?;
    let sig: b::Signature = from_py("signature", signature)?;
    let k = key_bytes(key)?;
    Ok(b::check_signature(&m, &sig, &k)?)
}

/// Check a chain of manifests (dicts or paths), oldest first; raises
/// `IntegrityError` at the first break.
#[pyfunction]
fn check_chain(py: Python<'_>, manifests: Vec<Bound<'_, PyAny>>) -> Res<()> {
    let list = manifests
        .iter()
        .map(|m| manifest_arg(py, m))
        .collect::<Res<Vec<_>>>()?;
    Ok(b::check_chain(&list)?)
}

/// Make a BagIt bag of the folder (in place, or a copy with `dest=`).
#[pyfunction]
#[pyo3(signature = (path, **options))]
fn make_bag<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: b::BagOptions = opts(options)?;
    out(py, &detached(py, || b::make_bag(&path, &o))?)
}

/// Validate a BagIt bag: `{valid, complete, errors, warnings, ...}`.
#[pyfunction]
#[pyo3(signature = (path, **options))]
fn validate_bag<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let o: b::BagValidateOptions = opts(options)?;
    out(py, &detached(py, || b::validate_bag(&path, &o))?)
}

/// `sha256sum -c` or `b3sum -c` lines for a manifest's files, as bytes
/// (names keep their exact bytes).
#[pyfunction]
#[pyo3(signature = (manifest, format=None))]
fn checksum_lines<'py>(
    py: Python<'py>,
    manifest: &Bound<'py, PyAny>,
    format: Option<&str>,
) -> Res<Bound<'py, PyBytes>> {
    let m = manifest_arg(py, manifest)?;
    let f: b::ChecksumFormat = match format {
        Some(name) => name.parse()?,
        None => b::ChecksumFormat::default(),
    };
    let lines = b::checksum_lines(&m, f)?;
    Ok(PyBytes::new(py, &lines))
}

/// Verify a restored tree, time it, and judge it against an objective.
#[pyfunction]
#[pyo3(signature = (path, manifest, *, progress=None, **options))]
fn restore_drill<'py>(
    py: Python<'py>,
    path: PathBuf,
    manifest: &Bound<'py, PyAny>,
    progress: Option<Py<PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let m = manifest_arg(py, manifest)?;
    let o: b::DrillOptions = opts(options)?;
    let r = with_progress(py, progress, |p| b::restore_drill(&path, &m, &o, p))?;
    out(py, &r)
}

/// The functions and classes of `opskit._native.backup`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> Res<()> {
    m.add_function(wrap_pyfunction!(build_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(read_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(write_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(manifest_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(manifest_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(chain_hash, m)?)?;
    m.add_function(wrap_pyfunction!(verify_tree, m)?)?;
    m.add_function(wrap_pyfunction!(diff_manifests, m)?)?;
    m.add_function(wrap_pyfunction!(plan_retention, m)?)?;
    m.add_function(wrap_pyfunction!(sign_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(check_signature, m)?)?;
    m.add_function(wrap_pyfunction!(check_chain, m)?)?;
    m.add_function(wrap_pyfunction!(make_bag, m)?)?;
    m.add_function(wrap_pyfunction!(validate_bag, m)?)?;
    m.add_function(wrap_pyfunction!(checksum_lines, m)?)?;
    m.add_function(wrap_pyfunction!(restore_drill, m)?)?;
    Ok(())
}

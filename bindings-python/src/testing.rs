//! `opskit._native.testing`: hooks the binding's own tests use to reach
//! paths no real input reaches (a panic, every error kind). Not part of the
//! public `opskit` API.

use pyo3::prelude::*;

use crate::error::to_py;

/// Raise a panic inside Rust, to test that it surfaces as `PanicException`.
#[pyfunction]
fn panic() {
    panic!("deliberate panic from opskit._native.testing.panic");
}

/// Raise the error of the kind with C code `code`, to test the mapping of every kind.
#[pyfunction]
fn raise_error(py: Python<'_>, code: u32) -> PyResult<()> {
    let kind = opskit::ErrorKind::ALL
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("no error kind has code {code}"))
        })?;
    Err(to_py(
        py,
        opskit::Error::new(kind, format!("test error of kind {kind}")),
    ))
}

/// The C codes of every error kind, to test that the mapping is total.
#[pyfunction]
fn error_codes() -> Vec<u32> {
    opskit::ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

/// The functions of `opskit._native.testing`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(panic, m)?)?;
    m.add_function(wrap_pyfunction!(raise_error, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    Ok(())
}

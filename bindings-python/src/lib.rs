//! Python bindings of opskit: the native module `opskit._native`. Functions
//! only convert arguments (keyword options are deserialised into the core
//! option structs, so unknown names are errors), release the GIL around the
//! core call, and convert results (pythonize) and errors (`opskit.exceptions`).

use pyo3::prelude::*;

mod backup;
mod convert;
mod docs;
mod error;
mod health;
mod version;

/// Raise a panic inside Rust, to test that it surfaces as `PanicException`.
#[pyfunction]
fn _test_panic() {
    panic!("deliberate panic from opskit._native._test_panic");
}

/// Raise the error of the kind with C code `code`, to test the mapping of every kind.
#[pyfunction]
fn _test_error(py: Python<'_>, code: u32) -> PyResult<()> {
    let kind = opskit::ErrorKind::ALL
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("no error kind has code {code}"))
        })?;
    Err(error::to_py(
        py,
        opskit::Error::new(kind, format!("test error of kind {kind}")),
    ))
}

/// The C codes of every error kind, to test that the mapping is total.
#[pyfunction]
fn _error_codes() -> Vec<u32> {
    opskit::ErrorKind::ALL.iter().map(|k| k.code()).collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", opskit::VERSION)?;
    m.add(
        "PanicException",
        m.py().get_type::<pyo3::panic::PanicException>(),
    )?;
    m.add_function(wrap_pyfunction!(_test_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_test_error, m)?)?;
    m.add_function(wrap_pyfunction!(_error_codes, m)?)?;
    version::register(m)?;
    backup::register(m)?;
    health::register(m)?;
    docs::register(m)?;
    Ok(())
}

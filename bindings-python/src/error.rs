//! Core errors become the `opskit.exceptions` class of their kind.

use pyo3::prelude::*;

/// Convert a core error to the Python exception of its kind, named after
/// `ErrorKind::name()` in `opskit.exceptions`.
pub(crate) fn to_py(py: Python<'_>, err: opskit::Error) -> PyErr {
    let message = err.to_string();
    let class = py
        .import("opskit.exceptions")
        .and_then(|m| m.getattr(err.kind().name()));
    match class.and_then(|c| c.call1((message.clone(),))) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// An invalid-input error for arguments that could not be converted.
pub(crate) fn invalid(py: Python<'_>, what: &str, err: impl std::fmt::Display) -> PyErr {
    to_py(py, opskit::Error::invalid(format!("{what}: {err}")))
}

/// Run `f` without the GIL and map its error: every call that reads git or
/// the disk goes through here, with its arguments already extracted.
pub(crate) fn detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> opskit::Result<T> + Send,
) -> PyResult<T> {
    py.detach(f).map_err(|e| to_py(py, e))
}

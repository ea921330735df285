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
pub(crate) fn invalid(what: &str, err: impl std::fmt::Display) -> Failure {
    Failure::Core(opskit::Error::invalid(format!("{what}: {err}")))
}

/// Why a binding call failed: a core error (raised as the
/// `opskit.exceptions` class of its kind) or an error Python raised. Every
/// function returns it, so bodies use `?` on core calls and Python calls
/// alike and the conversion is written once, here.
pub(crate) enum Failure {
    /// A core error.
    Core(opskit::Error),
    /// A Python exception, passed on as it is.
    Py(PyErr),
}

impl From<opskit::Error> for Failure {
    fn from(e: opskit::Error) -> Self {
        Failure::Core(e)
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::Py(e)
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Core(e) => Python::attach(|py| to_py(py, e)),
            Failure::Py(e) => e,
        }
    }
}

/// The result of a binding function.
pub(crate) type Res<T> = Result<T, Failure>;

/// Run `f` without the GIL: every call that reads git or the disk goes
/// through here, with its arguments already extracted.
pub(crate) fn detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> opskit::Result<T> + Send,
) -> Res<T> {
    Ok(py.detach(f)?)
}

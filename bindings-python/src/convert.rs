//! Conversions shared by every family: results to Python through serde
//! (pythonize), keyword options into the core option structs.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Res, invalid};

/// A core result as a Python value (dicts, lists, str, int, float, None).
pub(crate) fn out<'py, T: Serialize>(py: Python<'py>, value: &T) -> Res<Bound<'py, PyAny>> {
    pythonize::pythonize(py, value).map_err(|e| invalid("cannot convert the result", e))
}

/// A Python argument as a core value; a wrong shape is an InvalidInputError naming `what`.
///
/// The value goes through JSON's data model first, so it is read as the
/// C and Node bindings read theirs: pythonize alone would take a `str`
/// where a list is wanted as a list of its characters.
pub(crate) fn from_py<T: DeserializeOwned>(what: &str, v: &Bound<'_, PyAny>) -> Res<T> {
    let json: serde_json::Value =
        pythonize::depythonize(v).map_err(|e| invalid(&format!("invalid {what}"), e))?;
    serde_json::from_value(json).map_err(|e| invalid(&format!("invalid {what}"), e))
}

/// Keyword options into a core options struct; unknown names are errors.
pub(crate) fn opts<T: DeserializeOwned + Default>(kwargs: Option<&Bound<'_, PyDict>>) -> Res<T> {
    match kwargs {
        None => Ok(T::default()),
        Some(d) => from_py("keyword options", d.as_any()),
    }
}

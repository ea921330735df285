//! Python bindings of opskit: the native module `opskit._native`. Functions
//! only convert arguments (keyword options are deserialised into the core
//! option structs, so unknown names are errors), release the GIL around the
//! core call, and convert results (pythonize) and errors (`opskit.exceptions`).

use pyo3::prelude::*;

mod apm;
mod backup;
mod convert;
mod docs;
mod error;
mod health;
mod testing;
mod version;

/// Add the family's submodule to `parent` as `opskit._native.<name>`, and
/// to `sys.modules` under that name so `from opskit._native.<name> import f`
/// works like a package's submodule.
fn add_family(
    parent: &Bound<'_, PyModule>,
    name: &str,
    register: fn(&Bound<'_, PyModule>) -> PyResult<()>,
) -> PyResult<()> {
    let py = parent.py();
    let full = format!("opskit._native.{name}");
    let module = PyModule::new(py, &full)?;
    register(&module)?;
    parent.add(name, &module)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item(full, &module)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", opskit::VERSION)?;
    m.add(
        "PanicException",
        m.py().get_type::<pyo3::panic::PanicException>(),
    )?;
    add_family(m, "version", |m| Ok(version::register(m)?))?;
    add_family(m, "backup", |m| Ok(backup::register(m)?))?;
    add_family(m, "health", |m| Ok(health::register(m)?))?;
    add_family(m, "docs", |m| Ok(docs::register(m)?))?;
    add_family(m, "apm", apm::register)?;
    add_family(m, "testing", testing::register)?;
    Ok(())
}

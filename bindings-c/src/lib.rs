//! The C ABI of opskit. Only `extern "C"` glue: each function converts its
//! arguments, calls one core function inside the panic boundary, and returns
//! an [`opskit_status`] with results in out-parameters (JSON for structured
//! results). The header `include/opskit.h` is generated from this crate.
#![allow(non_camel_case_types)]

mod apm;
mod backup;
mod docs;
mod error;
mod ffi;
mod health;
mod testing;
mod version;

pub use apm::*;
pub use backup::*;
pub use docs::*;
pub use error::{opskit_last_error_message, opskit_status, opskit_status_name};
pub use ffi::opskit_string_free;
pub use health::*;
pub use version::*;

/// The library version, e.g. `"0.1.0"`: a static string, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn opskit_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

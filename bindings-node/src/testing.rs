//! Hooks the binding's own tests use to reach paths no real input reaches
//! (a panic on either thread, every error kind). Underscored in JavaScript:
//! not part of the public API.

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::error::{Code, Failure, sync};
use crate::task::{Job, job};

/// The error of the kind with C code `code`, for the mapping tests.
fn test_failure(code: u32) -> Failure {
    match opskit::ErrorKind::from_code(code) {
        Some(kind) => opskit::Error::new(kind, format!("test error of kind {kind}")).into(),
        None => Failure::invalid(format!("no error kind has code {code}")),
    }
}

/// For binding tests: throws the error of the kind with C code `code`.
#[napi(js_name = "_testError")]
pub fn test_error(code: u32) -> Result<(), napi::Error<Code>> {
    sync(|| Err(test_failure(code)))
}

/// For binding tests: rejects with the error of the kind with C code `code`.
#[napi(js_name = "_testErrorAsync", ts_return_type = "Promise<void>")]
pub fn test_error_async(code: u32) -> AsyncTask<Job> {
    job(move || Err(test_failure(code)))
}

/// For binding tests: panics inside Rust (sync), surfacing as `ERR_OPSKIT_PANIC`.
#[napi(js_name = "_testPanic")]
pub fn test_panic() -> Result<(), napi::Error<Code>> {
    sync(|| panic!("deliberate panic from opskit _testPanic"))
}

/// For binding tests: panics on the libuv pool, rejecting with `ERR_OPSKIT_PANIC`.
#[napi(js_name = "_testPanicAsync", ts_return_type = "Promise<void>")]
pub fn test_panic_async() -> AsyncTask<Job> {
    job(|| panic!("deliberate panic from opskit _testPanicAsync"))
}

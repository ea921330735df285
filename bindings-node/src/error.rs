//! Errors with a stable `code`, panics caught at the boundary.

use std::panic::{AssertUnwindSafe, catch_unwind};

use napi::{Env, JsError};

/// The `code` of a panic caught at the boundary.
pub(crate) const PANIC_CODE: &str = "ERR_OPSKIT_PANIC";

/// A napi status that is one of DESIGN.md's string codes.
#[derive(Clone, Copy, Debug)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Why a call failed: its code and message. Crosses threads (libuv pool → JS thread).
#[derive(Debug)]
pub struct Failure {
    code: &'static str,
    message: String,
}

impl Failure {
    pub(crate) fn invalid(message: String) -> Self {
        Failure {
            code: opskit::ErrorKind::InvalidInput.js_code(),
            message,
        }
    }

    /// As a napi error whose JS `code` is ours (for synchronous throws).
    pub(crate) fn into_napi(self) -> napi::Error<Code> {
        napi::Error::new(Code(self.code), self.message)
    }

    /// As an error that rejects a Promise with our `code`: the JS error object
    /// is built on the JS thread and carried by reference.
    pub(crate) fn into_rejection(self, env: &Env) -> napi::Error {
        let js = JsError::from(self.into_napi()).into_unknown(*env);
        napi::Error::from(js)
    }
}

impl From<opskit::Error> for Failure {
    fn from(e: opskit::Error) -> Self {
        Failure {
            code: e.kind().js_code(),
            message: e.to_string(),
        }
    }
}

/// Run `f`, turning a panic into a `Failure` with `ERR_OPSKIT_PANIC`.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Failure {
            code: PANIC_CODE,
            message: format!("panic in opskit (a bug, please report it): {what}"),
        })
    })
}

/// Run a synchronous export body inside the panic guard and map its failure.
pub(crate) fn sync<T>(f: impl FnOnce() -> Result<T, Failure>) -> napi::Result<T, Code> {
    guard(f).map_err(Failure::into_napi)
}

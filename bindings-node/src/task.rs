//! One call of the core on the libuv pool (napi's `AsyncTask`), shared by
//! every family: the work runs off the JS thread, and its failure rejects the
//! Promise with our `code`, built on the JS thread.
//!
//! Large values cross the thread boundary as one JSON text, so the JS
//! thread's share of a call stays small: an argument is turned into text
//! by V8's own `JSON.stringify` (one native call, not an N-API walk of
//! every property) and parsed on the worker; a result is serialised on
//! the worker and built on the JS thread by V8's `JSON.parse`.

use std::ffi::c_char;

use napi::bindgen_prelude::{AsyncTask, FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{Env, Task, sys};
use serde_json::Value;

use crate::error::{Failure, guard};

type Op = Box<dyn FnOnce() -> Result<Value, Failure> + Send>;

/// One call of the core on the libuv pool; its error rejects the Promise
/// with our `code`, built on the JS thread.
pub struct Job(Option<Op>);

/// A result as JSON text made on the worker, handed to JS as the plain
/// object `JSON.parse` makes of it (typed in `index.d.ts` per function).
pub struct JsonText(String);

impl TypeName for JsonText {
    fn type_name() -> &'static str {
        "any"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

/// Check an N-API status; a pending JS exception becomes its message.
fn check(env: sys::napi_env, status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        return Ok(());
    }
    let mut pending = false;
    // SAFETY: `env` is the live env of the current call.
    unsafe { sys::napi_is_exception_pending(env, &mut pending) };
    let mut message = format!("{what} failed");
    if pending {
        let mut exception = std::ptr::null_mut();
        // SAFETY: as above; the exception is cleared and read as a string.
        unsafe {
            sys::napi_get_and_clear_last_exception(env, &mut exception);
            let mut text = std::ptr::null_mut();
            if sys::napi_coerce_to_string(env, exception, &mut text) == sys::Status::napi_ok
                && let Ok(s) = String::from_napi_value(env, text)
            {
                message = format!("{what}: {s}");
            }
        }
    }
    Err(napi::Error::from_reason(message))
}

/// Call `JSON[method](arg)` in `env`.
fn call_json(
    env: sys::napi_env,
    method: &str,
    arg: sys::napi_value,
) -> napi::Result<sys::napi_value> {
    let name = format!("{method}\0");
    let mut global = std::ptr::null_mut();
    let mut json = std::ptr::null_mut();
    let mut func = std::ptr::null_mut();
    let mut out = std::ptr::null_mut();
    // SAFETY: `env` is the live env of the current call; the names are
    // NUL-terminated; every out-pointer is a local.
    unsafe {
        check(
            env,
            sys::napi_get_global(env, &mut global),
            "napi_get_global",
        )?;
        check(
            env,
            sys::napi_get_named_property(env, global, c"JSON".as_ptr(), &mut json),
            "JSON",
        )?;
        check(
            env,
            sys::napi_get_named_property(env, json, name.as_ptr() as *const c_char, &mut func),
            method,
        )?;
        check(
            env,
            sys::napi_call_function(env, json, func, 1, &arg, &mut out),
            &format!("JSON.{method}"),
        )?;
    }
    Ok(out)
}

impl ToNapiValue for JsonText {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: forwarded from napi's own conversion call with its env.
        let text = unsafe { String::to_napi_value(env, val.0) }?;
        call_json(env, "parse", text)
    }
}

/// A JS argument as JSON text, made by V8's `JSON.stringify` on the JS
/// thread and parsed (with the camelCase → snake_case rules of
/// [`crate::convert`]) on the worker. `undefined` is `null`; a value JSON
/// cannot hold (a BigInt, a cycle) is an invalid-input error.
pub struct JsJson(String);

impl JsJson {
    /// The value, parsed: call it on the worker.
    pub(crate) fn value(self) -> Result<Value, Failure> {
        serde_json::from_str(&self.0)
            .map_err(|e| Failure::invalid(format!("invalid argument: {e}")))
    }

    /// An optional argument, parsed.
    pub(crate) fn optional(v: Option<JsJson>) -> Result<Option<Value>, Failure> {
        v.map(JsJson::value).transpose()
    }
}

impl TypeName for JsJson {
    fn type_name() -> &'static str {
        "any"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

impl ValidateNapiValue for JsJson {}

impl FromNapiValue for JsJson {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let text = call_json(env, "stringify", value)?;
        let mut kind = 0;
        // SAFETY: `env` is the live env of this conversion.
        unsafe { sys::napi_typeof(env, text, &mut kind) };
        if kind != sys::ValueType::napi_string {
            return Ok(JsJson("null".into()));
        }
        // SAFETY: as above; `text` is a JS string.
        Ok(JsJson(unsafe { String::from_napi_value(env, text) }?))
    }
}

impl Task for Job {
    type Output = Result<String, Failure>;
    type JsValue = JsonText;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let op = self
            .0
            .take()
            .ok_or_else(|| napi::Error::from_reason("opskit task ran twice"))?;
        Ok(guard(op).and_then(|v| {
            serde_json::to_string(&v)
                .map_err(|e| Failure::invalid(format!("cannot convert the result: {e}")))
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<JsonText> {
        output.map(JsonText).map_err(|f| f.into_rejection(&env))
    }
}

pub(crate) fn job(op: impl FnOnce() -> Result<Value, Failure> + Send + 'static) -> AsyncTask<Job> {
    AsyncTask::new(Job(Some(Box::new(op))))
}

/// One core call as a Promise function (run on the libuv pool) and its
/// blocking `…Sync` twin, from one body and one argument signature, so the
/// two cannot drift. `returns` is the result's TypeScript type, `promise`
/// the Promise form's (napi's attribute takes literals only). Docs are
/// written `#[doc = "…"]`: a `///` comment reaches napi as a raw string
/// through `macro_rules!`, and would show as `r"…"` in `index.d.ts`.
macro_rules! promise_and_sync {
    (
        $(#[doc = $doc:literal])+
        #[napi(namespace = $ns:literal, args = $args:literal, returns = $ret:literal, promise = $promise:literal)]
        fn $name:ident / $sync_name:ident ($($arg:ident : $ty:ty),* $(,)?) $body:block
    ) => {
        $(#[doc = $doc])+
        #[napi_derive::napi(namespace = $ns, ts_args_type = $args, ts_return_type = $promise)]
        pub fn $name($($arg: $ty),*) -> napi::bindgen_prelude::AsyncTask<$crate::task::Job> {
            $crate::task::job(move || $body)
        }

        $(#[doc = $doc])+
        #[doc = ""]
        #[doc = "Blocks the calling thread; the Promise form runs on the libuv pool."]
        #[napi_derive::napi(namespace = $ns, ts_args_type = $args, ts_return_type = $ret)]
        pub fn $sync_name($($arg: $ty),*) -> napi::Result<serde_json::Value, $crate::error::Code> {
            $crate::error::sync(move || $body)
        }
    };
    // With a progress callback: its type differs between the forms (a
    // thread-safe function for the pool, the JS function itself for the
    // blocking call); the body sees it as `$p` either way.
    (
        $(#[doc = $doc:literal])+
        #[napi(namespace = $ns:literal, args = $args:literal, returns = $ret:literal, promise = $promise:literal)]
        fn $name:ident / $sync_name:ident ($($arg:ident : $ty:ty),* $(,)?)
            progress $p:ident: $pty:ty | $spty:ty $body:block
    ) => {
        $(#[doc = $doc])+
        #[napi_derive::napi(namespace = $ns, ts_args_type = $args, ts_return_type = $promise)]
        pub fn $name($($arg: $ty,)* $p: $pty) -> napi::bindgen_prelude::AsyncTask<$crate::task::Job> {
            $crate::task::job(move || $body)
        }

        $(#[doc = $doc])+
        #[doc = ""]
        #[doc = "Blocks the calling thread, and calls `progress` on it; the Promise form runs on the libuv pool."]
        #[napi_derive::napi(namespace = $ns, ts_args_type = $args, ts_return_type = $ret)]
        pub fn $sync_name($($arg: $ty,)* $p: $spty) -> napi::Result<serde_json::Value, $crate::error::Code> {
            $crate::error::sync(move || $body)
        }
    };
}
pub(crate) use promise_and_sync;

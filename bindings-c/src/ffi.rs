//! The boundary helpers every exported function goes through: argument
//! conversion, the panic catcher, the last error, and owned strings.

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{clear_last_error, opskit_status, set_last_error, status_of};

/// Why a call failed: a status and its message.
pub(crate) struct Failure(opskit_status, String);

impl From<opskit::Error> for Failure {
    fn from(e: opskit::Error) -> Self {
        Failure(status_of(e.kind()), e.to_string())
    }
}

fn invalid(msg: String) -> Failure {
    Failure(opskit_status::OPSKIT_ERR_INVALID_INPUT, msg)
}

impl Failure {
    /// An invalid-input failure.
    pub(crate) fn invalid(msg: String) -> Failure {
        invalid(msg)
    }

    /// A NULL-argument failure.
    pub(crate) fn null(msg: String) -> Failure {
        Failure(opskit_status::OPSKIT_ERR_NULL_ARGUMENT, msg)
    }
}

pub(crate) type Res<T> = Result<T, Failure>;

/// Run `body` inside the panic boundary: clears the last error first, maps a
/// failure to its status and message, and turns a panic into `OPSKIT_ERR_PANIC`.
pub(crate) fn boundary(body: impl FnOnce() -> Res<()>) -> opskit_status {
    clear_last_error();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => opskit_status::OPSKIT_OK,
        Ok(Err(Failure(status, msg))) => {
            set_last_error(&msg);
            status
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!(
                "panic in opskit (a bug, please report it): {what}"
            ));
            opskit_status::OPSKIT_ERR_PANIC
        }
    }
}

/// The panic boundary of a `_free` function, which has no status to
/// return: a panic while dropping is caught (never unwinds into C) and left
/// as the thread's last error message. A free does not clear the message of
/// the call before it (C code frees, then reads the error).
pub(crate) fn free_boundary(body: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(body)).is_err() {
        set_last_error("panic in opskit while freeing (a bug, please report it)");
    }
}

/// A handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle from the matching `_new`, used by one thread.
pub(crate) unsafe fn handle_arg<'a, T>(ptr: *mut T, name: &str) -> Res<&'a mut T> {
    // SAFETY: the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| {
        Failure::null(format!(
            "argument {name} is NULL; pass a handle from its _new function"
        ))
    })
}

/// Move `value` to the heap and hand the caller its pointer.
pub(crate) fn give<T>(out: &mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// Drop a handle from `give` (NULL is a no-op).
///
/// # Safety
/// `ptr` is NULL or came from `give` and was not freed.
pub(crate) unsafe fn take<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: `ptr` came from Box::into_raw (caller's contract).
        free_boundary(|| drop(unsafe { Box::from_raw(ptr) }));
    }
}

/// The body of every `(path, options_json, out_json)` function (`path_name`
/// names the path argument in errors): the
/// arguments read (a NULL `options_json` is the defaults), `call` run on
/// them, its result written to `out_json` as JSON, inside the boundary.
///
/// # Safety
/// `path` and `options_json` are NULL or NUL-terminated; `out_json` is NULL
/// or writable.
pub(crate) unsafe fn path_call<O: DeserializeOwned + Default, R: Serialize>(
    (path, path_name): (*const c_char, &str),
    options_json: *const c_char,
    out_json: *mut *mut c_char,
    call: impl FnOnce(&std::path::Path, O) -> opskit::Result<R>,
) -> opskit_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract.
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, path_name) }?;
        let opts: O = unsafe { options(options_json, "options_json") }?;
        *out = owned_json(&call(std::path::Path::new(path), opts)?)?;
        Ok(())
    })
}

/// A required string argument.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Res<&'a str> {
    if ptr.is_null() {
        return Err(Failure(
            opskit_status::OPSKIT_ERR_NULL_ARGUMENT,
            format!("argument {name} is NULL; pass a NUL-terminated UTF-8 string"),
        ));
    }
    // SAFETY: the caller guarantees a NUL-terminated string valid for the call.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map_err(|e| invalid(format!("argument {name} is not valid UTF-8: {e}")))
}

/// An optional string argument (NULL means absent).
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> Res<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { str_arg(ptr, name) }.map(Some)
    }
}

/// Options as a JSON object (NULL or `""` means all defaults). Unknown
/// fields are rejected, so a typo does not pass silently.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn options<T: DeserializeOwned + Default>(
    ptr: *const c_char,
    name: &str,
) -> Res<T> {
    // SAFETY: forwarded from the caller.
    match unsafe { opt_str_arg(ptr, name) }? {
        None => Ok(T::default()),
        Some(s) if s.trim().is_empty() => Ok(T::default()),
        Some(s) => serde_json::from_str(s)
            .map_err(|e| invalid(format!("{name} is not valid options JSON: {e}"))),
    }
}

/// Check an out-parameter before doing any work.
///
/// # Safety
/// `ptr` is NULL or points to writable memory for a `T` that outlives the call.
pub(crate) unsafe fn out_arg<'a, T>(ptr: *mut T, name: &str) -> Res<&'a mut T> {
    // SAFETY: a non-NULL out-parameter points to writable memory (caller's contract).
    unsafe { ptr.as_mut() }.ok_or_else(|| {
        Failure(
            opskit_status::OPSKIT_ERR_NULL_ARGUMENT,
            format!("out-parameter {name} is NULL; pass the address of a variable"),
        )
    })
}

/// A library-owned copy of `s` for the caller (freed with `opskit_string_free`).
pub(crate) fn owned_string(s: String) -> *mut c_char {
    let clean = if s.contains('\0') {
        s.replace('\0', "\u{fffd}")
    } else {
        s
    };
    CString::new(clean).expect("NULs replaced").into_raw()
}

/// Bytes (not necessarily UTF-8, never holding NUL: file names cannot) as
/// a library-owned C string; a NUL would end it, so it is refused.
pub(crate) fn owned_bytes(b: Vec<u8>) -> Res<*mut c_char> {
    CString::new(b)
        .map(CString::into_raw)
        .map_err(|_| opskit::Error::invalid("the result holds a NUL byte").into())
}

/// `value` as JSON, library-owned.
pub(crate) fn owned_json<T: Serialize>(value: &T) -> Res<*mut c_char> {
    serde_json::to_string(value)
        .map(owned_string)
        .map_err(|e| invalid(format!("cannot encode the result as JSON: {e}")))
}

/// Free a string returned by opskit. NULL is a no-op; never free a string twice
/// or pass one not returned by opskit.
///
/// # Safety
/// `s` is NULL or a pointer returned through an opskit out-parameter, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from CString::into_raw in owned_string (caller's contract).
        free_boundary(|| drop(unsafe { CString::from_raw(s) }));
    }
}

/// A required JSON argument, deserialised.
///
/// # Safety
/// As `str_arg`.
pub(crate) unsafe fn json_arg<T: DeserializeOwned>(ptr: *const c_char, name: &str) -> Res<T> {
    // SAFETY: forwarded from the caller.
    let text = unsafe { str_arg(ptr, name) }?;
    serde_json::from_str(text).map_err(|e| Failure::invalid(format!("{name} is not valid: {e}")))
}

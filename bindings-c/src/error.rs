//! Status codes (DESIGN.md's table) and the thread-local last error.

use std::cell::RefCell;
use std::ffi::{CString, c_char};

use opskit::ErrorKind;

/// The result of every fallible opskit call. Values are stable and never reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum opskit_status {
    /// Success.
    OPSKIT_OK = 0,
    /// A panic was caught at the boundary (a bug in opskit; please report it).
    OPSKIT_ERR_PANIC = 1,
    /// A required pointer argument was NULL.
    OPSKIT_ERR_NULL_ARGUMENT = 2,
    /// Invalid input: a bad version, option, pattern or policy; invalid UTF-8 or JSON.
    OPSKIT_ERR_INVALID_INPUT = 10,
    /// A path, revision, tag or document does not exist.
    OPSKIT_ERR_NOT_FOUND = 20,
    /// The operating system refused access.
    OPSKIT_ERR_PERMISSION = 21,
    /// Another I/O failure.
    OPSKIT_ERR_IO = 22,
    /// git could not do what was asked.
    OPSKIT_ERR_GIT = 30,
    /// A hash or signature mismatch.
    OPSKIT_ERR_INTEGRITY = 40,
    /// An operation ran out of time.
    OPSKIT_ERR_TIMEOUT = 50,
    /// Valid but unsupported here.
    OPSKIT_ERR_UNSUPPORTED = 60,
}

impl opskit_status {
    /// Every status, for tests.
    pub(crate) const ALL: [opskit_status; 11] = [
        opskit_status::OPSKIT_OK,
        opskit_status::OPSKIT_ERR_PANIC,
        opskit_status::OPSKIT_ERR_NULL_ARGUMENT,
        opskit_status::OPSKIT_ERR_INVALID_INPUT,
        opskit_status::OPSKIT_ERR_NOT_FOUND,
        opskit_status::OPSKIT_ERR_PERMISSION,
        opskit_status::OPSKIT_ERR_IO,
        opskit_status::OPSKIT_ERR_GIT,
        opskit_status::OPSKIT_ERR_INTEGRITY,
        opskit_status::OPSKIT_ERR_TIMEOUT,
        opskit_status::OPSKIT_ERR_UNSUPPORTED,
    ];

    fn name(self) -> &'static std::ffi::CStr {
        match self {
            opskit_status::OPSKIT_OK => c"OPSKIT_OK",
            opskit_status::OPSKIT_ERR_PANIC => c"OPSKIT_ERR_PANIC",
            opskit_status::OPSKIT_ERR_NULL_ARGUMENT => c"OPSKIT_ERR_NULL_ARGUMENT",
            opskit_status::OPSKIT_ERR_INVALID_INPUT => c"OPSKIT_ERR_INVALID_INPUT",
            opskit_status::OPSKIT_ERR_NOT_FOUND => c"OPSKIT_ERR_NOT_FOUND",
            opskit_status::OPSKIT_ERR_PERMISSION => c"OPSKIT_ERR_PERMISSION",
            opskit_status::OPSKIT_ERR_IO => c"OPSKIT_ERR_IO",
            opskit_status::OPSKIT_ERR_GIT => c"OPSKIT_ERR_GIT",
            opskit_status::OPSKIT_ERR_INTEGRITY => c"OPSKIT_ERR_INTEGRITY",
            opskit_status::OPSKIT_ERR_TIMEOUT => c"OPSKIT_ERR_TIMEOUT",
            opskit_status::OPSKIT_ERR_UNSUPPORTED => c"OPSKIT_ERR_UNSUPPORTED",
        }
    }
}

/// The status for a core error kind: the one whose value is the kind's
/// code (core's table; cbindgen needs this enum written out, and the test
/// below holds the two to each other). A kind without one would be a bug
/// the test catches; it is reported as a caught panic, never as another kind.
pub(crate) fn status_of(kind: ErrorKind) -> opskit_status {
    opskit_status::ALL
        .into_iter()
        .find(|s| *s as u32 == kind.code())
        .unwrap_or(opskit_status::OPSKIT_ERR_PANIC)
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|e| *e.borrow_mut() = None);
}

pub(crate) fn set_last_error(message: &str) {
    let clean: String = message
        .chars()
        .map(|c| if c == '\0' { '?' } else { c })
        .collect();
    let c = CString::new(clean).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(c));
}

/// The name of a status code (`"OPSKIT_ERR_NOT_FOUND"`), or `"OPSKIT_UNKNOWN_STATUS"`.
/// A static string: never freed.
#[unsafe(no_mangle)]
pub extern "C" fn opskit_status_name(status: u32) -> *const c_char {
    opskit_status::ALL
        .iter()
        .find(|s| **s as u32 == status)
        .map(|s| s.name().as_ptr())
        .unwrap_or(c"OPSKIT_UNKNOWN_STATUS".as_ptr())
}

/// The message of the last failed opskit call on this thread, or NULL when
/// the last call succeeded. Owned by the library: valid until the next
/// opskit call on this thread; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn opskit_last_error_message() -> *const c_char {
    LAST_ERROR.with(|e| {
        e.borrow()
            .as_ref()
            .map(|c| c.as_ptr())
            .unwrap_or(std::ptr::null())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_design_code() {
        for k in ErrorKind::ALL {
            assert_eq!(status_of(k) as u32, k.code(), "{k:?}");
            assert_eq!(status_of(k).name().to_str().unwrap(), k.c_name(), "{k:?}");
        }
        // The C-only statuses and the kinds' statuses are all there is.
        assert_eq!(opskit_status::ALL.len(), 3 + ErrorKind::ALL.len());
        for s in opskit_status::ALL {
            let name = unsafe { std::ffi::CStr::from_ptr(opskit_status_name(s as u32)) };
            assert_eq!(name, s.name());
        }
    }
}

//! Hooks the binding's own tests use to reach paths no real input reaches.
//! Exported (a C test links only the public library) but not part of the
//! documented API.

use crate::error::opskit_status;
use crate::ffi::boundary;

/// For binding tests only: panics inside the boundary, so callers can check
/// that a panic comes back as `OPSKIT_ERR_PANIC` with a message.
#[unsafe(no_mangle)]
pub extern "C" fn opskit_test_panic() -> opskit_status {
    boundary(|| panic!("deliberate panic from opskit_test_panic"))
}

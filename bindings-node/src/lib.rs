//! Node.js bindings of opskit (napi-rs). Functions that touch git or the
//! disk return a Promise computed on the libuv pool, with a blocking `…Sync`
//! twin; cheap pure functions are synchronous. Every export catches panics,
//! and every error carries `code` from DESIGN.md's table (`ERR_OPSKIT_…`),
//! for thrown errors and rejected Promises alike. Option and result fields
//! are camelCase.

pub mod apm;
pub mod backup;
pub mod convert;
pub mod docs;
pub mod error;
pub mod health;
pub mod task;
pub mod testing;
pub mod version;

use napi_derive::napi;

/// The library version (the workspace version). `version` is the
/// versioning family's namespace, so the number is this constant.
#[napi]
pub const VERSION: &str = opskit::VERSION;

/// The `code` of every error kind, keyed by kind (`invalidInput: "ERR_OPSKIT_INVALID_INPUT"`).
#[napi(ts_return_type = "Record<string, string>")]
pub fn error_codes() -> serde_json::Value {
    let map = opskit::ErrorKind::ALL
        .into_iter()
        .map(|k| {
            let name = serde_json::to_value(k).unwrap_or_default();
            let key = convert::snake_to_camel(name.as_str().unwrap_or_default());
            (key, serde_json::Value::from(k.js_code()))
        })
        .collect();
    serde_json::Value::Object(map)
}

//! The release's hand-written editors: package.json's version (a JSON
//! walker), Cargo.toml and Cargo.lock (toml_edit spans) and a Keep a
//! Changelog CHANGELOG.md. An edit that succeeds leaves a valid file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    opskit::version::release_fuzzing::edit_all(&String::from_utf8_lossy(data));
});

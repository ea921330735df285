//! libopskit.so carries a SONAME with the major version (libopskit.so.0),
//! so programs linked against it keep working across compatible releases
//! and a distribution can install several majors side by side.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libopskit.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

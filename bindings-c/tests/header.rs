//! `include/opskit.h` must be exactly what the pinned cbindgen generates from
//! this crate. Regenerate with `make header` (OPSKIT_BLESS=1).

use std::path::PathBuf;

#[test]
fn header_matches_a_fresh_generation() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../include/opskit.h");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut fresh);
    if std::env::var_os("OPSKIT_BLESS").is_some() {
        std::fs::write(&header, &fresh).expect("write include/opskit.h");
        return;
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/opskit.h differs from a fresh cbindgen generation; run `make header` and commit it \
         (never edit the header by hand)"
    );
}

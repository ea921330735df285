//! A bag on disk from fuzzed bytes: bagit.txt, bag-info.txt, a payload
//! manifest, a tag manifest, fetch.txt and a payload file, validated
//! fully and fast. An invalid bag is a result, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::backup::{BagValidateOptions, validate_bag};

const FILES: [&str; 6] = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "tagmanifest-sha256.txt",
    "fetch.txt",
    "data/a.txt",
];

fuzz_target!(|data: &[u8]| {
    let bag = opskit_fuzz::scratch().join("bag");
    let _ = std::fs::remove_dir_all(&bag);
    std::fs::create_dir_all(bag.join("data")).unwrap();
    for (name, bytes) in FILES.iter().zip(opskit_fuzz::raw_fields(data, FILES.len())) {
        // An empty field leaves the file out, so missing files are tried too.
        if !bytes.is_empty() {
            std::fs::write(bag.join(name), bytes).unwrap();
        }
    }
    let full = validate_bag(&bag, &BagValidateOptions { fast: false })
        .expect("a readable folder validates");
    let fast = validate_bag(&bag, &BagValidateOptions { fast: true })
        .expect("a readable folder validates");
    // Fast mode checks less, so it never rejects what the full check accepts.
    assert!(
        !full.valid || fast.valid,
        "full accepts, fast rejects: {fast:?}"
    );
});

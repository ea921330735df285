//! Backup manifests and signatures as JSON: what is accepted prints
//! canonically, reads back equal, diffs empty with itself and hashes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::backup::{ChecksumFormat, Manifest, Signature, checksum_lines, diff_manifests};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(m) = Manifest::from_json(&text) {
        let canon = m
            .to_canonical_string()
            .expect("an accepted manifest prints");
        let back = Manifest::from_json(&canon).expect("its canonical form reads back");
        assert_eq!(back, m);
        assert_eq!(back.to_canonical_string().unwrap(), canon);
        let d = diff_manifests(&m, &m).expect("a manifest diffs with itself");
        assert!(d.identical && d.added.is_empty() && d.removed.is_empty() && d.modified.is_empty());
        m.chain_hash().expect("an accepted manifest hashes");
        let _ = checksum_lines(&m, ChecksumFormat::Sha256sum);
        let _ = checksum_lines(&m, ChecksumFormat::B3sum);
        let _ = opskit::backup::check_chain(std::slice::from_ref(&m));
    }
    if let Ok(s) = Signature::from_json(&text) {
        let json = s.to_json().expect("an accepted signature prints");
        assert_eq!(Signature::from_json(&json).expect("and reads back"), s);
    }
});

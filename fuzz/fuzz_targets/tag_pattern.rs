//! Tag patterns (`v{version}`, `api-v{version}`): a version formatted with
//! a pattern parses back to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::version::{TagPattern, parse_version};

fuzz_target!(|data: &[u8]| {
    let f = opskit_fuzz::fields(data, 3);
    let Ok(p) = TagPattern::new(&f[0]) else {
        return;
    };
    let _ = p.parse_tag(&f[1]);
    let _ = p.to_string();
    if let Ok(v) = parse_version(&f[2]) {
        let tag = p.format(&v);
        assert_eq!(
            p.parse_tag(&tag),
            Some(v),
            "pattern {:?} formats {tag:?}",
            f[0]
        );
    }
});

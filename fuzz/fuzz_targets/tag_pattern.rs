//! Tag patterns (`v{version}`, `api-v{version}`): a version formatted with
//! a pattern parses back to itself, under SemVer and under PEP 440.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::version::{AnyVersion, Scheme, TagPattern};

fuzz_target!(|data: &[u8]| {
    let f = opskit_fuzz::fields(data, 3);
    let Ok(p) = TagPattern::new(&f[0]) else {
        return;
    };
    let _ = p.parse_tag(&f[1]);
    let _ = p.to_string();
    for scheme in [Scheme::Semver, Scheme::Pep440] {
        let p = p.clone().with_scheme(scheme);
        if let Ok(v) = AnyVersion::parse(&f[2], scheme) {
            let tag = p.format(&v);
            let back = p.parse_tag(&tag);
            assert!(
                back.as_ref().is_some_and(|b| b.cmp_precedence(&v).is_eq()
                    && b.to_string() == v.to_string()),
                "pattern {:?} formats {tag:?}, read back as {back:?}",
                f[0]
            );
        }
    }
});

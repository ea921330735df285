//! SemVer strings and ranges: parse, print, compare, sort, bump, satisfy.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::version::{BumpLevel, bump, compare, parse_version, satisfies, sort_versions};
use std::cmp::Ordering;

fuzz_target!(|data: &[u8]| {
    let f = opskit_fuzz::fields(data, 3);
    let (a, b, channel) = (&f[0], &f[1], &f[2]);
    if let Ok(v) = parse_version(a) {
        // What parses prints back to itself and equals itself.
        let printed = v.to_string();
        assert_eq!(parse_version(&printed).expect("printed version parses"), v);
        assert_eq!(compare(a, &printed).expect("both parse"), Ordering::Equal);
        for level in BumpLevel::ALL {
            let ch = (!channel.is_empty()).then_some(channel.as_str());
            if let Ok(next) = bump(&v, level, ch) {
                assert!(
                    next > v || !v.pre.is_empty() || v.major == u64::MAX,
                    "{level:?} of {v} went to {next}"
                );
            }
        }
    }
    if let (Ok(x), Ok(y)) = (compare(a, b), compare(b, a)) {
        assert_eq!(x, y.reverse(), "compare is antisymmetric");
    }
    let _ = satisfies(a, b);
    if let Ok(sorted) = sort_versions(&[a.as_str(), b.as_str()]) {
        // SemVer precedence, which ignores build metadata (semver's `Ord` does not).
        for w in sorted.windows(2) {
            let order = compare(&w[0].to_string(), &w[1].to_string()).unwrap();
            assert_ne!(order, Ordering::Greater, "{} sorted before {}", w[0], w[1]);
        }
    }
});

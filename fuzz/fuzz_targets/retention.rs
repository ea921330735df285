//! Retention: snapshot lists, policies and `within` spans; every snapshot
//! is planned exactly once.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::backup::{CalendarSpan, RetentionPolicy, parse_snapshots, plan_retention};

fuzz_target!(|data: &[u8]| {
    let f = opskit_fuzz::fields(data, 3);
    if let Ok(span) = CalendarSpan::parse(&f[2]) {
        let printed = span.to_string();
        assert_eq!(
            CalendarSpan::parse(&printed).expect("a printed span parses"),
            span
        );
    }
    let Ok(snapshots) = parse_snapshots(&f[0]) else {
        return;
    };
    let Ok(policy) = serde_json::from_str::<RetentionPolicy>(&f[1]) else {
        return;
    };
    let now = (!f[2].is_empty()).then_some(f[2].as_str());
    if let Ok(plan) = plan_retention(&snapshots, &policy, now) {
        // Each snapshot is planned once; `future` flags some of them.
        assert_eq!(plan.keep.len() + plan.remove.len(), snapshots.len());
        assert!(plan.future.iter().all(|f| snapshots.contains(f)));
        if let Some(n) = policy.keep_last.filter(|n| *n > 0) {
            assert!(
                plan.keep.len() >= snapshots.len().min(n as usize),
                "keep_last {n} kept {}",
                plan.keep.len()
            );
        }
    }
});

//! Health policy TOML and what it holds (rules and their metric
//! expressions, durations, probes, PagerDuty), the rules evaluated against
//! a real snapshot of this host and written as Prometheus alerting rules;
//! durations, apt output and PagerDuty events.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::health::{
    Collector, CollectorOptions, Evaluator, Policy, HostSnapshot,
    parse_apt_simulation, prometheus_rules, validate_event,
};
use std::sync::OnceLock;

fn snapshot() -> &'static HostSnapshot {
    static S: OnceLock<HostSnapshot> = OnceLock::new();
    S.get_or_init(|| {
        let mut c = Collector::new(CollectorOptions::default()).expect("a collector");
        c.snapshot().expect("a snapshot");
        c.snapshot().expect("a second snapshot, with rates")
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(policy) = Policy::from_toml(&text) {
        let mut ev =
            Evaluator::new(policy.rules.clone()).expect("validated rules make an evaluator");
        let s = snapshot();
        let first = ev.evaluate(s, s.time_seconds);
        let later = ev.evaluate(s, s.time_seconds + 3600.0);
        assert_eq!(
            first.len(),
            later.len(),
            "the same rules give the same checks"
        );
        let _ = prometheus_rules(Some(&policy.rules), None);
    }
    let _ = opskit::time::parse_duration(&text, opskit::time::Zero::Allowed);
    let _ = opskit::time::parse_duration(&text, opskit::time::Zero::Refused);
    let _ = parse_apt_simulation(&text);
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        let _ = validate_event(&v);
    }
});

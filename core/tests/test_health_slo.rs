//! SLOs through the health family: a health policy's `[[slo]]` tables feed
//! a tracker, its states become checks (`slo:<name>`), a burning SLO
//! triggers PagerDuty once with a stable dedup key and resolves with the
//! same key, health+json shows it without failing `/health`, and
//! `opskit health rules` carries the SLO's burn-rate group.

use opskit::apm::{SloPolicy, SloTracker};
use opskit::health::{self as h, PagerDuty, PagerDutyOptions, Policy, Status};
use serde_json::Value;

const POLICY: &str = r#"
[[rule]]
name = "disk_var"
metric = 'disk["/var"].used_percent'
warn = 80
critical = 90

[[slo]]
name = "checkout-availability"
objective_percent = 99.9
route = "/checkout"
"#;

const T0: f64 = 1_767_225_600.0;

/// `per_minute` requests a minute on /checkout over minutes [from, to), `bad` of them 503.
fn traffic(t: &SloTracker, from: u32, to: u32, per_minute: u32, bad: u32) {
    for m in from..to {
        for i in 0..per_minute {
            let at = T0 + f64::from(m) * 60.0 + f64::from(i) * 60.0 / f64::from(per_minute);
            t.record("/checkout", if i < bad { 503 } else { 200 }, 0.05, at);
        }
    }
}

fn snapshot() -> h::HostSnapshot {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/health.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::from_value(file["snapshot"].clone()).unwrap()
}

#[test]
fn one_policy_file_serves_health_and_the_tracker() {
    let health = Policy::from_toml(POLICY).unwrap();
    assert_eq!(health.slos.len(), 1);
    let slos = SloPolicy::from_toml(POLICY).unwrap();
    assert_eq!(slos.slo, health.slos);
    // A bad SLO in a health policy is refused, naming it.
    let bad = POLICY.replace("99.9", "100");
    let err = Policy::from_toml(&bad).unwrap_err().to_string();
    assert!(
        err.contains("checkout-availability") && err.contains("below 100"),
        "{err}"
    );
    // The SLO reader still refuses a key neither family knows.
    let err = SloPolicy::from_toml("[[slos]]\nname = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"slos\""), "{err}");
}

#[test]
fn a_burning_slo_pages_once_with_a_stable_key_and_resolves_with_it() {
    let policy = Policy::from_toml(POLICY).unwrap();
    let tracker = SloTracker::new(&SloPolicy {
        slo: policy.slos.clone(),
    })
    .unwrap();
    let opts = PagerDutyOptions {
        routing_key: "0123456789abcdef0123456789abcdef".into(),
        source: Some("checkout-api".into()),
        group: None,
    };
    let mut pd = PagerDuty::new();
    let at = |m: u32| T0 + f64::from(m) * 60.0;

    // No requests yet: unknown, no event.
    let checks = h::slo_checks(&tracker.evaluate(at(0)));
    assert_eq!(checks[0].name, "slo:checkout-availability");
    assert_eq!(checks[0].status, Status::Unknown);
    assert!(
        pd.events(&checks, "web-1", at(0), &opts)
            .unwrap()
            .is_empty()
    );

    // Two clean hours: pass, burn 0 against the closest pair's threshold.
    traffic(&tracker, 0, 120, 100, 0);
    let checks = h::slo_checks(&tracker.evaluate(at(120)));
    assert_eq!(checks[0].status, Status::Pass, "{}", checks[0].output);
    assert_eq!(checks[0].value, Some(0.0));
    assert!(
        pd.events(&checks, "web-1", at(120), &opts)
            .unwrap()
            .is_empty()
    );

    // 2 % errors for 50 minutes: burn 20 over 1h and 5m pages (critical).
    traffic(&tracker, 120, 170, 100, 2);
    let checks = h::slo_checks(&tracker.evaluate(at(170)));
    let c = &checks[0];
    assert_eq!(c.status, Status::Fail, "{}", c.output);
    assert_eq!(c.threshold, Some(14.4));
    assert!(
        c.value.unwrap() > 14.4 && c.output.contains("page"),
        "{c:?}"
    );
    let ev = pd.events(&checks, "web-1", at(170), &opts).unwrap();
    assert_eq!(ev.len(), 1);
    h::validate_event(&ev[0].body).unwrap();
    assert_eq!(ev[0].body["event_action"], "trigger");
    assert_eq!(
        ev[0].body["dedup_key"],
        "checkout-api/slo:checkout-availability"
    );
    assert_eq!(ev[0].body["payload"]["severity"], "critical");
    assert_eq!(ev[0].body["payload"]["component"], "slo");

    // health+json shows the SLO as a burnRate component but answers 200.
    let (doc, code) = h::health_json(&snapshot(), &checks, false);
    assert_eq!(code, 200);
    assert_eq!(doc["status"], "warn");
    let entry = &doc["checks"]["slo:burnRate"][0];
    assert_eq!(entry["componentId"], "checkout-availability");
    assert_eq!(entry["status"], "fail");
    assert_eq!(entry["observedUnit"], "burn rate");

    // Still burning a minute on: no second trigger.
    traffic(&tracker, 170, 171, 100, 2);
    let checks = h::slo_checks(&tracker.evaluate(at(171)));
    assert!(
        pd.events(&checks, "web-1", at(171), &opts)
            .unwrap()
            .is_empty()
    );

    // The errors stop: by minute 210 the page pairs are quiet and the
    // ticket pairs still burn: the same key goes to warning.
    traffic(&tracker, 171, 210, 100, 0);
    let checks = h::slo_checks(&tracker.evaluate(at(210)));
    assert_eq!(checks[0].status, Status::Warn, "{}", checks[0].output);
    let ev = pd.events(&checks, "web-1", at(210), &opts).unwrap();
    assert_eq!(ev[0].body["payload"]["severity"], "warning");
    assert_eq!(
        ev[0].body["dedup_key"],
        "checkout-api/slo:checkout-availability"
    );

    // Six hours on, the 6h window has forgotten them: resolve, same key.
    traffic(&tracker, 210, 560, 100, 0);
    let checks = h::slo_checks(&tracker.evaluate(at(560)));
    assert_eq!(checks[0].status, Status::Pass, "{}", checks[0].output);
    let ev = pd.events(&checks, "web-1", at(560), &opts).unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].body["event_action"], "resolve");
    assert_eq!(
        ev[0].body["dedup_key"],
        "checkout-api/slo:checkout-availability"
    );
}

#[test]
fn health_rules_carry_each_slos_burn_rate_group() {
    let policy = Policy::from_toml(POLICY).unwrap();
    let y = h::policy_prometheus_rules(&policy, None).unwrap();
    assert!(y.starts_with("groups:\n"));
    assert_eq!(y.matches("groups:").count(), 1);
    assert!(y.contains("OpskitDiskVarCritical"));
    assert!(y.contains("  - name: opskit-slo-checkout-availability\n"));
    assert!(y.contains("alert: OpskitSLOBurnPage"));
    // Without SLOs: exactly the threshold rules.
    let plain = Policy::from_toml("defaults = false\n").unwrap();
    assert_eq!(
        h::policy_prometheus_rules(&plain, None).unwrap(),
        h::prometheus_rules(Some(&[]), None).unwrap()
    );
}

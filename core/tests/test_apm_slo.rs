//! SLOs evaluated in-process on recorded requests: the SRE workbook's
//! page and ticket pairs fire on the same traffic as the exported rules do
//! under `promtool test rules` (tests/health/slo_rules_test.yml, run by
//! `make health-test` on the same scenarios).

use opskit::apm::{SloPolicy, SloTracker, prometheus_rules};
use opskit::exposition::Exposition;

const POLICY: &str = r#"
[[slo]]
name = "checkout-availability"
objective_percent = 99.9
window = "28d"
route = "/checkout"

[[slo]]
name = "search-latency"
kind = "latency"
objective_percent = 99
threshold_seconds = 0.25
route = "/search"
"#;

/// `per_minute` requests a minute for `minutes` minutes from `start`, of
/// which `bad` fail (a 503 on /checkout) or are slow (0.4 s on /search).
fn traffic(t: &SloTracker, route: &str, start: f64, minutes: u32, per_minute: u32, bad: u32) {
    for m in 0..minutes {
        for i in 0..per_minute {
            let at = start + f64::from(m) * 60.0 + f64::from(i) * 60.0 / f64::from(per_minute);
            let failing = i < bad;
            let (status, secs) = match (route, failing) {
                ("/checkout", true) => (503, 0.05),
                ("/search", true) => (200, 0.4),
                _ => (200, 0.05),
            };
            t.record(route, status, secs, at);
        }
    }
}

const T0: f64 = 1_767_225_600.0;

#[test]
fn two_percent_errors_page_and_ticket_half_a_percent_only_tickets() {
    let policy = SloPolicy::from_toml(POLICY).unwrap();
    let t = SloTracker::new(&policy).unwrap();
    // 2 % of /checkout fails for 65 minutes: burn rate 20 over 5m and 1h.
    traffic(&t, "/checkout", T0, 65, 1000, 20);
    // Other routes do not count for it.
    traffic(&t, "/health", T0, 65, 100, 100);
    let now = T0 + 65.0 * 60.0 - 1.0;
    let s = &t.evaluate(now)[0];
    assert_eq!((s.total, s.good), (65_000, 63_700));
    assert_eq!(s.status, "page");
    let page = &s.alerts[0];
    assert!(
        page.fires && (page.long_burn_rate.unwrap() - 20.0).abs() < 1e-9,
        "{page:?}"
    );
    assert!(
        s.alerts
            .iter()
            .filter(|a| a.severity == "ticket")
            .any(|a| a.fires)
    );
    assert!((s.error_budget_remaining_percent.unwrap() - (-1900.0)).abs() < 1e-6);
    assert!((s.sli_percent.unwrap() - 98.0).abs() < 1e-9);

    // 0.5 % on a fresh tracker: burn 5 is below 14.4 and 6, above 3.
    let t = SloTracker::new(&policy).unwrap();
    traffic(&t, "/checkout", T0, 130, 1000, 5);
    let s = &t.evaluate(T0 + 130.0 * 60.0 - 1.0)[0];
    assert_eq!(s.status, "ticket", "{s:?}");
    assert!(!s.alerts[0].fires && !s.alerts[1].fires && s.alerts[2].fires);

    // The burn stops: the 1d/2h pair holds while its 2h window still burns
    // above 3 (ten clean minutes) and resets once it does not (fifty),
    // though the 1d window remembers; the slow 3d/6h pair (above 1) holds.
    traffic(&t, "/checkout", T0 + 130.0 * 60.0, 10, 1000, 0);
    assert!(t.evaluate(T0 + 140.0 * 60.0 - 1.0)[0].alerts[2].fires);
    traffic(&t, "/checkout", T0 + 140.0 * 60.0, 40, 1000, 0);
    let s = &t.evaluate(T0 + 180.0 * 60.0 - 1.0)[0];
    assert!(
        !s.alerts[2].fires && s.alerts[2].long_burn_rate.unwrap() > 3.0,
        "{s:?}"
    );
    assert!(s.alerts[3].fires && s.status == "ticket", "{s:?}");
}

#[test]
fn a_latency_slo_counts_requests_over_its_threshold_and_no_data_fires_nothing() {
    let policy = SloPolicy::from_toml(POLICY).unwrap();
    let t = SloTracker::new(&policy).unwrap();
    let quiet = t.evaluate(T0);
    assert!(
        quiet
            .iter()
            .all(|s| s.status == "ok" && s.sli_percent.is_none())
    );
    // 20 % of /search is slower than 0.25 s: burn 20 against a 1 % budget.
    traffic(&t, "/search", T0, 61, 100, 20);
    let states = t.evaluate(T0 + 61.0 * 60.0 - 1.0);
    assert_eq!(states[0].total, 0, "checkout saw nothing");
    let s = &states[1];
    assert_eq!((s.total, s.good), (6_100, 4_880));
    assert_eq!(s.status, "page");
    let mut text = String::new();
    t.render_into(T0 + 61.0 * 60.0 - 1.0, Exposition::Text, &mut text);
    assert!(
        text.contains("opskit_slo_alert_firing{slo=\"search-latency\",severity=\"page\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "opskit_slo_alert_firing{slo=\"checkout-availability\",severity=\"page\"} 0\n"
        )
    );
    assert!(
        text.contains("opskit_slo_sli_ratio{slo=\"search-latency\"} 0.8\n"),
        "{text}"
    );
    assert!(
        !text.contains("opskit_slo_sli_ratio{slo=\"checkout-availability\""),
        "no data, no ratio"
    );
}

#[test]
fn the_rules_record_every_window_and_alert_with_the_workbook_thresholds() {
    let policy = SloPolicy::from_toml(POLICY).unwrap();
    let y = prometheus_rules(&policy, None, None).unwrap();
    for w in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "28d"] {
        assert!(
            y.contains(&format!("record: opskit_slo:errors:ratio_rate{w}\n")),
            "{w}\n{y}"
        );
    }
    assert!(y.contains("http_response_status_code=~\\\"5..\\\""), "{y}");
    assert!(y.contains("le=\\\"0.25\\\""), "{y}");
    assert!(
        y.contains("> (14.4 * 0.0010000000000000009)") || y.contains("> (14.4 * 0.001"),
        "{y}"
    );
    assert_eq!(y.matches("alert: OpskitSLOBurnPage").count(), 2);
    assert_eq!(y.matches("alert: OpskitSLOBurnTicket").count(), 2);
}

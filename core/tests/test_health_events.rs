//! Availability maths on hand-worked histories, and PagerDuty events
//! checked against the Events API v2 schema's rules.

use opskit::health::{
    AvailabilityOptions, CheckResult, PagerDuty, PagerDutyOptions, Sample, Status, availability,
};

fn samples(spec: &[(f64, bool)]) -> Vec<Sample> {
    spec.iter().map(|&(time, up)| Sample { time, up }).collect()
}

#[test]
fn uptime_incidents_mttr_and_error_budget() {
    // One sample a minute for 100 minutes; down at minutes 10-12 and 50.
    let spec: Vec<(f64, bool)> = (0..=100)
        .map(|m| (m as f64 * 60.0, !(10..13).contains(&m) && m != 50))
        .collect();
    let a = availability(
        &samples(&spec),
        &AvailabilityOptions {
            slo_percent: 99.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(a.window_seconds, 6000.0);
    assert_eq!(a.down_seconds, 240.0);
    assert_eq!(a.up_seconds, 5760.0);
    assert_eq!(a.uptime_percent, Some(96.0));
    assert_eq!(a.incidents.len(), 2);
    assert_eq!(
        (a.incidents[0].start, a.incidents[0].end),
        (600.0, Some(780.0))
    );
    assert_eq!(a.incidents[0].down_seconds, 180.0);
    assert_eq!(a.mttr_seconds, Some(120.0));
    assert!((a.error_budget_seconds - 60.0).abs() < 1e-9);
    assert!((a.error_budget_remaining_seconds + 180.0).abs() < 1e-9);
    assert_eq!(a.slo_met, Some(false));
    // Over the last hour (minutes 40-100) one minute down: burn rate
    // (1/60)/(0.01) = 1.67 — below every page threshold.
    let page = &a.burn_alerts[0];
    assert!(
        (page.long_burn_rate.unwrap() - 100.0 / 60.0).abs() < 1e-6,
        "{page:?}"
    );
    assert!(!page.fires);
}

#[test]
fn gaps_are_unknown_and_burn_rates_fire() {
    // Up, then a 2-hour gap (unknown past 300 s), then down for the last 10 minutes.
    let s = samples(&[
        (0.0, true),
        (60.0, true),
        (7260.0, false),
        (7560.0, false),
        (7860.0, false),
    ]);
    let a = availability(
        &s,
        &AvailabilityOptions {
            slo_percent: 99.9,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(a.up_seconds, 60.0 + 300.0);
    assert_eq!(a.down_seconds, 600.0);
    assert!((a.unknown_seconds - (7860.0 - 960.0)).abs() < 1e-9);
    assert_eq!(a.incidents.len(), 1);
    assert_eq!(a.incidents[0].end, None, "still down");
    // The last 5 minutes and the last hour are mostly down: the fast page fires.
    assert!(a.burn_alerts[0].fires, "{:?}", a.burn_alerts[0]);
    // No data: nothing to say, and bad input is refused.
    let none = availability(&[], &AvailabilityOptions::default()).unwrap();
    assert_eq!(none.uptime_percent, None);
    for slo in [0.0, 100.0, 120.0, f64::NAN] {
        let o = AvailabilityOptions {
            slo_percent: slo,
            ..Default::default()
        };
        assert!(availability(&s, &o).is_err(), "{slo}");
    }
}

fn check(name: &str, status: Status) -> CheckResult {
    CheckResult {
        name: name.into(),
        status,
        value: Some(96.2),
        unit: "percent".into(),
        threshold: Some(95.0),
        since: None,
        output: "disk[*].used_percent is 96.20 percent, above the fail level 95".into(),
    }
}

/// The Events API v2 rules (PagerDuty/developer-docs): required fields,
/// enumerations and limits.
fn valid_v2(e: &serde_json::Value) -> Result<(), String> {
    let action = e["event_action"].as_str().ok_or("event_action")?;
    if !["trigger", "acknowledge", "resolve"].contains(&action) {
        return Err(format!("event_action {action}"));
    }
    if e["routing_key"].as_str().is_none_or(str::is_empty) {
        return Err("routing_key".into());
    }
    let key = e["dedup_key"].as_str().ok_or("dedup_key")?;
    if key.chars().count() > 255 {
        return Err("dedup_key over 255".into());
    }
    if action == "trigger" {
        let p = &e["payload"];
        let summary = p["summary"].as_str().ok_or("summary")?;
        if summary.chars().count() > 1024 {
            return Err("summary over 1024".into());
        }
        p["source"].as_str().ok_or("source")?;
        let sev = p["severity"].as_str().ok_or("severity")?;
        if !["critical", "error", "warning", "info"].contains(&sev) {
            return Err(format!("severity {sev}"));
        }
    }
    if serde_json::to_vec(e).unwrap().len() > 512_000 {
        return Err("over 512 KB".into());
    }
    Ok(())
}

#[test]
fn pagerduty_trigger_update_and_resolve() {
    let opts = PagerDutyOptions {
        routing_key: "0123456789abcdef0123456789abcdef".into(),
        source: None,
        group: Some("web".into()),
    };
    let mut pd = PagerDuty::new();
    let ev = pd
        .events(
            &[check("disk_full:/var", Status::Warn)],
            "web-01",
            0.0,
            &opts,
        )
        .unwrap();
    assert_eq!(ev.len(), 1);
    let b = &ev[0].body;
    valid_v2(b).unwrap();
    assert_eq!(b["event_action"], "trigger");
    assert_eq!(b["dedup_key"], "web-01/disk_full:/var");
    assert_eq!(b["payload"]["severity"], "warning");
    assert_eq!(b["payload"]["custom_details"]["instance"], "/var");
    // Same state again: nothing. Worse: a new trigger with the same key.
    assert!(
        pd.events(
            &[check("disk_full:/var", Status::Warn)],
            "web-01",
            60.0,
            &opts
        )
        .unwrap()
        .is_empty()
    );
    let ev = pd
        .events(
            &[check("disk_full:/var", Status::Fail)],
            "web-01",
            120.0,
            &opts,
        )
        .unwrap();
    assert_eq!(ev[0].body["payload"]["severity"], "critical");
    assert_eq!(ev[0].body["dedup_key"], "web-01/disk_full:/var");
    // Recovered: resolve with only the three fields.
    let ev = pd
        .events(
            &[check("disk_full:/var", Status::Pass)],
            "web-01",
            180.0,
            &opts,
        )
        .unwrap();
    valid_v2(&ev[0].body).unwrap();
    assert_eq!(ev[0].body.as_object().unwrap().len(), 3);
    assert_eq!(ev[0].body["event_action"], "resolve");
    // Unknown changes nothing; limits hold for huge names and outputs.
    assert!(
        pd.events(
            &[check("disk_full:/var", Status::Unknown)],
            "web-01",
            240.0,
            &opts
        )
        .unwrap()
        .is_empty()
    );
    let mut big = check(&format!("disk_full:/{}", "x".repeat(400)), Status::Fail);
    big.output = "é".repeat(5000);
    let ev = pd.events(&[big], "web-01", 300.0, &opts).unwrap();
    valid_v2(&ev[0].body).unwrap();
    // The routing key never shows in Debug.
    assert!(!format!("{:?} {:?}", ev[0], opts).contains("0123456789abcdef"));
    let bad = PagerDutyOptions {
        routing_key: " ".into(),
        ..opts
    };
    assert!(pd.events(&[], "h", 0.0, &bad).is_err());
}

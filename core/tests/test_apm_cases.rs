//! The cross-language SLO cases in tests/cases/apm.json, run against the
//! Rust API; Python, Node and C run the same file, and
//! tests/apm/slo_cases.py gives promtool the same history for the
//! exported rules and for Sloth-form rules.

use opskit::apm::{SloPolicy, SloTracker};
use serde_json::{Value, json};

mod common;
use common::subset;

/// Replay `case`'s traffic minute by minute, evaluating each expectation
/// before its minute's requests; the mismatches, described.
fn run(case: &Value, start: f64) -> Vec<String> {
    let policy = SloPolicy::from_toml(case["policy"].as_str().unwrap()).unwrap();
    let tracker = SloTracker::new(&policy).unwrap();
    let traffic = case["traffic"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut minute = 0;
    for e in case["expect"].as_array().unwrap() {
        let until = e["minute"].as_i64().unwrap();
        while minute < until {
            for seg in traffic {
                let (from, to) = (seg["from"].as_i64().unwrap(), seg["to"].as_i64().unwrap());
                if minute < from || minute >= to {
                    continue;
                }
                let n = seg["per_minute"].as_u64().unwrap();
                let bad = seg["bad"].as_u64().unwrap();
                for i in 0..n {
                    let at = start + 60.0 * minute as f64 + 60.0 * (i as f64 + 0.5) / n as f64;
                    let (status, seconds) = if i < bad {
                        (&seg["bad_status"], &seg["bad_seconds"])
                    } else {
                        (&seg["status"], &seg["seconds"])
                    };
                    let route = seg["route"].as_str().unwrap();
                    let status = status.as_u64().unwrap() as u16;
                    tracker.record(route, status, seconds.as_f64().unwrap(), at);
                }
            }
            minute += 1;
        }
        let state = &tracker.evaluate(start + 60.0 * until as f64)[0];
        let fires = |sev: &str| state.alerts.iter().any(|a| a.severity == sev && a.fires);
        let mut got = serde_json::to_value(state).unwrap();
        got["page"] = json!(fires("page"));
        got["ticket"] = json!(fires("ticket"));
        let mut want = json!({"page": e["page"], "ticket": e["ticket"]});
        if let Some(s) = e.get("state") {
            for (k, v) in s.as_object().unwrap() {
                want[k] = v.clone();
            }
        }
        if !subset(&got, &want) {
            failures.push(format!("minute {until}: want {want}, got {got}"));
        }
    }
    failures
}

#[test]
fn slo_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/apm.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let start = file["start"].as_f64().unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut failures = Vec::new();
    for case in cases {
        for f in run(case, start) {
            failures.push(format!("{}: {f}", case["name"].as_str().unwrap()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

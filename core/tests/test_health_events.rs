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
        probe: None,
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

/// A local HTTP server answering each request with the next of `answers`
/// (status, extra header lines, body); it returns the request bodies it got.
fn events_server(
    answers: Vec<(u16, &'static str, &'static str)>,
) -> (String, std::thread::JoinHandle<Vec<(String, String)>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2/enqueue", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut got = Vec::new();
        for (status, headers, body) in answers {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut len, mut kind) = (0usize, String::new());
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let l = line.trim_end().to_ascii_lowercase();
                if l.is_empty() {
                    break;
                }
                if let Some(v) = l.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if let Some(v) = l.strip_prefix("content-type:") {
                    kind = v.trim().to_string();
                }
            }
            let mut buf = vec![0; len];
            reader.read_exact(&mut buf).unwrap();
            got.push((kind, String::from_utf8(buf).unwrap()));
            let mut s = stream;
            write!(
                s,
                "HTTP/1.1 {status} X\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
        got
    });
    (url, handle)
}

fn trigger_event() -> opskit::health::PagerDutyEvent {
    let check: opskit::health::CheckResult = serde_json::from_value(serde_json::json!({
        "name": "disk_full:/", "status": "fail", "value": 97.0, "unit": "percent",
        "threshold": 95.0, "since": null, "output": "disk full"
    }))
    .unwrap();
    let o = PagerDutyOptions {
        routing_key: "SECRETSECRETSECRETSECRETSECRET12".into(),
        source: None,
        group: None,
    };
    PagerDuty::new()
        .events(&[check], "web-01", 0.0, &o)
        .unwrap()
        .remove(0)
}

#[test]
fn the_sender_retries_after_a_500_and_a_429_then_is_accepted() {
    use opskit::health::{SendOptions, send_event};
    let (url, server) = events_server(vec![
        (500, "", "{\"status\":\"error\"}"),
        (429, "Retry-After: 0\r\n", "{\"status\":\"throttle\"}"),
        (
            202,
            "Content-Type: application/json\r\n",
            "{\"status\":\"success\",\"dedup_key\":\"web-01/disk_full:/\"}",
        ),
    ]);
    let event = trigger_event();
    let opts = SendOptions {
        url,
        initial_backoff_seconds: 0.01,
        ..Default::default()
    };
    let r = send_event(&event, &opts).unwrap();
    assert_eq!((r.attempts, r.status), (3, 202));
    assert_eq!(r.dedup_key.as_deref(), Some("web-01/disk_full:/"));
    let got = server.join().unwrap();
    assert_eq!(got.len(), 3);
    for (kind, body) in &got {
        assert_eq!(kind, "application/json");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v, event.body, "each attempt posts the same event");
    }
}

#[test]
fn the_sender_does_not_retry_a_refused_event_and_never_shows_the_key() {
    use opskit::health::{SendOptions, send_event};
    let (url, server) = events_server(vec![(
        400,
        "",
        "{\"status\":\"invalid event\",\"errors\":[\"routing_key SECRETSECRETSECRETSECRETSECRET12 unknown\"]}",
    )]);
    let opts = SendOptions {
        url,
        initial_backoff_seconds: 0.01,
        ..Default::default()
    };
    let e = send_event(&trigger_event(), &opts).unwrap_err();
    assert_eq!(e.kind(), opskit::ErrorKind::InvalidInput);
    let msg = e.to_string();
    assert!(
        msg.contains("HTTP 400") && msg.contains("<redacted>"),
        "{msg}"
    );
    assert!(!msg.contains("SECRETSECRET"), "{msg}");
    assert_eq!(server.join().unwrap().len(), 1);
    // Still failing after every attempt: an I/O error naming the last answer.
    let (url, server) = events_server(vec![(503, "", "down"), (503, "", "down")]);
    let opts = SendOptions {
        url,
        attempts: 2,
        initial_backoff_seconds: 0.01,
        ..Default::default()
    };
    let e = send_event(&trigger_event(), &opts).unwrap_err();
    assert_eq!(e.kind(), opskit::ErrorKind::Io);
    assert!(
        e.to_string()
            .contains("after 2 attempt(s); last: HTTP 503: down"),
        "{e}"
    );
    assert_eq!(server.join().unwrap().len(), 2);
    assert!(!format!("{:?}", trigger_event()).contains("SECRETSECRET"));
    // A closed port: network errors are retried, then reported.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = SendOptions {
        url: format!("http://127.0.0.1:{port}/"),
        attempts: 2,
        initial_backoff_seconds: 0.01,
        ..Default::default()
    };
    assert_eq!(
        send_event(&trigger_event(), &opts).unwrap_err().kind(),
        opskit::ErrorKind::Io
    );
    let bad = SendOptions {
        attempts: 0,
        ..Default::default()
    };
    assert_eq!(
        send_event(&trigger_event(), &bad).unwrap_err().kind(),
        opskit::ErrorKind::InvalidInput
    );
}

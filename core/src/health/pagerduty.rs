//! PagerDuty Events API v2: `trigger` when a check starts failing (or
//! changes severity), `resolve` when it recovers, with a stable `dedup_key`
//! per host and check. The routing key never appears in errors or `Debug`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::rules::{CheckResult, Status};
use crate::error::{Error, Result};

/// PagerDuty's limits: `summary` in characters, `dedup_key` in characters,
/// the whole event in bytes.
const SUMMARY_MAX: usize = 1024;
const DEDUP_MAX: usize = 255;
const EVENT_MAX_BYTES: usize = 512_000;

/// Check an event body against the Events API v2 schema (PagerDuty's
/// OpenAPI `reference/events-v2/openapiv3.json`) and its documented limits,
/// so a bad event is refused here, naming the field, instead of by a 400
/// after the network: `routing_key` and `event_action`
/// (`trigger`|`acknowledge`|`resolve`) required; `dedup_key` at most 255
/// characters and required unless triggering; a trigger's `payload` with
/// `summary` (at most 1024 characters), `source` and `severity`
/// (`critical`|`error`|`warning`|`info`); an ISO 8601 `timestamp`;
/// `custom_details` an object; `links[].href` and `images[].src` (https)
/// required; the whole event at most 512 KB. Messages never carry the
/// routing key.
pub fn validate_event(body: &Value) -> Result<()> {
    check_event(body).map_err(|e| Error::new(e.kind(), redact_key(e.message(), body)))
}

/// `text` with the body's routing key replaced. Keys shorter than 8
/// characters are not integration keys (those have 32), and replacing such
/// a string would garble the message (a key `k` in every word), so they
/// are left.
fn redact_key(text: &str, body: &Value) -> String {
    match body.get("routing_key").and_then(|k| k.as_str()) {
        Some(k) if k.chars().count() >= 8 => text.replace(k, "<redacted>"),
        _ => text.to_string(),
    }
}

fn check_event(body: &Value) -> Result<()> {
    let bad = |why: String| Err(Error::invalid(format!("PagerDuty event: {why}")));
    let Some(event) = body.as_object() else {
        return bad("the body must be a JSON object".into());
    };
    let string =
        |o: &serde_json::Map<String, Value>, k: &str, at: &str| -> Result<Option<String>> {
            match o.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::invalid(format!(
                    "PagerDuty event: {at}{k} must be a string"
                ))),
            }
        };
    match string(event, "routing_key", "")? {
        Some(k) if !k.trim().is_empty() => {}
        _ => return bad("routing_key is missing or empty: give the integration's key".into()),
    }
    let action = string(event, "event_action", "")?.unwrap_or_default();
    if !["trigger", "acknowledge", "resolve"].contains(&action.as_str()) {
        return bad(format!(
            "event_action {action:?} must be trigger, acknowledge or resolve"
        ));
    }
    match string(event, "dedup_key", "")? {
        Some(k) if k.chars().count() > DEDUP_MAX => {
            return bad(format!(
                "dedup_key is {} characters; the limit is 255",
                k.chars().count()
            ));
        }
        None if action != "trigger" => {
            return bad(format!(
                "a {action} needs the dedup_key of the alert it acts on"
            ));
        }
        _ => {}
    }
    for k in ["client", "client_url"] {
        string(event, k, "")?;
    }
    match event.get("payload") {
        None if action == "trigger" => {
            return bad("a trigger needs a payload with summary, source and severity".into());
        }
        None => {}
        Some(Value::Object(p)) => {
            for k in ["summary", "source", "severity"] {
                if string(p, k, "payload.")?.is_none_or(|v| v.is_empty()) {
                    return bad(format!("payload.{k} is missing or empty"));
                }
            }
            let summary = string(p, "summary", "payload.")?.unwrap_or_default();
            if summary.chars().count() > SUMMARY_MAX {
                return bad(format!(
                    "payload.summary is {} characters; the limit is 1024",
                    summary.chars().count()
                ));
            }
            let severity = string(p, "severity", "payload.")?.unwrap_or_default();
            if !["critical", "error", "warning", "info"].contains(&severity.as_str()) {
                return bad(format!(
                    "payload.severity {severity:?} must be critical, error, warning or info"
                ));
            }
            for k in ["component", "group", "class"] {
                string(p, k, "payload.")?;
            }
            if let Some(t) = string(p, "timestamp", "payload.")? {
                use time::format_description::well_known::{Iso8601, Rfc3339};
                let ok = time::OffsetDateTime::parse(&t, &Rfc3339).is_ok()
                    || time::OffsetDateTime::parse(&t, &Iso8601::PARSING).is_ok();
                if !ok {
                    return bad(format!(
                        "payload.timestamp {t:?} is not ISO 8601 (e.g. 2026-12-02T03:00:00Z)"
                    ));
                }
            }
            if p.get("custom_details").is_some_and(|d| !d.is_object()) {
                return bad("payload.custom_details must be an object".into());
            }
        }
        Some(_) => return bad("payload must be an object".into()),
    }
    for (list, required) in [("links", "href"), ("images", "src")] {
        match event.get(list) {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let Some(o) = item.as_object() else {
                        return bad(format!("{list}[{i}] must be an object"));
                    };
                    let at = format!("{list}[{i}].");
                    let Some(v) = string(o, required, &at)? else {
                        return bad(format!("{list}[{i}].{required} is missing"));
                    };
                    if list == "images" && !v.starts_with("https://") {
                        return bad(format!("images[{i}].src must be served over https"));
                    }
                    for k in ["href", "text", "alt"] {
                        string(o, k, &at)?;
                    }
                }
            }
            Some(_) => return bad(format!("{list} must be an array")),
        }
    }
    let size = serde_json::to_vec(body).map_or(0, |v| v.len());
    if size > EVENT_MAX_BYTES {
        return bad(format!(
            "the event is {size} bytes; PagerDuty takes at most 512000 (trim custom_details)"
        ));
    }
    Ok(())
}

/// Where and how events are sent. The default has an empty routing key,
/// which [`PagerDuty::events`] and sending refuse with a message saying so.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(deny_unknown_fields)]
pub struct PagerDutyOptions {
    /// The integration's routing key (a secret: never printed).
    pub routing_key: String,
    /// The affected system (default: the host name).
    #[serde(default)]
    pub source: Option<String>,
    /// `payload.group`, e.g. `web`.
    #[serde(default)]
    pub group: Option<String>,
}

impl std::fmt::Debug for PagerDutyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagerDutyOptions")
            .field("routing_key", &"<redacted>")
            .field("source", &self.source)
            .field("group", &self.group)
            .finish()
    }
}

/// One event to post to `https://events.pagerduty.com/v2/enqueue`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PagerDutyEvent {
    /// The JSON body, as PagerDuty's schema wants it (routing key included).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub body: Value,
}

impl std::fmt::Debug for PagerDutyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.body.clone();
        if let Some(o) = shown.as_object_mut() {
            o.insert("routing_key".into(), json!("<redacted>"));
        }
        write!(f, "PagerDutyEvent({shown})")
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A `dedup_key` of at most 255 characters: `source/check`, or, when longer,
/// its start and a BLAKE3 digest so distinct checks stay distinct.
fn dedup_key(source: &str, check: &str) -> String {
    let key = format!("{source}/{check}");
    if key.chars().count() <= DEDUP_MAX {
        return key;
    }
    let digest = blake3::hash(key.as_bytes()).to_hex();
    let head: String = key.chars().take(DEDUP_MAX - 1 - 32).collect();
    format!("{head}#{}", &digest[..32])
}

/// Tracks each check's last state and turns changes into events.
#[derive(Debug, Default)]
pub struct PagerDuty {
    last: BTreeMap<String, Status>,
}

impl PagerDuty {
    /// A tracker with no history (every failing check triggers once).
    pub fn new() -> Self {
        PagerDuty::default()
    }

    /// Events for the changes since the previous call: `trigger` when a
    /// check goes to warn or fail or changes between them (severity
    /// `warning` or `critical`), `resolve` when one returns to pass. Unknown
    /// results change nothing. `host` names the source unless the options do.
    pub fn events(
        &mut self,
        checks: &[CheckResult],
        host: &str,
        time_seconds: f64,
        options: &PagerDutyOptions,
    ) -> Result<Vec<PagerDutyEvent>> {
        if options.routing_key.trim().is_empty() {
            return Err(Error::invalid(
                "the PagerDuty routing key is empty: give the integration's key",
            ));
        }
        let source = options.source.clone().unwrap_or_else(|| host.to_string());
        let when = crate::time::format_rfc3339(time_seconds);
        let mut out = Vec::new();
        for c in checks {
            if c.status == Status::Unknown {
                continue;
            }
            let before = self
                .last
                .insert(c.name.clone(), c.status)
                .unwrap_or(Status::Pass);
            if before == c.status {
                continue;
            }
            let key = dedup_key(&source, &c.name);
            let body = if c.status == Status::Pass {
                json!({"routing_key": options.routing_key, "event_action": "resolve", "dedup_key": key})
            } else {
                let severity = if c.status == Status::Fail {
                    "critical"
                } else {
                    "warning"
                };
                let (component, instance) = c.name.split_once(':').unwrap_or((&c.name, ""));
                let mut payload = json!({
                    "summary": truncate_chars(&format!("{}: {} on {source}", c.name, c.output), SUMMARY_MAX),
                    "source": source,
                    "severity": severity,
                    "timestamp": when,
                    "component": component,
                    "class": component,
                    "custom_details": {
                        "check": c.name, "status": c.status.as_str(), "value": c.value,
                        "unit": c.unit, "threshold": c.threshold, "instance": instance,
                    },
                });
                if let Some(g) = &options.group {
                    payload["group"] = json!(g);
                }
                json!({
                    "routing_key": options.routing_key, "event_action": "trigger", "dedup_key": key,
                    "payload": payload, "client": "opskit",
                })
            };
            out.push(PagerDutyEvent { body });
        }
        Ok(out)
    }
}

/// PagerDuty's Events API v2 endpoint.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// How [`send_event`] posts: where, how often and how patiently.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct SendOptions {
    /// The endpoint (default PagerDuty's; a proxy or a test server otherwise).
    pub url: String,
    /// Attempts in all, the first included (default 5).
    pub attempts: u32,
    /// The wait before the first retry, doubled before each next one (default 1 s).
    pub initial_backoff_seconds: f64,
    /// The longest wait between attempts, `Retry-After` included (default 30 s).
    pub max_backoff_seconds: f64,
    /// Each attempt's timeout (default 10 s).
    pub timeout_seconds: f64,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            url: PAGERDUTY_EVENTS_URL.into(),
            attempts: 5,
            initial_backoff_seconds: 1.0,
            max_backoff_seconds: 30.0,
            timeout_seconds: 10.0,
        }
    }
}

/// What a successful [`send_event`] did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct SendReport {
    /// Attempts made (1 when the first was accepted).
    pub attempts: u32,
    /// The accepting answer's HTTP status (202 from PagerDuty).
    pub status: u16,
    /// The dedup key PagerDuty answered with, when it did.
    pub dedup_key: Option<String>,
}

/// `text` with the routing key replaced, for messages.
fn redact(text: &str, event: &PagerDutyEvent) -> String {
    redact_key(text, &event.body)
}

/// Post `event` to PagerDuty (or `options.url`), retrying on 429, 5xx and
/// network errors with exponential backoff (honouring `Retry-After`, capped
/// at `max_backoff_seconds`). Another 4xx is the event's fault and is not
/// retried. Errors never contain the routing key.
pub fn send_event(event: &PagerDutyEvent, options: &SendOptions) -> Result<SendReport> {
    let non_negative = |x: f64| x.is_finite() && x >= 0.0;
    let valid = options.attempts > 0
        && non_negative(options.initial_backoff_seconds)
        && non_negative(options.max_backoff_seconds)
        && options.timeout_seconds.is_finite()
        && options.timeout_seconds > 0.0;
    if !valid {
        return Err(Error::invalid(
            "send options: attempts must be at least 1, backoffs non-negative and the timeout positive seconds",
        ));
    }
    validate_event(&event.body)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs_f64(
            options.timeout_seconds,
        )))
        .http_status_as_error(false)
        .build()
        .into();
    let body = serde_json::to_string(&event.body)
        .map_err(|e| Error::invalid(format!("event body: {e}")))?;
    let mut wait = options.initial_backoff_seconds;
    let mut last = String::new();
    for attempt in 1..=options.attempts {
        let mut retry_after = None;
        match agent
            .post(&options.url)
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
        {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let text = resp.body_mut().read_to_string().unwrap_or_default();
                if (200..300).contains(&status) {
                    let dedup_key = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v.get("dedup_key")?.as_str().map(String::from));
                    return Ok(SendReport {
                        attempts: attempt,
                        status,
                        dedup_key,
                    });
                }
                let excerpt: String = text.chars().take(300).collect();
                if status != 429 && !(500..600).contains(&status) {
                    return Err(Error::invalid(redact(
                        &format!(
                            "{} refused the event with HTTP {status}: {excerpt}; check the routing key and the event's fields",
                            options.url
                        ),
                        event,
                    )));
                }
                retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok());
                last = format!("HTTP {status}: {excerpt}");
            }
            Err(e) => last = e.to_string(),
        }
        if attempt < options.attempts {
            let pause = retry_after
                .unwrap_or(wait)
                .clamp(0.0, options.max_backoff_seconds);
            std::thread::sleep(std::time::Duration::from_secs_f64(pause));
            wait = (wait * 2.0).min(options.max_backoff_seconds);
        }
    }
    Err(Error::new(
        crate::error::ErrorKind::Io,
        redact(
            &format!(
                "{} did not accept the event after {} attempt(s); last: {last}; PagerDuty may be down or rate-limiting: retry later",
                options.url, options.attempts
            ),
            event,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(details: Value) -> Value {
        json!({"routing_key": "K3Y-SECRET", "event_action": "trigger", "dedup_key": "h/c",
               "payload": {"summary": "s", "source": "h", "severity": "warning",
                           "custom_details": details}})
    }

    #[test]
    fn the_size_limit_counts_the_whole_event() {
        assert!(validate_event(&trigger(json!({"log": "x".repeat(511_000)}))).is_ok());
        let e = validate_event(&trigger(json!({"log": "x".repeat(512_000)}))).unwrap_err();
        assert!(e.message().contains("at most 512000"), "{e}");
    }

    #[test]
    fn a_short_key_does_not_garble_messages() {
        let e = validate_event(&json!({"routing_key": "k", "event_action": "nope"})).unwrap_err();
        assert!(
            e.message().contains("trigger, acknowledge or resolve"),
            "{e}"
        );
    }

    #[test]
    fn messages_never_carry_the_routing_key() {
        let mut body = trigger(json!({}));
        body["event_action"] = json!("K3Y-SECRET");
        let e = validate_event(&body).unwrap_err();
        assert!(!e.message().contains("K3Y-SECRET"), "{e}");
        assert!(e.message().contains("<redacted>"), "{e}");
    }

    #[test]
    fn every_event_the_tracker_makes_is_valid() {
        let check = |status, output: &str| CheckResult {
            name: format!("disk_full:/{}", "deep/".repeat(60)),
            status,
            value: Some(97.5),
            unit: "percent".into(),
            threshold: Some(95.0),
            since: None,
            output: output.into(),
            probe: None,
        };
        let o = PagerDutyOptions {
            routing_key: "k".repeat(32),
            source: None,
            group: Some("web".into()),
        };
        let mut pd = PagerDuty::new();
        let long = "é".repeat(2000);
        for (t, status) in [
            (0.0, Status::Warn),
            (1.0, Status::Fail),
            (2.0, Status::Pass),
        ] {
            for e in pd.events(&[check(status, &long)], "web-01", t, &o).unwrap() {
                validate_event(&e.body).unwrap();
                assert!(e.body["dedup_key"].as_str().unwrap().chars().count() <= 255);
            }
        }
    }
}

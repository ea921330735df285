//! PagerDuty Events API v2: `trigger` when a check starts failing (or
//! changes severity), `resolve` when it recovers, with a stable `dedup_key`
//! per host and check. The routing key never appears in errors or `Debug`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::rules::{CheckResult, Status};
use crate::error::{Error, Result};

/// PagerDuty's limits: `summary` in characters, `dedup_key` in characters.
const SUMMARY_MAX: usize = 1024;
const DEDUP_MAX: usize = 255;

/// Where and how events are sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        let when = crate::backup::format_time_rfc3339(time_seconds);
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
    match event.body.get("routing_key").and_then(|k| k.as_str()) {
        Some(k) if !k.is_empty() => text.replace(k, "<redacted>"),
        _ => text.to_string(),
    }
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

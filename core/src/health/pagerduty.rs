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

//! The health family for Node, under the `health` namespace: a long-lived
//! `Collector` and `Evaluator` (classes), probes as a Promise on the libuv
//! pool (with a Sync twin), and the health+json and exposition renderers to
//! serve from Express or any framework.

use napi_derive::napi;
use opskit::health as h;
use serde_json::Value;

use crate::convert::{from_js, from_js_value, to_js};
use crate::error::{Code, sync};
use crate::task::promise_and_sync;

/// A long-lived collector: CPU usage and network rates are rates since the
/// previous `snapshot()` (null on the first). A snapshot reads /proc and is
/// cheap (well under a millisecond), so it is synchronous.
#[napi(namespace = "health")]
pub struct Collector {
    inner: h::Collector,
}

#[napi(namespace = "health")]
impl Collector {
    /// A collector with options (`excludeFsTypes`, `excludeMountPoints`, `excludeInterfaces`, `procRoot`, `sysRoot`,
    /// `mountTimeoutSeconds`, `rebootRequiredFile`, `aptUpgrades`: `"off"`, `"background"` or `"wait"`).
    #[napi(
        constructor,
        ts_args_type = "options?: Partial<CollectorOptions> | null"
    )]
    pub fn new(options: Option<Value>) -> Result<Self, napi::Error<Code>> {
        sync(|| {
            let o: h::CollectorOptions = from_js(options, "collector options")?;
            Ok(Collector {
                inner: h::Collector::new(o)?,
            })
        })
    }

    /// One snapshot of the host and this process.
    #[napi(ts_return_type = "HostSnapshot")]
    pub fn snapshot(&mut self) -> Result<Value, napi::Error<Code>> {
        sync(|| to_js(&self.inner.snapshot()?))
    }
}

/// Evaluates threshold rules over successive snapshots, keeping each
/// check's `for` timer and level (the default rules without `rules`).
#[napi(namespace = "health")]
pub struct Evaluator {
    inner: h::Evaluator,
}

#[napi(namespace = "health")]
impl Evaluator {
    /// An evaluator of `rules` (the default rules when omitted).
    #[napi(constructor, ts_args_type = "rules?: HealthRule[] | null")]
    pub fn new(rules: Option<Value>) -> Result<Self, napi::Error<Code>> {
        sync(|| {
            let rules: Option<Vec<h::Rule>> = match rules {
                None | Some(Value::Null) => None,
                Some(r) => Some(from_js_value(r, "rules")?),
            };
            Ok(Evaluator {
                inner: h::Evaluator::new(rules)?,
            })
        })
    }

    /// The checks of `snapshot` at time `now` (seconds; default the snapshot's time).
    #[napi(
        ts_args_type = "snapshot: HostSnapshot, now?: number | null",
        ts_return_type = "CheckResult[]"
    )]
    pub fn evaluate(
        &mut self,
        snapshot: Value,
        now: Option<f64>,
    ) -> Result<Value, napi::Error<Code>> {
        sync(|| {
            let s: h::HostSnapshot = from_js_value(snapshot, "snapshot")?;
            to_js(&self.inner.evaluate(&s, now))
        })
    }
}

/// Turns check changes into PagerDuty Events v2 bodies (trigger, resolve).
#[napi(namespace = "health")]
pub struct PagerDuty {
    inner: h::PagerDuty,
}

#[napi(namespace = "health")]
impl PagerDuty {
    /// A tracker with no history.
    #[napi(constructor)]
    pub fn new() -> Self {
        PagerDuty {
            inner: h::PagerDuty::new(),
        }
    }

    /// The event bodies for the changes since the previous call.
    #[napi(
        ts_args_type = "checks: CheckResult[], host: string, time: number, options: PagerDutyOptions",
        ts_return_type = "Array<Record<string, unknown>>"
    )]
    pub fn events(
        &mut self,
        checks: Value,
        host: String,
        time: f64,
        options: Value,
    ) -> Result<Value, napi::Error<Code>> {
        sync(|| {
            let c: Vec<h::CheckResult> = from_js_value(checks, "checks")?;
            let o: h::PagerDutyOptions = from_js_value(options, "PagerDuty options")?;
            let events = self.inner.events(&c, &host, time, &o)?;
            // Event bodies are PagerDuty's own JSON: keys stay as the API spells them.
            Ok(Value::Array(events.into_iter().map(|e| e.body).collect()))
        })
    }
}

impl Default for PagerDuty {
    fn default() -> Self {
        Self::new()
    }
}

/// The default rules, with their sources.
#[napi(namespace = "health", ts_return_type = "HealthRule[]")]
pub fn default_rules() -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&h::default_rules()))
}

/// One check per SLO state (`apm.SloTracker.evaluate()`), named
/// `slo:<name>`, for PagerDuty events and health+json.
#[napi(
    namespace = "health",
    ts_args_type = "states: SloState[]",
    ts_return_type = "CheckResult[]"
)]
pub fn slo_checks(states: Value) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let s: Vec<opskit::apm::SloState> = from_js_value(states, "states")?;
        to_js(&h::slo_checks(&s))
    })
}

/// `{ body, status }`: the health+json document and the HTTP status to answer with.
#[napi(
    namespace = "health",
    ts_args_type = "snapshot: HostSnapshot, checks: CheckResult[], draining?: boolean",
    ts_return_type = "{ body: Record<string, unknown>, status: number }"
)]
pub fn health_json(
    snapshot: Value,
    checks: Value,
    draining: Option<bool>,
) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let s: h::HostSnapshot = from_js_value(snapshot, "snapshot")?;
        let c: Vec<h::CheckResult> = from_js_value(checks, "checks")?;
        let (doc, code) = h::health_json(&s, &c, draining.unwrap_or(false));
        // The document is the draft's own JSON: sent as is.
        Ok(serde_json::json!({ "body": doc, "status": code }))
    })
}

/// The Prometheus text exposition, or OpenMetrics when `accept` (the
/// scraper's Accept header) asks for it; `names` `"node"` gives
/// node_exporter's own series names.
#[napi(
    namespace = "health",
    ts_args_type = "snapshot: HostSnapshot, checks: CheckResult[], accept?: string | null, names?: Names | null"
)]
pub fn exposition(
    snapshot: Value,
    checks: Value,
    accept: Option<String>,
    names: Option<String>,
) -> Result<String, napi::Error<Code>> {
    sync(|| {
        let s: h::HostSnapshot = from_js_value(snapshot, "snapshot")?;
        let c: Vec<h::CheckResult> = from_js_value(checks, "checks")?;
        let f = h::Exposition::from_accept(accept.as_deref().unwrap_or(""));
        let names = names
            .as_deref()
            .map(str::parse)
            .transpose()?
            .unwrap_or_default();
        Ok(h::exposition_named(&s, &c, f, names))
    })
}

/// The `Content-Type` for an exposition answering this Accept header.
#[napi(namespace = "health")]
pub fn exposition_content_type(accept: Option<String>) -> String {
    h::Exposition::from_accept(accept.as_deref().unwrap_or(""))
        .content_type()
        .to_string()
}

promise_and_sync! {
    #[doc = "Run probes concurrently within `deadline` seconds (default 10), on the libuv pool."]
    #[napi(namespace = "health", args = "probes: Probe[], deadline?: number | null", returns = "CheckResult[]", promise = "Promise<CheckResult[]>")]
    fn run_probes / run_probes_sync(probes: Value, deadline: Option<f64>) {
        let p: Vec<h::Probe> = from_js_value(probes, "probes")?;
        to_js(&h::run_probes(&p, h::probe_deadline(deadline)?)?)
    }
}

promise_and_sync! {
    #[doc = "Post one PagerDuty event body (from `PagerDuty.events`) with retries and"]
    #[doc = "backoff on 429, 5xx and network errors, on the libuv pool."]
    #[napi(namespace = "health", args = "event: Record<string, unknown>, options?: Partial<SendOptions> | null", returns = "SendReport", promise = "Promise<SendReport>")]
    fn send_event / send_event_sync(event: Value, options: Option<Value>) {
        // The event body is PagerDuty's own JSON: it crosses unchanged.
        let e = h::PagerDutyEvent { body: event };
        let o: h::SendOptions = from_js(options, "send options")?;
        to_js(&h::send_event(&e, &o)?)
    }
}

/// Availability of a history of `{time, up}` samples against an SLO.
#[napi(
    namespace = "health",
    ts_args_type = "samples: Sample[], options?: Partial<AvailabilityOptions> | null",
    ts_return_type = "Availability"
)]
pub fn availability(samples: Value, options: Option<Value>) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let s: Vec<h::Sample> = from_js_value(samples, "samples")?;
        let o: h::AvailabilityOptions = from_js(options, "availability options")?;
        to_js(&h::availability(&s, &o)?)
    })
}

/// Check a PagerDuty event body against the Events API v2 schema and its
/// limits; throws `ERR_OPSKIT_INVALID_INPUT` naming the field (never the key).
#[napi(namespace = "health", ts_args_type = "event: Record<string, unknown>")]
pub fn validate_event(event: Value) -> Result<(), napi::Error<Code>> {
    // The event body is PagerDuty's own JSON: it crosses unchanged.
    sync(|| Ok(h::validate_event(&event)?))
}

/// The rules (the default rules when omitted) as a Prometheus alerting-rules
/// file (YAML) for `rule_files:`: a warning and a critical alert per rule.
#[napi(
    namespace = "health",
    ts_args_type = "rules?: HealthRule[] | null, group?: string | null"
)]
pub fn prometheus_rules(
    rules: Option<Value>,
    group: Option<String>,
) -> Result<String, napi::Error<Code>> {
    sync(|| {
        let rules: Option<Vec<h::Rule>> = match rules {
            None | Some(Value::Null) => None,
            Some(r) => Some(from_js_value(r, "rules")?),
        };
        Ok(h::prometheus_rules(rules.as_deref(), group.as_deref())?)
    })
}

/// Parse a TOML health policy.
#[napi(namespace = "health", ts_return_type = "Policy")]
pub fn parse_policy(text: String) -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&h::Policy::from_toml(&text)?))
}

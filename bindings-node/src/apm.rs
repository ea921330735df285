//! The APM family for Node: a service's metrics registry, HTTP server
//! metrics and SLOs. Recording is synchronous (tens of nanoseconds of
//! atomics in the core); `Registry.global()` is one registry for the whole
//! process, shared by every worker thread.

use std::sync::{Arc, RwLock};

use napi_derive::napi;
use opskit::apm as a;

use opskit::exposition::Exposition;
use serde_json::Value;

use crate::convert::{from_js, from_js_value, to_js};
use crate::error::{Code, Failure, sync};

fn strings(labels: &Option<Vec<String>>) -> Vec<&str> {
    labels
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect()
}

/// A registry of the service's own metrics.
#[napi(namespace = "apm")]
pub struct Registry {
    inner: a::Registry,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

#[napi(namespace = "apm")]
impl Registry {
    /// An empty registry.
    #[napi(constructor)]
    pub fn new() -> Self {
        Registry {
            inner: a::Registry::new(),
        }
    }

    /// The process's shared registry: the same series from every worker thread.
    #[napi(factory)]
    pub fn global() -> Self {
        Registry {
            inner: a::Registry::global(),
        }
    }

    /// The counter `name` (exposed as `name_total`); options: `labels`, `maxSeries`.
    #[napi(ts_args_type = "name: string, help: string, options?: Partial<MetricOptions> | null")]
    pub fn counter(
        &self,
        name: String,
        help: String,
        options: Option<Value>,
    ) -> Result<Counter, napi::Error<Code>> {
        sync(|| {
            let o: a::MetricOptions = from_js(options, "metric options")?;
            Ok(Counter {
                inner: self.inner.counter(&name, &help, &o)?,
            })
        })
    }

    /// The gauge `name`; options: `labels`, `maxSeries`.
    #[napi(ts_args_type = "name: string, help: string, options?: Partial<MetricOptions> | null")]
    pub fn gauge(
        &self,
        name: String,
        help: String,
        options: Option<Value>,
    ) -> Result<Gauge, napi::Error<Code>> {
        sync(|| {
            let o: a::MetricOptions = from_js(options, "metric options")?;
            Ok(Gauge {
                inner: self.inner.gauge(&name, &help, &o)?,
            })
        })
    }

    /// The histogram `name`; options: `labels`, `buckets` (default
    /// OpenTelemetry's HTTP duration buckets), `maxSeries`.
    #[napi(ts_args_type = "name: string, help: string, options?: Partial<MetricOptions> | null")]
    pub fn histogram(
        &self,
        name: String,
        help: String,
        options: Option<Value>,
    ) -> Result<Histogram, napi::Error<Code>> {
        sync(|| {
            let o: a::MetricOptions = from_js(options, "metric options")?;
            Ok(Histogram {
                inner: self.inner.histogram(&name, &help, &o)?,
            })
        })
    }

    /// The exposition: Prometheus text, or OpenMetrics when `accept` (the
    /// scraper's Accept header) asks for it; with a host `snapshot` (from
    /// `health.Collector`) and its `checks`, the host's and process's series
    /// come first, in one answer.
    #[napi(
        ts_args_type = "accept?: string | null, snapshot?: HostSnapshot | null, checks?: CheckResult[] | null, names?: 'opskit' | 'node' | null"
    )]
    pub fn exposition(
        &self,
        accept: Option<String>,
        snapshot: Option<Value>,
        checks: Option<Value>,
        names: Option<String>,
    ) -> Result<String, napi::Error<Code>> {
        sync(|| {
            let flavour = Exposition::from_accept(accept.as_deref().unwrap_or(""));
            let Some(snapshot) = snapshot.filter(|v| !v.is_null()) else {
                return Ok(self.inner.exposition(flavour));
            };
            let s: opskit::health::HostSnapshot = from_js_value(snapshot, "snapshot")?;
            let c: Vec<opskit::health::CheckResult> = match checks.filter(|v| !v.is_null()) {
                Some(c) => from_js_value(c, "checks")?,
                None => Vec::new(),
            };
            let names = names
                .as_deref()
                .map(str::parse)
                .transpose()?
                .unwrap_or_default();
            let mut ours = String::new();
            self.inner.render_into(flavour, &mut ours);
            Ok(opskit::health::exposition_with(
                &s, &c, flavour, names, &ours,
            ))
        })
    }

    /// The `Content-Type` of the exposition `accept` asks for.
    #[napi]
    pub fn content_type(&self, accept: Option<String>) -> String {
        Exposition::from_accept(accept.as_deref().unwrap_or(""))
            .content_type()
            .to_string()
    }
}

/// A counter.
#[napi(namespace = "apm")]
pub struct Counter {
    inner: a::Counter,
}

#[napi(namespace = "apm")]
impl Counter {
    /// Add `by` (default 1, never negative) to the series of `labels`.
    #[napi]
    pub fn inc(
        &self,
        labels: Option<Vec<String>>,
        by: Option<f64>,
    ) -> Result<(), napi::Error<Code>> {
        sync(|| {
            Ok(self
                .inner
                .inc(&strings(&labels), by.unwrap_or(a::COUNTER_STEP))?)
        })
    }
}

/// A gauge.
#[napi(namespace = "apm")]
pub struct Gauge {
    inner: a::Gauge,
}

#[napi(namespace = "apm")]
impl Gauge {
    /// Set the series of `labels` to `value`.
    #[napi]
    pub fn set(&self, value: f64, labels: Option<Vec<String>>) -> Result<(), napi::Error<Code>> {
        sync(|| Ok(self.inner.set(&strings(&labels), value)?))
    }

    /// Add `by` (negative to go down) to the series of `labels`.
    #[napi]
    pub fn add(&self, by: f64, labels: Option<Vec<String>>) -> Result<(), napi::Error<Code>> {
        sync(|| Ok(self.inner.add(&strings(&labels), by)?))
    }
}

/// A histogram.
#[napi(namespace = "apm")]
pub struct Histogram {
    inner: a::Histogram,
}

#[napi(namespace = "apm")]
impl Histogram {
    /// Observe `value` in the series of `labels`.
    #[napi]
    pub fn observe(
        &self,
        value: f64,
        labels: Option<Vec<String>>,
    ) -> Result<(), napi::Error<Code>> {
        sync(|| Ok(self.inner.observe(&strings(&labels), value)?))
    }
}

/// A policy as TOML text or as an object `{ slo: [...] }`.
fn read_policy(policy: Value) -> Result<a::SloPolicy, crate::error::Failure> {
    Ok(match policy {
        Value::String(text) => a::SloPolicy::from_text_or_json(Some(&text), None)?,
        other => {
            let p: a::SloPolicy = from_js_value(other, "SLO policy")?;
            p.validate()?;
            p
        }
    })
}

/// SLOs evaluated in-process.
#[napi(namespace = "apm")]
pub struct SloTracker {
    inner: Arc<a::SloTracker>,
}

#[napi(namespace = "apm")]
impl SloTracker {
    /// A tracker of the policy's SLOs (TOML text or `{ slo: [...] }`).
    #[napi(constructor, ts_args_type = "policy: string | SloPolicy")]
    pub fn new(policy: Value) -> Result<Self, napi::Error<Code>> {
        sync(|| {
            Ok(SloTracker {
                inner: Arc::new(a::SloTracker::new(&read_policy(policy)?)?),
            })
        })
    }

    /// Record one request (`at`: seconds since the epoch; default now).
    #[napi]
    pub fn record(
        &self,
        route: String,
        status: u32,
        seconds: f64,
        at: Option<f64>,
    ) -> Result<(), napi::Error<Code>> {
        sync(|| {
            let status = u16::try_from(status).map_err(|_| {
                opskit::Error::invalid(format!("status {status} is no HTTP status"))
            })?;
            self.inner.record_at(&route, status, seconds, at);
            Ok(())
        })
    }

    /// Every SLO's state (`now`: seconds since the epoch; default now).
    #[napi(ts_return_type = "SloState[]")]
    pub fn evaluate(&self, now: Option<f64>) -> Result<Value, napi::Error<Code>> {
        sync(|| to_js(&self.inner.evaluate_at(now)))
    }
}

/// HTTP server metrics by slot number, for `opskit/middleware`'s two calls
/// a request. Measured with napi 3.16: a class method call costs ~180 ns of
/// napi-rs borrow bookkeeping, a plain function ~20 ns; a slot is an index
/// here, freed (and reused) when its `HttpServerMetrics` is collected.
static SLOTS: RwLock<Vec<Option<Arc<a::HttpServerMetrics>>>> = RwLock::new(Vec::new());

fn open_slot(m: Arc<a::HttpServerMetrics>) -> u32 {
    let mut slots = SLOTS.write().unwrap_or_else(|p| p.into_inner());
    let at = match slots.iter().position(Option::is_none) {
        Some(free) => free,
        None => {
            slots.push(None);
            slots.len() - 1
        }
    };
    slots[at] = Some(m);
    at as u32
}

fn with_slot(
    slot: u32,
    f: impl FnOnce(&a::HttpServerMetrics) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let slots = SLOTS.read().unwrap_or_else(|p| p.into_inner());
    match slots.get(slot as usize).and_then(Option::as_ref) {
        Some(m) => f(m),
        None => Err(Failure::invalid(format!(
            "no HTTP server metrics in slot {slot}; pass the `slot` of a live apm.HttpServerMetrics"
        ))),
    }
}

/// The OpenTelemetry HTTP server metrics in a registry, feeding SLOs.
#[napi(namespace = "apm")]
pub struct HttpServerMetrics {
    inner: Arc<a::HttpServerMetrics>,
    slot: u32,
}

impl Drop for HttpServerMetrics {
    fn drop(&mut self) {
        let mut slots = SLOTS.write().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slots.get_mut(self.slot as usize) {
            *s = None;
        }
    }
}

#[napi(namespace = "apm")]
impl HttpServerMetrics {
    /// The metrics in `registry`; options `durationBuckets`, `maxSeries`;
    /// every finished request also feeds `slo`.
    #[napi(
        constructor,
        ts_args_type = "registry: Registry, options?: HttpMetricsOptions | null, slo?: SloTracker | null"
    )]
    pub fn new(
        registry: &Registry,
        options: Option<Value>,
        slo: Option<&SloTracker>,
    ) -> Result<Self, napi::Error<Code>> {
        sync(|| {
            let o: a::HttpMetricsOptions = from_js(options, "HTTP metrics options")?;
            let inner = Arc::new(a::HttpServerMetrics::new(
                &registry.inner,
                &o,
                slo.map(|s| Arc::clone(&s.inner)),
            )?);
            let slot = open_slot(Arc::clone(&inner));
            Ok(HttpServerMetrics { inner, slot })
        })
    }

    /// A request arrived.
    #[napi]
    pub fn started(&self, method: String) -> Result<(), napi::Error<Code>> {
        sync(|| Ok(self.inner.started(&method)?))
    }

    /// A request ended.
    #[napi(
        ts_args_type = "outcome: Partial<RequestOutcome> & { method: string, durationSeconds: number }"
    )]
    pub fn finished(&self, outcome: Value) -> Result<(), napi::Error<Code>> {
        sync(|| {
            let o: a::RequestOutcome = from_js_value(outcome, "request outcome")?;
            Ok(self.inner.finished(&o)?)
        })
    }

    /// This object's number for `httpRequestStarted` / `httpRequestFinished`
    /// (valid while the object lives: hold the object, not only its slot).
    #[napi(getter)]
    pub fn slot(&self) -> u32 {
        self.slot
    }
}

/// `HttpServerMetrics.started` as a plain function of its `slot`: what
/// `opskit/middleware` calls on every request (a tenth of a method call's
/// cost through napi-rs).
#[napi(namespace = "apm")]
pub fn http_request_started(slot: u32, method: String) -> Result<(), napi::Error<Code>> {
    sync(|| with_slot(slot, |m| Ok(m.started(&method)?)))
}

/// `HttpServerMetrics.finished` as a plain function of its `slot`, the
/// outcome as positional arguments in `RequestOutcome`'s order
/// (`undefined` or `null` for what is not known): no object is built or
/// walked, no string is kept.
#[napi(namespace = "apm")]
#[allow(clippy::too_many_arguments)]
pub fn http_request_finished(
    slot: u32,
    method: String,
    route: Option<String>,
    status: Option<i64>,
    error: Option<String>,
    duration_seconds: f64,
    request_bytes: Option<f64>,
    response_bytes: Option<f64>,
) -> Result<(), napi::Error<Code>> {
    sync(|| {
        with_slot(slot, |m| {
            Ok(m.ended(a::RequestEnd {
                method: &method,
                route: route.as_deref(),
                status: status.map(a::RequestEnd::status_of).transpose()?,
                error: error.as_deref(),
                duration_seconds,
                request_bytes: request_bytes
                    .map(|b| a::RequestEnd::bytes_of("requestBytes", b))
                    .transpose()?,
                response_bytes: response_bytes
                    .map(|b| a::RequestEnd::bytes_of("responseBytes", b))
                    .transpose()?,
            })?)
        })
    })
}

/// Node's runtime series, named as prom-client names them; fed by
/// `opskit/middleware`'s `runtime()` from `perf_hooks`.
#[napi(namespace = "apm")]
pub struct NodeRuntime {
    inner: a::NodeRuntime,
}

#[napi(namespace = "apm")]
impl NodeRuntime {
    /// Register the series in `registry`.
    #[napi(constructor)]
    pub fn new(registry: &Registry) -> Result<Self, napi::Error<Code>> {
        sync(|| {
            Ok(NodeRuntime {
                inner: a::NodeRuntime::new(&registry.inner)?,
            })
        })
    }

    /// One event-loop reading (delays in seconds, utilisation 0–1).
    #[napi(ts_args_type = "reading: EventLoopReading")]
    pub fn event_loop(&self, reading: Value) -> Result<(), napi::Error<Code>> {
        sync(|| {
            let r: a::EventLoopReading = from_js_value(reading, "event-loop reading")?;
            Ok(self.inner.event_loop(&r)?)
        })
    }

    /// One collection of `kind` that paused for `seconds`.
    #[napi]
    pub fn gc(&self, kind: String, seconds: f64) -> Result<(), napi::Error<Code>> {
        sync(|| Ok(self.inner.gc(&kind, seconds)?))
    }

    /// Heap state, and `process.getActiveResourcesInfo()` as it is.
    #[napi]
    pub fn memory(
        &self,
        heap_total: f64,
        heap_used: f64,
        external: f64,
        resources: Vec<String>,
    ) -> Result<(), napi::Error<Code>> {
        sync(|| {
            Ok(self
                .inner
                .memory(heap_total, heap_used, external, &resources)?)
        })
    }
}

/// Prometheus recording and alerting rules for a policy's SLOs.
#[napi(
    namespace = "apm",
    ts_args_type = "policy: string | SloPolicy, metric?: string | null, buckets?: number[] | null"
)]
pub fn slo_rules(
    policy: Value,
    metric: Option<String>,
    buckets: Option<Vec<f64>>,
) -> Result<String, napi::Error<Code>> {
    sync(|| {
        let p = read_policy(policy)?;
        Ok(a::prometheus_rules(
            &p,
            metric.as_deref(),
            buckets.as_deref(),
        )?)
    })
}

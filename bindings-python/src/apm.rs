//! `opskit.apm`: a service's metrics registry, HTTP server metrics and SLOs
//! for Python. Recording holds the GIL (it takes tens of nanoseconds, less
//! than releasing it); the core's atomics make it safe from any thread.

use std::sync::Arc;

use opskit::apm as a;
use opskit::exposition::Exposition;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{from_py, out};
use crate::error::Res;

fn options(
    labels: Option<Vec<String>>,
    buckets: Option<Vec<f64>>,
    max_series: Option<usize>,
) -> a::MetricOptions {
    a::MetricOptions {
        labels: labels.unwrap_or_default(),
        buckets,
        max_series,
    }
}

fn values(labels: &[String]) -> Vec<&str> {
    labels.iter().map(String::as_str).collect()
}

/// A registry of the service's own metrics.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct Registry(a::Registry);

#[pymethods]
impl Registry {
    #[new]
    fn new() -> Self {
        Registry(a::Registry::new())
    }

    /// The counter `name` (exposed as `name_total`).
    #[pyo3(signature = (name, help, labels=None, max_series=None))]
    fn counter(
        &self,
        name: &str,
        help: &str,
        labels: Option<Vec<String>>,
        max_series: Option<usize>,
    ) -> Res<Counter> {
        Ok(Counter(self.0.counter(
            name,
            help,
            &options(labels, None, max_series),
        )?))
    }

    /// The gauge `name`.
    #[pyo3(signature = (name, help, labels=None, max_series=None))]
    fn gauge(
        &self,
        name: &str,
        help: &str,
        labels: Option<Vec<String>>,
        max_series: Option<usize>,
    ) -> Res<Gauge> {
        Ok(Gauge(self.0.gauge(
            name,
            help,
            &options(labels, None, max_series),
        )?))
    }

    /// The histogram `name` (OpenTelemetry's HTTP duration buckets unless given).
    #[pyo3(signature = (name, help, labels=None, buckets=None, max_series=None))]
    fn histogram(
        &self,
        name: &str,
        help: &str,
        labels: Option<Vec<String>>,
        buckets: Option<Vec<f64>>,
        max_series: Option<usize>,
    ) -> Res<Histogram> {
        Ok(Histogram(self.0.histogram(
            name,
            help,
            &options(labels, buckets, max_series),
        )?))
    }

    /// The exposition: Prometheus text, or OpenMetrics when `accept` (the
    /// scraper's Accept header) asks for it; with a host `snapshot` (from
    /// `health.Collector`) and its `checks`, the host's and process's
    /// series come first, in one answer.
    #[pyo3(signature = (accept=None, snapshot=None, checks=None, names=None))]
    fn exposition(
        &self,
        accept: Option<&str>,
        snapshot: Option<&Bound<'_, PyAny>>,
        checks: Option<&Bound<'_, PyAny>>,
        names: Option<&str>,
    ) -> Res<String> {
        let flavour = Exposition::from_accept(accept.unwrap_or(""));
        let Some(snapshot) = snapshot.filter(|s| !s.is_none()) else {
            return Ok(self.0.exposition(flavour));
        };
        let s: opskit::health::HostSnapshot = from_py("snapshot", snapshot)?;
        let c: Vec<opskit::health::CheckResult> = match checks {
            Some(c) if !c.is_none() => from_py("checks", c)?,
            _ => Vec::new(),
        };
        let names = names.map(str::parse).transpose()?.unwrap_or_default();
        let mut ours = String::new();
        self.0.render_into(flavour, &mut ours);
        Ok(opskit::health::exposition_with(
            &s, &c, flavour, names, &ours,
        ))
    }

    /// How many series each metric holds, by name.
    fn series_counts(&self) -> Vec<(String, usize)> {
        self.0.series_counts()
    }
}

/// A counter.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct Counter(a::Counter);

#[pymethods]
impl Counter {
    /// Add `by` (default 1, never negative) to the series of `labels`.
    #[pyo3(signature = (labels=Vec::new(), by=a::COUNTER_STEP))]
    fn inc(&self, labels: Vec<String>, by: f64) -> Res<()> {
        Ok(self.0.inc(&values(&labels), by)?)
    }
}

/// A gauge.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct Gauge(a::Gauge);

#[pymethods]
impl Gauge {
    /// Set the series of `labels` to `value`.
    #[pyo3(signature = (value, labels=Vec::new()))]
    fn set(&self, value: f64, labels: Vec<String>) -> Res<()> {
        Ok(self.0.set(&values(&labels), value)?)
    }

    /// Add `by` (negative to go down) to the series of `labels`.
    #[pyo3(signature = (by, labels=Vec::new()))]
    fn add(&self, by: f64, labels: Vec<String>) -> Res<()> {
        Ok(self.0.add(&values(&labels), by)?)
    }
}

/// A histogram.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct Histogram(a::Histogram);

#[pymethods]
impl Histogram {
    /// Observe `value` in the series of `labels`.
    #[pyo3(signature = (value, labels=Vec::new()))]
    fn observe(&self, value: f64, labels: Vec<String>) -> Res<()> {
        Ok(self.0.observe(&values(&labels), value)?)
    }
}

/// SLOs evaluated in-process.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct SloTracker(Arc<a::SloTracker>);

/// A policy given as TOML text or as a mapping with an `slo` list.
fn read_policy(p: &Bound<'_, PyAny>) -> Res<a::SloPolicy> {
    if let Ok(text) = p.extract::<String>() {
        return Ok(a::SloPolicy::from_text_or_json(Some(&text), None)?);
    }
    let json: serde_json::Value = from_py("policy", p)?;
    Ok(a::SloPolicy::from_text_or_json(None, Some(json))?)
}

#[pymethods]
impl SloTracker {
    /// A tracker of the policy's SLOs (TOML text or `{"slo": [...]}`).
    #[new]
    fn new(policy: &Bound<'_, PyAny>) -> Res<Self> {
        Ok(SloTracker(Arc::new(a::SloTracker::new(&read_policy(
            policy,
        )?)?)))
    }

    /// Record one request (`at`: seconds since the epoch; default now).
    #[pyo3(signature = (route, status, seconds, at=None))]
    fn record(&self, route: &str, status: u16, seconds: f64, at: Option<f64>) {
        self.0.record_at(route, status, seconds, at)
    }

    /// Every SLO's state (`now`: seconds since the epoch; default now).
    #[pyo3(signature = (now=None))]
    fn evaluate<'py>(&self, py: Python<'py>, now: Option<f64>) -> Res<Bound<'py, PyAny>> {
        out(py, &self.0.evaluate_at(now))
    }
}

/// The OpenTelemetry HTTP server metrics in a registry, feeding SLOs.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct HttpServerMetrics(a::HttpServerMetrics);

#[pymethods]
impl HttpServerMetrics {
    #[new]
    #[pyo3(signature = (registry, duration_buckets=None, max_series=None, slo=None))]
    fn new(
        registry: &Registry,
        duration_buckets: Option<Vec<f64>>,
        max_series: Option<usize>,
        slo: Option<&SloTracker>,
    ) -> Res<Self> {
        let slo = slo.map(|s| Arc::clone(&s.0));
        let options = a::HttpMetricsOptions {
            duration_buckets,
            max_series,
        };
        Ok(HttpServerMetrics(a::HttpServerMetrics::new(
            &registry.0,
            &options,
            slo,
        )?))
    }

    /// A request arrived.
    fn started(&self, method: &str) -> Res<()> {
        Ok(self.0.started(method)?)
    }

    /// A request ended: keyword fields of `RequestOutcome` (method, route,
    /// status, error, duration_seconds, request_bytes, response_bytes).
    #[pyo3(signature = (**outcome))]
    fn finished(&self, outcome: Option<&Bound<'_, PyDict>>) -> Res<()> {
        let o: a::RequestOutcome = match outcome {
            Some(d) => from_py("outcome", d.as_any())?,
            None => a::RequestOutcome::default(),
        };
        Ok(self.0.finished(&o)?)
    }
}

/// Python's runtime series (prometheus_client's `python_gc_*` names, GC
/// pauses, threads), fed by `opskit.apm.install_runtime`'s `gc.callbacks`.
#[pyclass(module = "opskit._native.apm", frozen)]
pub struct PythonRuntime(a::PythonRuntime);

#[pymethods]
impl PythonRuntime {
    #[new]
    fn new(registry: &Registry) -> Res<Self> {
        Ok(PythonRuntime(a::PythonRuntime::new(&registry.0)?))
    }

    /// One collection of `generation` that paused for `seconds`.
    fn gc(&self, generation: u32, seconds: f64, collected: u64, uncollectable: u64) -> Res<()> {
        Ok(self.0.gc(generation, seconds, collected, uncollectable)?)
    }

    /// The live thread count.
    fn threads(&self, n: u64) -> Res<()> {
        Ok(self.0.threads(n)?)
    }
}

/// Prometheus recording and alerting rules for a policy's SLOs.
#[pyfunction]
#[pyo3(signature = (policy, metric=None, buckets=None))]
fn slo_rules(
    policy: &Bound<'_, PyAny>,
    metric: Option<&str>,
    buckets: Option<Vec<f64>>,
) -> Res<String> {
    let p = read_policy(policy)?;
    Ok(a::prometheus_rules(&p, metric, buckets.as_deref())?)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Registry>()?;
    m.add_class::<Counter>()?;
    m.add_class::<Gauge>()?;
    m.add_class::<Histogram>()?;
    m.add_class::<SloTracker>()?;
    m.add_class::<HttpServerMetrics>()?;
    m.add_class::<PythonRuntime>()?;
    m.add_function(wrap_pyfunction!(slo_rules, m)?)?;
    Ok(())
}

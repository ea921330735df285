//! `opskit.health`: the health family for Python. The collector and the rule
//! evaluator are long-lived objects (they keep CPU counters and `for`
//! timers between calls); probes run without the GIL.

use std::sync::{Mutex, MutexGuard};

use opskit::health as h;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{from_py, opts, out};
use crate::error::{Res, detached};

/// Lock a stateful object's core value. Python objects are shared between
/// threads freely, so each one locks inside (the C docs ask callers to do
/// it; here the binding does). A panic inside a call is reported as
/// `PanicException` by PyO3; the state it left is used as it is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A long-lived collector of host and process metrics: CPU usage and network
/// rates are rates since the previous `snapshot()` (None on the first).
/// Safe to share between threads: calls take turns.
#[pyclass(module = "opskit._native.health", frozen)]
pub struct Collector(Mutex<h::Collector>);

#[pymethods]
impl Collector {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> Res<Self> {
        let o: h::CollectorOptions = opts(options)?;
        Ok(h::Collector::new(o).map(|c| Collector(Mutex::new(c)))?)
    }

    /// One snapshot of the host and this process (cheap: no process scan).
    fn snapshot<'py>(&self, py: Python<'py>) -> Res<Bound<'py, PyAny>> {
        // The lock is taken without the GIL, so a thread waiting for it
        // never holds up the interpreter.
        let s = py.detach(|| lock(&self.0).snapshot())?;
        out(py, &s)
    }
}

/// Evaluates threshold rules over successive snapshots (the default rules
/// when `rules` is None), keeping each check's `for` timer and level.
/// Safe to share between threads: calls take turns.
#[pyclass(module = "opskit._native.health", frozen)]
pub struct Evaluator(Mutex<h::Evaluator>);

#[pymethods]
impl Evaluator {
    #[new]
    #[pyo3(signature = (rules=None))]
    fn new(rules: Option<&Bound<'_, PyAny>>) -> Res<Self> {
        let rules: Option<Vec<h::Rule>> = match rules {
            Some(r) if !r.is_none() => Some(from_py("rules", r)?),
            _ => None,
        };
        Ok(h::Evaluator::new(rules).map(|e| Evaluator(Mutex::new(e)))?)
    }

    /// The checks of `snapshot` at time `now` (default: the snapshot's time).
    #[pyo3(signature = (snapshot, now=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        snapshot: &Bound<'py, PyAny>,
        now: Option<f64>,
    ) -> Res<Bound<'py, PyAny>> {
        let s: h::HostSnapshot = from_py("snapshot", snapshot)?;
        let checks = py.detach(|| lock(&self.0).evaluate(&s, now));
        out(py, &checks)
    }
}

/// Turns check changes into PagerDuty Events v2 (trigger, resolve).
/// Safe to share between threads: calls take turns.
#[pyclass(module = "opskit._native.health", frozen)]
pub struct PagerDuty(Mutex<h::PagerDuty>);

#[pymethods]
impl PagerDuty {
    #[new]
    fn new() -> Self {
        PagerDuty(Mutex::new(h::PagerDuty::new()))
    }

    /// The events for the changes since the previous call (event bodies as dicts).
    #[pyo3(signature = (checks, host, time, **options))]
    fn events<'py>(
        &self,
        py: Python<'py>,
        checks: &Bound<'py, PyAny>,
        host: &str,
        time: f64,
        options: Option<&Bound<'py, PyDict>>,
    ) -> Res<Bound<'py, PyAny>> {
        let c: Vec<h::CheckResult> = from_py("checks", checks)?;
        let o: h::PagerDutyOptions = opts(options)?;
        let events = py.detach(|| lock(&self.0).events(&c, host, time, &o))?;
        out(py, &events.into_iter().map(|e| e.body).collect::<Vec<_>>())
    }
}

/// The default rules, with their sources.
#[pyfunction]
fn default_rules(py: Python<'_>) -> Res<Bound<'_, PyAny>> {
    out(py, &h::default_rules())
}

/// (health+json document, HTTP status) for a snapshot and its checks.
#[pyfunction]
#[pyo3(signature = (snapshot, checks, draining=false))]
fn health_json<'py>(
    py: Python<'py>,
    snapshot: &Bound<'py, PyAny>,
    checks: &Bound<'py, PyAny>,
    draining: bool,
) -> Res<(Bound<'py, PyAny>, u16)> {
    let s: h::HostSnapshot = from_py("snapshot", snapshot)?;
    let c: Vec<h::CheckResult> = from_py("checks", checks)?;
    let (doc, code) = h::health_json(&s, &c, draining);
    Ok((out(py, &doc)?, code))
}

/// One check per SLO state (`apm.SloTracker.evaluate()`), named
/// `slo:<name>`, for PagerDuty events and health+json.
#[pyfunction]
fn slo_checks<'py>(py: Python<'py>, states: &Bound<'py, PyAny>) -> Res<Bound<'py, PyAny>> {
    let s: Vec<opskit::apm::SloState> = from_py("states", states)?;
    out(py, &h::slo_checks(&s))
}

/// The Prometheus text exposition of a snapshot and its checks, or
/// OpenMetrics when `accept` (the scraper's Accept header) asks for it;
/// `names="node"` gives node_exporter's own series names.
#[pyfunction]
#[pyo3(signature = (snapshot, checks, accept=None, names=None))]
fn exposition(
    snapshot: &Bound<'_, PyAny>,
    checks: &Bound<'_, PyAny>,
    accept: Option<&str>,
    names: Option<&str>,
) -> Res<String> {
    let s: h::HostSnapshot = from_py("snapshot", snapshot)?;
    let c: Vec<h::CheckResult> = from_py("checks", checks)?;
    let names = names.map(str::parse).transpose()?.unwrap_or_default();
    Ok(h::exposition_named(
        &s,
        &c,
        h::Exposition::from_accept(accept.unwrap_or("")),
        names,
    ))
}

/// The `Content-Type` of the exposition that answers this Accept header.
#[pyfunction]
#[pyo3(signature = (accept=None))]
fn exposition_content_type(accept: Option<&str>) -> &'static str {
    h::Exposition::from_accept(accept.unwrap_or("")).content_type()
}

/// Run probes concurrently within `deadline` seconds (without the GIL).
#[pyfunction]
#[pyo3(signature = (probes, deadline=None))]
fn run_probes<'py>(
    py: Python<'py>,
    probes: &Bound<'py, PyAny>,
    deadline: Option<f64>,
) -> Res<Bound<'py, PyAny>> {
    let p: Vec<h::Probe> = from_py("probes", probes)?;
    out(
        py,
        &detached(py, || h::run_probes(&p, h::probe_deadline(deadline)?))?,
    )
}

/// Post one PagerDuty event body (from `PagerDuty.events`) with retries and
/// backoff on 429, 5xx and network errors (without the GIL).
#[pyfunction]
#[pyo3(signature = (event, **options))]
fn send_event<'py>(
    py: Python<'py>,
    event: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let e = event_arg(py, event)?;
    let o: h::SendOptions = opts(options)?;
    out(py, &detached(py, || h::send_event(&e, &o))?)
}

/// Check a PagerDuty event body against the Events API v2 schema and its
/// limits; raise InvalidInputError naming the field (never the routing key).
#[pyfunction]
fn validate_event(py: Python<'_>, event: &Bound<'_, PyAny>) -> Res<()> {
    Ok(h::validate_event(&event_arg(py, event)?.body)?)
}

/// An event body as the core's event (the body crosses unchanged).
fn event_arg(py: Python<'_>, event: &Bound<'_, PyAny>) -> Res<h::PagerDutyEvent> {
    let wrapped = PyDict::new(py);
    wrapped.set_item("body", event)?;
    from_py("event", wrapped.as_any())
}

/// The rules as a Prometheus alerting-rules file (YAML) for `rule_files:`:
/// a warning and a critical alert per rule on `opskit_check_value`.
#[pyfunction]
#[pyo3(signature = (rules=None, group=None))]
fn prometheus_rules(rules: Option<&Bound<'_, PyAny>>, group: Option<&str>) -> Res<String> {
    let rules: Option<Vec<h::Rule>> = match rules {
        Some(r) if !r.is_none() => Some(from_py("rules", r)?),
        _ => None,
    };
    Ok(h::prometheus_rules(rules.as_deref(), group)?)
}

/// Availability of a history of `{time, up}` samples against an SLO.
#[pyfunction]
#[pyo3(signature = (samples, **options))]
fn availability<'py>(
    py: Python<'py>,
    samples: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
) -> Res<Bound<'py, PyAny>> {
    let s: Vec<h::Sample> = from_py("samples", samples)?;
    let o: h::AvailabilityOptions = opts(options)?;
    out(py, &h::availability(&s, &o)?)
}

/// Parse a TOML health policy: `{defaults, rule, maintenance, probe, probe_deadline}`.
#[pyfunction]
fn parse_policy<'py>(py: Python<'py>, text: &str) -> Res<Bound<'py, PyAny>> {
    out(py, &h::Policy::from_toml(text)?)
}

/// The functions and classes of `opskit._native.health`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> Res<()> {
    m.add_class::<Collector>()?;
    m.add_class::<Evaluator>()?;
    m.add_class::<PagerDuty>()?;
    m.add_function(wrap_pyfunction!(default_rules, m)?)?;
    m.add_function(wrap_pyfunction!(exposition_content_type, m)?)?;
    m.add_function(wrap_pyfunction!(health_json, m)?)?;
    m.add_function(wrap_pyfunction!(slo_checks, m)?)?;
    m.add_function(wrap_pyfunction!(exposition, m)?)?;
    m.add_function(wrap_pyfunction!(run_probes, m)?)?;
    m.add_function(wrap_pyfunction!(send_event, m)?)?;
    m.add_function(wrap_pyfunction!(availability, m)?)?;
    m.add_function(wrap_pyfunction!(parse_policy, m)?)?;
    m.add_function(wrap_pyfunction!(validate_event, m)?)?;
    m.add_function(wrap_pyfunction!(prometheus_rules, m)?)?;
    Ok(())
}

//! `opskit_apm_*`: a service's metrics registry, HTTP server metrics and
//! SLOs for C. Metric handles are thread-safe: record on one handle from
//! any number of threads at once (the core records with atomics); label
//! values are an array of `n_labels` strings, so the hot path parses nothing.

use std::ffi::c_char;
use std::sync::Arc;

use opskit::apm as a;
use opskit::exposition::Exposition;

use crate::error::opskit_status;
use crate::ffi::{
    Failure, Res, boundary, give, json_arg, opt_str_arg, options, out_arg, owned_json,
    owned_string, str_arg, take,
};

/// A registry of the service's own metrics (opaque, thread-safe).
pub struct opskit_apm_registry {
    inner: a::Registry,
}

/// A counter of a registry (opaque, thread-safe).
pub struct opskit_apm_counter {
    inner: a::Counter,
}

/// A gauge of a registry (opaque, thread-safe).
pub struct opskit_apm_gauge {
    inner: a::Gauge,
}

/// A histogram of a registry (opaque, thread-safe).
pub struct opskit_apm_histogram {
    inner: a::Histogram,
}

/// SLOs evaluated in-process (opaque, thread-safe).
pub struct opskit_apm_slo_tracker {
    inner: Arc<a::SloTracker>,
}

/// A shared handle argument: many threads may hold it at once.
///
/// # Safety
/// `ptr` is NULL or a live handle from the matching `_new`.
unsafe fn shared<'a, T>(ptr: *const T, name: &str) -> Res<&'a T> {
    // SAFETY: the caller's contract; the handles are only read (their
    // state is atomics and locks inside the core).
    unsafe { ptr.as_ref() }.ok_or_else(|| {
        Failure::null(format!(
            "argument {name} is NULL; pass a handle from its _new function"
        ))
    })
}

/// The `n` label values at `values`.
///
/// # Safety
/// `values` points to `n` NUL-terminated strings (may be NULL when `n` is 0).
unsafe fn label_values<'a>(values: *const *const c_char, n: usize) -> Res<Vec<&'a str>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if values.is_null() {
        return Err(Failure::null(format!(
            "argument labels is NULL but n_labels is {n}; pass an array of {n} strings"
        )));
    }
    // SAFETY: the caller's contract.
    let slice = unsafe { std::slice::from_raw_parts(values, n) };
    slice
        .iter()
        .enumerate()
        .map(|(i, p)| unsafe { str_arg(*p, &format!("labels[{i}]")) })
        .collect()
}

/// The shared body of the three `_new` functions: read the arguments,
/// make the metric with `make`, hand the caller its handle.
///
/// # Safety
/// As each `_new` function's.
unsafe fn metric_new<T>(
    registry: *const opskit_apm_registry,
    name: *const c_char,
    help: *const c_char,
    options_json: *const c_char,
    out: *mut *mut T,
    make: impl FnOnce(&a::Registry, &str, &str, &a::MetricOptions) -> opskit::Result<T>,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let r = unsafe { shared(registry, "registry") }?;
        let o: a::MetricOptions = unsafe { options(options_json, "options_json") }?;
        let (name, help) = unsafe { (str_arg(name, "name")?, str_arg(help, "help")?) };
        give(out, make(&r.inner, name, help, &o)?);
        Ok(())
    })
}

/// The shared body of the recording calls: the handle, the label values,
/// then `record` on them.
///
/// # Safety
/// As each recording call's.
unsafe fn record<T>(
    handle: *const T,
    name: &str,
    labels: *const *const c_char,
    n_labels: usize,
    record: impl FnOnce(&T, &[&str]) -> opskit::Result<()>,
) -> opskit_status {
    boundary(|| {
        let h = unsafe { shared(handle, name) }?;
        Ok(record(h, &unsafe { label_values(labels, n_labels) }?)?)
    })
}

/// A new, empty registry. Free with `opskit_apm_registry_free`.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_registry_new(
    out: *mut *mut opskit_apm_registry,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        give(
            out,
            opskit_apm_registry {
                inner: a::Registry::new(),
            },
        );
        Ok(())
    })
}

/// The process's shared registry (the same series for every caller); the
/// handle is freed with `opskit_apm_registry_free`, the registry lives on.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_registry_global(
    out: *mut *mut opskit_apm_registry,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        give(
            out,
            opskit_apm_registry {
                inner: a::Registry::global(),
            },
        );
        Ok(())
    })
}

/// The exposition: Prometheus text, or OpenMetrics when `accept` (the
/// scraper's Accept header, may be NULL) asks for it. Free `*out` with
/// `opskit_string_free`.
///
/// # Safety
/// `registry` is a live handle; `accept` is NULL or NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_registry_exposition(
    registry: *const opskit_apm_registry,
    accept: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let r = unsafe { shared(registry, "registry") }?;
        let accept = unsafe { opt_str_arg(accept, "accept") }?.unwrap_or("");
        *out = owned_string(r.inner.exposition(Exposition::from_accept(accept)));
        Ok(())
    })
}

/// Free a registry handle. NULL is a no-op; metric handles made from it stay valid.
///
/// # Safety
/// `registry` is NULL or a handle from `opskit_apm_registry_new`/`_global`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_registry_free(registry: *mut opskit_apm_registry) {
    unsafe { take(registry) }
}

/// The counter `name` of `registry` (exposed as `name_total`).
/// `options_json` (may be NULL): `{"labels":[…],"max_series":N}`. Free
/// with `opskit_apm_counter_free`.
///
/// # Safety
/// `registry` is a live handle; strings are NUL-terminated (`options_json` may be NULL); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_counter_new(
    registry: *const opskit_apm_registry,
    name: *const c_char,
    help: *const c_char,
    options_json: *const c_char,
    out: *mut *mut opskit_apm_counter,
) -> opskit_status {
    unsafe {
        metric_new(registry, name, help, options_json, out, |r, n, h, o| {
            Ok(opskit_apm_counter {
                inner: r.counter(n, h, o)?,
            })
        })
    }
}

/// Add `by` (never negative) to the series of the `n_labels` values at `labels`.
///
/// # Safety
/// `counter` is a live handle; `labels` points to `n_labels` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_counter_inc(
    counter: *const opskit_apm_counter,
    labels: *const *const c_char,
    n_labels: usize,
    by: f64,
) -> opskit_status {
    unsafe {
        record(counter, "counter", labels, n_labels, |h, l| {
            h.inner.inc(l, by)
        })
    }
}

/// Free a counter handle. NULL is a no-op.
///
/// # Safety
/// `counter` is NULL or a handle from `opskit_apm_counter_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_counter_free(counter: *mut opskit_apm_counter) {
    unsafe { take(counter) }
}

/// The gauge `name` of `registry`; `options_json` as for counters. Free
/// with `opskit_apm_gauge_free`.
///
/// # Safety
/// As `opskit_apm_counter_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_gauge_new(
    registry: *const opskit_apm_registry,
    name: *const c_char,
    help: *const c_char,
    options_json: *const c_char,
    out: *mut *mut opskit_apm_gauge,
) -> opskit_status {
    unsafe {
        metric_new(registry, name, help, options_json, out, |r, n, h, o| {
            Ok(opskit_apm_gauge {
                inner: r.gauge(n, h, o)?,
            })
        })
    }
}

/// Add `by` (negative to go down) to a gauge's series.
///
/// # Safety
/// `gauge` is a live handle; `labels` points to `n_labels` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_gauge_add(
    gauge: *const opskit_apm_gauge,
    labels: *const *const c_char,
    n_labels: usize,
    by: f64,
) -> opskit_status {
    unsafe { record(gauge, "gauge", labels, n_labels, |h, l| h.inner.add(l, by)) }
}

/// Set a gauge's series to `value`.
///
/// # Safety
/// `gauge` is a live handle; `labels` points to `n_labels` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_gauge_set(
    gauge: *const opskit_apm_gauge,
    labels: *const *const c_char,
    n_labels: usize,
    value: f64,
) -> opskit_status {
    unsafe {
        record(gauge, "gauge", labels, n_labels, |h, l| {
            h.inner.set(l, value)
        })
    }
}

/// Free a gauge handle. NULL is a no-op.
///
/// # Safety
/// `gauge` is NULL or a handle from `opskit_apm_gauge_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_gauge_free(gauge: *mut opskit_apm_gauge) {
    unsafe { take(gauge) }
}

/// The histogram `name` of `registry`; `options_json` (may be NULL):
/// `{"labels":[…],"buckets":[…],"max_series":N}` (default buckets:
/// OpenTelemetry's HTTP durations). Free with `opskit_apm_histogram_free`.
///
/// # Safety
/// As `opskit_apm_counter_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_histogram_new(
    registry: *const opskit_apm_registry,
    name: *const c_char,
    help: *const c_char,
    options_json: *const c_char,
    out: *mut *mut opskit_apm_histogram,
) -> opskit_status {
    unsafe {
        metric_new(registry, name, help, options_json, out, |r, n, h, o| {
            Ok(opskit_apm_histogram {
                inner: r.histogram(n, h, o)?,
            })
        })
    }
}

/// Observe `value` in a histogram's series.
///
/// # Safety
/// `histogram` is a live handle; `labels` points to `n_labels` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_histogram_observe(
    histogram: *const opskit_apm_histogram,
    labels: *const *const c_char,
    n_labels: usize,
    value: f64,
) -> opskit_status {
    unsafe {
        record(histogram, "histogram", labels, n_labels, |h, l| {
            h.inner.observe(l, value)
        })
    }
}

/// Free a histogram handle. NULL is a no-op.
///
/// # Safety
/// `histogram` is NULL or a handle from `opskit_apm_histogram_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_histogram_free(histogram: *mut opskit_apm_histogram) {
    unsafe { take(histogram) }
}

/// A tracker of the SLOs in `policy_toml` (`[[slo]]` tables). Free with
/// `opskit_apm_slo_tracker_free`.
///
/// # Safety
/// `policy_toml` is NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_slo_tracker_new(
    policy_toml: *const c_char,
    out: *mut *mut opskit_apm_slo_tracker,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let p = a::SloPolicy::from_toml(unsafe { str_arg(policy_toml, "policy_toml") }?)?;
        give(
            out,
            opskit_apm_slo_tracker {
                inner: Arc::new(a::SloTracker::new(&p)?),
            },
        );
        Ok(())
    })
}

/// Record one request at `at` (seconds since the epoch; a negative `at` is now).
///
/// # Safety
/// `tracker` is a live handle; `route` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_slo_tracker_record(
    tracker: *const opskit_apm_slo_tracker,
    route: *const c_char,
    status: u16,
    seconds: f64,
    at: f64,
) -> opskit_status {
    boundary(|| {
        let t = unsafe { shared(tracker, "tracker") }?;
        let route = unsafe { str_arg(route, "route") }?;
        t.inner
            .record_at(route, status, seconds, (at >= 0.0).then_some(at));
        Ok(())
    })
}

/// Every SLO's state as a JSON array, at `now` (a negative `now` is now).
///
/// # Safety
/// `tracker` is a live handle; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_slo_tracker_evaluate(
    tracker: *const opskit_apm_slo_tracker,
    now: f64,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let t = unsafe { shared(tracker, "tracker") }?;
        *out = owned_json(&t.inner.evaluate_at((now >= 0.0).then_some(now)))?;
        Ok(())
    })
}

/// Free a tracker. NULL is a no-op.
///
/// # Safety
/// `tracker` is NULL or a handle from `opskit_apm_slo_tracker_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_slo_tracker_free(tracker: *mut opskit_apm_slo_tracker) {
    unsafe { take(tracker) }
}

/// OpenTelemetry HTTP server metrics in a registry (opaque, thread-safe).
pub struct opskit_apm_http_server_metrics {
    inner: a::HttpServerMetrics,
}

/// The HTTP server metrics (`http_server_request_duration_seconds`,
/// `http_server_active_requests`, body sizes) in `registry`; `options_json`
/// (may be NULL): `{"duration_buckets": [...], "max_series": n}`; every
/// finished request also feeds `slo` (may be NULL). Free with
/// `opskit_apm_http_server_metrics_free`; the handles it was made from may be
/// freed first.
///
/// # Safety
/// `registry` is a live handle, `slo` NULL or one; `options_json` NULL or
/// NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_http_server_metrics_new(
    registry: *const opskit_apm_registry,
    options_json: *const c_char,
    slo: *const opskit_apm_slo_tracker,
    out: *mut *mut opskit_apm_http_server_metrics,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let r = unsafe { shared(registry, "registry") }?;
        let o: a::HttpMetricsOptions = unsafe { options(options_json, "options_json") }?;
        // SAFETY: the caller's contract (NULL or a live handle).
        let slo = unsafe { slo.as_ref() }.map(|t| Arc::clone(&t.inner));
        give(
            out,
            opskit_apm_http_server_metrics {
                inner: a::HttpServerMetrics::new(&r.inner, &o, slo)?,
            },
        );
        Ok(())
    })
}

/// A request started: one more active request of `method`.
///
/// # Safety
/// `metrics` is a live handle; `method` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_http_server_metrics_started(
    metrics: *const opskit_apm_http_server_metrics,
    method: *const c_char,
) -> opskit_status {
    boundary(|| {
        let m = unsafe { shared(metrics, "metrics") }?;
        Ok(m.inner.started(unsafe { str_arg(method, "method") }?)?)
    })
}

/// A request ended (once per `_started`): `route` the route template
/// (NULL: none matched), `status` the response status (negative: none was
/// sent, the client went away: `error_type` `aborted`), `error` the
/// failure's name (NULL: none), its duration, and the body sizes (negative:
/// unknown).
///
/// # Safety
/// `metrics` is a live handle; `method` is NUL-terminated, `route` and
/// `error` NULL or NUL-terminated.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn opskit_apm_http_server_metrics_finished(
    metrics: *const opskit_apm_http_server_metrics,
    method: *const c_char,
    route: *const c_char,
    status: i32,
    error: *const c_char,
    duration_seconds: f64,
    request_bytes: i64,
    response_bytes: i64,
) -> opskit_status {
    boundary(|| {
        let m = unsafe { shared(metrics, "metrics") }?;
        // C has no "none": a negative status means no response was sent,
        // a negative size that it is not known.
        let status = match status {
            s if s < 0 => None,
            s => Some(a::RequestEnd::status_of(s.into())?),
        };
        Ok(m.inner.ended(a::RequestEnd {
            method: unsafe { str_arg(method, "method") }?,
            route: unsafe { opt_str_arg(route, "route") }?,
            status,
            error: unsafe { opt_str_arg(error, "error") }?,
            duration_seconds,
            request_bytes: u64::try_from(request_bytes).ok(),
            response_bytes: u64::try_from(response_bytes).ok(),
        })?)
    })
}

/// Free HTTP server metrics. NULL is a no-op.
///
/// # Safety
/// `metrics` is NULL or a handle from `opskit_apm_http_server_metrics_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_http_server_metrics_free(
    metrics: *mut opskit_apm_http_server_metrics,
) {
    unsafe { take(metrics) }
}

/// Prometheus recording and alerting rules (YAML) for the SLOs in
/// `policy_toml`; `metric` (may be NULL) names the duration histogram and
/// `buckets_json` (may be NULL) its bounds as a JSON array.
///
/// # Safety
/// `policy_toml` is NUL-terminated, the others NULL or NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_apm_slo_rules(
    policy_toml: *const c_char,
    metric: *const c_char,
    buckets_json: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let p = a::SloPolicy::from_toml(unsafe { str_arg(policy_toml, "policy_toml") }?)?;
        let metric = unsafe { opt_str_arg(metric, "metric") }?;
        let buckets: Option<Vec<f64>> = match unsafe { opt_str_arg(buckets_json, "buckets_json") }?
        {
            None => None,
            Some(_) => Some(unsafe { json_arg(buckets_json, "buckets_json") }?),
        };
        *out = owned_string(a::prometheus_rules(&p, metric, buckets.as_deref())?);
        Ok(())
    })
}

//! HTTP server metrics as the OpenTelemetry semantic conventions name them
//! (`http.server.request.duration` → `http_server_request_duration_seconds`
//! with `http_request_method`, `http_route`, `http_response_status_code`,
//! `error_type`; active requests; body sizes), recorded by every
//! framework's middleware through the same two calls, so names, labels,
//! buckets and the method and route rules live here once.

use std::sync::Arc;

use super::registry::{Gauge, Histogram, MetricOptions, Registry};
use super::slo::SloTracker;
use crate::error::Result;

/// The methods OpenTelemetry keeps; any other is `_OTHER`.
const KNOWN_METHODS: [&str; 9] = [
    "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE",
];

/// Body-size buckets, bytes: 100 B to 100 MB by factors of 10.
pub const BODY_SIZE_BUCKETS: [f64; 7] = [
    100.0,
    1_000.0,
    10_000.0,
    100_000.0,
    1_000_000.0,
    10_000_000.0,
    100_000_000.0,
];

/// How a request ended, as a middleware saw it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct RequestOutcome {
    /// The method as received (normalised here).
    pub method: String,
    /// The route template (`/users/{id}`, `/users/:id`) when the framework
    /// matched one; never the raw path. `None` leaves `http_route` empty.
    pub route: Option<String>,
    /// The status sent; `None` when no response was sent (an abort).
    pub status: Option<u16>,
    /// Why it failed when it did: an exception's type, `aborted` when the
    /// client went away; a 5xx without one is `error_type="500"`.
    pub error: Option<String>,
    /// Seconds from the request's arrival to its end.
    pub duration_seconds: f64,
    /// Request body bytes, when known.
    pub request_bytes: Option<u64>,
    /// Response body bytes, when known.
    pub response_bytes: Option<u64>,
}

/// How a request ended, as borrowed parts: what [`RequestOutcome`] holds,
/// without owning its strings, so a binding's hot path records a request
/// without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RequestEnd<'a> {
    /// The method as received (normalised here).
    pub method: &'a str,
    /// The route template, when the framework matched one.
    pub route: Option<&'a str>,
    /// The status sent; `None` when no response was sent (an abort).
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<&'a str>,
    /// Seconds from the request's arrival to its end.
    pub duration_seconds: f64,
    /// Request body bytes, when known.
    pub request_bytes: Option<u64>,
    /// Response body bytes, when known.
    pub response_bytes: Option<u64>,
}

impl RequestOutcome {
    /// The same outcome as borrowed parts.
    pub fn as_end(&self) -> RequestEnd<'_> {
        RequestEnd {
            method: &self.method,
            route: self.route.as_deref(),
            status: self.status,
            error: self.error.as_deref(),
            duration_seconds: self.duration_seconds,
            request_bytes: self.request_bytes,
            response_bytes: self.response_bytes,
        }
    }
}

impl RequestEnd<'_> {
    /// A status a binding got as a plain number, checked: bindings whose
    /// languages have no `u16` pass what they were given through this.
    pub fn status_of(n: i64) -> Result<u16> {
        u16::try_from(n).map_err(|_| {
            crate::Error::invalid(format!(
                "status {n} is out of range; pass the HTTP status sent (e.g. 200)"
            ))
        })
    }

    /// A body size a binding got as a JavaScript-like number, checked: a
    /// whole, non-negative number of bytes (`what` names the argument).
    pub fn bytes_of(what: &str, n: f64) -> Result<u64> {
        if n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 {
            Ok(n as u64)
        } else {
            Err(crate::Error::invalid(format!(
                "invalid request outcome: {what} {n} is no whole number of bytes"
            )))
        }
    }
}

/// How the HTTP server metrics are made.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct HttpMetricsOptions {
    /// Duration buckets, seconds (default OpenTelemetry's HTTP ones).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub duration_buckets: Option<Vec<f64>>,
    /// Each metric's series cap (default [`super::DEFAULT_MAX_SERIES`]).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub max_series: Option<usize>,
}

/// The OpenTelemetry HTTP server metrics in a registry, and optionally the
/// SLOs the requests feed.
#[derive(Clone)]
pub struct HttpServerMetrics {
    duration: Histogram,
    active: Gauge,
    request_size: Histogram,
    response_size: Histogram,
    slo: Option<Arc<SloTracker>>,
}

impl std::fmt::Debug for HttpServerMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServerMetrics").finish_non_exhaustive()
    }
}

/// `code` in decimal, written into `buf`.
fn status_text(code: u16, buf: &mut [u8; 5]) -> &str {
    let mut n = code;
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("")
}

/// `_OTHER` for a method OpenTelemetry does not list (keeps cardinality
/// bounded against arbitrary methods).
pub fn normalize_method(method: &str) -> &'static str {
    KNOWN_METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("_OTHER")
}

impl HttpServerMetrics {
    /// Register the metrics in `registry` (the same ones again when they
    /// exist); `slo` receives every request.
    pub fn new(
        registry: &Registry,
        options: &HttpMetricsOptions,
        slo: Option<Arc<SloTracker>>,
    ) -> Result<HttpServerMetrics> {
        let (duration_buckets, max_series) = (options.duration_buckets.clone(), options.max_series);
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let full = labels(&[
            "http_request_method",
            "http_route",
            "http_response_status_code",
            "error_type",
        ]);
        let sizes = MetricOptions {
            labels: full.clone(),
            buckets: Some(BODY_SIZE_BUCKETS.to_vec()),
            max_series,
        };
        Ok(HttpServerMetrics {
            duration: registry.histogram(
                crate::slo::DEFAULT_DURATION_METRIC,
                "Duration of HTTP server requests.",
                &MetricOptions {
                    labels: full.clone(),
                    buckets: duration_buckets,
                    max_series,
                },
            )?,
            active: registry.gauge(
                "http_server_active_requests",
                "Number of active HTTP server requests.",
                &MetricOptions {
                    labels: labels(&["http_request_method"]),
                    buckets: None,
                    max_series,
                },
            )?,
            request_size: registry.histogram(
                "http_server_request_body_size_bytes",
                "Size of HTTP server request bodies.",
                &sizes,
            )?,
            response_size: registry.histogram(
                "http_server_response_body_size_bytes",
                "Size of HTTP server response bodies.",
                &sizes,
            )?,
            slo,
        })
    }

    /// A request arrived: one more active request of its method.
    pub fn started(&self, method: &str) -> Result<()> {
        self.active.add(&[normalize_method(method)], 1.0)
    }

    /// A request ended (call once for each [`HttpServerMetrics::started`]):
    /// one fewer active, its duration and sizes recorded, and the SLOs fed.
    pub fn finished(&self, r: &RequestOutcome) -> Result<()> {
        self.ended(r.as_end())
    }

    /// [`HttpServerMetrics::finished`] with borrowed parts: allocates nothing.
    pub fn ended(&self, r: RequestEnd<'_>) -> Result<()> {
        let method = normalize_method(r.method);
        self.active.add(&[method], -1.0)?;
        // Digits on the stack: recording a request allocates nothing.
        let mut digits = [0u8; 5];
        let status = r.status.map_or("", |s| status_text(s, &mut digits));
        let error = match (r.error, r.status) {
            (Some(e), _) => e,
            (None, None) => "aborted",
            (None, Some(s)) if s >= 500 => status,
            _ => "",
        };
        let route = r.route.unwrap_or("");
        let labels = [method, route, status, error];
        self.duration
            .observe(&labels, r.duration_seconds.max(0.0))?;
        if let Some(b) = r.request_bytes {
            self.request_size.observe(&labels, b as f64)?;
        }
        if let Some(b) = r.response_bytes {
            self.response_size.observe(&labels, b as f64)?;
        }
        if let Some(slo) = &self.slo {
            // No response is a failure for availability (a 5xx-like 599).
            slo.record_now(route, r.status.unwrap_or(599), r.duration_seconds);
        }
        Ok(())
    }
}

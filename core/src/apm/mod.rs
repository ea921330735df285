//! Application performance monitoring inside a service: a metrics registry
//! for the service's own series (request durations, sizes, in-flight
//! requests), rendered beside the host and process series opskit already
//! exposes, and SLOs on its requests, evaluated in-process with burn-rate
//! alerts and exported as Prometheus rules for the fleet.
//!
//! ```
//! use opskit::apm::{MetricOptions, Registry, HTTP_DURATION_BUCKETS};
//! use opskit::health::Exposition;
//!
//! let registry = Registry::new();
//! let duration = registry.histogram(
//!     "http_server_request_duration_seconds",
//!     "Duration of HTTP server requests.",
//!     &MetricOptions {
//!         labels: vec!["http_request_method".into(), "http_route".into(), "http_response_status_code".into()],
//!         buckets: Some(HTTP_DURATION_BUCKETS.to_vec()),
//!         ..Default::default()
//!     },
//! )?;
//! // Look the series up once, record on it from any thread.
//! let get_user = duration.with(&["GET", "/users/:id", "200"])?;
//! get_user.observe(0.042)?;
//! let text = registry.exposition(Exposition::Text);
//! assert!(text.contains("http_server_request_duration_seconds_count{http_request_method=\"GET\",http_route=\"/users/:id\",http_response_status_code=\"200\"} 1"));
//! # Ok::<(), opskit::Error>(())
//! ```

mod http;
mod registry;
mod runtime;
mod slo;

pub use self::http::{
    BODY_SIZE_BUCKETS, HttpMetricsOptions, HttpServerMetrics, RequestEnd, RequestOutcome,
    normalize_method,
};
pub use self::registry::{
    COUNTER_STEP, Counter, CounterSeries, DEFAULT_MAX_SERIES, Gauge, GaugeSeries,
    HTTP_DURATION_BUCKETS, Histogram, HistogramSeries, MetricKind, MetricOptions, OVERFLOW_LABEL,
    Registry,
};
pub use self::runtime::{EventLoopReading, GC_BUCKETS, NodeRuntime, PythonRuntime};
pub use self::slo::SloTracker;
pub use crate::slo::{BURN_ALERTS, BurnAlert, Slo, SloKind, SloPolicy, SloState, prometheus_rules};

//! Print an application registry's exposition (`text`, the default, or
//! `openmetrics`) with every kind of metric, HTTP server series named by
//! the OpenTelemetry semantic conventions, escaped label values and a
//! metric past its series cap: `make health-test` runs promtool on it.

use opskit::apm::{MetricOptions, Registry};
use opskit::health::Exposition;

fn main() -> opskit::Result<()> {
    let flavour = match std::env::args().nth(1).as_deref() {
        Some("openmetrics") => Exposition::OpenMetrics,
        _ => Exposition::Text,
    };
    let labels = |l: &[&str]| MetricOptions {
        labels: l.iter().map(|s| s.to_string()).collect(),
        ..MetricOptions::default()
    };
    let r = Registry::new();
    let http = labels(&[
        "http_request_method",
        "http_route",
        "http_response_status_code",
    ]);
    let duration = r.histogram(
        "http_server_request_duration_seconds",
        "Duration of HTTP server requests.",
        &http,
    )?;
    for (route, status, seconds) in [
        ("/users/:id", "200", 0.012),
        ("/users/:id", "404", 0.003),
        ("/orders", "500", 1.7),
    ] {
        duration.observe(&["GET", route, status], seconds)?;
    }
    r.histogram(
        "http_server_request_body_size_bytes",
        "Size of HTTP server request bodies.",
        &MetricOptions {
            buckets: Some(vec![100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0]),
            ..labels(&["http_request_method", "http_route"])
        },
    )?
    .observe(&["POST", "/orders"], 2_345.0)?;
    r.gauge(
        "http_server_active_requests",
        "HTTP server requests in flight.",
        &labels(&["http_request_method"]),
    )?
    .set(&["GET"], 3.0)?;
    r.counter(
        "jobs_processed",
        "Jobs processed, by queue.",
        &labels(&["queue"]),
    )?
    .inc(&["mail \"bulk\"\nnightly \\ batch"], 7.0)?;
    let capped = r.counter(
        "raw_path_requests",
        "Requests by raw path, capped.",
        &MetricOptions {
            max_series: Some(3),
            ..labels(&["path"])
        },
    )?;
    for i in 0..10 {
        capped.inc(&[&format!("/users/{i}")], 1.0)?;
    }
    print!("{}", r.exposition(flavour));
    Ok(())
}

//! The apm family (`cargo bench -p opskit-benches --bench apm`): one
//! observation on a series handle, one with the label lookup, one whole
//! request through `HttpServerMetrics` (active gauge, duration, sizes, the
//! SLO tracker), and the same from two threads at once on one series.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use opskit::apm::{
    HttpMetricsOptions, HttpServerMetrics, MetricOptions, Registry, RequestOutcome, SloPolicy,
    SloTracker,
};

fn bench(c: &mut Criterion) {
    let registry = Registry::new();
    let h = registry
        .histogram(
            "http_server_request_duration_seconds_x",
            "Duration.",
            &MetricOptions {
                labels: vec!["http_route".into(), "http_response_status_code".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let series = h.with(&["/users/{id}", "200"]).unwrap();
    c.bench_function("apm/observe on a series handle", |b| {
        b.iter(|| series.observe(std::hint::black_box(0.042)).unwrap())
    });
    c.bench_function("apm/observe with label lookup", |b| {
        b.iter(|| {
            h.observe(&["/users/{id}", "200"], std::hint::black_box(0.042))
                .unwrap()
        })
    });
    let slo = SloPolicy::from_toml(
        "[[slo]]\nname = \"users\"\nobjective_percent = 99.9\nroute = \"/users/{id}\"\n",
    )
    .unwrap();
    let tracker = Arc::new(SloTracker::new(&slo).unwrap());
    let http =
        HttpServerMetrics::new(&registry, &HttpMetricsOptions::default(), Some(tracker)).unwrap();
    let outcome = RequestOutcome {
        method: "GET".into(),
        route: Some("/users/{id}".into()),
        status: Some(200),
        error: None,
        duration_seconds: 0.042,
        request_bytes: None,
        response_bytes: Some(512),
    };
    c.bench_function("apm/one request (started + finished, with an SLO)", |b| {
        b.iter(|| {
            http.started("GET").unwrap();
            http.finished(std::hint::black_box(&outcome)).unwrap()
        })
    });
    c.bench_function("apm/observe on one series from 2 threads", |b| {
        b.iter_custom(|iters| {
            let start = std::time::Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        for _ in 0..iters {
                            series.observe(std::hint::black_box(0.042)).unwrap();
                        }
                    });
                }
            });
            // Per observation: two threads made 2 × iters of them.
            start.elapsed() / 2
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `apm::Registry` from many threads, past its series cap, and in both
//! exposition flavours; recording on an existing series allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use opskit::apm::{MetricOptions, Registry};
use opskit::health::Exposition;

/// Counts each thread's allocations, to show the hot path makes none.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn opts(labels: &[&str]) -> MetricOptions {
    MetricOptions {
        labels: labels.iter().map(|s| s.to_string()).collect(),
        ..MetricOptions::default()
    }
}

/// The value of the one sample line that starts with `prefix`.
fn value(text: &str, prefix: &str) -> f64 {
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(lines.len(), 1, "{prefix} in\n{text}");
    lines[0].rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn totals_are_exact_when_eight_threads_record_at_once() {
    let r = Registry::new();
    let requests = r
        .counter("requests", "Requests.", &opts(&["route"]))
        .unwrap();
    let in_flight = r.gauge("in_flight", "In flight.", &opts(&[])).unwrap();
    let duration = r
        .histogram("duration_seconds", "Duration.", &opts(&["route"]))
        .unwrap();
    const THREADS: usize = 8;
    const EACH: usize = 50_000;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (requests, in_flight, duration) = (&requests, &in_flight, &duration);
            s.spawn(move || {
                // Even threads look /a up on every call and observe 0.5; odd
                // ones hold /b's handle and observe 0.25 and 0.75 in turn.
                let lookup = t % 2 == 0;
                let route = if lookup { "/a" } else { "/b" };
                let held = duration.with(&[route]).unwrap();
                let gauge = in_flight.with(&[]).unwrap();
                for i in 0..EACH {
                    gauge.add(1.0);
                    requests.inc(&[route], 1.0).unwrap();
                    if lookup {
                        duration.observe(&[route], 0.5).unwrap();
                    } else {
                        held.observe(if i % 2 == 0 { 0.25 } else { 0.75 }).unwrap();
                    }
                    gauge.add(-1.0);
                }
            });
        }
    });
    let text = r.exposition(Exposition::Text);
    let per_route = (THREADS / 2 * EACH) as f64;
    assert_eq!(value(&text, "requests_total{route=\"/a\"}"), per_route);
    assert_eq!(value(&text, "requests_total{route=\"/b\"}"), per_route);
    assert_eq!(value(&text, "in_flight "), 0.0);
    for route in ["/a", "/b"] {
        assert_eq!(
            value(
                &text,
                &format!("duration_seconds_count{{route=\"{route}\"}}")
            ),
            per_route
        );
        assert_eq!(
            value(&text, &format!("duration_seconds_sum{{route=\"{route}\"}}")),
            per_route * 0.5
        );
        let inf = format!("duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}}");
        assert_eq!(value(&text, &inf), per_route);
    }
    // 0.25 and 0.75 fall in le="0.25" and le="0.75"; 0.5 in le="0.5".
    assert_eq!(
        value(&text, "duration_seconds_bucket{route=\"/b\",le=\"0.25\"}"),
        per_route / 2.0
    );
    assert_eq!(
        value(&text, "duration_seconds_bucket{route=\"/a\",le=\"0.25\"}"),
        0.0
    );
    assert_eq!(
        value(&text, "duration_seconds_bucket{route=\"/a\",le=\"0.5\"}"),
        per_route
    );
}

#[test]
fn label_sets_past_the_cap_fold_into_other_and_are_counted() {
    let r = Registry::new();
    let capped = r
        .counter(
            "raw_path_requests",
            "Requests by raw path (a mistake the cap contains).",
            &MetricOptions {
                max_series: Some(100),
                ..opts(&["path", "method"])
            },
        )
        .unwrap();
    for i in 0..100_000 {
        capped.inc(&[&format!("/users/{i}"), "GET"], 1.0).unwrap();
    }
    // Again: the first hundred still have their own series.
    capped.inc(&["/users/7", "GET"], 1.0).unwrap();
    assert_eq!(r.series_counts(), [("raw_path_requests".to_string(), 100)]);
    let text = r.exposition(Exposition::Text);
    assert_eq!(
        value(
            &text,
            "raw_path_requests_total{path=\"/users/7\",method=\"GET\"}"
        ),
        2.0
    );
    assert_eq!(
        value(
            &text,
            "raw_path_requests_total{path=\"other\",method=\"other\"}"
        ),
        99_900.0
    );
    assert_eq!(
        value(
            &text,
            "opskit_apm_series_overflow_total{metric=\"raw_path_requests\"}"
        ),
        99_900.0
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("raw_path_requests_total"))
            .count(),
        101
    );
}

#[test]
fn recording_on_an_existing_series_allocates_nothing() {
    let r = Registry::new();
    let c = r
        .counter("hits", "Hits.", &opts(&["method", "route"]))
        .unwrap();
    let h = r.histogram("d_seconds", "D.", &opts(&["route"])).unwrap();
    let g = r.gauge("g", "G.", &opts(&[])).unwrap();
    c.inc(&["GET", "/users/:id"], 1.0).unwrap();
    h.observe(&["/users/:id"], 0.1).unwrap();
    let held = h.with(&["/users/:id"]).unwrap();
    let gs = g.with(&[]).unwrap();
    let before = allocations();
    for _ in 0..10_000 {
        c.inc(&["GET", "/users/:id"], 1.0).unwrap();
        h.observe(&["/users/:id"], 0.2).unwrap();
        held.observe(0.3).unwrap();
        gs.add(1.0);
    }
    let made = allocations() - before;
    assert_eq!(made, 0, "{made} allocations in 40,000 recordings");
    // The counting works: a new series does allocate.
    let before = allocations();
    c.inc(&["POST", "/users"], 1.0).unwrap();
    assert!(allocations() > before);
}

#[test]
fn both_flavours_name_and_escape_as_prometheus_clients_do() {
    let r = Registry::new();
    r.counter("jobs", "Jobs done.\nBy queue.", &opts(&["queue"]))
        .unwrap()
        .inc(&["a \"quoted\" \\ name\nline"], 3.0)
        .unwrap();
    r.gauge("temperature_celsius", "T.", &opts(&[]))
        .unwrap()
        .set(&[], -1.5)
        .unwrap();
    let text = r.exposition(Exposition::Text);
    assert!(
        text.contains("# HELP jobs_total Jobs done.\\nBy queue.\n# TYPE jobs_total counter\n"),
        "{text}"
    );
    assert!(
        text.contains("jobs_total{queue=\"a \\\"quoted\\\" \\\\ name\\nline\"} 3\n"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE temperature_celsius gauge\ntemperature_celsius -1.5\n"),
        "{text}"
    );
    assert!(!text.contains("# EOF"));
    let om = r.exposition(Exposition::OpenMetrics);
    assert!(om.contains("# TYPE jobs counter\njobs_total{"), "{om}");
    assert!(om.ends_with("# EOF\n"), "{om}");
}

#[test]
fn http_server_metrics_follow_the_opentelemetry_conventions() {
    use opskit::apm::{HttpServerMetrics, RequestOutcome, SloPolicy, SloTracker};
    let r = Registry::new();
    let slo = std::sync::Arc::new(
        SloTracker::new(
            &SloPolicy::from_toml(
                "[[slo]]\nname = \"users\"\nobjective_percent = 99\nroute = \"/users/{id}\"\n",
            )
            .unwrap(),
        )
        .unwrap(),
    );
    let m = HttpServerMetrics::new(&r, &Default::default(), Some(slo.clone())).unwrap();
    let done = |method: &str, route: Option<&str>, status: Option<u16>, error: Option<&str>| {
        m.started(method).unwrap();
        m.finished(&RequestOutcome {
            method: method.into(),
            route: route.map(str::to_string),
            status,
            error: error.map(str::to_string),
            duration_seconds: 0.02,
            request_bytes: Some(0),
            response_bytes: Some(1234),
        })
        .unwrap();
    };
    done("get", Some("/users/{id}"), Some(200), None);
    done("GET", Some("/users/{id}"), Some(500), Some("KeyError"));
    done("GET", Some("/users/{id}"), None, None);
    done("BREW", None, Some(404), None);
    let text = r.exposition(Exposition::Text);
    let count = |labels: &str| {
        value(
            &text,
            &format!("http_server_request_duration_seconds_count{{{labels}}}"),
        )
    };
    assert_eq!(
        count(
            r#"http_request_method="GET",http_route="/users/{id}",http_response_status_code="200",error_type="""#
        ),
        2.0_f64.min(1.0)
    );
    assert_eq!(
        count(
            r#"http_request_method="GET",http_route="/users/{id}",http_response_status_code="500",error_type="KeyError""#
        ),
        1.0
    );
    assert_eq!(
        count(
            r#"http_request_method="GET",http_route="/users/{id}",http_response_status_code="",error_type="aborted""#
        ),
        1.0
    );
    assert_eq!(
        count(
            r#"http_request_method="_OTHER",http_route="",http_response_status_code="404",error_type="""#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"http_server_active_requests{http_request_method="GET"}"#
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            r#"http_server_response_body_size_bytes_bucket{http_request_method="_OTHER",http_route="",http_response_status_code="404",error_type="",le="10000.0"}"#
        ),
        1.0
    );
    // The SLO of /users/{id} saw three requests, one good.
    let s = &slo.evaluate(opskit::time::now_seconds())[0];
    assert_eq!((s.good, s.total), (1, 3));
}

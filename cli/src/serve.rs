//! `opskit health serve`: `/metrics` (Prometheus text or OpenMetrics, by the
//! scraper's `Accept`) and `/health` (health+json: 200 for pass and warn,
//! 503 for fail or draining), for Prometheus and load balancers. A core
//! [`Monitor`] takes the snapshot and evaluates the rules every `--refresh`
//! and runs the probes every `probe_interval` on threads of its own, so a
//! request only reads the latest observation (its `Age` header says how old
//! it is): a hung probe or mount never holds up an answer, and a burst of
//! scrapes cannot stampede the probes. With a `[pagerduty]` policy table, a
//! thread reads the checks every interval and sends trigger and resolve
//! events as they change.
//!
//! HTTP/1.1 is hyper's, on a two-thread tokio runtime: a connection is a
//! task, not a thread, so slow clients cost memory, not service; the whole
//! request head must arrive within [`HEAD_DEADLINE`] and fit in
//! [`MAX_HEAD_BYTES`] (hyper answers 431 beyond it, 400 to garbage); `HEAD`
//! gets the headers without the body, other methods 405 with `Allow`;
//! keep-alive is on. `/health` is answered however many clients there are;
//! `/metrics` answers 503 with `Retry-After` while more than
//! `--max-connections` are open. SIGTERM or SIGINT stops accepting, lets
//! requests in flight finish for up to [`SHUTDOWN_DEADLINE`], then exits.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{AGE, ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use opskit::health::{self as h, Monitor, Policy};

/// The whole request head (request line and headers) must arrive within
/// this, however slowly it trickles: a slow client cannot hold a request open.
pub(crate) const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// The largest request head read; a longer one is answered 431 and closed.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long requests in flight may take to finish after SIGTERM.
pub(crate) const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

/// What every connection's task shares: the monitor and the count of
/// open connections, beyond which `/metrics` sheds load.
struct State {
    monitor: Monitor,
    /// `--refresh 0s`: every request takes its own snapshot.
    on_demand: bool,
    policy: Policy,
    connections: AtomicUsize,
    max_connections: usize,
}

/// A response with `body`, typed `kind`; scrapers may cache it for a second.
fn answer(code: StatusCode, kind: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = code;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("max-age=1"));
    r
}

/// One request: `/metrics` or `/health` by GET or HEAD (hyper leaves out a
/// HEAD answer's body), 405 with `Allow` for other methods, 404 elsewhere.
async fn handle(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path();
    if path != "/metrics" && path != "/health" {
        return Ok(answer(
            StatusCode::NOT_FOUND,
            "text/plain",
            "GET /metrics or /health\n",
        ));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET /metrics or /health\n",
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(r);
    }
    let metrics = path == "/metrics";
    if metrics && state.connections.load(Ordering::Relaxed) > state.max_connections {
        // /health is answered whatever the load: a balancer must not drain
        // a healthy node because Prometheus and others crowd it.
        let mut r = answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            format!(
                "over {} open connections: try again shortly\n",
                state.max_connections
            ),
        );
        r.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(r);
    }
    // The latest observation: the background thread's work, never this
    // one's; with `--refresh 0s` a snapshot per request, on the blocking
    // pool (a hung mount must not stall a thread that reads requests).
    let o = if state.on_demand {
        let s = Arc::clone(&state);
        match tokio::task::spawn_blocking(move || s.monitor.latest()).await {
            Ok(o) => o,
            Err(_) => {
                return Ok(answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    "the snapshot failed\n",
                ));
            }
        }
    } else {
        state.monitor.latest()
    };
    let mut r = if metrics {
        let accept = req
            .headers()
            .get_all(hyper::header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let flavour = h::Exposition::from_accept(&accept);
        answer(
            StatusCode::OK,
            flavour.content_type(),
            o.exposition(flavour).to_owned(),
        )
    } else {
        let draining = state.policy.maintenance.draining();
        let (doc, code) = h::health_json(&o.snapshot, &o.checks, draining);
        answer(
            StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "application/health+json",
            format!("{doc}\n"),
        )
    };
    // RFC 9111's Age: how old the observation is, in whole seconds.
    r.headers_mut()
        .insert(AGE, HeaderValue::from(o.age_seconds() as u64));
    Ok(r)
}

/// Every `interval`, read the monitor's latest checks and send the events
/// their changes make; each send retries with backoff on this thread,
/// never on a scrape's.
fn page(monitor: &Monitor, pd: &h::PagerDutyPolicy, key: String, stop: &AtomicBool) {
    let options = pd.options(key);
    let send = pd.send_options();
    let mut tracker = h::PagerDuty::new();
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        next = Instant::now() + pd.interval();
        let o = monitor.latest();
        let events = match tracker.events(
            &o.checks,
            &o.snapshot.host.hostname,
            o.snapshot.time_seconds,
            &options,
        ) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("pagerduty: {e}");
                continue;
            }
        };
        for e in events {
            let action = e.body["event_action"].as_str().unwrap_or("").to_string();
            let key = e.body["dedup_key"].as_str().unwrap_or("").to_string();
            match h::send_event(&e, &send) {
                Ok(r) => eprintln!(
                    "pagerduty: {action} {key}: accepted (HTTP {}, {} attempt(s))",
                    r.status, r.attempts
                ),
                Err(err) => eprintln!("pagerduty: {action} {key}: {err}"),
            }
        }
    }
}

/// Serve until SIGTERM or SIGINT.
pub(crate) fn serve(
    listen: &str,
    policy: Policy,
    refresh: Duration,
    max_connections: usize,
) -> opskit::Result<()> {
    let io_error = |e: std::io::Error| opskit::Error::new(opskit::ErrorKind::Io, e.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io_error)?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(listen))
        .map_err(|e| {
            opskit::Error::new(
                opskit::ErrorKind::Io,
                format!(
                    "cannot listen on {listen}: {e}; give a free address such as 127.0.0.1:9464"
                ),
            )
        })?;
    let addr = listener.local_addr().map_err(io_error)?;
    // Read the routing key before listening: a missing key is a start-up error.
    let paging = match &policy.pagerduty {
        Some(pd) => Some((pd.clone(), pd.routing_key()?)),
        None => None,
    };
    let state = Arc::new(State {
        monitor: Monitor::start(&policy, refresh)?,
        on_demand: refresh.is_zero(),
        policy,
        connections: AtomicUsize::new(0),
        max_connections,
    });
    println!("listening on http://{addr} (/metrics, /health)");
    let stop = Arc::new(AtomicBool::new(false));
    let pager = paging.map(|(pd, key)| {
        println!(
            "sending PagerDuty events to {} every {} s",
            pd.send_options().url,
            pd.interval().as_secs_f64()
        );
        let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || page(&state.monitor, &pd, key, &stop))
    });
    let _ = std::io::stdout().flush();
    runtime.block_on(accept_until_signal(listener, state))?;
    stop.store(true, Ordering::Relaxed);
    if let Some(p) = pager {
        let _ = p.join();
    }
    runtime.shutdown_timeout(Duration::from_millis(100));
    // The reader may be gone by now (a supervisor that stopped reading):
    // nothing is left to tell it, and no reason to fail.
    let _ = writeln!(std::io::stdout(), "stopped");
    Ok(())
}

/// Accept connections, each served on its own task, until SIGTERM or
/// SIGINT; then stop accepting and give the connections in flight
/// [`SHUTDOWN_DEADLINE`] to finish (idle keep-alive ones are closed).
async fn accept_until_signal(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
) -> opskit::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let signals = |kind| {
        signal(kind).map_err(|e| {
            opskit::Error::new(opskit::ErrorKind::Io, format!("cannot handle signals: {e}"))
        })
    };
    let (mut term, mut int) = (
        signals(SignalKind::terminate())?,
        signals(SignalKind::interrupt())?,
    );
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_DEADLINE)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true)
        // `Content-Type`, as the hand-written server wrote it: header names
        // are case-insensitive, but some health checkers match them as text.
        .title_case_headers(true);
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors and the like: back off a little.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let open = Open::new(&state);
        let state = Arc::clone(&state);
        let conn = http.serve_connection(
            TokioIo::new(stream),
            service_fn(move |req| handle(req, Arc::clone(&state))),
        );
        let mut closing = closing.subscribe();
        connections.spawn(async move {
            // Counted until the task ends, however it ends.
            let _open = open;
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_DEADLINE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    Ok(())
}

/// One open connection, counted in [`State::connections`] while it lives.
struct Open(Arc<State>);

impl Open {
    fn new(state: &Arc<State>) -> Open {
        state.connections.fetch_add(1, Ordering::Relaxed);
        Open(Arc::clone(state))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

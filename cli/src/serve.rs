//! `opskit health serve`: `/metrics` (Prometheus text or OpenMetrics, by the
//! scraper's `Accept`) and `/health` (health+json: 200 for pass and warn,
//! 503 for fail or draining), for Prometheus and load balancers. One
//! collector and one rule evaluator live for the server's lifetime, so CPU
//! rates and `for` durations are real; a snapshot is reused for a second so
//! concurrent scrapes do not stampede. SIGTERM and SIGINT stop it cleanly.
//! With a `[pagerduty]` policy table, a thread evaluates every interval and
//! sends trigger and resolve events as checks change.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opskit::health::{self as h, Collector, Evaluator, Policy};

/// How many requests are served at once; more wait in the accept queue.
const MAX_IN_FLIGHT: usize = 32;
/// How long the accept loop waits before looking at the stop flag.
const STOP_CHECK: rustix::event::Timespec = rustix::event::Timespec {
    tv_sec: 0,
    tv_nsec: 200_000_000,
};

struct State {
    collector: Collector,
    rules: Evaluator,
    policy: Policy,
    last: Option<(Instant, h::HostSnapshot, Vec<h::CheckResult>)>,
    /// How long a snapshot (and its probes) is reused, so concurrent or
    /// rapid scrapes cannot stampede the probes.
    reuse: Duration,
}

impl State {
    fn current(&mut self) -> opskit::Result<(h::HostSnapshot, Vec<h::CheckResult>)> {
        if let Some((at, s, c)) = &self.last
            && at.elapsed() < self.reuse
        {
            return Ok((s.clone(), c.clone()));
        }
        let s = self.collector.snapshot()?;
        let mut checks = self.rules.evaluate(&s, s.time_seconds);
        checks.extend(h::run_probes(&self.policy.probes, self.policy.deadline())?);
        self.last = Some((Instant::now(), s.clone(), checks.clone()));
        Ok((s, checks))
    }
}

fn respond(stream: &mut TcpStream, code: u16, reason: &str, kind: &str, body: &str) {
    // One write of the whole answer: `write!` on the socket would send each
    // formatted piece as its own small segment.
    let answer = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: max-age=1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.set_nodelay(true);
    let _ = stream.write_all(answer.as_bytes());
}

fn handle(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.len() > 8192 {
        return;
    }
    let mut accept = String::new();
    let mut header = String::new();
    for _ in 0..100 {
        header.clear();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("accept")
        {
            accept = v.trim().to_string();
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" && method != "HEAD" {
        respond(
            &mut stream,
            405,
            "Method Not Allowed",
            "text/plain",
            "GET /metrics or /health\n",
        );
        return;
    }
    let path = target.split('?').next().unwrap_or("");
    if path != "/metrics" && path != "/health" {
        respond(
            &mut stream,
            404,
            "Not Found",
            "text/plain",
            "GET /metrics or /health\n",
        );
        return;
    }
    let current = match state.lock() {
        Ok(mut s) => {
            let draining = s.policy.maintenance.draining();
            s.current().map(|(snap, checks)| (snap, checks, draining))
        }
        Err(_) => return,
    };
    let (snap, checks, draining) = match current {
        Ok(v) => v,
        Err(e) => {
            respond(
                &mut stream,
                500,
                "Internal Server Error",
                "text/plain",
                &format!("{e}\n"),
            );
            return;
        }
    };
    if path == "/metrics" {
        let flavour = h::Exposition::from_accept(&accept);
        respond(
            &mut stream,
            200,
            "OK",
            flavour.content_type(),
            &h::exposition(&snap, &checks, flavour),
        );
    } else {
        let (doc, code) = h::health_json(&snap, &checks, draining);
        let reason = if code == 200 {
            "OK"
        } else {
            "Service Unavailable"
        };
        respond(
            &mut stream,
            code,
            reason,
            "application/health+json",
            &format!("{doc}\n"),
        );
    }
}

/// Every `interval`, evaluate (through the shared state, so `for` timers
/// are the scrapes' timers) and send the events the changes make; each
/// send retries with backoff on this thread, never on a scrape's.
fn page(state: &Mutex<State>, pd: &h::PagerDutyPolicy, key: String, stop: &AtomicBool) {
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
        let current = match state.lock() {
            Ok(mut s) => s.current(),
            Err(_) => return,
        };
        let (snap, checks) = match current {
            Ok(v) => v,
            Err(e) => {
                eprintln!("pagerduty: cannot evaluate: {e}");
                continue;
            }
        };
        let events = match tracker.events(&checks, &snap.host.hostname, snap.time_seconds, &options)
        {
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
pub(crate) fn serve(listen: &str, policy: Policy, reuse: Duration) -> opskit::Result<()> {
    let listener = TcpListener::bind(listen).map_err(|e| {
        opskit::Error::new(
            opskit::ErrorKind::Io,
            format!("cannot listen on {listen}: {e}; give a free address such as 127.0.0.1:9464"),
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| opskit::Error::new(opskit::ErrorKind::Io, e.to_string()))?;
    // Non-blocking, woken by poll(2): a scrape is accepted the moment it
    // arrives, and the stop flag is looked at every 200 ms.
    listener
        .set_nonblocking(true)
        .map_err(|e| opskit::Error::new(opskit::ErrorKind::Io, e.to_string()))?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).map_err(|e| {
            opskit::Error::new(opskit::ErrorKind::Io, format!("cannot handle signals: {e}"))
        })?;
    }
    // Read the routing key before listening: a missing key is a start-up error.
    let paging = match &policy.pagerduty {
        Some(pd) => Some((pd.clone(), pd.routing_key()?)),
        None => None,
    };
    let mut collector = Collector::new(policy.collector_options(false))?;
    collector.snapshot()?; // the next snapshot has rates
    let state = Arc::new(Mutex::new(State {
        collector,
        rules: Evaluator::new(policy.effective_rules())?,
        policy,
        last: None,
        reuse,
    }));
    println!("listening on http://{addr} (/metrics, /health)");
    let pager = paging.map(|(pd, key)| {
        println!(
            "sending PagerDuty events to {} every {} s",
            pd.send_options().url,
            pd.interval().as_secs_f64()
        );
        let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || page(&state, &pd, key, &stop))
    });
    let _ = std::io::stdout().flush();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if in_flight.load(Ordering::Acquire) >= MAX_IN_FLIGHT {
                    let mut s = stream;
                    respond(&mut s, 503, "Service Unavailable", "text/plain", "busy\n");
                    continue;
                }
                let _ = stream.set_nonblocking(false);
                in_flight.fetch_add(1, Ordering::AcqRel);
                let (state, in_flight) = (Arc::clone(&state), Arc::clone(&in_flight));
                workers.push(std::thread::spawn(move || {
                    handle(stream, &state);
                    in_flight.fetch_sub(1, Ordering::AcqRel);
                }));
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let mut fds = [rustix::event::PollFd::new(
                    &listener,
                    rustix::event::PollFlags::IN,
                )];
                // EINTR (a signal) and timeouts both lead back to the flag.
                let _ = rustix::event::poll(&mut fds, Some(&STOP_CHECK));
            }
            // Out of descriptors and the like: back off a little.
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    // Let requests in progress finish, then exit.
    for w in workers.into_iter().chain(pager) {
        let _ = w.join();
    }
    println!("stopped");
    Ok(())
}

//! A long-lived monitor for a server's `/metrics` and `/health`: a
//! background thread takes a snapshot and evaluates the rules every
//! `refresh`, another runs the probes every probe interval, and a request
//! reads the latest [`Observation`] — never waits for `/proc`, a mount or a
//! dependency. A probe that hangs costs its own round its deadline and
//! nothing else; each probe's result carries when it was observed, so the
//! exposition says how old it is.

use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use std::time::Duration;

use super::collect::{Collector, HostSnapshot};
use super::policy::Policy;
use super::probe::{Probe, run_probes};
use super::report::{Exposition, Names, write_exposition};
use super::rules::{CheckResult, Evaluator};
use crate::error::Result;

/// The latest snapshot with its checks (rules, then probes), and the
/// exposition rendered once per flavour, however many scrapers read it.
#[derive(Debug)]
pub struct Observation {
    /// The host and process snapshot (shared with the next observation
    /// when only the probes changed).
    pub snapshot: Arc<HostSnapshot>,
    /// The rules' checks on `snapshot`, then each probe's latest result.
    pub checks: Vec<CheckResult>,
    /// Each probe's name and when its latest result was observed (seconds
    /// since the epoch); `None` until its first round ends.
    pub probe_times: Vec<(String, Option<f64>)>,
    /// Why the latest refresh failed, when it did (`snapshot` is then the
    /// last good one).
    pub error: Option<String>,
    /// The names the exposition uses (the policy's `names`).
    pub names: Names,
    text: OnceLock<String>,
    openmetrics: OnceLock<String>,
}

impl Observation {
    /// The exposition of this observation in `flavour`, with each probe's
    /// `opskit_probe_timestamp_seconds`; rendered on first use and kept.
    pub fn exposition(&self, flavour: Exposition) -> &str {
        let cell = match flavour {
            Exposition::Text => &self.text,
            Exposition::OpenMetrics => &self.openmetrics,
        };
        cell.get_or_init(|| {
            write_exposition(
                &self.snapshot,
                &self.checks,
                &self.probe_times,
                flavour,
                self.names,
                "",
            )
        })
    }

    /// Seconds since the snapshot was taken (the HTTP `Age` of an answer).
    pub fn age_seconds(&self) -> f64 {
        (crate::time::now_seconds() - self.snapshot.time_seconds).max(0.0)
    }
}

/// Each probe's result while it has none: unknown, with `why`, and no time.
fn not_run(probes: &[Probe], why: &str) -> Vec<(CheckResult, Option<f64>)> {
    probes
        .iter()
        .map(|p| {
            let c = CheckResult {
                probe: Some(p.kind.type_name().into()),
                ..CheckResult::unknown(p.name.clone(), "s", why.to_string())
            };
            (c, None)
        })
        .collect()
}

/// What the two background threads share.
#[derive(Debug)]
struct Shared {
    names: Names,
    engine: Mutex<Engine>,
    probes: Mutex<ProbeRound>,
    latest: RwLock<Arc<Observation>>,
    stop: Mutex<bool>,
    wake: Condvar,
}

/// The collector and the rules' timers; one refresh at a time holds them.
#[derive(Debug)]
struct Engine {
    collector: Collector,
    rules: Evaluator,
    snapshot: Arc<HostSnapshot>,
    checks: Vec<CheckResult>,
    error: Option<String>,
}

/// The probes' latest round: each probe's result and when it was observed.
#[derive(Debug, Default)]
struct ProbeRound {
    results: Vec<(CheckResult, Option<f64>)>,
}

impl Shared {
    /// Publish an observation from the engine's latest snapshot and checks
    /// and the probes' latest round.
    fn publish(&self, engine: &Engine) -> Arc<Observation> {
        let round = self.probes.lock().unwrap_or_else(|e| e.into_inner());
        let mut checks = engine.checks.clone();
        let mut probe_times = Vec::with_capacity(round.results.len());
        for (c, at) in &round.results {
            checks.push(c.clone());
            probe_times.push((c.name.clone(), *at));
        }
        if let Some(e) = &engine.error {
            checks.push(CheckResult::unknown(
                "snapshot",
                "",
                format!("the latest snapshot failed ({e}); the last good one is shown"),
            ));
        }
        let o = Arc::new(Observation {
            snapshot: Arc::clone(&engine.snapshot),
            checks,
            probe_times,
            error: engine.error.clone(),
            names: self.names,
            text: OnceLock::new(),
            openmetrics: OnceLock::new(),
        });
        *self.latest.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&o);
        o
    }

    /// Take a snapshot, evaluate the rules and publish.
    fn refresh(&self) -> Arc<Observation> {
        let mut engine = self.engine.lock().unwrap_or_else(|e| e.into_inner());
        let engine = &mut *engine;
        match engine.collector.snapshot() {
            Ok(s) => {
                engine.checks = engine.rules.evaluate(&s, s.time_seconds);
                engine.snapshot = Arc::new(s);
                engine.error = None;
            }
            Err(e) => engine.error = Some(e.to_string()),
        }
        self.publish(engine)
    }

    /// Sleep for `d` unless the monitor stops first; true when it stopped.
    fn sleep(&self, d: Duration) -> bool {
        let stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        let (stop, _) = self
            .wake
            .wait_timeout_while(stop, d, |s| !*s)
            .unwrap_or_else(|e| e.into_inner());
        *stop
    }

    fn stopped(&self) -> bool {
        *self.stop.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A health monitor for a long-lived server: see the module docs. Dropping
/// it stops its threads (a probe round in progress ends by its deadline).
#[derive(Debug)]
pub struct Monitor {
    shared: Arc<Shared>,
    refresh: Duration,
    refresher: Option<std::thread::JoinHandle<()>>,
}

impl Monitor {
    /// Start monitoring as `policy` says, taking a snapshot every `refresh`
    /// (zero: on demand, in every [`Monitor::latest`] call). The first
    /// snapshot is taken before this returns, so errors such as a missing
    /// `/proc` surface here; the probes' first round runs in the background
    /// (until it ends each probe is `unknown`, "not run yet").
    pub fn start(policy: &Policy, refresh: Duration) -> Result<Monitor> {
        let mut collector = Collector::new(policy.collector_options(false))?;
        let mut rules = Evaluator::new(policy.effective_rules())?;
        let snapshot = collector.snapshot()?;
        let checks = rules.evaluate(&snapshot, snapshot.time_seconds);
        let waiting = not_run(
            &policy.probes,
            "not run yet: the first round of probes is under way",
        );
        let engine = Engine {
            collector,
            rules,
            snapshot: Arc::new(snapshot),
            checks,
            error: None,
        };
        let shared = Arc::new(Shared {
            names: policy.names,
            latest: RwLock::new(Arc::new(Observation {
                snapshot: Arc::clone(&engine.snapshot),
                checks: Vec::new(),
                probe_times: Vec::new(),
                error: None,
                names: policy.names,
                text: OnceLock::new(),
                openmetrics: OnceLock::new(),
            })),
            probes: Mutex::new(ProbeRound { results: waiting }),
            engine: Mutex::new(engine),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        shared.publish(&shared.engine.lock().unwrap_or_else(|e| e.into_inner()));
        let spawn = |name: &str, body: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(body)
                .map_err(|e| {
                    crate::Error::new(
                        crate::ErrorKind::Io,
                        format!("cannot start the {name} thread: {e}"),
                    )
                })
        };
        if !policy.probes.is_empty() {
            let (s, probes) = (Arc::clone(&shared), policy.probes.clone());
            let (every, deadline) = (policy.probe_interval(), policy.deadline());
            // Detached: a round in progress when the monitor stops ends by
            // its deadline and then sees the stop.
            spawn(
                "opskit-probes",
                Box::new(move || {
                    loop {
                        let started = std::time::Instant::now();
                        let at = || Some(crate::time::now_seconds());
                        let results: Vec<(CheckResult, Option<f64>)> =
                            match run_probes(&probes, deadline) {
                                Ok(r) => r.into_iter().map(|c| (c, at())).collect(),
                                // A round that could not run (no thread to
                                // spare): each probe says so, none vanishes.
                                Err(e) => {
                                    not_run(&probes, &format!("the probes could not run: {e}"))
                                }
                            };
                        s.probes.lock().unwrap_or_else(|e| e.into_inner()).results = results;
                        if s.stopped() {
                            return;
                        }
                        s.publish(&s.engine.lock().unwrap_or_else(|e| e.into_inner()));
                        if s.sleep(every.saturating_sub(started.elapsed())) {
                            return;
                        }
                    }
                }),
            )?;
        }
        let refresher = if refresh.is_zero() {
            None
        } else {
            let s = Arc::clone(&shared);
            Some(spawn(
                "opskit-refresh",
                Box::new(move || {
                    while !s.sleep(refresh) {
                        s.refresh();
                    }
                }),
            )?)
        };
        Ok(Monitor {
            shared,
            refresh,
            refresher,
        })
    }

    /// The latest observation: the one the background thread last
    /// published, or a fresh one when `refresh` is zero.
    pub fn latest(&self) -> Arc<Observation> {
        if self.refresh.is_zero() {
            return self.shared.refresh();
        }
        Arc::clone(&self.shared.latest.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        *self.shared.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.refresher.take() {
            let _ = t.join();
        }
    }
}

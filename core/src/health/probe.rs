//! Probes: TCP connect, HTTP(S) GET, a process running, a file fresh enough.
//! They run concurrently under one total deadline; a probe still running at
//! the deadline fails with "timed out", and nothing waits past it.

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::rules::{CheckResult, Status};
use crate::error::{Error, Result};
pub use crate::limits::{MAX_BODY_BYTES, MAX_PROBES};

/// What a probe checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all_fields = "camelCase"))]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProbeKind {
    /// A TCP connection to `host:port` succeeds.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// An HTTP(S) GET answers with the expected status (default any 2xx)
    /// and, optionally, a body containing a substring.
    Http {
        /// The URL.
        url: String,
        /// The status expected (default: any 2xx).
        #[serde(default)]
        status: Option<u16>,
        /// A substring the body must contain.
        #[serde(default)]
        body_contains: Option<String>,
    },
    /// At least `min_count` processes whose name (or command line) matches.
    Process {
        /// The process name (`/proc/<pid>/comm`, 15 characters at most on
        /// Linux); `process`, as the probe's own `name` is its check's name.
        #[serde(default)]
        process: Option<String>,
        /// A substring of the command line.
        #[serde(default)]
        cmdline_contains: Option<String>,
        /// How many must run (default 1).
        #[serde(default = "one")]
        min_count: u32,
    },
    /// A file exists and was modified within `max_age` (e.g. the last
    /// backup's manifest younger than `26h`).
    File {
        /// The file.
        path: String,
        /// The age it must not exceed, e.g. `26h`.
        max_age: String,
    },
}

impl ProbeKind {
    /// The `type` a policy gives it: `tcp`, `http`, `process` or `file`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ProbeKind::Tcp { .. } => "tcp",
            ProbeKind::Http { .. } => "http",
            ProbeKind::Process { .. } => "process",
            ProbeKind::File { .. } => "file",
        }
    }
}

fn one() -> u32 {
    1
}

/// One probe: a name, what it checks, and its own timeout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Probe {
    /// The check's name (`[a-z0-9_]`).
    pub name: String,
    /// What it checks.
    #[serde(flatten)]
    pub kind: ProbeKind,
    /// Its timeout, e.g. `5s` (default 5 s, and never past the run's deadline).
    #[serde(default)]
    pub timeout: Option<String>,
}

impl Probe {
    /// Check the probe's fields.
    pub fn validate(&self) -> Result<()> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(Error::invalid(format!(
                "probe name {:?} must be 1-64 characters of a-z, 0-9 and _",
                self.name
            )));
        }
        if let Some(t) = &self.timeout {
            crate::time::parse_duration(t, crate::time::Zero::Refused).map_err(|e| {
                Error::invalid(format!("probe {}: timeout {}", self.name, e.message()))
            })?;
        }
        match &self.kind {
            ProbeKind::Tcp { host, port } if host.trim().is_empty() || *port == 0 => {
                Err(Error::invalid(format!(
                    "probe {}: a tcp probe needs a host and a port above 0",
                    self.name
                )))
            }
            ProbeKind::Http { url, .. }
                if !(url.starts_with("http://") || url.starts_with("https://")) =>
            {
                Err(Error::invalid(format!(
                    "probe {}: url {url:?} must start with http:// or https://",
                    self.name
                )))
            }
            ProbeKind::Process {
                process: None,
                cmdline_contains: None,
                ..
            } => Err(Error::invalid(format!(
                "probe {}: a process probe needs `process` (its name) or `cmdline_contains`",
                self.name
            ))),
            ProbeKind::File { max_age, .. } => {
                crate::time::parse_duration(max_age, crate::time::Zero::Refused)
                    .map(|_| ())
                    .map_err(|e| {
                        Error::invalid(format!("probe {}: max_age {}", self.name, e.message()))
                    })
            }
            _ => Ok(()),
        }
    }
}

/// What one probe found: pass or fail, its value (latency, HTTP status,
/// process count or file age) and why.
fn outcome(p: &Probe, ok: bool, value: Option<f64>, unit: &str, output: String) -> CheckResult {
    CheckResult {
        name: p.name.clone(),
        probe: Some(p.kind.type_name().to_string()),
        status: if ok { Status::Pass } else { Status::Fail },
        value,
        unit: unit.to_string(),
        threshold: None,
        since: None,
        output,
    }
}

fn run_one(p: &Probe, timeout: Duration) -> CheckResult {
    let started = Instant::now();
    let secs = || started.elapsed().as_secs_f64();
    match &p.kind {
        ProbeKind::Tcp { host, port } => {
            let addrs = match (host.as_str(), *port).to_socket_addrs() {
                Ok(a) => a.collect::<Vec<_>>(),
                Err(e) => {
                    return outcome(p, false, None, "s", format!("cannot resolve {host}: {e}"));
                }
            };
            let mut last = String::from("no address");
            for a in addrs {
                let left = timeout.saturating_sub(started.elapsed());
                if left.is_zero() {
                    break;
                }
                match TcpStream::connect_timeout(&a, left) {
                    Ok(_) => {
                        return outcome(
                            p,
                            true,
                            Some(secs()),
                            "s",
                            format!("connected to {a} in {:.3}s", secs()),
                        );
                    }
                    // The address only when it says more than host:port does.
                    Err(e) if a.to_string() == format!("{host}:{port}") => last = e.to_string(),
                    Err(e) => last = format!("{a}: {e}"),
                }
            }
            outcome(
                p,
                false,
                Some(secs()),
                "s",
                format!("cannot connect to {host}:{port}: {last}"),
            )
        }
        ProbeKind::Http {
            url,
            status,
            body_contains,
        } => {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .build()
                .into();
            match agent.get(url).call() {
                Ok(mut resp) => {
                    let code = resp.status().as_u16();
                    let code_ok = status.map_or((200..300).contains(&code), |s| s == code);
                    let mut body_ok = true;
                    let mut why = format!("HTTP {code} in {:.3}s", secs());
                    if let Some(needle) = body_contains {
                        let mut body = Vec::new();
                        let read = resp
                            .body_mut()
                            .as_reader()
                            .take(MAX_BODY_BYTES)
                            .read_to_end(&mut body);
                        body_ok = read.is_ok()
                            && String::from_utf8_lossy(&body).contains(needle.as_str());
                        if !body_ok {
                            why = format!(
                                "{why}; the body (first {} bytes) lacks {needle:?}",
                                body.len()
                            );
                        }
                    }
                    if !code_ok {
                        why = format!(
                            "{why}; expected {}",
                            status.map_or("2xx".to_string(), |s| s.to_string())
                        );
                    }
                    outcome(p, code_ok && body_ok, Some(secs()), "s", why)
                }
                Err(e) => outcome(
                    p,
                    false,
                    Some(secs()),
                    "s",
                    format!("GET {url} failed: {e}"),
                ),
            }
        }
        ProbeKind::Process {
            process,
            cmdline_contains,
            min_count,
        } => {
            let mut count = 0u32;
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for e in dir.flatten() {
                    let fname = e.file_name();
                    let Some(pid) = fname
                        .to_str()
                        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                    else {
                        continue;
                    };
                    let base = Path::new("/proc").join(pid);
                    let name_ok = process.as_ref().is_none_or(|n| {
                        std::fs::read_to_string(base.join("comm"))
                            .is_ok_and(|c| c.trim_end() == n.as_str())
                    });
                    let cmd_ok = cmdline_contains.as_ref().is_none_or(|needle| {
                        std::fs::read(base.join("cmdline")).is_ok_and(|c| {
                            String::from_utf8_lossy(&c)
                                .replace('\0', " ")
                                .contains(needle.as_str())
                        })
                    });
                    if name_ok && cmd_ok {
                        count += 1;
                    }
                }
            }
            outcome(
                p,
                count >= *min_count,
                Some(f64::from(count)),
                "processes",
                format!("{count} matching process(es), at least {min_count} wanted"),
            )
        }
        ProbeKind::File { path, max_age } => {
            let max =
                crate::time::parse_duration(max_age, crate::time::Zero::Refused).unwrap_or(0.0);
            match std::fs::metadata(path).and_then(|m| m.modified()) {
                Ok(t) => {
                    let age = SystemTime::now()
                        .duration_since(t)
                        .map_or(0.0, |d| d.as_secs_f64());
                    outcome(
                        p,
                        age <= max,
                        Some(age),
                        "s",
                        format!("{path} is {:.0}s old, at most {max:.0}s allowed", age),
                    )
                }
                Err(e) => outcome(p, false, None, "s", format!("{path}: {e}")),
            }
        }
    }
}

/// How long a run of probes may take when no deadline is given: 10 s,
/// well inside a load balancer's usual health-check interval.
pub const DEFAULT_PROBE_DEADLINE: Duration = Duration::from_secs(10);

/// How often a long-lived server runs the probes when the policy does not
/// say: 5 s, so a load balancer polling every few seconds sees a change
/// within one poll or two.
pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(5);

/// A run's deadline from seconds as the bindings take it: positive and
/// finite, or an invalid-input error naming it; `None` is
/// [`DEFAULT_PROBE_DEADLINE`].
pub fn probe_deadline(seconds: Option<f64>) -> Result<Duration> {
    let Some(seconds) = seconds else {
        return Ok(DEFAULT_PROBE_DEADLINE);
    };
    if seconds.is_finite() && seconds > 0.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(Error::invalid(format!(
            "deadline {seconds} s: give a positive number of seconds, e.g. 10"
        )))
    }
}

/// Run `probes` concurrently; every result is in by `deadline` (a probe
/// still running then fails with "timed out"). Results come in the probes'
/// order.
pub fn run_probes(probes: &[Probe], deadline: Duration) -> Result<Vec<CheckResult>> {
    if probes.len() > MAX_PROBES {
        return Err(Error::invalid(format!(
            "{} probes in one run; at most {MAX_PROBES}",
            probes.len()
        )));
    }
    for p in probes {
        p.validate()?;
    }
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    for (i, p) in probes.iter().enumerate() {
        let own = p
            .timeout
            .as_deref()
            .and_then(|t| crate::time::parse_duration(t, crate::time::Zero::Refused).ok())
            .map_or(Duration::from_secs(5), Duration::from_secs_f64)
            .min(deadline);
        let p = p.clone();
        let tx = tx.clone();
        // Detached: a probe stuck in a resolver call cannot hold up the run.
        std::thread::Builder::new()
            .name(format!("opskit-probe-{i}"))
            .spawn(move || {
                let _ = tx.send((i, run_one(&p, own)));
            })
            .map_err(|e| {
                Error::new(
                    crate::ErrorKind::Io,
                    format!("cannot start a probe thread: {e}"),
                )
            })?;
    }
    drop(tx);
    let mut results: Vec<Option<CheckResult>> = vec![None; probes.len()];
    let mut left = probes.len();
    while left > 0 {
        let wait = deadline.saturating_sub(started.elapsed());
        match rx.recv_timeout(wait) {
            Ok((i, r)) => {
                results[i] = Some(r);
                left -= 1;
            }
            Err(_) => break,
        }
    }
    Ok(results
        .into_iter()
        .zip(probes)
        .map(|(r, p)| {
            r.unwrap_or_else(|| {
                outcome(
                    p,
                    false,
                    None,
                    "s",
                    format!(
                        "timed out: no answer within the deadline of {:.1}s",
                        deadline.as_secs_f64()
                    ),
                )
            })
        })
        .collect())
}

//! External links, checked only when asked: each unique `http(s)` URL once,
//! a bounded number of hosts at a time and one request at a time per host
//! (with a pause between them), `HEAD` then `GET` when a server refuses
//! `HEAD`, a timeout, and a cache file so a daily CI run does not ask the
//! same servers again.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How external links are checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct ExternalOptions {
    /// Hosts checked at once (default 8).
    pub concurrency: usize,
    /// Each request's timeout in seconds (default 10).
    pub timeout_seconds: f64,
    /// The pause between two requests to one host, in seconds (default 0.2).
    pub per_host_delay_seconds: f64,
    /// A JSON file of earlier answers, read and written (none by default).
    pub cache_file: Option<String>,
    /// How long a cached answer holds, in seconds (default one day).
    pub cache_max_age_seconds: f64,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions {
            concurrency: 8,
            timeout_seconds: 10.0,
            per_host_delay_seconds: 0.2,
            cache_file: None,
            cache_max_age_seconds: 86_400.0,
        }
    }
}

/// One URL's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Answer {
    /// The final HTTP status, when there was one.
    pub(crate) status: Option<u16>,
    /// Why it failed, when it did (`None`: it works).
    pub(crate) error: Option<String>,
    /// When it was asked, seconds since the Unix epoch.
    pub(crate) checked: f64,
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn host_of(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|r| r.split(['/', '?', '#']).next())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn ask(agent: &ureq::Agent, url: &str) -> Answer {
    let attempt = |head: bool| {
        let r = if head {
            agent.head(url).call()
        } else {
            agent.get(url).call()
        };
        r.map(|resp| resp.status().as_u16())
    };
    let result = match attempt(true) {
        // Servers that refuse HEAD (405, 501) or mishandle it (404/403 on HEAD only).
        Ok(403 | 404 | 405 | 501) => attempt(false),
        other => other,
    };
    match result {
        Ok(s) if s < 400 => Answer {
            status: Some(s),
            error: None,
            checked: now(),
        },
        Ok(s) => Answer {
            status: Some(s),
            error: Some(format!("answered HTTP {s}")),
            checked: now(),
        },
        Err(e) => Answer {
            status: None,
            error: Some(match e {
                ureq::Error::Timeout(_) => "did not answer in time".to_string(),
                other => other.to_string(),
            }),
            checked: now(),
        },
    }
}

/// Check `urls` (unique, `http(s)` only), using and refreshing the cache.
pub(crate) fn check(urls: &[String], o: &ExternalOptions) -> Result<HashMap<String, Answer>> {
    let valid = o.concurrency > 0
        && o.timeout_seconds.is_finite()
        && o.timeout_seconds > 0.0
        && o.per_host_delay_seconds.is_finite()
        && o.per_host_delay_seconds >= 0.0;
    if !valid {
        return Err(Error::invalid(
            "external: concurrency must be at least 1, the timeout positive and the delay not negative",
        ));
    }
    let mut cache: BTreeMap<String, Answer> = match &o.cache_file {
        Some(f) if Path::new(f).exists() => {
            let text = crate::fsutil::read_text_capped(
                Path::new(f),
                crate::limits::MAX_DATA_BYTES,
                "link cache",
            )?;
            serde_json::from_str(&text).map_err(|e| {
                Error::invalid(format!("{f} is not an opskit link cache ({e}): delete it"))
            })?
        }
        _ => BTreeMap::new(),
    };
    let fresh = |a: &Answer| now() - a.checked < o.cache_max_age_seconds;
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for u in urls {
        if !cache.get(u).is_some_and(fresh) {
            by_host.entry(host_of(u)).or_default().push(u.clone());
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs_f64(o.timeout_seconds)))
        .http_status_as_error(false)
        .user_agent(format!("opskit-docs-audit/{}", crate::VERSION))
        .build()
        .into();
    let queue = Mutex::new(by_host.into_values().collect::<Vec<_>>());
    let answers = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..o.concurrency {
            s.spawn(|| {
                loop {
                    let Some(host_urls) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop()
                    else {
                        break;
                    };
                    for (i, u) in host_urls.iter().enumerate() {
                        if i > 0 {
                            std::thread::sleep(Duration::from_secs_f64(o.per_host_delay_seconds));
                        }
                        let a = ask(&agent, u);
                        answers
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((u.clone(), a));
                    }
                }
            });
        }
    });
    for (u, a) in answers.into_inner().unwrap_or_default() {
        cache.insert(u, a);
    }
    if let Some(f) = &o.cache_file {
        let text =
            serde_json::to_string_pretty(&cache).map_err(|e| Error::invalid(e.to_string()))?;
        crate::fsutil::write_atomic(Path::new(f), text.as_bytes())?;
    }
    Ok(urls
        .iter()
        .filter_map(|u| cache.get(u).map(|a| (u.clone(), a.clone())))
        .collect())
}

//! Availability maths from a history of check results: uptime over a
//! window, downtime, incidents, mean time to recovery, the error budget
//! left against an SLO, and whether multi-window burn-rate alerts (the SRE
//! workbook's) would fire now.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::slo::{BURN_ALERTS, BurnAlert};

/// One observation: at `time` (seconds since the epoch) the check was up or down.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Sample {
    /// When, seconds since the epoch.
    pub time: f64,
    /// Up (pass or warn) or down (fail).
    pub up: bool,
}

/// Options of [`availability`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct AvailabilityOptions {
    /// The SLO in percent, e.g. 99.96.
    pub slo_percent: f64,
    /// The window's start (default: the first sample).
    pub start: Option<f64>,
    /// The window's end, "now" (default: the last sample).
    pub end: Option<f64>,
    /// A sample's state holds at most this long; past it the time is unknown
    /// and counted neither up nor down (default 300 s).
    pub max_gap_seconds: f64,
}

impl Default for AvailabilityOptions {
    fn default() -> Self {
        AvailabilityOptions {
            slo_percent: 99.9,
            start: None,
            end: None,
            max_gap_seconds: 300.0,
        }
    }
}

/// One outage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Incident {
    /// When it started.
    pub start: f64,
    /// When it ended (`None`: still down at the window's end).
    pub end: Option<f64>,
    /// Down seconds within the window.
    pub down_seconds: f64,
}

/// Availability over a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Availability {
    /// The window, seconds.
    pub window_seconds: f64,
    /// Seconds observed up.
    pub up_seconds: f64,
    /// Seconds observed down.
    pub down_seconds: f64,
    /// Seconds without data (gaps past `max_gap_seconds`, before the first sample).
    pub unknown_seconds: f64,
    /// `up / (up + down)` in percent; `None` with no data.
    pub uptime_percent: Option<f64>,
    /// The outages, oldest first.
    pub incidents: Vec<Incident>,
    /// Mean down time of the incidents that ended; `None` when none did.
    pub mttr_seconds: Option<f64>,
    /// The SLO in percent.
    pub slo_percent: f64,
    /// Down time the SLO allows over the observed time.
    pub error_budget_seconds: f64,
    /// What is left of it (negative when overspent).
    pub error_budget_remaining_seconds: f64,
    /// The same as a share of the budget, in percent.
    pub error_budget_remaining_percent: Option<f64>,
    /// The SLO is met over the window.
    pub slo_met: Option<bool>,
    /// The SRE workbook's multi-window burn-rate alerts, evaluated at the window's end.
    pub burn_alerts: Vec<BurnAlert>,
}

/// (up, down) seconds between `from` and `to`, from sorted samples.
fn tally(samples: &[Sample], from: f64, to: f64, max_gap: f64) -> (f64, f64) {
    let (mut up, mut down) = (0.0, 0.0);
    for (i, s) in samples.iter().enumerate() {
        let next = samples.get(i + 1).map_or(f64::INFINITY, |n| n.time);
        let held_to = next.min(s.time + max_gap);
        let a = s.time.max(from);
        let b = held_to.min(to);
        if b > a {
            if s.up {
                up += b - a;
            } else {
                down += b - a;
            }
        }
    }
    (up, down)
}

/// Compute availability from `samples` (any order) with `options`.
pub fn availability(samples: &[Sample], options: &AvailabilityOptions) -> Result<Availability> {
    let slo = options.slo_percent;
    if !(slo > 0.0 && slo < 100.0) {
        return Err(Error::invalid(format!(
            "SLO {slo} must be a percentage above 0 and below 100, e.g. 99.96"
        )));
    }
    if options.max_gap_seconds.is_nan() || options.max_gap_seconds <= 0.0 {
        return Err(Error::invalid("max_gap_seconds must be positive"));
    }
    if samples.iter().any(|s| !s.time.is_finite()) {
        return Err(Error::invalid("a sample time is not a finite number"));
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time));
    let start = options
        .start
        .or(sorted.first().map(|s| s.time))
        .unwrap_or(0.0);
    let end = options
        .end
        .or(sorted.last().map(|s| s.time))
        .unwrap_or(start);
    if end < start {
        return Err(Error::invalid(format!(
            "the window ends ({end}) before it starts ({start})"
        )));
    }
    let gap = options.max_gap_seconds;
    let (up, down) = tally(&sorted, start, end, gap);
    let window = end - start;
    let observed = up + down;
    // Incidents: runs of down samples, clipped to the window.
    let mut incidents: Vec<Incident> = Vec::new();
    let mut open: Option<f64> = None;
    for s in &sorted {
        match (s.up, open) {
            (false, None) => open = Some(s.time),
            (true, Some(t)) => {
                let (_, d) = tally(&sorted, t.max(start), s.time.min(end), gap);
                if s.time > start && t < end {
                    incidents.push(Incident {
                        start: t,
                        end: Some(s.time),
                        down_seconds: d,
                    });
                }
                open = None;
            }
            _ => {}
        }
    }
    if let Some(t) = open.filter(|t| *t < end) {
        let (_, d) = tally(&sorted, t.max(start), end, gap);
        incidents.push(Incident {
            start: t,
            end: None,
            down_seconds: d,
        });
    }
    let ended: Vec<f64> = incidents
        .iter()
        .filter(|i| i.end.is_some())
        .map(|i| i.down_seconds)
        .collect();
    // (100 - slo) / 100 rather than 1 - slo / 100: exact for the usual
    // SLOs (99, 99.9 → 0.01, 0.001 as near as a double gets), so a 99 % SLO
    // over 6000 s allows 60 s, not 60.00000000000006.
    let allowed = (100.0 - slo) / 100.0;
    let budget = allowed * observed;
    let ratio = |from: f64| {
        let (u, d) = tally(&sorted, from, end, gap);
        // d / (u + d) / allowed, arranged to round once: 3 minutes down in
        // 100 against 99 % burns at exactly 3, which a 3x alert must catch.
        (u + d > 0.0).then(|| (100.0 * d) / ((u + d) * (100.0 - slo)))
    };
    let alert = |severity: &str, long: f64, short: f64, threshold: f64| {
        let (l, s) = (ratio(end - long), ratio(end - short));
        BurnAlert {
            severity: severity.into(),
            long_window_seconds: long,
            short_window_seconds: short,
            threshold,
            long_burn_rate: l,
            short_burn_rate: s,
            fires: l.is_some_and(|x| x >= threshold) && s.is_some_and(|x| x >= threshold),
        }
    };
    Ok(Availability {
        window_seconds: window,
        up_seconds: up,
        down_seconds: down,
        unknown_seconds: (window - observed).max(0.0),
        uptime_percent: (observed > 0.0).then(|| 100.0 * up / observed),
        mttr_seconds: (!ended.is_empty()).then(|| ended.iter().sum::<f64>() / ended.len() as f64),
        incidents,
        slo_percent: slo,
        error_budget_seconds: budget,
        error_budget_remaining_seconds: budget - down,
        error_budget_remaining_percent: (budget > 0.0).then(|| 100.0 * (budget - down) / budget),
        slo_met: (observed > 0.0).then(|| 100.0 * up / observed >= slo),
        burn_alerts: BURN_ALERTS
            .iter()
            .map(|&(severity, long, short, threshold)| alert(severity, long, short, threshold))
            .collect(),
    })
}

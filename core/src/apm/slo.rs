//! SLOs evaluated in-process on the requests a service records: minute
//! counts for the alert windows and hour counts for the SLO window, in
//! rings, so memory is fixed however long the service runs. What an SLO
//! is, its state and its rules are the shared `slo` module's.

use std::sync::Mutex;

use crate::error::Result;
use crate::exposition::{Exposition, Writer};
use crate::slo::{Slo, SloPolicy, SloState};

/// Counts in time buckets of `width` seconds, `len` of them, in a ring.
struct Ring {
    width: f64,
    slots: Vec<(i64, u64, u64)>,
}

impl Ring {
    fn new(width: f64, len: usize) -> Ring {
        Ring {
            width,
            slots: vec![(i64::MIN, 0, 0); len],
        }
    }

    fn add(&mut self, at: f64, good: bool) {
        let n = (at / self.width).floor() as i64;
        let len = self.slots.len() as i64;
        let slot = &mut self.slots[n.rem_euclid(len) as usize];
        if slot.0 != n {
            *slot = (n, 0, 0);
        }
        slot.1 += u64::from(good);
        slot.2 += 1;
    }

    /// (good, total) of the buckets within `window` seconds up to `now`.
    fn sum(&self, now: f64, window: f64) -> (u64, u64) {
        let last = (now / self.width).floor() as i64;
        let first = last - (window / self.width).ceil() as i64 + 1;
        self.slots
            .iter()
            .filter(|s| s.0 >= first && s.0 <= last)
            .fold((0, 0), |(g, t), s| (g + s.1, t + s.2))
    }
}

struct Tracked {
    slo: Slo,
    window: f64,
    minutes: Ring,
    hours: Ring,
}

/// SLOs evaluated in-process from the requests a service records.
pub struct SloTracker {
    tracked: Mutex<Vec<Tracked>>,
}

impl std::fmt::Debug for SloTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SloTracker").finish_non_exhaustive()
    }
}

impl SloTracker {
    /// A tracker of `policy`'s SLOs (checked first).
    pub fn new(policy: &SloPolicy) -> Result<SloTracker> {
        policy.validate()?;
        let tracked = policy
            .slo
            .iter()
            .map(|s| {
                let window = s.window_seconds()?;
                Ok(Tracked {
                    slo: s.clone(),
                    window,
                    // Minutes for the alert windows (3 days), hours for the SLO window.
                    minutes: Ring::new(60.0, 3 * 24 * 60 + 1),
                    hours: Ring::new(3_600.0, (window / 3_600.0).ceil() as usize + 1),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SloTracker {
            tracked: Mutex::new(tracked),
        })
    }

    /// Record one request: its route template, status and duration, at
    /// `at` (seconds since the epoch).
    pub fn record(&self, route: &str, status: u16, seconds: f64, at: f64) {
        let mut tracked = self.tracked.lock().unwrap_or_else(|p| p.into_inner());
        for t in tracked.iter_mut() {
            if let Some(good) = t.slo.judge(route, status, seconds) {
                t.minutes.add(at, good);
                t.hours.add(at, good);
            }
        }
    }

    /// [`SloTracker::record`] at the current time.
    pub fn record_now(&self, route: &str, status: u16, seconds: f64) {
        self.record(route, status, seconds, crate::time::now_seconds());
    }

    /// [`SloTracker::record`] at `at` (seconds since the epoch; `None`: now).
    pub fn record_at(&self, route: &str, status: u16, seconds: f64, at: Option<f64>) {
        self.record(
            route,
            status,
            seconds,
            at.unwrap_or_else(crate::time::now_seconds),
        );
    }

    /// Every SLO's state at `now` (seconds since the epoch; `None`: now).
    pub fn evaluate_at(&self, now: Option<f64>) -> Vec<SloState> {
        self.evaluate(now.unwrap_or_else(crate::time::now_seconds))
    }

    /// Every SLO's state at `now`.
    pub fn evaluate(&self, now: f64) -> Vec<SloState> {
        let tracked = self.tracked.lock().unwrap_or_else(|p| p.into_inner());
        tracked
            .iter()
            .map(|t| {
                crate::slo::state(
                    &t.slo,
                    t.window,
                    |w| t.minutes.sum(now, w),
                    t.hours.sum(now, t.window),
                )
            })
            .collect()
    }

    /// The states as series (`opskit_slo_*`), without OpenMetrics' `# EOF`.
    pub fn render_into(&self, now: f64, flavour: Exposition, out: &mut String) {
        let states = self.evaluate(now);
        let mut w = Writer::new(flavour);
        let gauge =
            |w: &mut Writer, name: &str, help: &str, f: &dyn Fn(&SloState) -> Option<f64>| {
                w.family(name, "gauge", help);
                for s in &states {
                    if let Some(v) = f(s) {
                        w.sample(name, &[("slo", &s.name)], v);
                    }
                }
            };
        gauge(
            &mut w,
            "opskit_slo_objective_ratio",
            "The SLO's objective.",
            &|s| Some(s.objective_percent / 100.0),
        );
        gauge(
            &mut w,
            "opskit_slo_sli_ratio",
            "Good requests over all in the SLO window.",
            &|s| s.sli_percent.map(|p| p / 100.0),
        );
        gauge(
            &mut w,
            "opskit_slo_error_budget_remaining_ratio",
            "The error budget left in the SLO window (negative when overspent).",
            &|s| s.error_budget_remaining_percent.map(|p| p / 100.0),
        );
        w.family(
            "opskit_slo_alert_firing",
            "gauge",
            "1 when the SLO's burn-rate alert of this severity fires.",
        );
        for s in &states {
            for sev in ["page", "ticket"] {
                let fires = s.alerts.iter().any(|a| a.severity == sev && a.fires);
                w.sample(
                    "opskit_slo_alert_firing",
                    &[("slo", &s.name), ("severity", sev)],
                    f64::from(u8::from(fires)),
                );
            }
        }
        out.push_str(&w.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_forgets_what_left_its_window() {
        let mut r = Ring::new(60.0, 10);
        r.add(0.0, true);
        r.add(59.0, false);
        r.add(600.0, true); // ten minutes on: the slot of minute 0 again
        assert_eq!(r.sum(600.0, 600.0), (1, 1));
        assert_eq!(r.sum(659.0, 60.0), (1, 1));
    }
}

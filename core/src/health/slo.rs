//! SLO states as checks, so the rules engine's consumers — PagerDuty
//! events, health+json, the exposition's check series — see a burning SLO
//! like any other check: `slo:<name>`, fail while a page pair fires, warn
//! while a ticket pair does, pass otherwise, unknown before any request.
//! The dedup key PagerDuty gets is `source/slo:<name>`: stable for the
//! SLO's life, so a page triggers once and resolves once.

use super::rules::{CheckResult, Status};
use crate::slo::{BurnAlert, SloState, promql_window};

/// What made an SLO's check (`CheckResult::probe`): health+json shows it
/// as a component, and it never fails `/health` (every instance of a
/// service shares the SLO; failing them all would take the service out).
pub const SLO_CHECK_KIND: &str = "slo";

/// One check per SLO state, named `slo:<name>`: its value is the burn
/// rate of the alert pair that decides the status (the firing page pair,
/// else the firing ticket pair, else the pair closest to its threshold),
/// the lower of the pair's long- and short-window rates, against that
/// pair's threshold.
pub fn slo_checks(states: &[SloState]) -> Vec<CheckResult> {
    states.iter().map(check).collect()
}

fn pair_rate(a: &BurnAlert) -> Option<f64> {
    Some(a.long_burn_rate?.min(a.short_burn_rate?))
}

fn check(s: &SloState) -> CheckResult {
    let name = format!("slo:{}", s.name);
    let firing = |sev: &'static str| {
        s.alerts
            .iter()
            .find(|a| a.severity == sev && a.fires)
            .map(|a| (a, sev))
    };
    let closest = s
        .alerts
        .iter()
        .filter_map(|a| pair_rate(a).map(|r| (a, r / a.threshold)))
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(a, _)| a);
    let (pair, status) = match firing("page").or_else(|| firing("ticket")) {
        Some((a, "page")) => (a, Status::Fail),
        Some((a, _)) => (a, Status::Warn),
        None => match closest {
            Some(a) => (a, Status::Pass),
            None => {
                return CheckResult {
                    probe: Some(SLO_CHECK_KIND.into()),
                    ..CheckResult::unknown(
                        name,
                        "burn rate",
                        format!("SLO {}: no requests in its alert windows yet", s.name),
                    )
                };
            }
        },
    };
    let rate = pair_rate(pair);
    let windows = format!(
        "{} and {}",
        promql_window(pair.long_window_seconds),
        promql_window(pair.short_window_seconds)
    );
    let sli = s
        .sli_percent
        .map(|p| {
            format!(
                "; SLI {p:.3}% against {}% over {}",
                s.objective_percent,
                promql_window(s.window_seconds)
            )
        })
        .unwrap_or_default();
    let output = match status {
        Status::Pass => format!(
            "SLO {}: burning its error budget {:.2}x over {windows} (alerts above {}x){sli}",
            s.name,
            rate.unwrap_or(0.0),
            pair.threshold
        ),
        _ => format!(
            "SLO {}: {} — burning its error budget {:.1}x over {} and {:.1}x over {} (above {}x){sli}",
            s.name,
            pair.severity,
            pair.long_burn_rate.unwrap_or(0.0),
            promql_window(pair.long_window_seconds),
            pair.short_burn_rate.unwrap_or(0.0),
            promql_window(pair.short_window_seconds),
            pair.threshold
        ),
    };
    CheckResult {
        name,
        status,
        value: rate,
        unit: "burn rate".into(),
        threshold: Some(pair.threshold),
        since: None,
        output,
        probe: Some(SLO_CHECK_KIND.into()),
    }
}

//! Service level objectives: the `[[slo]]` tables of a policy (availability,
//! the share of requests that are not 5xx, and latency, the share served
//! within a threshold), their state under the SRE workbook's
//! multi-window multi-burn-rate alerts, and Prometheus recording and
//! alerting rules for the fleet (the same windows and thresholds as
//! Sloth's). Shared: apm evaluates SLOs on the requests a service records,
//! health pages on them and exports their rules beside the host's.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::exposition::{HTTP_DURATION_BUCKETS, format_bound};
use crate::time::{Zero, parse_duration};

/// What an SLO counts as a good request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SloKind {
    /// Good: a response that is not a 5xx.
    #[default]
    Availability,
    /// Good: a request served within `threshold_seconds`.
    Latency,
}

impl SloKind {
    /// Its name in a policy: `availability` or `latency`.
    pub fn as_str(self) -> &'static str {
        match self {
            SloKind::Availability => "availability",
            SloKind::Latency => "latency",
        }
    }
}

/// One `[[slo]]` of a policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Its name: the `slo` label of its series and alerts.
    pub name: String,
    /// Availability (default) or latency.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<SloKind>", optional))]
    pub kind: SloKind,
    /// The objective in percent, e.g. 99.9.
    pub objective_percent: f64,
    /// The compliance window (default `28d`).
    #[serde(default = "default_window")]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub window: String,
    /// Only requests of this route template (`http_route`); all when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub route: Option<String>,
    /// Latency SLOs: the threshold in seconds; the rules need it to be a
    /// bucket bound of the duration histogram.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub threshold_seconds: Option<f64>,
    /// More PromQL label matchers for the fleet's rules (`job="api"`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub selector: Option<String>,
}

fn default_window() -> String {
    "28d".into()
}

/// The top-level keys of a health policy other than `slo`: the SLO reader
/// leaves them to the health family (whose tests keep this list equal to
/// its policy's keys).
pub const HEALTH_POLICY_KEYS: [&str; 9] = [
    "defaults",
    "rule",
    "maintenance",
    "probe",
    "probe_deadline",
    "probe_interval",
    "pagerduty",
    "collector",
    "names",
];

/// A policy's SLOs (`[[slo]]` tables).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SloPolicy {
    /// The objectives.
    #[serde(default)]
    pub slo: Vec<Slo>,
}

impl SloPolicy {
    /// A policy given as TOML text (`[[slo]]` tables) or as the JSON of
    /// its fields (`{"slo": [...]}`, as the bindings pass an object).
    pub fn from_text_or_json(
        text: Option<&str>,
        json: Option<serde_json::Value>,
    ) -> Result<SloPolicy> {
        match (text, json) {
            (Some(t), None) => SloPolicy::from_toml(t),
            (None, Some(v)) => {
                let p: SloPolicy = serde_json::from_value(v)
                    .map_err(|e| Error::invalid(format!("invalid SLO policy: {e}")))?;
                p.validate()?;
                Ok(p)
            }
            _ => Err(Error::invalid(
                "give the SLO policy as TOML text or as an object with an slo list, not both or neither",
            )),
        }
    }

    /// Read and check `[[slo]]` tables from TOML. A service keeps one
    /// policy file, so a health policy's other keys ([`HEALTH_POLICY_KEYS`])
    /// may sit beside them (the health family reads and checks those);
    /// any other key is an error naming it.
    pub fn from_toml(text: &str) -> Result<SloPolicy> {
        #[derive(Deserialize)]
        struct Loose {
            #[serde(default)]
            slo: Vec<Slo>,
            #[serde(flatten)]
            rest: std::collections::BTreeMap<String, toml::Value>,
        }
        crate::limits::check_policy("the SLO policy", text)?;
        let p: Loose = toml::from_str(text).map_err(|e| Error::toml("SLO policy", text, &e))?;
        if let Some(k) = p
            .rest
            .keys()
            .find(|k| !HEALTH_POLICY_KEYS.contains(&k.as_str()))
        {
            return Err(Error::invalid(format!(
                "unknown key {k:?} in the SLO policy: expected [[slo]] tables (beside a health policy's keys)"
            )));
        }
        let p = SloPolicy { slo: p.slo };
        p.validate()?;
        Ok(p)
    }

    /// Every SLO well formed, names unique.
    pub fn validate(&self) -> Result<()> {
        validate(&self.slo)
    }
}

/// Every SLO of a list well formed, names unique: what any policy holding
/// `[[slo]]` tables checks.
pub fn validate(slos: &[Slo]) -> Result<()> {
    {
        let mut seen = std::collections::HashSet::new();
        for s in slos {
            s.validate()?;
            if !seen.insert(s.name.as_str()) {
                return Err(Error::invalid(format!(
                    "two SLOs are named {:?}: give each its own name",
                    s.name
                )));
            }
        }
    }
    Ok(())
}

impl Slo {
    /// The window in seconds.
    pub fn window_seconds(&self) -> Result<f64> {
        parse_duration(&self.window, Zero::Refused)
    }

    fn validate(&self) -> Result<()> {
        let n = &self.name;
        if n.is_empty() || n.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
            return Err(Error::invalid(format!(
                "SLO name {n:?} must be non-empty, without quotes, backslashes or control characters"
            )));
        }
        if !(self.objective_percent > 0.0 && self.objective_percent < 100.0) {
            return Err(Error::invalid(format!(
                "SLO {n}: objective_percent {} must be above 0 and below 100 (e.g. 99.9)",
                self.objective_percent
            )));
        }
        let w = self.window_seconds()?;
        if !(3_600.0..=90.0 * 86_400.0).contains(&w) {
            return Err(Error::invalid(format!(
                "SLO {n}: window {:?} must be between 1h and 90d (e.g. 28d)",
                self.window
            )));
        }
        match (self.kind, self.threshold_seconds) {
            (SloKind::Latency, Some(t)) if t > 0.0 && t.is_finite() => {}
            (SloKind::Latency, _) => {
                return Err(Error::invalid(format!(
                    "SLO {n}: a latency SLO needs threshold_seconds above 0 (e.g. 0.25)"
                )));
            }
            (SloKind::Availability, Some(_)) => {
                return Err(Error::invalid(format!(
                    "SLO {n}: threshold_seconds is for latency SLOs; set kind = \"latency\" or remove it"
                )));
            }
            (SloKind::Availability, None) => {}
        }
        Ok(())
    }

    /// Is a request of `route` with `status` served in `seconds` in scope, and good?
    pub fn judge(&self, route: &str, status: u16, seconds: f64) -> Option<bool> {
        if self.route.as_deref().is_some_and(|r| r != route) {
            return None;
        }
        Some(match self.kind {
            SloKind::Availability => status < 500,
            SloKind::Latency => seconds <= self.threshold_seconds.unwrap_or(f64::INFINITY),
        })
    }
}

/// The duration histogram the rules read by default: OpenTelemetry's
/// `http.server.request.duration` as Prometheus names it.
pub const DEFAULT_DURATION_METRIC: &str = "http_server_request_duration_seconds";

/// The SRE workbook's alert pairs: severity, long and short window
/// (seconds), burn-rate threshold.
pub const BURN_ALERTS: [(&str, f64, f64, f64); 4] = [
    ("page", 3_600.0, 300.0, 14.4),
    ("page", 21_600.0, 1_800.0, 6.0),
    ("ticket", 86_400.0, 7_200.0, 3.0),
    ("ticket", 259_200.0, 21_600.0, 1.0),
];

/// The windows the rules record error ratios over (the alerts' windows).
const RULE_WINDOWS: [(&str, f64); 7] = [
    ("5m", 300.0),
    ("30m", 1_800.0),
    ("1h", 3_600.0),
    ("2h", 7_200.0),
    ("6h", 21_600.0),
    ("1d", 86_400.0),
    ("3d", 259_200.0),
];

/// One of the SRE workbook's alert pairs, evaluated: an SLO's (apm, from
/// request counts) or an availability's (health, from up and down time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct BurnAlert {
    /// `page` or `ticket`.
    pub severity: String,
    /// The long window, seconds.
    pub long_window_seconds: f64,
    /// The short window, seconds.
    pub short_window_seconds: f64,
    /// The burn-rate threshold.
    pub threshold: f64,
    /// The burn rate over the long window (`None`: no requests, no data).
    pub long_burn_rate: Option<f64>,
    /// The burn rate over the short window.
    pub short_burn_rate: Option<f64>,
    /// Both windows burn past the threshold: above it for an SLO (as the
    /// rules and Sloth's compare), at or above it for an availability,
    /// whose whole minutes down land exactly on it.
    pub fires: bool,
}

/// An SLO's state now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct SloState {
    /// The SLO's name.
    pub name: String,
    /// Its kind.
    pub kind: SloKind,
    /// The objective, percent.
    pub objective_percent: f64,
    /// The window, seconds.
    pub window_seconds: f64,
    /// Good requests in the window.
    pub good: u64,
    /// Requests in the window.
    pub total: u64,
    /// `good / total` in percent (`None`: no requests).
    pub sli_percent: Option<f64>,
    /// The error budget left, percent of the budget (negative when
    /// overspent; `None`: no requests).
    pub error_budget_remaining_percent: Option<f64>,
    /// The workbook's four alert pairs.
    pub alerts: Vec<BurnAlert>,
    /// `page` when a page pair fires, else `ticket` when a ticket pair
    /// does, else `ok`.
    pub status: String,
}

/// An SLO's state from its request counts: `window_counts(seconds)` gives
/// (good, total) over the last `seconds` (the alert windows), `slo_window`
/// (good, total) over the SLO's window (`window_seconds` long). Burn rates
/// compare with `>` (Sloth's and the SRE workbook's rules do).
pub fn state(
    slo: &Slo,
    window_seconds: f64,
    window_counts: impl Fn(f64) -> (u64, u64),
    slo_window: (u64, u64),
) -> SloState {
    let budget = 1.0 - slo.objective_percent / 100.0;
    let burn = |window: f64| {
        let (good, total) = window_counts(window);
        (total > 0).then(|| (total - good) as f64 / total as f64 / budget)
    };
    let alerts: Vec<BurnAlert> = BURN_ALERTS
        .iter()
        .map(|&(severity, long, short, threshold)| {
            let (l, s) = (burn(long), burn(short));
            BurnAlert {
                severity: severity.into(),
                long_window_seconds: long,
                short_window_seconds: short,
                threshold,
                long_burn_rate: l,
                short_burn_rate: s,
                fires: l.is_some_and(|x| x > threshold) && s.is_some_and(|x| x > threshold),
            }
        })
        .collect();
    let (good, total) = slo_window;
    let sli = (total > 0).then(|| good as f64 / total as f64);
    let fired = |sev: &str| alerts.iter().any(|a| a.severity == sev && a.fires);
    SloState {
        name: slo.name.clone(),
        kind: slo.kind,
        objective_percent: slo.objective_percent,
        window_seconds,
        good,
        total,
        sli_percent: sli.map(|r| r * 100.0),
        error_budget_remaining_percent: sli.map(|r| (1.0 - (1.0 - r) / budget) * 100.0),
        status: if fired("page") {
            "page"
        } else if fired("ticket") {
            "ticket"
        } else {
            "ok"
        }
        .into(),
        alerts,
    }
}

/// A window as PromQL writes it (`5m`, `1h`, `28d`).
pub fn promql_window(seconds: f64) -> String {
    let s = seconds.round() as u64;
    for (unit, n) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s.is_multiple_of(n) {
            return format!("{}{unit}", s / n);
        }
    }
    format!("{s}s")
}

/// Prometheus recording and alerting rules for `policy`'s SLOs over the
/// duration histogram `metric` (default `http_server_request_duration_seconds`,
/// with OpenTelemetry's labels) whose bucket bounds are `buckets` (default
/// the OpenTelemetry HTTP ones): error ratios over the alert windows and
/// the SLO window, the objective, the budget left, and one page and one
/// ticket alert per SLO with the workbook's windows and burn rates.
pub fn prometheus_rules(
    policy: &SloPolicy,
    metric: Option<&str>,
    buckets: Option<&[f64]>,
) -> Result<String> {
    Ok(format!(
        "groups:\n{}",
        prometheus_rule_groups(&policy.slo, metric, buckets)?
    ))
}

/// The rule groups of [`prometheus_rules`] without the `groups:` line, one
/// per SLO, to follow another family's groups in one rule file.
pub fn prometheus_rule_groups(
    slos: &[Slo],
    metric: Option<&str>,
    buckets: Option<&[f64]>,
) -> Result<String> {
    validate(slos)?;
    let metric = metric.unwrap_or(DEFAULT_DURATION_METRIC);
    let buckets = buckets.unwrap_or(&HTTP_DURATION_BUCKETS);
    let mut y = String::new();
    for s in slos {
        let mut sel: Vec<String> = Vec::new();
        if let Some(r) = &s.route {
            sel.push(format!(
                "http_route=\"{}\"",
                r.replace('\\', "\\\\").replace('"', "\\\"")
            ));
        }
        if let Some(x) = &s.selector {
            sel.push(x.clone());
        }
        let with = |extra: &str| {
            let mut all = sel.clone();
            if !extra.is_empty() {
                all.push(extra.to_string());
            }
            format!("{{{}}}", all.join(","))
        };
        let errors = |w: &str| match s.kind {
            SloKind::Availability => format!(
                "(sum(rate({metric}_count{}[{w}])) or vector(0)) / sum(rate({metric}_count{}[{w}]))",
                with("http_response_status_code=~\"5..\""),
                with("")
            ),
            SloKind::Latency => {
                let t = s.threshold_seconds.unwrap_or_default();
                format!(
                    "1 - (sum(rate({metric}_bucket{}[{w}])) / sum(rate({metric}_count{}[{w}])))",
                    with(&format!("le=\"{}\"", format_bound(t))),
                    with("")
                )
            }
        };
        if s.kind == SloKind::Latency {
            let t = s.threshold_seconds.unwrap_or_default();
            if !buckets.iter().any(|b| (b - t).abs() < 1e-12) {
                return Err(Error::invalid(format!(
                    "SLO {}: threshold_seconds {t} is no bucket bound of {metric} ({:?}): the rules count requests by bucket, so pick one of them",
                    s.name, buckets
                )));
            }
        }
        let window = s.window_seconds()?;
        let period = promql_window(window);
        // The budget as the objective's complement, rounded to what the
        // policy can mean (99.9 gives 0.001, not 0.0010000000000000009).
        let budget = ((100.0 - s.objective_percent) * 1e10).round() / 1e12;
        let name = &s.name;
        let _ = writeln!(y, "  - name: opskit-slo-{}", group_name(name));
        let _ = writeln!(y, "    rules:");
        let mut windows: Vec<String> = RULE_WINDOWS.iter().map(|(w, _)| w.to_string()).collect();
        if !windows.contains(&period) {
            windows.push(period.clone());
        }
        for w in &windows {
            let _ = writeln!(y, "      - record: opskit_slo:errors:ratio_rate{w}");
            let _ = writeln!(y, "        expr: {}", yaml_str(&errors(w)));
            let _ = writeln!(y, "        labels:\n          slo: {}", yaml_str(name));
        }
        let _ = writeln!(y, "      - record: opskit_slo:objective:ratio");
        let _ = writeln!(y, "        expr: vector({})", s.objective_percent / 100.0);
        let _ = writeln!(y, "        labels:\n          slo: {}", yaml_str(name));
        let _ = writeln!(y, "      - record: opskit_slo:error_budget_remaining:ratio");
        let _ = writeln!(
            y,
            "        expr: {}",
            yaml_str(&format!(
                "1 - opskit_slo:errors:ratio_rate{period}{{slo={q}}} / {budget}",
                q = promql_str(name)
            ))
        );
        let _ = writeln!(y, "        labels:\n          slo: {}", yaml_str(name));
        for severity in ["page", "ticket"] {
            let pairs: Vec<String> = BURN_ALERTS
                .iter()
                .filter(|a| a.0 == severity)
                .map(|&(_, long, short, threshold)| {
                    format!(
                        "(opskit_slo:errors:ratio_rate{l}{{slo={q}}} > ({threshold} * {budget}) and opskit_slo:errors:ratio_rate{s}{{slo={q}}} > ({threshold} * {budget}))",
                        l = promql_window(long),
                        s = promql_window(short),
                        q = promql_str(name)
                    )
                })
                .collect();
            let alert = if severity == "page" {
                "OpskitSLOBurnPage"
            } else {
                "OpskitSLOBurnTicket"
            };
            let _ = writeln!(y, "      - alert: {alert}");
            let _ = writeln!(y, "        expr: {}", yaml_str(&pairs.join(" or ")));
            let _ = writeln!(
                y,
                "        labels:\n          severity: {severity}\n          slo: {}",
                yaml_str(name)
            );
            let _ = writeln!(
                y,
                "        annotations:\n          summary: {}",
                yaml_str(&format!(
                    "SLO {name} ({}% over {period}) is burning its error budget too fast ({severity})",
                    s.objective_percent
                ))
            );
        }
    }
    Ok(y)
}

fn group_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A PromQL string literal.
fn promql_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A YAML double-quoted scalar.
fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<SloPolicy> {
        SloPolicy::from_toml(text)
    }

    #[test]
    fn bad_policies_name_the_slo_and_the_fix() {
        let e = |t: &str| policy(t).unwrap_err().to_string();
        assert!(e("[[slo]]\nname = \"a\"\nobjective_percent = 100\n").contains("below 100"));
        assert!(
            e("[[slo]]\nname = \"a\"\nobjective_percent = 99.9\nkind = \"latency\"\n")
                .contains("threshold_seconds")
        );
        assert!(
            e("[[slo]]\nname = \"a\"\nobjective_percent = 99.9\nwindow = \"5m\"\n")
                .contains("between 1h and 90d")
        );
        assert!(e("[[slo]]\nname = \"a\"\nobjective_percent = 99\n[[slo]]\nname = \"a\"\nobjective_percent = 99\n").contains("two SLOs"));
        assert!(e("[[slo]]\nname = \"a\"\nobjective = 99\n").contains("objective"));
        let p = policy("[[slo]]\nname = \"a\"\nkind = \"latency\"\nobjective_percent = 99\nthreshold_seconds = 0.3\n").unwrap();
        let err = prometheus_rules(&p, None, None).unwrap_err().to_string();
        assert!(
            err.contains("no bucket bound") && err.contains("0.25"),
            "{err}"
        );
    }

    #[test]
    fn windows_print_as_promql_writes_them() {
        assert_eq!(promql_window(259_200.0), "3d");
        assert_eq!(promql_window(1_800.0), "30m");
        assert_eq!(promql_window(90.0), "90s");
    }
}

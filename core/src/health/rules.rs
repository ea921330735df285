//! Threshold rules on snapshot values: warn and critical levels, a `for`
//! duration the condition must hold before it fires (as Prometheus's
//! alerting rules), and a clear margin so a value hovering at a threshold
//! does not flap (as Netdata's raise/clear pairs).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::collect::HostSnapshot;
use crate::error::{Error, Result};
use crate::time::{Zero, parse_duration};

/// The state of a check, worst last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within thresholds.
    Pass,
    /// No value yet (first snapshot, a filesystem that went away).
    Unknown,
    /// Beyond the warn level (for its duration).
    Warn,
    /// Beyond the critical level (for its duration), or a failed probe.
    Fail,
}

impl Status {
    /// The lowercase name: `pass`, `warn`, `fail`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Unknown => "unknown",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// Whether a rule fires above or below its thresholds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Fires when the value is above (default).
    #[default]
    Above,
    /// Fires when the value is below (free space, available memory).
    Below,
}

/// One threshold rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[cfg_attr(feature = "ts", ts(rename = "HealthRule"))]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The check's name, e.g. `disk_full` (`[a-z0-9_]`); one check per
    /// selected item, named `disk_full:/var` for a `disk[*]` metric.
    pub name: String,
    /// The snapshot value, e.g. `cpu.usage_percent`, `disk["/"].used_percent`,
    /// `disk[*].used_percent`, `network["eth0"].rx_bytes_per_second` (see [`METRICS`]).
    pub metric: String,
    /// The warn level.
    #[serde(default)]
    pub warn: Option<f64>,
    /// The critical level.
    #[serde(default)]
    pub critical: Option<f64>,
    /// Above (default) or below.
    #[serde(default)]
    pub direction: Direction,
    /// How long the condition must hold before the level is raised, e.g. `10m` (default 0).
    #[serde(default, rename = "for")]
    pub for_duration: Option<String>,
    /// The margin back across a threshold before the level clears, e.g. 10
    /// (points of the value); default 0.
    #[serde(default)]
    pub clear: Option<f64>,
    /// Where the default comes from (documentation).
    #[serde(default)]
    pub source: Option<String>,
}

/// The metric names a rule can use, with their unit: `name[key]` selects an
/// item of a list by its mount point or device, `[*]` every item.
pub const METRICS: &[(&str, &str)] = &[
    ("cpu.usage_percent", "percent"),
    ("memory.used_percent", "percent"),
    ("memory.available_bytes", "bytes"),
    ("swap.used_percent", "percent"),
    ("load.one", "load"),
    ("load.five", "load"),
    ("load.fifteen", "load"),
    ("load.per_core_one", "load"),
    ("load.per_core_five", "load"),
    ("load.per_core_fifteen", "load"),
    ("disk[].used_percent", "percent"),
    ("disk[].inodes_used_percent", "percent"),
    ("disk[].avail_bytes", "bytes"),
    ("network[].rx_bytes_per_second", "bytes/s"),
    ("network[].tx_bytes_per_second", "bytes/s"),
    ("network[].rx_errors", "errors"),
    ("network[].tx_errors", "errors"),
    ("process.open_fds_percent", "percent"),
    ("process.resident_bytes", "bytes"),
    ("process.cpu_seconds", "s"),
    ("cgroup.memory_used_percent", "percent"),
    ("host.uptime_seconds", "s"),
    ("processes", "processes"),
    ("threads", "threads"),
    ("maintenance.reboot_required", "bool"),
    ("maintenance.upgrades_pending", "packages"),
];

/// A parsed metric reference.
#[derive(Clone, Debug, PartialEq)]
struct MetricRef {
    family: String,
    key: Option<String>,
    field: String,
    /// The unit from [`METRICS`], looked up once when the rule is parsed.
    unit: &'static str,
}

fn parse_metric(m: &str) -> Result<MetricRef> {
    let bad = |why: &str| {
        Error::invalid(format!(
            "unknown metric {m:?} ({why}); use one of {}",
            METRICS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    // The per-core load under the names Prometheus users write (1m, 5m, 15m).
    let m = match m.trim() {
        "load.per_core_1m" => "load.per_core_one",
        "load.per_core_5m" => "load.per_core_five",
        "load.per_core_15m" => "load.per_core_fifteen",
        other => other,
    };
    let (family, key, field) = match m.split_once('[') {
        Some((family, rest)) => {
            let (key, field) = rest
                .split_once("].")
                .ok_or_else(|| bad("`[` without `].field`"))?;
            let key = key.trim().trim_matches('"').trim_matches('\'');
            (family, Some(key.to_string()), field)
        }
        None => match m.split_once('.') {
            Some((f, field)) => (f, None, field),
            None => (m, None, ""),
        },
    };
    let pattern = match (&key, field) {
        (Some(_), f) => format!("{family}[].{f}"),
        (None, "") => family.to_string(),
        (None, f) => format!("{family}.{f}"),
    };
    let unit = METRICS
        .iter()
        .find(|(n, _)| *n == pattern)
        .map(|(_, u)| *u)
        .ok_or_else(|| bad("not a known name"))?;
    Ok(MetricRef {
        family: family.to_string(),
        key,
        field: field.to_string(),
        unit,
    })
}

/// A value the rule reads, by instance (`""` for a single value, the mount
/// point or device for a list item); `None` when not known yet. `json` is
/// the snapshot as JSON, made once per evaluation, not once per rule.
fn values(s: &HostSnapshot, json: &serde_json::Value, m: &MetricRef) -> Vec<(String, Option<f64>)> {
    // A list item with an error (a hung mount) has no value: unknown.
    let field = |v: &serde_json::Value| {
        v.get("error")
            .is_none_or(|e| e.is_null())
            .then(|| v.get(&m.field).and_then(|x| x.as_f64()))
            .flatten()
    };
    let single = |v: Option<f64>| vec![(String::new(), v)];
    match m.family.as_str() {
        "disk" | "network" => {
            let (list, id) = if m.family == "disk" {
                ("filesystems", "mountpoint")
            } else {
                ("networks", "device")
            };
            let items = json
                .get(list)
                .and_then(|l| l.as_array())
                .map_or(&[][..], |a| a.as_slice());
            let key_of = |v: &serde_json::Value| {
                v.get(id).and_then(|k| k.as_str()).unwrap_or("").to_string()
            };
            match m.key.as_deref() {
                Some("*") => items.iter().map(|v| (key_of(v), field(v))).collect(),
                Some(key) => vec![(
                    key.to_string(),
                    items.iter().find(|v| key_of(v) == key).and_then(field),
                )],
                None => Vec::new(),
            }
        }
        "processes" => single(Some(s.processes as f64)),
        "threads" => single(Some(s.threads as f64)),
        "cpu" => single(s.cpu.usage_percent),
        "cgroup" => single(s.cgroup.as_ref().and_then(|c| c.memory_used_percent)),
        "maintenance" if m.field == "reboot_required" => {
            single(Some(f64::from(u8::from(s.maintenance.reboot_required))))
        }
        "maintenance" => single(
            s.maintenance
                .upgrades
                .as_ref()
                .filter(|u| u.error.is_none())
                .map(|u| u.pending as f64),
        ),
        family => single(json.get(family).and_then(field)),
    }
}

impl Rule {
    /// Check the rule: a known metric, numbers, warn before critical in the
    /// rule's direction, a valid name and duration.
    pub fn validate(&self) -> Result<()> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(Error::invalid(format!(
                "rule name {:?} must be 1-64 characters of a-z, 0-9 and _",
                self.name
            )));
        }
        parse_metric(&self.metric)
            .map_err(|e| Error::invalid(format!("rule {}: {}", self.name, e.message())))?;
        if self.warn.is_none() && self.critical.is_none() {
            return Err(Error::invalid(format!(
                "rule {} has neither warn nor critical: give at least one level",
                self.name
            )));
        }
        for (what, v) in [
            ("warn", self.warn),
            ("critical", self.critical),
            ("clear", self.clear),
        ] {
            if v.is_some_and(|x| !x.is_finite()) {
                return Err(Error::invalid(format!(
                    "rule {}: {what} is not a finite number",
                    self.name
                )));
            }
        }
        if self.clear.is_some_and(|c| c < 0.0) {
            return Err(Error::invalid(format!(
                "rule {}: clear must not be negative",
                self.name
            )));
        }
        if let (Some(w), Some(c)) = (self.warn, self.critical) {
            let beyond = match self.direction {
                Direction::Above => w > c,
                Direction::Below => w < c,
            };
            if beyond {
                return Err(Error::invalid(format!(
                    "rule {}: warn {w} is beyond critical {c}; for a rule that fires {} its thresholds, warn comes first",
                    self.name,
                    match self.direction {
                        Direction::Above => "above",
                        Direction::Below => "below",
                    }
                )));
            }
        }
        if let Some(d) = &self.for_duration {
            parse_duration(d, Zero::Allowed)
                .map_err(|e| Error::invalid(format!("rule {}: for {}", self.name, e.message())))?;
        }
        Ok(())
    }

    fn level_of(&self, v: f64, current: Status) -> Status {
        let clear = self.clear.unwrap_or(0.0);
        let past = |t: f64, held: bool| {
            // Once held, a level clears only `clear` back across its threshold.
            let t = match (self.direction, held) {
                (Direction::Above, true) => t - clear,
                (Direction::Below, true) => t + clear,
                _ => t,
            };
            match self.direction {
                Direction::Above => v > t,
                Direction::Below => v < t,
            }
        };
        if self
            .critical
            .is_some_and(|c| past(c, current == Status::Fail))
        {
            Status::Fail
        } else if self.warn.is_some_and(|w| past(w, current >= Status::Warn)) {
            Status::Warn
        } else {
            Status::Pass
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct CheckResult {
    /// The check: the rule's name, `:instance` for list items.
    pub name: String,
    /// Its state.
    pub status: Status,
    /// The value observed.
    pub value: Option<f64>,
    /// Its unit.
    pub unit: String,
    /// The threshold crossed (or the warn level when passing).
    pub threshold: Option<f64>,
    /// Since when (seconds since the epoch) the condition has held.
    pub since: Option<f64>,
    /// A sentence saying why.
    pub output: String,
    /// What made this result when not a rule: a probe's type (`tcp`,
    /// `http`, `process`, `file`), or `slo` for an SLO's state (it pages,
    /// but never fails `/health`); absent for a rule's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub probe: Option<String>,
}

impl CheckResult {
    /// A check with no value to judge: its state is unknown, `output` says why.
    pub fn unknown(name: impl Into<String>, unit: impl Into<String>, output: String) -> Self {
        CheckResult {
            name: name.into(),
            status: Status::Unknown,
            value: None,
            unit: unit.into(),
            threshold: None,
            since: None,
            output,
            probe: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct State {
    level: Option<Status>,
    pending: Option<(Status, f64)>,
}

/// Evaluates rules over successive snapshots, keeping each check's state:
/// a level is raised only after its condition held for the rule's `for`,
/// and cleared only past its clear margin.
#[derive(Debug)]
pub struct Evaluator {
    rules: Vec<(Rule, MetricRef, f64)>,
    state: BTreeMap<String, State>,
}

impl Evaluator {
    /// An evaluator of `rules` (each validated); `None` means
    /// [`default_rules`], as in every front.
    pub fn new(rules: impl Into<Option<Vec<Rule>>>) -> Result<Self> {
        let mut out = Vec::new();
        let mut names = std::collections::HashSet::new();
        for r in rules.into().unwrap_or_else(default_rules) {
            r.validate()?;
            if !names.insert(r.name.clone()) {
                return Err(Error::invalid(format!("two rules are named {}", r.name)));
            }
            let m = parse_metric(&r.metric)?;
            let hold = r
                .for_duration
                .as_deref()
                .map(|d| parse_duration(d, Zero::Allowed))
                .transpose()?
                .unwrap_or(0.0);
            out.push((r, m, hold));
        }
        Ok(Evaluator {
            rules: out,
            state: BTreeMap::new(),
        })
    }

    /// Evaluate every rule on `snapshot` at time `now` (seconds since the
    /// epoch; `None` is the snapshot's own time, as in production; a fake
    /// clock in tests).
    pub fn evaluate(
        &mut self,
        snapshot: &HostSnapshot,
        now: impl Into<Option<f64>>,
    ) -> Vec<CheckResult> {
        let now = now.into().unwrap_or(snapshot.time_seconds);
        let mut out = Vec::new();
        let json = serde_json::to_value(snapshot).unwrap_or_default();
        for (rule, metric, hold) in &self.rules {
            let unit = metric.unit.to_string();
            for (instance, value) in values(snapshot, &json, metric) {
                let name = if metric.key.is_some() {
                    format!("{}:{instance}", rule.name)
                } else {
                    rule.name.clone()
                };
                let st = self.state.entry(name.clone()).or_default();
                let Some(v) = value else {
                    out.push(CheckResult::unknown(
                        name,
                        unit.clone(),
                        format!("{} has no value yet", rule.metric),
                    ));
                    continue;
                };
                let current = st.level.unwrap_or(Status::Pass);
                let target = rule.level_of(v, current);
                let level = if target <= current {
                    // Lower or equal: clear at once (the clear margin already applied).
                    st.pending = None;
                    target
                } else {
                    let since = match st.pending {
                        Some((lvl, t)) if lvl == target => t,
                        _ => {
                            st.pending = Some((target, now));
                            now
                        }
                    };
                    if now - since >= *hold {
                        st.pending = None;
                        target
                    } else {
                        current
                    }
                };
                st.level = Some(level);
                let threshold = match level {
                    Status::Fail => rule.critical,
                    Status::Warn => rule.warn,
                    _ => rule.warn.or(rule.critical),
                };
                let since = st.pending.map(|(_, t)| t);
                let cmp = match rule.direction {
                    Direction::Above => "above",
                    Direction::Below => "below",
                };
                let shown = if unit == "bool" {
                    (v > 0.0).to_string()
                } else {
                    format!("{v:.2} {unit}")
                };
                let output = match (level, st.pending) {
                    (Status::Pass, Some((p, t))) => format!(
                        "{} is {shown}, {cmp} the {} level {}; pending for {:.0}s of {:.0}s",
                        rule.metric,
                        p.as_str(),
                        fmt_opt(if p == Status::Fail {
                            rule.critical
                        } else {
                            rule.warn
                        }),
                        now - t,
                        hold
                    ),
                    (Status::Pass, None) => format!("{} is {shown}", rule.metric),
                    (l, _) => format!(
                        "{} is {shown}, {cmp} the {} level {}",
                        rule.metric,
                        l.as_str(),
                        fmt_opt(threshold)
                    ),
                };
                out.push(CheckResult {
                    name,
                    status: level,
                    value: Some(v),
                    unit: unit.clone(),
                    threshold,
                    since,
                    output,
                    probe: None,
                });
            }
        }
        out
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_else(|| "-".into())
}

/// The default rules, with their sources (`shared/reference/health.md` §6):
/// CPU 85/95% for 10m (Netdata, clear 10 points); memory 90/95% for 15m
/// (node-mixin); swap 80/95% for 5m; disk 90/95% for 5m (clear 5; node-mixin,
/// Netdata); inodes 90/95% for 30m; load per core 2/4 over 5m for 15m
/// (node-mixin NodeSystemSaturation); open file descriptors 70/90% for 15m
/// (node-mixin NodeFileDescriptorLimit).
pub fn default_rules() -> Vec<Rule> {
    let r = |name: &str,
             metric: &str,
             warn: f64,
             critical: f64,
             hold: &str,
             clear: f64,
             source: &str| Rule {
        name: name.into(),
        metric: metric.into(),
        warn: Some(warn),
        critical: Some(critical),
        direction: Direction::Above,
        for_duration: Some(hold.into()),
        clear: Some(clear),
        source: Some(source.into()),
    };
    vec![
        r(
            "cpu_overload",
            "cpu.usage_percent",
            85.0,
            95.0,
            "10m",
            10.0,
            "Netdata 10min_cpu_usage; awesome-prometheus-alerts HostHighCpuLoad",
        ),
        r(
            "memory_pressure",
            "memory.used_percent",
            90.0,
            95.0,
            "15m",
            10.0,
            "node-mixin NodeMemoryHighUtilization",
        ),
        r(
            "swap_filling",
            "swap.used_percent",
            80.0,
            95.0,
            "5m",
            10.0,
            "awesome-prometheus-alerts HostSwapIsFillingUp",
        ),
        r(
            "disk_full",
            "disk[*].used_percent",
            90.0,
            95.0,
            "5m",
            5.0,
            "node-mixin NodeFilesystemAlmostOutOfSpace; Netdata disk_space_usage",
        ),
        r(
            "inodes_full",
            "disk[*].inodes_used_percent",
            90.0,
            95.0,
            "30m",
            5.0,
            "node-mixin NodeFilesystemAlmostOutOfFiles",
        ),
        r(
            "high_load",
            "load.per_core_five",
            2.0,
            4.0,
            "15m",
            0.25,
            "node-mixin NodeSystemSaturation",
        ),
        r(
            "fd_limit",
            "process.open_fds_percent",
            70.0,
            90.0,
            "15m",
            5.0,
            "node-mixin NodeFileDescriptorLimit",
        ),
        Rule {
            warn: Some(0.0),
            critical: None,
            for_duration: None,
            clear: None,
            ..r(
                "reboot_required",
                "maintenance.reboot_required",
                0.0,
                0.0,
                "",
                0.0,
                "Debian/Ubuntu /var/run/reboot-required; node_reboot_required of node_exporter's textfile collectors",
            )
        },
    ]
}

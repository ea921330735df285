//! Health checks: host and process metrics from a long-lived collector,
//! threshold rules with `for` durations and clear margins, and reports as
//! IETF health+json and Prometheus/OpenMetrics exposition.
//!
//! ```no_run
//! use opskit::health::{Collector, CollectorOptions, Evaluator, default_rules, health_json};
//!
//! let mut collector = Collector::new(CollectorOptions::default())?;
//! let mut rules = Evaluator::new(default_rules())?;
//! let snapshot = collector.snapshot()?;
//! let checks = rules.evaluate(&snapshot, snapshot.time_seconds);
//! let (doc, http_status) = health_json(&snapshot, &checks, false);
//! println!("{http_status} {doc}");
//! # Ok::<(), opskit::Error>(())
//! ```

mod alerts;
mod availability;
mod collect;
mod maintenance;
mod monitor;
mod pagerduty;
mod policy;
mod probe;
mod report;
mod rules;
mod slo;

pub use self::alerts::{DEFAULT_ALERT_GROUP, policy_prometheus_rules, prometheus_rules};
pub use self::availability::{Availability, AvailabilityOptions, Incident, Sample, availability};
pub use self::collect::{
    AptUpgrades, Cgroup, Collector, CollectorOptions, Cpu, Disk, Filesystem, HostInfo,
    HostSnapshot, Kernel, Load, Memory, Network, Pressure, ProcessInfo, Uname,
};
pub use self::maintenance::{
    MaintenanceState, UpgradeGroup, Upgrades, check_upgrades, parse_apt_simulation,
};
pub use self::monitor::{Monitor, Observation};
pub use self::pagerduty::{
    PAGERDUTY_EVENTS_URL, PagerDuty, PagerDutyEvent, PagerDutyOptions, SendOptions, SendReport,
    send_event, validate_event,
};
pub use self::policy::{CollectorFilters, Maintenance, PagerDutyPolicy, Policy};
pub use self::probe::{
    DEFAULT_PROBE_DEADLINE, DEFAULT_PROBE_INTERVAL, MAX_BODY_BYTES, MAX_PROBES, Probe, ProbeKind,
    probe_deadline, run_probes,
};
pub use self::report::{
    Exposition, Names, exposition, exposition_named, exposition_with, health_json, overall,
};
pub use self::rules::{CheckResult, Direction, Evaluator, METRICS, Rule, Status, default_rules};
pub use self::slo::{SLO_CHECK_KIND, slo_checks};
pub use crate::slo::BurnAlert;

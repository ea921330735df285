//! The health policy: rules and maintenance settings, from a TOML file.
//!
//! ```toml
//! defaults = true                      # start from the default rules
//! [maintenance]
//! drain_file = "/var/lib/opskit/drain" # present: /health fails with "draining"
//! apt_upgrades = true                  # report pending upgrades (apt-get, offline)
//! [pagerduty]                          # `serve` triggers and resolves incidents
//! routing_key_file = "/etc/opskit/pagerduty.key"
//! interval = "30s"
//! [[rule]]
//! name = "disk_var"
//! metric = 'disk["/var"].used_percent'
//! warn = 80
//! critical = 90
//! for = "10m"
//! clear = 5
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::rules::{Rule, default_rules};
use crate::error::{Error, Result};

/// A policy's duration key: `None` when absent, an error naming `key` when
/// it is not a positive duration.
fn duration_key(key: &str, value: &Option<String>) -> Result<Option<std::time::Duration>> {
    value
        .as_deref()
        .map(|d| {
            crate::time::parse_duration(d, crate::time::Zero::Refused)
                .map(std::time::Duration::from_secs_f64)
                .map_err(|e| Error::invalid(format!("{key} {}", e.message())))
        })
        .transpose()
}

/// A duration key already validated by [`Policy::from_toml`], or `default`.
fn duration_or(value: &Option<String>, default: std::time::Duration) -> std::time::Duration {
    duration_key("", value).ok().flatten().unwrap_or(default)
}

/// What the collector leaves out (`[collector]`): each list given replaces
/// its default (node_exporter's, see [`CollectorOptions`](super::CollectorOptions)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct CollectorFilters {
    /// Filesystem types to leave out, e.g. `["tmpfs", "nfs4"]`.
    pub exclude_fs_types: Option<Vec<String>>,
    /// Mount point prefixes to leave out (`/mnt/` leaves out what is under
    /// it, `/mnt` that mount too).
    pub exclude_mount_points: Option<Vec<String>>,
    /// Network interfaces to leave out, e.g. `["lo", "docker0"]`.
    pub exclude_interfaces: Option<Vec<String>>,
    /// Block devices to leave out, a regular expression.
    pub exclude_disks: Option<String>,
}

/// Maintenance state for rolling patching behind a load balancer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct Maintenance {
    /// While this file exists, the health endpoint fails with `draining`.
    pub drain_file: Option<String>,
    /// The OS's reboot-required flag file (default `/var/run/reboot-required`).
    pub reboot_required_file: Option<String>,
    /// Report pending package upgrades (`apt-get --just-print dist-upgrade`).
    pub apt_upgrades: bool,
}

impl Maintenance {
    /// Is the node draining (its drain file present)?
    pub fn draining(&self) -> bool {
        self.drain_file
            .as_deref()
            .is_some_and(|f| Path::new(f).exists())
    }
}

/// Where a long-running `opskit health serve` sends PagerDuty events: it
/// evaluates every `interval` (rules keep their `for` timers), triggers a
/// check that starts failing or changes level and resolves one that
/// recovers. The routing key comes from a file or an environment variable,
/// never from the policy itself (policies are committed; keys are secrets).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct PagerDutyPolicy {
    /// A file holding the integration's routing key (keep it mode 0600).
    pub routing_key_file: Option<String>,
    /// Or the environment variable holding it.
    pub routing_key_env: Option<String>,
    /// `payload.source` (default: the host name).
    pub source: Option<String>,
    /// `payload.group`, e.g. `web`.
    pub group: Option<String>,
    /// The endpoint (default PagerDuty's Events API v2).
    pub url: Option<String>,
    /// How often to evaluate, e.g. `30s` (default).
    pub interval: Option<String>,
}

impl PagerDutyPolicy {
    fn validate(&self) -> Result<()> {
        if self.routing_key_file.is_some() == self.routing_key_env.is_some() {
            return Err(Error::invalid(
                "[pagerduty] needs exactly one of routing_key_file and routing_key_env",
            ));
        }
        duration_key("[pagerduty] interval", &self.interval)?;
        if let Some(u) = &self.url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(Error::invalid(format!(
                "[pagerduty] url {u:?} must be an http(s) URL"
            )));
        }
        Ok(())
    }

    /// The routing key, read from its file or variable; errors name where
    /// it was looked for, never what was found.
    pub fn routing_key(&self) -> Result<String> {
        let key = match (&self.routing_key_file, &self.routing_key_env) {
            (Some(f), _) => crate::fsutil::read_text_capped(
                Path::new(f),
                crate::limits::MAX_KEY_BYTES,
                "the PagerDuty routing key file",
            )?,
            (None, Some(v)) => std::env::var(v).map_err(|_| {
                Error::not_found(format!(
                    "the environment variable {v} (the PagerDuty routing key) is not set"
                ))
            })?,
            (None, None) => String::new(),
        };
        let key = key.trim().to_string();
        if key.is_empty() {
            return Err(Error::invalid(
                "the PagerDuty routing key is empty: put the integration's key in routing_key_file or routing_key_env",
            ));
        }
        Ok(key)
    }

    /// The tracker's options with `routing_key`.
    pub fn options(&self, routing_key: String) -> super::PagerDutyOptions {
        super::PagerDutyOptions {
            routing_key,
            source: self.source.clone(),
            group: self.group.clone(),
        }
    }

    /// The sender's options: this policy's URL, the defaults otherwise.
    pub fn send_options(&self) -> super::SendOptions {
        let mut o = super::SendOptions::default();
        if let Some(u) = &self.url {
            o.url = u.clone();
        }
        o
    }

    /// The evaluation interval (default 30 s).
    pub fn interval(&self) -> std::time::Duration {
        duration_or(&self.interval, std::time::Duration::from_secs(30))
    }
}

/// A health policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Start from [`default_rules`] (default true); a rule of the same name replaces a default.
    pub defaults: bool,
    /// The rules (`[[rule]]` tables).
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
    /// Maintenance settings.
    pub maintenance: Maintenance,
    /// The probes (`[[probe]]` tables).
    #[serde(rename = "probe")]
    pub probes: Vec<super::probe::Probe>,
    /// The total deadline of one run of the probes, e.g. `10s` (default).
    pub probe_deadline: Option<String>,
    /// How often a long-lived server (`serve`, [`Monitor`](super::Monitor))
    /// runs the probes, e.g. `15s` (default `5s`).
    pub probe_interval: Option<String>,
    /// Where `serve` sends PagerDuty events (`[pagerduty]`), if anywhere.
    pub pagerduty: Option<PagerDutyPolicy>,
    /// What the collector leaves out (`[collector]`).
    pub collector: CollectorFilters,
    /// The exposition's names: `opskit` (default) or `node` (node_exporter's own).
    pub names: super::Names,
    /// SLOs on the service's requests (`[[slo]]` tables): a service that
    /// records its requests evaluates them and pages on them
    /// ([`slo_checks`](super::slo_checks)), and `opskit health rules`
    /// exports their burn-rate rules beside the host's.
    #[serde(rename = "slo")]
    pub slos: Vec<crate::slo::Slo>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            defaults: true,
            rules: Vec::new(),
            maintenance: Maintenance::default(),
            probes: Vec::new(),
            probe_deadline: None,
            probe_interval: None,
            pagerduty: None,
            collector: CollectorFilters::default(),
            names: super::Names::Opskit,
            slos: Vec::new(),
        }
    }
}

impl Policy {
    /// Parse policy TOML; unknown keys and invalid rules are errors naming them.
    pub fn from_toml(text: &str) -> Result<Policy> {
        crate::limits::check_policy("the health policy", text)?;
        let p: Policy = toml::from_str(text).map_err(|e| Error::toml("health policy", text, &e))?;
        for r in &p.rules {
            r.validate()?;
        }
        if p.probes.len() > super::probe::MAX_PROBES {
            return Err(Error::invalid(format!(
                "the health policy has {} probes; at most {}",
                p.probes.len(),
                super::probe::MAX_PROBES
            )));
        }
        for probe in &p.probes {
            probe.validate()?;
        }
        crate::slo::validate(&p.slos)?;
        duration_key("probe_deadline", &p.probe_deadline)?;
        duration_key("probe_interval", &p.probe_interval)?;
        if let Some(d) = &p.collector.exclude_disks {
            regex::Regex::new(d).map_err(|e| {
                Error::invalid(format!(
                    "collector.exclude_disks {d:?} is not a regular expression: {e}"
                ))
            })?;
        }
        if let Some(pd) = &p.pagerduty {
            pd.validate()?;
        }
        if let Some(f) = &p.maintenance.drain_file {
            let parent = Path::new(f)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            if !parent.as_os_str().is_empty() && !parent.is_dir() {
                return Err(Error::not_found(format!(
                    "the drain file's folder {} does not exist: create it, or point drain_file elsewhere",
                    parent.display()
                )));
            }
        }
        Ok(p)
    }

    /// Read a policy file.
    pub fn read(path: &Path) -> Result<Policy> {
        let text = crate::fsutil::read_text_capped(
            path,
            crate::limits::MAX_POLICY_BYTES as u64,
            "health policy",
        )?;
        Policy::from_toml(&text)
            .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
    }

    /// The deadline of one run of the probes
    /// ([`DEFAULT_PROBE_DEADLINE`](super::DEFAULT_PROBE_DEADLINE) unless set).
    pub fn deadline(&self) -> std::time::Duration {
        duration_or(&self.probe_deadline, super::DEFAULT_PROBE_DEADLINE)
    }

    /// How often a long-lived server runs the probes
    /// ([`DEFAULT_PROBE_INTERVAL`](super::DEFAULT_PROBE_INTERVAL) unless set).
    pub fn probe_interval(&self) -> std::time::Duration {
        duration_or(&self.probe_interval, super::DEFAULT_PROBE_INTERVAL)
    }

    /// The collector options this policy asks for: its `[collector]` filters, its reboot-required file
    /// and, when `apt_upgrades` is on, pending upgrades — waited for by a
    /// one-shot run, checked in the background by a long-lived one.
    pub fn collector_options(&self, one_shot: bool) -> super::CollectorOptions {
        let defaults = super::CollectorOptions::default();
        let f = &self.collector;
        super::CollectorOptions {
            reboot_required_file: self
                .maintenance
                .reboot_required_file
                .clone()
                .unwrap_or(defaults.reboot_required_file.clone()),
            apt_upgrades: match (self.maintenance.apt_upgrades, one_shot) {
                (false, _) => super::AptUpgrades::Off,
                (true, true) => super::AptUpgrades::Wait,
                (true, false) => super::AptUpgrades::Background,
            },
            exclude_fs_types: f
                .exclude_fs_types
                .clone()
                .unwrap_or(defaults.exclude_fs_types),
            exclude_mount_points: f
                .exclude_mount_points
                .clone()
                .unwrap_or(defaults.exclude_mount_points),
            exclude_interfaces: f
                .exclude_interfaces
                .clone()
                .unwrap_or(defaults.exclude_interfaces),
            exclude_disks: f.exclude_disks.clone().unwrap_or(defaults.exclude_disks),
            ..defaults
        }
    }

    /// The rules in effect: the defaults (unless off) with same-named rules replaced, then the others.
    pub fn effective_rules(&self) -> Vec<Rule> {
        let mut out: Vec<Rule> = if self.defaults {
            default_rules()
        } else {
            Vec::new()
        };
        for r in &self.rules {
            match out.iter_mut().find(|d| d.name == r.name) {
                Some(d) => *d = r.clone(),
                None => out.push(r.clone()),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slo_reader_knows_every_other_key_of_a_health_policy() {
        let v = serde_json::to_value(Policy::default()).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.retain(|k| *k != "slo");
        keys.sort_unstable();
        let mut known = crate::slo::HEALTH_POLICY_KEYS.to_vec();
        known.sort_unstable();
        assert_eq!(keys, known);
    }
}

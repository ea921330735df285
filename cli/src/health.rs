//! `opskit health …`: a snapshot of this host, checks against a policy, and
//! the Prometheus exposition.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use opskit::health::{self as h, Collector, Evaluator, Policy, Status};

use crate::{Outcome, print_json};

#[derive(Subcommand)]
pub(crate) enum HealthCmd {
    /// One snapshot of this host and this process (two samples a moment apart, for rates).
    Snapshot {
        /// A TOML policy file (its maintenance settings: reboot file, apt upgrades).
        #[arg(long)]
        policy: Option<PathBuf>,
        #[command(flatten)]
        filters: Filters,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check this host against a policy (default rules without one); exit 1 on fail.
    Check {
        /// A TOML policy file: rules and maintenance settings.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[command(flatten)]
        filters: Filters,
        /// Print the health+json document.
        #[arg(long)]
        json: bool,
    },
    /// Serve /metrics and /health until SIGTERM.
    Serve {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1:9464")]
        listen: String,
        /// A TOML policy file.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[command(flatten)]
        filters: Filters,
        /// How often the snapshot is taken and the rules evaluated, in the
        /// background (`0s`: on every request instead). The probes run every
        /// `probe_interval` of the policy.
        #[arg(long, default_value = "1s", alias = "reuse-for")]
        refresh: String,
        /// Open connections beyond which `/metrics` answers 503 with
        /// `Retry-After: 1` (`/health` is always answered).
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
    },
    /// The policy's rules (default rules without one): as Prometheus alerting
    /// rules on `opskit_check_value` followed by each `[[slo]]`'s burn-rate
    /// group, or the threshold rules as JSON.
    Rules {
        /// A TOML policy file.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// `prometheus` (a rule file for `rule_files:`) or `json`.
        #[arg(long, default_value = "prometheus", value_parser = ["prometheus", "json"])]
        format: String,
        /// The rule group's name (default: opskit).
        #[arg(long)]
        group: Option<String>,
    },
    /// The Prometheus exposition of this host, with the policy's checks.
    Prometheus {
        /// A TOML policy file.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[command(flatten)]
        filters: Filters,
        /// OpenMetrics 1.0 instead of text format 0.0.4.
        #[arg(long)]
        openmetrics: bool,
    },
}

/// Two snapshots a moment apart, so CPU usage and network rates are real.
pub(crate) fn sample(p: &Policy) -> opskit::Result<h::HostSnapshot> {
    let mut c = Collector::new(p.collector_options(true))?;
    c.snapshot()?;
    std::thread::sleep(std::time::Duration::from_millis(250));
    c.snapshot()
}

/// What the collector leaves out, over the policy's `[collector]` lists
/// (comma-separated; each replaces its list), and the exposition's names.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct Filters {
    /// Filesystem types to leave out (default: node_exporter's pseudo filesystems).
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    exclude_fs_types: Option<Vec<String>>,
    /// Mount point prefixes to leave out (default: /dev, /proc, /sys, /run/credentials/, container storage).
    #[arg(long, value_delimiter = ',', value_name = "PATHS")]
    exclude_mount_points: Option<Vec<String>>,
    /// Network interfaces to leave out (default: lo).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    exclude_interfaces: Option<Vec<String>>,
    /// Block devices to leave out, a regular expression (default: node_exporter's).
    #[arg(long, value_name = "REGEX")]
    exclude_disks: Option<String>,
    /// The exposition's names: `opskit` (default) or `node` (node_exporter's
    /// own, for node-mixin alerts and node_exporter dashboards).
    #[arg(long, value_name = "opskit|node")]
    names: Option<String>,
}

fn policy(path: Option<PathBuf>) -> opskit::Result<Policy> {
    match path {
        Some(p) => Policy::read(&p),
        None => Ok(Policy::default()),
    }
}

/// The policy at `path` (or the default) with the command line's filters
/// over its `[collector]` lists, validated as the policy file's are.
fn filtered(path: Option<PathBuf>, f: Filters) -> opskit::Result<Policy> {
    let mut p = policy(path)?;
    let c = &mut p.collector;
    c.exclude_fs_types = f.exclude_fs_types.or(c.exclude_fs_types.take());
    c.exclude_mount_points = f.exclude_mount_points.or(c.exclude_mount_points.take());
    c.exclude_interfaces = f.exclude_interfaces.or(c.exclude_interfaces.take());
    c.exclude_disks = f.exclude_disks.or(c.exclude_disks.take());
    if let Some(n) = f.names {
        p.names = n.parse()?;
    }
    Ok(p)
}

/// The policy's checks on one sample (rules evaluated at the sample's time;
/// a one-shot run has no history, so `for` durations cannot have elapsed:
/// a breached threshold is reported as pending).
pub(crate) fn checks(p: &Policy, s: &h::HostSnapshot) -> opskit::Result<Vec<h::CheckResult>> {
    let mut out = Evaluator::new(p.effective_rules())?.evaluate(s, s.time_seconds);
    out.extend(h::run_probes(&p.probes, p.deadline())?);
    Ok(out)
}

/// One line per check: status, name, why.
pub(crate) fn print_checks<'a>(checks: impl Iterator<Item = &'a h::CheckResult>) {
    for c in checks {
        println!(
            "{:<7} {:<28} {}",
            c.status.as_str(),
            opskit::text::quote(&c.name),
            opskit::text::escape_controls(&c.output)
        );
    }
}

pub(crate) fn run(cmd: HealthCmd) -> opskit::Result<Outcome> {
    match cmd {
        HealthCmd::Snapshot {
            policy: path,
            filters,
            json,
        } => {
            let s = sample(&filtered(path, filters)?)?;
            if json {
                print_json(&s)?;
            } else {
                println!(
                    "{} ({}, kernel {}), up {:.0} h",
                    s.host.hostname,
                    s.host.os,
                    s.host.kernel,
                    s.host.uptime_seconds / 3600.0
                );
                println!(
                    "cpu {:.1}% of {} cores; load {:.2} {:.2} {:.2} ({:.2} per core)",
                    s.cpu.usage_percent.unwrap_or(0.0),
                    s.cpu.effective_cores,
                    s.load.one,
                    s.load.five,
                    s.load.fifteen,
                    s.load.per_core_one
                );
                println!(
                    "memory {:.1}% of {:.1} GiB; swap {:.1}% of {:.1} GiB",
                    s.memory.used_percent,
                    s.memory.total_bytes as f64 / 1073741824.0,
                    s.swap.used_percent,
                    s.swap.total_bytes as f64 / 1073741824.0
                );
                for f in &s.filesystems {
                    println!(
                        "disk {:<24} {:>5.1}% of {:>8.1} GiB, inodes {:>5.1}% ({}, {})",
                        f.mountpoint,
                        f.used_percent,
                        f.size_bytes as f64 / 1073741824.0,
                        f.inodes_used_percent,
                        f.fstype,
                        f.device
                    );
                }
                for n in &s.networks {
                    println!(
                        "net  {:<10} rx {:>10.0} B/s  tx {:>10.0} B/s  errors {}/{}",
                        n.device,
                        n.rx_bytes_per_second.unwrap_or(0.0),
                        n.tx_bytes_per_second.unwrap_or(0.0),
                        n.rx_errors,
                        n.tx_errors
                    );
                }
                if let Some(c) = &s.cgroup {
                    println!(
                        "cgroup {}: memory {:?} of {:?} bytes, cpu quota {:?}",
                        c.version, c.memory_current_bytes, c.memory_limit_bytes, c.cpu_quota_cores
                    );
                }
                println!(
                    "{} processes; this one: {} fds of {}, {} threads",
                    s.processes, s.process.open_fds, s.process.max_fds, s.process.threads
                );
                let m = &s.maintenance;
                if m.reboot_required {
                    println!(
                        "reboot required{}",
                        if m.reboot_packages.is_empty() {
                            String::new()
                        } else {
                            format!(" by {}", m.reboot_packages.join(", "))
                        }
                    );
                }
                if let Some(u) = &m.upgrades {
                    match &u.error {
                        Some(why) => println!("upgrades: unknown ({why})"),
                        None => println!("upgrades: {} pending", u.pending),
                    }
                }
            }
        }
        HealthCmd::Check {
            policy: path,
            filters,
            json,
        } => {
            let p = filtered(path, filters)?;
            let s = sample(&p)?;
            let checks = checks(&p, &s)?;
            let draining = p.maintenance.draining();
            let (doc, _) = h::health_json(&s, &checks, draining);
            let status = h::overall(&checks, draining);
            if json {
                print_json(&doc)?;
            } else {
                print_checks(checks.iter());
                if draining {
                    println!("draining: the drain file is present");
                }
                println!("health: {}", status.as_str());
            }
            if status == Status::Fail {
                return Ok(Outcome::CheckFailed);
            }
        }
        HealthCmd::Serve {
            listen,
            policy: path,
            filters,
            refresh,
            max_connections,
        } => {
            let refresh = opskit::time::parse_duration(&refresh, opskit::time::Zero::Allowed)?;
            crate::serve::serve(
                &listen,
                filtered(path, filters)?,
                std::time::Duration::from_secs_f64(refresh),
                max_connections,
            )?;
        }
        HealthCmd::Rules {
            policy: path,
            format,
            group,
        } => {
            let p = policy(path)?;
            if format == "json" {
                print_json(&p.effective_rules())?;
            } else {
                print!("{}", h::policy_prometheus_rules(&p, group.as_deref())?);
            }
        }
        HealthCmd::Prometheus {
            policy: path,
            filters,
            openmetrics,
        } => {
            let p = filtered(path, filters)?;
            let s = sample(&p)?;
            let checks = checks(&p, &s)?;
            let flavour = if openmetrics {
                h::Exposition::OpenMetrics
            } else {
                h::Exposition::Text
            };
            print!("{}", h::exposition_named(&s, &checks, flavour, p.names));
        }
    }
    Ok(Outcome::Ok)
}

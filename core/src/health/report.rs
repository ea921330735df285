//! Reports of one snapshot and its checks: IETF health+json for load
//! balancers, and Prometheus text exposition (0.0.4) or OpenMetrics 1.0 for
//! scrapers, every series `opskit_`-prefixed and shaped like its
//! node_exporter counterpart, plus the standard `process_*` series.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::collect::HostSnapshot;
use super::rules::{CheckResult, Status};

/// The overall status: the worst check (unknown counts as warn); `fail`
/// when draining.
pub fn overall(checks: &[CheckResult], draining: bool) -> Status {
    if draining {
        return Status::Fail;
    }
    checks
        .iter()
        .map(|c| {
            if c.status == Status::Unknown {
                Status::Warn
            } else {
                c.status
            }
        })
        .max()
        .unwrap_or(Status::Pass)
}

/// The health+json document (draft-inadarei-api-health-check-06) and the
/// HTTP status a health endpoint answers with: 200 for pass and warn, 503
/// for fail or draining.
pub fn health_json(
    snapshot: &HostSnapshot,
    checks: &[CheckResult],
    draining: bool,
) -> (Value, u16) {
    let status = overall(checks, draining);
    let when = crate::time::format_rfc3339(snapshot.time_seconds);
    let mut map = serde_json::Map::new();
    for c in checks {
        // "{component}:{measurement}"; neither part may hold ':'.
        let (rule, instance) = c.name.split_once(':').unwrap_or((&c.name, ""));
        let key = format!(
            "{}:{}",
            rule,
            if c.unit == "percent" {
                "utilization"
            } else {
                "value"
            }
        );
        let mut o = json!({
            "componentType": "system",
            "observedValue": c.value,
            "observedUnit": c.unit,
            "status": match c.status { Status::Unknown => "warn", s => s.as_str() },
            "time": when,
        });
        if !instance.is_empty() {
            o["componentId"] = json!(instance);
        }
        if c.status != Status::Pass {
            o["output"] = json!(c.output);
        }
        if let Some(list) = map.entry(key).or_insert_with(|| json!([])).as_array_mut() {
            list.push(o);
        }
    }
    map.insert(
        "uptime".into(),
        json!([{ "componentType": "system", "observedValue": snapshot.host.uptime_seconds, "observedUnit": "s", "status": "pass", "time": when }]),
    );
    let mut doc = json!({
        "status": status.as_str(),
        "version": "1",
        "releaseId": crate::VERSION,
        "serviceId": snapshot.host.hostname,
        "description": format!("opskit health of {}", snapshot.host.hostname),
        "checks": Value::Object(map),
    });
    if draining {
        doc["output"] = json!("draining");
        doc["notes"] =
            json!(["draining: the drain file is present; take this node out of the load balancer"]);
    } else if status != Status::Pass {
        let bad: Vec<&str> = checks
            .iter()
            .filter(|c| c.status >= Status::Warn)
            .map(|c| c.name.as_str())
            .collect();
        doc["output"] = json!(format!("{}: {}", status.as_str(), bad.join(", ")));
    }
    (doc, if status == Status::Fail { 503 } else { 200 })
}

/// Exposition flavours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposition {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    Text,
    /// OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`).
    OpenMetrics,
}

impl Exposition {
    /// The flavour a scraper's `Accept` header asks for, by RFC 9110's
    /// quality values: OpenMetrics when `application/openmetrics-text` is
    /// named with a weight above zero and at least the text format's (named
    /// or through `text/*`, `*/*`); the text format otherwise, as Prometheus'
    /// own client libraries decide.
    pub fn from_accept(accept: &str) -> Exposition {
        let (mut openmetrics, mut text) = (0.0f64, 0.0f64);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, v)| v.trim().parse::<f64>().unwrap_or(0.0))
                .clamp(0.0, 1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Exposition::OpenMetrics
        } else {
            Exposition::Text
        }
    }

    /// The `Content-Type` of the body.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

struct Writer {
    out: String,
    flavour: Exposition,
}

impl Writer {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let head = if self.flavour == Exposition::OpenMetrics && kind == "counter" {
            name.strip_suffix("_total").unwrap_or(name)
        } else {
            name
        };
        let _ = writeln!(
            self.out,
            "# HELP {head} {}",
            help.replace('\\', "\\\\").replace('\n', "\\n")
        );
        let _ = writeln!(self.out, "# TYPE {head} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let v = if value.is_nan() {
            "NaN".to_string()
        } else if value.is_infinite() {
            if value > 0.0 {
                "+Inf".into()
            } else {
                "-Inf".into()
            }
        } else {
            format!("{value}")
        };
        let _ = writeln!(self.out, " {v}");
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

/// The snapshot and checks in Prometheus text format or OpenMetrics.
pub fn exposition(snapshot: &HostSnapshot, checks: &[CheckResult], flavour: Exposition) -> String {
    write_exposition(snapshot, checks, &[], flavour)
}

/// The exposition with, for each probe, when its result was observed
/// (`opskit_probe_timestamp_seconds`; a probe not run yet has none).
pub(super) fn write_exposition(
    snapshot: &HostSnapshot,
    checks: &[CheckResult],
    probe_times: &[(String, Option<f64>)],
    flavour: Exposition,
) -> String {
    let mut w = Writer {
        out: String::with_capacity(8192),
        flavour,
    };
    host_metrics(&mut w, snapshot);
    filesystem_metrics(&mut w, snapshot);
    network_metrics(&mut w, snapshot);
    task_metrics(&mut w, snapshot);
    maintenance_metrics(&mut w, snapshot);
    cgroup_metrics(&mut w, snapshot);
    process_metrics(&mut w, snapshot);
    check_metrics(&mut w, checks);
    probe_metrics(&mut w, probe_times);
    if flavour == Exposition::OpenMetrics {
        w.out.push_str("# EOF\n");
    }
    w.out
}

/// Build info, time, boot time, load, CPU and memory (node_exporter's names under `opskit_`).
fn host_metrics(w: &mut Writer, s: &HostSnapshot) {
    w.family(
        "opskit_build_info",
        "gauge",
        "A metric with a constant '1' value labeled by the opskit version.",
    );
    w.sample("opskit_build_info", &[("version", crate::VERSION)], 1.0);
    w.one(
        "opskit_time_seconds",
        "gauge",
        "System time in seconds since epoch (1970).",
        s.time_seconds,
    );
    w.one(
        "opskit_boot_time_seconds",
        "gauge",
        "Node boot time, in unixtime.",
        s.host.boot_time_seconds,
    );
    w.one("opskit_load1", "gauge", "1m load average.", s.load.one);
    w.one("opskit_load5", "gauge", "5m load average.", s.load.five);
    w.one(
        "opskit_load15",
        "gauge",
        "15m load average.",
        s.load.fifteen,
    );
    w.family(
        "opskit_cpu_seconds_total",
        "counter",
        "Seconds the CPUs spent in each mode.",
    );
    for (i, modes) in s.cpu.seconds.iter().enumerate() {
        let cpu = i.to_string();
        for (mode, secs) in modes {
            w.sample(
                "opskit_cpu_seconds_total",
                &[("cpu", &cpu), ("mode", mode)],
                *secs,
            );
        }
    }
    w.one(
        "opskit_cpu_effective_cores",
        "gauge",
        "CPUs this process may use (affinity and cgroup quota).",
        f64::from(s.cpu.effective_cores),
    );
    w.one(
        "opskit_memory_total_bytes",
        "gauge",
        "Memory information field MemTotal, in bytes.",
        s.memory.total_bytes as f64,
    );
    w.one(
        "opskit_memory_available_bytes",
        "gauge",
        "Memory information field MemAvailable, in bytes.",
        s.memory.available_bytes as f64,
    );
    w.one(
        "opskit_memory_swap_total_bytes",
        "gauge",
        "Memory information field SwapTotal, in bytes.",
        s.swap.total_bytes as f64,
    );
    w.one(
        "opskit_memory_swap_free_bytes",
        "gauge",
        "Memory information field SwapFree, in bytes.",
        s.swap.available_bytes as f64,
    );
}

/// Each mounted filesystem's sizes, inodes and errors.
fn filesystem_metrics(w: &mut Writer, s: &HostSnapshot) {
    type FsField = fn(&super::collect::Filesystem) -> f64;
    let fs_families: [(&str, &str, FsField); 6] = [
        (
            "opskit_filesystem_size_bytes",
            "Filesystem size in bytes.",
            |f| f.size_bytes as f64,
        ),
        (
            "opskit_filesystem_avail_bytes",
            "Filesystem space available to non-root users in bytes.",
            |f| f.avail_bytes as f64,
        ),
        (
            "opskit_filesystem_free_bytes",
            "Filesystem free space in bytes.",
            |f| f.free_bytes as f64,
        ),
        (
            "opskit_filesystem_files",
            "Filesystem total file nodes.",
            |f| f.files as f64,
        ),
        (
            "opskit_filesystem_files_free",
            "Filesystem total free file nodes.",
            |f| f.files_free as f64,
        ),
        (
            "opskit_filesystem_readonly",
            "Filesystem read-only status.",
            |f| if f.readonly { 1.0 } else { 0.0 },
        ),
    ];
    // As node_exporter: every filesystem gets device_error; one with an
    // error (statvfs failed or hung) gets no other series.
    w.family(
        "opskit_filesystem_device_error",
        "gauge",
        "Whether an error occurred while getting statistics for the given device.",
    );
    for f in &s.filesystems {
        w.sample(
            "opskit_filesystem_device_error",
            &[
                ("device", &f.device),
                ("fstype", &f.fstype),
                ("mountpoint", &f.mountpoint),
            ],
            if f.error.is_some() { 1.0 } else { 0.0 },
        );
    }
    for (name, help, get) in fs_families {
        w.family(name, "gauge", help);
        for f in s.filesystems.iter().filter(|f| f.error.is_none()) {
            w.sample(
                name,
                &[
                    ("device", &f.device),
                    ("fstype", &f.fstype),
                    ("mountpoint", &f.mountpoint),
                ],
                get(f),
            );
        }
    }
}

/// Each interface's byte, packet, error and drop counters.
fn network_metrics(w: &mut Writer, s: &HostSnapshot) {
    type NetField = fn(&super::collect::Network) -> f64;
    let net_families: [(&str, &str, NetField); 8] = [
        (
            "opskit_network_receive_bytes_total",
            "Network device statistic receive_bytes.",
            |n| n.rx_bytes as f64,
        ),
        (
            "opskit_network_transmit_bytes_total",
            "Network device statistic transmit_bytes.",
            |n| n.tx_bytes as f64,
        ),
        (
            "opskit_network_receive_packets_total",
            "Network device statistic receive_packets.",
            |n| n.rx_packets as f64,
        ),
        (
            "opskit_network_transmit_packets_total",
            "Network device statistic transmit_packets.",
            |n| n.tx_packets as f64,
        ),
        (
            "opskit_network_receive_errs_total",
            "Network device statistic receive_errs.",
            |n| n.rx_errors as f64,
        ),
        (
            "opskit_network_transmit_errs_total",
            "Network device statistic transmit_errs.",
            |n| n.tx_errors as f64,
        ),
        (
            "opskit_network_receive_drop_total",
            "Network device statistic receive_drop.",
            |n| n.rx_drop as f64,
        ),
        (
            "opskit_network_transmit_drop_total",
            "Network device statistic transmit_drop.",
            |n| n.tx_drop as f64,
        ),
    ];
    for (name, help, get) in net_families {
        w.family(name, "counter", help);
        for n in &s.networks {
            w.sample(name, &[("device", &n.device)], get(n));
        }
    }
}

/// Processes and threads on the host.
fn task_metrics(w: &mut Writer, s: &HostSnapshot) {
    w.one(
        "opskit_processes",
        "gauge",
        "Processes on the host: PIDs in /proc (node_exporter's node_processes_pids).",
        s.processes as f64,
    );
    w.one(
        "opskit_threads",
        "gauge",
        "Threads on the host: scheduling entities in /proc/loadavg (node_exporter's node_processes_threads).",
        s.threads as f64,
    );
}

/// Reboot required and pending apt upgrades, as node_exporter's apt textfile collectors publish them.
fn maintenance_metrics(w: &mut Writer, s: &HostSnapshot) {
    // As node_exporter's apt.sh/apt_info.py textfile collectors publish them.
    let m = &s.maintenance;
    w.one(
        "opskit_reboot_required",
        "gauge",
        "Node reboot is required for software updates.",
        if m.reboot_required { 1.0 } else { 0.0 },
    );
    if let Some(u) = m.upgrades.as_ref().filter(|u| u.error.is_none()) {
        w.family(
            "opskit_apt_upgrades_pending",
            "gauge",
            "Apt packages pending updates by origin.",
        );
        if u.groups.is_empty() {
            w.sample(
                "opskit_apt_upgrades_pending",
                &[("origin", ""), ("arch", "")],
                0.0,
            );
        }
        for g in &u.groups {
            w.sample(
                "opskit_apt_upgrades_pending",
                &[("origin", &g.origin), ("arch", &g.arch)],
                g.count as f64,
            );
        }
        if let Some(t) = u.lists_updated_seconds {
            w.one(
                "opskit_apt_package_cache_timestamp_seconds",
                "gauge",
                "Apt update last run time.",
                t,
            );
        }
    }
}

/// The cgroup's memory limit and usage.
fn cgroup_metrics(w: &mut Writer, s: &HostSnapshot) {
    if let Some(c) = &s.cgroup {
        if let Some(l) = c.memory_limit_bytes {
            w.one(
                "opskit_cgroup_memory_limit_bytes",
                "gauge",
                "Memory limit of this process's cgroup, in bytes.",
                l as f64,
            );
        }
        if let Some(u) = c.memory_current_bytes {
            w.one(
                "opskit_cgroup_memory_usage_bytes",
                "gauge",
                "Memory charged to this process's cgroup, in bytes.",
                u as f64,
            );
        }
    }
}

/// This process, in the client libraries' standard `process_*` names.
fn process_metrics(w: &mut Writer, s: &HostSnapshot) {
    let p = &s.process;
    w.one(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        p.cpu_seconds,
    );
    w.one(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        p.resident_bytes as f64,
    );
    w.one(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        p.virtual_bytes as f64,
    );
    w.one(
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
        p.open_fds as f64,
    );
    w.one(
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
        p.max_fds as f64,
    );
    w.one(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        p.start_time_seconds,
    );
}

/// Each check's up, level and value.
fn check_metrics(w: &mut Writer, checks: &[CheckResult]) {
    if !checks.is_empty() {
        w.family(
            "opskit_check_up",
            "gauge",
            "1 when the check passes or warns, 0 when it fails or has no value.",
        );
        for c in checks {
            let up = matches!(c.status, Status::Pass | Status::Warn);
            w.sample(
                "opskit_check_up",
                &[("check", &c.name)],
                if up { 1.0 } else { 0.0 },
            );
        }
        w.family(
            "opskit_check_level",
            "gauge",
            "The check's level: 0 pass, 1 warn, 2 fail, -1 unknown.",
        );
        for c in checks {
            let level = match c.status {
                Status::Pass => 0.0,
                Status::Warn => 1.0,
                Status::Fail => 2.0,
                Status::Unknown => -1.0,
            };
            w.sample("opskit_check_level", &[("check", &c.name)], level);
        }
        w.family(
            "opskit_check_value",
            "gauge",
            "The value the check observed.",
        );
        for c in checks {
            if let Some(v) = c.value {
                w.sample("opskit_check_value", &[("check", &c.name)], v);
            }
        }
    }
}

/// When each probe's latest result was observed: `time() - …` is its age,
/// and an age past the probe interval plus the deadline means the probes
/// have stopped reporting.
fn probe_metrics(w: &mut Writer, probe_times: &[(String, Option<f64>)]) {
    if probe_times.iter().any(|(_, t)| t.is_some()) {
        w.family(
            "opskit_probe_timestamp_seconds",
            "gauge",
            "When the probe's latest result was observed, in unixtime.",
        );
        for (name, at) in probe_times {
            if let Some(at) = at {
                w.sample("opskit_probe_timestamp_seconds", &[("check", name)], *at);
            }
        }
    }
}

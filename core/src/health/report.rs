//! Reports of one snapshot and its checks: IETF health+json for load
//! balancers, and Prometheus text exposition (0.0.4) or OpenMetrics 1.0 for
//! scrapers, every series `opskit_`-prefixed and shaped like its
//! node_exporter counterpart, plus the standard `process_*` series.
use serde::{Deserialize, Serialize};
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
        .map(|c| match c.status {
            Status::Unknown => Status::Warn,
            // An SLO is the service's, shared by every instance: it pages,
            // but failing /health would take every instance out at once.
            Status::Fail if c.probe.as_deref() == Some(super::slo::SLO_CHECK_KIND) => Status::Warn,
            s => s,
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
        // The draft's measurement names: a TCP or HTTP probe times a
        // dependency's answer (responseTime, a component's); a rule
        // measures the system.
        let measurement = match (c.probe.as_deref(), c.unit.as_str()) {
            (Some("tcp" | "http"), _) => "responseTime",
            (Some(super::slo::SLO_CHECK_KIND), _) => "burnRate",
            (_, "percent") => "utilization",
            _ => "value",
        };
        let key = format!("{rule}:{measurement}");
        let component = if c.probe.is_some() {
            "component"
        } else {
            "system"
        };
        let mut o = json!({
            "componentType": component,
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

/// The names an exposition gives its series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Names {
    /// `opskit_*`, node_exporter's names under opskit's prefix, lint-clean
    /// (meminfo fields in snake case, vmstat fields as counters).
    #[default]
    Opskit,
    /// node_exporter's exact names, labels and types (`node_*`,
    /// `node_memory_MemAvailable_bytes`, untyped `node_vmstat_*`, the apt
    /// textfile collector's `apt_*`), so node-mixin's alerts and
    /// node_exporter dashboards work unchanged. Series node_exporter has no
    /// counterpart for (checks, probes, cgroup, effective cores) keep their
    /// `opskit_` names.
    Node,
}

impl std::str::FromStr for Names {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Names> {
        match s {
            "opskit" => Ok(Names::Opskit),
            "node" => Ok(Names::Node),
            _ => Err(crate::Error::invalid(format!(
                "names {s:?}: give \"opskit\" (opskit_* series) or \"node\" (node_exporter's names)"
            ))),
        }
    }
}

/// opskit series that are node_exporter's under another prefix: in
/// [`Names::Node`] `opskit_` becomes `node_`.
const NODE_PREFIXES: &[&str] = &[
    "opskit_time_seconds",
    "opskit_boot_time_seconds",
    "opskit_load",
    "opskit_cpu_seconds_total",
    "opskit_cpu_guest_seconds_total",
    "opskit_filesystem_",
    "opskit_network_",
    "opskit_disk_",
    "opskit_pressure_",
    "opskit_procs_",
    "opskit_context_switches_total",
    "opskit_intr_total",
    "opskit_forks_total",
    "opskit_filefd_",
    "opskit_uname_info",
    "opskit_os_info",
    "opskit_os_version",
    "opskit_reboot_required",
];

/// A series' name in `names`.
fn named(name: &str, names: Names) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if names == Names::Opskit {
        return Cow::Borrowed(name);
    }
    match name {
        "opskit_processes" => Cow::Borrowed("node_processes_pids"),
        "opskit_threads" => Cow::Borrowed("node_processes_threads"),
        // What node_exporter's apt textfile collector (apt_info.py) writes.
        "opskit_apt_upgrades_pending" => Cow::Borrowed("apt_upgrades_pending"),
        "opskit_apt_package_cache_timestamp_seconds" => {
            Cow::Borrowed("apt_package_cache_timestamp_seconds")
        }
        _ if NODE_PREFIXES.iter().any(|p| name.starts_with(p)) => {
            Cow::Owned(format!("node_{}", &name["opskit_".len()..]))
        }
        _ => Cow::Borrowed(name),
    }
}

/// The shared exposition writer with opskit's or node_exporter's names.
struct Writer {
    w: crate::exposition::Writer,
    names: Names,
}

impl Writer {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        self.w.family(&named(name, self.names), kind, help);
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.w.sample(&named(name, self.names), labels, value);
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

pub use crate::exposition::Exposition;

/// The snapshot and checks in Prometheus text format or OpenMetrics, with
/// opskit's names.
pub fn exposition(snapshot: &HostSnapshot, checks: &[CheckResult], flavour: Exposition) -> String {
    write_exposition(snapshot, checks, &[], flavour, Names::Opskit, "")
}

/// The exposition with the series named as `names` says (node_exporter's
/// own names with [`Names::Node`]).
pub fn exposition_named(
    snapshot: &HostSnapshot,
    checks: &[CheckResult],
    flavour: Exposition,
    names: Names,
) -> String {
    write_exposition(snapshot, checks, &[], flavour, names, "")
}

/// The exposition followed by `extra`: other families in the same flavour,
/// without `# EOF` (a service's own series, from
/// `opskit::apm::Registry::render_into`), so one `/metrics` answer holds
/// host, process and application series and OpenMetrics ends once.
pub fn exposition_with(
    snapshot: &HostSnapshot,
    checks: &[CheckResult],
    flavour: Exposition,
    names: Names,
    extra: &str,
) -> String {
    write_exposition(snapshot, checks, &[], flavour, names, extra)
}

/// The exposition with, for each probe, when its result was observed
/// (`opskit_probe_timestamp_seconds`; a probe not run yet has none).
pub(super) fn write_exposition(
    snapshot: &HostSnapshot,
    checks: &[CheckResult],
    probe_times: &[(String, Option<f64>)],
    flavour: Exposition,
    names: Names,
    extra: &str,
) -> String {
    let mut w = Writer {
        w: crate::exposition::Writer::new(flavour),
        names,
    };
    host_metrics(&mut w, snapshot);
    filesystem_metrics(&mut w, snapshot);
    network_metrics(&mut w, snapshot);
    meminfo_metrics(&mut w, snapshot);
    disk_metrics(&mut w, snapshot);
    task_metrics(&mut w, snapshot);
    kernel_metrics(&mut w, snapshot);
    system_metrics(&mut w, snapshot);
    maintenance_metrics(&mut w, snapshot);
    cgroup_metrics(&mut w, snapshot);
    process_metrics(&mut w, snapshot);
    check_metrics(&mut w, checks);
    probe_metrics(&mut w, probe_times);
    w.w.out.push_str(extra);
    if flavour == Exposition::OpenMetrics {
        w.w.out.push_str("# EOF\n");
    }
    w.w.out
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
    w.family(
        "opskit_cpu_guest_seconds_total",
        "counter",
        "Seconds the CPUs spent in guests (VMs) for each mode.",
    );
    for (i, modes) in s.cpu.guest_seconds.iter().enumerate() {
        let cpu = i.to_string();
        for (mode, secs) in modes {
            w.sample(
                "opskit_cpu_guest_seconds_total",
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
    // node_exporter writes these four with every other meminfo field.
    if w.names == Names::Node && !s.meminfo.is_empty() {
        return;
    }
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
    let net_families: [(&str, &str, NetField); 16] = [
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
        (
            "opskit_network_receive_fifo_total",
            "Network device statistic receive_fifo.",
            |n| n.rx_fifo as f64,
        ),
        (
            "opskit_network_receive_frame_total",
            "Network device statistic receive_frame.",
            |n| n.rx_frame as f64,
        ),
        (
            "opskit_network_receive_compressed_total",
            "Network device statistic receive_compressed.",
            |n| n.rx_compressed as f64,
        ),
        (
            "opskit_network_receive_multicast_total",
            "Network device statistic receive_multicast.",
            |n| n.rx_multicast as f64,
        ),
        (
            "opskit_network_transmit_fifo_total",
            "Network device statistic transmit_fifo.",
            |n| n.tx_fifo as f64,
        ),
        (
            "opskit_network_transmit_colls_total",
            "Network device statistic transmit_colls.",
            |n| n.tx_colls as f64,
        ),
        (
            "opskit_network_transmit_carrier_total",
            "Network device statistic transmit_carrier.",
            |n| n.tx_carrier as f64,
        ),
        (
            "opskit_network_transmit_compressed_total",
            "Network device statistic transmit_compressed.",
            |n| n.tx_compressed as f64,
        ),
    ];
    for (name, help, get) in net_families {
        w.family(name, "counter", help);
        for n in &s.networks {
            w.sample(name, &[("device", &n.device)], get(n));
        }
    }
    w.family(
        "opskit_network_up",
        "gauge",
        "Value is 1 if operstate is 'up', 0 otherwise.",
    );
    for n in &s.networks {
        let up = if n.operstate == "up" { 1.0 } else { 0.0 };
        w.sample("opskit_network_up", &[("device", &n.device)], up);
    }
    type ClassField = fn(&super::collect::Network) -> Option<u64>;
    let class: [(&str, &str, ClassField); 3] = [
        (
            "opskit_network_carrier",
            "Network device property: carrier.",
            |n| n.carrier,
        ),
        (
            "opskit_network_mtu_bytes",
            "Network device property: mtu_bytes.",
            |n| n.mtu_bytes,
        ),
        (
            "opskit_network_speed_bytes",
            "Network device property: speed_bytes.",
            |n| n.speed_bytes,
        ),
    ];
    for (name, help, get) in class {
        if s.networks.iter().any(|n| get(n).is_some()) {
            w.family(name, "gauge", help);
            for n in &s.networks {
                if let Some(v) = get(n) {
                    w.sample(name, &[("device", &n.device)], v as f64);
                }
            }
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
        "process_virtual_memory_max_bytes",
        "gauge",
        "Maximum amount of virtual memory available in bytes.",
        // Unlimited is the largest limit, as the client libraries write it.
        p.max_virtual_bytes.unwrap_or(u64::MAX) as f64,
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

/// `Active(anon)` → `active_anon`, `MemTotal` → `mem_total`,
/// `KReclaimable` → `kreclaimable`: node_exporter's meminfo field names in
/// the snake case promtool asks for.
fn snake(name: &str) -> String {
    let c: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &ch) in c.iter().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            let prev = c[i - 1];
            let next_lower = c.get(i + 1).is_some_and(char::is_ascii_lowercase);
            // An acronym ends before a capitalised word ("NFSUnstable"), but
            // a lone capital prefix stays ("SReclaimable" → "sreclaimable":
            // promtool reads a bare `s` as an abbreviated unit).
            let acronym = i >= 2 && c[i - 2].is_ascii_uppercase();
            if prev.is_ascii_lowercase() || prev.is_ascii_uppercase() && next_lower && acronym {
                out.push('_');
            }
        }
        out.push(ch.to_ascii_lowercase());
    }
    // promtool reads `sec` as an abbreviated unit too.
    match out.strip_prefix("sec_") {
        Some(rest) => format!("secondary_{rest}"),
        None => out,
    }
}

/// Every `/proc/meminfo` field (node_exporter's meminfo collector):
/// `opskit_memory_<field>_bytes`, and the huge page counts by state.
fn meminfo_metrics(w: &mut Writer, s: &HostSnapshot) {
    if w.names == Names::Node {
        for (field, value) in &s.meminfo {
            // node_exporter: `_bytes` for the kB fields, counts as they are.
            let (name, help) = if field.starts_with("HugePages_") {
                (
                    format!("node_memory_{field}"),
                    format!("Memory information field {field}."),
                )
            } else {
                (
                    format!("node_memory_{field}_bytes"),
                    format!("Memory information field {field}_bytes."),
                )
            };
            w.one(&name, "gauge", &help, *value as f64);
        }
        return;
    }
    for (field, value) in &s.meminfo {
        // Written above under the names the rules and dashboards use.
        if field.starts_with("HugePages_") || field == "SwapTotal" || field == "SwapFree" {
            continue;
        }
        let name = format!("opskit_memory_{}_bytes", snake(field));
        w.one(
            &name,
            "gauge",
            &format!("Memory information field {field}_bytes."),
            *value as f64,
        );
    }
    let pages: Vec<(&str, u64)> = s
        .meminfo
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("HugePages_")?, *v)))
        .collect();
    if !pages.is_empty() {
        w.family(
            "opskit_memory_huge_pages",
            "gauge",
            "Memory information fields HugePages_Total, _Free, _Rsvd and _Surp, by state.",
        );
        for (state, v) in pages {
            let state = state.to_ascii_lowercase();
            w.sample("opskit_memory_huge_pages", &[("state", &state)], v as f64);
        }
    }
}

/// Block device I/O (node_exporter's diskstats collector).
fn disk_metrics(w: &mut Writer, s: &HostSnapshot) {
    type DiskField = fn(&super::collect::Disk) -> Option<f64>;
    let families: [(&str, &str, &str, DiskField); 17] = [
        (
            "opskit_disk_reads_completed_total",
            "counter",
            "The total number of reads completed successfully.",
            |d| Some(d.reads_completed as f64),
        ),
        (
            "opskit_disk_reads_merged_total",
            "counter",
            "The total number of reads merged.",
            |d| Some(d.reads_merged as f64),
        ),
        (
            "opskit_disk_read_bytes_total",
            "counter",
            "The total number of bytes read successfully.",
            |d| Some(d.read_bytes as f64),
        ),
        (
            "opskit_disk_read_time_seconds_total",
            "counter",
            "The total number of seconds spent by all reads.",
            |d| Some(d.read_time_seconds),
        ),
        (
            "opskit_disk_writes_completed_total",
            "counter",
            "The total number of writes completed successfully.",
            |d| Some(d.writes_completed as f64),
        ),
        (
            "opskit_disk_writes_merged_total",
            "counter",
            "The number of writes merged.",
            |d| Some(d.writes_merged as f64),
        ),
        (
            "opskit_disk_written_bytes_total",
            "counter",
            "The total number of bytes written successfully.",
            |d| Some(d.written_bytes as f64),
        ),
        (
            "opskit_disk_write_time_seconds_total",
            "counter",
            "This is the total number of seconds spent by all writes.",
            |d| Some(d.write_time_seconds),
        ),
        (
            "opskit_disk_io_now",
            "gauge",
            "The number of I/Os currently in progress.",
            |d| Some(d.io_now as f64),
        ),
        (
            "opskit_disk_io_time_seconds_total",
            "counter",
            "Total seconds spent doing I/Os.",
            |d| Some(d.io_time_seconds),
        ),
        (
            "opskit_disk_io_time_weighted_seconds_total",
            "counter",
            "The weighted # of seconds spent doing I/Os.",
            |d| Some(d.io_time_weighted_seconds),
        ),
        (
            "opskit_disk_discards_completed_total",
            "counter",
            "The total number of discards completed successfully.",
            |d| d.discards_completed.map(|v| v as f64),
        ),
        (
            "opskit_disk_discards_merged_total",
            "counter",
            "The total number of discards merged.",
            |d| d.discards_merged.map(|v| v as f64),
        ),
        (
            "opskit_disk_discarded_sectors_total",
            "counter",
            "The total number of sectors discarded successfully.",
            |d| d.discarded_sectors.map(|v| v as f64),
        ),
        (
            "opskit_disk_discard_time_seconds_total",
            "counter",
            "This is the total number of seconds spent by all discards.",
            |d| d.discard_time_seconds,
        ),
        (
            "opskit_disk_flush_requests_total",
            "counter",
            "The total number of flush requests completed successfully",
            |d| d.flush_requests.map(|v| v as f64),
        ),
        (
            "opskit_disk_flush_requests_time_seconds_total",
            "counter",
            "This is the total number of seconds spent by all flush requests.",
            |d| d.flush_time_seconds,
        ),
    ];
    for (name, kind, help, get) in families {
        if s.disks.iter().any(|d| get(d).is_some()) {
            w.family(name, kind, help);
            for d in &s.disks {
                if let Some(v) = get(d) {
                    w.sample(name, &[("device", &d.device)], v);
                }
            }
        }
    }
}

/// Tasks, context switches, interrupts, forks, file handles, vmstat and
/// pressure (node_exporter's stat, filefd, vmstat and pressure collectors).
fn kernel_metrics(w: &mut Writer, s: &HostSnapshot) {
    let k = &s.kernel;
    let counts: [(&str, &str, &str, u64); 7] = [
        (
            "opskit_procs_running",
            "gauge",
            "Number of processes in runnable state.",
            k.procs_running,
        ),
        (
            "opskit_procs_blocked",
            "gauge",
            "Number of processes blocked waiting for I/O to complete.",
            k.procs_blocked,
        ),
        (
            "opskit_context_switches_total",
            "counter",
            "Total number of context switches.",
            k.context_switches,
        ),
        (
            "opskit_intr_total",
            "counter",
            "Total number of interrupts serviced.",
            k.interrupts,
        ),
        (
            "opskit_forks_total",
            "counter",
            "Total number of forks.",
            k.forks,
        ),
        (
            "opskit_filefd_allocated",
            "gauge",
            "File descriptor statistics: allocated.",
            k.files_allocated,
        ),
        (
            "opskit_filefd_maximum",
            "gauge",
            "File descriptor statistics: maximum.",
            // No limit is LONG_MAX, as the kernel (and node_exporter) write it.
            k.files_maximum.unwrap_or(i64::MAX as u64),
        ),
    ];
    for (name, kind, help, v) in counts {
        w.one(name, kind, help, v as f64);
    }
    for (field, v) in &k.vmstat {
        let help = format!("/proc/vmstat information field {field}.");
        match w.names {
            Names::Opskit => w.one(
                &format!("opskit_vmstat_{field}_total"),
                "counter",
                &help,
                *v as f64,
            ),
            // node_exporter leaves them untyped.
            Names::Node => w.one(&format!("node_vmstat_{field}"), "untyped", &help, *v as f64),
        }
    }
    if let Some(p) = &s.pressure {
        let stalls: [(&str, &str, Option<f64>); 6] = [
            (
                "opskit_pressure_cpu_waiting_seconds_total",
                "Total time in seconds that processes have waited for CPU time",
                Some(p.cpu_waiting_seconds),
            ),
            (
                "opskit_pressure_cpu_stalled_seconds_total",
                "Total time in seconds no process could make progress due to CPU congestion",
                p.cpu_stalled_seconds,
            ),
            (
                "opskit_pressure_memory_waiting_seconds_total",
                "Total time in seconds that processes have waited for memory",
                Some(p.memory_waiting_seconds),
            ),
            (
                "opskit_pressure_memory_stalled_seconds_total",
                "Total time in seconds no process could make progress due to memory congestion",
                Some(p.memory_stalled_seconds),
            ),
            (
                "opskit_pressure_io_waiting_seconds_total",
                "Total time in seconds that processes have waited due to IO congestion",
                Some(p.io_waiting_seconds),
            ),
            (
                "opskit_pressure_io_stalled_seconds_total",
                "Total time in seconds no process could make progress due to IO congestion",
                Some(p.io_stalled_seconds),
            ),
        ];
        for (name, help, v) in stalls {
            if let Some(v) = v {
                w.one(name, "counter", help, v);
            }
        }
    }
}

/// `uname(2)` and `/etc/os-release` as info series (node_exporter's uname
/// and os collectors).
fn system_metrics(w: &mut Writer, s: &HostSnapshot) {
    let u = &s.host.uname;
    w.family(
        "opskit_uname_info",
        "gauge",
        "Labeled system information as provided by the uname system call.",
    );
    w.sample(
        "opskit_uname_info",
        &[
            ("domainname", &u.domainname),
            ("machine", &u.machine),
            ("nodename", &u.nodename),
            ("release", &u.release),
            ("sysname", &u.sysname),
            ("version", &u.version),
        ],
        1.0,
    );
    let os = &s.host.os_release;
    if os.is_empty() {
        return;
    }
    let get = |k: &str| os.get(k).map_or("", String::as_str);
    let labels = [
        ("build_id", get("BUILD_ID")),
        ("id", get("ID")),
        ("id_like", get("ID_LIKE")),
        ("image_id", get("IMAGE_ID")),
        ("image_version", get("IMAGE_VERSION")),
        ("name", get("NAME")),
        ("pretty_name", get("PRETTY_NAME")),
        ("variant", get("VARIANT")),
        ("variant_id", get("VARIANT_ID")),
        ("version", get("VERSION")),
        ("version_codename", get("VERSION_CODENAME")),
        ("version_id", get("VERSION_ID")),
    ];
    w.family(
        "opskit_os_info",
        "gauge",
        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
    );
    w.sample("opskit_os_info", &labels, 1.0);
    // node_exporter parses VERSION_ID as a number ("12", "22.04"; 0 when it is not one).
    let version = get("VERSION_ID").parse::<f64>().unwrap_or(0.0);
    w.family(
        "opskit_os_version",
        "gauge",
        "Metric containing the major.minor part of the OS version.",
    );
    w.sample(
        "opskit_os_version",
        &[
            ("id", get("ID")),
            ("id_like", get("ID_LIKE")),
            ("name", get("NAME")),
        ],
        version,
    );
}

//! What a snapshot holds: the host, its CPU, memory, filesystems, networks,
//! cgroup, this process and its maintenance state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::health::maintenance::MaintenanceState;

/// The host: names and clocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct HostInfo {
    /// The host name.
    pub hostname: String,
    /// The OS (`PRETTY_NAME` of `/etc/os-release`).
    pub os: String,
    /// The kernel release.
    pub kernel: String,
    /// Seconds since boot.
    pub uptime_seconds: f64,
    /// Boot time, seconds since the Unix epoch.
    pub boot_time_seconds: f64,
}

/// Load averages, and per effective CPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Load {
    /// 1-minute load average.
    pub one: f64,
    /// 5-minute load average.
    pub five: f64,
    /// 15-minute load average.
    pub fifteen: f64,
    /// `one` divided by the effective CPUs.
    pub per_core_one: f64,
    /// `five` divided by the effective CPUs.
    pub per_core_five: f64,
    /// `fifteen` divided by the effective CPUs.
    pub per_core_fifteen: f64,
}

/// CPU time and usage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Cpu {
    /// Logical CPUs of the host.
    pub cores: u32,
    /// CPUs this process may use (affinity and cgroup quota; Rust's `available_parallelism`).
    pub effective_cores: u32,
    /// Busy share of all CPUs since the previous snapshot, in percent (idle,
    /// iowait and steal are not busy); `None` on the first snapshot.
    pub usage_percent: Option<f64>,
    /// The same per CPU.
    pub per_core_percent: Vec<Option<f64>>,
    /// Cumulative seconds per CPU and mode, as `node_cpu_seconds_total`:
    /// `seconds[cpu][mode]` with modes user, nice, system, idle, iowait, irq, softirq, steal.
    pub seconds: Vec<BTreeMap<String, f64>>,
}

/// Memory or swap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Memory {
    /// Total bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total_bytes: u64,
    /// Bytes available without swapping (MemAvailable; free for swap).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub available_bytes: u64,
    /// `total - available`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub used_bytes: u64,
    /// `used / total` in percent (0 when total is 0).
    pub used_percent: f64,
}

/// One mounted filesystem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Filesystem {
    /// Where it is mounted.
    pub mountpoint: String,
    /// Its type (ext4, xfs, ...).
    pub fstype: String,
    /// The device.
    pub device: String,
    /// Size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_bytes: u64,
    /// Bytes available to unprivileged users (f_bavail).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub avail_bytes: u64,
    /// Free bytes including root's reserve (f_bfree).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub free_bytes: u64,
    /// `used / (used + avail)` in percent, where `used = size - free`: what `df` shows.
    pub used_percent: f64,
    /// Inodes, when the filesystem has them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
    /// Free inodes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_free: u64,
    /// Used inodes in percent (0 when the filesystem reports none).
    pub inodes_used_percent: f64,
    /// Mounted read-only.
    pub readonly: bool,
    /// Why its numbers are missing (all 0): `statvfs` failed, or did not
    /// answer within the mount timeout (a hung NFS or FUSE mount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One network interface: cumulative counters and rates since the previous snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Network {
    /// The interface.
    pub device: String,
    /// Bytes received.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rx_bytes: u64,
    /// Bytes sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tx_bytes: u64,
    /// Packets received.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rx_packets: u64,
    /// Packets sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tx_packets: u64,
    /// Receive errors.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rx_errors: u64,
    /// Transmit errors.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tx_errors: u64,
    /// Received packets dropped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rx_drop: u64,
    /// Sent packets dropped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tx_drop: u64,
    /// Receive rate since the previous snapshot; `None` on the first.
    pub rx_bytes_per_second: Option<f64>,
    /// Transmit rate since the previous snapshot; `None` on the first.
    pub tx_bytes_per_second: Option<f64>,
}

/// Limits of the cgroup this process runs in, with usage against them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Cgroup {
    /// `v1` or `v2`.
    pub version: String,
    /// The memory limit, when one is set below the host's memory.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub memory_limit_bytes: Option<u64>,
    /// Memory charged to the cgroup.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub memory_current_bytes: Option<u64>,
    /// `current / limit` in percent.
    pub memory_used_percent: Option<f64>,
    /// The CPU quota in cores (`cpu.max` / `cfs_quota_us`), when set.
    pub cpu_quota_cores: Option<f64>,
}

/// The calling process (APM's first step).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct ProcessInfo {
    /// Its pid.
    pub pid: u32,
    /// User plus system CPU seconds.
    pub cpu_seconds: f64,
    /// Resident memory.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resident_bytes: u64,
    /// Virtual memory.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub virtual_bytes: u64,
    /// Open file descriptors.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open_fds: u64,
    /// The soft limit of file descriptors.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub max_fds: u64,
    /// `open / max` in percent.
    pub open_fds_percent: f64,
    /// Threads.
    pub threads: u32,
    /// Start time, seconds since the Unix epoch.
    pub start_time_seconds: f64,
}

/// One snapshot of the host and the calling process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct HostSnapshot {
    /// When, seconds since the Unix epoch.
    pub time_seconds: f64,
    /// The first snapshot of this collector: no CPU usage or network rates yet.
    pub first: bool,
    /// The host.
    pub host: HostInfo,
    /// Load averages.
    pub load: Load,
    /// CPU.
    pub cpu: Cpu,
    /// Memory.
    pub memory: Memory,
    /// Swap.
    pub swap: Memory,
    /// Real filesystems, one per device.
    pub filesystems: Vec<Filesystem>,
    /// Network interfaces.
    pub networks: Vec<Network>,
    /// Processes on the host: the PIDs in `/proc` (node_exporter's
    /// `node_processes_pids`).
    pub processes: u64,
    /// Threads on the host: the kernel's scheduling entities, the
    /// denominator of `/proc/loadavg` (node_exporter's
    /// `node_processes_threads`). Absent from snapshots written before it
    /// was recorded: 0.
    #[serde(default)]
    pub threads: u64,
    /// cgroup limits, inside a container or a limited unit.
    pub cgroup: Option<Cgroup>,
    /// The calling process.
    pub process: ProcessInfo,
    /// Reboot required and pending upgrades, for rolling patching.
    #[serde(default)]
    pub maintenance: MaintenanceState,
}

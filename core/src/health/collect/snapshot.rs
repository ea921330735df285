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
    /// `uname(2)`.
    #[serde(default)]
    pub uname: Uname,
    /// `/etc/os-release`'s fields (`ID`, `VERSION_ID`, `PRETTY_NAME`…).
    #[serde(default)]
    pub os_release: BTreeMap<String, String>,
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
    /// Cumulative seconds per CPU running guests, as
    /// `node_cpu_guest_seconds_total`: modes user and nice (also counted
    /// in `seconds`' user and nice, as the kernel counts them).
    #[serde(default)]
    pub guest_seconds: Vec<BTreeMap<String, f64>>,
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
    /// Receive FIFO overruns.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub rx_fifo: u64,
    /// Receive framing errors.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub rx_frame: u64,
    /// Compressed packets received.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub rx_compressed: u64,
    /// Multicast packets received.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub rx_multicast: u64,
    /// Transmit FIFO overruns.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub tx_fifo: u64,
    /// Collisions while sending.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub tx_colls: u64,
    /// Carrier losses while sending.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub tx_carrier: u64,
    /// Compressed packets sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    #[serde(default)]
    pub tx_compressed: u64,
    /// The operational state (`/sys/class/net/<dev>/operstate`: `up`, `down`, `unknown`…).
    #[serde(default)]
    pub operstate: String,
    /// 1 when the link has a carrier, 0 when not; `None` when the interface is down (the kernel refuses to say).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    #[serde(default)]
    pub carrier: Option<u64>,
    /// The MTU.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    #[serde(default)]
    pub mtu_bytes: Option<u64>,
    /// The link speed in bytes per second (`speed` Mb/s × 125,000); `None` for virtual interfaces, which have none.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    #[serde(default)]
    pub speed_bytes: Option<u64>,
    /// Receive rate since the previous snapshot; `None` on the first.
    pub rx_bytes_per_second: Option<f64>,
    /// Transmit rate since the previous snapshot; `None` on the first.
    pub tx_bytes_per_second: Option<f64>,
}

/// One block device's I/O counters from `/proc/diskstats` (node_exporter's
/// diskstats collector; partitions and RAM, loop and floppy devices left
/// out by its default filter).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Disk {
    /// The block device (`sda`, `nvme0n1`, `dm-0`).
    pub device: String,
    /// Reads completed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reads_completed: u64,
    /// Adjacent reads merged.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reads_merged: u64,
    /// Bytes read (sectors × 512).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub read_bytes: u64,
    /// Seconds spent reading.
    pub read_time_seconds: f64,
    /// Writes completed.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub writes_completed: u64,
    /// Adjacent writes merged.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub writes_merged: u64,
    /// Bytes written (sectors × 512).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub written_bytes: u64,
    /// Seconds spent writing.
    pub write_time_seconds: f64,
    /// I/Os in progress.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub io_now: u64,
    /// Seconds spent doing I/O (busy time).
    pub io_time_seconds: f64,
    /// Seconds spent doing I/O, weighted by the I/Os in progress.
    pub io_time_weighted_seconds: f64,
    /// Discards completed (kernel 4.18+).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub discards_completed: Option<u64>,
    /// Discards merged.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub discards_merged: Option<u64>,
    /// Sectors discarded.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub discarded_sectors: Option<u64>,
    /// Seconds spent discarding.
    pub discard_time_seconds: Option<f64>,
    /// Flush requests completed (kernel 5.5+).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub flush_requests: Option<u64>,
    /// Seconds spent flushing.
    pub flush_time_seconds: Option<f64>,
}

/// Kernel activity: runnable and blocked tasks, context switches,
/// interrupts and forks (`/proc/stat`), the host's file handles, and the
/// `/proc/vmstat` counters node_exporter keeps by default (page faults,
/// paging and swapping, OOM kills).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Kernel {
    /// Tasks runnable (`procs_running` of `/proc/stat`).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub procs_running: u64,
    /// Tasks blocked on I/O.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub procs_blocked: u64,
    /// Context switches since boot.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub context_switches: u64,
    /// Interrupts serviced since boot.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub interrupts: u64,
    /// Processes and threads created since boot.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub forks: u64,
    /// File handles allocated on the host (`/proc/sys/fs/file-nr`).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files_allocated: u64,
    /// The host's file handle limit (`fs.file-max`); `None` when it is
    /// the kernel's "no limit" (`LONG_MAX`, systemd's default), which no
    /// JavaScript number holds exactly.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub files_maximum: Option<u64>,
    /// `/proc/vmstat` fields matching `oom_kill`, `pgpg*`, `pswp*`, `pg*fault*`.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub vmstat: BTreeMap<String, u64>,
}

/// Pressure stall information (`/proc/pressure/{cpu,memory,io}`): the
/// time tasks lost waiting for each resource, cumulative.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Pressure {
    /// Seconds some task waited for a CPU.
    pub cpu_waiting_seconds: f64,
    /// Seconds every non-idle task waited for a CPU (kernel 5.13+; cgroup-wide).
    pub cpu_stalled_seconds: Option<f64>,
    /// Seconds some task waited for memory.
    pub memory_waiting_seconds: f64,
    /// Seconds every non-idle task waited for memory.
    pub memory_stalled_seconds: f64,
    /// Seconds some task waited for I/O.
    pub io_waiting_seconds: f64,
    /// Seconds every non-idle task waited for I/O.
    pub io_stalled_seconds: f64,
}

/// `uname(2)`, as node_exporter's `node_uname_info` labels it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Uname {
    /// `Linux`.
    pub sysname: String,
    /// The node name.
    pub nodename: String,
    /// The kernel release.
    pub release: String,
    /// The kernel build.
    pub version: String,
    /// The architecture (`x86_64`).
    pub machine: String,
    /// The NIS domain name (`(none)` when unset).
    pub domainname: String,
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
    /// The address-space limit (`RLIMIT_AS`); `None` when unlimited.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub max_virtual_bytes: Option<u64>,
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
    /// Mounted filesystems, one per mount point (pseudo ones left out).
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
    /// Every `/proc/meminfo` field, in bytes (counts such as `HugePages_Total` as they are).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub meminfo: BTreeMap<String, u64>,
    /// Block devices' I/O counters.
    #[serde(default)]
    pub disks: Vec<Disk>,
    /// Kernel activity counters.
    #[serde(default)]
    pub kernel: Kernel,
    /// Pressure stall information; `None` when the kernel has none (before
    /// 4.20, or `psi=0`).
    #[serde(default)]
    pub pressure: Option<Pressure>,
}

//! The host and process collector: one long-lived object that keeps the
//! previous CPU and network counters, so usage and rates are real rates over
//! the interval between two snapshots. Reads Linux's `/proc` and `/sys`
//! directly (cumulative CPU seconds per mode and inodes, which sysinfo does
//! not expose, at a fraction of its cost) and `statvfs` through rustix.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::maintenance::{MaintenanceState, UpgradeWatcher, reboot_state};
use crate::error::{Error, Result};

/// Clock ticks per second of `/proc/stat` and `/proc/<pid>/stat` (USER_HZ,
/// 100 on every Linux architecture opskit builds for).
const USER_HZ: f64 = 100.0;

/// Filesystem types left out by default: pseudo, overlay and network ones
/// (a `statvfs` on a dead NFS mount blocks), as node_exporter's defaults do.
const PSEUDO_FS: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "fusectl",
    "hugetlbfs",
    "iso9660",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "procfs",
    "pstore",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "erofs",
    "sysfs",
    "tracefs",
    "tmpfs",
    "ramfs",
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "fuse.lxcfs",
    "fuse.portal",
    "rootfs",
];

/// Local disk filesystems whose `statfs` answers from memory: asked on the
/// snapshot's thread. Every other type (network, FUSE, ZFS, whose `statfs`
/// can block on a server or a suspended pool) goes through the worker with
/// the mount timeout; a thread round trip costs about 0.1 ms here.
const LOCAL_FS: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "f2fs", "jfs", "ntfs3", "hfsplus",
];

/// Mount points left out by default (prefixes).
const PSEUDO_MOUNTS: &[&str] = &[
    "/dev",
    "/proc",
    "/sys",
    "/run",
    "/var/lib/docker/",
    "/var/lib/containers/storage/",
    "/snap/",
];

/// What the collector reads, and what it leaves out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct CollectorOptions {
    /// Filesystem types to leave out (default: pseudo, overlay, tmpfs and network ones).
    pub exclude_fs_types: Vec<String>,
    /// Mount point prefixes to leave out (default `/dev`, `/proc`, `/sys`, `/run`, container storage, `/snap`).
    pub exclude_mount_points: Vec<String>,
    /// Network interfaces to leave out (default `lo`).
    pub exclude_interfaces: Vec<String>,
    /// The root of `/proc` (for tests and containers that mount the host's elsewhere).
    pub proc_root: String,
    /// The root of `/sys`.
    pub sys_root: String,
    /// How long one mount's `statvfs` may take before the mount is reported
    /// as hung and skipped until the call returns (default 1 s; node_exporter
    /// waits 5 s, too long for a load balancer's health poll).
    pub mount_timeout_seconds: f64,
    /// The file whose presence says the OS wants a reboot (Debian/Ubuntu:
    /// `/var/run/reboot-required`, with the packages in `….pkgs`).
    pub reboot_required_file: String,
    /// Whether and how to report pending package upgrades (`apt-get
    /// --just-print dist-upgrade`: offline, but seconds per run). Default off.
    pub apt_upgrades: AptUpgrades,
}

/// How the collector checks pending package upgrades. A check runs again
/// only when dpkg's status or the package lists changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum AptUpgrades {
    /// Not checked (`upgrades` is null).
    #[default]
    Off,
    /// On a background thread: a snapshot never waits, and reports the last
    /// answer (none until the first check ends). For long-lived services.
    Background,
    /// The snapshot waits for a check it starts (up to 2 minutes). For
    /// one-shot commands, which would otherwise never see the answer.
    Wait,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        CollectorOptions {
            exclude_fs_types: PSEUDO_FS.iter().map(|s| s.to_string()).collect(),
            exclude_mount_points: PSEUDO_MOUNTS.iter().map(|s| s.to_string()).collect(),
            exclude_interfaces: vec!["lo".into()],
            proc_root: "/proc".into(),
            sys_root: "/sys".into(),
            mount_timeout_seconds: 1.0,
            reboot_required_file: "/var/run/reboot-required".into(),
            apt_upgrades: AptUpgrades::Off,
        }
    }
}

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

/// Received and sent bytes per interface at the previous snapshot.
type NetCounters = HashMap<String, (u64, u64)>;

/// Keeps what it needs between snapshots; call [`Collector::snapshot`] as
/// often as every second.
#[derive(Debug)]
pub struct Collector {
    options: CollectorOptions,
    prev_cpu: Option<Vec<[u64; 8]>>,
    /// The boot time from `/proc/stat`'s `btime` (whole seconds, fixed for
    /// the life of the host), read with the CPU counters.
    btime: Option<u64>,
    prev_net: Option<(Instant, NetCounters)>,
    stat_worker: Option<StatWorker>,
    /// Mount points whose `statvfs` is running, with when it started; at the
    /// start of a snapshot only abandoned (hung) calls are left in it.
    in_flight: Arc<Mutex<HashMap<String, f64>>>,
    upgrades: Option<Mutex<UpgradeWatcher>>,
}

/// The answer to one `statvfs`, by the index of its mount.
type StatAnswer = (usize, rustix::io::Result<rustix::fs::StatVfs>);

/// A thread that runs `statvfs` calls in order, so the snapshot can stop
/// waiting for a hung mount; abandoned when one hangs (it ends when the
/// call returns), replaced by a new one at the next call.
#[derive(Debug)]
struct StatWorker {
    tx: mpsc::Sender<Vec<(usize, String)>>,
    rx: Mutex<mpsc::Receiver<StatAnswer>>,
}

impl StatWorker {
    fn spawn(in_flight: Arc<Mutex<HashMap<String, f64>>>) -> Option<StatWorker> {
        let (tx, requests) = mpsc::channel::<Vec<(usize, String)>>();
        let (answers, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("opskit-statvfs".into())
            .spawn(move || {
                for batch in requests {
                    for (i, mountpoint) in batch {
                        let lock = || in_flight.lock().unwrap_or_else(|e| e.into_inner());
                        lock().insert(mountpoint.clone(), crate::time::now_seconds());
                        let r = rustix::fs::statvfs(mountpoint.as_str());
                        lock().remove(&mountpoint);
                        if answers.send((i, r)).is_err() {
                            return;
                        }
                    }
                }
            })
            .ok()?;
        Some(StatWorker {
            tx,
            rx: Mutex::new(rx),
        })
    }
}

/// Read a `/proc` or `/sys` file. They report size 0, so a plain
/// `read_to_string` starts with 32-byte reads and doubles: six to eight
/// read calls per file, each making the kernel format it again. One 16 KiB
/// buffer reads most of them in a single call.
fn read(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut text = String::with_capacity(16 * 1024);
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| Error::io(path, "read", e))?;
    Ok(text)
}

impl Collector {
    /// A collector with `options`; fails when `/proc` cannot be read (not Linux).
    pub fn new(options: CollectorOptions) -> Result<Self> {
        let stat = Path::new(&options.proc_root).join("stat");
        if !stat.exists() {
            return Err(Error::new(
                crate::ErrorKind::Unsupported,
                format!(
                    "{} is missing: the health collector reads Linux's /proc (set proc_root if it is mounted elsewhere)",
                    stat.display()
                ),
            ));
        }
        if !(options.mount_timeout_seconds.is_finite() && options.mount_timeout_seconds > 0.0) {
            return Err(Error::invalid(format!(
                "mount_timeout_seconds is {}: give a positive number of seconds, e.g. 1",
                options.mount_timeout_seconds
            )));
        }
        let upgrades = (options.apt_upgrades != AptUpgrades::Off)
            .then(|| Mutex::new(UpgradeWatcher::new("apt-get", Duration::from_secs(120))));
        Ok(Collector {
            options,
            prev_cpu: None,
            btime: None,
            prev_net: None,
            stat_worker: None,
            in_flight: Arc::default(),
            upgrades,
        })
    }

    fn proc(&self, rel: &str) -> PathBuf {
        Path::new(&self.options.proc_root).join(rel)
    }

    /// Take a snapshot: cheap (one listing of `/proc` to count processes,
    /// no per-process reads), about a millisecond here.
    /// A hung mount costs at most the mount timeout, once; pending upgrades
    /// cost nothing unless [`AptUpgrades::Wait`] is set.
    pub fn snapshot(&mut self) -> Result<HostSnapshot> {
        let time_seconds = crate::time::now_seconds();
        let wait = self.options.apt_upgrades == AptUpgrades::Wait;
        let first = self.prev_cpu.is_none();
        let cpu = self.cpu()?;
        let effective = std::thread::available_parallelism().map_or(cpu.cores, |n| n.get() as u32);
        let cpu = Cpu {
            effective_cores: effective.min(cpu.cores.max(1)),
            ..cpu
        };
        let (load, threads) = self.load(cpu.effective_cores)?;
        let processes = self.count_processes();
        let (memory, swap) = self.memory()?;
        let uptime: f64 = read(&self.proc("uptime"))?
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.0);
        // The kernel's own boot time (as node_exporter's node_boot_time_seconds
        // and the client libraries' process_start_time_seconds use): `now -
        // uptime` moves with every sample, and restart alerts on changes()
        // would fire on every scrape.
        let boot = self
            .btime
            .map_or_else(|| (time_seconds - uptime).floor(), |b| b as f64);
        let host = HostInfo {
            hostname: read(&self.proc("sys/kernel/hostname"))
                .unwrap_or_default()
                .trim()
                .to_string(),
            os: os_name(),
            kernel: read(&self.proc("sys/kernel/osrelease"))
                .unwrap_or_default()
                .trim()
                .to_string(),
            uptime_seconds: uptime,
            boot_time_seconds: boot,
        };
        let cgroup = self.cgroup(memory.total_bytes);
        let (reboot_required, reboot_packages) =
            reboot_state(Path::new(&self.options.reboot_required_file));
        let maintenance = MaintenanceState {
            reboot_required,
            reboot_packages,
            upgrades: self
                .upgrades
                .as_mut()
                .and_then(|u| u.get_mut().unwrap_or_else(|e| e.into_inner()).current(wait)),
        };
        Ok(HostSnapshot {
            time_seconds,
            first,
            host,
            load,
            cpu,
            memory,
            swap,
            filesystems: self.filesystems()?,
            networks: self.networks()?,
            processes,
            threads,
            cgroup,
            process: self.process(boot)?,
            maintenance,
        })
    }

    fn cpu(&mut self) -> Result<Cpu> {
        let text = read(&self.proc("stat"))?;
        let mut all: Vec<[u64; 8]> = Vec::new();
        for line in text.lines() {
            if let Some(b) = line.strip_prefix("btime ") {
                self.btime = b.trim().parse().ok();
            }
            let Some(rest) = line.strip_prefix("cpu") else {
                continue;
            };
            let mut parts = rest.split_whitespace();
            let label = parts.next().unwrap_or("");
            let nums: Vec<u64> = parts.take(8).filter_map(|s| s.parse().ok()).collect();
            if nums.len() < 8 {
                continue;
            }
            let v = [
                nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], nums[6], nums[7],
            ];
            // The aggregate line ("cpu ") comes first.
            if label.chars().all(|c| c.is_ascii_digit()) || all.is_empty() {
                all.push(v);
            }
        }
        if all.is_empty() {
            return Err(Error::invalid("/proc/stat has no cpu lines"));
        }
        const MODES: [&str; 8] = [
            "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
        ];
        let usage = |now: &[u64; 8], before: &[u64; 8]| {
            let total: u64 = now.iter().sum::<u64>().saturating_sub(before.iter().sum());
            let not_busy =
                (now[3] + now[4] + now[7]).saturating_sub(before[3] + before[4] + before[7]);
            (total > 0).then(|| 100.0 * (1.0 - not_busy as f64 / total as f64))
        };
        let sum = |rows: &[[u64; 8]]| {
            rows.iter().fold([0u64; 8], |mut acc, r| {
                acc.iter_mut().zip(r).for_each(|(a, x)| *a += x);
                acc
            })
        };
        let (usage_percent, per_core) = match &self.prev_cpu {
            // The machine's usage from the sum of the per-core counters: the
            // aggregate line is kept separately by the kernel and lags them
            // (seen: 100 % over a quarter second in which every core idled).
            Some(prev) if prev.len() == all.len() => (
                if all.len() > 1 {
                    usage(&sum(&all[1..]), &sum(&prev[1..]))
                } else {
                    usage(&all[0], &prev[0])
                },
                all[1..]
                    .iter()
                    .zip(&prev[1..])
                    .map(|(n, b)| usage(n, b))
                    .collect(),
            ),
            _ => (None, vec![None; all.len() - 1]),
        };
        let seconds = all[1..]
            .iter()
            .map(|v| {
                MODES
                    .iter()
                    .zip(v)
                    .map(|(m, t)| (m.to_string(), *t as f64 / USER_HZ))
                    .collect()
            })
            .collect();
        let cores = (all.len() - 1) as u32;
        self.prev_cpu = Some(all);
        Ok(Cpu {
            cores,
            effective_cores: cores,
            usage_percent,
            per_core_percent: per_core,
            seconds,
        })
    }

    /// The processes on the host: the numeric entries of `/proc`.
    fn count_processes(&self) -> u64 {
        std::fs::read_dir(self.proc(""))
            .map(|d| {
                d.flatten()
                    .filter(|e| {
                        e.file_name()
                            .as_encoded_bytes()
                            .iter()
                            .all(u8::is_ascii_digit)
                    })
                    .count() as u64
            })
            .unwrap_or(0)
    }

    fn load(&self, cores: u32) -> Result<(Load, u64)> {
        let text = read(&self.proc("loadavg"))?;
        let f: Vec<&str> = text.split_whitespace().collect();
        let num = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
        let procs = f
            .get(3)
            .and_then(|s| s.split_once('/'))
            .and_then(|(_, t)| t.parse().ok())
            .unwrap_or(0);
        let c = f64::from(cores.max(1));
        Ok((
            Load {
                one: num(0),
                five: num(1),
                fifteen: num(2),
                per_core_one: num(0) / c,
                per_core_five: num(1) / c,
                per_core_fifteen: num(2) / c,
            },
            procs,
        ))
    }

    fn memory(&self) -> Result<(Memory, Memory)> {
        let text = read(&self.proc("meminfo"))?;
        let mut kb: HashMap<&str, u64> = HashMap::new();
        for line in text.lines() {
            if let Some((k, v)) = line.split_once(':')
                && let Some(n) = v.split_whitespace().next().and_then(|n| n.parse().ok())
            {
                kb.insert(k, n);
            }
        }
        let get = |k: &str| kb.get(k).copied().unwrap_or(0) * 1024;
        let mem = |total: u64, available: u64| {
            let used = total.saturating_sub(available);
            Memory {
                total_bytes: total,
                available_bytes: available,
                used_bytes: used,
                used_percent: if total > 0 {
                    100.0 * used as f64 / total as f64
                } else {
                    0.0
                },
            }
        };
        let available = if kb.contains_key("MemAvailable") {
            get("MemAvailable")
        } else {
            get("MemFree") + get("Buffers") + get("Cached")
        };
        Ok((
            mem(get("MemTotal"), available),
            mem(get("SwapTotal"), get("SwapFree")),
        ))
    }

    fn filesystems(&mut self) -> Result<Vec<Filesystem>> {
        let text = read(&self.proc("self/mounts"))?;
        // (device, mount point, fstype, read-only) of the mounts to report.
        let mut mounts = Vec::new();
        let mut devices = HashSet::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let [device, mountpoint, fstype, opts, ..] = f[..] else {
                continue;
            };
            let mountpoint = unescape_mount(mountpoint);
            if self.options.exclude_fs_types.iter().any(|t| t == fstype)
                || self.options.exclude_mount_points.iter().any(|p| {
                    mountpoint == p.trim_end_matches('/')
                        || mountpoint.starts_with(p.as_str())
                            && (p.ends_with('/') || mountpoint[p.len()..].starts_with('/'))
                })
                || !devices.insert(device.to_string())
            {
                continue;
            }
            let readonly = opts.split(',').any(|o| o == "ro");
            mounts.push((device, mountpoint, fstype, readonly));
        }
        let stats = self.statvfs_all(mounts.iter().map(|m| (m.1.as_str(), m.2)).collect());
        let mut out: Vec<Filesystem> = mounts
            .into_iter()
            .zip(stats)
            .map(|((device, mountpoint, fstype, readonly), st)| {
                let mut fs = Filesystem {
                    mountpoint,
                    fstype: fstype.to_string(),
                    device: device.to_string(),
                    size_bytes: 0,
                    avail_bytes: 0,
                    free_bytes: 0,
                    used_percent: 0.0,
                    files: 0,
                    files_free: 0,
                    inodes_used_percent: 0.0,
                    readonly,
                    error: None,
                };
                match st {
                    Ok(st) => fs.fill(&st),
                    Err(why) => fs.error = Some(why),
                }
                fs
            })
            .collect();
        out.sort_by(|a, b| a.mountpoint.cmp(&b.mountpoint));
        Ok(out)
    }

    /// `statvfs` each mount point: local disk filesystems here (their
    /// counters are in memory), the others (network, FUSE, …) on the worker
    /// thread, waiting at most the mount timeout for each; a mount still hung
    /// from an earlier snapshot is not asked again until its call returns.
    fn statvfs_all(
        &mut self,
        mountpoints: Vec<(&str, &str)>,
    ) -> Vec<std::result::Result<rustix::fs::StatVfs, String>> {
        let timeout = Duration::from_secs_f64(self.options.mount_timeout_seconds);
        let hung = self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut out: Vec<Option<std::result::Result<rustix::fs::StatVfs, String>>> =
            mountpoints.iter().map(|_| None).collect();
        let mut todo = Vec::new();
        for (i, (m, fstype)) in mountpoints.iter().enumerate() {
            if LOCAL_FS.contains(fstype) {
                out[i] = Some(rustix::fs::statvfs(*m).map_err(|e| format!("statvfs failed: {e}")));
                continue;
            }
            match hung.get(*m) {
                Some(since) => {
                    out[i] = Some(Err(format!(
                        "statvfs has not answered since {} (a hung mount): skipped until it does",
                        crate::time::format_rfc3339(*since)
                    )))
                }
                None => todo.push((i, m.to_string())),
            }
        }
        let mut pending = &todo[..];
        while !pending.is_empty() {
            if self.stat_worker.is_none() {
                self.stat_worker = StatWorker::spawn(Arc::clone(&self.in_flight));
            }
            let Some(worker) = &mut self.stat_worker else {
                // No thread to spare: ask on this one.
                for (i, m) in pending {
                    out[*i] = Some(rustix::fs::statvfs(m.as_str()).map_err(|e| e.to_string()));
                }
                break;
            };
            let mut done = 0;
            if worker.tx.send(pending.to_vec()).is_ok() {
                let rx = worker.rx.get_mut().unwrap_or_else(|e| e.into_inner());
                while done < pending.len() {
                    let Ok((i, r)) = rx.recv_timeout(timeout) else {
                        break;
                    };
                    out[i] = Some(r.map_err(|e| format!("statvfs failed: {e}")));
                    done += 1;
                }
            }
            if done == pending.len() {
                break;
            }
            // The worker answers in order: the next mount is the hung one.
            let (i, _) = &pending[done];
            out[*i] = Some(Err(format!(
                "statvfs did not answer within {} s (a hung NFS or FUSE mount?): skipped until it does",
                timeout.as_secs_f64()
            )));
            self.stat_worker = None;
            pending = &pending[done + 1..];
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err("statvfs was not asked".into())))
            .collect()
    }

    fn networks(&mut self) -> Result<Vec<Network>> {
        let text = read(&self.proc("net/dev"))?;
        let now = Instant::now();
        let mut out = Vec::new();
        let mut counters = HashMap::new();
        for line in text.lines().skip(2) {
            let Some((name, rest)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if self.options.exclude_interfaces.iter().any(|i| i == name) {
                continue;
            }
            let n: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect();
            if n.len() < 16 {
                continue;
            }
            let (rate_rx, rate_tx) = match &self.prev_net {
                Some((then, prev)) => match prev.get(name) {
                    Some((rx, tx)) => {
                        let dt = now.duration_since(*then).as_secs_f64();
                        if dt > 0.0 {
                            (
                                Some(n[0].saturating_sub(*rx) as f64 / dt),
                                Some(n[8].saturating_sub(*tx) as f64 / dt),
                            )
                        } else {
                            (None, None)
                        }
                    }
                    None => (None, None),
                },
                None => (None, None),
            };
            counters.insert(name.to_string(), (n[0], n[8]));
            out.push(Network {
                device: name.to_string(),
                rx_bytes: n[0],
                rx_packets: n[1],
                rx_errors: n[2],
                rx_drop: n[3],
                tx_bytes: n[8],
                tx_packets: n[9],
                tx_errors: n[10],
                tx_drop: n[11],
                rx_bytes_per_second: rate_rx,
                tx_bytes_per_second: rate_tx,
            });
        }
        self.prev_net = Some((now, counters));
        out.sort_by(|a, b| a.device.cmp(&b.device));
        Ok(out)
    }

    fn cgroup(&self, host_memory: u64) -> Option<Cgroup> {
        let text = read(&self.proc("self/cgroup")).ok()?;
        let sys = Path::new(&self.options.sys_root).join("fs/cgroup");
        let num = |p: PathBuf| -> Option<u64> { read(&p).ok()?.trim().parse().ok() };
        // v1 memory controller, when present with a path; else the v2 unified one.
        let v1 = text.lines().find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctl, path) = (f.next()?, f.next()?, f.next()?);
            ctl.split(',')
                .any(|c| c == "memory")
                .then(|| path.to_string())
        });
        let (version, limit, current, quota) = if let Some(path) = v1 {
            let dir = sys.join("memory").join(path.trim_start_matches('/'));
            let cpu_dir = sys.join("cpu");
            let quota =
                num(cpu_dir.join("cpu.cfs_quota_us")).zip(num(cpu_dir.join("cpu.cfs_period_us")));
            (
                "v1",
                num(dir.join("memory.limit_in_bytes")),
                num(dir.join("memory.usage_in_bytes")),
                quota
                    .filter(|(q, p)| *q > 0 && *p > 0)
                    .map(|(q, p)| q as f64 / p as f64),
            )
        } else {
            let path = text.lines().find_map(|l| l.strip_prefix("0::"))?;
            let dir = sys.join(path.trim_start_matches('/'));
            let quota = read(&dir.join("cpu.max")).ok().and_then(|s| {
                let (q, p) = s.trim().split_once(' ')?;
                Some(q.parse::<f64>().ok()? / p.parse::<f64>().ok()?)
            });
            (
                "v2",
                num(dir.join("memory.max")),
                num(dir.join("memory.current")),
                quota,
            )
        };
        // A "no limit" value is huge: only a limit below the host's memory counts.
        let limit = limit.filter(|l| *l > 0 && *l < host_memory);
        if limit.is_none() && quota.is_none() {
            return None;
        }
        Some(Cgroup {
            version: version.into(),
            memory_limit_bytes: limit,
            memory_current_bytes: current,
            memory_used_percent: limit.zip(current).map(|(l, c)| 100.0 * c as f64 / l as f64),
            cpu_quota_cores: quota,
        })
    }

    fn process(&self, boot: f64) -> Result<ProcessInfo> {
        let stat = read(&self.proc("self/stat"))?;
        // Fields after the command name in parentheses (which may hold spaces).
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        let n = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        // After ")": state(0) ppid(1) ... utime(11) stime(12) ... num_threads(17) ... starttime(19) vsize(20) rss(21)
        let page = rustix::param::page_size() as u64;
        let open_fds = std::fs::read_dir(self.proc("self/fd"))
            .map(|d| d.count() as u64)
            .unwrap_or(0);
        let max_fds = read(&self.proc("self/limits"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("Max open files"))
                    .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
            })
            .unwrap_or(0);
        Ok(ProcessInfo {
            pid: std::process::id(),
            cpu_seconds: (n(11) + n(12)) as f64 / USER_HZ,
            resident_bytes: n(21) * page,
            virtual_bytes: n(20),
            open_fds,
            max_fds,
            open_fds_percent: if max_fds > 0 {
                100.0 * open_fds as f64 / max_fds as f64
            } else {
                0.0
            },
            threads: n(17) as u32,
            start_time_seconds: boot + n(19) as f64 / USER_HZ,
        })
    }
}

impl Filesystem {
    /// Sizes and percentages from a `statvfs` answer.
    fn fill(&mut self, st: &rustix::fs::StatVfs) {
        let frsize = if st.f_frsize > 0 {
            st.f_frsize
        } else {
            st.f_bsize
        };
        self.size_bytes = st.f_blocks * frsize;
        self.free_bytes = st.f_bfree * frsize;
        self.avail_bytes = st.f_bavail * frsize;
        let used = self.size_bytes.saturating_sub(self.free_bytes);
        let denom = used + self.avail_bytes;
        self.used_percent = if denom > 0 {
            100.0 * used as f64 / denom as f64
        } else {
            0.0
        };
        self.files = st.f_files;
        self.files_free = st.f_ffree;
        self.inodes_used_percent = if st.f_files > 0 {
            100.0 * (st.f_files - st.f_ffree.min(st.f_files)) as f64 / st.f_files as f64
        } else {
            0.0
        };
    }
}

/// `\040` and friends in /proc/mounts: octal escapes of spaces and tabs.
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

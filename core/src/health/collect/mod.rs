//! The host and process collector: one long-lived object that keeps the
//! previous CPU and network counters, so usage and rates are real rates over
//! the interval between two snapshots. Reads Linux's `/proc` and `/sys`
//! directly (cumulative CPU seconds per mode and inodes, which sysinfo does
//! not expose, at a fraction of its cost) and `statvfs` through rustix.
//! The snapshot's types are in `snapshot`; each source has its reader:
//! `cpu` (CPU, load, memory), `mounts` (filesystems), `net`, `cgroup`,
//! `process`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::maintenance::{MaintenanceState, UpgradeWatcher, reboot_state};
use crate::error::{Error, Result};

/// Clock ticks per second of `/proc/stat` and `/proc/<pid>/stat` (USER_HZ,
/// 100 on every Linux architecture opskit builds for).
const USER_HZ: f64 = 100.0;

mod cgroup;
mod cpu;
mod kernel;
mod mounts;
mod net;
mod process;
mod snapshot;

use self::mounts::{PSEUDO_FS, PSEUDO_MOUNTS, StatWorker};
pub use self::snapshot::{
    Cgroup, Cpu, Disk, Filesystem, HostInfo, HostSnapshot, Kernel, Load, Memory, Network, Pressure,
    ProcessInfo, Uname,
};

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
    /// Network interfaces to leave out (default `lo`, as node_exporter's
    /// netdev collector; virtual interfaces such as `docker0`, `veth…` and
    /// `ifb0` are reported).
    pub exclude_interfaces: Vec<String>,
    /// Block devices left out of `disks`, a regular expression (default
    /// node_exporter's: partitions, `ram`, `loop` and `fd` devices).
    pub exclude_disks: String,
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
    /// A fresh collector's first snapshot reads the CPU counters twice this
    /// many seconds apart, so a one-shot caller gets real CPU usage (as
    /// psutil's `cpu_percent(interval=…)`); default 0.2 s, 0 for none (the
    /// first snapshot then has no usage). Later snapshots measure since the
    /// one before.
    pub first_sample_seconds: f64,
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
            exclude_disks: kernel::DEFAULT_EXCLUDE_DISKS.into(),
            proc_root: "/proc".into(),
            sys_root: "/sys".into(),
            mount_timeout_seconds: 1.0,
            reboot_required_file: "/var/run/reboot-required".into(),
            apt_upgrades: AptUpgrades::Off,
            first_sample_seconds: 0.2,
        }
    }
}

/// Received and sent bytes per interface at the previous snapshot.
type NetCounters = HashMap<String, (u64, u64)>;

/// Keeps what it needs between snapshots; call [`Collector::snapshot`] as
/// often as every second.
#[derive(Debug)]
pub struct Collector {
    options: CollectorOptions,
    prev_cpu: Option<Vec<[u64; 8]>>,
    /// The usage last measured (machine, per core): what a snapshot closer
    /// than one clock tick to the previous one reports.
    last_cpu_usage: Option<(Option<f64>, Vec<Option<f64>>)>,
    /// The boot time from `/proc/stat`'s `btime` (whole seconds, fixed for
    /// the life of the host), read with the CPU counters.
    btime: Option<u64>,
    prev_net: Option<(Instant, NetCounters)>,
    stat_worker: Option<StatWorker>,
    /// Mount points whose `statvfs` is running, with when it started; at the
    /// start of a snapshot only abandoned (hung) calls are left in it.
    in_flight: Arc<Mutex<HashMap<String, f64>>>,
    upgrades: Option<Mutex<UpgradeWatcher>>,
    /// `/proc/stat`'s task and event counters, read with the CPU counters.
    stat_counters: cpu::StatCounters,
    exclude_disks: regex::Regex,
}

/// Read a `/proc` or `/sys` file. They report size 0, so a plain
/// `read_to_string` starts with 32-byte reads and doubles: six to eight
/// read calls per file, each making the kernel format it again (and it
/// asks `statx` and `lseek` first, for a size these files do not have).
/// One 16 KiB buffer reads most of them in a single call.
pub(super) fn read(path: &Path) -> Result<String> {
    use std::io::Read;
    let fail = |e| Error::io(path, "read", e);
    let mut f = std::fs::File::open(path).map_err(fail)?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(len * 2, 0);
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(fail(e)),
        }
    }
    buf.truncate(len);
    String::from_utf8(buf).map_err(|e| {
        fail(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            e.utf8_error(),
        ))
    })
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
        if !(options.first_sample_seconds.is_finite()
            && (0.0..=10.0).contains(&options.first_sample_seconds))
        {
            return Err(Error::invalid(format!(
                "first_sample_seconds is {}: give 0 to 10 seconds, e.g. 0.2",
                options.first_sample_seconds
            )));
        }
        let exclude_disks = regex::Regex::new(&options.exclude_disks).map_err(|e| {
            Error::invalid(format!(
                "exclude_disks {:?} is not a regular expression: {e}",
                options.exclude_disks
            ))
        })?;
        let upgrades = (options.apt_upgrades != AptUpgrades::Off)
            .then(|| Mutex::new(UpgradeWatcher::new("apt-get", Duration::from_secs(120))));
        Ok(Collector {
            options,
            prev_cpu: None,
            last_cpu_usage: None,
            btime: None,
            prev_net: None,
            stat_worker: None,
            in_flight: Arc::default(),
            upgrades,
            stat_counters: cpu::StatCounters::default(),
            exclude_disks,
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
        if first && self.options.first_sample_seconds > 0.0 {
            self.cpu()?;
            std::thread::sleep(Duration::from_secs_f64(self.options.first_sample_seconds));
        }
        let cpu = self.cpu()?;
        let effective = std::thread::available_parallelism().map_or(cpu.cores, |n| n.get() as u32);
        let cpu = Cpu {
            effective_cores: effective.min(cpu.cores.max(1)),
            ..cpu
        };
        let (load, threads) = self.load(cpu.effective_cores)?;
        let processes = self.count_processes();
        let (memory, swap, meminfo) = self.memory()?;
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
        let os_release = kernel::os_release();
        let host = HostInfo {
            hostname: read(&self.proc("sys/kernel/hostname"))
                .unwrap_or_default()
                .trim()
                .to_string(),
            os: os_release
                .get("PRETTY_NAME")
                .cloned()
                .unwrap_or_else(|| std::env::consts::OS.to_string()),
            kernel: read(&self.proc("sys/kernel/osrelease"))
                .unwrap_or_default()
                .trim()
                .to_string(),
            uptime_seconds: uptime,
            boot_time_seconds: boot,
            uname: kernel::uname(),
            os_release,
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
            meminfo,
            disks: self.disks()?,
            kernel: self.kernel(),
            pressure: self.pressure(),
        })
    }
}

//! Kernel activity beyond CPU and memory: `/proc/diskstats`,
//! `/proc/pressure/*`, `/proc/vmstat`, `/proc/sys/fs/file-nr`, `uname(2)`
//! and `/etc/os-release` — the sources of node_exporter's diskstats,
//! pressure, vmstat, filefd, uname and os collectors.

use std::collections::BTreeMap;

use super::snapshot::{Disk, Kernel, Pressure, Uname};
use super::*;

/// node_exporter's default diskstats filter: partitions, RAM disks, loop
/// and floppy devices are left out (their I/O is counted in their disk's).
pub(super) const DEFAULT_EXCLUDE_DISKS: &str = r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";

/// Sector size of `/proc/diskstats`' sector counts: always 512 bytes.
const SECTOR: u64 = 512;

/// Whether a `/proc/vmstat` field is one node_exporter keeps by default
/// (`^(oom_kill|pgpg|pswp|pg.*fault).*`).
fn vmstat_field(name: &str) -> bool {
    name.starts_with("oom_kill")
        || name.starts_with("pgpg")
        || name.starts_with("pswp")
        || name.strip_prefix("pg").is_some_and(|r| r.contains("fault"))
}

impl Collector {
    /// Block devices' I/O counters, minus those `exclude_disks` matches.
    pub(super) fn disks(&self) -> Result<Vec<Disk>> {
        let Ok(text) = read(&self.proc("diskstats")) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 14 || self.exclude_disks.is_match(f[2]) {
                continue;
            }
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
            let v = |i: usize| n(i).unwrap_or(0);
            let ms = |i: usize| n(i).map(|x| x as f64 / 1000.0);
            out.push(Disk {
                device: f[2].to_string(),
                reads_completed: v(3),
                reads_merged: v(4),
                read_bytes: v(5).saturating_mul(SECTOR),
                read_time_seconds: ms(6).unwrap_or(0.0),
                writes_completed: v(7),
                writes_merged: v(8),
                written_bytes: v(9).saturating_mul(SECTOR),
                write_time_seconds: ms(10).unwrap_or(0.0),
                io_now: v(11),
                io_time_seconds: ms(12).unwrap_or(0.0),
                io_time_weighted_seconds: ms(13).unwrap_or(0.0),
                discards_completed: n(14),
                discards_merged: n(15),
                discarded_sectors: n(16),
                discard_time_seconds: ms(17),
                flush_requests: n(18),
                flush_time_seconds: ms(19),
            });
        }
        Ok(out)
    }

    /// Pressure stall information, when the kernel has it.
    pub(super) fn pressure(&self) -> Option<Pressure> {
        // "some avg10=… avg60=… avg300=… total=<µs>" and the same for "full".
        let totals = |resource: &str| -> Option<(f64, Option<f64>)> {
            let text = read(&self.proc(&format!("pressure/{resource}"))).ok()?;
            let total = |kind: &str| {
                text.lines()
                    .find(|l| l.starts_with(kind))?
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("total="))?
                    .parse::<u64>()
                    .ok()
                    .map(|us| us as f64 / 1e6)
            };
            Some((total("some")?, total("full")))
        };
        let (cpu_some, cpu_full) = totals("cpu")?;
        let (memory_some, memory_full) = totals("memory")?;
        let (io_some, io_full) = totals("io")?;
        Some(Pressure {
            cpu_waiting_seconds: cpu_some,
            cpu_stalled_seconds: cpu_full,
            memory_waiting_seconds: memory_some,
            memory_stalled_seconds: memory_full.unwrap_or(0.0),
            io_waiting_seconds: io_some,
            io_stalled_seconds: io_full.unwrap_or(0.0),
        })
    }

    /// Task, context-switch, interrupt and fork counts (read with the CPU
    /// counters), the host's file handles and the vmstat fields.
    pub(super) fn kernel(&self) -> Kernel {
        let mut vmstat = BTreeMap::new();
        if let Ok(text) = read(&self.proc("vmstat")) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once(' ')
                    && vmstat_field(k)
                    && let Ok(v) = v.trim().parse()
                {
                    vmstat.insert(k.to_string(), v);
                }
            }
        }
        // "allocated  unused  maximum"
        let file_nr = read(&self.proc("sys/fs/file-nr")).unwrap_or_default();
        let f: Vec<u64> = file_nr
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let c = self.stat_counters;
        Kernel {
            procs_running: c.procs_running,
            procs_blocked: c.procs_blocked,
            context_switches: c.context_switches,
            interrupts: c.interrupts,
            forks: c.forks,
            files_allocated: f.first().copied().unwrap_or(0),
            files_maximum: f.get(2).copied().filter(|&m| m < 1 << 53),
            vmstat,
        }
    }
}

/// `uname(2)`, as node_exporter labels it.
pub(super) fn uname() -> Uname {
    let u = rustix::system::uname();
    let s = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
    Uname {
        sysname: s(u.sysname()),
        nodename: s(u.nodename()),
        release: s(u.release()),
        version: s(u.version()),
        machine: s(u.machine()),
        domainname: s(u.domainname()),
    }
}

/// `/etc/os-release` (or `/usr/lib/os-release`, as systemd falls back):
/// `KEY=value` lines, values unquoted.
pub(super) fn os_release() -> BTreeMap<String, String> {
    let text = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| crate::fsutil::read_text_capped(Path::new(p), 64 * 1024, "os-release").ok())
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            (
                k.trim().to_string(),
                v.replace("\\\"", "\"").replace("\\\\", "\\"),
            )
        })
        .collect()
}

//! CPU seconds per mode (usage over the interval), load, task counts and memory, from `/proc/stat`, `/proc/loadavg` and `/proc/meminfo`.

use std::collections::BTreeMap;

use super::*;

impl Collector {
    pub(super) fn cpu(&mut self) -> Result<Cpu> {
        let text = read(&self.proc("stat"))?;
        let mut all: Vec<[u64; 8]> = Vec::new();
        let mut guest: Vec<[u64; 2]> = Vec::new();
        for line in text.lines() {
            let first = |l: &str| l.split_whitespace().next().and_then(|n| n.parse().ok());
            let counter = |name: &str| line.strip_prefix(name).and_then(first);
            if let Some(b) = counter("btime ") {
                self.btime = Some(b);
            } else if let Some(n) = counter("ctxt ") {
                self.stat_counters.context_switches = n;
            } else if let Some(n) = counter("intr ") {
                self.stat_counters.interrupts = n;
            } else if let Some(n) = counter("processes ") {
                self.stat_counters.forks = n;
            } else if let Some(n) = counter("procs_running ") {
                self.stat_counters.procs_running = n;
            } else if let Some(n) = counter("procs_blocked ") {
                self.stat_counters.procs_blocked = n;
            }
            let Some(rest) = line.strip_prefix("cpu") else {
                continue;
            };
            let mut parts = rest.split_whitespace();
            let label = parts.next().unwrap_or("");
            let nums: Vec<u64> = parts.take(10).filter_map(|s| s.parse().ok()).collect();
            if nums.len() < 8 {
                continue;
            }
            let v = [
                nums[0], nums[1], nums[2], nums[3], nums[4], nums[5], nums[6], nums[7],
            ];
            // The aggregate line ("cpu ") comes first.
            if label.chars().all(|c| c.is_ascii_digit()) || all.is_empty() {
                all.push(v);
                guest.push([
                    nums.get(8).copied().unwrap_or(0),
                    nums.get(9).copied().unwrap_or(0),
                ]);
            }
        }
        let guest_seconds: Vec<BTreeMap<String, f64>> = guest[1..]
            .iter()
            .map(|g| {
                BTreeMap::from([
                    ("user".to_string(), g[0] as f64 / USER_HZ),
                    ("nice".to_string(), g[1] as f64 / USER_HZ),
                ])
            })
            .collect();
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
        // Closer than one clock tick to the previous reading: no tick to
        // measure over. Report the last usage and keep measuring from the
        // previous reading, so the next snapshot covers the whole interval.
        if let (Some(prev), Some(last)) = (&self.prev_cpu, &self.last_cpu_usage)
            && prev.len() == all.len()
            && sum(&all[1..]).iter().sum::<u64>() == sum(&prev[1..]).iter().sum::<u64>()
        {
            let (usage_percent, per_core_percent) = last.clone();
            let cores = (all.len() - 1) as u32;
            return Ok(Cpu {
                cores,
                effective_cores: cores,
                usage_percent,
                per_core_percent,
                seconds: seconds_of(&all, &MODES),
                guest_seconds,
            });
        }
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
        let seconds = seconds_of(&all, &MODES);
        let cores = (all.len() - 1) as u32;
        self.prev_cpu = Some(all);
        if usage_percent.is_some() {
            self.last_cpu_usage = Some((usage_percent, per_core.clone()));
        }
        Ok(Cpu {
            cores,
            effective_cores: cores,
            usage_percent,
            per_core_percent: per_core,
            seconds,
            guest_seconds,
        })
    }

    /// The processes on the host: the numeric entries of `/proc`.
    pub(super) fn count_processes(&self) -> u64 {
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

    pub(super) fn load(&self, cores: u32) -> Result<(Load, u64)> {
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

    /// Memory and swap, and every `/proc/meminfo` field (kB fields in
    /// bytes; `Active(anon)` named `Active_anon`, as node_exporter does).
    pub(super) fn memory(&self) -> Result<(Memory, Memory, BTreeMap<String, u64>)> {
        let text = read(&self.proc("meminfo"))?;
        let mut kb: HashMap<&str, u64> = HashMap::new();
        let mut fields = BTreeMap::new();
        for line in text.lines() {
            if let Some((k, v)) = line.split_once(':') {
                let mut v = v.split_whitespace();
                let Some(n) = v.next().and_then(|n| n.parse::<u64>().ok()) else {
                    continue;
                };
                let kib = v.next() == Some("kB");
                kb.insert(k, n);
                let name: String = k
                    .chars()
                    .filter(|&c| c != ')')
                    .map(|c| if c == '(' { '_' } else { c })
                    .collect();
                fields.insert(name, if kib { n.saturating_mul(1024) } else { n });
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
            fields,
        ))
    }
}

/// The `/proc/stat` counters besides CPU time, kept from the last read.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct StatCounters {
    pub(super) procs_running: u64,
    pub(super) procs_blocked: u64,
    pub(super) context_switches: u64,
    pub(super) interrupts: u64,
    pub(super) forks: u64,
}

/// Each core's cumulative seconds per mode, from its `/proc/stat` ticks.
fn seconds_of(all: &[[u64; 8]], modes: &[&str; 8]) -> Vec<BTreeMap<String, f64>> {
    all[1..]
        .iter()
        .map(|v| {
            modes
                .iter()
                .zip(v)
                .map(|(m, t)| (m.to_string(), *t as f64 / USER_HZ))
                .collect()
        })
        .collect()
}

//! The cgroup (v2, or v1's memory controller) this process runs in.

use super::*;

impl Collector {
    pub(super) fn cgroup(&self, host_memory: u64) -> Option<Cgroup> {
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
}

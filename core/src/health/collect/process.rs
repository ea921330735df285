//! This process: CPU, memory, descriptors and start time, from `/proc/self`.

use super::*;

impl Collector {
    pub(super) fn process(&self, boot: f64) -> Result<ProcessInfo> {
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
        let limits = read(&self.proc("self/limits")).unwrap_or_default();
        // "Max open files   1024   1048576   files": the soft limit.
        let soft = |name: &str| {
            limits
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|r| r.split_whitespace().next())
                .map(|v| v.parse::<u64>().ok())
        };
        // "unlimited" is None.
        let max_fds = soft("Max open files").flatten().unwrap_or(0);
        let max_virtual = soft("Max address space").flatten();
        Ok(ProcessInfo {
            pid: std::process::id(),
            cpu_seconds: (n(11) + n(12)) as f64 / USER_HZ,
            resident_bytes: n(21) * page,
            virtual_bytes: n(20),
            max_virtual_bytes: max_virtual,
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

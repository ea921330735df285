//! Mounted filesystems: which to read (pseudo, overlay and network ones
//! left out), and `statvfs` on a worker thread so a hung mount is reported,
//! not waited on.

use super::*;

/// Filesystem types left out by default: node_exporter's (1.5) default
/// `fs-types-exclude`, pseudo filesystems with no space to run out of.
/// `tmpfs` and network filesystems are reported, as node_exporter does;
/// their `statvfs` runs on the worker with the mount timeout, so a dead
/// NFS server costs one timeout, not a hung snapshot.
pub(super) const PSEUDO_FS: &[&str] = &[
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
    "sysfs",
    "tracefs",
];

/// Local disk (and memory) filesystems whose `statfs` answers from memory: asked on the
/// snapshot's thread. Every other type (network, FUSE, ZFS, whose `statfs`
/// can block on a server or a suspended pool) goes through the worker with
/// the mount timeout; a thread round trip costs about 0.1 ms here.
pub(super) const LOCAL_FS: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "f2fs", "jfs", "ntfs3", "hfsplus",
    "tmpfs", "ramfs",
];

/// Mount points left out by default, as prefixes: upstream node_exporter's
/// (1.5) `mount-points-exclude`, `^/(dev|proc|run/credentials/.+|sys|
/// var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`. (Debian's
/// package widens it to all of `/run`, `/mnt` and `/media`; a backup disk
/// mounted on `/mnt` is worth watching, so opskit keeps upstream's.)
pub(super) const PSEUDO_MOUNTS: &[&str] = &[
    "/dev",
    "/proc",
    "/run/credentials/",
    "/sys",
    "/var/lib/docker/",
    "/var/lib/containers/storage/",
];

/// The answer to one `statvfs`, by the index of its mount.
type StatAnswer = (usize, rustix::io::Result<rustix::fs::StatVfs>);

/// A thread that runs `statvfs` calls in order, so the snapshot can stop
/// waiting for a hung mount; abandoned when one hangs (it ends when the
/// call returns), replaced by a new one at the next call.
#[derive(Debug)]
pub(super) struct StatWorker {
    tx: mpsc::Sender<Vec<(usize, String)>>,
    rx: Mutex<mpsc::Receiver<StatAnswer>>,
}

impl StatWorker {
    pub(super) fn spawn(in_flight: Arc<Mutex<HashMap<String, f64>>>) -> Option<StatWorker> {
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

impl Collector {
    pub(super) fn filesystems(&mut self) -> Result<Vec<Filesystem>> {
        let text = read(&self.proc("self/mounts"))?;
        // (device, mount point, fstype, read-only) of the mounts to report.
        let mut mounts = Vec::new();
        let mut seen = HashSet::new();
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
                // Each mount point is reported, bind mounts too, as
                // node_exporter does; only a repeated line (the same device,
                // mount point and type) is one.
                || !seen.insert((device, mountpoint.clone(), fstype))
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
    pub(super) fn statvfs_all(
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

//! Maintenance state for rolling patching: whether the host needs a reboot
//! (Debian/Ubuntu's `/var/run/reboot-required` and its package list) and
//! which package upgrades are pending, as the node_exporter textfile
//! collectors `apt.sh`/`apt_info.py` report them (`node_reboot_required`,
//! `apt_upgrades_pending{origin,arch}`).
//!
//! Pending upgrades come from `apt-get --just-print dist-upgrade`, which
//! reads the local package lists (no network) but takes seconds; the
//! collector runs it on a background thread only when dpkg's status or the
//! package lists changed, and every snapshot reports the last answer.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Pending upgrades from one origin for one architecture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct UpgradeGroup {
    /// The archives offering them, as apt prints them without spaces,
    /// e.g. `Debian:12.14/oldstable,Debian-Security:12/oldstable-security`.
    pub origin: String,
    /// The architecture, e.g. `amd64` or `all`.
    pub arch: String,
    /// How many packages.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// The pending package upgrades at one check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Upgrades {
    /// Packages a `dist-upgrade` would install or upgrade.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: u64,
    /// The same, by origin and architecture (sorted).
    pub groups: Vec<UpgradeGroup>,
    /// When the check ran, seconds since the Unix epoch.
    pub checked_seconds: f64,
    /// When the package lists were last updated (`apt update`), seconds
    /// since the Unix epoch: pending counts are only as fresh as the lists.
    pub lists_updated_seconds: Option<f64>,
    /// Why the check failed, when it did (then `pending` is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the snapshot knows about maintenance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default)]
pub struct MaintenanceState {
    /// The OS asks for a reboot (its reboot-required file exists).
    pub reboot_required: bool,
    /// The packages that asked for it (`reboot-required.pkgs`), sorted, unique.
    pub reboot_packages: Vec<String>,
    /// Pending upgrades; `None` when not asked for or not checked yet.
    pub upgrades: Option<Upgrades>,
}

/// Read the reboot-required flag file and its `.pkgs` list.
pub(crate) fn reboot_state(flag: &Path) -> (bool, Vec<String>) {
    if !flag.exists() {
        return (false, Vec::new());
    }
    let mut pkgs_path = flag.as_os_str().to_owned();
    pkgs_path.push(".pkgs");
    let mut pkgs: Vec<String> = crate::fsutil::read_text_capped(
        Path::new(&pkgs_path),
        crate::limits::MAX_POLICY_BYTES as u64,
        "reboot-required package list",
    )
    .unwrap_or_default()
    .lines()
    .map(str::trim)
    .filter(|l| !l.is_empty())
    .map(String::from)
    .collect();
    pkgs.sort();
    pkgs.dedup();
    (true, pkgs)
}

/// Count `Inst` lines of `apt-get --just-print` output by origin and
/// architecture: `Inst name [old] (new Origin:ver/suite, Other:… [arch]) …`.
/// Lines that are not `Inst` lines are ignored.
pub fn parse_apt_simulation(text: &str) -> Vec<UpgradeGroup> {
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("Inst ") else {
            continue;
        };
        let Some(open) = rest.find('(') else {
            continue;
        };
        let inner = &rest[open + 1..];
        let inner = inner.find(')').map_or(inner, |close| &inner[..close]);
        // "new-version origin, origin [arch]"
        let after_version = inner.split_once(' ').map_or("", |(_, r)| r);
        let (origin, arch) = match after_version.rfind('[') {
            Some(i) => (
                &after_version[..i],
                after_version[i + 1..].trim_end_matches(']'),
            ),
            None => (after_version, ""),
        };
        let origin: String = origin.chars().filter(|c| !c.is_whitespace()).collect();
        *counts.entry((origin, arch.trim().to_string())).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((origin, arch), count)| UpgradeGroup {
            origin,
            arch,
            count,
        })
        .collect()
}

fn mtime_seconds(p: &Path) -> Option<f64> {
    let t = std::fs::metadata(p).ok()?.modified().ok()?;
    Some(t.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs_f64())
}

/// What a pending-upgrades answer depends on: dpkg's status (installs and
/// removals), the package lists (`apt update`) and apt's own cache.
fn apt_inputs() -> [Option<f64>; 3] {
    [
        mtime_seconds(Path::new("/var/lib/dpkg/status")),
        mtime_seconds(Path::new("/var/lib/apt/lists")),
        mtime_seconds(Path::new("/var/cache/apt/pkgcache.bin")),
    ]
}

/// Run `apt_get --just-print dist-upgrade` (killed after `timeout`) and count
/// what it would install. Errors are kept in the answer, not raised: a
/// missing apt-get or a broken cache is a fact about the host.
pub fn check_upgrades(apt_get: &str, timeout: Duration) -> Upgrades {
    let now = || {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    };
    let lists_updated_seconds = mtime_seconds(Path::new("/var/lib/apt/lists"));
    let failed = |why: String| Upgrades {
        pending: 0,
        groups: Vec::new(),
        checked_seconds: now(),
        lists_updated_seconds,
        error: Some(why),
    };
    match run_simulation(apt_get, timeout) {
        Ok(text) => {
            let groups = parse_apt_simulation(&text);
            Upgrades {
                pending: groups.iter().map(|g| g.count).sum(),
                groups,
                checked_seconds: now(),
                lists_updated_seconds,
                error: None,
            }
        }
        Err(e) => failed(e.message().to_string()),
    }
}

fn run_simulation(apt_get: &str, timeout: Duration) -> Result<String> {
    let mut child = Command::new(apt_get)
        .args(["--just-print", "dist-upgrade"])
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(Path::new(apt_get), "run", e))?;
    // Read the pipes on threads so a full pipe cannot stall the child.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        let _ = tx.send((true, s));
    });
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        let _ = tx2.send((false, s));
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::io(Path::new(apt_get), "wait for", e))?
        {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::new(
                crate::ErrorKind::Timeout,
                format!(
                    "{apt_get} --just-print dist-upgrade did not finish within {:.0} s",
                    timeout.as_secs_f64()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    for _ in 0..2 {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok((true, s)) => stdout = s,
            Ok((false, s)) => stderr = s,
            Err(_) => break,
        }
    }
    if !status.success() {
        let why = stderr.lines().last().unwrap_or("").trim().to_string();
        return Err(Error::invalid(format!(
            "{apt_get} --just-print dist-upgrade failed ({status}): {why}"
        )));
    }
    Ok(stdout)
}

/// Keeps the last pending-upgrades answer and re-checks on a background
/// thread when apt's inputs change, so a snapshot never waits for apt-get.
#[derive(Debug)]
pub(crate) struct UpgradeWatcher {
    apt_get: String,
    timeout: Duration,
    inputs: Option<[Option<f64>; 3]>,
    running: Option<mpsc::Receiver<Upgrades>>,
    last: Option<Upgrades>,
}

impl UpgradeWatcher {
    pub(crate) fn new(apt_get: &str, timeout: Duration) -> Self {
        UpgradeWatcher {
            apt_get: apt_get.to_string(),
            timeout,
            inputs: None,
            running: None,
            last: None,
        }
    }

    /// The last answer, starting a re-check when apt's inputs changed; with
    /// `wait`, block (up to the apt-get timeout) for a check in flight.
    pub(crate) fn current(&mut self, wait: bool) -> Option<Upgrades> {
        if self.running.is_none() {
            let inputs = apt_inputs();
            if self.inputs != Some(inputs) {
                self.inputs = Some(inputs);
                let (tx, rx) = mpsc::channel();
                let (apt_get, timeout) = (self.apt_get.clone(), self.timeout);
                std::thread::spawn(move || {
                    let _ = tx.send(check_upgrades(&apt_get, timeout));
                });
                self.running = Some(rx);
            }
        }
        if let Some(rx) = &self.running {
            let got = if wait {
                rx.recv_timeout(self.timeout + Duration::from_secs(5)).ok()
            } else {
                rx.try_recv().ok()
            };
            if let Some(u) = got {
                self.last = Some(u);
                self.running = None;
            } else if !wait && matches!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected)) {
                self.running = None;
            }
        }
        self.last.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_inst_lines_by_origin_and_arch() {
        let text = "\
NOTE: This is only a simulation!
Reading package lists...
Inst openssl [3.0.15-1~deb12u1] (3.0.20-1~deb12u1 Debian:12.14/oldstable [amd64])
Inst libssl3 [3.0.15-1~deb12u1] (3.0.20-1~deb12u1 Debian:12.14/oldstable [amd64]) []
Inst python3-jwt [2.6.0-1] (2.6.0-1+deb12u1 Debian:12.14/oldstable, Debian-Security:12/oldstable-security [all])
Inst newpkg (1.0 Debian:12.14/oldstable [amd64])
Conf openssl (3.0.20-1~deb12u1 Debian:12.14/oldstable [amd64])
";
        let groups = parse_apt_simulation(text);
        assert_eq!(
            groups,
            vec![
                UpgradeGroup {
                    origin: "Debian:12.14/oldstable".into(),
                    arch: "amd64".into(),
                    count: 3
                },
                UpgradeGroup {
                    origin: "Debian:12.14/oldstable,Debian-Security:12/oldstable-security".into(),
                    arch: "all".into(),
                    count: 1
                },
            ]
        );
        assert!(parse_apt_simulation("Reading package lists...\n").is_empty());
    }

    #[test]
    fn reboot_flag_and_unique_sorted_packages() {
        let dir = tempfile::tempdir().unwrap();
        let flag = dir.path().join("reboot-required");
        assert_eq!(reboot_state(&flag), (false, vec![]));
        std::fs::write(&flag, "*** System restart required ***\n").unwrap();
        assert_eq!(reboot_state(&flag), (true, vec![]));
        std::fs::write(
            dir.path().join("reboot-required.pkgs"),
            "linux-base\nlibc6\nlinux-base\n\n",
        )
        .unwrap();
        assert_eq!(
            reboot_state(&flag),
            (true, vec!["libc6".into(), "linux-base".into()])
        );
    }

    #[test]
    fn the_watcher_answers_without_waiting_and_reruns_only_on_change() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("apt-get");
        let runs = dir.path().join("runs");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho run >> {}\nsleep 0.3\necho 'Inst a [1] (2 Debian:12/stable [amd64])'\n",
                runs.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut w = UpgradeWatcher::new(script.to_str().unwrap(), Duration::from_secs(10));
        let t = Instant::now();
        assert_eq!(w.current(false), None, "no answer yet");
        assert!(t.elapsed() < Duration::from_millis(200), "did not wait");
        let u = w.current(true).unwrap();
        assert_eq!((u.pending, u.error), (1, None));
        // Same inputs: the answer is kept, apt-get is not run again.
        assert_eq!(w.current(true).unwrap().pending, 1);
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 1);
        // A changed input (here: forgotten) runs it again.
        w.inputs = None;
        w.current(true);
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 2);
    }

    #[test]
    fn a_stalled_apt_get_is_killed_at_the_timeout() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("apt-get");
        std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let t = Instant::now();
        let u = check_upgrades(script.to_str().unwrap(), Duration::from_millis(300));
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert!(u.error.unwrap().contains("did not finish within"));
    }

    #[test]
    fn a_missing_apt_get_is_an_answer_with_its_reason() {
        let u = check_upgrades("/nonexistent/apt-get", Duration::from_secs(5));
        assert_eq!(u.pending, 0);
        assert!(u.error.unwrap().contains("/nonexistent/apt-get"));
    }
}

//! Health: the collector against what `/proc` and `statvfs` say, rules
//! driven by a fake clock, and the two report formats.

use opskit::ErrorKind;
use opskit::health::{
    Collector, CollectorOptions, Direction, Evaluator, Exposition, Rule, Status, default_rules,
    exposition, health_json,
};

fn meminfo(key: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap();
    text.lines()
        .find(|l| l.starts_with(&format!("{key}:")))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap()
        * 1024
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn snapshot_agrees_with_proc_and_statvfs() {
    let mut c = Collector::new(CollectorOptions {
        first_sample_seconds: 0.0,
        ..CollectorOptions::default()
    })
    .unwrap();
    let s = c.snapshot().unwrap();
    assert!(s.first);
    assert_eq!(s.cpu.usage_percent, None, "no rate on the first snapshot");
    assert_eq!(s.memory.total_bytes, meminfo("MemTotal"));
    // Available memory moves; allow 64 MiB between two reads.
    assert!(close(
        s.memory.available_bytes as f64,
        meminfo("MemAvailable") as f64,
        64e6
    ));
    assert_eq!(s.swap.total_bytes, meminfo("SwapTotal"));
    let load: Vec<f64> = std::fs::read_to_string("/proc/loadavg")
        .unwrap()
        .split_whitespace()
        .take(3)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        close(s.load.one, load[0], 1.0),
        "{} vs {}",
        s.load.one,
        load[0]
    );
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(close(s.host.uptime_seconds, uptime, 2.0));
    let cores = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes()[3].is_ascii_digit())
        .count() as u32;
    assert_eq!(s.cpu.cores, cores);
    assert_eq!(s.cpu.seconds.len(), cores as usize);
    assert!(s.cpu.seconds[0]["idle"] > 0.0);
    // The root filesystem, as statvfs sees it.
    let root = s
        .filesystems
        .iter()
        .find(|f| f.mountpoint == "/")
        .expect("/ is listed");
    let st = rustix_statvfs("/");
    assert_eq!(root.size_bytes, st.0);
    assert!(close(root.avail_bytes as f64, st.1 as f64, 256e6));
    assert!(root.used_percent > 0.0 && root.used_percent < 100.0);
    assert!(
        !s.filesystems
            .iter()
            .any(|f| f.fstype == "proc" || f.mountpoint.starts_with("/sys"))
    );
    // The process itself.
    let fds = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    assert!(
        s.process.open_fds.abs_diff(fds) <= 4,
        "{} vs {fds}",
        s.process.open_fds
    );
    assert!(s.process.max_fds > 0 && s.process.threads >= 1);
    assert!(s.process.resident_bytes > 1 << 20);
    assert_eq!(s.process.pid, std::process::id());
    assert!(s.processes > 1);
    // The second snapshot has rates.
    std::thread::sleep(std::time::Duration::from_millis(250));
    let s2 = c.snapshot().unwrap();
    assert!(!s2.first);
    let usage = s2.cpu.usage_percent.expect("a rate after two snapshots");
    assert!((0.0..=100.0).contains(&usage));
    assert!(
        s2.networks
            .iter()
            .all(|n| n.rx_bytes_per_second.is_some() && n.device != "lo")
    );
}

/// (size, avail) of a filesystem via `stat -f` (another reader than ours).
fn rustix_statvfs(path: &str) -> (u64, u64) {
    let out = std::process::Command::new("stat")
        .args(["-f", "-c", "%S %b %a", path])
        .output()
        .unwrap();
    let t = String::from_utf8(out.stdout).unwrap();
    let v: Vec<u64> = t.split_whitespace().map(|x| x.parse().unwrap()).collect();
    (v[0] * v[1], v[0] * v[2])
}

fn rule(metric: &str, warn: f64, critical: f64, hold: &str, clear: f64) -> Rule {
    Rule {
        name: "r".into(),
        metric: metric.into(),
        warn: Some(warn),
        critical: Some(critical),
        direction: Direction::Above,
        for_duration: Some(hold.into()),
        clear: Some(clear),
        source: None,
    }
}

#[test]
fn rules_hold_for_their_duration_and_clear_past_the_margin() {
    // No first sample: a rule on CPU usage is unknown without a rate.
    let mut c = Collector::new(CollectorOptions {
        first_sample_seconds: 0.0,
        ..CollectorOptions::default()
    })
    .unwrap();
    let mut s = c.snapshot().unwrap();
    let mut e = Evaluator::new(vec![rule("memory.used_percent", 50.0, 80.0, "5m", 10.0)]).unwrap();
    let mut at = |used: f64, t: f64| {
        s.memory.used_percent = used;
        let r = e.evaluate(&s, t);
        (r[0].status, r[0].output.clone())
    };
    assert_eq!(at(40.0, 0.0).0, Status::Pass);
    let (st, out) = at(60.0, 10.0);
    assert_eq!(st, Status::Pass, "pending, not yet for 5m");
    assert!(out.contains("pending"), "{out}");
    assert_eq!(at(65.0, 200.0).0, Status::Pass);
    assert_eq!(at(65.0, 310.0).0, Status::Warn, "held for 300 s");
    // Hovering just under the threshold does not clear (clear margin 10).
    assert_eq!(at(45.0, 320.0).0, Status::Warn);
    assert_eq!(at(39.0, 330.0).0, Status::Pass);
    // A dip resets the pending timer.
    assert_eq!(at(90.0, 400.0).0, Status::Pass);
    assert_eq!(at(30.0, 500.0).0, Status::Pass);
    assert_eq!(at(90.0, 600.0).0, Status::Pass);
    assert_eq!(at(90.0, 899.0).0, Status::Pass);
    assert_eq!(at(90.0, 900.0).0, Status::Fail);
    // From fail, dropping under critical by less than the margin stays fail.
    assert_eq!(at(75.0, 910.0).0, Status::Fail);
    assert_eq!(at(69.0, 920.0).0, Status::Warn);
    // A rule below its thresholds (free space).
    let mut below = Rule {
        direction: Direction::Below,
        ..rule("memory.available_bytes", 2e9, 1e9, "0", 0.0)
    };
    below.name = "mem_low".into();
    let mut e = Evaluator::new(vec![below]).unwrap();
    s.memory.available_bytes = 500_000_000;
    assert_eq!(e.evaluate(&s, 0.0)[0].status, Status::Fail);
    // Every filesystem gets its own check.
    let mut e = Evaluator::new(default_rules()).unwrap();
    let checks = e.evaluate(&s, 0.0);
    assert!(checks.iter().any(|c| c.name == "disk_full:/"));
    assert!(
        checks
            .iter()
            .any(|c| c.name == "cpu_overload" && c.status == Status::Unknown)
    );
}

#[test]
fn bad_rules_are_refused() {
    let cases = [
        (rule("cpu.nonsense", 1.0, 2.0, "1m", 0.0), "unknown metric"),
        (
            rule("disk.used_percent", 1.0, 2.0, "1m", 0.0),
            "unknown metric",
        ),
        (
            rule("cpu.usage_percent", 95.0, 85.0, "1m", 0.0),
            "beyond critical",
        ),
        (
            rule("cpu.usage_percent", f64::NAN, 85.0, "1m", 0.0),
            "finite",
        ),
        (
            rule("cpu.usage_percent", 85.0, 95.0, "soon", 0.0),
            "duration",
        ),
    ];
    for (r, why) in cases {
        let e = Evaluator::new(vec![r]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains(why), "{e}");
    }
    let mut twice = default_rules();
    twice.push(twice[0].clone());
    assert!(Evaluator::new(twice).is_err());
    for r in default_rules() {
        r.validate().unwrap();
    }
}

#[test]
fn health_json_and_exposition() {
    let mut c = Collector::new(CollectorOptions::default()).unwrap();
    let s = c.snapshot().unwrap();
    let mut e = Evaluator::new(vec![rule("memory.used_percent", -1.0, 200.0, "0", 0.0)]).unwrap();
    let checks = e.evaluate(&s, s.time_seconds);
    assert_eq!(checks[0].status, Status::Warn);
    let (doc, code) = health_json(&s, &checks, false);
    assert_eq!(code, 200);
    assert_eq!(doc["status"], "warn");
    assert_eq!(doc["checks"]["r:utilization"][0]["status"], "warn");
    assert_eq!(doc["checks"]["r:utilization"][0]["observedUnit"], "percent");
    assert!(
        doc["checks"]["uptime"][0]["observedValue"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let (drain, code) = health_json(&s, &checks, true);
    assert_eq!((drain["status"].as_str(), code), (Some("fail"), 503));
    assert_eq!(drain["output"], "draining");

    let text = exposition(&s, &checks, Exposition::Text);
    assert!(text.contains("# TYPE opskit_cpu_seconds_total counter\n"));
    assert!(text.contains("opskit_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} "));
    assert!(text.contains("opskit_filesystem_avail_bytes{device=\""));
    assert!(text.contains(",mountpoint=\"/\"} "));
    assert!(text.contains("\nprocess_open_fds "));
    assert!(text.contains("opskit_check_level{check=\"r\"} 1\n"));
    assert!(text.ends_with('\n') && !text.contains("# EOF"));
    let om = exposition(&s, &checks, Exposition::OpenMetrics);
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE opskit_cpu_seconds counter\n"));
    assert_eq!(
        Exposition::from_accept("application/openmetrics-text; version=1.0.0"),
        Exposition::OpenMetrics
    );
    assert_eq!(Exposition::from_accept("text/plain"), Exposition::Text);
    // RFC 9110 weights: zero refuses, the higher weight wins, Prometheus'
    // own header (OpenMetrics first) gets OpenMetrics.
    for (accept, want) in [
        ("application/openmetrics-text;q=0", Exposition::Text),
        (
            "application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9",
            Exposition::Text,
        ),
        (
            "text/plain;q=0.3, application/openmetrics-text;q=0.5",
            Exposition::OpenMetrics,
        ),
        (
            "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            Exposition::OpenMetrics,
        ),
        ("*/*", Exposition::Text),
        ("", Exposition::Text),
        ("application/openmetrics-text; q=bogus", Exposition::Text),
    ] {
        assert_eq!(Exposition::from_accept(accept), want, "{accept}");
    }
    // Every sample line's family is declared once, before it.
    let mut declared = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            assert!(
                declared.insert(rest.split(' ').next().unwrap().to_string()),
                "{line}"
            );
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(declared.contains(name), "{name} has no TYPE");
        }
    }
}

#[test]
fn a_missing_proc_is_unsupported() {
    let e = Collector::new(CollectorOptions {
        proc_root: "/nonexistent".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[test]
fn policy_files_with_probes_and_unknown_keys() {
    use opskit::health::Policy;
    let ok = Policy::from_toml(
        "probe_deadline = \"3s\"\n[[probe]]\nname = \"api\"\ntype = \"tcp\"\nhost = \"127.0.0.1\"\nport = 8080\ntimeout = \"1s\"\n[[probe]]\nname = \"backup_fresh\"\ntype = \"file\"\npath = \"/srv/backup/latest.json\"\nmax_age = \"26h\"\n",
    )
    .unwrap();
    assert_eq!(ok.probes.len(), 2);
    assert_eq!(ok.deadline(), std::time::Duration::from_secs(3));
    assert_eq!(ok.effective_rules().len(), default_rules().len());
    for (body, why) in [
        (
            "[[probe]]\nname = \"api\"\ntype = \"tcp\"\nhost = \"h\"\nport = 1\ncolour = \"red\"\n",
            "unknown field",
        ),
        (
            "[[probe]]\nname = \"api\"\ntype = \"smtp\"\n",
            "unknown variant",
        ),
        (
            "[[probe]]\nname = \"api\"\ntype = \"tcp\"\nhost = \"h\"\nport = 70000\n",
            "invalid",
        ),
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.usage_percent\"\ncritical = 90\nwarn = 95\n",
            "beyond critical",
        ),
    ] {
        let e = Policy::from_toml(body).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{body}");
        assert!(e.to_string().contains(why), "{why}: {e}");
    }
    // A rule of a default's name replaces it.
    let p = Policy::from_toml("[[rule]]\nname = \"disk_full\"\nmetric = \"disk[*].used_percent\"\nwarn = 70\ncritical = 80\n").unwrap();
    let rules = p.effective_rules();
    assert_eq!(rules.len(), default_rules().len());
    assert_eq!(
        rules.iter().find(|r| r.name == "disk_full").unwrap().warn,
        Some(70.0)
    );
}

/// A copy of this machine's /proc files the collector reads, with
/// `/proc/stat` replaced: the collector must work from any root.
fn fake_proc(stat: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for rel in [
        "loadavg",
        "meminfo",
        "net/dev",
        "self/cgroup",
        "self/limits",
        "self/mounts",
        "self/stat",
        "sys/kernel/hostname",
        "sys/kernel/osrelease",
        "uptime",
    ] {
        let to = d.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(
            &to,
            std::fs::read(std::path::Path::new("/proc").join(rel)).unwrap(),
        )
        .unwrap();
    }
    std::fs::write(d.path().join("stat"), stat).unwrap();
    d
}

#[test]
fn cpu_usage_is_the_sum_of_the_cores_not_the_lagging_aggregate_line() {
    // Seen on this VM: between two reads the aggregate line moved only in
    // `user` while both cores idled; usage must follow the cores.
    let before = "cpu  100 0 100 1000 0 0 0 0 0 0\ncpu0 50 0 50 500 0 0 0 0 0 0\ncpu1 50 0 50 500 0 0 0 0 0 0\n";
    let after = "cpu  110 0 100 1000 0 0 0 0 0 0\ncpu0 50 0 50 550 0 0 0 0 0 0\ncpu1 60 0 50 540 0 0 0 0 0 0\n";
    let d = fake_proc(before);
    let mut c = Collector::new(CollectorOptions {
        proc_root: d.path().to_string_lossy().into_owned(),
        ..Default::default()
    })
    .unwrap();
    let first = c.snapshot().unwrap();
    assert_eq!(first.cpu.usage_percent, None);
    std::fs::write(d.path().join("stat"), after).unwrap();
    let s = c.snapshot().unwrap();
    assert_eq!(s.cpu.cores, 2);
    let cores: Vec<f64> = s.cpu.per_core_percent.iter().map(|p| p.unwrap()).collect();
    assert!(
        close(cores[0], 0.0, 1e-9) && close(cores[1], 20.0, 1e-9),
        "{cores:?}"
    );
    // 10 busy ticks of 100 on both cores: 10 %, not the aggregate's 100 %.
    assert!(
        close(s.cpu.usage_percent.unwrap(), 10.0, 1e-9),
        "{:?}",
        s.cpu
    );
    assert_eq!(s.cpu.seconds[1]["user"], 0.6);
}

#[test]
fn rules_export_as_prometheus_alerting_rules() {
    let mut rules = opskit::health::default_rules();
    rules.push(
        serde_json::from_value(serde_json::json!({
            "name": "mem_avail", "metric": "memory.available_bytes", "direction": "below",
            "critical": 1073741824.0
        }))
        .unwrap(),
    );
    let y = opskit::health::prometheus_rules(Some(&rules), Some("web")).unwrap();
    assert!(
        y.starts_with("groups:\n  - name: \"web\"\n    rules:\n"),
        "{y}"
    );
    // Two alerts per default rule, one each for reboot_required (warn only)
    // and mem_avail (critical only).
    assert_eq!(
        y.matches("      - alert: ").count(),
        2 * (rules.len() - 2) + 2,
        "{y}"
    );
    assert!(y.contains("      - alert: \"OpskitDiskFullWarning\"\n        expr: \"opskit_check_value{check=~\\\"disk_full(:.*)?\\\"} > 90\"\n        for: \"5m\"\n        labels:\n          severity: \"warning\"\n"), "{y}");
    assert!(
        y.contains("expr: \"opskit_check_value{check=~\\\"mem_avail(:.*)?\\\"} < 1073741824\""),
        "{y}"
    );
    assert!(!y.contains("OpskitMemAvailWarning"), "{y}");
    assert!(
        y.contains("      - alert: \"OpskitRebootRequiredWarning\"\n        expr: \"opskit_check_value{check=~\\\"reboot_required(:.*)?\\\"} > 0\"\n        labels:"),
        "{y}"
    );
    assert!(
        y.contains(
            "source: \"node-mixin NodeFilesystemAlmostOutOfSpace; Netdata disk_space_usage\""
        ),
        "{y}"
    );
}

#[test]
fn metrics_by_key_and_per_core_load_by_its_prometheus_names() {
    let s = Collector::new(CollectorOptions::default())
        .unwrap()
        .snapshot()
        .unwrap();
    let rule = |metric: &str| -> Rule {
        serde_json::from_value(serde_json::json!({"name": "m", "metric": metric, "critical": 1e18}))
            .unwrap()
    };
    let value = |metric: &str| {
        let mut e = Evaluator::new(vec![rule(metric)]).unwrap();
        e.evaluate(&s, s.time_seconds)[0].value
    };
    assert_eq!(value("load.per_core_1m"), Some(s.load.per_core_one));
    assert_eq!(value("load.per_core_5m"), Some(s.load.per_core_five));
    assert_eq!(value("load.per_core_15m"), Some(s.load.per_core_fifteen));
    let root = s.filesystems.iter().find(|f| f.mountpoint == "/").unwrap();
    assert_eq!(value("disk[\"/\"].used_percent"), Some(root.used_percent));
    let mut e = Evaluator::new(vec![rule("disk[\"/\"].used_percent")]).unwrap();
    assert_eq!(e.evaluate(&s, s.time_seconds)[0].name, "m:/");
}

#[test]
fn start_and_boot_times_never_move_between_snapshots() {
    // `changes(process_start_time_seconds[1h]) > 0`, the usual restart
    // alert, must not fire on a process that did not restart.
    let mut c = Collector::new(CollectorOptions::default()).unwrap();
    let first = c.snapshot().unwrap();
    let btime: f64 = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(first.host.boot_time_seconds, btime);
    // The process's start: btime + starttime ticks / USER_HZ (100 on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let ticks: f64 = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(first.process.start_time_seconds, btime + ticks / 100.0);
    for _ in 0..100 {
        let s = c.snapshot().unwrap();
        assert_eq!(
            s.process.start_time_seconds,
            first.process.start_time_seconds
        );
        assert_eq!(s.host.boot_time_seconds, first.host.boot_time_seconds);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn processes_and_threads_are_counted_apart() {
    let mut c = Collector::new(CollectorOptions::default()).unwrap();
    // Threads of our own make the difference visible.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        })
        .collect();
    let s = c.snapshot().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    handles.into_iter().for_each(|h| h.join().unwrap());
    let pids = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count() as f64;
    let threads: f64 = std::fs::read_to_string("/proc/loadavg")
        .unwrap()
        .split_whitespace()
        .nth(3)
        .and_then(|f| f.split_once('/'))
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(
        close(s.processes as f64, pids, 20.0),
        "{} vs {pids}",
        s.processes
    );
    assert!(
        close(s.threads as f64, threads, 40.0),
        "{} vs {threads}",
        s.threads
    );
    assert!(s.threads > s.processes, "this process alone has 9 threads");
    let text = exposition(&s, &[], Exposition::Text);
    assert!(
        text.contains("# HELP opskit_processes Processes on the host: PIDs in /proc"),
        "{text}"
    );
    assert!(
        text.contains(&format!("\nopskit_processes {}\n", s.processes)),
        "{text}"
    );
    assert!(
        text.contains(&format!("\nopskit_threads {}\n", s.threads)),
        "{text}"
    );
}

#[test]
fn the_defaults_every_front_uses_live_in_core() {
    use opskit::health::{
        DEFAULT_ALERT_GROUP, DEFAULT_PROBE_DEADLINE, probe_deadline, prometheus_rules,
    };
    let mut c = Collector::new(CollectorOptions::default()).unwrap();
    let s = c.snapshot().unwrap();
    // No rules: the default rules; no time: the snapshot's own.
    let by_default = Evaluator::new(None).unwrap().evaluate(&s, None);
    let explicit = Evaluator::new(default_rules())
        .unwrap()
        .evaluate(&s, s.time_seconds);
    assert_eq!(by_default, explicit);
    assert!(!by_default.is_empty());
    assert_eq!(DEFAULT_ALERT_GROUP, "opskit");
    assert_eq!(
        prometheus_rules(None, None).unwrap(),
        prometheus_rules(Some(&default_rules()), Some(DEFAULT_ALERT_GROUP)).unwrap()
    );
    assert_eq!(probe_deadline(None).unwrap(), DEFAULT_PROBE_DEADLINE);
    assert_eq!(DEFAULT_PROBE_DEADLINE.as_secs(), 10);
    assert!(probe_deadline(Some(0.0)).is_err());
    assert_eq!(
        opskit::backup::SignatureAlgorithm::default().as_str(),
        "hmac-sha256"
    );
}

/// One-shot callers get real CPU usage: a fresh collector's first snapshot
/// samples the counters `first_sample_seconds` apart; a snapshot closer
/// than a clock tick to the previous one reports the last usage, not none.
#[test]
fn the_first_snapshot_and_sub_tick_snapshots_have_cpu_usage() {
    let mut c = Collector::new(CollectorOptions::default()).unwrap();
    let t = std::time::Instant::now();
    let first = c.snapshot().unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(200));
    let usage = first
        .cpu
        .usage_percent
        .expect("usage on the first snapshot");
    assert!((0.0..=100.0).contains(&usage), "{usage}");
    assert!(first.cpu.per_core_percent.iter().all(Option::is_some));
    // Back to back, well inside one 10 ms tick many times over: never none.
    for _ in 0..50 {
        let s = c.snapshot().unwrap();
        assert!(s.cpu.usage_percent.is_some());
        let checks = Evaluator::new(None).unwrap().evaluate(&s, s.time_seconds);
        let cpu = checks.iter().find(|c| c.name == "cpu_overload").unwrap();
        assert_ne!(cpu.status, Status::Unknown, "{cpu:?}");
    }
    for bad in [-1.0, 11.0, f64::NAN] {
        let e = Collector::new(CollectorOptions {
            first_sample_seconds: bad,
            ..CollectorOptions::default()
        })
        .unwrap_err();
        assert!(e.message().contains("first_sample_seconds"), "{e}");
    }
}

#[test]
fn a_monitor_refreshes_in_the_background_and_a_hung_probe_holds_up_nothing() {
    use opskit::health::{Monitor, Policy};
    use std::time::{Duration, Instant};
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let policy = Policy::from_toml(&format!(
        "probe_interval = \"0.3s\"\nprobe_deadline = \"1s\"\n[[probe]]\nname = \"hung\"\ntype = \"tcp\"\nhost = \"127.0.0.1\"\nport = {}\n[[probe]]\nname = \"stuck_http\"\ntype = \"http\"\nurl = \"http://{}/\"\ntimeout = \"1s\"\n",
        hung.local_addr().unwrap().port(),
        hung.local_addr().unwrap()
    ))
    .unwrap();
    assert_eq!(policy.probe_interval(), Duration::from_millis(300));
    let t = Instant::now();
    let monitor = Monitor::start(&policy, Duration::from_millis(100)).unwrap();
    let first = monitor.latest();
    // The probes have not run yet: unknown, without a timestamp.
    let stuck = first
        .checks
        .iter()
        .find(|c| c.name == "stuck_http")
        .unwrap();
    assert_eq!(stuck.status, Status::Unknown, "{stuck:?}");
    assert!(
        !first
            .exposition(Exposition::Text)
            .contains("opskit_probe_timestamp_seconds")
    );
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "start took {:?}",
        t.elapsed()
    );
    // Reading never waits on the stuck round.
    let mut worst = Duration::ZERO;
    let until = Instant::now() + Duration::from_millis(1600);
    while Instant::now() < until {
        let r = Instant::now();
        let o = monitor.latest();
        let _ = o.exposition(Exposition::OpenMetrics);
        worst = worst.max(r.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(worst < Duration::from_millis(20), "latest() took {worst:?}");
    let later = monitor.latest();
    assert!(later.snapshot.time_seconds > first.snapshot.time_seconds + 1.0);
    let stuck = later
        .checks
        .iter()
        .find(|c| c.name == "stuck_http")
        .unwrap();
    assert_eq!(stuck.status, Status::Fail, "{stuck:?}");
    let text = later.exposition(Exposition::Text);
    assert!(
        text.contains("opskit_probe_timestamp_seconds{check=\"stuck_http\"} "),
        "{text}"
    );
    assert!(later.age_seconds() < 1.0);
    // On demand (refresh zero): every call takes a new snapshot.
    let monitor = Monitor::start(&Policy::default(), Duration::ZERO).unwrap();
    let (a, b) = (monitor.latest(), monitor.latest());
    assert!(b.snapshot.time_seconds > a.snapshot.time_seconds);
    assert!(Policy::from_toml("probe_interval = \"0s\"").is_err());
}

#[test]
fn disks_pressure_kernel_counters_and_system_info_agree_with_the_kernel() {
    let mut c = Collector::new(CollectorOptions::default()).unwrap();
    let s = c.snapshot().unwrap();
    // meminfo: every field, kB in bytes.
    assert_eq!(s.meminfo["MemTotal"], meminfo("MemTotal"));
    assert_eq!(s.meminfo["MemTotal"], s.memory.total_bytes);
    assert!(
        s.meminfo.contains_key("Active_anon"),
        "{:?}",
        s.meminfo.keys()
    );
    // diskstats: the devices node_exporter's default filter keeps, with
    // sector counts in bytes (counters only grow between the two reads).
    let text = std::fs::read_to_string("/proc/diskstats").unwrap();
    let filter = regex::Regex::new(r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$").unwrap();
    let kept: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| !filter.is_match(f[2]))
        .collect();
    assert_eq!(
        s.disks
            .iter()
            .map(|d| d.device.as_str())
            .collect::<Vec<_>>(),
        kept.iter().map(|f| f[2]).collect::<Vec<_>>()
    );
    for (d, f) in s.disks.iter().zip(&kept) {
        let sectors: u64 = f[5].parse().unwrap();
        assert!(d.read_bytes <= sectors * 512, "{d:?}");
        assert!(d.reads_completed <= f[3].parse::<u64>().unwrap());
    }
    // /proc/stat counters and the host's file handles.
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let field = |name: &str| -> u64 {
        stat.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|r| r.split_whitespace().next())
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(s.kernel.context_switches > 0 && s.kernel.context_switches <= field("ctxt "));
    assert!(s.kernel.forks > 0 && s.kernel.forks <= field("processes "));
    assert!(s.kernel.interrupts <= field("intr "));
    let max: u64 = std::fs::read_to_string("/proc/sys/fs/file-max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(s.kernel.files_maximum, (max < 1 << 53).then_some(max));
    assert!(s.kernel.files_allocated > 0);
    assert!(
        s.kernel.vmstat.contains_key("pgmajfault"),
        "{:?}",
        s.kernel.vmstat
    );
    assert!(s.kernel.vmstat.keys().all(|k| k.starts_with("oom_kill")
        || k.starts_with("pgpg")
        || k.starts_with("pswp")
        || k.starts_with("pg") && k.contains("fault")));
    // Pressure, when the kernel has it.
    if let Ok(cpu) = std::fs::read_to_string("/proc/pressure/cpu") {
        let total: f64 = cpu
            .split("total=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            / 1e6;
        let p = s.pressure.as_ref().expect("pressure");
        assert!(p.cpu_waiting_seconds <= total && p.cpu_waiting_seconds > total - 5.0);
    }
    // uname and os-release.
    assert_eq!(s.host.uname.sysname, "Linux");
    assert_eq!(s.host.uname.machine, std::env::consts::ARCH);
    assert_eq!(s.host.uname.release, s.host.kernel);
    if std::path::Path::new("/etc/os-release").exists() {
        assert_eq!(s.host.os_release.get("PRETTY_NAME"), Some(&s.host.os));
    }
    // Network state from /sys/class/net.
    for n in &s.networks {
        let sys = |a: &str| std::fs::read_to_string(format!("/sys/class/net/{}/{a}", n.device));
        assert_eq!(n.operstate, sys("operstate").unwrap().trim());
        assert_eq!(
            n.mtu_bytes,
            sys("mtu").ok().and_then(|v| v.trim().parse().ok())
        );
    }
    // The exposition carries them under node_exporter's names with opskit's prefix.
    let text = exposition(&s, &[], Exposition::Text);
    for name in [
        "opskit_memory_mem_free_bytes ",
        "opskit_context_switches_total ",
        "opskit_filefd_maximum ",
        "opskit_uname_info{",
        "opskit_network_up{",
        "opskit_cpu_guest_seconds_total{",
        "opskit_vmstat_pgmajfault_total ",
    ] {
        assert!(text.contains(&format!("\n{name}")), "{name} missing");
    }
    // A bad disk filter names itself.
    let e = Collector::new(CollectorOptions {
        exclude_disks: "(".into(),
        ..CollectorOptions::default()
    })
    .unwrap_err();
    assert!(e.message().contains("exclude_disks"), "{e}");
}

//! `opskit health …` as a user runs it: JSON, policies, exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn opskit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run opskit")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn snapshot_check_prometheus_and_policies() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let o = opskit(p, &["health", "snapshot", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["cpu"]["usage_percent"].is_number(),
        "two samples give a rate"
    );
    assert!(v["memory"]["total_bytes"].as_u64().unwrap() > 0);
    assert!(
        v["filesystems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["mountpoint"] == "/")
    );

    // A policy whose rule always fails (no `for`): exit 1, health+json says fail.
    std::fs::write(
        p.join("fail.toml"),
        "defaults = false\n[[rule]]\nname = \"always\"\nmetric = \"memory.used_percent\"\nwarn = -2\ncritical = -1\n",
    )
    .unwrap();
    let o = opskit(p, &["health", "check", "--policy", "fail.toml", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "fail");
    assert_eq!(v["checks"]["always:utilization"][0]["status"], "fail");
    // Draining: the drain file makes the node fail with "draining".
    std::fs::write(
        p.join("drain.toml"),
        format!(
            "defaults = false\n[maintenance]\ndrain_file = \"{}\"\n",
            p.join("drain").display()
        ),
    )
    .unwrap();
    assert_eq!(
        opskit(p, &["health", "check", "--policy", "drain.toml"])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(p.join("drain"), "").unwrap();
    let o = opskit(p, &["health", "check", "--policy", "drain.toml", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("draining"));
    // Bad policies: exit 2 with the reason.
    for (body, why) in [
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.bogus\"\nwarn = 1\n",
            "unknown metric",
        ),
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.usage_percent\"\nwarn = \"high\"\n",
            "invalid",
        ),
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.usage_percent\"\nwarn = 90\ncritical = 80\n",
            "beyond critical",
        ),
        ("colour = \"red\"\n", "unknown field"),
        (
            "[maintenance]\ndrain_file = \"/nonexistent/dir/drain\"\n",
            "does not exist",
        ),
    ] {
        std::fs::write(p.join("bad.toml"), body).unwrap();
        let o = opskit(p, &["health", "check", "--policy", "bad.toml"]);
        assert_eq!(o.status.code(), Some(2), "{body}: {}", text(&o));
        assert!(text(&o).contains(why), "{why}: {}", text(&o));
    }
    // The exposition, both flavours.
    let o = opskit(p, &["health", "prometheus"]);
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(
        t.contains("# TYPE opskit_cpu_seconds_total counter")
            && t.contains("opskit_check_up{check=\"disk_full:/\"}")
    );
    let o = opskit(p, &["health", "prometheus", "--openmetrics"]);
    assert!(String::from_utf8(o.stdout).unwrap().ends_with("# EOF\n"));
}

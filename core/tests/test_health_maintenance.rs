//! Maintenance state: the reboot-required flag with its packages, and
//! pending upgrades counted as `apt-get --just-print dist-upgrade` reports
//! them on this (Debian) machine, in the snapshot, the rules and the
//! exposition.

use std::process::Command;

use opskit::health::{
    AptUpgrades, Collector, CollectorOptions, Evaluator, Exposition, Status, default_rules,
    exposition,
};

#[test]
fn reboot_required_in_snapshot_rules_and_exposition() {
    let dir = tempfile::tempdir().unwrap();
    let flag = dir.path().join("reboot-required");
    let mut c = Collector::new(CollectorOptions {
        reboot_required_file: flag.to_str().unwrap().into(),
        ..CollectorOptions::default()
    })
    .unwrap();
    let mut rules = Evaluator::new(default_rules()).unwrap();

    let s = c.snapshot().unwrap();
    assert!(!s.maintenance.reboot_required);
    assert_eq!(s.maintenance.upgrades, None, "not asked for");
    let check = |checks: &[opskit::health::CheckResult]| {
        checks
            .iter()
            .find(|c| c.name == "reboot_required")
            .cloned()
            .unwrap()
    };
    let ok = check(&rules.evaluate(&s, s.time_seconds));
    assert_eq!(ok.status, Status::Pass);
    assert_eq!(ok.output, "maintenance.reboot_required is false");
    let text = exposition(&s, &[], Exposition::Text);
    assert!(text.contains("\nopskit_reboot_required 0\n"), "{text}");
    assert!(!text.contains("opskit_apt_upgrades_pending"));

    std::fs::write(&flag, "*** System restart required ***\n").unwrap();
    std::fs::write(
        dir.path().join("reboot-required.pkgs"),
        "linux-image-amd64\nlibc6\n",
    )
    .unwrap();
    let s = c.snapshot().unwrap();
    assert!(s.maintenance.reboot_required);
    assert_eq!(
        s.maintenance.reboot_packages,
        ["libc6", "linux-image-amd64"]
    );
    let warn = check(&rules.evaluate(&s, s.time_seconds));
    assert_eq!(warn.status, Status::Warn, "{warn:?}");
    assert_eq!(
        warn.output,
        "maintenance.reboot_required is true, above the warn level 0"
    );
    assert!(exposition(&s, &[], Exposition::Text).contains("\nopskit_reboot_required 1\n"));
}

/// The `Inst` lines apt-get prints here, counted by the test itself.
fn inst_lines() -> Option<usize> {
    let out = Command::new("apt-get")
        .args(["--just-print", "dist-upgrade"])
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("Inst "))
            .count()
    })
}

#[test]
fn pending_upgrades_match_apt_get_on_this_machine() {
    let Some(expected) = inst_lines() else {
        eprintln!("skipped: no working apt-get on this machine");
        return;
    };
    let mut c = Collector::new(CollectorOptions {
        apt_upgrades: AptUpgrades::Wait,
        ..CollectorOptions::default()
    })
    .unwrap();
    let s = c.snapshot().unwrap();
    let u = s.maintenance.upgrades.clone().expect("checked");
    assert_eq!(u.error, None);
    assert_eq!(u.pending as usize, expected);
    assert_eq!(
        u.groups.iter().map(|g| g.count).sum::<u64>(),
        u.pending,
        "{u:?}"
    );
    assert!(
        u.groups
            .iter()
            .all(|g| !g.arch.is_empty() && !g.origin.contains(' '))
    );
    // Nothing changed: the next snapshot keeps the answer without running apt-get.
    let t = std::time::Instant::now();
    let again = c.snapshot().unwrap();
    assert!(t.elapsed().as_millis() < 500);
    assert_eq!(again.maintenance.upgrades, Some(u.clone()));

    let text = exposition(&s, &[], Exposition::Text);
    if u.groups.is_empty() {
        assert!(text.contains("opskit_apt_upgrades_pending{origin=\"\",arch=\"\"} 0"));
    }
    for g in &u.groups {
        let line = format!(
            "opskit_apt_upgrades_pending{{origin=\"{}\",arch=\"{}\"}} {}",
            g.origin, g.arch, g.count
        );
        assert!(text.contains(&line), "{line} missing from\n{text}");
    }
    // A rule on the count.
    let mut rules = Evaluator::new(vec![
        toml::from_str(
            "name = \"upgrades\"\nmetric = \"maintenance.upgrades_pending\"\nwarn = 0\n",
        )
        .unwrap(),
    ])
    .unwrap();
    let r = &rules.evaluate(&s, s.time_seconds)[0];
    assert_eq!(r.value, Some(expected as f64));
    assert_eq!(
        r.status,
        if expected > 0 {
            Status::Warn
        } else {
            Status::Pass
        }
    );
}

//! `opskit apm check` and `opskit apm rules` on policy files: a good policy
//! is listed and its rules name every SLO; a bad one exits 2 naming the
//! file, the SLO and the fix. (promtool runs the rules in `make health-test`.)

use std::process::{Command, Output};

fn opskit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .output()
        .expect("run opskit")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_policy_is_checked_and_its_rules_written() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("slo.toml");
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/health/slo-policy.toml"
    );
    std::fs::copy(policy, &good).unwrap();
    let out = opskit(&["apm", "check", "--policy", good.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let said = text(&out.stdout);
    assert!(
        said.contains("ok: checkout-availability (availability) 99.9% over 28d on /checkout"),
        "{said}"
    );
    assert!(said.contains("2 SLO(s) in"), "{said}");
    let out = opskit(&["apm", "rules", "--policy", good.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let rules = text(&out.stdout);
    assert_eq!(
        rules.matches("- alert: OpskitSLOBurnPage").count(),
        2,
        "{rules}"
    );
    // Buckets without 0.25: the latency SLO's threshold is no bound.
    let out = opskit(&[
        "apm",
        "rules",
        "--policy",
        good.to_str().unwrap(),
        "--buckets",
        "0.1,0.5,1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("threshold_seconds 0.25 is no bucket bound"),
        "{out:?}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[slo]]\nname = \"api\"\nobjective_percent = 99.9\nkind = \"latency\"\n",
    )
    .unwrap();
    let out = opskit(&["apm", "check", "--policy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("SLO api") && err.contains("threshold_seconds"),
        "{err}"
    );
}

#[test]
fn health_rules_carry_the_slo_groups_of_a_health_policy() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("service.toml");
    std::fs::write(
        &p,
        "defaults = false\n[[rule]]\nname = \"load\"\nmetric = \"load.per_core_one\"\nwarn = 2\n\n\
         [[slo]]\nname = \"checkout-availability\"\nobjective_percent = 99.9\nroute = \"/checkout\"\n",
    )
    .unwrap();
    let out = opskit(&["health", "rules", "--policy", p.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let rules = text(&out.stdout);
    assert_eq!(rules.matches("groups:").count(), 1, "{rules}");
    assert!(rules.contains("alert: \"OpskitLoadWarning\""), "{rules}");
    assert!(
        rules.contains("  - name: opskit-slo-checkout-availability\n"),
        "{rules}"
    );
    // The same file is an SLO policy for `opskit apm`.
    let out = opskit(&["apm", "check", "--policy", p.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
}

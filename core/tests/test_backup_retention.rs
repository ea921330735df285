//! Retention against restic's own policy suite
//! (`tests/conformance/restic-forget/cases.json`, a copy of `shared/conformance`: 103 snapshots, 40
//! policies, kept snapshots with reasons and counters), plus hand-worked
//! calendars.

use opskit::ErrorKind;
use opskit::backup::{RetentionPolicy, Snapshot, parse_snapshots, plan_retention};
use serde_json::Value;

fn suite() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/restic-forget/cases.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("restic cases")).unwrap()
}

#[test]
fn restic_forget_policy_suite() {
    let file = suite();
    let snapshots: Vec<Snapshot> = serde_json::from_value(file["snapshots"].clone()).unwrap();
    assert_eq!(snapshots.len(), 103);
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 40);
    let mut checked = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut policy: RetentionPolicy = serde_json::from_value(case["policy"].clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // restic's suite applies each policy to the whole list (its
        // ApplyPolicy); forget groups first, which the restic tests of
        // tests/backup/restic_forget.py compare.
        policy.group_by = Some(String::new());
        let plan = match plan_retention(&snapshots, &policy, Some("2026-12-02T00:00:00Z")) {
            Ok(p) => p,
            Err(e) => {
                // restic's empty policy keeps nothing; opskit refuses a policy
                // that would remove every snapshot (restic's CLI does too).
                assert_eq!(case["keep"], serde_json::json!([]), "{name}: {e}");
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
                continue;
            }
        };
        let kept: Vec<&str> = plan.keep.iter().map(|k| k.snapshot.time.as_str()).collect();
        let want: Vec<&str> = case["keep"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(kept, want, "{name}: kept snapshots");
        let reasons = case["reasons"].as_array().unwrap();
        assert_eq!(reasons.len(), plan.keep.len(), "{name}");
        for (k, r) in plan.keep.iter().zip(reasons) {
            let matches: Vec<&str> = r["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            assert_eq!(k.reasons, matches, "{name} at {}", k.snapshot.time);
            let counters: std::collections::BTreeMap<String, i64> =
                serde_json::from_value(r["counters"].clone()).unwrap();
            assert_eq!(k.counters, counters, "{name} at {}", k.snapshot.time);
        }
        assert_eq!(plan.keep.len() + plan.remove.len(), 103);
        checked += 1;
    }
    assert_eq!(checked, 39);
}

fn snaps(times: &[&str]) -> Vec<Snapshot> {
    times
        .iter()
        .enumerate()
        .map(|(i, t)| Snapshot {
            id: Some(format!("s{i}")),
            time: t.to_string(),
            tags: vec![],
            hostname: None,
            paths: vec![],
        })
        .collect()
}

fn kept(times: &[&str], policy: &str) -> Vec<String> {
    let policy: RetentionPolicy = serde_json::from_str(policy).unwrap();
    plan_retention(&snaps(times), &policy, Some("2030-01-01T00:00:00Z"))
        .unwrap()
        .keep
        .into_iter()
        .map(|k| k.snapshot.time)
        .collect()
}

#[test]
fn calendars_by_each_snapshots_own_offset() {
    // 23:30 at +02:00 is the 1st locally (and 21:30 UTC): a different day from
    // 00:30 the next day at +02:00, whatever the UTC dates say.
    let t = ["2026-03-02T00:30:00+02:00", "2026-03-01T23:30:00+02:00"];
    assert_eq!(kept(&t, r#"{"keep_daily": 5}"#).len(), 2);
    // The same two instants at UTC fall on one day (Mar 1, 22:30 and 21:30).
    let t = ["2026-03-01T22:30:00Z", "2026-03-01T21:30:00Z"];
    assert_eq!(
        kept(&t, r#"{"keep_daily": 5}"#),
        ["2026-03-01T22:30:00Z", "2026-03-01T21:30:00Z"]
    );
    // ...(the second kept as the oldest snapshot while counts are left).
    // Many snapshots in one day: the newest of the day.
    let t = [
        "2026-05-04T18:00:00Z",
        "2026-05-04T12:00:00Z",
        "2026-05-04T06:00:00Z",
        "2026-05-03T18:00:00Z",
        "2026-05-02T18:00:00Z",
    ];
    assert_eq!(
        kept(&t, r#"{"keep_daily": 2}"#),
        ["2026-05-04T18:00:00Z", "2026-05-03T18:00:00Z"]
    );
}

#[test]
fn iso_weeks_month_and_year_ends() {
    // 2026-12-31 (Thu) and 2027-01-03 (Sun) are both ISO week 2026-W53.
    let t = [
        "2027-01-03T10:00:00Z",
        "2026-12-31T10:00:00Z",
        "2026-12-27T10:00:00Z",
    ];
    assert_eq!(
        kept(&t, r#"{"keep_weekly": 2}"#),
        ["2027-01-03T10:00:00Z", "2026-12-27T10:00:00Z"]
    );
    // Month ends: the newest of each month.
    let t = [
        "2026-03-01T01:00:00Z",
        "2026-02-28T23:00:00Z",
        "2026-02-01T00:00:00Z",
        "2026-01-31T23:59:59Z",
    ];
    assert_eq!(
        kept(&t, r#"{"keep_monthly": 2}"#),
        ["2026-03-01T01:00:00Z", "2026-02-28T23:00:00Z"]
    );
    // Year end with an offset: 2026-12-31T23:30-05:00 is 2027 in UTC but 2026 locally.
    let t = ["2027-01-01T10:00:00Z", "2026-12-31T23:30:00-05:00"];
    assert_eq!(kept(&t, r#"{"keep_yearly": 1}"#), ["2027-01-01T10:00:00Z"]);
    // DST change in Europe (2026-03-29): offsets +01:00 then +02:00.
    let t = [
        "2026-03-29T23:30:00+02:00",
        "2026-03-29T00:30:00+01:00",
        "2026-03-28T23:30:00+01:00",
    ];
    assert_eq!(
        kept(&t, r#"{"keep_daily": 2}"#),
        ["2026-03-29T23:30:00+02:00", "2026-03-28T23:30:00+01:00"]
    );
}

#[test]
fn restic_semantics_where_borg_differs() {
    // 547 daily snapshots; daily 7, weekly 4, monthly 6, yearly 2 → restic keeps 15
    // (shared/reference/backup.md §4.5; borg keeps 18).
    let start = time::macros::datetime!(2024-01-01 01:00 UTC);
    let times: Vec<String> = (0..547)
        .rev()
        .map(|d| {
            (start + time::Duration::days(d))
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        })
        .collect();
    let refs: Vec<&str> = times.iter().map(String::as_str).collect();
    let k = kept(
        &refs,
        r#"{"keep_daily":7,"keep_weekly":4,"keep_monthly":6,"keep_yearly":2}"#,
    );
    assert_eq!(k.len(), 15);
    assert_eq!(k[0], "2025-06-30T01:00:00Z");
    assert_eq!(k.last().unwrap(), "2024-12-31T01:00:00Z");
}

#[test]
fn policies_and_inputs_that_are_refused() {
    let s = snaps(&["2026-01-01T00:00:00Z"]);
    for bad in [r#"{}"#, r#"{"keep_daily": 0}"#, r#"{"keep_daily": -2}"#] {
        let p: RetentionPolicy = serde_json::from_str(bad).unwrap();
        let e = plan_retention(&s, &p, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert!(serde_json::from_str::<RetentionPolicy>(r#"{"keep_dialy": 1}"#).is_err());
    let p: RetentionPolicy = serde_json::from_str(r#"{"keep_within": "7d"}"#).unwrap();
    let bad = snaps(&["yesterday"]);
    assert_eq!(
        plan_retention(&bad, &p, None).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // restic snapshots --json is accepted as it is; future snapshots are flagged
    // and do not move the `within` reference.
    let json = r#"[
      {"time":"2026-11-30T01:00:00.123456789+01:00","tree":"ab","paths":["/srv"],"hostname":"db1","username":"root","tags":null,"id":"aaa","short_id":"aaa"},
      {"time":"2026-12-01T01:00:00+01:00","paths":["/srv"],"hostname":"db1","tags":["daily"],"id":"bbb"},
      {"time":"2099-01-01T00:00:00Z","paths":["/srv"],"hostname":"evil","id":"ccc"}
    ]"#;
    let list = parse_snapshots(json).unwrap();
    let plan = plan_retention(&list, &p, Some("2026-12-02T00:00:00Z")).unwrap();
    assert_eq!(plan.future.len(), 1);
    assert_eq!(plan.latest.as_deref(), Some("2026-12-01T01:00:00+01:00"));
    // restic keeps a future snapshot too (it is after the cutoff); it is flagged.
    assert_eq!(plan.keep.len(), 3, "{plan:?}");
    assert!(plan.remove.is_empty());
    // Grouped by host and paths, as restic forget: one per host.
    let p: RetentionPolicy = serde_json::from_str(r#"{"keep_last": 1}"#).unwrap();
    let plan = plan_retention(&list, &p, Some("2026-12-02T00:00:00Z")).unwrap();
    let kept: Vec<_> = plan.keep.iter().map(|k| k.snapshot.id.as_deref()).collect();
    assert_eq!(kept, [Some("ccc"), Some("bbb")]);
    assert_eq!(plan.groups.len(), 2);
    assert_eq!(plan.groups[0].key.host.as_deref(), Some("db1"));
    assert_eq!(plan.groups[0].key.paths, Some(vec!["/srv".to_string()]));
    assert_eq!(plan.groups[0].key.tags, None);
    let removed: Vec<_> = plan.groups[0]
        .remove
        .iter()
        .map(|s| s.id.as_deref())
        .collect();
    assert_eq!(removed, [Some("aaa")]);
    // One group: the newest of all.
    let p: RetentionPolicy = serde_json::from_str(r#"{"keep_last": 1, "group_by": ""}"#).unwrap();
    let plan = plan_retention(&list, &p, Some("2026-12-02T00:00:00Z")).unwrap();
    assert_eq!(plan.keep[0].snapshot.id.as_deref(), Some("ccc"));
    assert_eq!(plan.remove.len(), 2);
    assert_eq!(plan.groups.len(), 1);
    // Bad keys and versions name themselves.
    for (bad, says) in [
        (
            r#"{"keep_last": 1, "group_by": "host,user"}"#,
            "\"user\" is not a key",
        ),
        (
            r#"{"keep_last": 1, "restic_compat": "0.9"}"#,
            "restic_compat \"0.9\"",
        ),
    ] {
        let p: RetentionPolicy = serde_json::from_str(bad).unwrap();
        let e = plan_retention(&list, &p, None).unwrap_err();
        assert!(e.message().contains(says), "{e}");
    }
    assert!(parse_snapshots("{").is_err());
}

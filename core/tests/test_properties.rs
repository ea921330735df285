//! Property tests (proptest) of round-trips and invariants across the
//! families: SemVer print/parse and order, manifests written and read back
//! byte for byte, a manifest's diff with itself, retention's `keep_last`
//! floor, commit messages through JSON, and slug uniqueness.

mod common;

use std::collections::HashSet;

use opskit::backup::{
    Manifest, ManifestOptions, RetentionPolicy, Snapshot, build_manifest, diff_manifests,
    plan_retention,
};
use opskit::docs::github_slugs;
use opskit::version::{
    Changelog, ChangelogOptions, ChangelogRange, CommitMessage, Version, changelog, compare,
    parse_commit_message, parse_version,
};
use proptest::prelude::*;

/// A SemVer identifier list: alphanumeric words or numbers without a leading zero.
fn idents() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z][a-zA-Z0-9-]{0,6}",
            (0u64..10_000).prop_map(|n| n.to_string())
        ],
        0..3,
    )
}

fn versions() -> impl Strategy<Value = String> {
    (0u64..50, 0u64..50, 0u64..50, idents(), idents()).prop_map(|(a, b, c, pre, build)| {
        let mut s = format!("{a}.{b}.{c}");
        if !pre.is_empty() {
            s = format!("{s}-{}", pre.join("."));
        }
        if !build.is_empty() {
            s = format!("{s}+{}", build.join("."));
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn semver_prints_what_it_parses_and_orders_as_the_spec(a in versions(), b in versions()) {
        let va = parse_version(&a).unwrap();
        prop_assert_eq!(va.to_string(), a.clone());
        prop_assert_eq!(parse_version(&va.to_string()).unwrap(), va.clone());
        let vb = parse_version(&b).unwrap();
        // The order ignores build metadata (SemVer §10) and is antisymmetric.
        let ours = compare(&a, &b).unwrap();
        prop_assert_eq!(ours, compare(&b, &a).unwrap().reverse());
        let strip = |v: &Version| Version { build: semver::BuildMetadata::EMPTY, ..v.clone() };
        prop_assert_eq!(ours, strip(&va).cmp(&strip(&vb)));
    }

    #[test]
    fn commit_messages_survive_json(msg in "(feat|fix|chore|docs)?(\\([a-z]{1,5}\\))?!?(: )?[ -~]{0,30}(\n\n[ -~]{0,40})?(\n\nBREAKING CHANGE: [ -~]{1,20})?") {
        let parsed = parse_commit_message(&msg);
        let json = serde_json::to_string(&parsed).unwrap();
        let back: CommitMessage = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, parsed);
    }

    #[test]
    fn slugs_of_a_page_are_unique(headings in prop::collection::vec("[ -~]{0,12}|[a-z]{1,3}(-[0-9])?", 0..30)) {
        let slugs = github_slugs(&headings);
        prop_assert_eq!(slugs.len(), headings.len());
        let distinct: HashSet<&String> = slugs.iter().collect();
        prop_assert_eq!(distinct.len(), slugs.len(), "{:?} -> {:?}", headings, slugs);
    }

    #[test]
    fn retention_never_keeps_fewer_than_keep_last(
        hours in prop::collection::vec(0i64..24 * 400, 0..40),
        keep_last in 1i64..10,
        keep_daily in prop::option::of(0i64..5),
    ) {
        let snapshots: Vec<Snapshot> = hours
            .iter()
            .enumerate()
            .map(|(i, h)| Snapshot {
                id: Some(format!("s{i}")),
                time: time::OffsetDateTime::from_unix_timestamp(1_735_689_600 + h * 3600)
                    .unwrap()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap(),
                tags: vec![],
                hostname: None,
                paths: vec![],
            })
            .collect();
        let policy = RetentionPolicy { keep_last: Some(keep_last), keep_daily, ..RetentionPolicy::default() };
        // About half the snapshots lie after `now`: flagged as future, still planned.
        let plan = plan_retention(&snapshots, &policy, Some("2025-08-01T00:00:00Z")).unwrap();
        prop_assert!(plan.keep.len() >= (keep_last as usize).min(snapshots.len()));
        // Every snapshot is kept or removed once; `future` only flags some of them.
        prop_assert_eq!(plan.keep.len() + plan.remove.len(), snapshots.len());
        prop_assert!(plan.future.iter().all(|f| snapshots.contains(f)));
    }
}

proptest! {
    // Each case writes a tree: fewer cases.
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn manifests_round_trip_byte_for_byte_and_diff_empty_with_themselves(
        files in prop::collection::btree_map("[a-z0-9 ._-]{1,8}(/[a-zé0-9_-]{1,6}){0,2}", prop::collection::vec(any::<u8>(), 0..300), 1..12)
    ) {
        let d = tempfile::tempdir().unwrap();
        for (rel, bytes) in &files {
            let p = d.path().join(rel);
            // A name used as both a file and a folder ("a" and "a/b/c"): keep the first.
            if std::fs::create_dir_all(p.parent().unwrap()).is_err() || p.is_dir() {
                continue;
            }
            std::fs::write(&p, bytes).unwrap();
        }
        let m = build_manifest(d.path(), &ManifestOptions::default(), None).unwrap();
        let text = m.to_canonical_string().unwrap();
        let back = Manifest::from_json(&text).unwrap();
        prop_assert_eq!(back.to_canonical_string().unwrap(), text.clone());
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("m.json");
        m.write(&path).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        prop_assert_eq!(Manifest::read(&path).unwrap().to_canonical_string().unwrap(), m.to_canonical_string().unwrap());
        let diff = diff_manifests(&m, &back).unwrap();
        prop_assert!(diff.identical);
        prop_assert!(diff.added.is_empty() && diff.removed.is_empty() && diff.modified.is_empty());
        prop_assert!(diff.renamed.is_empty() && diff.type_changed.is_empty());
    }
}

proptest! {
    // Each case builds a repository: fewer cases.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn changelogs_survive_json(
        steps in prop::collection::vec(("(feat|fix|perf|chore|revert)(\\((api|web)\\))?!?: [a-z ]{1,12}", any::<bool>()), 1..12)
    ) {
        let mut r = common::TestRepo::new();
        let mut n = 0;
        for (msg, release) in &steps {
            r.commit(msg);
            if *release {
                n += 1;
                r.tag(&format!("v1.{n}.0"));
            }
        }
        let log = changelog(r.path(), &ChangelogOptions { range: ChangelogRange::All, ..ChangelogOptions::default() }).unwrap();
        let json = serde_json::to_string(&log).unwrap();
        let back: Changelog = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.to_markdown(), log.to_markdown());
        prop_assert_eq!(back, log);
    }
}

//! Releases, rollback targets, the current release, branch policy and
//! promotion checks, on real repositories.

mod common;

use common::TestRepo;
use opskit::ErrorKind;
use opskit::version::{
    BranchPolicy, CurrentOptions, ReleaseOptions, RollbackOptions, check_branch, current_release,
    latest_release, promote_check, releases, rollback_target,
};

fn tags(list: &[opskit::version::Release]) -> Vec<&str> {
    list.iter().map(|r| r.tag.as_str()).collect()
}

/// v0.9.0, v1.0.0-rc.1, v1.0.0 (annotated), v1.0.1, v1.1.0-beta.1, v1.10.0, v1.2.0,
/// plus tags that are not releases.
fn release_repo() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v0.9.0");
    r.commit("feat: a");
    r.tag("v1.0.0-rc.1");
    r.commit("fix: b");
    r.tag_annotated("v1.0.0", "Release 1.0.0\n\nFirst stable.");
    r.commit("fix: c");
    r.tag("v1.0.1");
    r.commit("feat: d");
    r.tag("v1.1.0-beta.1");
    r.commit("feat: e");
    r.tag("v1.2.0");
    r.commit("feat: f");
    r.tag("v1.10.0");
    r.tag("not-a-release");
    r.tag("v1.2");
    r.tag("v01.2.3");
    r.tag("api-v9.9.9");
    r
}

#[test]
fn releases_are_sorted_by_semver_not_by_name_or_date() {
    let r = release_repo();
    let list = releases(r.path(), &ReleaseOptions::default()).unwrap();
    assert_eq!(
        tags(&list),
        [
            "v0.9.0",
            "v1.0.0-rc.1",
            "v1.0.0",
            "v1.0.1",
            "v1.1.0-beta.1",
            "v1.2.0",
            "v1.10.0"
        ]
    );
    let v100 = &list[2];
    assert!(v100.annotated);
    assert_eq!(
        v100.message.as_deref(),
        Some("Release 1.0.0\n\nFirst stable.")
    );
    assert!(!list[0].annotated);
    assert!(list[1].prerelease);
    assert_eq!(list[0].date, "2026-01-01T01:00:00Z");
    assert_eq!(list[0].commit.len(), 40);

    let stable = releases(
        r.path(),
        &ReleaseOptions {
            include_prereleases: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        tags(&stable),
        ["v0.9.0", "v1.0.0", "v1.0.1", "v1.2.0", "v1.10.0"]
    );
    let latest = latest_release(r.path(), &ReleaseOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(latest.tag, "v1.10.0");
    let api = releases(
        r.path(),
        &ReleaseOptions {
            tag_pattern: "api-v{version}".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(tags(&api), ["api-v9.9.9"]);
}

#[test]
fn rollback_targets_skip_prereleases_unless_asked() {
    let r = release_repo();
    let opts = RollbackOptions::default();
    let t = |of: Option<&str>, o: &RollbackOptions| {
        rollback_target(r.path(), of, o).unwrap().map(|r| r.tag)
    };
    assert_eq!(t(None, &opts).as_deref(), Some("v1.2.0"));
    assert_eq!(t(Some("v1.2.0"), &opts).as_deref(), Some("v1.0.1"));
    assert_eq!(t(Some("1.2.0"), &opts).as_deref(), Some("v1.0.1"));
    assert_eq!(t(Some("v1.0.0"), &opts).as_deref(), Some("v0.9.0"));
    assert_eq!(t(Some("v1.1.0-beta.1"), &opts).as_deref(), Some("v1.0.1"));
    assert_eq!(t(Some("v0.9.0"), &opts), None);
    let pre = RollbackOptions {
        include_prereleases: true,
        ..Default::default()
    };
    assert_eq!(t(Some("v1.2.0"), &pre).as_deref(), Some("v1.1.0-beta.1"));
    assert_eq!(t(Some("v1.0.0"), &pre).as_deref(), Some("v1.0.0-rc.1"));
    let e = rollback_target(r.path(), Some("v7.0.0"), &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("v7.0.0"), "{e}");
}

#[test]
fn merged_filter_and_current_release_ignore_other_branches() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("next");
    r.checkout("next");
    r.commit_file("n.txt", "feat: next");
    r.tag("v2.0.0-rc.1");
    r.checkout("main");
    r.commit("fix: a");
    r.tag("v1.0.1");
    r.commit("fix: b");
    let merged = releases(
        r.path(),
        &ReleaseOptions {
            merged_into: Some("HEAD".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(tags(&merged), ["v1.0.0", "v1.0.1"]);
    let cur = current_release(r.path(), &CurrentOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(cur.tag, "v1.0.1");
    // Without a channel the current release is the last stable one; on the
    // rc channel it is the rc pre-release.
    let on_next = |channel: Option<&str>| {
        current_release(
            r.path(),
            &CurrentOptions {
                rev: "next".into(),
                channel: channel.map(str::to_string),
                ..Default::default()
            },
        )
        .unwrap()
        .unwrap()
        .tag
    };
    assert_eq!(on_next(None), "v1.0.0");
    assert_eq!(on_next(Some("rc")), "v2.0.0-rc.1");
    assert_eq!(on_next(Some("beta")), "v1.0.0");
}

#[test]
fn tags_of_trees_and_blobs_are_ignored() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    let head = r.repo.head().unwrap().peel_to_commit().unwrap();
    let tree = head.tree().unwrap();
    r.repo
        .tag_lightweight("v2.0.0", tree.as_object(), false)
        .unwrap();
    let blob = r.repo.blob(b"hello").unwrap();
    let blob = r.repo.find_object(blob, None).unwrap();
    let sig = git2::Signature::now("t", "t@example.com").unwrap();
    r.repo
        .tag("v3.0.0", &blob, &sig, "blob tag", false)
        .unwrap();
    let list = releases(r.path(), &ReleaseOptions::default()).unwrap();
    assert_eq!(tags(&list), ["v1.0.0"]);
}

#[test]
fn bad_tag_pattern_is_invalid_input() {
    let r = release_repo();
    for p in ["v", "{version}-{version}", "v {version}"] {
        let e = releases(
            r.path(),
            &ReleaseOptions {
                tag_pattern: p.into(),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{p}");
        assert!(e.to_string().contains("{version}"), "{e}");
    }
}

#[test]
fn branch_policy() {
    let p = BranchPolicy::default();
    for ok in [
        "main",
        "staging",
        "production",
        "feature/login",
        "hotfix/cve-1",
        "release/1.2.0",
    ] {
        let c = check_branch(ok, &p).unwrap();
        assert!(c.valid, "{ok}: {:?}", c.reason);
        assert!(c.matched.is_some());
    }
    for bad in [
        "master",
        "feature",
        "feature/a/b",
        "Feature/x",
        "feature/a..b",
        "fix/x.lock",
        "",
    ] {
        let c = check_branch(bad, &p).unwrap();
        assert!(!c.valid, "{bad}");
        assert!(c.reason.is_some());
    }
    let custom = BranchPolicy {
        allowed: vec!["develop".into(), "feat/**".into()],
    };
    assert!(check_branch("feat/a/b", &custom).unwrap().valid);
    assert!(!check_branch("main", &custom).unwrap().valid);
    let broken = BranchPolicy {
        allowed: vec!["feature/[".into()],
    };
    assert_eq!(
        check_branch("x", &broken).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        check_branch("x", &BranchPolicy { allowed: vec![] })
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn promotion_checks() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.branch("production");
    r.commit("feat: a");
    r.commit("fix: b");
    r.branch("staging");
    let p = promote_check(r.path(), "staging", "production").unwrap();
    assert!(p.fast_forward);
    assert_eq!((p.ahead, p.behind), (2, 0));
    assert!(p.target_only.is_empty());
    // A hotfix straight on production blocks the fast-forward.
    r.checkout("production");
    r.commit_file("hotfix.txt", "fix: hotfix on production");
    let p = promote_check(r.path(), "staging", "production").unwrap();
    assert!(!p.fast_forward);
    assert_eq!((p.ahead, p.behind), (2, 1));
    assert_eq!(p.target_only.len(), 1);
    assert_eq!(p.target_only[0].subject, "fix: hotfix on production");
    let e = promote_check(r.path(), "staging", "nope").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("nope"));
}

//! Next version from real git repositories: the bump rules, presets, pre-1.0,
//! pre-releases, reverts, merges, fixups, path filters and tag reachability.
//! Cases are numbered as in shared/reference/versioning.md §10.

mod common;

use common::TestRepo;
use opskit::version::{
    BumpLevel, BumpPolicy, IgnoreReason, Impact, NextOptions, Preset, next_version,
};

/// A repo with `chore: init`, tag `tag`, then `commits`.
fn repo_with(tag: &str, commits: &[&str]) -> TestRepo {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    if !tag.is_empty() {
        r.tag(tag);
    }
    for c in commits {
        r.commit(c);
    }
    r
}

fn next_with(r: &TestRepo, opts: &NextOptions) -> Option<String> {
    next_version(r.path(), opts)
        .unwrap()
        .next
        .map(|v| v.to_string())
}

fn next(tag: &str, commits: &[&str]) -> Option<String> {
    next_with(&repo_with(tag, commits), &NextOptions::default())
}

fn next_preset(tag: &str, commits: &[&str], preset: Preset) -> Option<String> {
    let opts = NextOptions {
        preset,
        ..Default::default()
    };
    next_with(&repo_with(tag, commits), &opts)
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn case_01_02_03_stable_levels() {
    assert_eq!(next("v1.2.3", &["fix: a"]), s("1.2.4"));
    assert_eq!(next("v1.3.3", &["feat: make coffe"]), s("1.4.0"));
    assert_eq!(next("v1.2.3", &["feat!: break user"]), s("2.0.0"));
    assert_eq!(next("v1.2.3", &["perf: faster"]), s("1.2.4"));
}

#[test]
fn case_04_breaking_footers() {
    assert_eq!(
        next("v1.2.3", &["fix: a\n\nBREAKING CHANGE: x"]),
        s("2.0.0")
    );
    assert_eq!(
        next("v1.2.3", &["fix: a\n\nBREAKING-CHANGE: x"]),
        s("2.0.0")
    );
}

#[test]
fn case_05_06_breaking_on_any_type_and_scopes() {
    assert_eq!(
        next(
            "v1.2.3",
            &[
                "chore!: drop support for Python 3.9",
                "docs(README): motivation",
                "fix(setup.py): bump"
            ]
        ),
        s("2.0.0")
    );
    assert_eq!(next("v1.0.0", &["feat(my_scope)!: x"]), s("2.0.0"));
    assert_eq!(next("v1.0.0", &["feat(my scope)!: x"]), s("2.0.0"));
}

#[test]
fn case_07_other_types() {
    assert_eq!(next("v1.2.3", &["chore: a", "docs: b"]), None);
    assert_eq!(
        next_preset("v1.2.3", &["chore: a", "docs: b"], Preset::GitCliff),
        s("1.2.4")
    );
    let r = repo_with("v1.2.3", &["chore: a", "docs: b"]);
    let mut policy = BumpPolicy::preset(Preset::GitCliff);
    policy.no_bump_types = vec!["chore".into(), "ci".into(), "docs".into()];
    let opts = NextOptions {
        policy: Some(policy),
        ..Default::default()
    };
    assert_eq!(next_with(&r, &opts), None);
}

#[test]
fn case_08_non_conventional() {
    let r = repo_with("v1.2.3", &["my change"]);
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.next, None);
    assert_eq!(n.ignored.len(), 1);
    assert_eq!(n.ignored[0].reason, IgnoreReason::NonConventional);
    assert_eq!(n.ignored[0].commit.subject, "my change");
    assert_eq!(
        next_preset("v1.2.3", &["my change"], Preset::ReleasePlz),
        s("1.2.4")
    );
    assert_eq!(
        next_preset("v1.2.3", &["my change"], Preset::GitCliff),
        None
    );
}

#[test]
fn case_09_to_11_before_one_point_oh() {
    assert_eq!(next("v0.2.3", &["feat: make coffee"]), s("0.2.4"));
    assert_eq!(
        next_preset("v0.2.3", &["feat: make coffee"], Preset::GitCliff),
        s("0.3.0")
    );
    assert_eq!(
        next_preset("v0.2.3", &["feat: make coffee"], Preset::Commitizen),
        s("0.3.0")
    );
    assert_eq!(next("v0.2.3", &["feat!: break user"]), s("0.3.0"));
    assert_eq!(
        next_preset("v0.2.3", &["feat!: break user"], Preset::GitCliff),
        s("1.0.0")
    );
    assert_eq!(
        next_preset("v0.2.3", &["feat!: break user"], Preset::SemanticRelease),
        s("1.0.0")
    );
    assert_eq!(next("v0.0.3", &["feat!: break user"]), s("0.0.4"));
    assert_eq!(
        next_preset("v0.0.3", &["feat!: break user"], Preset::ReleasePlz),
        s("0.0.4")
    );
    assert_eq!(
        next_preset("v0.0.3", &["feat!: break user"], Preset::GitCliff),
        s("1.0.0")
    );
    assert_eq!(next("v0.2.3", &["fix: a"]), s("0.2.4"));
}

fn with_channel(ch: &str) -> NextOptions {
    NextOptions {
        channel: Some(ch.into()),
        ..Default::default()
    }
}

#[test]
fn case_12_13_continue_a_prerelease() {
    let r = repo_with("v1.0.0-alpha.2", &["feat!: break user"]);
    assert_eq!(next_with(&r, &with_channel("alpha")), s("1.0.0-alpha.3"));
    // Without a channel the pre-release is promoted.
    assert_eq!(next_with(&r, &NextOptions::default()), s("1.0.0"));
    let r = repo_with("v1.0.0-alpha", &["feat!: break user"]);
    assert_eq!(next_with(&r, &with_channel("alpha")), s("1.0.0-alpha.1"));
}

#[test]
fn case_14_enter_continue_escalate_and_switch_channels() {
    let mut r = repo_with("v1.0.0", &["feat: one"]);
    let n = next_version(r.path(), &with_channel("beta")).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "1.1.0-beta.1");
    assert_eq!(n.next_tag.as_deref(), Some("v1.1.0-beta.1"));
    r.tag("v1.1.0-beta.1");
    r.commit("feat: two");
    assert_eq!(next_with(&r, &with_channel("beta")), s("1.1.0-beta.2"));
    r.commit("feat!: three");
    assert_eq!(next_with(&r, &with_channel("beta")), s("2.0.0-beta.1"));
    // Promotion of the pre-release without a channel.
    let r = repo_with("v1.3.0-rc.2", &["fix: last"]);
    assert_eq!(next_with(&r, &NextOptions::default()), s("1.3.0"));
    // Switching channel keeps the target version.
    let r = repo_with("v1.3.0-beta.2", &["fix: a"]);
    assert_eq!(next_with(&r, &with_channel("rc")), s("1.3.0-rc.1"));
    // The spec's example: 1.2.3 + feat + rc.
    let r = repo_with("v1.2.3", &["feat: x"]);
    assert_eq!(next_with(&r, &with_channel("rc")), s("1.3.0-rc.1"));
}

#[test]
fn case_17_revert_pairs_cancel_and_lone_reverts_patch() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.2.3");
    r.commit("fix(scope): First fix");
    let feat = r.commit("feat(scope): First feature");
    let short = &feat.to_string()[..7];
    r.commit(&format!(
        "revert: feat(scope): First feature\n\nThis reverts commit {short}."
    ));
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "1.2.4");
    let reasons: Vec<_> = n.ignored.iter().map(|i| i.reason).collect();
    assert_eq!(reasons, [IgnoreReason::RevertPair, IgnoreReason::Reverted]);
    // git-cliff does not pair: the feat still counts.
    let opts = NextOptions {
        preset: Preset::GitCliff,
        ..Default::default()
    };
    assert_eq!(next_with(&r, &opts), s("1.3.0"));

    // A lone git-style revert (target released earlier) is a patch.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    let old = r.commit("feat: old");
    r.tag("v2.0.0");
    r.commit(&format!(
        "Revert \"feat: old\"\n\nThis reverts commit {old}.\n"
    ));
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "2.0.1");
    assert_eq!(n.commits[0].impact, Impact::Fix);
}

#[test]
fn case_18_initial_version() {
    let r = repo_with("", &["feat: a"]);
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.current, None);
    assert_eq!(n.next.unwrap().to_string(), "0.1.0");
    assert_eq!(n.next_tag.as_deref(), Some("v0.1.0"));
    assert_eq!(
        next_preset("", &["feat: a"], Preset::SemanticRelease),
        s("1.0.0")
    );
    let r = repo_with("", &["feat: a"]);
    assert_eq!(next_with(&r, &with_channel("rc")), s("0.1.0-rc.1"));
    let policy = BumpPolicy {
        initial_version: "1.0.0".parse().unwrap(),
        ..Default::default()
    };
    let opts = NextOptions {
        policy: Some(policy),
        ..Default::default()
    };
    assert_eq!(next_with(&r, &opts), s("1.0.0"));
}

#[test]
fn case_19_tag_patterns_with_prefixes() {
    let r = repo_with("pkg@1.2.3", &["feat: a"]);
    let opts = NextOptions {
        tag_pattern: "pkg@{version}".into(),
        ..Default::default()
    };
    let n = next_version(r.path(), &opts).unwrap();
    assert_eq!(n.next_tag.as_deref(), Some("pkg@1.3.0"));
    let r = repo_with("pkg2-v1.2.3", &["fix: a"]);
    let opts = NextOptions {
        tag_pattern: "pkg2-v{version}".into(),
        ..Default::default()
    };
    assert_eq!(
        next_version(r.path(), &opts).unwrap().next_tag.as_deref(),
        Some("pkg2-v1.2.4")
    );
    // Bare versions.
    let r = repo_with("1.2.3", &["fix: a"]);
    let opts = NextOptions {
        tag_pattern: "{version}".into(),
        ..Default::default()
    };
    assert_eq!(
        next_version(r.path(), &opts).unwrap().next_tag.as_deref(),
        Some("1.2.4")
    );
    // The default pattern does not see bare tags.
    assert_eq!(next_with(&r, &NextOptions::default()), s("0.1.0"));
}

#[test]
fn case_20_build_metadata_is_cleared() {
    assert_eq!(next("v1.2.3+build.5", &["fix: a"]), s("1.2.4"));
}

#[test]
fn case_21_tags_not_reachable_from_head_are_ignored() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v3.5.41");
    r.branch("minor");
    r.checkout("minor");
    r.commit_file("next.txt", "feat: next minor");
    r.tag("v3.6.0-rc.5");
    r.checkout("main");
    r.commit("fix: a");
    for i in 0..5 {
        r.commit(&format!("chore: {i}"));
    }
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.current_tag.as_deref(), Some("v3.5.41"));
    assert_eq!(n.next.unwrap().to_string(), "3.5.42");
    assert_eq!(n.commits.len(), 1);
    assert_eq!(n.ignored.len(), 5);
}

#[test]
fn case_22_custom_types() {
    let mut policy = BumpPolicy::default();
    policy.minor_types.push("more".into());
    policy.patch_types.push("docs".into());
    let opts = NextOptions {
        policy: Some(policy),
        ..Default::default()
    };
    assert_eq!(
        next_with(&repo_with("v1.1.0", &["more: 1"]), &opts),
        s("1.2.0")
    );
    assert_eq!(
        next_with(&repo_with("v1.1.0", &["docs: x"]), &opts),
        s("1.1.1")
    );
}

#[test]
fn merges_fixups_and_reported_reasons() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("feature/x");
    r.checkout("feature/x");
    r.commit_file("x.txt", "fix: on the branch");
    r.checkout("main");
    r.commit_file("y.txt", "fixup! feat: nothing");
    r.merge("feature/x", "Merge branch 'feature/x'");
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "1.0.1");
    assert_eq!(n.bump, Some(BumpLevel::Patch));
    let mut reasons: Vec<_> = n.ignored.iter().map(|i| i.reason).collect();
    reasons.sort_by_key(|r| r.as_str());
    assert_eq!(reasons, [IgnoreReason::Fixup, IgnoreReason::Merge]);
    // With merges kept (release-plz) the merge counts as a patch too.
    let opts = NextOptions {
        preset: Preset::ReleasePlz,
        ..Default::default()
    };
    let n = next_version(r.path(), &opts).unwrap();
    assert_eq!(n.commits.len(), 3);
}

#[test]
fn merged_branch_tags_use_the_highest_nearest_release() {
    // main: v2.0.0; maintenance branch from v1.0.0 with v1.0.1; merged later.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("maint");
    r.commit_file("main.txt", "feat!: two");
    r.tag("v2.0.0");
    r.checkout("maint");
    r.commit_file("maint.txt", "fix: backport");
    r.tag("v1.0.1");
    r.checkout("main");
    r.merge("maint", "Merge branch 'maint'");
    r.commit_file("main.txt", "feat: new");
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.current_tag.as_deref(), Some("v2.0.0"));
    assert_eq!(n.next.unwrap().to_string(), "2.1.0");
}

#[test]
fn path_filters_select_one_component() {
    let mut r = TestRepo::new();
    r.commit_file("api/main.rs", "chore: init api");
    r.commit_file("web/index.js", "chore: init web");
    r.tag("api-v1.0.0");
    r.tag("web-v2.0.0");
    r.commit_file("api/main.rs", "feat(api): new endpoint");
    r.commit_file("web/index.js", "fix(web): button");
    let api = NextOptions {
        tag_pattern: "api-v{version}".into(),
        paths: vec!["api".into()],
        ..Default::default()
    };
    let n = next_version(r.path(), &api).unwrap();
    assert_eq!(n.next_tag.as_deref(), Some("api-v1.1.0"));
    assert_eq!(n.commits.len(), 1);
    let web = NextOptions {
        tag_pattern: "web-v{version}".into(),
        paths: vec!["./web/".into()],
        ..Default::default()
    };
    assert_eq!(
        next_version(r.path(), &web).unwrap().next_tag.as_deref(),
        Some("web-v2.0.1")
    );
    let bad = NextOptions {
        paths: vec!["../etc".into()],
        ..Default::default()
    };
    assert_eq!(
        next_version(r.path(), &bad).unwrap_err().kind(),
        opskit::ErrorKind::InvalidInput
    );
}

#[test]
fn given_rev_and_head_on_a_tag() {
    let mut r = repo_with("v1.0.0", &["feat: a"]);
    r.tag("v1.1.0");
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.current_tag.as_deref(), Some("v1.1.0"));
    assert_eq!(n.next, None);
    let opts = NextOptions {
        rev: "HEAD~1".into(),
        ..Default::default()
    };
    let n = next_version(r.path(), &opts).unwrap();
    assert_eq!(n.current_tag.as_deref(), Some("v1.0.0"));
    assert_eq!(n.next, None);
    r.commit("fix: b");
    let opts = NextOptions {
        rev: "main".into(),
        ..Default::default()
    };
    assert_eq!(next_with(&r, &opts), s("1.1.1"));
}

#[test]
fn deciding_commits_are_reported_newest_first() {
    let r = repo_with("v1.0.0", &["fix: one", "feat(ui): two", "docs: three"]);
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    let subjects: Vec<_> = n
        .commits
        .iter()
        .map(|c| c.commit.subject.as_str())
        .collect();
    assert_eq!(subjects, ["feat(ui): two", "fix: one"]);
    assert_eq!(n.commits[0].commit.scope.as_deref(), Some("ui"));
    assert_eq!(n.impact, Some(Impact::Feature));
    assert_eq!(n.ignored[0].reason, IgnoreReason::NoReleaseType);
    let json = serde_json::to_value(&n).unwrap();
    assert_eq!(json["next"], "1.1.0");
    assert_eq!(json["bump"], "minor");
    assert_eq!(json["commits"][0]["impact"], "feature");
    assert_eq!(json["commits"][0]["type"], "feat");
    assert_eq!(json["ignored"][0]["reason"], "no_release_type");
}

#[test]
fn presets_parse_by_name() {
    for p in Preset::ALL {
        assert_eq!(p.as_str().parse::<Preset>().unwrap(), p);
    }
    assert!("nope".parse::<Preset>().is_err());
    let bad = BumpPolicy {
        zero_major_feature: BumpLevel::Prerelease,
        ..Default::default()
    };
    let r = repo_with("v0.1.0", &["feat: a"]);
    let opts = NextOptions {
        policy: Some(bad),
        ..Default::default()
    };
    assert!(next_version(r.path(), &opts).is_err());
}

/// Every row of the README's presets table, for every preset: the commits
/// after a tag, and the next version each preset gives (`None`: no release).
#[test]
fn presets_table_rows_hold_for_every_preset() {
    type Row = (
        &'static str,
        &'static str,
        &'static [&'static str],
        [Option<&'static str>; 7],
    );
    // Columns: opskit, semantic-release, git-cliff, release-plz, commitizen,
    // release-please, python-semantic-release.
    let rows: &[Row] = &[
        ("feat", "v1.2.3", &["feat: a"], [s3("1.3.0"); 7]),
        ("fix", "v1.2.3", &["fix: a"], [s3("1.2.4"); 7]),
        ("perf", "v1.2.3", &["perf: a"], [s3("1.2.4"); 7]),
        (
            "refactor",
            "v1.2.3",
            &["refactor: a"],
            [
                None,
                None,
                s3("1.2.4"),
                s3("1.2.4"),
                s3("1.2.4"),
                None,
                None,
            ],
        ),
        (
            "other types",
            "v1.2.3",
            &["chore: a", "docs: b"],
            [None, None, s3("1.2.4"), s3("1.2.4"), None, None, None],
        ),
        (
            "non-conventional",
            "v1.2.3",
            &["update readme"],
            [None, None, None, s3("1.2.4"), None, None, None],
        ),
        (
            "0.y.z + breaking",
            "v0.2.3",
            &["feat!: a"],
            [
                s3("0.3.0"),
                s3("1.0.0"),
                s3("1.0.0"),
                s3("0.3.0"),
                s3("1.0.0"),
                s3("1.0.0"),
                s3("1.0.0"),
            ],
        ),
        (
            "0.y.z + feat",
            "v0.2.3",
            &["feat: a"],
            [
                s3("0.2.4"),
                s3("0.3.0"),
                s3("0.3.0"),
                s3("0.2.4"),
                s3("0.3.0"),
                s3("0.3.0"),
                s3("1.0.0"),
            ],
        ),
        (
            "0.y.z + fix",
            "v0.2.3",
            &["fix: a"],
            [
                s3("0.2.4"),
                s3("0.2.4"),
                s3("0.2.4"),
                s3("0.2.4"),
                s3("0.2.4"),
                s3("0.2.4"),
                s3("1.0.0"),
            ],
        ),
        (
            "0.0.z + breaking",
            "v0.0.3",
            &["feat!: a"],
            [
                s3("0.0.4"),
                s3("1.0.0"),
                s3("1.0.0"),
                s3("0.0.4"),
                s3("1.0.0"),
                s3("1.0.0"),
                s3("1.0.0"),
            ],
        ),
        (
            "no release tag yet",
            "",
            &["feat: a"],
            [
                s3("0.1.0"),
                s3("1.0.0"),
                s3("0.1.0"),
                s3("0.1.0"),
                s3("0.1.0"),
                s3("1.0.0"),
                s3("1.0.0"),
            ],
        ),
        (
            "breaking footer, plain subject",
            "v1.2.3",
            &["v2 (#9)\n\nBREAKING CHANGE: x"],
            [
                s3("2.0.0"),
                s3("2.0.0"),
                None,
                s3("1.2.4"),
                s3("2.0.0"),
                None,
                None,
            ],
        ),
        (
            "type!(scope):",
            "v1.2.3",
            &["feat!(api): x"],
            [
                s3("2.0.0"),
                None,
                None,
                s3("1.2.4"),
                None,
                s3("2.0.0"),
                None,
            ],
        ),
        (
            "leading whitespace",
            "v1.2.3",
            &["  feat: a"],
            [s3("1.3.0"); 7],
        ),
    ];
    for (name, tag, commits, want) in rows {
        let r = repo_with(tag, commits);
        for (preset, want) in Preset::ALL.iter().zip(want) {
            let opts = NextOptions {
                preset: *preset,
                ..Default::default()
            };
            assert_eq!(
                next_with(&r, &opts).as_deref(),
                *want,
                "row {name:?}, preset {preset:?}"
            );
        }
    }
    // Reverts: a lone git revert, a pair in range, and a squash-merged pair
    // whose quoted header differs from the reverted subject.
    let lone = |preset| {
        let mut r = TestRepo::new();
        let old = r.commit("feat: old");
        r.tag("v1.0.0");
        r.commit(&format!(
            "Revert \"feat: old\"\n\nThis reverts commit {old}."
        ));
        next_with(
            &r,
            &NextOptions {
                preset,
                ..Default::default()
            },
        )
    };
    let pair = |preset, target: &str, revert: &str| {
        let mut r = TestRepo::new();
        r.commit("chore: init");
        r.tag("v1.0.0");
        let t = r.commit(target);
        r.commit(&format!("{revert}\n\nThis reverts commit {t}."));
        next_with(
            &r,
            &NextOptions {
                preset,
                ..Default::default()
            },
        )
    };
    let lone_want = [s("1.0.1"), s("1.0.1"), None, s("1.0.1"), None, None, None];
    let pair_want = [
        None,
        None,
        s("1.1.0"),
        s("1.1.0"),
        s("1.1.0"),
        s("1.1.0"),
        s("1.1.0"),
    ];
    let squash_want = [None, s("1.0.1"), s("1.0.1"), s("1.0.1"), None, None, None];
    for (i, preset) in Preset::ALL.into_iter().enumerate() {
        assert_eq!(lone(preset), lone_want[i], "lone revert, {preset:?}");
        assert_eq!(
            pair(preset, "feat: a", "revert: feat: a"),
            pair_want[i],
            "pair, {preset:?}"
        );
        assert_eq!(
            pair(
                preset,
                "chore(deps): bump ava (#11)",
                "Revert \"chore(deps): bump ava\" (#12)"
            ),
            squash_want[i],
            "squash-merged revert, {preset:?}"
        );
    }
    // Merge commits: only release-plz counts them. The side branch's commit
    // is released (v1.0.1) before the merge, so only the merge is new.
    for (i, preset) in Preset::ALL.into_iter().enumerate() {
        let mut r = TestRepo::new();
        r.commit("chore: init");
        r.tag("v1.0.0");
        r.branch("side");
        r.checkout("side");
        r.commit_file("side.txt", "fix: side");
        r.tag("v1.0.1");
        r.checkout("main");
        r.merge("side", "Merge branch 'side'");
        let want = [None, None, None, s("1.0.2"), None, None, None][i].clone();
        assert_eq!(
            next_with(
                &r,
                &NextOptions {
                    preset,
                    ..Default::default()
                }
            ),
            want,
            "merge, {preset:?}"
        );
    }
}

const fn s3(v: &'static str) -> Option<&'static str> {
    Some(v)
}

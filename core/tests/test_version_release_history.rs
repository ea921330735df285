//! Next version, current release, rollback and changelog against the shapes
//! real release histories take: pre-release branches merged into main,
//! parallel channels, maintenance branches, squash-merged reverts, breaking
//! footers under plain subjects, untrimmed subjects, `type!(scope):`, and
//! monorepo components chosen by path, by scope or by both.

mod common;

use common::TestRepo;
use opskit::version::{
    ChangelogOptions, ChangelogRange, ComponentMatch, CurrentOptions, Impact, Leniency,
    NextOptions, NextVersion, Preset, RollbackOptions, changelog, current_release, next_version,
    rollback_target,
};

fn next_on(r: &TestRepo, channel: Option<&str>, preset: Preset) -> NextVersion {
    next_version(
        r.path(),
        &NextOptions {
            channel: channel.map(str::to_string),
            preset,
            ..Default::default()
        },
    )
    .unwrap()
}

fn next_str(n: &NextVersion) -> Option<String> {
    n.next.as_ref().map(|v| v.to_string())
}

/// main: v1.0.0; branch beta: `feat!` → v2.0.0-beta.1, `fix` → v2.0.0-beta.2.
fn beta_branch() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("beta");
    r.checkout("beta");
    r.commit_file("beta.txt", "feat!: new storage format");
    r.tag("v2.0.0-beta.1");
    r.commit_file("beta.txt", "fix: migration of empty tables");
    r.tag("v2.0.0-beta.2");
    r
}

#[test]
fn a_beta_branch_merged_into_main_releases_the_stable_version() {
    let mut r = beta_branch();
    r.checkout("main");
    r.merge("beta", "Merge branch 'beta'");
    for preset in [Preset::Opskit, Preset::SemanticRelease] {
        let n = next_on(&r, None, preset);
        assert_eq!(n.current_tag.as_deref(), Some("v1.0.0"), "{preset:?}");
        assert_eq!(next_str(&n).as_deref(), Some("2.0.0"), "{preset:?}");
        assert_eq!(n.impact, Some(Impact::Breaking));
        // The pre-released commits count toward the stable version.
        assert_eq!(n.commits.len(), 2);
        assert!(n.notes.is_empty(), "{:?}", n.notes);
    }
    // The current (stable) release is still v1.0.0; on the beta channel it is beta.2.
    let cur = |channel: Option<&str>| {
        current_release(
            r.path(),
            &CurrentOptions {
                channel: channel.map(str::to_string),
                ..Default::default()
            },
        )
        .unwrap()
        .map(|c| c.tag)
    };
    assert_eq!(cur(None).as_deref(), Some("v1.0.0"));
    assert_eq!(cur(Some("beta")).as_deref(), Some("v2.0.0-beta.2"));
}

#[test]
fn a_pre_release_branch_continues_its_own_channel() {
    let mut r = beta_branch();
    r.commit_file("beta.txt", "fix: one more");
    let n = next_on(&r, Some("beta"), Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v2.0.0-beta.2"));
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-beta.3"));
    // Entering another channel from the same place keeps the target version.
    let n = next_on(&r, Some("rc"), Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v1.0.0"));
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-rc.1"));
    // No release tag on the line yet, but a beta of 2.0.0 is reachable: an rc
    // starts at that target, not at the initial version.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.commit("feat: a");
    r.tag("v2.0.0-beta.4");
    r.commit("fix: b");
    let n = next_on(&r, Some("rc"), Preset::Opskit);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-rc.1"));
    assert_eq!(n.notes.len(), 1, "{:?}", n.notes);
    // ...and a stable release promotes it.
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0"));
}

#[test]
fn parallel_alpha_and_beta_channels_never_go_backwards() {
    // main v1.0.0; alpha: feat! then alpha.1..alpha.3; beta forks from alpha
    // and releases beta.1..beta.4; alpha merges beta and goes on.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("alpha");
    r.checkout("alpha");
    r.commit_file("a.txt", "feat!: rework");
    r.tag("v2.0.0-alpha.1");
    for i in 2..=3 {
        r.commit_file("a.txt", &format!("fix: alpha {i}"));
        r.tag(&format!("v2.0.0-alpha.{i}"));
    }
    r.branch("beta");
    r.checkout("beta");
    for i in 1..=4 {
        r.commit_file("b.txt", &format!("fix: beta {i}"));
        r.tag(&format!("v2.0.0-beta.{i}"));
    }
    r.checkout("alpha");
    r.merge("beta", "Merge branch 'beta' into alpha");
    r.commit_file("a.txt", "feat: more");
    let n = next_on(&r, Some("alpha"), Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v2.0.0-alpha.3"));
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-alpha.4"));
    let n = next_on(&r, Some("alpha"), Preset::SemanticRelease);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-alpha.4"));
    let n = next_on(&r, Some("beta"), Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v2.0.0-beta.4"));
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-beta.5"));
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v1.0.0"));
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0"));

    // Rolling back on the alpha channel stays on alpha.
    let back = rollback_target(
        r.path(),
        Some("2.0.0-alpha.3"),
        &RollbackOptions {
            include_prereleases: true,
            channel: Some("alpha".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(back.tag, "v2.0.0-alpha.2");
}

#[test]
fn changelog_gives_each_commit_to_the_release_that_first_shipped_it() {
    // beta.1 ships first; an alpha branched later from beta carries the same
    // commit, and "alpha" sorts below "beta": the commit stays with beta.1.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("beta");
    r.checkout("beta");
    r.commit_file("b.txt", "feat: shipped in beta");
    r.tag("v2.0.0-beta.1");
    r.branch("alpha");
    r.checkout("alpha");
    r.commit_file("a.txt", "feat: only in alpha");
    r.tag("v2.0.0-alpha.1");
    let log = changelog(
        r.path(),
        &ChangelogOptions {
            range: ChangelogRange::All,
            ..Default::default()
        },
    )
    .unwrap();
    let sections: Vec<(String, Vec<String>)> = log
        .releases
        .iter()
        .map(|rel| {
            (
                rel.tag.clone().unwrap_or_default(),
                rel.groups
                    .iter()
                    .flat_map(|g| g.commits.iter().map(|c| c.subject.clone()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        sections,
        [
            (
                "v2.0.0-beta.1".to_string(),
                vec!["feat: shipped in beta".to_string()]
            ),
            (
                "v2.0.0-alpha.1".to_string(),
                vec!["feat: only in alpha".to_string()]
            ),
            ("v1.0.0".to_string(), vec!["chore: init".to_string()]),
        ]
    );
    // On the alpha channel the beta is not a section: its commit folds into alpha.1.
    let log = changelog(
        r.path(),
        &ChangelogOptions {
            range: ChangelogRange::All,
            channel: Some("alpha".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let tags: Vec<_> = log.releases.iter().map(|r| r.tag.clone()).collect();
    assert_eq!(
        tags,
        [
            Some("v2.0.0-alpha.1".to_string()),
            Some("v1.0.0".to_string())
        ]
    );
    assert_eq!(
        log.releases[0]
            .groups
            .iter()
            .map(|g| g.commits.len())
            .sum::<usize>(),
        2
    );
}

#[test]
fn a_maintenance_branch_releases_below_the_highest_version() {
    // main: v1.2.0, v1.3.0, v2.0.0; maintenance branch 1.2.x from v1.2.0.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.2.0");
    r.branch("1.2.x");
    r.commit_file("main.txt", "feat: next");
    r.tag("v1.3.0");
    r.commit_file("main.txt", "feat!: two");
    r.tag("v2.0.0");
    r.checkout("1.2.x");
    r.commit_file("maint.txt", "fix: backport");
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v1.2.0"));
    assert_eq!(next_str(&n).as_deref(), Some("1.2.1"));
    assert!(n.notes.is_empty());
    r.tag("v1.2.1");
    // A feature on the maintenance branch would be 1.3.0, which main released:
    // never a duplicate tag.
    r.commit_file("maint.txt", "feat: backported feature");
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(next_str(&n).as_deref(), Some("1.4.0"));
    assert!(n.notes[0].contains("v1.3.0"), "{:?}", n.notes);
    // Merged back into main, the base is the highest nearest release, and the
    // maintenance branch's commits are new to main (semantic-release agrees:
    // they are in v2.0.0..HEAD).
    r.checkout("main");
    r.merge("1.2.x", "Merge branch '1.2.x'");
    r.commit_file("main.txt", "fix: on main");
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v2.0.0"));
    assert_eq!(next_str(&n).as_deref(), Some("2.1.0"));
    assert_eq!(n.commits.len(), 3);
}

#[test]
fn a_lower_tag_on_a_newer_commit_does_not_pull_the_version_back() {
    // v3.0.0 and then, on a later commit of the same line, a hand-made v2.5.0.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v3.0.0");
    r.commit("fix: a");
    r.tag("v2.5.0");
    r.commit("fix: b");
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(n.current_tag.as_deref(), Some("v2.5.0"));
    assert_eq!(next_str(&n).as_deref(), Some("3.0.1"));
    assert!(n.notes[0].contains("v3.0.0"), "{:?}", n.notes);
    assert_eq!(n.next_tag.as_deref(), Some("v3.0.1"));
}

#[test]
fn pre_releases_continue_after_the_highest_existing_number() {
    // v1.3.0-rc.1 and rc.2 exist on a release branch HEAD does not contain.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.2.0");
    r.branch("release");
    r.checkout("release");
    r.commit_file("r.txt", "feat: x");
    r.tag("v1.3.0-rc.1");
    r.commit_file("r.txt", "fix: y");
    r.tag("v1.3.0-rc.2");
    r.checkout("main");
    r.commit_file("m.txt", "feat: z");
    let n = next_on(&r, Some("rc"), Preset::Opskit);
    assert_eq!(next_str(&n).as_deref(), Some("1.3.0-rc.3"));
    assert!(n.notes[0].contains("v1.3.0-rc.2"), "{:?}", n.notes);
}

fn revert_repo(squash: bool) -> TestRepo {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v5.1.0");
    let (subject, quoted) = if squash {
        (
            "chore(deps): update dependency ava to v5.1.1 (#2681)",
            "Revert \"chore(deps): update dependency ava to v5.1.1\" (#2682)",
        )
    } else {
        (
            "fix: handle empty input",
            "Revert \"fix: handle empty input\"",
        )
    };
    let target = r.commit(subject);
    r.commit(&format!("{quoted}\n\nThis reverts commit {target}.\n"));
    r
}

#[test]
fn squash_merged_reverts_pair_by_hash_in_opskit_and_by_header_in_semantic_release() {
    let r = revert_repo(true);
    // opskit pairs by the id: the pair cancels, nothing to release.
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(n.next, None);
    assert_eq!(n.ignored.len(), 2);
    // semantic-release needs the quoted header to equal the reverted subject
    // too; `(#2682)` vs `(#2681)` differ, so the revert alone is a patch.
    let n = next_on(&r, None, Preset::SemanticRelease);
    assert_eq!(next_str(&n).as_deref(), Some("5.1.1"));
    assert!(n.commits[0].commit.revert);
    // A plain git revert pairs in both.
    let r = revert_repo(false);
    for preset in [Preset::Opskit, Preset::SemanticRelease] {
        let n = next_on(&r, None, preset);
        assert_eq!(n.next, None, "{preset:?}");
    }
}

#[test]
fn a_breaking_footer_under_a_plain_subject_is_breaking() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v8.4.0");
    r.commit(
        "v9 (#639)\n\n* feat: new api\n\nBREAKING CHANGE: the old api is gone\n\nBREAKING CHANGE: node 18 is required\n",
    );
    for preset in [Preset::Opskit, Preset::SemanticRelease] {
        let n = next_on(&r, None, preset);
        assert_eq!(next_str(&n).as_deref(), Some("9.0.0"), "{preset:?}");
        let c = &n.commits[0].commit;
        assert!(!c.conventional && c.breaking);
        assert_eq!(c.lenient, [Leniency::BreakingFooterOnly]);
        assert_eq!(
            c.breaking_description.as_deref(),
            Some("the old api is gone")
        );
    }
    // The changelog puts it under Breaking Changes.
    let log = changelog(r.path(), &ChangelogOptions::default()).unwrap();
    assert_eq!(log.releases[0].groups[0].title, "Breaking Changes");
}

#[test]
fn subjects_are_trimmed_before_parsing() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.commit(" feat: exclude commit from release notes");
    r.commit("\t fix: stray tab  \n");
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0"));
    assert_eq!(n.commits.len(), 2);
    assert!(n.commits.iter().all(|c| c.commit.conventional));
}

#[test]
fn bang_before_the_scope_is_breaking_and_reported() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v3.2.1");
    r.commit("feat!(conventional-changelog-angular): drop node 14");
    let n = next_on(&r, None, Preset::Opskit);
    assert_eq!(next_str(&n).as_deref(), Some("4.0.0"));
    let c = &n.commits[0].commit;
    assert_eq!(c.kind.as_deref(), Some("feat"));
    assert_eq!(c.scope.as_deref(), Some("conventional-changelog-angular"));
    assert_eq!(c.lenient, [Leniency::BangBeforeScope]);
    assert_eq!(
        c.subject,
        "feat!(conventional-changelog-angular): drop node 14"
    );
}

/// packages/angular and packages/atom; a commit scoped to both, and a
/// breaking commit scoped to core that only touched angular's tests.
fn monorepo() -> TestRepo {
    let mut r = TestRepo::new();
    r.commit_file("packages/angular/index.js", "chore: init angular");
    r.commit_file("packages/atom/index.js", "chore: init atom");
    r.commit_file("packages/core/index.js", "chore: init core");
    for p in ["angular", "atom", "core"] {
        r.tag(&format!("conventional-changelog-{p}-v1.0.0"));
    }
    r.commit_file(
        "packages/angular/index.js",
        "feat(conventional-changelog-angular,conventional-changelog-atom): shared option",
    );
    r.commit_file(
        "packages/angular/test/core.spec.js",
        "fix(conventional-changelog-core): new parser\n\nBREAKING CHANGE: the parser is ESM only",
    );
    r.commit_file(
        "packages/core/index.js",
        "fix(conventional-changelog-core): typo",
    );
    r
}

fn component(
    r: &TestRepo,
    name: &str,
    by_path: bool,
    by_scope: bool,
    mode: Option<ComponentMatch>,
) -> NextVersion {
    next_version(
        r.path(),
        &NextOptions {
            tag_pattern: format!("conventional-changelog-{name}-v{{version}}"),
            paths: if by_path {
                vec![format!("packages/{name}")]
            } else {
                vec![]
            },
            scopes: if by_scope {
                vec![format!("conventional-changelog-{name}")]
            } else {
                vec![]
            },
            component_match: mode,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn monorepo_components_by_path_by_scope_and_by_both() {
    let r = monorepo();
    // By path, the breaking commit that touched angular's tests makes it major.
    let n = component(&r, "angular", true, false, None);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0"));
    // By scope, only the commit naming angular counts.
    let n = component(&r, "angular", false, true, None);
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0"));
    assert_eq!(n.commits.len(), 1);
    // atom never had a file touched, but a scope names it.
    let n = component(&r, "atom", false, true, None);
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0"));
    assert_eq!(component(&r, "atom", true, false, None).next, None);
    // core by scope: the breaking fix and the typo.
    let n = component(&r, "core", false, true, None);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0"));
    assert_eq!(n.commits.len(), 2);
    // Both given: either selects (default) or both must (Both).
    let n = component(&r, "angular", true, true, None);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0"));
    let n = component(&r, "angular", true, true, Some(ComponentMatch::Both));
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0"));
    let n = component(&r, "core", true, true, Some(ComponentMatch::Both));
    assert_eq!(next_str(&n).as_deref(), Some("1.0.1"));
    // A mode without what it needs is invalid input.
    let e = next_version(
        r.path(),
        &NextOptions {
            component_match: Some(ComponentMatch::Scopes),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), opskit::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("scopes"), "{e}");
    // The changelog selects the same commits.
    let log = changelog(
        r.path(),
        &ChangelogOptions {
            tag_pattern: "conventional-changelog-angular-v{version}".into(),
            scopes: vec!["conventional-changelog-angular".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let subjects: Vec<_> = log.releases[0]
        .groups
        .iter()
        .flat_map(|g| g.commits.iter().map(|c| c.subject.as_str()))
        .collect();
    assert_eq!(
        subjects,
        ["feat(conventional-changelog-angular,conventional-changelog-atom): shared option"]
    );
}

#[test]
fn semantic_release_get_next_version_cases_in_a_real_repository() {
    // main v1.0.0; beta: feat → 1.1.0-beta.1, feat → beta.2, feat! → 2.0.0-beta.1.
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("beta");
    r.checkout("beta");
    r.commit_file("b.txt", "feat: one");
    let n = next_on(&r, Some("beta"), Preset::SemanticRelease);
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0-beta.1"));
    r.tag("v1.1.0-beta.1");
    r.branch("alpha");
    r.commit_file("b.txt", "feat: two");
    let n = next_on(&r, Some("beta"), Preset::SemanticRelease);
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0-beta.2"));
    r.commit_file("b.txt", "feat!: three");
    let n = next_on(&r, Some("beta"), Preset::SemanticRelease);
    assert_eq!(next_str(&n).as_deref(), Some("2.0.0-beta.1"));
    // An alpha branch from 1.1.0-beta.1 with a feature: the last release of
    // the alpha line is 1.0.0 (get-last-release skips the beta tag), so
    // 1.1.0-alpha.1, as semantic-release itself answers in a repository;
    // its unit test, given 1.1.0-beta.1 as the last release, says 1.2.0-alpha.1.
    r.checkout("alpha");
    r.commit_file("a.txt", "feat: on alpha");
    let n = next_on(&r, Some("alpha"), Preset::SemanticRelease);
    assert_eq!(n.current_tag.as_deref(), Some("v1.0.0"));
    assert_eq!(next_str(&n).as_deref(), Some("1.1.0-alpha.1"));
}

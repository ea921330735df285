//! Changelogs from real repositories, checked as exact markdown and JSON.

mod common;

use common::TestRepo;
use opskit::ErrorKind;
use opskit::version::{ChangelogOptions, ChangelogRange, GroupRule, changelog};

fn history() -> (TestRepo, String) {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag_annotated("v1.0.0", "first");
    r.commit("feat(api): add orders endpoint");
    let fix = r.commit("fix: handle empty cart\n\nRefs #12");
    r.commit("docs: runbook for restores");
    r.commit("update readme");
    r.tag("v1.1.0");
    r.commit("perf(db): index orders");
    r.commit("feat(api)!: drop v1 orders\n\nBREAKING CHANGE: clients must call /v2/orders");
    let bad = r.commit("feat: experiment");
    r.commit(&format!(
        "Revert \"feat: experiment\"\n\nThis reverts commit {bad}.\n"
    ));
    r.commit("fixup! perf(db): index orders");
    (r, fix.to_string()[..7].to_string())
}

fn ids(r: &TestRepo) -> Vec<String> {
    let mut walk = r.repo.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.map(|o| o.unwrap().to_string()[..7].to_string())
        .collect()
}

const HEADER: &str = "# Changelog\n\nAll notable changes to this project are documented in this file.\n\
The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n";

#[test]
fn unreleased_markdown_is_exact() {
    let (r, _) = history();
    let id = ids(&r); // newest first
    let log = changelog(r.path(), &ChangelogOptions::default()).unwrap();
    let expected = format!(
        "{HEADER}\n## [Unreleased]\n\n\
### Breaking Changes\n\n\
- **api:** drop v1 orders ({})\n  - BREAKING: clients must call /v2/orders\n\n\
### Performance\n\n\
- **db:** index orders ({})\n",
        id[3], id[4]
    );
    assert_eq!(log.to_markdown(), expected);
    assert_eq!(log.releases[0].previous_tag.as_deref(), Some("v1.1.0"));
}

#[test]
fn whole_history_markdown_is_exact() {
    let (r, fix) = history();
    let id = ids(&r);
    let opts = ChangelogOptions {
        range: ChangelogRange::All,
        ..Default::default()
    };
    let log = changelog(r.path(), &opts).unwrap();
    // Dates: one commit per hour from 2026-01-01T01:00Z; all on Jan 1st.
    let expected = format!(
        "{HEADER}\n## [Unreleased]\n\n\
### Breaking Changes\n\n\
- **api:** drop v1 orders ({})\n  - BREAKING: clients must call /v2/orders\n\n\
### Performance\n\n\
- **db:** index orders ({})\n\n\
## [1.1.0] - 2026-01-01\n\n\
### Features\n\n\
- **api:** add orders endpoint ({})\n\n\
### Bug Fixes\n\n\
- handle empty cart ({fix})\n\n\
### Other\n\n\
- update readme ({})\n\
- runbook for restores ({})\n\n\
## [1.0.0] - 2026-01-01\n\n\
### Other\n\n\
- init ({})\n",
        id[3], id[4], id[8], id[5], id[6], id[9]
    );
    assert_eq!(log.to_markdown(), expected);
    let json = serde_json::to_value(&log).unwrap();
    assert_eq!(json["releases"][1]["version"], "1.1.0");
    assert_eq!(json["releases"][1]["tag"], "v1.1.0");
    assert_eq!(json["releases"][1]["previous_tag"], "v1.0.0");
    assert_eq!(json["releases"][1]["groups"][0]["title"], "Features");
    assert_eq!(
        json["releases"][1]["groups"][0]["commits"][0]["scope"],
        "api"
    );
    assert_eq!(json["releases"][2]["previous_tag"], serde_json::Value::Null);
}

#[test]
fn one_release_and_configurable_groups() {
    let (r, _) = history();
    let opts = ChangelogOptions {
        range: ChangelogRange::Release("1.1.0".into()),
        include_other: false,
        ..Default::default()
    };
    let log = changelog(r.path(), &opts).unwrap();
    assert_eq!(log.releases.len(), 1);
    let titles: Vec<_> = log.releases[0]
        .groups
        .iter()
        .map(|g| g.title.as_str())
        .collect();
    assert_eq!(titles, ["Features", "Bug Fixes"]);

    let opts = ChangelogOptions {
        range: ChangelogRange::Release("v1.1.0".into()),
        groups: vec![
            GroupRule {
                title: "Docs".into(),
                types: vec!["docs".into()],
            },
            GroupRule {
                title: "Changes".into(),
                types: vec!["*".into()],
            },
        ],
        ..Default::default()
    };
    let log = changelog(r.path(), &opts).unwrap();
    let g = &log.releases[0].groups;
    assert_eq!(g[0].title, "Docs");
    assert_eq!(g[0].commits.len(), 1);
    assert_eq!(g[1].commits.len(), 3);

    let e = changelog(
        r.path(),
        &ChangelogOptions {
            range: ChangelogRange::Release("9.9.9".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = changelog(
        r.path(),
        &ChangelogOptions {
            groups: vec![],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn prereleases_fold_into_the_stable_release_when_asked() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.commit("feat: a");
    r.tag("v1.1.0-rc.1");
    r.commit("fix: b");
    r.tag("v1.1.0");
    let all = ChangelogOptions {
        range: ChangelogRange::All,
        ..Default::default()
    };
    let log = changelog(r.path(), &all).unwrap();
    let versions: Vec<_> = log
        .releases
        .iter()
        .map(|x| x.version.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(versions, ["1.1.0", "1.1.0-rc.1", "1.0.0"]);
    let folded = ChangelogOptions {
        include_prereleases: false,
        ..all
    };
    let log = changelog(r.path(), &folded).unwrap();
    assert_eq!(log.releases.len(), 2);
    assert_eq!(log.releases[0].groups.len(), 2);
}

#[test]
fn merged_side_branches_belong_to_the_release_that_first_contains_them() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.branch("feature/x");
    r.checkout("feature/x");
    r.commit_file("x.txt", "feat: from the branch");
    r.checkout("main");
    r.commit_file("m.txt", "fix: on main");
    r.tag("v1.0.1");
    r.merge("feature/x", "Merge branch 'feature/x'");
    r.tag("v1.1.0");
    let log = changelog(
        r.path(),
        &ChangelogOptions {
            range: ChangelogRange::All,
            ..Default::default()
        },
    )
    .unwrap();
    let v110 = &log.releases[0];
    assert_eq!(v110.tag.as_deref(), Some("v1.1.0"));
    assert_eq!(v110.groups.len(), 1);
    assert_eq!(v110.groups[0].commits[0].subject, "feat: from the branch");
    let v101 = &log.releases[1];
    assert_eq!(v101.groups[0].commits[0].subject, "fix: on main");
}

#[test]
fn path_filtered_changelog() {
    let mut r = TestRepo::new();
    r.commit_file("api/a.rs", "feat(api): a");
    r.commit_file("web/b.js", "feat(web): b");
    let opts = ChangelogOptions {
        range: ChangelogRange::All,
        paths: vec!["web".into()],
        ..Default::default()
    };
    let log = changelog(r.path(), &opts).unwrap();
    assert_eq!(log.releases.len(), 1);
    assert_eq!(log.releases[0].groups[0].commits.len(), 1);
    assert_eq!(
        log.releases[0].groups[0].commits[0].scope.as_deref(),
        Some("web")
    );
}

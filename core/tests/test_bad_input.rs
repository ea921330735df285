//! Bad input gets a clear error or a documented behaviour, never a panic:
//! not a repository, empty repositories, detached HEAD, shallow clones, bare
//! repositories, non-UTF-8 and huge messages.

mod common;

use std::process::Command;

use common::TestRepo;
use opskit::ErrorKind;
use opskit::version::{
    ChangelogOptions, ChangelogRange, NextOptions, ReleaseOptions, changelog, next_version,
    releases,
};

#[test]
fn not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let e = next_version(dir.path(), &NextOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.to_string().contains(&dir.path().display().to_string()),
        "{e}"
    );
    let missing = dir.path().join("nope");
    let e = releases(&missing, &ReleaseOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("nope"), "{e}");
}

#[test]
fn empty_repository() {
    let r = TestRepo::new();
    let e = next_version(r.path(), &NextOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("no commits yet"), "{e}");
    assert!(changelog(r.path(), &ChangelogOptions::default()).is_err());
    assert!(
        releases(r.path(), &ReleaseOptions::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn unknown_revision() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    let opts = NextOptions {
        rev: "no-such-branch".into(),
        ..Default::default()
    };
    let e = next_version(r.path(), &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("no-such-branch"));
}

#[test]
fn detached_head_and_subfolders_work() {
    let mut r = TestRepo::new();
    r.commit_file("sub/dir/a.txt", "chore: init");
    r.tag("v1.0.0");
    let c = r.commit("feat: a");
    r.repo.set_head_detached(c).unwrap();
    let n = next_version(&r.path().join("sub/dir"), &NextOptions::default()).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "1.1.0");
    let s = opskit::version::status(
        r.path(),
        &NextOptions::default(),
        &opskit::version::BranchPolicy::default(),
    )
    .unwrap();
    assert!(s.detached);
    assert_eq!(s.branch, None);
}

#[test]
fn bare_repository() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.commit("fix: a");
    let bare = tempfile::tempdir().unwrap();
    let target = bare.path().join("bare.git");
    git2::build::RepoBuilder::new()
        .bare(true)
        .clone(&format!("file://{}", r.path().display()), &target)
        .unwrap();
    let n = next_version(&target, &NextOptions::default()).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "1.0.1");
}

#[test]
fn shallow_clone_is_reported() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    for i in 0..5 {
        r.commit(&format!("fix: {i}"));
    }
    let dest = tempfile::tempdir().unwrap();
    let clone = dest.path().join("shallow");
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "2", "--no-single-branch"])
        .arg(format!("file://{}", r.path().display()))
        .arg(&clone)
        .status()
        .expect("git is installed");
    assert!(status.success());
    let n = next_version(&clone, &NextOptions::default()).unwrap();
    assert!(n.shallow);
    // The tag's commit is beyond the depth: the history seen starts at the boundary.
    assert_eq!(n.commits.len(), 2);
    let log = changelog(
        &clone,
        &ChangelogOptions {
            range: ChangelogRange::All,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!log.releases.is_empty());
}

#[test]
fn non_utf8_and_huge_messages() {
    let mut r = TestRepo::new();
    r.commit("chore: init");
    r.tag("v1.0.0");
    r.commit_bytes(b"fix: caf\xe9 latin-1 message\n");
    let huge = format!("feat: huge\n\n{}\n", "line of text\n".repeat(200_000));
    r.commit(&huge);
    let n = next_version(r.path(), &NextOptions::default()).unwrap();
    assert_eq!(n.next.unwrap().to_string(), "1.1.0");
    let fix = n
        .commits
        .iter()
        .find(|c| c.commit.kind.as_deref() == Some("fix"))
        .unwrap();
    assert!(fix.commit.description.contains("caf\u{fffd}"));
    let log = changelog(r.path(), &ChangelogOptions::default()).unwrap();
    assert!(log.to_markdown().contains("huge"));
}

/// From the version fuzz target's first finding (a wrong assertion of the
/// target, kept as a test of the rule): build metadata has no precedence,
/// so versions that differ only in it sort as equals, in input order.
#[test]
fn build_metadata_does_not_order_versions() {
    use opskit::version::{compare, sort_versions};
    assert_eq!(
        compare("1.0.0+a", "1.0.0").unwrap(),
        std::cmp::Ordering::Equal
    );
    let sorted = sort_versions(&["1.0.0+a", "1.0.0", "0.9.0+z"]).unwrap();
    let printed: Vec<String> = sorted.iter().map(|v| v.to_string()).collect();
    assert_eq!(printed, ["0.9.0+z", "1.0.0+a", "1.0.0"]);
}

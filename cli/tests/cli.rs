//! The `opskit` binary, run as a user would: output, JSON and exit codes.

use std::path::Path;
use std::process::{Command, Output};

use git2::{Repository, Signature, Time};

fn opskit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run opskit")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A repo: init, v1.0.0, feat, v1.1.0-rc.1, fix; branches staging/production.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let mut parent: Option<git2::Oid> = None;
    let mut t = 1_767_225_600;
    for (msg, tag) in [
        ("chore: init", Some("v1.0.0")),
        ("feat(api): orders", Some("v1.1.0-rc.1")),
        ("fix: cart", None),
    ] {
        t += 3600;
        let sig = Signature::new("A", "a@example.com", &Time::new(t, 0)).unwrap();
        std::fs::write(dir.path().join("f.txt"), msg).unwrap();
        let mut idx = repo.index().unwrap();
        idx.add_path(Path::new("f.txt")).unwrap();
        let tree = repo.find_tree(idx.write_tree().unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let oid = repo
            .commit(Some("HEAD"), &sig, &sig, msg, &tree, &refs)
            .unwrap();
        if let Some(tag) = tag {
            repo.tag_lightweight(tag, &repo.find_object(oid, None).unwrap(), false)
                .unwrap();
        }
        if msg == "chore: init" {
            repo.branch("production", &repo.find_commit(oid).unwrap(), false)
                .unwrap();
        }
        parent = Some(oid);
    }
    repo.branch(
        "staging",
        &repo.find_commit(parent.unwrap()).unwrap(),
        false,
    )
    .unwrap();
    dir
}

#[test]
fn version_next_human_and_json() {
    let d = repo();
    let o = opskit(d.path(), &["version", "next"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    // The base of a stable release is the last stable release.
    assert!(out.contains("current: v1.0.0 (1.0.0)"), "{out}");
    assert!(out.contains("next:    v1.1.0 (1.1.0, minor)"), "{out}");
    let o = opskit(d.path(), &["version", "next", "--json", "--channel", "rc"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["next"], "1.1.0-rc.2");
    assert_eq!(v["next_tag"], "v1.1.0-rc.2");
    let o = opskit(d.path(), &["version", "next", "--preset", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown preset"));
    // Components by scope: only `feat(api)` names api.
    let o = opskit(d.path(), &["version", "next", "--json", "--scope", "api"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["commits"].as_array().unwrap().len(), 1, "{v}");
    let o = opskit(
        d.path(),
        &[
            "version",
            "next",
            "--scope",
            "api",
            "--component-match",
            "all",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("either or both"));
}

#[test]
fn version_next_as_of_and_preset_help() {
    let d = repo();
    // A later release exists: v1.1.0 on the fix after the rc.
    let r = Repository::open(d.path()).unwrap();
    let head = r.head().unwrap().peel(git2::ObjectType::Commit).unwrap();
    r.tag_lightweight("v1.1.0", &head, false).unwrap();
    let next_at = |args: &[&str]| {
        let mut all = vec!["version", "next", "--json"];
        all.extend_from_slice(args);
        let o = opskit(d.path(), &all);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    // --rev keeps the proposal ahead of the tag that exists...
    let v = next_at(&["--rev", "v1.1.0-rc.1"]);
    assert_eq!(v["next"], "1.2.0", "{v}");
    assert_eq!(v["notes"].as_array().unwrap().len(), 1, "{v}");
    // ...--as-of answers as a release there would have.
    let v = next_at(&["--as-of", "v1.1.0-rc.1"]);
    assert_eq!(v["next"], "1.1.0", "{v}");
    assert_eq!(v["notes"], serde_json::json!([]), "{v}");
    let o = opskit(
        d.path(),
        &["version", "next", "--as-of", "v1.0.0", "--rev", "v1.0.0"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not both"));
    // Every preset is listed with each rule it changes, from the policies.
    let o = opskit(d.path(), &["version", "next", "--preset", "help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for p in ::opskit::version::Preset::ALL {
        assert!(out.contains(&format!("{}:", p.as_str())), "{out}");
        for rule in p.rules() {
            let line = format!(
                "  {} = {} (opskit: {})",
                rule.field, rule.preset, rule.opskit
            );
            assert!(out.contains(&line), "{line} not in {out}");
        }
    }
    assert!(out.contains("release-please:\n"), "{out}");
    assert!(
        out.contains("  zero_major_feature = \"minor\" (opskit: \"patch\")"),
        "{out}"
    );
}

#[test]
fn lenient_reads_and_notes_are_shown() {
    let d = repo();
    let repo = Repository::open(d.path()).unwrap();
    let sig = Signature::new("A", "a@example.com", &Time::new(1_767_300_000, 0)).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let tree = head.tree().unwrap();
    // A hand-made v3.0.0 on an old commit, and v1.5.0 nearer to HEAD: the
    // base is v1.5.0, but the next version must pass v3.0.0.
    repo.tag_lightweight("v1.5.0", head.as_object(), false)
        .unwrap();
    let first = repo.revparse_single("v1.0.0").unwrap();
    repo.tag_lightweight("v3.0.0", &first, false).unwrap();
    repo.commit(
        Some("HEAD"),
        &sig,
        &sig,
        "feat!(api): drop v1",
        &tree,
        &[&head],
    )
    .unwrap();
    let out = stdout(&opskit(d.path(), &["version", "next"]));
    assert!(out.contains("read leniently: bang_before_scope"), "{out}");
    assert!(out.contains("note:    v3.0.0 is reachable"), "{out}");
    assert!(out.contains("next:    v4.0.0"), "{out}");
}

#[test]
fn long_commit_lists_are_cut_in_human_output() {
    let d = repo();
    let repo = Repository::open(d.path()).unwrap();
    let sig = Signature::new("A", "a@example.com", &Time::new(1_767_300_000, 0)).unwrap();
    for i in 0..25 {
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let tree = head.tree().unwrap();
        repo.commit(
            Some("HEAD"),
            &sig,
            &sig,
            &format!("docs: page {i}"),
            &tree,
            &[&head],
        )
        .unwrap();
    }
    let out = stdout(&opskit(d.path(), &["version", "next"]));
    assert!(out.contains("ignored 25 commit(s):"), "{out}");
    assert!(
        out.contains("  ... and 5 more (--json lists them all)"),
        "{out}"
    );
    let o = opskit(d.path(), &["version", "next", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ignored"].as_array().unwrap().len(), 25);
}

#[test]
fn version_current_releases_rollback() {
    let d = repo();
    let o = opskit(d.path(), &["version", "current"]);
    assert!(
        stdout(&o).starts_with("v1.0.0 (1.0.0) at "),
        "{}",
        stdout(&o)
    );
    let o = opskit(d.path(), &["version", "current", "--channel", "rc"]);
    assert!(stdout(&o).starts_with("v1.1.0-rc.1 (1.1.0-rc.1) at "));
    let o = opskit(d.path(), &["version", "releases", "--channel", "beta"]);
    assert_eq!(stdout(&o).lines().count(), 1);
    let o = opskit(d.path(), &["version", "releases", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let o = opskit(d.path(), &["version", "releases", "--no-prereleases"]);
    assert_eq!(stdout(&o).lines().count(), 1);
    let o = opskit(d.path(), &["version", "rollback", "v1.1.0-rc.1"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("roll back to v1.0.0"), "{}", stdout(&o));
    let o = opskit(d.path(), &["version", "rollback", "1.0.0"]);
    assert_eq!(o.status.code(), Some(1));
    let o = opskit(d.path(), &["version", "rollback", "9.9.9"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn version_changelog_markdown_and_json() {
    let d = repo();
    let o = opskit(d.path(), &["version", "changelog"]);
    let out = stdout(&o);
    assert!(
        out.contains("## [Unreleased]\n\n### Bug Fixes\n\n- cart ("),
        "{out}"
    );
    let o = opskit(d.path(), &["version", "changelog", "--all", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["releases"].as_array().unwrap().len(), 3);
    let o = opskit(d.path(), &["version", "changelog", "--release", "1.0.0"]);
    assert!(stdout(&o).contains("## [1.0.0] - 2026-01-01"));
}

#[test]
fn bump_and_check_branch_and_promote_exit_codes() {
    let d = repo();
    let o = opskit(
        d.path(),
        &["version", "bump", "1.2.3", "preminor", "--channel", "rc"],
    );
    assert_eq!(stdout(&o).trim(), "1.3.0-rc.1");
    let o = opskit(d.path(), &["version", "bump", "v1.2.3", "minor"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("prefix"));
    let o = opskit(d.path(), &["version", "check-branch", "feature/login"]);
    assert_eq!(o.status.code(), Some(0));
    let o = opskit(d.path(), &["version", "check-branch", "wip"]);
    assert_eq!(o.status.code(), Some(1));
    let o = opskit(
        d.path(),
        &["version", "check-branch", "wip", "--allow", "wip"],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = opskit(
        d.path(),
        &["version", "promote-check", "staging", "production"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("fast-forward (2 ahead, 0 behind)"));
    let o = opskit(
        d.path(),
        &["version", "promote-check", "production", "staging"],
    );
    assert_eq!(o.status.code(), Some(1));
    let o = opskit(d.path(), &["version", "frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn report_inside_and_outside_a_repository() {
    let d = repo();
    let o = opskit(d.path(), &["report"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("branch:  main (follows the branch policy)"),
        "{out}"
    );
    assert!(out.contains("next:    v1.1.0"), "{out}");
    let o = opskit(d.path(), &["report", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"]["next"]["next"], "1.1.0");
    let empty = tempfile::tempdir().unwrap();
    let o = opskit(empty.path(), &["report"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("skipped: no git repository"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_panic_is_an_error_line_and_exit_2() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_opskit"))
        .arg("__test-panic")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("opskit: error[ERR_OPSKIT_PANIC]: internal error: the test panic"),
        "{err}"
    );
    assert!(
        err.contains("This is a bug in opskit") && err.contains("please report it"),
        "{err}"
    );
    assert!(!err.contains("thread 'main' panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

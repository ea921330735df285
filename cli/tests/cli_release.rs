//! `opskit version release` as a user runs it: the policy file found at the
//! repository's root, the dry run, the release, and a second run refused.

use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::commit;
use git2::Repository;

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

/// A repository on `main` (no identity of its own): `files` committed and
/// tagged `tag`, then one commit `since`.
fn tagged(dir: &Path, files: &[(&str, &str)], tag: &str, since: &str) -> Repository {
    let repo = Repository::init(dir).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    commit(&repo, files, "feat: svc", 1);
    {
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        repo.tag_lightweight(tag, head.as_object(), false).unwrap();
    }
    commit(&repo, &[("index.js", "x")], since, 2);
    repo
}

/// A service at v1.0.0 (package.json, a release policy) with one feature
/// since: a minor release is due.
fn released_service(dir: &Path) -> Repository {
    tagged(
        dir,
        &[
            (
                "package.json",
                "{\n  \"name\": \"svc\",\n  \"version\": \"1.0.0\"\n}\n",
            ),
            (
                "release.toml",
                "date = \"2026-03-01\"\n\n[[files]]\npath = \"package.json\"\n",
            ),
        ],
        "v1.0.0",
        "feat(api): paging",
    )
}

#[test]
fn dry_run_then_release_then_nothing_to_release() {
    let d = tempfile::tempdir().unwrap();
    let repo = released_service(d.path());
    let mut c = repo.config().unwrap();
    c.set_str("user.name", "Release Bot").unwrap();
    c.set_str("user.email", "release@example.com").unwrap();

    let o = opskit(d.path(), &["version", "release", "--dry-run"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0]
            .starts_with("would release v1.1.0 (1.1.0) on main, 1 commit(s) since v1.0.0, policy ")
            && lines[0].ends_with("release.toml"),
        "{text}"
    );
    assert_eq!(lines[1], "  changelog  CHANGELOG.md  create");
    assert_eq!(lines[2], "  npm        package.json  1.0.0 -> 1.1.0");
    assert_eq!(lines[3], "  dry run: nothing written, no commit, no tag");
    assert_eq!(lines[5], "## [1.1.0] - 2026-03-01");
    assert!(text.contains("- **api:** paging ("), "{text}");
    assert!(!d.path().join("CHANGELOG.md").exists());

    let o = opskit(
        d.path(),
        &[
            "version",
            "release",
            "--json",
            "--no-changelog",
            "--date",
            "2026-03-02",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["tag"], "v1.1.0");
    assert_eq!(v["dry_run"], false);
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    assert!(
        v["section"]
            .as_str()
            .unwrap()
            .starts_with("## [1.1.0] - 2026-03-02")
    );
    assert!(repo.find_reference("refs/tags/v1.1.0").is_ok());
    assert!(
        std::fs::read_to_string(d.path().join("package.json"))
            .unwrap()
            .contains("\"1.1.0\"")
    );

    let o = opskit(d.path(), &["version", "release"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nothing to release") && err.contains("v1.1.0"),
        "{err}"
    );

    let o = opskit(
        d.path(),
        &["version", "release", "--policy", "missing.toml"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.toml"));
}

#[test]
fn completions_and_the_man_page() {
    let d = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = opskit(d.path(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0));
        let text = stdout(&o);
        assert!(
            text.contains("opskit") && text.contains("release") && text.contains("audit"),
            "{shell}"
        );
    }
    assert_eq!(
        opskit(d.path(), &["completions", "tcsh"]).status.code(),
        Some(2)
    );
    let man = stdout(&opskit(d.path(), &["manpage"]));
    assert!(
        man.contains(".TH opskit 1") && man.contains("docs audits"),
        "{man}"
    );
}

/// opskit with no git identity anywhere: an empty HOME, no system config,
/// no identity variables; `extra` adds some back.
fn opskit_no_identity(dir: &Path, home: &Path, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opskit"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1");
    for v in [
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("run opskit")
}

#[test]
fn a_release_without_a_git_identity_refuses_before_writing_and_honours_git_variables() {
    let d = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    // The commits carry their own signatures; the repository has no identity.
    let repo = released_service(d.path());
    let clean = |repo: &Repository| {
        repo.statuses(None)
            .unwrap()
            .iter()
            .all(|s| s.status().is_ignored())
    };
    for args in [
        &["version", "release", "--dry-run"][..],
        &["version", "release"][..],
    ] {
        let o = opskit_no_identity(d.path(), home.path(), args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("no author") && err.contains("user.name and user.email"),
            "{err}"
        );
        assert!(err.contains("GIT_AUTHOR_NAME"), "{err}");
        assert!(clean(&repo), "{args:?} left changes");
        assert!(!d.path().join("CHANGELOG.md").exists());
    }
    // git's variables are an identity, as they are for git itself.
    let o = opskit_no_identity(
        d.path(),
        home.path(),
        &["version", "release"],
        &[
            ("GIT_AUTHOR_NAME", "Ada Author"),
            ("GIT_AUTHOR_EMAIL", "ada@example.com"),
            ("GIT_COMMITTER_NAME", "Cy Committer"),
            ("GIT_COMMITTER_EMAIL", "cy@example.com"),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let c = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(c.author().name().ok(), Some("Ada Author"));
    assert_eq!(c.author().email().ok(), Some("ada@example.com"));
    assert_eq!(c.committer().name().ok(), Some("Cy Committer"));
    let tag = repo
        .revparse_single("v1.1.0")
        .unwrap()
        .peel_to_tag()
        .unwrap();
    assert_eq!(tag.tagger().unwrap().name().ok(), Some("Cy Committer"));
    assert!(clean(&repo));
}

#[test]
fn commit_subjects_with_control_characters_are_shown_escaped() {
    let d = tempfile::tempdir().unwrap();
    let repo = released_service(d.path());
    // A subject that would clear the line and write over it on a terminal.
    commit(
        &repo,
        &[("b.js", "b")],
        "fix: cart\u{1b}[2K\rfeat!: forged",
        3,
    );
    let o = opskit(d.path(), &["version", "next"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    assert!(out.contains(r"fix: cart\x1b[2K\rfeat!: forged"), "{out}");
}

#[test]
fn a_changelog_that_is_a_device_is_refused_not_read() {
    let d = tempfile::tempdir().unwrap();
    let repo = released_service(d.path());
    let mut c = repo.config().unwrap();
    c.set_str("user.name", "Release Bot").unwrap();
    c.set_str("user.email", "release@example.com").unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("CHANGELOG.md")).unwrap();
    let o = opskit(d.path(), &["version", "release", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("CHANGELOG.md") && err.contains("a character device"),
        "{err}"
    );
}

/// No policy, no --file: the dry run lists the version files found at the
/// root, and names the one left alone with its reason.
#[test]
fn a_release_without_a_policy_finds_its_version_files() {
    let d = tempfile::tempdir().unwrap();
    let repo = tagged(
        d.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"svc\"\nversion = \"1.4.2\"\n",
            ),
            (
                "package.json",
                "{\n  \"name\": \"svc\",\n  \"version\": \"1.4.2\"\n}\n",
            ),
            (
                "pyproject.toml",
                "[project]\nname = \"svc\"\nversion = \"1.4.0\"\n",
            ),
        ],
        "v1.4.2",
        "feat: paging",
    );
    let mut c = repo.config().unwrap();
    c.set_str("user.name", "Release Bot").unwrap();
    c.set_str("user.email", "release@example.com").unwrap();
    let o = opskit(d.path(), &["version", "release", "--dry-run"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    assert!(
        out.contains("cargo      Cargo.toml  1.4.2 -> 1.5.0"),
        "{out}"
    );
    assert!(
        out.contains("npm        package.json  1.4.2 -> 1.5.0"),
        "{out}"
    );
    assert!(
        out.contains(
            "skipped    pyproject.toml  left alone: says 1.4.0, not the current release 1.4.2"
        ),
        "{out}"
    );
    let o = opskit(d.path(), &["version", "release", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["skipped_files"][0]["path"], "pyproject.toml", "{v}");
    assert_eq!(v["skipped_files"][0]["version"], "1.4.0", "{v}");
}

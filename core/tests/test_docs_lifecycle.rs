//! Owners, review freshness, code-coupled staleness and orphans, on a real
//! git repository built by the test with git2 (commits at fixed times).

use std::path::Path;

use opskit::docs::{AuditOptions, audit};

/// Write `files` and commit them at `time` (seconds since the epoch).
fn commit(repo: &git2::Repository, files: &[(&str, &str)], time: i64, message: &str) {
    let root = repo.workdir().unwrap().to_path_buf();
    let mut index = repo.index().unwrap();
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new("Dev", "dev@example.com", &git2::Time::new(time, 0)).unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

const DAY: i64 = 86_400;
/// 2025-06-01T00:00:00Z.
const JUNE_2025: i64 = 1_748_736_000;

#[test]
fn owners_freshness_coupling_and_orphans() {
    let d = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(d.path()).unwrap();
    commit(
        &repo,
        &[
            (
                "README.md",
                "---\nowner: docs-team\nlast_reviewed: 2026-02-20\n---\n# KB\n\n[guide](guide.md) [runbooks](runbooks/) [bad](bad.md) [opt](opt-out.md)\n",
            ),
            ("runbooks/README.md", "# Runbooks\n"),
            ("CODEOWNERS", "/runbooks/ @org/sre\n"),
            ("src/api.rs", "fn v1() {}\n"),
            ("src/old.rs", "fn old() {}\n"),
            (
                "orphan.md",
                "---\nowner: x\nlast_reviewed: 2026-02-01\n---\n# Alone\n",
            ),
            (
                "opt-out.md",
                "---\nowner: x\nlast_reviewed: 2026-02-01\norphan: true\n---\n# Opt out\n",
            ),
            (
                "bad.md",
                "---\nowner: x\nlast_reviewed: 2026-02-30\n---\n# Bad date\n",
            ),
        ],
        JUNE_2025,
        "docs: the knowledge base",
    );
    commit(
        &repo,
        &[(
            "guide.md",
            "<!--* freshness: { owner: 'api-team' reviewed: '2026-01-01' review_interval: '1 month' } *-->\n# Guide\n\n[api](src/api.rs#L1) [old](src/old.rs)\n",
        )],
        JUNE_2025 + 100 * DAY,
        "docs: the API guide",
    );
    commit(
        &repo,
        &[("src/api.rs", "fn v2() {}\n")],
        JUNE_2025 + 120 * DAY,
        "feat(api): v2 orders",
    );
    commit(
        &repo,
        &[("src/api.rs", "fn v2() { /* faster */ }\n")],
        JUNE_2025 + 130 * DAY,
        "perf(api): faster orders",
    );
    let options = AuditOptions {
        as_of: Some("2026-03-01".into()),
        ..AuditOptions::default()
    };
    let a = audit(d.path(), &options).unwrap();
    let got: Vec<(&str, &str, &str)> = a
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str(), f.message.as_str()))
        .collect();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let short = |c: &git2::Commit| c.id().to_string()[..8].to_string();
    let perf = head.clone();
    let feat = perf.parent(0).unwrap();
    let guide = feat.parent(0).unwrap();
    let kb = guide.parent(0).unwrap();
    assert_eq!(
        got,
        vec![
            (
                "invalid-metadata",
                "bad.md",
                "front matter last_reviewed: \"2026-02-30\" is not a date: write YYYY-MM-DD"
            ),
            (
                "stale-page",
                "guide.md",
                "last reviewed 2026-01-01 (g3doc freshness reviewed); a review was due 2026-01-31 (30 days): review it and update the date"
            ),
            (
                "code-changed",
                "guide.md",
                &*format!(
                    "src/api.rs changed after this page last did (2025-09-09, {}): {} perf(api): faster orders; {} feat(api): v2 orders; check the page still describes it",
                    short(&guide),
                    short(&perf),
                    short(&feat)
                )
            ),
            (
                "orphan-page",
                "orphan.md",
                "no page links here from README.md or index.md: link it from an index, or set `orphan: true`"
            ),
            (
                "missing-metadata",
                "runbooks/README.md",
                "no review date: add `last_reviewed: YYYY-MM-DD` to the front matter or `reviewed` to a g3doc freshness comment"
            ),
            (
                "stale-page",
                "runbooks/README.md",
                &*format!(
                    "no review date; last changed 2025-06-01 in git ({} docs: the knowledge base); a review was due 2025-08-30 (90 days): review it and update the date",
                    short(&kb)
                )
            ),
        ],
        "{:#?}",
        a.findings
    );
    // Without git history: no fallback ages, no coupling.
    let quiet = audit(
        d.path(),
        &AuditOptions {
            git_history: false,
            required_metadata: vec![],
            ..options.clone()
        },
    )
    .unwrap();
    let rules: Vec<&str> = quiet.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["invalid-metadata", "stale-page", "orphan-page"]);
    // A mass reformatting listed in .git-blame-ignore-revs does not count.
    std::fs::write(
        d.path().join(".git-blame-ignore-revs"),
        format!("# reformat\n{}\n", perf.id()),
    )
    .unwrap();
    let a = audit(d.path(), &options).unwrap();
    let coupled = a
        .findings
        .iter()
        .find(|f| f.rule == "code-changed")
        .unwrap();
    assert!(
        !coupled.message.contains("perf(api)"),
        "{}",
        coupled.message
    );
    assert!(coupled.message.contains("feat(api): v2 orders"));
    // A bad as_of is an error naming it.
    let e = audit(
        d.path(),
        &AuditOptions {
            as_of: Some("soon".into()),
            ..options
        },
    )
    .unwrap_err();
    assert!(e.message().starts_with("as_of:"), "{e}");
}

#[test]
fn permalinks_pinned_to_a_commit_are_checked_at_that_commit() {
    let d = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(d.path()).unwrap();
    commit(
        &repo,
        &[("old.md", "# Old runbook\n\n## Steps\n")],
        JUNE_2025,
        "add the old runbook",
    );
    let first = repo
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
        .to_string();
    // The page is gone from today's tree; permalinks to it still work on GitHub.
    std::fs::remove_file(d.path().join("old.md")).unwrap();
    let mut index = repo.index().unwrap();
    index.remove_path(Path::new("old.md")).unwrap();
    index.write().unwrap();
    let url = "https://github.com/acme/ops";
    let short = &first[..7];
    let readme = format!(
        "# KB\n\n[a]({url}/blob/{first}/old.md#steps)\n[b]({url}/blob/{short}/old.md#step)\n[c]({url}/blob/{first}/never.md)\n[d]({url}/blob/main/old.md)\n[e]({url}/blob/0123456789abcdef0123456789abcdef01234567/old.md)\n[f]({url}/tree/{short})\n"
    );
    commit(
        &repo,
        &[("README.md", &readme)],
        JUNE_2025 + DAY,
        "drop it, link to it",
    );
    let options = AuditOptions {
        repo_url: Some(url.into()),
        required_metadata: vec![],
        entry_points: vec![],
        git_history: false,
        ..Default::default()
    };
    let a = audit(d.path(), &options).unwrap();
    let got: Vec<(u32, &str, &str)> = a
        .findings
        .iter()
        .map(|f| (f.line, f.rule.as_str(), f.message.as_str()))
        .collect();
    let at_first = format!("old.md at commit {short} (did you mean #steps?)");
    let never = format!("links to never.md at commit {first}, which did not hold it");
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(got[0].0, 4);
    assert!(got[0].2.ends_with(&at_first), "{got:#?}");
    assert_eq!(
        (got[1].0, got[1].1, got[1].2),
        (5, "broken-link", never.as_str())
    );
    // A branch, and a commit this repository does not hold, are today's tree.
    assert_eq!(
        (got[2].0, got[2].2),
        (6, "links to old.md, which does not exist")
    );
    assert_eq!(
        (got[3].0, got[3].2),
        (7, "links to old.md, which does not exist")
    );
}

//! Docs audits on fixture trees written by the test: every link rule,
//! folders and their index pages, root-relative and own-repository URLs,
//! HTML anchors, line anchors, excludes and .gitignore, unreadable pages.

use std::path::Path;

use opskit::docs::{AuditOptions, Severity, audit};

fn write(root: &Path, rel: &str, body: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// The link rules alone: no metadata required, no entry points (no orphans).
fn links_only() -> AuditOptions {
    AuditOptions {
        required_metadata: vec![],
        entry_points: vec![],
        ..AuditOptions::default()
    }
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "README.md",
        "# Knowledge base\n\
         \n\
         - [Guide](guide/) and [its setup](guide/#setup)\n\
         - [Missing](missing.md)\n\
         - [Roll back](./ops/deploy.md#roll-back) [case](ops/deploy.md#Roll-Back) [typo](ops/deploy.md#rol-back)\n\
         - [code](src/main.rs#L10) [range](src/main.rs#L1C2-L3C4) [root](/ops/deploy.md#legacy)\n\
         - [own](https://github.com/org/repo/blob/main/ops/deploy.md#roll-back) [own-missing](https://github.com/org/repo/tree/main/nowhere)\n\
         - [web](https://example.com/x) <ops@example.com> [mail](mailto:ops@example.com)\n\
         - [empty]() [devstats](k8s.devstats.cncf.io/) [out](../outside.md)\n\
         - [here](#local-heading) [top](#top) [hash](#) [spaced](images/a%20b.png)\n\
         - [ref link][gone] <a href=\"ops/gone.md\">html</a> [bare folder](empty/#x)\n\
         \n\
         ```md\n[in code](nowhere.md)\n```\n\
         \n\
         ## Local heading\n\
         \n\
         [gone]: ./ops/also-gone.md\n",
    );
    write(r, "guide/README.md", "# Guide\n\n## Setup\n");
    write(
        r,
        "ops/deploy.md",
        "---\nowner: ops\n---\n# Deploy\n\n## Roll back\n\n<a name=\"legacy\"></a>\n",
    );
    write(r, "src/main.rs", "fn main() {}\n");
    write(r, "images/a b.png", "png");
    std::fs::create_dir_all(r.join("empty")).unwrap();
    write(r, "bad.md", b"# Bad \xff\xfe page\n");
    write(r, "fm.md", "---\nowner: [unclosed\n---\n# FM\n");
    write(r, "archive/old.md", "[x](nowhere.md)\n");
    write(r, ".gitignore", "ignored.md\n");
    write(r, "ignored.md", "[x](nowhere.md)\n");
    d
}

#[test]
fn every_link_rule_on_a_fixture_tree() {
    let d = tree();
    // Not a git repository: .gitignore still applies (ignore's default needs a repo).
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let options = AuditOptions {
        exclude: vec!["archive/**".into()],
        repo_url: Some("https://github.com/org/repo".into()),
        ..links_only()
    };
    let a = audit(d.path(), &options).unwrap();
    let got: Vec<(String, String, u32, Option<String>)> = a
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.path.clone(), f.line, f.target.clone()))
        .collect();
    let want = |rule: &str, path: &str, line: u32, target: Option<&str>| {
        (
            rule.to_string(),
            path.to_string(),
            line,
            target.map(String::from),
        )
    };
    assert_eq!(
        got,
        vec![
            want("broken-link", "README.md", 4, Some("missing.md")),
            want(
                "anchor-case",
                "README.md",
                5,
                Some("ops/deploy.md#Roll-Back")
            ),
            want(
                "broken-anchor",
                "README.md",
                5,
                Some("ops/deploy.md#rol-back")
            ),
            want(
                "broken-link",
                "README.md",
                7,
                Some("https://github.com/org/repo/tree/main/nowhere")
            ),
            want("empty-link", "README.md", 9, Some("")),
            want("broken-link", "README.md", 9, Some("k8s.devstats.cncf.io/")),
            want("broken-link", "README.md", 9, Some("../outside.md")),
            want("broken-link", "README.md", 11, Some("./ops/also-gone.md")),
            want("broken-link", "README.md", 11, Some("ops/gone.md")),
            want("broken-anchor", "README.md", 11, Some("empty/#x")),
            want("unreadable-page", "bad.md", 1, None),
            want("invalid-front-matter", "fm.md", 2, None),
        ],
        "{:#?}",
        a.findings
    );
    let msg = |target: &str| {
        a.findings
            .iter()
            .find(|f| f.target.as_deref() == Some(target))
            .unwrap()
            .message
            .clone()
    };
    assert!(msg("ops/deploy.md#rol-back").contains("did you mean #roll-back?"));
    assert!(msg("ops/deploy.md#Roll-Back").contains("write #roll-back"));
    assert!(msg("k8s.devstats.cncf.io/").contains("URL without a scheme"));
    assert!(msg("../outside.md").contains("leaves the repository"));
    assert!(msg("empty/#x").contains("folder without README.md or index.md"));
    assert!(
        a.findings
            .iter()
            .find(|f| f.rule == "unreadable-page")
            .unwrap()
            .message
            .contains("not UTF-8")
    );
    // README, guide, deploy and fm; bad.md is a finding; archive/ and the
    // gitignored page are left out.
    assert_eq!(a.pages, 4);
    assert_eq!(
        a.external_links.keys().collect::<Vec<_>>(),
        ["https://example.com/x", "mailto:ops@example.com"]
    );
    assert_eq!(a.count_at_least(Severity::Error), 8);
    assert_eq!(a.count_at_least(Severity::Warning), 12);

    // The case rule can be turned off.
    let quiet = audit(
        d.path(),
        &AuditOptions {
            anchor_case_warning: false,
            ..options
        },
    )
    .unwrap();
    assert!(quiet.findings.iter().all(|f| f.rule != "anchor-case"));
}

#[test]
fn a_missing_root_and_bad_globs_are_errors() {
    let e = audit(Path::new("/nonexistent/docs"), &AuditOptions::default()).unwrap_err();
    assert_eq!(e.kind(), opskit::ErrorKind::NotFound, "{e}");
    let d = tempfile::tempdir().unwrap();
    let e = audit(
        d.path(),
        &AuditOptions {
            exclude: vec!["a[".into()],
            ..AuditOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind(), opskit::ErrorKind::InvalidInput);
    assert!(e.message().contains("exclude glob \"a[\""), "{e}");
}

#[test]
fn a_docs_folder_inside_a_repository_links_to_the_rest_of_it() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    git2::Repository::init(r).unwrap();
    write(r, "README.md", "# Project\n\n## Install\n");
    write(r, "src/main.rs", "fn main() {}\n");
    write(
        r,
        "docs/guide.md",
        "[code](../src/main.rs#L1) [root](/src/main.rs) [install](../README.md#install) \
         [typo](../README.md#instal) [gone](../src/gone.rs) [out](../../elsewhere.md)\n",
    );
    let a = audit(&r.join("docs"), &links_only()).unwrap();
    let got: Vec<(&str, &str, &str)> = a
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.target.as_deref().unwrap(),
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "broken-anchor",
                "../README.md#instal",
                "#instal is not an anchor of README.md (did you mean #install?)"
            ),
            (
                "broken-link",
                "../src/gone.rs",
                "links to src/gone.rs, which does not exist"
            ),
            (
                "broken-link",
                "../../elsewhere.md",
                "../../elsewhere.md leaves the repository (or the audited folder outside git)"
            ),
        ]
    );
    assert_eq!(a.pages, 1, "only docs/ is audited");
    // site_root moves `/path` links; one that leaves the repository is refused.
    let e = audit(
        &r.join("docs"),
        &AuditOptions {
            site_root: Some("../..".into()),
            ..AuditOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.message().contains("site_root"), "{e}");
}

#[test]
fn required_documents_sections_and_secrets() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "sops/provisioning.md",
        "# Server provisioning SOP\n\n## Owner\n\n## Steps\n",
    );
    write(
        r,
        "guides/welcome.md",
        "# Developer onboarding\n\n## First day\n",
    );
    write(
        r,
        "runbooks/deploy.md",
        "# Deploy\n\n## Steps\n\n```sh\nexport AWS_ACCESS_KEY_ID=AKIAZ7Q3K5X2M4P6R3TW\n```\n",
    );
    write(
        r,
        "runbooks/restore.md",
        "# Restore\n\n## Rollback plan\n\nExample: AKIAZ7Q3K5X2M4P6R3TX <!-- opskit:allow -->\n",
    );
    let policy = r#"
required_metadata = []
entry_points = []

[[required]]
name = "server provisioning SOP"
path = "sops/provisioning*.md"
sections = ["Owner", "Rollback"]

[[required]]
name = "developer onboarding guide"
title = "developer onboarding"

[[required]]
name = "database migration SOP"
path = "sops/db-migration*.md"

[[required_sections]]
path = "runbooks/**"
headings = ["Rollback"]
"#;
    let a = audit(r, &AuditOptions::from_toml(policy).unwrap()).unwrap();
    let got: Vec<(&str, &str, u32, &str)> = a
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str(), f.line, f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "missing-section",
                "runbooks/deploy.md",
                1,
                "no \"Rollback\" heading, which every page at runbooks/** must have: add the section"
            ),
            (
                "secret",
                "runbooks/deploy.md",
                6,
                "this looks like a secret (aws-access-key-id: AKIA…(20 chars)): remove it and rotate it; mark a documented example with `opskit:allow` on its line, or list it in the policy's `secrets_allow`"
            ),
            (
                "missing-document",
                "sops/db-migration*.md",
                1,
                "the required database migration SOP is missing: no page at sops/db-migration*.md; write it"
            ),
            (
                "missing-section",
                "sops/provisioning.md",
                1,
                "no \"Rollback\" heading, which the server provisioning SOP must have: add the section"
            ),
        ],
        "{:#?}",
        a.findings
    );
    let json = serde_json::to_string(&a).unwrap();
    assert!(
        !json.contains("AKIAZ7Q3K5X2M4P6R3TW"),
        "the secret never leaves masked"
    );
    // Secrets can be turned off; a requirement needs a path or a title.
    let quiet = AuditOptions {
        secrets: false,
        ..AuditOptions::from_toml(policy).unwrap()
    };
    assert!(
        audit(r, &quiet)
            .unwrap()
            .findings
            .iter()
            .all(|f| f.rule != "secret")
    );
    let e = audit(
        r,
        &AuditOptions::from_toml("[[required]]\nname = \"x\"\n").unwrap(),
    )
    .unwrap_err();
    assert!(e.message().contains("neither path nor title"), "{e}");
}

#[test]
fn hostile_trees_give_findings_not_panics() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // Deep nesting: 100,000 block quotes on one line, 1,500 nested list items.
    write(
        r,
        "quotes.md",
        format!("{}deep [x](gone.md)\n", ">".repeat(100_000)),
    );
    let mut list = String::new();
    for i in 0..1_500 {
        list.push_str(&" ".repeat(i * 2));
        list.push_str("- item\n");
    }
    write(r, "lists.md", list);
    // Odd percent-encoding, and a link into a symlink loop.
    write(
        r,
        "odd.md",
        "[a](a%zz.md) [b](%E2%82.md) [c](loop/x.md) [d](%2e%2e/%2e%2e/x.md)\n",
    );
    std::os::unix::fs::symlink("loop", r.join("loop")).unwrap();
    // A dangling symlink page and a folder symlink back to the root.
    std::os::unix::fs::symlink("nowhere.md", r.join("dangling.md")).unwrap();
    std::os::unix::fs::symlink(".", r.join("again")).unwrap();
    // A page over the size limit (sparse: no 17 MiB written).
    let big = std::fs::File::create(r.join("big.md")).unwrap();
    big.set_len(opskit::docs::MAX_PAGE_BYTES + 1).unwrap();
    let started = std::time::Instant::now();
    let a = audit(r, &links_only()).unwrap();
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let got: Vec<(&str, &str, Option<&str>)> = a
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.path.as_str(), f.target.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("unreadable-page", "big.md", None),
            ("unreadable-page", "dangling.md", None),
            ("broken-link", "odd.md", Some("a%zz.md")),
            ("broken-link", "odd.md", Some("%E2%82.md")),
            ("broken-link", "odd.md", Some("loop/x.md")),
            ("broken-link", "odd.md", Some("%2e%2e/%2e%2e/x.md")),
            ("broken-link", "quotes.md", Some("gone.md")),
        ],
        "{:#?}",
        a.findings
    );
    assert!(
        a.findings[0]
            .message
            .contains("over the 16777216-byte limit")
    );
    assert!(
        a.findings[1].message.contains("cannot read dangling.md"),
        "{}",
        a.findings[1].message
    );
    assert!(a.findings[5].message.contains("leaves the repository"));
}

#[test]
fn suppressions_severity_overrides_and_counts() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "a.md",
        "# A\n\n[x](gone1.md) <!-- opskit-disable-line broken-link -->\n<!-- opskit-disable-next-line DOCS001 -->\n[y](gone2.md)\n[z](gone3.md) []()\n",
    );
    write(r, "b.md", "<!-- opskit-disable -->\n[w](gone4.md)\n");
    let policy = "required_metadata = []\nentry_points = []\n[severity]\nbroken-link = \"warning\"\nempty-link = \"off\"\n";
    let a = audit(r, &AuditOptions::from_toml(policy).unwrap()).unwrap();
    let got: Vec<(&str, u32, opskit::docs::Severity)> = a
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.line, f.severity))
        .collect();
    assert_eq!(got, [("a.md", 6, Severity::Warning)]);
    assert_eq!(a.suppressed, 3);
    assert_eq!(a.counts.get("broken-link"), Some(&1));
    assert_eq!(a.counts.len(), 1);
    let text = opskit::docs::to_text(&a);
    // The summary first: totals, one line per rule, what was hidden; then the findings.
    assert_eq!(
        text,
        "2 page(s), 5 link(s) (5 checked, 0 external not checked): 0 error(s), 1 warning(s), 0 note(s)\n  warning       1  broken-link\n  hidden: 0 by the baseline, 3 by suppression comments\n\na.md\n  6:1 warning[broken-link] links to gone3.md, which does not exist\n2 page(s), 5 link(s) (5 checked, 0 external not checked): 0 error(s), 1 warning(s), 0 note(s)\n",
    );
    for bad in [
        "[severity]\nbroken = \"error\"\n",
        "[severity]\nbroken-link = \"loud\"\n",
    ] {
        let e = audit(r, &AuditOptions::from_toml(bad).unwrap()).unwrap_err();
        assert!(e.message().starts_with("severity"), "{e}");
    }
}

#[test]
fn rules_are_looked_up_without_panicking() {
    use opskit::docs::{RULES, rule};
    for r in RULES {
        assert_eq!(rule(r.name).map(|x| x.id), Some(r.id));
    }
    assert!(rule("no-such-rule").is_none());
    // A tree that trips many rules: none of them is outside the catalogue.
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(
        p.join("README.md"),
        "# Home\n\n[a](gone.md) [b](#nowhere) [c](Other.md)\n\npassword = hunter2hunter2\n",
    )
    .unwrap();
    std::fs::write(p.join("other.md"), "# Other\n").unwrap();
    std::fs::write(p.join("bad.md"), b"\xff\xfe").unwrap();
    let a = opskit::docs::audit(p, &Default::default()).unwrap();
    assert!(!a.findings.is_empty());
    assert!(
        a.findings.iter().all(|f| rule(&f.rule).is_some()),
        "{:?}",
        a.findings
    );
}

#[test]
fn baselines_hide_what_they_list_count_it_and_refuse_other_json() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "README.md", "# KB\n[a](gone.md)\n[b](gone2.md)\n");
    let options = AuditOptions {
        required_metadata: vec![],
        entry_points: vec![],
        ..Default::default()
    };
    let first = audit(r, &options).unwrap();
    let mut baseline = serde_json::to_value(&first).unwrap();
    // Accept one of the two findings: the other is new.
    baseline["findings"].as_array_mut().unwrap().truncate(1);
    write(
        r,
        "README.md",
        "# KB\n[a](gone.md)\n[b](gone2.md)\n[c](gone3.md)\n",
    );
    let mut again = audit(r, &options).unwrap();
    assert_eq!(
        opskit::docs::apply_baseline(&mut again, &baseline).unwrap(),
        1
    );
    assert_eq!(again.baselined, 1);
    assert_eq!(again.findings.len(), 2);
    assert!(
        opskit::docs::to_text(&again)
            .contains("hidden: 1 by the baseline, 0 by suppression comments"),
        "{}",
        opskit::docs::to_text(&again)
    );
    // A list of fingerprints works too.
    let mut once_more = audit(r, &options).unwrap();
    let fingerprints = serde_json::json!([first.findings[1].fingerprint]);
    assert_eq!(
        opskit::docs::apply_baseline(&mut once_more, &fingerprints).unwrap(),
        1
    );
    // What is not a baseline is refused, saying what it is.
    let sarif = opskit::docs::to_sarif(&first);
    for (bad, says) in [
        (sarif, "SARIF log"),
        (serde_json::json!({"foo": 1}), "not an opskit docs report"),
        (
            serde_json::json!(["not a fingerprint"]),
            "item 0 is not a finding fingerprint",
        ),
        (serde_json::json!(3), "a list of fingerprints"),
    ] {
        let mut a = audit(r, &options).unwrap();
        let e = opskit::docs::apply_baseline(&mut a, &bad).unwrap_err();
        assert!(e.message().contains(says), "{e}");
        assert_eq!(a.findings.len(), 3, "nothing hidden");
    }
    // SARIF names no made-up home page.
    assert!(
        !opskit::docs::to_sarif(&first)
            .to_string()
            .contains("example.invalid")
    );
}

#[test]
fn every_policy_example_in_the_docs_parses() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/docs-audits.md"
    ))
    .unwrap();
    let blocks: Vec<&str> = page
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2);
    for b in blocks {
        let o = AuditOptions::from_toml(b).unwrap_or_else(|e| panic!("{e}\n{b}"));
        assert_ne!(o, AuditOptions::default(), "{b}");
    }
    // The full example names every key a policy takes.
    let keys = serde_json::to_value(AuditOptions::default()).unwrap();
    for key in keys.as_object().unwrap().keys() {
        assert!(
            page.contains(&format!("\n{key} = ")) || page.contains(&format!("[{key}]")),
            "the docs' policy example lacks {key}"
        );
    }
}

/// Every page the audit reads, by the broken link each one holds.
fn audited(root: &Path) -> Vec<String> {
    let a = audit(root, &links_only()).unwrap();
    let mut pages: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule == "broken-link")
        .map(|f| f.path.clone())
        .collect();
    pages.dedup();
    pages
}

#[test]
fn the_walk_leaves_out_what_git_ignores_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let git = |dir: &Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    git(r, &["init", "-q"]);
    write(
        r,
        ".gitignore",
        "# a comment\n\
         build/\n\
         /top.md\n\
         *.draft.md\n\
         !keep.draft.md\n\
         docs/*.tmp.md\n\
         **/generated/**\n\
         \\#hash.md\n\
         trailing.md   \n\
         vendor\n\
         !vendor/back.md\n",
    );
    write(r, "docs/.gitignore", "!a.draft.md\nlocal.md\n/anchored/\n");
    write(r, "docs/deep/.gitignore", "!local.md\n");
    let pages = [
        "README.md",
        "top.md",
        "docs/top.md",
        "build/x.md",
        "docs/build/y.md",
        "a.draft.md",
        "keep.draft.md",
        "docs/a.draft.md",
        "docs/b.draft.md",
        "docs/c.tmp.md",
        "docs/sub/c.tmp.md",
        "x/generated/z.md",
        "#hash.md",
        "trailing.md",
        "vendor/back.md",
        "docs/local.md",
        "docs/deep/local.md",
        "docs/anchored/q.md",
        "docs/deep/anchored/q.md",
        "anchored/q.md",
    ];
    for p in pages {
        write(r, p, "[x](missing.md)\n");
    }
    let mut by_git: Vec<String> = git(r, &["ls-files", "-o", "--exclude-standard"])
        .lines()
        .filter(|l| l.ends_with(".md"))
        .map(String::from)
        .collect();
    by_git.sort();
    let mut ours = audited(r);
    ours.sort();
    assert_eq!(ours, by_git);
    // What git ignores here, checked by hand so the comparison cannot pass
    // on two empty lists.
    for gone in [
        "top.md",
        "build/x.md",
        "docs/b.draft.md",
        "x/generated/z.md",
        "vendor/back.md",
        "docs/local.md",
        "trailing.md",
        "#hash.md",
    ] {
        assert!(!ours.iter().any(|p| p == gone), "{gone} audited");
    }
    for kept in [
        "docs/top.md",
        "keep.draft.md",
        "docs/a.draft.md",
        "docs/deep/local.md",
        "docs/sub/c.tmp.md",
    ] {
        assert!(ours.iter().any(|p| p == kept), "{kept} left out");
    }

    // Audited from a folder inside the repository: the .gitignore files
    // above it still apply, as git applies them.
    let mut inside: Vec<String> = audited(&r.join("docs"))
        .into_iter()
        .map(|p| format!("docs/{p}"))
        .collect();
    inside.sort();
    let from_git: Vec<String> = by_git
        .iter()
        .filter(|p| p.starts_with("docs/"))
        .cloned()
        .collect();
    assert_eq!(inside, from_git);

    // Outside a repository git reads no .gitignore, and neither does the audit.
    std::fs::remove_dir_all(r.join(".git")).unwrap();
    assert_eq!(audited(r).len(), pages.len());
}

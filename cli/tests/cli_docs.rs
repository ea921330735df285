//! `opskit docs audit` as a user runs it: formats, exit codes, baselines, policies.

use std::path::Path;
use std::process::{Command, Output};

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

#[test]
fn audit_formats_exit_codes_and_baselines() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join("docs/ops")).unwrap();
    std::fs::write(
        p.join("docs/README.md"),
        "# Docs\n\nSee [deploy](ops/deploy.md#rollback) and [gone](ops/gone.md).\n",
    )
    .unwrap();
    std::fs::write(p.join("docs/ops/deploy.md"), "# Deploy\n\n## Rollback\n").unwrap();
    // By default every page needs an owner and a review date: warnings,
    // which fail the run only with --fail-on warning.
    let o = opskit(p, &["docs", "audit", "docs", "--fail-on", "none"]);
    assert_eq!(
        stdout(&o).matches("warning[missing-metadata]").count(),
        4,
        "{}",
        stdout(&o)
    );
    // The link rules alone, from here on.
    std::fs::write(p.join("links.toml"), "required_metadata = []\n").unwrap();
    let links = ["--policy", "links.toml"];
    let audit = |extra: &[&str]| {
        let mut args = vec!["docs", "audit", "docs"];
        args.extend(links);
        args.extend(extra);
        opskit(p, &args)
    };

    let o = audit(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "2 page(s), 2 link(s) (2 checked, 0 external not checked): 1 error(s), 0 warning(s), 0 note(s)\n\
         \x20 error         1  broken-link\n\
         \n\
         README.md\n  3:42 error[broken-link] links to ops/gone.md, which does not exist\n\
         2 page(s), 2 link(s) (2 checked, 0 external not checked): 1 error(s), 0 warning(s), 0 note(s)\n"
    );

    let o = audit(&["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "DOCS001");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 3, "startColumn": 42})
    );

    // Accept today's findings: a baseline from the JSON report.
    let o = audit(&["--format", "json"]);
    std::fs::write(p.join("baseline.json"), &o.stdout).unwrap();
    let o = audit(&["--baseline", "baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A new broken link still fails, though the line of the old one moved.
    std::fs::write(
        p.join("docs/README.md"),
        "# Docs\n\nIntro.\n\nSee [deploy](ops/deploy.md#rolback) and [gone](ops/gone.md).\n",
    )
    .unwrap();
    let o = audit(&["--baseline", "baseline.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("hidden: 1 by the baseline, 0 by suppression comments\n\nREADME.md\n  5:5 error[broken-anchor] #rolback is not an anchor of ops/deploy.md (did you mean #rollback?)\n"), "{}", stdout(&o));
    assert_eq!(
        opskit(p, &["docs", "audit", "docs", "--fail-on", "none"])
            .status
            .code(),
        Some(0)
    );

    // Policies: excludes apply; unknown keys are errors (exit 2).
    std::fs::write(
        p.join("p.toml"),
        "exclude = [\"README.md\"]\nrequired_metadata = []\n",
    )
    .unwrap();
    let o = opskit(p, &["docs", "audit", "docs", "--policy", "p.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    std::fs::write(p.join("bad.toml"), "colour = 1\n").unwrap();
    let o = opskit(p, &["docs", "audit", "docs", "--policy", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown field `colour`"));
}

#[test]
fn report_has_a_docs_section_that_fails_the_run_on_a_broken_link() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join("docs")).unwrap();
    std::fs::write(p.join("docs/README.md"), "# Docs\n\n[ok](README.md#docs)\n").unwrap();
    let o = opskit(p, &["report", "--docs-policy", "/dev/null"]);
    let out = stdout(&o);
    assert!(
        out.contains("== docs: ./docs (1 page(s), 0 error(s), 2 warning(s))\n"),
        "{out}"
    );
    assert!(
        out.contains("README.md:1:1: warning[missing-metadata] no owner"),
        "{out}"
    );
    std::fs::write(p.join("docs/README.md"), "# Docs\n\n[gone](gone.md)\n").unwrap();
    let o = opskit(p, &["report", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> = v["docs"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"broken-link"), "{rules:?}");
}

/// A server on 127.0.0.1 answering 200 to `/ok` and 404 to the rest.
fn link_server() -> String {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            r.read_line(&mut first).unwrap();
            let mut h = String::new();
            while r.read_line(&mut h).unwrap_or(0) > 0 && h.trim() != "" {
                h.clear();
            }
            let status = if first.contains(" /ok ") {
                "200 OK"
            } else {
                "404 Not Found"
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    base
}

#[test]
fn check_external_asks_the_network_only_when_told() {
    let base = link_server();
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(
        p.join("README.md"),
        format!("# KB\n\n[ok]({base}/ok) and [gone]({base}/gone)\n"),
    )
    .unwrap();
    std::fs::write(
        p.join("policy.toml"),
        "required_metadata = []\n[external]\ntimeout_seconds = 2\nper_host_delay_seconds = 0\n",
    )
    .unwrap();
    let o = opskit(p, &["docs", "audit", "--policy", "policy.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).ends_with(
            "(0 checked, 2 external not checked): 0 error(s), 0 warning(s), 0 note(s)\n"
        )
    );
    // A dead external link is a warning: a flaky site should not fail CI by default.
    let args = [
        "docs",
        "audit",
        "--policy",
        "policy.toml",
        "--check-external",
    ];
    assert_eq!(opskit(p, &args).status.code(), Some(0));
    let o = opskit(p, &[&args[..], &["--fail-on", "warning"]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let col = "[ok](".len() + base.len() + "/ok) and ".len() + 1;
    assert_eq!(
        stdout(&o),
        format!(
            "{totals}\n\
             \x20 warning       1  broken-external-link\n\
             \n\
             README.md\n  3:{col} warning[broken-external-link] {base}/gone answered HTTP 404\n\
             {totals}\n",
            totals = "1 page(s), 2 link(s) (0 checked, 2 external, 2 URL(s) checked): 0 error(s), 1 warning(s), 0 note(s)"
        )
    );
}

#[test]
fn rules_severities_and_policy_keys_are_chosen_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("README.md"), "# KB\n\n[a](gone.md) [b](#Kb)\n").unwrap();
    std::fs::write(p.join("lonely.md"), "# Lonely\n").unwrap();
    let all = stdout(&opskit(p, &["docs", "audit", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&all).unwrap();
    for rule in [
        "broken-link",
        "anchor-case",
        "missing-metadata",
        "orphan-page",
    ] {
        assert!(v["counts"][rule].as_u64().unwrap_or(0) > 0, "{rule}: {all}");
    }
    // The summary comes first: totals, then one line per rule, worst first.
    let text = stdout(&opskit(p, &["docs", "audit"]));
    let head: Vec<&str> = text.lines().take(5).collect();
    assert!(head[0].starts_with("2 page(s), 2 link(s)"), "{text}");
    assert!(
        head[1].trim_start().starts_with("error") && head[1].ends_with("broken-link"),
        "{text}"
    );
    assert!(head[2].contains("missing-metadata"), "{text}");
    // Only some rules, some rules skipped, a severity floor.
    let only = stdout(&opskit(
        p,
        &["docs", "audit", "--rule", "broken-link", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&only).unwrap();
    assert_eq!(v["counts"], serde_json::json!({"broken-link": 1}), "{only}");
    let skipped = stdout(&opskit(
        p,
        &[
            "docs",
            "audit",
            "--skip-rule",
            "missing-metadata",
            "--skip-rule",
            "DOCS013",
            "--min-severity",
            "warning",
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&skipped).unwrap();
    assert_eq!(
        v["counts"],
        serde_json::json!({"broken-link": 1, "anchor-case": 1}),
        "{skipped}"
    );
    let o = opskit(p, &["docs", "audit", "--rule", "broken-links"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("rules: no rule \"broken-links\"; the rules are broken-link")
    );
    // --help names every key a policy takes.
    let help = stdout(&opskit(p, &["docs", "audit", "--help"]));
    let keys = serde_json::to_value(opskit::docs::AuditOptions::default()).unwrap();
    for key in keys.as_object().unwrap().keys() {
        assert!(
            help.contains(key.as_str()),
            "--help lacks the policy key {key}:\n{help}"
        );
    }
    // A SARIF log given as a baseline is refused, not silently ignored.
    let sarif = opskit(p, &["docs", "audit", "--format", "sarif"]);
    std::fs::write(p.join("b.sarif"), &sarif.stdout).unwrap();
    let o = opskit(p, &["docs", "audit", "--baseline", "b.sarif"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("b.sarif: the baseline is a SARIF log"));
}

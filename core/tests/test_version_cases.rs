//! The cross-language cases in tests/cases/version.json, run against the Rust
//! API; the Python, Node and C tests run the same file.

use opskit::version as v;
use serde_json::{Value, json};

mod common;
use common::subset;

fn s<'a>(args: &'a Value, key: &str) -> &'a str {
    args[key]
        .as_str()
        .unwrap_or_else(|| panic!("case argument {key} is a string"))
}

/// The case's `scheme` argument, if it has one (read by core, as every binding does).
fn scheme(args: &Value) -> opskit::Result<Option<v::Scheme>> {
    args["scheme"].as_str().map(str::parse).transpose()
}

fn call(name: &str, args: &Value) -> opskit::Result<Value> {
    Ok(match name {
        "bump" => {
            let level: v::BumpLevel = s(args, "level").parse()?;
            let (version, channel) = (s(args, "version"), args["channel"].as_str());
            json!(v::bump_in(version, level, channel, scheme(args)?)?.to_string())
        }
        "compare" => json!(v::compare_in(s(args, "a"), s(args, "b"), scheme(args)?)? as i32),
        "satisfies" => json!(v::satisfies(s(args, "version"), s(args, "range"))?),
        "sort_versions" => {
            let list: Vec<String> = serde_json::from_value(args["versions"].clone()).expect("list");
            json!(
                v::sort_versions_in(&list, scheme(args)?)?
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
            )
        }
        "parse_version" => json!(v::VersionParts::from(&v::parse_version_in(
            s(args, "version"),
            scheme(args)?
        )?)),
        "parse_commit_message" => json!(v::parse_commit_message(s(args, "message"))),
        "check_branch" => {
            let policy = match &args["allowed"] {
                Value::Null => v::BranchPolicy::default(),
                list => v::BranchPolicy {
                    allowed: serde_json::from_value(list.clone()).expect("globs"),
                },
            };
            json!(v::check_branch(s(args, "name"), &policy)?)
        }
        other => panic!("unknown call {other} in the shared cases"),
    })
}

#[test]
fn version_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/version.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    for case in cases {
        let got = call(case["call"].as_str().unwrap(), &case["args"]);
        match (&case["error"], got) {
            (Value::String(code), Err(e)) => assert_eq!(e.kind().js_code(), code, "{case}"),
            (Value::String(_), Ok(v)) => panic!("{case}: expected an error, got {v}"),
            (_, Ok(v)) => assert_eq!(v, case["result"], "{case}"),
            (_, Err(e)) => panic!("{case}: unexpected error {e}"),
        }
    }
}

/// Every case of every shared case file has a name of its own, so a
/// failure names the case in each language's report.
#[test]
fn every_shared_case_has_a_unique_name() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        files += 1;
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (list, cases) in file.as_object().unwrap() {
            let Some(cases) = cases.as_array() else {
                continue;
            };
            let mut seen = std::collections::HashSet::new();
            for case in cases {
                let name = case["name"].as_str().unwrap_or_default();
                assert!(
                    !name.trim().is_empty(),
                    "{}: {list}: a case without a name: {case}",
                    path.display()
                );
                assert!(
                    seen.insert(name),
                    "{}: {list}: two cases named {name:?}",
                    path.display()
                );
            }
        }
    }
    assert!(files >= 5, "{files} case files");
}

/// Build the repository of a `history` case with the `git` CLI, as every
/// language's harness does: fixed identity, dates an hour apart.
fn build_repo(dir: &std::path::Path, steps: &Value) {
    let git = |args: &[&str], n: u64| {
        let date = format!("@{} +0000", 1_767_225_600 + n * 3600);
        let out = std::process::Command::new("git")
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test Author")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q", "-b", "main"], 0);
    let mut n = 0;
    for step in steps.as_array().expect("steps") {
        let step: Vec<&str> = step
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        n += 1;
        match step[..] {
            ["commit", msg, ref rest @ ..] => {
                let file = rest.first().copied().unwrap_or("file.txt");
                let path = dir.join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, format!("change {n}\n")).unwrap();
                let msg = if msg.contains("{HEAD}") {
                    msg.replace("{HEAD}", git(&["rev-parse", "HEAD"], n).trim())
                } else {
                    msg.to_string()
                };
                git(&["add", file], n);
                git(&["commit", "-q", "--cleanup=verbatim", "-m", &msg], n);
            }
            ["tag", name] => drop(git(&["tag", name], n)),
            ["branch", name] => drop(git(&["branch", name], n)),
            ["checkout", name] => drop(git(&["checkout", "-q", name], n)),
            ["merge", name] => {
                let msg = format!("Merge branch '{name}'");
                git(&["merge", "-q", "--no-ff", "-m", &msg, name], n);
            }
            _ => panic!("unknown step {step:?}"),
        }
    }
}

fn options<T: serde::de::DeserializeOwned>(args: &Value) -> T {
    serde_json::from_value(args["options"].clone()).expect("case options")
}

fn call_history(dir: &std::path::Path, name: &str, args: &Value) -> opskit::Result<Value> {
    Ok(match name {
        "next_version" => json!(v::next_version(dir, &options(args))?),
        "current_release" => json!(v::current_release(dir, &options(args))?),
        "rollback_target" => json!(v::rollback_target(
            dir,
            args["of"].as_str(),
            &options(args)
        )?),
        "changelog" => json!(v::changelog(dir, &options(args))?),
        other => panic!("unknown history call {other}"),
    })
}

#[test]
fn version_history_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/version.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = file["history"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        build_repo(dir.path(), &case["repo"]);
        let got = call_history(dir.path(), case["call"].as_str().unwrap(), &case["args"]);
        let name = &case["name"];
        match (&case["error"], got) {
            (Value::String(code), Err(e)) => assert_eq!(e.kind().js_code(), code, "{name}"),
            (Value::String(_), Ok(v)) => panic!("{name}: expected an error, got {v}"),
            (_, Ok(v)) => assert!(subset(&v, &case["result"]), "{name}: got {v:#}"),
            (_, Err(e)) => panic!("{name}: unexpected error {e}"),
        }
    }
}

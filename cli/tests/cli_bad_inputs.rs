//! The hostile-input matrix (tests/cases/bad_inputs.json) through the
//! `opskit` binary, for the calls that have a verb. Options become flags
//! (or a policy file where the verb reads one, as a user would write it).
//! An expected error is exit 2 with its code in brackets on stderr (a
//! usage error from the argument parser counts as invalid input); a result
//! is exit 0 (or 1, findings) with JSON on stdout. Nothing may crash or run
//! past its deadline.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "../../tests/cases/matrix.rs"]
mod matrix;
use matrix::{Servers, build_fixture, expand, subset};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_opskit")
}

fn kebab(k: &str) -> String {
    format!("--{}", k.replace('_', "-"))
}

/// Options as flags: scalars as `--key value`, `true` as `--key`, lists as
/// one flag per item; `rename` maps option names to the verb's flag names.
/// `None`: the options cannot be said with this verb's flags.
fn flags(options: &Value, rename: &[(&str, &str)]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for (k, v) in options.as_object()? {
        let flag = rename
            .iter()
            .find(|(from, _)| from == k)
            .map_or_else(|| kebab(k), |(_, to)| to.to_string());
        match v {
            Value::Bool(true) => out.push(flag),
            Value::String(s) => out.extend([flag, s.clone()]),
            Value::Number(n) => out.extend([flag, n.to_string()]),
            Value::Array(items) => {
                for i in items {
                    out.extend([flag.clone(), i.as_str()?.to_string()]);
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A TOML policy file of `options` (scalars, lists and one level of
/// tables), written as a person would; numbers are copied as written.
fn toml_policy(options: &Value) -> String {
    fn scalar(v: &Value) -> String {
        match v {
            Value::Array(a) => format!("[{}]", a.iter().map(scalar).collect::<Vec<_>>().join(", ")),
            other => other.to_string(),
        }
    }
    let mut top = String::new();
    let mut tables = String::new();
    for (k, v) in options.as_object().unwrap() {
        if let Value::Object(t) = v {
            tables.push_str(&format!("[{k}]\n"));
            for (k2, v2) in t {
                tables.push_str(&format!("{k2} = {}\n", scalar(v2)));
            }
        } else {
            top.push_str(&format!("{k} = {}\n", scalar(v)));
        }
    }
    top + &tables
}

/// The argv of a case, or `None` when its call has no verb or its input
/// cannot be said on a command line.
fn argv(call: &str, a: &Value, scratch: &Path) -> Option<Vec<String>> {
    let s = |k: &str| a[k].as_str().map(str::to_string);
    let write = |name: &str, text: &str| {
        let p = scratch.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let mut v: Vec<String> = match call {
        "bump" => {
            let mut v = vec!["version".into(), "bump".into(), s("version")?, s("level")?];
            if let Some(c) = s("channel") {
                v.extend(["--channel".into(), c]);
            }
            v
        }
        "next_version" | "changelog" => {
            let verb = if call == "next_version" {
                "next"
            } else {
                "changelog"
            };
            let mut v = vec!["version".into(), verb.into(), "--path".into(), s("path")?];
            v.extend(flags(&a["options"], &[("paths", "--include-path")])?);
            v
        }
        "check_branch" => {
            let mut v = vec!["version".into(), "check-branch".into(), s("name")?];
            v.extend(flags(&a["options"], &[("allowed", "--allow")])?);
            v
        }
        "build_manifest" => {
            let mut v = vec!["backup".into(), "manifest".into(), s("path")?];
            v.extend(flags(&a["options"], &[])?);
            v
        }
        "read_manifest" => vec!["backup".into(), "checksums".into(), s("path")?],
        "verify_tree" => {
            let mut v = vec!["backup".into(), "verify".into(), s("manifest")?, s("path")?];
            v.extend(flags(&a["options"], &[])?);
            v
        }
        "plan_retention" => {
            if !a["now"].is_null() {
                return None;
            }
            vec![
                "backup".into(),
                "retention".into(),
                write("snapshots.json", &a["snapshots"].to_string()),
                "--policy".into(),
                write("policy.json", &a["policy"].to_string()),
            ]
        }
        "validate_bag" => {
            let mut v = vec!["backup".into(), "validate-bag".into(), s("path")?];
            v.extend(flags(&a["options"], &[])?);
            v
        }
        "parse_policy" => {
            let text = s("text")?;
            let p = write("health.toml", &text);
            vec![
                "health".into(),
                "rules".into(),
                "--policy".into(),
                p,
                "--format".into(),
                "json".into(),
            ]
        }
        "audit" => {
            let p = write("docs.toml", &toml_policy(&a["options"]));
            vec![
                "docs".into(),
                "audit".into(),
                s("path")?,
                "--policy".into(),
                p,
                "--format".into(),
                "json".into(),
            ]
        }
        _ => return None,
    };
    if matches!(
        call,
        "bump"
            | "next_version"
            | "changelog"
            | "check_branch"
            | "build_manifest"
            | "verify_tree"
            | "plan_retention"
            | "validate_bag"
    ) {
        v.push("--json".into());
    }
    // Linux takes at most 128 KiB per argument: a huge one cannot be said.
    v.iter().all(|x| x.len() < 100_000).then_some(v)
}

#[test]
fn the_matrix_through_the_cli() {
    let matrix = matrix::load();
    let servers = Servers::start();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    build_fixture(root, &matrix["fixture"], &servers);
    let scratch = tempfile::tempdir().unwrap();

    let default_deadline = matrix["deadline_seconds"].as_f64().unwrap();
    let (mut ran, mut failures) = (0, Vec::new());
    for c in matrix["cases"].as_array().unwrap() {
        if c["fronts"]
            .as_array()
            .is_some_and(|f| !f.contains(&json!("cli")))
        {
            continue;
        }
        let args = expand(&c["args"], root, &servers);
        // `health rules` prints the policy's rules, not the policy: its
        // results are not compared, its errors are.
        let call = c["call"].as_str().unwrap();
        let Some(argv) = argv(call, &args, scratch.path()) else {
            continue;
        };
        ran += 1;
        let name = c["name"].as_str().unwrap();
        let deadline = c["deadline_seconds"].as_f64().unwrap_or(default_deadline);
        let started = Instant::now();
        let out = Command::new(bin()).args(&argv).output().unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        let verdict = if code.is_none() {
            Some(format!("killed by a signal: {stderr}"))
        } else if stderr.contains("panicked") {
            Some(format!("panicked: {stderr}"))
        } else if let Some(want) = c["error"].as_str() {
            let usage = stderr.starts_with("error: ") && want == "ERR_OPSKIT_INVALID_INPUT";
            (code != Some(2) || !(stderr.contains(&format!("[{want}]")) || usage))
                .then(|| format!("wanted exit 2 with [{want}], got {code:?}: {stderr}"))
        } else if !matches!(code, Some(0 | 1)) {
            Some(format!("exit {code:?}: {stderr}"))
        } else if let Some(want) = c.get("result").filter(|_| call != "parse_policy") {
            // The first JSON document (`backup manifest --json` prints the
            // manifest, then a summary).
            let got: Value = serde_json::Deserializer::from_slice(&out.stdout)
                .into_iter()
                .next()
                .and_then(Result::ok)
                .unwrap_or(Value::Null);
            (!subset(&got, want)).then(|| {
                format!(
                    "wanted {want}, got {}",
                    String::from_utf8_lossy(&out.stdout)
                        .chars()
                        .take(300)
                        .collect::<String>()
                )
            })
        } else {
            None
        };
        if let Some(v) = verdict {
            failures.push(format!(
                "{name} ({}): {v}",
                argv.join(" ").chars().take(200).collect::<String>()
            ));
        } else if took > Duration::from_secs_f64(deadline) {
            failures.push(format!(
                "{name}: took {took:?}, past its {deadline} s deadline"
            ));
        }
    }
    assert!(ran >= 40, "the CLI ran {ran} cases");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

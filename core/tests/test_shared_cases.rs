//! The cross-language cases in tests/cases/version.json, run against the Rust
//! API; the Python, Node and C tests run the same file.

use opskit::version as v;
use serde_json::{Value, json};

fn s<'a>(args: &'a Value, key: &str) -> &'a str {
    args[key]
        .as_str()
        .unwrap_or_else(|| panic!("case argument {key} is a string"))
}

fn call(name: &str, args: &Value) -> opskit::Result<Value> {
    Ok(match name {
        "bump" => {
            let version = v::parse_version(s(args, "version"))?;
            let level: v::BumpLevel = s(args, "level").parse()?;
            json!(v::bump(&version, level, args["channel"].as_str())?.to_string())
        }
        "compare" => json!(v::compare(s(args, "a"), s(args, "b"))? as i32),
        "satisfies" => json!(v::satisfies(s(args, "version"), s(args, "range"))?),
        "sort_versions" => {
            let list: Vec<String> = serde_json::from_value(args["versions"].clone()).expect("list");
            json!(
                v::sort_versions(&list)?
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
            )
        }
        "parse_version" => json!(v::VersionParts::from(&v::parse_version(s(
            args, "version"
        ))?)),
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
fn shared_cases() {
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

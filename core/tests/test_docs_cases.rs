//! The cross-language cases in tests/cases/docs.json, run against the Rust
//! API; the Python, Node and C tests run the same file.

use opskit::docs as d;
use serde_json::{Value, json};

mod common;
use common::subset;

fn call(case: &Value) -> opskit::Result<Value> {
    let args = &case["args"];
    Ok(match case["call"].as_str().unwrap() {
        "slugs" => {
            let mut s = d::Slugger::new();
            json!(
                args["headings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| s.slug(h.as_str().unwrap()))
                    .collect::<Vec<_>>()
            )
        }
        "scan_markdown" => json!(d::scan_markdown(
            args["path"].as_str().unwrap(),
            args["text"].as_str().unwrap()
        )),
        "scan_html" => json!(d::scan_html(
            args["path"].as_str().unwrap(),
            args["text"].as_str().unwrap()
        )),
        "audit" => {
            let dir = tempfile::tempdir().unwrap();
            for (rel, text) in args["files"].as_object().unwrap() {
                let p = dir.path().join(rel);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text.as_str().unwrap()).unwrap();
            }
            let o: d::AuditOptions = serde_json::from_value(args["options"].clone())
                .map_err(|e| opskit::Error::invalid(e.to_string()))?;
            json!(d::audit(dir.path(), &o)?)
        }
        other => panic!("unknown call {other}"),
    })
}

#[test]
fn docs_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/docs.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    for case in cases {
        let name = &case["name"];
        match (&case["error"], call(case)) {
            (Value::String(code), Err(e)) => assert_eq!(e.kind().js_code(), code, "{name}: {e}"),
            (Value::String(_), Ok(v)) => panic!("{name}: expected an error, got {v}"),
            (_, Ok(v)) => assert!(subset(&v, &case["result"]), "{name}: got {v:#}"),
            (_, Err(e)) => panic!("{name}: unexpected error {e}"),
        }
    }
}

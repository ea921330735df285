//! The cross-language cases in tests/cases/health.json, run against the Rust
//! API; the Python, Node and C tests run the same file.

use opskit::health as h;
use serde_json::{Value, json};

mod common;
use common::subset;

/// `patch` deep-merged into `base`: objects merge, anything else replaces.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn snapshot(fixture: &Value, patch: &Value) -> h::HostSnapshot {
    let mut s = fixture.clone();
    if !patch.is_null() {
        merge(&mut s, patch);
    }
    serde_json::from_value(s).expect("the fixture is a snapshot")
}

/// Arguments that may be invalid on purpose: an error of the core's kind.
fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> opskit::Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| opskit::Error::invalid(e.to_string()))
}

fn call(fixture: &Value, case: &Value) -> opskit::Result<Value> {
    let args = &case["args"];
    Ok(match case["call"].as_str().unwrap() {
        "evaluate" => {
            let rules = match &args["rules"] {
                Value::Null => h::default_rules(),
                r => parse(r)?,
            };
            let mut e = h::Evaluator::new(rules)?;
            let steps = args["steps"].as_array().unwrap();
            json!(
                steps
                    .iter()
                    .map(|st| e.evaluate(
                        &snapshot(fixture, &st["snapshot"]),
                        st["now"].as_f64().unwrap()
                    ))
                    .collect::<Vec<_>>()
            )
        }
        "health_json" => {
            let checks: Vec<h::CheckResult> = parse(&args["checks"])?;
            let (body, status) = h::health_json(
                &snapshot(fixture, &args["snapshot"]),
                &checks,
                args["draining"].as_bool().unwrap(),
            );
            json!({ "status": status, "body": body })
        }
        "exposition" => {
            let checks: Vec<h::CheckResult> = parse(&args["checks"])?;
            let f = h::Exposition::from_accept(args["accept"].as_str().unwrap());
            let names: h::Names = match args["names"].as_str() {
                Some(n) => n.parse()?,
                None => h::Names::Opskit,
            };
            json!(h::exposition_named(
                &snapshot(fixture, &args["snapshot"]),
                &checks,
                f,
                names
            ))
        }
        "availability" => {
            let samples: Vec<h::Sample> = parse(&args["samples"])?;
            let o: h::AvailabilityOptions = parse(&args["options"])?;
            json!(h::availability(&samples, &o)?)
        }
        "pagerduty" => {
            let o: h::PagerDutyOptions = parse(&args["options"])?;
            let host = args["host"].as_str().unwrap();
            let mut pd = h::PagerDuty::new();
            let mut out = Vec::new();
            for st in args["steps"].as_array().unwrap() {
                let checks: Vec<h::CheckResult> = parse(&st["checks"])?;
                let events = pd.events(&checks, host, st["time"].as_f64().unwrap(), &o)?;
                out.push(Value::Array(events.into_iter().map(|e| e.body).collect()));
            }
            Value::Array(out)
        }
        "parse_policy" => json!(h::Policy::from_toml(args["toml"].as_str().unwrap())?),
        "validate_event" => {
            h::validate_event(&args["body"])?;
            Value::Null
        }
        "prometheus_rules" => {
            let rules: Option<Vec<h::Rule>> = match &args["rules"] {
                Value::Null => None,
                r => Some(parse(r)?),
            };
            json!(h::prometheus_rules(
                rules.as_deref(),
                args["group"].as_str()
            )?)
        }
        other => panic!("unknown call {other}"),
    })
}

#[test]
fn health_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/health.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = &case["name"];
        match (&case["error"], call(&file["snapshot"], case)) {
            (Value::String(code), Err(e)) => assert_eq!(e.kind().js_code(), code, "{name}: {e}"),
            (Value::String(_), Ok(v)) => panic!("{name}: expected an error, got {v}"),
            (_, Ok(Value::String(text))) => {
                for want in case["contains"].as_array().unwrap() {
                    let want = want.as_str().unwrap();
                    assert!(text.contains(want), "{name}: no {want:?} in\n{text}");
                }
                for not in case["excludes"].as_array().into_iter().flatten() {
                    let not = not.as_str().unwrap();
                    assert!(!text.contains(not), "{name}: {not:?} in\n{text}");
                }
            }
            (_, Ok(v)) => assert!(subset(&v, &case["result"]), "{name}: got {v:#}"),
            (_, Err(e)) => panic!("{name}: unexpected error {e}"),
        }
    }
}

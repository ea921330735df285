//! The hostile-input matrix (tests/cases/bad_inputs.json) against the Rust
//! API; the Python, Node, C and CLI tests run the same file. Each case gets
//! its error kind or its result, within its deadline, with no panic.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use opskit::{backup as b, docs as d, health as h, version as v};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

#[path = "../../tests/cases/matrix.rs"]
mod matrix;
use matrix::{Servers, build_fixture, expand, subset};

/// Options as the bindings decode them: a bad shape is invalid input.
fn opts<T: DeserializeOwned>(v: &Value) -> opskit::Result<T> {
    let v = if v.is_null() { json!({}) } else { v.clone() };
    serde_json::from_value(v).map_err(|e| opskit::Error::invalid(e.to_string()))
}

fn str_of(v: &Value) -> &str {
    v.as_str().expect("a string argument")
}

fn to_json<T: serde::Serialize>(r: opskit::Result<T>) -> opskit::Result<Value> {
    r.map(|x| serde_json::to_value(x).unwrap())
}

fn call(name: &str, a: &Value) -> opskit::Result<Value> {
    let path = || PathBuf::from(str_of(&a["path"]));
    match name {
        "parse_version" => to_json(v::parse_version(str_of(&a["version"])).map(|v| v.to_string())),
        "bump" => {
            let level: v::BumpLevel = opts(&a["level"])?;
            let version = v::parse_version(str_of(&a["version"]))?;
            to_json(v::bump(&version, level, a["channel"].as_str()).map(|v| v.to_string()))
        }
        "satisfies" => to_json(v::satisfies(str_of(&a["version"]), str_of(&a["range"]))),
        "sort_versions" => {
            let list: Vec<String> = opts(&a["versions"])?;
            to_json(
                v::sort_versions(&list)
                    .map(|l| l.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
            )
        }
        "parse_commit_message" => to_json(Ok(v::parse_commit_message(str_of(&a["message"])))),
        "next_version" => to_json(v::next_version(&path(), &opts(&a["options"])?)),
        "changelog" => to_json(v::changelog(&path(), &opts(&a["options"])?)),
        "check_branch" => to_json(v::check_branch(str_of(&a["name"]), &opts(&a["options"])?)),
        "build_manifest" => to_json(b::build_manifest(&path(), &opts(&a["options"])?, None)),
        "read_manifest" => to_json(b::Manifest::read(&path())),
        "manifest_from_json" => to_json(b::Manifest::from_json(str_of(&a["text"]))),
        "verify_tree" => {
            let m = b::Manifest::read(Path::new(str_of(&a["manifest"])))?;
            to_json(b::verify_tree(&path(), &m, &opts(&a["options"])?, None))
        }
        "plan_retention" => {
            let snapshots = b::parse_snapshots(&a["snapshots"].to_string())?;
            to_json(b::plan_retention(
                &snapshots,
                &opts(&a["policy"])?,
                a["now"].as_str(),
            ))
        }
        "validate_bag" => to_json(b::validate_bag(&path(), &opts(&a["options"])?)),
        "parse_policy" => to_json(h::Policy::from_toml(str_of(&a["text"]))),
        "evaluate" => {
            let rules: Vec<h::Rule> = opts(&a["rules"])?;
            h::Evaluator::new(rules).map(|_| json!(null))
        }
        "run_probes" => {
            let probes: Vec<h::Probe> = opts(&a["probes"])?;
            let deadline = h::probe_deadline(a["deadline"].as_f64())?;
            to_json(h::run_probes(&probes, deadline))
        }
        "availability" => {
            let samples: Vec<h::Sample> = opts(&a["samples"])?;
            to_json(h::availability(&samples, &opts(&a["options"])?))
        }
        "validate_event" => h::validate_event(&a["event"]).map(|_| json!(null)),
        "audit" => to_json(d::audit(&path(), &opts(&a["options"])?)),
        "scan_markdown" => to_json(Ok(d::scan_markdown(str_of(&a["path"]), str_of(&a["text"])))),
        "scan_html" => to_json(Ok(d::scan_html(str_of(&a["path"]), str_of(&a["text"])))),
        "slugs" => {
            let headings: Vec<String> = opts(&a["headings"])?;
            to_json(Ok(d::github_slugs(&headings)))
        }
        other => panic!("the matrix names a call this runner does not know: {other}"),
    }
}

#[test]
fn every_case_gets_its_error_or_result_in_time() {
    let matrix = matrix::load();
    let servers = Servers::start();
    let dir = tempfile::tempdir().unwrap();
    build_fixture(dir.path(), &matrix["fixture"], &servers);
    let default_deadline = matrix["deadline_seconds"].as_f64().unwrap();
    let mut failures = Vec::new();
    let mut ran = 0;
    for c in matrix["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        if let Some(fronts) = c["fronts"].as_array()
            && !fronts.contains(&json!("rust"))
        {
            continue;
        }
        ran += 1;
        let args = expand(&c["args"], dir.path(), &servers);
        let deadline = c["deadline_seconds"].as_f64().unwrap_or(default_deadline);
        let started = Instant::now();
        let got = std::panic::catch_unwind(|| call(c["call"].as_str().unwrap(), &args));
        let took = started.elapsed();
        let verdict = match (&got, c.get("error"), c.get("result")) {
            (Err(_), _, _) => Some("panicked".to_string()),
            (Ok(Err(e)), Some(want), _) if e.kind().js_code() == want => None,
            (Ok(Err(e)), _, _) => Some(format!("error {}: {e}", e.kind().js_code())),
            (Ok(Ok(got)), Some(want), _) => {
                Some(format!("wanted {want}, got a result: {}", short(got)))
            }
            (Ok(Ok(got)), None, Some(want)) if !subset(got, want) => {
                Some(format!("wanted {want}, got {}", short(got)))
            }
            (Ok(Ok(_)), None, _) => None,
        };
        if let Some(v) = verdict {
            failures.push(format!("{name}: {v}"));
        } else if took > Duration::from_secs_f64(deadline) {
            failures.push(format!(
                "{name}: took {took:?}, past its {deadline} s deadline"
            ));
        }
    }
    assert!(ran > 90, "the matrix ran {ran} cases");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

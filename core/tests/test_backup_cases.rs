//! The cross-language cases in tests/cases/backup.json, run against the Rust
//! API; the Python, Node and C tests run the same file.

use std::path::Path;

use opskit::backup as b;
use serde_json::{Value, json};

mod common;
use common::subset;

fn write_tree(root: &Path, files: &Value) {
    for (rel, text) in files.as_object().expect("tree is an object") {
        let p = root.join(rel);
        match text {
            Value::Null => {
                let _ = std::fs::remove_file(&p);
            }
            t => {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, t.as_str().unwrap()).unwrap();
            }
        }
    }
}

/// Set the octal mode of each listed file (after `change`).
fn chmod_tree(root: &Path, modes: &Value) {
    use std::os::unix::fs::PermissionsExt;
    for (rel, mode) in modes.as_object().into_iter().flatten() {
        let bits = u32::from_str_radix(mode.as_str().unwrap(), 8).unwrap();
        std::fs::set_permissions(root.join(rel), std::fs::Permissions::from_mode(bits)).unwrap();
    }
}

fn options<T: serde::de::DeserializeOwned + Default>(v: &Value) -> T {
    if v.is_null() {
        T::default()
    } else {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("case options: {e}"))
    }
}

/// Options that may be invalid on purpose: an error of the core's kind.
fn try_options<T: serde::de::DeserializeOwned + Default>(v: &Value) -> opskit::Result<T> {
    if v.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(v.clone()).map_err(|e| opskit::Error::invalid(e.to_string()))
}

fn call(case: &Value) -> opskit::Result<Value> {
    let args = &case["args"];
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    std::fs::create_dir_all(&root).unwrap();
    if !case["tree"].is_null() {
        write_tree(&root, &case["tree"]);
    }
    let conformance = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    Ok(match case["call"].as_str().unwrap() {
        "build_manifest" => {
            let o: b::ManifestOptions = try_options(&args["options"])?;
            json!(b::build_manifest(&root, &o, None)?)
        }
        "verify_tree" => {
            let m = b::build_manifest(&root, &b::ManifestOptions::default(), None)?;
            write_tree(&root, &case["change"]);
            chmod_tree(&root, &case["chmod"]);
            let o: b::VerifyOptions = try_options(&args["options"])?;
            json!(b::verify_tree(&root, &m, &o, None)?)
        }
        "diff_manifests" => {
            let before = b::build_manifest(&root, &b::ManifestOptions::default(), None)?;
            write_tree(&root, &case["change"]);
            let after = b::build_manifest(&root, &b::ManifestOptions::default(), None)?;
            json!(b::diff_manifests(&before, &after)?)
        }
        "checksum_lines" => {
            let o: b::ManifestOptions = options(&args["options"]);
            let m = b::build_manifest(&root, &o, None)?;
            let f: b::ChecksumFormat = serde_json::from_value(args["format"].clone()).unwrap();
            json!(String::from_utf8(b::checksum_lines(&m, f)?).unwrap())
        }
        "manifest_from_json" => json!(b::Manifest::from_json(args["text"].as_str().unwrap())?),
        "sign_manifest" => {
            let m = b::Manifest::from_json(args["manifest"].as_str().unwrap())?;
            let alg: b::SignatureAlgorithm = args["algorithm"].as_str().unwrap().parse()?;
            let key = args["key"].as_str().unwrap().as_bytes();
            json!(b::sign_manifest(
                &m,
                alg,
                key,
                args["key_id"].as_str().unwrap()
            )?)
        }
        "check_signature" => {
            let m = b::Manifest::from_json(args["manifest"].as_str().unwrap())?;
            let sig = b::Signature::from_json(&args["signature"].to_string())?;
            b::check_signature(&m, &sig, args["key"].as_str().unwrap().as_bytes())?;
            Value::Null
        }
        "plan_retention" => {
            let snaps = b::parse_snapshots(&args["snapshots"].to_string())?;
            let policy: b::RetentionPolicy = try_options(&args["policy"])?;
            json!(b::plan_retention(&snaps, &policy, args["now"].as_str())?)
        }
        "make_bag" => {
            // Bag the tree in place, then validate what was written.
            let o: b::BagOptions = try_options(&args["options"])?;
            let made = b::make_bag(&root, &o)?;
            let validated = b::validate_bag(&root, &b::BagValidateOptions::default())?;
            json!({"made": made, "validated": validated})
        }
        "validate_bag" => {
            let bag = conformance.join(args["bag"].as_str().unwrap());
            json!(b::validate_bag(&bag, &options(&args["options"]))?)
        }
        other => panic!("unknown call {other}"),
    })
}

#[test]
fn backup_cases() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/backup.json");
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

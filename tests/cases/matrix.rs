//! The Rust side of tests/cases/bad_inputs.json, shared by the core and
//! CLI runners (each includes this file with `#[path]`): the servers, the
//! fixture, the argument markers and the subset comparison.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;

use serde_json::{Value, json};

/// The matrix, parsed.
pub fn load() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/cases/bad_inputs.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Does `got` contain `want` (every key given; arrays element by element)?
pub fn subset(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| subset(gv, wv))),
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(a, b)| subset(a, b))
        }
        _ => got == want,
    }
}

/// A port nobody listens on and a socket that listens but never accepts.
pub struct Servers {
    pub dead: String,
    pub stalled: String,
    _stalled: TcpListener,
}

impl Servers {
    pub fn start() -> Servers {
        let gone = TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = format!("http://127.0.0.1:{}/", gone.local_addr().unwrap().port());
        drop(gone);
        let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/", stalled.local_addr().unwrap().port());
        Servers {
            dead,
            stalled: url,
            _stalled: stalled,
        }
    }
}

pub fn build_fixture(root: &Path, f: &Value, s: &Servers) {
    let write = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    for (rel, text) in f["files"].as_object().unwrap() {
        let text = text.as_str().unwrap();
        let text = text
            .replace("{dead_url}", &s.dead)
            .replace("{stalled_url}", &s.stalled);
        write(rel, text.as_bytes());
    }
    for (rel, hex) in f["hex_files"].as_object().unwrap() {
        let hex = hex.as_str().unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        write(rel, &bytes);
    }
    for (rel, target) in f["symlinks"].as_object().unwrap() {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target.as_str().unwrap(), p).unwrap();
    }
    for dir in f["dirs"].as_array().unwrap() {
        std::fs::create_dir_all(root.join(dir.as_str().unwrap())).unwrap();
    }
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    for (i, c) in f["repo"].as_array().unwrap().iter().enumerate() {
        std::fs::write(repo.join(format!("f{i}.txt")), "x").unwrap();
        git(&repo, &["add", "-A"]);
        git(
            &repo,
            &["commit", "-q", "-m", c["message"].as_str().unwrap()],
        );
    }
}

pub fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

/// Expand the markers of an argument (see the file's `about`).
pub fn expand(v: &Value, root: &Path, s: &Servers) -> Value {
    match v {
        Value::Object(o) if o.contains_key("$path") => {
            json!(root.join(o["$path"].as_str().unwrap()).to_str().unwrap())
        }
        Value::Object(o) if o.contains_key("$repeat") => {
            json!(
                o["$repeat"]
                    .as_str()
                    .unwrap()
                    .repeat(o["times"].as_u64().unwrap() as usize)
            )
        }
        Value::Object(o) if o.contains_key("$repeat_value") => {
            let one = expand(&o["$repeat_value"], root, s);
            Value::Array(vec![one; o["times"].as_u64().unwrap() as usize])
        }
        Value::Object(o) if o.contains_key("$nest") => {
            let n = o["depth"].as_u64().unwrap() as usize;
            let inner = expand(&o["inner"], root, s);
            let (open, close) = (
                o["$nest"][0].as_str().unwrap(),
                o["$nest"][1].as_str().unwrap(),
            );
            json!(format!(
                "{}{}{}",
                open.repeat(n),
                inner.as_str().unwrap(),
                close.repeat(n)
            ))
        }
        Value::Object(o) if o.contains_key("$url") => {
            json!(if o["$url"] == "dead" {
                &s.dead
            } else {
                &s.stalled
            })
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), expand(x, root, s)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| expand(x, root, s)).collect()),
        other => other.clone(),
    }
}

//! Every file opskit reads stops at its cap while reading, and a device or
//! a FIFO given where a file is wanted is refused at once: run under a
//! virtual-memory limit (`ulimit -v`) and a deadline, as a user's cron job
//! would meet a link to `/dev/zero` or a FIFO nobody writes.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// 1 GiB of address space: far above what these runs need, far below what
/// reading /dev/zero without a cap would take.
const ULIMIT_V_KIB: u64 = 1 << 20;

fn opskit_limited(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {ULIMIT_V_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    // Collect the output on a thread (a full pipe must not stall the
    // child), and kill the child if it outlives the deadline.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(o) => o,
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("opskit {args:?} did not finish in 30 s (blocked on a FIFO?)");
        }
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mkfifo(p: &Path) {
    assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
}

#[test]
fn docs_pages_that_are_devices_fifos_or_over_the_cap_are_reported_not_read() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("README.md"), "# Home\n\nSee [zero](zero.md).\n").unwrap();
    std::os::unix::fs::symlink("/dev/zero", p.join("zero.md")).unwrap();
    mkfifo(&p.join("pipe.md"));
    // One byte over the 16 MiB page cap.
    let big = vec![b'a'; (opskit::limits::MAX_PAGE_BYTES + 1) as usize];
    std::fs::write(p.join("big.md"), &big).unwrap();
    // Exactly at the cap: audited.
    std::fs::write(p.join("full.md"), &big[1..]).unwrap();
    let o = opskit_limited(
        p,
        &[
            "docs",
            "audit",
            ".",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let unreadable: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unreadable-page")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |name: &str| {
        unreadable
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("{name} not reported: {unreadable:?}"))
    };
    assert!(
        find("zero.md").contains("a character device"),
        "{unreadable:?}"
    );
    assert!(find("pipe.md").contains("a FIFO"), "{unreadable:?}");
    assert!(
        find("big.md").contains("over the 16777216-byte limit"),
        "{unreadable:?}"
    );
    assert!(
        !unreadable.iter().any(|(p, _)| p == "full.md"),
        "{unreadable:?}"
    );
}

#[test]
fn every_input_file_refuses_dev_zero_and_fifos() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("tree")).unwrap();
    std::fs::write(p.join("tree/a"), "a").unwrap();
    std::fs::write(p.join("key"), "0123456789abcdef0123456789abcdef").unwrap();
    let o = opskit_limited(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = opskit_limited(p, &["backup", "sign", "m.json", "--key-file", "key"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::os::unix::fs::symlink("/dev/zero", p.join("zero")).unwrap();
    mkfifo(&p.join("fifo"));
    std::fs::create_dir(p.join("repo")).unwrap();
    assert!(
        Command::new("git")
            .args(["init", "-q", "repo"])
            .current_dir(p)
            .status()
            .unwrap()
            .success()
    );
    for bad in ["zero", "fifo"] {
        let calls: Vec<Vec<&str>> = vec![
            vec!["backup", "verify", bad, "tree"],
            vec!["backup", "diff", "m.json", bad],
            vec!["backup", "checksums", bad],
            vec!["backup", "manifest", "tree", "--previous", bad],
            vec!["backup", "retention", bad, "--keep-last", "1"],
            vec!["backup", "retention", "m.json", "--policy", bad],
            vec!["backup", "sign", "m.json", "--key-file", bad, "-o", "s.sig"],
            vec!["backup", "check-signature", "m.json", "--key-file", bad],
            vec![
                "backup",
                "check-signature",
                "m.json",
                "--key-file",
                "key",
                "--signature",
                bad,
            ],
            vec!["health", "check", "--policy", bad],
            vec!["docs", "audit", "tree", "--policy", bad],
            vec!["docs", "audit", "tree", "--baseline", bad],
            vec![
                "version",
                "release",
                "--path",
                "repo",
                "--policy",
                bad,
                "--dry-run",
            ],
        ];
        for args in calls {
            let o = opskit_limited(p, &args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
            let want = if bad == "zero" {
                "a character device"
            } else {
                "a FIFO"
            };
            assert!(text(&o).contains(want), "{args:?}: {}", text(&o));
        }
    }
}

/// A sparse file of `len` bytes (no disk, no memory).
fn sparse(p: &Path, len: u64) {
    std::fs::File::create(p).unwrap().set_len(len).unwrap();
}

#[test]
fn a_file_one_byte_over_each_cap_is_refused_without_reading_it() {
    use opskit::limits::*;
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("tree")).unwrap();
    std::fs::write(p.join("tree/a"), "a").unwrap();
    let o = opskit_limited(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::write(p.join("key"), "0123456789abcdef0123456789abcdef").unwrap();
    let cases: Vec<(&str, u64, Vec<&str>)> = vec![
        (
            "manifest",
            MAX_MANIFEST_BYTES,
            vec!["backup", "verify", "big", "tree"],
        ),
        (
            "snapshots",
            MAX_DATA_BYTES,
            vec!["backup", "retention", "big", "--keep-last", "1"],
        ),
        (
            "key",
            MAX_KEY_BYTES,
            vec!["backup", "check-signature", "m.json", "--key-file", "big"],
        ),
        (
            "signature",
            MAX_DATA_BYTES,
            vec![
                "backup",
                "check-signature",
                "m.json",
                "--key-file",
                "key",
                "--signature",
                "big",
            ],
        ),
        (
            "health policy",
            MAX_POLICY_BYTES as u64,
            vec!["health", "check", "--policy", "big"],
        ),
        (
            "docs policy",
            MAX_POLICY_BYTES as u64,
            vec!["docs", "audit", "tree", "--policy", "big"],
        ),
        (
            "baseline",
            MAX_DATA_BYTES,
            vec!["docs", "audit", "tree", "--baseline", "big"],
        ),
    ];
    for (what, cap, args) in cases {
        sparse(&p.join("big"), cap + 1);
        let o = opskit_limited(p, &args);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("over the {cap}-byte limit")),
            "{what}: {}",
            text(&o)
        );
        // At the cap it is read (and then judged on its content).
        sparse(&p.join("big"), cap);
        let o = opskit_limited(p, &args);
        assert!(
            !text(&o).contains("-byte limit"),
            "{what} at the cap: {}",
            text(&o)
        );
    }
}

#[test]
fn a_descriptor_handed_over_is_read_within_the_cap() {
    // `--policy /dev/stdin` and a shell's `<(…)` are pipes the caller holds
    // open: read (within the cap), unlike a named FIFO on disk.
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("README.md"), "# Home\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_opskit");
    for script in [
        format!(
            "printf 'exclude = []\\n' | '{bin}' docs audit . --policy /dev/stdin --format json"
        ),
        format!("'{bin}' docs audit . --policy <(printf 'exclude = []\\n') --format json"),
    ] {
        let o = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(p)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{script}: {}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["pages"], 1);
    }
    // Still capped: /dev/zero on stdin stops at the policy cap.
    let script = format!("'{bin}' docs audit . --policy /dev/stdin < /dev/zero");
    let o = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("-byte limit"), "{}", text(&o));
}

#[test]
fn a_toml_error_says_where_without_echoing_a_huge_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("tree")).unwrap();
    // One line of 1 MiB (the policy cap): the error names line and column.
    std::fs::write(
        p.join("big.toml"),
        vec![b'x'; opskit::limits::MAX_POLICY_BYTES],
    )
    .unwrap();
    std::fs::write(p.join("typo.toml"), "exclude = []\ncolour = 1\n").unwrap();
    for (policy, args) in [
        ("big.toml", vec!["health", "check", "--policy", "big.toml"]),
        (
            "big.toml",
            vec!["docs", "audit", "tree", "--policy", "big.toml"],
        ),
        (
            "typo.toml",
            vec!["docs", "audit", "tree", "--policy", "typo.toml"],
        ),
    ] {
        let o = opskit_limited(p, &args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.len() < 1000, "{policy}: a {}-byte error", err.len());
        if policy == "typo.toml" {
            assert!(
                err.contains("at line 2, column 1: unknown field `colour`"),
                "{err}"
            );
        } else {
            assert!(err.contains("at line 1, column "), "{err}");
        }
    }
}

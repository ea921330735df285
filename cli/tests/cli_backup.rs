//! `opskit backup …` run as a user would: files in, files out, exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn opskit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run opskit")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("tree");
    std::fs::create_dir_all(t.join("db")).unwrap();
    std::fs::write(t.join("db/orders.sql"), b"insert 1;\n").unwrap();
    std::fs::write(t.join("db/users.sql"), b"insert 2;\n").unwrap();
    d
}

#[test]
fn manifest_verify_diff_and_exit_codes() {
    let d = setup();
    let p = d.path();
    let o = opskit(
        p,
        &[
            "backup",
            "manifest",
            "tree",
            "-o",
            "m1.json",
            "--sha256",
            "--label",
            "database=orders",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("m1.json: 2 files, 1 dirs"), "{}", out(&o));
    let text = std::fs::read_to_string(p.join("m1.json")).unwrap();
    assert!(text.contains("\"database\":\"orders\"") && text.contains("\"sha256\""));
    let o = opskit(p, &["backup", "verify", "m1.json", "tree"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("exact match"));
    std::fs::write(p.join("tree/db/orders.sql"), b"insert 3;\n").unwrap();
    std::fs::write(p.join("tree/db/new.sql"), b"new").unwrap();
    let o = opskit(p, &["backup", "verify", "m1.json", "tree", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exact"], false);
    assert_eq!(v["counts"]["content"], 1);
    assert_eq!(v["counts"]["extra"], 1);
    let o = opskit(
        p,
        &[
            "backup",
            "manifest",
            "tree",
            "-o",
            "m2.json",
            "--sha256",
            "--previous",
            "m1.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = opskit(p, &["backup", "diff", "m1.json", "m2.json"]);
    assert!(
        out(&o).contains("+ db/new.sql") && out(&o).contains("M db/orders.sql"),
        "{}",
        out(&o)
    );
    let o = opskit(p, &["backup", "check-chain", "m1.json", "m2.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = opskit(p, &["backup", "check-chain", "m2.json", "m1.json"]);
    assert_eq!(o.status.code(), Some(1));
    // sha256sum lines accepted by sha256sum -c, run in the tree.
    let o = opskit(
        p,
        &["backup", "checksums", "m2.json", "--format", "sha256sum"],
    );
    std::fs::write(p.join("SUMS"), &o.stdout).unwrap();
    let ok = Command::new("sha256sum")
        .args(["-c", "../SUMS"])
        .current_dir(p.join("tree"))
        .status()
        .unwrap();
    assert!(ok.success());
    // A manifest to stdout is canonical JSON; a bad manifest is exit 2.
    let o = opskit(p, &["backup", "manifest", "tree"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("{\n  \"format\": \"opskit-manifest\""));
    std::fs::write(
        p.join("bad.json"),
        "{\"format\":\"opskit-manifest\",\"version\":9}",
    )
    .unwrap();
    let o = opskit(p, &["backup", "verify", "bad.json", "tree"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("newer"), "{}", out(&o));
}

#[test]
fn sign_check_bag_drill_and_retention() {
    let d = setup();
    let p = d.path();
    opskit(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    std::fs::write(p.join("hmac.key"), b"0123456789abcdef0123456789abcdef").unwrap();
    let o = opskit(p, &["backup", "sign", "m.json", "--key-file", "hmac.key"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(p.join("m.json.sig").exists());
    let o = opskit(
        p,
        &[
            "backup",
            "check-signature",
            "m.json",
            "--key-file",
            "hmac.key",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    std::fs::write(p.join("other.key"), b"another key, also long enough").unwrap();
    let o = opskit(
        p,
        &[
            "backup",
            "check-signature",
            "m.json",
            "--key-file",
            "other.key",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("INVALID"));
    // Ed25519 with openssl keys.
    let keygen = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"])
        .current_dir(p)
        .status()
        .unwrap();
    assert!(keygen.success());
    let pubout = Command::new("openssl")
        .args(["pkey", "-in", "ed.pem", "-pubout", "-out", "ed.pub"])
        .current_dir(p)
        .status()
        .unwrap();
    assert!(pubout.success());
    assert_eq!(
        opskit(
            p,
            &[
                "backup",
                "sign",
                "m.json",
                "--key-file",
                "ed.pem",
                "--ed25519",
                "-o",
                "m.ed.sig"
            ]
        )
        .status
        .code(),
        Some(0)
    );
    let o = opskit(
        p,
        &[
            "backup",
            "check-signature",
            "m.json",
            "--key-file",
            "ed.pub",
            "--signature",
            "m.ed.sig",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // Drill.
    let o = opskit(
        p,
        &[
            "backup",
            "drill",
            "m.json",
            "tree",
            "--rto",
            "2h",
            "--restore-time",
            "20m",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("restore drill PASSED:"), "{}", out(&o));
    assert!(out(&o).contains("verified at"), "{}", out(&o));
    // Fast mode says so, in text and JSON: it proves sizes and mtimes only.
    let o = opskit(p, &["backup", "drill", "m.json", "tree", "--fast"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("restore drill PASSED (fast):"),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("matches by size and mtime"), "{}", out(&o));
    assert!(
        out(&o).contains("fast mode: 0 of 2 files hashed"),
        "{}",
        out(&o)
    );
    assert!(
        !out(&o).contains("exact match") && !out(&o).contains("MB/s"),
        "{}",
        out(&o)
    );
    let o = opskit(
        p,
        &["backup", "drill", "m.json", "tree", "--fast", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "fast");
    let o = opskit(
        p,
        &[
            "backup",
            "drill",
            "m.json",
            "tree",
            "--rto",
            "10m",
            "--restore-time",
            "20m",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    // Bag a copy, validate it, break it.
    let o = opskit(
        p,
        &[
            "backup",
            "bag",
            "tree",
            "--to",
            "bag",
            "--info",
            "Source-Organization=Ops",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        opskit(p, &["backup", "validate-bag", "bag"]).status.code(),
        Some(0)
    );
    std::fs::write(p.join("bag/data/extra"), b"x").unwrap();
    let o = opskit(p, &["backup", "validate-bag", "bag"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("not listed"), "{}", out(&o));
    // Retention from flags over restic-style JSON.
    std::fs::write(
        p.join("snaps.json"),
        r#"[{"id":"a","time":"2026-12-01T01:00:00Z"},{"id":"b","time":"2026-11-30T01:00:00Z"},{"id":"c","time":"2026-11-30T00:30:00Z"}]"#,
    )
    .unwrap();
    let retention = |args: &[&str]| opskit(p, &[&["backup", "retention"], args].concat());
    let o = retention(&["snaps.json", "--keep-daily", "7", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["keep"].as_array().unwrap().len(), 3, "{v}");
    let o = retention(&["snaps.json", "--keep-daily", "1"]);
    assert!(out(&o).contains("remove"), "{}", out(&o));
    // Two hosts: restic's grouping by host and paths, one plan each, said
    // per group; --group-by '' plans them together.
    std::fs::write(
        p.join("hosts.json"),
        r#"[{"id":"a","time":"2026-12-01T01:00:00Z","hostname":"db1","paths":["/srv"]},{"id":"b","time":"2026-11-30T01:00:00Z","hostname":"db1","paths":["/srv"]},{"id":"c","time":"2026-11-30T00:30:00Z","hostname":"web1","paths":["/srv"]}]"#,
    )
    .unwrap();
    let o = retention(&["hosts.json", "--keep-last", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("host db1, paths [/srv]: 1 to keep, 1 to remove"),
        "{text}"
    );
    assert!(
        text.contains("host web1, paths [/srv]: 1 to keep, 0 to remove"),
        "{text}"
    );
    assert!(text.contains("2 to keep, 1 to remove"), "{text}");
    let o = retention(&[
        "hosts.json",
        "--keep-last",
        "1",
        "--group-by",
        "",
        "--keep-within-daily",
        "1d",
    ]);
    assert!(
        out(&o).contains("all snapshots: 1 to keep, 2 to remove"),
        "{}",
        out(&o)
    );
    let o = retention(&["hosts.json", "--keep-last", "1", "--group-by", "user"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains(r#""user" is not a key"#), "{}", out(&o));
    let o = retention(&["snaps.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("keeps nothing"));
    // report gains a backup section.
    let o = opskit(p, &["report", "--manifest", "m.json", "--tree", "tree"]);
    assert!(out(&o).contains("== backup: m.json"), "{}", out(&o));
}

/// Run opskit as `nobody` (when this test runs as root), so the `-o` rules
/// are shown for a user who cannot replace what they do not own.
fn opskit_as_nobody(dir: &Path, args: &[&str]) -> Option<Output> {
    if !rustix_is_root() {
        return Some(opskit(dir, args));
    }
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
}

fn rustix_is_root() -> bool {
    // SAFETY-free: the effective uid through the `id` command, as a user would.
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

#[test]
fn output_paths_are_written_through_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let d = setup();
    let p = d.path();
    // `-o -`: the manifest on standard output, no file named "-".
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "-"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("\"format\": \"opskit-manifest\""),
        "{}",
        out(&o)
    );
    assert!(!p.join("-").exists());
    // A symlink to a regular file: the target gets the manifest, the link stays.
    std::fs::create_dir(p.join("real")).unwrap();
    std::fs::write(p.join("real/m.json"), "old").unwrap();
    std::os::unix::fs::symlink("real/m.json", p.join("m.json")).unwrap();
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        std::fs::symlink_metadata(p.join("m.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(p.join("real/m.json"))
            .unwrap()
            .contains("\"format\": \"opskit-manifest\"")
    );
    // The signature too, through a link, and `-o -`.
    std::fs::write(p.join("key"), "0123456789abcdef0123456789abcdef").unwrap();
    std::fs::write(p.join("real/m.sig"), "old").unwrap();
    std::os::unix::fs::symlink("real/m.sig", p.join("m.sig")).unwrap();
    let o = opskit(
        p,
        &[
            "backup",
            "sign",
            "m.json",
            "--key-file",
            "key",
            "-o",
            "m.sig",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        std::fs::symlink_metadata(p.join("m.sig"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(p.join("real/m.sig"))
            .unwrap()
            .contains("hmac-sha256")
    );
    let o = opskit(
        p,
        &["backup", "sign", "m.json", "--key-file", "key", "-o", "-"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("hmac-sha256"),
        "{}",
        out(&o)
    );
    assert!(!p.join("-").exists());
    // A FIFO: written to (a reader takes it), still a FIFO.
    let fifo = p.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "pipe"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        reader
            .join()
            .unwrap()
            .windows(16)
            .any(|w| w == b"opskit-manifest\"")
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // A character device: a null device of our own when root (mknod), a
    // link to /dev/null otherwise; written to, never replaced.
    let dev = p.join("null");
    if rustix_is_root() {
        assert!(
            Command::new("mknod")
                .args([dev.to_str().unwrap(), "c", "1", "3"])
                .status()
                .unwrap()
                .success()
        );
    } else {
        std::os::unix::fs::symlink("/dev/null", &dev).unwrap();
    }
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "null"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        std::fs::metadata(&dev)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // /dev/stdout: the manifest reaches standard output; the link stays.
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "/dev/stdout"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("\"format\": \"opskit-manifest\""),
        "{}",
        out(&o)
    );
    assert!(
        std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A folder and a socket: refused with a clear error, left as they are.
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "real"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains("it is a folder") && out(&o).contains("give a file path inside it"),
        "{}",
        out(&o)
    );
    assert!(p.join("real").is_dir());
    let sock = p.join("s.sock");
    let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "s.sock"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("a socket"), "{}", out(&o));
    assert!(
        std::fs::symlink_metadata(&sock)
            .unwrap()
            .file_type()
            .is_socket()
    );
    // As a user who is not root: the same rules, and the system's
    // /dev/null is written to (a rename over it would fail for them).
    let mine = p.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::os::unix::fs::symlink("/dev/null", mine.join("null")).unwrap();
    std::fs::create_dir(mine.join("t")).unwrap();
    std::fs::write(mine.join("t/a"), "a").unwrap();
    if rustix_is_root() {
        assert!(
            Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(&mine)
                .status()
                .unwrap()
                .success()
        );
        // tempdir is 0700 root: let nobody through to `mine`.
        let mut perm = std::fs::metadata(p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(p, perm).unwrap();
    }
    if let Some(o) = opskit_as_nobody(&mine, &["backup", "manifest", "t", "-o", "null"]) {
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert!(
            std::fs::symlink_metadata(mine.join("null"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let o = opskit_as_nobody(&mine, &["backup", "manifest", "t", "-o", "/dev/null"]).unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        let o = opskit_as_nobody(&mine, &["backup", "manifest", "t", "-o", "t"]).unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    }
}

#[test]
fn names_with_control_characters_or_bad_bytes_cannot_spoof_the_report() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = setup();
    let p = d.path();
    let evil = "evil\nexact match: 0 files";
    std::fs::write(p.join("tree").join(evil), "x").unwrap();
    std::fs::write(p.join("tree/cr\rname"), "x").unwrap();
    std::os::unix::fs::symlink(OsStr::from_bytes(b"caf\xe9"), p.join("tree/link")).unwrap();
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // Change the link's target to other bytes that print alike lossily,
    // and remove the evil file so it is reported missing.
    std::fs::remove_file(p.join("tree/link")).unwrap();
    std::os::unix::fs::symlink(OsStr::from_bytes(b"caf\xe8"), p.join("tree/link")).unwrap();
    std::fs::remove_file(p.join("tree").join(evil)).unwrap();
    std::fs::write(p.join("tree/cr\rname"), "changed").unwrap();
    let o = opskit(p, &["backup", "verify", "m.json", "tree"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(
        !text.lines().any(|l| l.starts_with("exact match")),
        "{text}"
    );
    assert!(!text.contains('\r'), "{text:?}");
    assert!(text.contains(r#""evil\nexact match: 0 files""#), "{text}");
    assert!(text.contains(r#""cr\rname""#), "{text}");
    assert!(
        text.contains(r#"(expected "caf\xe9", found "caf\xe8")"#),
        "{text}"
    );
    // JSON: the exact bytes of both targets.
    let o = opskit(p, &["backup", "verify", "m.json", "tree", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let t = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["problem"] == "target")
        .unwrap();
    assert_eq!(t["expected_bytes"], "636166e9");
    assert_eq!(t["found_bytes"], "636166e8");
    // diff: a non-UTF-8 name shows its bytes.
    std::fs::write(p.join("tree").join(OsStr::from_bytes(b"new\xff")), "n").unwrap();
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "m2.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = opskit(p, &["backup", "diff", "m.json", "m2.json"]);
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(text.contains(r#"+ "new\xff""#), "{text}");
    assert!(text.contains(r#"- "evil\nexact match: 0 files""#), "{text}");
    let o = opskit(p, &["backup", "diff", "m.json", "m2.json", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["added"][0]["path_bytes"], "6e6577ff");
}

/// Run a checker (`sha256sum -c` or `b3sum -c`) on `sums` inside `tree`.
fn check_sums(tool: &str, sums: &Path, tree: &Path) -> Output {
    Command::new(tool)
        .arg("-c")
        .arg(sums)
        .current_dir(tree)
        .output()
        .unwrap_or_else(|e| panic!("run {tool} (make rust-deps installs it): {e}"))
}

#[test]
fn checksum_lines_list_every_name_and_the_peers_check_them() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let t = p.join("tree");
    std::fs::create_dir(&t).unwrap();
    let names: Vec<&[u8]> = vec![
        b"plain.txt",
        b"lf\nname",
        b"cr\rname",
        b"back\\slash",
        b" leading space",
        b"caf\xe9",
        b"\\n literally",
    ];
    for (i, n) in names.iter().enumerate() {
        std::fs::write(t.join(OsStr::from_bytes(n)), format!("content {i}")).unwrap();
    }
    let o = opskit(
        p,
        &["backup", "manifest", "tree", "--sha256", "-o", "m.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = opskit(p, &["backup", "checksums", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        o.stdout.iter().filter(|&&b| b == b'\n').count(),
        names.len()
    );
    // GNU's own lines for the same tree, byte for byte.
    let mut gnu = Command::new("sha256sum");
    gnu.arg("--");
    let mut sorted = names.clone();
    sorted.sort();
    for n in &sorted {
        gnu.arg(OsStr::from_bytes(n));
    }
    let gnu = gnu.current_dir(&t).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&gnu.stdout)
    );
    assert_eq!(o.stdout, gnu.stdout);
    let sums = p.join("SHA256SUMS");
    std::fs::write(&sums, &o.stdout).unwrap();
    let c = check_sums("sha256sum", &sums, &t);
    assert!(c.status.success(), "{}", out(&c));
    assert_eq!(
        String::from_utf8_lossy(&c.stdout).matches(": OK").count(),
        names.len()
    );
    // One tampered file fails the check.
    std::fs::write(t.join(OsStr::from_bytes(b"cr\rname")), "tampered").unwrap();
    let c = check_sums("sha256sum", &sums, &t);
    assert_eq!(c.status.code(), Some(1), "{}", out(&c));
    std::fs::write(t.join(OsStr::from_bytes(b"cr\rname")), "content 2").unwrap();

    // b3sum reads only UTF-8 checksum files: without the non-UTF-8 name
    // every line passes; with it the export says why and what to use.
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "b3.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = opskit(p, &["backup", "checksums", "b3.json", "--format", "b3sum"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains(r#""caf\xe9" is not UTF-8"#) && out(&o).contains("sha256sum"),
        "{}",
        out(&o)
    );
    std::fs::remove_file(t.join(OsStr::from_bytes(b"caf\xe9"))).unwrap();
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "b3.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = opskit(p, &["backup", "checksums", "b3.json", "--format", "b3sum"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let sums = p.join("B3SUMS");
    std::fs::write(&sums, &o.stdout).unwrap();
    let c = check_sums("b3sum", &sums, &t);
    assert!(c.status.success(), "{}", out(&c));
    assert_eq!(
        String::from_utf8_lossy(&c.stdout).matches(": OK").count(),
        names.len() - 1
    );
    std::fs::write(t.join(OsStr::from_bytes(b"lf\nname")), "tampered").unwrap();
    let c = check_sums("b3sum", &sums, &t);
    assert_eq!(c.status.code(), Some(1), "{}", out(&c));
}

#[test]
fn messages_name_the_option_the_user_has_and_the_likely_mix_up() {
    let d = setup();
    let p = d.path();
    // A bag in place of a folder with a symlink: the CLI's option is --to.
    std::os::unix::fs::symlink("db/orders.sql", p.join("tree/latest.sql")).unwrap();
    let o = opskit(p, &["backup", "bag", "tree"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("--to DIR"), "{}", out(&o));
    assert!(!out(&o).contains("copy with dest"), "{}", out(&o));
    std::fs::remove_file(p.join("tree/latest.sql")).unwrap();
    // verify given a file where the tree goes.
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = opskit(p, &["backup", "verify", "m.json", "m.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains("backup or restore to check"),
        "{}",
        out(&o)
    );
    // The manifest checked against another tree: the hint comes first.
    std::fs::create_dir_all(p.join("other/x")).unwrap();
    std::fs::write(p.join("other/x/y"), "y").unwrap();
    let o = opskit(p, &["backup", "verify", "m.json", "other"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let first = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(first.starts_with("hint: 3 of the manifest's 3 entries are missing, and the manifest describes tree, not other"), "{}", out(&o));
    // The same tree under its own name: no hint, even with most files gone.
    std::fs::remove_file(p.join("tree/db/orders.sql")).unwrap();
    std::fs::remove_file(p.join("tree/db/users.sql")).unwrap();
    let o = opskit(p, &["backup", "verify", "m.json", "tree", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("hint").is_none(), "{v}");
}

#[test]
fn source_date_epoch_sets_the_created_time() {
    let d = setup();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_opskit"))
            .args(["backup", "manifest", "tree"])
            .current_dir(d.path())
            .env("SOURCE_DATE_EPOCH", "1764644400")
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.status.code(), Some(0), "{}", out(&a));
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(
        text.contains("\"created\": \"2025-12-02T03:00:00Z\""),
        "{text}"
    );
    // Reproducible: the same tree gives the same bytes.
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn unreadable_folders_are_unreadable_in_verify_and_fail_a_manifest_unless_allowed() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mine = p.join("work");
    std::fs::create_dir_all(mine.join("t/secret/deeper")).unwrap();
    std::fs::write(mine.join("t/open.txt"), "open").unwrap();
    std::fs::write(mine.join("t/secret/a.txt"), "a").unwrap();
    std::fs::write(mine.join("t/secret/deeper/b.txt"), "b").unwrap();
    // The manifest of the whole tree, made by a user who can read it all.
    let o = opskit(&mine, &["backup", "manifest", "t", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let chmod = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    if rustix_is_root() {
        // Let nobody through to `work` and the tree, but not into secret.
        chmod(p, 0o755);
        for q in [&mine, &mine.join("t")] {
            chmod(q, 0o777);
        }
        chmod(&mine.join("m.json"), 0o644);
    }
    chmod(&mine.join("t/secret"), 0o700);
    if !rustix_is_root() {
        chmod(&mine.join("t/secret"), 0o000);
    }
    // verify as a user who cannot read secret/: its entries are unreadable,
    // not missing.
    let o = opskit_as_nobody(&mine, &["backup", "verify", "m.json", "t", "--json"]).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let diffs = v["differences"].as_array().unwrap();
    let of = |problem: &str| -> Vec<&str> {
        diffs
            .iter()
            .filter(|d| d["problem"] == problem)
            .map(|d| d["path"].as_str().unwrap())
            .collect()
    };
    assert!(of("missing").is_empty(), "{v}");
    let unreadable = of("unreadable");
    for path in [
        "secret",
        "secret/a.txt",
        "secret/deeper",
        "secret/deeper/b.txt",
    ] {
        assert!(unreadable.contains(&path), "{path} in {v}");
    }
    assert!(
        diffs.iter().any(|d| d["path"] == "secret/a.txt"
            && d["found"]
                .as_str()
                .unwrap()
                .contains("which cannot be read")),
        "{v}"
    );
    // A manifest that had to skip entries says so on stderr and fails,
    // unless --allow-skipped.
    let o = opskit_as_nobody(&mine, &["backup", "manifest", "t", "-o", "-"]).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("skipped secret:"), "{err}");
    assert!(err.contains("1 entry could not be read"), "{err}");
    assert!(err.contains("--allow-skipped"), "{err}");
    let written: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(written["skipped"][0]["path"], "secret", "{written}");
    let o = opskit_as_nobody(
        &mine,
        &["backup", "manifest", "t", "-o", "-", "--allow-skipped"],
    )
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    chmod(&mine.join("t/secret"), 0o755);
}

#[test]
fn the_metadata_policy_fails_setuid_by_default_and_reads_from_the_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let d = setup();
    let p = d.path();
    // Many files whose times moved: one summary line, not one per file.
    for i in 0..30 {
        std::fs::write(p.join(format!("tree/log{i:02}.txt")), b"x").unwrap();
    }
    let o = opskit(p, &["backup", "manifest", "tree", "-o", "m.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let tool = p.join("tree/db/orders.sql");
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o4644)).unwrap();
    for i in 0..30 {
        let f = std::fs::File::options()
            .write(true)
            .open(p.join(format!("tree/log{i:02}.txt")))
            .unwrap();
        f.set_modified(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000),
        )
        .unwrap();
    }
    let o = opskit(p, &["backup", "verify", "m.json", "tree"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("special: 1 entry differs (fail; pass --metadata special=warn if this restore cannot keep it): db/orders.sql (expected 0644, found 4644)"),
        "{text}"
    );
    assert!(
        text.contains("mtime: 30 entries differ (warn): log00.txt (expected "),
        "{text}"
    );
    assert!(text.contains("log01.txt, log02.txt and 27 more"), "{text}");
    assert_eq!(
        text.matches("log1").count(),
        0,
        "one line per kind:\n{text}"
    );
    assert!(
        text.contains("FAILED: content matches, metadata does not"),
        "{text}"
    );
    // Warned instead: it passes, and says what it saw.
    let verify = |extra: &[&str]| {
        opskit(
            p,
            &[&["backup", "verify", "m.json", "tree"], extra].concat(),
        )
    };
    let o = verify(&["--metadata", "special=warn"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        out(&o).contains("special: 1 entry differs (warn)"),
        "{}",
        out(&o)
    );
    let o = verify(&["--metadata", "all=ignore", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["differences"], serde_json::json!([]));
    assert_eq!(v["policy"]["special"], "ignore");
    // A drill fails on it too, and says which kind.
    let o = opskit(p, &["backup", "drill", "m.json", "tree"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("metadata the policy fails: 1 special"),
        "{}",
        out(&o)
    );
    // A policy that does not parse names the fix.
    let o = verify(&["--metadata", "owners=warn"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains("unknown metadata kind \"owners\"; use mode, special, owner, mtime, xattrs, acl, links or all"),
        "{}",
        out(&o)
    );
}

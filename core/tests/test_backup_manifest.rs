//! Backup manifests on real trees: known-answer hashes, every entry kind,
//! canonical bytes, validation of hostile manifests, verify and diff.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use opskit::ErrorKind;
use opskit::backup::{
    Algorithm, EntryKind, Manifest, ManifestOptions, Problem, VerifyMode, VerifyOptions,
    build_manifest, diff_manifests, verify_tree,
};

const B3_ABC: &str = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";
const B3_EMPTY: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
const SHA_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// db/orders.sql, db/empty.sql, keys/id.pub, a symlink, a FIFO, a big file.
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "db/orders.sql", b"abc");
    write(d.path(), "db/empty.sql", b"");
    write(d.path(), "keys/id.pub", b"ssh-ed25519 AAAA test\n");
    let big: Vec<u8> = (0..40 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    write(d.path(), "big.bin", &big);
    symlink("db/orders.sql", d.path().join("latest.sql")).unwrap();
    let fifo = d.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    d
}

fn opts() -> ManifestOptions {
    ManifestOptions {
        created: Some("2026-12-02T00:00:00Z".into()),
        root: Some("daily".into()),
        ..Default::default()
    }
}

#[test]
fn known_answers_and_every_kind() {
    let d = tree();
    let m = build_manifest(
        d.path(),
        &ManifestOptions {
            algorithms: vec![Algorithm::Sha256, Algorithm::Blake3],
            ..opts()
        },
        None,
    )
    .unwrap();
    let by: BTreeMap<&str, _> = m.entries.iter().map(|e| (e.path.as_str(), e)).collect();
    assert_eq!(by["db/orders.sql"].blake3.as_deref(), Some(B3_ABC));
    assert_eq!(by["db/orders.sql"].sha256.as_deref(), Some(SHA_ABC));
    assert_eq!(by["db/empty.sql"].blake3.as_deref(), Some(B3_EMPTY));
    assert_eq!(by["db/empty.sql"].sha256.as_deref(), Some(SHA_EMPTY));
    assert_eq!(by["db"].kind, EntryKind::Dir);
    assert_eq!(by["latest.sql"].kind, EntryKind::Symlink);
    assert_eq!(by["latest.sql"].target.as_deref(), Some("db/orders.sql"));
    assert_eq!(by["pipe"].kind, EntryKind::Fifo);
    assert_eq!(by["pipe"].blake3, None);
    assert_eq!(m.algorithms, [Algorithm::Blake3, Algorithm::Sha256]);
    assert_eq!(m.totals.files, 4);
    assert_eq!(m.totals.bytes, 3 + 22 + 40 * 1024 * 1024);
    // The big file matches the system's sha256sum (a 40 MiB file, chunked).
    let out = std::process::Command::new("sha256sum")
        .arg(d.path().join("big.bin"))
        .output()
        .unwrap();
    let sum = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        by["big.bin"].sha256.as_deref(),
        sum.split_whitespace().next()
    );
    // Its BLAKE3, computed in one piece.
    let data = std::fs::read(d.path().join("big.bin")).unwrap();
    assert_eq!(
        by["big.bin"].blake3.as_deref(),
        Some(blake3::hash(&data).to_hex().as_str())
    );
    // Entries are sorted by path bytes.
    let paths: Vec<&str> = m.entries.iter().map(|e| e.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
}

#[test]
fn canonical_bytes_round_trip_and_atomic_write() {
    let d = tree();
    let a = build_manifest(d.path(), &opts(), None).unwrap();
    let b = build_manifest(d.path(), &opts(), None).unwrap();
    let text = a.to_canonical_string().unwrap();
    assert_eq!(text, b.to_canonical_string().unwrap());
    assert_eq!(Manifest::from_json(&text).unwrap(), a);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("m.json");
    a.write(&file).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert_eq!(Manifest::read(&file).unwrap(), a);
    // Only the manifest is left in the folder: no temp files.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    // One entry per line.
    assert!(text.contains("\n    {\"path\":\"db/orders.sql\",\"kind\":\"file\""));
}

#[test]
fn non_utf8_names_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(d.path().join(name), b"x").unwrap();
    symlink(name, d.path().join("link")).unwrap();
    let m = build_manifest(d.path(), &opts(), None).unwrap();
    let e = m.entries.iter().find(|e| e.path_bytes.is_some()).unwrap();
    // Special permission bits survive the round trip too.
    std::fs::set_permissions(d.path().join(name), std::fs::Permissions::from_mode(0o4755)).unwrap();
    let sm = build_manifest(d.path(), &opts(), None).unwrap();
    assert!(sm.entries.iter().any(|e| e.mode == "4755"));
    assert_eq!(
        Manifest::from_json(&sm.to_canonical_string().unwrap()).unwrap(),
        sm
    );
    assert_eq!(e.path, "caf\u{fffd}.txt");
    assert_eq!(e.path_bytes.as_deref(), Some("636166e92e747874"));
    assert_eq!(e.raw_path(), b"caf\xe9.txt");
    let link = m.entries.iter().find(|e| e.path == "link").unwrap();
    assert_eq!(link.target_bytes.as_deref(), Some("636166e92e747874"));
    let back = Manifest::from_json(&m.to_canonical_string().unwrap()).unwrap();
    assert_eq!(back, m);
    let r = verify_tree(d.path(), &m, &VerifyOptions::default(), None).unwrap();
    assert!(r.exact, "{:?}", r.differences);
}

#[test]
fn globs_files_list_labels_and_unreadable_files() {
    let d = tree();
    let m = build_manifest(
        d.path(),
        &ManifestOptions {
            include: vec!["db/**".into()],
            exclude: vec!["**/empty.sql".into()],
            ..opts()
        },
        None,
    )
    .unwrap();
    let paths: Vec<&str> = m.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["db", "db/orders.sql", "keys"]);
    let m = build_manifest(
        d.path(),
        &ManifestOptions {
            files: Some(vec![
                "keys/id.pub".into(),
                "./db/orders.sql".into(),
                "gone".into(),
            ]),
            ..opts()
        },
        None,
    )
    .unwrap();
    let paths: Vec<&str> = m.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["db/orders.sql", "keys/id.pub"]);
    assert_eq!(m.skipped[0].path, "gone");
    let e = build_manifest(
        d.path(),
        &ManifestOptions {
            files: Some(vec!["../etc/passwd".into()]),
            ..opts()
        },
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    // Labels: free-form, but never something that looks like a secret.
    let mut labels = BTreeMap::new();
    labels.insert("database".to_string(), "orders".to_string());
    labels.insert("encryption_key_id".to_string(), "kms:prod-1".to_string());
    let m = build_manifest(d.path(), &ManifestOptions { labels, ..opts() }, None).unwrap();
    assert_eq!(m.labels["database"], "orders");
    let mut bad = BTreeMap::new();
    bad.insert("db_password".to_string(), "hunter2".to_string());
    let e = build_manifest(
        d.path(),
        &ManifestOptions {
            labels: bad,
            ..opts()
        },
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("never keys"), "{e}");
    assert!(!e.to_string().contains("hunter2"));
    // An unreadable file is skipped with its reason (unless we are root).
    let locked = d.path().join("keys/locked.key");
    std::fs::write(&locked, b"secret").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::File::open(&locked).is_ok();
    let m = build_manifest(d.path(), &opts(), None).unwrap();
    if !readable {
        assert_eq!(m.skipped[0].path, "keys/locked.key");
        assert!(m.skipped[0].reason.contains("ermission"));
    } else {
        assert!(m.entries.iter().any(|e| e.path == "keys/locked.key"));
    }
}

#[test]
fn progress_reaches_the_totals_on_the_callers_thread() {
    let d = tree();
    let caller = std::thread::current().id();
    let mut calls = Vec::new();
    let mut cb = |p: opskit::backup::Progress| {
        assert_eq!(std::thread::current().id(), caller);
        calls.push(p);
    };
    let m = build_manifest(d.path(), &opts(), Some(&mut cb)).unwrap();
    let last = calls.last().unwrap();
    assert_eq!(last.files_done, 4);
    assert_eq!(last.files_total, 4);
    assert_eq!(last.bytes_done, m.totals.bytes);
    assert_eq!(last.bytes_total, m.totals.bytes);
    assert!(calls.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
}

#[test]
fn hostile_manifests_are_rejected_naming_the_entry() {
    let d = tree();
    let good = build_manifest(d.path(), &opts(), None).unwrap();
    let text = good.to_canonical_string().unwrap();
    let cases: Vec<(String, &str)> = vec![
        (
            text.replace("\"db/orders.sql\"", "\"/etc/passwd\""),
            "absolute",
        ),
        (
            text.replace("\"db/orders.sql\"", "\"db/../../etc\""),
            "`..`",
        ),
        (
            text.replace("\"db/orders.sql\"", "\"db//x\""),
            "empty component",
        ),
        (text.replace("\"db/orders.sql\"", "\"db/\\u0000x\""), "NUL"),
        (
            text.replace("\"db/orders.sql\"", "\"db/empty.sql\""),
            "duplicate",
        ),
        (text.replace("\"db/orders.sql\"", "\"zz\""), "not sorted"),
        (text.replace(B3_ABC, "xyz"), "lowercase hex"),
        (text.replace("[\"blake3\"]", "[\"md5\"]"), "unknown variant"),
        (text.replace("\"version\": 2", "\"version\": 3"), "newer"),
        (
            text.replace("\"version\": 2", "\"version\": 1"),
            "are format version 2",
        ),
        (text.replace(",\"uid\":", ",\"uidx\":"), "unknown field"),
        (
            text.replacen("\"kind\":\"file\"", "\"kind\":\"file\",\"link_group\":1", 1),
            "link group 1 has one entry",
        ),
        (
            text.replacen("\"kind\":\"file\"", "\"kind\":\"file\",\"link_group\":2", 1),
            "should be 1",
        ),
        (
            text.replacen("\"kind\":\"dir\"", "\"kind\":\"dir\",\"link_group\":1", 1),
            "a folder has no link group",
        ),
        (
            text.replacen(
                "\"kind\":\"dir\"",
                "\"kind\":\"dir\",\"xattrs\":{\"user.a\":\"XY\"}",
                1,
            ),
            "lowercase hex value",
        ),
        (
            text.replace("\"format\": \"opskit-manifest\"", "\"format\": \"bagit\""),
            "not an opskit manifest",
        ),
        (text[..text.len() / 2].to_string(), "truncated"),
        (text.replace("\"files\":4", "\"files\":5"), "totals"),
        (
            text.replace("\"kind\":\"file\"", "\"kind\":\"file\",\"extra\":1"),
            "unknown field",
        ),
    ];
    for (bad, why) in cases {
        let e = Manifest::from_json(&bad).unwrap_err();
        assert!(e.to_string().contains(why), "expected {why:?} in: {e}");
        let want = if why == "newer" {
            ErrorKind::Unsupported
        } else {
            ErrorKind::InvalidInput
        };
        assert_eq!(e.kind(), want, "{why}");
    }
}

#[test]
fn verify_full_fast_and_stop_at_first() {
    let d = tree();
    let m = build_manifest(d.path(), &opts(), None).unwrap();
    let full = verify_tree(d.path(), &m, &VerifyOptions::default(), None).unwrap();
    assert!(
        full.exact && full.differences.is_empty(),
        "{:?}",
        full.differences
    );
    assert_eq!(full.files_hashed, 4);
    assert_eq!(full.bytes_hashed, m.totals.bytes);
    let fast = verify_tree(
        d.path(),
        &m,
        &VerifyOptions {
            mode: VerifyMode::Fast,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert!(fast.exact);
    assert_eq!(fast.files_hashed, 0);

    // Silent corruption: same size and mtime, other bytes. Fast mode trusts
    // it (documented); full mode finds it.
    let p = d.path().join("db/orders.sql");
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    std::fs::write(&p, b"abd").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let full = verify_tree(d.path(), &m, &VerifyOptions::default(), None).unwrap();
    assert!(!full.exact);
    assert_eq!(full.differences[0].problem, Problem::Content);
    assert_eq!(full.differences[0].expected.as_deref(), Some(B3_ABC));
    // Missing, extra, size, type change, symlink target, mode.
    std::fs::remove_file(d.path().join("keys/id.pub")).unwrap();
    write(d.path(), "new.txt", b"new");
    write(d.path(), "db/empty.sql", b"now not empty");
    std::fs::remove_file(d.path().join("pipe")).unwrap();
    write(d.path(), "pipe", b"a file now");
    std::fs::remove_file(d.path().join("latest.sql")).unwrap();
    symlink("db/empty.sql", d.path().join("latest.sql")).unwrap();
    std::fs::set_permissions(
        d.path().join("big.bin"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = verify_tree(d.path(), &m, &VerifyOptions::default(), None).unwrap();
    let got: Vec<(&str, Problem)> = r
        .differences
        .iter()
        .map(|x| (x.path.as_str(), x.problem))
        .collect();
    assert_eq!(
        got,
        [
            ("big.bin", Problem::Mode),
            ("db/empty.sql", Problem::Size),
            ("db/empty.sql", Problem::Mtime),
            ("db/orders.sql", Problem::Content),
            ("keys", Problem::Mtime),
            ("keys/id.pub", Problem::Missing),
            ("latest.sql", Problem::Target),
            ("latest.sql", Problem::Mtime),
            ("new.txt", Problem::Extra),
            ("pipe", Problem::TypeChanged),
        ]
    );
    assert_eq!(r.counts["missing"], 1);
    assert!(!r.passed);
    // Only the mode change would have failed it, had the content been exact.
    let kinds: Vec<(&str, opskit::backup::Action, u64)> = r
        .metadata
        .iter()
        .map(|f| (f.kind.as_str(), f.action, f.count))
        .collect();
    assert_eq!(
        kinds,
        [
            ("mode", opskit::backup::Action::Fail, 1),
            ("mtime", opskit::backup::Action::Warn, 3)
        ]
    );
    // Stop at the first difference.
    let r = verify_tree(
        d.path(),
        &m,
        &VerifyOptions {
            stop_at_first: true,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert!(r.stopped_early && !r.exact);
    assert!(
        r.differences
            .iter()
            .filter(|d| !d.problem.is_metadata())
            .count()
            <= 2
    );
}

#[test]
fn verify_never_follows_a_symlink_out_of_the_tree() {
    // The restored tree has a symlink where the manifest has a folder: it is
    // a type change, and nothing behind the link is read.
    let d = tree();
    let m = build_manifest(d.path(), &opts(), None).unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "orders.sql", b"abc");
    std::fs::remove_dir_all(d.path().join("db")).unwrap();
    symlink(outside.path(), d.path().join("db")).unwrap();
    let r = verify_tree(d.path(), &m, &VerifyOptions::default(), None).unwrap();
    assert!(
        r.differences
            .iter()
            .any(|x| x.path == "db" && x.problem == Problem::TypeChanged)
    );
    assert!(
        r.differences
            .iter()
            .any(|x| x.path == "db/orders.sql" && x.problem == Problem::Missing)
    );
}

#[test]
fn diff_added_removed_modified_renamed_and_suspicious() {
    let d = tree();
    let a = build_manifest(d.path(), &opts(), None).unwrap();
    assert!(diff_manifests(&a, &a).unwrap().identical);
    std::fs::rename(
        d.path().join("keys/id.pub"),
        d.path().join("keys/id_old.pub"),
    )
    .unwrap();
    write(d.path(), "db/new.sql", b"create table x;");
    std::fs::remove_file(d.path().join("db/empty.sql")).unwrap();
    write(d.path(), "db/orders.sql", b"abcd");
    let p = d.path().join("big.bin");
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    let mut data = std::fs::read(&p).unwrap();
    data[12345] ^= 1;
    std::fs::write(&p, &data).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&p)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let b = build_manifest(d.path(), &opts(), None).unwrap();
    let x = diff_manifests(&a, &b).unwrap();
    assert!(!x.identical);
    let names =
        |v: &[opskit::backup::DiffItem]| v.iter().map(|i| i.path.clone()).collect::<Vec<_>>();
    assert_eq!(names(&x.added), ["db/new.sql"]);
    assert_eq!(names(&x.removed), ["db/empty.sql"]);
    assert_eq!(names(&x.modified), ["big.bin", "db/orders.sql"]);
    assert_eq!(names(&x.suspicious), ["big.bin"]);
    assert_eq!(x.renamed.len(), 1);
    assert_eq!(
        (x.renamed[0].from.as_str(), x.renamed[0].to.as_str()),
        ("keys/id.pub", "keys/id_old.pub")
    );
    assert_eq!(x.bytes_added, 15);
    assert_eq!(x.bytes_modified, 4 + 40 * 1024 * 1024);
    // No shared algorithm: a clear error.
    let s = build_manifest(
        d.path(),
        &ManifestOptions {
            algorithms: vec![Algorithm::Sha256],
            ..opts()
        },
        None,
    )
    .unwrap();
    assert_eq!(
        diff_manifests(&a, &s).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn bad_roots() {
    let e = build_manifest(Path::new("/nonexistent/opskit"), &opts(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let f = tempfile::NamedTempFile::new().unwrap();
    let e = build_manifest(f.path(), &opts(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = build_manifest(
        Path::new("."),
        &ManifestOptions {
            algorithms: vec![],
            ..opts()
        },
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn restore_drill_against_an_objective() {
    use opskit::backup::{DrillOptions, restore_drill};
    let d = tree();
    let m = build_manifest(d.path(), &opts(), None).unwrap();
    let r = restore_drill(d.path(), &m, &DrillOptions::default(), None).unwrap();
    assert!(r.passed && r.exact && r.met_rto, "{}", r.summary);
    assert_eq!(r.rto_seconds, 7200.0);
    assert!(
        r.summary.starts_with("restore drill PASSED"),
        "{}",
        r.summary
    );
    assert_eq!(r.backup_bytes, m.totals.bytes);
    assert!(r.projected_verify_seconds > 0.0);
    // The restore took longer than the objective: failed, though exact.
    let late = DrillOptions {
        rto: "30m".into(),
        restore_time: Some("45m".into()),
        ..Default::default()
    };
    let r = restore_drill(d.path(), &m, &late, None).unwrap();
    assert!(r.exact && !r.met_rto && !r.passed);
    assert!(r.summary.contains("missed"), "{}", r.summary);
    // A damaged restore fails whatever the time.
    std::fs::write(d.path().join("db/orders.sql"), b"xyz").unwrap();
    let r = restore_drill(d.path(), &m, &DrillOptions::default(), None).unwrap();
    assert!(!r.exact && !r.passed);
    assert!(r.summary.contains("1 difference"), "{}", r.summary);
    let bad = DrillOptions {
        rto: "soon".into(),
        ..Default::default()
    };
    assert_eq!(
        restore_drill(d.path(), &m, &bad, None).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn a_10_gib_sparse_file_and_a_dangling_symlink_followed() {
    let d = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(d.path().join("sparse.img")).unwrap();
    f.set_len(10 << 30).unwrap();
    drop(f);
    symlink("missing-target", d.path().join("dangling")).unwrap();
    let m = build_manifest(d.path(), &opts(), None).unwrap();
    let img = m.entries.iter().find(|e| e.path == "sparse.img").unwrap();
    assert_eq!(img.size, Some(10 << 30));
    assert_eq!(img.blake3.as_ref().map(String::len), Some(64));
    assert_eq!(m.totals.bytes, 10 << 30);
    // Holes hash as the zeros they read as: a smaller sparse file with data
    // between holes gives the hash of its full content.
    let mut f = std::fs::File::create(d.path().join("holes.img")).unwrap();
    f.set_len(48 << 20).unwrap();
    use std::io::{Seek, Write};
    f.seek(std::io::SeekFrom::Start(20 << 20)).unwrap();
    f.write_all(&vec![0xa5u8; 300_000]).unwrap();
    drop(f);
    let dense = std::fs::read(d.path().join("holes.img")).unwrap();
    let both = ManifestOptions {
        algorithms: vec![Algorithm::Blake3, Algorithm::Sha256],
        files: Some(vec!["holes.img".into()]),
        ..opts()
    };
    let h = build_manifest(d.path(), &both, None).unwrap();
    assert_eq!(
        h.entries[0].blake3.as_deref(),
        Some(blake3::hash(&dense).to_hex().as_str())
    );
    let sum = std::process::Command::new("sha256sum")
        .arg(d.path().join("holes.img"))
        .output()
        .unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    assert_eq!(
        h.entries[0].sha256.as_deref(),
        sum.split_whitespace().next()
    );
    std::fs::remove_file(d.path().join("holes.img")).unwrap();
    // Fast verify trusts it without reading 10 GiB again.
    let fast = VerifyOptions {
        mode: VerifyMode::Fast,
        ..Default::default()
    };
    let r = verify_tree(d.path(), &m, &fast, None).unwrap();
    assert!(r.exact && r.files_hashed == 0, "{:?}", r.differences);
    // Following symlinks, the dangling one cannot be read: skipped with why.
    let follow = ManifestOptions {
        follow_symlinks: true,
        files: None,
        ..opts()
    };
    let followed = build_manifest(d.path(), &follow, None).unwrap();
    assert_eq!(followed.skipped.len(), 1, "{:?}", followed.skipped);
    assert_eq!(followed.skipped[0].path, "dangling");
}

#[test]
fn manifests_and_snapshots_load_from_either_shape_in_core() {
    use opskit::backup::{Manifest, check_chain, snapshots_from_value};
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a"), "a").unwrap();
    let m = opskit::backup::build_manifest(d.path(), &Default::default(), None).unwrap();
    let file = d.path().join("m.json");
    m.write(&file).unwrap();
    // An object and a path give the same manifest.
    let from_object = Manifest::from_value(serde_json::to_value(&m).unwrap()).unwrap();
    let from_path =
        Manifest::from_value(serde_json::Value::String(file.display().to_string())).unwrap();
    assert_eq!(from_object, m);
    assert_eq!(from_path, m);
    let e = Manifest::from_value(serde_json::json!(7)).unwrap_err();
    assert!(e.to_string().contains("not a number"), "{e}");
    // An object that does not validate is refused, as read() refuses it.
    let mut bad = serde_json::to_value(&m).unwrap();
    bad["entries"][0]["path"] = "../escape".into();
    assert!(Manifest::from_value(bad.clone()).is_err());
    // check_chain validates what it is given.
    let bad: Manifest = serde_json::from_value(bad).unwrap();
    let e = check_chain(&[m.clone(), bad]).unwrap_err();
    assert!(e.to_string().contains("manifest 1 of the chain"), "{e}");
    // Snapshots: a list, or its JSON text.
    let list = serde_json::json!([{"id": "a", "time": "2026-12-01T00:00:00Z"}]);
    let a = snapshots_from_value(list.clone()).unwrap();
    let b = snapshots_from_value(serde_json::Value::String(list.to_string())).unwrap();
    assert_eq!(a, b);
    assert!(snapshots_from_value(serde_json::json!({"id": 1})).is_err());
}

#[test]
fn keep_counts_read_unlimited_in_core() {
    use opskit::backup::parse_keep_count;
    assert_eq!(parse_keep_count("unlimited").unwrap(), -1);
    assert_eq!(parse_keep_count("7").unwrap(), 7);
    assert_eq!(parse_keep_count("-1").unwrap(), -1);
    for bad in ["-2", "seven", ""] {
        let e = parse_keep_count(bad).unwrap_err();
        assert!(e.to_string().contains("or unlimited"), "{e}");
    }
}

//! Signatures (HMAC-SHA-256, Ed25519 with keys made by openssl) and chains:
//! any change to any entry or label is an Integrity error.

use std::collections::BTreeMap;
use std::path::Path;

use opskit::ErrorKind;
use opskit::backup::{
    Manifest, ManifestOptions, Signature, SignatureAlgorithm, build_manifest, check_chain,
    check_signature, sign_manifest,
};

fn manifest(dir: &Path, previous: Option<String>) -> Manifest {
    std::fs::create_dir_all(dir.join("db")).unwrap();
    std::fs::write(dir.join("db/orders.sql"), b"insert 1;").unwrap();
    std::fs::write(dir.join("db/users.sql"), b"insert 2;").unwrap();
    let mut labels = BTreeMap::new();
    labels.insert("database".into(), "orders".into());
    labels.insert("encryption".into(), "age-x25519".into());
    build_manifest(
        dir,
        &ManifestOptions {
            created: Some("2026-12-02T00:00:00Z".into()),
            labels,
            previous,
            ..Default::default()
        },
        None,
    )
    .unwrap()
}

fn openssl(args: &[&str], dir: &Path) {
    let ok = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl {args:?}");
}

/// Every single-field change a tamperer could make that still parses.
fn tampered(m: &Manifest) -> Vec<(String, Manifest)> {
    let mut out = Vec::new();
    let flip = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        let last = c.len() - 1;
        c[last] = if c[last] == '0' { '1' } else { '0' };
        c.into_iter().collect::<String>()
    };
    for i in 0..m.entries.len() {
        let mut x = m.clone();
        x.entries[i].mode = if x.entries[i].mode == "0644" {
            "0600".into()
        } else {
            "0644".into()
        };
        out.push((format!("mode of entry {i}"), x));
        let mut x = m.clone();
        x.entries[i].mtime = flip(&m.entries[i].mtime.replace('Z', "")) + "Z";
        out.push((format!("mtime of entry {i}"), x));
        if let Some(h) = &m.entries[i].blake3 {
            let mut x = m.clone();
            x.entries[i].blake3 = Some(flip(h));
            out.push((format!("hash of entry {i}"), x));
            let mut x = m.clone();
            let size = x.entries[i].size.unwrap();
            x.entries[i].size = Some(size + 1);
            x.totals.bytes += 1;
            out.push((format!("size of entry {i}"), x));
        }
    }
    let mut x = m.clone();
    x.labels.insert("database".into(), "users".into());
    out.push(("label value".into(), x));
    let mut x = m.clone();
    x.labels.insert("extra".into(), "1".into());
    out.push(("added label".into(), x));
    let mut x = m.clone();
    x.root = "other".into();
    out.push(("root".into(), x));
    let mut x = m.clone();
    x.entries.pop();
    x.totals.files -= 1;
    x.totals.bytes -= 9;
    out.push(("removed entry".into(), x));
    out
}

#[test]
fn hmac_signatures_catch_every_change() {
    let d = tempfile::tempdir().unwrap();
    let m = manifest(d.path(), None);
    let key = b"0123456789abcdef0123456789abcdef\n";
    let sig = sign_manifest(&m, SignatureAlgorithm::HmacSha256, key, "backup-2026").unwrap();
    check_signature(&m, &sig, key).unwrap();
    // Round trip through its JSON document.
    let back = Signature::from_json(&sig.to_json().unwrap()).unwrap();
    check_signature(&m, &back, key).unwrap();
    // The key is never in the document or its Debug form.
    assert!(!sig.to_json().unwrap().contains("0123456789abcdef0123"));
    assert!(!format!("{sig:?}").contains(&sig.signature));
    for (what, x) in tampered(&m) {
        x.validate().unwrap_or_else(|e| panic!("{what}: {e}"));
        let e = check_signature(&x, &sig, key).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Integrity, "{what}");
        assert!(e.to_string().contains("changed"), "{what}: {e}");
    }
    // Wrong key; a signature replayed under another key id.
    let e = check_signature(&m, &sig, b"another key of sixteen+ bytes").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().contains("wrong key"));
    let mut replay = sig.clone();
    replay.key_id = "other".into();
    assert_eq!(
        check_signature(&m, &replay, key).unwrap_err().kind(),
        ErrorKind::Integrity
    );
    // Short keys and bad key ids are refused.
    let e = sign_manifest(&m, SignatureAlgorithm::HmacSha256, b"short", "k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(sign_manifest(&m, SignatureAlgorithm::HmacSha256, key, "").is_err());
}

#[test]
fn ed25519_with_openssl_keys_checks_with_the_public_key_alone() {
    let d = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    openssl(
        &["genpkey", "-algorithm", "ed25519", "-out", "private.pem"],
        keys.path(),
    );
    openssl(
        &[
            "pkey",
            "-in",
            "private.pem",
            "-pubout",
            "-out",
            "public.pem",
        ],
        keys.path(),
    );
    let private = std::fs::read(keys.path().join("private.pem")).unwrap();
    let public = std::fs::read(keys.path().join("public.pem")).unwrap();
    let m = manifest(d.path(), None);
    let sig = sign_manifest(&m, SignatureAlgorithm::Ed25519, &private, "auditor-2026").unwrap();
    assert_eq!(sig.signature.len(), 128);
    check_signature(&m, &sig, &public).unwrap();
    for (what, x) in tampered(&m) {
        let e = check_signature(&x, &sig, &public).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Integrity, "{what}");
    }
    // Another key pair does not verify it.
    openssl(
        &["genpkey", "-algorithm", "ed25519", "-out", "other.pem"],
        keys.path(),
    );
    let other = std::fs::read(keys.path().join("other.pem")).unwrap();
    assert_eq!(
        check_signature(&m, &sig, &other).unwrap_err().kind(),
        ErrorKind::Integrity
    );
    // Garbage keys are invalid input, and say how to make one.
    let e = sign_manifest(&m, SignatureAlgorithm::Ed25519, b"not a key", "k").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("32-byte"));
    // A 32-byte hex seed works too.
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let s = sign_manifest(&m, SignatureAlgorithm::Ed25519, seed.as_bytes(), "seed").unwrap();
    let public_hex = b"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    check_signature(&m, &s, public_hex).unwrap();
}

#[test]
fn chains_show_a_removed_or_replaced_manifest() {
    let days: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut chain = Vec::new();
    for (i, d) in days.iter().enumerate() {
        let prev = chain.last().map(|m: &Manifest| m.chain_hash().unwrap());
        std::fs::write(d.path().join("day.txt"), format!("day {i}")).unwrap();
        chain.push(manifest(d.path(), prev));
    }
    check_chain(&chain).unwrap();
    let mut removed = chain.clone();
    removed.remove(1);
    let e = check_chain(&removed).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Integrity);
    assert!(e.to_string().contains("manifest 1"), "{e}");
    let mut replaced = chain.clone();
    replaced[2]
        .labels
        .insert("database".into(), "forged".into());
    assert_eq!(
        check_chain(&replaced).unwrap_err().kind(),
        ErrorKind::Integrity
    );
}

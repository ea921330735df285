//! BagIt: the Library of Congress conformance suite as it is
//! (`shared/conformance/bagit`), bags opskit writes, checksum lines, and
//! hostile bags.

use std::path::{Path, PathBuf};

use opskit::backup::{
    Algorithm, BagOptions, BagValidateOptions, ChecksumFormat, ManifestOptions, build_manifest,
    checksum_lines, make_bag, validate_bag,
};

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/bagit")
}

fn bags(category: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for version in std::fs::read_dir(suite()).unwrap() {
        let dir = version.unwrap().path().join(category);
        let Ok(list) = std::fs::read_dir(&dir) else {
            continue;
        };
        for b in list {
            let p = b.unwrap().path();
            if p.is_dir() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn conformance_valid_bags_validate() {
    let list = bags("valid");
    assert_eq!(list.len(), 27);
    for b in list {
        let v = validate_bag(&b, &BagValidateOptions::default()).unwrap();
        assert!(v.valid, "{}: {:?}", b.display(), v.errors);
        assert!(v.files > 0 || b.ends_with("minimal-bag"), "{}", b.display());
    }
}

#[test]
fn conformance_invalid_and_linux_only_bags_fail_with_a_reason() {
    let mut list = bags("invalid");
    assert_eq!(list.len(), 15);
    list.extend(bags("linux-only"));
    assert_eq!(list.len(), 21);
    for b in list {
        let v = validate_bag(&b, &BagValidateOptions::default()).unwrap();
        assert!(!v.valid, "{} validated", b.display());
        assert!(!v.errors.is_empty(), "{}", b.display());
    }
    // Reasons worth pinning.
    let why = |rel: &str| {
        validate_bag(&suite().join(rel), &BagValidateOptions::default())
            .unwrap()
            .errors
            .join("; ")
    };
    assert!(why("v1.0/invalid/bagit-with-invalid-whitespace").contains("BagIt 1.0"));
    assert!(why("v0.97/invalid/bom-in-bagit.txt").contains("byte-order mark"));
    assert!(why("v0.97/invalid/corrupt-data-file").contains("Payload-Oxum"));
    assert!(why("v0.97/invalid/corrupt-tag-file").contains("tag file"));
    assert!(why("v0.97/invalid/extra-file-in-bag").contains("not listed"));
    assert!(
        why("v0.97/invalid/out-of-scope-file-paths-using-dot-notation").contains("out of scope")
    );
    assert!(
        why("v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch")
            .contains("fetch.txt")
    );
    assert!(
        why("v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username")
            .contains("out of scope")
    );
    assert!(why("v0.97/invalid/missing-bagit.txt").contains("bagit.txt is missing"));
    assert!(why("v0.97/invalid/invalid-version-number").contains("M.N"));
    assert!(why("v0.97/invalid/baginfo-missing-encoding").contains("Encoding"));
}

#[test]
fn conformance_warning_bags_validate_with_a_warning() {
    let list = bags("warning");
    assert_eq!(list.len(), 6);
    for b in list {
        let v = validate_bag(&b, &BagValidateOptions::default()).unwrap();
        assert!(v.valid, "{}: {:?}", b.display(), v.errors);
        assert!(!v.warnings.is_empty(), "{}: no warning", b.display());
    }
}

#[test]
fn windows_only_bags_do_not_crash() {
    for b in bags("windows-only") {
        let v = validate_bag(&b, &BagValidateOptions::default()).unwrap();
        // `C:\...` and `\\?\UNC` names are not payload paths here either.
        assert!(!v.valid, "{}", b.display());
    }
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("db/dumps")).unwrap();
    std::fs::write(
        d.path().join("db/dumps/orders.sql"),
        b"insert into orders;\n",
    )
    .unwrap();
    std::fs::write(d.path().join("100%.txt"), b"percent\n").unwrap();
    std::fs::write(d.path().join("line\nbreak.txt"), b"newline in name\n").unwrap();
    std::fs::write(d.path().join("empty"), b"").unwrap();
    d
}

#[test]
fn bags_opskit_writes_validate_in_place_and_as_a_copy() {
    let src = tree();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("bag");
    let r = make_bag(
        src.path(),
        &BagOptions {
            dest: Some(dest.display().to_string()),
            info: vec![("Source-Organization".into(), "Marketplace Ops".into())],
            bagging_date: Some("2026-12-02".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.files, 4);
    assert_eq!(r.payload_oxum, format!("{}.4", 20 + 8 + 16));
    let v = validate_bag(&dest, &BagValidateOptions::default()).unwrap();
    assert!(v.valid, "{:?}", v.errors);
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    let m = std::fs::read_to_string(dest.join("manifest-sha256.txt")).unwrap();
    // A bare % (bagit.py never decodes %25; ambiguous names are refused).
    assert!(m.contains("  data/100%.txt\n"), "{m}");
    assert!(m.contains("  data/line%0Abreak.txt\n"), "{m}");
    let info = std::fs::read_to_string(dest.join("bag-info.txt")).unwrap();
    assert!(info.contains("Payload-Oxum: 44.4\n") && info.contains("Bagging-Date: 2026-12-02\n"));
    // Tamper with one payload byte: invalid, naming the file.
    std::fs::write(
        dest.join("data/db/dumps/orders.sql"),
        b"insert into orderz;\n",
    )
    .unwrap();
    let v = validate_bag(&dest, &BagValidateOptions::default()).unwrap();
    assert!(!v.valid);
    assert!(
        v.errors.iter().any(|e| e.contains("orders.sql")),
        "{:?}",
        v.errors
    );
    // Fast mode only checks completeness and the Oxum: same size, so it passes.
    assert!(
        validate_bag(&dest, &BagValidateOptions { fast: true })
            .unwrap()
            .valid
    );
    // In place.
    let r = make_bag(src.path(), &BagOptions::default()).unwrap();
    assert_eq!(r.files, 4);
    assert!(src.path().join("data/db/dumps/orders.sql").exists());
    assert!(
        validate_bag(src.path(), &BagValidateOptions::default())
            .unwrap()
            .valid
    );
    // A bag again, or into a non-empty folder: refused.
    assert!(make_bag(src.path(), &BagOptions::default()).is_err());
}

#[test]
fn in_place_bagging_refuses_symlinks_before_moving_anything() {
    let src = tree();
    std::os::unix::fs::symlink("/etc/passwd", src.path().join("escape")).unwrap();
    let e = make_bag(src.path(), &BagOptions::default()).unwrap_err();
    assert!(e.to_string().contains("symlink"), "{e}");
    assert!(src.path().join("db/dumps/orders.sql").exists());
    assert!(!src.path().join("data").exists());
    // Copying leaves the symlink out, with a warning, and never reads /etc/passwd.
    let out = tempfile::tempdir().unwrap();
    let r = make_bag(
        src.path(),
        &BagOptions {
            dest: Some(out.path().join("bag").display().to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.warnings.len(), 1);
    assert!(!out.path().join("bag/data/escape").exists());
}

#[test]
fn a_symlink_inside_a_bag_is_never_followed() {
    let src = tree();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("bag");
    make_bag(
        src.path(),
        &BagOptions {
            dest: Some(dest.display().to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    // Replace a payload file by a symlink to a file outside with the same bytes.
    let outside = out.path().join("outside.sql");
    std::fs::write(&outside, b"insert into orders;\n").unwrap();
    std::fs::remove_file(dest.join("data/db/dumps/orders.sql")).unwrap();
    std::os::unix::fs::symlink(&outside, dest.join("data/db/dumps/orders.sql")).unwrap();
    let v = validate_bag(&dest, &BagValidateOptions::default()).unwrap();
    assert!(!v.valid, "a symlinked payload file must not validate");
}

#[test]
fn checksum_lines_pass_sha256sum_and_b3sum() {
    let d = tree();
    let m = build_manifest(
        d.path(),
        &ManifestOptions {
            algorithms: vec![Algorithm::Blake3, Algorithm::Sha256],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let lines = checksum_lines(&m, ChecksumFormat::Sha256sum).unwrap();
    let lines = String::from_utf8(lines).unwrap();
    assert!(lines.contains("\\"), "the newline name is escaped: {lines}");
    let file = d.path().join("../SHA256SUMS.opskit-test");
    std::fs::write(&file, &lines).unwrap();
    let out = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg(&file)
        .current_dir(d.path())
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let b3 = String::from_utf8(checksum_lines(&m, ChecksumFormat::B3sum).unwrap()).unwrap();
    assert_eq!(b3.lines().count(), 4);
    let only_b3 = build_manifest(d.path(), &ManifestOptions::default(), None).unwrap();
    assert!(checksum_lines(&only_b3, ChecksumFormat::Sha256sum).is_err());
}

/// `tests/conformance` is a verbatim copy of the workplace's
/// `shared/conformance` (so CI needs nothing outside the repository); when
/// the original is beside the repository, the copy must not have drifted.
#[test]
fn vendored_conformance_suites_match_the_shared_originals() {
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
    let files = |root: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((
                        p.strip_prefix(root).unwrap().to_path_buf(),
                        std::fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    };
    let vendored = files(&ours);
    assert_eq!(vendored.len(), 444);
    if shared.is_dir() {
        assert!(
            files(&shared) == vendored,
            "tests/conformance differs from shared/conformance: copy it again"
        );
    }
}

#[test]
fn checksum_formats_parse_in_one_place_with_one_default() {
    assert_eq!(ChecksumFormat::default(), ChecksumFormat::Sha256sum);
    for f in [ChecksumFormat::Sha256sum, ChecksumFormat::B3sum] {
        assert_eq!(f.as_str().parse::<ChecksumFormat>().unwrap(), f);
        assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
    }
    let e = "md5sum".parse::<ChecksumFormat>().unwrap_err();
    assert_eq!(e.kind(), opskit::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("use sha256sum or b3sum"), "{e}");
}

#[test]
fn names_no_reader_agrees_on_are_refused_before_anything_moves() {
    use std::os::unix::ffi::OsStrExt;
    for (name, says) in [
        (&b"caf\xe9.txt"[..], "is not a UTF-8 name"),
        (&b"a%0Ab.txt"[..], "percent sequence"),
        (&b"x%25y"[..], "percent sequence"),
    ] {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir(src.path().join("sub")).unwrap();
        std::fs::write(
            src.path()
                .join("sub")
                .join(std::ffi::OsStr::from_bytes(name)),
            b"x",
        )
        .unwrap();
        let out = tempfile::tempdir().unwrap();
        let dest = out.path().join("bag");
        for opts in [
            BagOptions {
                dest: Some(dest.display().to_string()),
                ..Default::default()
            },
            BagOptions::default(),
        ] {
            let e = make_bag(src.path(), &opts).unwrap_err();
            assert_eq!(e.kind(), opskit::ErrorKind::InvalidInput);
            assert!(e.message().contains(says), "{e}");
        }
        assert!(!dest.exists());
        assert!(src.path().join("sub").is_dir() && !src.path().join("data").exists());
    }
    // A backslash and a bare % are names like any other.
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("back\\slash"), b"b").unwrap();
    std::fs::write(src.path().join("50% off"), b"p").unwrap();
    make_bag(src.path(), &BagOptions::default()).unwrap();
    let v = validate_bag(src.path(), &BagValidateOptions::default()).unwrap();
    assert!(v.valid, "{:?}", v.errors);
}

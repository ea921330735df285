//! Validating a bag as RFC 8493 (and the versions before 1.0 that the
//! Library of Congress tools accept) reads it: declaration, bag-info,
//! payload manifests, fetch.txt, completeness, Payload-Oxum, fixity and
//! tag manifests.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::{BagAlgorithm, decode_bag_path, digest_file, payload};
use crate::backup::walk::{FILES_PER_JOB, largest_first};
use crate::error::{Error, Result};

/// The result of [`validate_bag`]: a bag is complete when every listed file
/// is there and every payload file is listed, valid when it is complete
/// and every checksum matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct BagValidation {
    /// Complete, and every checksum matches.
    pub valid: bool,
    /// Every listed file is there and every payload file is listed.
    pub complete: bool,
    /// `BagIt-Version` as declared.
    pub version: Option<String>,
    /// The payload manifest algorithms found.
    pub algorithms: Vec<String>,
    /// Payload files.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
    /// Payload bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// Why the bag is not valid (empty when it is).
    pub errors: Vec<String>,
    /// What is odd but allowed (md5sum markers, `./data/` paths, ...).
    pub warnings: Vec<String>,
}

/// Options of [`validate_bag`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct BagValidateOptions {
    /// Check completeness and `Payload-Oxum` only, no checksums.
    pub fast: bool,
}

struct Version {
    major: u32,
}

impl Version {
    fn at_least_1(&self) -> bool {
        self.major >= 1
    }
}

/// Decode a tag file in the bag's declared encoding.
fn decode(bytes: &[u8], encoding: &str) -> std::result::Result<String, String> {
    let enc = encoding.trim().to_ascii_uppercase().replace('_', "-");
    match enc.as_str() {
        "UTF-8" | "UTF8" => {
            if bytes.starts_with(b"\xef\xbb\xbf") {
                return Err("begins with a byte-order mark, which UTF-8 tag files must not".into());
            }
            String::from_utf8(bytes.to_vec()).map_err(|_| "is not valid UTF-8".to_string())
        }
        "ISO-8859-1" | "LATIN-1" | "LATIN1" => Ok(bytes.iter().map(|&b| b as char).collect()),
        "UTF-16" | "UTF-16LE" | "UTF-16BE" => {
            let (le, body) = match bytes {
                [0xff, 0xfe, rest @ ..] => (true, rest),
                [0xfe, 0xff, rest @ ..] => (false, rest),
                _ => (enc == "UTF-16LE", bytes),
            };
            if body.len() % 2 != 0 {
                return Err("is not valid UTF-16".into());
            }
            let units: Vec<u16> = body
                .chunks(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect();
            String::from_utf16(&units).map_err(|_| "is not valid UTF-16".to_string())
        }
        other => Err(format!("uses the unsupported encoding {other}")),
    }
}

/// Split `Label: value` lines (with continuation lines); `strict` is
/// BagIt 1.0's single separator after a colon with nothing before it.
fn parse_labels(text: &str, strict: bool) -> std::result::Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                None => return Err(format!("line {line:?} continues nothing")),
            }
        }
        let Some((label, value)) = line.split_once(':') else {
            return Err(format!("line {line:?} is not `Label: value`"));
        };
        if strict
            && (label.trim_end() != label || !(value.starts_with([' ', '\t']) || value.is_empty()))
        {
            return Err(format!(
                "line {line:?} is not `Label: value` with one space after the colon and none before (BagIt 1.0)"
            ));
        }
        out.push((label.trim().to_string(), value.trim().to_string()));
    }
    Ok(out)
}

/// Is a manifest or fetch path inside the bag's payload? Returns it
/// normalised (`./` dropped) or the reason it is out of scope.
fn check_payload_path(p: &str) -> std::result::Result<(String, bool), String> {
    let (p, dotted) = match p.strip_prefix("./") {
        Some(rest) => (rest, true),
        None => (p, false),
    };
    // A backslash is a filename byte on POSIX, not a separator (RFC 8493
    // paths are `/`-separated; bagit.py writes and reads it as it is).
    if p.starts_with('/') || p.starts_with('~') || p.contains('\0') {
        return Err(format!("{p:?} is out of scope: absolute or home-relative"));
    }
    if p.split('/').any(|c| c == ".." || c == "." || c.is_empty()) {
        return Err(format!(
            "{p:?} is out of scope: it has `..`, `.` or empty parts"
        ));
    }
    if !p.starts_with("data/") {
        return Err(format!(
            "{p:?} is out of scope: payload paths start with data/"
        ));
    }
    Ok((p.to_string(), dotted))
}

/// A manifest file of a bag, its algorithm and its decoded text.
type NamedTagFile = (String, BagAlgorithm, String);

/// The `<prefix><algorithm>.txt` files among `names` (payload or tag
/// manifests), each decoded in the bag's encoding, or why it cannot be used.
fn named_tag_files(
    dir: &Path,
    names: &[String],
    prefix: &str,
    encoding: &str,
) -> Vec<std::result::Result<NamedTagFile, String>> {
    names
        .iter()
        .filter(|n| n.starts_with(prefix) && n.ends_with(".txt"))
        .map(|name| {
            let alg_name = &name[prefix.len()..name.len() - 4];
            let alg = BagAlgorithm::from_name(alg_name)
                .ok_or_else(|| format!("{name}: unsupported algorithm {alg_name}"))?;
            let text = crate::fsutil::read_capped(
                &dir.join(name),
                crate::limits::MAX_TAG_FILE_BYTES,
                name,
            )
            .map_err(|e| e.message().to_string())
            .and_then(|b| decode(&b, encoding))
            .map_err(|why| format!("{name} {why}"))?;
            Ok((name.clone(), alg, text))
        })
        .collect()
}

const SYSTEM_FILES: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// Validate the BagIt bag at `dir`: `bagit.txt` (version, encoding, no BOM,
/// BagIt 1.0's strict separators), every payload manifest (paths inside
/// `data/`, percent-encoding in 1.0, each file once), completeness both
/// ways, `Payload-Oxum`, `fetch.txt` paths, every checksum, and every tag
/// manifest. An invalid bag is a result (`valid: false` with reasons), not
/// an error; only a folder that cannot be read is an error.
pub fn validate_bag(dir: &Path, options: &BagValidateOptions) -> Result<BagValidation> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, "read the bag at", e))?;
    if !meta.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder", dir.display())));
    }
    let mut v = BagValidation {
        valid: false,
        complete: false,
        version: None,
        algorithms: Vec::new(),
        files: 0,
        bytes: 0,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let Some((version, encoding)) = declaration(dir, &mut v) else {
        return Ok(v);
    };
    let info = bag_info(dir, &encoding, &mut v);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "read", e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let manifests = payload_manifests(dir, &names, &version, &encoding, &mut v);
    let fetched = fetch_paths(dir, &encoding, &mut v);
    let (files, complete, system_missing) =
        completeness(dir, &manifests, &fetched, &version, &mut v)?;
    let oxum_agrees = payload_oxum(&info, &system_missing, &mut v);
    v.complete = complete && oxum_agrees && v.errors.is_empty();
    if !options.fast {
        fixity(&manifests, &files, &mut v);
        tag_manifests(dir, &names, &encoding, &mut v);
    }
    v.valid = v.complete && v.errors.is_empty();
    Ok(v)
}

/// The bag's declaration (`bagit.txt`): its version (also set in
/// `v.version`) and tag-file encoding, or `None` when the bag cannot be
/// read further (the reasons are in `v.errors`).
fn declaration(dir: &Path, v: &mut BagValidation) -> Option<(Version, String)> {
    let bagit = match read_tag(dir, "bagit.txt") {
        Ok(b) => b,
        Err(_) => {
            v.errors.push("bagit.txt is missing: not a bag".into());
            return None;
        }
    };
    let bagit = match decode(&bagit, "UTF-8") {
        Ok(t) => t,
        Err(why) => {
            v.errors.push(format!("bagit.txt {why}"));
            return None;
        }
    };
    let declared = match parse_labels(&bagit, true).or_else(|_| parse_labels(&bagit, false)) {
        Ok(l) => l,
        Err(why) => {
            v.errors.push(format!("bagit.txt: {why}"));
            return None;
        }
    };
    let Some(version_text) = label(&declared, "BagIt-Version") else {
        v.errors.push("bagit.txt has no BagIt-Version".into());
        return None;
    };
    v.version = Some(version_text.clone());
    let version = match version_text.split_once('.') {
        Some((a, b))
            if !a.is_empty()
                && !b.is_empty()
                && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()) =>
        {
            Version {
                major: a.parse().unwrap_or(0),
            }
        }
        _ => {
            v.errors
                .push(format!("BagIt-Version {version_text:?} is not M.N"));
            return None;
        }
    };
    if version.at_least_1()
        && let Err(why) = parse_labels(&bagit, true)
    {
        v.errors.push(format!("bagit.txt: {why}"));
        return None;
    }
    let Some(encoding) = label(&declared, "Tag-File-Character-Encoding") else {
        v.errors
            .push("bagit.txt has no Tag-File-Character-Encoding".into());
        return None;
    };
    Some((version, encoding))
}

/// A tag file, read within its cap.
fn read_tag(dir: &Path, name: &str) -> Result<Vec<u8>> {
    crate::fsutil::read_capped(&dir.join(name), crate::limits::MAX_TAG_FILE_BYTES, name)
}

/// The value of label `k` (case ignored), as the last tools read it: the first one.
fn label(list: &[(String, String)], k: &str) -> Option<String> {
    list.iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(k))
        .map(|(_, v)| v.clone())
}

/// The labels of `bag-info.txt` (or `package-info.txt` before 0.96), if any.
fn bag_info(dir: &Path, encoding: &str, v: &mut BagValidation) -> Vec<(String, String)> {
    let info_name = if dir.join("bag-info.txt").exists() {
        Some("bag-info.txt")
    } else if dir.join("package-info.txt").exists() {
        Some("package-info.txt")
    } else {
        None
    };
    let mut info = Vec::new();
    if let Some(name) = info_name {
        match read_tag(dir, name)
            .map_err(|e| e.to_string())
            .and_then(|b| decode(&b, encoding))
        {
            Ok(t) => match parse_labels(&t, false) {
                Ok(l) => info = l,
                Err(why) => v.errors.push(format!("{name}: {why}")),
            },
            Err(why) => v.errors.push(format!("{name} {why}")),
        }
    }
    info
}

/// Every payload manifest: its algorithm and checksum by payload path
/// (decoded, checked to stay inside `data/`, each listed once).
fn payload_manifests(
    dir: &Path,
    names: &[String],
    version: &Version,
    encoding: &str,
    v: &mut BagValidation,
) -> Manifests {
    let mut manifests: Vec<(BagAlgorithm, BTreeMap<String, String>)> = Vec::new();
    for item in named_tag_files(dir, names, "manifest-", encoding) {
        let (name, alg, text) = match item {
            Ok(found) => found,
            Err(why) => {
                v.errors.push(why);
                continue;
            }
        };
        let mut listed: BTreeMap<String, String> = BTreeMap::new();
        for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
            if line.trim().is_empty() {
                continue;
            }
            let Some((sum, path)) = line.split_once([' ', '\t']) else {
                v.errors
                    .push(format!("{name}: line {line:?} is not `checksum path`"));
                continue;
            };
            let mut path = path.trim_start_matches([' ', '\t']);
            if let Some(p) = path.strip_prefix('*') {
                v.warnings
                    .push(format!("{name}: {path:?} has md5sum's binary marker `*`"));
                path = p;
            }
            let path = decode_bag_path(path, version.at_least_1());
            let (path, dotted) = match check_payload_path(&path) {
                Ok(p) => p,
                Err(why) => {
                    v.errors.push(format!("{name}: {why}"));
                    continue;
                }
            };
            if dotted {
                v.warnings
                    .push(format!("{name}: {path:?} is written with a leading ./"));
            }
            let sum = sum.to_ascii_lowercase();
            match listed.get(&path) {
                Some(prev) if *prev != sum => {
                    v.errors.push(format!(
                        "{name}: {path:?} is listed twice with different checksums"
                    ));
                }
                Some(_) if version.at_least_1() => {
                    v.errors.push(format!(
                        "{name}: {path:?} is listed twice (BagIt 1.0 lists each file once)"
                    ));
                }
                Some(_) => v.warnings.push(format!("{name}: {path:?} is listed twice")),
                None => {
                    listed.insert(path, sum);
                }
            }
        }
        v.algorithms.push(alg.as_str().to_string());
        manifests.push((alg, listed));
    }
    if manifests.is_empty() && !v.errors.iter().any(|e| e.starts_with("manifest-")) {
        v.errors
            .push("no payload manifest (manifest-<algorithm>.txt)".into());
    }
    manifests
}

/// The payload paths `fetch.txt` names (they must stay inside the payload too).
fn fetch_paths(dir: &Path, encoding: &str, v: &mut BagValidation) -> BTreeSet<String> {
    let mut fetched = BTreeSet::new();
    if let Ok(b) = read_tag(dir, "fetch.txt") {
        match decode(&b, encoding) {
            Ok(text) => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let parts: Vec<&str> = line.splitn(3, [' ', '\t']).collect();
                    match parts.as_slice() {
                        [_, _, p] => match check_payload_path(p.trim()) {
                            Ok((p, _)) => {
                                fetched.insert(p);
                            }
                            Err(why) => v.errors.push(format!("fetch.txt: {why}")),
                        },
                        _ => v
                            .errors
                            .push(format!("fetch.txt: line {line:?} is not `url length path`")),
                    }
                }
            }
            Err(why) => v.errors.push(format!("fetch.txt {why}")),
        }
    }
    fetched
}

/// A payload's regular files: (path in the bag, file on disk).
type Payload = Vec<(String, PathBuf)>;

/// Each payload manifest's algorithm and checksums by path.
type Manifests = Vec<(BagAlgorithm, BTreeMap<String, String>)>;

fn by_name(files: &Payload) -> HashMap<&str, &PathBuf> {
    files.iter().map(|(n, p)| (n.as_str(), p)).collect()
}

/// Completeness, both ways: every listed file is there (or explained: another
/// case, another Unicode normalization, a system file), and every payload
/// file is listed. Fills `v.files` and `v.bytes`; gives the payload, whether
/// it is complete, and the listed system files that are missing.
fn completeness(
    dir: &Path,
    manifests: &Manifests,
    fetched: &BTreeSet<String>,
    version: &Version,
    v: &mut BagValidation,
) -> Result<(Payload, bool, BTreeSet<String>)> {
    let (files, others) = payload(dir)?;
    for o in others {
        v.warnings.push(format!(
            "{o} is not a regular file; BagIt payloads hold regular files"
        ));
    }
    let on_disk = by_name(&files);
    v.files = files.len() as u64;
    v.bytes = files
        .iter()
        .map(|(_, p)| std::fs::symlink_metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let folded: HashMap<String, &str> = files
        .iter()
        .map(|(n, _)| (n.to_lowercase(), n.as_str()))
        .collect();
    let normalized: HashMap<String, &str> = files
        .iter()
        .map(|(n, _)| (n.nfc().collect::<String>(), n.as_str()))
        .collect();
    let mut complete = v.errors.is_empty();
    let mut system_missing = BTreeSet::new();
    for (alg, listed) in manifests {
        for path in listed.keys() {
            if on_disk.contains_key(path.as_str()) {
                continue;
            }
            let base_name = path.rsplit('/').next().unwrap_or(path);
            if let Some(other) = folded.get(&path.to_lowercase()) {
                v.warnings.push(format!(
                    "manifest-{}.txt lists {path:?}, which is {other:?} on this case-sensitive file system",
                    alg.as_str()
                ));
            } else if let Some(other) = normalized.get(&path.nfc().collect::<String>()) {
                v.warnings.push(format!(
                    "manifest-{}.txt lists {path:?} in another Unicode normalization than {other:?}",
                    alg.as_str()
                ));
            } else if SYSTEM_FILES.contains(&base_name) {
                system_missing.insert(path.clone());
                v.warnings.push(format!(
                    "manifest-{}.txt lists the system file {path:?}, which is not in the bag",
                    alg.as_str()
                ));
            } else {
                v.errors.push(format!(
                    "manifest-{}.txt lists {path:?}, which is missing{}",
                    alg.as_str(),
                    if fetched.contains(path) {
                        " (it is to be fetched)"
                    } else {
                        ""
                    }
                ));
                complete = false;
            }
        }
    }
    for (name, _) in &files {
        let in_all = manifests.iter().all(|(_, l)| l.contains_key(name));
        let in_any = manifests.iter().any(|(_, l)| l.contains_key(name));
        if !in_any || (version.at_least_1() && !in_all) {
            v.errors.push(format!(
                "payload file {name:?} is not listed in every payload manifest"
            ));
            complete = false;
        }
    }
    Ok((files, complete, system_missing))
}

/// `Payload-Oxum` against the payload counted (`bytes.files`); listed system
/// files missing here explain a larger count. False when it disagrees.
fn payload_oxum(
    info: &[(String, String)],
    system_missing: &BTreeSet<String>,
    v: &mut BagValidation,
) -> bool {
    let mut complete = true;
    if let Some(oxum) = label(info, "Payload-Oxum") {
        let want = format!("{}.{}", v.bytes, v.files);
        let counted = oxum
            .trim()
            .split_once('.')
            .and_then(|(b, n)| Some((b.parse::<u64>().ok()?, n.parse::<u64>().ok()?)));
        let explained = counted.is_some_and(|(b, n)| {
            !system_missing.is_empty() && n == v.files + system_missing.len() as u64 && b >= v.bytes
        });
        if explained {
            v.warnings.push(format!(
                "Payload-Oxum {oxum} also counts the system files missing here"
            ));
        } else if oxum.trim() != want {
            v.errors.push(format!(
                "Payload-Oxum is {oxum} but the payload is {want} (bytes.files)"
            ));
            complete = false;
        }
    }
    complete
}

/// Fixity: every listed file that is there, every algorithm, in one read each.
fn fixity(manifests: &Manifests, files: &Payload, v: &mut BagValidation) {
    let on_disk = by_name(files);
    let mut wanted: BTreeMap<&str, Vec<(BagAlgorithm, &str)>> = BTreeMap::new();
    for (alg, listed) in manifests {
        for (path, sum) in listed {
            if on_disk.contains_key(path.as_str()) {
                wanted
                    .entry(path.as_str())
                    .or_default()
                    .push((*alg, sum.as_str()));
            }
        }
    }
    let mut wanted: Vec<_> = wanted.into_iter().collect();
    largest_first(&mut wanted, |(path, _)| {
        std::fs::symlink_metadata(on_disk[path]).map_or(0, |m| m.len())
    });
    let mut bad: Vec<String> = wanted
        .par_iter()
        .with_max_len(FILES_PER_JOB)
        .flat_map_iter(|(path, sums)| {
            let algs: Vec<BagAlgorithm> = sums.iter().map(|(a, _)| *a).collect();
            match digest_file(on_disk[path], &algs) {
                Ok(got) => sums
                    .iter()
                    .zip(got)
                    .filter(|((_, want), got)| *want != got.as_str())
                    .map(|((a, _), _)| {
                        format!("{path:?} does not match its {} checksum", a.as_str())
                    })
                    .collect::<Vec<_>>(),
                Err(e) => vec![format!("{path:?} cannot be read: {e}")],
            }
        })
        .collect();
    bad.sort();
    v.errors.extend(bad);
}

/// Every tag manifest's checksums of the tag files (paths kept inside the bag).
fn tag_manifests(dir: &Path, names: &[String], encoding: &str, v: &mut BagValidation) {
    for item in named_tag_files(dir, names, "tagmanifest-", encoding) {
        let (name, alg, text) = match item {
            Ok(found) => found,
            Err(why) => {
                v.errors.push(why);
                continue;
            }
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Some((sum, path)) = line.split_once([' ', '\t']) else {
                v.errors
                    .push(format!("{name}: line {line:?} is not `checksum path`"));
                continue;
            };
            let path = path.trim().trim_start_matches('*').trim_start_matches("./");
            if path.starts_with('/') || path.split('/').any(|c| c == "..") || path.starts_with('~')
            {
                v.errors.push(format!("{name}: {path:?} is out of scope"));
                continue;
            }
            match digest_file(&dir.join(path), &[alg]) {
                Ok(got) if got[0] == sum.to_ascii_lowercase() => {}
                Ok(_) => v.errors.push(format!(
                    "tag file {path:?} does not match its {} checksum",
                    alg.as_str()
                )),
                Err(e) => v.errors.push(format!(
                    "tag file {path:?} listed in {name} cannot be read: {e}"
                )),
            }
        }
    }
}

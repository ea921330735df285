//! Export for tools that don't know opskit: BagIt bags (RFC 8493), written
//! and validated, and `sha256sum -c` / `b3sum -c` checksum lines.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::digest::DynDigest;
use unicode_normalization::UnicodeNormalization;

use super::manifest::{Algorithm, EntryKind, Manifest, encode_hex};
use super::walk::{FILES_PER_JOB, largest_first};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

/// A BagIt manifest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum BagAlgorithm {
    /// MD5 (old bags only; never written).
    Md5,
    /// SHA-1 (old bags only; never written).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512 (BagIt's recommended default).
    Sha512,
}

impl BagAlgorithm {
    /// The name used in `manifest-<name>.txt`.
    pub fn as_str(self) -> &'static str {
        match self {
            BagAlgorithm::Md5 => "md5",
            BagAlgorithm::Sha1 => "sha1",
            BagAlgorithm::Sha224 => "sha224",
            BagAlgorithm::Sha256 => "sha256",
            BagAlgorithm::Sha384 => "sha384",
            BagAlgorithm::Sha512 => "sha512",
        }
    }

    fn from_name(s: &str) -> Option<BagAlgorithm> {
        [
            BagAlgorithm::Md5,
            BagAlgorithm::Sha1,
            BagAlgorithm::Sha224,
            BagAlgorithm::Sha256,
            BagAlgorithm::Sha384,
            BagAlgorithm::Sha512,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    fn hasher(self) -> Box<dyn DynDigest + Send> {
        match self {
            BagAlgorithm::Md5 => Box::new(md5::Md5::default()),
            BagAlgorithm::Sha1 => Box::new(sha1::Sha1::default()),
            BagAlgorithm::Sha224 => Box::new(sha2::Sha224::default()),
            BagAlgorithm::Sha256 => Box::new(sha2::Sha256::default()),
            BagAlgorithm::Sha384 => Box::new(sha2::Sha384::default()),
            BagAlgorithm::Sha512 => Box::new(sha2::Sha512::default()),
        }
    }
}

/// Hash one file with several algorithms in one read (never through a symlink).
fn digest_file(path: &Path, algs: &[BagAlgorithm]) -> std::io::Result<Vec<String>> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut hs: Vec<_> = algs.iter().map(|a| a.hasher()).collect();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for h in &mut hs {
            h.update(&buf[..n]);
        }
    }
    Ok(hs.into_iter().map(|h| encode_hex(&h.finalize())).collect())
}

/// Options of [`make_bag`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct BagOptions {
    /// Payload and tag manifest algorithms (default sha256 and sha512).
    pub algorithms: Vec<BagAlgorithm>,
    /// Write the bag here (a new or empty folder), copying the payload;
    /// `None` turns the source folder itself into a bag.
    pub dest: Option<String>,
    /// Extra `bag-info.txt` lines, in order (`Source-Organization`, ...).
    pub info: Vec<(String, String)>,
    /// `Bagging-Date` (default today, UTC).
    pub bagging_date: Option<String>,
}

impl Default for BagOptions {
    fn default() -> Self {
        BagOptions {
            algorithms: vec![BagAlgorithm::Sha256, BagAlgorithm::Sha512],
            dest: None,
            info: Vec::new(),
            bagging_date: None,
        }
    }
}

/// What [`make_bag`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct BagReport {
    /// The bag's folder.
    pub bag: String,
    /// Payload files.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
    /// Payload bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// `Payload-Oxum` as written.
    pub payload_oxum: String,
    /// Things left out (symlinks, special files), with why.
    pub warnings: Vec<String>,
}

/// Percent-encode what RFC 8493 requires in manifest paths: CR, LF and `%`.
fn encode_bag_path(p: &str) -> String {
    p.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn decode_bag_path(p: &str) -> String {
    p.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
}

/// Payload files under `data`: relative paths (`data/...`) of regular files,
/// and what else was there.
/// Payload files (`data/...` name, path) and the names of what else is there.
type Payload = (Vec<(String, PathBuf)>, Vec<String>);

fn payload(base: &Path) -> Result<Payload> {
    let data = base.join("data");
    let mut files = Vec::new();
    let mut other = Vec::new();
    for item in walkdir::WalkDir::new(&data)
        .min_depth(1)
        .follow_links(false)
    {
        let item = item.map_err(|e| {
            let at = e.path().unwrap_or(&data).to_path_buf();
            Error::io(
                &at,
                "read the payload",
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed")),
            )
        })?;
        let rel = item.path().strip_prefix(base).unwrap_or(item.path());
        let name = String::from_utf8_lossy(rel.as_os_str().as_bytes()).into_owned();
        let ft = item.file_type();
        if ft.is_file() {
            files.push((name, item.path().to_path_buf()));
        } else if !ft.is_dir() {
            other.push(name);
        }
    }
    files.sort();
    Ok((files, other))
}

fn copy_payload(src: &Path, data: &Path, warnings: &mut Vec<String>) -> Result<()> {
    for item in walkdir::WalkDir::new(src).min_depth(1).follow_links(false) {
        let item = item.map_err(|e| {
            Error::io(
                src,
                "read",
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed")),
            )
        })?;
        let rel = item.path().strip_prefix(src).unwrap_or(item.path());
        let to = data.join(rel);
        let ft = item.file_type();
        if ft.is_dir() {
            std::fs::create_dir_all(&to).map_err(|e| Error::io(&to, "create", e))?;
        } else if ft.is_file() {
            std::fs::copy(item.path(), &to).map_err(|e| Error::io(item.path(), "copy", e))?;
        } else {
            warnings.push(format!(
                "{} left out: BagIt payloads hold regular files only",
                rel.display()
            ));
        }
    }
    Ok(())
}

/// Turn a folder into a BagIt bag (in place), or write a bag of it into
/// `options.dest`: `data/`, `bagit.txt` (1.0, UTF-8), one
/// `manifest-<alg>.txt` per algorithm, `bag-info.txt` with `Payload-Oxum`
/// and `Bagging-Date`, and `tagmanifest-<alg>.txt`. In place, a folder
/// holding symlinks or special files is refused before anything moves, and a
/// failure while moving puts everything back.
pub fn make_bag(src: &Path, options: &BagOptions) -> Result<BagReport> {
    let mut algs = options.algorithms.clone();
    algs.sort();
    algs.dedup();
    if algs.is_empty()
        || algs
            .iter()
            .any(|a| matches!(a, BagAlgorithm::Md5 | BagAlgorithm::Sha1))
    {
        return Err(Error::invalid(
            "bag algorithms must be among sha224, sha256, sha384, sha512 (md5 and sha1 are only read)",
        ));
    }
    for (k, v) in &options.info {
        if k.is_empty()
            || k.contains(':')
            || k.trim() != k
            || k.contains(['\n', '\r'])
            || v.contains(['\n', '\r'])
        {
            return Err(Error::invalid(format!(
                "bag-info label {k:?} must be non-empty, without `:` or line breaks or surrounding spaces, and its value on one line"
            )));
        }
    }
    let meta = std::fs::metadata(src).map_err(|e| Error::io(src, "read", e))?;
    if !meta.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder", src.display())));
    }
    let mut warnings = Vec::new();
    let base = match &options.dest {
        Some(dest) => {
            let dest = PathBuf::from(dest);
            if dest.exists()
                && std::fs::read_dir(&dest)
                    .map_err(|e| Error::io(&dest, "read", e))?
                    .next()
                    .is_some()
            {
                return Err(Error::invalid(format!(
                    "{} is not empty: give a new or empty folder for the bag",
                    dest.display()
                )));
            }
            let canon_src = src.canonicalize().map_err(|e| Error::io(src, "read", e))?;
            std::fs::create_dir_all(dest.join("data"))
                .map_err(|e| Error::io(&dest, "create", e))?;
            let canon_dest = dest
                .canonicalize()
                .map_err(|e| Error::io(&dest, "read", e))?;
            if canon_dest.starts_with(&canon_src) {
                return Err(Error::invalid(
                    "the bag cannot be written inside the folder it copies",
                ));
            }
            copy_payload(src, &dest.join("data"), &mut warnings)?;
            dest
        }
        None => {
            if src.join("bagit.txt").exists() {
                return Err(Error::invalid(format!(
                    "{} is already a bag (it has bagit.txt)",
                    src.display()
                )));
            }
            for item in walkdir::WalkDir::new(src).min_depth(1).follow_links(false) {
                let item = item.map_err(|e| {
                    Error::io(
                        src,
                        "read",
                        e.into_io_error()
                            .unwrap_or_else(|| std::io::Error::other("walk failed")),
                    )
                })?;
                let ft = item.file_type();
                if !ft.is_file() && !ft.is_dir() {
                    return Err(Error::invalid(format!(
                        "{} is a symlink or special file: a bag made in place cannot hold it; make a copy instead (`--to DIR` on the command line, `dest` in the API), which leaves it out with a warning",
                        item.path().display()
                    )));
                }
            }
            move_into_data(src)?;
            src.to_path_buf()
        }
    };

    let (files, _) = payload(&base)?;
    let mut order: Vec<(usize, u64)> = files
        .iter()
        .enumerate()
        .map(|(i, (_, p))| {
            (
                i,
                std::fs::symlink_metadata(p).map(|m| m.len()).unwrap_or(0),
            )
        })
        .collect();
    largest_first(&mut order, |(_, size)| *size);
    let mut done: Vec<(usize, std::io::Result<Vec<String>>)> = order
        .par_iter()
        .with_max_len(FILES_PER_JOB)
        .map(|&(i, _)| (i, digest_file(&files[i].1, &algs)))
        .collect();
    done.sort_by_key(|(i, _)| *i);
    let sums: Vec<std::io::Result<Vec<String>>> = done.into_iter().map(|(_, r)| r).collect();
    let mut bytes = 0u64;
    for (_, p) in &files {
        bytes += std::fs::symlink_metadata(p).map(|m| m.len()).unwrap_or(0);
    }
    let mut manifests: Vec<(BagAlgorithm, String)> =
        algs.iter().map(|a| (*a, String::new())).collect();
    for ((name, p), sum) in files.iter().zip(sums) {
        let sum = sum.map_err(|e| Error::io(p, "hash", e))?;
        for (i, (_, text)) in manifests.iter_mut().enumerate() {
            text.push_str(&format!("{}  {}\n", sum[i], encode_bag_path(name)));
        }
    }
    let oxum = format!("{bytes}.{}", files.len());
    let date = options
        .bagging_date
        .clone()
        .unwrap_or_else(|| crate::time::format_date(crate::time::today()));
    let mut info = format!(
        "Bag-Software-Agent: opskit {}\nBagging-Date: {date}\nPayload-Oxum: {oxum}\n",
        crate::VERSION
    );
    for (k, v) in &options.info {
        info.push_str(&format!("{k}: {v}\n"));
    }
    let mut tag_files: Vec<(String, Vec<u8>)> = vec![
        (
            "bagit.txt".into(),
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec(),
        ),
        ("bag-info.txt".into(), info.into_bytes()),
    ];
    for (a, text) in manifests {
        tag_files.push((format!("manifest-{}.txt", a.as_str()), text.into_bytes()));
    }
    for (name, content) in &tag_files {
        write_atomic(&base.join(name), content)?;
    }
    for a in &algs {
        let mut text = String::new();
        for (name, content) in &tag_files {
            let mut h = a.hasher();
            h.update(content);
            text.push_str(&format!("{}  {name}\n", encode_hex(&h.finalize())));
        }
        write_atomic(
            &base.join(format!("tagmanifest-{}.txt", a.as_str())),
            text.as_bytes(),
        )?;
    }
    Ok(BagReport {
        bag: base.display().to_string(),
        files: files.len() as u64,
        bytes,
        payload_oxum: oxum,
        warnings,
    })
}

/// Move every child of `dir` into `dir/data`, through a staging folder, so a
/// failure part-way puts everything back where it was.
fn move_into_data(dir: &Path) -> Result<()> {
    let stage = dir.join(format!(".opskit-bag-{}", std::process::id()));
    std::fs::create_dir(&stage).map_err(|e| Error::io(&stage, "create", e))?;
    let mut moved: Vec<std::ffi::OsString> = Vec::new();
    let result = (|| -> std::io::Result<()> {
        for item in std::fs::read_dir(dir)? {
            let name = item?.file_name();
            if dir.join(&name) == stage {
                continue;
            }
            std::fs::rename(dir.join(&name), stage.join(&name))?;
            moved.push(name);
        }
        std::fs::rename(&stage, dir.join("data"))
    })();
    if let Err(e) = result {
        for name in &moved {
            let _ = std::fs::rename(stage.join(name), dir.join(name));
        }
        let _ = std::fs::remove_dir(&stage);
        return Err(Error::io(dir, "move the payload into data/ in", e));
    }
    Ok(())
}

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
    if p.starts_with('/') || p.starts_with('~') || p.contains('\\') || p.contains('\0') {
        return Err(format!(
            "{p:?} is out of scope: absolute, home-relative or not `/`-separated"
        ));
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
    let read = |name: &str| {
        crate::fsutil::read_capped(&dir.join(name), crate::limits::MAX_TAG_FILE_BYTES, name)
    };
    let bagit = match read("bagit.txt") {
        Ok(b) => b,
        Err(_) => {
            v.errors.push("bagit.txt is missing: not a bag".into());
            return Ok(v);
        }
    };
    let bagit = match decode(&bagit, "UTF-8") {
        Ok(t) => t,
        Err(why) => {
            v.errors.push(format!("bagit.txt {why}"));
            return Ok(v);
        }
    };
    let declared = match parse_labels(&bagit, true).or_else(|_| parse_labels(&bagit, false)) {
        Ok(l) => l,
        Err(why) => {
            v.errors.push(format!("bagit.txt: {why}"));
            return Ok(v);
        }
    };
    let get = |list: &[(String, String)], k: &str| {
        list.iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let Some(version_text) = get(&declared, "BagIt-Version") else {
        v.errors.push("bagit.txt has no BagIt-Version".into());
        return Ok(v);
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
            return Ok(v);
        }
    };
    if version.at_least_1()
        && let Err(why) = parse_labels(&bagit, true)
    {
        v.errors.push(format!("bagit.txt: {why}"));
        return Ok(v);
    }
    let Some(encoding) = get(&declared, "Tag-File-Character-Encoding") else {
        v.errors
            .push("bagit.txt has no Tag-File-Character-Encoding".into());
        return Ok(v);
    };

    // bag-info.txt (or package-info.txt before 0.96).
    let info_name = if dir.join("bag-info.txt").exists() {
        Some("bag-info.txt")
    } else if dir.join("package-info.txt").exists() {
        Some("package-info.txt")
    } else {
        None
    };
    let mut info = Vec::new();
    if let Some(name) = info_name {
        match read(name)
            .map_err(|e| e.to_string())
            .and_then(|b| decode(&b, &encoding))
        {
            Ok(t) => match parse_labels(&t, false) {
                Ok(l) => info = l,
                Err(why) => v.errors.push(format!("{name}: {why}")),
            },
            Err(why) => v.errors.push(format!("{name} {why}")),
        }
    }

    // Payload manifests.
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, "read", e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut manifests: Vec<(BagAlgorithm, BTreeMap<String, String>)> = Vec::new();
    for item in named_tag_files(dir, &names, "manifest-", &encoding) {
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
            let path = if version.at_least_1() {
                decode_bag_path(path)
            } else {
                path.to_string()
            };
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

    // fetch.txt paths must stay inside the payload too.
    let mut fetched = BTreeSet::new();
    if let Ok(b) = read("fetch.txt") {
        match decode(&b, &encoding) {
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

    // Completeness, both ways.
    let (files, others) = payload(dir)?;
    for o in others {
        v.warnings.push(format!(
            "{o} is not a regular file; BagIt payloads hold regular files"
        ));
    }
    let on_disk: HashMap<&str, &PathBuf> = files.iter().map(|(n, p)| (n.as_str(), p)).collect();
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
    for (alg, listed) in &manifests {
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
    if let Some(oxum) = get(&info, "Payload-Oxum") {
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
    v.complete = complete && v.errors.is_empty();

    // Fixity: every listed file that is there, every algorithm, in one read each.
    if !options.fast {
        let mut wanted: BTreeMap<&str, Vec<(BagAlgorithm, &str)>> = BTreeMap::new();
        for (alg, listed) in &manifests {
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

        // Tag manifests.
        for item in named_tag_files(dir, &names, "tagmanifest-", &encoding) {
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
                if path.starts_with('/')
                    || path.split('/').any(|c| c == "..")
                    || path.starts_with('~')
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
    v.valid = v.complete && v.errors.is_empty();
    Ok(v)
}

/// Checksum-file formats for `-c` checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ChecksumFormat {
    /// `sha256sum -c` (needs a SHA-256 manifest): the default, as every
    /// system has sha256sum.
    #[default]
    Sha256sum,
    /// `b3sum -c` (needs a BLAKE3 manifest).
    B3sum,
}

impl ChecksumFormat {
    /// The name, as the checker is called: `sha256sum` or `b3sum`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumFormat::Sha256sum => "sha256sum",
            ChecksumFormat::B3sum => "b3sum",
        }
    }
}

/// The one parser of a checksum format name, for every front.
impl std::str::FromStr for ChecksumFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sha256sum" => Ok(ChecksumFormat::Sha256sum),
            "b3sum" => Ok(ChecksumFormat::B3sum),
            _ => Err(Error::invalid(format!(
                "unknown checksum format {s:?}; use sha256sum or b3sum"
            ))),
        }
    }
}

/// The manifest's files as `sha256sum -c` or `b3sum -c` lines, paths relative
/// to the tree's root (run the checker there). Checksum files are bytes,
/// not text: every name is written with its exact bytes.
///
/// - `sha256sum`: as GNU coreutils writes them. A name with `\`, LF or CR
///   gets a leading `\` on its line and those characters escaped (`\\`,
///   `\n`, `\r`); a name that is not UTF-8 is written as its raw bytes.
/// - `b3sum`: as b3sum reads them. `\\` and `\n` are escaped with a leading
///   `\`; CR is written raw (b3sum rejects `\r` as an invalid escape). b3sum
///   reads only UTF-8 checksum files, so a manifest with a name that is not
///   UTF-8 is `Unsupported` in this format (its error names the entry and
///   says to use sha256sum lines, which can list it).
pub fn checksum_lines(manifest: &Manifest, format: ChecksumFormat) -> Result<Vec<u8>> {
    manifest.validate()?;
    let alg = match format {
        ChecksumFormat::Sha256sum => Algorithm::Sha256,
        ChecksumFormat::B3sum => Algorithm::Blake3,
    };
    if !manifest.algorithms.contains(&alg) {
        return Err(Error::invalid(format!(
            "this manifest has no {alg} digests: build it with {alg} to export {} lines",
            format.as_str()
        )));
    }
    let mut out = Vec::new();
    for e in manifest
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::File)
    {
        let name = e.raw_path();
        if format == ChecksumFormat::B3sum && e.path_bytes.is_some() {
            return Err(Error::new(
                crate::ErrorKind::Unsupported,
                format!(
                    "{} is not UTF-8 and b3sum reads only UTF-8 checksum files: export sha256sum lines (build the manifest with SHA-256), which list every name",
                    crate::text::quote_bytes(&name)
                ),
            ));
        }
        let digest = e.digest(alg).unwrap_or_default();
        let escaped: &[u8] = match format {
            ChecksumFormat::Sha256sum => b"\\\n\r",
            ChecksumFormat::B3sum => b"\\\n",
        };
        if name.iter().any(|b| escaped.contains(b)) {
            out.push(b'\\');
            out.extend_from_slice(digest.as_bytes());
            out.extend_from_slice(b"  ");
            for &b in &name {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' if format == ChecksumFormat::Sha256sum => out.extend_from_slice(b"\\r"),
                    b => out.push(b),
                }
            }
        } else {
            out.extend_from_slice(digest.as_bytes());
            out.extend_from_slice(b"  ");
            out.extend_from_slice(&name);
        }
        out.push(b'\n');
    }
    Ok(out)
}

//! Making a bag: the payload moved (in place) or copied under `data/`,
//! manifests of every chosen algorithm, `bagit.txt`, `bag-info.txt` and the
//! tag manifests.

use crate::backup::manifest::encode_hex;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{BagAlgorithm, digest_file, encode_bag_path, payload};
use crate::backup::walk::{FILES_PER_JOB, largest_first};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

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
    refuse_names_no_reader_agrees_on(src)?;
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

/// Before anything moves: refuse the names a bag cannot carry so that
/// every validator reads them back — not UTF-8 (tag files are UTF-8; the
/// name would be listed lossily and never found), or holding `%25`, `%0A`
/// or `%0D` (RFC 8493 readers decode them, bagit.py decodes only some).
fn refuse_names_no_reader_agrees_on(src: &Path) -> Result<()> {
    for item in walkdir::WalkDir::new(src).min_depth(1).follow_links(false) {
        let Ok(item) = item else {
            continue; // the walk that copies or moves reports it
        };
        let rel = item.path().strip_prefix(src).unwrap_or(item.path());
        let shown = || crate::text::quote_bytes(rel.as_os_str().as_encoded_bytes());
        match item.file_name().to_str() {
            None => {
                return Err(Error::invalid(format!(
                    "{} is not a UTF-8 name: a bag's manifests are UTF-8, so no validator could find it; rename it (convmv -f latin1 -t utf8) or leave it out of the bag",
                    shown()
                )));
            }
            Some(name) if super::ambiguous_percent(name) => {
                return Err(Error::invalid(format!(
                    "{} holds a percent sequence (%25, %0A or %0D) that BagIt readers decode differently; rename it or leave it out of the bag",
                    shown()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
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

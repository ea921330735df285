//! BagIt bags (RFC 8493): written ([`make_bag`]) and validated
//! ([`validate_bag`]), for tools that don't know opskit. What both sides
//! share lives here: the algorithms, file digests, path encoding and the
//! payload walk.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::digest::DynDigest;

use super::manifest::encode_hex;
use crate::error::{Error, Result};

mod make;
mod validate;

pub use self::make::{BagOptions, BagReport, make_bag};
pub use self::validate::{BagValidateOptions, BagValidation, validate_bag};

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

/// Hash one file with several algorithms in one read (never through a
/// symlink). Each algorithm runs on its own core, and the next megabyte is
/// read while the last one is hashed, so a single large file uses every
/// core a bag's algorithms can keep busy (sha256 and sha512: two).
fn digest_file(path: &Path, algs: &[BagAlgorithm]) -> std::io::Result<Vec<String>> {
    use rayon::prelude::*;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let read = |f: &mut std::fs::File, buf: &mut [u8]| loop {
        match f.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    };
    let mut hs: Vec<_> = algs.iter().map(|a| a.hasher()).collect();
    let (mut cur, mut next) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    let mut n = read(&mut f, &mut cur)?;
    while n > 0 {
        let chunk = &cur[..n];
        let (got, ()) = rayon::join(
            || read(&mut f, &mut next),
            || {
                if hs.len() > 1 {
                    hs.par_iter_mut().for_each(|h| h.update(chunk));
                } else {
                    hs.iter_mut().for_each(|h| h.update(chunk));
                }
            },
        );
        n = got?;
        std::mem::swap(&mut cur, &mut next);
    }
    Ok(hs.into_iter().map(|h| encode_hex(&h.finalize())).collect())
}

/// Percent-encode a manifest path's CR and LF, as RFC 8493 and bagit.py
/// both do. RFC 8493 also encodes `%` as `%25`, which bagit.py never
/// decodes; [`make_bag`] refuses the names where that matters (a literal
/// `%25`, `%0A` or `%0D`), so a bare `%` reads back the same in both.
fn encode_bag_path(p: &str) -> String {
    p.replace('\r', "%0D").replace('\n', "%0A")
}

/// Whether a name holds a sequence a validator would decode (`%25`, `%0A`,
/// `%0D`, any case): written as it is, readers would disagree about it.
fn ambiguous_percent(name: &str) -> bool {
    let b = name.as_bytes();
    b.windows(3).any(|w| {
        w[0] == b'%'
            && matches!(
                (w[1], w[2].to_ascii_uppercase()),
                (b'2', b'5') | (b'0', b'A') | (b'0', b'D')
            )
    })
}

/// Decode a manifest path: `%0A` and `%0D` in any version (bagit.py writes
/// them in 0.97 bags too), `%25` from BagIt 1.0 on (RFC 8493).
fn decode_bag_path(p: &str, percent: bool) -> String {
    let p = p
        .replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n");
    if percent { p.replace("%25", "%") } else { p }
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

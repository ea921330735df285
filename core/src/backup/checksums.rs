//! `sha256sum -c` / `b3sum -c` checksum lines of a manifest, for checkers
//! that don't know opskit.

use serde::{Deserialize, Serialize};

use super::manifest::{Algorithm, EntryKind, Manifest};
use crate::error::{Error, Result};

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

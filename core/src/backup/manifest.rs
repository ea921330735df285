//! The manifest document: its types, canonical serialisation, atomic write
//! and validating read. The format is documented in `docs/manifest-format.md`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::limits::{MAX_MANIFEST_BYTES, MAX_MANIFEST_ENTRIES};

/// The `format` field of every manifest.
pub const MANIFEST_FORMAT: &str = "opskit-manifest";
/// The newest manifest format version this library reads and writes.
/// Version 2 added owner, group, extended attributes, ACLs and hard-link
/// groups; version 1 manifests still read and verify (those kinds unchecked).
pub const MANIFEST_VERSION: u32 = 2;

/// A content hash algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// BLAKE3 (256-bit), the default: fast, and parallel within one file.
    Blake3,
    /// SHA-256, for tools that only speak SHA-2 (BagIt, `sha256sum`).
    Sha256,
}

impl Algorithm {
    /// The lowercase name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Blake3 => "blake3",
            Algorithm::Sha256 => "sha256",
        }
    }

    /// Hex digits of a digest.
    pub fn hex_len(self) -> usize {
        64
    }
}

impl std::str::FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "blake3" | "b3" => Ok(Algorithm::Blake3),
            "sha256" | "sha-256" => Ok(Algorithm::Sha256),
            _ => Err(Error::invalid(format!(
                "unknown hash algorithm {s:?}; use blake3 or sha256"
            ))),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A regular file: size and hashes.
    File,
    /// A directory.
    Dir,
    /// A symbolic link: its target, not followed.
    Symlink,
    /// A named pipe (recorded, never read).
    Fifo,
    /// A Unix socket (recorded, never read).
    Socket,
    /// A block device (recorded, never read).
    BlockDevice,
    /// A character device (recorded, never read).
    CharDevice,
}

impl EntryKind {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Fifo => "fifo",
            EntryKind::Socket => "socket",
            EntryKind::BlockDevice => "block_device",
            EntryKind::CharDevice => "char_device",
        }
    }
}

/// One entry of a manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase", rename = "ManifestEntry"))]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Relative, `/`-separated path; for a name that is not UTF-8, its lossy
    /// form (the exact bytes are in `path_bytes`).
    pub path: String,
    /// The exact path bytes as lowercase hex, only when the name is not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// What it is.
    pub kind: EntryKind,
    /// Size in bytes (files; the target's length for symlinks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Permission bits in octal, e.g. `0644`.
    pub mode: String,
    /// Modification time, RFC 3339 UTC with nanoseconds.
    pub mtime: String,
    /// BLAKE3 of the content (files, when the manifest uses BLAKE3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// SHA-256 of the content (files, when the manifest uses SHA-256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// A symlink's target as written (lossy when not UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A symlink target's exact bytes as hex, only when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_bytes: Option<String>,
    /// The owner's user id (format 2 on: every entry has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// The group id (format 2 on: every entry has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// The owner's user name, when the host that built it could resolve it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The group name, when the host that built it could resolve it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Extended attributes, name to value as lowercase hex (format 2; POSIX
    /// ACLs are in `acl` and `default_acl`). Absent when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub xattrs: BTreeMap<String, String>,
    /// The POSIX access ACL, when it grants more than the mode, in short
    /// text form (`user::rw-,user:1000:r--,group::r--,mask::r--,other::r--`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<String>,
    /// A folder's default ACL (what new entries inherit), same form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_acl: Option<String>,
    /// Entries that share one inode (hard links) carry the same number:
    /// 1, 2, … in the order of each group's first path (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub link_group: Option<u64>,
}

impl Entry {
    /// The digest for `alg`, if recorded.
    pub fn digest(&self, alg: Algorithm) -> Option<&str> {
        match alg {
            Algorithm::Blake3 => self.blake3.as_deref(),
            Algorithm::Sha256 => self.sha256.as_deref(),
        }
    }

    /// The exact path bytes (decoded from `path_bytes` when present).
    pub fn raw_path(&self) -> Vec<u8> {
        match &self.path_bytes {
            Some(h) => decode_hex(h).unwrap_or_else(|| self.path.as_bytes().to_vec()),
            None => self.path.as_bytes().to_vec(),
        }
    }

    /// The entry's location under `root`.
    pub fn fs_path(&self, root: &Path) -> PathBuf {
        root.join(OsStr::from_bytes(&self.raw_path()))
    }
}

/// A path that was left out of the manifest, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Skipped {
    /// The relative path (lossy when not UTF-8).
    pub path: String,
    /// Why: unreadable, changed while hashed, vanished.
    pub reason: String,
}

/// Counts and bytes of a manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ManifestTotals"))]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Regular files.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Symbolic links.
    pub symlinks: u64,
    /// FIFOs, sockets and devices.
    pub other: u64,
    /// Bytes of all regular files.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

/// The include/exclude globs a manifest was built with; verify applies them too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ManifestFilters"))]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// Only paths matching one of these globs (all when empty).
    pub include: Vec<String>,
    /// Paths matching one of these globs are left out.
    pub exclude: Vec<String>,
}

/// A backup manifest: what a backup holds, byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `opskit-manifest`.
    pub format: String,
    /// The format version (2; 1 is still read).
    pub version: u32,
    /// When it was made, RFC 3339 UTC.
    pub created: String,
    /// A label for the tree (by default its folder name).
    pub root: String,
    /// The content hash algorithms, in order.
    pub algorithms: Vec<Algorithm>,
    /// Free-form labels: database, job, encryption algorithm, key id (never a key).
    pub labels: BTreeMap<String, String>,
    /// The hash of the previous manifest in a chain (`blake3:<hex>` of its bytes).
    pub previous: Option<String>,
    /// The globs the tree was filtered with.
    pub filters: Filters,
    /// Counts and bytes.
    pub totals: Totals,
    /// The entries, sorted by path bytes.
    pub entries: Vec<Entry>,
    /// Paths left out, with the reason (sorted by path).
    pub skipped: Vec<Skipped>,
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Check a relative manifest path: no empty, `.` or `..` components, not
/// absolute, no NUL. Returns a reason when it is unsafe.
pub(crate) fn unsafe_path(raw: &[u8]) -> Option<&'static str> {
    if raw.is_empty() {
        return Some("is empty");
    }
    if raw.contains(&0) {
        return Some("contains a NUL byte");
    }
    if raw[0] == b'/' {
        return Some("is absolute");
    }
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" => return Some("has an empty component (`//` or a trailing `/`)"),
            b"." => return Some("has a `.` component"),
            b".." => return Some("has a `..` component"),
            _ => {}
        }
    }
    None
}

impl Manifest {
    /// The canonical text: a stable field order, the header indented, one
    /// entry per line, a final newline. The same tree gives the same bytes.
    pub fn to_canonical_string(&self) -> Result<String> {
        let j = |v: &dyn erased::Json| v.json();
        let mut out = String::from("{\n");
        let mut field = |name: &str, value: String| {
            out.push_str(&format!("  {}: {value},\n", serde_json::Value::from(name)));
        };
        field("format", j(&self.format)?);
        field("version", j(&self.version)?);
        field("created", j(&self.created)?);
        field("root", j(&self.root)?);
        field("algorithms", j(&self.algorithms)?);
        field("labels", j(&self.labels)?);
        field("previous", j(&self.previous)?);
        field("filters", j(&self.filters)?);
        field("totals", j(&self.totals)?);
        let list = |items: Vec<String>| -> String {
            if items.is_empty() {
                "[]".to_string()
            } else {
                format!("[\n    {}\n  ]", items.join(",\n    "))
            }
        };
        let entries = self
            .entries
            .iter()
            .map(|e| j(e))
            .collect::<Result<Vec<_>>>()?;
        out.push_str(&format!("  \"entries\": {},\n", list(entries)));
        let skipped = self
            .skipped
            .iter()
            .map(|s| j(s))
            .collect::<Result<Vec<_>>>()?;
        out.push_str(&format!("  \"skipped\": {}\n}}\n", list(skipped)));
        Ok(out)
    }

    /// Parse and validate manifest text. Every problem is an
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind) error naming the entry.
    pub fn from_json(text: &str) -> Result<Manifest> {
        if text.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(Error::invalid(format!(
                "manifest text is {} bytes, over the {MAX_MANIFEST_BYTES}-byte limit",
                text.len()
            )));
        }
        // The version decides how to read the rest: check it first (the
        // other fields are skipped, not built).
        #[derive(Deserialize)]
        struct Head {
            format: Option<serde_json::Value>,
            version: Option<serde_json::Value>,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| {
            Error::invalid(format!(
                "manifest is not valid JSON (line {}, column {}): {e}; it may be truncated",
                e.line(),
                e.column()
            ))
        })?;
        match head.format.as_ref().and_then(|f| f.as_str()) {
            Some(MANIFEST_FORMAT) => {}
            other => {
                return Err(Error::invalid(format!(
                    "not an opskit manifest: format is {other:?}, expected {MANIFEST_FORMAT:?}"
                )));
            }
        }
        match head.version.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v >= 1 && v <= MANIFEST_VERSION as u64 => {}
            Some(v) if v > MANIFEST_VERSION as u64 => {
                return Err(Error::new(
                    crate::ErrorKind::Unsupported,
                    format!(
                        "manifest format version {v} is newer than this opskit reads ({MANIFEST_VERSION}): upgrade opskit"
                    ),
                ));
            }
            other => {
                return Err(Error::invalid(format!(
                    "manifest version {other:?} is invalid; expected 1 to {MANIFEST_VERSION}"
                )));
            }
        }
        let m: Manifest = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("invalid manifest: {e}")))?;
        m.validate()?;
        Ok(m)
    }

    /// A manifest in either shape a caller has one: an object is a
    /// manifest (validated), a string is the path of a manifest file (read
    /// and validated). The one reading of that argument, for every front.
    pub fn from_value(value: serde_json::Value) -> Result<Manifest> {
        match value {
            serde_json::Value::String(path) => Manifest::read(Path::new(&path)),
            serde_json::Value::Object(_) => {
                let m: Manifest = serde_json::from_value(value)
                    .map_err(|e| Error::invalid(format!("invalid manifest: {e}")))?;
                m.validate()?;
                Ok(m)
            }
            other => Err(Error::invalid(format!(
                "a manifest is an object or the path of a manifest file, not {}",
                match other {
                    serde_json::Value::Null => "null",
                    serde_json::Value::Bool(_) => "a boolean",
                    serde_json::Value::Number(_) => "a number",
                    _ => "a list",
                }
            ))),
        }
    }

    /// Read and validate the manifest file at `path` (at most
    /// [`MAX_MANIFEST_BYTES`], UTF-8).
    pub fn read(path: &Path) -> Result<Manifest> {
        let file = crate::fsutil::open_regular(path, "manifest")?;
        let meta = file
            .metadata()
            .map_err(|e| Error::io(path, "read manifest", e))?;
        if meta.len() > MAX_MANIFEST_BYTES {
            return Err(Error::invalid(format!(
                "manifest {} is {} bytes, over the {MAX_MANIFEST_BYTES}-byte limit: is it a manifest?",
                path.display(),
                meta.len()
            )));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&file, MAX_MANIFEST_BYTES + 1),
            &mut bytes,
        )
        .map_err(|e| Error::io(path, "read manifest", e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::invalid(format!(
                "manifest {} is not UTF-8 (invalid byte at offset {}): it is damaged or not a manifest",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        Manifest::from_json(&text)
            .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
    }

    /// Write the canonical text to `path` atomically: a temporary file in the
    /// same folder, fsync, rename, fsync of the folder. A crash leaves the old
    /// file or the new one, never half of one.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, self.to_canonical_string()?.as_bytes())
    }

    /// Check every rule of the format (see `docs/manifest-format.md`).
    pub fn validate(&self) -> Result<()> {
        if self.entries.len() > MAX_MANIFEST_ENTRIES {
            return Err(Error::invalid(format!(
                "the manifest lists {} entries, over the {MAX_MANIFEST_ENTRIES}-entry limit",
                self.entries.len()
            )));
        }
        if self.format != MANIFEST_FORMAT {
            return Err(Error::invalid(format!(
                "not an opskit manifest: format is {:?}",
                self.format
            )));
        }
        if self.algorithms.is_empty() {
            return Err(Error::invalid(
                "manifest names no hash algorithm; expected [\"blake3\"] and/or [\"sha256\"]",
            ));
        }
        let mut algs = self.algorithms.clone();
        algs.dedup();
        if algs.len() != self.algorithms.len() || algs.len() > 2 {
            return Err(Error::invalid(
                "manifest lists a hash algorithm twice; list each once",
            ));
        }
        if let Some(p) = &self.previous {
            let ok = p
                .strip_prefix("blake3:")
                .is_some_and(|h| h.len() == 64 && is_lower_hex(h));
            if !ok {
                return Err(Error::invalid(format!(
                    "manifest previous {p:?} must be \"blake3:\" and 64 lowercase hex digits"
                )));
            }
        }
        if self.version == 0 || self.version > MANIFEST_VERSION {
            return Err(Error::invalid(format!(
                "manifest version {} is not one this opskit reads (1 to {MANIFEST_VERSION})",
                self.version
            )));
        }
        let v2 = self.version >= 2;
        let mut totals = Totals::default();
        let mut last: Option<Vec<u8>> = None;
        let mut groups: BTreeMap<u64, usize> = BTreeMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            let bad =
                |why: String| Error::invalid(format!("manifest entry {i} ({:?}): {why}", e.path));
            let raw = match &e.path_bytes {
                Some(h) => {
                    let raw = decode_hex(h)
                        .filter(|_| is_lower_hex(h))
                        .ok_or_else(|| bad("path_bytes is not lowercase hex".into()))?;
                    if std::str::from_utf8(&raw).is_ok() {
                        return Err(bad("path_bytes is only for names that are not UTF-8".into()));
                    }
                    if String::from_utf8_lossy(&raw) != e.path {
                        return Err(bad("path does not match path_bytes".into()));
                    }
                    raw
                }
                None => e.path.as_bytes().to_vec(),
            };
            if let Some(why) = unsafe_path(&raw) {
                return Err(bad(format!(
                    "the path {why}; paths are relative, `/`-separated, without `.` or `..`"
                )));
            }
            if let Some(prev) = &last
                && raw <= *prev
            {
                return Err(bad(if raw == *prev {
                    "duplicate path".into()
                } else {
                    "entries are not sorted by path".into()
                }));
            }
            last = Some(raw);
            let mode_ok = e.mode.len() == 4 && e.mode.bytes().all(|b| (b'0'..=b'7').contains(&b));
            if !mode_ok {
                return Err(bad(format!(
                    "mode {:?} must be octal like \"0644\"",
                    e.mode
                )));
            }
            if crate::time::parse_rfc3339(&e.mtime).is_none() {
                return Err(bad(format!("mtime {:?} is not an RFC 3339 time", e.mtime)));
            }
            let has_hash = e.blake3.is_some() || e.sha256.is_some();
            match e.kind {
                EntryKind::File => {
                    let size = e.size.ok_or_else(|| bad("a file needs a size".into()))?;
                    for alg in [Algorithm::Blake3, Algorithm::Sha256] {
                        let listed = self.algorithms.contains(&alg);
                        match (e.digest(alg), listed) {
                            (Some(d), true) => {
                                if d.len() != alg.hex_len() || !is_lower_hex(d) {
                                    return Err(bad(format!(
                                        "{alg} digest {d:?} must be {} lowercase hex digits",
                                        alg.hex_len()
                                    )));
                                }
                            }
                            (None, true) => {
                                return Err(bad(format!("a file needs its {alg} digest")));
                            }
                            (Some(_), false) => {
                                return Err(bad(format!(
                                    "has a {alg} digest but the manifest does not list {alg}"
                                )));
                            }
                            (None, false) => {}
                        }
                    }
                    if e.target.is_some() {
                        return Err(bad("a file has no target".into()));
                    }
                    totals.files += 1;
                    totals.bytes = totals
                        .bytes
                        .checked_add(size)
                        .ok_or_else(|| bad("sizes overflow".into()))?;
                }
                kind => {
                    if has_hash {
                        return Err(bad(format!("a {} has no digest", kind.as_str())));
                    }
                    match kind {
                        EntryKind::Symlink => {
                            if e.target.is_none() {
                                return Err(bad("a symlink needs its target".into()));
                            }
                            totals.symlinks += 1;
                        }
                        EntryKind::Dir => totals.dirs += 1,
                        _ => totals.other += 1,
                    }
                    if kind != EntryKind::Symlink && (e.target.is_some() || e.size.is_some()) {
                        return Err(bad(format!("a {} has no size or target", kind.as_str())));
                    }
                }
            }
            if v2 {
                if e.uid.is_none() || e.gid.is_none() {
                    return Err(bad("a version 2 entry needs its uid and gid".into()));
                }
            } else if e.uid.is_some()
                || e.gid.is_some()
                || e.user.is_some()
                || e.group.is_some()
                || !e.xattrs.is_empty()
                || e.acl.is_some()
                || e.default_acl.is_some()
                || e.link_group.is_some()
            {
                return Err(bad(
                    "owner, xattrs, ACLs and link groups are format version 2: set \"version\": 2"
                        .into(),
                ));
            }
            for (name, value) in &e.xattrs {
                if name.is_empty()
                    || name.contains('\0')
                    || !is_lower_hex(value)
                    || value.len() % 2 != 0
                {
                    return Err(bad(format!(
                        "xattr {name:?} needs a name and a lowercase hex value"
                    )));
                }
            }
            if let Some(g) = e.link_group {
                if e.kind == EntryKind::Dir {
                    return Err(bad("a folder has no link group".into()));
                }
                let next = groups.len() as u64 + 1;
                if !groups.contains_key(&g) && g != next {
                    return Err(bad(format!(
                        "link group {g} should be {next}: groups are numbered in order of their first path"
                    )));
                }
                *groups.entry(g).or_default() += 1;
            }
            if let Some(t) = &e.target_bytes {
                let raw = decode_hex(t)
                    .filter(|_| is_lower_hex(t))
                    .ok_or_else(|| bad("target_bytes is not lowercase hex".into()))?;
                if raw.contains(&0) {
                    return Err(bad("target contains a NUL byte".into()));
                }
            }
        }
        if let Some((g, _)) = groups.iter().find(|(_, n)| **n < 2) {
            return Err(Error::invalid(format!(
                "manifest link group {g} has one entry: a group lists every path that shares an inode"
            )));
        }
        if totals != self.totals {
            return Err(Error::invalid(format!(
                "manifest totals {:?} do not match its entries {:?}",
                self.totals, totals
            )));
        }
        for (i, s) in self.skipped.iter().enumerate() {
            if unsafe_path(s.path.as_bytes()).is_some() {
                return Err(Error::invalid(format!(
                    "manifest skipped entry {i} ({:?}) is not a safe relative path",
                    s.path
                )));
            }
        }
        Ok(())
    }

    /// The BLAKE3 of the canonical text, `blake3:<hex>`: what a following
    /// manifest names as its `previous`.
    pub fn chain_hash(&self) -> Result<String> {
        let text = self.to_canonical_string()?;
        Ok(format!(
            "blake3:{}",
            encode_hex(blake3::hash(text.as_bytes()).as_bytes())
        ))
    }
}

/// Serialise a value as compact JSON (object-safe helper for the canonical writer).
mod erased {
    use crate::error::{Error, Result};

    pub trait Json {
        fn json(&self) -> Result<String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String> {
            serde_json::to_string(self)
                .map_err(|e| Error::invalid(format!("cannot encode manifest JSON: {e}")))
        }
    }
}

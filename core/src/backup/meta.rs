//! What a manifest records besides content (format version 2): owner and
//! group, extended attributes, POSIX ACLs and hard-link groups; and the
//! policy that verify and restore drills apply to each kind of metadata
//! difference.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::manifest::{EntryKind, encode_hex};
use crate::error::{Error, Result};

/// What a metadata difference does to a verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Not checked.
    Ignore,
    /// Reported; the verification still passes.
    Warn,
    /// Reported, and the verification fails.
    Fail,
}

impl Action {
    /// The lowercase name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Ignore => "ignore",
            Action::Warn => "warn",
            Action::Fail => "fail",
        }
    }
}

/// What verify and restore drills do with each kind of metadata difference.
/// The defaults pass a faithful restore (restic restore, `cp -a`, `tar` as
/// root) and fail a change that matters for security: permission bits,
/// setuid/setgid/sticky and file capabilities, owner, ACLs. Times,
/// extended attributes and hard links only warn.
///
/// It is read from an object of the kinds to change (`{"owner": "warn"}`,
/// the rest default) or from the CLI's text (`"owner=warn,mtime=ignore"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MetadataPolicy {
    /// Permission bits (`rwx` for user, group, other). Default fail.
    pub mode: Action,
    /// setuid, setgid and sticky bits, and the `security.capability`
    /// attribute (file capabilities grant privileges as setuid does).
    /// Default fail.
    pub special: Action,
    /// Owner and group (the same when the numbers or the names match).
    /// Default fail; `warn` when restoring as an unprivileged user.
    pub owner: Action,
    /// Modification times of files, folders and symlinks. Default warn.
    pub mtime: Action,
    /// Extended attributes other than ACLs and capabilities. Default warn.
    pub xattrs: Action,
    /// POSIX ACLs (access, and a folder's default ACL). Default fail.
    pub acl: Action,
    /// Hard links: entries that shared one inode and no longer do, or the
    /// reverse. Default warn.
    pub links: Action,
}

impl Default for MetadataPolicy {
    fn default() -> Self {
        MetadataPolicy {
            mode: Action::Fail,
            special: Action::Fail,
            owner: Action::Fail,
            mtime: Action::Warn,
            xattrs: Action::Warn,
            acl: Action::Fail,
            links: Action::Warn,
        }
    }
}

/// The kinds a policy names, in report order.
pub(crate) const KINDS: [&str; 7] = [
    "mode", "special", "owner", "mtime", "xattrs", "acl", "links",
];

impl MetadataPolicy {
    /// Every kind set to `action`.
    pub fn all(action: Action) -> Self {
        MetadataPolicy {
            mode: action,
            special: action,
            owner: action,
            mtime: action,
            xattrs: action,
            acl: action,
            links: action,
        }
    }

    /// The action for a kind by name (`mode`, `special`, `owner`, `mtime`,
    /// `xattrs`, `acl`, `links`).
    pub fn get(&self, kind: &str) -> Option<Action> {
        let mut copy = *self;
        copy.slot(kind).map(|a| *a)
    }

    fn slot(&mut self, kind: &str) -> Option<&mut Action> {
        Some(match kind {
            "mode" => &mut self.mode,
            "special" => &mut self.special,
            "owner" => &mut self.owner,
            "mtime" => &mut self.mtime,
            "xattrs" => &mut self.xattrs,
            "acl" => &mut self.acl,
            "links" => &mut self.links,
            _ => return None,
        })
    }

    /// The policy as `kind=action` pairs, in report order.
    pub fn to_spec(&self) -> String {
        KINDS
            .iter()
            .map(|k| format!("{k}={}", self.get(k).map_or("", Action::as_str)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl std::str::FromStr for Action {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ignore" => Ok(Action::Ignore),
            "warn" => Ok(Action::Warn),
            "fail" => Ok(Action::Fail),
            _ => Err(Error::invalid(format!(
                "unknown metadata action {s:?}; use ignore, warn or fail"
            ))),
        }
    }
}

impl std::str::FromStr for MetadataPolicy {
    type Err = Error;
    /// `kind=action` pairs separated by commas, applied in order over the
    /// defaults; `all=action` sets every kind (`all=warn,special=fail`).
    fn from_str(s: &str) -> Result<Self> {
        let mut p = MetadataPolicy::default();
        for pair in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let (kind, action) = pair.split_once('=').ok_or_else(|| {
                Error::invalid(format!(
                    "metadata policy {pair:?} is not kind=action, e.g. owner=warn"
                ))
            })?;
            let action: Action = action.parse()?;
            let kind = kind.trim().to_ascii_lowercase();
            if kind == "all" {
                p = MetadataPolicy::all(action);
                continue;
            }
            *p.slot(&kind).ok_or_else(|| {
                Error::invalid(format!(
                    "unknown metadata kind {kind:?}; use {} or all",
                    KINDS.join(", ")
                ))
            })? = action;
        }
        Ok(p)
    }
}

impl<'de> Deserialize<'de> for MetadataPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = MetadataPolicy;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "an object of kind: action, or text such as \"owner=warn,mtime=ignore\"",
                )
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                v.parse().map_err(|e: Error| E::custom(e.message()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                // The kinds an object sets; the others keep their defaults.
                let mut p = MetadataPolicy::default();
                while let Some((kind, action)) = map.next_entry::<String, Action>()? {
                    *p.slot(&kind)
                        .ok_or_else(|| serde::de::Error::unknown_field(&kind, &KINDS))? = action;
                }
                Ok(p)
            }
        }
        d.deserialize_any(Shape)
    }
}

/// The extended attribute that holds file capabilities.
pub(crate) const CAPABILITY: &str = "security.capability";
const ACL_ACCESS: &str = "system.posix_acl_access";
const ACL_DEFAULT: &str = "system.posix_acl_default";

/// Extended attributes and ACLs of one entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Extended {
    /// Name → value as lowercase hex (ACLs left out: they are below).
    pub xattrs: BTreeMap<String, String>,
    /// The access ACL in short text form, when it has more than the mode.
    pub acl: Option<String>,
    /// A folder's default ACL in short text form.
    pub default_acl: Option<String>,
}

fn not_supported(e: rustix::io::Errno) -> bool {
    e == rustix::io::Errno::NOTSUP || e == rustix::io::Errno::NODATA
}

/// Read the extended attributes and ACLs of `path` (of a symlink itself
/// unless `follow`, as the walk saw it). A file system without xattr
/// support has none.
pub(crate) fn read_extended(path: &Path, follow: bool) -> std::result::Result<Extended, String> {
    let why = |what: &str, e: rustix::io::Errno| {
        format!("cannot read its {what}: {}", std::io::Error::from(e))
    };
    let mut out = Extended::default();
    use rustix::fs::{
        getxattr, getxattr_query, lgetxattr, lgetxattr_query, listxattr, listxattr_query,
        llistxattr, llistxattr_query,
    };
    let names = match read_sized(|buf| match (buf, follow) {
        (None, false) => llistxattr_query(path),
        (Some(b), false) => llistxattr(path, b),
        (None, true) => listxattr_query(path),
        (Some(b), true) => listxattr(path, b),
    }) {
        Ok(n) => n,
        Err(e) if not_supported(e) => return Ok(out),
        Err(e) => return Err(why("extended attributes", e)),
    };
    for raw in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(raw).into_owned();
        let value = match read_sized(|buf| match (buf, follow) {
            (None, false) => lgetxattr_query(path, raw),
            (Some(b), false) => lgetxattr(path, raw, b),
            (None, true) => getxattr_query(path, raw),
            (Some(b), true) => getxattr(path, raw, b),
        }) {
            Ok(v) => v,
            // Removed between the list and the read.
            Err(e) if not_supported(e) => continue,
            Err(e) => return Err(why(&format!("attribute {name:?}"), e)),
        };
        match name.as_str() {
            ACL_ACCESS => out.acl = Some(acl_text(&value)),
            ACL_DEFAULT => out.default_acl = Some(acl_text(&value)),
            _ => {
                out.xattrs.insert(name, encode_hex(&value));
            }
        }
    }
    Ok(out)
}

/// Call a size-query-then-fill xattr function, retrying when the value
/// grew between the two calls.
fn read_sized(
    mut call: impl FnMut(Option<&mut [u8]>) -> rustix::io::Result<usize>,
) -> rustix::io::Result<Vec<u8>> {
    for _ in 0..4 {
        let size = call(None)?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; size];
        match call(Some(&mut buf)) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(rustix::io::Errno::RANGE) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(rustix::io::Errno::RANGE)
}

/// A POSIX ACL xattr (`system.posix_acl_*`: version 2, then 8-byte entries
/// of tag, permissions and id, little-endian) in the short text form
/// `getfacl -cn` prints, comma-separated: `user::rw-,user:1000:r--,…`.
/// A value that does not parse is kept as `hex:<bytes>`, so it still compares.
pub(crate) fn acl_text(raw: &[u8]) -> String {
    let parsed = (|| {
        let (head, body) = raw.split_at_checked(4)?;
        if u32::from_le_bytes(head.try_into().ok()?) != 2 || !body.len().is_multiple_of(8) {
            return None;
        }
        let mut parts = Vec::new();
        for e in body.chunks_exact(8) {
            let tag = u16::from_le_bytes([e[0], e[1]]);
            let perm = u16::from_le_bytes([e[2], e[3]]);
            let id = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            let (what, qualified) = match tag {
                0x01 => ("user", false),
                0x02 => ("user", true),
                0x04 => ("group", false),
                0x08 => ("group", true),
                0x10 => ("mask", false),
                0x20 => ("other", false),
                _ => return None,
            };
            let rwx: String = [(4, 'r'), (2, 'w'), (1, 'x')]
                .iter()
                .map(|&(bit, c)| if perm & bit != 0 { c } else { '-' })
                .collect();
            let who = if qualified {
                id.to_string()
            } else {
                String::new()
            };
            parts.push(format!("{what}:{who}:{rwx}"));
        }
        Some(parts.join(","))
    })();
    parsed.unwrap_or_else(|| format!("hex:{}", encode_hex(raw)))
}

/// User and group names by number, looked up once each (through NSS, so
/// LDAP and sssd users resolve as `ls -l` shows them).
#[derive(Default)]
pub(crate) struct Names {
    users: Mutex<HashMap<u32, Option<String>>>,
    groups: Mutex<HashMap<u32, Option<String>>>,
}

/// The cached name of `id`, looked up once.
fn cached(
    cache: &Mutex<HashMap<u32, Option<String>>>,
    id: u32,
    lookup: impl FnOnce(u32) -> Option<String>,
) -> Option<String> {
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache.entry(id).or_insert_with(|| lookup(id)).clone()
}

impl Names {
    /// The user name of `uid`, when it has one here.
    pub(crate) fn user(&self, uid: u32) -> Option<String> {
        cached(&self.users, uid, |id| {
            let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(id));
            user.ok().flatten().map(|u| u.name)
        })
    }

    /// The group name of `gid`, when it has one here.
    pub(crate) fn group(&self, gid: u32) -> Option<String> {
        cached(&self.groups, gid, |id| {
            let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(id));
            group.ok().flatten().map(|g| g.name)
        })
    }
}

/// Hard-link groups of the entries of a walk (sorted by path), given as
/// kind and metadata: for each, the index of the first entry that shares
/// its inode, when another one does. Folders never share one.
pub(crate) fn link_leaders<'a>(
    found: impl Iterator<Item = (EntryKind, &'a std::fs::Metadata)>,
) -> Vec<Option<usize>> {
    let mut first: HashMap<(u64, u64), usize> = HashMap::new();
    let mut leader: Vec<Option<usize>> = Vec::new();
    let mut members: HashMap<usize, usize> = HashMap::new();
    for (i, (kind, meta)) in found.enumerate() {
        let linked = kind != EntryKind::Dir && meta.nlink() > 1;
        leader.push(None);
        if !linked {
            continue;
        }
        let l = *first.entry((meta.dev(), meta.ino())).or_insert(i);
        leader[i] = Some(l);
        *members.entry(l).or_default() += 1;
    }
    // An inode seen once in this tree (its other links are elsewhere) is no group.
    for l in leader.iter_mut() {
        if l.is_some_and(|x| members.get(&x).copied().unwrap_or(0) < 2) {
            *l = None;
        }
    }
    leader
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_over_the_defaults_and_name_the_fix() {
        let p: MetadataPolicy = "owner=warn, mtime=ignore".parse().unwrap();
        assert_eq!(p.owner, Action::Warn);
        assert_eq!(p.mtime, Action::Ignore);
        assert_eq!(p.special, Action::Fail);
        let p: MetadataPolicy = "all=ignore,special=fail".parse().unwrap();
        assert_eq!(
            p,
            MetadataPolicy {
                special: Action::Fail,
                ..MetadataPolicy::all(Action::Ignore)
            }
        );
        assert_eq!(p.to_spec().parse::<MetadataPolicy>().unwrap(), p);
        let e = "owners=warn".parse::<MetadataPolicy>().unwrap_err();
        assert!(
            e.message().contains("unknown metadata kind \"owners\""),
            "{e}"
        );
        let e = "owner".parse::<MetadataPolicy>().unwrap_err();
        assert!(e.message().contains("kind=action"), "{e}");
        let e = "owner=maybe".parse::<MetadataPolicy>().unwrap_err();
        assert!(e.message().contains("ignore, warn or fail"), "{e}");
        // Objects set some kinds over the defaults; text reads as the CLI's.
        let o: MetadataPolicy = serde_json::from_str(r#"{"owner": "warn"}"#).unwrap();
        assert_eq!(o, "owner=warn".parse().unwrap());
        let t: MetadataPolicy = serde_json::from_str(r#""all=ignore,special=fail""#).unwrap();
        assert_eq!(t, p);
        let e = serde_json::from_str::<MetadataPolicy>(r#"{"owners": "warn"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `owners`"), "{e}");
        let e = serde_json::from_str::<MetadataPolicy>("3").unwrap_err();
        assert!(e.to_string().contains("owner=warn,mtime=ignore"), "{e}");
    }

    #[test]
    fn acls_read_as_getfacl_prints_them() {
        // setfacl -m u:nobody:r on a 0644 file, as Linux stores it.
        let mut raw = 2u32.to_le_bytes().to_vec();
        for (tag, perm, id) in [
            (1u16, 6u16, u32::MAX),
            (2, 4, 65534),
            (4, 4, u32::MAX),
            (0x10, 4, u32::MAX),
            (0x20, 4, u32::MAX),
        ] {
            raw.extend(tag.to_le_bytes());
            raw.extend(perm.to_le_bytes());
            raw.extend(id.to_le_bytes());
        }
        assert_eq!(
            acl_text(&raw),
            "user::rw-,user:65534:r--,group::r--,mask::r--,other::r--"
        );
        assert_eq!(acl_text(b"\x01\x00"), "hex:0100");
    }
}

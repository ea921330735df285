//! Version schemes: SemVer 2.0.0 and PEP 440 behind one type, so release
//! tags, next versions, changelogs and releases work alike under either.
//! A repository's scheme is chosen by [`Scheme`]; `auto` reads it from the
//! tags (and, when they do not tell, the root `pyproject.toml`).

use std::cmp::Ordering;
use std::path::Path;

use ::semver::Version;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::pep440::{Pep440Phase, Pep440Version};
use super::semver::BumpLevel;
use crate::error::{Error, Result};

/// Which versioning rules release tags and versions follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// PEP 440 when the tags use it (more tags such as `v1.0.0b1`,
    /// `1.2.0rc1`, `2.0.0.post1`, `1.0.0.dev3`, `1!2.0` that SemVer cannot
    /// read than SemVer pre-release tags), or when no release tag exists
    /// yet and the root holds a Python `pyproject.toml` without
    /// `package.json` or `Cargo.toml`; SemVer otherwise (plain tags such as
    /// `v1.2.3` read alike under both).
    #[default]
    Auto,
    /// SemVer 2.0.0 (`1.2.0-rc.1`).
    Semver,
    /// PEP 440, Python's versions (`1.2.0rc1`, `1.2.0.post1`, `1!2.0`).
    Pep440,
}

impl Scheme {
    /// Every scheme, for help texts.
    pub const ALL: [Scheme; 3] = [Scheme::Auto, Scheme::Semver, Scheme::Pep440];

    /// The lowercase name (`"auto"`, `"semver"`, `"pep440"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Auto => "auto",
            Scheme::Semver => "semver",
            Scheme::Pep440 => "pep440",
        }
    }
}

impl std::str::FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Scheme::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown version scheme {s:?}; use semver, pep440 or auto"
                ))
            })
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version under one of the schemes. Two versions of different schemes
/// order by scheme first (SemVer before PEP 440); a repository's versions
/// are all read under one scheme, so that order never decides a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyVersion {
    /// A SemVer 2.0.0 version.
    Semver(Version),
    /// A PEP 440 version.
    Pep440(Pep440Version),
}

impl AnyVersion {
    /// Parse `input` under `scheme`; `Auto` reads SemVer first, then PEP 440.
    pub fn parse(input: &str, scheme: Scheme) -> Result<AnyVersion> {
        match scheme {
            Scheme::Semver => super::semver::parse_version(input).map(AnyVersion::Semver),
            Scheme::Pep440 => input.parse().map(AnyVersion::Pep440),
            Scheme::Auto => match super::semver::parse_version(input) {
                Ok(v) => Ok(AnyVersion::Semver(v)),
                Err(_) => input.parse().map(AnyVersion::Pep440).map_err(|_| {
                    Error::invalid(format!(
                        "{input:?} is neither a SemVer version (1.2.0, 1.2.0-rc.1) nor a PEP 440 one (1.2.0, 1.2.0rc1, 1.2.0.post1)"
                    ))
                }),
            },
        }
    }

    /// A SemVer version read under `scheme` (a policy's initial version is
    /// written in SemVer; under PEP 440 `1.0.0-rc.1` becomes `1.0.0rc1`).
    pub(crate) fn from_semver(v: &Version, scheme: Scheme) -> Result<AnyVersion> {
        match scheme {
            Scheme::Pep440 => AnyVersion::parse(&v.to_string(), Scheme::Pep440),
            _ => Ok(AnyVersion::Semver(v.clone())),
        }
    }

    /// The scheme this version is written in.
    pub fn scheme(&self) -> Scheme {
        match self {
            AnyVersion::Semver(_) => Scheme::Semver,
            AnyVersion::Pep440(_) => Scheme::Pep440,
        }
    }

    /// The SemVer version, when it is one.
    pub fn as_semver(&self) -> Option<&Version> {
        match self {
            AnyVersion::Semver(v) => Some(v),
            AnyVersion::Pep440(_) => None,
        }
    }

    /// Whether it is a pre-release (PEP 440: `a`/`b`/`rc`, or a `.devN`).
    pub fn is_prerelease(&self) -> bool {
        match self {
            AnyVersion::Semver(v) => !v.pre.is_empty(),
            AnyVersion::Pep440(v) => v.is_prerelease(),
        }
    }

    /// The first release number.
    pub fn major(&self) -> u64 {
        match self {
            AnyVersion::Semver(v) => v.major,
            AnyVersion::Pep440(v) => v.release.first().copied().unwrap_or(0),
        }
    }

    /// The second release number (0 when absent).
    pub fn minor(&self) -> u64 {
        match self {
            AnyVersion::Semver(v) => v.minor,
            AnyVersion::Pep440(v) => v.release.get(1).copied().unwrap_or(0),
        }
    }

    /// The release without pre-release, post, dev, build or local parts.
    pub(crate) fn core(&self) -> AnyVersion {
        match self {
            AnyVersion::Semver(v) => AnyVersion::Semver(Version::new(v.major, v.minor, v.patch)),
            AnyVersion::Pep440(v) => AnyVersion::Pep440(Pep440Version {
                epoch: v.epoch,
                release: v.release.clone(),
                pre: None,
                post: None,
                dev: None,
                local: None,
            }),
        }
    }

    /// Precedence: SemVer's (build metadata ignored) or PEP 440's.
    pub fn cmp_precedence(&self, other: &AnyVersion) -> Ordering {
        match (self, other) {
            (AnyVersion::Semver(a), AnyVersion::Semver(b)) => a.cmp_precedence(b),
            (AnyVersion::Pep440(a), AnyVersion::Pep440(b)) => a.cmp(b),
            (a, b) => a.scheme_rank().cmp(&b.scheme_rank()),
        }
    }

    fn scheme_rank(&self) -> u8 {
        match self {
            AnyVersion::Semver(_) => 0,
            AnyVersion::Pep440(_) => 1,
        }
    }

    /// Bump by `level`; `channel` names the pre-release for the `Pre*`
    /// levels (a PEP 440 channel is a phase: `a`, `b`, `rc` or a spelling
    /// of one, such as `alpha`, `beta`).
    pub fn bump(&self, level: BumpLevel, channel: Option<&str>) -> Result<AnyVersion> {
        match self {
            AnyVersion::Semver(v) => super::semver::bump(v, level, channel).map(AnyVersion::Semver),
            AnyVersion::Pep440(v) => {
                let phase = channel.map(Pep440Phase::parse).transpose()?;
                v.bump(level, phase).map(AnyVersion::Pep440)
            }
        }
    }

    /// Apply a stable level on a pre-release channel, as
    /// [`super::bump_on_channel`] does: enter, continue or escalate.
    pub fn bump_on_channel(&self, level: BumpLevel, channel: &str) -> Result<AnyVersion> {
        match self {
            AnyVersion::Semver(v) => {
                super::semver::bump_on_channel(v, level, channel).map(AnyVersion::Semver)
            }
            AnyVersion::Pep440(v) => {
                let phase = Pep440Phase::parse(channel)?;
                let target = v.bump(level, None)?;
                let continues = v.is_prerelease()
                    && AnyVersion::Pep440(target.clone())
                        .cmp_precedence(&self.core())
                        .is_eq();
                if continues {
                    v.bump(BumpLevel::Prerelease, Some(phase))
                        .map(AnyVersion::Pep440)
                } else {
                    Ok(AnyVersion::Pep440(Pep440Version {
                        pre: Some((phase, 1)),
                        ..target
                    }))
                }
            }
        }
    }

    /// The first pre-release of this version's release on `channel`
    /// (`1.3.0-rc.1`, `1.3.0rc1`).
    pub(crate) fn first_on_channel(&self, channel: &str) -> Result<AnyVersion> {
        match self.core() {
            AnyVersion::Semver(mut v) => {
                super::semver::validate_channel(channel)?;
                v.pre = ::semver::Prerelease::new(&format!("{channel}.1"))
                    .map_err(|e| Error::invalid(format!("invalid channel {channel:?}: {e}")))?;
                Ok(AnyVersion::Semver(v))
            }
            AnyVersion::Pep440(v) => Ok(AnyVersion::Pep440(Pep440Version {
                pre: Some((Pep440Phase::parse(channel)?, 1)),
                ..v
            })),
        }
    }

    /// Is this a pre-release on `channel` (`rc.3` on `rc`; `1.0rc3` on `rc`
    /// or `c`; `1.0b2` on `b` or `beta`)?
    pub(crate) fn on_channel(&self, channel: &str) -> bool {
        match self {
            AnyVersion::Semver(v) => super::semver::on_channel(&v.pre, channel),
            AnyVersion::Pep440(v) => match (v.pre, Pep440Phase::parse(channel)) {
                (Some((p, _)), Ok(c)) => p == c,
                _ => false,
            },
        }
    }
}

impl std::fmt::Display for AnyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnyVersion::Semver(v) => v.fmt(f),
            AnyVersion::Pep440(v) => v.fmt(f),
        }
    }
}

impl PartialOrd for AnyVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AnyVersion {
    /// Precedence, then (SemVer) build metadata, so equal means identical.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (AnyVersion::Semver(a), AnyVersion::Semver(b)) => a.cmp(b),
            _ => self.cmp_precedence(other),
        }
    }
}

impl From<Version> for AnyVersion {
    fn from(v: Version) -> Self {
        AnyVersion::Semver(v)
    }
}

impl From<Pep440Version> for AnyVersion {
    fn from(v: Pep440Version) -> Self {
        AnyVersion::Pep440(v)
    }
}

impl Serialize for AnyVersion {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AnyVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AnyVersion::parse(&s, Scheme::Auto).map_err(serde::de::Error::custom)
    }
}

/// A parsed version split into its parts, for bindings and JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct VersionParts {
    /// The whole version, normalised.
    pub version: String,
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number.
    pub patch: u64,
    /// Pre-release identifiers (`["rc", "1"]`).
    pub pre: Vec<String>,
    /// Build metadata identifiers.
    pub build: Vec<String>,
    /// Whether there is a pre-release part (PEP 440: also a `.devN`).
    pub prerelease: bool,
    /// The scheme it was read under (`semver` or `pep440`).
    pub scheme: Scheme,
    /// PEP 440's epoch (`1!2.0` → 1); 0 for SemVer.
    pub epoch: u64,
    /// Every release number (PEP 440 allows any count; SemVer has three).
    pub release: Vec<u64>,
    /// PEP 440's `.postN`.
    pub post: Option<u64>,
    /// PEP 440's `.devN`.
    pub dev: Option<u64>,
}

impl From<&Version> for VersionParts {
    fn from(v: &Version) -> Self {
        let ids = |s: &str| {
            if s.is_empty() {
                Vec::new()
            } else {
                s.split('.').map(str::to_string).collect()
            }
        };
        VersionParts {
            version: v.to_string(),
            major: v.major,
            minor: v.minor,
            patch: v.patch,
            pre: ids(v.pre.as_str()),
            build: ids(v.build.as_str()),
            prerelease: !v.pre.is_empty(),
            scheme: Scheme::Semver,
            epoch: 0,
            release: vec![v.major, v.minor, v.patch],
            post: None,
            dev: None,
        }
    }
}

impl From<&AnyVersion> for VersionParts {
    fn from(v: &AnyVersion) -> Self {
        match v {
            AnyVersion::Semver(s) => VersionParts::from(s),
            AnyVersion::Pep440(p) => VersionParts {
                version: p.to_string(),
                major: p.release.first().copied().unwrap_or(0),
                minor: p.release.get(1).copied().unwrap_or(0),
                patch: p.release.get(2).copied().unwrap_or(0),
                pre: p
                    .pre
                    .map(|(ph, n)| vec![ph.as_str().to_string(), n.to_string()])
                    .unwrap_or_default(),
                build: p
                    .local
                    .as_deref()
                    .map(|l| l.split('.').map(str::to_string).collect())
                    .unwrap_or_default(),
                prerelease: p.is_prerelease(),
                scheme: Scheme::Pep440,
                epoch: p.epoch,
                release: p.release.clone(),
                post: p.post,
                dev: p.dev,
            },
        }
    }
}

/// The scheme for standalone calls: `None` is SemVer, as before schemes.
fn or_semver(scheme: Option<Scheme>) -> Scheme {
    scheme.unwrap_or(Scheme::Semver)
}

/// Read several versions under one scheme; `Auto` is SemVer when every
/// one of them is, else PEP 440 for all (naming the first that is neither).
fn parse_all<S: AsRef<str>>(versions: &[S], scheme: Scheme) -> Result<Vec<AnyVersion>> {
    let read = |k: Scheme| {
        versions
            .iter()
            .map(|v| AnyVersion::parse(v.as_ref(), k))
            .collect::<Result<Vec<_>>>()
    };
    match scheme {
        Scheme::Auto => read(Scheme::Semver).or_else(|_| {
            read(Scheme::Auto)?;
            read(Scheme::Pep440).map_err(|e| {
                Error::invalid(format!(
                    "these versions mix SemVer and PEP 440 spellings and cannot be read under one scheme: {e}; give the scheme"
                ))
            })
        }),
        k => read(k),
    }
}

/// Parse under a scheme (`None`: SemVer).
pub fn parse_version_in(input: &str, scheme: Option<Scheme>) -> Result<AnyVersion> {
    AnyVersion::parse(input, or_semver(scheme))
}

/// Compare two versions under a scheme (`None`: SemVer; `Auto`: SemVer
/// when both are, else PEP 440).
pub fn compare_in(a: &str, b: &str, scheme: Option<Scheme>) -> Result<Ordering> {
    let v = parse_all(&[a, b], or_semver(scheme))?;
    Ok(v[0].cmp_precedence(&v[1]))
}

/// Sort versions by precedence under a scheme, lowest first; equal ones
/// keep their input order.
pub fn sort_versions_in<S: AsRef<str>>(
    versions: &[S],
    scheme: Option<Scheme>,
) -> Result<Vec<AnyVersion>> {
    let mut parsed = parse_all(versions, or_semver(scheme))?;
    parsed.sort_by(|a, b| a.cmp_precedence(b));
    Ok(parsed)
}

/// Bump a version under a scheme (`None`: SemVer).
pub fn bump_in(
    version: &str,
    level: BumpLevel,
    channel: Option<&str>,
    scheme: Option<Scheme>,
) -> Result<AnyVersion> {
    parse_version_in(version, scheme)?.bump(level, channel)
}

/// Apply a stable level on a pre-release channel under a scheme (`None`: SemVer).
pub fn bump_on_channel_in(
    version: &str,
    level: BumpLevel,
    channel: &str,
    scheme: Option<Scheme>,
) -> Result<AnyVersion> {
    parse_version_in(version, scheme)?.bump_on_channel(level, channel)
}

/// The middle of a tag read under `scheme`: SemVer exactly, or PEP 440
/// starting with a digit (a `v` belongs to the tag pattern).
pub(crate) fn parse_tag_version(rest: &str, scheme: Scheme) -> Option<AnyVersion> {
    match scheme {
        Scheme::Semver => Version::parse(rest).ok().map(AnyVersion::Semver),
        Scheme::Pep440 if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            rest.parse().ok().map(AnyVersion::Pep440)
        }
        Scheme::Pep440 => None,
        Scheme::Auto => parse_tag_version(rest, Scheme::Semver)
            .or_else(|| parse_tag_version(rest, Scheme::Pep440)),
    }
}

/// What the tags' versions say about the scheme: a tag PEP 440 reads with
/// a pre, post, dev or epoch part that SemVer rejects counts for PEP 440;
/// a SemVer tag with a pre-release or build part counts for SemVer.
pub(crate) fn tag_evidence(rest: &str) -> Option<Scheme> {
    if let Ok(v) = Version::parse(rest) {
        return (!v.pre.is_empty() || !v.build.is_empty()).then_some(Scheme::Semver);
    }
    match parse_tag_version(rest, Scheme::Pep440) {
        Some(AnyVersion::Pep440(p))
            if p.pre.is_some() || p.post.is_some() || p.dev.is_some() || p.epoch != 0 =>
        {
            Some(Scheme::Pep440)
        }
        _ => None,
    }
}

/// `Auto` resolved from the tags' evidence (more PEP 440 tags than SemVer
/// pre-release tags: PEP 440; any SemVer pre-release tag: SemVer). Plain
/// tags (`v1.2.3`) tell nothing and keep SemVer, which reads them as
/// python-semantic-release writes them (and leaves its partial `v1.2`
/// tags alone). With no tag of the pattern at all, the root of `workdir`
/// decides: a Python `pyproject.toml` (`[project]` or `[tool.poetry]`)
/// without `package.json` or `Cargo.toml` is PEP 440.
pub(crate) fn resolve_auto(
    pep440_tags: usize,
    semver_tags: usize,
    any_tags: bool,
    workdir: Option<&Path>,
) -> Scheme {
    if pep440_tags > semver_tags {
        return Scheme::Pep440;
    }
    if semver_tags > 0 || any_tags {
        return Scheme::Semver;
    }
    let Some(root) = workdir else {
        return Scheme::Semver;
    };
    if root.join("package.json").exists() || root.join("Cargo.toml").exists() {
        return Scheme::Semver;
    }
    let python =
        crate::fsutil::read_capped(&root.join("pyproject.toml"), 1 << 20, "pyproject.toml")
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| t.parse::<toml::Table>().ok())
            .is_some_and(|t| {
                t.contains_key("project") || t.get("tool").and_then(|x| x.get("poetry")).is_some()
            });
    if python {
        Scheme::Pep440
    } else {
        Scheme::Semver
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> AnyVersion {
        AnyVersion::parse(s, Scheme::Pep440).unwrap()
    }

    #[test]
    fn pep440_channels_enter_continue_and_finish_as_semver_ones_do() {
        let b = |v: &str, l: BumpLevel, ch: &str| p(v).bump_on_channel(l, ch).unwrap().to_string();
        assert_eq!(b("1.2.3", BumpLevel::Minor, "b"), "1.3.0b1");
        assert_eq!(b("1.3.0b1", BumpLevel::Minor, "beta"), "1.3.0b2");
        assert_eq!(b("1.3.0b2", BumpLevel::Major, "b"), "2.0.0b1");
        assert_eq!(b("1.3.0b2", BumpLevel::Patch, "rc"), "1.3.0rc1");
        assert_eq!(b("2.0.0.post1", BumpLevel::Patch, "rc"), "2.0.1rc1");
        assert!(
            p("1.3.0rc1")
                .bump_on_channel(BumpLevel::Patch, "next")
                .is_err()
        );
        assert_eq!(
            p("1.3.0rc2")
                .bump(BumpLevel::Minor, None)
                .unwrap()
                .to_string(),
            "1.3.0"
        );
        assert!(p("1.3.0rc2").on_channel("c") && !p("1.3.0rc2").on_channel("b"));
        assert_eq!(p("1!2.0rc1").core().to_string(), "1!2.0");
    }

    #[test]
    fn auto_reads_semver_first_and_names_both_forms_when_neither_fits() {
        assert_eq!(
            AnyVersion::parse("1.0.0-rc.1", Scheme::Auto)
                .unwrap()
                .scheme(),
            Scheme::Semver
        );
        assert_eq!(
            AnyVersion::parse("1.0rc1", Scheme::Auto).unwrap().scheme(),
            Scheme::Pep440
        );
        let e = AnyVersion::parse("one", Scheme::Auto)
            .unwrap_err()
            .to_string();
        assert!(e.contains("SemVer") && e.contains("PEP 440"), "{e}");
        let sorted = sort_versions_in(&["1.0", "1.0rc1", "0.9.post1"], Some(Scheme::Auto)).unwrap();
        let s: Vec<String> = sorted.iter().map(|v| v.to_string()).collect();
        assert_eq!(s, ["0.9.post1", "1.0rc1", "1.0"]);
        assert_eq!(
            compare_in("1.0.0-rc.1", "1.0.0", None).unwrap(),
            Ordering::Less
        );
        assert!(
            compare_in("1.0rc1", "1.0", None).is_err(),
            "None stays SemVer"
        );
    }

    #[test]
    fn tags_count_as_evidence_only_when_one_scheme_alone_reads_them() {
        assert_eq!(tag_evidence("1.0.0b1"), Some(Scheme::Pep440));
        assert_eq!(tag_evidence("2.0.0.post1"), Some(Scheme::Pep440));
        assert_eq!(tag_evidence("1!2.0"), Some(Scheme::Pep440));
        assert_eq!(tag_evidence("1.0.0-rc.1"), Some(Scheme::Semver));
        assert_eq!(tag_evidence("1.0.0"), None);
        assert_eq!(tag_evidence("1.2"), None);
        assert_eq!(parse_tag_version("v1.0", Scheme::Pep440), None);
    }
}

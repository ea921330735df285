//! SemVer 2.0.0 helpers on top of the `semver` crate: parsing with errors that
//! say how to fix the input, precedence, bumping with pre-release channels, and
//! range matching.

use std::cmp::Ordering;

use ::semver::{BuildMetadata, Prerelease, Version, VersionReq};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How to bump a version.
///
/// The stable levels follow npm's `semver.inc`: bumping a pre-release to the
/// level it already targets *promotes* it (`1.3.0-rc.2` + minor → `1.3.0`).
/// The `Pre*` levels enter a pre-release of the next version on a channel
/// (`1.2.3` + preminor `rc` → `1.3.0-rc.1`); [`BumpLevel::Prerelease`]
/// continues one (`rc.1` → `rc.2`). Build metadata is cleared on every bump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum BumpLevel {
    /// `1.2.3` → `2.0.0`.
    Major,
    /// `1.2.3` → `1.3.0`.
    Minor,
    /// `1.2.3` → `1.2.4`.
    Patch,
    /// `1.2.3` → `2.0.0-<channel>.1`.
    Premajor,
    /// `1.2.3` → `1.3.0-<channel>.1`.
    Preminor,
    /// `1.2.3` → `1.2.4-<channel>.1`.
    Prepatch,
    /// `1.3.0-rc.1` → `1.3.0-rc.2`; from a stable version like [`BumpLevel::Prepatch`].
    Prerelease,
}

impl BumpLevel {
    /// Every level, for help texts and bindings.
    pub const ALL: [BumpLevel; 7] = [
        BumpLevel::Major,
        BumpLevel::Minor,
        BumpLevel::Patch,
        BumpLevel::Premajor,
        BumpLevel::Preminor,
        BumpLevel::Prepatch,
        BumpLevel::Prerelease,
    ];

    /// The lowercase name (`"major"`, `"prerelease"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            BumpLevel::Major => "major",
            BumpLevel::Minor => "minor",
            BumpLevel::Patch => "patch",
            BumpLevel::Premajor => "premajor",
            BumpLevel::Preminor => "preminor",
            BumpLevel::Prepatch => "prepatch",
            BumpLevel::Prerelease => "prerelease",
        }
    }
}

impl std::str::FromStr for BumpLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        BumpLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown bump level {s:?}; use one of major, minor, patch, premajor, preminor, prepatch, prerelease"
                ))
            })
    }
}

impl std::fmt::Display for BumpLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parse a SemVer 2.0.0 version exactly: no `v` prefix, no leading zeros, all
/// three parts, no empty identifiers.
pub fn parse_version(input: &str) -> Result<Version> {
    Version::parse(input).map_err(|e| {
        let hint = if input.starts_with(['v', 'V'])
            && Version::parse(&input[1..]).is_ok()
        {
            format!(
                "a \"v\" prefix is not part of a SemVer version; use {:?} (tags such as v1.2.3 are read with a tag pattern like \"v{{version}}\")",
                &input[1..]
            )
        } else if input.trim() != input {
            "remove the surrounding whitespace".to_string()
        } else {
            "expected MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] without leading zeros, e.g. 1.4.0 or 2.0.0-rc.1".to_string()
        };
        Error::invalid(format!("invalid version {input:?}: {e}; {hint}")).with_source(e)
    })
}

/// Compare two versions by SemVer precedence (build metadata is ignored, as
/// the spec requires: `1.0.0+a` and `1.0.0+b` are equal).
pub fn compare(a: &str, b: &str) -> Result<Ordering> {
    Ok(parse_version(a)?.cmp_precedence(&parse_version(b)?))
}

/// Sort versions by precedence, lowest first; versions of equal precedence
/// keep their input order. Any unparsable version is an error naming it.
pub fn sort_versions<S: AsRef<str>>(versions: &[S]) -> Result<Vec<Version>> {
    let mut parsed = versions
        .iter()
        .map(|v| parse_version(v.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    parsed.sort_by(|a, b| a.cmp_precedence(b));
    Ok(parsed)
}

/// Check a pre-release channel name (`rc`, `beta`, `alpha.x`): it must be valid
/// SemVer pre-release identifiers.
pub(crate) fn validate_channel(channel: &str) -> Result<()> {
    if channel.is_empty() || Prerelease::new(channel).is_err() {
        return Err(Error::invalid(format!(
            "invalid pre-release channel {channel:?}: use dot-separated identifiers of [0-9A-Za-z-], e.g. rc, beta or alpha"
        )));
    }
    Ok(())
}

fn channel_pre(channel: &str, n: u64) -> Prerelease {
    Prerelease::new(&format!("{channel}.{n}")).expect("channel validated before use")
}

/// The first counter of a new pre-release channel: `1.3.0-rc.1`.
const FIRST_PRERELEASE: u64 = 1;

fn need_channel(v: &Version, level: BumpLevel, channel: Option<&str>) -> Result<String> {
    match channel {
        Some(c) => {
            validate_channel(c)?;
            Ok(c.to_string())
        }
        None => Err(Error::invalid(format!(
            "bumping {v} with {level} needs a pre-release channel such as rc, beta or alpha"
        ))),
    }
}

/// Does pre-release `pre` belong to `channel` (`rc.3` is on `rc`)?
pub(crate) fn on_channel(pre: &Prerelease, channel: &str) -> bool {
    let p = pre.as_str();
    p == channel || (p.starts_with(channel) && p[channel.len()..].starts_with('.'))
}

/// Increment the last numeric identifier of a pre-release, or append `.1`
/// (`alpha` → `alpha.1`, `beta.1.2` → `beta.1.3`, `beta.1.a` → `beta.1.a.1`).
fn increment_prerelease(pre: &Prerelease) -> Result<Prerelease> {
    let p = pre.as_str();
    let (head, last) = match p.rsplit_once('.') {
        Some((h, l)) => (Some(h), l),
        None => (None, p),
    };
    let next = match last.parse::<u64>() {
        Ok(n) => {
            let n = n.checked_add(1).ok_or_else(|| {
                Error::invalid(format!("pre-release counter of {p:?} would overflow"))
            })?;
            match head {
                Some(h) => format!("{h}.{n}"),
                None => n.to_string(),
            }
        }
        Err(_) => format!("{p}.{FIRST_PRERELEASE}"),
    };
    Ok(Prerelease::new(&next).expect("incremented pre-release stays valid"))
}

fn overflow(v: &Version) -> Error {
    Error::invalid(format!("cannot bump {v}: a version number would overflow"))
}

fn release(major: u64, minor: u64, patch: u64) -> Version {
    Version::new(major, minor, patch)
}

/// Bump `version` by `level`; `channel` names the pre-release channel for the
/// `Pre*` levels (required when entering a pre-release). See [`BumpLevel`].
pub fn bump(version: &Version, level: BumpLevel, channel: Option<&str>) -> Result<Version> {
    let v = version;
    let is_pre = !v.pre.is_empty();
    let inc = |n: u64| n.checked_add(1).ok_or_else(|| overflow(v));
    let mut out = match level {
        BumpLevel::Major if is_pre && v.minor == 0 && v.patch == 0 => release(v.major, 0, 0),
        BumpLevel::Major => release(inc(v.major)?, 0, 0),
        BumpLevel::Minor if is_pre && v.patch == 0 => release(v.major, v.minor, 0),
        BumpLevel::Minor => release(v.major, inc(v.minor)?, 0),
        BumpLevel::Patch if is_pre => release(v.major, v.minor, v.patch),
        BumpLevel::Patch => release(v.major, v.minor, inc(v.patch)?),
        BumpLevel::Premajor => {
            let ch = need_channel(v, level, channel)?;
            let mut n = release(inc(v.major)?, 0, 0);
            n.pre = channel_pre(&ch, FIRST_PRERELEASE);
            n
        }
        BumpLevel::Preminor => {
            let ch = need_channel(v, level, channel)?;
            let mut n = release(v.major, inc(v.minor)?, 0);
            n.pre = channel_pre(&ch, FIRST_PRERELEASE);
            n
        }
        BumpLevel::Prepatch => {
            let ch = need_channel(v, level, channel)?;
            let mut n = release(v.major, v.minor, inc(v.patch)?);
            n.pre = channel_pre(&ch, FIRST_PRERELEASE);
            n
        }
        BumpLevel::Prerelease => {
            if !is_pre {
                return bump(v, BumpLevel::Prepatch, channel);
            }
            let mut n = release(v.major, v.minor, v.patch);
            match channel {
                None => n.pre = increment_prerelease(&v.pre)?,
                Some(ch) => {
                    validate_channel(ch)?;
                    n.pre = if on_channel(&v.pre, ch) {
                        increment_prerelease(&v.pre)?
                    } else {
                        channel_pre(ch, FIRST_PRERELEASE)
                    };
                }
            }
            n
        }
    };
    out.build = BuildMetadata::EMPTY;
    Ok(out)
}

/// Apply a stable bump `level` (major, minor or patch) while on pre-release
/// `channel`: enter the channel from a stable version, continue it when the
/// level still fits the pre-release's target version, or start a new
/// pre-release of a higher version (`1.1.0-beta.1` + major → `2.0.0-beta.1`).
pub fn bump_on_channel(version: &Version, level: BumpLevel, channel: &str) -> Result<Version> {
    validate_channel(channel)?;
    let target = bump(version, level, None)?;
    if version.pre.is_empty() {
        let mut n = target;
        n.pre = channel_pre(channel, FIRST_PRERELEASE);
        return Ok(n);
    }
    let same_release = target.major == version.major
        && target.minor == version.minor
        && target.patch == version.patch;
    if same_release {
        bump(version, BumpLevel::Prerelease, Some(channel))
    } else {
        let mut n = target;
        n.pre = channel_pre(channel, FIRST_PRERELEASE);
        Ok(n)
    }
}

/// Parse a version requirement. Cargo's syntax (`^1.2`, `~1.2.3`, `>=1, <2`,
/// `1.*`) is used, and `||` separates alternatives as in npm.
pub(crate) fn parse_range(range: &str) -> Result<Vec<VersionReq>> {
    range
        .split("||")
        .map(|part| {
            VersionReq::parse(part.trim()).map_err(|e| {
                Error::invalid(format!(
                    "invalid version range {range:?}: {e}; use comparators such as \"^1.2\", \">=1.0.0, <2.0.0\" or \"~1.4 || ^2\""
                ))
                .with_source(e)
            })
        })
        .collect()
}

/// Does `version` satisfy `range`? Pre-releases only match a comparator that
/// names a pre-release of the same `major.minor.patch` (Cargo and npm rules).
pub fn satisfies(version: &str, range: &str) -> Result<bool> {
    let v = parse_version(version)?;
    Ok(parse_range(range)?.iter().any(|r| r.matches(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        parse_version(s).unwrap()
    }

    fn b(s: &str, l: BumpLevel, ch: Option<&str>) -> String {
        bump(&v(s), l, ch).unwrap().to_string()
    }

    #[test]
    fn parse_errors_say_how_to_fix() {
        let e = parse_version("v1.2.3").unwrap_err();
        assert!(e.to_string().contains("prefix"), "{e}");
        assert!(
            parse_version("01.2.3")
                .unwrap_err()
                .to_string()
                .contains("leading zero")
        );
        assert!(parse_version("1.2").is_err());
        assert!(parse_version("1.2.3-").is_err());
        assert!(parse_version("1.2.3-rc..1").is_err());
        assert!(parse_version("1.2.3-01").is_err());
        assert!(
            parse_version(" 1.2.3")
                .unwrap_err()
                .to_string()
                .contains("whitespace")
        );
    }

    #[test]
    fn precedence_follows_the_spec() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        let mut shuffled = order.to_vec();
        shuffled.reverse();
        let sorted: Vec<String> = sort_versions(&shuffled)
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(sorted, order);
        assert_eq!(compare("1.0.0+a", "1.0.0+b").unwrap(), Ordering::Equal);
        assert_eq!(compare("2.0.0", "10.0.0").unwrap(), Ordering::Less);
    }

    #[test]
    fn bumps() {
        use BumpLevel::*;
        assert_eq!(b("1.2.3", Major, None), "2.0.0");
        assert_eq!(b("1.2.3", Minor, None), "1.3.0");
        assert_eq!(b("1.2.3", Patch, None), "1.2.4");
        assert_eq!(b("1.2.3", Preminor, Some("rc")), "1.3.0-rc.1");
        assert_eq!(b("1.2.3", Premajor, Some("beta")), "2.0.0-beta.1");
        assert_eq!(b("1.2.3", Prepatch, Some("alpha")), "1.2.4-alpha.1");
        assert_eq!(b("1.3.0-rc.1", Prerelease, None), "1.3.0-rc.2");
        assert_eq!(b("1.3.0-rc.1", Prerelease, Some("rc")), "1.3.0-rc.2");
        assert_eq!(b("1.3.0-beta.4", Prerelease, Some("rc")), "1.3.0-rc.1");
        assert_eq!(b("1.3.0-rc.2", Minor, None), "1.3.0");
        assert_eq!(b("1.3.0-rc.2", Patch, None), "1.3.0");
        assert_eq!(b("1.3.0-rc.2", Major, None), "2.0.0");
        assert_eq!(b("2.0.0-rc.2", Major, None), "2.0.0");
        assert_eq!(b("1.0.0-alpha", Prerelease, None), "1.0.0-alpha.1");
        assert_eq!(b("1.0.0-beta.1.2", Prerelease, None), "1.0.0-beta.1.3");
        assert_eq!(b("1.0.0-beta.1.a", Prerelease, None), "1.0.0-beta.1.a.1");
        assert_eq!(b("1.2.3+build.5", Patch, None), "1.2.4");
        assert_eq!(b("1.2.3", Prerelease, Some("rc")), "1.2.4-rc.1");
        assert!(bump(&v("1.2.3"), Preminor, None).is_err());
        assert!(bump(&v("1.2.3"), Preminor, Some("r c")).is_err());
        assert!(bump(&v(&format!("{}.0.0", u64::MAX)), Major, None).is_err());
    }

    #[test]
    fn channel_bumps() {
        let c = |s: &str, l| bump_on_channel(&v(s), l, "rc").unwrap().to_string();
        assert_eq!(c("1.2.3", BumpLevel::Minor), "1.3.0-rc.1");
        assert_eq!(c("1.3.0-rc.1", BumpLevel::Minor), "1.3.0-rc.2");
        assert_eq!(c("1.3.0-rc.1", BumpLevel::Patch), "1.3.0-rc.2");
        assert_eq!(c("1.3.0-rc.1", BumpLevel::Major), "2.0.0-rc.1");
        assert_eq!(c("1.3.0-beta.3", BumpLevel::Minor), "1.3.0-rc.1");
    }

    #[test]
    fn ranges() {
        assert!(satisfies("1.4.2", "^1.2").unwrap());
        assert!(!satisfies("2.0.0", "^1.2").unwrap());
        assert!(satisfies("2.1.0", "~1.4 || ^2").unwrap());
        assert!(satisfies("1.5.0", ">=1.0.0, <2.0.0").unwrap());
        assert!(!satisfies("1.3.0-rc.1", ">=1.0.0").unwrap());
        assert!(satisfies("1.3.0-rc.2", ">=1.3.0-rc.1").unwrap());
        assert!(satisfies("1.2.3", "nonsense").is_err());
    }

    #[test]
    fn level_names_round_trip() {
        for l in BumpLevel::ALL {
            assert_eq!(l.as_str().parse::<BumpLevel>().unwrap(), l);
        }
        assert!("huge".parse::<BumpLevel>().is_err());
    }
}

//! PEP 440 versions, as Python packaging reads them: parsed with the
//! spec's normalisation (`1.0-alpha1`, `v1.0.RC1`, `1.0-1`), ordered by its
//! rules (epochs, `.devN` before pre-releases, post-releases, local labels,
//! `1.0 == 1.0.0`), bumped and written in normal form. `packaging`'s own
//! ordering of 1,219 versions is the test (`tests/version/pep440.json`).

use std::cmp::Ordering;
use std::sync::OnceLock;

use super::semver::BumpLevel;
use crate::error::{Error, Result};

/// A pre-release phase, in PEP 440's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pep440Phase {
    /// `a` (also spelt `alpha`).
    Alpha,
    /// `b` (also spelt `beta`).
    Beta,
    /// `rc` (also spelt `c`, `pre`, `preview`).
    Rc,
}

impl Pep440Phase {
    /// The normal spelling: `a`, `b` or `rc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pep440Phase::Alpha => "a",
            Pep440Phase::Beta => "b",
            Pep440Phase::Rc => "rc",
        }
    }

    /// Read any spelling PEP 440 allows, in any letter case.
    pub fn parse(s: &str) -> Result<Pep440Phase> {
        match s.to_ascii_lowercase().as_str() {
            "a" | "alpha" => Ok(Pep440Phase::Alpha),
            "b" | "beta" => Ok(Pep440Phase::Beta),
            "rc" | "c" | "pre" | "preview" => Ok(Pep440Phase::Rc),
            _ => Err(Error::invalid(format!(
                "{s:?} is not a PEP 440 pre-release phase: use a, b or rc"
            ))),
        }
    }
}

/// A PEP 440 version. Equality and order are PEP 440's (`1.0 == 1.0.0`),
/// so two values can be equal and still print differently.
#[derive(Clone, Debug)]
pub struct Pep440Version {
    /// `N!`, 0 when absent.
    pub epoch: u64,
    /// The release numbers (`1.2.3` → `[1, 2, 3]`), at least one.
    pub release: Vec<u64>,
    /// `aN`, `bN` or `rcN`.
    pub pre: Option<(Pep440Phase, u64)>,
    /// `.postN`.
    pub post: Option<u64>,
    /// `.devN`.
    pub dev: Option<u64>,
    /// The local label after `+`, normalised (lower case, `.` between parts).
    pub local: Option<String>,
}

fn pattern() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // PEP 440's grammar with its permitted alternative spellings.
        regex::Regex::new(
            r"(?xi)^
            v?
            (?:(?P<epoch>[0-9]+)!)?
            (?P<release>[0-9]+(?:\.[0-9]+)*)
            (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
            (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
            (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
            (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
            $",
        )
        .expect("the PEP 440 pattern compiles")
    })
}

fn number(s: &str, what: &str, input: &str) -> Result<u64> {
    s.parse::<u64>().map_err(|_| {
        Error::invalid(format!(
            "{input:?}: its {what} {s} is too large for a PEP 440 version opskit reads (at most {})",
            u64::MAX
        ))
    })
}

impl std::str::FromStr for Pep440Version {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self> {
        let s = input.trim();
        let c = pattern().captures(s).ok_or_else(|| {
            Error::invalid(format!(
                "{input:?} is not a PEP 440 version: write it like 1.2.0, 1.2.0rc1, 1.2.0.post1, 1.2.0.dev3 or 1!2.0"
            ))
        })?;
        let get = |n: &str| c.name(n).map(|m| m.as_str());
        let release = get("release")
            .unwrap_or_default()
            .split('.')
            .map(|n| number(n, "release number", input))
            .collect::<Result<Vec<u64>>>()?;
        let pre = match get("pre_l") {
            Some(l) => Some((
                Pep440Phase::parse(l)?,
                get("pre_n").map_or(Ok(0), |n| number(n, "pre-release number", input))?,
            )),
            None => None,
        };
        let post = match (get("post_n1"), get("post_l"), get("post_n2")) {
            (Some(n), _, _) | (None, Some(_), Some(n)) => {
                Some(number(n, "post-release number", input)?)
            }
            (None, Some(_), None) => Some(0),
            _ => None,
        };
        let dev = match (get("dev_l"), get("dev_n")) {
            (Some(_), Some(n)) => Some(number(n, "dev-release number", input)?),
            (Some(_), None) => Some(0),
            _ => None,
        };
        Ok(Pep440Version {
            epoch: get("epoch").map_or(Ok(0), |n| number(n, "epoch", input))?,
            release,
            pre,
            post,
            dev,
            local: get("local").map(|l| l.to_ascii_lowercase().replace(['-', '_'], ".")),
        })
    }
}

impl std::fmt::Display for Pep440Version {
    /// The normal form: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        let release: Vec<String> = self.release.iter().map(u64::to_string).collect();
        f.write_str(&release.join("."))?;
        if let Some((phase, n)) = self.pre {
            write!(f, "{}{n}", phase.as_str())?;
        }
        if let Some(n) = self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = self.dev {
            write!(f, ".dev{n}")?;
        }
        if let Some(l) = &self.local {
            write!(f, "+{l}")?;
        }
        Ok(())
    }
}

/// One part of a local label: numbers sort above words, as PEP 440 says.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart<'a> {
    Word(&'a str),
    Number(u64),
}

impl Pep440Version {
    /// The release without its trailing zeros (`1.0.0` and `1.0` compare equal).
    fn trimmed(&self) -> &[u64] {
        let end = self
            .release
            .iter()
            .rposition(|&n| n != 0)
            .map_or(0, |i| i + 1);
        &self.release[..end]
    }

    /// A pre-release of its release: `aN`/`bN`/`rcN`, or a `.devN` of a
    /// version that is no post-release (both sort before the release).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || (self.dev.is_some() && self.post.is_none())
    }

    /// Bump by `level`, as [`super::bump`] does for SemVer: a stable bump
    /// of a pre-release finishes it when its release is the target
    /// (`1.3.0rc2` + minor → `1.3.0`); the `Pre*` levels enter `phase`
    /// (`1.2.3` + preminor `rc` → `1.3.0rc1`); `Prerelease` continues the
    /// phase or moves to a later one (`1.3.0a2` → `1.3.0b1`), never back.
    /// Post, dev and local parts are dropped; the release keeps its length,
    /// at least three numbers.
    pub fn bump(&self, level: BumpLevel, phase: Option<Pep440Phase>) -> Result<Pep440Version> {
        let overflow = || {
            Error::invalid(format!(
                "cannot bump {self}: a version number would overflow"
            ))
        };
        let mut release = self.release.clone();
        if release.len() < 3 {
            release.resize(3, 0);
        }
        let is_pre = self.is_prerelease();
        let raise = |release: &mut Vec<u64>, at: usize| -> Result<()> {
            release[at] = release[at].checked_add(1).ok_or_else(overflow)?;
            release[at + 1..].iter_mut().for_each(|n| *n = 0);
            Ok(())
        };
        // Only zeros after `at`: a pre-release of that version is finished by it.
        let zeros_after = |at: usize| release[at + 1..].iter().all(|&n| n == 0);
        let mut pre = None;
        match level {
            BumpLevel::Major if is_pre && zeros_after(0) => {}
            BumpLevel::Major => raise(&mut release, 0)?,
            BumpLevel::Minor if is_pre && zeros_after(1) => {}
            BumpLevel::Minor => raise(&mut release, 1)?,
            BumpLevel::Patch if is_pre && zeros_after(2) => {}
            BumpLevel::Patch => raise(&mut release, 2)?,
            BumpLevel::Premajor | BumpLevel::Preminor | BumpLevel::Prepatch => {
                let p = phase.ok_or_else(|| need_phase(self, level))?;
                let at = match level {
                    BumpLevel::Premajor => 0,
                    BumpLevel::Preminor => 1,
                    _ => 2,
                };
                raise(&mut release, at)?;
                pre = Some((p, 1));
            }
            BumpLevel::Prerelease => match (self.pre, phase) {
                (None, _) if !is_pre => return self.bump(BumpLevel::Prepatch, phase),
                // A .devN of a release: its first pre-release of `phase`.
                (None, p) => pre = Some((p.ok_or_else(|| need_phase(self, level))?, 1)),
                (Some((cur, n)), p) => {
                    let p = p.unwrap_or(cur);
                    pre = Some(match p.cmp(&cur) {
                        Ordering::Equal if self.dev.is_some() => (cur, n),
                        Ordering::Equal => (cur, n.checked_add(1).ok_or_else(overflow)?),
                        Ordering::Greater => (p, 1),
                        Ordering::Less => {
                            return Err(Error::invalid(format!(
                                "cannot go from {self} to an earlier phase ({}): it would sort before {self}; use {} or later",
                                p.as_str(),
                                cur.as_str()
                            )));
                        }
                    });
                }
            },
        }
        Ok(Pep440Version {
            epoch: self.epoch,
            release,
            pre,
            post: None,
            dev: None,
            local: None,
        })
    }
}

fn need_phase(v: &Pep440Version, level: BumpLevel) -> Error {
    Error::invalid(format!(
        "bumping {v} by {level} enters a pre-release: give its phase (a, b or rc)"
    ))
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // A dev release of a release with no pre or post part sorts before
        // every pre-release of it; no pre part sorts after them.
        fn pre_key(v: &Pep440Version) -> (i8, Option<(Pep440Phase, u64)>) {
            match (v.pre, v.post, v.dev) {
                (None, None, Some(_)) => (-1, None),
                (None, _, _) => (1, None),
                (p, _, _) => (0, p),
            }
        }
        fn local(v: &Pep440Version) -> Option<Vec<LocalPart<'_>>> {
            v.local.as_deref().map(|l| {
                l.split('.')
                    .map(|p| {
                        p.parse::<u64>()
                            .map_or(LocalPart::Word(p), LocalPart::Number)
                    })
                    .collect()
            })
        }
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.trimmed().cmp(other.trimmed()))
            .then_with(|| pre_key(self).cmp(&pre_key(other)))
            // No post part sorts first; no dev part sorts last.
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| match (self.dev, other.dev) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(&b),
            })
            .then_with(|| local(self).cmp(&local(other)))
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440Version {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Pep440Version {
        s.parse().unwrap()
    }

    fn cases() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/version/pep440.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn packaging_orders_1219_versions_the_same() {
        let c = cases();
        let order: Vec<(String, u64)> = serde_json::from_value(c["order"].clone()).unwrap();
        assert!(order.len() > 1000);
        let parsed: Vec<Pep440Version> = order.iter().map(|(s, _)| v(s)).collect();
        for (i, (s, _)) in order.iter().enumerate() {
            assert_eq!(parsed[i].to_string(), *s, "normal form of {s}");
        }
        // Every pair, against packaging's ranks.
        for i in 0..order.len() {
            for j in 0..order.len() {
                assert_eq!(
                    parsed[i].cmp(&parsed[j]),
                    order[i].1.cmp(&order[j].1),
                    "{} vs {}",
                    order[i].0,
                    order[j].0
                );
            }
        }
    }

    #[test]
    fn spellings_normalise_as_packaging_writes_them_and_bad_ones_are_refused() {
        let c = cases();
        let pairs: Vec<(String, String)> = serde_json::from_value(c["normalize"].clone()).unwrap();
        for (input, normal) in &pairs {
            assert_eq!(v(input).to_string(), *normal, "{input:?}");
        }
        let invalid: Vec<String> = serde_json::from_value(c["invalid"].clone()).unwrap();
        for bad in &invalid {
            let e = bad.parse::<Pep440Version>().unwrap_err();
            assert!(e.message().contains("PEP 440"), "{bad:?}: {e}");
        }
        assert!(
            "99999999999999999999999.0"
                .parse::<Pep440Version>()
                .is_err()
        );
    }

    #[test]
    fn bumps_enter_continue_and_finish_pre_releases() {
        let b =
            |s: &str, l: BumpLevel, p: Option<Pep440Phase>| v(s).bump(l, p).unwrap().to_string();
        use BumpLevel::*;
        assert_eq!(b("1.2.3", Major, None), "2.0.0");
        assert_eq!(b("1.2.3", Minor, None), "1.3.0");
        assert_eq!(b("1.2.3", Patch, None), "1.2.4");
        assert_eq!(b("1.2", Patch, None), "1.2.1");
        assert_eq!(b("1!1.2.3.post4+local", Patch, None), "1!1.2.4");
        assert_eq!(b("1.2.3", Preminor, Some(Pep440Phase::Rc)), "1.3.0rc1");
        assert_eq!(b("1.2.3", Premajor, Some(Pep440Phase::Alpha)), "2.0.0a1");
        assert_eq!(b("1.3.0rc1", Prerelease, None), "1.3.0rc2");
        assert_eq!(b("1.3.0a2", Prerelease, Some(Pep440Phase::Beta)), "1.3.0b1");
        assert_eq!(b("1.3.0rc2", Minor, None), "1.3.0");
        assert_eq!(b("1.3.0rc2", Patch, None), "1.3.0");
        assert_eq!(b("1.3.1rc2", Minor, None), "1.4.0");
        assert_eq!(b("2.0.0b1", Major, None), "2.0.0");
        assert_eq!(b("1.3.0.dev4", Minor, None), "1.3.0");
        assert_eq!(b("1.3.0rc1.dev2", Prerelease, None), "1.3.0rc1");
        assert_eq!(
            b("1.3.0.dev2", Prerelease, Some(Pep440Phase::Beta)),
            "1.3.0b1"
        );
        assert_eq!(b("1.2.3", Prerelease, Some(Pep440Phase::Rc)), "1.2.4rc1");
        // Every bump sorts after what it bumped.
        for (s, l, p) in [
            ("1.3.0rc2", Minor, None),
            ("1.3.0a2", Prerelease, Some(Pep440Phase::Beta)),
            ("1.3.0.dev4", Minor, None),
            ("1.3.0rc1.dev2", Prerelease, None),
            ("1.0.post1", Patch, None),
        ] {
            assert!(v(s).bump(l, p).unwrap() > v(s), "{s} {l}");
        }
        let back = v("1.3.0rc1")
            .bump(Prerelease, Some(Pep440Phase::Alpha))
            .unwrap_err();
        assert!(back.message().contains("earlier phase"), "{back}");
        assert!(v("1.2.3").bump(Preminor, None).is_err());
        assert!(v(&format!("{}.0.0", u64::MAX)).bump(Major, None).is_err());
        assert_eq!(Pep440Phase::parse("PREVIEW").unwrap(), Pep440Phase::Rc);
        assert!(Pep440Phase::parse("gamma").is_err());
    }
}

//! The bump policy as data: what each commit type means, the 0.x rules, and named presets that reproduce other tools.

use ::semver::Version;

use super::*;

/// What a commit means for the version, before the 0.x rules map it to a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// A bug fix or other patch-level change.
    Fix,
    /// A new feature.
    Feature,
    /// A breaking change.
    Breaking,
}

/// Named bump policies that reproduce other tools' defaults (see the README's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// opskit's own: Cargo's 0.x rules, other types and non-conventional commits don't release.
    #[default]
    Opskit,
    /// semantic-release with the conventionalcommits preset.
    SemanticRelease,
    /// git-cliff 2.14 with its default configuration.
    GitCliff,
    /// release-plz (the `next_version` crate).
    ReleasePlz,
    /// commitizen (`cz bump`, semver scheme).
    Commitizen,
    /// release-please's default versioning strategy (its
    /// `bump-minor-pre-major` and `bump-patch-for-minor-pre-major` are
    /// [`NextOptions`] fields).
    ReleasePlease,
    /// python-semantic-release 10 with its defaults (`conventional` parser,
    /// `allow_zero_version = false`, `major_on_zero = true`).
    PythonSemanticRelease,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 7] = [
        Preset::Opskit,
        Preset::SemanticRelease,
        Preset::GitCliff,
        Preset::ReleasePlz,
        Preset::Commitizen,
        Preset::ReleasePlease,
        Preset::PythonSemanticRelease,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Opskit => "opskit",
            Preset::SemanticRelease => "semantic-release",
            Preset::GitCliff => "git-cliff",
            Preset::ReleasePlz => "release-plz",
            Preset::Commitizen => "commitizen",
            Preset::ReleasePlease => "release-please",
            Preset::PythonSemanticRelease => "python-semantic-release",
        }
    }
}

/// One rule a preset changes from opskit's default policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PresetRule {
    /// The [`BumpPolicy`] field (snake_case, as in a policy file).
    pub field: String,
    /// Its value in the `opskit` preset, as JSON text.
    pub opskit: String,
    /// Its value in this preset, as JSON text.
    pub preset: String,
}

impl Preset {
    /// What this preset changes from the `opskit` preset, by field name:
    /// the table `--preset help` prints and the docs show, read from the
    /// policies themselves so it cannot drift.
    pub fn rules(self) -> Vec<PresetRule> {
        let as_json = |p: BumpPolicy| serde_json::to_value(p).unwrap_or_default();
        let (base, mine) = (
            as_json(BumpPolicy::preset(Preset::Opskit)),
            as_json(BumpPolicy::preset(self)),
        );
        let (Some(base), Some(mine)) = (base.as_object(), mine.as_object()) else {
            return Vec::new();
        };
        base.iter()
            .filter_map(|(field, b)| {
                let m = mine.get(field)?;
                (m != b).then(|| PresetRule {
                    field: field.clone(),
                    opskit: b.to_string(),
                    preset: m.to_string(),
                })
            })
            .collect()
    }
}

impl Impact {
    /// The lowercase name (`"fix"`, `"feature"`, `"breaking"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Fix => "fix",
            Impact::Feature => "feature",
            Impact::Breaking => "breaking",
        }
    }
}

impl std::fmt::Display for Impact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown preset {s:?}; use one of {}",
                    Preset::ALL.map(Preset::as_str).join(", ")
                ))
            })
    }
}

/// The bump rules, as data. [`BumpPolicy::default`] is the `opskit` preset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct BumpPolicy {
    /// Conventional types that are features (default `feat`).
    pub minor_types: Vec<String>,
    /// Conventional types that are fixes (default `fix`, `perf`).
    pub patch_types: Vec<String>,
    /// Types that never release, even when `other_types` would (e.g. `chore`, `ci`, `docs`).
    pub no_bump_types: Vec<String>,
    /// What any other conventional type does (default: no release).
    pub other_types: Option<Impact>,
    /// What a non-conventional commit does (default: ignored, but reported).
    pub non_conventional: Option<Impact>,
    /// What a revert does when the commit it reverts is not in range (default: fix).
    pub revert: Option<Impact>,
    /// A revert and the commit it reverts, both in range, cancel out (default true).
    pub pair_reverts: bool,
    /// Read `type!(scope):` as a breaking `type(scope)!:` (default true, as
    /// release-please does); when false such a commit is non-conventional.
    pub lenient_bang_before_scope: bool,
    /// A `BREAKING CHANGE:` footer makes a commit breaking even under a
    /// subject that is not conventional (default true, as semantic-release
    /// and commitizen read it).
    pub lenient_breaking_footer: bool,
    /// Pair a revert only when the header it quotes also equals the reverted
    /// commit's subject, not just the id (semantic-release's rule: a squash
    /// merge's `Revert "x" (#12)` of `x (#11)` does not pair). Default false.
    pub pair_reverts_by_header: bool,
    /// Skip merge commits (default true).
    pub skip_merges: bool,
    /// Skip `fixup!`, `squash!` and `amend!` commits (default true).
    pub skip_fixups: bool,
    /// Level of a breaking change at `0.y.z`, y > 0 (default minor).
    pub zero_major_breaking: BumpLevel,
    /// Level of a feature at `0.y.z` (default patch).
    pub zero_major_feature: BumpLevel,
    /// Level of a breaking change at `0.0.z` (default patch).
    pub zero_zero_breaking: BumpLevel,
    /// Level of a fix at `0.y.z` (default patch; python-semantic-release's
    /// `allow_zero_version = false` makes every bump of a 0.x version major).
    pub zero_major_fix: BumpLevel,
    /// The version of the first release when no release tag exists (default `0.1.0`).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub initial_version: Version,
}

fn types(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for BumpPolicy {
    fn default() -> Self {
        BumpPolicy::preset(Preset::Opskit)
    }
}

impl BumpPolicy {
    /// The policy of a named preset.
    pub fn preset(preset: Preset) -> Self {
        let base = BumpPolicy {
            minor_types: types(&["feat"]),
            patch_types: types(&["fix", "perf"]),
            no_bump_types: Vec::new(),
            other_types: None,
            non_conventional: None,
            revert: Some(Impact::Fix),
            pair_reverts: true,
            lenient_bang_before_scope: true,
            lenient_breaking_footer: true,
            pair_reverts_by_header: false,
            skip_merges: true,
            skip_fixups: true,
            zero_major_breaking: BumpLevel::Minor,
            zero_major_feature: BumpLevel::Patch,
            zero_zero_breaking: BumpLevel::Patch,
            zero_major_fix: BumpLevel::Patch,
            initial_version: Version::new(0, 1, 0),
        };
        match preset {
            Preset::Opskit => base,
            Preset::SemanticRelease => BumpPolicy {
                pair_reverts_by_header: true,
                lenient_bang_before_scope: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                initial_version: Version::new(1, 0, 0),
                ..base
            },
            Preset::GitCliff => BumpPolicy {
                lenient_bang_before_scope: false,
                lenient_breaking_footer: false,
                patch_types: Vec::new(),
                other_types: Some(Impact::Fix),
                revert: None,
                pair_reverts: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                ..base
            },
            Preset::ReleasePlz => BumpPolicy {
                lenient_bang_before_scope: false,
                lenient_breaking_footer: false,
                patch_types: Vec::new(),
                other_types: Some(Impact::Fix),
                non_conventional: Some(Impact::Fix),
                revert: None,
                pair_reverts: false,
                skip_merges: false,
                skip_fixups: false,
                ..base
            },
            // Its default strategy: a release needs a commit its default
            // changelog sections show (feat, fix, perf, revert; a breaking
            // change of any type); breaking is major and feat minor even
            // before 1.0; the first release is 1.0.0. A subject that does
            // not parse is skipped whole, its footer too, and reverts are
            // not paired.
            Preset::ReleasePlease => BumpPolicy {
                patch_types: types(&["fix", "perf", "revert"]),
                lenient_breaking_footer: false,
                revert: None,
                pair_reverts: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                initial_version: Version::new(1, 0, 0),
                ..base
            },
            Preset::Commitizen => BumpPolicy {
                lenient_bang_before_scope: false,
                patch_types: types(&["fix", "refactor", "perf"]),
                revert: None,
                pair_reverts: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Minor,
                zero_zero_breaking: BumpLevel::Major,
                ..base
            },
            // Its `conventional` parser: a subject that does not parse
            // (`feat!(scope):`, `Revert "…"`, a plain subject with a
            // BREAKING CHANGE footer) and a type it does not know
            // (`revert:`) release nothing; reverts are not paired. With
            // `allow_zero_version = false` any bump of a 0.x version is
            // 1.0.0, and the first release is 1.0.0.
            Preset::PythonSemanticRelease => BumpPolicy {
                lenient_bang_before_scope: false,
                lenient_breaking_footer: false,
                revert: None,
                pair_reverts: false,
                zero_major_breaking: BumpLevel::Major,
                zero_major_feature: BumpLevel::Major,
                zero_zero_breaking: BumpLevel::Major,
                zero_major_fix: BumpLevel::Major,
                initial_version: Version::new(1, 0, 0),
                ..base
            },
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        for (name, level) in [
            ("zero_major_breaking", self.zero_major_breaking),
            ("zero_major_feature", self.zero_major_feature),
            ("zero_zero_breaking", self.zero_zero_breaking),
            ("zero_major_fix", self.zero_major_fix),
        ] {
            if !matches!(
                level,
                BumpLevel::Major | BumpLevel::Minor | BumpLevel::Patch
            ) {
                return Err(Error::invalid(format!(
                    "bump policy {name} is {level}; use major, minor or patch"
                )));
            }
        }
        if !self.initial_version.build.is_empty() {
            return Err(Error::invalid(
                "bump policy initial_version must not carry build metadata",
            ));
        }
        Ok(())
    }

    /// The version level of `impact` at version `current`, with the 0.x rules.
    pub fn level(&self, current: &AnyVersion, impact: Impact) -> BumpLevel {
        match (current.major(), current.minor(), impact) {
            (0, 0, Impact::Breaking) => self.zero_zero_breaking,
            (0, _, Impact::Breaking) => self.zero_major_breaking,
            (0, _, Impact::Feature) => self.zero_major_feature,
            (0, _, Impact::Fix) => self.zero_major_fix,
            (_, _, Impact::Breaking) => BumpLevel::Major,
            (_, _, Impact::Feature) => BumpLevel::Minor,
            (_, _, Impact::Fix) => BumpLevel::Patch,
        }
    }

    /// Does the policy read `e` as a Conventional Commit? (A `type!(scope):`
    /// subject is one only with `lenient_bang_before_scope`.)
    pub(crate) fn reads_as_conventional(&self, e: &CommitEntry) -> bool {
        self.lenient_bang_before_scope || !e.lenient.contains(&Leniency::BangBeforeScope)
    }

    /// Does the policy read `e` as a breaking change?
    pub(crate) fn reads_as_breaking(&self, e: &CommitEntry) -> bool {
        e.breaking
            && self.reads_as_conventional(e)
            && (e.conventional || self.lenient_breaking_footer)
    }

    pub(crate) fn type_impact(&self, kind: &str) -> std::result::Result<Impact, IgnoreReason> {
        let has = |list: &[String]| list.iter().any(|t| t.eq_ignore_ascii_case(kind));
        if has(&self.no_bump_types) {
            Err(IgnoreReason::NoReleaseType)
        } else if has(&self.minor_types) {
            Ok(Impact::Feature)
        } else if has(&self.patch_types) {
            Ok(Impact::Fix)
        } else {
            self.other_types.ok_or(IgnoreReason::NoReleaseType)
        }
    }
}

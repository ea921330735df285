//! Versioning: SemVer, Conventional Commits, next version and changelog from
//! git history, release tags as rollback points, and branch policy.
//!
//! ```no_run
//! use std::path::Path;
//! use opskit::version::{next_version, NextOptions};
//!
//! let next = next_version(Path::new("."), &NextOptions::default())?;
//! println!("{:?} -> {:?}", next.current, next.next);
//! # Ok::<(), opskit::Error>(())
//! ```

mod branch;
mod changelog;
mod commit;
mod git;
mod next;
mod pep440;
mod release;
mod releases;
mod scheme;
mod semver;
mod status;

pub use self::branch::{BranchCheck, BranchPolicy, Promotion, check_branch, promote_check};
pub use self::changelog::{
    Changelog, ChangelogGroup, ChangelogOptions, ChangelogRange, ChangelogRelease, GroupRule,
    changelog, default_groups,
};
pub use self::commit::{CommitMessage, Footer, Leniency, parse_commit_message};
pub use self::git::{CommitEntry, DEFAULT_TAG_PATTERN, Release, SHORT_ID_LEN, TagPattern};
pub use self::next::{
    BumpPolicy, ComponentMatch, DecidingCommit, IgnoreReason, IgnoredCommit, Impact, NextOptions,
    NextVersion, Preset, PresetRule, next_version,
};
pub use self::pep440::{Pep440Phase, Pep440Version};
#[cfg(fuzzing)]
#[doc(hidden)]
pub use self::release::fuzzing as release_fuzzing;
pub use self::release::{
    CutRelease, CutReleaseOptions, FileChange, SkippedFile, VersionFile, VersionFileKind,
    cut_release,
};
pub use self::releases::{
    CurrentOptions, ReleaseOptions, RollbackOptions, current_release, latest_release, releases,
    rollback_target,
};
pub use self::scheme::{
    AnyVersion, Scheme, VersionParts, bump_in, bump_on_channel_in, compare_in, parse_version_in,
    sort_versions_in,
};
pub use self::semver::{
    BumpLevel, bump, bump_on_channel, compare, parse_version, satisfies, sort_versions,
};
pub use self::status::{VersionStatus, status};
pub use ::semver::Version;

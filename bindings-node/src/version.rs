//! The versioning family for Node: pure functions are synchronous; git
//! functions return a Promise (libuv pool) and have a `…Sync` twin.

use std::path::PathBuf;

use napi_derive::napi;
use opskit::version as v;
use serde_json::Value;

use crate::convert::{from_js, to_js};
use crate::error::{Code, sync};
use crate::task::promise_and_sync;

fn repo_path(path: Option<String>) -> PathBuf {
    PathBuf::from(path.unwrap_or_else(|| ".".into()))
}

// ---- pure, synchronous ----

/// A `scheme` argument read by core (`None`: SemVer).
fn scheme_arg(scheme: Option<String>) -> opskit::Result<Option<v::Scheme>> {
    scheme.as_deref().map(str::parse).transpose()
}

/// Parse a version into its parts: SemVer 2.0.0, or PEP 440 with `scheme`.
#[napi(
    namespace = "version",
    ts_args_type = "version: string, scheme?: Scheme | null",
    ts_return_type = "VersionParts"
)]
pub fn parse_version(version: String, scheme: Option<String>) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        to_js(&v::VersionParts::from(&v::parse_version_in(
            &version,
            scheme_arg(scheme)?,
        )?))
    })
}

/// Compare two versions by precedence (SemVer, or PEP 440 with `scheme`): -1, 0 or 1.
#[napi(
    namespace = "version",
    ts_args_type = "a: string, b: string, scheme?: Scheme | null"
)]
pub fn compare(a: String, b: String, scheme: Option<String>) -> Result<i32, napi::Error<Code>> {
    sync(|| Ok(v::compare_in(&a, &b, scheme_arg(scheme)?)? as i32))
}

/// Sort versions by precedence, lowest first.
#[napi(
    namespace = "version",
    ts_args_type = "versions: string[], scheme?: Scheme | null"
)]
pub fn sort_versions(
    versions: Vec<String>,
    scheme: Option<String>,
) -> Result<Vec<String>, napi::Error<Code>> {
    sync(|| {
        Ok(v::sort_versions_in(&versions, scheme_arg(scheme)?)?
            .iter()
            .map(|x| x.to_string())
            .collect())
    })
}

/// Bump a version: `major`, `minor`, `patch`, `premajor`, `preminor`,
/// `prepatch` or `prerelease`, with a pre-release channel for the pre* levels
/// (under PEP 440 a phase: `a`, `b` or `rc`).
#[napi(
    namespace = "version",
    ts_args_type = "version: string, level: BumpLevel, channel?: string | null, scheme?: Scheme | null"
)]
pub fn bump(
    version: String,
    level: String,
    channel: Option<String>,
    scheme: Option<String>,
) -> Result<String, napi::Error<Code>> {
    sync(|| {
        Ok(v::bump_in(
            &version,
            level.parse()?,
            channel.as_deref(),
            scheme_arg(scheme)?,
        )?
        .to_string())
    })
}

/// Apply a stable level (major, minor, patch) on a pre-release channel:
/// enter, continue or escalate a pre-release (`1.2.3` + minor + `rc` → `1.3.0-rc.1`).
#[napi(
    namespace = "version",
    ts_args_type = "version: string, level: BumpLevel, channel: string, scheme?: Scheme | null"
)]
pub fn bump_on_channel(
    version: String,
    level: String,
    channel: String,
    scheme: Option<String>,
) -> Result<String, napi::Error<Code>> {
    sync(|| {
        Ok(
            v::bump_on_channel_in(&version, level.parse()?, &channel, scheme_arg(scheme)?)?
                .to_string(),
        )
    })
}

/// The default changelog sections.
#[napi(namespace = "version", ts_return_type = "GroupRule[]")]
pub fn default_groups() -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&v::default_groups()))
}

/// Does the version satisfy the range (`^1.2`, `>=1.0.0, <2.0.0`, `~1.4 || ^2`)?
#[napi(namespace = "version")]
pub fn satisfies(version: String, range: String) -> Result<bool, napi::Error<Code>> {
    sync(|| Ok(v::satisfies(&version, &range)?))
}

/// Parse a commit message (Conventional Commits 1.0.0).
#[napi(namespace = "version", ts_return_type = "CommitMessage")]
pub fn parse_commit_message(message: String) -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&v::parse_commit_message(&message)))
}

/// Check a branch name against a policy (default: main, production, staging,
/// feature/*, fix/*, hotfix/*, release/*).
#[napi(
    namespace = "version",
    ts_args_type = "name: string, policy?: Partial<BranchPolicy> | null",
    ts_return_type = "BranchCheck"
)]
pub fn check_branch(name: String, policy: Option<Value>) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let p: v::BranchPolicy = from_js(policy, "branch policy")?;
        to_js(&v::check_branch(&name, &p)?)
    })
}

// ---- git: Promise + Sync twin ----

promise_and_sync! {
    #[doc = "Release tags sorted by SemVer (oldest first)."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<ReleaseOptions> | null", returns = "Release[]", promise = "Promise<Release[]>")]
    fn releases / releases_sync(path: Option<String>, options: Option<Value>) {
        let o: v::ReleaseOptions = from_js(options, "releases options")?;
        to_js(&v::releases(&repo_path(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "The highest release, or null."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<ReleaseOptions> | null", returns = "Release | null", promise = "Promise<Release | null>")]
    fn latest_release / latest_release_sync(path: Option<String>, options: Option<Value>) {
        let o: v::ReleaseOptions = from_js(options, "latestRelease options")?;
        to_js(&v::latest_release(&repo_path(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "The current release (the highest nearest to `rev`), or null."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<CurrentOptions> | null", returns = "Release | null", promise = "Promise<Release | null>")]
    fn current_release / current_release_sync(path: Option<String>, options: Option<Value>) {
        let o: v::CurrentOptions = from_js(options, "currentRelease options")?;
        to_js(&v::current_release(&repo_path(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "The release to roll back to from `of` (a version or tag; default the latest), or null."]
    #[napi(namespace = "version", args = "path?: string | null, of?: string | null, options?: Partial<RollbackOptions> | null", returns = "Release | null", promise = "Promise<Release | null>")]
    fn rollback_target / rollback_target_sync(path: Option<String>, of: Option<String>, options: Option<Value>) {
        let o: v::RollbackOptions = from_js(options, "rollbackTarget options")?;
        to_js(&v::rollback_target(&repo_path(path), of.as_deref(), &o)?)
    }
}

promise_and_sync! {
    #[doc = "The next version from git history."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<NextOptions> | null", returns = "NextVersion", promise = "Promise<NextVersion>")]
    fn next_version / next_version_sync(path: Option<String>, options: Option<Value>) {
        let o: v::NextOptions = from_js(options, "nextVersion options")?;
        to_js(&v::next_version(&repo_path(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "A changelog as data."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<ChangelogOptions> | null", returns = "Changelog", promise = "Promise<Changelog>")]
    fn changelog / changelog_sync(path: Option<String>, options: Option<Value>) {
        let o: v::ChangelogOptions = from_js(options, "changelog options")?;
        to_js(&v::changelog(&repo_path(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "Release: the next version's CHANGELOG.md section, version files bumped,"]
    #[doc = "one commit and an annotated tag (`dryRun: true` writes nothing)."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<CutReleaseOptions> | null", returns = "CutRelease", promise = "Promise<CutRelease>")]
    fn cut_release / cut_release_sync(path: Option<String>, options: Option<Value>) {
        let o: v::CutReleaseOptions = from_js(options, "release options")?;
        to_js(&v::cut_release(&repo_path(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "A changelog as Keep a Changelog markdown."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<ChangelogOptions> | null", returns = "string", promise = "Promise<string>")]
    fn changelog_markdown / changelog_markdown_sync(path: Option<String>, options: Option<Value>) {
        let o: v::ChangelogOptions = from_js(options, "changelogMarkdown options")?;
        Ok(Value::String(
            v::changelog(&repo_path(path), &o)?.to_markdown(),
        ))
    }
}

promise_and_sync! {
    #[doc = "Can branch `to` fast-forward to `from` (e.g. staging → production)?"]
    #[napi(namespace = "version", args = "from: string, to: string, path?: string | null", returns = "Promotion", promise = "Promise<Promotion>")]
    fn promote_check / promote_check_sync(from: String, to: String, path: Option<String>) {
        to_js(&v::promote_check(&repo_path(path), &from, &to)?)
    }
}

promise_and_sync! {
    #[doc = "The versioning state of a repository: branch, policy check, current and next version."]
    #[napi(namespace = "version", args = "path?: string | null, options?: Partial<NextOptions> | null, policy?: Partial<BranchPolicy> | null", returns = "VersionStatus", promise = "Promise<VersionStatus>")]
    fn status / status_sync(path: Option<String>, options: Option<Value>, policy: Option<Value>) {
        let o: v::NextOptions = from_js(options, "status options")?;
        let p: v::BranchPolicy = from_js(policy, "branch policy")?;
        to_js(&v::status(&repo_path(path), &o, &p)?)
    }
}

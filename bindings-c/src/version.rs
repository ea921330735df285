//! `opskit_version_*`: the versioning family for C. Structured results are
//! JSON strings freed with `opskit_string_free`.

use std::ffi::c_char;
use std::path::Path;

use opskit::version as v;

use crate::error::opskit_status;
use crate::ffi::{
    Res, boundary, json_arg, opt_str_arg, options, out_arg, owned_json, owned_string, path_call,
    str_arg,
};

/// A `scheme` argument (may be NULL: SemVer) read by core.
unsafe fn scheme_arg(scheme: *const c_char) -> Res<Option<v::Scheme>> {
    Ok(unsafe { opt_str_arg(scheme, "scheme") }?
        .map(str::parse)
        .transpose()?)
}

/// Parse a SemVer version. `*out_json` receives
/// `{"version","major","minor","patch","pre","build","prerelease","scheme",
/// "epoch","release","post","dev"}`.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_parse_version(
    version: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe { opskit_version_parse_version_in(version, std::ptr::null(), out_json) }
}

/// [`opskit_version_parse_version`] under `scheme`: `"semver"` (also when
/// NULL), `"pep440"`, or `"auto"` (SemVer when it reads the version, else PEP 440).
///
/// # Safety
/// Strings are NUL-terminated (scheme may be NULL); `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_parse_version_in(
    version: *const c_char,
    scheme: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let s = unsafe { str_arg(version, "version") }?;
        let parsed = v::parse_version_in(s, unsafe { scheme_arg(scheme) }?)?;
        *out = owned_json(&v::VersionParts::from(&parsed))?;
        Ok(())
    })
}

/// Compare two versions by SemVer precedence: `*out` is -1, 0 or 1.
///
/// # Safety
/// Strings are NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_compare(
    a: *const c_char,
    b: *const c_char,
    out: *mut i32,
) -> opskit_status {
    unsafe { opskit_version_compare_in(a, b, std::ptr::null(), out) }
}

/// [`opskit_version_compare`] under `scheme` (NULL: SemVer; `"auto"`:
/// SemVer when both are, else PEP 440).
///
/// # Safety
/// Strings are NUL-terminated (scheme may be NULL); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_compare_in(
    a: *const c_char,
    b: *const c_char,
    scheme: *const c_char,
    out: *mut i32,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let a = unsafe { str_arg(a, "a") }?;
        let b = unsafe { str_arg(b, "b") }?;
        *out = v::compare_in(a, b, unsafe { scheme_arg(scheme) }?)? as i32;
        Ok(())
    })
}

/// Sort a JSON array of version strings by precedence, lowest first.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_sort_versions(
    versions_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe { opskit_version_sort_versions_in(versions_json, std::ptr::null(), out_json) }
}

/// [`opskit_version_sort_versions`] under `scheme` (NULL: SemVer).
///
/// # Safety
/// Strings are NUL-terminated (scheme may be NULL); `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_sort_versions_in(
    versions_json: *const c_char,
    scheme: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let list: Vec<String> = unsafe { json_arg(versions_json, "versions_json") }?;
        let sorted: Vec<String> = v::sort_versions_in(&list, unsafe { scheme_arg(scheme) }?)?
            .iter()
            .map(|x| x.to_string())
            .collect();
        *out = owned_json(&sorted)?;
        Ok(())
    })
}

/// Bump `version` by `level` (`major`, `minor`, `patch`, `premajor`,
/// `preminor`, `prepatch`, `prerelease`); `channel` (may be NULL) names the
/// pre-release channel. `*out` receives the new version string.
///
/// # Safety
/// Strings are NUL-terminated (channel may be NULL); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_bump(
    version: *const c_char,
    level: *const c_char,
    channel: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    unsafe { opskit_version_bump_in(version, level, channel, std::ptr::null(), out) }
}

/// [`opskit_version_bump`] under `scheme` (NULL: SemVer; under `"pep440"`
/// the channel is a phase: `a`, `b` or `rc`).
///
/// # Safety
/// Strings are NUL-terminated (channel and scheme may be NULL); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_bump_in(
    version: *const c_char,
    level: *const c_char,
    channel: *const c_char,
    scheme: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let version = unsafe { str_arg(version, "version") }?;
        let level: v::BumpLevel = unsafe { str_arg(level, "level") }?.parse()?;
        let channel = unsafe { opt_str_arg(channel, "channel") }?;
        let scheme = unsafe { scheme_arg(scheme) }?;
        *out = owned_string(v::bump_in(version, level, channel, scheme)?.to_string());
        Ok(())
    })
}

/// Apply a stable `level` (`major`, `minor`, `patch`) on pre-release
/// `channel`: enter, continue or escalate a pre-release
/// (`1.2.3` + minor + `rc` → `1.3.0-rc.1`). `*out` receives the version.
///
/// # Safety
/// Strings are NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_bump_on_channel(
    version: *const c_char,
    level: *const c_char,
    channel: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    unsafe { opskit_version_bump_on_channel_in(version, level, channel, std::ptr::null(), out) }
}

/// [`opskit_version_bump_on_channel`] under `scheme` (NULL: SemVer).
///
/// # Safety
/// Strings are NUL-terminated (scheme may be NULL); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_bump_on_channel_in(
    version: *const c_char,
    level: *const c_char,
    channel: *const c_char,
    scheme: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let version = unsafe { str_arg(version, "version") }?;
        let level: v::BumpLevel = unsafe { str_arg(level, "level") }?.parse()?;
        let channel = unsafe { str_arg(channel, "channel") }?;
        let scheme = unsafe { scheme_arg(scheme) }?;
        *out = owned_string(v::bump_on_channel_in(version, level, channel, scheme)?.to_string());
        Ok(())
    })
}

/// The default changelog sections as JSON (`[{"title","types"}]`).
///
/// # Safety
/// `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_default_groups(
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        *out = owned_json(&v::default_groups())?;
        Ok(())
    })
}

/// The versioning state of the repository at `path` as JSON: branch, branch
/// policy check, current release and next version. `options_json` as for
/// `opskit_version_next_version`, `policy_json` as for `opskit_version_check_branch`
/// (both may be NULL).
///
/// # Safety
/// Strings are NUL-terminated (options and policy may be NULL); `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_status(
    path: *const c_char,
    options_json: *const c_char,
    policy_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let opts: v::NextOptions = unsafe { options(options_json, "options_json") }?;
        let policy: v::BranchPolicy = unsafe { options(policy_json, "policy_json") }?;
        *out = owned_json(&v::status(Path::new(path), &opts, &policy)?)?;
        Ok(())
    })
}

/// Does `version` satisfy `range` (`^1.2`, `>=1.0.0, <2.0.0`, `~1.4 || ^2`)?
///
/// # Safety
/// Strings are NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_satisfies(
    version: *const c_char,
    range: *const c_char,
    out: *mut bool,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let version = unsafe { str_arg(version, "version") }?;
        let range = unsafe { str_arg(range, "range") }?;
        *out = v::satisfies(version, range)?;
        Ok(())
    })
}

/// Parse a commit message (Conventional Commits 1.0.0) into JSON.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_parse_commit_message(
    message: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let message = unsafe { str_arg(message, "message") }?;
        *out = owned_json(&v::parse_commit_message(message))?;
        Ok(())
    })
}

/// Release tags of the repository at `path`, sorted by SemVer, as a JSON
/// array. `options_json` (may be NULL):
/// `{"tag_pattern","include_prereleases","channel","merged_into"}`.
///
/// # Safety
/// Strings are NUL-terminated (options may be NULL); `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_releases(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: v::ReleaseOptions| v::releases(path, &opts),
        )
    }
}

/// The highest release as JSON, or `null`. Options as `opskit_version_releases`.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_latest_release(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: v::ReleaseOptions| v::latest_release(path, &opts),
        )
    }
}

/// The current release (nearest reachable from `rev`) as JSON, or `null`.
/// `options_json` (may be NULL): `{"rev","tag_pattern","channel"}`; without
/// a channel, the last stable release.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_current_release(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: v::CurrentOptions| v::current_release(path, &opts),
        )
    }
}

/// The release to roll back to from `of` (a version or tag; NULL = latest)
/// as JSON, or `null`. `options_json` (may be NULL):
/// `{"tag_pattern","include_prereleases","channel","merged_into"}`.
///
/// # Safety
/// As `opskit_version_releases`; `of` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_rollback_target(
    path: *const c_char,
    of: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let of = unsafe { opt_str_arg(of, "of") }?;
        let opts: v::RollbackOptions = unsafe { options(options_json, "options_json") }?;
        *out = owned_json(&v::rollback_target(Path::new(path), of, &opts)?)?;
        Ok(())
    })
}

/// The next version from git history, as JSON. `options_json` (may be NULL):
/// `{"rev","tag_pattern","paths","scopes","component_match","channel",
/// "preset","policy"}`.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_next_version(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: v::NextOptions| v::next_version(path, &opts),
        )
    }
}

/// Release the repository at `path`: the next version's section prepended
/// to CHANGELOG.md, the version bumped in the listed files, one commit and
/// an annotated tag; with `"dry_run":true` nothing is written. `options_json`
/// (may be NULL): `{"dry_run","tag_pattern","paths","scopes",
/// "component_match","channel","preset","policy","changelog_file","groups",
/// "files":[{"path","kind","pattern"}],"branches":{"allowed"},
/// "commit_message","date"}`. `*out_json`: `{"version","tag","previous_tag",
/// "branch","dry_run","section","commits","files":[{"path","kind",
/// "created","old_version","new_version"}],"commit"}`.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_cut_release(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: v::CutReleaseOptions| v::cut_release(path, &opts),
        )
    }
}

/// A changelog as JSON. `options_json` (may be NULL): `{"rev","tag_pattern",
/// "paths","scopes","component_match","range","include_other",
/// "include_prereleases","channel","groups","policy"}`
/// with `range` `"unreleased"` (default), `"all"` or `{"release":"1.4.0"}`.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_changelog(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: v::ChangelogOptions| v::changelog(path, &opts),
        )
    }
}

/// The same changelog as Keep a Changelog markdown.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_changelog_markdown(
    path: *const c_char,
    options_json: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let opts: v::ChangelogOptions = unsafe { options(options_json, "options_json") }?;
        *out = owned_string(v::changelog(Path::new(path), &opts)?.to_markdown());
        Ok(())
    })
}

/// Check a branch name against a policy (`policy_json` may be NULL for the
/// default: `{"allowed":["main","production","staging","feature/*",...]}`).
/// A name outside the policy is a result (`"valid": false`), not an error.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_check_branch(
    name: *const c_char,
    policy_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let name = unsafe { str_arg(name, "name") }?;
        let policy: v::BranchPolicy = unsafe { options(policy_json, "policy_json") }?;
        *out = owned_json(&v::check_branch(name, &policy)?)?;
        Ok(())
    })
}

/// Can branch `to` fast-forward to `from` (e.g. staging → production)? JSON
/// with `fast_forward`, `ahead`, `behind` and `target_only` commits.
///
/// # Safety
/// As `opskit_version_releases`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_version_promote_check(
    path: *const c_char,
    from: *const c_char,
    to: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let from = unsafe { str_arg(from, "from") }?;
        let to = unsafe { str_arg(to, "to") }?;
        *out = owned_json(&v::promote_check(Path::new(path), from, to)?)?;
        Ok(())
    })
}

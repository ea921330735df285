"""Versioning: SemVer, Conventional Commits, next version and changelog from
git history, releases carried out (changelog, version files, commit, tag),
release tags as rollback points, and branch policy.

Functions that read git release the GIL. Options are keyword arguments named
as in the Rust option structs; an unknown name raises InvalidInputError.
"""

from ._native.version import (
    bump,
    bump_on_channel,
    changelog,
    changelog_markdown,
    check_branch,
    compare,
    current_release,
    cut_release,
    default_groups,
    latest_release,
    next_version,
    parse_commit_message,
    parse_version,
    promote_check,
    releases,
    rollback_target,
    satisfies,
    sort_versions,
    status,
)

__all__ = [
    "bump",
    "bump_on_channel",
    "changelog",
    "changelog_markdown",
    "check_branch",
    "compare",
    "current_release",
    "cut_release",
    "default_groups",
    "latest_release",
    "next_version",
    "parse_commit_message",
    "parse_version",
    "promote_check",
    "releases",
    "rollback_target",
    "satisfies",
    "sort_versions",
    "status",
]

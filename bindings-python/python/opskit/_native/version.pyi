"""Stubs of opskit._native.version: versioning."""

import os
from typing import Any, List, Literal, Mapping, Optional, Sequence, Union

from opskit.types import (
    BranchCheck,
    Changelog,
    CommitMessage,
    CutRelease,
    GroupRule,
    NextVersion,
    Promotion,
    Release,
    VersionParts,
    VersionStatus,
)

_Path = Union[str, "os.PathLike[str]"]
_Range = Union[str, Mapping[str, str]]
_ComponentMatch = Literal["paths", "scopes", "either", "both"]
_Scheme = Literal["auto", "semver", "pep440"]

__all__ = [
    "parse_version",
    "compare",
    "sort_versions",
    "bump",
    "bump_on_channel",
    "satisfies",
    "parse_commit_message",
    "releases",
    "latest_release",
    "current_release",
    "rollback_target",
    "next_version",
    "changelog",
    "cut_release",
    "changelog_markdown",
    "default_groups",
    "status",
    "check_branch",
    "promote_check",
]

def parse_version(version: str, scheme: Optional[_Scheme] = None) -> VersionParts: ...
def compare(a: str, b: str, scheme: Optional[_Scheme] = None) -> int: ...
def sort_versions(versions: Sequence[str], scheme: Optional[_Scheme] = None) -> List[str]: ...
def bump(version: str, level: str, channel: Optional[str] = None, scheme: Optional[_Scheme] = None) -> str: ...
def bump_on_channel(version: str, level: str, channel: str, scheme: Optional[_Scheme] = None) -> str: ...
def satisfies(version: str, range: str) -> bool: ...
def parse_commit_message(message: str) -> CommitMessage: ...
def releases(
    path: _Path = ...,
    *,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    merged_into: Optional[str] = ...,
) -> List[Release]: ...
def latest_release(
    path: _Path = ...,
    *,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    merged_into: Optional[str] = ...,
) -> Optional[Release]: ...
def current_release(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    channel: Optional[str] = ...,
) -> Optional[Release]: ...
def rollback_target(
    path: _Path = ...,
    of: Optional[str] = None,
    *,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    merged_into: Optional[str] = ...,
) -> Optional[Release]: ...
def next_version(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    channel: Optional[str] = ...,
    preset: str = ...,
    policy: Optional[Mapping[str, Any]] = ...,
    bump_minor_pre_major: bool = ...,
    bump_patch_for_minor_pre_major: bool = ...,
    as_of: bool = ...,
) -> NextVersion: ...
def changelog(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    range: _Range = ...,
    include_other: bool = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    groups: Sequence[Mapping[str, Any]] = ...,
    policy: Mapping[str, Any] = ...,
) -> Changelog: ...
def cut_release(
    path: _Path = ...,
    *,
    dry_run: bool = ...,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    channel: Optional[str] = ...,
    preset: str = ...,
    policy: Optional[Mapping[str, Any]] = ...,
    changelog_file: Optional[str] = ...,
    groups: Sequence[Mapping[str, Any]] = ...,
    files: Sequence[Mapping[str, Any]] = ...,
    detect_files: bool = ...,
    branches: Mapping[str, Any] = ...,
    commit_message: str = ...,
    date: Optional[str] = ...,
) -> CutRelease: ...
def changelog_markdown(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    range: _Range = ...,
    include_other: bool = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    groups: Sequence[Mapping[str, Any]] = ...,
    policy: Mapping[str, Any] = ...,
) -> str: ...
def default_groups() -> List[GroupRule]: ...
def status(
    path: _Path = ...,
    policy: Optional[Mapping[str, Any]] = None,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    scheme: _Scheme = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    channel: Optional[str] = ...,
    preset: str = ...,
    bump_minor_pre_major: bool = ...,
    bump_patch_for_minor_pre_major: bool = ...,
    as_of: bool = ...,
) -> VersionStatus: ...
def check_branch(name: str, *, allowed: Sequence[str] = ...) -> BranchCheck: ...
def promote_check(from_: str, to: str, path: _Path = ...) -> Promotion: ...

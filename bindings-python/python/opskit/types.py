"""TypedDicts for the results of opskit's functions (plain dicts at runtime)."""

from typing import List, Optional, TypedDict

__all__ = [
    "VersionParts",
    "Footer",
    "CommitMessage",
    "Release",
    "CommitEntry",
    "DecidingCommit",
    "IgnoredCommit",
    "NextVersion",
    "ChangelogGroup",
    "ChangelogRelease",
    "Changelog",
    "BranchCheck",
    "Promotion",
    "GroupRule",
    "VersionStatus",
]


class VersionParts(TypedDict):
    version: str
    major: int
    minor: int
    patch: int
    pre: List[str]
    build: List[str]
    prerelease: bool


class Footer(TypedDict):
    token: str
    separator: str
    value: str


class CommitMessage(TypedDict):
    subject: str
    conventional: bool
    type: Optional[str]
    scope: Optional[str]
    breaking: bool
    breaking_description: Optional[str]
    description: str
    body: Optional[str]
    footers: List[Footer]
    merge: bool
    revert: bool
    reverts: Optional[str]
    fixup: bool
    lenient: List[str]


class Release(TypedDict):
    tag: str
    version: str
    commit: str
    date: str
    timestamp: int
    annotated: bool
    message: Optional[str]
    prerelease: bool


class CommitEntry(TypedDict):
    id: str
    short_id: str
    subject: str
    type: Optional[str]
    scope: Optional[str]
    description: str
    breaking: bool
    breaking_description: Optional[str]
    conventional: bool
    merge: bool
    revert: bool
    reverts: Optional[str]
    fixup: bool
    lenient: List[str]
    author: str
    date: str


class DecidingCommit(CommitEntry):
    impact: str


class IgnoredCommit(CommitEntry):
    reason: str


class NextVersion(TypedDict):
    current: Optional[str]
    current_tag: Optional[str]
    next: Optional[str]
    next_tag: Optional[str]
    bump: Optional[str]
    impact: Optional[str]
    channel: Optional[str]
    commits: List[DecidingCommit]
    ignored: List[IgnoredCommit]
    shallow: bool
    notes: List[str]


class ChangelogGroup(TypedDict):
    title: str
    commits: List[CommitEntry]


class ChangelogRelease(TypedDict):
    version: Optional[str]
    tag: Optional[str]
    date: Optional[str]
    commit: str
    previous_tag: Optional[str]
    groups: List[ChangelogGroup]


class Changelog(TypedDict):
    releases: List[ChangelogRelease]


class BranchCheck(TypedDict):
    name: str
    valid: bool
    matched: Optional[str]
    reason: Optional[str]


# "from" is a keyword, so this one uses the functional syntax.
Promotion = TypedDict(
    "Promotion",
    {
        "from": str,
        "to": str,
        "from_commit": str,
        "to_commit": str,
        "fast_forward": bool,
        "ahead": int,
        "behind": int,
        "target_only": List[CommitEntry],
    },
)


class GroupRule(TypedDict):
    title: str
    types: List[str]


class VersionStatus(TypedDict):
    repository: str
    branch: Optional[str]
    detached: bool
    branch_check: Optional[BranchCheck]
    current: Optional[Release]
    next: Optional[NextVersion]

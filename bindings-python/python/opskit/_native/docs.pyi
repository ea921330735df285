"""Stubs of opskit._native.docs: docs audits."""


import os
from typing import Any, Callable, List, Literal, Mapping, Optional, Sequence, Tuple, Union, final

from opskit.types import (
    Availability,
    DocsAudit,
    DocsPage,
    DocsRule,
    SendReport,
    CheckResult,
    HealthRule,
    HostSnapshot,
    BagReport,
    BagValidation,
    BranchCheck,
    DrillReport,
    Manifest,
    ManifestDiff,
    Progress,
    RetentionPlan,
    Signature,
    VerifyReport,
    Changelog,
    CommitMessage,
    NextVersion,
    CutRelease,
    GroupRule,
    Promotion,
    Release,
    VersionParts,
    VersionStatus,
)

_Path = Union[str, "os.PathLike[str]"]
_Range = Union[str, Mapping[str, str]]
_ComponentMatch = Literal["paths", "scopes", "either", "both"]
_ManifestArg = Union[Manifest, str, "os.PathLike[str]"]
_ProgressFn = Optional[Callable[[Progress], object]]

__all__ = [
    "audit",
    "parse_policy",
    "slugs",
    "scan_markdown",
    "scan_html",
    "to_sarif",
    "to_text",
    "apply_baseline",
    "rules",
]

def audit(
    root: Union[str, "os.PathLike[str]"],
    *,
    include: Sequence[str] = ...,
    exclude: Sequence[str] = ...,
    site_root: Optional[str] = ...,
    repo_url: Optional[str] = ...,
    index_files: Sequence[str] = ...,
    anchor_case_warning: bool = ...,
    required_metadata: Sequence[str] = ...,
    max_age_days: int = ...,
    as_of: Optional[str] = ...,
    git_history: bool = ...,
    entry_points: Sequence[str] = ...,
    required: Sequence[Mapping[str, Any]] = ...,
    required_sections: Sequence[Mapping[str, Any]] = ...,
    secrets: bool = ...,
    check_external: bool = ...,
    external: Mapping[str, Any] = ...,
    severity: Mapping[str, str] = ...,
) -> DocsAudit: ...
def parse_policy(text: str) -> Mapping[str, Any]: ...
def slugs(headings: Sequence[str]) -> List[str]: ...
def scan_markdown(path: str, text: str) -> DocsPage: ...
def scan_html(path: str, text: str) -> DocsPage: ...
def to_sarif(report: DocsAudit) -> Mapping[str, Any]: ...
def to_text(report: DocsAudit) -> str: ...
def apply_baseline(report: DocsAudit, baseline: Any) -> DocsAudit: ...
def rules() -> List[DocsRule]: ...

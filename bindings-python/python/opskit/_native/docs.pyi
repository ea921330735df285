"""Stubs of opskit._native.docs: docs audits."""

import os
from typing import Any, List, Literal, Mapping, Optional, Sequence, Union

from opskit.types import (
    DocsAudit,
    DocsPage,
    DocsRule,
)

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
    rules: Sequence[str] = ...,
    skip_rules: Sequence[str] = ...,
    min_severity: Optional[Literal["error", "warning", "note"]] = ...,
    secrets_allow: Sequence[str] = ...,
) -> DocsAudit: ...
def parse_policy(text: str) -> Mapping[str, Any]: ...
def slugs(headings: Sequence[str]) -> List[str]: ...
def scan_markdown(path: str, text: str) -> DocsPage: ...
def scan_html(path: str, text: str) -> DocsPage: ...
def to_sarif(report: DocsAudit) -> Mapping[str, Any]: ...
def to_text(report: DocsAudit) -> str: ...
def apply_baseline(report: DocsAudit, baseline: Any) -> DocsAudit: ...
def rules() -> List[DocsRule]: ...

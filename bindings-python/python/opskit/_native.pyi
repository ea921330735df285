"""Stubs of the native module (opskit._native)."""

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
    NewRelease,
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

__version__: str
__all__ = [
    "__version__",
    "PanicException",
    "_test_panic",
    "_test_error",
    "_error_codes",
    "parse_version",
    "compare",
    "sort_versions",
    "bump",
    "bump_on_channel",
    "default_groups",
    "status",
    "satisfies",
    "parse_commit_message",
    "releases",
    "latest_release",
    "current_release",
    "rollback_target",
    "next_version",
    "changelog",
    "release",
    "changelog_markdown",
    "check_branch",
    "promote_check",
    "build_manifest",
    "read_manifest",
    "write_manifest",
    "manifest_to_json",
    "manifest_from_json",
    "chain_hash",
    "verify_tree",
    "diff_manifests",
    "plan_retention",
    "sign_manifest",
    "check_signature",
    "check_chain",
    "make_bag",
    "validate_bag",
    "checksum_lines",
    "restore_drill",
    "Collector",
    "Evaluator",
    "PagerDuty",
    "default_rules",
    "health_json",
    "exposition",
    "exposition_content_type",
    "run_probes",
    "send_event",
    "availability",
    "parse_policy",
    "validate_event",
    "prometheus_rules",
    "docs_audit",
    "docs_parse_policy",
    "docs_slugs",
    "docs_scan_html",
    "docs_scan_markdown",
    "docs_to_sarif",
    "docs_to_text",
    "docs_apply_baseline",
    "docs_rules",
]

class PanicException(BaseException): ...

def _test_panic() -> None: ...
def _test_error(code: int) -> None: ...
def _error_codes() -> List[int]: ...
def parse_version(version: str) -> VersionParts: ...
def compare(a: str, b: str) -> int: ...
def sort_versions(versions: Sequence[str]) -> List[str]: ...
def bump(version: str, level: str, channel: Optional[str] = None) -> str: ...
def bump_on_channel(version: str, level: str, channel: str) -> str: ...
def satisfies(version: str, range: str) -> bool: ...
def parse_commit_message(message: str) -> CommitMessage: ...
def releases(
    path: _Path = ...,
    *,
    tag_pattern: str = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    merged_into: Optional[str] = ...,
) -> List[Release]: ...
def latest_release(
    path: _Path = ...,
    *,
    tag_pattern: str = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    merged_into: Optional[str] = ...,
) -> Optional[Release]: ...
def current_release(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    channel: Optional[str] = ...,
) -> Optional[Release]: ...
def rollback_target(
    path: _Path = ...,
    of: Optional[str] = None,
    *,
    tag_pattern: str = ...,
    include_prereleases: bool = ...,
    channel: Optional[str] = ...,
    merged_into: Optional[str] = ...,
) -> Optional[Release]: ...
def next_version(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    channel: Optional[str] = ...,
    preset: str = ...,
    policy: Optional[Mapping[str, Any]] = ...,
) -> NextVersion: ...
def changelog(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
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
def release(
    path: _Path = ...,
    *,
    dry_run: bool = ...,
    tag_pattern: str = ...,
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    channel: Optional[str] = ...,
    preset: str = ...,
    policy: Optional[Mapping[str, Any]] = ...,
    changelog_file: Optional[str] = ...,
    groups: Sequence[Mapping[str, Any]] = ...,
    files: Sequence[Mapping[str, Any]] = ...,
    branches: Mapping[str, Any] = ...,
    commit_message: str = ...,
    date: Optional[str] = ...,
) -> NewRelease: ...
def changelog_markdown(
    path: _Path = ...,
    *,
    rev: str = ...,
    tag_pattern: str = ...,
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
    paths: Sequence[str] = ...,
    scopes: Sequence[str] = ...,
    component_match: Optional[_ComponentMatch] = ...,
    channel: Optional[str] = ...,
    preset: str = ...,
) -> VersionStatus: ...
def check_branch(name: str, *, allowed: Sequence[str] = ...) -> BranchCheck: ...
def promote_check(from_: str, to: str, path: _Path = ...) -> Promotion: ...

def build_manifest(
    path: _Path,
    *,
    progress: _ProgressFn = None,
    algorithms: Sequence[Literal["blake3", "sha256"]] = ...,
    include: Sequence[str] = ...,
    exclude: Sequence[str] = ...,
    files: Optional[Sequence[str]] = ...,
    follow_symlinks: bool = ...,
    root: Optional[str] = ...,
    labels: Mapping[str, str] = ...,
    previous: Optional[str] = ...,
    created: Optional[str] = ...,
) -> Manifest: ...
def read_manifest(path: _Path) -> Manifest: ...
def write_manifest(manifest: _ManifestArg, path: _Path) -> None: ...
def manifest_to_json(manifest: _ManifestArg) -> str: ...
def manifest_from_json(text: str) -> Manifest: ...
def chain_hash(manifest: _ManifestArg) -> str: ...
def verify_tree(
    path: _Path,
    manifest: _ManifestArg,
    *,
    progress: _ProgressFn = None,
    mode: Literal["full", "fast"] = ...,
    stop_at_first: bool = ...,
    follow_symlinks: bool = ...,
    check_metadata: bool = ...,
) -> VerifyReport: ...
def diff_manifests(old: _ManifestArg, new: _ManifestArg) -> ManifestDiff: ...
def plan_retention(
    snapshots: Union[str, Sequence[Mapping[str, Any]]],
    policy: Mapping[str, Any],
    *,
    now: Optional[str] = None,
) -> RetentionPlan: ...
def sign_manifest(
    manifest: _ManifestArg,
    key: Union[bytes, str],
    *,
    key_id: str,
    algorithm: Optional[Literal["hmac-sha256", "ed25519"]] = None,
) -> Signature: ...
def check_signature(manifest: _ManifestArg, signature: Signature, key: Union[bytes, str]) -> None: ...
def check_chain(manifests: Sequence[_ManifestArg]) -> None: ...
def make_bag(
    path: _Path,
    *,
    algorithms: Sequence[str] = ...,
    dest: Optional[str] = ...,
    info: Sequence[Tuple[str, str]] = ...,
    bagging_date: Optional[str] = ...,
) -> BagReport: ...
def validate_bag(path: _Path, *, fast: bool = ...) -> BagValidation: ...
def checksum_lines(manifest: _ManifestArg, format: Optional[Literal["sha256sum", "b3sum"]] = None) -> bytes: ...
def restore_drill(
    path: _Path,
    manifest: _ManifestArg,
    *,
    progress: _ProgressFn = None,
    rto: str = ...,
    restore_time: Optional[str] = ...,
    verify: Mapping[str, Any] = ...,
) -> DrillReport: ...
@final
class Collector:
    def __new__(
        cls,
        *,
        exclude_fs_types: Sequence[str] = ...,
        exclude_mount_points: Sequence[str] = ...,
        exclude_interfaces: Sequence[str] = ...,
        proc_root: str = ...,
        sys_root: str = ...,
        mount_timeout_seconds: float = ...,
        reboot_required_file: str = ...,
        apt_upgrades: Literal["off", "background", "wait"] = ...,
    ) -> "Collector": ...
    def snapshot(self) -> HostSnapshot: ...

@final
class Evaluator:
    def __new__(cls, rules: Optional[Sequence[Mapping[str, Any]]] = None) -> "Evaluator": ...
    def evaluate(self, snapshot: HostSnapshot, now: Optional[float] = None) -> List[CheckResult]: ...

@final
class PagerDuty:
    def __new__(cls) -> "PagerDuty": ...
    def events(
        self,
        checks: Sequence[CheckResult],
        host: str,
        time: float,
        *,
        routing_key: str,
        source: Optional[str] = ...,
        group: Optional[str] = ...,
    ) -> List[Mapping[str, Any]]: ...

def default_rules() -> List[HealthRule]: ...
def health_json(snapshot: HostSnapshot, checks: Sequence[CheckResult], draining: bool = False) -> Tuple[Mapping[str, Any], int]: ...
def exposition(snapshot: HostSnapshot, checks: Sequence[CheckResult], accept: Optional[str] = None) -> str: ...
def exposition_content_type(accept: Optional[str] = None) -> str: ...
def run_probes(probes: Sequence[Mapping[str, Any]], deadline: Optional[float] = None) -> List[CheckResult]: ...
def send_event(
    event: Mapping[str, Any],
    *,
    url: str = ...,
    attempts: int = ...,
    initial_backoff_seconds: float = ...,
    max_backoff_seconds: float = ...,
    timeout_seconds: float = ...,
) -> SendReport: ...
def availability(
    samples: Sequence[Mapping[str, Any]],
    *,
    slo_percent: float = ...,
    start: Optional[float] = ...,
    end: Optional[float] = ...,
    max_gap_seconds: float = ...,
) -> Availability: ...
def parse_policy(text: str) -> Mapping[str, Any]: ...
def validate_event(event: Mapping[str, Any]) -> None: ...
def docs_audit(
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
def docs_parse_policy(text: str) -> Mapping[str, Any]: ...
def docs_slugs(headings: Sequence[str]) -> List[str]: ...
def docs_scan_markdown(path: str, text: str) -> DocsPage: ...
def docs_scan_html(path: str, text: str) -> DocsPage: ...
def docs_to_sarif(report: DocsAudit) -> Mapping[str, Any]: ...
def docs_to_text(report: DocsAudit) -> str: ...
def docs_apply_baseline(report: DocsAudit, baseline: Any) -> DocsAudit: ...
def docs_rules() -> List[DocsRule]: ...
def prometheus_rules(rules: Optional[Sequence[Mapping[str, Any]]] = None, group: Optional[str] = None) -> str: ...

"""Stubs of opskit._native.backup: backup manifests."""

import os
from typing import Any, Callable, Literal, Mapping, Optional, Sequence, Tuple, Union

from opskit.types import (
    BagReport,
    BagValidation,
    DrillReport,
    Manifest,
    ManifestDiff,
    Progress,
    RetentionPlan,
    Signature,
    VerifyReport,
)

_Path = Union[str, "os.PathLike[str]"]
_ManifestArg = Union[Manifest, str, "os.PathLike[str]"]
_ProgressFn = Optional[Callable[[Progress], object]]

__all__ = [
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
]

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
    metadata: Union[str, Mapping[str, Literal["ignore", "warn", "fail"]]] = ...,
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

"""opskit: an embeddable operations library (Rust core, Python binding).

Families: ``opskit.version`` (SemVer, Conventional Commits, next version and
changelog from git, releases and rollback targets, branch policy) and
``opskit.backup`` (manifests, verify, diff, retention, signatures, BagIt,
checksum lines, restore drills) and ``opskit.health`` (metrics, rules,
probes, health+json, Prometheus exposition, PagerDuty, availability) and
``opskit.docs`` (links and anchors of a Markdown knowledge base; JSON, SARIF, text)
and ``opskit.apm`` (the service's own metrics, HTTP middleware, SLOs).
Errors are ``opskit.OpskitError`` subclasses, one per kind (``opskit.exceptions``).
"""

from . import apm, backup, docs, exceptions, health, version
from ._native import __version__
from .exceptions import (
    GitError,
    IntegrityError,
    InvalidInputError,
    IoError,
    NotFoundError,
    OpskitError,
    PanicException,
    PermissionDeniedError,
    TimeoutError,
    UnsupportedError,
)

__all__ = [
    "__version__",
    "apm",
    "backup",
    "docs",
    "exceptions",
    "health",
    "version",
    "OpskitError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "IoError",
    "GitError",
    "IntegrityError",
    "TimeoutError",
    "UnsupportedError",
    "PanicException",
]

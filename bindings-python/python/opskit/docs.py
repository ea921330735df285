"""Docs audits: broken links and anchors of a Markdown knowledge base, as
GitHub resolves them (relative, root-relative and own-repository links,
folder index pages, heading anchors by GitHub's slug rule, HTML ids, line
anchors), with JSON, SARIF 2.1.0 and text reports and baselines.

``audit`` releases the GIL. Options are keyword arguments named as in the
Rust ``AuditOptions``; an unknown name raises InvalidInputError.
"""

from ._native.docs import (
    apply_baseline,
    audit,
    parse_policy,
    rules,
    scan_html,
    scan_markdown,
    slugs,
    to_sarif,
    to_text,
)

__all__ = [
    "apply_baseline",
    "audit",
    "parse_policy",
    "rules",
    "scan_html",
    "scan_markdown",
    "slugs",
    "to_sarif",
    "to_text",
]

"""Docs audits: broken links and anchors of a Markdown knowledge base, as
GitHub resolves them (relative, root-relative and own-repository links,
folder index pages, heading anchors by GitHub's slug rule, HTML ids, line
anchors), with JSON, SARIF 2.1.0 and text reports and baselines.

``audit`` releases the GIL. Options are keyword arguments named as in the
Rust ``AuditOptions``; an unknown name raises InvalidInputError.
"""

from ._native import docs_apply_baseline as apply_baseline
from ._native import docs_audit as audit
from ._native import docs_parse_policy as parse_policy
from ._native import docs_rules as rules
from ._native import docs_scan_html as scan_html
from ._native import docs_scan_markdown as scan_markdown
from ._native import docs_slugs as slugs
from ._native import docs_to_sarif as to_sarif
from ._native import docs_to_text as to_text

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

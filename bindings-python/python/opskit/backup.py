"""Backup manifests: describe a tree byte for byte (BLAKE3 and/or SHA-256),
verify a backup or a restore against it, diff two days, plan retention
(restic forget's rules), sign (HMAC-SHA-256, Ed25519), check chains, write
and validate BagIt bags, export sha256sum/b3sum lines, and run restore drills.

Hashing and walking release the GIL. Options are keyword arguments named as
in the Rust option structs; an unknown name raises InvalidInputError.
A manifest argument is a manifest dict or the path of a manifest file.
``progress`` callbacks get ``{"files_done", "files_total", "bytes_done",
"bytes_total"}`` on the calling thread about ten times a second.
"""

from ._native.backup import (
    build_manifest,
    chain_hash,
    check_chain,
    check_signature,
    checksum_lines,
    diff_manifests,
    make_bag,
    manifest_from_json,
    manifest_to_json,
    plan_retention,
    read_manifest,
    restore_drill,
    sign_manifest,
    validate_bag,
    verify_tree,
    write_manifest,
)

__all__ = [
    "build_manifest",
    "chain_hash",
    "check_chain",
    "check_signature",
    "checksum_lines",
    "diff_manifests",
    "make_bag",
    "manifest_from_json",
    "manifest_to_json",
    "plan_retention",
    "read_manifest",
    "restore_drill",
    "sign_manifest",
    "validate_bag",
    "verify_tree",
    "write_manifest",
]

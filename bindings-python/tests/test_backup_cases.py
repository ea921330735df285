"""The cross-language cases in tests/cases/backup.json, through Python."""

import json
import pathlib

import pytest

import opskit
from _cases import subset
from opskit import backup as b

ROOT = pathlib.Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests/cases/backup.json").read_text())["cases"]
CONFORMANCE = ROOT / "tests/conformance"


def write_tree(root, files):
    for rel, text in files.items():
        p = root / rel
        if text is None:
            p.unlink(missing_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)


def run(case, tmp_path):
    args = case["args"]
    root = tmp_path / "tree"
    root.mkdir()
    write_tree(root, case.get("tree") or {})
    call = case["call"]
    if call == "build_manifest":
        return b.build_manifest(root, **args["options"])
    if call == "verify_tree":
        m = b.build_manifest(root)
        write_tree(root, case["change"])
        for rel, mode in case.get("chmod", {}).items():
            (root / rel).chmod(int(mode, 8))
        return b.verify_tree(root, m, **args["options"])
    if call == "diff_manifests":
        before = b.build_manifest(root)
        write_tree(root, case["change"])
        return b.diff_manifests(before, b.build_manifest(root))
    if call == "checksum_lines":
        return b.checksum_lines(b.build_manifest(root, **args["options"]), args["format"]).decode()
    if call == "manifest_from_json":
        return b.manifest_from_json(args["text"])
    if call == "sign_manifest":
        m = b.manifest_from_json(args["manifest"])
        return b.sign_manifest(m, args["key"].encode(), key_id=args["key_id"], algorithm=args["algorithm"])
    if call == "check_signature":
        m = b.manifest_from_json(args["manifest"])
        return b.check_signature(m, args["signature"], args["key"].encode())
    if call == "plan_retention":
        return b.plan_retention(args["snapshots"], args["policy"], now=args["now"])
    if call == "make_bag":
        made = b.make_bag(root, **args["options"])
        return {"made": made, "validated": b.validate_bag(root)}
    if call == "validate_bag":
        return b.validate_bag(CONFORMANCE / args["bag"], **args["options"])
    raise AssertionError(f"unknown call {call}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_backup_case(case, tmp_path):
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as info:
            run(case, tmp_path)
        assert info.value.js_code == case["error"]
    else:
        got = run(case, tmp_path)
        assert subset(got, case["result"]), json.dumps(got, indent=1)

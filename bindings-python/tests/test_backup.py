"""Every function of opskit.backup, on real trees and files."""

import hashlib
import json
import os
import pathlib
import subprocess
import threading
import time

import pytest

import opskit
from opskit import backup as b
from opskit import types

B3_ABC = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
CONFORMANCE = pathlib.Path(__file__).resolve().parents[2] / "tests/conformance"


def keys(td):
    return set(td.__annotations__)


@pytest.fixture
def tree(tmp_path):
    t = tmp_path / "tree"
    (t / "db").mkdir(parents=True)
    (t / "db/orders.sql").write_bytes(b"abc")
    (t / "db/users.sql").write_bytes(b"insert 2;\n")
    os.symlink("db/orders.sql", t / "latest.sql")
    return t


def test_build_read_write_and_canonical_text(tree, tmp_path):
    m = b.build_manifest(tree, algorithms=["blake3", "sha256"], labels={"database": "orders"},
                         created="2026-12-02T00:00:00Z")
    assert set(m) == keys(types.Manifest)
    by = {e["path"]: e for e in m["entries"]}
    assert by["db/orders.sql"]["blake3"] == B3_ABC
    assert by["db/orders.sql"]["sha256"] == hashlib.sha256(b"abc").hexdigest()
    assert by["latest.sql"]["kind"] == "symlink" and by["latest.sql"]["target"] == "db/orders.sql"
    assert m["totals"] == {"files": 2, "dirs": 1, "symlinks": 1, "other": 0, "bytes": 13}
    out = tmp_path / "m.json"
    b.write_manifest(m, out)
    assert b.read_manifest(out) == m
    text = b.manifest_to_json(m)
    assert out.read_text() == text
    assert b.manifest_from_json(text) == m
    assert b.chain_hash(m).startswith("blake3:") and b.chain_hash(str(out)) == b.chain_hash(m)
    with pytest.raises(opskit.InvalidInputError, match="`..`"):
        b.manifest_from_json(text.replace('"db/orders.sql"', '"db/../../x"'))
    with pytest.raises(opskit.UnsupportedError, match="newer"):
        b.manifest_from_json(text.replace('"version": 2', '"version": 7'))
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        b.build_manifest(tree, algorithm="blake3")
    with pytest.raises(opskit.NotFoundError):
        b.build_manifest(tmp_path / "missing")


def test_verify_diff_and_progress(tree):
    m = b.build_manifest(tree)
    seen = []
    r = b.verify_tree(tree, m, progress=seen.append)
    # `hint` is said only when the tree looks like another one.
    assert types.VerifyReport.__required_keys__ == set(r) and keys(types.VerifyReport) - set(r) == {"hint"}
    assert r["exact"] and r["files_hashed"] == 2
    assert seen and seen[-1]["bytes_done"] == 13 and set(seen[-1]) == keys(types.Progress)
    assert b.verify_tree(tree, m, mode="fast")["files_hashed"] == 0
    (tree / "db/orders.sql").write_bytes(b"abd")
    (tree / "new").write_bytes(b"n")
    r = b.verify_tree(tree, m)
    assert not r["exact"]
    assert [(d["path"], d["problem"]) for d in r["differences"] if d["problem"] != "mtime"] == [
        ("db/orders.sql", "content"), ("new", "extra")]
    d = b.diff_manifests(m, b.build_manifest(tree))
    assert set(d) == keys(types.ManifestDiff)
    assert [i["path"] for i in d["added"]] == ["new"]
    assert [i["path"] for i in d["modified"]] == ["db/orders.sql"]

    def boom(_):
        raise RuntimeError("stop")
    with pytest.raises(RuntimeError, match="stop"):
        b.build_manifest(tree, progress=boom)


def test_hashing_releases_the_gil(tmp_path):
    """Another thread keeps running while 200 MiB are hashed."""
    big = tmp_path / "big"
    big.mkdir()
    block = os.urandom(1 << 20)
    with open(big / "data.bin", "wb") as f:
        for _ in range(200):
            f.write(block)
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)
    t = threading.Thread(target=tick)
    t.start()
    started = time.perf_counter()
    b.build_manifest(big, algorithms=["sha256"])
    elapsed = time.perf_counter() - started
    stop.set()
    t.join()
    during = [x for x in ticks if started <= x <= started + elapsed]
    assert len(during) >= 5, (len(during), elapsed)


def test_retention_from_dicts_and_restic_json():
    snaps = [{"id": "a", "time": "2026-12-01T01:00:00Z", "tags": []},
             {"id": "b", "time": "2026-11-30T01:00:00Z", "tags": []},
             {"id": "c", "time": "2026-11-30T00:30:00+01:00"}]
    plan = b.plan_retention(snaps, {"keep_daily": 1}, now="2026-12-02T00:00:00Z")
    assert set(plan) == keys(types.RetentionPlan)
    assert [k["snapshot"]["id"] for k in plan["keep"]] == ["a"]
    assert plan["keep"][0]["reasons"] == ["daily snapshot"]
    assert [s["id"] for s in plan["remove"]] == ["b", "c"]
    restic = json.dumps([{"time": "2026-12-01T01:00:00Z", "tree": "x", "paths": ["/srv"], "tags": None, "id": "z"}])
    assert b.plan_retention(restic, {"keep_last": 1})["keep"][0]["snapshot"]["id"] == "z"
    with pytest.raises(opskit.InvalidInputError, match="keeps nothing"):
        b.plan_retention(snaps, {})
    cases = json.loads((CONFORMANCE / "restic-forget/cases.json").read_text())
    case = next(c for c in cases["cases"] if c["name"] == "policy_keep_snapshots_17")
    # restic's suite plans the whole list as one group (its ApplyPolicy).
    plan = b.plan_retention(cases["snapshots"], {**case["policy"], "group_by": ""}, now="2026-12-02T00:00:00Z")
    assert [k["snapshot"]["time"] for k in plan["keep"]] == case["keep"]
    # forget's default groups by host and paths: the suite's snapshots of
    # other paths are a group of their own.
    grouped = b.plan_retention(cases["snapshots"], case["policy"], now="2026-12-02T00:00:00Z")
    assert len(grouped["groups"]) > 1 and all(set(g) == keys(types.RetentionGroup) for g in grouped["groups"])


def test_signatures_and_chains(tree, tmp_path):
    m = b.build_manifest(tree, created="2026-12-02T00:00:00Z")
    key = b"0123456789abcdef0123456789abcdef"
    sig = b.sign_manifest(m, key, key_id="daily")
    assert set(sig) == keys(types.Signature) and sig["algorithm"] == "hmac-sha256"
    b.check_signature(m, sig, key)
    m["labels"]["database"] = "forged"
    with pytest.raises(opskit.IntegrityError, match="changed"):
        b.check_signature(m, sig, key)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", tmp_path / "k.pem"], check=True)
    subprocess.run(["openssl", "pkey", "-in", tmp_path / "k.pem", "-pubout", "-out", tmp_path / "k.pub"], check=True)
    m = b.build_manifest(tree)
    sig = b.sign_manifest(m, (tmp_path / "k.pem").read_bytes(), key_id="auditor", algorithm="ed25519")
    b.check_signature(m, sig, (tmp_path / "k.pub").read_text())
    with pytest.raises(opskit.InvalidInputError):
        b.sign_manifest(m, b"short", key_id="k")
    second = b.build_manifest(tree, previous=b.chain_hash(m))
    b.check_chain([m, second])
    with pytest.raises(opskit.IntegrityError):
        b.check_chain([second, m])


def test_bags_checksums_and_drills(tree, tmp_path):
    r = b.make_bag(tree, dest=str(tmp_path / "bag"), info=[("Source-Organization", "Ops")])
    assert set(r) == keys(types.BagReport) and r["files"] == 2 and r["warnings"] == ["latest.sql left out: BagIt payloads hold regular files only"]
    v = b.validate_bag(tmp_path / "bag")
    assert set(v) == keys(types.BagValidation) and v["valid"], v["errors"]
    assert b.validate_bag(CONFORMANCE / "bagit/v1.0/valid/basicBag")["valid"]
    bad = b.validate_bag(CONFORMANCE / "bagit/v1.0/invalid/bagit-with-invalid-whitespace")
    assert not bad["valid"] and bad["errors"]
    m = b.build_manifest(tree, algorithms=["sha256"])
    lines = b.checksum_lines(m, "sha256sum")
    assert isinstance(lines, bytes)
    (tmp_path / "SUMS").write_bytes(lines)
    subprocess.run(["sha256sum", "-c", str(tmp_path / "SUMS")], cwd=tree, check=True, capture_output=True)
    with pytest.raises(opskit.InvalidInputError):
        b.checksum_lines(m, "b3sum")
    d = b.restore_drill(tree, m, rto="1h", restore_time="10m")
    assert set(d) == keys(types.DrillReport)
    assert d["passed"] and d["summary"].startswith("restore drill PASSED")
    d = b.restore_drill(tree, m, rto="5m", restore_time="10m")
    assert not d["passed"] and not d["met_rto"]
    # setuid added: the content is exact, the default metadata policy fails it.
    os.chmod(tree / "db/orders.sql", 0o4644)
    d = b.restore_drill(tree, m)
    assert not d["passed"] and d["exact"] and "metadata the policy fails: 1 special" in d["summary"]
    (finding,) = d["verify"]["metadata"]
    assert set(finding) == keys(types.MetadataFinding) and finding["kind"] == "special" and finding["action"] == "fail"
    assert set(d["verify"]["policy"]) == keys(types.MetadataPolicy)
    assert b.restore_drill(tree, m, verify={"metadata": "special=warn"})["passed"]
    assert b.verify_tree(tree, m, metadata={"special": "ignore"})["passed"]
    with pytest.raises(opskit.InvalidInputError, match="unknown metadata kind"):
        b.verify_tree(tree, m, metadata="specials=warn")

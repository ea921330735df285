"""The hostile-input matrix (tests/cases/bad_inputs.json) through Python:
each case raises its error class or returns its result, within its
deadline; nothing panics."""

import json
import os
import pathlib
import socket
import subprocess
import time

import pytest

import opskit
from _cases import subset
from opskit import backup as b
from opskit import docs as d
from opskit import health as h
from opskit import version as v

ROOT = pathlib.Path(__file__).resolve().parents[2]
MATRIX = json.loads((ROOT / "tests/cases/bad_inputs.json").read_text())
CASES = [c for c in MATRIX["cases"] if "python" in c.get("fronts", ["python"])]


@pytest.fixture(scope="module")
def servers():
    gone = socket.socket()
    gone.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{gone.getsockname()[1]}/"
    gone.close()
    # Listens, never accepts: connections complete and then hear nothing.
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(64)
    yield {"dead": dead, "stalled": f"http://127.0.0.1:{stalled.getsockname()[1]}/"}
    stalled.close()


def git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, check=True, capture_output=True,
    )


@pytest.fixture(scope="module")
def fixture(tmp_path_factory, servers):
    root = tmp_path_factory.mktemp("bad-inputs")
    f = MATRIX["fixture"]
    for rel, text in f["files"].items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text.replace("{dead_url}", servers["dead"]).replace("{stalled_url}", servers["stalled"]))
    for rel, hexed in f["hex_files"].items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(bytes.fromhex(hexed))
    for rel, target in f["symlinks"].items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)
    for rel in f["dirs"]:
        (root / rel).mkdir(parents=True, exist_ok=True)
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for i, c in enumerate(f["repo"]):
        (repo / f"f{i}.txt").write_text("x")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", c["message"])
    return root


def expand(x, root, servers):
    if isinstance(x, dict):
        if "$path" in x:
            return str(root / x["$path"])
        if "$repeat" in x:
            return x["$repeat"] * x["times"]
        if "$repeat_value" in x:
            return [expand(x["$repeat_value"], root, servers) for _ in range(x["times"])]
        if "$nest" in x:
            o, c = x["$nest"]
            return o * x["depth"] + expand(x["inner"], root, servers) + c * x["depth"]
        if "$url" in x:
            return servers[x["$url"]]
        return {k: expand(val, root, servers) for k, val in x.items()}
    if isinstance(x, list):
        return [expand(i, root, servers) for i in x]
    return x


CALLS = {
    "parse_version": lambda a: v.parse_version(a["version"]),
    "bump": lambda a: v.bump(a["version"], a["level"], a["channel"]),
    "satisfies": lambda a: v.satisfies(a["version"], a["range"]),
    "sort_versions": lambda a: v.sort_versions(a["versions"]),
    "parse_commit_message": lambda a: v.parse_commit_message(a["message"]),
    "next_version": lambda a: v.next_version(a["path"], **a["options"]),
    "changelog": lambda a: v.changelog(a["path"], **a["options"]),
    "check_branch": lambda a: v.check_branch(a["name"], **a["options"]),
    "build_manifest": lambda a: b.build_manifest(a["path"], **a["options"]),
    "read_manifest": lambda a: b.read_manifest(a["path"]),
    "manifest_from_json": lambda a: b.manifest_from_json(a["text"]),
    "verify_tree": lambda a: b.verify_tree(a["path"], b.read_manifest(a["manifest"]), **a["options"]),
    "plan_retention": lambda a: b.plan_retention(a["snapshots"], a["policy"], now=a["now"]),
    "validate_bag": lambda a: b.validate_bag(a["path"], **a["options"]),
    "parse_policy": lambda a: h.parse_policy(a["text"]),
    "evaluate": lambda a: h.Evaluator(a["rules"]) and None,
    "run_probes": lambda a: h.run_probes(a["probes"], a["deadline"]),
    "availability": lambda a: h.availability(a["samples"], **a["options"]),
    "validate_event": lambda a: h.validate_event(a["event"]),
    "audit": lambda a: d.audit(a["path"], **a["options"]),
    "scan_markdown": lambda a: d.scan_markdown(a["path"], a["text"]),
    "scan_html": lambda a: d.scan_html(a["path"], a["text"]),
    "slugs": lambda a: d.slugs(a["headings"]),
}


def test_every_call_of_the_matrix_has_a_runner():
    assert {c["call"] for c in MATRIX["cases"]} <= set(CALLS)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case, fixture, servers):
    args = expand(case["args"], fixture, servers)
    deadline = case.get("deadline_seconds", MATRIX["deadline_seconds"])
    started = time.monotonic()
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as e:
            CALLS[case["call"]](args)
        assert e.value.js_code == case["error"], str(e.value)
    else:
        got = CALLS[case["call"]](args)
        if "result" in case:
            want = case["result"]
            if isinstance(got, str) and isinstance(want, dict):
                got = json.loads(got)
            assert subset(got, want), json.dumps(got)[:500]
    took = time.monotonic() - started
    assert took < deadline, f"took {took:.1f} s, past its {deadline} s deadline"

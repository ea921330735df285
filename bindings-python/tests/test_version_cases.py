"""The cross-language cases in tests/cases/version.json, through Python."""

import json
import os
import pathlib
import subprocess

import pytest

import opskit
from _cases import subset
from opskit import version as v

CASES = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests/cases/version.json").read_text())["cases"]


def run(case):
    args = dict(case["args"])
    if case["call"] == "check_branch":
        allowed = args.pop("allowed")
        return v.check_branch(args["name"], **({} if allowed is None else {"allowed": allowed}))
    return getattr(v, case["call"])(**args)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_version_case(case):
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as info:
            run(case)
        assert info.value.js_code == case["error"]
    else:
        assert run(case) == case["result"]


HISTORY = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests/cases/version.json").read_text())["history"]


def build_repo(path, steps):
    """The case's repository, with the git CLI: fixed identity, dates an hour apart."""
    def git(n, *args):
        date = f"@{1767225600 + n * 3600} +0000"
        env = {"PATH": os.environ["PATH"], "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "test@example.com",
               "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "test@example.com",
               "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        return subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
                              cwd=path, env=env, check=True, capture_output=True, text=True).stdout

    git(0, "init", "-q", "-b", "main")
    for n, (op, *rest) in enumerate(steps, start=1):
        if op == "commit":
            msg, file = rest[0], (rest[1] if len(rest) > 1 else "file.txt")
            (path / file).parent.mkdir(parents=True, exist_ok=True)
            (path / file).write_text(f"change {n}\n")
            if "{HEAD}" in msg:
                msg = msg.replace("{HEAD}", git(n, "rev-parse", "HEAD").strip())
            git(n, "add", file)
            git(n, "commit", "-q", "--cleanup=verbatim", "-m", msg)
        elif op in ("tag", "branch"):
            git(n, op, rest[0])
        elif op == "checkout":
            git(n, "checkout", "-q", rest[0])
        elif op == "merge":
            git(n, "merge", "-q", "--no-ff", "-m", f"Merge branch '{rest[0]}'", rest[0])
        else:
            raise AssertionError(f"unknown step {op}")


def run_history(path, case):
    args = case["args"]
    if case["call"] == "rollback_target":
        return v.rollback_target(path, args["of"], **args["options"])
    return getattr(v, case["call"])(path, **args["options"])


@pytest.mark.parametrize("case", HISTORY, ids=lambda c: c["name"])
def test_version_history_case(case, tmp_path):
    build_repo(tmp_path, case["repo"])
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as info:
            run_history(tmp_path, case)
        assert info.value.js_code == case["error"]
    else:
        got = run_history(tmp_path, case)
        assert subset(got, case["result"]), json.dumps(got, indent=1)

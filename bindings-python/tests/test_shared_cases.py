"""The cross-language cases in tests/cases/version.json, through Python."""

import json
import pathlib

import pytest

import opskit
from opskit import version as v

CASES = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests/cases/version.json").read_text())["cases"]


def run(case):
    args = dict(case["args"])
    if case["call"] == "check_branch":
        allowed = args.pop("allowed")
        return v.check_branch(args["name"], **({} if allowed is None else {"allowed": allowed}))
    return getattr(v, case["call"])(**args)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['call']}:{json.dumps(c['args'])[:40]}")
def test_shared_case(case):
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as info:
            run(case)
        assert info.value.js_code == case["error"]
    else:
        assert run(case) == case["result"]

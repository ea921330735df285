"""The cross-language cases in tests/cases/health.json, through Python."""

import copy
import json
import pathlib

import pytest

import opskit
from _cases import subset
from opskit import health as h

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILE = json.loads((ROOT / "tests/cases/health.json").read_text())
FIXTURE = FILE["snapshot"]


def merge(base, patch):
    """`patch` deep-merged into `base`: objects merge, anything else replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        for k, v in patch.items():
            base[k] = merge(base.get(k), v)
        return base
    return copy.deepcopy(patch)


def snapshot(patch):
    return merge(copy.deepcopy(FIXTURE), patch) if patch is not None else copy.deepcopy(FIXTURE)


def run(case):
    args = case["args"]
    call = case["call"]
    if call == "evaluate":
        e = h.Evaluator(args["rules"])
        return [e.evaluate(snapshot(st.get("snapshot")), now=st["now"]) for st in args["steps"]]
    if call == "health_json":
        body, status = h.health_json(snapshot(args.get("snapshot")), args["checks"], draining=args["draining"])
        return {"status": status, "body": body}
    if call == "exposition":
        return h.exposition(snapshot(args.get("snapshot")), args["checks"],
                            openmetrics="application/openmetrics-text" in args["accept"])
    if call == "availability":
        return h.availability(args["samples"], **args["options"])
    if call == "pagerduty":
        pd = h.PagerDuty()
        return [pd.events(st["checks"], args["host"], st["time"], **args["options"]) for st in args["steps"]]
    if call == "parse_policy":
        return h.parse_policy(args["toml"])
    raise AssertionError(f"unknown call {call}")


@pytest.mark.parametrize("case", FILE["cases"], ids=lambda c: c["name"])
def test_shared_health_case(case):
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as info:
            run(case)
        assert info.value.js_code == case["error"]
    elif "contains" in case:
        text = run(case)
        for want in case["contains"]:
            assert want in text, text
        for unwanted in case.get("excludes", []):
            assert unwanted not in text, text
    else:
        got = run(case)
        assert subset(got, case["result"]), json.dumps(got, indent=1)

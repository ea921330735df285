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
        return h.exposition(snapshot(args.get("snapshot")), args["checks"], accept=args["accept"], names=args.get("names"))
    if call == "availability":
        return h.availability(args["samples"], **args["options"])
    if call == "pagerduty":
        pd = h.PagerDuty()
        return [pd.events(st["checks"], args["host"], st["time"], **args["options"]) for st in args["steps"]]
    if call == "parse_policy":
        return h.parse_policy(args["toml"])
    if call == "validate_event":
        return h.validate_event(args["body"])
    if call == "prometheus_rules":
        return h.prometheus_rules(args["rules"], group=args["group"])
    raise AssertionError(f"unknown call {call}")


@pytest.mark.parametrize("case", FILE["cases"], ids=lambda c: c["name"])
def test_health_case(case):
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


SCHEMA = json.loads((ROOT / "tests/health/pagerduty-events-v2.schema.json").read_text())


def v2_validator():
    """The schema with its `date-time` checked as PagerDuty reads it: ISO 8601
    (`+0000` offsets included, which RFC 3339 does not allow)."""
    import datetime

    import jsonschema

    formats = jsonschema.FormatChecker(formats=())

    @formats.checks("date-time", raises=ValueError)
    def iso8601(value):
        return isinstance(value, str) and bool(datetime.datetime.fromisoformat(value))

    return jsonschema.Draft202012Validator(SCHEMA, format_checker=formats)


@pytest.mark.parametrize(
    "case", [c for c in FILE["cases"] if c["call"] == "validate_event"], ids=lambda c: c["name"]
)
def test_the_v2_schema_agrees_with_validate_event(case):
    """An independent validator (jsonschema) on the JSON Schema of the Events
    API v2 gives every case the verdict opskit gives it."""
    errors = list(v2_validator().iter_errors(case["args"]["body"]))
    assert (not errors) == ("error" not in case), [e.message for e in errors]


def test_every_event_the_tracker_emits_matches_the_v2_schema():
    validator = v2_validator()
    emitted = 0
    for case in FILE["cases"]:
        if case["call"] == "pagerduty" and "error" not in case:
            for events in run(case):
                for e in events:
                    validator.validate(e)
                    emitted += 1
    pd = h.PagerDuty()
    name = "disk_full:/" + "deep/" * 60
    for t, status in enumerate(["warn", "fail", "pass"]):
        check = {"name": name, "status": status, "value": 97.5, "unit": "percent",
                 "threshold": 95.0, "since": None, "output": "é" * 2000}
        for e in pd.events([check], "web-01", float(t), routing_key="k" * 32, group="web"):
            validator.validate(e)
            h.validate_event(e)
            emitted += 1
    assert emitted >= 5

"""The cross-language SLO cases in tests/cases/apm.json, through Python:
the tracker replays each request history minute by minute and gives the
verdicts promtool gives the exported rules on the same history."""

import json
import pathlib

import pytest

from _cases import subset
from opskit import apm

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILE = json.loads((ROOT / "tests/cases/apm.json").read_text())


@pytest.mark.parametrize("case", FILE["cases"], ids=lambda c: c["name"])
def test_slo_case(case):
    start = FILE["start"]
    tracker = apm.SloTracker(case["policy"])
    minute = 0
    for e in case["expect"]:
        while minute < e["minute"]:
            for seg in case["traffic"]:
                if not seg["from"] <= minute < seg["to"]:
                    continue
                n = seg["per_minute"]
                for i in range(n):
                    bad = i < seg["bad"]
                    status = seg["bad_status"] if bad else seg["status"]
                    seconds = seg["bad_seconds"] if bad else seg["seconds"]
                    tracker.record(seg["route"], status, seconds, start + 60 * minute + 60 * (i + 0.5) / n)
            minute += 1
        state = tracker.evaluate(start + 60 * e["minute"])[0]
        got = dict(state)
        for sev in ("page", "ticket"):
            got[sev] = any(a["severity"] == sev and a["fires"] for a in state["alerts"])
        want = {"page": e["page"], "ticket": e["ticket"], **e.get("state", {})}
        assert subset(got, want), f"minute {e['minute']}: want {want}, got {got}"

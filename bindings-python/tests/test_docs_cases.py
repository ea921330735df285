"""The cross-language cases in tests/cases/docs.json, through Python."""

import json
import pathlib
import tempfile

import pytest

import opskit
from _cases import subset
from opskit import docs

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILE = json.loads((ROOT / "tests/cases/docs.json").read_text())


def run(case):
    args = case["args"]
    call = case["call"]
    if call == "slugs":
        return docs.slugs(args["headings"])
    if call == "scan_markdown":
        return docs.scan_markdown(args["path"], args["text"])
    if call == "scan_html":
        return docs.scan_html(args["path"], args["text"])
    if call == "audit":
        with tempfile.TemporaryDirectory() as d:
            for rel, text in args["files"].items():
                p = pathlib.Path(d, rel)
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(text)
            return docs.audit(d, **args["options"])
    raise AssertionError(f"unknown call {call}")


@pytest.mark.parametrize("case", FILE["cases"], ids=lambda c: c["name"])
def test_docs_case(case):
    if "error" in case:
        with pytest.raises(opskit.OpskitError) as info:
            run(case)
        assert info.value.js_code == case["error"]
    else:
        got = run(case)
        assert subset(got, case["result"]), json.dumps(got, indent=1, ensure_ascii=False)

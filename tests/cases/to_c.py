#!/usr/bin/env python3
"""Turn tests/cases/version.json into the tab-separated lines that the C test
(tests/c/test_version_cases.c) reads: call, three arguments and a scheme (\\N for NULL),
the expected status name, the expected output (compact JSON for
structured results) and the case's name. Tabs, newlines and backslashes are escaped."""

import json
import sys


def esc(s):
    if s is None:
        return "\\N"
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def args_of(call, a):
    if call == "bump":
        return [a["version"], a["level"], a["channel"]]
    if call == "compare":
        return [a["a"], a["b"], None]
    if call == "satisfies":
        return [a["version"], a["range"], None]
    if call == "sort_versions":
        return [compact(a["versions"]), None, None]
    if call == "parse_version":
        return [a["version"], None, None]
    if call == "parse_commit_message":
        return [a["message"], None, None]
    if call == "check_branch":
        policy = None if a["allowed"] is None else compact({"allowed": a["allowed"]})
        return [a["name"], policy, None]
    raise SystemExit(f"unknown call {call}")


def expected_of(case):
    if "error" in case:
        return case["error"].replace("ERR_OPSKIT_", "OPSKIT_ERR_"), ""
    r = case["result"]
    if isinstance(r, bool):
        return "OPSKIT_OK", "true" if r else "false"
    if isinstance(r, (int, str)):
        return "OPSKIT_OK", str(r)
    return "OPSKIT_OK", compact(r)


def main():
    cases = json.load(open(sys.argv[1]))["cases"]
    for c in cases:
        status, out = expected_of(c)
        fields = [c["call"], *args_of(c["call"], c["args"]), c["args"].get("scheme"), status, out, c["name"]]
        print("\t".join(esc(f) for f in fields))


if __name__ == "__main__":
    main()

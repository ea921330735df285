#!/usr/bin/env python3
"""Give promtool the request histories of tests/cases/apm.json.

For each case this writes, into OUT: the rules `opskit apm rules` exports
for the case's policy; rules for the same SLO in the form Sloth generates
(its documented output for `examples/getting-started.yml`: one
`slo:sli_error:ratio_rate<window>` recording per alert window, one alert
per severity whose expression is `max(short > factor * budget) without
(sloth_window) and max(long > ...)`, or-ed over the two pairs, no `for`);
and a `promtool test rules` file whose input series are the case's
traffic as the counters a scrape each minute would see. Each expectation
becomes four checks at its minute: opskit's page and ticket alerts, and
Sloth's, each firing exactly when the case says.

Usage: slo_cases.py CASES OPSKIT OUT   (then: promtool test rules OUT/*_test.yml)
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

METRIC = "http_server_request_duration_seconds"
WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
# The SRE workbook's pairs as Sloth writes them: (short, long, factor).
SEVERITIES = {
    "page": [("5m", "1h", 14.4), ("30m", "6h", 6)],
    "ticket": [("2h", "1d", 3), ("6h", "3d", 1)],
}


def selector(*matchers):
    return "{" + ",".join(m for m in matchers if m) + "}"


def sloth_rules(slo):
    """Rules in Sloth's generated form for one `[[slo]]` table."""
    route = f'http_route="{slo["route"]}"' if slo.get("route") else None
    total = f"sum(rate({METRIC}_count{selector(route)}[WINDOW]))"
    if slo.get("kind") == "latency":
        le = f'le="{slo["threshold_seconds"]:g}"'
        errors = f"({total} - sum(rate({METRIC}_bucket{selector(route, le)}[WINDOW])))"
    else:
        server_error = 'http_response_status_code=~"5.."'
        errors = f"sum(rate({METRIC}_count{selector(route, server_error)}[WINDOW]))"
    name = slo["name"]
    ids = {"sloth_id": f"svc-{name}", "sloth_service": "svc", "sloth_slo": name}
    match = ", ".join(f'{k}="{v}"' for k, v in ids.items())
    # Sloth's error budget: (100 - objective) / 100, as it prints it.
    budget = repr((100 - slo["objective_percent"]) / 100)
    recordings = [
        {
            "record": f"slo:sli_error:ratio_rate{w}",
            "expr": f"({errors.replace('WINDOW', w)})\n/\n({total.replace('WINDOW', w)})",
            "labels": {**ids, "sloth_window": w},
        }
        for w in WINDOWS
    ]

    def over(w, factor):
        return f"max(slo:sli_error:ratio_rate{w}{{{match}}} > ({factor} * {budget})) without (sloth_window)"

    alerts = [
        {
            "alert": "SlothSLOBurn",
            "expr": "\nor\n".join(f"(\n{over(s, f)}\nand\n{over(l, f)}\n)" for s, l, f in pairs),
            "labels": {"sloth_severity": sev},
        }
        for sev, pairs in SEVERITIES.items()
    ]
    return {
        "groups": [
            {"name": f"sloth-slo-sli-recordings-svc-{name}", "rules": recordings},
            {"name": f"sloth-slo-alerts-svc-{name}", "rules": alerts},
        ]
    }


def input_series(case, slo, end):
    """The counters a scrape at each minute 0..end sees: requests of the earlier minutes."""
    keys = set()
    for seg in case["traffic"]:
        keys.add((seg["route"], seg["status"]))
        keys.add((seg["route"], seg["bad_status"]))
    threshold = slo.get("threshold_seconds")
    out = []
    for route, status in sorted(keys):
        count, fast, counts, fasts = 0, 0, [], []
        for minute in range(end + 1):
            counts.append(count)
            fasts.append(fast)
            for seg in case["traffic"]:
                if seg["route"] != route or not seg["from"] <= minute < seg["to"]:
                    continue
                for i in range(seg["per_minute"]):
                    bad = i < seg["bad"]
                    if (seg["bad_status"] if bad else seg["status"]) != status:
                        continue
                    count += 1
                    secs = seg["bad_seconds"] if bad else seg["seconds"]
                    fast += threshold is not None and secs <= threshold
        labels = f'http_route="{route}",http_response_status_code="{status}"'
        out.append({"series": f"{METRIC}_count{{{labels}}}", "values": " ".join(map(str, counts))})
        if threshold is not None:
            out.append(
                {
                    "series": f'{METRIC}_bucket{{{labels},le="{threshold:g}"}}',
                    "values": " ".join(map(str, fasts)),
                }
            )
    return out


def firing(alert, sev, severity_label, fires):
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",{severity_label}="{sev}"}}) or vector(0)'
    return {"expr": expr, "exp_samples": [{"labels": "{}", "value": int(fires)}]}


def main():
    cases_path, opskit, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    cases = json.loads(Path(cases_path).read_text())["cases"]
    for n, case in enumerate(cases):
        slo = tomllib.loads(case["policy"])["slo"][0]
        policy = out / f"case{n}.toml"
        policy.write_text(case["policy"])
        rules = subprocess.run([opskit, "apm", "rules", "--policy", str(policy)], check=True, capture_output=True, text=True)
        (out / f"case{n}-opskit.yml").write_text(rules.stdout)
        (out / f"case{n}-sloth.yml").write_text(json.dumps(sloth_rules(slo), indent=1))
        end = max(e["minute"] for e in case["expect"])
        checks = []
        for e in case["expect"]:
            for sev in ("page", "ticket"):
                exprs = [
                    firing("OpskitSLOBurn" + sev.capitalize(), sev, "severity", e[sev]),
                    firing("SlothSLOBurn", sev, "sloth_severity", e[sev]),
                ]
                checks += [{"eval_time": f"{e['minute']}m", **x} for x in exprs]
        test = {
            "rule_files": [f"case{n}-opskit.yml", f"case{n}-sloth.yml"],
            "evaluation_interval": "1m",
            "tests": [
                {
                    "name": case["name"],
                    "interval": "1m",
                    "input_series": input_series(case, slo, end),
                    "promql_expr_test": checks,
                }
            ],
        }
        # JSON is YAML: promtool reads it as it is.
        (out / f"case{n}_test.yml").write_text(json.dumps(test, indent=1))
    print(f"{len(cases)} cases written to {out}")


if __name__ == "__main__":
    main()

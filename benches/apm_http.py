#!/usr/bin/env python3
"""The APM HTTP benchmark: each app of benches/apm/ under autocannon's load
on 127.0.0.1, one at a time — uninstrumented, with opskit, and with the
ecosystem's usual choice (Express: express-prom-bundle on prom-client;
FastAPI: prometheus-fastapi-instrumentator on prometheus_client) — in the
same run. Prints requests per second, p50 and p99 latency, the app's CPU time per
request (from /proc: steadier than throughput on a shared machine) and
each instrumentation's cost per request (its CPU time per request less the
uninstrumented app's in the same round: the machine drifts between rounds
by more than the instrumentation costs), medians of interleaved rounds,
with each round's ratio to the usual choice's; and checks that
every instrumented app counted every request autocannon got answered.

The peers are installed into a temporary folder (npm) and into the
virtualenv (pip); the bindings should be release builds
(benches/bindings/run.sh makes them). This machine has 2 cores: the load
generator takes one, the app the other.

    python3 benches/apm_http.py [--seconds 10] [--connections 20]
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PY = ROOT / ".venv" / "bin" / "python"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit(f"the app exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit("the app never listened")


def metrics_count(port, pattern):
    """Sum of the /metrics samples whose line matches `pattern`."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if re.match(pattern, line))


def cpu_seconds(pid):
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(autocannon, port, path, seconds, connections, pid):
    """autocannon's report of the measured run, and the app's CPU seconds in it."""
    url = f"http://127.0.0.1:{port}{path}"
    # Warm-up (JIT, caches, the first series), then the measured run.
    subprocess.run([autocannon, "-c", str(connections), "-d", "2", url], capture_output=True, check=True)
    cpu = cpu_seconds(pid)
    out = subprocess.run([autocannon, "-c", str(connections), "-d", str(seconds), "-j", url],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout), cpu_seconds(pid) - cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", choices=["express", "fastapi"], help="one framework's three apps")
    args = ap.parse_args()
    peers = Path(tempfile.mkdtemp(prefix="opskit-apm-bench-"))
    subprocess.run(["npm", "init", "-y"], cwd=peers, capture_output=True, check=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "autocannon@9", "prom-client@15", "express-prom-bundle@8", "express@5"], cwd=peers, check=True)
    subprocess.run([str(VENV_PY), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "prometheus_client", "prometheus-fastapi-instrumentator", "fastapi", "uvicorn"], check=True)
    autocannon = str(peers / "node_modules" / ".bin" / "autocannon")
    env = {**os.environ, "NODE_PATH": str(peers / "node_modules")}

    # (family, mode, command, counted requests on /metrics, path)
    count = r"^http_server_request_duration_seconds_count\{.*http_route=\"/users/"
    apps = [
        ("express", "plain", ["node", "benches/apm/node_app.js", "plain"], None, "/users/42"),
        ("express", "opskit", ["node", "benches/apm/node_app.js", "opskit"], count, "/users/42"),
        ("express", "opskit app.use", ["node", "benches/apm/node_app.js", "opskit-use"], count, "/users/42"),
        ("express", "express-prom-bundle", ["node", "benches/apm/node_app.js", "bundle"],
         r"^http_request_duration_seconds_count\{.*path=\"/users/:id\"", "/users/42"),
        ("fastapi", "plain", [str(VENV_PY), "benches/apm/python_app.py", "plain"], None, "/users/42"),
        ("fastapi", "opskit", [str(VENV_PY), "benches/apm/python_app.py", "opskit"], count, "/users/42"),
        ("fastapi", "instrumentator", [str(VENV_PY), "benches/apm/python_app.py", "instrumentator"],
         r"^http_request_duration_seconds_count\{.*handler=\"/users/\{user_id\}\"", "/users/42"),
    ]
    if args.only:
        apps = [a for a in apps if a[0] == args.only]
    # Rounds interleave the apps, so a drift of the machine touches all.
    runs = {(family, mode): [] for family, mode, *_ in apps}
    for _ in range(args.rounds):
        for family, mode, cmd, pattern, path in apps:
            port = free_port()
            proc = subprocess.Popen(cmd + [str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            try:
                wait_listening(port, proc)
                r, cpu = load(autocannon, port, path, args.seconds, args.connections, proc.pid)
                counted = metrics_count(port, pattern) if pattern else None
            finally:
                proc.terminate()
                proc.wait(10)
            answered = r["2xx"]
            if r["non2xx"] or r["errors"] or not answered:
                sys.exit(f"{family}/{mode}: {r['non2xx']} non-2xx answers, {r['errors']} errors")
            # The warm-up's requests are counted too: at least every measured one.
            if counted is not None and counted < answered:
                sys.exit(f"{family}/{mode}: /metrics counted {counted:.0f} requests, autocannon got {answered} answered")
            runs[(family, mode)].append((r["requests"]["average"], r["latency"]["p50"], r["latency"]["p99"],
                                         1e6 * cpu / answered))

    def median(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2]

    print(f"\n{args.connections} connections, {args.seconds} s a run, median of {args.rounds} interleaved rounds, "
          "GET /users/42 on 127.0.0.1, 2 cores (autocannon on one, the app on the other)")
    print(f"{'app':<8} {'metrics':<20} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'app CPU µs/req':>15} {'cost µs/req':>12}")
    # A round's cost: the app's CPU per request less the bare app's in that round.
    costs = {}
    for family, mode, *_ in apps:
        rs = runs[(family, mode)]
        costs[(family, mode)] = [x[3] - b[3] for x, b in zip(rs, runs[(family, "plain")])]
        shown = "" if mode == "plain" else f"{median(costs[(family, mode)]):12.1f}"
        print(f"{family:<8} {mode:<20} {median([x[0] for x in rs]):9.0f} {median([x[1] for x in rs]):7.1f} "
              f"{median([x[2] for x in rs]):7.1f} {median([x[3] for x in rs]):15.1f} {shown}")
    for family, peer in (("express", "express-prom-bundle"), ("fastapi", "instrumentator")):
        if (family, peer) not in costs:
            continue
        theirs = costs[(family, peer)]
        t = median(theirs)
        if t <= 0:
            print(f"{family}: {peer}'s cost is within noise")
            continue
        for (fam, mode), ours in costs.items():
            if fam != family or not mode.startswith("opskit"):
                continue
            o = median(ours)
            rounds = " ".join(f"{a / b:.2f}" if b > 0 else "-" for a, b in zip(ours, theirs))
            print(f"{family}: {mode} costs {o:.1f} µs of app CPU a request, {peer} {t:.1f} µs ({o / t:.2f}x; "
                  f"each round: {rounds})")
    subprocess.run(["rm", "-rf", str(peers)])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""node-mixin's alerts and rules and the "Node Exporter Full" dashboard
(Grafana 1860) on a real Prometheus scraping `opskit health serve --names
node`: every expression whose series opskit exports returns data.

    python3 tests/health/node_mixin_check.py OPSKIT NODE_MIXIN_DIR DASHBOARD_JSON

NODE_MIXIN_DIR is node_exporter's `docs/node-mixin` (rendered here with
Debian's `jsonnet`); DASHBOARD_JSON is rfmoz/grafana-dashboards'
`prometheus/node-exporter-full.json`. Neither ships in a Debian, PyPI or
npm package, so this runs beside `make test` (which checks the property it
rests on: node_exporter's names, labels and types, in
compare_node_exporter.py) on clones kept outside the repository.

The same Prometheus scrapes Debian's prometheus-node-exporter (all its
default collectors) as job "peer", and each alert and recording-rule
expression and each dashboard query is asked of both after 20 s of 1 s
scrapes. A problem is an expression node_exporter answers and opskit does
not although opskit exports every node_* series it names; expressions
that need a collector opskit does not have (systemd, hwmon, timex, …) are
counted apart, and those node_exporter leaves empty too are skipped.
Alert conditions (`> 90`) are empty on a healthy host, so for alerts each
selector is asked on its own.
"""

import json
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

OPSKIT, MIXIN, DASHBOARD = sys.argv[1:4]
SELECTOR = re.compile(r"\b((?:node|instance|instance_device)[:_][a-zA-Z0-9_:]*)(\{[^}]*\})?")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render():
    """The mixin's YAML via jsonnet: {'alerts': [...], 'rules': [...]}."""
    out = {}
    for key in ("prometheusAlerts", "prometheusRules"):
        code = f'std.manifestYamlDoc(((import "config.libsonnet") + (import "alerts/alerts.libsonnet") + (import "rules/rules.libsonnet")).{key})'
        out[key] = subprocess.run(["jsonnet", "-S", "-e", code], cwd=MIXIN, check=True, capture_output=True, text=True).stdout
    return out


def dashboard_queries():
    d = json.loads(pathlib.Path(DASHBOARD).read_text())
    out = []

    def walk(p):
        for x in p.get("panels", []):
            for t in x.get("targets", []):
                if t.get("expr"):
                    out.append((x.get("title", "?"), t["expr"]))
            walk(x)
    walk(d)
    return out


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="opskit-mixin-"))
    procs = []
    try:
        yml = render()
        (work / "alerts.yml").write_text(yml["prometheusAlerts"])
        (work / "rules.yml").write_text(yml["prometheusRules"])
        exprs_alerts = re.findall(r'"expr": "((?:[^"\\]|\\.)*)"', yml["prometheusAlerts"])
        exprs_alerts = [json.loads(f'"{e}"') for e in exprs_alerts]
        records = re.findall(r'"record": "([^"]+)"', yml["prometheusRules"])
        serve = subprocess.Popen([OPSKIT, "health", "serve", "--listen", "127.0.0.1:0", "--names", "node"],
                                 stdout=subprocess.PIPE, text=True)
        procs.append(serve)
        target = re.search(r"http://(\S+)", serve.stdout.readline()).group(1)
        exported = {l.split()[2] for l in urllib.request.urlopen(f"http://{target}/metrics").read().decode().splitlines()
                    if l.startswith("# TYPE ")}
        peer = f"127.0.0.1:{free_port()}"
        procs.append(subprocess.Popen([shutil.which("prometheus-node-exporter") or "node_exporter", f"--web.listen-address={peer}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        port = free_port()
        (work / "prometheus.yml").write_text(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{work}/rules.yml", "{work}/alerts.yml"]
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["{target}"]
  - job_name: peer
    static_configs:
      - targets: ["{peer}"]
""")
        procs.append(subprocess.Popen(["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/data",
                                       f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

        def query(q):
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            r = json.loads(urllib.request.urlopen(url, timeout=10).read())
            if r["status"] != "success":
                raise RuntimeError(f"{q}: {r}")
            return r["data"]["result"]

        for _ in range(60):
            try:
                if query('up{job="node"} == 1'):
                    break
            except (OSError, RuntimeError):
                pass
            time.sleep(0.5)
        time.sleep(20)  # rate() windows and the recording rules need samples
        nodename = socket.gethostname()
        problems, answered, skipped, uncovered = [], 0, 0, []

        def missing_series(expr):
            names = {m.group(1) for m in SELECTOR.finditer(expr) if m.group(1).startswith("node_")}
            return sorted(n for n in names if n not in exported)

        def compare(kind, what, ours, theirs):
            """Ask both; True when opskit answers or node_exporter does not."""
            nonlocal answered, skipped
            if not query(theirs):
                skipped += 1
                return
            if query(ours):
                answered += 1
                return
            missing = missing_series(ours)
            if missing:
                uncovered.append((kind, what, missing))
            else:
                problems.append(f"{kind} {what}: node_exporter answers {theirs}, opskit does not")

        # Recording rules: each record, per job.
        for r in records:
            compare("record", r, f'{r}{{job="node"}}', f'{r}{{job="peer"}}')
        # Alerts: every selector of the condition.
        for e in exprs_alerts:
            for m in SELECTOR.finditer(e):
                sel = m.group(0)
                compare("alert selector", sel, sel, sel.replace('job="node"', 'job="peer"'))
        # The dashboard: every query, its variables filled in as Grafana would.
        def fill(expr, job, instance):
            subst = {"$job": job, "$node": instance, "$nodename": nodename, "${job}": job, "${node}": instance,
                     "$__rate_interval": "10s", "$__interval": "2s", "$__range": "20s", "${__range}": "20s",
                     "${__rate_interval}": "10s"}
            for k, v in sorted(subst.items(), key=lambda kv: -len(kv[0])):
                expr = expr.replace(k, v)
            return expr
        for title, e in dashboard_queries():
            compare("panel", repr(title), fill(e, "node", target), fill(e, "peer", peer))
        print(f"# {answered} expressions answered by opskit and node_exporter alike; {skipped} empty on node_exporter "
              f"here too; {len(uncovered)} need a collector opskit does not have:")
        need = sorted({n for _, _, ms in uncovered for n in ms})
        print("#   " + " ".join(need))
        for p in problems:
            print("EMPTY", p)
        if problems:
            sys.exit(1)
        print("PASS every node-mixin and Node Exporter Full expression on opskit's series returns data")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

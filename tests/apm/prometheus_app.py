#!/usr/bin/env python3
"""A real Prometheus (Debian's package) scrapes a Flask app instrumented by
opskit.apm on 127.0.0.1, with the SLO rules `opskit apm rules` writes:

- the live /metrics passes `promtool check metrics` with nothing to say;
- `histogram_quantile` over the scraped duration buckets puts the median
  in the bucket of the fast requests and p99 in the bucket of the slow ones;
- the recording rules give the error ratio the traffic had, and the page
  alert fires, as the in-process tracker says it does;
- 100,000 distinct raw paths through the app (50,000 on a route template,
  50,000 that match no route) leave the series count where it was, and the
  process's memory grows by little.

Usage: prometheus_app.py OPSKIT   (run with the virtualenv's python)
"""

import json
import logging
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from opskit import apm, health

POLICY = """
[[slo]]
name = "work-availability"
objective_percent = 99.9
route = "/work/<int:ms>"
"""
COUNT = "http_server_request_duration_seconds_count"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""  # not listening yet


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def wait(check, what, seconds=30):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.25)
    fail(what)


def rss_bytes():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


def main():
    opskit = sys.argv[1]
    work = Path(tempfile.mkdtemp(prefix="opskit-apm-prom-"))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = flask.Flask("shop")

    @app.get("/work/<int:ms>")
    def do_work(ms):
        time.sleep(ms / 1000)
        return ("failed", 500) if ms == 13 else ("done", 200)

    @app.get("/users/<int:user_id>")
    def user(user_id):
        return str(user_id)

    registry = apm.Registry()
    slo = apm.SloTracker(POLICY)
    metrics = apm.HttpServerMetrics(registry, slo=slo)
    apm.install_runtime(registry)
    collector = health.Collector()
    wsgi = DispatcherMiddleware(
        apm.WsgiMiddleware(app.wsgi_app, metrics, route=apm.flask_route(app)),
        {"/metrics": apm.metrics_wsgi(registry, collector), "/health": apm.health_wsgi(collector, slo=slo)},
    )
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    procs = []
    try:
        # Traffic before the first scrape, so every series exists when
        # Prometheus first sees it (rate() counts from the first sample),
        # failing 5 % like the traffic after it: rate() extrapolates a
        # counter's start no further back than its zero, so both series
        # then extrapolate alike and their ratio is the traffic's.
        for i in range(20):
            fetch(f"{base}/work/{13 if i == 0 else 1}")

        (work / "rules.yml").write_text(
            subprocess.run([opskit, "apm", "rules", "--policy", "/dev/stdin"], input=POLICY,
                           capture_output=True, text=True, check=True).stdout)
        port = free_port()
        (work / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["{work}/rules.yml"]
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: ["127.0.0.1:{server.server_port}"]
""")
        log = open(work / "prometheus.log", "w")
        procs.append(subprocess.Popen(
            ["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/data",
             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log))

        def query(q):
            _, body = fetch(f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q}))
            doc = json.loads(body) if body.startswith("{") else {}
            return doc.get("data", {}).get("result") or []

        def scraped_total():
            r = query(f'sum({COUNT}{{job="shop"}})')
            return float(r[0]["value"][1]) if r else 0.0

        wait(lambda: scraped_total() >= 20, "Prometheus never scraped the app", 60)

        # 100 requests: 90 fast (10 ms), 5 failing (13 ms), 5 slow (300 ms).
        for i in range(100):
            ms = 300 if i % 20 == 0 else 13 if i % 20 == 10 else 10
            fetch(f"{base}/work/{ms}")
        wait(lambda: scraped_total() >= 120, "Prometheus never saw the traffic")
        time.sleep(3)  # the rules evaluate every second: let them see the last scrape

        # promtool lints the text format (it reads no OpenMetrics); Prometheus
        # itself asks for OpenMetrics first, and its target must be healthy.
        status, text = fetch(f"{base}/metrics")
        if status != 200 or any(k not in text for k in ("process_resident_memory_bytes", COUNT, "python_threads")):
            fail(f"/metrics answered {status} without the expected series")
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        if lint.returncode != 0 or lint.stdout.strip() or lint.stderr.strip():
            fail(f"promtool check metrics on the live app: {lint.stdout}{lint.stderr}")
        _, body = fetch(f"http://127.0.0.1:{port}/api/v1/targets")
        target = json.loads(body)["data"]["activeTargets"][0]
        if target["health"] != "up" or target["lastError"]:
            fail(f"Prometheus's scrape of the app: {target['health']}: {target['lastError']}")
        print("ok: the live app's /metrics passes promtool check metrics; Prometheus scrapes it without error")

        buckets = 'http_server_request_duration_seconds_bucket{job="shop",http_route="/work/<int:ms>"}'
        p50 = float(query(f"histogram_quantile(0.5, sum by (le) ({buckets}))")[0]["value"][1])
        p99 = float(query(f"histogram_quantile(0.99, sum by (le) ({buckets}))")[0]["value"][1])
        if not (0.01 < p50 <= 0.025 and 0.25 < p99 <= 0.5):
            fail(f"histogram_quantile: p50 {p50}, p99 {p99}; want p50 in (0.01, 0.025], p99 in (0.25, 0.5]")
        print(f"ok: histogram_quantile over the scraped buckets: p50 {p50:.4f} s, p99 {p99:.3f} s")

        def ratio():
            r = query('opskit_slo:errors:ratio_rate5m{slo="work-availability"}')
            return r and float(r[0]["value"][1])

        got = wait(ratio, "the recording rule opskit_slo:errors:ratio_rate5m has no value")
        if abs(got - 0.05) > 0.005:
            fail(f"opskit_slo:errors:ratio_rate5m is {got}; the traffic since the first scrape failed 5 %")
        wait(lambda: query('ALERTS{alertname="OpskitSLOBurnPage",alertstate="firing",slo="work-availability"}'),
             "OpskitSLOBurnPage never fired")
        state = slo.evaluate()[0]
        if state["status"] != "page":
            fail(f"the in-process tracker says {state['status']}, Prometheus pages")
        print(f"ok: Prometheus's error ratio {got:.3f} pages (OpskitSLOBurnPage), as the tracker does in-process")

        # Cardinality: 100,000 raw paths, straight into the WSGI app.
        def series():
            """(series, requests) of the duration histogram."""
            lines = [line for line in registry.exposition().splitlines() if line.startswith(COUNT)]
            return len(lines), sum(float(line.rsplit(" ", 1)[1]) for line in lines)

        def call(path):
            environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
                       "SERVER_PORT": "80", "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
                       "wsgi.input": None, "wsgi.errors": sys.stderr}
            body = wsgi(environ, lambda *a: None)
            try:
                for _ in body:
                    pass
            finally:
                body.close()  # as a WSGI server does: the middleware records here

        call("/users/0")
        call("/nowhere/0")
        (before_series, before_requests), before_rss = series(), rss_bytes()
        for i in range(1, 50_000):
            call(f"/users/{i}")
            call(f"/nowhere/{i}")
        (after_series, after_requests), grown = series(), rss_bytes() - before_rss
        print(f"ok: 100,000 raw paths: {before_series} -> {after_series} series, "
              f"{after_requests - before_requests:.0f} more requests recorded, memory +{grown / 2**20:.1f} MiB")
        if after_requests - before_requests != 99_998:
            fail(f"the raw paths were not all recorded: {after_requests - before_requests:.0f} of 99,998")
        if after_series != before_series:
            fail(f"raw paths made series: {before_series} -> {after_series}")
        if f'http_route="/users/<int:user_id>"' not in registry.exposition():
            fail("the route template is not a label value")
        if grown > 64 * 2**20:
            fail(f"memory grew {grown / 2**20:.0f} MiB over 100,000 raw paths")
        print("PASS apm prometheus scrape")
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
        server.shutdown()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()

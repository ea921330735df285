"""Cost of one recorded observation from Python, opskit beside
prometheus_client (best of 5 loops of 200,000), and of one whole request
through opskit's HttpServerMetrics (started + finished).

    .venv/bin/python benches/bindings/apm_python.py   (prometheus_client installed)
"""

import time

from prometheus_client import CollectorRegistry
from prometheus_client import Histogram as PromHistogram

from opskit import apm

N = 200_000


def best(f):
    out = float("inf")
    for _ in range(5):
        t0 = time.perf_counter_ns()
        f()
        out = min(out, (time.perf_counter_ns() - t0) / N)
    return out


r = apm.Registry()
h = r.histogram("d_seconds", "Duration.", labels=["http_route", "http_response_status_code"])
labels = ["/users/{id}", "200"]


def ours():
    for _ in range(N):
        h.observe(0.042, labels)


ph = PromHistogram("d_seconds", "Duration.", ["http_route", "http_response_status_code"], registry=CollectorRegistry())


def theirs():
    for _ in range(N):
        ph.labels("/users/{id}", "200").observe(0.042)


child = ph.labels("/users/{id}", "200")


def theirs_child():
    for _ in range(N):
        child.observe(0.042)


m = apm.HttpServerMetrics(apm.Registry())


def request():
    for _ in range(N):
        m.started("GET")
        m.finished(method="GET", route="/users/{user_id}", status=200, duration_seconds=0.042, response_bytes=512)


def empty():
    for _ in range(N):
        pass


loop = best(empty)
print(f"python  observe, labels given: opskit {best(ours) - loop:7.0f} ns   prometheus_client {best(theirs) - loop:7.0f} ns")
print(f"python  observe on a bound child:                prometheus_client {best(theirs_child) - loop:7.0f} ns")
print(f"python  one request through HttpServerMetrics (started + finished): {best(request) - loop:7.0f} ns")

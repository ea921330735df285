"""opskit.apm through Python: the registry from many threads and past its
series cap, SLOs, and the WSGI and ASGI middleware in real apps (Flask under
Werkzeug's server, FastAPI and Starlette under uvicorn) answering real
requests on 127.0.0.1."""

import asyncio
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import fastapi
import flask
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route
from werkzeug.serving import make_server

import opskit
from opskit import apm

POLICY = """
[[slo]]
name = "users"
objective_percent = 99
route = "/users/{user_id}"
"""


def value(text, prefix):
    """The value of the one sample line starting with ``prefix``."""
    lines = [l for l in text.splitlines() if l.startswith(prefix)]
    assert len(lines) == 1, (prefix, text)
    return float(lines[0].rsplit(" ", 1)[1])


def test_totals_are_exact_from_many_threads_and_the_cap_holds():
    r = apm.Registry()
    c = r.counter("jobs", "Jobs.", labels=["queue"])
    h = r.histogram("job_seconds", "Job time.", labels=["queue"], buckets=[0.1, 1.0])
    g = r.gauge("busy", "Busy workers.")

    def work():
        for i in range(20_000):
            g.add(1)
            c.inc(["mail"])
            h.observe(0.5, ["mail"])
            g.add(-1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = r.exposition()
    assert value(text, 'jobs_total{queue="mail"}') == 160_000
    assert value(text, 'job_seconds_bucket{queue="mail",le="1.0"}') == 160_000
    assert value(text, 'job_seconds_sum{queue="mail"}') == 80_000
    assert value(text, "busy ") == 0

    capped = r.counter("raw", "Raw paths.", labels=["path"], max_series=100)
    for i in range(100_000):
        capped.inc([f"/users/{i}"])
    assert dict(r.series_counts())["raw"] == 100
    text = r.exposition()
    assert value(text, 'raw_total{path="other"}') == 99_900
    assert value(text, 'opskit_apm_series_overflow_total{metric="raw"}') == 99_900
    assert r.exposition("application/openmetrics-text; version=1.0.0").endswith("# EOF\n")


def test_bad_metrics_and_policies_raise_invalid_input():
    r = apm.Registry()
    with pytest.raises(opskit.InvalidInputError, match="without _total"):
        r.counter("x_total", "")
    c = r.counter("hits", "", labels=["route"])
    with pytest.raises(opskit.InvalidInputError, match="takes 1 label value"):
        c.inc([])
    with pytest.raises(opskit.InvalidInputError, match="only goes up"):
        c.inc(["/"], -1)
    with pytest.raises(opskit.InvalidInputError, match="threshold_seconds"):
        apm.SloTracker({"slo": [{"name": "a", "kind": "latency", "objective_percent": 99}]})
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        apm.SloTracker({"slo": [{"name": "a", "objective": 99}]})


def test_slos_burn_and_export_rules():
    t = apm.SloTracker(POLICY)
    t0 = 1_767_225_600.0
    for m in range(61):
        for i in range(100):
            t.record("/users/{user_id}", 500 if i < 20 else 200, 0.01, t0 + m * 60 + i * 0.6)
    state = t.evaluate(t0 + 61 * 60 - 1)[0]
    assert (state["status"], state["total"], state["good"]) == ("page", 6100, 4880)
    rules = apm.slo_rules(POLICY)
    assert "alert: OpskitSLOBurnPage" in rules and 'http_route=\\"/users/{user_id}\\"' in rules


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def abort_after_headers(port, path):
    """Ask for `path`, read the status line, and hang up mid-body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert s.recv(64).startswith(b"HTTP/1.1 200")
    s.close()


def recorded(registry):
    """How many requests the registry has recorded, over every label set."""
    return sum(float(l.rsplit(" ", 1)[1]) for l in registry.exposition().splitlines()
               if l.startswith("http_server_request_duration_seconds_count{"))


def wait_for(check, what, describe=None):
    """Wait up to 10 s for ``check()``; the failure says ``describe()``."""
    for _ in range(200):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: {describe()}" if describe else what)


def counts(registry):
    """The duration histogram's count lines: what a failed wait saw."""
    return [l for l in registry.exposition().splitlines()
            if l.startswith("http_server_request_duration_seconds_count{")]


def test_wsgi_middleware_in_a_flask_app():
    app = flask.Flask("svc")

    @app.get("/users/<int:user_id>")
    def user(user_id):
        return {"id": user_id}

    @app.post("/orders")
    def order():
        return "created", 201

    @app.get("/boom")
    def boom():
        raise KeyError("x")

    registry = apm.Registry()
    metrics = apm.HttpServerMetrics(registry)
    server = make_server("127.0.0.1", 0, apm.WsgiMiddleware(app.wsgi_app, metrics, route=apm.flask_route(app)), threaded=True)
    app.wsgi_app = server.app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    try:
        for i in range(30):
            assert get(f"http://127.0.0.1:{port}/users/{i}")[0] == 200
        req = urllib.request.Request(f"http://127.0.0.1:{port}/orders", data=b"x" * 2000, method="POST")
        # The answer left unread: the client's close then resets the
        # connection, and Werkzeug skips the body's close() (found by CI).
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 201
        assert get(f"http://127.0.0.1:{port}/boom")[0] == 500
        assert get(f"http://127.0.0.1:{port}/nowhere/42")[0] == 404
        # A WSGI request is recorded when the server closes its body, which
        # may come just after the client has read the answer: wait for all 33.
        wait_for(lambda: recorded(registry) == 33, "every request is recorded", lambda: counts(registry))
    finally:
        server.shutdown()
    text = registry.exposition()
    count = "http_server_request_duration_seconds_count"
    assert value(text, f'{count}{{http_request_method="GET",http_route="/users/<int:user_id>",http_response_status_code="200",error_type=""}}') == 30
    assert value(text, f'{count}{{http_request_method="GET",http_route="/boom",http_response_status_code="500",error_type="500"}}') == 1
    assert value(text, f'{count}{{http_request_method="GET",http_route="",http_response_status_code="404",error_type=""}}') == 1
    assert value(text, 'http_server_request_body_size_bytes_bucket{http_request_method="POST",http_route="/orders",http_response_status_code="201",error_type="",le="10000.0"}') == 1
    assert "/users/7" not in text, "route templates, never raw paths"
    assert value(text, 'http_server_active_requests{http_request_method="GET"}') == 0


def test_asgi_middleware_in_fastapi_and_starlette_under_uvicorn():
    api = fastapi.FastAPI()

    @api.get("/users/{user_id}")
    async def user(user_id: int):
        return {"id": user_id}

    @api.get("/boom")
    async def boom():
        raise KeyError("x")

    @api.get("/stream")
    async def stream():
        async def chunks():
            for _ in range(200):
                yield b"x" * 65536
                await asyncio.sleep(0.01)
        return StreamingResponse(chunks())

    async def hello(request):
        return PlainTextResponse("hi " + request.path_params["name"])

    plain = Starlette(routes=[Route("/hello/{name}", hello)])

    registry = apm.Registry()
    slo = apm.SloTracker(POLICY)
    metrics = apm.HttpServerMetrics(registry, slo=slo)
    from opskit import health

    api.mount("/health", apm.health_asgi(health.Collector(), slo=slo))
    servers = []
    for app in (api, plain):
        config = uvicorn.Config(apm.AsgiMiddleware(app, metrics), host="127.0.0.1", port=0, log_level="error")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for(lambda: server.started, "uvicorn started")
        servers.append((server, thread, server.servers[0].sockets[0].getsockname()[1]))
    (_, _, api_port), (_, _, plain_port) = servers
    try:
        for i in range(20):
            assert get(f"http://127.0.0.1:{api_port}/users/{i}")[0] == 200
        assert get(f"http://127.0.0.1:{api_port}/users/not-a-number")[0] == 422
        with pytest.raises(Exception):
            urllib.request.urlopen(f"http://127.0.0.1:{api_port}/boom", timeout=5).read()
        assert get(f"http://127.0.0.1:{plain_port}/hello/ann")[0] == 200
        abort_after_headers(api_port, "/stream")
        count = "http_server_request_duration_seconds_count"
        aborted = f'{count}{{http_request_method="GET",http_route="/stream",http_response_status_code="200",error_type="aborted"}}'
        wait_for(lambda: aborted in registry.exposition(), "the aborted stream is recorded")
        # A request is recorded when its app returns, which may come just
        # after the client has read the answer: wait for all 24.
        wait_for(lambda: recorded(registry) == 24, "every request is recorded", lambda: counts(registry))
        # /health, mounted beside the routes, answers with the SLO's state.
        status, body = get(f"http://127.0.0.1:{api_port}/health")
        doc = json.loads(body)
        assert status == 200 and doc["status"] == "pass", doc
        assert doc["checks"]["slo:burnRate"][0]["observedValue"] == 0
    finally:
        for server, thread, _ in servers:
            server.should_exit = True
            thread.join(5)
    text = registry.exposition()
    assert value(text, f'{count}{{http_request_method="GET",http_route="/users/{{user_id}}",http_response_status_code="200",error_type=""}}') == 20
    assert value(text, f'{count}{{http_request_method="GET",http_route="/users/{{user_id}}",http_response_status_code="422",error_type=""}}') == 1
    assert value(text, f'{count}{{http_request_method="GET",http_route="/boom",http_response_status_code="500",error_type="KeyError"}}') == 1
    assert value(text, f'{count}{{http_request_method="GET",http_route="/hello/{{name}}",http_response_status_code="200",error_type=""}}') == 1
    assert value(text, aborted) == 1
    assert not re.search(r'http_route="/users/\d', text)
    users = slo.evaluate()[0]
    assert (users["total"], users["good"]) == (21, 21), users


def test_one_metrics_answer_holds_host_process_and_application_series():
    from wsgiref.simple_server import WSGIRequestHandler, make_server as wsgiref_server

    from opskit import health

    registry = apm.Registry()
    registry.counter("jobs", "Jobs.").inc()

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = wsgiref_server("127.0.0.1", 0, apm.metrics_wsgi(registry, health.Collector()), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/metrics",
                                     headers={"Accept": "application/openmetrics-text; version=1.0.0"})
        with urllib.request.urlopen(req, timeout=5) as r:
            content_type, text = r.headers["Content-Type"], r.read().decode()
    finally:
        server.shutdown()
    assert content_type.startswith("application/openmetrics-text")
    assert text.count("# EOF") == 1 and text.endswith("# EOF\n")
    assert value(text, "jobs_total") == 1
    assert "\nopskit_load1 " in text and "\nprocess_resident_memory_bytes " in text
    assert text.index("opskit_load1") < text.index("jobs_total")
    # Without a collector: the application's series alone.
    assert "opskit_load1" not in registry.exposition()


def test_runtime_health_counts_collections_and_their_pauses():
    import gc

    registry = apm.Registry()
    hook = apm.install_runtime(registry)
    try:
        gc.collect()
        gc.collect(0)
    finally:
        gc.callbacks.remove(hook)
    text = registry.exposition()
    assert value(text, 'python_gc_collections_total{generation="2"}') >= 1
    assert value(text, 'python_gc_collections_total{generation="0"}') >= 1
    assert value(text, 'python_gc_duration_seconds_count{generation="2"}') >= 1
    assert value(text, 'python_gc_duration_seconds_sum{generation="2"}') > 0
    assert value(text, "python_threads") >= 1
    before = value(text, 'python_gc_collections_total{generation="2"}')
    gc.collect()
    assert value(registry.exposition(), 'python_gc_collections_total{generation="2"}') == before, "removed: no more"


def test_a_burning_slo_shows_in_health_and_pages_through_pagerduty():
    """A Flask app whose /users route fails: /health (health_wsgi beside it)
    shows the SLO as a failing burnRate check yet answers 200; the SLO's
    check triggers one PagerDuty event, sent to a local Events API."""
    import http.server

    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from opskit import health

    app = flask.Flask("shop")

    @app.get("/users/<int:user_id>")
    def user(user_id):
        return ("down", 503) if user_id % 2 else ("ok", 200)

    registry = apm.Registry()
    slo = apm.SloTracker(POLICY.replace("{user_id}", "<int:user_id>"))
    metrics = apm.HttpServerMetrics(registry, slo=slo)
    collector = health.Collector()
    wsgi = DispatcherMiddleware(
        apm.WsgiMiddleware(app.wsgi_app, metrics, route=apm.flask_route(app)),
        {"/health": apm.health_wsgi(collector, health.Evaluator([]), slo)},
    )
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for i in range(20):
            try:
                get(f"http://127.0.0.1:{port}/users/{i}")
            except urllib.error.HTTPError as e:
                assert e.code == 503
        wait_for(lambda: slo.evaluate()[0]["total"] == 20, "every request is recorded")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            code, content_type, doc = r.status, r.headers["Content-Type"], json.loads(r.read())
    finally:
        server.shutdown()
    assert code == 200 and content_type == "application/health+json"
    assert doc["status"] == "warn", doc
    entry = doc["checks"]["slo:burnRate"][0]
    assert entry["componentId"] == "users" and entry["status"] == "fail", entry
    assert entry["observedValue"] == pytest.approx(50.0)  # half fail, against a 1 % budget

    bodies = []

    class Events(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = json.dumps({"status": "success", "dedup_key": bodies[-1]["dedup_key"]}).encode()
            self.send_response(202)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    pd_server = http.server.HTTPServer(("127.0.0.1", 0), Events)
    threading.Thread(target=pd_server.serve_forever, daemon=True).start()
    try:
        pager = health.PagerDuty()
        checks = health.slo_checks(slo.evaluate())
        events = pager.events(checks, "web-1", time.time(), routing_key="S" * 32, source="users-api")
        assert [e["event_action"] for e in events] == ["trigger"]
        for e in events:
            health.validate_event(e)
            health.send_event(e, url=f"http://127.0.0.1:{pd_server.server_address[1]}/v2/enqueue")
        # The same state again: nothing new to say.
        assert pager.events(health.slo_checks(slo.evaluate()), "web-1", time.time(), routing_key="S" * 32,
                            source="users-api") == []
    finally:
        pd_server.shutdown()
    assert len(bodies) == 1
    assert bodies[0]["dedup_key"] == "users-api/slo:users"
    assert bodies[0]["payload"]["severity"] == "critical"
    assert bodies[0]["payload"]["component"] == "slo"

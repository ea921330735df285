"""APM: the service's own metrics (a ``Registry`` of counters, gauges and
histograms; ``HttpServerMetrics`` by the OpenTelemetry HTTP conventions),
SLOs evaluated in-process (``SloTracker``) and their Prometheus rules
(``slo_rules``), and middleware that records every request of a WSGI
(Flask, Django) or ASGI (Starlette, FastAPI) application.

The metric names, labels, buckets, method and route rules live in the Rust
core; the middleware only reads what the framework knows (the method, the
route template, the status, the sizes, the time) and hands it over.
"""

import gc
import json
import threading
import time

from ._native.apm import (
    Counter,
    Gauge,
    Histogram,
    HttpServerMetrics,
    PythonRuntime,
    Registry,
    SloTracker,
    slo_rules,
)

__all__ = [
    "Counter",
    "Gauge",
    "Histogram",
    "HttpServerMetrics",
    "PythonRuntime",
    "Registry",
    "SloTracker",
    "WsgiMiddleware",
    "AsgiMiddleware",
    "flask_route",
    "health_asgi",
    "health_wsgi",
    "install_runtime",
    "metrics_asgi",
    "metrics_wsgi",
    "slo_rules",
]


def _body(registry, accept, collector):
    """The exposition that answers ``accept``, with the host's and the
    process's series first when a ``health.Collector`` is given."""
    from .health import exposition_content_type

    snapshot = collector.snapshot() if collector is not None else None
    return exposition_content_type(accept), registry.exposition(accept, snapshot).encode()


def _health(collector, evaluator, slo):
    """(HTTP status, health+json body): the host's checks and each SLO's."""
    from .health import health_json, slo_checks

    snapshot = collector.snapshot()
    checks = list(evaluator.evaluate(snapshot)) if evaluator is not None else []
    if slo is not None:
        checks += slo_checks(slo.evaluate())
    doc, code = health_json(snapshot, checks)
    return code, json.dumps(doc).encode()


_REASONS = {200: "OK", 503: "Service Unavailable"}
HEALTH_CONTENT_TYPE = "application/health+json"


def health_wsgi(collector, evaluator=None, slo=None):
    """A WSGI app answering load balancers' ``/health`` polls with
    health+json: the checks of ``evaluator`` (a ``health.Evaluator``) on the
    ``collector``'s snapshot and each SLO of ``slo`` (an ``SloTracker``) as
    ``slo:burnRate``. 503 when a host check fails; a burning SLO shows as
    warn and never fails the answer (every instance shares it)."""

    def app(environ, start_response):
        code, body = _health(collector, evaluator, slo)
        start_response(f"{code} {_REASONS.get(code, '')}".strip(),
                       [("Content-Type", HEALTH_CONTENT_TYPE), ("Content-Length", str(len(body))),
                        ("Cache-Control", "no-store")])
        return [body]

    return app


class _Answer:
    """An ASGI app of one answer, ``(status, content type, body)`` from
    ``make(accept)``. An instance, not a function: Starlette's
    ``add_route`` takes it as an ASGI app for the exact path (a ``Mount``
    would redirect ``/metrics`` to ``/metrics/``)."""

    def __init__(self, make, headers=()):
        self._make = make
        self._headers = list(headers)

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        accept = headers.get(b"accept", b"").decode("latin-1") or None
        status, content_type, body = self._make(accept)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type.encode()),
                                (b"content-length", str(len(body)).encode())] + self._headers})
        await send({"type": "http.response.body", "body": body})


def health_asgi(collector, evaluator=None, slo=None):
    """The ASGI form of ``health_wsgi``: ``app.add_route("/health",
    health_asgi(collector, slo=slo))`` (Starlette, FastAPI) or mount it."""
    def answer(accept):
        code, body = _health(collector, evaluator, slo)
        return code, HEALTH_CONTENT_TYPE, body

    return _Answer(answer, [(b"cache-control", b"no-store")])


def metrics_wsgi(registry, collector=None):
    """A WSGI app answering ``/metrics`` scrapes with the registry's series
    (and the host's, with a ``health.Collector``)."""

    def app(environ, start_response):
        content_type, body = _body(registry, environ.get("HTTP_ACCEPT"), collector)
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


def metrics_asgi(registry, collector=None):
    """An ASGI app answering ``/metrics`` scrapes: ``app.add_route("/metrics",
    metrics_asgi(registry))`` (Starlette, FastAPI) or mount it."""
    return _Answer(lambda accept: (200, *_body(registry, accept, collector)))


def install_runtime(registry):
    """Record this interpreter's runtime health in ``registry``: every
    garbage collection (prometheus_client's ``python_gc_collections_total``,
    ``python_gc_objects_collected_total``, ``python_gc_objects_uncollectable_total``
    by generation, and ``python_gc_duration_seconds``, the pause) and the
    live thread count (``python_threads``, read at each collection and now).
    Returns the ``gc.callbacks`` entry; remove it to stop."""
    runtime = PythonRuntime(registry)
    started = {}

    def on_gc(phase, info):
        if phase == "start":
            started["at"] = time.perf_counter()
        elif "at" in started:
            runtime.gc(info["generation"], time.perf_counter() - started.pop("at"),
                       info.get("collected", 0), info.get("uncollectable", 0))
            runtime.threads(threading.active_count())

    runtime.threads(threading.active_count())
    gc.callbacks.append(on_gc)
    return on_gc


def flask_route(flask_app):
    """A ``route`` function for ``WsgiMiddleware`` that asks Flask's URL map
    which rule an environ matches (``/users/<int:id>``), or ``None``."""

    def route(environ):
        try:
            rule, _ = flask_app.url_map.bind_to_environ(environ).match(return_rule=True)
            return rule.rule
        except Exception:  # no rule matched (a 404) or a method not allowed
            return None

    return route


class WsgiMiddleware:
    """Records each request of the WSGI ``app`` in ``metrics``
    (``HttpServerMetrics``). ``route(environ)`` gives the route template
    (``flask_route(app)`` for Flask); without it ``http_route`` stays empty,
    never the raw path. An exception is recorded with its type and raised
    again; a response the client stops reading is recorded as aborted."""

    def __init__(self, app, metrics, route=None):
        self.app = app
        self.metrics = metrics
        self.route = route

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "")
        self.metrics.started(method)
        seen = {}

        def recording_start(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        def finish(error=None, sent=None):
            length = environ.get("CONTENT_LENGTH")
            self.metrics.finished(
                method=method,
                route=self.route(environ) if self.route else None,
                status=seen.get("status"),
                error=error,
                duration_seconds=time.perf_counter() - started,
                request_bytes=int(length) if length and length.isdigit() else None,
                response_bytes=sent,
            )

        try:
            body = self.app(environ, recording_start)
        except BaseException as e:
            finish(error=type(e).__name__)
            raise
        return _Body(body, finish)


class _Body:
    """A WSGI response body that counts its bytes and records the request
    once: when its last chunk has been taken (the server wrote every chunk
    before asking for the next), or when the server closes it (a client
    abort, an exception). Not only on close: Werkzeug's dev server skips
    ``close()`` when the client resets the connection during its drain of
    the request body (a client that hangs up without reading the answer),
    and the request would go unrecorded."""

    def __init__(self, body, finish):
        self.body, self.finish, self.sent, self.failed = body, finish, 0, None
        self.recorded = False

    def _record(self, error):
        if not self.recorded:
            self.recorded = True
            self.finish(error=error, sent=self.sent)

    def __iter__(self):
        try:
            for chunk in self.body:
                self.sent += len(chunk)
                yield chunk
        except BaseException as e:
            self.failed = type(e).__name__
            raise
        self._record(None)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self._record(self.failed or "aborted")


class AsgiMiddleware:
    """Records each HTTP request of the ASGI ``app`` in ``metrics``. The
    route template is the one Starlette/FastAPI's router leaves in the scope
    (``scope["route"].path``); an exception is recorded with its type and
    raised again; a client that disconnects before the response ends is
    recorded as aborted."""

    def __init__(self, app, metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        method = scope.get("method", "")
        self.metrics.started(method)
        state = {"status": None, "sent": 0, "received": 0, "complete": False}

        async def counting_receive():
            message = await receive()
            if message.get("type") == "http.request":
                state["received"] += len(message.get("body", b""))
            return message

        async def recording_send(message):
            kind = message.get("type")
            if kind == "http.response.start":
                state["status"] = message.get("status")
            elif kind == "http.response.body":
                state["sent"] += len(message.get("body", b""))
                if not message.get("more_body", False):
                    state["complete"] = True
            await send(message)

        error = None
        try:
            await self.app(scope, counting_receive, recording_send)
        except BaseException as e:
            error = type(e).__name__
            raise
        finally:
            route = _route_template(scope)
            if error is None and not state["complete"]:
                error = "aborted"
            self.metrics.finished(
                method=method,
                route=route,
                status=state["status"],
                error=error,
                duration_seconds=time.perf_counter() - started,
                request_bytes=state["received"],
                response_bytes=state["sent"],
            )


def _route_template(scope):
    """The route template of a handled ASGI request: FastAPI leaves the
    matched route in ``scope["route"]``; for Starlette, the first route of
    the app's router that fully matches; ``None`` when none does."""
    route = scope.get("route")
    if route is not None:
        return getattr(route, "path", None)
    router = getattr(scope.get("app"), "router", None)
    for candidate in getattr(router, "routes", ()):
        try:
            match, _ = candidate.matches(scope)
        except Exception:
            continue
        if getattr(match, "name", "") == "FULL":
            return getattr(candidate, "path", None)
    return None

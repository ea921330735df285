"""Serve /metrics (Prometheus, by the scraper's Accept header) and /health
(health+json, 200 or 503) from a Python http.server with opskit.health.

    python3 examples/python/health_server.py [PORT]   # default 9465; 0 picks a free one

The collector and evaluator live as long as the server: CPU rates and rule
`for` timers carry from one request to the next. A lock serialises them, as
ThreadingHTTPServer answers requests on several threads.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opskit import health

collector = health.Collector()
evaluator = health.Evaluator()  # the default rules; pass your own list of rules
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            snapshot = collector.snapshot()
            checks = evaluator.evaluate(snapshot)
        if self.path == "/metrics":
            accept = self.headers.get("Accept")
            body = health.exposition(snapshot, checks, accept=accept).encode()
            kind = health.exposition_content_type(accept)
            status = 200
        elif self.path == "/health":
            doc, status = health.health_json(snapshot, checks)
            body, kind = json.dumps(doc).encode(), "application/health+json"
        else:
            body, kind, status = b"not found\n", "text/plain", 404
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9465
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()

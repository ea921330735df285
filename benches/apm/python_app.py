"""One FastAPI app for the HTTP benchmark (benches/apm_http.py): GET
/users/{user_id} answers a small JSON body, with no metrics (``plain``),
with opskit's ASGI middleware (``opskit``), or with
prometheus-fastapi-instrumentator on prometheus_client (``instrumentator``,
the ecosystem's usual choice); /metrics serves the instrumented ones'.

    python benches/apm/python_app.py MODE PORT
"""

import sys

import fastapi
import uvicorn

mode, port = sys.argv[1], int(sys.argv[2])
api = fastapi.FastAPI()


@api.get("/users/{user_id}")
async def user(user_id: int):
    return {"id": user_id, "name": "ann"}


app = api
if mode == "opskit":
    from opskit import apm

    registry = apm.Registry()
    api.mount("/metrics", apm.metrics_asgi(registry))
    app = apm.AsgiMiddleware(api, apm.HttpServerMetrics(registry))
elif mode == "instrumentator":
    from prometheus_fastapi_instrumentator import Instrumentator

    Instrumentator().instrument(api).expose(api)
elif mode != "plain":
    sys.exit(f"mode {mode}: plain, opskit or instrumentator")

uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)

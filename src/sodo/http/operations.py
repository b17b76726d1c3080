"""Operating the server: ``GET /healthz`` (alive), ``GET /readyz`` (stores reachable,
migrations current), ``GET /metrics`` (Prometheus), a request id on every response
(``X-Request-ID``: the client's if it sent a sane one, else a new one) and one JSON log line
per request on the ``sodo.request`` logger: time, request id, method, route, status, duration,
user id, worker process id. No query strings (they may carry tokens), no names, no addresses."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sodo.services import metrics

router = APIRouter(tags=["operations"], include_in_schema=False)
request_log = logging.getLogger("sodo.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
# A new request id, 32 hex digits: the process's random half and a counter (unique across
# workers and restarts without a call to the system's random source per request).
_ID = {"prefix": uuid.uuid4().hex[:16], "count": itertools.count(1)}


def _new_ids() -> None:  # a forked worker draws its own half
    _ID.update(prefix=uuid.uuid4().hex[:16], count=itertools.count(1))


os.register_at_fork(after_in_child=_new_ids)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, the message's fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                                "level": record.levelname.lower(), "logger": record.name}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        else:
            data["message"] = record.getMessage()
        if record.exc_info:  # an unhandled error: its traceback, in the same line
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


#: uvicorn's ``log_config`` for ``sodo serve`` (applied in every worker): JSON lines on
#: standard error for sodo's loggers and uvicorn's errors; no access log (sodo.request is it).
LOG_CONFIG: dict[str, Any] = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sodo.http.operations.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "loggers": {"sodo": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"handlers": ["stderr"], "level": "WARNING",
                                  "propagate": False}},
}


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on standard error for every ``sodo`` logger (``sodo serve`` calls it)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("sodo")
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    from sodo.services.operations import readiness

    ctx = request.app.state.ctx
    state = await run_in_threadpool(readiness, ctx.settings, ctx.engine)
    return JSONResponse(state, status_code=200 if state["ready"] else 503)


@router.get("/metrics")
def metrics_endpoint() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


def _route_label(request: Request) -> str:
    """The matched route's template (``/api/v1/orgunits/{code}``), never the raw path (one
    label per route, not per id); ``(unmatched)`` for a 404. Built from the path with the
    path parameters put back as names (nested routers keep their routes' paths relative)."""
    if request.scope.get("route") is None:
        return "(unmatched)"
    params = {str(v): k for k, v in (request.scope.get("path_params") or {}).items()}
    parts = request.scope.get("path", "").split("/")
    return "/".join("{" + params[p] + "}" if p in params else p for p in parts)


class Observe:
    """ASGI middleware: the request id, the latency histogram and the request log line.
    (Plain ASGI rather than ``@app.middleware("http")``: that one runs each request in a
    task group with streamed bodies, which cost more CPU per request than the route.)"""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = (given if given and _REQUEST_ID.match(given)
                      else f"{_ID['prefix']}{next(_ID['count']):016x}")  # type: ignore[call-overload]
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        began = time.perf_counter()
        status = 500

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, state, request_id, status, time.perf_counter() - began)

    @staticmethod
    def _record(scope: dict[str, Any], state: dict[str, Any], request_id: str, status: int,
                seconds: float) -> None:
        request = Request(scope)
        route = _route_label(request)
        method = scope["method"]
        if route != "/metrics":
            metrics.REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)
        if not request_log.isEnabledFor(logging.INFO):
            return
        actor = state.get("actor")
        request_log.info("request", extra={"fields": {
            "request_id": request_id, "method": method, "route": route,
            "path": scope.get("path", ""), "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "user": getattr(actor, "user_id", None),
            "via": getattr(actor, "via", None), "pid": os.getpid()}})


def install(app: FastAPI) -> None:
    """Add the routes and the request middleware to ``app``."""
    app.include_router(router)
    app.add_middleware(Observe)

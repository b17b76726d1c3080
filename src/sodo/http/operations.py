"""Operating the server: ``GET /healthz`` (alive), ``GET /readyz`` (stores reachable,
migrations current), ``GET /metrics`` (Prometheus), a request id on every response
(``X-Request-ID``: the client's if it sent a sane one, else a new one) and one JSON log line
per request on the ``sodo.request`` logger: time, request id, method, route, status, duration,
user id, worker process id. No query strings (they may carry tokens), no names, no addresses."""

from __future__ import annotations

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


def install(app: FastAPI) -> None:
    """Add the routes and the request middleware to ``app``."""
    app.include_router(router)

    @app.middleware("http")
    async def _observe(request: Request, call_next):  # type: ignore[no-untyped-def]
        given = request.headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.state.request_id = request_id
        began = time.perf_counter()
        status = 500
        try:
            response: Response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            seconds = time.perf_counter() - began
            route = _route_label(request)
            if route != "/metrics":
                metrics.REQUEST_SECONDS.labels(request.method, route, str(status)).observe(
                    seconds)
            actor = getattr(request.state, "actor", None)
            request_log.info("request", extra={"fields": {
                "request_id": request_id, "method": request.method, "route": route,
                "path": request.url.path, "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "user": getattr(actor, "user_id", None),
                "via": getattr(actor, "via", None), "pid": os.getpid()}})

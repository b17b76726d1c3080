"""The HTTP application, the composition root of the server: one :class:`Settings`, one
:class:`AppContext` (the stores, the clock, the per-version cache) on ``app.state.ctx``, the
JSON API under ``/api/v1`` (every module of :mod:`sodo.api.routes` with a ``router``) and the
web pages (:mod:`sodo.web`), which share the plumbing of :mod:`sodo.http.deps`.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import IntegrityError

from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError
from sodo.http import operations, problems
from sodo.http.deps import CSRF_COOKIE, set_csrf_cookie
from sodo.http.headers import SecurityHeaders
from sodo.http.limits import BodyLimits
from sodo.services import catalogue
from sodo.services.context import AppContext
from sodo.services.programme import load_programme
from sodo.services.settings import Settings

API_PREFIX = "/api/v1"
#: How sodo is served (``sodo serve``, the tests' live server): uvicorn's own proxy-header
#: handling is off — it trusts X-Forwarded-For from loopback — and sodo trusts only the
#: proxies named in ``SODO_TRUSTED_PROXIES`` (:func:`sodo.http.deps.client_ip`).
UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False, "server_header": False}
log = logging.getLogger("sodo.http")


def _worker_threads(ctx: AppContext) -> Callable[[FastAPI], Any]:
    """The lifespan that sizes the worker's thread pool (sync routes, the store's work) to
    its share of the store's connections (:func:`sodo.services.context.web_pool_shape`)."""
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if ctx.pool_shape is not None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = ctx.pool_shape[2]
        yield

    return lifespan


def _route_modules() -> list[object]:
    import sodo.api.routes as routes_pkg

    modules = []
    for info in sorted(pkgutil.iter_modules(routes_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"sodo.api.routes.{info.name}")
        if getattr(module, "router", None) is not None:
            modules.append(module)
    return modules


class CSRFCookie:
    """ASGI middleware: a page that rendered a CSRF token for a browser without the cookie
    sets the cookie on its response. (Plain ASGI, not ``BaseHTTPMiddleware``: that one runs
    the app in a task group, which turns errors raised while the body is read — a 413 — into
    exception groups, and costs time on every request.)"""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                secret = scope.get("state", {}).get("csrf_secret")
                if secret:
                    request = Request(scope)
                    headers = list(message.get("headers", []))
                    already = any(k == b"set-cookie" and CSRF_COOKIE.encode() in v
                                  for k, v in headers)
                    if request.cookies.get(CSRF_COOKIE) != secret and not already:
                        carrier = Response()
                        set_csrf_cookie(carrier, request, secret)
                        headers += [(k, v) for k, v in carrier.raw_headers
                                    if k == b"set-cookie"]
                        message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def create_app(workspace: Settings | None = None, database_url: str | None = None,
               *, migrate: bool = True, sync_programme: bool = True,
               include_web: bool = True) -> FastAPI:
    """The sodo application over a workspace (default: the one found from the environment
    and the current folder) or a bare operational store at ``database_url``. The store is
    migrated to the latest schema; on its first start with a workspace the programme's files
    are synced into it (later edits need ``sodo programme sync``)."""
    settings = workspace
    if settings is None and database_url is None:
        settings = Settings.default_or_none()
    if settings is None:
        if database_url is None:
            raise ValueError("no database: pass a workspace or a database URL "
                             "(or set SODO_DATABASE_URL / SODO_WORKSPACE)")
        settings = Settings.for_database(database_url)
    elif database_url is not None:
        settings = Settings(**{**settings.__dict__, "database_url": database_url})
    ctx = AppContext(settings, web=True, migrate=migrate)
    app = FastAPI(title="sodo API", version="1", lifespan=_worker_threads(ctx),
                  description="Số đo — measured results of the national digital-transformation "
                  "programme: programmes, org units, indicators, targets, tasks, report forms, "
                  "submissions and indicator values.",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs",
                  redoc_url=None)
    app.state.ctx = ctx
    app.state.secret_key = settings.session_secret()
    problems.install(app)

    app.add_middleware(CSRFCookie)
    app.add_middleware(SecurityHeaders, https=settings.public_url.startswith("https://"))
    # Outermost: body ceilings per route and credentials before any body is read.
    app.add_middleware(BodyLimits, default=settings.max_body_bytes)

    for module in _route_modules():
        # Any route can meet a bad token (401), a missing CSRF token (403) or bad input (422).
        app.include_router(module.router, prefix=API_PREFIX,  # type: ignore[attr-defined]
                           responses=problems.problem_responses(401, 403, 422))
    operations.install(app)  # /healthz, /readyz, /metrics, request ids and JSON request logs
    if include_web:
        from sodo.web.app import install_web

        install_web(app)
    _busiest_first(app)
    if settings.root is not None and sync_programme:
        _first_sync(ctx)
    return app


#: The modules of the busiest reads (``/api/v1/values``, the overview ``/``): their routers are
#: matched first. Routes are tried in order, router by router, and each router passed costs
#: time on every request (about 1.5 ms of CPU for a route behind all the others, as much as
#: the rest of a cached answer); their paths have no parameters, so matching them first
#: cannot take a request meant for another route.
BUSIEST = ("sodo.api.routes.values", "sodo.web.pages.overview")


def _busiest_first(app: FastAPI) -> None:
    import sys

    hot = {id(router) for name in BUSIEST
           if (router := getattr(sys.modules.get(name), "router", None)) is not None}
    # FastAPI keeps an included router as a route holding ``original_router``; a stable sort
    # keeps every other route's order
    app.router.routes.sort(key=lambda r: id(getattr(r, "original_router", r)) not in hot)


def _first_sync(ctx: AppContext) -> None:
    """Sync the workspace's programme when the store holds none yet; say when the files are
    newer than the store's copy (an edit is published with ``sodo programme sync``)."""
    try:
        loaded = load_programme(ctx.settings.programme_path())
    except InputError as exc:
        log.warning("programme not synced: %s", exc.summary)
        return
    with ctx.session() as session:
        state = catalogue.status(session, loaded)
        if state.in_store:
            if not state.up_to_date:
                log.warning("programme files changed since the last sync: %s",
                            state.message())
            return
        try:
            catalogue.sync(session, Actor.system("first start"), loaded=loaded)
            session.commit()
        except IntegrityError:
            # Several workers starting together: another one synced it first.
            session.rollback()
            log.info("programme synced by another worker")

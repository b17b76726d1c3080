"""The FastAPI application: the JSON API under ``/api/v1`` plus, when present, the web pages.

``create_app`` includes every module of ``sodo.api.routes`` that defines ``router``, the web
router ``sodo.web.routes.router`` if that module exists, and static files from
``sodo/web/static`` at ``/static``.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import secrets
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from sodo.http import problems
from sodo.http.deps import CSRF_COOKIE, _set_csrf_cookie
from sodo.services.workspace import Workspace
from sodo.stores.operational.migrate import upgrade
from sodo.stores.operational.tables import make_engine

API_PREFIX = "/api/v1"
log = logging.getLogger("sodo.api")


def _secret_key(workspace: Workspace | None) -> str:
    """``SODO_SECRET_KEY``, else a key kept in the workspace (made once), else a random one
    (sessions then end when the process stops)."""
    key = os.environ.get("SODO_SECRET_KEY")
    if key:
        return key
    if workspace is not None:
        path = workspace.root / ".sodo-secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
    return secrets.token_urlsafe(48)


# Connections per worker. More than the thread pool's 40 threads, so that threads waiting for
# a connection can never hold up every connection (sessions return theirs at the end of a
# request, which needs a free thread).
POOL_SIZE, POOL_OVERFLOW = 10, 40


def _web_engine(url: str) -> Engine:
    """The store's engine (``make_engine``: SQLite pragmas, URL spelling) with a connection
    pool sized for a web worker; a local SQLite file needs no liveness ping per checkout."""
    engine = make_engine(url)
    pool = engine.pool
    if isinstance(pool, QueuePool):
        engine.pool = QueuePool(
            pool._creator, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
            pre_ping=engine.dialect.name != "sqlite", timeout=pool._timeout,
            recycle=pool._recycle, reset_on_return=pool._reset_on_return,
            _dispatch=pool.dispatch, dialect=pool._dialect)  # keeps the connect listeners
    return engine


def _route_modules() -> list[object]:
    import sodo.api.routes as routes_pkg

    modules = []
    for info in sorted(pkgutil.iter_modules(routes_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"sodo.api.routes.{info.name}")
        if getattr(module, "router", None) is not None:
            modules.append(module)
    return modules


def create_app(workspace: Workspace | None = None, database_url: str | None = None,
               *, migrate: bool = True, import_programme: bool = True,
               include_web: bool = True) -> FastAPI:
    """The sodo application over the operational store at ``database_url`` (default: the
    workspace's). The store is migrated to the latest schema and, with a workspace, its
    programme imported (a no-op when unchanged). ``include_web=False`` serves the API alone."""
    if workspace is None and database_url is None:
        workspace = Workspace.default_or_none()
    url = database_url or (workspace.database_url if workspace else None) \
        or os.environ.get("SODO_DATABASE_URL")
    if not url:
        raise ValueError("no database: pass a workspace or a database URL "
                         "(or set SODO_DATABASE_URL)")
    if migrate:
        upgrade(url)
    engine = _web_engine(url)
    app = FastAPI(title="sodo API", version="1",
                  description="Số đo — measured results of the national digital-transformation "
                  "programme: programmes, org units, indicators, targets, tasks, report forms, "
                  "submissions and indicator values.",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs",
                  redoc_url=None)
    app.state.workspace = workspace
    app.state.database_url = url
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
    app.state.secret_key = _secret_key(workspace)
    problems.install(app)

    @app.middleware("http")
    async def _csrf_cookie(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        # A page that rendered a CSRF token for a browser without the cookie sets it now.
        secret = getattr(request.state, "csrf_secret", None)
        if secret and request.cookies.get(CSRF_COOKIE) != secret \
                and CSRF_COOKIE not in response.headers.get("set-cookie", ""):
            _set_csrf_cookie(response, request, secret)
        return response

    for module in _route_modules():
        # Any route can meet a bad token (401), a missing CSRF token (403) or bad input (422).
        app.include_router(module.router, prefix=API_PREFIX,  # type: ignore[attr-defined]
                           responses=problems.problem_responses(401, 403, 422))
    web = None
    if include_web:
        try:
            web = importlib.import_module("sodo.web.routes")
        except ModuleNotFoundError as exc:
            if exc.name != "sodo.web.routes":
                raise
    if web is not None and getattr(web, "router", None) is not None:
        app.include_router(web.router)
        # HTML error pages in the user's language outside /api (the API keeps its problems)
        install_error_pages = getattr(web, "install_error_pages", None)
        if install_error_pages is not None:
            install_error_pages(app)
    static = Path(__file__).resolve().parent.parent / "web" / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")
    if workspace is not None and import_programme:
        _import_workspace_programme(app, workspace)
    return app


def _import_workspace_programme(app: FastAPI, workspace: Workspace) -> None:
    from sodo.domain.permissions import Actor
    from sodo.domain.problems import InputError
    from sodo.services import store_import
    from sodo.services.programme import load_programme

    try:
        loaded = load_programme(workspace.programme_path())
    except InputError as exc:
        log.warning("programme not imported: %s", exc.summary)
        return
    with app.state.sessionmaker() as session:
        try:
            store_import.import_programme(session, loaded, Actor.system())
            session.commit()
        except IntegrityError:
            # Several workers starting together: another one imported it first.
            session.rollback()
            log.info("programme imported by another worker")

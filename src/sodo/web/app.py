"""Everything the web pages need on the application: their routers (one module per area under
:mod:`sodo.web.pages`), ``/static``, and HTML error pages in the user's language for paths
outside ``/api`` (the API keeps its problem documents)."""

from __future__ import annotations

import importlib
import logging
import pkgutil

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sodo.http.deps import current_user_optional
from sodo.web.context import STATIC_DIR, error_page

log = logging.getLogger("sodo.web")


def page_modules() -> list[object]:
    import sodo.web.pages as pages_pkg

    return [importlib.import_module(f"sodo.web.pages.{info.name}")
            for info in sorted(pkgutil.iter_modules(pages_pkg.__path__), key=lambda i: i.name)]


def install_web(app: FastAPI) -> None:
    # Every page knows who is asking (session cookie or token); form posts are CSRF-checked.
    for module in page_modules():
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router, dependencies=[Depends(current_user_optional)])
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_error_pages(app)


def install_error_pages(app: FastAPI) -> None:
    """Error pages (HTML, in the user's language, no stack trace) for paths outside the API:
    unknown pages, malformed parameters, unexpected failures."""
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_validation = app.exception_handlers.get(RequestValidationError)
    api_unexpected = app.exception_handlers.get(Exception)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) and api_http is not None:
            return await api_http(request, exc)
        key = {404: "error.not_found", 403: "error.forbidden",
               401: "error.login_required"}.get(exc.status_code, "error.bad_request")
        return error_page(request, exc.status_code, key)

    @app.exception_handler(RequestValidationError)
    async def _bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        if is_api(request) and api_validation is not None:
            return await api_validation(request, exc)
        return error_page(request, 400, "error.bad_request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_api(request) and api_unexpected is not None:
            return await api_unexpected(request, exc)
        log.exception("unexpected error on %s", request.url.path)
        return error_page(request, 500, "error.server")

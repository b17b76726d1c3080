"""What every page needs from its request: the language, the signed-in user, the application
context and the programme, rendering a view-model as HTML (its Jinja2 template) or as JSON
(``?format=json``, the same dict), and errors a user can cause shown as a page in their
language, never a traceback."""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from sodo.domain.orgunits import OrgUnitError
from sodo.domain.periods import PeriodError
from sodo.domain.permissions import Actor, Forbidden, NotAuthenticated
from sodo.domain.problems import InputError
from sodo.http.deps import csrf_token
from sodo.http.downloads import TABLE_FORMATS, Table, table_download
from sodo.http.views import period_label
from sodo.services import catalogue
from sodo.services.catalogue import Catalogue
from sodo.services.context import AppContext
from sodo.web.format import (
    format_change,
    format_date,
    format_datetime,
    format_number,
    format_value,
)
from sodo.web.i18n import LANGUAGE_NAMES, LANGUAGES, normalise_language, t

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
LANG_COOKIE = "sodo_lang"
FILES_CHECKED_WITHIN = 1.0  # seconds: a page reading the programme's files sees an edit in this
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


class PageError(Exception):
    """An error a user can cause, shown as a page in their language."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


# -- the request ---------------------------------------------------------------------------

def language(request: Request) -> str:
    return normalise_language(request.query_params.get("lang")
                              or request.cookies.get(LANG_COOKIE))


def app_context(request: Request) -> AppContext:
    return request.app.state.ctx


def db_session(request: Request) -> Session:
    return app_context(request).session()


def request_version(request: Request, *, pin: bool = True) -> Any:
    """The store's version (:meth:`AppContext.version`) as this request found it: read once
    per request (``pin``), the key of what the request takes from the per-version caches."""
    version = getattr(request.state, "data_version", None)
    if version is None:
        version = app_context(request).version()
        if pin:
            request.state.data_version = version
    return version


def programme(request: Request) -> Catalogue:
    """The programme this request reads (one per request: a sync mid-request cannot mix two):
    the synced one, looked up once per store version (a sync changes the version), else the
    programme's files."""
    found = getattr(request.state, "catalogue", None)
    if found is None:
        ctx = app_context(request)

        def synced() -> Catalogue | None:
            with ctx.read_session() as session:
                return catalogue.stored(session)

        # a form post may write after this: its page must not be pinned to the version before
        found = ctx.cached("programme", synced, request_version(
            request, pin=request.method in ("GET", "HEAD")))
        if found is None:
            found = catalogue.for_files(ctx.settings.programme_path(),
                                        checked_within=FILES_CHECKED_WITHIN)
        request.state.catalogue = found
    return found


def current_user(request: Request) -> Actor | None:
    """The signed-in user, or None for an anonymous visitor."""
    actor = getattr(request.state, "actor", None)
    return actor if actor is not None and actor.is_authenticated else None


def actor_of(request: Request) -> Actor:
    """Who is asking, the anonymous public included (what services take to check rights)."""
    return current_user(request) or Actor.anonymous(request.client.host if request.client
                                                    else "")


def require_actor(request: Request) -> Actor:
    actor = current_user(request)
    if actor is None:
        raise NotAuthenticated("sign in")
    return actor


def wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json"


# -- responses -----------------------------------------------------------------------------

def _zoned(moment: datetime) -> str:
    """A moment with its zone: the store keeps UTC, and SQLite hands it back without one."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


ZONED = {datetime: _zoned}


def synthetic_data(request: Request) -> bool:
    """Whether the workspace holds synthetic (demo) data, which every page and export says."""
    return bool(getattr(app_context(request).settings, "synthetic_data", False))


def _format_url(request: Request, fmt: str, table: str | None = None) -> str:
    query = dict(request.query_params)
    query.pop("lang", None)
    query.pop("table", None)
    query["format"] = fmt
    if table:
        query["table"] = table
    return f"{request.url.path}?{urlencode(query)}"


#: Stands for the visitor's CSRF token in a rendered page kept for every anonymous visitor
#: (URL-safe characters only, like the token, so no escaping differs where it is swapped in).
CSRF_PLACEHOLDER = "sodo-csrf-placeholder-" + secrets.token_hex(8)
SHARED_PAGES_KEPT = 32  # rendered anonymous pages kept per data version (path and query vary)


def render(request: Request, template: str, data: dict[str, Any], status: int = 200,
           extra: dict[str, Any] | None = None,
           tables: Callable[[], list[Table]] | None = None,
           download_name: str = "", shared: bool = False) -> Response:
    """The page, or its JSON twin, or (``?format=csv|xlsx``) the tables it shows, exactly as
    shown (``tables`` builds them from ``data``). ``extra`` holds what only the HTML needs.

    ``shared``: ``data`` depends only on the data version, the programme, the language and
    the audience (a :func:`cached_view`), so the HTML an anonymous visitor gets is kept too,
    per version, programme, language, path and query, with a placeholder where the CSRF
    token goes; each visitor's own token is put in its place (and its cookie set) only when
    the page has a form. Rendering is most of the CPU a cached page costs."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data, custom_encoder=ZONED), status_code=status)
    lang = language(request)
    fmt = request.query_params.get("format")
    if tables is not None and fmt in TABLE_FORMATS:
        shown = tables()
        if synthetic_data(request):
            note = t("common.synthetic_data", lang)
            shown = [replace(tb, notes=(*tb.notes, note)) for tb in shown]
        return table_download(shown, fmt, download_name or template.removesuffix(".html"),
                              request.query_params.get("table"))
    user = current_user(request)
    if (shared and user is None and status == 200 and not extra
            and app_context(request).settings.page_cache):
        return _shared_page(request, template, data, tables is not None)
    return templates.TemplateResponse(
        request, template, _page_context(request, data, user, csrf_token(request),
                                         tables is not None, extra), status_code=status)


def _page_context(request: Request, data: dict[str, Any], user: Actor | None, csrf: str,
                  downloads: bool, extra: dict[str, Any] | None) -> dict[str, Any]:
    lang = language(request)
    query = dict(request.query_params)
    query.pop("lang", None)
    query["format"] = "json"
    return {
        "request": request, "data": data, "lang": lang, "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES, "user": user, "unread": _unread(request, user),
        "csrf": csrf,
        "json_url": f"{request.url.path}?{urlencode(query)}",
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "synthetic_data": synthetic_data(request),
        "download_url": (lambda fmt, table=None: _format_url(request, fmt, table))
        if downloads else None,
        **(extra or {}),
    }


def _shared_page(request: Request, template: str, data: dict[str, Any],
                 downloads: bool) -> Response:
    """The anonymous page from the rendered pages kept per data version (see :func:`render`);
    the same bytes a render would give, the visitor's CSRF token in place."""
    from sodo.domain.permissions import audience

    def build() -> tuple[str, ...]:
        page = templates.TemplateResponse(request, template, _page_context(
            request, data, None, CSRF_PLACEHOLDER, downloads, None))
        return tuple(bytes(page.body).decode("utf-8").split(CSRF_PLACEHOLDER))

    key = ("shared-page", template, programme(request).version, audience(actor_of(request)),
           language(request), request.url.path, request.url.query)
    pieces = app_context(request).cached(key, build, request_version(request),
                                         most=SHARED_PAGES_KEPT)
    html = csrf_token(request).join(pieces) if len(pieces) > 1 else pieces[0]
    return HTMLResponse(html)


def _unread(request: Request, user: Actor | None) -> int:
    """The signed-in user's unread notices (the bell in the header)."""
    if user is None:
        return 0
    from sodo.services import follow_up

    with app_context(request).session() as session:
        return follow_up.unread_count(session, user)


def form_status(request: Request, status: int) -> int:
    """A form shown again with its errors is a normal page for the browser (200), so the error
    is read in place and not logged as a failed load; its JSON twin keeps the real status."""
    return status if wants_json(request) else 200


def error_page(request: Request, status: int, key: str, **params: object) -> Response:
    lang = language(request)
    message = t(key, lang, **params)
    if wants_json(request) or request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _page_error(request: Request, exc: Exception) -> Response:
    """The page for an error a user can cause, in their language."""
    if isinstance(exc, PageError):
        return error_page(request, exc.status, exc.key, **exc.params)
    if isinstance(exc, NotAuthenticated):
        if wants_json(request):
            return error_page(request, 401, "error.login_required")
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query
                                           else ""), safe="")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if isinstance(exc, Forbidden):
        return error_page(request, 403, "error.forbidden")
    lang = language(request)
    from sodo.web.forms import error_text  # forms reads the page context's helpers

    if wants_json(request):
        return JSONResponse({"error": error_text(exc, lang)}, status_code=400)
    return render(request, "error.html", {"status": 400, "message": t("error.bad_request", lang),
                                          "detail": error_text(exc, lang)}, status=400)


USER_ERRORS = (PageError, NotAuthenticated, Forbidden, PeriodError, OrgUnitError, InputError)


def page(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors a user can cause into a page in their language, never a traceback.

    Page functions that read the database are plain functions (FastAPI runs them in its
    thread pool, so a slow query does not hold up other requests); those that must await
    the request body are coroutines and hand their work to the thread pool."""
    if inspect.iscoroutinefunction(func):
        @wraps(func)
        async def async_wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
            try:
                return await func(request, *args, **kwargs)
            except USER_ERRORS as exc:
                return _page_error(request, exc)

        return async_wrapper

    @wraps(func)
    def wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return func(request, *args, **kwargs)
        except USER_ERRORS as exc:
            return _page_error(request, exc)

    return wrapper


def safe_next(target: str | None) -> str:
    """Only local paths, so a link cannot send the user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _fmt_number(value: Any, lang: str = "vi", decimals: int | None = None) -> str:
    return format_number(value, lang, decimals)


templates.env.globals.update(
    t=t, fmt_number=_fmt_number, fmt_value=format_value, fmt_change=format_change,
    fmt_date=format_date, fmt_datetime=format_datetime, period_label=period_label,
    quote=quote,
)

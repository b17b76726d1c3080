"""RFC 9457 problem details: every error the API returns is ``application/problem+json`` with
a ``title``, the HTTP ``status`` and a ``detail`` a person can act on; input errors also list
each problem found (``errors``: file/sheet, row/cell, column, rule, message)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sodo.domain.orgunits import OrgUnitError
from sodo.domain.periods import PeriodError
from sodo.domain.permissions import (
    Conflict,
    Forbidden,
    LoginRateLimited,
    NotAuthenticated,
    NotFound,
)
from sodo.domain.problems import InputError, StoreBusy

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("sodo.api")

TITLES = {400: "Bad request", 401: "Not signed in", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 406: "Not acceptable", 409: "Conflict",
          413: "Content too large", 415: "Unsupported media type",
          422: "Invalid input", 429: "Too many requests", 500: "Internal error",
          503: "Service unavailable"}


#: What a client is told to wait before sending again a request that found a store busy.
BUSY_RETRY_SECONDS = 5


class ProblemError(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, title: str | None = None,
                 errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.title = status, detail, title or TITLES.get(status, "Error")
        self.errors, self.headers = errors, headers


TITLES_VI = {400: "Yêu cầu không hợp lệ", 401: "Chưa đăng nhập", 403: "Không có quyền",
             404: "Không tìm thấy", 405: "Phương thức không được hỗ trợ",
             406: "Không có định dạng phù hợp", 409: "Xung đột trạng thái",
             413: "Nội dung quá lớn", 415: "Kiểu dữ liệu không được hỗ trợ",
             422: "Dữ liệu không hợp lệ", 429: "Quá nhiều yêu cầu", 500: "Lỗi hệ thống",
             503: "Dịch vụ tạm thời chưa sẵn sàng"}


def wants_vietnamese(request: Request) -> bool:
    """The request's first preferred language (``Accept-Language``) is Vietnamese."""
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return first == "vi" or first.startswith(("vi-", "vi;"))


def problem_response(request: Request, status: int, detail: str, *, title: str | None = None,
                     errors: list[dict[str, Any]] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    """The problem document; in Vietnamese when the request asks for it (``title``,
    ``detail`` and each error's ``message``; ``rule`` and locations stay codes, and the
    English message stays in ``message_en``)."""
    vietnamese = wants_vietnamese(request)
    if vietnamese:
        from sodo.web.forms import problem_text

        title = TITLES_VI.get(status, title) if title in (None, TITLES.get(status)) else title
        detail = problem_text(detail, "", "vi")
        errors = [{**e, "message": problem_text(str(e.get("message", "")),
                                                str(e.get("rule", "")), "vi"),
                   "message_en": e.get("message", "")} for e in errors] \
            if errors is not None else None
        headers = {**(headers or {}), "Content-Language": "vi"}
    body: dict[str, Any] = {"type": "about:blank", "title": title or TITLES.get(status, "Error"),
                            "status": status, "detail": detail, "instance": request.url.path}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# OpenAPI description of a problem response, for routes' ``responses=``.
PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "instance": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}}},
    "required": ["title", "status", "detail"],
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": TITLES.get(code, "Error"),
                   "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}} for code in codes}


def _input_errors(exc: InputError) -> list[dict[str, Any]]:
    return [p.to_dict() for p in exc.problems]


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem documents."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, title=exc.title,
                                errors=exc.errors, headers=exc.headers)

    @app.exception_handler(NotAuthenticated)
    async def _unauth(request: Request, exc: NotAuthenticated) -> JSONResponse:
        return problem_response(request, 401, str(exc) or "sign in or send an API token",
                                headers={"WWW-Authenticate": 'Bearer realm="sodo"'})

    @app.exception_handler(LoginRateLimited)
    async def _limited(request: Request, exc: LoginRateLimited) -> JSONResponse:
        return problem_response(request, 429, str(exc),
                                headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem_response(request, 403, str(exc))

    @app.exception_handler(PermissionError)
    async def _perm(request: Request, exc: PermissionError) -> JSONResponse:
        return problem_response(request, 403, str(exc) or "not allowed")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(request, 404, str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return problem_response(request, 409, str(exc))

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return problem_response(request, 422, exc.summary, errors=_input_errors(exc))

    @app.exception_handler(StoreBusy)
    async def _busy(request: Request, exc: StoreBusy) -> JSONResponse:
        # another process holds the store: nothing is wrong with the request, send it again
        return problem_response(request, 503, exc.summary,
                                headers={"Retry-After": str(BUSY_RETRY_SECONDS)})

    @app.exception_handler(PeriodError)
    @app.exception_handler(OrgUnitError)
    async def _bad_code(request: Request, exc: Exception) -> JSONResponse:
        # the message itself, not ``str()``: a LookupError's str() quotes it, and stripping
        # quotes from that also cut the quote that opens "'2025-Q3' is not a period id"
        message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        return problem_response(request, 422, message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"location": ".".join(str(p) for p in e.get("loc", ())),
                   "message": e.get("msg", "invalid"), "rule": e.get("type", "")}
                  for e in exc.errors()]
        first = errors[0] if errors else {"location": "", "message": "invalid request"}
        detail = f"{first['location']}: {first['message']}" if first["location"] else \
            first["message"]
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return problem_response(request, 422, detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such resource: {request.url.path}"
        return problem_response(request, exc.status_code, detail,
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "an unexpected error occurred; it has been logged")

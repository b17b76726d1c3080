"""Request-body limits, enforced before any route reads a byte: each route has a ceiling (the
uploads theirs, sign-in a small one, everything else ``Settings.max_body_bytes``, 1 MiB); a
larger ``Content-Length`` is answered 413 at once, and a body that grows past the ceiling while
streaming (chunked, or a lying length) is cut off with 413.

Writes to the API and uploads need credentials, and they are checked in full here, before a
byte of the body is read: none, an unknown, revoked or expired token, an ended or forged
session cookie — 401 at once (FastAPI reads a JSON body before it runs a route's
dependencies, so the check cannot wait for them). The actor found is handed to the route's
dependencies (``scope["state"]["verified_actor"]``), so the store is asked once."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from sodo.services import excel_forms, task_progress
from sodo.services.extract.readers import MAX_BYTES as DIRECTIVE_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MULTIPART_OVERHEAD = 64 * 1024
NDJSON_BATCH_BYTES = 64 * 1024 * 1024
SIGN_IN_BYTES = 16 * 1024  # a user name, a password, a CSRF token and where to go next

#: (path pattern, ceiling in bytes, credentials needed before the body is read)
ROUTES: list[tuple[re.Pattern[str], int, bool]] = [
    (re.compile(r"^/api/v1/forms/[^/]+/upload$"),
     excel_forms.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD, True),
    (re.compile(r"^/reporting/[^/]+/[^/]+/[^/]+/upload$"),
     excel_forms.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD, True),
    (re.compile(r"^/api/v1/tasks/[^/]+/updates/upload$"),
     task_progress.MAX_EVIDENCE_BYTES + MULTIPART_OVERHEAD, True),
    (re.compile(r"^/tasks/[^/]+/progress$"),
     task_progress.MAX_EVIDENCE_BYTES + MULTIPART_OVERHEAD, True),
    (re.compile(r"^/api/v1/datasets/[^/]+/records$"), NDJSON_BATCH_BYTES, True),
    (re.compile(r"^/api/v1/extract$"), DIRECTIVE_BYTES + MULTIPART_OVERHEAD, False),
    (re.compile(r"^/extract$"), DIRECTIVE_BYTES + MULTIPART_OVERHEAD, False),
    (re.compile(r"^/(api/v1/auth/)?login$"), SIGN_IN_BYTES, False),
]
#: API writes an anonymous caller may send (everything else under /api/v1 needs credentials).
ANONYMOUS_API_WRITES = re.compile(r"^/api/v1/(auth/login|auth/logout|extract)$")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes, the limit "
                              "of this address")


def route_limit(path: str, default: int) -> tuple[int, bool]:
    """The body ceiling of ``path`` and whether credentials must come with the body."""
    for pattern, limit, needs_credentials in ROUTES:
        if pattern.match(path):
            return limit, needs_credentials
    needs = path.startswith("/api/v1/") and not ANONYMOUS_API_WRITES.match(path)
    return default, needs


def _has_credentials(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value.strip():
            return True
        if name == b"cookie" and b"sodo_session=" in value:
            return True
    return False


async def _verify_credentials(scope: Scope) -> str | None:
    """Check the request's token or session cookie against the store (in the thread pool);
    None when they name an active user (kept for the route), else why not."""
    from fastapi.concurrency import run_in_threadpool
    from starlette.requests import Request

    from sodo.domain.permissions import NotAuthenticated
    from sodo.http.deps import VERIFIED_ACTOR, lookup_credentials

    request = Request(scope)

    def check() -> str | None:
        with request.app.state.ctx.session() as db:
            try:
                actor = lookup_credentials(request, db)
            except NotAuthenticated as exc:
                return str(exc)
        if actor is None:
            return "the session has ended or expired; sign in again"
        scope.setdefault("state", {})[VERIFIED_ACTOR] = actor
        return None

    return await run_in_threadpool(check)


async def _problem(send: Send, scope: Scope, status: int, title: str, detail: str,
                   headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status,
                       "detail": detail, "instance": scope.get("path", "")}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimits:
    """ASGI middleware: the per-route body ceilings and the credentials-first rule."""

    def __init__(self, app: ASGIApp, default: int = 1024 * 1024) -> None:
        self.app, self.default = app, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method", "GET") in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit, needs_credentials = route_limit(scope.get("path", ""), self.default)
        if needs_credentials:
            refusal = (await _verify_credentials(scope) if _has_credentials(scope)
                       else "sign in or send an API token")
            if refusal is not None:
                await _problem(send, scope, 401, "Not signed in", refusal,
                               [(b"www-authenticate", b'Bearer realm="sodo"')])
                return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _problem(send, scope, 400, "Bad request", "invalid Content-Length")
                return
            if size > limit:
                await _problem(send, scope, 413, "Content too large",
                               str(BodyTooLarge(limit).detail))
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _problem(send, scope, 413, "Content too large", str(exc.detail))

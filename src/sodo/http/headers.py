"""Hardening headers on every response: a Content-Security-Policy that allows no inline
script (the pages load theirs from ``/static`` and ``/web/assets``; data travels in
``<script type="application/json">`` blocks, which are not executed), no framing by other
sites, no MIME sniffing, a strict referrer policy, and HSTS when the public address is
https. A route that set one of them itself keeps its own."""

from __future__ import annotations

from typing import Any

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# The interactive API documentation (Swagger UI) loads its script from a CDN and starts it
# with an inline script; it gets a policy of its own that still forbids framing.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'")
DOCS_PATHS = ("/api/v1/docs",)

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"


class SecurityHeaders:
    """ASGI middleware adding :data:`BASE_HEADERS`, the CSP and (over https) HSTS."""

    def __init__(self, app: Any, https: bool = False) -> None:
        self.app = app
        # encoded once: (name, value) pairs for ordinary paths and for the API docs
        self.extra = {policy: [(k.encode(), v.encode()) for k, v in {
            **BASE_HEADERS, "content-security-policy": policy,
            **({"strict-transport-security": HSTS} if https else {})}.items()]
            for policy in (CSP, DOCS_CSP)}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        extra = self.extra[DOCS_CSP if path.startswith(DOCS_PATHS) else CSP]

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [pair for pair in extra if pair[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

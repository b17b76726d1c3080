"""Behaviour that depends on the scheme: over HTTPS the session cookie is Secure."""

from __future__ import annotations

import asyncio

import httpx

from .conftest import PASSWORD, build_site


def test_session_cookie_is_secure_over_https(tmp_path) -> None:
    app, _ = build_site(f"sqlite:///{tmp_path / 'sodo.db'}")

    async def login() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://sodo.example") as c:
            return await c.post("/api/v1/auth/login",
                                json={"username": "hn_viewer", "password": PASSWORD})

    response = asyncio.run(login())
    app.state.ctx.close()
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("sodo_session="))
    assert "Secure" in session and "HttpOnly" in session
    assert "samesite=lax" in session.lower()
    assert all("Secure" in c for c in cookies)

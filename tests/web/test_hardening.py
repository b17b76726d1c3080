"""Hardening of the pages over real HTTP (SQLite and PostgreSQL): headers, login CSRF, cookies
marked Secure behind an https proxy, sessions ended by logout, by an admin on the admin page
and by the operator at the command line, and nothing unapproved or
unopenable shown to anonymous visitors."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from server import serve
from workspace_builder import PASSWORD, TODAY, build_workspace

from sodo.http.app import create_app
from sodo.services.settings import Settings


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              postgres_database) -> Iterator[Path]:
    root = tmp_path_factory.mktemp(f"hardening-{request.param}") / "ws"
    if request.param == "sqlite":
        yield build_workspace(root)
        return
    with postgres_database("sodo_hardening") as url:
        yield build_workspace(root, url)


@pytest.fixture(scope="module")
def site(workspace: Path) -> Iterator[str]:
    app = create_app(replace(Settings.open(workspace), today=TODAY))
    with serve(app) as url:
        yield url
    app.state.ctx.close()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _log_in(client: httpx.Client, username: str) -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "next": "/", "csrf_token": _csrf(page.text)})


def test_pages_carry_hardening_headers_and_no_inline_script(site: str) -> None:
    with httpx.Client(base_url=site, timeout=60) as client:
        for path in ("/", "/units/79", "/explorer", "/tasks/NV-03", "/login", "/targets"):
            response = client.get(path)
            assert response.status_code == 200, path
            csp = response.headers["content-security-policy"]
            script_src = re.search(r"script-src ([^;]+)", csp).group(1)  # type: ignore[union-attr]
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
            assert "frame-ancestors 'none'" in csp
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            assert response.headers["x-frame-options"] == "DENY"
            for tag in re.findall(r"<script\b[^>]*>", response.text):
                assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
            assert not re.search(r"\son[a-z]+=\"", response.text), path
        api = client.get("/api/v1/health")
        assert api.headers["x-content-type-options"] == "nosniff"


def test_login_without_csrf_token_is_refused(site: str) -> None:
    with httpx.Client(base_url=site, timeout=60) as client:
        refused = client.post("/login", data={"username": "admin", "password": PASSWORD})
        assert refused.status_code == 403
        assert "sodo_session" not in client.cookies
        assert _log_in(client, "admin").status_code in (200, 303)
        assert "sodo_session" in client.cookies


def test_logout_ends_the_session_on_the_server(site: str) -> None:
    with httpx.Client(base_url=site, timeout=60) as client:
        _log_in(client, "admin")
        cookie = client.cookies.get("sodo_session")
        assert client.get("/admin").status_code == 200
        page = client.get("/admin")
        assert client.post("/logout", data={"csrf_token": _csrf(page.text)}).status_code \
            in (200, 303)
    with httpx.Client(base_url=site, timeout=60, cookies={"sodo_session": cookie}) as thief:
        assert thief.get("/api/v1/auth/me").status_code == 401


def test_cookies_are_secure_when_the_public_address_is_https(workspace: Path) -> None:
    settings = replace(Settings.open(workspace), today=TODAY, public_url="https://sodo.example")
    app = create_app(settings)
    try:
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as client:
            page = client.get("/login")
            assert "Secure" in page.headers.get("set-cookie", "")  # the CSRF cookie
            assert page.headers["strict-transport-security"].startswith("max-age=")
            # httpx keeps Secure cookies from plain http: send the CSRF cookie by hand, as
            # the browser behind the https proxy would.
            csrf_cookie = page.headers["set-cookie"].split(";", 1)[0]
            signed_in = client.post("/login", data={
                "username": "admin", "password": PASSWORD, "next": "/",
                "csrf_token": _csrf(page.text)}, headers={"Cookie": csrf_cookie},
                follow_redirects=False)
            cookies = [v for k, v in signed_in.headers.multi_items() if k == "set-cookie"]
            session_cookie = next(c for c in cookies if c.startswith("sodo_session="))
            assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    finally:
        app.state.ctx.close()


def test_anonymous_visitors_see_no_drafts_and_no_evidence_links(site: str) -> None:
    with httpx.Client(base_url=site, timeout=60) as reporter:
        _log_in(reporter, "hanoi.reporter")
        page = reporter.get("/tasks/NV-03")
        saved = reporter.post("/tasks/NV-03/progress", data={
            "csrf_token": _csrf(page.text), "status": "in_progress", "percent": "40"},
            files={"file": ("bien-ban.pdf", b"%PDF-1.4 evidence", "application/pdf")})
        assert saved.status_code in (200, 303), saved.text
        own = reporter.get("/tasks/NV-03", params={"format": "json"}).json()["history"][0]
        assert own["evidence_file_url"]
    with httpx.Client(base_url=site, timeout=60) as anonymous:
        history = anonymous.get("/tasks/NV-03", params={"format": "json"}).json()["history"]
        assert history and all(h["evidence_file_url"] is None for h in history)
        html = anonymous.get("/tasks/NV-03").text
        assert "/api/v1/tasks/evidence/" not in html and "bien-ban.pdf" in html
        # the file itself: 404, as for an id that does not exist
        probe = anonymous.get(own["evidence_file_url"])
        assert probe.status_code == 404
        unit = anonymous.get("/units/01", params={"format": "json"}).text
        assert '"draft"' not in unit and '"submitted"' not in unit and '"returned"' not in unit


def test_admin_ends_all_sessions_of_a_user_from_the_admin_page(site: str) -> None:
    with httpx.Client(base_url=site, timeout=60) as reporter, \
            httpx.Client(base_url=site, timeout=60) as admin:
        _log_in(reporter, "hanoi.reporter")
        assert reporter.get("/api/v1/auth/me").status_code == 200
        _log_in(admin, "admin")
        page = admin.get("/admin")
        assert 'action="/admin/users/hanoi.reporter/sessions/end"' in page.text
        ended = admin.post("/admin/users/hanoi.reporter/sessions/end",
                           data={"csrf_token": _csrf(page.text)})
        assert ended.status_code == 200 and "hanoi.reporter" in ended.text
        assert reporter.get("/api/v1/auth/me").status_code == 401
        assert admin.get("/api/v1/auth/me").status_code == 200


def _sodo(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sodo", *args, "--workspace", str(workspace)],
                          capture_output=True, text=True, timeout=120)


def test_operator_ends_sessions_from_the_command_line(site: str, workspace: Path) -> None:
    with httpx.Client(base_url=site, timeout=60) as reporter, \
            httpx.Client(base_url=site, timeout=60) as admin:
        _log_in(reporter, "hanoi.reporter")
        _log_in(admin, "admin")
        assert reporter.get("/api/v1/auth/me").status_code == 200

        # one user: their cookie stops working at once, the others' keep working
        ended = _sodo(workspace, "user", "end-sessions", "hanoi.reporter")
        assert ended.returncode == 0, ended.stderr
        assert "session" in ended.stdout and "hanoi.reporter" in ended.stdout
        assert reporter.get("/api/v1/auth/me").status_code == 401
        assert admin.get("/api/v1/auth/me").status_code == 200
        entries = admin.get("/api/v1/audit", params={"action": "user.sessions_end"}).json()
        mine = [e for e in entries["items"] if e["object_id"] == "hanoi.reporter"]
        assert mine and mine[0]["actor"].startswith("cli:")
        assert mine[0]["after"]["sessions"] >= 1

        # everyone: the admin's cookie too
        _log_in(reporter, "hanoi.reporter")
        assert reporter.get("/api/v1/auth/me").status_code == 200
        everyone = _sodo(workspace, "user", "end-sessions", "--everyone")
        assert everyone.returncode == 0, everyone.stderr
        assert reporter.get("/api/v1/auth/me").status_code == 401
        assert admin.get("/api/v1/auth/me").status_code == 401
        _log_in(admin, "admin")
        entries = admin.get("/api/v1/audit", params={"action": "user.sessions_end_all"}).json()
        assert entries["items"] and entries["items"][0]["after"]["sessions"] >= 2

        # neither a user nor --everyone, or an unknown user: a message, no traceback
        for args in ((), ("nobody",), ("admin", "--everyone")):
            refused = _sodo(workspace, "user", "end-sessions", *args)
            assert refused.returncode != 0
            assert "Traceback" not in refused.stderr + refused.stdout
            assert (refused.stderr + refused.stdout).strip()

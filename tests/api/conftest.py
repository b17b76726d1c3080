"""API tests run over real HTTP: the app served by uvicorn on a free loopback port, on SQLite and
on the real PostgreSQL server (a fresh database per session, dropped afterwards)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sodo.domain.permissions import Actor
from sodo.http.app import UVICORN_OPTIONS, create_app
from sodo.services import accounts, catalogue
from sodo.services.programme import load_programme

FIXTURE_PROGRAMME = Path(__file__).parent.parent / "store" / "fixtures" / "programme"
PASSWORD = "mật-khẩu-đủ-dài-123"
USERS = {  # username: (role, org unit)
    "admin": ("admin", "VN"),
    "hn_reporter": ("reporter", "01"),  # Hà Nội
    "hn_reporter2": ("reporter", "01"),
    "hcm_reporter": ("reporter", "79"),  # TP. Hồ Chí Minh
    "hn_approver": ("approver", "01"),
    "vn_approver": ("approver", "VN"),
    "hn_viewer": ("viewer", "01"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving ``app`` in a thread of the test process."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", access_log=False, **UVICORN_OPTIONS)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Site:
    app: FastAPI
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def session(self):  # type: ignore[no-untyped-def]
        return self.app.state.ctx.session()

    def client(self, user: str | None = None) -> httpx.Client:
        """A client authenticated by an API token (read + write) of ``user``, or anonymous."""
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def browser(self, user: str) -> httpx.Client:
        """A client signed in with a session cookie, like a browser."""
        client = httpx.Client(base_url=self.url, timeout=30)
        response = client.post("/api/v1/auth/login",
                               json={"username": user, "password": PASSWORD})
        assert response.status_code == 200, response.text
        client.csrf = response.json()["csrf_token"]  # type: ignore[attr-defined]
        return client


@pytest.fixture(scope="session")
def pg_url(postgres_database) -> Iterator[str]:
    with postgres_database("sodo_api") as url:
        yield url


def build_site(url: str) -> tuple[FastAPI, dict[str, str]]:
    app = create_app(database_url=url, include_web=False)
    tokens = {}
    with app.state.ctx.session() as session:
        catalogue.sync(session, Actor.system(), loaded=load_programme(FIXTURE_PROGRAMME))
        for name, (role, unit) in USERS.items():
            accounts.create_user(session, Actor.system(), name, PASSWORD, role, unit)
        session.flush()
        for name, (role, _) in USERS.items():
            scopes = ["read", "write", "admin"] if role == "admin" else ["read", "write"]
            _, secret = accounts.create_token(session, Actor.system(), name, "tests", scopes)
            tokens[name] = secret
        session.commit()
    return app, tokens


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql",
                                                                marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'sodo.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    app, tokens = build_site(url)
    with LiveServer(app) as server:
        yield Site(app, server.url, tokens)
    app.state.ctx.close()

"""A small workspace for follow-up: two tasks, a monthly report form for Hà Nội and Hồ Chí
Minh City, users with e-mail addresses, and a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sodo.domain.permissions import Actor
from sodo.http.app import create_app
from sodo.services import accounts, catalogue
from sodo.services.settings import Settings
from sodo.stores.operational.migrate import upgrade
from sodo.stores.operational.tables import make_engine

PASSWORD = "mat-khau-thu-nghiem"
PROGRAMME = """\
programme:
  code: DONDOC-TEST
  name: Chương trình thử nghiệm đôn đốc
  name_en: Follow-up test programme
indicators:
  - code: ho_so
    name: Số hồ sơ tiếp nhận
    unit: hồ sơ
    value_type: count
    aggregation_time: sum
tasks:
  - id: NV-A
    title: Ban hành kế hoạch chuyển đổi số của thành phố
    lead: ["01"]
    deadline: trong tháng 03/2026
    authority: Chủ tịch UBND thành phố
  - id: NV-B
    title: Số hóa hồ sơ còn hiệu lực
    lead: ["79"]
    deadline: Quý IV/2027
forms:
  - code: BC-THANG
    name: Báo cáo tháng về hồ sơ
    name_en: Monthly dossier report
    period_type: month
    orgunits: ["01", "79"]
    opens_days: 0
    due_days: 10
    indicators:
      - {code: ho_so, integer: true, min: 0}
"""
# username: (role, org unit, e-mail, language)
USERS = {
    "admin": ("admin", "VN", "vanphong@example.vn", "vi"),
    "hn.reporter": ("reporter", "01", "hn.reporter@example.vn", "vi"),
    "hn.approver": ("approver", "01", "hn.leader@example.vn", "vi"),
    "hcm.reporter": ("reporter", "79", "hcm.reporter@example.vn", "en"),
    "viewer": ("viewer", "VN", "viewer@example.vn", "vi"),
    "hn.noemail": ("reporter", "01", "", "vi"),
}


@pytest.fixture
def workspace(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The workspace on SQLite (or on PostgreSQL with ``request.param == 'postgresql'``)."""
    root = tmp_path / "ws"
    (root / "programme").mkdir(parents=True)
    url = f"sqlite:///{root / 'sodo.db'}"
    if getattr(request, "param", "sqlite") == "postgresql":
        url = request.getfixturevalue("pg_url")
    (root / "sodo.toml").write_text(
        f'[workspace]\nprogramme = "programme"\ndatabase_url = "{url}"\n\n'
        '[server]\npublic_url = "https://sodo.example.vn"\n\n'
        '[mail]\nsender = "sodo <sodo@example.vn>"\n\n'
        '[follow_up]\nretry_base_seconds = 0\n', encoding="utf-8")
    (root / "programme" / "programme.yaml").write_text(PROGRAMME, encoding="utf-8")
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        catalogue.sync(session, Actor.system(), root / "programme")
        for name, (role, unit, email, lang) in USERS.items():
            accounts.create_user(session, Actor.system(), name, PASSWORD, role, unit, "",
                                 email, lang)
        session.commit()
    engine.dispose()
    return root


@pytest.fixture
def pg_url(postgres_database) -> Iterator[str]:
    with postgres_database("sodo_followup") as url:
        yield url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the SMTP server received: one parsed message per recipient address."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd hook
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]

    def clear(self) -> None:
        self.messages.clear()


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running SMTP server on loopback, named by ``SODO_SMTP_URL``."""
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("SODO_SMTP_URL", server.url)
    try:
        yield server
    finally:
        server.stop()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def client_for(workspace: Path) -> Iterator:
    clients: list[TestClient] = []

    def make(username: str, today: date = date(2026, 3, 17)) -> TestClient:
        app = create_app(replace(Settings.open(workspace), today=today))
        # the workspace is served at https:// (behind a proxy): its cookies are Secure
        client = TestClient(app, raise_server_exceptions=False, base_url="https://testserver")
        client.__enter__()
        clients.append(client)
        page = client.get("/login")
        done = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "next": "/", "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
        assert done.status_code == 303, done.text[:2000]
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)

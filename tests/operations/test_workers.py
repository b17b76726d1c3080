"""``sodo serve --workers 3`` on PostgreSQL: three processes behind one port behave as one
server. A session opened on one worker is known to the others and ends on all of them at
logout; failed sign-ins are throttled across workers (the count is in the store, not in a
worker); a value written to the store shows on every worker's pages and in every worker's
answer to ``/api/v1/values`` (their caches follow the store's data version). Which worker
answered is read from each request's JSON log line (``pid``), so the test proves that several
workers took part."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from sodo.domain.permissions import Actor
from sodo.services import accounts
from sodo.services.context import AppContext
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace

SODO = Path(sys.executable).with_name("sodo")
PASSWORD = "mật khẩu đủ dài cho ba tiến trình 2026"
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is missing")]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _fresh(base: str, cookies: httpx.Cookies | None = None) -> httpx.Client:
    """A client that opens a new connection per request (so the kernel spreads them over the
    workers)."""
    return httpx.Client(base_url=base, timeout=60, cookies=cookies,
                        limits=httpx.Limits(max_keepalive_connections=0))


def test_three_workers_share_sessions_throttling_and_data(tmp_path: Path,
                                                          postgres_database) -> None:
    with postgres_database("sodo_workers") as url:
        root = tmp_path / "ws"
        init_workspace(root)
        settings = Settings(**{**Settings.open(root).__dict__, "database_url": url})
        with AppContext(settings, migrate=True) as ctx, ctx.session() as session:
            accounts.create_user(session, Actor.system(), "chanh", PASSWORD, "admin")
            session.commit()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SODO_")}
        env.update(SODO_DATABASE_URL=url, SODO_AUTO_RECOMPUTE="0")
        port = _port()
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen([str(SODO), "serve", "--workspace", str(root), "--port",
                                       str(port), "--workers", "3", "--no-scheduler"],
                                      env=env, stdout=out, stderr=out)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, \
                    log.read_text(errors="replace")[-3000:]
                time.sleep(0.3)
            ids: dict[str, list[str]] = {"signed_in": [], "signed_out": [], "throttle": [],
                                         "cached_page": [], "cached_values": []}

            def get(client: httpx.Client, path: str, kind: str) -> httpx.Response:
                rid = uuid.uuid4().hex
                ids[kind].append(rid)
                return client.get(path, headers={"X-Request-ID": rid})

            with _fresh(base) as client:
                page = client.get("/login")
                signed = client.post("/login", data={"username": "chanh", "password": PASSWORD,
                                                     "next": "/", "csrf_token": _csrf(page.text)},
                                     follow_redirects=False)
                assert signed.status_code == 303, signed.text[:500]
                # the session, on whichever worker answers: until all three have answered (the
                # kernel hands connections to workers unevenly on a loaded machine)
                for n in range(300):
                    me = get(client, "/api/v1/auth/me", "signed_in")
                    assert me.status_code == 200 and me.json()["username"] == "chanh"
                    if n >= 24 and len(_pids(log, ids["signed_in"])) == 3:
                        break
                home = client.get("/")
                out_ = client.post("/logout", data={"csrf_token": _csrf(home.text)},
                                   follow_redirects=False)
                assert out_.status_code == 303
                stolen = httpx.Cookies()
                stolen.set("sodo_session", signed.cookies["sodo_session"])
            with _fresh(base, stolen) as replay:  # the ended session, on other workers too
                for n in range(200):
                    assert get(replay, "/api/v1/auth/me", "signed_out").status_code == 401
                    if n >= 24 and len(_pids(log, ids["signed_out"])) >= 2:
                        break
                    time.sleep(0.02)
            # failed sign-ins counted in the store: the 6th is refused whichever worker takes it
            statuses = []
            with _fresh(base) as attacker:
                for _ in range(8):
                    page = get(attacker, "/login", "throttle")
                    rid = uuid.uuid4().hex
                    ids["throttle"].append(rid)
                    refused = attacker.post("/login", headers={"X-Request-ID": rid}, data={
                        "username": "chanh", "password": "sai mật khẩu", "next": "/",
                        "csrf_token": _csrf(page.text)})
                    statuses.append("limited" if "Đăng nhập sai quá nhiều lần" in refused.text
                                    else "failed" if "không đúng" in refused.text else "?")
            assert statuses == ["failed"] * 5 + ["limited"] * 3, statuses
            # a value written to the store reaches every worker's cached page
            explorer = "/explorer?indicator=dossier_count&period=2025-11&level=province" \
                       "&format=json"

            def hanoi(page: dict) -> float | None:
                return next((r["value"] for r in page.get("rows") or [] if r["code"] == "01"),
                            None)

            values = "/api/v1/values?dx=dossier_count&pe=2025-11&ou=VN;LEVEL-province"

            def hanoi_value(answer: dict) -> float | None:
                return next((r["value"] for r in answer["rows"] if r["orgunit"] == "01"), None)

            with _fresh(base) as reader:
                for n in range(300):  # every worker builds and caches its page
                    assert hanoi(get(reader, explorer, "cached_page").json()) is None
                    if n >= 12 and len(_pids(log, ids["cached_page"])) == 3:
                        break
                for n in range(300):  # and its answer to the values query
                    assert hanoi_value(get(reader, values, "cached_values").json()) is None
                    if n >= 12 and len(_pids(log, ids["cached_values"])) == 3:
                        break
            from sodo.stores.operational.tables import indicator_value, make_engine

            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(indicator_value.insert().values(
                    indicator="dossier_count", orgunit="01", period="2025-11",
                    period_type="month", category="", value=1234.0, numerator=1234.0,
                    denominator=None, origin="computed", state="approved", source="test",
                    note=""))
            engine.dispose()
            ids["cached_page"], ids["cached_values"] = [], []
            with _fresh(base) as reader:
                for n in range(300):  # on several of the workers that cached the old page
                    assert hanoi(get(reader, explorer, "cached_page").json()) == 1234.0
                    if n >= 12 and len(_pids(log, ids["cached_page"])) >= 2:
                        break
                for n in range(300):  # and the old answer: none is served stale
                    assert hanoi_value(get(reader, values, "cached_values").json()) == 1234.0
                    if n >= 12 and len(_pids(log, ids["cached_values"])) >= 2:
                        break
        finally:
            server.terminate()
            server.wait(timeout=60)
        pids = {kind: _pids(log, rids) for kind, rids in ids.items()}
        assert all(len(p) >= 2 for p in pids.values()), pids  # several workers answered
        assert len(set().union(*pids.values())) == 3, pids  # and all three did


def _pids(log: Path, request_ids: list[str]) -> set[int]:
    """The worker processes that answered these requests (from their JSON log lines)."""
    wanted, found = set(request_ids), set()
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("request_id") in wanted:
                found.add(entry["pid"])
    return found

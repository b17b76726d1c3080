"""Abuse classes of the security review, tried over real HTTP against a served app (SQLite and
PostgreSQL): each is refused quickly, with a clear problem document, while normal use stays fast."""

from __future__ import annotations

import io
import json
import socket
import time

import httpx
import pytest
from openpyxl import load_workbook

from sodo.domain.permissions import Actor
from sodo.http.app import create_app
from sodo.services import accounts
from sodo.services.workspace import init_workspace

from .conftest import PASSWORD, LiveServer


def test_values_query_with_thousands_of_unknown_names_is_bounded(site) -> None:
    names = ";".join(f"xa{i:04d}" for i in range(2200))  # > the cap of items
    with site.client() as client:
        started = time.monotonic()
        response = client.get("/api/v1/values", params={"dx": "so_diem_wifi", "pe": "2025", "ou": names})
        took = time.monotonic() - started
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "at most 1000" in response.json()["detail"]
        assert took < 2, took

        # Under the cap, unknown names are answered within the look-up budget, and the
        # refusal lists a bounded number of problems while counting them all.
        names = ";".join(f"khong co {i:03d}" for i in range(999))
        started = time.monotonic()
        response = client.get("/api/v1/values", params={"dx": "so_diem_wifi", "pe": "2025", "ou": names})
        took = time.monotonic() - started
        assert response.status_code == 422, response.text
        body = response.json()
        assert len(body["errors"]) <= 20
        assert "998 more" in body["detail"] or "took longer" in body["detail"], body["detail"]
        assert took < 3, took
        assert len(response.content) < 20_000

        # A normal query by codes and exact names stays fast and correct.
        started = time.monotonic()
        for _ in range(20):
            ok = client.get("/api/v1/values",
                            params={"dx": "so_diem_wifi", "pe": "2025", "ou": "VN;01;Hà Nội;ho chi minh"})
            assert ok.status_code == 200, ok.text
        assert (time.monotonic() - started) / 20 < 0.5


def test_value_query_names_resolve_through_the_index(site) -> None:
    with site.client() as client:
        by_name = client.get("/api/v1/values",
                             params={"dx": "so_diem_wifi", "pe": "2025", "ou": "ha noi;Thành phố Hồ Chí Minh"})
    assert by_name.status_code == 200, by_name.text
    assert by_name.json()["ou"] == ["01", "79"]


# -- uploads and request bodies -------------------------------------------------------------

def _raw(site, head: str, body: bytes = b"", timeout: float = 10) -> tuple[int, bytes]:
    """Send a raw HTTP/1.1 request (headers as given, then ``body``) and read the answer:
    a claimed length need not be sent, as an attacker would not."""
    host, port = site.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


def test_bodies_are_refused_before_they_are_read(site) -> None:
    big = 300 * 1024 * 1024
    started = time.monotonic()
    # Anonymous: 401 before a byte of the body is read.
    status, _ = _raw(site, f"POST /api/v1/forms/BC-CDS-QUY/upload HTTP/1.1\nHost: x\n"
                           f"Content-Type: multipart/form-data; boundary=b\n"
                           f"Content-Length: {big}\n")
    assert status == 401
    # Signed in (a viewer's token): the declared length is over the upload ceiling.
    token = site.tokens["hn_viewer"]
    status, _ = _raw(site, f"POST /api/v1/forms/BC-CDS-QUY/upload HTTP/1.1\nHost: x\n"
                           f"Authorization: Bearer {token}\n"
                           f"Content-Type: multipart/form-data; boundary=b\n"
                           f"Content-Length: {big}\n")
    assert status == 413
    # A 200 MB JSON body to an ordinary route: 413 from its length.
    status, _ = _raw(site, f"POST /api/v1/submissions HTTP/1.1\nHost: x\n"
                           f"Authorization: Bearer {site.tokens['hn_reporter']}\n"
                           f"Content-Type: application/json\nContent-Length: {200 * 2**20}\n")
    assert status == 413
    assert time.monotonic() - started < 5

    # Chunked (no length): cut off with 413 once it passes the ceiling while streaming.
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(64):
            yield b"[" + b"1," * 32768

    with site.client("hn_reporter") as client:
        response = client.post("/api/v1/submissions", content=chunks(),
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")

    # A viewer's upload is refused on rights (403) before the multipart body is parsed.
    with site.client("hn_viewer") as client:
        response = client.post("/api/v1/forms/BC-CDS-QUY/upload",
                               files={"file": ("x.xlsx", b"PK" + b"\0" * 1000)})
    assert response.status_code == 403, response.text


def test_json_routes_check_credentials_in_full_before_the_body_and_cap_it(site) -> None:
    """An ordinary JSON route: at most 1 MiB, and its credentials checked in full before a
    byte is read. Each request below claims a body and sends none: only an answer given
    before reading can arrive (a server waiting for the body times the client out)."""
    claimed = 512 * 1024  # under the ceiling
    with site.session() as session:
        accounts.create_user(session, Actor.system(), "json_user", PASSWORD, "reporter", "01")
        session.flush()
        token, revoked = (accounts.create_token(session, Actor.system(), "json_user", name,
                                                ["read", "write"]) for name in ("a", "b"))
        accounts.revoke_token(session, Actor.system(), revoked[0].id)
        session.commit()
    browser = site.browser("json_user")
    ended_cookie = browser.cookies.get("sodo_session")
    assert browser.post("/api/v1/auth/logout",
                        headers={"X-CSRF-Token": browser.csrf}).status_code == 200
    browser.close()

    def claim(path: str, credentials: str = "") -> tuple[int, bytes]:
        return _raw(site, f"POST {path} HTTP/1.1\nHost: x\n{credentials}"
                          f"Content-Type: application/json\nContent-Length: {claimed}\n",
                    timeout=5)

    started = time.monotonic()
    for credentials in ("",  # anonymous
                        "Authorization: Bearer sodo_forged0000000000000000000000000000\n",
                        f"Authorization: Bearer {revoked[1]}\n",  # revoked
                        "Authorization: Basic YWRtaW46YWRtaW4=\n",  # not a bearer token
                        f"Cookie: sodo_session={ended_cookie}\n",  # session ended
                        "Cookie: sodo_session=forged.value.here\n"):
        for path in ("/api/v1/submissions", "/api/v1/users", "/api/v1/no-such-route",
                     "/api/v1/tasks/NV-01/updates"):
            status, answer = claim(path, credentials)
            assert status in (401, 404), (credentials, path, answer[:300])
            assert b"application/problem+json" in answer
    assert time.monotonic() - started < 10

    # A valid token: the claimed body is awaited and read (the client closes: no answer
    # needed), an over-ceiling one refused from its length, a real body answered normally.
    auth = f"Authorization: Bearer {token[1]}\n"
    with pytest.raises(OSError):  # socket.timeout: the server waits for the body
        claim("/api/v1/submissions", auth)
    status, _ = _raw(site, f"POST /api/v1/submissions HTTP/1.1\nHost: x\n{auth}"
                           f"Content-Type: application/json\nContent-Length: {2**20 + 1}\n")
    assert status == 413
    with httpx.Client(base_url=site.url, timeout=30,
                      headers={"Authorization": f"Bearer {token[1]}"}) as client:
        near = {"form": "BC-CDS-QUY", "orgunit": "01", "period": "2025Q4",
                "values": [], "padding": "x" * (2**20 - 200)}
        assert client.post("/api/v1/submissions", json=near).status_code not in (401, 413)
        over = {**near, "padding": "x" * (2**20 + 10)}
        assert client.post("/api/v1/submissions", json=over).status_code == 413

    # Sign-in (anonymous by nature) has a small ceiling of its own.
    status, _ = _raw(site, "POST /api/v1/auth/login HTTP/1.1\nHost: x\n"
                           f"Content-Type: application/json\nContent-Length: {64 * 1024}\n")
    assert status == 413


def _template_with_rows(site, extra_rows: int, bad_value: object) -> bytes:
    with site.client("hn_reporter") as client:
        data = client.get("/api/v1/forms/BC-CDS-QUY/template",
                          params={"period": "2025Q4"}).content
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Báo cáo"]
    for row in ws.iter_rows(min_row=5):
        if row[0].value:
            row[6].value = bad_value
    last = ws.max_row
    for i in range(extra_rows):
        ws.cell(last + 1 + i, 1, "XX")
        ws.cell(last + 1 + i, 4, "khong_co")
        ws.cell(last + 1 + i, 7, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_upload_work_is_bounded_by_the_form_shape_and_the_problems_listed(site) -> None:
    many_bad = _template_with_rows(site, 80, "abc")  # within the shape's spare rows: > 50 bad
    too_long = _template_with_rows(site, 3000, 1)  # rows far past the template's shape
    with site.client("hn_reporter") as client:
        started = time.monotonic()
        bad = client.post("/api/v1/forms/BC-CDS-QUY/upload",
                          files={"file": ("bao-cao.xlsx", many_bad)})
        long = client.post("/api/v1/forms/BC-CDS-QUY/upload",
                           files={"file": ("bao-cao.xlsx", too_long)})
        took = time.monotonic() - started
    assert bad.status_code == 422, bad.text
    assert len(bad.json()["errors"]) == 50
    assert "more than 50 bad cells" in bad.json()["detail"]
    assert long.status_code == 422, long.text
    assert "beyond row" in long.json()["detail"] and len(long.json()["errors"]) == 1
    assert took < 10


# -- bad input --------------------------------------------------------------------------------

@pytest.fixture
def records_site(tmp_path):  # type: ignore[no-untyped-def]
    workspace = init_workspace(tmp_path / "ws")
    app = create_app(workspace, include_web=False)
    with app.state.ctx.session() as session:
        accounts.create_user(session, Actor.system(), "data", PASSWORD, "admin")
        _, secret = accounts.create_token(session, Actor.system(), "data", "",
                                          ["write", "admin"])
        session.commit()
    with LiveServer(app) as server:
        yield workspace, server.url, secret
    app.state.ctx.close()


def _feedback(key: str, agency: str = "01") -> str:
    return json.dumps({"feedback_id": key, "agency_code": agency,
                       "received_at": "2025-11-03T08:00:00", "deadline_at": "2025-11-13T08:00:00",
                       "handled_at": None, "state": "received", "satisfied": None,
                       "reraised": False})


def test_record_keys_with_invisible_characters_are_refused_with_the_row(records_site) -> None:
    _, url, secret = records_site
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
    keys = ["HS7-0000000000", "HS7-0000000000\u200b", "HS7-\u202e0000000000",
            "HS7-0000000000 ", "HS7-00000\x0000000"]
    with httpx.Client(base_url=url, timeout=60) as client:
        bad = client.post("/api/v1/datasets/feedback/records", headers=headers,
                          content="\n".join(_feedback(k) for k in keys) + "\n")
        assert bad.status_code == 422, bad.text
        rows = sorted(e["line"] for e in bad.json()["errors"] if e["rule"] == "key_format")
        assert rows == [2, 3, 4, 5], bad.json()
        spaced_agency = client.post("/api/v1/datasets/feedback/records", headers=headers,
                                    content=_feedback("PA-1", agency="01\u200b") + "\n")
        assert spaced_agency.status_code == 422
        good = client.post("/api/v1/datasets/feedback/records", headers=headers,
                           content=_feedback(keys[0]) + "\n")
        assert good.status_code == 201, good.text
        # the fifth variant, lowercased, is the same record: it replaces it, folded
        lower = client.post("/api/v1/datasets/feedback/records", headers=headers,
                            content=_feedback(keys[0].lower()) + "\n")
        assert lower.status_code == 201, lower.text
        [batch] = lower.json()["batches"]
        assert (batch["inserted"], batch["replaced"], batch["normalised"]) == (0, 1, 1)


def test_huge_ids_are_refused_not_a_server_error(site) -> None:
    huge = "99999999999999999999"
    with site.client("admin") as admin, site.client() as anonymous:
        answers = [
            anonymous.get(f"/api/v1/submissions/{huge}"),
            anonymous.get(f"/api/v1/submissions/{huge}/history"),
            admin.get(f"/api/v1/submissions/{huge}"),
            admin.post(f"/api/v1/submissions/{huge}/submit"),
            admin.post(f"/api/v1/submissions/{huge}/approve"),
            admin.post(f"/api/v1/submissions/{huge}/return", json={"comment": "x"}),
            admin.get(f"/api/v1/tasks/evidence/{huge}"),
            admin.delete(f"/api/v1/auth/tokens/{huge}"),
            admin.get(f"/api/v1/submissions/{2**63}"),
            admin.get("/api/v1/submissions/-1"),
        ]
    for response in answers:
        assert response.status_code in (404, 422), (response.request.url, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_anonymous_cannot_tell_a_draft_from_a_missing_submission(site) -> None:
    with site.client("hcm_reporter") as hcm:
        draft = hcm.post("/api/v1/submissions", json={
            "form": "BC-CDS-QUY", "orgunit": "79", "period": "2024Q3",
            "values": [{"indicator": "dvc_online", "value": 40}]})
        assert draft.status_code == 201, draft.text
    with site.client() as anonymous:
        existing = anonymous.get(f"/api/v1/submissions/{draft.json()['id']}")
        missing = anonymous.get("/api/v1/submissions/987654321")
    assert existing.status_code == missing.status_code == 404
    assert existing.json()["title"] == missing.json()["title"]


def test_strict_values_usernames_and_periods(site) -> None:
    with site.client("hn_reporter") as hn, site.client("admin") as admin:
        as_bool = hn.post("/api/v1/submissions", json={
            "form": "BC-CDS-QUY", "orgunit": "01", "period": "2024Q2",
            "values": [{"indicator": "dvc_online", "value": True}]})
        assert as_bool.status_code == 422, as_bool.text
        assert "number" in as_bool.json()["detail"]
        as_text = hn.post("/api/v1/submissions", json={
            "form": "BC-CDS-QUY", "orgunit": "01", "period": "2024Q2",
            "values": [{"indicator": "dvc_online", "value": "12"}]})
        assert as_text.status_code == 422
        full_width = hn.post("/api/v1/submissions", json={
            "form": "BC-CDS-QUY", "orgunit": "01", "period": "２０２４Q2",
            "values": [{"indicator": "dvc_online", "value": 12}]})
        assert full_width.status_code == 422 and "ASCII" in full_width.json()["detail"]
        values = hn.get("/api/v1/values", params={"dx": "so_diem_wifi", "pe": "２０２５",
                                                  "ou": "01"})
        assert values.status_code == 422
        for name in ("ADMIN", "ádmin", "\u0430dmin", "admin\u200b", " "):
            response = admin.post("/api/v1/users", json={
                "username": name, "password": "Một câu mật khẩu khá dài 2025!",
                "role": "viewer", "orgunit": "01"})
            assert response.status_code == 422, (name, response.text)


# -- sessions and accounts --------------------------------------------------------------------

def _signed_in(site, user: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=30)
    response = client.post("/api/v1/auth/login", json={"username": user, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _replay(site, client: httpx.Client) -> int:
    """The old cookie, sent again by another client (as a thief would)."""
    cookie = client.cookies.get("sodo_session")
    with httpx.Client(base_url=site.url, timeout=30,
                      cookies={"sodo_session": cookie}) as other:
        return other.get("/api/v1/auth/me").status_code


def test_sessions_end_on_the_server(site) -> None:
    with site.session() as session:  # a user of its own: the test changes its password
        accounts.create_user(session, Actor.system(), "sess_user", PASSWORD, "viewer", "01")
        session.commit()
    # Logout: the old cookie no longer works.
    client = _signed_in(site, "sess_user")
    assert _replay(site, client) == 200
    assert client.post("/api/v1/auth/logout").status_code == 200
    assert _replay(site, client) == 401
    # An admin ends every session of a user at once.
    first, second = _signed_in(site, "sess_user"), _signed_in(site, "sess_user")
    with site.client("admin") as admin:
        ended = admin.post("/api/v1/users/sess_user/sessions/end")
        assert ended.status_code == 200 and ended.json()["ended"] >= 2
    assert _replay(site, first) == 401 and _replay(site, second) == 401
    # Changing one's own password ends every session (weak new passwords are refused).
    client, other = _signed_in(site, "sess_user"), _signed_in(site, "sess_user")
    for weak in ("aaaaaaaaaa", " " * 12, "password123", "a\u200b" * 6 + "aaaa"):
        refused = client.post("/api/v1/auth/password",
                              json={"current_password": PASSWORD, "new_password": weak})
        assert refused.status_code == 422, (weak, refused.text)
    new = "Một câu mật khẩu mới khá dài 2026!"
    changed = client.post("/api/v1/auth/password",
                          json={"current_password": PASSWORD, "new_password": new})
    assert changed.status_code == 200, changed.text
    assert _replay(site, client) == 401 and _replay(site, other) == 401
    # Zero-width characters around the password do not matter once normalised.
    _signed_in(site, "sess_user", "\u200b" + new).close()
    # Disabling ends sessions too.
    client = _signed_in(site, "sess_user", new)
    with site.client("admin") as admin:
        admin.patch("/api/v1/users/sess_user", json={"active": False})
    assert _replay(site, client) == 401
    for c in (first, second, client, other):
        c.close()


def test_failed_logins_throttle_the_address_not_the_owner(site) -> None:
    with site.session() as session:
        accounts.create_user(session, Actor.system(), "throttled", PASSWORD, "viewer", "01")
        session.commit()
    attacker = {"X-Forwarded-For": "203.0.113.9"}  # ignored: no trusted proxy configured
    with httpx.Client(base_url=site.url, timeout=30) as client:
        codes = [client.post("/api/v1/auth/login", headers=attacker,
                             json={"username": "throttled", "password": "sai"}).status_code
                 for _ in range(6)]
        assert codes == [401] * 5 + [429]
    # The owner, from another address, still signs in with the right password.
    with site.session() as session:
        from sodo.services import accounts as acc
        assert acc.authenticate(session, "throttled", PASSWORD, "198.51.100.7") is not None
        session.commit()
    with site.client("admin") as admin:
        audit = admin.get("/api/v1/audit", params={"object_type": "user",
                                                   "object_id": "throttled"}).json()["items"]
    actions = [e["action"] for e in audit]
    assert actions.count("user.login_failed") == 5 and "user.login_refused" in actions
    # The recorded address is the peer's, not the one the client claimed.
    assert all(e.get("after", {}).get("source") != "203.0.113.9" for e in audit
               if e["action"] == "user.login_failed")


def test_login_needs_a_same_site_form_or_json(site) -> None:
    # A cross-site form can send text/plain or urlencoded, never application/json: refused.
    with httpx.Client(base_url=site.url, timeout=30) as client:
        plain = client.post("/api/v1/auth/login", headers={"Content-Type": "text/plain"},
                            content=json.dumps({"username": "admin", "password": PASSWORD}))
        form = client.post("/api/v1/auth/login",
                           data={"username": "admin", "password": PASSWORD})
    assert plain.status_code == 422 and "sodo_session" not in plain.cookies
    assert form.status_code == 422 and "sodo_session" not in form.cookies


def test_forwarded_for_counts_only_from_configured_proxies() -> None:
    from types import SimpleNamespace

    from starlette.requests import Request

    from sodo.http.deps import client_ip

    def ip(peer: str, forwarded: str, proxies: tuple[str, ...]) -> str:
        state = SimpleNamespace(ctx=SimpleNamespace(settings=SimpleNamespace(
            trusted_proxies=proxies)))
        app = SimpleNamespace(state=state)
        scope = {"type": "http", "app": app, "client": (peer, 4000),
                 "headers": [(b"x-forwarded-for", forwarded.encode())]}
        return client_ip(Request(scope))

    assert ip("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"  # nothing trusted by default
    assert ip("10.0.0.2", "203.0.113.9", ("10.0.0.0/8",)) == "203.0.113.9"
    # a client's own header is kept to the left; the proxy's append is what counts
    assert ip("10.0.0.2", "1.1.1.1, 203.0.113.9", ("10.0.0.0/8",)) == "203.0.113.9"
    assert ip("10.0.0.2", "203.0.113.9, 10.0.0.7", ("10.0.0.0/8",)) == "203.0.113.9"
    assert ip("192.0.2.5", "203.0.113.9", ("10.0.0.0/8",)) == "192.0.2.5"
    assert ip("10.0.0.2", "not-an-ip", ("10.0.0.0/8",)) == "10.0.0.2"


def test_settings_read_trusted_proxies_and_body_limit(monkeypatch) -> None:
    from sodo.domain.problems import InputError
    from sodo.services.settings import Settings

    monkeypatch.setenv("SODO_TRUSTED_PROXIES", "10.0.0.1, 172.16.0.0/12")
    monkeypatch.setenv("SODO_MAX_BODY_BYTES", "2048")
    settings = Settings.from_config(None, {})
    assert settings.trusted_proxies == ("10.0.0.1/32", "172.16.0.0/12")
    assert settings.max_body_bytes == 2048
    monkeypatch.setenv("SODO_TRUSTED_PROXIES", "example.com")
    with pytest.raises(InputError):
        Settings.from_config(None, {})


def test_a_cut_ndjson_upload_logs_one_line(records_site, caplog) -> None:
    import logging

    _, url, secret = records_site
    host, port = url.removeprefix("http://").split(":")
    caplog.set_level(logging.INFO)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (f"POST /api/v1/datasets/feedback/records HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {secret}\r\nContent-Type: application/x-ndjson\r\n"
                f"Content-Length: 100000\r\n\r\n")
        sock.sendall(head.encode() + (_feedback("PA-9") + "\n").encode())
        time.sleep(0.5)
    time.sleep(1.0)
    tracebacks = [r for r in caplog.records if r.exc_info]
    cut = [r for r in caplog.records if "cut off by the client" in r.getMessage()]
    assert not tracebacks, [r.getMessage() for r in tracebacks]
    assert len(cut) == 1

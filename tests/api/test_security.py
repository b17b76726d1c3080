"""Abuse classes of the security review, tried over real HTTP against a served app (SQLite and
PostgreSQL): each is refused quickly, with a clear problem document, while normal use stays fast."""

from __future__ import annotations

import io
import socket
import time

from openpyxl import load_workbook


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

"""Log in, report through the web form (errors in place), submit, approve, see the value on
the public page; admin pages; all through the real app over HTTP with cookies and CSRF."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from workspace_builder import PASSWORD, build_workspace

from sodo.services.settings import Settings
from sodo.stores.operational.tables import indicator_value, make_engine

from .conftest import make_app

FORM_URL = "/reporting/BC-CDS/01/2026Q3"


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              postgres_database) -> Iterator[Path]:
    """A workspace of this module's own (its tests change it), on SQLite and PostgreSQL."""
    root = tmp_path_factory.mktemp(f"flows-{request.param}") / "ws"
    if request.param == "sqlite":
        yield build_workspace(root)
        return
    with postgres_database("sodo_flows") as url:
        yield build_workspace(root, url)


@pytest.fixture()
def browser(workspace: Path) -> Iterator[TestClient]:
    """A client with its own cookie jar, like one browser."""
    with TestClient(make_app(workspace), raise_server_exceptions=False) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def log_in(client: TestClient, username: str, next_url: str = "/",
           lands: str | None = None) -> None:
    page = client.get("/login", params={"next": next_url})
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "next": next_url, "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == (lands or next_url)


def test_login_failure_is_shown_in_the_users_language(browser: TestClient) -> None:
    page = browser.get("/login")
    response = browser.post("/login", data={"username": "admin", "password": "sai-mat-khau",
                                            "csrf_token": csrf_of(page.text)})
    assert response.status_code == 200  # the form again, with the error in place
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert 'aria-describedby="login-error"' in response.text


def test_pages_that_need_a_user_send_anonymous_visitors_to_login(browser: TestClient) -> None:
    response = browser.get("/reporting", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Freporting"
    assert browser.get("/admin", params={"format": "json"}).status_code == 401


def test_report_with_an_invalid_value_then_fix_submit_approve_publish(workspace: Path) -> None:
    with TestClient(make_app(workspace), raise_server_exceptions=False) as reporter:
        log_in(reporter, "hanoi.reporter", "/reporting")
        listing = reporter.get("/reporting", params={"format": "json"}).json()
        assert [(f["form"], f["orgunit"], f["period"], f["state"])
                for f in listing["open_forms"]] == [("BC-CDS", "01", "2026Q2", "open"),
                                                    ("BC-CDS", "01", "2026Q3", "open")]
        # Q2 was due on 28/09/2026: on 27/11/2026 it is listed first, flagged overdue
        assert [f["overdue"] for f in listing["open_forms"]] == [True, False]
        form = reporter.get(FORM_URL)
        assert form.status_code == 200
        token = csrf_of(form.text)
        # one value out of range (a rate above 100 %), one not a number
        bad = reporter.post(FORM_URL, data={"csrf_token": token, "action": "submit",
                                            "v_ho_so_tiep_nhan": "1.234",
                                            "v_ty_le_hai_long": "120,5"})
        assert bad.status_code == 200
        html = unescape(bad.text)
        assert "Phải nhỏ hơn hoặc bằng 100." in html
        assert re.search(r'id="f-ty_le_hai_long"[^>]*aria-invalid="true"', bad.text)
        assert 'value="120,5"' in bad.text  # what was typed is kept
        assert 'value="1.234"' in bad.text
        # nothing was saved
        assert reporter.get(FORM_URL, params={"format": "json"}).json()["state"] == "open"
        word = reporter.post(FORM_URL, data={"csrf_token": token, "action": "save",
                                             "v_ho_so_tiep_nhan": "nhiều",
                                             "v_ty_le_hai_long": "90"})
        assert "«nhiều» không phải là số." in unescape(word.text)
        as_json = reporter.post(FORM_URL, params={"format": "json"},
                                data={"csrf_token": token, "action": "save",
                                      "v_ho_so_tiep_nhan": "-5", "v_ty_le_hai_long": "90"})
        assert as_json.status_code == 422
        assert as_json.json()["fields"][0]["error"] == "Phải lớn hơn hoặc bằng 0."
        good = reporter.post(FORM_URL, data={"csrf_token": token, "action": "submit",
                                             "v_ho_so_tiep_nhan": "1.234",
                                             "v_ty_le_hai_long": "92,5"},
                             follow_redirects=False)
        assert good.status_code == 303, good.text
        after = reporter.get(good.headers["location"])
        assert "Đã gửi báo cáo để phê duyệt." in after.text
        state = reporter.get(FORM_URL, params={"format": "json"}).json()
        assert state["state"] == "submitted" and state["editable"] is False
        assert {v["indicator"]: v["value"] for v in state["submission"]["values"]} == {
            "ho_so_tiep_nhan": 1234.0, "ty_le_hai_long": 92.5}
        # the reporter cannot approve their own report
        assert state["can_approve"] is False

    engine = make_engine(Settings.open(workspace).database_url)
    with engine.connect() as conn:
        published = conn.execute(select(indicator_value.c.value).where(
            indicator_value.c.indicator == "ty_le_hai_long")).all()
    engine.dispose()
    assert published == []  # not public before approval

    with TestClient(make_app(workspace), raise_server_exceptions=False) as anonymous:
        public = anonymous.get("/public", params={"format": "json"}).json()
        assert not [v for v in public["rows"] if v["indicator"] == "ty_le_hai_long"]

    with TestClient(make_app(workspace), raise_server_exceptions=False) as approver:
        log_in(approver, "hanoi.approver", "/reporting")
        queue = approver.get("/reporting", params={"format": "json"}).json()["to_approve"]
        assert [(s["form"], s["orgunit"], s["state"]) for s in queue] == [
            ("BC-CDS", "01", "submitted")]
        page = approver.get(FORM_URL)
        assert 'id="approve-button"' in page.text
        response = approver.post(f"/submissions/{queue[0]['id']}/approve",
                                 data={"csrf_token": csrf_of(page.text)},
                                 follow_redirects=False)
        assert response.status_code == 303
        assert "Đã phê duyệt báo cáo" in approver.get(response.headers["location"]).text
        # without the CSRF token a cookie-authenticated post is refused
        refused = approver.post(f"/submissions/{queue[0]['id']}/approve")
        assert refused.status_code == 403

    with TestClient(make_app(workspace), raise_server_exceptions=False) as anonymous:
        public = anonymous.get("/public", params={"format": "json"}).json()
        mine = {v["indicator"]: v for v in public["rows"] if v["orgunit"] == "01"
                and v["origin"] == "reported"}
        assert mine["ty_le_hai_long"]["value"] == 92.5
        html = anonymous.get("/public").text
        assert "92,50 %" in html and "Tỷ lệ hài lòng của người dân" in html


def test_excel_template_download_and_upload_errors_in_place(browser: TestClient) -> None:
    log_in(browser, "hanoi.reporter", "/reporting")
    url = "/reporting/BC-CDS/01/2026Q2"
    response = browser.get(f"{url}/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "Báo cáo" in book.sheetnames
    upload = browser.post(f"{url}/upload", data={"csrf_token": csrf_of(browser.get(url).text)},
                          files={"file": ("bad.xlsx", b"not a spreadsheet", "application/"
                                          "vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert 'id="upload-errors"' in upload.text
    assert browser.get(url, params={"format": "json"}).json()["state"] == "open"


def test_admin_sees_users_tokens_forms_and_audit(browser: TestClient) -> None:
    log_in(browser, "admin", "/admin")
    page = browser.get("/admin")
    assert page.status_code == 200
    data = browser.get("/admin", params={"format": "json"}).json()
    assert {u["username"] for u in data["users"]} >= {"admin", "hanoi.reporter"}
    assert [f["code"] for f in data["forms"]] == ["BC-CDS"]
    assert any(e["action"] == "user.login" for e in data["audit"])
    created = browser.post("/admin/tokens", data={"csrf_token": csrf_of(page.text),
                                                  "username": "hanoi.reporter",
                                                  "name": "may-chu-tinh", "scope": "read"})
    assert created.status_code == 200
    secret = re.search(r'id="new-token">(sodo_[^<]+)<', created.text).group(1)
    api = browser.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"},
                      cookies={})
    assert api.status_code == 200
    row = re.search(r"<tr><td>may-chu-tinh</td>.*?</tr>", created.text, re.S).group(0)
    assert '<td>Chỉ đọc</td><td data-state="active">Đang dùng</td>' in row  # words, not codes
    # "Đọc và ghi" gives a token that reads and writes (a write scope alone could not read)
    created = browser.post("/admin/tokens", data={"csrf_token": csrf_of(page.text),
                                                  "username": "hanoi.reporter",
                                                  "name": "nhap-lieu", "scope": "write"})
    tokens = browser.get("/admin", params={"format": "json"}).json()["tokens"]
    [written] = [tk for tk in tokens if tk["name"] == "nhap-lieu"]
    assert written["scopes"] == ["read", "write"] and written["scopes_label"] == "Đọc và ghi"
    assert [o["label"] for o in browser.get("/admin", params={"format": "json"}).json()[
        "token_levels"]] == ["Chỉ đọc", "Đọc và ghi", "Quản trị"]
    bad_user = browser.post("/admin/users", data={"csrf_token": csrf_of(page.text),
                                                  "username": "x y", "password": "ngan",
                                                  "role": "reporter", "orgunit": "ZZ"})
    assert 'class="alert"' in bad_user.text


def test_a_reporter_cannot_open_admin_or_another_units_form(browser: TestClient) -> None:
    log_in(browser, "hanoi.reporter", lands="/reporting")  # a reporter lands on the reports
    assert browser.get("/admin").status_code == 403
    assert "Bạn không có quyền" in browser.get("/admin").text
    assert browser.get("/reporting/BC-CDS/79/2026Q3").status_code == 403


def test_lead_agency_reports_task_progress_with_evidence(browser: TestClient) -> None:
    anonymous_view = browser.get("/tasks/NV-03")
    assert 'id="progress-form"' not in anonymous_view.text
    log_in(browser, "hanoi.reporter", "/tasks/NV-03")
    page = browser.get("/tasks/NV-03")
    assert 'id="progress-form"' in page.text
    token = csrf_of(page.text)
    refused = browser.post("/tasks/NV-03/progress",
                           data={"csrf_token": token, "status": "done", "percent": "50"})
    assert refused.status_code == 200
    assert "Nhiệm vụ đã hoàn thành thì tỷ lệ hoàn thành phải là 100 %" in refused.text
    assert 'id="err-percent"' in refused.text and 'value="50"' in refused.text
    assert browser.get("/tasks/NV-03", params={"format": "json"}).json()["history"] == []
    saved = browser.post("/tasks/NV-03/progress", follow_redirects=False, data={
        "csrf_token": token, "status": "in_progress", "percent": "40",
        "note": "Đã trình dự thảo kế hoạch", "evidence_url": "https://hanoi.gov.vn/ke-hoach"},
        files={"file": ("bien-ban.pdf", b"%PDF-1.4 test evidence", "application/pdf")})
    assert saved.status_code == 303, saved.text
    data = browser.get("/tasks/NV-03", params={"format": "json"}).json()
    [update] = data["history"]
    assert (update["status"], update["percent"], update["by"]) == ("in_progress", 40.0,
                                                                    "hanoi.reporter")
    assert update["evidence_file"]["filename"] == "bien-ban.pdf"
    evidence = browser.get(update["evidence_file_url"])
    assert evidence.status_code == 200 and evidence.content.startswith(b"%PDF")
    html = browser.get("/tasks/NV-03", params={"done": "progress_saved"}).text
    assert "Đã cập nhật tiến độ." in html and "Đã trình dự thảo kế hoạch" in html
    # another unit's task is not theirs to update
    assert 'id="progress-form"' not in browser.get("/tasks/NV-04").text
    other = browser.post("/tasks/NV-04/progress", data={"csrf_token": token,
                                                        "status": "in_progress"})
    assert other.status_code == 403


def test_approver_returns_a_report_with_a_comment_the_reporter_sees(workspace: Path) -> None:
    url = "/reporting/BC-CDS/01/2026Q2"
    with TestClient(make_app(workspace), raise_server_exceptions=False) as reporter:
        log_in(reporter, "hanoi.reporter", url)
        token = csrf_of(reporter.get(url).text)
        sent = reporter.post(url, follow_redirects=False, data={
            "csrf_token": token, "action": "submit", "v_ho_so_tiep_nhan": "800",
            "v_ty_le_hai_long": "88"})
        assert sent.status_code == 303
        submission = reporter.get(url, params={"format": "json"}).json()["submission"]
    with TestClient(make_app(workspace), raise_server_exceptions=False) as approver:
        log_in(approver, "hanoi.approver", url)
        token = csrf_of(approver.get(url).text)
        empty = approver.post(f"/submissions/{submission['id']}/return",
                              data={"csrf_token": token, "comment": "  "})
        assert "Hãy ghi lý do trả lại báo cáo." in empty.text  # in the page's language
        returned = approver.post(f"/submissions/{submission['id']}/return",
                                 data={"csrf_token": token, "comment": "Thiếu số liệu quý"},
                                 follow_redirects=False)
        assert returned.status_code == 303
    with TestClient(make_app(workspace), raise_server_exceptions=False) as reporter:
        log_in(reporter, "hanoi.reporter", url)
        page = reporter.get(url)
        assert "Bị trả lại" in page.text and "Thiếu số liệu quý" in page.text
        assert 'id="report-form"' in page.text  # editable again
        # the returned values are kept in the form, in Vietnamese number format
        assert 'value="800"' in page.text and 'value="88"' in page.text

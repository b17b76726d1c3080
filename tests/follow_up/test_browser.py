"""In Chromium: a reporter sees the unread notice of a returned submission by the bell, opens
it, reads the comment, fixes the report and resubmits; an extension requested by the reporter
and granted by the programme office is shown in the task's timeliness."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from server import serve
from sqlalchemy.orm import Session

from sodo.domain.forms import ValueInput
from sodo.domain.periods import vietnam_today
from sodo.domain.permissions import Actor, Role
from sodo.http.app import create_app
from sodo.services import reporting
from sodo.services.settings import Settings
from sodo.stores.operational.tables import make_engine

from .conftest import PASSWORD
from .test_remind import remind

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".who strong")).to_have_text(username)


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Đăng xuất|Log out")).click()


def test_returned_notice_fix_resubmit_and_extension(workspace: Path, smtp) -> None:
    today = vietnam_today()
    # the report whose period is open today, submitted and returned with a comment
    engine = make_engine(Settings.open(workspace).database_url)
    reporter = Actor("hn.reporter", Role.REPORTER, "01")
    with Session(engine) as session:
        period = reporting.get_form(session, "BC-THANG").open_period(today)
        sub = reporting.save_draft(session, reporter, "BC-THANG", "01", period.id,
                                   [ValueInput("ho_so", 12)], today=today)
        reporting.submit(session, reporter, sub.id, today=today)
        reporting.return_submission(session, Actor("hn.approver", Role.APPROVER, "01"),
                                    sub.id, "Số hồ sơ quá thấp, kiểm tra lại")
        session.commit()
    engine.dispose()
    assert any(r["kind"] == "submission_returned" for r in remind(workspace, today.isoformat()))

    app = create_app(replace(Settings.open(workspace), today=today))
    errors: list[str] = []
    with serve(app) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(base_url=base_url, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, "hn.reporter")
        bell = page.locator("#bell")
        expect(bell.locator("#unread-count")).to_be_visible()
        unread = int(bell.locator("#unread-count").inner_text())
        bell.click()
        expect(page.get_by_role("heading", name="Thông báo", level=1)).to_be_visible()
        page.locator("#notices tr.unread").filter(has_text="bị trả lại").get_by_role(
            "link").click()
        expect(page.locator("#notice-body")).to_contain_text("Số hồ sơ quá thấp, kiểm tra lại")
        if unread > 1:
            expect(page.locator("#unread-count")).to_have_text(str(unread - 1))
        else:
            expect(page.locator("#unread-count")).to_have_count(0)
        page.locator("#notice-item").click()
        expect(page).to_have_url(re.compile(rf"/reporting/BC-THANG/01/{period.id}$"))
        page.get_by_label(re.compile("Số hồ sơ tiếp nhận")).fill("1200")
        page.get_by_role("button", name="Gửi báo cáo").click()
        expect(page.locator("#done-message")).to_have_text("Đã gửi báo cáo để phê duyệt.")

        # the reporter asks for an extension of the overdue task; the office grants it
        page.goto("/tasks/NV-A")
        page.get_by_label("Thời hạn đề nghị").fill(f"{today.year + 1}-01-31")
        page.get_by_label("Lý do").fill("Chờ phân bổ kinh phí")
        page.get_by_role("button", name="Xin gia hạn").click()
        expect(page.locator("#extensions")).to_contain_text("Chờ quyết định")
        log_out(page)
        log_in(page, "admin")
        page.goto("/tasks/NV-A")
        page.get_by_role("button", name="Đồng ý gia hạn").click()
        expect(page.locator("#extensions")).to_contain_text("Đã đồng ý")
        expect(page.locator("#timeliness")).to_contain_text("Thời hạn gốc: 31/03/2026")
        expect(page.locator("#timeliness")).to_contain_text(f"31/01/{today.year + 1}")
        expect(page.locator(".lead-line .badge")).to_have_text("Đang thực hiện")
        browser.close()
    assert errors == []

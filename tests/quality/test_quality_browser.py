"""The "Chất lượng dữ liệu" page in a real browser (Debian's Chromium, served by uvicorn): the
principles × agencies heat table, the drill-down to an agency's failing checks, examples only
for a signed-in reader, the unit page's own scorecard; screenshots for the docs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from quality_helpers import ADMIN, TODAY, build_scored_workspace, clean_dossier, dossiers_table
from server import serve

from sodo.http.app import create_app
from sodo.services import accounts, quality, records
from sodo.services.context import AppContext
from sodo.services.settings import Settings

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PASSWORD = "mat-khau-chat-luong"

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = build_scored_workspace(tmp_path_factory.mktemp("qweb") / "ws")
    settings = replace(Settings.open(root), today=TODAY)
    with AppContext(settings) as ctx:
        quality.compute(ctx, ADMIN, period="2025Q3")
        # a batch accepted with a warning (paid online though the procedure has no fee)
        rows = [clean_dossier(f"LO-{i}", "01", datetime(2025, 12, 2 + i, 9)) for i in range(3)]
        rows[1]["paid_online"], rows[1]["fee_required"] = True, False
        batch = root.parent / "batch.csv"
        pacsv.write_csv(dossiers_table(rows), batch)
        records.ingest(ctx, ADMIN, "dossiers", [batch])
        with ctx.session() as session:
            accounts.create_user(session, ADMIN, "admin", PASSWORD, "admin", orgunit="VN")
            session.commit()
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _page(browser: Browser, base_url: str, errors: list[str], width: int = 1366) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=base_url,
                                  locale="vi-VN")
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(20000)
    return page


def test_heat_table_and_drill_down(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = _page(browser, base_url, errors)
    page.goto("/")
    expect(page.locator("#quality-worst")).to_contain_text(
        "Cơ quan có điểm chất lượng dữ liệu thấp nhất")
    page.get_by_role("link", name="Chất lượng dữ liệu").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chất lượng dữ liệu")
    heat = page.locator("#quality-heat")
    expect(heat.locator("thead th")).to_contain_text(["Cơ quan, đơn vị", "Đúng", "Đủ", "Sạch",
                                                      "Sống", "Thống nhất", "Đồng bộ",
                                                      "Kết nối", "Dùng chung", "Chung"])
    bad = heat.locator('tr[data-unit="08"] td[data-principle="dung"]')
    expect(bad).to_have_class("num q-mid")  # (100 + 100 + 60) / 3
    expect(bad).to_have_text("86,7")
    expect(heat.locator('tr[data-unit="01"] td[data-principle="dung"]')).to_have_text("100,0")
    bad.get_by_role("link").click()
    drill = page.locator("#drill")
    expect(drill.get_by_role("heading", level=2)).to_contain_text("Tuyên Quang")
    failing = drill.locator('tr.failing[data-check="dung.cross_field"]')
    expect(failing).to_contain_text("Quy tắc liên trường")
    expect(failing.locator("td.num")).to_have_text("2")
    expect(failing.locator("table.examples")).to_have_count(0)  # anonymous: no records
    expect(page.locator("#examples-hidden")).to_be_visible()

    page.goto("/login?next=/quality%3Funit%3D08%23drill")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto("/quality?dataset=dossiers&period=2025Q3&unit=08#drill")
    examples = page.locator('tr.failing[data-check="dung.cross_field"] table.examples tbody tr')
    expect(examples).to_have_count(2)
    expect(examples.first).to_contain_text("finished_after_received")
    form = page.locator('tr.failing[data-check="dung.cross_field"] form.q-followup')
    form.get_by_label("Cần sửa").check()
    form.get_by_label("Ghi chú").fill("Sở sẽ sửa thời điểm hoàn thành")
    form.get_by_role("button", name="Ghi nhận").click()
    expect(page.locator("#followup-done")).to_be_visible()
    expect(page.locator('tr.failing[data-check="dung.cross_field"] table.examples')) \
        .to_contain_text("Cần sửa")
    page.screenshot(path=str(SHOTS / "quality-desktop.png"), full_page=True)

    page.select_option("#q-dataset", "BC-CDS-TINH-QUY")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator('#quality-heat tr[data-unit="79"] td[data-principle="dong_bo"]')) \
        .to_have_text("0,0")
    page.goto("/units/08")
    card = page.locator("#unit-quality")
    expect(card).to_contain_text("Chất lượng dữ liệu")
    expect(card.locator("tbody tr").filter(has_text="Hồ sơ thủ tục hành chính")).to_contain_text("86,7")
    page.locator("#unit-quality").screenshot(path=str(SHOTS / "quality-unit-card.png"))
    assert not errors, errors


def test_batch_warnings_on_the_quality_page(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = _page(browser, base_url, errors)
    page.goto("/quality")
    section = page.locator("#batch-warnings")
    expect(section.get_by_role("heading", level=2)).to_have_text("Cảnh báo khi nạp dữ liệu")
    expect(section.locator('tr[data-check="dung.cross_field"]')).to_contain_text(
        "Quy tắc liên trường")
    expect(section).not_to_contain_text("LO-1")  # anonymous: no record examples
    page.goto("/login?next=/quality%23batch-warnings")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    example = page.locator("#batch-warnings table.examples tbody tr").first
    expect(example).to_contain_text("LO-1")
    expect(example.locator("td").first).to_have_text("2")  # the file's data row
    expect(example).to_contain_text("paid_online_needs_fee")
    page.locator("#batch-warnings").screenshot(
        path=str(SHOTS / "quality-batch-warnings-desktop.png"))
    assert not errors, errors


def test_quality_page_on_a_phone(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = _page(browser, base_url, errors, width=390)
    page.goto("/quality?unit=11#drill")
    expect(page.locator("#drill")).to_be_visible()
    page.screenshot(path=str(SHOTS / "quality-phone.png"))
    assert not errors, errors

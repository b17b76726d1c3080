"""The review page in a real browser: an admin pastes notice 4/TB-VPCP, sees every proposal
marked in the text, fixes one proposal's partners with the unit picker, rejects another,
accepts the rest; the accepted tasks are in the workspace programme's YAML file and on the
task board. A bad code is refused in place, keeping what was typed. No console error."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
sys.path.insert(0, str(Path(__file__).parents[1] / "support"))

from server import serve
from workspace_builder import PASSWORD, TODAY, build_workspace

from sodo.http.app import create_app
from sodo.services.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
NOTICE = Path(__file__).parent / "fixtures" / "4-TB-VPCP-2026.txt"
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"

if not CHROMIUM.exists():  # pragma: no cover
    pytest.fail("Chromium is missing: apt-get install -y chromium", pytrace=False)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("extract-browser") / "ws")


@pytest.fixture(scope="module")
def base_url(workspace: Path) -> Iterator[str]:
    with serve(create_app(replace(Settings.open(workspace), today=TODAY))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _page(browser: Browser, base_url: str, errors: list[str], width: int = 1366,
          height: int = 900) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  base_url=base_url, locale="vi-VN")
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(20000)
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".who strong")).to_have_text("admin")
    return page


def test_review_and_accept_the_notice(browser: Browser, base_url: str, workspace: Path) -> None:
    if not NOTICE.exists():
        pytest.skip("the seed notice 4/TB-VPCP is not on this machine")
    errors: list[str] = []
    page = _page(browser, base_url, errors)
    page.locator("#nav-admin summary").click()  # the admin's pages sit under "Quản trị"
    page.get_by_role("link", name="Trích xuất nhiệm vụ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trích xuất nhiệm vụ")
    page.locator("#x-text").fill(NOTICE.read_text(encoding="utf-8"))
    page.locator("#x-run").click()

    proposals = page.locator("fieldset.proposal")
    expect(proposals).to_have_count(19)
    expect(page.locator("#doc-text mark.span")).to_have_count(19)
    # every proposal is marked at its span: the mark of proposal 13 holds its words
    expect(page.locator("#span-13")).to_contain_text("Đề án hỗ trợ doanh nghiệp nhỏ và vừa")
    expect(page.locator("#p13-lead")).to_have_value("BKHCN")
    expect(page.locator("#p13-deadline_text")).to_have_value("trong tháng 01/2026")
    # the unit picker shows the names of the codes typed
    expect(page.locator('.picked[data-for="p12-partners"]')).to_have_text(
        "Bộ Nội vụ, Bộ Khoa học và Công nghệ")
    page.locator("#p11-partners").fill("BKHCN, BTC")
    expect(page.locator('.picked[data-for="p11-partners"]')).to_have_text(
        "Bộ Khoa học và Công nghệ, Bộ Tài chính")
    page.locator("#proposal-13 a.show-span").click()
    expect(page.locator("#span-13")).to_have_class(re.compile("active"))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "extract-desktop.png"))

    # a code that is no unit is refused in place, what was typed is kept
    page.locator("#proposal-1").get_by_label("Nhận").check()
    page.locator("#p1-lead").fill("XYZ")
    page.get_by_role("button", name="Đưa các nhiệm vụ đã nhận vào chương trình").click()
    expect(page.locator("#extract-error")).to_be_visible()
    expect(page.locator("#p1-lead")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#p1-lead")).to_have_value("XYZ")
    expect(page.locator("#p11-partners")).to_have_value("BKHCN, BTC")
    assert not (workspace / "programme" / "tasks-extracted.yaml").exists()

    page.locator("#p1-lead").fill("VN")
    page.locator("#proposal-6").get_by_label("Bỏ").check()
    expect(page.locator("#span-6")).to_have_class(re.compile("reject"))
    page.get_by_role("button", name="Đưa các nhiệm vụ đã nhận vào chương trình").click()
    # 11 proposals were accepted as proposed (confidence ≥ 0.5), one more by hand, one rejected
    expect(page.locator("#extract-done")).to_contain_text("Đã thêm 11 nhiệm vụ")
    written = (workspace / "programme" / "tasks-extracted.yaml").read_text(encoding="utf-8")
    assert "4-TB-VPCP-01" in written and "4-TB-VPCP-06" not in written
    assert re.search(r"id: 4-TB-VPCP-11\n(?:.*\n)*?  partners:\n  - BKHCN\n  - BTC\n", written)
    page.get_by_role("link", name="4-TB-VPCP-13").click()
    expect(page.locator("h1")).to_contain_text("Đề án hỗ trợ doanh nghiệp nhỏ và vừa")
    assert not errors, errors


def test_review_page_on_a_phone(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = _page(browser, base_url, errors, width=390, height=844)
    page.goto("/extract")
    page.locator("#x-text").fill(
        (Path(__file__).parent / "cases" / "5866-VPCP-KGVX-2014.txt").read_text("utf-8"))
    page.locator("#x-run").click()
    expect(page.locator("fieldset.proposal")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "extract-phone.png"))
    assert not errors, errors

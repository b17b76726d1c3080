"""Issue 11 in a real browser (Debian's Chromium through Playwright, the app served by uvicorn):
downloads with Vietnamese file names, tables downloaded as shown, messages in the user's
language with typed input kept, overdue reports flagged, provisional marks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from server import serve
from workspace_builder import build_workspace

from .conftest import make_app
from .test_browser import Console, browser, log_in, log_out, new_page

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for this module's tests

EVIDENCE_NAME = "Tờ trình 123-TTr-BKHCN.pdf"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workspace = build_workspace(tmp_path_factory.mktemp("browser-i11") / "ws")
    with serve(make_app(workspace)) as url:
        yield url


def test_evidence_with_vietnamese_name_downloads_under_its_name(
        browser: Browser, base_url: str, tmp_path: Path) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    log_in(page, "hanoi.reporter")
    page.goto("/tasks/NV-03")
    page.get_by_label("Trạng thái").select_option("in_progress")
    page.get_by_label(re.compile("Tỷ lệ hoàn thành")).fill("40")
    upload = tmp_path / EVIDENCE_NAME
    upload.write_bytes(b"%PDF-1.4 to trinh\n")
    page.locator("#p-file").set_input_files(str(upload))
    page.get_by_role("button", name="Cập nhật tiến độ").click()
    link = page.locator("#history").get_by_role("link", name=EVIDENCE_NAME)
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == EVIDENCE_NAME
    saved = tmp_path / "saved.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == b"%PDF-1.4 to trinh\n"
    log_out(page)
    assert console.errors == [], console.errors

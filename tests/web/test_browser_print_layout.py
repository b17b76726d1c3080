"""Issue 11 items 15 and 16 in a real browser (Chromium through Playwright): the ministry-level
explorer uses the width of a 1366 px screen, and pages print on A4 without the navigation,
the header's controls, buttons or download links."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Browser, expect
from server import serve
from sqlalchemy import insert
from workspace_builder import build_workspace

from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy
from sodo.services.settings import Settings
from sodo.stores.operational.tables import indicator_value, make_engine

from .conftest import make_app
from .test_browser import Console, browser, new_page

pytestmark = pytest.mark.browser
__all__ = ["browser"]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workspace = build_workspace(tmp_path_factory.mktemp("browser-print") / "ws")
    # the 766 index of every ministry for the quarter (the builder computes provinces only)
    ministries = [u.code for u in default_hierarchy().current(date(2026, 9, 30))
                  if u.level is OrgUnitLevel.MINISTRY]
    engine = make_engine(Settings.open(workspace).database_url)
    with engine.begin() as conn:
        conn.execute(insert(indicator_value), [
            {"indicator": "svc766_total", "orgunit": code, "period": "2026Q3",
             "period_type": "quarter", "category": "", "value": 60.0 + i * 1.5,
             "origin": "computed", "state": "approved", "run_id": 1,
             "updated_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC)}
            for i, code in enumerate(ministries)])
    engine.dispose()
    with serve(make_app(workspace)) as url:
        yield url


USED = """() => { const main = document.querySelector('main').getBoundingClientRect();
    const boxes = [...document.querySelectorAll('main > .grid-main > section, main > section')]
        .map(e => e.getBoundingClientRect()).filter(b => b.height > 40);
    const right = Math.max(...boxes.map(b => b.right)), left = Math.min(...boxes.map(b => b.left));
    const table = document.querySelector('#ranking').getBoundingClientRect();
    return {main: main.width, used: right - left, table: table.width,
            card: document.querySelector('#ranking').closest('section').getBoundingClientRect().width}; }"""


def test_the_ministry_explorer_uses_the_width_of_the_screen(browser: Browser,
                                                            base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)  # 1366 × 768
    for level in ("ministry", "province"):
        page.goto(f"/explorer?level={level}")
        expect(page.locator("#ranking")).to_be_visible()
        box = page.evaluate(USED)
        # the cards fill the content column: no half-page left empty beside them
        assert box["used"] >= 0.95 * box["main"], (level, box)
        if level == "ministry":  # no map: the ranking takes the whole width
            assert box["card"] >= 0.95 * box["main"], (level, box)
        assert box["table"] >= 0.9 * box["card"] - 40, (level, box)
        height = page.evaluate("document.querySelector('header.top').offsetHeight")
        assert height <= 64, (level, height)  # the header stays on one line
        inner = page.evaluate("""() => { const s = document.querySelector('.ranking-scroll');
            return s.scrollHeight - s.clientHeight; }""")
        assert inner <= 1, (level, inner)  # the ranking is not in an inner scroll box
    assert console.errors == [], console.errors


def test_pages_print_without_navigation_controls_or_downloads(browser: Browser,
                                                              base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    page.goto("/targets")
    expect(page.locator("#nav")).to_be_visible()
    expect(page.locator(".downloads").first).to_be_visible()
    page.emulate_media(media="print")
    for url in ("/targets", "/explorer", "/tasks"):
        page.goto(url)
        expect(page.locator("#nav")).to_be_hidden()
        expect(page.locator("header.top .tools")).to_be_hidden()
        expect(page.locator(".menu-toggle")).to_be_hidden()
        assert page.locator(".downloads").count() == 0 or not any(
            d.is_visible() for d in page.locator(".downloads").all()), url
        assert not any(b.is_visible() for b in page.locator("main button").all()), url
        assert not any(f.is_visible() for f in page.locator("form.pickers").all()), url
        expect(page.locator("main h1")).to_be_visible()  # the content prints
        # links print as text, table rows are not cut across pages
        link = page.locator("main table a").first
        if link.count():
            assert link.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"
        assert page.locator("main tr").first.evaluate(
            "e => getComputedStyle(e).breakInside") == "avoid"
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1
    page.emulate_media(media="screen")
    page.goto("/targets")
    expect(page.locator("#nav")).to_be_visible()
    assert console.errors == [], console.errors

"""The open-data pages in a real browser (Playwright driving Debian's Chromium): the catalogue
filters as one types (diacritics ignored), an indicator's page draws its map and chart and
downloads its files — served by sodo, and as the static export served by a plain web server.
No console error on any page."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from server import serve

from sodo.domain.permissions import Actor
from sodo.services import opendata_publish as pub
from sodo.web.opendata_static import write_pages

from .conftest import Site, make_site

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=30_000)  # Plotly's 4 MB script parses slowly on a busy machine


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("od-browser") / "ws")
    yield made
    made.app.state.ctx.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Browser, base_url: str, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=base_url,
                                  locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    page.set_default_timeout(20000)
    return page


def visible_codes(page: Page) -> list[str]:
    return page.eval_on_selector_all("#od-datasets tbody tr:not([hidden])",
                                     "rows => rows.map(r => r.dataset.code)")


def catalogue_and_indicator(page: Page, catalogue: str) -> None:
    page.goto(catalogue)
    expect(page.locator("h1")).to_have_text("Dữ liệu mở")
    assert len(visible_codes(page)) == 5
    page.fill("#od-q", "ho so tiep")  # no diacritics, as people type
    assert visible_codes(page) == ["ho_so_tiep_nhan"]
    expect(page.locator("#od-count")).to_have_text("1/5 bộ dữ liệu")
    page.fill("#od-q", "")
    page.select_option("#od-level", "province")
    assert visible_codes(page) == ["ho_so_tiep_nhan", "svc766_total"]
    page.select_option("#od-theme", "kinh-te-so")
    assert visible_codes(page) == []
    expect(page.locator("#od-none")).to_be_visible()
    page.select_option("#od-theme", "")
    page.select_option("#od-level", "")
    page.click("#od-datasets tr[data-code=svc766_total] a >> nth=0")
    expect(page.locator("h1")).to_have_text("Tổng điểm Bộ chỉ số 766")
    page.wait_for_selector("#od-map .choroplethlocation")
    assert page.locator("#od-map .choroplethlocation").count() == 34
    with page.expect_download() as info:
        page.click(".od-downloads a[data-format=csv]")
    download = info.value
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert download.suggested_filename == "svc766_total.csv"
    assert len(rows) == 34 and {r["period"] for r in rows} == {"2026Q2"}


def test_the_catalogue_and_an_indicator_page(browser: Browser, site: Site) -> None:
    errors: list[str] = []
    with serve(site.app, site.port) as url:
        page = open_page(browser, url, errors)
        catalogue_and_indicator(page, "/du-lieu-mo")
        page.goto("/du-lieu-mo/dvc_online?lang=en")
        page.wait_for_selector("#od-chart .scatterlayer")
        expect(page.locator("#h-targets")).to_have_text("Progress of its targets")
        expect(page.locator("#od-targets li")).to_have_count(1)
        assert "Target (2026)" in page.inner_text("#od-chart")  # the target line's label
        page.context.close()
    assert errors == []


def test_the_static_export_works_from_a_plain_web_server(browser: Browser, site: Site,
                                                        tmp_path: Path) -> None:
    ctx = site.app.state.ctx
    pub.export(ctx, Actor.anonymous(), tmp_path)
    write_pages(ctx, tmp_path)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    errors: list[str] = []
    try:
        page = open_page(browser, f"http://127.0.0.1:{httpd.server_address[1]}", errors)
        catalogue_and_indicator(page, "/du-lieu-mo/index.html")
        page.click("a[hreflang=en]")
        expect(page.locator("h1")).to_have_text("766 service index, total")
        page.context.close()
    finally:
        httpd.shutdown()
    assert errors == []

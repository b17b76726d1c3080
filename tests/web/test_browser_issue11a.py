"""Issue 11, second pass, in a real browser: provisional marks on the targets page and the
overview's ranking (and their downloads); every indicator whose values a user can see is
served by the API with names, unit, definition and source, and shown with its own unit;
messages a user can cause said in Vietnamese on the field, typed input kept."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from server import serve
from sqlalchemy import insert, update
from workspace_builder import build_workspace, province_codes

from sodo.services.settings import Settings
from sodo.stores.operational.tables import indicator_value, make_engine

from .conftest import make_app
from .test_browser import Console, browser, log_in, log_out, new_page

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for this module's tests

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workspace = build_workspace(tmp_path_factory.mktemp("browser-i11a") / "ws")
    engine = make_engine(Settings.open(workspace).database_url)
    with engine.begin() as conn:
        # every quarter of the 766 index computed from only some of its months: the overview
        # has no complete period to rank on, and must say that the one it shows is provisional
        conn.execute(update(indicator_value).where(indicator_value.c.indicator == "svc766_total")
                     .values(provisional=True))
        rows = [
            # a newer quarter of the target's indicator, incomplete: left out, and said so
            {"indicator": "dvc_online", "orgunit": "VN", "period": "2026Q3",
             "period_type": "quarter", "category": "", "value": 61.0, "provisional": True},
        ]
        for i, code in enumerate(province_codes()):
            # a 766 component (a percentage) and its points
            rows.append({"indicator": "svc766_2_1", "orgunit": code, "period": "2026Q3",
                         "period_type": "quarter", "category": "", "value": 55.5 + i,
                         "numerator": 55.5 + i, "denominator": 100.0})
            rows.append({"indicator": "svc766_2_1_score", "orgunit": code, "period": "2026Q3",
                         "period_type": "quarter", "category": "", "value": 2.5})
        conn.execute(insert(indicator_value), [
            {"origin": "computed", "state": "approved", "run_id": 1, "updated_at": NOW,
             "provisional": False, **r} for r in rows])
    engine.dispose()
    with serve(make_app(workspace)) as url:
        yield url


def _download_csv(page: Page, link: Locator) -> list[list[str]]:
    with page.expect_download() as info:
        link.click()
    body = Path(info.value.path()).read_bytes()
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_provisional_marks_on_targets_and_the_overview_ranking(browser: Browser,
                                                              base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    page.goto("/")
    expect(page.locator("#lagging-period")).to_contain_text("Quý III/2026")
    expect(page.locator("#lagging-provisional")).to_have_text("tạm tính")
    lagging = page.locator("section[aria-labelledby=h-lagging]")
    rows = _download_csv(page, lagging.locator(".downloads a[data-format=csv]"))
    assert rows[0][:4] == ["Mã", "Tỉnh, thành phố", "Tổng điểm (điểm)", "Hạng"]
    assert len(rows) - 1 == lagging.locator("tbody tr").count() == 5
    assert "tạm tính" in rows[1][-1].lower()
    shown = lagging.locator("tbody tr").first.locator("td").all_inner_texts()
    assert rows[1][1] == shown[0] and shown[1].count(",") == 1  # "69,00": the index's decimals

    page.goto("/targets")
    row = page.locator("#targets tbody tr", has=page.locator('a[href="/targets/MT-DVC"]'))
    note = row.locator(".provisional-note")
    expect(note).to_contain_text("tạm tính")
    expect(note).to_contain_text("Quý III/2026")
    expect(row).to_contain_text("Năm 2025")  # the latest value used, and its period
    other = page.locator("#targets tbody tr", has=page.locator('a[href="/targets/MT-KTS"]'))
    expect(other.locator(".provisional-note")).to_have_count(0)
    rows = _download_csv(page, page.locator(".downloads a[data-format=csv]").first)
    column = rows[0].index("Tạm tính")
    by_code = {r[0]: r for r in rows[1:]}
    assert "Quý III/2026" in by_code["MT-DVC"][column]
    assert by_code["MT-KTS"][column] == ""
    assert console.errors == [], console.errors


def test_every_indicator_a_user_sees_is_served_with_its_metadata(browser: Browser,
                                                                 base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    seen: set[str] = set()
    page.goto("/explorer")
    seen |= {v for v in page.locator("select[name=indicator] option").evaluate_all(
        "os => os.map(o => o.value)") if v}
    page.goto("/public?per_page=500")
    seen |= {r.get_attribute("data-indicator")
             for r in page.locator("#public-values tbody tr").all()}
    unit = page.request.get("/units/01?format=json").json()
    seen |= {r["code"] for r in unit["scorecard"]["rows"]}
    seen |= {r["indicator"] for r in unit["key_indicators"]}
    log_in(page, "admin")
    for code in ("svc766_2_1", "svc766_2_1_score", "svc766_total", "dvc_online"):
        api = page.request.get(f"/api/v1/values?dx={code}&pe=2026Q3;2025&ou=LEVEL-province;VN")
        assert api.ok, api.text()
        seen |= {r["indicator"] for r in api.json()["rows"]}
    log_out(page)
    assert {"svc766_2_1", "svc766_2_1_score", "svc766_total", "svc766_g1"} <= seen, seen
    problems = {}
    for code in sorted(seen):
        answer = page.request.get(f"/api/v1/indicators/{code}")
        if not answer.ok:
            problems[code] = answer.status
            continue
        ind = answer.json()
        missing = [f for f in ("name", "name_en", "unit") if not ind.get(f)]
        if not (ind.get("method") or ind.get("description")):
            missing.append("definition")
        if not (ind.get("source") or {}).get("document") and code.startswith("svc766"):
            missing.append("source")
        if missing:
            problems[code] = missing
    assert problems == {}, problems
    # a percentage is shown as one, a score as points
    assert page.request.get("/api/v1/indicators/svc766_2_1").json()["unit"] == "%"
    page.goto("/explorer?indicator=svc766_2_1&period=2026Q3")
    header = page.locator("#ranking thead").inner_text()
    assert "(%)" in header and "điểm" not in header, header
    expect(page.locator("#ranking tbody tr").first.locator("td").nth(2)).to_have_text(
        re.compile(r"^\d+,\d{2}$"))
    page.goto("/explorer?indicator=svc766_2_1_score&period=2026Q3")
    assert "điểm" in page.locator("#ranking thead").inner_text()
    assert console.errors == [], console.errors

"""Issue 11, the pages a leader and an analyst read, in a real browser (Debian's Chromium
through Playwright, the app served by uvicorn): the map says what its colours mean, labels
the archipelagos, tells on hover the value with its unit, the rank and the period, and says
so when there is nothing to map."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from server import serve
from sqlalchemy import insert
from workspace_builder import build_workspace, province_codes

from sodo.services.settings import Settings
from sodo.stores.operational.tables import indicator_value, make_engine

from .conftest import make_app
from .test_browser import Console, browser, new_page

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for this module's tests

# four provinces without a value for cap_quang in 2026Q3
UNREPORTED = ("04", "08", "11", "12")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workspace = build_workspace(tmp_path_factory.mktemp("browser-i11-pages") / "ws")
    engine = make_engine(Settings.open(workspace).database_url)
    with engine.begin() as conn:
        conn.execute(insert(indicator_value), [
            {"indicator": "cap_quang", "orgunit": code, "period": "2026Q3",
             "period_type": "quarter", "category": "", "value": 50.0 + i, "origin": "computed",
             "state": "approved", "run_id": 1,
             "updated_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC)}
            for i, code in enumerate(province_codes()) if code not in UNREPORTED])
    engine.dispose()
    with serve(make_app(workspace)) as url:
        yield url


# Fill and outline colour of each province on a map, by code (the choropleth traces' paths
# follow their locations' order).
PATHS = """const layers = gd.querySelectorAll('.choroplethlayer .trace');
    const traces = gd.calcdata.filter(tr => tr[0].trace.type === 'choropleth');
    const path = (code) => { for (let t = 0; t < traces.length; t++) {
        const i = traces[t].findIndex(d => d.loc === code);
        if (i >= 0) return layers[t].querySelectorAll('path')[i]; } };"""
FILLS = """(id) => { const gd = document.getElementById(id); const out = {}; """ + PATHS + """
    for (const tr of traces) for (const d of tr) { const s = getComputedStyle(path(d.loc));
        out[d.loc] = [s.fill, s.stroke]; }
    return out; }"""


def luminance(rgb: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(x) for x in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def hover_text(page: Page, div: str, code: str) -> str:
    """Move the mouse onto province ``code`` (a point inside its outline) and read the label."""
    point = page.evaluate("""([id, code]) => {
        const gd = document.getElementById(id); """ + PATHS + """
        const p0 = path(code), box = p0.getBBox(), svg = p0.ownerSVGElement, m = p0.getScreenCTM();
        for (let dy = 0.5; dy < 1; dy += 0.05) for (let dx = 0.2; dx < 0.8; dx += 0.05) {
            const p = svg.createSVGPoint(); p.x = box.x + box.width * dx; p.y = box.y + box.height * dy;
            if (p0.isPointInFill(p)) { const s = p.matrixTransform(m); return [s.x, s.y]; } }
        return null; }""", [div, code])
    assert point, code
    page.mouse.move(point[0], point[1])
    label = page.locator(f"#{div} .hoverlayer .hovertext")
    expect(label).to_have_count(1)
    return " ".join(label.locator("text.nums tspan.line").all_text_contents())


def test_map_has_a_legend_visible_extremes_labels_and_a_telling_hover(browser: Browser,
                                                                       base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    page.goto("/explorer?indicator=svc766_total&period=2026Q3")
    expect(page.locator("#explorer-map .choroplethlocation")).to_have_count(34)
    # the legend: a colour bar with the unit, and in words the range and which end is better
    expect(page.locator("#explorer-map .colorbar")).to_have_count(1)
    expect(page.locator("#explorer-map .colorbar")).to_contain_text("điểm")
    legend = page.locator("#map-legend")
    expect(legend).to_contain_text("Thang màu từ 40,50 điểm đến 90,00 điểm")
    expect(legend).to_contain_text("cao hơn là tốt hơn")
    # the worst province (Cà Mau, 40.5) is a visible blue with a drawn border, not white
    fills = page.evaluate(FILLS, "explorer-map")
    worst = province_codes()[-1]
    fill, stroke = fills[worst]
    contrast_with_white = 1.05 / (luminance(fill) + 0.05)
    assert contrast_with_white > 1.2 and fill != "rgb(255, 255, 255)", fill
    assert luminance(stroke) < 0.5, stroke
    assert fills["01"][0] == "rgb(8, 48, 107)"  # the best is the darkest
    # Hoàng Sa and Trường Sa are named, with the provinces they belong to
    texts = " ".join(page.locator("#explorer-map .scattergeo text").all_text_contents())
    assert "Quần đảo Hoàng Sa" in texts and "Quần đảo Trường Sa" in texts, texts
    # hover: the province, its value with the unit, its rank and the period
    text = hover_text(page, "explorer-map", "01")
    assert "Hà Nội" in text and "90,00 điểm" in text and "Hạng 1/34" in text, text
    assert "Quý III/2026" in text, text
    assert console.errors == [], console.errors


def test_map_greys_provinces_without_a_value_and_says_how_many(browser: Browser,
                                                               base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    page.goto("/explorer?indicator=cap_quang&period=2026Q3")
    expect(page.locator("#explorer-map .choroplethlocation")).to_have_count(34)
    expect(page.locator("#map-legend")).to_contain_text(
        "Không có số liệu (4 tỉnh, thành phố)")
    fills = page.evaluate(FILLS, "explorer-map")
    assert {fills[c][0] for c in UNREPORTED} == {"rgb(209, 213, 219)"}, fills
    assert fills["01"][0] != "rgb(209, 213, 219)"
    assert "Chưa có số liệu" in hover_text(page, "explorer-map", "04")
    assert console.errors == [], console.errors


def test_an_indicator_without_province_values_says_so_instead_of_a_blank_map(
        browser: Browser, base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    page.goto("/explorer?indicator=kinh_te_so")
    message = page.locator("#no-province-data")
    expect(message).to_contain_text("chưa có số liệu theo tỉnh, thành phố (Năm 2025)")
    expect(message).to_contain_text("Số liệu toàn quốc: 19,50 %")
    expect(page.locator("#explorer-map")).to_have_count(0)
    expect(page.locator("#ranking")).to_have_count(0)  # no 34 rows of dashes
    page.goto("/explorer?indicator=kinh_te_so&level=ministry")
    expect(page.locator("#no-province-data")).to_contain_text("theo bộ, ngành")
    # in English too
    page.goto("/lang/en?next=/explorer%3Findicator%3Dkinh_te_so")
    expect(page.locator("#no-province-data")).to_contain_text("no province values (2025)")
    assert console.errors == [], console.errors


def test_target_page_writes_its_calculation_in_the_readers_language(base_url: str) -> None:
    """The formula with Vietnamese decimals, the series in words (not "year: reported")."""
    import httpx

    page = httpx.get(f"{base_url}/targets/MT-KTS?format=json").json()
    formula, series = page["formula"], page["series_source"]
    assert "bình phương tối thiểu" in formula and "by least squares" not in formula, formula
    # x0 = 18.3 and the ratio with decimal commas; the mean time 2025.5 is not "2.025,5"
    assert "(21,9 − 18,3)/(24 − 18,3) = 0,63" in formula, formula
    assert "(t − 2025,5)" in formula and "Năm 2027" in formula, formula
    assert not re.search(r"\d\.\d", formula), formula  # no dot decimals anywhere
    assert series.startswith("Số liệu theo năm") and "year:" not in series, series
    assert page["formula_en"].startswith("x̂(t) = ")  # the assessment's own text, kept
    html = httpx.get(f"{base_url}/targets/MT-KTS").text
    assert 'id="formula"' in html and "bình phương tối thiểu" in html
    english = httpx.get(f"{base_url}/targets/MT-KTS?format=json",
                        cookies={"sodo_lang": "en"}).json()
    assert "by least squares" in english["formula"] and "18.3" in english["formula"], english
    assert english["series_source"].startswith("Yearly values"), english["series_source"]


def test_yearly_target_series_sits_under_its_years(browser: Browser, base_url: str) -> None:
    console = Console()
    page = new_page(browser, console, base_url)
    page.goto("/targets/MT-KTS")
    chart = page.locator("#target-chart")
    expect(chart.locator(".xtick text").first).to_be_attached()
    ticks = chart.locator(".xtick text").all_text_contents()
    assert "2025" in ticks and all(re.fullmatch(r"\d{4}", x) for x in ticks), ticks
    # the 2025 value (the observed line's last point) is drawn above the label "2025"
    point_x, label_x = page.evaluate("""() => {
        const gd = document.getElementById('target-chart');
        const traces = gd.querySelectorAll('.scatterlayer .trace');
        const pts = traces[traces.length - 1].querySelectorAll('.points path');
        const p = pts[pts.length - 1].getBoundingClientRect();
        const label = [...gd.querySelectorAll('.xtick text')].find(t => t.textContent === '2025')
            .getBoundingClientRect();
        return [p.x + p.width / 2, label.x + label.width / 2]; }""")
    assert abs(point_x - label_x) < 8, (point_x, label_x)
    page.locator("details.chart-table summary").first.click()
    expect(page.locator("details.chart-table tbody tr").last).to_contain_text("Năm 2025")
    assert console.errors == [], console.errors


def test_signed_in_header_is_one_line_at_1366_and_usable_on_a_phone(browser: Browser,
                                                                    base_url: str) -> None:
    from .test_browser import log_in

    console = Console()
    page = new_page(browser, console, base_url)
    log_in(page, "admin")  # the longest bar: every entry, the bell, the user, log out
    for lang in ("vi", "en"):
        page.goto(f"/lang/{lang}?next=/explorer")
        height = page.evaluate("document.querySelector('header.top').offsetHeight")
        assert height <= 64, (lang, height)  # one row (two rows were ~90 px, three ~139)
        overflow = page.evaluate("""() => { const r = [...document.querySelectorAll(
            'header.top a, header.top button, header.top summary')].map(e =>
            e.getBoundingClientRect()); return Math.max(...r.map(b => b.right)) -
            window.innerWidth; }""")
        assert overflow <= 0, (lang, overflow)
    page.goto("/lang/vi?next=/explorer")
    # the bell is drawn, not a glyph the fonts may lack (a box on Debian's Chromium)
    bell = page.locator("#bell")
    expect(bell.locator("svg.bell-icon")).to_have_count(1)
    assert "🔔" not in bell.inner_text()
    # the administrator's pages sit under one entry that opens
    page.locator("#nav-admin summary").click()
    page.locator("#nav-admin").get_by_role("link", name="Nhật ký thông báo đã gửi").click()
    expect(page).to_have_url(re.compile(r"/admin/notices$"))
    expect(page.locator("#nav-admin summary")).to_have_class("current")

    phone = new_page(browser, console, base_url, width=390, height=844)
    log_in(phone, "admin")
    phone.get_by_role("button", name="Trình đơn").click()
    expect(phone.locator("#nav")).to_be_visible()
    phone.locator("#nav-admin summary").click()
    expect(phone.locator("#nav-admin").get_by_role("link", name="Trích xuất nhiệm vụ")
           ).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    assert console.errors == [], console.errors


def test_english_pages_show_the_programmes_english_titles_with_vietnamese_fallback(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Targets and tasks carry optional ``title_en`` (tasks also ``work_en``,
    ``deliverable_en``; indicators ``method_en``): the English pages show them, and the
    Vietnamese where the programme gives none; the Vietnamese pages are unchanged."""
    from fastapi.testclient import TestClient

    root = build_workspace(tmp_path_factory.mktemp("i11-english") / "ws")
    path = root / "programme" / "programme.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    title: Tỷ lệ hồ sơ trực tuyến toàn trình đạt 80%\n",
                        "    title: Tỷ lệ hồ sơ trực tuyến toàn trình đạt 80%\n"
                        "    title_en: 80% of dossiers fully online\n")
    text = text.replace("    method: Số hồ sơ trực tuyến toàn trình / tổng số hồ sơ\n",
                        "    method: Số hồ sơ trực tuyến toàn trình / tổng số hồ sơ\n"
                        "    method_en: Fully-online dossiers / all dossiers\n")
    text = text.replace("    deliverable: Kế hoạch được ban hành\n",
                        "    deliverable: Kế hoạch được ban hành\n"
                        "    deliverable_en: The plan, issued\n"
                        "    title_en: Issue the 2027 digital-transformation plan\n")
    path.write_text(text, encoding="utf-8")
    with TestClient(make_app(root)) as client:
        client.cookies.set("sodo_lang", "en")
        target = client.get("/targets/MT-DVC?format=json").json()
        assert target["title"] == "80% of dossiers fully online"
        assert target["measurement_method"] == "Fully-online dossiers / all dossiers"
        assert client.get("/targets/MT-KTS?format=json").json()["title"] == \
            "Kinh tế số chiếm 30% GDP"  # no English given: the Vietnamese
        task = client.get("/tasks/NV-03").text
        assert "Issue the 2027 digital-transformation plan" in task and "The plan, issued" in task
        client.cookies.set("sodo_lang", "vi")
        assert client.get("/targets/MT-DVC?format=json").json()["title"] == \
            "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 80%"
        assert "Ban hành kế hoạch chuyển đổi số năm 2027" in client.get("/tasks/NV-03").text


def test_notes_from_excel_are_shown_and_kept_when_saved_on_the_web(
        browser: Browser, base_url: str, tmp_path) -> None:
    from openpyxl import load_workbook

    from .test_browser import log_in, log_out
    from .test_browser_issue11 import _value_column

    console = Console()
    page = new_page(browser, console, base_url)
    log_in(page, "hanoi.reporter")
    page.goto("/reporting/BC-CDS/01/2026Q3")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải mẫu Excel").click()
    template = tmp_path / "bieu-mau.xlsx"
    info.value.save_as(template)
    book = load_workbook(template)
    sheet = book["Báo cáo"]
    value_col = _value_column(sheet)
    note_col = next(c.column_letter for c in sheet[4]
                    if str(c.value or "").strip().lower().startswith("ghi chú"))
    for row in sheet.iter_rows(min_row=5):
        codes = [str(c.value) for c in row]
        if "ty_le_hai_long" in codes:
            sheet[f"{value_col}{row[0].row}"] = 91
            sheet[f"{note_col}{row[0].row}"] = "Số liệu của Sở Y tế"
        elif "ho_so_tiep_nhan" in codes:
            sheet[f"{value_col}{row[0].row}"] = 1200
    book.save(template)
    page.locator("#excel-file").set_input_files(str(template))
    page.get_by_role("button", name="Tải lên").click()
    note = page.locator("#n-ty_le_hai_long")
    expect(note).to_have_value("Số liệu của Sở Y tế")  # shown, in the field beside its value
    # saved again through the web form (a value changed): the note stays
    page.get_by_label(re.compile("Số hồ sơ tiếp nhận")).fill("1.300")
    page.locator("#n-ho_so_tiep_nhan").fill("Ước tính")
    page.get_by_role("button", name="Lưu nháp").click()
    page.goto("/reporting/BC-CDS/01/2026Q3")
    expect(page.locator("#n-ty_le_hai_long")).to_have_value("Số liệu của Sở Y tế")
    expect(page.locator("#n-ho_so_tiep_nhan")).to_have_value("Ước tính")
    expect(page.get_by_label(re.compile("Số hồ sơ tiếp nhận"))).to_have_value("1.300")
    log_out(page)
    assert console.errors == [], console.errors


def test_an_overdue_report_form_says_so_beside_its_state(browser: Browser,
                                                         base_url: str) -> None:
    from .test_browser import log_in

    console = Console()
    page = new_page(browser, console, base_url)
    log_in(page, "hanoi.reporter")
    page.goto("/reporting/BC-CDS/01/2026Q2")  # due 28/09/2026; today 27/11/2026
    expect(page.locator("#form-overdue")).to_have_text("Quá hạn 60 ngày")
    page.goto("/reporting/BC-CDS/01/2026Q3")  # due 29/12/2026: not late
    expect(page.locator("#form-overdue")).to_have_count(0)
    assert console.errors == [], console.errors

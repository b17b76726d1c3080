"""The evaluation report's files, opened back: the Word file (python-docx, then LibreOffice to
PDF), the Excel annex (openpyxl) and the API's download — structure, layout and numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader
from server import serve

from sodo.domain.reports import number_vi
from sodo.services.settings import Settings

AS_OF = "2026-01-15"
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"


def sodo(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def made(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("made")
    docx, xlsx = out / "r.docx", out / "r.xlsx"
    common = ("--year", "2025", "--as-of", AS_OF, "--number", "5", "--date", "2026-01-20",
              "--signer", "Nguyễn Văn A", "--workspace", str(demo_workspace))
    content = json.loads(sodo("report", "evaluation", "--out", str(docx), "--format", "json",
                              *common))[0]
    sodo("report", "evaluation", "--out", str(xlsx), *common)
    return {"docx": docx, "xlsx": xlsx, "content": content, "dir": out}


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_word_file_has_the_decree_30_layout(made):
    doc = Document(str(made["docx"]))
    first = doc.sections[0]
    def mm(length) -> int:
        return round(length.mm)

    assert (mm(first.page_width), mm(first.page_height)) == (210, 297)
    assert (mm(first.top_margin), mm(first.bottom_margin)) == (20, 20)
    assert (mm(first.left_margin), mm(first.right_margin)) == (30, 15)
    assert doc.styles["Normal"].font.name == "Times New Roman"
    # Page numbers in the header, not on the first page; appendices restart at 1, landscape.
    assert first.different_first_page_header_footer
    assert 'PAGE' in first.header._element.xml and not first.first_page_header.paragraphs[0].text
    assert len(doc.sections) == 3
    for section in doc.sections[1:]:
        assert mm(section.page_width) == 297
        assert 'w:start="1"' in section._sectPr.xml
    header = doc.tables[0]
    left, right = header.rows[0].cells
    assert left.paragraphs[0].text == "BỘ KHOA HỌC VÀ CÔNG NGHỆ" and left.paragraphs[0].runs[0].bold
    assert [p.text for p in right.paragraphs[:2]] == [QUOC_HIEU, TIEU_NGU]
    number, day = header.rows[1].cells
    assert number.text == "Số: 05/BC-BKHCN"
    assert day.text == "Hà Nội, ngày 20 tháng 01 năm 2026" and day.paragraphs[0].runs[0].italic
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert any("DỮ LIỆU MINH HỌA (DEMO)" in t for t in texts[:8])  # the synthetic-data label
    assert "Nơi nhận:" in _all_text(doc) and "Nguyễn Văn A" in _all_text(doc)
    assert any(t.startswith("(Kèm theo Báo cáo số 05/BC-BKHCN ngày 20 tháng 01 năm 2026")
               for t in texts)
    assert len(doc.inline_shapes) >= 3  # the trend chart, the ranking chart and the map


def test_word_file_carries_every_target_and_its_numbers(made):
    doc = Document(str(made["docx"]))
    content = made["content"]
    appendix = next(t for t in doc.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in appendix.rows[1:]
            if r.cells[0].text.isdigit()}
    assert len(rows) == len(content["targets"])
    for target in content["targets"]:
        row = rows[target["title"]]
        d = target["decimals"]
        assert row[3] == number_vi(target["last_year"], d)
        assert row[4] == number_vi(target["plan"], d)
        assert row[5] == number_vi(target["this_year"], d)
        assert row[6] == number_vi(target["percent_of_plan"], 1)
        assert row[8] == target["status_label"]
    tasks = next(t for t in doc.tables if t.rows[0].cells[1].text == "Nhiệm vụ")
    assert len(tasks.rows) - 1 == len(content["tasks"])
    empty = [k for k, v in content["narrative"].items() if not v]
    assert empty and _all_text(doc).count("chưa có nội dung") == len(empty)


def test_excel_annex_holds_numbers_as_numbers(made):
    wb = load_workbook(made["xlsx"])
    assert wb.sheetnames == ["Phụ lục I", "Phụ lục II"]
    ws = wb["Phụ lục I"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "STT")
    headers = [c.value for c in ws[header_row]]
    assert headers[2].startswith("ĐVT") and headers[6] == "So với KH (%)"
    found = {}
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if isinstance(row[0], int):
            found[row[1]] = row
    content = made["content"]
    assert len(found) == len(content["targets"])
    for target in content["targets"]:
        row = found[target["title"]]
        assert row[2] == target["unit"]
        for col, key in ((3, "last_year"), (4, "plan"), (5, "this_year"),
                         (6, "percent_of_plan"), (7, "percent_of_last_year")):
            if target[key] is None:
                assert row[col] is None
            else:
                assert isinstance(row[col], float | int) and row[col] == pytest.approx(
                    target[key])
    tasks = wb["Phụ lục II"]
    assert tasks.max_row - next(r for r in range(1, 10) if tasks.cell(r, 1).value == "STT") \
        == len(content["tasks"])


MAP_CAPTION = "Hình 3. Bản đồ Bộ chỉ số 766 năm 2025 theo tỉnh, thành phố"


def _picture_before(doc, caption: str) -> bytes:
    """The image in the paragraph just before the one whose text is ``caption``."""
    paragraphs = doc.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.text.startswith(caption))
    blips = paragraphs[at - 1]._element.findall(".//" + qn("a:blip"))
    assert len(blips) == 1, "no picture above the caption"
    return doc.part.related_parts[blips[0].get(qn("r:embed"))].blob


def test_word_file_has_the_34_province_map(made):
    from PIL import Image

    from sodo.services.reports.charts import MAP_GREYS, province_map, province_shapes

    doc = Document(str(made["docx"]))
    image = _picture_before(doc, MAP_CAPTION)
    assert image.startswith(b"\x89PNG")
    content = made["content"]
    # The picture is the map of the report's own ranking (the drawing is deterministic).
    assert image == province_map(content["ranking"], "VN",
                                 "Bộ chỉ số 766 năm 2025 của 34 tỉnh, thành phố")
    picture = Image.open(BytesIO(image)).convert("RGB")
    assert picture.width > 600 and picture.height > 600
    colours = {c for _, c in picture.getcolors(maxcolors=1 << 20)}
    shades = {tuple(int(g[i:i + 2], 16) for i in (1, 3, 5)) for g in MAP_GREYS}
    assert shades <= colours  # every class of the legend is on the map
    from sodo.domain.orgunits import default_hierarchy

    provinces = {u.code for u in default_hierarchy().at_level("province")
                 if u.valid_to is None}
    assert set(province_shapes()) == provinces and len(provinces) == 34
    ranked = {r["orgunit"] for r in content["ranking"] if r["value"] is not None}
    assert ranked <= provinces


def test_a_province_report_outlines_the_province_on_the_map(demo_workspace, tmp_path):
    from sodo.services.reports.charts import province_map

    out = tmp_path / "hn.docx"
    content = json.loads(sodo("report", "evaluation", "--year", "2025", "--unit", "01",
                              "--as-of", AS_OF, "--workspace", str(demo_workspace), "--out",
                              str(out), "--format", "json"))[0]
    image = _picture_before(Document(str(out)),
                            MAP_CAPTION + " (Thành phố Hà Nội viền đậm)")
    title = "Bộ chỉ số 766 năm 2025 của 34 tỉnh, thành phố"
    assert image == province_map(content["ranking"], "01", title)
    assert image != province_map(content["ranking"], "VN", title)  # the outline and label


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_word_file_converts_to_an_a4_pdf_with_every_target(made):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y "
                    "libreoffice-writer-nogui")
    out = made["dir"] / "pdf"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{out / 'profile'}",
                           "--headless", "--convert-to", "pdf", "--outdir", str(out),
                           str(made["docx"])], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    pdf = PdfReader(out / "r.pdf")
    assert 4 <= len(pdf.pages) <= 60
    first = pdf.pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (595, 842)  # A4
    last = pdf.pages[-1].mediabox
    assert round(float(last.width)) == 842  # the appendices are landscape
    text = _squash("".join(page.extract_text() for page in pdf.pages))
    assert _squash(QUOC_HIEU) in text and _squash(TIEU_NGU) in text
    # The map is drawn on the page of its caption.
    page = next(p for p in pdf.pages if _squash(MAP_CAPTION) in _squash(p.extract_text()))
    assert len(page.images) >= 1 and max(i.image.width for i in page.images) > 600
    for target in made["content"]["targets"]:
        assert _squash(target["title"]) in text, target["title"]


def test_api_gives_the_same_report(made, demo_workspace):
    from sodo.http.app import create_app

    app = create_app(replace(Settings.open(demo_workspace)), include_web=False)
    with serve(app) as base:
        got = httpx.get(f"{base}/api/v1/reports/evaluation", timeout=120, params={
            "year": 2025, "format": "xlsx", "as_of": AS_OF, "number": 5})
        assert got.status_code == 200, got.text
        assert got.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml")
        assert "bao-cao-05-VN-2025.xlsx" in got.headers["content-disposition"]
        wb = load_workbook(BytesIO(got.content))
        ws = wb["Phụ lục I"]
        values = {row[1]: row[5] for row in ws.iter_rows(values_only=True)
                  if isinstance(row[0], int)}
        assert values == {t["title"]: t["this_year"] for t in made["content"]["targets"]}
        bad = httpx.get(f"{base}/api/v1/reports/evaluation", params={"year": 2025,
                                                                     "unit": "NOPE"})
        assert bad.status_code in (400, 404, 422)
        docx = httpx.get(f"{base}/api/v1/reports/evaluation", timeout=120,
                         params={"year": 2025, "as_of": AS_OF})
        assert docx.status_code == 200
        assert Document(BytesIO(docx.content)).tables[0].rows[0].cells[1].paragraphs[0].text \
            == QUOC_HIEU

"""The Excel round trip over HTTP: a downloaded template filled with valid values imports; the
same file with three bad cells is refused naming those cells, and nothing changes. Unsafe
uploads are refused before they are expanded."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from sqlalchemy import func, select

from sodo.stores.operational.models import AuditEntry, Submission, SubmissionValue

FORM = "BC-CDS-QUY"


def _template(site, user: str, period: str, units: list[str] | None = None) -> bytes:
    with site.client(user) as client:
        response = client.get(f"/api/v1/forms/{FORM}/template",
                              params={"period": period, "orgunit": units or []})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return response.content


def _fill(data: bytes, values: dict[tuple[str, str], object]) -> tuple[bytes, dict]:
    """Put values in the template's value column; returns the file and each key's cell."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Báo cáo"]
    cells = {}
    for row in ws.iter_rows(min_row=5):
        key = (row[0].value, row[3].value)
        if key in values:
            row[6].value = values[key]
            cells[key] = row[6].coordinate
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), cells


def _counts(site) -> tuple[int, int, int]:
    with site.session() as session:
        return (session.scalar(select(func.count()).select_from(Submission)),
                session.scalar(select(func.count()).select_from(SubmissionValue)),
                session.scalar(select(func.count()).select_from(AuditEntry)))


def _upload(site, user: str, data: bytes, name: str = "bao-cao.xlsx"):  # type: ignore[no-untyped-def]
    with site.client(user) as client:
        return client.post(f"/api/v1/forms/{FORM}/upload", files={"file": (name, data)})


def test_template_layout(site) -> None:
    wb = load_workbook(io.BytesIO(_template(site, "hn_reporter", "2025Q4")))
    assert wb.sheetnames == ["Hướng dẫn", "Báo cáo", "_sodo"]
    assert wb["_sodo"].sheet_state == "veryHidden"
    ws = wb["Báo cáo"]
    assert [c.value for c in ws[4]][:7] == ["Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo",
                                            "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính",
                                            "Giá trị"]
    assert ws.protection.sheet is True
    assert ws["A5"].value == "01" and ws["A5"].protection.locked
    assert ws["G5"].protection.locked is False
    kinds = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    numbers = [dv for dv in ws.data_validations.dataValidation if dv.type in ("decimal",
                                                                              "whole")]
    assert kinds and "Ước tính" in kinds[0].formula1
    assert len(numbers) == 3 and {dv.formula2 for dv in numbers} >= {"100"}
    assert ws["E5"].value == "Tỷ lệ hồ sơ trực tuyến toàn trình"


def test_valid_template_imports_and_three_bad_cells_are_named(site) -> None:
    data = _template(site, "hn_reporter", "2025Q4")
    good, cells = _fill(data, {("01", "dvc_online"): 63.2, ("01", "vb_dien_tu"): "91,5",
                               ("01", "so_diem_wifi"): 1200})
    response = _upload(site, "hn_reporter", good)
    assert response.status_code == 200, response.text
    (sub,) = response.json()["imported"]
    assert (sub["orgunit"], sub["period"], sub["state"], sub["channel"]) == (
        "01", "2025Q4", "draft", "excel")
    assert {v["indicator"]: v["value"] for v in sub["values"]} == {
        "dvc_online": 63.2, "vb_dien_tu": 91.5, "so_diem_wifi": 1200.0}

    before = _counts(site)
    bad, cells = _fill(data, {("01", "dvc_online"): 163.2, ("01", "vb_dien_tu"): "nhiều",
                              ("01", "so_diem_wifi"): 12.5})
    refused = _upload(site, "hn_reporter", bad)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    errors = refused.json()["errors"]
    assert sorted((e["sheet"], e["cell"]) for e in errors) == sorted(
        ("Báo cáo", cells[key]) for key in cells)
    assert len(errors) == 3 and all(e["message"] for e in errors)
    assert _counts(site) == before
    with site.client("hn_reporter") as client:
        kept = client.get(f"/api/v1/submissions/{sub['id']}").json()
    assert {v["indicator"]: v["value"] for v in kept["values"]}["dvc_online"] == 63.2


def test_upload_for_another_province_is_refused(site) -> None:
    data = _template(site, "admin", "2025Q4", ["79"])
    filled, _ = _fill(data, {("79", "dvc_online"): 50, ("79", "vb_dien_tu"): 50})
    before = _counts(site)
    response = _upload(site, "hn_reporter", filled)
    assert response.status_code == 403
    assert _counts(site) == before
    with site.client("hn_reporter") as client:
        assert client.get(f"/api/v1/forms/{FORM}/template",
                          params={"period": "2025Q4", "orgunit": "79"}).status_code == 403


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_unsafe_uploads_are_refused_without_expanding(site) -> None:
    data = _template(site, "hn_reporter", "2025Q4")
    before = _counts(site)
    not_excel = _upload(site, "hn_reporter", b"ma_don_vi,gia_tri\n01,5\n", "bao-cao.xlsx")
    macro_name = _upload(site, "hn_reporter", data, "bao-cao.xlsm")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    macro_part = _upload(site, "hn_reporter", _zip({**parts, "xl/vbaProject.bin": b"\0" * 64}))
    bomb = _upload(site, "hn_reporter", _zip({**parts, "xl/media/big.bin": b"\0" * 50_000_000}))
    too_big = _upload(site, "hn_reporter", b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024))
    assert not_excel.status_code == 422 and not_excel.json()["errors"][0]["rule"] == "type"
    assert macro_name.status_code == 422 and "macro" in macro_name.json()["detail"]
    assert macro_part.status_code == 422 and "macro" in macro_part.json()["detail"]
    assert bomb.status_code == 422 and "zip bomb" in bomb.json()["detail"]
    assert too_big.status_code == 413
    assert _counts(site) == before


def test_template_prints_on_a4_landscape_one_page_wide_with_a_signature_block(
        site, tmp_path) -> None:
    """Issue 11 item 16: print area, landscape, fit to width, the header row repeated, and
    the signature block of a Vietnamese form; the filled file still imports."""
    import shutil
    import subprocess

    data = _template(site, "hn_reporter", "2025Q4")
    ws = load_workbook(io.BytesIO(data))["Báo cáo"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$4:$4"  # the column headers on every page
    texts = {c.value: c.coordinate for row in ws.iter_rows() for c in row if c.value}
    for words in ("Người lập biểu", "Thủ trưởng đơn vị", "(Ký, ghi rõ họ tên)",
                  "(Ký, ghi rõ họ tên, đóng dấu)"):
        assert words in texts, words
    assert any("ngày" in str(v) and "tháng" in str(v) and "năm" in str(v) for v in texts)
    head_row = int("".join(ch for ch in texts["Thủ trưởng đơn vị"] if ch.isdigit()))
    assert "$A$1:$I$" in ws.print_area, ws.print_area
    assert head_row + 1 < int(ws.print_area.rsplit("$", 1)[1])  # the block is printed
    # filled in, the file still imports: the signature block is not read as data
    good, _ = _fill(data, {("01", "dvc_online"): 63.2, ("01", "vb_dien_tu"): "91,5",
                           ("01", "so_diem_wifi"): 1200})
    response = _upload(site, "hn_reporter", good)
    assert response.status_code == 200, response.text
    # rendered by LibreOffice: A4 landscape, the table one page wide (both end columns and
    # the signatures on the data page), the guide and the table: two pages
    soffice = shutil.which("soffice")
    if soffice is None:
        import pytest

        pytest.skip("LibreOffice Calc is needed: apt-get install -y libreoffice-calc-nogui")
    book = tmp_path / "mau.xlsx"
    book.write_bytes(good)
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                           str(book)], capture_output=True, text=True, timeout=240)
    assert (tmp_path / "mau.pdf").exists(), done.stdout + done.stderr
    info = subprocess.run(["pdfinfo", str(tmp_path / "mau.pdf")], capture_output=True,
                          text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))
    assert 1 <= pages <= 2, info
    assert "841.89 x 595.3" in info  # A4 landscape
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), "-layout",
                           str(tmp_path / "mau.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("Mã đơn vị", "Ghi chú", "dvc_online", "Người lập biểu", "Thủ trưởng đơn vị"):
        assert words in last, (words, last)

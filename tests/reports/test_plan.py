"""The plan round trip through the real CLI: template (pre-filled from the assessment) → fill
→ import with bad cells refused whole, errors per cell in Vietnamese → fix → import and lint
(the resource rule included) → the "Kế hoạch" in Word."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from sodo.domain.plans import CellError, Resources, read_funding, read_number, resource_findings


def sodo(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True,
                          text=True, timeout=300)
    assert (done.returncode == 0) == ok, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    return done


def fill(template: Path, out: Path, bad: bool) -> None:
    wb = load_workbook(template)
    ws = wb["Chỉ tiêu"]
    ws["J2"], ws["L2"], ws["M2"], ws["N2"] = 80, "1.500", "Ngân sách địa phương", "Sở KH&CN"
    ws["J3"], ws["M3"] = ("abc" if bad else "85,5"), "ngan sach trung uong; Xã hội hóa"
    tasks = wb["Nhiệm vụ"]
    for cell, value in (("B2", "Triển khai nền tảng số dùng chung"), ("C2", "01"),
                        ("D2", "Giám đốc Sở KH&CN"), ("E2", "30/6/2026"),
                        ("F2", "Nền tảng vận hành"), ("G2", "Chủ tịch UBND"), ("H2", 2000),
                        ("I2", "Ngân sách địa phương"), ("J2", "Sở KH&CN")):
        tasks[cell] = value
    if bad:
        tasks["B3"], tasks["C3"], tasks["I3"] = "Nhiệm vụ lỗi", "XYZ", "ngân hàng"
    wb.save(out)


def test_plan_round_trip(demo_workspace: Path, tmp_path: Path):
    ws = str(demo_workspace)
    template = tmp_path / "plan.xlsx"
    sodo("plan", "template", "--year", "2026", "--unit", "01", "--out", str(template),
         "--workspace", ws)
    sheet = load_workbook(template)["Chỉ tiêu"]
    assert sheet["J1"].value == "Chỉ tiêu năm 2026 (*)" and sheet.max_row > 3
    assert sheet["M1"].value == "Nguồn vốn" and not sheet["J2"].value
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    fill(template, bad, bad=True)
    fill(template, good, bad=False)

    refused = sodo("plan", "import", str(bad), "--workspace", ws, ok=False)
    assert "3 ô có lỗi" in refused.stderr
    assert "ô J3: “abc” không phải là số" in refused.stderr
    assert "ô C3: cơ quan chủ trì “XYZ” không phải mã đơn vị" in refused.stderr
    assert "nguồn vốn “ngân hàng” không hợp lệ" in refused.stderr
    assert "J3" in refused.stderr and "[số]" in refused.stderr  # cell and rule named
    listed = sodo("plan", "list", "--unit", "01", "--workspace", ws, "--format", "json")
    assert json.loads(listed.stdout) == []  # all or nothing: no version stored

    done = sodo("plan", "import", str(good), "--workspace", ws, "--format", "json")
    findings = json.loads(done.stdout)
    versions = json.loads(sodo("plan", "list", "--unit", "01", "--year", "2026",
                               "--workspace", ws, "--format", "json").stdout)
    assert [(v["version"], v["state"], v["targets"], v["tasks"]) for v in versions] == [
        (1, "draft", 2, 1)]
    resources = [f for f in findings if f["rule"] == "nguồn lực"]
    assert [f["object"] for f in resources] == ["KH2026-01-02"]  # no budget nor agency
    assert "thiếu kinh phí, cơ quan chịu trách nhiệm" in resources[0]["message"]

    out = tmp_path / "plan.docx"
    sodo("plan", "export", "--year", "2026", "--unit", "01", "--number", "3", "--date",
         "2026-01-05", "--out", str(out), "--workspace", ws)
    doc = Document(str(out))
    header = doc.tables[0]
    assert header.rows[1].cells[0].text == "Số: 03/KH-UBND"
    assert header.rows[1].cells[1].text == "Hà Nội, ngày 05 tháng 01 năm 2026"
    texts = [p.text for p in doc.paragraphs]
    assert "KẾ HOẠCH" in texts and "Chuyển đổi số năm 2026" in texts
    assert any(t.startswith("(Kèm theo Kế hoạch số 03/KH-UBND ngày 05 tháng 01 năm 2026")
               for t in texts)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "1.500 triệu đồng; Ngân sách địa phương; Sở KH&CN" in cells
    assert "Triển khai nền tảng số dùng chung" in cells and "85,5" in cells
    assert any("Tổng kinh phí dự kiến: 3.500 triệu đồng" in t for t in texts)

    # Issued: numbered, recorded unchanged, the version marked issued; the YAML is the plan.
    issued = tmp_path / "issued.docx"
    done = sodo("plan", "export", "--year", "2026", "--unit", "01", "--issue", "--date",
                "2026-01-06", "--out", str(issued), "--workspace", ws)
    assert "Issued 01/KH-UBND" in done.stdout
    versions = json.loads(sodo("plan", "list", "--unit", "01", "--year", "2026",
                               "--workspace", ws, "--format", "json").stdout)
    assert versions[0]["state"] == "issued" and versions[0]["issued_report_id"]
    kept = tmp_path / "kept.docx"
    sodo("report", "download", str(versions[0]["issued_report_id"]), "--out", str(kept),
         "--workspace", ws)
    assert kept.read_bytes() == issued.read_bytes()
    again = sodo("plan", "export", "--year", "2026", "--unit", "01", "--issue", "--out",
                 str(tmp_path / "twice.docx"), "--workspace", ws, ok=False)
    assert "already issued" in again.stderr
    yaml = tmp_path / "plan.yaml"
    sodo("plan", "export", "--year", "2026", "--unit", "01", "--out", str(yaml),
         "--workspace", ws)
    text = yaml.read_text(encoding="utf-8")
    assert "code: KH-01-2026" in text and "Ngân sách địa phương" in text


def test_cells_are_read_the_vietnamese_way():
    assert read_number("1.500") == 1500 and read_number("85,5") == 85.5
    assert read_number(" ") is None and read_number(12) == 12.0
    with pytest.raises(CellError, match="không phải là số"):
        read_number("mười")
    assert read_funding("ngan sach trung uong; ODA") == ["Ngân sách trung ương", "ODA"]
    with pytest.raises(CellError, match="không hợp lệ"):
        read_funding("vay ngân hàng")
    assert resource_findings("task", "T", Resources(10, ["ODA"], "Sở")) == []
    assert resource_findings("task", "T", None)[0].rule == "nguồn lực"


def test_the_cascade_combines_the_way_the_indicator_rolls_up():
    from sodo.domain.plans import UnitFigure, cascade_reach

    # A count: the plan targets and the others' latest values add up.
    counts = [UnitFigure("01", 60, True), UnitFigure("79", 30, True), UnitFigure("48", 5, False)]
    reach = cascade_reach(counts, 100, ">=", "sum")
    assert (reach.method, reach.combined, reach.reaches) == ("sum", 95, False)
    assert cascade_reach(counts, 90, ">=", "sum").reaches is True
    # A ratio: weighted by each unit's denominator, not the plain mean (which would reach).
    shares = [UnitFigure("01", 90, True, 100), UnitFigure("79", 40, False, 900)]
    reach = cascade_reach(shares, 60, ">=", "ratio")
    assert reach.method == "weighted" and reach.combined == 45 and reach.reaches is False
    assert cascade_reach([UnitFigure("01", 90, True), UnitFigure("79", 40, False)], 60, ">=",
                         "ratio").method == "mean"
    # No roll-up: the spread — every plan target must meet it on its own.
    spread = cascade_reach([UnitFigure("01", 3, True), UnitFigure("79", 7, True)], 5, "<=",
                           "none")
    assert (spread.method, spread.meeting, spread.planned, spread.reaches) == (
        "spread", 1, 2, False)
    assert (spread.lowest, spread.highest) == (3, 7)

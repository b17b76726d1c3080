"""The evaluation report's Excel annex: appendix I (targets) and II (tasks) on two sheets, set
up to print on A4 landscape (fitted to the page width, header rows repeated), numbers stored
as numbers with their unit in the column header or the ĐVT column, Times New Roman."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sodo.domain.reports import short_date
from sodo.services.reports.evaluation import EvaluationReport
from sodo.services.reports.word import (
    APPENDIX_I_HEADERS,
    APPENDIX_II_HEADERS,
    appendix_i_rows,
    appendix_ii_rows,
)

FONT = "Times New Roman"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
I_WIDTHS = (6, 48, 10, 14, 14, 14, 12, 12, 18, 30)
II_WIDTHS = (6, 44, 24, 36, 16, 18, 22, 18)
#: Columns of appendix I holding numbers, and their number format.
I_NUMBERS = {4: "#,##0.00", 5: "#,##0.00", 6: "#,##0.00", 7: "0.0", 8: "0.0"}


def _sheet_title(ws: Worksheet, report: EvaluationReport, number: str, title: str,
                 columns: int) -> int:
    last = get_column_letter(columns)
    lines = [(f"Phụ lục {number}", Font(name=FONT, size=14, bold=True)),
             (title.upper(), Font(name=FONT, size=13, bold=True)),
             (f"(Kèm theo Báo cáo số {report.number_text.removeprefix('Số:').strip()} "
              f"{short_date(report.issued_on)} của {report.issuer.name})",
              Font(name=FONT, size=13, italic=True))]
    if report.demo:
        lines.append(("DỮ LIỆU MINH HỌA (DEMO) — KHÔNG PHẢI SỐ LIỆU CHÍNH THỨC / Synthetic data",
                      Font(name=FONT, size=12, bold=True)))
    for i, (text, font) in enumerate(lines, start=1):
        ws.merge_cells(f"A{i}:{last}{i}")
        cell = ws.cell(row=i, column=1, value=text)
        cell.font, cell.alignment = font, Alignment(horizontal="center")
    return len(lines) + 2  # a blank row, then the header row


def _headers(ws: Worksheet, row: int, headers: list[str], widths: tuple[int, ...]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[row].height = 45


def _print_setup(ws: Worksheet, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.8, 0.6
    ws.oddFooter.center.text = "&P/&N"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


def render_xlsx(report: EvaluationReport) -> bytes:
    """The two appendix tables as an .xlsx file's bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục I"
    headers = [h.format(year=report.year, prev=report.year - 1) for h in APPENDIX_I_HEADERS]
    headers[2] = "ĐVT (đơn vị của các cột số liệu)"
    start = _sheet_title(ws, report, "I", f"Kết quả thực hiện các chỉ tiêu chuyển đổi số năm "
                                          f"{report.year}", len(headers))
    _headers(ws, start, headers, I_WIDTHS)
    r = start
    for values in appendix_i_rows(report):
        r += 1
        if isinstance(values, str):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(headers))
            cell = ws.cell(row=r, column=1, value=values)
            cell.font, cell.border = Font(name=FONT, size=11, bold=True), BOX
            continue
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font, cell.border, cell.alignment = Font(name=FONT, size=11), BOX, WRAP
            if col in I_NUMBERS and value is not None:
                cell.number_format = I_NUMBERS[col]
    _print_setup(ws, start)

    ws2 = wb.create_sheet("Phụ lục II")
    start = _sheet_title(ws2, report, "II", f"Tình hình thực hiện các nhiệm vụ năm "
                                            f"{report.year}", len(APPENDIX_II_HEADERS))
    _headers(ws2, start, list(APPENDIX_II_HEADERS), II_WIDTHS)
    for i, values in enumerate(appendix_ii_rows(report), start=start + 1):
        for col, value in enumerate(values, start=1):
            cell = ws2.cell(row=i, column=col, value=value)
            cell.font, cell.border, cell.alignment = Font(name=FONT, size=11), BOX, WRAP
    _print_setup(ws2, start)
    stamp = datetime(report.issued_on.year, report.issued_on.month, report.issued_on.day)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = report.issuer.name
    wb.properties.title = f"Phụ lục Báo cáo {report.subject}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

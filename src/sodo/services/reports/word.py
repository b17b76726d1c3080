"""The evaluation report as a Word file laid out per Decree 30/2020/NĐ-CP (Appendix I):
A4 portrait, margins 20/20/30/15 mm, Times New Roman (not embedded; Liberation Serif renders
it with the same metrics), the two-column header, number and date, title and subject, body in
13–14 pt justified with a 1.27 cm first-line indent, page numbers centred in the top margin
from page 2, "Nơi nhận" and the signature block, then the appendices in landscape sections,
each numbered from 1, under "(Kèm theo Báo cáo số …)".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from sodo.domain.reports import number_vi, place_and_date, short_date
from sodo.services.reports import charts
from sodo.services.reports.evaluation import PLACEHOLDER, EvaluationReport, worst_targets

FONT = "Times New Roman"
BODY = 14
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
DEMO_LABEL = ("DỮ LIỆU MINH HỌA (DEMO) — KHÔNG PHẢI SỐ LIỆU CHÍNH THỨC\n"
              "Synthetic data — not official figures")
APPENDIX_I_HEADERS = ("STT", "Chỉ tiêu", "ĐVT", "Thực hiện năm {prev}", "Kế hoạch năm {year}",
                      "Thực hiện năm {year}", "So với KH (%)", "So với cùng kỳ (%)",
                      "Đánh giá", "Nguồn số liệu")
APPENDIX_II_HEADERS = ("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Kết quả/sản phẩm", "Thời hạn",
                       "Tiến độ", "Kết quả hiện nay", "Văn bản giao việc")
STATUS_WORDS = (("done_on_time", "hoàn thành đúng hạn"), ("done_late", "hoàn thành quá hạn"),
                ("in_progress", "đang thực hiện"), ("due_soon", "sắp đến hạn"),
                ("overdue", "quá hạn chưa hoàn thành"), ("recurring", "thường xuyên"),
                ("no_deadline", "không có thời hạn cụ thể"))
LEAD_NAMES = {"VN": "Các bộ, ngành, địa phương"}
ROMAN = ("I", "II", "III", "IV", "V", "VI")
MAP_WIDTH = Mm(130)


# -- low-level helpers ------------------------------------------------------------------------

def _fonts(element: Any) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _run(par: Paragraph, text: str, size: float = BODY, *, bold: bool = False,
         italic: bool = False) -> Any:
    run = par.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.name = FONT
    _fonts(run._element)
    return run


def _par(container: Any, text: str = "", size: float = BODY, *, bold: bool = False,
         italic: bool = False, align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True,
         before: float = 0, after: float = 6, spacing: float = 1.15) -> Paragraph:
    par = container.add_paragraph()
    fmt = par.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = spacing
    if indent and align == WD_ALIGN_PARAGRAPH.JUSTIFY:
        fmt.first_line_indent = Cm(1.27)
    if text:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            run = _run(par, line, size, bold=bold, italic=italic)
            if i < len(lines) - 1:
                run.add_break(WD_BREAK.LINE)
    return par


def _centre(container: Any, text: str, size: float = BODY, **kw: Any) -> Paragraph:
    return _par(container, text, size, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
                after=kw.pop("after", 0), **kw)


def _rule(container: Any, width: Any, available: Any) -> Paragraph:
    """A short centred horizontal line of ``width`` (a top border on an empty paragraph)."""
    par = container.add_paragraph()
    fmt = par.paragraph_format
    side = max(int((available - width) / 2), 0)
    fmt.left_indent, fmt.right_indent = side, side
    fmt.space_before, fmt.space_after = Pt(1), Pt(4)
    fmt.line_spacing = Pt(2)
    ppr = par._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    ppr.append(borders)
    return par


def _box(par: Paragraph) -> None:
    ppr = par._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "4"),
                           ("w:color", "000000")):
            edge.set(qn(key), value)
        borders.append(edge)
    ppr.append(borders)


def _field(par: Paragraph, instr: str, size: float) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    rpr.append(fonts)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.append(sz)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    par._p.append(fld)


def _page_numbers(section: Any, restart: bool = False) -> None:
    """Arabic page numbers centred in the top margin, none on the section's first page."""
    section.different_first_page_header_footer = True
    section.header.is_linked_to_previous = False
    section.first_page_header.is_linked_to_previous = False
    header = section.header
    par = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(par, "PAGE", 13)
    section.header_distance = Mm(10)
    if restart:
        sect = section._sectPr
        num = sect.find(qn("w:pgNumType"))
        if num is None:
            num = OxmlElement("w:pgNumType")
            sect.append(num)
        num.set(qn("w:start"), "1")


def _page(section: Any, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    if landscape:  # the binding edge stays on the left of the portrait pages' text
        section.top_margin, section.bottom_margin = MARGINS["left"], MARGINS["right"]
        section.left_margin = section.right_margin = MARGINS["top"]
    else:
        section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
        section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]


def _no_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    tbl_pr.append(borders)


def _widths(table: Table, widths: Sequence[int]) -> None:
    """Fixed column widths (EMU) written where Word and LibreOffice both read them: the
    table's grid, its total width and every cell."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    total = tbl_pr.find(qn("w:tblW"))
    if total is None:
        total = OxmlElement("w:tblW")
        tbl_pr.append(total)
    total.set(qn("w:w"), str(sum(int(w) for w in widths) // 635))
    total.set(qn("w:type"), "dxa")
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(int(width) // 635))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _no_cell_margins(table: Table) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "0")
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)


def _cell_text(cell: Any, text: str, size: float = 11, *, bold: bool = False,
               italic: bool = False, align: Any = WD_ALIGN_PARAGRAPH.LEFT) -> None:
    par = cell.paragraphs[0]
    par.paragraph_format.alignment = align
    par.paragraph_format.space_after = Pt(0)
    par.paragraph_format.line_spacing = 1.0
    _run(par, text, size, bold=bold, italic=italic)


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _grid(container: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]],
          widths: Sequence[float], size: float = 11,
          numeric: Sequence[int] = ()) -> Table:
    """A bordered table: bold centred headers repeated on every page, numbers right-aligned.
    A row given as a single string is a group heading spanning the table."""
    table = container.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, text in enumerate(headers):
        _cell_text(table.rows[0].cells[i], text, size, bold=True,
                   align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        if isinstance(values, str):
            merged = cells[0].merge(cells[-1])
            _cell_text(merged, values, size, bold=True)
            continue
        for i, value in enumerate(values):
            _cell_text(cells[i], str(value), size,
                       align=WD_ALIGN_PARAGRAPH.RIGHT if i in numeric
                       else WD_ALIGN_PARAGRAPH.CENTER if i == 0 else WD_ALIGN_PARAGRAPH.LEFT)
    _widths(table, [Cm(w) for w in widths])
    return table


# -- the document -----------------------------------------------------------------------------

def header_block(doc: Any, issuer: Any, number_text: str, date_text: str,
                 available: Any) -> None:
    """The two-column header: agency, rule, number | Quốc hiệu, Tiêu ngữ, rule, place and date
    (the number and the date on the same line)."""
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    table.autofit = False
    left_w, right_w = Mm(72), available - Mm(72)
    _widths(table, [left_w, right_w])
    _no_cell_margins(table)
    left, right = table.rows[0].cells
    left.paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if issuer.parent:
        _run(left.paragraphs[0], issuer.parent, 12)
        _centre(left, issuer.agency, 12, bold=True)
    else:
        _run(left.paragraphs[0], issuer.agency, 12, bold=True)
    _rule(left, Mm(22), left_w)
    right.paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True)
    _centre(right, "Độc lập - Tự do - Hạnh phúc", 14, bold=True)
    _rule(right, Mm(58), right_w)
    number, day = table.rows[1].cells
    _cell_text(number, number_text, 13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(day, date_text, 14, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _header(doc: Any, report: EvaluationReport, available: Any) -> None:
    header_block(doc, report.issuer, report.number_text,
                 place_and_date(report.issuer.place, report.issued_on), available)


def _title(doc: Any, report: EvaluationReport, available: Any) -> None:
    _centre(doc, "BÁO CÁO", 14, bold=True, before=18)
    _centre(doc, report.subject, 14, bold=True)
    _rule(doc, Mm(40), available)
    if report.demo:
        label = _centre(doc, DEMO_LABEL, 12, bold=True, before=6, after=6)
        _box(label)
    if report.issuer.addressee:
        _centre(doc, f"Kính gửi: {report.issuer.addressee}.", 14, before=6, after=6)


def _heading(doc: Any, text: str, level: int = 1) -> Paragraph:
    par = _par(doc, text, BODY, bold=True, before=6 if level == 1 else 3)
    par.paragraph_format.keep_with_next = True
    return par


def _v(value: float | None, decimals: int = 2) -> str:
    return number_vi(value, decimals)


def _unit(unit: str) -> str:
    return "" if not unit else unit if unit == "%" else f" {unit}"


def _status_counts(rows: Sequence[Any]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status_label.lower()] = counts.get(row.status_label.lower(), 0) + 1
    return ", ".join(f"{n} {label}" for label, n in counts.items())


def _leadership(doc: Any, report: EvaluationReport) -> None:
    _heading(doc, "1. Công tác lãnh đạo, chỉ đạo", 2)
    counts = report.task_counts
    total = len(report.tasks)
    parts = [f"{counts.get(key, 0)} nhiệm vụ {label}" for key, label in STATUS_WORDS
             if counts.get(key, 0)]
    scope = "" if report.unit == "VN" else " do đơn vị chủ trì"
    _par(doc, f"Tổng số nhiệm vụ được giao{scope} theo Chương trình: {total} nhiệm vụ; trong "
              f"đó: {'; '.join(parts) or 'chưa có nhiệm vụ'} (tính đến "
              f"{report.as_of.strftime('%d/%m/%Y')}). Chi tiết tại Phụ lục II.")
    if report.by_lead:
        rows = [[str(i), LEAD_NAMES.get(r["lead"], r["name"]), str(r["led"]), str(r["done_on_time"]), str(r["done_late"]),
                 str(r["overdue"]), str(r["in_progress"] + r["due_soon"]),
                 str(r["recurring"] + r["no_deadline"])]
                for i, r in enumerate(report.by_lead, start=1)]
        _grid(doc, ("STT", "Cơ quan chủ trì", "Được giao", "Đúng hạn", "Xong quá hạn",
                    "Quá hạn", "Đang làm", "Thường xuyên/ không hạn"), rows,
              (1.2, 5.2, 1.6, 1.6, 1.6, 1.6, 1.6, 2.0), size=11, numeric=range(2, 8))
        _par(doc, "", after=0)


def _results(doc: Any, report: EvaluationReport) -> None:
    _heading(doc, "2. Kết quả thực hiện các chỉ tiêu theo lĩnh vực", 2)
    if report.national_targets_applied:
        _par(doc, "Đơn vị chưa có chỉ tiêu riêng; các chỉ tiêu quốc gia của Chương trình được "
                  "áp dụng cho số liệu của đơn vị" + (
                      f" ({report.targets_without_data} chỉ tiêu chưa có số liệu của đơn vị "
                      "không được liệt kê)" if report.targets_without_data else "") + ".")
    if not report.targets:
        _par(doc, "Chưa có chỉ tiêu để đánh giá.")
        return
    _par(doc, f"Tổng số {len(report.targets)} chỉ tiêu: {_status_counts(report.targets)}. "
              f"Chi tiết tại Phụ lục I.")
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i, (area, rows) in enumerate(report.areas.items()):
        _par(doc, f"{letters[i % 26]}) {area}: {len(rows)} chỉ tiêu ({_status_counts(rows)}).",
             bold=False, italic=True)
        for row in rows:
            _par(doc, _target_sentence(report, row))


def _target_sentence(report: EvaluationReport, row: Any) -> str:
    u = _unit(row.unit)
    text = f"- {row.title}: "
    if row.this_year is not None:
        text += f"năm {report.year} đạt {_v(row.this_year, row.decimals)}{u}"
        if row.last_year is not None:
            delta = row.change or 0.0
            text += (f" (năm {report.year - 1}: {_v(row.last_year, row.decimals)}{u}; "
                     f"{'tăng' if delta > 0 else 'giảm' if delta < 0 else 'không đổi'}"
                     + (f" {_v(abs(delta), row.decimals)}"
                        f"{' điểm %' if row.unit == '%' else u}" if delta else "") + ")")
    elif row.latest is not None:
        text += f"số liệu mới nhất {_v(row.latest, row.decimals)}{u} ({row.latest_period})"
    else:
        text += "chưa có số liệu"
    if row.plan is not None:
        text += f"; kế hoạch năm {report.year}: {_v(row.plan, row.decimals)}{u}"
        if row.percent_of_plan is not None:
            text += f", đạt {_v(row.percent_of_plan, 1)}% kế hoạch"
    if row.five_year is not None:
        text += f"; mục tiêu đến năm {row.deadline}: {_v(row.five_year, row.decimals)}{u}"
    if row.projected is not None:
        text += f"; dự báo đến năm {row.deadline}: {_v(row.projected, row.decimals)}{u}"
    return text + f". Đánh giá: {row.status_label}."


def _index(doc: Any, report: EvaluationReport, width: Any) -> None:
    idx = report.index
    _heading(doc, "3. Chỉ số phục vụ người dân, doanh nghiệp (Bộ chỉ số 766)", 2)
    if idx is None:
        _par(doc, f"Chưa có kết quả Bộ chỉ số năm {report.year}.")
        return
    top = _v(idx.get("maximum"), 0) if idx.get("maximum") else "100"
    if "rank" in idx:
        text = (f"Năm {report.year}, {report.unit_name} đạt {_v(idx['value'])}/{top} điểm, "
                f"xếp hạng {idx['rank']}/{idx['ranked']}")
        if idx.get("previous_rank") is not None:
            move = idx.get("change") or 0
            text += (f" (năm {report.year - 1}: {_v(idx['previous_value'])} điểm, hạng "
                     f"{idx['previous_rank']}; "
                     + (f"tăng {move} bậc" if move > 0 else f"giảm {-move} bậc" if move < 0
                        else "giữ nguyên thứ hạng") + ")")
        _par(doc, text + ".")
    else:
        best, worst = idx["best"], idx["worst"]
        _par(doc, f"Năm {report.year}, điểm bình quân của {idx['ranked']} tỉnh, thành phố đạt "
                  f"{_v(idx['average'])}/{top} điểm; cao nhất {best['name']} "
                  f"({_v(best['value'])} điểm), thấp nhất {worst['name']} "
                  f"({_v(worst['value'])} điểm).")
    image = charts.ranking_chart(report.ranking, report.unit,
                                 f"Xếp hạng Bộ chỉ số 766 năm {report.year}",
                                 idx.get("maximum"))
    if image:
        _picture(doc, image, width, f"Hình 2. Xếp hạng Bộ chỉ số 766 năm {report.year}")
    if idx.get("level") == "province":
        shown = charts.province_map(report.ranking, report.unit,
                                    f"Bộ chỉ số 766 năm {report.year} của 34 tỉnh, thành phố")
        if shown:
            _picture(doc, shown, min(width, MAP_WIDTH),
                     f"Hình 3. Bản đồ Bộ chỉ số 766 năm {report.year} theo tỉnh, thành phố"
                     + ("" if report.unit == "VN" else f" ({report.unit_name} viền đậm)"))


def _picture(doc: Any, image: bytes, width: Any, caption: str) -> None:
    par = _centre(doc, "", after=0, before=6)
    par.add_run().add_picture(io.BytesIO(image), width=width)
    _centre(doc, caption, 12, italic=True, after=6)


def _shortcomings(doc: Any, report: EvaluationReport) -> None:
    _heading(doc, "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN")
    _heading(doc, "1. Tồn tại, hạn chế", 2)
    if report.shortcomings:
        for fact in report.shortcomings:
            _par(doc, fact if fact.startswith("+ ") else f"- {fact}")
    else:
        _par(doc, "Số liệu không cho thấy tồn tại, hạn chế nào.")
    _heading(doc, "2. Nguyên nhân", 2)
    _narrative(doc, report, "causes")


def _narrative(doc: Any, report: EvaluationReport, key: str) -> None:
    text = (report.narrative.get(key) or "").strip()
    if not text:
        _par(doc, PLACEHOLDER, italic=True)
        return
    for line in text.splitlines():
        if line.strip():
            _par(doc, line.strip())


def _closing(doc: Any, report: EvaluationReport, available: Any, signer: str) -> None:
    _par(doc, f"Trên đây là báo cáo kết quả thực hiện chuyển đổi số năm {report.year} của "
              f"{report.issuer.name}./.", before=6)
    signature_block(doc, report.issuer, available, signer)


def signature_block(doc: Any, issuer: Any, available: Any, signer: str) -> None:
    """Recipients on the left ("Nơi nhận:"), the signature on the right."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    _widths(table, [Mm(80), available - Mm(80)])
    _run(left.paragraphs[0], "Nơi nhận:", 12, bold=True, italic=True)
    for line in issuer.recipients:
        _par(left, f"- {line};", 11, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False, after=0,
             spacing=1.0)
    _par(left, f"- Lưu: {issuer.archive}.", 11, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False,
         after=0, spacing=1.0)
    right.paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(right.paragraphs[0], issuer.authority, 14, bold=True)
    _centre(right, issuer.title, 14, bold=True, after=60)
    _centre(right, signer or "[Họ và tên người ký]", 14, bold=True)


def _appendix_section(doc: Any, number: str, title: str, report: EvaluationReport) -> None:
    _appendix_section_titled(doc, f"Phụ lục {number}", title,
                             f"(Kèm theo Báo cáo số {_number_only(report)} "
                             f"{short_date(report.issued_on)} của {report.issuer.name})")


def _appendix_section_titled(doc: Any, label: str, title: str, attached: str) -> None:
    """A landscape section numbered from 1: label, title in capitals, "(Kèm theo …)"."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape=True)
    _page_numbers(section, restart=True)
    _centre(doc, label, 14, bold=True)
    _centre(doc, title.upper(), 14, bold=True)
    _centre(doc, attached, 14, italic=True, after=8)


def _number_only(report: EvaluationReport) -> str:
    return report.number_text.removeprefix("Số:").strip()


def appendix_i_rows(report: EvaluationReport) -> list[list[Any] | str]:
    """The rows of appendix I (targets), grouped by area, as values (None: no figure)."""
    out: list[list[Any] | str] = []
    n = 0
    for area, rows in report.areas.items():
        out.append(area)
        for row in rows:
            n += 1
            out.append([n, row.title, row.unit, row.last_year, row.plan, row.this_year,
                        row.percent_of_plan, row.percent_of_last_year, row.status_label,
                        row.data_source])
    return out


def appendix_ii_rows(report: EvaluationReport) -> list[list[Any]]:
    return [[i, t["title"], t["lead_names"], t["deliverable"] or "—", t["deadline"],
             t["status_label"], t["result"], t["assigned_by"] or "—"]
            for i, t in enumerate(report.tasks, start=1)]


def render_docx(report: EvaluationReport, signer: str = "") -> bytes:
    """The report as a .docx file's bytes."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY)
    _fonts(normal.element)
    section = doc.sections[0]
    _page(section)
    _page_numbers(section)
    available = section.page_width - section.left_margin - section.right_margin
    doc.core_properties.title = f"Báo cáo {report.subject}"
    doc.core_properties.author = report.issuer.name
    doc.core_properties.created = _midnight(report.issued_on)
    doc.core_properties.modified = _midnight(report.issued_on)
    doc.core_properties.last_modified_by = "sodo"
    doc.core_properties.revision = 1

    _header(doc, report, available)
    _title(doc, report, available)
    _par(doc, f"Thực hiện {report.programme_name}, {report.issuer.name} báo cáo kết quả thực "
              f"hiện chuyển đổi số năm {report.year}"
              + ("" if report.unit == "VN" else f" của {report.unit_name}")
              + f" (số liệu đã được phê duyệt tính đến ngày "
                f"{report.as_of.strftime('%d/%m/%Y')}) như sau:", before=6)
    _heading(doc, "I. KẾT QUẢ ĐẠT ĐƯỢC")
    _leadership(doc, report)
    _results(doc, report)
    key = worst_targets(report)
    image = charts.trend_chart(key)
    if image:
        _picture(doc, image, min(available, Mm(160)),
                 "Hình 1. Diễn biến các chỉ tiêu cần quan tâm (đường nét đứt: mục tiêu)")
    _index(doc, report, min(available, Mm(160)))
    _shortcomings(doc, report)
    for i, (key_name, heading) in enumerate(
            [("lessons", "BÀI HỌC KINH NGHIỆM"),
             ("directions", f"PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {report.year + 1}"),
             ("proposals", "KIẾN NGHỊ, ĐỀ XUẤT")], start=2):
        _heading(doc, f"{ROMAN[i]}. {heading}")
        _narrative(doc, report, key_name)
    _closing(doc, report, available, signer)

    _appendix_section(doc, "I", f"Kết quả thực hiện các chỉ tiêu chuyển đổi số năm "
                                f"{report.year}", report)
    headers = [h.format(year=report.year, prev=report.year - 1) for h in APPENDIX_I_HEADERS]
    rows: list[Any] = []
    decimals = {row.title: row.decimals for row in report.targets}
    for values in appendix_i_rows(report):
        if isinstance(values, str):
            rows.append(values)
            continue
        d = decimals.get(values[1], 2)
        rows.append([values[0], values[1], values[2], _v(values[3], d), _v(values[4], d),
                     _v(values[5], d), _v(values[6], 1), _v(values[7], 1), values[8],
                     values[9]])
    _grid(doc, headers, rows, (1.0, 7.0, 1.4, 2.0, 2.0, 2.0, 1.8, 1.8, 2.6, 4.0), size=10.5,
          numeric=(3, 4, 5, 6, 7))
    _par(doc, "Ghi chú: Kế hoạch năm là mốc của chỉ tiêu trong năm, hoặc giá trị mục tiêu "
              "nếu hạn là năm báo cáo, hoặc giá trị trên lộ trình tuyến tính từ số liệu gốc "
              "đến mục tiêu. So với KH (%) của chỉ tiêu xếp hạng (càng nhỏ càng tốt) = kế "
              "hoạch / thực hiện × 100.", 11, italic=True, indent=False, before=6)

    _appendix_section(doc, "II", f"Tình hình thực hiện các nhiệm vụ năm {report.year}", report)
    _grid(doc, APPENDIX_II_HEADERS, [[str(v) for v in r] for r in appendix_ii_rows(report)],
          (1.0, 6.0, 3.0, 5.0, 2.2, 2.4, 3.0, 2.8), size=10.5)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _midnight(day: date) -> Any:
    from datetime import datetime

    return datetime(day.year, day.month, day.day)

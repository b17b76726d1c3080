"""Excel round trip for report forms: a template per form, unit(s) and period, and the upload
of a filled template, validated cell by cell and imported all or nothing.

The template has an instructions sheet (``Hướng dẫn``), the data sheet (``Báo cáo``: one row per
unit × indicator; code columns locked, value cells with number validation, a dropdown for the
kind of figure) and a very hidden sheet ``_sodo`` naming the form and period it was made for.

Uploads are checked before anything is expanded: size, the ZIP signature, then the ZIP central
directory (entry count, declared uncompressed sizes and compression ratios — a zip bomb is
refused on what it declares), and macro content (``.xlsm``, ``vbaProject.bin``) is refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from sodo.domain.forms import ReportForm, ValueInput
from sodo.domain.orgunits import default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.permissions import Action, Actor, allows, require
from sodo.domain.problems import InputError, Problem
from sodo.domain.text import nfc
from sodo.services import catalogue
from sodo.services.reporting import get_form, save_draft, submit
from sodo.stores.operational.models import Submission

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ENTRY_RATIO = 200  # declared uncompressed / compressed, per entry
MAX_ENTRIES = 2000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DATA_SHEET = "Báo cáo"
HELP_SHEET = "Hướng dẫn"
META_SHEET = "_sodo"
HEADER_ROW = 4
HEADERS = [("Mã đơn vị", "orgunit", 12), ("Tên đơn vị", "orgunit_name", 30),
           ("Kỳ báo cáo", "period", 12), ("Mã chỉ tiêu", "indicator", 30),
           ("Tên chỉ tiêu", "indicator_name", 55), ("Đơn vị tính", "unit", 12),
           ("Giá trị", "value", 14), ("Loại số liệu", "kind", 14), ("Ghi chú", "note", 40)]
COL = {key: index + 1 for index, (_, key, _) in enumerate(HEADERS)}
KINDS = ("Chính thức", "Ước tính")
ESTIMATE_NOTE = "ước tính"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


# -- checking an upload before it is opened ----------------------------------------------

def inspect_zip(data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES,
                kind: str = "xlsx") -> zipfile.ZipFile:
    """Refuse anything that is not a plain Office Open XML file of ``kind`` (xlsx or docx)
    without expanding it; returns the opened archive (central directory read only)."""
    name = filename or "upload"
    lower = name.lower()
    if len(data) > max_bytes:
        raise InputError(f"{name}: file too large ({len(data):,} bytes; at most "
                         f"{max_bytes:,})", [Problem("file too large", name, rule="size")])
    if lower.endswith((".xlsm", ".xltm", ".xlam", ".docm", ".dotm")):
        raise InputError(f"{name}: macro-enabled files are refused; save as .{kind}",
                         [Problem("macro-enabled file", name, rule="macro")])
    if not data.startswith(b"PK\x03\x04"):
        what = "an old .xls/.doc file" if data.startswith(b"\xd0\xcf\x11\xe0") else \
            f"not an .{kind} file"
        raise InputError(f"{name}: {what}; upload the .{kind} file sodo produced",
                         [Problem(what, name, rule="type")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InputError(f"{name}: damaged file ({exc})",
                         [Problem("damaged zip", name, rule="type")]) from None
    if len(infos) > MAX_ENTRIES:
        raise InputError(f"{name}: too many parts ({len(infos)}) for a workbook",
                         [Problem("too many zip entries", name, rule="zipbomb")])
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_ENTRY_RATIO and info.file_size > 1024 * 1024:
            raise InputError(f"{name}: part '{info.filename}' expands {ratio:.0f}× — refused "
                             "as a possible zip bomb", [Problem("compression ratio too high",
                                                                name, rule="zipbomb")])
        lowered = info.filename.lower()
        if "vbaproject" in lowered or "vbadata" in lowered:
            raise InputError(f"{name}: contains macros (vbaProject); save as .{kind} without "
                             "macros", [Problem("macro content", name, rule="macro")])
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InputError(f"{name}: expands to {total:,} bytes (at most "
                         f"{MAX_UNCOMPRESSED_BYTES:,}) — refused",
                         [Problem("uncompressed size too large", name, rule="zipbomb")])
    names = {info.filename for info in infos}
    main = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    if "[Content_Types].xml" not in names or main not in names:
        raise InputError(f"{name}: not an .{kind} file", [Problem("not OOXML", name,
                                                                  rule="type")])
    content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    if "macroEnabled" in content_types:
        raise InputError(f"{name}: macro-enabled workbook; save as .{kind}",
                         [Problem("macro-enabled content type", name, rule="macro")])
    return archive


# -- template -------------------------------------------------------------------------------

def _safe_text(value: str) -> str:
    # A cell starting with = + - @ would be read by Excel as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def build_template(form: ReportForm, period: str, orgunits: list[str],
                   indicators: dict[str, dict[str, Any]] | None = None) -> bytes:
    """An .xlsx for ``form`` × ``period`` × ``orgunits`` (see the module docstring)."""
    per = form.check_period(period)
    hierarchy = default_hierarchy()
    for code in orgunits:
        hierarchy.get(code)  # OrgUnitError for an unknown code
    indicators = indicators or {}
    wb = Workbook()
    help_ws = wb.active
    help_ws.title = HELP_SHEET
    ws = wb.create_sheet(DATA_SHEET)
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    meta.append(["form", form.code])
    meta.append(["period", per.id])
    meta.append(["orgunits", ";".join(orgunits)])
    meta.append(["template_version", "1"])

    due = form.due_on(per).strftime("%d/%m/%Y")
    start, end = form.window(per)
    lines = [
        (form.name, True),
        (f"{per.label('vi')} — số liệu từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}; hạn nộp {due}.",
         False),
        ("", False),
        ("Cách điền / How to fill in", True),
        (f"1. Điền số vào cột «Giá trị» của trang «{DATA_SHEET}» (ô màu vàng). Dùng dấu phẩy "
         "hoặc dấu chấm cho phần thập phân; tỷ lệ % ghi số, ví dụ 51,7.", False),
        ("2. Không sửa các cột mã (màu xám): mã đơn vị, kỳ báo cáo, mã chỉ tiêu.", False),
        ("3. Chọn «Loại số liệu»: Chính thức hoặc Ước tính. Ghi chú nguồn số liệu nếu có.",
         False),
        ("4. Tải tệp lên sodo (trang Báo cáo hoặc API). Tệp lỗi bị từ chối toàn bộ, kèm danh "
         "sách ô lỗi; không ô nào được ghi khi còn lỗi.", False),
        ("Fill the yellow «Giá trị» cells; do not change the grey code columns; upload the "
         "file back. A file with any bad cell is refused as a whole with the list of cells.",
         False),
        ("", False),
        ("Chỉ tiêu / Indicators", True),
    ]
    for text, bold in lines:
        help_ws.append([text])
        help_ws.cell(help_ws.max_row, 1).font = Font(bold=bold, size=13 if bold else 11)
    for spec in form.indicators:
        info = indicators.get(spec.code, {})
        rule = []
        if spec.min is not None:
            rule.append(f"≥ {spec.min:g}")
        if spec.max is not None:
            rule.append(f"≤ {spec.max:g}")
        if spec.integer:
            rule.append("số nguyên")
        help_ws.append([spec.code, info.get("name", ""), info.get("unit", ""),
                        "bắt buộc" if spec.required else "không bắt buộc", ", ".join(rule),
                        info.get("method", "")])
    help_ws.column_dimensions["A"].width = 34
    help_ws.column_dimensions["B"].width = 60
    help_ws.column_dimensions["F"].width = 80

    ws["A1"] = form.name
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{per.label('vi')} ({per.id}) — {form.code}"
    for index, (title, _, width) in enumerate(HEADERS, start=1):
        cell = ws.cell(HEADER_ROW, index, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = width
    kind_dv = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"',
                             allow_blank=True, showErrorMessage=True,
                             errorTitle="Loại số liệu", error="Chọn Chính thức hoặc Ước tính")
    ws.add_data_validation(kind_dv)
    number_rules: dict[str, DataValidation] = {}
    for spec in form.indicators:  # one rule per indicator, over all its value cells
        number_rules[spec.code] = DataValidation(
            type="whole" if spec.integer else "decimal", operator="between",
            formula1=_excel_number(spec.min if spec.min is not None else -1e15),
            formula2=_excel_number(spec.max if spec.max is not None else 1e15),
            allow_blank=True, showErrorMessage=True, errorTitle="Giá trị",
            error=_rule_text(spec))
        ws.add_data_validation(number_rules[spec.code])
    row = HEADER_ROW
    for code in orgunits:
        unit = hierarchy.get(code)
        for spec in form.indicators:
            row += 1
            info = indicators.get(spec.code, {})
            values = {"orgunit": code, "orgunit_name": unit.name, "period": per.id,
                      "indicator": spec.code,
                      "indicator_name": _safe_text(spec.label or info.get("name", "")),
                      "unit": _safe_text(info.get("unit", "")), "value": None,
                      "kind": KINDS[0], "note": None}
            for key, col in COL.items():
                cell = ws.cell(row, col, values[key])
                editable = key in ("value", "kind", "note")
                cell.protection = Protection(locked=not editable)
                cell.fill = INPUT_FILL if editable else LOCKED_FILL
                if key in ("orgunit", "period", "indicator"):
                    cell.number_format = "@"
            number_rules[spec.code].add(ws.cell(row, COL["value"]))
            kind_dv.add(ws.cell(row, COL["kind"]))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, COL["value"])
    last = _signature_block(ws, row + 2)
    meta.append(["signature_row", str(row + 2)])
    _print_setup(ws, f"A1:{get_column_letter(len(HEADERS))}{last}", f"{HEADER_ROW}:{HEADER_ROW}")
    _print_setup(help_ws, f"A1:F{help_ws.max_row}", None)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen columns
    ws.protection.enable()
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# The signature block of a Vietnamese report form, below the table: the place and date line
# over the head of the unit's column; who drew it up (left) and the head (right) sign.
SIGNATURE_LEFT = ("Người lập biểu", "(Ký, ghi rõ họ tên)")
SIGNATURE_RIGHT = ("Thủ trưởng đơn vị", "(Ký, ghi rõ họ tên, đóng dấu)")
PLACE_DATE = "……………, ngày …… tháng …… năm ………"
SIGNATURE_ROWS = 8  # the place line, the titles, their notes, room to sign


def _signature_block(ws: Any, top: int) -> int:
    """Write the signature block from row ``top``; its last row."""
    left = (COL["orgunit_name"], COL["indicator"])  # columns B–D
    right = (COL["value"], COL["note"])  # columns G–I
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def put(row: int, cols: tuple[int, int], text: str, font: Font) -> None:
        ws.merge_cells(start_row=row, start_column=cols[0], end_row=row, end_column=cols[1])
        cell = ws.cell(row, cols[0], text)
        cell.font, cell.alignment = font, centre

    put(top, right, PLACE_DATE, Font(italic=True))
    for cols, (title, note) in ((left, SIGNATURE_LEFT), (right, SIGNATURE_RIGHT)):
        put(top + 1, cols, title, Font(bold=True))
        put(top + 2, cols, note, Font(italic=True, size=10))
    return top + SIGNATURE_ROWS - 1


def _print_setup(ws: Any, area: str, title_rows: str | None) -> None:
    """A4 landscape, one page wide (as many pages tall as the rows need), the column
    headers repeated on every page, centred, with the page number in the footer."""
    ws.print_area = area
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P/&N"


def _excel_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _rule_text(spec: Any) -> str:
    parts = ["Nhập một số"]
    if spec.min is not None and spec.max is not None:
        parts.append(f"từ {spec.min:g} đến {spec.max:g}")
    elif spec.min is not None:
        parts.append(f"không nhỏ hơn {spec.min:g}")
    elif spec.max is not None:
        parts.append(f"không lớn hơn {spec.max:g}")
    if spec.integer:
        parts.append("(số nguyên)")
    return " ".join(parts)


def template_for(session: Session, actor: Actor, form_code: str, period: str,
                 orgunits: list[str] | None = None) -> tuple[str, bytes]:
    """The template file name and bytes; ``orgunits`` defaults to the units the actor
    reports for (all reporting units for admins)."""
    form = get_form(session, form_code)
    per = form.check_period(period)
    units = orgunits or [u for u in form.reporting_units(on=per.end)
                         if allows(actor, Action.REPORT, u)]
    if not units:
        require(actor, Action.REPORT, (form.reporting_units(on=per.end) or ["VN"])[0])
    for unit in units:
        require(actor, Action.REPORT, unit)
    rows, _ = catalogue.list_items(session, "indicator", limit=100_000)
    data = build_template(form, per.id, units, {r.key: r.data for r in rows})
    suffix = units[0] if len(units) == 1 else f"{len(units)}-don-vi"
    return f"{form.code}_{per.id}_{suffix}.xlsx", data


# -- reading an upload ------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(\d{1,3}([ .\u00a0]\d{3})+|\d+)([.,]\d+)?$")


def _number(value: Any) -> float | None:
    """A cell's number: numbers as they are; text like '51,7' or '1.234,5' read the
    Vietnamese way. Raises ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", " ")
    if not _NUMBER.match(text):
        raise ValueError("not a number")
    if "," in text:  # Vietnamese style: '.' or ' ' groups thousands, ',' marks decimals
        text = text.replace(".", "").replace(" ", "").replace(",", ".")
    else:
        # One '.' is a decimal point; several group thousands.
        parts = text.replace(" ", "").split(".")
        text = "".join(parts) if len(parts) > 2 else ".".join(parts)
    return float(text)


@dataclass
class ParsedUpload:
    form: ReportForm
    period: str
    values: dict[str, list[ValueInput]]  # org unit → values


MAX_PROBLEMS = 50  # bad cells listed; reading stops at the next one and says so
SPARE_ROWS = 50  # blank or extra rows tolerated beyond the template's shape
MAX_META_ROWS = 20
MAX_BLANK_TAIL = 1000  # blank rows past the shape read before reading stops


class _At:
    """Where a value was read: a row number and column of the data sheet."""

    __slots__ = ("column_letter", "coordinate", "row")

    def __init__(self, row: int, column: int) -> None:
        self.row = row
        self.column_letter = get_column_letter(column)
        self.coordinate = f"{self.column_letter}{row}"


class _Cell(_At):
    __slots__ = ("value",)

    def __init__(self, row: int, column: int, value: Any) -> None:
        super().__init__(row, column)
        self.value = value


def _cell_problem(file: str, cell: _At, message: str, rule: str) -> Problem:
    return Problem(message, file, cell.row, cell.column_letter, rule=rule,
                   object=f"{DATA_SHEET}!{cell.coordinate}")


class _TooManyProblems(Exception):
    pass


def read_upload(session: Session, data: bytes, filename: str,
                form_code: str | None = None) -> ParsedUpload:
    """Check an uploaded template and every cell in it; :class:`InputError` lists each bad
    cell (sheet, cell, message) — the first :data:`MAX_PROBLEMS`, then reading stops. The
    workbook is streamed (read-only mode), and a sheet with more rows than the template's
    shape (units × indicators of the form, plus :data:`SPARE_ROWS`) is refused as soon as
    that row is reached. Nothing is written here."""
    inspect_zip(data, filename)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
        raise InputError(f"{filename}: the workbook cannot be read ({type(exc).__name__})",
                         [Problem("unreadable workbook", filename, rule="type")]) from None
    try:
        return _read_workbook(session, wb, filename, form_code)
    except InputError:
        raise
    except Exception as exc:  # a damaged sheet met while streaming
        raise InputError(f"{filename}: the workbook cannot be read ({type(exc).__name__})",
                         [Problem("unreadable workbook", filename, rule="type")]) from None
    finally:
        wb.close()


def _read_workbook(session: Session, wb: Any, filename: str,
                   form_code: str | None) -> ParsedUpload:
    if META_SHEET not in wb.sheetnames or DATA_SHEET not in wb.sheetnames:
        raise InputError(f"{filename}: not a sodo report template (sheets '{DATA_SHEET}' and "
                         f"'{META_SHEET}' missing); download a template from sodo",
                         [Problem("not a sodo template", filename, rule="template")])
    meta = {str(r[0]): str(r[1] or "")[:100_000]
            for r in wb[META_SHEET].iter_rows(max_row=MAX_META_ROWS, max_col=2,
                                              values_only=True)
            if len(r) >= 2 and r[0]}
    code = meta.get("form", "")
    if form_code and code != form_code:
        raise InputError(f"{filename}: this template is for form '{code[:64]}', not "
                         f"'{form_code}'",
                         [Problem("template for another form", filename, rule="template")])
    form = get_form(session, code)
    per = form.check_period(meta.get("period", ""))
    allowed_units = set(filter(None, meta.get("orgunits", "").split(";")))
    max_rows = len(allowed_units) * len(form.indicators) + SPARE_ROWS
    ws = wb[DATA_SHEET]
    header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, max_col=len(HEADERS),
                               values_only=True), ())
    headers = [nfc(str(v or "")).strip() for v in header]
    if headers != [h for h, _, _ in HEADERS]:
        raise InputError(f"{filename}: the columns of '{DATA_SHEET}' were changed; "
                         "download a new template",
                         [Problem("columns changed", filename, HEADER_ROW, rule="template",
                                  object=f"{DATA_SHEET}!A{HEADER_ROW}")])
    problems: list[Problem] = []
    values: dict[str, list[ValueInput]] = {}
    seen: set[tuple[str, str]] = set()

    def bad(cell: _At, message: str, rule: str) -> None:
        if len(problems) >= MAX_PROBLEMS:
            raise _TooManyProblems
        problems.append(_cell_problem(filename, cell, message, rule))

    first = HEADER_ROW + 1
    # the signature block below the table is not data (templates before it have no such row);
    # rows past it are read like any other (and bounded the same way), so nothing typed below
    # the block is silently dropped
    signature = meta.get("signature_row", "")
    block = (range(int(signature), int(signature) + SIGNATURE_ROWS) if signature.isdigit()
             else range(0))
    try:
        for number_of_row, raw in enumerate(ws.iter_rows(min_row=first, max_col=len(HEADERS),
                                                         values_only=True), start=first):
            if number_of_row in block:
                continue
            read = number_of_row - first - (len(block) if number_of_row >= block.stop else 0)
            if read >= max_rows:
                if read >= max_rows + MAX_BLANK_TAIL:
                    break  # only blank rows so far past the shape: stop reading
                if any(v not in (None, "") for v in raw):
                    raise InputError(
                        f"{filename}: '{DATA_SHEET}' has data beyond row "
                        f"{number_of_row - (read - max_rows) - 1}; this template has "
                        f"{len(allowed_units)} unit(s) × {len(form.indicators)} indicator(s)",
                        [Problem("more rows than the template", filename, number_of_row,
                                 rule="limit", object=f"{DATA_SHEET}!A{number_of_row}")])
                continue
            row = tuple(raw) + (None,) * (len(HEADERS) - len(raw))
            _check_row(form, per.id, allowed_units, seen, values, bad,
                       {key: _Cell(number_of_row, col, row[col - 1])
                        for key, col in COL.items()})
    except _TooManyProblems:
        raise InputError(f"{filename}: more than {MAX_PROBLEMS} bad cells (the first "
                         f"{MAX_PROBLEMS} are listed; checking stopped there); nothing was "
                         "imported", problems) from None
    if problems:
        count = len(problems)
        raise InputError(f"{filename}: {count} bad cell{'s' * (count != 1)}; nothing was "
                         "imported", problems)
    return ParsedUpload(form, per.id, values)


def _check_row(form: ReportForm, period: str, allowed_units: set[str],
               seen: set[tuple[str, str]], values: dict[str, list[ValueInput]],
               bad: Any, cells: dict[str, _Cell]) -> None:
    unit = str(cells["orgunit"].value or "").strip()
    indicator = str(cells["indicator"].value or "").strip()
    if not unit and not indicator and cells["value"].value in (None, ""):
        return
    if unit not in allowed_units:
        return bad(cells["orgunit"], f"org unit '{unit[:64]}' is not in this template",
                   "template")
    if str(cells["period"].value or "").strip() != period:
        return bad(cells["period"], f"period must stay {period}", "template")
    try:
        spec = form.indicator(indicator)
    except KeyError:
        return bad(cells["indicator"], f"indicator '{indicator[:64]}' is not on form "
                   f"{form.code}", "template")
    if (unit, indicator) in seen:
        return bad(cells["indicator"], f"{unit} / {indicator} appears twice", "duplicate")
    seen.add((unit, indicator))
    cell = cells["value"]
    try:
        number = _number(cell.value)
    except ValueError:
        return bad(cell, f"'{str(cell.value)[:64]}' is not a number (Giá trị phải là số)",
                   "type")
    if number is None:
        if spec.required:
            bad(cell, f"a value for '{indicator}' is required (bắt buộc)", "required")
        return None
    if spec.integer and number != int(number):
        return bad(cell, f"{number:g} must be a whole number", "type")
    if spec.min is not None and number < spec.min:
        return bad(cell, f"{number:g} is below the minimum {spec.min:g}", "range")
    if spec.max is not None and number > spec.max:
        return bad(cell, f"{number:g} is above the maximum {spec.max:g}", "range")
    kind = nfc(str(cells["kind"].value or KINDS[0]).strip())
    if kind not in KINDS:
        return bad(cells["kind"], f"'{kind[:64]}': choose {' or '.join(KINDS)}", "allowed")
    note = nfc(str(cells["note"].value or "").strip())
    if kind == KINDS[1]:
        note = f"{ESTIMATE_NOTE}; {note}" if note else ESTIMATE_NOTE
    values.setdefault(unit, []).append(ValueInput(indicator, number, note=note,
                                                  where=f"{DATA_SHEET}!{cell.coordinate}"))
    return None


def import_upload(session: Session, actor: Actor, data: bytes, filename: str, *,
                  form_code: str | None = None, submit_after: bool = False) -> list[Submission]:
    """Validate an uploaded template and save each unit's values as its draft (and submit
    them if asked) — all units or none: the caller commits only if this returns. Someone who
    may report for no unit is refused before the workbook is opened."""
    require(actor, Action.REPORT, actor.orgunit)
    parsed = read_upload(session, data, filename, form_code)
    for unit in parsed.values:
        require(actor, Action.REPORT, unit)
    subs = []
    for unit, values in parsed.values.items():
        sub = save_draft(session, actor, parsed.form.code, unit, parsed.period, values,
                         channel="excel", file=filename)
        if submit_after:
            sub = submit(session, actor, sub.id)
        subs.append(sub)
    return subs


def problems_as_cells(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems of an upload as ``{sheet, cell, message, rule}`` rows."""
    out = []
    for p in problems:
        sheet, _, cell = p.object.partition("!") if "!" in p.object else ("", "", "")
        out.append({"sheet": sheet, "cell": cell, "row": p.line, "column": p.column,
                    "message": p.message, "rule": p.rule})
    return out


def period_label(period: str) -> str:
    return Period.parse(period).label("vi")

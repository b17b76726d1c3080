"""Files sent to a browser: the one place that writes ``Content-Disposition``.

A header value is latin-1 on the wire, so a Vietnamese file name ("Tờ trình 123-TTr-BKHCN.pdf")
cannot go into ``filename="…"`` as it is. RFC 6266 with RFC 5987 gives the answer used here:
an ASCII fallback in ``filename`` (diacritics stripped, unsafe characters replaced) for old
clients, and the real name, UTF-8 and percent-encoded, in ``filename*``, which every current
browser prefers."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

# the characters kept as they are in the ASCII fallback (RFC 6266 token-safe plus space)
_FALLBACK_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- ()")
_VIETNAMESE_D = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_filename(name: str, default: str = "download") -> str:
    """The file name with diacritics stripped and anything unsafe in a quoted header replaced
    by ``_`` ("Tờ trình 123.pdf" → "To trinh 123.pdf")."""
    base = unicodedata.normalize("NFKD", name.translate(_VIETNAMESE_D))
    base = "".join(c for c in base if not unicodedata.combining(c))
    cleaned = "".join(c if c in _FALLBACK_SAFE else "_" for c in base).strip(" .")
    return cleaned or default


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266 §4.3).

    The real name is taken only as far as its last path separator (a name is never a path)."""
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"unknown disposition {disposition!r}")
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C") or "download"
    fallback = ascii_filename(name)
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def download(content: bytes, filename: str, media_type: str,
             disposition: str = "attachment", headers: dict[str, str] | None = None) -> Response:
    """A file response named ``filename`` (any characters) that the browser saves as such."""
    all_headers = {"Content-Disposition": content_disposition(filename, disposition),
                   "X-Content-Type-Options": "nosniff", **(headers or {})}
    return Response(content, media_type=media_type, headers=all_headers)


# -- tables as shown: CSV and Excel ------------------------------------------------------------

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    """One column of a table as a page shows it: its header (already in the reader's
    language), the unit put into the header ("Giá trị (%)"), and for numbers the decimals
    shown, so a download holds the figure on screen (63,64, never 63.63999999999999)."""

    key: str
    header: str
    unit: str = ""
    decimals: int | None = None
    number: bool = False

    @property
    def title(self) -> str:
        return f"{self.header} ({self.unit})" if self.unit else self.header

    def cell(self, row: Mapping[str, Any]) -> Any:
        value = row.get(self.key)
        if self.number and isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and math.isnan(value):
                return None
            rounded = round(float(value), 2 if self.decimals is None else self.decimals)
            return int(rounded) if rounded.is_integer() else rounded
        return value


@dataclass(frozen=True)
class Table:
    """A table of a page: its name (``?table=``), title, columns and rows (dicts)."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    notes: Sequence[str] = field(default_factory=tuple)


def tables_csv(table: Table) -> bytes:
    """One table as CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics); the
    notes (provisional values, synthetic data) become a last column "Ghi chú" when present."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    note = " ".join(table.notes)
    writer.writerow([c.title for c in table.columns] + (["Ghi chú / Note"] if note else []))
    for row in table.rows:
        cells = ["" if (v := c.cell(row)) is None else v for c in table.columns]
        writer.writerow(cells + ([note] if note else []))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """Every table on its own sheet: the title, the notes, then the header row (bold, frozen)
    and the rows, numbers as numbers with the decimals shown."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        name = "".join(c for c in table.title if c not in "[]:*?/\\")[:31] or table.name
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=13)
        for note in table.notes:
            sheet.append([note])
        header_row = sheet.max_row + 1
        sheet.append([c.title for c in table.columns])
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([c.cell(row) for c in table.columns])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            if column.number:
                places = 2 if column.decimals is None else column.decimals
                fmt = "#,##0" + ("." + "0" * places if places else "")
                for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=index,
                                               max_col=index):
                    cell.number_format = fmt
            width = max([len(str(column.title))] + [len(str(column.cell(r) or ""))
                                                    for r in table.rows[:200]])
            sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_download(tables: Sequence[Table], fmt: str, basename: str,
                   table: str | None = None) -> Response:
    """``?format=csv`` (one table: ``table=`` or the first) or ``?format=xlsx`` (all of them)
    named ``basename.csv|xlsx``."""
    if fmt == "xlsx":
        return download(tables_xlsx(tables), f"{basename}.xlsx", XLSX_MEDIA_TYPE)
    if fmt != "csv":
        raise ValueError(f"unknown table format {fmt!r}")
    chosen = next((t for t in tables if t.name == table), None) if table else None
    chosen = chosen or tables[0]
    suffix = f"-{chosen.name}" if len(tables) > 1 else ""
    return download(tables_csv(chosen), f"{basename}{suffix}.csv", CSV_MEDIA_TYPE)

"""Reading a directive's text from what a user gives: a .txt (UTF-8 or UTF-16), a .docx (its
paragraphs and tables in document order, a table row as ``a | b | c``), a .pdf with a text
layer, or standard input. Every refusal names the file and says what to do."""

from __future__ import annotations

import io
import re
import zipfile

from sodo.domain.extract.text import looks_vietnamese
from sodo.domain.problems import InputError, Problem

MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = (".txt", ".md", ".docx", ".pdf")


def _refuse(name: str, message: str, rule: str) -> InputError:
    return InputError(f"{name}: {message}", [Problem(message, name, rule=rule)])


def read_document(data: bytes, name: str = "<stdin>") -> str:
    """The text of a document given as bytes; its kind from the name's suffix, else from
    its first bytes."""
    if not data or not data.strip():
        raise _refuse(name, "the file is empty", "empty")
    if len(data) > MAX_BYTES:
        raise _refuse(name, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                      "size")
    lower = name.lower()
    if lower.endswith(".docx") or (not lower.endswith((".txt", ".md", ".pdf"))
                                   and data[:2] == b"PK"):
        text = _docx(data, name)
    elif lower.endswith(".pdf") or data[:5] == b"%PDF-":
        text = _pdf(data, name)
    elif lower.endswith(".doc"):
        raise _refuse(name, "old Word files (.doc) are not read; save it as .docx or .pdf",
                      "format")
    else:
        text = _plain(data, name)
    check_text(text, name)
    return text


def check_text(text: str, name: str = "<text>") -> None:
    """Refuse a text with nothing to read, or one that is not Vietnamese."""
    if not text or not text.strip():
        raise _refuse(name, "there is no text to read", "empty")
    if not looks_vietnamese(text):
        raise _refuse(name, "the text does not read as Vietnamese; sodo extracts tasks from "
                            "Vietnamese directives only", "language")


def _plain(data: bytes, name: str) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise _refuse(name, "this is a binary file, not text (give a .txt, .docx or .pdf)",
                      "format")
    raise _refuse(name, "the text is not UTF-8; save it as UTF-8 (legacy TCVN3/VNI fonts are "
                        "not read)", "encoding")


def _docx(data: bytes, name: str) -> str:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError):
        raise _refuse(name, "not a Word document (.docx): the file cannot be opened as one; "
                            "is it another kind of file renamed?", "format") from None
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            lines.append("")
            lines.extend(_table_rows(Table(child, document)))
            lines.append("")
    return "\n".join(lines)


def _table_rows(table: object) -> list[str]:
    rows: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


_MARKER = re.compile(r"^\s*(?:Điều\s+\d+|[IVX]+\.|\d{1,2}(?:\.\d{1,2})*\.|\d{1,2}\)|[a-zđ]\)|"
                     r"\((?:\d{1,2}|[ivx]{1,4})\)|[-–•+]\s|Nơi nhận|KT\.|TM\.|TL\.)")


def _join_lines(page: str) -> str:
    """A PDF gives one line per printed line: put a paragraph's lines back together (a line
    that does not end a sentence goes on, unless the next one opens an item)."""
    out: list[str] = []
    for line in page.split("\n"):
        stripped = line.strip()
        if out and out[-1] and stripped and not out[-1].rstrip().endswith(
                (".", ":", ";", "!", "?", "./.")) and not _MARKER.match(stripped) and \
                not out[-1].isupper():
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(stripped)
    return "\n".join(out)


def _pdf(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _refuse(name, f"not a readable PDF ({exc})", "format") from None
    text = "\n\n".join(_join_lines(page) for page in pages)
    if sum(1 for ch in text if ch.isalnum()) < 20 * max(1, len(pages)) // 4:
        raise _refuse(name, f"the PDF has no text layer ({len(pages)} page"
                            f"{'s' if len(pages) != 1 else ''} of images, e.g. a scan); run "
                            "OCR on it first or give the .docx", "no-text-layer")
    return text

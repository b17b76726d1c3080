"""Text as the extractor reads it: one cleaned form whose offsets every proposal refers to,
and a folded view of the same length for diacritic-blind matching.

``clean_text`` is applied once to what a reader produced (a pasted text, a .docx, a PDF's
text layer): Unicode NFC, one kind of line break, no transcription marks (``**bold**``,
``*italic*``), page breaks inside a sentence joined, soft line wraps of PDFs undone, tables
given as tab-separated lines, as Markdown pipe tables or flattened one cell a line (a web page
saved as text: cells between lines holding only ``|``) turned into ``a | b | c`` rows. Spans and passages are offsets
into the cleaned text, which is also what the review page shows.
"""

from __future__ import annotations

import re
import unicodedata

from sodo.domain.text import nfc

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \u00a0\u2007\u202f\t]+")
_BOLD = re.compile(r"\*\*|__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]{1,400}?)(?<=[^\s*])\*(?![\w*])")
# An italic label with the space before its closing mark ("*Đơn vị phối hợp: *Sở Tư pháp").
_ITALIC_LABEL = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]{1,60}(?:\n[^*\n]{1,40})?:) \*(?=\S)")
# A blank line inside a sentence (a page break of the transcription): the next line goes on
# in lower case.
# (The class "[^\W\d_]" is any letter; the join's callback keeps only a lower-case one — a
# class like "[a-zà-ỹ]" also holds capitals: Đ U+0110, Ơ, Ư, Ạ, Ấ … lie inside "à-ỹ".)
_PAGE_BREAK = re.compile(r"(?<=[\w,;–-])[ ]*\n[ ]*\n+[ ]*(?=[^\W\d_])(?![a-zđ]\)\s)(?![ivx]+\)\s)")
# A line wrapped by the PDF's layout: the next line starts in lower case and is not a list
# marker ("a) ", "(ii) ", "- ").
_SOFT_WRAP = re.compile(r"(?<=[\w,;:.)…–\-”’»])[ ]*\n[ ]*(?=[^\W\d_])(?![a-zđ]\)\s)(?![ivx]+\)\s)")
_LOWER_MARKER = re.compile(r"^(?:[a-zđ]\)|[ivx]+\))\s")
# A page break of a converted PDF ("--- PAGE BREAK ---", a form feed), with the page number
# printed above or below it.
_PAGE_MARK = re.compile(r"[ ]*\n+[ ]*(?:\d{1,3}[ ]*\n+)?\s*(?:\f|-{2,}[ ]*page[ ]*break[ ]*-{2,})[ ]*"
                        r"(?:\n+[ ]*\d{1,3}[ ]*(?=\n))?\s*(?:\n|$)", re.I)
# What opens an item (so a line starting with it is no continuation of the line before).
_OPENS_ITEM = re.compile(r"(?:Điều|ĐIỀU)\s+\d|[IVX]{1,5}[.)]\s|\d{1,2}(?:\.\d{1,2}){0,3}[.)]\s*\D|"
                         r"[a-zđ]\)|\((?:\d{1,2}|[ivx]{1,4})\)|[-–•+*_~]\s|Nơi nhận|KT\.|TM\.|TL\.")
# A printed line is this long at least when the layout wrapped it.
_WRAPPED_LINE = 50
# Words a phrase cannot end on: the line after them goes on.
_GOES_ON = re.compile(r"(?:^|\s)(?:của|và|với|các|những|về|cho|tại|theo|trong|đối với|là|được|"
                      r"thuộc|từ|đến|bằng|hoặc|trên|dưới|sau|trước|ngày|tháng|năm|số|"
                      r"giai đoạn|thời kỳ|quý|"
                      # the head of an agency's name ("Đơn vị phối hợp thực hiện: Sở\nTư pháp")
                      r"sở|ủy ban|uỷ ban|văn phòng)$", re.I)
# A line going on with a number and more words ("2025 và các năm tiếp theo.").
_NUMBER_GOES_ON = re.compile(r"\d[\d/.,]*(?:\s*[-–]\s*\d+)?[:,]?\s+\S")
# A range of years broken after its first year: "giai đoạn 2021\n- 2025 sang …".
_RANGE_GOES_ON = re.compile(r"[-–]\s*\d{4}(?!\d)")
# Letters only Vietnamese writes (French, Spanish and Portuguese share á, à, é, â, ê, ô, ã…).
_VIETNAMESE_LETTERS = set("ăđơưảạắằẳẵặấầẩẫậẻẽẹếềểễệỉĩịỏọốồổỗộớờởỡợủũụứừửữựỳỷỹỵ")
_VIETNAMESE_WORDS = {
    "va", "cua", "cac", "duoc", "trong", "nhung", "cho", "voi", "theo", "thuc", "hien",
    "nhiem", "vu", "chu", "tri", "phoi", "hop", "nam", "thang", "ngay", "bo", "tinh", "viec",
    "nay", "de", "tai", "ve", "co", "la", "khong", "mot", "nhu", "sau", "dong", "thoi",
    "xay", "dung", "trien", "khai", "quan", "ly", "nha", "nuoc", "chinh", "phu", "tuong",
}
_STRONG_WORDS = {"cua", "cac", "duoc", "nhung", "nhiem", "phoi", "trien", "chinh", "tuong",
                 "thuc", "hien", "xay", "dung"}


def clean_text(raw: str) -> str:
    """The text the extractor works on (see the module's description)."""
    text = nfc(raw).translate(_ZERO_WIDTH).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n--- page break ---\n")
    text = _flattened_tables(text)
    text = "\n".join(_table_row(line) for line in text.split("\n")
                     if not _PIPE_RULE.match(line))
    text = _SPACES.sub(" ", text)
    text = _BOLD_SPAN.sub(_bold_lines, text)
    text = _BOLD.sub("", text)
    text = _ITALIC_LABEL.sub(lambda m: m.group(1).replace("\n", " ") + " ", text)
    text = _ITALIC.sub(r"\1", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _PAGE_MARK.sub(_page_mark, text)
    text = _unwrap(text)
    text = _PAGE_BREAK.sub(_page_break, text)
    text = _SOFT_WRAP.sub(_goes_on, text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# A short bold span over several lines: a heading the page broke inside a name ("**2. Sở\nKhoa
# học và Công nghệ**", "**4. Văn\nphòng UBND tỉnh**") or after its number ("**2.****\n**Kết
# hợp …", "**II.\nTrách nhiệm …**").
_BOLD_SPAN = re.compile(r"\*\*([^*|]{0,300}?)\*\*")


def _bold_lines(m: re.Match[str]) -> str:
    """The lines of a bold span joined, when it is one heading: no blank line in it and no
    line after its first opening an item or standing in capitals."""
    inner = m.group(1)
    if "\n" not in inner or "\n\n" in inner:
        return m.group(0)
    rest = [line.strip() for line in inner.split("\n")[1:]]
    if any(_OPENS_ITEM.match(line) or _mostly_upper(line) for line in rest if line):
        return m.group(0)
    return "**" + re.sub(r"[ ]*\n[ ]*", " ", inner) + "**"


def _lower_next(m: re.Match[str]) -> bool:
    """The line after the match starts with a lower-case letter (on NFC text, by Unicode)."""
    return m.end() < len(m.string) and m.string[m.end()].islower()


def _goes_on(m: re.Match[str]) -> str:
    """A line going on in lower case is one with the line before."""
    return " " if _lower_next(m) else m.group(0)


def _page_break(m: re.Match[str]) -> str:
    """A blank line inside a sentence is a space; after a table row it ends the table."""
    line = m.string[m.string.rfind("\n", 0, m.start()) + 1:m.start()]
    return " " if _lower_next(m) and " | " not in line else m.group(0)


def _page_mark(m: re.Match[str]) -> str:
    """A page break between two parts of one sentence is a space; else a paragraph break."""
    before = m.string[:m.start()].rstrip()
    after = m.string[m.end():m.end() + 12]
    if before and before[-1] not in ".;:!?" and after and not _OPENS_ITEM.match(after):
        return " "
    return "\n\n"


def _mostly_upper(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)


def _unwrap(text: str) -> str:
    """Join the printed lines of a paragraph that a layout wrapped (a text-layer PDF or a web
    page saved as text): a line that does not end a sentence goes on in the next line when
    that one opens no item and neither is a heading in capitals or a table row, and the line
    is long (wrapped at the page width), or ends on a word that cannot end a phrase ("của",
    "và", "các" …), or the next line goes on with a number ("năm\n2025 và …"). Lines that go
    on in lower case are joined by ``_SOFT_WRAP`` whatever their length."""
    lines = text.split("\n")
    full = _full_width(lines)
    out: list[str] = []
    for at, line in enumerate(lines):
        prev = out[-1] if out else ""
        if (full and prev and line and (prev[-1] == ";" or (prev[-1] == "." and len(prev) >= full))
                and line[0].isupper() and not _OPENS_ITEM.match(line)
                and not _OWN_LINE.match(fold_view(" ".join(lines[at:at + 2])))
                and not _mostly_upper(prev) and not _mostly_upper(line)
                and " | " not in prev and " | " not in line and "|" not in (prev[0], line[0])):
            # a sentence ending where the layout wrapped a line, the next one going on in the
            # same paragraph ("… cá nhân có liên quan.\nƯu tiên nguồn nước …")
            out[-1] = prev + " " + line
            continue
        if prev and prev[-1].isdigit() and re.search(r"\d{4}$", prev) and \
                _RANGE_GOES_ON.match(line):
            out[-1] = prev + " " + line
            continue
        opened = line.lstrip("“\"'(*_«[")
        if (prev and opened and opened != line and (opened[0].islower() or opened[0].isdigit())
                and prev[-1] not in ".:!?"
                and not _OPENS_ITEM.match(line)):
            out[-1] = prev + " " + line  # goes on with a quotation or an emphasis: “3 ca, 4 kíp”
            continue
        if (prev and line and prev[-1] not in ".;:!?" and (line[0].isupper() or line[0].isdigit())
                and not _OPENS_ITEM.match(line) and not _mostly_upper(prev)
                and not _mostly_upper(line) and " | " not in prev and " | " not in line
                and prev.strip() != "|" and line.strip() != "|"
                and (len(prev) >= _WRAPPED_LINE or _GOES_ON.search(prev) or prev[-1] == ","
                     # a numbered item's first line broken inside a name ("8. Đài Truyền hình
                     # Việt Nam, Đài Tiếng nói Việt\nNam, Thông tấn xã …")
                     or (len(prev) >= 30 and _OPENS_ITEM.match(prev) is not None)
                     or (line[0].isdigit() and _NUMBER_GOES_ON.match(line)))):
            out[-1] = prev + " " + line
        else:
            out.append(line)
    return "\n".join(out)


# What opens a paragraph of its own after a sentence's end: the closing formula of a letter
# ("Văn phòng Chính phủ thông báo để …", "Nơi nhận"), the turn to what is to be done next
# ("Trong thời gian tới, Tỉnh …").
_OWN_LINE = re.compile(r"van phong chinh phu (?:xin |tran trong )?(?:thong bao|xin thong bao)|noi nhan|"
                       r"(?:trong )?thoi gian toi,")


def _full_width(lines: list[str]) -> int:
    """How long a line is at least when a PDF's layout wrapped it at the page width (0 when
    the text is not wrapped so: a web page's or a Word file's paragraphs, one a line)."""
    sizes = sorted(len(line) for line in lines if len(line) >= 30)
    if len(sizes) < 20:
        return 0
    width = sizes[int(len(sizes) * 0.8)]
    near = sum(1 for size in sizes if 0.85 * width <= size <= 1.1 * width)
    if width > 110 or near < 0.5 * len(sizes):
        return 0
    return int(0.93 * width)


# The rule under a Markdown table's header ("|---|:---:|").
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
# A header cell that names who leads (what makes a table a task table).
_LEAD_HEADER = re.compile(r"chu\s*tri|(?:co quan|don vi) thuc hien")


def _flattened_tables(text: str) -> str:
    """A table that a web page saved as text gives one cell a line, the cells of a row
    between lines holding only ``|`` and a row ending where two such lines meet
    ("|\\nSTT\\n|\\nNhiệm vụ\\n|\\nCơ quan chủ trì\\n|\\n|\\n1\\n|\\n…"). A task table (one
    whose first row names a "chủ trì" column) is put back one row a line, ``a | b | c``, a
    cell's printed lines joined; other tables (the heading, the signature) stay as they are."""
    if "\n|\n" not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "|":
            out.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and (lines[end].strip() or (
                # an empty cell: a blank line between two "|" lines
                0 < end < len(lines) - 1 and lines[end - 1].strip() == "|"
                and lines[end + 1].strip() == "|")):
            end += 1
        rows = _flattened_rows(lines[i:end])
        first = rows[0] if rows else []
        if not (_task_header(first) and _NUMBER_HEADER.fullmatch(first[0].strip())):
            # the signature's cells run on into the appendix with no blank line between
            # them: the task table begins at its "| TT |" row further down
            later = next((k for k in range(i + 1, end - 1) if lines[k].strip() == "|"
                          and lines[k - 1].strip() != "|"
                          and _NUMBER_HEADER.fullmatch(lines[k + 1].strip())
                          and _task_header((_flattened_rows(lines[k:min(end, k + 40)])
                                            or [[]])[0])), None)
            if later is not None:
                out.extend(lines[i:later])
                rows = _flattened_rows(lines[later:end])
            elif not _task_header(first):
                out.extend(lines[i:end])
                i = end
                continue
        out.extend(" | ".join(cell or " " for cell in row).strip()
                   for row in rows if any(c.strip(" *") for c in row))
        i = end
    return "\n".join(out)


_NUMBER_HEADER = re.compile(r"\**\s*S?TT\s*\**")


def _task_header(header: list[str]) -> bool:
    """A header row: three cells at least, each a few words, one naming who leads."""
    return len(header) >= 3 and all(len(c) <= 80 for c in header) and any(
        _LEAD_HEADER.search(fold_view(c.replace("*", ""))) for c in header)


def _flattened_rows(block: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    cells: list[str] | None = None
    cell: list[str] = []
    previous_bar = False
    for line in block:
        if line.strip() == "|":
            if cells is not None and not (previous_bar and not cell):
                cells.append(" ".join(cell))
            elif cells is not None:  # "|" then "|": the row ends, the next begins
                rows.append(cells)
                cells = []
            else:
                cells = []
            cell = []
            previous_bar = True
            continue
        cell.extend(line.split())
        previous_bar = False
    if cells is not None and cell:  # the last cell, its closing "|" cut off
        cells.append(" ".join(cell))
    if cells:
        rows.append(cells)
    return rows


def _table_row(line: str) -> str:
    """A line of tab-separated cells (a table pasted from Word or a spreadsheet) as
    ``a | b | c``; other lines unchanged."""
    if line.count("\t") >= 2 and "|" not in line:
        return " | ".join(cell.strip() for cell in line.split("\t"))
    return line


def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    if ch in "–—‑":
        return "-"
    if ch in "“”„«»":
        return '"'
    if ch in "‘’":
        return "'"
    if ch.isascii():
        return ch.lower()
    base = unicodedata.normalize("NFD", ch)[0]
    if unicodedata.category(base) == "Mn":
        return " "
    return base.lower() if base.isascii() else base.lower()[:1] or " "


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each character once and remembers it."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold_view(text: str) -> str:
    """``text`` folded character by character (lower case, no diacritics, one kind of dash
    and quote), with the same length, so that a match in the fold is a span of the text."""
    out = text.translate(_FOLD_TABLE)
    if len(out) != len(text):  # pragma: no cover - every fold is one character
        raise AssertionError("folding changed the length of the text")
    return out


def looks_vietnamese(text: str) -> bool:
    """Whether ``text`` reads as Vietnamese (with or without diacritics), judged on its
    first 40,000 characters (a directive's language does not change after its opening)."""
    letters = [ch for ch in text[:40000].lower() if ch.isalpha()]
    if len(letters) < 20:
        return bool(letters) and any(ch in _VIETNAMESE_LETTERS for ch in letters)
    marked = sum(1 for ch in letters if ch in _VIETNAMESE_LETTERS)
    if marked / len(letters) >= 0.02:
        return True
    words = re.findall(r"[a-z]+", fold_view(text[:20000]))
    if not words:
        return False
    hits = [w for w in words if w in _VIETNAMESE_WORDS]
    return len(hits) / len(words) >= 0.2 and len(set(hits) & _STRONG_WORDS) >= 3


def is_lower_marker(line: str) -> bool:
    return bool(_LOWER_MARKER.match(line))

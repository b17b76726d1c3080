"""The outline of a directive: its numbered items ("IV.", "1.", "a)", "(i)", "-", "Điều 3."),
inline enumerations ("(i) …; (ii) …" in one paragraph), tables (one row per task), and which
part of the document each item is in (the preamble, the results or viewpoints, the tasks, the
closing and "Nơi nhận").
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

# Zones: where an item stands. Tasks are looked for in TASK and OPEN zones only.
OUTSIDE, NONTASK, TASK, OPEN = "outside", "nontask", "task", "open"

_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("article", re.compile(r"(?:Điều|ĐIỀU)\s+\d+\s*[.:]\s*")),
    ("roman", re.compile(r"(?:[IVX]{1,5})\s*[.)]\s+(?=\S)")),
    ("upper", re.compile(r"[A-Đ]\.\s+(?=[A-ZĐÀ-Ỹ]{2})")),
    ("num", re.compile(r"\d{1,2}(?:\.\d{1,2}){0,3}\.\s*(?=\S)(?!\d)")),
    ("numparen", re.compile(r"\d{1,2}\)\s+")),
    ("letter", re.compile(r"[a-zđ©]\)\s*(?=\S)")),  # "©)": "c)" as OCR reads it
    ("proman", re.compile(r"\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)\)\s*")),
    ("pnum", re.compile(r"\(\d{1,2}\)\s*")),
    ("bullet", re.compile(r"[-–•*_~]\s+")),  # "_", "~": a dash as OCR reads it
    ("plus", re.compile(r"\+\s+")),  # "+ …" under "- …"
]
_ROMANS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
_INLINE = re.compile(r"(?:(?<=^)|(?<=[;:.]\s)|(?<=[;:.])|(?<=\s))\((i{1,3}|iv|v|vi{0,3}|ix|x|xi{0,2}|\d{1,2})\)\s")
_NONTASK_HEADINGS = re.compile(
    r"\b(?:ket qua|ton tai|han che|nguyen nhan|bai hoc|quan diem|muc tieu|muc dich|yeu cau|"
    r"boi canh|danh gia|tinh hinh|can cu|dat van de|thuc trang|su can thiet|ket luan chung|"
    r"pham vi|doi tuong|giai thich)\b")
_TASK_HEADINGS = re.compile(
    r"\b(?:nhiem vu|giai phap|to chuc thuc hien|trach nhiem|phan cong|giao nhiem vu|"
    r"cong viec|ke hoach hanh dong|chuong trinh hanh dong)\b")
# Where the operative part begins ("… kết luận như sau:", "… có ý kiến như sau:",
# "QUYẾT ĐỊNH:", "… thực hiện các nhiệm vụ sau đây:").
_TRIGGER = re.compile(r"(?:nhu sau|sau day|duoi day|cu the nhu sau)\s*:|^quyet dinh\s*:|"
                      r"^chi thi\s*:|^quyet nghi\s*:|yeu cau[^.\n]{0,420}:\s*$", re.M)
# Where it ends: the closing formula, "Nơi nhận", the signature.
_CLOSING = re.compile(
    r"^(?:van\s*phong\s*chinh\s*phu\s*(?:xin\s*|tran\s*trong\s*)?(?:thong\s*bao|xin thong bao)|"
    r"noi\s*nhan\s*:|"
    r"kt\.\s|tm\.\s|tl\.\s|ubnd [^\n]{0,40}tran trong|tran trong\s*\./\.|"
    r"(?:bo truong|thu tuong|chu tich|pho thu tuong|pho chu nhiem)\s*$)", re.M)


@dataclass(eq=False)
class Item:
    start: int  # the item in the cleaned text, marker included
    end: int
    body: int  # where its words begin (after the marker)
    marker: str = ""
    kind: str = "para"
    parent: Item | None = field(default=None, repr=False)
    children: list[Item] = field(default_factory=list, repr=False)
    heading: bool = False
    zone: str = OPEN
    cells: dict[str, str] | None = None  # a table row: work, lead, partners, deliverable, time
    cell_spans: dict[str, tuple[int, int]] | None = None
    inline: bool = False  # one of an enumeration "(i) …; (ii) …" inside a paragraph

    def ancestors(self) -> list[Item]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


def _marker(line: str) -> tuple[str, str]:
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            if kind == "num" and m.group(0).rstrip().count(".") > 1:
                # "3.1." is a level below "3.": its own kind, so that it nests under it
                return f"num{m.group(0).rstrip().count('.')}", m.group(0)
            return kind, m.group(0)
    return "para", ""


def _inline_splits(folded_line: str) -> list[tuple[int, str]]:
    """Offsets of an inline enumeration "(i) …; (ii) …" or "(1) …; (2) …" that runs in order
    from its first member; a lone "(như trẻ em …)" is no enumeration."""
    hits = [(m.start(), m.group(1)) for m in _INLINE.finditer(folded_line)]
    romans = [(pos, tok) for pos, tok in hits if not tok.isdigit()]
    numbers = [(pos, tok) for pos, tok in hits if tok.isdigit()]
    runs: list[list[tuple[int, str]]] = []
    for seq, order in ((romans, _ROMANS), (numbers, [str(i) for i in range(1, 40)])):
        run: list[tuple[int, str]] = []
        for pos, tok in seq:
            if tok == order[len(run)] if len(run) < len(order) else False:
                run.append((pos, tok))
            elif tok == order[0]:
                if len(run) >= 2:
                    break
                run = [(pos, tok)]
        if len(run) >= 2:
            runs.append(run)
    if len(runs) == 2 and runs[1][0][0] < runs[0][0][0]:
        # "(1) …; (2) …; (3) các bộ tập trung: (i) …; (ii) …": the points of one numbered
        # clause inside the numbered run — both, the points nested under their clause
        return sorted(runs[0] + runs[1])
    return runs[0] if runs else []


def _is_heading(text: str, kind: str, folded: str) -> bool:
    words = text.strip()
    if not words:
        return False
    letters = [ch for ch in words if ch.isalpha()]
    upper = sum(1 for ch in letters if ch.isupper())
    if letters and upper / len(letters) > 0.7 and len(words) < 300:
        return True
    if kind in ("roman", "upper") and len(words) < 300:
        return True
    return kind == "article" and len(words) < 120 and not folded.rstrip().endswith(".")


def parse_items(text: str, folded: str) -> list[Item]:
    """Every item of ``text`` in document order, linked into the outline."""
    items: list[Item] = []
    pos = 0
    for raw in text.split("\n"):
        line_start, line_end = pos, pos + len(raw)
        pos = line_end + 1
        if not raw.strip():
            continue
        if raw.count(" | ") >= 2:
            items.append(Item(line_start, line_end, line_start, kind="row"))
            continue
        kind, marker = _marker(raw)
        body = line_start + len(marker)
        splits = _inline_splits(folded[line_start:line_end])
        splits = [(p, t) for p, t in splits if line_start + p >= body]
        if not splits:
            items.append(Item(line_start, line_end, body, marker, kind))
            continue
        first = line_start + splits[0][0]
        if first > body and text[body:first].strip():
            items.append(Item(line_start, first, body, marker, kind))
        elif first == line_start:
            pass
        for i, (offset, _tok) in enumerate(splits):
            s = line_start + offset
            e = line_start + splits[i + 1][0] if i + 1 < len(splits) else line_end
            m = re.match(r"\(\w+\)\s*", text[s:e])
            items.append(Item(s, e, s + (m.end() if m else 0), text[s:s + (m.end() if m else 0)],
                              "pnum" if _tok.isdigit() else "proman", inline=True))
    _trim(items, text)
    _link(items, text, folded)
    return items


def _trim(items: list[Item], text: str) -> None:
    for item in items:
        while item.end > item.start and text[item.end - 1] in " \n":
            item.end -= 1


_DEADLINE_LINE = re.compile(r"(?:hoan thanh|thoi han|thoi gian|tien do)\b")


def _title_line(item: Item, text: str, folded: str) -> bool:
    """A short numbered line without a final stop, with a paragraph under it: a section's
    title, not a task (a paragraph saying when it is due excepted)."""
    words = folded[item.body:item.end].rstrip()
    return (item.kind in ("num", "num2", "num3", "num4", "letter", "upper") and not item.children
            and 0 < len(words) < 120 and words[-1] not in ".;:!?)," and "\n" not in words)


def _link(items: list[Item], text: str, folded: str) -> None:
    stack: list[Item] = []
    previous: Item | None = None
    for item in items:
        words = text[item.body:item.end]
        item.heading = item.kind != "row" and _is_heading(words, item.kind,
                                                          folded[item.body:item.end])
        if item.kind in ("para", "row"):
            parent = None
            for cand in reversed(stack):
                if item.kind == "para" and cand is previous and _title_line(cand, text, folded) and \
                        not _DEADLINE_LINE.match(folded, item.body):
                    cand.heading = True  # "6. Tập trung xử lý vướng mắc về lao động"
                if cand.heading or folded[cand.start:cand.end].rstrip().endswith(":") or \
                        (cand.kind == "row" and item.kind == "row"):
                    parent = cand if cand.kind != "row" else cand.parent
                    break
                parent = cand.parent
                break
            item.parent = parent
        else:
            while stack and stack[-1].kind in ("para", "row") and not (
                    item.kind not in ("roman", "upper", "article")
                    and folded[stack[-1].start:stack[-1].end].rstrip().endswith(":")):
                stack.pop()  # a paragraph ending in ":" opens the list that follows it
            same = next((i for i in range(len(stack) - 1, -1, -1) if stack[i].kind == item.kind),
                        None)
            if same is not None and previous is not None and stack and stack[-1] is previous \
                    and previous.kind != item.kind and previous.kind not in ("para", "row") \
                    and folded[previous.start:previous.end].rstrip().endswith(":"):
                # "2. Chủ tịch Ủy ban nhân dân các tỉnh: …:" over "- …" opens a list of its own,
                # even when bullets of the same kind stand higher up (the address block)
                same = None
            if same is not None:
                del stack[same:]
            elif item.kind in ("roman", "upper", "article"):
                # a top-level heading closes every open level below a higher one
                order = ["upper", "roman", "article"]
                while stack and stack[-1].kind not in order[:order.index(item.kind)]:
                    stack.pop()
            item.parent = stack[-1] if stack else None
            stack.append(item)
        if item.parent is not None:
            item.parent.children.append(item)
        if item.kind in ("para", "row") and (item.heading or words.rstrip().endswith(":")):
            stack.append(item)
        previous = item


# A sentence telling what was done ("Thủ tướng Chính phủ đã phê duyệt Phương án …; cụ thể như
# sau:"): its "như sau:" opens facts, not the operative part.
_PAST = re.compile(r"\bda (?!duoc giao)")
_DIRECTS = re.compile(r"\b(?:yeu cau|de nghi|giao|chi dao|ket luan|y kien|quyet dinh|chi thi)\b")


def _operative_trigger(folded: str) -> re.Match[str] | None:
    """The first "… như sau:" (or "QUYẾT ĐỊNH:", "… yêu cầu …:") that opens the operative
    part: one ending a sentence of what was done is passed over when another one follows."""
    triggers = list(_TRIGGER.finditer(folded))
    for at, m in enumerate(triggers):
        sentence = folded[max(folded.rfind(". ", 0, m.start()), folded.rfind("\n", 0, m.start()))
                          + 1:m.end()]
        if (at + 1 < len(triggers) and _PAST.search(sentence)
                and not _DIRECTS.search(sentence)):
            continue
        return m
    return None


def assign_zones(items: list[Item], text: str, folded: str) -> None:
    """Mark each item as outside the operative part, in a results/viewpoints part, in a tasks
    part, or in an unlabelled operative part."""
    trigger = _operative_trigger(folded)
    body_start = trigger.end() if trigger else 0
    closing = None
    for m in _CLOSING.finditer(folded, body_start):
        closing = m.start()
        break
    body_end = closing if closing is not None else len(text)
    # an appendix after the signature ("PHỤ LỤC … (Kèm theo Quyết định số …)") is operative
    appendix = _APPENDIX.search(folded, body_end) if closing is not None else None
    address = {id(i) for i in _address_block(items, folded, body_start)}
    for item in items:
        if item.cells is not None:
            item.zone = TASK  # a row of a task table, wherever the table is
            continue
        if id(item) in address:
            item.zone = OUTSIDE
            continue
        in_appendix = appendix is not None and item.start >= appendix.start()
        if not in_appendix and (item.end <= body_start or item.start >= body_end):
            item.zone = OUTSIDE
            continue
        if item.start < body_start:  # the line holding the trigger
            item.zone = OUTSIDE
            continue
        own = None
        if item.heading or item.kind in ("roman", "upper", "article") or (
                item.children and len(text[item.body:item.end]) < 200):
            head = folded[item.body:item.end][:160]
            named = head
            start_only = False
            if not (item.heading or item.kind in ("roman", "upper", "article")):
                # "b) Các Bộ: … khắc phục các bất cập … thuộc phạm vi quản lý, cụ thể:" or "b) Để
                # đạt được mục tiêu …, đề nghị:" is no heading of a part about scope or aims:
                # a part is named by the first words
                named, start_only = head[:60], True
            hit = _NONTASK_HEADINGS.search(named)
            if hit is not None and start_only and not re.match(
                    r"^(?:\W|\d|ve |mot so |nhung |cac |chung |chinh )*$", named[:hit.start()]):
                hit = None
            if hit is not None and not _TASK_HEADINGS.search(head):
                own = NONTASK
            elif _TASK_HEADINGS.search(head):
                own = TASK
        if own is None and item.kind == "para" and re.match(
                r"\W*(?:trong )?thoi gian toi,", folded[item.body:item.end]):
            # "Trong thời gian tới, Tỉnh tổ chức thực hiện …" after the praise of "I. ĐÁNH GIÁ
            # CHUNG": what is to be done next, whatever the part's heading
            own = TASK
        if own is None:
            default = TASK if trigger else OPEN
            parent = item.parent.zone if item.parent is not None else OUTSIDE
            own = default if parent == OUTSIDE else parent
        item.zone = own


def _address_block(items: list[Item], folded: str, floor: int) -> list[Item]:
    """"Kính gửi: …" and the recipients listed under it (never operative, even in a letter
    without "như sau:")."""
    out: list[Item] = []
    inside = False
    for item in items:
        head = folded[item.body:item.end].lstrip()
        # a dispatch names its recipients after "THỦ TƯỚNG CHÍNH PHỦ điện:" as a letter does
        # after "Kính gửi:"
        if head.startswith("kinh gui") or (len(head) < 80 and re.search(r"\bdien\W*$", head)):
            inside = True
            out.append(item)
            continue
        if inside and (item.kind in ("bullet", "plus") or (item.kind == "para" and len(head) < 120
                       and head.rstrip().endswith((";", ".")))):
            out.append(item)
            if head.rstrip().endswith("."):
                inside = False
            continue
        inside = False
    return out


_APPENDIX = re.compile(r"^[\s*_]*(?:phu luc|danh muc (?:cac )?nhiem vu|"
                       # the plan a decision issues: "(Kèm theo Quyết định số … của Thủ tướng)"
                       r"\(?\s*(?:ban hanh )?kem theo (?:quyet dinh|nghi quyet|chi thi|thong bao))\b",
                       re.M)


TABLE_COLUMNS = {
    "number": re.compile(r"^(?:s?tt|so tt|stt\.?)$"),
    "lead": re.compile(r"chu tri|co quan thuc hien|don vi thuc hien|chu tri thuc hien"),
    "partners": re.compile(r"phoi hop"),
    "deliverable": re.compile(r"san pham|ket qua|hinh thuc van ban"),
    "time": re.compile(r"thoi gian|thoi han|tien do|hoan thanh"),
    "work": re.compile(r"nhiem vu|noi dung|ten de an|cong viec|nhiem vu, giai phap"),
}


def read_tables(items: list[Item], text: str, folded: str) -> None:
    """Give every table row under a header row (with a "chủ trì" column) its cells by
    column: number, work, lead, partners, deliverable, time."""
    columns: dict[int, str] | None = None
    width = 0
    group: Item | None = None
    for at, item in enumerate(items):
        if item.kind != "row":
            following = items[at + 1] if at + 1 < len(items) else None
            line = text[item.start:item.end]
            if (columns is not None and following is not None and following.kind == "row"
                    and "\n" not in line.strip() and len(line) < 200):
                # a group row whose cells are merged into one ("I. NÂNG CAO NHẬN THỨC"): a
                # heading of the rows below it, and the table goes on
                group = item
                item.heading = True
                continue
            columns = None
            group = None
            continue
        cells = _cells(text, item.start, item.end)
        names = [folded[s:e].strip(" .*") for s, e in cells]
        header = _header(names)
        if header is not None:
            columns, width, group = header, len(cells), None
            item.zone = OUTSIDE
            continue
        if columns is None or abs(len(cells) - width) > 1:
            continue
        values = {columns[i]: (s, e) for i, (s, e) in enumerate(cells) if i in columns}
        number = text[slice(*values["number"])].strip() if "number" in values else ""
        lead = text[slice(*values["lead"])].strip() if "lead" in values else ""
        if not lead and (re.fullmatch(r"[IVX]+\.?|[A-Z]\.?", number) or not number):
            group = item  # a group row: "I | Hoàn thiện thể chế | | |"
            item.heading = True
            continue
        item.cells = {k: text[s:e].strip() for k, (s, e) in values.items()}
        item.cell_spans = values
        if group is not None and item.parent is not group:
            if item.parent is not None:
                item.parent.children[:] = [c for c in item.parent.children if c is not item]
            item.parent = group
            group.children.append(item)


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of a row "a | b | | c" (a Markdown row "| a | b |" too), as spans."""
    bars = [start + i for i, ch in enumerate(text[start:end]) if ch == "|"]
    edges = [start - 1, *bars, end]
    out = []
    for left, right in itertools.pairwise(edges):
        s, e = left + 1, right
        while s < e and text[s] == " ":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        out.append((s, e))
    if text[start:end].lstrip().startswith("|"):
        out = out[1:]
    if text[start:end].rstrip().endswith("|"):
        out = out[:-1]
    return out


def _header(names: list[str]) -> dict[int, str] | None:
    if not any(TABLE_COLUMNS["lead"].search(n) for n in names):
        return None
    found: dict[int, str] = {}
    for i, name in enumerate(names):
        for column, pattern in TABLE_COLUMNS.items():
            if column in found.values():
                continue
            if pattern.search(name):
                found[i] = column
                break
    return found if "lead" in found.values() else None

"""Time in a directive: deadlines ("trong tháng 12/2025", "trước ngày 20 tháng 10 năm 2024",
"trong Quý I/2026", "quý 2/2025", "6/2025", "năm 2025"), recurring work ("Thường xuyên",
"hằng năm") and the adverbs that stand for no date ("khẩn trương", "sớm", "nhanh chóng").

Expressions are found on the folded view of the text; a date that is part of a reference to
another document ("Quyết định số 749/QĐ-TTg ngày 03/6/2020") is no deadline. A date without a
year takes the document's year (the next such date after the document was issued).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from sodo.domain.periods import Period, PeriodError
from sodo.domain.text import fold

DATE, RECURRING, ADVERB = "date", "recurring", "adverb"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True)
class TimeExpr:
    start: int
    end: int
    kind: str
    text: str
    due: date | None = None
    period: Period | None = None
    cued: bool = False  # preceded by "trình", "hoàn thành", "trước", "trong"…


_B = r"(?<![\w/])"
_E = r"(?![\w/])"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("day_words", re.compile(
        rf"{_B}ngay\s+(\d{{1,2}})\s+thang\s+(\d{{1,2}})(?:\s+nam\s+(\d{{4}}))?{_E}")),
    ("day_num", re.compile(
        rf"{_B}(?:(ngay)\s+)?(\d{{1,2}})\s*[/.-]\s*(\d{{1,2}})(?:\s*[/.-]\s*(\d{{4}}))?{_E}")),
    ("half", re.compile(rf"{_B}6\s+thang\s+(dau|cuoi)\s+nam\s+(\d{{4}}){_E}")),
    ("quarter", re.compile(
        rf"{_B}qu[yi]\s+(iv|iii|ii|i|[1-4])(?:\s*(?:/|nam|-)\s*(\d{{4}}))?{_E}")),
    ("month", re.compile(rf"{_B}thang\s+(\d{{1,2}})(?:\s*(?:/|nam|-)\s*(\d{{4}}))?{_E}")),
    ("month_num", re.compile(rf"{_B}(\d{{1,2}})\s*/\s*(\d{{4}}){_E}")),
    ("year", re.compile(rf"{_B}nam\s+(\d{{4}}){_E}")),
]
_RECURRING = re.compile(
    r"(?<![\w])(thuong xuyen|hang nam|hang quy|hang thang|hang tuan|dinh ky|lien tuc|"
    r"hang ngay)(?![\w])")
_ADVERBS = re.compile(r"(?<![\w])(khan truong|som|nhanh chong|kip thoi|gap|ngay lap tuc|ngay)"
                      r"(?![\w])")
# Words that may stand right before a deadline and belong to it ("Hoàn thành trong …").
_LEAD_WORDS = ("hoan thanh", "hoan tat", "cham nhat", "muon nhat", "truoc", "trong", "den het",
               "den", "vao", "cuoi", "sang", "xong", "tu nay den", "ngay")
_CUES = re.compile(r"(?:trinh|bao cao|hoan thanh|hoan tat|xong|truoc|trong|cham nhat|"
                   r"den het|han|thoi gian|tien do|ban hanh|gui|den)\W*$")
_REFERENCE = re.compile(r"(?:so|ky hieu)?\s*\d+[/.\w-]*/[\w.-]*[a-z][\w.-]*\s*,?\s*$")
_ONWARDS = re.compile(r"(?:(?<=\s)va|,)\s*(?:cac|nhung) nam (?:tiep theo|sau)(?![\w])")
# A document named just before a recurring word ("theo Nghị quyết hằng năm của …").
_IN_REFERENCE = re.compile(r"(?<![\w])(?:theo|tai)\s+(?:cac\s+)?(?:nghi quyet|quyet dinh|ke hoach|"
                           r"chuong trinh|chi thi|thong bao)\s*$")
_VISION = re.compile(r"(?:dinh huong|tam nhin|giai doan|thoi ky)\s+(?:den\s+)?$")


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _with_year(day: int, month: int, year: int | None, issued: date | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        if issued is None:
            return None
        found = date(issued.year, month, day)
        return found if found >= issued else date(issued.year + 1, month, day)
    except ValueError:
        return None


def _period(kind: str, m: re.Match[str], issued: date | None) -> tuple[Period | None, bool]:
    """The period an expression names, and whether it stands on its own (else it needs a cue
    word before it to count: "30/10", "6/2025", "năm 2025")."""
    year_now = issued.year if issued else None
    try:
        if kind == "day_words":
            day = _with_year(int(m.group(1)), int(m.group(2)),
                             int(m.group(3)) if m.group(3) else None, issued)
            return (Period.day(day) if day else None), True
        if kind == "day_num":
            if not m.group(4) and not m.group(1):
                return None, False
            day = _with_year(int(m.group(2)), int(m.group(3)),
                             int(m.group(4)) if m.group(4) else None, issued)
            return (Period.day(day) if day else None), bool(m.group(1) or m.group(4))
        if kind == "half":
            return Period.half(int(m.group(2)), 1 if m.group(1) == "dau" else 2), True
        if kind == "quarter":
            q = m.group(1)
            year = int(m.group(2)) if m.group(2) else year_now
            if year is None:
                return None, False
            return Period.quarter(year, int(q) if q.isdigit() else _ROMAN[q]), True
        if kind == "month":
            year = int(m.group(2)) if m.group(2) else year_now
            if year is None:
                return None, False
            month = int(m.group(1))
            if not m.group(2) and issued and month < issued.month:
                year += 1
            return Period.month(year, month), True
        if kind == "month_num":
            return Period.month(int(m.group(2)), int(m.group(1))), False
        if kind == "year":
            return Period.year(int(m.group(1))), False
    except (PeriodError, ValueError):
        return None, False
    return None, False


def _extend_left(folded: str, start: int, floor: int) -> int:
    """Take in the words that belong to a deadline ("Hoàn thành trong", "chậm nhất đến")."""
    changed = True
    while changed:
        changed = False
        head = folded[floor:start].rstrip()
        for word in _LEAD_WORDS:
            if head.endswith(word) and (len(head) == len(word)
                                        or not head[-len(word) - 1].isalnum()):
                start = floor + len(head) - len(word)
                changed = True
                break
    return start


def find_times(text: str, folded: str, start: int = 0, end: int | None = None,
               issued: date | None = None) -> list[TimeExpr]:
    """Deadlines, recurring words and adverbs in ``text[start:end]``, in order."""
    end = len(text) if end is None else end
    found: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded, start, end):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            period, alone = _period(kind, m, issued)
            if period is None:
                continue
            before = folded[max(start, m.start() - 60):m.start()]
            if _REFERENCE.search(before) or (re.search(r"\bngay\s*$", before) and \
                    _REFERENCE.search(before[:-5])):
                taken.append((m.start(), m.end()))
                continue  # the date of another document
            if kind == "year" and _title_year(folded, m.start(), start, before):
                continue  # "… định hướng đến năm 2030" in the name of a programme
            cued = bool(_CUES.search(before))
            if not alone and not cued:
                continue
            closes = re.match(r"\s*(?:[.;,)]|$)", folded[m.end():m.end() + 3]) is not None
            if not cued and (kind.startswith("day") or not closes) and issued is not None and \
                    period.end < issued:
                # "ngày 14/11/2025 đã xảy ra sạt lở" in a text of 16/11/2025: what happened,
                # not when something is due; so is a past period inside a phrase ("sơ kết công
                # tác 6 tháng đầu năm 2025 và …"); a cued one, "trong tháng 3 năm 2019", and a
                # bare period closing a clause, "…, quý 2/2025.", stay as written
                taken.append((m.start(), m.end()))
                continue
            begin = _extend_left(folded, m.start(), start)
            taken.append((m.start(), m.end()))
            found.append(TimeExpr(begin, m.end(), DATE, text[begin:m.end()], period.end, period,
                                  cued))
    found = _ranges(text, folded, found)
    for m in _ONWARDS.finditer(folded, start, end):
        # "năm 2025 và các năm tiếp theo", "Giai đoạn 2026-2030 và những năm tiếp theo": from
        # then on, every year — the period named is when it starts, no deadline
        found = [t for t in found if not re.fullmatch(r"[\s,]*", folded[t.end:m.start()])]
        found.append(TimeExpr(m.start(), m.end(), RECURRING, text[m.start():m.end()]))
    for m in _RECURRING.finditer(folded, start, end):
        if _IN_REFERENCE.search(folded, max(start, m.start() - 80), m.start()) and \
                re.match(r"\s+cua\s", folded[m.end():m.end() + 6]):
            continue  # "theo Nghị quyết hằng năm của Hội đồng nhân dân": another document
        if m.group(1) == "thuong xuyen" and re.search(r"(?:(?<![\w])chi|kinh phi|nhiem vu chi)\s*$",
                                                     folded[:m.start()]):
            continue  # "kinh phí chi thường xuyên": recurrent spending, not a recurring task
        if m.group(1) == "lien tuc" and re.search(r"(?:dam bao|bao dam)\s*$", folded[:m.start()]):
            continue  # "cấp nước … đảm bảo liên tục": how the thing works, not how often
        found.append(TimeExpr(m.start(), m.end(), RECURRING, text[m.start():m.end()]))
    for m in _ADVERBS.finditer(folded, start, end):
        word = text[m.start():m.end()]
        if m.group(1) == "ngay" and (word.lower() != "ngay" or re.match(r"\s*\d", folded[m.end():m.end() + 4])):
            continue  # "ngày" (a day), not "ngay" (at once)
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        found.append(TimeExpr(m.start(), m.end(), ADVERB, word))
    return sorted(found, key=lambda t: t.start)


def _ranges(text: str, folded: str, found: list[TimeExpr]) -> list[TimeExpr]:
    """A range of two periods ("Quý IV/2025- Quý II/2026", "tháng 10 đến tháng 12/2025") is
    due at the end of the second: one expression from the first's start."""
    dates = sorted((t for t in found if t.kind == DATE), key=lambda t: t.start)
    out: list[TimeExpr] = []
    for t in dates:
        prev = out[-1] if out else None
        if prev is None:
            out.append(t)
            continue
        joined = folded[prev.end:t.start] + (
            " den" if folded.startswith(("den ", "toi "), t.start) else "")
        if re.fullmatch(r"\s*(?:[-–]|den|toi)\s*", joined) and \
                t.due is not None and prev.due is not None and t.due >= prev.due:
            out[-1] = TimeExpr(prev.start, t.end, DATE, text[prev.start:t.end], t.due, t.period,
                               prev.cued or t.cued)
            continue
        out.append(t)
    return out


def _title_year(folded: str, pos: int, floor: int, before: str) -> bool:
    """Whether "năm …" at ``pos`` belongs to a name ("Chương trình … đến năm 2025, định
    hướng đến năm 2030") rather than being a deadline ("Đến năm 2015, hoàn thành …",
    "hoàn thành trong năm 2025")."""
    if _VISION.search(before):
        return True
    if not re.search(r"\bden\s*$", before):
        return False
    head = re.sub(r"den\s*$", "", folded[floor:pos]).rstrip()
    opens_clause = not head or head[-1] in ".;:" or head.endswith(("(", ")"))
    return not opens_clause and not re.search(r"(?:hoan thanh|xong|thuc hien)\s+den\s*$",
                                              before)


def choose_deadline(times: list[TimeExpr]) -> TimeExpr | None:
    """The task's deadline among its dates: the last one announced by a cue word ("trình …
    trong Quý I/2026"), else the first."""
    dates = [t for t in times if t.kind == DATE]
    if not dates:
        return None
    cued = [t for t in dates if t.cued]
    # "… hoàn thành trong tháng 12 năm 2025, triển khai thực hiện trong năm 2026": when the
    # work is to be finished, not when what follows it runs
    done = [t for t in cued if fold(t.text).startswith(("hoan thanh", "hoan tat", "xong"))]
    if done and done[-1] is not cued[-1] and cued[-1].due is not None and \
            done[-1].due is not None and cued[-1].due > done[-1].due:
        return done[-1]
    return cued[-1] if cued else dates[0]

"""Periods (kỳ): ids, containment, navigation, Vietnamese parsing and rendering.

Period ids are ISO-like and sort naturally within a type:

=========  ==============  =====================
type       id              Vietnamese label
=========  ==============  =====================
day        ``2025-11-26``  26/11/2025
month      ``2025-11``     Tháng 11/2025
quarter    ``2025Q4``      Quý IV/2025
half       ``2025S1``      6 tháng đầu năm 2025
year       ``2025``        Năm 2025
stage      ``2025..2027``  Giai đoạn 2025–2027
=========  ==============  =====================
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import total_ordering

from sodo.domain.text import fold, nfc

# Vietnam keeps UTC+7 all year: its calendar day is the one dates are judged by (a grant made
# at 00:30 in Hà Nội is made "today" there while UTC is still on the day before).
VIETNAM = timezone(timedelta(hours=7))


def vietnam_today() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VIETNAM).date()


class PeriodError(ValueError):
    """A period id or a Vietnamese period expression that cannot be understood."""


class PeriodType(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    STAGE = "stage"


# Rank from finest to coarsest; used for containment and ordering of types.
_RANK = {t: i for i, t in enumerate(PeriodType)}

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_FROM_ROMAN = {v.lower(): k for k, v in ROMAN.items()}

MONTHS_EN = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]

_ID_PATTERNS: list[tuple[PeriodType, re.Pattern[str]]] = [
    # ASCII digits only: "２０２５" (full-width) or "٢٠٢٥" is no period id, said so.
    (PeriodType.DAY, re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")),
    (PeriodType.MONTH, re.compile(r"^([0-9]{4})-([0-9]{2})$")),
    (PeriodType.QUARTER, re.compile(r"^([0-9]{4})Q([1-4])$")),
    (PeriodType.HALF, re.compile(r"^([0-9]{4})S([12])$")),
    (PeriodType.YEAR, re.compile(r"^([0-9]{4})$")),
    (PeriodType.STAGE, re.compile(r"^([0-9]{4})\.\.([0-9]{4})$")),
]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@total_ordering
@dataclass(frozen=True)
class Period:
    """A calendar period: a type and its first and last day (both inclusive)."""

    type: PeriodType
    start: date
    end: date

    # -- construction -------------------------------------------------------
    @classmethod
    def parse(cls, period_id: str) -> Period:
        """Parse a period id such as ``2025``, ``2025S1``, ``2025Q4``, ``2025-11``,
        ``2025-11-26`` or ``2025..2027``."""
        text = str(period_id).strip()
        if not text.isascii():
            raise PeriodError(f"'{text[:40]}' is not a period id: use ASCII digits and letters "
                              "(e.g. 2025, 2025S1, 2025Q4, 2025-11, 2025-11-26, 2025..2027)")
        for ptype, pattern in _ID_PATTERNS:
            m = pattern.match(text)
            if not m:
                continue
            a, b = int(m.group(1)), int(m.group(2)) if m.lastindex and m.lastindex >= 2 else 0
            try:
                if ptype is PeriodType.DAY:
                    return cls.day(date(a, b, int(m.group(3))))
                if ptype is PeriodType.MONTH:
                    return cls.month(a, b)
                if ptype is PeriodType.QUARTER:
                    return cls.quarter(a, b)
                if ptype is PeriodType.HALF:
                    return cls.half(a, b)
                if ptype is PeriodType.YEAR:
                    return cls.year(a)
                return cls.stage(a, b)
            except ValueError as exc:
                raise PeriodError(f"'{text}' is not a valid period: {exc}") from None
        raise PeriodError(
            f"'{text}' is not a period id (expected e.g. 2025, 2025S1, 2025Q4, 2025-11, "
            "2025-11-26 or 2025..2027)"
        )

    @classmethod
    def day(cls, d: date) -> Period:
        return cls(PeriodType.DAY, d, d)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise PeriodError(f"month {month} is not between 1 and 12")
        return cls(PeriodType.MONTH, date(year, month, 1), _month_end(year, month))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PeriodError(f"quarter {quarter} is not between 1 and 4")
        first = 3 * (quarter - 1) + 1
        return cls(PeriodType.QUARTER, date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        if half not in (1, 2):
            raise PeriodError(f"half-year {half} is not 1 or 2")
        first = 1 if half == 1 else 7
        return cls(PeriodType.HALF, date(year, first, 1), _month_end(year, first + 5))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(PeriodType.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def stage(cls, first_year: int, last_year: int) -> Period:
        if last_year < first_year:
            raise PeriodError(f"stage {first_year}..{last_year} ends before it starts")
        return cls(PeriodType.STAGE, date(first_year, 1, 1), date(last_year, 12, 31))

    @classmethod
    def containing(cls, d: date, ptype: PeriodType | str) -> Period:
        """The period of type ``ptype`` that contains day ``d``."""
        ptype = PeriodType(ptype)
        if ptype is PeriodType.DAY:
            return cls.day(d)
        if ptype is PeriodType.MONTH:
            return cls.month(d.year, d.month)
        if ptype is PeriodType.QUARTER:
            return cls.quarter(d.year, (d.month - 1) // 3 + 1)
        if ptype is PeriodType.HALF:
            return cls.half(d.year, 1 if d.month <= 6 else 2)
        if ptype is PeriodType.YEAR:
            return cls.year(d.year)
        raise PeriodError("a stage is not determined by one day")

    # -- identity -------------------------------------------------------------
    @property
    def id(self) -> str:
        y = self.start.year
        match self.type:
            case PeriodType.DAY:
                return self.start.isoformat()
            case PeriodType.MONTH:
                return f"{y}-{self.start.month:02d}"
            case PeriodType.QUARTER:
                return f"{y}Q{(self.start.month - 1) // 3 + 1}"
            case PeriodType.HALF:
                return f"{y}S{1 if self.start.month == 1 else 2}"
            case PeriodType.YEAR:
                return str(y)
            case PeriodType.STAGE:
                return f"{y}..{self.end.year}"
        raise AssertionError(self.type)  # pragma: no cover

    def __str__(self) -> str:
        return self.id

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return (self.start, _RANK[self.type]) < (other.start, _RANK[other.type])

    # -- containment and navigation ----------------------------------------------
    def contains(self, other: Period | date) -> bool:
        if isinstance(other, date):
            return self.start <= other <= self.end
        return self.start <= other.start and other.end <= self.end

    def subperiods(self, ptype: PeriodType | str) -> list[Period]:
        """The periods of type ``ptype`` inside this one, in order (e.g. a quarter's months)."""
        ptype = PeriodType(ptype)
        if _RANK[ptype] > _RANK[self.type]:
            raise PeriodError(f"a {self.type} does not hold {ptype}s")
        out: list[Period] = []
        current = Period.containing(self.start, ptype)
        while current.end <= self.end:
            out.append(current)
            current = current.next()
        return out

    def months(self) -> list[Period]:
        return self.subperiods(PeriodType.MONTH)

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods of the same type later (negative: earlier)."""
        if self.type is PeriodType.DAY:
            return Period.day(self.start + timedelta(days=steps))
        if self.type is PeriodType.STAGE:
            length = self.end.year - self.start.year + 1
            first = self.start.year + steps * length
            return Period.stage(first, first + length - 1)
        months = {PeriodType.MONTH: 1, PeriodType.QUARTER: 3, PeriodType.HALF: 6,
                  PeriodType.YEAR: 12}[self.type]
        index = self.start.year * 12 + self.start.month - 1 + steps * months
        return Period.containing(date(index // 12, index % 12 + 1, 1), self.type)

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        if self.type is PeriodType.DAY:
            try:
                return Period.day(self.start.replace(year=self.start.year - 1))
            except ValueError:  # 29 February
                return Period.day(date(self.start.year - 1, 2, 28))
        if self.type is PeriodType.STAGE:
            return self.shift(-1)
        return Period.containing(self.start.replace(year=self.start.year - 1), self.type)

    # -- rendering --------------------------------------------------------------
    def label(self, lang: str = "vi") -> str:
        y = self.start.year
        q = (self.start.month - 1) // 3 + 1
        if lang == "en":
            match self.type:
                case PeriodType.DAY:
                    return f"{self.start.day} {MONTHS_EN[self.start.month - 1]} {y}"
                case PeriodType.MONTH:
                    return f"{MONTHS_EN[self.start.month - 1]} {y}"
                case PeriodType.QUARTER:
                    return f"Q{q} {y}"
                case PeriodType.HALF:
                    return f"H{1 if self.start.month == 1 else 2} {y}"
                case PeriodType.YEAR:
                    return str(y)
                case PeriodType.STAGE:
                    return f"{y}–{self.end.year}"
        match self.type:
            case PeriodType.DAY:
                return self.start.strftime("%d/%m/%Y")
            case PeriodType.MONTH:
                return f"Tháng {self.start.month}/{y}"
            case PeriodType.QUARTER:
                return f"Quý {ROMAN[q]}/{y}"
            case PeriodType.HALF:
                return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {y}"
            case PeriodType.YEAR:
                return f"Năm {y}"
            case PeriodType.STAGE:
                return f"Giai đoạn {y}–{self.end.year}"
        raise AssertionError(self.type)  # pragma: no cover


# ---------------------------------------------------------------------------------
# Vietnamese expressions as officials write them
# ---------------------------------------------------------------------------------

# Matched against the folded text (lower-case, no diacritics).
_YEAR = r"(\d{4})"
_VI_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("recurring", re.compile(r"^(thuong xuyen|hang nam|hang quy|hang thang|dinh ky)\b")),
    ("stage", re.compile(rf"^(?:giai doan|trong giai doan|nam)?\s*{_YEAR}\s*[-–—]\s*{_YEAR}$")),
    ("day_words", re.compile(
        rf"^(?:truoc |den |trong |chac chan truoc |han chot )?ngay (\d{{1,2}}) thang (\d{{1,2}}) nam {_YEAR}$")),
    ("day", re.compile(rf"^(?:truoc |den |trong |ngay )*(?:ngay )?(\d{{1,2}})[/.-](\d{{1,2}})[/.-]{_YEAR}$")),
    ("quarter", re.compile(
        rf"^(?:trong |truoc |den het |den )?quy ([1-4]|iv|iii|ii|i)\s*(?:/|nam|-)\s*{_YEAR}$")),
    ("half", re.compile(rf"^(?:trong )?6 thang (dau|cuoi) nam {_YEAR}$")),
    ("month", re.compile(
        rf"^(?:trong |truoc |den het |den |cuoi )?(?:thang )?(\d{{1,2}})\s*(?:/|nam|-)\s*{_YEAR}$")),
    ("year", re.compile(rf"^(?:trong |den |den het |truoc |cuoi )?nam {_YEAR}$|^{_YEAR}$")),
]


# Words that frame a time expression without changing it ("Hoàn thành trong tháng 01/2026").
_FILLERS = ("hoan thanh", "chac chan", "truoc", "den het", "den", "trong", "cuoi", "vao", "han")


def _strip_fillers(folded: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _FILLERS:
            if folded.startswith(word + " ") and not folded.startswith(word + " nam 1") and (
                word != "cuoi" or not folded.startswith("cuoi nam")
            ):
                folded = folded[len(word) + 1:].lstrip()
                changed = True
    return folded


def parse_vietnamese_period(text: str) -> Period:
    """Parse a Vietnamese period expression ("Quý I/2026", "tháng 12/2025", "năm 2025",
    "giai đoạn 2026-2030", "01/12/2025", …) or a period id into a :class:`Period`."""
    try:
        return Period.parse(text)
    except PeriodError:
        pass
    folded = _strip_fillers(fold(nfc(text)).strip(" .;,"))
    for kind, pattern in _VI_PATTERNS:
        m = pattern.match(folded)
        if not m:
            continue
        try:
            if kind == "recurring":
                raise PeriodError(f"'{text}' is recurring, not one period")
            if kind == "stage":
                return Period.stage(int(m.group(1)), int(m.group(2)))
            if kind in ("day_words", "day"):
                return Period.day(date(int(m.group(3)), int(m.group(2)), int(m.group(1))))
            if kind == "quarter":
                q = m.group(1)
                return Period.quarter(int(m.group(2)), int(q) if q.isdigit() else _FROM_ROMAN[q])
            if kind == "half":
                return Period.half(int(m.group(2)), 1 if m.group(1) == "dau" else 2)
            if kind == "month":
                return Period.month(int(m.group(2)), int(m.group(1)))
            return Period.year(int(m.group(1) or m.group(2)))
        except ValueError as exc:
            if isinstance(exc, PeriodError) and text in str(exc):
                raise
            raise PeriodError(f"'{text}' names no real period: {exc}") from None
    raise PeriodError(f"cannot read '{text}' as a period (e.g. 'tháng 12/2025', 'Quý I/2026')")


@dataclass(frozen=True)
class Deadline:
    """A task's time: a due date (the last day of the period named), or recurring, or none."""

    text: str
    due: date | None = None
    period: Period | None = None
    recurring: bool = False

    @property
    def is_set(self) -> bool:
        return self.due is not None or self.recurring

    def label(self, lang: str = "vi") -> str:
        if self.recurring:
            return "Thường xuyên" if lang == "vi" else "Recurring"
        if self.period is None:
            return "Không có thời hạn" if lang == "vi" else "No deadline"
        return self.period.label(lang)


def parse_deadline(text: str | None) -> Deadline:
    """Read a deadline as written in a directive. A month or quarter means its last day;
    "trước ngày 20 tháng 10 năm 2024" means 20/10/2024; "Thường xuyên" is recurring."""
    if text is None or not str(text).strip():
        return Deadline(text="")
    raw = nfc(str(text).strip())
    folded = fold(raw)
    if _VI_PATTERNS[0][1].match(folded):
        return Deadline(text=raw, recurring=True)
    period = parse_vietnamese_period(raw)
    return Deadline(text=raw, due=period.end, period=period)

"""The figures of an annual evaluation report, and the conventions of an official document
(Decree 30/2020/NĐ-CP) — pure: no I/O, no rendering.

A report row compares a target's indicator in the report year with the year before, with the
plan for the year and with the target itself:

* **value of a year**: the observation of the year itself (period ``2025``) when the series has
  one, else the last observation whose period ends within the year (December for a monthly
  series; the series is the one the assessment chose, so the figures are the assessment's);
* **plan of a year** (Kế hoạch): the target's milestone for the year, else the target's value
  when its deadline is that year, else the value the required path (baseline → milestones →
  value, piecewise linear) reaches at the end of the year — said so in ``plan_basis``;
* **% of plan** (So với KH): value / plan × 100, or plan / value × 100 when lower is better
  (a rank); **% of the year before** (So với cùng kỳ): value / value of the year before × 100;
  **change**: value − value of the year before, in the indicator's unit.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sodo.domain.periods import Period
from sodo.domain.problems import InputError
from sodo.domain.programme import Target
from sodo.domain.values import Observation


def document_year(value: str | int | None, default: int) -> int:
    """The year of a report or a plan as asked for (``default`` when not given), checked."""
    try:
        year = int(value) if value else default
    except ValueError:
        raise InputError(f"year must be a number, not '{value}'") from None
    if not 2000 <= year <= 2100:
        raise InputError(f"year must be between 2000 and 2100, not {year}")
    return year

PLAN_MILESTONE = "milestone"
PLAN_TARGET = "target"
PLAN_PATH = "required path"


def year_value(series: Iterable[Observation], year: int) -> Observation | None:
    """The observation standing for ``year``: the year's own, else the last one ending in it."""
    best: Observation | None = None
    best_end: date | None = None
    for obs in series:
        if obs.value is None:
            continue
        if obs.period == str(year):
            return obs
        end = Period.parse(obs.period).end
        if end.year == year and (best_end is None or end >= best_end):
            best, best_end = obs, end
    return best


def _interpolate(nodes: Sequence[tuple[date, float]], day: date) -> float | None:
    if not nodes or day < nodes[0][0] or day > nodes[-1][0]:
        return None
    for (da, xa), (db, xb) in itertools.pairwise(nodes):
        if da <= day <= db:
            if db == da:
                return xb
            return xa + (xb - xa) * (day - da).days / (db - da).days
    return nodes[-1][1] if day == nodes[-1][0] else None


def plan_value(target: Target, year: int, baseline: float | None = None,
               baseline_period: str | None = None) -> tuple[float | None, str]:
    """The plan of ``year`` for ``target`` and what it rests on (see the module doc)."""
    for ms in target.milestones:
        if ms.period == str(year):
            return float(ms.value), PLAN_MILESTONE
    if target.value is None or not target.deadline:
        return None, ""
    deadline = Period.parse(target.deadline)
    if deadline.end.year == year:
        return float(target.value), PLAN_TARGET
    nodes: list[tuple[date, float]] = []
    if baseline is not None and baseline_period:
        nodes.append((Period.parse(baseline_period).end, float(baseline)))
    nodes += sorted((Period.parse(m.period).end, float(m.value)) for m in target.milestones)
    nodes.append((deadline.end, float(target.value)))
    nodes = sorted(dict(nodes).items())
    value = _interpolate(nodes, date(year, 12, 31))
    return (value, PLAN_PATH) if value is not None else (None, "")


def percent_of_plan(value: float | None, plan: float | None, sense: int = 1) -> float | None:
    """So với kế hoạch (%): how much of the plan the value reaches (lower-is-better inverted)."""
    if value is None or plan is None:
        return None
    if sense < 0:
        return plan / value * 100 if value else None
    return value / plan * 100 if plan else None


def percent_of(value: float | None, before: float | None) -> float | None:
    """So với cùng kỳ (%): value / value of the year before × 100."""
    if value is None or before is None or before == 0:
        return None
    return value / before * 100


def change(value: float | None, before: float | None) -> float | None:
    if value is None or before is None:
        return None
    return value - before


# -- document conventions -------------------------------------------------------------------

def number_vi(value: float | None, decimals: int = 2, empty: str = "—") -> str:
    """A number as Vietnamese documents write it: ``1.234,5`` (trailing zeros dropped)."""
    if value is None:
        return empty
    text = f"{value:,.{max(decimals, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def document_number(number: int | None, code: str) -> str:
    """``Số: 05/BC-UBND``: padded to two digits; ``Số:   /BC-UBND`` before a number is given."""
    if number is None:
        return f"Số:       /{code}"
    return f"Số: {number:02d}/{code}"


def place_and_date(place: str, day: date) -> str:
    """``Hà Nội, ngày 05 tháng 01 năm 2026`` (day under 10 and months 1–2 padded)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: date) -> str:
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass(frozen=True)
class Issuer:
    """Who issues the document: the header's two agency lines, the code after "BC-", the
    place, and the signature block."""

    parent: str  # parent agency in capitals ("" when none is written)
    agency: str  # issuing agency in capitals
    code: str  # the agency's abbreviation: "UBND", "BKHCN"
    place: str
    authority: str  # "TM. ỦY BAN NHÂN DÂN", "KT. BỘ TRƯỞNG"
    title: str  # "CHỦ TỊCH", "THỨ TRƯỞNG"
    archive: str  # "VT, <unit>" of "Lưu: VT, …"
    name: str = ""  # the issuing agency as a sentence writes it
    recipients: tuple[str, ...] = ()
    addressee: str = ""  # "Kính gửi: …" of a report sent upward


def issuer_for(code: str, name: str, short_name: str, level: str, kind: str = "") -> Issuer:
    """The issuer of a unit's report: a province's People's Committee, a ministry, or — for
    the nation — the Ministry of Science and Technology, the programme's standing body."""
    if level == "province":
        full = name if name.lower().startswith(("tỉnh", "thành phố")) else \
            f"{'Thành phố' if kind == 'thành phố' else 'Tỉnh'} {short_name or name}"
        return Issuer(parent="", agency=f"ỦY BAN NHÂN DÂN {full.upper()}", code="BC-UBND",
                      place=short_name or name, authority="TM. ỦY BAN NHÂN DÂN",
                      title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", archive="VT, KGVX",
                      name=f"Ủy ban nhân dân {full[0].lower()}{full[1:]}",
                      addressee="Bộ Khoa học và Công nghệ",
                      recipients=("Bộ Khoa học và Công nghệ (để tổng hợp)",
                                  "Thường trực Tỉnh ủy/Thành ủy", "Thường trực HĐND",
                                  "Chủ tịch, các Phó Chủ tịch UBND",
                                  "Các sở, ban, ngành; UBND các xã, phường"))
    if level == "ministry":
        head = "BỘ TRƯỞNG" if kind == "bộ" else "THỦ TRƯỞNG CƠ QUAN"
        return Issuer(parent="", agency=name.upper(), code=f"BC-{code}", place="Hà Nội",
                      authority=f"KT. {head}",
                      title="THỨ TRƯỞNG" if kind == "bộ" else "PHÓ THỦ TRƯỞNG CƠ QUAN",
                      archive=f"VT, {code}", name=name,
                      addressee="Bộ Khoa học và Công nghệ",
                      recipients=("Thủ tướng Chính phủ (để báo cáo)",
                                  "Bộ Khoa học và Công nghệ (để tổng hợp)", "Lãnh đạo Bộ",
                                  "Các đơn vị thuộc Bộ"))
    return Issuer(parent="", agency="BỘ KHOA HỌC VÀ CÔNG NGHỆ", code="BC-BKHCN",
                  place="Hà Nội", authority="KT. BỘ TRƯỞNG", title="THỨ TRƯỞNG",
                  archive="VT, CĐS", name="Bộ Khoa học và Công nghệ",
                  recipients=("Thủ tướng Chính phủ (để báo cáo)",
                              "Các Phó Thủ tướng Chính phủ (để báo cáo)", "Văn phòng Chính phủ",
                              "Các bộ, cơ quan ngang bộ",
                              "UBND các tỉnh, thành phố trực thuộc trung ương"))

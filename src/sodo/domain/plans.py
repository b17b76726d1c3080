"""Next year's plan of a unit: its targets (value for the year, measurement method, the
national target each contributes to) and tasks (the "6 rõ"), each tied to the resources that
carry it out — pure: the reading of one filled cell, and the resource rule of the lint.

A plan is a programme (targets and tasks in the programme model, linted with the programme's
rules) plus, per target and task, its :class:`Resources` ("gắn liền với nguồn lực thực thi").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sodo.domain.problems import Problem, Severity
from sodo.domain.text import fold

FUNDING_SOURCES = ("Ngân sách trung ương", "Ngân sách địa phương", "Xã hội hóa", "ODA",
                   "Nguồn khác")
RULE_RESOURCES = "nguồn lực"
_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+([.,]\d+)?$")


@dataclass
class Resources:
    budget: float | None = None  # million VND
    funding: list[str] = field(default_factory=list)
    responsible: str = ""  # the agency answerable for the resources

    def to_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "funding": list(self.funding),
                "responsible": self.responsible}


class CellError(ValueError):
    """A cell that cannot be read, with the message in Vietnamese."""


def read_number(value: Any) -> float | None:
    """A number from a cell: a number, or text written the Vietnamese way ("1.234,5") or
    plainly ("1234.5"); empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError("không phải là số")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(text):
        raise CellError(f"“{value}” không phải là số")
    if "," not in text and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # 1.500: the Vietnamese thousands separator
    elif "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    return float(text)


def read_funding(value: Any) -> list[str]:
    """Sources of funds, separated by ';' or ',' — each one of :data:`FUNDING_SOURCES`
    (diacritics and case optional)."""
    if value is None or not str(value).strip():
        return []
    known = {fold(name): name for name in FUNDING_SOURCES}
    out = []
    for part in re.split(r"[;,]", str(value)):
        part = part.strip()
        if not part:
            continue
        name = known.get(fold(part))
        if name is None:
            raise CellError(f"nguồn vốn “{part}” không hợp lệ (chọn: "
                            f"{'; '.join(FUNDING_SOURCES)})")
        out.append(name)
    return list(dict.fromkeys(out))


def resource_findings(kind: str, key: str, resources: Resources | None) -> list[Problem]:
    """The "gắn liền với nguồn lực" rule: a target or task names its budget, its source of
    funds and the agency responsible for them."""
    missing = []
    res = resources or Resources()
    if res.budget is None:
        missing.append("kinh phí")
    if not res.funding:
        missing.append("nguồn vốn")
    if not res.responsible:
        missing.append("cơ quan chịu trách nhiệm")
    if not missing:
        return []
    what = "chỉ tiêu" if kind == "target" else "nhiệm vụ"
    return [Problem(f"{what} {key} chưa gắn với nguồn lực thực thi: thiếu {', '.join(missing)}",
                    rule=RULE_RESOURCES, severity=Severity.WARNING, object=key)]


# -- the cascade: can the plan targets of the units reach the national target? ------------------

@dataclass(frozen=True)
class UnitFigure:
    """One unit's figure in the cascade: its plan target for the year (``planned``) or, for a
    unit without one, its latest value (assumed to stay); ``weight``: the denominator of its
    latest value, for a ratio."""

    unit: str
    value: float
    planned: bool
    weight: float | None = None


@dataclass(frozen=True)
class Reach:
    """Whether the units' figures combine to the national requirement, and the numbers."""

    method: str  # sum | weighted | mean | spread
    combined: float | None
    required: float | None
    comparator: str
    reaches: bool | None
    planned: int
    units: int
    meeting: int  # plan targets that each meet the requirement on their own
    lowest: float | None
    highest: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def meets(value: float | None, required: float | None, comparator: str) -> bool | None:
    if value is None or required is None:
        return None
    if comparator in ("<=", "<"):
        return value <= required if comparator == "<=" else value < required
    if comparator == "=":
        return abs(value - required) < 1e-9
    return value >= required if comparator == ">=" else value > required


def cascade_reach(figures: list[UnitFigure], required: float | None, comparator: str,
                  aggregation: str) -> Reach:
    """Combine the units' figures the way the indicator rolls up over the hierarchy: a sum
    adds them (units without a plan target at their latest value); a ratio is the mean
    weighted by each unit's latest denominator (equal weights where one is missing: then
    ``mean``); an indicator that does not roll up is judged by its spread — whether every
    plan target meets the requirement on its own."""
    planned = [f for f in figures if f.planned]
    values = [f.value for f in planned]
    meeting = sum(1 for v in values if meets(v, required, comparator))
    lowest, highest = (min(values), max(values)) if values else (None, None)
    combined: float | None
    if not planned:
        combined, method = None, "spread"
    elif aggregation == "sum":
        combined, method = sum(f.value for f in figures), "sum"
    elif aggregation in ("ratio", "average"):
        weights = [f.weight for f in figures]
        if aggregation == "ratio" and all(w is not None and w > 0 for w in weights):
            total = sum(w for w in weights if w is not None)
            combined = sum(f.value * (f.weight or 0) for f in figures) / total
            method = "weighted"
        else:
            combined, method = sum(f.value for f in figures) / len(figures), "mean"
    else:
        combined, method = None, "spread"
    if method == "spread":
        reaches = (meeting == len(planned)) if planned and required is not None else None
    else:
        reaches = meets(combined, required, comparator)
    return Reach(method, combined, required, comparator, reaches, len(planned), len(figures),
                 meeting, lowest, highest)

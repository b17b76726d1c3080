"""Report forms (biểu mẫu báo cáo) and their calendar: which indicators a form asks for, which
units report, for which period type, when a period's report opens and when it is due, and the
checks a reported value must pass. Pure rules: the reporting service stores submissions, the
compliance service counts who has reported, the pages and reminders read the calendar here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sodo.domain.orgunits import NATION_CODE, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodType, vietnam_today
from sodo.domain.problems import InputError, Problem
from sodo.domain.text import nfc

STATES = ("draft", "submitted", "returned", "approved")
EDITABLE = ("draft", "returned")
# How far back the calendar looks for a period that has opened or fallen due.
_CALENDAR_REACH = 24


class FormIndicator(BaseModel):
    """One indicator a form asks for, with the checks its cells must pass."""

    model_config = ConfigDict(extra="forbid")

    code: str
    label: str = Field("", description="Row label if not the indicator's name.")
    required: bool = True
    min: float | None = None
    max: float | None = None
    integer: bool = False
    ratio: bool = Field(False, description="Ask for numerator and denominator; value = n/d×100.")


class ReportForm(BaseModel):
    """A periodic report (biểu mẫu báo cáo): which indicators, which units report, for which
    period type, when it opens and when it is due."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str
    name_en: str = ""
    description: str = ""
    period_type: Literal["month", "quarter", "half", "year"]
    level: Literal["ministry", "province", "commune"] | None = Field(
        None, description="Every unit of this level reports.")
    orgunits: list[str] = Field([], description="Units that report, if not a whole level.")
    indicators: list[FormIndicator] = Field(min_length=1)
    opens_days: int = Field(-10, description="Opens this many days after the period's last "
                            "day (negative: before it ends).")
    due_days: int = Field(15, ge=0, description="Due this many days after the data cut-off.")
    due_in_working_days: bool = Field(False, description="Count due_days as working days "
                                      "(Monday–Friday), as Decree 09/2019 does.")
    cutoff_day: int | None = Field(None, ge=1, le=28, description="Data cut-off day of the "
                                   "month (Decree 09/2019: 14 — a month runs 15th to 14th, the "
                                   "year 15/12 to 14/12); none = calendar periods.")
    source: str = ""

    @field_validator("name", "name_en", "description")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return nfc(value)

    def indicator(self, code: str) -> FormIndicator:
        for item in self.indicators:
            if item.code == code:
                return item
        raise KeyError(code)

    def check_period(self, period_id: str) -> Period:
        period = Period.parse(period_id)
        if period.type != PeriodType(self.period_type):
            raise InputError(f"form '{self.code}' is reported by {self.period_type}, "
                             f"not for period '{period.id}' ({period.type})")
        return period

    def window(self, period: Period) -> tuple[date, date]:
        """The dates whose data the report covers (the cut-off window)."""
        if self.cutoff_day is None:
            return period.start, period.end
        end = period.end.replace(day=self.cutoff_day)
        start = (period.start - timedelta(days=1)).replace(day=self.cutoff_day) \
            + timedelta(days=1)
        return start, end

    def opens_on(self, period: Period) -> date:
        return self.window(period)[1] + timedelta(days=self.opens_days)

    def due_on(self, period: Period) -> date:
        day = self.window(period)[1]
        if not self.due_in_working_days:
            return day + timedelta(days=self.due_days)
        left = self.due_days
        while left > 0:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day

    def reporting_units(self, on: date | None = None) -> list[str]:
        hierarchy = default_hierarchy()
        if self.orgunits:
            return list(self.orgunits)
        if self.level:
            return [u.code for u in hierarchy.at_level(OrgUnitLevel(self.level),
                                                        on=on or vietnam_today())]
        return [NATION_CODE]

    def open_period(self, today: date) -> Period:
        """The newest period of the form whose report has opened by ``today``."""
        period = Period.containing(today, PeriodType(self.period_type))
        for _ in range(_CALENDAR_REACH):
            if self.opens_on(period) <= today:
                return period
            period = period.previous()
        return period

    def due_period(self, today: date) -> Period:
        """The newest period of the form whose report was due by ``today`` (the open one if
        none is due yet)."""
        period = self.open_period(today)
        for _ in range(_CALENDAR_REACH):
            if self.due_on(period) <= today:
                return period
            period = period.previous()
        return self.open_period(today)

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass
class ValueInput:
    """One reported cell: indicator (× category) → value, or numerator and denominator."""

    indicator: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    category: str = ""
    note: str = ""
    where: str = ""  # e.g. "Báo cáo!D5", so errors can name the cell


def check_values(form: ReportForm, values: list[ValueInput], *, complete: bool = False,
                 file: str = "") -> list[Problem]:
    """Every problem with ``values`` for ``form``; ``complete`` also requires every required
    indicator to be present (at submission)."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()

    def bad(v: ValueInput, message: str, rule: str) -> None:
        problems.append(Problem(message, file, None, None, rule=rule,
                                object=v.where or f"{v.indicator}"))

    for v in values:
        try:
            spec = form.indicator(v.indicator)
        except KeyError:
            bad(v, f"indicator '{v.indicator}' is not on form '{form.code}'", "indicator")
            continue
        if (v.indicator, v.category) in seen:
            bad(v, f"indicator '{v.indicator}' given twice", "duplicate")
            continue
        seen.add((v.indicator, v.category))
        if spec.ratio and v.value is None and v.numerator is not None \
                and v.denominator is not None:
            if v.denominator <= 0:
                bad(v, "denominator must be greater than 0", "range")
                continue
            if v.numerator < 0 or v.numerator > v.denominator:
                bad(v, "numerator must be between 0 and the denominator", "range")
                continue
            v.value = round(v.numerator / v.denominator * 100, 6)
        if v.value is None:
            continue
        if v.value != v.value or v.value in (float("inf"), float("-inf")):
            bad(v, "not a finite number", "type")
            continue
        if spec.integer and float(v.value) != int(v.value):
            bad(v, f"'{v.indicator}' must be a whole number", "type")
        if spec.min is not None and v.value < spec.min:
            bad(v, f"'{v.indicator}' must be at least {spec.min:g} (got {v.value:g})", "range")
        if spec.max is not None and v.value > spec.max:
            bad(v, f"'{v.indicator}' must be at most {spec.max:g} (got {v.value:g})", "range")
    if complete:
        given = {v.indicator for v in values if v.value is not None}
        for spec in form.indicators:
            if spec.required and spec.code not in given:
                problems.append(Problem(f"required indicator '{spec.code}' has no value", file,
                                        rule="required", object=spec.code))
    return problems



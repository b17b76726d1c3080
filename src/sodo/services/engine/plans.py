"""What one dataset pass computes (the measures of its indicators), without Ibis.

The plan is pure data: the compiler (:mod:`.compiler`) turns it into one Ibis aggregate, the
roll-up and the scoring read its column names. Kept apart so that a compute whose compiled SQL
is cached (:mod:`.sql_cache`) needs no Ibis at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sodo.domain.indicators import PERIOD_TYPES, ComputedIndicator, Measure
from sodo.domain.problems import InputError

SECONDS_PER_DAY = 86400
UNIT_COLUMN = "orgunit"
MONTH_COLUMN = "ym"  # year * 100 + month, an integer (portable and cheap to group by)


@dataclass
class MeasurePlan:
    """The conditional sums one dataset pass computes, by measure key."""

    dataset: str
    period_field: str
    orgunit_field: str
    names: dict[str, str] = field(default_factory=dict)  # measure key -> base column name
    measures: dict[str, Measure] = field(default_factory=dict)  # base column name -> measure

    def add(self, measure: Measure) -> str:
        key = measure.key()
        if key not in self.names:
            name = f"m{len(self.names)}"
            self.names[key] = name
            self.measures[name] = measure
        return self.names[key]

    def column(self, measure: Measure) -> str:
        return self.names[measure.key()]

    def base_columns(self) -> list[str]:
        """Columns of the (unit, month) aggregate, with the period-type variants."""
        cols: list[str] = []
        for name, measure in self.measures.items():
            if measure.period_dependent:
                cols += [f"{name}__{pt}" for pt in PERIOD_TYPES]
            else:
                cols.append(name)
        return cols

    def fields(self) -> set[str]:
        out = {self.period_field, self.orgunit_field}
        for measure in self.measures.values():
            out |= measure.fields()
        return out


def plan_dataset(dataset: str, indicators: Iterable[ComputedIndicator]) -> MeasurePlan:
    """Collect the distinct measures of the indicators on ``dataset`` (shared ones once)."""
    plan: MeasurePlan | None = None
    for ind in indicators:
        if ind.dataset != dataset:
            continue
        if plan is None:
            plan = MeasurePlan(dataset, ind.period_field, ind.orgunit_field)
        elif (ind.period_field, ind.orgunit_field) != (plan.period_field, plan.orgunit_field):
            raise InputError(f"indicator {ind.code}: all indicators of dataset '{dataset}' must "
                             f"share period_field and orgunit_field "
                             f"({plan.period_field}, {plan.orgunit_field})")
        for measure in ind.measures():
            if measure is not None:
                plan.add(measure)
    if plan is None:
        raise InputError(f"no indicator is defined on dataset '{dataset}'")
    return plan


def measure_scale(measure: Measure) -> float:
    """The factor from a measure's summed unit to the unit indicators use (seconds → days)."""
    return 1.0 / SECONDS_PER_DAY if measure.kind == "days_between" else 1.0

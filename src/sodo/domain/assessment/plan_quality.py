"""Plan quality: is each target "Khả thi" (feasible) and "Đột phá" (a breakthrough)?

The guidance asks targets to be both. Against the history of the target's indicator:

* **khả thi** — the yearly pace the target requires, ``d·(X − x)/(T − t)`` from the latest
  observed value ``(t, x)`` to the target ``(T, X)``, exceeds the best yearly pace ever observed,
  ``max d·(x_j − x_i)/(t_j − t_i)`` over consecutive years: "not feasible as set".
* **đột phá** — the target asks for less than the current trend already delivers: the linear
  least-squares trend of the yearly values, projected to the deadline (kept within 0–100 for a
  percentage, ≥ 1 for a rank), beats ``X``: "not a breakthrough".

Yearly values are the last observed value of each calendar year (so monthly series count too).
Both are warnings: a plan may have reasons the history does not show.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from sodo.domain.assessment.targets import linear_fit, period_end, sense_of
from sodo.domain.problems import Problem, Severity
from sodo.domain.programme import Programme, Target

History = Mapping[Any, Sequence[tuple[str, float]]]
RULE_FEASIBLE = "khả thi"
RULE_BREAKTHROUGH = "đột phá"


def yearly_values(series: Sequence[tuple[str, float]]) -> list[tuple[str, float, float]]:
    """(period, time in years, value): the last value of each calendar year, in time order.
    Periods longer than a year (plan stages) say nothing about a yearly pace and are left out."""
    last: dict[int, tuple[str, float, float]] = {}
    for period, value in series:
        end, t = period_end(period)
        if period.count("..") or value is None:
            continue
        current = last.get(end.year)
        if current is None or t >= current[1]:
            last[end.year] = (period, t, float(value))
    return [last[year] for year in sorted(last)]


def _fmt(value: float) -> str:
    return f"{value:+.4g}" if value else "0"


def _series_for(target: Target, history: History) -> Sequence[tuple[str, float]]:
    return history.get((target.indicator, target.orgunit)) or history.get(target.indicator) or ()


def plan_quality_problems(programme: Programme, history: History,
                          loaded: Any = None) -> list[Problem]:
    """Warnings for targets that are not feasible as set or not a breakthrough.

    ``history`` maps ``(indicator, orgunit)`` or an indicator code to its observed
    ``[(period id, value)]`` (``sodo.services.assessment.plan_history`` gives the
    programme's own values and the store's). ``loaded`` (a ``LoadedProgramme``) lets each
    problem name the file and line of its target."""
    indicators = {ind.code: ind for ind in programme.indicators}
    problems: list[Problem] = []
    for target in programme.targets:
        indicator = indicators.get(target.indicator)
        if indicator is None or target.value is None or not target.deadline:
            continue
        sense = sense_of(target, indicator)[0]
        goal = float(target.value)
        _, deadline_t = period_end(target.deadline)
        years = yearly_values(_series_for(target, history))
        if target.baseline is not None and not any(p == target.baseline.period
                                                   for p, _, _ in years):
            years = yearly_values([*((p, v) for p, _, v in years),
                                   (target.baseline.period, target.baseline.value)])
        if len(years) < 2:
            continue
        file, line, column = ("", None, None)
        if loaded is not None:
            file, line, column = loaded.where("targets", target.id)
        unit = f" {indicator.unit}" if indicator.unit else ""
        found: list[tuple[str, str]] = []

        # Khả thi: the required pace against the best pace ever observed.
        latest_period, latest_t, latest_x = years[-1]
        paces = [(sense * (b[2] - a[2]) / (b[1] - a[1]), a[0], b[0])
                 for a, b in itertools.pairwise(years) if b[1] > a[1]]
        if paces and deadline_t > latest_t:
            required = sense * (goal - latest_x) / (deadline_t - latest_t)
            best, best_from, best_to = max(paces)
            if required > 0 and required > best + 1e-9:
                found.append((RULE_FEASIBLE,
                     f"không khả thi như đặt ra / not feasible as set: reaching {goal:g} by "
                     f"{target.deadline} from {latest_x:g} ({latest_period}) needs "
                     f"{_fmt(sense * required)}{unit}/year; the best yearly pace ever observed "
                     f"is {_fmt(sense * best)}{unit}/year ({best_from}→{best_to})"))

        # Đột phá: the target against the current trend's projection.
        slope, level = linear_fit([t for _, t, _ in years], [x for _, _, x in years])
        mean_t = sum(t for _, t, _ in years) / len(years)
        projected = level + slope * (deadline_t - mean_t)
        if indicator.value_type == "percent":
            projected = min(max(projected, 0.0), 100.0)
        elif indicator.value_type == "rank":
            projected = max(projected, 1.0)
        if sense * (goal - projected) < -1e-9:
            found.append((RULE_BREAKTHROUGH,
                 f"không đột phá / not a breakthrough: the target {goal:g} by "
                 f"{target.deadline} is {'below' if sense > 0 else 'above'} what the current "
                 f"trend already reaches ({projected:.4g}, linear trend of {len(years)} yearly "
                 f"values {years[0][0]}–{years[-1][0]})"))
        problems.extend(Problem(message, file, line, column, rule=rule,
                                severity=Severity.WARNING, object=target.id)
                        for rule, message in found)
    return problems

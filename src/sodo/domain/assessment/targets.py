"""Is a target on track? Pure computation over a target, its indicator and an observed series.

No I/O here: :func:`assess_target` takes the target, the indicator, the observed values
``[(period id, value)]`` and an as-of date, and returns a :class:`TargetAssessment` carrying the
status, the method that decided it and every number that went into it (DESIGN.md §6).

Conventions, stated once:

* **Time** is measured at period ends, in years: the end of year 2025 is 2026.0, the end of
  June 2025 is 2025 + 181/365. A value counts from the as-of date on only if its period has
  ended by then (a period not yet over is not a result).
* **Sense** ``d``: +1 when higher is better, −1 when lower is better. An indicator whose
  ``value_type`` is ``rank`` is lower-is-better ("top 50": rank 50 or better). A comparator
  ``<=``/``<`` also makes the target lower-is-better.
* **Baseline** ``(t0, x0)``: the target's own baseline, else the first observation. The trend
  is fitted to the baseline and the observations after it.
* **Achieved**: ``d·(x − X) ≥ −tolerance`` (``|x − X| ≤ tolerance`` for ``=``). The tolerance
  is the target's own, else, for a percent target at or above ``full_percent_from`` (near
  100 %), ``full_percent_tolerance`` percentage points, else 0.
* **Ratio bands** (UN SDG Progress Chart): ratio ≥ 0.95 on track; 0.5–0.95 needs
  acceleration; −0.1–0.5 off track (limited progress); < −0.1 deteriorating. The same bands
  read the CAGR ratio and the linear ratio ``(x̂(T) − x0)/(X − x0)``.
* **Milestones** make the required path piecewise linear through baseline, milestones and the
  final value; the status is judged against the next checkpoint on that path (the first
  milestone not yet due at the as-of date, else the final value).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sodo.domain.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from sodo.domain.periods import Period, PeriodType
from sodo.domain.programme import Comparator, Direction, Indicator, Target
from sodo.domain.values import Observation


class TargetStatus(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    NEEDS_ACCELERATION = "needs_acceleration"
    OFF_TRACK = "off_track"
    DETERIORATING = "deteriorating"
    INSUFFICIENT_DATA = "insufficient_data"
    NOT_ACHIEVED = "not_achieved"

    def label(self, lang: str = "vi") -> str:
        return _STATUS_LABELS[self][0 if lang == "vi" else 1]


_STATUS_LABELS = {
    TargetStatus.ACHIEVED: ("Đã đạt", "Achieved"),
    TargetStatus.ON_TRACK: ("Đúng tiến độ", "On track"),
    TargetStatus.NEEDS_ACCELERATION: ("Cần đẩy nhanh", "Needs acceleration"),
    TargetStatus.OFF_TRACK: ("Chậm tiến độ", "Off track"),
    TargetStatus.DETERIORATING: ("Đang xấu đi", "Deteriorating"),
    TargetStatus.INSUFFICIENT_DATA: ("Chưa đủ số liệu", "Insufficient data"),
    TargetStatus.NOT_ACHIEVED: ("Không đạt", "Not achieved"),
}

# Order used to sort a list of assessments worst first (what a steering committee reads first).
STATUS_SEVERITY = {
    TargetStatus.NOT_ACHIEVED: 0,
    TargetStatus.DETERIORATING: 1,
    TargetStatus.OFF_TRACK: 2,
    TargetStatus.NEEDS_ACCELERATION: 3,
    TargetStatus.INSUFFICIENT_DATA: 4,
    TargetStatus.ON_TRACK: 5,
    TargetStatus.ACHIEVED: 6,
}
#: Target statuses worst first, as a steering committee reads them.
STATUS_ORDER = tuple(sorted(TargetStatus, key=lambda s: STATUS_SEVERITY[s]))


@dataclass
class TargetAssessment:
    """The verdict on one target and everything that produced it."""

    target_id: str
    indicator: str
    orgunit: str
    deadline: str | None
    target_value: float | None
    baseline: float | None
    baseline_period: str | None
    baseline_from: str  # "target" | "first observation" | ""
    latest: float | None
    latest_period: str | None
    projected: float | None
    status: TargetStatus
    method: str  # linear | cagr | achieved | value at deadline | none
    components: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    series_source: str = ""
    title: str = ""

    @property
    def formula(self) -> str:
        return str(self.components.get("formula", ""))

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {
            "target_id": self.target_id,
            "indicator": self.indicator,
            "orgunit": self.orgunit,
            "title": self.title,
            "deadline": self.deadline,
            "target_value": self.target_value,
            "baseline": self.baseline,
            "baseline_period": self.baseline_period,
            "baseline_from": self.baseline_from,
            "latest": self.latest,
            "latest_period": self.latest_period,
            "projected": _round(self.projected),
            "status": str(self.status),
            "status_label": self.status.label(lang),
            "method": self.method,
            "series_source": self.series_source,
            "notes": list(self.notes),
            "components": {k: _round(v) for k, v in self.components.items()},
        }


def _round(value: Any) -> Any:
    # Six decimals are more than any indicator is measured to; they keep JSON free of float noise.
    if isinstance(value, float) and math.isfinite(value):
        return round(value, 6)
    return value


# ---------------------------------------------------------------------------------------------
# Time and small helpers
# ---------------------------------------------------------------------------------------------

def year_fraction(day: date) -> float:
    """A day as years, counted so that the end of a year is a whole number
    (31/12/2025 → 2026.0) and one year apart is exactly 1.0 between year ends."""
    days_in_year = 366 if _is_leap(day.year) else 365
    return day.year + day.timetuple().tm_yday / days_in_year


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@lru_cache(maxsize=65536)
def period_end(period_id: str) -> tuple[date, float]:
    """The last day of a period and its time in years (cached: series repeat the same ids)."""
    end = Period.parse(period_id).end
    return end, year_fraction(end)


def sense_of(target: Target, indicator: Indicator) -> tuple[int, str]:
    """+1 if higher is better, −1 if lower is better, and why."""
    if indicator.value_type == "rank":
        return -1, "rank: a lower rank number is better"
    if target.comparator in (Comparator.LE, Comparator.LT):
        return -1, f"comparator {target.comparator}: lower is better"
    if indicator.direction is Direction.LOWER:
        return -1, "indicator direction: lower is better"
    return 1, "indicator direction: higher is better"


def tolerance_of(target: Target, indicator: Indicator, config: AssessmentConfig) -> float:
    if target.tolerance is not None:
        return abs(target.tolerance)
    if (indicator.value_type == "percent" and target.value is not None
            and target.value >= config.full_percent_from):
        return config.full_percent_tolerance
    return 0.0


def meets(value: float, goal: float, sense: int, tolerance: float, equal: bool = False) -> bool:
    """Does ``value`` reach ``goal`` in direction ``sense`` within ``tolerance``?"""
    if equal:
        return abs(value - goal) <= tolerance + 1e-12
    return sense * (value - goal) >= -tolerance - 1e-12


def linear_fit(times: Sequence[float], values: Sequence[float]) -> tuple[float, float]:
    """Least-squares line through the points: returns (slope per year, value at the mean time)
    so that x̂(t) = level + slope·(t − mean t). Centred on the mean time for numerical safety."""
    n = len(times)
    mean_t = sum(times) / n
    mean_x = sum(values) / n
    sxx = sum((t - mean_t) ** 2 for t in times)
    if sxx == 0:
        return 0.0, mean_x
    sxy = sum((t - mean_t) * (x - mean_x) for t, x in zip(times, values, strict=True))
    return sxy / sxx, mean_x


def band(ratio: float, config: AssessmentConfig) -> TargetStatus:
    if ratio >= config.on_track_ratio:
        return TargetStatus.ON_TRACK
    if ratio >= config.acceleration_ratio:
        return TargetStatus.NEEDS_ACCELERATION
    if ratio >= config.deterioration_ratio:
        return TargetStatus.OFF_TRACK
    return TargetStatus.DETERIORATING


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.6g}"


def _as_observations(series: Iterable[Observation | tuple[str, float]]) -> list[Observation]:
    out = []
    for item in series:
        if isinstance(item, Observation):
            out.append(item)
        else:
            period, value = item[0], item[1]
            out.append(Observation(str(period), float(value)))
    return out


def _interpolate(nodes: list[tuple[float, float]], t: float) -> float:
    """The required path's value at time ``t`` (piecewise linear; flat beyond its ends)."""
    if t <= nodes[0][0]:
        return nodes[0][1]
    for (ta, xa), (tb, xb) in itertools.pairwise(nodes):
        if t <= tb:
            return xa if tb == ta else xa + (xb - xa) * (t - ta) / (tb - ta)
    return nodes[-1][1]


# ---------------------------------------------------------------------------------------------
# The assessment
# ---------------------------------------------------------------------------------------------

def assess_target(
    target: Target,
    indicator: Indicator,
    series: Iterable[Observation | tuple[str, float]],
    as_of: date,
    config: AssessmentConfig = DEFAULT_CONFIG,
    *,
    series_source: str = "",
    alternatives: list[dict[str, Any]] | None = None,
) -> TargetAssessment:
    """Assess one target against its observed series at ``as_of`` (see the module doc)."""
    sense, sense_reason = sense_of(target, indicator)
    equal = target.comparator is Comparator.EQ
    tolerance = tolerance_of(target, indicator, config)
    result = TargetAssessment(
        target_id=target.id, indicator=target.indicator, orgunit=target.orgunit,
        deadline=target.deadline, target_value=target.value, baseline=None,
        baseline_period=None, baseline_from="", latest=None, latest_period=None,
        projected=None, status=TargetStatus.INSUFFICIENT_DATA, method="none",
        series_source=series_source, title=target.title,
    )
    comp = result.components
    comp.update(direction=sense, direction_reason=sense_reason, tolerance=tolerance,
                comparator=str(target.comparator), as_of=as_of.isoformat())
    if alternatives:
        comp["other_series"] = alternatives

    if target.value is None or not target.deadline:
        missing = "value" if target.value is None else "deadline"
        comp["formula"] = f"the target has no {missing}: nothing to assess against"
        result.notes.append(f"target has no {missing}")
        return result
    X = float(target.value)
    T_end, T = period_end(target.deadline)
    comp.update(X=X, T=T, deadline_end=T_end.isoformat())

    # Observations whose period has ended by the as-of date, one per period, in time order.
    all_observations = _as_observations(series)
    by_period: dict[str, Observation] = {}
    for obs in all_observations:
        if obs.value is None or (isinstance(obs.value, float) and math.isnan(obs.value)):
            continue
        if period_end(obs.period)[0] <= as_of:
            by_period[obs.period] = obs
    observed = sorted(by_period.values(), key=lambda o: period_end(o.period))
    not_yet = sum(1 for o in all_observations if period_end(o.period)[0] > as_of)
    if not_yet:
        comp["values_after_as_of_ignored"] = not_yet

    # Baseline: the target's own, else the first observation.
    if target.baseline is not None and period_end(target.baseline.period)[0] <= as_of:
        base_period, x0, result.baseline_from = (target.baseline.period, target.baseline.value,
                                                 "target")
    elif observed:
        base_period, x0, result.baseline_from = observed[0].period, observed[0].value, \
            "first observation"
    else:
        comp["formula"] = "no baseline and no observed value"
        result.notes.append("no data")
        return result
    t0_end, t0 = period_end(base_period)
    result.baseline, result.baseline_period = x0, base_period
    comp.update(x0=x0, t0=t0)

    # The points the trend is fitted to: the baseline, then what was observed after it.
    points: list[tuple[str, float, float]] = [(base_period, t0, x0)]
    for obs in observed:
        end, t = period_end(obs.period)
        if end > t0_end:
            points.append((obs.period, t, obs.value))
        elif obs.period == base_period and obs.value != x0:
            result.notes.append(f"observed {_fmt(obs.value)} for the baseline period "
                                f"{base_period}; the target's baseline {_fmt(x0)} is used")
    latest_period, t, x = points[-1]
    result.latest, result.latest_period = x, latest_period
    comp.update(x=x, t=t, points=len(points))
    if x0 != X:
        comp["progress_made"] = (x - x0) / (X - x0)
    if t0 != T:
        comp["time_elapsed"] = (t - t0) / (T - t0)

    # Deadline passed: the value at the deadline decides.
    if T_end < as_of:
        at_deadline = [p for p in points if p[1] <= T + 1e-9]
        if at_deadline:
            d_period, d_t, d_x = at_deadline[-1]
            comp.update(value_at_deadline=d_x, value_at_deadline_period=d_period)
            if meets(d_x, X, sense, tolerance, equal):
                result.status, result.method = TargetStatus.ACHIEVED, "value at deadline"
                comp["formula"] = (f"deadline {target.deadline} passed; value {_fmt(d_x)} "
                                   f"({d_period}) meets {_fmt(X)} within {_fmt(tolerance)}")
                return result
            if abs(d_t - T) < 1e-9:
                result.status, result.method = TargetStatus.NOT_ACHIEVED, "value at deadline"
                comp["formula"] = (f"deadline {target.deadline} passed; value {_fmt(d_x)} "
                                   f"({d_period}) misses {_fmt(X)} (tolerance "
                                   f"{_fmt(tolerance)})")
                return result
        result.notes.append(f"deadline {target.deadline} passed but its value is not reported "
                            "yet; judged by the trend")

    # Achieved already (one point is enough to know that).
    if meets(x, X, sense, tolerance, equal):
        result.status, result.method = TargetStatus.ACHIEVED, "achieved"
        gap = abs(x - X) if equal else sense * (x - X)
        comp["formula"] = (f"x = {_fmt(x)} ({latest_period}) meets X = {_fmt(X)}: "
                           f"{'|x − X|' if equal else 'd·(x − X)'} = {_fmt(gap)} ≥ "
                           f"−{_fmt(tolerance)} (tolerance)")
        return result

    # Achieved earlier, lost since: deteriorating, whatever the trend says.
    achieved_before = _achieved_before(points, target.deadline, X, sense, tolerance, equal)

    if len(points) < config.min_points:
        comp["formula"] = (f"{len(points)} point(s) from the baseline on; a trend needs "
                           f"{config.min_points}")
        result.notes.append("one data point only" if len(points) == 1 else "too few points")
        return result

    # The required path and the checkpoint the status is judged against.
    nodes: list[tuple[float, float]] = [(t0, x0)]
    milestone_rows: list[dict[str, Any]] = []
    checkpoint: tuple[str, float, float] = (target.deadline, T, X)
    for ms in sorted(target.milestones, key=lambda m: period_end(m.period)):
        m_end, m_t = period_end(ms.period)
        if m_t <= t0 or m_t >= T:
            continue
        nodes.append((m_t, ms.value))
        row: dict[str, Any] = {"period": ms.period, "required": ms.value}
        if m_end < as_of:
            seen = [p for p in points if p[1] <= m_t + 1e-9]
            if seen:
                row.update(observed=seen[-1][2], observed_period=seen[-1][0],
                           met=meets(seen[-1][2], ms.value, sense, tolerance, equal))
        elif checkpoint[0] == target.deadline:
            checkpoint = (ms.period, m_t, ms.value)
        milestone_rows.append(row)
    nodes.append((T, X))
    if milestone_rows:
        comp["milestones"] = milestone_rows
        missed = [r["period"] for r in milestone_rows if r.get("met") is False]
        if missed:
            comp["missed_milestones"] = missed
    c_period, Tc, Xc = checkpoint
    required_now = _interpolate(nodes, t)
    comp.update(checkpoint_period=c_period, Tc=Tc, Xc=Xc, required_at_latest=required_now,
                gap_to_required=sense * (x - required_now))

    # Linear trend (least squares over the points).
    times = [p[1] for p in points]
    values = [p[2] for p in points]
    slope, level = linear_fit(times, values)
    mean_t = sum(times) / len(times)
    line_c = level + slope * (Tc - mean_t)
    line_T = level + slope * (T - mean_t)
    # A projection cannot leave the indicator's range: a share stays within 0–100 %, a rank
    # at 1 or beyond, a count at 0 or more. The line itself is kept when it leaves the range.
    proj_c, proj_T = _in_range(indicator, line_c), _in_range(indicator, line_T)
    linear_ratio = (proj_c - x0) / (Xc - x0) if Xc != x0 else None
    comp.update(slope_per_year=slope, mean_t=mean_t, level_at_mean_t=level,
                projected_linear=proj_T, projected_linear_at_checkpoint=proj_c,
                linear_ratio=linear_ratio)
    if line_T != proj_T:
        comp["projected_linear_line"] = line_T

    # CAGR ratio of the UN SDG Progress Chart.
    cagr_ok, why_not = _cagr_applicable(x0, x, Xc, t0, t, Tc)
    cagr_ratio = None
    if cagr_ok:
        actual = (x / x0) ** (1 / (t - t0)) - 1
        required = (Xc / x0) ** (1 / (Tc - t0)) - 1
        cagr_ratio = actual / required
        comp.update(cagr_actual=actual, cagr_required=required, cagr_ratio=cagr_ratio,
                    projected_cagr=_in_range(indicator, x0 * (x / x0) ** ((T - t0) / (t - t0))))
    else:
        comp["cagr_not_applicable"] = why_not

    method = config.projection_method
    if method == "cagr" and not cagr_ok:
        result.notes.append(f"CAGR ratio not applicable ({why_not}); linear trend used")
        method = "linear"
    result.method = method

    if method == "cagr":
        assert cagr_ratio is not None
        result.projected = comp["projected_cagr"]
        result.status = band(cagr_ratio, config)
        comp["formula"] = (
            f"CR = ((x/x0)^(1/(t−t0)) − 1) / ((Xc/x0)^(1/(Tc−t0)) − 1) = "
            f"(({_fmt(x)}/{_fmt(x0)})^(1/{_fmt(t - t0)}) − 1) / (({_fmt(Xc)}/{_fmt(x0)})^"
            f"(1/{_fmt(Tc - t0)}) − 1) = {_fmt(comp['cagr_actual'])} / "
            f"{_fmt(comp['cagr_required'])} = {_fmt(cagr_ratio)}; {_bands_text(config)}")
    else:
        result.projected = proj_T
        if meets(proj_c, Xc, sense, tolerance, equal):
            result.status = TargetStatus.ON_TRACK
        elif linear_ratio is not None:
            result.status = band(linear_ratio, config)
        else:
            result.status = (TargetStatus.DETERIORATING if sense * slope < 0
                             else TargetStatus.OFF_TRACK)
        ratio_text = (f"LR = (x̂(Tc) − x0)/(Xc − x0) = ({_fmt(proj_c)} − {_fmt(x0)})/"
                      f"({_fmt(Xc)} − {_fmt(x0)}) = {_fmt(linear_ratio)}"
                      if linear_ratio is not None else "LR undefined (Xc = x0)")
        comp["formula"] = (
            f"x̂(t) = {_fmt(level)} + {_fmt(slope)}·(t − {_fmt(mean_t)}) by least squares over "
            f"{len(points)} points; x̂(Tc={c_period}) = {_fmt(proj_c)}; {ratio_text}; "
            f"on track if x̂(Tc) meets Xc = {_fmt(Xc)}, else {_bands_text(config)}")

    if achieved_before is not None and result.status is not TargetStatus.ACHIEVED:
        period_id, mean, count = achieved_before
        comp["was_achieved_in"] = period_id
        comp["status_by_trend"] = str(result.status)
        result.status = TargetStatus.DETERIORATING
        over = f"average of {count} values" if count > 1 else "value"
        result.notes.append(f"achieved in {period_id} ({over} {_fmt(mean)}), regressed since")
    return result


def _in_range(indicator: Indicator, value: float) -> float:
    if indicator.value_type == "percent":
        return min(max(value, 0.0), 100.0)
    if indicator.value_type == "rank":
        return max(value, 1.0)
    if indicator.value_type == "count":
        return max(value, 0.0)
    return value


def _achieved_before(points: list[tuple[str, float, float]], deadline: str, goal: float,
                     sense: int, tolerance: float, equal: bool
                     ) -> tuple[str, float, int] | None:
    """The last period, of the deadline's granularity, in which the target was met before the
    latest one, if the latest period no longer meets it: (period id, mean value, number of
    values). A year-end target counts as met in a year when the year's values meet it on
    average, so one good month — or one bad month — in a noisy monthly series is neither an
    achievement nor its loss; yearly values are their own averages."""
    granularity = Period.parse(deadline).type
    if granularity is PeriodType.STAGE:
        granularity = PeriodType.YEAR
    groups: dict[str, list[float]] = {}
    for period_id, _, value in points:
        groups.setdefault(_group_key(period_id, granularity), []).append(value)
    keys = list(groups)
    latest_values = groups[keys[-1]]
    if meets(sum(latest_values) / len(latest_values), goal, sense, tolerance, equal):
        return None  # the latest period still meets it on average: a dip, not a regression
    found = None
    for key in keys[:-1]:  # the latest point's period is what "regressed" is judged by
        values = groups[key]
        mean = sum(values) / len(values)
        if meets(mean, goal, sense, tolerance, equal):
            found = (key, mean, len(values))
    return found


_TYPE_ORDER = {t: i for i, t in enumerate(PeriodType)}


@lru_cache(maxsize=65536)
def _group_key(period_id: str, granularity: PeriodType) -> str:
    """The period of type ``granularity`` a finer period falls in (a coarser one: itself)."""
    period = Period.parse(period_id)
    if _TYPE_ORDER[period.type] >= _TYPE_ORDER[granularity]:
        return period_id
    return Period.containing(period.end, granularity).id


def _bands_text(config: AssessmentConfig) -> str:
    return (f"ratio ≥ {config.on_track_ratio} on track, {config.acceleration_ratio}–"
            f"{config.on_track_ratio} needs acceleration, {config.deterioration_ratio}–"
            f"{config.acceleration_ratio} off track, < {config.deterioration_ratio} deteriorating")


def _cagr_applicable(x0: float, x: float, Xc: float, t0: float, t: float,
                     Tc: float) -> tuple[bool, str]:
    if x0 <= 0:
        return False, f"baseline {_fmt(x0)} is zero or negative"
    if x <= 0 or Xc <= 0:
        return False, "latest or target value is zero or negative"
    if t <= t0:
        return False, "no time elapsed since the baseline"
    if Tc <= t0:
        return False, "checkpoint not after the baseline"
    if Xc == x0:
        return False, "target equals the baseline (no required growth)"
    return True, ""


def sort_worst_first(items: list[TargetAssessment]) -> list[TargetAssessment]:
    return sorted(items, key=lambda a: (STATUS_SEVERITY[a.status], a.target_id))


def required_path(a: TargetAssessment, target: Target) -> list[tuple[date, float]]:
    """The path the target requires: baseline, milestones, final value (points in time)."""
    path = []
    if a.baseline is not None and a.baseline_period:
        path.append((Period.parse(a.baseline_period).end, a.baseline))
    path += [(Period.parse(m.period).end, m.value) for m in target.milestones]
    if target.deadline and target.value is not None:
        path.append((Period.parse(target.deadline).end, target.value))
    return path


def projection_path(a: TargetAssessment, first_observed: date | None = None
                    ) -> list[tuple[date, float]]:
    """The line the projection follows to the deadline: the fitted least-squares line from the
    baseline (or the first observation) for the linear method, else latest → projected."""
    if a.projected is None or not a.deadline or not a.latest_period or a.latest is None:
        return []
    deadline = Period.parse(a.deadline).end
    comp = a.components
    if a.method == "linear" and {"slope_per_year", "mean_t", "level_at_mean_t"} <= set(comp):
        def fitted(day: date) -> float:
            return comp["level_at_mean_t"] + comp["slope_per_year"] * (
                year_fraction(day) - comp["mean_t"])

        start = Period.parse(a.baseline_period).end if a.baseline_period else first_observed
        if start is not None:
            return [(start, fitted(start)), (deadline, fitted(deadline))]
    return [(Period.parse(a.latest_period).end, a.latest), (deadline, a.projected)]

"""From rolled-up sums to values: ratios of sums, the 766 scores, group scores, total, ranks.

Works on the small rolled-up frame (one row per org unit × period, :class:`.columns.Columns`),
vectorised with numpy.

Rules (configured in ``svc766.yaml``, see :mod:`.definitions`):

- rate (percent) = numerator / denominator × scale, two decimals; an empty denominator gives
  N/A (no value), never 0;
- score = max if rate ≥ threshold else rate × max / threshold, two decimals, from the rate as
  published (rounded), so anyone can redo the sum from the published components;
- redistribution: when the source indicator is N/A its maximum is shared equally by the target
  indicators that are not N/A (766: no feedback -> 5.3's 6 points to 5.2 and 5.4);
- a group's points are the sum of its scores; its computable maximum the sum of the (effective)
  maxima of its indicators that are not N/A; a group with nothing computable is N/A;
- total = 100 × points / computable maximum (``normalised_100``) or the raw points;
- rank: competition ranking (1, 2, 2, 4) on the total (two decimals), per level and period.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sodo.domain.indicators import EngineConfig, IndexConfig, Measure
from sodo.domain.orgunits import Hierarchy
from sodo.domain.ranking import competition_ranks
from sodo.services.engine.columns import Columns
from sodo.services.engine.plans import MeasurePlan, measure_scale

VALUE_COLUMNS = ["indicator", "orgunit", "period", "period_type", "value", "numerator",
                 "denominator"]


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round half away from zero, as people and spreadsheets do (75.075 -> 75.08).

    Binary floats store many two-decimal halves a hair below the half (100 × 60.06 / 80 is
    75.07499…), so a plain round would depend on float noise and differ between engines; the
    nudge of 1e-7 of the last kept digit absorbs that noise without moving any real value."""
    scale = 10.0 ** decimals
    with np.errstate(invalid="ignore"):
        return np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-7) / scale


def _frame(keys: Columns, code: str, value: np.ndarray, numerator: np.ndarray | None,
           denominator: np.ndarray | None) -> Columns:
    n = len(keys)
    return Columns({
        "indicator": np.full(n, code, dtype=object),
        "orgunit": keys["orgunit"],
        "period": keys["period"],
        "period_type": keys["period_type"],
        "value": value,
        "numerator": numerator if numerator is not None else np.full(n, np.nan),
        "denominator": denominator if denominator is not None else np.full(n, np.nan),
    })


def _column(rolled: Columns, name: str) -> np.ndarray:
    if name in rolled:
        return rolled[name].astype("float64")
    return np.zeros(len(rolled))


def _measure(rolled: Columns, dataset: str, plan: MeasurePlan, measure: Measure) -> np.ndarray:
    return _column(rolled, f"{dataset}.{plan.column(measure)}") * measure_scale(measure)


def score(rolled: Columns, config: EngineConfig, plans: dict[str, MeasurePlan],
          hierarchy: Hierarchy) -> Columns:
    """Every output value for every (org unit, period) row of ``rolled``."""
    frames: list[Columns] = []
    rates: dict[str, np.ndarray] = {}
    keys = Columns({k: rolled[k] for k in ("orgunit", "period", "period_type")})
    for ind in config.all_rate_indicators():
        plan = plans[ind.dataset]
        num_m, den_m = ind.measures()
        # counts and durations are summed as integers (exact); six decimals keep the stored
        # components of a sum over a non-integer field stable across summation orders
        num = np.round(_measure(rolled, ind.dataset, plan, num_m), 6)
        if den_m is None:
            value, den = num.copy(), None
        else:
            den = np.round(_measure(rolled, ind.dataset, plan, den_m), 6)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(den > 0, num / np.where(den > 0, den, 1) * ind.scale, np.nan)
        value = round_half_up(value, ind.decimals)
        rates[ind.code] = value
        frames.append(_frame(keys, ind.code, value, num, den))
    if config.index is not None and len(rolled):
        frames += _index_frames(keys, config.index, rates, hierarchy)
    return Columns.concat(frames, VALUE_COLUMNS)


def _index_frames(keys: Columns, idx: IndexConfig, rates: dict[str, np.ndarray],
                  hierarchy: Hierarchy) -> list[Columns]:
    decimals = idx.options.decimals
    n = len(keys)
    scored = [i for i in idx.indicators if not i.display]
    not_applicable = {i.id: np.isnan(rates[i.code]) for i in scored}
    max_points = {i.id: np.full(n, float(i.max)) for i in scored}
    for red in idx.redistribute:
        source_na = not_applicable[red.source]
        receives = np.array([~not_applicable[t] for t in red.to])
        receivers = receives.sum(axis=0)
        share = np.where(source_na & (receivers > 0),
                         idx.by_id(red.source).max / np.maximum(receivers, 1), 0.0)
        for row, target in zip(receives, red.to, strict=True):
            max_points[target] = max_points[target] + np.where(row, share, 0.0)
        # the source's own maximum left the computable maximum with it being N/A

    frames: list[Columns] = []
    points_by_group = {g.code: np.zeros(n) for g in idx.groups}
    computable_by_group = {g.code: np.zeros(n) for g in idx.groups}
    for ind in scored:
        rate, top, na = rates[ind.code], max_points[ind.id], not_applicable[ind.id]
        with np.errstate(invalid="ignore"):
            points = np.where(rate >= ind.threshold, top, rate * top / ind.threshold)
        points = np.where(na, np.nan, round_half_up(points, decimals))
        frames.append(_frame(keys, idx.score_code(ind), points, points,
                             np.where(na, np.nan, top)))
        points_by_group[ind.group] += np.where(na, 0.0, points)  # type: ignore[index]
        computable_by_group[ind.group] += np.where(na, 0.0, top)  # type: ignore[index]

    total_points, total_computable = np.zeros(n), np.zeros(n)
    for group in idx.groups:
        points, computable = points_by_group[group.code], computable_by_group[group.code]
        na = computable <= 0
        if idx.options.group_value == "scaled_to_group_max":
            value = np.where(na, np.nan, points * group.max / np.where(na, 1, computable))
        else:
            value = np.where(na, np.nan, points)
        frames.append(_frame(keys, idx.group_code(group), round_half_up(value, decimals),
                             np.where(na, np.nan, points), np.where(na, np.nan, computable)))
        total_points += points
        total_computable += computable
    na = total_computable <= 0
    if idx.options.total == "normalised_100":
        total = np.where(na, np.nan, 100 * total_points / np.where(na, 1, total_computable))
    else:
        total = np.where(na, np.nan, total_points)
    total = round_half_up(total, decimals)
    frames.append(_frame(keys, idx.total_code, total, np.where(na, np.nan, total_points),
                         np.where(na, np.nan, total_computable)))
    frames.append(_rank_frame(keys, idx, total, hierarchy))
    return frames


def _rank_frame(keys: Columns, idx: IndexConfig, total: np.ndarray,
                hierarchy: Hierarchy) -> Columns:
    """The rank of each unit's total among the units of its level, per period (the one
    competition ranking of :mod:`sodo.domain.ranking`), with the number ranked."""
    level_of = {u.code: str(u.level) for u in hierarchy}
    levels, period_types = set(idx.options.rank_levels), set(idx.options.rank_period_types)
    groups: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for row, (unit, period, period_type, value) in enumerate(zip(
            keys["orgunit"], keys["period"], keys["period_type"], total, strict=True)):
        level = level_of.get(unit)
        if level in levels and period_type in period_types and not np.isnan(value):
            groups[(level, period)][row] = float(value)
    rows: list[int] = []
    ranks: list[float] = []
    counts: list[float] = []
    for values in groups.values():
        # keyed by row (a string of it, as ranking ties are broken by key only for order)
        ranked = competition_ranks({str(r): v for r, v in values.items()}, sense=1)
        for r in values:
            rows.append(r)
            ranks.append(float(ranked[str(r)]))
            counts.append(float(len(values)))
    picked = keys.select(np.array(rows, dtype=np.int64))
    return _frame(picked, idx.rank_code, np.array(ranks, dtype="float64"), None,
                  np.array(counts, dtype="float64"))

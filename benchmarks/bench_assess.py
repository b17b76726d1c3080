"""Benchmark: assess 5,000 targets over 10 years of monthly values (120 points each).

Goal: under 5 seconds for the whole assessment. Printed as a ratio against a baseline measured
in the same run over the same arrays: numpy's least-squares ``polyfit`` of every series (the
bare arithmetic of the linear trend, with none of the assessment's bookkeeping).

Two measurements:

* ``pure``    — :func:`assess_target` for every target over in-memory series;
* ``service`` — :func:`assess_targets` reading the same values back from a SQLite store file
  (the path ``sodo assess`` takes), including the query and the choice of series.

Run: ``.venv/bin/python -m benchmarks.bench_assess [--targets 5000] [--years 10]``
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from sodo.domain.assessment.targets import TargetStatus, assess_target, period_end
from sodo.domain.programme import Indicator, Programme, Target
from sodo.services.assessment import assess_targets
from sodo.stores.operational.tables import indicator_value, make_engine, metadata

GOAL_SECONDS = 5.0


def make_case(n_targets: int, years: int, seed: int = 7):
    """Targets on a mix of indicators (higher/lower, percent, rank), each with a noisy
    monthly series of ``years`` years ending December 2025, deadlines 2026–2030."""
    rng = random.Random(seed)
    months = [f"{y}-{m:02d}" for y in range(2026 - years, 2026) for m in range(1, 13)]
    indicators = [
        Indicator(code="PCT", name="Tỷ lệ", value_type="percent"),
        Indicator(code="DAYS", name="Số ngày", direction="lower"),
        Indicator(code="RANK", name="Xếp hạng", value_type="rank"),
    ]
    targets, series = [], []
    for i in range(n_targets):
        ind = indicators[i % 3]
        start = rng.uniform(20, 60) if ind.code != "RANK" else rng.uniform(60, 120)
        drift = rng.uniform(-0.3, 0.6) * (1 if ind.code == "PCT" else -1)
        values = [max(start + drift * k + rng.gauss(0, 1.5), 0.5) for k in range(len(months))]
        goal = (min(start + rng.uniform(10, 60), 100) if ind.code == "PCT"
                else max(start - rng.uniform(5, 40), 1))
        milestones = ([{"period": "2027", "value": (values[-1] + goal) / 2}]
                      if i % 10 == 0 else [])
        targets.append(Target(id=f"T{i:05d}", indicator=ind.code, orgunit="VN" if i < 1 else
                              f"U{i:05d}", value=round(goal, 1),
                              deadline=str(2026 + i % 5), milestones=milestones))
        series.append(list(zip(months, values, strict=True)))
    return indicators, targets, series, months


def baseline_polyfit(months: list[str], series: list[list[tuple[str, float]]]) -> float:
    """Least-squares line of every series in one vectorised polyfit; returns seconds."""
    started = time.perf_counter()
    times = np.array([period_end(m)[1] for m in months])
    values = np.array([[v for _, v in s] for s in series]).T  # (points, targets)
    np.polyfit(times - times.mean(), values, 1)
    return time.perf_counter() - started


def run_pure(indicators, targets, series, as_of: date) -> tuple[float, dict[str, int]]:
    by_code = {ind.code: ind for ind in indicators}
    started = time.perf_counter()
    results = [assess_target(t, by_code[t.indicator], s, as_of)
               for t, s in zip(targets, series, strict=True)]
    elapsed = time.perf_counter() - started
    return elapsed, _counts(results)


def run_service(indicators, targets, series, as_of: date, folder: Path) -> float:
    engine = make_engine(f"sqlite:///{(folder / 'bench.db').as_posix()}")
    metadata.create_all(engine)
    stamp = datetime(2026, 1, 15, tzinfo=UTC)
    rows = [{"indicator": t.indicator, "orgunit": t.orgunit, "period": p, "period_type": "month",
             "category": "", "value": v, "origin": "computed", "state": "approved",
             "source": "bench", "note": "", "updated_at": stamp}
            for t, s in zip(targets, series, strict=True) for p, v in s]
    with engine.begin() as conn:
        conn.execute(insert(indicator_value), rows)
    with engine.connect() as conn:
        # A store at rest has its write-ahead log folded in; reading 600,000 fresh rows through
        # the log would measure the load, not the assessment.
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    programme = Programme(code="BENCH", name="Benchmark", indicators=indicators, targets=targets)
    started = time.perf_counter()
    results = assess_targets(engine, programme, as_of)
    elapsed = time.perf_counter() - started
    assert len(results) == len(targets)
    engine.dispose()
    return elapsed


def _counts(results) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys((str(s) for s in TargetStatus), 0)
    for r in results:
        counts[str(r.status)] += 1
    return {k: v for k, v in counts.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=5000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--skip-service", action="store_true")
    args = parser.parse_args()
    as_of = date(2026, 1, 10)
    indicators, targets, series, months = make_case(args.targets, args.years)
    points = sum(len(s) for s in series)
    print(f"{args.targets} targets × {len(months)} monthly values = {points:,} points")
    base = baseline_polyfit(months, series)
    pure, counts = run_pure(indicators, targets, series, as_of)
    print(f"baseline numpy polyfit (vectorised, same arrays): {base:.3f} s")
    print(f"pure assessment   : {pure:.3f} s  ratio {pure / base:.1f}× baseline  "
          f"{'OK' if pure < GOAL_SECONDS else 'SLOW'} (goal < {GOAL_SECONDS:.0f} s)")
    print(f"  statuses: {counts}")
    if not args.skip_service:
        with tempfile.TemporaryDirectory() as folder:
            service = run_service(indicators, targets, series, as_of, Path(folder))
        print(f"service (SQLite)  : {service:.3f} s  ratio {service / base:.1f}× baseline  "
              f"{'OK' if service < GOAL_SECONDS else 'SLOW'} (goal < {GOAL_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()

"""The form of the records scan (what DuckDB runs fast) and that it gives the calendar's
answers on every backend: the end of each period by integer arithmetic on the month index,
``in`` of a few values as equalities joined by ``or`` (null-safe as ``in`` is)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from engine_helpers import Records

from sodo.domain.indicators import FieldTest
from sodo.services.engine.compiler import (
    base_aggregate,
    compile_filter,
    month_of_epoch,
    period_end_epoch,
)
from sodo.services.engine.compute import make_plans
from sodo.services.engine.definitions import load_engine_config
from sodo.services.programme import default_programme_path

from .conftest import BACKENDS, Loader

SPANS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def _timestamps() -> list[datetime]:
    rng = random.Random(7)
    out = [datetime(1901, 1, 1) + timedelta(seconds=rng.randrange(200 * 365 * 86400))
           for _ in range(2000)]
    # every month's first and last instant around leap years and century years
    for year in (1900, 1999, 2000, 2023, 2024, 2100):
        for month in range(1, 13):
            out.append(datetime(year, month, 1))
            nxt = datetime(year + month // 12, month % 12 + 1, 1)
            out.append(nxt - timedelta(microseconds=1))
    return out


def _expected_end(ts: datetime, span: int) -> int:
    index = ts.year * 12 + ts.month - 1
    end = (index // span + 1) * span
    return int(datetime(end // 12, end % 12 + 1, 1, tzinfo=UTC).timestamp())


@pytest.mark.parametrize("backend", BACKENDS)
def test_period_ends_are_the_calendars(backend: str, loaders: Callable[[str], Loader]) -> None:
    stamps = _timestamps()
    t = loaders(backend)({"stamps": pa.table({"ts": pa.array(stamps, pa.timestamp("us"))})}
                         )["stamps"]
    got = t.select("ts", **{pt: period_end_epoch(t.ts, pt) for pt in SPANS}).to_pyarrow()
    rows = got.to_pylist()
    assert len(rows) == len(stamps)
    for row in rows:
        for pt, span in SPANS.items():
            assert row[pt] == _expected_end(row["ts"], span), (row["ts"], pt)


@pytest.mark.parametrize("backend", BACKENDS)
def test_in_and_not_in_count_as_in_does(backend: str, loaders: Callable[[str], Loader]) -> None:
    values = ["a", "b", None, "c", "d", "e", "f", None, "a"]
    t = loaders(backend)({"tests": pa.table({"x": pa.array(values, pa.string())})})["tests"]
    for op in ("in", "not_in"):
        for wanted in (["a"], ["a", "c"], ["a", "b", "c", "d"], ["a", "b", "c", "d", "e"]):
            cond = compile_filter(FieldTest("x", op, wanted), t, None)
            got = int(t.aggregate(n=cond.sum()).to_pyarrow()["n"][0].as_py())
            inside = sum(1 for v in values if v is not None and v in wanted)
            outside = sum(1 for v in values if v is not None and v not in wanted)
            assert got == (inside if op == "in" else outside), (op, wanted)


def test_scan_sql_has_no_calendar_arithmetic_per_record(
        loaders: Callable[[str], Loader]) -> None:
    """The programme's scans compile with no truncation or interval per record, and ``in``
    of one value as an equality."""
    r = Records()
    r.dossier("BCA", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-12 09:00")
    r.feedback_item("BCA", "2025-03-02 08:00", "2025-03-10 17:00", "2025-03-05 09:00")
    tables = loaders("duckdb")(r.tables())
    plans = make_plans(load_engine_config(default_programme_path()))
    for ds, plan in plans.items():
        sql = ibis.to_sql(base_aggregate(plan, tables[ds])).upper()
        assert "INTERVAL" not in sql and "DATE_TRUNC" not in sql, ds
        assert " IN ('ONLINE_FULL')" not in sql and " IN ('SATISFIED')" not in sql, ds


@pytest.mark.parametrize("backend", BACKENDS)
def test_month_indices_compare_as_the_epochs_did(backend: str,
                                                 loaders: Callable[[str], Loader]) -> None:
    """``period end <= late`` compared as month indices (end month <= month of the day the
    record becomes late) answers as the epochs did, at midnights, a microsecond either side,
    for a null, NaN and infinite late time (NaN and +inf above every end, as engines order
    them; null never late nor on time)."""
    rng = random.Random(3)
    lates: list[float | None] = []
    for year in (1999, 2000, 2024, 2025, 2100):
        for month in range(1, 13):
            start = datetime(year, month, 1, tzinfo=UTC).timestamp()
            lates += [start, start - 1e-6, start + 1e-6, start - 86400.5, start + 43200.25]
    lates += [rng.uniform(-2e9, 5e9) for _ in range(500)]
    lates += [None, float("nan"), float("inf"), float("-inf")]
    ends = list(range(1990 * 12, 2101 * 12, 7))  # month indices of period ends
    table = pa.table({"i": pa.array(range(len(lates)), pa.int64()),
                      "late": pa.array(lates, pa.float64())})
    t = loaders(backend)({"lates": table})["lates"]
    # by row number: PySpark's results go through pandas, where NaN reads back as null
    got = t.select("i", month=month_of_epoch(t.late)).to_pyarrow().to_pylist()
    assert len(got) == len(lates)
    for row in got:
        late = lates[row["i"]]
        if late is None:
            assert row["month"] is None
            continue
        for e in ends[:: 13]:
            end_epoch = (datetime(e // 12, e % 12 + 1, 1, tzinfo=UTC).timestamp())
            before = True if math.isnan(late) else end_epoch <= late
            assert (e <= row["month"]) == before, (late, e)

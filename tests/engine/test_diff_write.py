"""The values repository writes only what changed: a recompute over the same records keeps
every row (its run and time), a changed value replaces its row, a value no longer produced is
deleted — on the real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import select

from sodo.stores.operational.tables import indicator_value, make_engine, metadata
from sodo.stores.operational.values import replace_computed_values, start_run


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator", "orgunit", "period", "period_type", "value",
                                       "numerator", "denominator", "provisional"])


def _rows(engine) -> dict[tuple[str, str, str], tuple]:  # type: ignore[no-untyped-def]
    c = indicator_value.c
    with engine.connect() as conn:
        return {(r.indicator, r.orgunit, r.period): (r.id, r.value, r.run_id, r.provisional)
                for r in conn.execute(select(c.id, c.indicator, c.orgunit, c.period, c.value,
                                             c.run_id, c.provisional))}


def test_only_changed_values_are_written(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'values.db'}")
    metadata.create_all(engine)
    first = _frame([("a", "VN", "2025", "year", 50.0, 1.0, 2.0, False),
                    ("a", "01", "2025", "year", None, 0.0, 0.0, False),
                    ("b", "VN", "2025-01", "month", 3.0, 3.0, None, True)])
    run1 = start_run(engine, "duckdb", ["2025"], ["a", "b"])
    stats: dict[str, int] = {}
    assert replace_computed_values(engine, run1, first, ["a", "b"], None, stats=stats) == 3
    assert stats == {"unchanged": 0, "inserted": 3, "deleted": 0}
    before = _rows(engine)

    run2 = start_run(engine, "duckdb", ["2025"], ["a", "b"])
    assert replace_computed_values(engine, run2, first, ["a", "b"], None, stats=stats) == 3
    assert stats == {"unchanged": 3, "inserted": 0, "deleted": 0}
    assert _rows(engine) == before  # same rows, same ids, first run kept

    changed = _frame([("a", "VN", "2025", "year", 60.0, 3.0, 5.0, False),  # changed
                      ("b", "VN", "2025-01", "month", 3.0, 3.0, None, False),  # flag changed
                      ("b", "VN", "2025-02", "month", 1.0, 1.0, None, True)])  # new
    run3 = start_run(engine, "duckdb", ["2025"], ["a", "b"])
    assert replace_computed_values(engine, run3, changed, ["a", "b"], None, stats=stats) == 3
    assert stats == {"unchanged": 0, "inserted": 3, "deleted": 3}  # ("a","01") gone too
    after = _rows(engine)
    assert set(after) == {("a", "VN", "2025"), ("b", "VN", "2025-01"), ("b", "VN", "2025-02")}
    assert after[("a", "VN", "2025")][1:3] == (60.0, run3)
    assert after[("b", "VN", "2025-01")][2:] == (run3, False)

    # a scoped replacement leaves other periods alone
    run4 = start_run(engine, "duckdb", ["2025-02"], ["b"])
    assert replace_computed_values(engine, run4, changed.iloc[2:], ["b"], ["2025-02"],
                                   stats=stats) == 1
    assert stats == {"unchanged": 1, "inserted": 0, "deleted": 0}
    assert _rows(engine) == after
    engine.dispose()

"""Write and read computed indicator values (``indicator_value``) and compute runs
(``compute_run``) in the operational store, in bulk.

Writes replace a run's scope (indicators × periods, origin ``computed``) in one transaction:
delete, then insert with the driver's fastest path — ``executemany`` on SQLite, ``COPY`` on
PostgreSQL — so millions of values load in seconds and readers never see half a run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine

from sodo.stores.operational.tables import compute_run, indicator_value

COMPUTED = "computed"
INSERT_COLUMNS = ("indicator", "orgunit", "period", "period_type", "category", "value",
                  "numerator", "denominator", "origin", "state", "run_id", "source", "note",
                  "updated_at")
_CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (...) lists


def start_run(engine: Engine, backend: str, periods: Sequence[str],
              indicators: Sequence[str]) -> int:
    with engine.begin() as conn:
        result = conn.execute(insert(compute_run).values(
            started_at=datetime.now(UTC), backend=backend, periods=json.dumps(list(periods)),
            indicators=json.dumps(list(indicators)), status="running"))
        return int(result.inserted_primary_key[0])


def finish_run(engine: Engine, run_id: int, *, record_count: int, value_count: int,
               status: str = "done", message: str = "", periods: Sequence[str] | None = None) -> None:
    values: dict[str, Any] = dict(finished_at=datetime.now(UTC), record_count=record_count,
                                  value_count=value_count, status=status, message=message)
    if periods is not None:
        values["periods"] = json.dumps(list(periods))
    with engine.begin() as conn:
        conn.execute(update(compute_run).where(compute_run.c.id == run_id).values(**values))


def get_run(engine: Engine, run_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(compute_run).where(compute_run.c.id == run_id)).mappings().first()
        return dict(row) if row else None


def _none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def replace_computed_values(engine: Engine, run_id: int, values: pd.DataFrame,
                            indicators: Sequence[str], periods: Iterable[str] | None,
                            source: str = "") -> int:
    """Replace the computed values of ``indicators`` in ``periods`` (all periods when ``None``)
    by ``values`` (columns indicator, orgunit, period, period_type, value, numerator,
    denominator) in one transaction. Returns the number of rows written."""
    now = datetime.now(UTC)
    frame = values.astype(object).where(values.notna(), None)
    rows = [
        (ind, ou, per, pt, "", _none(v), _none(n), _none(d), COMPUTED, "approved", run_id,
         source, "", now)
        for ind, ou, per, pt, v, n, d in zip(
            frame["indicator"], frame["orgunit"], frame["period"], frame["period_type"],
            frame["value"], frame["numerator"], frame["denominator"], strict=True)
    ]
    period_list = None if periods is None else sorted(set(periods))
    with engine.begin() as conn:
        base = delete(indicator_value).where(indicator_value.c.origin == COMPUTED)
        codes = list(indicators)
        for i in range(0, len(codes), _CHUNK):
            scope = base.where(indicator_value.c.indicator.in_(codes[i:i + _CHUNK]))
            if period_list is None:
                conn.execute(scope)
            else:
                for j in range(0, len(period_list), _CHUNK):
                    conn.execute(scope.where(
                        indicator_value.c.period.in_(period_list[j:j + _CHUNK])))
        if not rows:
            return 0
        raw = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            cols = ", ".join(INSERT_COLUMNS)
            with raw.cursor() as cur, cur.copy(f"COPY indicator_value ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        elif engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in INSERT_COLUMNS)
            cur = raw.cursor()
            cur.executemany(f"INSERT INTO indicator_value ({', '.join(INSERT_COLUMNS)}) "
                            f"VALUES ({marks})",
                            [(*r[:-1], r[-1].isoformat(sep=" ")) for r in rows])
            cur.close()
        else:  # any other SQLAlchemy dialect
            stmt = insert(indicator_value).values(
                {c: bindparam(c) for c in INSERT_COLUMNS})
            conn.execute(stmt, [dict(zip(INSERT_COLUMNS, r, strict=True)) for r in rows])
    return len(rows)


def read_values(engine: Engine, indicators: Sequence[str] | None = None,
                periods: Sequence[str] | None = None, orgunits: Sequence[str] | None = None,
                origin: str | None = None) -> list[dict[str, Any]]:
    """Stored values filtered by indicator, period and org-unit codes (each optional)."""
    cols = indicator_value.c
    stmt = select(cols.indicator, cols.orgunit, cols.period, cols.period_type, cols.category,
                  cols.value, cols.numerator, cols.denominator, cols.origin, cols.state,
                  cols.run_id, cols.source, cols.updated_at)
    if indicators:
        stmt = stmt.where(cols.indicator.in_(list(indicators)))
    if periods:
        stmt = stmt.where(cols.period.in_(list(periods)))
    if orgunits is not None:
        stmt = stmt.where(cols.orgunit.in_(list(orgunits)))
    if origin:
        stmt = stmt.where(cols.origin == origin)
    stmt = stmt.order_by(cols.indicator, cols.period, cols.orgunit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]

"""Pandera's Ibis backend beside one compiled query, on the same DuckDB records (issue 13 asks
to evaluate it before writing compiled checks).

    uv pip install 'pandera[ibis]'   # not a dependency of sodo: install it in a scratch venv
    python -m benchmarks.eval_pandera --rows 2000000

Four of sodo's record checks on generated dossiers (unique key, allowed status values, a
range, the cross-field rule finished_at >= received_at), once as a pandera ``DataFrameSchema``
validated lazily on an Ibis table, once as the single conditional-count query sodo compiles.
Prints what each returns and its wall and CPU seconds, and the ratio.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import duckdb
import ibis

CHECKS_SQL = """SELECT count(*) - count(DISTINCT dossier_id) AS duplicate_key,
  count(*) FILTER (WHERE status NOT IN ('received', 'finished', 'processing')) AS status,
  count(*) FILTER (WHERE fee < 0 OR fee > 5) AS fee_range,
  count(*) FILTER (WHERE finished_at < received_at) AS finished_before_received FROM d"""


def _records(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    con.execute(f"""CREATE TABLE d AS SELECT 'D' || i::VARCHAR AS dossier_id,
      (['received', 'finished', 'processing', 'X'])[1 + (i % 4)] AS status,
      TIMESTAMP '2025-01-01' + INTERVAL (i % 500) DAY AS received_at,
      CASE WHEN i % 1000 = 0 THEN TIMESTAMP '2024-01-01'
           ELSE TIMESTAMP '2025-01-01' + INTERVAL (i % 500 + 3) DAY END AS finished_at,
      (i % 7)::DOUBLE AS fee FROM range({rows}) t(i)""")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    try:
        from pandera.ibis import Check, Column, DataFrameSchema
    except ImportError:
        print("pandera with its Ibis backend is not installed: uv pip install 'pandera[ibis]'",
              file=sys.stderr)
        return 1
    con = duckdb.connect()
    _records(con, args.rows)
    table = ibis.duckdb.from_connection(con).table("d")
    schema = DataFrameSchema(
        {"dossier_id": Column(str, unique=True),
         "status": Column(str, Check.isin(["received", "finished", "processing"])),
         "fee": Column(float, Check.in_range(0, 5))},
        checks=[Check(lambda data: data.table.finished_at >= data.table.received_at,
                      name="finished_after_received")])
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        schema.validate(table, lazy=True)
        outcome = "valid"
    except Exception as exc:  # pandera's SchemaErrors: every failing row, as a pandas frame
        cases = getattr(exc, "failure_cases", None)
        outcome = (f"{type(exc).__name__}: failure cases pulled into "
                   f"{type(cases).__name__} of {0 if cases is None else len(cases):,} rows")
    pandera = time.perf_counter() - wall, time.process_time() - cpu
    print(f"pandera (Ibis, lazy): {outcome}; {pandera[0]:.2f} s wall, {pandera[1]:.2f} s CPU, "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    wall, cpu = time.perf_counter(), time.process_time()
    counts = con.execute(CHECKS_SQL).fetchone()
    compiled = time.perf_counter() - wall, time.process_time() - cpu
    print(f"one compiled query: counts {counts}; {compiled[0]:.2f} s wall, "
          f"{compiled[1]:.2f} s CPU")
    print(f"pandera / compiled: {pandera[0] / compiled[0]:.1f}x wall, "
          f"{pandera[1] / max(compiled[1], 1e-9):.1f}x CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ingest throughput into the DuckDB record store, against DuckDB's own load of the same file.

    .venv/bin/python -m benchmarks.bench_ingest --rows 5000000

Generates ``--rows`` synthetic dossiers as Parquet and as CSV, then for each file measures
(1) the baseline: DuckDB's own ``INSERT INTO dossiers SELECT * FROM read_parquet/read_csv``
(CSV read with the declared column types) into a fresh database file with the same table,
no validation at all, and (2) ``sodo ingest`` (read, validate every
rule, apply as a batch) into a fresh workspace. Prints records/s for both, the ratio of
sodo's time to the baseline's, and whether the goals are met (Parquet >= 1,000,000 records/s,
CSV >= 300,000 records/s, issue 17). A re-ingest of the same Parquet file (every record
replaced) is measured too. In-process times without the intake warnings (``sodo ingest``
runs them: ``bench_commands --ingest-only`` times the whole command). Baseline and sodo run alternately in the same process, ``--repeat`` times; the
best time of each is kept, so that the other load on a shared machine disturbs both alike.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from sodo.domain.orgunits import default_hierarchy
from sodo.services.datasets import load_datasets, open_record_store
from sodo.services.generate import generate_file
from sodo.services.intake import ingest_files
from sodo.services.workspace import init_workspace

GOALS = {"parquet": 1_000_000, "csv": 300_000}


def baseline(file: Path, folder: Path) -> float:
    ds = load_datasets()["dossiers"]
    db = folder / "baseline.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE dossiers ({ds.columns_sql()})")
    if file.suffix == ".parquet":
        reader = f"read_parquet('{file}')"
    else:  # the declared types, as sodo reads them (sniffing would take codes for numbers)
        spec = ", ".join(f"'{f.name}': '{f.sql_type}'" for f in ds.fields)
        reader = f"read_csv('{file}', header = true, columns = {{{spec}}})"
    con.execute("SET preserve_insertion_order = false")
    start = time.perf_counter()
    con.execute(f"INSERT INTO dossiers SELECT * FROM {reader}")
    elapsed = time.perf_counter() - start
    con.close()
    db.unlink(missing_ok=True)
    return elapsed


def sodo(file: Path, folder: Path, twice: bool = False) -> float:
    root = folder / "ws"
    shutil.rmtree(root, ignore_errors=True)
    ws = init_workspace(root)
    with open_record_store(ws, "duckdb") as store:
        if twice:
            ingest_files(store, "dossiers", [file])
        start = time.perf_counter()
        ingest_files(store, "dossiers", [file])
        elapsed = time.perf_counter() - start
    shutil.rmtree(root, ignore_errors=True)
    return elapsed


def best_of(first: Callable[[], float], second: Callable[[], float],
            repeat: int) -> tuple[float, float]:
    """Best times of two runs, interleaved so that load from elsewhere hits both alike."""
    times = [(first(), second()) for _ in range(repeat)]
    return min(t[0] for t in times), min(t[1] for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: temp)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="sodo-bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = args.rows
    default_hierarchy()  # loaded once per process (0.5 s), not part of any one ingest
    print(f"ingest benchmark: {rows:,} dossiers, best of {args.repeat}, in {folder}")
    files = {}
    for fmt in ("parquet", "csv"):
        start = time.perf_counter()
        files[fmt] = generate_file("dossiers", rows, "2024-01", "2025-12", 1,
                                   folder / f"dossiers.{fmt}")
        size = files[fmt].stat().st_size / 2**20
        print(f"  generated {fmt:8s} {time.perf_counter() - start:7.2f} s  ({size:,.0f} MiB)")
    print(f"{'case':28s} {'baseline rec/s':>15s} {'sodo rec/s':>12s} {'sodo/baseline time':>19s}"
          f" {'goal':>10s}")
    cases = [("parquet", files["parquet"], False), ("csv", files["csv"], False),
             ("parquet re-ingest (replace)", files["parquet"], True)]
    try:
        for name, file, twice in cases:
            base, ours = best_of(lambda f=file: baseline(f, folder),
                                 lambda f=file, t=twice: sodo(f, folder, t), args.repeat)
            goal = GOALS.get(name)
            verdict = "" if goal is None else ("met" if rows / ours >= goal else "NOT met")
            goal_text = f"{goal:,}" if goal else "-"
            print(f"{name:28s} {rows / base:15,.0f} {rows / ours:12,.0f} {ours / base:19.2f}"
                  f" {goal_text:>10s} {verdict}")
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The commands a user runs, timed from outside as whole processes, beside one whole-process
hand-written DuckDB query computing the same numbers from the same records in the same run.

    .venv/bin/python -m benchmarks.bench_commands --rows 2000000

Each step is a fresh ``sodo`` process (what a user starts: interpreter, imports, workspace,
stores, the work, the writes), timed by wall clock with its peak memory (RSS, from
``wait4``):

- start-up: ``sodo --help`` and ``sodo tasks list`` (goal < 0.5 s each);
- ``sodo ingest dossiers FILE.parquet`` and, into a second workspace, the same records as CSV
  (records/s; goals ≥ 1 M/s Parquet, ≥ 300 k/s CSV), beside the **ingest baseline**: one
  Python process that imports duckdb and inserts the file into a fresh DuckDB file with the
  dataset's table (``read_parquet``, or ``read_csv`` with the declared types), nothing else —
  the floor; ``--ingest-only`` times just these, ``--repeat`` rounds alternating, and
  ``--other-sodo PATH`` (e.g. main's ``.venv/bin/sodo``) adds a second build in the rounds;
- ``sodo compute --full`` (goal ≤ 1.5 × the baseline) beside the **baseline**: one Python
  process that imports duckdb, attaches the workspace's record store read-only and runs the
  hand-written query of ``bench_engine`` (every rate, score, 766 total and rank for nation,
  ministries and provinces, every month, quarter, half and year), writing its result to a
  Parquet file; they alternate ``--repeat`` times and the best of each counts (shared machine);
- ``sodo ingest`` of a 10,000-record batch for 2025-11, then ``sodo compute`` (incremental;
  goal < 2 s);
- the in-process breakdown of the compute runs (scan, roll-up and scoring, write), from
  ``sodo compute --format json``, so the difference to the process time is start-up and the
  rest.

The records are the ones ``bench_engine`` generates (``benchmarks/data/``, reused). The stored
values of ``sodo compute --full`` are compared with the baseline's on the checked indicators.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_engine import CHECK_CODES, DATA, LEVELS, baseline_sql, data_files

SODO = Path(sys.executable).with_name("sodo")
GOALS = {"startup": 0.5, "parquet": 1_000_000, "csv": 300_000, "full": 1.5, "incremental": 2.0,
         "rss_mib": 3072}

BASELINE_CHILD = """
import sys, time
t0 = time.perf_counter()
import duckdb
con = duckdb.connect()
con.execute("ATTACH '{records}' AS records (READ_ONLY)")
con.execute("CREATE VIEW ancestors AS SELECT * FROM read_parquet('{ancestors}')")
con.execute("CREATE VIEW period_map AS SELECT * FROM read_parquet('{periods}')")
con.execute("CREATE MACRO r2(x) AS sign(x) * floor(abs(x) * 100 + 0.5 + 1e-7) / 100")
sql = open('{sql}', encoding='utf-8').read()
con.execute(f"COPY ({{sql}}) TO '{out}' (FORMAT parquet)")
"""


INGEST_BASELINE_CHILD = """
import duckdb
con = duckdb.connect({db!r})
con.execute({create!r})
con.execute("SET preserve_insertion_order = false")
con.execute({insert!r})
con.close()
"""


def ingest_baseline_script(file: Path, db: Path) -> Path:
    """The whole-process floor of an ingest: DuckDB's own insert of ``file`` into a fresh
    database file with the dataset's table (CSV read with the declared column types)."""
    from sodo.services.datasets import load_datasets

    ds = load_datasets()["dossiers"]
    if file.suffix == ".parquet":
        reader = f"read_parquet('{file.as_posix()}')"
    else:
        spec = ", ".join(f"'{f.name}': '{f.sql_type}'" for f in ds.fields)
        reader = f"read_csv('{file.as_posix()}', header = true, columns = {{{spec}}})"
    script = DATA / f"ingest-baseline-{file.suffix[1:]}.py"
    script.write_text(INGEST_BASELINE_CHILD.format(
        db=db.as_posix(), create=f"CREATE TABLE dossiers ({ds.columns_sql()})",
        insert=f"INSERT INTO dossiers SELECT * FROM {reader}"), encoding="utf-8")
    return script


def ingest_rounds(file: Path, rows: int, repeat: int, others: list[Path]
                  ) -> list[tuple[str, str, str]]:
    """The baseline and each ``sodo ingest`` of ``file`` (fresh workspaces), alternating
    ``repeat`` times; the best wall time of each, with its CPU time and peak RSS."""
    kind = "Parquet" if file.suffix == ".parquet" else "CSV"
    goal = GOALS["parquet"] if kind == "Parquet" else GOALS["csv"]
    db = DATA / "ingest-baseline.duckdb"
    script = ingest_baseline_script(file, db)
    runs: dict[str, list[tuple[float, float, float]]] = {}
    builds = [("sodo", SODO), *((f"other {p}", p) for p in others)]
    for _ in range(repeat):
        db.unlink(missing_ok=True)
        secs, rss, _ = run([sys.executable, str(script)])
        runs.setdefault("baseline", []).append((secs, CPU[len(CPU) - 1], rss))
        db.unlink(missing_ok=True)
        print(f"  ingest baseline ({kind}): {secs:.2f} s, {last_cpu()}", flush=True)
        for name, exe in builds:
            ws = DATA / "cmd-ws-ingest"
            shutil.rmtree(ws, ignore_errors=True)
            run([str(exe), "init", str(ws)])
            secs, rss, _ = run([str(exe), "ingest", "dossiers", str(file), "--no-recompute",
                                "--format", "json", "--workspace", str(ws)])
            runs.setdefault(name, []).append((secs, CPU[len(CPU) - 1], rss))
            shutil.rmtree(ws, ignore_errors=True)
            print(f"  {name} ingest ({kind}): {secs:.2f} s, {last_cpu()}, {rss:,.0f} MiB",
                  flush=True)
    b_secs, b_cpu, b_rss = min(runs["baseline"])
    lines = [(f"ingest baseline ({kind}, DuckDB insert)", f"{b_secs:.2f} s, "
              f"{rows / b_secs:,.0f} records/s, {b_rss:,.0f} MiB, cpu {b_cpu:.2f} s",
              f"floor; goal ≥ {goal:,}/s: {verdict(rows / b_secs >= goal)}")]
    for name, _ in builds:
        secs, cpu, rss = min(runs[name])
        label = "sodo ingest dossiers" if name == "sodo" else name
        lines.append((f"{label} ({kind})", f"{secs:.2f} s, {rows / secs:,.0f} records/s, "
                      f"{rss:,.0f} MiB, cpu {cpu:.2f} s",
                      f"{secs / b_secs:.2f} × baseline (cpu {cpu / b_cpu:.2f} ×); goal ≥ "
                      f"{goal:,}/s: {verdict(rows / secs >= goal)}; memory < 3 GiB: "
                      f"{verdict(rss < GOALS['rss_mib'])}"))
    return lines


def csv_file(rows: int, dossiers: Path) -> Path:
    csv = DATA / f"dossiers-{rows}.csv"
    if not csv.exists():
        import duckdb

        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{dossiers.as_posix()}')) TO "
                   f"'{csv.as_posix()}' (HEADER)")
    return csv


def run(args: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Run one process; its wall time (s), peak RSS (MiB, by GNU time: the rusage of a child
    forked from this big process would count this process's memory) and standard output."""
    env = dict(os.environ)
    env.pop("SODO_WORKSPACE", None)
    rss_file = DATA / ".rss"
    wrapper = (["/usr/bin/time", "-f", "%U %S %M", "-o", str(rss_file)] if TIME.exists()
               else [])
    t0 = time.perf_counter()
    proc = subprocess.run([*wrapper, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n"
                           f"{proc.stderr.decode()[-3000:]}")
    rss = float("nan")
    if wrapper:
        user, system, kib = rss_file.read_text().split()[-3:]
        rss = float(kib) / 1024
        CPU[len(CPU)] = float(user) + float(system)
    return seconds, rss, proc.stdout.decode()


#: CPU seconds (user + system) of each process run, in order: on a shared, overloaded machine
#: the wall time mostly measures the others' load; CPU time is the process's own work.
CPU: dict[int, float] = {}


def last_cpu() -> str:
    return f"cpu {CPU[len(CPU) - 1]:.2f} s" if CPU else "cpu ?"


TIME = Path("/usr/bin/time")


def sodo(*args: str, workspace: Path | None = None) -> tuple[float, float, str]:
    cmd = [str(SODO), *args]
    if workspace is not None:
        cmd += ["--workspace", str(workspace)]
    return run(cmd)


def prepare_baseline(rows: int, records: Path) -> tuple[Path, Path]:
    """The hand-written query as a file (reading the store's tables) and the child script."""
    from benchmarks.bench_engine import _ancestors, _period_map

    _ancestors().to_parquet(DATA / "ancestors.parquet", index=False)
    _period_map().to_parquet(DATA / "period_map.parquet", index=False)
    sql = baseline_sql(Path("@D@"), Path("@F@"))
    sql = (sql.replace("read_parquet('@D@')", "records.main.dossiers")
           .replace("read_parquet('@F@')", "records.main.feedback"))
    sql_file = DATA / "baseline-store.sql"
    sql_file.write_text(sql, encoding="utf-8")
    out = DATA / f"result-baseline-cmd-{rows}.parquet"
    script = DATA / "baseline-child.py"
    script.write_text(BASELINE_CHILD.format(
        records=records.as_posix(), ancestors=(DATA / "ancestors.parquet").as_posix(),
        periods=(DATA / "period_map.parquet").as_posix(), sql=sql_file.as_posix(),
        out=out.as_posix()), encoding="utf-8")
    return script, out


def new_workspace(name: str) -> Path:
    root = DATA / name
    shutil.rmtree(root, ignore_errors=True)
    sodo("init", str(root))
    return root


def batch_file() -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sodo.services.generate import generate_table

    stamp = int(time.time())
    table = generate_table("dossiers", 10_000, "2025-11", "2025-11", seed=stamp)
    ids = pa.array([f"BENCH-{stamp}-{i}" for i in range(table.num_rows)])
    table = table.set_column(table.schema.get_field_index("dossier_id"), "dossier_id", ids)
    path = DATA / "batch-cmd-10000.parquet"
    pq.write_table(table, path)
    return path


def compare(workspace: Path, baseline: Path) -> list[str]:
    """The stored values (numerators, denominators, totals, ranks) against the baseline's."""
    import pandas as pd
    from sqlalchemy import create_engine

    from benchmarks.bench_engine import compare as compare_frames

    engine = create_engine(f"sqlite:///{(workspace / 'sodo.db').as_posix()}")
    codes = ", ".join(f"'{c}'" for c in CHECK_CODES)
    stored = pd.read_sql(
        f"SELECT indicator, orgunit, period, value, numerator, denominator FROM "
        f"indicator_value WHERE origin = 'computed' AND category = '' AND indicator IN "
        f"({codes})", engine)
    engine.dispose()
    return compare_frames(stored, pd.read_parquet(baseline), "baseline")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2,
                        help="rounds of baseline and sodo compute --full, alternating")
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--ingest-only", action="store_true",
                        help="time only the ingests beside their DuckDB baseline")
    parser.add_argument("--other-sodo", type=Path, action="append", default=[],
                        help="another build's sodo executable, timed in the ingest rounds")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder of the generated records (default benchmarks/data)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the workspace of an earlier run at this scale (its records "
                        "ingested already): no start-up or Parquet ingest timing")
    args = parser.parse_args()
    if args.data is not None:
        import benchmarks.bench_engine as bench_engine

        global DATA
        DATA = bench_engine.DATA = args.data
    dossiers, feedback = data_files(args.rows)
    print(f"scale: {args.rows:,} dossiers, {max(args.rows // 20, 100):,} feedback items "
          f"(2024-01..2025-12); levels {', '.join(LEVELS)}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    lines: list[tuple[str, str, str]] = []
    if args.ingest_only:
        lines += ingest_rounds(dossiers, args.rows, args.repeat, args.other_sodo)
        if not args.skip_csv:
            lines += ingest_rounds(csv_file(args.rows, dossiers), args.rows, args.repeat,
                                   args.other_sodo)
        print(f"\n{'command (whole process)':42} {'result (wall, peak RSS, cpu)':72} goal")
        for name, result, note in lines:
            print(f"{name:42} {result:72} {note}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        return

    # -- start-up -------------------------------------------------------------------------
    ws = DATA / f"cmd-ws-{args.rows}"
    reuse = args.reuse and (ws / "records.duckdb").exists()
    if not reuse:
        ws = new_workspace(f"cmd-ws-{args.rows}")
    for label, cmd in (("sodo --help", ["--help"]), ("sodo tasks list", ["tasks", "list"])):
        if reuse:
            break
        times, cpus = [], []
        for _ in range(5):
            times.append(run([str(SODO), *cmd], cwd=ws)[0])
            cpus.append(CPU[len(CPU) - 1])
        times.sort()
        best, median = times[0], times[2]
        lines.append((label, f"best {best:.2f} s, median {median:.2f} s, cpu {min(cpus):.2f} s",
                      f"goal < {GOALS['startup']} s: {verdict(median < GOALS['startup'])}"))
        print(f"  {label}: {times}", flush=True)

    # -- ingest ---------------------------------------------------------------------------
    if reuse:
        print(f"  reusing {ws} (no ingest timed)", flush=True)
    else:
        secs, rss, _ = sodo("ingest", "dossiers", str(dossiers), "--no-recompute", "--format",
                            "json", workspace=ws)
        rate = args.rows / secs
        lines.append(("sodo ingest dossiers (Parquet)",
                      f"{secs:.2f} s, {rate:,.0f} records/s, {rss:,.0f} MiB, {last_cpu()}",
                      f"goal ≥ 1 M/s: {verdict(rate >= GOALS['parquet'])}"))
        print(f"  ingest parquet: {secs:.2f} s", flush=True)
        sodo("ingest", "feedback", str(feedback), "--no-recompute", "--format", "json",
             workspace=ws)
    if not args.skip_csv:
        csv = csv_file(args.rows, dossiers)
        ws_csv = new_workspace(f"cmd-ws-csv-{args.rows}")
        secs, rss, _ = sodo("ingest", "dossiers", str(csv), "--no-recompute", "--format", "json",
                            workspace=ws_csv)
        rate = args.rows / secs
        lines.append(("sodo ingest dossiers (CSV)", f"{secs:.2f} s, {rate:,.0f} records/s, "
                      f"{rss:,.0f} MiB, {last_cpu()}", f"goal ≥ 300 k/s: {verdict(rate >= GOALS['csv'])}"))
        print(f"  ingest csv: {secs:.2f} s", flush=True)
        shutil.rmtree(ws_csv, ignore_errors=True)

    # -- full compute beside the baseline -------------------------------------------------
    script, base_out = prepare_baseline(args.rows, ws / "records.duckdb")
    best: dict[str, tuple[float, float, dict]] = {}
    for _ in range(args.repeat):
        secs, rss, _ = run([sys.executable, str(script)])
        if "baseline" not in best or secs < best["baseline"][0]:
            best["baseline"] = (secs, rss, {"cpu": CPU[len(CPU) - 1]})
        print(f"  baseline: {secs:.2f} s", flush=True)
        secs, rss, out = sodo("compute", "--full", "--format", "json", workspace=ws)
        run_info = {**json.loads(out)[0], "cpu": CPU[len(CPU) - 1]}
        if "full" not in best or secs < best["full"][0]:
            best["full"] = (secs, rss, run_info)
        print(f"  sodo compute --full: {secs:.2f} s {run_info.get('timings')}", flush=True)
    b_secs, b_rss, b_info = best["baseline"]
    f_secs, f_rss, f_info = best["full"]
    lines.append(("baseline: one whole-process DuckDB query", f"{b_secs:.2f} s, {b_rss:,.0f} MiB, "
                  f"cpu {b_info['cpu']:.2f} s", "1.00 ×"))
    lines.append(("sodo compute --full", f"{f_secs:.2f} s, {f_rss:,.0f} MiB, "
                  f"cpu {f_info['cpu']:.2f} s, {f_info['values']:,} values",
                  f"{f_secs / b_secs:.2f} × baseline (cpu {f_info['cpu'] / b_info['cpu']:.2f} ×)"
                  "; goal ≤ 1.5 ×: "
                  f"{verdict(f_secs <= GOALS['full'] * b_secs)}; memory < 3 GiB: "
                  f"{verdict(f_rss < GOALS['rss_mib'])}"))
    lines.append(("  in-process breakdown", _breakdown(f_secs, f_info), ""))
    problems = compare(ws, base_out)

    # -- a 10,000-record batch, then the incremental compute ------------------------------
    batch = batch_file()
    secs, _, _ = sodo("ingest", "dossiers", str(batch), "--no-recompute", "--format", "json",
                      workspace=ws)
    lines.append(("sodo ingest (10,000-record batch)", f"{secs:.2f} s, {last_cpu()}", ""))
    secs, rss, out = sodo("compute", "--format", "json", workspace=ws)
    info = json.loads(out)[0]
    lines.append(("sodo compute (incremental)", f"{secs:.2f} s, {rss:,.0f} MiB, {last_cpu()}, "
                  f"{info['values']:,} values, {info['periods']} periods",
                  f"goal < 2 s: {verdict(secs < GOALS['incremental'])}"))
    lines.append(("  in-process breakdown", _breakdown(secs, info), ""))

    print(f"\n{'command (whole process)':42} {'result (wall, peak RSS, cpu)':72} goal")
    for name, result, note in lines:
        print(f"{name:42} {result:72} {note}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(wall times include the waiting for the CPU that other work takes)")
    if problems:
        print("\nDISAGREEMENTS with the baseline:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"\nsodo's stored values agree with the baseline on {', '.join(CHECK_CODES)}")


def _breakdown(process_seconds: float, info: dict) -> str:
    timings = info.get("timings") or {}
    inside = float(info.get("seconds") or 0)
    parts = ", ".join(f"{k} {v:.2f}" for k, v in timings.items())
    changes = info.get("changes") or {}
    written = (f"; values written {changes.get('inserted', 0):,}, deleted "
               f"{changes.get('deleted', 0):,}, kept {changes.get('unchanged', 0):,}"
               if changes else "")
    return (f"{parts}; run {inside:.2f} s; start-up and rest {process_seconds - inside:.2f} s"
            + written)


if __name__ == "__main__":
    main()

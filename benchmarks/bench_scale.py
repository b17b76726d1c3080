"""Scale benchmark (issue 17): the indicator engine on N dossiers (100 M is the goal) stored as
month-partitioned Parquet, computed by DuckDB under a memory limit (spilling to a temporary
directory) and by PySpark in local mode, with wall time, CPU time and peak memory of each.

    .venv/bin/python -m benchmarks.bench_scale --rows 100000000 --data /tmp/sodo-scale \\
        --memory-limit 2GB [--engines duckdb,spark,baseline] [--delete]

Steps, each in its own process so that its time and memory are its own:

1. **generate**: ``rows`` dossiers and ``rows / 20`` feedback items for 2024-01..2025-12 with
   sodo's generator (``sodo.services.generate``), written as ``DATA/<dataset>/month=YYYY-MM/
   *.parquet`` (the Parquet record store's layout), in parts of ``--part-rows`` records, each
   part with its own seed (ids are prefixed by the seed, so they never collide). Reused when
   the data folder already holds a complete set for ``rows`` (a ``generated.json`` marker).
2. **duckdb**: every rate indicator and the whole 766 index (nation, ministries, provinces;
   month, quarter, half, year) through sodo's Ibis definitions on DuckDB with
   ``memory_limit`` and ``temp_directory`` set (the largest size of that directory is reported:
   it shows whether DuckDB spilled);
3. **spark**: the same definitions on PySpark ``local[2]`` (``SPARK_LOCAL_IP=127.0.0.1``);
4. **baseline** (optional): the one hand-written DuckDB query of ``bench_engine`` under the same
   memory limit, as the reference for the time.

Peak memory is the largest sum of the resident set sizes of the step's whole process tree
(Spark's JVM is a child of the Python process), sampled every 0.2 s. The engines' results are
then compared: every value of every indicator, and the totals (numerators and denominators
summed over the nation's years; the nation's dossier count must equal the generated rows).
The benchmark exits non-zero when they disagree.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

START, END = "2024-01", "2025-12"
LEVELS = ("nation", "ministry", "province")
FEEDBACK_SHARE = 20  # one feedback item per 20 dossiers, as bench_engine
NATION = "VN"
LOGS = Path("/tmp")


# -- totals (pure, tested in tests/benchmarks) ------------------------------------------------
def totals(values: pd.DataFrame, nation: str = NATION) -> pd.DataFrame:
    """Per indicator, the numerators and denominators summed over the nation's years, and the
    number of values: a short fingerprint of a whole result, cheap to print and compare."""
    years = values[(values["orgunit"] == nation) & (values["period"].str.len() == 4)]
    out = years.groupby("indicator")[["numerator", "denominator"]].sum(min_count=1)
    out["values"] = values.groupby("indicator").size()
    return out.sort_index()


def compare_results(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str],
                    rel: float = 1e-9) -> list[str]:
    """Disagreements between two engines' values (every indicator, unit and period)."""
    keys = ["indicator", "orgunit", "period"]
    problems = []
    left, right = a.set_index(keys), b.set_index(keys)
    missing = left.index.difference(right.index)
    extra = right.index.difference(left.index)
    if len(missing) or len(extra):
        problems.append(f"{names[1]} lacks {len(missing)} values of {names[0]}, has "
                        f"{len(extra)} others")
    common = left.index.intersection(right.index)
    for column in ("value", "numerator", "denominator"):
        x = pd.to_numeric(left.loc[common, column], errors="coerce").astype(float)
        y = pd.to_numeric(right.loc[common, column], errors="coerce").astype(float)
        both_nan = x.isna() & y.isna()
        close = (x - y).abs() <= rel * pd.concat([x.abs(), y.abs()], axis=1).max(axis=1) + 1e-9
        bad = ~(both_nan | close.fillna(False))
        if bad.any():
            sample = pd.DataFrame({names[0]: x[bad], names[1]: y[bad]}).head(3)
            problems.append(f"{column}: {int(bad.sum())} differ, e.g. {sample.to_dict('index')}")
    return problems


def compare_totals(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str],
                   rel: float = 1e-9) -> list[str]:
    """Disagreements between two ``totals`` frames."""
    problems = []
    if list(a.index) != list(b.index):
        problems.append(f"indicators differ: {sorted(set(a.index) ^ set(b.index))}")
    for code in a.index.intersection(b.index):
        for column in a.columns:
            x, y = a.at[code, column], b.at[code, column]
            if pd.isna(x) and pd.isna(y):
                continue
            if pd.isna(x) or pd.isna(y) or abs(x - y) > rel * max(abs(x), abs(y)) + 1e-9:
                problems.append(f"{code} {column}: {names[0]} {x} ≠ {names[1]} {y}")
    return problems


def expected_count(values: pd.DataFrame, rows: int, nation: str = NATION) -> list[str]:
    """The nation's dossier count over the years must be the number of generated dossiers."""
    picked = values[(values["indicator"] == "dossier_count") & (values["orgunit"] == nation)
                    & (values["period"].str.len() == 4)]
    got = float(picked["value"].sum())
    return [] if got == rows else [f"dossier_count over the years is {got:,.0f}, not {rows:,}"]


# -- process-tree memory ----------------------------------------------------------------------
def _tree_rss(root: int, cpu: dict[int, int] | None = None) -> int:
    """Bytes resident in ``root`` and all its descendants (from /proc); with ``cpu``, also
    records each process's CPU ticks so far (user + system, its own and its reaped
    children's) by pid."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[bytes]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo, page = 0, [root], os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        if cpu is not None and pid in stats:
            cpu[pid] = sum(int(x) for x in stats[pid][11:15])
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
        except OSError:
            continue
    return total


def _dir_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(dirpath, name)).st_size
    return total


def run_step(args: list[str], env: dict[str, str], watch_dir: Path | None = None) -> dict:
    """Run one step as a process; its RESULT line plus wall, CPU and tree peak RSS."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    log = open(LOGS / f"{args[1]}.stderr", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_scale", *args],
                            stdout=subprocess.PIPE, stderr=log, text=True, env=env,
                            cwd=Path(__file__).resolve().parent.parent)
    peak = {"rss": 0, "temp": 0}
    ticks: dict[int, int] = {}

    def sample() -> None:
        while proc.poll() is None:
            peak["rss"] = max(peak["rss"], _tree_rss(proc.pid, ticks))
            if watch_dir is not None and watch_dir.exists():
                peak["temp"] = max(peak["temp"], _dir_bytes(watch_dir))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    result: dict = {}
    for line in proc.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
        else:
            print("    " + line.rstrip(), flush=True)
    proc.wait()
    sampler.join()
    log.close()
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or not result:
        tail = (LOGS / f"{args[1]}.stderr").read_text()[-3000:]
        raise SystemExit(f"step {args[:2]} failed (exit {proc.returncode}):\n{tail}")
    # The step's own CPU (reaped children included) from its rusage; descendants it never
    # reaped (Spark's JVM) from their last /proc sample.
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    others = sum(t for pid, t in ticks.items() if pid != proc.pid) / os.sysconf("SC_CLK_TCK")
    result.update(wall_s=wall, cpu_s=max(own, ticks.get(proc.pid, 0) / os.sysconf(
        "SC_CLK_TCK")) + others, peak_tree_rss_mib=peak["rss"] / 2**20)
    if watch_dir is not None:
        result["peak_temp_mib"] = peak["temp"] / 2**20
    return result


# -- steps (children) ---------------------------------------------------------------------------
def _generate_part(data: Path, ds: str, index: int, start: int, n: int,
                   memory_limit: str) -> dict:
    """One part of one dataset, appended to the month folders (its own seed and file names)."""
    import duckdb

    from sodo.services.generate import generate_batches

    seed = (1000 if ds == "dossiers" else 5000) + index
    t0 = time.perf_counter()
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": 1,
                                 "temp_directory": str(data / f"tmp-generate-{seed}")})
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    con.register("_part", generate_batches(ds, n, START, END, seed))
    con.execute(
        "COPY (SELECT *, strftime(received_at, '%Y-%m') AS month FROM _part) TO "
        f"'{data / ds}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), "
        f"FILENAME_PATTERN 'part-{seed}-{{i}}', OVERWRITE_OR_IGNORE true, "
        "ROW_GROUP_SIZE 1000000)")
    con.close()
    shutil.rmtree(data / f"tmp-generate-{seed}", ignore_errors=True)
    seconds = round(time.perf_counter() - t0, 2)
    print(f"generated {ds} part {index} ({n:,} rows, seed {seed}) in {seconds:.1f} s",
          flush=True)
    return {"dataset": ds, "seed": seed, "rows": n, "seconds": seconds}


def generate(data: Path, rows: int, part_rows: int, memory_limit: str, jobs: int) -> dict:
    """Month-partitioned Parquet of ``rows`` dossiers and rows / 20 feedback items, in parts
    generated by ``jobs`` processes at once."""
    from concurrent.futures import ProcessPoolExecutor

    marker = data / "generated.json"
    if marker.exists() and json.loads(marker.read_text()).get("rows") == rows:
        return {"reused": True, **json.loads(marker.read_text())}
    for ds in ("dossiers", "feedback"):
        shutil.rmtree(data / ds, ignore_errors=True)
        (data / ds).mkdir(parents=True)
    marker.unlink(missing_ok=True)
    tasks = [(ds, index, start, min(part_rows, total - start))
             for ds, total in (("dossiers", rows), ("feedback", max(rows // FEEDBACK_SHARE, 100)))
             for index, start in enumerate(range(0, total, part_rows))]
    with ProcessPoolExecutor(max(1, jobs)) as pool:
        parts = list(pool.map(_generate_part, *zip(*[(data, *t, memory_limit) for t in tasks],
                                                   strict=True)))
    info = {"rows": rows, "feedback": max(rows // FEEDBACK_SHARE, 100), "parts": parts,
            "parquet_mib": round(_dir_bytes(data / "dossiers") / 2**20
                                 + _dir_bytes(data / "feedback") / 2**20, 1)}
    marker.write_text(json.dumps(info))
    return {"reused": False, **info}


def _sodo_values(tables: dict) -> pd.DataFrame:
    from sodo.domain.orgunits import default_hierarchy
    from sodo.services.engine.compute import base_sums, make_plans, values_from_sums
    from sodo.services.engine.definitions import load_engine_config
    from sodo.services.programme import default_programme_path

    config = load_engine_config(default_programme_path())
    plans = make_plans(config)
    bases = base_sums(tables, plans)
    return values_from_sums(bases, plans, config, default_hierarchy(), levels=LEVELS).to_pandas()


def compute_duckdb(data: Path, memory_limit: str, threads: int) -> pd.DataFrame:
    import ibis

    con = ibis.duckdb.connect(memory_limit=memory_limit, threads=threads,
                              temp_directory=str(data / "tmp-duckdb"))
    tables = {ds: con.read_parquet(str(data / ds / "*" / "*.parquet"), table_name=ds,
                                   hive_partitioning=False)
              for ds in ("dossiers", "feedback")}
    return _sodo_values(tables)


def compute_spark(data: Path) -> pd.DataFrame:
    from sodo.stores.records.spark_reader import spark_tables

    return _sodo_values(dict(spark_tables(data, ("dossiers", "feedback"))))


def compute_baseline(data: Path, memory_limit: str, threads: int) -> pd.DataFrame:
    import duckdb

    from benchmarks.bench_engine import _ancestors, _period_map, baseline_sql

    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads,
                                 "temp_directory": str(data / "tmp-duckdb")})
    con.register("ancestors", _ancestors())
    con.register("period_map", _period_map())
    con.execute("CREATE MACRO r2(x) AS sign(x) * floor(abs(x) * 100 + 0.5 + 1e-7) / 100")
    sql = baseline_sql(data / "dossiers" / "*" / "*.parquet",
                       data / "feedback" / "*" / "*.parquet")
    return con.execute(sql.replace(".parquet')", ".parquet', hive_partitioning = false)")).df()


def child(step: str, data: Path, rows: int, part_rows: int, memory_limit: str,
          threads: int) -> None:
    if step == "generate":
        result = generate(data, rows, part_rows, memory_limit, threads)
    else:
        t0 = time.perf_counter()
        if step == "duckdb":
            frame = compute_duckdb(data, memory_limit, threads)
        elif step == "spark":
            frame = compute_spark(data)
        else:
            frame = compute_baseline(data, memory_limit, threads)
        seconds = time.perf_counter() - t0
        frame.to_parquet(data / f"result-{step}.parquet", index=False)
        result = {"compute_s": seconds, "rows_out": len(frame)}
    print("RESULT " + json.dumps(result, default=str), flush=True)


# -- driver -------------------------------------------------------------------------------------
def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(rows: int, results: dict[str, dict], problems: Iterable[str]) -> None:
    print(f"\n{rows:,} dossiers; load average now {load_average()}")
    print(f"{'step':10} {'wall s':>9} {'cpu s':>9} {'in-step s':>9} {'peak RSS MiB':>13} "
          f"{'temp MiB':>9}")
    for step, r in results.items():
        inner = r.get("compute_s", math.nan)
        print(f"{step:10} {r['wall_s']:9.1f} {r['cpu_s']:9.1f} {inner:9.1f} "
              f"{r['peak_tree_rss_mib']:13,.0f} {r.get('peak_temp_mib', math.nan):9.0f}")
    problems = list(problems)
    if problems:
        print("\nDISAGREEMENTS:\n  " + "\n  ".join(problems))
    else:
        print("\nthe engines agree on every value and on the totals")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/sodo-scale"))
    parser.add_argument("--part-rows", type=int, default=10_000_000)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--threads", type=int, default=2,
                        help="DuckDB threads; also the generator's processes")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--delete", action="store_true", help="delete the data at the end")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = args.data.resolve()
    global LOGS
    LOGS = data / "logs"
    LOGS.mkdir(parents=True, exist_ok=True)
    if args.step:
        child(args.step, data, args.rows, args.part_rows, args.memory_limit, args.threads)
        return
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
    common = ["--data", str(data), "--rows", str(args.rows), "--part-rows",
              str(args.part_rows), "--memory-limit", args.memory_limit, "--threads",
              str(args.threads)]
    print(f"bench_scale: {args.rows:,} dossiers in {data}; DuckDB memory limit "
          f"{args.memory_limit}, {args.threads} threads; load average {load_average()}",
          flush=True)
    results: dict[str, dict] = {}
    try:
        results["generate"] = run_step(["--step", "generate", *common], env)
        print(f"  generate: {json.dumps(results['generate'])[:400]}", flush=True)
        engines = [e for e in args.engines.split(",") if e]
        for engine in engines:
            temp = data / "tmp-duckdb" if engine in ("duckdb", "baseline") else None
            if temp is not None:
                shutil.rmtree(temp, ignore_errors=True)
            results[engine] = run_step(["--step", engine, *common], env, watch_dir=temp)
            print(f"  {engine}: {json.dumps(results[engine])}", flush=True)
        problems: list[str] = []
        frames = {e: pd.read_parquet(data / f"result-{e}.parquet")
                  for e in engines if e != "baseline"}
        sums = {e: totals(f) for e, f in frames.items()}
        for engine, frame in frames.items():
            problems += [f"{engine}: {p}" for p in expected_count(frame, args.rows)]
        names = list(frames)
        for other in names[1:]:
            pair = (names[0], other)
            problems += [f"{other}: {p}" for p in compare_results(frames[names[0]],
                                                                  frames[other], pair)]
            problems += [f"{other} totals: {p}" for p in compare_totals(sums[names[0]],
                                                                       sums[other], pair)]
        if "baseline" in engines and "duckdb" in frames:
            from benchmarks.bench_engine import compare

            base = pd.read_parquet(data / "result-baseline.parquet")
            problems += compare(frames["duckdb"], base, "baseline")
        if names:
            print("\ntotals over the nation's years (" + names[0] + "), a few indicators:")
            print(sums[names[0]].loc[[c for c in ("dossier_count", "dossier_full_online_share",
                                                  "svc766_2_1", "svc766_5_2")
                                      if c in sums[names[0]].index]].to_string())
        report(args.rows, results, problems)
    finally:
        if args.delete:
            shutil.rmtree(data, ignore_errors=True)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""The data-quality scorecard against the full indicator compute on the same record store.

    .venv/bin/python -m benchmarks.bench_quality --rows 1000000

Builds (once, in ``benchmarks/data/quality-<rows>/``) a workspace whose DuckDB record store
holds ``--rows`` generated dossiers and ``rows / 20`` feedback items (2024-01..2025-12), then
measures, each in its own subprocess so that its peak memory (RSS) is its own:

- **compute**: the full indicator compute (``sodo compute --full``), the baseline;
- **scorecard**: the whole scorecard (every dataset and form, nation + ministries + provinces)
  for the year 2025 — goal ≤ 1.5 × compute, peak RSS < 3 GiB;
- **incremental**: after a 10,000-record batch for one month, the scorecard of that month
  (the months a batch touched are what an incremental run rescans) — goal < 2 s.

Prints one JSON line per stage and the ratio scorecard / compute.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 1, 20)


def workspace(rows: int) -> Path:
    from sodo.domain.permissions import Actor
    from sodo.services import records
    from sodo.services.context import AppContext
    from sodo.services.generate import generate_file
    from sodo.services.workspace import init_workspace

    root = DATA / f"quality-{rows}"
    if (root / ".built").exists():
        return root
    DATA.mkdir(parents=True, exist_ok=True)
    settings = init_workspace(root, force=True)
    dossiers, feedback = root / "dossiers.parquet", root / "feedback.parquet"
    generate_file("dossiers", rows, "2024-01", "2025-12", 30, dossiers)
    generate_file("feedback", max(rows // 20, 100), "2024-01", "2025-12", 31, feedback)
    with AppContext(settings) as ctx:
        records.ingest(ctx, Actor.system("bench"), "dossiers", [dossiers])
        records.ingest(ctx, Actor.system("bench"), "feedback", [feedback])
    (root / ".built").write_text("ok")
    return root


def stage(name: str, root: Path) -> dict:
    from sodo.domain.permissions import Actor
    from sodo.services import quality, records
    from sodo.services.context import AppContext
    from sodo.services.generate import generate_file
    from sodo.services.settings import Settings

    settings = replace(Settings.open(root), today=TODAY)
    actor = Actor.system("bench")
    with AppContext(settings) as ctx:
        if name == "incremental":
            batch = root / "batch.parquet"
            generate_file("dossiers", 10_000, "2025-12", "2025-12", 99, batch)
            records.ingest(ctx, actor, "dossiers", [batch])
        began = time.perf_counter()
        if name == "compute":
            records.compute_values(ctx, actor, full=True)
        elif name == "scorecard":
            quality.compute(ctx, actor, period="2025")
        else:
            quality.compute(ctx, actor, dataset="dossiers", period="2025-12")
        seconds = time.perf_counter() - began
    return {"stage": name, "seconds": round(seconds, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stage", choices=("build", "compute", "scorecard", "incremental"))
    args = parser.parse_args()
    if args.stage == "build" or not (DATA / f"quality-{args.rows}" / ".built").exists():
        # built in a process of its own: a child inherits its parent's peak RSS at fork
        if args.stage != "build":
            subprocess.run([sys.executable, "-m", "benchmarks.bench_quality", "--rows",
                            str(args.rows), "--stage", "build"], check=True)
            return main()
        workspace(args.rows)
        return
    root = workspace(args.rows)
    if args.stage:
        print(json.dumps(stage(args.stage, root)), flush=True)
        return
    results = {}
    for name in ("compute", "scorecard", "incremental"):
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_quality", "--rows",
                              str(args.rows), "--stage", name], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()[-1]
        results[name] = json.loads(out)
        print(out, flush=True)
    ratio = results["scorecard"]["seconds"] / results["compute"]["seconds"]
    print(json.dumps({"rows": args.rows, "scorecard_over_compute": round(ratio, 2),
                      "goal": "<= 1.5", "incremental_goal_s": 2}), flush=True)


if __name__ == "__main__":
    main()

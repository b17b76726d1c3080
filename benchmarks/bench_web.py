"""Benchmark: server time of every web page on a demo workspace.

Goal: under 300 ms a page on the demo workspace (``make demo``: 1 million dossiers). Each page
is requested through the ASGI app in-process (no network); the median of ``--repeat`` requests
is printed in milliseconds and as a ratio against a baseline measured in the same run: the
API's health route, which does no work (so the ratio is the page's own cost in units of the
framework's fixed cost per request).

Run: ``.venv/bin/python -m benchmarks.bench_web [--workspace demo-workspace] [--rows 200000]``
(without ``--workspace`` a demo of ``--rows`` dossiers is built in a temporary folder).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

GOAL_MS = 300.0


def median_ms(client, path: str, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    client.get(path)  # warm caches (programme, plotly import)
    times, status = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        status = response.status_code
    return statistics.median(times), status


def run(workspace: Path, repeat: int) -> int:
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    from sodo.http.app import create_app
    from sodo.services.settings import Settings

    client = TestClient(create_app(Settings.open(workspace)))
    baseline, _ = median_ms(client, "/api/v1/health", repeat)
    targets = client.get("/targets", params={"format": "json"}).json()["targets"]
    tasks = client.get("/tasks", params={"format": "json"}).json()["by_status"]
    pages = ["/", "/targets", "/explorer", "/explorer?level=ministry", "/units", "/units/01",
             "/units/BKHCN", "/tasks", "/public", "/login"]
    if targets:
        pages.append(f"/targets/{targets[0]['id']}")
    if tasks:
        pages.append(f"/tasks/{tasks[0]['tasks'][0]['id']}")
    print(f"baseline /api/v1/health: {baseline:.1f} ms (median of {repeat})")
    print(f"{'page':40} {'ms':>8} {'× baseline':>11}  status")
    slow = 0
    for path in pages:
        ms, status = median_ms(client, path, repeat)
        flag = "" if ms < GOAL_MS else f"  over {GOAL_MS:.0f} ms"
        slow += ms >= GOAL_MS
        print(f"{path:40} {ms:8.1f} {ms / baseline:11.1f}  {status}{flag}")
    return slow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if args.workspace:
        slow = run(args.workspace, args.repeat)
    else:
        from sodo.services.demo import build_demo

        with tempfile.TemporaryDirectory(prefix="sodo-bench-web-") as tmp:
            summary = build_demo(Path(tmp) / "demo", rows=args.rows)
            print(f"demo: {summary.dossiers:,} dossiers, {summary.values:,} values")
            slow = run(Path(tmp) / "demo", args.repeat)
    print("all pages under the goal" if not slow else f"{slow} page(s) over the goal")


if __name__ == "__main__":
    main()

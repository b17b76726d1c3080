"""Benchmark: the overview page under 50 concurrent clients, over HTTP against a served app
(one uvicorn worker, loopback), with the page cache off (``SODO_PAGE_CACHE=0``: the view-model
is rebuilt at every request, as before issue 10) and on (kept per data version and audience).

Each run serves the same demo workspace on a random loopback port, warms it with one request,
then ``--clients`` clients request ``/`` in a loop for ``--seconds``; it prints the requests
per second, p50/p95 latency and errors (non-200 or no answer), and the ratio of the cached
run to the uncached baseline measured in the same invocation (wall times are inflated when
the machine is shared; the ratio is what to compare). ``--src DIR`` adds a run serving another
checkout's ``src`` (e.g. ``/work/main/src``), cache setting ignored.

Run: ``.venv/bin/python -m benchmarks.bench_overview [--workspace DIR | --rows 200000]
[--seconds 20] [--clients 50] [--src DIR]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.serving import percentile, served_workspace

TODAY = "2026-11-15"


async def _load(base: str, seconds: float, clients: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        until = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    response = await http.get("/")
                except httpx.HTTPError:
                    errors += 1
                    continue
                if response.status_code != 200:
                    errors += 1
                latencies.append(time.monotonic() - started)

    began = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors, time.monotonic() - began


def measure(workspace: Path, seconds: float, clients: int, env: dict[str, str]) -> dict:
    """Serve ``workspace`` with ``env``, load it, stop it; the numbers of the run."""
    with served_workspace(workspace, {**os.environ, "SODO_TODAY": TODAY, **env}) as base:
        httpx.get(base + "/", timeout=120)  # warm: programme, assessments, templates
        began = time.perf_counter()
        alone = httpx.get(base + "/", timeout=120)
        single_ms = (time.perf_counter() - began) * 1000
        assert alone.status_code == 200, alone.status_code
        latencies, errors, took = asyncio.run(_load(base, seconds, clients))
    return {"rps": len(latencies) / took, "p50": percentile(latencies, .5) * 1000,
            "p95": percentile(latencies, .95) * 1000, "errors": errors,
            "single_ms": single_ms, "answered": len(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, help="a demo workspace (else one is built)")
    parser.add_argument("--rows", type=int, default=200_000, help="dossiers of a built demo")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--src", default="", help="also serve this src folder (baseline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sodo-bench-overview-") as tmp:
        workspace = args.workspace
        if workspace is None:
            workspace = Path(tmp) / "demo"
            subprocess.run([sys.executable, "-m", "sodo", "demo", "--workspace",
                            str(workspace), "--rows", str(args.rows), "--no-serve"],
                           env={**os.environ, "SODO_TODAY": TODAY}, check=True,
                           capture_output=True)
        runs = {}
        if args.src:
            runs[f"src={args.src}"] = measure(workspace, args.seconds, args.clients,
                                              {"PYTHONPATH": args.src})
        runs["cache off"] = measure(workspace, args.seconds, args.clients,
                                    {"SODO_PAGE_CACHE": "0"})
        runs["cache on"] = measure(workspace, args.seconds, args.clients,
                                   {"SODO_PAGE_CACHE": "1"})
    print(f"GET / — {args.clients} clients, {args.seconds:g} s each, workspace {workspace}")
    print(f"{'run':28} {'alone ms':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for name, r in runs.items():
        print(f"{name:28} {r['single_ms']:9.0f} {r['rps']:8.1f} {r['p50']:8.0f} "
              f"{r['p95']:8.0f} {r['errors']:7d}")
    off, on = runs["cache off"], runs["cache on"]
    print(f"cache on / off: {on['rps'] / off['rps']:.1f}x req/s, "
          f"p95 {off['p95'] / on['p95']:.1f}x lower")


if __name__ == "__main__":
    main()

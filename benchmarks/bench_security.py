"""Benchmark: a bounded loopback load test of the hardening (issue 10) — concurrent clients
for a fixed time against one uvicorn worker over a fresh workspace (SQLite), mixing normal
requests (``/api/v1/values`` by codes, the overview page) with abusive ones (a values query
naming 999 unknown units; a 2,200-item one; an anonymous 300 MB upload claim). Prints, per
kind, the requests answered, p50/p95 latency and the errors (status ≥ 500 or no answer).

Before the hardening, one abusive values query held the worker for tens of seconds, so the
normal requests queued behind it; after, it is refused (422) within the look-up budget and
the normal requests keep their latency.

Run: ``.venv/bin/python -m benchmarks.bench_security [--seconds 20] [--clients 50]``
(``--src DIR`` serves another checkout's ``src`` for a before/after comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.serving import percentile, served_workspace

NORMAL_VALUES = "/api/v1/values?dx=coverage_5g_population&pe=2025&ou=VN;01;79;Hà Nội"
ABUSIVE_VALUES = "/api/v1/values?dx=coverage_5g_population&pe=2025&ou=" + ";".join(
    f"khong co {i:03d}" for i in range(999))
OVER_CAP = "/api/v1/values?dx=coverage_5g_population&pe=2025&ou=" + ";".join(
    f"x{i:04d}" for i in range(2200))
KINDS = {"values": 0.45, "overview": 0.45, "abusive": 0.10}


async def _client(base: str, until: float, results: dict[str, list[float]],
                  errors: dict[str, int], seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while time.monotonic() < until:
            kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
            started = time.monotonic()
            try:
                if kind == "values":
                    response = await client.get(NORMAL_VALUES)
                elif kind == "overview":
                    response = await client.get("/")
                else:
                    choice = rng.random()
                    if choice < 0.6:
                        response = await client.get(ABUSIVE_VALUES)
                    elif choice < 0.9:
                        response = await client.get(OVER_CAP)
                    else:
                        response = await client.post(
                            "/api/v1/forms/BC-CDS-QUY/upload", content=b"x" * 1024,
                            headers={"Content-Type": "multipart/form-data; boundary=b"})
                if response.status_code >= 500:
                    errors[kind] += 1
            except httpx.HTTPError:
                errors[kind] += 1
                continue
            results[kind].append(time.monotonic() - started)


async def _load(base: str, seconds: float, clients: int) -> tuple[dict, dict]:
    results: dict[str, list[float]] = {k: [] for k in KINDS}
    errors = {k: 0 for k in KINDS}
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(base, until, results, errors, i) for i in range(clients)))
    return results, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--src", default="", help="serve this src folder (before/after)")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (default: "
                        "a free one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sodo-bench-sec-") as tmp:
        env = {**os.environ, "SODO_TODAY": "2026-11-15"}
        if args.src:
            env["PYTHONPATH"] = args.src
        subprocess.run([sys.executable, "-m", "sodo", "init", f"{tmp}/ws"], env=env,
                       check=True, capture_output=True)
        with served_workspace(Path(tmp) / "ws", env, args.port or None) as base:
            httpx.get(base + "/", timeout=60)  # warm the caches
            results, errors = asyncio.run(_load(base, args.seconds, args.clients))
    print(f"{args.clients} clients, {args.seconds:g} s, src={args.src or Path('src')}")
    print(f"{'kind':10} {'answered':>8} {'p50 ms':>9} {'p95 ms':>9} {'errors':>7}")
    for kind in KINDS:
        times = results[kind]
        print(f"{kind:10} {len(times):8d} {percentile(times, .5) * 1000:9.0f} "
              f"{percentile(times, .95) * 1000:9.0f} {errors[kind]:7d}")


if __name__ == "__main__":
    main()

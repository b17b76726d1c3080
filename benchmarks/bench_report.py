"""Benchmark: ``sodo report evaluation`` as a whole process on a demo workspace — the national
report for 2025, Word and Excel — timed from the process start (imports, store, assessment,
ranking, charts, rendering) to the file on disk.

Goal: under 10 seconds for the national report on the 1M-dossier demo (``make demo``). The
report reads stored values (computed once by ``sodo compute``), so its time grows with the
number of values in the store, not with the dossiers; state the scale you ran.

Run: ``.venv/bin/python -m benchmarks.bench_report [--workspace demo-workspace] [--rows N]
[--repeat 3]`` (builds the demo workspace with N dossiers when the folder holds none).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 10.0


CPU: list[float] = []  # user + system seconds of each run's process


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(workspace: Path, out: Path, as_of: str, env: dict[str, str]) -> float:
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sodo", "report", "evaluation", "--year",
                           "2025", "--as-of", as_of, "--workspace", str(workspace), "--out",
                           str(out)], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    CPU.append(_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path("demo-workspace"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2026-01-15")
    args = parser.parse_args()
    if not (args.workspace / "sodo.toml").exists():
        from sodo.services.demo import build_demo

        print(f"building the demo workspace ({args.rows:,} dossiers) at {args.workspace}")
        build_demo(args.workspace, rows=args.rows)
    marker = args.workspace / ".demo-built.json"
    scale = marker.read_text(encoding="utf-8")[:200] if marker.exists() else "not a demo"
    with tempfile.TemporaryDirectory() as tmp:
        # As an installed sodo runs: with compiled bytecode (kept outside the source tree;
        # PYTHONDONTWRITEBYTECODE would make every run compile every module again).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        run_once(args.workspace, Path(tmp) / "warm.docx", args.as_of, env)  # compiles
        for kind in ("docx", "xlsx"):
            CPU.clear()
            times = [run_once(args.workspace, Path(tmp) / f"r.{kind}", args.as_of, env)
                     for _ in range(args.repeat)]
            best, median = min(times), statistics.median(times)
            verdict = "OK" if median < GOAL_SECONDS else "SLOWER THAN GOAL"
            print(f"sodo report evaluation --out r.{kind}: median {median:.2f} s, best "
                  f"{best:.2f} s over {args.repeat} runs (goal < {GOAL_SECONDS:.0f} s) {verdict}; "
                  f"CPU (user + system) median {statistics.median(CPU):.2f} s")
    print(f"workspace: {args.workspace} ({scale})")


if __name__ == "__main__":
    main()

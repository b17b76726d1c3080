"""Before/after on a shared machine: the CPU time of the same whole commands run by two source
trees, interleaved (A, B, A, B…) so that both see the same load; the median of each.

    git -C /work/main archive <commit> src | tar -x -C /tmp/before
    .venv/bin/python -m compileall -q /tmp/before/src
    .venv/bin/python -m benchmarks.ab_versions --before /tmp/before/src --rounds 5 \\
        --workspace benchmarks/data/cmd-ws-2000000

"before" runs with ``PYTHONPATH`` set to the other tree (it takes precedence over the editable
install), "after" with this checkout. Commands: ``sodo tasks list``, ``sodo ingest`` of a
10,000-record Parquet batch (``--no-recompute``), then ``sodo compute`` (incremental), and
``sodo compute`` once more (nothing to do: the fixed cost of the command). The workspace is the
one ``bench_commands`` leaves (2 M dossiers); each round adds one batch per tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SODO = [sys.executable, "-m", "sodo"]


def cpu_of(args: list[str], env: dict[str, str]) -> float:
    out = Path("/tmp/.ab-time")
    subprocess.run(["/usr/bin/time", "-f", "%U %S", "-o", str(out), *args], env=env,
                   capture_output=True, check=True)
    user, system = out.read_text().split()[-2:]
    return float(user) + float(system)


def batch(path: Path, tag: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sodo.services.generate import generate_table

    table = generate_table("dossiers", 10_000, "2025-11", "2025-11", seed=hash(tag) % 10_000)
    ids = pa.array([f"AB-{tag}-{i}" for i in range(table.num_rows)])
    pq.write_table(table.set_column(table.schema.get_field_index("dossier_id"), "dossier_id",
                                    ids), path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, type=Path, help="the other tree's src/")
    parser.add_argument("--workspace", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ws = str(args.workspace.resolve())
    base = {k: v for k, v in os.environ.items() if not k.startswith("SODO_")}
    envs = {"before": {**base, "PYTHONPATH": str(args.before.resolve())}, "after": base}
    cpu: dict[tuple[str, str], list[float]] = {}
    for n in range(args.rounds):
        for name, env in envs.items():
            stamp = f"{name}-{n}-{int(time.time())}"
            path = Path(f"/tmp/ab-{stamp}.parquet")
            batch(path, stamp)
            steps = {
                "sodo tasks list": [*SODO, "tasks", "list", "-w", ws, "--format", "json"],
                "sodo ingest (10,000 records)": [*SODO, "ingest", "dossiers", str(path), "-w",
                                                 ws, "--no-recompute", "--format", "json"],
                "sodo compute (incremental)": [*SODO, "compute", "-w", ws, "--format", "json"],
                "sodo compute (nothing to do)": [*SODO, "compute", "-w", ws, "--format",
                                                 "json"],
            }
            for label, cmd in steps.items():
                cpu.setdefault((label, name), []).append(cpu_of(cmd, env))
            path.unlink()
        print(f"round {n + 1}/{args.rounds} done", flush=True)
    print(f"\n{'command (whole process)':34} {'before cpu s':>13} {'after cpu s':>12} {'after/before':>13}")
    for label in dict.fromkeys(k[0] for k in cpu):
        b = statistics.median(cpu[(label, "before")])
        a = statistics.median(cpu[(label, "after")])
        print(f"{label:34} {b:13.2f} {a:12.2f} {a / b:13.2f}")
    print(f"(medians of {args.rounds} interleaved rounds; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()

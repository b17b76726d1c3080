"""A 50-page directive extracts in under 5 s: ``sodo extract FILE --format json`` as the user
runs it, a process, on the benchmark's 50-page document. Judged on the process's CPU time
(user + system), which the load of a shared machine does not inflate as it does wall time;
``python -m benchmarks.bench_extract`` reports wall times beside a baseline of the same run."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_extract import CASES, long_directive


def test_a_50_page_directive_extracts_in_under_5_seconds(tmp_path: Path) -> None:
    big = long_directive([CASES], 50)
    assert len(big) >= 150_000
    path = tmp_path / "50-pages.txt"
    path.write_text(big, encoding="utf-8")
    sodo = Path(sys.executable).with_name("sodo")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([str(sodo), "extract", str(path), "--format", "json"],
                          capture_output=True, text=True, check=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert len(json.loads(done.stdout)) > 200
    assert cpu < 5.0, f"{cpu:.2f} s CPU"

"""``sodo watch DIR`` as a real process over real files: a settled file is taken in as one
batch and its periods recomputed without anyone running ``sodo compute``; a file still being
written is left alone until it settles; a bad file is moved to rejected/ with its problems
(file, row, column, rule) beside it and changes nothing; a watcher killed with SIGKILL while
a file is in flight loses nothing, and the next one takes the file in exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from sodo.services.context import AppContext
from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.values import read_values

SODO = Path(sys.executable).with_name("sodo")
pytestmark = pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODO_")}
    env["SODO_AUTO_RECOMPUTE"] = "1"
    return env


def _records(n: int, month: str, prefix: str, seed: int = 3) -> pa.Table:
    table = generate_table("dossiers", n, month, month, seed=seed)
    ids = pa.array([f"{prefix}-{i}" for i in range(n)])
    return table.set_column(table.schema.get_field_index("dossier_id"), "dossier_id", ids)


def _stored(ws: Settings) -> int:
    with open_record_store(ws) as store:
        return store.count("dossiers")


def _count(ws: Settings, period: str) -> float | None:
    with AppContext(ws) as ctx:
        rows = read_values(ctx.engine, ["dossier_count"], [period], ["VN"], "computed")
    return rows[0]["value"] if rows else None


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_watch_takes_settled_files_rejects_bad_ones_and_recomputes(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    drop = tmp_path / "drop"
    proc = subprocess.Popen(
        [str(SODO), "watch", str(drop), "--workspace", str(ws.root), "--interval", "0.3",
         "--settle", "2", "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=_env())
    try:
        _wait(lambda: (drop / "dossiers").is_dir(), 60, "the watcher to create its folders")
        # a good Parquet file, written under a temporary name and renamed when complete
        good = _records(2_000, "2025-11", "W1")
        pq.write_table(good, drop / "dossiers" / ".good.parquet.part")
        os.rename(drop / "dossiers" / ".good.parquet.part", drop / "dossiers" / "good.parquet")
        # a CSV still being written: half of it now, the rest later
        slow = _records(1_000, "2025-12", "W2", seed=4)
        slow_path = tmp_path / "slow.csv"
        pacsv.write_csv(slow, slow_path)
        text = slow_path.read_text(encoding="utf-8")
        cut = text.index("\n", len(text) // 2) + 1
        target = drop / "dossiers" / "slow.csv"
        with open(target, "w", encoding="utf-8") as out:
            out.write(text[:cut])
            out.flush()
            time.sleep(1.0)  # shorter than --settle: the watcher must not take it
            assert target.exists(), "a file still being written was taken"
            out.write(text[cut:])
        # a CSV with one bad value on its third data row
        table = _records(5, "2025-11", "W3", seed=5)
        bad = table.to_pylist()
        bad[2]["channel"] = "carrier pigeon"
        pacsv.write_csv(pa.Table.from_pylist(bad, schema=table.schema), tmp_path / "bad.csv")
        os.rename(tmp_path / "bad.csv", drop / "dossiers" / "bad.csv")

        _wait(lambda: len(_files(drop / "processed" / "dossiers")) == 2
              and len(_files(drop / "rejected" / "dossiers")) == 2, 180,
              "two files processed and one rejected")
        assert _files(drop / "dossiers") == [] and _files(drop / ".inflight" / "dossiers") == []
        [errors] = [p for p in (drop / "rejected" / "dossiers").iterdir()
                    if p.name.endswith(".errors.txt")]
        report = errors.read_text(encoding="utf-8")
        assert "dossiers/bad.csv" in report and "channel" in report
        assert "row 3" in report and "carrier pigeon" in report, report
        assert str(drop / ".inflight") not in report  # named as dropped
        # fresh without a manual step: the periods of both batches get computed
        _wait(lambda: _count(ws, "2025-11") == 2_000 and _count(ws, "2025-12") == 1_000, 240,
              "the automatic recompute")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert _stored(ws) == 3_000  # the good and the slow file, whole; nothing of the bad
    outcomes = {row["file"]: row for row in map(json.loads, out.splitlines())}
    assert {k: v["status"] for k, v in outcomes.items()} == {
        "good.parquet": "accepted", "slow.csv": "accepted", "bad.csv": "rejected"}
    assert outcomes["good.parquet"]["rows"] == 2_000 and outcomes["slow.csv"]["rows"] == 1_000
    assert outcomes["bad.csv"]["batch"] is None and outcomes["bad.csv"]["problems"]


def test_a_watcher_killed_mid_file_loses_nothing_and_counts_once(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    drop = tmp_path / "drop"
    (drop / "dossiers").mkdir(parents=True)
    big = _records(300_000, "2025-10", "K")
    staged = tmp_path / "big.csv"
    pacsv.write_csv(big, staged)
    os.rename(staged, drop / "dossiers" / "big.csv")
    proc = subprocess.Popen(
        [str(SODO), "watch", str(drop), "--workspace", str(ws.root), "--interval", "0.05",
         "--settle", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    inflight = drop / ".inflight" / "dossiers" / "big.csv"
    _wait(lambda: inflight.exists() or proc.poll() is not None, 120, "the file to be taken")
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of validating or applying it
    proc.wait(timeout=60)
    assert inflight.exists() and _files(drop / "processed" / "dossiers") == []
    # the next watcher finds it in flight and takes it in: once
    done = subprocess.run([str(SODO), "watch", str(drop), "--workspace", str(ws.root),
                           "--once", "--format", "json"], capture_output=True, text=True,
                          env=_env(), timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["status"] == "accepted" and row["rows"] == 300_000
    assert not inflight.exists() and len(_files(drop / "processed" / "dossiers")) == 1
    assert _stored(ws) == 300_000
    assert _count(ws, "2025-10") == 300_000  # --once waited for the recompute


def test_one_watcher_per_folder_and_clear_refusals(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    drop = tmp_path / "drop"
    first = subprocess.Popen([str(SODO), "watch", str(drop), "--workspace", str(ws.root)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    try:
        _wait(lambda: (drop / "feedback").is_dir(), 60, "the first watcher")
        second = subprocess.run([str(SODO), "watch", str(drop), "--workspace", str(ws.root),
                                 "--once"], capture_output=True, text=True, env=_env(),
                                timeout=120, check=False)
        assert second.returncode == 1 and "another 'sodo watch'" in second.stderr
        unknown = subprocess.run([str(SODO), "watch", str(tmp_path / "other"), "--workspace",
                                  str(ws.root), "--dataset", "parcels", "--once"],
                                 capture_output=True, text=True, env=_env(), timeout=120,
                                 check=False)
        assert unknown.returncode == 1 and "unknown dataset(s): parcels" in unknown.stderr
        assert "Traceback" not in second.stderr + unknown.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert first.returncode == 0

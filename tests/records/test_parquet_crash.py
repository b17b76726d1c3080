"""The Parquet store's month swap is crash-safe: a process killed with SIGKILL while applying
a batch leaves the store either as it was (killed before the manifest switch) or with the whole
batch applied and recorded (killed after it) — never partly applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from records_helpers import state, write

from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings

CHILD = """
import sys, time
from sodo.services.datasets import open_record_store
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings
from sodo.stores.records.parquet_store import ParquetRecordStore

def checkpoint(self, stage):
    if stage == sys.argv[2]:
        print("AT", stage, flush=True)
        time.sleep(120)

ParquetRecordStore._checkpoint = checkpoint
with open_record_store(Settings.open(sys.argv[1]), "parquet") as store:
    ingest_files(store, "dossiers", [sys.argv[3]])
"""


def _kill_at(ws: Settings, stage: str, batch: Path, tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(ws.root), stage, str(batch)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == f"AT {stage}", proc.stderr.read() if proc.stderr else line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _files_on_disk(ws: Settings) -> set[str]:
    folder = ws.parquet_dir / "dossiers"
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")}


@pytest.fixture
def batches(dossiers_sample: pa.Table, tmp_path: Path) -> tuple[Path, Path, int]:
    """A first batch, and a second replacing 40 of its records and adding a month."""
    first = write(dossiers_sample, tmp_path / "first.parquet")
    extra = generate_table("dossiers", 60, "2025-12", "2025-12", seed=99)
    extra = extra.set_column(0, extra.schema.names[0],
                             pa.array([f"NEW-{i}" for i in range(extra.num_rows)]))
    second = pa.concat_tables([dossiers_sample.slice(0, 40), extra])
    expected = dossiers_sample.num_rows + extra.num_rows
    return first, write(second, tmp_path / "second.parquet"), expected


@pytest.mark.parametrize("stage", ["files-written", "switched"])
def test_kill_mid_swap_leaves_the_store_whole(workspace: Settings, batches: tuple[Path, Path, int],
                                              tmp_path: Path, stage: str) -> None:
    first, second, expected = batches
    assert workspace.records_location("parquet").startswith("parquet:")
    with open_record_store(workspace, "parquet") as store:
        ingest_files(store, "dossiers", [first])
        before = state(store, "dossiers")
    _kill_at(workspace, stage, second, tmp_path)

    with open_record_store(workspace, "parquet") as store:
        folder = store.dataset_folder("dossiers")  # type: ignore[attr-defined]
        listed = {p.relative_to(folder).as_posix()
                  for p in store.current_files("dossiers")}  # type: ignore[attr-defined]
        assert _files_on_disk(workspace) == listed  # leftovers of the killed process removed
        if stage == "files-written":  # killed before the switch: nothing of the batch
            assert state(store, "dossiers") == before
            assert [b.id for b in store.batches("dossiers")] == [1]
            ingest_files(store, "dossiers", [second])  # and the batch applies cleanly later
        count, _, last = state(store, "dossiers")
        assert count == expected
        assert last == 2
        [_, batch] = store.batches("dossiers")
        assert (batch.rows, batch.replaced) == (100, 40)
        assert store.touched_months("dossiers", 1) == {"2025-10", "2025-11", "2025-12"} & \
            set(batch.months)
        assert "2025-12" in store.touched_months("dossiers", 1)

"""Batches taken in at the same time by one process (the API's threads, the drop folder's
watcher) are applied one after the other: each is accepted whole, with its own batch number,
whether the store was opened before or is opened by them for the first time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from records_helpers import write

from sodo.domain.orgunits import default_hierarchy
from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.quality.intake import warner
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.records.base import writer_lock
from sodo.stores.records.parquet_store import ParquetRecordStore

BATCHES = 3
ROWS = 20_000


def _files(folder: Path, suffix: str) -> list[Path]:
    files = []
    for i in range(BATCHES):
        table = generate_table("dossiers", ROWS, "2024-01", "2025-12", seed=60 + i)
        keys = pc.binary_join_element_wise(pa.scalar(f"T{i}-"), table["dossier_id"], "")
        table = table.set_column(table.column_names.index("dossier_id"), "dossier_id", keys)
        files.append(write(table, folder / f"batch{i}{suffix}"))
    return files


@pytest.mark.parametrize("backend", ["duckdb", "parquet"])
@pytest.mark.parametrize("opened_before", [True, False])
def test_batches_at_the_same_time_are_each_applied(tmp_path: Path, backend: str,
                                                    opened_before: bool) -> None:
    ws = init_workspace(tmp_path / "ws")
    files = _files(tmp_path, ".parquet" if backend == "duckdb" else ".csv")
    if opened_before:
        open_record_store(ws, backend).close()
    warn = warner(ws.programme_path(), default_hierarchy())
    start = threading.Barrier(BATCHES)
    outcome: dict[int, Any] = {}

    def take(i: int) -> None:
        try:
            start.wait()
            with open_record_store(ws, backend) as store:
                [batch] = ingest_files(store, "dossiers", [files[i]], warn=warn)
            outcome[i] = batch
        except Exception as exc:  # reported below, per thread
            outcome[i] = exc

    threads = [threading.Thread(target=take, args=(i,)) for i in range(BATCHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = {i: o for i, o in outcome.items() if isinstance(o, Exception)}
    assert not failed, failed
    assert sorted(b.id for b in outcome.values()) == list(range(1, BATCHES + 1))
    assert [outcome[i].inserted for i in range(BATCHES)] == [ROWS] * BATCHES
    with open_record_store(ws, backend) as store:
        assert store.count("dossiers") == ROWS * BATCHES
        assert sorted(b.id for b in store.batches("dossiers")) == list(range(1, BATCHES + 1))
        assert sum(b.rows for b in store.batches("dossiers")) == ROWS * BATCHES


def _in_thread(work: Callable[[], Any], timeout: float = 60) -> Any:
    """``work()`` run by another thread, which must be done within ``timeout`` seconds."""
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(work()))
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the other thread is still waiting"
    return done[0]


def _count(ws: Settings, backend: str) -> int:
    with open_record_store(ws, backend) as store:
        return store.count("dossiers")


def test_a_store_opened_while_a_batch_is_staged_reads_without_waiting(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    [file, *_] = _files(tmp_path, ".parquet")
    with open_record_store(ws) as writer:
        writer.stage_in_store("dossiers", [f"SELECT * FROM read_parquet('{file}')"])
        # the batch is not committed: another store reads the records as they were
        assert _in_thread(lambda: _count(ws, "duckdb")) == 0
        writer.discard_staged()
    with open_record_store(ws) as store:
        [batch] = ingest_files(store, "dossiers", [file])
    assert batch.id == 1 and _in_thread(lambda: _count(ws, "duckdb")) == ROWS


def test_a_parquet_store_opened_while_a_batch_is_written_leaves_its_files(
        tmp_path: Path) -> None:
    """Opening the Parquet store recovers it from a crash (removes the files no manifest
    lists), but not while a batch of this process is being written: those are its files."""
    ws = init_workspace(tmp_path / "ws")
    with open_record_store(ws, "parquet") as store:
        assert isinstance(store, ParquetRecordStore)
        folder, work = store.folder, store.dataset_folder("dossiers") / ".batch-7-inflight"
    work.mkdir(parents=True)
    with writer_lock(folder):
        assert _in_thread(lambda: _count(ws, "parquet")) == 0
        assert work.exists()
    assert _in_thread(lambda: _count(ws, "parquet")) == 0
    assert not work.exists()  # nobody is writing: a crash's leftovers, removed

"""Synthetic records written as a Parquet file and ingested into a workspace's record store:
the set-up several engine and quality tests share."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings


def ingest_generated(ws: Settings, dataset: str, rows: int, start: str, end: str, seed: int,
                     folder: Path, backend: str | None = None) -> None:
    """``rows`` generated records of ``dataset`` dated ``start``..``end`` (months), ingested."""
    path = folder / f"{dataset}-{seed}.parquet"
    pq.write_table(generate_table(dataset, rows, start, end, seed=seed), path)
    with open_record_store(ws, backend) as store:
        ingest_files(store, dataset, [path])

"""Fixtures of the quality tests: an empty record store on DuckDB and on PostgreSQL, with the
shipped datasets and a small test dataset whose records reference dossiers."""

from __future__ import annotations

import itertools
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sodo.domain.datasets import Dataset
from sodo.services.datasets import load_datasets
from sodo.stores.records.base import RecordStore
from sodo.stores.records.registry import open_store

sys.path.insert(0, str(Path(__file__).parent))

PG_URL = os.environ.get("SODO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SESSION = uuid.uuid4().hex[:8]
_numbers = itertools.count()

COMPLAINTS = Dataset.model_validate({
    "code": "complaints", "name": "Khiếu nại về hồ sơ", "key": "complaint_id",
    "period_field": "received_at", "orgunit_field": "agency_code",
    "fields": [
        {"name": "complaint_id", "type": "str", "required": True},
        {"name": "agency_code", "type": "str", "required": True, "references": "orgunit"},
        {"name": "received_at", "type": "timestamp", "required": True},
        {"name": "dossier_id", "type": "str", "references": "dossiers.dossier_id"},
    ],
})


def datasets() -> dict[str, Dataset]:
    return {**load_datasets(None), "complaints": COMPLAINTS}


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_store(request: pytest.FixtureRequest, tmp_path: Path
               ) -> Iterator[Callable[[], RecordStore]]:
    """``make_store()`` opens a new, empty store on the test's backend."""
    opened: list[RecordStore] = []

    def make() -> RecordStore:
        n = next(_numbers)
        if request.param == "duckdb":
            store = open_store(f"duckdb:///{tmp_path}/records-{n}.duckdb", datasets())
        else:
            store = open_store(f"{PG_URL}?schema=t_quality_{SESSION}_{n}", datasets())
        opened.append(store)
        return store

    yield make
    for store in opened:
        if store.backend_name == "postgres":
            store.drop()  # type: ignore[attr-defined]
        store.close()

"""The scorecard's scans run with the record engine's working memory bounded (DuckDB spills
its hash aggregates to disk beyond it), and the store's own limit comes back afterwards."""

from __future__ import annotations

from pathlib import Path

from sodo.services.datasets import load_datasets
from sodo.stores.records.registry import open_store


def _limit(store) -> str:  # type: ignore[no-untyped-def]
    return store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_duckdb_memory_limit_is_lowered_within_the_block_and_restored(tmp_path: Path) -> None:
    store = open_store(f"duckdb:///{tmp_path}/records.duckdb", load_datasets(None))
    try:
        before = _limit(store)
        with store.memory_limit("1GB"):
            assert _limit(store) == "953.6 MiB"  # DuckDB shows 10^9 bytes in GiB units
            assert store.table("dossiers").count().execute() == 0  # the store still works
        assert _limit(store) == before
        with store.memory_limit(None):
            assert _limit(store) == before
    finally:
        store.close()

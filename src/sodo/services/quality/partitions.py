"""The record checks' partitions kept in the workspace, so a scorecard after a batch rescans
only the months the batch touched.

``.sodo/quality/<dataset>.counts.parquet`` and ``<dataset>.examples.parquet`` hold a dataset's
:class:`~sodo.services.quality.records.Partitions` (per agency × month: records, newest record,
failures of each record check, first examples); ``state.json`` says, per dataset, the newest
batch they reflect, the store they were read from and a fingerprint of what was checked (the
checks as configured, the dataset's declaration, the org-unit list). :func:`current` brings a
dataset's partitions up to date:

- all months are scanned when there are none yet, when the fingerprint or the store differs,
  when the store was reset (its newest batch is older than the one recorded), when a dataset
  the records reference got new batches (a dangling reference may now resolve), or on
  ``full``;
- otherwise only the months touched by the batches since (``_batch_months``: the new records'
  months and those of the versions they replaced) are rescanned and put in place of theirs.

Without a workspace folder (a context made for a database alone) nothing is kept: every run
scans all months.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sodo.domain.datasets import Dataset
from sodo.domain.orgunits import Hierarchy
from sodo.domain.quality import CheckDefinition
from sodo.services.quality.records import EXAMPLES_SCHEMA, Partitions
from sodo.stores.records.base import RecordStore

#: Bump when what a partition holds or how a check is compiled changes.
VERSION = 2
#: The record engine's working memory while it scans (DuckDB: its hash aggregates over every
#: record spill to disk beyond it), so a scorecard over 20 M records stays under 3 GiB.
SCAN_MEMORY = "2GB"


@dataclass(frozen=True)
class Refresh:
    """What :func:`current` did for one dataset."""

    dataset: str
    mode: str  # full | incremental | cached
    months: list[int]
    seconds: float = 0.0


def fingerprint(ds: Dataset, checks: Sequence[CheckDefinition], hierarchy: Hierarchy) -> str:
    payload = {"version": VERSION, "dataset": ds.model_dump(mode="json"),
               "checks": [c.model_dump(mode="json") for c in checks],
               "units": sorted((u.code, str(u.valid_from), str(u.valid_to)) for u in hierarchy)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()
                          ).hexdigest()[:24]


class PartitionCache:
    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.state_file = root / "state.json" if root is not None else None
        self._memory: dict[str, Partitions] = {}

    def state(self) -> dict[str, Any]:
        if self.state_file is None or not self.state_file.exists():
            return {}
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def load(self, dataset: str) -> Partitions | None:
        if dataset in self._memory:
            return self._memory[dataset]
        if self.root is None:
            return None
        counts = self.root / f"{dataset}.counts.parquet"
        examples = self.root / f"{dataset}.examples.parquet"
        if not counts.exists() or not examples.exists():
            return None
        try:
            # ParquetFile, not read_table: that one loads pyarrow.dataset (and pandas)
            table = pq.ParquetFile(counts).read()
            codes = json.loads((table.schema.metadata or {}).get(b"codes", b"[]"))
            return Partitions(codes, table.replace_schema_metadata(None),
                              pq.ParquetFile(examples).read().cast(EXAMPLES_SCHEMA))
        except (OSError, ValueError, pa.ArrowException):
            return None

    def save(self, dataset: str, parts: Partitions, entry: dict[str, Any]) -> None:
        self._memory[dataset] = parts
        if self.root is None or self.state_file is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        counts = parts.counts.replace_schema_metadata({"codes": json.dumps(parts.codes)})
        for name, table in ((f"{dataset}.counts.parquet", counts),
                            (f"{dataset}.examples.parquet", parts.examples)):
            tmp = self.root / f".{name}.tmp"
            pq.write_table(table, tmp)
            os.replace(tmp, self.root / name)
        state = self.state()
        state[dataset] = entry
        tmp = self.root / ".state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_file)


def _month_ids(months: Sequence[str]) -> list[int]:
    return sorted({int(m[:4]) * 100 + int(m[5:7]) for m in months})


def current(cache: PartitionCache, records: RecordStore, ds: Dataset,
            checks: Sequence[CheckDefinition], hierarchy: Hierarchy, store_key: str,
            full: bool = False) -> tuple[Partitions, Refresh]:
    """The dataset's partitions, brought up to date (see the module doc)."""
    import time

    began = time.perf_counter()
    last = records.last_batch_id()  # read before scanning: a batch arriving meanwhile is
    #                                 rescanned next time (harmless), never missed
    print_ = fingerprint(ds, checks, hierarchy)
    entry = cache.state().get(ds.code) or {}
    old = cache.load(ds.code)
    since = entry.get("last_batch_id")
    referenced = sorted({f.references.split(".", 1)[0] for f in ds.fields
                         if f.references and "." in f.references})
    stale = (full or old is None or entry.get("fingerprint") != print_
             or entry.get("store") != store_key
             or (since is not None and (last is None or last < since))
             or (since is None and last is not None))
    if not stale and last != since:
        stale = any(records.touched_months(other, since) for other in referenced
                    if other in records.datasets)
    new_entry = {"fingerprint": print_, "store": store_key, "last_batch_id": last}
    if stale:
        with records.memory_limit(SCAN_MEMORY):
            parts = _scan(cache, records, ds, checks, hierarchy, print_, None)
        cache.save(ds.code, parts, new_entry)
        return parts, Refresh(ds.code, "full", parts.months(), time.perf_counter() - began)
    assert old is not None
    months = _month_ids(sorted(records.touched_months(ds.code, since))) if last != since else []
    if not months:
        if last != since:
            cache.save(ds.code, old, new_entry)
        return old, Refresh(ds.code, "cached", [], time.perf_counter() - began)
    with records.memory_limit(SCAN_MEMORY):
        fresh = _scan(cache, records, ds, checks, hierarchy, print_, months)
    parts = old.replace(fresh, months)
    cache.save(ds.code, parts, new_entry)
    return parts, Refresh(ds.code, "incremental", months, time.perf_counter() - began)


def _scan(cache: PartitionCache, records: RecordStore, ds: Dataset,
          checks: Sequence[CheckDefinition], hierarchy: Hierarchy, print_: str,
          months: Sequence[int] | None) -> Partitions:
    """The partitions of ``months`` (or all). Records in DuckDB run the SQL Ibis compiled for
    the checks, kept in the workspace (:class:`~sodo.services.quality.scan.CachedRunner`:
    a scan whose queries are all cached imports no Ibis); other stores run Ibis."""
    from sodo.services.engine.sql_cache import MEMORY, SqlCache
    from sodo.services.quality.scan import CachedRunner, scan

    source = records.duckdb_relation(ds.code)
    referenced = sorted({f.references.split(".", 1)[0] for f in ds.fields
                         if f.references and "." in f.references})
    others = {other: records.duckdb_relation(other) for other in referenced
              if other in records.datasets}
    if source is None or any(o is None for o in others.values()):
        from sodo.services.quality.compiled import scan_partitions  # Ibis

        return scan_partitions(records.table(ds.code), ds, checks, hierarchy, records.table,
                               months=months)
    con, columns = source
    parts = {"query": "quality", "backend": records.backend_name, "fingerprint": print_,
             "columns": columns,
             "references": {k: v[1] for k, v in others.items() if v is not None}}

    def builder(wanted: Sequence[int] | None) -> object:
        from sodo.services.quality.compiled import Builder

        backend = records.ibis()
        return Builder(records.table(ds.code), ds, checks, hierarchy, records.table, wanted,
                       backend.compile)

    sql = SqlCache(cache.root / "sql") if cache.root is not None else MEMORY
    return scan(CachedRunner(con, sql, parts, months, builder, _by_month(records, ds.code)),
                ds, checks, hierarchy)


def _by_month(records: RecordStore, dataset: str) -> bool:
    """Whether a query of one month reads only that month's records: files by month
    (Parquet), or a DuckDB table clustered by its period field (zone maps). A DuckDB table of
    an earlier version, in arrival order, would be read whole by every month's query."""
    if records.backend_name == "parquet":
        return True
    from sodo.stores.records.duckdb_store import LAYOUT, DuckDBRecordStore

    return isinstance(records, DuckDBRecordStore) and records.layout(dataset) == LAYOUT

"""Writing sample tables to files in every input format, and reading a store back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from openpyxl import Workbook

from sodo.stores.records.base import RecordStore


def write(table: pa.Table, path: Path) -> Path:
    """Write ``table`` as CSV, Parquet, NDJSON or Excel according to the extension."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(table, path)
    fmt = {".csv": "csv, HEADER true", ".parquet": "parquet",
           ".ndjson": "json"}[suffix]
    con = duckdb.connect()
    con.register("t", table)
    con.execute(f"COPY (SELECT * FROM t) TO '{path}' (FORMAT {fmt})")
    con.close()
    return path


def write_xlsx(table: pa.Table, path: Path, merge_header: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(table.column_names)
    for row in table.to_pylist():
        sheet.append([_cell(v) for v in row.values()])
    if merge_header:
        sheet.merge_cells(merge_header)
    book.save(path)
    return path


def _cell(value: Any) -> Any:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def rows_of(store: RecordStore, dataset: str) -> list[dict[str, Any]]:
    key = store.dataset(dataset).key
    return store.table(dataset).order_by(key).to_pyarrow().to_pylist()


def rows_of_table(table: pa.Table, key: str) -> list[dict[str, Any]]:
    return table.sort_by(key).to_pylist()


def state(store: RecordStore, dataset: str) -> tuple[int, str, int | None]:
    """What must not change when a file is rejected: count, checksum, last batch."""
    return store.count(dataset), store.checksum(dataset), store.last_batch_id()

"""Hand-made dossiers for the quality tests, and writing them into a record store as they are
(bypassing intake, which would refuse some of the defects the checks must find)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pyarrow as pa

from sodo.services.generate import generate_table
from sodo.stores.records.base import RecordStore


def clean_dossier(key: str, agency: str, received: datetime, **changes: Any) -> dict[str, Any]:
    row = {
        "dossier_id": key, "procedure_code": "1.000001", "agency_code": agency,
        "received_at": received, "due_at": received + timedelta(days=10),
        "finished_at": received + timedelta(days=3), "status": "finished",
        "channel": "online_full", "eligible_full_online": True, "fee_required": True,
        "paid_online": True, "supplement_count": 0, "supplement_days": 0.0,
        "result_is_document": True, "e_result": True, "digitized": True, "reused_data": False,
        "from_data_store": False, "population_db": True, "synced_on_time": True,
        "rating": None, "has_feedback": False,
    }
    row.update(changes)
    return row


def dossiers_table(rows: list[dict[str, Any]]) -> pa.Table:
    schema = generate_table("dossiers", 1, "2025-01", "2025-01", seed=1).schema
    return pa.Table.from_pylist(rows, schema=schema)


def put_records(store: RecordStore, dataset: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into the store's table of ``dataset`` exactly as given."""
    ds = store.dataset(dataset)
    table = dossiers_table(rows) if dataset == "dossiers" else pa.Table.from_pylist(rows)
    cols = ", ".join(f'"{n}"' for n in ds.field_names)
    if store.backend_name == "duckdb":
        con = store.con  # type: ignore[attr-defined]
        con.register("_quality_rows", table)
        con.execute(f'INSERT INTO "{ds.code}" ({cols}) SELECT {cols} FROM _quality_rows')
        con.unregister("_quality_rows")
        return
    params, schema = store.params, store.schema  # type: ignore[attr-defined]
    marks = ", ".join(["%s"] * len(ds.field_names))
    with psycopg.connect(**params, autocommit=True) as con, con.cursor() as cur:
        cur.executemany(f'INSERT INTO "{schema}"."{ds.code}" ({cols}) VALUES ({marks})',
                        [[r.get(n) for n in ds.field_names] for r in table.to_pylist()])

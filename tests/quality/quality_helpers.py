"""Hand-made dossiers for the quality tests, and writing them into a record store as they are
(bypassing intake, which would refuse some of the defects the checks must find)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa

from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Actor
from sodo.services import reporting
from sodo.services.context import AppContext
from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.workspace import init_workspace
from sodo.stores.operational import values as values_repo
from sodo.stores.records.base import RecordStore

#: a procedure of the shipped catalogue (programmes/default/catalogues/procedures.csv)
PROCEDURE = "2.000037"


def clean_dossier(key: str, agency: str, received: datetime, **changes: Any) -> dict[str, Any]:
    row = {
        "dossier_id": key, "procedure_code": PROCEDURE, "agency_code": agency,
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


TODAY = date(2026, 1, 5)
FORM = "BC-CDS-TINH-QUY"
ADMIN = Actor.system("test")
# unit: (electronic_work_files_share, reported online use, computed online share, on time)
REPORTS = {"01": (50, 40, 41, True), "79": (52, 40, 60, True), "04": (49, 30, 31, True),
           "08": (51, 35, 36, True), "11": (99, 20, 22, True), "12": (50, 25, 25, False)}


def build_scored_workspace(root: Path) -> Path:
    """A workspace with six provinces' approved 2025Q3 reports on the quarterly form (one an
    outlier, one late, one disagreeing with its computed value), computed values, and a few
    dossiers of Hà Nội (01, clean) and Tuyên Quang (08, with defects)."""
    settings = replace(init_workspace(root), today=TODAY)
    with AppContext(settings) as ctx, ctx.session() as session:
        for unit, (files, used, _, on_time) in REPORTS.items():
            values = [ValueInput("electronic_work_files_share", files),
                      ValueInput("online_public_service_usage_rate", used),
                      ValueInput("electronic_result_share", 30),
                      ValueInput("households_fibre_share", 80)]
            sub = reporting.save_draft(session, ADMIN, FORM, unit, "2025Q3", values,
                                       today=date(2025, 9, 15))
            reporting.submit(session, ADMIN, sub.id,
                             today=date(2025, 9, 16) if on_time else date(2025, 10, 20))
            reporting.approve(session, ADMIN, sub.id)
        session.commit()
        values_repo.add_values(ctx.engine, [
            {"indicator": "dossier_online_share", "orgunit": unit, "period": "2025Q3",
             "value": float(computed), "origin": "computed", "state": "approved"}
            for unit, (_, _, computed, _) in REPORTS.items()])
    rows = [clean_dossier(f"HS-{i}", "01", datetime(2025, 9, 1 + i, 9)) for i in range(5)]
    rows += [clean_dossier(f"HS-08-{i}", "08", datetime(2025, 9, 1 + i, 10)) for i in range(5)]
    rows[5]["finished_at"] = rows[5]["received_at"] - timedelta(days=1)
    rows[6]["paid_online"], rows[6]["fee_required"] = True, False
    with open_record_store(settings) as store:
        put_records(store, "dossiers", rows)
    return root

"""Helpers for the engine tests: hand-made records as Arrow tables, loaded into a backend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import pyarrow as pa

DOSSIER_SCHEMA = pa.schema([
    ("dossier_id", pa.string()), ("procedure_code", pa.string()), ("agency_code", pa.string()),
    ("received_at", pa.timestamp("us")), ("due_at", pa.timestamp("us")),
    ("finished_at", pa.timestamp("us")), ("status", pa.string()), ("channel", pa.string()),
    ("eligible_full_online", pa.bool_()), ("fee_required", pa.bool_()),
    ("paid_online", pa.bool_()), ("supplement_count", pa.int64()),
    ("supplement_days", pa.float64()), ("result_is_document", pa.bool_()),
    ("e_result", pa.bool_()), ("digitized", pa.bool_()), ("reused_data", pa.bool_()),
    ("from_data_store", pa.bool_()), ("population_db", pa.bool_()),
    ("synced_on_time", pa.bool_()), ("rating", pa.string()), ("has_feedback", pa.bool_()),
])
FEEDBACK_SCHEMA = pa.schema([
    ("feedback_id", pa.string()), ("agency_code", pa.string()),
    ("received_at", pa.timestamp("us")), ("deadline_at", pa.timestamp("us")),
    ("handled_at", pa.timestamp("us")), ("state", pa.string()), ("satisfied", pa.bool_()),
    ("reraised", pa.bool_()),
])

FLAGS = ("eligible_full_online", "fee_required", "paid_online", "result_is_document", "e_result",
         "digitized", "reused_data", "from_data_store", "population_db", "synced_on_time",
         "has_feedback")


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class Records:
    """Builds hand-made dossiers and feedback with explicit defaults."""

    def __init__(self) -> None:
        self.dossiers: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []

    def dossier(self, agency: str, received: str, due: str, finished: str | None = None, *,
                status: str | None = None, channel: str = "offline", supplement_count: int = 0,
                supplement_days: float = 0.0, rating: str | None = None,
                **flags: bool) -> None:
        unknown = set(flags) - set(FLAGS)
        assert not unknown, unknown
        row = {
            "dossier_id": f"D{len(self.dossiers) + 1:05d}", "procedure_code": "1.000001",
            "agency_code": agency, "received_at": ts(received), "due_at": ts(due),
            "finished_at": ts(finished),
            "status": status or ("finished" if finished else "in_progress"),
            "channel": channel, "supplement_count": supplement_count,
            "supplement_days": supplement_days, "rating": rating,
        }
        row.update({f: bool(flags.get(f, False)) for f in FLAGS})
        self.dossiers.append(row)

    def feedback_item(self, agency: str, received: str, deadline: str,
                      handled: str | None = None, *, satisfied: bool | None = None,
                      reraised: bool = False) -> None:
        self.feedback.append({
            "feedback_id": f"F{len(self.feedback) + 1:05d}", "agency_code": agency,
            "received_at": ts(received), "deadline_at": ts(deadline), "handled_at": ts(handled),
            "state": "handled" if handled else "open", "satisfied": satisfied,
            "reraised": reraised,
        })

    def tables(self) -> dict[str, pa.Table]:
        return {
            "dossiers": pa.Table.from_pylist(self.dossiers, schema=DOSSIER_SCHEMA),
            "feedback": pa.Table.from_pylist(self.feedback, schema=FEEDBACK_SCHEMA),
        }


def value_of(values: pd.DataFrame, code: str, unit: str, period: str, column: str = "value"
             ) -> float | None:
    """The stored number of one row; fails when the row does not exist."""
    rows = values[(values["indicator"] == code) & (values["orgunit"] == unit)
                  & (values["period"] == period)]
    assert len(rows) == 1, f"expected one row for {code} {unit} {period}, found {len(rows)}"
    number = rows.iloc[0][column]
    return None if pd.isna(number) else float(number)

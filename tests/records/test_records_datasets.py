"""Dataset declarations: the shipped ones carry exactly the canonical fields of issue 3, and a
broken declaration is reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sodo.domain.problems import InputError
from sodo.services.datasets import get_dataset, load_datasets

DOSSIER_FIELDS = [
    "dossier_id", "procedure_code", "agency_code", "received_at", "due_at", "finished_at",
    "status", "channel", "eligible_full_online", "fee_required", "paid_online",
    "supplement_count", "supplement_days", "result_is_document", "e_result", "digitized",
    "reused_data", "from_data_store", "population_db", "synced_on_time", "rating", "has_feedback",
]
FEEDBACK_FIELDS = ["feedback_id", "agency_code", "received_at", "deadline_at", "handled_at",
                   "state", "satisfied", "reraised"]


def test_shipped_declarations() -> None:
    datasets = load_datasets()
    assert sorted(datasets) == ["dossiers", "feedback"]
    dossiers, feedback = datasets["dossiers"], datasets["feedback"]
    assert dossiers.field_names == DOSSIER_FIELDS
    assert feedback.field_names == FEEDBACK_FIELDS
    assert (dossiers.key, feedback.key) == ("dossier_id", "feedback_id")
    assert dossiers.field("status").allowed == [
        "received", "in_progress", "supplement_requested", "finished", "returned", "stopped",
        "refused", "withdrawn"]
    assert dossiers.field("channel").allowed == ["offline", "online_partial", "online_full",
                                                 "postal"]
    assert dossiers.field("rating").allowed == ["satisfied", "unsatisfied"]
    assert not dossiers.field("finished_at").required
    assert not feedback.field("handled_at").required
    assert not feedback.field("satisfied").required
    types = {f.name: str(f.type) for f in dossiers.fields}
    assert types["received_at"] == "timestamp" and types["supplement_days"] == "float"
    assert types["supplement_count"] == "int" and types["e_result"] == "bool"
    assert dossiers.field("agency_code").references == "orgunit"


def test_workspace_programme_has_its_own_copy(tmp_path: Path) -> None:
    from sodo.services.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws")
    assert (ws.programme_dir / "datasets" / "dossiers.yaml").exists()
    assert load_datasets(ws.programme_path())["dossiers"].field_names == DOSSIER_FIELDS


def test_broken_declaration_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        "dataset:\n  code: x\n  name: X\n  key: id\n  period_field: at\n  orgunit_field: unit\n"
        "  fields:\n    - {name: id, type: str}\n    - {name: at, type: timestmp}\n"
        "    - {name: unit, type: str}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_datasets(tmp_path)
    [problem] = err.value.problems
    assert problem.file.endswith("x.yaml") and problem.line == 9
    assert "fields.1.type" in problem.message


def test_unknown_dataset() -> None:
    with pytest.raises(InputError, match="unknown dataset 'nope'"):
        get_dataset("nope")

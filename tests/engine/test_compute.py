"""The compute service against a real workspace: records ingested into the record store, values
written to the operational store, incremental recompute after a new batch, the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from pathlib import Path

import pytest
from generated import ingest_generated as _ingest
from sqlalchemy import select, text
from typer.testing import CliRunner

from sodo.cli.main import app
from sodo.domain.problems import InputError
from sodo.services.engine.compute import compute
from sodo.services.engine.definitions import load_engine_config
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine, metadata
from sodo.stores.operational.values import read_values, replace_computed_values, start_run

PG_URL = os.environ.get("SODO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _same(a: dict, b: dict) -> bool:
    """Same keys and the same value, numerator, denominator (floats to 1e-9)."""
    if a.keys() != b.keys():
        return False
    for key, left in a.items():
        for x, y in zip(left[:3], b[key][:3], strict=True):
            if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-9):
                return False
    return True


def _stored(ws: Settings) -> dict[tuple[str, str, str], tuple]:
    engine = make_engine(ws.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(
                indicator_value.c.indicator, indicator_value.c.orgunit, indicator_value.c.period,
                indicator_value.c.value, indicator_value.c.numerator,
                indicator_value.c.denominator, indicator_value.c.run_id)
                .where(indicator_value.c.origin == "computed")).all()
    finally:
        engine.dispose()
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


@pytest.fixture
def workspace(tmp_path: Path) -> Settings:
    ws = init_workspace(tmp_path / "ws")
    _ingest(ws, "dossiers", 3000, "2025-01", "2025-06", 1, tmp_path)
    _ingest(ws, "feedback", 400, "2025-01", "2025-06", 2, tmp_path)
    return ws


def test_full_run_stores_values_with_provenance(workspace: Settings) -> None:
    run = compute(workspace)
    assert run.mode == "full"
    assert run.record_count == 3400
    stored = _stored(workspace)
    assert len(stored) == run.value_count
    value, numerator, denominator, run_id = stored[("dossier_count", "VN", "2025S1")]
    assert value == numerator == 3000 and denominator is None and run_id == run.id
    # commune values are not stored by default; provinces and ministries are
    assert not any(len(k[1]) == 5 and k[1].isdigit() for k in stored)
    assert any(k[0] == "svc766_total" and k[1] == "01" for k in stored)
    engine = make_engine(workspace.database_url)
    with engine.connect() as conn:
        row = conn.execute(select(compute_run).where(compute_run.c.id == run.id)).one()
    engine.dispose()
    assert row.backend == "duckdb" and row.status == "done" and row.record_count == 3400
    assert "2025Q2" in json.loads(row.periods)
    assert "svc766_rank" in json.loads(row.indicators)


def test_incremental_run_recomputes_only_touched_periods(workspace: Settings,
                                                         tmp_path: Path) -> None:
    first = compute(workspace)
    assert compute(workspace).mode == "up-to-date"
    _ingest(workspace, "dossiers", 500, "2025-03", "2025-03", 9, tmp_path)
    second = compute(workspace)
    assert second.mode == "incremental"
    assert set(second.periods) >= {"2025-03", "2025Q1", "2025S1", "2025"}
    assert "2025-05" not in second.periods and "2025Q2" not in second.periods
    after = _stored(workspace)
    assert after[("dossier_count", "VN", "2025-05")][-1] == first.id  # untouched
    assert after[("dossier_count", "VN", "2025-03")][-1] == second.id
    # identical to recomputing everything from scratch
    full = compute(workspace, full=True)
    again = _stored(workspace)
    assert _same(again, after)
    assert full.record_count > 3400


def test_period_option_recomputes_that_period(workspace: Settings) -> None:
    compute(workspace)
    run = compute(workspace, periods=["2025-02"])
    assert run.mode == "periods"
    assert sorted(run.periods) == ["2025", "2025-02", "2025Q1", "2025S1"]


def test_query_values_dhis2_style_org_units(workspace: Settings) -> None:
    from sqlalchemy.orm import Session

    from sodo.domain.permissions import Actor
    from sodo.services import values as value_service
    from sodo.stores.operational.tables import make_engine

    compute(workspace)
    engine = make_engine(workspace.database_url)

    def rows(dx: str, pe: str, ou: str) -> list[dict]:
        with Session(engine) as session:
            query = value_service.parse_query(session, dx, pe, ou, allow_all=True)
            return value_service.query_values(session, Actor.cli(), query)[0]

    provinces = rows("svc766_total", "2025Q1", "VN;LEVEL-province")
    assert provinces and all(len(r["orgunit"]) == 2 for r in provinces)
    assert all(r["period"] == "2025Q1" and r["indicator"] == "svc766_total" for r in provinces)
    children = value_service.parse_orgunits("CHILDREN-VN")
    assert "01" in children and "BTC" in children and "VN" not in children
    named = rows("dossier_count", "2025", "Hà Nội")
    assert [r["orgunit"] for r in named] == ["01"]
    every_period = rows("dossier_count", "", "01")
    assert {r["period"] for r in every_period} >= {"2025", "2025Q1", "2025-01"}
    with pytest.raises(InputError, match="unknown level"):
        value_service.parse_orgunits("LEVEL-district")
    engine.dispose()


def test_cli_compute_and_values(workspace: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["compute", "-w", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert "full" in result.output
    result = runner.invoke(app, ["values", "-w", str(workspace.root), "--indicator",
                                 "dossier_full_online_share", "--period", "2025Q1",
                                 "--level", "nation", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    # the CSV carries the JSON's keys, in the JSON's order
    assert lines[0] == ("indicator,orgunit,period,category,value,numerator,denominator,"
                        "origin,state,provisional,estimate,source")
    row = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    assert (row["indicator"], row["orgunit"], row["period"]) == (
        "dossier_full_online_share", "VN", "2025Q1")
    assert abs(float(row["value"]) - 100 * float(row["numerator"]) / float(row["denominator"])
               ) < 0.006


def test_cli_errors_exit_1_without_traceback(workspace: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["compute", "-w", str(workspace.root), "--backend", "oracle"])
    assert result.exit_code == 1
    assert "unknown compute backend" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["values", "-w", str(workspace.root), "-i", "x", "-p", "2025Q7"])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_bad_definition_names_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "programme"
    (folder / "computed").mkdir(parents=True)
    (folder / "computed" / "bad.yaml").write_text(
        "computed:\n"
        "  - code: ok_count\n"
        "    dataset: dossiers\n"
        "    value: count\n"
        "  - code: bad_rate\n"
        "    dataset: dossiers\n"
        "    value: ratio\n"
        "    numerator: {field: channel, like: online}\n"
        "    denominator: all\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_engine_config(folder)
    problem = caught.value.problems[0]
    assert problem.file.endswith("bad.yaml") and problem.line == 8
    assert "like" in problem.message and problem.object == "bad_rate"


def test_unknown_field_in_definition_is_a_clear_error(tmp_path: Path,
                                                      workspace: Settings) -> None:
    computed = workspace.programme_dir / "computed" / "extra.yaml"
    computed.write_text("computed:\n  - code: x_count\n    dataset: dossiers\n"
                        "    value: count\n    filter: {field: colour, is: true}\n",
                        encoding="utf-8")
    with pytest.raises(InputError, match="colour"):
        compute(workspace)


def test_is_true_on_a_text_field_is_a_clear_error(workspace: Settings) -> None:
    computed = workspace.programme_dir / "computed" / "extra.yaml"
    computed.write_text("computed:\n  - code: x_count\n    dataset: dossiers\n"
                        "    value: count\n    filter: {field: channel, is: true}\n",
                        encoding="utf-8")
    with pytest.raises(InputError, match="not a boolean"):
        compute(workspace)


@pytest.mark.spark
def test_spark_backend_over_the_parquet_store(tmp_path: Path) -> None:
    ws = dataclasses.replace(init_workspace(tmp_path / "ws"), record_backend="parquet")
    _ingest(ws, "dossiers", 800, "2025-01", "2025-03", 3, tmp_path)
    _ingest(ws, "feedback", 100, "2025-01", "2025-03", 4, tmp_path)
    duck = compute(ws, backend="parquet")
    expected = _stored(ws)
    spark = compute(ws, backend="spark", full=True)
    assert spark.record_count == duck.record_count == 900
    assert _same(_stored(ws), expected)


@pytest.mark.postgres
def test_bulk_write_to_postgres_operational_store() -> None:
    schema = f"t_engine_values_{uuid.uuid4().hex[:8]}"
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url)
    try:
        metadata.create_all(engine, tables=[compute_run, indicator_value])
        import pandas as pd

        frame = pd.DataFrame({
            "indicator": ["a", "a", "b"], "orgunit": ["VN", "01", "VN"],
            "period": ["2025", "2025", "2025-01"], "period_type": ["year", "year", "month"],
            "value": [50.0, None, 3.0], "numerator": [1.0, 0.0, 3.0],
            "denominator": [2.0, 0.0, None]})
        run_id = start_run(engine, "duckdb", ["2025"], ["a", "b"])
        assert replace_computed_values(engine, run_id, frame, ["a", "b"], None) == 3
        assert replace_computed_values(engine, run_id, frame.iloc[:1], ["a"], ["2025"]) == 1
        rows = read_values(engine, ["a", "b"])
        assert [(r["orgunit"], r["period"], r["value"]) for r in rows] == [
            ("VN", "2025", 50.0), ("VN", "2025-01", 3.0)]
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

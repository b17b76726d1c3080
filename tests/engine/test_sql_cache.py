"""The engine's compiled SQL kept in the workspace (``.sodo/engine/sql``): a compute whose
queries are cached imports no Ibis and stores exactly what a run compiling them stores; the
months written into a cached scan give Ibis's own SQL for them; an edited definition or a
changed record table compiles anew."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from generated import ingest_generated as _ingest
from test_compute import _stored

from sodo.services.datasets import open_record_store
from sodo.services.engine.compiler import base_aggregate
from sodo.services.engine.compute import compute, make_plans
from sodo.services.engine.definitions import load_engine_config
from sodo.services.engine.sql_cache import months_shape, substitute, template_months
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Settings:
    ws = init_workspace(tmp_path / "ws")
    _ingest(ws, "dossiers", 3000, "2025-01", "2025-08", 1, tmp_path)
    _ingest(ws, "feedback", 400, "2025-01", "2025-08", 2, tmp_path)
    return ws


def _sql_dir(ws: Settings) -> Path:
    return ws.root / ".sodo" / "engine" / "sql"


def _compute_in_a_process(ws: Settings, *args: str) -> dict:  # type: ignore[type-arg]
    """``sodo compute`` as its own process; reports its run and whether Ibis was imported."""
    code = ("import json, sys\n"
            "from sodo.cli.common import workspace_context\n"
            "from sodo.domain.permissions import Actor\n"
            "from sodo.services.records import compute_values\n"
            f"with workspace_context({str(ws.root)!r}) as ctx:\n"
            f"    run = compute_values(ctx, Actor.cli(), full={'--full' in args})\n"
            "print(json.dumps({**run.to_dict(), 'ibis': 'ibis' in sys.modules}))\n")
    env = {**os.environ, "SODO_AUTO_RECOMPUTE": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_cached_compute_imports_no_ibis_and_stores_the_same(workspace: Settings,
                                                              tmp_path: Path) -> None:
    first = _compute_in_a_process(workspace, "--full")
    assert first["ibis"] and first["mode"] == "full"  # nothing cached yet: Ibis compiles
    entries = sorted(p.name for p in _sql_dir(workspace).glob("*.json"))
    # the scan of each dataset, its roll-up, and its scan of a range of months compiled ahead
    assert len(entries) == 6
    compiled = _stored(workspace)

    again = _compute_in_a_process(workspace, "--full")
    assert not again["ibis"]
    assert again["changes"] == {"unchanged": first["values"], "inserted": 0, "deleted": 0}

    # a batch of one month, then of two months apart: scans restricted to months
    _ingest(workspace, "dossiers", 300, "2025-03", "2025-03", 7, tmp_path)
    one = _compute_in_a_process(workspace)
    # a range of months: compiled ahead by the first full run, which had Ibis loaded
    assert one["mode"] == "incremental" and not one["ibis"]
    _ingest(workspace, "dossiers", 300, "2025-04", "2025-04", 8, tmp_path)
    cached_range = _compute_in_a_process(workspace)
    assert cached_range["mode"] == "incremental" and not cached_range["ibis"]
    _ingest(workspace, "dossiers", 200, "2025-02", "2025-02", 9, tmp_path)
    _ingest(workspace, "dossiers", 200, "2025-06", "2025-06", 10, tmp_path)
    gapped = _compute_in_a_process(workspace)
    assert gapped["ibis"] and gapped["periods"] == 6  # 2025-02, 2025-06, Q1, Q2, S1, 2025
    _ingest(workspace, "dossiers", 200, "2025-01", "2025-01", 11, tmp_path)
    _ingest(workspace, "dossiers", 200, "2025-07", "2025-07", 12, tmp_path)
    assert not _compute_in_a_process(workspace)["ibis"]
    cached = _stored(workspace)

    # the same records computed with nothing cached, in this process (Ibis compiling)
    shutil.rmtree(workspace.root / ".sodo" / "engine")
    full = compute(workspace, full=True)
    assert full.changes["inserted"] == 0 and full.changes["deleted"] == 0  # identical values
    assert _stored(workspace).keys() == cached.keys()
    assert compiled.keys() <= cached.keys()


@pytest.mark.parametrize("months", [["2025-03"], ["2025-11", "2025-12"], ["2025-12", "2026-01"],
                                    ["2024-12", "2025-02"], ["2025-01", "2025-05", "2025-09"],
                                    ["2019-10", "2019-11", "2020-01"]])
def test_months_written_into_a_cached_scan_give_ibis_own_sql(workspace: Settings,
                                                             months: list[str]) -> None:
    config = load_engine_config(workspace.programme_path())
    plans = make_plans(config)
    shape = months_shape(months)
    with open_record_store(workspace) as store:
        backend = store.ibis()
        for ds, plan in plans.items():
            table = store.table(ds)
            template = backend.compile(base_aggregate(plan, table, template_months(shape)))
            assert substitute(template, shape, months) == \
                backend.compile(base_aggregate(plan, table, months))


def test_an_edited_definition_compiles_anew(workspace: Settings) -> None:
    compute(workspace)
    before = set(_sql_dir(workspace).glob("*.json"))
    path = next((workspace.programme_path() / "computed").glob("*.y*ml"))
    text = path.read_text(encoding="utf-8")
    edited = text.replace("online_full", "online_partial", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    run = compute(workspace)
    assert run.mode == "full"
    after = set(_sql_dir(workspace).glob("*.json"))
    assert after - before  # new entries for the new definitions


def test_the_parquet_store_runs_the_cached_sql_too(tmp_path: Path) -> None:
    """A Parquet record store (DuckDB over the files its manifest lists) runs the same cached
    queries: a second full run and an incremental one store what the first computed."""
    import dataclasses

    ws = dataclasses.replace(init_workspace(tmp_path / "ws"), record_backend="parquet")
    _ingest(ws, "dossiers", 2000, "2025-01", "2025-04", 1, tmp_path)
    _ingest(ws, "feedback", 300, "2025-01", "2025-04", 2, tmp_path)
    first = compute(ws, full=True)
    assert len(list(_sql_dir(ws).glob("*.json"))) == 6  # with the month scans compiled ahead
    second = compute(ws, full=True)
    assert second.changes == {"unchanged": first.value_count, "inserted": 0, "deleted": 0}
    _ingest(ws, "dossiers", 200, "2025-02", "2025-02", 3, tmp_path)
    assert compute(ws).mode == "incremental"
    after = _stored(ws)
    full = compute(ws, full=True)
    assert full.changes["inserted"] == 0 and _stored(ws).keys() == after.keys()


def test_cached_query_results_take_ibis_types_with_arrows_cast_rules() -> None:
    """Sums DuckDB makes HUGEINT or DOUBLE come back as the int64 Ibis's schema says, cast
    by DuckDB with Arrow's rules: a fractional value is an error, never rounded away."""
    import duckdb
    import pyarrow as pa

    from sodo.services.engine.sql_cache import CompiledQuery

    con = duckdb.connect()
    schema = pa.schema([("n", pa.int64()), ("seconds", pa.int64()), ("unit", pa.string())])
    sql = ("SELECT sum(x) AS n, sum(y::DOUBLE) AS seconds, u AS unit FROM (VALUES "
           "(1, 2.0, 'a'), (2, {y}, 'a')) t(x, y, u) GROUP BY u")
    got = CompiledQuery(sql.format(y="3.0"), schema).run(con)
    assert got.schema == schema and got.to_pylist() == [{"n": 3, "seconds": 5, "unit": "a"}]
    with pytest.raises(duckdb.Error, match="truncated"):
        CompiledQuery(sql.format(y="3.5"), schema).run(con)

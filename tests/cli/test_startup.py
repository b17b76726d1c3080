"""Commands import only what they use: `sodo --help` and `sodo tasks list` must not pull in
the heavy libraries (SQLAlchemy, pandas, Alembic, DuckDB, Ibis) they do not need, so they start
fast even where bytecode is never cached (PYTHONDONTWRITEBYTECODE=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SODO = Path(sys.executable).with_name("sodo")
HEAVY = ("pandas", "alembic", "duckdb", "ibis", "pyarrow", "openpyxl", "pyspark")


def _imported(args: list[str], cwd: Path) -> set[str]:
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    env.pop("SODO_WORKSPACE", None)
    proc = subprocess.run([str(SODO), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_help_imports_no_store_library(tmp_path: Path) -> None:
    names = _imported(["--help"], tmp_path)
    assert "typer" in names  # the measurement works
    assert not names & {*HEAVY, "sqlalchemy", "pydantic"}, names & {*HEAVY, "sqlalchemy"}


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_tasks_list_imports_no_engine_library(tmp_path: Path) -> None:
    names = _imported(["tasks", "list", "--format", "json"], tmp_path)
    assert not names & set(HEAVY), names & set(HEAVY)


def test_shipped_unit_files_read_the_same_with_either_parser() -> None:
    from importlib import resources

    from ruamel.yaml import YAML

    from sodo.domain.orgunits import _yaml_data

    for name in ("ministries.yaml", "provinces-63.yaml"):
        text = resources.files("sodo.data").joinpath(name).read_text(encoding="utf-8")
        assert _yaml_data(name) == YAML(typ="safe").load(text)


LIST_TASKS_IN_PROCESS = """
import contextlib, io, json, sys
from sodo.cli.main import run
sys.argv = ["sodo", "tasks", "list", "--format", "json", *sys.argv[1:]]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        run()
    except SystemExit as exc:
        assert not exc.code, exc.code
from sodo.domain.orgunits import default_hierarchy
print(json.dumps({"rows": json.loads(out.getvalue()),
                  "whole_hierarchy_built": default_hierarchy.cache_info().currsize > 0}))
"""


def _list_tasks_in_process(cwd: Path, *args: str) -> dict:
    env = dict(os.environ)
    env.pop("SODO_WORKSPACE", None)
    proc = subprocess.run([sys.executable, "-c", LIST_TASKS_IN_PROCESS, *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    return json.loads(proc.stdout.splitlines()[-1])


def test_tasks_list_names_agencies_without_the_communes(tmp_path: Path) -> None:
    """In a workspace (its programme read from the store) the leads and partners of the
    shipped tasks are agencies: naming them does not build the 3,321 communes of the whole
    hierarchy; the names are the whole hierarchy's."""
    from sodo.domain.orgunits import default_hierarchy
    from sodo.services import catalogue

    init = subprocess.run([sys.executable, "-m", "sodo", "init", str(tmp_path / "ws")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stderr[-2000:]
    tmp_path = tmp_path / "ws"
    got = _list_tasks_in_process(tmp_path)
    assert got["rows"] and not got["whole_hierarchy_built"]
    full = default_hierarchy()
    tasks = {t.id: t for t in catalogue.for_files(None).programme.tasks}
    assert {r["id"] for r in got["rows"]} == set(tasks)
    for row in got["rows"]:
        assert row["lead_names"] == [full.get(c).display_name for c in tasks[row["id"]].lead]
    by_name = _list_tasks_in_process(tmp_path, "--lead", "Bộ Công an")  # a name: every unit
    assert by_name["rows"] and by_name["whole_hierarchy_built"]
    assert all("Bộ Công an" in r["lead_names"] for r in by_name["rows"])


def test_task_naming_a_commune_is_named_from_the_whole_hierarchy() -> None:
    from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy
    from sodo.services import catalogue
    from sodo.services.tasks import task_rows

    commune = default_hierarchy().at_level(OrgUnitLevel.COMMUNE)[0]
    programme = catalogue.for_files(None).programme
    task = programme.tasks[0].model_copy(update={"lead": [commune.code]})
    rows = task_rows(programme.model_copy(update={"tasks": [task]}))
    assert rows[0]["lead_names"] == [commune.display_name]


def test_tasks_list_in_a_sqlite_workspace_imports_no_sqlalchemy(tmp_path: Path) -> None:
    """In a SQLite workspace the synced tasks are read with the standard library."""
    init = subprocess.run([str(SODO), "init", str(tmp_path / "ws")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stderr[-2000:]
    names = _imported(["tasks", "list", "--format", "json"], tmp_path / "ws")
    assert "sodo" in names and not names & {*HEAVY, "sqlalchemy"}, names & {*HEAVY, "sqlalchemy"}


def test_synced_tasks_read_without_sqlalchemy_are_the_catalogues(tmp_path: Path) -> None:
    """The standard-library reading takes the programme the catalogue takes (the one synced
    last that is not a unit's plan) and gives the same tasks; where it cannot read (no store,
    PostgreSQL) it says so and the command takes the ordinary path."""
    from datetime import UTC, datetime

    from sodo.services import catalogue
    from sodo.services.context import AppContext
    from sodo.services.settings import Settings
    from sodo.services.tasks import synced_tasks, task_rows
    from sodo.services.workspace import init_workspace
    from sodo.stores.operational.models import ProgrammeItem, ProgrammeRow
    from sodo.stores.operational.synced_items import PLAN_KIND, synced_items

    init_workspace(tmp_path / "ws")
    settings = Settings.open(tmp_path / "ws")
    with AppContext(settings) as ctx, ctx.session() as session:
        own = catalogue.current(session)
        assert own is not None
        first = own.programme.tasks[0]
        plan = ProgrammeRow(code="KH-01-2026", name="Kế hoạch của Hà Nội", data={
            "kind": PLAN_KIND}, content_hash="plan", imported_at=datetime.now(UTC))
        session.add(plan)
        session.flush()
        session.add(ProgrammeItem(programme_id=plan.id, kind="task", key="KH-1", name="x",
                                  data={**first.model_dump(mode="json"), "id": "KH-1"}))
        session.commit()
        expected = catalogue.current(session).programme.tasks
    assert [t.id for t in expected] == [t.id for t in own.programme.tasks]  # not the plan's
    read = synced_tasks(settings)
    assert read == expected
    assert task_rows(read) == task_rows(expected)
    assert task_rows(read, lead="BCA") == task_rows(expected, lead="BCA")
    assert synced_items("postgresql+psycopg://postgres@127.0.0.1/x", "task") is None
    assert synced_items(f"sqlite:///{tmp_path}/none.db", "task") is None


def _sodo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(SODO), *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def _modules(stderr: str) -> set[str]:
    """Every module a process imported (full dotted names), from ``-X importtime``."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


# What the incremental compute needs none of, once its SQL is cached: Ibis and its compiler
# (the compiled queries are kept), the ORM and its mapped classes (the run and the audit entry
# are written on Core connections), the quality service (no scorecard is stored), the
# commune tables of vietnam_provinces (the shipped hierarchy is cached in the workspace), pandas
# (the engine's frames are NumPy columns moved through DuckDB), prometheus_client (a lone command's
# counts are read by no one; see the multiprocess test below).
NOT_ON_INCREMENTAL_COMPUTE = ("ibis", "sqlglot", "pandas", "prometheus_client", "sqlalchemy.orm",
                              "sodo.stores.operational.models", "sodo.services.quality",
                              "vietnam_provinces")


def _ingest_batch(tmp_path: Path, ws: Path, seed: int, env: dict[str, str]) -> None:
    """A new 200-record batch for 2025-03, ingested without the background recompute."""
    batch = tmp_path / f"batch-{seed}.parquet"
    _sodo("generate", "dossiers", "-o", str(batch), "-n", "200", "--from", "2025-03",
          "--to", "2025-03", "--seed", str(seed), env=env)
    _sodo("ingest", "dossiers", str(batch), "-w", str(ws), "--no-recompute", env=env)


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_incremental_compute_and_quality_stay_light(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.pop("SODO_WORKSPACE", None)
    ws = tmp_path / "ws"
    _sodo("init", str(ws), env=env)
    files = {"d": tmp_path / "d.parquet", "f": tmp_path / "f.parquet"}
    _sodo("generate", "dossiers", "-o", str(files["d"]), "-n", "3000", "--from", "2025-01",
          "--to", "2025-06", env=env)
    _sodo("generate", "feedback", "-o", str(files["f"]), "-n", "300", "--from", "2025-01",
          "--to", "2025-06", env=env)
    _sodo("ingest", "dossiers", str(files["d"]), "-w", str(ws), "--no-recompute", env=env)
    _sodo("ingest", "feedback", str(files["f"]), "-w", str(ws), "--no-recompute", env=env)
    _sodo("compute", "--full", "-w", str(ws), env=env)
    import json

    # the full run compiled a month's scan ahead: the first incremental run is light too
    for seed in (1, 2):
        _ingest_batch(tmp_path, ws, seed, env)
        proc = _sodo("compute", "-w", str(ws), "--format", "json",
                     env={**env, "PYTHONPROFILEIMPORTTIME": "1"})
        run = json.loads(proc.stdout)[0]
        assert run["mode"] == "incremental" and run["values"] > 0, run
        names = _modules(proc.stderr)
        assert "duckdb" in names  # the measurement works
        heavy = {n for n in names for light in NOT_ON_INCREMENTAL_COMPUTE
                 if n == light or n.startswith(light + ".")}
        assert not heavy, (seed, sorted(heavy))
    # the values the light run wrote read back as any others
    proc = _sodo("values", "-i", "svc766_total", "-p", "2025-03", "-l", "nation", "-w", str(ws),
                 "--format", "json", env=env)
    assert json.loads(proc.stdout)

    # sodo quality after a batch: its queries cached, no Ibis, nor the commune tables
    env["SODO_TODAY"] = "2025-07-15"  # the last ended quarter, 2025Q2, holds the batches
    _sodo("quality", "-w", str(ws), "--format", "json", env=env)  # partitions, SQL kept
    for seed in (3, 4):
        _ingest_batch(tmp_path, ws, seed, env)
        proc = _sodo("quality", "-w", str(ws), "--format", "json",
                     env={**env, "PYTHONPROFILEIMPORTTIME": "1"})
    assert json.loads(proc.stdout)
    names = _modules(proc.stderr)
    heavy = {n for n in names for light in ("ibis", "sqlglot", "vietnam_provinces")
             if n == light or n.startswith(light + ".")}
    assert not heavy, sorted(heavy)


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_a_command_counts_into_the_multiprocess_metrics_folder(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set (the workers' shared folder), a command's ingest and
    compute are counted there for /metrics to serve."""
    env = dict(os.environ)
    env.pop("SODO_WORKSPACE", None)
    ws, folder = tmp_path / "ws", tmp_path / "metrics"
    folder.mkdir()
    _sodo("init", str(ws), env=env)
    counted = {**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    _ingest_batch(tmp_path, ws, 1, counted)
    _sodo("compute", "-w", str(ws), env=counted)
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(folder))
    text = generate_latest(registry).decode()
    assert 'sodo_ingest_rows_total{channel="cli",dataset="dossiers"} 200.0' in text, text
    assert 'sodo_compute_runs_total{mode="full",status="done"} 1.0' in text, text

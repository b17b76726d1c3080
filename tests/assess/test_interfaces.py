"""``sodo assess``, ``sodo assess tasks``, ``sodo rank`` as real processes, and the same through
the API over real HTTP, on one workspace with a SQLite store file."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import insert
from sqlalchemy.orm import Session

from sodo.domain.permissions import Actor
from sodo.services import catalogue
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.migrate import upgrade
from sodo.stores.operational.models import TaskUpdate
from sodo.stores.operational.tables import make_engine

from .conftest import add_values, make_programme


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("assess-ws")
    env_url = os.environ.pop("SODO_DATABASE_URL", None)  # this workspace uses its own file
    try:
        ws = init_workspace(root / "ws")
    finally:
        if env_url is not None:
            os.environ["SODO_DATABASE_URL"] = env_url
    programme = make_programme()
    doc = {"programme": {"code": programme.code, "name": programme.name},
           **{section: [item.model_dump(mode="json", exclude_defaults=True)
                        for item in getattr(programme, section)]
              for section in ("indicators", "targets", "tasks", "values")}}
    for old in ws.programme_dir.glob("*.yaml"):
        old.unlink()
    # JSON is YAML: the loader reads it as any programme file.
    (ws.programme_dir / "programme.yaml").write_text(json.dumps(doc, ensure_ascii=False),
                                                     encoding="utf-8")
    upgrade(ws.database_url)
    engine = make_engine(ws.database_url)
    with Session(engine) as session:  # the edited files become what every interface reads
        catalogue.sync(session, Actor.cli(), ws.programme_path())
        session.commit()
    add_values(engine, [
        {"indicator": "DVC", "orgunit": "VN", "period": p, "period_type": "year", "value": v}
        for p, v in (("2025", 52.0),)
    ] + [
        {"indicator": "DVC", "orgunit": code, "period": "2025", "period_type": "year",
         "value": v} for code, v in (("01", 80.0), ("79", 90.0), ("48", 80.0))
    ] + [
        {"indicator": "DVC", "orgunit": code, "period": "2024", "period_type": "year",
         "value": v} for code, v in (("01", 60.0), ("79", 50.0), ("48", 70.0))
    ])
    with engine.begin() as conn:
        conn.execute(insert(TaskUpdate.__table__), [
            {"programme": "TEST", "task": "T1", "orgunit": "BCA", "status": "done",
             "percent": 100.0, "at": datetime(2026, 1, 20, 3, tzinfo=UTC)}])
    engine.dispose()
    return ws.root


def sodo(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SODO_DATABASE_URL"}
    env["COLUMNS"] = "200"  # a wide terminal: table cells unwrapped
    return subprocess.run([sys.executable, "-m", "sodo", *args, "--workspace", str(workspace)],
                          capture_output=True, text=True, env=env, timeout=120)


def test_assess_json_has_one_object_per_target(workspace: Path) -> None:
    result = sodo(workspace, "assess", "--as-of", "2026-03-01", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = {item["target_id"]: item for item in json.loads(result.stdout)}
    assert set(items) == {"G5-2026", "DVC-2027", "TXN-2026"}
    for item in items.values():
        assert {"target_id", "indicator", "orgunit", "deadline", "baseline", "latest",
                "latest_period", "projected", "status", "method", "components"} <= set(item)
    # DVC: baseline 2024 = 40, stored 2025 = 52: slope 12; x̂(2028) = 52 + 24 = 76;
    # LR = (76 − 40)/(80 − 40) = 0.9 → needs acceleration.
    dvc = items["DVC-2027"]
    assert (dvc["latest"], dvc["latest_period"], dvc["projected"]) == (52, "2025", 76)
    assert dvc["status"] == "needs_acceleration" and dvc["method"] == "linear"
    assert dvc["components"]["linear_ratio"] == 0.9
    assert items["TXN-2026"]["status"] == "insufficient_data"


def test_assess_table_and_csv(workspace: Path) -> None:
    table = sodo(workspace, "assess", "--as-of", "01/03/2026")
    assert table.returncode == 0, table.stderr
    assert "Cần đẩy nhanh" in table.stdout
    assert "Cần đẩy nhanh: 1 · Chưa đủ số liệu: 1 · Đúng tiến độ: 1" in table.stdout
    english = sodo(workspace, "assess", "--as-of", "2026-03-01", "--lang", "en")
    assert "Needs acceleration: 1" in english.stdout
    as_csv = sodo(workspace, "assess", "--as-of", "2026-03-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {row["target_id"] for row in rows} == {"G5-2026", "DVC-2027", "TXN-2026"}
    assert json.loads(rows[0]["components"])["as_of"] == "2026-03-01"


def test_assess_bad_input_exits_1_without_traceback(workspace: Path) -> None:
    bad_day = sodo(workspace, "assess", "--as-of", "30/02/2026")
    assert bad_day.returncode == 1 and "Traceback" not in bad_day.stderr
    assert "30/02/2026" in bad_day.stderr
    unknown = sodo(workspace, "assess", "--target", "NOPE")
    assert unknown.returncode == 1 and "no such target: NOPE" in unknown.stderr


def test_assess_tasks_and_accountability(workspace: Path) -> None:
    result = sodo(workspace, "assess", "tasks", "--as-of", "2026-02-10", "--format", "json")
    assert result.returncode == 0, result.stderr
    status = {item["task_id"]: item["status"] for item in json.loads(result.stdout)}
    assert status == {"T1": "done_on_time", "T2": "overdue", "T3": "recurring"}
    by_lead = sodo(workspace, "assess", "tasks", "--as-of", "2026-02-10", "--by-lead",
                   "--format", "json")
    rows = {row["lead"]: row for row in json.loads(by_lead.stdout)}
    assert rows["BKHCN"]["overdue"] == 1 and rows["BCA"]["done_on_time"] == 1


def test_rank_command(workspace: Path) -> None:
    result = sodo(workspace, "rank", "--indicator", "DVC", "--period", "2025", "--level",
                  "province", "--format", "json")
    assert result.returncode == 0, result.stderr
    ranked = [(r["rank"], r["orgunit"], r["change"]) for r in json.loads(result.stdout)
              if r["rank"]]
    assert ranked == [(1, "79", 2), (2, "01", 0), (2, "48", -1)]
    bad = sodo(workspace, "rank", "--indicator", "DVC", "--period", "2025", "--level", "xa")
    assert bad.returncode == 1 and "province or ministry" in bad.stderr


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[str]:
    from sodo.http.app import create_app

    app = create_app(Settings.open(workspace))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/api/v1"
    uv.should_exit = True
    thread.join(timeout=10)


def test_api_targets_tasks_rankings(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        targets = client.get("/assessment/targets", params={"as_of": "2026-03-01"})
        assert targets.status_code == 200, targets.text
        body = targets.json()
        items = {t["target_id"]: t for t in body["targets"]}
        assert items["DVC-2027"]["projected"] == 76
        assert body["counts"]["needs_acceleration"] >= 1
        english = client.get("/assessment/targets",
                             params={"as_of": "2026-03-01", "lang": "en", "target": "DVC-2027"})
        assert [t["status_label"] for t in english.json()["targets"]] == ["Needs acceleration"]

        tasks = client.get("/assessment/tasks", params={"as_of": "2026-02-10"}).json()
        assert {t["task_id"]: t["status"] for t in tasks["tasks"]}["T2"] == "overdue"
        assert any(row["lead"] == "BKHCN" and row["overdue"] == 1 for row in tasks["by_lead"])

        ranks = client.get("/rankings", params={"indicator": "DVC", "period": "2025"}).json()
        assert [r["orgunit"] for r in ranks["rows"][:3]] == ["79", "01", "48"]

        bad = client.get("/rankings", params={"indicator": "NOPE", "period": "2025"})
        assert bad.status_code in (400, 422)
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert "NOPE" in bad.json()["detail"]
        bad_day = client.get("/assessment/targets", params={"as_of": "2026-13-45"})
        assert bad_day.status_code in (400, 422)

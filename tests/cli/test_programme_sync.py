"""The programme has one source every interface reads — the store's synced copy — and an
explicit step from its files: after a YAML edit, nothing changes until ``sodo programme sync``;
``sodo programme check`` says the store is out of date; every write from the CLI is audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from server import serve
from sqlalchemy import select
from sqlalchemy.orm import Session

from sodo.http.app import create_app
from sodo.services.settings import Settings
from sodo.stores.operational.models import AuditEntry
from sodo.stores.operational.tables import make_engine

OLD = "Hoàn thiện Chương trình phát triển kinh tế số và xã hội số giai đoạn 2026-2030"


def sodo(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SODO_DATABASE_URL", "SODO_WORKSPACE")}
    return subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=180)


def task_titles(url: str) -> dict[str, str]:
    with httpx.Client(base_url=url, timeout=30) as http:
        api = {t["id"]: t["title"] for t in http.get("/api/v1/tasks",
                                                   params={"limit": 1000}).json()["items"]}
        assessed = {t["task_id"]: t["title"] for t in
                    http.get("/api/v1/assessment/tasks").json()["tasks"]}
        board = {t["task_id"]: t["title"] for g in http.get(
            "/tasks", params={"format": "json"}).json()["by_status"] for t in g["tasks"]}
    assert api == assessed == board
    return api


def test_an_edit_shows_everywhere_after_the_sync_and_not_before(tmp_path: Path) -> None:
    made = sodo("init", "ws", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "ws"
    tasks_file = root / "programme" / "tasks.yaml"
    text = tasks_file.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip().startswith("title:"))
    old_title = first.split("title:", 1)[1].strip()
    tasks_file.write_text(text.replace(first, first.replace(old_title, "Nhiệm vụ đã sửa"), 1),
                          encoding="utf-8")
    # run from inside the workspace: the CLI finds it as git finds a repository
    check = sodo("programme", "check", cwd=root / "programme")
    assert "older than the files" in check.stdout and "sodo programme sync" in check.stdout
    app = create_app(Settings.open(root))
    try:
        with serve(app) as url:
            before = task_titles(url)
            assert "Nhiệm vụ đã sửa" not in before.values()
            synced = sodo("programme", "sync", "--format", "json", cwd=root)
            assert synced.returncode == 0, synced.stderr
            assert json.loads(synced.stdout)[0]["changed"] == 1
            after = task_titles(url)
            assert "Nhiệm vụ đã sửa" in after.values()
            assert sum(1 for k in before if before[k] != after[k]) == 1
    finally:
        app.state.ctx.close()
    again = sodo("programme", "check", cwd=root)
    assert "the same as the files" in again.stdout


def test_every_write_from_the_cli_is_audited(tmp_path: Path) -> None:
    assert sodo("init", "ws", cwd=tmp_path).returncode == 0
    root = tmp_path / "ws"
    data = tmp_path / "d.parquet"
    assert sodo("generate", "dossiers", "--rows", "2000", "--out", str(data),
                cwd=root).returncode == 0
    ingested = sodo("ingest", "dossiers", str(data), cwd=root)
    assert ingested.returncode == 0, ingested.stderr
    computed = sodo("compute", cwd=root)
    assert computed.returncode == 0, computed.stderr
    added = subprocess.run([sys.executable, "-m", "sodo", "user", "add", "hn", "--role",
                            "reporter", "--orgunit", "01", "--password-stdin"],
                           input="mật khẩu đủ dài 2026\n", capture_output=True, text=True,
                           cwd=root, timeout=120)
    assert added.returncode == 0, added.stderr
    engine = make_engine(Settings.open(root).database_url)
    with Session(engine) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    engine.dispose()
    actions = [e.action for e in entries]
    assert actions[:1] == ["programme.sync"]
    assert {"records.ingest", "values.compute", "user.add"} <= set(actions)
    ingest = next(e for e in entries if e.action == "records.ingest")
    assert ingest.actor.startswith("cli:") and ingest.after["rows"] == 2000
    assert ingest.after["channel"] == "cli"

"""Fresh without a manual step: a batch posted to the API is recomputed in the background;
the answer carries the batch id and a status link that goes validated → computed with
timings; batches arriving while a computation runs coalesce into one next run; `sodo ingest`
starts the recompute as a detached process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from server import serve

from sodo.domain.permissions import Actor
from sodo.http.app import create_app
from sodo.services import accounts, recompute
from sodo.services.context import AppContext
from sodo.services.datasets import open_record_store
from sodo.services.engine.compute import compute
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.values import read_values

SODO = Path(sys.executable).with_name("sodo")


def _workspace(root: Path) -> Settings:
    ws = init_workspace(root)
    for dataset, rows, seed in (("dossiers", 400, 1), ("feedback", 60, 2)):
        path = root.parent / f"{root.name}-{dataset}.parquet"
        pq.write_table(generate_table(dataset, rows, "2025-09", "2025-10", seed=seed), path)
        with open_record_store(ws) as store:
            ingest_files(store, dataset, [path])
    compute(ws)
    return Settings(**{**ws.__dict__, "auto_recompute": True})


def _ndjson(rows: int, month: str) -> str:
    table = generate_table("dossiers", rows, month, month, seed=7)
    out = []
    for i, rec in enumerate(table.to_pylist()):
        rec["dossier_id"] = f"API-{month}-{i}"
        out.append(json.dumps(rec, default=str))
    return "\n".join(out) + "\n"


def _count(ws: Settings, period: str) -> float | None:
    with AppContext(ws) as ctx:
        rows = read_values(ctx.engine, ["dossier_count"], [period], ["VN"], "computed")
    return rows[0]["value"] if rows else None


def test_api_batch_is_recomputed_in_the_background(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    assert _count(ws, "2025-11") is None
    app = create_app(ws, include_web=False)
    with app.state.ctx.session() as session:
        accounts.create_user(session, Actor.system(), "loader", "mật khẩu đủ dài 2026", "admin")
        _, secret = accounts.create_token(session, Actor.system(), "loader", "",
                                          ["write", "admin"])
        session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
    with serve(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        began = time.monotonic()
        posted = client.post("/api/v1/datasets/dossiers/records", headers=headers,
                             content=_ndjson(300, "2025-11"))
        assert posted.status_code == 201, posted.text
        body = posted.json()
        batch = body["batch"]
        assert body["status"] == f"/api/v1/batches/{batch}"
        seen = []
        while time.monotonic() - began < 120:
            state = client.get(body["status"], headers=headers).json()
            seen.append(state["status"])
            if state["status"] in ("computed", "failed"):
                break
            time.sleep(0.2)
        assert state["status"] == "computed", state
        assert set(seen) <= {"validated", "computing", "computed"}
        assert state["run"] is not None and state["rows"] == 300
        assert all(state["steps"][k] for k in ("received", "validated", "computed"))
        assert state["seconds"]["total"] >= state["seconds"]["validation"] >= 0
        assert client.get("/api/v1/batches/999999", headers=headers).status_code == 404
        assert client.get(body["status"]).status_code == 401
        metrics = client.get("/metrics").text
        assert 'sodo_ingest_rows_total{channel="api",dataset="dossiers"} 300.0' in metrics
    assert _count(ws, "2025-11") == 300  # on the page without anyone running sodo compute
    app.state.ctx.close()


def test_batches_arriving_during_a_run_coalesce(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    with AppContext(ws) as ctx:
        infos = []
        for n, month in enumerate(("2025-11", "2025-12")):
            path = tmp_path / f"b{n}.ndjson"
            path.write_text(_ndjson(50, month), encoding="utf-8")
            with open_record_store(ws) as store:
                infos += ingest_files(store, "dossiers", [path])
            recompute.accepted(ctx, infos[-1:], "api", datetime.now(UTC))
        assert recompute.run_pending(ctx) == 1  # one run for both batches
        states = [recompute.status(ctx, b.id) for b in infos]
        assert {s["status"] for s in states} == {"computed"}
        assert len({s["run"] for s in states}) == 1
        assert recompute.run_pending(ctx) == 0  # nothing pending
    assert _count(ws, "2025-11") == 50 and _count(ws, "2025-12") == 50


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_cli_ingest_starts_the_recompute(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    path = tmp_path / "more.ndjson"
    path.write_text(_ndjson(40, "2025-11"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODO_")}
    done = subprocess.run([str(SODO), "ingest", "dossiers", str(path), "--workspace",
                           str(ws.root), "--format", "json"], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    deadline = time.monotonic() + 180
    with AppContext(ws) as ctx:
        while time.monotonic() < deadline:
            state = recompute.status(ctx, row["batch"])
            if state and state["status"] in ("computed", "failed"):
                break
            time.sleep(0.5)
    assert state is not None and state["status"] == "computed", (
        state, (ws.root / ".sodo" / "recompute.log").read_text(errors="replace")[-2000:])
    assert _count(ws, "2025-11") == 40

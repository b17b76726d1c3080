"""Health, readiness, Prometheus metrics, request ids and JSON request logs on a served app
(real HTTP on loopback), and ``sodo config show`` with secrets masked."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from server import serve
from sqlalchemy import text

from sodo.http.app import create_app
from sodo.http.operations import JsonFormatter
from sodo.services.workspace import init_workspace

SODO = Path(sys.executable).with_name("sodo")


def test_health_ready_metrics_and_request_logs(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    ws = init_workspace(tmp_path / "ws")
    app = create_app(ws, include_web=False)
    caplog.set_level(logging.INFO, logger="sodo.request")
    with serve(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["ready"] is True
        assert set(body["checks"]) == {"operational_store", "migrations", "record_store"}
        given = client.get("/api/v1/health", headers={"X-Request-ID": "test-request-0001"})
        assert given.headers["x-request-id"] == "test-request-0001"
        fresh = client.get("/api/v1/orgunits?level=province&secret=should-not-be-logged")
        assert len(fresh.headers["x-request-id"]) == 32
        assert client.get("/no/such/page").status_code == 404
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        text_ = metrics.text
        assert 'sodo_http_request_duration_seconds_bucket{le="0.005",method="GET",' \
               'route="/healthz",status="200"}' in text_
        assert 'route="/api/v1/orgunits"' in text_
        for name in ("sodo_ingest_batches_total", "sodo_ingest_rows_total",
                     "sodo_compute_runs_total", "sodo_compute_seconds",
                     "sodo_recompute_queue_depth"):
            assert f"# TYPE {name}" in text_.replace("_total counter", " counter") or \
                name in text_
        # not ready when the schema is not current
        with app.state.ctx.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["migrations"]["ok"] is False
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "sodo.request"]
    logged = [json.loads(line) for line in lines]
    mine = [e for e in logged if e["request_id"] == "test-request-0001"]
    assert mine and mine[0]["route"] == "/api/v1/health" and mine[0]["status"] == 200
    assert {"ts", "level", "method", "duration_ms", "user"} <= set(mine[0])
    assert not any("should-not-be-logged" in line for line in lines)
    assert any(e["route"] == "(unmatched)" and e["status"] == 404 for e in logged)


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODO_")}
    env.update(SODO_SECRET_KEY="very-secret-key-123",
               SODO_RECORDS_URL="postgresql://sodo:p4ssw0rd@db.example/records")
    done = subprocess.run([str(SODO), "config", "show", "--workspace", str(ws.root),
                           "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    settings = {row["setting"]: row["value"] for row in json.loads(done.stdout)}
    assert settings["workspace"] == str(ws.root)
    assert settings["records_url"] == "postgresql://sodo:***@db.example/records"
    assert settings["secret_key"] == "***"
    assert "very-secret-key-123" not in done.stdout and "p4ssw0rd" not in done.stdout

"""The store connections of ``sodo serve --workers N`` stay within one configured total
(``SODO_DB_CONNECTIONS``): 4 workers × (16 pooled + 32 overflow) used to exceed PostgreSQL's
default ``max_connections = 100`` under a burst of cache misses."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from sodo.domain.problems import InputError
from sodo.http.app import create_app
from sodo.services.context import AppContext, web_pool_shape
from sodo.services.settings import Settings


@pytest.mark.parametrize("total", [16, 64, 97, 200])
def test_workers_share_the_total(total: int) -> None:
    for workers in range(1, total // 4 + 1):
        size, overflow, threads = web_pool_shape(total, workers)
        # each worker's pool and its own connection for the version marks
        assert workers * (size + overflow + 1) <= total, (total, workers)
        assert 1 <= threads < size + overflow, "a thread waiting always leaves a connection"
    assert web_pool_shape(64, 1) == (16, 32, 40)  # one worker: as before


def test_too_few_connections_per_worker_is_refused() -> None:
    with pytest.raises(InputError, match="SODO_DB_CONNECTIONS"):
        web_pool_shape(10, 4)


def test_settings_and_the_served_worker_follow_the_share(tmp_path: Path,
                                                         monkeypatch) -> None:
    monkeypatch.setenv("SODO_DB_CONNECTIONS", "40")
    monkeypatch.setenv("SODO_WORKERS", "4")
    settings = Settings.for_database(f"sqlite:///{tmp_path / 'sodo.db'}")
    assert (settings.db_connections, settings.workers) == (40, 4)
    assert AppContext(settings).pool_shape is None  # a command's context: not a web worker
    app = create_app(settings, sync_programme=False, include_web=False)
    pool = app.state.ctx.engine.pool
    try:
        assert pool.size() + pool._max_overflow + 1 <= 40 // 4
        with TestClient(app) as client:
            assert client.get("/api/v1/health").status_code == 200
            threads = client.portal.call(
                lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)
        assert threads == app.state.ctx.pool_shape[2] < pool.size() + pool._max_overflow
    finally:
        app.state.ctx.close()
    monkeypatch.setenv("SODO_DB_CONNECTIONS", "8")
    with pytest.raises(InputError):
        create_app(Settings.for_database(f"sqlite:///{tmp_path / 'sodo.db'}"),
                   sync_programme=False, include_web=False)

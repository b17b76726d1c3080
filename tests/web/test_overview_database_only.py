"""A database-only app (an operational store, no workspace folder: ``create_app(database_url=…)``)
keeps its overview like a workspace's (issue 17: it served 2–4 pages/s against ~100).

Such an app has no synced programme, so every request read the shipped programme's YAML
again (~0.3 s of parsing, on the request's path before the page cache was even asked). Over
real HTTP: an unchanged overview is neither rebuilt nor does it re-read the programme's files;
a value another process writes still shows at once (the page follows the data version). The
programme read from files is kept only while its files are unchanged."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from server import serve
from sqlalchemy import insert

import sodo.web.pages.overview as overview_page
from sodo.domain.problems import InputError
from sodo.http.app import create_app
from sodo.services import catalogue
from sodo.services import programme as programme_service
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine

PORTS = {"sqlite": 9172, "postgresql": 9173}  # this range (9170–9179), when free


def _port(preferred: int) -> int | None:
    """``preferred`` when it is free, else None (the server then takes any free port)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return None
    return preferred


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path,
             postgres_database) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield request.param, f"sqlite:///{tmp_path}/sodo.db"
        return
    with postgres_database("sodo_overview_dbonly") as url:
        yield request.param, url


def _write_run(url: str, run_id: int, value: float) -> None:
    """What a computation in another process leaves: a finished run and its values."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(compute_run), [{
                "id": run_id, "backend": "duckdb", "status": "done", "record_count": 10,
                "finished_at": datetime(2026, 11, 20 + run_id, 9, 0, tzinfo=UTC)}])
            conn.execute(insert(indicator_value), [{
                "indicator": "dossier_full_online_share", "orgunit": "01",
                "period": f"2026-{8 + run_id:02d}", "period_type": "month", "category": "", "value": value,
                "origin": "computed", "state": "approved", "run_id": run_id,
                "updated_at": datetime(2026, 11, 20 + run_id, 9, 0, tzinfo=UTC)}])
    finally:
        engine.dispose()


def test_database_only_overview_is_cached_and_follows_the_data(
        database: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    backend, url = database
    builds: list[str] = []
    reads: list[object] = []
    build, load = overview_page.overview_model, catalogue.load_programme

    def counted_build(request, lang):  # type: ignore[no-untyped-def]
        builds.append(lang)
        return build(request, lang)

    def counted_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(overview_page, "overview_model", counted_build)
    monkeypatch.setattr(catalogue, "load_programme", counted_load)
    monkeypatch.setattr(catalogue, "_FILES_CACHE", {})
    app = create_app(database_url=url, include_web=True)
    assert app.state.ctx.settings.root is None  # no workspace: the shipped programme's files
    _write_run(url, 1, 40.0)
    try:
        with serve(app, _port(PORTS[backend])) as base, httpx.Client(base_url=base, timeout=60) as web:
            first = web.get("/", params={"format": "json"})
            assert first.status_code == 200, first.text
            assert first.json()["last_run"]["id"] == 1
            built, read = len(builds), len(reads)
            assert built == 1 and read == 1

            for _ in range(3):
                again = web.get("/", params={"format": "json"})
                assert again.json() == first.json()
                assert web.get("/").status_code == 200
            assert len(builds) == built, "an unchanged overview is not rebuilt"
            assert len(reads) == read, "the unchanged programme's files are not parsed again"

            _write_run(url, 2, 55.0)  # another process computes
            moved = web.get("/", params={"format": "json"})
            assert moved.status_code == 200
            assert moved.json()["last_run"]["id"] == 2
            assert len(builds) == built + 1
            assert len(reads) == read  # the data moved, not the programme
    finally:
        app.state.ctx.close()


def test_programme_from_files_is_kept_only_while_its_files_are_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "_FILES_CACHE", {})
    folder = tmp_path / "programme"
    shutil.copytree(programme_service.default_programme_path(), folder)
    first = catalogue.for_files(folder)
    assert catalogue.for_files(folder) is first  # kept

    targets = folder / "targets.yaml"
    text = targets.read_text(encoding="utf-8")
    title = first.programme.targets[0].title
    assert title in text
    targets.write_text(text.replace(title, title + " (sửa)", 1), encoding="utf-8")
    edited = catalogue.for_files(folder)
    assert edited is not first
    assert edited.programme.targets[0].title == title + " (sửa)"
    assert edited.version != first.version

    targets.write_text(text + "\n  - id: [broken\n", encoding="utf-8")
    with pytest.raises(InputError):  # a broken edit is reported, not hidden by the cache
        catalogue.for_files(folder)

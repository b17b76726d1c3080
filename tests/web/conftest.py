"""Fixtures of the web tests: a small workspace and the app serving it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from workspace_builder import TODAY, build_workspace

from sodo.http.app import create_app
from sodo.services.settings import Settings


def make_app(root: Path) -> FastAPI:
    """The sodo app (API and pages) over the workspace at ``root``, on the tests' date."""
    return create_app(replace(Settings.open(root), today=TODAY))






@pytest.fixture(scope="session",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def web_workspace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  postgres_database) -> Iterator[Path]:
    """The pages' workspace, its store on SQLite and on PostgreSQL."""
    root = tmp_path_factory.mktemp(f"web-{request.param}") / "ws"
    if request.param == "sqlite":
        yield build_workspace(root)
        return
    with postgres_database("sodo_web") as url:
        yield build_workspace(root, url)  # dropping it with FORCE ends the app's connections


@pytest.fixture(scope="session")
def app(web_workspace: Path) -> FastAPI:
    return make_app(web_workspace)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client

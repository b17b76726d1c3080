"""A small demo workspace (2,000 dossiers) built once for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sodo.services.demo import build_demo


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "demo"
    build_demo(path, rows=2000, seed=11)
    return path

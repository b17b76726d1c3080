"""The record checks' compiled SQL kept in the workspace (``.sodo/quality/sql``): an
incremental ``sodo quality`` whose queries are cached imports no Ibis and gives the same
scorecard as a run that compiles everything; the partitions equal those Ibis scans."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from generated import ingest_generated as _ingest

from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace

TODAY = "2025-09-10"


def _quality(ws: Settings, *args: str) -> tuple[list[dict], bool]:  # type: ignore[type-arg]
    """``sodo quality --format json`` as its own process: the scorecard, and whether Ibis
    was imported."""
    code = ("import sys\n"
            "from sodo.cli.main import app\n"
            "try:\n"
            f"    app(['quality', '-w', {str(ws.root)!r}, '--format', 'json', *{list(args)!r}])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('IBIS', 'ibis' in sys.modules)\n")
    env = {**os.environ, "SODO_AUTO_RECOMPUTE": "0", "SODO_TODAY": TODAY,
           "SODO_RECORD_BACKEND": ws.record_backend}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    body, _, tail = out.rpartition("IBIS ")
    return json.loads(body), tail.strip() == "True"


@pytest.mark.parametrize("backend", ["duckdb", "parquet"])
def test_a_cached_incremental_scorecard_imports_no_ibis_and_scores_the_same(
        tmp_path: Path, backend: str) -> None:
    import dataclasses

    ws = dataclasses.replace(init_workspace(tmp_path / "ws"), record_backend=backend)
    _ingest(ws, "dossiers", 3000, "2025-01", "2025-08", 1, tmp_path)
    _ingest(ws, "feedback", 400, "2025-01", "2025-08", 2, tmp_path)
    _, ibis_first = _quality(ws)
    assert ibis_first  # nothing compiled yet
    sql = ws.root / ".sodo" / "quality" / "sql"
    assert list(sql.glob("*.json"))

    _ingest(ws, "dossiers", 300, "2025-03", "2025-03", 7, tmp_path)
    _, ibis_range = _quality(ws)
    assert ibis_range  # a new shape (one month): compiled once
    _ingest(ws, "dossiers", 300, "2025-05", "2025-05", 8, tmp_path)
    kept = ws.root / ".sodo" / "quality"
    shutil.copytree(kept, tmp_path / "kept")
    cached, ibis_cached = _quality(ws)
    assert not ibis_cached

    # the same batch scored again from the same partitions, with no SQL kept: Ibis compiles
    shutil.rmtree(kept)
    shutil.copytree(tmp_path / "kept", kept)
    shutil.rmtree(kept / "sql")
    compiled, ibis_compiled = _quality(ws)
    assert ibis_compiled
    assert json.dumps(cached, sort_keys=True) == json.dumps(compiled, sort_keys=True)

    # and the same as scoring every month anew
    shutil.rmtree(kept)
    fresh, _ = _quality(ws, "--full")
    assert json.dumps(cached, sort_keys=True) == json.dumps(fresh, sort_keys=True)

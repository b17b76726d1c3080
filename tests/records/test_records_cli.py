"""The ``sodo ingest`` and ``sodo generate`` commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sodo.services.workspace import init_workspace

SODO = [sys.executable, "-m", "sodo.cli.main"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("SODO_WORKSPACE", None)
    return subprocess.run([*SODO, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return init_workspace(tmp_path / "ws").root


def test_generate_then_ingest(ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    done = run("generate", "dossiers", "--rows", "3000", "--from", "2025-10", "--to", "2025-11",
               "--seed", "4", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = run("ingest", "dossiers", str(out), "--workspace", str(ws), "--format", "json",
                 cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    [batch] = json.loads(loaded.stdout)
    assert (batch["batch"], batch["rows"], batch["inserted"]) == (1, 3000, 3000)
    con = duckdb.connect(str(ws / "records.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM dossiers").fetchall()[0][0] == 3000
    assert con.execute("SELECT count(*) FROM _batch_months").fetchall()[0][0] == 2
    con.close()


def test_bad_file_exits_1_without_traceback(ws: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("feedback_id,agency_code,received_at,deadline_at,handled_at,state,"
                   "satisfied,reraised\n"
                   "F1,01,2025-11-03 08:00:00,2025-11-18 08:00:00,,received,,false\n"
                   "F2,ZZ,2025-11-03 08:00:00,2025-11-18 08:00:00,,received,,false\n",
                   encoding="utf-8")
    done = run("ingest", "feedback", str(bad), "-w", str(ws), cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{bad}:2:agency_code" in done.stderr and "unknown_orgunit" in done.stderr
    assert "nothing was loaded" in done.stderr


def test_mapping_option(ws: Path, tmp_path: Path) -> None:
    data = tmp_path / "theirs.ndjson"
    data.write_text(json.dumps({
        "ma_pakn": "F9", "agency_code": "BKHCN", "received_at": "2025-11-03T08:00:00",
        "deadline_at": "2025-11-18T08:00:00", "handled_at": None, "state": "in_progress",
        "satisfied": None, "reraised": False}) + "\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("ma_pakn: feedback_id\n", encoding="utf-8")
    done = run("ingest", "feedback", str(data), "-w", str(ws), "--mapping", str(mapping),
               "-f", "csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("1,feedback,")


def test_missing_file_and_bad_extension(ws: Path, tmp_path: Path) -> None:
    done = run("ingest", "dossiers", str(tmp_path / "none.parquet"), "-w", str(ws),
               cwd=tmp_path)
    assert done.returncode == 1 and "file not found" in done.stderr
    other = tmp_path / "x.json"
    other.write_text("{}", encoding="utf-8")
    done = run("ingest", "dossiers", str(other), "-w", str(ws), cwd=tmp_path)
    assert done.returncode == 1 and "unsupported file type '.json'" in done.stderr
    assert "Traceback" not in done.stderr


def test_ingest_says_how_many_keys_it_folded(ws: Path, tmp_path: Path) -> None:
    def feedback(key: str, agency: str) -> str:
        return json.dumps({"feedback_id": key, "agency_code": agency,
                           "received_at": "2025-11-03T08:00:00",
                           "deadline_at": "2025-11-18T08:00:00", "handled_at": None,
                           "state": "in_progress", "satisfied": None, "reraised": False}) + "\n"

    first, again = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text(feedback("PA-7", "BKHCN"), encoding="utf-8")
    again.write_text(feedback("pa-7", "bkhcn"), encoding="utf-8")
    assert run("ingest", "feedback", str(first), "-w", str(ws), cwd=tmp_path).returncode == 0
    table = run("ingest", "feedback", str(again), "-w", str(ws), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "normal" in table.stdout  # the column (Rich may shorten its header)
    done = run("ingest", "feedback", str(again), "-w", str(ws), "-f", "json", cwd=tmp_path)
    [batch] = json.loads(done.stdout)
    assert (batch["inserted"], batch["replaced"], batch["normalised"]) == (0, 1, 1)
